#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: kms_key
short_description: A symmetric KMS customer key found by its alias, with its policy, rotation and tags
version_added: 1.0.0
description:
  - Finds the key by its alias (one C(DescribeKey)), then reads its policy, rotation status and tags
    at once, and changes only what differs. A key not found is created with its policy and tags,
    then given its alias and its rotation.
  - A key whose deletion is scheduled (by a teardown) is taken back (C(CancelKeyDeletion)) and enabled
    again, so that a converge within the waiting period keeps what the key encrypted.
  - V(absent) schedules the key's deletion after O(pending_window) days; its alias goes with it.
  - In place of amazon.aws.kms_key, which reads every alias and grant of the account for each key
    (18 calls a key on a run with nothing to change; here 4, three of them at once). Grants are not
    managed, since the services that use the key create their own.
  - KMS answers at once, so there is nothing to wait for.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  alias:
    description: The key's alias, with or without its C(alias/) prefix (not C(alias/aws/), which AWS keeps).
    type: str
    required: true
  description:
    description: The key's description.
    type: str
    default: ""
  policy:
    description: The key policy, as JSON (compared by meaning). Without it a new key gets KMS's default policy.
    type: json
  enable_key_rotation:
    description: Whether KMS rotates the key material every year.
    type: bool
    default: true
  tags:
    description: Tags of the key.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove the tags not in O(tags).
    type: bool
    default: true
  pending_window:
    description: With V(absent), the days KMS waits before deleting the key (7 to 30).
    type: int
    default: 30
  state:
    description: Whether the key exists (V(absent) schedules its deletion).
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The data tier's key, usable by RDS, ElastiCache and Secrets Manager for this account
  ninetynine.trading_infra.kms_key:
    alias: alias/trading-prod-data
    description: "trading-prod data tier: Aurora, Redis, their secrets"
    policy: "{{ data_tier_kms_policy | to_json }}"
    tags:
      Environment: prod

- name: Schedule its deletion in a week
  ninetynine.trading_infra.kms_key:
    alias: alias/trading-prod-data
    pending_window: 7
    state: absent
"""

RETURN = r"""
key_id:
  description: The key's id (null in check mode before it is created, or when absent).
  returned: always
  type: str
  sample: 1234abcd-12ab-34cd-56ef-1234567890ab
key_arn:
  description: The key's ARN (null in check mode before it is created, or when absent).
  returned: always
  type: str
  sample: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
key_state:
  description: The key's state after the run (C(Enabled), C(PendingDeletion)), or null.
  returned: always
  type: str
  sample: Enabled
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["create key alias/trading-prod-data", "enable rotation of alias/trading-prod-data"]
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and the
      changes it gets. The plan summary counts these."
    - A key taken back from its scheduled deletion was never gone, so that is a V(change) of it.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, always V(KMS key).
      type: str
    name:
      description: The key's alias (C(alias/...)); the alias is part of the key, not another resource.
      type: str
    action:
      description: What happens to it.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets (entries of RV(actions)).
      type: list
      elements: str
  sample:
    - kind: KMS key
      name: alias/trading-prod-data
      action: create
      changes:
        - create key alias/trading-prod-data
        - name it alias/trading-prod-data
        - enable rotation of alias/trading-prod-data
