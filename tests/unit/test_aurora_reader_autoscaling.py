"""aurora_reader_autoscaling against the local AWS (moto's Application Auto Scaling)."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import aurora_reader_autoscaling

from tests.helpers import run_module


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **args):
        base = {"cluster_identifier": "trading-test-aurora", "min_readers": 1, "max_readers": 4, "target_value": 70}
        base.update(args)
        return run_module(aurora_reader_autoscaling, base, check_mode=check_mode, capsys=capsys)

    return _run


def scaling(aws):
    client = aws.client("application-autoscaling")
    targets = client.describe_scalable_targets(ServiceNamespace="rds")["ScalableTargets"]
    policies = client.describe_scaling_policies(ServiceNamespace="rds")["ScalingPolicies"]
    return targets, policies


def test_registers_the_readers_with_a_target_tracking_policy_then_changes_nothing(aws, run):
    result = run()
    assert result["actions"] == [
        "register readers of trading-test-aurora: 1-4",
        "put policy trading-test-aurora-readers (RDSReaderAverageCPUUtilization at 70)",
    ]
    targets, policies = scaling(aws)
    assert [(t["ResourceId"], t["ScalableDimension"], t["MinCapacity"], t["MaxCapacity"]) for t in targets] == [
        ("cluster:trading-test-aurora", "rds:cluster:ReadReplicaCount", 1, 4)
    ]
    config = policies[0]["TargetTrackingScalingPolicyConfiguration"]
    assert config["TargetValue"] == 70 and config["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
        "RDSReaderAverageCPUUtilization"
    )
    assert result["resources"] == [
        {
            "kind": "scalable target",
            "name": "trading-test-aurora",
            "action": "create",
            "changes": ["register readers of trading-test-aurora: 1-4"],
        },
        {
            "kind": "scaling policy",
            "name": "trading-test-aurora-readers",
            "action": "create",
            "changes": ["put policy trading-test-aurora-readers (RDSReaderAverageCPUUtilization at 70)"],
        },
    ]
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and aws.writes() == [] and again["resources"] == []


def test_bounds_and_target_follow_the_inventory(aws, run):
    run()
    result = run(max_readers=6, target_value=60)
    assert result["actions"] == [
        "register readers of trading-test-aurora: 1-6",
        "put policy trading-test-aurora-readers (RDSReaderAverageCPUUtilization at 60)",
    ]
    assert scaling(aws)[0][0]["MaxCapacity"] == 6
    assert [(r["kind"], r["name"], r["action"]) for r in result["resources"]] == [
        ("scalable target", "trading-test-aurora", "change"),
        ("scaling policy", "trading-test-aurora-readers", "change"),
    ]
    only_target = run(max_readers=5, target_value=60)
    assert only_target["resources"] == [
        {
            "kind": "scalable target",
            "name": "trading-test-aurora",
            "action": "change",
            "changes": ["register readers of trading-test-aurora: 1-5"],
        }
    ]


def test_check_mode_bad_bounds_and_absent(aws, run):
    checked = run(check_mode=True)
    assert checked["changed"] is True and aws.writes() == []
    aws.clear_calls()
    refused = run(min_readers=3, max_readers=2)
    assert refused.failed and "min_readers <= max_readers" in refused["msg"] and aws.calls()["total"] == 0
    assert run()["resources"] == checked["resources"]
    assert [r["action"] for r in checked["resources"]] == ["create", "create"]
    gone = run(state="absent")
    assert gone["actions"] == ["delete policy trading-test-aurora-readers", "deregister readers of trading-test-aurora"]
    assert scaling(aws) == ([], [])
    assert [(r["kind"], r["name"], r["action"]) for r in gone["resources"]] == [
        ("scaling policy", "trading-test-aurora-readers", "delete"),
        ("scalable target", "trading-test-aurora", "delete"),
    ]
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []
