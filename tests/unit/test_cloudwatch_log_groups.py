"""cloudwatch_log_groups against the local AWS, and the CloudWatch Logs rules the local AWS enforces."""

import json

import botocore.exceptions
import pytest
from ansible_collections.ninetynine.trading_infra.plugins.filter.network import LOG_RETENTION_DAYS
from ansible_collections.ninetynine.trading_infra.plugins.modules import cloudwatch_log_groups

from tests.helpers import run_module
from tools.local_aws.logs import retention_values

TAGS = {"Project": "trading", "Environment": "test"}


def logs_key(aws, logs_allowed=True):
    """A KMS key whose policy lets CloudWatch Logs in us-east-1 use it (or not)."""
    statements = [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}
    ]
    if logs_allowed:
        statements.append(
            {
                "Effect": "Allow",
                "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
            }
        )
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return aws.client("kms").create_key(Policy=policy)["KeyMetadata"]["Arn"]


@pytest.fixture
def run(aws, capsys):
    def _run(groups, check_mode=False, **overrides):
        args = {"log_groups": groups, "tags": TAGS}
        args.update(overrides)
        return run_module(cloudwatch_log_groups, args, check_mode=check_mode, capsys=capsys)

    return _run


def described(aws, name):
    groups = aws.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    return next((g for g in groups if g["logGroupName"] == name), None)


def test_every_retention_cloudwatch_logs_accepts_is_in_the_preflight_and_the_local_aws():
    # botocore's model documents the values; the preflight's list and the local AWS's agree with it.
    assert set(LOG_RETENTION_DAYS) == set(retention_values())
    assert {1096, 2192, 2557, 2922, 3288} <= set(retention_values())


def test_create_with_seven_years_and_a_key_then_a_second_run_writes_nothing(aws, run):
    key = logs_key(aws)
    groups = [
        {"name": "/trading/test/application", "retention_days": 365, "kms_key_id": key},
        {"name": "/trading/test/audit", "retention_days": 2557, "kms_key_id": key},
    ]
    planned = run(groups, check_mode=True)
    created = run(groups)
    assert created["changed"] is True, created
    assert [(r["kind"], r["name"], r["action"]) for r in created["resources"]] == [
        ("log group", "/trading/test/application", "create"),
        ("log group", "/trading/test/audit", "create"),
    ]
    assert created["resources"][1]["changes"] == [
        "create log group /trading/test/audit",
        "set retention of /trading/test/audit to 2557 days",
    ]
    assert planned["resources"] == created["resources"]
    audit = described(aws, "/trading/test/audit")
    assert audit["retentionInDays"] == 2557 and audit["kmsKeyId"] == key
    arn = created["log_groups"][1]["arn"]
    assert arn.endswith(":log-group:/trading/test/audit")
    assert aws.client("logs").list_tags_for_resource(resourceArn=arn)["tags"] == TAGS
    aws.clear_calls()
    again = run(groups)
    assert again["changed"] is False and again["actions"] == [] and aws.writes() == []
    assert again["resources"] == []
    # One listing for both groups (their common prefix), one tag read each.
    operations = [c["operation"] for c in aws.calls()["calls"]]
    assert operations.count("DescribeLogGroups") == 1


def test_a_retention_and_a_key_change_in_place_and_the_events_stay(aws, run):
    first_key, second_key = logs_key(aws), logs_key(aws)
    name = "/trading/test/audit"
    run([{"name": name, "retention_days": 365, "kms_key_id": first_key}])
    logs = aws.client("logs")
    logs.create_log_stream(logGroupName=name, logStreamName="kept")
    changed = run([{"name": name, "retention_days": 2557, "kms_key_id": second_key}], _ansible_diff=True)
    assert changed["changed"] is True
    assert changed["actions"] == [
        f"set retention of {name} to 2557 days (was 365)",
        f"encrypt {name} with {second_key}",
    ]
    assert changed["resources"] == [
        {"kind": "log group", "name": name, "action": "change", "changes": changed["actions"]}
    ]
    assert changed["diff"]["before"][name]["retention_days"] == 365
    assert changed["diff"]["after"][name] == {"retention_days": 2557, "kms_key_id": second_key, "tags": TAGS}
    group = described(aws, name)
    assert (group["retentionInDays"], group["kmsKeyId"]) == (2557, second_key)
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=name)["logStreams"]] == ["kept"]
    # An empty key id removes the key; 0 keeps events forever.
    cleared = run([{"name": name, "retention_days": 0, "kms_key_id": ""}])
    assert cleared["changed"] is True
    group = described(aws, name)
    assert "retentionInDays" not in group and "kmsKeyId" not in group


def test_a_retention_aws_refuses_fails_and_keeps_the_group(aws, run):
    """The defect of amazon.aws.cloudwatchlogs_log_group: on a refused retention it deleted the group."""
    name = "/trading/test/audit"
    run([{"name": name, "retention_days": 2557}])
    aws.client("logs").create_log_stream(logGroupName=name, logStreamName="kept")
    refused = run([{"name": name, "retention_days": 2000}])
    assert refused.failed and "no group was deleted" in refused["msg"]
    assert "retentionInDays" in refused["msg"]
    group = described(aws, name)
    assert group is not None and group["retentionInDays"] == 2557
    assert not [w for w in aws.writes() if w["operation"] == "DeleteLogGroup"]


