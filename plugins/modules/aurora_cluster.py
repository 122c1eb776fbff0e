#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: aurora_cluster
short_description: An Aurora cluster with its writer and readers, its password kept by RDS
version_added: 1.0.0
description:
  - Creates and keeps an Aurora (PostgreSQL or MySQL) DB cluster and its instances, one writer and
    O(reader_count) readers spread over O(availability_zones), in one call.
  - The master password is generated and kept by RDS in Secrets Manager (ManageMasterUserPassword),
    encrypted with O(master_user_secret_kms_key_id); it never passes through Ansible.
    amazon.aws.rds_cluster cannot ask for that, which is why this module exists.
  - Changing O(reader_count) adds or removes readers (the highest-numbered ones that are not the
    writer) and never touches the writer. Readers that Application Auto Scaling added
    (C(application-autoscaling-...)) are not counted and never removed.
  - Changes RDS applies in the maintenance window (instance class, engine version, CA certificate,
    and the others when O(apply_immediately=false)) or after a reboot (static parameters) are
    reported in RV(cluster.pending) rather than applied again on every run. A pending engine version
    or CA is asked for again only with O(apply_immediately=true), to apply it now.
  - The instances' server certificates are signed by O(ca_certificate_identifier), set when an
    instance is created and changed in place.
  - The master user secret RDS keeps is read back with Secrets Manager's DescribeSecret; its rotation
    is returned in RV(cluster.master_user_secret_rotation) and, with
    O(require_master_user_secret_rotation=true), a secret whose rotation was turned off is refused
    before any change.
  - What cannot change in place (engine, storage encryption and its key, subnet group, master user
    name) is refused with the list of fields.
  - With O(wait=false) the module returns once RDS has accepted the creation of the cluster and its
    instances, so that other long operations can run meanwhile; a later call with O(wait=true)
    waits. With O(wait_instances=false), a call waits for the cluster only, creates the instances
    it lacks and returns while they are created, for a last call with O(wait=true) to wait for.
  - A cluster with deletion protection is only deleted when O(deletion_protection=false) is given
    with O(state=absent).
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  cluster_identifier:
    description: The cluster's identifier; instances are named C(<cluster_identifier>-<n>).
    type: str
    required: true
    aliases: [name]
  engine:
    description: The engine.
    type: str
    default: aurora-postgresql
    choices: [aurora-postgresql, aurora-mysql]
  engine_version:
    description:
      - The engine version. Required to create; a higher one upgrades the cluster in place
        (ModifyDBCluster EngineVersion), now with O(apply_immediately=true), otherwise in the
        maintenance window (reported in RV(cluster.pending) until then). A lower one is refused
        (RDS cannot downgrade), except a later minor of the same major that RDS applied itself
        under O(auto_minor_version_upgrade=true), which is left as it is.
    type: str
  master_username:
    description: The master user's name. Required to create.
    type: str
  master_user_secret_kms_key_id:
    description: KMS key of the secret RDS keeps the master password in (AWS's key when omitted).
    type: str
  db_subnet_group:
    description: The DB subnet group. Required to create.
    type: str
  vpc_security_group_ids:
    description: Security groups of the cluster.
    type: list
    elements: str
    default: []
  port:
    description: The port (the engine's default when omitted).
    type: int
  cluster_parameter_group:
    description: The DB cluster parameter group.
    type: str
  instance_parameter_group:
    description: The DB parameter group of the instances.
    type: str
  storage_encrypted:
    description: Encrypt storage (and snapshots).
    type: bool
    default: true
  kms_key_id:
    description: KMS key for storage encryption (AWS's key when omitted).
    type: str
  iam_database_authentication:
    description: Let IAM identities connect with tokens instead of passwords.
    type: bool
    default: true
  backup_retention_period:
    description: Days of automated backups (1-35).
    type: int
    default: 7
  preferred_backup_window:
    description: Daily UTC backup window (V(03:00-04:00)).
    type: str
  preferred_maintenance_window:
    description: Weekly UTC maintenance window (V(sun:05:00-sun:06:00)).
    type: str
  cloudwatch_logs_exports:
    description: Logs exported to CloudWatch Logs (V(postgresql) for Aurora PostgreSQL).
    type: list
    elements: str
    default: []
  deletion_protection:
    description:
      - Refuse deletion of the cluster. With O(state=absent), V(false) turns protection off so the
        cluster can be deleted; left unset, a protected cluster is not deleted.
    type: bool
  copy_tags_to_snapshot:
    description: Copy the cluster's tags to its snapshots.
    type: bool
    default: true
  instance_class:
    description: The instances' class. Required to create.
    type: str
  reader_count:
    description: Readers besides the writer.
    type: int
    default: 0
  availability_zones:
    description: Zones the instances are spread over, writer first.
    type: list
    elements: str
    default: []
  performance_insights:
    description: Performance Insights on the instances.
    type: bool
    default: false
  performance_insights_kms_key_id:
    description: KMS key of the Performance Insights data.
    type: str
  performance_insights_retention_period:
    description: Days Performance Insights keeps data (7 is free; or a multiple of 31, up to 731).
    type: int
    default: 7
  monitoring_interval:
    description: Enhanced monitoring interval in seconds (0 turns it off).
    type: int
    default: 0
    choices: [0, 1, 5, 10, 15, 30, 60]
  monitoring_role_arn:
    description: The role RDS publishes enhanced monitoring with (required when O(monitoring_interval) > 0).
    type: str
  ca_certificate_identifier:
    description:
      - The certificate authority that signs the instances' server certificates (CACertificateIdentifier),
        one of DescribeCertificates' (V(rds-ca-rsa2048-g1), V(rds-ca-rsa4096-g1), V(rds-ca-ecc384-g1);
        V(rds-ca-2019) expired in August 2024).
      - Given to each instance at creation; an instance with another CA is modified in place. RDS
        restarts the instance to change it, now with O(apply_immediately=true), otherwise in the
        maintenance window, reported in RV(cluster.pending) until then.
      - Omitted, new instances get RDS's default for new launches and existing ones keep theirs.
    type: str
  require_master_user_secret_rotation:
    description:
      - Refuse, before any change, a cluster whose master user secret (the one RDS manages) no longer
        rotates (DescribeSecret RotationEnabled false). RDS turns rotation on, every 7 days, when it
        creates the secret; turning it off leaves the master password unchanged forever.
      - V(false) only reports the rotation in RV(cluster.master_user_secret_rotation).
    type: bool
    default: true
  master_user_secret_policy:
    description:
      - The resource policy of the master user secret RDS manages (a JSON document, as a string or a
        dict), compared by meaning and put with C(BlockPublicPolicy) when it differs, once RDS has
        created the secret. Omitted, the secret's policy is left as it is.
    type: json
  auto_minor_version_upgrade:
    description: Let RDS apply minor engine upgrades in the maintenance window.
    type: bool
    default: true
  apply_immediately:
    description: Apply changes now rather than in the maintenance window.
    type: bool
    default: false
  final_snapshot_identifier:
    description: With O(state=absent), the final snapshot taken before deletion (none when omitted).
    type: str
  wait:
    description: Wait for the cluster and its instances to be available (or gone).
    type: bool
    default: true
  wait_instances:
    description:
      - With O(wait=true), whether to wait for the instances too. V(false) waits for the cluster to be
        available, creates the instances it lacks and returns while they are being created; an
        instance found not available is left alone (a later call waits for it and reconciles it).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 3600
  state:
    description: Whether the cluster exists.
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
- name: Aurora PostgreSQL for the ledger, writer and two readers, password kept by RDS
  ninetynine.trading_infra.aurora_cluster:
    cluster_identifier: trading-prod-aurora
    engine_version: "16.10"
    ca_certificate_identifier: rds-ca-rsa2048-g1
    master_username: trading_admin
    master_user_secret_kms_key_id: alias/trading-prod-data
    db_subnet_group: trading-prod-aurora
    vpc_security_group_ids: [sg-0123456789abcdef0]
    kms_key_id: alias/trading-prod-data
    cluster_parameter_group: trading-prod-aurora
    instance_class: db.r7g.large
    reader_count: 2
    availability_zones: [us-east-1a, us-east-1b, us-east-1c]
    cloudwatch_logs_exports: [postgresql]
    deletion_protection: true
    performance_insights: true
    tags:
      Environment: prod

- name: Delete a dev cluster, with a final snapshot
  ninetynine.trading_infra.aurora_cluster:
    cluster_identifier: trading-dev-aurora
    deletion_protection: false
    final_snapshot_identifier: trading-dev-aurora-final
    state: absent
"""

RETURN = r"""
cluster:
  description: The cluster after the run (null when absent; endpoints null in check mode before creation).
  returned: always
  type: dict
  contains:
    id:
      description: The cluster identifier.
      type: str
    arn:
      description: The cluster's ARN.
      type: str
    status:
      description: V(available), or V(creating) / V(modifying) when not waited for.
      type: str
    endpoint:
      description: The writer endpoint.
      type: str
    reader_endpoint:
      description: The endpoint balancing over the readers.
      type: str
    port:
      description: The port.
      type: int
    master_user_secret_arn:
      description: The Secrets Manager secret RDS keeps the master password in.
      type: str
    master_user_secret_rotation:
      description:
        - The rotation of that secret as DescribeSecret reports it (null while the secret is being
          created, or when RDS does not manage it).
      type: dict
      contains:
        enabled:
          description: Whether Secrets Manager rotates the secret (RotationEnabled).
          type: bool
        automatically_after_days:
          description: Days between rotations (RotationRules AutomaticallyAfterDays; 7 as RDS sets it).
          type: int
        schedule_expression:
          description: The rotation schedule, when one was set as an expression (RotationRules ScheduleExpression).
          type: str
        next_rotation_date:
          description: When the next rotation is due.
          type: str
    instances:
      description:
        - The instances, writer first, each with its C(id), C(class), C(availability_zone), C(writer),
          C(status) and C(ca_certificate_identifier) (the CA of its server certificate).
      type: list
      elements: dict
    pending:
      description:
        - Changes waiting for the maintenance window or a reboot, by instance or C(cluster)
          (for example C(EngineVersion) of the cluster, C(CACertificateIdentifier) of an instance).
      type: dict
  sample:
    id: trading-prod-aurora
    arn: arn:aws:rds:us-east-1:123456789012:cluster:trading-prod-aurora
    status: available
    endpoint: trading-prod-aurora.cluster-abc.us-east-1.rds.amazonaws.com
    reader_endpoint: trading-prod-aurora.cluster-ro-abc.us-east-1.rds.amazonaws.com
    port: 5432
    master_user_secret_arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-abc
    master_user_secret_rotation:
      enabled: true
      automatically_after_days: 7
      next_rotation_date: "2026-12-08T05:00:00+00:00"
    instances:
      - {id: trading-prod-aurora-1, class: db.r7g.large, availability_zone: us-east-1a, writer: true,
         status: available, ca_certificate_identifier: rds-ca-rsa2048-g1}
    pending: {}
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["create cluster trading-prod-aurora", "create instance trading-prod-aurora-1 (writer, us-east-1a)"]
resources:
  description: >-
    The resources changed (or, in check mode, that would be), each once: what happens to it and the changes it
    gets. The plan summary counts these.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, as the AWS console names it.
      returned: always
      type: str
      sample: "Aurora cluster"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "trading-prod-aurora"
    action:
      description: What happens to the resource, one of V(create), V(change) or V(delete).
      returned: always
      type: str
      sample: create
    changes:
      description: The changes it gets, as in RV(actions).
      returned: always
      type: list
      elements: str
      sample:
        - "create cluster trading-prod-aurora"
  sample:
    - kind: Aurora cluster
      name: trading-prod-aurora
      action: create
      changes: [create cluster trading-prod-aurora]
    - kind: DB instance
      name: trading-prod-aurora-1
      action: create
      changes: ["create instance trading-prod-aurora-1 (writer, us-east-1a)"]
"""

import json
import re
import time

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.secrets import reconcile_resource_policy
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.progress import watch_all
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.waiters import next_delay

# The kinds of resource, as the resources return value names them.
# One assignment a line: ansible-doc warns on a tuple assigned at a module's top level.
CLUSTER = "Aurora cluster"
INSTANCE = "DB instance"
STORED_KIND = "secret"
READY = ("available",)
GONE = ("deleting",)
IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def same_key(wanted, actual):
    """A KMS key given as id, ARN or alias against the ARN RDS reports."""
    if not wanted:
        return True  # AWS's key, or whatever the cluster has: not a change asked for
    if not actual:
        return False
    return wanted == actual or actual.endswith("/" + wanted) or wanted.startswith("alias/")


def version_key(version):
    return tuple(int(part) if part.isdigit() else 0 for part in (version or "0").split("."))


def instance_number(cluster_id, instance_id):
    suffix = instance_id[len(cluster_id) + 1 :] if instance_id.startswith(cluster_id + "-") else ""
    return int(suffix) if suffix.isdigit() else 10**6


class Aurora:
    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.client = module.client("rds", retry_decorator=retry_decorator())
        self.plan = Plan(module.check_mode)
        self.id = self.p["cluster_identifier"]
        self.rotation = None
        self._secrets = None
        self.secret_exists = False  # whether the master user secret existed when the run began

    # ---- what the changes are about ----------------------------------------------------------
    def about_cluster(self, exists=True):
        self.plan.about(CLUSTER, self.id, exists=exists, wanted=self.p["state"] == "present")

    def about_instance(self, name, exists=True, wanted=True):
        self.plan.about(INSTANCE, name, exists=exists, wanted=wanted)

    # ---- the master user secret --------------------------------------------------------------
    def read_rotation(self, cluster):
        """The rotation of the master user secret RDS manages, as DescribeSecret reports it; None while
        RDS is still creating the secret, or when the cluster has none."""
        secret = cluster.get("MasterUserSecret") or {}
        if not secret.get("SecretArn") or secret.get("SecretStatus") != "active":
            return None
        found = self.secrets().describe_secret(SecretId=secret["SecretArn"], aws_retry=True)
        rules = found.get("RotationRules") or {}
        when = found.get("NextRotationDate")
        return {
            "enabled": bool(found.get("RotationEnabled")),
            "automatically_after_days": rules.get("AutomaticallyAfterDays"),
            "schedule_expression": rules.get("ScheduleExpression"),
            "next_rotation_date": when.isoformat() if hasattr(when, "isoformat") else when,
        }

    def secrets(self):
        if self._secrets is None:
            self._secrets = self.module.client("secretsmanager", retry_decorator=retry_decorator())
        return self._secrets

    def secret_policy(self, cluster):
        """Put the master user secret's resource policy when it differs from the one asked for."""
        if not self.p["master_user_secret_policy"]:
            return
        secret = (cluster or {}).get("MasterUserSecret") or {}
        arn = secret.get("SecretArn")
        active = bool(arn) and secret.get("SecretStatus") == "active"
        if not active and not self.module.check_mode:
            return  # RDS is still creating the secret: the next run puts the policy
        # RDS names the secret (rds!cluster-<id>), and not before it creates it: the cluster names it here.
        self.plan.about(STORED_KIND, f"{self.id} master user secret", exists=self.secret_exists)
        reconcile_resource_policy(
            self.plan,
            self.secrets(),
            arn,
            json.loads(self.p["master_user_secret_policy"]),
            f"cluster {self.id}'s master user secret",
            readable=active,
        )

    def refuse_unrotated_secret(self, cluster):
        self.rotation = self.read_rotation(cluster)
        if self.p["require_master_user_secret_rotation"] and self.rotation and not self.rotation["enabled"]:
            arn = cluster["MasterUserSecret"]["SecretArn"]
            self.module.fail_json(
                msg=f"cluster {self.id}: the master user secret RDS manages ({arn}) no longer rotates "
                "(Secrets Manager RotationEnabled is false), so the master password never changes. Turn its "
                f"rotation back on (aws secretsmanager rotate-secret --secret-id {arn} --rotation-rules "
                "AutomaticallyAfterDays=7), or give require_master_user_secret_rotation: false.",
                master_user_secret_rotation=self.rotation,
                actions=[],
                resources=[],
            )

    # ---- versions ----------------------------------------------------------------------------
    def kept_version(self, have_version):
        """The engine version the cluster is to run: the one asked for, or a later minor of the same major
        that RDS applied itself (automatic minor upgrades), which RDS could not take back anyway."""
        wanted = self.p["engine_version"]
        if not wanted or not have_version:
            return wanted or have_version
        asked, have = version_key(wanted), version_key(have_version)
        if asked < have and asked[0] == have[0] and self.p["auto_minor_version_upgrade"]:
            return have_version
        return wanted

    # ---- reading -----------------------------------------------------------------------------
    def describe(self):
        try:
            cluster = self.client.describe_db_clusters(DBClusterIdentifier=self.id, aws_retry=True)["DBClusters"][0]
        except is_boto3_error_code("DBClusterNotFoundFault"):
            return None, []
        instances = paginate(
            self.client,
            "describe_db_instances",
            "DBInstances",
            Filters=[{"Name": "db-cluster-id", "Values": [self.id]}],
        )
        instances = [i for i in instances if i.get("DBInstanceStatus") not in GONE]
        instances.sort(key=lambda i: instance_number(self.id, i["DBInstanceIdentifier"]))
        return cluster, instances

    @staticmethod
    def writer_id(cluster):
        return next(
            (m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m["IsClusterWriter"]), None
        )

    def view(self, cluster, instances):
        if cluster is None:
            return None
        writer = self.writer_id(cluster)
        pending = {}
        if cluster.get("PendingModifiedValues"):
            pending["cluster"] = cluster["PendingModifiedValues"]
        for member in cluster.get("DBClusterMembers", []):
            if member.get("DBClusterParameterGroupStatus") == "pending-reboot":
                pending.setdefault(member["DBInstanceIdentifier"], {})["reboot"] = "cluster parameter group"
        for instance in instances:
            if instance.get("PendingModifiedValues"):
                pending.setdefault(instance["DBInstanceIdentifier"], {}).update(instance["PendingModifiedValues"])
        return {
            "id": cluster["DBClusterIdentifier"],
            "arn": cluster.get("DBClusterArn"),
            "status": cluster.get("Status"),
            "endpoint": cluster.get("Endpoint"),
            "reader_endpoint": cluster.get("ReaderEndpoint"),
            "port": cluster.get("Port"),
            "master_user_secret_arn": (cluster.get("MasterUserSecret") or {}).get("SecretArn"),
            "master_user_secret_rotation": self.rotation,
            "instances": [
                {
                    "id": i["DBInstanceIdentifier"],
                    "class": i.get("DBInstanceClass"),
                    "availability_zone": i.get("AvailabilityZone"),
                    "writer": i["DBInstanceIdentifier"] == writer,
                    "status": i.get("DBInstanceStatus"),
                    "ca_certificate_identifier": i.get("CACertificateIdentifier"),
                }
                for i in sorted(instances, key=lambda i: i["DBInstanceIdentifier"] != writer)
            ],
            "pending": pending,
        }

    @staticmethod
    def comparable(cluster, instances):
        if cluster is None:
            return {}
        first = instances[0] if instances else {}
        return {
            "engine": cluster.get("Engine"),
            "engine_version": cluster.get("EngineVersion"),
            "master_username": cluster.get("MasterUsername"),
            "db_subnet_group": cluster.get("DBSubnetGroup"),
            "vpc_security_group_ids": sorted(g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups", [])),
            "port": cluster.get("Port"),
            "cluster_parameter_group": cluster.get("DBClusterParameterGroup"),
            "storage_encrypted": bool(cluster.get("StorageEncrypted")),
            "kms_key_id": cluster.get("KmsKeyId"),
            "iam_database_authentication": bool(cluster.get("IAMDatabaseAuthenticationEnabled")),
            "backup_retention_period": cluster.get("BackupRetentionPeriod"),
            "preferred_backup_window": cluster.get("PreferredBackupWindow"),
            "preferred_maintenance_window": cluster.get("PreferredMaintenanceWindow"),
            "cloudwatch_logs_exports": sorted(cluster.get("EnabledCloudwatchLogsExports", [])),
            "deletion_protection": bool(cluster.get("DeletionProtection")),
            "copy_tags_to_snapshot": bool(cluster.get("CopyTagsToSnapshot")),
            "tags": boto3_tag_list_to_ansible_dict(cluster.get("TagList", [])),
            "instance_class": first.get("DBInstanceClass"),
            "reader_count": max(len(instances) - 1, 0),
            "instance_parameter_group": ((first.get("DBParameterGroups") or [{}])[0]).get("DBParameterGroupName"),
            "performance_insights": bool(first.get("PerformanceInsightsEnabled")),
            "monitoring_interval": first.get("MonitoringInterval", 0),
            "auto_minor_version_upgrade": bool(first.get("AutoMinorVersionUpgrade", True)),
            "ca_certificate_identifier": first.get("CACertificateIdentifier"),
        }

    # ---- waiting -----------------------------------------------------------------------------
    def wait(self, gone=False, instances=True):
        started = time.monotonic()
        deadline = started + self.p["wait_timeout"]
        delay = 2
        watches = {}
        while True:
            cluster, members = self.describe()
            self.report(watches, cluster, members, gone, instances)
            if gone and cluster is None:
                return None, []
            if not gone and cluster is not None:
                states = [cluster.get("Status")]
                if instances:
                    states += [member.get("DBInstanceStatus") for member in members]
                if all(s in READY for s in states):
                    return cluster, members
            if time.monotonic() > deadline:
                self.module.fail_json(
                    msg=f"cluster {self.id} not {'gone' if gone else 'available'} after {self.p['wait_timeout']}s",
                    actions=self.plan.actions,
                    resources=self.plan.resources,
                )
            time.sleep(delay)
            delay = next_delay(started)

    def report(self, watches, cluster, members, gone, instances):
        """The states of the cluster (and its instances) at this poll, for the progress callback."""
        label = f"aurora {self.id}"
        if cluster is None:
            if label in watches:
                watches[label](None, gone)
            return
        ready = cluster.get("Status") in READY
        watch_all(watches, label, "rds-cluster", cluster, ready, "Status", "ClusterCreateTime")
        seen = set()
        for member in members if instances or gone else []:
            name = f"aurora instance {member.get('DBInstanceIdentifier')}"
            seen.add(name)
            done = member.get("DBInstanceStatus") in READY
            watch_all(watches, name, "rds-instance", member, done, "DBInstanceStatus", "InstanceCreateTime")
        for name in [n for n in watches if n.startswith("aurora instance ") and n not in seen]:
            watches.pop(name)(None, True)  # deleted: gone from the listing

    # ---- changing ----------------------------------------------------------------------------
    def instance_names(self, count):
        return [f"{self.id}-{n}" for n in range(1, count + 1)]

    def create_instance(self, name, index, writer):
        p = self.p
        zones = p["availability_zones"]
        request = dict(
            DBInstanceIdentifier=name,
            DBClusterIdentifier=self.id,
            Engine=p["engine"],
            DBInstanceClass=p["instance_class"],
            PromotionTier=0 if writer else 1,
            AutoMinorVersionUpgrade=p["auto_minor_version_upgrade"],
            PubliclyAccessible=False,
            CopyTagsToSnapshot=p["copy_tags_to_snapshot"],
            Tags=tag_list(p["tags"] or {}),
        )
        if zones:
            request["AvailabilityZone"] = zones[index % len(zones)]
        if p["ca_certificate_identifier"]:
            request["CACertificateIdentifier"] = p["ca_certificate_identifier"]
        if p["instance_parameter_group"]:
            request["DBParameterGroupName"] = p["instance_parameter_group"]
        request.update(self.insight_settings())
        where = f", {request['AvailabilityZone']}" if zones else ""
        self.about_instance(name, exists=False)
        self.plan.do(
            f"create instance {name} ({'writer' if writer else 'reader'}{where})",
            self.client.create_db_instance,
            aws_retry=True,
            **request,
        )

    def insight_settings(self):
        p = self.p
        settings = {
            "EnablePerformanceInsights": p["performance_insights"],
            "MonitoringInterval": p["monitoring_interval"],
        }
        if p["performance_insights"]:
            settings["PerformanceInsightsRetentionPeriod"] = p["performance_insights_retention_period"]
            if p["performance_insights_kms_key_id"]:
                settings["PerformanceInsightsKMSKeyId"] = p["performance_insights_kms_key_id"]
        if p["monitoring_interval"]:
            settings["MonitoringRoleArn"] = p["monitoring_role_arn"]
        return settings

    def create(self):
        p = self.p
        missing = [k for k in ("engine_version", "master_username", "db_subnet_group", "instance_class") if not p[k]]
        if missing:
            self.module.fail_json(msg=f"{', '.join(missing)} needed to create cluster {self.id}")
        request = dict(
            DBClusterIdentifier=self.id,
            Engine=p["engine"],
            EngineVersion=p["engine_version"],
            MasterUsername=p["master_username"],
            ManageMasterUserPassword=True,
            DBSubnetGroupName=p["db_subnet_group"],
            VpcSecurityGroupIds=p["vpc_security_group_ids"],
            StorageEncrypted=p["storage_encrypted"],
            EnableIAMDatabaseAuthentication=p["iam_database_authentication"],
            BackupRetentionPeriod=p["backup_retention_period"],
            EnableCloudwatchLogsExports=p["cloudwatch_logs_exports"],
            DeletionProtection=bool(p["deletion_protection"]),
            CopyTagsToSnapshot=p["copy_tags_to_snapshot"],
            Tags=tag_list(p["tags"] or {}),
        )
        optional = {
            "MasterUserSecretKmsKeyId": p["master_user_secret_kms_key_id"],
            "KmsKeyId": p["kms_key_id"],
            "Port": p["port"],
            "DBClusterParameterGroupName": p["cluster_parameter_group"],
            "PreferredBackupWindow": p["preferred_backup_window"],
            "PreferredMaintenanceWindow": p["preferred_maintenance_window"],
        }
        request.update({k: v for k, v in optional.items() if v})
        self.about_cluster(exists=False)
        self.plan.do(f"create cluster {self.id}", self.client.create_db_cluster, aws_retry=True, **request)
        # Instances join a cluster once it is available. Without waiting, the next call creates them.
        if self.module.check_mode or p["wait"]:
            if not self.module.check_mode:
                self.wait(instances=False)
            for index, name in enumerate(self.instance_names(p["reader_count"] + 1)):
                self.create_instance(name, index, writer=index == 0)

    def refuse_replacement(self, have):
        p = self.p
        blocked = []
        if p["engine"] != have["engine"]:
            blocked.append(f"engine {have['engine']} -> {p['engine']}")
        if p["storage_encrypted"] != have["storage_encrypted"]:
            blocked.append(f"storage_encrypted {have['storage_encrypted']} -> {p['storage_encrypted']}")
        if p["storage_encrypted"] and not same_key(p["kms_key_id"], have["kms_key_id"]):
            blocked.append(f"kms_key_id {have['kms_key_id']} -> {p['kms_key_id']}")
        if p["db_subnet_group"] and p["db_subnet_group"].lower() != (have["db_subnet_group"] or "").lower():
            blocked.append(f"db_subnet_group {have['db_subnet_group']} -> {p['db_subnet_group']}")
        if p["master_username"] and p["master_username"] != have["master_username"]:
            blocked.append(f"master_username {have['master_username']} -> {p['master_username']}")
        if p["engine_version"] and version_key(self.kept_version(have["engine_version"])) < version_key(
            have["engine_version"]
        ):
            blocked.append(f"engine_version {have['engine_version']} -> {p['engine_version']} (a downgrade)")
        if blocked:
            self.module.fail_json(
                msg=f"cluster {self.id}: RDS cannot change {'; '.join(blocked)} in place. Restore a snapshot "
                "into a new cluster instead."
            )

    def modify_cluster(self, cluster, have):
        p = self.p
        request, changed = {}, []

        def want(field, api, value):
            request[api] = value
            changed.append(field)

        pending = cluster.get("PendingModifiedValues") or {}
        upgrade = p["engine_version"] and version_key(p["engine_version"]) > version_key(have["engine_version"])
        # One already pending is asked again only to apply it now (apply_immediately after a deferred run).
        if upgrade and (pending.get("EngineVersion") != p["engine_version"] or p["apply_immediately"]):
            want(
                f"engine_version {have['engine_version']} -> {p['engine_version']}",
                "EngineVersion",
                p["engine_version"],
            )
            if version_key(p["engine_version"])[0] != version_key(have["engine_version"])[0]:
                request["AllowMajorVersionUpgrade"] = True
                if p["instance_parameter_group"]:
                    request["DBInstanceParameterGroupName"] = p["instance_parameter_group"]
        if sorted(p["vpc_security_group_ids"]) != have["vpc_security_group_ids"]:
            want("vpc_security_group_ids", "VpcSecurityGroupIds", p["vpc_security_group_ids"])
        if p["port"] and p["port"] != have["port"]:
            want("port", "Port", p["port"])
        if p["cluster_parameter_group"] and p["cluster_parameter_group"] != have["cluster_parameter_group"]:
            want("cluster_parameter_group", "DBClusterParameterGroupName", p["cluster_parameter_group"])
        for field, api in (
            ("iam_database_authentication", "EnableIAMDatabaseAuthentication"),
            ("backup_retention_period", "BackupRetentionPeriod"),
            ("copy_tags_to_snapshot", "CopyTagsToSnapshot"),
        ):
            if p[field] != have[field] and pending.get(api) != p[field]:
                want(field, api, p[field])
        if p["deletion_protection"] is not None and p["deletion_protection"] != have["deletion_protection"]:
            want("deletion_protection", "DeletionProtection", p["deletion_protection"])
        for field, api in (
            ("preferred_backup_window", "PreferredBackupWindow"),
            ("preferred_maintenance_window", "PreferredMaintenanceWindow"),
        ):
            if p[field] and p[field].lower() != (have[field] or "").lower():
                want(field, api, p[field])
        logs = sorted(p["cloudwatch_logs_exports"])
        if logs != have["cloudwatch_logs_exports"]:
            want(
                "cloudwatch_logs_exports",
                "CloudwatchLogsExportConfiguration",
                {
                    "EnableLogTypes": [t for t in logs if t not in have["cloudwatch_logs_exports"]],
                    "DisableLogTypes": [t for t in have["cloudwatch_logs_exports"] if t not in logs],
                },
            )
        if request:
            request["ApplyImmediately"] = p["apply_immediately"]
            when = "" if p["apply_immediately"] else " (in the maintenance window where RDS defers it)"
            self.about_cluster()
            self.plan.do(
                f"modify cluster {self.id}: {', '.join(changed)}{when}",
                self.client.modify_db_cluster,
                DBClusterIdentifier=self.id,
                aws_retry=True,
                **request,
            )

    def modify_instances(self, instances):
        p = self.p
        for instance in instances:
            name = instance["DBInstanceIdentifier"]
            self.about_instance(name)  # its settings and tags
            pending = instance.get("PendingModifiedValues") or {}
            request, changed = {}, []
            if (
                p["instance_class"]
                and instance.get("DBInstanceClass") != p["instance_class"]
                and pending.get("DBInstanceClass") != p["instance_class"]
            ):
                request["DBInstanceClass"] = p["instance_class"]
                changed.append("class")
            groups = [g.get("DBParameterGroupName") for g in instance.get("DBParameterGroups", [])]
            if p["instance_parameter_group"] and groups and p["instance_parameter_group"] not in groups:
                request["DBParameterGroupName"] = p["instance_parameter_group"]
                changed.append("parameter group")
            if bool(instance.get("PerformanceInsightsEnabled")) != p["performance_insights"]:
                request["EnablePerformanceInsights"] = p["performance_insights"]
                changed.append("performance insights")
            if p["performance_insights"] and (
                instance.get("PerformanceInsightsRetentionPeriod")
                not in (None, p["performance_insights_retention_period"])
            ):
                request["PerformanceInsightsRetentionPeriod"] = p["performance_insights_retention_period"]
                changed.append("performance insights retention")
            if (instance.get("MonitoringInterval") or 0) != p["monitoring_interval"]:
                request["MonitoringInterval"] = p["monitoring_interval"]
                if p["monitoring_interval"]:
                    request["MonitoringRoleArn"] = p["monitoring_role_arn"]
                changed.append("enhanced monitoring")
            if bool(instance.get("AutoMinorVersionUpgrade", True)) != p["auto_minor_version_upgrade"]:
                request["AutoMinorVersionUpgrade"] = p["auto_minor_version_upgrade"]
                changed.append("auto minor version upgrade")
            ca = p["ca_certificate_identifier"]
            if (
                ca
                and instance.get("CACertificateIdentifier") != ca
                and (pending.get("CACertificateIdentifier") != ca or p["apply_immediately"])
            ):
                # RDS restarts the instance for it: now, or in the maintenance window (pending until then).
                request["CACertificateIdentifier"] = ca
                changed.append(f"ca certificate {instance.get('CACertificateIdentifier')} -> {ca}")
            if request:
                if request.get("EnablePerformanceInsights") and p["performance_insights_kms_key_id"]:
                    request["PerformanceInsightsKMSKeyId"] = p["performance_insights_kms_key_id"]
                request["ApplyImmediately"] = p["apply_immediately"]
                when = "" if p["apply_immediately"] else " (in the maintenance window where RDS defers it)"
                self.plan.do(
                    f"modify instance {name}: {', '.join(changed)}{when}",
                    self.client.modify_db_instance,
                    DBInstanceIdentifier=name,
                    aws_retry=True,
                    **request,
                )
            if p["tags"] is not None:
                self.sync_tags(f"instance {name}", instance["DBInstanceArn"], instance.get("TagList", []))

    def scale_readers(self, cluster, instances):
        p = self.p
        wanted_total = p["reader_count"] + 1
        writer = self.writer_id(cluster)
        # Readers Application Auto Scaling added (application-autoscaling-...) are its to remove.
        instances = [i for i in instances if instance_number(self.id, i["DBInstanceIdentifier"]) < 10**6]
        if len(instances) < wanted_total:
            taken = {i["DBInstanceIdentifier"] for i in instances}
            free = [n for n in self.instance_names(wanted_total + len(instances)) if n not in taken]
            for index, name in enumerate(free[: wanted_total - len(instances)], start=len(instances)):
                self.create_instance(name, index, writer=index == 0)
        elif len(instances) > wanted_total:
            readers = [i for i in instances if i["DBInstanceIdentifier"] != writer]
            readers.sort(key=lambda i: instance_number(self.id, i["DBInstanceIdentifier"]), reverse=True)
            for instance in readers[: len(instances) - wanted_total]:
                self.about_instance(instance["DBInstanceIdentifier"], wanted=False)
                self.plan.do(
                    f"delete reader {instance['DBInstanceIdentifier']}",
                    self.client.delete_db_instance,
                    DBInstanceIdentifier=instance["DBInstanceIdentifier"],
                    aws_retry=True,
                )

    def sync_tags(self, label, arn, tag_list_now):
        plan_tags(
            self.plan,
            label,
            boto3_tag_list_to_ansible_dict(tag_list_now),
            self.p["tags"],
            self.p["purge_tags"],
            lambda tags: self.client.add_tags_to_resource(ResourceName=arn, Tags=tag_list(tags), aws_retry=True),
            lambda keys: self.client.remove_tags_from_resource(ResourceName=arn, TagKeys=keys, aws_retry=True),
        )

    def delete(self, cluster, instances):
        p = self.p
        if cluster.get("Status") == "deleting":  # an earlier call (wait=false) started it: wait only
            if not self.module.check_mode and p["wait"]:
                self.wait(gone=True)
            return
        if cluster.get("DeletionProtection"):
            if p["deletion_protection"] is not False:
                self.module.fail_json(
                    msg=f"cluster {self.id} has deletion protection on; give deletion_protection: false to delete it"
                )
            self.about_cluster()
            self.plan.do(
                f"turn deletion protection off on {self.id}",
                self.client.modify_db_cluster,
                DBClusterIdentifier=self.id,
                DeletionProtection=False,
                ApplyImmediately=True,
                aws_retry=True,
            )
        for instance in instances:
            self.about_instance(instance["DBInstanceIdentifier"], wanted=False)
            self.plan.do(
                f"delete instance {instance['DBInstanceIdentifier']}",
                self.client.delete_db_instance,
                DBInstanceIdentifier=instance["DBInstanceIdentifier"],
                aws_retry=True,
            )
        request = {"DBClusterIdentifier": self.id}
        if p["final_snapshot_identifier"]:
            request["FinalDBSnapshotIdentifier"] = p["final_snapshot_identifier"]
        else:
            request["SkipFinalSnapshot"] = True
        snapshot = f" (final snapshot {p['final_snapshot_identifier']})" if p["final_snapshot_identifier"] else ""
        self.about_cluster()
        self.plan.do(f"delete cluster {self.id}{snapshot}", self.client.delete_db_cluster, aws_retry=True, **request)
        if not self.module.check_mode and p["wait"]:
            self.wait(gone=True)

    # ---- the run -----------------------------------------------------------------------------
    def run(self):
        p = self.p
        cluster, instances = self.describe()
        before = self.comparable(cluster, instances)
        self.secret_exists = bool(((cluster or {}).get("MasterUserSecret") or {}).get("SecretArn"))
        if p["state"] == "absent":
            if cluster is not None:
                self.delete(cluster, instances)
            return before, {}, None, []
        if cluster is None:
            self.create()
        else:
            if cluster.get("Status") not in READY or any(i.get("DBInstanceStatus") not in READY for i in instances):
                if not p["wait"]:
                    return before, before, cluster, instances
                cluster, instances = self.wait(instances=p["wait_instances"])
                if any(i.get("DBInstanceStatus") not in READY for i in instances):
                    # Only without waiting for the instances: the call that waits reconciles them.
                    return before, before, cluster, instances
            have = self.comparable(cluster, instances)
            self.refuse_unrotated_secret(cluster)
            self.refuse_replacement(have)
            self.modify_cluster(cluster, have)
            if p["tags"] is not None:
                self.about_cluster()
                self.sync_tags(f"cluster {self.id}", cluster["DBClusterArn"], cluster.get("TagList", []))
            self.modify_instances(instances)
            self.scale_readers(cluster, instances)
        if self.plan.changed and not self.module.check_mode:
            cluster, instances = self.wait(instances=p["wait_instances"]) if p["wait"] else self.describe()
        self.secret_policy(cluster)
        after = dict(before)
        after.update(
            {
                k: v
                for k, v in {
                    "engine": p["engine"],
                    "engine_version": self.kept_version(before.get("engine_version")),
                    "vpc_security_group_ids": sorted(p["vpc_security_group_ids"]),
                    "iam_database_authentication": p["iam_database_authentication"],
                    "backup_retention_period": p["backup_retention_period"],
                    "cloudwatch_logs_exports": sorted(p["cloudwatch_logs_exports"]),
                    "copy_tags_to_snapshot": p["copy_tags_to_snapshot"],
                    "instance_class": p["instance_class"] or before.get("instance_class"),
                    "reader_count": p["reader_count"],
                    "performance_insights": p["performance_insights"],
                    "monitoring_interval": p["monitoring_interval"],
                    "ca_certificate_identifier": p["ca_certificate_identifier"]
                    or before.get("ca_certificate_identifier"),
                    "deletion_protection": p["deletion_protection"]
                    if p["deletion_protection"] is not None
                    else before.get("deletion_protection", False),
                    "tags": p["tags"] if p["tags"] is not None else before.get("tags", {}),
                }.items()
            }
        )
        return before, after, cluster, instances


def validate(module):
    p = module.params
    cid = p["cluster_identifier"]
    if not IDENTIFIER.match(cid or "") or len(cid) > 58:
        module.fail_json(
            msg=f"cluster_identifier: {cid!r} must be lower-case letters, digits and single hyphens, starting "
            "with a letter, at most 58 characters (instance names add -<n>)"
        )
    if p["state"] == "absent":
        return
    if not 0 <= p["reader_count"] <= 15:
        module.fail_json(msg=f"reader_count: {p['reader_count']} must be from 0 to 15")
    if not 1 <= p["backup_retention_period"] <= 35:
        module.fail_json(msg=f"backup_retention_period: {p['backup_retention_period']} must be from 1 to 35")
    if p["monitoring_interval"] and not p["monitoring_role_arn"]:
        module.fail_json(msg="monitoring_interval needs monitoring_role_arn")
    retention = p["performance_insights_retention_period"]
    if p["performance_insights"] and not (retention == 7 or (retention % 31 == 0 and 31 <= retention <= 731)):
        module.fail_json(
            msg=f"performance_insights_retention_period: {retention} must be 7 or a multiple of 31 up to 731"
        )
    if p["kms_key_id"] and not p["storage_encrypted"]:
        module.fail_json(msg="kms_key_id needs storage_encrypted")


def main():
    argument_spec = dict(
        cluster_identifier=dict(type="str", required=True, aliases=["name"]),
        engine=dict(type="str", default="aurora-postgresql", choices=["aurora-postgresql", "aurora-mysql"]),
        engine_version=dict(type="str"),
        master_username=dict(type="str"),
        master_user_secret_kms_key_id=dict(type="str"),
        db_subnet_group=dict(type="str"),
        vpc_security_group_ids=dict(type="list", elements="str", default=[]),
        port=dict(type="int"),
        cluster_parameter_group=dict(type="str"),
        instance_parameter_group=dict(type="str"),
        storage_encrypted=dict(type="bool", default=True),
        kms_key_id=dict(type="str"),
        iam_database_authentication=dict(type="bool", default=True),
        backup_retention_period=dict(type="int", default=7),
        preferred_backup_window=dict(type="str"),
        preferred_maintenance_window=dict(type="str"),
        cloudwatch_logs_exports=dict(type="list", elements="str", default=[]),
        deletion_protection=dict(type="bool"),
        copy_tags_to_snapshot=dict(type="bool", default=True),
        instance_class=dict(type="str"),
        reader_count=dict(type="int", default=0),
        availability_zones=dict(type="list", elements="str", default=[]),
        performance_insights=dict(type="bool", default=False),
        performance_insights_kms_key_id=dict(type="str"),
        performance_insights_retention_period=dict(type="int", default=7),
        monitoring_interval=dict(type="int", default=0, choices=[0, 1, 5, 10, 15, 30, 60]),
        monitoring_role_arn=dict(type="str"),
        ca_certificate_identifier=dict(type="str"),
        require_master_user_secret_rotation=dict(type="bool", default=True),
        master_user_secret_policy=dict(type="json", no_log=False),
        auto_minor_version_upgrade=dict(type="bool", default=True),
        apply_immediately=dict(type="bool", default=False),
        final_snapshot_identifier=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_instances=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=3600),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)
    aurora = Aurora(module)
    try:
        before, after, cluster, instances = aurora.run()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e,
            msg=f"cluster {aurora.id} reconciliation failed",
            actions=aurora.plan.actions,
            resources=aurora.plan.resources,
        )
    view = aurora.view(cluster, instances) if module.params["state"] == "present" else None
    if view is None and module.params["state"] == "present":
        view = {
            "id": aurora.id,
            "arn": None,
            "status": "creating",
            "endpoint": None,
            "reader_endpoint": None,
            "port": module.params["port"],
            "master_user_secret_arn": None,
            "master_user_secret_rotation": None,
            "instances": [],
            "pending": {},
        }
    aurora.plan.exit_json(module, before, after, cluster=view)


if __name__ == "__main__":
    main()
