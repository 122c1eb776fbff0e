#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: monitored_resources_info
short_description: Find an environment's monitored components by their tags, in one call
version_added: 1.0.0
description:
  - Reads (never writes) the components of one environment that carry all the tags given, across the
    services the platform uses, and returns what their CloudWatch metrics are keyed by.
  - NAT gateways (EC2), application load balancers and their target groups (ELBv2), Aurora clusters
    and their instances (RDS), Redis replication groups and their member clusters (ElastiCache), EKS
    clusters and their managed node groups with the Auto Scaling groups behind them.
  - Resources being deleted (or already deleted) are left out, so an alarm is never made for them.
  - Kinesis data streams and DynamoDB tables, the data plane's market-data streams and trade ledger.
  - One module call instead of an info module per service; the compliance role uses it to decide
    which alarms exist.
author:
  - 99Tech platform engineering (@99tech)
options:
  filter_tags:
    description: Tags every returned resource carries (for example V(Environment) and V(Project)).
    type: dict
    required: true
  services:
    description: The services to look in; a service left out is returned empty and not called.
    type: list
    elements: str
    default: [ec2, elbv2, rds, elasticache, eks, kinesis, dynamodb]
    choices: [ec2, elbv2, rds, elasticache, eks, kinesis, dynamodb]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: What the dev environment runs
  ninetynine.trading_infra.monitored_resources_info:
    filter_tags:
      Environment: dev
      Project: trading
  register: found
"""

RETURN = r"""
nat_gateways:
  description: NAT gateways (available or pending).
  returned: always
  type: list
  elements: dict
  sample: [{"id": "nat-0abc", "availability_zone": "us-east-1a", "subnet_id": "subnet-1"}]
load_balancers:
  description: Application load balancers, with the C(arn_suffix) their metrics are keyed by.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "trading-dev", "arn": "arn:aws:elasticloadbalancing:...", "arn_suffix": "app/trading-dev/50dc6c49",
            "target_groups": [{"name": "trading-dev-orders", "arn_suffix": "targetgroup/trading-dev-orders/73e2"}]}]
db_clusters:
  description: RDS (Aurora) clusters and their instance identifiers.
  returned: always
  type: list
  elements: dict
  sample: [{"identifier": "trading-dev", "engine": "aurora-postgresql", "instances": ["trading-dev-1"]}]
cache_replication_groups:
  description: ElastiCache replication groups and their member cache clusters.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "trading-dev", "member_clusters": ["trading-dev-001", "trading-dev-002"], "cluster_mode": "disabled"}]
eks_clusters:
  description: EKS clusters and their managed node groups with the Auto Scaling groups behind them.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "trading-dev", "node_groups": [{"name": "general", "autoscaling_groups": ["eks-general-1"]}]}]
kinesis_streams:
  description: Kinesis data streams (active or being changed) with their capacity mode.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "trading-dev-quotes", "arn": "arn:aws:kinesis:us-east-1:123456789012:stream/trading-dev-quotes",
            "mode": "ON_DEMAND"}]
dynamodb_tables:
  description: DynamoDB tables (active or being changed) with their global secondary indexes.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "trading-dev-ledger", "arn": "arn:aws:dynamodb:us-east-1:123456789012:table/trading-dev-ledger",
            "indexes": ["by_account"]}]
