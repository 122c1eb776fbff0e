"""s3_buckets against the local AWS: a role's buckets with every part the roles set, in one invocation."""

import json

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import Buckets
from ansible_collections.ninetynine.trading_infra.plugins.modules import s3_buckets

from tests.helpers import run_module

TAGS = {"Project": "trading", "Environment": "test"}
LOGS, HISTORY = "trading-test-alb-logs-123456789012", "trading-test-compliance-123456789012"
READS = (
    "GetPublicAccessBlock",
    "GetBucketOwnershipControls",
    "GetBucketEncryption",
    "GetBucketPolicy",
    "GetBucketVersioning",
    "GetBucketLifecycleConfiguration",
    "GetBucketTagging",
)
BLOCKED = {
    "block_public_acls": True,
    "ignore_public_acls": True,
    "block_public_policy": True,
    "restrict_public_buckets": True,
}


@pytest.fixture
def run(aws, capsys):
    def _run(buckets, check_mode=False, **overrides):
        args = {"buckets": buckets, "tags": TAGS}
        args.update(overrides)
        return run_module(s3_buckets, args, check_mode=check_mode, capsys=capsys)

    return _run


def policy_of(name, *extra):
    """The compliance role's kind of policy: a service writes one prefix, nothing over plain HTTP."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ConfigDelivers",
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{name}/config/*",
            },
            {
                "Sid": "DenyPlainHttp",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            *extra,
        ],
    }


def history(**overrides):
    """The compliance role's bucket, as the role asks for it (SSE-S3, GLACIER_IR after 90 days, 7 years)."""
    spec = {
        "name": HISTORY,
        "encryption": "AES256",
        "public_access": {},
        "object_ownership": "BucketOwnerEnforced",
        "policy": policy_of(HISTORY),
        "versioning": True,
        "lifecycle_rules": [
            {
                "id": "history",
                "prefix": "",
                "status": "enabled",
                "transitions": [{"transition_days": 90, "storage_class": "GLACIER_IR"}],
                "expiration_days": 2557,
                "noncurrent_version_expiration_days": 30,
                "abort_incomplete_multipart_upload_days": 7,
            }
        ],
    }
    spec.update(overrides)
    return spec


def logs(**overrides):
    """An access-log bucket with SSE-KMS and a bucket key."""
    spec = {
        "name": LOGS,
        "encryption": "aws:kms",
        "encryption_key_id": "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
        "bucket_key_enabled": True,
        "public_access": {},
        "object_ownership": "BucketOwnerEnforced",
        "policy": json.dumps(policy_of(LOGS)),
        "versioning": False,
        "lifecycle_rules": [
            {
                "id": "access-logs",
                "prefix": "alb/",
                "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}],
                "expiration_days": 90,
                "abort_incomplete_multipart_upload_days": 7,
            }
        ],
    }
    spec.update(overrides)
    return spec


def counts(aws):
    return {c["operation"]: c["count"] for c in aws.calls()["calls"]}


def writes(aws):
    return {c["operation"]: c["count"] for c in aws.writes()}


def lifecycle_of(aws, name):
    return aws.client("s3").get_bucket_lifecycle_configuration(Bucket=name)["Rules"]


def tags_of(aws, name):
    return {t["Key"]: t["Value"] for t in aws.client("s3").get_bucket_tagging(Bucket=name)["TagSet"]}


