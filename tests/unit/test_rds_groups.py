"""rds_groups against the local AWS: a cluster's DB subnet group and parameter groups, in one invocation."""

import botocore.exceptions
import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import rds_groups

from tests.helpers import run_module

NAME = "trading-test-aurora"
FAMILY = "aurora-postgresql16"
TAGS = {"Project": "trading", "Environment": "test", "Component": "data_tier"}
# The data_tier role's cluster parameters.
CLUSTER_PARAMETERS = {
    "rds.force_ssl": 1,
    "log_min_duration_statement": 500,
    "log_connections": 1,
    "log_disconnections": 1,
    "shared_preload_libraries": "pg_stat_statements",
}


@pytest.fixture
def subnets(aws):
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ids = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate("abc")
    ]
    aws.clear_calls()
    return ids


def spec(subnets, cluster_parameters=None, instance_parameters=None, **overrides):
    """The data_tier role's three groups, as it asks for them."""
    args = {
        "subnet_group": {"name": NAME, "description": "trading-test Aurora: data subnets", "subnets": subnets[:2]},
        "cluster_parameter_group": {
            "name": NAME,
            "family": FAMILY,
            "description": "trading-test Aurora cluster parameters",
            "parameters": dict(CLUSTER_PARAMETERS if cluster_parameters is None else cluster_parameters),
        },
        "instance_parameter_group": {
            "name": NAME,
            "family": FAMILY,
            "description": "trading-test Aurora instance parameters",
            "parameters": dict(instance_parameters or {}),
        },
        "tags": TAGS,
    }
    args.update(overrides)
    return args


@pytest.fixture
def run(aws, capsys):
    def _run(args, check_mode=False, **overrides):
        args = dict(args, **overrides)
        return run_module(rds_groups, args, check_mode=check_mode, capsys=capsys)

    return _run


def counts(aws):
    return {c["operation"]: c["count"] for c in aws.calls()["calls"]}


def writes(aws):
    return {c["operation"]: c["count"] for c in aws.writes()}


def cluster_parameters(aws, name=NAME):
    rows = aws.client("rds").describe_db_cluster_parameters(DBClusterParameterGroupName=name, Source="user")
    return {r["ParameterName"]: (r["ParameterValue"], r.get("ApplyMethod")) for r in rows["Parameters"]}


def instance_parameters(aws, name=NAME):
    rows = aws.client("rds").describe_db_parameters(DBParameterGroupName=name, Source="user")["Parameters"]
    return {r["ParameterName"]: r["ParameterValue"] for r in rows}


def tags_of(aws, arn):
    return {t["Key"]: t["Value"] for t in aws.client("rds").list_tags_for_resource(ResourceName=arn)["TagList"]}


def subnet_ids(aws, name=NAME):
    group = aws.client("rds").describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]
    return sorted(s["SubnetIdentifier"] for s in group["Subnets"])


def test_the_groups_are_created_in_one_run_then_a_second_run_reads_each_once_and_writes_nothing(aws, subnets, run):
    created = run(spec(subnets))
    assert created["changed"] is True and not created.failed, created
    assert created["actions"] == [
        f"create DB subnet group {NAME} on {', '.join(sorted(subnets[:2]))}",
        f"create DB cluster parameter group {NAME} ({FAMILY})",
        f"set parameters of DB cluster parameter group {NAME}: log_connections=1, log_disconnections=1, "
        "log_min_duration_statement=500, rds.force_ssl=1, shared_preload_libraries=pg_stat_statements",
        f"create DB parameter group {NAME} ({FAMILY})",
    ]
    assert writes(aws) == {
        "CreateDBSubnetGroup": 1,
        "CreateDBClusterParameterGroup": 1,
        "ModifyDBClusterParameterGroup": 1,
        "CreateDBParameterGroup": 1,
    }
    # Each parameter with the apply method its type allows: the static one waits for a reboot.
    assert cluster_parameters(aws) == {
        "log_connections": ("1", "immediate"),
        "log_disconnections": ("1", "immediate"),
        "log_min_duration_statement": ("500", "immediate"),
        "rds.force_ssl": ("1", "immediate"),
        "shared_preload_libraries": ("pg_stat_statements", "pending-reboot"),
    }
    assert instance_parameters(aws) == {}
    assert subnet_ids(aws) == sorted(subnets[:2])
    cluster = created["cluster_parameter_group"]
    assert cluster["family"] == FAMILY and cluster["parameters"]["rds.force_ssl"] == "1"
    assert cluster["pending_reboot"] == []  # a new group is attached to nothing yet
    for part in ("subnet_group", "cluster_parameter_group", "instance_parameter_group"):
        assert created[part]["name"] == NAME and created[part]["arn"], created[part]
        assert tags_of(aws, created[part]["arn"]) == TAGS
    assert created["subnet_group"]["vpc_id"].startswith("vpc-")
    # Three groups, each once; the parameters set on the new cluster group are part of its creation.
    assert created["resources"] == [
        {"kind": "DB subnet group", "name": NAME, "action": "create", "changes": created["actions"][:1]},
        {"kind": "DB cluster parameter group", "name": NAME, "action": "create", "changes": created["actions"][1:3]},
        {"kind": "DB parameter group", "name": NAME, "action": "create", "changes": created["actions"][3:]},
    ]

    aws.clear_calls()
    again = run(spec(subnets))
    assert again["changed"] is False and again["actions"] == [] and aws.writes() == []
    assert again["resources"] == []
    # One describe per group, the user-set parameters of each parameter group, the tags of each group.
    assert counts(aws) == {
        "DescribeDBSubnetGroups": 1,
        "DescribeDBClusterParameterGroups": 1,
        "DescribeDBParameterGroups": 1,
        "DescribeDBClusterParameters": 1,
        "DescribeDBParameters": 1,
        "ListTagsForResource": 3,
    }
    assert again["cluster_parameter_group"]["arn"] == cluster["arn"]
    assert again["subnet_group"]["subnet_ids"] == sorted(subnets[:2])


