"""dynamodb_tables against the local AWS: the trade ledger created, changed in place, never re-created."""

from __future__ import annotations

import copy

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import dynamodb_tables

from tests.helpers import run_module
from tools.local_aws import server as local_aws_server

TAGS = {"Project": "trading", "Environment": "test"}
WRITES = {
    "CreateTable",
    "UpdateTable",
    "DeleteTable",
    "UpdateContinuousBackups",
    "UpdateContributorInsights",
    "TagResource",
    "UntagResource",
}


def ledger(key_arn=None, **overrides):
    spec = {
        "name": "trading-test-ledger",
        "hash_key": {"name": "trade_id", "type": "S"},
        "range_key": {"name": "executed_at", "type": "N"},
        "global_indexes": [
            {
                "name": "by_account",
                "hash_key": {"name": "account_id", "type": "S"},
                "range_key": {"name": "executed_at", "type": "N"},
                "projection": "INCLUDE",
                "non_key_attributes": ["symbol", "quantity"],
            }
        ],
        "point_in_time_recovery": True,
        "deletion_protection": True,
        "stream": "NEW_AND_OLD_IMAGES",
    }
    if key_arn:
        spec["kms_key_id"] = key_arn
    spec.update(overrides)
    return spec


@pytest.fixture
def run(aws, capsys):
    def _run(tables, check_mode=False, **overrides):
        args = {"tables": tables, "tags": TAGS}
        args.update(overrides)
        return run_module(dynamodb_tables, args, check_mode=check_mode, capsys=capsys)

    return _run


@pytest.fixture
def key(aws):
    return aws.client("kms").create_key()["KeyMetadata"]["Arn"]


def described(aws, name="trading-test-ledger"):
    return aws.client("dynamodb").describe_table(TableName=name)["Table"]


def counts(aws) -> dict:
    """Calls per operation since the last clear_calls()."""
    return {c["operation"]: c["count"] for c in aws.calls()["calls"]}


def sequence(aws) -> list:
    """The operations called since the last clear_calls(), in the order they were made."""
    calls = sorted(local_aws_server.admin(aws.port, "timeline")["calls"], key=lambda c: c["start"])
    return [c["operation"] for c in calls]


def writes(aws) -> list:
    return [op for op in sequence(aws) if op in WRITES]


def unprotect(aws, name="trading-test-ledger"):
    aws.client("dynamodb").update_table(TableName=name, DeletionProtectionEnabled=False)


def test_the_ledger_is_created_as_planned_and_a_second_run_reads_four_times_and_writes_nothing(aws, run, key):
    tables = [ledger(key)]
    aws.clear_calls()
    planned = run(tables, check_mode=True)
    assert aws.writes() == []
    created = run(tables)
    assert created["changed"] is True, created
    assert created["resources"] == [
        {
            "kind": "DynamoDB table",
            "name": "trading-test-ledger",
            "action": "create",
            "changes": [
                "create DynamoDB table trading-test-ledger",
                "turn on point-in-time recovery of trading-test-ledger",
            ],
        }
    ]
    assert planned["resources"] == created["resources"] and planned["actions"] == created["actions"]
    table = described(aws)
    assert [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]] == [
        ("trade_id", "HASH"),
        ("executed_at", "RANGE"),
    ]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionProtectionEnabled"] is True
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["SSEDescription"]["KMSMasterKeyArn"] == key
    index = table["GlobalSecondaryIndexes"][0]
    assert index["IndexName"] == "by_account" and index["Projection"]["ProjectionType"] == "INCLUDE"
    assert sorted(index["Projection"]["NonKeyAttributes"]) == ["quantity", "symbol"]
    ddb = aws.client("dynamodb")
    backups = ddb.describe_continuous_backups(TableName="trading-test-ledger")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]} == TAGS
    result = created["tables"][0]
    assert result["arn"] == table["TableArn"] and result["stream_arn"] == table["LatestStreamArn"]
    assert result["kms_key_arn"] == key and result["global_indexes"] == ["by_account"]
    assert planned["tables"][0]["arn"] is None
    aws.clear_calls()
    again = run(tables)
    assert again["changed"] is False and again["actions"] == [] and again["resources"] == []
    assert aws.writes() == []
    assert counts(aws) == {
        "DescribeTable": 1,
        "DescribeContinuousBackups": 1,
        "DescribeContributorInsights": 1,
        "ListTagsOfResource": 1,
    }
    assert again["tables"] == created["tables"]


