"""rds_event_subscriptions against the local AWS: the FSBP RDS.19 to RDS.22 subscriptions in one invocation."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import rds_event_subscriptions

from tests.helpers import run_module

TAGS = {"Project": "trading", "Environment": "test"}
PREFIX = "trading-test-"


@pytest.fixture
def topic(aws):
    return aws.client("sns").create_topic(Name="trading-test-alerts")["TopicArn"]


@pytest.fixture
def other_topic(aws):
    return aws.client("sns").create_topic(Name="trading-test-pager")["TopicArn"]


def platform(topic):
    """The four subscriptions of the compliance role (RDS.19 cluster, RDS.20 instance, RDS.21 parameter group,
    RDS.22 security group)."""
    return [
        {
            "name": f"{PREFIX}db-cluster",
            "sns_topic_arn": topic,
            "source_type": "db-cluster",
            "event_categories": ["failure", "maintenance"],
        },
        {
            "name": f"{PREFIX}db-instance",
            "sns_topic_arn": topic,
            "source_type": "db-instance",
            "event_categories": ["configuration change", "failure", "maintenance"],
        },
        {
            "name": f"{PREFIX}db-parameter-group",
            "sns_topic_arn": topic,
            "source_type": "db-parameter-group",
            "event_categories": ["configuration change"],
        },
        {
            "name": f"{PREFIX}db-security-group",
            "sns_topic_arn": topic,
            "source_type": "db-security-group",
            "event_categories": ["configuration change", "failure"],
        },
    ]


@pytest.fixture
def run(aws, capsys):
    def _run(subscriptions, check_mode=False, **overrides):
        args = {"subscriptions": subscriptions, "tags": TAGS}
        args.update(overrides)
        return run_module(rds_event_subscriptions, args, check_mode=check_mode, capsys=capsys)

    return _run


def described(aws):
    listing = aws.client("rds").describe_event_subscriptions()["EventSubscriptionsList"]
    return {s["CustSubscriptionId"]: s for s in listing}


def operations(aws):
    return [c["operation"] for c in aws.calls()["calls"] for _ in range(c["count"])]


def test_creates_the_four_then_a_second_run_reads_once_and_writes_nothing(aws, run, topic):
    created = run(platform(topic))
    assert created["changed"] is True, created
    assert created["actions"][0] == (
        f"create RDS event subscription {PREFIX}db-cluster: failure, maintenance events of every db-cluster to {topic}"
    )
    found = described(aws)
    assert set(found) == {s["name"] for s in platform(topic)}
    assert found[f"{PREFIX}db-instance"]["EventCategoriesList"] == ["configuration change", "failure", "maintenance"]
    assert all(s["Enabled"] and s["Status"] == "active" and s["SnsTopicArn"] == topic for s in found.values())
    cluster = created["subscriptions"][f"{PREFIX}db-cluster"]
    assert cluster["arn"].endswith(f":es:{PREFIX}db-cluster") and cluster["status"] == "active"
    assert cluster["tags"] == TAGS
    # Every category of the type is what RDS keeps as all of them (the empty list).
    assert created["subscriptions"][f"{PREFIX}db-security-group"]["event_categories"] == []
    tags = aws.client("rds").list_tags_for_resource(ResourceName=cluster["arn"])["TagList"]
    assert {t["Key"]: t["Value"] for t in tags} == TAGS
    assert [(r["kind"], r["name"], r["action"], len(r["changes"])) for r in created["resources"]] == [
        ("event subscription", s["name"], "create", 1) for s in platform(topic)
    ]
    assert created["resources"][0]["changes"] == created["actions"][:1]

    aws.clear_calls()
    again = run(platform(topic))
    assert again["changed"] is False and again["actions"] == [] and aws.writes() == []
    assert again["resources"] == []
    ops = operations(aws)
    # One listing and the four tag reads; and, since two lists name every category of their type (which RDS
    # reports as the empty list), one catalogue read to tell that they are the same.
    assert sorted(ops) == ["DescribeEventCategories", "DescribeEventSubscriptions"] + ["ListTagsForResource"] * 4


def test_all_categories_written_as_empty_lists_make_the_cheapest_no_op(aws, run, topic):
    subscriptions = platform(topic)
    subscriptions[2]["event_categories"] = []
    subscriptions[3]["event_categories"] = []
    run(subscriptions)
    aws.clear_calls()
    assert run(subscriptions)["changed"] is False
    assert sorted(operations(aws)) == ["DescribeEventSubscriptions"] + ["ListTagsForResource"] * 4
    # Naming them all is the same subscription: no change either.
    assert run(platform(topic))["changed"] is False and aws.writes() == []


def test_check_mode_writes_nothing_and_reports_what_it_would_do(aws, run, topic):
    aws.clear_calls()
    planned = run(platform(topic), check_mode=True)
    assert planned["changed"] is True and len(planned["actions"]) == 4
    assert all(s["arn"] is None for s in planned["subscriptions"].values())
    assert aws.writes() == [] and described(aws) == {}
    assert planned["resources"] == run(platform(topic))["resources"]
    assert [r["action"] for r in planned["resources"]] == ["create"] * 4
    changed = platform(topic)
    changed[0]["enabled"] = False
    aws.clear_calls()
    planned = run(changed, check_mode=True)
    assert planned["actions"] == [f"modify RDS event subscription {PREFIX}db-cluster: disabled"]
    assert aws.writes() == [] and described(aws)[f"{PREFIX}db-cluster"]["Enabled"] is True
    assert planned["resources"] == [
        {"kind": "event subscription", "name": f"{PREFIX}db-cluster", "action": "change", "changes": planned["actions"]}
    ]
    assert run(changed)["resources"] == planned["resources"]


def test_categories_topic_and_enabled_are_modified_in_place(aws, run, topic, other_topic):
    run(platform(topic))
    changed = platform(topic)
    changed[0]["event_categories"] = ["failure", "maintenance", "failover"]
    changed[1]["sns_topic_arn"] = other_topic
    changed[2]["enabled"] = False
    aws.clear_calls()
    result = run(changed, _ansible_diff=True)
    assert result["actions"] == [
        f"modify RDS event subscription {PREFIX}db-cluster: categories failure, maintenance -> failover, failure, "
        "maintenance",
        f"modify RDS event subscription {PREFIX}db-instance: topic {topic} -> {other_topic}",
        f"modify RDS event subscription {PREFIX}db-parameter-group: disabled",
    ]
    assert [w["operation"] for w in aws.writes()] == ["ModifyEventSubscription"]
    assert aws.writes()[0]["count"] == 3
    assert result["diff"]["before"][f"{PREFIX}db-instance"]["sns_topic_arn"] == topic
    assert result["diff"]["after"][f"{PREFIX}db-instance"]["sns_topic_arn"] == other_topic
    found = described(aws)
    assert found[f"{PREFIX}db-cluster"]["EventCategoriesList"] == ["failover", "failure", "maintenance"]
    assert found[f"{PREFIX}db-instance"]["SnsTopicArn"] == other_topic
    assert found[f"{PREFIX}db-parameter-group"]["Enabled"] is False
    assert run(changed)["changed"] is False
    # Back to every category of the type: sent as the type's whole list, which RDS keeps as all of them.
    changed[0]["event_categories"] = []
    assert run(changed)["changed"] is True
    assert described(aws)[f"{PREFIX}db-cluster"].get("EventCategoriesList", []) == []
    assert run(changed)["changed"] is False


def test_source_ids_are_added_before_others_are_removed(aws, run, topic):
    rds = aws.client("rds")
    for name in ("trading-test-pg-a", "trading-test-pg-b"):
        rds.create_db_parameter_group(
            DBParameterGroupName=name, DBParameterGroupFamily="aurora-postgresql16", Description="test"
        )
    subscription = {**platform(topic)[2], "source_ids": ["trading-test-pg-a"]}
    run([subscription])
    assert described(aws)[subscription["name"]]["SourceIdsList"] == ["trading-test-pg-a"]
    aws.clear_calls()
    result = run([{**subscription, "source_ids": ["trading-test-pg-b"]}])
    assert result["actions"] == [
        f"add trading-test-pg-b to the sources of RDS event subscription {subscription['name']}",
        f"remove trading-test-pg-a from the sources of RDS event subscription {subscription['name']}",
    ]
    assert result["resources"] == [  # its sources are the subscription's own changes
        {"kind": "event subscription", "name": subscription["name"], "action": "change", "changes": result["actions"]}
    ]
    assert [w["operation"] for w in aws.writes()] == [
        "AddSourceIdentifierToSubscription",
        "RemoveSourceIdentifierFromSubscription",
    ]
    assert described(aws)[subscription["name"]]["SourceIdsList"] == ["trading-test-pg-b"]
    # A source that does not exist is AWS's to refuse: the task fails, nothing is deleted.
    refused = run([{**subscription, "source_ids": ["trading-test-pg-b", "none-such"]}])
    assert refused.failed and "SourceNotFound" in refused["msg"] + str(refused.get("error", ""))
    assert described(aws)[subscription["name"]]["SourceIdsList"] == ["trading-test-pg-b"]


def test_a_new_source_type_moves_the_sources_over(aws, run, topic):
    rds = aws.client("rds")
    rds.create_db_parameter_group(
        DBParameterGroupName="trading-test-pg", DBParameterGroupFamily="aurora-postgresql16", Description="test"
    )
    rds.create_db_security_group(DBSecurityGroupName="trading-test-sg", DBSecurityGroupDescription="test")
    subscription = {**platform(topic)[2], "name": f"{PREFIX}moves", "source_ids": ["trading-test-pg"]}
    run([subscription])
    moved = {**subscription, "source_type": "db-security-group", "source_ids": ["trading-test-sg"]}
    moved["event_categories"] = ["failure"]
    result = run([moved])
    assert result["actions"] == [
        f"remove trading-test-pg from the sources of RDS event subscription {PREFIX}moves (its source type changes)",
        f"modify RDS event subscription {PREFIX}moves: source type db-parameter-group -> db-security-group; "
        "categories every category -> failure",
        f"add trading-test-sg to the sources of RDS event subscription {PREFIX}moves",
    ]
    found = described(aws)[f"{PREFIX}moves"]
    assert (found["SourceType"], found["SourceIdsList"], found["EventCategoriesList"]) == (
        "db-security-group",
        ["trading-test-sg"],
        ["failure"],
    )


def test_tag_drift_is_fixed(aws, run, topic):
    created = run(platform(topic))
    arn = created["subscriptions"][f"{PREFIX}db-instance"]["arn"]
    rds = aws.client("rds")
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "Stray", "Value": "x"}, {"Key": "Project", "Value": "y"}])
    aws.clear_calls()
    fixed = run(platform(topic))
    assert fixed["actions"] == [
        f"tag RDS event subscription {PREFIX}db-instance: set Project",
        f"tag RDS event subscription {PREFIX}db-instance: remove Stray",
    ]
    assert fixed["resources"] == [
        {"kind": "event subscription", "name": f"{PREFIX}db-instance", "action": "change", "changes": fixed["actions"]}
    ]
    assert sorted(w["operation"] for w in aws.writes()) == ["AddTagsToResource", "RemoveTagsFromResource"]
    assert {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=arn)["TagList"]} == TAGS
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "Stray", "Value": "x"}])
    assert run(platform(topic), purge_tags=False)["changed"] is False


def test_absent_deletes_the_listed_ones_only(aws, run, topic):
    run(platform(topic))
    names = [{"name": f"{PREFIX}db-cluster"}, {"name": f"{PREFIX}db-instance"}, {"name": f"{PREFIX}never-made"}]
    result = run(names, state="absent")
    assert result["actions"] == [
        f"delete RDS event subscription {PREFIX}db-cluster",
        f"delete RDS event subscription {PREFIX}db-instance",
    ]
    assert set(described(aws)) == {f"{PREFIX}db-parameter-group", f"{PREFIX}db-security-group"}
    assert result["subscriptions"] == {n["name"]: None for n in names}
    assert result["resources"] == [
        {
            "kind": "event subscription",
            "name": n,
            "action": "delete",
            "changes": [f"delete RDS event subscription {n}"],
        }
        for n in (f"{PREFIX}db-cluster", f"{PREFIX}db-instance")
    ]
    aws.clear_calls()
    again = run(names, state="absent")
    assert again["changed"] is False and aws.writes() == [] and again["resources"] == []


def test_purge_deletes_unlisted_subscriptions_of_the_prefix_only(aws, run, topic):
    rds = aws.client("rds")
    for name in (f"{PREFIX}old-one", "other-team-events"):
        rds.create_event_subscription(SubscriptionName=name, SnsTopicArn=topic, SourceType="db-instance")
    result = run(platform(topic), purge=True, name_prefix=PREFIX)
    assert (
        f"delete RDS event subscription {PREFIX}old-one (not listed, its name starts with {PREFIX})"
        in result["actions"]
    )
    assert set(described(aws)) == {s["name"] for s in platform(topic)} | {"other-team-events"}
    assert [(r["name"], r["action"]) for r in result["resources"] if r["action"] == "delete"] == [
        (f"{PREFIX}old-one", "delete")
    ]
    assert sum(r["action"] == "create" for r in result["resources"]) == 4
    # An empty list with purge removes every subscription of the prefix (a teardown).
    emptied = run([], purge=True, name_prefix=PREFIX)
    assert len(emptied["actions"]) == 4 and set(described(aws)) == {"other-team-events"}
    aws.clear_calls()
    refused = run(platform(topic), purge=True)
    assert refused.failed and "purge: true needs name_prefix" in refused["msg"]
    assert refused["resources"] == [] and refused["actions"] == []
    assert aws.calls()["total"] == 0


def test_a_category_not_of_the_source_type_fails_before_any_write(aws, run, topic):
    subscriptions = platform(topic)
    subscriptions[2]["event_categories"] = ["configuration change", "failure"]
    aws.clear_calls()
    refused = run(subscriptions)
    assert refused.failed
    assert (
        f"subscriptions[2] ({PREFIX}db-parameter-group): event_categories: 'failure' is not a category of "
        "db-parameter-group (RDS lists: configuration change)"
    ) in refused["msg"]
    assert "Nothing was changed" in refused["msg"]
    assert aws.writes() == [] and described(aws) == {}
    assert operations(aws).count("DescribeEventCategories") == 1


def test_names_topics_and_required_fields_are_refused_before_any_call(aws, run, topic):
    aws.clear_calls()
    refused = run(
        [
            {"name": "trading--events", "sns_topic_arn": topic, "source_type": "db-instance"},
            {"name": "1events", "sns_topic_arn": "trading-alerts", "source_type": "db-instance"},
            {"name": "events", "sns_topic_arn": f"{topic}.fifo", "source_type": "db-instance"},
            {"name": "EVENTS", "sns_topic_arn": topic},
            {"name": "e" * 255, "source_type": "db-cluster"},
        ]
    )
    assert refused.failed
    msg = refused["msg"]
    assert "subscriptions[0] (trading--events): name 'trading--events' is not one RDS accepts" in msg
    assert "subscriptions[1] (1events): name '1events' is not one RDS accepts" in msg
    assert "subscriptions[1] (1events): sns_topic_arn 'trading-alerts' is not the ARN of an SNS topic" in msg
    assert "subscriptions[2] (events): sns_topic_arn" in msg and "is a FIFO topic" in msg
    assert "subscriptions[3] (EVENTS): name EVENTS is listed twice (also subscriptions[2])" in msg
    assert "subscriptions[3] (EVENTS): source_type is required with state=present" in msg
    assert f"subscriptions[4] ({'e' * 255}): name is 255 characters long; RDS takes fewer than 255" in msg
    assert f"subscriptions[4] ({'e' * 255}): sns_topic_arn is required with state=present" in msg
    assert aws.calls()["total"] == 0


def test_a_missing_topic_is_refused_by_rds_and_nothing_is_left_half_done(aws, run, topic):
    subscriptions = platform(topic)
    subscriptions[1]["sns_topic_arn"] = topic + "-gone"
    refused = run(subscriptions)
    assert refused.failed and "no subscription was deleted" in refused["msg"]
    assert refused["actions"][0].startswith(f"create RDS event subscription {PREFIX}db-cluster")
    assert [(r["name"], r["action"]) for r in refused["resources"]] == [
        (f"{PREFIX}db-cluster", "create"),
        (f"{PREFIX}db-instance", "create"),
    ]
    assert set(described(aws)) == {f"{PREFIX}db-cluster"}


def test_waits_while_rds_creates_and_modifies(aws, run, topic):
    aws.set_latency(0.02)  # about a second creating, a second modifying
    created = run(platform(topic)[:1])
    assert not created.failed, created
    assert created["subscriptions"][f"{PREFIX}db-cluster"]["status"] == "active"
    assert described(aws)[f"{PREFIX}db-cluster"]["Status"] == "active"
    changed = platform(topic)[:1]
    changed[0]["enabled"] = False
    started = run(changed, wait=False)
    assert started["subscriptions"][f"{PREFIX}db-cluster"]["status"] == "active"  # as found before the change
    assert described(aws)[f"{PREFIX}db-cluster"]["Status"] == "modifying"
    # Found modifying, with nothing to change: waited for.
    settled = run(changed)
    assert settled["changed"] is False and settled["subscriptions"][f"{PREFIX}db-cluster"]["status"] == "active"
    timed_out = run(platform(topic)[:1], wait_timeout=0)
    assert timed_out.failed and "still not done after 0s" in timed_out["msg"]


def test_a_deleted_topic_is_reported(aws, run, topic):
    run(platform(topic)[:1])
    aws.client("sns").delete_topic(TopicArn=topic)
    result = run(platform(topic)[:1])
    assert result["changed"] is False
    assert result["subscriptions"][f"{PREFIX}db-cluster"]["status"] == "topic-not-exist"
    assert any("topic-not-exist" in str(w) for w in result.get("warnings", [])), result


def test_throttling_is_retried(aws, run, topic):
    aws.set_faults(throttle_rate=0.3, seed=5, services=["rds"])
    created = run(platform(topic))
    assert not created.failed, created
    again = run(platform(topic))
    assert not again.failed and again["changed"] is False
    assert aws.faults()["injected"] > 0
    aws.set_faults()
    assert set(described(aws)) == {s["name"] for s in platform(topic)}
