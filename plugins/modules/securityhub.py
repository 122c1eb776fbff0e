#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: securityhub
short_description: Enable AWS Security Hub with exactly the security standards named
version_added: 1.0.0
description:
  - Enables Security Hub in the region without its default standards, then brings the enabled
    standards to the list given (enabling the missing ones and, with O(purge_standards), disabling
    the others), and waits until every subscription is ready.
  - Standards are named by short names (V(cis-1.2), V(cis-1.4), V(cis-3.0), V(fsbp), V(nist-800-53),
    V(pci-dss-3.2.1)) or by their ARN; the ARNs are read from DescribeStandards, so the region's own
    catalogue decides what exists.
  - amazon.aws and community.aws have no Security Hub module.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  standards:
    description: The standards to have enabled, by short name or ARN.
    type: list
    elements: str
    default: []
  purge_standards:
    description: Disable enabled standards that O(standards) does not list.
    type: bool
    default: true
  control_finding_generator:
    description:
      - V(SECURITY_CONTROL) produces one finding per control across standards (AWS's recommendation);
        V(STANDARD_CONTROL) one per standard. Only applied when the hub is enabled by this module.
    type: str
    default: SECURITY_CONTROL
    choices: [SECURITY_CONTROL, STANDARD_CONTROL]
  state:
    description: V(absent) disables Security Hub in the region (and with it every standard).
    type: str
    default: present
    choices: [present, absent]
  wait_timeout:
    description: Seconds to wait for standards subscriptions to become ready (or go away).
    type: int
    default: 300
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Security Hub with the CIS benchmark and AWS Foundational Security Best Practices
  ninetynine.trading_infra.securityhub:
    standards: [cis-1.4, fsbp]
    tags:
      Environment: prod

- name: Turn it off
  ninetynine.trading_infra.securityhub:
    state: absent
"""

RETURN = r"""
hub_arn:
  description: ARN of the hub (null when disabled, or in check mode before it is enabled).
  returned: always
  type: str
  sample: arn:aws:securityhub:us-east-1:123456789012:hub/default
standards:
  description: The enabled standards.
  returned: when state is present
  type: list
  elements: dict
  contains:
    name:
      description: The short name, or the ARN when the standard has none.
      type: str
    standards_arn:
      description: ARN of the standard.
      type: str
    subscription_arn:
      description: ARN of the subscription (null in check mode before it exists).
      type: str
    status:
      description: Subscription status (READY once enabled).
      type: str
  sample:
    - name: fsbp
      standards_arn: arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0
      status: READY
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["enable Security Hub", "enable standard fsbp"]
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
      sample: "Security Hub"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "us-east-1"
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
        - "enable Security Hub (no default standards)"
        - "enable standards fsbp"
  sample:
    - kind: "Security Hub"
      name: "us-east-1"
      action: create
      changes:
        - "enable Security Hub (no default standards)"
        - "enable standards fsbp"
"""

import time

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags

# Short name -> the tail of the standard's ARN (after "ruleset/" or "standards/").
SHORT_NAMES = {
    "cis-1.2": "cis-aws-foundations-benchmark/v/1.2.0",
    "cis-1.4": "cis-aws-foundations-benchmark/v/1.4.0",
    "cis-3.0": "cis-aws-foundations-benchmark/v/3.0.0",
    "fsbp": "aws-foundational-security-best-practices/v/1.0.0",
    "nist-800-53": "nist-800-53/v/5.0.0",
    "pci-dss-3.2.1": "pci-dss/v/3.2.1",
}


def short_name(arn):
    return next((n for n, tail in SHORT_NAMES.items() if arn.endswith("/" + tail)), arn)


def resolve(module, catalogue, names):
    """Standards ARNs for the names given; fails, naming the unknown ones, before any write."""
    arns, unknown = [], []
    for name in names:
        if name.startswith("arn:"):
            found = name if name in catalogue else None
        else:
            tail = SHORT_NAMES.get(name)
            found = next((a for a in catalogue if tail and a.endswith("/" + tail)), None)
        if found:
            arns.append(found)
        else:
            unknown.append(name)
    if unknown:
        module.fail_json(
            msg=f"unknown Security Hub standards {unknown}: use one of {', '.join(SHORT_NAMES)} or an ARN "
            "that DescribeStandards lists in this region"
        )
    return arns


def main():
    argument_spec = dict(
        standards=dict(type="list", elements="str", default=[]),
        purge_standards=dict(type="bool", default=True),
        control_finding_generator=dict(
            type="str", default="SECURITY_CONTROL", choices=["SECURITY_CONTROL", "STANDARD_CONTROL"]
        ),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait_timeout=dict(type="int", default=300),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    client = module.client("securityhub", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)

    try:
        try:
            hub = client.describe_hub(aws_retry=True)
        except is_boto3_error_code("InvalidAccessException"):
            hub = None
        enabled = paginate(client, "get_enabled_standards", "StandardsSubscriptions") if hub else []
        enabled = [s for s in enabled if s["StandardsStatus"] not in ("DELETING", "FAILED")]
        before = {"enabled": hub is not None, "standards": sorted(short_name(s["StandardsArn"]) for s in enabled)}
        # One hub per account and region, named by nothing else; its standards are its own changes.
        plan.about("Security Hub", module.region, exists=hub is not None, wanted=p["state"] == "present")

        if p["state"] == "absent":
            if hub:
                plan.do("disable Security Hub", client.disable_security_hub, aws_retry=True)
            plan.exit_json(module, before, {"enabled": False, "standards": []}, hub_arn=None)

        catalogue = [s["StandardsArn"] for s in paginate(client, "describe_standards", "Standards")]
        wanted = resolve(module, catalogue, p["standards"])
        wanted_tags = p["tags"] or {}
        if hub is None:
            plan.do(
                "enable Security Hub (no default standards)",
                client.enable_security_hub,
                EnableDefaultStandards=False,
                ControlFindingGenerator=p["control_finding_generator"],
                # Security Hub's Tags map takes at least one tag: none at all is sent as no map.
                **({"Tags": wanted_tags} if wanted_tags else {}),
                aws_retry=True,
            )
            hub = {} if module.check_mode else client.describe_hub(aws_retry=True)
        elif p["tags"] is not None:
            arn = hub["HubArn"]
            plan_tags(
                plan,
                "hub",
                client.list_tags_for_resource(ResourceArn=arn, aws_retry=True)["Tags"],
                wanted_tags,
                p["purge_tags"],
                lambda tags: client.tag_resource(ResourceArn=arn, Tags=tags, aws_retry=True),
                lambda keys: client.untag_resource(ResourceArn=arn, TagKeys=keys, aws_retry=True),
            )

        have = {s["StandardsArn"]: s for s in enabled}
        missing = [a for a in wanted if a not in have]
        extra = [s for a, s in have.items() if a not in wanted] if p["purge_standards"] else []
        if missing:
            plan.do(
                f"enable standards {', '.join(short_name(a) for a in missing)}",
                client.batch_enable_standards,
                StandardsSubscriptionRequests=[{"StandardsArn": a} for a in missing],
                aws_retry=True,
            )
        if extra:
            plan.do(
                f"disable standards {', '.join(short_name(s['StandardsArn']) for s in extra)}",
                client.batch_disable_standards,
                StandardsSubscriptionArns=[s["StandardsSubscriptionArn"] for s in extra],
                aws_retry=True,
            )

        if (missing or extra) and not module.check_mode:
            enabled = wait_until_settled(module, client, set(wanted), p["wait_timeout"])
            have = {s["StandardsArn"]: s for s in enabled}
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg="Security Hub reconciliation failed", actions=plan.actions, resources=plan.resources
        )

    standards = [
        {
            "name": short_name(a),
            "standards_arn": a,
            "subscription_arn": have.get(a, {}).get("StandardsSubscriptionArn"),
            "status": have.get(a, {}).get("StandardsStatus", "PENDING"),
        }
        for a in wanted
    ]
    after = {
        "enabled": True,
        "standards": sorted(short_name(a) for a in wanted)
        + (sorted(short_name(a) for a in have if a not in wanted) if not p["purge_standards"] else []),
    }
    plan.exit_json(module, before, after, hub_arn=hub.get("HubArn"), standards=standards)


def wait_until_settled(module, client, wanted, timeout):
    """Poll until every wanted standard is READY (or INCOMPLETE) and no other is still going away."""
    deadline = time.monotonic() + timeout
    delay = 2
    while True:
        subs = paginate(client, "get_enabled_standards", "StandardsSubscriptions")
        states = {s["StandardsArn"]: s["StandardsStatus"] for s in subs}
        failed = [a for a in wanted if states.get(a) == "FAILED"]
        if failed:
            module.fail_json(msg=f"AWS could not enable standards {[short_name(a) for a in failed]}")
        ready = all(states.get(a) in ("READY", "INCOMPLETE") for a in wanted)
        leaving = any(st == "DELETING" for a, st in states.items() if a not in wanted)
        if ready and not leaving:
            return [s for s in subs if s["StandardsStatus"] != "DELETING"]
        if time.monotonic() > deadline:
            module.fail_json(msg=f"standards not settled after {timeout}s: {states}")
        time.sleep(delay)
        delay = min(delay * 2, 15)


if __name__ == "__main__":
    main()
