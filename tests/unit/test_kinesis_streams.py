"""kinesis_streams against the local AWS (its Kinesis rules are tools/local_aws/kinesis.py's)."""

from __future__ import annotations

import threading

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import kinesis_streams

from tests.helpers import run_module

TAGS = {"Project": "trading", "Environment": "test"}


@pytest.fixture
def run(aws, capsys):
    def _run(streams, check_mode=False, **overrides):
        args = {"streams": streams, "tags": TAGS}
        args.update(overrides)
        return run_module(kinesis_streams, args, check_mode=check_mode, capsys=capsys)

    return _run


def summary(aws, name):
    return aws.client("kinesis").describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]


def consumer_names(aws, name):
    kinesis = aws.client("kinesis")
    arn = summary(aws, name)["StreamARN"]
    return sorted(c["ConsumerName"] for c in kinesis.list_stream_consumers(StreamARN=arn)["Consumers"])


def stream_tags(aws, name):
    kinesis = aws.client("kinesis")
    return {t["Key"]: t["Value"] for t in kinesis.list_tags_for_stream(StreamName=name)["Tags"]}


def operations(aws, read=None) -> dict:
    """Calls since the last clear_calls, by operation: {operation: count}."""
    return {c["operation"]: c["count"] for c in aws.calls()["calls"] if read is None or c["read"] == read}


def test_create_as_planned_then_a_second_run_reads_in_batches_and_writes_nothing(aws, run):
    key = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    streams = [
        {
            "name": "trading-test-ticks",
            "mode": "provisioned",
            "shard_count": 2,
            "retention_hours": 168,
            "kms_key_id": key,
            "consumers": ["risk", "archive"],
        },
        {"name": "trading-test-orders"},
    ]
    aws.clear_calls()
    planned = run(streams, check_mode=True)
    assert aws.writes() == []
    created = run(streams)
    assert created["changed"] is True, created
    assert [(r["kind"], r["name"], r["action"]) for r in created["resources"]] == [
        ("Kinesis stream", "trading-test-ticks", "create"),
        ("Kinesis consumer", "trading-test-ticks/risk", "create"),
        ("Kinesis consumer", "trading-test-ticks/archive", "create"),
        ("Kinesis stream", "trading-test-orders", "create"),
    ]
    assert created["resources"][0]["changes"] == [
        "create Kinesis stream trading-test-ticks (2 shards)",
        "lengthen the retention of Kinesis stream trading-test-ticks to 168 hours (was 24)",
        f"encrypt Kinesis stream trading-test-ticks with {key}",
    ]
    assert planned["resources"] == created["resources"] and planned["actions"] == created["actions"]
    ticks = summary(aws, "trading-test-ticks")
    assert ticks["StreamModeDetails"]["StreamMode"] == "PROVISIONED" and ticks["OpenShardCount"] == 2
    assert (ticks["RetentionPeriodHours"], ticks["EncryptionType"], ticks["KeyId"]) == (168, "KMS", key)
    assert consumer_names(aws, "trading-test-ticks") == ["archive", "risk"]
    assert stream_tags(aws, "trading-test-ticks") == TAGS == stream_tags(aws, "trading-test-orders")
    assert summary(aws, "trading-test-orders")["StreamModeDetails"]["StreamMode"] == "ON_DEMAND"
    result = created["streams"][0]
    assert result["arn"] == ticks["StreamARN"] and result["encryption"] == "KMS" and result["shard_count"] == 2
    assert [c["name"] for c in result["consumers"]] == ["archive", "risk"]
    assert all(c["arn"].startswith(ticks["StreamARN"] + "/consumer/") for c in result["consumers"])
    assert planned["streams"][0]["arn"] is None and planned["streams"][0]["consumers"][0]["arn"] is None

    aws.clear_calls()
    again = run(streams)
    assert again["changed"] is False and again["actions"] == [] and again["resources"] == []
    assert aws.writes() == []
    assert operations(aws, read=True) == {
        "ListStreams": 1,
        "DescribeStreamSummary": 2,
        "ListStreamConsumers": 2,
        "ListTagsForStream": 2,
    }
    assert again["streams"] == created["streams"]


