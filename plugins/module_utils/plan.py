# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""A change log shared by the collection's reconciling modules.

A module walks what it wants, records each change it would make, and only makes it
outside check mode. The same records give ``changed``, the ``actions`` return value
and a human-readable diff, so check mode and a real run tell the same story.
"""

from __future__ import annotations


class Plan:
    def __init__(self, check_mode: bool) -> None:
        self.check_mode = check_mode
        self.actions: list[str] = []

    @property
    def changed(self) -> bool:
        return bool(self.actions)

    def do(self, description: str, func=None, *args, **kwargs):
        """Record a change; run ``func`` unless in check mode. Returns func's result or None."""
        self.actions.append(description)
        if self.check_mode or func is None:
            return None
        return func(*args, **kwargs)

    def exit_json(self, module, before=None, after=None, **result):
        """End the module: ``changed``, ``actions`` and, when something changed, the before/after diff."""
        diff = {"before": before or {}, "after": after or {}} if self.changed and before is not None else {}
        module.exit_json(changed=self.changed, actions=self.actions, diff=diff, **result)
