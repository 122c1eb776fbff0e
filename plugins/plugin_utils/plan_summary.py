# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The plan summary: what a run creates, changes and deletes, by component and resource.

Controller side only (the ``plan`` and ``drift`` callbacks, the ``plan_summary`` filters).

A record is one changed task result, as the callbacks write it (``record_entries``). The
collection's modules say which resources they change (``resources``: kind, name, action and
changes, from ``module_utils.plan.Plan.about``). For the other modules (amazon.aws,
community.aws, kubernetes.core) one changed result is one resource: its kind from the module,
its name from the module's arguments, and created when the module says so (a check-mode
message, an empty ``before``), deleted when ``state`` is ``absent``, changed otherwise.

A resource met by several tasks of one component (the network's NAT gateways, started then
waited for) is counted once: created if any task creates it, else deleted if any deletes it.
"""

from __future__ import annotations

import json
import os
import tempfile

CREATE, CHANGE, DELETE = "create", "change", "delete"
ACTIONS = (CREATE, CHANGE, DELETE)
# Bookkeeping, not the platform: the environment's lock is taken and released by every run.
IGNORED_MODULES = frozenset({"environment_lock"})
# Read-only in AWS: what these roles change is their own files on the controller (the estimate, the
# pictures), the product of playbooks/cost.yml and playbooks/diagram.yml, not the platform's resources.
IGNORED_ROLES = frozenset({"cost", "diagram"})
# The kinds of the other collections' modules the roles call with changes.
KINDS = {
    "elb_application_lb": "load balancer",
    "wafv2_web_acl": "web ACL",
    "wafv2_resources": "web ACL association",
    "cloudwatchevent_rule": "EventBridge rule",
    "cloudtrail": "CloudTrail trail",
    "secretsmanager_secret": "secret",
    "k8s": "Kubernetes object",
    "s3_bucket": "S3 bucket",
    "iam_role": "IAM role",
}
# Where the other modules' arguments name their resource, first found wins.
NAME_ARGUMENTS = ("name", "bucket", "alias", "role_name", "arn", "resource_arn", "web_acl_name")
ORDER = ("network", "eks", "alb", "data_tier", "data_plane", "compliance", "platform")


def created_by(module: str, result: dict) -> bool:
    """Whether a module of another collection, which does not say so, created its resource.

    amazon.aws.cloudtrail says ``exists`` for a creation and an update alike, but in check mode a trail
    it would create is one it made up from its parameters: without the ``log_file_validation_enabled``
    that DescribeTrails gives every trail read from AWS. (A real run's creation reads as a change.)
    """
    if module == "cloudtrail":
        trail = result.get("trail")
        return isinstance(trail, dict) and bool(trail) and "log_file_validation_enabled" not in trail
    return False


def short_module(action: str) -> str:
    return (action or "").rsplit(".", 1)[-1]


def planned_by_debug(msg) -> list[dict] | None:
    """A role's placeholder for what it cannot plan yet: ``debug`` with ``msg.resources``, pairs [kind, name].

    The alb and data_tier roles need the network's ids to plan their modules; on an empty account,
    their check mode lists the resources they would create instead.
    """
    if not isinstance(msg, dict) or not isinstance(msg.get("resources"), list):
        return None
    listed = []
    for pair in msg["resources"]:
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            kind, name = (str(v) for v in pair)
            listed.append({"kind": kind, "name": name, "action": CREATE, "changes": []})
    return listed


def record_entries(task, result: dict) -> list[dict]:
    """The records of one task result: one per changed result (a loop gives one per changed item)."""
    if isinstance(result.get("results"), list):
        entries = []
        for one in result["results"]:
            if isinstance(one, dict):
                label = one.get("_ansible_item_label", one.get("item"))
                item = label if isinstance(label, str) or label is None else json.dumps(label, default=str)
                entries.extend(record_entries_of_one(task, one, item))
        return entries
    return record_entries_of_one(task, result, None)


def record_entries_of_one(task, result: dict, item) -> list[dict]:
    module = short_module(task.action)
    if not result.get("changed") or module in IGNORED_MODULES or result.get("failed"):
        return []
    role = task._role.get_name(include_role_fqcn=False) if task._role else None
    if role in IGNORED_ROLES:
        return []
    invocation = result.get("invocation") if isinstance(result.get("invocation"), dict) else {}
    arguments = invocation.get("module_args") if isinstance(invocation.get("module_args"), dict) else {}
    args = task.args if isinstance(getattr(task, "args", None), dict) else {}
    name = next(
        (
            str(source[key])
            for source in (arguments, args)
            for key in NAME_ARGUMENTS
            if isinstance(source.get(key), (str, int)) and not str(source.get(key)).startswith("{{")
        ),
        None,
    )
    state = arguments.get("state", args.get("state"))
    return [
        {
            "component": role or "site",
            "task": task.name or task.action,
            "module": module,
            "item": item,
            "name": name,
            "state": state if isinstance(state, str) and "{{" not in state else None,
            "diff": result.get("diff"),
            "actions": result.get("actions"),
            "resources": result.get("resources") if module != "debug" else planned_by_debug(result.get("msg")),
            "msg": result.get("msg") if isinstance(result.get("msg"), str) else None,
            "created": created_by(module, result),
            "method": result.get("method") if isinstance(result.get("method"), str) else None,
        }
    ]


def _diffs(diff) -> list[dict]:
    if isinstance(diff, list):
        return [d for d in diff if isinstance(d, dict)]
    return [diff] if isinstance(diff, dict) and diff else []


def _flatten(value, prefix: str = "") -> dict:
    if isinstance(value, dict) and value:
        out = {}
        for key, sub in value.items():
            out.update(_flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def changed_fields(diff) -> list[str]:
    """The fields a structured diff changes (``a.b`` for nested ones), in order."""
    fields: list[str] = []
    for one in _diffs(diff):
        before, after = one.get("before"), one.get("after")
        if not isinstance(before, dict) or not isinstance(after, dict):
            continue
        found, wanted = _flatten(before), _flatten(after)
        for field in sorted(set(found) | set(wanted)):
            if field and found.get(field) != wanted.get(field) and field not in fields:
                fields.append(field)
    return fields


def _fallback_action(record: dict) -> str:
    if record.get("state") == "absent":
        return DELETE
    if record.get("created"):
        return CREATE
    verbs = [a.split(" ", 1)[0].lower() for a in record.get("actions") or [] if isinstance(a, str) and a]
    if verbs and verbs[0] == CREATE:
        return CREATE
    if verbs and all(v in (DELETE, "remove") for v in verbs):
        return DELETE
    if record.get("method") == "create" or "creat" in (record.get("msg") or "").lower():
        return CREATE
    diffs = _diffs(record.get("diff"))
    if diffs and all(not d.get("before") and d.get("after") for d in diffs):
        return CREATE
    return CHANGE


def resources_of(record: dict) -> list[dict]:
    """What one record does, resource by resource: [{kind, name, action, changes}]."""
    listed = record.get("resources")
    if isinstance(listed, list) and listed:
        out = []
        for one in listed:
            if isinstance(one, dict) and one.get("action") in ACTIONS:
                changes = [str(c) for c in one.get("changes") or []]
                out.append(
                    {
                        "kind": str(one.get("kind")),
                        "name": str(one.get("name")),
                        "action": one["action"],
                        "changes": changes,
                    }
                )
        if out:
            fields = changed_fields(record.get("diff"))
            if len(out) == 1 and fields:  # one resource: the diff's fields are its own
                out[0]["fields"] = fields
            return out
    module = record.get("module") or "task"
    name = record.get("name") or record.get("item") or record.get("task") or module
    changes = [str(a) for a in record.get("actions") or []]
    entry = {
        "kind": KINDS.get(module, module),
        "name": str(name),
        "action": _fallback_action(record),
        "changes": changes,
    }
    fields = changed_fields(record.get("diff"))
    if fields:
        entry["fields"] = fields
    return [entry]


def summarize(records: list) -> dict:
    """{components: {name: {create, change, delete, resources: [...]}}, create, change, delete}."""
    components: dict[str, dict[tuple[str, str], dict]] = {}
    for record in records or []:
        if not isinstance(record, dict):
            continue
        seen = components.setdefault(str(record.get("component") or "site"), {})
        for resource in resources_of(record):
            key = (resource["kind"], resource["name"])
            mine = seen.get(key)
            if mine is None:
                seen[key] = {
                    **resource,
                    "changes": list(resource["changes"]),
                    "fields": list(resource.get("fields", [])),
                }
                continue
            if CREATE in (mine["action"], resource["action"]):
                mine["action"] = CREATE
            elif DELETE in (mine["action"], resource["action"]):
                mine["action"] = DELETE
            mine["changes"] += [c for c in resource["changes"] if c not in mine["changes"]]
            mine["fields"] += [f for f in resource.get("fields", []) if f not in mine["fields"]]
    ordered = sorted(components, key=lambda c: (ORDER.index(c) if c in ORDER else len(ORDER), c))
    summary = {"components": {}, CREATE: 0, CHANGE: 0, DELETE: 0}
    for component in ordered:
        resources = list(components[component].values())
        counts = {action: sum(1 for r in resources if r["action"] == action) for action in ACTIONS}
        summary["components"][component] = {**counts, "resources": resources}
        for action in ACTIONS:
            summary[action] += counts[action]
    return summary


SYMBOLS = {CREATE: "+", CHANGE: "~", DELETE: "-"}


def plan_line(summary: dict, applied: bool = False) -> str:
    if applied:
        return f"Applied: {summary[CREATE]} created, {summary[CHANGE]} changed, {summary[DELETE]} deleted."
    return f"Plan: {summary[CREATE]} to create, {summary[CHANGE]} to change, {summary[DELETE]} to delete."


def summary_lines(summary: dict, applied: bool = False, changes_shown: int = 6) -> list[str]:
    """The summary as text: a block per component with changes, then the plan line (always last)."""
    lines = []
    for component, block in summary["components"].items():
        if applied:
            counts = f"{block[CREATE]} created, {block[CHANGE]} changed, {block[DELETE]} deleted"
        else:
            counts = f"{block[CREATE]} to create, {block[CHANGE]} to change, {block[DELETE]} to delete"
        lines.append(f"{component}: {counts}")
        for resource in block["resources"]:
            lines.append(f"  {SYMBOLS[resource['action']]} {resource['kind']} {resource['name']}")
            if resource["action"] == CHANGE:
                details = resource.get("fields") or resource["changes"]
                for detail in details[:changes_shown]:
                    lines.append(f"      {detail}")
                if len(details) > changes_shown:
                    lines.append(f"      ... and {len(details) - changes_shown} more")
    lines.append(plan_line(summary, applied))
    return lines


class Recorder:
    """The changed results of a run, as JSON lines in a file named by an environment variable.

    The callbacks run in the controller's main process; the file's path is put in the environment
    so that the tasks' workers, forked later, can read what was recorded before them.
    """

    def __init__(self, env_var: str, prefix: str) -> None:
        fd, self.path = tempfile.mkstemp(prefix=prefix, suffix=".jsonl")
        os.close(fd)
        self.env_var = env_var
        os.environ[env_var] = self.path

    def add(self, task, result: dict) -> None:
        entries = record_entries(task, result)
        if entries:
            with open(self.path, "a", encoding="utf-8") as handle:
                for entry in entries:
                    handle.write(json.dumps(entry, default=str) + "\n")

    def records(self) -> list:
        if not os.path.exists(self.path):
            return []
        with open(self.path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def close(self) -> None:
        if os.path.exists(self.path):
            os.unlink(self.path)
        if os.environ.get(self.env_var) == self.path:
            del os.environ[self.env_var]
