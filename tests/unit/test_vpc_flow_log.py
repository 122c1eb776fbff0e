"""vpc_flow_log against the local AWS."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import vpc_flow_log

from tests.helpers import run_module

ROLE = "arn:aws:iam::123456789012:role/flow-logs"


@pytest.fixture
def vpc_id(aws):
    vpc = aws.client("ec2").create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    aws.clear_calls()
    return vpc


@pytest.fixture
def run(aws, capsys, vpc_id):
    def _run(check_mode=False, **overrides):
        args = {
            "name": "test-flow-log",
            "resource_id": vpc_id,
            "log_group_name": "/test/flow",
            "deliver_logs_permission_arn": ROLE,
            "tags": {"Project": "trading"},
        }
        args.update(overrides)
        return run_module(vpc_flow_log, args, check_mode=check_mode, capsys=capsys)

    return _run


def flow_logs(aws, vpc_id):
    return aws.client("ec2").describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]


def test_create_then_no_op(aws, run, vpc_id):
    planned = run(check_mode=True)
    created = run()
    assert created["changed"] is True and created["flow_log_id"].startswith("fl-")
    assert created["resources"] == [
        {"kind": "flow log", "name": "test-flow-log", "action": "create", "changes": created["actions"]}
    ]
    assert planned["resources"] == created["resources"]
    [fl] = flow_logs(aws, vpc_id)
    assert fl["LogGroupName"] == "/test/flow" and fl["TrafficType"] == "ALL"
    assert {t["Key"]: t["Value"] for t in fl["Tags"]} == {"Project": "trading", "Name": "test-flow-log"}
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and again["flow_log_id"] == created["flow_log_id"]
    assert aws.writes() == [] and again["resources"] == []


def test_a_tag_change_is_a_change_of_the_flow_log(aws, run):
    run()
    retagged = run(tags={"Project": "trading", "Owner": "platform"})
    assert retagged["actions"][0].endswith(": set Owner")
    assert retagged["resources"] == [
        {"kind": "flow log", "name": "test-flow-log", "action": "change", "changes": retagged["actions"]}
    ]


def test_check_mode_creates_nothing(aws, run, vpc_id):
    assert run(check_mode=True)["changed"] is True
    assert flow_logs(aws, vpc_id) == [] and aws.writes() == []


def test_check_mode_for_a_vpc_not_created_yet(aws, run):
    result = run(check_mode=True, resource_id="")
    assert result["changed"] is True and "(resource to be created)" in result["actions"][0]
    assert aws.writes() == []


def test_immutable_setting_change_replaces_the_flow_log(aws, run, vpc_id):
    first = run()
    second = run(traffic_type="REJECT", max_aggregation_interval=60)
    assert second["changed"] is True and second["flow_log_id"] != first["flow_log_id"]
    # Replaced (deleted and created again): one flow log, changed.
    [replaced] = second["resources"]
    assert replaced["kind"] == "flow log" and replaced["name"] == "test-flow-log" and replaced["action"] == "change"
    assert [c.split()[0] for c in replaced["changes"]] == ["delete", "create"]
    [fl] = flow_logs(aws, vpc_id)
    assert fl["TrafficType"] == "REJECT" and fl["MaxAggregationInterval"] == 60


def test_s3_destination(aws, run, vpc_id):
    aws.client("s3").create_bucket(Bucket="flow-bucket")
    result = run(
        destination_type="s3",
        log_destination="arn:aws:s3:::flow-bucket",
        log_group_name=None,
        deliver_logs_permission_arn=None,
    )
    assert result["changed"] is True
    [fl] = flow_logs(aws, vpc_id)
    assert fl["LogDestinationType"] == "s3" and fl["LogDestination"].startswith("arn:aws:s3:::flow-bucket")


def test_missing_destination_is_refused_before_any_call(aws, run):
    result = run(log_group_name=None)
    assert result.failed and "needs log_group_name" in result["msg"]
    assert aws.calls()["total"] == 0


def test_absent_by_name_alone(aws, run, capsys, vpc_id):
    run()
    planned = run_module(vpc_flow_log, {"name": "test-flow-log", "state": "absent"}, check_mode=True, capsys=capsys)
    removed = run_module(vpc_flow_log, {"name": "test-flow-log", "state": "absent"}, capsys=capsys)
    assert removed["changed"] is True and flow_logs(aws, vpc_id) == []
    assert removed["resources"] == [
        {"kind": "flow log", "name": "test-flow-log", "action": "delete", "changes": removed["actions"]}
    ]
    assert planned["resources"] == removed["resources"]
    again = run_module(vpc_flow_log, {"name": "test-flow-log", "state": "absent"}, capsys=capsys)
    assert again["changed"] is False and again["resources"] == []


def test_a_duplicate_is_deleted_as_its_own_flow_log(aws, run, vpc_id):
    first = run()
    ec2 = aws.client("ec2")
    duplicate = ec2.create_flow_logs(
        ResourceIds=[vpc_id],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName="/test/flow-copy",
        DeliverLogsPermissionArn=ROLE,
        TagSpecifications=[{"ResourceType": "vpc-flow-log", "Tags": [{"Key": "Name", "Value": "test-flow-log"}]}],
    )["FlowLogIds"][0]
    result = run()
    assert [f["FlowLogId"] for f in flow_logs(aws, vpc_id)] == [first["flow_log_id"]]
    assert result["resources"] == [
        {
            "kind": "flow log",
            "name": f"test-flow-log ({duplicate})",
            "action": "delete",
            "changes": [f"delete flow log test-flow-log {duplicate} (duplicate)"],
        }
    ]
