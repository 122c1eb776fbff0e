#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: elasticache_replication_group
short_description: An ElastiCache (Redis OSS or Valkey) replication group, kept as declared
version_added: 1.0.0
description:
  - Creates, modifies in place and deletes an ElastiCache replication group, with or without
    cluster mode. amazon.aws and community.aws have no replication group module
    (community.aws.elasticache manages single cache clusters only).
  - Changes AWS makes in place are made in place, in the order AWS accepts them (replicas are added
    before automatic failover is turned on, and failover is turned off before the last replica
    goes), waiting for the group to be available between steps.
  - Node type and engine version changes wait for the maintenance window unless
    O(apply_immediately) is set; the module reports them as pending and does not issue them again.
  - What AWS cannot change in place (cluster mode, port, encryption at rest and its key, encryption
    in transit, the subnet group) is refused with the list of fields, unless O(allow_replacement)
    lets the module delete the group and create it again (its data is lost unless a snapshot is
    restored).
  - The AUTH token cannot be read back from AWS. It is set when the group is created (or when AUTH
    is turned on), and replaced only when O(rotate_auth_token) asks for it.
  - With O(wait=false) the module returns as soon as AWS has accepted the creation, so that other
    long operations can run meanwhile; a later call with O(wait=true) waits for it.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering
