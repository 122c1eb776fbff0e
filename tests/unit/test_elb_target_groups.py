"""elb_target_groups against the local AWS: a load balancer's target groups, in one invocation."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import elb_target_groups

from tests.helpers import run_module

TAGS = {"Project": "trading", "Environment": "test"}
SERVICES = ("orders", "matching", "market-data", "ledger")


@pytest.fixture
def vpc(aws):
    return aws.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


@pytest.fixture
def run(aws, vpc, capsys):
    def _run(groups, check_mode=False, **overrides):
        args = {"vpc_id": vpc, "target_groups": groups, "tags": TAGS}
        args.update(overrides)
        return run_module(elb_target_groups, args, check_mode=check_mode, capsys=capsys)

    return _run


def group(service, **overrides):
    """One of the alb role's target groups, as the role asks for it."""
    spec = {
        "name": f"trading-test-{service}",
        "protocol": "HTTP",
        "port": 8080,
        "target_type": "ip",
        "health_check_protocol": "HTTP",
        "health_check_path": "/healthz",
        "health_check_interval": 15,
        "health_check_timeout": 5,
        "healthy_threshold_count": 3,
        "unhealthy_threshold_count": 3,
        "matcher": "200-399",
        "deregistration_delay": 30,
    }
    spec.update(overrides)
    return spec


def services(**overrides):
    return [group(service, **overrides) for service in SERVICES]


def described(aws, name):
    elb = aws.client("elbv2")
    found = [g for g in elb.describe_target_groups()["TargetGroups"] if g["TargetGroupName"] == name]
    return found[0] if found else None


def attributes_of(aws, arn):
    attributes = aws.client("elbv2").describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]
    return {a["Key"]: a["Value"] for a in attributes}


def tags_of(aws, arn):
    tags = aws.client("elbv2").describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]
    return {t["Key"]: t["Value"] for t in tags}


def counts(aws):
    return {c["operation"]: c["count"] for c in aws.calls()["calls"]}


def test_the_groups_are_created_in_one_run_then_a_second_run_reads_in_batches_and_writes_nothing(aws, vpc, run):
    created = run(services())
    assert created["changed"] is True, created
    name = "trading-test-orders"
    tg = described(aws, name)
    assert (tg["Protocol"], tg["Port"], tg["VpcId"], tg["TargetType"]) == ("HTTP", 8080, vpc, "ip")
    assert (tg["HealthCheckPath"], tg["HealthCheckIntervalSeconds"], tg["HealthCheckTimeoutSeconds"]) == (
        "/healthz",
        15,
        5,
    )
    assert (tg["HealthyThresholdCount"], tg["UnhealthyThresholdCount"], tg["Matcher"]) == (
        3,
        3,
        {"HttpCode": "200-399"},
    )
    assert attributes_of(aws, tg["TargetGroupArn"])["deregistration_delay.timeout_seconds"] == "30"
    assert tags_of(aws, tg["TargetGroupArn"]) == dict(TAGS, Name=name)
    assert created["actions"][:2] == [
        f"create target group {name} (HTTP 8080, ip targets) in {vpc}",
        f"set attributes of target group {name}: deregistration_delay.timeout_seconds 30",
    ]
    assert len(created["actions"]) == 2 * len(SERVICES)
    # One resource per group, created with its attributes.
    assert [(r["kind"], r["name"], r["action"], len(r["changes"])) for r in created["resources"]] == [
        ("target group", f"trading-test-{s}", "create", 2) for s in SERVICES
    ]
    # The return value is keyed by name and carries what the role reads.
    result = created["target_groups"][name]
    assert result["target_group_arn"] == tg["TargetGroupArn"] and result["target_group_name"] == name
    assert (result["port"], result["protocol"], result["vpc_id"], result["target_type"]) == (8080, "HTTP", vpc, "ip")
    assert result["matcher"] == {"http_code": "200-399"} and result["tags"] == dict(TAGS, Name=name)
    assert result["attributes"]["deregistration_delay.timeout_seconds"] == "30"
    assert set(created["target_groups"]) == {f"trading-test-{s}" for s in SERVICES}

    aws.clear_calls()
    again = run(services())
    assert again["changed"] is False and again["actions"] == [] and aws.writes() == []
    assert again["resources"] == []
    # One DescribeTargetGroups for all, the attributes of each group, one DescribeTags for all.
    assert counts(aws) == {
        "DescribeTargetGroups": 1,
        "DescribeTargetGroupAttributes": len(SERVICES),
        "DescribeTags": 1,
    }
    assert again["target_groups"][name]["target_group_arn"] == tg["TargetGroupArn"]
    assert again["target_groups"][name]["attributes"] == attributes_of(aws, tg["TargetGroupArn"])


