"""RDS event subscriptions as AWS keeps them, where moto 5.2 differs in ways the roles depend on.

moto 5.2 has CreateEventSubscription, DeleteEventSubscription and DescribeEventSubscriptions and
stores whatever they are given; it lacks ModifyEventSubscription, AddSourceIdentifierToSubscription,
RemoveSourceIdentifierFromSubscription and DescribeEventCategories. This module answers all seven
operations, with the rules below. Error codes and HTTP statuses are the error shapes each operation
lists in botocore's rds 2014-10-31 model; where a refusal's wording is AWS's own it is quoted.

* SubscriptionName "must be less than 255 characters" (API reference, CreateEventSubscription) and is
  an RDS identifier: InvalidParameterValue "The parameter Subscription Identifier is not a valid
  identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and
  hyphens; and must not end with a hyphen or contain two consecutive hyphens." (AWS's answer, quoted in
  hashicorp/terraform-provider-aws #38194).
* SourceType is one of the values the API reference lists for CreateEventSubscription and
  ModifyEventSubscription (db-instance | db-cluster | db-parameter-group | db-security-group |
  db-snapshot | db-cluster-snapshot | db-proxy | zero-etl | custom-engine-version |
  blue-green-deployment); InvalidParameterValue otherwise.
* EventCategories need a SourceType in the same request: InvalidParameterCombination "If SourceType
  is null, Categories must also be null." (AWS's answer to a ModifyEventSubscription that gave
  categories without the source type, hashicorp/terraform-provider-aws #1817). SourceIds need one
  too (API reference: "If SourceIds are supplied, SourceType must also be provided").
* Each category must be one of its source type's (catalogues/rds_event_categories.json, the User
  Guide's "Amazon RDS event categories and event messages"): SubscriptionCategoryNotFound (404, "The
  supplied category does not exist."). A list naming every category of the source type is kept as
  the empty list, which means all of them: DescribeEventSubscriptions then answers an empty
  EventCategoriesList (observed on AWS for db-security-group's two categories, prowler-cloud/prowler
  #4130).
* SnsTopicArn must name an existing topic: SNSTopicArnNotFound (404, "The SNS topic ARN does not
  exist."); "RDS doesn't support FIFO (first in, first out) topics" (API reference), refused as
  SNSInvalidTopic (400).
* SourceIds, and the SourceIdentifier of AddSourceIdentifierToSubscription, must name an existing
  source of the subscription's type (a DBInstanceIdentifier for db-instance, a DBClusterIdentifier for
  db-cluster, a DBParameterGroupName for db-parameter-group, ...: API reference): SourceNotFound (404,
  "Could not find source", as quoted in cloudposse/terraform-aws-rds-cloudwatch-sns-alarms #56 and
  app-sre/qontract-reconcile #4207); RemoveSourceIdentifierFromSubscription of an identifier the subscription does not
  hold: SourceNotFound. Source types whose sources moto does not keep are not checked.
* SubscriptionAlreadyExist (400) for a name taken; SubscriptionNotFound (404) "Event Subscription
  <name> not found." (AWS's wording, hashicorp/terraform-provider-aws #9371) for Modify, Delete,
  Add/RemoveSourceIdentifier and a DescribeEventSubscriptions by name.
* Enabled defaults to true (the AWS CLI's recorded create-event-subscription example, which gives no
  --enabled, answers "Enabled": true); moto defaults to false.
* Status: "creating" after a create, "modifying" after a modify or a source identifier change,
  "deleting" after a delete (the AWS CLI's recorded examples), then "active" (or gone); with the
  latency model off, at once. "topic-not-exist" once the topic was deleted (the Status member:
  "indicates that the topic was deleted after the subscription was created"), "all-sources-deleted"
  once every source listed is gone (aws-cloudformation/aws-cloudformation-resource-providers-rds
  #551). DeleteEventSubscription of a subscription still creating or modifying:
  InvalidEventSubscriptionState (400, "This error can occur if someone else is modifying a
  subscription").
* DescribeEventSubscriptions pages with MaxRecords ("Minimum 20, maximum 100", default 100:
  InvalidParameterValue otherwise) and Marker (opaque to clients; an offset here); answers
  CustomerAwsId and SubscriptionCreationTime.
* DescribeEventCategories answers the catalogue, for one SourceType or all.

Not modelled (no source found, or nothing to evaluate locally): the topic policy and the KMS key
policy of an encrypted topic (SNSNoAuthorization, status "no-permission"), the account's quota of
event subscriptions (EventSubscriptionQuotaExceeded), and how long AWS keeps a subscription
creating: the latency model keeps it SECONDS x scale, a figure of ours.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from .latency import MODEL as LATENCY

MAX_NAME = 254  # "The name must be less than 255 characters."
IDENTIFIER_RE = re.compile(r"^[A-Za-z](?:-?[A-Za-z0-9])*$")
TOPIC_ARN_RE = re.compile(r"^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})(\.fifo)?$")
SOURCE_TYPES = (
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
)
# Where moto keeps each source type's sources (RDSBackend attributes).
SOURCES = {
    "db-instance": "databases",
    "db-cluster": "clusters",
    "db-parameter-group": "db_parameter_groups",
    "db-security-group": "security_groups",
    "db-snapshot": "database_snapshots",
    "db-cluster-snapshot": "cluster_snapshots",
    "db-proxy": "db_proxies",
}
TRANSITIONAL = {"create": "creating", "modify": "modifying", "delete": "deleting"}
# How long a subscription stays creating / modifying / deleting with the latency model on, in seconds
# on AWS before the scale: our figure, not AWS's (no published one).
SECONDS = {"create": 60, "modify": 60, "delete": 60}
MAX_RECORDS = (20, 100)


def _error(code: str, message: str):
    from moto.rds.exceptions import RDSClientError

    return RDSClientError(code, message)


def categories_of(source_type: str) -> list | None:
    """The categories of a source type, or None when the catalogue has none for it."""
    from .rules import catalogue

    return catalogue("rds_event_categories")["source_types"].get(source_type)


def check_name(name) -> None:
    if not isinstance(name, str) or not IDENTIFIER_RE.match(name):
        raise _error(
            "InvalidParameterValue",
            "The parameter Subscription Identifier is not a valid identifier. Identifiers must begin with a "
            "letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or "
            "contain two consecutive hyphens.",
        )
    if len(name) > MAX_NAME:
        raise _error(
            "InvalidParameterValue", f"The parameter SubscriptionName must be less than {MAX_NAME + 1} characters."
        )


def check_source_type(source_type) -> None:
    if source_type is not None and source_type not in SOURCE_TYPES:
        raise _error(
            "InvalidParameterValue",
            f"Invalid source type: {source_type}. Valid values: {' | '.join(SOURCE_TYPES)}",
        )


def checked_categories(source_type, categories) -> list:
    """The categories as kept: refused when one is not the source type's, [] when they are all of them."""
    categories = [c for c in (categories or []) if c not in (None, "")]
    if not categories:
        return []
    if source_type is None:
        raise _error("InvalidParameterCombination", "If SourceType is null, Categories must also be null.")
    known = categories_of(source_type)
    if known is None:
        return list(categories)
    unknown = [c for c in categories if c.lower() not in known]
    if unknown:
        raise _error(
            "SubscriptionCategoryNotFound",
            f"Category {unknown[0]} not found for source type {source_type}. Categories of {source_type}: "
            + ", ".join(known),
        )
    if {c.lower() for c in categories} == set(known):
        return []
    return list(categories)


