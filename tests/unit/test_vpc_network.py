"""vpc_network against the local AWS: create, no-op, check mode, transitions, resume, teardown, and the
VPC's defaults closed (default security group, network ACLs, S3 endpoint policy)."""

import json

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.filter.network import (
    admin_ports_open_to_anywhere,
    network_acl_rules,
    subnet_layout,
)
from ansible_collections.ninetynine.trading_infra.plugins.modules import vpc_network

from tests.helpers import run_module
from tools.local_aws import server as local_aws_server

AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
TAGS = {"Project": "trading", "Environment": "test", "Component": "network", "ManagedBy": "ansible"}
ACCOUNT = "123456789012"  # the local AWS's
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ThisAccountsBuckets",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceAccount": ACCOUNT}},
        },
        {
            "Sid": "EcrLayers",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"],
        },
    ],
}
SECURED = {"s3_endpoint_policy": POLICY, "network_acl_rules": network_acl_rules("10.0.0.0/16")}


def params(**overrides):
    p = {
        "name": "trading-test",
        "cidr_block": "10.0.0.0/16",
        "subnets": subnet_layout("10.0.0.0/16", AZS),
        "nat_mode": "per_az",
        "tags": TAGS,
        "wait_timeout": 30,
    }
    p.update(overrides)
    return p


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **overrides):
        return run_module(vpc_network, params(**overrides), check_mode=check_mode, capsys=capsys)

    return _run


def listed(result):
    """(kind, name, action) of each resource the result says it changes."""
    return [(r["kind"], r["name"], r["action"]) for r in result["resources"]]


def counted(result):
    """{(kind, action): how many} of the resources the result says it changes."""
    out = {}
    for kind, _name, action in listed(result):
        out[kind, action] = out.get((kind, action), 0) + 1
    return out


# What a new network of params() is made of: each AWS resource once (the default group's rules are the VPC's).
CREATED = {
    ("VPC", "create"): 1,
    ("internet gateway", "create"): 1,
    ("subnet", "create"): 9,
    ("Elastic IP", "create"): 3,
    ("NAT gateway", "create"): 3,
    ("route table", "create"): 5,
    ("VPC endpoint", "create"): 1,
}


def nat_gateways(ec2, states=("pending", "available")):
    return [n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] in states]


def test_check_mode_on_empty_account_reports_everything_and_writes_nothing(aws, run):
    result = run(check_mode=True)
    assert result["changed"] is True
    assert aws.writes() == []
    assert result["vpc"]["id"] is None
    assert "create VPC trading-test 10.0.0.0/16" in result["actions"]
    assert sum(a.startswith("create NAT gateway") for a in result["actions"]) == 3
    assert set(result["diff"]["after"]["subnets"]) == {
        f"trading-test-{t}-{az}" for t in ("public", "private", "data") for az in AZS
    }


