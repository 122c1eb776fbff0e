"""backup_vault_plan against the local AWS: an Aurora cluster's vault (locked), its copy in another
region, the plan and its selection, in one invocation; a no-op reads and never writes; a teardown
keeps what holds backups."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import backup_vault_plan

from tests.helpers import run_module

ACCOUNT = "123456789012"
VAULT = "trading-test-aurora"
COPY = "trading-test-aurora-copy"
PLAN = "trading-test-aurora"
CLUSTER = f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:trading-test-aurora"
TAGS = {"Environment": "test", "Component": "data_tier"}


@pytest.fixture
def setup(aws):
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = aws.client("iam").create_role(RoleName="trading-test-backup", AssumeRolePolicyDocument=json.dumps(trust))
    return {
        "role": role["Role"]["Arn"],
        "key": aws.client("kms").create_key()["KeyMetadata"]["Arn"],
        "west_key": aws.client("kms", region="us-west-2").create_key()["KeyMetadata"]["Arn"],
    }


def arguments(setup, **changes):
    args = {
        "vault_name": VAULT,
        "kms_key_arn": setup["key"],
        "copy": {"region": "us-west-2", "vault_name": COPY, "kms_key_arn": setup["west_key"], "delete_after_days": 14},
        "plan_name": PLAN,
        "rules": [
            {
                "name": "daily",
                "schedule_expression": "cron(0 3 * * ? *)",
                "start_window_minutes": 60,
                "completion_window_minutes": 180,
                "delete_after_days": 35,
            },
            {
                "name": "monthly",
                "schedule_expression": "cron(0 4 1 * ? *)",
                "delete_after_days": 365,
                "move_to_cold_storage_after_days": 30,
            },
        ],
        "selection": {"name": "aurora", "iam_role_arn": setup["role"], "resources": [CLUSTER]},
        "tags": TAGS,
    }
    args.update(changes)
    return args


@pytest.fixture
def run(aws, capsys, setup):
    def _run(check_mode=False, **changes):
        return run_module(backup_vault_plan, arguments(setup, **changes), check_mode=check_mode, capsys=capsys)

    return _run


def warnings(result):
    """The warnings' texts (ansible-core 2.19 returns each as a summary with its message)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings") or []]


def backup(aws, region="us-east-1"):
    return aws.client("backup", region=region)


def the_plan(aws):
    plans = [p for p in backup(aws).list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == PLAN]
    return backup(aws).get_backup_plan(BackupPlanId=plans[0]["BackupPlanId"]) if plans else None


def selections(aws, plan_id):
    client = backup(aws)
    listed = client.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    return [client.get_backup_selection(BackupPlanId=plan_id, SelectionId=s["SelectionId"]) for s in listed]


def operations(aws):
    return sorted(c["operation"] for c in aws.writes() for _ in range(c["count"]))


def age_the_lock(name, days=4):
    """Move the vault's lock date into the past (the local AWS runs in this process)."""
    from moto.backup.models import backup_backends

    backup_backends[ACCOUNT]["us-east-1"].vaults[name].lock_date -= days * 86400


