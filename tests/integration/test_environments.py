"""Every shipped environment (dev, staging, prod) through its whole life against the local AWS, with
the inventory as shipped: only the endpoint is overridden (and, for prod, the certificate ARN, which
names a certificate of the real account; the test imports one into the local AWS).

For each: converge; a second run with changed=0 and no write but the lock's; the plan
(drift.yml, which is site.yml under --check --diff plus the report) clean; the environment's own
features read back from AWS; teardown (prod confirmed, with its deletion protection and final
snapshots); nothing left tagged with the environment but what the teardown keeps on purpose.

The tier runs with `make test-environments` (`pytest -m environments`); `.ci/run` runs it.
"""

import json
import tempfile
from pathlib import Path

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules.acm_self_signed_certificate import generate

from tests.helpers import check_diagram, recap, run_playbook
from tests.integration.test_site import tagged_with_env

pytestmark = [pytest.mark.playbook, pytest.mark.environments]


def by_env(aws, env):
    return [{"Name": "tag:Environment", "Values": [env]}]


def group_rules(aws, name):
    ec2 = aws.client("ec2")
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"][0]
    return group["IpPermissions"]


def cidrs_on(permissions, port):
    return sorted(r["CidrIp"] for p in permissions if p.get("FromPort") == port for r in p.get("IpRanges", []))


def check_network(aws, env, nat_gateways):
    ec2 = aws.client("ec2")
    nats = [n for n in ec2.describe_nat_gateways(Filter=by_env(aws, env))["NatGateways"] if n["State"] == "available"]
    assert len(nats) == nat_gateways
    # Each private route table's default route goes through a NAT gateway of its own zone (per_az)
    # or the one NAT gateway (single).
    subnets = {s["SubnetId"]: s for s in ec2.describe_subnets(Filters=by_env(aws, env))["Subnets"]}
    nat_zone = {n["NatGatewayId"]: subnets[n["SubnetId"]]["AvailabilityZone"] for n in nats}
    private = [
        t
        for t in ec2.describe_route_tables(Filters=by_env(aws, env))["RouteTables"]
        if any(r.get("NatGatewayId") for r in t["Routes"])
    ]
    assert len(private) == 3
    for table in private:
        nat = next(r["NatGatewayId"] for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0")
        zones = {subnets[a["SubnetId"]]["AvailabilityZone"] for a in table["Associations"] if a.get("SubnetId")}
        if nat_gateways > 1:
            assert zones == {nat_zone[nat]}
    assert {nat_zone[n["NatGatewayId"]] for n in nats} == (
        {"us-east-1a", "us-east-1b", "us-east-1c"} if nat_gateways == 3 else {"us-east-1a"}
    )


def retention_of(aws):
    return {g["logGroupName"]: g.get("retentionInDays") for g in aws.client("logs").describe_log_groups()["logGroups"]}


def check_prod(aws):
    check_network(aws, "prod", nat_gateways=3)
    elb = aws.client("elbv2")
    lb = elb.describe_load_balancers(Names=["trading-prod"])["LoadBalancers"][0]
    attributes = {
        a["Key"]: a["Value"]
        for a in elb.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]
    }
    assert attributes["deletion_protection.enabled"] == "true"
    acl = aws.client("wafv2").get_web_acl_for_resource(ResourceArn=lb["LoadBalancerArn"])["WebACL"]
    assert acl["Name"].startswith("trading-prod")
    rds = aws.client("rds")
    cluster = rds.describe_db_clusters(DBClusterIdentifier="trading-prod-aurora")["DBClusters"][0]
    assert cluster["DeletionProtection"] is True and cluster["StorageEncrypted"] is True
    members = cluster["DBClusterMembers"]
    assert len([m for m in members if m["IsClusterWriter"]]) == 1
    assert len([m for m in members if not m["IsClusterWriter"]]) == 2  # data_tier_aurora_reader_count: 2
    zones = {i["AvailabilityZone"] for i in rds.describe_db_instances()["DBInstances"]}
    assert len(zones) == 3
    target = aws.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="rds")["ScalableTargets"][
        0
    ]
    assert (target["ResourceId"], target["MinCapacity"], target["MaxCapacity"]) == ("cluster:trading-prod-aurora", 2, 6)
    redis = aws.client("elasticache").describe_replication_groups(ReplicationGroupId="trading-prod-redis")[
        "ReplicationGroups"
    ][0]
    assert redis["MultiAZ"] == "enabled" and redis["AutomaticFailover"] == "enabled"
    assert len(redis["MemberClusters"]) == 3  # a primary and two replicas
    assert redis["TransitEncryptionEnabled"] is True and redis["AtRestEncryptionEnabled"] is True
    rule = aws.client("events").describe_rule(Name="trading-prod-guardduty-findings")
    assert json.loads(rule["EventPattern"])["detail"]["severity"] == [{"numeric": [">=", 4]}]
    retention = retention_of(aws)
    assert retention["/trading/prod/audit"] == 2557  # seven years
    assert retention["/trading/prod/application"] == 365 and retention["/trading/prod/vpc-flow-logs"] == 365
    assert all(days >= 365 for name, days in retention.items() if "prod" in name)
    check_prod_data_plane(aws)


