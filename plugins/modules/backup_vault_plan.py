#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: backup_vault_plan
short_description: An AWS Backup vault (with its lock and a copy in another region), plan and selection
version_added: 1.0.0
description:
  - Reconciles in one invocation what AWS Backup needs to back a resource up (an Aurora cluster, say).
  - A backup vault encrypted with a KMS key, optionally locked (AWS Backup Vault Lock).
  - Optionally a copy-destination vault in another region, created in that region by the same
    invocation, to which every rule of the plan copies its recovery points.
  - A backup plan whose rules are compared by meaning (the defaults AWS Backup adds to a rule are the
    options' defaults) and changed in place with C(UpdateBackupPlan).
  - A resource selection on the plan (the plan's only one). AWS Backup cannot change a selection, so a
    different one is deleted and created again.
  - On a run with nothing to change it reads each vault and its tags, finds the plan by name, then
    reads the plan, its tags and its selections at once and the selection of O(selection.name)
    (9 reads with a copy vault, 7 without; the vaults and the plan are read concurrently). It writes
    nothing.
  - Everything AWS Backup would refuse that can be told from the options is refused before any call,
    with a message naming the option (names, key ARNs, lock ranges, windows, lifecycles (a rule's
    C(delete_after_days) at least 90 days after C(move_to_cold_storage_after_days)), and retentions a
    locked vault would make every backup job fail with). A vault's KMS key cannot be changed, nor a
    vault lock in compliance mode once its lock date has passed (AWS refuses
    C(DeleteBackupVaultLockConfiguration) then); either fails before any write, saying so.
  - A new selection's role may not be usable by AWS Backup for a few seconds after IAM created it
    (C(IAM Role ... cannot be assumed by AWS Backup)); that answer is retried for a minute.
  - V(absent) deletes the selections, the plan, then the vault and the copy vault. A vault that still
    holds recovery points, or whose compliance-mode lock date has passed, is kept, named in RV(kept)
    with a warning, and the task does not fail, so that a teardown never loses a backup.
  - A copy vault no longer named in O(copy) is left as it is (its rules' copy actions are removed).
  - AWS Backup answers at once, so there is nothing to wait for.
  - Supports check mode and diff mode (the vaults, the lock, the plan's rules and the selection as
    compared; ids and ARNs of what is not created yet are null).
author:
  - 99Tech platform engineering (@99tech)
options:
  vault_name:
    description: The backup vault's name (2 to 50 letters, digits, C(-) and C(_)).
    type: str
    required: true
  kms_key_arn:
    description:
      - The ARN of the KMS key of the vault's region that encrypts its recovery points (not an alias).
        Without it AWS Backup uses its AWS managed key.
      - A vault's key cannot be changed; a different key fails before any write.
    type: str
  lock:
    description:
      - The vault's lock (AWS Backup Vault Lock). Omitted, the vault has none (a lock found is removed,
        which AWS allows in governance mode and, in compliance mode, until the lock date).
      - With O(lock.changeable_for_days) the lock is in compliance mode and becomes immutable on its
        lock date; without it, in governance mode.
    type: dict
    suboptions:
      min_retention_days:
        description: The shortest retention a recovery point in the vault may have (at least 1).
        type: int
        required: true
      max_retention_days:
        description: The longest retention a recovery point in the vault may have (at most 36500).
        type: int
      changeable_for_days:
        description:
          - Days (3 to 36500) before the lock date, after which the lock and the vault cannot be
            changed or deleted. Only sent when the lock is put; AWS answers the lock date, not this.
        type: int
  copy:
    description: A vault in another region that every rule copies its recovery points to.
    type: dict
    suboptions:
      region:
        description: The copy vault's region.
        type: str
        required: true
      vault_name:
        description: The copy vault's name.
        type: str
        required: true
      kms_key_arn:
        description: The ARN of a KMS key of O(copy.region) that encrypts the copies.
        type: str
        aliases: [kms_key_id]
      delete_after_days:
        description: How long a copy is kept (1 to 36500 days); by default as long as the rule keeps its recovery point.
        type: int
  plan_name:
    description: The backup plan's name (1 to 50 letters, digits, C(-), C(_) and C(.)).
    type: str
    required: true
  rules:
    description: The plan's rules (required with V(present)), compared by name; each backs up into O(vault_name).
    type: list
    elements: dict
    suboptions:
      name:
        description: The rule's name (1 to 50 letters, digits, C(-), C(_) and C(.)).
        type: str
        required: true
      schedule_expression:
        description: When a backup starts, as a cron expression in UTC.
        type: str
        default: cron(0 5 ? * * *)
      start_window_minutes:
        description: Minutes (at least 60) after the scheduled time within which the job must start.
        type: int
        default: 480
      completion_window_minutes:
        description: Minutes within which a started job must complete.
        type: int
        default: 10080
      delete_after_days:
        description: Days (1 to 36500) a recovery point is kept.
        type: int
        required: true
      move_to_cold_storage_after_days:
        description:
          - Days after which a recovery point moves to cold storage; O(rules[].delete_after_days) must
            then be at least 90 days more.
        type: int
  selection:
    description: The plan's resource selection. Omitted, the plan has none (a selection found is deleted).
    type: dict
    suboptions:
      name:
        description: The selection's name (1 to 50 letters, digits, C(-), C(_) and C(.)).
        type: str
        required: true
      iam_role_arn:
        description: The ARN of the IAM role AWS Backup assumes to back the resources up.
        type: str
        required: true
      resources:
        description: The ARNs of the resources (at most 500, or 30 with a C(*), which may only end an ARN).
        type: list
        elements: str
        required: true
  tags:
    description: Tags of the vaults and the plan.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove the tags not in O(tags).
    type: bool
    default: true
  state:
    description: Whether the vaults, the plan and the selection exist.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Daily backups of the Aurora cluster for 35 days, copied to us-west-2, in a locked vault
  ninetynine.trading_infra.backup_vault_plan:
    vault_name: trading-prod-aurora
    kms_key_arn: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    lock:
      min_retention_days: 7
      max_retention_days: 400
      changeable_for_days: 3
    copy:
      region: us-west-2
      vault_name: trading-prod-aurora-copy
      kms_key_arn: arn:aws:kms:us-west-2:123456789012:key/abcd1234-12ab-34cd-56ef-1234567890ab
    plan_name: trading-prod-aurora
    rules:
      - name: daily
        schedule_expression: cron(0 3 * * ? *)
        start_window_minutes: 60
        completion_window_minutes: 180
        delete_after_days: 35
      - name: monthly
        schedule_expression: cron(0 4 1 * ? *)
        delete_after_days: 365
        move_to_cold_storage_after_days: 30
    selection:
      name: aurora
      iam_role_arn: arn:aws:iam::123456789012:role/trading-prod-backup
      resources: [arn:aws:rds:us-east-1:123456789012:cluster:trading-prod-aurora]
    tags:
      Environment: prod

- name: Teardown (vaults holding backups are kept, and named in kept)
  ninetynine.trading_infra.backup_vault_plan:
    vault_name: trading-prod-aurora
    copy:
      region: us-west-2
      vault_name: trading-prod-aurora-copy
    plan_name: trading-prod-aurora
    state: absent
"""

RETURN = r"""
vault:
  description: The vault after the run (null when absent); ARN null in check mode before it is created.
  returned: always
  type: dict
  sample: {"name": "trading-prod-aurora", "region": "us-east-1",
           "arn": "arn:aws:backup:us-east-1:123456789012:backup-vault:trading-prod-aurora",
           "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
           "locked": true, "min_retention_days": 7, "max_retention_days": 400, "compliance_mode": true,
           "lock_date": "2026-12-04T09:12:03+00:00", "recovery_points": 0, "tags": {"Environment": "prod"}}
copy_vault:
  description: The copy vault, as RV(vault) (null without O(copy)).
  returned: always
  type: dict
plan:
  description: The plan after the run, its rules as the module compares them (null when absent).
  returned: always
  type: dict
  sample: {"name": "trading-prod-aurora", "id": "0749f34b-3211-463e-960e-f39501a8c338",
           "arn": "arn:aws:backup:us-east-1:123456789012:backup-plan:0749f34b-3211-463e-960e-f39501a8c338",
           "version_id": "ZmQ2N2M5...", "tags": {"Environment": "prod"},
           "rules": [{"name": "daily", "target_vault": "trading-prod-aurora",
                      "schedule_expression": "cron(0 3 * * ? *)",
                      "start_window_minutes": 60, "completion_window_minutes": 180, "delete_after_days": 35,
                      "move_to_cold_storage_after_days": null, "enable_continuous_backup": false,
                      "copy_actions": [{"destination_vault_arn":
                                          "arn:aws:backup:us-west-2:123456789012:backup-vault:trading-prod-aurora-copy",
                                        "delete_after_days": 35}]}]}
selection:
  description: The plan's selection after the run (null when there is none).
  returned: always
  type: dict
  sample: {"id": "3b383cd0-4df3-43cc-96c0-17f76b0d3cf2", "name": "aurora",
           "iam_role_arn": "arn:aws:iam::123456789012:role/trading-prod-backup",
           "resources": ["arn:aws:rds:us-east-1:123456789012:cluster:trading-prod-aurora"], "narrowed_by": []}
kept:
  description: With V(absent), the vaults kept (name, region, ARN, and why), each also in a warning.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "trading-prod-aurora", "region": "us-east-1",
            "arn": "arn:aws:backup:us-east-1:123456789012:backup-vault:trading-prod-aurora",
            "reason": "it holds 12 recovery points"}]
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["create backup vault trading-prod-aurora",
           "lock backup vault trading-prod-aurora (7 to 400 days, compliance mode after 3 days)"]
