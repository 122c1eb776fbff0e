#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: elasticache_groups
short_description: The cache subnet group and the cache parameter group of a replication group, in one invocation
version_added: 1.0.0
description:
  - Creates the ElastiCache groups a replication group stands on, each one optional, and brings them to what is
    asked, in place. O(subnet_group) is the cache subnet group (description, subnets, tags), O(parameter_group) the
    cache parameter group (family, parameters). A part omitted is not managed.
  - The parameter group's user-set parameters are kept to exactly those given. A parameter no longer listed is reset
    to the engine's default (C(ResetCacheParameterGroup)).
  - A parameter the group's family does not have, or that cannot be modified, is refused before any write (for a
    new group, right after its creation, since its parameters can only be read once it exists). A value ElastiCache
    refuses fails the task too.
  - AWS cannot change a parameter group's family. An existing group of another family is refused, naming the group
    and both families, before any write; it is never deleted and re-created under the replication group that uses
    it.
  - M(community.aws.elasticache_parameter_group) predates the V(redis7) and V(valkey) families and cannot make one.
  - On a run with nothing to change it reads, for each part and in parallel, the group (one describe) and the subnet
    group's tags or the parameter group's user-set parameters (C(Source=user)). The whole parameter list of the
    group is read only when a parameter has to be set.
  - A group that fails to be configured is left as it is (it is never deleted); what was done is in RV(actions).
  - With O(state=absent), deletes the listed groups that exist (only their names are needed). A group still used by
    a replication group is refused by AWS; the task then fails naming it, after deleting the other one.
  - Supports check mode (no write; groups to create are reported as created, with a null ARN) and diff mode
    (before and after of each group that changes).
  - Replaces M(community.aws.elasticache_subnet_group), which cannot tag the subnet group, and this collection's
    C(elasticache_parameter_group), in one invocation instead of two.
author:
  - 99Tech platform engineering (@99tech)
options:
  subnet_group:
    description: The cache subnet group. Omitted, no cache subnet group is managed.
    type: dict
    suboptions:
      name:
        description: Name of the group (ElastiCache keeps it in lower case).
        type: str
        required: true
      description:
        description:
          - Description of the group. Changed in place when it differs.
          - Omitted, a new group is described by its name and an existing one keeps its description.
        type: str
      subnets:
        description:
          - Ids of the group's subnets, in one VPC. Required with O(state=present).
          - Compared as a set; a change is made in place (C(ModifyCacheSubnetGroup)).
        type: list
        elements: str
        aliases: ['subnet_ids']
      tags:
        description: Tags of this group only, merged over O(tags).
        type: dict
  parameter_group:
    description: The cache parameter group. Omitted, no cache parameter group is managed.
    type: dict
    suboptions:
      name:
        description: Name of the group.
        type: str
        required: true
      family:
        description:
          - The family (V(redis7), V(redis6.x), V(valkey8)). Required to create the group.
          - AWS cannot change it; an existing group of another family fails the task before any write.
        type: str
      description:
        description:
          - Description of a new group (its name when omitted). AWS cannot change the description of a parameter
            group; an existing group keeps its own.
        type: str
      parameters:
        description:
          - Parameter names and values, exactly the group's user-set parameters. Values are compared and sent as
            strings (booleans as V(true) and V(false)).
          - A parameter set before and no longer listed is reset to the engine's default.
        type: dict
        default: {}
  tags:
    description:
      - Tags of the subnet group (its own O(subnet_group.tags) go over them).
      - Omitted (and no O(subnet_group.tags)), the tags of an existing subnet group are left alone.
      - The parameter group is not tagged.
    type: dict
    aliases: ['resource_tags']
  purge_tags:
    description: Remove the tags of the subnet group that are not asked for.
    type: bool
    default: true
  state:
    description: Whether the groups given should exist.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Parameter values are compared with what ElastiCache reports, as strings.
"""

EXAMPLES = r"""
- name: The groups of a Redis 7 replication group
  ninetynine.trading_infra.elasticache_groups:
    subnet_group:
      name: trading-prod-redis
      description: "trading-prod Redis: data subnets"
      subnets: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002, subnet-0a1b2c3d4e5f60003]
    parameter_group:
      name: trading-prod-redis
      family: redis7
      description: trading-prod Redis parameters
      parameters:
        maxmemory-policy: volatile-lru
    tags:
      Project: trading
      Environment: prod
    state: present

