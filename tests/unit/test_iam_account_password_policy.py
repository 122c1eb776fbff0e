"""iam_account_password_policy against the local AWS: read first, write only what differs, nothing
in check mode (amazon.aws.iam_password_policy writes on every run, in check mode too)."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import iam_account_password_policy

from tests.helpers import run_module


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **args):
        return run_module(iam_account_password_policy, args, check_mode=check_mode, capsys=capsys)

    return _run


def policy(aws):
    client = aws.client("iam")
    try:
        return client.get_account_password_policy()["PasswordPolicy"]
    except client.exceptions.NoSuchEntityException:
        return None


def test_creates_the_cis_policy_then_changes_nothing(aws, run):
    result = run()
    assert result["changed"] is True and result["actions"] == ["create password policy"]
    assert result["resources"] == [
        {"kind": "password policy", "name": "account", "action": "create", "changes": ["create password policy"]}
    ]
    found = policy(aws)
    assert found["MinimumPasswordLength"] == 14 and found["PasswordReusePrevention"] == 24
    assert found["MaxPasswordAge"] == 90 and found["ExpirePasswords"] is True
    assert all(found[k] for k in ("RequireSymbols", "RequireNumbers", "RequireUppercaseCharacters"))
    assert found["RequireLowercaseCharacters"] and found["AllowUsersToChangePassword"] and not found["HardExpiry"]
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and again["actions"] == []
    assert aws.writes() == [] and again["resources"] == []


def test_check_mode_writes_nothing_and_shows_the_change(aws, run):
    aws.client("iam").update_account_password_policy(MinimumPasswordLength=8)
    aws.clear_calls()
    result = run(check_mode=True)
    assert result["changed"] is True
    assert result["actions"][0].startswith("set password policy: minimum_length 8 -> 14")
    assert result["diff"]["before"]["minimum_length"] == 8 and result["diff"]["after"]["minimum_length"] == 14
    assert aws.writes() == []
    assert policy(aws)["MinimumPasswordLength"] == 8
    assert result["resources"] == [
        {"kind": "password policy", "name": "account", "action": "change", "changes": result["actions"]}
    ]
    assert run()["resources"] == result["resources"]


def test_a_weaker_policy_is_replaced_whole(aws, run):
    aws.client("iam").update_account_password_policy(MinimumPasswordLength=8, RequireSymbols=True, MaxPasswordAge=30)
    result = run(max_age_days=0, reuse_prevention=0)
    assert "max_age_days 30 -> 0" in result["actions"][0] and "minimum_length 8 -> 14" in result["actions"][0]
    found = policy(aws)
    assert found["MinimumPasswordLength"] == 14
    assert not found.get("MaxPasswordAge") and not found.get("PasswordReusePrevention")
    assert run(max_age_days=0, reuse_prevention=0)["changed"] is False


def test_absent_deletes_it_once(aws, run):
    run()
    checked = run(state="absent", check_mode=True)
    deleted = run(state="absent")
    assert deleted["actions"] == ["delete password policy"]
    assert policy(aws) is None
    assert (
        deleted["resources"]
        == checked["resources"]
        == [{"kind": "password policy", "name": "account", "action": "delete", "changes": ["delete password policy"]}]
    )
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []


@pytest.mark.parametrize(
    "args, message",
    [
        ({"minimum_length": 5}, "minimum_length: 5 is outside 6 to 128"),
        ({"minimum_length": 129}, "minimum_length: 129 is outside 6 to 128"),
        ({"reuse_prevention": 25}, "reuse_prevention: 25 is outside 1 to 24 (or 0 for none)"),
        ({"max_age_days": 1096}, "max_age_days: 1096 is outside 1 to 1095 (or 0 for none)"),
    ],
)
def test_values_iam_refuses_are_refused_before_any_call(aws, run, args, message):
    aws.clear_calls()
    result = run(**args)
    assert result.failed and message in result["msg"]
    assert aws.calls()["total"] == 0


def test_the_local_aws_refuses_what_iam_refuses(aws):
    client = aws.client("iam")
    with pytest.raises(client.exceptions.ClientError, match="less than or equal to 24"):
        client.update_account_password_policy(PasswordReusePrevention=25)


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.4, seed=3, services=["iam"])
    result = run()
    assert not result.failed, result
    assert aws.faults()["injected"] > 0
