"""AWS's service rules in the local AWS (tools/local_aws/rules.py), through real boto3 clients.

Each rule is refused with AWS's error code and message and its neighbour accepted; the describe
calls a preflight makes answer from the same catalogues as the create calls. Where a rule is also a
constraint of the service model (validation.py answers those first), the test turns that layer off
to reach the rule itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import pytest
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError

from tools.local_aws import rules

REPO = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/eks"


def refused(call, code: str, message: str, **kwargs):
    """Call, expecting AWS's error code and a message matching the regular expression."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    assert error["Code"] == code, error
    assert re.search(message, error["Message"]), error
    return error


def unchecked(aws, service: str):
    """A client without botocore's own checks (it refuses values under a model's minimum itself)."""
    return boto3.client(
        service,
        endpoint_url=aws.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(parameter_validation=False, retries={"mode": "legacy", "max_attempts": 0}),
    )


@pytest.fixture
def model_checks_off(monkeypatch):
    """Turn the service-model layer (validation.py) off, to reach the rule behind it."""
    monkeypatch.setenv("LOCAL_AWS_VALIDATION", "off")


# -- ElastiCache -----------------------------------------------------------------------------------
def replication_group(client, rg_id="trading-rules", **extra):
    args = dict(
        ReplicationGroupId=rg_id,
        ReplicationGroupDescription="rules",
        NumCacheClusters=2,
        CacheNodeType="cache.t4g.small",
        Engine="redis",
        EngineVersion="7.1",
        AutomaticFailoverEnabled=True,
    )
    args.update(extra)
    return client.create_replication_group(**args)["ReplicationGroup"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"PreferredMaintenanceWindow": "sun:05:00-sun:05:30"}, r"^Maintenance window must be at least 60 minutes\.$"),
        ({"PreferredMaintenanceWindow": "sunday:05:00-sunday:06:00"}, r"^Invalid maintenance window: sunday"),
        ({"PreferredMaintenanceWindow": "sun:05:00-mon:07:00"}, r"less than 24 hours"),
        ({"SnapshotWindow": "05:00-05:30"}, r"^Snapshot window must be at least 60 minutes\.$"),
        ({"SnapshotWindow": "5:00-6:00"}, r"^Invalid snapshot window: 5:00-6:00"),
        (
            {"PreferredMaintenanceWindow": "sun:05:00-sun:06:00", "SnapshotWindow": "05:30-06:30"},
            r"^The snapshot window and maintenance window must not overlap\.$",
        ),
        (
            {"PreferredMaintenanceWindow": "sat:23:30-sun:00:30", "SnapshotWindow": "00:00-01:00"},
            r"must not overlap",
        ),
        ({"SnapshotRetentionLimit": 36}, r"maximum backup retention limit is 35 days"),
        ({"CacheNodeType": "cache.t9.micro"}, r"^Invalid Cache Node Type: cache\.t9\.micro$"),
        ({"CacheNodeType": "cache.t2.micro"}, r"previous generation node type"),
    ],
)
def test_elasticache_refuses_what_aws_refuses(aws, extra, message):
    client = aws.client_no_retry("elasticache")
    refused(replication_group, "InvalidParameterValue", message, client=client, **extra)
    assert client.describe_replication_groups()["ReplicationGroups"] == []


def test_elasticache_engine_versions_come_from_the_catalogue(aws):
    client = aws.client_no_retry("elasticache")
    refused(
        replication_group,
        "InvalidParameterCombination",
        r"^Cannot find version 7\.3 for redis$",
        client=client,
        EngineVersion="7.3",
    )
    refused(
        replication_group,
        "InvalidParameterCombination",
        r"^Cannot find version 7\.1 for valkey$",
        client=client,
        Engine="valkey",
    )
    assert replication_group(client, "trading-valkey", Engine="valkey", EngineVersion="8.0")["Status"] == "creating"


def test_elasticache_accepts_the_roles_values(aws):
    client = aws.client_no_retry("elasticache")
    # roles/data_tier/defaults: the windows; the inventories: the node types and 7.1.
    for i, node_type in enumerate(("cache.t4g.micro", "cache.t4g.small", "cache.r7g.large")):
        group = replication_group(
            client,
            f"trading-rules-{i}",
            CacheNodeType=node_type,
            PreferredMaintenanceWindow="sun:06:00-sun:07:00",
            SnapshotWindow="04:00-05:00",
            SnapshotRetentionLimit=35,
        )
        assert group["CacheNodeType"] == node_type
    # AWS's documentation writes the days in lower case and takes them in any case; a window may
    # span midnight and end exactly where the snapshot window starts.
    replication_group(client, "trading-rules-upper", PreferredMaintenanceWindow="SAT:23:00-SUN:04:00")
    replication_group(
        client, "trading-rules-edge", PreferredMaintenanceWindow="sun:05:00-sun:06:00", SnapshotWindow="06:00-07:00"
    )


def test_elasticache_modify_keeps_the_windows_apart(aws):
    client = aws.client_no_retry("elasticache")
    replication_group(client, PreferredMaintenanceWindow="sun:06:00-sun:07:00", SnapshotWindow="04:00-05:00")
    refused(
        client.modify_replication_group,
        "InvalidParameterValue",
        r"^The snapshot window and maintenance window must not overlap\.$",
        ReplicationGroupId="trading-rules",
        PreferredMaintenanceWindow="sun:04:30-sun:05:30",
    )
    refused(
        client.modify_replication_group,
        "InvalidParameterValue",
        r"^Invalid Cache Node Type: cache\.r7g\.huge$",
        ReplicationGroupId="trading-rules",
        CacheNodeType="cache.r7g.huge",
    )
    refused(
        client.modify_replication_group,
        "InvalidParameterCombination",
        r"^Cannot find version 9\.9 for redis$",
        ReplicationGroupId="trading-rules",
        EngineVersion="9.9",
    )
    client.modify_replication_group(
        ReplicationGroupId="trading-rules",
        PreferredMaintenanceWindow="mon:04:30-mon:05:30",
        SnapshotWindow="06:00-07:00",
    )
    # A snapshot window ElastiCache chose itself (none was given) is not held against a new
    # maintenance window: AWS picks its default clear of the user's windows.
    replication_group(client, "trading-rules-default")
    client.modify_replication_group(
        ReplicationGroupId="trading-rules-default", PreferredMaintenanceWindow="sun:05:00-sun:06:00"
    )


