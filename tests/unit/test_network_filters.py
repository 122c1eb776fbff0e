"""The network role's layout and validation filters (pure Python, no AWS)."""

import ipaddress

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.filter.network import network_validation_errors, subnet_layout

AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]


def good(**overrides):
    v = {
        "trading_env": "dev",
        "trading_tier": "non-production",
        "trading_aws_region": "us-east-1",
        "network_name": "trading-dev",
        "network_vpc_cidr": "10.0.0.0/16",
        "network_az_count": 3,
        "network_azs": AZS,
        "network_public_subnet_cidrs": [],
        "network_private_subnet_cidrs": [],
        "network_data_subnet_cidrs": [],
        "network_nat_mode": "single",
        "network_flow_logs_enabled": True,
        "network_flow_logs_destination": "cloud-watch-logs",
        "network_flow_logs_s3_bucket_arn": "",
        "network_flow_logs_retention_days": 30,
    }
    v.update(overrides)
    return v


def test_default_layout_of_a_slash_16():
    layout = subnet_layout("10.0.0.0/16", AZS)
    by_tier = {t: [s["cidr"] for s in layout if s["tier"] == t] for t in ("public", "private", "data")}
    assert by_tier == {
        "public": ["10.0.160.0/24", "10.0.161.0/24", "10.0.162.0/24"],
        "private": ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
        "data": ["10.0.192.0/24", "10.0.193.0/24", "10.0.194.0/24"],
    }
    assert [s["az"] for s in layout if s["tier"] == "data"] == AZS


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "172.16.0.0/18", "192.168.0.0/20"])
@pytest.mark.parametrize("zones", [2, 3, 5])
def test_carved_subnets_never_overlap_and_stay_inside(cidr, zones):
    azs = [f"us-east-1{c}" for c in "abcdef"[:zones]]
    nets = [ipaddress.ip_network(s["cidr"]) for s in subnet_layout(cidr, azs)]
    assert len(nets) == 3 * zones
    assert all(n.subnet_of(ipaddress.ip_network(cidr)) for n in nets)
    assert not [(a, b) for i, a in enumerate(nets) for b in nets[i + 1 :] if a.overlaps(b)]
    assert network_validation_errors(good(network_vpc_cidr=cidr, network_az_count=zones, network_azs=azs)) == []


def test_explicit_lists_win_over_carving():
    layout = subnet_layout("10.0.0.0/16", AZS[:2], public=["10.0.250.0/24", "10.0.251.0/24"])
    assert [s["cidr"] for s in layout if s["tier"] == "public"] == ["10.0.250.0/24", "10.0.251.0/24"]


def test_good_inputs_pass():
    assert network_validation_errors(good()) == []
    assert network_validation_errors(good(trading_env="prod", network_nat_mode="per_az")) == []


@pytest.mark.parametrize(
    ("overrides", "variable", "text"),
    [
        ({"network_vpc_cidr": "10.0.0.0/33"}, "network_vpc_cidr", "is not an IPv4 CIDR"),
        ({"network_vpc_cidr": "10.0.0.1/16"}, "network_vpc_cidr", "host bits"),
        ({"network_vpc_cidr": "10.0.0.0/8"}, "network_vpc_cidr", "/16 at the largest"),
        ({"network_vpc_cidr": "8.8.0.0/16"}, "network_vpc_cidr", "private"),
        ({"network_az_count": 1}, "network_az_count", "from 2 to 5"),
        ({"network_azs": ["us-east-1a", "us-east-1a", "us-east-1b"]}, "network_azs", "twice"),
        ({"network_azs": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]}, "network_azs", "not zones of region"),
        ({"network_azs": ["us-east-1a", "us-east-1b"]}, "network_azs", "lists 2 zones"),
        ({"network_nat_mode": "double"}, "network_nat_mode", "must be one of"),
        ({"trading_env": "prod"}, "network_nat_mode", "prod must use per_az"),
        ({"network_public_subnet_cidrs": ["10.0.160.0/24"]}, "network_public_subnet_cidrs", "one per zone"),
        (
            {"network_public_subnet_cidrs": ["10.1.0.0/24", "10.0.161.0/24", "10.0.162.0/24"]},
            "network_public_subnet_cidrs",
            "not inside network_vpc_cidr",
        ),
        (
            {"network_public_subnet_cidrs": ["10.0.0.0/24", "10.0.161.0/24", "10.0.162.0/24"]},
            "network_public_subnet_cidrs",
            "overlaps 10.0.0.0/19",
        ),
        (
            {"network_data_subnet_cidrs": ["10.0.192.0/29", "10.0.193.0/24", "10.0.194.0/24"]},
            "network_data_subnet_cidrs",
            "smaller than /28",
        ),
        ({"network_flow_logs_retention_days": 45}, "network_flow_logs_retention_days", "not a retention"),
        ({"network_flow_logs_destination": "s3"}, "network_flow_logs_s3_bucket_arn", "must be an S3 bucket ARN"),
        (
            {"trading_env": "prod", "network_nat_mode": "per_az", "network_flow_logs_enabled": False},
            "network_flow_logs_enabled",
            "prod must keep VPC flow logs on",
        ),
        ({"trading_aws_region": "mars-1"}, "trading_aws_region", "not an AWS region"),
    ],
)
def test_each_bad_input_names_the_variable_and_environment(overrides, variable, text):
    errors = network_validation_errors(good(**overrides))
    env = overrides.get("trading_env", "dev")
    assert any(e.startswith(f"{variable} in environment {env!r}") and text in e for e in errors), errors