def topic_exists(arn) -> bool:
    from moto.sns.models import sns_backends

    match = TOPIC_ARN_RE.match(arn or "")
    if not match:
        return False
    return arn in sns_backends[match.group(2)][match.group(1)].topics


def check_topic(arn) -> None:
    match = TOPIC_ARN_RE.match(arn or "")
    if match and match.group(4):
        raise _error("SNSInvalidTopic", f"RDS doesn't support FIFO topics: {arn}")
    if not topic_exists(arn):
        raise _error("SNSTopicArnNotFound", f"The SNS topic ARN does not exist: {arn}")


def source_exists(backend, source_type, identifier) -> bool | None:
    """Whether the source exists; None when moto does not keep sources of that type."""
    attribute = SOURCES.get(source_type)
    if attribute is None:
        return None
    sources = getattr(backend, attribute, None)
    if sources is None:
        return None
    if identifier in sources:
        return True
    return identifier.lower() in {str(key).lower() for key in sources}


def check_source(backend, source_type, identifier) -> None:
    if source_exists(backend, source_type, identifier) is False:
        raise _error("SourceNotFound", f"Could not find source : {identifier}")


def busy(subscription) -> str | None:
    """The action a subscription is still in (create, modify, delete), or None."""
    entry = getattr(subscription, "_local_busy", None)
    if entry is None:
        return None
    if time.monotonic() >= entry[1]:
        subscription._local_busy = None
        return None
    return entry[0]


