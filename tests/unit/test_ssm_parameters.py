"""ssm_parameters: the plain parameters under one path, reconciled in one call, against the local AWS."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import ssm_parameters

from tests.helpers import run_module

OUTPUTS = {
    "network/vpc_id": "vpc-0123",
    "network/private_subnet_ids": ["subnet-a", "subnet-b"],
    "data_tier/aurora/port": 5432,
    "eks/baseline": False,
    "data_tier/redis/primary_endpoint": None,  # Redis off: no parameter
}


@pytest.fixture
def publish(aws, capsys):
    def _run(parameters=OUTPUTS, check_mode=False, **args):
        base = {"path": "/trading/test", "parameters": parameters, "tags": {"Environment": "test"}}
        base.update(args)
        return run_module(ssm_parameters, base, check_mode=check_mode, capsys=capsys)

    return _run


def stored(aws, path="/trading/test"):
    pages = aws.client("ssm").get_paginator("get_parameters_by_path").paginate(Path=path, Recursive=True)
    found = [p for page in pages for p in page["Parameters"]]
    return {p["Name"]: (p["Type"], p["Value"]) for p in found}


def test_outputs_are_published_then_left_alone(aws, publish):
    planned = publish(check_mode=True)
    assert planned["changed"] and aws.writes() == [] and stored(aws) == {}
    assert planned["diff"]["after"]["/trading/test/network/vpc_id"] == "vpc-0123"
    created = publish()
    assert created["changed"] and sorted(created["actions"]) == sorted(
        [
            "create /trading/test/data_tier/aurora/port",
            "create /trading/test/eks/baseline",
            "create /trading/test/network/private_subnet_ids",
            "create /trading/test/network/vpc_id",
        ]
    )
    assert stored(aws) == {
        "/trading/test/network/vpc_id": ("String", "vpc-0123"),
        "/trading/test/network/private_subnet_ids": ("StringList", "subnet-a,subnet-b"),
        "/trading/test/data_tier/aurora/port": ("String", "5432"),
        "/trading/test/eks/baseline": ("String", "false"),
    }
    tags = aws.client("ssm").list_tags_for_resource(ResourceType="Parameter", ResourceId="/trading/test/network/vpc_id")
    assert tags["TagList"] == [{"Key": "Environment", "Value": "test"}]
    aws.clear_calls()
    again = publish()
    assert again["changed"] is False and again["actions"] == [] and aws.writes() == []
    # One resource per parameter, created once; check mode told the same story; nothing on the re-run.
    assert created["resources"] == [
        {"kind": "SSM parameter", "name": name, "action": "create", "changes": [f"create {name}"]}
        for name in sorted(created["parameters"])
    ]
    assert planned["resources"] == created["resources"] and again["resources"] == []


def test_changed_values_are_overwritten_and_dropped_ones_purged(aws, publish):
    publish()
    changed = publish({"network/vpc_id": "vpc-9999", "network/private_subnet_ids": ["subnet-a", "subnet-b"]})
    assert changed["actions"] == [
        "update /trading/test/network/vpc_id",
        "delete /trading/test/data_tier/aurora/port",
        "delete /trading/test/eks/baseline",
    ]
    assert changed["diff"]["before"]["/trading/test/network/vpc_id"] == "vpc-0123"
    assert [(r["kind"], r["name"], r["action"]) for r in changed["resources"]] == [
        ("SSM parameter", "/trading/test/network/vpc_id", "change"),
        ("SSM parameter", "/trading/test/data_tier/aurora/port", "delete"),
        ("SSM parameter", "/trading/test/eks/baseline", "delete"),
    ]
    assert stored(aws) == {
        "/trading/test/network/vpc_id": ("String", "vpc-9999"),
        "/trading/test/network/private_subnet_ids": ("StringList", "subnet-a,subnet-b"),
    }
    kept = publish({"eks/cluster_name": "trading-test"}, purge=False)
    assert kept["actions"] == ["create /trading/test/eks/cluster_name"] and len(stored(aws)) == 3


def test_secure_strings_under_the_path_are_never_touched(aws, publish):
    ssm = aws.client("ssm")
    ssm.put_parameter(Name="/trading/test/secret/token", Value="s3cr3t-value", Type="SecureString")
    published = publish()
    assert not published.failed and "s3cr3t" not in str(published)
    gone = publish(state="absent")
    assert len(gone["actions"]) == 4 and list(stored(aws)) == ["/trading/test/secret/token"]
    clash = publish({"secret/token": "plain"})
    assert clash.failed and "does not overwrite secrets" in clash["msg"]


def test_more_than_ten_parameters_are_deleted_in_batches(aws, publish):
    many = {f"n{i:02d}": str(i) for i in range(23)}
    publish(many)
    assert len(stored(aws)) == 23
    aws.clear_calls()
    assert publish(many)["changed"] is False  # read across pages (ten per page)
    planned = publish(state="absent", check_mode=True)
    gone = publish(state="absent")
    deletes = [c for c in aws.calls()["calls"] if c["operation"] == "DeleteParameters"]
    assert len(gone["actions"]) == 23 and deletes[0]["count"] == 3 and stored(aws) == {}
    assert {r["action"] for r in gone["resources"]} == {"delete"} and len(gone["resources"]) == 23
    assert planned["resources"] == gone["resources"] and publish(state="absent")["resources"] == []


def test_bad_values_are_refused_before_any_call(aws, publish):
    assert "must not contain commas" in publish({"x": ["a,b"]})["msg"]
    assert "not a mapping" in publish({"x": {"a": 1}})["msg"]
    assert "must start with /" in publish(path="trading/test")["msg"]
    assert aws.calls()["total"] == 0


def test_throttling_is_retried(aws, publish):
    aws.set_faults(throttle_rate=0.3, seed=7, services=["ssm"])
    try:
        result = publish()
        injected = aws.faults()["injected"]
    finally:
        aws.set_faults()
    assert not result.failed and len(stored(aws)) == 4 and injected > 0


def test_purge_paths_limit_the_purge_to_the_components_given(aws, publish):
    publish()
    touched = publish({"network/vpc_id": "vpc-0123"}, purge_paths=["network", "eks"])
    assert touched["actions"] == [
        "delete /trading/test/eks/baseline",
        "delete /trading/test/network/private_subnet_ids",
    ]
    assert sorted(stored(aws)) == ["/trading/test/data_tier/aurora/port", "/trading/test/network/vpc_id"]
    assert sorted(touched["parameters"]) == sorted(stored(aws))