def test_a_part_omitted_is_not_managed(aws, subnets, run):
    only = run({"instance_parameter_group": spec(subnets)["instance_parameter_group"]})
    assert only["actions"] == [f"create DB parameter group {NAME} ({FAMILY})"]
    assert only["subnet_group"] is None and only["cluster_parameter_group"] is None
    assert counts(aws).keys() == {"DescribeDBParameterGroups", "CreateDBParameterGroup"}


def test_a_change_sets_dynamic_parameters_at_once_and_static_ones_at_the_next_reboot(aws, subnets, run):
    run(spec(subnets))
    wanted = dict(
        CLUSTER_PARAMETERS,
        log_min_duration_statement=1000,
        shared_preload_libraries="pg_stat_statements,auto_explain",
        statement_timeout=30000,  # at its engine default until now
    )
    aws.clear_calls()
    changed = run(spec(subnets, cluster_parameters=wanted))
    assert changed["actions"] == [
        f"set parameters of DB cluster parameter group {NAME}: log_min_duration_statement=1000 (was 500, immediate), "
        "shared_preload_libraries=pg_stat_statements,auto_explain (was pg_stat_statements, pending-reboot), "
        "statement_timeout=30000 (was 0, immediate)"
    ]
    assert writes(aws) == {"ModifyDBClusterParameterGroup": 1}
    assert changed["resources"] == [
        {"kind": "DB cluster parameter group", "name": NAME, "action": "change", "changes": changed["actions"]}
    ]
    # The whole parameter list is read only because a parameter not set before had to be found.
    assert counts(aws)["DescribeDBClusterParameters"] == 2
    assert changed["cluster_parameter_group"]["pending_reboot"] == ["shared_preload_libraries"]
    assert cluster_parameters(aws)["log_min_duration_statement"] == ("1000", "immediate")
    assert cluster_parameters(aws)["shared_preload_libraries"] == ("pg_stat_statements,auto_explain", "pending-reboot")
    assert cluster_parameters(aws)["statement_timeout"] == ("30000", "immediate")

    # A change of a parameter already set needs no more than the user-set ones.
    aws.clear_calls()
    run(spec(subnets, cluster_parameters=dict(wanted, log_min_duration_statement=2000)))
    assert counts(aws)["DescribeDBClusterParameters"] == 1
    assert run(spec(subnets, cluster_parameters=dict(wanted, log_min_duration_statement=2000)))["changed"] is False


def test_booleans_are_sent_as_one_and_zero(aws, subnets, run):
    run(spec(subnets))
    result = run(
        spec(subnets, cluster_parameters=dict(CLUSTER_PARAMETERS, log_connections=False, **{"rds.force_ssl": True}))
    )
    assert result["actions"] == [
        f"set parameters of DB cluster parameter group {NAME}: log_connections=0 (was 1, immediate)"
    ]
    assert cluster_parameters(aws)["log_connections"] == ("0", "immediate")


