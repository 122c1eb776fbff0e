"""environment_topology_info against the local AWS: one environment's whole topology, read by its tags."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import environment_topology_info

from tests.helpers import run_module

DEV = {"Environment": "dev", "Project": "trading"}
ROLE = "arn:aws:iam::123456789012:role/eks"


def tag_list(tags: dict, **extra) -> list:
    return [{"Key": k, "Value": v} for k, v in {**tags, **extra}.items()]


@pytest.fixture
def run(aws, capsys):
    def _run(check_mode=False, **overrides):
        args = {"filter_tags": dict(DEV)}
        args.update(overrides)
        return run_module(environment_topology_info, args, check_mode=check_mode, capsys=capsys)

    return _run


def build(aws, tags: dict, cidr: str = "10.0", name: str = "trading-dev") -> dict:
    """A small copy of an environment: the network, an ALB behind a WAF, EKS, Aurora, Redis, an alarm, a topic."""
    ec2 = aws.client("ec2")

    def spec(kind, label):
        return [{"ResourceType": kind, "Tags": tag_list(tags, Name=label)}]

    vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16", TagSpecifications=spec("vpc", name))["Vpc"]["VpcId"]
    subnets = {}
    for t, tier in enumerate(["public", "private", "data"]):
        for z, zone in enumerate(["us-east-1a", "us-east-1b"]):
            subnets[(tier, zone)] = ec2.create_subnet(
                VpcId=vpc,
                CidrBlock=f"{cidr}.{t * 10 + z}.0/24",
                AvailabilityZone=zone,
                TagSpecifications=[
                    {"ResourceType": "subnet", "Tags": tag_list(tags, Name=f"{name}-{tier}-{zone}", Tier=tier)}
                ],
            )["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway(TagSpecifications=spec("internet-gateway", name))["InternetGateway"][
        "InternetGatewayId"
    ]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    nat = ec2.create_nat_gateway(
        SubnetId=subnets[("public", "us-east-1a")],
        AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"],
        TagSpecifications=spec("natgateway", f"{name}-nat"),
    )["NatGateway"]["NatGatewayId"]
    # Single-NAT mode: both private subnets route through the one gateway.
    private_rt = ec2.create_route_table(VpcId=vpc, TagSpecifications=spec("route-table", f"{name}-private"))[
        "RouteTable"
    ]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    for zone in ("us-east-1a", "us-east-1b"):
        ec2.associate_route_table(RouteTableId=private_rt, SubnetId=subnets[("private", zone)])

    def group(label):
        return ec2.create_security_group(
            GroupName=f"{name}-{label}", Description=label, VpcId=vpc, TagSpecifications=spec("security-group", label)
        )["GroupId"]

    clients, aurora_sg, alb_sg = group("data-clients"), group("aurora"), group("alb")
    ec2.authorize_security_group_ingress(
        GroupId=aurora_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": clients}]},
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "192.0.2.0/24"}]},
        ],
    )

    elb = aws.client("elbv2")
    lb = elb.create_load_balancer(
        Name=name,
        Subnets=[subnets[("public", z)] for z in ("us-east-1a", "us-east-1b")],
        SecurityGroups=[alb_sg],
        Tags=tag_list(tags),
    )["LoadBalancers"][0]
    tg = elb.create_target_group(
        Name=f"{name}-orders", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip", Tags=tag_list(tags)
    )["TargetGroups"][0]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )
    waf = aws.client("wafv2")
    acl = waf.create_web_acl(
        Name=name,
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name},
        Tags=tag_list(tags),
    )["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb["LoadBalancerArn"])

    template = ec2.create_launch_template(
        LaunchTemplateName=f"{name}-general",
        LaunchTemplateData={"MetadataOptions": {"HttpTokens": "required"}, "SecurityGroupIds": [clients]},
    )["LaunchTemplate"]
    eks = aws.client("eks")
    private = [subnets[("private", z)] for z in ("us-east-1a", "us-east-1b")]
    eks.create_cluster(
        name=name,
        version="1.32",
        roleArn=ROLE,
        resourcesVpcConfig={"subnetIds": private, "endpointPrivateAccess": True, "endpointPublicAccess": False},
        tags=tags,
    )
    eks.create_nodegroup(
        clusterName=name,
        nodegroupName="general",
        nodeRole=ROLE,
        subnets=private,
        scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2},
        launchTemplate={"id": template["LaunchTemplateId"], "version": "1"},
        tags=tags,
    )

    rds = aws.client("rds")
    rds.create_db_cluster(
        DBClusterIdentifier=name,
        Engine="aurora-postgresql",
        MasterUsername="admin_user",
        ManageMasterUserPassword=True,
        VpcSecurityGroupIds=[aurora_sg],
        Tags=tag_list(tags),
    )
    for n in (1, 2):
        rds.create_db_instance(
            DBInstanceIdentifier=f"{name}-{n}",
            DBClusterIdentifier=name,
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
            Tags=tag_list(tags),
        )
    aws.client("elasticache").create_replication_group(
        ReplicationGroupId=name,
        ReplicationGroupDescription=name,
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheClusters=2,
        Tags=tag_list(tags),
    )
    topic = aws.client("sns").create_topic(Name=f"{name}-alerts", Tags=tag_list(tags))["TopicArn"]
    aws.client("cloudwatch").put_metric_alarm(
        AlarmName=f"{name}-aurora-cpu",
        Namespace="AWS/RDS",
        MetricName="CPUUtilization",
        Dimensions=[{"Name": "DBClusterIdentifier", "Value": name}],
        Statistic="Average",
        Period=300,
        EvaluationPeriods=3,
        Threshold=80,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
        Tags=tag_list(tags),
    )
    return {
        "vpc": vpc,
        "subnets": subnets,
        "igw": igw,
        "nat": nat,
        "clients": clients,
        "aurora_sg": aurora_sg,
        "alb_sg": alb_sg,
        "lb": lb["LoadBalancerArn"],
        "acl": acl["ARN"],
        "topic": topic,
    }


@pytest.fixture
def two_environments(aws):
    dev = build(aws, DEV)
    staging = build(aws, {"Environment": "staging", "Project": "trading"}, cidr="10.1", name="trading-staging")
    aws.clear_calls()
    return dev, staging


def test_the_network_and_its_routes(aws, run, two_environments):
    dev, _ = two_environments
    result = run()
    assert result["changed"] is False and aws.writes() == []
    assert result["vpcs"] == [{"id": dev["vpc"], "cidr": "10.0.0.0/16", "name": "trading-dev"}]
    # Sorted by tier (public, private, data), then by zone.
    assert [(s["tier"], s["availability_zone"]) for s in result["subnets"]] == [
        (tier, zone) for tier in ("public", "private", "data") for zone in ("us-east-1a", "us-east-1b")
    ]
    assert {s["id"]: s["nat_gateway_id"] for s in result["subnets"]} == {
        sid: (dev["nat"] if tier == "private" else None) for (tier, _zone), sid in dev["subnets"].items()
    }
    assert result["internet_gateways"] == [{"id": dev["igw"], "vpc_id": dev["vpc"]}]
    [nat] = result["nat_gateways"]
    assert nat["id"] == dev["nat"] and nat["availability_zone"] == "us-east-1a" and nat["name"] == "trading-dev-nat"
    assert nat["subnet_id"] == dev["subnets"][("public", "us-east-1a")] and nat["public_ip"]
    groups = {g["name"]: g for g in result["security_groups"]}
    assert set(groups) == {"trading-dev-alb", "trading-dev-aurora", "trading-dev-data-clients"}
    # AWS describes the rules of one protocol and port range as one permission, its sources together.
    assert groups["trading-dev-aurora"]["ingress"] == [
        {
            "from_group_ids": [dev["clients"]],
            "cidrs": ["192.0.2.0/24"],
            "protocol": "tcp",
            "from_port": 5432,
            "to_port": 5432,
        }
    ]


def test_the_load_balancer_cluster_stores_alarms_and_topic(aws, run, two_environments):
    dev, _ = two_environments
    result = run()
    [lb] = result["load_balancers"]
    assert lb["arn"] == dev["lb"] and lb["security_group_ids"] == [dev["alb_sg"]]
    assert lb["web_acl"] == {"name": "trading-dev", "arn": dev["acl"]}
    assert lb["listeners"] == [{"port": 80, "protocol": "HTTP"}]
    assert lb["target_groups"] == [
        {"name": "trading-dev-orders", "port": 8080, "protocol": "HTTP", "target_type": "ip"}
    ]
    [cluster] = result["eks_clusters"]
    assert cluster["name"] == "trading-dev" and cluster["version"] == "1.32"
    [group] = cluster["node_groups"]
    # The launch template's group is the node group's (the data tier's clients).
    assert group["name"] == "general" and dev["clients"] in group["security_group_ids"]
    assert (group["min_size"], group["max_size"], group["desired_size"]) == (1, 3, 2)
    [db] = result["db_clusters"]
    assert db["identifier"] == "trading-dev" and db["security_group_ids"] == [dev["aurora_sg"]]
    assert sorted(i["identifier"] for i in db["instances"]) == ["trading-dev-1", "trading-dev-2"]
    assert db["instances"][0]["role"] == "writer" and [i["role"] for i in db["instances"]].count("writer") == 1
    [cache] = result["cache_replication_groups"]
    assert cache["id"] == "trading-dev" and len(cache["nodes"]) == 2
    assert cache["nodes"][0]["role"] == "primary"
    [alarm] = result["alarms"]
    assert alarm["name"] == "trading-dev-aurora-cpu" and alarm["alarm_actions"] == [dev["topic"]]
    assert alarm["dimensions"] == {"DBClusterIdentifier": "trading-dev"}
    assert result["topics"] == [{"name": "trading-dev-alerts", "arn": dev["topic"]}]


def test_nothing_of_another_environment_is_returned(aws, run, two_environments):
    _, staging = two_environments
    result = run(filter_tags={"Environment": "staging", "Project": "trading"})
    assert [v["id"] for v in result["vpcs"]] == [staging["vpc"]]
    assert [t["arn"] for t in result["topics"]] == [staging["topic"]]
    assert [c["name"] for c in result["eks_clusters"]] == ["trading-staging"]
    text = repr(result)
    assert "trading-dev" not in text
    # Every tag must match: a filter no environment carries finds nothing.
    nothing = run(filter_tags={"Environment": "dev", "Project": "other"})
    assert all(nothing[key] == [] for keys in environment_topology_info.KEYS.values() for key in keys)


def test_services_left_out_are_neither_called_nor_filled(aws, run, two_environments):
    result = run(services=["sns", "cloudwatch"])
    assert {c["service"] for c in aws.calls()["calls"]} == {"sns", "monitoring"}  # CloudWatch's endpoint name
    assert len(result["topics"]) == 1 and len(result["alarms"]) == 1
    assert result["vpcs"] == [] and result["load_balancers"] == [] and result["eks_clusters"] == []
    aws.clear_calls()
    # Load balancers without WAFv2: the web ACL is not read.
    result = run(services=["elbv2"])
    assert result["load_balancers"][0]["web_acl"] is None
    assert "wafv2" not in {c["service"] for c in aws.calls()["calls"]}


def test_check_mode_and_two_reads_are_the_same(aws, run, two_environments):
    first = run()
    second = run(check_mode=True)
    assert dict(first) == dict(second)
    assert aws.writes() == []


def test_an_empty_tag_filter_is_refused_before_any_call(aws, run):
    aws.clear_calls()
    result = run(filter_tags={})
    assert result.failed and "at least one tag" in result["msg"]
    assert aws.calls()["calls"] == []


def test_an_unknown_service_is_refused(aws, run):
    result = run(services=["ec2", "route53"])
    assert result.failed and "route53" in result["msg"]


def test_throttling_is_retried(aws, run, two_environments):
    expected = run()
    aws.set_faults(throttle_rate=0.4, seed=5, services=["ec2", "elasticloadbalancing", "eks", "rds", "sns"])
    try:
        result = run()
        injected = aws.faults()["injected"]
    finally:
        aws.set_faults()
    assert not result.failed, result
    assert injected > 0 and dict(result) == dict(expected)