def test_creates_the_whole_network(aws, run):
    planned = run(check_mode=True)
    result = run()
    assert result["changed"] is True
    # One entry per AWS resource, each created; check mode told the same (its changes name no ids yet).
    assert counted(result) == CREATED and listed(planned) == listed(result)
    assert sum(len(r["changes"]) for r in result["resources"]) == len(result["actions"])
    vpc_entry = result["resources"][0]
    assert vpc_entry["name"] == "trading-test" and vpc_entry["changes"][0] == "create VPC trading-test 10.0.0.0/16"
    assert any(c.startswith("revoke the default security group") for c in vpc_entry["changes"])
    private_a = next(r for r in result["resources"] if r["name"] == "trading-test-private-us-east-1a")
    assert [r["kind"] for r in result["resources"] if r["name"] == "trading-test-private-us-east-1a"] == [
        "subnet",
        "route table",
    ]
    routes = [c for r in result["resources"] if r["kind"] == "route table" for c in r["changes"]]
    assert sum(c.startswith("route 0.0.0.0/0") for c in routes) == 4 and private_a["action"] == "create"
    ec2 = aws.client("ec2")
    vpc = ec2.describe_vpcs(VpcIds=[result["vpc"]["id"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert {t["Key"]: t["Value"] for t in vpc["Tags"]} == dict(TAGS, Name="trading-test")
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert len(subnets) == 9
    by_id = {s["SubnetId"]: s for s in subnets}
    for s in result["subnets"]:
        assert by_id[s["id"]]["CidrBlock"] == s["cidr"] and by_id[s["id"]]["AvailabilityZone"] == s["az"]
    nats = nat_gateways(ec2)
    assert sorted(n["SubnetId"] for n in nats) == sorted(result["subnet_ids"]["public"])
    rts = {
        rt["RouteTableId"]: rt
        for rt in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["RouteTables"]
    }
    public_rt = rts[result["route_table_ids"]["public"]]
    assert any(r.get("GatewayId") == result["internet_gateway_id"] for r in public_rt["Routes"])
    nat_by_az = {n["az"]: n["id"] for n in result["nat_gateways"]}
    for az, rt_id in result["route_table_ids"]["private"].items():
        default = [r for r in rts[rt_id]["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        assert default[0]["NatGatewayId"] == nat_by_az[az]
    data_rt = rts[result["route_table_ids"]["data"]]
    assert not [r for r in data_rt["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    endpoint = ec2.describe_vpc_endpoints(VpcEndpointIds=[result["s3_endpoint_id"]])["VpcEndpoints"][0]
    assert endpoint["ServiceName"] == "com.amazonaws.us-east-1.s3"
    assert sorted(endpoint["RouteTableIds"]) == sorted(
        [*list(result["route_table_ids"]["private"].values()), result["route_table_ids"]["data"]]
    )
    dns = ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableDnsHostnames")
    assert dns["EnableDnsHostnames"]["Value"] is True


def test_second_run_changes_nothing_and_only_reads(aws, run):
    first = run(**SECURED)
    aws.clear_calls()
    second = run(**SECURED)
    assert second["changed"] is False and second["actions"] == [] and second["resources"] == []
    assert aws.writes() == []
    # VPC and addresses, then the VPC's parts, its ACLs and its default group: one describe each.
    assert aws.calls()["reads"] <= 10
    assert second["vpc"] == first["vpc"] and second["subnet_ids"] == first["subnet_ids"]
    assert second["network_acl_ids"] == first["network_acl_ids"]


def test_the_reads_of_the_vpcs_parts_are_made_at_once(aws, run):
    """The default group's and the ACLs' describes overlap the other per-VPC reads: no round trip of their own."""
    run(**SECURED)
    # Every read a round trip of 0.3 s, as on AWS: reads made in turn are then 0.3 s apart, whatever
    # the machine's load does to the local AWS's own milliseconds.
    aws.set_faults(delay=0.3, services=["ec2"])
    aws.clear_calls()
    run(**SECURED)
    calls = local_aws_server.admin(aws.port, "timeline")["calls"]
    per_vpc = [c for c in calls if c["operation"] not in ("DescribeVpcs", "DescribeAddresses")]
    assert {"DescribeSecurityGroups", "DescribeNetworkAcls", "DescribeSubnets"} <= {c["operation"] for c in per_vpc}
    for op in ("DescribeSecurityGroups", "DescribeNetworkAcls"):
        mine = next(c for c in per_vpc if c["operation"] == op)
        others = [c for c in per_vpc if c["operation"] != op]
        # Started before another per-VPC read ended: not one after the other.
        assert mine["start"] < max(c["end"] for c in others), op


def test_check_mode_after_converge_reports_no_change(aws, run):
    run()
    aws.clear_calls()
    assert run(check_mode=True)["changed"] is False
    assert aws.writes() == []


def test_per_az_to_single_moves_routes_then_retires_nat_gateways(aws, run):
    first = run()
    result = run(nat_mode="single")
    # Two private route tables re-routed; two NAT gateways and their addresses deleted.
    assert sorted(listed(result)) == sorted(
        [("route table", f"trading-test-private-{az}", "change") for az in AZS[1:]]
        + [("NAT gateway", f"trading-test-nat-{az}", "delete") for az in AZS[1:]]
        + [("Elastic IP", f"trading-test-nat-{az}", "delete") for az in AZS[1:]]
    )
    ec2 = aws.client("ec2")
    live = nat_gateways(ec2)
    assert len(live) == 1 and live[0]["SubnetId"] == first["subnet_ids"]["public"][0]
    # Retired NAT gateways' addresses are released; only the kept one's remains.
    assert len(ec2.describe_addresses()["Addresses"]) == 1
    for rt_id in result["route_table_ids"]["private"].values():
        routes = ec2.describe_route_tables(RouteTableIds=[rt_id])["RouteTables"][0]["Routes"]
        assert [r["NatGatewayId"] for r in routes if r.get("DestinationCidrBlock") == "0.0.0.0/0"] == [
            live[0]["NatGatewayId"]
        ]
    assert run(nat_mode="single")["changed"] is False


def test_tag_drift_is_repaired(aws, run):
    result = run()
    ec2 = aws.client("ec2")
    subnet_id = result["subnet_ids"]["private"][0]
    ec2.delete_tags(Resources=[subnet_id], Tags=[{"Key": "Environment"}])
    ec2.create_tags(Resources=[subnet_id], Tags=[{"Key": "Stray", "Value": "x"}])
    again = run()
    assert again["changed"] is True
    assert again["resources"] == [
        {
            "kind": "subnet",
            "name": "trading-test-private-us-east-1a",
            "action": "change",
            "changes": again["actions"],
        }
    ]
    tags = {t["Key"]: t["Value"] for t in ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["Tags"]}
    assert tags["Environment"] == "test" and "Stray" not in tags


def test_interrupted_run_resumes_without_duplicates(aws, run):
    """A run that died after allocating an EIP and creating an IGW reuses both."""
    ec2 = aws.client("ec2")
    eip = ec2.allocate_address(
        Domain="vpc",
        TagSpecifications=[
            {"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "trading-test-nat-us-east-1a"}]}
        ],
    )
    igw = ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "trading-test-igw"}]}]
    )
    result = run(nat_mode="single")
    # The gateway left detached is attached (a change of it); the address left is used, not allocated.
    assert ("internet gateway", "trading-test-igw", "change") in listed(result)
    assert ("VPC", "trading-test", "create") in listed(result)
    assert not [r for r in result["resources"] if r["kind"] == "Elastic IP"]
    assert result["internet_gateway_id"] == igw["InternetGateway"]["InternetGatewayId"]
    assert result["nat_gateways"][0]["allocation_id"] == eip["AllocationId"]
    assert len(ec2.describe_addresses()["Addresses"]) == 1
    assert (
        len(
            ec2.describe_internet_gateways(Filters=[{"Name": "tag:Name", "Values": ["trading-test-igw"]}])[
                "InternetGateways"
            ]
        )
        == 1
    )
    assert len(nat_gateways(ec2)) == 1


def test_changing_the_vpc_cidr_is_refused(aws, run):
    run()
    aws.clear_calls()
    result = run(cidr_block="10.1.0.0/16", subnets=subnet_layout("10.1.0.0/16", AZS))
    assert result.failed and "cannot change" in result["msg"]
    assert aws.writes() == []


def test_moving_a_subnet_to_another_zone_is_refused(aws, run):
    run()
    moved = [dict(s, az="us-east-1c") if s["cidr"] == "10.0.0.0/19" else s for s in subnet_layout("10.0.0.0/16", AZS)]
    result = run(subnets=moved)
    assert result.failed and "cannot move between availability zones" in result["msg"]


def test_absent_removes_everything_and_releases_addresses(aws, run):
    created = run()
    planned = run(state="absent", check_mode=True)
    removed = run(state="absent")
    assert removed["changed"] is True
    # Everything the create made is deleted, each once (detaching, disassociating are parts of it).
    assert counted(removed) == {(kind, "delete"): n for (kind, _), n in CREATED.items()}
    assert planned["resources"] == removed["resources"]
    assert ("route table", "trading-test-private-us-east-1a", "delete") in listed(removed)
    ec2 = aws.client("ec2")
    assert created["vpc"]["id"] not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    assert ec2.describe_addresses()["Addresses"] == []
    assert nat_gateways(ec2) == []
    assert ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [created["vpc"]["id"]]}])["Subnets"] == []
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_duplicate_vpc_names_are_an_error(aws, run):
    ec2 = aws.client("ec2")
    for cidr in ("10.5.0.0/16", "10.6.0.0/16"):
        ec2.create_vpc(
            CidrBlock=cidr,
            TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "trading-test"}]}],
        )
    result = run()
    assert result.failed and "2 VPCs carry the Name tag" in result["msg"]


