"""The local AWS keeps RDS event subscriptions as AWS does: each test asserts a refusal AWS makes and an
acceptance it makes (tools/local_aws/rds_events.py names the sources)."""

from __future__ import annotations

import time

import botocore.exceptions
import pytest

from tools.local_aws import rds_events


def code_of(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


@pytest.fixture
def rds(aws):
    return aws.client_no_retry("rds")


@pytest.fixture
def topic(aws):
    return aws.client("sns").create_topic(Name="trading-test-alerts")["TopicArn"]


def create(rds, topic, name="trading-test-events", **kwargs):
    return rds.create_event_subscription(SubscriptionName=name, SnsTopicArn=topic, **kwargs)["EventSubscription"]


def test_subscription_names_follow_the_rds_identifier_rule(rds, topic):
    for bad in ("1-events", "trading--events", "trading-events-", "trading_events", "a" * 255):
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            create(rds, topic, name=bad)
        assert code_of(refused) == "InvalidParameterValue", bad
    with pytest.raises(botocore.exceptions.ClientError, match="Identifiers must begin with a letter"):
        create(rds, topic, name="trading--events")
    for good in ("Trading-Events-1", "t", "a" * 254):
        assert create(rds, topic, name=good)["CustSubscriptionId"] == good


def test_the_topic_must_exist_and_not_be_fifo(aws, rds, topic):
    with pytest.raises(rds.exceptions.SNSTopicArnNotFoundFault):
        create(rds, topic + "-gone")
    fifo = aws.client("sns").create_topic(Name="trading-test.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    with pytest.raises(rds.exceptions.SNSInvalidTopicFault):
        create(rds, fifo)
    created = create(rds, topic)
    assert created["SnsTopicArn"] == topic and created["Status"] == "active"
    assert created["Enabled"] is True  # AWS's default, where moto's is false
    assert created["CustomerAwsId"] == aws.client("sts").get_caller_identity()["Account"]
    assert created["EventSubscriptionArn"].endswith(":es:trading-test-events")


def test_the_source_type_is_one_rds_lists(rds, topic):
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        create(rds, topic, SourceType="db-table")
    assert code_of(refused) == "InvalidParameterValue"
    for source_type in rds_events.SOURCE_TYPES:
        create(rds, topic, name=f"events-{source_type}", SourceType=source_type)


def test_categories_are_those_of_the_source_type(rds, topic):
    with pytest.raises(rds.exceptions.SubscriptionCategoryNotFoundFault, match="failover"):
        create(rds, topic, SourceType="db-parameter-group", EventCategories=["failover"])
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        create(rds, topic, EventCategories=["failure"])
    assert code_of(refused) == "InvalidParameterCombination"
    assert "If SourceType is null, Categories must also be null." in str(refused.value)
    created = create(rds, topic, SourceType="db-cluster", EventCategories=["failure", "maintenance"])
    assert created["EventCategoriesList"] == ["failure", "maintenance"]


def test_every_category_of_a_type_is_kept_as_all_of_them(rds, topic):
    create(rds, topic, SourceType="db-security-group", EventCategories=["configuration change", "failure"])
    described = rds.describe_event_subscriptions(SubscriptionName="trading-test-events")["EventSubscriptionsList"][0]
    assert described.get("EventCategoriesList", []) == []
    create(rds, topic, name="one-of-two", SourceType="db-security-group", EventCategories=["failure"])
    assert rds.describe_event_subscriptions(SubscriptionName="one-of-two")["EventSubscriptionsList"][0][
        "EventCategoriesList"
    ] == ["failure"]


def test_names_are_unique_and_a_missing_one_is_not_found(rds, topic):
    create(rds, topic)
    with pytest.raises(rds.exceptions.SubscriptionAlreadyExistFault):
        create(rds, topic)
    for call in (
        lambda: rds.modify_event_subscription(SubscriptionName="none-such", Enabled=False),
        lambda: rds.delete_event_subscription(SubscriptionName="none-such"),
        lambda: rds.describe_event_subscriptions(SubscriptionName="none-such"),
        lambda: rds.add_source_identifier_to_subscription(SubscriptionName="none-such", SourceIdentifier="x"),
    ):
        with pytest.raises(rds.exceptions.SubscriptionNotFoundFault, match="Event Subscription none-such not found"):
            call()
    assert rds.delete_event_subscription(SubscriptionName="trading-test-events")["EventSubscription"]["Status"] == (
        "deleting"
    )
    assert create(rds, topic)["CustSubscriptionId"] == "trading-test-events"


def test_sources_must_exist_and_be_held_to_be_removed(rds, topic):
    rds.create_db_parameter_group(
        DBParameterGroupName="trading-test-pg", DBParameterGroupFamily="aurora-postgresql16", Description="test"
    )
    with pytest.raises(rds.exceptions.SourceNotFoundFault):
        create(rds, topic, SourceType="db-parameter-group", SourceIds=["none-such"])
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        create(rds, topic, SourceIds=["trading-test-pg"])
    assert code_of(refused) == "InvalidParameterCombination"
    created = create(rds, topic, SourceType="db-parameter-group", SourceIds=["trading-test-pg"])
    assert created["SourceIdsList"] == ["trading-test-pg"]
    with pytest.raises(rds.exceptions.SourceNotFoundFault):
        rds.add_source_identifier_to_subscription(SubscriptionName="trading-test-events", SourceIdentifier="gone-pg")
    with pytest.raises(rds.exceptions.SourceNotFoundFault):
        rds.remove_source_identifier_from_subscription(
            SubscriptionName="trading-test-events", SourceIdentifier="not-held"
        )
    removed = rds.remove_source_identifier_from_subscription(
        SubscriptionName="trading-test-events", SourceIdentifier="trading-test-pg"
    )["EventSubscription"]
    assert "SourceIdsList" not in removed  # no source left: every parameter group
    added = rds.add_source_identifier_to_subscription(
        SubscriptionName="trading-test-events", SourceIdentifier="trading-test-pg"
    )["EventSubscription"]
    assert added["SourceIdsList"] == ["trading-test-pg"]


def test_modify_needs_the_source_type_with_the_categories(aws, rds, topic):
    create(rds, topic, SourceType="db-instance", EventCategories=["failure"])
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        rds.modify_event_subscription(SubscriptionName="trading-test-events", EventCategories=["maintenance"])
    assert code_of(refused) == "InvalidParameterCombination"
    with pytest.raises(rds.exceptions.SubscriptionCategoryNotFoundFault):
        rds.modify_event_subscription(
            SubscriptionName="trading-test-events", SourceType="db-instance", EventCategories=["global-failover"]
        )
    with pytest.raises(rds.exceptions.SNSTopicArnNotFoundFault):
        rds.modify_event_subscription(SubscriptionName="trading-test-events", SnsTopicArn=topic + "-gone")
    other = aws.client("sns").create_topic(Name="trading-test-other")["TopicArn"]
    modified = rds.modify_event_subscription(
        SubscriptionName="trading-test-events",
        SourceType="db-instance",
        EventCategories=["maintenance", "failure"],
        SnsTopicArn=other,
        Enabled=False,
    )["EventSubscription"]
    assert modified["EventCategoriesList"] == ["maintenance", "failure"]
    assert (modified["SnsTopicArn"], modified["Enabled"]) == (other, False)


def test_changes_are_asynchronous_with_the_latency_model(aws, rds, topic):
    aws.set_latency(0.02)  # 60 s x 0.02: about a second in each transitional state
    assert create(rds, topic)["Status"] == "creating"
    with pytest.raises(rds.exceptions.InvalidEventSubscriptionStateFault):
        rds.delete_event_subscription(SubscriptionName="trading-test-events")

    def status():
        listing = rds.describe_event_subscriptions()["EventSubscriptionsList"]
        return listing[0]["Status"] if listing else None

    deadline = time.monotonic() + 10
    while status() == "creating" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status() == "active"
    rds.modify_event_subscription(SubscriptionName="trading-test-events", Enabled=False)
    assert status() == "modifying"
    while status() == "modifying" and time.monotonic() < deadline + 10:
        time.sleep(0.2)
    assert rds.delete_event_subscription(SubscriptionName="trading-test-events")["EventSubscription"]["Status"] == (
        "deleting"
    )
    assert status() == "deleting"
    while status() == "deleting" and time.monotonic() < deadline + 20:
        time.sleep(0.2)
    assert status() is None


def test_a_deleted_topic_shows_in_the_status(aws, rds, topic):
    create(rds, topic)
    aws.client("sns").delete_topic(TopicArn=topic)
    listing = rds.describe_event_subscriptions()["EventSubscriptionsList"]
    assert listing[0]["Status"] == "topic-not-exist"


def test_the_listing_pages_as_max_records_says(rds, topic):
    for bad in (10, 101):
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            rds.describe_event_subscriptions(MaxRecords=bad)
        assert code_of(refused) == "InvalidParameterValue"
    for n in range(25):
        create(rds, topic, name=f"events-{n:02d}")
    first = rds.describe_event_subscriptions(MaxRecords=20)
    assert len(first["EventSubscriptionsList"]) == 20 and first["Marker"]
    rest = rds.describe_event_subscriptions(MaxRecords=20, Marker=first["Marker"])
    assert len(rest["EventSubscriptionsList"]) == 5 and "Marker" not in rest
    pages = rds.get_paginator("describe_event_subscriptions").paginate().build_full_result()
    assert len(pages["EventSubscriptionsList"]) == 25


def test_event_categories_answer_the_catalogue(rds):
    every = {
        row["SourceType"]: row["EventCategories"] for row in rds.describe_event_categories()["EventCategoriesMapList"]
    }
    assert {"db-cluster", "db-instance", "db-parameter-group", "db-security-group"} <= set(every)
    assert {"failure", "maintenance"} <= set(every["db-cluster"])
    assert {"configuration change", "failure", "maintenance"} <= set(every["db-instance"])
    one = rds.describe_event_categories(SourceType="db-security-group")["EventCategoriesMapList"]
    assert one == [{"SourceType": "db-security-group", "EventCategories": ["configuration change", "failure"]}]


def test_tags_are_kept_by_arn(rds, topic):
    arn = create(rds, topic, Tags=[{"Key": "Project", "Value": "trading"}])["EventSubscriptionArn"]
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "Environment", "Value": "test"}])
    rds.remove_tags_from_resource(ResourceName=arn, TagKeys=["Project"])
    assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "Environment", "Value": "test"}]
