"""data_archive against the local AWS (its Firehose, Glue and Athena rules are tools/local_aws/firehose.py,
glue.py and athena.py's; its S3 and IAM are the cores of s3_buckets and iam_roles)."""

from __future__ import annotations

import copy
import json

import botocore.exceptions
import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import data_archive

from tests.helpers import run_module

TAGS = {"Project": "trading", "Environment": "test"}
ACCOUNT = "123456789012"
ARCHIVE = "trading-test-archive"
LOGS = "trading-test-archive-logs"
RESULTS = "trading-test-athena-results"
PREFIX = "market-data/feed=quotes/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
ERRORS = "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
DELIVERY = "trading-test-quotes-archive"


def trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def tls_only(bucket: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def log_delivery(bucket: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ],
    }


@pytest.fixture
def plane(aws):
    """What the archive reads from and is keyed with: a market-data stream and the data key."""
    kinesis = aws.client("kinesis")
    kinesis.create_stream(StreamName="trading-test-quotes", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    stream = kinesis.describe_stream_summary(StreamName="trading-test-quotes")["StreamDescriptionSummary"]
    key = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    return {"stream": stream["StreamARN"], "key": key}


def archive_args(plane) -> dict:
    key = plane["key"]
    delivery_role = f"arn:aws:iam::{ACCOUNT}:role/trading-test-archive-delivery"
    return {
        "buckets": [
            {
                "name": LOGS,
                "encryption": "AES256",
                "public_access": {},
                "object_ownership": "BucketOwnerEnforced",
                "policy": log_delivery(LOGS),
            },
            {
                "name": ARCHIVE,
                "encryption": "aws:kms",
                "encryption_key_id": key,
                "bucket_key_enabled": True,
                "public_access": {},
                "versioning": True,
                "object_lock": {"mode": "COMPLIANCE", "days": 30},
                "policy": tls_only(ARCHIVE),
                "logging": {"target_bucket": LOGS, "target_prefix": "archive/"},
                "lifecycle_rules": [
                    {
                        "id": "archive-tiers",
                        "transitions": [
                            {"days": 90, "storage_class": "GLACIER_IR"},
                            {"days": 365, "storage_class": "DEEP_ARCHIVE"},
                        ],
                    }
                ],
            },
            {"name": RESULTS, "encryption": "aws:kms", "encryption_key_id": key, "public_access": {}},
        ],
        "roles": [
            {
                "name": "trading-test-archive-delivery",
                "assume_role_policy": trust("firehose.amazonaws.com"),
                "inline_policies": {
                    "delivery": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}],
                    }
                },
            },
            {"name": "trading-test-archive-crawler", "assume_role_policy": trust("glue.amazonaws.com")},
        ],
        "delivery_streams": [
            {
                "name": DELIVERY,
                "source_stream_arn": plane["stream"],
                "role_arn": delivery_role,
                "bucket_arn": f"arn:aws:s3:::{ARCHIVE}",
                "prefix": PREFIX,
                "error_output_prefix": ERRORS,
                "kms_key_arn": key,
                "log_group_name": "/aws/kinesisfirehose/trading-test-quotes-archive",
            }
        ],
        "glue_database": {"name": "trading_test_market_data", "description": "Archived market data"},
        "crawlers": [
            {
                "name": "trading-test-market-data",
                "role_arn": f"arn:aws:iam::{ACCOUNT}:role/trading-test-archive-crawler",
                "s3_targets": [f"s3://{ARCHIVE}/market-data/"],
                "schedule": "cron(15 2 * * ? *)",
                "schema_change_policy": {"delete_behavior": "LOG"},
            }
        ],
        "athena_workgroups": [
            {
                "name": "trading-test-research",
                "output_location": f"s3://{RESULTS}/results/",
                "kms_key_arn": key,
                "bytes_scanned_cutoff": 10_737_418_240,
            }
        ],
        "tags": TAGS,
    }


@pytest.fixture
def run(aws, capsys):
    def _run(args, check_mode=False, **overrides):
        return run_module(data_archive, dict(args, **overrides), check_mode=check_mode, capsys=capsys)

    return _run


def operations(aws, read=None) -> dict:
    return {c["operation"]: c["count"] for c in aws.calls()["calls"] if read is None or c["read"] == read}


def delivery(aws, name=DELIVERY) -> dict:
    return aws.client("firehose").describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]


