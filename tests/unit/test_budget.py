"""budget against the local AWS (budget updates and subscribers are the local AWS's own addition)."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import budget

from tests.helpers import run_module

TOPIC = "arn:aws:sns:us-east-1:123456789012:trading-test-alerts"
ACCOUNT = "123456789012"


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **args):
        base = {
            "name": "trading-test-monthly",
            "limit_amount": 1000,
            "cost_filters": {"TagKeyValue": ["user:Environment$test"]},
            "notifications": [{"threshold": 80}, {"threshold": 100, "notification_type": "FORECASTED"}],
            "subscribers": [{"type": "SNS", "address": TOPIC}],
        }
        base.update(args)
        return run_module(budget, base, check_mode=check_mode, capsys=capsys)

    return _run


def read(aws):
    client = aws.client("budgets")
    found = client.describe_budget(AccountId=ACCOUNT, BudgetName="trading-test-monthly")["Budget"]
    notes = client.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName="trading-test-monthly")
    subs = {
        (n["NotificationType"], float(n["Threshold"])): [
            s["Address"]
            for s in client.describe_subscribers_for_notification(
                AccountId=ACCOUNT, BudgetName="trading-test-monthly", Notification=n
            )["Subscribers"]
        ]
        for n in notes["Notifications"]
    }
    return found, subs


def test_creates_the_budget_with_its_alerts_then_changes_nothing(aws, run):
    result = run()
    assert result["changed"] is True and result["actions"] == [
        "create budget trading-test-monthly with 2 notifications"
    ]
    found, subs = read(aws)
    assert float(found["BudgetLimit"]["Amount"]) == 1000 and found["TimeUnit"] == "MONTHLY"
    assert found["CostFilters"] == {"TagKeyValue": ["user:Environment$test"]}
    assert subs == {("ACTUAL", 80.0): [TOPIC], ("FORECASTED", 100.0): [TOPIC]}
    assert result["resources"] == [
        {"kind": "budget", "name": "trading-test-monthly", "action": "create", "changes": result["actions"]}
    ]
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and aws.writes() == [] and again["resources"] == []
    assert again["budget"] == result["budget"]


def test_limit_change_updates_in_place(aws, run):
    run()
    result = run(limit_amount=1500.5)
    assert result["actions"] == ["update budget trading-test-monthly: 1500.5 USD monthly"]
    assert result["resources"] == [
        {"kind": "budget", "name": "trading-test-monthly", "action": "change", "changes": result["actions"]}
    ]
    assert float(read(aws)[0]["BudgetLimit"]["Amount"]) == 1500.5
    assert result["diff"]["before"]["limit_amount"] == 1000 and result["diff"]["after"]["limit_amount"] == 1500.5


def test_notifications_and_subscribers_follow_the_inventory(aws, run):
    run()
    result = run(
        notifications=[{"threshold": 80}, {"threshold": 50}],
        subscribers=[{"type": "SNS", "address": TOPIC}, {"type": "EMAIL", "address": "finops@example.com"}],
    )
    assert sorted(result["actions"]) == [
        "create notification actual greater than 50%",
        "delete notification forecasted greater than 100%",
        "subscribe finops@example.com to notification actual greater than 80%",
    ]
    assert result["resources"] == [  # the notifications are the budget's, not resources of their own
        {"kind": "budget", "name": "trading-test-monthly", "action": "change", "changes": result["actions"]}
    ]
    assert read(aws)[1] == {
        ("ACTUAL", 80.0): [TOPIC, "finops@example.com"],
        ("ACTUAL", 50.0): [TOPIC, "finops@example.com"],
    }
    dropped = run(
        notifications=[{"threshold": 80}, {"threshold": 50}],
        subscribers=[{"type": "EMAIL", "address": "finops@example.com"}],
    )
    assert len(dropped["actions"]) == 2 and all(a.startswith(f"unsubscribe {TOPIC}") for a in dropped["actions"])


def test_check_mode_changes_nothing(aws, run):
    preview = run(check_mode=True)
    assert preview["changed"] is True and aws.writes() == []
    assert len(aws.client("budgets").describe_budgets(AccountId=ACCOUNT).get("Budgets", [])) == 0
    assert preview["resources"] == run()["resources"]
    assert [r["action"] for r in preview["resources"]] == ["create"]
    aws.clear_calls()
    changing = run(check_mode=True, limit_amount=5)
    assert changing["changed"] is True and aws.writes() == []
    assert changing["resources"] == run(limit_amount=5)["resources"]
    assert [r["action"] for r in changing["resources"]] == ["change"]


def test_bad_input_is_refused_before_any_call(aws, run):
    assert "must be above 0" in run(limit_amount=0)["msg"]
    assert "at least one subscriber" in run(subscribers=[])["msg"]
    two_topics = [{"type": "SNS", "address": TOPIC}, {"type": "SNS", "address": TOPIC + "-2"}]
    assert "at most one SNS topic" in run(subscribers=two_topics)["msg"]
    assert aws.calls()["total"] == 0


def test_absent_deletes_the_budget(aws, run):
    run()
    deleted = run(state="absent")
    assert deleted["changed"] is True
    assert deleted["resources"] == [
        {
            "kind": "budget",
            "name": "trading-test-monthly",
            "action": "delete",
            "changes": ["delete budget trading-test-monthly"],
        }
    ]
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []
    assert aws.client("budgets").describe_budgets(AccountId=ACCOUNT).get("Budgets", []) == []


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=4, services=["budgets"])
    result = run()
    assert not result.failed, result
    assert aws.faults()["injected"] > 0
    aws.set_faults(throttle_rate=0)
    assert read(aws)[1] == {("ACTUAL", 80.0): [TOPIC], ("FORECASTED", 100.0): [TOPIC]}
