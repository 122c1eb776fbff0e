# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""A change log shared by the collection's reconciling modules.

A module walks what it wants, records each change it would make, and only makes it
outside check mode. The same records give ``changed``, the ``actions`` return value
and a human-readable diff, so check mode and a real run tell the same story.

Before the changes to one resource, a module says which resource they are about
(``about``): its kind, its name, and whether it exists and is wanted. The ``resources``
return value then lists each resource the run creates, changes or deletes, with its
changes, and the plan summary (the ``plan`` callback) counts resources from it, as
Terraform counts them, not actions.

A module's ``main`` ends with ``run``: its reconciliation, then the task's result, or its failure with
what was done so far.
"""

from __future__ import annotations

try:
    import botocore.exceptions

    AWS_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except ImportError:
    AWS_ERRORS = ()  # handled by AnsibleAWSModule

# What a resource's entry in ``resources`` says will happen to it.
CREATE, CHANGE, DELETE = "create", "change", "delete"


class Refused(Exception):
    """What AWS or the module refuses, found before any write: the task fails naming the resource."""


class InUse(Exception):
    """A resource another one still uses, which AWS would not delete: the task fails naming both."""


class Plan:
    def __init__(self, check_mode: bool) -> None:
        self.check_mode = check_mode
        self.actions: list[str] = []
        self._resources: dict[tuple[str, str], dict] = {}
        self._about: tuple[str, str, str] | None = None

    @property
    def changed(self) -> bool:
        return bool(self.actions)

    def about(self, kind: str, name, exists: bool = True, wanted: bool = True) -> None:
        """The following changes are to one resource: a ``kind`` named ``name``.

        It is created when wanted and not ``exists``, deleted when it exists and is not ``wanted``,
        changed otherwise. A resource to which no change is recorded is not listed.
        """
        action = CREATE if wanted and not exists else DELETE if not wanted else CHANGE
        self._about = (kind, str(name), action)

    def do(self, description: str, func=None, *args, **kwargs):
        """Record a change; run ``func`` unless in check mode. Returns func's result or None."""
        self.actions.append(description)
        if self._about is not None:
            kind, name, action = self._about
            entry = self._resources.setdefault(
                (kind, name), {"kind": kind, "name": name, "action": action, "changes": []}
            )
            entry["changes"].append(description)
        if self.check_mode or func is None:
            return None
        return func(*args, **kwargs)

    def forget_last(self) -> None:
        """Take back the last recorded change (it failed, and was not made)."""
        description = self.actions.pop()
        for key, entry in list(self._resources.items()):
            if entry["changes"] and entry["changes"][-1] == description:
                entry["changes"].pop()
                if not entry["changes"]:
                    del self._resources[key]
                break

    @property
    def resources(self) -> list[dict]:
        """The resources changed so far, in the order of their first change."""
        return [dict(entry, changes=list(entry["changes"])) for entry in self._resources.values()]

    def merge(self, other: Plan) -> None:
        """Add another plan's changes (one resource's plan, reconciled apart) to this one."""
        self.actions.extend(other.actions)
        for key, entry in other._resources.items():
            mine = self._resources.setdefault(key, {**entry, "changes": []})
            mine["changes"].extend(entry["changes"])

    def exit_json(self, module, before=None, after=None, **result):
        """End the module: ``changed``, ``actions``, ``resources`` and, when something changed, the diff."""
        diff = {"before": before or {}, "after": after or {}} if self.changed and before is not None else {}
        result.setdefault("resources", self.resources)
        module.exit_json(changed=self.changed, actions=self.actions, diff=diff, **result)


def run(module, plan: Plan, reconcile, failed_msg: str, refusals=(Refused, InUse), refused_msg=str) -> None:
    """End a module with its reconciliation: ``reconcile()`` returns (before, after, results), ``results``
    being the module's own return values, and ``plan`` holds what it did.

    An exception of ``refusals`` fails the task with ``refused_msg(exception)``, an AWS error with
    ``failed_msg`` and AWS's error, both with the actions and resources done so far; nothing is rolled back.
    """
    try:
        before, after, results = reconcile()
    except refusals as e:
        module.fail_json(msg=refused_msg(e), actions=plan.actions, resources=plan.resources)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=failed_msg, actions=plan.actions, resources=plan.resources)
    plan.exit_json(module, before, after, **results)
