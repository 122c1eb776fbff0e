"""The compliance role's filters: alarms from what exists, the dashboard, Config rules, validation."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.filter.compliance import (
    compliance_alarms,
    compliance_config_rules,
    compliance_conformance_pack_template,
    compliance_dashboard,
    compliance_validation_errors,
)

THRESHOLDS = {
    "alb_5xx_rate_percent": 1,
    "alb_p99_latency_ms": 250,
    "aurora_cpu_percent": 70,
    "aurora_freeable_memory_mb": 512,
    "redis_cpu_percent": 65,
    "redis_memory_percent": 80,
    "node_cpu_percent": 75,
    "nat_packet_drops": 100,
}
RESOURCES = {
    "load_balancers": [{"name": "trading-dev", "arn_suffix": "app/trading-dev/0123456789abcdef"}],
    "db_clusters": [{"identifier": "trading-dev-aurora"}],
    "cache_replication_groups": [
        {"id": "trading-dev-redis", "member_clusters": ["trading-dev-redis-001", "trading-dev-redis-002"]}
    ],
    "eks_clusters": [
        {"name": "trading-dev", "node_groups": [{"name": "general", "autoscaling_groups": ["eks-general-abc"]}]}
    ],
    "nat_gateways": [
        {"id": "nat-1", "availability_zone": "us-east-1a"},
        {"id": "nat-2", "availability_zone": "us-east-1b"},
    ],
}


def by_name(alarms):
    return {a["name"]: a for a in alarms}


def test_one_alarm_per_metric_and_component_named_after_the_environment():
    alarms = by_name(compliance_alarms(RESOURCES, THRESHOLDS, "trading-dev", 60, 5, 3))
    assert sorted(alarms) == [
        "trading-dev-alb-5xx-rate",
        "trading-dev-alb-p99-latency",
        "trading-dev-aurora-cpu-aurora",
        "trading-dev-aurora-freeable-memory-aurora",
        "trading-dev-eks-node-cpu-general",
        "trading-dev-nat-packet-drops-us-east-1a",
        "trading-dev-nat-packet-drops-us-east-1b",
        "trading-dev-redis-cpu-redis-001",
        "trading-dev-redis-cpu-redis-002",
        "trading-dev-redis-memory-redis-001",
        "trading-dev-redis-memory-redis-002",
    ]
    assert all(a["treat_missing_data"] == "notBreaching" for a in alarms.values())


def test_alarm_units_and_directions():
    alarms = by_name(compliance_alarms(RESOURCES, THRESHOLDS, "trading-dev", 60, 5, 3))
    latency = alarms["trading-dev-alb-p99-latency"]
    # TargetResponseTime is in seconds: 250 ms -> 0.25, as a p99 extended statistic.
    assert latency["threshold"] == 0.25 and latency["extended_statistic"] == "p99" and "statistic" not in latency
    assert latency["dimensions"] == [{"Name": "LoadBalancer", "Value": "app/trading-dev/0123456789abcdef"}]
    memory = alarms["trading-dev-aurora-freeable-memory-aurora"]
    assert memory["threshold"] == 512 * 1024 * 1024 and memory["comparison_operator"] == "LessThanThreshold"
    assert memory["statistic"] == "Minimum"
    redis = alarms["trading-dev-redis-cpu-redis-002"]
    assert redis["metric_name"] == "EngineCPUUtilization" and redis["threshold"] == 65
    assert redis["dimensions"] == [{"Name": "CacheClusterId", "Value": "trading-dev-redis-002"}]
    node = alarms["trading-dev-eks-node-cpu-general"]
    assert node["dimensions"] == [{"Name": "AutoScalingGroupName", "Value": "eks-general-abc"}]
    assert (node["period"], node["evaluation_periods"], node["datapoints_to_alarm"]) == (60, 5, 3)


def test_5xx_alarm_is_a_rate_of_requests_not_a_count():
    rate = by_name(compliance_alarms(RESOURCES, THRESHOLDS, "trading-dev"))["trading-dev-alb-5xx-rate"]
    assert "metric_name" not in rate and rate["threshold"] == 1
    returned = [m for m in rate["metrics"] if m.get("ReturnData")]
    assert len(returned) == 1 and "errors / requests" in returned[0]["Expression"]
    assert {m["MetricStat"]["Metric"]["MetricName"] for m in rate["metrics"] if "MetricStat" in m} == {
        "HTTPCode_Target_5XX_Count",
        "RequestCount",
    }


def test_alarms_of_a_node_group_with_two_auto_scaling_groups_and_a_zone_with_two_nat_gateways_do_not_collide():
    resources = {
        "eks_clusters": [
            {
                "name": "trading-dev",
                "node_groups": [
                    {"name": "general", "autoscaling_groups": ["eks-general-1a2b", "eks-general-3c4d"]},
                    {"name": "batch", "autoscaling_groups": ["eks-batch-5e6f"]},
                    # A name the short tail would give already: the whole Auto Scaling group's name then.
                    {"name": "general-1a2b", "autoscaling_groups": ["eks-general-1a2b-7a8b"]},
                ],
            }
        ],
        "nat_gateways": [
            {"id": "nat-0bbb", "availability_zone": "us-east-1a"},
            {"id": "nat-0aaa", "availability_zone": "us-east-1a"},
            {"id": "nat-0ccc", "availability_zone": "us-east-1b"},
        ],
    }
    alarms = compliance_alarms(resources, THRESHOLDS, "trading-dev")
    names = [a["name"] for a in alarms]
    assert len(set(names)) == len(names) == 7, names
    assert {a["name"]: a["dimensions"][0]["Value"] for a in alarms} == {
        "trading-dev-eks-node-cpu-general-eks-general-1a2b": "eks-general-1a2b",
        "trading-dev-eks-node-cpu-general-3c4d": "eks-general-3c4d",
        # Alone of their names: as before, so a converged environment keeps its alarms.
        "trading-dev-eks-node-cpu-batch": "eks-batch-5e6f",
        "trading-dev-eks-node-cpu-general-1a2b": "eks-general-1a2b-7a8b",
        "trading-dev-nat-packet-drops-us-east-1a-0bbb": "nat-0bbb",
        "trading-dev-nat-packet-drops-us-east-1a-0aaa": "nat-0aaa",
        "trading-dev-nat-packet-drops-us-east-1b": "nat-0ccc",
    }
    assert "(eks-general-3c4d)" in next(a for a in alarms if a["name"].endswith("general-3c4d"))["description"]
    # The names depend on the resources, not on the order they were found in.
    again = compliance_alarms(
        {
            "eks_clusters": [
                dict(resources["eks_clusters"][0], node_groups=resources["eks_clusters"][0]["node_groups"][::-1])
            ],
            "nat_gateways": resources["nat_gateways"][::-1],
        },
        THRESHOLDS,
        "trading-dev",
    )
    assert {a["name"]: a["dimensions"] for a in again} == {a["name"]: a["dimensions"] for a in alarms}


def test_nothing_exists_nothing_alarmed():
    assert compliance_alarms({}, THRESHOLDS, "trading-dev") == []
    assert compliance_alarms({"nat_gateways": []}, THRESHOLDS, "trading-dev") == []


def test_dashboard_draws_every_alarm_with_its_threshold():
    alarms = compliance_alarms(RESOURCES, THRESHOLDS, "trading-dev", 300, 3, 2)
    body = compliance_dashboard(alarms, "eu-west-1", "trading dev")
    graphs = [w for w in body["widgets"] if w["type"] == "metric"]
    assert [g["properties"]["title"] for g in graphs] == [a["name"] for a in alarms]
    assert all(g["properties"]["region"] == "eu-west-1" for g in graphs)
    for graph, alarm in zip(graphs, alarms, strict=True):
        assert graph["properties"]["annotations"]["horizontal"][0]["value"] == alarm["threshold"]
        assert graph["properties"]["period"] == 300
    # Two graphs a row, no overlap.
    assert len({(g["x"], g["y"]) for g in graphs}) == len(graphs)
    rate = graphs[0]["properties"]
    assert rate["metrics"][0][0]["expression"].startswith("IF(") and rate["metrics"][1][-1]["visible"] is False


CATALOGUE = [
    {"name": "iam-password-policy", "identifier": "IAM_PASSWORD_POLICY", "parameters": {"MinimumPasswordLength": "14"}},
    {"name": "restricted-ssh", "identifier": "INCOMING_SSH_DISABLED", "resource_types": ["AWS::EC2::SecurityGroup"]},
    {"name": "root-account-mfa-enabled", "identifier": "ROOT_ACCOUNT_MFA_ENABLED", "periodic": "TwentyFour_Hours"},
]


def test_config_rules_exclusions_and_parameter_overrides():
    rules = compliance_config_rules(
        CATALOGUE,
        "trading-dev",
        excluded=["restricted-ssh"],
        parameters={"iam-password-policy": {"MaxPasswordAge": "90"}},
    )
    assert [r["name"] for r in rules] == ["trading-dev-iam-password-policy", "trading-dev-root-account-mfa-enabled"]
    assert rules[0]["input_parameters"] == {"MinimumPasswordLength": "14", "MaxPasswordAge": "90"}
    assert rules[1]["maximum_execution_frequency"] == "TwentyFour_Hours" and "resource_types" not in rules[1]
    # The catalogue itself is not changed by an override.
    assert CATALOGUE[0]["parameters"] == {"MinimumPasswordLength": "14"}


def test_conformance_pack_template_holds_every_rule_with_string_parameters():
    rules = compliance_config_rules(
        CATALOGUE, "trading-dev", parameters={"iam-password-policy": {"RequireSymbols": True}}
    )
    template = compliance_conformance_pack_template(rules)
    resources = template["Resources"]
    assert sorted(resources) == [
        "TradingDevIamPasswordPolicy",
        "TradingDevRestrictedSsh",
        "TradingDevRootAccountMfaEnabled",
    ]
    policy = resources["TradingDevIamPasswordPolicy"]
    assert policy["Type"] == "AWS::Config::ConfigRule"
    assert policy["Properties"]["InputParameters"] == {"MinimumPasswordLength": "14", "RequireSymbols": "true"}
    ssh = resources["TradingDevRestrictedSsh"]["Properties"]
    assert ssh["Source"] == {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}
    assert ssh["Scope"] == {"ComplianceResourceTypes": ["AWS::EC2::SecurityGroup"]} and "InputParameters" not in ssh
    assert resources["TradingDevRootAccountMfaEnabled"]["Properties"]["MaximumExecutionFrequency"] == "TwentyFour_Hours"


def test_conformance_pack_parameters_are_the_strings_config_takes():
    rules = compliance_config_rules(
        [{"name": "approved-amis", "identifier": "APPROVED_AMIS_BY_ID"}],
        "trading-dev",
        parameters={
            "approved-amis": {
                "amiIds": ["ami-0aaa", "ami-0bbb"],
                "ports": [443, 8443],
                "flags": [True, False],
                "strict": False,
                "maxAge": 90,
                "ratio": 0.5,
                "single": ["ami-0ccc"],
                "text": "as it is",
            }
        },
    )
    params = compliance_conformance_pack_template(rules)["Resources"]["TradingDevApprovedAmis"]["Properties"][
        "InputParameters"
    ]
    assert params == {
        "amiIds": "ami-0aaa,ami-0bbb",
        "ports": "443,8443",
        "flags": "true,false",
        "strict": "false",
        "maxAge": "90",
        "ratio": "0.5",
        "single": "ami-0ccc",
        "text": "as it is",
    }


def good(**overrides):
    v = {
        "trading_env": "dev",
        "trading_tier": "non-production",
        "compliance_name": "trading-dev",
        "compliance_alert_emails": ["oncall@example.com"],
        "compliance_log_groups": [{"name": "application"}, {"name": "audit", "retention_days": 2557}],
        "compliance_log_retention_days": 30,
        "compliance_alarms_enabled": True,
        "compliance_alarm_thresholds": dict(THRESHOLDS),
        "compliance_alarm_period": 60,
        "compliance_alarm_evaluation_periods": 5,
        "compliance_alarm_datapoints": 3,
        "compliance_config_enabled": True,
        "compliance_config_global_resources_region": "us-east-1",
        "compliance_config_delivery_frequency": "TwentyFour_Hours",
        "compliance_config_bucket_transition_days": 90,
        "compliance_config_bucket_transition_storage_class": "GLACIER_IR",
        "compliance_config_bucket_expiration_days": 2557,
        "compliance_config_bucket_noncurrent_days": 90,
        "compliance_config_bucket_object_lock": {},
        "compliance_access_logs_expiration_days": 365,
        "compliance_config_rule_catalogue": CATALOGUE,
        "compliance_config_rules_excluded": [],
        "compliance_config_rule_parameters": {},
        "compliance_securityhub_enabled": True,
        "compliance_securityhub_standards": ["cis-1.4", "fsbp"],
        "compliance_guardduty_enabled": True,
        "compliance_guardduty_finding_frequency": "FIFTEEN_MINUTES",
        "compliance_guardduty_features": ["S3_DATA_EVENTS", "RUNTIME_MONITORING"],
        "compliance_guardduty_alert_severity": 7,
        "compliance_budget_enabled": True,
        "compliance_budget_monthly_usd": 1000,
        "compliance_budget_alert_percents": [80, 100],
        "compliance_cloudtrail_enabled": True,
        "compliance_cis_alarms_enabled": True,
        "compliance_waf_logging_enabled": True,
        "compliance_rds_events_enabled": True,
        "compliance_waf_redacted_headers": ["authorization", "cookie"],
        "compliance_password_policy_enabled": True,
        "compliance_password_policy": {},
    }
    v.update(overrides)
    return v


PROD = {
    "trading_env": "prod",
    "compliance_name": "trading-prod",
    "compliance_log_retention_days": 365,
    "compliance_config_bucket_object_lock": {"mode": "COMPLIANCE", "days": 365},
}


def test_the_budget_percents_message_says_the_range_checked():
    # 0.5 % is accepted, so the message cannot say "from 1".
    assert compliance_validation_errors(good(compliance_budget_alert_percents=[0.5, 1000])) == []
    for percents in ([0, 100], [80, 1001]):
        assert compliance_validation_errors(good(compliance_budget_alert_percents=percents)) == [
            f"compliance_budget_alert_percents in environment 'dev': {percents!r} must be a list of percentages, "
            "each more than 0 and at most 1000"
        ]


def test_good_inputs_pass_in_dev_and_prod():
    assert compliance_validation_errors(good()) == []
    assert compliance_validation_errors(good(**PROD)) == []
    assert compliance_validation_errors(good(compliance_alert_emails="one@example.com")) == []


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"compliance_name": "-bad"}, "compliance_name in environment 'dev': '-bad' must be"),
        ({"compliance_alert_emails": ["not-an-address"]}, "'not-an-address' is not an e-mail address"),
        ({"compliance_alert_emails": {"a": 1}}, "compliance_alert_emails in environment 'dev': must be"),
        ({"compliance_log_retention_days": 45}, "compliance_log_retention_days in environment 'dev': 45 is not"),
        ({"compliance_log_retention_days": True}, "True is not a retention"),
        ({"compliance_log_groups": [{"name": "a"}, {"name": "a"}]}, "compliance_log_groups[1].name"),
        ({"compliance_log_groups": [{"name": "a//b"}]}, "compliance_log_groups[0].name"),
        ({"compliance_log_groups": [{"name": "a", "retention_days": 8}]}, "compliance_log_groups[0].retention_days"),
        ({"compliance_alarm_thresholds": {"cpu": 5}}, "compliance_alarm_thresholds.cpu in environment 'dev': unknown"),
        ({"compliance_alarm_thresholds": {"redis_cpu_percent": 150}}, "150 must be a number from 1 to 100"),
        ({"compliance_alarm_thresholds": {"nat_packet_drops": "10"}}, "'10' must be a number"),
        ({"compliance_alarm_period": 45}, "compliance_alarm_period in environment 'dev': 45 must be one of"),
        ({"compliance_alarm_datapoints": 6}, "compliance_alarm_datapoints in environment 'dev': 6 must be"),
        ({"compliance_alarm_period": 3600, "compliance_alarm_evaluation_periods": 48}, "exceed the one day"),
        ({"compliance_config_delivery_frequency": "Daily"}, "compliance_config_delivery_frequency"),
        ({"compliance_config_global_resources_region": "moon"}, "'moon' is not a region name"),
        ({"compliance_config_rules_excluded": ["no-such-rule"]}, "'no-such-rule' is not in the role's rule list"),
        ({"compliance_config_rule_parameters": {"no-such-rule": {}}}, "rule_parameters.no-such-rule"),
        ({"compliance_config_rule_parameters": {"restricted-ssh": "x"}}, "must be a mapping of parameter"),
        ({"compliance_config_bucket_transition_days": 10}, "must be an integer of at least 30"),
        ({"compliance_config_bucket_expiration_days": 90}, "must be an integer above"),
        ({"compliance_config_bucket_transition_storage_class": "COLD"}, "transition_storage_class"),
        ({"compliance_securityhub_standards": ["cis-9"]}, "'cis-9' is not a known standard"),
        ({"compliance_securityhub_standards": []}, "Security Hub is enabled with no standard"),
        (
            {"compliance_guardduty_enabled": True, "compliance_guardduty_features": ["X"]},
            "'X' is not a GuardDuty feature",
        ),
        (
            {"compliance_guardduty_enabled": True, "compliance_guardduty_finding_frequency": "DAILY"},
            "finding_frequency",
        ),
        ({"compliance_guardduty_enabled": True, "compliance_guardduty_alert_severity": 9.5}, "from 1 to 8.9"),
        ({"compliance_budget_enabled": True, "compliance_budget_monthly_usd": -5}, "must be a positive number"),
        (
            {"compliance_budget_enabled": True, "compliance_budget_alert_percents": []},
            "compliance_budget_alert_percents",
        ),
    ],
)
def test_each_bad_input_is_named_with_its_environment(overrides, fragment):
    errors = compliance_validation_errors(good(**overrides))
    assert any(fragment in e for e in errors), errors


def test_config_checks_skipped_when_config_is_off():
    assert (
        compliance_validation_errors(good(compliance_config_enabled=False, compliance_config_rules_excluded=["x"]))
        == []
    )


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"compliance_alert_emails": []}, "compliance_alert_emails in environment 'prod': prod needs"),
        ({"compliance_log_retention_days": 90}, "90 days is too short for prod"),
        ({"compliance_log_groups": [{"name": "app", "retention_days": 30}]}, "compliance_log_groups[0].retention_days"),
        ({"compliance_alarms_enabled": False}, "compliance_alarms_enabled in environment 'prod': must be true"),
        ({"compliance_config_enabled": False}, "compliance_config_enabled in environment 'prod'"),
        ({"compliance_securityhub_enabled": False}, "compliance_securityhub_enabled in environment 'prod'"),
    ],
)
def test_prod_invariants(overrides, fragment):
    errors = compliance_validation_errors(good(**{**PROD, **overrides}))
    assert any(fragment in e for e in errors), errors
    # The same settings are allowed outside prod.
    assert compliance_validation_errors(good(**overrides)) == []


def test_the_password_policy_checks_follow_the_module_and_cis():
    # The role passes only what an inventory changes: the module's defaults are the preflight's.
    import yaml
    from ansible_collections.ninetynine.trading_infra.plugins.filter import compliance
    from ansible_collections.ninetynine.trading_infra.plugins.modules import iam_account_password_policy as module

    options = yaml.safe_load(module.DOCUMENTATION)["options"]
    assert {k: options[k]["default"] for k in compliance.PASSWORD_POLICY} == compliance.PASSWORD_POLICY
    assert {k: v[:2] for k, v in compliance.PASSWORD_RANGES.items()} == module.RANGES


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"compliance_config_bucket_object_lock": {}}, "needs Object Lock in COMPLIANCE mode"),
        ({"compliance_config_bucket_object_lock": {"mode": "GOVERNANCE", "days": 30}}, "COMPLIANCE mode"),
        ({"compliance_access_logs_expiration_days": 90}, "90 days is too short for prod"),
    ],
)
def test_prod_locks_its_audit_bucket_and_keeps_its_access_logs(overrides, fragment):
    errors = compliance_validation_errors(good(**{**PROD, **overrides}))
    assert any(fragment in e for e in errors), errors


@pytest.mark.parametrize(
    ("lock", "fragment"),
    [
        ({"days": 30}, "needs a mode"),
        ({"mode": "GOVERNANCE", "days": 30, "years": 1}, "exactly one of days or years"),
        ({"mode": "GOVERNANCE", "years": 0}, "exactly one of days or years"),
        ({"mode": "COMPLIANCE", "years": 8}, "longer than compliance_config_bucket_expiration_days (2557)"),
    ],
)
def test_an_audit_lock_aws_or_the_lifecycle_could_not_keep_is_refused(lock, fragment):
    errors = compliance_validation_errors(good(compliance_config_bucket_object_lock=lock))
    assert any(fragment in e for e in errors), errors