def test_cache_cluster_refuses_an_unknown_node_type(aws):
    client = aws.client_no_retry("elasticache")
    refused(
        client.create_cache_cluster,
        "InvalidParameterValue",
        r"^Invalid Cache Node Type: cache\.m9\.large$",
        CacheClusterId="trading-rules",
        Engine="redis",
        CacheNodeType="cache.m9.large",
        NumCacheNodes=1,
    )
    refused(
        client.create_cache_cluster,
        "InvalidParameterValue",
        r"^Maintenance window must be at least 60 minutes\.$",
        CacheClusterId="trading-rules",
        Engine="redis",
        CacheNodeType="cache.t4g.micro",
        NumCacheNodes=1,
        PreferredMaintenanceWindow="sun:05:00-sun:05:45",
    )
    cluster = client.create_cache_cluster(
        CacheClusterId="trading-rules", Engine="redis", CacheNodeType="cache.t4g.micro", NumCacheNodes=1
    )["CacheCluster"]
    assert cluster["CacheNodeType"] == "cache.t4g.micro"


def test_cache_engine_versions_answer_from_the_catalogue(aws):
    client = aws.client_no_retry("elasticache")
    redis = client.describe_cache_engine_versions(Engine="redis")["CacheEngineVersions"]
    by_version = {v["EngineVersion"]: v["CacheParameterGroupFamily"] for v in redis}
    assert by_version["7.1"] == "redis7" and by_version["6.2"] == "redis6.x"
    assert set(by_version) == set(rules.catalogue("elasticache")["engines"]["redis"]["versions"])
    assert client.describe_cache_engine_versions(Engine="redis", EngineVersion="7.3")["CacheEngineVersions"] == []
    one = client.describe_cache_engine_versions(Engine="redis", EngineVersion="7.1")["CacheEngineVersions"]
    assert [(v["Engine"], v["EngineVersion"]) for v in one] == [("redis", "7.1")]
    default = client.describe_cache_engine_versions(Engine="redis", DefaultOnly=True)["CacheEngineVersions"]
    assert [v["EngineVersion"] for v in default] == ["7.1"]
    valkey = client.describe_cache_engine_versions(CacheParameterGroupFamily="valkey8")["CacheEngineVersions"]
    assert {v["EngineVersion"] for v in valkey} == {"8.0", "8.1", "8.2"}


def test_reserved_offerings_tell_which_node_types_exist(aws):
    client = aws.client_no_retry("elasticache")
    offerings = client.describe_reserved_cache_nodes_offerings(CacheNodeType="cache.r7g.large")[
        "ReservedCacheNodesOfferings"
    ]
    assert offerings and {o["CacheNodeType"] for o in offerings} == {"cache.r7g.large"}
    assert {o["Duration"] for o in offerings} == {31536000, 94608000}
    assert {o["OfferingType"] for o in offerings} == {"No Upfront", "Partial Upfront", "All Upfront"}
    for node_type in ("cache.t9.micro", "cache.t2.micro"):
        found = client.describe_reserved_cache_nodes_offerings(CacheNodeType=node_type)["ReservedCacheNodesOfferings"]
        assert found == []
    three_years = client.describe_reserved_cache_nodes_offerings(
        CacheNodeType="cache.t4g.micro", Duration="3", ProductDescription="redis", OfferingType="No Upfront"
    )["ReservedCacheNodesOfferings"]
    assert [(o["Duration"], o["ProductDescription"]) for o in three_years] == [(94608000, "redis")]


# -- RDS / Aurora ----------------------------------------------------------------------------------
def aurora_cluster(rds, cluster_id="trading-rules", **extra):
    args = dict(
        DBClusterIdentifier=cluster_id,
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="trading_admin",
        ManageMasterUserPassword=True,
    )
    args.update(extra)
    return rds.create_db_cluster(**args)["DBCluster"]


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (
            {"PreferredMaintenanceWindow": "sun:05:00-sun:05:20"},
            "InvalidParameterValue",
            r"^The maintenance window must be at least 30 minutes\.$",
        ),
        (
            {"PreferredMaintenanceWindow": "sun:5:00-sun:6:00"},
            "InvalidParameterValue",
            r"^Invalid maintenance window format: sun:5:00-sun:6:00\. Should be specified as a range",
        ),
        (
            {"PreferredBackupWindow": "03:00-03:15"},
            "InvalidParameterValue",
            r"^The backup window must be at least 30 minutes\.$",
        ),
        (
            {"PreferredBackupWindow": "03:00 to 04:00"},
            "InvalidParameterValue",
            r"^Invalid backup window format: 03:00 to 04:00",
        ),
        (
            {"PreferredBackupWindow": "05:30-06:30", "PreferredMaintenanceWindow": "sun:05:00-sun:06:00"},
            "InvalidParameterValue",
            r"^The backup window and maintenance window must not overlap\.$",
        ),
        ({"BackupRetentionPeriod": 0}, "InvalidParameterValue", r"Must be a value from 1 to 35"),
        ({"BackupRetentionPeriod": 36}, "InvalidParameterValue", r"^Invalid backup retention period: 36\."),
        (
            {"EngineVersion": "16.99"},
            "InvalidParameterCombination",
            r"^Cannot find version 16\.99 for aurora-postgresql$",
        ),
        ({"EngineVersion": "12.7"}, "InvalidParameterCombination", r"^Cannot find version 12\.7 for"),
    ],
)
def test_aurora_cluster_refuses_what_rds_refuses(aws, extra, code, message):
    rds = aws.client_no_retry("rds")
    refused(aurora_cluster, code, message, rds=rds, **extra)
    assert rds.describe_db_clusters()["DBClusters"] == []


