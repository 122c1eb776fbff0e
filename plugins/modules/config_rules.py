#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: config_rules
short_description: Keep a set of AWS Config managed rules as listed, in one call
version_added: 1.0.0
description:
  - Creates, updates and (with O(purge_prefix)) deletes AWS Config rules backed by AWS managed rules,
    so that the rules whose names start with the prefix are exactly the ones listed, with their
    parameters, scope, frequency and tags.
  - Reads every rule of the region in one paginated DescribeConfigRules call and writes only what
    differs. community.aws.config_rule handles one rule per call and has no purge.
  - A rule needs a configuration recorder in the region (see M(ninetynine.trading_infra.config_recording)).
  - Rules a service created (those of a conformance pack, or Security Hub's) are never touched, even
    when their names start with O(purge_prefix).
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  rules:
    description: The rules wanted.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Rule name (unique in the region, at most 128 characters).
        type: str
        required: true
      source_identifier:
        description: The AWS managed rule's identifier, such as V(IAM_PASSWORD_POLICY).
        type: str
        required: true
      description:
        description: What the rule checks.
        type: str
        default: ""
      input_parameters:
        description: The managed rule's parameters; values are sent as strings, as AWS Config stores them.
        type: dict
        default: {}
      resource_types:
        description: Resource types the rule evaluates on change (empty for periodic rules).
        type: list
        elements: str
        default: []
      maximum_execution_frequency:
        description: For periodic rules, how often they run.
        type: str
        choices: [One_Hour, Three_Hours, Six_Hours, Twelve_Hours, TwentyFour_Hours]
  purge_prefix:
    description:
      - Delete the rules whose names start with this prefix and are not listed in O(rules).
      - Every listed rule must start with it.
    type: str
  state:
    description: V(absent) deletes the listed rules and every rule of O(purge_prefix).
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
- name: CIS password policy and root MFA rules for dev
  ninetynine.trading_infra.config_rules:
    purge_prefix: trading-dev-
    rules:
      - name: trading-dev-iam-password-policy
        source_identifier: IAM_PASSWORD_POLICY
        input_parameters:
          MinimumPasswordLength: 14
        maximum_execution_frequency: TwentyFour_Hours
      - name: trading-dev-restricted-ssh
        source_identifier: INCOMING_SSH_DISABLED
        resource_types: [AWS::EC2::SecurityGroup]
    tags:
      Environment: dev
"""

RETURN = r"""
rules:
  description: The rules of the set after the run, with their ARN (null in check mode before creation).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "trading-dev-iam-password-policy",
            "arn": "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc123"}]
actions:
  description: What was done (or would be done in check mode), one line per change.
  returned: always
  type: list
  elements: str
  sample: ["create rule trading-dev-iam-password-policy"]
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
      sample: "Config rule"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "trading-dev-iam-password-policy"
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
        - "create rule trading-dev-iam-password-policy (IAM_PASSWORD_POLICY)"
  sample:
    - kind: "Config rule"
      name: "trading-dev-iam-password-policy"
      action: create
      changes:
        - "create rule trading-dev-iam-password-policy (IAM_PASSWORD_POLICY)"
"""

import json

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.concurrency import read_all
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator

FREQUENCIES = ["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"]


def _stringify(value):
    """A rule parameter as AWS Config takes it: a string; a list is comma-separated (``22,3389``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_stringify(item) for item in value)
    return str(value)


def rule_view(rule: dict) -> dict:
    """What the module owns of a rule, as DescribeConfigRules shows it."""
    params = rule.get("InputParameters") or "{}"
    try:
        params = json.loads(params) if isinstance(params, str) else params
    except ValueError:
        params = {"<unparsable>": params}
    scope = rule.get("Scope") or {}
    return {
        "source": (rule.get("Source") or {}).get("SourceIdentifier"),
        "owner": (rule.get("Source") or {}).get("Owner"),
        "description": rule.get("Description") or "",
        "input_parameters": {k: _stringify(v) for k, v in params.items()},
        "resource_types": sorted(scope.get("ComplianceResourceTypes") or []),
        "maximum_execution_frequency": rule.get("MaximumExecutionFrequency"),
    }


def wanted_view(spec: dict) -> dict:
    return {
        "source": spec["source_identifier"],
        "owner": "AWS",
        "description": spec["description"] or "",
        "input_parameters": {k: _stringify(v) for k, v in (spec["input_parameters"] or {}).items()},
        "resource_types": sorted(spec["resource_types"] or []),
        "maximum_execution_frequency": spec["maximum_execution_frequency"],
    }


