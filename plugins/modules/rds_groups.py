#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: rds_groups
short_description: The DB subnet group and the cluster and instance parameter groups of a cluster, in one invocation
version_added: 1.0.0
description:
  - Creates the RDS groups a cluster stands on, each one optional, and brings them to what is asked, in place.
    O(subnet_group) is the DB subnet group (description, subnets, tags), O(cluster_parameter_group) the DB
    cluster parameter group and O(instance_parameter_group) the DB (instance) parameter group (family,
    parameters, tags). A part omitted is not managed.
  - A parameter group's user-set parameters are kept to exactly those given. A parameter no longer listed is reset
    to the engine default (C(ResetDBClusterParameterGroup), C(ResetDBParameterGroup)).
  - Each parameter is set with the apply method its type allows, read from the group (C(ApplyType)) -
    V(immediate) for a dynamic parameter, V(pending-reboot) for a static one (it takes effect at the next reboot,
    RV(cluster_parameter_group.pending_reboot)).
  - A parameter the group's family does not have, or that cannot be modified, is refused before any write (for a
    new group, right after its creation, since its parameters can only be read once it exists). A value RDS refuses
    fails the task too; it is never only reported.
  - AWS cannot change a parameter group's family. An existing group of another family is refused, naming the group
    and both families, before any write; it is never deleted and re-created under the cluster that uses it.
  - On a run with nothing to change it reads, for each part and in parallel, the group (one describe), its tags and,
    for a parameter group, its user-set parameters (C(Source=user)). The whole parameter list of a group is read
    only when a parameter has to be set.
  - A group that fails to be configured is left as it is (it is never deleted); what was done is in RV(actions).
  - With O(state=absent), deletes the listed groups that exist (only their names are needed). A group still used by
    a cluster or an instance is refused by AWS; the task then fails naming it, after deleting the other ones.
  - Supports check mode (no write; groups to create are reported as created, with a null ARN) and diff mode
    (before and after of each group that changes).
  - Replaces M(amazon.aws.rds_subnet_group), M(amazon.aws.rds_cluster_param_group) and
    M(amazon.aws.rds_instance_param_group) in the roles, which take one invocation each, never reset a parameter
    removed from the list (cluster groups), and report parameters RDS refuses in C(errors) while the task succeeds
    (instance groups).
author:
  - 99Tech platform engineering (@99tech)
options:
  subnet_group:
    description: The DB subnet group. Omitted, no DB subnet group is managed.
    type: dict
    suboptions:
      name:
        description: Name of the group (RDS keeps it in lower case). Not V(default).
        type: str
        required: true
      description:
        description:
          - Description of the group. Changed in place when it differs.
          - Omitted, a new group is described by its name and an existing one keeps its description.
        type: str
      subnets:
        description:
          - Ids of the group's subnets, in at least two zones of one VPC. Required with O(state=present).
          - Compared as a set; a change is made in place (C(ModifyDBSubnetGroup)).
        type: list
        elements: str
        aliases: ['subnet_ids']
      tags:
        description: Tags of this group only, merged over O(tags).
        type: dict
  cluster_parameter_group:
    description: The DB cluster parameter group (Aurora). Omitted, no DB cluster parameter group is managed.
    type: dict
    suboptions: &parameter_group_options
      name:
        description: Name of the group (RDS keeps it in lower case).
        type: str
        required: true
      family:
        description:
          - The group's family, for example V(aurora-postgresql16). Required to create the group.
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
            strings (V(true) and V(false) as V(1) and V(0)).
          - A parameter set before and no longer listed is reset to the engine default.
        type: dict
        default: {}
      tags:
        description: Tags of this group only, merged over O(tags).
        type: dict
  instance_parameter_group:
    description: The DB parameter group of the instances. Omitted, no DB parameter group is managed.
    type: dict
    suboptions: *parameter_group_options
  tags:
    description:
      - Tags every group carries (a group's own O(subnet_group.tags) and so on go over them).
      - Omitted (and no tags of a group), the tags of existing groups are left alone.
    type: dict
    aliases: ['resource_tags']
  purge_tags:
    description: Remove the tags of a group that are not asked for.
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
  - RDS names are case-insensitive; RDS keeps them in lower case.
  - Parameter values are compared with what RDS reports, as strings; give them as RDS shows them (V(1), not V(on)).
"""

EXAMPLES = r"""
- name: The groups of an Aurora PostgreSQL cluster
  ninetynine.trading_infra.rds_groups:
    subnet_group:
      name: trading-prod-aurora
      description: "trading-prod Aurora: data subnets"
      subnets: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002, subnet-0a1b2c3d4e5f60003]
    cluster_parameter_group:
      name: trading-prod-aurora
      family: aurora-postgresql16
      description: trading-prod Aurora cluster parameters
      parameters:
        rds.force_ssl: 1
        log_min_duration_statement: 500
        shared_preload_libraries: pg_stat_statements
    instance_parameter_group:
      name: trading-prod-aurora
      family: aurora-postgresql16
      description: trading-prod Aurora instance parameters
      parameters: {}
    tags:
      Project: trading
      Environment: prod
    state: present
  register: groups