def test_a_new_group_beside_existing_ones_is_created_and_the_others_left_alone(aws, vpc, run):
    run(services()[:2])
    aws.clear_calls()
    grown = run(services()[:3])
    assert grown["actions"] == [
        f"create target group trading-test-market-data (HTTP 8080, ip targets) in {vpc}",
        "set attributes of target group trading-test-market-data: deregistration_delay.timeout_seconds 30",
    ]
    writes = {c["operation"]: c["count"] for c in aws.writes()}
    assert writes == {"CreateTargetGroup": 1, "ModifyTargetGroupAttributes": 1}
    # AWS fails a DescribeTargetGroups naming a group that does not exist: then each name is asked alone.
    assert counts(aws)["DescribeTargetGroups"] == 1 + 3


def test_health_check_and_attributes_change_in_place(aws, run):
    created = run(services())
    arn = created["target_groups"]["trading-test-orders"]["target_group_arn"]
    groups = services()
    groups[0].update(health_check_interval=30, health_check_path="/ready", matcher="200,302", deregistration_delay=120)
    aws.clear_calls()
    changed = run(groups)
    # The health check and the attributes are the one group's: a change of it, the others untouched.
    assert changed["resources"] == [
        {"kind": "target group", "name": "trading-test-orders", "action": "change", "changes": changed["actions"]}
    ]
    assert changed["actions"] == [
        "update health check of target group trading-test-orders: health_check_path /ready (was /healthz), "
        "health_check_interval 30 (was 15), matcher 200,302 (was 200-399)",
        "set attributes of target group trading-test-orders: deregistration_delay.timeout_seconds 120 (was 30)",
    ]
    assert {c["operation"]: c["count"] for c in aws.writes()} == {
        "ModifyTargetGroup": 1,
        "ModifyTargetGroupAttributes": 1,
    }
    tg = described(aws, "trading-test-orders")
    assert tg["TargetGroupArn"] == arn  # changed in place, never re-created
    assert (tg["HealthCheckIntervalSeconds"], tg["HealthCheckPath"], tg["Matcher"]) == (
        30,
        "/ready",
        {"HttpCode": "200,302"},
    )
    assert attributes_of(aws, arn)["deregistration_delay.timeout_seconds"] == "120"
    result = changed["target_groups"]["trading-test-orders"]
    assert (
        result["health_check_interval_seconds"] == 30
        and result["attributes"]["deregistration_delay.timeout_seconds"] == "120"
    )

    # The same codes in another order are the same matcher.
    groups[0]["matcher"] = "302,200"
    assert run(groups)["changed"] is False


def test_stickiness_slow_start_and_other_attributes(aws, run):
    groups = [
        group(
            "orders",
            slow_start=60,
            load_balancing_algorithm="least_outstanding_requests",
            stickiness={"enabled": True, "type": "lb_cookie", "duration": 3600},
            attributes={"load_balancing.cross_zone.enabled": True},
        )
    ]
    created = run(groups)
    arn = created["target_groups"]["trading-test-orders"]["target_group_arn"]
    attributes = attributes_of(aws, arn)
    assert attributes["slow_start.duration_seconds"] == "60"
    assert attributes["load_balancing.algorithm.type"] == "least_outstanding_requests"
    assert (attributes["stickiness.enabled"], attributes["stickiness.type"]) == ("true", "lb_cookie")
    assert attributes["stickiness.lb_cookie.duration_seconds"] == "3600"
    assert attributes["load_balancing.cross_zone.enabled"] == "true"
    assert run(groups)["changed"] is False

    groups[0]["stickiness"] = {"enabled": False}
    off = run(groups)
    assert off["actions"] == ["set attributes of target group trading-test-orders: stickiness.enabled false (was true)"]

    clash = [group("orders", deregistration_delay=30, attributes={"deregistration_delay.timeout_seconds": 60})]
    aws.clear_calls()
    refused = run(clash)
    assert refused.failed and "an option of the group sets too" in refused["msg"] and aws.calls()["total"] == 0