def test_a_parameter_removed_from_the_list_is_reset_to_the_engine_default(aws, subnets, run):
    run(spec(subnets))
    # A parameter set by hand on the instance group (dynamic, as RDS reports work_mem).
    aws.client("rds").modify_db_parameter_group(
        DBParameterGroupName=NAME,
        Parameters=[
            {"ParameterName": "work_mem", "ParameterValue": "8192", "ApplyMethod": "immediate", "ApplyType": "dynamic"}
        ],
    )
    kept = {k: v for k, v in CLUSTER_PARAMETERS.items() if k not in ("log_connections", "shared_preload_libraries")}
    aws.clear_calls()
    reset = run(spec(subnets, cluster_parameters=kept))
    assert reset["actions"] == [
        f"reset parameters of DB cluster parameter group {NAME} to the engine default: log_connections (immediate), "
        "shared_preload_libraries (pending-reboot)",
        f"reset parameters of DB parameter group {NAME} to the engine default: work_mem (immediate)",
    ]
    assert writes(aws) == {"ResetDBClusterParameterGroup": 1, "ResetDBParameterGroup": 1}
    assert [(r["kind"], r["action"], r["changes"]) for r in reset["resources"]] == [
        ("DB cluster parameter group", "change", reset["actions"][:1]),
        ("DB parameter group", "change", reset["actions"][1:]),
    ]
    assert set(cluster_parameters(aws)) == set(kept)
    assert instance_parameters(aws) == {}
    assert reset["cluster_parameter_group"]["pending_reboot"] == ["shared_preload_libraries"]
    assert reset["cluster_parameter_group"]["parameters"] == {k: str(v) for k, v in kept.items()}
    assert run(spec(subnets, cluster_parameters=kept))["changed"] is False


def test_a_parameter_the_family_lacks_is_refused_before_any_write(aws, subnets, run):
    run(spec(subnets))
    aws.clear_calls()
    refused = run(
        spec(
            subnets[:3],
            cluster_parameters=dict(CLUSTER_PARAMETERS, no_such_parameter=1),
            instance_parameters={"no_such_either": "x"},
            subnet_group={"name": NAME, "subnets": subnets},  # a change that would be made
        )
    )
    assert refused.failed and refused["actions"] == [] and aws.writes() == []
    assert refused["resources"] == []
    assert f"DB cluster parameter group {NAME}: its family has no parameter no_such_parameter" in refused["msg"]
    assert f"DB parameter group {NAME}: its family has no parameter no_such_either" in refused["msg"]
    assert "Nothing was changed" in refused["msg"]
    assert subnet_ids(aws) == sorted(subnets[:2])


def test_a_new_group_with_a_refused_parameter_fails_and_is_kept(aws, subnets, run):
    args = spec(subnets, cluster_parameters={"no_such_parameter": 1})
    refused = run({"cluster_parameter_group": args["cluster_parameter_group"]})
    assert refused.failed and "its family has no parameter no_such_parameter" in refused["msg"]
    assert refused["actions"] == [f"create DB cluster parameter group {NAME} ({FAMILY})"]
    assert refused["resources"] == [
        {"kind": "DB cluster parameter group", "name": NAME, "action": "create", "changes": refused["actions"]}
    ]
    assert "ModifyDBClusterParameterGroup" not in writes(aws)
    assert cluster_parameters(aws) == {}  # kept, never deleted


def test_a_family_change_is_refused_before_any_write(aws, subnets, run):
    run(spec(subnets))
    args = spec(subnets, cluster_parameters=dict(CLUSTER_PARAMETERS, log_min_duration_statement=100))
    args["cluster_parameter_group"]["family"] = "aurora-postgresql17"
    args["instance_parameter_group"]["family"] = "aurora-postgresql17"
    args["subnet_group"]["subnets"] = subnets
    aws.clear_calls()
    refused = run(args)
    assert refused.failed and refused["actions"] == [] and aws.writes() == []
    assert (
        f"DB cluster parameter group {NAME} is of family {FAMILY}, not aurora-postgresql17: "
        "AWS cannot change a parameter group's family" in refused["msg"]
    )
    assert f"DB parameter group {NAME} is of family {FAMILY}, not aurora-postgresql17" in refused["msg"]
    assert run(args, check_mode=True).failed  # the plan says so too
    assert cluster_parameters(aws)["log_min_duration_statement"] == ("500", "immediate")