def test_check_mode_on_an_existing_table_writes_nothing_and_plans_what_the_run_does(aws, run, key):
    run([ledger(key)])
    changed = [
        ledger(key, deletion_protection=False, contributor_insights=True, table_class="STANDARD_INFREQUENT_ACCESS")
    ]
    aws.clear_calls()
    planned = run(changed, check_mode=True)
    assert aws.writes() == [] and planned["changed"] is True
    done = run(changed)
    assert planned["actions"] == done["actions"] and planned["resources"] == done["resources"]
    assert done["actions"] == [
        "turn off deletion protection of trading-test-ledger",
        "set the table class of trading-test-ledger to STANDARD_INFREQUENT_ACCESS (was STANDARD)",
        "turn on contributor insights of trading-test-ledger",
    ]
    table = described(aws)
    assert table["DeletionProtectionEnabled"] is False
    assert table["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    insights = aws.client("dynamodb").describe_contributor_insights(TableName="trading-test-ledger")
    assert insights["ContributorInsightsStatus"] == "ENABLED"


def test_each_setting_changes_in_place_with_a_diff(aws, run, key):
    run([ledger(key)])
    other = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    aws.clear_calls()
    changed = run([ledger(other, point_in_time_recovery=False)], _ansible_diff=True)
    assert changed["actions"] == [
        f"encrypt trading-test-ledger with {other}",
        "turn off point-in-time recovery of trading-test-ledger",
    ]
    assert changed["diff"]["before"]["trading-test-ledger"]["kms_key_arn"] == key
    assert changed["diff"]["after"]["trading-test-ledger"]["kms_key_arn"] == other
    assert changed["diff"]["before"]["trading-test-ledger"]["point_in_time_recovery"] is True
    assert changed["diff"]["after"]["trading-test-ledger"]["point_in_time_recovery"] is False
    assert described(aws)["SSEDescription"]["KMSMasterKeyArn"] == other
    # No key: back to the AWS owned key; no stream: the stream is turned off.
    owned = run([ledger(stream=None, point_in_time_recovery=False)])
    assert owned["actions"] == [
        f"encrypt trading-test-ledger with the AWS owned key (was {other})",
        "turn off the stream of trading-test-ledger (was NEW_AND_OLD_IMAGES)",
    ]
    table = described(aws)
    assert "SSEDescription" not in table and "StreamSpecification" not in table
    assert owned["tables"][0]["stream_arn"] is None and owned["tables"][0]["kms_key_arn"] is None
    assert not {"CreateTable", "DeleteTable"} & set(writes(aws))


def test_a_stream_view_type_changes_in_two_steps_and_gets_a_new_stream(aws, run):
    first = run([ledger()])["tables"][0]["stream_arn"]
    aws.clear_calls()
    changed = run([ledger(stream="KEYS_ONLY")])
    assert changed["actions"] == [
        "turn off the stream of trading-test-ledger (was NEW_AND_OLD_IMAGES) to change its view type to KEYS_ONLY",
        "turn on the stream of trading-test-ledger (KEYS_ONLY)",
    ]
    assert writes(aws) == ["UpdateTable", "UpdateTable"]
    table = described(aws)
    assert table["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"
    assert changed["tables"][0]["stream_arn"] == table["LatestStreamArn"] != first
    # Between the two calls the module waited for the table (a DescribeTable after the first write).
    calls = sequence(aws)
    first_update = calls.index("UpdateTable")
    assert "DescribeTable" in calls[first_update + 1 : calls.index("UpdateTable", first_update + 1)]


def test_indexes_are_added_and_removed_one_per_call(aws, run):
    run([ledger()])
    spec = ledger()
    spec["global_indexes"] = [
        {"name": "by_symbol", "hash_key": {"name": "symbol", "type": "S"}, "projection": "KEYS_ONLY"},
        {"name": "by_desk", "hash_key": {"name": "desk", "type": "S"}},
    ]
    aws.clear_calls()
    changed = run([spec])
    assert changed["actions"] == [
        "delete index by_account of trading-test-ledger",
        "create index by_symbol of trading-test-ledger",
        "create index by_desk of trading-test-ledger",
    ]
    assert writes(aws) == ["UpdateTable", "UpdateTable", "UpdateTable"]
    names = sorted(i["IndexName"] for i in described(aws)["GlobalSecondaryIndexes"])
    assert names == ["by_desk", "by_symbol"]
    assert run([spec])["changed"] is False


def test_a_key_schema_change_is_refused_and_nothing_is_written(aws, run):
    run([ledger()])
    aws.clear_calls()
    refused = run([ledger(range_key={"name": "sequence", "type": "N"}, point_in_time_recovery=False)])
    assert refused.failed and "key schema cannot change" in refused["msg"] and "trading-test-ledger" in refused["msg"]
    assert aws.writes() == []
    refused = run([ledger(hash_key={"name": "trade_id", "type": "N"})])
    assert refused.failed and "trade_id HASH S" in refused["msg"]
    # An index's keys cannot change in place either.
    spec = ledger()
    spec["global_indexes"][0]["projection"] = "ALL"
    spec["global_indexes"][0]["non_key_attributes"] = None
    refused = run([spec])
    assert refused.failed and "index by_account" in refused["msg"] and aws.writes() == []
    assert described(aws)["TableStatus"] == "ACTIVE"


def test_absent_is_refused_under_deletion_protection_and_deletes_once_it_is_off(aws, run):
    run([ledger(), ledger(name="trading-test-audit", deletion_protection=False)])
    aws.clear_calls()
    refused = run([{"name": "trading-test-audit"}, {"name": "trading-test-ledger"}], state="absent")
    assert refused.failed and "trading-test-ledger" in refused["msg"] and "deletion protection" in refused["msg"]
    assert "trading-test-audit" not in refused["msg"]
    assert aws.writes() == []  # the unprotected table listed with it is not deleted either
    assert described(aws)["DeletionProtectionEnabled"] is True
    assert len(aws.client("dynamodb").list_tables()["TableNames"]) == 2
    unprotect(aws)
    gone = run([{"name": "trading-test-audit"}, {"name": "trading-test-ledger"}], state="absent")
    assert gone["actions"] == ["delete DynamoDB table trading-test-audit", "delete DynamoDB table trading-test-ledger"]
    assert [r["action"] for r in gone["resources"]] == ["delete", "delete"]
    assert aws.client("dynamodb").list_tables()["TableNames"] == []
    again = run([{"name": "trading-test-ledger"}], state="absent")
    assert again["changed"] is False


def test_tags_are_set_and_purged_only_when_asked(aws, run):
    run([ledger()])
    arn = described(aws)["TableArn"]
    ddb = aws.client("dynamodb")
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "Stray", "Value": "x"}])
    kept = run([ledger()], purge_tags=False)
    assert kept["changed"] is False
    changed = run([ledger()], tags=dict(TAGS, Owner="ledger-team"))
    assert changed["actions"] == [
        "tag DynamoDB table trading-test-ledger: set Owner",
        "tag DynamoDB table trading-test-ledger: remove Stray",
    ]
    assert {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]} == dict(
        TAGS, Owner="ledger-team"
    )
    assert changed["tables"][0]["tags"] == dict(TAGS, Owner="ledger-team")


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ([ledger(), ledger()], "more than once"),
        ([ledger(name="ab")], "3 to 255"),
        ([ledger(name="trading ledger")], "3 to 255"),
        ([ledger(hash_key=None)], "hash_key is required"),
        (
            [
                ledger(
                    global_indexes=[
                        {"name": "by_time", "hash_key": {"name": "executed_at", "type": "S"}, "projection": "ALL"}
                    ]
                )
            ],
            "attribute executed_at is defined as N",
        ),
        (
            [
                ledger(
                    global_indexes=[
                        {"name": f"index_{n}", "hash_key": {"name": "account_id", "type": "S"}} for n in range(21)
                    ]
                )
            ],
            "at most 20",
        ),
        (
            [
                ledger(
                    global_indexes=[
                        {"name": "by_account", "hash_key": {"name": "account_id", "type": "S"}},
                        {"name": "by_account", "hash_key": {"name": "desk", "type": "S"}},
                    ]
                )
            ],
            "listed more than once",
        ),
        (
            [
                ledger(
                    global_indexes=[
                        {"name": "by_account", "hash_key": {"name": "a", "type": "S"}, "projection": "INCLUDE"}
                    ]
                )
            ],
            "needs non_key_attributes",
        ),
    ],
)
def test_bad_input_is_refused_before_any_call(aws, run, tables, message):
    aws.clear_calls()
    refused = run(copy.deepcopy(tables))
    assert refused.failed and message in refused["msg"], refused
    assert aws.calls()["total"] == 0