def put_request(spec: dict, view: dict) -> dict:
    rule = {
        "ConfigRuleName": spec["name"],
        "Source": {"Owner": "AWS", "SourceIdentifier": view["source"]},
    }
    if view["description"]:
        rule["Description"] = view["description"]
    if view["input_parameters"]:
        rule["InputParameters"] = json.dumps(view["input_parameters"], sort_keys=True)
    if view["resource_types"]:
        rule["Scope"] = {"ComplianceResourceTypes": view["resource_types"]}
    if view["maximum_execution_frequency"]:
        rule["MaximumExecutionFrequency"] = view["maximum_execution_frequency"]
    return rule


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            rules=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    name=dict(type="str", required=True),
                    source_identifier=dict(type="str", required=True),
                    description=dict(type="str", default=""),
                    input_parameters=dict(type="dict", default={}),
                    resource_types=dict(type="list", elements="str", default=[]),
                    maximum_execution_frequency=dict(type="str", choices=FREQUENCIES),
                ),
            ),
            purge_prefix=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    names = [r["name"] for r in p["rules"]]
    for index, name in enumerate(names):
        if names.index(name) != index:
            module.fail_json(msg=f"rules[{index}] ({name}): the name is listed twice")
        if p["purge_prefix"] and not name.startswith(p["purge_prefix"]):
            module.fail_json(
                msg=f"rules[{index}] ({name}): the name does not start with purge_prefix {p['purge_prefix']!r}"
            )
        if len(name) > 128:
            module.fail_json(msg=f"rules[{index}] ({name}): longer than 128 characters")
    client = module.client("config", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    try:
        current = {
            r["ConfigRuleName"]: r
            for r in paginate(client, "describe_config_rules", "ConfigRules")
            if r["ConfigRuleName"] in names or (p["purge_prefix"] and r["ConfigRuleName"].startswith(p["purge_prefix"]))
        }
        # A rule a service owns (a conformance pack's, Security Hub's) is its service's to change.
        current = {
            n: r for n, r in current.items() if r.get("ConfigRuleState") != "DELETING" and not r.get("CreatedBy")
        }
        before = {n: rule_view(r) for n, r in sorted(current.items())}

        if p["state"] == "absent":
            for name in sorted(current):
                plan.about("Config rule", name, wanted=False)
                plan.do(f"delete rule {name}", client.delete_config_rule, ConfigRuleName=name, aws_retry=True)
            plan.exit_json(module, before, {}, rules=[])

        wanted_tags = {str(k): str(v) for k, v in (p["tags"] or {}).items()}
        # One tag read per rule (the API has no batch form): all of them at once.
        tags_of = (
            read_all(
                lambda arn: boto3_tag_list_to_ansible_dict(
                    paginate(client, "list_tags_for_resource", "Tags", ResourceArn=arn)
                ),
                [current[s["name"]]["ConfigRuleArn"] for s in p["rules"] if s["name"] in current],
            )
            if p["tags"] is not None
            else {}
        )
        after = {}
        for spec in p["rules"]:
            view = wanted_view(spec)
            after[spec["name"]] = view
            existing = current.get(spec["name"])
            plan.about("Config rule", spec["name"], exists=existing is not None)
            if existing is None:
                plan.do(
                    f"create rule {spec['name']} ({view['source']})",
                    client.put_config_rule,
                    ConfigRule=put_request(spec, view),
                    Tags=tag_list(wanted_tags),
                    aws_retry=True,
                )
                continue
            if before[spec["name"]] != view:
                changed = sorted(k for k in view if before[spec["name"]].get(k) != view[k])
                request = put_request(spec, view)
                request["ConfigRuleArn"] = existing["ConfigRuleArn"]
                request.pop("ConfigRuleName")
                # Tags go along: an update without them may clear them (the emulator does).
                extra = {"Tags": tag_list(wanted_tags)} if p["tags"] is not None else {}
                plan.do(
                    f"update rule {spec['name']} ({', '.join(changed)})",
                    client.put_config_rule,
                    ConfigRule=request,
                    aws_retry=True,
                    **extra,
                )
            if p["tags"] is not None:
                arn = existing["ConfigRuleArn"]
                plan_tags(
                    plan,
                    f"rule {spec['name']}",
                    tags_of[arn],
                    wanted_tags,
                    p["purge_tags"],
                    lambda tags, arn=arn: client.tag_resource(ResourceArn=arn, Tags=tag_list(tags), aws_retry=True),
                    lambda keys, arn=arn: client.untag_resource(ResourceArn=arn, TagKeys=keys, aws_retry=True),
                )
        if p["purge_prefix"]:
            for name in sorted(n for n in current if n not in after):
                plan.about("Config rule", name, wanted=False)
                plan.do(f"delete rule {name}", client.delete_config_rule, ConfigRuleName=name, aws_retry=True)
        arns = {n: r["ConfigRuleArn"] for n, r in current.items()}
        if not module.check_mode and any(n not in arns for n in names):
            for rule in paginate(
                client, "describe_config_rules", "ConfigRules", ConfigRuleNames=[n for n in names if n not in arns]
            ):
                arns[rule["ConfigRuleName"]] = rule["ConfigRuleArn"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg="AWS Config rule reconciliation failed", actions=plan.actions, resources=plan.resources
        )
    plan.exit_json(module, before, after, rules=[{"name": n, "arn": arns.get(n)} for n in names])


if __name__ == "__main__":
    main()
