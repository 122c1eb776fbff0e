"""site.yml, drift.yml and teardown.yml end to end on inventories/local, against the local AWS: a
verbose converge under injected throttling and 5xx that prints no secret, a no-op re-run, check mode,
drift, the lock, teardown."""

import json
import re
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.helpers import LOCAL_PLATFORM_COUNTS, REPO, check_diagram, last_line, recap, resource_counts, run_playbook

pytestmark = [pytest.mark.playbook, pytest.mark.stack]


def tagged_with_env(aws, env="local"):
    """Everything tagged Environment=<env>: the tagging API, plus EC2 describes (moto's tagging API
    does not list every EC2 type) and IAM roles."""
    tagging = aws.client("resourcegroupstaggingapi")
    # Deleted NAT gateways stay listed (state "deleted") for a while, as on AWS: judged by describe below.
    found = {
        r["ResourceARN"]
        for r in tagging.get_resources(TagFilters=[{"Key": "Environment", "Values": [env]}])["ResourceTagMappingList"]
        if ":natgateway/" not in r["ResourceARN"]
        and ":key/" not in r["ResourceARN"]
        and ":secret:" not in r["ResourceARN"]
    }
    # A deleted secret waits out its recovery window, as on AWS; ListSecrets leaves those out.
    found |= {s["ARN"] for s in aws.client("secretsmanager").list_secrets()["SecretList"]}
    # A deleted KMS key waits out its pending window (7 days at least) before it is gone, as on AWS.
    kms = aws.client("kms")
    found |= {
        k["Arn"]
        for k in (kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"] for key in kms.list_keys()["Keys"])
        if k["KeyState"] != "PendingDeletion"
    }
    ec2 = aws.client("ec2")
    by_tag = [{"Name": "tag:Environment", "Values": [env]}]
    found |= {f"vpc/{v['VpcId']}" for v in ec2.describe_vpcs(Filters=by_tag)["Vpcs"]}
    found |= {f"subnet/{s['SubnetId']}" for s in ec2.describe_subnets(Filters=by_tag)["Subnets"]}
    found |= {
        f"natgateway/{n['NatGatewayId']}"
        for n in ec2.describe_nat_gateways(Filter=by_tag)["NatGateways"]
        if n["State"] not in ("deleted", "deleting")
    }
    found |= {f"elastic-ip/{a['AllocationId']}" for a in ec2.describe_addresses(Filters=by_tag)["Addresses"]}
    found |= {f"route-table/{r['RouteTableId']}" for r in ec2.describe_route_tables(Filters=by_tag)["RouteTables"]}
    found |= {f"flow-log/{f['FlowLogId']}" for f in ec2.describe_flow_logs(Filters=by_tag)["FlowLogs"]}
    found |= {f"security-group/{g['GroupId']}" for g in ec2.describe_security_groups(Filters=by_tag)["SecurityGroups"]}
    elb = aws.client("elbv2")
    found |= {lb["LoadBalancerArn"] for lb in elb.describe_load_balancers()["LoadBalancers"]}
    found |= {tg["TargetGroupArn"] for tg in elb.describe_target_groups()["TargetGroups"]}
    found |= {c["CertificateArn"] for c in aws.client("acm").list_certificates()["CertificateSummaryList"]}
    found |= {f"s3/{b['Name']}" for b in aws.client("s3").list_buckets()["Buckets"]}
    found |= {w["ARN"] for w in aws.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]}
    found |= {f"alarm/{a['AlarmName']}" for a in aws.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    found |= {f"dashboard/{d['DashboardName']}" for d in aws.client("cloudwatch").list_dashboards()["DashboardEntries"]}
    found |= {t["TopicArn"] for t in aws.client("sns").list_topics()["Topics"]}
    found |= {f"log-group/{g['logGroupName']}" for g in aws.client("logs").describe_log_groups()["logGroups"]}
    config = aws.client("config")
    found |= {f"config-rule/{r['ConfigRuleName']}" for r in config.describe_config_rules()["ConfigRules"]}
    found |= {f"recorder/{r['name']}" for r in config.describe_configuration_recorders()["ConfigurationRecorders"]}
    found |= {t["TrailARN"] for t in aws.client("cloudtrail").describe_trails()["trailList"]}
    found |= {
        f"conformance-pack/{c['ConformancePackName']}"
        for c in config.describe_conformance_packs()["ConformancePackDetails"]
    }
    found |= {f"guardduty-detector/{d}" for d in aws.client("guardduty").list_detectors()["DetectorIds"]}
    found |= {f"event-rule/{r['Name']}" for r in aws.client("events").list_rules()["Rules"]}
    # The tagging API of the local AWS does not list Kinesis streams (it lists DynamoDB tables).
    found |= {f"kinesis-stream/{n}" for n in aws.client("kinesis").list_streams()["StreamNames"]}
    found |= {f"firehose/{n}" for n in aws.client("firehose").list_delivery_streams()["DeliveryStreamNames"]}
    found |= {f"glue-database/{d['Name']}" for d in aws.client("glue").get_databases()["DatabaseList"]}
    found |= {f"glue-crawler/{n}" for n in aws.client("glue").list_crawlers()["CrawlerNames"]}
    found |= {
        f"athena-workgroup/{w['Name']}"
        for w in aws.client("athena").list_work_groups()["WorkGroups"]
        if w["Name"] != "primary"  # every account has it
    }
    found |= {
        f"budget/{b['BudgetName']}"
        for b in aws.client("budgets").describe_budgets(AccountId="123456789012").get("Budgets", [])
    }
    try:
        hub = aws.client("securityhub").describe_hub()
        found.add(hub["HubArn"])
    except aws.client("securityhub").exceptions.InvalidAccessException:
        pass  # not subscribed: Security Hub is off
    eks = aws.client("eks")
    for name in eks.list_clusters()["clusters"]:
        cluster = eks.describe_cluster(name=name)["cluster"]
        if cluster["tags"].get("Environment") == env:
            found.add(cluster["arn"])
            found |= {f"nodegroup/{name}/{g}" for g in eks.list_nodegroups(clusterName=name)["nodegroups"]}
            found |= {f"addon/{name}/{a}" for a in eks.list_addons(clusterName=name)["addons"]}
    found |= {
        f"launch-template/{t['LaunchTemplateName']}"
        for t in ec2.describe_launch_templates(Filters=[{"Name": "tag:Environment", "Values": [env]}])[
            "LaunchTemplates"
        ]
    }
    ssm = aws.client("ssm")
    found |= {
        p["Name"]
        for page in ssm.get_paginator("describe_parameters").paginate()
        for p in page["Parameters"]
        if p["Name"].startswith(f"/trading/{env}/")
    }
    iam = aws.client("iam")
    for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        tags = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"]).get("Tags", [])
        if {"Key": "Environment", "Value": env} in tags:
            found.add(provider["Arn"])
    found |= {
        r["Arn"]
        for r in iam.list_roles()["Roles"]
        if {"Key": "Environment", "Value": env} in iam.list_role_tags(RoleName=r["RoleName"])["Tags"]
    }
    return sorted(found)


def test_check_mode_on_an_empty_account_reports_changes_and_creates_nothing(aws):
    aws.clear_calls()
    result = run_playbook(aws.port, "site.yml", "local", "--check", "--diff")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert recap(out)["changed"] >= 3
    assert "trading-local-private-us-east-1a" in out and "cidr_block: 10.0.0.0/16" in out
    # EKS plans its cluster on the network's planned subnets: private endpoint only, the inventory's version.
    assert "+    authentication_mode: API" in out and "+    endpoint_public_access: false" in out
    assert "+    version: '1.32'" in out
    assert aws.writes() == []
    assert tagged_with_env(aws) == []
    # The plan summary ends the run: a block per component, then the plan line, counted in resources.
    summary = out.split("PLAN SUMMARY", 1)[1]
    for component in ("network", "eks", "alb", "data_tier", "compliance"):
        block = rf"^{component}: [1-9]\d* to create, 0 to change, 0 to delete$"
        assert re.search(block, summary, re.MULTILINE), summary
    assert "  + VPC trading-local" in summary and "  + EKS cluster trading-local" in summary
    # The load balancer and the data tier cannot plan their modules before the network exists: they
    # list what they would create. The CloudTrail trail (amazon.aws) is a creation too.
    assert "  + load balancer trading-local" in summary and "  + DB instance trading-local-aurora-2" in summary
    assert "  + CloudTrail trail trading-local" in summary and "debug" not in summary
    planned = re.fullmatch(r"Plan: (\d+) to create, 0 to change, 0 to delete\.", last_line(result.stdout))
    assert planned and int(planned.group(1)) > 50, last_line(result.stdout)


def check_drift(aws):
    """playbooks/drift.yml on the converged environment: no drift, then changes made behind its back."""
    with tempfile.TemporaryDirectory() as where:
        report = Path(where) / "local-drift.json"
        drift = ("playbooks/drift.yml", "local", "--check", "--diff", "-e", f"drift_report_dir={where}")
        aws.clear_calls()
        clean = run_playbook(aws.port, *drift)
        assert clean.returncode == 0, (clean.stdout + clean.stderr)[-3000:]
        assert json.loads(report.read_text()) == {"environment": "local", "drifted": False, "entries": []}
        assert last_line(clean.stdout) == "Plan: 0 to create, 0 to change, 0 to delete."
        assert aws.writes() == []  # a plan, lock included, writes nothing

        # Behind its back: an alarm threshold raised, PostgreSQL opened to the internet.
        threshold = alarm_threshold_times_ten(aws, "trading-local-alb-5xx-rate")
        ec2 = aws.client("ec2")
        aurora_sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["trading-local-aurora"]}])
        ec2.authorize_security_group_ingress(
            GroupId=aurora_sg["SecurityGroups"][0]["GroupId"],
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ],
        )
        aws.clear_calls()
        drifted = run_playbook(aws.port, *drift, "--tags", "data_tier,compliance")
        text = " ".join(drifted.stdout.split())
        assert drifted.returncode != 0 and "local drifted (2 differences" in text
        assert last_line(drifted.stdout) == "Plan: 0 to create, 2 to change, 0 to delete."
        assert "  ~ alarm trading-local-alb-5xx-rate" in drifted.stdout
        assert "  ~ security group trading-local-aurora" in drifted.stdout
        entries = json.loads(report.read_text())["entries"]
        alarm = next(e for e in entries if e["component"] == "compliance")
        assert alarm["field"] == "trading-local-alb-5xx-rate.Threshold"
        assert (alarm["wanted"], alarm["found"]) == (threshold, threshold * 10)
        rule = next(e for e in entries if e["component"] == "data_tier")
        assert rule["field"] == "trading-local-aurora.rules"  # the group's ingress rules
        assert "0.0.0.0/0" in json.dumps(rule["found"]) and "0.0.0.0/0" not in json.dumps(rule["wanted"])
        assert aws.writes() == []
    refused = run_playbook(aws.port, "playbooks/drift.yml", "local", "--tags", "validate")
    assert refused.returncode != 0 and "run it with --check --diff" in " ".join(refused.stdout.split())
    assert not list(REPO.glob("*-drift.json"))  # written where asked, not in the repository


