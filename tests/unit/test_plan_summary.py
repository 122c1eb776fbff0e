"""The plan summary: Plan.about's resources, the records the callbacks keep, the summary, and the plan
callback at the end of a real ansible-playbook run against the local AWS."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.filter.plan import plan_summary
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils.plan_summary import (
    record_entries,
    summarize,
    summary_lines,
)

from tests.helpers import REPO, ansible_env, last_line


class Role:
    def __init__(self, name):
        self.name = name

    def get_name(self, include_role_fqcn=True):
        return self.name


class Task:
    """What the callbacks read of a task: its action, name, role and arguments."""

    def __init__(self, action, role=None, name=None, args=None):
        self.action, self.name, self.args = action, name, args or {}
        self._role = Role(role) if role else None


def test_plan_lists_each_resource_once_with_what_happens_to_it():
    plan = Plan(check_mode=True)
    plan.about("IAM role", "trading-prod-nodes", exists=False)
    plan.do("create role trading-prod-nodes")
    plan.do("attach arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy to role trading-prod-nodes")
    plan.about("IAM role", "trading-prod-cluster", exists=True)
    plan.do("set the description of role trading-prod-cluster")
    plan.about("IAM role", "trading-prod-old", exists=True, wanted=False)
    plan.do("delete role trading-prod-old")
    plan.about("IAM role", "trading-prod-unchanged", exists=True)  # nothing recorded: not listed
    assert [(r["kind"], r["name"], r["action"], len(r["changes"])) for r in plan.resources] == [
        ("IAM role", "trading-prod-nodes", "create", 2),
        ("IAM role", "trading-prod-cluster", "change", 1),
        ("IAM role", "trading-prod-old", "delete", 1),
    ]
    plan.forget_last()  # the deletion failed: neither an action nor a resource any more
    assert [r["name"] for r in plan.resources] == ["trading-prod-nodes", "trading-prod-cluster"]
    assert plan.actions[-1] == "set the description of role trading-prod-cluster"


def test_plans_merge_per_resource():
    whole, one = Plan(check_mode=False), Plan(check_mode=False)
    one.about("security group", "trading-prod-aurora", exists=False)
    one.do("create security group trading-prod-aurora")
    whole.about("security group", "trading-prod-aurora", exists=False)
    whole.do("authorize ingress on trading-prod-aurora")
    whole.merge(one)
    [entry] = whole.resources
    assert entry["action"] == "create" and len(entry["changes"]) == 2 and len(whole.actions) == 2


def records(*results):
    out = []
    for task, result in results:
        out.extend(record_entries(task, result))
    return out


def test_the_summary_counts_resources_not_tasks_nor_actions():
    roles = Task("ninetynine.trading_infra.iam_roles", role="eks", name="IAM roles")
    listed = {
        "changed": True,
        "actions": ["create role a", "attach x to role a", "create role b", "set the tags of role c"],
        "resources": [
            {"kind": "IAM role", "name": "a", "action": "create", "changes": ["create role a", "attach x to role a"]},
            {"kind": "IAM role", "name": "b", "action": "create", "changes": ["create role b"]},
            {"kind": "IAM role", "name": "c", "action": "change", "changes": ["set the tags of role c"]},
        ],
    }
    nat = Task("ninetynine.trading_infra.vpc_network", role="network")
    started = {
        "changed": True,
        "resources": [
            {"kind": "NAT gateway", "name": "az-a", "action": "create", "changes": ["create NAT gateway az-a"]}
        ],
    }
    routed = {
        "changed": True,
        "resources": [{"kind": "NAT gateway", "name": "az-a", "action": "change", "changes": ["route through az-a"]}],
    }
    lock = Task("ninetynine.trading_infra.environment_lock", role="platform")
    alb = Task("amazon.aws.elb_application_lb", role="alb", args={"name": "trading-prod", "state": "present"})
    alb_result = {
        "changed": True,
        "msg": "Would have created ALB if not in check mode.",
        "invocation": {"module_args": {"name": "trading-prod", "state": "present"}},
    }
    trail = Task("amazon.aws.cloudtrail", role="compliance", args={"name": "trading-prod", "state": "absent"})
    unchanged = Task("ninetynine.trading_infra.kms_key", role="data_tier")
    summary = summarize(
        records(
            (roles, listed),
            (nat, started),
            (nat, routed),
            (lock, {"changed": True, "actions": ["lock trading-prod"]}),
            (alb, alb_result),
            (trail, {"changed": True, "invocation": {"module_args": {"name": "trading-prod", "state": "absent"}}}),
            (unchanged, {"changed": False, "resources": []}),
        )
    )
    assert list(summary["components"]) == ["network", "eks", "alb", "compliance"]  # the converge's order
    assert (summary["create"], summary["change"], summary["delete"]) == (4, 1, 1)
    network = summary["components"]["network"]
    assert (network["create"], network["change"]) == (1, 0)  # started then routed: one NAT gateway, created
    assert network["resources"][0]["changes"] == ["create NAT gateway az-a", "route through az-a"]
    assert summary["components"]["alb"]["resources"][0] == {
        "kind": "load balancer",
        "name": "trading-prod",
        "action": "create",
        "changes": [],
        "fields": [],
    }
    lines = summary_lines(summary)
    assert lines[0] == "network: 1 to create, 0 to change, 0 to delete"
    assert "  + IAM role a" in lines and "  ~ IAM role c" in lines and "      set the tags of role c" in lines
    assert "  - CloudTrail trail trading-prod" in lines
    assert lines[-1] == "Plan: 4 to create, 1 to change, 1 to delete."
    assert summary_lines(summary, applied=True)[-1] == "Applied: 4 created, 1 changed, 1 deleted."


def test_a_changed_resource_shows_the_fields_its_diff_changes():
    task = Task("ninetynine.trading_infra.cloudwatch_metric_alarms", role="compliance")
    result = {
        "changed": True,
        "diff": {
            "before": {"alb-5xx": {"Threshold": 50, "Period": 60}},
            "after": {"alb-5xx": {"Threshold": 5, "Period": 60}},
        },
        "resources": [
            {"kind": "alarm", "name": "alb-5xx", "action": "change", "changes": ["update alarm alb-5xx (Threshold)"]}
        ],
    }
    loop = Task("amazon.aws.cloudwatchevent_rule", role="compliance")
    looped = {
        "changed": True,
        "results": [
            {
                "changed": True,
                "item": "a",
                "invocation": {"module_args": {"name": "rule-a"}},
                "diff": {"before": {"state": "DISABLED"}, "after": {"state": "ENABLED"}},
            },
            {"changed": False, "item": "b"},
        ],
    }
    summary = summarize(records((task, result), (loop, looped)))
    block = summary["components"]["compliance"]
    assert [(r["kind"], r["name"], r["action"], r["fields"]) for r in block["resources"]] == [
        ("alarm", "alb-5xx", "change", ["alb-5xx.Threshold"]),
        ("EventBridge rule", "rule-a", "change", ["state"]),
    ]
    assert "      alb-5xx.Threshold" in summary_lines(summary)


def test_an_empty_run_plans_nothing_and_the_filter_reads_the_callback_file():
    assert plan_summary(None)["line"] == "Plan: 0 to create, 0 to change, 0 to delete."
    assert plan_summary("")["lines"] == ["Plan: 0 to create, 0 to change, 0 to delete."]
    text = (
        json.dumps(
            {
                "component": "eks",
                "module": "eks_cluster",
                "resources": [
                    {
                        "kind": "EKS cluster",
                        "name": "trading-dev",
                        "action": "create",
                        "changes": ["create cluster trading-dev"],
                    }
                ],
            }
        )
        + "\n\n"
    )
    done = plan_summary(text, applied=True)
    assert done["create"] == 1 and done["line"] == "Applied: 1 created, 0 changed, 0 deleted."


PLAYBOOK = """
- name: Two log groups
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: The log groups
      ninetynine.trading_infra.cloudwatch_log_groups:
        log_groups:
          - name: /trading/plan-test/a
            retention_days: {retention}
          - name: /trading/plan-test/b
            retention_days: 30
        tags: {{Environment: plan-test}}
