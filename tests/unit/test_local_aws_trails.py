"""The local AWS checks a trail's CloudWatch Logs delivery as CloudTrail does."""

from __future__ import annotations

import json

import pytest

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


@pytest.fixture
def delivery(aws):
    account = aws.client("sts").get_caller_identity()["Account"]
    aws.client("s3").create_bucket(Bucket="trail-bucket-probe")
    aws.client("logs").create_log_group(logGroupName="/trading/test/cloudtrail")
    iam = aws.client("iam")
    role = iam.create_role(RoleName="trail-logs", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    other = dict(TRUST, Statement=[dict(TRUST["Statement"][0], Principal={"Service": "ec2.amazonaws.com"})])
    wrong = iam.create_role(RoleName="not-for-trails", AssumeRolePolicyDocument=json.dumps(other))["Role"]["Arn"]
    group = f"arn:aws:logs:us-east-1:{account}:log-group:/trading/test/cloudtrail:*"
    return {"account": account, "role": role, "wrong_role": wrong, "group": group}


def create(aws, **extra):
    return aws.client("cloudtrail").create_trail(Name="probe", S3BucketName="trail-bucket-probe", **extra)


def test_a_trail_delivers_to_an_existing_group_with_a_role_cloudtrail_may_assume(aws, delivery):
    trail = create(aws, CloudWatchLogsLogGroupArn=delivery["group"], CloudWatchLogsRoleArn=delivery["role"])
    assert trail["CloudWatchLogsLogGroupArn"] == delivery["group"]
    aws.client("cloudtrail").update_trail(
        Name="probe", CloudWatchLogsLogGroupArn=delivery["group"], CloudWatchLogsRoleArn=delivery["role"]
    )


@pytest.mark.parametrize(
    "group, role, code",
    [
        ("group", None, "InvalidParameterCombinationException"),
        ("missing-group", "role", "InvalidCloudWatchLogsLogGroupArnException"),
        ("no-wildcard", "role", "InvalidCloudWatchLogsLogGroupArnException"),
        ("group", "wrong_role", "InvalidCloudWatchLogsRoleArnException"),
        ("group", "missing-role", "InvalidCloudWatchLogsRoleArnException"),
    ],
)
def test_what_cloudtrail_refuses_is_refused(aws, delivery, group, role, code):
    values = dict(
        delivery,
        **{
            "missing-group": delivery["group"].replace("/trading/test/cloudtrail", "/none"),
            "no-wildcard": delivery["group"][:-2],
            "missing-role": delivery["role"].replace("trail-logs", "nobody"),
        },
    )
    extra = {"CloudWatchLogsLogGroupArn": values[group]}
    if role:
        extra["CloudWatchLogsRoleArn"] = values[role]
    client = aws.client("cloudtrail")
    with pytest.raises(client.exceptions.ClientError) as refused:
        create(aws, **extra)
    assert refused.value.response["Error"]["Code"] == code