def test_absent_releases_addresses_left_by_an_interrupted_teardown(aws, run):
    ec2 = aws.client("ec2")
    ec2.allocate_address(
        Domain="vpc",
        TagSpecifications=[
            {"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "trading-test-nat-us-east-1b"}]}
        ],
    )
    ec2.allocate_address(
        Domain="vpc",
        TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "someone-else"}]}],
    )
    released = run(state="absent")
    assert released["changed"] is True
    assert listed(released) == [("Elastic IP", "trading-test-nat-us-east-1b", "delete")]
    assert [t["Value"] for a in ec2.describe_addresses()["Addresses"] for t in a["Tags"]] == ["someone-else"]


def test_survives_injected_throttling_and_5xx_with_backoff(aws, run, monkeypatch, backoff):
    """botocore's own retries off: only the module's AWSRetry stands between the faults and failure."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    aws.set_faults(throttle_rate=0.15, error_rate=0.05, seed=11, services=["ec2"])
    created = run(nat_mode="single")
    assert not created.failed, created.get("msg")
    second = run(nat_mode="single")
    assert not second.failed and second["changed"] is False
    injected = aws.faults()["injected"]
    aws.set_faults()
    assert injected >= 3
    # Every fault was backed off from: a jittered sleep drawn below 3 s doubling each try (AWSRetry).
    assert len(backoff.slept) == injected and all(0 <= s <= 60 for s in backoff.slept)
    ec2 = aws.client("ec2")
    assert len(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [created["vpc"]["id"]]}])["Subnets"]) == 9
    assert len(nat_gateways(ec2)) == 1 and len(ec2.describe_addresses()["Addresses"]) == 1


def test_nat_gateways_start_without_waiting_and_the_waiting_call_routes_them(aws, run):
    aws.set_latency(0.05)  # NAT gateways: 6 s pending
    try:
        started = run(wait=False)
        assert started["nat_pending"] is True
        assert {n["state"] for n in started["nat_gateways"]} == {"pending"}
        assert not [a for a in started["actions"] if a.startswith("route 0.0.0.0/0 in trading-test-private")]
        ec2 = aws.client("ec2")
        private = ec2.describe_route_tables(Filters=[{"Name": "tag:Name", "Values": ["trading-test-private-*"]}])
        assert len(private["RouteTables"]) == 3
        assert not [r for t in private["RouteTables"] for r in t["Routes"] if r.get("NatGatewayId")]
        again = run(wait=False)  # nothing to do while they are pending
        assert again["changed"] is False and again["nat_pending"] is True
        waited = run()
        assert waited["nat_pending"] is False and {n["state"] for n in waited["nat_gateways"]} == {"available"}
        routed = [a for a in waited["actions"] if a.startswith("route 0.0.0.0/0 in trading-test-private")]
        assert len(routed) == 3
    finally:
        aws.set_latency(0)
    assert run()["changed"] is False


# -- the VPC's defaults closed ----------------------------------------------------------------------
def default_group(ec2, vpc_id):
    return ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]


def test_default_security_group_is_emptied_once(aws, run):
    """CIS 5.4 / FSBP EC2.2: no inbound (AWS gives it "all from itself") and no outbound rule."""
    created = run()
    ec2 = aws.client("ec2")
    group = default_group(ec2, created["vpc"]["id"])
    assert created["default_security_group_id"] == group["GroupId"]
    assert group["IpPermissions"] == [] and group["IpPermissionsEgress"] == []
    assert any(
        a.startswith(f"revoke the default security group {group['GroupId']}'s inbound") for a in created["actions"]
    )
    assert run()["changed"] is False


def test_check_mode_shows_the_default_groups_rules_going_and_writes_nothing(aws, run):
    created = run(restrict_default_security_group=False)
    ec2 = aws.client("ec2")
    group = default_group(ec2, created["vpc"]["id"])
    assert group["IpPermissions"] and group["IpPermissionsEgress"]  # AWS's defaults, kept
    aws.clear_calls()
    plan = run(check_mode=True)
    assert plan["changed"] is True and aws.writes() == []
    assert plan["diff"]["before"]["default_security_group"] == {
        "ingress": [f"all from {group['GroupId']}"],
        "egress": ["all to 0.0.0.0/0"],
    }
    assert plan["diff"]["after"]["default_security_group"] == {"ingress": [], "egress": []}
    assert default_group(ec2, created["vpc"]["id"])["IpPermissions"]


def endpoint_policy(ec2, endpoint_id):
    return json.loads(ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]["PolicyDocument"])


def test_endpoint_policy_is_set_compared_by_meaning_and_changed_in_place(aws, run):
    created = run(s3_endpoint_policy=POLICY)
    ec2 = aws.client("ec2")
    assert endpoint_policy(ec2, created["s3_endpoint_id"]) == POLICY
    # The same meaning, spelled otherwise (JSON text, key order, one-item lists as strings): nothing to do.
    same = json.loads(json.dumps(POLICY))
    same["Statement"][1]["Action"] = "s3:GetObject"
    same["Statement"][1]["Resource"] = "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"
    assert run(s3_endpoint_policy=json.dumps(same, indent=2, sort_keys=True))["changed"] is False
    # A bucket added: the endpoint's policy is replaced in place, and the diff shows it.
    wider = json.loads(json.dumps(POLICY))
    wider["Statement"][1]["Resource"].append("arn:aws:s3:::al2023-repos-us-east-1-de612dc2/*")
    aws.clear_calls()
    changed = run(s3_endpoint_policy=wider)
    assert changed["actions"] == [f"set the policy of S3 endpoint {created['s3_endpoint_id']}"]
    assert listed(changed) == [("VPC endpoint", "trading-test-s3", "change")]
    assert [w["operation"] for w in aws.writes()] == ["ModifyVpcEndpoint"]
    assert changed["diff"]["before"]["s3_endpoint_policy"] == POLICY
    assert changed["diff"]["after"]["s3_endpoint_policy"] == wider
    assert endpoint_policy(ec2, created["s3_endpoint_id"]) == wider
    assert run(s3_endpoint_policy=wider)["changed"] is False


def test_the_allow_all_default_endpoint_policy_is_replaced(aws, run):
    """An endpoint made before the policy was managed keeps AWS's full-access default until this call."""
    created = run()
    ec2 = aws.client("ec2")
    assert endpoint_policy(ec2, created["s3_endpoint_id"])["Statement"][0]["Resource"] == "*"
    assert "Condition" not in endpoint_policy(ec2, created["s3_endpoint_id"])["Statement"][0]
    run(s3_endpoint_policy=POLICY)
    assert endpoint_policy(ec2, created["s3_endpoint_id"]) == POLICY


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("{not json", "s3_endpoint_policy is not valid JSON"),
        (json.dumps({"Version": "2012-10-17"}), "an object with a Statement"),
        (
            json.dumps(dict(POLICY, Statement=[dict(POLICY["Statement"][1], Resource=["x" * 100] * 210)])),
            "a VPC endpoint policy is at most 20480",
        ),
    ],
)
def test_an_endpoint_policy_aws_refuses_is_refused_before_any_call(aws, run, policy, message):
    result = run(s3_endpoint_policy=policy)
    assert result.failed and message in result["msg"]
    assert aws.calls()["total"] == 0


