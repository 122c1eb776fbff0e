# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The AWS regions, as botocore's endpoint data lists them for every partition (offline)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def known_regions() -> frozenset:
    """Every region of every partition; empty when botocore's data cannot be read (then only forms are checked)."""
    try:
        import botocore.session

        session = botocore.session.get_session()
        return frozenset(
            region
            for partition in session.get_available_partitions()
            for region in session.get_available_regions("ec2", partition_name=partition)
        )
    except Exception:  # without botocore's data, only the name's form is checked
        return frozenset()


def unknown_region(region) -> bool:
    """True when botocore's data is at hand and does not list ``region``."""
    known = known_regions()
    return bool(known) and region not in known
