#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
short_description: Manage a CloudWatch dashboard from its body
version_added: 1.0.0
description:
  - Creates, updates or deletes one CloudWatch dashboard. The body is compared as data (key order
    and white space do not count), so a dashboard generated from the same inputs is left alone.
  - Fails with CloudWatch's own validation messages when the body is refused.
  - amazon.aws and community.aws have no dashboard module.
  - Supports check mode and diff mode.
  - Does not manage tags (the local AWS cannot show them yet).
author:
  - 99Tech platform engineering (@99tech)
options:
  name:
    description: Dashboard name (letters, digits, C(-) and C(_)).
    type: str
    required: true
  body:
    description:
      - The dashboard body, a dict (C(widgets) and optional C(start), C(periodOverride)...) or its JSON text.
      - Required with O(state=present).
    type: raw
  state:
    description: Whether the dashboard should exist.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: One graph of the load balancer's 5xx
  ninetynine.trading_infra.cloudwatch_dashboard:
    name: trading-prod
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: ALB 5xx
            region: us-east-1
            stat: Sum
            period: 60
            metrics:
              - [AWS/ApplicationELB, HTTPCode_Target_5XX_Count, LoadBalancer, app/trading-prod/0123456789abcdef]
"""

RETURN = r"""
dashboard_arn:
  description: ARN of the dashboard (null when absent, or in check mode before it exists).
  returned: always
  type: str
  sample: arn:aws:cloudwatch::123456789012:dashboard/trading-prod
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["create dashboard trading-prod"]
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
      sample: "dashboard"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "trading-prod"
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
        - "create dashboard trading-prod"
  sample:
    - kind: "dashboard"
      name: "trading-prod"
      action: create
      changes:
        - "create dashboard trading-prod"
"""

import json

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        body=dict(type="raw"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["body"])],
    )
    p = module.params
    wanted = None
    if p["state"] == "present":
        try:
            wanted = json.loads(p["body"]) if isinstance(p["body"], str) else p["body"]
        except ValueError as e:
            module.fail_json(msg=f"body is not valid JSON: {e}")
        if not isinstance(wanted, dict) or not isinstance(wanted.get("widgets"), list):
            module.fail_json(msg="body must be a dict with a list of widgets")
    client = module.client("cloudwatch", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    try:
        try:
            current = client.get_dashboard(DashboardName=p["name"], aws_retry=True)
        except is_boto3_error_code(["ResourceNotFound", "ResourceNotFoundException"]):
            current = None
        before = json.loads(current["DashboardBody"]) if current else {}
        arn = current["DashboardArn"] if current else None
        plan.about("dashboard", p["name"], exists=current is not None, wanted=p["state"] == "present")
        if p["state"] == "absent":
            if current:
                plan.do(
                    f"delete dashboard {p['name']}",
                    client.delete_dashboards,
                    DashboardNames=[p["name"]],
                    aws_retry=True,
                )
            plan.exit_json(module, before, {}, dashboard_arn=None)
        if before != wanted:
            verb = "update" if current else "create"
            response = plan.do(
                f"{verb} dashboard {p['name']}",
                client.put_dashboard,
                DashboardName=p["name"],
                DashboardBody=json.dumps(wanted, sort_keys=True),
                aws_retry=True,
            )
            problems = (response or {}).get("DashboardValidationMessages") or []
            if problems:
                module.fail_json(
                    msg=f"CloudWatch refused the dashboard body: {problems}",
                    actions=plan.actions,
                    resources=plan.resources,
                )
            if response is not None and arn is None:
                arn = client.get_dashboard(DashboardName=p["name"], aws_retry=True)["DashboardArn"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="dashboard reconciliation failed", actions=plan.actions, resources=plan.resources)
    plan.exit_json(module, before, wanted, dashboard_arn=arn)


if __name__ == "__main__":
    main()
