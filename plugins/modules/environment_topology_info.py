#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: environment_topology_info
short_description: Read an environment's whole topology by its tags, to draw it
version_added: 1.0.0
description:
  - Reads (never writes) every resource of one environment that carries all the tags given, across
    the services the platform uses, and returns how they fit together, so that a diagram can be drawn
    from it (the P(ninetynine.trading_infra.topology_diagram#filter) filter turns it into Graphviz's DOT).
  - The VPCs, subnets (with their C(Tier) tag), internet and NAT gateways and security groups (with
    their ingress rules, from CIDRs and from other groups) (EC2); the application load balancers with
    their listeners, target groups and WAF web ACL (ELBv2, WAFv2); the EKS clusters with their node
    groups (their security groups read from their launch templates) and add-ons (EKS); the Aurora
    clusters with their writer and readers (RDS); the Redis replication groups with their primary and
    replicas (ElastiCache); the metric alarms and the SNS topics (CloudWatch, SNS).
  - Resources being deleted (or already deleted) are left out. Every list is sorted, so that two reads
    of an unchanged environment return the same result.
  - The services are read concurrently; a service left out of O(services) is not called and its keys
    are returned empty.
  - Supports check mode (it changes nothing either way).
author:
  - 99Tech platform engineering (@99tech)
options:
  filter_tags:
    description:
      - Tags every returned resource carries (for example V(Environment) and V(Project)); at least one.
      - Resources without tags of their own (the EKS node groups, Aurora instances, Redis nodes, load
        balancer listeners and target groups) are read through the tagged resource they belong to.
    type: dict
    required: true
  services:
    description:
      - The services to read; a service left out is not called and what it would return is empty.
      - V(ec2) fills RV(vpcs), RV(subnets), RV(internet_gateways), RV(nat_gateways) and RV(security_groups);
        V(elbv2) RV(load_balancers); V(wafv2) the load balancers' C(web_acl) (with V(elbv2); without
        V(wafv2) it is null); V(eks) RV(eks_clusters) (the node groups' launch templates are read through
        EC2 as part of it); V(rds) RV(db_clusters); V(elasticache) RV(cache_replication_groups);
        V(cloudwatch) RV(alarms); V(sns) RV(topics).
    type: list
    elements: str
    default: [ec2, elbv2, wafv2, eks, rds, elasticache, cloudwatch, sns]
    choices: [ec2, elbv2, wafv2, eks, rds, elasticache, cloudwatch, sns]
notes:
  - IAM permissions, all read-only - C(ec2:DescribeVpcs), C(ec2:DescribeSubnets), C(ec2:DescribeInternetGateways),
    C(ec2:DescribeNatGateways), C(ec2:DescribeSecurityGroups), C(ec2:DescribeRouteTables),
    C(ec2:DescribeLaunchTemplateVersions),
    C(elasticloadbalancing:DescribeLoadBalancers), C(elasticloadbalancing:DescribeTags),
    C(elasticloadbalancing:DescribeListeners), C(elasticloadbalancing:DescribeTargetGroups),
    C(wafv2:GetWebACLForResource), C(eks:ListClusters), C(eks:DescribeCluster), C(eks:ListNodegroups),
    C(eks:DescribeNodegroup), C(eks:ListAddons), C(rds:DescribeDBClusters), C(rds:DescribeDBInstances),
    C(elasticache:DescribeReplicationGroups), C(elasticache:DescribeCacheClusters),
    C(elasticache:ListTagsForResource), C(cloudwatch:DescribeAlarms), C(cloudwatch:ListTagsForResource),
    C(sns:ListTopics), C(sns:ListTagsForResource).
  - The security groups are the ones carrying the tags. A group AWS creates itself, such as an EKS
    cluster's security group, does not carry the cluster's tags and is therefore not in RV(security_groups),
    though its id is in the cluster's and node groups' C(security_group_ids).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the dev environment's topology
  ninetynine.trading_infra.environment_topology_info:
    filter_tags:
      Environment: dev
      Project: trading
  register: topology

- name: Draw it
  ansible.builtin.set_fact:
    drawing: "{{ topology | ninetynine.trading_infra.topology_diagram('dev', 'us-east-1', {'Environment': 'dev'}) }}"

- name: Only the network and the load balancers (the other services are not called)
  ninetynine.trading_infra.environment_topology_info:
    filter_tags:
      Environment: dev
    services: [ec2, elbv2, wafv2]
  register: edge
"""

RETURN = r"""
vpcs:
  description: The VPCs carrying the tags, sorted by id.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "vpc-0abc", "cidr": "10.0.0.0/16", "name": "trading-dev"}]
  contains:
    id:
      description: The VPC's id.
      type: str
    cidr:
      description: Its primary IPv4 CIDR block.
      type: str
    name:
      description: Its C(Name) tag, or its id when it has none.
      type: str
