"""Shared test helpers: run the collection's modules in-process and playbooks as subprocesses,
both against the real local AWS over HTTP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The collection resolves as ansible_collections.ninetynine.trading_infra through collections/.
if str(REPO / "collections") not in sys.path:
    sys.path.insert(0, str(REPO / "collections"))


def pins(path) -> dict[str, str]:
    """name (lower case, extras dropped: ``moto[server]`` is ``moto``) -> version of every exact pin
    of a pip requirements or constraints file; ``path`` is absolute or relative to the clone."""
    out = {}
    for line in (REPO / path).read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^\s#]+)", line.strip())
        if match:
            out[match.group(1).lower()] = match.group(3)
    return out


def installed_collection_version(fqcn: str) -> str | None:
    """The version of a collection installed for this interpreter (the ansible package's), or None."""
    namespace, name = fqcn.split(".")
    for entry in sys.path:
        manifest = Path(entry) / "ansible_collections" / namespace / name / "MANIFEST.json"
        if manifest.is_file():
            return json.loads(manifest.read_text())["collection_info"]["version"]
    return None


class ModuleResult(dict):
    @property
    def failed(self) -> bool:
        return bool(self.get("failed"))


def run_module(module, args: dict, check_mode: bool = False, capsys=None) -> ModuleResult:
    """Run an Ansible module's main() in this process and return its JSON result."""
    from ansible.module_utils import _internal
    from ansible.module_utils.common import warnings as module_warnings
    from ansible.module_utils.testing import patch_module_args

    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    # A module runs in a process of its own, never the controller's. Here every test shares one process,
    # where another test may have loaded controller code (the module's warnings would then go to the
    # display, not into its result) or left warnings and deprecations of its own modules behind.
    was_controller = _internal.is_controller
    _internal.is_controller = False
    module_warnings._global_warnings.clear()
    module_warnings._global_deprecations.clear()
    try:
        with patch_module_args(args), pytest.raises(SystemExit):
            module.main()
    finally:
        _internal.is_controller = was_controller
        module_warnings._global_warnings.clear()
        module_warnings._global_deprecations.clear()
    out = capsys.readouterr().out
    return ModuleResult(json.loads(out.strip().splitlines()[-1]))


def ansible_env(port: int, **extra) -> dict:
    env = dict(os.environ)
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        env.pop(var, None)
    env.update(
        LOCAL_AWS_PORT=str(port),
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(extra)
    return env


def run_playbook(port: int, playbook: str, inventory: str = "local", *args: str, timeout: int = 1800):
    """ansible-playbook from the repo root against the local AWS; returns the CompletedProcess."""
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), playbook, "-i", f"inventories/{inventory}", *args]
    return subprocess.run(
        cmd, cwd=REPO, env=ansible_env(port), capture_output=True, text=True, timeout=timeout, check=False
    )


def last_line(output: str) -> str:
    """The last line of a run's output that is not blank: the plan callback's summary line."""
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def recap(output: str) -> dict:
    """The PLAY RECAP counters of localhost, e.g. {'ok': 12, 'changed': 0, 'failed': 0, ...}."""
    for line in output.splitlines():
        if line.startswith("localhost") and "ok=" in line:
            return {k: int(v) for k, v in (part.split("=") for part in line.split(":", 1)[1].split())}
    raise AssertionError("no PLAY RECAP line for localhost in:\n" + output[-3000:])


def resource_counts(aws):
    """The platform's resources in the local AWS, counted by kind (by the Environment tag where AWS has one)."""
    ec2 = aws.client("ec2")
    env = [{"Name": "tag:Environment", "Values": ["local"]}]
    rds, eks = aws.client("rds"), aws.client("eks")
    clusters = eks.list_clusters()["clusters"]
    return {
        "vpcs": len(ec2.describe_vpcs(Filters=env)["Vpcs"]),
        "subnets": len(ec2.describe_subnets(Filters=env)["Subnets"]),
        "nat_gateways": len(
            [n for n in ec2.describe_nat_gateways(Filter=env)["NatGateways"] if n["State"] in ("pending", "available")]
        ),
        "elastic_ips": len(ec2.describe_addresses(Filters=env)["Addresses"]),
        "route_tables": len(ec2.describe_route_tables(Filters=env)["RouteTables"]),
        "security_groups": len(ec2.describe_security_groups(Filters=env)["SecurityGroups"]),
        "eks_clusters": len(clusters),
        "node_groups": sum(len(eks.list_nodegroups(clusterName=c)["nodegroups"]) for c in clusters),
        "launch_templates": len(ec2.describe_launch_templates(Filters=env)["LaunchTemplates"]),
        "aurora_clusters": len(rds.describe_db_clusters()["DBClusters"]),
        "aurora_instances": len(rds.describe_db_instances()["DBInstances"]),
        "redis_groups": len(aws.client("elasticache").describe_replication_groups()["ReplicationGroups"]),
        "load_balancers": len(aws.client("elbv2").describe_load_balancers()["LoadBalancers"]),
        "kms_aliases": len(
            [a for a in aws.client("kms").list_aliases()["Aliases"] if "trading-local" in a["AliasName"]]
        ),
    }