"""

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.concurrency import read_all
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator

GONE = ("deleting", "deleted", "failed", "delete-failed", "DELETING", "DELETED", "FAILED", "DELETE_FAILED")


def _matches(tags: dict, wanted: dict) -> bool:
    return all(tags.get(k) == v for k, v in wanted.items())


def nat_gateways(client, wanted):
    filters = [{"Name": f"tag:{k}", "Values": [v]} for k, v in wanted.items()]
    filters.append({"Name": "state", "Values": ["pending", "available"]})
    found = []
    for nat in paginate(client, "describe_nat_gateways", "NatGateways", Filter=filters):
        # Checked here too: not every emulator honours tag filters on this call.
        if nat.get("State") not in ("pending", "available") or not _matches(
            boto3_tag_list_to_ansible_dict(nat.get("Tags", [])), wanted
        ):
            continue
        found.append({"id": nat["NatGatewayId"], "subnet_id": nat.get("SubnetId"), "vpc_id": nat.get("VpcId")})
    if found:
        subnets = client.describe_subnets(SubnetIds=sorted({n["subnet_id"] for n in found}), aws_retry=True)["Subnets"]
        zone = {s["SubnetId"]: s["AvailabilityZone"] for s in subnets}
        for nat in found:
            nat["availability_zone"] = zone.get(nat["subnet_id"])
    return sorted(found, key=lambda n: (n["availability_zone"] or "", n["id"]))


def load_balancers(client, wanted):
    balancers = [
        lb
        for lb in paginate(client, "describe_load_balancers", "LoadBalancers")
        if lb.get("Type") == "application" and lb.get("State", {}).get("Code") != "failed"
    ]
    found = []
    for start in range(0, len(balancers), 20):
        batch = balancers[start : start + 20]
        described = client.describe_tags(ResourceArns=[lb["LoadBalancerArn"] for lb in batch], aws_retry=True)
        tags = {
            d["ResourceArn"]: boto3_tag_list_to_ansible_dict(d.get("Tags", [])) for d in described["TagDescriptions"]
        }
        for lb in batch:
            if _matches(tags.get(lb["LoadBalancerArn"], {}), wanted):
                found.append(lb)
    result = []
    for lb in sorted(found, key=lambda b: b["LoadBalancerName"]):
        arn = lb["LoadBalancerArn"]
        groups = paginate(client, "describe_target_groups", "TargetGroups", LoadBalancerArn=arn)
        result.append(
            {
                "name": lb["LoadBalancerName"],
                "arn": arn,
                "arn_suffix": arn.split(":loadbalancer/", 1)[1],
                "dns_name": lb.get("DNSName"),
                "target_groups": sorted(
                    (
                        {"name": g["TargetGroupName"], "arn_suffix": g["TargetGroupArn"].split(":", 5)[5]}
                        for g in groups
                    ),
                    key=lambda g: g["name"],
                ),
            }
        )
    return result


def db_clusters(client, wanted):
    result = []
    for cluster in paginate(client, "describe_db_clusters", "DBClusters"):
        if cluster.get("Status") in GONE:
            continue
        if not _matches(boto3_tag_list_to_ansible_dict(cluster.get("TagList", [])), wanted):
            continue
        result.append(
            {
                "identifier": cluster["DBClusterIdentifier"],
                "engine": cluster.get("Engine"),
                "instances": sorted(m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])),
            }
        )
    return sorted(result, key=lambda c: c["identifier"])


def cache_replication_groups(client, wanted):
    result = []
    for group in paginate(client, "describe_replication_groups", "ReplicationGroups"):
        if group.get("Status") in GONE or not group.get("ARN"):
            continue
        tags = client.list_tags_for_resource(ResourceName=group["ARN"], aws_retry=True).get("TagList", [])
        if not _matches(boto3_tag_list_to_ansible_dict(tags), wanted):
            continue
        result.append(
            {
                "id": group["ReplicationGroupId"],
                "member_clusters": sorted(group.get("MemberClusters", [])),
                "cluster_mode": group.get("ClusterMode") or ("enabled" if group.get("ClusterEnabled") else "disabled"),
            }
        )
    return sorted(result, key=lambda g: g["id"])


def eks_clusters(client, wanted):
    result = []
    for name in paginate(client, "list_clusters", "clusters"):
        cluster = client.describe_cluster(name=name, aws_retry=True)["cluster"]
        if cluster.get("status") in GONE or not _matches(cluster.get("tags") or {}, wanted):
            continue
        node_groups = []
        for group_name in paginate(client, "list_nodegroups", "nodegroups", clusterName=name):
            group = client.describe_nodegroup(clusterName=name, nodegroupName=group_name, aws_retry=True)["nodegroup"]
            if group.get("status") in GONE:
                continue
            asgs = [a["name"] for a in (group.get("resources") or {}).get("autoScalingGroups", [])]
            node_groups.append({"name": group_name, "autoscaling_groups": sorted(asgs)})
        result.append({"name": name, "node_groups": sorted(node_groups, key=lambda g: g["name"])})
    return sorted(result, key=lambda c: c["name"])


def stream_tags(client, name):
    """A stream's tags: ListTagsForStream has no paginator (HasMoreTags, ExclusiveStartTagKey)."""
    tags, start = [], {}
    while True:
        page = client.list_tags_for_stream(StreamName=name, aws_retry=True, **start)
        tags.extend(page.get("Tags", []))
        if not page.get("HasMoreTags") or not page.get("Tags"):
            return tags
        start = {"ExclusiveStartTagKey": page["Tags"][-1]["Key"]}


def kinesis_streams(client, wanted):
    result = []
    for summary in paginate(client, "list_streams", "StreamSummaries"):
        if summary.get("StreamStatus") == "DELETING":
            continue
        name = summary["StreamName"]
        tags = stream_tags(client, name)
        if not _matches(boto3_tag_list_to_ansible_dict(tags), wanted):
            continue
        mode = (summary.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
        result.append({"name": name, "arn": summary.get("StreamARN"), "mode": mode})
    return sorted(result, key=lambda s: s["name"])


def dynamodb_tables(client, wanted):
    result = []
    for name in paginate(client, "list_tables", "TableNames"):
        table = client.describe_table(TableName=name, aws_retry=True)["Table"]
        if table.get("TableStatus") in ("DELETING", "ARCHIVING", "ARCHIVED"):
            continue
        tags = paginate(client, "list_tags_of_resource", "Tags", ResourceArn=table["TableArn"])
        if not _matches(boto3_tag_list_to_ansible_dict(tags), wanted):
            continue
        indexes = sorted(i["IndexName"] for i in table.get("GlobalSecondaryIndexes") or [])
        result.append({"name": name, "arn": table["TableArn"], "indexes": indexes})
    return sorted(result, key=lambda t: t["name"])


FINDERS = {
    "ec2": ("nat_gateways", nat_gateways),
    "elbv2": ("load_balancers", load_balancers),
    "rds": ("db_clusters", db_clusters),
    "elasticache": ("cache_replication_groups", cache_replication_groups),
    "eks": ("eks_clusters", eks_clusters),
    "kinesis": ("kinesis_streams", kinesis_streams),
    "dynamodb": ("dynamodb_tables", dynamodb_tables),
}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            filter_tags=dict(type="dict", required=True),
            services=dict(type="list", elements="str", default=list(FINDERS), choices=list(FINDERS)),
        ),
        supports_check_mode=True,
    )
    wanted = {str(k): str(v) for k, v in module.params["filter_tags"].items()}
    if not wanted:
        module.fail_json(msg="filter_tags must name at least one tag: an empty filter would match every resource")
    result = {key: [] for key, _ in FINDERS.values()}
    clients = {
        service: module.client(service, retry_decorator=retry_decorator()) for service in module.params["services"]
    }

    def find(service):
        _, finder = FINDERS[service]
        try:
            return finder(clients[service], wanted), None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            return None, e

    # The services are independent: asked at once, so the whole costs about its longest listing.
    for service, (found, error) in read_all(find, module.params["services"]).items():
        if error is not None:
            module.fail_json_aws(error, msg=f"could not list the {service} resources tagged {wanted}")
        result[FINDERS[service][0]] = found
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
