"""Shared test helpers: run the collection's modules in-process and playbooks as subprocesses,
both against the real local AWS over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The collection resolves as ansible_collections.ninetynine.trading_infra through collections/.
if str(REPO / "collections") not in sys.path:
    sys.path.insert(0, str(REPO / "collections"))


class ModuleResult(dict):
    @property
    def failed(self) -> bool:
        return bool(self.get("failed"))


def run_module(module, args: dict, check_mode: bool = False, capsys=None) -> ModuleResult:
    """Run an Ansible module's main() in this process and return its JSON result."""
    from ansible.module_utils.testing import patch_module_args

    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
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


def run_playbook(port: int, playbook: str, inventory: str = "local", *args: str, timeout: int = 600):
    """ansible-playbook from the repo root against the local AWS; returns the CompletedProcess."""
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), playbook, "-i", f"inventories/{inventory}", *args]
    return subprocess.run(
        cmd, cwd=REPO, env=ansible_env(port), capture_output=True, text=True, timeout=timeout, check=False
    )


def recap(output: str) -> dict:
    """The PLAY RECAP counters of localhost, e.g. {'ok': 12, 'changed': 0, 'failed': 0, ...}."""
    for line in output.splitlines():
        if line.startswith("localhost") and "ok=" in line:
            return {k: int(v) for k, v in (part.split("=") for part in line.split(":", 1)[1].split())}
    raise AssertionError("no PLAY RECAP line for localhost in:\n" + output[-3000:])
