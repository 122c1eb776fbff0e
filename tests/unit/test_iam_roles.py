"""iam_roles against the local AWS: one invocation for a component's roles, and a no-op that only reads."""

import json

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import iam_roles

from tests.helpers import run_module

TAGS = {"Project": "trading", "Environment": "test"}
POLICY = "arn:aws:iam::aws:policy/"
EKS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }
    ],
}
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
READ_LOGS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["logs:DescribeLogGroups"], "Resource": "*"}],
}
WRITE_LOGS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
    ],
}


def cluster_role(**overrides):
    role = {
        "name": "trading-test-eks-cluster",
        "description": "trading-test: EKS control plane",
        "assume_role_policy": EKS_TRUST,
        "managed_policies": [POLICY + "AmazonEKSClusterPolicy"],
        "inline_policies": {},
    }
    role.update(overrides)
    return role


def node_role(**overrides):
    role = {
        "name": "trading-test-eks-node",
        "description": "trading-test: EKS managed nodes",
        "assume_role_policy": json.dumps(EC2_TRUST),  # JSON text, as `| to_json` gives it
        "managed_policies": [POLICY + "AmazonEKSWorkerNodePolicy", POLICY + "AmazonEC2ContainerRegistryReadOnly"],
        "inline_policies": {"read-logs": READ_LOGS},
    }
    role.update(overrides)
    return role


@pytest.fixture
def run(aws, capsys):
    def _run(roles, check_mode=False, **overrides):
        args = {"roles": roles, "tags": TAGS}
        args.update(overrides)
        return run_module(iam_roles, args, check_mode=check_mode, capsys=capsys)

    return _run


def operations(aws):
    return [c["operation"] for c in aws.calls()["calls"] for _ in range(c["count"])]


def attached(aws, name):
    return sorted(
        p["PolicyArn"] for p in aws.client("iam").list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    )


def inline(aws, name):
    iam = aws.client("iam")
    return {
        p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
        for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
    }


def role_exists(aws, name):
    return name in {r["RoleName"] for r in aws.client("iam").list_roles()["Roles"]}


def test_create_then_a_second_run_only_reads(aws, run):
    created = run([cluster_role(), node_role()])
    assert created["changed"] is True, created
    assert created["actions"] == [
        "create role trading-test-eks-cluster",
        f"attach {POLICY}AmazonEKSClusterPolicy to role trading-test-eks-cluster",
        "create role trading-test-eks-node",
        f"attach {POLICY}AmazonEC2ContainerRegistryReadOnly to role trading-test-eks-node",
        f"attach {POLICY}AmazonEKSWorkerNodePolicy to role trading-test-eks-node",
        "add inline policy read-logs of role trading-test-eks-node",
    ]
    # Two roles created; their policies are parts of them.
    assert created["resources"] == [
        {"kind": "IAM role", "name": "trading-test-eks-cluster", "action": "create", "changes": created["actions"][:2]},
        {"kind": "IAM role", "name": "trading-test-eks-node", "action": "create", "changes": created["actions"][2:]},
    ]
    node = created["roles"]["trading-test-eks-node"]
    assert node["arn"] == "arn:aws:iam::123456789012:role/trading-test-eks-node"
    assert node["role_id"] and node["path"] == "/" and node["inline_policy_names"] == ["read-logs"]
    assert node["managed_policies"] == sorted(
        [POLICY + "AmazonEKSWorkerNodePolicy", POLICY + "AmazonEC2ContainerRegistryReadOnly"]
    )
    iam = aws.client("iam")
    found = iam.get_role(RoleName="trading-test-eks-cluster")["Role"]
    assert found["AssumeRolePolicyDocument"] == EKS_TRUST and found["Description"] == "trading-test: EKS control plane"
    assert {t["Key"]: t["Value"] for t in found["Tags"]} == TAGS
    assert inline(aws, "trading-test-eks-node") == {"read-logs": READ_LOGS}

    aws.clear_calls()
    again = run([cluster_role(), node_role()])
    assert again["changed"] is False and again["actions"] == [] and aws.writes() == []
    assert again["roles"] == created["roles"] and again["resources"] == []


def test_a_no_op_costs_four_reads_a_role_at_most(aws, run):
    """GetRole carries the tags: no ListRoleTags; one GetRolePolicy per inline policy; nothing else."""
    roles = [
        cluster_role(name=f"trading-test-role-{i}", inline_policies={"read-logs": READ_LOGS} if i % 2 else {})
        for i in range(8)
    ]
    run(roles)
    aws.clear_calls()
    assert run(roles)["changed"] is False
    ops = operations(aws)
    assert aws.writes() == []
    assert {op: ops.count(op) for op in set(ops)} == {
        "GetRole": 8,
        "ListAttachedRolePolicies": 8,
        "ListRolePolicies": 8,
        "GetRolePolicy": 4,
    }


