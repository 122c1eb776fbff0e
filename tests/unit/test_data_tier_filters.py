"""The data_tier role's validation filter (pure Python, no AWS), and the role's tables it checks against."""

from pathlib import Path

import pytest
import yaml
from ansible_collections.ninetynine.trading_infra.plugins.filter.data_tier import (
    data_tier_principal_patterns,
    data_tier_secret_policy,
    data_tier_validation_errors,
)

from tools.local_aws import rules

REPO = Path(__file__).resolve().parents[2]
ROLE = REPO / "roles" / "data_tier"
PINS = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())["data_tier_aurora_pinned_minors"]


def good(**overrides):
    v = {
        "trading_env": "dev",
        "trading_tier": "non-production",
        "data_tier_name": "trading-dev",
        "data_tier_wait": True,
        "data_tier_wait_timeout": 3600,
        "data_tier_apply_immediately": True,
        "data_tier_admin_cidrs": ["10.200.0.0/16"],
        "data_tier_aurora_enabled": True,
        "data_tier_aurora_engine_version": "16.10",
        "data_tier_aurora_instance_class": "db.t4g.medium",
        "data_tier_aurora_reader_count": 0,
        "data_tier_aurora_master_username": "trading_admin",
        "data_tier_aurora_backup_retention_days": 3,
        "data_tier_aurora_backup_window": "03:00-04:00",
        "data_tier_aurora_maintenance_window": "sun:05:00-sun:06:00",
        "data_tier_aurora_log_exports": ["postgresql"],
        "data_tier_aurora_deletion_protection": False,
        "data_tier_aurora_performance_insights": True,
        "data_tier_aurora_monitoring_interval": 0,
        "data_tier_aurora_cluster_parameters": {"rds.force_ssl": 1},
        "data_tier_aurora_instance_parameters": {},
        "data_tier_aurora_autoscaling_enabled": False,
        "data_tier_aurora_autoscaling_max_readers": 2,
        "data_tier_aurora_autoscaling_target_cpu": 70,
        "data_tier_redis_enabled": True,
        "data_tier_redis_engine_version": "7.1",
        "data_tier_redis_node_type": "cache.t4g.small",
        "data_tier_redis_replicas": 0,
        "data_tier_redis_cluster_mode": False,
        "data_tier_redis_shards": 1,
        "data_tier_redis_multi_az": False,
        "data_tier_redis_snapshot_retention_days": 0,
        "data_tier_redis_snapshot_window": "04:00-05:00",
        "data_tier_redis_maintenance_window": "sun:06:00-sun:07:00",
        "data_tier_redis_parameters": {"maxmemory-policy": "volatile-lru"},
        "data_tier_redis_log_retention_days": 30,
        "data_tier_redis_auth_token_rotation_days": 30,
        "data_tier_aurora_secret_readers": ["trading-dev-ledger-ledger"],
        "data_tier_redis_secret_readers": ["arn:aws:iam::123456789012:role/platform/trading-dev-orders"],
        "data_tier_secret_admins": [],
        "data_tier_backup_enabled": True,
        "data_tier_backup_schedule": "cron(0 5 * * ? *)",
        "data_tier_backup_retention_days": 35,
        "data_tier_backup_vault_lock": {},
        "data_tier_backup_copy_region": "",
        "data_tier_backup_copy_retention_days": 35,
        "data_tier_backup_copy_kms_key_arn": "",
    }
    v.update(overrides)
    return v


PROD = {
    "trading_env": "prod",
    "data_tier_name": "trading-prod",
    "data_tier_apply_immediately": False,
    "data_tier_admin_cidrs": [],
    "data_tier_aurora_reader_count": 2,
    "data_tier_aurora_backup_retention_days": 14,
    "data_tier_aurora_deletion_protection": True,
    "data_tier_redis_replicas": 2,
    "data_tier_redis_multi_az": True,
    "data_tier_redis_snapshot_retention_days": 7,
    "data_tier_backup_vault_lock": {"min_retention_days": 7, "max_retention_days": 400, "changeable_for_days": 3},
    "data_tier_backup_copy_region": "us-west-2",
}


