#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: security_groups
short_description: The security groups of one VPC and their rules, reconciled in one invocation
version_added: 1.0.0
description:
  - Creates the security groups listed in one VPC, then brings each one's ingress and egress rules and its
    tags to what is asked, with one read for all of them on a run with nothing to change
    (C(DescribeSecurityGroups) filtered by VPC and names).
  - Groups may refer to each other by name (O(security_groups[].rules[].group_name)); every missing group is
    created first, then the rules are written, so two groups that allow each other converge in one run.
    A name that is not in the list is looked up in the VPC in the same read.
  - Rules are compared by meaning, not by spelling, ports normalized, protocol names and numbers
    (V(6) is V(tcp), V(all) is V(-1)), CIDRs in their network form. New rules are authorized before the old
    ones are revoked, so that a changed source never leaves a window with no access.
  - AWS cannot change the description of a security group. A group that exists with another description is
    refused (the task fails before any write) rather than deleted and re-created, because a group in use by network
    interfaces cannot be deleted anyway, and re-creating it would change its id under everything that uses it.
  - With O(state=absent), deletes the listed groups that exist. Rules of those groups that refer to one of them
    (the groups may refer to each other) are revoked first, so that the deletions succeed in any order. A
    deletion refused because the group is still in use (C(DependencyViolation), network interfaces being
    released) is retried with backoff. A group is only ever deleted with O(state=absent).
  - Supports check mode (no write; groups that do not exist yet are reported as created, with a null id, and
    rules that refer to them show a placeholder) and diff mode (before and after of each group that changes,
    its rules and tags).
  - Replaces M(amazon.aws.ec2_security_group) in the roles, which takes one invocation per group, reads the
    account id and every group again on each run, and only warns on a changed description.
author:
  - 99Tech platform engineering (@99tech)
