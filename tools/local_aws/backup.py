"""AWS Backup as AWS keeps it, where moto 5.2 differs in ways the roles depend on.

Each rule names its source. "The model" is botocore's backup service model (``backup/2018-11-15``),
whose documentation is the AWS Backup API Reference's. The vault name's pattern
(``^[a-zA-Z0-9\\-\\_]{2,50}$``), rule and selection names, and the other patterns, enums and ranges
the model states are refused by ``validation.py`` already, for every operation.

Backup plans (CreateBackupPlan; UpdateBackupPlan in ``extensions/backup.py`` uses the same checks),
each rule and each of its copy actions, with InvalidParameterValueException and AWS's message form
``Error in rule <name> : ...``:

* ``Lifecycle.DeleteAfterDays`` from 1 to 36500 days: "Invalid lifecycle. DeleteAfterDays cannot be
  less than 1 or more than 36500 days" (AWS's answer quoted in hashicorp/terraform-provider-aws
  #24960; the model's ``BackupRuleInput.Lifecycle``: "a maximum value of 100 years (36,500 days)").
* ``DeleteAfterDays`` at least 90 days after ``MoveToColdStorageAfterDays`` when both are given: the
  model's ``Lifecycle.DeleteAfterDays`` ("must be at least 90 days after the number of days specified
  in MoveToColdStorageAfterDays") and ``BackupRuleInput.Lifecycle``; AWS's message "Invalid
  lifecycle. DeleteAfterDays cannot be less than 90 days apart from MoveToColdStorageAfterDays"
  (quoted in hashicorp/terraform-provider-aws #7350, where ``MoveToColdStorageAfterDays: 0`` was
  sent and refused too: a 0 counts as given).
* ``StartWindowMinutes`` at least 60 and at most 52,560,000 (the model's
  ``BackupRuleInput.StartWindowMinutes``: "it must be at least 60 minutes", "a maximum value of 100
  years (52,560,000 minutes)"). The message is ours; AWS's was not found.
* A plan name of a *deleted* plan can be used again (moto refuses it with AlreadyExistsException:
  its name check counts the plans it keeps, deleted or not, for GetBackupPlan).

Not refused, for want of a source: a completion window shorter than the start window plus 60
minutes, and a target or copy-destination vault that does not exist (AWS's own guide, "Delete a
backup vault": "A backup plan that points to a deleted backup vault will cause the backup creation
to fail", i.e. the plan is accepted and the jobs fail).

DeleteBackupPlan is refused (InvalidRequestException) while the plan has resource selections: the
model's DeleteBackupPlan ("A backup plan can only be deleted after all associated selections of
resources have been deleted"; InvalidRequestException is the one error it lists that fits).

Vaults:

* DeleteBackupVault is refused (InvalidRequestException, one of its listed errors) while the vault
  holds recovery points (the model's DeleteBackupVault: "A vault can be deleted only if it is
  empty"; AWS's message "Backup vault cannot be deleted (contains N recovery points)", as quoted in
  public scripts), and once a vault lock in compliance mode has passed its lock date (AWS
  re:Post, "Delete a Vault Lock": "After the grace time is expired, the vault and its lock are
  immutable. No user or service can change it."; "Configure Vault Lock": neither users nor AWS can
  change or delete them). A vault that does not exist is ResourceNotFoundException (moto deletes
  nothing and answers 200).
* DescribeBackupVault answers ``NumberOfRecoveryPoints`` (moto's attribute has another name, so
  DescribeBackupVault left it out), ``VaultType`` and ``VaultState``.
* PutBackupVaultLockConfiguration: moto already refuses MinRetentionDays below 1, MaxRetentionDays
  above 36500, MinRetentionDays above MaxRetentionDays, ChangeableForDays below 3 and any change
  after the lock date (the model's PutBackupVaultLockConfigurationInput: "The shortest minimum
  retention period you can specify is 1 day", "The longest maximum retention period you can specify
  is 36500 days", "you must set ChangeableForDays to 3 or greater", "On and after the lock date, the
  Vault Lock becomes immutable"; min <= max is moto's own and not stated by the model). Added:
  ChangeableForDays at most 36,500 ("The maximum value you can specify is 36,500 days"), and a lock
  put without ChangeableForDays has no lock date ("If this parameter is not specified, you can
  delete Vault Lock ... or change the Vault Lock configuration ... at any time"; moto kept an
  earlier lock date).
"""

