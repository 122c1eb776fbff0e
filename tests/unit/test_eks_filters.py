"""The eks role's validation and IRSA filters (pure Python, no AWS)."""

import pytest
import yaml
from ansible_collections.ninetynine.trading_infra.plugins.filter.eks import (
    eks_admin_entries,
    eks_irsa_roles,
    eks_irsa_trust,
    eks_service_account_role,
    eks_validation_errors,
)
from ansible_collections.ninetynine.trading_infra.plugins.filter.tags import tag_validation_errors

from tests.helpers import REPO

VERSIONS = ["1.30", "1.31", "1.32", "1.33"]
GENERAL = {"name": "general", "instance_types": ["m6i.large"], "min_size": 1, "max_size": 3, "desired_size": 2}


def good(**overrides):
    v = {
        "trading_env": "dev",
        "trading_tier": "non-production",
        "eks_cluster_name": "trading-dev",
        "eks_cluster_version": "1.32",
        "eks_wait": True,
        "eks_wait_timeout": 3600,
        "eks_endpoint_public_access": False,
        "eks_public_access_cidrs": [],
        "eks_log_types": ["api", "audit"],
        "eks_log_retention_days": 30,
        "eks_authentication_mode": "API",
        "eks_admin_role_arns": ["arn:aws:iam::123456789012:role/platform-admin"],
        "eks_nodegroups": [dict(GENERAL)],
        "eks_node_metadata_hop_limit": 1,
        "eks_join_data_clients": True,
        "eks_ebs_csi_enabled": False,
        "eks_addon_resolve_conflicts": "NONE",
        "eks_service_accounts": [{"namespace": "ledger", "name": "ledger", "managed_policies": []}],
        "eks_extra_tags": {},
    }
    v.update(overrides)
    return v


def errors(**overrides):
    return eks_validation_errors(good(**overrides), VERSIONS)


def test_good_inputs_pass():
    assert errors() == []


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"eks_cluster_version": 1.32}, "eks_cluster_version in environment 'dev': 1.32 must be a Kubernetes minor"),
        ({"eks_cluster_version": "1.28"}, "1.28 is outside the versions this collection pins add-ons for"),
        ({"eks_cluster_version": "v1.32"}, "must be a Kubernetes minor version"),
        ({"eks_endpoint_public_access": True}, "eks_public_access_cidrs in environment 'dev': a public endpoint"),
        (
            {"eks_endpoint_public_access": True, "eks_public_access_cidrs": ["0.0.0.0/0"]},
            "opens the API server to the whole internet",
        ),
        ({"eks_public_access_cidrs": ["10.0.0.0/33"]}, "'10.0.0.0/33' is not a CIDR block"),
        ({"eks_log_types": ["api", "kubelet"]}, "eks_log_types in environment 'dev'"),
        ({"eks_log_retention_days": 45}, "45 is not a CloudWatch Logs retention"),
        ({"eks_authentication_mode": "CONFIG_MAP"}, "eks_authentication_mode"),
        ({"eks_addon_resolve_conflicts": "FORCE"}, "eks_addon_resolve_conflicts"),
        ({"eks_node_metadata_hop_limit": 0}, "eks_node_metadata_hop_limit"),
        ({"eks_admin_role_arns": ["platform-admin"]}, "'platform-admin' is not an IAM role or user ARN"),
        ({"eks_nodegroups": []}, "eks_nodegroups in environment 'dev': [] must be a non-empty list"),
        ({"eks_nodegroups": [dict(GENERAL, min_size=3)]}, "min_size <= desired_size <= max_size"),
        ({"eks_nodegroups": [dict(GENERAL, instance_types=[])]}, "instance_types must be a non-empty list"),
        ({"eks_nodegroups": [dict(GENERAL, instance_types=["large"])]}, "'large' is not an EC2 instance type"),
        ({"eks_nodegroups": [dict(GENERAL, capacity_type="RESERVED")]}, "capacity_type 'RESERVED'"),
        ({"eks_nodegroups": [dict(GENERAL, disk_size=8)]}, "disk_size 8 must be GiB from 20"),
        (
            {"eks_nodegroups": [dict(GENERAL), dict(GENERAL)]},
            "eks_nodegroups[general] in environment 'dev': is listed twice",
        ),
        ({"eks_nodegroups": [dict(GENERAL, min_size="1")]}, "must be whole numbers of nodes"),
        (
            {"eks_nodegroups": [dict(GENERAL, taints=[{"key": "a", "effect": "NoSchedule"}])]},
            "taint a: effect 'NoSchedule' must be one of NO_SCHEDULE",
        ),
        ({"eks_nodegroups": [dict(GENERAL, name="bad name")]}, "name 'bad name' must be 1-40"),
        (
            {"eks_service_accounts": [{"namespace": "Ledger", "name": "ledger"}]},
            "namespace 'Ledger' must be a DNS label",
        ),
        ({"eks_extra_tags": {"aws:owner": "x"}}, "tag key 'aws:owner' uses the aws: prefix, which AWS reserves"),
        ({"eks_extra_tags": {"Owner": "$(rm -rf /)"}}, "tag 'Owner' value must be at most 256 letters, digits"),
        ({"eks_extra_tags": ["Owner"]}, "eks_extra_tags in environment 'dev': must be a mapping of tag keys to values"),
        ({"eks_cluster_name": "trading;drop"}, "eks_cluster_name in environment 'dev'"),
        ({"eks_wait_timeout": 10}, "eks_wait_timeout"),
    ],
)
def test_bad_inputs_are_named(overrides, fragment):
    found = errors(**overrides)
    assert any(fragment in e for e in found), found