options:
  vpc_id:
    description:
      - The VPC of the groups.
      - Required with O(state=present). With O(state=absent) and no O(vpc_id), the listed groups are found by
        name in every VPC of the region, among those carrying all of O(tags) (which must then be given).
    type: str
  security_groups:
    description: The groups, each one a dict.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Group name (it cannot start with C(sg-)).
        type: str
        required: true
      description:
        description:
          - Group description, required with O(state=present).
          - AWS cannot change it; a group that exists with another description fails the task.
        type: str
      rules:
        description:
          - Ingress rules. Each rule allows its protocol and ports from each of its sources.
          - Omitted is the same as an empty list (with O(purge_rules), no ingress at all), as with
            M(amazon.aws.ec2_security_group).
        type: list
        elements: dict
        suboptions: &rule_options
          proto:
            description:
              - V(tcp), V(udp), V(icmp), V(icmpv6), V(all) or V(-1) (every protocol), or an IP protocol number
                (0-255; V(6), V(17), V(1) and V(58) are the names' numbers).
              - A protocol other than tcp, udp, icmp and icmpv6 covers every port; ports given with it are ignored.
            type: str
            default: tcp
          from_port:
            description:
              - First port of the range (tcp, udp); with O(security_groups[].rules[].to_port) omitted, the only port.
              - With icmp and icmpv6, the ICMP type (V(-1), or omitted, for every type).
            type: int
          to_port:
            description:
              - Last port of the range (tcp, udp).
              - With icmp and icmpv6, the ICMP code (V(-1), or omitted, for every code).
            type: int
          ports:
            description:
              - Ports (tcp, udp), each a port (V(443)) or a range (V(8000-8010)); one rule per port or range.
              - Mutually exclusive with O(security_groups[].rules[].from_port) and O(security_groups[].rules[].to_port).
            type: list
            elements: str
          cidr_ip:
            description: IPv4 CIDRs (one rule each). A CIDR with host bits set is taken as its network, with a warning.
            type: list
            elements: str
          cidr_ipv6:
            description: IPv6 CIDRs (one rule each).
            type: list
            elements: str
          group_name:
            description:
              - Security groups by name (one rule each), either in O(security_groups) (created first when missing)
                or existing in the VPC. A name found in neither fails the task before any write.
            type: list
            elements: str
          group_id:
            description: Security groups by id (C(sg-...)), one rule each.
            type: list
            elements: str
          prefix_list_id:
            description: Managed prefix lists (C(pl-...)), one rule each.
            type: list
            elements: str
            aliases: ['ip_prefix']
          rule_desc:
            description:
              - Description of the rule (of each rule the entry expands to). A rule that exists with another
                description has it changed in place; omitted removes it.
            type: str
      rules_egress:
        description:
          - Egress rules, with the same keys as O(security_groups[].rules) (a source is a destination here).
          - Omitted leaves the group's egress rules as they are, so that a new group keeps the allow-all egress
            AWS gives it, as with M(amazon.aws.ec2_security_group). An empty list with O(purge_rules_egress)
            removes every egress rule.
        type: list
        elements: dict
        aliases: ['egress_rules']
        suboptions: *rule_options
      tags:
        description: Tags of this group only, merged over O(tags).
        type: dict
  purge_rules:
    description: Revoke the ingress rules that are not in O(security_groups[].rules).
    type: bool
    default: true
  purge_rules_egress:
    description:
      - Revoke the egress rules that are not in O(security_groups[].rules_egress), for the groups that list some
        (an omitted O(security_groups[].rules_egress) leaves egress alone).
    type: bool
    default: true
    aliases: ['purge_egress_rules']
  tags:
    description:
      - Tags every group carries. Each group is also tagged C(Name) with its name, unless the tags given set C(Name).
      - Omitted (and no O(security_groups[].tags)), the tags of existing groups are left alone; new groups are
        tagged C(Name) only.
      - With O(state=absent), only the groups carrying all of these tags are deleted.
    type: dict
    aliases: ['resource_tags']
  purge_tags:
    description: Remove the tags of a group that are not asked for.
    type: bool
    default: true
  state:
    description: Whether the groups listed should exist.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Rules are written with the classic C(IpPermissions) calls (C(AuthorizeSecurityGroupIngress),
    C(RevokeSecurityGroupEgress), C(UpdateSecurityGroupRuleDescriptionsIngress), ...), one call per group,
    direction and kind of change; the current rules come from the one C(DescribeSecurityGroups), so no
    C(DescribeSecurityGroupRules) is needed.
  - A group created by the run is read once more (its id), to learn the default egress AWS gave it.
"""

EXAMPLES = r"""
- name: A load balancer's group and its targets' group, each referring to the other
  ninetynine.trading_infra.security_groups:
    vpc_id: vpc-0123456789abcdef0
    security_groups:
      - name: trading-prod-alb
        description: trading-prod load balancer
        rules:
          - proto: tcp
            ports: [80, 443]
            cidr_ip: 0.0.0.0/0
            rule_desc: HTTP and HTTPS from clients
        rules_egress:
          - proto: tcp
            ports: [8080]
            group_name: trading-prod-alb-targets
            rule_desc: to the targets only
      - name: trading-prod-alb-targets
        description: trading-prod load balancer targets
        rules:
          - proto: tcp
            ports: [8080]
            group_name: trading-prod-alb
            rule_desc: from the load balancer
        rules_egress:
          - proto: all
            cidr_ip: 0.0.0.0/0
    tags:
      Project: trading
      Environment: prod
    state: present
  register: groups

- name: Use an id
  ansible.builtin.debug:
    msg: "{{ groups.security_groups['trading-prod-alb'].group_id }}"

- name: Delete them (the rules between them first)
  ninetynine.trading_infra.security_groups:
    security_groups:
      - name: trading-prod-alb
      - name: trading-prod-alb-targets
    tags:
      Environment: prod
    state: absent
"""

RETURN = r"""
security_groups:
  description:
    - The groups listed, by name, as they are after the run (as they would be, in check mode).
    - With O(state=absent), each name with a null id.
  returned: always
  type: dict
  contains:
    group_id:
      description: Id of the group (null in check mode before it exists, and with O(state=absent)).
      type: str
      sample: sg-0123456789abcdef0
    group_name:
      description: Name of the group.
      type: str
      sample: trading-prod-alb
    description:
      description: Description of the group.
      type: str
    vpc_id:
      description: VPC of the group.
      type: str
      sample: vpc-0123456789abcdef0
    ip_permissions:
      description:
        - Ingress rules, in the shape M(amazon.aws.ec2_security_group) returns them (protocol and ports, with
          C(ip_ranges), C(ipv6_ranges), C(prefix_list_ids) and C(user_id_group_pairs)).
        - In check mode, a group that does not exist yet is shown by a placeholder C((new group NAME)).
      type: list
      elements: dict
      sample:
        - ip_protocol: tcp
          from_port: 443
          to_port: 443
          ip_ranges: [{cidr_ip: 0.0.0.0/0, description: HTTPS from clients}]
          ipv6_ranges: []
          prefix_list_ids: []
          user_id_group_pairs: []
    ip_permissions_egress:
      description: Egress rules, in the same shape.
      type: list
      elements: dict
    tags:
      description: Tags of the group.
      type: dict
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample:
    - create security group trading-prod-alb in vpc-0123456789abcdef0
    - "authorize ingress on trading-prod-alb-targets: tcp 8080 from group trading-prod-alb"
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and the
      changes it gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, always V(security group). A group's rules and tags are part of it.
      type: str
    name:
      description: The group's name; with O(state=absent) and no O(vpc_id), a name that matches groups in
        several VPCs is given with each group's id in brackets.
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
    - kind: security group
      name: trading-prod-alb
      action: create
      changes:
        - create security group trading-prod-alb in vpc-0123456789abcdef0
        - 'authorize ingress on trading-prod-alb: tcp 443 from 0.0.0.0/0'
    - kind: security group
      name: trading-prod-alb-targets
      action: change
      changes:
        - 'authorize ingress on trading-prod-alb-targets: tcp 8080 from group trading-prod-alb'
"""

import ipaddress
import re
from collections import namedtuple

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.ec2 import tag_dict
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.ec2 import tag_spec
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Refused
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import run
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import RETRY_CODES
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list

# One rule as AWS keys it: one protocol and port range, one source (or destination).
Rule = namedtuple("Rule", ["proto", "from_port", "to_port", "kind", "target"])

PROTOCOLS = {
    "tcp": "tcp",
    "6": "tcp",
    "udp": "udp",
    "17": "udp",
    "icmp": "icmp",
    "1": "icmp",
    "icmpv6": "icmpv6",
    "58": "icmpv6",
    "all": "-1",
    "-1": "-1",
}
PORTED = ("tcp", "udp")
ICMP = ("icmp", "icmpv6")
SOURCES = ("cidr_ip", "cidr_ipv6", "prefix_list_id", "group_id", "group_name")
# Where each kind of source sits in an IpPermission (the API's list and key), and in the snake_cased
# permissions returned (the list; the key is the kind itself).
TARGETS = {
    "cidr_ip": ("IpRanges", "CidrIp", "ip_ranges"),
    "cidr_ipv6": ("Ipv6Ranges", "CidrIpv6", "ipv6_ranges"),
    "prefix_list_id": ("PrefixListIds", "PrefixListId", "prefix_list_ids"),
    "group_id": ("UserIdGroupPairs", "GroupId", "user_id_group_pairs"),
}
# (option, direction - also the suffix of the API's operations, key of the described group, key of the result)
DIRECTIONS = (
    ("rules", "ingress", "IpPermissions", "ip_permissions"),
    ("rules_egress", "egress", "IpPermissionsEgress", "ip_permissions_egress"),
)
# What AWS puts in the egress of a new group of an IPv4 VPC (the model of a group check mode creates).
DEFAULT_EGRESS = Rule("-1", None, None, "cidr_ip", "0.0.0.0/0")


def placeholder(name: str) -> str:
    return f"(new group {name})"


def protocol(value) -> str | None:
    text = str(value).strip().lower()
    if text in PROTOCOLS:
        return PROTOCOLS[text]
    if text.isdigit() and int(text) <= 255:
        return str(int(text))
    return None


def normal_ports(proto: str, from_port, to_port) -> tuple:
    """The port range as AWS keeps it: none for protocols without ports, -1 for every ICMP type or code."""
    if proto in PORTED:
        return from_port, to_port
    if proto in ICMP:
        return (-1 if from_port is None else from_port, -1 if to_port is None else to_port)
    return None, None


def normal_target(kind: str, value: str) -> str:
    if kind in ("cidr_ip", "cidr_ipv6"):
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            return value
    return value


def sort_key(rule: Rule) -> tuple:
    return (rule.proto, -2 if rule.from_port is None else rule.from_port, -2 if rule.to_port is None else rule.to_port)


def rule_text(rule: Rule, direction: str, names: dict) -> str:
    if rule.proto in PORTED:
        what = f"{rule.proto} {rule.from_port}" + ("" if rule.from_port == rule.to_port else f"-{rule.to_port}")
    elif rule.proto in ICMP:
        what = f"{rule.proto} all types" if rule.from_port == -1 else f"{rule.proto} type {rule.from_port}"
        what += "" if rule.from_port == -1 or rule.to_port == -1 else f" code {rule.to_port}"
    elif rule.proto == "-1":
        what = "all traffic"
    else:
        what = f"protocol {rule.proto}"
    peer = f"group {names.get(rule.target, rule.target)}" if rule.kind == "group_id" else rule.target
    return f"{what} {'from' if direction == 'ingress' else 'to'} {peer}"


def ordered(rules: dict) -> list:
    return sorted(rules, key=lambda r: (*sort_key(r), r.kind, r.target))


def current_rules(permissions: list) -> tuple:
    """({Rule: description}, {Rule: the permission that revokes it, as AWS spelled it}) of a described group."""
    rules, raw = {}, {}
    for perm in permissions or []:
        proto = protocol(perm.get("IpProtocol")) or str(perm.get("IpProtocol"))
        from_port, to_port = normal_ports(proto, perm.get("FromPort"), perm.get("ToPort"))
        head = {k: perm[k] for k in ("IpProtocol", "FromPort", "ToPort") if k in perm}
        for kind, (key, sub, _snake) in TARGETS.items():
            for entry in perm.get(key) or []:
                if sub not in entry:
                    continue  # a pair known by name only (EC2-Classic): not ours to manage
                rule = Rule(proto, from_port, to_port, kind, normal_target(kind, entry[sub]))
                rules[rule] = entry.get("Description") or None
                # As described, description included: AWS accepts it (and ignores it) in a revoke.
                kept = {k: entry[k] for k in (sub, "UserId", "Description") if k in entry}
                raw[rule] = dict(head, **{key: [kept]})
    return rules, raw


def port_ranges(where: str, proto: str, spec: dict) -> list:
    ports, from_port, to_port = spec.get("ports"), spec.get("from_port"), spec.get("to_port")
    if proto in PORTED:
        if ports is not None:
            if not ports:
                raise Refused(f"{where}: ports is empty")
            ranges = []
            for port in ports:
                bounds = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", str(port))
                if not bounds:
                    raise Refused(f"{where}: port {port!r} is neither a port nor a range like 8000-8010")
                ranges.append((int(bounds[1]), int(bounds[2] or bounds[1])))
        elif from_port is not None or to_port is not None:
            ranges = [(from_port if from_port is not None else to_port, to_port if to_port is not None else from_port)]
        else:
            raise Refused(f"{where}: {proto} needs ports, or from_port and to_port (0-65535 for every port)")
        for low, high in ranges:
            if not 0 <= low <= high <= 65535:
                raise Refused(f"{where}: port range {low}-{high} is not within 0-65535, first port first")
        return ranges
    if proto in ICMP:
        if ports is not None:
            raise Refused(f"{where}: {proto} takes from_port (the ICMP type) and to_port (the code), not ports")
        icmp_type, code = normal_ports(proto, from_port, to_port)
        if not (-1 <= icmp_type <= 255 and -1 <= code <= 255):
            raise Refused(f"{where}: ICMP type {icmp_type} and code {code} must be -1 (all) or 0-255")
        if icmp_type == -1 and code != -1:
            raise Refused(f"{where}: an ICMP code needs an ICMP type (from_port)")
        return [(icmp_type, code)]
    return [(None, None)]


def source(where: str, kind: str, value: str, warn) -> str:
    value = str(value).strip()
    if kind in ("cidr_ip", "cidr_ipv6"):
        version = 4 if kind == "cidr_ip" else 6
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise Refused(f"{where}: {kind} {value!r} is not a CIDR") from None
        if "/" not in value or network.version != version:
            raise Refused(f"{where}: {kind} {value!r} is not an IPv{version} CIDR (address/prefix length)")
        if network.network_address != ipaddress.ip_interface(value).ip:
            warn(f"{where}: {value} has host bits set; taken as {network}")
        return str(network)
    prefix = {"group_id": "sg-", "prefix_list_id": "pl-"}[kind]
    if not value.startswith(prefix):
        raise Refused(f"{where}: {kind} {value!r} does not start with {prefix}")
    return value


def wanted_rules(group: str, direction: str, specs: list, resolve, warn) -> dict:
    """{Rule: description} the rule specs of one direction of one group ask for."""
    wanted = {}
    for index, spec in enumerate(specs):
        where = f"{group}: {direction} rule {index + 1}"
        proto = protocol(spec.get("proto"))
        if proto is None:
            raise Refused(
                f"{where}: proto {spec.get('proto')!r} is not tcp, udp, icmp, icmpv6, all, -1 "
                "or a protocol number (0-255)"
            )
        ranges = port_ranges(where, proto, spec)
        kind = next(k for k in SOURCES if spec.get(k) is not None)
        if not spec[kind]:
            raise Refused(f"{where}: {kind} is empty")
        description = spec.get("rule_desc") or None
        for value in spec[kind]:
            if kind == "group_name":
                target_kind, target = "group_id", resolve(str(value).strip(), where)
            else:
                target_kind, target = kind, source(where, kind, value, warn)
            for from_port, to_port in ranges:
                rule = Rule(proto, from_port, to_port, target_kind, target)
                if rule in wanted and wanted[rule] != description:
                    raise Refused(f"{where}: the same rule is declared twice with different descriptions")
                wanted[rule] = description
    return wanted


def rendered(rules: dict, names: dict) -> list:
    """Rules as the diff shows them: one source each, in the options' own terms."""
    out = []
    for rule in ordered(rules):
        entry = {"proto": rule.proto}
        if rule.from_port is not None:
            entry.update(from_port=rule.from_port, to_port=rule.to_port)
        entry[rule.kind] = rule.target
        if rule.kind == "group_id" and rule.target in names:
            entry["group_name"] = names[rule.target]
        if rules[rule]:
            entry["rule_desc"] = rules[rule]
        out.append(entry)
    return out


def permissions(rules: dict) -> list:
    """Rules in the shape amazon.aws's ec2_security_group returns: grouped by protocol and ports."""
    grouped = {}
    for rule in ordered(rules):
        perm = grouped.get(rule[:3])
        if perm is None:
            perm = {"ip_protocol": rule.proto}
            if rule.from_port is not None:
                perm.update(from_port=rule.from_port, to_port=rule.to_port)
            perm.update(ip_ranges=[], ipv6_ranges=[], prefix_list_ids=[], user_id_group_pairs=[])
            grouped[rule[:3]] = perm
        entry = {rule.kind: rule.target}
        if rules[rule]:
            entry["description"] = rules[rule]
        perm[TARGETS[rule.kind][2]].append(entry)
    return list(grouped.values())


def api_permission(rule: Rule, description: str | None = None) -> dict:
    perm = {"IpProtocol": rule.proto}
    if rule.from_port is not None:
        perm.update(FromPort=rule.from_port, ToPort=rule.to_port)
    key, sub, _snake = TARGETS[rule.kind]
    entry = {sub: rule.target}
    if description:
        entry["Description"] = description
    perm[key] = [entry]
    return perm


KIND = "security group"


class SecurityGroups:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.plan = Plan(module.check_mode)
        self.vpc_id = module.params["vpc_id"]
        self.specs = module.params["security_groups"]
        self.listed = [g["name"] for g in self.specs]
        self.ids = {}  # group name -> id, of the listed groups and the ones their rules name
        self.created = set()  # ids of the groups this run created

    # -- AWS calls ---------------------------------------------------------------------------------
    def call(self, operation: str, tolerate: tuple = (), **kwargs):
        """One call, retried with backoff; ``tolerate`` adds error codes worth waiting out (a new group's id
        not yet known everywhere, a group still used by interfaces being released)."""
        method = getattr(self.client, operation)
        if tolerate:
            retry = AWSRetry.jittered_backoff(retries=10, catch_extra_error_codes=RETRY_CODES + list(tolerate))
            return retry(method)(**kwargs)
        return method(aws_retry=True, **kwargs)

    def describe(self, names: list, tags: dict | None = None) -> list:
        filters = {"group-name": sorted(set(names))}
        if self.vpc_id:
            filters["vpc-id"] = self.vpc_id
        for key, value in (tags or {}).items():
            filters[f"tag:{key}"] = value
        found = paginate(
            self.client,
            "describe_security_groups",
            "SecurityGroups",
            Filters=ansible_dict_to_boto3_filter_list(filters),
        )
        return [g for g in found if g["GroupName"] in names]

    # -- the names of groups, for messages and diffs -----------------------------------------------
    def names(self) -> dict:
        known = {group_id: name for name, group_id in self.ids.items() if group_id}
        known.update({placeholder(name): name for name in self.listed})
        return known

    def resolve(self, name: str, where: str) -> str:
        if self.ids.get(name):
            return self.ids[name]
        if name in self.listed:
            return placeholder(name)
        raise Refused(f"{where}: group_name {name} is neither in security_groups nor a security group of {self.vpc_id}")

    def wanted_tags(self, spec: dict) -> dict | None:
        if self.params["tags"] is None and spec.get("tags") is None:
            return None
        tags = {"Name": spec["name"]}
        tags.update(self.params["tags"] or {})
        tags.update(spec.get("tags") or {})
        return {str(k): str(v) for k, v in tags.items()}

    def rule_specs(self, resolve, warn) -> dict:
        """{(group name, option): {Rule: description}}; raises Refused on what AWS would refuse."""
        wanted = {}
        for spec in self.specs:
            for option, direction, _key, _result in DIRECTIONS:
                if spec.get(option) is None and option == "rules_egress":
                    continue
                wanted[spec["name"], option] = wanted_rules(
                    spec["name"], direction, spec.get(option) or [], resolve, warn
                )
        return wanted

    # -- present -----------------------------------------------------------------------------------
    def present(self):
        warnings = []
        # Offline first: a rule AWS would refuse fails the task before the first call.
        self.rule_specs(lambda name, where: placeholder(name), warnings.append)
        referenced = {
            name
            for spec in self.specs
            for option, *_ in DIRECTIONS
            for rule in spec.get(option) or []
            for name in rule.get("group_name") or []
        }
        found = {}
        for group in self.describe(self.listed + sorted(referenced - set(self.listed))):
            found[group["GroupName"]] = group
            self.ids[group["GroupName"]] = group["GroupId"]
        changed_descriptions = [
            f"{spec['name']} ({found[spec['name']]['GroupId']}) has {found[spec['name']]['Description']!r}, "
            f"not {spec['description']!r}"
            for spec in self.specs
            if spec["name"] in found and found[spec["name"]]["Description"] != spec["description"]
        ]
        if changed_descriptions:
            raise Refused(
                "AWS cannot change a security group's description, and a group in use cannot be re-created: "
                + "; ".join(changed_descriptions)
                + ". Put the description back, or delete the group (state=absent) once nothing uses it."
            )
        self.rule_specs(self.resolve, lambda msg: None)  # every group_name resolves, before any write
        for message in warnings:
            self.module.warn(message)

        for spec in self.specs:
            if spec["name"] not in found:
                found[spec["name"]] = self.create(spec)
        if self.created:
            # The egress AWS gave each new group (0.0.0.0/0, and ::/0 in a VPC with IPv6), read once for all.
            for group in self.call(
                "describe_security_groups", ("InvalidGroup.NotFound",), GroupIds=sorted(self.created)
            )["SecurityGroups"]:
                found[group["GroupName"]] = group

        wanted = self.rule_specs(self.resolve, lambda msg: None)
        before, after, results = {}, {}, {}
        for spec in self.specs:
            name = spec["name"]
            done = len(self.plan.actions)
            was, now, result = self.reconcile(spec, found[name], wanted)
            results[name] = result
            if len(self.plan.actions) > done:
                if was is not None:
                    before[name] = was
                after[name] = now
        return before, after, {"security_groups": results}

    def create(self, spec: dict) -> dict:
        name = spec["name"]
        tags = self.wanted_tags(spec) or {"Name": name}
        request = dict(
            GroupName=name,
            Description=spec["description"],
            VpcId=self.vpc_id,
            TagSpecifications=tag_spec("security-group", tags),
        )
        self.plan.about(KIND, name, exists=False)
        created = self.plan.do(
            f"create security group {name} in {self.vpc_id}", self.call, "create_security_group", **request
        )
        group_id = created["GroupId"] if created else None
        if group_id:
            self.ids[name] = group_id
            self.created.add(group_id)
        return {
            "GroupId": group_id,
            "GroupName": name,
            "Description": spec["description"],
            "VpcId": self.vpc_id,
            "IpPermissions": [],
            "IpPermissionsEgress": [api_permission(DEFAULT_EGRESS)],
            "Tags": tag_list(tags),
            "New": True,
        }

    def reconcile(self, spec: dict, group: dict, wanted: dict) -> tuple:
        """Bring one group's tags and rules to ``spec``; returns its state before (None when new), its state after,
        and its result."""
        name, group_id = spec["name"], group["GroupId"]
        new = group.get("New") or group_id in self.created
        names = self.names()
        current_tags = tag_dict(group)
        state = {"description": group["Description"], "rules": [], "rules_egress": [], "tags": current_tags}
        before = None if new else dict(state)
        after = dict(state)
        # Its tags and rules are parts of the group: a change of it, or of its create.
        self.plan.about(KIND, name, exists=not new)

        tags = self.wanted_tags(spec)
        if tags is not None and not new:
            after["tags"] = plan_tags(
                self.plan,
                f"security group {name}",
                current_tags,
                tags,
                self.params["purge_tags"],
                lambda t: self.call("create_tags", Resources=[group_id], Tags=tag_list(t)),
                lambda keys: self.call("delete_tags", Resources=[group_id], Tags=[{"Key": k} for k in keys]),
            )

        result = {
            "group_id": group_id,
            "group_name": name,
            "description": group["Description"],
            "vpc_id": group["VpcId"],
        }
        for option, direction, key, result_key in DIRECTIONS:
            current, raw = current_rules(group.get(key))
            if before is not None:
                before[option] = rendered(current, names)
            rules = wanted.get((name, option))
            final = dict(current)
            if rules is not None:
                purge = self.params["purge_rules" if option == "rules" else "purge_rules_egress"]
                final = self.sync_rules(name, group_id, direction, current, raw, rules, purge, names)
            after[option] = rendered(final, names)
            result[result_key] = permissions(final)
        result["tags"] = after["tags"]
        return before, after, result

    def sync_rules(self, name, group_id, direction, current, raw, rules, purge, names) -> dict:
        """Authorize what is missing, fix descriptions, then revoke what is not wanted; returns the rules after."""
        add = [r for r in ordered(rules) if r not in current]
        described = [r for r in ordered(rules) if r in current and current[r] != rules[r]]
        revoke = [r for r in ordered(current) if r not in rules] if purge else []
        # A new group's id (or one its rules name) may take a moment to be known everywhere in EC2.
        fresh = (
            ("InvalidGroup.NotFound",) if group_id in self.created or any(r.target in self.created for r in add) else ()
        )
        if add:
            self.plan.do(
                f"authorize {direction} on {name}: " + "; ".join(rule_text(r, direction, names) for r in add),
                self.call,
                f"authorize_security_group_{direction}",
                fresh,
                GroupId=group_id,
                IpPermissions=[api_permission(r, rules[r]) for r in add],
            )
        if described:
            self.plan.do(
                f"update {direction} rule descriptions on {name}: "
                + "; ".join(
                    f"{rule_text(r, direction, names)} as {rules[r] or ''!r} (was {current[r] or ''!r})"
                    for r in described
                ),
                self.call,
                f"update_security_group_rule_descriptions_{direction}",
                fresh,
                GroupId=group_id,
                IpPermissions=[api_permission(r, rules[r]) for r in described],
            )
        if revoke:
            self.plan.do(
                f"revoke {direction} on {name}: " + "; ".join(rule_text(r, direction, names) for r in revoke),
                self.call,
                f"revoke_security_group_{direction}",
                fresh,
                GroupId=group_id,
                IpPermissions=[raw.get(r) or api_permission(r) for r in revoke],
            )
        final = {r: d for r, d in current.items() if r not in revoke}
        final.update(rules)
        return final

    # -- absent ------------------------------------------------------------------------------------
    def absent(self):
        found = sorted(self.describe(self.listed, self.params["tags"]), key=lambda g: (g["GroupName"], g["GroupId"]))
        going = {g["GroupId"]: g["GroupName"] for g in found}
        self.ids.update({g["GroupName"]: g["GroupId"] for g in found})
        names = self.names()
        # Without a VPC (by tags), one name may match a group in each of several VPCs: each is a resource.
        counted = [g["GroupName"] for g in found]
        label = {
            g["GroupId"]: g["GroupName"] if counted.count(g["GroupName"]) == 1 else f"{g['GroupName']} ({g['GroupId']})"
            for g in found
        }
        before = {}
        for group in found:
            self.plan.about(KIND, label[group["GroupId"]], wanted=False)
            state = {"description": group["Description"], "tags": tag_dict(group)}
            for option, direction, key, _result in DIRECTIONS:
                current, raw = current_rules(group.get(key))
                state[option] = rendered(current, names)
                # A rule naming a group about to go would stop that group's deletion: revoke it first.
                blocking = [r for r in ordered(current) if r.kind == "group_id" and r.target in going]
                if blocking:
                    self.plan.do(
                        f"revoke {direction} on {group['GroupName']}: "
                        + "; ".join(rule_text(r, direction, names) for r in blocking),
                        self.call,
                        f"revoke_security_group_{direction}",
                        GroupId=group["GroupId"],
                        IpPermissions=[raw[r] for r in blocking],
                    )
            before[group["GroupName"]] = state
        for group in found:
            self.plan.about(KIND, label[group["GroupId"]], wanted=False)
            self.plan.do(
                f"delete security group {group['GroupName']} ({group['GroupId']})",
                self.call,
                "delete_security_group",
                ("DependencyViolation",),
                GroupId=group["GroupId"],
            )
        results = {
            name: {
                "group_id": None,
                "group_name": name,
                "description": None,
                "vpc_id": self.vpc_id,
                "ip_permissions": [],
                "ip_permissions_egress": [],
                "tags": {},
            }
            for name in self.listed
        }
        return before, {}, {"security_groups": results}


def main():
    rule_options = dict(
        proto=dict(type="str", default="tcp"),
        from_port=dict(type="int"),
        to_port=dict(type="int"),
        ports=dict(type="list", elements="str"),
        cidr_ip=dict(type="list", elements="str"),
        cidr_ipv6=dict(type="list", elements="str"),
        group_name=dict(type="list", elements="str"),
        group_id=dict(type="list", elements="str"),
        prefix_list_id=dict(type="list", elements="str", aliases=["ip_prefix"]),
        rule_desc=dict(type="str"),
    )
    rule_requirements = dict(
        mutually_exclusive=[("ports", "from_port"), ("ports", "to_port"), SOURCES],
        required_one_of=[SOURCES],
    )
    argument_spec = dict(
        vpc_id=dict(type="str"),
        security_groups=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str"),
                rules=dict(type="list", elements="dict", options=rule_options, **rule_requirements),
                rules_egress=dict(
                    type="list", elements="dict", aliases=["egress_rules"], options=rule_options, **rule_requirements
                ),
                tags=dict(type="dict"),
            ),
        ),
        purge_rules=dict(type="bool", default=True),
        purge_rules_egress=dict(type="bool", default=True, aliases=["purge_egress_rules"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["vpc_id"])],
    )
    p = module.params
    names = [g["name"] for g in p["security_groups"]]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        module.fail_json(msg=f"security_groups lists {', '.join(duplicates)} more than once")
    reserved = [n for n in names if n.lower().startswith("sg-")]
    if reserved:
        module.fail_json(msg=f"security_groups: {', '.join(reserved)}: a group name cannot start with sg-")
    if p["state"] == "present":
        undescribed = [g["name"] for g in p["security_groups"] if not g.get("description")]
        if undescribed:
            module.fail_json(
                msg=f"security_groups: {', '.join(undescribed)} without a description (required with state=present)"
            )
    elif not p["vpc_id"] and not p["tags"]:
        module.fail_json(msg="state=absent needs vpc_id or tags: a name alone could match the groups of other VPCs")
    client = module.client("ec2", retry_decorator=retry_decorator())
    groups = SecurityGroups(module, client)
    present = p["state"] == "present"
    # Nothing is rolled back, and a group is never deleted to start again: what was done is in actions.
    what = "reconciliation failed (no group was deleted)" if present else "deletion failed"
    run(module, groups.plan, groups.present if present else groups.absent, f"security group {what}")


if __name__ == "__main__":
    main()
