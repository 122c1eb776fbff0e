"""Secrets Manager as AWS keeps it, where moto 5.2 differs in ways the roles depend on.

* ListSecretVersionIds answers each version's own ``CreatedDate`` (moto answers the time of the
  call), so a module can tell how old the current value is and rotate it on a schedule.
* PutResourcePolicy (Secrets Manager API Reference, "PutResourcePolicy"; User Guide, "Attach a
  permissions policy to a secret"):
  - the policy is a JSON policy document with ``Statement``s, each with an ``Effect`` of Allow or
    Deny, a ``Principal`` (or ``NotPrincipal``), an ``Action`` (or ``NotAction``), and condition
    operators IAM defines; otherwise MalformedPolicyDocumentException;
  - with ``BlockPublicPolicy``, a policy that grants broad access (an Allow to the ``*`` principal
    not narrowed by one of the fixed values the guide names: ``aws:SourceArn``, ``aws:SourceVpc``,
    ``aws:SourceVpce``, ``aws:SourceAccount``) is refused with PublicPolicyException. moto ignores
    BlockPublicPolicy and stores any string.
"""

from __future__ import annotations

import json

from . import iam

# "Resource-based policies" (Secrets Manager User Guide): the fixed values that make a policy
# with a wildcard principal acceptable to BlockPublicPolicy.
NARROWING_KEYS = frozenset({"aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount"})


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def policy_problem(document) -> str | None:
    """Why Secrets Manager would answer MalformedPolicyDocumentException, or None."""
    try:
        policy = json.loads(document)
    except (TypeError, ValueError):
        return "This resource policy contains a syntax error."
    if not isinstance(policy, dict) or "Statement" not in policy:
        return "This resource policy contains a syntax error."
    statements = _listed(policy["Statement"])
    if not statements:
        return "This resource policy contains a syntax error."
    for statement in statements:
        if not isinstance(statement, dict):
            return "This resource policy contains a syntax error."
        if statement.get("Effect") not in ("Allow", "Deny"):
            return "This resource policy contains an invalid Effect."
        if "Principal" not in statement and "NotPrincipal" not in statement:
            return "This resource policy is missing a Principal."
        if "Action" not in statement and "NotAction" not in statement:
            return "This resource policy is missing an Action."
        for action in _listed(statement.get("Action", statement.get("NotAction"))):
            if not isinstance(action, str) or not (action == "*" or action.startswith("secretsmanager:")):
                return f"This resource policy contains an unsupported action: {action}"
    return iam.condition_problem(document)


def _wildcard(principal) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in _listed(principal.get("AWS", []))
    return False


def is_public(document) -> bool:
    """Whether an Allow statement grants the wildcard principal access without a narrowing key."""
    for statement in _listed(json.loads(document)["Statement"]):
        if statement.get("Effect") != "Allow" or not _wildcard(statement.get("Principal")):
            continue
        keys = {key.lower() for values in (statement.get("Condition") or {}).values() for key in values}
        if not keys & NARROWING_KEYS:
            return True
    return False


def apply() -> None:
    """Patch moto's Secrets Manager with the rules above."""
    from moto.secretsmanager.exceptions import SecretNotFoundException, SecretsManagerClientError
    from moto.secretsmanager.models import SecretsManagerBackend
    from moto.secretsmanager.responses import SecretsManagerResponse

    list_versions = SecretsManagerBackend.list_secret_version_ids

    def versions_with_their_dates(self, secret_id):
        answer = json.loads(list_versions(self, secret_id))
        if not self._is_valid_identifier(secret_id):
            raise SecretNotFoundException()
        versions = self.secrets[secret_id].versions
        for version in answer["Versions"]:
            created = versions.get(version["VersionId"], {}).get("createdate")
            if created is not None:
                version["CreatedDate"] = created
                version.pop("LastAccessedDate", None)
        return json.dumps(answer)

    SecretsManagerBackend.list_secret_version_ids = versions_with_their_dates

    put = SecretsManagerResponse.put_resource_policy

    def put_checked(self):
        document = self._get_param("ResourcePolicy")
        problem = policy_problem(document)
        if problem:
            raise SecretsManagerClientError("MalformedPolicyDocumentException", problem)
        if self._get_bool_param("BlockPublicPolicy", False) and is_public(document):
            raise SecretsManagerClientError(
                "PublicPolicyException",
                "This resource policy grants public access to the secret. Remove the public access, "
                "or call PutResourcePolicy without BlockPublicPolicy.",
            )
        return put(self)

    SecretsManagerResponse.put_resource_policy = put_checked