subnets:
  description:
    - The subnets carrying the tags, sorted by tier (V(public), V(private), V(data), any other tier by
      name, then the subnets without one), then by availability zone and id.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "subnet-01", "vpc_id": "vpc-0abc", "availability_zone": "us-east-1a", "cidr": "10.0.160.0/24",
            "tier": "public", "name": "trading-dev-public-us-east-1a", "nat_gateway_id": null}]
  contains:
    id:
      description: The subnet's id.
      type: str
    vpc_id:
      description: Its VPC.
      type: str
    availability_zone:
      description: Its availability zone.
      type: str
    cidr:
      description: Its IPv4 CIDR block.
      type: str
    tier:
      description: Its C(Tier) tag (V(public), V(private) or V(data) for the platform's subnets), or null.
      type: str
    name:
      description: Its C(Name) tag, or its id.
      type: str
    nat_gateway_id:
      description:
        - The NAT gateway its default route (V(0.0.0.0/0)) goes through, from the route table associated with it
          (or its VPC's main table), or null (a public subnet routes to the internet gateway, a data subnet nowhere).
        - Only the route tables carrying the tags are read.
      type: str
internet_gateways:
  description: The internet gateways carrying the tags, sorted by id.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "igw-01", "vpc_id": "vpc-0abc"}]
  contains:
    id:
      description: The gateway's id.
      type: str
    vpc_id:
      description: The VPC it is attached to, or null when detached.
      type: str
nat_gateways:
  description: The NAT gateways carrying the tags (pending or available), sorted by zone and id.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "nat-0abc", "name": "trading-dev-nat-us-east-1a", "subnet_id": "subnet-01",
            "availability_zone": "us-east-1a", "public_ip": "198.51.100.1", "state": "available"}]
  contains:
    id:
      description: The gateway's id.
      type: str
    name:
      description: Its C(Name) tag, or its id.
      type: str
    subnet_id:
      description: The subnet it is in.
      type: str
    availability_zone:
      description: That subnet's availability zone.
      type: str
    public_ip:
      description: Its (primary) public address, or null (a private NAT gateway).
      type: str
    state:
      description: V(pending) or V(available).
      type: str
security_groups:
  description:
    - The security groups carrying the tags, sorted by name and id, with their ingress rules. A rule that
      names another group admits the traffic of whatever carries that group.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "sg-aurora", "name": "trading-dev-aurora", "vpc_id": "vpc-0abc",
            "ingress": [{"from_group_ids": ["sg-clients"], "cidrs": [], "protocol": "tcp",
                         "from_port": 5432, "to_port": 5432}]}]
  contains:
    id:
      description: The group's id.
      type: str
    name:
      description: Its group name.
      type: str
    vpc_id:
      description: Its VPC.
      type: str
    ingress:
      description: Its ingress rules, one per protocol and port range, sorted.
      type: list
      elements: dict
      contains:
        from_group_ids:
          description: The security groups admitted, sorted.
          type: list
          elements: str
        cidrs:
          description: The IPv4 and IPv6 CIDR blocks admitted, sorted.
          type: list
          elements: str
        protocol:
          description: The IP protocol (V(tcp), V(udp), V(icmp), ...; V(-1) is all traffic).
          type: str
        from_port:
          description: The first port (the ICMP type for ICMP), or null for all traffic.
          type: int
        to_port:
          description: The last port (the ICMP code for ICMP), or null for all traffic.
          type: int
load_balancers:
  description: The application load balancers carrying the tags, sorted by name.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "trading-dev",
            "arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/trading-dev/1",
            "dns_name": "trading-dev-1.us-east-1.elb.amazonaws.com", "scheme": "internet-facing",
            "subnet_ids": ["subnet-01", "subnet-02"], "security_group_ids": ["sg-alb"],
            "web_acl": {"name": "trading-dev-alb",
                        "arn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/trading-dev-alb/1"},
            "listeners": [{"port": 80, "protocol": "HTTP"}, {"port": 443, "protocol": "HTTPS"}],
            "target_groups": [{"name": "trading-dev-orders", "port": 8080, "protocol": "HTTP", "target_type": "ip"}]}]
  contains:
    name:
      description: The load balancer's name.
      type: str
    arn:
      description: Its ARN.
      type: str
    dns_name:
      description: Its DNS name.
      type: str
    scheme:
      description: V(internet-facing) or V(internal).
      type: str
    subnet_ids:
      description: Its subnets, sorted.
      type: list
      elements: str
    security_group_ids:
      description: Its security groups, sorted.
      type: list
      elements: str
    web_acl:
      description: The WAF web ACL in front of it (C(name), C(arn)), or null (none, or V(wafv2) not in O(services)).
      type: dict
    listeners:
      description: Its listeners (C(port), C(protocol)), sorted by port.
      type: list
      elements: dict
    target_groups:
      description: Its target groups (C(name), C(port), C(protocol), C(target_type)), sorted by name.
      type: list
      elements: dict
