"""eks_nodegroups against the local AWS: groups, their launch templates, scaling, upgrades, purge."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import eks_nodegroups

from tests.helpers import run_module

NODE_ROLE = "arn:aws:iam::123456789012:role/trading-test-eks-node"
GENERAL = {"name": "general", "instance_types": ["m6i.large"], "min_size": 1, "max_size": 3, "desired_size": 2}
SPOT = {
    "name": "spot",
    "instance_types": ["m6i.large", "m6a.large"],
    "capacity_type": "SPOT",
    "min_size": 0,
    "max_size": 4,
    "labels": {"lifecycle": "spot"},
    "taints": [{"key": "spot", "value": "true", "effect": "NO_SCHEDULE"}],
}


@pytest.fixture
def cluster(aws):
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.5.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("abc")
    ]
    found = aws.client("eks").create_cluster(
        name="trading-test",
        version="1.30",
        roleArn="arn:aws:iam::123456789012:role/c",
        resourcesVpcConfig={"subnetIds": subnets},
        accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
    )["cluster"]
    return {"subnets": subnets, "sg": found["resourcesVpcConfig"]["clusterSecurityGroupId"]}


@pytest.fixture
def run(aws, capsys, cluster):
    aws.clear_calls()

    def _run(nodegroups=(GENERAL,), check_mode=False, **args):
        base = {
            "cluster_name": "trading-test",
            "node_role_arn": NODE_ROLE,
            "subnets": cluster["subnets"],
            "security_group_ids": [cluster["sg"]],
            "nodegroups": [dict(g) for g in nodegroups],
            "purge": True,
            "tags": {"Environment": "test"},
            "wait_timeout": 30,
        }
        base.update(args)
        return run_module(eks_nodegroups, base, check_mode=check_mode, capsys=capsys)

    return _run


def group(aws, name="general"):
    return aws.client("eks").describe_nodegroup(clusterName="trading-test", nodegroupName=name)["nodegroup"]


def template_data(aws, name="trading-test-general"):
    ec2 = aws.client("ec2")
    lt = ec2.describe_launch_templates(LaunchTemplateNames=[name])["LaunchTemplates"][0]
    versions = ec2.describe_launch_template_versions(LaunchTemplateId=lt["LaunchTemplateId"])["LaunchTemplateVersions"]
    return lt, max(versions, key=lambda v: v["VersionNumber"])["LaunchTemplateData"]


def test_creates_groups_through_imdsv2_encrypted_templates_then_changes_nothing(aws, run, cluster):
    planned = run(nodegroups=(GENERAL, SPOT), check_mode=True)
    result = run(nodegroups=(GENERAL, SPOT))
    assert result["actions"] == [
        "create launch template trading-test-general",
        "create node group general (ON_DEMAND m6i.large, 1-3)",
        "create launch template trading-test-spot",
        "create node group spot (SPOT m6i.large, m6a.large, 0-4)",
    ]
    # Each group and each template is a resource of its own, created once.
    assert result["resources"] == [
        {"kind": kind, "name": name, "action": "create", "changes": [action]}
        for (kind, name), action in zip(
            [
                ("launch template", "trading-test-general"),
                ("node group", "general"),
                ("launch template", "trading-test-spot"),
                ("node group", "spot"),
            ],
            result["actions"],
            strict=True,
        )
    ]
    assert planned["resources"] == result["resources"]
    lt, data = template_data(aws)
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    ebs = data["BlockDeviceMappings"][0]["Ebs"]
    assert ebs["Encrypted"] is True and ebs["VolumeType"] == "gp3" and ebs["VolumeSize"] == 50
    assert data["SecurityGroupIds"] == [cluster["sg"]]
    found = group(aws)
    assert found["launchTemplate"]["id"] == lt["LaunchTemplateId"] and found["version"] == "1.30"
    assert found["scalingConfig"] == {"minSize": 1, "maxSize": 3, "desiredSize": 2}
    assert group(aws, "spot")["taints"] == [{"key": "spot", "value": "true", "effect": "NO_SCHEDULE"}]
    aws.clear_calls()
    again = run(nodegroups=(GENERAL, SPOT))
    assert again["actions"] == [] and again["changed"] is False
    assert aws.writes() == [] and again["resources"] == []


def test_groups_of_a_cluster_not_created_yet_are_planned_with_their_templates(aws, run):
    planned = run(nodegroups=(GENERAL, SPOT), check_mode=True, cluster_name="trading-later")
    assert planned["actions"] == [
        "create launch template trading-later-general",
        "create node group general (ON_DEMAND m6i.large, 1-3)",
        "create launch template trading-later-spot",
        "create node group spot (SPOT m6i.large, m6a.large, 0-4)",
    ]
    assert [(r["kind"], r["name"], r["action"]) for r in planned["resources"]] == [
        ("launch template", "trading-later-general", "create"),
        ("node group", "general", "create"),
        ("launch template", "trading-later-spot", "create"),
        ("node group", "spot", "create"),
    ]
    assert aws.writes() == []
    gone = run(nodegroups=(GENERAL,), state="absent", cluster_name="trading-later")
    assert gone["changed"] is False and gone["resources"] == []


def test_check_mode_creates_nothing(aws, run):
    result = run(check_mode=True)
    assert result["changed"] is True and result["nodegroups"][0]["status"] == "CREATING"
    assert aws.client("eks").list_nodegroups(clusterName="trading-test")["nodegroups"] == []
    assert aws.writes() == []


def test_the_autoscalers_desired_size_is_not_fought(aws, run):
    run()
    aws.client("eks").update_nodegroup_config(
        clusterName="trading-test", nodegroupName="general", scalingConfig={"desiredSize": 3}
    )
    assert run()["changed"] is False
    assert group(aws)["scalingConfig"]["desiredSize"] == 3
    # New bounds move min and max; desired only when it falls outside them.
    result = run(nodegroups=(dict(GENERAL, min_size=1, max_size=2),))
    assert result["actions"] == ["scale node group general: 1-3 -> 1-2, desired 3 -> 2"]
    assert result["resources"] == [
        {"kind": "node group", "name": "general", "action": "change", "changes": result["actions"]}
    ]
    assert group(aws)["scalingConfig"] == {"minSize": 1, "maxSize": 2, "desiredSize": 2}


def test_labels_taints_and_the_template_change_in_place(aws, run):
    run()
    result = run(
        nodegroups=(dict(GENERAL, labels={"tier": "app"}, disk_size=80),), volume_kms_key_id="alias/trading-test"
    )
    assert result["actions"] == [
        "node group general: labels tier",
        "new version of launch template trading-test-general (BlockDeviceMappings)",
        "roll node group general: launch template version 1 -> 2",
    ]
    # The template's new version is a change of the template; the labels and the roll, of the group.
    assert result["resources"] == [
        {
            "kind": "node group",
            "name": "general",
            "action": "change",
            "changes": [result["actions"][i] for i in (0, 2)],
        },
        {
            "kind": "launch template",
            "name": "trading-test-general",
            "action": "change",
            "changes": [result["actions"][1]],
        },
    ]
    found = group(aws)
    assert found["labels"] == {"tier": "app"} and found["launchTemplate"]["version"] == "2"
    _lt, data = template_data(aws)
    assert data["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"] == 80


def test_what_cannot_change_is_refused(aws, run):
    run()
    aws.clear_calls()
    result = run(nodegroups=(dict(GENERAL, instance_types=["c6i.large"], capacity_type="SPOT"),))
    assert result.failed and "instance_types, capacity_type cannot change" in result["msg"]
    assert aws.writes() == []


def test_groups_follow_the_cluster_version(aws, run):
    run()
    aws.client("eks").update_cluster_version(name="trading-test", version="1.31")
    result = run()
    assert result["actions"] == ["roll node group general: Kubernetes 1.30 -> 1.31"]
    assert group(aws)["version"] == "1.31"


def test_bad_sizes_are_refused_before_any_call(aws, run):
    result = run(nodegroups=(dict(GENERAL, min_size=3, desired_size=2),))
    assert result.failed and "min_size <= desired_size <= max_size" in result["msg"]
    assert aws.calls()["total"] == 0


def test_purge_removes_unlisted_groups_and_their_templates(aws, run):
    run(nodegroups=(GENERAL, SPOT))
    result = run(nodegroups=(GENERAL,))
    assert result["actions"] == ["delete node group spot", "delete launch template trading-test-spot"]
    assert [(r["kind"], r["name"], r["action"]) for r in result["resources"]] == [
        ("node group", "spot", "delete"),
        ("launch template", "trading-test-spot", "delete"),
    ]
    assert aws.client("eks").list_nodegroups(clusterName="trading-test")["nodegroups"] == ["general"]
    planned = run(nodegroups=(GENERAL,), state="absent", check_mode=True)
    gone = run(nodegroups=(GENERAL,), state="absent")
    assert gone["actions"] == ["delete node group general", "delete launch template trading-test-general"]
    assert [(r["kind"], r["name"], r["action"]) for r in gone["resources"]] == [
        ("node group", "general", "delete"),
        ("launch template", "trading-test-general", "delete"),
    ]
    assert planned["resources"] == gone["resources"]
    assert aws.client("ec2").describe_launch_templates()["LaunchTemplates"] == []


def test_starts_all_groups_then_waits(aws, run):
    aws.set_latency(0.01)  # node groups: 2.4 s, still CREATING when the second call starts
    try:
        started = run(nodegroups=(GENERAL, SPOT), wait=False)
        assert [g["status"] for g in started["nodegroups"]] == ["CREATING", "CREATING"]
        waited = run(nodegroups=(GENERAL, SPOT))
        assert waited["changed"] is False and [g["status"] for g in waited["nodegroups"]] == ["ACTIVE", "ACTIVE"]
    finally:
        aws.set_latency(0)


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=7, services=["eks", "ec2"])
    result = run(nodegroups=(GENERAL, SPOT))
    assert not result.failed and group(aws, "spot")["status"] == "ACTIVE"
    assert aws.faults()["injected"] > 0