def test_creates_everything_from_empty_then_a_second_run_only_reads(aws, run, setup):
    result = run(lock={"min_retention_days": 7, "max_retention_days": 400, "changeable_for_days": 3})
    assert not result.failed, result
    assert result["actions"] == [
        f"create backup vault {VAULT}",
        f"lock backup vault {VAULT} (7 to 400 days, compliance mode after 3 days)",
        f"create backup vault {COPY} in us-west-2",
        f"create backup plan {PLAN} (rules daily, monthly)",
        f"create backup selection aurora of {PLAN} (1 resource)",
    ]
    vault = backup(aws).describe_backup_vault(BackupVaultName=VAULT)
    assert vault["EncryptionKeyArn"] == setup["key"]
    assert (vault["Locked"], vault["MinRetentionDays"], vault["MaxRetentionDays"]) == (True, 7, 400)
    assert backup(aws).list_tags(ResourceArn=vault["BackupVaultArn"])["Tags"] == TAGS
    copy = backup(aws, "us-west-2").describe_backup_vault(BackupVaultName=COPY)
    assert copy["EncryptionKeyArn"] == setup["west_key"] and copy["Locked"] is False
    assert backup(aws, "us-west-2").list_tags(ResourceArn=copy["BackupVaultArn"])["Tags"] == TAGS
    plan = the_plan(aws)
    rules = {r["RuleName"]: r for r in plan["BackupPlan"]["Rules"]}
    assert rules["daily"]["Lifecycle"] == {"DeleteAfterDays": 35}
    assert rules["daily"]["StartWindowMinutes"] == 60 and rules["daily"]["TargetBackupVaultName"] == VAULT
    assert rules["monthly"]["Lifecycle"] == {"DeleteAfterDays": 365, "MoveToColdStorageAfterDays": 30}
    assert rules["monthly"]["CopyActions"] == [
        {"DestinationBackupVaultArn": copy["BackupVaultArn"], "Lifecycle": {"DeleteAfterDays": 14}}
    ]
    assert backup(aws).list_tags(ResourceArn=plan["BackupPlanArn"])["Tags"] == TAGS
    [selection] = selections(aws, plan["BackupPlanId"])
    assert selection["BackupSelection"]["Resources"] == [CLUSTER]
    assert selection["BackupSelection"]["IamRoleArn"] == setup["role"]
    assert result["vault"]["arn"] == vault["BackupVaultArn"] and result["vault"]["compliance_mode"] is True
    assert result["copy_vault"]["arn"] == copy["BackupVaultArn"] and result["copy_vault"]["region"] == "us-west-2"
    assert result["plan"]["id"] == plan["BackupPlanId"] and result["plan"]["version_id"] == plan["VersionId"]
    assert result["selection"]["id"] == selection["SelectionId"] and result["kept"] == []
    # Four resources: the lock is the vault's; the copy vault is named with its region.
    assert result["resources"] == [
        {"kind": "backup vault", "name": VAULT, "action": "create", "changes": result["actions"][:2]},
        {"kind": "backup vault", "name": f"{COPY} (us-west-2)", "action": "create", "changes": result["actions"][2:3]},
        {"kind": "backup plan", "name": PLAN, "action": "create", "changes": result["actions"][3:4]},
        {"kind": "backup selection", "name": "aurora", "action": "create", "changes": result["actions"][4:]},
    ]

    aws.clear_calls()
    again = run(lock={"min_retention_days": 7, "max_retention_days": 400, "changeable_for_days": 3})
    assert again["changed"] is False and again["actions"] == [] and again["diff"] == {}
    assert again["resources"] == []
    assert aws.writes() == []
    # Both vaults and their tags, the plan found by name, then the plan, its tags, its selections and
    # the selection of that name.
    assert aws.calls()["reads"] == 9
    assert again["plan"]["rules"] == result["plan"]["rules"]
    assert again["selection"] == result["selection"]


def test_check_mode_writes_nothing_and_tells_what_a_run_would_do(aws, run):
    aws.clear_calls()
    planned = run(check_mode=True)
    assert planned["changed"] is True and aws.writes() == []
    assert planned["vault"]["arn"] is None and planned["plan"]["id"] is None and planned["selection"]["id"] is None
    assert planned["diff"]["before"]["vault"] is None and planned["diff"]["after"]["plan"]["name"] == PLAN
    assert backup(aws).list_backup_vaults()["BackupVaultList"] == []
    applied = run()
    assert applied["actions"] == planned["actions"]
    assert applied["resources"] == planned["resources"]
    assert [(r["kind"], r["action"]) for r in planned["resources"]] == [
        ("backup vault", "create"),
        ("backup vault", "create"),
        ("backup plan", "create"),
        ("backup selection", "create"),
    ]
    aws.clear_calls()
    changed = run(check_mode=True, tags=dict(TAGS, Owner="platform"))
    assert aws.writes() == []
    assert changed["actions"] == [
        f"tag backup vault {VAULT}: set Owner",
        f"tag backup vault {COPY} in us-west-2: set Owner",
        f"tag backup plan {PLAN}: set Owner",
    ]
    assert [(r["kind"], r["name"], r["action"]) for r in changed["resources"]] == [
        ("backup vault", VAULT, "change"),
        ("backup vault", f"{COPY} (us-west-2)", "change"),
        ("backup plan", PLAN, "change"),
    ]
    assert run(tags=dict(TAGS, Owner="platform"))["resources"] == changed["resources"]


