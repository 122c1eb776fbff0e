"""aurora_cluster against the local AWS (moto's RDS, which keeps managed master passwords too)."""

import json

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import aurora_cluster

from tests.helpers import run_module

ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]


@pytest.fixture
def run(aws, capsys):
    rds = aws.client("rds")
    subnets = [s["SubnetId"] for s in aws.client("ec2").describe_subnets()["Subnets"][:3]]
    rds.create_db_subnet_group(DBSubnetGroupName="trading-test", DBSubnetGroupDescription="test", SubnetIds=subnets)
    aws.clear_calls()

    def _run(check_mode=False, **args):
        base = {
            "cluster_identifier": "trading-test",
            "engine_version": "16.4",
            "master_username": "trading_admin",
            "db_subnet_group": "trading-test",
            "vpc_security_group_ids": ["sg-0123"],
            "instance_class": "db.r6g.large",
            "reader_count": 1,
            "availability_zones": ZONES,
            "cloudwatch_logs_exports": ["postgresql"],
            "tags": {"Environment": "test"},
        }
        base.update(args)
        return run_module(aurora_cluster, base, check_mode=check_mode, capsys=capsys)

    return _run


def cluster(aws):
    return aws.client("rds").describe_db_clusters(DBClusterIdentifier="trading-test")["DBClusters"][0]


def instances(aws):
    found = aws.client("rds").describe_db_instances()["DBInstances"]
    return sorted((i["DBInstanceIdentifier"], i["AvailabilityZone"]) for i in found)


def test_creates_the_cluster_writer_and_readers_then_changes_nothing(aws, run):
    result = run()
    assert result["actions"] == [
        "create cluster trading-test",
        "create instance trading-test-1 (writer, us-east-1a)",
        "create instance trading-test-2 (reader, us-east-1b)",
    ]
    view = result["cluster"]
    assert view["status"] == "available" and view["endpoint"] and view["reader_endpoint"]
    assert view["master_user_secret_arn"].startswith("arn:aws:secretsmanager:")
    assert [i["writer"] for i in view["instances"]] == [True, False]
    found = cluster(aws)
    assert found["StorageEncrypted"] and found["IAMDatabaseAuthenticationEnabled"] and found["CopyTagsToSnapshot"]
    assert found["EnabledCloudwatchLogsExports"] == ["postgresql"]
    assert instances(aws) == [("trading-test-1", "us-east-1a"), ("trading-test-2", "us-east-1b")]
    # The password was never in Ansible's hands: only the secret's ARN is returned.
    assert "MasterUserPassword" not in json.dumps(result) and "password" not in json.dumps(view).lower()
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and aws.writes() == [], again["actions"]


def test_check_mode_creates_nothing(aws, run):
    result = run(check_mode=True)
    assert result["changed"] is True and len(result["actions"]) == 3 and result["cluster"]["arn"] is None
    assert aws.writes() == []


def test_reader_count_changes_leave_the_writer_alone(aws, run):
    run()
    more = run(reader_count=3)
    assert more["actions"] == [
        "create instance trading-test-3 (reader, us-east-1c)",
        "create instance trading-test-4 (reader, us-east-1a)",
    ]
    fewer = run(reader_count=0)
    assert fewer["actions"] == [
        "delete reader trading-test-4",
        "delete reader trading-test-3",
        "delete reader trading-test-2",
    ]
    assert [m["DBInstanceIdentifier"] for m in cluster(aws)["DBClusterMembers"]] == ["trading-test-1"]


def test_cluster_and_instance_settings_change_in_place(aws, run):
    run()
    result = run(
        backup_retention_period=14,
        deletion_protection=True,
        cloudwatch_logs_exports=[],
        instance_class="db.r6g.xlarge",
        apply_immediately=True,
        tags={"Environment": "test", "Owner": "platform"},
    )
    assert result["actions"][0] == (
        "modify cluster trading-test: backup_retention_period, deletion_protection, cloudwatch_logs_exports"
    )
    assert "modify instance trading-test-1: class" in result["actions"]
    assert "tag cluster trading-test: set Owner" in result["actions"]
    found = cluster(aws)
    assert found["BackupRetentionPeriod"] == 14 and found["DeletionProtection"]
    assert result["diff"]["before"]["backup_retention_period"] == 7
    assert result["diff"]["after"]["backup_retention_period"] == 14


