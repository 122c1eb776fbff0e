"""The Glue rules of the local AWS (tools/local_aws/glue.py): each refuses what AWS refuses, with
AWS's error code, and the catalogue's databases and crawlers pass as AWS keeps them."""

from __future__ import annotations

import json

import pytest

from tests.unit.test_local_aws_firehose import refused  # the archive's three services share it

ARN = "arn:aws:glue:us-east-1:123456789012"
CONFIGURATION = json.dumps(
    {
        "Version": 1.0,
        "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}},
        "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"},
    }
)
TARGETS = {"S3Targets": [{"Path": "s3://trading-archive/market-data/feed=ticks/", "Exclusions": ["**/_tmp/**"]}]}
POLICY = {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DEPRECATE_IN_DATABASE"}


@pytest.fixture
def glue(aws):
    aws.client("s3").create_bucket(Bucket="trading-archive")
    return aws.client_no_retry("glue")


@pytest.fixture
def role(aws) -> str:
    return aws.client("iam").create_role(RoleName="catalogue-crawler", AssumeRolePolicyDocument="{}")["Role"]["Arn"]


def crawler(glue, role, name="ticks", **changes):
    request = {
        "Name": name,
        "Role": role,
        "DatabaseName": "market_data",
        "Description": "Market data archive, partitioned by date",
        "Targets": TARGETS,
        "Schedule": "cron(15 2 * * ? *)",
        "SchemaChangePolicy": POLICY,
        "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVERYTHING"},
        "Configuration": CONFIGURATION,
        "TablePrefix": "raw_",
        "Tags": {"Project": "trading"},
    }
    request.update(changes)
    glue.create_crawler(**{k: v for k, v in request.items() if v is not None})
    return glue.get_crawler(Name=name)["Crawler"]


def test_the_catalogue_database_lifecycle(glue):
    glue.create_database(
        DatabaseInput={
            "Name": "market_data",
            "Description": "Market data archive",
            "LocationUri": "s3://trading-archive/market-data/",
            "Parameters": {"classification": "json"},
        },
        Tags={"Project": "trading"},
    )
    database = glue.get_database(Name="market_data")["Database"]
    assert (database["Name"], database["LocationUri"]) == ("market_data", "s3://trading-archive/market-data/")
    assert database["Parameters"] == {"classification": "json"}
    glue.update_database(Name="market_data", DatabaseInput={"Name": "market_data", "Description": "Archive v2"})
    assert glue.get_database(Name="market_data")["Database"]["Description"] == "Archive v2"
    glue.tag_resource(ResourceArn=f"{ARN}:database/market_data", TagsToAdd={"Environment": "test"})
    tags = glue.get_tags(ResourceArn=f"{ARN}:database/market_data")["Tags"]
    assert tags == {"Project": "trading", "Environment": "test"}
    error = refused(glue.create_database, DatabaseInput={"Name": "market_data"})
    assert error["Code"] == "AlreadyExistsException"
    glue.delete_database(Name="market_data")
    assert refused(glue.get_database, Name="market_data")["Code"] == "EntityNotFoundException"
    assert refused(glue.delete_database, Name="market_data")["Code"] == "EntityNotFoundException"
    # The tags went with the database: one made again under the name has none.
    glue.create_database(DatabaseInput={"Name": "market_data"})
    assert glue.get_tags(ResourceArn=f"{ARN}:database/market_data")["Tags"] == {}


def test_database_names_are_folded_to_lower_case(glue):
    glue.create_database(DatabaseInput={"Name": "Market_Data"}, Tags={"Project": "trading"})
    for name in ("market_data", "MARKET_DATA", "Market_Data"):
        assert glue.get_database(Name=name)["Database"]["Name"] == "market_data"
    assert [d["Name"] for d in glue.get_databases()["DatabaseList"]] == ["market_data"]
    assert refused(glue.create_database, DatabaseInput={"Name": "MARKET_DATA"})["Code"] == "AlreadyExistsException"
    assert glue.get_tags(ResourceArn=f"{ARN}:database/market_data")["Tags"] == {"Project": "trading"}
    glue.update_database(Name="MARKET_DATA", DatabaseInput={"Name": "market_data", "Description": "folded"})
    assert glue.get_database(Name="market_data")["Database"]["Description"] == "folded"
    glue.delete_database(Name="Market_Data")
    assert glue.get_databases()["DatabaseList"] == []


