# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Filters for the compliance role: the alarms wanted for the components that exist, the dashboard
drawn from the same list, the AWS Config rules, and the checks that run before any AWS call.
Pure Python, on the controller."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ansible_collections.ninetynine.trading_infra.plugins.filter.network import LOG_RETENTION_DAYS
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.regions import unknown_region
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tier import is_production

NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}[A-Za-z0-9])?$")
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
LOG_GROUP_RE = re.compile(r"^[A-Za-z0-9_\-/.#]{1,64}$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
# Security Hub standards the securityhub module knows by short name.
STANDARDS = ("cis-1.2", "cis-1.4", "cis-3.0", "fsbp", "nist-800-53", "pci-dss-3.2.1")
DELIVERY_FREQUENCIES = ("One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")
STORAGE_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")
# Threshold name -> (lowest, highest, what it measures).
THRESHOLDS = {
    "alb_5xx_rate_percent": (0.01, 100, "percent of requests answered 5xx by the targets"),
    "alb_p99_latency_ms": (1, 60000, "p99 target response time in milliseconds"),
    "aurora_cpu_percent": (1, 100, "Aurora CPU percent"),
    "aurora_freeable_memory_mb": (16, 1048576, "Aurora freeable memory in MiB (alarm below it)"),
    "redis_cpu_percent": (1, 100, "Redis engine CPU percent"),
    "redis_memory_percent": (1, 100, "Redis memory used, percent"),
    "node_cpu_percent": (1, 100, "EKS node CPU percent"),
    "nat_packet_drops": (1, 10**9, "NAT gateway packets dropped per period"),
    "kinesis_iterator_age_ms": (1000, 604800000, "age of a stream's oldest unread record in milliseconds"),
    "kinesis_throttled_records": (0, 10**9, "a stream's records throttled per period (reads or writes)"),
    "dynamodb_throttle_events": (0, 10**9, "a table's throttled requests per period (reads or writes)"),
    "dynamodb_system_errors": (0, 10**9, "a table's requests failed by DynamoDB (HTTP 500) per period"),
}
# The operations DynamoDB reports SystemErrors for (dimensions TableName and Operation; "DynamoDB
# metrics and dimensions"): the ledger's item and query calls, summed by the alarm (10 metrics at most).
DYNAMODB_OPERATIONS = (
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
)
GUARDDUTY_FREQUENCIES = ("FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS")
GUARDDUTY_FEATURES = (
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "RUNTIME_MONITORING",
    "LAMBDA_NETWORK_LOGS",
)
PERIODS = (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 21600, 86400)


# The module's settings and defaults (CIS AWS Foundations 1.8 and 1.9, AWS FSBP IAM.7), and IAM's
# ranges (UpdateAccountPasswordPolicy: low, high, whether 0 turns the rule off).
PASSWORD_POLICY = {
    "minimum_length": 14,
    "require_symbols": True,
    "require_numbers": True,
    "require_uppercase": True,
    "require_lowercase": True,
    "allow_users_to_change_password": True,
    "max_age_days": 90,
    "reuse_prevention": 24,
    "hard_expiry": False,
}
# A header name as AWS WAF's SingleHeader takes it (1 to 64 characters), in lower case as the
# redaction compares it.
HEADER_RE = re.compile(r"^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$")
PASSWORD_RANGES = {
    "minimum_length": (6, 128, False),
    "max_age_days": (1, 1095, True),
    "reuse_prevention": (1, 24, True),
}


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _emails(value):
    """alert e-mail may be one string or a list of strings."""
    if isinstance(value, str):
        return [value] if value else []
    return list(value or [])


def _strip(name, prefix):
    """The part of a resource name that tells it apart from the environment's prefix."""
    if name == prefix:
        return ""
    if name.startswith(prefix + "-"):
        return name[len(prefix) + 1 :]
    return name


def _alarm(prefix, kind, key, description, threshold, comparison, **metric):
    name = f"{prefix}-{kind}" + (f"-{key}" if key else "")
    alarm = {
        "name": name,
        "description": description,
        "threshold": threshold,
        "comparison_operator": comparison,
        "treat_missing_data": "notBreaching",
    }
    alarm.update(metric)
    return alarm


def _tail(resource_id, redundant):
    """What tells a resource's alarm apart: its id less the part the name says already, and the whole id."""
    short = resource_id[len(redundant) :] if resource_id.startswith(redundant) else ""
    return (short or resource_id, resource_id)


def _disambiguate(alarms, tails):
    """Give the alarms that would share a name their resource's tail, and only those.

    A name no other alarm has is kept as it is, so the alarms of a converged environment keep their
    names; a tail comes from the resource's id, never from an order, so every run gives the same names.
    """
    count = Counter(alarm["name"] for alarm in alarms)
    shared = [index for index in tails if count[alarms[index]["name"]] > 1]
    for index in shared:
        alarms[index]["name"] += f"-{tails[index][0]}"
    # A short tail that gives a name taken already (node groups general and general-<id>): the whole id.
    count = Counter(alarm["name"] for alarm in alarms)
    for index in shared:
        short, whole = tails[index]
        if count[alarms[index]["name"]] > 1:
            alarms[index]["name"] = alarms[index]["name"][: -len(short)] + whole


def compliance_alarms(resources, thresholds, prefix, period=60, evaluation_periods=5, datapoints=3):
    """The metric alarms wanted for the components found in the environment.

    ``resources`` is the monitored_resources module's result; ``thresholds`` the role's
    thresholds. Each alarm is in the cloudwatch_metric_alarms module's shape.
    """
    t = thresholds or {}
    r = resources or {}
    timing = {"period": period, "evaluation_periods": evaluation_periods, "datapoints_to_alarm": datapoints}
    alarms = []
    # Alarm index -> what tells it apart from another alarm of the same name (the kinds whose key
    # may be shared: a node group's Auto Scaling groups, a zone's NAT gateways).
    tails = {}

    def simple(namespace, metric_name, dimensions, statistic):
        stat = {"extended_statistic": statistic} if statistic.startswith("p") else {"statistic": statistic}
        return dict(namespace=namespace, metric_name=metric_name, dimensions=dimensions, **stat, **timing)

    for lb in r.get("load_balancers", []):
        key = _strip(lb["name"], prefix)
        dims = [{"Name": "LoadBalancer", "Value": lb["arn_suffix"]}]

        def stat(query_id, metric_name, dims=dims):
            return {
                "Id": query_id,
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": metric_name, "Dimensions": dims},
                    "Period": period,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            }

        rate = t["alb_5xx_rate_percent"]
        alarms.append(
            _alarm(
                prefix,
                "alb-5xx-rate",
                key,
                f"ALB {lb['name']}: more than {rate}% of requests answered 5xx by the targets",
                rate,
                "GreaterThanThreshold",
                metrics=[
                    {
                        "Id": "rate",
                        "Expression": "IF(requests > 0, 100 * errors / requests, 0)",
                        "Label": "target 5xx, % of requests",
                        "ReturnData": True,
                    },
                    stat("errors", "HTTPCode_Target_5XX_Count"),
                    stat("requests", "RequestCount"),
                ],
                evaluation_periods=evaluation_periods,
                datapoints_to_alarm=datapoints,
            )
        )
        latency = t["alb_p99_latency_ms"]
        alarms.append(
            _alarm(
                prefix,
                "alb-p99-latency",
                key,
                f"ALB {lb['name']}: p99 target response time above {latency} ms",
                round(latency / 1000.0, 6),
                "GreaterThanThreshold",
                **simple("AWS/ApplicationELB", "TargetResponseTime", dims, "p99"),
            )
        )
    for cluster in r.get("db_clusters", []):
        key = _strip(cluster["identifier"], prefix)
        dims = [{"Name": "DBClusterIdentifier", "Value": cluster["identifier"]}]
        cpu = t["aurora_cpu_percent"]
        alarms.append(
            _alarm(
                prefix,
                "aurora-cpu",
                key,
                f"Aurora {cluster['identifier']}: CPU above {cpu}%",
                cpu,
                "GreaterThanThreshold",
                **simple("AWS/RDS", "CPUUtilization", dims, "Average"),
            )
        )
        memory = t["aurora_freeable_memory_mb"]
        alarms.append(
            _alarm(
                prefix,
                "aurora-freeable-memory",
                key,
                f"Aurora {cluster['identifier']}: freeable memory below {memory} MiB",
                memory * 1024 * 1024,
                "LessThanThreshold",
                **simple("AWS/RDS", "FreeableMemory", dims, "Minimum"),
            )
        )
    for group in r.get("cache_replication_groups", []):
        for member in group.get("member_clusters", []):
            key = _strip(member, prefix)
            dims = [{"Name": "CacheClusterId", "Value": member}]
            cpu = t["redis_cpu_percent"]
            alarms.append(
                _alarm(
                    prefix,
                    "redis-cpu",
                    key,
                    f"Redis {member} ({group['id']}): engine CPU above {cpu}%",
                    cpu,
                    "GreaterThanThreshold",
                    **simple("AWS/ElastiCache", "EngineCPUUtilization", dims, "Average"),
                )
            )
            memory = t["redis_memory_percent"]
            alarms.append(
                _alarm(
                    prefix,
                    "redis-memory",
                    key,
                    f"Redis {member} ({group['id']}): memory used above {memory}%",
                    memory,
                    "GreaterThanThreshold",
                    **simple("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", dims, "Average"),
                )
            )
    for cluster in r.get("eks_clusters", []):
        for node_group in cluster.get("node_groups", []):
            for asg in node_group.get("autoscaling_groups", []):
                key = node_group["name"]
                cpu = t["node_cpu_percent"]
                # An EKS managed node group's Auto Scaling group is eks-<node group>-<id>: the id tells two apart.
                tails[len(alarms)] = _tail(asg, f"eks-{key}-")
                which = f" ({asg})" if len(node_group["autoscaling_groups"]) > 1 else ""
                alarms.append(
                    _alarm(
                        prefix,
                        "eks-node-cpu",
                        key,
                        f"EKS {cluster['name']} node group {node_group['name']}{which}: node CPU above {cpu}%",
                        cpu,
                        "GreaterThanThreshold",
                        **simple(
                            "AWS/EC2",
                            "CPUUtilization",
                            [{"Name": "AutoScalingGroupName", "Value": asg}],
                            "Average",
                        ),
                    )
                )
    for stream in r.get("kinesis_streams", []):
        key = _strip(stream["name"], prefix)
        dims = [{"Name": "StreamName", "Value": stream["name"]}]
        age = t["kinesis_iterator_age_ms"]
        alarms.append(
            _alarm(
                prefix,
                "kinesis-iterator-age",
                key,
                f"Kinesis {stream['name']}: the oldest unread record is older than {age} ms (a consumer falls behind)",
                age,
                "GreaterThanThreshold",
                **simple("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", dims, "Maximum"),
            )
        )
        throttled = t["kinesis_throttled_records"]
        for kind, metric, what in (
            ("kinesis-write-throttles", "WriteProvisionedThroughputExceeded", "writes"),
            ("kinesis-read-throttles", "ReadProvisionedThroughputExceeded", "reads"),
        ):
            alarms.append(
                _alarm(
                    prefix,
                    kind,
                    key,
                    f"Kinesis {stream['name']}: more than {throttled} {what} throttled (it needs more capacity)",
                    throttled,
                    "GreaterThanThreshold",
                    **simple("AWS/Kinesis", metric, dims, "Sum"),
                )
            )
    for table in r.get("dynamodb_tables", []):
        key = _strip(table["name"], prefix)
        dims = [{"Name": "TableName", "Value": table["name"]}]
        throttled = t["dynamodb_throttle_events"]
        for kind, metric, what in (
            ("dynamodb-read-throttles", "ReadThrottleEvents", "reads"),
            ("dynamodb-write-throttles", "WriteThrottleEvents", "writes"),
        ):
            alarms.append(
                _alarm(
                    prefix,
                    kind,
                    key,
                    f"DynamoDB {table['name']}: more than {throttled} {what} throttled",
                    throttled,
                    "GreaterThanThreshold",
                    **simple("AWS/DynamoDB", metric, dims, "Sum"),
                )
            )
        errors = t["dynamodb_system_errors"]
        operations = [
            {
                "Id": f"op{index}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/DynamoDB",
                        "MetricName": "SystemErrors",
                        "Dimensions": [*dims, {"Name": "Operation", "Value": operation}],
                    },
                    "Period": period,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            }
            for index, operation in enumerate(DYNAMODB_OPERATIONS)
        ]
        alarms.append(
            _alarm(
                prefix,
                "dynamodb-system-errors",
                key,
                f"DynamoDB {table['name']}: more than {errors} requests failed by DynamoDB (HTTP 500)",
                errors,
                "GreaterThanThreshold",
                metrics=[
                    {
                        "Id": "errors",
                        "Expression": "SUM(METRICS())",
                        "Label": "system errors, all operations",
                        "ReturnData": True,
                    },
                    *operations,
                ],
                evaluation_periods=evaluation_periods,
                datapoints_to_alarm=datapoints,
            )
        )
    for nat in r.get("nat_gateways", []):
        drops = t["nat_packet_drops"]
        tails[len(alarms)] = _tail(nat["id"], "nat-")
        alarms.append(
            _alarm(
                prefix,
                "nat-packet-drops",
                nat.get("availability_zone") or nat["id"],
                f"NAT gateway {nat['id']} ({nat.get('availability_zone', '')}): more than {drops} packets dropped",
                drops,
                "GreaterThanThreshold",
                **simple("AWS/NATGateway", "PacketsDropCount", [{"Name": "NatGatewayId", "Value": nat["id"]}], "Sum"),
            )
        )
    _disambiguate(alarms, tails)
    return alarms