def acls_of(ec2, vpc_id):
    return ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NetworkAcls"]


def test_each_tier_gets_its_network_acl_and_the_default_one_is_emptied(aws, run):
    created = run(**SECURED)
    ec2 = aws.client("ec2")
    acls = {a["NetworkAclId"]: a for a in acls_of(ec2, created["vpc"]["id"])}
    assert set(created["network_acl_ids"]) == {"public", "private", "data"}
    for tier, acl_id in created["network_acl_ids"].items():
        acl = acls[acl_id]
        assert {t["Key"]: t["Value"] for t in acl["Tags"]} == dict(TAGS, Name=f"trading-test-{tier}-nacl")
        assert sorted(a["SubnetId"] for a in acl["Associations"]) == sorted(created["subnet_ids"][tier])
        listed = [vpc_network.listed_entry(e) for e in acl["Entries"] if e["RuleNumber"] < 32767]
        wanted = [vpc_network.wanted_entry(r) for r in module_rules() if r["tier"] == tier]
        assert sorted(listed, key=str) == sorted(wanted, key=str)
    # Read back from AWS: no ACL of the VPC admits SSH or RDP from anywhere (FSBP EC2.21, CIS 5.1).
    for acl in acls.values():
        entries = [
            {
                "egress": e["Egress"],
                "action": e["RuleAction"],
                "cidr": e["CidrBlock"],
                "protocol": vpc_network.PROTOCOL_NAMES[e["Protocol"]],
                "from_port": e.get("PortRange", {}).get("From"),
                "to_port": e.get("PortRange", {}).get("To"),
            }
            for e in acl["Entries"]
        ]
        assert admin_ports_open_to_anywhere(entries) == [], acl["NetworkAclId"]
    default = next(a for a in acls.values() if a["IsDefault"])
    assert [e for e in default["Entries"] if e["RuleNumber"] < 32767] == []
    assert default["Associations"] == []
    # Three ACLs more than a network without them; the default ACL emptied is a part of the VPC.
    assert counted(created) == {**CREATED, ("network ACL", "create"): 3}
    vpc_changes = next(r["changes"] for r in created["resources"] if r["kind"] == "VPC")
    assert any("(default) entry" in c for c in vpc_changes)
    assert run(**SECURED)["changed"] is False