def test_good_inputs_pass():
    assert data_tier_validation_errors(good()) == []
    assert data_tier_validation_errors(good(**PROD)) == []
    assert data_tier_validation_errors(good(data_tier_redis_cluster_mode=True, data_tier_redis_shards=3)) == []


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"data_tier_name": "Trading"}, "data_tier_name in environment 'dev'"),
        ({"data_tier_name": "a" * 35}, "1-34 lower-case"),
        ({"data_tier_admin_cidrs": ["10.0.0.1/16"]}, "is not a CIDR block"),
        ({"data_tier_aurora_engine_version": "12.1"}, "data_tier_aurora_engine_version"),
        ({"data_tier_aurora_engine_version": 16.4}, "must be an Aurora PostgreSQL version"),
        ({"data_tier_aurora_instance_class": "r6g.large"}, "is not an instance class"),
        ({"data_tier_aurora_reader_count": "1"}, "'1' must be an integer from 0 to 15"),
        ({"data_tier_aurora_backup_retention_days": 0}, "data_tier_aurora_backup_retention_days"),
        ({"data_tier_aurora_backup_window": "3-4"}, "must look like 03:00-04:00"),
        ({"data_tier_aurora_log_exports": ["upgrade"]}, "'upgrade' is not a log"),
        ({"data_tier_aurora_monitoring_interval": 45}, "data_tier_aurora_monitoring_interval"),
        ({"data_tier_aurora_master_username": "postgres"}, "not a reserved name"),
        ({"data_tier_aurora_cluster_parameters": ["x"]}, "must be a mapping"),
        ({"data_tier_redis_engine_version": "5.0"}, "must be a Redis OSS version"),
        ({"data_tier_redis_node_type": "db.r7g.large"}, "is not a node type"),
        ({"data_tier_redis_replicas": 6}, "data_tier_redis_replicas"),
        ({"data_tier_redis_shards": 2}, "2 shards need data_tier_redis_cluster_mode"),
        ({"data_tier_redis_multi_az": True}, "needs at least one replica"),
        ({"data_tier_redis_log_retention_days": 10}, "not a retention CloudWatch Logs accepts"),
        ({"data_tier_redis_maintenance_window": "06:00-07:00"}, "sun:06:00-sun:07:00"),
        ({"data_tier_wait_timeout": 5}, "data_tier_wait_timeout"),
        (
            {"data_tier_aurora_autoscaling_enabled": True, "data_tier_aurora_reader_count": 3},
            "is below data_tier_aurora_reader_count (3)",
        ),
        ({"data_tier_aurora_autoscaling_enabled": True, "data_tier_aurora_autoscaling_target_cpu": 95}, "target_cpu"),
    ],
)
def test_each_bad_input_is_named_with_its_environment(overrides, fragment):
    errors = data_tier_validation_errors(good(**overrides))
    assert any(fragment in e for e in errors), errors


def test_a_disabled_store_is_not_checked():
    assert data_tier_validation_errors(good(data_tier_redis_enabled=False, data_tier_redis_node_type="x")) == []
    assert data_tier_validation_errors(good(data_tier_aurora_enabled=False, data_tier_aurora_instance_class="x")) == []


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"data_tier_admin_cidrs": ["10.200.0.0/16"]}, "prod databases take no direct admin access"),
        ({"data_tier_apply_immediately": True}, "data_tier_apply_immediately in environment 'prod'"),
        ({"data_tier_aurora_deletion_protection": False}, "data_tier_aurora_deletion_protection"),
        ({"data_tier_aurora_reader_count": 0}, "at least one reader"),
        ({"data_tier_aurora_backup_retention_days": 3}, "3 days is too short for prod"),
        ({"data_tier_redis_multi_az": False}, "data_tier_redis_multi_az in environment 'prod'"),
        ({"data_tier_redis_snapshot_retention_days": 0}, "at least one daily snapshot"),
    ],
)
def test_prod_invariants(overrides, fragment):
    errors = data_tier_validation_errors(good(**{**PROD, **overrides}))
    assert any(fragment in e for e in errors), errors


# -- the Aurora minor the collection pins --------------------------------------------------------
def test_each_major_pins_its_newest_catalogued_minor():
    """The pin table (roles/data_tier/vars/main.yml) is the newest minor of each major the local AWS
    lists ("Aurora PostgreSQL releases", November 2026): a pin older than that is a stale pin."""
    catalogued = rules.catalogue("aurora_postgresql")["versions"]
    assert set(PINS) == {str(m) for m in (13, 14, 15, 16, 17)} == set(catalogued)
    for major, minor in PINS.items():
        assert isinstance(minor, str) and minor.split(".")[0] == major
        assert minor == max(catalogued[major], key=lambda v: tuple(map(int, v.split(".")))), major