def test_aurora_accepts_the_roles_values_and_defaults_to_a_current_version(aws):
    rds = aws.client_no_retry("rds")
    # roles/data_tier/defaults: 16.4, backup 03:00-04:00, maintenance sun:05:00-sun:06:00, 7 days.
    cluster = aurora_cluster(
        rds,
        PreferredBackupWindow="03:00-04:00",
        PreferredMaintenanceWindow="Sun:05:00-Sun:06:00",
        BackupRetentionPeriod=35,
    )
    assert cluster["EngineVersion"] == "16.4"
    for i, instance_class in enumerate(("db.t4g.medium", "db.r6g.large", "db.r7g.xlarge", "db.r6g.xlarge")):
        rds.create_db_instance(
            DBInstanceIdentifier=f"trading-rules-{i}",
            DBClusterIdentifier="trading-rules",
            Engine="aurora-postgresql",
            DBInstanceClass=instance_class,
        )
    # A cluster created without EngineVersion gets the default version, as on AWS (moto: 12.7).
    bare = rds.create_db_cluster(
        DBClusterIdentifier="trading-rules-bare",
        Engine="aurora-postgresql",
        MasterUsername="trading_admin",
        ManageMasterUserPassword=True,
    )["DBCluster"]
    assert bare["EngineVersion"] == rules.catalogue("aurora_postgresql")["default_version"]


def test_aurora_instance_classes_are_orderable_for_the_version(aws):
    rds = aws.client_no_retry("rds")
    aurora_cluster(rds, EngineVersion="15.4")
    refused(
        rds.create_db_instance,
        "InvalidParameterCombination",
        r"^RDS does not support creating a DB instance with the following combination: "
        r"DBInstanceClass=db\.r8g\.large, Engine=aurora-postgresql, EngineVersion=15\.4, "
        r"LicenseModel=postgresql-license\.",
        DBInstanceIdentifier="trading-rules-1",
        DBClusterIdentifier="trading-rules",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r8g.large",
    )
    refused(
        rds.create_db_instance,
        "InvalidParameterCombination",
        r"DBInstanceClass=db\.m5\.large",
        DBInstanceIdentifier="trading-rules-1",
        DBClusterIdentifier="trading-rules",
        Engine="aurora-postgresql",
        DBInstanceClass="db.m5.large",
    )
    rds.create_db_instance(
        DBInstanceIdentifier="trading-rules-1",
        DBClusterIdentifier="trading-rules",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r7g.large",
    )
    refused(
        rds.modify_db_instance,
        "InvalidParameterCombination",
        r"^RDS does not support modifying a DB instance .*DBInstanceClass=db\.r8g\.xlarge",
        DBInstanceIdentifier="trading-rules-1",
        DBInstanceClass="db.r8g.xlarge",
        ApplyImmediately=True,
    )
    refused(
        rds.modify_db_instance,
        "InvalidParameterValue",
        r"^The maintenance window must be at least 30 minutes\.$",
        DBInstanceIdentifier="trading-rules-1",
        PreferredMaintenanceWindow="mon:01:00-mon:01:10",
    )


def test_aurora_modify_checks_windows_retention_and_version(aws):
    rds = aws.client_no_retry("rds")
    aurora_cluster(rds, PreferredBackupWindow="03:00-04:00", PreferredMaintenanceWindow="sun:05:00-sun:06:00")
    refused(
        rds.modify_db_cluster,
        "InvalidParameterValue",
        r"^The backup window and maintenance window must not overlap\.$",
        DBClusterIdentifier="trading-rules",
        PreferredMaintenanceWindow="sun:03:30-sun:04:30",
    )
    refused(
        rds.modify_db_cluster,
        "InvalidParameterValue",
        r"Must be a value from 1 to 35",
        DBClusterIdentifier="trading-rules",
        BackupRetentionPeriod=40,
    )
    refused(
        rds.modify_db_cluster,
        "InvalidParameterCombination",
        r"^Cannot find version 16\.5 for aurora-postgresql$",
        DBClusterIdentifier="trading-rules",
        EngineVersion="16.5",
    )
    found = rds.modify_db_cluster(
        DBClusterIdentifier="trading-rules",
        PreferredMaintenanceWindow="mon:05:00-mon:06:00",
        BackupRetentionPeriod=14,
        EngineVersion="16.8",
        ApplyImmediately=True,
    )["DBCluster"]
    assert found["PreferredMaintenanceWindow"] == "mon:05:00-mon:06:00" and found["BackupRetentionPeriod"] == 14


def test_orderable_options_answer_from_the_catalogue(aws):
    rds = aws.client_no_retry("rds")
    options = rds.describe_orderable_db_instance_options(
        Engine="aurora-postgresql", EngineVersion="16.4", DBInstanceClass="db.r7g.xlarge"
    )["OrderableDBInstanceOptions"]
    assert [(o["EngineVersion"], o["DBInstanceClass"]) for o in options] == [("16.4", "db.r7g.xlarge")]
    zones = {z["Name"] for z in options[0]["AvailabilityZones"]}
    assert {"us-east-1a", "us-east-1b", "us-east-1c"} <= zones
    assert (
        rds.describe_orderable_db_instance_options(
            Engine="aurora-postgresql", EngineVersion="15.4", DBInstanceClass="db.r8g.large"
        )["OrderableDBInstanceOptions"]
        == []
    )
    paginator = rds.get_paginator("describe_orderable_db_instance_options")
    classes = {
        o["DBInstanceClass"]
        for page in paginator.paginate(
            Engine="aurora-postgresql", EngineVersion="17.6", PaginationConfig={"PageSize": 20}
        )
        for o in page["OrderableDBInstanceOptions"]
    }
    for wanted in (
        "db.t3.medium",
        "db.t4g.large",
        "db.r5.24xlarge",
        "db.r6i.large",
        "db.r7i.16xlarge",
        "db.r8g.48xlarge",
    ):
        assert wanted in classes
    first = rds.describe_orderable_db_instance_options(Engine="aurora-postgresql", MaxRecords=20)
    assert len(first["OrderableDBInstanceOptions"]) == 20 and first["Marker"]


