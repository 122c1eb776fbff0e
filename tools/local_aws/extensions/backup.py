"""AWS Backup operations moto 5.2 lacks, answered as botocore's backup model says.

* Resource selections of a plan: CreateBackupSelection, GetBackupSelection, ListBackupSelections,
  DeleteBackupSelection. They live in moto's own backend (``backup.selections_of``), so that moto's
  DeleteBackupPlan can be refused while a plan has some, and a reset forgets them with the plans.
  CreateBackupSelection refuses, with InvalidParameterValueException, what AWS refuses:
  - a role AWS Backup cannot assume (``backup.role_problem``);
  - a selection with neither ``Resources`` nor ``ListOfTags``: "Invalid backup selection. Either
    'ListOfTags' or 'Resources' section must be non-empty." (AWS's answer, quoted in
    ministryofjustice/modernisation-platform-terraform-baselines #90);
  - a wildcard anywhere but at the end of a resource ARN, more than 500 ARNs, or more than 30 with
    wildcards (the model's ``BackupSelection.Resources``: "The maximum number of ARNs is 500 without
    wildcards, or 30 ARNs with wildcards", "the asterisk (*) must appear at the end of the ARN
    string"); the messages are ours;
  - a plan that does not exist (CreateBackupSelection lists no ResourceNotFoundException: the
    parameter is what is wrong).
  A selection cannot be changed: the model has no UpdateBackupSelection.
* UpdateBackupPlan: the plan moto keeps (GetBackupPlan answers it) gets the new rules, with the
  defaults moto gives a new plan's rules, and a new version id; refused as CreateBackupPlan is
  (``backup.plan_problem``).
* Recovery points, so that a vault can hold one: StartBackupJob (the job completes at once: its
  recovery point is COMPLETED in the vault, encrypted with the vault's key), ListRecoveryPointsByBackupVault
  and DeleteRecoveryPoint, refused (InvalidRequestException) in a locked vault (the model's
  PutBackupVaultLockConfiguration: Vault Lock is "preventing attempts to delete any recovery point
  stored in or created in a backup vault"). A job's lifecycle is not checked against the vault
  lock's retention (on AWS the job fails later; here it never runs).
"""

from __future__ import annotations

import copy
import datetime
import uuid

from moto.backup.models import backup_backends
from moto.moto_api._internal import mock_random

from .. import backup as backup_rules
from .base import ACCOUNT_ID, Extension, epoch, error

RESOURCES_MAX = 500
WILDCARD_RESOURCES_MAX = 30
# The defaults moto gives the rules of a new plan (moto.backup.models.Plan), given to updated ones too.
RULE_DEFAULTS = {
    "ScheduleExpression": "cron(0 5 ? * * *)",
    "StartWindowMinutes": 480,
    "CompletionWindowMinutes": 10080,
    "ScheduleExpressionTimezone": "Etc/UTC",
}


def _invalid(message: str):
    return error(400, "InvalidParameterValueException", message)


def _not_found(message: str):
    return error(400, "ResourceNotFoundException", message)


def _invalid_request(message: str):
    return error(400, "InvalidRequestException", message)


def _resources_problem(selection: dict) -> str | None:
    resources = selection.get("Resources") or []
    if not resources and not selection.get("ListOfTags"):
        return "Invalid backup selection. Either 'ListOfTags' or 'Resources' section must be non-empty."
    wildcards = [r for r in resources if "*" in r]
    for resource in wildcards:
        if "*" in resource[:-1]:
            return f"Invalid resource {resource}: a wildcard (*) may only end a resource ARN"
    if len(resources) > RESOURCES_MAX:
        return f"A backup selection takes at most {RESOURCES_MAX} resource ARNs (got {len(resources)})"
    if len(wildcards) > WILDCARD_RESOURCES_MAX:
        return f"A backup selection takes at most {WILDCARD_RESOURCES_MAX} resource ARNs with wildcards"
    return None