def shipped_versions():
    found = [("roles/data_tier/defaults/main.yml", yaml.safe_load((ROLE / "defaults" / "main.yml").read_text()))]
    for path in sorted(REPO.glob("inventories/*/group_vars/all/data_tier.yml")):
        found.append((path.relative_to(REPO).as_posix(), yaml.safe_load(path.read_text()) or {}))
    return [
        (where, data["data_tier_aurora_engine_version"])
        for where, data in found
        if "data_tier_aurora_engine_version" in data
    ]


def test_every_shipped_environment_runs_the_pinned_minor():
    spec = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    assert spec["data_tier_aurora_engine_version"]["default"] == PINS["16"]
    versions = shipped_versions()
    assert ("roles/data_tier/defaults/main.yml", PINS["16"]) in versions
    assert any(where.startswith("inventories/prod/") for where, _ in versions)
    for where, version in versions:
        assert version == PINS[version.split(".")[0]], where


@pytest.mark.parametrize("version", ["16.4", "16.9", "15.8", "13.3"])
def test_prod_refuses_a_minor_older_than_the_pin(version):
    errors = data_tier_validation_errors(good(**{**PROD, "data_tier_aurora_engine_version": version}), PINS)
    pinned = PINS[version.split(".")[0]]
    assert (
        f"data_tier_aurora_engine_version in environment 'prod': {version} is older than {pinned}, the minor this "
        f"collection pins for Aurora PostgreSQL {version.split('.')[0]} (data_tier_aurora_pinned_minors); "
        f"prod runs {pinned} or later"
    ) in errors


@pytest.mark.parametrize("version", ["16.10", "16.11", "17.6", "15.14"])
def test_prod_accepts_the_pin_or_a_later_minor(version):
    assert data_tier_validation_errors(good(**{**PROD, "data_tier_aurora_engine_version": version}), PINS) == []


def test_outside_production_an_older_minor_is_allowed():
    # dev may reproduce an older minor on purpose; the account's DescribeDBEngineVersions still says if it exists.
    assert data_tier_validation_errors(good(data_tier_aurora_engine_version="16.4"), PINS) == []


# -- the CA of the server certificates -----------------------------------------------------------
def test_the_ca_choices_are_the_cas_rds_offers():
    spec = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    option = spec["data_tier_aurora_ca_certificate"]
    assert option["choices"] == rules.ca_certificates()
    assert option["default"] == rules.catalogue("rds_certificates")["default_for_new_launches"] == "rds-ca-rsa2048-g1"
    assert not set(option["choices"]) & set(rules.catalogue("rds_certificates")["retired"])
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert defaults["data_tier_aurora_ca_certificate"] == option["default"]


# -- the role's policies, rendered from its vars --------------------------------------------------
def _role_vars(**extra):
    from ansible.template import Templar, trust_as_template

    def trusted(o):
        if isinstance(o, str):
            return trust_as_template(o)
        if isinstance(o, list):
            return [trusted(x) for x in o]
        if isinstance(o, dict):
            return {k: trusted(x) for k, x in o.items()}
        return o

    v = {}
    for part in ("defaults", "vars"):
        v.update(yaml.safe_load((ROLE / part / "main.yml").read_text()))
    v = trusted(v)
    v.update(
        trading_env="prod",
        trading_aws_region="eu-west-1",
        trading_aws_caller={"account": "111122223333", "arn": "arn:aws:iam::111122223333:role/admin"},
        **extra,
    )
    templar = Templar(variables=v)
    return lambda name: templar.evaluate_expression(trust_as_template(name))


def test_enhanced_monitoring_is_assumed_by_rds_for_this_account_only():
    trust = _role_vars()("data_tier_monitoring_trust")
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}


