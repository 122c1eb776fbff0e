#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: config_conformance_pack
short_description: An AWS Config conformance pack from a template, deployed and waited for
version_added: 1.0.0
description:
  - Deploys a conformance pack (a set of Config rules and remediations managed as one, with its
    own compliance score) from a CloudFormation template, and waits until it is deployed.
  - AWS never returns a pack's template, so the module cannot compare it. It adds a parameter,
    C(AnsibleTemplateDigest), to the template and passes the SHA-256 of the template as its value;
    a later run compares that value, and re-deploys only when the template or the parameters
    changed. A pack deployed by other means is re-deployed once, then left alone.
  - Needs a configuration recorder in the region. amazon.aws and community.aws have no conformance
    pack module.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  name:
    description: Name of the conformance pack (letters, digits and hyphens, starting with a letter).
    type: str
    required: true
  template_body:
    description:
      - The CloudFormation template, as a mapping or as YAML or JSON text. Required when
        O(state=present).
    type: raw
  input_parameters:
    description: Values for the template's parameters, by name (values are passed as strings).
    type: dict
    default: {}
  delivery_s3_bucket:
    description: Bucket for the pack's evaluation results (its name must start with C(awsconfigconforms)).
    type: str
  delivery_s3_key_prefix:
    description: Key prefix in O(delivery_s3_bucket).
    type: str
  state:
    description: Whether the pack exists.
    type: str
    default: present
    choices: [present, absent]
  wait_timeout:
    description: Seconds to wait for the pack to be deployed or deleted.
    type: int
    default: 900
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The environment's CIS rules as one conformance pack
  ninetynine.trading_infra.config_conformance_pack:
    name: trading-staging-cis
    template_body:
      Resources:
        RootAccountMfaEnabled:
          Type: AWS::Config::ConfigRule
          Properties:
            ConfigRuleName: root-account-mfa-enabled
            Source: {Owner: AWS, SourceIdentifier: ROOT_ACCOUNT_MFA_ENABLED}
            MaximumExecutionFrequency: TwentyFour_Hours

- name: Remove it
  ninetynine.trading_infra.config_conformance_pack:
    name: trading-staging-cis
    state: absent
"""

RETURN = r"""
conformance_pack:
  description: The pack after the run (null when absent; ARN null in check mode before creation).
  returned: always
  type: dict
  sample:
    name: trading-staging-cis
    arn: arn:aws:config:us-east-1:123456789012:conformance-pack/trading-staging-cis/conformance-pack-abc
    state: CREATE_COMPLETE
    template_digest: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    input_parameters: {"MaxPasswordAge": "90"}
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["deploy conformance pack trading-staging-cis (template changed)"]
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
      sample: "conformance pack"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "trading-staging-cis"
    action:
      description: What happens to the resource, one of V(create), V(change) or V(delete).
      returned: always
      type: str
      sample: change
    changes:
      description: The changes it gets, as in RV(actions).
      returned: always
      type: list
      elements: str
      sample:
        - "deploy conformance pack trading-staging-cis (template changed)"
  sample:
    - kind: "conformance pack"
      name: "trading-staging-cis"
      action: change
      changes:
        - "deploy conformance pack trading-staging-cis (template changed)"