def test_a_changed_retention_updates_the_plan_in_place_and_shows_in_the_diff(aws, run, setup):
    first = run()
    rules = arguments(setup)["rules"]
    rules[0]["delete_after_days"] = 14
    aws.clear_calls()
    result = run(rules=rules)
    assert result["actions"] == [f"update backup plan {PLAN} (rules daily)"]
    # A rule is part of its plan.
    assert result["resources"] == [
        {"kind": "backup plan", "name": PLAN, "action": "change", "changes": result["actions"]}
    ]
    assert operations(aws) == ["UpdateBackupPlan"]
    before = {r["name"]: r for r in result["diff"]["before"]["plan"]["rules"]}
    after = {r["name"]: r for r in result["diff"]["after"]["plan"]["rules"]}
    assert (before["daily"]["delete_after_days"], after["daily"]["delete_after_days"]) == (35, 14)
    # The copy keeps what copy.delete_after_days says.
    assert after["daily"]["copy_actions"][0]["delete_after_days"] == 14
    assert before["monthly"] == after["monthly"]
    plan = the_plan(aws)
    assert plan["BackupPlanId"] == first["plan"]["id"] and plan["VersionId"] == result["plan"]["version_id"]
    assert plan["VersionId"] != first["plan"]["version_id"]
    assert {r["RuleName"]: r["Lifecycle"] for r in plan["BackupPlan"]["Rules"]}["daily"] == {"DeleteAfterDays": 14}
    aws.clear_calls()
    assert run(rules=rules)["changed"] is False and aws.writes() == []


def test_a_rule_removed_and_one_left_to_aws_defaults(aws, run, setup):
    run()
    result = run(rules=[{"name": "daily", "delete_after_days": 35}])
    assert result["actions"] == [f"update backup plan {PLAN} (rules daily, remove monthly)"]
    [rule] = the_plan(aws)["BackupPlan"]["Rules"]
    assert (rule["ScheduleExpression"], rule["StartWindowMinutes"], rule["CompletionWindowMinutes"]) == (
        "cron(0 5 ? * * *)",
        480,
        10080,
    )
    aws.clear_calls()
    assert run(rules=[{"name": "daily", "delete_after_days": 35}])["changed"] is False
    assert aws.writes() == []


def test_a_changed_resource_list_recreates_the_selection(aws, run, setup):
    first = run()
    other = f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:trading-test-reports"
    aws.clear_calls()
    result = run(selection={"name": "aurora", "iam_role_arn": setup["role"], "resources": [other, CLUSTER]})
    assert result["actions"] == [
        f"delete backup selection aurora of {PLAN} (a selection cannot be changed: it is created again)",
        f"create backup selection aurora of {PLAN} (2 resources)",
    ]
    # Deleted to be created again, the selection is there before and after: one change of it.
    assert result["resources"] == [
        {"kind": "backup selection", "name": "aurora", "action": "change", "changes": result["actions"]}
    ]
    assert operations(aws) == ["CreateBackupSelection", "DeleteBackupSelection"]
    assert result["diff"]["before"]["selection"]["resources"] == [CLUSTER]
    assert result["diff"]["after"]["selection"]["resources"] == sorted([other, CLUSTER])
    [selection] = selections(aws, first["plan"]["id"])
    assert selection["SelectionId"] == result["selection"]["id"] != first["selection"]["id"]
    assert sorted(selection["BackupSelection"]["Resources"]) == sorted([other, CLUSTER])
    # The same resources in another order are the same selection.
    aws.clear_calls()
    same = run(selection={"name": "aurora", "iam_role_arn": setup["role"], "resources": [CLUSTER, other]})
    assert same["changed"] is False and aws.writes() == []


def test_a_selection_added_by_hand_is_removed(aws, run, setup):
    first = run()
    backup(aws).create_backup_selection(
        BackupPlanId=first["plan"]["id"],
        BackupSelection={"SelectionName": "by-hand", "IamRoleArn": setup["role"], "Resources": [CLUSTER]},
    )
    result = run()
    assert result["actions"] == [f"delete backup selection by-hand of {PLAN}"]
    assert result["resources"] == [
        {"kind": "backup selection", "name": "by-hand", "action": "delete", "changes": result["actions"]}
    ]
    assert [s["BackupSelection"]["SelectionName"] for s in selections(aws, first["plan"]["id"])] == ["aurora"]


