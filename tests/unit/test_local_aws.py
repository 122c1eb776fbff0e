"""The local AWS itself: counting, reset, and the APIs it adds to moto, through real boto3 clients."""

import botocore.exceptions
import pytest

from tools.local_aws import operations


def test_counts_reads_and_writes_per_operation(aws):
    ec2 = aws.client("ec2")
    ec2.describe_vpcs()
    ec2.create_vpc(CidrBlock="10.1.0.0/16")
    ec2.describe_vpcs()
    calls = {(c["service"], c["operation"]): c for c in aws.calls()["calls"]}
    assert calls[("ec2", "DescribeVpcs")]["count"] == 2
    assert calls[("ec2", "DescribeVpcs")]["read"] is True
    assert calls[("ec2", "CreateVpc")]["read"] is False
    assert aws.calls()["writes"] == 1
    aws.clear_calls()
    assert aws.calls()["total"] == 0


def test_the_timeline_has_each_call_in_order_with_its_duration(aws):
    from tools.local_aws import server

    aws.clear_calls()
    ec2 = aws.client("ec2")
    ec2.describe_vpcs()
    ec2.create_vpc(CidrBlock="10.1.0.0/16")
    ec2.describe_vpcs()
    timeline = server.admin(aws.port, "timeline")["calls"]
    assert [(c["operation"], c["read"]) for c in timeline] == [
        ("DescribeVpcs", True),
        ("CreateVpc", False),
        ("DescribeVpcs", True),
    ]
    assert all(c["start"] <= c["end"] for c in timeline)
    assert timeline[0]["end"] <= timeline[1]["start"] <= timeline[1]["end"] <= timeline[2]["start"]
    aws.clear_calls()
    assert server.admin(aws.port, "timeline")["calls"] == []


def test_reset_forgets_resources(aws):
    ec2 = aws.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    aws.reset()
    assert vpc_id not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]


def test_reset_forgets_every_service_and_gives_fresh_backends(aws):
    """The reset drops moto's backends rather than rebuilding them: what comes after is a new account,
    default VPC and AWS managed policies included, in every region used before."""
    for region in ("us-east-1", "eu-west-1"):
        aws.client("ec2", region).create_vpc(CidrBlock="10.1.0.0/16")
        aws.client("logs", region).create_log_group(logGroupName="/trading/test/x")
    aws.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    aws.client("s3").create_bucket(Bucket="trading-test-reset")
    aws.client("s3").put_object(Bucket="trading-test-reset", Key="k", Body=b"x")
    aws.client("sqs").create_queue(QueueName="q")
    aws.reset()
    for region in ("us-east-1", "eu-west-1"):
        vpcs = aws.client("ec2", region).describe_vpcs()["Vpcs"]
        assert [v["IsDefault"] for v in vpcs] == [True]  # only the default VPC of a fresh region
        assert aws.client("logs", region).describe_log_groups()["logGroups"] == []
    iam = aws.client("iam")
    # Only what a real account holds before the platform (tools/local_aws/account.py).
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["platform-admin"]
    assert iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")["Policy"]
    assert aws.client("s3").list_buckets()["Buckets"] == []
    assert aws.client("sqs").list_queues().get("QueueUrls", []) == []
    assert aws.calls()["total"] == 8  # counts zeroed by the reset: only the reads above
    # The names are free again (S3's are account-wide: its reset frees them).
    aws.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    aws.client("s3").create_bucket(Bucket="trading-test-reset")


@pytest.mark.parametrize(
    ("method", "path", "service", "operation", "params"),
    [
        ("POST", "/clusters/c1/addons", "eks", "CreateAddon", {"name": "c1"}),
        ("GET", "/clusters/c1/addons/coredns", "eks", "DescribeAddon", {"name": "c1", "addonName": "coredns"}),
        ("GET", "/addons/supported-versions", "eks", "DescribeAddonVersions", {}),
        (
            "DELETE",
            "/clusters/c1/access-entries/arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa",
            "eks",
            "DeleteAccessEntry",
            {"name": "c1", "principalArn": "arn:aws:iam::1:role/a"},
        ),
        ("POST", "/standards/register", "securityhub", "BatchEnableStandards", {}),
    ],
)
def test_rest_operations_resolve_from_the_botocore_model(method, path, service, operation, params):
    headers = {"Authorization": f"AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/{service}/aws4_request, x"}
    assert operations.resolve(method, path, headers, b"") == (service, operation, "us-east-1", params)