def compliance_dashboard(alarms, region, title):
    """A CloudWatch dashboard body with one graph per alarm, its threshold drawn on it."""
    widgets = [
        {
            "type": "text",
            "x": 0,
            "y": 0,
            "width": 24,
            "height": 2,
            "properties": {"markdown": f"# {title}\nOne graph per alarm; the red line is the alarm's threshold."},
        }
    ]
    for index, alarm in enumerate(alarms or []):
        threshold = alarm["threshold"]
        if alarm.get("metrics"):
            metrics = []
            for query in alarm["metrics"]:
                if "Expression" in query:
                    metrics.append(
                        [{"expression": query["Expression"], "label": query.get("Label", ""), "id": query["Id"]}]
                    )
                else:
                    metric = query["MetricStat"]["Metric"]
                    row = [metric["Namespace"], metric["MetricName"]]
                    for dim in metric.get("Dimensions", []):
                        row += [dim["Name"], dim["Value"]]
                    row.append({"id": query["Id"], "stat": query["MetricStat"]["Stat"], "visible": False})
                    metrics.append(row)
            period = alarm["metrics"][1]["MetricStat"]["Period"] if len(alarm["metrics"]) > 1 else 60
            stat = "Sum"
        else:
            row = [alarm["namespace"], alarm["metric_name"]]
            for dim in alarm.get("dimensions", []):
                row += [dim["Name"], dim["Value"]]
            metrics = [row]
            period = alarm["period"]
            stat = alarm.get("extended_statistic") or alarm.get("statistic")
        widgets.append(
            {
                "type": "metric",
                "x": 12 * (index % 2),
                "y": 2 + 6 * (index // 2),
                "width": 12,
                "height": 6,
                "properties": {
                    "title": alarm["name"],
                    "region": region,
                    "view": "timeSeries",
                    "stat": stat,
                    "period": period,
                    "metrics": metrics,
                    "annotations": {
                        "horizontal": [{"label": "alarm threshold", "value": threshold, "color": "#d62728"}]
                    },
                },
            }
        )
    return {"widgets": widgets}


def compliance_config_rules(catalogue, prefix, excluded=None, parameters=None):
    """The AWS Config managed rules wanted: the maintained catalogue minus exclusions, with
    parameter overrides, each named after the environment."""
    excluded = set(excluded or [])
    parameters = parameters or {}
    rules = []
    for rule in catalogue or []:
        if rule["name"] in excluded:
            continue
        wanted = {
            "name": f"{prefix}-{rule['name']}",
            "source_identifier": rule["identifier"],
            "description": rule.get("description", ""),
            "input_parameters": dict(rule.get("parameters") or {}, **parameters.get(rule["name"], {})),
        }
        if rule.get("resource_types"):
            wanted["resource_types"] = list(rule["resource_types"])
        if rule.get("periodic"):
            wanted["maximum_execution_frequency"] = rule["periodic"]
        rules.append(wanted)
    return rules


def _parameter_text(value):
    """A Config rule parameter as Config takes it, a string: YAML may have given a number, a boolean or a
    list (a managed rule takes a list comma-separated, as approved-amis-by-id's amiIds)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return ",".join(_parameter_text(item) for item in value)
    return str(value)


def compliance_conformance_pack_template(rules):
    """A conformance pack (CloudFormation) template holding the Config rules given, in the shape
    compliance_config_rules returns."""
    resources = {}
    for rule in rules or []:
        logical_id = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule["name"]) if part)
        properties = {
            "ConfigRuleName": rule["name"],
            "Description": rule.get("description", ""),
            "Source": {"Owner": "AWS", "SourceIdentifier": rule["source_identifier"]},
        }
        if rule.get("input_parameters"):
            properties["InputParameters"] = {k: _parameter_text(v) for k, v in rule["input_parameters"].items()}
        if rule.get("resource_types"):
            properties["Scope"] = {"ComplianceResourceTypes": list(rule["resource_types"])}
        if rule.get("maximum_execution_frequency"):
            properties["MaximumExecutionFrequency"] = rule["maximum_execution_frequency"]
        resources[logical_id] = {"Type": "AWS::Config::ConfigRule", "Properties": properties}
    return {"Resources": resources}


def compliance_validation_errors(v):
    """Every problem with the compliance role's inputs, each naming the variable and the environment."""
    env = v.get("trading_env")
    where = f"in environment '{env}'"
    errors = []

    def err(var, text):
        errors.append(f"{var} {where}: {text}")

    name = v.get("compliance_name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        err(
            "compliance_name",
            f"{name!r} must be 1-40 letters, digits and hyphens, starting and ending with a letter or digit",
        )

    emails = v.get("compliance_alert_emails")
    if not isinstance(emails, (str, list)):
        err("compliance_alert_emails", "must be an e-mail address or a list of them")
        emails = []
    for email in _emails(emails):
        if not isinstance(email, str) or len(email) > 254 or not EMAIL_RE.match(email):
            err("compliance_alert_emails", f"{email!r} is not an e-mail address")

    retention = v.get("compliance_log_retention_days")
    if _int(retention) not in LOG_RETENTION_DAYS:
        err(
            "compliance_log_retention_days",
            f"{retention!r} is not a retention CloudWatch Logs accepts ({', '.join(map(str, LOG_RETENTION_DAYS))})",
        )
    groups = v.get("compliance_log_groups")
    if not isinstance(groups, list):
        err("compliance_log_groups", "must be a list of {name, retention_days}")
        groups = []
    seen = set()
    for index, group in enumerate(groups):
        gname = group.get("name") if isinstance(group, dict) else None
        if not isinstance(gname, str) or not LOG_GROUP_RE.match(gname) or "//" in gname:
            err(f"compliance_log_groups[{index}].name", f"{gname!r} must be letters, digits and _-/.# (at most 64)")
        elif gname in seen:
            err(f"compliance_log_groups[{index}].name", f"{gname!r} is listed twice")
        seen.add(gname)
        if (
            isinstance(group, dict)
            and "retention_days" in group
            and _int(group["retention_days"]) not in LOG_RETENTION_DAYS
        ):
            err(
                f"compliance_log_groups[{index}].retention_days",
                f"{group['retention_days']!r} is not a retention CloudWatch Logs accepts",
            )

    thresholds = v.get("compliance_alarm_thresholds")
    if not isinstance(thresholds, dict):
        err("compliance_alarm_thresholds", "must be a mapping of threshold name to number")
        thresholds = {}
    for key, value in thresholds.items():
        if key not in THRESHOLDS:
            err(f"compliance_alarm_thresholds.{key}", f"unknown threshold; known: {', '.join(sorted(THRESHOLDS))}")
            continue
        low, high, what = THRESHOLDS[key]
        if _number(value) is None or not low <= value <= high:
            err(f"compliance_alarm_thresholds.{key}", f"{value!r} must be a number from {low} to {high} ({what})")
    period = v.get("compliance_alarm_period")
    if _int(period) not in PERIODS:
        err("compliance_alarm_period", f"{period!r} must be one of {', '.join(map(str, PERIODS))} seconds")
    evaluation = v.get("compliance_alarm_evaluation_periods")
    datapoints = v.get("compliance_alarm_datapoints")
    if _int(evaluation) is None or not 1 <= evaluation <= 100:
        err("compliance_alarm_evaluation_periods", f"{evaluation!r} must be an integer from 1 to 100")
    elif _int(datapoints) is None or not 1 <= datapoints <= evaluation:
        err(
            "compliance_alarm_datapoints",
            f"{datapoints!r} must be an integer from 1 to compliance_alarm_evaluation_periods ({evaluation})",
        )
    elif _int(period) in PERIODS and period * evaluation > 86400:
        err(
            "compliance_alarm_evaluation_periods",
            f"{evaluation} periods of {period} s exceed the one day an alarm may look back",
        )

    if v.get("compliance_config_enabled"):
        if v.get("compliance_config_delivery_frequency") not in DELIVERY_FREQUENCIES:
            err(
                "compliance_config_delivery_frequency",
                f"{v.get('compliance_config_delivery_frequency')!r} must be one of {', '.join(DELIVERY_FREQUENCIES)}",
            )
        home = v.get("compliance_config_global_resources_region")
        if not isinstance(home, str) or not REGION_RE.match(home):
            err("compliance_config_global_resources_region", f"{home!r} is not a region name")
        elif unknown_region(home):
            err("compliance_config_global_resources_region", f"{home!r} is not an AWS region")
        known = {rule["name"] for rule in v.get("compliance_config_rule_catalogue") or []}
        for rule in v.get("compliance_config_rules_excluded") or []:
            if rule not in known:
                err(
                    "compliance_config_rules_excluded",
                    f"{rule!r} is not in the role's rule list ({', '.join(sorted(known))})",
                )
        overrides = v.get("compliance_config_rule_parameters")
        if not isinstance(overrides, dict):
            err("compliance_config_rule_parameters", "must be a mapping of rule name to parameters")
            overrides = {}
        for rule, params in overrides.items():
            if rule not in known:
                err(f"compliance_config_rule_parameters.{rule}", "is not in the role's rule list")
            elif not isinstance(params, dict):
                err(f"compliance_config_rule_parameters.{rule}", "must be a mapping of parameter name to value")
        transition = v.get("compliance_config_bucket_transition_days")
        expiration = v.get("compliance_config_bucket_expiration_days")
        if _int(transition) is None or transition < 30:
            err("compliance_config_bucket_transition_days", f"{transition!r} must be an integer of at least 30")
        elif _int(expiration) is None or expiration <= transition:
            err(
                "compliance_config_bucket_expiration_days",
                f"{expiration!r} must be an integer above compliance_config_bucket_transition_days ({transition})",
            )
        if v.get("compliance_config_bucket_transition_storage_class") not in STORAGE_CLASSES:
            err("compliance_config_bucket_transition_storage_class", f"must be one of {', '.join(STORAGE_CLASSES)}")
    if v.get("compliance_config_enabled") or v.get("compliance_cloudtrail_enabled"):
        noncurrent = v.get("compliance_config_bucket_noncurrent_days")
        if _int(noncurrent) is None or noncurrent < 1:
            err("compliance_config_bucket_noncurrent_days", f"{noncurrent!r} must be a positive number of days")
        kept = v.get("compliance_access_logs_expiration_days")
        if _int(kept) is None or kept < 1:
            err("compliance_access_logs_expiration_days", f"{kept!r} must be a positive number of days")
        lock = v.get("compliance_config_bucket_object_lock")
        if lock and not lock.get("mode"):
            err("compliance_config_bucket_object_lock", f"{lock!r} needs a mode (COMPLIANCE or GOVERNANCE)")
        elif lock:
            periods = {k: lock.get(k) for k in ("days", "years") if lock.get(k) is not None}
            if len(periods) != 1 or any(_int(n) is None or n < 1 for n in periods.values()):
                err(
                    "compliance_config_bucket_object_lock",
                    f"{lock!r} needs exactly one of days or years, a positive integer",
                )
            else:
                days = periods.get("days") or 365 * periods.get("years")
                expiration = v.get("compliance_config_bucket_expiration_days")
                if _int(expiration) is not None and days > expiration:
                    err(
                        "compliance_config_bucket_object_lock",
                        f"locks objects {days} days, longer than compliance_config_bucket_expiration_days "
                        f"({expiration}): the lifecycle could not expire them",
                    )

    standards = v.get("compliance_securityhub_standards")
    if not isinstance(standards, list):
        err("compliance_securityhub_standards", "must be a list of standard names")
        standards = []
    for standard in standards:
        if standard not in STANDARDS and not (isinstance(standard, str) and standard.startswith("arn:aws")):
            err(
                "compliance_securityhub_standards",
                f"{standard!r} is not a known standard ({', '.join(STANDARDS)}) or an ARN",
            )
    if v.get("compliance_securityhub_enabled") and not standards:
        err("compliance_securityhub_standards", "Security Hub is enabled with no standard")

    if v.get("compliance_guardduty_enabled"):
        frequency = v.get("compliance_guardduty_finding_frequency")
        if frequency not in GUARDDUTY_FREQUENCIES:
            err(
                "compliance_guardduty_finding_frequency",
                f"{frequency!r} must be one of {', '.join(GUARDDUTY_FREQUENCIES)}",
            )
        features = v.get("compliance_guardduty_features")
        if not isinstance(features, list):
            err("compliance_guardduty_features", "must be a list of GuardDuty feature names")
            features = []
        for feature in features:
            if feature not in GUARDDUTY_FEATURES:
                err(
                    "compliance_guardduty_features",
                    f"{feature!r} is not a GuardDuty feature ({', '.join(GUARDDUTY_FEATURES)})",
                )
        severity = v.get("compliance_guardduty_alert_severity")
        if _number(severity) is None or not 1 <= severity <= 8.9:
            err("compliance_guardduty_alert_severity", f"{severity!r} must be a number from 1 to 8.9")

    if v.get("compliance_budget_enabled"):
        amount = v.get("compliance_budget_monthly_usd")
        if _number(amount) is None or amount <= 0:
            err("compliance_budget_monthly_usd", f"{amount!r} must be a positive number")
        percents = v.get("compliance_budget_alert_percents")
        if (
            not isinstance(percents, list)
            or not percents
            or any(_number(p) is None or not 0 < p <= 1000 for p in percents)
        ):
            err(
                "compliance_budget_alert_percents",
                f"{percents!r} must be a list of percentages, each more than 0 and at most 1000",
            )

    # The account's IAM password policy (iam_account_password_policy): IAM's ranges, and in prod the
    # CIS AWS Foundations values (1.8: 14 characters or more; 1.9: the last 24 passwords).
    password = v.get("compliance_password_policy", {})
    if not isinstance(password, dict):
        err("compliance_password_policy", "must be a mapping of setting to value")
        password = {}
    wanted_password = dict(PASSWORD_POLICY, **password)
    for key, value in password.items():
        if key not in PASSWORD_POLICY:
            err(f"compliance_password_policy.{key}", f"unknown setting; known: {', '.join(sorted(PASSWORD_POLICY))}")
        elif key in PASSWORD_RANGES:
            low, high, off = PASSWORD_RANGES[key]
            if _int(value) is None or not (low <= value <= high or (off and value == 0)):
                allowed = f"{low} to {high}" + (" (or 0 for none)" if off else "")
                err(f"compliance_password_policy.{key}", f"{value!r} must be a whole number from {allowed}")
        elif not isinstance(value, bool):
            err(f"compliance_password_policy.{key}", f"{value!r} must be true or false")

    headers = v.get("compliance_waf_redacted_headers", [])
    if not isinstance(headers, list) or not all(isinstance(h, str) and HEADER_RE.match(h) for h in headers):
        err("compliance_waf_redacted_headers", f"{headers!r} must be a list of lower-case HTTP header names")

    if is_production(v):
        if v.get("compliance_password_policy_enabled") is True:
            length, reuse = wanted_password.get("minimum_length"), wanted_password.get("reuse_prevention")
            if _int(length) is not None and length < 14:
                err("compliance_password_policy.minimum_length", f"{length} is below CIS 1.8's 14 characters in prod")
            if _int(reuse) is not None and reuse < 24:
                err("compliance_password_policy.reuse_prevention", f"{reuse} is below CIS 1.9's 24 passwords in prod")
        if not _emails(emails):
            err("compliance_alert_emails", "prod needs at least one address to alert")
        for flag in (
            "compliance_alarms_enabled",
            "compliance_config_enabled",
            "compliance_securityhub_enabled",
            "compliance_cloudtrail_enabled",
            "compliance_cis_alarms_enabled",
            "compliance_waf_logging_enabled",
            "compliance_rds_events_enabled",
        ):
            if not v.get(flag):
                err(flag, "must be true in prod")
        if _int(retention) in LOG_RETENTION_DAYS and retention < 365:
            err("compliance_log_retention_days", f"{retention} days is too short for prod (at least 365)")
        lock = v.get("compliance_config_bucket_object_lock")
        if not isinstance(lock, dict) or lock.get("mode") != "COMPLIANCE":
            err(
                "compliance_config_bucket_object_lock",
                "prod's audit bucket needs Object Lock in COMPLIANCE mode (the audit trail is write-once)",
            )
        kept = v.get("compliance_access_logs_expiration_days")
        if _int(kept) is not None and kept < 365:
            err("compliance_access_logs_expiration_days", f"{kept} days is too short for prod (at least 365)")
        for index, group in enumerate(groups):
            days = group.get("retention_days") if isinstance(group, dict) else None
            if _int(days) in LOG_RETENTION_DAYS and days < 365:
                err(
                    f"compliance_log_groups[{index}].retention_days",
                    f"{days} days is too short for prod (at least 365)",
                )
    return errors


class FilterModule:
    def filters(self):
        return {
            "compliance_alarms": compliance_alarms,
            "compliance_dashboard": compliance_dashboard,
            "compliance_config_rules": compliance_config_rules,
            "compliance_conformance_pack_template": compliance_conformance_pack_template,
            "compliance_validation_errors": compliance_validation_errors,
        }
