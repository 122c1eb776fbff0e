#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: elasticache_parameter_group
short_description: An ElastiCache cache parameter group with exactly the parameters given
version_added: 1.0.0
description:
  - Creates a cache parameter group of a family and keeps its user-set parameters to exactly those
    given. A parameter no longer listed is reset to the engine's default.
  - community.aws.elasticache_parameter_group predates the V(redis7) and V(valkey) families and
    cannot make one.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering
options:
  name:
    description: The group's name.
    type: str
    required: true
  family:
    description: The family (V(redis7), V(redis6.x), V(valkey8)). Required to create; it cannot change.
    type: str
  description:
    description: The group's description (set on creation only; AWS cannot change it).
    type: str
    default: ""
  parameters:
    description: Parameter names and values (values are passed as strings).
    type: dict
    default: {}
  state:
    description: Whether the group exists.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Redis 7 parameters of the order cache
  ninetynine.trading_infra.elasticache_parameter_group:
    name: trading-prod-redis
    family: redis7
    parameters:
      maxmemory-policy: volatile-lru
"""

RETURN = r"""
parameters:
  description: The user-set parameters after the run.
  returned: when state is present
  type: dict
  sample: {"maxmemory-policy": "volatile-lru"}
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["create parameter group trading-prod-redis (redis7)", "set maxmemory-policy=volatile-lru"]
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator


def as_text(value):
    return str(value).lower() if isinstance(value, bool) else str(value)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        family=dict(type="str"),
        description=dict(type="str", default=""),
        parameters=dict(type="dict", default={}),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    name = p["name"]
    client = module.client("elasticache", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    try:
        try:
            group = client.describe_cache_parameter_groups(CacheParameterGroupName=name, aws_retry=True)[
                "CacheParameterGroups"
            ][0]
        except is_boto3_error_code("CacheParameterGroupNotFound"):
            group = None
        have = {}
        if group is not None:
            rows = paginate(
                client, "describe_cache_parameters", "Parameters", CacheParameterGroupName=name, Source="user"
            )
            have = {r["ParameterName"]: r.get("ParameterValue", "") for r in rows}
        before = {"family": group["CacheParameterGroupFamily"], "parameters": have} if group else {}

        if p["state"] == "absent":
            if group is not None:
                plan.do(
                    f"delete parameter group {name}",
                    client.delete_cache_parameter_group,
                    CacheParameterGroupName=name,
                    aws_retry=True,
                )
            plan.exit_json(module, before, {})

        want = {k: as_text(v) for k, v in p["parameters"].items()}
        if group is None:
            if not p["family"]:
                module.fail_json(msg=f"family is needed to create parameter group {name}")
            plan.do(
                f"create parameter group {name} ({p['family']})",
                client.create_cache_parameter_group,
                CacheParameterGroupName=name,
                CacheParameterGroupFamily=p["family"],
                Description=p["description"] or name,
                aws_retry=True,
            )
        elif p["family"] and p["family"] != group["CacheParameterGroupFamily"]:
            module.fail_json(
                msg=f"parameter group {name} is of family {group['CacheParameterGroupFamily']}; "
                f"AWS cannot change it to {p['family']} (create a group of the new family)"
            )
        changed = {k: v for k, v in want.items() if have.get(k) != v}
        if changed:
            items = sorted(changed.items())
            for start in range(0, len(items), 20):  # ModifyCacheParameterGroup takes 20 at a time
                batch = items[start : start + 20]
                plan.do(
                    "set " + ", ".join(f"{k}={v}" for k, v in batch),
                    client.modify_cache_parameter_group,
                    CacheParameterGroupName=name,
                    ParameterNameValues=[{"ParameterName": k, "ParameterValue": v} for k, v in batch],
                    aws_retry=True,
                )
        dropped = sorted(k for k in have if k not in want)
        if dropped:
            plan.do(
                "reset " + ", ".join(dropped) + " to the engine default",
                client.reset_cache_parameter_group,
                CacheParameterGroupName=name,
                ParameterNameValues=[{"ParameterName": k} for k in dropped],
                aws_retry=True,
            )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"parameter group {name} reconciliation failed", actions=plan.actions)
    after = {"family": (group or {}).get("CacheParameterGroupFamily", p["family"]), "parameters": want}
    plan.exit_json(module, before, after, parameters=want)


if __name__ == "__main__":
    main()