def check_prod_data_plane(aws):
    """The inventory's provisioned feeds with a week of retention and two fan-out consumers, the protected ledger."""
    kinesis = aws.client("kinesis")
    for feed, shards in (("quotes", 8), ("trades", 4)):
        summary = kinesis.describe_stream_summary(StreamName=f"trading-prod-{feed}")["StreamDescriptionSummary"]
        assert summary["StreamModeDetails"]["StreamMode"] == "PROVISIONED" and summary["OpenShardCount"] == shards
        assert summary["RetentionPeriodHours"] == 168 and summary["EncryptionType"] == "KMS"
        consumers = kinesis.list_stream_consumers(StreamARN=summary["StreamARN"])["Consumers"]
        assert sorted(c["ConsumerName"] for c in consumers) == ["matching-engine", "risk-engine"]
    dynamodb = aws.client("dynamodb")
    table = dynamodb.describe_table(TableName="trading-prod-ledger")["Table"]
    assert table["DeletionProtectionEnabled"] is True
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    backups = dynamodb.describe_continuous_backups(TableName="trading-prod-ledger")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    # The books and records: write once for seven years, in COMPLIANCE mode.
    lock = aws.client("s3").get_object_lock_configuration(Bucket="trading-prod-archive-123456789012")
    retention = lock["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert {k: v for k, v in retention.items() if v} == {"Mode": "COMPLIANCE", "Years": 7}  # moto adds Days: 0
    names = aws.client("firehose").list_delivery_streams()["DeliveryStreamNames"]
    assert sorted(names) == ["trading-prod-quotes-archive", "trading-prod-trades-archive"]
    # The ledger service writes the ledger and nothing else; the market-data service writes its feeds only.
    iam = aws.client("iam")
    ledger = iam.get_role_policy(RoleName="trading-prod-ledger", PolicyName="data-plane")["PolicyDocument"]
    assert "dynamodb:PutItem" in str(ledger) and "kinesis:" not in str(ledger)
    market = iam.get_role_policy(RoleName="trading-prod-market-data", PolicyName="data-plane")["PolicyDocument"]
    assert "kinesis:PutRecords" in str(market) and "dynamodb:" not in str(market)


def check_staging(aws):
    check_network(aws, "staging", nat_gateways=3)
    config = aws.client("config")
    packs = [p["ConformancePackName"] for p in config.describe_conformance_packs()["ConformancePackDetails"]]
    assert packs == ["trading-staging-cis"]
    # The CIS rules come with the pack, not as separate rules.
    assert not [r for r in config.describe_config_rules()["ConfigRules"] if r["ConfigRuleName"].startswith("trading-")]


def check_dev(aws):
    check_network(aws, "dev", nat_gateways=1)
    # The office and VPN ranges only: the ALB's 80/443, and PostgreSQL / Redis for the admins.
    alb = group_rules(aws, "trading-dev-alb")
    assert cidrs_on(alb, 443) == ["198.51.100.0/24", "203.0.113.0/24"] == cidrs_on(alb, 80)
    assert cidrs_on(group_rules(aws, "trading-dev-aurora"), 5432) == ["10.200.0.0/16"]
    assert cidrs_on(group_rules(aws, "trading-dev-redis"), 6379) == ["10.200.0.0/16"]
    cluster = aws.client("rds").describe_db_clusters(DBClusterIdentifier="trading-dev-aurora")["DBClusters"][0]
    assert len(cluster["DBClusterMembers"]) == 1  # a writer only


CHECKS = {"dev": check_dev, "staging": check_staging, "prod": check_prod}


def prod_certificate(aws):
    certificate, key = generate("trading.example.com", 365, 2048)
    return aws.client("acm").import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]


