"""elasticache_parameter_group against the local AWS."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import elasticache_parameter_group

from tests.helpers import run_module


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **args):
        base = {"name": "trading-test", "family": "redis7", "parameters": {"maxmemory-policy": "noeviction"}}
        base.update(args)
        return run_module(elasticache_parameter_group, base, check_mode=check_mode, capsys=capsys)

    return _run


def user_parameters(aws):
    rows = aws.client("elasticache").describe_cache_parameters(CacheParameterGroupName="trading-test", Source="user")
    return {r["ParameterName"]: r["ParameterValue"] for r in rows["Parameters"]}


def test_creates_the_group_with_its_parameters_then_changes_nothing(aws, run):
    result = run()
    assert result["actions"] == ["create parameter group trading-test (redis7)", "set maxmemory-policy=noeviction"]
    assert user_parameters(aws) == {"maxmemory-policy": "noeviction"}
    aws.clear_calls()
    assert run()["changed"] is False and aws.writes() == []


def test_parameters_follow_the_inventory_and_dropped_ones_are_reset(aws, run):
    run(parameters={"maxmemory-policy": "noeviction", "timeout": 300})
    assert user_parameters(aws) == {"maxmemory-policy": "noeviction", "timeout": "300"}
    result = run(parameters={"maxmemory-policy": "allkeys-lru"})
    assert result["actions"] == ["set maxmemory-policy=allkeys-lru", "reset timeout to the engine default"]
    assert user_parameters(aws) == {"maxmemory-policy": "allkeys-lru"}


def test_family_cannot_change_and_check_mode_writes_nothing(aws, run):
    preview = run(check_mode=True)
    assert preview["changed"] is True and aws.writes() == []
    run()
    refused = run(family="redis6.x")
    assert refused.failed and "cannot change it to redis6.x" in refused["msg"]


def test_absent_deletes_the_group(aws, run):
    run()
    assert run(state="absent")["changed"] is True
    assert run(state="absent")["changed"] is False
