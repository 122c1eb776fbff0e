"""environment_lock: one run per environment, as a conditional DynamoDB write, against the local AWS."""

import time

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import environment_lock

from tests.helpers import run_module

TABLE = "trading-infra-locks"


@pytest.fixture
def lock(aws, capsys):
    def _run(check_mode=False, **args):
        base = {"lock_id": "trading/test", "holder": "alice@laptop", "operation": "site.yml"}
        base.update(args)
        return run_module(environment_lock, base, check_mode=check_mode, capsys=capsys)

    return _run


def item(aws):
    return aws.client("dynamodb").get_item(TableName=TABLE, Key={"LockID": {"S": "trading/test"}}).get("Item")


def test_the_first_run_creates_the_table_and_takes_the_lock(aws, lock):
    planned = lock(check_mode=True, tags={"Project": "trading"})
    taken = lock(tags={"Project": "trading"})
    assert not taken.failed and taken["changed"] is True and taken["actions"] == [f"create lock table {TABLE}"]
    # The table is the one resource; the lock in it is not a change to the environment.
    assert taken["resources"] == [
        {"kind": "environment lock", "name": TABLE, "action": "create", "changes": [f"create lock table {TABLE}"]}
    ]
    assert planned["resources"] == taken["resources"]
    run_id = taken["lock"]["run_id"]
    stored = item(aws)
    assert stored["Holder"]["S"] == "alice@laptop" and stored["RunId"]["S"] == run_id
    assert int(stored["ExpiresAt"]["N"]) - int(stored["StartedAt"]["N"]) == 10800
    ddb = aws.client("dynamodb")
    ttl = ddb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "ExpiresAt" and ttl["TimeToLiveStatus"] == "ENABLED"
    arn = ddb.describe_table(TableName=TABLE)["Table"]["TableArn"]
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "Project", "Value": "trading"}]

    released = lock(state="absent", run_id=run_id)
    assert not released.failed and released["changed"] is False and item(aws) is None
    assert released["resources"] == [] and lock()["resources"] == []  # the table is there now


def test_a_second_run_is_refused_and_told_who_holds_the_lock(aws, lock):
    first = lock()
    refused = lock(holder="bob@awx job 42", operation="teardown.yml")
    assert refused.failed
    assert "trading/test is locked by alice@laptop running site.yml" in refused["msg"]
    assert first["lock"]["run_id"] in refused["msg"] and "-e force_unlock=true" in refused["msg"]
    assert item(aws)["Holder"]["S"] == "alice@laptop"  # untouched
    # check mode (a plan) is refused too, and writes nothing
    aws.clear_calls()
    planned = lock(check_mode=True, holder="carol@laptop")
    assert planned.failed and "locked by alice@laptop" in planned["msg"] and aws.writes() == []


def test_taking_the_lock_again_in_the_same_run_is_allowed(aws, lock):
    first = lock()
    again = lock(run_id=first["lock"]["run_id"])
    assert not again.failed and again["changed"] is False and again["previous"] == {}


def test_an_expired_lock_is_taken_over_with_a_warning(aws, lock):
    lock()
    past = str(int(time.time()) - 5)
    aws.client("dynamodb").update_item(
        TableName=TABLE,
        Key={"LockID": {"S": "trading/test"}},
        UpdateExpression="SET ExpiresAt = :past",
        ExpressionAttributeValues={":past": {"N": past}},
    )
    taken = lock(holder="bob@laptop")
    assert not taken.failed and taken["previous"]["holder"] == "alice@laptop"
    assert any("took over the expired lock of alice@laptop" in str(w) for w in taken["warnings"])
    assert item(aws)["Holder"]["S"] == "bob@laptop"


def test_force_unlock_clears_a_live_lock(aws, lock):
    lock()
    forced = lock(holder="bob@laptop", force=True)
    assert not forced.failed and forced["previous"]["holder"] == "alice@laptop"
    assert any("took over the forced lock" in str(w) for w in forced["warnings"])
    assert item(aws)["Holder"]["S"] == "bob@laptop"
    cleared = lock(state="absent", force=True)
    assert not cleared.failed and cleared["previous"]["holder"] == "bob@laptop" and item(aws) is None


def test_a_release_leaves_someone_elses_lock_alone(aws, lock):
    lock()
    released = lock(state="absent", run_id="not-the-holder")
    assert not released.failed and any("not by this run: left alone" in str(w) for w in released["warnings"])
    assert item(aws)["Holder"]["S"] == "alice@laptop"
    assert lock(state="absent").failed  # neither run_id nor force


def test_check_mode_on_an_empty_account_writes_nothing(aws, lock):
    planned = lock(check_mode=True)
    assert not planned.failed and planned["changed"] is True and planned["lock"]["holder"] == "alice@laptop"
    assert aws.writes() == []
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


def test_throttling_is_retried(aws, lock):
    lock()
    aws.set_faults(throttle_rate=0.4, seed=7, services=["dynamodb"])
    try:
        refused = lock(holder="bob@laptop")
        released = lock(state="absent", force=True)
        injected = aws.faults()["injected"]
    finally:
        aws.set_faults()
    assert refused.failed and "locked by alice@laptop" in refused["msg"]
    assert not released.failed and injected > 0 and item(aws) is None
