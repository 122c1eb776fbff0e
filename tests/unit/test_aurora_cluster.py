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
    # The cluster and each of its instances: three resources, each created once.
    assert result["resources"] == [
        {"kind": "Aurora cluster", "name": "trading-test", "action": "create", "changes": result["actions"][:1]},
        {"kind": "DB instance", "name": "trading-test-1", "action": "create", "changes": result["actions"][1:2]},
        {"kind": "DB instance", "name": "trading-test-2", "action": "create", "changes": result["actions"][2:]},
    ]
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and aws.writes() == [], again["actions"]
    assert again["resources"] == []


def test_check_mode_creates_nothing(aws, run):
    result = run(check_mode=True)
    assert result["changed"] is True and len(result["actions"]) == 3 and result["cluster"]["arn"] is None
    assert aws.writes() == []
    assert result["resources"] == run()["resources"]
    assert [(r["kind"], r["action"]) for r in result["resources"]] == [
        ("Aurora cluster", "create"),
        ("DB instance", "create"),
        ("DB instance", "create"),
    ]


def test_reader_count_changes_leave_the_writer_alone(aws, run):
    run()
    more = run(reader_count=3)
    assert more["actions"] == [
        "create instance trading-test-3 (reader, us-east-1c)",
        "create instance trading-test-4 (reader, us-east-1a)",
    ]
    assert [(r["kind"], r["name"], r["action"]) for r in more["resources"]] == [
        ("DB instance", "trading-test-3", "create"),
        ("DB instance", "trading-test-4", "create"),
    ]
    checked = run(reader_count=0, check_mode=True)
    fewer = run(reader_count=0)
    assert fewer["actions"] == [
        "delete reader trading-test-4",
        "delete reader trading-test-3",
        "delete reader trading-test-2",
    ]
    # The cluster is not changed by its readers going: only they are reported.
    assert (
        fewer["resources"]
        == checked["resources"]
        == [
            {"kind": "DB instance", "name": n, "action": "delete", "changes": [f"delete reader {n}"]}
            for n in ("trading-test-4", "trading-test-3", "trading-test-2")
        ]
    )
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
    by_name = {(r["kind"], r["name"]): r for r in result["resources"]}
    assert set(by_name) == {
        ("Aurora cluster", "trading-test"),
        ("DB instance", "trading-test-1"),
        ("DB instance", "trading-test-2"),
    }
    assert {r["action"] for r in result["resources"]} == {"change"}
    # The cluster's tags are its own change, the instances' theirs.
    assert by_name["Aurora cluster", "trading-test"]["changes"] == [
        "modify cluster trading-test: backup_retention_period, deletion_protection, cloudwatch_logs_exports",
        "tag cluster trading-test: set Owner",
    ]
    assert by_name["DB instance", "trading-test-1"]["changes"] == [
        "modify instance trading-test-1: class",
        "tag instance trading-test-1: set Owner",
    ]
    assert sum(len(r["changes"]) for r in result["resources"]) == len(result["actions"])
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
    assert gone["resources"] == [
        {
            "kind": "Aurora cluster",
            "name": "trading-test",
            "action": "delete",
            "changes": [
                "turn deletion protection off on trading-test",
                "delete cluster trading-test (final snapshot trading-test-final)",
            ],
        },
        {
            "kind": "DB instance",
            "name": "trading-test-1",
            "action": "delete",
            "changes": ["delete instance trading-test-1"],
        },
        {
            "kind": "DB instance",
            "name": "trading-test-2",
            "action": "delete",
            "changes": ["delete instance trading-test-2"],
        },
    ]
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []


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
    assert [(r["kind"], r["action"]) for r in started["resources"]] == [("Aurora cluster", "create")]
    finished = run()
    assert finished["actions"] == [
        "create instance trading-test-1 (writer, us-east-1a)",
        "create instance trading-test-2 (reader, us-east-1b)",
    ]
    assert [(r["kind"], r["name"], r["action"]) for r in finished["resources"]] == [
        ("DB instance", "trading-test-1", "create"),
        ("DB instance", "trading-test-2", "create"),
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


def test_waits_for_the_cluster_then_its_instances(aws, run, tmp_path, monkeypatch):
    monkeypatch.setenv("TRADING_PROGRESS", str(tmp_path / "progress.jsonl"))  # as the progress callback does
    aws.set_latency(0.005)  # cluster 1.5 s, each instance 2.4 s
    result = run()
    assert result["cluster"]["status"] == "available"
    assert [i["status"] for i in result["cluster"]["instances"]] == ["available", "available"]
    # Each poll reported the cluster and its instances, with the usual times on AWS, until available.
    polls = [json.loads(line) for line in (tmp_path / "progress.jsonl").read_text().splitlines()]
    last = {p["label"]: p for p in polls}
    assert set(last) == {"aurora trading-test", "aurora instance trading-test-1", "aurora instance trading-test-2"}
    assert all(p["state"] == "AVAILABLE" and p["done"] for p in last.values())
    assert ("aurora trading-test", "CREATING", 300) in {(p["label"], p["state"], p["usual"]) for p in polls}
    assert ("aurora instance trading-test-2", "CREATING", 480) in {(p["label"], p["state"], p["usual"]) for p in polls}


def test_gives_up_after_wait_timeout(aws, run):
    aws.set_latency(0.05)  # cluster 15 s
    result = run(wait_timeout=1)
    assert result.failed and "not available after 1s" in result["msg"]
    assert [(r["kind"], r["action"]) for r in result["resources"]] == [("Aurora cluster", "create")]


# -- the CA of the server certificates -----------------------------------------------------------
def ca_of(aws):
    found = aws.client("rds").describe_db_instances()["DBInstances"]
    return {
        i["DBInstanceIdentifier"]: (i["CACertificateIdentifier"], i.get("PendingModifiedValues") or {}) for i in found
    }


def test_the_ca_is_set_at_creation_and_read_back(aws, run):
    result = run(ca_certificate_identifier="rds-ca-rsa4096-g1")
    assert ca_of(aws) == {"trading-test-1": ("rds-ca-rsa4096-g1", {}), "trading-test-2": ("rds-ca-rsa4096-g1", {})}
    assert [i["ca_certificate_identifier"] for i in result["cluster"]["instances"]] == ["rds-ca-rsa4096-g1"] * 2
    aws.clear_calls()
    again = run(ca_certificate_identifier="rds-ca-rsa4096-g1")
    assert again["changed"] is False and aws.writes() == [], again["actions"]


def test_without_a_ca_rds_gives_its_default_for_new_launches(aws, run):
    run()
    assert {ca for ca, _ in ca_of(aws).values()} == {"rds-ca-rsa2048-g1"}


def test_a_ca_change_waits_for_the_maintenance_window_and_is_not_issued_again(aws, run):
    run(ca_certificate_identifier="rds-ca-rsa2048-g1")
    aws.clear_calls()
    plan = run(check_mode=True, ca_certificate_identifier="rds-ca-ecc384-g1")
    assert plan["changed"] is True and aws.writes() == []
    deferred = run(ca_certificate_identifier="rds-ca-ecc384-g1")
    assert deferred["actions"] == [
        "modify instance trading-test-1: ca certificate rds-ca-rsa2048-g1 -> rds-ca-ecc384-g1 "
        "(in the maintenance window where RDS defers it)",
        "modify instance trading-test-2: ca certificate rds-ca-rsa2048-g1 -> rds-ca-ecc384-g1 "
        "(in the maintenance window where RDS defers it)",
    ]
    assert deferred["diff"]["before"]["ca_certificate_identifier"] == "rds-ca-rsa2048-g1"
    assert deferred["diff"]["after"]["ca_certificate_identifier"] == "rds-ca-ecc384-g1"
    pending = {"CACertificateIdentifier": "rds-ca-ecc384-g1"}
    assert ca_of(aws) == {
        "trading-test-1": ("rds-ca-rsa2048-g1", pending),
        "trading-test-2": ("rds-ca-rsa2048-g1", pending),
    }
    assert deferred["cluster"]["pending"] == {"trading-test-1": pending, "trading-test-2": pending}
    aws.clear_calls()
    again = run(ca_certificate_identifier="rds-ca-ecc384-g1")
    assert again["changed"] is False and aws.writes() == [], again["actions"]
    assert again["cluster"]["pending"] == {"trading-test-1": pending, "trading-test-2": pending}
    now = run(ca_certificate_identifier="rds-ca-ecc384-g1", apply_immediately=True)
    assert len(now["actions"]) == 2 and ca_of(aws)["trading-test-1"] == ("rds-ca-ecc384-g1", {})
    assert run(ca_certificate_identifier="rds-ca-ecc384-g1", apply_immediately=True)["changed"] is False


def test_a_ca_change_applied_immediately(aws, run):
    run()
    now = run(ca_certificate_identifier="rds-ca-rsa4096-g1", apply_immediately=True)
    assert now["actions"] == [
        "modify instance trading-test-1: ca certificate rds-ca-rsa2048-g1 -> rds-ca-rsa4096-g1",
        "modify instance trading-test-2: ca certificate rds-ca-rsa2048-g1 -> rds-ca-rsa4096-g1",
    ]
    assert ca_of(aws) == {"trading-test-1": ("rds-ca-rsa4096-g1", {}), "trading-test-2": ("rds-ca-rsa4096-g1", {})}
    assert now["cluster"]["pending"] == {}
    assert run(ca_certificate_identifier="rds-ca-rsa4096-g1", apply_immediately=True)["changed"] is False


def test_a_ca_rds_does_not_offer_is_refused_by_rds(aws, run):
    refused = run(ca_certificate_identifier="rds-ca-2019")
    assert refused.failed and "CertificateNotFound" in refused["msg"] + str(refused.get("error", ""))
    assert aws.client("rds").describe_db_instances()["DBInstances"] == []


# -- the engine version --------------------------------------------------------------------------
def test_a_minor_upgrade_waits_for_the_maintenance_window_then_applies_when_asked(aws, run):
    run(engine_version="16.4")
    deferred = run(engine_version="16.10")
    assert deferred["actions"] == [
        "modify cluster trading-test: engine_version 16.4 -> 16.10 (in the maintenance window where RDS defers it)"
    ]
    found = cluster(aws)
    assert found["EngineVersion"] == "16.4" and found["PendingModifiedValues"] == {"EngineVersion": "16.10"}
    assert deferred["cluster"]["pending"] == {"cluster": {"EngineVersion": "16.10"}}
    aws.clear_calls()
    again = run(engine_version="16.10")
    assert again["changed"] is False and aws.writes() == [], again["actions"]
    # Asked again with apply_immediately: the pending upgrade is made now, then nothing is left to do.
    now = run(engine_version="16.10", apply_immediately=True)
    assert now["actions"] == ["modify cluster trading-test: engine_version 16.4 -> 16.10"]
    assert cluster(aws)["EngineVersion"] == "16.10" and not cluster(aws).get("PendingModifiedValues")
    assert run(engine_version="16.10", apply_immediately=True)["changed"] is False


def test_a_minor_upgrade_applied_immediately(aws, run):
    run(engine_version="16.4")
    now = run(engine_version="16.10", apply_immediately=True)
    assert now["actions"] == ["modify cluster trading-test: engine_version 16.4 -> 16.10"]
    assert cluster(aws)["EngineVersion"] == "16.10" and not cluster(aws).get("PendingModifiedValues")
    assert now["diff"]["before"]["engine_version"] == "16.4" and now["diff"]["after"]["engine_version"] == "16.10"
    assert run(engine_version="16.10", apply_immediately=True)["changed"] is False


def test_a_later_minor_rds_applied_itself_is_left_alone(aws, run):
    run(engine_version="16.10")
    aws.clear_calls()
    # As after RDS's automatic minor upgrade past the version asked for: nothing to do, nothing refused.
    kept = run(engine_version="16.8")
    assert not kept.failed and kept["changed"] is False and aws.writes() == []
    refused = run(engine_version="16.8", auto_minor_version_upgrade=False)
    assert refused.failed and "engine_version 16.10 -> 16.8 (a downgrade)" in refused["msg"]


# -- the master user secret's rotation -----------------------------------------------------------
def turn_rotation_off(arn):
    """What turning rotation off in the console leaves (the local AWS shares this process)."""
    from moto.secretsmanager.models import secretsmanager_backends

    secret = secretsmanager_backends["123456789012"]["us-east-1"].secrets[arn]
    secret.rotation_enabled = False
    secret.auto_rotate_after_days = 0


def test_the_master_user_secret_rotation_is_read_back(aws, run):
    arn = run()["cluster"]["master_user_secret_arn"]
    found = aws.client("secretsmanager").describe_secret(SecretId=arn)
    assert found["OwningService"] == "rds" and found["RotationEnabled"] is True
    assert found["RotationRules"] == {"AutomaticallyAfterDays": 7} and "RotationLambdaARN" not in found
    again = run()
    rotation = again["cluster"]["master_user_secret_rotation"]
    assert rotation["enabled"] is True and rotation["automatically_after_days"] == 7 and rotation["next_rotation_date"]
    assert again["changed"] is False


def test_a_master_user_secret_that_no_longer_rotates_is_refused_before_any_write(aws, run):
    arn = run()["cluster"]["master_user_secret_arn"]
    turn_rotation_off(arn)
    aws.clear_calls()
    refused = run(reader_count=2)
    assert refused.failed and "no longer rotates" in refused["msg"] and arn in refused["msg"]
    assert refused["actions"] == [] and refused["resources"] == [] and aws.writes() == []
    assert refused["master_user_secret_rotation"]["enabled"] is False
    reported = run(require_master_user_secret_rotation=False)
    assert not reported.failed and reported["cluster"]["master_user_secret_rotation"]["enabled"] is False


def test_the_master_user_secret_gets_its_resource_policy(aws, run):
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyThisAccount",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}},
            }
        ],
    }
    planned = run(check_mode=True, master_user_secret_policy=json.dumps(policy))
    assert planned["actions"][-1] == "put the resource policy of cluster trading-test's master user secret"
    created = run(master_user_secret_policy=json.dumps(policy))
    assert created["actions"][-1] == "put the resource policy of cluster trading-test's master user secret"
    # The secret RDS keeps is a resource of its own; RDS creates it with the cluster.
    assert created["resources"] == planned["resources"]
    assert created["resources"][-1] == {
        "kind": "secret",
        "name": "trading-test master user secret",
        "action": "create",
        "changes": ["put the resource policy of cluster trading-test's master user secret"],
    }
    sm = aws.client("secretsmanager")
    arn = created["cluster"]["master_user_secret_arn"]
    assert json.loads(sm.get_resource_policy(SecretId=arn)["ResourcePolicy"]) == policy
    aws.clear_calls()
    again = run(master_user_secret_policy=json.dumps(policy))
    assert again["changed"] is False and aws.writes() == []
    widened = dict(policy, Statement=[dict(policy["Statement"][0], Effect="Allow", Condition={})])
    checked = run(master_user_secret_policy=json.dumps(widened), check_mode=True)
    assert checked["resources"] == [
        {
            "kind": "secret",
            "name": "trading-test master user secret",
            "action": "change",
            "changes": ["put the resource policy of cluster trading-test's master user secret"],
        }
    ]
    refused = run(master_user_secret_policy=json.dumps(widened))
    assert refused.failed and "PublicPolicyException" in json.dumps(refused)
    assert refused["resources"] == checked["resources"]
