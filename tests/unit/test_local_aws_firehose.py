"""The Firehose rules of the local AWS (tools/local_aws/firehose.py): each refuses what AWS refuses,
with AWS's error code, and the delivery streams the archive creates pass as AWS shapes them."""

from __future__ import annotations

import botocore.exceptions
import pytest

PREFIX = "market-data/feed=ticks/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
ERROR_PREFIX = "market-data-errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
FIRST_DESTINATION = "destinationId-000000000001"


def refused(call, **kwargs) -> dict:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]


@pytest.fixture
def plane(aws):
    """The archive's surroundings: a bucket, a market-data stream, a delivery role and a key."""
    aws.client("s3").create_bucket(Bucket="trading-archive")
    kinesis = aws.client("kinesis")
    kinesis.create_stream(StreamName="ticks", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    stream = kinesis.describe_stream_summary(StreamName="ticks")["StreamDescriptionSummary"]["StreamARN"]
    role = aws.client("iam").create_role(RoleName="archive-delivery", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    key = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    return {"firehose": aws.client_no_retry("firehose"), "stream": stream, "role": role, "key": key}


def destination(plane, **changes) -> dict:
    config = {
        "RoleARN": plane["role"],
        "BucketARN": "arn:aws:s3:::trading-archive",
        "Prefix": PREFIX,
        "ErrorOutputPrefix": ERROR_PREFIX,
        "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 300},
        "CompressionFormat": "GZIP",
        "EncryptionConfiguration": {"KMSEncryptionConfig": {"AWSKMSKeyARN": plane["key"]}},
        "CloudWatchLoggingOptions": {
            "Enabled": True,
            "LogGroupName": "/aws/kinesisfirehose/ticks-archive",
            "LogStreamName": "DestinationDelivery",
        },
    }
    config.update(changes)
    return {k: v for k, v in config.items() if v is not None}


def create(plane, name="ticks-archive", **changes):
    return plane["firehose"].create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": plane["stream"], "RoleARN": plane["role"]},
        ExtendedS3DestinationConfiguration=destination(plane, **changes),
        Tags=[{"Key": "Project", "Value": "trading"}],
    )


def described(plane, name="ticks-archive") -> dict:
    return plane["firehose"].describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]


