#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: elb_target_groups
short_description: The ELBv2 target groups of one VPC (health checks, attributes, tags), reconciled in one invocation
version_added: 1.0.0
description:
  - Creates the target groups listed in one VPC, then brings each one's health check, attributes and tags to what
    is asked, in place, with one call per kind of change that differs (C(ModifyTargetGroup),
    C(ModifyTargetGroupAttributes), C(AddTags), C(RemoveTags)).
  - On a run with nothing to change it reads one C(DescribeTargetGroups) for all the groups (by name), one
    C(DescribeTargetGroupAttributes) per group (read in parallel) and one C(DescribeTags) per 20 groups.
  - AWS cannot change a target group's protocol, port, VPC, target type, protocol version or IP address type. A
    group that exists with another one is refused, naming the group and the setting, before any write; it is
    never deleted and re-created, because the listener rules that forward to it would break (and AWS refuses
    to delete a group in use).
  - A group that fails to be configured is left as it is (it is never deleted); what was done is in RV(actions).
  - With O(state=absent), deletes the listed groups that exist. A group still in use by a load balancer's
    listener or rule is refused by AWS; the task then fails naming that group and its load balancers, after
    deleting the other groups listed.
  - Supports check mode (no write; groups to create are reported as created, with a null ARN) and diff mode
    (before and after of each group that changes).
  - Replaces M(community.aws.elb_target_group) in the roles, which takes one invocation per group, reads each
    group, its attributes and its tags twice, has no check mode (a plan never showed target group changes), and
    deletes a group it has just created when setting its attributes fails.
author:
  - 99Tech platform engineering (@99tech)
