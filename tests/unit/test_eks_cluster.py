"""eks_cluster against the local AWS (its EKS is tools/local_aws/extensions/eks.py)."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import eks_cluster

from tests.helpers import run_module

ROLE = "arn:aws:iam::123456789012:role/trading-test-eks-cluster"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666"


@pytest.fixture
def subnets(aws):
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    return [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.4.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("abc")
    ]


@pytest.fixture
def run(aws, capsys, subnets):
    aws.clear_calls()

    def _run(check_mode=False, **args):
        base = {
            "name": "trading-test",
            "version": "1.31",
            "role_arn": ROLE,
            "subnets": subnets,
            "secrets_kms_key_arn": KEY,
            "log_types": ["api", "audit"],
            "tags": {"Environment": "test"},
            "wait_timeout": 30,
        }
        base.update(args)
        base = {k: v for k, v in base.items() if v is not None}
        return run_module(eks_cluster, base, check_mode=check_mode, capsys=capsys)

    return _run


def cluster(aws, name="trading-test"):
    return aws.client("eks").describe_cluster(name=name)["cluster"]


def test_creates_a_private_encrypted_cluster_then_changes_nothing(aws, run):
    planned = run(check_mode=True)
    result = run()
    assert result["changed"] is True and result["actions"] == ["create cluster trading-test (Kubernetes 1.31)"]
    assert result["resources"] == [
        {"kind": "EKS cluster", "name": "trading-test", "action": "create", "changes": result["actions"]}
    ]
    assert planned["resources"] == result["resources"]
    found = cluster(aws)
    vpc = found["resourcesVpcConfig"]
    assert (vpc["endpointPrivateAccess"], vpc["endpointPublicAccess"]) == (True, False)
    assert found["encryptionConfig"] == [{"resources": ["secrets"], "provider": {"keyArn": KEY}}]
    assert found["accessConfig"] == {"bootstrapClusterCreatorAdminPermissions": False, "authenticationMode": "API"}
    assert result["cluster"]["oidc_issuer"] == found["identity"]["oidc"]["issuer"]
    assert result["cluster"]["cluster_security_group_id"] == vpc["clusterSecurityGroupId"]
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and again["actions"] == [] and again["resources"] == []
    assert aws.writes() == []


def test_a_cluster_without_tags_is_created_without_a_tags_map(aws, run):
    # EKS refuses an empty tags map (the local AWS too): no tags means none sent.
    result = run(tags=None)
    assert result["changed"] is True and cluster(aws)["tags"] == {}
    assert run(tags=None)["changed"] is False


def test_check_mode_creates_nothing(aws, run):
    result = run(check_mode=True)
    assert result["changed"] is True and result["cluster"]["status"] == "CREATING"
    assert aws.client("eks").list_clusters()["clusters"] == []
    assert aws.writes() == []


def test_upgrades_one_minor_version_and_refuses_a_jump(aws, run):
    run(version="1.30")
    aws.clear_calls()
    refused = run(version="1.32")
    assert refused.failed and "one minor version at a time: set the version to 1.31" in refused["msg"]
    assert aws.writes() == []
    down = run(version="1.29")
    assert down.failed and "never downgrades" in down["msg"]
    diff = run(version="1.31", check_mode=True)
    assert diff["actions"] == ["upgrade cluster trading-test from 1.30 to 1.31"]
    assert diff["diff"]["before"]["version"] == "1.30" and diff["diff"]["after"]["version"] == "1.31"
    assert cluster(aws)["version"] == "1.30"
    upgraded = run(version="1.31")
    assert upgraded["changed"] and cluster(aws)["version"] == "1.31"
    assert run(version="1.31")["changed"] is False


def test_logging_and_endpoint_access_change_in_place_one_update_at_a_time(aws, run):
    run()
    refused = run(endpoint_public_access=True)
    assert refused.failed and "needs public_access_cidrs" in refused["msg"]
    result = run(log_types=["api", "scheduler"], endpoint_public_access=True, public_access_cidrs=["203.0.113.0/24"])
    assert result["actions"] == [
        "endpoint access of trading-test: private True, public True from 203.0.113.0/24",
        "log types of trading-test: enable scheduler; disable audit",
    ]
    # Two updates of the one cluster: one resource changed.
    assert result["resources"] == [
        {"kind": "EKS cluster", "name": "trading-test", "action": "change", "changes": result["actions"]}
    ]
    found = cluster(aws)
    assert found["resourcesVpcConfig"]["publicAccessCidrs"] == ["203.0.113.0/24"]
    assert [e["types"] for e in found["logging"]["clusterLogging"] if e["enabled"]] == [["api", "scheduler"]]
    updates = [c for c in aws.writes() if c["operation"] == "UpdateClusterConfig"]
    assert updates[0]["count"] == 2
    assert (
        run(log_types=["api", "scheduler"], endpoint_public_access=True, public_access_cidrs=["203.0.113.0/24"])[
            "changed"
        ]
        is False
    )


def test_what_cannot_change_is_refused(aws, run, subnets):
    run()
    aws.clear_calls()
    result = run(subnets=subnets[:2], secrets_kms_key_arn=KEY.replace("0f0e", "aaaa"))
    assert result.failed and "subnets, secrets_kms_key_arn cannot change" in result["msg"]
    assert aws.writes() == []


def test_authentication_mode_moves_forward_only(aws, run):
    run(authentication_mode="CONFIG_MAP")
    result = run(authentication_mode="API")
    assert result["actions"] == [
        "authentication mode of trading-test: API_AND_CONFIG_MAP",
        "authentication mode of trading-test: API",
    ]
    back = run(authentication_mode="CONFIG_MAP")
    assert back.failed and "cannot go back" in back["msg"]


def test_tags_are_reconciled(aws, run):
    run()
    result = run(tags={"Environment": "test", "Owner": "platform"})
    assert result["actions"] == ["tag cluster trading-test: set Owner"]
    assert [(r["kind"], r["action"]) for r in result["resources"]] == [("EKS cluster", "change")]
    assert cluster(aws)["tags"] == {"Environment": "test", "Owner": "platform"}


def test_starts_without_waiting_then_waits(aws, run):
    aws.set_latency(0.002)  # 1.2 s to create
    try:
        started = run(wait=False)
        assert started["cluster"]["status"] == "CREATING"
        waited = run()
        assert waited["changed"] is False and waited["cluster"]["status"] == "ACTIVE"
    finally:
        aws.set_latency(0)


def test_deletes_and_waits_until_gone(aws, run):
    run()
    planned = run(state="absent", check_mode=True)
    result = run(state="absent")
    assert result["actions"] == ["delete cluster trading-test"]
    assert (
        result["resources"]
        == planned["resources"]
        == [
            {
                "kind": "EKS cluster",
                "name": "trading-test",
                "action": "delete",
                "changes": ["delete cluster trading-test"],
            }
        ]
    )
    assert aws.client("eks").list_clusters()["clusters"] == []
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=7, services=["eks"])
    result = run()
    assert not result.failed and cluster(aws)["status"] == "ACTIVE"
    assert aws.faults()["injected"] > 0
