"""account_preflight_info against the local AWS: what only the account can refuse, asked read-only."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import account_preflight_info

from tests.helpers import run_module

SOUND = {
    "environment": "staging",
    "zone_count": 3,
    "instance_types": [{"variable": "eks_nodegroups[general].instance_types", "types": ["m6i.xlarge", "m5.large"]}],
    "aurora": {"engine_version": "16.4", "instance_class": "db.r6g.large"},
    "cache": {"engine_version": "7.1", "node_type": "cache.r7g.large"},
    "eks_addons": {
        "kubernetes_version": "1.32",
        "versions": {"vpc-cni": "v1.19.2-eksbuild.1", "coredns": "v1.11.4-eksbuild.2"},
    },
}


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **overrides):
        aws.clear_calls()
        result = run_module(account_preflight_info, dict(SOUND, **overrides), check_mode=check_mode, capsys=capsys)
        result["_writes"] = aws.writes()
        return result

    return _run


def test_a_sound_environment_passes_with_reads_only(run):
    result = run()
    assert not result.failed, result
    assert result["problems"] == []
    assert result["account_id"] == "123456789012"
    assert result["zones"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert result["_writes"] == []
    assert result["calls"]["describe_instance_type_offerings"] == 1


def test_check_mode_asks_the_same_questions(run):
    result = run(check_mode=True, cache={"engine_version": "7.1", "node_type": "cache.r7g.gigantic"})
    assert result.failed
    assert "data_tier_redis_node_type in environment 'staging': cache.r7g.gigantic is not a node type" in result["msg"]
    assert result["_writes"] == []


def test_credentials_of_another_account_are_refused(run):
    result = run(account_id="111122223333")
    assert result.failed
    assert (
        "trading_aws_account_id in environment 'staging': is 111122223333, but the credentials are of account "
        "123456789012" in result["msg"]
    )
    assert run(account_id="123456789012")["problems"] == []


def test_zones_are_the_regions_available_ones(run):
    result = run(zones=["us-east-1a", "us-east-1z"])
    assert result.failed
    assert "network_azs in environment 'staging': us-east-1z is not an available zone of us-east-1" in result["msg"]
    assert result["zones"] == ["us-east-1a"]
    result = run(zone_count=9)
    assert "network_az_count in environment 'staging': 9 zones wanted, but us-east-1 has 6 available" in result["msg"]


def test_an_instance_type_must_be_offered_in_every_zone(run):
    result = run(instance_types=[{"variable": "eks_nodegroups[spot].instance_types", "types": ["m6i.xlarg"]}])
    assert result.failed
    assert "eks_nodegroups[spot].instance_types in environment 'staging': m6i.xlarg is not offered" in result["msg"]


def test_aurora_version_and_class_come_from_the_account(run):
    result = run(aurora={"engine_version": "16.99", "instance_class": "db.r6g.large"})
    assert result.failed
    assert (
        "data_tier_aurora_engine_version in environment 'staging': aurora-postgresql 16.99 does not exist"
        in (result["msg"])
    )
    assert "(the 16.x there: " in result["msg"]
    result = run(aurora={"engine_version": "16.4", "instance_class": "db.r6g.gigantic"})
    assert (
        "data_tier_aurora_instance_class in environment 'staging': db.r6g.gigantic cannot be ordered" in (result["msg"])
    )


def test_redis_version_must_be_offered(run):
    result = run(cache={"engine_version": "7.9", "node_type": "cache.r7g.large"})
    assert result.failed
    assert (
        "data_tier_redis_engine_version in environment 'staging': redis 7.9 is not an engine version" in (result["msg"])
    )


def test_addon_versions_must_be_published_for_the_kubernetes_version(run):
    result = run(eks_addons={"kubernetes_version": "1.32", "versions": {"kube-proxy": "v1.31.3-eksbuild.2"}})
    assert result.failed
    assert (
        "eks_addon_versions.kube-proxy in environment 'staging': v1.31.3-eksbuild.2 is not published for Kubernetes "
        "1.32" in result["msg"]
    )


def test_every_problem_is_reported_at_once(run):
    result = run(
        account_id="111122223333",
        zone_count=9,
        instance_types=[],
        cache={"engine_version": "7.9", "node_type": "cache.x.y"},
    )
    assert len(result["problems"]) == 4, result["problems"]
    assert result["msg"].startswith("4 problem(s) only the account could tell, before any write:")


def test_omitted_services_are_not_asked(run, aws):
    result = run(aurora=None, cache=None, eks_addons=None, instance_types=[])
    assert not result.failed
    assert set(result["calls"]) == {"get_caller_identity", "describe_availability_zones"}


def test_the_caller_is_returned_for_the_roles(run, aws):
    identity = aws.client("sts").get_caller_identity()
    result = run(aurora=None, cache=None, eks_addons=None, instance_types=[])
    assert result["caller"] == {"account": identity["Account"], "arn": identity["Arn"], "partition": "aws"}


def test_throttling_is_retried(run, aws):
    aws.set_faults(throttle_rate=0.5, seed=3, services=["ec2", "rds", "elasticache", "eks"])
    try:
        result = run()
        injected = aws.faults()["injected"]
    finally:
        aws.set_faults()
    assert not result.failed, result
    assert injected > 0


def test_the_certificate_must_exist_be_issued_and_be_the_accounts(run, aws):
    from ansible_collections.ninetynine.trading_infra.plugins.modules.acm_self_signed_certificate import generate

    certificate, key = generate("trading.example.com", 365, 2048)
    arn = aws.client("acm").import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]
    assert run(certificates=[{"variable": "alb_certificate_arn", "arn": arn}])["problems"] == []
    missing = arn.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    result = run(certificates=[{"variable": "alb_certificate_arn", "arn": missing}])
    assert f"alb_certificate_arn in environment 'staging': {missing} does not exist" in result["msg"]
    other = "arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-4000-8000-000000000000"
    result = run(certificates=[{"variable": "alb_certificate_arn", "arn": other}])
    assert "belongs to account 111122223333, the credentials to 123456789012" in result["msg"]


def test_principals_and_policies_must_exist(run):
    # platform-admin is the account's own (tools/local_aws/account.py).
    ok = run(
        principals=[{"variable": "eks_admin_role_arns[0]", "arn": "arn:aws:iam::123456789012:role/platform-admin"}],
        policies=[{"variable": "p", "arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}],
    )
    assert ok["problems"] == [], ok["problems"]
    result = run(
        principals=[
            {"variable": "eks_admin_role_arns[0]", "arn": "arn:aws:iam::123456789012:role/platform-admn"},
            {"variable": "eks_admin_role_arns[1]", "arn": "arn:aws:iam::123456789012:user/nobody"},
            {"variable": "eks_admin_role_arns[2]", "arn": "arn:aws:iam::111122223333:role/elsewhere"},
        ],
        policies=[
            {
                "variable": "eks_service_accounts[ledger/ledger].managed_policies",
                "arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAcess",
            }
        ],
    )
    assert result["problems"] == [
        "eks_admin_role_arns[0] in environment 'staging': arn:aws:iam::123456789012:role/platform-admn: no such IAM "
        "role in account 123456789012",
        "eks_admin_role_arns[1] in environment 'staging': arn:aws:iam::123456789012:user/nobody: no such IAM user in "
        "account 123456789012",
        "eks_service_accounts[ledger/ledger].managed_policies in environment 'staging': "
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAcess: no such IAM managed policy",
    ]
    assert result["_writes"] == []