def start(subscription, action: str) -> None:
    if LATENCY.scale > 0:
        subscription._local_busy = (action, time.monotonic() + SECONDS[action] * LATENCY.scale)
    else:
        subscription._local_busy = None


def status_of(subscription) -> str:
    action = busy(subscription)
    if action:
        return TRANSITIONAL[action]
    if not topic_exists(subscription.sns_topic_arn):
        return "topic-not-exist"
    ids = list(subscription.source_ids or [])
    if ids and all(source_exists(subscription.backend, subscription.source_type, i) is False for i in ids):
        return "all-sources-deleted"
    return "active"


def view(subscription, status: str | None = None) -> dict:
    """The EventSubscription as AWS answers it (empty lists left out, as the query protocol does)."""
    created = getattr(subscription, "created_at", None) or datetime.now(UTC)
    answer = {
        "CustomerAwsId": subscription.backend.account_id,
        "CustSubscriptionId": subscription.subscription_name,
        "SnsTopicArn": subscription.sns_topic_arn,
        "Status": status or status_of(subscription),
        "SubscriptionCreationTime": created.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
        "Enabled": bool(subscription.enabled),
        "EventSubscriptionArn": subscription.arn,
    }
    if subscription.source_type:
        answer["SourceType"] = subscription.source_type
    if subscription.source_ids:
        answer["SourceIdsList"] = list(subscription.source_ids)
    if subscription.event_categories:
        answer["EventCategoriesList"] = list(subscription.event_categories)
    return answer


