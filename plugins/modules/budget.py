#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: budget
short_description: An AWS Budgets cost budget with its alerts
version_added: 1.0.0
description:
  - Creates or updates a cost budget of the account (limit, period, cost filters) and brings its
    notifications, and the subscribers of each, to exactly those given; V(absent) deletes it.
  - A notification is one threshold on actual or forecasted spend; every notification alerts the
    same O(subscribers) (an SNS topic and/or e-mail addresses).
  - A budget whose alerts go to an SNS topic needs a topic policy that lets V(budgets.amazonaws.com)
    publish.
  - amazon.aws and community.aws have no Budgets module.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  name:
    description: Name of the budget, unique in the account.
    type: str
    required: true
  limit_amount:
    description: The budgeted amount per period. Required when O(state=present).
    type: float
  limit_unit:
    description: Currency of the amount.
    type: str
    default: USD
  time_unit:
    description: The period the limit applies to.
    type: str
    default: MONTHLY
    choices: [DAILY, MONTHLY, QUARTERLY, ANNUALLY]
  cost_filters:
    description:
      - >-
        Which costs count, as Budgets' CostFilters (for example
        C({"TagKeyValue": ["user:Environment$prod"]}) for the resources tagged with the environment,
        which needs the tag activated as a cost allocation tag).
    type: dict
    default: {}
  notifications:
    description: The alerts of the budget.
    type: list
    elements: dict
    default: []
    suboptions:
      notification_type:
        description: Alert on spend so far, or on the spend forecast for the period.
        type: str
        default: ACTUAL
        choices: [ACTUAL, FORECASTED]
      comparison_operator:
        description: How spend compares to the threshold.
        type: str
        default: GREATER_THAN
        choices: [GREATER_THAN, LESS_THAN, EQUAL_TO]
      threshold:
        description: The threshold, a percentage of the limit or an amount (O(notifications[].threshold_type)).
        type: float
        required: true
      threshold_type:
        description: What the threshold is.
        type: str
        default: PERCENTAGE
        choices: [PERCENTAGE, ABSOLUTE_VALUE]
  subscribers:
    description: Who every notification alerts (at most 10 e-mail addresses and one SNS topic per notification).
    type: list
    elements: dict
    default: []
    suboptions:
      type:
        description: The kind of address.
        type: str
        required: true
        choices: [SNS, EMAIL]
      address:
        description: The topic ARN or the e-mail address.
        type: str
        required: true
  state:
    description: Whether the budget exists.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Monthly budget of the prod environment, alerting the on-call topic at 80% and on forecast overrun
  ninetynine.trading_infra.budget:
    name: trading-prod-monthly
    limit_amount: 25000
    cost_filters:
      TagKeyValue: ["user:Environment$prod"]
    notifications:
      - threshold: 80
      - threshold: 100
        notification_type: FORECASTED
    subscribers:
      - type: SNS
        address: arn:aws:sns:us-east-1:123456789012:trading-prod-alerts

- name: Remove it
  ninetynine.trading_infra.budget:
    name: trading-prod-monthly
    state: absent
"""

RETURN = r"""
budget:
  description: The budget after the run, as the module compares it (null when absent).
  returned: always
  type: dict
  sample:
    name: trading-prod-monthly
    limit_amount: 25000.0
    limit_unit: USD
    time_unit: MONTHLY
    cost_filters: {"TagKeyValue": ["user:Environment$prod"]}
    notifications:
      - notification_type: ACTUAL
        comparison_operator: GREATER_THAN
        threshold: 80.0
        threshold_type: PERCENTAGE
        subscribers: [{"type": "SNS", "address": "arn:aws:sns:us-east-1:123456789012:trading-prod-alerts"}]
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["create budget trading-prod-monthly with 2 notifications"]
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
      sample: "budget"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "trading-prod-monthly"
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
        - "update budget trading-prod-monthly: 25000 USD monthly"
        - "create notification forecasted greater than 100%"
  sample:
    - kind: "budget"
      name: "trading-prod-monthly"
      action: change
      changes:
        - "update budget trading-prod-monthly: 25000 USD monthly"
        - "create notification forecasted greater than 100%"