from __future__ import annotations

import json
import re

DAYS_MAX = 36500
START_WINDOW_MIN = 60
START_WINDOW_MAX = 52_560_000
COLD_STORAGE_MINIMUM_DAYS = 90
CHANGEABLE_FOR_DAYS_MAX = 36500
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?[\w+=,.@-]+$")

_applied = False


def lifecycle_problem(lifecycle: dict | None) -> str | None:
    """Why AWS Backup refuses this lifecycle (of a rule or of a copy action), or None."""
    lifecycle = lifecycle or {}
    delete = lifecycle.get("DeleteAfterDays")
    cold = lifecycle.get("MoveToColdStorageAfterDays")
    if delete is not None and not 1 <= delete <= DAYS_MAX:
        return f"Invalid lifecycle. DeleteAfterDays cannot be less than 1 or more than {DAYS_MAX} days"
    if cold is not None and not 0 <= cold <= DAYS_MAX:
        return f"Invalid lifecycle. MoveToColdStorageAfterDays cannot be less than 0 or more than {DAYS_MAX} days"
    if delete is not None and cold is not None and delete < cold + COLD_STORAGE_MINIMUM_DAYS:
        return "Invalid lifecycle. DeleteAfterDays cannot be less than 90 days apart from MoveToColdStorageAfterDays"
    return None


def rule_problem(rule: dict) -> str | None:
    """Why AWS Backup refuses this plan rule, or None."""
    start = rule.get("StartWindowMinutes")
    if start is not None and not START_WINDOW_MIN <= start <= START_WINDOW_MAX:
        return (
            f"StartWindowMinutes must be at least {START_WINDOW_MIN} minutes and at most {START_WINDOW_MAX} "
            f"minutes (was {start})"
        )
    problem = lifecycle_problem(rule.get("Lifecycle"))
    if problem:
        return problem
    for action in rule.get("CopyActions") or []:
        problem = lifecycle_problem(action.get("Lifecycle"))
        if problem:
            return f"{problem} (copy to {action.get('DestinationBackupVaultArn')})"
    return None


def plan_problem(backup_plan: dict) -> str | None:
    """The message of the InvalidParameterValueException AWS Backup answers this plan with, or None."""
    for rule in backup_plan.get("Rules") or []:
        problem = rule_problem(rule)
        if problem:
            return f"Error in rule {rule.get('RuleName')} : {problem}"
    return None


def _trusts_backup(document) -> bool:
    """Whether a role's trust policy lets AWS Backup assume it."""
    try:
        policy = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return False
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    statements = [statements] if isinstance(statements, dict) else statements or []
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal") or {}
        services = principal.get("Service") if isinstance(principal, dict) else None
        services = [services] if isinstance(services, str) else services or []
        actions = statement.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if "backup.amazonaws.com" in services and any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            return True
    return False


def role_problem(account_id: str, region: str, role_arn) -> str | None:
    """Why AWS Backup refuses a selection's IamRoleArn, or None.

    CreateBackupSelection checks that AWS Backup can assume the role: AWS answers
    InvalidParameterValueException "IAM Role <arn> cannot be assumed by AWS Backup" (quoted in
    hashicorp/terraform-provider-aws #9297, which retries on it while IAM catches up, #9298). A value
    that is not an IAM role ARN of the account (the model: "The ARN of the IAM role that Backup uses
    to authenticate"), a role that does not exist and one whose trust policy does not name
    ``backup.amazonaws.com`` cannot be.
    """
    from moto.iam.models import iam_backends

    refused = f"IAM Role {role_arn} cannot be assumed by AWS Backup"
    match = ROLE_ARN_RE.match(role_arn or "")
    if not match or match.group(1) != account_id:
        return refused
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    role = next((r for r in iam_backends[account_id][partition].roles.values() if r.arn == role_arn), None)
    if role is None or not _trusts_backup(role.assume_role_policy_document):
        return refused
    return None