def test_check_mode_of_changes_writes_nothing_and_tells_what_the_run_does(aws, run):
    run([{"name": "trading-test-ticks", "mode": "provisioned", "shard_count": 1, "consumers": ["risk"]}])
    wanted = [{"name": "trading-test-ticks", "mode": "provisioned", "shard_count": 2, "retention_hours": 48}]
    aws.clear_calls()
    planned = run(wanted, check_mode=True, _ansible_diff=True)
    assert aws.writes() == [] and planned["changed"] is True
    assert summary(aws, "trading-test-ticks")["OpenShardCount"] == 1
    done = run(wanted, _ansible_diff=True)
    assert planned["actions"] == done["actions"] and planned["resources"] == done["resources"]
    assert planned["diff"] == done["diff"]
    # Consumers omitted: left alone.
    assert consumer_names(aws, "trading-test-ticks") == ["risk"]


def test_shard_count_changes_in_steps_of_at_most_double_or_half(aws, run):
    name = "trading-test-ticks"
    run([{"name": name, "mode": "provisioned", "shard_count": 1}])
    up = run([{"name": name, "mode": "provisioned", "shard_count": 5}])
    assert up["actions"] == [
        f"scale Kinesis stream {name} from 1 to 2 shards",
        f"scale Kinesis stream {name} from 2 to 4 shards",
        f"scale Kinesis stream {name} from 4 to 5 shards",
    ]
    assert summary(aws, name)["OpenShardCount"] == 5 and up["streams"][0]["shard_count"] == 5
    assert operations(aws, read=False)["UpdateShardCount"] == 3
    down = run([{"name": name, "mode": "provisioned", "shard_count": 1}])
    assert down["actions"] == [
        f"scale Kinesis stream {name} from 5 to 3 shards",
        f"scale Kinesis stream {name} from 3 to 2 shards",
        f"scale Kinesis stream {name} from 2 to 1 shards",
    ]
    assert summary(aws, name)["OpenShardCount"] == 1


def test_a_shard_change_beyond_ten_scalings_a_day_is_refused_before_any_write(aws, run):
    name = "trading-test-ticks"
    run([{"name": name, "mode": "provisioned", "shard_count": 1}, {"name": "trading-test-orders"}])
    aws.clear_calls()
    refused = run(
        [
            {"name": "trading-test-orders", "retention_hours": 48},
            {"name": name, "mode": "provisioned", "shard_count": 2048},
        ]
    )
    assert refused.failed and "11 UpdateShardCount calls" in refused["msg"]
    assert aws.writes() == []


def test_mode_switches_both_ways(aws, run):
    name = "trading-test-ticks"
    run([{"name": name}])
    provisioned = run([{"name": name, "mode": "provisioned", "shard_count": 2}])
    # moto's on-demand stream has four open shards: switching keeps them, then scales to two.
    assert provisioned["actions"] == [
        f"switch Kinesis stream {name} from on_demand to provisioned",
        f"scale Kinesis stream {name} from 4 to 2 shards",
    ]
    assert summary(aws, name)["StreamModeDetails"]["StreamMode"] == "PROVISIONED"
    assert summary(aws, name)["OpenShardCount"] == 2
    on_demand = run([{"name": name}])
    assert on_demand["actions"] == [f"switch Kinesis stream {name} from provisioned to on_demand"]
    assert summary(aws, name)["StreamModeDetails"]["StreamMode"] == "ON_DEMAND"


def test_retention_goes_up_and_down_with_the_right_call(aws, run):
    name = "trading-test-ticks"
    run([{"name": name, "retention_hours": 72}])
    assert operations(aws, read=False) == {"CreateStream": 1, "IncreaseStreamRetentionPeriod": 1}
    aws.clear_calls()
    shorter = run([{"name": name, "retention_hours": 48}])
    assert shorter["actions"] == [f"shorten the retention of Kinesis stream {name} to 48 hours (was 72)"]
    assert operations(aws, read=False) == {"DecreaseStreamRetentionPeriod": 1}
    assert summary(aws, name)["RetentionPeriodHours"] == 48
    # Omitted: back to the default day.
    run([{"name": name}])
    assert summary(aws, name)["RetentionPeriodHours"] == 24


def test_encryption_changes_key_is_kept_when_omitted_and_stops_on_an_empty_string(aws, run):
    kms = aws.client("kms")
    first, second = kms.create_key()["KeyMetadata"]["Arn"], kms.create_key()["KeyMetadata"]["Arn"]
    name = "trading-test-ticks"
    run([{"name": name, "kms_key_id": first}])
    switched = run([{"name": name, "kms_key_id": second}])
    assert switched["actions"] == [f"encrypt Kinesis stream {name} with {second}"]
    kept = run([{"name": name}])
    assert kept["changed"] is False and kept["streams"][0]["kms_key_id"] == second
    stopped = run([{"name": name, "kms_key_id": ""}])
    assert stopped["actions"] == [f"stop encrypting Kinesis stream {name} (was {second})"]
    assert summary(aws, name)["EncryptionType"] == "NONE"


def test_a_key_kms_refuses_fails_with_the_actions_and_deletes_nothing(aws, run):
    kms = aws.client("kms")
    disabled = kms.create_key()["KeyMetadata"]["Arn"]
    kms.disable_key(KeyId=disabled)
    name = "trading-test-ticks"
    failed = run([{"name": name, "kms_key_id": disabled}])
    assert failed.failed and "no stream was deleted" in failed["msg"]
    assert failed["actions"][0] == f"create Kinesis stream {name} (on-demand)"
    assert failed["resources"][0]["action"] == "create"
    assert summary(aws, name)["EncryptionType"] == "NONE"
    assert "DeleteStream" not in operations(aws, read=False)


def test_consumers_are_exactly_those_listed(aws, run):
    name = "trading-test-ticks"
    run([{"name": name, "consumers": ["risk", "archive", "pricing"]}])
    changed = run([{"name": name, "consumers": ["risk", "audit"]}])
    assert changed["actions"] == [
        f"deregister consumer archive of Kinesis stream {name}",
        f"deregister consumer pricing of Kinesis stream {name}",
        f"register consumer audit on Kinesis stream {name}",
    ]
    assert [(r["kind"], r["name"], r["action"]) for r in changed["resources"]] == [
        ("Kinesis consumer", f"{name}/archive", "delete"),
        ("Kinesis consumer", f"{name}/pricing", "delete"),
        ("Kinesis consumer", f"{name}/audit", "create"),
    ]
    assert consumer_names(aws, name) == ["audit", "risk"]
    assert [c["status"] for c in changed["streams"][0]["consumers"]] == ["ACTIVE", "ACTIVE"]
    run([{"name": name, "consumers": []}])
    assert consumer_names(aws, name) == []


def test_tags_are_purged_only_when_asked(aws, run):
    name = "trading-test-ticks"
    run([{"name": name}])
    kinesis = aws.client("kinesis")
    kinesis.add_tags_to_stream(StreamName=name, Tags={"Stray": "x"})
    kept = run([{"name": name}], purge_tags=False)
    assert kept["changed"] is False and stream_tags(aws, name)["Stray"] == "x"
    purged = run([{"name": name}], tags={**TAGS, "Component": "data_tier"})
    assert purged["actions"] == [
        f"tag Kinesis stream {name}: set Component",
        f"tag Kinesis stream {name}: remove Stray",
    ]
    assert stream_tags(aws, name) == {**TAGS, "Component": "data_tier"}
    untouched = run([{"name": name}], tags=None)
    assert untouched["changed"] is False


