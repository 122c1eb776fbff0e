"""The alb role's target-group and validation filters (pure Python, no AWS)."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.filter.alb import alb_target_groups, alb_validation_errors

DEFAULTS = {
    "protocol": "HTTP",
    "health_check_interval": 15,
    "health_check_timeout": 5,
    "healthy_threshold": 3,
    "unhealthy_threshold": 3,
    "matcher": "200-399",
    "deregistration_delay": 30,
    "host": "",
    "paths": [],
}
GROUPS = [
    {"name": "orders", "port": 8080, "health_check_path": "/healthz", "paths": ["/api/orders/*"]},
    {"name": "ledger", "port": 9090, "health_check_path": "/ready", "host": "ledger.example.com"},
]


def good(**overrides):
    v = {
        "trading_env": "dev",
        "trading_tier": "non-production",
        "trading_aws_region": "us-east-1",
        "alb_name": "trading-dev",
        "alb_ingress_cidrs": ["0.0.0.0/0"],
        "alb_certificate_arn": "",
        "alb_self_signed_domain": "dev.trading.internal",
        "alb_ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "alb_idle_timeout": 60,
        "alb_deletion_protection": False,
        "alb_target_groups": GROUPS,
        "alb_target_group_defaults": DEFAULTS,
        "alb_access_logs_enabled": True,
        "alb_access_logs_prefix": "alb",
        "alb_access_logs_transition_days": 30,
        "alb_access_logs_transition_storage_class": "STANDARD_IA",
        "alb_access_logs_expiration_days": 90,
        "alb_waf_enabled": False,
        "alb_waf_managed_rule_groups": ["AWSManagedRulesCommonRuleSet"],
        "alb_waf_rate_limit": 2000,
    }
    v.update(overrides)
    return v


PROD = {
    "trading_env": "prod",
    "alb_deletion_protection": True,
    "alb_waf_enabled": True,
    "alb_certificate_arn": "arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-4000-8000-000000000000",
}


def test_target_groups_get_defaults_names_and_ordered_rules():
    groups = alb_target_groups(GROUPS, "trading-dev", DEFAULTS)
    assert [g["full_name"] for g in groups] == ["trading-dev-orders", "trading-dev-ledger"]
    assert groups[0]["health_check_interval"] == 15 and groups[1]["port"] == 9090
    assert [g["rule"]["Priority"] for g in groups] == ["10", "20"]
    assert groups[0]["rule"]["Conditions"] == [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/orders/*"]}}
    ]
    assert groups[1]["rule"]["Conditions"] == [
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["ledger.example.com"]}}
    ]
    assert groups[1]["rule"]["Actions"] == [{"Type": "forward", "TargetGroupName": "trading-dev-ledger"}]


def test_good_inputs_pass():
    assert alb_validation_errors(good()) == []
    assert alb_validation_errors(good(**PROD)) == []


@pytest.mark.parametrize(
    ("overrides", "variable", "text"),
    [
        ({"alb_name": "trading_dev"}, "alb_name", "letters, digits or hyphens"),
        ({"alb_name": "x" * 33}, "alb_name", "1-32"),
        ({"alb_ingress_cidrs": ["0.0.0.0/33"]}, "alb_ingress_cidrs", "not an IPv4 CIDR"),
        ({"alb_ingress_cidrs": []}, "alb_ingress_cidrs", "non-empty"),
        (
            {"alb_certificate_arn": "arn:aws:acm:us-east-1:1:certificate/x"},
            "alb_certificate_arn",
            "not an ACM certificate ARN",
        ),
        (
            {"alb_certificate_arn": PROD["alb_certificate_arn"].replace("us-east-1", "eu-west-1")},
            "alb_certificate_arn",
            "in region eu-west-1",
        ),
        ({**PROD, "alb_certificate_arn": ""}, "alb_certificate_arn", "prod must name a real certificate"),
        ({"alb_ssl_policy": "ELBSecurityPolicy-2016-08"}, "alb_ssl_policy", "not a TLS 1.2+"),
        ({"alb_idle_timeout": 0}, "alb_idle_timeout", "1 to 4000"),
        ({**PROD, "alb_deletion_protection": False}, "alb_deletion_protection", "prod must protect"),
        ({**PROD, "alb_waf_enabled": False}, "alb_waf_enabled", "prod must put a WAF"),
        ({"alb_target_groups": [dict(GROUPS[0], port=70000)]}, "alb_target_groups[0] (orders)", "port 70000"),
        ({"alb_target_groups": [dict(GROUPS[0], port="8080")]}, "alb_target_groups[0] (orders)", "whole number"),
        (
            {"alb_target_groups": [dict(GROUPS[0], health_check_path="healthz")]},
            "alb_target_groups[0] (orders)",
            "health_check_path 'healthz'",
        ),
        (
            {"alb_target_groups": [dict(GROUPS[0], health_check_timeout=20)]},
            "alb_target_groups[0] (orders)",
            "shorter than health_check_interval",
        ),
        ({"alb_target_groups": [GROUPS[0], GROUPS[0]]}, "alb_target_groups[1] (orders)", "used twice"),
        (
            {"alb_target_groups": [dict(GROUPS[0], name="a-very-long-service-name-here")]},
            "alb_target_groups[0] (a-very-long-service-name-here)",
            "longer than the 32 characters",
        ),
        ({"alb_target_groups": [dict(GROUPS[0], paths=[])]}, "alb_target_groups[0] (orders)", "needs a host or paths"),
        (
            {"alb_target_groups": [dict(GROUPS[0], paths=[f"/p{i}" for i in range(6)])]},
            "alb_target_groups[0] (orders)",
            "at most 5",
        ),
        ({"alb_target_groups": [dict(GROUPS[0], protocol="TCP")]}, "alb_target_groups[0] (orders)", "HTTP or HTTPS"),
        ({"alb_access_logs_transition_days": 10}, "alb_access_logs_transition_days", "at least 30 days"),
        ({"alb_access_logs_expiration_days": 30}, "alb_access_logs_expiration_days", "later than"),
        (
            {"alb_access_logs_transition_storage_class": "COLD"},
            "alb_access_logs_transition_storage_class",
            "must be one of",
        ),
        ({"alb_access_logs_prefix": "/logs/"}, "alb_access_logs_prefix", "must not start or end with /"),
        ({"alb_waf_enabled": True, "alb_waf_rate_limit": 5}, "alb_waf_rate_limit", "100 to 2000000000"),
        (
            {"alb_waf_enabled": True, "alb_waf_managed_rule_groups": ["MadeUpRules"]},
            "alb_waf_managed_rule_groups",
            "MadeUpRules",
        ),
    ],
)
def test_each_bad_input_names_the_variable_and_environment(overrides, variable, text):
    errors = alb_validation_errors(good(**overrides))
    env = overrides.get("trading_env", "dev")
    assert any(e.startswith(f"{variable} in environment {env!r}") and text in e for e in errors), errors


@pytest.mark.parametrize(
    "groups",
    [5, "AWSManagedRulesCommonRuleSet", {"AWSManagedRulesCommonRuleSet": True}, 1.5],
    ids=["int", "string", "mapping", "float"],
)
def test_waf_rule_groups_that_are_not_a_list_are_named_not_crashed_on(groups):
    errors = alb_validation_errors(good(alb_waf_enabled=True, alb_waf_managed_rule_groups=groups))
    assert errors == [
        f"alb_waf_managed_rule_groups in environment 'dev': {groups!r} must be a list of AWS managed rule group names "
        "(AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet, AWSManagedRulesAmazonIpReputationList, "
        "AWSManagedRulesAnonymousIpList, AWSManagedRulesSQLiRuleSet, AWSManagedRulesLinuxRuleSet, "
        "AWSManagedRulesUnixRuleSet, AWSManagedRulesAdminProtectionRuleSet, AWSManagedRulesBotControlRuleSet)"
    ]
    assert alb_validation_errors(good(alb_waf_enabled=True, alb_waf_managed_rule_groups=None)) == []