def test_what_is_missing_is_refused_before_any_write(aws, subnets, run):
    args = spec(subnets)
    args["subnet_group"]["subnets"] = []
    del args["cluster_parameter_group"]["family"]
    refused = run(args)
    assert refused.failed and aws.writes() == []
    assert f"DB subnet group {NAME}: subnets required" in refused["msg"]
    assert f"DB cluster parameter group {NAME}: family required to create it" in refused["msg"]
    default = run({"subnet_group": {"name": "default", "subnets": subnets}})
    assert default.failed and "RDS's own" in default["msg"]
    assert default["actions"] == default["resources"] == []


def test_the_subnets_and_description_change_in_place(aws, subnets, run):
    created = run(spec(subnets))
    args = spec(subnets)
    args["subnet_group"].update(subnets=subnets[1:], description="trading-test Aurora: the data subnets")
    aws.clear_calls()
    changed = run(args)
    assert changed["actions"] == [
        f"update DB subnet group {NAME}: subnets add {subnets[2]}; remove {subnets[0]}, "
        "description 'trading-test Aurora: the data subnets' (was 'trading-test Aurora: data subnets')"
    ]
    assert writes(aws) == {"ModifyDBSubnetGroup": 1}
    assert subnet_ids(aws) == sorted(subnets[1:])
    assert changed["resources"] == [
        {"kind": "DB subnet group", "name": NAME, "action": "change", "changes": changed["actions"]}
    ]
    assert changed["subnet_group"]["arn"] == created["subnet_group"]["arn"]
    assert changed["subnet_group"]["subnet_ids"] == sorted(subnets[1:])
    assert run(args)["changed"] is False
    # The subnets in another order are the same subnets.
    args["subnet_group"]["subnets"] = list(reversed(subnets[1:]))
    assert run(args)["changed"] is False


def test_tags_follow_the_inventory_and_strays_are_purged_only_when_asked(aws, subnets, run):
    created = run(spec(subnets))
    arn = created["cluster_parameter_group"]["arn"]
    aws.client("rds").add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "Owner", "Value": "someone"}])
    assert run(spec(subnets), purge_tags=False)["changed"] is False
    aws.clear_calls()
    changed = run(spec(subnets, tags=dict(TAGS, Environment="other")))
    assert changed["actions"] == [
        f"tag DB subnet group {NAME}: set Environment",
        f"tag DB cluster parameter group {NAME}: set Environment",
        f"tag DB cluster parameter group {NAME}: remove Owner",
        f"tag DB parameter group {NAME}: set Environment",
    ]
    assert writes(aws) == {"AddTagsToResource": 3, "RemoveTagsFromResource": 1}
    # Tags are changes of their group: three groups changed, not four.
    assert [(r["kind"], r["action"], len(r["changes"])) for r in changed["resources"]] == [
        ("DB subnet group", "change", 1),
        ("DB cluster parameter group", "change", 2),
        ("DB parameter group", "change", 1),
    ]
    assert tags_of(aws, arn) == dict(TAGS, Environment="other")
    # A group's own tags go over the module's; omitted tags leave them alone.
    args = spec(subnets, tags=dict(TAGS, Environment="other"))
    args["subnet_group"]["tags"] = {"Tier": "data"}
    assert run(args)["actions"] == [f"tag DB subnet group {NAME}: set Tier"]
    assert run(spec(subnets, tags=None))["changed"] is False


def test_check_mode_writes_nothing_and_plans_what_the_run_does(aws, subnets, run):
    aws.clear_calls()
    planned = run(spec(subnets), check_mode=True, _ansible_diff=True)
    assert planned["changed"] is True and aws.writes() == []
    assert aws.client("rds").describe_db_cluster_parameter_groups()["DBClusterParameterGroups"] == []
    assert planned["cluster_parameter_group"]["arn"] is None
    assert planned["cluster_parameter_group"]["parameters"]["rds.force_ssl"] == "1"
    assert planned["diff"]["before"] == {}
    assert set(planned["diff"]["after"]) == {"subnet_group", "cluster_parameter_group", "instance_parameter_group"}
    applied = run(spec(subnets))
    assert applied["actions"] == planned["actions"]
    assert applied["resources"] == planned["resources"]
    assert [r["action"] for r in planned["resources"]] == ["create"] * 3

    # On groups that exist: drift planned, nothing written, the same actions as the run.
    args = spec(subnets, cluster_parameters=dict(CLUSTER_PARAMETERS, log_min_duration_statement=250))
    args["tags"] = dict(TAGS, Owner="platform")
    aws.clear_calls()
    planned = run(args, check_mode=True)
    assert planned["changed"] is True and aws.writes() == []
    assert planned["cluster_parameter_group"]["parameters"]["log_min_duration_statement"] == "250"
    applied = run(args)
    assert applied["actions"] == planned["actions"]
    assert applied["resources"] == planned["resources"]
    assert [r["action"] for r in planned["resources"]] == ["change"] * 3
    assert run(args, check_mode=True)["changed"] is False


