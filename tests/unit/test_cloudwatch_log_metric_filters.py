"""cloudwatch_log_metric_filters against the local AWS: a log group's filters as a set, in one call."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import cloudwatch_log_metric_filters

from tests.helpers import run_module

GROUP = "/trading/test/cloudtrail"
ROOT = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
TRAIL = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) }"


def spec(name, pattern, metric):
    return {"name": name, "pattern": pattern, "metric_name": metric, "metric_namespace": "trading/test/CIS"}


FILTERS = [
    spec("trading-test-cis-root-usage", ROOT, "RootAccountUsage"),
    spec("trading-test-cis-trail", TRAIL, "Trail"),
]


@pytest.fixture
def run(aws, capsys):
    aws.client("logs").create_log_group(logGroupName=GROUP)

    def _run(check_mode=False, **args):
        base = {"log_group_name": GROUP, "purge_prefix": "trading-test-cis-"}
        base.update(args)
        return run_module(cloudwatch_log_metric_filters, base, check_mode=check_mode, capsys=capsys)

    return _run


def filters(aws, group=GROUP):
    found = aws.client("logs").describe_metric_filters(logGroupName=group)["metricFilters"]
    return {f["filterName"]: f for f in found}


def test_creates_the_set_then_changes_nothing(aws, run):
    result = run(filters=FILTERS)
    assert result["actions"] == [
        "create metric filter trading-test-cis-root-usage",
        "create metric filter trading-test-cis-trail",
    ]
    found = filters(aws)
    assert found["trading-test-cis-root-usage"]["filterPattern"] == ROOT
    transformation = found["trading-test-cis-root-usage"]["metricTransformations"][0]
    assert transformation["metricName"] == "RootAccountUsage" and transformation["metricValue"] == "1"
    assert result["resources"] == [
        {"kind": "metric filter", "name": name, "action": "create", "changes": [f"create metric filter {name}"]}
        for name in ("trading-test-cis-root-usage", "trading-test-cis-trail")
    ]
    aws.clear_calls()
    again = run(filters=FILTERS)
    assert again["changed"] is False and again["filters"] == sorted(f["name"] for f in FILTERS)
    assert aws.writes() == [] and again["resources"] == []


def test_check_mode_writes_nothing(aws, run):
    aws.clear_calls()
    result = run(check_mode=True, filters=FILTERS)
    assert result["changed"] is True and len(result["actions"]) == 2
    assert aws.writes() == [] and filters(aws) == {}
    assert result["resources"] == run(filters=FILTERS)["resources"]
    assert [r["action"] for r in result["resources"]] == ["create", "create"]


def test_a_changed_pattern_is_replaced_and_an_unlisted_one_of_the_prefix_deleted(aws, run):
    run(filters=FILTERS)
    aws.client("logs").put_metric_filter(
        logGroupName=GROUP,
        filterName="someone-elses",
        filterPattern="ERROR",
        metricTransformations=[{"metricName": "Errors", "metricNamespace": "x", "metricValue": "1"}],
    )
    changed = [dict(FILTERS[0], pattern='{ $.userIdentity.type = "Root" }')]
    checked = run(filters=changed, check_mode=True)
    result = run(filters=changed)
    assert (
        result["resources"]
        == checked["resources"]
        == [
            {
                "kind": "metric filter",
                "name": "trading-test-cis-root-usage",
                "action": "change",
                "changes": ["update metric filter trading-test-cis-root-usage"],
            },
            {
                "kind": "metric filter",
                "name": "trading-test-cis-trail",
                "action": "delete",
                "changes": ["delete metric filter trading-test-cis-trail"],
            },
        ]
    )
    assert result["actions"] == [
        "update metric filter trading-test-cis-root-usage",
        "delete metric filter trading-test-cis-trail",
    ]
    assert result["diff"]["before"]["trading-test-cis-root-usage"]["pattern"] == ROOT
    found = filters(aws)
    assert set(found) == {"trading-test-cis-root-usage", "someone-elses"}
    assert found["trading-test-cis-root-usage"]["filterPattern"] == '{ $.userIdentity.type = "Root" }'


def test_absent_deletes_the_set(aws, run):
    run(filters=FILTERS)
    result = run(filters=FILTERS, state="absent")
    assert len(result["actions"]) == 2 and filters(aws) == {}
    assert [(r["name"], r["action"]) for r in result["resources"]] == [
        ("trading-test-cis-root-usage", "delete"),
        ("trading-test-cis-trail", "delete"),
    ]
    again = run(filters=FILTERS, state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_a_missing_log_group_fails_before_any_write(aws, run):
    aws.clear_calls()
    result = run(log_group_name="/trading/test/none", filters=FILTERS)
    assert result.failed and "does not exist" in result["msg"]
    assert aws.writes() == []


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"name": "has:colon"}, "must be 1-512 characters without ':' or '*'"),
        ({"pattern": "x" * 1025}, "1025 characters, at most 1024"),
    ],
)
def test_what_cloudwatch_logs_refuses_is_refused_before_any_call(aws, run, bad, message):
    aws.clear_calls()
    result = run(filters=[dict(FILTERS[0], **bad)])
    assert result.failed and message in result["msg"]
    assert aws.calls()["total"] == 0


def test_the_local_aws_refuses_what_cloudwatch_logs_refuses(aws):
    logs = aws.client("logs")
    transformation = [{"metricName": "M", "metricNamespace": "N", "metricValue": "1"}]
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.put_metric_filter(
            logGroupName="/none", filterName="f", filterPattern="x", metricTransformations=transformation
        )
    logs.create_log_group(logGroupName="/full")
    with pytest.raises(logs.exceptions.InvalidParameterException, match="1024"):
        logs.put_metric_filter(
            logGroupName="/full", filterName="f", filterPattern="x" * 1025, metricTransformations=transformation
        )
    for n in range(100):
        logs.put_metric_filter(
            logGroupName="/full", filterName=f"f{n}", filterPattern="x", metricTransformations=transformation
        )
    logs.put_metric_filter(  # replacing one of the hundred is allowed
        logGroupName="/full", filterName="f7", filterPattern="y", metricTransformations=transformation
    )
    with pytest.raises(logs.exceptions.LimitExceededException):
        logs.put_metric_filter(
            logGroupName="/full", filterName="f100", filterPattern="x", metricTransformations=transformation
        )


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.4, seed=3, services=["logs"])
    result = run(filters=FILTERS)
    assert not result.failed, result
    assert aws.faults()["injected"] > 0