def expect_ok(result):
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    return recap(out)


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_a_shipped_environment_converges_re_runs_clean_plans_clean_and_tears_down(aws, env):
    extra = []
    certificate = None
    if env == "prod":
        certificate = prod_certificate(aws)
        extra = ["-e", f"alb_certificate_arn={certificate}"]

    first = expect_ok(run_playbook(aws.port, "site.yml", env, *extra))
    assert first["changed"] > 0 and first["failed"] == 0
    CHECKS[env](aws)

    aws.clear_calls()
    assert expect_ok(run_playbook(aws.port, "site.yml", env, *extra))["changed"] == 0
    assert {(w["service"], w["operation"]) for w in aws.writes()} == {
        ("dynamodb", "PutItem"),
        ("dynamodb", "DeleteItem"),
    }

    with tempfile.TemporaryDirectory() as where:
        check_diagram(aws, env, where)

    with tempfile.TemporaryDirectory() as where:
        aws.clear_calls()
        plan = run_playbook(
            aws.port, "playbooks/drift.yml", env, "--check", "--diff", "-e", f"drift_report_dir={where}", *extra
        )
        assert expect_ok(plan)["changed"] == 0
        report = json.loads((Path(where) / f"{env}-drift.json").read_text())
        assert report == {"environment": env, "drifted": False, "entries": []}
        assert aws.writes() == []

    kept = set()
    if env == "prod":
        # The audit history in the compliance bucket and its access logs, and the final snapshots with
        # their key, outlive a prod teardown; deletion protection is lifted by the teardown itself.
        s3 = aws.client("s3")
        bucket = "trading-prod-compliance-123456789012"
        assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        # Config's delivery, as the service would make it: the bucket policy admits only Config and
        # CloudTrail over TLS, so it is set aside for the write and put back as it was.
        policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
        s3.delete_bucket_policy(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="AWSLogs/123456789012/Config/history.json.gz", Body=b"{}")
        s3.put_bucket_policy(Bucket=bucket, Policy=policy)
        refused = run_playbook(aws.port, "playbooks/teardown.yml", env, *extra)
        assert refused.returncode != 0 and "confirm_teardown=prod" in refused.stdout + refused.stderr
        extra += ["-e", "confirm_teardown=prod"]
        # The audit bucket's server access logs (S3 delivered them for the calls above) stay with it.
        logs = "trading-prod-s3-access-logs-123456789012"
        assert s3.list_object_versions(Bucket=logs).get("Versions")
        kept = {f"s3/{bucket}", f"arn:aws:s3:::{bucket}", f"s3/{logs}", f"arn:aws:s3:::{logs}", certificate}
    torn_down = run_playbook(aws.port, "playbooks/teardown.yml", env, *extra)
    down_out = torn_down.stdout + torn_down.stderr
    down = expect_ok(torn_down)
    assert down["changed"] > 0

    left = set(tagged_with_env(aws, env))
    if env == "prod":
        snapshots = {r for r in left if ":cluster-snapshot:" in r}
        assert snapshots == {"arn:aws:rds:us-east-1:123456789012:cluster-snapshot:trading-prod-aurora-final"}
        redis_snapshots = aws.client("elasticache").describe_snapshots()["Snapshots"]
        assert [s["SnapshotName"] for s in redis_snapshots] == ["trading-prod-redis-final"]
        kms = aws.client("kms")
        data_key = kms.describe_key(KeyId="alias/trading-prod-data")["KeyMetadata"]
        assert data_key["KeyState"] == "Enabled"  # the final snapshots stay restorable
        assert redis_snapshots[0]["KmsKeyId"] == data_key["Arn"] or redis_snapshots[0]["KmsKeyId"].endswith(
            data_key["KeyId"]
        )
        # The ledger, a book of record with its deletion protection on, is kept and said to be.
        assert "the trade ledger trading-prod-ledger is kept" in " ".join(down_out.split())
        # So is the locked archive with its access logs, and the teardown says so.
        assert "the archive trading-prod-archive-123456789012 (S3 Object Lock COMPLIANCE, 7 years)" in " ".join(
            down_out.split()
        )
        archive = {f"{p}trading-prod-archive{s}-123456789012" for p in ("s3/", "arn:aws:s3:::") for s in ("", "-logs")}
        kept |= (
            snapshots | archive | {data_key["Arn"], "arn:aws:dynamodb:us-east-1:123456789012:table/trading-prod-ledger"}
        )
        assert aws.client("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 1  # the history is kept
    assert left == kept

    again = expect_ok(run_playbook(aws.port, "playbooks/teardown.yml", env, *extra))
    assert again["changed"] == 0