- name: Say when static parameters wait for a reboot
  ansible.builtin.debug:
    msg: "reboot the cluster for {{ groups.cluster_parameter_group.pending_reboot | join(', ') }}"
  when: groups.cluster_parameter_group.pending_reboot | length > 0

- name: Delete them (after the cluster that uses them)
  ninetynine.trading_infra.rds_groups:
    subnet_group:
      name: trading-prod-aurora
    cluster_parameter_group:
      name: trading-prod-aurora
    instance_parameter_group:
      name: trading-prod-aurora
    state: absent
"""

RETURN = r"""
subnet_group:
  description:
    - The DB subnet group after the run (as it would be, in check mode); null when O(subnet_group) is omitted.
    - With O(state=absent), its name with a null ARN.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the group.
      type: str
      sample: trading-prod-aurora
    arn:
      description: ARN of the group (null in check mode before it exists, and with O(state=absent)).
      type: str
      sample: arn:aws:rds:us-east-1:123456789012:subgrp:trading-prod-aurora
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
cluster_parameter_group:
  description:
    - The DB cluster parameter group after the run (as it would be, in check mode); null when
      O(cluster_parameter_group) is omitted.
    - With O(state=absent), its name with a null ARN.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the group.
      type: str
      sample: trading-prod-aurora
    arn:
      description: ARN of the group (null in check mode before it exists, and with O(state=absent)).
      type: str
      sample: arn:aws:rds:us-east-1:123456789012:cluster-pg:trading-prod-aurora
    family:
      description: Family of the group.
      type: str
      sample: aurora-postgresql16
    description:
      description: Description of the group.
      type: str
    parameters:
      description: The user-set parameters, by name, as strings.
      type: dict
      sample: {"rds.force_ssl": "1", "shared_preload_libraries": "pg_stat_statements"}
    pending_reboot:
      description:
        - Parameters of an existing group set or reset by this run that take effect at the next reboot of the
          cluster's instances (static parameters).
      type: list
      elements: str
      sample: [shared_preload_libraries]
    tags:
      description: Tags of the group.
      type: dict
instance_parameter_group:
  description:
    - The DB parameter group after the run, as RV(cluster_parameter_group); null when O(instance_parameter_group) is
      omitted.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the group.
      type: str
    arn:
      description: ARN of the group (null in check mode before it exists, and with O(state=absent)).
      type: str
      sample: arn:aws:rds:us-east-1:123456789012:pg:trading-prod-aurora
    family:
      description: Family of the group.
      type: str
    description:
      description: Description of the group.
      type: str
    parameters:
      description: The user-set parameters, by name, as strings.
      type: dict
    pending_reboot:
      description: Parameters set or reset by this run that take effect at the next reboot of the instances.
      type: list
      elements: str
    tags:
      description: Tags of the group.
      type: dict
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample:
    - create DB cluster parameter group trading-prod-aurora (aurora-postgresql16)
    - "set parameters of DB cluster parameter group trading-prod-aurora: log_min_duration_statement=1000 (was 500,
      immediate)"
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
      sample: "DB cluster parameter group"
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
      sample: ["create DB cluster parameter group trading-prod-aurora (aurora-postgresql16)"]
  sample:
    - kind: DB cluster parameter group
      name: trading-prod-aurora
      action: create
      changes:
        - create DB cluster parameter group trading-prod-aurora (aurora-postgresql16)
        - "set parameters of DB cluster parameter group trading-prod-aurora: rds.force_ssl=1"
    - kind: DB subnet group
      name: trading-prod-aurora
      action: change
      changes: ["update DB subnet group trading-prod-aurora: subnets add subnet-0123456789abcdef0"]
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

