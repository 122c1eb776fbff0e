# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
name: plan
type: aggregate
short_description: Ends every run with what it created, changed and deleted, by component and resource
version_added: 1.0.0
description:
  - >-
    Records every task result that reports a change (the environment's lock excepted). At the end of
    the run it prints one block per component, such as C(network: 2 to create, 1 to change, 0 to delete),
    followed by the resources by kind and name (C(+) created, C(~) changed, with its changed fields or
    changes, C(-) deleted), and a last line C(Plan: N to create, M to change, K to delete.). A run
    without C(--check) ends with C(Applied: N created, M changed, K deleted.) instead.
  - >-
    The counts are resources as the modules report them (the collection's modules' C(resources)
    return value; for modules of other collections, one resource per changed result), not tasks.
    A resource two tasks of one component touch is counted once.
  - >-
    The records go to a JSON-lines file whose path is in the environment variable
    C(TRADING_PLAN_RECORD) while the run lasts, so that the last play of C(site.yml) hands the same
    summary to AWX as the job artifact C(trading_plan) (M(ansible.builtin.set_stats)). The file is
    removed when the run ends.
  - >-
    Nothing is printed when the stdout callback writes JSON (C(json), C(ansible.posix.json),
    C(ansible.posix.jsonl)): their output stays parseable.
  - Enabled in the collection's C(ansible.cfg) (C(callbacks_enabled)).
author:
  - 99Tech platform engineering (@99tech)
options:
  enabled:
    description: Whether the summary is printed at the end of the run (the records are kept either way).
    type: bool
    default: true
    env:
      - name: TRADING_PLAN_SUMMARY
    ini:
      - section: ninetynine_trading_infra
        key: plan_summary
"""

from ansible import constants as C
from ansible import context
from ansible.plugins.callback import CallbackBase
from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils.plan_summary import (
    Recorder,
    summarize,
    summary_lines,
)

ENV_VAR = "TRADING_PLAN_RECORD"


def stdout_writes_json() -> bool:
    try:
        name = C.config.get_config_value("DEFAULT_STDOUT_CALLBACK")
    except Exception:
        return False
    return "json" in str(name or "")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ninetynine.trading_infra.plan"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self.recorder = None

    def v2_playbook_on_start(self, playbook):
        self.recorder = Recorder(ENV_VAR, "trading-plan-")

    def v2_runner_on_ok(self, result):
        if self.recorder is not None:
            self.recorder.add(result._task, result._result)

    def v2_playbook_on_stats(self, stats):
        if self.recorder is None:
            return
        try:
            if self.get_option("enabled") and not stdout_writes_json():
                applied = not context.CLIARGS.get("check", False)
                self._display.banner("APPLIED" if applied else "PLAN SUMMARY")
                for line in summary_lines(summarize(self.recorder.records()), applied=applied):
                    self._display.display(line)
        finally:
            self.recorder.close()
            self.recorder = None