def test_tag_drift_is_put_right_on_vaults_and_plan(aws, run):
    first = run()
    client = backup(aws)
    client.tag_resource(ResourceArn=first["vault"]["arn"], Tags={"Environment": "other", "Stray": "x"})
    client.untag_resource(ResourceArn=first["plan"]["arn"], TagKeyList=["Component"])
    result = run()
    assert result["actions"] == [
        f"tag backup vault {VAULT}: set Environment",
        f"tag backup vault {VAULT}: remove Stray",
        f"tag backup plan {PLAN}: set Component",
    ]
    assert client.list_tags(ResourceArn=first["vault"]["arn"])["Tags"] == TAGS
    assert client.list_tags(ResourceArn=first["plan"]["arn"])["Tags"] == TAGS


def test_a_lock_is_put_changed_and_removed_during_its_grace_time(aws, run):
    run()
    result = run(lock={"min_retention_days": 7, "changeable_for_days": 3})
    assert result["actions"] == [f"lock backup vault {VAULT} (at least 7 days, compliance mode after 3 days)"]
    assert result["diff"]["before"]["vault"]["locked"] is False and result["vault"]["locked"] is True
    changed = run(lock={"min_retention_days": 1, "max_retention_days": 400, "changeable_for_days": 3})
    assert changed["actions"] == [f"lock backup vault {VAULT} (1 to 400 days, compliance mode after 3 days)"]
    described = backup(aws).describe_backup_vault(BackupVaultName=VAULT)
    assert (described["MinRetentionDays"], described["MaxRetentionDays"]) == (1, 400)
    removed = run()
    assert removed["actions"] == [f"remove the lock of backup vault {VAULT}"]
    # The lock is the vault's: removing it changes the vault, deletes nothing.
    assert removed["resources"] == [
        {"kind": "backup vault", "name": VAULT, "action": "change", "changes": removed["actions"]}
    ]
    assert backup(aws).describe_backup_vault(BackupVaultName=VAULT)["Locked"] is False


def test_a_lock_past_its_lock_date_cannot_be_removed_and_the_run_says_so_before_writing(aws, run):
    run(lock={"min_retention_days": 7, "max_retention_days": 400, "changeable_for_days": 3})
    age_the_lock(VAULT)
    aws.clear_calls()
    result = run(tags=dict(TAGS, Owner="platform"))
    assert result.failed
    assert f"lock: backup vault {VAULT} is locked in compliance mode (min 7, max 400 days)" in result["msg"]
    assert "can no longer change or remove that lock" in result["msg"]
    assert aws.writes() == []
    # Asking for the lock it has converges.
    kept = run(lock={"min_retention_days": 7, "max_retention_days": 400, "changeable_for_days": 3})
    assert kept["changed"] is False and kept["vault"]["compliance_mode"] is True


def test_absent_deletes_the_selection_the_plan_and_both_vaults(aws, run):
    run(lock={"min_retention_days": 7, "changeable_for_days": 3})
    aws.clear_calls()
    planned = run(check_mode=True, state="absent")
    assert aws.writes() == []
    assert planned["actions"] == [
        f"delete backup selection aurora of {PLAN}",
        f"delete backup plan {PLAN}",
        f"delete backup vault {VAULT}",
        f"delete backup vault {COPY} in us-west-2",
    ]
    result = run(state="absent")
    assert result["actions"] == planned["actions"] and result["kept"] == []
    assert (
        result["resources"]
        == planned["resources"]
        == [
            {"kind": "backup selection", "name": "aurora", "action": "delete", "changes": result["actions"][:1]},
            {"kind": "backup plan", "name": PLAN, "action": "delete", "changes": result["actions"][1:2]},
            {"kind": "backup vault", "name": VAULT, "action": "delete", "changes": result["actions"][2:3]},
            {
                "kind": "backup vault",
                "name": f"{COPY} (us-west-2)",
                "action": "delete",
                "changes": result["actions"][3:],
            },
        ]
    )
    assert (result["vault"], result["copy_vault"], result["plan"], result["selection"]) == (None, None, None, None)
    assert backup(aws).list_backup_plans()["BackupPlansList"] == []
    assert backup(aws).list_backup_vaults()["BackupVaultList"] == []
    assert backup(aws, "us-west-2").list_backup_vaults()["BackupVaultList"] == []
    aws.clear_calls()
    again = run(state="absent")
    assert again["changed"] is False and aws.writes() == [] and again["resources"] == []


