"""IAM as AWS keeps it, where moto 5.2 differs in ways the roles depend on.

* Condition operators: a role's trust policy (CreateRole, UpdateAssumeRolePolicy) and an inline
  policy (PutRolePolicy) may only use the condition operators IAM defines, optionally prefixed by
  ``ForAnyValue:`` / ``ForAllValues:`` and suffixed by ``IfExists`` (IAM User Guide, "IAM JSON
  policy elements: Condition operators"); IAM answers MalformedPolicyDocument otherwise ("Invalid
  Condition type"). Each operator maps condition keys to a string, a boolean, a number or a list
  of them. moto accepts any operator in a trust policy, so a misspelled confused-deputy condition
  (``StringEqual``) would pass here and fail on AWS.
"""

from __future__ import annotations

import json

OPERATORS = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    }
)
PREFIXES = ("ForAnyValue:", "ForAllValues:")
_SCALARS = (str, bool, int, float)


def condition_problem(document: str) -> str | None:
    """Why IAM would refuse the policy's conditions, or None."""
    try:
        policy = json.loads(document)
    except (TypeError, ValueError):
        return None  # moto's own validation answers for the document's syntax
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements if isinstance(statements, list) else []:
        conditions = statement.get("Condition") if isinstance(statement, dict) else None
        if conditions is None:
            continue
        if not isinstance(conditions, dict):
            return "Syntax errors in policy."
        for operator, keys in conditions.items():
            name = operator
            for prefix in PREFIXES:
                if name.startswith(prefix):
                    name = name[len(prefix) :]
                    break
            if name.endswith("IfExists") and name != "IfExists":
                name = name[: -len("IfExists")]
            if name not in OPERATORS:
                return f"Invalid Condition type : {operator}"
            if not isinstance(keys, dict) or not keys:
                return "Syntax errors in policy."
            for value in keys.values():
                values = value if isinstance(value, list) else [value]
                if not values or not all(isinstance(v, _SCALARS) for v in values):
                    return "Syntax errors in policy."
    return None


def apply() -> None:
    """Patch moto's IAM with the rules above."""
    from moto.iam.exceptions import MalformedPolicyDocument
    from moto.iam.models import IAMBackend

    def refuse(document):
        problem = condition_problem(document)
        if problem:
            raise MalformedPolicyDocument(problem)

    create_role = IAMBackend.create_role

    def create_role_checked(self, role_name, assume_role_policy_document, *args, **kwargs):
        refuse(assume_role_policy_document)
        return create_role(self, role_name, assume_role_policy_document, *args, **kwargs)

    IAMBackend.create_role = create_role_checked
    update_trust = IAMBackend.update_assume_role_policy

    def update_trust_checked(self, role_name, policy_document):
        refuse(policy_document)
        return update_trust(self, role_name, policy_document)

    IAMBackend.update_assume_role_policy = update_trust_checked
    put_role_policy = IAMBackend.put_role_policy

    def put_role_policy_checked(self, role_name, policy_name, policy_json):
        refuse(policy_json)
        return put_role_policy(self, role_name, policy_name, policy_json)

    IAMBackend.put_role_policy = put_role_policy_checked
    managed_policies_built_once()
    account_lookup_without_new_backends()


def managed_policies_built_once() -> None:
    """AWS's managed policies in each new IAM backend without parsing moto's catalogue again.

    moto's IAMBackend parses its catalogue of about 1,580 AWS managed policies (a JSON text of
    several megabytes) and serialises each document back, for every backend it creates: one per
    partition, and every request's account lookup creates all six. After each reset (every test)
    that was about 1.4 s of CPU before the first answer. The catalogue is parsed once here and each
    document's text kept; every backend still gets policies of its own (attachment counts, ids and
    versions are per backend, as before), built from the kept rows.
    """
    from moto.iam import models

    rows: list = []

    def kept_rows() -> list:
        if not rows:
            from datetime import datetime

            for name, data in json.loads(models.aws_managed_policies_data).items():
                rows.append(
                    (
                        name,
                        data.get("DefaultVersionId"),
                        data.get("Path"),
                        json.dumps(data.get("Document")),
                        datetime.fromisoformat(data["CreateDate"]),
                        datetime.fromisoformat(data["UpdateDate"]),
                    )
                )
        return rows

    def init_aws_policies(self):
        if not models.load_iam_aws_managed_policies():
            return []
        return [
            models.AWSManagedPolicy(
                name,
                account_id=self.account_id,
                region=self.region_name,
                default_version_id=version,
                path=path,
                document=document,
                create_date=created,
                update_date=updated,
            )
            for name, version, path, document, created, updated in kept_rows()
        ]

    models.IAMBackend._init_aws_policies = init_aws_policies


def account_lookup_without_new_backends() -> None:
    """Every request's account lookup reads only the IAM backends that exist.

    moto finds the account of a request's access key by asking each partition's IAM backend of
    every account (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b), and asking creates the backend,
    with its AWS managed policies: after each reset (every test) that built four backends nobody
    uses before the first answer (0.15 s of the first request's 0.4 s on an idle machine). A
    backend not yet created holds no access key, so the answer is the same.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam import models

    def get_account_id_from(access_key: str) -> str:
        for account_id, account in list(models.iam_backends.items()):
            for partition in list(dict.keys(account)):
                if access_key in dict.__getitem__(account, partition).access_keys:
                    return account_id
        return DEFAULT_ACCOUNT_ID

    models.get_account_id_from = get_account_id_from