def destination(aws, name=DELIVERY) -> dict:
    return delivery(aws, name)["Destinations"][0]["ExtendedS3DestinationDescription"]


KINDS = [
    ("S3 bucket", LOGS),
    ("S3 bucket", ARCHIVE),
    ("S3 bucket", RESULTS),
    ("IAM role", "trading-test-archive-delivery"),
    ("IAM role", "trading-test-archive-crawler"),
    ("Firehose delivery stream", DELIVERY),
    ("Glue database", "trading_test_market_data"),
    ("Glue crawler", "trading-test-market-data"),
    ("Athena workgroup", "trading-test-research"),
]


def test_check_mode_on_empty_plans_everything_and_writes_nothing(aws, plane, run):
    aws.clear_calls()
    planned = run(archive_args(plane), check_mode=True)
    assert not planned.failed, planned
    assert aws.writes() == []
    assert planned["changed"] is True
    assert [(r["kind"], r["name"]) for r in planned["resources"]] == KINDS
    assert {r["action"] for r in planned["resources"]} == {"create"}
    assert planned["delivery_streams"][0]["arn"] is None


def test_create_from_nothing_then_a_second_run_reads_what_is_documented_and_writes_nothing(aws, plane, run):
    args = archive_args(plane)
    planned = run(args, check_mode=True)
    created = run(args)
    assert not created.failed, created.get("msg")
    assert created["changed"] is True
    assert [(r["kind"], r["name"], r["action"]) for r in created["resources"]] == [(k, n, "create") for k, n in KINDS]
    assert planned["actions"] == created["actions"]
    described = delivery(aws)
    assert described["DeliveryStreamType"] == "KinesisStreamAsSource"
    assert described["Source"]["KinesisStreamSourceDescription"]["KinesisStreamARN"] == plane["stream"]
    dest = destination(aws)
    assert (dest["Prefix"], dest["ErrorOutputPrefix"], dest["CompressionFormat"]) == (PREFIX, ERRORS, "GZIP")
    assert dest["BufferingHints"] == {"SizeInMBs": 64, "IntervalInSeconds": 300}
    assert dest["EncryptionConfiguration"] == {"KMSEncryptionConfig": {"AWSKMSKeyARN": plane["key"]}}
    assert dest["CloudWatchLoggingOptions"]["Enabled"] is True
    result = created["delivery_streams"][0]
    assert result["arn"] == described["DeliveryStreamARN"] and result["status"] == "ACTIVE"
    assert result["version_id"] == described["VersionId"] and result["destination"]["prefix"] == PREFIX
    firehose_tags = aws.client("firehose").list_tags_for_delivery_stream(DeliveryStreamName=DELIVERY)["Tags"]
    assert {t["Key"]: t["Value"] for t in firehose_tags} == TAGS
    glue = aws.client("glue")
    assert glue.get_database(Name="trading_test_market_data")["Database"]["Description"] == "Archived market data"
    crawler = glue.get_crawler(Name="trading-test-market-data")["Crawler"]
    assert crawler["Schedule"]["ScheduleExpression"] == "cron(15 2 * * ? *)"
    assert crawler["SchemaChangePolicy"] == {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"}
    arn = f"arn:aws:glue:us-east-1:{ACCOUNT}:crawler/trading-test-market-data"
    assert glue.get_tags(ResourceArn=arn)["Tags"] == TAGS
    group = aws.client("athena").get_work_group(WorkGroup="trading-test-research")["WorkGroup"]["Configuration"]
    assert group["BytesScannedCutoffPerQuery"] == 10_737_418_240
    assert group["ResultConfiguration"]["EncryptionConfiguration"] == {
        "EncryptionOption": "SSE_KMS",
        "KmsKey": plane["key"],
    }
    lock = aws.client("s3").get_object_lock_configuration(Bucket=ARCHIVE)["ObjectLockConfiguration"]
    assert (lock["Rule"]["DefaultRetention"]["Mode"], lock["Rule"]["DefaultRetention"]["Days"]) == ("COMPLIANCE", 30)
    assert created["roles"]["trading-test-archive-delivery"]["arn"].endswith(":role/trading-test-archive-delivery")
    assert created["buckets"][ARCHIVE]["versioning"] == "Enabled"

    aws.clear_calls()
    again = run(args)
    assert again["changed"] is False and again["actions"] == [] and again["resources"] == [], again["actions"]
    assert aws.writes() == []
    reads = operations(aws, read=True)
    # The documented reads: the buckets' and roles' as their cores make them, then one read a delivery stream,
    # database and workgroup, one for all the crawlers, and one tag read each (the account from the database).
    assert reads == {
        "HeadBucket": 3,
        "GetBucketEncryption": 3,
        "GetPublicAccessBlock": 3,
        "GetBucketOwnershipControls": 1,
        "GetBucketPolicy": 2,
        "GetBucketVersioning": 1,
        "GetObjectLockConfiguration": 1,
        "GetBucketLogging": 1,
        "GetBucketLifecycleConfiguration": 1,
        "GetBucketTagging": 3,
        "GetRole": 2,
        "ListAttachedRolePolicies": 2,
        "ListRolePolicies": 2,
        "GetRolePolicy": 1,
        "DescribeDeliveryStream": 1,
        "ListTagsForDeliveryStream": 1,
        "GetDatabase": 1,
        "BatchGetCrawlers": 1,
        "GetTags": 2,
        "GetWorkGroup": 1,
        "ListTagsForResource": 1,
    }
    assert again["delivery_streams"] == created["delivery_streams"]


def test_changes_of_each_kind_are_made_in_place_with_the_diff(aws, plane, run):
    args = archive_args(plane)
    run(args)
    version = delivery(aws)["VersionId"]
    changed = copy.deepcopy(args)
    changed["delivery_streams"][0].update(buffering_size_mb=128, prefix=PREFIX.replace("quotes", "ticks"))
    changed["crawlers"][0]["schedule"] = "cron(0 4 * * ? *)"
    changed["athena_workgroups"][0]["bytes_scanned_cutoff"] = 20_000_000
    aws.clear_calls()
    planned = run(changed, check_mode=True, _ansible_diff=True)
    assert aws.writes() == []
    done = run(changed, _ansible_diff=True)
    assert planned["actions"] == done["actions"] and planned["diff"] == done["diff"]
    assert [(r["kind"], r["action"]) for r in done["resources"]] == [
        ("Firehose delivery stream", "change"),
        ("Glue crawler", "change"),
        ("Athena workgroup", "change"),
    ]
    assert done["actions"][0].startswith(f"update the S3 destination of Firehose delivery stream {DELIVERY}: ")
    assert "buffering 128 MiB or 300 s (was 64 MiB or 300 s)" in done["actions"][0]
    writes = {c["operation"]: c["count"] for c in aws.writes()}
    assert writes == {"UpdateDestination": 1, "UpdateCrawler": 1, "UpdateWorkGroup": 1}
    assert delivery(aws)["VersionId"] == str(int(version) + 1)
    dest = destination(aws)
    assert dest["BufferingHints"]["SizeInMBs"] == 128 and "feed=ticks" in dest["Prefix"]
    assert dest["RoleARN"].endswith("trading-test-archive-delivery") and dest["ErrorOutputPrefix"] == ERRORS
    crawler = aws.client("glue").get_crawler(Name="trading-test-market-data")["Crawler"]
    assert crawler["Schedule"]["ScheduleExpression"] == "cron(0 4 * * ? *)"
    group = aws.client("athena").get_work_group(WorkGroup="trading-test-research")["WorkGroup"]
    assert group["Configuration"]["BytesScannedCutoffPerQuery"] == 20_000_000
    diff = done["diff"]
    assert diff["before"]["delivery_streams"][DELIVERY]["destination"]["buffering_size_mb"] == 64
    assert diff["after"]["delivery_streams"][DELIVERY]["destination"]["buffering_size_mb"] == 128
    assert diff["before"]["crawlers"]["trading-test-market-data"]["schedule"] == "cron(15 2 * * ? *)"
    assert diff["after"]["athena_workgroups"]["trading-test-research"]["bytes_scanned_cutoff"] == 20_000_000
    assert set(diff["before"]) == {"delivery_streams", "crawlers", "athena_workgroups"}
    assert run(changed)["changed"] is False


def test_tags_are_reconciled_on_every_kind(aws, plane, run):
    args = archive_args(plane)
    run(args)
    retagged = run(args, tags={**TAGS, "Component": "data_plane"})
    assert {r["kind"] for r in retagged["resources"]} == {k for k, _n in KINDS}
    assert "tag Glue database trading_test_market_data: set Component" in retagged["actions"]
    arn = f"arn:aws:athena:us-east-1:{ACCOUNT}:workgroup/trading-test-research"
    tags = aws.client("athena").list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {**TAGS, "Component": "data_plane"}
    assert run(args, tags={**TAGS, "Component": "data_plane"})["changed"] is False


def test_a_source_stream_change_is_refused_before_any_write(aws, plane, run):
    args = archive_args(plane)
    run(args)
    kinesis = aws.client("kinesis")
    kinesis.create_stream(StreamName="trading-test-ticks", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    other = kinesis.describe_stream_summary(StreamName="trading-test-ticks")["StreamDescriptionSummary"]["StreamARN"]
    moved = copy.deepcopy(args)
    moved["delivery_streams"][0]["source_stream_arn"] = other
    moved["athena_workgroups"][0]["bytes_scanned_cutoff"] = 20_000_000  # would be changed, were it not refused
    aws.clear_calls()
    refused = run(moved)
    assert refused.failed and f"delivery stream {DELIVERY}: its source stream is {plane['stream']}" in refused["msg"]
    assert "cannot change in place" in refused["msg"]
    assert aws.writes() == [] and refused["actions"] == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a["delivery_streams"][0].update(error_output_prefix=""), "needs an error_output_prefix"),
        (lambda a: a["delivery_streams"][0].update(buffering_size_mb=129), "buffering_size_mb must be 1 to 128"),
        (lambda a: a["delivery_streams"][0].update(buffering_interval_s=901), "buffering_interval_s must be 0 to 900"),
        (lambda a: a["delivery_streams"][0].update(error_output_prefix="errors/!{timestamp:yyyy}/"), "must include"),
        (lambda a: a["delivery_streams"][0].update(source_stream_arn=None), "source_stream_arn required"),
        (lambda a: a["crawlers"][0].update(s3_targets=[]), "at least one s3_targets"),
        (lambda a: a["crawlers"][0].update(s3_targets=["archive/market-data/"]), "not s3://bucket"),
        (lambda a: a["crawlers"][0].update(schedule="cron(0 4 * * *)"), "must be cron("),
        (
            lambda a: a["crawlers"][0].update(recrawl_behavior="CRAWL_NEW_FOLDERS_ONLY"),
            "CRAWL_NEW_FOLDERS_ONLY takes only LOG",
        ),
        (lambda a: a["athena_workgroups"][0].update(output_location="results/"), "is not an s3://bucket"),
        (lambda a: a["athena_workgroups"][0].update(bytes_scanned_cutoff=9_999_999), "10000000 (10 MB) or more"),
        (lambda a: a["athena_workgroups"][0].update(name="primary"), "not primary"),
        (lambda a: a["crawlers"].append(dict(a["crawlers"][0])), "crawlers lists trading-test-market-data more"),
        (lambda a: a["buckets"][1].update(versioning=False), "object_lock needs versioning"),
    ],
)
def test_what_aws_refuses_is_refused_before_any_call(aws, plane, run, change, message):
    args = archive_args(plane)
    change(args)
    aws.clear_calls()
    refused = run(args)
    assert refused.failed and message in refused["msg"], refused["msg"]
    assert aws.calls()["total"] == 0


