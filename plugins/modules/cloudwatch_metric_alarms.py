#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: cloudwatch_metric_alarms
short_description: Keep a whole set of CloudWatch metric alarms as listed, in one call
version_added: 1.0.0
description:
  - Creates, updates and (with O(purge_prefix)) deletes CloudWatch metric alarms so that the alarms
    whose names start with the prefix are exactly the ones listed. Simple metric alarms and metric
    math alarms (O(alarms[].metrics)) are both supported.
  - Reads every alarm of the prefix in one paginated DescribeAlarms call, then writes only what
    differs, so a run with nothing to do makes no write. amazon.aws.cloudwatch_metric_alarm handles one
    alarm per call and has no purge, so a set of alarms takes a module call each.
  - Tags are applied to every alarm of the set and kept in step (CloudWatch ignores tags given to
    PutMetricAlarm for an existing alarm, so they are synchronised with TagResource/UntagResource).
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  alarms:
    description: The alarms wanted.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Alarm name (unique in the account and region).
        type: str
        required: true
      description:
        description: Alarm description.
        type: str
        default: ""
      namespace:
        description: Metric namespace (simple alarms).
        type: str
      metric_name:
        description: Metric name (simple alarms).
        type: str
      dimensions:
        description: Metric dimensions, as a list of C(Name)/C(Value) or a dict.
        type: raw
      statistic:
        description: Statistic (simple alarms); exclusive with O(alarms[].extended_statistic).
        type: str
        choices: [SampleCount, Average, Sum, Minimum, Maximum]
      extended_statistic:
        description: Percentile statistic such as V(p99) (simple alarms).
        type: str
      period:
        description: Seconds per datapoint (simple alarms).
        type: int
      unit:
        description: Metric unit (simple alarms).
        type: str
      metrics:
        description:
          - Metric math queries in the PutMetricAlarm C(Metrics) shape (C(Id), C(Expression) or C(MetricStat),
            C(ReturnData), C(Label)); exclusive with the simple metric options.
        type: list
        elements: dict
      evaluation_periods:
        description: Periods the alarm looks at.
        type: int
        required: true
      datapoints_to_alarm:
        description: Breaching datapoints among the evaluation periods that trigger the alarm (default all of them).
        type: int
      threshold:
        description: The threshold.
        type: float
        required: true
      comparison_operator:
        description: How the metric compares with the threshold.
        type: str
        required: true
        choices: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold]
      treat_missing_data:
        description: How missing datapoints count.
        type: str
        default: missing
        choices: [breaching, notBreaching, ignore, missing]
  alarm_actions:
    description: ARNs notified when an alarm of the set goes to ALARM (usually an SNS topic).
    type: list
    elements: str
    default: []
  ok_actions:
    description: ARNs notified when an alarm of the set returns to OK.
    type: list
    elements: str
    default: []
  insufficient_data_actions:
    description: ARNs notified when an alarm of the set has insufficient data.
    type: list
    elements: str
    default: []
  purge_prefix:
    description:
      - Delete the alarms whose names start with this prefix and are not listed in O(alarms).
      - Every listed alarm must start with it, so that the set is well defined.
    type: str
  state:
    description: V(absent) deletes the listed alarms and every alarm of O(purge_prefix).
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
- name: The environment's alarms, to the alerts topic
  ninetynine.trading_infra.cloudwatch_metric_alarms:
    purge_prefix: trading-dev-
    alarm_actions: ["{{ topic_arn }}"]
    ok_actions: ["{{ topic_arn }}"]
    alarms:
      - name: trading-dev-alb-p99-latency
        namespace: AWS/ApplicationELB
        metric_name: TargetResponseTime
        dimensions: {LoadBalancer: app/trading-dev/50dc6c495c0c9188}
        extended_statistic: p99
        period: 60
        evaluation_periods: 5
        datapoints_to_alarm: 3
        threshold: 0.1
        comparison_operator: GreaterThanThreshold
        treat_missing_data: notBreaching
    tags:
      Environment: dev

