# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The data_tier role's checks, run before any AWS call. Pure Python, on the controller."""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.ninetynine.trading_infra.plugins.filter.network import LOG_RETENTION_DAYS
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tier import is_production

NAME_RE = re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,33}$")
VERSION_RE = re.compile(r"^(\d+)\.(\d+)(\.\d+)?$")
DB_CLASS_RE = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
CACHE_NODE_RE = re.compile(r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
# IAM role names ("IAM quotas": 64 characters of letters, digits and +=,.@_-), and the principal ARNs
# (role, user, root; * in patterns) a secret's policy may name.
CRON_RE = re.compile(r"^cron\((\S+ ){5}\S+\)$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
PRINCIPAL_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(?:root|(?:role|user)/[\w+=,.@/*-]{1,512})$")
DAILY_WINDOW_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
DAY = "(mon|tue|wed|thu|fri|sat|sun)"
WEEKLY_WINDOW_RE = re.compile(rf"^{DAY}:([01]\d|2[0-3]):[0-5]\d-{DAY}:([01]\d|2[0-3]):[0-5]\d$")
# Aurora PostgreSQL majors with standard support, and Redis OSS majors ElastiCache offers.
AURORA_MAJORS = (13, 14, 15, 16, 17)
REDIS_MAJORS = (6, 7)
AURORA_LOG_EXPORTS = ("postgresql",)
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK = 7 * 24 * 60


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def daily_span(window: str) -> tuple[int, int]:
    """(start minute of the day, length in minutes) of an hh24:mi-hh24:mi window (it may cross midnight)."""
    start, end = (_minutes(part) for part in window.split("-"))
    return start, (end - start) % (24 * 60)


def weekly_span(window: str) -> tuple[int, int]:
    """(start minute of the week, length in minutes) of a ddd:hh24:mi-ddd:hh24:mi window."""
    points = []
    for part in window.split("-"):
        day, rest = part[:3], part[4:]
        points.append(DAYS.index(day) * 24 * 60 + _minutes(rest))
    return points[0], (points[1] - points[0]) % WEEK


def windows_overlap(daily: str, weekly: str) -> bool:
    """Whether a daily window meets a weekly one on any day of the week."""
    start, length = daily_span(daily)
    w_start, w_length = weekly_span(weekly)
    for day in range(7):
        d_start = day * 24 * 60 + start
        # Two spans on a circle of WEEK minutes meet when either starts inside the other.
        if (d_start - w_start) % WEEK < w_length or (w_start - d_start) % WEEK < length:
            return True
    return False


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _version(value, majors):
    match = VERSION_RE.match(value) if isinstance(value, str) else None
    return match is not None and int(match.group(1)) in majors


def _minor_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def data_tier_validation_errors(v, pinned_minors=None):
    """Every problem with the data_tier role's inputs, each naming the variable and the environment.

    ``pinned_minors`` is the role's data_tier_aurora_pinned_minors (major -> the minor the collection
    pins): a production environment may not run an Aurora minor older than the pin of its major.
    """
    env = v.get("trading_env")
    errors = []

    def err(var, text):
        errors.append(f"{var} in environment '{env}': {text}")

    def between(var, low, high):
        value = v.get(var)
        if _int(value) is None or not low <= value <= high:
            err(var, f"{value!r} must be an integer from {low} to {high}")
            return None
        return value

    def window(var, pattern, example, minimum, service):
        """The window's form and length (each service's minimum); the window, or None."""
        value = v.get(var)
        if not isinstance(value, str) or not pattern.match(value):
            err(var, f"{value!r} must look like {example} (UTC)")
            return None
        length = (weekly_span if pattern is WEEKLY_WINDOW_RE else daily_span)(value)[1]
        if length < minimum:
            err(var, f"{value} is {length} minutes; {service} needs a window of at least {minimum}")
            return None
        return value

    def apart(daily_var, daily, weekly_var, weekly, service):
        if daily and weekly and windows_overlap(daily, weekly):
            err(daily_var, f"{daily} meets {weekly_var} {weekly}; {service} refuses windows that overlap")

    name = v.get("data_tier_name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        err(
            "data_tier_name",
            f"{name!r} must be 1-34 lower-case letters, digits and single hyphens, starting with a letter",
        )
    for cidr in v.get("data_tier_admin_cidrs") or []:
        try:
            network = ipaddress.ip_network(str(cidr), strict=True)
        except ValueError:
            err("data_tier_admin_cidrs", f"{cidr!r} is not a CIDR block")
            continue
        if network.prefixlen == 0:
            err("data_tier_admin_cidrs", f"{cidr} opens the databases to the whole internet")
    between("data_tier_wait_timeout", 60, 86400)

    aurora = v.get("data_tier_aurora_enabled")
    if aurora:
        version = v.get("data_tier_aurora_engine_version")
        if not _version(version, AURORA_MAJORS):
            err(
                "data_tier_aurora_engine_version",
                f"{version!r} must be an Aurora PostgreSQL version such as 16.4 (majors {AURORA_MAJORS})",
            )
        instance_class = v.get("data_tier_aurora_instance_class")
        if instance_class == "db.serverless":
            err(
                "data_tier_aurora_instance_class",
                "db.serverless (Aurora Serverless v2) needs a capacity range the role does not set; "
                "give a provisioned class (db.r7g.large)",
            )
        elif not isinstance(instance_class, str) or not DB_CLASS_RE.match(instance_class):
            err("data_tier_aurora_instance_class", f"{instance_class!r} is not an instance class (db.r7g.large)")
        between("data_tier_aurora_reader_count", 0, 15)
        between("data_tier_aurora_backup_retention_days", 1, 35)
        # RDS: both windows at least 30 minutes, and the backup window outside the maintenance window
        # (CreateDBCluster's PreferredBackupWindow: "Must not conflict with the preferred maintenance window").
        backup = window("data_tier_aurora_backup_window", DAILY_WINDOW_RE, "03:00-04:00", 30, "Aurora")
        maintenance = window(
            "data_tier_aurora_maintenance_window", WEEKLY_WINDOW_RE, "sun:05:00-sun:06:00", 30, "Aurora"
        )
        apart("data_tier_aurora_backup_window", backup, "data_tier_aurora_maintenance_window", maintenance, "Aurora")
        for export in v.get("data_tier_aurora_log_exports") or []:
            if export not in AURORA_LOG_EXPORTS:
                err("data_tier_aurora_log_exports", f"{export!r} is not a log Aurora PostgreSQL exports")
        if v.get("data_tier_aurora_monitoring_interval") not in MONITORING_INTERVALS:
            err("data_tier_aurora_monitoring_interval", f"must be one of {MONITORING_INTERVALS}")
        user = v.get("data_tier_aurora_master_username")
        if (
            not isinstance(user, str)
            or not re.match(r"^[a-z][a-z0-9_]{0,62}$", user)
            or user in ("postgres", "rdsadmin")
        ):
            err("data_tier_aurora_master_username", f"{user!r} must be a lower-case identifier, not a reserved name")
        if v.get("data_tier_aurora_autoscaling_enabled"):
            most = between("data_tier_aurora_autoscaling_max_readers", 1, 15)
            readers = _int(v.get("data_tier_aurora_reader_count"))
            if most is not None and readers is not None and most < max(readers, 1):
                err(
                    "data_tier_aurora_autoscaling_max_readers",
                    f"{most} is below data_tier_aurora_reader_count ({readers}), the floor auto scaling keeps",
                )
            between("data_tier_aurora_autoscaling_target_cpu", 10, 90)
        for var in ("data_tier_aurora_cluster_parameters", "data_tier_aurora_instance_parameters"):
            if not isinstance(v.get(var), dict):
                err(var, "must be a mapping of parameter name to value")

    redis = v.get("data_tier_redis_enabled")
    if redis:
        version = v.get("data_tier_redis_engine_version")
        if not _version(version, REDIS_MAJORS):
            err("data_tier_redis_engine_version", f"{version!r} must be a Redis OSS version such as 7.1")
        node_type = v.get("data_tier_redis_node_type")
        if not isinstance(node_type, str) or not CACHE_NODE_RE.match(node_type):
            err("data_tier_redis_node_type", f"{node_type!r} is not a node type (cache.r7g.large)")
        replicas = between("data_tier_redis_replicas", 0, 5)
        shards = between("data_tier_redis_shards", 1, 500)
        if shards and shards > 1 and not v.get("data_tier_redis_cluster_mode"):
            err("data_tier_redis_shards", f"{shards} shards need data_tier_redis_cluster_mode")
        if v.get("data_tier_redis_multi_az") and replicas == 0:
            err("data_tier_redis_multi_az", "needs at least one replica (data_tier_redis_replicas)")
        between("data_tier_redis_snapshot_retention_days", 0, 35)
        # ElastiCache: "The minimum maintenance window is a 60 minute period" (and the snapshot window's
        # minimum is 60 minutes too); a snapshot window must not overlap the maintenance window.
        snapshot = window("data_tier_redis_snapshot_window", DAILY_WINDOW_RE, "04:00-05:00", 60, "ElastiCache")
        maintenance = window(
            "data_tier_redis_maintenance_window", WEEKLY_WINDOW_RE, "sun:06:00-sun:07:00", 60, "ElastiCache"
        )
        apart(
            "data_tier_redis_snapshot_window",
            snapshot,
            "data_tier_redis_maintenance_window",
            maintenance,
            "ElastiCache",
        )
        if _int(v.get("data_tier_redis_log_retention_days")) not in LOG_RETENTION_DAYS:
            err(
                "data_tier_redis_log_retention_days",
                f"{v.get('data_tier_redis_log_retention_days')!r} is not a retention CloudWatch Logs accepts",
            )
        if not isinstance(v.get("data_tier_redis_parameters"), dict):
            err("data_tier_redis_parameters", "must be a mapping of parameter name to value")
        between("data_tier_redis_auth_token_rotation_days", 0, 365)

    if aurora and v.get("data_tier_backup_enabled"):
        backup_errors(v, err, between)

    for var in ("data_tier_aurora_secret_readers", "data_tier_redis_secret_readers", "data_tier_secret_admins"):
        value = v.get(var)
        if not isinstance(value, list):
            err(var, f"{value!r} must be a list of IAM role names or principal ARNs")
            continue
        for entry in value:
            if not isinstance(entry, str) or not (ROLE_NAME_RE.match(entry) or PRINCIPAL_ARN_RE.match(entry)):
                err(var, f"{entry!r} is neither an IAM role name nor an IAM principal ARN (arn:aws:iam::<account>:...)")

    if is_production(v):
        if v.get("data_tier_admin_cidrs"):
            err("data_tier_admin_cidrs", "prod databases take no direct admin access (use a bastion or SSM)")
        if v.get("data_tier_apply_immediately"):
            err("data_tier_apply_immediately", "must be false in prod (changes wait for the maintenance window)")
        if aurora:
            version = v.get("data_tier_aurora_engine_version")
            pinned = (pinned_minors or {}).get(str(version).split(".", maxsplit=1)[0])
            if _version(version, AURORA_MAJORS) and pinned and _minor_key(version) < _minor_key(pinned):
                err(
                    "data_tier_aurora_engine_version",
                    f"{version} is older than {pinned}, the minor this collection pins for Aurora PostgreSQL "
                    f"{pinned.split('.')[0]} (data_tier_aurora_pinned_minors); prod runs {pinned} or later",
                )
            if not v.get("data_tier_aurora_deletion_protection"):
                err("data_tier_aurora_deletion_protection", "must be true in prod")
            if _int(v.get("data_tier_aurora_reader_count")) == 0:
                err("data_tier_aurora_reader_count", "prod needs at least one reader in another zone (failover)")
            retention = _int(v.get("data_tier_aurora_backup_retention_days"))
            if retention is not None and retention < 7:
                err("data_tier_aurora_backup_retention_days", f"{retention} days is too short for prod (at least 7)")
            if not v.get("data_tier_backup_enabled"):
                err("data_tier_backup_enabled", "must be true in prod (AWS Backup of the Aurora cluster)")
            else:
                lock = v.get("data_tier_backup_vault_lock") or {}
                if not isinstance(lock, dict) or _int(lock.get("changeable_for_days")) is None:
                    err(
                        "data_tier_backup_vault_lock",
                        "prod's backup vault needs a lock in compliance mode (min_retention_days, max_retention_days, "
                        "changeable_for_days)",
                    )
                retention = _int(v.get("data_tier_backup_retention_days"))
                if retention is not None and retention < 7:
                    err("data_tier_backup_retention_days", f"{retention} days is too short for prod (at least 7)")
        if redis:
            if not v.get("data_tier_redis_multi_az"):
                err("data_tier_redis_multi_az", "must be true in prod (automatic failover across zones)")
            if _int(v.get("data_tier_redis_snapshot_retention_days")) == 0:
                err("data_tier_redis_snapshot_retention_days", "prod keeps at least one daily snapshot")
        if redis:
            days = _int(v.get("data_tier_redis_auth_token_rotation_days"))
            if days is not None and not 1 <= days <= 90:
                err(
                    "data_tier_redis_auth_token_rotation_days",
                    f"{days} must be from 1 to 90 in prod (Security Hub SecretsManager.4: rotated within 90 days)",
                )
    return errors


def backup_errors(v, err, between):
    """AWS Backup's rules for the plan, the vault lock and the copy (AWS Backup Developer Guide:
    "Creating a backup plan", "AWS Backup Vault Lock"; the API's Lifecycle and lock ranges)."""
    schedule = v.get("data_tier_backup_schedule")
    if not isinstance(schedule, str) or not CRON_RE.match(schedule):
        err("data_tier_backup_schedule", f"{schedule!r} must be an AWS cron expression such as 'cron(0 5 * * ? *)'")
    retention = between("data_tier_backup_retention_days", 1, 36500)
    region = v.get("data_tier_backup_copy_region")
    if region:
        if not isinstance(region, str) or not REGION_RE.match(region):
            err("data_tier_backup_copy_region", f"{region!r} is not a region name")
        elif region == v.get("trading_aws_region"):
            err("data_tier_backup_copy_region", f"{region} is the environment's own region; a copy goes to another one")
        between("data_tier_backup_copy_retention_days", 1, 36500)
        key = v.get("data_tier_backup_copy_kms_key_arn")
        if key and not (
            isinstance(key, str) and re.match(rf"^arn:aws[a-z-]*:kms:{re.escape(str(region))}:\d{{12}}:key/", key)
        ):
            err("data_tier_backup_copy_kms_key_arn", f"{key!r} must be a KMS key ARN in {region}, the copy region")
    lock = v.get("data_tier_backup_vault_lock")
    if lock:
        low, high = _int(lock.get("min_retention_days")), _int(lock.get("max_retention_days"))
        changeable = lock.get("changeable_for_days")
        if low is None or high is None or not 1 <= low <= high <= 36500:
            err(
                "data_tier_backup_vault_lock",
                f"min_retention_days {lock.get('min_retention_days')!r} and max_retention_days "
                f"{lock.get('max_retention_days')!r} must be integers, 1 <= min <= max <= 36500",
            )
        elif retention is not None and not low <= retention <= high:
            err(
                "data_tier_backup_retention_days",
                f"{retention} is outside the vault lock's {low} to {high} days: AWS Backup would fail every job",
            )
        if changeable is not None and (_int(changeable) is None or not 3 <= changeable <= 36500):
            err("data_tier_backup_vault_lock.changeable_for_days", f"{changeable!r} must be from 3 to 36500 days")


def data_tier_principal_patterns(arn):
    """The aws:PrincipalArn patterns that match the principal of a caller ARN (GetCallerIdentity's).

    A role's session (arn:aws:sts::<account>:assumed-role/<role>/<session>) is its role, with or
    without a path: IAM puts the role's ARN, not the session's, in aws:PrincipalArn. A user or the
    root is itself."""
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return []
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return []
    partition, account, resource = parts[1], parts[4], parts[5]
    if parts[2] == "sts" and resource.startswith("assumed-role/"):
        role = resource.split("/")[1]
        return [f"arn:{partition}:iam::{account}:role/{role}", f"arn:{partition}:iam::{account}:role/*/{role}"]
    return [arn]


def data_tier_secret_policy(readers, admins, account, partition="aws"):
    """A secret's resource policy: nobody of another account does anything with it, and in this
    account only the readers, the admins and AWS's service-linked roles read its value. Only Deny
    statements: what this account's principals may otherwise do stays with their IAM policies, so an
    administrator can always read and change this policy (no lock-out)."""

    def principal(entry):
        return entry if entry.startswith("arn:") else f"arn:{partition}:iam::{account}:role/{entry}"

    allowed = sorted({principal(e) for e in list(readers or []) + list(admins or [])})
    allowed.append(f"arn:{partition}:iam::{account}:role/aws-service-role/*")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "NoOtherAccount",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalAccount": account}},
            },
            {
                "Sid": "OnlyNamedReadersReadTheValue",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": allowed}},
            },
        ],
    }


class FilterModule:
    def filters(self):
        return {
            "data_tier_validation_errors": data_tier_validation_errors,
            "data_tier_principal_patterns": data_tier_principal_patterns,
            "data_tier_secret_policy": data_tier_secret_policy,
        }