eks_clusters:
  description: The EKS clusters carrying the tags, sorted by name, with their node groups and add-ons.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "trading-dev", "version": "1.32", "status": "ACTIVE", "endpoint_public_access": false,
            "subnet_ids": ["subnet-11", "subnet-12"], "security_group_ids": ["sg-cluster"],
            "node_groups": [{"name": "general", "status": "ACTIVE", "instance_types": ["m6i.large"],
                             "capacity_type": "ON_DEMAND", "min_size": 2, "max_size": 6, "desired_size": 3,
                             "subnet_ids": ["subnet-11", "subnet-12"],
                             "security_group_ids": ["sg-clients", "sg-cluster"]}],
            "addons": ["coredns", "kube-proxy", "vpc-cni"]}]
  contains:
    name:
      description: The cluster's name.
      type: str
    version:
      description: Its Kubernetes version.
      type: str
    status:
      description: Its status (V(ACTIVE), V(CREATING), V(UPDATING), ...).
      type: str
    endpoint_public_access:
      description: Whether its API endpoint is reachable from the Internet.
      type: bool
    subnet_ids:
      description: Its subnets, sorted.
      type: list
      elements: str
    security_group_ids:
      description: Its additional security groups and the cluster security group EKS made, sorted.
      type: list
      elements: str
    node_groups:
      description:
        - Its managed node groups, sorted by name (C(name), C(status), C(instance_types), C(capacity_type),
          C(min_size), C(max_size), C(desired_size), C(subnet_ids), C(security_group_ids)).
        - C(security_group_ids) are the groups of the launch template version the node group uses, and the
          remote-access group EKS made for it, if any; empty when neither names one.
      type: list
      elements: dict
    addons:
      description: The names of its add-ons, sorted.
      type: list
      elements: str
db_clusters:
  description: The RDS (Aurora) clusters carrying the tags, sorted by identifier, with their instances.
  returned: always
  type: list
  elements: dict
  sample: [{"identifier": "trading-dev-aurora", "engine": "aurora-postgresql", "engine_version": "16.4",
            "status": "available", "endpoint": "trading-dev-aurora.cluster-x.us-east-1.rds.amazonaws.com",
            "reader_endpoint": "trading-dev-aurora.cluster-ro-x.us-east-1.rds.amazonaws.com", "port": 5432,
            "security_group_ids": ["sg-aurora"],
            "instances": [{"identifier": "trading-dev-aurora-1", "instance_class": "db.r6g.large",
                           "availability_zone": "us-east-1a", "role": "writer", "status": "available"}]}]
  contains:
    identifier:
      description: The cluster's identifier.
      type: str
    engine:
      description: Its engine.
      type: str
    engine_version:
      description: Its engine version.
      type: str
    status:
      description: Its status.
      type: str
    endpoint:
      description: Its writer endpoint.
      type: str
    reader_endpoint:
      description: Its reader endpoint.
      type: str
    port:
      description: Its port.
      type: int
    security_group_ids:
      description: Its VPC security groups, sorted.
      type: list
      elements: str
    instances:
      description:
        - Its instances (C(identifier), C(instance_class), C(availability_zone), C(role), C(status)), the
          writer first, then by identifier. C(role) is V(writer) or V(reader).
      type: list
      elements: dict
cache_replication_groups:
  description: The ElastiCache (Redis) replication groups carrying the tags, sorted by id, with their nodes.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "trading-dev-redis", "description": "trading-dev Redis", "status": "available",
            "engine_version": "7.1", "primary_endpoint": "master.trading-dev-redis.x.use1.cache.amazonaws.com:6379",
            "security_group_ids": ["sg-redis"],
            "nodes": [{"id": "trading-dev-redis-001", "role": "primary", "availability_zone": "us-east-1a",
                       "node_type": "cache.r7g.large"},
                      {"id": "trading-dev-redis-002", "role": "replica", "availability_zone": "us-east-1b",
                       "node_type": "cache.r7g.large"}]}]
  contains:
    id:
      description: The replication group's id.
      type: str
    description:
      description: Its description.
      type: str
    status:
      description: Its status.
      type: str
    engine_version:
      description: Its engine version (the group's, or else its member clusters').
      type: str
    primary_endpoint:
      description:
        - C(host:port) of its primary endpoint (or, in cluster mode, of its configuration endpoint); null
          while it has none.
      type: str
    security_group_ids:
      description: The security groups of its member clusters, sorted.
      type: list
      elements: str
    nodes:
      description:
        - Its member cache clusters (C(id), C(role), C(availability_zone), C(node_type)), the primaries first,
          then by id. C(role) is V(primary), V(replica), or null where AWS does not say (cluster mode).
      type: list
      elements: dict
