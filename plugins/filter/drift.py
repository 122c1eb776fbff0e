# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""playbooks/drift.yml's report: what a check-mode run would change, field by field."""

from __future__ import annotations

import json


def _flatten(value, prefix=""):
    """{'a': {'b': 1}} -> {'a.b': 1}; lists and scalars are leaves."""
    if isinstance(value, dict) and value:
        out = {}
        for key, sub in value.items():
            out.update(_flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def _assigned_id(field, found, wanted):
    """An ARN AWS assigned, that a plan cannot know (a module's check mode leaves it out): not drift."""
    value = found.get(field)
    return (
        field not in wanted
        and field.rsplit(".", 1)[-1].lower().endswith("arn")
        and isinstance(value, str)
        and value.startswith("arn:")
    )


def _diffs(diff):
    if isinstance(diff, list):
        return [d for d in diff if isinstance(d, dict)]
    return [diff] if isinstance(diff, dict) and diff else []


def drift_report(records: list) -> list:
    """Entries {component, resource, field, wanted, found} from the drift callback's records.

    ``found`` is what AWS has, ``wanted`` what the inventory asks for. A change the module describes
    without a structured diff gives one entry with ``field`` null and its planned actions as ``wanted``.
    """
    entries = []
    for record in records:
        resource = record.get("task") or ""
        if record.get("item"):
            resource = f"{resource} ({record['item']})"
        structured = False
        for diff in _diffs(record.get("diff")):
            before, after = diff.get("before"), diff.get("after")
            header = diff.get("after_header") or diff.get("before_header")
            if not isinstance(before, dict) or not isinstance(after, dict):
                continue
            structured = True
            found, wanted = _flatten(before), _flatten(after)
            for field in sorted(set(found) | set(wanted)):
                if found.get(field) == wanted.get(field) or not field or _assigned_id(field, found, wanted):
                    continue
                entries.append(
                    {
                        "component": record.get("component"),
                        "resource": header or resource,
                        "field": field,
                        "wanted": wanted.get(field),
                        "found": found.get(field),
                    }
                )
        if not structured:
            entries.append(
                {
                    "component": record.get("component"),
                    "resource": resource,
                    "field": None,
                    "wanted": record.get("actions") or "a change (the module gives no field-level diff)",
                    "found": None,
                }
            )
    return entries


def drift_records(text: str) -> list:
    """The callback's JSON lines."""
    return [json.loads(line) for line in (text or "").splitlines() if line.strip()]


class FilterModule:
    def filters(self):
        return {"drift_report": drift_report, "drift_records": drift_records}
