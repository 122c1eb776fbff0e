"""elasticache_groups against the local AWS: a replication group's subnet and parameter groups, in one invocation."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import elasticache_groups

from tests.helpers import run_module

NAME = "trading-test-redis"
TAGS = {"Project": "trading", "Environment": "test", "Component": "data_tier"}


@pytest.fixture
def subnets(aws):
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ids = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate("abc")
    ]
    aws.clear_calls()
    return ids


def spec(subnets, parameters=None, **overrides):
    """The data_tier role's two groups, as it asks for them."""
    args = {
        "subnet_group": {"name": NAME, "description": "trading-test Redis: data subnets", "subnets": subnets[:2]},
        "parameter_group": {
            "name": NAME,
            "family": "redis7",
            "description": "trading-test Redis parameters",
            "parameters": {"maxmemory-policy": "noeviction"} if parameters is None else parameters,
        },
        "tags": TAGS,
    }
    args.update(overrides)
    return args


@pytest.fixture
def run(aws, capsys):
    def _run(args, check_mode=False, **overrides):
        return run_module(elasticache_groups, dict(args, **overrides), check_mode=check_mode, capsys=capsys)

    return _run


def counts(aws):
    return {c["operation"]: c["count"] for c in aws.calls()["calls"]}


def writes(aws):
    return {c["operation"]: c["count"] for c in aws.writes()}


def user_parameters(aws):
    rows = aws.client("elasticache").describe_cache_parameters(CacheParameterGroupName=NAME, Source="user")
    return {r["ParameterName"]: r["ParameterValue"] for r in rows["Parameters"]}


def subnet_group(aws):
    return aws.client("elasticache").describe_cache_subnet_groups(CacheSubnetGroupName=NAME)["CacheSubnetGroups"][0]


def tags_of(aws, arn):
    tags = aws.client("elasticache").list_tags_for_resource(ResourceName=arn)["TagList"]
    return {t["Key"]: t["Value"] for t in tags}


def test_the_groups_are_created_in_one_run_then_a_second_run_reads_each_once_and_writes_nothing(aws, subnets, run):
    created = run(spec(subnets))
    assert created["changed"] is True and not created.failed, created
    assert created["actions"] == [
        f"create cache subnet group {NAME} on {', '.join(sorted(subnets[:2]))}",
        f"create cache parameter group {NAME} (redis7)",
        f"set parameters of cache parameter group {NAME}: maxmemory-policy=noeviction",
    ]
    assert writes(aws) == {"CreateCacheSubnetGroup": 1, "CreateCacheParameterGroup": 1, "ModifyCacheParameterGroup": 1}
    assert user_parameters(aws) == {"maxmemory-policy": "noeviction"}
    group = subnet_group(aws)
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == sorted(subnets[:2])
    assert group["CacheSubnetGroupDescription"] == "trading-test Redis: data subnets"
    # The cache subnet group is tagged (CreateCacheSubnetGroup takes tags).
    assert tags_of(aws, group["ARN"]) == TAGS
    assert created["subnet_group"]["arn"] == group["ARN"] and created["subnet_group"]["tags"] == TAGS
    assert created["subnet_group"]["vpc_id"] == group["VpcId"]
    assert created["parameter_group"]["parameters"] == {"maxmemory-policy": "noeviction"}
    assert created["parameter_group"]["family"] == "redis7" and created["parameter_group"]["arn"]
    # Two groups, each once; the parameters set on the new group are part of its creation.
    assert created["resources"] == [
        {"kind": "cache subnet group", "name": NAME, "action": "create", "changes": created["actions"][:1]},
        {"kind": "cache parameter group", "name": NAME, "action": "create", "changes": created["actions"][1:]},
    ]

    aws.clear_calls()
    again = run(spec(subnets))
    assert again["changed"] is False and again["actions"] == [] and aws.writes() == []
    assert again["resources"] == []
    # One describe per group, the subnet group's tags, the parameter group's user-set parameters.
    assert counts(aws) == {
        "DescribeCacheSubnetGroups": 1,
        "ListTagsForResource": 1,
        "DescribeCacheParameterGroups": 1,
        "DescribeCacheParameters": 1,
    }


def test_a_part_omitted_is_not_managed(aws, subnets, run):
    only = run({"parameter_group": spec(subnets)["parameter_group"]})
    assert only["subnet_group"] is None and not only.failed
    assert "DescribeCacheSubnetGroups" not in counts(aws)


