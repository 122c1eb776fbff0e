"""The converge every combination of the support matrix must pass (tox.ini; `make matrix`).

On whatever ansible-core, amazon.aws and Python the environment holds: `site.yml -i
inventories/local` on an empty account converges, a second run changes nothing and writes nothing
but the lock, `--check --diff` plans nothing, and the teardown leaves nothing of the platform. The
pinned default passes the same (and more) in the stack tier; this file is what the other
combinations run, so that they cost one converge.
"""

from __future__ import annotations

import ansible
import pytest

from tests.helpers import LOCAL_PLATFORM_COUNTS, recap, resource_counts, run_playbook
from tests.integration.test_site import tagged_with_env

pytestmark = [pytest.mark.playbook, pytest.mark.converge]


def _writes(aws) -> list[str]:
    return sorted({c["operation"] for c in aws.calls()["calls"] if not c["read"]})


def test_site_converges_then_changes_nothing_plans_nothing_and_tears_down(aws):
    version = f"ansible-core {ansible.__version__}"
    first = run_playbook(aws.port, "site.yml")
    assert first.returncode == 0, f"{version}: " + (first.stdout + first.stderr)[-4000:]
    assert recap(first.stdout)["changed"] > 0
    assert resource_counts(aws) == LOCAL_PLATFORM_COUNTS, version

    aws.clear_calls()
    second = run_playbook(aws.port, "site.yml")
    assert second.returncode == 0, f"{version}: " + (second.stdout + second.stderr)[-4000:]
    assert recap(second.stdout)["changed"] == 0, second.stdout[-4000:]
    # The environment's lock, taken and released, is the only write of a no-op.
    assert _writes(aws) == ["DeleteItem", "PutItem"], version

    aws.clear_calls()
    plan = run_playbook(aws.port, "site.yml", "local", "--check", "--diff")
    assert plan.returncode == 0, f"{version}: " + (plan.stdout + plan.stderr)[-4000:]
    assert recap(plan.stdout)["changed"] == 0, plan.stdout[-4000:]
    assert _writes(aws) == [], version

    down = run_playbook(aws.port, "playbooks/teardown.yml", "local")
    assert down.returncode == 0, f"{version}: " + (down.stdout + down.stderr)[-4000:]
    assert tagged_with_env(aws) == [], version
