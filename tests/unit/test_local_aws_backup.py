"""The local AWS's AWS Backup: selections, UpdateBackupPlan and recovery points (moto 5.2 has none),
and what AWS Backup refuses, each beside what it accepts."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
CLUSTER = f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:trading-test-aurora"


def trust(service):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


@pytest.fixture
def backup(aws):
    return aws.client_no_retry("backup")


@pytest.fixture
def role(aws):
    return aws.client("iam").create_role(
        RoleName="trading-test-backup", AssumeRolePolicyDocument=trust("backup.amazonaws.com")
    )["Role"]["Arn"]


@pytest.fixture
def vault(backup):
    backup.create_backup_vault(BackupVaultName="trading-test")
    return "trading-test"


def rule(**extra):
    return dict(
        {"RuleName": "daily", "TargetBackupVaultName": "trading-test", "Lifecycle": {"DeleteAfterDays": 35}}, **extra
    )


def plan(backup, *rules, name="trading-test"):
    return backup.create_backup_plan(BackupPlan={"BackupPlanName": name, "Rules": list(rules) or [rule()]})[
        "BackupPlanId"
    ]


def stored_vault(name, region="us-east-1"):
    from moto.backup.models import backup_backends

    return backup_backends[ACCOUNT][region].vaults[name]


def test_a_vault_name_outside_the_pattern_is_refused(backup):
    with pytest.raises(ClientError, match=r"\^\[a-zA-Z0-9\\-\\_\]\{2,50\}\$"):
        backup.create_backup_vault(BackupVaultName="a")
    with pytest.raises(ClientError):
        backup.create_backup_vault(BackupVaultName="trading.test")
    backup.create_backup_vault(BackupVaultName="trading_test-2")


def test_describe_answers_the_recovery_points_and_the_vault_type(backup, vault):
    described = backup.describe_backup_vault(BackupVaultName=vault)
    assert described["NumberOfRecoveryPoints"] == 0
    assert described["VaultType"] == "BACKUP_VAULT" and described["VaultState"] == "AVAILABLE"
    assert described["Locked"] is False


@pytest.mark.parametrize(
    ("lock", "message"),
    [
        ({"MinRetentionDays": 7, "ChangeableForDays": 2}, "ChangeableForDays must be at least 3"),
        ({"MinRetentionDays": 7, "ChangeableForDays": 36501}, "ChangeableForDays cannot exceed 36500"),
        ({"MinRetentionDays": 0}, "MinRetentionDays must be at least 1"),
        ({"MinRetentionDays": 7, "MaxRetentionDays": 36501}, "MaxRetentionDays cannot exceed 36500"),
        ({"MinRetentionDays": 30, "MaxRetentionDays": 7}, "cannot be greater than MaxRetentionDays"),
    ],
)
def test_a_vault_lock_outside_its_ranges_is_refused(backup, vault, lock, message):
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match=message):
        backup.put_backup_vault_lock_configuration(BackupVaultName=vault, **lock)
    assert backup.describe_backup_vault(BackupVaultName=vault)["Locked"] is False


def test_a_lock_is_changeable_until_its_lock_date_then_neither_it_nor_the_vault_can_go(backup, vault):
    backup.put_backup_vault_lock_configuration(
        BackupVaultName=vault, MinRetentionDays=1, MaxRetentionDays=36500, ChangeableForDays=3
    )
    backup.put_backup_vault_lock_configuration(
        BackupVaultName=vault, MinRetentionDays=7, MaxRetentionDays=35, ChangeableForDays=3
    )
    described = backup.describe_backup_vault(BackupVaultName=vault)
    assert (described["Locked"], described["MinRetentionDays"], described["MaxRetentionDays"]) == (True, 7, 35)
    assert "LockDate" in described
    stored_vault(vault).lock_date -= 4 * 86400  # four days later (the test server runs in this process)
    with pytest.raises(backup.exceptions.InvalidRequestException, match="immutable"):
        backup.put_backup_vault_lock_configuration(BackupVaultName=vault, MinRetentionDays=1)
    with pytest.raises(backup.exceptions.InvalidRequestException, match="immutable"):
        backup.delete_backup_vault_lock_configuration(BackupVaultName=vault)
    with pytest.raises(backup.exceptions.InvalidRequestException, match="compliance mode"):
        backup.delete_backup_vault(BackupVaultName=vault)
    assert backup.describe_backup_vault(BackupVaultName=vault)["Locked"] is True


def test_a_governance_lock_has_no_lock_date_and_goes_with_its_vault(backup, vault):
    backup.put_backup_vault_lock_configuration(BackupVaultName=vault, MinRetentionDays=7, ChangeableForDays=3)
    backup.put_backup_vault_lock_configuration(BackupVaultName=vault, MinRetentionDays=7)
    assert "LockDate" not in backup.describe_backup_vault(BackupVaultName=vault)
    backup.delete_backup_vault_lock_configuration(BackupVaultName=vault)
    backup.delete_backup_vault(BackupVaultName=vault)
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.delete_backup_vault(BackupVaultName=vault)


def test_a_vault_holding_a_recovery_point_is_not_deleted(backup, vault, role):
    job = backup.start_backup_job(BackupVaultName=vault, ResourceArn=CLUSTER, IamRoleArn=role)
    assert backup.describe_backup_vault(BackupVaultName=vault)["NumberOfRecoveryPoints"] == 1
    [point] = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]
    assert point["RecoveryPointArn"] == job["RecoveryPointArn"]
    assert (point["ResourceArn"], point["ResourceType"], point["Status"]) == (CLUSTER, "Aurora", "COMPLETED")
    with pytest.raises(backup.exceptions.InvalidRequestException, match=r"contains 1 recovery points"):
        backup.delete_backup_vault(BackupVaultName=vault)
    backup.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=job["RecoveryPointArn"])
    backup.delete_backup_vault(BackupVaultName=vault)


def test_a_locked_vault_keeps_its_recovery_points(backup, vault, role):
    job = backup.start_backup_job(BackupVaultName=vault, ResourceArn=CLUSTER, IamRoleArn=role)
    backup.put_backup_vault_lock_configuration(BackupVaultName=vault, MinRetentionDays=7)
    with pytest.raises(backup.exceptions.InvalidRequestException, match="Vault Lock"):
        backup.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=job["RecoveryPointArn"])
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.start_backup_job(BackupVaultName="trading-none", ResourceArn=CLUSTER, IamRoleArn=role)


def test_a_deleted_vault_takes_its_tags_with_it(backup):
    backup.create_backup_vault(BackupVaultName="trading-test", BackupVaultTags={"Environment": "test"})
    arn = backup.describe_backup_vault(BackupVaultName="trading-test")["BackupVaultArn"]
    backup.delete_backup_vault(BackupVaultName="trading-test")
    backup.create_backup_vault(BackupVaultName="trading-test")
    assert backup.list_tags(ResourceArn=arn)["Tags"] == {}


@pytest.mark.parametrize(
    ("bad", "good", "message"),
    [
        (
            {"Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 100}},
            {"Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}},
            "DeleteAfterDays cannot be less than 90 days apart from MoveToColdStorageAfterDays",
        ),
        (
            {"Lifecycle": {"MoveToColdStorageAfterDays": 0, "DeleteAfterDays": 35}},
            {"Lifecycle": {"DeleteAfterDays": 35}},
            "less than 90 days apart",
        ),
        (
            {"Lifecycle": {"DeleteAfterDays": 0}},
            {"Lifecycle": {"DeleteAfterDays": 1}},
            "less than 1 or more than 36500",
        ),
        ({"Lifecycle": {"DeleteAfterDays": 36501}}, {"Lifecycle": {"DeleteAfterDays": 36500}}, "more than 36500"),
        ({"StartWindowMinutes": 59}, {"StartWindowMinutes": 60}, "StartWindowMinutes must be at least 60"),
        (
            {
                "CopyActions": [
                    {
                        "DestinationBackupVaultArn": "arn:aws:backup:us-west-2:123456789012:backup-vault:copy",
                        "Lifecycle": {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 20},
                    }
                ]
            },
            {
                "CopyActions": [
                    {
                        "DestinationBackupVaultArn": "arn:aws:backup:us-west-2:123456789012:backup-vault:copy",
                        "Lifecycle": {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 100},
                    }
                ]
            },
            "copy to arn:aws:backup:us-west-2",
        ),
    ],
)
def test_a_rule_aws_refuses_is_refused_and_its_fix_accepted(backup, vault, bad, good, message):
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match=message) as refused:
        plan(backup, rule(**bad))
    assert "Error in rule daily : " in str(refused.value)
    assert backup.list_backup_plans()["BackupPlansList"] == []
    plan_id = plan(backup, rule(**good))
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match=message):
        backup.update_backup_plan(
            BackupPlanId=plan_id, BackupPlan={"BackupPlanName": "trading-test", "Rules": [rule(**bad)]}
        )


def test_a_plan_may_name_vaults_that_do_not_exist_yet(backup):
    # AWS accepts it: the backup jobs fail, not the plan ("Delete a backup vault", AWS Backup Developer Guide).
    plan_id = plan(backup, rule(TargetBackupVaultName="trading-not-yet"))
    assert (
        backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"][0]["TargetBackupVaultName"]
        == "trading-not-yet"
    )


def test_the_name_of_a_deleted_plan_can_be_used_again(backup, vault):
    first = plan(backup)
    with pytest.raises(backup.exceptions.AlreadyExistsException):
        plan(backup)
    backup.delete_backup_plan(BackupPlanId=first)
    second = plan(backup)
    assert second != first
    assert [p["BackupPlanId"] for p in backup.list_backup_plans()["BackupPlansList"]] == [second]


def test_update_backup_plan_changes_the_plan_moto_answers_with_a_new_version(backup, vault):
    plan_id = plan(backup)
    version = backup.get_backup_plan(BackupPlanId=plan_id)["VersionId"]
    answer = backup.update_backup_plan(
        BackupPlanId=plan_id,
        BackupPlan={"BackupPlanName": "trading-test", "Rules": [rule(Lifecycle={"DeleteAfterDays": 14})]},
    )
    assert answer["BackupPlanId"] == plan_id and answer["VersionId"] != version
    got = backup.get_backup_plan(BackupPlanId=plan_id)
    assert got["VersionId"] == answer["VersionId"]
    [updated] = got["BackupPlan"]["Rules"]
    assert updated["Lifecycle"] == {"DeleteAfterDays": 14}
    # AWS's defaults, as on a new plan.
    assert (updated["StartWindowMinutes"], updated["CompletionWindowMinutes"], updated["ScheduleExpression"]) == (
        480,
        10080,
        "cron(0 5 ? * * *)",
    )
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.update_backup_plan(BackupPlanId="no-such-plan", BackupPlan={"BackupPlanName": "x", "Rules": [rule()]})


def test_a_selection_is_created_read_listed_and_deleted_as_the_model_says(backup, vault, role):
    plan_id = plan(backup)
    created = backup.create_backup_selection(
        BackupPlanId=plan_id, BackupSelection={"SelectionName": "aurora", "IamRoleArn": role, "Resources": [CLUSTER]}
    )
    assert created["BackupPlanId"] == plan_id and created["SelectionId"] and created["CreationDate"]
    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
    assert got["BackupSelection"]["Resources"] == [CLUSTER] and got["BackupSelection"]["IamRoleArn"] == role
    [listed] = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert (listed["SelectionName"], listed["SelectionId"], listed["IamRoleArn"]) == (
        "aurora",
        created["SelectionId"],
        role,
    )
    with pytest.raises(backup.exceptions.InvalidRequestException, match="resource selection"):
        backup.delete_backup_plan(BackupPlanId=plan_id)
    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    backup.delete_backup_plan(BackupPlanId=plan_id)


def test_a_selection_needs_a_role_aws_backup_can_assume(aws, backup, vault, role):
    plan_id = plan(backup)
    ec2_role = aws.client("iam").create_role(
        RoleName="trading-test-ec2", AssumeRolePolicyDocument=trust("ec2.amazonaws.com")
    )["Role"]["Arn"]
    for arn in (ec2_role, f"arn:aws:iam::{ACCOUNT}:role/trading-none", f"arn:aws:iam::{ACCOUNT}:user/alice", CLUSTER):
        with pytest.raises(backup.exceptions.InvalidParameterValueException, match="cannot be assumed by AWS Backup"):
            backup.create_backup_selection(
                BackupPlanId=plan_id,
                BackupSelection={"SelectionName": "aurora", "IamRoleArn": arn, "Resources": [CLUSTER]},
            )
    backup.create_backup_selection(
        BackupPlanId=plan_id, BackupSelection={"SelectionName": "aurora", "IamRoleArn": role, "Resources": [CLUSTER]}
    )


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ([], "Either 'ListOfTags' or 'Resources' section must be non-empty"),
        (["arn:aws:rds:us-east-1:123456789012:cluster:*-aurora"], "may only end a resource ARN"),
        ([f"{CLUSTER}-{i}" for i in range(501)], "at most 500"),
        ([f"{CLUSTER}-{i}*" for i in range(31)], "at most 30"),
    ],
)
def test_a_selection_aws_refuses_is_refused(backup, vault, role, resources, message):
    plan_id = plan(backup)
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match=message):
        backup.create_backup_selection(
            BackupPlanId=plan_id,
            BackupSelection={"SelectionName": "aurora", "IamRoleArn": role, "Resources": resources},
        )
    backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={"SelectionName": "aurora", "IamRoleArn": role, "Resources": [f"{CLUSTER[:-6]}*"]},
    )
    assert len(backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]) == 1


def test_a_selection_of_a_plan_that_does_not_exist_is_refused(backup, role):
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="does not exist"):
        backup.create_backup_selection(
            BackupPlanId="no-such-plan",
            BackupSelection={"SelectionName": "aurora", "IamRoleArn": role, "Resources": [CLUSTER]},
        )
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.list_backup_selections(BackupPlanId="no-such-plan")


def test_selections_are_per_region_and_forgotten_on_reset(aws, backup, vault, role):
    plan_id = plan(backup)
    backup.create_backup_selection(
        BackupPlanId=plan_id, BackupSelection={"SelectionName": "aurora", "IamRoleArn": role, "Resources": [CLUSTER]}
    )
    west = aws.client_no_retry("backup", region="us-west-2")
    with pytest.raises(west.exceptions.ResourceNotFoundException):
        west.list_backup_selections(BackupPlanId=plan_id)
    aws.reset()
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.list_backup_selections(BackupPlanId=plan_id)