options:
  vpc_id:
    description:
      - The VPC of the groups (the targets' VPC). Required with O(state=present).
      - With O(state=absent), only the listed groups of this VPC are deleted (omitted, the groups are found by
        name, which is unique in an account's region).
    type: str
  target_groups:
    description: The target groups, each one a dict.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Target group name, unique in the account's region. 1 to 32 letters, digits and hyphens, not starting
            or ending with a hyphen.
        type: str
        required: true
      protocol:
        description:
          - Protocol to the targets, one of V(HTTP), V(HTTPS) (application load balancer), V(TCP), V(TLS), V(UDP),
            V(TCP_UDP) (network load balancer) or V(GENEVE) (gateway load balancer), in any case.
          - Required with O(state=present), except for V(lambda) targets. Cannot change on an existing group.
        type: str
      port:
        description:
          - Port of the targets (1-65535). Required with O(state=present), except for V(lambda) targets.
          - Cannot change on an existing group.
        type: int
      target_type:
        description:
          - What the group's targets are. V(ip) for EKS pods registered by the AWS Load Balancer Controller.
          - Cannot change on an existing group.
        type: str
        choices: [instance, ip, lambda, alb]
        default: instance
      protocol_version:
        description:
          - V(HTTP1), V(HTTP2) or V(GRPC) (HTTP and HTTPS groups). AWS gives V(HTTP1) when omitted.
          - Cannot change on an existing group; omitted, the existing group's is accepted.
        type: str
        choices: [HTTP1, HTTP2, GRPC]
      ip_address_type:
        description:
          - V(ipv4) or V(ipv6) targets (ip groups). AWS gives V(ipv4) when omitted.
          - Cannot change on an existing group; omitted, the existing group's is accepted.
        type: str
        choices: [ipv4, ipv6]
      health_check_enabled:
        description: Whether health checks are on (AWS turns them off for lambda groups).
        type: bool
      health_check_protocol:
        description: Protocol of the health checks (V(HTTP), V(HTTPS), V(TCP)), in any case.
        type: str
      health_check_port:
        description: Port of the health checks, a port number or V(traffic-port) (the targets' port).
        type: str
      health_check_path:
        description: Path of the HTTP or HTTPS health checks, starting with C(/).
        type: str
      health_check_interval:
        description: Seconds between health checks (5-300); more than O(target_groups[].health_check_timeout).
        type: int
      health_check_timeout:
        description: Seconds without an answer that fail a health check (2-120).
        type: int
      healthy_threshold_count:
        description: Checks passed in a row before a target is healthy (2-10).
        type: int
        aliases: ['healthy_threshold']
      unhealthy_threshold_count:
        description: Checks failed in a row before a target is unhealthy (2-10).
        type: int
        aliases: ['unhealthy_threshold']
      matcher:
        description:
          - The codes of a healthy answer, as AWS takes them (V(200), V(200-399), V(200,302)); HTTP codes, or gRPC
            codes when O(target_groups[].protocol_version=GRPC).
          - Compared as a set of codes and ranges (V(200,302) is V(302,200)).
        type: str
        aliases: ['successful_response_codes']
      deregistration_delay:
        description:
          - Seconds a deregistering target keeps its connections, 0-3600 (C(deregistration_delay.timeout_seconds)).
        type: int
        aliases: ['deregistration_delay_timeout']
      slow_start:
        description:
          - Seconds a new target's share of requests ramps up, 30-900 or 0 for none (C(slow_start.duration_seconds)).
        type: int
      load_balancing_algorithm:
        description: How an application load balancer picks a target (C(load_balancing.algorithm.type)).
        type: str
        choices: [round_robin, least_outstanding_requests, weighted_random]
      stickiness:
        description: Sticky sessions. Omitted leaves them as they are.
        type: dict
        suboptions:
          enabled:
            description: Whether sessions stick to a target (C(stickiness.enabled)).
            type: bool
            required: true
          type:
            description:
              - V(lb_cookie) or V(app_cookie) (application load balancer), V(source_ip) (network load balancer),
                V(source_ip_dest_ip) or V(source_ip_dest_ip_proto) (gateway load balancer).
              - Omitted keeps the group's type (V(lb_cookie) on a new group).
            type: str
            choices: [lb_cookie, app_cookie, source_ip, source_ip_dest_ip, source_ip_dest_ip_proto]
          duration:
            description: Seconds a session sticks (1-604800), for V(lb_cookie) and V(app_cookie).
            type: int
          cookie_name:
            description: The application's cookie (V(app_cookie) only).
            type: str
      attributes:
        description:
          - Other target group attributes, by their AWS key (C(load_balancing.cross_zone.enabled),
            C(preserve_client_ip.enabled), C(proxy_protocol_v2.enabled), ...), values compared as strings
            (booleans as V(true) and V(false)). Attributes not named are left as they are.
          - A key also set by an option above is refused.
        type: dict
      tags:
        description: Tags of this group only, merged over O(tags).
        type: dict
  tags:
    description:
      - Tags every group carries. Each group is also tagged C(Name) with its name, unless the tags given set C(Name).
      - Omitted (and no O(target_groups[].tags)), the tags of existing groups are left alone; new groups are
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
  - Targets are not registered or deregistered (the AWS Load Balancer Controller, an Auto Scaling group or
    M(community.aws.elb_target) does that); a group's targets are left as they are.
  - Settings omitted from a group are left as they are on an existing group, and get AWS's defaults on a new one.
"""

EXAMPLES = r"""
- name: The trading services' target groups (IP targets, EKS pods)
  ninetynine.trading_infra.elb_target_groups:
    vpc_id: vpc-0123456789abcdef0
    target_groups:
      - name: trading-prod-orders
        protocol: HTTP
        port: 8080
        target_type: ip
        health_check_path: /healthz
        health_check_interval: 15
        health_check_timeout: 5
        healthy_threshold_count: 3
        unhealthy_threshold_count: 3
        matcher: "200-399"
        deregistration_delay: 30
      - name: trading-prod-market-data
        protocol: HTTP
        port: 8080
        target_type: ip
        health_check_path: /healthz
        stickiness:
          enabled: true
          type: lb_cookie
          duration: 3600
    tags:
      Project: trading
      Environment: prod
    state: present
  register: target_groups

- name: Use an ARN
  ansible.builtin.debug:
    msg: "{{ target_groups.target_groups['trading-prod-orders'].target_group_arn }}"

- name: Delete them (their load balancer's listeners and rules first)
  ninetynine.trading_infra.elb_target_groups:
    target_groups:
      - name: trading-prod-orders
      - name: trading-prod-market-data
    tags:
      Environment: prod
    state: absent
"""

RETURN = r"""
target_groups:
  description:
    - The groups listed, by name, as they are after the run (as they would be, in check mode).
    - With O(state=absent), each name with a null ARN.
  returned: always
  type: dict
  contains:
    target_group_arn:
      description: ARN of the group (null in check mode before it exists, and with O(state=absent)).
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/trading-prod-orders/0123456789abcdef
    target_group_name:
      description: Name of the group.
      type: str
      sample: trading-prod-orders
    protocol:
      description: Protocol to the targets.
      type: str
      sample: HTTP
    port:
      description: Port of the targets.
      type: int
      sample: 8080
    vpc_id:
      description: VPC of the group.
      type: str
      sample: vpc-0123456789abcdef0
    target_type:
      description: Type of the targets.
      type: str
      sample: ip
    protocol_version:
      description: Protocol version (HTTP and HTTPS groups).
      type: str
      sample: HTTP1
    ip_address_type:
      description: IP address type of the targets.
      type: str
      sample: ipv4
    health_check_enabled:
      description: Whether health checks are on.
      type: bool
    health_check_protocol:
      description: Protocol of the health checks.
      type: str
      sample: HTTP
    health_check_port:
      description: Port of the health checks.
      type: str
      sample: traffic-port
    health_check_path:
      description: Path of the health checks.
      type: str
      sample: /healthz
    health_check_interval_seconds:
      description: Seconds between health checks.
      type: int
      sample: 15
    health_check_timeout_seconds:
      description: Health check timeout in seconds.
      type: int
      sample: 5
    healthy_threshold_count:
      description: Checks passed before a target is healthy.
      type: int
      sample: 3
    unhealthy_threshold_count:
      description: Checks failed before a target is unhealthy.
      type: int
      sample: 3
    matcher:
      description: The codes of a healthy answer (C(http_code), or C(grpc_code)).
      type: dict
      sample: {http_code: "200-399"}
    load_balancer_arns:
      description: The load balancers that forward to the group.
      type: list
      elements: str
    attributes:
      description: The group's attributes, by their AWS key (in check mode, of a new group, only those asked for).
      type: dict
      sample: {"deregistration_delay.timeout_seconds": "30", "stickiness.enabled": "false"}
    tags:
      description: Tags of the group.
      type: dict
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample:
    - create target group trading-prod-orders (HTTP 8080, ip targets) in vpc-0123456789abcdef0
    - "set attributes of target group trading-prod-orders: deregistration_delay.timeout_seconds 30 (was 300)"
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and
      the changes it gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, as the AWS console names it.
      type: str
      choices: [target group]
    name:
      description: The group's name.
      type: str
    action:
      description: What happens to the resource.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets, as RV(actions) words them.
      type: list
      elements: str
  sample:
    - kind: target group
      name: trading-prod-orders
      action: create
      changes:
        - create target group trading-prod-orders (HTTP 8080, ip targets) in vpc-0123456789abcdef0
        - "set attributes of target group trading-prod-orders: deregistration_delay.timeout_seconds 30"
    - kind: target group
      name: trading-prod-market-data
      action: change
      changes:
        - "update health check of target group trading-prod-market-data: health_check_path /healthz (was /)"
"""

import re
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import InUse
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Refused
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import run
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import RETRY_CODES
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list

# CreateTargetGroup's Name: "a maximum of 32 characters, must contain only alphanumeric characters or
# hyphens, and must not begin or end with a hyphen".
NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
PROTOCOLS = ("HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE")
# DescribeTags: "You can specify up to 20 resources in a single call."
TAGS_PER_CALL = 20
# Groups whose attributes are read at a time (a load balancer has a handful of groups).
WORKERS = 6

# The settings AWS cannot change: (option, key of the described group, what a message calls it).
IMMUTABLE = (
    ("target_type", "TargetType", "target type"),
    ("protocol", "Protocol", "protocol"),
    ("port", "Port", "port"),
    ("protocol_version", "ProtocolVersion", "protocol version"),
    ("ip_address_type", "IpAddressType", "IP address type"),
)
# The health check settings ModifyTargetGroup changes: (option, key of the group and of the call).
HEALTH_CHECK = (
    ("health_check_enabled", "HealthCheckEnabled"),
    ("health_check_protocol", "HealthCheckProtocol"),
    ("health_check_port", "HealthCheckPort"),
    ("health_check_path", "HealthCheckPath"),
    ("health_check_interval", "HealthCheckIntervalSeconds"),
    ("health_check_timeout", "HealthCheckTimeoutSeconds"),
    ("healthy_threshold_count", "HealthyThresholdCount"),
    ("unhealthy_threshold_count", "UnhealthyThresholdCount"),
)
OPTION_OF = {key: option for option, key in HEALTH_CHECK}
# The attributes options set: (option, attribute key).
ATTRIBUTE_OPTIONS = (
    ("deregistration_delay", "deregistration_delay.timeout_seconds"),
    ("slow_start", "slow_start.duration_seconds"),
    ("load_balancing_algorithm", "load_balancing.algorithm.type"),
)
STICKINESS_KEYS = {
    "enabled": "stickiness.enabled",
    "type": "stickiness.type",
    "cookie_name": "stickiness.app_cookie.cookie_name",
}
DURATION_KEYS = {
    "lb_cookie": "stickiness.lb_cookie.duration_seconds",
    "app_cookie": "stickiness.app_cookie.duration_seconds",
}


def attribute_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def codes(matcher) -> set:
    return {part.strip() for part in str(matcher).split(",") if part.strip()}


def matcher_key(protocol_version) -> str:
    return "GrpcCode" if (protocol_version or "").upper() == "GRPC" else "HttpCode"


def parallel(func, items: list) -> list:
    """func over items, on a small pool when there are several; the first exception is raised."""
    if len(items) <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as pool:
        return list(pool.map(func, items))


def validate(specs: list, state: str) -> None:
    """Refuse, before any call, what AWS would refuse of the names and the options' combinations."""
    problems = []
    names = [spec["name"] for spec in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"target_groups lists {', '.join(duplicates)} more than once")
    for spec in specs:
        name = spec["name"]
        if not NAME_RE.match(name):
            problems.append(
                f"{name!r}: a target group name is 1 to 32 letters, digits and hyphens, "
                "not starting or ending with a hyphen"
            )
        if state != "present":
            continue
        if spec["target_type"] != "lambda":
            missing = [option for option in ("protocol", "port") if spec.get(option) is None]
            if missing:
                problems.append(f"{name}: {' and '.join(missing)} required (target type {spec['target_type']})")
        if spec.get("protocol") is not None and spec["protocol"].upper() not in PROTOCOLS:
            problems.append(f"{name}: protocol {spec['protocol']!r} is not one of {', '.join(PROTOCOLS)}")
        if spec.get("port") is not None and not 1 <= spec["port"] <= 65535:
            problems.append(f"{name}: port {spec['port']} is not within 1-65535")
        stickiness = spec.get("stickiness") or {}
        if stickiness.get("cookie_name") and stickiness.get("type") not in (None, "app_cookie"):
            problems.append(f"{name}: stickiness.cookie_name is for stickiness type app_cookie only")
        taken = {key for option, key in ATTRIBUTE_OPTIONS if spec.get(option) is not None}
        if spec.get("stickiness") is not None:
            taken |= set(STICKINESS_KEYS.values()) | set(DURATION_KEYS.values())
        clash = sorted(taken & set(spec.get("attributes") or {}))
        if clash:
            problems.append(f"{name}: attributes sets {', '.join(clash)}, which an option of the group sets too")
    if problems:
        raise Refused("; ".join(problems))


class TargetGroups:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.plan = Plan(module.check_mode)
        self.vpc_id = module.params["vpc_id"]
        self.specs = module.params["target_groups"]
        self.names = [spec["name"] for spec in self.specs]

    # -- AWS calls ---------------------------------------------------------------------------------
    def call(self, operation: str, tolerate: tuple = (), retries: int = 8, **kwargs):
        """One call, retried with backoff; ``tolerate`` adds error codes worth waiting out (a group just created
        not yet known everywhere, a group still released by a load balancer just deleted)."""
        method = getattr(self.client, operation)
        if tolerate:
            retry = AWSRetry.jittered_backoff(
                retries=retries, delay=1, catch_extra_error_codes=RETRY_CODES + list(tolerate)
            )
            return retry(method)(**kwargs)
        return method(aws_retry=True, **kwargs)

    def describe(self) -> dict:
        """The listed groups that exist, by name: one call for all of them. AWS fails the whole call when one
        name does not exist, so then each name is asked on its own."""
        try:
            found = paginate(self.client, "describe_target_groups", "TargetGroups", Names=self.names)
        except is_boto3_error_code("TargetGroupNotFound"):
            found = []
            for groups in parallel(self.describe_one, self.names):
                found.extend(groups)
        return {group["TargetGroupName"]: group for group in found if group["TargetGroupName"] in self.names}

    def describe_one(self, name: str) -> list:
        try:
            return self.call("describe_target_groups", Names=[name])["TargetGroups"]
        except is_boto3_error_code("TargetGroupNotFound"):
            return []

    def attributes(self, arn: str) -> dict:
        attributes = self.call("describe_target_group_attributes", TargetGroupArn=arn)["Attributes"]
        return {a["Key"]: a.get("Value") for a in attributes}

    def tags(self, arns: list) -> dict:
        """{arn: tags} of the groups, with one DescribeTags per 20 groups."""
        tags = {arn: {} for arn in arns}
        for start in range(0, len(arns), TAGS_PER_CALL):
            chunk = arns[start : start + TAGS_PER_CALL]
            for description in self.call("describe_tags", ResourceArns=chunk)["TagDescriptions"]:
                tags[description["ResourceArn"]] = boto3_tag_list_to_ansible_dict(description.get("Tags") or [])
        return tags

    # -- what is asked ------------------------------------------------------------------------------
    def wanted_tags(self, spec: dict) -> dict | None:
        if self.params["tags"] is None and spec.get("tags") is None:
            return None
        tags = {"Name": spec["name"]}
        tags.update(self.params["tags"] or {})
        tags.update(spec.get("tags") or {})
        return {str(k): str(v) for k, v in tags.items()}

    @staticmethod
    def wanted_health_check(spec: dict, protocol_version) -> dict:
        """{key: value} of the health check settings asked for, as ModifyTargetGroup takes them."""
        wanted = {}
        for option, key in HEALTH_CHECK:
            value = spec.get(option)
            if value is None:
                continue
            wanted[key] = value.upper() if option == "health_check_protocol" else value
        if spec.get("matcher") is not None:
            wanted["Matcher"] = {matcher_key(protocol_version): spec["matcher"]}
        return wanted

    @staticmethod
    def wanted_attributes(spec: dict, current: dict) -> dict:
        """{attribute key: value} of the attributes asked for, as strings."""
        wanted = {
            key: attribute_value(spec[option]) for option, key in ATTRIBUTE_OPTIONS if spec.get(option) is not None
        }
        stickiness = spec.get("stickiness")
        if stickiness is not None:
            kind = stickiness.get("type") or current.get("stickiness.type") or "lb_cookie"
            wanted["stickiness.enabled"] = attribute_value(stickiness["enabled"])
            if stickiness.get("type") is not None:
                wanted["stickiness.type"] = stickiness["type"]
            if stickiness.get("duration") is not None and kind in DURATION_KEYS:
                wanted[DURATION_KEYS[kind]] = attribute_value(stickiness["duration"])
            if stickiness.get("cookie_name") is not None:
                wanted["stickiness.app_cookie.cookie_name"] = stickiness["cookie_name"]
        for key, value in (spec.get("attributes") or {}).items():
            wanted[str(key)] = attribute_value(value)
        return wanted

    # -- present -----------------------------------------------------------------------------------
    def present(self):
        found = self.describe()
        arns = [found[name]["TargetGroupArn"] for name in self.names if name in found]
        # The attributes of each group and the tags of all of them, read together: (kind, arn) jobs.
        jobs = [("tags", None)] + [("attributes", arn) for arn in arns] if arns else []
        reads = parallel(lambda job: self.tags(arns) if job[0] == "tags" else self.attributes(job[1]), jobs)
        tags = reads[0] if reads else {}
        attributes = dict(zip(arns, reads[1:], strict=True))

        self.refuse_immutable_changes(found)
        before, after, results = {}, {}, {}
        for spec in self.specs:
            name = spec["name"]
            group = found.get(name)
            done = len(self.plan.actions)
            self.plan.about("target group", name, exists=group is not None)
            if group is None:
                was, now, result = None, *self.create(spec)
            else:
                arn = group["TargetGroupArn"]
                was, now, result = self.reconcile(spec, group, attributes[arn], tags[arn])
            results[name] = result
            if len(self.plan.actions) > done:
                if was is not None:
                    before[name] = was
                after[name] = now
        return before, after, {"target_groups": results}

    def refuse_immutable_changes(self, found: dict) -> None:
        problems = []
        for spec in self.specs:
            group = found.get(spec["name"])
            if group is None:
                continue
            for option, key, label in IMMUTABLE:
                wanted = spec.get(option)
                if wanted is None:
                    continue
                if option == "protocol":
                    wanted = wanted.upper()
                if group.get(key) != wanted:
                    problems.append(f"{spec['name']} has {label} {group.get(key)}, not {wanted}")
            if spec["target_type"] != "lambda" and group.get("VpcId") != self.vpc_id:
                problems.append(f"{spec['name']} is in VPC {group.get('VpcId')}, not {self.vpc_id}")
        if problems:
            raise Refused(
                "AWS cannot change a target group's protocol, port, VPC, target type, protocol version or IP address "
                "type, and re-creating it would break the listener rules that forward to it: "
                + "; ".join(problems)
                + ". Put the setting back, or give the group a new name (and point the rules at it)."
            )

    def create(self, spec: dict) -> tuple:
        name = spec["name"]
        request = {"Name": name, "TargetType": spec["target_type"]}
        if spec["target_type"] != "lambda":
            request.update(Protocol=spec["protocol"].upper(), Port=spec["port"], VpcId=self.vpc_id)
        if spec.get("protocol_version") is not None:
            request["ProtocolVersion"] = spec["protocol_version"]
        if spec.get("ip_address_type") is not None:
            request["IpAddressType"] = spec["ip_address_type"]
        request.update(self.wanted_health_check(spec, spec.get("protocol_version")))
        tags = self.wanted_tags(spec) or {"Name": name}
        request["Tags"] = tag_list(tags)
        if spec["target_type"] == "lambda":
            what = f"({spec['target_type']} targets)"
        else:
            what = f"({request['Protocol']} {spec['port']}, {spec['target_type']} targets) in {self.vpc_id}"
        created = self.plan.do(f"create target group {name} {what}", self.call, "create_target_group", **request)
        group = created["TargetGroups"][0] if created else dict(request, TargetGroupName=name, TargetGroupArn=None)
        group.pop("Name", None)
        group.pop("Tags", None)
        group["LoadBalancerArns"] = []

        wanted = self.wanted_attributes(spec, {})
        if wanted:
            self.plan.do(
                f"set attributes of target group {name}: " + ", ".join(f"{k} {v}" for k, v in sorted(wanted.items())),
                self.call,
                "modify_target_group_attributes",
                ("TargetGroupNotFound",),
                TargetGroupArn=group["TargetGroupArn"],
                Attributes=[{"Key": k, "Value": v} for k, v in sorted(wanted.items())],
            )
        now = self.state(group, wanted, tags)
        return now, self.result(group, wanted, tags)

    def reconcile(self, spec: dict, group: dict, attributes: dict, tags: dict) -> tuple:
        """Bring one existing group's health check, attributes and tags to ``spec``; returns its state before and
        after, and its result."""
        name, arn = spec["name"], group["TargetGroupArn"]
        before = self.state(group, attributes, tags)

        changes, notes = {}, []
        for key, value in self.wanted_health_check(spec, group.get("ProtocolVersion")).items():
            current = group.get(key)
            if key == "Matcher":
                code_key = next(iter(value))
                current_codes = (current or {}).get(code_key)
                if current_codes is not None and codes(current_codes) == codes(value[code_key]):
                    continue
                notes.append(f"matcher {value[code_key]} (was {current_codes})")
            else:
                if current == value:
                    continue
                notes.append(f"{OPTION_OF[key]} {value} (was {current})")
            changes[key] = value
        if changes:
            self.plan.do(
                f"update health check of target group {name}: " + ", ".join(notes),
                self.call,
                "modify_target_group",
                TargetGroupArn=arn,
                **changes,
            )
        group = dict(group, **changes)

        wanted = self.wanted_attributes(spec, attributes)
        differ = {k: v for k, v in sorted(wanted.items()) if attributes.get(k) != v}
        if differ:
            self.plan.do(
                f"set attributes of target group {name}: "
                + ", ".join(f"{k} {v} (was {attributes.get(k)})" for k, v in differ.items()),
                self.call,
                "modify_target_group_attributes",
                TargetGroupArn=arn,
                Attributes=[{"Key": k, "Value": v} for k, v in differ.items()],
            )
        attributes = dict(attributes, **differ)

        wanted_tags = self.wanted_tags(spec)
        if wanted_tags is not None:
            tags = plan_tags(
                self.plan,
                f"target group {name}",
                tags,
                wanted_tags,
                self.params["purge_tags"],
                lambda t: self.call("add_tags", ResourceArns=[arn], Tags=tag_list(t)),
                lambda keys: self.call("remove_tags", ResourceArns=[arn], TagKeys=keys),
            )
        return before, self.state(group, attributes, tags), self.result(group, attributes, tags)

    @staticmethod
    def state(group: dict, attributes: dict, tags: dict) -> dict:
        """A group as the diff shows it."""
        health_check = {option: group.get(key) for option, key in HEALTH_CHECK if group.get(key) is not None}
        matcher = group.get("Matcher") or {}
        if matcher:
            health_check["matcher"] = matcher.get("GrpcCode") or matcher.get("HttpCode")
        state = {option: group.get(key) for option, key, _label in IMMUTABLE if group.get(key) is not None}
        if group.get("VpcId"):
            state["vpc_id"] = group["VpcId"]
        state.update(health_check=health_check, attributes=dict(sorted(attributes.items())), tags=tags)
        return state

    @staticmethod
    def result(group: dict, attributes: dict, tags: dict) -> dict:
        arn = group.get("TargetGroupArn")
        result = camel_dict_to_snake_dict({k: v for k, v in group.items() if k != "TargetGroupArn"})
        result["target_group_arn"] = arn
        result["attributes"] = dict(sorted(attributes.items()))
        result["tags"] = tags
        return result

    # -- absent ------------------------------------------------------------------------------------
    def absent(self):
        found = self.describe()
        going = [found[name] for name in self.names if name in found]
        if self.vpc_id:
            going = [g for g in going if g.get("VpcId") == self.vpc_id]
        wanted_tags = self.params["tags"]
        if wanted_tags and going:
            tags = self.tags([g["TargetGroupArn"] for g in going])
            going = [
                g for g in going if all(tags[g["TargetGroupArn"]].get(str(k)) == str(v) for k, v in wanted_tags.items())
            ]
        before, in_use = {}, []
        for group in going:
            name = group["TargetGroupName"]
            before[name] = {"target_group_arn": group["TargetGroupArn"], **self.state(group, {}, {})}
            before[name].pop("attributes")
            before[name].pop("tags")
            self.plan.about("target group", name, wanted=False)
            # A load balancer just deleted may hold its groups a moment longer (ResourceInUse): waited out, for a
            # few seconds only when a load balancer is still listed (a rule that uses the group is not going away).
            try:
                self.plan.do(
                    f"delete target group {name}",
                    self.call,
                    "delete_target_group",
                    ("ResourceInUse",),
                    3 if group.get("LoadBalancerArns") else 8,
                    TargetGroupArn=group["TargetGroupArn"],
                )
            except is_boto3_error_code("ResourceInUse"):
                self.plan.forget_last()  # not deleted
                users = ", ".join(group.get("LoadBalancerArns") or []) or "a load balancer"
                in_use.append(f"{name} (forwarded to by {users})")
        if in_use:
            raise InUse(
                "AWS refused to delete target groups still in use by a listener or a rule: "
                + "; ".join(in_use)
                + ". Remove the load balancer's rules or listeners that forward to them (or the load balancer) first."
            )
        results = {
            name: {
                "target_group_arn": None,
                "target_group_name": name,
                "vpc_id": self.vpc_id,
                "load_balancer_arns": [],
                "attributes": {},
                "tags": {},
            }
            for name in self.names
        }
        return before, {}, {"target_groups": results}


def main():
    stickiness_options = dict(
        enabled=dict(type="bool", required=True),
        type=dict(
            type="str", choices=["lb_cookie", "app_cookie", "source_ip", "source_ip_dest_ip", "source_ip_dest_ip_proto"]
        ),
        duration=dict(type="int"),
        cookie_name=dict(type="str"),
    )
    argument_spec = dict(
        vpc_id=dict(type="str"),
        target_groups=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                protocol=dict(type="str"),
                port=dict(type="int"),
                target_type=dict(type="str", default="instance", choices=["instance", "ip", "lambda", "alb"]),
                protocol_version=dict(type="str", choices=["HTTP1", "HTTP2", "GRPC"]),
                ip_address_type=dict(type="str", choices=["ipv4", "ipv6"]),
                health_check_enabled=dict(type="bool"),
                health_check_protocol=dict(type="str"),
                health_check_port=dict(type="str"),
                health_check_path=dict(type="str"),
                health_check_interval=dict(type="int"),
                health_check_timeout=dict(type="int"),
                healthy_threshold_count=dict(type="int", aliases=["healthy_threshold"]),
                unhealthy_threshold_count=dict(type="int", aliases=["unhealthy_threshold"]),
                matcher=dict(type="str", aliases=["successful_response_codes"]),
                deregistration_delay=dict(type="int", aliases=["deregistration_delay_timeout"]),
                slow_start=dict(type="int"),
                load_balancing_algorithm=dict(
                    type="str", choices=["round_robin", "least_outstanding_requests", "weighted_random"]
                ),
                stickiness=dict(type="dict", options=stickiness_options),
                attributes=dict(type="dict"),
                tags=dict(type="dict"),
            ),
        ),
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
    try:
        validate(p["target_groups"], p["state"])
    except Refused as e:
        module.fail_json(msg=str(e), actions=[], resources=[])
    client = module.client("elbv2", retry_decorator=retry_decorator())
    groups = TargetGroups(module, client)
    present = p["state"] == "present"
    # Nothing is rolled back, and a group is never deleted to start again: what was done is in actions.
    what = "reconciliation failed (no group was deleted)" if present else "deletion failed"
    run(module, groups.plan, groups.present if present else groups.absent, f"target group {what}")


if __name__ == "__main__":
    main()