def module_rules():
    """The rules as the module holds them after its argument spec (every suboption present)."""
    unset = {
        "egress": False,
        "action": "allow",
        "from_port": None,
        "to_port": None,
        "icmp_type": None,
        "icmp_code": None,
    }
    return [dict(unset, **r) for r in SECURED["network_acl_rules"]]


def test_acl_drift_is_repaired_and_check_mode_tells_it_first(aws, run):
    created = run(**SECURED)
    ec2 = aws.client("ec2")
    public = created["network_acl_ids"]["public"]
    # By hand: SSH from anywhere added, HTTPS narrowed.
    ec2.create_network_acl_entry(
        NetworkAclId=public,
        RuleNumber=90,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 22, "To": 22},
    )
    ec2.replace_network_acl_entry(
        NetworkAclId=public,
        RuleNumber=100,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="192.0.2.0/24",
        PortRange={"From": 443, "To": 443},
    )
    aws.clear_calls()
    plan = run(check_mode=True, **SECURED)
    assert aws.writes() == []
    assert "remove network ACL trading-test-public-nacl entry 90 allow tcp 22 from 0.0.0.0/0" in plan["actions"]
    assert "replace network ACL trading-test-public-nacl entry 100 allow tcp 443 from 0.0.0.0/0" in plan["actions"]
    assert (
        "90 allow tcp 22 from 0.0.0.0/0"
        in plan["diff"]["before"]["network_acls"]["trading-test-public-nacl"]["ingress"]
    )
    assert (
        "90 allow tcp 22 from 0.0.0.0/0"
        not in plan["diff"]["after"]["network_acls"]["trading-test-public-nacl"]["ingress"]
    )
    fixed = run(**SECURED)
    assert sorted(fixed["actions"]) == sorted(plan["actions"])
    assert listed(plan) == listed(fixed) == [("network ACL", "trading-test-public-nacl", "change")]
    entries = {
        (e["Egress"], e["RuleNumber"]): e
        for e in ec2.describe_network_acls(NetworkAclIds=[public])["NetworkAcls"][0]["Entries"]
    }
    assert (False, 90) not in entries and entries[(False, 100)]["CidrBlock"] == "0.0.0.0/0"
    assert run(**SECURED)["changed"] is False