def test_parameters_follow_the_inventory_and_dropped_ones_are_reset(aws, subnets, run):
    run(spec(subnets, parameters={"maxmemory-policy": "noeviction", "timeout": 300}))
    assert user_parameters(aws) == {"maxmemory-policy": "noeviction", "timeout": "300"}
    aws.clear_calls()
    result = run(spec(subnets, parameters={"maxmemory-policy": "allkeys-lru", "tcp-keepalive": 60}))
    assert result["actions"] == [
        f"set parameters of cache parameter group {NAME}: maxmemory-policy=allkeys-lru (was noeviction), "
        "tcp-keepalive=60 (was 300)",
        f"reset parameters of cache parameter group {NAME} to the engine default: timeout",
    ]
    assert writes(aws) == {"ModifyCacheParameterGroup": 1, "ResetCacheParameterGroup": 1}
    assert result["resources"] == [
        {"kind": "cache parameter group", "name": NAME, "action": "change", "changes": result["actions"]}
    ]
    assert user_parameters(aws) == {"maxmemory-policy": "allkeys-lru", "tcp-keepalive": "60"}
    assert result["parameter_group"]["parameters"] == {"maxmemory-policy": "allkeys-lru", "tcp-keepalive": "60"}
    assert result["parameter_group"]["pending_reboot"] == []
    assert run(spec(subnets, parameters={"maxmemory-policy": "allkeys-lru", "tcp-keepalive": 60}))["changed"] is False


def test_a_refused_parameter_fails_before_any_write(aws, subnets, run):
    run(spec(subnets))
    aws.clear_calls()
    args = spec(
        subnets, parameters={"maxmemory-policy": "allkeys-lru", "no-such-parameter": "1", "cluster-enabled": "yes"}
    )
    args["subnet_group"]["description"] = "another"  # a change that would be made
    refused = run(args)
    assert refused.failed and refused["actions"] == [] and aws.writes() == []
    assert f"cache parameter group {NAME}: its family has no parameter no-such-parameter" in refused["msg"]
    assert f"cache parameter group {NAME}: cluster-enabled cannot be modified" in refused["msg"]
    assert user_parameters(aws) == {"maxmemory-policy": "noeviction"}


def test_a_new_group_with_a_refused_parameter_fails_and_is_kept(aws, subnets, run):
    refused = run({"parameter_group": spec(subnets, parameters={"no-such-parameter": "1"})["parameter_group"]})
    assert refused.failed and "its family has no parameter no-such-parameter" in refused["msg"]
    assert refused["actions"] == [f"create cache parameter group {NAME} (redis7)"]
    assert refused["resources"] == [
        {"kind": "cache parameter group", "name": NAME, "action": "create", "changes": refused["actions"]}
    ]
    assert user_parameters(aws) == {}  # kept, never deleted


def test_the_family_cannot_change_and_is_refused_before_any_write(aws, subnets, run):
    run(spec(subnets))
    args = spec(subnets, parameters={"maxmemory-policy": "allkeys-lru"})
    args["parameter_group"]["family"] = "redis6.x"
    aws.clear_calls()
    refused = run(args)
    assert refused.failed and refused["actions"] == [] and aws.writes() == []
    assert (
        f"cache parameter group {NAME} is of family redis7, not redis6.x: AWS cannot change a parameter group's family"
        in refused["msg"]
    )
    assert run(args, check_mode=True).failed
    # Omitted, the family of the existing group is accepted.
    del args["parameter_group"]["family"]
    assert not run(args).failed


def test_what_is_missing_is_refused_before_any_write(aws, subnets, run):
    args = spec(subnets)
    args["subnet_group"]["subnets"] = []
    del args["parameter_group"]["family"]
    refused = run(args)
    assert refused.failed and aws.writes() == []
    assert f"cache subnet group {NAME}: subnets required" in refused["msg"]
    assert f"cache parameter group {NAME}: family required to create it" in refused["msg"]


def test_the_subnets_and_description_change_in_place(aws, subnets, run):
    created = run(spec(subnets))
    args = spec(subnets)
    args["subnet_group"].update(subnets=subnets[1:], description="trading-test Redis: the data subnets")
    aws.clear_calls()
    changed = run(args)
    assert changed["actions"] == [
        f"update cache subnet group {NAME}: subnets add {subnets[2]}; remove {subnets[0]}, "
        "description 'trading-test Redis: the data subnets' (was 'trading-test Redis: data subnets')"
    ]
    assert writes(aws) == {"ModifyCacheSubnetGroup": 1}
    assert changed["resources"] == [
        {"kind": "cache subnet group", "name": NAME, "action": "change", "changes": changed["actions"]}
    ]
    group = subnet_group(aws)
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == sorted(subnets[1:])
    assert group["ARN"] == created["subnet_group"]["arn"] and tags_of(aws, group["ARN"]) == TAGS
    assert changed["subnet_group"]["subnet_ids"] == sorted(subnets[1:])
    assert run(args)["changed"] is False


def test_tags_of_the_subnet_group_and_strays_purged_only_when_asked(aws, subnets, run):
    created = run(spec(subnets))
    arn = created["subnet_group"]["arn"]
    aws.client("elasticache").add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "Owner", "Value": "someone"}])
    assert run(spec(subnets), purge_tags=False)["changed"] is False
    aws.clear_calls()
    changed = run(spec(subnets, tags=dict(TAGS, Environment="other")))
    assert changed["actions"] == [
        f"tag cache subnet group {NAME}: set Environment",
        f"tag cache subnet group {NAME}: remove Owner",
    ]
    assert writes(aws) == {"AddTagsToResource": 1, "RemoveTagsFromResource": 1}
    assert changed["resources"] == [
        {"kind": "cache subnet group", "name": NAME, "action": "change", "changes": changed["actions"]}
    ]
    assert tags_of(aws, arn) == dict(TAGS, Environment="other")
    args = spec(subnets, tags=dict(TAGS, Environment="other"))
    args["subnet_group"]["tags"] = {"Tier": "data"}
    assert run(args)["actions"] == [f"tag cache subnet group {NAME}: set Tier"]
    assert run(spec(subnets, tags=None))["changed"] is False