"""

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator

NOTIFICATION_FIELDS = (
    ("notification_type", "NotificationType"),
    ("comparison_operator", "ComparisonOperator"),
    ("threshold", "Threshold"),
    ("threshold_type", "ThresholdType"),
)


def notification_key(notification):
    """A notification, API or module shape, as a comparable tuple."""
    if "NotificationType" in notification:
        return (
            notification["NotificationType"],
            notification["ComparisonOperator"],
            float(notification["Threshold"]),
            notification.get("ThresholdType", "PERCENTAGE"),
        )
    return tuple(float(notification[k]) if k == "threshold" else notification[k] for k, _ in NOTIFICATION_FIELDS)


def notification_text(key):
    kind, operator, threshold, threshold_type = key
    unit = "%" if threshold_type == "PERCENTAGE" else ""
    return f"{kind.lower()} {operator.lower().replace('_', ' ')} {threshold:g}{unit}"


def api_notification(key):
    return {api: value for (_, api), value in zip(NOTIFICATION_FIELDS, key, strict=True)}


def api_subscribers(subscribers):
    return [{"SubscriptionType": s["type"], "Address": s["address"]} for s in subscribers]


def describe(client, account, name):
    try:
        budget = client.describe_budget(AccountId=account, BudgetName=name, aws_retry=True)["Budget"]
    except is_boto3_error_code("NotFoundException"):
        return None, []
    notifications = []
    listed = client.describe_notifications_for_budget(AccountId=account, BudgetName=name, aws_retry=True)
    for notification in listed.get("Notifications", []):
        subscribers = client.describe_subscribers_for_notification(
            AccountId=account, BudgetName=name, Notification=notification, aws_retry=True
        ).get("Subscribers", [])
        notifications.append((notification, subscribers))
    return budget, notifications


def summary(name, budget, notifications):
    if budget is None:
        return {}
    return {
        "name": name,
        "limit_amount": float(budget["BudgetLimit"]["Amount"]),
        "limit_unit": budget["BudgetLimit"]["Unit"],
        "time_unit": budget["TimeUnit"],
        "cost_filters": budget.get("CostFilters") or {},
        "notifications": sorted(
            (
                dict(
                    {field: value for (field, _), value in zip(NOTIFICATION_FIELDS, notification_key(n), strict=True)},
                    subscribers=sorted(
                        ({"type": s["SubscriptionType"], "address": s["Address"]} for s in subs),
                        key=lambda s: (s["type"], s["address"]),
                    ),
                )
                for n, subs in notifications
            ),
            key=lambda n: (n["notification_type"], n["threshold"]),
        ),
    }


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        limit_amount=dict(type="float"),
        limit_unit=dict(type="str", default="USD"),
        time_unit=dict(type="str", default="MONTHLY", choices=["DAILY", "MONTHLY", "QUARTERLY", "ANNUALLY"]),
        cost_filters=dict(type="dict", default={}),
        notifications=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                notification_type=dict(type="str", default="ACTUAL", choices=["ACTUAL", "FORECASTED"]),
                comparison_operator=dict(
                    type="str", default="GREATER_THAN", choices=["GREATER_THAN", "LESS_THAN", "EQUAL_TO"]
                ),
                threshold=dict(type="float", required=True),
                threshold_type=dict(type="str", default="PERCENTAGE", choices=["PERCENTAGE", "ABSOLUTE_VALUE"]),
            ),
        ),
        subscribers=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                type=dict(type="str", required=True, choices=["SNS", "EMAIL"]),
                address=dict(type="str", required=True),
            ),
        ),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["limit_amount"])],
    )
    p = module.params
    if p["state"] == "present":
        if p["limit_amount"] <= 0:
            module.fail_json(msg=f"limit_amount: {p['limit_amount']} must be above 0")
        if p["notifications"] and not p["subscribers"]:
            module.fail_json(msg="notifications need at least one subscriber to alert")
        if len([s for s in p["subscribers"] if s["type"] == "SNS"]) > 1:
            module.fail_json(msg="subscribers: a budget notification alerts at most one SNS topic")
    client = module.client("budgets", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    name = p["name"]

    try:
        account = module.client("sts", retry_decorator=retry_decorator()).get_caller_identity(aws_retry=True)["Account"]
        budget, notifications = describe(client, account, name)
        before = summary(name, budget, notifications)
        # Its notifications and their subscribers are the budget's own changes.
        plan.about("budget", name, exists=budget is not None, wanted=p["state"] == "present")

        if p["state"] == "absent":
            if budget is not None:
                plan.do(
                    f"delete budget {name}", client.delete_budget, AccountId=account, BudgetName=name, aws_retry=True
                )
            plan.exit_json(module, before, {}, budget=None)

        wanted = {
            "BudgetName": name,
            "BudgetLimit": {"Amount": f"{p['limit_amount']:.2f}", "Unit": p["limit_unit"]},
            "TimeUnit": p["time_unit"],
            "BudgetType": "COST",
            "CostFilters": p["cost_filters"],
        }
        wanted_keys = list(dict.fromkeys(notification_key(n) for n in p["notifications"]))
        subscribers = api_subscribers(p["subscribers"])

        if budget is None:
            plan.do(
                f"create budget {name} with {len(wanted_keys)} notifications",
                client.create_budget,
                AccountId=account,
                Budget=wanted,
                NotificationsWithSubscribers=[
                    {"Notification": api_notification(k), "Subscribers": subscribers} for k in wanted_keys
                ],
                aws_retry=True,
            )
        else:
            have = budget
            if (
                float(have["BudgetLimit"]["Amount"]) != p["limit_amount"]
                or have["BudgetLimit"]["Unit"] != p["limit_unit"]
                or have["TimeUnit"] != p["time_unit"]
                or (have.get("CostFilters") or {}) != p["cost_filters"]
            ):
                plan.do(
                    f"update budget {name}: {p['limit_amount']:g} {p['limit_unit']} {p['time_unit'].lower()}",
                    client.update_budget,
                    AccountId=account,
                    NewBudget=wanted,
                    aws_retry=True,
                )
            existing = {notification_key(n): (n, subs) for n, subs in notifications}
            for key, (notification, _) in existing.items():
                if key not in wanted_keys:
                    plan.do(
                        f"delete notification {notification_text(key)}",
                        client.delete_notification,
                        AccountId=account,
                        BudgetName=name,
                        Notification=notification,
                        aws_retry=True,
                    )
            for key in wanted_keys:
                if key not in existing:
                    plan.do(
                        f"create notification {notification_text(key)}",
                        client.create_notification,
                        AccountId=account,
                        BudgetName=name,
                        Notification=api_notification(key),
                        Subscribers=subscribers,
                        aws_retry=True,
                    )
                    continue
                notification, subs = existing[key]
                for sub in subscribers:
                    if sub not in subs:
                        plan.do(
                            f"subscribe {sub['Address']} to notification {notification_text(key)}",
                            client.create_subscriber,
                            AccountId=account,
                            BudgetName=name,
                            Notification=notification,
                            Subscriber=sub,
                            aws_retry=True,
                        )
                for sub in subs:
                    if sub not in subscribers:
                        plan.do(
                            f"unsubscribe {sub['Address']} from notification {notification_text(key)}",
                            client.delete_subscriber,
                            AccountId=account,
                            BudgetName=name,
                            Notification=notification,
                            Subscriber=sub,
                            aws_retry=True,
                        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg=f"budget {name} reconciliation failed", actions=plan.actions, resources=plan.resources
        )

    after = summary(
        name,
        wanted,
        [(api_notification(k), subscribers) for k in wanted_keys],
    )
    plan.exit_json(module, before, after, budget=after)


if __name__ == "__main__":
    main()
