# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Tag reconciliation shared by every module, whatever shape its service's tagging API takes."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags


def tag_list(tags: dict) -> list:
    """Tags as the Key/Value list most services take, in a stable order."""
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def plan_tags(plan, label: str, current: dict, wanted: dict, purge: bool, tag, untag) -> dict:
    """Plan the changes that bring ``current`` tags to ``wanted``; returns the tags after them.

    ``tag(tags: dict)`` and ``untag(keys: list)`` make the service's own calls, and only run
    outside check mode (through ``plan``).
    """
    to_set, to_unset = compare_aws_tags(current, wanted, purge_tags=purge)
    if to_set:
        plan.do(f"tag {label}: set {', '.join(sorted(to_set))}", tag, dict(sorted(to_set.items())))
    if to_unset:
        plan.do(f"tag {label}: remove {', '.join(sorted(to_unset))}", untag, sorted(to_unset))
    return {k: v for k, v in dict(current, **to_set).items() if k not in to_unset}