def test_extra_tags_follow_the_rules_of_every_other_role():
    for tags in (
        {"CostCenter": 4711, "Ratio": 0.5, "Owner": "ledger"},  # numbers are tag values (AWS gets their text)
        {"Owner": True},
        {"Environment": "x"},
        {"Owner": {"team": "ledger"}},
        {"k" * 129: "v"},
    ):
        expected = tag_validation_errors({"trading_env": "dev", "tags": {"eks_extra_tags": tags}})
        assert [e for e in errors(eks_extra_tags=tags) if e.startswith("eks_extra_tags")] == expected, tags
    assert errors(eks_extra_tags={"CostCenter": 4711, "Ratio": 0.5}) == []


def test_prod_invariants():
    prod = errors(
        trading_env="prod",
        eks_endpoint_public_access=True,
        eks_public_access_cidrs=["203.0.113.0/24"],
        eks_log_retention_days=90,
        eks_nodegroups=[
            dict(GENERAL, min_size=2),
            dict(GENERAL, name="spot", capacity_type="SPOT", min_size=3, max_size=3, desired_size=3),
        ],
    )
    text = "\n".join(prod)
    assert "eks_endpoint_public_access in environment 'prod': must be false in prod" in text
    assert "eks_log_retention_days in environment 'prod': 90 days is too short" in text
    assert "eks_log_types in environment 'prod': prod keeps every control-plane log type" in text
    assert "prod needs at least 3 on-demand nodes" in text  # spot nodes do not count


def test_irsa_trust_names_one_service_account():
    arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
    trust = eks_irsa_trust(arn, "kube-system", "aws-node")
    statement = trust["Statement"][0]
    assert statement["Principal"] == {"Federated": arn}
    assert statement["Condition"]["StringEquals"] == {
        "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:kube-system:aws-node",
        "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
    }


def test_role_helpers():
    role = eks_service_account_role({"namespace": "ledger", "name": "ledger"}, "trading-prod")
    assert role["name"] == "trading-prod-ledger" and role["service_account"] == "ledger"
    other = eks_service_account_role({"namespace": "ledger", "name": "reconciler"}, "trading-prod")
    assert other["name"] == "trading-prod-ledger-reconciler"
    arn = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
    (spec,) = eks_irsa_roles([{**other, "inline": {"p": {"a": 1}}}], arn, "trading-prod")
    assert spec == {
        "name": "trading-prod-ledger-reconciler",
        "description": "trading-prod: service account ledger/reconciler",
        "assume_role_policy": eks_irsa_trust(arn, "ledger", "reconciler"),
        "managed_policies": [],
        "inline_policies": {"p": {"a": 1}},
    }
    assert eks_admin_entries(["arn:aws:iam::1:role/a"])[0]["policies"] == [{"policy": "AmazonEKSClusterAdminPolicy"}]


def test_the_pins_are_versions_the_local_aws_offers():
    from tools.local_aws.extensions.eks import ADDON_CATALOGUE

    pins = yaml.safe_load((REPO / "roles/eks/vars/main.yml").read_text())["eks_addon_pins"]
    for version, addons in pins.items():
        for name, pinned in addons.items():
            assert pinned in ADDON_CATALOGUE[name][version], (version, name, pinned)
