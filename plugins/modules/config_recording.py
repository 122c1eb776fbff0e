#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: config_recording
short_description: AWS Config recording in a region - recorder, delivery channel, started or stopped
version_added: 1.0.0
description:
  - Brings the region's AWS Config configuration recorder and delivery channel to the settings given
    and starts the recorder (or stops it with O(recording=false)), in one call and in the order AWS
    requires; a recorder needs a delivery channel before it can start.
  - V(absent) stops the recorder first, then deletes the delivery channel and the recorder (AWS refuses to
    delete the last delivery channel of a running recorder).
  - A region has at most one recorder and one delivery channel. When they exist under other names the
    module fails and names them, rather than fight over the region.
  - community.aws.config_recorder and community.aws.config_delivery_channel neither start nor stop
    recording; this module does, and reads the three in one pass.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  name:
    description: Name of the recorder and of the delivery channel.
    type: str
    default: default
  role_arn:
    description: IAM role AWS Config assumes to read the resources' configurations; required when O(state=present).
    type: str
  all_supported:
    description: Record every supported resource type of the region (O(resource_types) is then ignored).
    type: bool
    default: true
  include_global_resource_types:
    description:
      - Record global resources (IAM users, roles, policies) too. Enable it in one region only,
        or each region records them again.
    type: bool
    default: false
  resource_types:
    description: Resource types to record when O(all_supported=false).
    type: list
    elements: str
    default: []
  s3_bucket:
    description: Bucket the configuration snapshots and history go to; required when O(state=present).
    type: str
  s3_key_prefix:
    description: Key prefix in O(s3_bucket).
    type: str
  s3_kms_key_arn:
    description: KMS key that encrypts the delivered objects.
    type: str
  sns_topic_arn:
    description: Topic told of configuration changes.
    type: str
  delivery_frequency:
    description: How often configuration snapshots are delivered.
    type: str
    default: TwentyFour_Hours
    choices: [One_Hour, Three_Hours, Six_Hours, Twelve_Hours, TwentyFour_Hours]
  recording:
    description: Whether the recorder should be running.
    type: bool
    default: true
  state:
    description: V(present) configures (and starts) recording; V(absent) stops it and deletes both.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Record everything, global types included (home region), delivered daily
  ninetynine.trading_infra.config_recording:
    role_arn: arn:aws:iam::123456789012:role/trading-prod-config
    include_global_resource_types: true
    s3_bucket: trading-prod-config-123456789012
    s3_key_prefix: config

- name: Stop recording and remove the recorder and its channel
  ninetynine.trading_infra.config_recording:
    state: absent
"""

RETURN = r"""
recorder:
  description: The recorder after the run (null when absent).
  returned: always
  type: dict
  sample: {"name": "default", "roleARN": "arn:aws:iam::123456789012:role/trading-prod-config",
           "recordingGroup": {"allSupported": true, "includeGlobalResourceTypes": true, "resourceTypes": []}}
delivery_channel:
  description: The delivery channel after the run (null when absent).
  returned: always
  type: dict
  sample: {"name": "default", "s3BucketName": "trading-prod-config-123456789012", "s3KeyPrefix": "config"}
recording:
  description: Whether the recorder runs after the run (in check mode, whether it would).
  returned: always
  type: bool
  sample: true
actions:
  description: What was done (or would be done in check mode), one line per change.
  returned: always
  type: list
  elements: str
  sample: ["create recorder default", "create delivery channel default", "start recorder default"]
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
      sample: "config recorder"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "default"
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
        - "create recorder default"
        - "start recorder default"
  sample:
    - kind: config recorder
      name: default
      action: create
      changes: [create recorder default, start recorder default]
    - kind: delivery channel
      name: default
      action: create
      changes: [create delivery channel default]
