"""The local AWS keeps Secrets Manager's rules for resource policies (syntax; BlockPublicPolicy) and
answers each secret version's own creation date, as Secrets Manager does."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def statement(**fields):
    base = {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


@pytest.fixture
def secret(aws):
    sm = aws.client("secretsmanager")
    return sm, sm.create_secret(Name="probe", SecretString="x")["ARN"]


def put(sm, arn, statements, block=True):
    return sm.put_resource_policy(
        SecretId=arn,
        ResourcePolicy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        BlockPublicPolicy=block,
    )


@pytest.mark.parametrize(
    ("statements", "why"),
    [
        ([statement(Effect="Permit")], "invalid Effect"),
        ([statement(Principal=None)], "missing a Principal"),
        ([statement(Action=None)], "missing an Action"),
        ([statement(Action="s3:GetObject")], "unsupported action"),
        ([statement(Condition={"StringEqual": {"aws:SourceAccount": "123456789012"}})], "Invalid Condition type"),
    ],
)
def test_a_malformed_policy_is_refused(secret, statements, why):
    sm, arn = secret
    with pytest.raises(ClientError) as raised:
        put(sm, arn, statements)
    assert raised.value.response["Error"]["Code"] == "MalformedPolicyDocumentException"
    assert why in raised.value.response["Error"]["Message"]


def test_block_public_policy_refuses_a_wildcard_grant_and_accepts_denies_and_narrowed_grants(secret):
    sm, arn = secret
    with pytest.raises(ClientError) as raised:
        put(sm, arn, [statement()])
    assert raised.value.response["Error"]["Code"] == "PublicPolicyException"
    put(sm, arn, [statement()], block=False)  # without BlockPublicPolicy AWS stores it
    narrowed = statement(Condition={"StringEquals": {"aws:SourceAccount": "123456789012"}})
    deny = statement(Effect="Deny", Condition={"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}})
    put(sm, arn, [narrowed, deny])
    stored = json.loads(sm.get_resource_policy(SecretId=arn)["ResourcePolicy"])
    assert stored["Statement"] == [narrowed, deny]


def test_versions_answer_their_own_creation_date(aws, secret):
    import datetime

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.secretsmanager.models import secretsmanager_backends

    sm, arn = secret
    stored = secretsmanager_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].secrets[arn]
    for version in stored.versions.values():
        version["createdate"] -= 10 * 86400  # ten days ago (the test server runs in this process)
    sm.put_secret_value(SecretId=arn, SecretString="y")
    versions = {
        stage: v["CreatedDate"]
        for v in sm.list_secret_version_ids(SecretId=arn)["Versions"]
        for stage in v["VersionStages"]
    }
    now = datetime.datetime.now(datetime.UTC)
    assert (now - versions["AWSPREVIOUS"]).days == 10
    assert (now - versions["AWSCURRENT"]).days == 0
