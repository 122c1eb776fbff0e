# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The cost role's filters: what an environment's sizing costs a month, priced from the AWS Price
List API (pricing_info's answer) or the role's dated table. Pure Python, on the controller.

Amounts are computed with decimals (each line's amount to a hundredth of a cent), so that one more
node moves the total by exactly its hourly price times the hours of a month.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

PRICE_SOURCES = ("auto", "api", "table")
COMPONENTS = ("network", "eks", "alb", "data_tier", "compliance")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CENT = Decimal("0.0001")
MILLION = Decimal(1_000_000)
PRICE_FILE = "roles/cost/vars/prices.yml"
API_NAME = "AWS Price List API (pricing:GetProducts)"


def _d(value) -> Decimal:
    return Decimal(str(value))


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _money(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _plain(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _date(text):
    if not isinstance(text, str) or not DATE_RE.match(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def cost_validation_errors(v):
    """Every problem with the cost role's own inputs, each naming the variable and the environment."""
    env = v.get("trading_env")
    errors = []

    def err(var, text):
        errors.append(f"{var} in environment '{env}': {text}")

    source = v.get("cost_price_source")
    if source not in PRICE_SOURCES:
        err(
            "cost_price_source",
            f"{source!r} must be one of auto (the Price List API, else the table), api (the API only) or table",
        )
    out = v.get("cost_output_dir")
    if not isinstance(out, str) or not out.strip():
        err("cost_output_dir", f"{out!r} must name the directory the estimate is written to (build/cost by default)")
    elif any(c in out for c in "\n\r\0"):
        err("cost_output_dir", f"{out!r} holds a line break or a NUL character")
    when = v.get("cost_date", "")
    if when not in ("", None) and _date(when) is None:
        err("cost_date", f"{when!r} must be a date, YYYY-MM-DD (empty: today)")
    ratio = v.get("cost_spot_price_ratio")
    if not _number(ratio) or not 0 < ratio <= 1:
        err(
            "cost_spot_price_ratio",
            f"{ratio!r} must be a number above 0 and at most 1 (a share of the on-demand price)",
        )
    usage = v.get("cost_usage")
    known = v.get("cost_usage_assumptions") or {}
    if usage is not None and not isinstance(usage, Mapping):
        err("cost_usage", "must be a mapping of usage name to a number")
    else:
        for key, value in (usage or {}).items():
            if known and key not in known:
                err(f"cost_usage.{key}", f"is not a usage the estimate reads; it reads {', '.join(sorted(known))}")
            elif not _number(value) or value < 0:
                err(f"cost_usage.{key}", f"{value!r} must be a number of 0 or more")
    return errors


# -- what the sizing holds -------------------------------------------------------------------------


class _Plan:
    """The line items of an environment, each a quantity of a named price, before pricing."""

    def __init__(self, v):
        self.v = v
        self.hours = _d(v.get("cost_hours_per_month", 730))
        self.usage = {**(v.get("cost_usage_assumptions") or {}), **(v.get("cost_usage") or {})}
        self.items = {name: [] for name in COMPONENTS}
        self.notes = []
        self.not_estimated = []
        self.headroom = []  # (price, quantity, factor): what the autoscalers may add

    def use(self, key) -> Decimal:
        return _d(self.usage.get(key, 0))

    def add(self, component, item, quantity, unit, price, basis, factor=None, var=None, note=None):
        self.items[component].append(
            {
                "item": item,
                "quantity": _d(quantity),
                "unit": unit,
                "price": price,
                "basis": basis,
                "factor": factor,
                "var": var,
                "note": note,
            }
        )

    def months(self, days) -> Decimal:
        """Months of a retention (the steady state holds that many months of logs); 12 if it never expires."""
        if not _number(days) or days <= 0:
            return Decimal(12)
        return _d(days) * 24 / self.hours

    def logs(self, component, what, gb, retention_days, price="logs_ingestion_gb", source=""):
        if gb <= 0:
            return
        self.add(component, f"{what} ingestion", gb, "GB", price, f"{gb} GB a month{source}")
        months = self.months(retention_days)
        kept = (
            "never expires: 12 months priced"
            if not _number(retention_days) or retention_days <= 0
            else (f"kept {retention_days} days")
        )
        self.add(
            component,
            f"{what} storage",
            (gb * months).quantize(CENT, rounding=ROUND_HALF_UP),
            "GB-Mo",
            "logs_storage_gb_month",
            f"{gb} GB a month {kept} (steady state)",
        )


def _zones(v) -> int:
    azs = v.get("network_azs") or []
    return len(azs) if azs else int(v.get("network_az_count", 3))


def _eks_support(v, as_of):
    """(price, item, note) of the control plane on the estimate's date."""
    version = str(v.get("eks_cluster_version", ""))
    calendar = v.get("cost_eks_support_calendar") or {}
    policy = v.get("cost_eks_upgrade_policy", "EXTENDED")
    entry = calendar.get(version)
    if entry is None:
        return (
            "eks_cluster_hour",
            "control plane",
            f"Kubernetes {version} is not in the role's support calendar (roles/cost/vars/main.yml): priced at "
            "standard support",
        )
    standard_until = _date(entry["standard_until"])
    extended_until = _date(entry["extended_until"])
    if as_of < standard_until:
        return "eks_cluster_hour", "control plane", None
    if policy != "EXTENDED":
        return (
            "eks_cluster_hour",
            "control plane",
            f"Kubernetes {version} left standard support on {standard_until}; with the STANDARD upgrade policy EKS "
            "upgrades the control plane itself",
        )
    note = (
        f"Kubernetes {version} (eks_cluster_version) left standard support on {standard_until}; the eks role sets no "
        "upgrade policy, so EKS keeps the cluster on extended support (EXTENDED, EKS's default) at 0.60 USD an hour "
        f"instead of 0.10 until {extended_until}: upgrade to a version in standard support to pay the standard price"
    )
    if as_of >= extended_until:
        note = (
            f"Kubernetes {version} (eks_cluster_version) is past the end of extended support ({extended_until}): EKS "
            "upgrades the control plane itself; priced at extended support until eks_cluster_version names a version "
            "in standard support"
        )
    return "eks_extended_support_hour", "control plane (extended support)", note


def _plan(v) -> _Plan:
    p = _Plan(v)
    hours = p.hours
    as_of = _date(v.get("cost_as_of")) or datetime.datetime.now(datetime.UTC).date()
    zones = _zones(v)

    # network
    mode = v.get("network_nat_mode", "single")
    nats = {"none": 0, "single": 1, "per_az": zones}.get(mode, 1)
    if nats:
        p.add(
            "network", f"NAT gateways ({mode}: {nats})", nats * hours, "Hrs", "nat_gateway_hour", f"{nats} x {hours} h"
        )
        p.add(
            "network",
            "NAT gateway data processed",
            p.use("nat_data_gb"),
            "GB",
            "nat_gateway_gb",
            "cost_usage nat_data_gb",
        )
        p.add(
            "network",
            f"public IPv4 addresses of the NAT gateways ({nats})",
            nats * hours,
            "Hrs",
            "public_ipv4_hour",
            f"{nats} x {hours} h",
        )
    if v.get("network_flow_logs_enabled", True):
        if v.get("network_flow_logs_destination", "cloud-watch-logs") == "cloud-watch-logs":
            traffic = v.get("network_flow_logs_traffic_type", "ALL")
            p.logs(
                "network",
                f"VPC flow logs ({traffic})",
                p.use("flow_logs_gb"),
                v.get("network_flow_logs_retention_days"),
                price="logs_vended_gb",
                source=" (cost_usage flow_logs_gb)",
            )
            if not v.get("network_flow_logs_kms_key_arn"):
                p.add("network", "KMS key of the flow logs", 1, "key-months", "kms_key_month", "1 key")
        else:
            p.not_estimated.append(
                "VPC flow logs delivered to S3 (0.25 USD per GB delivered, and the bucket's storage)"
            )

    # eks
    price, item, note = _eks_support(v, as_of)
    p.add("eks", item, hours, "Hrs", price, f"1 cluster x {hours} h", note=note)
    if note:
        p.notes.append(note)
    ratio = _d(v.get("cost_spot_price_ratio", 0.35))
    root_gb = 0
    for index, group in enumerate(v.get("eks_nodegroups") or []):
        types = group.get("instance_types") or ["t3.medium"]
        count = int(group.get("desired_size", group.get("min_size", 0)) or 0)
        spot = group.get("capacity_type", "ON_DEMAND") == "SPOT"
        kind = "spot" if spot else "on-demand"
        basis = f"{count} x {hours} h (desired_size; the first of instance_types)"
        factor = None
        if spot:
            factor = ratio
            basis += f"; spot at {ratio} x on-demand, an assumption (cost_spot_price_ratio): the API has no spot prices"
        p.add(
            "eks",
            f"nodes {group.get('name')} ({types[0]}, {kind}, {count})",
            count * hours,
            "Hrs",
            f"ec2_instance_hour:{types[0]}",
            basis,
            factor=factor,
            var=f"eks_nodegroups[{index}].instance_types[0]",
        )
        spare = int(group.get("max_size", count) or count) - count
        if spare > 0:
            p.headroom.append((f"ec2_instance_hour:{types[0]}", spare * hours, factor))
        root_gb += count * int(group.get("disk_size", 20) or 20)
    log_types = len(v.get("eks_log_types") or [])
    if log_types:
        p.logs(
            "eks",
            f"control-plane logs ({log_types} types)",
            p.use("eks_logs_gb_per_type") * log_types,
            v.get("eks_log_retention_days"),
            source=" (cost_usage eks_logs_gb_per_type x types)",
        )
    p.add("eks", "KMS key of the cluster's secrets", 1, "key-months", "kms_key_month", "1 key")

    # alb
    p.add("alb", "application load balancer", hours, "Hrs", "alb_hour", f"1 x {hours} h")
    p.add(
        "alb",
        "load balancer capacity units",
        p.use("alb_lcu") * hours,
        "LCU-Hrs",
        "alb_lcu_hour",
        f"{p.use('alb_lcu')} LCU on average (cost_usage alb_lcu) x {hours} h",
    )
    p.add(
        "alb",
        f"public IPv4 addresses of the load balancer ({zones})",
        zones * hours,
        "Hrs",
        "public_ipv4_hour",
        f"one per zone: {zones} x {hours} h",
    )
    waf = bool(v.get("alb_waf_enabled"))
    if waf:
        rules = len(v.get("alb_waf_managed_rule_groups") or []) + 1
        p.add("alb", "WAF web ACL", 1, "ACL-months", "waf_web_acl_month", "1 web ACL")
        p.add(
            "alb",
            f"WAF rules ({rules - 1} managed rule groups, 1 rate limit)",
            rules,
            "rule-months",
            "waf_rule_month",
            f"{rules} rules",
        )
        p.add(
            "alb",
            "WAF requests inspected",
            p.use("waf_requests_millions") * MILLION,
            "requests",
            "waf_request",
            f"{p.use('waf_requests_millions')} million a month (cost_usage waf_requests_millions)",
        )

    # data_tier
    aurora = bool(v.get("data_tier_aurora_enabled", True))
    redis = bool(v.get("data_tier_redis_enabled", True))
    redis_nodes = 0
    if aurora:
        klass = v.get("data_tier_aurora_instance_class", "db.r6g.large")
        readers = int(v.get("data_tier_aurora_reader_count", 0) or 0)
        p.add(
            "data_tier",
            f"Aurora instances ({klass}: writer + {readers} readers)",
            (1 + readers) * hours,
            "Hrs",
            f"aurora_instance_hour:{klass}",
            f"{1 + readers} x {hours} h",
            var="data_tier_aurora_instance_class",
        )
        if v.get("data_tier_aurora_autoscaling_enabled"):
            spare = int(v.get("data_tier_aurora_autoscaling_max_readers", readers) or readers) - readers
            if spare > 0:
                p.headroom.append((f"aurora_instance_hour:{klass}", spare * hours, None))
        p.add(
            "data_tier",
            "Aurora storage",
            p.use("aurora_storage_gb"),
            "GB-Mo",
            "aurora_storage_gb_month",
            "cost_usage aurora_storage_gb",
        )
        p.add(
            "data_tier",
            "Aurora I/O requests",
            p.use("aurora_io_millions") * MILLION,
            "IOs",
            "aurora_io_request",
            f"{p.use('aurora_io_millions')} million a month (cost_usage aurora_io_millions)",
        )
        p.add(
            "data_tier", "Aurora master password secret (kept by RDS)", 1, "secret-months", "secret_month", "1 secret"
        )
    if redis:
        node_type = v.get("data_tier_redis_node_type", "cache.t4g.small")
        replicas = int(v.get("data_tier_redis_replicas", 1) or 0)
        shards = int(v.get("data_tier_redis_shards", 1) or 1) if v.get("data_tier_redis_cluster_mode") else 1
        redis_nodes = shards * (replicas + 1)
        p.add(
            "data_tier",
            f"Redis nodes ({node_type}: {shards} shard x {replicas + 1})",
            redis_nodes * hours,
            "Hrs",
            f"elasticache_node_hour:{node_type}",
            f"{redis_nodes} x {hours} h",
            var="data_tier_redis_node_type",
        )
        p.add("data_tier", "Redis AUTH token secret", 1, "secret-months", "secret_month", "1 secret")
    p.add("data_tier", "KMS key of the data tier", 1, "key-months", "kms_key_month", "1 key")

    # compliance
    p.add("compliance", "KMS key of the alerts topic and log groups", 1, "key-months", "kms_key_month", "1 key")
    alarms, parts = 0, []
    if v.get("compliance_alarms_enabled", True):
        groups = len(v.get("eks_nodegroups") or [])
        for what, count in (
            ("ALB 3 (the 5xx rate reads 2 metrics)", 3),
            ("Aurora 2", 2 if aurora else 0),
            (f"Redis {2 * redis_nodes} (2 a node)", 2 * redis_nodes),
            (f"node groups {groups}", groups),
            (f"NAT {nats}", nats),
        ):
            if count:
                alarms += count
                parts.append(what)
    cis = bool(v.get("compliance_cloudtrail_enabled")) and bool(v.get("compliance_cis_alarms_enabled", True))
    if cis:
        count = int(v.get("cost_compliance_cis_alarms", 15))
        alarms += count
        parts.append(f"CIS {count}")
    if alarms:
        p.add(
            "compliance",
            f"CloudWatch alarms ({alarms} alarm metrics)",
            alarms,
            "alarm-months",
            "cloudwatch_alarm_month",
            ", ".join(parts),
        )
    if v.get("compliance_dashboard_enabled", True):
        p.add("compliance", "CloudWatch dashboard", 1, "dashboard-months", "cloudwatch_dashboard_month", "1 dashboard")
    retention = v.get("compliance_log_retention_days", 30)
    groups = v.get("compliance_log_groups") or []
    if groups:
        gb = p.use("log_group_gb")
        total = gb * len(groups)
        stored = sum(gb * p.months(g.get("retention_days", retention)) for g in groups)
        if total > 0:
            names = ", ".join(str(g.get("name")) for g in groups)
            p.add(
                "compliance",
                f"platform log groups ingestion ({names})",
                total,
                "GB",
                "logs_ingestion_gb",
                f"{gb} GB a month each (cost_usage log_group_gb)",
            )
            p.add(
                "compliance",
                "platform log groups storage",
                stored.quantize(CENT, rounding=ROUND_HALF_UP),
                "GB-Mo",
                "logs_storage_gb_month",
                "each kept its retention_days or compliance_log_retention_days (steady state)",
            )
    if cis:
        p.logs("compliance", "CloudTrail logs", p.use("cloudtrail_logs_gb"), retention, source=" (cost_usage)")
    if waf and v.get("compliance_waf_logging_enabled", True):
        p.logs(
            "compliance", "WAF logs", p.use("waf_logs_gb"), retention, price="logs_vended_gb", source=" (cost_usage)"
        )
    if v.get("compliance_config_enabled", True):
        if v.get("compliance_config_recorder_managed", True):
            p.add(
                "compliance",
                "Config items recorded",
                p.use("config_items"),
                "items",
                "config_item",
                "cost_usage config_items",
            )
        else:
            p.notes.append("the Config recorder is another environment's (compliance_config_recorder_managed: false)")
        rules = int(v.get("cost_compliance_config_rules", 20)) - len(v.get("compliance_config_rules_excluded") or [])
        pack = bool(v.get("compliance_config_conformance_pack"))
        p.add(
            "compliance",
            f"Config {'conformance pack' if pack else 'rule'} evaluations ({rules} CIS rules)",
            rules * p.use("config_evaluations_per_rule"),
            "evaluations",
            "config_conformance_pack_evaluation" if pack else "config_rule_evaluation",
            f"{p.use('config_evaluations_per_rule')} a rule (cost_usage config_evaluations_per_rule)",
        )
    if v.get("compliance_securityhub_enabled", True):
        standards = v.get("compliance_securityhub_standards") or []
        p.add(
            "compliance",
            f"Security Hub checks ({len(standards)} standards)",
            len(standards) * p.use("securityhub_checks_per_standard"),
            "checks",
            "securityhub_check",
            f"{p.use('securityhub_checks_per_standard')} a standard (cost_usage securityhub_checks_per_standard)",
        )
    if v.get("compliance_guardduty_enabled"):
        features = set(v.get("compliance_guardduty_features") or [])
        p.add(
            "compliance",
            "GuardDuty CloudTrail events analysed",
            p.use("guardduty_cloudtrail_events_millions") * MILLION,
            "events",
            "guardduty_cloudtrail_event",
            "cost_usage guardduty_cloudtrail_events_millions",
        )
        p.add(
            "compliance",
            "GuardDuty VPC flow and DNS logs analysed",
            p.use("guardduty_vpc_dns_gb"),
            "GB",
            "guardduty_vpc_dns_gb",
            "cost_usage guardduty_vpc_dns_gb",
        )
        if "EKS_AUDIT_LOGS" in features:
            p.add(
                "compliance",
                "GuardDuty EKS audit log events analysed",
                p.use("guardduty_eks_audit_events_millions") * MILLION,
                "events",
                "guardduty_eks_audit_event",
                "cost_usage guardduty_eks_audit_events_millions",
            )
        if "S3_DATA_EVENTS" in features:
            p.add(
                "compliance",
                "GuardDuty S3 data events analysed",
                p.use("guardduty_s3_events_millions") * MILLION,
                "events",
                "guardduty_s3_event",
                "cost_usage guardduty_s3_events_millions",
            )
        left = sorted(features & {"RUNTIME_MONITORING", "EBS_MALWARE_PROTECTION", "RDS_LOGIN_EVENTS"})
        if left:
            p.not_estimated.append(
                f"GuardDuty {', '.join(left)} (priced per vCPU of the nodes and instances, or per GB scanned)"
            )

    if root_gb:
        p.not_estimated.append(
            f"the EKS nodes' root volumes: {root_gb} GB of gp3 at the desired sizes (0.08 USD per GB-month, "
            f"about {_money(_d(root_gb) * Decimal('0.08')):.2f} USD)"
        )
    p.not_estimated += [
        "data transfer out to the internet and between zones",
        "Aurora backup storage beyond the cluster's size, and AWS Backup's vaults and copies",
        "S3 storage of the ALB access logs, the Config history and the CloudTrail logs",
        "API requests (KMS, Secrets Manager, CloudWatch), CloudWatch metrics, SNS notifications",
        "free tiers (the first 10 alarms, 3 dashboards, 5 GB of logs ...) and any discount",
    ]
    return p


# -- prices ------------------------------------------------------------------------------------------


def _kind(prices, name):
    kind, _, param = name.partition(":")
    return (prices.get("kinds") or {}).get(kind), param


def _table_price(prices, name):
    entry, param = _kind(prices, name)
    if entry is None:
        return None
    table = entry.get("table")
    if isinstance(table, Mapping):
        table = table.get(param)
    return None if table is None else _d(table)


def _needed(plan) -> list:
    names = [i["price"] for items in plan.items.values() for i in items] + [h[0] for h in plan.headroom]
    return list(dict.fromkeys(names))


def cost_price_requests(v, prices):
    """The Price List API requests (pricing_info's products) for every price the estimate needs."""
    region = v.get("trading_aws_region", "us-east-1")
    requests = []
    for name in _needed(_plan(v)):
        entry, param = _kind(prices, name)
        if entry is None:
            continue
        request = {
            "name": name,
            "service_code": entry["service_code"],
            "filters": [
                {
                    "type": f.get("type", "TERM_MATCH"),
                    "field": f["field"],
                    "value": str(f["value"]).replace("{region}", region).replace("{param}", param),
                }
                for f in entry.get("filters") or []
            ],
        }
        if entry.get("api_unit"):
            request["unit"] = entry["api_unit"]
        requests.append(request)
    return requests


def cost_estimate(v, prices, api=None, api_error=None):
    """The monthly cost of the environment, per component and line item.

    ``api``: pricing_info's result (``prices`` by name), or None; ``api_error``: why the API was not
    used (a failed call in ``auto``), printed with the table's date and sources."""
    plan = _plan(v)
    env = v.get("trading_env")
    found = (api or {}).get("prices") or {}
    missing = {m.get("name"): m.get("reason") for m in (api or {}).get("missing") or []}
    used = {"api": 0, "table": 0}
    unpriced = []

    def price_of(name, var=None, record=True):
        if name in found:
            used["api"] += record
            return _d(found[name]["usd"]), "api"
        table = _table_price(prices, name)
        if table is None and not record:
            return None, None
        if table is None:
            where = f"{var} in environment '{env}'" if var else f"environment '{env}'"
            _, param = _kind(prices, name)
            why = f"; the Price List API: {missing[name]}" if name in missing else ""
            unpriced.append(
                f"{where}: no price for {param or name}: it is not in {PRICE_FILE} ({name.split(':')[0]}){why}"
            )
            return None, None
        used["table"] += record
        return table, "table"

    components, total = {}, Decimal(0)
    for component in COMPONENTS:
        items, subtotal = [], Decimal(0)
        for spec in plan.items[component]:
            unit_price, source = price_of(spec["price"], spec["var"])
            if unit_price is None:
                continue
            if spec["factor"] is not None:
                unit_price *= spec["factor"]
            usd = (spec["quantity"] * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
            subtotal += usd
            items.append(
                {
                    "item": spec["item"],
                    "quantity": _plain(spec["quantity"]),
                    "unit": spec["unit"],
                    "unit_usd": float(unit_price),
                    "usd": _money(usd),
                    "price": spec["price"],
                    "price_source": source,
                    "basis": spec["basis"],
                }
            )
        components[component] = {"total_usd": _money(subtotal), "items": items}
        total += subtotal

    headroom = Decimal(0)
    for name, quantity, factor in plan.headroom:
        unit_price, _ = price_of(name, record=False)
        if unit_price is not None:
            headroom += (quantity * unit_price * (factor or 1)).quantize(CENT, rounding=ROUND_HALF_UP)

    source = "api+table" if used["api"] and used["table"] else ("api" if used["api"] else "table")
    as_of = v.get("cost_as_of") or datetime.datetime.now(datetime.UTC).date().isoformat()
    api_sources = [f"{API_NAME}, {v.get('cost_pricing_region', 'us-east-1')}, on {as_of}"]
    table_sources = list(prices.get("sources") or [])
    notes = list(plan.notes)
    region = v.get("trading_aws_region")
    if used["table"] and region and region != prices.get("region"):
        notes.append(
            f"the table holds {prices.get('region')} prices; {region} may differ (the Price List API prices the region)"
        )
    if missing and source == "api+table":
        notes.append(
            f"{len(missing)} price(s) not found by the Price List API, taken from the table: {', '.join(missing)}"
        )

    budget = v.get("compliance_budget_monthly_usd")
    budget_d = _d(budget) if _number(budget) else None
    estimate = {
        "environment": env,
        "region": region,
        "currency": prices.get("currency", "USD"),
        "as_of": as_of,
        "hours_per_month": _plain(plan.hours),
        "price_source": source,
        "price_date": as_of if source == "api" else prices.get("date"),
        "price_sources": {"api": api_sources, "table": table_sources, "api+table": api_sources + table_sources}[source],
        "price_table": {"file": PRICE_FILE, "date": prices.get("date"), "region": prices.get("region")},
        "api_error": api_error or None,
        "api_missing": [{"name": k, "reason": r} for k, r in missing.items()],
        "total_usd": _money(total),
        "at_maximum_usd": _money(total + headroom),
        "budget_usd": _plain(budget_d) if budget_d is not None else None,
        "budget_enabled": bool(v.get("compliance_budget_enabled", False)),
        "components": components,
        "notes": notes,
        "not_estimated": plan.not_estimated,
        "unpriced": unpriced,
    }
    if budget_d:
        estimate["budget_difference_usd"] = _money(total - budget_d)
        estimate["budget_used_percent"] = float((total * 100 / budget_d).quantize(Decimal("0.1"), ROUND_HALF_UP))
        estimate["over_budget"] = total > budget_d
    return estimate


# -- the printed table -----------------------------------------------------------------------------


def _amount(value) -> str:
    """Cents, half up, as the amounts' decimals would round (54.055 is 54.06, not the float's 54.05)."""
    return f"{_d(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _quantity(value) -> str:
    return f"{value:,}" if float(value).is_integer() else f"{value:,.2f}"


def _unit_price(value) -> str:
    text = f"{value:.7f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def cost_report(estimate):
    """The estimate as printed: a table per component, the total, the budget, what is left out."""
    e = estimate
    cur = e.get("currency", "USD")
    labels = [i["item"] for c in e["components"].values() for i in c["items"]]
    width = max([len(label) for label in labels] + [40]) + 2
    lines = [
        f"Monthly cost of {e['environment']} ({e['region']}) as of {e['as_of']}, in {cur}: "
        f"{e['hours_per_month']} hours a month, on-demand list prices",
    ]
    table = e["price_table"]
    if e["price_source"] == "api":
        lines.append(f"Prices: {e['price_sources'][0]}")
    else:
        if e.get("api_error"):
            lines.append(f"WARNING: the Price List API was not used ({e['api_error']}); prices from the table.")
        head = "Prices: the Price List API, and for the rest" if e["price_source"] == "api+table" else "Prices:"
        lines.append(f"{head} the table {table['file']} dated {table['date']} ({table['region']} on-demand), from:")
        lines += [f"  {url}" for url in e["price_sources"] if url.startswith("http")]
    header = f"{'':<{width}}{'quantity':>14}  {'unit':<17}{'unit price':>12}{'monthly':>13}"
    for name, component in e["components"].items():
        lines += ["", f"{name:<{width}}" + header[width:]]
        for i in component["items"]:
            lines.append(
                f"  {i['item']:<{width - 2}}{_quantity(i['quantity']):>14}  {i['unit']:<17}"
                f"{_unit_price(i['unit_usd']):>12}{_amount(i['usd']):>13}"
            )
        lines.append(f"  {name + ' total':<{width - 2}}{'':>14}  {'':<17}{'':>12}{_amount(component['total_usd']):>13}")
    right = width + 14 + 2 + 17 + 12
    lines += ["", f"{'total':<{right}}{_amount(e['total_usd']):>13} {cur}/month"]
    if e.get("budget_usd"):
        lines.append(f"{'budget (compliance_budget_monthly_usd)':<{right}}{_amount(e['budget_usd']):>13} {cur}/month")
        difference = e["budget_difference_usd"]
        share = e["budget_used_percent"]
        if e["over_budget"]:
            lines.append(
                f"OVER budget by {_amount(difference)} {cur} (+{share - 100:.1f}%): the estimate is {share:.1f}% "
                "of the budget"
            )
        else:
            lines.append(
                f"UNDER budget by {_amount(-difference)} {cur} (-{100 - share:.1f}%): the estimate is {share:.1f}% "
                "of the budget"
            )
        if not e.get("budget_enabled"):
            lines.append("(compliance_budget_enabled is false: AWS Budgets does not watch this environment)")
    if e["at_maximum_usd"] != e["total_usd"]:
        lines.append(
            f"at the autoscaling maxima (node groups at max_size, Aurora readers at their maximum): "
            f"{_amount(e['at_maximum_usd'])} {cur}/month"
        )
    if e.get("notes"):
        lines += ["", "Notes:"] + [f"  - {n}" for n in e["notes"]]
    if e.get("not_estimated"):
        lines += ["", "Not in the total:"] + [f"  - {n}" for n in e["not_estimated"]]
    return lines


class FilterModule:
    def filters(self):
        return {
            "cost_validation_errors": cost_validation_errors,
            "cost_price_requests": cost_price_requests,
            "cost_estimate": cost_estimate,
            "cost_report": cost_report,
        }
