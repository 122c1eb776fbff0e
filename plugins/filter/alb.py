# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Filters for the alb role: target groups with their defaults and listener rules, and the checks
that run before any AWS call. Pure Python, on the controller."""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tier import is_production

NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
TG_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
HOST_RE = re.compile(r"^(\*\.)?([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
ACM_ARN_RE = re.compile(r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$")
IAM_CERT_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:server-certificate/[\w+=,.@/-]+$")
# ELB policies that allow TLS 1.2 and 1.3 only (TLS 1.0/1.1 policies are refused).
TLS12_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
)
STORAGE_CLASSES = {
    "STANDARD_IA": 30,
    "ONEZONE_IA": 30,
    "INTELLIGENT_TIERING": 0,
    "GLACIER_IR": 0,
    "GLACIER": 0,
    "DEEP_ARCHIVE": 0,
}
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesAnonymousIpList",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesLinuxRuleSet",
    "AWSManagedRulesUnixRuleSet",
    "AWSManagedRulesAdminProtectionRuleSet",
    "AWSManagedRulesBotControlRuleSet",
)


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def alb_target_groups(groups, alb_name, defaults):
    """Each target group with the defaults filled in, its AWS name and its listener rule."""
    out = []
    for index, group in enumerate(groups or []):
        tg = dict(defaults or {})
        tg.update(group)
        tg["full_name"] = f"{alb_name}-{tg['name']}"
        conditions = []
        # The *Config forms take up to five values; the legacy Values field takes one.
        if tg.get("host"):
            conditions.append({"Field": "host-header", "HostHeaderConfig": {"Values": [tg["host"]]}})
        if tg.get("paths"):
            conditions.append({"Field": "path-pattern", "PathPatternConfig": {"Values": list(tg["paths"])}})
        tg["rule"] = {
            "Priority": str(10 * (index + 1)),
            "Conditions": conditions,
            "Actions": [{"Type": "forward", "TargetGroupName": tg["full_name"]}],
        }
        out.append(tg)
    return out


def _matcher_problem(matcher) -> str | None:
    """Why an ALB refuses a health-check matcher, or None.

    ELBv2's Matcher.HttpCode: "For Application Load Balancers, you can specify values between 200
    and 499 ... multiple values (for example, "200,202") or a range of values (for example, "200-299")".
    """
    if not isinstance(matcher, str) or not matcher:
        return "must be HTTP codes such as 200, 200-399 or 200,302"
    for part in matcher.split(","):
        bounds = part.split("-")
        if len(bounds) > 2 or not all(b.isdigit() for b in bounds):
            return "must be HTTP codes such as 200, 200-399 or 200,302"
        codes = [int(b) for b in bounds]
        if any(not 200 <= c <= 499 for c in codes):
            return "must stay within 200-499, the codes an application load balancer can match"
        if len(codes) == 2 and codes[0] >= codes[1]:
            return f"has the range {part}, which must go up"
    return None


def alb_validation_errors(v):
    """Every problem with the alb role's inputs, each naming the variable and the environment."""
    env = v.get("trading_env")
    errors = []

    def err(var, text):
        errors.append(f"{var} in environment {env!r}: {text}")

    name = v.get("alb_name")
    if not isinstance(name, str) or not NAME_RE.match(name) or name.startswith("internal-"):
        err("alb_name", f"{name!r} must be 1-32 letters, digits or hyphens, not starting or ending with a hyphen")
        name = None

    cidrs = v.get("alb_ingress_cidrs")
    if not isinstance(cidrs, list) or not cidrs:
        err("alb_ingress_cidrs", f"{cidrs!r} must be a non-empty list of IPv4 CIDRs")
    else:
        for cidr in cidrs:
            try:
                ipaddress.IPv4Network(str(cidr), strict=True)
            except ValueError:
                err("alb_ingress_cidrs", f"{cidr!r} is not an IPv4 CIDR with its host bits clear")

    arn = v.get("alb_certificate_arn") or ""
    region = v.get("trading_aws_region")
    if arn:
        match = ACM_ARN_RE.match(str(arn))
        if not match and not IAM_CERT_RE.match(str(arn)):
            err(
                "alb_certificate_arn",
                f"{arn!r} is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
            )
        elif match and match.group("region") != region:
            err("alb_certificate_arn", f"{arn} is in region {match.group('region')}, the load balancer in {region}")
    elif is_production(v):
        err(
            "alb_certificate_arn",
            "is empty; prod must name a real certificate (a self-signed one is for non-production environments only)",
        )
    if not arn and not HOST_RE.match(str(v.get("alb_self_signed_domain") or "")):
        err("alb_self_signed_domain", f"{v.get('alb_self_signed_domain')!r} is not a DNS name")

    if v.get("alb_ssl_policy") not in TLS12_POLICIES:
        err(
            "alb_ssl_policy",
            f"{v.get('alb_ssl_policy')!r} is not a TLS 1.2+ ELB policy (for example {TLS12_POLICIES[0]})",
        )
    idle = _int(v.get("alb_idle_timeout"))
    if idle is None or not 1 <= idle <= 4000:
        err("alb_idle_timeout", f"{v.get('alb_idle_timeout')!r} must be 1 to 4000 seconds")
    if is_production(v) and v.get("alb_deletion_protection") is not True:
        err("alb_deletion_protection", "is off; prod must protect its load balancer from deletion")

    groups = v.get("alb_target_groups")
    if not isinstance(groups, list):
        err("alb_target_groups", f"{groups!r} must be a list")
        groups = []
    defaults = v.get("alb_target_group_defaults") or {}
    seen = set()
    for i, raw in enumerate(groups):
        where = f"alb_target_groups[{i}]"
        if not isinstance(raw, dict) or not raw.get("name"):
            err(where, "needs at least a name and a port")
            continue
        tg = dict(defaults, **raw)
        where = f"alb_target_groups[{i}] ({tg['name']})"
        tg_name = str(tg["name"])
        if not TG_NAME_RE.match(tg_name):
            err(where, f"name {tg_name!r} must be lower-case letters, digits and hyphens")
        elif name and len(f"{name}-{tg_name}") > 32:
            err(where, f"{name}-{tg_name} is longer than the 32 characters AWS allows a target group name")
        if tg_name in seen:
            err(where, f"name {tg_name!r} is used twice")
        seen.add(tg_name)
        port = _int(tg.get("port"))
        if port is None or not 1 <= port <= 65535:
            err(where, f"port {tg.get('port')!r} must be a whole number from 1 to 65535")
        if tg.get("protocol") not in ("HTTP", "HTTPS"):
            err(where, f"protocol {tg.get('protocol')!r} must be HTTP or HTTPS")
        path = tg.get("health_check_path")
        if not isinstance(path, str) or not path.startswith("/") or len(path) > 1024 or " " in path:
            err(where, f"health_check_path {path!r} must be a path starting with / (no spaces, at most 1024)")
        interval, timeout = _int(tg.get("health_check_interval")), _int(tg.get("health_check_timeout"))
        if interval is None or not 5 <= interval <= 300:
            err(where, f"health_check_interval {tg.get('health_check_interval')!r} must be 5 to 300 seconds")
        if timeout is None or not 2 <= timeout <= 120 or (interval and timeout >= interval):
            err(
                where,
                f"health_check_timeout {tg.get('health_check_timeout')!r} must be 2 to 120 seconds and "
                "shorter than health_check_interval",
            )
        for key in ("healthy_threshold", "unhealthy_threshold"):
            value = _int(tg.get(key))
            if value is None or not 2 <= value <= 10:
                err(where, f"{key} {tg.get(key)!r} must be 2 to 10")
        matcher_problem = _matcher_problem(tg.get("matcher"))
        if matcher_problem:
            err(where, f"matcher {tg.get('matcher')!r} {matcher_problem}")
        delay = _int(tg.get("deregistration_delay"))
        if delay is None or not 0 <= delay <= 3600:
            err(where, f"deregistration_delay {tg.get('deregistration_delay')!r} must be 0 to 3600 seconds")
        paths = tg.get("paths") or []
        if isinstance(paths, list) and len(paths) > 5:
            err(where, f"paths lists {len(paths)} patterns; a listener rule takes at most 5")
        if not isinstance(paths, list) or any(
            not isinstance(x, str) or not x.startswith("/") or len(x) > 128 for x in paths
        ):
            err(where, f"paths {paths!r} must be a list of paths starting with / (at most 128 characters)")
        host = tg.get("host") or ""
        if host and not HOST_RE.match(str(host)):
            err(where, f"host {host!r} is not a DNS name")
        if not host and not paths:
            err(where, "needs a host or paths, or no listener rule can send traffic to it")

    if v.get("alb_access_logs_enabled"):
        prefix = str(v.get("alb_access_logs_prefix") or "")
        if prefix.startswith("/") or prefix.endswith("/") or "AWSLogs" in prefix:
            err("alb_access_logs_prefix", f"{prefix!r} must not start or end with / nor contain AWSLogs")
        storage = v.get("alb_access_logs_transition_storage_class")
        transition = _int(v.get("alb_access_logs_transition_days"))
        expiration = _int(v.get("alb_access_logs_expiration_days"))
        if storage not in STORAGE_CLASSES:
            err("alb_access_logs_transition_storage_class", f"{storage!r} must be one of {', '.join(STORAGE_CLASSES)}")
        elif transition is None or transition < max(1, STORAGE_CLASSES[storage]):
            err(
                "alb_access_logs_transition_days",
                f"{v.get('alb_access_logs_transition_days')!r} must be at least "
                f"{max(1, STORAGE_CLASSES[storage])} days for {storage}",
            )
        if expiration is None or expiration < 1:
            err(
                "alb_access_logs_expiration_days",
                f"{v.get('alb_access_logs_expiration_days')!r} must be a positive number of days",
            )
        elif transition is not None and expiration <= transition:
            err(
                "alb_access_logs_expiration_days",
                f"{expiration} must be later than alb_access_logs_transition_days ({transition})",
            )

    if v.get("alb_waf_enabled"):
        groups = v.get("alb_waf_managed_rule_groups")
        if groups is not None and not isinstance(groups, list):
            err(
                "alb_waf_managed_rule_groups",
                f"{groups!r} must be a list of AWS managed rule group names ({', '.join(MANAGED_RULE_GROUPS)})",
            )
        else:
            unknown = [g for g in groups or [] if g not in MANAGED_RULE_GROUPS]
            if unknown:
                err("alb_waf_managed_rule_groups", f"{unknown!r} are not AWS managed rule groups this role knows")
        rate = _int(v.get("alb_waf_rate_limit"))
        if rate is None or not 100 <= rate <= 2_000_000_000:
            err(
                "alb_waf_rate_limit",
                f"{v.get('alb_waf_rate_limit')!r} must be 100 to 2000000000 requests per 5 minutes",
            )
    elif is_production(v):
        err("alb_waf_enabled", "is false; prod must put a WAF web ACL in front of its load balancer")
    return errors


class FilterModule:
    def filters(self):
        return {
            "alb_target_groups": alb_target_groups,
            "alb_validation_errors": alb_validation_errors,
        }
