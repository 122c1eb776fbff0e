#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: rds_event_subscriptions
short_description: RDS event notification subscriptions (type, categories, sources, topic, tags) in one invocation
version_added: 1.0.0
description:
  - Creates the RDS event subscriptions listed and brings each one to what is asked, in place - the SNS topic, the
    event categories and whether it is enabled with C(ModifyEventSubscription), the source identifiers with
    C(AddSourceIdentifierToSubscription) and C(RemoveSourceIdentifierFromSubscription) (added before others are
    removed, so that a subscription never covers fewer sources than asked in between), the tags by ARN.
  - A change of source type removes the subscription's source identifiers first (they name sources of the old
    type), then changes the type and the categories together, then adds the new sources.
  - On a run with nothing to change it reads the account's subscriptions once (C(DescribeEventSubscriptions),
    paginated) and, at once, the tags of the subscriptions whose O(tags) or O(subscriptions[].tags) are given
    (C(DescribeEventSubscriptions) does not return tags). It reads the catalogue of event categories
    (C(DescribeEventCategories), one call for every source type) only when a subscription has to be created or
    its categories or source type differ, and never writes.
  - Everything that can be refused is, before any write, listing every problem with the parameter and the
    subscription it concerns - a name RDS refuses, a name listed twice, an SNS topic ARN that is not one (or is a
    FIFO topic, which RDS does not support), a missing source type or topic, categories without the source type,
    and (once the catalogue is read) a category that is not one of the source type's.
  - RDS keeps a list naming every category of a source type as the empty list (all categories); the module
    compares them as equal, so that O(subscriptions[].event_categories) may name them all.
  - RDS applies a change asynchronously (the subscription is C(creating), C(modifying) or C(deleting)). With
    O(wait) the module waits, with one listing per poll for all of them, until every subscription it changed or
    found in such a state is C(active) (or gone), and fails if one ends C(topic-not-exist) or C(no-permission)
    (RDS cannot publish to the topic - see the notes on the topic's and the key's policies).
  - O(purge) with O(name_prefix) deletes the subscriptions whose names start with the prefix and are not listed.
    O(state=absent) deletes the listed subscriptions that exist (only their names are needed).
  - A subscription that fails to be configured is left as it is (never deleted); what was done is in RV(actions).
  - Supports check mode (no write; subscriptions to create are reported with a null ARN) and diff mode (before and
    after of each subscription that changes).
author:
  - 99Tech platform engineering (@99tech)
