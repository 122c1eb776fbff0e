# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The plan summary of a run, from the plan callback's records (the job artifact trading_plan)."""

from __future__ import annotations

from ansible_collections.ninetynine.trading_infra.plugins.filter.drift import drift_records
from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils.plan_summary import (
    plan_line,
    summarize,
    summary_lines,
)


def plan_summary(records, applied: bool = False) -> dict:
    """The summary of ``records`` (a list, or the callback's JSON-lines text), with its ``lines`` and ``line``."""
    if records is None or isinstance(records, str):
        records = drift_records(records)
    summary = summarize(records)
    return {**summary, "lines": summary_lines(summary, applied=applied), "line": plan_line(summary, applied=applied)}


class FilterModule:
    def filters(self):
        return {"plan_summary": plan_summary}
