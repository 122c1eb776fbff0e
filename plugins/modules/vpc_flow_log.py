#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: vpc_flow_log
short_description: Manage a VPC flow log to CloudWatch Logs or S3
version_added: 1.0.0
description:
  - Creates, replaces or deletes one flow log on a VPC, subnet or network interface, found again by
    its C(Name) tag on that resource.
  - AWS cannot modify a flow log; when the destination, traffic type, aggregation interval or log
    format differs, the module deletes the flow log and creates a new one (and says so).
  - Only tags are updated in place.
  - Supports check mode and diff mode. In check mode the resource may not exist yet (its id is
    still unknown); the module then reports the flow log it would create.
author:
  - 99Tech platform engineering (@99tech)
options:
  name:
    description: The flow log's C(Name) tag, its identity on the resource.
    type: str
    required: true
  resource_id:
    description:
      - Id of the VPC, subnet or network interface.
      - Required unless O(state=absent) finds the flow log by name alone; may be empty only in check mode.
    type: str
  resource_type:
    description: What O(resource_id) is.
    type: str
    default: VPC
    choices: [VPC, Subnet, NetworkInterface]
  traffic_type:
    description: Which traffic to log.
    type: str
    default: ALL
    choices: [ACCEPT, REJECT, ALL]
  destination_type:
    description: Where the records go.
    type: str
    default: cloud-watch-logs
    choices: [cloud-watch-logs, s3]
  log_group_name:
    description: CloudWatch Logs group, with O(destination_type=cloud-watch-logs).
    type: str
  deliver_logs_permission_arn:
    description: ARN of the IAM role that lets the flow-log service write to O(log_group_name).
    type: str
  log_destination:
    description: ARN of the S3 bucket (optionally with a folder), with O(destination_type=s3).
    type: str
  max_aggregation_interval:
    description: Seconds over which packets are aggregated into one record.
    type: int
    default: 600
    choices: [60, 600]
  log_format:
    description: Custom record format (C(${field} ...)); the AWS default when not given.
    type: str
  state:
    description: Whether the flow log should exist.
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
- name: Log all VPC traffic to CloudWatch Logs
  ninetynine.trading_infra.vpc_flow_log:
    name: trading-prod-flow-log
    resource_id: "{{ network.vpc.id }}"
    log_group_name: /trading/prod/vpc-flow-logs
    deliver_logs_permission_arn: "{{ flow_log_role.iam_role.arn }}"
    max_aggregation_interval: 60
    tags:
      Environment: prod

- name: Rejected traffic only, to S3
  ninetynine.trading_infra.vpc_flow_log:
    name: trading-dev-flow-log
    resource_id: vpc-0123456789abcdef0
    traffic_type: REJECT
    destination_type: s3
    log_destination: arn:aws:s3:::trading-dev-flow-logs/vpc/
"""

RETURN = r"""
flow_log_id:
  description: Id of the flow log (null when absent, or in check mode before creation).
  returned: always
  type: str
  sample: fl-0123456789abcdef0
flow_log:
  description: The flow log as AWS describes it, in snake case.
  returned: when the flow log exists
  type: dict
  sample: {flow_log_id: fl-0123, resource_id: vpc-0123, traffic_type: ALL, log_destination_type: cloud-watch-logs}
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["create flow log trading-prod-flow-log on vpc-0123 to cloud-watch-logs"]
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and the
      changes it gets. The plan summary counts these."
    - Replacing the flow log (an immutable setting changed, so a delete and a create) is a V(change) of it.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, always V(flow log).
      type: str
    name:
      description: The flow log's name (O(name)); a duplicate deleted (another flow log of that name on the
        resource) is named with its id in brackets, for example V(trading-prod-flow-log (fl-0123\)).
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
    - kind: flow log
      name: trading-prod-flow-log
      action: create
      changes:
        - create flow log trading-prod-flow-log on vpc-0123 to cloud-watch-logs
