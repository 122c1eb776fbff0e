"""The Athena rules of the local AWS (tools/local_aws/athena.py): each refuses what AWS refuses, with
AWS's error code, and the archive's workgroup passes as AWS keeps it."""

from __future__ import annotations

import pytest

from tests.unit.test_local_aws_firehose import refused  # the archive's three services share it

ARN = "arn:aws:athena:us-east-1:123456789012:workgroup"
RESULTS = "s3://trading-archive/athena-results/"


@pytest.fixture
def athena(aws):
    return aws.client_no_retry("athena")


@pytest.fixture
def key(aws) -> str:
    return aws.client("kms").create_key()["KeyMetadata"]["Arn"]


def configuration(key: str) -> dict:
    return {
        "ResultConfiguration": {
            "OutputLocation": RESULTS,
            "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": key},
        },
        "EnforceWorkGroupConfiguration": True,
        "PublishCloudWatchMetricsEnabled": True,
        "BytesScannedCutoffPerQuery": 10_000_000_000,
    }


def work_group(athena, name="market-data", **kwargs) -> dict:
    athena.create_work_group(Name=name, **kwargs)
    return athena.get_work_group(WorkGroup=name)["WorkGroup"]


def test_the_archive_workgroup_is_created_as_sent(athena, key):
    created = work_group(
        athena,
        Description="Market data archive queries",
        Configuration=configuration(key),
        Tags=[{"Key": "Project", "Value": "trading"}],
    )
    assert (created["Name"], created["State"], created["Description"]) == (
        "market-data",
        "ENABLED",
        "Market data archive queries",
    )
    stored = created["Configuration"]
    assert {k: stored[k] for k in configuration(key)} == configuration(key)
    # CreationTime is when it was made, the same at every read.
    assert athena.get_work_group(WorkGroup="market-data")["WorkGroup"]["CreationTime"] == created["CreationTime"]
    [summary] = [s for s in athena.list_work_groups()["WorkGroups"] if s["Name"] == "market-data"]
    assert summary["CreationTime"] == created["CreationTime"]
    athena.tag_resource(ResourceARN=f"{ARN}/market-data", Tags=[{"Key": "Environment", "Value": "test"}])
    tags = athena.list_tags_for_resource(ResourceARN=f"{ARN}/market-data")["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("Environment", "test"), ("Project", "trading")]
    assert refused(athena.create_work_group, Name="market-data")["Code"] == "InvalidRequestException"


def test_a_workgroup_that_does_not_exist_is_not_found(athena):
    for call, kwargs in ((athena.get_work_group, {}), (athena.update_work_group, {"Description": "x"})):
        error = refused(call, WorkGroup="market-data", **kwargs)
        assert (error["Code"], error["Message"]) == ("InvalidRequestException", "WorkGroup market-data is not found.")


def test_update_work_group_applies_its_configuration_updates(athena, key):
    work_group(athena, Configuration=configuration(key))
    athena.update_work_group(
        WorkGroup="market-data",
        Description="Archive v2",
        ConfigurationUpdates={
            "EnforceWorkGroupConfiguration": False,
            "PublishCloudWatchMetricsEnabled": False,
            "RemoveBytesScannedCutoffPerQuery": True,
            "ResultConfigurationUpdates": {"OutputLocation": "s3://trading-archive/athena-results-v2/"},
        },
    )
    updated = athena.get_work_group(WorkGroup="market-data")["WorkGroup"]
    stored = updated["Configuration"]
    assert updated["Description"] == "Archive v2"
    assert (stored["EnforceWorkGroupConfiguration"], stored["PublishCloudWatchMetricsEnabled"]) == (False, False)
    assert "BytesScannedCutoffPerQuery" not in stored
    assert stored["ResultConfiguration"] == {
        "OutputLocation": "s3://trading-archive/athena-results-v2/",
        "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": key},
    }
    athena.update_work_group(
        WorkGroup="market-data",
        State="DISABLED",
        ConfigurationUpdates={
            "BytesScannedCutoffPerQuery": 20_000_000,
            "ResultConfigurationUpdates": {"RemoveEncryptionConfiguration": True},
            "EngineVersion": {"SelectedEngineVersion": "AUTO"},
        },
    )
    updated = athena.get_work_group(WorkGroup="market-data")["WorkGroup"]
    stored = updated["Configuration"]
    assert (updated["State"], stored["BytesScannedCutoffPerQuery"]) == ("DISABLED", 20_000_000)
    assert stored["ResultConfiguration"] == {"OutputLocation": "s3://trading-archive/athena-results-v2/"}
    assert stored["EngineVersion"]["SelectedEngineVersion"] == "AUTO"


@pytest.mark.parametrize("location", ["trading-archive/athena-results/", "https://trading-archive/x/", "s3://"])
def test_query_results_go_to_an_s3_location(athena, location):
    error = refused(
        athena.create_work_group,
        Name="market-data",
        Configuration={"ResultConfiguration": {"OutputLocation": location}},
    )
    assert error["Code"] == "InvalidRequestException"
    work_group(athena, Configuration={"ResultConfiguration": {"OutputLocation": RESULTS}})
    error = refused(
        athena.update_work_group,
        WorkGroup="market-data",
        ConfigurationUpdates={"ResultConfigurationUpdates": {"OutputLocation": location}},
    )
    assert error["Code"] == "InvalidRequestException"
    stored = athena.get_work_group(WorkGroup="market-data")["WorkGroup"]["Configuration"]
    assert stored["ResultConfiguration"]["OutputLocation"] == RESULTS


def test_the_primary_workgroup_is_not_deleted(athena):
    assert refused(athena.delete_work_group, WorkGroup="primary")["Code"] == "InvalidRequestException"
    assert athena.get_work_group(WorkGroup="primary")["WorkGroup"]["Name"] == "primary"


def test_a_workgroup_with_contents_is_deleted_only_recursively(athena):
    work_group(athena)
    query = athena.create_named_query(
        Name="daily ticks", Database="market_data", QueryString="SELECT 1", WorkGroup="market-data"
    )["NamedQueryId"]
    error = refused(athena.delete_work_group, WorkGroup="market-data")
    assert (error["Code"], error["Message"]) == ("InvalidRequestException", "WorkGroup market-data is not empty")
    assert athena.get_work_group(WorkGroup="market-data")["WorkGroup"]["Name"] == "market-data"
    athena.delete_work_group(WorkGroup="market-data", RecursiveDeleteOption=True)
    assert refused(athena.get_work_group, WorkGroup="market-data")["Code"] == "InvalidRequestException"
    work_group(athena)
    assert athena.list_named_queries(WorkGroup="market-data")["NamedQueryIds"] == []
    assert query not in athena.list_named_queries()["NamedQueryIds"]
    athena.delete_work_group(WorkGroup="market-data")  # empty: no option needed
    assert "market-data" not in [s["Name"] for s in athena.list_work_groups()["WorkGroups"]]


def test_tags_belong_to_the_workgroup(athena):
    work_group(athena)
    assert athena.list_tags_for_resource(ResourceARN=f"{ARN}/market-data")["Tags"] == []
    athena.delete_work_group(WorkGroup="market-data")
    work_group(athena, name="quotes", Tags=[{"Key": "Project", "Value": "trading"}])
    athena.delete_work_group(WorkGroup="quotes")
    work_group(athena, name="quotes")
    assert athena.list_tags_for_resource(ResourceARN=f"{ARN}/quotes")["Tags"] == []