def test_absent_keeps_a_vault_holding_a_recovery_point_and_names_it(aws, run, setup):
    first = run()
    backup(aws).start_backup_job(BackupVaultName=VAULT, ResourceArn=CLUSTER, IamRoleArn=setup["role"])
    result = run(state="absent")
    assert not result.failed, result
    assert result["kept"] == [
        {
            "name": VAULT,
            "region": "us-east-1",
            "arn": first["vault"]["arn"],
            "reason": "it holds 1 recovery point (a teardown never deletes a backup)",
        }
    ]
    assert warnings(result) == [
        f"kept backup vault {VAULT} (us-east-1): it holds 1 recovery point (a teardown never deletes a backup)"
    ]
    assert f"delete backup vault {VAULT}" not in result["actions"]
    assert f"delete backup vault {COPY} in us-west-2" in result["actions"]
    # The vault kept is not counted as deleted.
    assert [(r["kind"], r["name"], r["action"]) for r in result["resources"]] == [
        ("backup selection", "aurora", "delete"),
        ("backup plan", PLAN, "delete"),
        ("backup vault", f"{COPY} (us-west-2)", "delete"),
    ]
    assert backup(aws).describe_backup_vault(BackupVaultName=VAULT)["NumberOfRecoveryPoints"] == 1
    assert the_plan(aws) is None
    assert result["vault"]["name"] == VAULT


def test_absent_keeps_a_vault_aws_backup_refuses_to_delete_and_does_not_count_it_deleted(aws, run, monkeypatch):
    run()
    init = backup_vault_plan.Reconciler.__init__

    def refusing(self, module, plan):
        init(self, module, plan)

        def refuse(**kwargs):
            error = {"Code": "InvalidRequestException", "Message": "Backup vault cannot be deleted"}
            raise botocore.exceptions.ClientError({"Error": error}, "DeleteBackupVault")

        self.client.delete_backup_vault = refuse  # the vault of us-east-1; the copy vault's client is another

    monkeypatch.setattr(backup_vault_plan.Reconciler, "__init__", refusing)
    result = run(state="absent")
    assert not result.failed, result
    assert [k["name"] for k in result["kept"]] == [VAULT]
    assert f"delete backup vault {VAULT}" not in result["actions"]
    assert [(r["kind"], r["name"], r["action"]) for r in result["resources"]] == [
        ("backup selection", "aurora", "delete"),
        ("backup plan", PLAN, "delete"),
        ("backup vault", f"{COPY} (us-west-2)", "delete"),
    ]
    assert sum(len(r["changes"]) for r in result["resources"]) == len(result["actions"])


