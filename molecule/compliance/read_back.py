"""Print, as JSON, what AWS Config, Security Hub, GuardDuty, EventBridge, Budgets and the dashboard
named in argv hold (no Ansible module reads them back).

boto3 takes the endpoint, region and credentials from the environment the verify play sets.
"""

import json
import sys

import boto3

NAME = sys.argv[1]
config = boto3.client("config")
securityhub = boto3.client("securityhub")
guardduty = boto3.client("guardduty")
events = boto3.client("events")
budgets = boto3.client("budgets")
account = boto3.client("sts").get_caller_identity()["Account"]
rules = []
for page in config.get_paginator("describe_config_rules").paginate():
    rules += page["ConfigRules"]
try:
    hub = securityhub.describe_hub()["HubArn"]
    standards = securityhub.get_enabled_standards()["StandardsSubscriptions"]
except securityhub.exceptions.InvalidAccessException:
    hub, standards = None, []
print(
    json.dumps(
        {
            "recorders": config.describe_configuration_recorders()["ConfigurationRecorders"],
            "recorder_status": config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"],
            "delivery_channels": config.describe_delivery_channels()["DeliveryChannels"],
            "rules": [
                {
                    "name": r["ConfigRuleName"],
                    "identifier": r["Source"]["SourceIdentifier"],
                    "parameters": json.loads(r.get("InputParameters") or "{}"),
                }
                for r in rules
            ],
            "hub_arn": hub,
            "conformance_packs": config.describe_conformance_packs()["ConformancePackDetails"],
            "detectors": [guardduty.get_detector(DetectorId=d) for d in guardduty.list_detectors()["DetectorIds"]],
            "event_rules": {
                r["Name"]: dict(r, Targets=events.list_targets_by_rule(Rule=r["Name"])["Targets"])
                for r in events.list_rules()["Rules"]
            },
            "budgets": {
                b["BudgetName"]: dict(
                    b,
                    Notifications=[
                        dict(
                            n,
                            Subscribers=budgets.describe_subscribers_for_notification(
                                AccountId=account, BudgetName=b["BudgetName"], Notification=n
                            )["Subscribers"],
                        )
                        for n in budgets.describe_notifications_for_budget(
                            AccountId=account, BudgetName=b["BudgetName"]
                        )["Notifications"]
                    ],
                )
                for b in budgets.describe_budgets(AccountId=account).get("Budgets", [])
            },
            "dashboard": json.loads(boto3.client("cloudwatch").get_dashboard(DashboardName=NAME)["DashboardBody"]),
            "standards": [s["StandardsArn"] for s in standards],
        },
        default=str,
    )
)