# What site.yml builds with inventories/local, counted by resource_counts.
LOCAL_PLATFORM_COUNTS = {
    "vpcs": 1,
    "subnets": 9,
    "nat_gateways": 1,  # single NAT mode in local
    "elastic_ips": 1,
    "route_tables": 5,  # public, one private per zone, data
    "security_groups": 5,  # data clients, Aurora, Redis, ALB, ALB targets
    "eks_clusters": 1,
    "node_groups": 1,
    "launch_templates": 1,
    "aurora_clusters": 1,
    "aurora_instances": 2,  # writer and one reader
    "redis_groups": 1,
    "load_balancers": 1,
    "kms_aliases": 4,  # the data tier's, EKS's, compliance's and the flow logs' keys
}


def check_diagram(aws, env: str, where) -> str:
    """playbooks/diagram.yml on a converged environment: read-only in AWS, an SVG that names what exists
    by its real ids (the VPC, every NAT gateway, the cluster, the stores' members, the topic), a PNG, and a
    re-run that rewrites nothing. Returns the SVG's text as a reader sees it."""
    import html

    aws.clear_calls()
    first = run_playbook(aws.port, "playbooks/diagram.yml", env, "-e", f"diagram_output_dir={where}")
    out = first.stdout + first.stderr
    assert first.returncode == 0, out[-4000:]
    assert aws.writes() == []
    base = Path(where) / env
    svg = html.unescape((base.with_suffix(".svg")).read_text())
    assert base.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ec2 = aws.client("ec2")
    tagged = [{"Name": "tag:Environment", "Values": [env]}]
    vpc_ids = [v["VpcId"] for v in ec2.describe_vpcs(Filters=tagged)["Vpcs"]]
    nats = ec2.describe_nat_gateways(Filters=[*tagged, {"Name": "state", "Values": ["available", "pending"]}])
    nat_ids = [n["NatGatewayId"] for n in nats["NatGateways"]]
    members = [
        m["DBInstanceIdentifier"]
        for c in aws.client("rds").describe_db_clusters()["DBClusters"]
        if c["DBClusterIdentifier"].startswith(f"trading-{env}-")
        for m in c["DBClusterMembers"]
    ]
    cache_nodes = [
        n
        for g in aws.client("elasticache").describe_replication_groups()["ReplicationGroups"]
        if g["ReplicationGroupId"].startswith(f"trading-{env}-")
        for n in g["MemberClusters"]
    ]
    assert len(vpc_ids) == 1 and nat_ids and members and cache_nodes
    # A web ACL is drawn where the environment has one (dev runs without: alb_waf_enabled false).
    acls = [a for a in aws.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"] if f"-{env}" in a["Name"]]
    assert ("WAF web ACL" in svg) == bool(acls), f"the web ACLs {acls} and {base}.svg disagree"
    for text in [
        *vpc_ids,
        *nat_ids,
        *members,
        *cache_nodes,
        f"EKS cluster trading-{env}",
        "node group ",
        "Application load balancer",
        "Internet gateway",
        "public subnets",
        "private subnets",
        "data subnets",
        "writer ",
        "primary ",
        "CloudWatch alarms",
        f"trading-{env}-alerts",
    ]:
        assert text in svg, f"{text} is not in {base}.svg"
    again = run_playbook(aws.port, "playbooks/diagram.yml", env, "-e", f"diagram_output_dir={where}")
    assert again.returncode == 0 and recap(again.stdout)["changed"] == 0, again.stdout[-3000:]
    return svg
