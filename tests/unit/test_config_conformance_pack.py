"""config_conformance_pack against the local AWS (conformance packs are the local AWS's own addition)."""

import json

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import config_conformance_pack

from tests.helpers import run_module

TEMPLATE = {
    "Parameters": {"MaxAge": {"Type": "String", "Default": "90"}},
    "Resources": {
        "RootMfa": {
            "Type": "AWS::Config::ConfigRule",
            "Properties": {
                "ConfigRuleName": "root-account-mfa-enabled",
                "Source": {"Owner": "AWS", "SourceIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"},
            },
        }
    },
}


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **args):
        base = {"name": "trading-test-cis", "template_body": TEMPLATE, "input_parameters": {"MaxAge": 60}}
        base.update(args)
        return run_module(config_conformance_pack, base, check_mode=check_mode, capsys=capsys)

    return _run


def packs(aws):
    return aws.client("config").describe_conformance_packs()["ConformancePackDetails"]


def test_deploys_the_pack_then_changes_nothing(aws, run):
    result = run()
    assert result["changed"] is True and result["actions"] == ["deploy conformance pack trading-test-cis (new)"]
    assert result["conformance_pack"]["arn"].startswith("arn:aws:config:us-east-1:")
    [pack] = packs(aws)
    params = {p["ParameterName"]: p["ParameterValue"] for p in pack["ConformancePackInputParameters"]}
    assert params["MaxAge"] == "60" and len(params["AnsibleTemplateDigest"]) == 64
    assert result["resources"] == [
        {
            "kind": "conformance pack",
            "name": "trading-test-cis",
            "action": "create",
            "changes": ["deploy conformance pack trading-test-cis (new)"],
        }
    ]
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and aws.writes() == [] and again["resources"] == []


def test_the_same_template_as_yaml_text_is_no_change(aws, run):
    run()
    text = (
        "Parameters:\n  MaxAge: {Type: String, Default: '90'}\n"
        + "Resources:\n  RootMfa:\n"
        + (
            "    Type: AWS::Config::ConfigRule\n    Properties:\n      ConfigRuleName: root-account-mfa-enabled\n"
            "      Source: {Owner: AWS, SourceIdentifier: ROOT_ACCOUNT_MFA_ENABLED}\n"
        )
    )
    assert run(template_body=text)["changed"] is False
    assert run(template_body=json.dumps(TEMPLATE))["changed"] is False


def test_a_template_or_parameter_change_redeploys(aws, run):
    run()
    changed = json.loads(json.dumps(TEMPLATE))
    changed["Resources"]["RootMfa"]["Properties"]["MaximumExecutionFrequency"] = "One_Hour"
    result = run(template_body=changed)
    assert result["actions"] == ["deploy conformance pack trading-test-cis (template changed)"]
    assert result["resources"] == [
        {"kind": "conformance pack", "name": "trading-test-cis", "action": "change", "changes": result["actions"]}
    ]
    assert result["diff"]["before"]["template_digest"] != result["diff"]["after"]["template_digest"]
    assert run(template_body=changed, input_parameters={"MaxAge": 30})["actions"] == [
        "deploy conformance pack trading-test-cis (parameters changed)"
    ]
    assert len(packs(aws)) == 1


def test_check_mode_changes_nothing(aws, run):
    preview = run(check_mode=True)
    assert preview["changed"] is True and aws.writes() == [] and packs(aws) == []
    assert preview["resources"] == run()["resources"]
    assert [r["action"] for r in preview["resources"]] == ["create"]
    aws.clear_calls()
    changing = run(check_mode=True, input_parameters={"MaxAge": 1})
    assert changing["changed"] is True and aws.writes() == []
    assert changing["resources"] == run(input_parameters={"MaxAge": 1})["resources"]
    assert [r["action"] for r in changing["resources"]] == ["change"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"template_body": {"Resources": {}}}, "at least one resource"),
        ({"template_body": "Resources: [unclosed"}, "neither YAML nor JSON"),
        ({"input_parameters": {"AnsibleTemplateDigest": "x"}}, "the module's own parameter"),
        ({"delivery_s3_bucket": "my-bucket"}, "must start with 'awsconfigconforms'"),
    ],
)
def test_bad_input_is_refused_before_any_call(aws, run, args, message):
    result = run(**args)
    assert result.failed and message in result["msg"]
    assert aws.calls()["total"] == 0


def test_absent_deletes_the_pack(aws, run):
    run()
    deleted = run(state="absent")
    assert deleted["changed"] is True and packs(aws) == []
    assert deleted["resources"] == [
        {
            "kind": "conformance pack",
            "name": "trading-test-cis",
            "action": "delete",
            "changes": ["delete conformance pack trading-test-cis"],
        }
    ]
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=4, services=["config"])
    result = run()
    assert not result.failed, result
    assert aws.faults()["injected"] > 0