def _cluster(aws):
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.2.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    aws.client("eks").create_cluster(
        name="c1",
        version="1.30",
        roleArn="arn:aws:iam::123456789012:role/eks",
        accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
        resourcesVpcConfig={"subnetIds": subnets},
    )


def test_eks_addons_lifecycle(aws):
    _cluster(aws)
    eks = aws.client("eks")
    versions = eks.describe_addon_versions(addonName="coredns", kubernetesVersion="1.30")["addons"][0]
    default = [
        v["addonVersion"]
        for v in versions["addonVersions"]
        if any(c["defaultVersion"] and c["clusterVersion"] == "1.30" for c in v["compatibilities"])
    ]
    assert default == ["v1.11.3-eksbuild.1"]
    addon = eks.create_addon(clusterName="c1", addonName="coredns", tags={"Project": "trading"})["addon"]
    assert addon["status"] == "ACTIVE" and addon["addonVersion"] == "v1.11.3-eksbuild.1"
    assert eks.list_addons(clusterName="c1")["addons"] == ["coredns"]
    with pytest.raises(eks.exceptions.ResourceInUseException):
        eks.create_addon(clusterName="c1", addonName="coredns")
    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.create_addon(clusterName="c1", addonName="vpc-cni", addonVersion="v0.0.1")
    with pytest.raises(eks.exceptions.InvalidParameterException, match=r"not supported for cluster version 1\.30"):
        eks.update_addon(clusterName="c1", addonName="coredns", addonVersion="v1.11.4-eksbuild.2")
    eks.update_addon(clusterName="c1", addonName="coredns", addonVersion="v1.11.1-eksbuild.9")
    assert eks.describe_addon(clusterName="c1", addonName="coredns")["addon"]["addonVersion"] == "v1.11.1-eksbuild.9"
    eks.delete_addon(clusterName="c1", addonName="coredns")
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.describe_addon(clusterName="c1", addonName="coredns")


def test_eks_addon_needs_a_cluster(aws):
    with pytest.raises(aws.client("eks").exceptions.ResourceNotFoundException):
        aws.client("eks").create_addon(clusterName="nope", addonName="coredns")


def test_eks_access_entries_and_policies(aws):
    _cluster(aws)
    eks = aws.client("eks")
    admin = "arn:aws:iam::123456789012:role/platform-admin"
    eks.create_access_entry(clusterName="c1", principalArn=admin, kubernetesGroups=["ops"])
    assert eks.list_access_entries(clusterName="c1")["accessEntries"] == [admin]
    policy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    eks.associate_access_policy(clusterName="c1", principalArn=admin, policyArn=policy, accessScope={"type": "cluster"})
    listed = eks.list_associated_access_policies(clusterName="c1", principalArn=admin)["associatedAccessPolicies"]
    assert [p["policyArn"] for p in listed] == [policy]
    eks.disassociate_access_policy(clusterName="c1", principalArn=admin, policyArn=policy)
    assert eks.list_associated_access_policies(clusterName="c1", principalArn=admin)["associatedAccessPolicies"] == []
    eks.delete_access_entry(clusterName="c1", principalArn=admin)
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.describe_access_entry(clusterName="c1", principalArn=admin)


def test_security_hub_standards(aws):
    hub = aws.client("securityhub")
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidAccessException"):
        hub.get_enabled_standards()
    hub.enable_security_hub(EnableDefaultStandards=False)
    arns = {s["Name"]: s["StandardsArn"] for s in hub.describe_standards()["Standards"]}
    fsbp = arns["AWS Foundational Security Best Practices v1.0.0"]
    subs = hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": fsbp}])["StandardsSubscriptions"]
    enabled = hub.get_enabled_standards()["StandardsSubscriptions"]
    assert [s["StandardsArn"] for s in enabled] == [fsbp] and enabled[0]["StandardsStatus"] == "READY"
    hub.batch_disable_standards(StandardsSubscriptionArns=[subs[0]["StandardsSubscriptionArn"]])
    assert hub.get_enabled_standards()["StandardsSubscriptions"] == []