options:
  subscriptions:
    description: The event subscriptions, each one a dict.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the subscription, fewer than 255 letters, digits and hyphens, starting with a letter, neither
            ending with a hyphen nor holding two in a row (what RDS accepts).
          - Compared case-insensitively with the names RDS reports.
        type: str
        required: true
      sns_topic_arn:
        description:
          - ARN of the standard (not FIFO) SNS topic RDS publishes the events to.
          - Required with O(state=present).
        type: str
      source_type:
        description: The type of source whose events are sent. Required with O(state=present).
        type: str
        choices:
          - db-instance
          - db-cluster
          - db-parameter-group
          - db-security-group
          - db-snapshot
          - db-cluster-snapshot
          - db-proxy
          - zero-etl
          - custom-engine-version
          - blue-green-deployment
      event_categories:
        description:
          - The event categories sent, each one of the source type's (C(DescribeEventCategories); for example
            V(failure), V(maintenance), V(configuration change)). Compared as a set, in lower case.
          - Empty, every category of the source type.
        type: list
        elements: str
        default: []
      source_ids:
        description:
          - Identifiers of the sources whose events are sent (DB instance identifiers for V(db-instance), DB cluster
            identifiers for V(db-cluster), DB parameter group names for V(db-parameter-group), and so on). Each must
            exist. Compared as a set.
          - Empty, every source of the type in the account and region.
        type: list
        elements: str
        default: []
      enabled:
        description: Whether the subscription sends notifications.
        type: bool
        default: true
      tags:
        description: Tags of this subscription only, merged over O(tags).
        type: dict
  tags:
    description:
      - Tags every subscription carries (a subscription's own O(subscriptions[].tags) go over them).
      - Omitted (and no tags of a subscription), the tags of existing subscriptions are left alone and not read.
    type: dict
    aliases: ['resource_tags']
  purge_tags:
    description: Remove the tags of a subscription that are not asked for.
    type: bool
    default: true
  purge:
    description:
      - Delete the subscriptions whose names start with O(name_prefix) and are not listed (with O(state=present)).
      - Requires O(name_prefix); without it the task fails before any call.
    type: bool
    default: false
  name_prefix:
    description: Prefix (compared case-insensitively) of the names O(purge) may delete, for example V(trading-prod-).
    type: str
  state:
    description: Whether the subscriptions listed should exist.
    type: str
    default: present
    choices: [present, absent]
  wait:
    description: Wait until the subscriptions changed (or found creating, modifying or deleting) are active or gone.
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait at most.
    type: int
    default: 300
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - RDS publishes as the service principal C(events.rds.amazonaws.com). A topic whose policy does not let it
    publish, or that is encrypted with a KMS key whose policy does not let it use the key (C(kms:GenerateDataKey*),
    C(kms:Decrypt)), receives nothing; RDS then reports the subscription C(no-permission).
  - Security Hub's FSBP controls RDS.19 to RDS.22 look for enabled subscriptions of source types V(db-cluster),
    V(db-instance), V(db-parameter-group) and V(db-security-group) with their critical categories.
"""

EXAMPLES = r"""
- name: The platform's RDS event subscriptions (FSBP RDS.19 to RDS.22) to the alerts topic
  ninetynine.trading_infra.rds_event_subscriptions:
    subscriptions:
      - name: trading-prod-db-cluster
        sns_topic_arn: arn:aws:sns:us-east-1:123456789012:trading-prod-alerts
        source_type: db-cluster
        event_categories: [failure, maintenance]
      - name: trading-prod-db-instance
        sns_topic_arn: arn:aws:sns:us-east-1:123456789012:trading-prod-alerts
        source_type: db-instance
        event_categories: [configuration change, failure, maintenance]
      - name: trading-prod-db-parameter-group
        sns_topic_arn: arn:aws:sns:us-east-1:123456789012:trading-prod-alerts
        source_type: db-parameter-group
        event_categories: []   # all of them (configuration change)
      - name: trading-prod-db-security-group
        sns_topic_arn: arn:aws:sns:us-east-1:123456789012:trading-prod-alerts
        source_type: db-security-group
        event_categories: []   # all of them (configuration change, failure)
    tags:
      Project: trading
      Environment: prod
    purge: true
    name_prefix: trading-prod-

- name: Remove them
  ninetynine.trading_infra.rds_event_subscriptions:
    subscriptions:
      - name: trading-prod-db-cluster
      - name: trading-prod-db-instance
    state: absent
"""

RETURN = r"""
subscriptions:
  description: The subscriptions listed, by name, as the module compares them after the run (as they would be, in
    check mode; null for a subscription that does not exist, with O(state=absent)).
  returned: always
  type: dict
  sample:
    trading-prod-db-cluster:
      arn: arn:aws:rds:us-east-1:123456789012:es:trading-prod-db-cluster
      status: active
      sns_topic_arn: arn:aws:sns:us-east-1:123456789012:trading-prod-alerts
      source_type: db-cluster
      event_categories: [failure, maintenance]
      source_ids: []
      enabled: true
      tags: {Project: trading, Environment: prod}
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["create RDS event subscription trading-prod-db-cluster: failure, maintenance events of every db-cluster
            to arn:aws:sns:us-east-1:123456789012:trading-prod-alerts"]
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
      sample: "event subscription"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "trading-prod-db-cluster"
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
        - "create RDS event subscription trading-prod-db-cluster: failure, maintenance events of every db-cluster
          to arn:aws:sns:us-east-1:123456789012:trading-prod-alerts"
  sample:
    - kind: "event subscription"
      name: "trading-prod-db-cluster"
      action: create
      changes:
        - "create RDS event subscription trading-prod-db-cluster: failure, maintenance events of every db-cluster
          to arn:aws:sns:us-east-1:123456789012:trading-prod-alerts"
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.concurrency import read_all
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Refused
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import run
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import RETRY_CODES
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.waiters import wait_for

# CreateEventSubscription's SourceType ("Valid Values", RDS API reference as botocore's rds model quotes it).
SOURCE_TYPES = [
    "db-instance",
    "db-cluster",
    "db-parameter-group",
    "db-security-group",
    "db-snapshot",
    "db-cluster-snapshot",
    "db-proxy",
    "zero-etl",
    "custom-engine-version",
    "blue-green-deployment",
]
# SubscriptionName: "must be less than 255 characters"; and RDS's identifier rule, in its own words: "Identifiers
# must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen
# or contain two consecutive hyphens."
MAX_NAME = 254
NAME_RE = re.compile(r"^[A-Za-z](?:-?[A-Za-z0-9])*$")
# An SNS topic: up to 256 letters, digits, hyphens and underscores; ".fifo" ends a FIFO topic's name.
TOPIC_ARN_RE = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
# The Status member of EventSubscription: creating | modifying | deleting | active | no-permission |
# topic-not-exist (and all-sources-deleted once every source listed is gone).
TRANSITIONAL = ("creating", "modifying", "deleting")
BROKEN = {
    "no-permission": "RDS has no permission to publish to the topic (its policy, or its KMS key's policy, must let "
    "events.rds.amazonaws.com publish and use the key)",
    "topic-not-exist": "the SNS topic was deleted after the subscription was created",
}
FIELDS = ("sns_topic_arn", "source_type", "event_categories", "source_ids", "enabled")
KIND = "event subscription"


def key(name: str) -> str:
    return name.lower()


def label(index: int, name: str) -> str:
    return f"subscriptions[{index}] ({name})"


def comparable(subscription: dict) -> dict:
    """A subscription as RDS reports it, in the module's terms."""
    return {
        "sns_topic_arn": subscription.get("SnsTopicArn"),
        "source_type": subscription.get("SourceType"),
        "event_categories": sorted({c.lower() for c in subscription.get("EventCategoriesList") or []}),
        "source_ids": sorted(set(subscription.get("SourceIdsList") or [])),
        "enabled": bool(subscription.get("Enabled")),
    }


def every(values: list, what: str) -> str:
    return ", ".join(values) if values else f"every {what}"


def offline_problems(params: dict) -> list:
    """What is refused before any call: names, duplicates, ARNs, required fields, purge without a prefix."""
    problems, seen = [], {}
    present = params["state"] == "present"
    for index, spec in enumerate(params["subscriptions"]):
        name, where = spec["name"], label(index, spec["name"])
        if not NAME_RE.match(name):
            problems.append(
                f"{where}: name {name!r} is not one RDS accepts: it must begin with a letter, contain only ASCII "
                "letters, digits and hyphens, and neither end with a hyphen nor contain two consecutive hyphens"
            )
        elif len(name) > MAX_NAME:
            problems.append(f"{where}: name is {len(name)} characters long; RDS takes fewer than {MAX_NAME + 1}")
        if key(name) in seen:
            problems.append(f"{where}: name {name} is listed twice (also subscriptions[{seen[key(name)]}])")
        seen.setdefault(key(name), index)
        if not present:
            continue
        topic = spec.get("sns_topic_arn")
        if not topic:
            problems.append(f"{where}: sns_topic_arn is required with state=present")
        else:
            match = TOPIC_ARN_RE.match(topic)
            if not match:
                problems.append(f"{where}: sns_topic_arn {topic!r} is not the ARN of an SNS topic")
            elif match.group(1):
                problems.append(
                    f"{where}: sns_topic_arn {topic} is a FIFO topic; RDS publishes only to standard topics"
                )
        if not spec.get("source_type"):
            problems.append(f"{where}: source_type is required with state=present")
        if any(not str(s).strip() for s in spec.get("source_ids") or []):
            problems.append(f"{where}: source_ids holds an empty identifier")
    if params["purge"] and not params["name_prefix"]:
        problems.append(
            "purge: true needs name_prefix (the prefix of the names it may delete): without one it would delete "
            "every event subscription of the account that is not listed"
        )
    return problems


class EventSubscriptions:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.plan = Plan(module.check_mode)
        self._catalogue = None
        # DeleteEventSubscription answers InvalidEventSubscriptionState while the subscription is being changed:
        # "You should retry the action."
        self.delete = AWSRetry.jittered_backoff(
            retries=10, catch_extra_error_codes=[*RETRY_CODES, "InvalidEventSubscriptionState"]
        )(client.delete_event_subscription)

    # -- AWS calls ---------------------------------------------------------------------------------
    def call(self, operation: str, **kwargs):
        return getattr(self.client, operation)(aws_retry=True, **kwargs)

    def describe(self) -> dict:
        """Every subscription of the account and region, by lower-case name: one paginated listing."""
        listing = paginate(self.client, "describe_event_subscriptions", "EventSubscriptionsList")
        return {key(s["CustSubscriptionId"]): s for s in listing}

    def tags(self, arn: str) -> dict:
        return boto3_tag_list_to_ansible_dict(self.call("list_tags_for_resource", ResourceName=arn)["TagList"])

    def catalogue(self) -> dict:
        """{source type: [categories]} as RDS lists them (DescribeEventCategories), read once."""
        if self._catalogue is None:
            rows = self.call("describe_event_categories").get("EventCategoriesMapList") or []
            self._catalogue = {
                r["SourceType"]: sorted({c.lower() for c in r.get("EventCategories") or []}) for r in rows
            }
        return self._catalogue

    # -- what is asked ------------------------------------------------------------------------------
    def wanted_tags(self, spec: dict) -> dict | None:
        if self.params["tags"] is None and spec.get("tags") is None:
            return None
        tags = dict(self.params["tags"] or {})
        tags.update(spec.get("tags") or {})
        return {str(k): str(v) for k, v in tags.items()}

    @staticmethod
    def wanted(spec: dict) -> dict:
        return {
            "sns_topic_arn": spec.get("sns_topic_arn"),
            "source_type": spec.get("source_type"),
            "event_categories": sorted({str(c).strip().lower() for c in spec.get("event_categories") or []}),
            "source_ids": sorted({str(s) for s in spec.get("source_ids") or []}),
            "enabled": bool(spec.get("enabled", True)),
        }

    def category_problems(self) -> list:
        catalogue, problems = self.catalogue(), []
        for index, spec in enumerate(self.params["subscriptions"]):
            known = catalogue.get(spec["source_type"])
            if known is None:
                continue  # RDS lists no categories for this type: it judges them itself
            unknown = [c for c in self.wanted(spec)["event_categories"] if c not in known]
            if unknown:
                problems.append(
                    f"{label(index, spec['name'])}: event_categories: {', '.join(repr(c) for c in unknown)} "
                    f"{'is not a category' if len(unknown) == 1 else 'are not categories'} of {spec['source_type']} "
                    f"(RDS lists: {', '.join(known)})"
                )
        return problems

    def normalised(self, source_type: str, categories: list) -> list:
        """Categories as RDS keeps them: every category of the type is the empty list."""
        known = (self._catalogue or {}).get(source_type)
        return [] if known and set(categories) == set(known) else sorted(categories)

    def categories_to_send(self, source_type: str, categories: list) -> list:
        """For ModifyEventSubscription: "all" sent as the type's whole list, which RDS keeps as all."""
        return categories or list((self._catalogue or {}).get(source_type) or [])

    # -- present -----------------------------------------------------------------------------------
    def present(self):
        specs = self.params["subscriptions"]
        found = self.describe()
        existing = {key(s["name"]): found[key(s["name"])] for s in specs if key(s["name"]) in found}
        need_tags = [k for k in existing if self.wanted_tags(self.spec_of(k)) is not None]
        tags = read_all(lambda k: self.tags(existing[k]["EventSubscriptionArn"]), need_tags)

        # The catalogue is read only when something must be created, or its categories or type differ.
        if any(
            key(s["name"]) not in existing
            or comparable(existing[key(s["name"])])["source_type"] != s["source_type"]
            or comparable(existing[key(s["name"])])["event_categories"] != self.wanted(s)["event_categories"]
            for s in specs
        ):
            problems = self.category_problems()
            if problems:
                raise Refused("; ".join(problems))

        purged = []
        if self.params["purge"]:
            prefix, listed = key(self.params["name_prefix"]), {key(s["name"]) for s in specs}
            purged = [s for k, s in sorted(found.items()) if k.startswith(prefix) and k not in listed]

        before, after, results, pending, gone = {}, {}, {}, [], []
        for spec in specs:
            done = len(self.plan.actions)
            subscription = existing.get(key(spec["name"]))
            self.plan.about(KIND, spec["name"], exists=subscription is not None)
            if subscription is None:
                now = self.create(spec)
            else:
                now = self.reconcile(spec, subscription, tags.get(key(spec["name"])))
            results[spec["name"]] = now
            if len(self.plan.actions) > done:
                if subscription is not None:
                    before[spec["name"]] = self.state(subscription, tags.get(key(spec["name"])))
                after[spec["name"]] = {k: now[k] for k in (*FIELDS, "tags")}
                pending.append(key(spec["name"]))
            elif subscription is not None and subscription.get("Status") in TRANSITIONAL:
                pending.append(key(spec["name"]))
        for subscription in purged:
            name = subscription["CustSubscriptionId"]
            gone.append(key(name))
            if subscription.get("Status") == "deleting":
                continue  # already on its way: waited for, not deleted again
            before[name] = self.state(subscription, None)
            self.plan.about(KIND, name, wanted=False)
            self.plan.do(
                f"delete RDS event subscription {name} (not listed, its name starts with {self.params['name_prefix']})",
                self.delete,
                SubscriptionName=name,
                aws_retry=True,
            )
        self.settle(results, pending, gone)
        for name, result in results.items():
            status = result.get("status")
            if status in BROKEN and key(name) not in pending:
                self.module.warn(f"RDS event subscription {name} is {status}: {BROKEN[status]}")
            elif status == "all-sources-deleted":
                self.module.warn(
                    f"RDS event subscription {name} is all-sources-deleted: none of its source_ids exists any more, "
                    "so it sends nothing"
                )
        return before, after, {"subscriptions": results}

    def spec_of(self, name_key: str) -> dict:
        return next(s for s in self.params["subscriptions"] if key(s["name"]) == name_key)

    def state(self, subscription: dict, tags: dict | None) -> dict:
        state = comparable(subscription)
        state["tags"] = tags
        return state

    def result(self, spec: dict, arn, status, tags) -> dict:
        wanted = self.wanted(spec)
        wanted["event_categories"] = self.normalised(wanted["source_type"], wanted["event_categories"])
        return {"arn": arn, "status": status, **wanted, "tags": tags}

    def create(self, spec: dict) -> dict:
        name, wanted, tags = spec["name"], self.wanted(spec), self.wanted_tags(spec)
        categories = self.normalised(wanted["source_type"], wanted["event_categories"])
        request = {
            "SubscriptionName": name,
            "SnsTopicArn": wanted["sns_topic_arn"],
            "SourceType": wanted["source_type"],
            "Enabled": wanted["enabled"],
        }
        if categories:
            request["EventCategories"] = categories
        if wanted["source_ids"]:
            request["SourceIds"] = wanted["source_ids"]
        if tags:
            request["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        answer = self.plan.do(
            f"create RDS event subscription {name}: {', '.join(categories) or 'all'} events of "
            f"{every(wanted['source_ids'], wanted['source_type'])} to {wanted['sns_topic_arn']}"
            + ("" if wanted["enabled"] else " (disabled)"),
            self.client.create_event_subscription,
            aws_retry=True,
            **request,
        )
        subscription = (answer or {}).get("EventSubscription") or {}
        return self.result(spec, subscription.get("EventSubscriptionArn"), subscription.get("Status"), tags or {})

    def reconcile(self, spec: dict, subscription: dict, current_tags: dict | None) -> dict:
        name, arn = spec["name"], subscription["EventSubscriptionArn"]
        real_name = subscription["CustSubscriptionId"]
        found, wanted = comparable(subscription), self.wanted(spec)
        source_type = wanted["source_type"]
        type_changes = found["source_type"] != source_type
        wanted_categories = self.normalised(source_type, wanted["event_categories"])
        categories_differ = type_changes or self.normalised(source_type, found["event_categories"]) != wanted_categories
        # A new source type: the old sources go first (they name sources of the old type).
        ids_now = list(found["source_ids"])
        if type_changes:
            for source in ids_now:
                self.plan.do(
                    f"remove {source} from the sources of RDS event subscription {name} (its source type changes)",
                    self.client.remove_source_identifier_from_subscription,
                    SubscriptionName=real_name,
                    SourceIdentifier=source,
                    aws_retry=True,
                )
            ids_now = []
        request, changes = {}, []
        if found["sns_topic_arn"] != wanted["sns_topic_arn"]:
            request["SnsTopicArn"] = wanted["sns_topic_arn"]
            changes.append(f"topic {found['sns_topic_arn']} -> {wanted['sns_topic_arn']}")
        if categories_differ:
            request["SourceType"] = source_type
            request["EventCategories"] = self.categories_to_send(source_type, wanted_categories)
            if type_changes:
                changes.append(f"source type {found['source_type']} -> {source_type}")
            changes.append(
                f"categories {every(found['event_categories'], 'category')} -> {every(wanted_categories, 'category')}"
            )
        if found["enabled"] != wanted["enabled"]:
            request["Enabled"] = wanted["enabled"]
            changes.append("enabled" if wanted["enabled"] else "disabled")
        if request:
            self.plan.do(
                f"modify RDS event subscription {name}: {'; '.join(changes)}",
                self.client.modify_event_subscription,
                SubscriptionName=real_name,
                aws_retry=True,
                **request,
            )
        # New sources first, then the ones no longer listed: never fewer sources than asked in between.
        for source in [s for s in wanted["source_ids"] if s not in ids_now]:
            self.plan.do(
                f"add {source} to the sources of RDS event subscription {name}",
                self.client.add_source_identifier_to_subscription,
                SubscriptionName=real_name,
                SourceIdentifier=source,
                aws_retry=True,
            )
        for source in [s for s in ids_now if s not in wanted["source_ids"]]:
            self.plan.do(
                f"remove {source} from the sources of RDS event subscription {name}",
                self.client.remove_source_identifier_from_subscription,
                SubscriptionName=real_name,
                SourceIdentifier=source,
                aws_retry=True,
            )
        after_tags = current_tags
        wanted_tags = self.wanted_tags(spec)
        if wanted_tags is not None:
            after_tags = plan_tags(
                self.plan,
                f"RDS event subscription {name}",
                current_tags or {},
                wanted_tags,
                self.params["purge_tags"],
                lambda t: self.call("add_tags_to_resource", ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(t)),
                lambda keys: self.call("remove_tags_from_resource", ResourceName=arn, TagKeys=keys),
            )
        return self.result(spec, arn, subscription.get("Status"), after_tags)

    # -- absent ------------------------------------------------------------------------------------
    def absent(self):
        found = self.describe()
        before, results, gone = {}, {}, []
        for spec in self.params["subscriptions"]:
            subscription = found.get(key(spec["name"]))
            results[spec["name"]] = None
            if subscription is None:
                continue
            gone.append(key(spec["name"]))
            if subscription.get("Status") == "deleting":
                continue  # already on its way: waited for, not deleted again
            before[spec["name"]] = self.state(subscription, None)
            self.plan.about(KIND, spec["name"], wanted=False)
            self.plan.do(
                f"delete RDS event subscription {spec['name']}",
                self.delete,
                SubscriptionName=subscription["CustSubscriptionId"],
                aws_retry=True,
            )
        self.settle({}, [], gone)
        return before, {}, {"subscriptions": results}

    # -- waiting -----------------------------------------------------------------------------------
    def settle(self, results: dict, pending: list, gone: list) -> None:
        """Wait (with O(wait)) until the subscriptions in ``pending`` leave creating/modifying and those in
        ``gone`` are gone; then report the statuses found. One listing per poll, whatever their number."""
        if self.plan.check_mode or not self.params["wait"] or not (pending or gone):
            return

        def ready(listing):
            # A subscription RDS cannot publish for is not ready: failed() names it.
            return all(k not in listing for k in gone) and all(
                listing.get(k, {}).get("Status") not in (*TRANSITIONAL, *BROKEN) for k in pending
            )

        def failed(listing):
            broken = [
                f"{listing[k]['CustSubscriptionId']} is {listing[k]['Status']}: {BROKEN[listing[k]['Status']]}"
                for k in pending
                if k in listing and listing[k].get("Status") in BROKEN
            ]
            return "; ".join(broken) or None

        listing = wait_for(
            self.module,
            self.describe,
            ready,
            f"RDS event subscriptions {', '.join(sorted(pending + gone))}",
            self.params["wait_timeout"],
            failed=failed,
            plan=self.plan,
        )
        for name, result in results.items():
            if key(name) in listing:
                result["status"] = listing[key(name)].get("Status")
                result["arn"] = listing[key(name)].get("EventSubscriptionArn")


def main():
    argument_spec = dict(
        subscriptions=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                sns_topic_arn=dict(type="str"),
                source_type=dict(type="str", choices=SOURCE_TYPES),
                event_categories=dict(type="list", elements="str", default=[]),
                source_ids=dict(type="list", elements="str", default=[]),
                enabled=dict(type="bool", default=True),
                tags=dict(type="dict"),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        purge=dict(type="bool", default=False),
        name_prefix=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problems = offline_problems(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems) + ". Nothing was changed.", actions=[], resources=[])
    subscriptions = EventSubscriptions(module, module.client("rds", retry_decorator=retry_decorator()))
    absent = module.params["state"] == "absent"
    # Nothing is rolled back or deleted: what was done is in actions.
    run(
        module,
        subscriptions.plan,
        subscriptions.absent if absent else subscriptions.present,
        "RDS event subscription reconciliation failed (no subscription was deleted)",
        refused_msg=lambda e: f"{e}. Nothing was changed.",
    )


if __name__ == "__main__":
    main()