def test_throttling_is_retried_with_backoff(aws, plane, run, monkeypatch, backoff):
    """botocore's own retries off: only the module's retries stand between the faults and failure."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    args = archive_args(plane)
    aws.set_faults(throttle_rate=0.3, seed=7, services=["firehose", "glue", "athena"])
    try:
        created = run(args)
        again = run(args)
        injected = aws.faults()["injected"]
    finally:
        aws.set_faults()
    assert not created.failed and created["changed"] is True, created.get("msg")
    assert again["changed"] is False
    assert injected >= 3 and len(backoff.slept) >= injected
    assert delivery(aws)["DeliveryStreamStatus"] == "ACTIVE"


def client_error(code: str, message: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, "CreateDeliveryStream")


def test_a_role_iam_has_not_propagated_is_retried_and_nothing_else_is():
    """Firehose's refusal of a new role is not emulated (the local AWS does not assume roles): the retry alone."""
    answers = [client_error("InvalidArgumentException", "Firehose is unable to assume role arn:aws:iam::1:role/x")] * 3
    slept, calls = [], []

    def create(**request):
        calls.append(request)
        if answers:
            raise answers.pop()
        return {"DeliveryStreamARN": "arn"}

    assert data_archive.create_retrying_role(create, {"DeliveryStreamName": "x"}, sleep=slept.append) == {
        "DeliveryStreamARN": "arn"
    }
    assert len(calls) == 4 and slept == [2, 4, 8]
    other = client_error("InvalidArgumentException", "ErrorOutputPrefix cannot be null or empty")
    with pytest.raises(botocore.exceptions.ClientError):
        data_archive.create_retrying_role(lambda **_r: (_ for _ in ()).throw(other), {}, sleep=slept.append)
    assert slept == [2, 4, 8]
    # Two minutes at most: then the error is the task's.
    clock = iter(range(0, 1000, 50))
    stuck = client_error("InvalidArgumentException", "Firehose is unable to assume role arn:aws:iam::1:role/x")
    with pytest.raises(botocore.exceptions.ClientError):
        data_archive.create_retrying_role(
            lambda **_r: (_ for _ in ()).throw(stuck), {}, sleep=lambda _s: None, clock=lambda: next(clock)
        )