"""

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.ec2 import sync_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.ec2 import tag_dict
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.ec2 import tag_spec
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan


def _settings(params):
    """The immutable settings, as (field, wanted) pairs to compare with a described flow log."""
    wanted = {
        "TrafficType": params["traffic_type"],
        "LogDestinationType": params["destination_type"],
        "MaxAggregationInterval": params["max_aggregation_interval"],
    }
    if params["destination_type"] == "cloud-watch-logs":
        wanted["LogGroupName"] = params["log_group_name"]
        wanted["DeliverLogsPermissionArn"] = params["deliver_logs_permission_arn"]
    else:
        wanted["LogDestination"] = params["log_destination"]
    if params["log_format"]:
        wanted["LogFormat"] = params["log_format"]
    return wanted


KIND = "flow log"


def _name(name, flow_log, current):
    """How ``resources`` names a flow log: by its name, a duplicate by its name and id."""
    return name if flow_log is current else f"{name} ({flow_log['FlowLogId']})"


def _summary(flow_log):
    if not flow_log:
        return {}
    keys = (
        "ResourceId",
        "TrafficType",
        "LogDestinationType",
        "LogGroupName",
        "LogDestination",
        "DeliverLogsPermissionArn",
        "MaxAggregationInterval",
        "LogFormat",
    )
    return dict({k: flow_log[k] for k in keys if flow_log.get(k) is not None}, Tags=tag_dict(flow_log))


def find(client, name, resource_id):
    filters = [{"Name": "tag:Name", "Values": [name]}]
    if resource_id:
        filters.append({"Name": "resource-id", "Values": [resource_id]})
    return paginate(client, "describe_flow_logs", "FlowLogs", Filters=filters)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        resource_id=dict(type="str"),
        resource_type=dict(type="str", default="VPC", choices=["VPC", "Subnet", "NetworkInterface"]),
        traffic_type=dict(type="str", default="ALL", choices=["ACCEPT", "REJECT", "ALL"]),
        destination_type=dict(type="str", default="cloud-watch-logs", choices=["cloud-watch-logs", "s3"]),
        log_group_name=dict(type="str"),
        deliver_logs_permission_arn=dict(type="str"),
        log_destination=dict(type="str"),
        max_aggregation_interval=dict(type="int", default=600, choices=[60, 600]),
        log_format=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "present":
        needed = (
            ["log_group_name", "deliver_logs_permission_arn"]
            if p["destination_type"] == "cloud-watch-logs"
            else ["log_destination"]
        )
        missing = [n for n in needed if not p[n]]
        if missing:
            module.fail_json(msg=f"destination_type={p['destination_type']} needs {', '.join(missing)}")
        if not p["resource_id"] and not module.check_mode:
            module.fail_json(msg="resource_id is required to create a flow log")
    client = module.client("ec2", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    wanted_tags = dict(p["tags"] or {}, Name=p["name"])

    try:
        existing = find(client, p["name"], p["resource_id"]) if (p["resource_id"] or p["state"] == "absent") else []
        current = existing[0] if existing else None
        before = _summary(current)
        if p["state"] == "absent":
            for fl in existing:
                plan.about(KIND, _name(p["name"], fl, current), wanted=False)
                plan.do(
                    f"delete flow log {p['name']} {fl['FlowLogId']}",
                    client.delete_flow_logs,
                    FlowLogIds=[fl["FlowLogId"]],
                    aws_retry=True,
                )
            plan.exit_json(module, before, {}, flow_log_id=None)

        wanted = _settings(p)
        drift = {k: (current.get(k), v) for k, v in wanted.items() if current and current.get(k) != v}
        # Duplicates (several flow logs with our name on the resource) are collapsed to one.
        stale = existing[1:] + ([current] if drift else [])
        for fl in stale:
            # The current flow log is replaced (a change to it); a duplicate is deleted.
            plan.about(KIND, _name(p["name"], fl, current), wanted=fl is current)
            why = (
                ", ".join(f"{k} {old!r} -> {new!r}" for k, (old, new) in drift.items())
                if fl is current
                else "duplicate"
            )
            plan.do(
                f"delete flow log {p['name']} {fl['FlowLogId']} ({why})",
                client.delete_flow_logs,
                FlowLogIds=[fl["FlowLogId"]],
                aws_retry=True,
            )
        plan.about(KIND, p["name"], exists=current is not None)
        if current is None or drift:
            request = dict(
                wanted,
                ResourceIds=[p["resource_id"]],
                ResourceType=p["resource_type"],
                TagSpecifications=tag_spec("vpc-flow-log", wanted_tags),
            )
            target = p["log_group_name"] if p["destination_type"] == "cloud-watch-logs" else p["log_destination"]
            label = f"create flow log {p['name']} on {p['resource_id'] or '(resource to be created)'} to {target}"
            response = plan.do(label, client.create_flow_logs if p["resource_id"] else None, aws_retry=True, **request)
            if response and response.get("Unsuccessful"):
                plan.forget_last()  # not created
                module.fail_json(
                    msg=f"AWS refused the flow log: {response['Unsuccessful'][0]['Error']['Message']}",
                    unsuccessful=response["Unsuccessful"],
                    actions=plan.actions,
                    resources=plan.resources,
                )
            flow_log_id = response["FlowLogIds"][0] if response else None
        else:
            flow_log_id = current["FlowLogId"]
            sync_tags(client, plan, flow_log_id, tag_dict(current), wanted_tags, p["purge_tags"], "flow log")
        after = dict(wanted, ResourceId=p["resource_id"], Tags=wanted_tags) if plan.changed else before
        result = {}
        if flow_log_id and plan.changed and not module.check_mode:
            found = [f for f in find(client, p["name"], p["resource_id"]) if f["FlowLogId"] == flow_log_id]
            if found:
                result["flow_log"] = camel_dict_to_snake_dict(found[0], ignore_list=["Tags"])
        elif current:
            result["flow_log"] = camel_dict_to_snake_dict(current, ignore_list=["Tags"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="flow log reconciliation failed", actions=plan.actions, resources=plan.resources)

    plan.exit_json(module, before, after, flow_log_id=flow_log_id, **result)


if __name__ == "__main__":
    main()