def test_a_subnet_moved_back_to_the_default_acl_is_moved_again(aws, run):
    created = run(**SECURED)
    ec2 = aws.client("ec2")
    acls = acls_of(ec2, created["vpc"]["id"])
    default = next(a for a in acls if a["IsDefault"])
    subnet = created["subnet_ids"]["data"][0]
    association = next(x for a in acls for x in a["Associations"] if x["SubnetId"] == subnet)
    ec2.replace_network_acl_association(
        AssociationId=association["NetworkAclAssociationId"], NetworkAclId=default["NetworkAclId"]
    )
    again = run(**SECURED)
    assert again["actions"] == [f"associate subnet trading-test-data-{AZS[0]} with network ACL trading-test-data-nacl"]
    assert listed(again) == [("network ACL", "trading-test-data-nacl", "change")]
    assert run(**SECURED)["changed"] is False


def test_the_default_acl_is_kept_while_a_subnet_not_managed_here_uses_it(aws, run):
    created = run(restrict_default_security_group=False)
    ec2 = aws.client("ec2")
    foreign = ec2.create_subnet(VpcId=created["vpc"]["id"], CidrBlock="10.0.250.0/24", AvailabilityZone=AZS[0])
    result = run(**SECURED)
    default = next(a for a in acls_of(ec2, created["vpc"]["id"]) if a["IsDefault"])
    assert [a["SubnetId"] for a in default["Associations"]] == [foreign["Subnet"]["SubnetId"]]
    assert [e for e in default["Entries"] if e["RuleNumber"] == 100]  # still admits its subnet's traffic
    assert any("keeps its entries" in json.dumps(w) for w in result.get("warnings", []))
    assert run(**SECURED)["changed"] is False


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"rule_number": 32767}, "rule numbers are 1 to 32766"),
        ({"rule_number": 0}, "rule numbers are 1 to 32766"),
        ({"rule_number": 100, "from_port": 443, "to_port": 443}, "a second entry with this rule number"),
        ({"protocol": "tcp", "from_port": None}, "tcp needs from_port <= to_port"),
        ({"protocol": "udp", "from_port": 9, "to_port": 1}, "udp needs from_port <= to_port"),
        ({"protocol": "icmp"}, "icmp needs icmp_type and icmp_code"),
        ({"cidr": "10.0.0.1/16"}, "is not an IPv4 CIDR"),
    ],
)
def test_acl_rules_aws_refuses_are_refused_before_any_call(aws, run, rule, message):
    extra = {
        "tier": "public",
        "rule_number": 500,
        "protocol": "tcp",
        "cidr": "10.0.0.0/16",
        "from_port": 1,
        "to_port": 2,
    }
    extra.update(rule)
    result = run(network_acl_rules=[*SECURED["network_acl_rules"], extra])
    assert result.failed and message in result["msg"]
    assert aws.calls()["total"] == 0