def test_absent_deletes_everything_keeps_a_locked_bucket_that_holds_an_object_and_is_idempotent(aws, plane, run):
    args = archive_args(plane)
    run(args)
    aws.client("s3").put_object(Bucket=ARCHIVE, Key="market-data/feed=quotes/one.json.gz", Body=b"{}")
    aws.client("athena").create_named_query(
        Name="latest", Database="trading_test_market_data", QueryString="SELECT 1", WorkGroup="trading-test-research"
    )
    planned = run(args, state="absent", force=True, check_mode=True)
    assert aws.client("s3").list_objects_v2(Bucket=ARCHIVE)["KeyCount"] == 1
    gone = run(args, state="absent", force=True)
    assert not gone.failed, gone.get("msg")
    assert gone["actions"] == planned["actions"]
    assert [(r["kind"], r["name"], r["action"]) for r in gone["resources"]] == [
        ("Athena workgroup", "trading-test-research", "delete"),
        ("Glue crawler", "trading-test-market-data", "delete"),
        ("Glue database", "trading_test_market_data", "delete"),
        ("Firehose delivery stream", DELIVERY, "delete"),
        ("IAM role", "trading-test-archive-crawler", "delete"),
        ("IAM role", "trading-test-archive-delivery", "delete"),
        ("S3 bucket", RESULTS, "delete"),
        ("S3 bucket", LOGS, "delete"),
    ]
    assert gone["kept"] == [ARCHIVE]
    assert gone["buckets"][ARCHIVE]["reason"] == data_archive.LOCKED_REASON
    warnings = [w["event"]["msg"] if isinstance(w, dict) else w for w in gone.get("warnings") or []]
    assert warnings == [f"kept s3://{ARCHIVE}: {data_archive.LOCKED_REASON}"]
    assert [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]] == [ARCHIVE]
    assert aws.client("s3").list_object_versions(Bucket=ARCHIVE)["Versions"]  # never emptied
    assert aws.client("firehose").list_delivery_streams()["DeliveryStreamNames"] == []
    assert aws.client("glue").get_databases()["DatabaseList"] == []
    assert aws.client("glue").get_crawlers()["Crawlers"] == []
    assert [g["Name"] for g in aws.client("athena").list_work_groups()["WorkGroups"]] == ["primary"]
    assert not [r for r in aws.client("iam").list_roles()["Roles"] if r["RoleName"].startswith("trading-test-")]
    aws.clear_calls()
    again = run(args, state="absent", force=True)
    assert again["changed"] is False and again["resources"] == [] and again["kept"] == [ARCHIVE]
    assert aws.writes() == []


def test_a_part_not_given_is_neither_read_nor_changed(aws, plane, run):
    args = archive_args(plane)
    aws.clear_calls()
    only = run({"athena_workgroups": args["athena_workgroups"], "tags": TAGS})
    assert [r["kind"] for r in only["resources"]] == ["Athena workgroup"]
    services = {c["service"] for c in aws.calls()["calls"]}
    assert services == {"athena"}
    assert only["glue_database"] is None and only["delivery_streams"] == [] and only["buckets"] == {}
