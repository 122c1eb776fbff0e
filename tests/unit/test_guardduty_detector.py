"""guardduty_detector against the local AWS (detector tags are the local AWS's own addition)."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import guardduty_detector

from tests.helpers import run_module

FEATURES = [
    {"name": "S3_DATA_EVENTS"},
    {"name": "RUNTIME_MONITORING", "additional_configuration": {"EKS_ADDON_MANAGEMENT": "ENABLED"}},
]


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **args):
        return run_module(guardduty_detector, args, check_mode=check_mode, capsys=capsys)

    return _run


def detector(aws):
    client = aws.client("guardduty")
    ids = client.list_detectors()["DetectorIds"]
    assert len(ids) <= 1
    return client.get_detector(DetectorId=ids[0]) if ids else None


def test_creates_the_detector_then_changes_nothing(aws, run):
    result = run(finding_publishing_frequency="FIFTEEN_MINUTES", features=FEATURES, tags={"Environment": "test"})
    assert result["changed"] is True and result["actions"] == ["create detector"]
    assert result["resources"] == [
        {"kind": "GuardDuty detector", "name": "us-east-1", "action": "create", "changes": ["create detector"]}
    ]
    found = detector(aws)
    assert found["Status"] == "ENABLED" and found["FindingPublishingFrequency"] == "FIFTEEN_MINUTES"
    assert found["Tags"] == {"Environment": "test"}
    runtime = next(f for f in found["Features"] if f["Name"] == "RUNTIME_MONITORING")
    assert runtime["AdditionalConfiguration"] == [{"Name": "EKS_ADDON_MANAGEMENT", "Status": "ENABLED"}]
    aws.clear_calls()
    again = run(finding_publishing_frequency="FIFTEEN_MINUTES", features=FEATURES, tags={"Environment": "test"})
    assert again["changed"] is False and again["detector_id"] == result["detector_id"]
    assert aws.writes() == [] and again["resources"] == []


def test_adopts_the_existing_detector_and_updates_it_in_place(aws, run):
    existing = aws.client("guardduty").create_detector(Enable=False)["DetectorId"]
    result = run(finding_publishing_frequency="ONE_HOUR", features=[{"name": "EKS_AUDIT_LOGS"}])
    assert result["changed"] is True and result["detector_id"] == existing
    assert result["actions"] == [
        "update detector: Enable=True, FindingPublishingFrequency=ONE_HOUR, EKS_AUDIT_LOGS=ENABLED"
    ]
    assert result["diff"]["before"]["enabled"] is False and result["diff"]["after"]["enabled"] is True
    assert result["resources"] == [
        {"kind": "GuardDuty detector", "name": "us-east-1", "action": "change", "changes": result["actions"]}
    ]
    found = detector(aws)
    assert found["Status"] == "ENABLED" and found["FindingPublishingFrequency"] == "ONE_HOUR"


def test_unlisted_features_are_left_alone_and_a_disabled_one_is_switched_off(aws, run):
    run(features=FEATURES)
    result = run(features=[{"name": "S3_DATA_EVENTS", "status": "DISABLED"}])
    assert result["changed"] is True
    assert result["detector"]["features"]["S3_DATA_EVENTS"]["status"] == "DISABLED"
    assert result["detector"]["features"]["RUNTIME_MONITORING"]["status"] == "ENABLED"
    assert run(features=[{"name": "S3_DATA_EVENTS", "status": "DISABLED"}])["changed"] is False


def test_tags_follow_the_inventory(aws, run):
    run(tags={"Environment": "test", "Owner": "a"})
    result = run(tags={"Environment": "test", "CostCentre": "42"})
    assert result["actions"] == ["tag detector: set CostCentre", "tag detector: remove Owner"]
    assert result["resources"] == [
        {"kind": "GuardDuty detector", "name": "us-east-1", "action": "change", "changes": result["actions"]}
    ]
    assert detector(aws)["Tags"] == {"Environment": "test", "CostCentre": "42"}


def test_check_mode_changes_nothing(aws, run):
    result = run(check_mode=True, features=FEATURES)
    assert result["changed"] is True and result["detector_id"] is None
    assert aws.writes() == [] and detector(aws) is None
    assert result["resources"] == run(features=FEATURES)["resources"]
    assert [r["action"] for r in result["resources"]] == ["create"]
    aws.clear_calls()
    preview = run(check_mode=True, finding_publishing_frequency="FIFTEEN_MINUTES", features=FEATURES)
    assert preview["changed"] is True and aws.writes() == []
    assert detector(aws)["FindingPublishingFrequency"] == "SIX_HOURS"
    assert [(r["kind"], r["action"]) for r in preview["resources"]] == [("GuardDuty detector", "change")]
    assert preview["resources"] == run(finding_publishing_frequency="FIFTEEN_MINUTES", features=FEATURES)["resources"]


def test_bad_sub_feature_status_is_refused_before_any_call(aws, run):
    result = run(features=[{"name": "RUNTIME_MONITORING", "additional_configuration": {"EKS_ADDON_MANAGEMENT": "ON"}}])
    assert result.failed and "EKS_ADDON_MANAGEMENT" in result["msg"]
    assert aws.calls()["total"] == 0


def test_absent_deletes_the_detector(aws, run):
    run()
    deleted = run(state="absent")
    assert deleted["changed"] is True and detector(aws) is None
    assert [(r["kind"], r["name"], r["action"]) for r in deleted["resources"]] == [
        ("GuardDuty detector", "us-east-1", "delete")
    ]
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=4, services=["guardduty"])
    result = run(features=FEATURES, tags={"Environment": "test"})
    assert not result.failed and detector(aws) is not None
    assert aws.faults()["injected"] > 0
