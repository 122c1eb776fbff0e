"""The data_tier role's validation filter (pure Python, no AWS)."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.filter.data_tier import data_tier_validation_errors


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
        "data_tier_aurora_engine_version": "16.4",
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
