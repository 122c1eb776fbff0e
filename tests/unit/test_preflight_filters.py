"""The preflight's offline AWS rules: windows, matchers, key ARNs, derived names, merged tags, the region."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.filter.alb import alb_validation_errors
from ansible_collections.ninetynine.trading_infra.plugins.filter.data_tier import (
    data_tier_validation_errors,
    windows_overlap,
)
from ansible_collections.ninetynine.trading_infra.plugins.filter.network import network_validation_errors
from ansible_collections.ninetynine.trading_infra.plugins.filter.platform import platform_output_parameters
from ansible_collections.ninetynine.trading_infra.plugins.filter.preflight import (
    account_preflight_checks,
    derived_name_errors,
    merged_tag_errors,
    platform_validation_errors,
)

from tests.unit import test_alb_filters, test_data_tier_filters, test_network_filters


@pytest.mark.parametrize(
    ("daily", "weekly", "meet"),
    [
        ("03:00-04:00", "sun:05:00-sun:06:00", False),
        ("05:30-06:30", "sun:05:00-sun:06:00", True),  # inside on Sundays
        ("04:30-05:01", "sun:05:00-sun:06:00", True),  # one minute in
        ("04:00-05:00", "sun:05:00-sun:06:00", False),  # ends as it starts
        ("23:30-00:30", "mon:00:00-mon:01:00", True),  # across midnight
        ("23:30-00:30", "sat:23:00-sun:00:15", True),  # across the week's end
        ("12:00-13:00", "wed:13:00-wed:14:00", False),
    ],
)
def test_a_daily_window_meets_a_weekly_one(daily, weekly, meet):
    assert windows_overlap(daily, weekly) is meet


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"data_tier_redis_maintenance_window": "sun:06:00-sun:06:30"},
            "data_tier_redis_maintenance_window in environment 'dev': sun:06:00-sun:06:30 is 30 minutes; ElastiCache "
            "needs a window of at least 60",
        ),
        (
            {"data_tier_redis_snapshot_window": "06:30-07:30"},
            "data_tier_redis_snapshot_window in environment 'dev': 06:30-07:30 meets "
            "data_tier_redis_maintenance_window sun:06:00-sun:07:00; ElastiCache refuses windows that overlap",
        ),
        (
            {"data_tier_aurora_maintenance_window": "sun:05:00-sun:05:15"},
            "data_tier_aurora_maintenance_window in environment 'dev': sun:05:00-sun:05:15 is 15 minutes; Aurora needs",
        ),
        (
            {"data_tier_aurora_backup_window": "05:15-05:45"},
            "data_tier_aurora_backup_window in environment 'dev': 05:15-05:45 meets "
            "data_tier_aurora_maintenance_window",
        ),
        ({"data_tier_aurora_backup_window": "03:00-03:10"}, "03:00-03:10 is 10 minutes; Aurora needs"),
    ],
)
def test_windows_keep_the_services_rules(overrides, expected):
    errors = data_tier_validation_errors(test_data_tier_filters.good(**overrides))
    assert any(e.startswith(expected) or expected in e for e in errors), errors


def test_the_shipped_windows_pass():
    assert data_tier_validation_errors(test_data_tier_filters.good()) == []


def _alb_errors(**tg):
    groups = [dict(test_alb_filters.GROUPS[0], **tg)]
    return alb_validation_errors(test_alb_filters.good(alb_target_groups=groups))


@pytest.mark.parametrize(
    ("matcher", "problem"),
    [
        ("200-599", "must stay within 200-499"),
        ("100", "must stay within 200-499"),
        ("299-200", "has the range 299-200, which must go up"),
        ("2xx", "must be HTTP codes such as 200"),
        ("", "must be HTTP codes such as 200"),
    ],
)
def test_an_alb_matcher_is_200_to_499(matcher, problem):
    errors = _alb_errors(matcher=matcher)
    assert any(f"matcher {matcher!r} {problem}" in e for e in errors), errors


@pytest.mark.parametrize("matcher", ["200", "200-399", "200,302", "200-299,404"])
def test_alb_matchers_aws_takes_pass(matcher):
    assert _alb_errors(matcher=matcher) == []


def test_deregistration_delay_range():
    assert any("deregistration_delay 4000 must be 0 to 3600" in e for e in _alb_errors(deregistration_delay=4000))


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("alias/trading-dev", "is not a KMS key ARN"),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", "is not a KMS key ARN"),
        ("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "is in eu-west-1"),
    ],
)
def test_the_flow_log_key_is_a_key_arn_of_the_region(key, problem):
    errors = network_validation_errors(test_network_filters.good(network_flow_logs_kms_key_arn=key))
    assert any(e.startswith("network_flow_logs_kms_key_arn in environment 'dev'") and problem in e for e in errors)
    good = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert network_validation_errors(test_network_filters.good(network_flow_logs_kms_key_arn=good)) == []


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        ("s3_bucket", "Trading-dev-alb-logs-000000000000", "must be lower-case letters"),
        ("s3_bucket", "a" * 64, "is 64 characters; S3 takes 3 to 63"),
        ("s3_bucket", "xn--trading", "starts with xn--"),
        ("s3_bucket", "trading-s3alias", "ends with -s3alias"),
        ("s3_bucket", "trading..logs", "two adjacent dots"),
        ("s3_bucket", "192.168.1.1", "is an IP address"),
        ("iam_role", "r" * 65, "is not 1 to 64 letters"),
        ("iam_role", "trading dev", "is not 1 to 64 letters"),
        ("kms_alias", "alias/aws/trading", "is under alias/aws/"),
        ("ssm_path", "/aws/trading", "starts with aws or ssm"),
        ("ssm_path", "/SSM/trading", "starts with aws or ssm"),
        ("ssm_path", "trading/dev", "must start with /"),
        ("ssm_path", "/trading/dev env", "must be / separated levels"),
        ("ssm_path", "/" + "/".join("l" * 15), "has 15 levels"),
        # The outputs go up to 3 levels below the path (data_tier/aurora/port): 13 + 3 is more than SSM's 15.
        ("ssm_path", "/" + "/".join("l" * 13), "has 13 levels; SSM takes 15 in a name"),
        ("ssm_path", "/trading/" + "d" * 892, "is 901 characters; a path takes at most 900"),
        ("log_group", "/trading/dev/app logs", "is not 1 to 512"),
        ("sns_topic", "trading.dev", "is not 1 to 256"),
        ("event_rule", "r" * 65, "is not 1 to 64"),
        ("dynamodb_table", "ab", "is not 3 to 255"),
    ],
)
def test_derived_names_keep_aws_rules(kind, value, problem):
    errors = derived_name_errors([{"var": "x_name", "kind": kind, "value": value}], "dev")
    assert len(errors) == 1 and errors[0].startswith("x_name in environment 'dev': gives the ") and problem in errors[0]


def test_an_ssm_path_is_refused_where_the_names_below_it_would_be():
    data_tier = {
        "clients_security_group_id": "sg-1",
        "aurora": {"writer_endpoint": "w", "reader_endpoint": "r", "port": 5432, "master_user_secret_arn": "arn:s"},
        "redis": {"primary_endpoint": "p", "reader_endpoint": "r", "port": 6379, "auth_token_secret_arn": "arn:t"},
    }
    names = platform_output_parameters({"data_tier": data_tier})["parameters"]
    longest = max(names, key=len)
    deepest = max(name.count("/") + 1 for name in names)
    for path, refused in (("/trading/" + "d" * 891, False), ("/trading/" + "d" * 892, True)):
        errors = derived_name_errors([{"var": "platform_outputs_path", "kind": "ssm_path", "value": path}], "dev")
        assert bool(errors) is refused
        if refused:
            assert errors[0].endswith(
                f"is {len(path)} characters; a path takes at most 900, so that the names below it stay within "
                "the 1011 SSM counts for a name with its ARN"
            )
        else:
            # The longest output's name, with the longest ARN before it, keeps within SSM's 1011.
            arn = "arn:aws-us-gov:ssm:us-isof-south-1:000000000000:parameter"
            assert len(f"{arn}{path}/{longest}") <= 1011
    for levels, refused in ((12, False), (13, True)):
        path = "/" + "/".join("l" * levels)
        errors = derived_name_errors([{"var": "platform_outputs_path", "kind": "ssm_path", "value": path}], "dev")
        assert bool(errors) is refused, errors
        assert (levels + deepest > 15) is refused


def test_derived_names_name_the_account_placeholder_and_skip_refused_variables():
    entry = {"var": "alb_name", "kind": "s3_bucket", "value": "Trading-alb-logs-000000000000"}
    assert "'Trading-alb-logs-<account-id>'" in derived_name_errors([entry], "dev")[0]
    assert derived_name_errors([entry], "dev", ["alb_name in environment 'dev': bad"]) == []


def test_derived_names_given_twice_are_refused():
    names = [{"var": "eks_service_accounts", "kind": "iam_role", "values": ["trading-dev-a", "trading-dev-a"]}]
    assert derived_name_errors(names, "dev") == [
        "eks_service_accounts in environment 'dev': gives the iam role name 'trading-dev-a' twice"
    ]


def test_merged_tags_count_and_case():
    tags = {f"k{i}": "v" for i in range(49)}
    assert merged_tag_errors(tags, "dev", "eks_extra_tags", 1) == []
    errors = merged_tag_errors(tags, "dev", "eks_extra_tags", 3)
    assert errors and "49 tags (and 3 the role adds) exceed the 50" in errors[0]
    errors = merged_tag_errors({"Owner": "a", "owner": "b"}, "dev", "eks_extra_tags")
    assert errors == [
        "eks_extra_tags in environment 'dev': tag keys Owner, owner differ only in case; IAM and the tag editor "
        "take them as one key"
    ]


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        ({"trading_env": "Prod Env!"}, "trading_env: 'Prod Env!' must be a short lower-case name"),
        ({"trading_env": "prod", "trading_tier": "non-production"}, "trading_tier in environment 'prod': is non-prod"),
        ({"trading_env": "dev", "trading_aws_account_id": "12345"}, "'12345' is not a 12-digit AWS account id"),
        ({"trading_env": "dev", "trading_aws_region": "us-east-7"}, "'us-east-7' is not an AWS region"),
    ],
)
def test_the_environment_itself(v, expected):
    errors = platform_validation_errors(v)
    assert len(errors) == 1 and expected in errors[0], errors


def test_a_sound_environment():
    v = {"trading_env": "prod", "trading_tier": "production", "trading_aws_region": "eu-west-1"}
    assert platform_validation_errors(v) == []


def test_account_checks_follow_the_inputs():
    checks = account_preflight_checks(
        {
            "network": {"network_azs": [], "network_az_count": 3},
            "eks": {
                "eks_cluster_version": "1.32",
                "eks_nodegroups": [{"name": "general", "instance_types": ["m6i.large"]}],
            },
            "data_tier": {
                "data_tier_aurora_enabled": False,
                "data_tier_redis_enabled": True,
                "data_tier_redis_engine_version": "7.1",
                "data_tier_redis_node_type": "cache.t4g.small",
            },
        },
        {"vpc-cni": "v1.19.2-eksbuild.1"},
    )
    assert checks["zone_count"] == 3
    assert checks["instance_types"] == [{"variable": "eks_nodegroups[general].instance_types", "types": ["m6i.large"]}]
    assert checks["aurora"] is None
    assert checks["cache"] == {"engine_version": "7.1", "node_type": "cache.t4g.small"}
    assert checks["eks_addons"] == {"kubernetes_version": "1.32", "versions": {"vpc-cni": "v1.19.2-eksbuild.1"}}