resources:
  description: >-
    The resources changed (or, in check mode, that would be), each once: what happens to it and the changes it
    gets. The plan summary counts these.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, as the AWS console names it.
      returned: always
      type: str
      sample: "backup vault"
    name:
      description: The resource's name (a copy vault's with its region, when that is not the module's).
      returned: always
      type: str
      sample: "trading-prod-aurora"
    action:
      description: What happens to the resource, one of V(create), V(change) or V(delete).
      returned: always
      type: str
      sample: create
    changes:
      description: The changes it gets, as in RV(actions).
      returned: always
      type: list
      elements: str
      sample:
        - "create backup vault trading-prod-aurora"
  sample:
    - kind: backup vault
      name: trading-prod-aurora
      action: create
      changes:
        - create backup vault trading-prod-aurora
        - lock backup vault trading-prod-aurora (7 to 400 days, compliance mode after 3 days)
    - kind: backup vault
      name: trading-prod-aurora-copy (us-west-2)
      action: create
      changes: [create backup vault trading-prod-aurora-copy in us-west-2]
    - kind: backup plan
      name: trading-prod-aurora
      action: create
      changes: [create backup plan trading-prod-aurora (rules daily)]
    - kind: backup selection
      name: aurora
      action: create
      changes: [create backup selection aurora of trading-prod-aurora (1 resource)]