def test_engine_versions_answer_from_the_catalogue(aws):
    rds = aws.client_no_retry("rds")
    one = rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="16.4")["DBEngineVersions"]
    assert [(v["EngineVersion"], v["DBParameterGroupFamily"]) for v in one] == [("16.4", "aurora-postgresql16")]
    assert "16.8" in {t["EngineVersion"] for t in one[0]["ValidUpgradeTarget"]}
    assert rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="16.99")["DBEngineVersions"] == []
    default = rds.describe_db_engine_versions(Engine="aurora-postgresql", DefaultOnly=True)["DBEngineVersions"]
    assert [v["EngineVersion"] for v in default] == ["16.4"]
    fifteen = rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="15")["DBEngineVersions"]
    assert {v["EngineVersion"] for v in fifteen} == set(rules.catalogue("aurora_postgresql")["versions"]["15"])
    paginator = rds.get_paginator("describe_db_engine_versions")
    every = {
        v["EngineVersion"] for page in paginator.paginate(Engine="aurora-postgresql") for v in page["DBEngineVersions"]
    }
    assert {"13.22", "14.19", "15.14", "16.4", "17.6"} <= every and "15.2" in every

    sixteen = rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="16.10")["DBEngineVersions"]
    assert sixteen[0]["SupportedCACertificateIdentifiers"] == rules.ca_certificates()