def test_absent_deletes_the_listed_streams_with_their_consumers(aws, run):
    run([{"name": "trading-test-a", "consumers": ["risk"]}, {"name": "trading-test-b"}])
    planned = run([{"name": "trading-test-a"}], state="absent", check_mode=True)
    assert aws.client("kinesis").list_streams()["StreamNames"] == ["trading-test-a", "trading-test-b"]
    gone = run([{"name": "trading-test-a"}, {"name": "trading-test-c"}], state="absent")
    assert (
        gone["actions"]
        == planned["actions"]
        == [
            "delete Kinesis stream trading-test-a",
            "deregister consumer risk of Kinesis stream trading-test-a (deleted with it)",
        ]
    )
    assert [(r["kind"], r["action"]) for r in gone["resources"]] == [
        ("Kinesis stream", "delete"),
        ("Kinesis consumer", "delete"),
    ]
    assert aws.client("kinesis").list_streams()["StreamNames"] == ["trading-test-b"]
    again = run([{"name": "trading-test-a"}], state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_more_than_50_tags_are_refused_before_any_call(aws, run):
    aws.clear_calls()
    result = run([{"name": "ticks"}], tags={f"k{i}": "v" for i in range(51)})
    assert result.failed and "51 tags" in result["msg"] and aws.calls()["total"] == 0


@pytest.mark.parametrize(
    ("streams", "message"),
    [
        ([{"name": "ticks"}, {"name": "ticks"}], "more than once"),
        ([{"name": "ticks!"}], "1 to 128"),
        ([{"name": "x" * 129}], "1 to 128"),
        ([{"name": "ticks", "mode": "provisioned"}], "shard_count is required"),
        ([{"name": "ticks", "shard_count": 2}], "not expected with mode on_demand"),
        ([{"name": "ticks", "mode": "provisioned", "shard_count": 0}], "1 or more"),
        ([{"name": "ticks", "retention_hours": 23}], "24 to 8760"),
        ([{"name": "ticks", "retention_hours": 8761}], "24 to 8760"),
        ([{"name": "ticks", "consumers": ["risk engine"]}], "consumer names"),
        ([{"name": "ticks", "consumers": ["risk", "risk"]}], "more than once"),
        ([{"name": "ticks", "consumers": [f"c{i}" for i in range(21)]}], "21 consumers"),
    ],
)
def test_bad_input_is_refused_before_any_call(aws, run, streams, message):
    aws.clear_calls()
    result = run(streams)
    assert result.failed and message in result["msg"], result
    assert aws.calls()["total"] == 0


def test_throttling_and_5xx_are_retried_with_backoff(aws, run, monkeypatch, backoff):
    """botocore's own retries off: only the module's AWSRetry stands between the faults and failure."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    aws.set_faults(error_rate=0.05, throttle_rate=0.3, seed=5, services=["kinesis"])
    try:
        result = run([{"name": "trading-test-ticks", "retention_hours": 72, "consumers": ["risk"]}])
        second = run([{"name": "trading-test-ticks", "retention_hours": 48, "consumers": ["risk"]}])
        injected = aws.faults()["injected"]
    finally:
        aws.set_faults()
    assert result["changed"] is True and second["actions"] == [
        "shorten the retention of Kinesis stream trading-test-ticks to 48 hours (was 72)"
    ], second
    assert injected >= 3 and len(backoff.slept) == injected
    assert summary(aws, "trading-test-ticks")["RetentionPeriodHours"] == 48
    assert consumer_names(aws, "trading-test-ticks") == ["risk"]


def backend_stream(name):
    """The emulator's own record of a stream (as a stream AWS is still updating would be)."""
    from moto.kinesis.models import kinesis_backends

    return kinesis_backends["123456789012"]["us-east-1"].streams[name]


def test_a_stream_aws_is_still_updating_is_waited_for_before_a_change(aws, run):
    name = "trading-test-ticks"
    run([{"name": name}])
    stream = backend_stream(name)
    stream.status = "UPDATING"
    timer = threading.Timer(1.5, lambda: setattr(stream, "status", "ACTIVE"))
    timer.start()
    try:
        aws.clear_calls()
        changed = run([{"name": name, "retention_hours": 48}])
    finally:
        timer.cancel()
    assert changed["changed"] is True and summary(aws, name)["RetentionPeriodHours"] == 48
    # Polled until ACTIVE before the write, then once more after it (wait).
    assert operations(aws, read=True)["DescribeStreamSummary"] >= 3


def test_a_wait_that_times_out_fails_with_the_actions_and_writes_nothing_more(aws, run):
    name = "trading-test-ticks"
    run([{"name": name}])
    backend_stream(name).status = "UPDATING"
    aws.clear_calls()
    failed = run([{"name": name, "retention_hours": 48}], wait_timeout=1)
    assert failed.failed and f"Kinesis stream {name} to be ACTIVE: still not done after 1s" in failed["msg"]
    assert failed["actions"] == [] and failed["resources"] == []
    assert aws.writes() == [] and summary(aws, name)["RetentionPeriodHours"] == 24