def test_check_mode_on_an_empty_account_plans_the_acls_and_the_defaults(aws, run):
    plan = run(check_mode=True, **SECURED)
    assert aws.writes() == []
    assert {f"create network ACL trading-test-{t}-nacl" for t in ("public", "private", "data")} <= set(plan["actions"])
    assert "remove the allow-all entries of VPC trading-test's default network ACL" in plan["actions"]
    assert any(a.startswith("revoke the default security group's rules in VPC trading-test") for a in plan["actions"])
    assert plan["diff"]["after"]["s3_endpoint_policy"] == POLICY


def test_teardown_deletes_the_tiers_acls_before_the_vpc(aws, run):
    """The local AWS refuses DeleteVpc while an ACL of its own is left, as AWS does."""
    created = run(**SECURED)
    removed = run(state="absent", **SECURED)
    assert not removed.failed, removed.get("msg")
    ec2 = aws.client("ec2")
    assert created["vpc"]["id"] not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    assert acls_of(ec2, created["vpc"]["id"]) == []
    deletes = [a for a in removed["actions"] if a.startswith("delete network ACL")]
    assert len(deletes) == 3
    assert counted(removed)["network ACL", "delete"] == 3
    assert removed["actions"].index(deletes[0]) > max(
        i for i, a in enumerate(removed["actions"]) if a.startswith("delete subnet")
    )
    assert run(state="absent")["changed"] is False
