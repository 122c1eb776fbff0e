# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Which environments are held to the production invariants.

An environment is production unless its inventory says ``trading_tier: non-production``: the
invariants (deletion protection, multi-AZ, WAF, a private API server, a year of logs, ...) do not
hinge on the environment's name, so renaming prod to production, or to anything else, keeps them.
An environment named like production cannot be marked non-production.
"""

from __future__ import annotations

import re

PRODUCTION = "production"
TIERS = (PRODUCTION, "non-production")
# prod, production, prd, live, and names made of them (prod-eu, live2, eu-prod): never non-production.
PRODUCTION_LIKE = re.compile(r"(^|[-_])(prod|production|prd|live)($|[-_0-9])")


def is_production(v) -> bool:
    """True unless the variables ``v`` mark the environment non-production (and it is not named like production)."""
    env = v.get("trading_env")
    named_like_production = isinstance(env, str) and PRODUCTION_LIKE.search(env) is not None
    return named_like_production or (v.get("trading_tier") or PRODUCTION) != "non-production"


def tier_errors(v) -> list:
    """The tier set against the environment's name, each naming the variable and the environment."""
    env, tier = v.get("trading_env"), v.get("trading_tier") or PRODUCTION
    if tier == "non-production" and isinstance(env, str) and PRODUCTION_LIKE.search(env):
        return [
            f"trading_tier in environment {env!r}: is non-production, but the environment is named like production; "
            "a production environment keeps its invariants whatever its inventory says"
        ]
    return []
