#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: vpc_network
short_description: Reconcile a whole VPC network (VPC, subnets, IGW, NAT, routes, S3 endpoint) in one call
version_added: 1.0.0
description:
  - Creates, updates or deletes one VPC and everything that makes it a working network for the
    trading platform - tiered subnets across availability zones, an internet gateway, NAT gateways
    with their Elastic IPs, route tables and their associations, and a gateway endpoint for S3.
  - The whole component is read with one batch of describe calls and only what differs is changed,
    so a run that has nothing to do makes no write and costs one module invocation instead of one
    per resource.
  - Every resource is found again by the VPC's C(Name) tag and by names derived from it, never by
    a state file. NAT gateways are created with a deterministic client token and their Elastic IPs
    are tagged before use, so a run that died half-way and is run again creates no duplicate.
  - Subnets in the VPC that are not in O(subnets) are left alone; NAT gateways this module created
    and no longer wants (for example when O(nat_mode) goes from V(per_az) to V(single)) are deleted
    after the routes have moved, and their Elastic IPs released.
  - It also closes the VPC's defaults (the default security group emptied, the default network ACL
    replaced by one ACL per tier) and sets the S3 endpoint's policy, in the same call; they are read
    with the rest, at once.
  - Supports check mode and diff mode; in check mode identifiers of resources that would be created
    are returned as V(null).
author:
  - 99Tech platform engineering (@99tech)
options:
  name:
    description:
      - The VPC's C(Name) tag, and the prefix of every other resource's C(Name) tag
        (C(<name>-public-<az>), C(<name>-nat-<az>), C(<name>-private-<az>) and so on).
      - Must be unique among the region's VPCs.
    type: str
    required: true
  cidr_block:
    description:
      - The VPC's primary IPv4 CIDR. Required with O(state=present).
      - A VPC's primary CIDR cannot change; a different value for an existing VPC is an error.
    type: str
  subnets:
    description:
      - The subnets to have, one per tier and availability zone.
    type: list
    elements: dict
    default: []
    suboptions:
      cidr:
        description: IPv4 CIDR of the subnet, inside O(cidr_block).
        type: str
        required: true
      az:
        description: Availability zone name, for example C(us-east-1a).
        type: str
        required: true
      tier:
        description:
          - V(public) subnets route to the internet gateway and hold the NAT gateways and load balancers.
          - V(private) subnets route to a NAT gateway; one route table per availability zone.
          - V(data) subnets are isolated, with no route to the internet (databases, caches).
        type: str
        required: true
        choices: [public, private, data]
      tags:
        description: Extra tags for this subnet, for example the EKS load balancer discovery tags.
        type: dict
        default: {}
  nat_mode:
    description:
      - V(per_az) puts a NAT gateway in every availability zone's public subnet, each private route table
        using its own zone's (production).
      - V(single) puts one NAT gateway in the first public subnet for every private route table (cheaper).
      - V(none) creates none and gives private subnets no default route.
    type: str
    default: single
    choices: [none, single, per_az]
  s3_endpoint:
    description: Whether to have a gateway VPC endpoint for S3 on the private and data route tables.
    type: bool
    default: true
  s3_endpoint_policy:
    description:
      - The S3 gateway endpoint's policy (a dict or its JSON), set when the endpoint is created and
        changed in place (C(ModifyVpcEndpoint PolicyDocument)) when it differs by meaning; spacing,
        key order and one-item lists do not count.
      - At most 20,480 characters as sent (compact JSON); a longer or malformed document is refused
        before any call.
      - Omitted, the policy is not managed (a new endpoint gets AWS's default, full access).
    type: json
  restrict_default_security_group:
    description:
      - Revoke every inbound and outbound rule of the VPC's default security group (CIS AWS
        Foundations 5.4, AWS Foundational Security Best Practices EC2.2), so that anything launched
        without a group of its own reaches nothing and is reached by nothing.
      - AWS cannot delete a VPC's default group; an emptied one stays empty on later runs.
    type: bool
    default: true
  network_acl_rules:
    description:
      - The entries of one network ACL per tier (C(<name>-<tier>-nacl)), exactly those listed (an entry
        added by hand is removed, a changed one replaced in place), each tier's subnets associated with
        its ACL.
      - The VPC's default network ACL is then left with no entry but AWS's final deny, unless a subnet
        this module does not manage still uses it (then it is kept as it is, with a warning).
      - Rule numbers are 1 to 32766, one entry per number and direction; TCP and UDP entries need
        O(network_acl_rules[].from_port) and O(network_acl_rules[].to_port), ICMP entries
        O(network_acl_rules[].icmp_type) and O(network_acl_rules[].icmp_code). What AWS would refuse
        is refused before any call.
      - Omitted, network ACLs are not managed (every subnet keeps the default ACL). With
        O(state=absent) every network ACL of the VPC but the default one is deleted after its subnets.
    type: list
    elements: dict
    suboptions:
      tier:
        description: The tier whose ACL holds the entry.
        type: str
        required: true
        choices: [public, private, data]
      egress:
        description: An outbound entry (V(true)) or an inbound one.
        type: bool
        default: false
      rule_number:
        description: Evaluation order, lowest first; 1 to 32766.
        type: int
        required: true
      protocol:
        description: The protocol; V(all) matches every protocol and port.
        type: str
        required: true
        choices: [all, tcp, udp, icmp]
      action:
        description: Allow or deny what matches.
        type: str
        default: allow
        choices: [allow, deny]
      cidr:
        description: IPv4 source (inbound) or destination (outbound) range.
        type: str
        required: true
      from_port:
        description: First port (TCP and UDP).
        type: int
      to_port:
        description: Last port (TCP and UDP).
        type: int
      icmp_type:
        description: ICMP type (-1 for any).
        type: int
      icmp_code:
        description: ICMP code (-1 for any).
        type: int
  enable_dns_hostnames:
    description: Whether instances get DNS host names (EKS needs it).
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates; V(absent) deletes the VPC and everything listed above,
        in dependency order (endpoints, NAT gateways and their Elastic IPs, route tables, subnets,
        internet gateway, VPC).
    type: str
    default: present
    choices: [present, absent]
  wait:
    description:
      - Whether to wait for NAT gateways to become available (or deleted).
      - With V(false), a NAT gateway still pending gets no route yet (AWS may not know its id for
        a while, and the route would lead nowhere); the module returns at once with
        RV(nat_pending=true), and a later call with V(true) waits and adds the routes. This lets a
        run start the NAT gateways and overlap their two minutes with other long waits.
    type: bool
    default: true
  wait_timeout:
    description: How long to wait, in seconds.
    type: int
    default: 900
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A three-AZ network with a NAT gateway per zone
  ninetynine.trading_infra.vpc_network:
    name: trading-prod
    cidr_block: 10.0.0.0/16
    nat_mode: per_az
    subnets:
      - {tier: public, az: us-east-1a, cidr: 10.0.160.0/24, tags: {kubernetes.io/role/elb: "1"}}
      - {tier: private, az: us-east-1a, cidr: 10.0.0.0/19, tags: {kubernetes.io/role/internal-elb: "1"}}
      - {tier: data, az: us-east-1a, cidr: 10.0.192.0/24}
    tags:
      Project: trading
      Environment: prod
    s3_endpoint_policy:
      Version: "2012-10-17"
      Statement:
        - Sid: ThisAccountsBuckets
          Effect: Allow
          Principal: "*"
          Action: "s3:*"
          Resource: "*"
          Condition:
            StringEquals:
              aws:ResourceAccount: "123456789012"
    restrict_default_security_group: true
    network_acl_rules:
      - {tier: public, rule_number: 100, protocol: tcp, from_port: 443, to_port: 443, cidr: 0.0.0.0/0}
      - {tier: public, rule_number: 110, protocol: all, cidr: 10.0.0.0/16}
      - {tier: public, rule_number: 120, protocol: tcp, from_port: 1024, to_port: 3388, cidr: 0.0.0.0/0}
      - {tier: public, rule_number: 130, protocol: tcp, from_port: 3390, to_port: 65535, cidr: 0.0.0.0/0}
      - {tier: public, egress: true, rule_number: 100, protocol: all, cidr: 0.0.0.0/0}
      - {tier: private, rule_number: 100, protocol: all, cidr: 10.0.0.0/16}
      - {tier: private, egress: true, rule_number: 100, protocol: all, cidr: 0.0.0.0/0}
      - {tier: data, rule_number: 100, protocol: all, cidr: 10.0.0.0/16}
      - {tier: data, egress: true, rule_number: 100, protocol: all, cidr: 10.0.0.0/16}
  register: network

