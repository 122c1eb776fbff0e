"""A run killed at any point, run again, converges with no duplicate resource.

site.yml is killed (SIGKILL to its whole process group, as a lost laptop or a cancelled AWX job
would) at four points: after the VPC, while the NAT gateway is pending, after the EKS control plane
was started, and while Aurora is being created. The latency model keeps the slow resources in their
transitional states long enough to be caught there. Each re-run finds the lock the dead run left,
is refused, and goes on with -e force_unlock=true. At the end every resource is counted by its tags.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import REPO, ansible_env, run_playbook

pytestmark = pytest.mark.playbook

PLAYBOOK = [str(Path(sys.executable).parent / "ansible-playbook"), "site.yml", "-i", "inventories/local"]


def run_until(port, marker, delay=0.0, until=None, timeout=600):
    """Run site.yml with force_unlock; SIGKILL it ``delay`` seconds after the result line of the first
    task whose TASK line contains ``marker``, or, given ``until``, as soon as ``until()`` is true once
    that task started (to kill a module in the middle of its work). Returns the output so far."""
    proc = subprocess.Popen(
        [*PLAYBOOK, "-e", "force_unlock=true"],
        cwd=REPO,
        env=ansible_env(port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines, armed, deadline = [], False, time.monotonic() + timeout
    try:
        for line in proc.stdout:
            lines.append(line)
            if marker in line and line.startswith("TASK ["):
                armed = True
                if until is not None:
                    while not until():
                        assert time.monotonic() < deadline, "".join(lines[-40:])
                        time.sleep(0.05)
                    break
            elif armed and line.startswith(("ok:", "changed:")):
                time.sleep(delay)
                break
            assert time.monotonic() < deadline, "".join(lines[-40:])
        else:
            pytest.fail(f"site.yml ended before {marker!r}:\n{''.join(lines[-40:])}")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return "".join(lines)


def counts(aws):
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


def test_a_run_killed_at_any_point_resumes_without_duplicates(aws):
    aws.set_latency(0.02)  # NAT gateway 2.4 s, EKS control plane 12 s, Aurora cluster 6 s
    try:
        # 1. In the middle of the call that creates the VPC, its subnets and gateways.
        vpc_exists = lambda: counts(aws)["vpcs"] > 0  # noqa: E731
        run_until(aws.port, "Reconcile the VPC, subnets, internet and NAT gateways", until=vpc_exists)
        assert counts(aws)["vpcs"] == 1 and counts(aws)["eks_clusters"] == 0

        refused = run_playbook(aws.port, "site.yml", "local", "--tags", "network")
        assert refused.returncode != 0 and "-e force_unlock=true" in " ".join(refused.stdout.split())

        # 2. Right after the NAT gateway was started: pending, no route through it yet.
        run_until(aws.port, "Reconcile the VPC, subnets, internet and NAT gateways")
        assert counts(aws)["nat_gateways"] == 1

        # 3. After the EKS control plane was started (CREATING for 12 s).
        run_until(aws.port, "Start the EKS control plane")
        assert counts(aws)["eks_clusters"] == 1

        # 4. While Aurora's cluster is being created, before its instances.
        run_until(aws.port, "Aurora cluster with its writer and readers", delay=0.5)
        assert counts(aws)["aurora_clusters"] == 1

        final = run_playbook(aws.port, "site.yml", "local", "-e", "force_unlock=true")
        assert final.returncode == 0, (final.stdout + final.stderr)[-3000:]
    finally:
        aws.set_latency(0)
    assert counts(aws) == {
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
        "kms_aliases": 3,  # the data tier's, EKS's and compliance's keys
    }
