"""config_recording against the local AWS."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import config_recording

from tests.helpers import run_module

ROLE = "arn:aws:iam::123456789012:role/t-config"


@pytest.fixture
def run(aws, capsys):
    aws.client("s3").create_bucket(Bucket="t-config")

    def _run(check_mode=False, **overrides):
        args = {
            "role_arn": ROLE,
            "include_global_resource_types": True,
            "s3_bucket": "t-config",
            "s3_key_prefix": "config",
        }
        args.update(overrides)
        return run_module(config_recording, args, check_mode=check_mode, capsys=capsys)

    return _run


def status(aws):
    return aws.client("config").describe_configuration_recorder_status()["ConfigurationRecordersStatus"]


def test_creates_recorder_and_channel_and_starts_recording_then_a_rerun_writes_nothing(aws, run):
    result = run()
    assert result["actions"] == ["create recorder default", "create delivery channel default", "start recorder default"]
    config = aws.client("config")
    recorder = config.describe_configuration_recorders()["ConfigurationRecorders"][0]
    assert recorder["roleARN"] == ROLE and recorder["recordingGroup"]["includeGlobalResourceTypes"] is True
    channel = config.describe_delivery_channels()["DeliveryChannels"][0]
    assert channel["s3BucketName"] == "t-config" and channel["s3KeyPrefix"] == "config"
    assert status(aws)[0]["recording"] is True
    assert result["resources"] == [
        {
            "kind": "config recorder",
            "name": "default",
            "action": "create",
            "changes": ["create recorder default", "start recorder default"],
        },
        {
            "kind": "delivery channel",
            "name": "default",
            "action": "create",
            "changes": ["create delivery channel default"],
        },
    ]

    aws.clear_calls()
    again = run()
    assert again["changed"] is False, again["actions"]
    assert aws.writes() == [] and again["resources"] == []


def test_a_stopped_recorder_is_started_and_a_changed_frequency_updates_the_channel(aws, run):
    run()
    aws.client("config").stop_configuration_recorder(ConfigurationRecorderName="default")
    result = run(delivery_frequency="Six_Hours")
    assert result["actions"] == ["update delivery channel default", "start recorder default"]
    assert result["resources"] == [
        {
            "kind": "delivery channel",
            "name": "default",
            "action": "change",
            "changes": ["update delivery channel default"],
        },
        {"kind": "config recorder", "name": "default", "action": "change", "changes": ["start recorder default"]},
    ]
    assert result["diff"]["after"]["delivery_channel"]["configSnapshotDeliveryProperties"] == {
        "deliveryFrequency": "Six_Hours"
    }


def test_absent_stops_recording_before_deleting(aws, run):
    run()
    checked = run(state="absent", check_mode=True)
    aws.clear_calls()
    result = run(state="absent")
    assert result["actions"] == ["stop recorder default", "delete delivery channel default", "delete recorder default"]
    assert (
        result["resources"]
        == checked["resources"]
        == [
            {
                "kind": "config recorder",
                "name": "default",
                "action": "delete",
                "changes": ["stop recorder default", "delete recorder default"],
            },
            {
                "kind": "delivery channel",
                "name": "default",
                "action": "delete",
                "changes": ["delete delivery channel default"],
            },
        ]
    )
    writes = sorted(c["operation"] for c in aws.writes())
    assert writes == ["DeleteConfigurationRecorder", "DeleteDeliveryChannel", "StopConfigurationRecorder"]
    assert aws.client("config").describe_configuration_recorders()["ConfigurationRecorders"] == []
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_a_recorder_under_another_name_is_not_fought_over(aws, run):
    aws.client("config").put_configuration_recorder(
        ConfigurationRecorder={"name": "corp", "roleARN": ROLE, "recordingGroup": {"allSupported": True}}
    )
    aws.clear_calls()
    result = run()
    assert result.failed and "corp" in result["msg"]
    assert aws.writes() == []


def test_check_mode_writes_nothing(aws, run):
    aws.clear_calls()
    result = run(check_mode=True)
    assert result["changed"] is True and result["recording"] is True
    assert aws.writes() == []
    assert result["resources"] == run()["resources"]
    assert [(r["kind"], r["action"]) for r in result["resources"]] == [
        ("config recorder", "create"),
        ("delivery channel", "create"),
    ]
