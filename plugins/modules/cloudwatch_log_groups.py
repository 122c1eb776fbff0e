#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: cloudwatch_log_groups
short_description: CloudWatch Logs log groups (retention, KMS key, tags), never deleted on a failure
version_added: 1.0.0
description:
  - Creates the log groups listed, and brings each one's retention, KMS key and tags to what is asked,
    in place, with one call per setting that differs. A group that exists keeps its log events whatever
    else happens; a setting AWS refuses fails the task and leaves the group as it was.
  - Replaces M(amazon.aws.cloudwatchlogs_log_group) in the roles. That module checks the retention
    against a list of its own that lacks values CloudWatch Logs accepts (C(1096), C(2192), C(2557),
    C(2922), C(3288)); on such a value it deletes the group it was asked to configure, then fails.
    It also cannot change the KMS key of an existing group. This module leaves validation of the
    retention to AWS (the roles' preflight checks it first) and associates or disassociates the key.
  - With O(state=absent) deletes the groups listed that exist. It never deletes a group that is not listed.
  - Supports check mode (no write) and diff mode (before and after of each group that changes).
author:
  - 99Tech platform engineering (@99tech)
options:
  log_groups:
    description: The log groups, each one a dict.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Log group name (1 to 512 of letters, digits, C(.), C(-), C(_), C(/) and C(#)).
        type: str
        required: true
      retention_days:
        description:
          - Days CloudWatch Logs keeps the events, one of the values it accepts (1, 3, 5, 7, 14, 30, 60, 90,
            120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653).
          - C(0) or omitted keeps the events forever (no retention policy).
        type: int
      kms_key_id:
        description:
          - ARN of the symmetric KMS key that encrypts the group's events (CloudWatch Logs takes a key
            ARN, not an alias or a key id). An empty string means no key.
          - Omitted leaves the key the group has alone.
        type: str
  tags:
    description:
      - Tags every group listed carries (O(purge_tags) decides whether others are removed).
      - Omitted leaves the groups' tags alone.
    type: dict
    aliases: ['resource_tags']
  purge_tags:
    description: Remove the tags of a group that are not in O(tags).
    type: bool
    default: true
  state:
    description: Whether the groups listed should exist.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The platform's log groups, with seven years for the audit trail
  ninetynine.trading_infra.cloudwatch_log_groups:
    log_groups:
      - name: /trading/prod/application
        retention_days: 365
        kms_key_id: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
      - name: /trading/prod/audit
        retention_days: 2557
        kms_key_id: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    tags:
      Project: trading
      Environment: prod
    state: present

- name: Delete them
  ninetynine.trading_infra.cloudwatch_log_groups:
    log_groups:
      - name: /trading/prod/application
      - name: /trading/prod/audit
    state: absent
"""

RETURN = r"""
log_groups:
  description: The groups listed as they are after the run (as they would be, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Log group name.
      type: str
      sample: /trading/prod/audit
    arn:
      description: ARN of the group (null in check mode before it exists, and with O(state=absent)).
      type: str
      sample: arn:aws:logs:us-east-1:123456789012:log-group:/trading/prod/audit
    retention_days:
      description: Retention in days (null when events never expire).
      type: int
      sample: 2557
    kms_key_id:
      description: ARN of the KMS key (null when none).
      type: str
    tags:
      description: The group's tags.
      type: dict
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["set retention of /trading/prod/audit to 2557 days (was 365)"]
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and the
      changes it gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, always V(log group).
      type: str
    name:
      description: The group's name.
      type: str
    action:
      description: What happens to it.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets (entries of RV(actions)).
      type: list
      elements: str
  sample:
    - kind: log group
      name: /trading/prod/audit
      action: change
      changes:
        - set retention of /trading/prod/audit to 2557 days (was 365)
"""

import os

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags


def group_arn(group: dict) -> str:
    """DescribeLogGroups gives the ARN with a trailing ':*'; the tagging API wants it without."""
    arn = group.get("logGroupArn") or group["arn"]
    return arn[:-2] if arn.endswith(":*") else arn


def describe(client, names: list) -> dict:
    """The listed groups that exist, by name: one listing under the names' common prefix when they
    share a meaningful one (a role's groups do), otherwise one listing per name."""
    common = os.path.commonprefix(names)  # noqa: RUF071 - DescribeLogGroups takes a character prefix
    prefixes = [common] if len(common) > 1 and len(names) > 1 else sorted(set(names))
    found = {}
    for prefix in prefixes:
        for group in paginate(client, "describe_log_groups", "logGroups", logGroupNamePrefix=prefix):
            if group["logGroupName"] in names:
                found[group["logGroupName"]] = group
    return found


def state_of(group: dict | None, tags: dict) -> dict:
    if group is None:
        return {}
    return {
        "retention_days": group.get("retentionInDays"),
        "kms_key_id": group.get("kmsKeyId"),
        "tags": tags,
    }


def reconcile(client, plan, spec: dict, group: dict | None, tags: dict | None, purge_tags: bool) -> tuple:
    """Bring one group to ``spec``; returns its state before, and after the changes (planned in check mode)."""
    name = spec["name"]
    retention = spec.get("retention_days") or None
    key = spec.get("kms_key_id")
    wanted_key = (key or None) if key is not None else (group or {}).get("kmsKeyId")
    arn = group_arn(group) if group else None
    plan.about("log group", name, exists=group is not None)
    if group is None:
        create = {"logGroupName": name}
        if wanted_key:
            create["kmsKeyId"] = wanted_key
        if tags:
            create["tags"] = tags
        plan.do(f"create log group {name}", client.create_log_group, aws_retry=True, **create)
        if not plan.check_mode:
            arn = group_arn(describe(client, [name])[name])
        current = {"retentionInDays": None, "kmsKeyId": wanted_key}
        current_tags = dict(tags or {})
    else:
        current = group
        current_tags = client.list_tags_for_resource(resourceArn=arn, aws_retry=True).get("tags") or {}
    before = state_of(group, current_tags)

    if current.get("retentionInDays") != retention:
        was = current.get("retentionInDays")
        if retention is None:
            plan.do(
                f"remove the retention of {name} (was {was} days): events kept forever",
                client.delete_retention_policy,
                logGroupName=name,
                aws_retry=True,
            )
        else:
            plan.do(
                f"set retention of {name} to {retention} days" + (f" (was {was})" if was else ""),
                client.put_retention_policy,
                logGroupName=name,
                retentionInDays=retention,
                aws_retry=True,
            )
    if group is not None and current.get("kmsKeyId") != wanted_key:
        if wanted_key:
            plan.do(
                f"encrypt {name} with {wanted_key}",
                client.associate_kms_key,
                logGroupName=name,
                kmsKeyId=wanted_key,
                aws_retry=True,
            )
        else:
            plan.do(
                f"stop encrypting {name} with {current.get('kmsKeyId')}",
                client.disassociate_kms_key,
                logGroupName=name,
                aws_retry=True,
            )
    after_tags = current_tags
    if tags is not None and group is not None:
        after_tags = plan_tags(
            plan,
            f"log group {name}",
            current_tags,
            tags,
            purge_tags,
            lambda t: client.tag_resource(resourceArn=arn, tags=t, aws_retry=True),
            lambda keys: client.untag_resource(resourceArn=arn, tagKeys=keys, aws_retry=True),
        )
    return before, {
        "name": name,
        "arn": arn,
        "retention_days": retention,
        "kms_key_id": wanted_key,
        "tags": after_tags,
    }


def main():
    argument_spec = dict(
        log_groups=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                retention_days=dict(type="int"),
                kms_key_id=dict(type="str", no_log=False),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    names = [g["name"] for g in p["log_groups"]]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        module.fail_json(msg=f"log_groups lists {', '.join(duplicates)} more than once")
    tags = {str(k): str(v) for k, v in p["tags"].items()} if p["tags"] is not None else None
    client = module.client("logs", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    before, after, results = {}, {}, []
    try:
        found = describe(client, names)
        if p["state"] == "absent":
            for name in names:
                if name in found:
                    before[name] = state_of(found[name], {})
                    plan.about("log group", name, wanted=False)
                    plan.do(f"delete log group {name}", client.delete_log_group, logGroupName=name, aws_retry=True)
                results.append({"name": name, "arn": None, "retention_days": None, "kms_key_id": None, "tags": {}})
            plan.exit_json(module, before, {}, log_groups=results)
        for spec in p["log_groups"]:
            group = found.get(spec["name"])
            done = len(plan.actions)
            was, result = reconcile(client, plan, spec, group, tags, p["purge_tags"])
            results.append(result)
            if len(plan.actions) > done:
                before[spec["name"]] = was
                after[spec["name"]] = {k: result[k] for k in ("retention_days", "kms_key_id", "tags")}
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        # Nothing is rolled back or deleted: what was done is in actions, the groups keep their events.
        module.fail_json_aws(
            e,
            msg="log group reconciliation failed (no group was deleted)",
            actions=plan.actions,
            resources=plan.resources,
        )
    plan.exit_json(module, before, after, log_groups=results)


if __name__ == "__main__":
    main()