options:
  replication_group_id:
    description: The group's id (1-40 lower-case letters, digits and hyphens, starting with a letter).
    type: str
    required: true
    aliases: [name]
  description:
    description: The group's description.
    type: str
    default: ""
  engine:
    description: The engine.
    type: str
    default: redis
    choices: [redis, valkey]
  engine_version:
    description: The engine version (a prefix such as V(7.1) matches V(7.1.0)). Required to create.
    type: str
  node_type:
    description: The node type (V(cache.r7g.large)). Required to create.
    type: str
  cluster_mode:
    description: Shard the key space over O(num_node_groups) node groups.
    type: bool
    default: false
  num_node_groups:
    description: Shards, in cluster mode.
    type: int
    default: 1
  replicas_per_node_group:
    description: Read replicas of each shard (of the single node group without cluster mode), 0 to 5.
    type: int
    default: 1
  preferred_availability_zones:
    description: Zones to spread the nodes over, in order, on creation.
    type: list
    elements: str
    default: []
  automatic_failover:
    description: Promote a replica when the primary fails (needs a replica).
    type: bool
    default: true
  multi_az:
    description: Keep the replicas in other zones than their primary (needs automatic failover).
    type: bool
    default: true
  port:
    description: The port the nodes listen on.
    type: int
    default: 6379
  subnet_group:
    description: The cache subnet group. Required to create.
    type: str
  security_group_ids:
    description: VPC security groups of the nodes.
    type: list
    elements: str
    default: []
  parameter_group:
    description: The cache parameter group (AWS's default for the engine version when omitted).
    type: str
  transit_encryption:
    description: TLS between clients and nodes (required for an AUTH token).
    type: bool
    default: true
  at_rest_encryption:
    description: Encrypt data on disk and in snapshots.
    type: bool
    default: true
  kms_key_id:
    description: Customer-managed KMS key for encryption at rest (AWS's key when omitted).
    type: str
  auth_token:
    description:
      - The AUTH token (16-128 printable characters, no C(@), C("), C(/) or space). Used when the
        group is created, when AUTH is turned on, and when O(rotate_auth_token) is set.
    type: str
  rotate_auth_token:
    description:
      - Replace the AUTH token with O(auth_token), keeping the old one valid until the next
        rotation (AWS's ROTATE strategy), so clients can move over. Always a change.
    type: bool
    default: false
  snapshot_retention_limit:
    description: Days of automatic snapshots kept (0 turns them off).
    type: int
    default: 0
  snapshot_window:
    description: Daily UTC window of the automatic snapshot (V(03:00-04:00)).
    type: str
  maintenance_window:
    description: Weekly UTC maintenance window (V(sun:05:00-sun:06:00)).
    type: str
  notification_topic_arn:
    description: SNS topic for the group's events.
    type: str
  log_delivery:
    description: Slow-log and engine-log delivery to CloudWatch Logs; a log type not listed is turned off.
    type: list
    elements: dict
    default: []
    suboptions:
      log_type:
        description: Which log.
        type: str
        required: true
        choices: [slow-log, engine-log]
      log_group:
        description: The CloudWatch Logs group.
        type: str
        required: true
      log_format:
        description: The format of the entries.
        type: str
        default: json
        choices: [json, text]
  auto_minor_version_upgrade:
    description: Let AWS apply minor engine upgrades in the maintenance window.
    type: bool
    default: true
  apply_immediately:
    description: Apply node type and engine version changes now rather than in the maintenance window.
    type: bool
    default: false
  allow_replacement:
    description: Delete and create the group again when a change cannot be made in place.
    type: bool
    default: false
  final_snapshot_identifier:
    description: With O(state=absent) (or a replacement), the name of a final snapshot taken before deletion.
    type: str
  wait:
    description: Wait for the group to be available (or gone) before returning.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 2700
  state:
    description: Whether the group exists.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Redis for the order service, two nodes across zones, TLS and AUTH, encrypted with our key
  ninetynine.trading_infra.elasticache_replication_group:
    replication_group_id: trading-prod-redis
    description: trading prod cache
    engine_version: "7.1"
    node_type: cache.r7g.large
    replicas_per_node_group: 1
    subnet_group: trading-prod-redis
    security_group_ids: [sg-0123456789abcdef0]
    kms_key_id: alias/trading-prod-data
    auth_token: "{{ lookup('amazon.aws.secretsmanager_secret', 'trading-prod/redis-auth') }}"
    snapshot_retention_limit: 7
    log_delivery:
      - log_type: slow-log
        log_group: /trading/prod/redis/slow-log
    tags:
      Environment: prod
  no_log: false

- name: Start creating the matching engine's sharded Redis without waiting
  ninetynine.trading_infra.elasticache_replication_group:
    replication_group_id: trading-prod-matching
    engine_version: "7.1"
    node_type: cache.r7g.xlarge
    cluster_mode: true
    num_node_groups: 3
    replicas_per_node_group: 1
    subnet_group: trading-prod-redis
    wait: false

- name: Remove it, keeping a final snapshot
  ninetynine.trading_infra.elasticache_replication_group:
    replication_group_id: trading-prod-matching
    final_snapshot_identifier: trading-prod-matching-final
    state: absent
"""

RETURN = r"""
replication_group:
  description: The group after the run (null when absent; endpoints null in check mode before creation).
  returned: always
  type: dict
  contains:
    id:
      description: The group's id.
      type: str
    arn:
      description: The group's ARN.
      type: str
    status:
      description: V(available), or V(creating) / V(modifying) when not waited for.
      type: str
    primary_endpoint:
      description: Writer address (without cluster mode).
      type: str
    reader_endpoint:
      description: Reader address balancing over the replicas (without cluster mode).
      type: str
    configuration_endpoint:
      description: The address cluster-aware clients start from (cluster mode).
      type: str
    port:
      description: The port.
      type: int
    member_clusters:
      description: The member cache clusters.
      type: list
      elements: str
    pending:
      description: Changes waiting for the maintenance window.
      type: dict
  sample:
    id: trading-prod-redis
    arn: arn:aws:elasticache:us-east-1:123456789012:replicationgroup:trading-prod-redis
    status: available
    primary_endpoint: master.trading-prod-redis.abc123.use1.cache.amazonaws.com
    reader_endpoint: replica.trading-prod-redis.abc123.use1.cache.amazonaws.com
    configuration_endpoint: null
    port: 6379
    member_clusters: [trading-prod-redis-001, trading-prod-redis-002]
    pending: {}
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["create replication group trading-prod-redis (1 shard, 1 replica each)"]
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list

# What the module compares, and whether AWS can change it in place.
REPLACEMENT_FIELDS = ("cluster_mode", "port", "at_rest_encryption", "kms_key_id", "transit_encryption", "subnet_group")
BAD_TOKEN_CHARACTERS = set('@"/ ')


def describe(client, rg_id):
    try:
        groups = client.describe_replication_groups(ReplicationGroupId=rg_id, aws_retry=True)["ReplicationGroups"]
    except is_boto3_error_code("ReplicationGroupNotFoundFault"):
        return None, None
    group = groups[0]
    member = None
    if group.get("MemberClusters"):
        member = client.describe_cache_clusters(CacheClusterId=group["MemberClusters"][0], aws_retry=True)[
            "CacheClusters"
        ][0]
    return group, member


def current_state(group, member):
    """The group as the module compares it, from DescribeReplicationGroups and its first member."""
    member = member or {}
    node_groups = group.get("NodeGroups") or []
    replicas = max((len(g.get("NodeGroupMembers") or []) - 1 for g in node_groups), default=0)
    endpoint = (
        (node_groups[0].get("PrimaryEndpoint") if node_groups else None) or group.get("ConfigurationEndpoint") or {}
    )
    return {
        "description": group.get("Description", ""),
        "engine": member.get("Engine", group.get("Engine", "redis")),
        "engine_version": member.get("EngineVersion"),
        "node_type": group.get("CacheNodeType"),
        "cluster_mode": bool(group.get("ClusterEnabled")),
        "num_node_groups": len(node_groups),
        "replicas_per_node_group": replicas,
        "automatic_failover": group.get("AutomaticFailover") in ("enabled", "enabling"),
        "multi_az": group.get("MultiAZ") == "enabled",
        "port": endpoint.get("Port"),
        "subnet_group": member.get("CacheSubnetGroupName"),
        "security_group_ids": sorted(g["SecurityGroupId"] for g in member.get("SecurityGroups") or []),
        "parameter_group": (member.get("CacheParameterGroup") or {}).get("CacheParameterGroupName"),
        "transit_encryption": bool(group.get("TransitEncryptionEnabled")),
        "at_rest_encryption": bool(group.get("AtRestEncryptionEnabled")),
        "kms_key_id": group.get("KmsKeyId"),
        "auth_token_enabled": bool(group.get("AuthTokenEnabled")),
        "snapshot_retention_limit": group.get("SnapshotRetentionLimit", 0),
        "snapshot_window": group.get("SnapshotWindow"),
        "maintenance_window": member.get("PreferredMaintenanceWindow"),
        "notification_topic_arn": (member.get("NotificationConfiguration") or {}).get("TopicArn"),
        "log_delivery": sorted(
            (
                {
                    "log_type": c["LogType"],
                    "log_group": c.get("DestinationDetails", {}).get("CloudWatchLogsDetails", {}).get("LogGroup"),
                    "log_format": c.get("LogFormat"),
                }
                for c in group.get("LogDeliveryConfigurations") or []
                if c.get("Status") not in ("disabling", "error")
            ),
            key=lambda c: c["log_type"],
        ),
        "auto_minor_version_upgrade": bool(member.get("AutoMinorVersionUpgrade", True)),
        "pending": dict(member.get("PendingModifiedValues") or {}),
    }


def wanted_state(p, current):
    """The declared group in the comparable shape; unset optional values keep what AWS has."""
    current = current or {}
    return {
        "description": p["description"],
        "engine": p["engine"],
        "engine_version": p["engine_version"] or current.get("engine_version"),
        "node_type": p["node_type"] or current.get("node_type"),
        "cluster_mode": p["cluster_mode"],
        "num_node_groups": p["num_node_groups"] if p["cluster_mode"] else 1,
        "replicas_per_node_group": p["replicas_per_node_group"],
        "automatic_failover": p["automatic_failover"],
        "multi_az": p["multi_az"],
        "port": p["port"],
        "subnet_group": p["subnet_group"] or current.get("subnet_group"),
        "security_group_ids": sorted(p["security_group_ids"]),
        "parameter_group": p["parameter_group"] or current.get("parameter_group"),
        "transit_encryption": p["transit_encryption"],
        "at_rest_encryption": p["at_rest_encryption"],
        "kms_key_id": p["kms_key_id"] if p["kms_key_id"] is not None else current.get("kms_key_id"),
        "auth_token_enabled": bool(p["auth_token"]) or current.get("auth_token_enabled", False),
        "snapshot_retention_limit": p["snapshot_retention_limit"],
        "snapshot_window": p["snapshot_window"] or current.get("snapshot_window"),
        "maintenance_window": p["maintenance_window"] or current.get("maintenance_window"),
        "notification_topic_arn": p["notification_topic_arn"] or current.get("notification_topic_arn"),
        "log_delivery": sorted(
            (dict(c) for c in p["log_delivery"]),
            key=lambda c: c["log_type"],
        ),
        "auto_minor_version_upgrade": p["auto_minor_version_upgrade"],
        "pending": {},
    }


def version_matches(wanted, actual):
    """7.1 matches 7.1.0 and 7.1; 7.1.0 matches only 7.1.0."""
    if not wanted or not actual:
        return wanted == actual
    return actual == wanted or actual.startswith(wanted + ".")


def same_key(wanted, actual):
    """A KMS key given as id, ARN or alias against the ARN AWS reports."""
    if not wanted or not actual:
        return not wanted and not actual
    if wanted == actual or actual.endswith("/" + wanted):
        return True
    return wanted.startswith("alias/")  # an alias cannot be resolved without KMS; trust it


def validate(module, p):
    rg_id = p["replication_group_id"]
    if (
        not rg_id
        or len(rg_id) > 40
        or not rg_id[0].isalpha()
        or not all(c.islower() or c.isdigit() or c == "-" for c in rg_id)
    ):
        module.fail_json(msg=f"replication_group_id: {rg_id!r} must be 1-40 lower-case letters, digits and hyphens")
    if p["state"] == "absent":
        return
    if not 0 <= p["replicas_per_node_group"] <= 5:
        module.fail_json(msg=f"replicas_per_node_group: {p['replicas_per_node_group']} must be from 0 to 5")
    if p["cluster_mode"] and not 1 <= p["num_node_groups"] <= 500:
        module.fail_json(msg=f"num_node_groups: {p['num_node_groups']} must be from 1 to 500")
    if not p["cluster_mode"] and p["num_node_groups"] != 1:
        module.fail_json(msg="num_node_groups: more than one shard needs cluster_mode")
    if p["automatic_failover"] and p["replicas_per_node_group"] < 1 and not p["cluster_mode"]:
        module.fail_json(msg="automatic_failover needs replicas_per_node_group of at least 1")
    if p["multi_az"] and not p["automatic_failover"]:
        module.fail_json(msg="multi_az needs automatic_failover")
    token = p["auth_token"]
    if token is not None:
        if not p["transit_encryption"]:
            module.fail_json(msg="auth_token needs transit_encryption")
        if not 16 <= len(token) <= 128 or set(token) & BAD_TOKEN_CHARACTERS or not token.isprintable():
            module.fail_json(msg='auth_token must be 16-128 printable characters without @, ", / or spaces')
    if p["rotate_auth_token"] and not token:
        module.fail_json(msg="rotate_auth_token needs the new auth_token")
    if p["kms_key_id"] and not p["at_rest_encryption"]:
        module.fail_json(msg="kms_key_id needs at_rest_encryption")


def summary(group, state):
    if group is None:
        return None
    node_groups = group.get("NodeGroups") or []
    first = node_groups[0] if node_groups else {}
    return {
        "id": group["ReplicationGroupId"],
        "arn": group.get("ARN"),
        "status": group.get("Status"),
        "primary_endpoint": (first.get("PrimaryEndpoint") or {}).get("Address"),
        "reader_endpoint": (first.get("ReaderEndpoint") or {}).get("Address"),
        "configuration_endpoint": (group.get("ConfigurationEndpoint") or {}).get("Address"),
        "port": (first.get("PrimaryEndpoint") or group.get("ConfigurationEndpoint") or {}).get("Port"),
        "member_clusters": list(group.get("MemberClusters") or []),
        "pending": state.get("pending", {}) if state else {},
    }


class Reconciler:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.p = module.params
        self.plan = Plan(module.check_mode)
        self.rg_id = self.p["replication_group_id"]
        self.pending = {}  # node type / engine version waiting for the maintenance window

    def wait(self, gone=False):
        deadline = time.monotonic() + self.p["wait_timeout"]
        delay = 2
        while True:
            group, _ = describe(self.client, self.rg_id)
            if gone and group is None:
                return None
            if not gone and group is not None and group["Status"] == "available":
                return group
            if group is not None and group["Status"] in ("create-failed",):
                self.module.fail_json(
                    msg=f"replication group {self.rg_id} is {group['Status']}", actions=self.plan.actions
                )
            if time.monotonic() > deadline:
                status = group["Status"] if group else "gone"
                self.module.fail_json(
                    msg=f"replication group {self.rg_id} still {status} after {self.p['wait_timeout']}s",
                    actions=self.plan.actions,
                )
            time.sleep(delay)
            delay = min(delay * 2, 30)

    def settle(self):
        """Between two changes: AWS refuses a change while the group is modifying."""
        if not self.module.check_mode:
            self.wait()

    def create(self, want):
        p = self.p
        if not want["engine_version"] or not want["node_type"] or not want["subnet_group"]:
            self.module.fail_json(msg="engine_version, node_type and subnet_group are needed to create the group")
        request = dict(
            ReplicationGroupId=self.rg_id,
            ReplicationGroupDescription=p["description"] or self.rg_id,
            Engine=p["engine"],
            EngineVersion=want["engine_version"],
            CacheNodeType=want["node_type"],
            Port=p["port"],
            CacheSubnetGroupName=want["subnet_group"],
            SecurityGroupIds=p["security_group_ids"],
            AutomaticFailoverEnabled=p["automatic_failover"],
            MultiAZEnabled=p["multi_az"],
            TransitEncryptionEnabled=p["transit_encryption"],
            AtRestEncryptionEnabled=p["at_rest_encryption"],
            SnapshotRetentionLimit=p["snapshot_retention_limit"],
            AutoMinorVersionUpgrade=p["auto_minor_version_upgrade"],
            Tags=tag_list(p["tags"] or {}),
        )
        if p["cluster_mode"]:
            request.update(ClusterMode="enabled", NumNodeGroups=p["num_node_groups"])
            request["ReplicasPerNodeGroup"] = p["replicas_per_node_group"]
        else:
            request["NumCacheClusters"] = p["replicas_per_node_group"] + 1
            if p["preferred_availability_zones"]:
                azs = p["preferred_availability_zones"]
                request["PreferredCacheClusterAZs"] = [azs[i % len(azs)] for i in range(request["NumCacheClusters"])]
        optional = {
            "CacheParameterGroupName": p["parameter_group"],
            "KmsKeyId": p["kms_key_id"],
            "AuthToken": p["auth_token"],
            "SnapshotWindow": p["snapshot_window"],
            "PreferredMaintenanceWindow": p["maintenance_window"],
            "NotificationTopicArn": p["notification_topic_arn"],
        }
        request.update({k: v for k, v in optional.items() if v})
        if p["log_delivery"]:
            request["LogDeliveryConfigurations"] = [log_config(c, True) for c in p["log_delivery"]]
        shards = f"{want['num_node_groups']} shard{'s' if want['num_node_groups'] > 1 else ''}"
        self.plan.do(
            f"create replication group {self.rg_id} ({shards}, {p['replicas_per_node_group']} replicas each)",
            self.client.create_replication_group,
            aws_retry=True,
            **request,
        )

    def run(self):
        p = self.p
        group, member = describe(self.client, self.rg_id)
        have = current_state(group, member) if group else None
        before = dict(have) if have else {}

        if p["state"] == "absent":
            if group is not None:
                self.delete()
            return before, {}, None

        want = wanted_state(p, have)
        if group is None:
            self.create(want)
            if p["wait"] and not self.module.check_mode:
                group = self.wait()
            elif not self.module.check_mode:
                group, _ = describe(self.client, self.rg_id)
            return before, want, group

        if group["Status"] != "available":
            if not p["wait"]:
                # Still creating or modifying: nothing can be changed until it is available.
                return before, before, group
            group = self.wait()
            group, member = describe(self.client, self.rg_id)
            have = current_state(group, member)
            want = wanted_state(p, have)

        blocked = [f for f in REPLACEMENT_FIELDS if not self.same(f, want[f], have[f])]
        if blocked:
            if not p["allow_replacement"]:
                changes = ", ".join(f"{f} {have[f]!r} -> {want[f]!r}" for f in blocked)
                self.module.fail_json(
                    msg=f"replication group {self.rg_id}: AWS cannot change {changes} in place; "
                    "set allow_replacement to delete the group (and its data) and create it again"
                )
            self.delete()
            self.create(want)
            if not self.module.check_mode:
                group = self.wait()
            return before, want, group

        self.pending = dict(have["pending"])
        self.modify(have, want)
        want["pending"] = self.pending
        self.tags(group)
        if self.plan.changed and not self.module.check_mode and p["wait"]:
            group = self.wait()
        elif self.plan.changed and not self.module.check_mode:
            group, _ = describe(self.client, self.rg_id)
        return before, want, group

    @staticmethod
    def same(field, wanted, actual):
        if field == "kms_key_id":
            return same_key(wanted, actual)
        if field == "subnet_group" and wanted and actual:
            return wanted.lower() == actual.lower()
        return wanted == actual

    def delete(self):
        group, _ = describe(self.client, self.rg_id)
        if group and group["Status"] == "deleting":
            if not self.module.check_mode and self.p["wait"]:
                self.wait(gone=True)
            return
        if group and group["Status"] != "available" and not self.module.check_mode:
            self.wait()  # AWS refuses to delete a group that is still creating or modifying
        request = {"ReplicationGroupId": self.rg_id}
        if self.p["final_snapshot_identifier"]:
            request["FinalSnapshotIdentifier"] = self.p["final_snapshot_identifier"]
        self.plan.do(
            f"delete replication group {self.rg_id}", self.client.delete_replication_group, aws_retry=True, **request
        )
        if not self.module.check_mode and (self.p["wait"] or self.p["state"] == "present"):
            self.wait(gone=True)

    def modify(self, have, want):
        p = self.p
        # Replicas first when adding (failover may need them), last when removing (failover may forbid it).
        adding = want["replicas_per_node_group"] > have["replicas_per_node_group"]
        if adding:
            self.replicas(have, want)
        request, changed = {}, []
        simple = (
            ("description", "ReplicationGroupDescription"),
            ("parameter_group", "CacheParameterGroupName"),
            ("snapshot_retention_limit", "SnapshotRetentionLimit"),
            ("snapshot_window", "SnapshotWindow"),
            ("automatic_failover", "AutomaticFailoverEnabled"),
            ("multi_az", "MultiAZEnabled"),
            ("notification_topic_arn", "NotificationTopicArn"),
            ("auto_minor_version_upgrade", "AutoMinorVersionUpgrade"),
        )
        for field, api in simple:
            if want[field] != have[field]:
                request[api] = want[field]
                changed.append(field)
        if (want["maintenance_window"] or "").lower() != (have["maintenance_window"] or "").lower():
            request["PreferredMaintenanceWindow"] = want["maintenance_window"]
            changed.append("maintenance_window")
        if want["security_group_ids"] != have["security_group_ids"]:
            request["SecurityGroupIds"] = want["security_group_ids"]
            changed.append("security_group_ids")
        pending = have["pending"]
        if want["node_type"] != have["node_type"] and pending.get("CacheNodeType") != want["node_type"]:
            request["CacheNodeType"] = want["node_type"]
            changed.append("node_type")
        if not version_matches(want["engine_version"], have["engine_version"]) and not version_matches(
            want["engine_version"], pending.get("EngineVersion")
        ):
            request["EngineVersion"] = want["engine_version"]
            changed.append("engine_version")
        if want["log_delivery"] != have["log_delivery"]:
            wanted_types = {c["log_type"] for c in want["log_delivery"]}
            request["LogDeliveryConfigurations"] = [log_config(c, True) for c in want["log_delivery"]] + [
                {"LogType": c["log_type"], "Enabled": False}
                for c in have["log_delivery"]
                if c["log_type"] not in wanted_types
            ]
            changed.append("log_delivery")
        if p["auth_token"] and (p["rotate_auth_token"] or not have["auth_token_enabled"]):
            request["AuthToken"] = p["auth_token"]
            request["AuthTokenUpdateStrategy"] = "ROTATE" if have["auth_token_enabled"] else "SET"
            changed.append("auth token " + ("rotated" if have["auth_token_enabled"] else "set"))
        if request:
            if "CacheNodeType" in request or "EngineVersion" in request:
                request["ApplyImmediately"] = p["apply_immediately"]
                if not p["apply_immediately"]:
                    for api in ("CacheNodeType", "EngineVersion"):
                        if api in request:
                            self.pending[api] = request[api]
            elif "AuthToken" in request or "LogDeliveryConfigurations" in request:
                request["ApplyImmediately"] = True
            when = (
                ""
                if request.get("ApplyImmediately", True) or not ({"CacheNodeType", "EngineVersion"} & set(request))
                else (" (node type / engine version in the maintenance window)")
            )
            self.plan.do(
                f"modify replication group {self.rg_id}: {', '.join(changed)}{when}",
                self.client.modify_replication_group,
                ReplicationGroupId=self.rg_id,
                aws_retry=True,
                **request,
            )
            self.settle()
        if want["cluster_mode"] and want["num_node_groups"] != have["num_node_groups"]:
            request = dict(ReplicationGroupId=self.rg_id, NodeGroupCount=want["num_node_groups"], ApplyImmediately=True)
            if want["num_node_groups"] < have["num_node_groups"]:
                request["NodeGroupsToRemove"] = [
                    f"{i:04d}" for i in range(want["num_node_groups"] + 1, have["num_node_groups"] + 1)
                ]
            self.plan.do(
                f"reshard {self.rg_id}: {have['num_node_groups']} -> {want['num_node_groups']} shards",
                self.client.modify_replication_group_shard_configuration,
                aws_retry=True,
                **request,
            )
            self.settle()
        if not adding and want["replicas_per_node_group"] != have["replicas_per_node_group"]:
            self.replicas(have, want)

    def replicas(self, have, want):
        count = want["replicas_per_node_group"]
        increase = count > have["replicas_per_node_group"]
        self.plan.do(
            f"{'add' if increase else 'remove'} replicas of {self.rg_id}: "
            f"{have['replicas_per_node_group']} -> {count} per shard",
            self.client.increase_replica_count if increase else self.client.decrease_replica_count,
            ReplicationGroupId=self.rg_id,
            NewReplicaCount=count,
            ApplyImmediately=True,
            aws_retry=True,
        )
        self.settle()

    def tags(self, group):
        if self.p["tags"] is None:
            return
        arn = group["ARN"]
        current = boto3_tag_list_to_ansible_dict(
            self.client.list_tags_for_resource(ResourceName=arn, aws_retry=True).get("TagList", [])
        )
        plan_tags(
            self.plan,
            f"replication group {self.rg_id}",
            current,
            self.p["tags"],
            self.p["purge_tags"],
            lambda tags: self.client.add_tags_to_resource(ResourceName=arn, Tags=tag_list(tags), aws_retry=True),
            lambda keys: self.client.remove_tags_from_resource(ResourceName=arn, TagKeys=keys, aws_retry=True),
        )


def log_config(config, enabled):
    return {
        "LogType": config["log_type"],
        "DestinationType": "cloudwatch-logs",
        "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": config["log_group"]}},
        "LogFormat": config["log_format"],
        "Enabled": enabled,
    }


def main():
    argument_spec = dict(
        replication_group_id=dict(type="str", required=True, aliases=["name"]),
        description=dict(type="str", default=""),
        engine=dict(type="str", default="redis", choices=["redis", "valkey"]),
        engine_version=dict(type="str"),
        node_type=dict(type="str"),
        cluster_mode=dict(type="bool", default=False),
        num_node_groups=dict(type="int", default=1),
        replicas_per_node_group=dict(type="int", default=1),
        preferred_availability_zones=dict(type="list", elements="str", default=[]),
        automatic_failover=dict(type="bool", default=True),
        multi_az=dict(type="bool", default=True),
        port=dict(type="int", default=6379),
        subnet_group=dict(type="str"),
        security_group_ids=dict(type="list", elements="str", default=[]),
        parameter_group=dict(type="str"),
        transit_encryption=dict(type="bool", default=True),
        at_rest_encryption=dict(type="bool", default=True),
        kms_key_id=dict(type="str"),
        auth_token=dict(type="str", no_log=True),
        rotate_auth_token=dict(type="bool", default=False),
        snapshot_retention_limit=dict(type="int", default=0),
        snapshot_window=dict(type="str"),
        maintenance_window=dict(type="str"),
        notification_topic_arn=dict(type="str"),
        log_delivery=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                log_type=dict(type="str", required=True, choices=["slow-log", "engine-log"]),
                log_group=dict(type="str", required=True),
                log_format=dict(type="str", default="json", choices=["json", "text"]),
            ),
        ),
        auto_minor_version_upgrade=dict(type="bool", default=True),
        apply_immediately=dict(type="bool", default=False),
        allow_replacement=dict(type="bool", default=False),
        final_snapshot_identifier=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=2700),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module, module.params)
    client = module.client("elasticache", retry_decorator=retry_decorator())
    reconciler = Reconciler(module, client)
    try:
        before, after, group = reconciler.run()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg=f"replication group {reconciler.rg_id} reconciliation failed", actions=reconciler.plan.actions
        )
    result = None
    if module.params["state"] == "present":
        result = summary(group, after) or {
            "id": reconciler.rg_id,
            "arn": None,
            "status": "creating",
            "primary_endpoint": None,
            "reader_endpoint": None,
            "configuration_endpoint": None,
            "port": module.params["port"],
            "member_clusters": [],
            "pending": {},
        }
    reconciler.plan.exit_json(module, before, after, replication_group=result)


if __name__ == "__main__":
    main()