def aurora_instance(rds, name="trading-rules-1", **extra):
    args = dict(
        DBInstanceIdentifier=name,
        DBClusterIdentifier="trading-rules",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    args.update(extra)
    return rds.create_db_instance(**args)["DBInstance"]


def test_certificates_answer_the_cas_rds_offers(aws):
    rds = aws.client_no_retry("rds")
    answer = rds.describe_certificates()
    assert answer["DefaultCertificateForNewLaunches"] == "rds-ca-rsa2048-g1"
    assert [c["CertificateIdentifier"] for c in answer["Certificates"]] == [
        "rds-ca-rsa2048-g1",
        "rds-ca-rsa4096-g1",
        "rds-ca-ecc384-g1",
    ]
    assert {c["CertificateType"] for c in answer["Certificates"]} == {"CA"}
    assert answer["Certificates"][0]["CertificateArn"] == "arn:aws:rds:us-east-1::cert:rds-ca-rsa2048-g1"
    one = rds.describe_certificates(CertificateIdentifier="rds-ca-ecc384-g1")["Certificates"]
    assert [c["CertificateIdentifier"] for c in one] == ["rds-ca-ecc384-g1"]
    # rds-ca-2019 expired in August 2024 and is no longer listed (turbot/steampipe-plugin-aws #2362).
    error = refused(
        rds.describe_certificates,
        "CertificateNotFound",
        r"^Certificate rds-ca-2019 not found$",
        CertificateIdentifier="rds-ca-2019",
    )
    assert error["Type"] == "Sender"


@pytest.mark.parametrize("ca", ["rds-ca-2019", "rds-ca-2015", "rds-ca-rsa2048-g2", "rds-ca-default"])
def test_an_instance_refuses_a_ca_rds_does_not_offer(aws, ca):
    rds = aws.client_no_retry("rds")
    aurora_cluster(rds)
    with pytest.raises(ClientError) as caught:
        aurora_instance(rds, CACertificateIdentifier=ca)
    assert caught.value.response["Error"]["Code"] == "CertificateNotFound"
    assert caught.value.response["Error"]["Message"] == f"Certificate not found: {ca}"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert rds.describe_db_instances()["DBInstances"] == []
    aurora_instance(rds)
    refused(
        rds.modify_db_instance,
        "CertificateNotFound",
        rf"^Certificate not found: {re.escape(ca)}$",
        DBInstanceIdentifier="trading-rules-1",
        CACertificateIdentifier=ca,
        ApplyImmediately=True,
    )
    assert rds.describe_db_instances()["DBInstances"][0]["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"


def test_an_instance_keeps_its_ca_and_a_change_waits_for_the_window(aws):
    rds = aws.client_no_retry("rds")
    aurora_cluster(rds)
    # Without CACertificateIdentifier: RDS's default for new launches (moto's own is "rds-ca-default").
    assert aurora_instance(rds)["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"
    assert (
        aurora_instance(rds, "trading-rules-2", CACertificateIdentifier="rds-ca-rsa4096-g1")["CACertificateIdentifier"]
        == "rds-ca-rsa4096-g1"
    )
    deferred = rds.modify_db_instance(
        DBInstanceIdentifier="trading-rules-1", CACertificateIdentifier="rds-ca-ecc384-g1"
    )
    assert deferred["DBInstance"]["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"
    found = rds.describe_db_instances(DBInstanceIdentifier="trading-rules-1")["DBInstances"][0]
    assert found["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"
    assert found["PendingModifiedValues"] == {"CACertificateIdentifier": "rds-ca-ecc384-g1"}
    # ApplyImmediately applies the request and what is pending (ModifyDBInstance ApplyImmediately).
    rds.modify_db_instance(DBInstanceIdentifier="trading-rules-1", AutoMinorVersionUpgrade=True, ApplyImmediately=True)
    found = rds.describe_db_instances(DBInstanceIdentifier="trading-rules-1")["DBInstances"][0]
    assert found["CACertificateIdentifier"] == "rds-ca-ecc384-g1" and not found.get("PendingModifiedValues")
    now = rds.modify_db_instance(
        DBInstanceIdentifier="trading-rules-2", CACertificateIdentifier="rds-ca-rsa2048-g1", ApplyImmediately=True
    )
    assert now["DBInstance"]["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"


def test_an_engine_upgrade_waits_for_the_window_unless_applied_immediately(aws):
    rds = aws.client_no_retry("rds")
    aurora_cluster(rds)
    deferred = rds.modify_db_cluster(DBClusterIdentifier="trading-rules", EngineVersion="16.10")["DBCluster"]
    assert deferred["EngineVersion"] == "16.4" and deferred["PendingModifiedValues"] == {"EngineVersion": "16.10"}
    found = rds.describe_db_clusters(DBClusterIdentifier="trading-rules")["DBClusters"][0]
    assert found["EngineVersion"] == "16.4" and found["PendingModifiedValues"] == {"EngineVersion": "16.10"}
    # A version that does not exist is refused whether deferred or not.
    refused(
        rds.modify_db_cluster,
        "InvalidParameterCombination",
        r"^Cannot find version 16\.7 for aurora-postgresql$",
        DBClusterIdentifier="trading-rules",
        EngineVersion="16.7",
    )
    now = rds.modify_db_cluster(DBClusterIdentifier="trading-rules", EngineVersion="16.10", ApplyImmediately=True)
    assert now["DBCluster"]["EngineVersion"] == "16.10" and not now["DBCluster"].get("PendingModifiedValues")


def test_the_master_user_secret_rds_manages_rotates_every_seven_days(aws):
    rds = aws.client_no_retry("rds")
    arn = aurora_cluster(rds)["MasterUserSecret"]["SecretArn"]
    found = aws.client_no_retry("secretsmanager").describe_secret(SecretId=arn)
    assert found["OwningService"] == "rds"
    assert found["RotationEnabled"] is True and found["RotationRules"] == {"AutomaticallyAfterDays": 7}
    assert "RotationLambdaARN" not in found  # managed rotation: no Lambda function
    days = (found["NextRotationDate"] - found["CreatedDate"]).total_seconds() / 86400
    assert 6.9 < days < 7.1
    # A secret of one's own is created without rotation, as on AWS.
    mine = aws.client_no_retry("secretsmanager").create_secret(Name="trading-rules/mine", SecretString="x")
    assert "RotationEnabled" not in aws.client_no_retry("secretsmanager").describe_secret(SecretId=mine["ARN"])


# -- ELBv2 -----------------------------------------------------------------------------------------
@pytest.fixture
def vpc_id(aws):
    return aws.client("ec2").create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]


def target_group(elb, vpc_id, name="trading-rules", **extra):
    args = dict(Name=name, Protocol="HTTP", Port=8080, VpcId=vpc_id, TargetType="ip")
    args.update(extra)
    return elb.create_target_group(**args)["TargetGroups"][0]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"Matcher": {"HttpCode": "600"}}, r"HTTP code '600' must be within '200-499'"),
        ({"Matcher": {"HttpCode": "100-199"}}, r"HTTP code '100-199' must be within '200-499'"),
        ({"Matcher": {"HttpCode": "200,500"}}, r"HTTP code '500' must be within '200-499'"),
        ({"Matcher": {"HttpCode": "299-200"}}, r"HTTP code '299-200' must be within"),
        ({"Matcher": {"HttpCode": "200x"}}, r"HTTP code '200x' is not valid"),
        ({"ProtocolVersion": "GRPC", "Matcher": {"GrpcCode": "100"}}, r"gRPC code '100' must be within '0-99'"),
        ({"HealthCheckPath": "healthz"}, r"^Health check path 'healthz' must begin with a '/' character$"),
    ],
)
def test_target_groups_refuse_what_elbv2_refuses(aws, vpc_id, extra, message):
    elb = aws.client_no_retry("elbv2")
    refused(target_group, "ValidationError", message, elb=elb, vpc_id=vpc_id, **extra)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"HealthCheckIntervalSeconds": 4}, r"'healthCheckIntervalSeconds' .* greater than or equal to 5$"),
        ({"HealthCheckIntervalSeconds": 301}, r"'healthCheckIntervalSeconds' .* less than or equal to 300$"),
        ({"HealthCheckTimeoutSeconds": 1}, r"'healthCheckTimeoutSeconds' .* greater than or equal to 2$"),
        ({"HealthyThresholdCount": 11}, r"'healthyThresholdCount' .* less than or equal to 10$"),
        ({"UnhealthyThresholdCount": 1}, r"'unhealthyThresholdCount' .* greater than or equal to 2$"),
        ({"HealthCheckPath": "/" + "a" * 1024}, r"'healthCheckPath' .* length between 1 and 1024$"),
    ],
)
def test_target_group_ranges_of_the_model_are_refused_behind_the_model_layer(
    aws, vpc_id, model_checks_off, extra, message
):
    elb = unchecked(aws, "elbv2")
    refused(
        target_group,
        "ValidationError",
        r"^1 validation error detected: Value .*" + message,
        elb=elb,
        vpc_id=vpc_id,
        **extra,
    )