# ModifyDBClusterParameterGroup, ModifyDBParameterGroup and their resets: "A maximum of 20 parameters can be
# modified in a single request."
PARAMETERS_PER_CALL = 20
SUBNET_GROUP_NOT_FOUND = "DBSubnetGroupNotFoundFault"
PARAMETER_GROUP_NOT_FOUND = ["DBParameterGroupNotFound", "DBClusterParameterGroupNotFound"]
IN_USE = ["InvalidDBParameterGroupState", "InvalidDBSubnetGroupStateFault"]
SUBNET_GROUP = "DB subnet group"  # the kind of resource, as the resources return value names it


class ParameterGroupKind:
    """What differs between the DB cluster parameter group and the DB (instance) parameter group: the names of
    their calls and fields."""

    def __init__(self, option: str, label: str, noun: str, snake: str, parameters_call: str):
        self.option = option  # the module's option and return key
        self.label = label  # what messages call it
        self.noun = noun  # DBClusterParameterGroup, DBParameterGroup
        self.snake = snake  # db_cluster_parameter_group, db_parameter_group
        self.parameters_call = parameters_call
        self.name_key = f"{noun}Name"
        self.arn_key = f"{noun}Arn"


CLUSTER = ParameterGroupKind(
    "cluster_parameter_group",
    "DB cluster parameter group",
    "DBClusterParameterGroup",
    "db_cluster_parameter_group",
    "describe_db_cluster_parameters",
)
INSTANCE = ParameterGroupKind(
    "instance_parameter_group",
    "DB parameter group",
    "DBParameterGroup",
    "db_parameter_group",
    "describe_db_parameters",
)
KINDS = (CLUSTER, INSTANCE)