def test_tags_name_each_group_and_strays_are_purged_only_when_asked(aws, run):
    created = run(services()[:1])
    arn = created["target_groups"]["trading-test-orders"]["target_group_arn"]
    aws.client("elbv2").add_tags(ResourceArns=[arn], Tags=[{"Key": "Owner", "Value": "someone"}])
    assert run(services()[:1], purge_tags=False)["changed"] is False
    aws.clear_calls()
    changed = run(services()[:1], tags=dict(TAGS, Environment="other"))
    assert changed["actions"] == [
        "tag target group trading-test-orders: set Environment",
        "tag target group trading-test-orders: remove Owner",
    ]
    assert {c["operation"]: c["count"] for c in aws.writes()} == {"AddTags": 1, "RemoveTags": 1}
    assert tags_of(aws, arn) == dict(TAGS, Environment="other", Name="trading-test-orders")
    # A group's own tags go over the module's; omitted tags leave them alone.
    own = run([group("orders", tags={"Service": "orders"})], tags=dict(TAGS, Environment="other"))
    assert own["actions"] == ["tag target group trading-test-orders: set Service"]
    assert run(services()[:1], tags=None)["changed"] is False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"port": 9090}, "trading-test-orders has port 8080, not 9090"),
        ({"protocol": "https"}, "trading-test-orders has protocol HTTP, not HTTPS"),
        ({"target_type": "instance"}, "trading-test-orders has target type ip, not instance"),
        ({"protocol_version": "HTTP2"}, "trading-test-orders has protocol version HTTP1, not HTTP2"),
    ],
)
def test_an_immutable_change_is_refused_before_any_write(aws, run, change, message):
    created = run(services())
    arn = created["target_groups"]["trading-test-orders"]["target_group_arn"]
    groups = services()
    groups[0].update(change)
    groups[1]["health_check_interval"] = 30  # a change that would be made, were the other one possible
    aws.clear_calls()
    refused = run(groups)
    assert refused.failed and "AWS cannot change a target group's" in refused["msg"]
    assert message in refused["msg"], refused["msg"]
    assert aws.writes() == [] and refused["actions"] == []
    assert described(aws, "trading-test-orders")["TargetGroupArn"] == arn  # not re-created
    assert run(groups, check_mode=True).failed  # the plan says so too


def test_a_group_of_another_vpc_is_refused(aws, run):
    run(services()[:1])
    other = aws.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    aws.clear_calls()
    refused = run(services()[:1], vpc_id=other)
    assert refused.failed and "trading-test-orders is in VPC" in refused["msg"] and f"not {other}" in refused["msg"]
    assert aws.writes() == []


def test_check_mode_writes_nothing_and_plans_what_the_run_does(aws, vpc, run):
    aws.clear_calls()
    planned = run(services(), check_mode=True, _ansible_diff=True)
    assert planned["changed"] is True and aws.writes() == []
    assert described(aws, "trading-test-orders") is None
    result = planned["target_groups"]["trading-test-orders"]
    assert result["target_group_arn"] is None and result["port"] == 8080 and result["vpc_id"] == vpc
    assert planned["diff"]["before"] == {}
    assert planned["diff"]["after"]["trading-test-orders"]["health_check"]["health_check_path"] == "/healthz"
    applied = run(services())
    assert applied["actions"] == planned["actions"]
    assert applied["resources"] == planned["resources"] and len(planned["resources"]) == len(SERVICES)

    # On groups that exist: drift planned, nothing written, the same actions as the run.
    groups = services(health_check_timeout=10, deregistration_delay=0)
    groups[2]["tags"] = {"Tier": "public"}
    aws.clear_calls()
    planned = run(groups, check_mode=True)
    assert planned["changed"] is True and aws.writes() == []
    assert planned["target_groups"]["trading-test-orders"]["health_check_timeout_seconds"] == 10
    applied = run(groups)
    assert applied["actions"] == planned["actions"] and applied["resources"] == planned["resources"]
    assert {r["action"] for r in applied["resources"]} == {"change"} and len(applied["resources"]) == len(SERVICES)
    assert run(groups, check_mode=True)["resources"] == []


def test_diff_shows_each_group_that_changes(aws, run):
    run(services())
    groups = services()
    groups[1]["deregistration_delay"] = 90
    result = run(groups, _ansible_diff=True)
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert set(before) == set(after) == {"trading-test-matching"}
    assert before["trading-test-matching"]["attributes"]["deregistration_delay.timeout_seconds"] == "30"
    assert after["trading-test-matching"]["attributes"]["deregistration_delay.timeout_seconds"] == "90"
    assert before["trading-test-matching"]["health_check"] == after["trading-test-matching"]["health_check"]
    assert after["trading-test-matching"]["port"] == 8080 and after["trading-test-matching"]["target_type"] == "ip"


