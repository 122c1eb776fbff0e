"""The local AWS's latency model: slow resources stay transitional for scale x their AWS time.

Scales here make an eight-minute Redis creation last about two seconds; sleeps wait that out.
"""

import secrets
import time

import pytest

SCALE = 0.005  # Redis create 2.4 s, modify 1.5 s, delete 1.5 s; Aurora cluster 1.5 s, instance 2.4 s; NAT 0.6 s


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_the_switch_is_off_by_default_and_reset_turns_it_off(aws):
    assert aws.set_latency(0)["scale"] == 0
    described = aws.set_latency(SCALE)
    assert described["scale"] == SCALE and described["seconds"]["elasticache-replication-group:create"] == 480
    aws.reset()
    assert aws.set_latency(0)["scale"] == 0


def test_redis_creates_modifies_and_deletes_in_time(aws):
    client = aws.client("elasticache")
    aws.set_latency(SCALE)
    client.create_replication_group(
        ReplicationGroupId="trading-slow",
        ReplicationGroupDescription="slow",
        NumCacheClusters=2,
        AutomaticFailoverEnabled=True,
        TransitEncryptionEnabled=True,
        AuthToken=secrets.token_urlsafe(24),
    )

    def status():
        return client.describe_replication_groups(ReplicationGroupId="trading-slow")["ReplicationGroups"][0]["Status"]

    assert status() == "creating"
    assert client.describe_cache_clusters()["CacheClusters"][0]["CacheClusterStatus"] == "creating"
    with pytest.raises(client.exceptions.InvalidReplicationGroupStateFault):
        client.increase_replica_count(ReplicationGroupId="trading-slow", NewReplicaCount=2, ApplyImmediately=True)
    assert wait_for(lambda: status() == "available")
    client.increase_replica_count(ReplicationGroupId="trading-slow", NewReplicaCount=2, ApplyImmediately=True)
    assert status() == "modifying"
    assert wait_for(lambda: status() == "available")
    client.delete_replication_group(ReplicationGroupId="trading-slow")
    assert status() == "deleting"
    assert wait_for(lambda: client.describe_replication_groups()["ReplicationGroups"] == [])


def test_aurora_cluster_and_instances_take_their_time(aws):
    rds = aws.client("rds")
    # Twice the other tests' scale (cluster 3 s, instance 4.8 s, instance deletion 3.6 s): on a busy
    # CI machine a first create_db_instance call alone has taken more than 1.5 s.
    aws.set_latency(2 * SCALE)
    rds.create_db_cluster(
        DBClusterIdentifier="trading-slow",
        Engine="aurora-postgresql",
        MasterUsername="admin_user",
        ManageMasterUserPassword=True,
    )
    assert rds.describe_db_clusters(DBClusterIdentifier="trading-slow")["DBClusters"][0]["Status"] == "creating"
    rds.create_db_instance(
        DBInstanceIdentifier="trading-slow-1",
        DBClusterIdentifier="trading-slow",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )

    def states():
        cluster = rds.describe_db_clusters(DBClusterIdentifier="trading-slow")["DBClusters"][0]["Status"]
        return cluster, rds.describe_db_instances()["DBInstances"][0]["DBInstanceStatus"]

    assert states()[1] == "creating"
    assert wait_for(lambda: states()[0] == "available")
    assert states()[1] == "creating"  # an instance takes longer than its cluster
    assert wait_for(lambda: states() == ("available", "available"))

    # Deleting: the instance first; its cluster may be deleted while the instance is deleting, and
    # stays listed, deleting, until its last instance is gone.
    rds.delete_db_instance(DBInstanceIdentifier="trading-slow-1")
    assert states() == ("available", "deleting")
    rds.delete_db_cluster(DBClusterIdentifier="trading-slow", SkipFinalSnapshot=True)
    assert states() == ("deleting", "deleting")
    assert wait_for(lambda: rds.describe_db_instances()["DBInstances"] == [])
    assert wait_for(lambda: rds.describe_db_clusters()["DBClusters"] == [])
    with pytest.raises(rds.exceptions.DBClusterNotFoundFault):
        rds.describe_db_clusters(DBClusterIdentifier="trading-slow")


def test_a_cluster_with_a_live_instance_is_not_deleted(aws):
    rds = aws.client("rds")
    aws.set_latency(SCALE)
    rds.create_db_cluster(
        DBClusterIdentifier="trading-busy", Engine="aurora-postgresql", MasterUsername="u", MasterUserPassword="p" * 12
    )
    rds.create_db_instance(
        DBInstanceIdentifier="trading-busy-1",
        DBClusterIdentifier="trading-busy",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    with pytest.raises(rds.exceptions.ClientError, match=r"members|instances"):
        rds.delete_db_cluster(DBClusterIdentifier="trading-busy", SkipFinalSnapshot=True)


def test_nat_gateway_is_pending_then_available(aws):
    ec2 = aws.client("ec2")
    aws.set_latency(SCALE)
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    assert nat["State"] == "pending"

    def state():
        return ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"]

    assert state() == "pending"
    assert wait_for(lambda: state() == "available")
    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
    assert state() == "deleting"
    assert wait_for(lambda: state() == "deleted")


def test_load_balancer_is_provisioning_then_active(aws):
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    aws.set_latency(SCALE)  # 0.9 s of provisioning
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"][:2]]
    arn = elb.create_load_balancer(Name="trading-slow", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]

    def state():
        return elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"]

    assert state() == "provisioning"
    assert wait_for(lambda: state() == "active")
