#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: sns_encrypted_topic
short_description: An SNS topic encrypted with KMS, with its access policy, subscriptions and tags
version_added: 1.0.0
description:
  - Creates or updates a standard SNS topic whose messages are encrypted at rest with a KMS key,
    sets its access policy and display name, keeps its subscriptions to the list given and its tags
    in step, in one call.
  - community.aws.sns_topic cannot set the topic's KMS key; this module can, and reads everything in
    one pass so a run with nothing to do makes no write.
  - E-mail subscriptions wait for the recipient to confirm; until then AWS lists them as
    C(PendingConfirmation) and they cannot be removed through the API (they expire after three days).
    Such a subscription counts as present, so it is not requested again on every run.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  name:
    description: Topic name (letters, digits, hyphens and underscores, at most 256).
    type: str
    required: true
  display_name:
    description: Display name (the sender name of e-mail notifications).
    type: str
  kms_master_key_id:
    description: KMS key (id, ARN or alias) that encrypts the messages; required when O(state=present).
    type: str
  policy:
    description: The topic's access policy (a dict or JSON text); left as is when not given.
    type: raw
  subscriptions:
    description: The subscriptions wanted.
    type: list
    elements: dict
    default: []
    suboptions:
      protocol:
        description: Delivery protocol.
        type: str
        required: true
        choices: [email, email-json, sms, sqs, lambda, https, http, application, firehose]
      endpoint:
        description: Address, number, or ARN the messages go to.
        type: str
        required: true
  purge_subscriptions:
    description: Remove confirmed subscriptions that O(subscriptions) does not list.
    type: bool
    default: true
  state:
    description: V(absent) deletes the topic and with it its subscriptions.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Alerts topic, encrypted, with the on-call addresses
  ninetynine.trading_infra.sns_encrypted_topic:
    name: trading-prod-alerts
    display_name: Trading prod alerts
    kms_master_key_id: alias/trading-prod-compliance
    subscriptions:
      - protocol: email
        endpoint: oncall@example.com
    tags:
      Environment: prod
"""

RETURN = r"""
topic_arn:
  description: ARN of the topic (null once deleted, or in check mode before it exists).
  returned: always
  type: str
  sample: arn:aws:sns:us-east-1:123456789012:trading-prod-alerts
subscriptions:
  description: The topic's subscriptions after the run.
  returned: when state is present
  type: list
  elements: dict
  sample: [{"protocol": "email", "endpoint": "oncall@example.com", "pending_confirmation": true}]
actions:
  description: What was done (or would be done in check mode), one line per change.
  returned: always
  type: list
  elements: str
  sample: ["create topic trading-prod-alerts", "subscribe email oncall@example.com"]
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
      sample: "SNS topic"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "trading-prod-alerts"
    action:
      description: What happens to the resource, one of V(create), V(change) or V(delete).
      returned: always
      type: str
      sample: create
    changes:
      description: The changes it gets, as in RV(actions).
      returned: always
      type: list
      elements: str
      sample:
        - "create topic trading-prod-alerts encrypted with alias/trading-prod-compliance"
        - "subscribe email oncall@example.com"
  sample:
    - kind: "SNS topic"
      name: "trading-prod-alerts"
      action: create
      changes:
        - "create topic trading-prod-alerts encrypted with alias/trading-prod-compliance"
        - "subscribe email oncall@example.com"