- name: Delete them (after the replication group that uses them)
  ninetynine.trading_infra.elasticache_groups:
    subnet_group:
      name: trading-prod-redis
    parameter_group:
      name: trading-prod-redis
    state: absent
"""

RETURN = r"""
subnet_group:
  description:
    - The cache subnet group after the run (as it would be, in check mode); null when O(subnet_group) is omitted.
    - With O(state=absent), its name with a null ARN.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the group.
      type: str
      sample: trading-prod-redis
    arn:
      description: ARN of the group (null in check mode before it exists, and with O(state=absent)).
      type: str
      sample: arn:aws:elasticache:us-east-1:123456789012:subnetgroup:trading-prod-redis
    description:
      description: Description of the group.
      type: str
    vpc_id:
      description: VPC of the subnets (null in check mode before the group exists).
      type: str
      sample: vpc-0123456789abcdef0
    subnet_ids:
      description: Ids of the group's subnets, sorted.
      type: list
      elements: str
    tags:
      description: Tags of the group.
      type: dict
parameter_group:
  description:
    - The cache parameter group after the run (as it would be, in check mode); null when O(parameter_group) is
      omitted.
    - With O(state=absent), its name with a null ARN.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the group.
      type: str
      sample: trading-prod-redis
    arn:
      description: ARN of the group (null in check mode before it exists, and with O(state=absent)).
      type: str
      sample: arn:aws:elasticache:us-east-1:123456789012:parametergroup:trading-prod-redis
    family:
      description: Family of the group.
      type: str
      sample: redis7
    description:
      description: Description of the group.
      type: str
    parameters:
      description: The user-set parameters, by name, as strings.
      type: dict
      sample: {"maxmemory-policy": "volatile-lru"}
    pending_reboot:
      description:
        - Parameters of an existing group set or reset by this run that take effect only when the nodes are
          rebooted (C(ChangeType=requires-reboot)).
      type: list
      elements: str
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample:
    - create cache parameter group trading-prod-redis (redis7)
    - "set parameters of cache parameter group trading-prod-redis: maxmemory-policy=volatile-lru"
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
      sample: "cache parameter group"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "trading-prod-redis"
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
        - "create cache parameter group trading-prod-redis (redis7)"
        - "set parameters of cache parameter group trading-prod-redis: maxmemory-policy=volatile-lru"
  sample:
    - kind: "cache parameter group"
      name: "trading-prod-redis"
      action: create
      changes:
        - "create cache parameter group trading-prod-redis (redis7)"
        - "set parameters of cache parameter group trading-prod-redis: maxmemory-policy=volatile-lru"
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.concurrency import read_all
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import InUse
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Refused
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import run
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list

# ModifyCacheParameterGroup: "a maximum of 20 parameters may be modified per request" (and so for its reset).
PARAMETERS_PER_CALL = 20
IN_USE = ["CacheSubnetGroupInUse", "InvalidCacheParameterGroupState"]
PARTS = ("subnet_group", "parameter_group")
# The kinds of resource, as the resources return value names them.
SUBNET_GROUP = "cache subnet group"
PARAMETER_GROUP = "cache parameter group"


