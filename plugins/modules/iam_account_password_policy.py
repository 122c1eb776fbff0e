#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: iam_account_password_policy
short_description: The IAM password policy of the account, changed only when it differs
version_added: 1.0.0
description:
  - An account has one password policy for its IAM users. This module reads it and, when any
    setting differs from what is given, replaces it with UpdateAccountPasswordPolicy (which sets
    every field at once, and a field not given takes AWS's default). V(absent) deletes it, which
    returns the account to AWS's default rules.
  - amazon.aws.iam_password_policy writes the policy on every run, in check mode too; this module
    reads first, writes only what differs, and writes nothing in check mode.
  - The password policy has no tags. The call is synchronous, so there is nothing to wait for.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  minimum_length:
    description: Minimum number of characters of a password (6 to 128).
    type: int
    default: 14
  require_symbols:
    description: Whether a password needs a character that is not a letter or a digit.
    type: bool
    default: true
  require_numbers:
    description: Whether a password needs a digit.
    type: bool
    default: true
  require_uppercase:
    description: Whether a password needs an upper-case Latin letter.
    type: bool
    default: true
  require_lowercase:
    description: Whether a password needs a lower-case Latin letter.
    type: bool
    default: true
  allow_users_to_change_password:
    description: Whether IAM users may change their own password.
    type: bool
    default: true
  max_age_days:
    description: Days a password stays valid (1 to 1095); V(0) for passwords that never expire.
    type: int
    default: 90
  reuse_prevention:
    description: How many previous passwords a user may not reuse (1 to 24); V(0) for no rule.
    type: int
    default: 24
  hard_expiry:
    description: Whether an expired password can only be reset by an administrator.
    type: bool
    default: false
  state:
    description: V(absent) deletes the account's password policy.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The password policy of CIS AWS Foundations 1.8 and 1.9 and AWS FSBP IAM.7
  ninetynine.trading_infra.iam_account_password_policy:
    minimum_length: 14
    reuse_prevention: 24
    max_age_days: 90

- name: Back to AWS's default rules
  ninetynine.trading_infra.iam_account_password_policy:
    state: absent
"""

RETURN = r"""
policy:
  description: The account's password policy after the run, as the module compares it (null when absent).
  returned: always
  type: dict
  sample:
    minimum_length: 14
    require_symbols: true
    require_numbers: true
    require_uppercase: true
    require_lowercase: true
    allow_users_to_change_password: true
    max_age_days: 90
    reuse_prevention: 24
    hard_expiry: false
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["set password policy: minimum_length 8 -> 14, reuse_prevention 0 -> 24"]
resources:
  description: >-
    The resources changed (or, in check mode, that would be), each once: what happens to it and the changes it
    gets. The plan summary counts these.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, as the AWS console names it.
      returned: always
      type: str
      sample: "password policy"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "account"
    action:
      description: What happens to the resource, one of V(create), V(change) or V(delete).
      returned: always
      type: str
      sample: change
    changes:
      description: The changes it gets, as in RV(actions).
      returned: always
      type: list
      elements: str
      sample:
        - "set password policy: minimum_length 8 -> 14, reuse_prevention 0 -> 24"
  sample:
    - kind: "password policy"
      name: "account"
      action: change
      changes:
        - "set password policy: minimum_length 8 -> 14, reuse_prevention 0 -> 24"
"""

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator

# The module's option, GetAccountPasswordPolicy's field, and the value of a field AWS leaves out.
FIELDS = (
    ("minimum_length", "MinimumPasswordLength", 6),
    ("require_symbols", "RequireSymbols", False),
    ("require_numbers", "RequireNumbers", False),
    ("require_uppercase", "RequireUppercaseCharacters", False),
    ("require_lowercase", "RequireLowercaseCharacters", False),
    ("allow_users_to_change_password", "AllowUsersToChangePassword", False),
    ("max_age_days", "MaxPasswordAge", 0),
    ("reuse_prevention", "PasswordReusePrevention", 0),
    ("hard_expiry", "HardExpiry", False),
)
# The IAM API reference, UpdateAccountPasswordPolicy: the valid ranges.
RANGES = {"minimum_length": (6, 128), "max_age_days": (1, 1095), "reuse_prevention": (1, 24)}
OFF_BY_ZERO = ("max_age_days", "reuse_prevention")


def comparable(policy):
    """GetAccountPasswordPolicy's answer in the module's shape (None: no policy)."""
    if policy is None:
        return None
    return {option: policy.get(field, missing) for option, field, missing in FIELDS}


def problems(params):
    found = []
    for option, (low, high) in RANGES.items():
        value = params[option]
        if option in OFF_BY_ZERO and value == 0:
            continue
        if not low <= value <= high:
            allowed = f"{low} to {high}" + (" (or 0 for none)" if option in OFF_BY_ZERO else "")
            found.append(f"{option}: {value} is outside {allowed}")
    return found


def request(wanted):
    body = {field: wanted[option] for option, field, _ in FIELDS if option not in OFF_BY_ZERO}
    for option, field, _ in FIELDS:
        if option in OFF_BY_ZERO and wanted[option]:
            body[field] = wanted[option]
    return body


def main():
    argument_spec = dict(
        minimum_length=dict(type="int", default=14),
        require_symbols=dict(type="bool", default=True),
        require_numbers=dict(type="bool", default=True),
        require_uppercase=dict(type="bool", default=True),
        require_lowercase=dict(type="bool", default=True),
        allow_users_to_change_password=dict(type="bool", default=True, no_log=False),
        max_age_days=dict(type="int", default=90),
        reuse_prevention=dict(type="int", default=24),
        hard_expiry=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    refused = problems(p) if p["state"] == "present" else []
    if refused:
        module.fail_json(msg="; ".join(refused))
    client = module.client("iam", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    try:
        try:
            before = comparable(client.get_account_password_policy(aws_retry=True)["PasswordPolicy"])
        except is_boto3_error_code("NoSuchEntity"):
            before = None
        # The account has one password policy, with no name of its own.
        plan.about("password policy", "account", exists=before is not None, wanted=p["state"] == "present")
        if p["state"] == "absent":
            if before is not None:
                plan.do("delete password policy", client.delete_account_password_policy, aws_retry=True)
            plan.exit_json(module, before or {}, {}, policy=None)
        wanted = {option: p[option] for option, _, _ in FIELDS}
        if before is None:
            plan.do("create password policy", client.update_account_password_policy, aws_retry=True, **request(wanted))
        elif before != wanted:
            changes = [f"{k} {before[k]} -> {wanted[k]}" for k in wanted if before[k] != wanted[k]]
            plan.do(
                f"set password policy: {', '.join(changes)}",
                client.update_account_password_policy,
                aws_retry=True,
                **request(wanted),
            )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg="IAM password policy reconciliation failed", actions=plan.actions, resources=plan.resources
        )
    plan.exit_json(module, before or {}, wanted, policy=wanted)


if __name__ == "__main__":
    main()
