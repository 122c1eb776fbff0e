"""config_rules against the local AWS."""

import json

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import config_rules

from tests.helpers import run_module

PASSWORD = {
    "name": "t-dev-iam-password-policy",
    "source_identifier": "IAM_PASSWORD_POLICY",
    "description": "CIS 1.8-1.9",
    "input_parameters": {"MinimumPasswordLength": 14, "RequireSymbols": True},
    "maximum_execution_frequency": "TwentyFour_Hours",
}
SSH = {
    "name": "t-dev-restricted-ssh",
    "source_identifier": "INCOMING_SSH_DISABLED",
    "resource_types": ["AWS::EC2::SecurityGroup"],
}


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **overrides):
        args = {"rules": [PASSWORD, SSH], "purge_prefix": "t-dev-", "tags": {"Environment": "dev"}}
        args.update(overrides)
        return run_module(config_rules, args, check_mode=check_mode, capsys=capsys)

    return _run


def rules(aws):
    return {r["ConfigRuleName"]: r for r in aws.client("config").describe_config_rules()["ConfigRules"]}


def test_creates_rules_with_parameters_scope_and_tags_then_a_rerun_writes_nothing(aws, run):
    result = run()
    assert sorted(result["actions"]) == [
        "create rule t-dev-iam-password-policy (IAM_PASSWORD_POLICY)",
        "create rule t-dev-restricted-ssh (INCOMING_SSH_DISABLED)",
    ]
    found = rules(aws)
    assert json.loads(found["t-dev-iam-password-policy"]["InputParameters"]) == {
        "MinimumPasswordLength": "14",
        "RequireSymbols": "true",
    }
    assert found["t-dev-restricted-ssh"]["Scope"]["ComplianceResourceTypes"] == ["AWS::EC2::SecurityGroup"]
    tags = aws.client("config").list_tags_for_resource(ResourceArn=found["t-dev-restricted-ssh"]["ConfigRuleArn"])
    assert tags["Tags"] == [{"Key": "Environment", "Value": "dev"}]
    assert {r["arn"] for r in result["rules"]} == {r["ConfigRuleArn"] for r in found.values()}
    assert result["resources"] == [
        {
            "kind": "Config rule",
            "name": "t-dev-iam-password-policy",
            "action": "create",
            "changes": ["create rule t-dev-iam-password-policy (IAM_PASSWORD_POLICY)"],
        },
        {
            "kind": "Config rule",
            "name": "t-dev-restricted-ssh",
            "action": "create",
            "changes": ["create rule t-dev-restricted-ssh (INCOMING_SSH_DISABLED)"],
        },
    ]

    aws.clear_calls()
    again = run()
    assert again["changed"] is False, again["actions"]
    assert aws.writes() == [] and again["resources"] == []


def test_a_list_parameter_is_sent_comma_separated_and_a_rerun_writes_nothing(aws, run):
    ports = {
        "name": "t-dev-restricted-common-ports",
        "source_identifier": "RESTRICTED_INCOMING_TRAFFIC",
        "input_parameters": {"blockedPort1": 20, "blockedPorts": [3389, 3306]},
    }
    run(rules=[ports])
    found = json.loads(rules(aws)["t-dev-restricted-common-ports"]["InputParameters"])
    assert found == {"blockedPort1": "20", "blockedPorts": "3389,3306"}  # not "[3389, 3306]"
    assert run(rules=[ports])["changed"] is False


def test_a_changed_parameter_updates_the_rule_in_place(aws, run):
    run()
    arn = rules(aws)["t-dev-iam-password-policy"]["ConfigRuleArn"]
    changed = dict(PASSWORD, input_parameters={"MinimumPasswordLength": 16, "RequireSymbols": True})
    result = run(rules=[changed, SSH])
    assert result["actions"] == ["update rule t-dev-iam-password-policy (input_parameters)"]
    assert result["resources"] == [
        {
            "kind": "Config rule",
            "name": "t-dev-iam-password-policy",
            "action": "change",
            "changes": ["update rule t-dev-iam-password-policy (input_parameters)"],
        }
    ]
    rule = rules(aws)["t-dev-iam-password-policy"]
    assert rule["ConfigRuleArn"] == arn
    assert json.loads(rule["InputParameters"])["MinimumPasswordLength"] == "16"


def test_purge_deletes_unlisted_rules_of_the_prefix_only(aws, run):
    run()
    aws.client("config").put_config_rule(
        ConfigRule={
            "ConfigRuleName": "corp-root-mfa",
            "Source": {"Owner": "AWS", "SourceIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"},
        }
    )
    result = run(rules=[SSH])
    assert result["actions"] == ["delete rule t-dev-iam-password-policy"]
    assert result["resources"] == [
        {
            "kind": "Config rule",
            "name": "t-dev-iam-password-policy",
            "action": "delete",
            "changes": ["delete rule t-dev-iam-password-policy"],
        }
    ]
    assert set(rules(aws)) == {"t-dev-restricted-ssh", "corp-root-mfa"}


def test_check_mode_and_absent(aws, run):
    checked = run(check_mode=True)
    assert checked["changed"] is True
    assert aws.writes() == [] and rules(aws) == {}
    assert checked["resources"] == run()["resources"]
    assert [r["action"] for r in checked["resources"]] == ["create", "create"]
    checked = run(state="absent", rules=[], check_mode=True)
    deleted = run(state="absent", rules=[])
    assert deleted["changed"] is True
    assert rules(aws) == {}
    assert deleted["resources"] == checked["resources"]
    assert [(r["kind"], r["name"], r["action"]) for r in deleted["resources"]] == [
        ("Config rule", "t-dev-iam-password-policy", "delete"),
        ("Config rule", "t-dev-restricted-ssh", "delete"),
    ]
    again = run(state="absent", rules=[])
    assert again["changed"] is False and again["resources"] == []


def test_a_rule_outside_the_prefix_is_refused_before_any_call(aws, run):
    result = run(rules=[dict(SSH, name="elsewhere-ssh")])
    assert result.failed and "purge_prefix" in result["msg"]
    assert aws.calls()["calls"] == []


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=4, services=["config"])
    result = run()
    assert not result.failed and len(rules(aws)) == 2
    assert aws.faults()["injected"] > 0
