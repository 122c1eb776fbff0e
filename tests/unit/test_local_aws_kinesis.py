"""The Kinesis rules of the local AWS (tools/local_aws/kinesis.py): each refuses what AWS refuses,
with AWS's error code, and the valid call next to it passes."""

from __future__ import annotations

import re

import botocore.exceptions
import pytest

PROVISIONED = {"StreamMode": "PROVISIONED"}
ON_DEMAND = {"StreamMode": "ON_DEMAND"}


def refused(call, **kwargs) -> dict:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]


def stream(kinesis, name="ticks", shards=None, **extra) -> dict:
    if shards is None:
        kinesis.create_stream(StreamName=name, StreamModeDetails=ON_DEMAND, **extra)
    else:
        kinesis.create_stream(StreamName=name, ShardCount=shards, StreamModeDetails=PROVISIONED, **extra)
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]


def test_create_stream_keeps_its_tags(aws):
    kinesis = aws.client_no_retry("kinesis")
    arn = stream(kinesis, Tags={"Project": "trading", "Environment": "test"})["StreamARN"]
    assert kinesis.list_tags_for_stream(StreamARN=arn)["Tags"] == [
        {"Key": "Environment", "Value": "test"},
        {"Key": "Project", "Value": "trading"},
    ]


def test_shard_count_is_refused_with_on_demand_and_required_with_provisioned(aws):
    kinesis = aws.client_no_retry("kinesis")
    error = refused(kinesis.create_stream, StreamName="ticks", ShardCount=2, StreamModeDetails=ON_DEMAND)
    assert error["Code"] == "InvalidArgumentException" and "ON_DEMAND" in error["Message"]
    error = refused(kinesis.create_stream, StreamName="ticks", StreamModeDetails=PROVISIONED)
    assert error["Code"] == "InvalidArgumentException"
    assert kinesis.list_streams()["StreamNames"] == []
    # Neither mode nor count: an on-demand stream, as AWS makes it.
    kinesis.create_stream(StreamName="ticks")
    summary = kinesis.describe_stream_summary(StreamName="ticks")["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == ON_DEMAND


def test_a_second_stream_of_a_name_is_refused(aws):
    kinesis = aws.client_no_retry("kinesis")
    stream(kinesis)
    assert refused(kinesis.create_stream, StreamName="ticks", StreamModeDetails=ON_DEMAND)["Code"] == (
        "ResourceInUseException"
    )


@pytest.mark.parametrize(("start", "target"), [(2, 5), (4, 1), (1, 3)])
def test_update_shard_count_beyond_double_or_below_half_is_refused(aws, start, target):
    kinesis = aws.client_no_retry("kinesis")
    arn = stream(kinesis, shards=start)["StreamARN"]
    error = refused(kinesis.update_shard_count, StreamARN=arn, TargetShardCount=target, ScalingType="UNIFORM_SCALING")
    assert error["Code"] == "InvalidArgumentException" and "Current open shard count" in error["Message"]
    summary = kinesis.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == start


@pytest.mark.parametrize(("start", "target"), [(2, 4), (4, 2), (3, 2), (1, 2)])
def test_update_shard_count_within_double_and_half_passes(aws, start, target):
    kinesis = aws.client_no_retry("kinesis")
    arn = stream(kinesis, shards=start)["StreamARN"]
    kinesis.update_shard_count(StreamARN=arn, TargetShardCount=target, ScalingType="UNIFORM_SCALING")
    summary = kinesis.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == target


def test_update_shard_count_of_an_on_demand_stream_is_refused(aws):
    kinesis = aws.client_no_retry("kinesis")
    arn = stream(kinesis)["StreamARN"]
    error = refused(kinesis.update_shard_count, StreamARN=arn, TargetShardCount=2, ScalingType="UNIFORM_SCALING")
    assert error["Code"] == "ValidationException" and "On-Demand" in error["Message"]


@pytest.mark.parametrize(("operation", "hours"), [("increase", 8761), ("decrease", 23), ("increase", 12)])
def test_a_retention_outside_24_to_8760_hours_is_refused(aws, operation, hours):
    kinesis = aws.client_no_retry("kinesis")
    arn = stream(kinesis)["StreamARN"]
    call = getattr(kinesis, f"{operation}_stream_retention_period")
    assert refused(call, StreamARN=arn, RetentionPeriodHours=hours)["Code"] == "InvalidArgumentException"


def test_increase_never_shortens_and_decrease_never_lengthens_the_retention(aws):
    kinesis = aws.client_no_retry("kinesis")
    arn = stream(kinesis)["StreamARN"]
    kinesis.increase_stream_retention_period(StreamARN=arn, RetentionPeriodHours=168)
    error = refused(kinesis.increase_stream_retention_period, StreamARN=arn, RetentionPeriodHours=48)
    assert error["Code"] == "InvalidArgumentException"
    error = refused(kinesis.decrease_stream_retention_period, StreamARN=arn, RetentionPeriodHours=200)
    assert error["Code"] == "InvalidArgumentException"
    kinesis.decrease_stream_retention_period(StreamARN=arn, RetentionPeriodHours=48)
    assert kinesis.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]["RetentionPeriodHours"] == 48