- name: Remove it
  ninetynine.trading_infra.vpc_network:
    name: trading-prod
    state: absent
"""

RETURN = r"""
vpc:
  description: The VPC.
  returned: always
  type: dict
  contains:
    id:
      description: VPC id (null in check mode before it exists, or after deletion).
      type: str
      sample: vpc-0123456789abcdef0
    cidr_block:
      description: Primary CIDR.
      type: str
      sample: 10.0.0.0/16
    name:
      description: The Name tag.
      type: str
      sample: trading-prod
internet_gateway_id:
  description: Id of the attached internet gateway.
  returned: when state is present
  type: str
  sample: igw-0123456789abcdef0
subnets:
  description: The managed subnets, in the order given.
  returned: when state is present
  type: list
  elements: dict
  sample: [{id: subnet-0123, cidr: 10.0.0.0/19, az: us-east-1a, tier: private, name: trading-prod-private-us-east-1a}]
subnet_ids:
  description: Subnet ids by tier, in the order given.
  returned: when state is present
  type: dict
  sample: {public: [subnet-01], private: [subnet-02], data: [subnet-03]}
nat_gateways:
  description: The NAT gateways this module keeps.
  returned: when state is present
  type: list
  elements: dict
  sample: [{id: nat-0123, az: us-east-1a, subnet_id: subnet-01, allocation_id: eipalloc-01, public_ip: 203.0.113.10}]
route_table_ids:
  description: Route table ids - C(public), C(private) (a dict by availability zone) and C(data).
  returned: when state is present
  type: dict
  sample: {public: rtb-01, private: {us-east-1a: rtb-02}, data: rtb-03}
nat_pending:
  description: Whether NAT gateways are still pending and their routes left for a call with O(wait=true).
  returned: when state is present
  type: bool
  sample: false
s3_endpoint_id:
  description: Id of the S3 gateway endpoint, or null.
  returned: when state is present
  type: str
  sample: vpce-0123456789abcdef0
default_security_group_id:
  description: Id of the VPC's default security group when O(restrict_default_security_group=true), else null.
  returned: when state is present
  type: str
  sample: sg-0123456789abcdef0
network_acl_ids:
  description: Network ACL ids by tier when O(network_acl_rules) is given, else null.
  returned: when state is present
  type: dict
  sample: {public: acl-01, private: acl-02, data: acl-03}
actions:
  description: What was changed (or, in check mode, would be), one line a change.
  returned: always
  type: list
  elements: str
  sample: ["create VPC trading-prod 10.0.0.0/16", "create subnet trading-prod-private-us-east-1a 10.0.0.0/19"]
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and the
      changes it gets. The plan summary counts these."
    - Routes and subnet associations are changes of their route table, entries and associations of their
      network ACL, tags of their resource. The rules of the VPC's default security group and the entries of
      its default network ACL (which AWS makes and deletes with the VPC) are changes of the VPC.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, one of V(VPC), V(internet gateway), V(subnet), V(Elastic IP), V(NAT
        gateway), V(route table), V(VPC endpoint) (the S3 gateway endpoint) and V(network ACL).
      type: str
    name:
      description: The resource's Name tag (V(NAME-private-us-east-1a), V(NAME-nat-us-east-1a), V(NAME-s3),
        ...). A resource deleted without a Name tag is named by its id, and one whose name another resource
        has (the one replacing it, a duplicate) by its name with its id in brackets.
      type: str
    action:
      description: What happens to it.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets (entries of RV(actions)).
      type: list
      elements: str
  sample:
    - kind: VPC
      name: trading-prod
      action: create
      changes:
        - create VPC trading-prod 10.0.0.0/16
        - set enableDnsHostnames=True on VPC vpc-0123456789abcdef0
    - kind: subnet
      name: trading-prod-private-us-east-1a
      action: create
      changes:
        - create subnet trading-prod-private-us-east-1a 10.0.0.0/19
    - kind: route table
      name: trading-prod-private-us-east-1a
      action: change
      changes:
        - re-route 0.0.0.0/0 in trading-prod-private-us-east-1a to NAT gateway trading-prod-nat-us-east-1a
