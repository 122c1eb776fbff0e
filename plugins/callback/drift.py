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

import os

from ansible.plugins.callback import CallbackBase
from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils.plan_summary import Recorder

ENV_VAR = "TRADING_DRIFT_RECORD"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ninetynine.trading_infra.drift"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self.recorder = None

    def v2_playbook_on_start(self, playbook):
        if os.path.basename(getattr(playbook, "_file_name", "") or "") == "drift.yml":
            self.recorder = Recorder(ENV_VAR, "trading-drift-")  # the workers that run later tasks inherit it

    def v2_runner_on_ok(self, result):
        if self.recorder is not None:
            self.recorder.add(result._task, result._result)

    def v2_playbook_on_stats(self, stats):
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None
