"""securityhub against the local AWS (Security Hub standards are the local AWS's own addition)."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import securityhub

from tests.helpers import run_module


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **args):
        return run_module(securityhub, args, check_mode=check_mode, capsys=capsys)

    return _run


def enabled(aws):
    return sorted(
        s["StandardsArn"].split("/", 1)[1]
        for s in aws.client("securityhub").get_enabled_standards()["StandardsSubscriptions"]
    )


def test_enables_the_hub_with_exactly_the_named_standards(aws, run):
    result = run(standards=["cis-1.4", "fsbp"], tags={"Environment": "test"})
    assert result["changed"] is True and result["hub_arn"]
    assert [s["status"] for s in result["standards"]] == ["READY", "READY"]
    assert enabled(aws) == ["aws-foundational-security-best-practices/v/1.0.0", "cis-aws-foundations-benchmark/v/1.4.0"]
    assert result["resources"] == [
        {
            "kind": "Security Hub",
            "name": "us-east-1",
            "action": "create",
            "changes": ["enable Security Hub (no default standards)", "enable standards cis-1.4, fsbp"],
        }
    ]
    aws.clear_calls()
    again = run(standards=["cis-1.4", "fsbp"], tags={"Environment": "test"})
    assert again["changed"] is False and aws.writes() == [] and again["resources"] == []


def test_purges_standards_no_longer_listed(aws, run):
    run(standards=["cis-1.4", "fsbp"])
    result = run(standards=["fsbp"])
    assert result["changed"] is True and result["actions"] == ["disable standards cis-1.4"]
    assert result["resources"] == [
        {"kind": "Security Hub", "name": "us-east-1", "action": "change", "changes": ["disable standards cis-1.4"]}
    ]
    assert enabled(aws) == ["aws-foundational-security-best-practices/v/1.0.0"]
    kept = run(standards=[], purge_standards=False)
    assert kept["changed"] is False


def test_check_mode_changes_nothing(aws, run):
    result = run(check_mode=True, standards=["fsbp"])
    assert result["changed"] is True and result["hub_arn"] is None
    assert aws.writes() == []
    assert result["diff"]["after"] == {"enabled": True, "standards": ["fsbp"]}
    assert result["resources"] == run(standards=["fsbp"])["resources"]
    assert [(r["kind"], r["action"]) for r in result["resources"]] == [("Security Hub", "create")]


def test_an_unknown_standard_is_refused_before_any_write(aws, run):
    result = run(standards=["fsbp", "iso-27001"])
    assert result.failed and "iso-27001" in result["msg"]
    assert aws.writes() == []


def test_absent_disables_the_hub(aws, run):
    run(standards=["fsbp"])
    disabled = run(state="absent")
    assert disabled["changed"] is True
    assert disabled["resources"] == [
        {"kind": "Security Hub", "name": "us-east-1", "action": "delete", "changes": ["disable Security Hub"]}
    ]
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_hub_tags_follow_the_inventory(aws, run):
    result = run(standards=["fsbp"], tags={"Environment": "test", "Owner": "a"})
    hub = aws.client("securityhub")
    assert hub.list_tags_for_resource(ResourceArn=result["hub_arn"])["Tags"] == {"Environment": "test", "Owner": "a"}
    changed = run(standards=["fsbp"], tags={"Environment": "test"})
    assert changed["changed"] is True
    assert [(r["kind"], r["action"], r["changes"]) for r in changed["resources"]] == [
        ("Security Hub", "change", ["tag hub: remove Owner"])
    ]
    assert hub.list_tags_for_resource(ResourceArn=result["hub_arn"])["Tags"] == {"Environment": "test"}