def parameter_value(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def chunks(items: list) -> list:
    return [items[start : start + PARAMETERS_PER_CALL] for start in range(0, len(items), PARAMETERS_PER_CALL)]


def needs_reboot(row: dict | None) -> bool:
    return (row or {}).get("ChangeType") == "requires-reboot"


class ElastiCacheGroups:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.plan = Plan(module.check_mode)

    # -- AWS calls ---------------------------------------------------------------------------------
    def call(self, operation: str, **kwargs):
        return getattr(self.client, operation)(aws_retry=True, **kwargs)

    def describe_subnet_group(self, name: str) -> dict | None:
        try:
            return self.call("describe_cache_subnet_groups", CacheSubnetGroupName=name)["CacheSubnetGroups"][0]
        except is_boto3_error_code("CacheSubnetGroupNotFoundFault"):
            return None

    def describe_parameter_group(self, name: str) -> dict | None:
        try:
            return self.call("describe_cache_parameter_groups", CacheParameterGroupName=name)["CacheParameterGroups"][0]
        except is_boto3_error_code("CacheParameterGroupNotFound"):
            return None

    def parameters(self, name: str, source: str | None = None) -> dict:
        """{name: row} of the group's parameters: the user-set ones, or with no source all the family has."""
        request = {"CacheParameterGroupName": name}
        if source:
            request["Source"] = source
        rows = paginate(self.client, "describe_cache_parameters", "Parameters", **request)
        return {row["ParameterName"]: row for row in rows}

    def read(self, part: str):
        """One part as it is: (group, its tags or its user-set parameters); (None, {}) when it does not exist."""
        name = self.params[part]["name"]
        if part == "subnet_group":
            group = self.describe_subnet_group(name)
            if group is None:
                return None, {}
            tags = self.call("list_tags_for_resource", ResourceName=group["ARN"])["TagList"]
            return group, boto3_tag_list_to_ansible_dict(tags)
        group = self.describe_parameter_group(name)
        return group, (self.parameters(name, "user") if group else {})

    # -- what is asked ------------------------------------------------------------------------------
    def parts(self) -> list:
        return [part for part in PARTS if self.params[part] is not None]

    def wanted_tags(self) -> dict | None:
        spec = self.params["subnet_group"]
        if self.params["tags"] is None and spec.get("tags") is None:
            return None
        tags = dict(self.params["tags"] or {})
        tags.update(spec.get("tags") or {})
        return {str(k): str(v) for k, v in tags.items()}

    def wanted_parameters(self) -> dict:
        return {str(k): parameter_value(v) for k, v in (self.params["parameter_group"]["parameters"] or {}).items()}

    @staticmethod
    def refused_parameters(name: str, names: list, catalogue: dict) -> list:
        problems = []
        unknown = sorted(k for k in names if k not in catalogue)
        if unknown:
            problems.append(f"cache parameter group {name}: its family has no parameter {', '.join(unknown)}")
        fixed = sorted(k for k in names if k in catalogue and not catalogue[k].get("IsModifiable", True))
        if fixed:
            problems.append(f"cache parameter group {name}: {', '.join(fixed)} cannot be modified")
        return problems

    # -- present -----------------------------------------------------------------------------------
    def present(self):
        parts = self.parts()
        found = read_all(self.read, parts)
        # Everything that can be refused is, before the first write.
        problems, catalogue = [], None
        spec = self.params["subnet_group"]
        if spec is not None and not spec.get("subnets"):
            problems.append(f"cache subnet group {spec['name']}: subnets required (state=present)")
        spec = self.params["parameter_group"]
        if spec is not None:
            group, have = found["parameter_group"]
            if group is None:
                if not spec.get("family"):
                    problems.append(f"cache parameter group {spec['name']}: family required to create it")
            elif spec.get("family") and spec["family"] != group["CacheParameterGroupFamily"]:
                problems.append(
                    f"cache parameter group {spec['name']} is of family {group['CacheParameterGroupFamily']}, not "
                    f"{spec['family']}: AWS cannot change a parameter group's family. Give the group of the new "
                    "family a new name (and point the replication group at it), or put the family back"
                )
            else:
                unset = [k for k in self.wanted_parameters() if k not in have]
                if unset:
                    catalogue = self.parameters(spec["name"])
                    problems.extend(self.refused_parameters(spec["name"], unset, catalogue))
        if problems:
            raise Refused("; ".join(problems) + ". Nothing was changed.")

        before, after, results = {}, {}, dict.fromkeys(PARTS)
        for part in parts:
            done = len(self.plan.actions)
            group, current = found[part]
            if part == "subnet_group":
                was, now, result = self.subnet_group(group, current)
            else:
                was, now, result = self.parameter_group(group, current, catalogue)
            results[part] = result
            if len(self.plan.actions) > done:
                if was is not None:
                    before[part] = was
                after[part] = now
        return before, after, results

    def subnet_group(self, group: dict | None, current_tags: dict) -> tuple:
        spec = self.params["subnet_group"]
        name, subnets = spec["name"], sorted(set(spec["subnets"]))
        label = f"cache subnet group {name}"
        self.plan.about(SUBNET_GROUP, name, exists=group is not None)
        if group is None:
            description = spec.get("description") or name
            request = {"CacheSubnetGroupName": name, "CacheSubnetGroupDescription": description, "SubnetIds": subnets}
            tags = self.wanted_tags() or {}
            if tags:
                request["Tags"] = tag_list(tags)
            created = self.plan.do(
                f"create {label} on {', '.join(subnets)}", self.call, "create_cache_subnet_group", **request
            )
            group = created["CacheSubnetGroup"] if created else {}
            now = {"name": name, "description": description, "subnet_ids": subnets, "tags": tags}
            return None, now, dict(now, arn=group.get("ARN"), vpc_id=group.get("VpcId"))

        have = sorted(s["SubnetIdentifier"] for s in group.get("Subnets") or [])
        before = {
            "name": name,
            "description": group.get("CacheSubnetGroupDescription"),
            "subnet_ids": have,
            "tags": current_tags,
        }
        description = spec.get("description") or before["description"]
        notes, request = [], {}
        if set(have) != set(subnets):
            added, removed = sorted(set(subnets) - set(have)), sorted(set(have) - set(subnets))
            notes.append(
                "subnets"
                + (f" add {', '.join(added)}" if added else "")
                + (";" if added and removed else "")
                + (f" remove {', '.join(removed)}" if removed else "")
            )
            request["SubnetIds"] = subnets
        else:
            subnets = have
        if description != before["description"]:
            notes.append(f"description {description!r} (was {before['description']!r})")
            request["CacheSubnetGroupDescription"] = description
        vpc_id = group.get("VpcId")
        if notes:
            changed = self.plan.do(
                f"update {label}: " + ", ".join(notes),
                self.call,
                "modify_cache_subnet_group",
                CacheSubnetGroupName=name,
                **request,
            )
            vpc_id = changed["CacheSubnetGroup"].get("VpcId", vpc_id) if changed else vpc_id
        tags = current_tags
        wanted = self.wanted_tags()
        if wanted is not None:
            arn = group["ARN"]
            tags = plan_tags(
                self.plan,
                label,
                current_tags,
                wanted,
                self.params["purge_tags"],
                lambda t: self.call("add_tags_to_resource", ResourceName=arn, Tags=tag_list(t)),
                lambda keys: self.call("remove_tags_from_resource", ResourceName=arn, TagKeys=keys),
            )
        now = {"name": name, "description": description, "subnet_ids": subnets, "tags": tags}
        return before, now, dict(now, arn=group["ARN"], vpc_id=vpc_id)

    def parameter_group(self, group: dict | None, user: dict, catalogue) -> tuple:
        spec = self.params["parameter_group"]
        name = spec["name"]
        label = f"cache parameter group {name}"
        # Its parameters are the group's own changes.
        self.plan.about(PARAMETER_GROUP, name, exists=group is not None)
        want = self.wanted_parameters()
        if group is None:
            family, description = spec["family"], spec.get("description") or name
            created = self.plan.do(
                f"create {label} ({family})",
                self.call,
                "create_cache_parameter_group",
                CacheParameterGroupName=name,
                CacheParameterGroupFamily=family,
                Description=description,
            )
            if want:
                if created:
                    # A new group's parameters can only be read once it exists: refused ones fail here, with the
                    # group kept (with the defaults) for the next run.
                    problems = self.refused_parameters(name, list(want), self.parameters(name))
                    if problems:
                        raise Refused("; ".join(problems) + " (the group was created, with no parameter set)")
                self.set_parameters(name, label, want, {}, {}, new=True)
            arn = created["CacheParameterGroup"].get("ARN") if created else None
            now = {"name": name, "family": family, "description": description, "parameters": dict(sorted(want.items()))}
            return None, now, dict(now, arn=arn, pending_reboot=[])

        have = {k: row.get("ParameterValue", "") for k, row in user.items()}
        before = {
            "name": name,
            "family": group["CacheParameterGroupFamily"],
            "description": group.get("Description"),
            "parameters": dict(sorted(have.items())),
        }
        changes = {k: v for k, v in want.items() if have.get(k) != v}
        pending = self.set_parameters(name, label, changes, user, catalogue or {}, new=False) if changes else []
        dropped = sorted(k for k in have if k not in want)
        for batch in chunks(dropped):
            self.plan.do(
                f"reset parameters of {label} to the engine default: {', '.join(batch)}",
                self.call,
                "reset_cache_parameter_group",
                CacheParameterGroupName=name,
                ParameterNameValues=[{"ParameterName": k} for k in batch],
            )
            pending += [k for k in batch if needs_reboot(user[k])]
        now = dict(before, parameters=dict(sorted(want.items())))
        return before, now, dict(now, arn=group.get("ARN"), pending_reboot=sorted(pending))

    def set_parameters(self, name: str, label: str, changes: dict, user: dict, catalogue: dict, new: bool) -> list:
        """Plan the ModifyCacheParameterGroup calls that set ``changes``; returns those that wait for a reboot."""
        pending = []
        for batch in chunks(sorted(changes.items())):
            if new:
                text = ", ".join(f"{k}={v}" for k, v in batch)
            else:
                rows = {k: user.get(k) or catalogue.get(k) or {} for k, _v in batch}
                text = ", ".join(f"{k}={v} (was {rows[k].get('ParameterValue', 'unset')})" for k, v in batch)
                pending += [k for k, _v in batch if needs_reboot(rows[k])]
            self.plan.do(
                f"set parameters of {label}: {text}",
                self.call,
                "modify_cache_parameter_group",
                CacheParameterGroupName=name,
                ParameterNameValues=[{"ParameterName": k, "ParameterValue": v} for k, v in batch],
            )
        return pending

    # -- absent ------------------------------------------------------------------------------------
    def absent(self):
        parts = self.parts()

        def describe(part):
            name = self.params[part]["name"]
            return self.describe_subnet_group(name) if part == "subnet_group" else self.describe_parameter_group(name)

        found = read_all(describe, parts)
        before, in_use, results = {}, [], dict.fromkeys(PARTS)
        for part in parts:
            name, group = self.params[part]["name"], found[part]
            if part == "subnet_group":
                results[part] = {"name": name, "arn": None, "description": None, "vpc_id": None, "subnet_ids": []}
                results[part]["tags"] = {}
            else:
                results[part] = {"name": name, "arn": None, "family": None, "description": None, "parameters": {}}
                results[part]["pending_reboot"] = []
            if group is None:
                continue
            self.plan.about(SUBNET_GROUP if part == "subnet_group" else PARAMETER_GROUP, name, wanted=False)
            if part == "subnet_group":
                label, call, request = f"cache subnet group {name}", "delete_cache_subnet_group", {}
                request["CacheSubnetGroupName"] = name
                before[part] = {
                    "name": name,
                    "description": group.get("CacheSubnetGroupDescription"),
                    "subnet_ids": sorted(s["SubnetIdentifier"] for s in group.get("Subnets") or []),
                }
            else:
                label, call = f"cache parameter group {name}", "delete_cache_parameter_group"
                request = {"CacheParameterGroupName": name}
                before[part] = {
                    "name": name,
                    "family": group["CacheParameterGroupFamily"],
                    "description": group.get("Description"),
                }
            try:
                self.plan.do(f"delete {label}", self.call, call, **request)
            except is_boto3_error_code(IN_USE) as e:
                self.plan.forget_last()
                before.pop(part)
                in_use.append(f"{label} ({e.response['Error'].get('Message', 'in use')})")
        if in_use:
            raise InUse(
                "AWS refused to delete groups still in use: "
                + "; ".join(in_use)
                + ". Delete the replication group that uses them first."
            )
        return before, {}, results


def main():
    argument_spec = dict(
        subnet_group=dict(
            type="dict",
            options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str"),
                subnets=dict(type="list", elements="str", aliases=["subnet_ids"]),
                tags=dict(type="dict"),
            ),
        ),
        parameter_group=dict(
            type="dict",
            options=dict(
                name=dict(type="str", required=True),
                family=dict(type="str"),
                description=dict(type="str"),
                parameters=dict(type="dict", default={}),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("elasticache", retry_decorator=retry_decorator())
    groups = ElastiCacheGroups(module, client)
    present = module.params["state"] == "present"
    # Nothing is rolled back, and a group is never deleted to start again: what was done is in actions.
    what = "reconciliation failed (no group was deleted)" if present else "deletion failed"
    run(module, groups.plan, groups.present if present else groups.absent, f"ElastiCache group {what}")


if __name__ == "__main__":
    main()
