# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
name: drift
type: aggregate
short_description: Records what a check-mode run of playbooks/drift.yml would change
version_added: 1.0.0
description:
  - Active only in a run of a playbook named C(drift.yml). Every task result that reports a change
    (in check mode - drift.yml refuses to run otherwise) is appended, with its role, task, loop item,
    diff and planned actions, to a JSON-lines file whose path it puts in the environment variable
    C(TRADING_DRIFT_RECORD). The last play of drift.yml reads it, writes the report and fails when
    anything drifted; the file is removed when the run ends.
  - The environment's lock is bookkeeping, not drift, and is not recorded.
  - Enabled in the collection's C(ansible.cfg) (C(callbacks_enabled)); without it drift.yml stops
    with a message that says so.
author:
  - 99Tech platform engineering (@99tech)
"""

import json
import os
import tempfile

from ansible.plugins.callback import CallbackBase

ENV_VAR = "TRADING_DRIFT_RECORD"
IGNORED_ACTIONS = ("environment_lock", "ninetynine.trading_infra.environment_lock")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ninetynine.trading_infra.drift"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self.path = None

    def v2_playbook_on_start(self, playbook):
        if os.path.basename(getattr(playbook, "_file_name", "") or "") != "drift.yml":
            return
        fd, self.path = tempfile.mkstemp(prefix="trading-drift-", suffix=".jsonl")
        os.close(fd)
        os.environ[ENV_VAR] = self.path  # the workers that run later tasks inherit it

    def _record(self, task, result, item=None):
        if not result.get("changed") or task.action in IGNORED_ACTIONS:
            return
        role = task._role.get_name(include_role_fqcn=False) if task._role else None
        entry = {
            "component": role or "site",
            "task": task.name or task.action,
            "item": item,
            "diff": result.get("diff"),
            "actions": result.get("actions"),
        }
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        if self.path is None:
            return
        data = result._result
        if isinstance(data.get("results"), list):
            for one in data["results"]:
                if isinstance(one, dict):
                    label = one.get("_ansible_item_label", one.get("item"))
                    self._record(result._task, one, item=label if isinstance(label, str) else json.dumps(label))
            return
        self._record(result._task, data)

    def v2_playbook_on_stats(self, stats):
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)
        os.environ.pop(ENV_VAR, None)
