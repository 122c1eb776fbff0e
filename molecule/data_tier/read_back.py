"""Print, as JSON, the data tier named in argv as AWS holds it: the Aurora cluster and instances,
the Redis replication group and its members, the security groups, the AUTH token secret, the master
user secret's rotation, the Redis log groups with the tier's key, and the monitoring role's trust.

The token itself is never printed: only whether the secret holds one of the generated length.
boto3 takes the endpoint, region and credentials from the environment the verify play sets.
"""

import json
import sys

import boto3

NAME = sys.argv[1]
ENV = sys.argv[2]
rds = boto3.client("rds")
elasticache = boto3.client("elasticache")
ec2 = boto3.client("ec2")
secrets = boto3.client("secretsmanager")

cluster = rds.describe_db_clusters(DBClusterIdentifier=f"{NAME}-aurora")["DBClusters"][0]
instances = rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [f"{NAME}-aurora"]}])["DBInstances"]
group = elasticache.describe_replication_groups(ReplicationGroupId=f"{NAME}-redis")["ReplicationGroups"][0]
members = elasticache.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{NAME}-*"]}])["SecurityGroups"]
scaling = boto3.client("application-autoscaling").describe_scalable_targets(
    ServiceNamespace="rds", ResourceIds=[f"cluster:{NAME}-aurora"]
)["ScalableTargets"]
token = secrets.get_secret_value(SecretId=f"{NAME}/redis-auth-token")["SecretString"]
master_secret = secrets.describe_secret(SecretId=cluster["MasterUserSecret"]["SecretArn"])
log_groups = boto3.client("logs").describe_log_groups(logGroupNamePrefix=f"/trading/{ENV}/redis/")["logGroups"]
key = boto3.client("kms").describe_key(KeyId=f"alias/{NAME}-data")["KeyMetadata"]
iam = boto3.client("iam")
try:
    trust = iam.get_role(RoleName=f"{NAME}-rds-monitoring")["Role"]["AssumeRolePolicyDocument"]
except iam.exceptions.NoSuchEntityException:
    trust = None  # enhanced monitoring off
print(
    json.dumps(
        {
            "cluster": cluster,
            "instances": instances,
            "replication_group": group,
            "members": [m for m in members if m.get("ReplicationGroupId") == f"{NAME}-redis"],
            "security_groups": {g["GroupName"]: g for g in groups},
            "token_length": len(token),
            "reader_scaling": [(t["MinCapacity"], t["MaxCapacity"]) for t in scaling],
            "master_secret_rotation": {
                "enabled": master_secret.get("RotationEnabled"),
                "days": (master_secret.get("RotationRules") or {}).get("AutomaticallyAfterDays"),
                "owner": master_secret.get("OwningService"),
            },
            "log_group_keys": {g["logGroupName"]: g.get("kmsKeyId") for g in log_groups},
            "key_arn": key["Arn"],
            "account": boto3.client("sts").get_caller_identity()["Account"],
            "monitoring_trust": trust,
        },
        default=str,
    )
)