def warnings(result):
    """The warnings' texts (ansible-core 2.19 returns each as a summary with its message)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings") or []]


def bucket_names(aws):
    return {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}


def test_buckets_are_created_with_every_part_then_a_second_run_reads_each_part_once_and_writes_nothing(aws, run):
    created = run([history(), logs()])
    assert created["changed"] is True and not created.failed, created
    assert created["actions"][:8] == [
        f"create bucket {HISTORY} in us-east-1 (object ownership BucketOwnerEnforced)",
        f"set the public access block of bucket {HISTORY}: block_public_acls true, ignore_public_acls true, "
        "block_public_policy true, restrict_public_buckets true",
        f"set the encryption of bucket {HISTORY}: AES256",
        f"set the policy of bucket {HISTORY}",
        f"turn versioning on for bucket {HISTORY}",
        f"set the lifecycle rules of bucket {HISTORY}: add history",
        f"tag bucket {HISTORY}: set Environment, Name, Project",
        f"create bucket {LOGS} in us-east-1 (object ownership BucketOwnerEnforced)",
    ]
    s3 = aws.client("s3")
    assert s3.get_bucket_encryption(Bucket=HISTORY)["ServerSideEncryptionConfiguration"]["Rules"][0] == {
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
        "BucketKeyEnabled": False,
    }
    kms = s3.get_bucket_encryption(Bucket=LOGS)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert kms["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert kms["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == logs()["encryption_key_id"]
    assert kms["BucketKeyEnabled"] is True
    assert s3.get_public_access_block(Bucket=HISTORY)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert s3.get_bucket_ownership_controls(Bucket=HISTORY)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}
    ]
    assert json.loads(s3.get_bucket_policy(Bucket=HISTORY)["Policy"]) == policy_of(HISTORY)
    assert s3.get_bucket_versioning(Bucket=HISTORY)["Status"] == "Enabled"
    assert "Status" not in s3.get_bucket_versioning(Bucket=LOGS)  # false: never versioned, left so
    (rule,) = lifecycle_of(aws, HISTORY)
    assert rule["ID"] == "history" and rule["Status"] == "Enabled" and rule["Filter"] == {"Prefix": ""}
    assert rule["Transitions"] == [{"Days": 90, "StorageClass": "GLACIER_IR"}]
    assert rule["Expiration"] == {"Days": 2557}
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert tags_of(aws, HISTORY) == dict(TAGS, Name=HISTORY)
    # The return value carries what the roles read, in the options' form.
    result = created["buckets"][HISTORY]
    assert result["arn"] == f"arn:aws:s3:::{HISTORY}" and result["region"] == "us-east-1"
    assert result["public_access"] == BLOCKED and result["object_ownership"] == "BucketOwnerEnforced"
    assert result["lifecycle_rules"][0]["transitions"] == [{"days": 90, "storage_class": "GLACIER_IR"}]
    assert created["buckets"][LOGS]["encryption"]["bucket_key_enabled"] is True
    # Two buckets, each created once with all its parts.
    assert [(r["kind"], r["name"], r["action"]) for r in created["resources"]] == [
        ("S3 bucket", HISTORY, "create"),
        ("S3 bucket", LOGS, "create"),
    ]
    assert sum(len(r["changes"]) for r in created["resources"]) == len(created["actions"])
    assert created["resources"][0]["changes"] == created["actions"][:7]

    aws.clear_calls()
    again = run([history(), logs()])
    assert again["changed"] is False and again["actions"] == [] and aws.writes() == [], again["actions"]
    assert again["resources"] == []
    # Per bucket: HeadBucket, then one read per part asked for, and nothing else.
    assert counts(aws) == {"HeadBucket": 2, **dict.fromkeys(READS, 2)}
    assert again["buckets"][HISTORY] == result
    assert again["buckets"][LOGS]["policy"] == policy_of(LOGS)

    # Only the parts asked for are read.
    aws.clear_calls()
    assert run([{"name": HISTORY, "encryption": "AES256"}], tags=None)["changed"] is False
    assert counts(aws) == {"HeadBucket": 1, "GetBucketEncryption": 1}


def test_a_policy_change_is_written_and_the_same_policy_spelled_otherwise_is_not(aws, run):
    run([history()])
    # Statements in another order, a list of one for a string, JSON for a dict: the same policy.
    same = policy_of(HISTORY)
    same["Statement"].reverse()
    same["Statement"][1]["Action"] = ["s3:PutObject"]
    aws.clear_calls()
    assert run([history(policy=json.dumps(same))])["changed"] is False and aws.writes() == []

    extra = {
        "Sid": "CloudTrailDelivers",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{HISTORY}/cloudtrail/*",
    }
    changed = run([history(policy=policy_of(HISTORY, extra))], _ansible_diff=True)
    assert changed["actions"] == [f"replace the policy of bucket {HISTORY}"]
    assert writes(aws) == {"PutBucketPolicy": 1}
    policy = json.loads(aws.client("s3").get_bucket_policy(Bucket=HISTORY)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["ConfigDelivers", "DenyPlainHttp", "CloudTrailDelivers"]
    assert len(changed["diff"]["before"][HISTORY]["policy"]["Statement"]) == 2
    assert len(changed["diff"]["after"][HISTORY]["policy"]["Statement"]) == 3

    removed = run([history(policy={})])
    assert removed["actions"] == [f"delete the policy of bucket {HISTORY}"]
    assert removed["buckets"][HISTORY]["policy"] is None
    assert run([history(policy="")])["changed"] is False


def test_lifecycle_rules_are_the_exact_set_asked_for(aws, run):
    run([logs()])
    s3 = aws.client("s3")
    # A rule added by hand beside the role's.
    by_hand = {"ID": "by-hand", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled", "Expiration": {"Days": 1}}
    rules = [*lifecycle_of(aws, LOGS), by_hand]
    s3.put_bucket_lifecycle_configuration(Bucket=LOGS, LifecycleConfiguration={"Rules": rules})
    aws.clear_calls()
    purged = run([logs()])
    assert purged["actions"] == [f"set the lifecycle rules of bucket {LOGS}: remove by-hand"]
    assert writes(aws) == {"PutBucketLifecycleConfiguration": 1}
    assert [r["ID"] for r in lifecycle_of(aws, LOGS)] == ["access-logs"]

    # Longer retention, and a prefix change: the rule of that id is replaced (not kept beside a new one).
    longer = logs()
    longer["lifecycle_rules"][0].update(expiration_days=365, prefix="logs/")
    longer["lifecycle_rules"].append({"id": "uploads", "abort_incomplete_multipart_upload_days": 3})
    changed = run([longer], _ansible_diff=True)
    assert changed["actions"] == [f"set the lifecycle rules of bucket {LOGS}: replace access-logs, add uploads"]
    rules = {r["ID"]: r for r in lifecycle_of(aws, LOGS)}
    assert set(rules) == {"access-logs", "uploads"}
    assert rules["access-logs"]["Filter"] == {"Prefix": "logs/"} and rules["access-logs"]["Expiration"] == {"Days": 365}
    assert changed["diff"]["before"][LOGS]["lifecycle_rules"][0]["expiration_days"] == 90
    assert changed["diff"]["after"][LOGS]["lifecycle_rules"][0]["expiration_days"] == 365
    assert run([longer])["changed"] is False

    disabled = logs(lifecycle_rules=[dict(longer["lifecycle_rules"][0], status="disabled")])
    assert run([disabled])["actions"] == [
        f"set the lifecycle rules of bucket {LOGS}: replace access-logs, remove uploads"
    ]
    assert lifecycle_of(aws, LOGS)[0]["Status"] == "Disabled"

    gone = run([logs(lifecycle_rules=[])])
    assert gone["actions"] == [f"delete the lifecycle rules of bucket {LOGS}: remove access-logs"]
    assert writes(aws)["DeleteBucketLifecycle"] == 1
    assert run([logs(lifecycle_rules=[])])["changed"] is False


def test_encryption_changes_in_place(aws, run):
    run([history()])
    key = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
    aws.clear_calls()
    changed = run([history(encryption="aws:kms", encryption_key_id=key, bucket_key_enabled=True)])
    assert changed["actions"] == [
        f"set the encryption of bucket {HISTORY}: aws:kms with key {key}, bucket key on (was AES256)"
    ]
    assert writes(aws) == {"PutBucketEncryption": 1}
    rule = aws.client("s3").get_bucket_encryption(Bucket=HISTORY)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}
    assert changed["buckets"][HISTORY]["encryption"] == {
        "sse_algorithm": "aws:kms",
        "kms_key_id": key,
        "bucket_key_enabled": True,
    }
    # The key's id is the same key as its ARN; bucket_key_enabled omitted is left as it is.
    assert run([history(encryption="aws:kms", encryption_key_id=key.rsplit("/", 1)[-1])])["changed"] is False
    back = run([history()])
    assert back["actions"] == [
        f"set the encryption of bucket {HISTORY}: AES256 (was aws:kms with key {key}, bucket key on)"
    ]


def test_public_access_ownership_and_versioning_drift_is_put_back(aws, run):
    run([history()])
    s3 = aws.client("s3")
    s3.put_public_access_block(
        Bucket=HISTORY,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False,
        },
    )
    s3.put_bucket_ownership_controls(Bucket=HISTORY, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.put_bucket_versioning(Bucket=HISTORY, VersioningConfiguration={"Status": "Suspended"})
    aws.clear_calls()
    fixed = run([history()])
    assert fixed["actions"] == [
        f"set the public access block of bucket {HISTORY}: ignore_public_acls true (was false), "
        "restrict_public_buckets true (was false)",
        f"set the object ownership of bucket {HISTORY}: BucketOwnerEnforced (was ObjectWriter)",
        f"turn versioning on for bucket {HISTORY}",
    ]
    assert writes(aws) == {"PutPublicAccessBlock": 1, "PutBucketOwnershipControls": 1, "PutBucketVersioning": 1}
    suspended = run([history(versioning=False)])
    assert suspended["actions"] == [f"suspend versioning of bucket {HISTORY}"]
    assert s3.get_bucket_versioning(Bucket=HISTORY)["Status"] == "Suspended"
    assert run([history(versioning=False)])["changed"] is False


def test_tags_name_each_bucket_and_strays_are_purged_only_when_asked(aws, run):
    run([history()])
    s3 = aws.client("s3")
    s3.put_bucket_tagging(
        Bucket=HISTORY,
        Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in dict(tags_of(aws, HISTORY), Owner="someone").items()]},
    )
    assert run([history()], purge_tags=False)["changed"] is False
    aws.clear_calls()
    changed = run([history()], tags=dict(TAGS, Environment="other"))
    assert changed["actions"] == [f"tag bucket {HISTORY}: set Environment; remove Owner"]
    assert writes(aws) == {"PutBucketTagging": 1}  # S3 replaces the whole set: one write
    assert tags_of(aws, HISTORY) == dict(TAGS, Environment="other", Name=HISTORY)
    # A bucket's own tags go over the module's; omitted tags leave them alone (and are not read).
    own = run([history(tags={"Service": "config"})], tags=dict(TAGS, Environment="other"))
    assert own["actions"] == [f"tag bucket {HISTORY}: set Service"]
    aws.clear_calls()
    assert run([history()], tags=None)["changed"] is False
    assert "GetBucketTagging" not in counts(aws)


def test_check_mode_writes_nothing_and_plans_what_the_run_does(aws, run):
    aws.clear_calls()
    planned = run([history(), logs()], check_mode=True, _ansible_diff=True)
    assert planned["changed"] is True and aws.writes() == []
    assert bucket_names(aws) == set()
    # A bucket to be created is reported as created, with the ARN S3 derives from its name.
    result = planned["buckets"][HISTORY]
    assert result["arn"] == f"arn:aws:s3:::{HISTORY}" and result["lifecycle_rules"][0]["id"] == "history"
    assert planned["diff"]["before"] == {}
    assert planned["diff"]["after"][HISTORY]["encryption"]["sse_algorithm"] == "AES256"
    applied = run([history(), logs()])
    assert applied["actions"] == planned["actions"]
    assert applied["buckets"] == planned["buckets"]
    assert applied["resources"] == planned["resources"] and len(planned["resources"]) == 2

    # On buckets that exist: drift planned, nothing written, the same actions as the run.
    drifted = [history(encryption="aws:kms", tags={"Tier": "audit"}), logs(lifecycle_rules=[])]
    aws.clear_calls()
    planned = run(drifted, check_mode=True)
    assert planned["changed"] is True and aws.writes() == []
    assert planned["buckets"][LOGS]["lifecycle_rules"] == []
    applied = run(drifted)
    assert applied["actions"] == planned["actions"] and applied["resources"] == planned["resources"]
    assert [(r["name"], r["action"]) for r in applied["resources"]] == [(HISTORY, "change"), (LOGS, "change")]
    again = run(drifted, check_mode=True)
    assert again["changed"] is False and again["resources"] == []


def test_diff_shows_each_bucket_that_changes(aws, run):
    run([history(), logs()])
    result = run([history(), logs(object_ownership="BucketOwnerPreferred")], _ansible_diff=True)
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert set(before) == set(after) == {LOGS}
    assert result["resources"] == [
        {"kind": "S3 bucket", "name": LOGS, "action": "change", "changes": result["actions"]}
    ]
    assert (before[LOGS]["object_ownership"], after[LOGS]["object_ownership"]) == (
        "BucketOwnerEnforced",
        "BucketOwnerPreferred",
    )
    assert before[LOGS]["lifecycle_rules"] == after[LOGS]["lifecycle_rules"]
    assert after[LOGS]["region"] == "us-east-1"


def test_absent_with_force_deletes_every_version_then_the_bucket(aws, run):
    run([history(), logs()])
    s3 = aws.client("s3")
    s3.delete_bucket_policy(Bucket=HISTORY)  # the policy admits services over TLS only
    for body in (b"one", b"two"):
        s3.put_object(Bucket=HISTORY, Key="config/history.json", Body=body)
    s3.delete_object(Bucket=HISTORY, Key="config/history.json")  # a delete marker on two versions
    versions = s3.list_object_versions(Bucket=HISTORY)
    assert len(versions["Versions"]) == 2 and len(versions["DeleteMarkers"]) == 1
    names = [{"name": HISTORY}, {"name": LOGS}, {"name": "trading-test-nowhere"}]

    aws.clear_calls()
    planned = run(names, check_mode=True, state="absent", force=True, _ansible_diff=True)
    assert aws.writes() == [] and bucket_names(aws) == {HISTORY, LOGS}
    gone = run(names, state="absent", force=True)
    assert (
        gone["actions"]
        == planned["actions"]
        == [
            f"delete every object version and delete marker of bucket {HISTORY}",
            f"delete bucket {HISTORY}",
            f"delete bucket {LOGS}",
        ]
    )
    assert planned["diff"]["before"][HISTORY]["holds_objects"] is True and planned["diff"]["after"] == {}
    assert (
        gone["resources"]
        == planned["resources"]
        == [
            {"kind": "S3 bucket", "name": HISTORY, "action": "delete", "changes": gone["actions"][:2]},
            {"kind": "S3 bucket", "name": LOGS, "action": "delete", "changes": [f"delete bucket {LOGS}"]},
        ]
    )
    assert bucket_names(aws) == set()
    assert gone["buckets"][HISTORY]["arn"] is None and gone["kept"] == []
    again = run(names, state="absent", force=True)
    assert again["changed"] is False and again["actions"] == [] and again["resources"] == []


def test_absent_with_delete_only_if_empty_keeps_a_bucket_that_holds_objects_and_says_why(aws, run):
    run([history(policy={}), logs()])
    aws.client("s3").put_object(Bucket=HISTORY, Key="AWSLogs/123456789012/Config/history.json.gz", Body=b"{}")
    reason = "prod's audit history is only deleted once the bucket is empty"
    names = [{"name": HISTORY, "keep_reason": reason}, {"name": LOGS}]
    aws.clear_calls()
    planned = run(names, check_mode=True, state="absent", delete_only_if_empty=True)
    kept = run(names, state="absent", delete_only_if_empty=True)
    assert kept["actions"] == planned["actions"] == [f"delete bucket {LOGS}"]
    assert kept["kept"] == planned["kept"] == [HISTORY]
    assert [(r["name"], r["action"]) for r in kept["resources"]] == [(LOGS, "delete")]  # the kept one: no entry
    assert warnings(kept) == [f"kept s3://{HISTORY}: {reason}"]
    assert kept["buckets"][HISTORY] == {
        "name": HISTORY,
        "arn": f"arn:aws:s3:::{HISTORY}",
        "region": "us-east-1",
        "reason": reason,
    }
    assert bucket_names(aws) == {HISTORY}
    assert aws.client("s3").list_objects_v2(Bucket=HISTORY)["KeyCount"] == 1
    assert writes(aws) == {"DeleteBucket": 1}

    # Without force or delete_only_if_empty, a bucket that holds objects fails the task, naming it.
    refused = run([{"name": HISTORY}], state="absent")
    assert refused.failed and f"buckets not empty, not deleted: {HISTORY}" in refused["msg"]
    assert bucket_names(aws) == {HISTORY}


def test_a_name_another_account_holds_is_refused_before_any_write(aws, run, monkeypatch):
    # Another account's bucket, which S3 answers this one with 403 (moto lets accounts read each other's
    # buckets unless told otherwise).
    creds = aws.client("sts").assume_role(
        RoleArn="arn:aws:iam::210987654321:role/other", RoleSessionName="other-account"
    )["Credentials"]
    import boto3

    other = boto3.client(
        "s3",
        endpoint_url=aws.url,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    other.create_bucket(Bucket=HISTORY)
    monkeypatch.setenv("MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS", "false")
    aws.clear_calls()
    refused = run([history(), logs()], expected_bucket_owner="123456789012")
    assert refused.failed and refused["actions"] == []
    assert f"{HISTORY} is taken by another account (not owned by 123456789012)" in refused["msg"], refused["msg"]
    assert aws.writes() == [] and counts(aws) == {"HeadBucket": 2}
    assert run([history()], check_mode=True).failed  # the plan says so too
    # At teardown, a name that is not ours is left alone.
    left = run([{"name": HISTORY}], state="absent", force=True)
    assert not left.failed and left["changed"] is False and "not this account's bucket" in warnings(left)[0]


def test_a_bucket_of_ours_in_another_region_is_refused(aws, run):
    aws.client("s3").create_bucket(Bucket=HISTORY, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    aws.clear_calls()
    refused = run([history()])
    assert refused.failed and f"{HISTORY} exists in region eu-west-1, not us-east-1" in refused["msg"]
    assert aws.writes() == []


def test_a_bucket_outside_us_east_1_is_created_in_its_region(aws, run):
    created = run([history()], region="eu-west-1")
    assert created["actions"][0] == f"create bucket {HISTORY} in eu-west-1 (object ownership BucketOwnerEnforced)"
    location = aws.client("s3").get_bucket_location(Bucket=HISTORY)["LocationConstraint"]
    assert location == "eu-west-1"
    assert run([history()], region="eu-west-1")["changed"] is False


@pytest.mark.parametrize(
    ("buckets", "overrides", "message"),
    [
        ([history(name="Trading-Test")], {}, "a bucket name is 3 to 63 lower-case letters"),
        ([history(name="trading..test")], {}, "without two dots in a row"),
        ([history(name="10.0.0.1")], {}, "not an IP address"),
        ([history(), history()], {}, f"buckets lists {HISTORY} more than once"),
        ([history(encryption_key_id="alias/x")], {}, "encryption_key_id is for aws:kms"),
        ([history(policy="{not json")], {}, "policy is not valid JSON"),
        (
            [history(lifecycle_rules=[{"id": "a", "transitions": [{"days": 10, "storage_class": "STANDARD_IA"}]}])],
            {},
            "a transition to STANDARD_IA needs 30 days at least, not 10",
        ),
        (
            [history(lifecycle_rules=[{"id": "a", "transitions": [{"days": 30, "storage_class": "COLD"}]}])],
            {},
            "storage class 'COLD' is not one of GLACIER, STANDARD_IA",
        ),
        (
            [
                history(
                    lifecycle_rules=[
                        {"id": "a", "transitions": [{"days": 90, "storage_class": "GLACIER"}], "expiration_days": 60}
                    ]
                )
            ],
            {},
            "expiration_days 60 must be more than the 90 days",
        ),
        ([history(lifecycle_rules=[{"id": "a"}])], {}, "has no action"),
        (
            [history(lifecycle_rules=[{"id": "a", "expiration_days": 1}, {"id": "a", "expiration_days": 2}])],
            {},
            "appears more than once",
        ),
        ([{"name": HISTORY}], {"state": "absent", "force": True, "delete_only_if_empty": True}, "cannot both be true"),
        ([history()], {"expected_bucket_owner": "me"}, "is not a 12-digit account id"),
    ],
)
def test_what_aws_would_refuse_is_refused_before_any_call(aws, run, buckets, overrides, message):
    result = run(buckets, **overrides)
    assert result.failed and message in result["msg"], result["msg"]
    assert aws.calls()["total"] == 0


def test_a_setting_aws_refuses_fails_and_the_bucket_is_kept(aws, run):
    failed = run([history(tags={"aws:reserved": "x"})])  # S3 refuses tags of the aws: prefix
    assert failed.failed and "no bucket was deleted" in failed["msg"]
    assert failed["actions"][0].startswith(f"create bucket {HISTORY}")
    assert [(r["name"], r["action"]) for r in failed["resources"]] == [(HISTORY, "create")]
    assert bucket_names(aws) == {HISTORY}
    finished = run([history()])  # the next run finishes the configuration
    assert finished["changed"] is True and [r["action"] for r in finished["resources"]] == ["change"]
    assert run([history()])["changed"] is False


def test_throttling_is_retried(aws, run, monkeypatch):
    # botocore's own retries off: the module's backoff alone has to get through.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    aws.set_faults(throttle_rate=0.25, seed=7, services=["s3"])
    try:
        result = run([history(), logs()])
        again = run([history(), logs()])
        gone = run([{"name": HISTORY}, {"name": LOGS}], state="absent", force=True)
        injected = aws.faults()["injected"]
    finally:
        aws.set_faults()
    assert injected > 0
    assert result["changed"] is True and not result.failed, result
    assert again["changed"] is False and not again.failed, again
    assert gone["changed"] is True and not gone.failed, gone
    assert bucket_names(aws) == set()


ACCESS = "trading-test-s3-access-logs-123456789012"


def access_logs_bucket():
    """The compliance role's server-access-log bucket: S3's log delivery writes it, for this account only."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S3LogDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{ACCESS}/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
            }
        ],
    }
    return {"name": ACCESS, "encryption": "AES256", "public_access": {}, "policy": policy}


