"""The DynamoDB rules of the local AWS (tools/local_aws/dynamodb.py): each refuses what AWS refuses,
with AWS's error code, and the valid call next to it passes."""

from __future__ import annotations

import botocore.exceptions
import pytest

KEY = [{"AttributeName": "trade_id", "KeyType": "HASH"}]
ATTRS = [{"AttributeName": "trade_id", "AttributeType": "S"}]


def table(ddb, name="ledger", **extra):
    ddb.create_table(TableName=name, KeySchema=KEY, AttributeDefinitions=ATTRS, BillingMode="PAY_PER_REQUEST", **extra)
    return ddb.describe_table(TableName=name)["Table"]


def refused(call, **kwargs) -> dict:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]


def index(name, attribute="account"):
    return {
        "IndexName": name,
        "KeySchema": [{"AttributeName": attribute, "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }


def test_a_protected_table_is_not_deleted_until_protection_is_off(aws):
    ddb = aws.client_no_retry("dynamodb")
    table(ddb, DeletionProtectionEnabled=True)
    error = refused(ddb.delete_table, TableName="ledger")
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."
    )
    assert ddb.describe_table(TableName="ledger")["Table"]["DeletionProtectionEnabled"] is True
    ddb.update_table(TableName="ledger", DeletionProtectionEnabled=False)
    ddb.delete_table(TableName="ledger")
    assert "ledger" not in ddb.list_tables()["TableNames"]


def test_an_enabled_stream_keeps_its_view_type_until_disabled(aws):
    ddb = aws.client_no_retry("dynamodb")
    first = table(ddb, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    for view in ("KEYS_ONLY", "NEW_AND_OLD_IMAGES"):
        error = refused(
            ddb.update_table, TableName="ledger", StreamSpecification={"StreamEnabled": True, "StreamViewType": view}
        )
        assert error["Code"] == "ValidationException"
        assert error["Message"] == "Table already has an enabled stream: TableName: ledger"
    ddb.update_table(TableName="ledger", StreamSpecification={"StreamEnabled": False})
    assert "StreamSpecification" not in ddb.describe_table(TableName="ledger")["Table"]
    # moto refused this too: it took the disabled stream's label for an enabled stream.
    ddb.update_table(TableName="ledger", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    now = ddb.describe_table(TableName="ledger")["Table"]
    assert now["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"
    assert now["LatestStreamArn"] != first["LatestStreamArn"]


def test_a_kms_key_that_is_missing_or_disabled_is_refused_and_an_alias_is_answered_as_the_key_arn(aws):
    ddb, kms = aws.client_no_retry("dynamodb"), aws.client("kms")
    disabled = kms.create_key()["KeyMetadata"]
    kms.disable_key(KeyId=disabled["KeyId"])
    missing = disabled["Arn"].rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    for key in (missing, disabled["Arn"], "alias/nothing-here"):
        error = refused(
            ddb.create_table,
            TableName="ledger",
            KeySchema=KEY,
            AttributeDefinitions=ATTRS,
            BillingMode="PAY_PER_REQUEST",
            SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key},
        )
        assert error["Code"] == "ValidationException", key
    assert ddb.list_tables()["TableNames"] == []
    good = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/ledger", TargetKeyId=good["KeyId"])
    created = table(ddb, SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "alias/ledger"})
    assert created["SSEDescription"]["KMSMasterKeyArn"] == good["Arn"]


def test_update_table_changes_the_key_and_back_to_the_aws_owned_key(aws):
    ddb, kms = aws.client_no_retry("dynamodb"), aws.client("kms")
    first, second = kms.create_key()["KeyMetadata"], kms.create_key()["KeyMetadata"]
    table(ddb, SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": first["Arn"]})
    kms.disable_key(KeyId=second["KeyId"])
    spec = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": second["Arn"]}
    assert refused(ddb.update_table, TableName="ledger", SSESpecification=spec)["Code"] == "ValidationException"
    assert ddb.describe_table(TableName="ledger")["Table"]["SSEDescription"]["KMSMasterKeyArn"] == first["Arn"]
    kms.enable_key(KeyId=second["KeyId"])
    ddb.update_table(TableName="ledger", SSESpecification=spec)
    assert ddb.describe_table(TableName="ledger")["Table"]["SSEDescription"]["KMSMasterKeyArn"] == second["Arn"]
    ddb.update_table(TableName="ledger", SSESpecification={"Enabled": False})
    assert "SSEDescription" not in ddb.describe_table(TableName="ledger")["Table"]


def test_one_index_is_created_or_deleted_per_update_table(aws):
    ddb = aws.client_no_retry("dynamodb")
    table(ddb)
    attrs = [*ATTRS, {"AttributeName": "account", "AttributeType": "S"}]
    two = [{"Create": index("by_account")}, {"Create": index("by_account_keys")}]
    error = refused(ddb.update_table, TableName="ledger", AttributeDefinitions=attrs, GlobalSecondaryIndexUpdates=two)
    assert error["Code"] == "LimitExceededException"
    assert "Only 1 online index can be created or deleted simultaneously per table" in error["Message"]
    assert ddb.describe_table(TableName="ledger")["Table"]["GlobalSecondaryIndexes"] == []
    for update in two:
        ddb.update_table(TableName="ledger", AttributeDefinitions=attrs, GlobalSecondaryIndexUpdates=[update])
    deletes = [{"Delete": {"IndexName": "by_account"}}, {"Delete": {"IndexName": "by_account_keys"}}]
    error = refused(ddb.update_table, TableName="ledger", GlobalSecondaryIndexUpdates=deletes)
    assert error["Code"] == "LimitExceededException"
    assert len(ddb.describe_table(TableName="ledger")["Table"]["GlobalSecondaryIndexes"]) == 2


def test_a_new_index_needs_its_key_in_the_attribute_definitions(aws):
    ddb = aws.client_no_retry("dynamodb")
    table(ddb)
    error = refused(ddb.update_table, TableName="ledger", GlobalSecondaryIndexUpdates=[{"Create": index("by_account")}])
    assert error["Code"] == "ValidationException" and "AttributeDefinitions" in error["Message"]
    attrs = [*ATTRS, {"AttributeName": "account", "AttributeType": "S"}]
    ddb.update_table(
        TableName="ledger", AttributeDefinitions=attrs, GlobalSecondaryIndexUpdates=[{"Create": index("by_account")}]
    )
    names = [i["IndexName"] for i in ddb.describe_table(TableName="ledger")["Table"]["GlobalSecondaryIndexes"]]
    assert names == ["by_account"]


def test_the_table_class_is_kept_and_changed(aws):
    ddb = aws.client_no_retry("dynamodb")
    created = table(ddb, TableClass="STANDARD_INFREQUENT_ACCESS")
    assert created["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    ddb.update_table(TableName="ledger", TableClass="STANDARD")
    assert ddb.describe_table(TableName="ledger")["Table"]["TableClassSummary"]["TableClass"] == "STANDARD"
    error = refused(ddb.update_table, TableName="ledger", TableClass="GLACIER")
    assert error["Code"] == "ValidationException"


def test_contributor_insights_are_described_and_switched(aws):
    ddb = aws.client_no_retry("dynamodb")
    table(ddb)
    assert ddb.describe_contributor_insights(TableName="ledger")["ContributorInsightsStatus"] == "DISABLED"
    answer = ddb.update_contributor_insights(TableName="ledger", ContributorInsightsAction="ENABLE")
    assert answer["ContributorInsightsStatus"] == "ENABLING"
    described = ddb.describe_contributor_insights(TableName="ledger")
    assert described["ContributorInsightsStatus"] == "ENABLED" and described["ContributorInsightsRuleList"]
    ddb.update_contributor_insights(TableName="ledger", ContributorInsightsAction="DISABLE")
    assert ddb.describe_contributor_insights(TableName="ledger")["ContributorInsightsStatus"] == "DISABLED"
    error = refused(ddb.describe_contributor_insights, TableName="nothing")
    assert error["Code"] == "ResourceNotFoundException"