alarms:
  description: The CloudWatch metric alarms carrying the tags, sorted by name.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "trading-dev-aurora-cpu", "state": "OK", "namespace": "AWS/RDS", "metric_name": "CPUUtilization",
            "dimensions": {"DBClusterIdentifier": "trading-dev-aurora"},
            "alarm_actions": ["arn:aws:sns:us-east-1:123456789012:trading-dev-alerts"]}]
  contains:
    name:
      description: The alarm's name.
      type: str
    state:
      description: Its state (V(OK), V(ALARM), V(INSUFFICIENT_DATA)).
      type: str
    namespace:
      description: The namespace of its metric (null for an alarm on a metric math expression).
      type: str
    metric_name:
      description: Its metric's name (null for an alarm on a metric math expression).
      type: str
    dimensions:
      description: Its metric's dimensions, name to value.
      type: dict
    alarm_actions:
      description: The ARNs it notifies when it goes into ALARM, sorted.
      type: list
      elements: str
topics:
  description: The SNS topics carrying the tags, sorted by name and ARN.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "trading-dev-alerts", "arn": "arn:aws:sns:us-east-1:123456789012:trading-dev-alerts"}]
  contains:
    name:
      description: The topic's name.
      type: str
    arn:
      description: Its ARN.
      type: str
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

SERVICES = ["ec2", "elbv2", "wafv2", "eks", "rds", "elasticache", "cloudwatch", "sns"]
GONE = ("deleting", "deleted", "failed", "delete-failed", "DELETING", "DELETED", "FAILED", "DELETE_FAILED")
LIVE_NAT_STATES = ("pending", "available")
TIER_ORDER = {"public": 0, "private": 1, "data": 2}
# A resource deleted between its listing and the read of its tags (or its WAF association).
NOT_FOUND = (
    "ResourceNotFoundException",
    "ResourceNotFound",
    "NotFound",
    "NotFoundException",
    "InvalidARN",
    "ReplicationGroupNotFoundFault",
    "CacheClusterNotFound",
    "WAFNonexistentItemException",
    "InvalidLaunchTemplateId.NotFound",
    "InvalidLaunchTemplateId.VersionNotFound",
    "InvalidLaunchTemplateName.NotFoundException",
)
# Where each service's results go; a service left out keeps them empty.
KEYS = {
    "ec2": ["vpcs", "subnets", "internet_gateways", "nat_gateways", "security_groups"],
    "elbv2": ["load_balancers"],
    "eks": ["eks_clusters"],
    "rds": ["db_clusters"],
    "elasticache": ["cache_replication_groups"],
    "cloudwatch": ["alarms"],
    "sns": ["topics"],
}


class ReadFailed(Exception):
    """An AWS error, with what was being read when it happened (for the failure message)."""

    def __init__(self, what: str, error: Exception) -> None:
        super().__init__(what)
        self.what = what
        self.error = error


def _reading(what, call, *args, **kwargs):
    """``call(*args, **kwargs)``; an AWS error is raised as ReadFailed naming ``what``."""
    try:
        return call(*args, **kwargs)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise ReadFailed(what, e) from e


def _missing(error) -> bool:
    return (
        isinstance(error, botocore.exceptions.ClientError) and error.response.get("Error", {}).get("Code") in NOT_FOUND
    )


def _matches(tags: dict, wanted: dict) -> bool:
    return all(tags.get(k) == v for k, v in wanted.items())


def _tags(resource: dict, key: str = "Tags") -> dict:
    return boto3_tag_list_to_ansible_dict(resource.get(key) or [])


def _tag_filters(wanted: dict) -> list:
    return [{"Name": f"tag:{k}", "Values": [v]} for k, v in sorted(wanted.items())]


# -- EC2: the network and the security groups ---------------------------------------------------------


def _ingress(permission: dict) -> dict:
    cidrs = [r["CidrIp"] for r in permission.get("IpRanges") or [] if r.get("CidrIp")]
    cidrs += [r["CidrIpv6"] for r in permission.get("Ipv6Ranges") or [] if r.get("CidrIpv6")]
    protocol = str(permission.get("IpProtocol", "-1"))
    everything = protocol == "-1"
    return {
        "from_group_ids": sorted({p["GroupId"] for p in permission.get("UserIdGroupPairs") or [] if p.get("GroupId")}),
        "cidrs": sorted(set(cidrs)),
        "protocol": protocol,
        "from_port": None if everything else permission.get("FromPort"),
        "to_port": None if everything else permission.get("ToPort"),
    }


def _rule_key(rule: dict):
    return (
        rule["protocol"],
        -2 if rule["from_port"] is None else rule["from_port"],
        -2 if rule["to_port"] is None else rule["to_port"],
        rule["from_group_ids"],
        rule["cidrs"],
    )


def _subnet_key(subnet: dict):
    tier = subnet["tier"]
    rank = TIER_ORDER.get(tier, len(TIER_ORDER) if tier else len(TIER_ORDER) + 1)
    return (rank, tier or "", subnet["availability_zone"] or "", subnet["id"])


