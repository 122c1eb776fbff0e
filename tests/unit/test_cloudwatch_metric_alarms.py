"""cloudwatch_metric_alarms against the local AWS."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import cloudwatch_metric_alarms

from tests.helpers import run_module

TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"
LATENCY = {
    "name": "t-dev-alb-p99-latency",
    "description": "p99 above 100 ms",
    "namespace": "AWS/ApplicationELB",
    "metric_name": "TargetResponseTime",
    "dimensions": {"LoadBalancer": "app/t-dev/123"},
    "extended_statistic": "p99",
    "period": 60,
    "evaluation_periods": 5,
    "datapoints_to_alarm": 3,
    "threshold": 0.1,
    "comparison_operator": "GreaterThanThreshold",
    "treat_missing_data": "notBreaching",
}


def stat(query_id, metric):
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/ApplicationELB",
                "MetricName": metric,
                "Dimensions": [{"Name": "LoadBalancer", "Value": "app/t-dev/123"}],
            },
            "Period": 60,
            "Stat": "Sum",
        },
        "ReturnData": False,
    }


RATE = {
    "name": "t-dev-alb-5xx-rate",
    "metrics": [
        {
            "Id": "rate",
            "Expression": "IF(requests > 0, 100 * errors / requests, 0)",
            "Label": "5xx %",
            "ReturnData": True,
        },
        stat("errors", "HTTPCode_Target_5XX_Count"),
        stat("requests", "RequestCount"),
    ],
    "evaluation_periods": 5,
    "threshold": 1,
    "comparison_operator": "GreaterThanThreshold",
}


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **overrides):
        args = {
            "alarms": [LATENCY, RATE],
            "purge_prefix": "t-dev-",
            "alarm_actions": [TOPIC],
            "ok_actions": [TOPIC],
            "tags": {"Environment": "dev"},
        }
        args.update(overrides)
        return run_module(cloudwatch_metric_alarms, args, check_mode=check_mode, capsys=capsys)

    return _run


def described(aws):
    alarms = aws.client("cloudwatch").describe_alarms(AlarmNamePrefix="t-dev-")["MetricAlarms"]
    return {a["AlarmName"]: a for a in alarms}


def test_creates_simple_and_math_alarms_with_actions_and_tags_then_a_rerun_writes_nothing(aws, run):
    created = run()
    assert created["changed"] is True
    assert sorted(created["actions"]) == ["create alarm t-dev-alb-5xx-rate", "create alarm t-dev-alb-p99-latency"]
    alarms = described(aws)
    latency = alarms["t-dev-alb-p99-latency"]
    assert latency["ExtendedStatistic"] == "p99" and latency["Threshold"] == 0.1
    assert latency["AlarmActions"] == [TOPIC] and latency["OKActions"] == [TOPIC]
    assert latency["DatapointsToAlarm"] == 3 and latency["TreatMissingData"] == "notBreaching"
    assert [q["Id"] for q in alarms["t-dev-alb-5xx-rate"]["Metrics"]] == ["rate", "errors", "requests"]
    tags = aws.client("cloudwatch").list_tags_for_resource(ResourceARN=latency["AlarmArn"])["Tags"]
    assert tags == [{"Key": "Environment", "Value": "dev"}]
    assert {a["arn"] for a in created["alarms"]} == {a["AlarmArn"] for a in alarms.values()}
    assert created["resources"] == [
        {"kind": "alarm", "name": name, "action": "create", "changes": [f"create alarm {name}"]}
        for name in ("t-dev-alb-p99-latency", "t-dev-alb-5xx-rate")
    ]

    aws.clear_calls()
    again = run()
    assert again["changed"] is False, again["actions"]
    assert aws.writes() == [] and again["resources"] == []


def test_a_changed_threshold_updates_only_that_alarm_and_shows_in_the_diff(aws, run):
    run()
    result = run(alarms=[dict(LATENCY, threshold=0.25), RATE])
    assert result["actions"] == ["update alarm t-dev-alb-p99-latency (Threshold)"]
    assert result["resources"] == [
        {
            "kind": "alarm",
            "name": "t-dev-alb-p99-latency",
            "action": "change",
            "changes": ["update alarm t-dev-alb-p99-latency (Threshold)"],
        }
    ]
    assert result["diff"]["before"]["t-dev-alb-p99-latency"]["Threshold"] == 0.1
    assert result["diff"]["after"]["t-dev-alb-p99-latency"]["Threshold"] == 0.25
    assert described(aws)["t-dev-alb-p99-latency"]["Threshold"] == 0.25


def test_tags_drift_is_repaired(aws, run):
    run()
    arn = described(aws)["t-dev-alb-5xx-rate"]["AlarmArn"]
    aws.client("cloudwatch").tag_resource(ResourceARN=arn, Tags=[{"Key": "Owner", "Value": "someone"}])
    result = run()
    assert result["actions"] == ["tag alarm t-dev-alb-5xx-rate: remove Owner"]
    assert result["resources"] == [
        {"kind": "alarm", "name": "t-dev-alb-5xx-rate", "action": "change", "changes": result["actions"]}
    ]
    assert aws.client("cloudwatch").list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "Environment", "Value": "dev"}
    ]


def test_purge_removes_alarms_of_the_prefix_that_are_no_longer_wanted_and_leaves_others(aws, run):
    run()
    cw = aws.client("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="other-team-cpu",
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=90,
        ComparisonOperator="GreaterThanThreshold",
    )
    checked = run(alarms=[LATENCY], check_mode=True)
    result = run(alarms=[LATENCY])
    assert result["actions"] == ["delete alarm t-dev-alb-5xx-rate"]
    assert (
        result["resources"]
        == checked["resources"]
        == [{"kind": "alarm", "name": "t-dev-alb-5xx-rate", "action": "delete", "changes": result["actions"]}]
    )
    assert set(described(aws)) == {"t-dev-alb-p99-latency"}
    assert cw.describe_alarms(AlarmNames=["other-team-cpu"])["MetricAlarms"]


def test_check_mode_reports_creation_and_writes_nothing(aws, run):
    result = run(check_mode=True)
    assert result["changed"] is True and len(result["actions"]) == 2
    assert aws.writes() == [] and described(aws) == {}
    assert result["resources"] == run()["resources"]
    assert [(r["name"], r["action"]) for r in result["resources"]] == [
        ("t-dev-alb-p99-latency", "create"),
        ("t-dev-alb-5xx-rate", "create"),
    ]


def test_absent_deletes_the_whole_prefix(aws, run):
    run()
    result = run(state="absent", alarms=[])
    assert result["changed"] is True and described(aws) == {}
    assert result["actions"] == ["delete alarm t-dev-alb-5xx-rate", "delete alarm t-dev-alb-p99-latency"]
    assert [(r["kind"], r["name"], r["action"]) for r in result["resources"]] == [
        ("alarm", "t-dev-alb-5xx-rate", "delete"),
        ("alarm", "t-dev-alb-p99-latency", "delete"),
    ]
    again = run(state="absent", alarms=[])
    assert again["changed"] is False and again["resources"] == []


@pytest.mark.parametrize(
    "alarm, message",
    [
        (dict(LATENCY, name="elsewhere-latency"), "does not start with purge_prefix"),
        (dict(LATENCY, statistic="Average"), "exactly one of statistic and extended_statistic"),
        (dict(RATE, namespace="AWS/ApplicationELB"), "metrics cannot be combined with namespace"),
        (dict(LATENCY, datapoints_to_alarm=9), "datapoints_to_alarm exceeds evaluation_periods"),
    ],
)
def test_bad_alarm_definitions_fail_before_any_call(aws, run, alarm, message):
    result = run(alarms=[alarm])
    assert result.failed and message in result["msg"]
    assert aws.calls()["calls"] == []


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=7, services=["monitoring"])
    result = run()
    assert not result.failed and result["changed"] is True
    assert aws.faults()["injected"] > 0
    aws.set_faults()
    assert set(described(aws)) == {"t-dev-alb-p99-latency", "t-dev-alb-5xx-rate"}
