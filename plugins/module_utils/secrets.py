# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Secrets Manager steps shared by the modules that own a secret (the Redis AUTH token, Aurora's master secret)."""

from __future__ import annotations

import json

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies


def reconcile_resource_policy(plan, client, arn: str | None, wanted: dict, label: str, readable: bool = True) -> None:
    """Put ``wanted`` as the resource policy of secret ``arn`` unless it has one equal in meaning.

    ``readable``: whether the secret exists to be read now; when it does not (it is created by this
    run, or only planned in check mode), the put is planned without a read. No ``arn`` (check mode
    before the secret exists): the put is only recorded. The policy goes with BlockPublicPolicy, so
    Secrets Manager refuses one that would open the secret to everyone.
    """
    if arn and readable:
        current = client.get_resource_policy(SecretId=arn, aws_retry=True).get("ResourcePolicy")
        if current and not compare_policies(json.loads(current), wanted):
            return
    plan.do(
        f"put the resource policy of {label}",
        client.put_resource_policy if arn else None,
        SecretId=arn,
        ResourcePolicy=json.dumps(wanted),
        BlockPublicPolicy=True,
        aws_retry=True,
    )