def ec2_topology(clients, wanted, services):
    client = clients["ec2"]
    filters = _tag_filters(wanted)
    listings = {
        "vpcs": lambda: paginate(client, "describe_vpcs", "Vpcs", Filters=filters),
        "subnets": lambda: paginate(client, "describe_subnets", "Subnets", Filters=filters),
        "internet_gateways": lambda: paginate(
            client, "describe_internet_gateways", "InternetGateways", Filters=filters
        ),
        "nat_gateways": lambda: paginate(
            client,
            "describe_nat_gateways",
            "NatGateways",
            Filter=[*filters, {"Name": "state", "Values": list(LIVE_NAT_STATES)}],
        ),
        "security_groups": lambda: paginate(client, "describe_security_groups", "SecurityGroups", Filters=filters),
        "route_tables": lambda: paginate(client, "describe_route_tables", "RouteTables", Filters=filters),
    }
    found = read_all(
        lambda key: _reading(f"the EC2 {key.replace('_', ' ')}", listings[key]),
        list(listings),
    )
    # Every tag is checked here too: not every emulator honours tag filters on every call.
    tagged = {key: [r for r in items if _matches(_tags(r), wanted)] for key, items in found.items()}

    vpcs = [
        {"id": v["VpcId"], "cidr": v.get("CidrBlock"), "name": _tags(v).get("Name", v["VpcId"])}
        for v in tagged["vpcs"]
        if v.get("State") not in GONE
    ]
    # Each subnet's default route: its own route table's, else its VPC's main table's.
    default_nat = {}
    main_nat = {}
    for table in tagged["route_tables"]:
        nat = next(
            (
                r.get("NatGatewayId")
                for r in table.get("Routes") or []
                if r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("State") != "blackhole"
            ),
            None,
        )
        for association in table.get("Associations") or []:
            if association.get("SubnetId"):
                default_nat[association["SubnetId"]] = nat
            elif association.get("Main"):
                main_nat[table.get("VpcId")] = nat
    subnets = [
        {
            "id": s["SubnetId"],
            "vpc_id": s.get("VpcId"),
            "availability_zone": s.get("AvailabilityZone"),
            "cidr": s.get("CidrBlock"),
            "tier": _tags(s).get("Tier"),
            "name": _tags(s).get("Name", s["SubnetId"]),
            "nat_gateway_id": default_nat.get(s["SubnetId"], main_nat.get(s.get("VpcId"))),
        }
        for s in tagged["subnets"]
    ]
    gateways = []
    for igw in tagged["internet_gateways"]:
        attached = [a["VpcId"] for a in igw.get("Attachments") or [] if a.get("VpcId") and a.get("State") != "detached"]
        gateways.append({"id": igw["InternetGatewayId"], "vpc_id": attached[0] if attached else None})

    zone = {s["id"]: s["availability_zone"] for s in subnets}
    live = [n for n in tagged["nat_gateways"] if n.get("State") in LIVE_NAT_STATES]
    unknown = sorted({n["SubnetId"] for n in live if n.get("SubnetId") and n["SubnetId"] not in zone})
    if unknown:
        others = _reading(
            "the EC2 subnets of the NAT gateways",
            client.describe_subnets,
            SubnetIds=unknown,
            aws_retry=True,
        )["Subnets"]
        zone.update({s["SubnetId"]: s.get("AvailabilityZone") for s in others})
    nats = []
    for nat in live:
        addresses = nat.get("NatGatewayAddresses") or []
        primary = [a for a in addresses if a.get("IsPrimary")] or addresses
        nats.append(
            {
                "id": nat["NatGatewayId"],
                "name": _tags(nat).get("Name", nat["NatGatewayId"]),
                "subnet_id": nat.get("SubnetId"),
                "availability_zone": zone.get(nat.get("SubnetId")),
                "public_ip": primary[0].get("PublicIp") if primary else None,
                "state": nat.get("State"),
            }
        )
    groups = [
        {
            "id": g["GroupId"],
            "name": g.get("GroupName"),
            "vpc_id": g.get("VpcId"),
            "ingress": sorted((_ingress(p) for p in g.get("IpPermissions") or []), key=_rule_key),
        }
        for g in tagged["security_groups"]
    ]
    return {
        "vpcs": sorted(vpcs, key=lambda v: v["id"]),
        "subnets": sorted(subnets, key=_subnet_key),
        "internet_gateways": sorted(gateways, key=lambda g: g["id"]),
        "nat_gateways": sorted(nats, key=lambda n: (n["availability_zone"] or "", n["id"])),
        "security_groups": sorted(groups, key=lambda g: (g["name"] or "", g["id"])),
    }


# -- ELBv2 and WAFv2: the load balancers -------------------------------------------------------------


def _web_acl(waf, arn):
    try:
        acl = waf.get_web_acl_for_resource(ResourceArn=arn, aws_retry=True).get("WebACL")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        if _missing(e):
            return None
        raise ReadFailed("the WAFv2 web ACLs of the load balancers", e) from e
    return {"name": acl.get("Name"), "arn": acl.get("ARN")} if acl else None


