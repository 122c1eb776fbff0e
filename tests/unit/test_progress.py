"""Progress of the long waits: what the modules report at each poll, and the progress callback showing
it while an EKS control plane is created in the local AWS (latency model on), on a terminal and not."""

from __future__ import annotations

import datetime
import json
import os
import pty
import re
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.module_utils import progress
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.waiters import wait_for

from tests.helpers import REPO, ansible_env

CALLBACK = REPO / "plugins" / "callback" / "progress.py"


class Module:
    def fail_json(self, **kwargs):
        raise AssertionError(kwargs)


def test_a_wait_reports_every_poll_timed_from_the_creation(tmp_path, monkeypatch):
    path = tmp_path / "progress.jsonl"
    monkeypatch.setenv(progress.ENV_VAR, str(path))
    created = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=4)
    states = iter(["CREATING", "CREATING", "ACTIVE"])

    def describe():
        return {"status": next(states), "createdAt": created}

    watch = progress.Watch(
        "eks trading-prod", "eks-cluster", lambda c: c["status"], lambda c: progress.since(c["createdAt"])
    )
    found = wait_for(
        Module(), describe, lambda c: c["status"] == "ACTIVE", "EKS cluster", 10, delay=0.01, cap=0.01, watch=watch
    )
    assert found["status"] == "ACTIVE"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(e["state"], e["done"]) for e in lines] == [("CREATING", False), ("CREATING", False), ("ACTIVE", True)]
    assert {e["usual"] for e in lines} == {600}  # the create's usual time, kept once ACTIVE
    assert all(abs(e["started"] - created.timestamp()) < 1 for e in lines)  # from the creation, 4 minutes ago


def test_without_the_callback_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv(progress.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    progress.report("eks x", "CREATING", time.time(), 600)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv(progress.ENV_VAR, str(tmp_path / "missing-dir" / "p.jsonl"))
    progress.report("eks x", "CREATING", time.time(), 600)  # an unwritable file never fails a wait


def test_the_usual_times_are_the_local_aws_latency_table():
    from tools.local_aws import latency

    assert latency.SECONDS == progress.USUAL_SECONDS  # the same file (imported as plugins.module_utils.progress)
    assert progress.USUAL_SECONDS[("eks-cluster", "create")] == 600


PLAYBOOK = """
- name: A control plane
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: The cluster
      ninetynine.trading_infra.eks_cluster:
        name: trading-progress
        version: "1.32"
        role_arn: arn:aws:iam::123456789012:role/trading-progress-eks-cluster
        subnets: {subnets}
        secrets_kms_key_arn: arn:aws:kms:us-east-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666
        wait_timeout: 120
"""


@pytest.fixture
def cluster_playbook(aws, tmp_path):
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.4.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    playbook = tmp_path / "cluster.yml"
    playbook.write_text(textwrap.dedent(PLAYBOOK.format(subnets=json.dumps(subnets))))
    aws.set_latency(0.008)  # the control plane: 4.8 s CREATING
    yield playbook
    aws.set_latency(0)


def command(playbook: Path, *args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook), "-i", "localhost,", *args]


PROGRESS_LINE = re.compile(r"^eks trading-progress\s+CREATING\s+\d+s / ~10m$", re.MULTILINE)


@pytest.mark.playbook
def test_outside_a_terminal_a_line_per_resource_every_interval(aws, cluster_playbook):
    env = ansible_env(aws.port, TRADING_PROGRESS_INTERVAL="1")
    done = subprocess.run(
        command(cluster_playbook), cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert len(PROGRESS_LINE.findall(done.stdout)) >= 2, done.stdout
    assert re.search(r"^eks trading-progress\s+ACTIVE\s+\d+s / ~10m$", done.stdout, re.MULTILINE), done.stdout
    assert "\x1b[" not in done.stdout  # no cursor movement in a log


@pytest.mark.playbook
def test_json_output_and_vvv_stay_as_ansible_makes_them(aws, cluster_playbook):
    env = ansible_env(aws.port, TRADING_PROGRESS_INTERVAL="1", ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    done = subprocess.run(
        command(cluster_playbook), cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stats"]["localhost"]["changed"] == 1
    aws.client("eks").delete_cluster(name="trading-progress")
    time.sleep(3)  # deleting, latency model on: gone after 2.4 s
    env = ansible_env(aws.port, TRADING_PROGRESS_INTERVAL="1")
    verbose = subprocess.run(
        command(cluster_playbook, "-vvv"), cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert verbose.returncode == 0, verbose.stdout[-3000:]
    assert not PROGRESS_LINE.search(verbose.stdout)


@pytest.mark.playbook
def test_on_a_terminal_the_block_is_redrawn_in_place(aws, cluster_playbook):
    env = ansible_env(aws.port, ANSIBLE_FORCE_COLOR="0", TERM="xterm", COLUMNS="120")
    main, child = pty.openpty()
    proc = subprocess.Popen(command(cluster_playbook), cwd=REPO, env=env, stdin=child, stdout=child, stderr=child)
    os.close(child)
    output = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 1)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(main)
    text = output.decode("utf-8", "replace")
    assert proc.returncode == 0, text[-3000:]
    redraws = re.findall(r"\x1b\[1F\x1b\[2Keks trading-progress\s+CREATING\s+\d+s / ~10m", text)
    assert len(redraws) >= 2, text[-3000:]  # the same line, redrawn in place
    assert re.search(r"eks trading-progress\s+ACTIVE\s+\d+s / ~10m", text)