def _flag(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _list(value) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def forget_deleted(backend) -> None:
    """Subscriptions whose deletion has run its course leave the listings."""
    for name, subscription in list(backend.event_subscriptions.items()):
        if getattr(subscription, "_local_deleting", False) and busy(subscription) is None:
            del backend.event_subscriptions[name]


def find(backend, name):
    forget_deleted(backend)
    subscription = backend.event_subscriptions.get(name) if name else None
    if subscription is None:
        raise _error("SubscriptionNotFound", f"Event Subscription {name} not found.")
    return subscription


def apply() -> None:
    """Patch moto's RDS event subscriptions with the rules above."""
    from moto.core.responses import ActionResult
    from moto.rds.models import EventSubscription
    from moto.rds.responses import RDSResponse

    def create_event_subscription(self):
        backend = self.backend
        forget_deleted(backend)
        params = self.params
        name = params.get("SubscriptionName")
        check_name(name)
        if name in backend.event_subscriptions:
            raise _error("SubscriptionAlreadyExist", f"Subscription {name} already exists.")
        source_type = params.get("SourceType") or None
        check_source_type(source_type)
        check_topic(params.get("SnsTopicArn"))
        categories = checked_categories(source_type, _list(params.get("EventCategories")))
        source_ids = _list(params.get("SourceIds"))
        if source_ids and source_type is None:
            raise _error("InvalidParameterCombination", "If SourceIds are supplied, SourceType must also be provided.")
        for identifier in source_ids:
            check_source(backend, source_type, identifier)
        subscription = EventSubscription(
            backend,
            name,
            sns_topic_arn=params.get("SnsTopicArn"),
            source_type=source_type,
            event_categories=categories,
            source_ids=list(dict.fromkeys(source_ids)),
            enabled=_flag(params.get("Enabled"), True),
            tags=params.get("Tags") or [],
        )
        backend.event_subscriptions[name] = subscription
        start(subscription, "create")
        return ActionResult({"EventSubscription": view(subscription)})

    def modify_event_subscription(self):
        params = self.params
        subscription = find(self.backend, params.get("SubscriptionName"))
        source_type = params.get("SourceType") or None
        check_source_type(source_type)
        topic = params.get("SnsTopicArn")
        if topic:
            check_topic(topic)
        categories = None
        if "EventCategories" in params:
            categories = checked_categories(source_type, _list(params.get("EventCategories")))
        elif source_type is not None:
            categories = checked_categories(source_type, subscription.event_categories)
        if topic:
            subscription.sns_topic_arn = topic
        if source_type is not None:
            subscription.source_type = source_type
        if categories is not None:
            subscription.event_categories = categories
        if params.get("Enabled") is not None:
            subscription.enabled = _flag(params.get("Enabled"), subscription.enabled)
        start(subscription, "modify")
        return ActionResult({"EventSubscription": view(subscription)})

    def add_source_identifier_to_subscription(self):
        subscription = find(self.backend, self.params.get("SubscriptionName"))
        identifier = self.params.get("SourceIdentifier")
        check_source(self.backend, subscription.source_type, identifier)
        if identifier not in subscription.source_ids:
            subscription.source_ids = [*subscription.source_ids, identifier]
        start(subscription, "modify")
        return ActionResult({"EventSubscription": view(subscription)})

    def remove_source_identifier_from_subscription(self):
        subscription = find(self.backend, self.params.get("SubscriptionName"))
        identifier = self.params.get("SourceIdentifier")
        if identifier not in subscription.source_ids:
            raise _error("SourceNotFound", f"Could not find source : {identifier}")
        subscription.source_ids = [i for i in subscription.source_ids if i != identifier]
        start(subscription, "modify")
        return ActionResult({"EventSubscription": view(subscription)})

    def delete_event_subscription(self):
        backend = self.backend
        name = self.params.get("SubscriptionName")
        subscription = find(backend, name)
        action = busy(subscription)
        if action in ("create", "modify"):
            raise _error(
                "InvalidEventSubscriptionState",
                f"Event Subscription {name} is {TRANSITIONAL[action]}: wait for it to be active, then retry.",
            )
        if action == "delete":
            return ActionResult({"EventSubscription": view(subscription, "deleting")})
        start(subscription, "delete")
        if busy(subscription) == "delete":
            subscription._local_deleting = True
        else:
            del backend.event_subscriptions[name]
        return ActionResult({"EventSubscription": view(subscription, "deleting")})

    def describe_event_subscriptions(self):
        backend = self.backend
        forget_deleted(backend)
        max_records = self.params.get("MaxRecords")
        if max_records not in (None, "") and not MAX_RECORDS[0] <= int(max_records) <= MAX_RECORDS[1]:
            raise _error(
                "InvalidParameterValue",
                f"Invalid value {max_records} for MaxRecords. Must be between {MAX_RECORDS[0]} and {MAX_RECORDS[1]}",
            )
        name = self.params.get("SubscriptionName")
        subscriptions = [find(backend, name)] if name else list(backend.event_subscriptions.values())
        size = int(max_records) if max_records not in (None, "") else MAX_RECORDS[1]
        marker = self.params.get("Marker")
        first = int(marker) if marker and str(marker).isdigit() else 0
        page = subscriptions[first : first + size]
        answer = {"EventSubscriptionsList": [view(s) for s in page]}
        if first + size < len(subscriptions):
            answer["Marker"] = str(first + size)
        return ActionResult(answer)

    def describe_event_categories(self):
        from .rules import catalogue

        source_type = self.params.get("SourceType") or None
        known = catalogue("rds_event_categories")["source_types"]
        wanted = [source_type] if source_type else list(known)
        rows = [{"SourceType": t, "EventCategories": list(known[t])} for t in wanted if t in known]
        return ActionResult({"EventCategoriesMapList": rows})

    RDSResponse.create_event_subscription = create_event_subscription
    RDSResponse.modify_event_subscription = modify_event_subscription
    RDSResponse.add_source_identifier_to_subscription = add_source_identifier_to_subscription
    RDSResponse.remove_source_identifier_from_subscription = remove_source_identifier_from_subscription
    RDSResponse.delete_event_subscription = delete_event_subscription
    RDSResponse.describe_event_subscriptions = describe_event_subscriptions
    RDSResponse.describe_event_categories = describe_event_categories