def load_balancers(clients, wanted, services):
    client = clients["elbv2"]
    waf = clients.get("wafv2") if "wafv2" in services else None
    what = "the ELBv2 load balancers"
    balancers = [
        lb
        for lb in _reading(what, paginate, client, "describe_load_balancers", "LoadBalancers")
        if lb.get("Type") == "application" and lb.get("State", {}).get("Code") != "failed"
    ]
    found = []
    for start in range(0, len(balancers), 20):
        batch = balancers[start : start + 20]
        described = _reading(
            "the tags of the ELBv2 load balancers",
            client.describe_tags,
            ResourceArns=[lb["LoadBalancerArn"] for lb in batch],
            aws_retry=True,
        )
        tags = {d["ResourceArn"]: _tags(d) for d in described["TagDescriptions"]}
        found.extend(lb for lb in batch if _matches(tags.get(lb["LoadBalancerArn"], {}), wanted))

    def describe(lb):
        arn = lb["LoadBalancerArn"]
        listeners = _reading(
            "the ELBv2 listeners", paginate, client, "describe_listeners", "Listeners", LoadBalancerArn=arn
        )
        groups = _reading(
            "the ELBv2 target groups", paginate, client, "describe_target_groups", "TargetGroups", LoadBalancerArn=arn
        )
        return {
            "name": lb["LoadBalancerName"],
            "arn": arn,
            "dns_name": lb.get("DNSName"),
            "scheme": lb.get("Scheme"),
            "subnet_ids": sorted(z["SubnetId"] for z in lb.get("AvailabilityZones") or [] if z.get("SubnetId")),
            "security_group_ids": sorted(lb.get("SecurityGroups") or []),
            "web_acl": _web_acl(waf, arn) if waf is not None else None,
            "listeners": sorted(
                ({"port": lst.get("Port"), "protocol": lst.get("Protocol")} for lst in listeners),
                key=lambda lst: (lst["port"] or 0, lst["protocol"] or ""),
            ),
            "target_groups": sorted(
                (
                    {
                        "name": g["TargetGroupName"],
                        "port": g.get("Port"),
                        "protocol": g.get("Protocol"),
                        "target_type": g.get("TargetType"),
                    }
                    for g in groups
                ),
                key=lambda g: g["name"],
            ),
        }

    described = read_all(
        lambda arn: describe(next(lb for lb in found if lb["LoadBalancerArn"] == arn)),
        [lb["LoadBalancerArn"] for lb in found],
    )
    return {"load_balancers": sorted(described.values(), key=lambda b: (b["name"], b["arn"]))}


# -- EKS: the clusters, their node groups and add-ons ---------------------------------------------------