def _resource_type(arn: str) -> str:
    parts = arn.split(":")
    service = parts[2] if len(parts) > 2 else ""
    if service == "rds":
        return "Aurora" if len(parts) > 5 and parts[5] == "cluster" else "RDS"
    return {"dynamodb": "DynamoDB", "ec2": "EC2", "elasticfilesystem": "EFS", "s3": "S3"}.get(service, service.upper())


class BackupSelections(Extension):
    def reset(self) -> None:
        """State lives in moto's own AWS Backup backend (plans, selections, vaults, recovery points)."""

    def routes(self) -> dict:
        ops = [
            "CreateBackupSelection",
            "GetBackupSelection",
            "ListBackupSelections",
            "DeleteBackupSelection",
            "UpdateBackupPlan",
            "StartBackupJob",
            "ListRecoveryPointsByBackupVault",
            "DeleteRecoveryPoint",
        ]
        return {("backup", op): getattr(self, "_" + op) for op in ops}

    @staticmethod
    def _backend(req):
        return backup_backends[ACCOUNT_ID][req.region]

    def _plan(self, req):
        plan_id = req.path_params.get("backupPlanId")
        plan = self._backend(req).plans.get(plan_id)
        return plan_id, plan

    # -- selections ------------------------------------------------------
    def _CreateBackupSelection(self, req):
        plan_id, plan = self._plan(req)
        if plan is None or plan.deletion_date is not None:
            return _invalid(f"Backup plan {plan_id} does not exist")
        body = req.json()
        selection = dict(body.get("BackupSelection") or {})
        problem = backup_rules.role_problem(ACCOUNT_ID, req.region, selection.get("IamRoleArn"))
        problem = problem or _resources_problem(selection)
        if problem:
            return _invalid(problem)
        # AWS answers the selection with its empty members filled in.
        selection.setdefault("Resources", [])
        selection.setdefault("ListOfTags", [])
        selection.setdefault("NotResources", [])
        selection.setdefault(
            "Conditions", {"StringEquals": [], "StringNotEquals": [], "StringLike": [], "StringNotLike": []}
        )
        record = {
            "SelectionId": str(uuid.uuid4()),
            "BackupPlanId": plan_id,
            "CreationDate": epoch(),
            "CreatorRequestId": body.get("CreatorRequestId") or str(uuid.uuid4()),
            "BackupSelection": selection,
        }
        with self.lock:
            backup_rules.selections_of(self._backend(req)).setdefault(plan_id, {})[record["SelectionId"]] = record
        return 200, {k: record[k] for k in ("SelectionId", "BackupPlanId", "CreationDate")}

    def _selection(self, req):
        plan_id, plan = self._plan(req)
        selection_id = req.path_params.get("selectionId")
        found = (backup_rules.selections_of(self._backend(req)).get(plan_id) or {}).get(selection_id)
        if plan is None or found is None:
            return None, _not_found(f"Backup selection {selection_id} of plan {plan_id} not found")
        return found, None

    def _GetBackupSelection(self, req):
        record, failure = self._selection(req)
        if failure:
            return failure
        return 200, copy.deepcopy(record)

    def _ListBackupSelections(self, req):
        plan_id, plan = self._plan(req)
        if plan is None:
            return _not_found(f"Backup plan {plan_id} not found")
        listed = [
            {
                "SelectionId": r["SelectionId"],
                "SelectionName": r["BackupSelection"]["SelectionName"],
                "BackupPlanId": plan_id,
                "CreationDate": r["CreationDate"],
                "CreatorRequestId": r["CreatorRequestId"],
                "IamRoleArn": r["BackupSelection"]["IamRoleArn"],
            }
            for r in (backup_rules.selections_of(self._backend(req)).get(plan_id) or {}).values()
        ]
        return 200, {"BackupSelectionsList": listed}

    def _DeleteBackupSelection(self, req):
        record, failure = self._selection(req)
        if failure:
            return failure
        with self.lock:
            store = backup_rules.selections_of(self._backend(req))
            store[record["BackupPlanId"]].pop(record["SelectionId"], None)
            if not store[record["BackupPlanId"]]:
                del store[record["BackupPlanId"]]
        return 200, {}

    # -- plans ------------------------------------------------------------
    def _UpdateBackupPlan(self, req):
        _, plan = self._plan(req)
        if plan is None or plan.deletion_date is not None:
            return _not_found("Failed reading Backup plan with provided version")
        new = copy.deepcopy(req.json().get("BackupPlan") or {})
        problem = backup_rules.plan_problem(new)
        if problem:
            return _invalid(problem)
        for rule in new.get("Rules") or []:
            for key, value in RULE_DEFAULTS.items():
                rule.setdefault(key, value)
            rule["RuleId"] = str(uuid.uuid4())
        with self.lock:
            plan.backup_plan = new
            plan.advanced_backup_settings = new.get("AdvancedBackupSettings") or []
            plan.version_id = mock_random.get_random_string(length=48)
        answer = {
            "BackupPlanId": plan.backup_plan_id,
            "BackupPlanArn": plan.backup_plan_arn,
            "CreationDate": plan.creation_date,
            "VersionId": plan.version_id,
        }
        if plan.advanced_backup_settings:
            answer["AdvancedBackupSettings"] = plan.advanced_backup_settings
        return 200, answer

    # -- recovery points --------------------------------------------------
    def _vault(self, req, name=None):
        name = name or req.path_params.get("backupVaultName")
        vault = self._backend(req).vaults.get(name)
        if vault is None:
            return None, _not_found(f"Backup vault {name} not found")
        return vault, None

    def _StartBackupJob(self, req):
        body = req.json()
        vault, failure = self._vault(req, body.get("BackupVaultName"))
        if failure:
            return failure
        job_id = str(uuid.uuid4()).upper()
        arn = f"arn:aws:backup:{req.region}:{ACCOUNT_ID}:recovery-point:{uuid.uuid4()}"
        now = epoch()
        lifecycle = body.get("Lifecycle") or {}
        point = {
            "RecoveryPointArn": arn,
            "BackupVaultName": vault.backup_vault_name,
            "BackupVaultArn": vault.backup_vault_arn,
            "ResourceArn": body.get("ResourceArn"),
            "ResourceType": _resource_type(body.get("ResourceArn") or ""),
            "CreatedBy": {},
            "IamRoleArn": body.get("IamRoleArn"),
            "Status": "COMPLETED",
            "CreationDate": now,
            "CompletionDate": now,
            "BackupSizeInBytes": 0,
            "EncryptionKeyArn": vault.encryption_key_arn,
            "IsEncrypted": True,
            "VaultType": "BACKUP_VAULT",
        }
        if lifecycle:
            point["Lifecycle"] = lifecycle
            if lifecycle.get("DeleteAfterDays"):
                point["CalculatedLifecycle"] = {
                    "DeleteAt": now + datetime.timedelta(days=lifecycle["DeleteAfterDays"]).total_seconds()
                }
        with self.lock:
            backup_rules.recovery_points_of(vault)[arn] = point
            vault.num_of_recovery_points = len(backup_rules.recovery_points_of(vault))
        return 200, {"BackupJobId": job_id, "RecoveryPointArn": arn, "CreationDate": now, "IsParent": False}

    def _ListRecoveryPointsByBackupVault(self, req):
        vault, failure = self._vault(req)
        if failure:
            return failure
        return 200, {"RecoveryPoints": [dict(p) for p in backup_rules.recovery_points_of(vault).values()]}

    def _DeleteRecoveryPoint(self, req):
        vault, failure = self._vault(req)
        if failure:
            return failure
        arn = req.path_params.get("recoveryPointArn")
        points = backup_rules.recovery_points_of(vault)
        if arn not in points:
            return _not_found(f"Recovery point {arn} not found")
        if vault.locked:
            return _invalid_request(
                f"Recovery point {arn} cannot be deleted: backup vault {vault.backup_vault_name} has a Vault Lock"
            )
        with self.lock:
            points.pop(arn)
            vault.num_of_recovery_points = len(points)
        return 200, {}