"""

import json

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.concurrency import read_all
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags


KIND = "KMS key"


def alias_name(alias):
    return alias if alias.startswith("alias/") else f"alias/{alias}"


def describe(client, alias):
    try:
        return client.describe_key(KeyId=alias, aws_retry=True)["KeyMetadata"]
    except is_boto3_error_code("NotFoundException"):
        return None


def read_parts(client, key_id):
    def part(name):
        if name == "policy":
            return json.loads(client.get_key_policy(KeyId=key_id, PolicyName="default", aws_retry=True)["Policy"])
        if name == "rotation":
            return client.get_key_rotation_status(KeyId=key_id, aws_retry=True)["KeyRotationEnabled"]
        tags = []
        marker = None
        while True:
            kwargs = {"KeyId": key_id, "aws_retry": True}
            if marker:
                kwargs["Marker"] = marker
            page = client.list_resource_tags(**kwargs)
            tags += page.get("Tags", [])
            marker = page.get("NextMarker") if page.get("Truncated") else None
            if not marker:
                return boto3_tag_list_to_ansible_dict(tags, "TagKey", "TagValue")

    return read_all(part, ["policy", "rotation", "tags"])


def main():
    argument_spec = dict(
        alias=dict(type="str", required=True),
        description=dict(type="str", default=""),
        policy=dict(type="json"),
        enable_key_rotation=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        pending_window=dict(type="int", default=30),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    alias = alias_name(p["alias"])
    if alias.startswith("alias/aws/"):
        module.fail_json(msg=f"alias: {alias} is reserved for AWS managed keys")
    if not 7 <= p["pending_window"] <= 30:
        module.fail_json(msg=f"pending_window: {p['pending_window']} must be from 7 to 30 days")
    wanted_policy = json.loads(p["policy"]) if p["policy"] else None
    client = module.client("kms", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    try:
        key = describe(client, alias)
        if key is not None and key.get("KeyManager") == "AWS":
            module.fail_json(msg=f"{alias} names an AWS managed key, not a customer key")
        if p["state"] == "absent":
            if key is None or key["KeyState"] == "PendingDeletion":
                module.exit_json(
                    changed=False,
                    actions=[],
                    resources=[],
                    key_id=key and key["KeyId"],
                    key_arn=key and key["Arn"],
                    key_state=key and key["KeyState"],
                )
            plan.about(KIND, alias, wanted=False)
            plan.do(
                f"schedule the deletion of {alias} in {p['pending_window']} days",
                client.schedule_key_deletion,
                KeyId=key["KeyId"],
                PendingWindowInDays=p["pending_window"],
                aws_retry=True,
            )
            plan.exit_json(
                module,
                {"key_state": key["KeyState"]},
                {"key_state": "PendingDeletion"},
                key_id=key["KeyId"],
                key_arn=key["Arn"],
                key_state="PendingDeletion",
            )

        wanted = {
            "description": p["description"],
            "policy": wanted_policy,
            "rotation": p["enable_key_rotation"],
            "tags": p["tags"],
        }
        # A key pending deletion still exists: taking it back is a change of it.
        plan.about(KIND, alias, exists=key is not None)
        if key is None:
            request = {"Description": p["description"], "KeyUsage": "ENCRYPT_DECRYPT", "KeySpec": "SYMMETRIC_DEFAULT"}
            if wanted_policy:
                request["Policy"] = json.dumps(wanted_policy)
            if p["tags"]:
                request["Tags"] = ansible_dict_to_boto3_tag_list(p["tags"], "TagKey", "TagValue")
            created = plan.do(f"create key {alias}", client.create_key, aws_retry=True, **request)
            key_id = created["KeyMetadata"]["KeyId"] if created else None
            try:
                plan.do(
                    f"name it {alias}",
                    client.create_alias if key_id else None,
                    AliasName=alias,
                    TargetKeyId=key_id,
                    aws_retry=True,
                )
                if p["enable_key_rotation"]:
                    plan.do(
                        f"enable rotation of {alias}",
                        client.enable_key_rotation if key_id else None,
                        KeyId=key_id,
                        aws_retry=True,
                    )
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
                # A key without its alias would be found by no later run: it is not left behind.
                client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7, aws_retry=True)
                plan.do(f"schedule the deletion of the new key {key_id} (it could not be set up)")  # made above
                raise
            plan.exit_json(
                module,
                {},
                wanted,
                key_id=key_id,
                key_arn=created["KeyMetadata"]["Arn"] if created else None,
                key_state="Enabled" if created else None,
            )

        key_id = key["KeyId"]
        state = key["KeyState"]
        if state == "PendingDeletion":
            plan.do(f"cancel the deletion of {alias}", client.cancel_key_deletion, KeyId=key_id, aws_retry=True)
            state = "Disabled"  # a key taken back from deletion is disabled
        if state == "Disabled":
            plan.do(f"enable {alias}", client.enable_key, KeyId=key_id, aws_retry=True)
            state = "Enabled"
        parts = read_parts(client, key_id)
        before = {
            "description": key.get("Description", ""),
            "policy": parts["policy"],
            "rotation": parts["rotation"],
            "tags": parts["tags"],
            "key_state": key["KeyState"],
        }
        after = dict(before, key_state=state)
        if before["description"] != p["description"]:
            plan.do(
                f"describe {alias} as {p['description']!r}",
                client.update_key_description,
                KeyId=key_id,
                Description=p["description"],
                aws_retry=True,
            )
            after["description"] = p["description"]
        if wanted_policy is not None and compare_policies(parts["policy"], wanted_policy):
            plan.do(
                f"set the policy of {alias}",
                client.put_key_policy,
                KeyId=key_id,
                PolicyName="default",
                Policy=json.dumps(wanted_policy),
                aws_retry=True,
            )
            after["policy"] = wanted_policy
        if parts["rotation"] != p["enable_key_rotation"]:
            verb = "enable" if p["enable_key_rotation"] else "disable"
            plan.do(
                f"{verb} rotation of {alias}",
                client.enable_key_rotation if p["enable_key_rotation"] else client.disable_key_rotation,
                KeyId=key_id,
                aws_retry=True,
            )
            after["rotation"] = p["enable_key_rotation"]
        if p["tags"] is not None:
            after["tags"] = plan_tags(
                plan,
                alias,
                parts["tags"],
                p["tags"],
                p["purge_tags"],
                lambda tags: client.tag_resource(
                    KeyId=key_id, Tags=ansible_dict_to_boto3_tag_list(tags, "TagKey", "TagValue"), aws_retry=True
                ),
                lambda keys: client.untag_resource(KeyId=key_id, TagKeys=keys, aws_retry=True),
            )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg=f"KMS key {alias} reconciliation failed", actions=plan.actions, resources=plan.resources
        )
    plan.exit_json(module, before, after, key_id=key_id, key_arn=key["Arn"], key_state=after["key_state"])


if __name__ == "__main__":
    main()
