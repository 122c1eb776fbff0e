"""wafv2_logging against the local AWS: a web ACL's one log destination, credentials redacted."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import wafv2_logging

from tests.helpers import run_module

ACL = "trading-test-alb"


@pytest.fixture
def setup(aws):
    account = aws.client("sts").get_caller_identity()["Account"]
    waf = aws.client("wafv2")
    arn = waf.create_web_acl(
        Name=ACL,
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "probe"},
    )["Summary"]["ARN"]
    group = f"arn:aws:logs:us-east-1:{account}:log-group:aws-waf-logs-trading-test"
    return {"arn": arn, "group": group, "account": account}


@pytest.fixture
def run(aws, capsys, setup):
    def _run(check_mode=False, **args):
        base = {"web_acl_name": ACL, "destination_arn": setup["group"]}
        base.update(args)
        return run_module(wafv2_logging, base, check_mode=check_mode, capsys=capsys)

    return _run


def logging_of(aws, arn):
    waf = aws.client("wafv2")
    try:
        return waf.get_logging_configuration(ResourceArn=arn)["LoggingConfiguration"]
    except waf.exceptions.WAFNonexistentItemException:
        return None


def test_logs_the_web_acl_without_credentials_then_changes_nothing(aws, run, setup):
    planned = run(check_mode=True)
    result = run()
    assert result["actions"] == [f"log web ACL {ACL} to {setup['group']}, redacting authorization, cookie"]
    assert result["resources"] == [
        {"kind": "WAF logging", "name": ACL, "action": "create", "changes": result["actions"]}
    ]
    assert planned["resources"] == result["resources"]
    found = logging_of(aws, setup["arn"])
    assert found["LogDestinationConfigs"] == [setup["group"]]
    assert sorted(f["SingleHeader"]["Name"] for f in found["RedactedFields"]) == ["authorization", "cookie"]
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and again["web_acl_arn"] == setup["arn"]
    assert aws.writes() == [] and again["resources"] == []


def test_check_mode_writes_nothing(aws, run, setup):
    aws.clear_calls()
    result = run(check_mode=True)
    assert result["changed"] is True and aws.writes() == []
    assert logging_of(aws, setup["arn"]) is None


def test_a_new_redacted_header_replaces_the_configuration_and_absent_removes_it(aws, run, setup):
    run()
    result = run(redacted_headers=["authorization", "cookie", "x-api-key"])
    assert result["changed"] is True
    assert [(r["kind"], r["name"], r["action"]) for r in result["resources"]] == [("WAF logging", ACL, "change")]
    assert result["diff"]["before"]["redacted_headers"] == ["authorization", "cookie"]
    assert len(logging_of(aws, setup["arn"])["RedactedFields"]) == 3
    stopped = run(state="absent")
    assert stopped["actions"] == [f"stop logging web ACL {ACL}"]
    assert stopped["resources"] == [
        {"kind": "WAF logging", "name": ACL, "action": "delete", "changes": [f"stop logging web ACL {ACL}"]}
    ]
    assert logging_of(aws, setup["arn"]) is None
    again = run(state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_a_destination_aws_waf_refuses_is_refused_before_any_call(aws, run, setup):
    aws.clear_calls()
    result = run(destination_arn=setup["group"].replace("aws-waf-logs-", "waf-"))
    assert (
        result.failed
        and "must be a log group, bucket or Firehose stream whose name starts with aws-waf-logs-" in result["msg"]
    )
    assert aws.calls()["total"] == 0


def test_a_missing_web_acl_fails_before_any_write(aws, run):
    aws.clear_calls()
    result = run(web_acl_name="none-such")
    assert result.failed and "no REGIONAL web ACL named none-such" in result["msg"]
    assert aws.writes() == []


def test_the_local_aws_refuses_what_aws_waf_refuses(aws, setup):
    waf = aws.client("wafv2")
    bad = setup["group"].replace("aws-waf-logs-", "plain-")
    with pytest.raises(waf.exceptions.WAFInvalidParameterException, match="aws-waf-logs-"):
        waf.put_logging_configuration(
            LoggingConfiguration={"ResourceArn": setup["arn"], "LogDestinationConfigs": [bad]}
        )
    with pytest.raises(waf.exceptions.WAFInvalidParameterException, match="exactly one"):
        waf.put_logging_configuration(
            LoggingConfiguration={
                "ResourceArn": setup["arn"],
                "LogDestinationConfigs": [setup["group"], setup["group"]],
            }
        )
    with pytest.raises(waf.exceptions.WAFNonexistentItemException):
        waf.put_logging_configuration(
            LoggingConfiguration={
                "ResourceArn": setup["arn"].replace(ACL, "gone"),
                "LogDestinationConfigs": [setup["group"]],
            }
        )


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.4, seed=3, services=["wafv2"])
    result = run()
    assert not result.failed, result
    assert aws.faults()["injected"] > 0


def test_a_known_arn_spares_the_listing(aws, run, setup):
    aws.clear_calls()
    assert run(web_acl_arn=setup["arn"])["changed"] is True
    assert "ListWebACLs" not in [c["operation"] for c in aws.calls()["calls"]]
    result = run(web_acl_arn=setup["arn"].replace(ACL, "other-acl"))
    assert result.failed and "is not the ARN of a web ACL named" in result["msg"]