def test_what_rds_cannot_change_is_refused_before_any_write(aws, run):
    run()
    aws.clear_calls()
    refused = run(master_username="someone_else", engine_version="15.4")
    assert refused.failed and "master_username" in refused["msg"] and "a downgrade" in refused["msg"]
    assert aws.writes() == []


def test_protected_cluster_is_deleted_only_when_told(aws, run):
    run(deletion_protection=True)
    kept = run(state="absent")
    assert kept.failed and "deletion protection" in kept["msg"]
    gone = run(state="absent", deletion_protection=False, final_snapshot_identifier="trading-test-final")
    assert gone["actions"][0] == "turn deletion protection off on trading-test"
    assert gone["actions"][-1] == "delete cluster trading-test (final snapshot trading-test-final)"
    assert aws.client("rds").describe_db_clusters()["DBClusters"] == []
    assert run(state="absent")["changed"] is False


@pytest.mark.parametrize(
    "args, message",
    [
        ({"cluster_identifier": "Trading_Test"}, "must be lower-case letters"),
        ({"reader_count": 16}, "reader_count: 16"),
        ({"backup_retention_period": 0}, "backup_retention_period: 0"),
        ({"monitoring_interval": 60}, "monitoring_interval needs monitoring_role_arn"),
        ({"performance_insights": True, "performance_insights_retention_period": 30}, "multiple of 31"),
        ({"storage_encrypted": False, "kms_key_id": "alias/x"}, "kms_key_id needs storage_encrypted"),
    ],
)
def test_bad_input_is_refused_before_any_call(aws, run, args, message):
    result = run(**args)
    assert result.failed and message in result["msg"]
    assert aws.calls()["total"] == 0


def test_start_without_waiting_then_wait(aws, run):
    started = run(wait=False)
    assert started["actions"] == ["create cluster trading-test"]  # instances join once it is available
    finished = run()
    assert finished["actions"] == [
        "create instance trading-test-1 (writer, us-east-1a)",
        "create instance trading-test-2 (reader, us-east-1b)",
    ]
    assert finished["cluster"]["instances"][0]["writer"] is True


def test_the_instances_can_be_started_once_the_cluster_is_ready_and_waited_for_later(aws, run):
    aws.set_latency(0.005)  # cluster 1.5 s, each instance 2.4 s
    assert run(wait=False)["actions"] == ["create cluster trading-test"]
    middle = run(wait_instances=False)
    # The cluster was waited for, its instances were created and are not waited for.
    assert middle["actions"] == [
        "create instance trading-test-1 (writer, us-east-1a)",
        "create instance trading-test-2 (reader, us-east-1b)",
    ]
    assert middle["cluster"]["status"] == "available"
    assert [i["status"] for i in middle["cluster"]["instances"]] == ["creating", "creating"]
    # Called again meanwhile: the instances are left to the call that waits.
    again = run(wait_instances=False)
    assert again["changed"] is False and again["actions"] == []
    finished = run()
    assert finished["changed"] is False
    assert [i["status"] for i in finished["cluster"]["instances"]] == ["available", "available"]


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=4, services=["rds"])
    result = run()
    assert not result.failed, result
    assert aws.faults()["injected"] > 0


def test_waits_for_the_cluster_then_its_instances(aws, run):
    aws.set_latency(0.005)  # cluster 1.5 s, each instance 2.4 s
    result = run()
    assert result["cluster"]["status"] == "available"
    assert [i["status"] for i in result["cluster"]["instances"]] == ["available", "available"]


def test_gives_up_after_wait_timeout(aws, run):
    aws.set_latency(0.05)  # cluster 15 s
    result = run(wait_timeout=1)
    assert result.failed and "not available after 1s" in result["msg"]