def test_object_lock_and_access_logging_are_set_then_read_back_once(aws, run):
    audit = history(
        object_lock={"mode": "COMPLIANCE", "days": 365},
        logging={"target_bucket": ACCESS, "target_prefix": f"{HISTORY}/"},
    )
    result = run([access_logs_bucket(), audit])
    assert (
        f"create bucket {HISTORY} in us-east-1 (object ownership BucketOwnerEnforced) with Object Lock"
        in (result["actions"])
    )
    assert f"set the Object Lock of bucket {HISTORY}: COMPLIANCE 365 days" in result["actions"]
    assert f"log the requests to bucket {HISTORY} in s3://{ACCESS}/{HISTORY}/" in result["actions"]
    s3 = aws.client("s3")
    lock = s3.get_object_lock_configuration(Bucket=HISTORY)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    assert {k: v for k, v in lock["Rule"]["DefaultRetention"].items() if v} == {"Mode": "COMPLIANCE", "Days": 365}
    assert s3.get_bucket_logging(Bucket=HISTORY)["LoggingEnabled"] == {
        "TargetBucket": ACCESS,
        "TargetPrefix": f"{HISTORY}/",
    }
    assert s3.get_bucket_versioning(Bucket=HISTORY)["Status"] == "Enabled"
    aws.clear_calls()
    again = run([access_logs_bucket(), audit])
    assert again["changed"] is False and aws.writes() == []
    assert counts(aws)["GetObjectLockConfiguration"] == 1 and counts(aws)["GetBucketLogging"] == 1
    assert again["buckets"][HISTORY]["object_lock"] == {"mode": "COMPLIANCE", "days": 365, "years": None}

    # Logging switched off by hand comes back; a longer retention is accepted.
    s3.put_bucket_logging(Bucket=HISTORY, BucketLoggingStatus={})
    longer = history(object_lock={"mode": "COMPLIANCE", "years": 7}, logging=audit["logging"])
    assert run([access_logs_bucket(), longer])["actions"] == [
        f"set the Object Lock of bucket {HISTORY}: COMPLIANCE 7 years (was COMPLIANCE 365 days)",
        f"log the requests to bucket {HISTORY} in s3://{ACCESS}/{HISTORY}/",
    ]