def alarm_threshold_times_ten(aws, name):
    cw = aws.client("cloudwatch")
    alarm = next(a for a in cw.describe_alarms(AlarmNames=[name])["MetricAlarms"])
    keys = ("AlarmName", "ComparisonOperator", "EvaluationPeriods", "AlarmActions", "OKActions")
    keys += ("ActionsEnabled", "AlarmDescription", "TreatMissingData", "DatapointsToAlarm")
    request = {k: alarm[k] for k in keys if k in alarm}
    if alarm.get("Metrics"):
        request["Metrics"] = alarm["Metrics"]
    else:
        for k in ("MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit"):
            if alarm.get(k) is not None:
                request[k] = alarm[k]
    cw.put_metric_alarm(Threshold=alarm["Threshold"] * 10, **request)
    return alarm["Threshold"]


def untracked_files():
    listing = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return {line for line in listing.stdout.splitlines() if line}


def check_no_secret_printed(aws, out, files):
    """Neither the Redis AUTH token nor the Aurora master password (read back from Secrets Manager)
    is in what the run printed or in a file it left in the repository."""
    sm = aws.client("secretsmanager")
    token = sm.get_secret_value(SecretId="trading-local/redis-auth-token")["SecretString"]
    cluster = aws.client("rds").describe_db_clusters(DBClusterIdentifier="trading-local-aurora")["DBClusters"][0]
    master = json.loads(sm.get_secret_value(SecretId=cluster["MasterUserSecret"]["SecretArn"])["SecretString"])
    secrets = {"Redis AUTH token": token, "Aurora master password": master["password"]}
    assert all(len(value) >= 16 for value in secrets.values())
    # The run did use them: the token's secret and the master secret's ARN are in the output.
    assert "trading-local/redis-auth-token" in out and cluster["MasterUserSecret"]["SecretArn"] in out
    for what, value in secrets.items():
        assert value not in out, f"the {what} was printed"
    for path in files:
        file = REPO / path
        if file.is_file():
            text = file.read_text(errors="ignore")
            for what, value in secrets.items():
                assert value not in text, f"the {what} is in {path}"


