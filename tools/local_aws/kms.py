"""KMS key policies as AWS checks them, where moto 5.2 stores any policy.

The policy lockout safety check: CreateKey and PutKeyPolicy refuse, with
MalformedPolicyDocumentException ("The new key policy will not allow you to update the key policy
in the future."), a key policy that would not let the caller or the account change the key policy
later, unless BypassPolicyLockoutSafetyCheck is true (KMS API reference, CreateKey and PutKeyPolicy,
"BypassPolicyLockoutSafetyCheck"; "Default key policy" in the KMS Developer Guide). Modelled here:
an Allow statement whose action covers kms:PutKeyPolicy (``kms:*``, ``kms:Put*``, ``*``) for the
account (its root, or its id) or the calling principal, without a Deny of it for them. A policy
over 32 KB is refused as well (LimitExceededException, "Key policy document: 32 KB").
"""

from __future__ import annotations

import fnmatch
import json

POLICY_LIMIT = 32 * 1024


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _covers_put_policy(statement) -> bool:
    return any(
        isinstance(a, str) and fnmatch.fnmatchcase("kms:putkeypolicy", a.lower())
        for a in _listed(statement.get("Action", []))
    )


def _for_account(statement, account_id: str, caller_arn: str) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    aws = principal.get("AWS") if isinstance(principal, dict) else None
    for value in _listed(aws or []):
        if value in ("*", account_id, caller_arn) or value.endswith(f":iam::{account_id}:root"):
            return True
    return False


def lockout_problem(document: str, account_id: str, caller_arn: str) -> str | None:
    if len(document.encode("utf-8")) > POLICY_LIMIT:
        return "limit"
    try:
        policy = json.loads(document)
    except ValueError:
        return "The policy is not valid JSON."
    statements = [s for s in _listed(policy.get("Statement", [])) if isinstance(s, dict)]
    allowed = any(
        s.get("Effect") == "Allow" and _covers_put_policy(s) and _for_account(s, account_id, caller_arn)
        for s in statements
    )
    denied = any(
        s.get("Effect") == "Deny" and _covers_put_policy(s) and _for_account(s, account_id, caller_arn)
        for s in statements
    )
    if not allowed or denied:
        return "The new key policy will not allow you to update the key policy in the future."
    return None


def apply() -> None:
    """Patch moto's KMS responses with the rules above."""
    from moto.core.exceptions import JsonRESTError
    from moto.kms.responses import KmsResponse

    def check(response):
        policy = response._get_param("Policy")
        if not policy or response._get_param("BypassPolicyLockoutSafetyCheck"):
            return
        caller = f"arn:aws:iam::{response.current_account}:root"
        problem = lockout_problem(policy, response.current_account, caller)
        if problem == "limit":
            raise JsonRESTError("LimitExceededException", "The key policy exceeds 32 KB.")
        if problem:
            raise JsonRESTError("MalformedPolicyDocumentException", problem)

    for name in ("create_key", "put_key_policy"):
        original = getattr(KmsResponse, name)

        def checked(self, _original=original):
            check(self)
            return _original(self)

        setattr(KmsResponse, name, checked)