def selections_of(backend) -> dict:
    """The resource selections of a region's backup plans, kept in moto's backend: {plan id: {id: selection}}."""
    if not hasattr(backend, "local_selections"):
        backend.local_selections = {}
    return backend.local_selections


def recovery_points_of(vault) -> dict:
    """A vault's recovery points, kept on moto's vault: {recovery point ARN: recovery point}."""
    if not hasattr(vault, "local_recovery_points"):
        vault.local_recovery_points = {}
    return vault.local_recovery_points


def immutable(vault) -> bool:
    """Whether the vault's lock is in compliance mode past its lock date (the vault and lock cannot change)."""
    from moto.core.utils import unix_time

    return bool(vault.locked and vault.lock_date is not None and unix_time() >= vault.lock_date)


def apply() -> None:
    """Patch moto's AWS Backup with the rules above."""
    global _applied  # noqa: PLW0603 - patch once per process
    if _applied:
        return
    _applied = True
    from moto.backup.exceptions import (
        AlreadyExistsException,
        InvalidParameterValueException,
        InvalidRequestException,
        ResourceNotFoundException,
    )
    from moto.backup.models import BackupBackend, Plan, Vault

    def create_backup_plan(self, backup_plan, backup_plan_tags, creator_request_id):
        problem = plan_problem(backup_plan)
        if problem:
            raise InvalidParameterValueException(msg=problem)
        name = backup_plan["BackupPlanName"]
        if any(p.backup_plan["BackupPlanName"] == name and p.deletion_date is None for p in self.plans.values()):
            raise AlreadyExistsException(msg="Backup plan with the same plan document already exists")
        plan = Plan(backup_plan=backup_plan, creator_request_id=creator_request_id, backend=self)
        if backup_plan_tags:
            self.tag_resource(plan.backup_plan_arn, backup_plan_tags)
        self.plans[plan.backup_plan_id] = plan
        return plan

    BackupBackend.create_backup_plan = create_backup_plan
    delete_backup_plan = BackupBackend.delete_backup_plan

    def checked_delete_backup_plan(self, backup_plan_id):
        attached = selections_of(self).get(backup_plan_id) or {}
        if attached:
            raise InvalidRequestException(
                msg=f"Backup plan {backup_plan_id} cannot be deleted while it has {len(attached)} resource "
                "selection(s): delete them first"
            )
        return delete_backup_plan(self, backup_plan_id)

    BackupBackend.delete_backup_plan = checked_delete_backup_plan

    def checked_delete_backup_vault(self, backup_vault_name):
        vault = self.vaults.get(backup_vault_name)
        if vault is None:
            raise ResourceNotFoundException(msg=f"Backup vault {backup_vault_name} not found")
        if vault.num_of_recovery_points:
            raise InvalidRequestException(
                msg=f"Backup vault cannot be deleted (contains {vault.num_of_recovery_points} recovery points)"
            )
        if immutable(vault):
            raise InvalidRequestException(
                msg=f"Backup vault {backup_vault_name} cannot be deleted: its Vault Lock is in compliance mode and "
                "its lock date has passed"
            )
        self.vaults.pop(backup_vault_name)
        self.tagger.delete_all_tags_for_resource(vault.backup_vault_arn)  # a new vault of that name starts untagged

    BackupBackend.delete_backup_vault = checked_delete_backup_vault
    put_lock = BackupBackend.put_backup_vault_lock_configuration

    def checked_put_lock(self, backup_vault_name, min_retention_days, max_retention_days, changeable_for_days):
        if changeable_for_days is not None and changeable_for_days > CHANGEABLE_FOR_DAYS_MAX:
            raise InvalidParameterValueException(msg=f"ChangeableForDays cannot exceed {CHANGEABLE_FOR_DAYS_MAX} days")
        put_lock(self, backup_vault_name, min_retention_days, max_retention_days, changeable_for_days)
        if changeable_for_days is None:
            self.vaults[backup_vault_name].lock_date = None  # governance mode: changeable at any time

    BackupBackend.put_backup_vault_lock_configuration = checked_put_lock

    Vault.number_of_recovery_points = property(lambda self: self.num_of_recovery_points)
    Vault.vault_type = property(lambda self: "BACKUP_VAULT")
    Vault.vault_state = property(lambda self: "AVAILABLE")