def test_target_groups_accept_the_roles_values_and_modify_is_checked(aws, vpc_id):
    elb = aws.client_no_retry("elbv2")
    # roles/alb/defaults: matcher 200-399, interval 15, timeout 5, thresholds 3, path /healthz.
    group = target_group(
        elb,
        vpc_id,
        Matcher={"HttpCode": "200-399"},
        HealthCheckIntervalSeconds=15,
        HealthCheckTimeoutSeconds=5,
        HealthyThresholdCount=3,
        UnhealthyThresholdCount=3,
        HealthCheckPath="/healthz",
    )
    target_group(elb, vpc_id, "trading-rules-list", Matcher={"HttpCode": "200,302"})
    target_group(elb, vpc_id, "trading-rules-grpc", ProtocolVersion="GRPC", Matcher={"GrpcCode": "0-99"})
    target_group(
        elb, vpc_id, "trading-rules-nlb", Protocol="TCP", HealthCheckProtocol="HTTP", Matcher={"HttpCode": "200-599"}
    )
    arn = group["TargetGroupArn"]
    refused(
        elb.modify_target_group,
        "ValidationError",
        r"HTTP code '404,600'|HTTP code '600' must be within '200-499'",
        TargetGroupArn=arn,
        Matcher={"HttpCode": "404,600"},
    )
    refused(
        elb.modify_target_group,
        "ValidationError",
        r"^Health check timeout '15' must be smaller than the interval '15'$",
        TargetGroupArn=arn,
        HealthCheckTimeoutSeconds=15,
    )
    refused(
        elb.modify_target_group,
        "ValidationError",
        r"must begin with a '/' character",
        TargetGroupArn=arn,
        HealthCheckPath="ready",
    )
    changed = elb.modify_target_group(
        TargetGroupArn=arn, Matcher={"HttpCode": "200-299"}, HealthCheckIntervalSeconds=30, HealthCheckTimeoutSeconds=10
    )["TargetGroups"][0]
    assert changed["Matcher"]["HttpCode"] == "200-299" and changed["HealthCheckTimeoutSeconds"] == 10


# -- EC2 -------------------------------------------------------------------------------------------
def test_instance_types_are_botocores(aws, model_checks_off):
    ec2 = aws.client_no_retry("ec2")
    image = ec2.register_image(Name="trading-rules", RootDeviceName="/dev/xvda")["ImageId"]
    refused(
        ec2.run_instances,
        "InvalidParameterValue",
        r"^Invalid value 'm9\.huge' for InstanceType\.$",
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="m9.huge",
    )
    refused(
        ec2.create_launch_template,
        "InvalidParameterValue",
        r"^Invalid value 'm6i\.huge' for InstanceType\.$",
        LaunchTemplateName="trading-rules",
        LaunchTemplateData={"InstanceType": "m6i.huge"},
    )
    template = ec2.create_launch_template(
        LaunchTemplateName="trading-rules", LaunchTemplateData={"InstanceType": "m6i.xlarge"}
    )["LaunchTemplate"]
    refused(
        ec2.create_launch_template_version,
        "InvalidParameterValue",
        r"^Invalid value 'x1\.tiny' for InstanceType\.$",
        LaunchTemplateId=template["LaunchTemplateId"],
        LaunchTemplateData={"InstanceType": "x1.tiny"},
    )
    started = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="m6i.xlarge")["Instances"]
    assert started[0]["InstanceType"] == "m6i.xlarge"


def test_instance_type_offerings_by_zone(aws):
    ec2 = aws.client_no_retry("ec2")
    types = ["m6i.xlarge", "m6a.xlarge", "m5.xlarge", "t3.medium", "t3.large", "m6i.large", "m6a.large", "m5.large"]
    zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    found = ec2.describe_instance_type_offerings(
        LocationType="availability-zone",
        Filters=[{"Name": "instance-type", "Values": types}, {"Name": "location", "Values": zones}],
    )["InstanceTypeOfferings"]
    assert {(o["InstanceType"], o["Location"]) for o in found} == {(t, z) for t in types for z in zones}
    assert {o["LocationType"] for o in found} == {"availability-zone"}
    # us-east-1e (use1-az3) offers none of the current generation types.
    assert (
        ec2.describe_instance_type_offerings(
            LocationType="availability-zone",
            Filters=[{"Name": "instance-type", "Values": types}, {"Name": "location", "Values": ["us-east-1e"]}],
        )["InstanceTypeOfferings"]
        == []
    )
    wildcard = ec2.describe_instance_type_offerings(
        LocationType="availability-zone",
        Filters=[{"Name": "instance-type", "Values": ["m6i.*"]}, {"Name": "location", "Values": ["us-east-1a"]}],
    )["InstanceTypeOfferings"]
    assert {"m6i.large", "m6i.xlarge"} <= {o["InstanceType"] for o in wildcard}
    assert {o["Location"] for o in wildcard} == {"us-east-1a"}


# -- EKS -------------------------------------------------------------------------------------------
@pytest.fixture
def eks_cluster(aws):
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnets = {
        z: ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"][
            "SubnetId"
        ]
        for i, z in enumerate("abce")
    }
    aws.client("eks").create_cluster(
        name="trading-rules",
        version="1.32",
        roleArn=ROLE,
        resourcesVpcConfig={"subnetIds": [subnets["a"], subnets["b"]]},
    )
    return subnets


def nodegroup(eks, zones, name="general", **extra):
    args = dict(
        clusterName="trading-rules",
        nodegroupName=name,
        nodeRole=ROLE,
        subnets=[zones[z] for z in "abc"],
        instanceTypes=["m6i.xlarge"],
        scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 1},
    )
    args.update(extra)
    return eks.create_nodegroup(**args)["nodegroup"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"labels": {"bad key": "x"}}, r"^Label key 'bad key' is not valid: its name must be at most 63"),
        ({"labels": {"-lifecycle": "spot"}}, r"^Label key '-lifecycle' is not valid"),
        ({"labels": {"Example.COM/tier": "app"}}, r"its prefix must be a DNS subdomain"),
        ({"labels": {"lifecycle": "spot!"}}, r"^Label value 'spot!' of key 'lifecycle' is not valid"),
        ({"labels": {"lifecycle": "-spot"}}, r"^Label value '-spot'"),
        (
            {"taints": [{"key": "lifecycle/", "value": "spot", "effect": "NO_SCHEDULE"}]},
            r"^Taint key 'lifecycle/' is not valid",
        ),
        (
            {"taints": [{"key": "lifecycle", "value": "spot value", "effect": "NO_SCHEDULE"}]},
            r"^Taint value 'spot value' of key 'lifecycle' is not valid",
        ),
        (
            {"taints": [{"key": f"k{i}", "value": "v", "effect": "NO_SCHEDULE"} for i in range(51)]},
            r"^A node group can have at most 50 taints$",
        ),
        ({"instanceTypes": ["m9.xlarge"]}, r"^The following supplied instance types do not exist: \[m9\.xlarge\]$"),
    ],
)
def test_node_groups_refuse_what_eks_refuses(aws, eks_cluster, extra, message):
    eks = aws.client_no_retry("eks")
    refused(nodegroup, "InvalidParameterException", message, eks=eks, zones=eks_cluster, **extra)
    assert eks.list_nodegroups(clusterName="trading-rules")["nodegroups"] == []


