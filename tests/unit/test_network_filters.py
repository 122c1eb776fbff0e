"""The network role's layout and validation filters (pure Python, no AWS)."""

import ipaddress
import json

import pytest
import yaml
from ansible_collections.ninetynine.trading_infra.plugins.filter.network import (
    admin_ports_open_to_anywhere,
    network_acl_rules,
    network_validation_errors,
    s3_endpoint_policy_errors,
    subnet_layout,
)
from ansible_collections.ninetynine.trading_infra.plugins.modules.vpc_network import check_options

from tests.helpers import REPO

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
        ({"network_s3_endpoint_read_buckets": ["*"]}, "network_s3_endpoint_read_buckets", "no wildcard"),
        (
            {"network_s3_endpoint_read_buckets": ["arn:aws:s3:::vendor-data"]},
            "network_s3_endpoint_read_buckets",
            "is not a bucket name",
        ),
        ({"network_s3_endpoint_read_buckets": ["Vendor_Data"]}, "network_s3_endpoint_read_buckets", "bucket name"),
        ({"network_s3_endpoint_read_buckets": ["10.0.0.1"]}, "network_s3_endpoint_read_buckets", "bucket name"),
        (
            {"network_s3_endpoint_read_buckets": ["vendor-data", "vendor-data"]},
            "network_s3_endpoint_read_buckets",
            "twice",
        ),
    ],
)
def test_each_bad_input_names_the_variable_and_environment(overrides, variable, text):
    errors = network_validation_errors(good(**overrides))
    env = overrides.get("trading_env", "dev")
    assert any(e.startswith(f"{variable} in environment {env!r}") and text in e for e in errors), errors


# -- network ACLs ----------------------------------------------------------------------------------
def test_no_tier_admits_ssh_or_rdp_from_anywhere():
    """FSBP EC2.21 / CIS 5.1: no inbound allow from 0.0.0.0/0 covering port 22 or 3389, any protocol."""
    rules = network_acl_rules("10.0.0.0/16")
    assert admin_ports_open_to_anywhere(rules) == []
    for r in rules:
        if not r["egress"] and r["cidr"] == "0.0.0.0/0" and r["protocol"] in ("tcp", "udp"):
            assert not (r["from_port"] <= 3389 <= r["to_port"]) and not (r["from_port"] <= 22 <= r["to_port"])
    # The check itself sees what it must.
    assert admin_ports_open_to_anywhere([{**rules[0], "from_port": 1024, "to_port": 65535}])
    assert admin_ports_open_to_anywhere([{**rules[0], "protocol": "all"}])


def test_each_tier_admits_the_replies_it_needs_and_the_vpc():
    rules = network_acl_rules("10.20.0.0/16")

    def admits(tier, proto, port, cidr="0.0.0.0/0"):
        return any(
            r["tier"] == tier
            and not r["egress"]
            and r["cidr"] == cidr
            and (r["protocol"] == "all" or (r["protocol"] == proto and r["from_port"] <= port <= r["to_port"]))
            for r in rules
        )

    # Load balancer and its HTTP redirect, and the internet's replies to the NAT gateways.
    assert admits("public", "tcp", 443) and admits("public", "tcp", 80)
    assert all(admits("public", "tcp", p) and admits("public", "udp", p) for p in (1024, 3388, 3390, 32768, 65535))
    # Nodes: replies through the NAT gateway (image pulls, AWS APIs), on the Linux ephemeral range and beyond.
    assert all(admits("private", "tcp", p) for p in (1024, 32768, 60999, 65535))
    # Data: TCP replies from S3 through the gateway endpoint (its only way out), nothing else from outside
    # the VPC: no service port below 1024, no UDP.
    assert admits("data", "tcp", 40000) and not admits("data", "tcp", 443) and not admits("data", "tcp", 22)
    assert not admits("data", "udp", 40000)
    for tier in ("public", "private", "data"):
        assert admits(tier, "tcp", 5432, cidr="10.20.0.0/16")  # everything from the VPC
        assert any(r["tier"] == tier and r["egress"] and r["protocol"] == "all" for r in rules)
        assert any(
            r["tier"] == tier and r["protocol"] == "icmp" and (r["icmp_type"], r["icmp_code"]) == (3, 4) for r in rules
        )