def test_cloudwatch_logs_may_use_the_key_for_the_redis_log_groups_only():
    import fnmatch

    render = _role_vars()
    statements = {s["Sid"]: s for s in render("data_tier_kms_policy")["Statement"]}
    logs = statements["CloudWatchLogsEncryptsTheRedisLogGroups"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert "kms:GenerateDataKey*" in logs["Action"] and "kms:Decrypt*" in logs["Action"]
    # CloudWatch Logs' encryption context is the log group's ARN, without the ":*" of its stream ARNs.
    groups = [g["log_group"] for g in render("data_tier_redis_log_groups")]
    assert groups == ["/trading/prod/redis/slow-log", "/trading/prod/redis/engine-log"]
    arns = [f"arn:aws:logs:eu-west-1:111122223333:log-group:{g}" for g in groups]
    assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": arns}}
    # Nothing else: another log group of the account (or region) does not match the condition.
    other = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/eks/trading-prod/cluster"
    allowed = logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
    assert not any(fnmatch.fnmatchcase(other, arn) for arn in allowed)
    # The services' statement is unchanged: this account's RDS, ElastiCache and Secrets Manager only.
    services = statements["DataServicesUseTheKeyForThisAccount"]["Condition"]["StringEquals"]
    assert services["kms:CallerAccount"] == "111122223333"


def test_the_principal_running_the_play_is_its_role_with_or_without_a_path():
    session = "arn:aws:sts::123456789012:assumed-role/platform-admin/jane"
    assert data_tier_principal_patterns(session) == [
        "arn:aws:iam::123456789012:role/platform-admin",
        "arn:aws:iam::123456789012:role/*/platform-admin",
    ]
    assert data_tier_principal_patterns("arn:aws:iam::123456789012:user/ci") == ["arn:aws:iam::123456789012:user/ci"]
    assert data_tier_principal_patterns("") == []


def test_a_secret_policy_only_denies_other_accounts_and_other_readers():
    policy = data_tier_secret_policy(
        ["trading-prod-ledger-ledger"], ["arn:aws:iam::123456789012:role/break-glass"], "123456789012"
    )
    effects = {s["Effect"] for s in policy["Statement"]}
    assert effects == {"Deny"}  # no Allow: the account's administrators keep IAM's say (no lock-out)
    outside, readers = policy["Statement"]
    assert outside["Action"] == "secretsmanager:*"
    assert outside["Condition"] == {"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}}
    assert readers["Action"] == "secretsmanager:GetSecretValue"
    assert readers["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [
        "arn:aws:iam::123456789012:role/break-glass",
        "arn:aws:iam::123456789012:role/trading-prod-ledger-ledger",
        "arn:aws:iam::123456789012:role/aws-service-role/*",
    ]


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"data_tier_redis_auth_token_rotation_days": 0}, "must be from 1 to 90 in prod"),
        ({"data_tier_redis_auth_token_rotation_days": 120}, "must be from 1 to 90 in prod"),
    ],
)
def test_prod_rotates_the_auth_token_within_90_days(overrides, fragment):
    errors = data_tier_validation_errors(good(**PROD, **overrides))
    assert any(fragment in e for e in errors), errors


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"data_tier_backup_schedule": "daily"}, "must be an AWS cron expression"),
        ({"data_tier_backup_retention_days": 0}, "data_tier_backup_retention_days"),
        ({"data_tier_backup_copy_region": "us-east-1"}, "is the environment's own region"),
        ({"data_tier_backup_copy_region": "west"}, "is not a region name"),
        (
            {"data_tier_backup_copy_region": "us-west-2", "data_tier_backup_copy_kms_key_arn": "alias/backup"},
            "must be a KMS key ARN in us-west-2",
        ),
        (
            {"data_tier_backup_vault_lock": {"min_retention_days": 40, "max_retention_days": 400}},
            "outside the vault lock's 40 to 400 days",
        ),
        (
            {"data_tier_backup_vault_lock": {"min_retention_days": 9, "max_retention_days": 8}},
            "1 <= min <= max <= 36500",
        ),
        (
            {
                "data_tier_backup_vault_lock": {
                    "min_retention_days": 1,
                    "max_retention_days": 40,
                    "changeable_for_days": 1,
                }
            },
            "must be from 3 to 36500 days",
        ),
    ],
)
def test_backup_inputs_aws_backup_refuses_are_named(overrides, fragment):
    errors = data_tier_validation_errors(good(trading_aws_region="us-east-1", **overrides))
    assert any(fragment in e for e in errors), errors


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"data_tier_backup_enabled": False}, "data_tier_backup_enabled in environment 'prod': must be true in prod"),
        ({"data_tier_backup_vault_lock": {}}, "prod's backup vault needs a lock in compliance mode"),
    ],
)
def test_prod_backs_aurora_up_in_a_locked_vault(overrides, fragment):
    errors = data_tier_validation_errors(good(**{**PROD, **overrides}))
    assert any(fragment in e for e in errors), errors
