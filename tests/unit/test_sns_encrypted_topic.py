"""sns_encrypted_topic against the local AWS."""

import json

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import sns_encrypted_topic

from tests.helpers import run_module

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "CloudWatchPublishes",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": "arn:aws:sns:us-east-1:123456789012:t-alerts",
        }
    ],
}


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **overrides):
        args = {
            "name": "t-alerts",
            "display_name": "T alerts",
            "kms_master_key_id": "alias/t-compliance",
            "policy": POLICY,
            "subscriptions": [{"protocol": "email", "endpoint": "oncall@example.com"}],
            "tags": {"Environment": "dev"},
        }
        args.update(overrides)
        return run_module(sns_encrypted_topic, args, check_mode=check_mode, capsys=capsys)

    return _run


def test_creates_an_encrypted_topic_with_policy_subscription_and_tags_then_a_rerun_writes_nothing(aws, run):
    created = run()
    assert created["changed"] is True and created["topic_arn"].endswith(":t-alerts")
    assert created["resources"] == [
        {
            "kind": "SNS topic",
            "name": "t-alerts",
            "action": "create",
            "changes": [
                "create topic t-alerts encrypted with alias/t-compliance",
                "subscribe email oncall@example.com",
            ],
        }
    ]
    sns = aws.client("sns")
    attributes = sns.get_topic_attributes(TopicArn=created["topic_arn"])["Attributes"]
    assert attributes["KmsMasterKeyId"] == "alias/t-compliance"
    assert attributes["DisplayName"] == "T alerts"
    assert json.loads(attributes["Policy"])["Statement"][0]["Sid"] == "CloudWatchPublishes"
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=created["topic_arn"])["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "oncall@example.com")]
    assert sns.list_tags_for_resource(ResourceArn=created["topic_arn"])["Tags"] == [
        {"Key": "Environment", "Value": "dev"}
    ]

    aws.clear_calls()
    again = run()
    assert again["changed"] is False, again["actions"]
    assert aws.writes() == [] and again["resources"] == []


def test_an_unencrypted_topic_of_the_same_name_gets_the_key_and_a_replaced_address_is_swapped(aws, run):
    arn = aws.client("sns").create_topic(Name="t-alerts")["TopicArn"]
    aws.client("sns").subscribe(TopicArn=arn, Protocol="email", Endpoint="old@example.com")
    checked = run(tags=None, policy=None, display_name=None, check_mode=True)
    result = run(tags=None, policy=None, display_name=None)
    assert "set KmsMasterKeyId of topic t-alerts" in result["actions"]
    assert (
        result["resources"]
        == checked["resources"]
        == [{"kind": "SNS topic", "name": "t-alerts", "action": "change", "changes": result["actions"]}]
    )
    assert "subscribe email oncall@example.com" in result["actions"]
    assert "unsubscribe email from topic t-alerts" in result["actions"]
    subscriptions = aws.client("sns").list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert [s["Endpoint"] for s in subscriptions] == ["oncall@example.com"]
    assert result["diff"]["before"]["kms_master_key_id"] == ""


def test_check_mode_writes_nothing(aws, run):
    result = run(check_mode=True)
    assert result["changed"] is True and result["topic_arn"] is None
    assert aws.writes() == []
    assert aws.client("sns").list_topics()["Topics"] == []
    assert result["resources"] == run()["resources"]
    assert [(r["kind"], r["action"]) for r in result["resources"]] == [("SNS topic", "create")]


def test_absent_deletes_the_topic(aws, run):
    run()
    deleted = run(state="absent")
    assert deleted["changed"] is True
    assert aws.client("sns").list_topics()["Topics"] == []
    assert deleted["resources"] == [
        {"kind": "SNS topic", "name": "t-alerts", "action": "delete", "changes": ["delete topic t-alerts"]}
    ]
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_present_needs_a_key(aws, run):
    result = run(kms_master_key_id=None)
    assert result.failed and "kms_master_key_id" in result["msg"]
    assert aws.calls()["calls"] == []


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=4, services=["sns"])
    result = run()
    assert not result.failed and result["changed"] is True
    assert aws.faults()["injected"] > 0
