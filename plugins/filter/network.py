# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Filters for the network role: the subnet layout and the checks that run before any AWS call.

Pure Python (``ipaddress``), so they run on the controller with no AWS call and no extra library.
"""

from __future__ import annotations

import ipaddress
import json
import re

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tier import is_production

TIERS = ("public", "private", "data")
NAT_MODES = ("none", "single", "per_az")
FLOW_LOG_DESTINATIONS = ("cloud-watch-logs", "s3")
# The values CloudWatch Logs accepts for PutRetentionPolicy.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
MAX_AZS = 5
ENV_RE = re.compile(r"^[a-z][a-z0-9-]{1,19}$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,47}$")
# CloudWatch Logs takes a key ARN (AssociateKmsKey: "The Amazon Resource Name (ARN) of the KMS key"),
# of the log group's own region; an alias or a bare key id is refused.
KMS_KEY_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$"
)
S3_ARN_RE = re.compile(r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")
# General purpose bucket names (Amazon S3 User Guide, "General purpose bucket naming rules"): 3 to 63
# lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit, no two
# adjacent dots, not an IP address.
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
IP_RE = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
# AWS PrivateLink Guide: "The maximum size of an endpoint policy is 20,480 characters (including white space)".
MAX_ENDPOINT_POLICY = 20_480
# Remote administration ports no network ACL may open to the internet (FSBP EC2.21, CIS 5.1).
ADMIN_PORTS = (22, 3389)
ANYWHERE = "0.0.0.0/0"
REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


def _network(value):
    """An IPv4 network, or None when ``value`` is not a valid CIDR with its host bits clear."""
    try:
        net = ipaddress.ip_network(str(value), strict=True)
    except ValueError:
        return None
    return net if net.version == 4 and "/" in str(value) else None


def subnet_layout(vpc_cidr, azs, public=None, private=None, data=None):
    """Subnets for every tier and zone: explicit CIDR lists where given, else carved from the VPC.

    The VPC is cut into eight blocks. Private subnets (EKS nodes and pods, the large ones) take
    blocks 0..n-1, one per zone; public subnets are carved from block 5 and data subnets from
    block 6, each 1/32 of a block (a /24 in a /16); block 7 and the unused private blocks stay
    free for growth. Returns [{tier, az, cidr}] ordered by tier, then zone.
    """
    vpc = _network(vpc_cidr)
    if vpc is None:
        raise ValueError(f"{vpc_cidr!r} is not an IPv4 CIDR")
    blocks = list(vpc.subnets(prefixlen_diff=3))
    carved = {
        "private": [str(b) for b in blocks[: len(azs)]],
        "public": [str(s) for s in list(blocks[5].subnets(prefixlen_diff=5))[: len(azs)]],
        "data": [str(s) for s in list(blocks[6].subnets(prefixlen_diff=5))[: len(azs)]],
    }
    explicit = {"public": public, "private": private, "data": data}
    layout = []
    for tier in TIERS:
        cidrs = explicit[tier] or carved[tier]
        layout.extend({"tier": tier, "az": az, "cidr": cidr} for az, cidr in zip(azs, cidrs, strict=False))
    return layout


def network_acl_rules(vpc_cidr):
    """The entries of the three tiers' network ACLs (vpc_network's network_acl_rules), for the VPC's CIDR.

    Network ACLs are stateless: every tier admits the replies to what it sends. None admits SSH or
    RDP from anywhere (FSBP EC2.21, CIS 5.1): the ephemeral range an internet reply comes back to
    (1024-65535, what NAT gateways and load balancers use: Amazon VPC User Guide, "Ephemeral ports")
    is opened in two parts around 3389. Outbound is open; the route tables decide where traffic goes.

    * public (load balancer, NAT gateways): HTTPS and HTTP (redirected to HTTPS) from anywhere,
      everything from the VPC (the private subnets through the NAT gateways, the targets' replies to the
      load balancer), the internet's replies to the NAT gateways.
    * private (EKS nodes and pods, the control plane's interfaces): everything from the VPC, the
      replies that come back through the NAT gateway (image pulls, AWS APIs).
    * data (Aurora, Redis): everything from the VPC; TCP replies from S3 through the gateway endpoint
      (a network ACL cannot name the S3 prefix list, and these subnets have no other way out).
    * every tier: ICMP "fragmentation needed" from anywhere, without which path MTU discovery fails
      (Amazon EC2 User Guide, "Network maximum transmission unit (MTU) for your EC2 instance", Path MTU
      Discovery: network ACLs must let ICMP "Destination Unreachable: fragmentation needed" in).
    """
    vpc = _network(vpc_cidr)
    if vpc is None:
        raise ValueError(f"{vpc_cidr!r} is not an IPv4 CIDR")
    vpc = str(vpc)

    def rule(tier, number, protocol, cidr, ports=None, egress=False, icmp=None):
        out = {"tier": tier, "egress": egress, "rule_number": number, "protocol": protocol, "action": "allow"}
        out["cidr"] = cidr
        if ports:
            out["from_port"], out["to_port"] = ports
        if icmp:
            out["icmp_type"], out["icmp_code"] = icmp
        return out

    replies = [(1024, 3388), (3390, 65535)]
    rules = [
        rule("public", 100, "tcp", ANYWHERE, (443, 443)),
        rule("public", 110, "tcp", ANYWHERE, (80, 80)),
        rule("public", 120, "all", vpc),
        rule("public", 130, "tcp", ANYWHERE, replies[0]),
        rule("public", 140, "tcp", ANYWHERE, replies[1]),
        rule("public", 150, "udp", ANYWHERE, replies[0]),
        rule("public", 160, "udp", ANYWHERE, replies[1]),
        rule("private", 100, "all", vpc),
        rule("private", 110, "tcp", ANYWHERE, replies[0]),
        rule("private", 120, "tcp", ANYWHERE, replies[1]),
        rule("private", 130, "udp", ANYWHERE, replies[0]),
        rule("private", 140, "udp", ANYWHERE, replies[1]),
        rule("data", 100, "all", vpc),
        rule("data", 110, "tcp", ANYWHERE, replies[0]),
        rule("data", 120, "tcp", ANYWHERE, replies[1]),
    ]
    for tier in TIERS:
        rules.append(rule(tier, 200, "icmp", ANYWHERE, icmp=(3, 4)))
        rules.append(rule(tier, 100, "all", ANYWHERE, egress=True))
    return rules


def admin_ports_open_to_anywhere(rules):
    """The inbound allow entries that let the internet reach SSH or RDP (what FSBP EC2.21 flags)."""
    found = []
    for r in rules:
        if r.get("egress") or r.get("action", "allow") != "allow":
            continue
        if r["cidr"] != ANYWHERE:
            continue
        if r["protocol"] == "all" or (
            r["protocol"] in ("tcp", "udp") and any(r["from_port"] <= p <= r["to_port"] for p in ADMIN_PORTS)
        ):
            found.append(r)
    return found


def s3_endpoint_policy_errors(policy, env):
    """The S3 endpoint policy as vpc_network sends it (compact JSON) against AWS's 20,480 characters."""
    size = len(json.dumps(policy, separators=(",", ":"), sort_keys=True))
    if size <= MAX_ENDPOINT_POLICY:
        return []
    return [
        f"network_s3_endpoint_read_buckets in environment {env!r}: the S3 endpoint policy would be {size} "
        f"characters; AWS takes at most {MAX_ENDPOINT_POLICY} (name fewer buckets)"
    ]


def network_validation_errors(v):
    """Every problem with the network role's inputs, each naming the variable and the environment.

    ``v`` is a dict of the role's variables plus ``trading_env`` and ``trading_aws_region``.
    An empty list means the inputs are sound.
    """
    env = v.get("trading_env")
    where = f"in environment {env!r}"
    errors = []

    def err(var, text):
        errors.append(f"{var} {where}: {text}")

    if not isinstance(env, str) or not ENV_RE.match(env):
        errors.append(f"trading_env: {env!r} must be a short lower-case name such as dev, staging or prod")
    region = v.get("trading_aws_region")
    if not isinstance(region, str) or not REGION_RE.match(region):
        err("trading_aws_region", f"{region!r} is not an AWS region name such as us-east-1")
        region = None
    name = v.get("network_name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        err("network_name", f"{name!r} must be 1-48 letters, digits or hyphens")

    vpc = _network(v.get("network_vpc_cidr"))
    if vpc is None:
        err(
            "network_vpc_cidr",
            f"{v.get('network_vpc_cidr')!r} is not an IPv4 CIDR with its host bits clear (for example 10.0.0.0/16)",
        )
    elif not 16 <= vpc.prefixlen <= 20:
        err(
            "network_vpc_cidr",
            f"{vpc} has a /{vpc.prefixlen} prefix; AWS allows /16 at the largest and "
            "the three-tier layout needs /20 at the smallest",
        )
    elif not vpc.is_private:
        err("network_vpc_cidr", f"{vpc} is not in a private (RFC 1918) range")

    az_count = v.get("network_az_count")
    azs = v.get("network_azs") or []
    if not isinstance(az_count, int) or isinstance(az_count, bool) or not 2 <= az_count <= MAX_AZS:
        err("network_az_count", f"{az_count!r} must be a whole number from 2 to {MAX_AZS} (the platform is multi-AZ)")
        az_count = None
    if not isinstance(azs, list):
        err("network_azs", f"{azs!r} must be a list of availability zone names")
        azs = []
    if azs:
        if len(set(azs)) != len(azs):
            err("network_azs", f"{azs} lists a zone twice")
        bad = [a for a in azs if not (isinstance(a, str) and region and a.startswith(region) and len(a) > len(region))]
        if bad:
            err("network_azs", f"{bad} are not zones of region {region!r}")
        if az_count and len(azs) < az_count:
            err("network_azs", f"lists {len(azs)} zones but network_az_count is {az_count}")

    nat_mode = v.get("network_nat_mode")
    if nat_mode not in NAT_MODES:
        err("network_nat_mode", f"{nat_mode!r} must be one of {', '.join(NAT_MODES)}")
    elif is_production(v) and nat_mode != "per_az":
        err(
            "network_nat_mode",
            f"is {nat_mode!r}; prod must use per_az so that losing one zone does not cut the others off the internet",
        )

    # Subnets: each explicit list has one CIDR per zone, inside the VPC, none overlapping.
    cidrs = []
    for tier in TIERS:
        var = f"network_{tier}_subnet_cidrs"
        given = v.get(var) or []
        if not isinstance(given, list):
            err(var, f"{given!r} must be a list of CIDRs")
            continue
        if given and az_count and len(given) != az_count:
            err(var, f"lists {len(given)} CIDRs but network_az_count is {az_count}: give one per zone")
        for cidr in given:
            net = _network(cidr)
            if net is None:
                err(var, f"{cidr!r} is not an IPv4 CIDR with its host bits clear")
            elif net.prefixlen > 28:
                err(var, f"{cidr} is smaller than /28, the smallest subnet AWS allows")
            elif vpc is not None and not net.subnet_of(vpc):
                err(var, f"{cidr} is not inside network_vpc_cidr {vpc}")
            else:
                cidrs.append((var, net))
    if vpc is not None and 16 <= vpc.prefixlen <= 20 and az_count:
        placeholder_azs = [f"az{i}" for i in range(az_count)]
        explicit = {t: v.get(f"network_{t}_subnet_cidrs") or None for t in TIERS}
        carved = subnet_layout(str(vpc), placeholder_azs, **{t: None for t in TIERS})
        for s in carved:
            if not explicit[s["tier"]]:
                cidrs.append((f"network_{s['tier']}_subnet_cidrs (carved)", ipaddress.ip_network(s["cidr"])))
    for i, (var_a, a) in enumerate(cidrs):
        for var_b, b in cidrs[i + 1 :]:
            if a.overlaps(b):
                err(var_a, f"{a} overlaps {b} from {var_b}")

    if v.get("network_flow_logs_enabled"):
        dest = v.get("network_flow_logs_destination")
        if dest not in FLOW_LOG_DESTINATIONS:
            err("network_flow_logs_destination", f"{dest!r} must be one of {', '.join(FLOW_LOG_DESTINATIONS)}")
        elif dest == "s3" and not S3_ARN_RE.match(str(v.get("network_flow_logs_s3_bucket_arn") or "")):
            err(
                "network_flow_logs_s3_bucket_arn",
                f"{v.get('network_flow_logs_s3_bucket_arn')!r} must be an S3 bucket ARN "
                "(arn:aws:s3:::bucket[/prefix]) when flow logs go to s3",
            )
        key = v.get("network_flow_logs_kms_key_arn") or ""
        match = KMS_KEY_ARN_RE.match(str(key)) if key else None
        if dest == "cloud-watch-logs" and key and not match:
            err(
                "network_flow_logs_kms_key_arn",
                f"{key!r} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>); CloudWatch Logs "
                "takes no alias or bare key id",
            )
        elif match and region and match.group("region") != region:
            err("network_flow_logs_kms_key_arn", f"{key} is in {match.group('region')}, the log group in {region}")
        retention = v.get("network_flow_logs_retention_days")
        if dest == "cloud-watch-logs" and retention not in LOG_RETENTION_DAYS:
            err(
                "network_flow_logs_retention_days",
                f"{retention!r} is not a retention CloudWatch Logs accepts ({', '.join(map(str, LOG_RETENTION_DAYS))})",
            )
    elif is_production(v):
        err("network_flow_logs_enabled", "is false; prod must keep VPC flow logs on")

    buckets = v.get("network_s3_endpoint_read_buckets") or []
    if not isinstance(buckets, list):
        err("network_s3_endpoint_read_buckets", f"{buckets!r} must be a list of bucket names")
        buckets = []
    for bucket in buckets:
        if not isinstance(bucket, str) or not BUCKET_RE.match(bucket) or ".." in bucket or IP_RE.match(bucket):
            err(
                "network_s3_endpoint_read_buckets",
                f"{bucket!r} is not a bucket name (3 to 63 of a-z 0-9 . -, no wildcard, no ARN): "
                "the endpoint policy names each bucket it lets through",
            )
    if len(set(buckets)) != len(buckets):
        err("network_s3_endpoint_read_buckets", f"{buckets} names a bucket twice")
    return errors


class FilterModule:
    def filters(self):
        return {
            "subnet_layout": subnet_layout,
            "network_validation_errors": network_validation_errors,
            "network_acl_rules": network_acl_rules,
            "s3_endpoint_policy_errors": s3_endpoint_policy_errors,
        }