def test_acl_rules_are_ones_aws_accepts():
    """The module's own checks (rule numbers 1-32766, one per number and direction, ports, ICMP) pass."""
    assert (
        check_options(
            {"network_acl_rules": _module_shape(network_acl_rules("10.0.0.0/16")), "s3_endpoint_policy": None}
        )
        == []
    )


def _module_shape(rules):
    keys = ("from_port", "to_port", "icmp_type", "icmp_code")
    return [{**{k: None for k in keys}, "action": "allow", **r} for r in rules]


# -- the role's policies, rendered from its vars --------------------------------------------------
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


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
        v.update(yaml.safe_load((REPO / f"roles/network/{part}/main.yml").read_text()))
    v = trusted(v)
    v.update(
        trading_env="prod",
        trading_aws_region="eu-west-1",
        trading_aws_caller={"account": "111122223333", "arn": "arn:aws:iam::111122223333:role/admin"},
        **extra,
    )
    templar = Templar(variables=v)
    return lambda name: templar.evaluate_expression(trust_as_template(name))


def test_endpoint_policy_admits_the_accounts_buckets_and_names_the_others():
    render = _role_vars()
    policy = render("network_s3_endpoint_policy")
    own, others = policy["Statement"]
    assert own["Condition"] == {"StringEquals": {"aws:ResourceAccount": "111122223333"}}
    assert own["Resource"] == "*"
    assert others["Action"] == "s3:GetObject" and "Condition" not in others
    assert "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*" in others["Resource"]
    assert "arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/*" in others["Resource"]
    assert all(r.startswith("arn:aws:s3:::") and r.endswith("/*") and "*" not in r[:-2] for r in others["Resource"])
    assert s3_endpoint_policy_errors(policy, "prod") == []


def test_read_buckets_get_their_own_read_only_statement():
    render = _role_vars(network_s3_endpoint_read_buckets=["vendor-market-data"])
    statements = render("network_s3_endpoint_policy")["Statement"]
    assert len(statements) == 3
    assert statements[2]["Action"] == ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"]
    assert statements[2]["Resource"] == ["arn:aws:s3:::vendor-market-data", "arn:aws:s3:::vendor-market-data/*"]


def test_an_endpoint_policy_over_20480_characters_is_refused_before_any_call():
    buckets = [f"vendor-{i:03d}-" + "x" * 50 for i in range(130)]
    policy = _role_vars(network_s3_endpoint_read_buckets=buckets)("network_s3_endpoint_policy")
    errors = s3_endpoint_policy_errors(policy, "dev")
    assert (
        errors
        and "20480" in errors[0]
        and errors[0].startswith("network_s3_endpoint_read_buckets in environment 'dev'")
    )
    assert check_options({"network_acl_rules": None, "s3_endpoint_policy": json.dumps(policy)})


def test_flow_log_trust_and_key_policies_name_the_account_region_and_group():
    render = _role_vars()
    trust = render("network_flow_logs_trust_policy")["Statement"][0]
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "111122223333"},
        "ArnLike": {"aws:SourceArn": "arn:aws:ec2:eu-west-1:111122223333:vpc-flow-log/*"},
    }
    key = {s["Sid"]: s for s in render("network_kms_policy")["Statement"]}
    logs = key["CloudWatchLogsEncryptsTheFlowLogGroupOnly"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    group = "arn:aws:logs:eu-west-1:111122223333:log-group:/trading/prod/vpc-flow-logs"
    assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group}}
    assert render("network_flow_logs_own_key") in (True, "True")
    assert (
        render(
            "network_flow_logs_own_key",
        )
        is not None
    )