@pytest.mark.parametrize(
    "weaker",
    [{"mode": "COMPLIANCE", "days": 30}, {"mode": "GOVERNANCE", "years": 7}],
    ids=["shorter", "governance"],
)
def test_a_compliance_retention_is_never_weakened(aws, run, weaker):
    run([history(object_lock={"mode": "COMPLIANCE", "days": 365})])
    aws.clear_calls()
    refused = run([logs(), history(object_lock=weaker)])
    assert refused.failed and "COMPLIANCE default retention is never shortened" in refused["msg"]
    assert "keeps COMPLIANCE 365 days" in refused["msg"] and aws.writes() == []


def test_object_lock_turned_on_for_an_existing_bucket(aws, run):
    run([history()])
    result = run([history(object_lock={"mode": "GOVERNANCE", "days": 30})])
    assert result["actions"] == [f"set the Object Lock of bucket {HISTORY}: GOVERNANCE 30 days (was no Object Lock)"]
    assert (
        aws.client("s3").get_object_lock_configuration(Bucket=HISTORY)["ObjectLockConfiguration"]["ObjectLockEnabled"]
        == "Enabled"
    )


@pytest.mark.parametrize(
    ("lock", "message"),
    [
        ({"mode": "COMPLIANCE"}, "object_lock with a mode takes one of days or years"),
        ({"mode": "COMPLIANCE", "days": 1, "years": 1}, "object_lock with a mode takes one of days or years"),
        ({"days": 30}, "object_lock days or years need a mode"),
        ({"mode": "GOVERNANCE", "days": 0}, "object_lock days must be a positive number"),
    ],
)
def test_object_lock_inputs_aws_refuses_are_refused_before_any_call(aws, run, lock, message):
    aws.clear_calls()
    refused = run([history(object_lock=lock)])
    assert refused.failed and message in refused["msg"] and aws.calls()["total"] == 0


