"""playbooks/drift.yml on inventories/local: no drift after a converge, then changes made behind its back."""

import json

import pytest

from tests.helpers import REPO, run_playbook

pytestmark = pytest.mark.playbook


def alarm_threshold_times_ten(aws, name):
    cw = aws.client("cloudwatch")
    alarm = next(a for a in cw.describe_alarms(AlarmNames=[name])["MetricAlarms"])
    keys = ("AlarmName", "ComparisonOperator", "EvaluationPeriods", "AlarmActions", "OKActions")
    keys += ("ActionsEnabled", "AlarmDescription", "TreatMissingData", "DatapointsToAlarm")
    request = {k: alarm[k] for k in keys if k in alarm}
    if alarm.get("Metrics"):
        request["Metrics"] = alarm["Metrics"]
    else:
        for k in ("MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit"):
            if alarm.get(k) is not None:
                request[k] = alarm[k]
    cw.put_metric_alarm(Threshold=alarm["Threshold"] * 10, **request)
    return alarm["Threshold"]


def test_drift_is_found_named_and_reported(aws, tmp_path):
    refused = run_playbook(aws.port, "playbooks/drift.yml", "local")
    assert refused.returncode != 0 and "run it with --check --diff" in " ".join(refused.stdout.split())

    assert run_playbook(aws.port, "site.yml", "local").returncode == 0
    report = tmp_path / "local-drift.json"
    drift = ("playbooks/drift.yml", "local", "--check", "--diff", "-e", f"drift_report_dir={tmp_path}")
    aws.clear_calls()
    clean = run_playbook(aws.port, *drift)
    assert clean.returncode == 0, (clean.stdout + clean.stderr)[-3000:]
    assert json.loads(report.read_text()) == {"environment": "local", "drifted": False, "entries": []}
    assert aws.writes() == []  # a plan, lock included, writes nothing

    # Behind its back: an alarm threshold raised, PostgreSQL opened to the internet.
    threshold = alarm_threshold_times_ten(aws, "trading-local-alb-5xx-rate")
    ec2 = aws.client("ec2")
    aurora_sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["trading-local-aurora"]}])
    ec2.authorize_security_group_ingress(
        GroupId=aurora_sg["SecurityGroups"][0]["GroupId"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    aws.clear_calls()
    drifted = run_playbook(aws.port, *drift)
    text = " ".join(drifted.stdout.split())
    assert drifted.returncode != 0 and "local drifted (2 differences" in text
    entries = json.loads(report.read_text())["entries"]
    alarm = next(e for e in entries if e["component"] == "compliance")
    assert alarm["field"] == "trading-local-alb-5xx-rate.Threshold"
    assert (alarm["wanted"], alarm["found"]) == (threshold, threshold * 10)
    rule = next(e for e in entries if e["component"] == "data_tier")
    assert rule["field"] == "ip_permissions" and "(trading-local-aurora)" in rule["resource"]
    assert "0.0.0.0/0" in json.dumps(rule["found"]) and "0.0.0.0/0" not in json.dumps(rule["wanted"])
    assert aws.writes() == []
    assert not list(REPO.glob("local-drift.json"))  # written where asked, not in the repository