"""

import hashlib
import json
import time

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

try:
    import yaml

    HAS_YAML = True
except ImportError:
    HAS_YAML = False

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator

DIGEST = "AnsibleTemplateDigest"
MAX_TEMPLATE_BYTES = 51200


def load_template(module, template):
    if isinstance(template, str):
        try:
            template = yaml.safe_load(template)
        except yaml.YAMLError as e:
            module.fail_json(msg=f"template_body is neither YAML nor JSON: {e}")
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict) or not template["Resources"]:
        module.fail_json(msg="template_body must be a CloudFormation template with at least one resource")
    return template


def deployable(template):
    """The template as sent (with the digest parameter declared) and the digest of the original."""
    canonical = json.dumps(template, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    sent = dict(template)
    sent["Parameters"] = dict(template.get("Parameters") or {})
    sent["Parameters"][DIGEST] = {"Type": "String", "Default": "", "Description": "Set by Ansible: template digest"}
    return json.dumps(sent, sort_keys=True, separators=(",", ":"), default=str), digest


def describe(client, name):
    try:
        packs = client.describe_conformance_packs(ConformancePackNames=[name], aws_retry=True)
    except is_boto3_error_code("NoSuchConformancePackException"):
        return None
    return next((p for p in packs.get("ConformancePackDetails", []) if p["ConformancePackName"] == name), None)


def status(client, name):
    answer = client.describe_conformance_pack_status(ConformancePackNames=[name], aws_retry=True)
    return next((s for s in answer.get("ConformancePackStatusDetails", []) if s["ConformancePackName"] == name), None)


def wait(module, client, name, gone, timeout):
    deadline = time.monotonic() + timeout
    delay = 3
    while True:
        try:
            current = status(client, name)
        except is_boto3_error_code("NoSuchConformancePackException"):
            current = None
        if gone and current is None:
            return None
        state = (current or {}).get("ConformancePackState")
        if state in ("CREATE_FAILED", "DELETE_FAILED"):
            module.fail_json(
                msg=f"conformance pack {name}: {state}: {current.get('ConformancePackStatusReason', 'no reason given')}"
            )
        if not gone and state == "CREATE_COMPLETE":
            return current
        if time.monotonic() > deadline:
            module.fail_json(msg=f"conformance pack {name} still {state} after {timeout}s")
        time.sleep(delay)
        delay = min(delay * 2, 20)


def summary(pack, state=None):
    if pack is None:
        return {}
    params = {p["ParameterName"]: p["ParameterValue"] for p in pack.get("ConformancePackInputParameters", [])}
    return {
        "name": pack["ConformancePackName"],
        "arn": pack.get("ConformancePackArn"),
        "state": state,
        "template_digest": params.pop(DIGEST, None),
        "input_parameters": params,
        "delivery_s3_bucket": pack.get("DeliveryS3Bucket"),
        "delivery_s3_key_prefix": pack.get("DeliveryS3KeyPrefix"),
    }


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        template_body=dict(type="raw"),
        input_parameters=dict(type="dict", default={}),
        delivery_s3_bucket=dict(type="str"),
        delivery_s3_key_prefix=dict(type="str", no_log=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait_timeout=dict(type="int", default=900),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["template_body"])],
    )
    if not HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"))
    p = module.params
    name = p["name"]
    if p["state"] == "present":
        template_text, digest = deployable(load_template(module, p["template_body"]))
        if len(template_text.encode()) > MAX_TEMPLATE_BYTES:
            module.fail_json(msg=f"template_body is {len(template_text.encode())} bytes; AWS takes at most 51200")
        if DIGEST in p["input_parameters"]:
            module.fail_json(msg=f"input_parameters: {DIGEST} is the module's own parameter")
        bucket = p["delivery_s3_bucket"]
        if bucket and not bucket.startswith("awsconfigconforms"):
            module.fail_json(msg=f"delivery_s3_bucket: {bucket!r} must start with 'awsconfigconforms'")
    client = module.client("config", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)

    try:
        pack = describe(client, name)
        before = summary(pack, (status(client, name) or {}).get("ConformancePackState") if pack else None)
        plan.about("conformance pack", name, exists=pack is not None, wanted=p["state"] == "present")

        if p["state"] == "absent":
            if pack is not None:
                plan.do(
                    f"delete conformance pack {name}",
                    client.delete_conformance_pack,
                    ConformancePackName=name,
                    aws_retry=True,
                )
                if not module.check_mode:
                    wait(module, client, name, True, p["wait_timeout"])
            plan.exit_json(module, before, {}, conformance_pack=None)

        params = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in p["input_parameters"].items()}
        after = {
            "name": name,
            "arn": before.get("arn"),
            "state": "CREATE_COMPLETE",
            "template_digest": digest,
            "input_parameters": params,
            "delivery_s3_bucket": bucket,
            "delivery_s3_key_prefix": p["delivery_s3_key_prefix"],
        }
        reasons = []
        if pack is None:
            reasons.append("new")
        else:
            if before["template_digest"] != digest:
                reasons.append("template changed")
            if before["input_parameters"] != params:
                reasons.append("parameters changed")
            if (before["delivery_s3_bucket"], before["delivery_s3_key_prefix"]) != (
                bucket,
                p["delivery_s3_key_prefix"],
            ):
                reasons.append("delivery changed")
            if before["state"] != "CREATE_COMPLETE":
                reasons.append(f"was {before['state']}")
        if reasons:
            request = dict(
                ConformancePackName=name,
                TemplateBody=template_text,
                ConformancePackInputParameters=[
                    {"ParameterName": k, "ParameterValue": v}
                    for k, v in sorted(dict(params, **{DIGEST: digest}).items())
                ],
            )
            if bucket:
                request["DeliveryS3Bucket"] = bucket
            if p["delivery_s3_key_prefix"]:
                request["DeliveryS3KeyPrefix"] = p["delivery_s3_key_prefix"]
            answer = plan.do(
                f"deploy conformance pack {name} ({', '.join(reasons)})",
                client.put_conformance_pack,
                aws_retry=True,
                **request,
            )
            if answer:
                after["arn"] = answer["ConformancePackArn"]
                wait(module, client, name, False, p["wait_timeout"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg=f"conformance pack {name} reconciliation failed", actions=plan.actions, resources=plan.resources
        )

    plan.exit_json(module, before, after, conformance_pack=after)


if __name__ == "__main__":
    main()