def _template_groups(ec2, template: dict) -> list:
    """The security groups of the launch template version a node group uses (none if it is gone)."""
    if not template or not (template.get("id") or template.get("name")):
        return []
    where = {"LaunchTemplateId": template["id"]} if template.get("id") else {"LaunchTemplateName": template["name"]}
    try:
        versions = ec2.describe_launch_template_versions(
            Versions=[str(template.get("version") or "$Default")], aws_retry=True, **where
        )["LaunchTemplateVersions"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        if _missing(e):
            return []
        raise ReadFailed("the EC2 launch templates of the EKS node groups", e) from e
    data = versions[0].get("LaunchTemplateData") or {} if versions else {}
    groups = list(data.get("SecurityGroupIds") or [])
    for interface in data.get("NetworkInterfaces") or []:
        groups.extend(interface.get("Groups") or [])
    return groups


def eks_clusters(clients, wanted, services):
    client = clients["eks"]
    ec2 = clients["ec2"]

    def cluster_of(name):
        cluster = _reading("the EKS clusters", client.describe_cluster, name=name, aws_retry=True)["cluster"]
        if cluster.get("status") in GONE or not _matches(cluster.get("tags") or {}, wanted):
            return None
        vpc = cluster.get("resourcesVpcConfig") or {}
        node_groups = []
        for group_name in _reading(
            "the EKS node groups", paginate, client, "list_nodegroups", "nodegroups", clusterName=name
        ):
            group = _reading(
                "the EKS node groups",
                client.describe_nodegroup,
                clusterName=name,
                nodegroupName=group_name,
                aws_retry=True,
            )["nodegroup"]
            if group.get("status") in GONE:
                continue
            scaling = group.get("scalingConfig") or {}
            groups = _template_groups(ec2, group.get("launchTemplate") or {})
            remote = (group.get("resources") or {}).get("remoteAccessSecurityGroup")
            if remote:
                groups.append(remote)
            node_groups.append(
                {
                    "name": group_name,
                    "status": group.get("status"),
                    "instance_types": list(group.get("instanceTypes") or []),
                    "capacity_type": group.get("capacityType"),
                    "min_size": scaling.get("minSize"),
                    "max_size": scaling.get("maxSize"),
                    "desired_size": scaling.get("desiredSize"),
                    "subnet_ids": sorted(group.get("subnets") or []),
                    "security_group_ids": sorted(set(groups)),
                }
            )
        addons = _reading("the EKS add-ons", paginate, client, "list_addons", "addons", clusterName=name)
        cluster_groups = list(vpc.get("securityGroupIds") or [])
        if vpc.get("clusterSecurityGroupId"):
            cluster_groups.append(vpc["clusterSecurityGroupId"])
        return {
            "name": name,
            "version": cluster.get("version"),
            "status": cluster.get("status"),
            "endpoint_public_access": bool(vpc.get("endpointPublicAccess")),
            "subnet_ids": sorted(vpc.get("subnetIds") or []),
            "security_group_ids": sorted(set(cluster_groups)),
            "node_groups": sorted(node_groups, key=lambda g: g["name"]),
            "addons": sorted(addons),
        }

    names = _reading("the EKS clusters", paginate, client, "list_clusters", "clusters")
    found = [c for c in read_all(cluster_of, names).values() if c is not None]
    return {"eks_clusters": sorted(found, key=lambda c: c["name"])}


# -- RDS: the Aurora clusters and their instances --------------------------------------------------------


def db_clusters(clients, wanted, services):
    client = clients["rds"]
    clusters = [
        c
        for c in _reading("the RDS clusters", paginate, client, "describe_db_clusters", "DBClusters")
        if c.get("Status") not in GONE and _matches(_tags(c, "TagList"), wanted)
    ]

    def instances_of(identifier):
        return _reading(
            "the RDS instances",
            paginate,
            client,
            "describe_db_instances",
            "DBInstances",
            Filters=[{"Name": "db-cluster-id", "Values": [identifier]}],
        )

    members = read_all(instances_of, [c["DBClusterIdentifier"] for c in clusters])
    result = []
    for cluster in clusters:
        identifier = cluster["DBClusterIdentifier"]
        writers = {m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers") or [] if m.get("IsClusterWriter")}
        instances = [
            {
                "identifier": i["DBInstanceIdentifier"],
                "instance_class": i.get("DBInstanceClass"),
                "availability_zone": i.get("AvailabilityZone"),
                "role": "writer" if i["DBInstanceIdentifier"] in writers else "reader",
                "status": i.get("DBInstanceStatus"),
            }
            for i in members[identifier]
            if i.get("DBInstanceStatus") not in GONE
        ]
        result.append(
            {
                "identifier": identifier,
                "engine": cluster.get("Engine"),
                "engine_version": cluster.get("EngineVersion"),
                "status": cluster.get("Status"),
                "endpoint": cluster.get("Endpoint"),
                "reader_endpoint": cluster.get("ReaderEndpoint"),
                "port": cluster.get("Port"),
                "security_group_ids": sorted(
                    g["VpcSecurityGroupId"]
                    for g in cluster.get("VpcSecurityGroups") or []
                    if g.get("VpcSecurityGroupId")
                ),
                "instances": sorted(instances, key=lambda i: (i["role"] != "writer", i["identifier"])),
            }
        )
    return {"db_clusters": sorted(result, key=lambda c: c["identifier"])}


# -- ElastiCache: the Redis replication groups and their nodes -------------------------------------------


def _endpoint(endpoint) -> str | None:
    if not endpoint or not endpoint.get("Address"):
        return None
    return f"{endpoint['Address']}:{endpoint['Port']}" if endpoint.get("Port") else endpoint["Address"]


def cache_replication_groups(clients, wanted, services):
    client = clients["elasticache"]
    groups = [
        g
        for g in _reading(
            "the ElastiCache replication groups", paginate, client, "describe_replication_groups", "ReplicationGroups"
        )
        if g.get("Status") not in GONE and g.get("ARN")
    ]

    def tags_of(arn):
        try:
            return _tags(client.list_tags_for_resource(ResourceName=arn, aws_retry=True), "TagList")
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            if _missing(e):
                return {}
            raise ReadFailed("the tags of the ElastiCache replication groups", e) from e

    tags = read_all(tags_of, [g["ARN"] for g in groups])
    groups = [g for g in groups if _matches(tags[g["ARN"]], wanted)]
    clusters = {}
    if groups:
        clusters = {
            c["CacheClusterId"]: c
            for c in _reading(
                "the ElastiCache cache clusters", paginate, client, "describe_cache_clusters", "CacheClusters"
            )
        }
    result = []
    for group in groups:
        member_ids = sorted(group.get("MemberClusters") or [])
        members = [clusters[m] for m in member_ids if m in clusters]
        nodes = {}
        for node_group in group.get("NodeGroups") or []:
            for member in node_group.get("NodeGroupMembers") or []:
                cid = member.get("CacheClusterId")
                if cid:
                    nodes[cid] = {
                        "id": cid,
                        "role": member.get("CurrentRole"),
                        "availability_zone": member.get("PreferredAvailabilityZone"),
                    }
        for cid in member_ids:  # members the node groups do not list yet (a group being created)
            nodes.setdefault(cid, {"id": cid, "role": None, "availability_zone": None})
        for cid, node in nodes.items():
            cluster = clusters.get(cid) or {}
            node["availability_zone"] = node["availability_zone"] or cluster.get("PreferredAvailabilityZone")
            node["node_type"] = cluster.get("CacheNodeType") or group.get("CacheNodeType")
        first = (group.get("NodeGroups") or [{}])[0]
        versions = sorted({c["EngineVersion"] for c in members if c.get("EngineVersion")})
        result.append(
            {
                "id": group["ReplicationGroupId"],
                "description": group.get("Description"),
                "status": group.get("Status"),
                "engine_version": group.get("EngineVersion") or (versions[0] if versions else None),
                "primary_endpoint": _endpoint(first.get("PrimaryEndpoint"))
                or _endpoint(group.get("ConfigurationEndpoint")),
                "security_group_ids": sorted(
                    {
                        s["SecurityGroupId"]
                        for c in members
                        for s in c.get("SecurityGroups") or []
                        if s.get("SecurityGroupId")
                    }
                ),
                "nodes": sorted(nodes.values(), key=lambda n: (n["role"] != "primary", n["id"])),
            }
        )
    return {"cache_replication_groups": sorted(result, key=lambda g: g["id"])}


# -- CloudWatch and SNS: the alarms and the topics they notify -------------------------------------------


def _tagged_arns(arns, read_tags, what, wanted) -> set:
    """The ARNs whose tags (read one by one, concurrently) carry ``wanted``; a resource gone meanwhile is left out."""

    def tags_of(arn):
        try:
            return _tags(read_tags(arn))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            if _missing(e):
                return {}
            raise ReadFailed(what, e) from e

    return {arn for arn, tags in read_all(tags_of, arns).items() if _matches(tags, wanted)}


def alarms(clients, wanted, services):
    client = clients["cloudwatch"]
    listed = _reading(
        "the CloudWatch alarms", paginate, client, "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"]
    )
    tagged = _tagged_arns(
        [a["AlarmArn"] for a in listed],
        lambda arn: client.list_tags_for_resource(ResourceARN=arn, aws_retry=True),
        "the tags of the CloudWatch alarms",
        wanted,
    )
    result = [
        {
            "name": a["AlarmName"],
            "state": a.get("StateValue"),
            "namespace": a.get("Namespace"),
            "metric_name": a.get("MetricName"),
            "dimensions": {
                d["Name"]: d.get("Value") for d in sorted(a.get("Dimensions") or [], key=lambda d: d["Name"])
            },
            "alarm_actions": sorted(a.get("AlarmActions") or []),
        }
        for a in listed
        if a["AlarmArn"] in tagged
    ]
    return {"alarms": sorted(result, key=lambda a: a["name"])}


def topics(clients, wanted, services):
    client = clients["sns"]
    arns = [t["TopicArn"] for t in _reading("the SNS topics", paginate, client, "list_topics", "Topics")]
    tagged = _tagged_arns(
        arns,
        lambda arn: client.list_tags_for_resource(ResourceArn=arn, aws_retry=True),
        "the tags of the SNS topics",
        wanted,
    )
    result = [{"name": arn.rsplit(":", 1)[-1], "arn": arn} for arn in tagged]
    return {"topics": sorted(result, key=lambda t: (t["name"], t["arn"]))}


FINDERS = {
    "ec2": ec2_topology,
    "elbv2": load_balancers,
    "eks": eks_clusters,
    "rds": db_clusters,
    "elasticache": cache_replication_groups,
    "cloudwatch": alarms,
    "sns": topics,
}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            filter_tags=dict(type="dict", required=True),
            services=dict(type="list", elements="str", default=list(SERVICES), choices=list(SERVICES)),
        ),
        supports_check_mode=True,
    )
    wanted = {str(k): str(v) for k, v in (module.params["filter_tags"] or {}).items()}
    if not wanted:
        module.fail_json(
            msg="filter_tags must name at least one tag: an empty filter would match every resource of the account"
        )
    services = list(dict.fromkeys(module.params["services"]))
    result = {key: [] for keys in KEYS.values() for key in keys}
    # WAFv2 adds to the load balancers; the node groups' launch templates are EC2's.
    needed = set(services)
    if "eks" in needed:
        needed.add("ec2")
    if "elbv2" not in needed:
        needed.discard("wafv2")
    clients = {s: module.client(s, retry_decorator=retry_decorator()) for s in SERVICES if s in needed}
    finders = [s for s in services if s in FINDERS]

    def find(service):
        try:
            return FINDERS[service](clients, wanted, services), None
        except ReadFailed as e:
            return None, e
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            return None, ReadFailed(f"the {service} resources", e)

    # The services are independent: read at once, so the whole costs about its longest read.
    for _service, (found, failure) in read_all(find, finders).items():
        if failure is not None:
            module.fail_json_aws(failure.error, msg=f"could not read {failure.what} of the resources tagged {wanted}")
        result.update(found)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