"""

import json
import re

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
PENDING = ("PendingConfirmation", "pending confirmation")


def topic_arn_for(client, name):
    """The ARN of the topic called ``name``, or None (ListTopics is the only lookup by name)."""
    for topic in paginate(client, "list_topics", "Topics"):
        if topic["TopicArn"].rsplit(":", 1)[1] == name:
            return topic["TopicArn"]
    return None


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            display_name=dict(type="str"),
            kms_master_key_id=dict(type="str"),
            policy=dict(type="raw"),
            subscriptions=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    protocol=dict(
                        type="str",
                        required=True,
                        choices=[
                            "email",
                            "email-json",
                            "sms",
                            "sqs",
                            "lambda",
                            "https",
                            "http",
                            "application",
                            "firehose",
                        ],
                    ),
                    endpoint=dict(type="str", required=True),
                ),
            ),
            purge_subscriptions=dict(type="bool", default=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
        required_if=[("state", "present", ["kms_master_key_id"])],
    )
    p = module.params
    if p["state"] == "present" and not p["kms_master_key_id"]:
        module.fail_json(msg="kms_master_key_id is required when state is present: the topic must be encrypted")
    if not NAME_RE.match(p["name"]):
        module.fail_json(msg=f"name {p['name']!r} must be 1-256 letters, digits, hyphens or underscores")
    policy = p["policy"]
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError as e:
            module.fail_json(msg=f"policy is not valid JSON: {e}")
    client = module.client("sns", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    try:
        arn = topic_arn_for(client, p["name"])
        attributes, subscriptions, tags = {}, [], {}
        if arn:
            try:
                attributes = client.get_topic_attributes(TopicArn=arn, aws_retry=True)["Attributes"]
            except is_boto3_error_code("NotFound"):
                arn = None  # deleted between the listing and now
        if arn:
            subscriptions = paginate(client, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn)
            tags = boto3_tag_list_to_ansible_dict(
                client.list_tags_for_resource(ResourceArn=arn, aws_retry=True)["Tags"]
            )
        before = (
            {
                "name": p["name"],
                "display_name": attributes.get("DisplayName", ""),
                "kms_master_key_id": attributes.get("KmsMasterKeyId", ""),
                "policy": json.loads(attributes["Policy"]) if attributes.get("Policy") else {},
                "subscriptions": sorted(f"{s['Protocol']}:{s['Endpoint']}" for s in subscriptions),
                "tags": tags,
            }
            if arn
            else {}
        )
        # The subscriptions are the topic's own changes.
        plan.about("SNS topic", p["name"], exists=arn is not None, wanted=p["state"] == "present")

        if p["state"] == "absent":
            if arn:
                plan.do(f"delete topic {p['name']}", client.delete_topic, TopicArn=arn, aws_retry=True)
            plan.exit_json(module, before, {}, topic_arn=None)

        wanted_tags = {str(k): str(v) for k, v in (p["tags"] or {}).items()}
        if not arn:
            attrs = {"KmsMasterKeyId": p["kms_master_key_id"]}
            if p["display_name"] is not None:
                attrs["DisplayName"] = p["display_name"]
            if policy is not None:
                attrs["Policy"] = json.dumps(policy)
            created = plan.do(
                f"create topic {p['name']} encrypted with {p['kms_master_key_id']}",
                client.create_topic,
                Name=p["name"],
                Attributes=attrs,
                Tags=tag_list(wanted_tags),
                aws_retry=True,
            )
            arn = created["TopicArn"] if created else None
        else:
            changes = []
            if attributes.get("KmsMasterKeyId", "") != p["kms_master_key_id"]:
                changes.append(("KmsMasterKeyId", p["kms_master_key_id"]))
            if p["display_name"] is not None and attributes.get("DisplayName", "") != p["display_name"]:
                changes.append(("DisplayName", p["display_name"]))
            if policy is not None and compare_policies(before["policy"], policy):
                changes.append(("Policy", json.dumps(policy)))
            for name, value in changes:
                plan.do(
                    f"set {name} of topic {p['name']}",
                    client.set_topic_attributes,
                    TopicArn=arn,
                    AttributeName=name,
                    AttributeValue=value,
                    aws_retry=True,
                )
            if p["tags"] is not None:
                plan_tags(
                    plan,
                    f"topic {p['name']}",
                    tags,
                    wanted_tags,
                    p["purge_tags"],
                    lambda tags: client.tag_resource(ResourceArn=arn, Tags=tag_list(tags), aws_retry=True),
                    lambda keys: client.untag_resource(ResourceArn=arn, TagKeys=keys, aws_retry=True),
                )

        have = {(s["Protocol"], s["Endpoint"]): s for s in subscriptions}
        want = [(s["protocol"], s["endpoint"]) for s in p["subscriptions"]]
        for protocol, endpoint in want:
            if (protocol, endpoint) in have:
                continue
            plan.do(
                f"subscribe {protocol} {endpoint}",
                client.subscribe,
                TopicArn=arn,
                Protocol=protocol,
                Endpoint=endpoint,
                aws_retry=True,
            )
        removable = []
        if p["purge_subscriptions"]:
            for key, sub in have.items():
                if key not in want and sub["SubscriptionArn"] not in PENDING:
                    removable.append(key)
                    plan.do(
                        f"unsubscribe {key[0]} from topic {p['name']}",
                        client.unsubscribe,
                        SubscriptionArn=sub["SubscriptionArn"],
                        aws_retry=True,
                    )
        final = [k for k in have if k not in removable] + [k for k in want if k not in have]
        pending = {k for k, s in have.items() if s["SubscriptionArn"] in PENDING}
        if not module.check_mode and arn and any(k not in have for k in want):
            fresh = paginate(client, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn)
            pending = {(s["Protocol"], s["Endpoint"]) for s in fresh if s["SubscriptionArn"] in PENDING}
        after = {
            "name": p["name"],
            "display_name": p["display_name"] if p["display_name"] is not None else before.get("display_name", ""),
            "kms_master_key_id": p["kms_master_key_id"],
            "policy": policy if policy is not None else before.get("policy", {}),
            "subscriptions": sorted(f"{k[0]}:{k[1]}" for k in final),
            "tags": wanted_tags if p["tags"] is not None else tags,
        }
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg=f"SNS topic {p['name']} reconciliation failed", actions=plan.actions, resources=plan.resources
        )
    plan.exit_json(
        module,
        before,
        after,
        topic_arn=arn,
        subscriptions=[
            {"protocol": k[0], "endpoint": k[1], "pending_confirmation": k in pending} for k in sorted(final)
        ],
    )


if __name__ == "__main__":
    main()