def test_object_lock_needs_versioning(aws, run):
    refused = run([history(versioning=None, object_lock={"mode": "GOVERNANCE", "days": 1})])
    assert refused.failed and "object_lock needs versioning: true" in refused["msg"]


def test_logging_to_a_bucket_with_a_default_retention_fails_as_on_aws(aws, run):
    locked_target = history(object_lock={"mode": "GOVERNANCE", "days": 1})
    source = logs(logging={"target_bucket": HISTORY, "target_prefix": "alb/"})
    failed = run([locked_target, source])
    assert failed.failed and "InvalidTargetBucketForLogging" in json.dumps(failed)
    assert "Object Lock default retention" in json.dumps(failed)


def test_a_bucket_that_receives_access_logs_is_emptied_and_deleted_by_force(aws, run):
    """S3 writes the access logs itself; the bucket's policy denies plain HTTP only, so its owner empties it."""
    audit = history(logging={"target_bucket": ACCESS, "target_prefix": f"{HISTORY}/"})
    run([access_logs_bucket(), audit])
    s3 = aws.client("s3")
    s3.put_object(Bucket=HISTORY, Key="config/probe", Body=b"x")  # logged into ACCESS by the local AWS
    assert s3.list_object_versions(Bucket=ACCESS).get("Versions"), "the local AWS delivered no access log"
    gone = run([{"name": HISTORY}, {"name": ACCESS}], state="absent", force=True)
    assert not gone.failed and gone["changed"], gone
    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} & {HISTORY, ACCESS} == set()


def test_a_bucket_written_to_while_it_is_emptied_is_kept_and_reported_as_changed(aws, run, monkeypatch):
    run([history(policy={})])
    s3 = aws.client("s3")
    s3.put_object(Bucket=HISTORY, Key="config/history.json", Body=b"one")
    empty = Buckets.empty

    def empty_then_written(self, name):
        empty(self, name)
        s3.put_object(Bucket=name, Key="config/late.json", Body=b"late")  # a delivery meanwhile

    monkeypatch.setattr(Buckets, "empty", empty_then_written)
    refused = run([{"name": HISTORY}], state="absent", force=True)
    emptied = f"delete every object version and delete marker of bucket {HISTORY}"
    assert refused.failed and f"buckets not empty, not deleted: {HISTORY}" in refused["msg"]
    assert refused["actions"] == [emptied] and bucket_names(aws) == {HISTORY}
    # Emptied, not deleted: a change to the bucket.
    assert refused["resources"] == [{"kind": "S3 bucket", "name": HISTORY, "action": "change", "changes": [emptied]}]