def test_a_trust_policy_is_compared_as_a_policy_and_changed_in_place(aws, run):
    run([cluster_role()])
    role_id = aws.client("iam").get_role(RoleName="trading-test-eks-cluster")["Role"]["RoleId"]
    # The same policy written otherwise (key order, a list of one, statements reordered) is no change.
    reordered = {
        "Statement": [
            {
                "Action": ["sts:TagSession", "sts:AssumeRole"],
                "Principal": {"Service": ["eks.amazonaws.com"]},
                "Effect": "Allow",
            }
        ],
        "Version": "2012-10-17",
    }
    assert run([cluster_role(assume_role_policy=reordered)])["changed"] is False
    changed = run([cluster_role(assume_role_policy=EC2_TRUST)], _ansible_diff=True)
    assert changed["actions"] == ["update the trust policy of role trading-test-eks-cluster"]
    diff = changed["diff"]
    assert diff["before"]["trading-test-eks-cluster"]["assume_role_policy"] == EKS_TRUST
    assert diff["after"]["trading-test-eks-cluster"]["assume_role_policy"] == EC2_TRUST
    found = aws.client("iam").get_role(RoleName="trading-test-eks-cluster")["Role"]
    assert found["AssumeRolePolicyDocument"] == EC2_TRUST and found["RoleId"] == role_id


def test_managed_policies_are_the_exact_set(aws, run):
    run([cluster_role()])
    name = "trading-test-eks-cluster"
    aws.client("iam").attach_role_policy(RoleName=name, PolicyArn=POLICY + "ReadOnlyAccess")
    changed = run(
        [cluster_role(managed_policies=[POLICY + "AmazonEKSClusterPolicy", POLICY + "AmazonEKSVPCResourceController"])]
    )
    assert changed["actions"] == [
        f"attach {POLICY}AmazonEKSVPCResourceController to role {name}",
        f"detach {POLICY}ReadOnlyAccess from role {name}",
    ]
    assert attached(aws, name) == [POLICY + "AmazonEKSClusterPolicy", POLICY + "AmazonEKSVPCResourceController"]
    # Omitted leaves them alone; an empty list detaches them all.
    assert run([cluster_role(managed_policies=None)])["changed"] is False
    run([cluster_role(managed_policies=[])])
    assert attached(aws, name) == []


def test_inline_policies_are_added_changed_and_purged(aws, run):
    name = "trading-test-eks-node"
    run([node_role()])
    iam = aws.client("iam")
    iam.put_role_policy(RoleName=name, PolicyName="stray", PolicyDocument=json.dumps(READ_LOGS))
    changed = run([node_role(inline_policies={"read-logs": WRITE_LOGS, "write-logs": json.dumps(WRITE_LOGS)})])
    assert changed["actions"] == [
        f"update inline policy read-logs of role {name}",
        f"add inline policy write-logs of role {name}",
        f"delete inline policy stray of role {name}",
    ]
    assert changed["resources"] == [
        {"kind": "IAM role", "name": name, "action": "change", "changes": changed["actions"]}
    ]
    assert inline(aws, name) == {"read-logs": WRITE_LOGS, "write-logs": WRITE_LOGS}
    assert changed["roles"][name]["inline_policy_names"] == ["read-logs", "write-logs"]
    # Omitted leaves them alone; an empty dict deletes them all.
    assert run([node_role(inline_policies=None)])["changed"] is False
    run([node_role(inline_policies={})])
    assert inline(aws, name) == {}


def test_description_session_and_boundary_change_in_place(aws, run):
    name = "trading-test-eks-cluster"
    run([cluster_role()])
    changed = run(
        [cluster_role(description="changed", max_session_duration=7200, permissions_boundary=POLICY + "ReadOnlyAccess")]
    )
    assert changed["actions"] == [
        f"set the description 'changed' and maximum session 7200 s (was 3600) of role {name}",
        f"set the permissions boundary of role {name} to {POLICY}ReadOnlyAccess",
    ]
    found = aws.client("iam").get_role(RoleName=name)["Role"]
    assert (found["Description"], found["MaxSessionDuration"]) == ("changed", 7200)
    assert found["PermissionsBoundary"]["PermissionsBoundaryArn"] == POLICY + "ReadOnlyAccess"
    removed = run([cluster_role(description="changed", permissions_boundary="")])
    assert removed["actions"] == [f"remove the permissions boundary {POLICY}ReadOnlyAccess of role {name}"]
    assert "PermissionsBoundary" not in aws.client("iam").get_role(RoleName=name)["Role"]


def test_tags_are_purged_only_when_asked(aws, run):
    name = "trading-test-eks-cluster"
    run([cluster_role()])
    iam = aws.client("iam")
    iam.tag_role(RoleName=name, Tags=[{"Key": "Stray", "Value": "x"}])
    assert run([cluster_role()], purge_tags=False)["changed"] is False
    changed = run([cluster_role()], tags=dict(TAGS, Component="eks"))
    assert changed["actions"] == [f"tag role {name}: set Component", f"tag role {name}: remove Stray"]
    assert {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]} == dict(TAGS, Component="eks")
    assert changed["roles"][name]["tags"] == dict(TAGS, Component="eks")


def test_check_mode_writes_nothing_and_reports_the_actions_of_a_real_run(aws, run):
    roles = [cluster_role(), node_role()]
    aws.clear_calls()
    planned = run(roles, check_mode=True)
    assert aws.writes() == []
    assert planned["changed"] is True and planned["roles"]["trading-test-eks-node"]["arn"] is None
    assert not role_exists(aws, "trading-test-eks-node")
    made = run(roles)
    assert planned["actions"] == made["actions"]
    assert planned["resources"] == made["resources"] and {r["action"] for r in made["resources"]} == {"create"}
    # And on roles that exist: the same actions, still no write.
    changed = [
        cluster_role(assume_role_policy=EC2_TRUST, managed_policies=[]),
        node_role(inline_policies={"write-logs": WRITE_LOGS}),
    ]
    aws.clear_calls()
    planned = run(changed, check_mode=True)
    assert aws.writes() == [] and planned["changed"] is True
    assert planned["roles"]["trading-test-eks-cluster"]["managed_policies"] == []
    assert [(r["name"], r["action"]) for r in planned["resources"]] == [
        ("trading-test-eks-cluster", "change"),
        ("trading-test-eks-node", "change"),
    ]
    applied = run(changed)
    assert applied["actions"] == planned["actions"] and applied["resources"] == planned["resources"]
    assert run(changed, check_mode=True)["changed"] is False


def test_diff_shows_each_changed_role_before_and_after(aws, run):
    run([cluster_role(), node_role()])
    changed = run(
        [
            cluster_role(),
            node_role(
                inline_policies={"read-logs": WRITE_LOGS}, managed_policies=[POLICY + "AmazonEKSWorkerNodePolicy"]
            ),
        ],
        _ansible_diff=True,
    )
    before, after = changed["diff"]["before"], changed["diff"]["after"]
    assert list(before) == list(after) == ["trading-test-eks-node"]  # the cluster's role did not change
    assert [(r["name"], r["action"]) for r in changed["resources"]] == [("trading-test-eks-node", "change")]
    assert before["trading-test-eks-node"]["inline_policies"] == {"read-logs": READ_LOGS}
    assert after["trading-test-eks-node"]["inline_policies"] == {"read-logs": WRITE_LOGS}
    assert len(before["trading-test-eks-node"]["managed_policies"]) == 2
    assert after["trading-test-eks-node"]["managed_policies"] == [POLICY + "AmazonEKSWorkerNodePolicy"]
    assert after["trading-test-eks-node"]["tags"] == TAGS
    # Creation diffs from nothing.
    created = run([cluster_role(name="trading-test-new")], _ansible_diff=True)
    assert created["diff"]["before"] == {"trading-test-new": {}}
    assert created["diff"]["after"]["trading-test-new"]["assume_role_policy"] == EKS_TRUST


def test_absent_deletes_the_listed_roles_with_their_policies_and_instance_profiles(aws, run):
    run([cluster_role(), node_role()])
    iam = aws.client("iam")
    iam.create_instance_profile(InstanceProfileName="trading-test-eks-node")
    iam.add_role_to_instance_profile(InstanceProfileName="trading-test-eks-node", RoleName="trading-test-eks-node")
    iam.create_instance_profile(InstanceProfileName="shared-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="shared-profile", RoleName="trading-test-eks-node")
    planned = run(
        [{"name": "trading-test-eks-node"}, {"name": "trading-test-missing"}], check_mode=True, state="absent"
    )
    gone = run([{"name": "trading-test-eks-node"}, {"name": "trading-test-missing"}], state="absent")
    assert (
        gone["actions"]
        == planned["actions"]
        == [
            "remove role trading-test-eks-node from instance profile shared-profile",
            "remove role trading-test-eks-node from instance profile trading-test-eks-node",
            "delete instance profile trading-test-eks-node",
            f"detach {POLICY}AmazonEC2ContainerRegistryReadOnly from role trading-test-eks-node",
            f"detach {POLICY}AmazonEKSWorkerNodePolicy from role trading-test-eks-node",
            "delete inline policy read-logs of role trading-test-eks-node",
            "delete role trading-test-eks-node",
        ]
    )
    # The role's instance profile and policies go with it: one role deleted (the missing one is not listed).
    assert (
        gone["resources"]
        == planned["resources"]
        == [{"kind": "IAM role", "name": "trading-test-eks-node", "action": "delete", "changes": gone["actions"]}]
    )
    assert gone["roles"]["trading-test-eks-node"]["arn"] is None
    assert not role_exists(aws, "trading-test-eks-node") and role_exists(aws, "trading-test-eks-cluster")
    profiles = {p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]}
    assert profiles == {"shared-profile"}  # another name's profile is only left by the role
    again = run([{"name": "trading-test-eks-node"}], state="absent")
    assert again["changed"] is False and again["resources"] == []


