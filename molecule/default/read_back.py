"""Read the published outputs of an environment and what AWS reports for each of them, as JSON.

molecule verify asserts that the outputs under /trading/<env>/ name resources that exist, are ready
and match AWS field for field, and that the environment's lock was released.
"""

import json
import sys

import boto3

env, table = sys.argv[1], sys.argv[2]
path = f"/trading/{env}/"
ssm = boto3.client("ssm")
outputs = {}
for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=path, Recursive=True):
    for p in page["Parameters"]:
        value = p["Value"].split(",") if p["Type"] == "StringList" else p["Value"]
        outputs[p["Name"][len(path) :]] = {"type": p["Type"], "value": value}


def out(name):
    return outputs[name]["value"]


ec2 = boto3.client("ec2")
vpc = ec2.describe_vpcs(VpcIds=[out("network/vpc_id")])["Vpcs"][0]
private = ec2.describe_subnets(SubnetIds=out("network/private_subnet_ids"))["Subnets"]
nats = ec2.describe_nat_gateways(Filter=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["NatGateways"]
routes = ec2.describe_route_tables(
    Filters=[{"Name": "association.subnet-id", "Values": [s["SubnetId"] for s in private]}]
)["RouteTables"]

eks = boto3.client("eks")
name = out("eks/cluster_name")
cluster = eks.describe_cluster(name=name)["cluster"]
nodegroups = {
    g: eks.describe_nodegroup(clusterName=name, nodegroupName=g)["nodegroup"]["status"]
    for g in eks.list_nodegroups(clusterName=name)["nodegroups"]
}
addons = {
    a: eks.describe_addon(clusterName=name, addonName=a)["addon"]["status"]
    for a in eks.list_addons(clusterName=name)["addons"]
}

alb = boto3.client("elbv2").describe_load_balancers(LoadBalancerArns=[out("alb/arn")])["LoadBalancers"][0]

rds = boto3.client("rds")
aurora = next(
    c for c in rds.describe_db_clusters()["DBClusters"] if c["Endpoint"] == out("data_tier/aurora/writer_endpoint")
)
instances = [
    rds.describe_db_instances(DBInstanceIdentifier=m["DBInstanceIdentifier"])["DBInstances"][0]["DBInstanceStatus"]
    for m in aurora["DBClusterMembers"]
]
redis = [
    g
    for g in boto3.client("elasticache").describe_replication_groups()["ReplicationGroups"]
    if g["NodeGroups"]
    and g["NodeGroups"][0].get("PrimaryEndpoint", {}).get("Address") == out("data_tier/redis/primary_endpoint")
]
secrets = boto3.client("secretsmanager")
secret_arns = [
    secrets.describe_secret(SecretId=out(k))["ARN"]
    for k in ("data_tier/aurora/master_user_secret_arn", "data_tier/redis/auth_token_secret_arn")
]
topic = boto3.client("sns").get_topic_attributes(TopicArn=out("compliance/alerts_topic_arn"))["Attributes"]
dashboard = boto3.client("cloudwatch").get_dashboard(DashboardName=out("compliance/dashboard"))["DashboardName"]

lock = boto3.client("dynamodb").get_item(TableName=table, Key={"LockID": {"S": f"trading/{env}"}}, ConsistentRead=True)

print(
    json.dumps(
        {
            "outputs": outputs,
            "vpc": {"id": vpc["VpcId"], "cidr": vpc["CidrBlock"], "state": vpc["State"]},
            "private_subnets": sorted(s["AvailabilityZone"] for s in private),
            "nats": [{"state": n["State"], "ips": [a.get("PublicIp") for a in n["NatGatewayAddresses"]]} for n in nats],
            "private_default_routes": [
                next((r.get("NatGatewayId") for r in t["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"), None)
                for t in routes
            ],
            "cluster": {
                "status": cluster["status"],
                "arn": cluster["arn"],
                "version": cluster["version"],
                "endpoint": cluster["endpoint"],
                "issuer": cluster["identity"]["oidc"]["issuer"],
            },
            "nodegroups": nodegroups,
            "addons": addons,
            "alb": {"state": alb["State"]["Code"], "dns": alb["DNSName"], "zone": alb["CanonicalHostedZoneId"]},
            "aurora": {
                "status": aurora["Status"],
                "reader_endpoint": aurora["ReaderEndpoint"],
                "port": aurora["Port"],
                "secret": aurora["MasterUserSecret"]["SecretArn"],
                "instances": instances,
            },
            "redis": [{"status": g["Status"], "reader": g["NodeGroups"][0].get("ReaderEndpoint", {})} for g in redis],
            "secret_arns": secret_arns,
            "topic_kms_key": topic.get("KmsMasterKeyId"),
            "dashboard": dashboard,
            "lock": lock.get("Item"),
        },
        default=str,
    )
)
