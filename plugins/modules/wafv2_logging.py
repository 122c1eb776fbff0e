#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: wafv2_logging
short_description: Where an AWS WAF web ACL logs its traffic, with the fields it must not log
version_added: 1.0.0
description:
  - Finds the web ACL by name, reads its logging configuration, and puts the one given when it
    differs (PutLoggingConfiguration replaces it whole); V(absent) deletes it.
  - AWS WAF logs to one destination per web ACL, a CloudWatch Logs log group, an S3 bucket or a
    Kinesis Data Firehose stream whose name starts with C(aws-waf-logs-). The request's headers
    named in O(redacted_headers) are logged as C(REDACTED), so that tokens and session cookies never
    reach the logs.
  - community.aws has no module for a web ACL's logging.
  - A logging configuration has no tags. The calls are synchronous, so there is nothing to wait for.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  web_acl_name:
    description: The web ACL's name.
    type: str
    required: true
  web_acl_arn:
    description: The web ACL's ARN, when known (it spares a ListWebACLs); it must be the named web ACL's.
    type: str
  scope:
    description: V(REGIONAL) for a load balancer's web ACL, V(CLOUDFRONT) for a distribution's (us-east-1).
    type: str
    default: REGIONAL
    choices: [REGIONAL, CLOUDFRONT]
  destination_arn:
    description: The destination's ARN (required with V(present)); its name must start with C(aws-waf-logs-).
    type: str
  redacted_headers:
    description: Request headers logged as C(REDACTED) (lower case, compared as given).
    type: list
    elements: str
    default: [authorization, cookie]
  state:
    description: V(absent) turns the web ACL's logging off.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The edge web ACL logs to an encrypted log group, without credentials
  ninetynine.trading_infra.wafv2_logging:
    web_acl_name: trading-prod-edge
    destination_arn: arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-trading-prod
    redacted_headers: [authorization, cookie, x-api-key]
"""

RETURN = r"""
web_acl_arn:
  description: The web ACL's ARN (null when there is none of that name).
  returned: always
  type: str
  sample: arn:aws:wafv2:us-east-1:123456789012:regional/webacl/trading-prod-edge/a1b2c3d4
logging:
  description: The logging configuration after the run, as the module compares it (null when off).
  returned: always
  type: dict
  sample: {"destination_arn": "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-trading-prod",
           "redacted_headers": ["authorization", "cookie"]}
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["log web ACL trading-prod-edge to arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-trading-prod"]
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and
      the changes it gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, as the AWS console names it.
      type: str
      choices: [WAF logging]
    name:
      description: The web ACL's name (O(web_acl_name)); its logging configuration is the resource.
      type: str
    action:
      description: What happens to the resource.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets, as RV(actions) words them.
      type: list
      elements: str
  sample:
    - kind: WAF logging
      name: trading-prod-edge
      action: create
      changes:
        - log web ACL trading-prod-edge to arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-trading-prod
"""

import re

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator

# "Logging web ACL traffic" (AWS WAF Developer Guide): the destination's name starts with aws-waf-logs-.
DESTINATION_RE = re.compile(
    r"^arn:aws[a-z-]*:(?:logs:[a-z0-9-]+:\d{12}:log-group:|s3:::|firehose:[a-z0-9-]+:\d{12}:deliverystream/)aws-waf-logs-"
)


def comparable(configuration):
    if configuration is None:
        return None
    headers = [
        field["SingleHeader"]["Name"]
        for field in configuration.get("RedactedFields") or []
        if "SingleHeader" in field and "Name" in field["SingleHeader"]
    ]
    destinations = configuration.get("LogDestinationConfigs") or []
    return {"destination_arn": destinations[0] if destinations else None, "redacted_headers": sorted(headers)}


def find_web_acl(client, name, scope):
    marker = None
    while True:
        kwargs = {"Scope": scope, "Limit": 100}
        if marker:
            kwargs["NextMarker"] = marker
        page = client.list_web_acls(aws_retry=True, **kwargs)
        for acl in page.get("WebACLs", []):
            if acl["Name"] == name:
                return acl["ARN"]
        marker = page.get("NextMarker")
        if not marker or not page.get("WebACLs"):
            return None


def main():
    argument_spec = dict(
        web_acl_name=dict(type="str", required=True),
        web_acl_arn=dict(type="str"),
        scope=dict(type="str", default="REGIONAL", choices=["REGIONAL", "CLOUDFRONT"]),
        destination_arn=dict(type="str"),
        redacted_headers=dict(type="list", elements="str", default=["authorization", "cookie"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["destination_arn"])],
    )
    p = module.params
    if p["state"] == "present" and not DESTINATION_RE.match(p["destination_arn"]):
        module.fail_json(
            msg=f"destination_arn: {p['destination_arn']!r} must be a log group, bucket or Firehose stream "
            "whose name starts with aws-waf-logs-"
        )
    client = module.client("wafv2", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    try:
        arn = p["web_acl_arn"] or find_web_acl(client, p["web_acl_name"], p["scope"])
        if p["web_acl_arn"] and f"/webacl/{p['web_acl_name']}/" not in arn:
            module.fail_json(msg=f"web_acl_arn {arn} is not the ARN of a web ACL named {p['web_acl_name']}")
        before = None
        if arn:
            try:
                before = comparable(
                    client.get_logging_configuration(ResourceArn=arn, aws_retry=True)["LoggingConfiguration"]
                )
            except is_boto3_error_code("WAFNonexistentItemException"):
                before = None
        # The logging configuration is the resource, named by its web ACL.
        plan.about("WAF logging", p["web_acl_name"], exists=before is not None, wanted=p["state"] == "present")
        if p["state"] == "absent":
            if before is not None:
                plan.do(
                    f"stop logging web ACL {p['web_acl_name']}",
                    client.delete_logging_configuration,
                    ResourceArn=arn,
                    aws_retry=True,
                )
            plan.exit_json(module, before or {}, {}, web_acl_arn=arn, logging=None)
        wanted = {"destination_arn": p["destination_arn"], "redacted_headers": sorted(set(p["redacted_headers"]))}
        if arn is None and not module.check_mode:
            module.fail_json(msg=f"no {p['scope']} web ACL named {p['web_acl_name']}: create it before its logging")
        if before != wanted:
            plan.do(
                f"log web ACL {p['web_acl_name']} to {wanted['destination_arn']}"
                + (f", redacting {', '.join(wanted['redacted_headers'])}" if wanted["redacted_headers"] else ""),
                client.put_logging_configuration if arn else None,
                LoggingConfiguration={
                    "ResourceArn": arn,
                    "LogDestinationConfigs": [wanted["destination_arn"]],
                    "RedactedFields": [{"SingleHeader": {"Name": name}} for name in wanted["redacted_headers"]],
                },
                aws_retry=True,
            )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg=f"logging of web ACL {p['web_acl_name']} failed", actions=plan.actions, resources=plan.resources
        )
    plan.exit_json(module, before or {}, wanted, web_acl_arn=arn, logging=wanted)


if __name__ == "__main__":
    main()