def check_security_controls(aws):
    """Issue 19's secrets, backup, RDS events and bucket controls, read back from the converged stack."""
    sm = aws.client("secretsmanager")
    for secret in sm.list_secrets()["SecretList"]:
        policy = json.loads(sm.get_resource_policy(SecretId=secret["ARN"])["ResourcePolicy"])
        sids = [s["Sid"] for s in policy["Statement"]]
        assert sids == ["NoOtherAccount", "OnlyNamedReadersReadTheValue"], secret["Name"]
    backup = aws.client("backup")
    vault = backup.describe_backup_vault(BackupVaultName="trading-local-aurora")
    assert vault["EncryptionKeyArn"].startswith("arn:aws:kms:us-east-1:123456789012:key/")
    (plan,) = backup.list_backup_plans()["BackupPlansList"]
    (selection,) = backup.list_backup_selections(BackupPlanId=plan["BackupPlanId"])["BackupSelectionsList"]
    chosen = backup.get_backup_selection(BackupPlanId=plan["BackupPlanId"], SelectionId=selection["SelectionId"])
    assert chosen["BackupSelection"]["Resources"] == ["arn:aws:rds:us-east-1:123456789012:cluster:trading-local-aurora"]
    subscriptions = aws.client("rds").describe_event_subscriptions()["EventSubscriptionsList"]
    assert sorted(s["SourceType"] for s in subscriptions) == [
        "db-cluster",
        "db-instance",
        "db-parameter-group",
        "db-security-group",
    ]
    assert {s["SnsTopicArn"] for s in subscriptions} == {"arn:aws:sns:us-east-1:123456789012:trading-local-alerts"}
    s3 = aws.client("s3")
    audit = "trading-local-compliance-123456789012"
    assert s3.get_bucket_versioning(Bucket=audit)["Status"] == "Enabled"
    assert s3.get_bucket_logging(Bucket=audit)["LoggingEnabled"]["TargetBucket"] == (
        "trading-local-s3-access-logs-123456789012"
    )


