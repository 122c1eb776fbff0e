"""The local AWS lets a log group use a KMS key only when the key policy's encryption-context
condition admits that group's ARN, as CloudWatch Logs does."""

from __future__ import annotations

import json

import pytest


def key_for(aws, operator, groups):
    account = aws.client("sts").get_caller_identity()["Account"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {
                    operator: {
                        "kms:EncryptionContext:aws:logs:arn": [
                            f"arn:aws:logs:us-east-1:{account}:log-group:{g}" for g in groups
                        ]
                    }
                },
            },
        ],
    }
    return aws.client("kms").create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]


def test_a_key_for_named_groups_encrypts_those_only(aws):
    logs = aws.client("logs")
    key = key_for(aws, "ArnEquals", ["/trading/test/redis/slow-log"])
    logs.create_log_group(logGroupName="/trading/test/redis/slow-log", kmsKeyId=key)
    with pytest.raises(logs.exceptions.InvalidParameterException, match="not allowed to be used"):
        logs.create_log_group(logGroupName="/trading/test/other", kmsKeyId=key)
    logs.create_log_group(logGroupName="/trading/test/other")
    with pytest.raises(logs.exceptions.InvalidParameterException, match="not allowed to be used"):
        logs.associate_kms_key(logGroupName="/trading/test/other", kmsKeyId=key)


def test_a_wildcard_admits_every_group_of_the_account_and_region(aws):
    logs = aws.client("logs")
    key = key_for(aws, "ArnLike", ["*"])
    logs.create_log_group(logGroupName="/trading/test/any", kmsKeyId=key)
    logs.create_log_group(logGroupName="/trading/test/other")
    logs.associate_kms_key(logGroupName="/trading/test/other", kmsKeyId=key)