def test_a_kms_alias_is_resolved_and_a_missing_one_refused_before_any_write(aws, run, key):
    aws.client("kms").create_alias(AliasName="alias/trading-test-ledger", TargetKeyId=key)
    created = run([ledger("alias/trading-test-ledger")])
    assert created["tables"][0]["kms_key_arn"] == key
    assert described(aws)["SSEDescription"]["KMSMasterKeyArn"] == key
    assert run([ledger("alias/trading-test-ledger")])["changed"] is False
    aws.clear_calls()
    refused = run([ledger("alias/nothing-here", name="trading-test-other")])
    assert refused.failed and "alias/nothing-here" in refused["msg"] and aws.writes() == []
    # A plan of a run that creates the key before the table (the data tier's, on an empty account)
    # plans the table with the key as named, and writes nothing.
    planned = run([ledger("alias/nothing-here", name="trading-test-other")], check_mode=True)
    assert not planned.failed and planned["changed"] is True and aws.writes() == []
    assert [r["action"] for r in planned["resources"] if r["name"] == "trading-test-other"] == ["create"]


def test_a_kms_key_aws_refuses_fails_with_what_was_done_and_deletes_nothing(aws, run, key):
    run([ledger(key)])
    disabled = aws.client("kms").create_key()["KeyMetadata"]
    aws.client("kms").disable_key(KeyId=disabled["KeyId"])
    refused = run([ledger(disabled["Arn"], deletion_protection=False)])
    assert refused.failed and "no table was deleted" in refused["msg"]
    assert refused["actions"] == [
        "turn off deletion protection of trading-test-ledger",
        f"encrypt trading-test-ledger with {disabled['Arn']}",
    ]
    assert "DeleteTable" not in writes(aws)
    assert described(aws)["SSEDescription"]["KMSMasterKeyArn"] == key


def test_throttling_is_retried(aws, run, key):
    aws.set_faults(throttle_rate=0.3, seed=5, services=["dynamodb"])
    try:
        result = run([ledger(key)])
        again = run([ledger(key)])
        injected = aws.faults()["injected"]
    finally:
        aws.set_faults()
    assert injected > 0
    assert result["changed"] is True and again["changed"] is False
    assert described(aws)["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