def test_encryption_needs_a_key_that_exists_and_is_enabled(aws):
    kinesis, kms = aws.client_no_retry("kinesis"), aws.client("kms")
    arn = stream(kinesis)["StreamARN"]
    key = kms.create_key()["KeyMetadata"]
    missing = key["Arn"][:-4] + "ffff"
    for key_id in (missing, "alias/no-such-key"):
        error = refused(kinesis.start_stream_encryption, StreamARN=arn, EncryptionType="KMS", KeyId=key_id)
        assert error["Code"] == "KMSNotFoundException", key_id
    disabled = kms.create_key()["KeyMetadata"]["Arn"]
    kms.disable_key(KeyId=disabled)
    error = refused(kinesis.start_stream_encryption, StreamARN=arn, EncryptionType="KMS", KeyId=disabled)
    assert error["Code"] == "KMSDisabledException"
    doomed = kms.create_key()["KeyMetadata"]["Arn"]
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    error = refused(kinesis.start_stream_encryption, StreamARN=arn, EncryptionType="KMS", KeyId=doomed)
    assert error["Code"] == "KMSInvalidStateException"
    summary = kinesis.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]
    assert summary["EncryptionType"] == "NONE"
    kms.create_alias(AliasName="alias/trading-ticks", TargetKeyId=key["KeyId"])
    for key_id in (key["Arn"], key["KeyId"], "alias/trading-ticks", "alias/aws/kinesis"):
        kinesis.start_stream_encryption(StreamARN=arn, EncryptionType="KMS", KeyId=key_id)
        summary = kinesis.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]
        assert (summary["EncryptionType"], summary["KeyId"]) == ("KMS", key_id)


def test_consumer_arns_carry_their_creation_time_as_the_model_says(aws):
    kinesis = aws.client_no_retry("kinesis")
    arn = stream(kinesis)["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="risk")["Consumer"]
    assert re.fullmatch(re.escape(arn) + r"/consumer/risk:[0-9]+", consumer["ConsumerARN"])
    described = kinesis.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])["ConsumerDescription"]
    assert described["ConsumerName"] == "risk"
    kinesis.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    assert kinesis.list_stream_consumers(StreamARN=arn)["Consumers"] == []


def test_a_consumer_name_twice_and_a_21st_consumer_are_refused(aws):
    kinesis = aws.client_no_retry("kinesis")
    arn = stream(kinesis)["StreamARN"]
    kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="c0")
    error = refused(kinesis.register_stream_consumer, StreamARN=arn, ConsumerName="c0")
    assert error["Code"] == "ResourceInUseException"
    for i in range(1, 20):
        kinesis.register_stream_consumer(StreamARN=arn, ConsumerName=f"c{i}")
    error = refused(kinesis.register_stream_consumer, StreamARN=arn, ConsumerName="c20")
    assert error["Code"] == "LimitExceededException"
    assert len(kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]) == 20