def test_node_group_refusals_behind_the_model_layer(aws, eks_cluster, model_checks_off):
    eks = aws.client_no_retry("eks")
    refused(
        nodegroup,
        "InvalidParameterException",
        r"^Taint effect 'NoSchedule' of key 'lifecycle' is not valid: it must be one of NO_SCHEDULE, NO_EXECUTE, "
        r"PREFER_NO_SCHEDULE$",
        eks=eks,
        zones=eks_cluster,
        taints=[{"key": "lifecycle", "value": "spot", "effect": "NoSchedule"}],
    )
    refused(
        nodegroup,
        "InvalidParameterException",
        r"^Label key 'example\.com/.*' is not valid: it must be at most 63 characters$",
        eks=eks,
        zones=eks_cluster,
        labels={"example.com/" + "a" * 60: "x"},
    )


def test_node_group_instance_types_must_be_offered_in_the_subnets_zones(aws, eks_cluster):
    eks = aws.client_no_retry("eks")
    refused(
        nodegroup,
        "InvalidRequestException",
        r"^Your requested instance type \(m6i\.xlarge\) is not supported in your requested Availability Zone "
        r"\(us-east-1e\)\. Please retry your request by not specifying an Availability Zone or choosing "
        r"us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1f\.$",
        eks=eks,
        zones=eks_cluster,
        subnets=[eks_cluster["a"], eks_cluster["e"]],
    )


def test_node_groups_accept_the_inventories_values(aws, eks_cluster):
    eks = aws.client_no_retry("eks")
    # inventories/prod: the spot group, with its label and taint; staging and dev: the others.
    spot = nodegroup(
        eks,
        eks_cluster,
        "spot",
        instanceTypes=["m6i.xlarge", "m6a.xlarge", "m5.xlarge"],
        capacityType="SPOT",
        scalingConfig={"minSize": 0, "maxSize": 9, "desiredSize": 0},
        labels={"lifecycle": "spot", "node.kubernetes.io/pool": "batch_1.a"},
        taints=[
            {"key": "lifecycle", "value": "spot", "effect": "NO_SCHEDULE"},
            {"key": "example.com/dedicated", "effect": "NO_EXECUTE"},
        ],
    )
    assert spot["labels"]["lifecycle"] == "spot" and len(spot["taints"]) == 2
    for i, types in enumerate((["t3.large"], ["m6i.large", "m6a.large", "m5.large"], ["t3.medium"])):
        nodegroup(eks, eks_cluster, f"group-{i}", instanceTypes=types)


def test_node_group_updates_are_checked(aws, eks_cluster, model_checks_off):
    eks = aws.client_no_retry("eks")
    nodegroup(eks, eks_cluster, taints=[{"key": f"k{i}", "value": "v", "effect": "NO_SCHEDULE"} for i in range(50)])
    refused(
        eks.update_nodegroup_config,
        "InvalidParameterException",
        r"^Label key 'bad/key/x' is not valid",
        clusterName="trading-rules",
        nodegroupName="general",
        labels={"addOrUpdateLabels": {"bad/key/x": "v"}},
    )
    refused(
        eks.update_nodegroup_config,
        "InvalidParameterException",
        r"^A node group can have at most 50 taints$",
        clusterName="trading-rules",
        nodegroupName="general",
        taints={"addOrUpdateTaints": [{"key": "one-more", "value": "v", "effect": "NO_SCHEDULE"}]},
    )
    raw = unchecked(aws, "eks")  # botocore itself refuses maxSize 0, the model's minimum
    refused(
        raw.update_nodegroup_config,
        "InvalidParameterException",
        r"maxSize must be at least 1$",
        clusterName="trading-rules",
        nodegroupName="general",
        scalingConfig={"minSize": 0, "maxSize": 0, "desiredSize": 0},
    )
    eks.update_nodegroup_config(
        clusterName="trading-rules",
        nodegroupName="general",
        labels={"addOrUpdateLabels": {"tier": "app"}},
        taints={"removeTaints": [{"key": "k0", "value": "v", "effect": "NO_SCHEDULE"}]},
    )


def test_addon_versions_come_from_the_catalogue(aws, eks_cluster):
    eks = aws.client_no_retry("eks")
    versions = eks.describe_addon_versions(addonName="coredns", kubernetesVersion="1.32")["addons"][0]["addonVersions"]
    assert [v["addonVersion"] for v in versions] == ["v1.11.4-eksbuild.2"]
    refused(
        eks.create_addon,
        "InvalidParameterException",
        r"^Addon version specified is not supported for cluster version 1\.32",
        clusterName="trading-rules",
        addonName="coredns",
        addonVersion="v1.11.1-eksbuild.9",
    )
    assert eks.create_addon(clusterName="trading-rules", addonName="coredns", addonVersion="v1.11.4-eksbuild.2")