"""


def run(port: int, playbook: Path, *args: str, **env) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook), "-i", "localhost,", *args]
    return subprocess.run(
        command, cwd=REPO, env=ansible_env(port, **env), capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.playbook
def test_every_run_ends_with_its_plan_and_json_output_stays_json(aws, tmp_path):
    playbook = tmp_path / "groups.yml"
    playbook.write_text(textwrap.dedent(PLAYBOOK.format(retention=14)))

    planned = run(aws.port, playbook, "--check", "--diff")
    assert planned.returncode == 0, planned.stdout[-3000:] + planned.stderr
    assert last_line(planned.stdout) == "Plan: 2 to create, 0 to change, 0 to delete."
    assert "  + log group /trading/plan-test/a" in planned.stdout
    assert aws.client("logs").describe_log_groups(logGroupNamePrefix="/trading/plan-test")["logGroups"] == []

    applied = run(aws.port, playbook)
    assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr
    assert last_line(applied.stdout) == "Applied: 2 created, 0 changed, 0 deleted."

    assert last_line(run(aws.port, playbook, "--check").stdout) == "Plan: 0 to create, 0 to change, 0 to delete."

    playbook.write_text(textwrap.dedent(PLAYBOOK.format(retention=90)))
    changed = run(aws.port, playbook, "--check", "--diff")
    assert last_line(changed.stdout) == "Plan: 0 to create, 1 to change, 0 to delete."
    assert (
        "  ~ log group /trading/plan-test/a" in changed.stdout
        and "/trading/plan-test/b" not in changed.stdout.split("PLAN SUMMARY")[-1]
    )

    as_json = run(aws.port, playbook, "--check", ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["stats"]["localhost"]["changed"] == 1  # nothing printed after the JSON
    assert "Plan:" not in as_json.stdout

    quiet = run(aws.port, playbook, "--check", TRADING_PLAN_SUMMARY="false")
    assert "Plan:" not in quiet.stdout and quiet.returncode == 0


def test_a_role_that_cannot_plan_yet_lists_what_it_would_create_and_cloudtrail_says_create_in_check_mode():
    placeholder = Task("ansible.builtin.debug", role="alb", name="Report what would be created once the network exists")
    listed = {
        "changed": True,
        "msg": {
            "would_create": "…",
            "resources": [["security group", "trading-dev-alb"], ["load balancer", "trading-dev"]],
        },
    }
    trail = Task("amazon.aws.cloudtrail", role="compliance", args={"name": "trading-dev"})
    made_up = {"changed": True, "exists": True, "trail": {"name": "trading-dev", "is_logging": True}}
    read = {
        "changed": True,
        "exists": True,
        "trail": {"name": "trading-dev", "is_logging": True, "log_file_validation_enabled": True},
    }
    summary = summarize(records((placeholder, listed), (trail, made_up)))
    assert [(r["kind"], r["name"], r["action"]) for r in summary["components"]["alb"]["resources"]] == [
        ("security group", "trading-dev-alb", "create"),
        ("load balancer", "trading-dev", "create"),
    ]
    assert summary["components"]["compliance"]["resources"][0]["action"] == "create"
    assert summarize(records((trail, read)))["change"] == 1  # an existing trail, updated
    plain = {"changed": True, "msg": "just words"}
    assert summarize(records((placeholder, plain)))["components"]["alb"]["resources"][0]["kind"] == "debug"


def test_the_files_the_read_only_playbooks_write_are_not_the_platforms_changes():
    """cost.yml and diagram.yml write their estimate and pictures on the controller and nothing in AWS:
    their Applied line says 0, whatever their file tasks report."""
    copy = {"changed": True, "invocation": {"module_args": {"dest": "build/diagrams/dev.dot"}}}
    for role in ("cost", "diagram"):
        assert record_entries(Task("ansible.builtin.copy", role=role, name="Write"), copy) == []
    assert len(record_entries(Task("ansible.builtin.copy", role="compliance", name="Write"), copy)) == 1
