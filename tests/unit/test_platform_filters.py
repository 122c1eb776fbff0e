"""The environment's outputs: flat SSM parameters and the printed summary."""

from ansible_collections.ninetynine.trading_infra.plugins.filter.platform import (
    platform_output_parameters,
    platform_summary,
)

OUTPUTS = {
    "environment": "prod",
    "region": "eu-west-1",
    "parameters_path": "/trading/prod",
    "network": {
        "vpc_id": "vpc-1",
        "vpc_cidr": "10.0.0.0/16",
        "availability_zones": ["eu-west-1a", "eu-west-1b"],
        "subnets_by_tier_and_az": {
            "public": {"eu-west-1b": "subnet-pb", "eu-west-1a": "subnet-pa"},
            "private": {"eu-west-1a": "subnet-qa", "eu-west-1b": "subnet-qb"},
            "data": {"eu-west-1a": "subnet-da", "eu-west-1b": "subnet-db"},
        },
        "nat_public_ips": ["203.0.113.1", None],
    },
    "eks": {"cluster_name": "trading-prod", "version": "1.32", "endpoint": "https://x.eks", "oidc_issuer": "https://o"},
    "alb": {"dns_name": "trading-prod-1.elb.amazonaws.com", "arn": "arn:alb"},
    "data_tier": {
        "clients_security_group_id": "sg-c",
        "aurora": {"writer_endpoint": "w", "reader_endpoint": "r", "port": 5432, "master_user_secret_arn": "arn:s1"},
        "redis": None,
    },
    "compliance": None,
}


def test_parameters_are_flat_non_empty_and_ordered_by_zone():
    result = platform_output_parameters(OUTPUTS)
    p = result["parameters"]
    assert p["network/public_subnet_ids"] == ["subnet-pa", "subnet-pb"]
    assert p["network/nat_public_ips"] == ["203.0.113.1"]
    assert p["eks/endpoint"] == "https://x.eks" and p["alb/dns_name"] == "trading-prod-1.elb.amazonaws.com"
    assert p["data_tier/aurora/port"] == 5432
    assert p["data_tier/aurora/master_user_secret_arn"].startswith("arn:")  # the secret's ARN, not its value
    assert not [k for k in p if k.startswith(("data_tier/redis/", "compliance/"))]
    assert None not in p.values() and "eks/oidc_provider_arn" not in p


def test_components_that_did_not_run_keep_their_parameters():
    # compliance is None: it did not run (--tags); an empty dict means torn down or off.
    assert platform_output_parameters(OUTPUTS)["components"] == ["network", "eks", "alb", "data_tier"]
    torn = platform_output_parameters({"network": {}, "eks": None})
    assert torn == {"parameters": {}, "components": ["network"]}


def test_the_summary_has_a_line_per_component_and_no_secret_value():
    lines = platform_summary(OUTPUTS)
    assert lines[0] == "prod (eu-west-1) - outputs published as SSM parameters under /trading/prod"
    assert [line.split(":")[0] for line in lines[1:]] == ["network", "eks", "alb", "aurora"]
    assert "private subnets subnet-qa, subnet-qb" in lines[1] and "master password in arn:s1" in lines[4]
    assert platform_summary({"environment": "dev", "region": "r"})[1] == "nothing built in this environment"