"""

import datetime
import re
import time

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.concurrency import read_all
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags

# botocore's backup model (the AWS Backup API Reference): names, ranges and lifecycle rules.
VAULT_NAME_RE = re.compile(r"^[a-zA-Z0-9\-_]{2,50}$")
NAME_RE = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")  # plan ("1 to 50 alphanumeric or '-_.'"), rule, selection
KEY_ARN_RE = re.compile(r"^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key/([0-9a-f-]{36}|mrk-[0-9a-f]{32})$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/(?:[\w+=,.@/-]*/)?[\w+=,.@-]+$")
CRON_RE = re.compile(r"^cron\(\S+( \S+){5}\)$")
DAYS_MAX = 36500
COLD_STORAGE_DAYS = 90
START_WINDOW_MIN = 60
START_WINDOW_MAX = 52_560_000
CHANGEABLE_FOR_DAYS_MIN = 3
RESOURCES_MAX = 500
WILDCARD_RESOURCES_MAX = 30
# What AWS Backup gives a rule that does not say (BackupRuleInput in the model).
DEFAULT_SCHEDULE = "cron(0 5 ? * * *)"
DEFAULT_START_WINDOW = 480
DEFAULT_COMPLETION_WINDOW = 10080
# How long a new selection waits for IAM to let AWS Backup assume its role (hashicorp/terraform-provider-aws
# #9298 and #10687 retry the same answers).
IAM_SETTLE_SECONDS = 60
IAM_NOT_YET = ("cannot be assumed by AWS Backup", "is not authorized to call")
pause = time.sleep  # looked up at each wait (tests replace it)
# The kinds of resource, as the resources return value names them.
VAULT = "backup vault"
PLAN = "backup plan"
SELECTION = "backup selection"


def partition_of(region):
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def problems(p, region):
    """Every option AWS Backup would refuse, each naming the option; before any call."""
    found = []
    present = p["state"] == "present"
    if not VAULT_NAME_RE.match(p["vault_name"]):
        found.append(f"vault_name: {p['vault_name']!r} must be 2 to 50 letters, digits, '-' or '_'")
    if not NAME_RE.match(p["plan_name"]):
        found.append(f"plan_name: {p['plan_name']!r} must be 1 to 50 letters, digits, '-', '_' or '.'")
    copy = p["copy"]
    if copy:
        if not VAULT_NAME_RE.match(copy["vault_name"]):
            found.append(f"copy.vault_name: {copy['vault_name']!r} must be 2 to 50 letters, digits, '-' or '_'")
        if copy["region"] == region and copy["vault_name"] == p["vault_name"]:
            found.append(f"copy: a vault cannot copy to itself ({copy['vault_name']} in {region})")
    if not present:
        return found
    for label, arn, where in (
        ("kms_key_arn", p["kms_key_arn"], region),
        ("copy.kms_key_arn", copy and copy["kms_key_arn"], copy and copy["region"]),
    ):
        if arn is None:
            continue
        match = KEY_ARN_RE.match(arn)
        if not match:
            found.append(f"{label}: {arn!r} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)")
        elif match.group(1) != where:
            found.append(f"{label}: {arn} is a key of {match.group(1)}; the vault is in {where}")
    lock = p["lock"]
    if lock:
        low, high, grace = lock["min_retention_days"], lock["max_retention_days"], lock["changeable_for_days"]
        if low < 1:
            found.append(f"lock.min_retention_days: {low} must be at least 1")
        if high is not None and high > DAYS_MAX:
            found.append(f"lock.max_retention_days: {high} must be at most {DAYS_MAX}")
        if high is not None and low > high:
            found.append(f"lock.min_retention_days: {low} must not exceed lock.max_retention_days ({high})")
        if grace is not None and not CHANGEABLE_FOR_DAYS_MIN <= grace <= DAYS_MAX:
            found.append(
                f"lock.changeable_for_days: {grace} must be from {CHANGEABLE_FOR_DAYS_MIN} to {DAYS_MAX} "
                "(AWS Backup enforces a 72-hour cooling-off period before a lock becomes immutable)"
            )
    if copy and copy["delete_after_days"] is not None and not 1 <= copy["delete_after_days"] <= DAYS_MAX:
        found.append(f"copy.delete_after_days: {copy['delete_after_days']} must be from 1 to {DAYS_MAX}")
    if not p["rules"]:
        found.append("rules: a backup plan needs at least one rule")
    names = [r["name"] for r in p["rules"] or []]
    for i, rule in enumerate(p["rules"] or []):
        at = f"rules[{i}]"
        if not NAME_RE.match(rule["name"]):
            found.append(f"{at}.name: {rule['name']!r} must be 1 to 50 letters, digits, '-', '_' or '.'")
        elif names.count(rule["name"]) > 1:
            found.append(f"{at}.name: {rule['name']} names two rules")
        if not CRON_RE.match(rule["schedule_expression"] or ""):
            found.append(
                f"{at}.schedule_expression: {rule['schedule_expression']!r} must be a cron expression of six fields, "
                "as cron(0 5 ? * * *)"
            )
        start, completion = rule["start_window_minutes"], rule["completion_window_minutes"]
        if not START_WINDOW_MIN <= start <= START_WINDOW_MAX:
            found.append(f"{at}.start_window_minutes: {start} must be from {START_WINDOW_MIN} to {START_WINDOW_MAX}")
        if completion < 1:
            found.append(f"{at}.completion_window_minutes: {completion} must be positive")
        delete, cold = rule["delete_after_days"], rule["move_to_cold_storage_after_days"]
        if not 1 <= delete <= DAYS_MAX:
            found.append(f"{at}.delete_after_days: {delete} must be from 1 to {DAYS_MAX}")
        if cold is not None and not 0 <= cold <= DAYS_MAX:
            found.append(f"{at}.move_to_cold_storage_after_days: {cold} must be from 0 to {DAYS_MAX}")
        elif cold is not None and delete < cold + COLD_STORAGE_DAYS:
            found.append(
                f"{at}.delete_after_days: {delete} must be at least move_to_cold_storage_after_days + 90 "
                f"({cold + COLD_STORAGE_DAYS}): a recovery point stays in cold storage 90 days at least"
            )
        if lock and delete < lock["min_retention_days"]:
            found.append(
                f"{at}.delete_after_days: {delete} is below lock.min_retention_days ({lock['min_retention_days']}): "
                "the locked vault would fail every backup job of the rule"
            )
        if lock and lock["max_retention_days"] is not None and delete > lock["max_retention_days"]:
            found.append(
                f"{at}.delete_after_days: {delete} is above lock.max_retention_days ({lock['max_retention_days']}): "
                "the locked vault would fail every backup job of the rule"
            )
    selection = p["selection"]
    if selection:
        if not NAME_RE.match(selection["name"]):
            found.append(f"selection.name: {selection['name']!r} must be 1 to 50 letters, digits, '-', '_' or '.'")
        if not ROLE_ARN_RE.match(selection["iam_role_arn"]):
            found.append(f"selection.iam_role_arn: {selection['iam_role_arn']!r} is not an IAM role ARN")
        resources = selection["resources"]
        wildcards = [r for r in resources if "*" in r]
        if not resources:
            found.append("selection.resources: a selection needs at least one resource ARN")
        if len(resources) > RESOURCES_MAX:
            found.append(f"selection.resources: {len(resources)} ARNs, AWS Backup takes at most {RESOURCES_MAX}")
        if len(wildcards) > WILDCARD_RESOURCES_MAX:
            found.append(
                f"selection.resources: {len(wildcards)} ARNs with a wildcard, AWS Backup takes at most "
                f"{WILDCARD_RESOURCES_MAX}"
            )
        for j, resource in enumerate(resources):
            if not resource.startswith("arn:"):
                found.append(f"selection.resources[{j}]: {resource!r} is not an ARN")
            elif "*" in resource[:-1]:
                found.append(f"selection.resources[{j}]: {resource!r} may only end with a wildcard (*)")
    return found


# -- reading -------------------------------------------------------------------------------------
def iso(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    return value


def vault_view(vault, tags, region):
    if vault is None:
        return None
    lock_date = vault.get("LockDate")
    return {
        "name": vault["BackupVaultName"],
        "region": region,
        "arn": vault.get("BackupVaultArn"),
        "kms_key_arn": vault.get("EncryptionKeyArn"),
        "locked": bool(vault.get("Locked")),
        "min_retention_days": vault.get("MinRetentionDays"),
        "max_retention_days": vault.get("MaxRetentionDays"),
        "compliance_mode": bool(vault.get("Locked") and lock_date),
        "lock_date": iso(lock_date),
        "recovery_points": vault.get("NumberOfRecoveryPoints", 0),
        "tags": tags,
    }


def immutable(vault):
    """A compliance-mode lock past its lock date: AWS changes or deletes neither the lock nor the vault."""
    lock_date = vault and vault.get("LockDate")
    return bool(vault and vault.get("Locked") and lock_date and lock_date <= datetime.datetime.now(lock_date.tzinfo))


def read_vault(client, name):
    try:
        vault = client.describe_backup_vault(BackupVaultName=name, aws_retry=True)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None, {}
    tags = client.list_tags(ResourceArn=vault["BackupVaultArn"], aws_retry=True).get("Tags") or {}
    return vault, tags


def comparable_rule(rule):
    lifecycle = rule.get("Lifecycle") or {}
    return {
        "name": rule["RuleName"],
        "target_vault": rule.get("TargetBackupVaultName"),
        "schedule_expression": rule.get("ScheduleExpression") or DEFAULT_SCHEDULE,
        "start_window_minutes": rule.get("StartWindowMinutes", DEFAULT_START_WINDOW),
        "completion_window_minutes": rule.get("CompletionWindowMinutes", DEFAULT_COMPLETION_WINDOW),
        "delete_after_days": lifecycle.get("DeleteAfterDays"),
        "move_to_cold_storage_after_days": lifecycle.get("MoveToColdStorageAfterDays"),
        "enable_continuous_backup": bool(rule.get("EnableContinuousBackup")),
        "copy_actions": sorted(
            (
                {
                    "destination_vault_arn": action.get("DestinationBackupVaultArn"),
                    "delete_after_days": (action.get("Lifecycle") or {}).get("DeleteAfterDays"),
                }
                for action in rule.get("CopyActions") or []
            ),
            key=lambda a: a["destination_vault_arn"] or "",
        ),
    }


def comparable_selection(record):
    if record is None:
        return None
    selection = record["BackupSelection"]
    conditions = selection.get("Conditions") or {}
    narrowed = [key for key in ("ListOfTags", "NotResources") if selection.get(key)]
    narrowed += [f"Conditions.{key}" for key, values in sorted(conditions.items()) if values]
    return {
        "id": record.get("SelectionId"),
        "name": selection["SelectionName"],
        "iam_role_arn": selection["IamRoleArn"],
        "resources": sorted(set(selection.get("Resources") or [])),
        "narrowed_by": narrowed,
    }


def read_plan(client, name, selection_name):
    """The named plan (its newest version), tags, selections listed, and the selection of that name."""
    found = [p for p in paginate(client, "list_backup_plans", "BackupPlansList") if p.get("BackupPlanName") == name]
    if not found:
        return None
    summary = found[0]
    plan_id = summary["BackupPlanId"]

    def part(what):
        if what == "plan":
            return client.get_backup_plan(BackupPlanId=plan_id, aws_retry=True)
        if what == "tags":
            return client.list_tags(ResourceArn=summary["BackupPlanArn"], aws_retry=True).get("Tags") or {}
        return paginate(client, "list_backup_selections", "BackupSelectionsList", BackupPlanId=plan_id)

    parts = read_all(part, ["plan", "tags", "selections"])
    chosen = None
    named = [s for s in parts["selections"] if s.get("SelectionName") == selection_name]
    if named:
        try:
            chosen = client.get_backup_selection(
                BackupPlanId=plan_id, SelectionId=named[0]["SelectionId"], aws_retry=True
            )
        except is_boto3_error_code("ResourceNotFoundException"):
            chosen = None
    return {
        "plan": parts["plan"],
        "tags": parts["tags"],
        "selections": parts["selections"],
        "chosen": chosen,
        "duplicates": len(found) - 1,
    }


def plan_view(plan, tags):
    if plan is None:
        return None
    body = plan["BackupPlan"]
    return {
        "name": body["BackupPlanName"],
        "id": plan.get("BackupPlanId"),
        "arn": plan.get("BackupPlanArn"),
        "version_id": plan.get("VersionId"),
        "rules": sorted((comparable_rule(r) for r in body.get("Rules") or []), key=lambda r: r["name"]),
        "tags": tags,
    }


# -- wanting -------------------------------------------------------------------------------------
def wanted_rules(p, copy_arn):
    rules = []
    for rule in p["rules"]:
        copy = p["copy"]
        rules.append(
            {
                "name": rule["name"],
                "target_vault": p["vault_name"],
                "schedule_expression": rule["schedule_expression"],
                "start_window_minutes": rule["start_window_minutes"],
                "completion_window_minutes": rule["completion_window_minutes"],
                "delete_after_days": rule["delete_after_days"],
                "move_to_cold_storage_after_days": rule["move_to_cold_storage_after_days"],
                "enable_continuous_backup": False,
                "copy_actions": [
                    {
                        "destination_vault_arn": copy_arn,
                        "delete_after_days": copy["delete_after_days"] or rule["delete_after_days"],
                    }
                ]
                if copy
                else [],
            }
        )
    return sorted(rules, key=lambda r: r["name"])


def plan_document(name, rules):
    document = {"BackupPlanName": name, "Rules": []}
    for rule in rules:
        lifecycle = {"DeleteAfterDays": rule["delete_after_days"]}
        if rule["move_to_cold_storage_after_days"] is not None:
            lifecycle["MoveToColdStorageAfterDays"] = rule["move_to_cold_storage_after_days"]
        entry = {
            "RuleName": rule["name"],
            "TargetBackupVaultName": rule["target_vault"],
            "ScheduleExpression": rule["schedule_expression"],
            "StartWindowMinutes": rule["start_window_minutes"],
            "CompletionWindowMinutes": rule["completion_window_minutes"],
            "Lifecycle": lifecycle,
        }
        if rule["copy_actions"]:
            entry["CopyActions"] = [
                {
                    "DestinationBackupVaultArn": action["destination_vault_arn"],
                    "Lifecycle": {"DeleteAfterDays": action["delete_after_days"]},
                }
                for action in rule["copy_actions"]
            ]
        document["Rules"].append(entry)
    return document


def lock_of(view):
    if not view or not view["locked"]:
        return None
    return {
        "min_retention_days": view["min_retention_days"],
        "max_retention_days": view["max_retention_days"],
        "compliance_mode": view["compliance_mode"],
    }


def wanted_lock(lock):
    if not lock:
        return None
    return {
        "min_retention_days": lock["min_retention_days"],
        "max_retention_days": lock["max_retention_days"],
        "compliance_mode": lock["changeable_for_days"] is not None,
    }


def describe_lock(lock):
    days = f"{lock['min_retention_days']} to {lock['max_retention_days']} days"
    if lock["max_retention_days"] is None:
        days = f"at least {lock['min_retention_days']} days"
    if lock["changeable_for_days"] is not None:
        return f"{days}, compliance mode after {lock['changeable_for_days']} days"
    return f"{days}, governance mode"


class Reconciler:
    def __init__(self, module, plan):
        self.module = module
        self.plan = plan
        self.p = module.params
        self.region = module.region
        retry = retry_decorator()
        self.client = module.client("backup", retry_decorator=retry)
        copy = self.p["copy"]
        self.copy_client = (
            module.client("backup", retry_decorator=retry, region=copy["region"])
            if copy and copy["region"] != self.region
            else self.client
        )
        self.account = None

    def read(self):
        copy = self.p["copy"]
        selection_name = (self.p["selection"] or {}).get("name")

        def part(what):
            if what == "vault":
                return read_vault(self.client, self.p["vault_name"])
            if what == "copy":
                return read_vault(self.copy_client, copy["vault_name"])
            return read_plan(self.client, self.p["plan_name"], selection_name)

        keys = ["vault"] + (["copy"] if copy else []) + ["plan"]
        found = read_all(part, keys)
        for arn in (
            (found["vault"][0] or {}).get("BackupVaultArn"),
            (found.get("copy", (None,))[0] or {}).get("BackupVaultArn"),
            ((found.get("plan") or {}).get("plan") or {}).get("BackupPlanArn"),
        ):
            if arn:
                self.account = arn.split(":")[4]
        return found

    def vault_resource(self, region, name):
        """A vault's name in the resources return value: with its region when that is not the module's."""
        return name if region == self.region else f"{name} ({region})"

    def vault_arn(self, region, name):
        if self.account is None:
            return None
        return f"arn:{partition_of(region)}:backup:{region}:{self.account}:backup-vault:{name}"

    # -- vaults ---------------------------------------------------------------------------------
    def ensure_vault(self, client, region, name, key_arn, vault, tags, label, with_lock=True):
        """Create the vault or bring its tags (and lock) to what is wanted; returns its view after."""
        p = self.p
        # Its tags and its lock are the vault's own changes.
        self.plan.about(VAULT, self.vault_resource(region, name), exists=vault is not None)
        if vault is None:
            request = {"BackupVaultName": name}
            if key_arn:
                request["EncryptionKeyArn"] = key_arn
            if p["tags"]:
                request["BackupVaultTags"] = p["tags"]
            created = self.plan.do(f"create {label}", client.create_backup_vault, aws_retry=True, **request)
            if created:
                self.account = created["BackupVaultArn"].split(":")[4]
            after = {
                "name": name,
                "region": region,
                "arn": created["BackupVaultArn"] if created else self.vault_arn(region, name),
                "kms_key_arn": key_arn,
                "locked": False,
                "min_retention_days": None,
                "max_retention_days": None,
                "compliance_mode": False,
                "lock_date": None,
                "recovery_points": 0,
                "tags": dict(p["tags"] or {}),
            }
        else:
            after = vault_view(vault, tags, region)
            arn = vault["BackupVaultArn"]
            if p["tags"] is not None:
                after["tags"] = plan_tags(
                    self.plan,
                    label,
                    tags,
                    p["tags"],
                    p["purge_tags"],
                    lambda new: client.tag_resource(ResourceArn=arn, Tags=new, aws_retry=True),
                    lambda keys: client.untag_resource(ResourceArn=arn, TagKeyList=keys, aws_retry=True),
                )
        if with_lock:
            self.ensure_lock(client, name, after, label)
        return after

    def ensure_lock(self, client, name, after, label):
        wanted, before = wanted_lock(self.p["lock"]), lock_of(after)
        if wanted == before:
            return
        if wanted is None:
            self.plan.do(
                f"remove the lock of {label}",
                client.delete_backup_vault_lock_configuration,
                BackupVaultName=name,
                aws_retry=True,
            )
            after.update(
                locked=False, min_retention_days=None, max_retention_days=None, compliance_mode=False, lock_date=None
            )
            return
        lock = self.p["lock"]
        request = {"BackupVaultName": name, "MinRetentionDays": lock["min_retention_days"]}
        if lock["max_retention_days"] is not None:
            request["MaxRetentionDays"] = lock["max_retention_days"]
        if lock["changeable_for_days"] is not None:
            request["ChangeableForDays"] = lock["changeable_for_days"]
        self.plan.do(
            f"lock {label} ({describe_lock(lock)})",
            client.put_backup_vault_lock_configuration,
            aws_retry=True,
            **request,
        )
        lock_date = None
        if lock["changeable_for_days"] is not None:
            lock_date = iso(
                datetime.datetime.now(datetime.UTC).replace(microsecond=0)
                + datetime.timedelta(days=lock["changeable_for_days"])
            )
        after.update(
            locked=True,
            min_retention_days=lock["min_retention_days"],
            max_retention_days=lock["max_retention_days"],
            compliance_mode=wanted["compliance_mode"],
            lock_date=lock_date,
        )

    # -- the plan and its selection --------------------------------------------------------------
    def ensure_plan(self, found, copy_arn):
        p = self.p
        rules = wanted_rules(p, copy_arn)
        document = plan_document(p["plan_name"], rules)
        # Its rules and tags are the plan's own changes.
        self.plan.about(PLAN, p["plan_name"], exists=found is not None)
        if found is None:
            request = {"BackupPlan": document}
            if p["tags"]:
                request["BackupPlanTags"] = p["tags"]
            created = self.plan.do(
                f"create backup plan {p['plan_name']} (rules {', '.join(r['name'] for r in rules)})",
                self.client.create_backup_plan,
                aws_retry=True,
                **request,
            )
            return {
                "name": p["plan_name"],
                "id": created and created["BackupPlanId"],
                "arn": created and created["BackupPlanArn"],
                "version_id": created and created["VersionId"],
                "rules": rules,
                "tags": dict(p["tags"] or {}),
            }
        if found["duplicates"]:
            self.module.warn(
                f"{found['duplicates'] + 1} backup plans are named {p['plan_name']}: the module manages the first"
            )
        after = plan_view(found["plan"], found["tags"])
        plan_id, arn = after["id"], after["arn"]
        if after["rules"] != rules:
            before_rules = {r["name"]: r for r in after["rules"]}
            changed = [r["name"] for r in rules if before_rules.get(r["name"]) != r]
            removed = sorted(set(before_rules) - {r["name"] for r in rules})
            what = ", ".join(
                ([f"rules {', '.join(changed)}"] if changed else [])
                + ([f"remove {', '.join(removed)}"] if removed else [])
            )
            updated = self.plan.do(
                f"update backup plan {p['plan_name']} ({what})",
                self.client.update_backup_plan,
                BackupPlanId=plan_id,
                BackupPlan=document,
                aws_retry=True,
            )
            after["rules"] = rules
            after["version_id"] = updated["VersionId"] if updated else None
        if p["tags"] is not None:
            after["tags"] = plan_tags(
                self.plan,
                f"backup plan {p['plan_name']}",
                found["tags"],
                p["tags"],
                p["purge_tags"],
                lambda new: self.client.tag_resource(ResourceArn=arn, Tags=new, aws_retry=True),
                lambda keys: self.client.untag_resource(ResourceArn=arn, TagKeyList=keys, aws_retry=True),
            )
        return after

    def create_selection(self, plan_id, wanted):
        """CreateBackupSelection, retried while IAM has not yet let AWS Backup assume a new role."""
        request = {
            "BackupPlanId": plan_id,
            "BackupSelection": {
                "SelectionName": wanted["name"],
                "IamRoleArn": wanted["iam_role_arn"],
                "Resources": wanted["resources"],
            },
        }
        deadline = time.monotonic() + IAM_SETTLE_SECONDS
        delay = 1.0
        while True:
            try:
                return self.client.create_backup_selection(aws_retry=True, **request)
            except botocore.exceptions.ClientError as e:
                message = e.response.get("Error", {}).get("Message", "")
                if not any(text in message for text in IAM_NOT_YET) or time.monotonic() + delay > deadline:
                    raise
                pause(delay)
                delay = min(delay * 2, 10.0)

    def ensure_selection(self, found, plan_after):
        p = self.p
        wanted_spec = p["selection"]
        plan_id = plan_after["id"]
        listed = (found or {}).get("selections") or []
        current = comparable_selection((found or {}).get("chosen"))
        wanted = None
        if wanted_spec:
            wanted = {
                "id": None,
                "name": wanted_spec["name"],
                "iam_role_arn": wanted_spec["iam_role_arn"],
                "resources": sorted(set(wanted_spec["resources"])),
                "narrowed_by": [],
            }
        keep_id = None
        if current is not None and wanted is not None and dict(current, id=None) == wanted:
            keep_id = current["id"]
        for listing in listed:
            if listing["SelectionId"] == keep_id:
                continue
            # The wanted selection, deleted to be created again, is changed; any other is deleted.
            again = wanted is not None and listing.get("SelectionName") == wanted["name"]
            self.plan.about(SELECTION, listing.get("SelectionName"), wanted=again)
            self.plan.do(
                f"delete backup selection {listing.get('SelectionName')} of {p['plan_name']}"
                + (
                    " (a selection cannot be changed: it is created again)"
                    if wanted and keep_id is None and listing.get("SelectionName") == wanted["name"]
                    else ""
                ),
                self.delete_selection,
                plan_id,
                listing["SelectionId"],
            )
        if wanted is None:
            return None
        if keep_id:
            return current
        self.plan.about(SELECTION, wanted["name"], exists=current is not None)
        created = self.plan.do(
            f"create backup selection {wanted['name']} of {p['plan_name']} "
            f"({len(wanted['resources'])} resource{'s' if len(wanted['resources']) != 1 else ''})",
            self.create_selection if plan_id else None,
            plan_id,
            wanted,
        )
        return dict(wanted, id=created and created["SelectionId"])

    def delete_selection(self, plan_id, selection_id):
        try:
            self.client.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id, aws_retry=True)
        except is_boto3_error_code("ResourceNotFoundException"):
            pass

    # -- the whole -------------------------------------------------------------------------------
    def present(self):
        p = self.p
        found = self.read()
        vault, vault_tags = found["vault"]
        copy = p["copy"]
        copy_vault, copy_tags = found.get("copy", (None, {}))
        plan_found = found["plan"]
        self.refuse_impossible(vault, copy_vault)

        before = {
            "vault": vault_view(vault, vault_tags, self.region),
            "copy_vault": vault_view(copy_vault, copy_tags, copy["region"]) if copy else None,
            "plan": plan_view(plan_found["plan"], plan_found["tags"]) if plan_found else None,
            "selection": comparable_selection(plan_found and plan_found["chosen"]),
        }
        vault_after = self.ensure_vault(
            self.client,
            self.region,
            p["vault_name"],
            p["kms_key_arn"],
            vault,
            vault_tags,
            f"backup vault {p['vault_name']}",
        )
        copy_after = None
        copy_arn = None
        if copy:
            copy_after = self.ensure_vault(
                self.copy_client,
                copy["region"],
                copy["vault_name"],
                copy["kms_key_arn"],
                copy_vault,
                copy_tags,
                f"backup vault {copy['vault_name']} in {copy['region']}",
                with_lock=False,
            )
            copy_arn = copy_after["arn"] or self.vault_arn(copy["region"], copy["vault_name"])
        plan_after = self.ensure_plan(plan_found, copy_arn)
        selection_after = self.ensure_selection(plan_found, plan_after)
        after = {"vault": vault_after, "copy_vault": copy_after, "plan": plan_after, "selection": selection_after}
        return before, after, {"kept": []}

    def refuse_impossible(self, vault, copy_vault):
        """What AWS Backup cannot do to what exists: fail before any write, saying why."""
        p = self.p
        found = []
        for label, existing, key in (
            ("kms_key_arn", vault, p["kms_key_arn"]),
            ("copy.kms_key_arn", copy_vault, p["copy"] and p["copy"]["kms_key_arn"]),
        ):
            if existing and key and existing.get("EncryptionKeyArn") and existing["EncryptionKeyArn"] != key:
                found.append(
                    f"{label}: backup vault {existing['BackupVaultName']} is encrypted with "
                    f"{existing['EncryptionKeyArn']}; AWS Backup cannot change a vault's key "
                    "(a new vault name is needed)"
                )
        if vault and immutable(vault):
            view = vault_view(vault, {}, self.region)
            if lock_of(view) != wanted_lock(p["lock"]):
                found.append(
                    f"lock: backup vault {p['vault_name']} is locked in compliance mode "
                    f"(min {view['min_retention_days']}, max {view['max_retention_days']} days) since its lock date "
                    f"{view['lock_date']}: AWS Backup can no longer change or remove that lock "
                    "(DeleteBackupVaultLockConfiguration is refused); set lock to those retentions with a "
                    "changeable_for_days"
                )
        if found:
            self.module.fail_json(msg="; ".join(found), actions=self.plan.actions, resources=self.plan.resources)

    def absent(self):
        p = self.p
        found = self.read()
        vault, vault_tags = found["vault"]
        copy = p["copy"]
        copy_vault, copy_tags = found.get("copy", (None, {}))
        plan_found = found["plan"]
        before = {
            "vault": vault_view(vault, vault_tags, self.region),
            "copy_vault": vault_view(copy_vault, copy_tags, copy["region"]) if copy else None,
            "plan": plan_view(plan_found["plan"], plan_found["tags"]) if plan_found else None,
            "selection": comparable_selection(plan_found and plan_found["chosen"]),
        }
        if plan_found:
            plan_id = plan_found["plan"]["BackupPlanId"]
            for listing in plan_found["selections"]:
                self.plan.about(SELECTION, listing.get("SelectionName"), wanted=False)
                self.plan.do(
                    f"delete backup selection {listing.get('SelectionName')} of {p['plan_name']}",
                    self.delete_selection,
                    plan_id,
                    listing["SelectionId"],
                )
            self.plan.about(PLAN, p["plan_name"], wanted=False)
            self.plan.do(f"delete backup plan {p['plan_name']}", self.delete_plan, plan_id)
        kept = []
        after = {"vault": None, "copy_vault": None, "plan": None, "selection": None}
        for key, client, region, existing in (
            ("vault", self.client, self.region, vault),
            ("copy_vault", self.copy_client, copy and copy["region"], copy_vault),
        ):
            if existing is None:
                continue
            view = before[key]
            reason = self.delete_vault(client, region, existing)
            if reason:
                kept.append({"name": view["name"], "region": region, "arn": view["arn"], "reason": reason})
                self.module.warn(f"kept backup vault {view['name']} ({region}): {reason}")
                after[key] = view
        return before, after, {"kept": kept}

    def delete_plan(self, plan_id):
        try:
            self.client.delete_backup_plan(BackupPlanId=plan_id, aws_retry=True)
        except is_boto3_error_code("ResourceNotFoundException"):
            pass

    def delete_vault(self, client, region, vault):
        """Delete the vault unless AWS keeps it; returns why it is kept, or None."""
        name = vault["BackupVaultName"]
        points = vault.get("NumberOfRecoveryPoints") or 0
        if points:
            return f"it holds {points} recovery point{'s' if points != 1 else ''} (a teardown never deletes a backup)"
        if immutable(vault):
            return (
                f"its vault lock is in compliance mode since {iso(vault['LockDate'])}: AWS Backup deletes neither the "
                "vault nor its lock"
            )
        label = f"delete backup vault {name}" + (f" in {region}" if region != self.region else "")
        self.plan.about(VAULT, self.vault_resource(region, name), wanted=False)
        try:
            self.plan.do(label, client.delete_backup_vault, BackupVaultName=name, aws_retry=True)
        except is_boto3_error_code("InvalidRequestException") as e:
            self.plan.forget_last()
            return f"AWS Backup refused to delete it: {e.response.get('Error', {}).get('Message', '')}"
        except is_boto3_error_code("ResourceNotFoundException"):
            pass
        return None


def main():
    argument_spec = dict(
        vault_name=dict(type="str", required=True),
        kms_key_arn=dict(type="str", no_log=False),
        lock=dict(
            type="dict",
            options=dict(
                min_retention_days=dict(type="int", required=True),
                max_retention_days=dict(type="int"),
                changeable_for_days=dict(type="int"),
            ),
        ),
        copy=dict(
            type="dict",
            options=dict(
                region=dict(type="str", required=True),
                vault_name=dict(type="str", required=True),
                kms_key_arn=dict(type="str", aliases=["kms_key_id"], no_log=False),
                delete_after_days=dict(type="int"),
            ),
        ),
        plan_name=dict(type="str", required=True),
        rules=dict(
            type="list",
            elements="dict",
            options=dict(
                name=dict(type="str", required=True),
                schedule_expression=dict(type="str", default=DEFAULT_SCHEDULE),
                start_window_minutes=dict(type="int", default=DEFAULT_START_WINDOW),
                completion_window_minutes=dict(type="int", default=DEFAULT_COMPLETION_WINDOW),
                delete_after_days=dict(type="int", required=True),
                move_to_cold_storage_after_days=dict(type="int"),
            ),
        ),
        selection=dict(
            type="dict",
            options=dict(
                name=dict(type="str", required=True),
                iam_role_arn=dict(type="str", required=True),
                resources=dict(type="list", elements="str", required=True),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["rules"])],
    )
    p = module.params
    region = module.region
    if not region:
        module.fail_json(msg="region: the vault's region is needed (region, AWS_REGION or AWS_DEFAULT_REGION)")
    found = problems(p, region)
    if found:
        module.fail_json(msg="; ".join(found))
    plan = Plan(module.check_mode)
    reconciler = Reconciler(module, plan)
    try:
        before, after, extra = reconciler.present() if p["state"] == "present" else reconciler.absent()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e,
            msg=f"backup vault {p['vault_name']} and plan {p['plan_name']} failed",
            actions=plan.actions,
            resources=plan.resources,
        )
    plan.exit_json(
        module,
        before,
        after,
        vault=after["vault"],
        copy_vault=after["copy_vault"],
        plan=after["plan"],
        selection=after["selection"],
        kept=extra["kept"],
    )


if __name__ == "__main__":
    main()