"""

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator


def recorder_view(recorder):
    if not recorder:
        return None
    group = recorder.get("recordingGroup") or {}
    all_supported = bool(group.get("allSupported"))
    return {
        "name": recorder["name"],
        "roleARN": recorder.get("roleARN"),
        "recordingGroup": {
            "allSupported": all_supported,
            "includeGlobalResourceTypes": bool(group.get("includeGlobalResourceTypes")),
            "resourceTypes": [] if all_supported else sorted(group.get("resourceTypes") or []),
        },
    }


def channel_view(channel):
    if not channel:
        return None
    out = {"name": channel["name"], "s3BucketName": channel.get("s3BucketName")}
    for key in ("s3KeyPrefix", "s3KmsKeyArn", "snsTopicARN"):
        if channel.get(key):
            out[key] = channel[key]
    frequency = (channel.get("configSnapshotDeliveryProperties") or {}).get("deliveryFrequency")
    out["configSnapshotDeliveryProperties"] = {"deliveryFrequency": frequency or "TwentyFour_Hours"}
    return out


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", default="default"),
            role_arn=dict(type="str"),
            all_supported=dict(type="bool", default=True),
            include_global_resource_types=dict(type="bool", default=False),
            resource_types=dict(type="list", elements="str", default=[]),
            s3_bucket=dict(type="str"),
            s3_key_prefix=dict(type="str", no_log=False),
            s3_kms_key_arn=dict(type="str", no_log=False),
            sns_topic_arn=dict(type="str"),
            delivery_frequency=dict(
                type="str",
                default="TwentyFour_Hours",
                choices=["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"],
            ),
            recording=dict(type="bool", default=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
        required_if=[("state", "present", ["role_arn", "s3_bucket"])],
    )
    p = module.params
    if p["state"] == "present" and not p["all_supported"] and not p["resource_types"]:
        module.fail_json(msg="all_supported is false and resource_types is empty: nothing would be recorded")
    client = module.client("config", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    try:
        recorders = client.describe_configuration_recorders(aws_retry=True)["ConfigurationRecorders"]
        channels = client.describe_delivery_channels(aws_retry=True)["DeliveryChannels"]
        statuses = client.describe_configuration_recorder_status(aws_retry=True)["ConfigurationRecordersStatus"]
        others = [r["name"] for r in recorders if r["name"] != p["name"]]
        others += [c["name"] for c in channels if c["name"] != p["name"]]
        if others:
            module.fail_json(
                msg=(
                    "this region's AWS Config recording is already set up under the name(s) "
                    f"{', '.join(sorted(set(others)))}; "
                    f"a region has one recorder and one delivery channel: set name to manage them, "
                    "or leave recording to whoever owns them"
                )
            )
        recorder = recorder_view(next((r for r in recorders if r["name"] == p["name"]), None))
        channel = channel_view(next((c for c in channels if c["name"] == p["name"]), None))
        running = any(s["name"] == p["name"] and s.get("recording") for s in statuses)
        before = {"recorder": recorder, "delivery_channel": channel, "recording": running}

        if p["state"] == "absent":
            plan.about("config recorder", p["name"], wanted=False)
            if running:
                plan.do(
                    f"stop recorder {p['name']}",
                    client.stop_configuration_recorder,
                    ConfigurationRecorderName=p["name"],
                    aws_retry=True,
                )
            if channel:
                plan.about("delivery channel", p["name"], wanted=False)
                plan.do(
                    f"delete delivery channel {p['name']}",
                    client.delete_delivery_channel,
                    DeliveryChannelName=p["name"],
                    aws_retry=True,
                )
            if recorder:
                plan.about("config recorder", p["name"], wanted=False)
                plan.do(
                    f"delete recorder {p['name']}",
                    client.delete_configuration_recorder,
                    ConfigurationRecorderName=p["name"],
                    aws_retry=True,
                )
            plan.exit_json(
                module,
                before,
                {"recorder": None, "delivery_channel": None, "recording": False},
                recorder=None,
                delivery_channel=None,
                recording=False,
            )

        wanted_recorder = recorder_view(
            {
                "name": p["name"],
                "roleARN": p["role_arn"],
                "recordingGroup": {
                    "allSupported": p["all_supported"],
                    "includeGlobalResourceTypes": p["include_global_resource_types"],
                    "resourceTypes": p["resource_types"],
                },
            }
        )
        wanted_channel = channel_view(
            {
                "name": p["name"],
                "s3BucketName": p["s3_bucket"],
                "s3KeyPrefix": p["s3_key_prefix"],
                "s3KmsKeyArn": p["s3_kms_key_arn"],
                "snsTopicARN": p["sns_topic_arn"],
                "configSnapshotDeliveryProperties": {"deliveryFrequency": p["delivery_frequency"]},
            }
        )
        plan.about("config recorder", p["name"], exists=recorder is not None)
        if recorder != wanted_recorder:
            plan.do(
                f"{'update' if recorder else 'create'} recorder {p['name']}",
                client.put_configuration_recorder,
                ConfigurationRecorder=wanted_recorder,
                aws_retry=True,
            )
        if channel != wanted_channel:
            plan.about("delivery channel", p["name"], exists=channel is not None)
            plan.do(
                f"{'update' if channel else 'create'} delivery channel {p['name']}",
                client.put_delivery_channel,
                DeliveryChannel=wanted_channel,
                aws_retry=True,
            )
        plan.about("config recorder", p["name"], exists=recorder is not None)
        if p["recording"] and not running:
            plan.do(
                f"start recorder {p['name']}",
                client.start_configuration_recorder,
                ConfigurationRecorderName=p["name"],
                aws_retry=True,
            )
        elif running and not p["recording"]:
            plan.do(
                f"stop recorder {p['name']}",
                client.stop_configuration_recorder,
                ConfigurationRecorderName=p["name"],
                aws_retry=True,
            )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg="AWS Config recording reconciliation failed", actions=plan.actions, resources=plan.resources
        )
    after = {"recorder": wanted_recorder, "delivery_channel": wanted_channel, "recording": p["recording"]}
    plan.exit_json(
        module,
        before,
        after,
        recorder=wanted_recorder,
        delivery_channel=wanted_channel,
        recording=p["recording"],
    )


if __name__ == "__main__":
    main()
