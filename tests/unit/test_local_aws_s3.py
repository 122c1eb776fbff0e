"""The local AWS keeps S3's rules the roles depend on: logging targets, Object Lock and versioning,
and bucket policies whose statements apply only when their conditions hold."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def bucket(s3, name, **kwargs):
    s3.create_bucket(Bucket=name, **kwargs)
    return name


def test_a_logging_target_with_a_default_retention_is_refused(aws):
    s3 = aws.client("s3")
    source = bucket(s3, "probe-source")
    target = bucket(s3, "probe-target", ObjectLockEnabledForBucket=True)
    s3.put_bucket_policy(
        Bucket=target,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{target}/*",
                    }
                ],
            }
        ),
    )
    status = {"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "logs/"}}
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus=status)  # Object Lock without a default: accepted
    s3.put_object_lock_configuration(
        Bucket=target,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
        },
    )
    with pytest.raises(ClientError) as raised:
        s3.put_bucket_logging(Bucket=source, BucketLoggingStatus=status)
    assert raised.value.response["Error"]["Code"] == "InvalidTargetBucketForLogging"


def test_versioning_stays_on_with_object_lock(aws):
    s3 = aws.client("s3")
    locked = bucket(s3, "probe-locked", ObjectLockEnabledForBucket=True)
    with pytest.raises(ClientError) as raised:
        s3.put_bucket_versioning(Bucket=locked, VersioningConfiguration={"Status": "Suspended"})
    assert raised.value.response["Error"]["Code"] == "InvalidBucketState"
    plain = bucket(s3, "probe-plain")
    s3.put_bucket_versioning(Bucket=plain, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket=plain, VersioningConfiguration={"Status": "Suspended"})


def deny(condition=None):
    statement = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::probe-policy/*"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_a_deny_applies_only_when_its_condition_holds(aws):
    s3 = aws.client("s3")
    name = bucket(s3, "probe-policy")
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(deny({"Bool": {"aws:SecureTransport": "false"}})))
    s3.put_object(Bucket=name, Key="k", Body=b"x")  # the endpoint stands for AWS's HTTPS one
    s3.delete_object(Bucket=name, Key="k")
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(deny()))
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket=name, Key="k", Body=b"x")
    assert raised.value.response["Error"]["Code"] in ("403", "AccessDenied")
