"""The local AWS's ElastiCache replication groups and parameter groups, through real boto3 clients.

They replace moto's, which ignores NumCacheClusters, hides member clusters and cannot change
replica counts, shards or parameters; the data tier's module relies on AWS's behaviour here.
"""

import secrets

import pytest

TOKEN = secrets.token_urlsafe(24)  # 32 characters, generated per run


def create(client, rg_id="trading-test", **extra):
    args = dict(
        ReplicationGroupId=rg_id,
        ReplicationGroupDescription="test",
        NumCacheClusters=2,
        CacheNodeType="cache.t4g.small",
        Engine="redis",
        EngineVersion="7.1",
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
        TransitEncryptionEnabled=True,
        AtRestEncryptionEnabled=True,
        AuthToken=TOKEN,
        SecurityGroupIds=["sg-0123"],
        CacheSubnetGroupName="default",
        PreferredCacheClusterAZs=["us-east-1a", "us-east-1b"],
        Tags=[{"Key": "Environment", "Value": "test"}],
    )
    args.update(extra)
    return client.create_replication_group(**args)["ReplicationGroup"]


def describe(client, rg_id="trading-test"):
    return client.describe_replication_groups(ReplicationGroupId=rg_id)["ReplicationGroups"][0]


def test_a_group_has_one_member_cluster_per_node_across_the_zones(aws):
    client = aws.client("elasticache")
    created = create(client)
    assert created["Status"] == "creating"
    found = describe(client)
    assert found["Status"] == "available" and found["MemberClusters"] == ["trading-test-001", "trading-test-002"]
    assert found["AuthTokenEnabled"] and found["MultiAZ"] == "enabled" and found["AutomaticFailover"] == "enabled"
    group = found["NodeGroups"][0]
    assert group["PrimaryEndpoint"]["Address"].startswith("master.trading-test.")
    assert [m["PreferredAvailabilityZone"] for m in group["NodeGroupMembers"]] == ["us-east-1a", "us-east-1b"]
    assert [m["CurrentRole"] for m in group["NodeGroupMembers"]] == ["primary", "replica"]
    members = client.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
    assert [m["CacheClusterId"] for m in members] == ["trading-test-001", "trading-test-002"]
    assert {m["EngineVersion"] for m in members} == {"7.1"}
    assert members[0]["SecurityGroups"] == [{"SecurityGroupId": "sg-0123", "Status": "active"}]
    assert members[0]["CacheParameterGroup"]["CacheParameterGroupName"] == "default.redis7"
    assert members[0]["CacheNodes"][0]["Endpoint"]["Port"] == 6379
    assert client.list_tags_for_resource(ResourceName=found["ARN"])["TagList"] == [
        {"Key": "Environment", "Value": "test"}
    ]


@pytest.mark.parametrize(
    "extra, code",
    [
        ({"TransitEncryptionEnabled": False}, "InvalidParameterValue"),  # AUTH needs TLS
        ({"NumCacheClusters": 1}, "InvalidParameterCombination"),  # failover needs a replica
        ({"AutomaticFailoverEnabled": False}, "InvalidParameterCombination"),  # Multi-AZ needs failover
        ({"AuthToken": "short"}, "InvalidParameterValue"),
    ],
)
def test_aws_refuses_impossible_groups(aws, extra, code):
    client = aws.client("elasticache")
    with pytest.raises(client.exceptions.ClientError) as failure:
        create(client, **extra)
    assert failure.value.response["Error"]["Code"] == code


def test_node_type_waits_for_the_window_unless_applied_immediately(aws):
    client = aws.client("elasticache")
    create(client)
    client.modify_replication_group(
        ReplicationGroupId="trading-test", CacheNodeType="cache.r7g.large", SnapshotRetentionLimit=7
    )
    assert describe(client)["CacheNodeType"] == "cache.t4g.small" and describe(client)["SnapshotRetentionLimit"] == 7
    member = client.describe_cache_clusters(CacheClusterId="trading-test-001")["CacheClusters"][0]
    assert member["PendingModifiedValues"] == {"CacheNodeType": "cache.r7g.large"}
    client.modify_replication_group(
        ReplicationGroupId="trading-test", EngineVersion="7.1", CacheNodeType="cache.r7g.large", ApplyImmediately=True
    )
    assert describe(client)["CacheNodeType"] == "cache.r7g.large"