def test_converge_under_faults_is_idempotent_and_drift_is_found_and_teardown_leaves_nothing(aws):
    # The first converge: verbose (-vvv), with 20% of the calls throttled and 5% answered 5xx.
    before = untracked_files()
    aws.set_faults(throttle_rate=0.2, error_rate=0.05, seed=7)
    try:
        first = run_playbook(aws.port, "site.yml", "local", "-vvv")
        injected = aws.faults()["injected"]
    finally:
        aws.set_faults()
    out = first.stdout + first.stderr
    assert first.returncode == 0, out[-3000:]
    assert recap(out)["changed"] > 0 and recap(out)["failed"] == 0
    assert injected > 100
    check_no_secret_printed(aws, out, untracked_files() - before)
    # The same resources as a run without faults builds (test_resume's end state); the re-run
    # below, without faults, changing nothing proves they are configured as wanted.
    assert resource_counts(aws) == LOCAL_PLATFORM_COUNTS
    # The run ends with one readable summary of the outputs.
    for text in (
        "network:    VPC vpc-",
        "eks:        cluster trading-local (Kubernetes 1.32) at https://",
        "alb:        https://trading-local-",
        "aurora:     writer trading-local-aurora.cluster-",
        "redis:      master.trading-local-redis.",
        "compliance: alerts to arn:aws:sns:us-east-1:123456789012:trading-local-alerts, dashboard trading-local",
    ):
        assert text in out
    alarms = {a["AlarmName"] for a in aws.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    assert {
        "trading-local-alb-p99-latency",
        "trading-local-alb-5xx-rate",
        "trading-local-nat-packet-drops-us-east-1a",
        "trading-local-eks-node-cpu-general",  # compliance, after EKS, alarms on the nodes' CPU
    } <= alarms
    rules = {r["ConfigRuleName"] for r in aws.client("config").describe_config_rules()["ConfigRules"]}
    assert "trading-local-iam-password-policy" in rules
    assert aws.client("cloudtrail").describe_trails()["trailList"]
    assert aws.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]
    created = tagged_with_env(aws)
    assert [r for r in created if r.startswith("vpc/")] and len([r for r in created if r.startswith("subnet/")]) == 9
    assert len([r for r in created if ":targetgroup/" in r]) == 4 and [r for r in created if ":loadbalancer/app/" in r]
    assert "recorder/default" in created and len([r for r in created if r.startswith("config-rule/")]) == 20
    assert {"budget/trading-local-monthly", "event-rule/trading-local-guardduty-findings"} <= set(created)
    assert [r for r in created if r.startswith("guardduty-detector/")]
    assert aws.client("config").describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]["recording"]
    eks_created = [r for r in created if ":cluster/trading-local" in r or r.startswith(("nodegroup/", "addon/"))]
    assert len(eks_created) == 1 + 1 + 4  # the cluster, its node group, four add-ons (EBS CSI on in local)
    assert "launch-template/trading-local-general" in created and [r for r in created if ":oidc-provider/" in r]
    # The outputs are published under /trading/local and printed; the lock is released.
    assert "local (us-east-1) - outputs published as SSM parameters under /trading/local" in out
    ssm = aws.client("ssm")
    vpc_id = next(r for r in created if r.startswith("vpc/"))[4:]
    assert ssm.get_parameter(Name="/trading/local/network/vpc_id")["Parameter"]["Value"] == vpc_id
    endpoint = aws.client("eks").describe_cluster(name="trading-local")["cluster"]["endpoint"]
    assert ssm.get_parameter(Name="/trading/local/eks/endpoint")["Parameter"]["Value"] == endpoint
    secret = ssm.get_parameter(Name="/trading/local/data_tier/redis/auth_token_secret_arn")["Parameter"]["Value"]
    issuer = ssm.get_parameter(Name="/trading/local/eks/oidc_issuer")["Parameter"]["Value"]
    assert issuer.startswith("https://oidc.eks.us-east-1.amazonaws.com/id/")
    assert secret.startswith("arn:aws:secretsmanager:") and len([r for r in created if "/trading/local/" in r]) > 20
    assert aws.client("dynamodb").scan(TableName="trading-infra-locks")["Items"] == []
    check_security_controls(aws)

    aws.clear_calls()
    second = run_playbook(aws.port, "site.yml", "local")
    out2 = second.stdout + second.stderr
    assert second.returncode == 0, out2[-3000:]
    assert recap(out2)["changed"] == 0
    assert last_line(second.stdout) == "Applied: 0 created, 0 changed, 0 deleted."
    # Nothing written but the lock, taken and released (DynamoDB, as Terraform's state lock).
    writes = {(w["service"], w["operation"]) for w in aws.writes()}
    assert writes == {("dynamodb", "PutItem"), ("dynamodb", "DeleteItem")}

    with tempfile.TemporaryDirectory() as where:
        svg = check_diagram(aws, "local", where)
        # The traffic the security groups admit: the nodes reach Aurora and Redis on their ports.
        assert "tcp 5432" in svg and "tcp 6379" in svg

    check_drift(aws)

    refused = run_playbook(aws.port, "playbooks/teardown.yml", "prod")
    assert refused.returncode != 0 and "confirm_teardown=prod" in refused.stdout + refused.stderr
    refused = run_playbook(aws.port, "playbooks/teardown.yml", "prod", "--tags", "eks")
    assert refused.returncode != 0 and "confirm_teardown=prod" in refused.stdout + refused.stderr

    down = run_playbook(aws.port, "playbooks/teardown.yml", "local")
    assert down.returncode == 0, (down.stdout + down.stderr)[-3000:]
    removed = re.fullmatch(r"Applied: 0 created, 0 changed, (\d+) deleted\.", last_line(down.stdout))
    assert removed and int(removed.group(1)) > 50, last_line(down.stdout)
    assert tagged_with_env(aws) == []
    ec2 = aws.client("ec2")
    assert ec2.describe_addresses()["Addresses"] == []
    # Every role the platform made is gone; the account's own administrators' role stays.
    assert [r["RoleName"] for r in aws.client("iam").list_roles()["Roles"]] == ["platform-admin"]
    assert aws.client("logs").describe_log_groups(logGroupNamePrefix="/trading/local")["logGroups"] == []

    again = run_playbook(aws.port, "playbooks/teardown.yml", "local")
    assert again.returncode == 0 and recap(again.stdout)["changed"] == 0