def test_absent_deletes_the_listed_groups_that_exist(aws, run):
    run(services())
    run([group("other")])
    names = [{"name": f"trading-test-{s}"} for s in ("orders", "matching", "nowhere")]
    aws.clear_calls()
    planned = run(names, check_mode=True, state="absent")
    assert aws.writes() == [] and described(aws, "trading-test-orders") is not None
    gone = run(names, state="absent")
    assert (
        gone["actions"]
        == planned["actions"]
        == [
            "delete target group trading-test-orders",
            "delete target group trading-test-matching",
        ]
    )
    assert (
        gone["resources"]
        == planned["resources"]
        == [
            {
                "kind": "target group",
                "name": f"trading-test-{s}",
                "action": "delete",
                "changes": [f"delete target group trading-test-{s}"],
            }
            for s in ("orders", "matching")
        ]
    )
    assert described(aws, "trading-test-orders") is None and described(aws, "trading-test-matching") is None
    assert described(aws, "trading-test-ledger") is not None and described(aws, "trading-test-other") is not None
    assert gone["target_groups"]["trading-test-orders"]["target_group_arn"] is None
    again = run(names, state="absent")
    assert again["changed"] is False and again["actions"] == [] and again["resources"] == []

    # With tags, only the groups carrying them go.
    kept = run([{"name": "trading-test-ledger"}], tags={"Environment": "other"}, state="absent")
    assert kept["changed"] is False and described(aws, "trading-test-ledger") is not None


def test_absent_reports_a_group_a_listener_rule_still_uses(aws, vpc, run):
    created = run(services()[:2])
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    lb = elb.create_load_balancer(Name="trading-test", Subnets=subnets)["LoadBalancers"][0]
    listener = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]
    elb.create_rule(
        ListenerArn=listener["ListenerArn"],
        Priority=10,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/orders"]}}],
        Actions=[
            {"Type": "forward", "TargetGroupArn": created["target_groups"]["trading-test-orders"]["target_group_arn"]}
        ],
    )
    refused = run([{"name": "trading-test-orders"}, {"name": "trading-test-matching"}], state="absent")
    assert refused.failed and "still in use by a listener or a rule: trading-test-orders" in refused["msg"]
    assert lb["LoadBalancerArn"] in refused["msg"]
    # The other group went; the one in use is kept.
    assert refused["actions"] == ["delete target group trading-test-matching"]
    assert [(r["name"], r["action"]) for r in refused["resources"]] == [("trading-test-matching", "delete")]
    assert described(aws, "trading-test-orders") is not None and described(aws, "trading-test-matching") is None


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ([group("x" * 30)], "1 to 32 letters, digits and hyphens"),
        ([group("orders", name="trading_test_orders")], "1 to 32 letters, digits and hyphens"),
        ([group("orders", name="-trading-test")], "not starting or ending with a hyphen"),
        ([group("orders", name="trading-test-")], "not starting or ending with a hyphen"),
        ([group("orders"), group("orders")], "lists trading-test-orders more than once"),
        ([group("orders", port=None)], "port required (target type ip)"),
        ([group("orders", protocol="HTTP3")], "protocol 'HTTP3' is not one of"),
        ([group("orders", port=70000)], "port 70000 is not within 1-65535"),
    ],
)
def test_what_aws_would_refuse_is_refused_before_any_call(aws, run, groups, message):
    aws.clear_calls()  # the VPC's creation
    result = run(groups)
    assert result.failed and message in result["msg"], result["msg"]
    assert aws.calls()["total"] == 0


def test_a_setting_aws_refuses_fails_and_the_group_is_kept(aws, run):
    created = run(services()[:1])
    arn = created["target_groups"]["trading-test-orders"]["target_group_arn"]
    failed = run([group("orders", health_check_timeout=20)])  # not under the 15-second interval
    assert failed.failed and "no group was deleted" in failed["msg"]
    assert described(aws, "trading-test-orders")["TargetGroupArn"] == arn


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=5, services=["elasticloadbalancing"])
    try:
        result = run(services())
        again = run(services())
        injected = aws.faults()["injected"]
    finally:
        aws.set_faults()
    assert injected > 0
    assert result["changed"] is True and not result.failed, result
    assert again["changed"] is False and not again.failed, again
    assert len({g["TargetGroupName"] for g in aws.client("elbv2").describe_target_groups()["TargetGroups"]}) == 4
