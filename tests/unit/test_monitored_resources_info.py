"""monitored_resources_info against the local AWS: what exists, found by tags, in one call."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import monitored_resources_info

from tests.helpers import run_module

DEV = [{"Key": "Environment", "Value": "dev"}, {"Key": "Project", "Value": "trading"}]


@pytest.fixture
def run(aws, capsys):
    def _run(**overrides):
        args = {"filter_tags": {"Environment": "dev", "Project": "trading"}}
        args.update(overrides)
        return run_module(monitored_resources_info, args, capsys=capsys)

    return _run


def build(aws, env_tags):
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    subnet_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b")["Subnet"][
        "SubnetId"
    ]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(
        SubnetId=subnet_b,
        AllocationId=eip,
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": env_tags}],
    )["NatGateway"]["NatGatewayId"]
    elb = aws.client("elbv2")
    lb = elb.create_load_balancer(Name="trading-dev", Subnets=[subnet_a, subnet_b], Tags=env_tags)["LoadBalancers"][0]
    tg = elb.create_target_group(Name="trading-dev-orders", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    listener = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
    )
    assert listener["Listeners"]
    aws.client("rds").create_db_cluster(
        DBClusterIdentifier="trading-dev",
        Engine="aurora-postgresql",
        MasterUsername="admin_user",
        ManageMasterUserPassword=True,
        Tags=env_tags,
    )
    aws.client("elasticache").create_replication_group(
        ReplicationGroupId="trading-dev",
        ReplicationGroupDescription="dev",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheClusters=2,
        Tags=env_tags,
    )
    return nat, lb


def test_finds_each_component_of_the_environment_and_nothing_of_another(aws, run):
    nat, lb = build(aws, DEV)
    ec2 = aws.client("ec2")
    other_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    other_subnet = ec2.create_subnet(VpcId=other_vpc, CidrBlock="10.9.0.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    ec2.create_nat_gateway(
        SubnetId=other_subnet,
        AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"],
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "Environment", "Value": "staging"}]}],
    )
    aws.clear_calls()
    result = run()
    assert [(n["id"], n["availability_zone"]) for n in result["nat_gateways"]] == [(nat, "us-east-1b")]
    [found_lb] = result["load_balancers"]
    assert found_lb["name"] == "trading-dev" and found_lb["arn"] == lb["LoadBalancerArn"]
    assert found_lb["arn_suffix"].startswith("app/trading-dev/")
    assert [g["name"] for g in found_lb["target_groups"]] == ["trading-dev-orders"]
    assert [c["identifier"] for c in result["db_clusters"]] == ["trading-dev"]
    [group] = result["cache_replication_groups"]
    described = aws.client("elasticache").describe_replication_groups(ReplicationGroupId="trading-dev")
    assert group["id"] == "trading-dev" and group["member_clusters"]
    assert group["member_clusters"] == sorted(described["ReplicationGroups"][0]["MemberClusters"])
    assert result["eks_clusters"] == []
    assert result["changed"] is False and aws.writes() == []


def test_services_left_out_are_not_called(aws, run):
    build(aws, DEV)
    aws.clear_calls()
    result = run(services=["ec2"])
    assert len(result["nat_gateways"]) == 1 and result["load_balancers"] == []
    assert {c["service"] for c in aws.calls()["calls"]} == {"ec2"}


def test_an_empty_tag_filter_is_refused(aws, run):
    result = run(filter_tags={})
    assert result.failed and "at least one tag" in result["msg"]


def test_the_data_planes_streams_and_tables_are_found_by_their_tags(aws, run):
    kinesis, dynamodb = aws.client("kinesis"), aws.client("dynamodb")
    dev_tags = {t["Key"]: t["Value"] for t in DEV}
    kinesis.create_stream(StreamName="trading-dev-quotes", StreamModeDetails={"StreamMode": "ON_DEMAND"}, Tags=dev_tags)
    kinesis.create_stream(StreamName="trading-staging-quotes", ShardCount=1, Tags={"Environment": "staging"})
    table = {
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    dynamodb.create_table(TableName="trading-dev-ledger", Tags=DEV, **table)
    dynamodb.create_table(
        TableName="trading-staging-ledger", Tags=[{"Key": "Environment", "Value": "staging"}], **table
    )
    aws.clear_calls()
    result = run(services=["kinesis", "dynamodb"])
    [stream] = result["kinesis_streams"]
    assert (stream["name"], stream["mode"]) == ("trading-dev-quotes", "ON_DEMAND")
    assert stream["arn"].endswith(":stream/trading-dev-quotes")
    [found] = result["dynamodb_tables"]
    assert (found["name"], found["indexes"]) == ("trading-dev-ledger", [])
    assert found["arn"].endswith(":table/trading-dev-ledger")
    assert aws.writes() == [] and {c["service"] for c in aws.calls()["calls"]} == {"kinesis", "dynamodb"}
