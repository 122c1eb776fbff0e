"""vpc_network against the local AWS: create, no-op, check mode, transitions, resume, teardown."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.filter.network import subnet_layout
from ansible_collections.ninetynine.trading_infra.plugins.modules import vpc_network

from tests.helpers import run_module

AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
TAGS = {"Project": "trading", "Environment": "test", "Component": "network", "ManagedBy": "ansible"}


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
    result = run()
    assert result["changed"] is True
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
    first = run()
    aws.clear_calls()
    second = run()
    assert second["changed"] is False and second["actions"] == []
    assert aws.writes() == []
    assert aws.calls()["reads"] <= 10
    assert second["vpc"] == first["vpc"] and second["subnet_ids"] == first["subnet_ids"]


def test_check_mode_after_converge_reports_no_change(aws, run):
    run()
    aws.clear_calls()
    assert run(check_mode=True)["changed"] is False
    assert aws.writes() == []


def test_per_az_to_single_moves_routes_then_retires_nat_gateways(aws, run):
    first = run()
    result = run(nat_mode="single")
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
    removed = run(state="absent")
    assert removed["changed"] is True
    ec2 = aws.client("ec2")
    assert created["vpc"]["id"] not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    assert ec2.describe_addresses()["Addresses"] == []
    assert nat_gateways(ec2) == []
    assert ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [created["vpc"]["id"]]}])["Subnets"] == []
    assert run(state="absent")["changed"] is False


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
    assert run(state="absent")["changed"] is True
    assert [t["Value"] for a in ec2.describe_addresses()["Addresses"] for t in a["Tags"]] == ["someone-else"]


def test_survives_injected_throttling_and_5xx_with_backoff(aws, run, monkeypatch):
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
