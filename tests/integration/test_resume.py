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

from tests.helpers import LOCAL_PLATFORM_COUNTS, REPO, ansible_env, resource_counts, run_playbook

pytestmark = [pytest.mark.playbook, pytest.mark.stack]

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


def test_a_run_killed_at_any_point_resumes_without_duplicates(aws):
    aws.set_latency(0.02)  # NAT gateway 2.4 s, EKS control plane 12 s, Aurora cluster 6 s
    try:
        # 1. In the middle of the call that creates the VPC, its subnets and gateways.
        def vpc_exists():
            return resource_counts(aws)["vpcs"] > 0

        run_until(aws.port, "Reconcile the VPC, subnets, gateways, routes, network ACLs", until=vpc_exists)
        assert resource_counts(aws)["vpcs"] == 1 and resource_counts(aws)["eks_clusters"] == 0

        refused = run_playbook(aws.port, "site.yml", "local", "--tags", "network")
        assert refused.returncode != 0 and "-e force_unlock=true" in " ".join(refused.stdout.split())

        # 2. Right after the NAT gateway was started: pending, no route through it yet.
        run_until(aws.port, "Reconcile the VPC, subnets, gateways, routes, network ACLs")
        assert resource_counts(aws)["nat_gateways"] == 1

        # 3. After the EKS control plane was started (CREATING for 12 s).
        run_until(aws.port, "Start the EKS control plane")
        assert resource_counts(aws)["eks_clusters"] == 1

        # 4. While Aurora's cluster is being created, before its instances.
        run_until(aws.port, "Aurora cluster with its writer and readers", delay=0.5)
        assert resource_counts(aws)["aurora_clusters"] == 1

        final = run_playbook(aws.port, "site.yml", "local", "-e", "force_unlock=true")
        assert final.returncode == 0, (final.stdout + final.stderr)[-3000:]
    finally:
        aws.set_latency(0)
    assert resource_counts(aws) == LOCAL_PLATFORM_COUNTS
