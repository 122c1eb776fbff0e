"""kms_key against the local AWS: found by alias, changed only where it differs, taken back from a
scheduled deletion; the local AWS refuses a policy that would lock the account out, as KMS does."""

import json

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import kms_key

from tests.helpers import run_module

ALIAS = "alias/trading-test-data"


def policy(account, extra=()):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersTheKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            *extra,
        ],
    }


LOGS = {
    "Sid": "Logs",
    "Effect": "Allow",
    "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
    "Action": ["kms:Encrypt*", "kms:Decrypt*"],
    "Resource": "*",
}


@pytest.fixture
def account(aws):
    return aws.client("sts").get_caller_identity()["Account"]


@pytest.fixture
def run(aws, capsys, account):
    def _run(check_mode=False, **args):
        base = {
            "alias": ALIAS,
            "description": "trading-test data tier",
            "policy": json.dumps(policy(account)),
            "tags": {"Environment": "test"},
        }
        base.update(args)
        return run_module(kms_key, base, check_mode=check_mode, capsys=capsys)

    return _run


def key(aws):
    kms = aws.client("kms")
    metadata = kms.describe_key(KeyId=ALIAS)["KeyMetadata"]
    tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=metadata["KeyId"])["Tags"]}
    return {
        "metadata": metadata,
        "policy": json.loads(kms.get_key_policy(KeyId=metadata["KeyId"], PolicyName="default")["Policy"]),
        "rotation": kms.get_key_rotation_status(KeyId=metadata["KeyId"])["KeyRotationEnabled"],
        "tags": tags,
    }


def test_creates_the_key_with_alias_policy_rotation_and_tags_then_changes_nothing(aws, run, account):
    planned = run(check_mode=True)
    result = run()
    assert result["actions"] == [f"create key {ALIAS}", f"name it {ALIAS}", f"enable rotation of {ALIAS}"]
    # The alias and the rotation are parts of the key: one resource, created.
    assert result["resources"] == [{"kind": "KMS key", "name": ALIAS, "action": "create", "changes": result["actions"]}]
    assert planned["resources"] == result["resources"]
    found = key(aws)
    assert found["metadata"]["KeyId"] == result["key_id"] and found["metadata"]["Arn"] == result["key_arn"]
    assert found["rotation"] is True and found["tags"] == {"Environment": "test"}
    assert found["policy"]["Statement"][0]["Principal"]["AWS"] == f"arn:aws:iam::{account}:root"
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and again["key_arn"] == result["key_arn"] and again["key_state"] == "Enabled"
    assert aws.writes() == [] and again["resources"] == []
    assert aws.calls()["total"] == 4  # DescribeKey, then the policy, rotation and tags at once


def test_check_mode_creates_nothing(aws, run):
    aws.clear_calls()
    result = run(check_mode=True)
    assert result["changed"] is True and result["key_arn"] is None
    assert aws.writes() == []


def test_policy_description_rotation_and_tags_change_in_place(aws, run, account):
    first = run()
    result = run(
        description="changed",
        policy=json.dumps(policy(account, [LOGS])),
        enable_key_rotation=False,
        tags={"Environment": "test", "Owner": "platform"},
    )
    assert result["actions"] == [
        f"describe {ALIAS} as 'changed'",
        f"set the policy of {ALIAS}",
        f"disable rotation of {ALIAS}",
        f"tag {ALIAS}: set Owner",
    ]
    assert result["resources"] == [{"kind": "KMS key", "name": ALIAS, "action": "change", "changes": result["actions"]}]
    assert result["diff"]["before"]["rotation"] is True and result["diff"]["after"]["rotation"] is False
    found = key(aws)
    assert found["metadata"]["KeyId"] == first["key_id"] and found["rotation"] is False
    assert [s["Sid"] for s in found["policy"]["Statement"]] == ["AccountAdministersTheKeyThroughIam", "Logs"]
    # The same policy with its statements' keys in another order is the same policy.
    reordered = policy(account, [dict(reversed(list(LOGS.items())))])
    assert (
        run(
            description="changed",
            policy=json.dumps(reordered),
            enable_key_rotation=False,
            tags={"Environment": "test", "Owner": "platform"},
        )["changed"]
        is False
    )


def test_a_key_scheduled_for_deletion_is_taken_back(aws, run):
    first = run()
    gone = run(state="absent", pending_window=7)
    assert gone["actions"] == [f"schedule the deletion of {ALIAS} in 7 days"]
    assert gone["resources"] == [{"kind": "KMS key", "name": ALIAS, "action": "delete", "changes": gone["actions"]}]
    assert key(aws)["metadata"]["KeyState"] == "PendingDeletion"
    not_again = run(state="absent", pending_window=7)
    assert not_again["changed"] is False and not_again["resources"] == []
    back = run()
    assert back["actions"][:2] == [f"cancel the deletion of {ALIAS}", f"enable {ALIAS}"]
    # The key was never gone: taking it back changes it.
    assert [(r["kind"], r["name"], r["action"]) for r in back["resources"]] == [("KMS key", ALIAS, "change")]
    assert back["key_id"] == first["key_id"] and key(aws)["metadata"]["KeyState"] == "Enabled"


@pytest.mark.parametrize(
    "args, message",
    [
        ({"alias": "alias/aws/rds"}, "alias/aws/rds is reserved for AWS managed keys"),
        ({"pending_window": 3, "state": "absent"}, "pending_window: 3 must be from 7 to 30 days"),
    ],
)
def test_what_kms_refuses_is_refused_before_any_call(aws, run, args, message):
    aws.clear_calls()
    result = run(**args)
    assert result.failed and message in result["msg"]
    assert aws.calls()["total"] == 0


def test_a_policy_locking_the_account_out_is_refused_and_leaves_no_key(aws, run):
    locked = {"Version": "2012-10-17", "Statement": [LOGS]}
    result = run(policy=json.dumps(locked))
    assert result.failed and "will not allow you to update the key policy" in result["msg"]
    assert aws.client("kms").list_keys()["Keys"] == []


def test_the_local_aws_applies_the_lockout_safety_check(aws, account):
    kms = aws.client("kms")
    locked = json.dumps({"Version": "2012-10-17", "Statement": [LOGS]})
    with pytest.raises(kms.exceptions.MalformedPolicyDocumentException):
        kms.create_key(Policy=locked)
    kms.create_key(Policy=locked, BypassPolicyLockoutSafetyCheck=True)
    key_id = kms.create_key(Policy=json.dumps(policy(account)))["KeyMetadata"]["KeyId"]
    denied = policy(account, [{"Effect": "Deny", "Principal": {"AWS": account}, "Action": "kms:Put*", "Resource": "*"}])
    with pytest.raises(kms.exceptions.MalformedPolicyDocumentException):
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(denied))
    with pytest.raises(kms.exceptions.LimitExceededException):
        big = policy(account, [dict(LOGS, Sid=f"S{n}") for n in range(300)])
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(big))


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.4, seed=3, services=["kms"])
    result = run()
    assert not result.failed, result
    assert aws.faults()["injected"] > 0