def parameter_value(value) -> str:
    """A parameter's value as RDS keeps it: a string, booleans as 1 and 0."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def apply_method(row: dict | None) -> str:
    """immediate for a dynamic parameter; pending-reboot for a static one (or one whose type is not known, which
    RDS accepts for every parameter)."""
    return "immediate" if (row or {}).get("ApplyType") == "dynamic" else "pending-reboot"


def chunks(items: list) -> list:
    return [items[start : start + PARAMETERS_PER_CALL] for start in range(0, len(items), PARAMETERS_PER_CALL)]


class RdsGroups:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.plan = Plan(module.check_mode)

    # -- AWS calls ---------------------------------------------------------------------------------
    def call(self, operation: str, **kwargs):
        return getattr(self.client, operation)(aws_retry=True, **kwargs)

    def tags(self, arn: str) -> dict:
        return boto3_tag_list_to_ansible_dict(self.call("list_tags_for_resource", ResourceName=arn)["TagList"])

    def describe_subnet_group(self, name: str) -> dict | None:
        try:
            return self.call("describe_db_subnet_groups", DBSubnetGroupName=name)["DBSubnetGroups"][0]
        except is_boto3_error_code(SUBNET_GROUP_NOT_FOUND):
            return None

    def describe_parameter_group(self, kind: ParameterGroupKind, name: str) -> dict | None:
        try:
            return self.call(f"describe_{kind.snake}s", **{kind.name_key: name})[f"{kind.noun}s"][0]
        except is_boto3_error_code(PARAMETER_GROUP_NOT_FOUND):
            return None

    def parameters(self, kind: ParameterGroupKind, name: str, source: str | None = None) -> dict:
        """{name: row} of a group's parameters: the user-set ones, or with no source all the family has."""
        request = {kind.name_key: name}
        if source:
            request["Source"] = source
        return {
            row["ParameterName"]: row for row in paginate(self.client, kind.parameters_call, "Parameters", **request)
        }

    def read(self, part: str):
        """One part as it is: (group, {what: value}) with its tags and, for a parameter group, its user-set
        parameters, read together; (None, {}) when the group does not exist."""
        name = self.params[part]["name"]
        if part == "subnet_group":
            group = self.describe_subnet_group(name)
            return group, ({"tags": self.tags(group["DBSubnetGroupArn"])} if group else {})
        kind = CLUSTER if part == CLUSTER.option else INSTANCE
        group = self.describe_parameter_group(kind, name)
        if group is None:
            return None, {}
        jobs = {
            "tags": lambda: self.tags(group[kind.arn_key]),
            "parameters": lambda: self.parameters(kind, name, "user"),
        }
        return group, read_all(lambda what: jobs[what](), list(jobs))

    # -- what is asked ------------------------------------------------------------------------------
    def parts(self) -> list:
        return [part for part in ("subnet_group", CLUSTER.option, INSTANCE.option) if self.params[part] is not None]

    def wanted_tags(self, spec: dict) -> dict | None:
        if self.params["tags"] is None and spec.get("tags") is None:
            return None
        tags = dict(self.params["tags"] or {})
        tags.update(spec.get("tags") or {})
        return {str(k): str(v) for k, v in tags.items()}

    def sync_tags(self, label: str, arn: str, current: dict, spec: dict) -> dict:
        wanted = self.wanted_tags(spec)
        if wanted is None:
            return current
        return plan_tags(
            self.plan,
            label,
            current,
            wanted,
            self.params["purge_tags"],
            lambda tags: self.call("add_tags_to_resource", ResourceName=arn, Tags=tag_list(tags)),
            lambda keys: self.call("remove_tags_from_resource", ResourceName=arn, TagKeys=keys),
        )

    # -- present -----------------------------------------------------------------------------------
    def present(self):
        parts = self.parts()
        found = read_all(self.read, parts)
        # Everything that can be refused is, before the first write: a family change, a subnet group without
        # subnets, a parameter the family does not have or that cannot be modified.
        problems, catalogues = [], {}
        spec = self.params["subnet_group"]
        if spec is not None and not spec.get("subnets"):
            problems.append(f"DB subnet group {spec['name']}: subnets required (state=present)")
        for kind in KINDS:
            spec = self.params[kind.option]
            if spec is None:
                continue
            group, current = found[kind.option]
            if group is None:
                if not spec.get("family"):
                    problems.append(f"{kind.label} {spec['name']}: family required to create it")
                continue
            family = group["DBParameterGroupFamily"]
            if spec.get("family") and spec["family"] != family:
                problems.append(
                    f"{kind.label} {spec['name']} is of family {family}, not {spec['family']}: AWS cannot change a "
                    "parameter group's family. Give the group of the new family a new name (and point the cluster "
                    "at it), or put the family back"
                )
                continue
            unset = [k for k, v in self.wanted_parameters(spec).items() if k not in current["parameters"]]
            if unset:
                catalogues[kind.option] = self.parameters(kind, spec["name"])
                problems.extend(self.refused_parameters(kind, spec["name"], unset, catalogues[kind.option]))
        if problems:
            raise Refused("; ".join(problems) + ". Nothing was changed.")

        before, after, results = {}, {}, {part: None for part in ("subnet_group", CLUSTER.option, INSTANCE.option)}
        for part in parts:
            done = len(self.plan.actions)
            group, current = found[part]
            if part == "subnet_group":
                was, now, result = self.subnet_group(group, current)
            else:
                kind = CLUSTER if part == CLUSTER.option else INSTANCE
                was, now, result = self.parameter_group(kind, group, current, catalogues.get(part))
            results[part] = result
            if len(self.plan.actions) > done:
                if was is not None:
                    before[part] = was
                after[part] = now
        return before, after, results

    @staticmethod
    def wanted_parameters(spec: dict) -> dict:
        return {str(k): parameter_value(v) for k, v in (spec.get("parameters") or {}).items()}

    @staticmethod
    def refused_parameters(kind: ParameterGroupKind, name: str, names: list, catalogue: dict) -> list:
        problems = []
        unknown = sorted(k for k in names if k not in catalogue)
        if unknown:
            problems.append(f"{kind.label} {name}: its family has no parameter {', '.join(unknown)}")
        fixed = sorted(k for k in names if k in catalogue and not catalogue[k].get("IsModifiable", True))
        if fixed:
            problems.append(f"{kind.label} {name}: {', '.join(fixed)} cannot be modified")
        return problems

    def subnet_group(self, group: dict | None, current: dict) -> tuple:
        spec = self.params["subnet_group"]
        name, subnets = spec["name"], sorted(set(spec["subnets"]))
        label = f"DB subnet group {name}"
        self.plan.about(SUBNET_GROUP, name, exists=group is not None)
        if group is None:
            description = spec.get("description") or name
            request = {"DBSubnetGroupName": name, "DBSubnetGroupDescription": description, "SubnetIds": subnets}
            tags = self.wanted_tags(spec) or {}
            if tags:
                request["Tags"] = tag_list(tags)
            created = self.plan.do(
                f"create {label} on {', '.join(subnets)}", self.call, "create_db_subnet_group", **request
            )
            group = created["DBSubnetGroup"] if created else {"DBSubnetGroupName": name}
            now = {"name": name, "description": description, "subnet_ids": subnets, "tags": tags}
            return None, now, dict(now, arn=group.get("DBSubnetGroupArn"), vpc_id=group.get("VpcId"))

        have = sorted(s["SubnetIdentifier"] for s in group.get("Subnets") or [])
        before = {
            "name": name,
            "description": group.get("DBSubnetGroupDescription"),
            "subnet_ids": have,
            "tags": current["tags"],
        }
        description = spec.get("description") or before["description"]
        notes = []
        if set(have) != set(subnets):
            added, removed = sorted(set(subnets) - set(have)), sorted(set(have) - set(subnets))
            notes.append(
                "subnets"
                + (f" add {', '.join(added)}" if added else "")
                + (";" if added and removed else "")
                + (f" remove {', '.join(removed)}" if removed else "")
            )
        if description != before["description"]:
            notes.append(f"description {description!r} (was {before['description']!r})")
        vpc_id = group.get("VpcId")
        if notes:
            changed = self.plan.do(
                f"update {label}: " + ", ".join(notes),
                self.call,
                "modify_db_subnet_group",
                DBSubnetGroupName=name,
                DBSubnetGroupDescription=description,
                SubnetIds=subnets,
            )
            vpc_id = changed["DBSubnetGroup"].get("VpcId", vpc_id) if changed else vpc_id
        else:
            subnets = have
        tags = self.sync_tags(label, group["DBSubnetGroupArn"], current["tags"], spec)
        now = {"name": name, "description": description, "subnet_ids": subnets, "tags": tags}
        return before, now, dict(now, arn=group["DBSubnetGroupArn"], vpc_id=vpc_id)

    def parameter_group(self, kind: ParameterGroupKind, group: dict | None, current: dict, catalogue) -> tuple:
        spec = self.params[kind.option]
        name = spec["name"]
        label = f"{kind.label} {name}"
        # Its parameters and tags are the group's own changes.
        self.plan.about(kind.label, name, exists=group is not None)
        want = self.wanted_parameters(spec)
        if group is None:
            family, description = spec["family"], spec.get("description") or name
            request = {kind.name_key: name, "DBParameterGroupFamily": family, "Description": description}
            tags = self.wanted_tags(spec) or {}
            if tags:
                request["Tags"] = tag_list(tags)
            created = self.plan.do(f"create {label} ({family})", self.call, f"create_{kind.snake}", **request)
            arn = created[kind.noun][kind.arn_key] if created else None
            if want:
                if created:
                    # A new group's parameters can only be read once it exists: refused ones fail here, with the
                    # group kept (empty) for the next run.
                    catalogue = self.parameters(kind, name)
                    problems = self.refused_parameters(kind, name, list(want), catalogue)
                    if problems:
                        raise Refused("; ".join(problems) + " (the group was created, with no parameter set)")
                self.set_parameters(kind, name, label, want, {}, catalogue or {}, new=True)
            now = {"name": name, "family": family, "description": description, "parameters": want, "tags": tags}
            return None, now, dict(now, arn=arn, pending_reboot=[])

        have = {k: row.get("ParameterValue", "") for k, row in current["parameters"].items()}
        before = {
            "name": name,
            "family": group["DBParameterGroupFamily"],
            "description": group.get("Description"),
            "parameters": dict(sorted(have.items())),
            "tags": current["tags"],
        }
        changes = {k: v for k, v in want.items() if have.get(k) != v}
        pending = []
        if changes:
            pending += self.set_parameters(
                kind, name, label, changes, current["parameters"], catalogue or {}, new=False
            )
        dropped = sorted(k for k in have if k not in want)
        for batch in chunks(dropped):
            rows = [current["parameters"][k] for k in batch]
            self.plan.do(
                f"reset parameters of {label} to the engine default: "
                + ", ".join(f"{row['ParameterName']} ({apply_method(row)})" for row in rows),
                self.call,
                f"reset_{kind.snake}",
                **{kind.name_key: name},
                Parameters=[{"ParameterName": row["ParameterName"], "ApplyMethod": apply_method(row)} for row in rows],
            )
            pending += [row["ParameterName"] for row in rows if apply_method(row) == "pending-reboot"]
        tags = self.sync_tags(label, group[kind.arn_key], current["tags"], spec)
        now = dict(before, parameters=dict(sorted(want.items())), tags=tags)
        return before, now, dict(now, arn=group[kind.arn_key], pending_reboot=sorted(pending))

    def set_parameters(
        self, kind, name: str, label: str, changes: dict, user: dict, catalogue: dict, new: bool
    ) -> list:
        """Plan the ModifyDB*ParameterGroup calls that set ``changes``; returns the static parameters among them."""
        pending = []
        for batch in chunks(sorted(changes.items())):
            rows = [(k, v, user.get(k) or catalogue.get(k)) for k, v in batch]
            if new:
                # The group is attached to nothing yet: when each parameter applies does not matter.
                text = ", ".join(f"{k}={v}" for k, v, _row in rows)
            else:
                text = ", ".join(
                    f"{k}={v} (was {(row or {}).get('ParameterValue', 'unset')}, {apply_method(row)})"
                    for k, v, row in rows
                )
                pending += [k for k, _v, row in rows if apply_method(row) == "pending-reboot"]
            self.plan.do(
                f"set parameters of {label}: {text}",
                self.call,
                f"modify_{kind.snake}",
                **{kind.name_key: name},
                Parameters=[
                    {"ParameterName": k, "ParameterValue": v, "ApplyMethod": apply_method(row)} for k, v, row in rows
                ],
            )
        return pending

    # -- absent ------------------------------------------------------------------------------------
    def absent(self):
        parts = self.parts()

        def describe(part):
            name = self.params[part]["name"]
            if part == "subnet_group":
                return self.describe_subnet_group(name)
            return self.describe_parameter_group(CLUSTER if part == CLUSTER.option else INSTANCE, name)

        found = read_all(describe, parts)
        before, in_use = {}, []
        results = {part: None for part in ("subnet_group", CLUSTER.option, INSTANCE.option)}
        # The parameter groups first, then the subnet group (the order RDS's console deletes them in).
        for part in sorted(parts, key=lambda p: p == "subnet_group"):
            name = self.params[part]["name"]
            group = found[part]
            results[part] = {"name": name, "arn": None, "tags": {}}
            if part == "subnet_group":
                results[part].update(description=None, vpc_id=None, subnet_ids=[])
            else:
                results[part].update(family=None, description=None, parameters={}, pending_reboot=[])
            if group is None:
                continue
            if part == "subnet_group":
                self.plan.about(SUBNET_GROUP, name, wanted=False)
                label, call, request = f"DB subnet group {name}", "delete_db_subnet_group", {"DBSubnetGroupName": name}
                before[part] = {
                    "name": name,
                    "description": group.get("DBSubnetGroupDescription"),
                    "subnet_ids": sorted(s["SubnetIdentifier"] for s in group.get("Subnets") or []),
                }
            else:
                kind = CLUSTER if part == CLUSTER.option else INSTANCE
                self.plan.about(kind.label, name, wanted=False)
                label, call, request = f"{kind.label} {name}", f"delete_{kind.snake}", {kind.name_key: name}
                before[part] = {
                    "name": name,
                    "family": group["DBParameterGroupFamily"],
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
                + ". Delete the cluster and the instances that use them first."
            )
        return before, {}, results


def main():
    parameter_group_options = dict(
        name=dict(type="str", required=True),
        family=dict(type="str"),
        description=dict(type="str"),
        parameters=dict(type="dict", default={}),
        tags=dict(type="dict"),
    )
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
        cluster_parameter_group=dict(type="dict", options=parameter_group_options),
        instance_parameter_group=dict(type="dict", options=parameter_group_options),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    if p["subnet_group"] is not None and p["subnet_group"]["name"].lower() == "default":
        module.fail_json(msg="subnet_group: the DB subnet group named default is RDS's own", actions=[], resources=[])
    client = module.client("rds", retry_decorator=retry_decorator())
    groups = RdsGroups(module, client)
    present = p["state"] == "present"
    # Nothing is rolled back, and a group is never deleted to start again: what was done is in actions.
    what = "reconciliation failed (no group was deleted)" if present else "deletion failed"
    run(module, groups.plan, groups.present if present else groups.absent, f"RDS group {what}")


if __name__ == "__main__":
    main()