def test_config_conformance_packs(aws):
    cfg = aws.client("config")
    arn = cfg.put_conformance_pack(ConformancePackName="cis", TemplateBody="Resources: {}")["ConformancePackArn"]
    assert (
        cfg.put_conformance_pack(ConformancePackName="cis", TemplateBody="Resources: {}")["ConformancePackArn"] == arn
    )
    details = cfg.describe_conformance_packs(ConformancePackNames=["cis"])["ConformancePackDetails"]
    assert details[0]["ConformancePackArn"] == arn
    status = cfg.describe_conformance_pack_status()["ConformancePackStatusDetails"]
    assert status[0]["ConformancePackState"] == "CREATE_COMPLETE"
    cfg.delete_conformance_pack(ConformancePackName="cis")
    with pytest.raises(cfg.exceptions.NoSuchConformancePackException):
        cfg.describe_conformance_packs(ConformancePackNames=["cis"])


@pytest.mark.parametrize(
    ("service", "call", "code"),
    [
        ("ec2", lambda c: c.describe_vpcs(), "RequestLimitExceeded"),
        ("iam", lambda c: c.list_roles(), "Throttling"),
        ("logs", lambda c: c.describe_log_groups(), "ThrottlingException"),
        ("eks", lambda c: c.list_clusters(), "ThrottlingException"),
        ("s3", lambda c: c.list_buckets(), "SlowDown"),
    ],
)
def test_injected_throttling_is_shaped_as_each_service_sends_it(aws, service, call, code):
    aws.set_faults(throttle_rate=1.0, seed=1)
    client = aws.client_no_retry(service)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(client)
    assert caught.value.response["Error"]["Code"] == code
    assert aws.faults()["injected"] == 1
    aws.set_faults()
    call(client)


def test_fault_injection_is_repeatable_for_a_seed(aws):
    def pattern():
        aws.set_faults(throttle_rate=0.3, error_rate=0.1, seed=42)
        ec2 = aws.client_no_retry("ec2")
        outcomes = []
        for _ in range(30):
            try:
                ec2.describe_vpcs()
                outcomes.append("ok")
            except botocore.exceptions.ClientError as e:
                outcomes.append(e.response["Error"]["Code"])
        return outcomes

    first, second = pattern(), pattern()
    assert first == second
    assert {"ok", "RequestLimitExceeded", "InternalError"} <= set(first)


@pytest.mark.parametrize(
    ("method", "path", "query", "operation"),
    [
        ("GET", "/logs-bucket", "policy", "GetBucketPolicy"),
        ("GET", "/logs-bucket", "lifecycle", "GetBucketLifecycleConfiguration"),
        ("GET", "/logs-bucket", "list-type=2", "ListObjectsV2"),
        ("GET", "/logs-bucket", "", "ListObjects"),
        ("PUT", "/logs-bucket", "policy", "PutBucketPolicy"),
        ("PUT", "/logs-bucket", "", "CreateBucket"),
        ("DELETE", "/logs-bucket", "", "DeleteBucket"),
    ],
)
def test_s3_operations_are_told_apart_by_their_query_keys(method, path, query, operation):
    headers = {"Authorization": "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request, x"}
    assert operations.resolve(method, path, headers, b"", query)[1] == operation


def test_cloudwatch_is_throttled_in_the_protocol_botocore_picks_for_it(aws):
    """CloudWatch offers CBOR, JSON and query; botocore speaks JSON to it, and so do its injected errors."""
    from botocore.exceptions import ClientError

    aws.set_faults(throttle_rate=1.0, seed=3)
    with pytest.raises(ClientError) as caught:
        aws.client_no_retry("cloudwatch").list_dashboards()
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert aws.faults()["injected"] == 1
    aws.set_faults(error_rate=1.0, seed=3)
    with pytest.raises(ClientError) as caught:
        aws.client_no_retry("cloudwatch").list_dashboards()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