"""

import hashlib
import ipaddress
import json
import time

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.waiters import get_waiter

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.concurrency import read_all
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.ec2 import sync_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.ec2 import tag_dict
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.ec2 import tag_spec
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.progress import Watch, since
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.waiters import wait_for

LIVE_NAT_STATES = ("pending", "available")
DEFAULT_ROUTE = "0.0.0.0/0"
DEFERRED = ("deferred",)  # a route target left for the call that waits for its NAT gateway


def _filters(spec):
    """EC2 filters from a dict of filter name to one value or a list of values."""
    return [{"Name": k, "Values": v if isinstance(v, list) else [v]} for k, v in spec.items()]


# -- network ACL entries: one shape for the entries asked for and the entries AWS lists ---------------
PROTOCOL_NUMBERS = {"all": "-1", "tcp": "6", "udp": "17", "icmp": "1"}
PROTOCOL_NAMES = {v: k for k, v in PROTOCOL_NUMBERS.items()}
# CreateNetworkAclEntry: "Positive integer from 1 to 32766. The range 32767 to 65535 is reserved".
RULE_NUMBERS = range(1, 32767)
# AWS PrivateLink Guide: "The maximum size of an endpoint policy is 20,480 characters (including white space)".
MAX_ENDPOINT_POLICY = 20_480


def wanted_entry(rule):
    """An entry asked for (module option), in the comparable shape."""
    proto = PROTOCOL_NUMBERS[rule["protocol"]]
    return {
        "egress": rule["egress"],
        "rule_number": rule["rule_number"],
        "protocol": proto,
        "action": rule["action"],
        "cidr": rule["cidr"],
        "ports": (rule["from_port"], rule["to_port"]) if proto in ("6", "17") else None,
        "icmp": (rule["icmp_type"], rule["icmp_code"]) if proto == "1" else None,
    }


def listed_entry(entry):
    """An entry DescribeNetworkAcls lists, in the comparable shape."""
    proto = str(entry.get("Protocol"))
    ports, icmp = entry.get("PortRange") or {}, entry.get("IcmpTypeCode") or {}
    return {
        "egress": bool(entry["Egress"]),
        "rule_number": int(entry["RuleNumber"]),
        "protocol": proto,
        "action": entry["RuleAction"],
        "cidr": entry.get("CidrBlock") or entry.get("Ipv6CidrBlock"),
        "ports": (ports.get("From"), ports.get("To")) if proto in ("6", "17") else None,
        "icmp": (icmp.get("Type"), icmp.get("Code")) if proto == "1" else None,
    }


def entry_line(e):
    """One entry as a diff or action reads it: ``130 allow tcp 1024-3388 from 0.0.0.0/0``."""
    what = PROTOCOL_NAMES.get(e["protocol"], f"protocol {e['protocol']}")
    if e["ports"]:
        low, high = e["ports"]
        what += f" {low}" if low == high else f" {low}-{high}"
    if e["icmp"]:
        what += f" type {e['icmp'][0]} code {e['icmp'][1]}"
    return f"{e['rule_number']} {e['action']} {what} {'to' if e['egress'] else 'from'} {e['cidr']}"


def entry_args(e):
    """CreateNetworkAclEntry / ReplaceNetworkAclEntry arguments of an entry in the comparable shape."""
    args = {
        "RuleNumber": e["rule_number"],
        "Egress": e["egress"],
        "Protocol": e["protocol"],
        "RuleAction": e["action"],
        "CidrBlock": e["cidr"],
    }
    if e["ports"]:
        args["PortRange"] = {"From": e["ports"][0], "To": e["ports"][1]}
    if e["icmp"]:
        args["IcmpTypeCode"] = {"Type": e["icmp"][0], "Code": e["icmp"][1]}
    return args


def user_entries(acl):
    """The entries of an ACL that can be changed (32767 and up are AWS's own catch-all deny)."""
    return [listed_entry(e) for e in acl.get("Entries", []) if int(e["RuleNumber"]) in RULE_NUMBERS]


def acl_summary(entries, subnets=None):
    out = {
        "ingress": [entry_line(e) for e in sorted(entries, key=lambda e: e["rule_number"]) if not e["egress"]],
        "egress": [entry_line(e) for e in sorted(entries, key=lambda e: e["rule_number"]) if e["egress"]],
    }
    if subnets is not None:
        out["subnets"] = sorted(subnets)
    return out


def rule_problems(rules):
    """What AWS would refuse (or what cannot be meant) in network_acl_rules, each naming the rule."""
    problems, seen = [], set()
    for i, r in enumerate(rules):
        where = f"network_acl_rules[{i}] ({r['tier']} {'egress' if r['egress'] else 'ingress'} {r['rule_number']})"
        if r["rule_number"] not in RULE_NUMBERS:
            problems.append(f"{where}: rule numbers are 1 to 32766 (32767 and up are reserved by AWS)")
        key = (r["tier"], r["egress"], r["rule_number"])
        if key in seen:
            problems.append(f"{where}: a second entry with this rule number in the same direction")
        seen.add(key)
        try:
            net = ipaddress.ip_network(r["cidr"], strict=True)
            if net.version != 4:
                raise ValueError
        except ValueError:
            problems.append(f"{where}: cidr {r['cidr']!r} is not an IPv4 CIDR with its host bits clear")
        if r["protocol"] in ("tcp", "udp"):
            low, high = r["from_port"], r["to_port"]
            if low is None or high is None or not 0 <= low <= high <= 65535:
                problems.append(f"{where}: {r['protocol']} needs from_port <= to_port, both 0 to 65535")
        elif r["protocol"] == "icmp":
            if r["icmp_type"] is None or r["icmp_code"] is None:
                problems.append(f"{where}: icmp needs icmp_type and icmp_code (-1 for any)")
        elif any(r[k] is not None for k in ("from_port", "to_port", "icmp_type", "icmp_code")):
            problems.append(f"{where}: protocol all takes no ports and no ICMP type")
    return problems


def parse_endpoint_policy(policy):
    """The endpoint policy asked for as a dict (None: not managed), and its compact JSON."""
    if policy is None:
        return None, None
    if isinstance(policy, str):
        if not policy.strip():
            return None, None
        policy = json.loads(policy)
    return policy, json.dumps(policy, separators=(",", ":"), sort_keys=True)


def permission_lines(permissions, egress):
    """Security group rules as a diff reads them: ``all from sg-0123``, ``tcp 443 to 0.0.0.0/0``."""
    lines = []
    for p in permissions:
        proto = {"-1": "all"}.get(str(p.get("IpProtocol")), str(p.get("IpProtocol")))
        if proto != "all" and p.get("FromPort") is not None:
            proto += f" {p['FromPort']}" if p["FromPort"] == p.get("ToPort") else f" {p['FromPort']}-{p.get('ToPort')}"
        peers = (
            [r["CidrIp"] for r in p.get("IpRanges", [])]
            + [r["CidrIpv6"] for r in p.get("Ipv6Ranges", [])]
            + [g.get("GroupId", "") for g in p.get("UserIdGroupPairs", [])]
            + [x["PrefixListId"] for x in p.get("PrefixListIds", [])]
        )
        lines.extend(f"{proto} {'to' if egress else 'from'} {peer}" for peer in peers)
    return sorted(lines)


def _policy_of(endpoint):
    """An endpoint's policy as a dict (AWS lists it as a JSON string)."""
    document = endpoint.get("PolicyDocument")
    if isinstance(document, str):
        try:
            return json.loads(document)
        except ValueError:
            return {}
    return document or {}


class Network:
    """One VPC and what hangs off it, read in one batch, then reconciled."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.name = module.params["name"]
        self.tags = module.params["tags"] or {}
        self.purge = module.params["purge_tags"]
        self.plan = Plan(module.check_mode)
        self.region = module.region
        # The wanted subnets of each tier, in the order given.
        self.tier = {t: [s for s in module.params["subnets"] if s["tier"] == t] for t in ("public", "private", "data")}
        self.endpoint_policy, self.endpoint_policy_json = parse_endpoint_policy(module.params["s3_endpoint_policy"])
        rules = module.params["network_acl_rules"]
        self.acl_entries = (
            None if rules is None else {t: [wanted_entry(r) for r in rules if r["tier"] == t] for t in self.tier}
        )
        self.vpc_created = False
        self.vpc_existed = False
        # (kind, name) of the resources ``resources`` lists as wanted, and of those it lists as deleted.
        self.wanted_names, self.gone_names = set(), set()
        self.default_acl_kept = None  # the default ACL's entries, kept: subnets not managed here use it

    # -- naming ------------------------------------------------------------
    def subnet_name(self, tier, az):
        return f"{self.name}-{tier}-{az}"

    def nat_name(self, az):
        return f"{self.name}-nat-{az}"

    def rt_name(self, tier, az=None):
        return f"{self.name}-{tier}-{az}" if az else f"{self.name}-{tier}"

    def acl_name(self, tier):
        return f"{self.name}-{tier}-nacl"

    def wanted_tags(self, name, extra=None):
        tags = dict(self.tags)
        tags.update(extra or {})
        tags["Name"] = name
        return tags

    # -- what ``resources`` says each change is about ------------------------------
    def want(self, kind, name, exists):
        """The changes that follow are to a wanted resource (created when it does not exist)."""
        self.wanted_names.add((kind, name))
        self.plan.about(kind, name, exists=exists)

    def want_vpc(self):
        """The changes that follow are to the VPC, or to its default security group and network ACL
        (made and deleted with it by AWS: parts of it)."""
        self.want("VPC", self.name, self.vpc_existed)

    def gone(self, kind, resource, resource_id):
        """The changes that follow delete ``resource``: named by its Name tag, or with its id too when
        another resource of that kind has the name (the one that replaces it, a duplicate)."""
        name = tag_dict(resource).get("Name")
        label = name if name and (kind, name) not in self.wanted_names | self.gone_names else None
        label = label or (f"{name} ({resource_id})" if name else resource_id)
        self.gone_names.add((kind, label))
        self.plan.about(kind, label, wanted=False)

    # -- read ----------------------------------------------------------------
    def read(self):
        """Describe everything once, the independent reads at once. Returns a dict keyed for reconciliation.

        Two rounds: the VPC (by its Name tag) with the Elastic IPs, then every per-VPC read together.
        """
        c = self.client
        first = read_all(
            lambda what: {
                "vpcs": lambda: c.describe_vpcs(Filters=_filters({"tag:Name": self.name}), aws_retry=True)["Vpcs"],
                # Elastic IPs belong to no VPC: find ours by name (filtered here, as wildcards differ by endpoint).
                "addresses": lambda: c.describe_addresses(Filters=_filters({"tag-key": "Name"}), aws_retry=True)[
                    "Addresses"
                ],
            }[what](),
            ["vpcs", "addresses"],
        )
        vpcs = [v for v in first["vpcs"] if v.get("State") != "deleted"]
        if len(vpcs) > 1:
            self.module.fail_json(
                msg=f"{len(vpcs)} VPCs carry the Name tag {self.name!r} ({', '.join(v['VpcId'] for v in vpcs)}); "
                "names must be unique, remove or rename the extra ones"
            )
        cur = {
            "vpc": vpcs[0] if vpcs else None,
            "subnets": [],
            "igws": [],
            "nats": [],
            "addresses": [a for a in first["addresses"] if tag_dict(a).get("Name", "").startswith(f"{self.name}-nat-")],
            "route_tables": [],
            "endpoints": [],
            "dns_hostnames": None,
            "default_security_group": None,
            "network_acls": [],
        }
        if not vpcs:
            return cur
        vpc_id = vpcs[0]["VpcId"]
        by_vpc = _filters({"vpc-id": vpc_id})
        jobs = {
            "subnets": lambda: self._paginate("describe_subnets", "Subnets", Filters=by_vpc),
            "igws": lambda: c.describe_internet_gateways(
                Filters=_filters({"attachment.vpc-id": vpc_id}), aws_retry=True
            )["InternetGateways"],
            "nats": lambda: [
                n
                for n in self._paginate("describe_nat_gateways", "NatGateways", Filters=by_vpc)
                if n["State"] in (*LIVE_NAT_STATES, "deleting")
            ],
            "route_tables": lambda: self._paginate("describe_route_tables", "RouteTables", Filters=by_vpc),
            "endpoints": lambda: [
                e
                for e in self._paginate("describe_vpc_endpoints", "VpcEndpoints", Filters=by_vpc)
                if e["State"].lower() not in ("deleted", "deleting")
            ],
            "dns_hostnames": lambda: c.describe_vpc_attribute(
                VpcId=vpc_id, Attribute="enableDnsHostnames", aws_retry=True
            )["EnableDnsHostnames"]["Value"],
            "network_acls": lambda: self._paginate("describe_network_acls", "NetworkAcls", Filters=by_vpc),
        }
        if self.params["state"] == "present" and self.params["restrict_default_security_group"]:
            jobs["default_security_group"] = lambda: self._default_security_group(vpc_id)
        cur.update(read_all(lambda what: jobs[what](), list(jobs)))
        return cur

    def _default_security_group(self, vpc_id):
        groups = self.client.describe_security_groups(
            Filters=_filters({"vpc-id": vpc_id, "group-name": "default"}), aws_retry=True
        )["SecurityGroups"]
        return groups[0] if groups else None

    def _paginate(self, op, key, **kwargs):
        return paginate(self.client, op, key, **kwargs)

    # -- desired shape, for diff -------------------------------------------------
    def nat_azs(self):
        public_azs = [s["az"] for s in self.tier["public"]]
        mode = self.params["nat_mode"]
        if mode == "none" or not public_azs:
            return []
        return public_azs[:1] if mode == "single" else public_azs

    def desired_summary(self):
        subnets = self.params["subnets"]
        nat_azs = self.nat_azs()
        rts = {}
        if self.tier["public"]:
            rts[self.rt_name("public")] = {
                "default_route": "internet-gateway",
                "subnets": sorted(self.subnet_name("public", s["az"]) for s in self.tier["public"]),
            }
        for az in (s["az"] for s in self.tier["private"]):
            nat_az = (az if az in nat_azs else nat_azs[0]) if nat_azs else None
            rts[self.rt_name("private", az)] = {
                "default_route": f"nat-gateway {self.nat_name(nat_az)}" if nat_az else None,
                "subnets": [self.subnet_name("private", az)],
            }
        if self.tier["data"]:
            rts[self.rt_name("data")] = {
                "default_route": None,
                "subnets": sorted(self.subnet_name("data", s["az"]) for s in self.tier["data"]),
            }
        endpoint_rts = sorted(n for n in rts if not n.endswith(("-public",))) if self.params["s3_endpoint"] else None
        return {
            "vpc": {
                "name": self.name,
                "cidr_block": self.params["cidr_block"],
                "enable_dns_hostnames": self.params["enable_dns_hostnames"],
                "tags": self.wanted_tags(self.name),
            },
            "internet_gateway": bool(rts.get(self.rt_name("public"))),
            "subnets": {
                self.subnet_name(s["tier"], s["az"]): {"cidr": s["cidr"], "az": s["az"], "tier": s["tier"]}
                for s in subnets
            },
            "nat_gateways": {self.nat_name(az): self.subnet_name("public", az) for az in nat_azs},
            "route_tables": rts,
            "s3_endpoint_route_tables": endpoint_rts,
            **self._desired_security_summary(),
        }

    def _desired_security_summary(self):
        out = {}
        if self.params["s3_endpoint"] and self.endpoint_policy is not None:
            out["s3_endpoint_policy"] = self.endpoint_policy
        if self.params["restrict_default_security_group"]:
            out["default_security_group"] = {"ingress": [], "egress": []}
        if self.acl_entries is not None:
            out["network_acls"] = {
                self.acl_name(t): acl_summary(self.acl_entries[t], [self.subnet_name(t, s["az"]) for s in subnets])
                for t, subnets in self.tier.items()
                if subnets
            }
            out["default_network_acl"] = self.default_acl_kept or acl_summary([])
        return out

    def current_summary(self, cur):
        vpc = cur["vpc"]
        if vpc is None:
            return {}
        subnet_names = {s["SubnetId"]: tag_dict(s).get("Name", s["SubnetId"]) for s in cur["subnets"]}
        nat_names = {n["NatGatewayId"]: tag_dict(n).get("Name", n["NatGatewayId"]) for n in cur["nats"]}
        rt_names = {r["RouteTableId"]: tag_dict(r).get("Name", r["RouteTableId"]) for r in cur["route_tables"]}
        rts = {}
        for rt in cur["route_tables"]:
            if any(a.get("Main") for a in rt.get("Associations", [])):
                continue
            route = next((r for r in rt.get("Routes", []) if r.get("DestinationCidrBlock") == DEFAULT_ROUTE), None)
            target = None
            if route and route.get("GatewayId", "").startswith("igw-"):
                target = "internet-gateway"
            elif route and route.get("NatGatewayId"):
                target = f"nat-gateway {nat_names.get(route['NatGatewayId'], route['NatGatewayId'])}"
            rts[rt_names[rt["RouteTableId"]]] = {
                "default_route": target,
                "subnets": sorted(
                    subnet_names.get(a["SubnetId"], a["SubnetId"])
                    for a in rt.get("Associations", [])
                    if a.get("SubnetId")
                ),
            }
        s3 = self._s3_endpoint(cur)
        return {
            "vpc": {
                "name": self.name,
                "cidr_block": vpc["CidrBlock"],
                "enable_dns_hostnames": cur["dns_hostnames"],
                "tags": tag_dict(vpc),
            },
            "internet_gateway": bool(cur["igws"]),
            "subnets": {
                subnet_names[s["SubnetId"]]: {
                    "cidr": s["CidrBlock"],
                    "az": s["AvailabilityZone"],
                    "tier": tag_dict(s).get("Tier"),
                }
                for s in cur["subnets"]
            },
            "nat_gateways": {
                nat_names[n["NatGatewayId"]]: subnet_names.get(n["SubnetId"], n["SubnetId"])
                for n in cur["nats"]
                if n["State"] in LIVE_NAT_STATES
            },
            "route_tables": rts,
            "s3_endpoint_route_tables": sorted(rt_names.get(r, r) for r in s3["RouteTableIds"]) if s3 else None,
            **self._current_security_summary(cur, s3, subnet_names),
        }

    def _current_security_summary(self, cur, s3, subnet_names):
        out = {}
        if self.params["s3_endpoint"] and self.endpoint_policy is not None and s3:
            out["s3_endpoint_policy"] = _policy_of(s3)
        group = cur["default_security_group"]
        if self.params["restrict_default_security_group"] and group:
            out["default_security_group"] = {
                "ingress": permission_lines(group.get("IpPermissions", []), False),
                "egress": permission_lines(group.get("IpPermissionsEgress", []), True),
            }
        if self.acl_entries is not None:
            out["network_acls"] = {
                tag_dict(a).get("Name", a["NetworkAclId"]): acl_summary(
                    user_entries(a),
                    [subnet_names.get(x["SubnetId"], x["SubnetId"]) for x in a.get("Associations", [])],
                )
                for a in cur["network_acls"]
                if not a.get("IsDefault")
            }
            default = next((a for a in cur["network_acls"] if a.get("IsDefault")), None)
            if default:
                out["default_network_acl"] = acl_summary(user_entries(default))
        return out

    def _s3_endpoint(self, cur):
        service = f"com.amazonaws.{self.region}.s3"
        return next(
            (
                e
                for e in cur["endpoints"]
                if e["ServiceName"] == service and e.get("VpcEndpointType", "Gateway") == "Gateway"
            ),
            None,
        )

    # -- present ---------------------------------------------------------------
    def ensure_present(self, cur):
        p = self.params
        vpc = cur["vpc"]
        if vpc and vpc["CidrBlock"] != p["cidr_block"]:
            self.module.fail_json(
                msg=f"VPC {self.name} ({vpc['VpcId']}) has CIDR {vpc['CidrBlock']}, not {p['cidr_block']}; "
                "a VPC's primary CIDR cannot change: tear the network down first or keep the CIDR"
            )
        self._check_subnet_layout(cur)
        vpc_id = self._ensure_vpc(cur)
        igw_id = self._ensure_igw(cur, vpc_id)
        subnet_ids = self._ensure_subnets(cur, vpc_id)
        nats = self._ensure_nats(cur, subnet_ids)
        rt_ids = self._ensure_route_tables(cur, vpc_id, igw_id, subnet_ids, nats)
        self._retire_unwanted_nats(cur, nats)
        endpoint_id = self._ensure_s3_endpoint(cur, vpc_id, rt_ids)
        default_group_id = self._restrict_default_security_group(cur, vpc_id)
        acl_ids = self._ensure_network_acls(cur, vpc_id, subnet_ids)
        subnets_out = [
            {
                "id": subnet_ids.get(s["cidr"]),
                "cidr": s["cidr"],
                "az": s["az"],
                "tier": s["tier"],
                "name": self.subnet_name(s["tier"], s["az"]),
            }
            for s in p["subnets"]
        ]
        return {
            "vpc": {"id": vpc_id, "cidr_block": p["cidr_block"], "name": self.name},
            "internet_gateway_id": igw_id,
            "subnets": subnets_out,
            "subnet_ids": {
                tier: [s["id"] for s in subnets_out if s["tier"] == tier] for tier in ("public", "private", "data")
            },
            "nat_gateways": [dict(v, az=az) for az, v in nats.items()],
            "nat_pending": any(v["state"] == "pending" and v["id"] for v in nats.values()),
            "route_table_ids": rt_ids,
            "s3_endpoint_id": endpoint_id,
            "default_security_group_id": default_group_id,
            "network_acl_ids": acl_ids,
        }

    def _check_subnet_layout(self, cur):
        existing = {s["CidrBlock"]: s for s in cur["subnets"]}
        for s in self.params["subnets"]:
            found = existing.get(s["cidr"])
            if found and found["AvailabilityZone"] != s["az"]:
                self.module.fail_json(
                    msg=f"subnet {s['cidr']} ({found['SubnetId']}) is in {found['AvailabilityZone']}, not {s['az']}; "
                    "a subnet cannot move between availability zones: delete it first or keep its zone"
                )

    def _ensure_vpc(self, cur):
        c, p = self.client, self.params
        vpc = cur["vpc"]
        self.vpc_existed = vpc is not None
        self.want_vpc()
        if vpc is None:
            created = self.plan.do(
                f"create VPC {self.name} {p['cidr_block']}",
                c.create_vpc,
                CidrBlock=p["cidr_block"],
                TagSpecifications=tag_spec("vpc", self.wanted_tags(self.name)),
                aws_retry=True,
            )
            if created is None:
                if p["enable_dns_hostnames"]:
                    self.plan.do(f"enable DNS host names on VPC {self.name}")
                return None
            vpc_id = created["Vpc"]["VpcId"]
            get_waiter(c, "vpc_available").wait(VpcIds=[vpc_id])
            cur["dns_hostnames"] = False
            self.vpc_created = True
        else:
            vpc_id = vpc["VpcId"]
            sync_tags(c, self.plan, vpc_id, tag_dict(vpc), self.wanted_tags(self.name), self.purge, "VPC")
        if cur["dns_hostnames"] != p["enable_dns_hostnames"]:
            self.plan.do(
                f"set enableDnsHostnames={p['enable_dns_hostnames']} on VPC {vpc_id}",
                c.modify_vpc_attribute,
                VpcId=vpc_id,
                EnableDnsHostnames={"Value": p["enable_dns_hostnames"]},
                aws_retry=True,
            )
        return vpc_id

    def _ensure_igw(self, cur, vpc_id):
        c = self.client
        if not self.tier["public"]:
            return cur["igws"][0]["InternetGatewayId"] if cur["igws"] else None
        name = f"{self.name}-igw"
        if cur["igws"]:
            igw = cur["igws"][0]
            self.want("internet gateway", name, exists=True)
            sync_tags(
                c,
                self.plan,
                igw["InternetGatewayId"],
                tag_dict(igw),
                self.wanted_tags(name),
                self.purge,
                "internet gateway",
            )
            return igw["InternetGatewayId"]
        # A gateway left detached by an interrupted run is reused, not duplicated.
        orphans = c.describe_internet_gateways(Filters=_filters({"tag:Name": name}), aws_retry=True)["InternetGateways"]
        orphan = next((g for g in orphans if not g.get("Attachments")), None)
        self.want("internet gateway", name, exists=orphan is not None)  # an orphan is attached: a change
        if orphan:
            igw_id = orphan["InternetGatewayId"]
        else:
            created = self.plan.do(
                f"create internet gateway {name}",
                c.create_internet_gateway,
                TagSpecifications=tag_spec("internet-gateway", self.wanted_tags(name)),
                aws_retry=True,
            )
            igw_id = created["InternetGateway"]["InternetGatewayId"] if created else None
        self.plan.do(
            f"attach internet gateway {name} to VPC {self.name}",
            c.attach_internet_gateway if igw_id and vpc_id else None,
            InternetGatewayId=igw_id,
            VpcId=vpc_id,
            aws_retry=True,
        )
        return igw_id

    def _ensure_subnets(self, cur, vpc_id):
        c = self.client
        existing = {s["CidrBlock"]: s for s in cur["subnets"]}
        ids = {}
        for s in self.params["subnets"]:
            name = self.subnet_name(s["tier"], s["az"])
            wanted = self.wanted_tags(name, dict(s["tags"] or {}, Tier=s["tier"]))
            found = existing.get(s["cidr"])
            self.want("subnet", name, exists=found is not None)
            if found:
                ids[s["cidr"]] = found["SubnetId"]
                sync_tags(c, self.plan, found["SubnetId"], tag_dict(found), wanted, self.purge, "subnet")
                continue
            created = self.plan.do(
                f"create subnet {name} {s['cidr']}",
                c.create_subnet if vpc_id else None,
                VpcId=vpc_id,
                CidrBlock=s["cidr"],
                AvailabilityZone=s["az"],
                TagSpecifications=tag_spec("subnet", wanted),
                aws_retry=True,
            )
            ids[s["cidr"]] = created["Subnet"]["SubnetId"] if created else None
        return ids

    def _ensure_nats(self, cur, subnet_ids):
        """One NAT gateway per wanted zone; returns {az: {id, subnet_id, allocation_id, public_ip}}."""
        c = self.client
        public_by_az = {s["az"]: subnet_ids.get(s["cidr"]) for s in self.tier["public"]}
        free_eips = {tag_dict(a).get("Name"): a for a in cur["addresses"] if not a.get("AssociationId")}
        out, pending = {}, []
        for az in self.nat_azs():
            name = self.nat_name(az)
            subnet_id = public_by_az[az]
            nat = next(
                (
                    n
                    for n in cur["nats"]
                    if n["State"] in LIVE_NAT_STATES and n["SubnetId"] == subnet_id and tag_dict(n).get("Name") == name
                ),
                None,
            )
            self.want("NAT gateway", name, exists=nat is not None)
            self.wanted_names.add(("Elastic IP", name))  # its address, kept or allocated below
            if nat:
                sync_tags(
                    c, self.plan, nat["NatGatewayId"], tag_dict(nat), self.wanted_tags(name), self.purge, "NAT gateway"
                )
                addr = (nat.get("NatGatewayAddresses") or [{}])[0]
                out[az] = {
                    "id": nat["NatGatewayId"],
                    "subnet_id": subnet_id,
                    "name": name,
                    "allocation_id": addr.get("AllocationId"),
                    "public_ip": addr.get("PublicIp"),
                    "state": nat["State"],
                }
                if nat["State"] == "pending":
                    pending.append(nat["NatGatewayId"])
                continue
            eip = free_eips.get(name)
            if eip is None:
                self.want("Elastic IP", name, exists=False)
                allocated = self.plan.do(
                    f"allocate Elastic IP {name}",
                    c.allocate_address,
                    Domain="vpc",
                    TagSpecifications=tag_spec("elastic-ip", self.wanted_tags(name)),
                    aws_retry=True,
                )
                eip = allocated or {}
                self.want("NAT gateway", name, exists=False)
            created = self.plan.do(
                f"create NAT gateway {name} in {self.subnet_name('public', az)}",
                c.create_nat_gateway if subnet_id else None,
                SubnetId=subnet_id,
                AllocationId=eip.get("AllocationId"),
                ClientToken=hashlib.sha256(f"{self.name}:{subnet_id}:{eip.get('AllocationId')}".encode()).hexdigest()[
                    :64
                ],
                TagSpecifications=tag_spec("natgateway", self.wanted_tags(name)),
                aws_retry=True,
            )
            nat = (created or {}).get("NatGateway", {})
            out[az] = {
                "id": nat.get("NatGatewayId"),
                "subnet_id": subnet_id,
                "name": name,
                "allocation_id": eip.get("AllocationId"),
                "public_ip": eip.get("PublicIp"),
                "state": nat.get("State", "pending"),
            }
            if nat:
                pending.append(nat["NatGatewayId"])
        if pending and self.params["wait"] and not self.module.check_mode:
            names = {v["id"]: v["name"] for v in out.values()}
            self._wait_nats(pending, names, gone=False)
            for v in out.values():
                if v["id"] in pending:
                    v["state"] = "available"
        return out

    def _wait(self, waiter, **kwargs):
        delay = 5
        try:
            get_waiter(self.client, waiter).wait(
                WaiterConfig={"Delay": delay, "MaxAttempts": max(1, self.params["wait_timeout"] // delay)}, **kwargs
            )
        except botocore.exceptions.WaiterError as e:
            self.module.fail_json_aws(e, msg=f"timed out after {self.params['wait_timeout']}s waiting for {waiter}")

    def _wait_nats(self, ids, names, gone):
        """Wait for each NAT gateway to be available (or deleted), reporting its state as it goes."""

        def describe(nat_id):
            found = self.client.describe_nat_gateways(NatGatewayIds=[nat_id], aws_retry=True)["NatGateways"]
            return found[0] if found else None

        def failed(nat):
            if nat["State"] == "failed" and not gone:
                return f"failed: {nat.get('FailureCode', '')} {nat.get('FailureMessage', '')}".strip()
            return None

        # One deadline for all: they were started together.
        deadline = time.monotonic() + self.params["wait_timeout"]
        for nat_id in ids:
            wait_for(
                self.module,
                lambda nat_id=nat_id: describe(nat_id),
                (lambda n: n is None or n["State"] == "deleted")
                if gone
                else (lambda n: n is not None and n["State"] == "available"),
                f"NAT gateway {names.get(nat_id) or nat_id} ({nat_id})",
                max(1, int(deadline - time.monotonic())),
                failed=failed,
                plan=self.plan,
                delay=2,
                cap=10,
                watch=Watch(
                    f"nat gateway {names.get(nat_id) or nat_id}",
                    "nat-gateway",
                    lambda n: n["State"].upper(),
                    lambda n: since(n.get("CreateTime")),
                ),
            )

    def _retire_unwanted_nats(self, cur, kept):
        """Delete NAT gateways this module made and no longer wants, then release their EIPs."""
        keep_ids = {v["id"] for v in kept.values()}
        prefix = f"{self.name}-nat-"
        retired = [
            n
            for n in cur["nats"]
            if n["State"] in LIVE_NAT_STATES
            and n["NatGatewayId"] not in keep_ids
            and tag_dict(n).get("Name", "").startswith(prefix)
        ]
        self._delete_nats(retired, cur)

    def _delete_nats(self, nats, cur):
        c = self.client
        for n in nats:
            self.gone("NAT gateway", n, n["NatGatewayId"])
            self.plan.do(
                f"delete NAT gateway {tag_dict(n).get('Name', '')} {n['NatGatewayId']}",
                c.delete_nat_gateway,
                NatGatewayId=n["NatGatewayId"],
                aws_retry=True,
            )
        if nats and not self.module.check_mode:
            names = {n["NatGatewayId"]: tag_dict(n).get("Name") for n in nats}
            self._wait_nats([n["NatGatewayId"] for n in nats], names, gone=True)
        allocations = {a.get("AllocationId") for n in nats for a in n.get("NatGatewayAddresses", [])}
        names = {tag_dict(n).get("Name") for n in nats}
        return self._release(
            a for a in cur["addresses"] if a["AllocationId"] in allocations or tag_dict(a).get("Name") in names
        )

    def _release(self, addresses):
        """Release Elastic IPs; returns their allocation ids."""
        released = set()
        for a in addresses:
            self.gone("Elastic IP", a, a.get("PublicIp") or a["AllocationId"])
            self.plan.do(
                f"release Elastic IP {tag_dict(a).get('Name', '')} {a.get('PublicIp')}",
                self.client.release_address,
                AllocationId=a["AllocationId"],
                aws_retry=True,
            )
            released.add(a["AllocationId"])
        return released

    def _ensure_route_tables(self, cur, vpc_id, igw_id, subnet_ids, nats):
        by_name = {tag_dict(r).get("Name"): r for r in cur["route_tables"]}
        nat_azs = list(nats)
        out = {"public": None, "private": {}, "data": None}
        public = self.tier["public"]
        if public:
            out["public"] = self._ensure_rt(
                by_name,
                cur,
                vpc_id,
                self.rt_name("public"),
                [subnet_ids.get(s["cidr"]) for s in public],
                ("GatewayId", igw_id, "internet gateway"),
            )
        for s in self.tier["private"]:
            nat_az = (s["az"] if s["az"] in nats else nat_azs[0]) if nat_azs else None
            target = ("NatGatewayId", nats[nat_az]["id"], f"NAT gateway {nats[nat_az]['name']}") if nat_az else None
            if target and nats[nat_az]["state"] == "pending" and nats[nat_az]["id"] and not self.params["wait"]:
                target = DEFERRED  # the call that waits adds it
            out["private"][s["az"]] = self._ensure_rt(
                by_name, cur, vpc_id, self.rt_name("private", s["az"]), [subnet_ids.get(s["cidr"])], target
            )
        data = self.tier["data"]
        if data:
            out["data"] = self._ensure_rt(
                by_name, cur, vpc_id, self.rt_name("data"), [subnet_ids.get(s["cidr"]) for s in data], None
            )
        return out

    def _ensure_rt(self, by_name, cur, vpc_id, name, subnet_ids, target):
        """One route table: exists, tagged, default route to ``target`` (key, id, label) or none, associations."""
        c = self.client
        rt = by_name.get(name)
        # Its routes and subnet associations are parts of it.
        self.want("route table", name, exists=rt is not None)
        if rt is None:
            created = self.plan.do(
                f"create route table {name}",
                c.create_route_table if vpc_id else None,
                VpcId=vpc_id,
                TagSpecifications=tag_spec("route-table", self.wanted_tags(name)),
                aws_retry=True,
            )
            rt = created["RouteTable"] if created else {"RouteTableId": None, "Routes": [], "Associations": []}
        else:
            sync_tags(c, self.plan, rt["RouteTableId"], tag_dict(rt), self.wanted_tags(name), self.purge, "route table")
        rt_id = rt["RouteTableId"]
        route = next((r for r in rt.get("Routes", []) if r.get("DestinationCidrBlock") == DEFAULT_ROUTE), None)
        if target is DEFERRED:
            pass
        elif target:
            key, target_id, label = target
            if route is None:
                self.plan.do(
                    f"route {DEFAULT_ROUTE} in {name} to {label}",
                    c.create_route if rt_id and target_id else None,
                    RouteTableId=rt_id,
                    DestinationCidrBlock=DEFAULT_ROUTE,
                    aws_retry=True,
                    **{key: target_id},
                )
            elif route.get(key) != target_id or route.get("State") == "blackhole":
                self.plan.do(
                    f"re-route {DEFAULT_ROUTE} in {name} to {label}",
                    c.replace_route if rt_id and target_id else None,
                    RouteTableId=rt_id,
                    DestinationCidrBlock=DEFAULT_ROUTE,
                    aws_retry=True,
                    **{key: target_id},
                )
        elif route is not None:
            self.plan.do(
                f"remove route {DEFAULT_ROUTE} from {name}",
                c.delete_route,
                RouteTableId=rt_id,
                DestinationCidrBlock=DEFAULT_ROUTE,
                aws_retry=True,
            )
        # A subnet has at most one explicit association: move it here if it is elsewhere.
        assoc_elsewhere = {
            a["SubnetId"]: a["RouteTableAssociationId"]
            for other in cur["route_tables"]
            if other["RouteTableId"] != rt_id
            for a in other.get("Associations", [])
            if a.get("SubnetId")
        }
        mine = {a["SubnetId"] for a in rt.get("Associations", []) if a.get("SubnetId")}
        for subnet_id in subnet_ids:
            if subnet_id and subnet_id in mine:
                continue
            if subnet_id in assoc_elsewhere:
                self.plan.do(
                    f"move subnet {subnet_id} to route table {name}",
                    c.replace_route_table_association,
                    AssociationId=assoc_elsewhere[subnet_id],
                    RouteTableId=rt_id,
                    aws_retry=True,
                )
            else:
                self.plan.do(
                    f"associate subnet {subnet_id or '(new)'} with route table {name}",
                    c.associate_route_table if rt_id and subnet_id else None,
                    RouteTableId=rt_id,
                    SubnetId=subnet_id,
                    aws_retry=True,
                )
        return rt_id

    def _ensure_s3_endpoint(self, cur, vpc_id, rt_ids):
        c = self.client
        endpoint = self._s3_endpoint(cur)
        name = f"{self.name}-s3"
        if not self.params["s3_endpoint"]:
            if endpoint and tag_dict(endpoint).get("Name") == name:
                self.gone("VPC endpoint", endpoint, endpoint["VpcEndpointId"])
                self.plan.do(
                    f"delete S3 endpoint {endpoint['VpcEndpointId']}",
                    c.delete_vpc_endpoints,
                    VpcEndpointIds=[endpoint["VpcEndpointId"]],
                    aws_retry=True,
                )
            return None
        all_rts = list(rt_ids["private"].values()) + ([rt_ids["data"]] if self.tier["data"] else [])
        wanted = [i for i in all_rts if i]
        self.want("VPC endpoint", name, exists=endpoint is not None)
        if endpoint is None:
            created = self.plan.do(
                f"create S3 gateway endpoint {name}",
                c.create_vpc_endpoint if vpc_id else None,
                VpcId=vpc_id,
                ServiceName=f"com.amazonaws.{self.region}.s3",
                VpcEndpointType="Gateway",
                RouteTableIds=wanted,
                TagSpecifications=tag_spec("vpc-endpoint", self.wanted_tags(name)),
                aws_retry=True,
                **({"PolicyDocument": self.endpoint_policy_json} if self.endpoint_policy is not None else {}),
            )
            return created["VpcEndpoint"]["VpcEndpointId"] if created else None
        endpoint_id = endpoint["VpcEndpointId"]
        sync_tags(c, self.plan, endpoint_id, tag_dict(endpoint), self.wanted_tags(name), self.purge, "S3 endpoint")
        have = set(endpoint.get("RouteTableIds", []))
        add, remove = sorted(set(wanted) - have), sorted(have - set(wanted))
        # In check mode a route table still to be created has no id yet, but it will join the endpoint.
        if add or remove or len(wanted) < len(all_rts):
            self.plan.do(
                f"set S3 endpoint {endpoint_id} route tables (+{add} -{remove})",
                c.modify_vpc_endpoint,
                VpcEndpointId=endpoint_id,
                AddRouteTableIds=add,
                RemoveRouteTableIds=remove,
                aws_retry=True,
            )
        # Compared by meaning: AWS may list the document with other spacing, order or one-item lists.
        if self.endpoint_policy is not None and compare_policies(_policy_of(endpoint), self.endpoint_policy):
            self.plan.do(
                f"set the policy of S3 endpoint {endpoint_id}",
                c.modify_vpc_endpoint,
                VpcEndpointId=endpoint_id,
                PolicyDocument=self.endpoint_policy_json,
                aws_retry=True,
            )
        return endpoint_id

    # -- the VPC's defaults: its security group and network ACL ---------------------------------------
    def _restrict_default_security_group(self, cur, vpc_id):
        """Revoke every rule of the VPC's default security group (CIS 5.4, FSBP EC2.2)."""
        if not self.params["restrict_default_security_group"]:
            return None
        c = self.client
        self.want_vpc()
        group = cur["default_security_group"]
        if group is None and self.vpc_created:
            group = self._default_security_group(vpc_id)
        if group is None:
            # Check mode, before the VPC exists: AWS gives a new VPC's default group both rules.
            self.plan.do(
                f"revoke the default security group's rules in VPC {self.name} "
                "(all inbound from itself, all outbound to anywhere)"
            )
            return None
        group_id = group["GroupId"]
        for egress, permissions, revoke in (
            (False, group.get("IpPermissions", []), c.revoke_security_group_ingress),
            (True, group.get("IpPermissionsEgress", []), c.revoke_security_group_egress),
        ):
            if permissions:
                self.plan.do(
                    f"revoke the default security group {group_id}'s {'outbound' if egress else 'inbound'} rules "
                    f"({', '.join(permission_lines(permissions, egress))})",
                    revoke,
                    GroupId=group_id,
                    IpPermissions=permissions,
                    aws_retry=True,
                )
        return group_id

    def _ensure_network_acls(self, cur, vpc_id, subnet_ids):
        """A network ACL per tier with exactly its entries and the tier's subnets; the default ACL emptied."""
        if self.acl_entries is None:
            return None
        c = self.client
        acls = cur["network_acls"]
        known = {s["SubnetId"] for s in cur["subnets"]}
        if not self.module.check_mode and (self.vpc_created or any(i and i not in known for i in subnet_ids.values())):
            # New subnets start on the default ACL, with associations the first read could not see.
            acls = self._paginate("describe_network_acls", "NetworkAcls", Filters=_filters({"vpc-id": vpc_id}))
        association = {
            a["SubnetId"]: (acl["NetworkAclId"], a["NetworkAclAssociationId"])
            for acl in acls
            for a in acl.get("Associations", [])
            if a.get("SubnetId")
        }
        by_name = {tag_dict(a).get("Name"): a for a in acls if not a.get("IsDefault")}
        ids, ours = {}, set()
        for tier, subnets in self.tier.items():
            if not subnets:
                continue
            name = self.acl_name(tier)
            acl = by_name.get(name)
            # Its entries and subnet associations are parts of it.
            self.want("network ACL", name, exists=acl is not None)
            if acl is None:
                created = self.plan.do(
                    f"create network ACL {name}",
                    c.create_network_acl if vpc_id else None,
                    VpcId=vpc_id,
                    TagSpecifications=tag_spec("network-acl", self.wanted_tags(name)),
                    aws_retry=True,
                )
                acl = created["NetworkAcl"] if created else {"NetworkAclId": None, "Entries": []}
            else:
                sync_tags(
                    c, self.plan, acl["NetworkAclId"], tag_dict(acl), self.wanted_tags(name), self.purge, "network ACL"
                )
            acl_id = acl["NetworkAclId"]
            ids[tier] = acl_id
            self._sync_entries(acl, name, self.acl_entries[tier])
            for s in subnets:
                subnet_id = subnet_ids.get(s["cidr"])
                ours.add(subnet_id)
                where = association.get(subnet_id)
                if where and acl_id and where[0] == acl_id:
                    continue
                self.plan.do(
                    f"associate subnet {self.subnet_name(tier, s['az'])} with network ACL {name}",
                    c.replace_network_acl_association if where and acl_id else None,
                    AssociationId=where[1] if where else None,
                    NetworkAclId=acl_id,
                    aws_retry=True,
                )
        default = next((a for a in acls if a.get("IsDefault")), None)
        self.want_vpc()
        if default is None:
            self.plan.do(f"remove the allow-all entries of VPC {self.name}'s default network ACL")
            return ids
        others = sorted(a["SubnetId"] for a in default.get("Associations", []) if a.get("SubnetId") not in ours)
        if others:
            # Emptying it would cut those subnets off: say so instead.
            self.default_acl_kept = acl_summary(user_entries(default))
            self.module.warn(
                f"the default network ACL {default['NetworkAclId']} of VPC {self.name} keeps its entries: "
                f"subnets not managed here use it ({', '.join(others)})"
            )
        else:
            self._sync_entries(default, f"{default['NetworkAclId']} (default)", [])
        return ids

    def _sync_entries(self, acl, label, wanted):
        """Make the ACL's changeable entries exactly ``wanted`` (comparable shapes)."""
        c = self.client
        acl_id = acl["NetworkAclId"]
        have = {(e["egress"], e["rule_number"]): e for e in user_entries(acl)}
        want = {(e["egress"], e["rule_number"]): e for e in wanted}
        for key in sorted(want):
            entry, old = want[key], have.get(key)
            if old == entry:
                continue
            self.plan.do(
                f"{'set' if old is None else 'replace'} network ACL {label} entry {entry_line(entry)}",
                (c.create_network_acl_entry if old is None else c.replace_network_acl_entry) if acl_id else None,
                NetworkAclId=acl_id,
                aws_retry=True,
                **entry_args(entry),
            )
        for key in sorted(set(have) - set(want)):
            self.plan.do(
                f"remove network ACL {label} entry {entry_line(have[key])}",
                c.delete_network_acl_entry,
                NetworkAclId=acl_id,
                RuleNumber=key[1],
                Egress=key[0],
                aws_retry=True,
            )

    # -- absent -----------------------------------------------------------------
    def ensure_absent(self, cur):
        c = self.client
        vpc = cur["vpc"]
        if vpc is None:
            # A teardown interrupted after the VPC went may still have left its addresses.
            self._release(a for a in cur["addresses"] if not a.get("AssociationId"))
            return {"vpc": {"id": None, "cidr_block": None, "name": self.name}}
        vpc_id = vpc["VpcId"]
        for e in cur["endpoints"]:
            self.gone("VPC endpoint", e, e["VpcEndpointId"])
            self.plan.do(
                f"delete VPC endpoint {e['VpcEndpointId']}",
                c.delete_vpc_endpoints,
                VpcEndpointIds=[e["VpcEndpointId"]],
                aws_retry=True,
            )
        released = self._delete_nats([n for n in cur["nats"] if n["State"] in LIVE_NAT_STATES], cur)
        for rt in cur["route_tables"]:
            if any(a.get("Main") for a in rt.get("Associations", [])):
                continue
            self.gone("route table", rt, rt["RouteTableId"])
            for a in rt.get("Associations", []):
                self.plan.do(
                    f"disassociate {a.get('SubnetId')} from {rt['RouteTableId']}",
                    c.disassociate_route_table,
                    AssociationId=a["RouteTableAssociationId"],
                    aws_retry=True,
                )
            self.plan.do(
                f"delete route table {tag_dict(rt).get('Name', '')} {rt['RouteTableId']}",
                c.delete_route_table,
                RouteTableId=rt["RouteTableId"],
                aws_retry=True,
            )
        for s in cur["subnets"]:
            self.gone("subnet", s, s["SubnetId"])
            self.plan.do(
                f"delete subnet {tag_dict(s).get('Name', '')} {s['SubnetId']}",
                c.delete_subnet,
                SubnetId=s["SubnetId"],
                aws_retry=True,
            )
        # With its subnets gone an ACL has no association left; the default one goes with the VPC.
        for acl in cur["network_acls"]:
            if not acl.get("IsDefault"):
                self.gone("network ACL", acl, acl["NetworkAclId"])
                self.plan.do(
                    f"delete network ACL {tag_dict(acl).get('Name', '')} {acl['NetworkAclId']}",
                    c.delete_network_acl,
                    NetworkAclId=acl["NetworkAclId"],
                    aws_retry=True,
                )
        for igw in cur["igws"]:
            self.gone("internet gateway", igw, igw["InternetGatewayId"])
            self.plan.do(
                f"detach internet gateway {igw['InternetGatewayId']}",
                c.detach_internet_gateway,
                InternetGatewayId=igw["InternetGatewayId"],
                VpcId=vpc_id,
                aws_retry=True,
            )
            self.plan.do(
                f"delete internet gateway {igw['InternetGatewayId']}",
                c.delete_internet_gateway,
                InternetGatewayId=igw["InternetGatewayId"],
                aws_retry=True,
            )
        # Addresses tagged for this network that no NAT holds any more (left by an interrupted run).
        self._release(a for a in cur["addresses"] if not a.get("AssociationId") and a["AllocationId"] not in released)
        self.plan.about("VPC", self.name, wanted=False)
        self.plan.do(f"delete VPC {self.name} {vpc_id}", c.delete_vpc, VpcId=vpc_id, aws_retry=True)
        return {"vpc": {"id": None, "cidr_block": vpc["CidrBlock"], "name": self.name}}


def check_options(params):
    """What AWS would refuse in the options, found before any call."""
    problems = rule_problems(params["network_acl_rules"] or [])
    try:
        policy, document = parse_endpoint_policy(params["s3_endpoint_policy"])
    except ValueError as e:
        return [*problems, f"s3_endpoint_policy is not valid JSON ({e})"]
    if policy is not None and (not isinstance(policy, dict) or "Statement" not in policy):
        problems.append("s3_endpoint_policy must be a policy document: an object with a Statement")
    elif document is not None and len(document) > MAX_ENDPOINT_POLICY:
        problems.append(
            f"s3_endpoint_policy is {len(document)} characters as sent; a VPC endpoint policy is at most "
            f"{MAX_ENDPOINT_POLICY}"
        )
    return problems


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        cidr_block=dict(type="str"),
        subnets=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                cidr=dict(type="str", required=True),
                az=dict(type="str", required=True),
                tier=dict(type="str", required=True, choices=["public", "private", "data"]),
                tags=dict(type="dict", default={}),
            ),
        ),
        nat_mode=dict(type="str", default="single", choices=["none", "single", "per_az"]),
        s3_endpoint=dict(type="bool", default=True),
        s3_endpoint_policy=dict(type="json"),
        restrict_default_security_group=dict(type="bool", default=True),
        network_acl_rules=dict(
            type="list",
            elements="dict",
            options=dict(
                tier=dict(type="str", required=True, choices=["public", "private", "data"]),
                egress=dict(type="bool", default=False),
                rule_number=dict(type="int", required=True),
                protocol=dict(type="str", required=True, choices=list(PROTOCOL_NUMBERS)),
                action=dict(type="str", default="allow", choices=["allow", "deny"]),
                cidr=dict(type="str", required=True),
                from_port=dict(type="int"),
                to_port=dict(type="int"),
                icmp_type=dict(type="int"),
                icmp_code=dict(type="int"),
            ),
        ),
        enable_dns_hostnames=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["cidr_block"])],
    )
    refused = check_options(module.params)
    if refused:
        module.fail_json(msg="; ".join(refused))
    client = module.client("ec2", retry_decorator=retry_decorator())
    network = Network(module, client)
    try:
        current = network.read()
        before = network.current_summary(current)
        if module.params["state"] == "present":
            result = network.ensure_present(current)
            after = network.desired_summary()
        else:
            result = network.ensure_absent(current)
            after = {}
    except is_boto3_error_code("DependencyViolation") as e:
        module.fail_json_aws(
            e,
            msg="AWS refused a deletion because something still uses the resource "
            "(network interfaces of load balancers, clusters or databases): "
            "tear those down first",
            actions=network.plan.actions,
            resources=network.plan.resources,
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(
            e, msg="VPC network reconciliation failed", actions=network.plan.actions, resources=network.plan.resources
        )
    network.plan.exit_json(module, before, after, **result)


if __name__ == "__main__":
    main()