def test_check_mode_writes_nothing_and_reports_what_it_would_do(aws, run):
    key = logs_key(aws)
    aws.clear_calls()
    planned = run([{"name": "/trading/test/audit", "retention_days": 2557, "kms_key_id": key}], check_mode=True)
    assert planned["changed"] is True and planned["log_groups"][0]["arn"] is None
    assert planned["actions"] == [
        "create log group /trading/test/audit",
        "set retention of /trading/test/audit to 2557 days",
    ]
    assert aws.writes() == []
    run([{"name": "/trading/test/audit", "retention_days": 365}])
    aws.clear_calls()
    planned = run([{"name": "/trading/test/audit", "retention_days": 2557, "kms_key_id": key}], check_mode=True)
    assert len(planned["actions"]) == 2 and aws.writes() == []


def test_tags_are_purged_only_when_asked(aws, run):
    name = "/trading/test/application"
    run([{"name": name, "retention_days": 30}])
    arn = described(aws, name)["arn"].removesuffix(":*")
    logs = aws.client("logs")
    logs.tag_resource(resourceArn=arn, tags={"Stray": "x"})
    kept = run([{"name": name, "retention_days": 30}], purge_tags=False)
    assert kept["changed"] is False
    purged = run([{"name": name, "retention_days": 30}, {"name": "/trading/test/other", "retention_days": 30}])
    assert purged["actions"] == [
        f"tag log group {name}: remove Stray",
        "create log group /trading/test/other",
        "set retention of /trading/test/other to 30 days",
    ]
    # The tag is the group's: a change of it, beside the other group's create.
    assert [(r["name"], r["action"], len(r["changes"])) for r in purged["resources"]] == [
        (name, "change", 1),
        ("/trading/test/other", "create", 2),
    ]
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == TAGS


def test_absent_deletes_only_the_groups_listed(aws, run):
    run([{"name": "/trading/test/a", "retention_days": 30}, {"name": "/trading/test/b", "retention_days": 30}])
    gone = run([{"name": "/trading/test/a"}], state="absent")
    assert gone["actions"] == ["delete log group /trading/test/a"]
    assert gone["resources"] == [
        {"kind": "log group", "name": "/trading/test/a", "action": "delete", "changes": gone["actions"]}
    ]
    assert described(aws, "/trading/test/a") is None and described(aws, "/trading/test/b") is not None
    again = run([{"name": "/trading/test/a"}], state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=3, services=["logs"])
    try:
        result = run([{"name": "/trading/test/audit", "retention_days": 2557}])
    finally:
        aws.set_faults()
    assert result["changed"] is True and described(aws, "/trading/test/audit")["retentionInDays"] == 2557


def test_a_listed_name_twice_is_refused_before_any_call(aws, run):
    result = run([{"name": "/trading/test/a"}, {"name": "/trading/test/a"}])
    assert result.failed and "more than once" in result["msg"] and aws.calls()["total"] == 0


@pytest.mark.parametrize("days", [0, 2, 1000, 1826, 4000])
def test_the_local_aws_refuses_a_retention_cloudwatch_logs_refuses(aws, days):
    logs = aws.client_no_retry("logs")
    logs.create_log_group(logGroupName="/trading/test/x")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        logs.put_retention_policy(logGroupName="/trading/test/x", retentionInDays=days)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"


@pytest.mark.parametrize("name", ["/trading/test/with space", "/trading/test/a:b", "x" * 513])
def test_the_local_aws_refuses_a_log_group_name_outside_the_model(aws, name):
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        aws.client_no_retry("logs").create_log_group(logGroupName=name)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"


def test_the_local_aws_refuses_a_key_that_is_not_an_arn_missing_or_not_for_logs(aws):
    logs, kms = aws.client_no_retry("logs"), aws.client("kms")
    good = logs_key(aws)
    kms.create_alias(AliasName="alias/trading-test", TargetKeyId=good)
    without_logs = logs_key(aws, logs_allowed=False)
    for key in ("alias/trading-test", good.split("/")[-1], good[:-4] + "ffff", without_logs):
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            logs.create_log_group(logGroupName="/trading/test/x", kmsKeyId=key)
        assert refused.value.response["Error"]["Code"] == "InvalidParameterException", key
    logs.create_log_group(logGroupName="/trading/test/x")
    with pytest.raises(botocore.exceptions.ClientError):
        logs.associate_kms_key(logGroupName="/trading/test/x", kmsKeyId=without_logs)
    logs.associate_kms_key(logGroupName="/trading/test/x", kmsKeyId=good)
    assert described(aws, "/trading/test/x")["kmsKeyId"] == good
    logs.disassociate_kms_key(logGroupName="/trading/test/x")
    assert "kmsKeyId" not in described(aws, "/trading/test/x")