def test_absent_keeps_a_vault_locked_past_its_lock_date(aws, run):
    run(lock={"min_retention_days": 7, "changeable_for_days": 3})
    age_the_lock(VAULT)
    aws.clear_calls()
    result = run(state="absent")
    assert not result.failed, result
    [kept] = result["kept"]
    assert kept["name"] == VAULT and "compliance mode" in kept["reason"]
    assert operations(aws).count("DeleteBackupVault") == 1  # the copy vault's, in us-west-2
    assert len(warnings(result)) == 1 and "compliance mode" in warnings(result)[0]
    assert backup(aws).describe_backup_vault(BackupVaultName=VAULT)["Locked"] is True
    assert backup(aws, "us-west-2").list_backup_vaults()["BackupVaultList"] == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"vault_name": "a"}, "vault_name: 'a' must be 2 to 50 letters, digits, '-' or '_'"),
        ({"plan_name": "trading test"}, "plan_name: 'trading test' must be 1 to 50"),
        ({"kms_key_arn": "alias/trading-test"}, "kms_key_arn: 'alias/trading-test' is not a KMS key ARN"),
        (
            {"kms_key_arn": f"arn:aws:kms:us-west-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
            "kms_key_arn: arn:aws:kms:us-west-2",
        ),
        ({"lock": {"min_retention_days": 7, "changeable_for_days": 2}}, "lock.changeable_for_days: 2 must be from 3"),
        ({"lock": {"min_retention_days": 0}}, "lock.min_retention_days: 0 must be at least 1"),
        (
            {"lock": {"min_retention_days": 30, "max_retention_days": 7}},
            "lock.min_retention_days: 30 must not exceed lock.max_retention_days (7)",
        ),
        ({"lock": {"min_retention_days": 7, "max_retention_days": 36501}}, "lock.max_retention_days: 36501"),
        (
            {"lock": {"min_retention_days": 40}},
            "rules[0].delete_after_days: 35 is below lock.min_retention_days (40)",
        ),
        (
            {"rules": [{"name": "monthly", "delete_after_days": 100, "move_to_cold_storage_after_days": 30}]},
            "rules[0].delete_after_days: 100 must be at least move_to_cold_storage_after_days + 90 (120)",
        ),
        ({"rules": [{"name": "daily", "delete_after_days": 0}]}, "rules[0].delete_after_days: 0 must be from 1"),
        (
            {"rules": [{"name": "daily", "delete_after_days": 35, "start_window_minutes": 30}]},
            "rules[0].start_window_minutes: 30 must be from 60",
        ),
        (
            {"rules": [{"name": "daily", "delete_after_days": 35, "schedule_expression": "rate(1 day)"}]},
            "rules[0].schedule_expression: 'rate(1 day)' must be a cron expression",
        ),
        (
            {"rules": [{"name": "daily", "delete_after_days": 35}, {"name": "daily", "delete_after_days": 7}]},
            "rules[1].name: daily names two rules",
        ),
        ({"rules": []}, "rules: a backup plan needs at least one rule"),
        (
            {"copy": {"region": "us-west-2", "vault_name": COPY, "delete_after_days": 0}},
            "copy.delete_after_days: 0 must be from 1",
        ),
        ({"copy": {"region": "us-east-1", "vault_name": VAULT}}, "copy: a vault cannot copy to itself"),
        (
            {
                "selection": {
                    "name": "aurora",
                    "iam_role_arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
                    "resources": [CLUSTER],
                }
            },
            "selection.iam_role_arn: 'arn:aws:iam::123456789012:user/alice' is not an IAM role ARN",
        ),
        (
            {"selection": {"name": "aurora", "iam_role_arn": f"arn:aws:iam::{ACCOUNT}:role/r", "resources": []}},
            "selection.resources: a selection needs at least one resource ARN",
        ),
        (
            {
                "selection": {
                    "name": "aurora",
                    "iam_role_arn": f"arn:aws:iam::{ACCOUNT}:role/r",
                    "resources": ["arn:aws:rds:us-east-1:123456789012:cluster:*-aurora"],
                }
            },
            "selection.resources[0]: 'arn:aws:rds:us-east-1:123456789012:cluster:*-aurora' may only end with a",
        ),
    ],
)
def test_bad_parameters_fail_before_any_call(aws, run, changes, message):
    aws.clear_calls()
    result = run(**changes)
    assert result.failed and message in result["msg"], result["msg"]
    assert aws.calls()["total"] == 0


def test_a_new_kms_key_for_an_existing_vault_fails_before_any_write(aws, run):
    run()
    other = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    aws.clear_calls()
    result = run(kms_key_arn=other, tags=dict(TAGS, Owner="platform"))
    assert result.failed and "AWS Backup cannot change a vault's key" in result["msg"]
    assert aws.writes() == []


def test_a_role_iam_has_not_yet_propagated_is_waited_for(aws, run, setup, monkeypatch):
    late = f"arn:aws:iam::{ACCOUNT}:role/trading-test-late"
    slept = []

    def sleep(seconds):
        # IAM catches up while the module waits: the role appears.
        slept.append(seconds)
        if len(slept) == 2:
            aws.client("iam").create_role(
                RoleName="trading-test-late",
                AssumeRolePolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "backup.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                ),
            )

    monkeypatch.setattr(backup_vault_plan, "pause", sleep)
    result = run(selection={"name": "aurora", "iam_role_arn": late, "resources": [CLUSTER]})
    assert not result.failed, result
    assert len(slept) == 2 and result["selection"]["iam_role_arn"] == late


def test_a_role_aws_backup_cannot_assume_fails_naming_it(aws, run, monkeypatch):
    monkeypatch.setattr(backup_vault_plan, "IAM_SETTLE_SECONDS", 0)
    missing = f"arn:aws:iam::{ACCOUNT}:role/trading-none"
    result = run(selection={"name": "aurora", "iam_role_arn": missing, "resources": [CLUSTER]})
    assert result.failed and f"IAM Role {missing} cannot be assumed by AWS Backup" in result["msg"]
    # What was done before is reported; a re-run with the right role converges.
    assert f"create backup plan {PLAN} (rules daily, monthly)" in result["actions"]


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=5, services=["backup"])
    result = run(lock={"min_retention_days": 7, "changeable_for_days": 3})
    assert not result.failed, result
    assert aws.faults()["injected"] > 0
    aws.set_faults()
    assert run(lock={"min_retention_days": 7, "changeable_for_days": 3})["changed"] is False
