#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: cloudwatch_log_metric_filters
short_description: The metric filters of a CloudWatch Logs log group, as a set, in one call
version_added: 1.0.0
description:
  - Reads the metric filters of one log group once, then creates or replaces (PutMetricFilter)
    each filter of O(filters) that is missing or differs, and, with O(purge_prefix), deletes the
    filters whose name starts with the prefix that O(filters) does not list. Filters of other
    names are left alone.
  - amazon.aws.cloudwatchlogs_log_group_metric_filter handles one filter per invocation; the CIS
    AWS Foundations set is fourteen.
  - Metric filters carry no tags. PutMetricFilter is synchronous, so there is nothing to wait for.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  log_group_name:
    description: The log group the filters read (it must exist).
    type: str
    required: true
  filters:
    description: The filters wanted.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The filter's name (1 to 512 characters, no colon or asterisk).
        type: str
        required: true
      pattern:
        description: The filter pattern (at most 1,024 characters).
        type: str
        required: true
      metric_name:
        description: The metric the filter publishes to.
        type: str
        required: true
      metric_namespace:
        description: The metric's namespace.
        type: str
        required: true
      metric_value:
        description: What a matching event adds to the metric.
        type: str
        default: "1"
      default_value:
        description: What is published when nothing matches (none when omitted).
        type: float
  purge_prefix:
    description: Delete the log group's filters named with this prefix that O(filters) does not list.
    type: str
  state:
    description: V(absent) deletes the filters of O(filters) (and, with O(purge_prefix), those of the prefix).
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Root account usage counted from the CloudTrail log group (CIS 4.3)
  ninetynine.trading_infra.cloudwatch_log_metric_filters:
    log_group_name: /trading/prod/cloudtrail
    purge_prefix: trading-prod-cis-
    filters:
      - name: trading-prod-cis-root-usage
        pattern: >-
          { $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS
          && $.eventType != "AwsServiceEvent" }
        metric_name: RootAccountUsage
        metric_namespace: trading/prod/CIS
"""

RETURN = r"""
filters:
  description: The names of the filters of O(filters) after the run.
  returned: always
  type: list
  elements: str
  sample: ["trading-prod-cis-root-usage"]
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["create metric filter trading-prod-cis-root-usage", "delete metric filter trading-prod-cis-old"]
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
      sample: "metric filter"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "trading-prod-cis-root-usage"
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
        - "create metric filter trading-prod-cis-root-usage"
  sample:
    - kind: "metric filter"
      name: "trading-prod-cis-root-usage"
      action: create
      changes:
        - "create metric filter trading-prod-cis-root-usage"
"""

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator


def comparable(found):
    """DescribeMetricFilters' filter in the module's shape."""
    transformation = (found.get("metricTransformations") or [{}])[0]
    return {
        "pattern": found.get("filterPattern", ""),
        "metric_name": transformation.get("metricName"),
        "metric_namespace": transformation.get("metricNamespace"),
        "metric_value": transformation.get("metricValue"),
        "default_value": transformation.get("defaultValue"),
    }


def wanted(spec):
    return {
        "pattern": spec["pattern"],
        "metric_name": spec["metric_name"],
        "metric_namespace": spec["metric_namespace"],
        "metric_value": spec["metric_value"],
        "default_value": spec["default_value"],
    }


def problems(filters):
    found, seen = [], set()
    for index, spec in enumerate(filters):
        name = spec["name"]
        if not 1 <= len(name) <= 512 or ":" in name or "*" in name:
            found.append(f"filters[{index}].name: {name!r} must be 1-512 characters without ':' or '*'")
        if name in seen:
            found.append(f"filters[{index}].name: {name!r} is listed twice")
        seen.add(name)
        if len(spec["pattern"]) > 1024:
            found.append(f"filters[{index}].pattern: {len(spec['pattern'])} characters, at most 1024")
    return found


def main():
    argument_spec = dict(
        log_group_name=dict(type="str", required=True),
        filters=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                pattern=dict(type="str", required=True),
                metric_name=dict(type="str", required=True),
                metric_namespace=dict(type="str", required=True),
                metric_value=dict(type="str", default="1"),
                default_value=dict(type="float"),
            ),
        ),
        purge_prefix=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    refused = problems(p["filters"])
    if refused:
        module.fail_json(msg="; ".join(refused))
    client = module.client("logs", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    group = p["log_group_name"]
    try:
        groups = paginate(client, "describe_log_groups", "logGroups", logGroupNamePrefix=group)
        exists = any(g["logGroupName"] == group for g in groups)
        current = {}
        if exists:
            for found in paginate(client, "describe_metric_filters", "metricFilters", logGroupName=group):
                current[found["filterName"]] = comparable(found)
        elif p["state"] == "present" and p["filters"] and not module.check_mode:
            module.fail_json(msg=f"log group {group} does not exist: create it before its metric filters")
        before = {name: current[name] for name in sorted(current)}
        after = dict(before)
        listed = {spec["name"]: spec for spec in p["filters"]}
        if p["state"] == "present":
            for name, spec in listed.items():
                want = wanted(spec)
                if current.get(name) == want:
                    continue
                transformation = {
                    "metricName": spec["metric_name"],
                    "metricNamespace": spec["metric_namespace"],
                    "metricValue": spec["metric_value"],
                }
                if spec["default_value"] is not None:
                    transformation["defaultValue"] = spec["default_value"]
                plan.about("metric filter", name, exists=name in current)
                plan.do(
                    f"{'update' if name in current else 'create'} metric filter {name}",
                    client.put_metric_filter,
                    logGroupName=group,
                    filterName=name,
                    filterPattern=spec["pattern"],
                    metricTransformations=[transformation],
                    aws_retry=True,
                )
                after[name] = want
        doomed = [name for name in current if p["state"] == "absent" and name in listed]
        if p["purge_prefix"]:
            doomed += [
                name
                for name in current
                if name.startswith(p["purge_prefix"]) and (p["state"] == "absent" or name not in listed)
            ]
        for name in sorted(set(doomed)):
            plan.about("metric filter", name, wanted=False)
            plan.do(
                f"delete metric filter {name}",
                client.delete_metric_filter,
                logGroupName=group,
                filterName=name,
                aws_retry=True,
            )
            after.pop(name, None)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"metric filters of {group} failed", actions=plan.actions, resources=plan.resources)
    names = sorted(listed) if p["state"] == "present" else []
    plan.exit_json(module, before, after, filters=names)


if __name__ == "__main__":
    main()
