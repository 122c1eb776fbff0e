# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Which environments are held to the production invariants.

An environment is production unless its inventory says ``trading_tier: non-production``: the
invariants (deletion protection, multi-AZ, WAF, a private API server, a year of logs, ...) do not
hinge on the environment's name, so renaming prod to production, or to anything else, keeps them.
An environment named like production, or read from an inventory directory named like production
(inventories/prod), cannot be marked non-production: the prod inventory cannot turn itself into
something else by renaming its environment.
"""

from __future__ import annotations

import re

PRODUCTION = "production"
TIERS = (PRODUCTION, "non-production")
# prod, production, prd, live, and names made of them (prod-eu, live2, eu-prod): never non-production.
PRODUCTION_LIKE = re.compile(r"(^|[-_])(prod|production|prd|live)($|[-_0-9])")


def _named_like_production(v):
    """What makes the environment production by name: its own, or its inventory directory's (or None)."""
    env = v.get("trading_env")
    if isinstance(env, str) and PRODUCTION_LIKE.search(env):
        return "the environment is named like production"
    directory = str(v.get("inventory_dir") or "").rstrip("/").rsplit("/", 1)[-1]
    if directory and PRODUCTION_LIKE.search(directory):
        return f"its inventory is {directory}/, a production inventory"
    return None


def is_production(v) -> bool:
    """True unless the variables ``v`` mark the environment non-production (and nothing names it production)."""
    return _named_like_production(v) is not None or (v.get("trading_tier") or PRODUCTION) != "non-production"


def tier_errors(v) -> list:
    """The tier set against the environment's or the inventory's name, naming the variable and the environment."""
    env, tier = v.get("trading_env"), v.get("trading_tier") or PRODUCTION
    why = _named_like_production(v)
    if tier == "non-production" and why:
        return [
            f"trading_tier in environment {env!r}: is non-production, but {why}; a production environment keeps "
            "its invariants whatever its variables say"
        ]
    return []