- name: Remove them all
  ninetynine.trading_infra.cloudwatch_metric_alarms:
    purge_prefix: trading-dev-
    state: absent
"""

RETURN = r"""
alarms:
  description: The alarms of the set after the run, by name, with their ARN.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "trading-dev-alb-p99-latency",
            "arn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:trading-dev-alb-p99-latency"}]
actions:
  description: What was done (or would be done in check mode), one line per change.
  returned: always
  type: list
  elements: str
  sample: ["create alarm trading-dev-alb-p99-latency", "delete alarm trading-dev-nat-packet-drops-us-east-1c"]
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
      sample: "alarm"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "trading-dev-alb-p99-latency"
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
        - "update alarm trading-dev-alb-p99-latency (Threshold)"
        - "tag alarm trading-dev-alb-p99-latency: set Environment"
  sample:
    - kind: "alarm"
      name: "trading-dev-alb-p99-latency"
      action: change
      changes:
        - "update alarm trading-dev-alb-p99-latency (Threshold)"
        - "tag alarm trading-dev-alb-p99-latency: set Environment"
"""

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

SIMPLE = ("namespace", "metric_name", "statistic", "extended_statistic", "period")
# The fields of PutMetricAlarm the module owns, as DescribeAlarms reports them.
FIELDS = (
    "AlarmDescription",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "Metrics",
)


def _dimensions(value):
    if not value:
        return []
    if isinstance(value, dict):
        value = [{"Name": k, "Value": v} for k, v in value.items()]
    return sorted(({"Name": str(d["Name"]), "Value": str(d["Value"])} for d in value), key=lambda d: d["Name"])


def _query(query):
    """One metric math query, normalised so a described one and a wanted one compare equal."""
    out = {"Id": query["Id"], "ReturnData": query.get("ReturnData", True)}
    for key in ("Expression", "Label", "AccountId"):
        if query.get(key):
            out[key] = query[key]
    if query.get("Period"):
        out["Period"] = int(query["Period"])
    if query.get("MetricStat"):
        stat = query["MetricStat"]
        metric = stat["Metric"]
        out["MetricStat"] = {
            "Metric": {
                "Namespace": metric["Namespace"],
                "MetricName": metric["MetricName"],
                "Dimensions": _dimensions(metric.get("Dimensions")),
            },
            "Period": int(stat["Period"]),
            "Stat": stat["Stat"],
        }
        if stat.get("Unit"):
            out["MetricStat"]["Unit"] = stat["Unit"]
    return out


def normalise(alarm: dict) -> dict:
    """The owned fields of an alarm in PutMetricAlarm's shape, defaults filled in, empties dropped."""
    out = {key: alarm[key] for key in FIELDS if alarm.get(key) not in (None, "", [])}
    out.setdefault("ActionsEnabled", True)
    out.setdefault("TreatMissingData", "missing")
    out.setdefault("DatapointsToAlarm", out.get("EvaluationPeriods"))
    out["Threshold"] = float(out["Threshold"])
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        out[key] = sorted(out.get(key, []))
    if "Dimensions" in out:
        out["Dimensions"] = _dimensions(out["Dimensions"])
    if "Metrics" in out:
        out["Metrics"] = [_query(q) for q in out["Metrics"]]
    out.setdefault("AlarmDescription", "")
    return out


