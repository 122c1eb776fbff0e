# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The AWS regions, as botocore's endpoint data lists them for every partition (offline)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib.util import find_spec


@lru_cache(maxsize=1)
def known_regions() -> frozenset:
    """Every region of every partition; empty when botocore's data cannot be read (then only forms are checked).

    The partitions' region lists in botocore's endpoints.json are the regions a botocore session
    lists for EC2. The file is read as it is: importing botocore and loading EC2's model cost 0.1 to
    0.25 s in every task that checked a region name (each task runs in a fresh worker).
    """
    try:
        spec = find_spec("botocore")
        folders = list(spec.submodule_search_locations or []) if spec else []
        with open(os.path.join(folders[0], "data", "endpoints.json"), encoding="utf-8") as handle:
            endpoints = json.load(handle)
        return frozenset(region for partition in endpoints["partitions"] for region in partition["regions"])
    except Exception:  # without botocore's data, only the name's form is checked
        return frozenset()


def unknown_region(region) -> bool:
    """True when botocore's data is at hand and does not list ``region``."""
    known = known_regions()
    return bool(known) and region not in known
