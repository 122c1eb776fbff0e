"""cloudwatch_dashboard against the local AWS."""

import json

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import cloudwatch_dashboard

from tests.helpers import run_module

BODY = {
    "widgets": [
        {
            "type": "metric",
            "x": 0,
            "y": 0,
            "width": 12,
            "height": 6,
            "properties": {
                "title": "ALB 5xx",
                "region": "us-east-1",
                "stat": "Sum",
                "period": 60,
                "metrics": [["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"]],
            },
        }
    ]
}


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **overrides):
        args = {"name": "trading-test", "body": BODY}
        args.update(overrides)
        return run_module(cloudwatch_dashboard, args, check_mode=check_mode, capsys=capsys)

    return _run


def test_create_then_no_op_even_when_the_body_is_reordered_text(aws, run):
    created = run()
    assert created["changed"] is True and created["dashboard_arn"].endswith(":dashboard/trading-test")
    assert created["resources"] == [
        {"kind": "dashboard", "name": "trading-test", "action": "create", "changes": ["create dashboard trading-test"]}
    ]
    stored = json.loads(aws.client("cloudwatch").get_dashboard(DashboardName="trading-test")["DashboardBody"])
    assert stored == BODY
    aws.clear_calls()
    again = run(body=json.dumps(BODY, indent=4, sort_keys=False))
    assert again["changed"] is False and aws.writes() == []
    assert again["resources"] == []


def test_a_changed_widget_updates_the_dashboard(aws, run):
    run()
    body = json.loads(json.dumps(BODY))
    body["widgets"][0]["properties"]["title"] = "ALB 5xx (per minute)"
    result = run(body=body)
    assert result["changed"] is True and result["actions"] == ["update dashboard trading-test"]
    assert result["resources"] == [
        {"kind": "dashboard", "name": "trading-test", "action": "change", "changes": ["update dashboard trading-test"]}
    ]
    assert result["diff"]["after"]["widgets"][0]["properties"]["title"] == "ALB 5xx (per minute)"


def test_check_mode_writes_nothing(aws, run):
    checked = run(check_mode=True)
    assert checked["changed"] is True
    assert aws.writes() == []
    assert checked["resources"] == run()["resources"] != []


def test_a_body_without_widgets_is_refused_before_any_call(aws, run):
    result = run(body={"panels": []})
    assert result.failed and "widgets" in result["msg"]
    assert aws.calls()["total"] == 0


def test_absent(aws, run):
    run()
    checked = run(state="absent", check_mode=True)
    deleted = run(state="absent")
    assert deleted["changed"] is True
    assert (
        deleted["resources"]
        == checked["resources"]
        == [
            {
                "kind": "dashboard",
                "name": "trading-test",
                "action": "delete",
                "changes": ["delete dashboard trading-test"],
            }
        ]
    )
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []
