"""eks_addons, eks_access_entries and iam_oidc_provider against the local AWS."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.modules import (
    eks_access_entries,
    eks_addons,
    iam_oidc_provider,
)

from tests.helpers import run_module

ADMIN = "arn:aws:iam::123456789012:role/platform-admin"
DEV = "arn:aws:iam::123456789012:role/trading-developers"
CNI_ROLE = "arn:aws:iam::123456789012:role/trading-test-vpc-cni"
ADDONS_130 = [
    {"name": "vpc-cni", "version": "v1.19.2-eksbuild.1", "service_account_role_arn": CNI_ROLE},
    {"name": "coredns", "version": "v1.11.3-eksbuild.1"},
    {"name": "kube-proxy", "version": "v1.30.6-eksbuild.3"},
]


@pytest.fixture
def cluster(aws):
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.6.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    found = aws.client("eks").create_cluster(
        name="trading-test",
        version="1.30",
        roleArn="arn:aws:iam::123456789012:role/c",
        resourcesVpcConfig={"subnetIds": subnets},
        accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
    )["cluster"]
    aws.clear_calls()
    return found


@pytest.fixture
def addons(aws, capsys, cluster):
    def _run(items=ADDONS_130, check_mode=False, **args):
        base = {"cluster_name": "trading-test", "addons": items, "tags": {"Environment": "test"}, "wait_timeout": 30}
        base.update(args)
        return run_module(eks_addons, base, check_mode=check_mode, capsys=capsys)

    return _run


@pytest.fixture
def entries(aws, capsys, cluster):
    def _run(items, check_mode=False, **args):
        base = {"cluster_name": "trading-test", "entries": items, "purge": True}
        base.update(args)
        return run_module(eks_access_entries, base, check_mode=check_mode, capsys=capsys)

    return _run


def installed(aws):
    eks = aws.client("eks")
    return {
        n: eks.describe_addon(clusterName="trading-test", addonName=n)["addon"]
        for n in eks.list_addons(clusterName="trading-test")["addons"]
    }


def test_addons_are_created_at_their_pins_then_left_alone(aws, addons):
    check = addons(check_mode=True)
    assert check["changed"] and aws.writes() == [] and installed(aws) == {}
    result = addons()
    assert result["actions"] == [
        "create add-on vpc-cni v1.19.2-eksbuild.1",
        "create add-on coredns v1.11.3-eksbuild.1",
        "create add-on kube-proxy v1.30.6-eksbuild.3",
    ]
    assert result["resources"] == [
        {
            "kind": "add-on",
            "name": a["name"],
            "action": "create",
            "changes": [f"create add-on {a['name']} {a['version']}"],
        }
        for a in ADDONS_130
    ]
    assert check["resources"] == result["resources"]
    found = installed(aws)
    assert found["vpc-cni"]["serviceAccountRoleArn"] == CNI_ROLE and found["coredns"]["status"] == "ACTIVE"
    aws.clear_calls()
    again = addons()
    assert again["actions"] == [] and again["changed"] is False and aws.writes() == []
    assert again["resources"] == []


def test_addons_and_entries_of_a_cluster_not_created_yet_are_planned_as_created(aws, addons, entries):
    planned = addons(check_mode=True, cluster_name="trading-later")
    assert [(r["kind"], r["name"], r["action"]) for r in planned["resources"]] == [
        ("add-on", a["name"], "create") for a in ADDONS_130
    ]
    assert addons(state="absent", cluster_name="trading-later")["resources"] == []
    planned = entries([{"principal_arn": ADMIN}], check_mode=True, cluster_name="trading-later")
    assert planned["resources"] == [
        {"kind": "access entry", "name": ADMIN, "action": "create", "changes": [f"create access entry {ADMIN}"]}
    ]


def test_a_version_eks_does_not_offer_is_refused_before_any_change(aws, addons):
    result = addons(items=[{"name": "coredns", "version": "v1.11.4-eksbuild.2"}])
    assert result.failed and "not offered by EKS for Kubernetes 1.30" in result["msg"]
    assert "v1.11.3-eksbuild.1" in result["msg"] and aws.writes() == []


def test_addons_follow_a_cluster_upgrade_and_conflicts_resolve_as_asked(aws, addons):
    addons()
    aws.client("eks").update_cluster_version(name="trading-test", version="1.31")
    pins = [
        dict(ADDONS_130[0], resolve_conflicts="OVERWRITE"),
        {"name": "coredns", "version": "v1.11.3-eksbuild.2"},
        {"name": "kube-proxy", "version": "v1.31.3-eksbuild.2", "configuration_values": {"mode": "ipvs"}},
    ]
    result = addons(items=pins)
    assert result["actions"] == [
        "update add-on coredns: version v1.11.3-eksbuild.1 -> v1.11.3-eksbuild.2",
        "update add-on kube-proxy: version v1.30.6-eksbuild.3 -> v1.31.3-eksbuild.2; configuration values",
    ]
    # Two add-ons changed, vpc-cni (resolve_conflicts only) not.
    assert [(r["kind"], r["name"], r["action"]) for r in result["resources"]] == [
        ("add-on", "coredns", "change"),
        ("add-on", "kube-proxy", "change"),
    ]
    assert result["diff"]["before"]["coredns"]["version"] == "v1.11.3-eksbuild.1"
    found = installed(aws)
    assert found["kube-proxy"]["addonVersion"] == "v1.31.3-eksbuild.2"
    assert found["kube-proxy"]["configurationValues"] == '{"mode": "ipvs"}'
    assert addons(items=pins)["changed"] is False


def test_purge_and_absent_delete_addons(aws, addons):
    addons()
    result = addons(items=ADDONS_130[1:], purge=True)
    assert result["actions"] == ["delete add-on vpc-cni"]
    assert result["resources"] == [
        {"kind": "add-on", "name": "vpc-cni", "action": "delete", "changes": ["delete add-on vpc-cni"]}
    ]
    assert sorted(installed(aws)) == ["coredns", "kube-proxy"]
    planned = addons(items=ADDONS_130[1:], state="absent", check_mode=True)
    gone = addons(items=ADDONS_130[1:], state="absent")
    assert gone["actions"] == [
        "delete add-on coredns",
        "delete add-on kube-proxy",
    ]
    assert [(r["name"], r["action"]) for r in gone["resources"]] == [("coredns", "delete"), ("kube-proxy", "delete")]
    assert planned["resources"] == gone["resources"]
    assert installed(aws) == {}
    assert addons(items=ADDONS_130[1:], state="absent")["resources"] == []


def test_addons_start_together_then_wait(aws, addons):
    aws.set_latency(0.02)  # 1.2 s each
    try:
        result = addons()
        assert not result.failed and {a["status"] for a in result["addons"]} == {"ACTIVE"}
    finally:
        aws.set_latency(0)


def test_a_call_with_wait_waits_for_what_an_earlier_call_started(aws, addons):
    aws.set_latency(0.05)  # 3 s each: still CREATING when the second call starts
    try:
        started = addons(wait=False)
        assert {a["status"] for a in started["addons"]} == {"CREATING"}
        waited = addons()
        assert waited["changed"] is False and {a["status"] for a in waited["addons"]} == {"ACTIVE"}
    finally:
        aws.set_latency(0)


def test_access_entries_with_policies_and_scopes(aws, entries):
    wanted = [
        {"principal_arn": ADMIN, "policies": [{"policy": "AmazonEKSClusterAdminPolicy"}]},
        {
            "principal_arn": DEV,
            "kubernetes_groups": ["trading-devs"],
            "policies": [{"policy": "AmazonEKSViewPolicy", "namespaces": ["ledger", "market-data"]}],
        },
    ]
    planned = entries(wanted, check_mode=True)
    assert planned["changed"] and aws.writes() == []
    result = entries(wanted)
    assert result["actions"] == [
        f"create access entry {ADMIN}",
        f"associate AmazonEKSClusterAdminPolicy with {ADMIN} cluster-wide",
        f"create access entry {DEV}",
        f"associate AmazonEKSViewPolicy with {DEV} in ledger, market-data",
    ]
    # Two entries, each created with its policy association.
    assert result["resources"] == [
        {"kind": "access entry", "name": ADMIN, "action": "create", "changes": result["actions"][:2]},
        {"kind": "access entry", "name": DEV, "action": "create", "changes": result["actions"][2:]},
    ]
    assert planned["resources"] == result["resources"]
    eks = aws.client("eks")
    policies = eks.list_associated_access_policies(clusterName="trading-test", principalArn=DEV)
    assert policies["associatedAccessPolicies"][0]["accessScope"] == {
        "type": "namespace",
        "namespaces": ["ledger", "market-data"],
    }
    aws.clear_calls()
    again = entries(wanted)
    assert again["changed"] is False and aws.writes() == [] and again["resources"] == []
    # Another policy for the developers: a change of their entry only.
    wider = [wanted[0], dict(wanted[1], policies=[*wanted[1]["policies"], {"policy": "AmazonEKSEditPolicy"}])]
    changed = entries(wider)
    assert changed["resources"] == [
        {
            "kind": "access entry",
            "name": DEV,
            "action": "change",
            "changes": [f"associate AmazonEKSEditPolicy with {DEV} cluster-wide"],
        }
    ]
    entries(wanted)
    # Dropping the developers removes their entry; an EKS-made node entry is never touched.
    eks.create_access_entry(clusterName="trading-test", principalArn=CNI_ROLE, type="EC2_LINUX")
    result = entries(wanted[:1])
    assert result["actions"] == [f"delete access entry {DEV}"]
    assert result["resources"] == [
        {"kind": "access entry", "name": DEV, "action": "delete", "changes": [f"delete access entry {DEV}"]}
    ]
    assert sorted(eks.list_access_entries(clusterName="trading-test")["accessEntries"]) == sorted([CNI_ROLE, ADMIN])


def test_an_access_entry_needs_an_iam_arn(aws, entries):
    result = entries([{"principal_arn": "platform-admin"}])
    assert result.failed and "is not an IAM ARN" in result["msg"] and aws.calls()["total"] == 0


def test_oidc_provider_for_the_cluster_issuer(aws, capsys, cluster):
    url = cluster["identity"]["oidc"]["issuer"]

    def run(**args):
        return run_module(iam_oidc_provider, dict({"url": url, "tags": {"Environment": "test"}}, **args), capsys=capsys)

    planned = run(_ansible_check_mode=True)
    assert planned["changed"] and aws.writes() == []
    created = run()
    assert created["actions"] == [f"create OIDC provider {url[8:]}"]
    assert created["resources"] == [
        {"kind": "OIDC provider", "name": url[8:], "action": "create", "changes": created["actions"]}
    ]
    assert planned["resources"] == created["resources"]
    assert created["arn"].endswith(":oidc-provider/" + url[8:]) and created["issuer"] == url[8:]
    iam = aws.client("iam")
    found = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=created["arn"])
    assert found["ClientIDList"] == ["sts.amazonaws.com"]
    aws.clear_calls()
    again = run()
    assert again["changed"] is False and aws.writes() == [] and again["resources"] == []
    changed = run(client_ids=["sts.amazonaws.com", "trading"], tags={"Environment": "test", "Owner": "platform"})
    assert changed["actions"] == [
        f"OIDC provider {url[8:]}: add audience trading",
        f"tag OIDC provider {url[8:]}: set Owner",
    ]
    assert changed["resources"] == [
        {"kind": "OIDC provider", "name": url[8:], "action": "change", "changes": changed["actions"]}
    ]
    removed = run(state="absent")
    assert removed["changed"] and iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    assert removed["resources"] == [
        {"kind": "OIDC provider", "name": url[8:], "action": "delete", "changes": [f"delete OIDC provider {url[8:]}"]}
    ]
    assert run(state="absent")["resources"] == []


def test_throttling_is_retried(aws, addons):
    aws.set_faults(throttle_rate=0.3, seed=7, services=["eks"])
    result = addons()
    injected = aws.faults()["injected"]
    aws.set_faults()
    assert not result.failed and len(installed(aws)) == 3 and injected > 0


def test_oidc_providers_are_deleted_by_their_tags_once_the_cluster_is_gone(aws, capsys, cluster):
    url = cluster["identity"]["oidc"]["issuer"]
    tags = {"Environment": "test", "Component": "eks", "Name": "trading-test"}
    run_module(iam_oidc_provider, {"url": url, "tags": tags}, capsys=capsys)
    run_module(
        iam_oidc_provider, {"url": "https://oidc.example.com/other", "tags": {"Environment": "other"}}, capsys=capsys
    )
    gone = run_module(iam_oidc_provider, {"tags": tags, "state": "absent"}, capsys=capsys)
    assert gone["actions"] == [f"delete OIDC provider {url[8:]}"]
    assert gone["resources"] == [
        {"kind": "OIDC provider", "name": url[8:], "action": "delete", "changes": gone["actions"]}
    ]
    assert run_module(iam_oidc_provider, {"tags": tags, "state": "absent"}, capsys=capsys)["resources"] == []
    left = aws.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert [p["Arn"].rsplit("/", 1)[-1] for p in left] == ["other"]
    refused = run_module(iam_oidc_provider, {"state": "absent"}, capsys=capsys)
    assert refused.failed