def test_deregistering_a_consumer_by_name_removes_that_one_only(aws):
    kinesis = aws.client_no_retry("kinesis")
    arn = stream(kinesis)["StreamARN"]
    for name in ("risk", "archive", "pricing"):
        kinesis.register_stream_consumer(StreamARN=arn, ConsumerName=name)
    kinesis.deregister_stream_consumer(StreamARN=arn, ConsumerName="archive")
    names = [c["ConsumerName"] for c in kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]]
    assert names == ["risk", "pricing"]
    error = refused(kinesis.deregister_stream_consumer, StreamARN=arn, ConsumerName="archive")
    assert error["Code"] == "ResourceNotFoundException"


def test_consumers_of_a_stream_that_does_not_exist_are_not_found(aws):
    kinesis = aws.client_no_retry("kinesis")
    arn = "arn:aws:kinesis:us-east-1:123456789012:stream/nothing"
    assert refused(kinesis.list_stream_consumers, StreamARN=arn)["Code"] == "ResourceNotFoundException"
    error = refused(kinesis.register_stream_consumer, StreamARN=arn, ConsumerName="risk")
    assert error["Code"] == "ResourceNotFoundException"


def test_a_stream_with_consumers_is_deleted_only_with_enforce_consumer_deletion(aws):
    kinesis = aws.client_no_retry("kinesis")
    arn = stream(kinesis)["StreamARN"]
    kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="risk")
    assert refused(kinesis.delete_stream, StreamARN=arn)["Code"] == "ResourceInUseException"
    error = refused(kinesis.delete_stream, StreamARN=arn, EnforceConsumerDeletion=False)
    assert error["Code"] == "ResourceInUseException"
    assert kinesis.list_streams()["StreamNames"] == ["ticks"]
    kinesis.delete_stream(StreamARN=arn, EnforceConsumerDeletion=True)
    assert kinesis.list_streams()["StreamNames"] == []
    stream(kinesis, name="bare")
    kinesis.delete_stream(StreamName="bare")
    assert kinesis.list_streams()["StreamNames"] == []


def test_list_streams_pages_with_next_token(aws):
    kinesis = aws.client_no_retry("kinesis")
    names = [f"ticks-{i:02d}" for i in range(7)]
    for name in names:
        stream(kinesis, name=name)
    first = kinesis.list_streams(Limit=3)
    assert first["StreamNames"] == names[:3] and first["HasMoreStreams"] is True
    assert [s["StreamName"] for s in first["StreamSummaries"]] == names[:3]
    second = kinesis.list_streams(Limit=3, NextToken=first["NextToken"])
    assert second["StreamNames"] == names[3:6]
    pages = kinesis.get_paginator("list_streams").paginate(PaginationConfig={"PageSize": 2}).build_full_result()
    assert pages["StreamNames"] == names
    assert [s["StreamName"] for s in pages["StreamSummaries"]] == names


def test_list_tags_for_stream_starts_after_the_exclusive_start_key(aws):
    kinesis = aws.client_no_retry("kinesis")
    arn = stream(kinesis, Tags={"a": "1", "b": "2", "c": "3"})["StreamARN"]
    first = kinesis.list_tags_for_stream(StreamARN=arn, Limit=2)
    assert [t["Key"] for t in first["Tags"]] == ["a", "b"] and first["HasMoreTags"] is True
    rest = kinesis.list_tags_for_stream(StreamARN=arn, Limit=2, ExclusiveStartTagKey="b")
    assert [t["Key"] for t in rest["Tags"]] == ["c"] and rest["HasMoreTags"] is False