def test_zones_are_discovered_when_the_inventory_names_none(aws):
    """network_azs: [] takes the region's first network_az_count available zones (a read, no write)."""
    aws.clear_calls()
    result = run_playbook(
        aws.port, "site.yml", "local", "--check", "--diff", "--tags", "network", "-e", '{"network_azs": []}'
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert "Discover the region's availability zones" in out
    for az in ("us-east-1a", "us-east-1b", "us-east-1c"):
        assert f"trading-local-private-{az}" in out
    assert "us-east-1d" not in out
    operations = {c["operation"] for c in aws.calls()["calls"]}
    assert "DescribeAvailabilityZones" in operations and aws.writes() == []


def test_the_lock_refuses_a_second_run_and_a_failed_run_releases_it(aws):
    assert run_playbook(aws.port, "site.yml", "local", "--tags", "network").returncode == 0
    ddb = aws.client("dynamodb")
    lock_key = {"LockID": {"S": "trading/local"}}
    # A run that fails after taking the lock (a VPC's CIDR cannot change) still releases it.
    failed = run_playbook(aws.port, "site.yml", "local", "--tags", "network", "-e", "network_vpc_cidr=10.1.0.0/16")
    assert failed.returncode != 0 and "a VPC's primary CIDR cannot change" in " ".join(failed.stdout.split())
    assert "Release the environment's lock" in failed.stdout
    assert "Item" not in ddb.get_item(TableName="trading-infra-locks", Key=lock_key)

    # Another run holds the lock: this one is refused before any write and leaves that lock alone.
    now = int(time.time())
    held = dict(
        lock_key,
        RunId={"S": "run-of-bob"},
        Holder={"S": "bob@ci-runner"},
        Operation={"S": "Converge the trading platform"},
        StartedAt={"N": str(now)},
        ExpiresAt={"N": str(now + 600)},
    )
    ddb.put_item(TableName="trading-infra-locks", Item=held)
    aws.clear_calls()
    refused = run_playbook(aws.port, "site.yml", "local", "--tags", "network")
    text = " ".join(refused.stdout.split())
    assert refused.returncode != 0
    assert "trading/local is locked by bob@ci-runner running Converge the trading platform (run run-of-bob" in text
    assert "-e force_unlock=true" in text and aws.writes() == []
    assert ddb.get_item(TableName="trading-infra-locks", Key=lock_key)["Item"]["RunId"]["S"] == "run-of-bob"