def test_the_archive_delivery_stream_is_created_and_described_as_aws_does(plane):
    firehose = plane["firehose"]
    arn = create(plane)["DeliveryStreamARN"]
    assert arn == "arn:aws:firehose:us-east-1:123456789012:deliverystream/ticks-archive"
    description = described(plane)
    assert (description["DeliveryStreamARN"], description["DeliveryStreamStatus"]) == (arn, "ACTIVE")
    assert (description["DeliveryStreamType"], description["VersionId"]) == ("KinesisStreamAsSource", "1")
    assert description["DeliveryStreamEncryptionConfiguration"] == {"Status": "DISABLED"}
    source = description["Source"]["KinesisStreamSourceDescription"]
    assert (source["KinesisStreamARN"], source["RoleARN"]) == (plane["stream"], plane["role"])
    assert source["DeliveryStartTimestamp"] == description["CreateTimestamp"]
    [only] = description["Destinations"]
    assert only["DestinationId"] == FIRST_DESTINATION
    extended = only["ExtendedS3DestinationDescription"]
    assert {k: extended[k] for k in destination(plane)} == destination(plane)
    assert extended["S3BackupMode"] == "Disabled"
    assert only["S3DestinationDescription"]["Prefix"] == PREFIX
    firehose.tag_delivery_stream(DeliveryStreamName="ticks-archive", Tags=[{"Key": "Environment", "Value": "test"}])
    tags = firehose.list_tags_for_delivery_stream(DeliveryStreamName="ticks-archive")["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("Environment", "test"), ("Project", "trading")]
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == ["ticks-archive"]
    firehose.delete_delivery_stream(DeliveryStreamName="ticks-archive")
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == []
    error = refused(firehose.delete_delivery_stream, DeliveryStreamName="ticks-archive")
    assert error["Code"] == "ResourceNotFoundException"


def test_a_destination_left_to_its_defaults_is_described_with_them(plane):
    plane["firehose"].create_delivery_stream(
        DeliveryStreamName="plain",
        ExtendedS3DestinationConfiguration={"RoleARN": plane["role"], "BucketARN": "arn:aws:s3:::trading-archive"},
    )
    [only] = described(plane, "plain")["Destinations"]
    for key in ("ExtendedS3DestinationDescription", "S3DestinationDescription"):
        assert only[key]["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
        assert only[key]["CompressionFormat"] == "UNCOMPRESSED"
        assert only[key]["EncryptionConfiguration"] == {"NoEncryptionConfig": "NoEncryption"}
    assert only["ExtendedS3DestinationDescription"]["CloudWatchLoggingOptions"] == {"Enabled": False}


@pytest.mark.parametrize("source", ["missing", "no-such-stream"])
def test_a_kinesis_source_needs_its_configuration_and_a_stream_that_exists(plane, source):
    kwargs = {}
    if source == "no-such-stream":
        arn = plane["stream"].replace("stream/ticks", "stream/quotes")
        kwargs["KinesisStreamSourceConfiguration"] = {"KinesisStreamARN": arn, "RoleARN": plane["role"]}
    error = refused(
        plane["firehose"].create_delivery_stream,
        DeliveryStreamName="ticks-archive",
        DeliveryStreamType="KinesisStreamAsSource",
        ExtendedS3DestinationConfiguration=destination(plane),
        **kwargs,
    )
    assert error["Code"] == "InvalidArgumentException"
    assert plane["firehose"].list_delivery_streams()["DeliveryStreamNames"] == []


def test_records_are_put_on_the_source_stream_not_on_the_delivery_stream(plane):
    firehose = plane["firehose"]
    create(plane)
    for call, kwargs in (
        (firehose.put_record, {"Record": {"Data": b"tick"}}),
        (firehose.put_record_batch, {"Records": [{"Data": b"tick"}]}),
    ):
        error = refused(call, DeliveryStreamName="ticks-archive", **kwargs)
        assert error["Code"] == "InvalidArgumentException"
        assert error["Message"] == "This operation is not permitted on KinesisStreamAsSource delivery stream type."
    firehose.create_delivery_stream(DeliveryStreamName="direct", ExtendedS3DestinationConfiguration=destination(plane))
    assert firehose.put_record(DeliveryStreamName="direct", Record={"Data": b"tick"})["RecordId"]


def test_server_side_encryption_is_for_direct_put_streams(plane):
    firehose = plane["firehose"]
    sse = {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": plane["key"]}
    error = refused(
        firehose.create_delivery_stream,
        DeliveryStreamName="ticks-archive",
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": plane["stream"], "RoleARN": plane["role"]},
        DeliveryStreamEncryptionConfigurationInput=sse,
        ExtendedS3DestinationConfiguration=destination(plane),
    )
    assert error["Code"] == "InvalidArgumentException"
    create(plane)
    error = refused(firehose.start_delivery_stream_encryption, DeliveryStreamName="ticks-archive")
    assert error["Code"] == "InvalidArgumentException"
    assert described(plane)["DeliveryStreamEncryptionConfiguration"] == {"Status": "DISABLED"}
    firehose.create_delivery_stream(
        DeliveryStreamName="direct",
        DeliveryStreamEncryptionConfigurationInput=sse,
        ExtendedS3DestinationConfiguration=destination(plane),
    )
    assert described(plane, "direct")["DeliveryStreamEncryptionConfiguration"] == dict(sse, Status="ENABLED")


@pytest.mark.parametrize(
    ("prefix", "error_prefix"),
    [
        (PREFIX, None),  # expressions in Prefix need an ErrorOutputPrefix
        (PREFIX, ""),
        ("market-data/!{timestamp:yyyy}/!{firehose:error-output-type}/", ERROR_PREFIX),
        ("market-data/", "errors/!{timestamp:yyyy}/"),  # no !{firehose:error-output-type}
        ("market-data/!{feed:name}/", ERROR_PREFIX),  # an unknown namespace
        ("market-data/!{firehose:stream-name}/", ERROR_PREFIX),
        ("market-data/!{timestamp:yyyy/", ERROR_PREFIX),  # !{ outside an expression
        ("market-data/", "errors/!{firehose:error-output-type}/!{partitionKeyFromQuery:feed}/"),
    ],
)
def test_prefixes_follow_the_custom_prefix_rules(plane, prefix, error_prefix):
    error = refused(create, plane=plane, Prefix=prefix, ErrorOutputPrefix=error_prefix)
    assert error["Code"] == "InvalidArgumentException"
    if error_prefix is None:
        assert error["Message"] == (
            "Ths supplied prefix(es) do not satisfy the following constraint: "
            "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"
        )
    assert plane["firehose"].list_delivery_streams()["DeliveryStreamNames"] == []


@pytest.mark.parametrize(
    ("prefix", "error_prefix"),
    [
        (PREFIX, ERROR_PREFIX),
        ("market-data/", None),
        ("market-data/", "errors/"),
        (None, "errors/!{firehose:error-output-type}/"),  # the guide's first example
        ("!{firehose:random-string}/market-data/!{timestamp:yyyy'-'MM'-'dd}/", "errors/!{firehose:error-output-type}"),
    ],
)
def test_prefixes_aws_accepts_are_accepted(plane, prefix, error_prefix):
    create(plane, Prefix=prefix, ErrorOutputPrefix=error_prefix)
    extended = described(plane)["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert (extended.get("Prefix"), extended.get("ErrorOutputPrefix")) == (prefix, error_prefix)


CONVERSION = {
    "Enabled": True,
    "SchemaConfiguration": {
        "RoleARN": "arn:aws:iam::123456789012:role/archive-delivery",
        "DatabaseName": "market_data",
        "TableName": "ticks",
    },
    "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
    "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}},
}


@pytest.mark.parametrize(
    "changes",
    [
        {"BufferingHints": {"SizeInMBs": 32, "IntervalInSeconds": 60}, "DataFormatConversionConfiguration": CONVERSION},
        {
            "BufferingHints": {"SizeInMBs": 32, "IntervalInSeconds": 60},
            "DynamicPartitioningConfiguration": {"Enabled": True},
        },
        {"BufferingHints": {"SizeInMBs": 64}},
        {"BufferingHints": {"IntervalInSeconds": 60}},
    ],
)
def test_buffering_hints_come_together_and_are_64_mib_with_conversion_or_partitioning(plane, changes):
    error = refused(create, plane=plane, **changes)
    assert error["Code"] == "InvalidArgumentException"
    if "DataFormatConversionConfiguration" in changes:
        assert (
            error["Message"] == "BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled."
        )


def test_buffering_aws_accepts_is_accepted(plane):
    create(plane, name="converted", DataFormatConversionConfiguration=CONVERSION)
    create(plane, name="partitioned", DynamicPartitioningConfiguration={"Enabled": True})
    create(plane, name="small", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0})
    off = dict(CONVERSION, Enabled=False)
    create(
        plane,
        name="off",
        BufferingHints={"SizeInMBs": 5, "IntervalInSeconds": 60},
        DataFormatConversionConfiguration=off,
    )
    assert len(plane["firehose"].list_delivery_streams()["DeliveryStreamNames"]) == 4


def update(plane, version="1", name="ticks-archive", **update_members):
    plane["firehose"].update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId=version,
        DestinationId=FIRST_DESTINATION,
        ExtendedS3DestinationUpdate=update_members,
    )


def test_update_destination_merges_and_keeps_what_it_does_not_change(plane):
    create(plane)
    update(plane, BufferingHints={"SizeInMBs": 128, "IntervalInSeconds": 60})
    description = described(plane)
    assert description["VersionId"] == "2"
    [only] = description["Destinations"]
    for key in ("ExtendedS3DestinationDescription", "S3DestinationDescription"):
        view = only[key]
        assert view["BufferingHints"] == {"SizeInMBs": 128, "IntervalInSeconds": 60}
        assert (view["RoleARN"], view["BucketARN"], view["Prefix"]) == (
            plane["role"],
            "arn:aws:s3:::trading-archive",
            PREFIX,
        )
        assert view["EncryptionConfiguration"] == {"KMSEncryptionConfig": {"AWSKMSKeyARN": plane["key"]}}
    # A stale version or an unknown destination is refused, as moto already does.
    error = refused(update, plane=plane, version="1", Prefix="market-data/")
    assert error["Code"] == "ConcurrentModificationException"
    error = refused(
        plane["firehose"].update_destination,
        DeliveryStreamName="ticks-archive",
        CurrentDeliveryStreamVersionId="2",
        DestinationId="destinationId-000000000009",
        ExtendedS3DestinationUpdate={"Prefix": "market-data/"},
    )
    assert error["Code"] == "InvalidArgumentException"


def test_update_destination_is_held_to_the_rules_of_what_it_leaves(plane):
    create(plane)
    for changes in (
        {"ErrorOutputPrefix": ""},
        {"Prefix": "market-data/!{firehose:error-output-type}/"},
        {"BufferingHints": {"SizeInMBs": 128}},
        {"DynamicPartitioningConfiguration": {"Enabled": True}},
    ):
        assert refused(update, plane=plane, **changes)["Code"] == "InvalidArgumentException", changes
    assert described(plane)["VersionId"] == "1"
    create(plane, name="partitioned", DynamicPartitioningConfiguration={"Enabled": True})
    error = refused(update, plane=plane, name="partitioned", DynamicPartitioningConfiguration={"Enabled": False})
    assert error["Code"] == "InvalidArgumentException"
    update(plane, name="partitioned", DynamicPartitioningConfiguration={"Enabled": True})
    assert described(plane, "partitioned")["VersionId"] == "2"


def test_list_delivery_streams_answers_ten_names_a_page_by_default(plane):
    firehose = plane["firehose"]
    for i in range(12):
        firehose.create_delivery_stream(
            DeliveryStreamName=f"feed-{i:02}", ExtendedS3DestinationConfiguration=destination(plane)
        )
    first = firehose.list_delivery_streams()
    assert (len(first["DeliveryStreamNames"]), first["HasMoreDeliveryStreams"]) == (10, True)
    rest = firehose.list_delivery_streams(ExclusiveStartDeliveryStreamName=first["DeliveryStreamNames"][-1])
    assert rest["DeliveryStreamNames"] == ["feed-10", "feed-11"] and rest["HasMoreDeliveryStreams"] is False
    assert len(firehose.list_delivery_streams(Limit=20)["DeliveryStreamNames"]) == 12