def test_check_mode_writes_nothing_and_plans_what_the_run_does(aws, subnets, run):
    aws.clear_calls()
    planned = run(spec(subnets), check_mode=True, _ansible_diff=True)
    assert planned["changed"] is True and aws.writes() == []
    assert aws.client("elasticache").describe_cache_subnet_groups()["CacheSubnetGroups"] == []
    assert planned["subnet_group"]["arn"] is None and planned["parameter_group"]["arn"] is None
    assert planned["diff"]["before"] == {} and set(planned["diff"]["after"]) == {"subnet_group", "parameter_group"}
    applied = run(spec(subnets))
    assert applied["actions"] == planned["actions"] and applied["resources"] == planned["resources"]
    assert [r["action"] for r in planned["resources"]] == ["create", "create"]

    args = spec(subnets, parameters={"maxmemory-policy": "allkeys-lru"}, tags=dict(TAGS, Owner="platform"))
    aws.clear_calls()
    planned = run(args, check_mode=True)
    assert planned["changed"] is True and aws.writes() == []
    assert user_parameters(aws) == {"maxmemory-policy": "noeviction"}
    applied = run(args)
    assert applied["actions"] == planned["actions"] and applied["resources"] == planned["resources"]
    assert [(r["kind"], r["action"]) for r in planned["resources"]] == [
        ("cache subnet group", "change"),
        ("cache parameter group", "change"),
    ]
    assert run(args, check_mode=True)["changed"] is False


def test_diff_shows_each_group_that_changes(aws, subnets, run):
    run(spec(subnets))
    result = run(spec(subnets, parameters={"maxmemory-policy": "allkeys-lru"}), _ansible_diff=True)
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert set(before) == set(after) == {"parameter_group"}
    assert before["parameter_group"]["parameters"] == {"maxmemory-policy": "noeviction"}
    assert after["parameter_group"]["parameters"] == {"maxmemory-policy": "allkeys-lru"}
    assert before["parameter_group"]["family"] == after["parameter_group"]["family"] == "redis7"


def test_absent_deletes_the_listed_groups_that_exist(aws, subnets, run):
    run(spec(subnets))
    names = {"subnet_group": {"name": NAME}, "parameter_group": {"name": NAME}}
    aws.clear_calls()
    planned = run(names, check_mode=True, state="absent")
    assert aws.writes() == [] and subnet_group(aws)
    gone = run(names, state="absent")
    assert (
        gone["actions"]
        == planned["actions"]
        == [f"delete cache subnet group {NAME}", f"delete cache parameter group {NAME}"]
    )
    client = aws.client("elasticache")
    assert client.describe_cache_subnet_groups()["CacheSubnetGroups"] == []
    assert [
        g
        for g in client.describe_cache_parameter_groups()["CacheParameterGroups"]
        if g["CacheParameterGroupName"] == NAME
    ] == []
    assert gone["subnet_group"]["arn"] is None and gone["parameter_group"]["arn"] is None
    assert (
        gone["resources"]
        == planned["resources"]
        == [
            {"kind": "cache subnet group", "name": NAME, "action": "delete", "changes": gone["actions"][:1]},
            {"kind": "cache parameter group", "name": NAME, "action": "delete", "changes": gone["actions"][1:]},
        ]
    )
    again = run(names, state="absent")
    assert again["changed"] is False and again["actions"] == [] and again["resources"] == []


def test_absent_reports_a_group_a_replication_group_still_uses_and_deletes_the_other(aws, subnets, run):
    run(spec(subnets))
    aws.client("elasticache").create_replication_group(
        ReplicationGroupId="trading-test",
        ReplicationGroupDescription="test",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheClusters=1,
        CacheParameterGroupName=NAME,
    )
    refused = run({"subnet_group": {"name": NAME}, "parameter_group": {"name": NAME}}, state="absent")
    assert refused.failed and f"still in use: cache parameter group {NAME}" in refused["msg"], refused["msg"]
    assert refused["actions"] == [f"delete cache subnet group {NAME}"]
    # The group AWS kept is not reported deleted.
    assert refused["resources"] == [
        {"kind": "cache subnet group", "name": NAME, "action": "delete", "changes": refused["actions"]}
    ]
    assert aws.client("elasticache").describe_cache_subnet_groups()["CacheSubnetGroups"] == []


def test_throttling_is_retried(aws, subnets, run):
    aws.set_faults(throttle_rate=0.3, seed=11, services=["elasticache"])
    try:
        created = run(spec(subnets))
        again = run(spec(subnets))
        injected = aws.faults()["injected"]
    finally:
        aws.set_faults()
    assert injected > 0
    assert created["changed"] is True and not created.failed, created
    assert again["changed"] is False and not again.failed, again
    assert user_parameters(aws) == {"maxmemory-policy": "noeviction"}