def test_auth_token_rotation_and_replica_counts(aws):
    client = aws.client("elasticache")
    create(client)
    before = describe(client)["AuthTokenLastModifiedDate"]
    client.modify_replication_group(
        ReplicationGroupId="trading-test",
        AuthToken=TOKEN + "-2",
        AuthTokenUpdateStrategy="ROTATE",
        ApplyImmediately=True,
    )
    assert describe(client)["AuthTokenLastModifiedDate"] >= before
    client.increase_replica_count(ReplicationGroupId="trading-test", NewReplicaCount=3, ApplyImmediately=True)
    assert len(describe(client)["MemberClusters"]) == 4
    client.decrease_replica_count(ReplicationGroupId="trading-test", NewReplicaCount=1, ApplyImmediately=True)
    assert describe(client)["MemberClusters"] == ["trading-test-001", "trading-test-002"]
    with pytest.raises(client.exceptions.ClientError) as failure:
        client.decrease_replica_count(ReplicationGroupId="trading-test", NewReplicaCount=0, ApplyImmediately=True)
    assert failure.value.response["Error"]["Code"] == "InvalidParameterCombination"


def test_cluster_mode_shards_and_slots(aws):
    client = aws.client("elasticache")
    created = client.create_replication_group(
        ReplicationGroupId="trading-me",
        ReplicationGroupDescription="matching engine",
        ClusterMode="enabled",
        NumNodeGroups=3,
        ReplicasPerNodeGroup=1,
        AutomaticFailoverEnabled=True,
    )["ReplicationGroup"]
    assert created["ClusterEnabled"] and created["ConfigurationEndpoint"]["Address"].startswith(
        "clustercfg.trading-me."
    )
    assert [g["Slots"] for g in created["NodeGroups"]] == ["0-5460", "5461-10921", "10922-16383"]
    assert len(created["MemberClusters"]) == 6 and created["MemberClusters"][0] == "trading-me-0001-001"
    client.modify_replication_group_shard_configuration(
        ReplicationGroupId="trading-me", NodeGroupCount=4, ApplyImmediately=True
    )
    assert len(describe(client, "trading-me")["NodeGroups"]) == 4


def test_delete_removes_the_group_its_members_and_tags(aws):
    client = aws.client("elasticache")
    arn = create(client)["ARN"]
    answer = client.delete_replication_group(ReplicationGroupId="trading-test", FinalSnapshotIdentifier="final")
    assert answer["ReplicationGroup"]["Status"] == "deleting"
    with pytest.raises(client.exceptions.ReplicationGroupNotFoundFault):
        describe(client)
    assert client.describe_cache_clusters()["CacheClusters"] == []
    assert client.list_tags_for_resource(ResourceName=arn)["TagList"] == []


def test_parameter_groups(aws):
    client = aws.client("elasticache")
    client.create_cache_parameter_group(
        CacheParameterGroupName="trading-test", CacheParameterGroupFamily="redis7", Description="test"
    )
    client.modify_cache_parameter_group(
        CacheParameterGroupName="trading-test",
        ParameterNameValues=[{"ParameterName": "maxmemory-policy", "ParameterValue": "noeviction"}],
    )
    user = client.describe_cache_parameters(CacheParameterGroupName="trading-test", Source="user")["Parameters"]
    assert [(p["ParameterName"], p["ParameterValue"]) for p in user] == [("maxmemory-policy", "noeviction")]
    create(client, CacheParameterGroupName="trading-test")
    with pytest.raises(client.exceptions.InvalidCacheParameterGroupStateFault):
        client.delete_cache_parameter_group(CacheParameterGroupName="trading-test")
    client.delete_replication_group(ReplicationGroupId="trading-test")
    client.delete_cache_parameter_group(CacheParameterGroupName="trading-test")
    with pytest.raises(client.exceptions.CacheParameterGroupNotFoundFault):
        client.describe_cache_parameter_groups(CacheParameterGroupName="trading-test")


def test_subnet_groups_can_be_deleted_once_unused(aws):
    client = aws.client("elasticache")
    subnet = aws.client("ec2").describe_subnets()["Subnets"][0]["SubnetId"]
    client.create_cache_subnet_group(
        CacheSubnetGroupName="trading-test", CacheSubnetGroupDescription="test", SubnetIds=[subnet]
    )
    create(client, CacheSubnetGroupName="trading-test")
    with pytest.raises(client.exceptions.CacheSubnetGroupInUse):
        client.delete_cache_subnet_group(CacheSubnetGroupName="trading-test")
    client.delete_replication_group(ReplicationGroupId="trading-test")
    client.delete_cache_subnet_group(CacheSubnetGroupName="trading-test")
    names = [g["CacheSubnetGroupName"] for g in client.describe_cache_subnet_groups()["CacheSubnetGroups"]]
    assert "trading-test" not in names


def test_reset_forgets_replication_groups(aws):
    client = aws.client("elasticache")
    create(client)
    aws.reset()
    assert client.describe_replication_groups()["ReplicationGroups"] == []