def test_diff_shows_each_group_that_changes(aws, subnets, run):
    run(spec(subnets))
    result = run(
        spec(subnets, cluster_parameters=dict(CLUSTER_PARAMETERS, log_min_duration_statement=250)), _ansible_diff=True
    )
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert set(before) == set(after) == {"cluster_parameter_group"}
    assert before["cluster_parameter_group"]["parameters"]["log_min_duration_statement"] == "500"
    assert after["cluster_parameter_group"]["parameters"]["log_min_duration_statement"] == "250"
    assert before["cluster_parameter_group"]["family"] == after["cluster_parameter_group"]["family"] == FAMILY
    assert after["cluster_parameter_group"]["tags"] == TAGS


def test_absent_deletes_the_listed_groups_that_exist(aws, subnets, run):
    run(spec(subnets))
    names = {part: {"name": NAME} for part in ("subnet_group", "cluster_parameter_group", "instance_parameter_group")}
    aws.clear_calls()
    planned = run(names, check_mode=True, state="absent")
    assert aws.writes() == [] and subnet_ids(aws)
    gone = run(names, state="absent")
    assert (
        gone["actions"]
        == planned["actions"]
        == [
            f"delete DB cluster parameter group {NAME}",
            f"delete DB parameter group {NAME}",
            f"delete DB subnet group {NAME}",
        ]
    )
    assert (
        gone["resources"]
        == planned["resources"]
        == [
            {"kind": "DB cluster parameter group", "name": NAME, "action": "delete", "changes": gone["actions"][:1]},
            {"kind": "DB parameter group", "name": NAME, "action": "delete", "changes": gone["actions"][1:2]},
            {"kind": "DB subnet group", "name": NAME, "action": "delete", "changes": gone["actions"][2:]},
        ]
    )
    rds = aws.client("rds")
    assert rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"] == []
    assert [
        g for g in rds.describe_db_parameter_groups()["DBParameterGroups"] if g["DBParameterGroupName"] == NAME
    ] == []
    assert rds.describe_db_subnet_groups()["DBSubnetGroups"] == []
    assert gone["cluster_parameter_group"] == {
        "name": NAME,
        "arn": None,
        "family": None,
        "description": None,
        "parameters": {},
        "pending_reboot": [],
        "tags": {},
    }
    again = run(names, state="absent")
    assert again["changed"] is False and again["actions"] == [] and again["resources"] == []

    # Only the parts listed go.
    run(spec(subnets))
    partial = run({"instance_parameter_group": {"name": NAME}}, state="absent")
    assert partial["actions"] == [f"delete DB parameter group {NAME}"] and subnet_ids(aws)


def test_a_group_still_in_use_is_not_reported_deleted(aws, subnets, run, monkeypatch):
    run(spec(subnets))
    call = rds_groups.RdsGroups.call

    def in_use(self, operation, **kwargs):
        if operation == "delete_db_parameter_group":
            error = {"Code": "InvalidDBParameterGroupState", "Message": "used by trading-test-aurora-1"}
            raise botocore.exceptions.ClientError({"Error": error}, "DeleteDBParameterGroup")
        return call(self, operation, **kwargs)

    monkeypatch.setattr(rds_groups.RdsGroups, "call", in_use)
    names = {part: {"name": NAME} for part in ("subnet_group", "cluster_parameter_group", "instance_parameter_group")}
    refused = run(names, state="absent")
    assert refused.failed and "still in use" in refused["msg"]
    assert refused["actions"] == [f"delete DB cluster parameter group {NAME}", f"delete DB subnet group {NAME}"]
    assert [(r["kind"], r["action"]) for r in refused["resources"]] == [
        ("DB cluster parameter group", "delete"),
        ("DB subnet group", "delete"),
    ]


def test_throttling_is_retried(aws, subnets, run):
    aws.set_faults(throttle_rate=0.3, seed=7, services=["rds"])
    try:
        created = run(spec(subnets))
        again = run(spec(subnets))
        injected = aws.faults()["injected"]
    finally:
        aws.set_faults()
    assert injected > 0
    assert created["changed"] is True and not created.failed, created
    assert again["changed"] is False and not again.failed, again
    assert set(cluster_parameters(aws)) == set(CLUSTER_PARAMETERS)
