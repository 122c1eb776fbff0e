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
    aws.clear_calls()
    assert run()["changed"] is False and aws.writes() == []


def test_bounds_and_target_follow_the_inventory(aws, run):
    run()
    result = run(max_readers=6, target_value=60)
    assert result["actions"] == [
        "register readers of trading-test-aurora: 1-6",
        "put policy trading-test-aurora-readers (RDSReaderAverageCPUUtilization at 60)",
    ]
    assert scaling(aws)[0][0]["MaxCapacity"] == 6


def test_check_mode_bad_bounds_and_absent(aws, run):
    assert run(check_mode=True)["changed"] is True and aws.writes() == []
    aws.clear_calls()
    refused = run(min_readers=3, max_readers=2)
    assert refused.failed and "min_readers <= max_readers" in refused["msg"] and aws.calls()["total"] == 0
    run()
    gone = run(state="absent")
    assert gone["actions"] == ["delete policy trading-test-aurora-readers", "deregister readers of trading-test-aurora"]
    assert scaling(aws) == ([], [])
    assert run(state="absent")["changed"] is False