def wanted_alarm(spec: dict, params: dict) -> dict:
    alarm = {
        "AlarmName": spec["name"],
        "AlarmDescription": spec.get("description") or "",
        "ActionsEnabled": True,
        "AlarmActions": params["alarm_actions"],
        "OKActions": params["ok_actions"],
        "InsufficientDataActions": params["insufficient_data_actions"],
        "EvaluationPeriods": spec["evaluation_periods"],
        "DatapointsToAlarm": spec.get("datapoints_to_alarm") or spec["evaluation_periods"],
        "Threshold": spec["threshold"],
        "ComparisonOperator": spec["comparison_operator"],
        "TreatMissingData": spec.get("treat_missing_data") or "missing",
    }
    if spec.get("metrics"):
        alarm["Metrics"] = spec["metrics"]
    else:
        alarm.update(
            Namespace=spec["namespace"],
            MetricName=spec["metric_name"],
            Dimensions=_dimensions(spec.get("dimensions")),
            Period=spec["period"],
        )
        if spec.get("extended_statistic"):
            alarm["ExtendedStatistic"] = spec["extended_statistic"]
        else:
            alarm["Statistic"] = spec["statistic"]
        if spec.get("unit"):
            alarm["Unit"] = spec["unit"]
    return alarm


def check_specs(module):
    p = module.params
    names = set()
    for index, spec in enumerate(p["alarms"]):
        where = f"alarms[{index}] ({spec['name']})"
        if spec["name"] in names:
            module.fail_json(msg=f"{where}: the name is listed twice")
        names.add(spec["name"])
        if p["purge_prefix"] and not spec["name"].startswith(p["purge_prefix"]):
            module.fail_json(msg=f"{where}: the name does not start with purge_prefix {p['purge_prefix']!r}")
        simple = [k for k in SIMPLE if spec.get(k) is not None]
        if spec.get("metrics"):
            if simple:
                module.fail_json(msg=f"{where}: metrics cannot be combined with {', '.join(simple)}")
            if sum(1 for q in spec["metrics"] if q.get("ReturnData", True)) != 1:
                module.fail_json(msg=f"{where}: exactly one of the metrics must have ReturnData true")
        else:
            missing = [k for k in ("namespace", "metric_name", "period") if spec.get(k) is None]
            if missing:
                module.fail_json(msg=f"{where}: a simple alarm needs {', '.join(missing)} (or give metrics)")
            if bool(spec.get("statistic")) == bool(spec.get("extended_statistic")):
                module.fail_json(msg=f"{where}: give exactly one of statistic and extended_statistic")
        if spec.get("datapoints_to_alarm") and spec["datapoints_to_alarm"] > spec["evaluation_periods"]:
            module.fail_json(msg=f"{where}: datapoints_to_alarm exceeds evaluation_periods")


def delete_alarms(plan, client, names):
    """One entry per alarm, one DeleteAlarms call per hundred of them."""
    for start in range(0, len(names), 100):
        batch = names[start : start + 100]
        for name in batch:
            plan.about("alarm", name, wanted=False)
            if name == batch[-1]:
                plan.do(f"delete alarm {name}", client.delete_alarms, AlarmNames=batch, aws_retry=True)
            else:
                plan.do(f"delete alarm {name}")


def main():
    alarm_options = dict(
        name=dict(type="str", required=True),
        description=dict(type="str", default=""),
        namespace=dict(type="str"),
        metric_name=dict(type="str"),
        dimensions=dict(type="raw"),
        statistic=dict(type="str", choices=["SampleCount", "Average", "Sum", "Minimum", "Maximum"]),
        extended_statistic=dict(type="str"),
        period=dict(type="int"),
        unit=dict(type="str"),
        metrics=dict(type="list", elements="dict"),
        evaluation_periods=dict(type="int", required=True),
        datapoints_to_alarm=dict(type="int"),
        threshold=dict(type="float", required=True),
        comparison_operator=dict(
            type="str",
            required=True,
            choices=[
                "GreaterThanOrEqualToThreshold",
                "GreaterThanThreshold",
                "LessThanThreshold",
                "LessThanOrEqualToThreshold",
            ],
        ),
        treat_missing_data=dict(
            type="str", default="missing", choices=["breaching", "notBreaching", "ignore", "missing"]
        ),
    )
    module = AnsibleAWSModule(
        argument_spec=dict(
            alarms=dict(type="list", elements="dict", default=[], options=alarm_options),
            alarm_actions=dict(type="list", elements="str", default=[]),
            ok_actions=dict(type="list", elements="str", default=[]),
            insufficient_data_actions=dict(type="list", elements="str", default=[]),
            purge_prefix=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    check_specs(module)
    client = module.client("cloudwatch", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    names = [a["name"] for a in p["alarms"]]
    try:
        current = {}
        if p["purge_prefix"]:
            for alarm in paginate(
                client, "describe_alarms", "MetricAlarms", AlarmNamePrefix=p["purge_prefix"], AlarmTypes=["MetricAlarm"]
            ):
                current[alarm["AlarmName"]] = alarm
        outside = [n for n in names if n not in current]
        for start in range(0, len(outside), 100):
            for alarm in paginate(
                client,
                "describe_alarms",
                "MetricAlarms",
                AlarmNames=outside[start : start + 100],
                AlarmTypes=["MetricAlarm"],
            ):
                current[alarm["AlarmName"]] = alarm
        before = {name: normalise(alarm) for name, alarm in sorted(current.items())}

        if p["state"] == "absent":
            doomed = sorted(n for n in current if n in names or (p["purge_prefix"] and n.startswith(p["purge_prefix"])))
            delete_alarms(plan, client, doomed)
            plan.exit_json(module, before, {n: a for n, a in before.items() if n not in doomed}, alarms=[])

        wanted_tags = {str(k): str(v) for k, v in (p["tags"] or {}).items()}
        # One tag read per alarm (the API has no batch form): all of them at once.
        tags_of = (
            read_all(
                lambda arn: boto3_tag_list_to_ansible_dict(
                    client.list_tags_for_resource(ResourceARN=arn, aws_retry=True).get("Tags", [])
                ),
                [current[s["name"]]["AlarmArn"] for s in p["alarms"] if s["name"] in current],
            )
            if p["tags"] is not None
            else {}
        )
        after = {}
        for spec in p["alarms"]:
            alarm = wanted_alarm(spec, p)
            after[spec["name"]] = normalise(alarm)
            existing = current.get(spec["name"])
            plan.about("alarm", spec["name"], exists=existing is not None)
            if existing is None:
                plan.do(
                    f"create alarm {spec['name']}",
                    client.put_metric_alarm,
                    Tags=tag_list(wanted_tags),
                    aws_retry=True,
                    **alarm,
                )
                continue
            if before[spec["name"]] != after[spec["name"]]:
                changed = sorted(
                    k
                    for k in set(before[spec["name"]]) | set(after[spec["name"]])
                    if before[spec["name"]].get(k) != after[spec["name"]].get(k)
                )
                plan.do(
                    f"update alarm {spec['name']} ({', '.join(changed)})",
                    client.put_metric_alarm,
                    aws_retry=True,
                    **alarm,
                )
            if p["tags"] is not None:
                arn = existing["AlarmArn"]
                plan_tags(
                    plan,
                    f"alarm {spec['name']}",
                    tags_of[arn],
                    wanted_tags,
                    p["purge_tags"],
                    lambda tags, arn=arn: client.tag_resource(ResourceARN=arn, Tags=tag_list(tags), aws_retry=True),
                    lambda keys, arn=arn: client.untag_resource(ResourceARN=arn, TagKeys=keys, aws_retry=True),
                )
        if p["purge_prefix"]:
            delete_alarms(plan, client, sorted(n for n in current if n not in after))
        region_arn = None
        if current:
            region_arn = next(iter(current.values()))["AlarmArn"].rsplit(":alarm:", 1)[0]
        elif names and not module.check_mode:
            region_arn = client.describe_alarms(AlarmNames=names[:1], aws_retry=True)["MetricAlarms"][0][
                "AlarmArn"
            ].rsplit(":alarm:", 1)[0]
        result = [{"name": n, "arn": f"{region_arn}:alarm:{n}" if region_arn else None} for n in names]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg="metric alarm reconciliation failed", actions=plan.actions, resources=plan.resources
        )
    plan.exit_json(module, before, after, alarms=result)


if __name__ == "__main__":
    main()
