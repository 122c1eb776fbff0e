# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Validation of the tags every resource of an environment carries (trading_extra_tags, <role>_extra_tags)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

# What every service accepts in a tag (EC2 is laxer; IAM, RDS, ElastiCache, EKS are not): letters,
# digits and space separators in UTF-8, and _ . : / = + - @ (no line break, no markup).
TAG_PUNCTUATION = set("_.:/=+-@")


def _tag_text(text: str) -> bool:
    return all(c.isalnum() or c in TAG_PUNCTUATION or unicodedata.category(c) == "Zs" for c in text)


# The tags the roles set themselves: teardown and the alarms find an environment's resources by
# them, so an extra tag must never replace one.
OWNED = ("Project", "Environment", "Component", "ManagedBy")
MAX_TAGS = 50  # per resource, on every service the roles use


def value_kind(value) -> str:
    """dict, list or the type's name (Ansible hands templated values over as its own lazy types)."""
    if isinstance(value, Mapping):
        return "dict"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "list"
    return type(value).__name__


def tag_validation_errors(v):
    """Every problem with the extra tags, each naming the variable and the environment.

    ``v``: ``trading_env`` and a ``tags`` dict of variable name -> the mapping it holds.
    """
    where = f"in environment {v.get('trading_env')!r}"
    errors = []
    for var, tags in sorted((v.get("tags") or {}).items()):
        if tags is None:
            continue
        if not isinstance(tags, Mapping):
            errors.append(f"{var} {where}: must be a mapping of tag keys to values, not {value_kind(tags)}")
            continue
        if len(tags) + len(OWNED) > MAX_TAGS:
            errors.append(
                f"{var} {where}: {len(tags)} tags; AWS takes {MAX_TAGS} per resource, "
                f"{len(OWNED)} of them the roles' own"
            )
        for key, value in sorted(tags.items(), key=lambda kv: str(kv[0])):
            if not isinstance(key, str) or not 1 <= len(key) <= 128 or not _tag_text(key):
                errors.append(
                    f"{var} {where}: tag key {key!r} must be 1-128 letters, digits, spaces and _ . : / = + - @"
                )
                continue
            if key.lower().startswith("aws:"):
                errors.append(f"{var} {where}: tag key {key!r} uses the aws: prefix, which AWS reserves")
            if key in OWNED:
                errors.append(
                    f"{var} {where}: tag key {key!r} is set by the roles (teardown and alarms find the "
                    f"environment's resources by {', '.join(OWNED)}) and cannot be overridden"
                )
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                errors.append(f"{var} {where}: tag {key!r} must have a string value, not {value_kind(value)}")
            elif len(str(value)) > 256 or not _tag_text(str(value)):
                errors.append(
                    f"{var} {where}: tag {key!r} value must be at most 256 letters, digits, spaces and _ . : / = + - @"
                )
    return errors


class FilterModule:
    def filters(self):
        return {"tag_validation_errors": tag_validation_errors}