def test_the_catalogue_crawler_lifecycle(glue, role):
    created = crawler(glue, role)
    assert (created["Role"], created["DatabaseName"], created["TablePrefix"]) == (role, "market_data", "raw_")
    assert created["Targets"]["S3Targets"] == TARGETS["S3Targets"]
    assert created["Schedule"] == {"ScheduleExpression": "cron(15 2 * * ? *)", "State": "SCHEDULED"}
    assert (created["SchemaChangePolicy"], created["Configuration"]) == (POLICY, CONFIGURATION)
    assert (created["State"], created["Version"]) == ("READY", 1)
    assert glue.get_tags(ResourceArn=f"{ARN}:crawler/ticks")["Tags"] == {"Project": "trading"}
    quotes = {"S3Targets": [{"Path": "s3://trading-archive/market-data/feed=quotes/"}]}
    glue.update_crawler(
        Name="ticks",
        Targets=quotes,
        Schedule="cron(30 3 * * ? *)",
        SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
        Configuration='{"Version": 1.0}',
    )
    updated = glue.get_crawler(Name="ticks")["Crawler"]
    assert updated["Targets"] == quotes and updated["Schedule"]["ScheduleExpression"] == "cron(30 3 * * ? *)"
    assert updated["SchemaChangePolicy"] == {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
    assert (updated["Configuration"], updated["Version"], updated["TablePrefix"]) == ('{"Version": 1.0}', 2, "raw_")
    assert updated["LastUpdated"] >= created["LastUpdated"]
    assert refused(glue.update_crawler, Name="quotes", Description="x")["Code"] == "EntityNotFoundException"
    glue.delete_crawler(Name="ticks")
    assert refused(glue.get_crawler, Name="ticks")["Code"] == "EntityNotFoundException"
    assert refused(glue.delete_crawler, Name="ticks")["Code"] == "EntityNotFoundException"
    crawler(glue, role, Tags=None)
    assert glue.get_tags(ResourceArn=f"{ARN}:crawler/ticks")["Tags"] == {}
    assert refused(crawler, glue=glue, role=role)["Code"] == "AlreadyExistsException"


def test_a_running_crawler_is_neither_updated_nor_deleted(glue, role):
    crawler(glue, role)
    glue.start_crawler(Name="ticks")
    for call, kwargs in ((glue.update_crawler, {"Description": "x"}), (glue.delete_crawler, {})):
        assert refused(call, Name="ticks", **kwargs)["Code"] == "CrawlerRunningException"
    assert glue.get_crawler(Name="ticks")["Crawler"]["Description"] == "Market data archive, partitioned by date"


@pytest.mark.parametrize("targets", [{}, {"S3Targets": []}, {"S3Targets": [{"Path": "s3://no-such-bucket/x/"}]}])
def test_a_crawler_needs_a_target_in_a_bucket_that_exists(glue, role, targets):
    assert refused(crawler, glue=glue, role=role, Targets=targets)["Code"] == "InvalidInputException"
    assert glue.get_crawlers()["Crawlers"] == []
    crawler(glue, role)
    error = refused(glue.update_crawler, Name="ticks", Targets=targets)
    assert error["Code"] == "InvalidInputException"
    assert glue.get_crawler(Name="ticks")["Crawler"]["Targets"] == TARGETS


@pytest.mark.parametrize(
    "schedule",
    [
        "every day at 2",
        "rate(1 day)",
        "cron(15 2 * * *)",  # five fields
        "cron(60 2 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 2 32 * ? *)",
        "cron(0 2 * 13 ? *)",
        "cron(0 2 * * 8 *)",
        "cron(0 2 * * ? 1969)",
        "cron(0 2 * * MON *)",  # a day of the month and a day of the week
        "cron(0 2 ? * ? *)",
        "cron(0 ? * * ? *)",
        "cron(* * * * ? *)",  # every minute
        "cron(0/2 * * * ? *)",
        "cron(58,1 * * * ? *)",  # 3 minutes across the hour
    ],
)
def test_a_schedule_is_a_glue_cron_expression(glue, role, schedule):
    assert refused(crawler, glue=glue, role=role, Schedule=schedule)["Code"] == "InvalidInputException"
    crawler(glue, role)
    assert refused(glue.update_crawler, Name="ticks", Schedule=schedule)["Code"] == "InvalidInputException"
    assert glue.get_crawler(Name="ticks")["Crawler"]["Schedule"]["ScheduleExpression"] == "cron(15 2 * * ? *)"


@pytest.mark.parametrize(
    "schedule",
    [
        "cron(0 10 * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 8 1 * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0 0 L * ? *)",
        "cron(0 12 ? * 6L 2026-2030)",
        "cron(55,0 6,18 * JAN,JUL ? *)",
    ],
)
def test_schedules_aws_accepts_are_accepted(glue, role, schedule):
    assert crawler(glue, role, Schedule=schedule)["Schedule"]["ScheduleExpression"] == schedule


@pytest.mark.parametrize(
    "configuration",
    [
        "{not json",
        "[]",
        '{"CrawlerOutput": {}}',
        '{"Version": "1.0"}',
        '{"Version": 1.0, "CrawlerOutput": {"Partitions": {"UpdateBehavior": "LOG"}}}',
    ],
)
def test_a_configuration_is_a_versioned_json_object(glue, role, configuration):
    error = refused(crawler, glue=glue, role=role, Configuration=configuration)
    assert error["Code"] == "InvalidInputException"
    if "UpdateBehavior" in configuration:
        assert error["Message"] == "CrawlerOutput.Partitions contains unsupported keys: UpdateBehavior."
    crawler(glue, role)
    assert refused(glue.update_crawler, Name="ticks", Configuration=configuration)["Code"] == "InvalidInputException"


def test_crawling_new_folders_only_logs_schema_changes(glue, role):
    new_folders = {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
    error = refused(crawler, glue=glue, role=role, RecrawlPolicy=new_folders)
    assert error["Code"] == "InvalidInputException"
    assert error["Message"] == (
        'The SchemaChangePolicy for "Crawl new folders only" Amazon S3 target can have only LOG DeleteBehavior '
        "value and LOG UpdateBehavior value."
    )
    crawler(glue, role)
    assert refused(glue.update_crawler, Name="ticks", RecrawlPolicy=new_folders)["Code"] == "InvalidInputException"
    glue.update_crawler(
        Name="ticks", RecrawlPolicy=new_folders, SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
    )
    assert glue.get_crawler(Name="ticks")["Crawler"]["RecrawlPolicy"] == new_folders