def test_a_failure_half_way_leaves_the_role_and_says_where(aws, run):
    """What amazon.aws modules have been seen to do wrong: delete what they failed to configure."""
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logsPutLogEvents", "Resource": "*"}]}
    failed = run([cluster_role(), node_role(inline_policies={"read-logs": READ_LOGS, "writes": bad})])
    assert failed.failed, failed
    assert "role trading-test-eks-node: add inline policy writes of role trading-test-eks-node" in failed["msg"]
    assert "MalformedPolicyDocument" in failed["msg"] and "no role was deleted" in failed["msg"]
    # Both roles stay, with what was done before the failure (and reported as done).
    assert role_exists(aws, "trading-test-eks-node") and role_exists(aws, "trading-test-eks-cluster")
    assert "create role trading-test-eks-node" in failed["actions"]
    assert "add inline policy writes of role trading-test-eks-node" not in failed["actions"]
    # The failed change is not in resources either; what was done is, by role.
    assert [(r["name"], r["action"]) for r in failed["resources"]] == [
        ("trading-test-eks-cluster", "create"),
        ("trading-test-eks-node", "create"),
    ]
    assert [c for r in failed["resources"] for c in r["changes"]] == failed["actions"]
    assert inline(aws, "trading-test-eks-node") == {"read-logs": READ_LOGS}
    assert not [w for w in aws.writes() if w["operation"].startswith("Delete")]
    # Fixed, the next run finishes the job.
    fixed = run([cluster_role(), node_role(inline_policies={"read-logs": READ_LOGS, "writes": WRITE_LOGS})])
    assert fixed["actions"] == ["add inline policy writes of role trading-test-eks-node"]


def test_a_managed_policy_that_does_not_exist_fails_before_any_write(aws, run):
    run([cluster_role()])
    aws.clear_calls()
    failed = run(
        [cluster_role(assume_role_policy=EC2_TRUST, managed_policies=[POLICY + "AmazonEKSClusterPolicyy"]), node_role()]
    )
    assert failed.failed and f"managed policy {POLICY}AmazonEKSClusterPolicyy does not exist" in failed["msg"]
    assert "nothing was changed" in failed["msg"] and failed["resources"] == []
    assert aws.writes() == [] and not role_exists(aws, "trading-test-eks-node")
    assert attached(aws, "trading-test-eks-cluster") == [POLICY + "AmazonEKSClusterPolicy"]


def test_what_cannot_be_done_is_refused_before_any_call_or_write(aws, run):
    assert "more than once" in run([cluster_role(), cluster_role()])["msg"]
    assert aws.calls()["total"] == 0
    missing_trust = run([{"name": "trading-test-x", "managed_policies": []}])
    assert missing_trust.failed and "no assume_role_policy" in missing_trust["msg"]
    run([cluster_role()])
    aws.clear_calls()
    moved = run([cluster_role(path="/service/")])
    assert moved.failed and "IAM cannot move a role" in moved["msg"] and aws.writes() == []
    not_arn = run([cluster_role(managed_policies=["AmazonEKSClusterPolicy"])])
    assert not_arn.failed and "is not an ARN" in not_arn["msg"] and aws.writes() == []


def test_throttling_is_retried(aws, run):
    aws.set_faults(throttle_rate=0.3, seed=5, services=["iam"])
    try:
        result = run([cluster_role(), node_role()])
    finally:
        aws.set_faults()
    assert result["changed"] is True, result
    assert inline(aws, "trading-test-eks-node") == {"read-logs": READ_LOGS}
    assert attached(aws, "trading-test-eks-cluster") == [POLICY + "AmazonEKSClusterPolicy"]