# -- S3 --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "trading-bucket-",
        "-trading-bucket",
        "trading..bucket",
        "Trading-Bucket",
        "trading_bucket",
        "192.168.5.4",
        "xn--trading",
        "sthree-trading",
        "amzn-s3-demo-trading",
        "trading-s3alias",
        "trading--ol-s3",
        "trading.mrap",
        "trading--table-s3",
        "trading-bucket-an",
        "a" * 64,
    ],
)
def test_bucket_names_follow_the_naming_rules(aws, name):
    # (A name ending in --x-s3 is a directory bucket's: botocore sends it the S3 Express way.)
    s3 = aws.client_no_retry("s3")
    refused(s3.create_bucket, "InvalidBucketName", r"^The specified bucket is not valid\.$", Bucket=name)
    assert name not in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_bucket_names_of_the_roles_are_accepted(aws):
    s3 = aws.client_no_retry("s3")
    # roles/alb/vars and roles/compliance/vars: <name>-alb-logs-<account>, <name>-compliance-<account>.
    for name in (
        "trading-prod-alb-logs-123456789012",
        "trading-prod-compliance-123456789012",
        "logs.trading-2026",
        "abc",
    ):
        s3.create_bucket(Bucket=name)
    assert {"abc", "logs.trading-2026"} <= {b["Name"] for b in s3.list_buckets()["Buckets"]}


# -- the shipped values --------------------------------------------------------------------------
def shipped(name: str) -> list:
    """Every value of a variable in the roles' defaults and the inventories' group_vars."""
    found = []
    for path in sorted(REPO.glob("roles/*/defaults/main.yml")) + sorted(REPO.glob("inventories/*/group_vars/**/*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        if isinstance(data, dict) and name in data and "{{" not in str(data[name]):
            found.append((path.relative_to(REPO).as_posix(), data[name]))
    return found


def test_every_shipped_value_is_one_aws_accepts():
    """The inventories and the roles' defaults stay within the rules (so every environment converges)."""
    current, _previous = rules.node_types()
    for where, node_type in shipped("data_tier_redis_node_type"):
        assert node_type in current, where
    for where, version in shipped("data_tier_redis_engine_version"):
        assert rules.cache_family("redis", str(version)), where
    aurora_versions = [str(v) for _, v in shipped("data_tier_aurora_engine_version")] or ["16.4"]
    for where, instance_class in shipped("data_tier_aurora_instance_class"):
        for version in aurora_versions:
            assert rules.orderable(instance_class, rules.aurora_version(version)), (where, version)
    for where, days in shipped("data_tier_aurora_backup_retention_days"):
        assert 1 <= int(days) <= 35, where
    for where, days in shipped("data_tier_redis_snapshot_retention_days"):
        assert 0 <= int(days) <= 35, where
    maintenance = dict(shipped("data_tier_aurora_maintenance_window"))
    backup = dict(shipped("data_tier_aurora_backup_window"))
    for where, window in maintenance.items():
        weekly, daily = rules.weekly_window(window), rules.daily_window(backup.get(where, "03:00-04:00"))
        assert weekly and weekly[1] >= 30 and daily and daily[1] >= 30, where
        assert not rules.windows_overlap(weekly, daily), where
    redis_maintenance = dict(shipped("data_tier_redis_maintenance_window"))
    snapshot = dict(shipped("data_tier_redis_snapshot_window"))
    for where, window in redis_maintenance.items():
        weekly, daily = rules.weekly_window(window), rules.daily_window(snapshot[where])
        assert weekly and weekly[1] >= 60 and daily and daily[1] >= 60, where
        assert not rules.windows_overlap(weekly, daily), where
    groups = []
    for where, value in shipped("eks_nodegroups") + shipped("eks_prod_general") + shipped("eks_prod_spot"):
        groups += [(where, g) for g in (value if isinstance(value, list) else [value])]
    assert groups
    for where, group in groups:
        for instance_type in group["instance_types"]:
            assert instance_type in rules.instance_types(), (where, instance_type)
            assert {"us-east-1a", "us-east-1b", "us-east-1c"} <= set(rules.offered_zones("us-east-1", instance_type))
        assert rules.labels_problem(group.get("labels")) is None, where
        assert rules.taints_problem(group.get("taints")) is None, where
        assert len(group.get("taints") or []) <= rules.MAX_TAINTS, where
    for where, defaults in shipped("alb_target_group_defaults"):
        rules.check_codes(defaults["matcher"], 200, 499, "matcher")
        assert 5 <= defaults["health_check_interval"] <= 300 and 2 <= defaults["health_check_timeout"] <= 120, where
        assert defaults["health_check_timeout"] < defaults["health_check_interval"], where
        assert 2 <= defaults["healthy_threshold"] <= 10 and 2 <= defaults["unhealthy_threshold"] <= 10, where
    for where, groups_of_alb in shipped("alb_target_groups"):
        for group in groups_of_alb:
            assert group.get("health_check_path", "/").startswith("/"), where


def test_windows_are_read_as_aws_reads_them():
    assert rules.weekly_window("sun:23:00-mon:01:30") == (23 * 60, 150)
    assert rules.weekly_window("SAT:23:30-SUN:00:30") == (6 * 1440 + 23 * 60 + 30, 60)
    assert rules.weekly_window("sun:24:00-mon:01:00") is None
    assert rules.weekly_window("sun:23:00-fun:01:00") is None
    assert rules.daily_window("23:30-00:30") == (23 * 60 + 30, 60)
    # A daily window meets a weekly one on the weekly one's days, across midnight and the week's end.
    assert rules.windows_overlap(rules.weekly_window("sat:23:30-sun:00:30"), rules.daily_window("00:00-00:45"))
    assert rules.windows_overlap(rules.weekly_window("wed:02:00-wed:03:00"), rules.daily_window("23:30-02:30"))
    assert not rules.windows_overlap(rules.weekly_window("wed:02:00-wed:03:00"), rules.daily_window("03:00-04:00"))
