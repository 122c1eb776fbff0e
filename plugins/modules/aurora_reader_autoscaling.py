#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: aurora_reader_autoscaling
short_description: Application Auto Scaling of an Aurora cluster's readers on a target metric
version_added: 1.0.0
description:
  - Registers the cluster's reader count (C(rds:cluster:ReadReplicaCount)) as a scalable target
    between O(min_readers) and O(max_readers), with one target-tracking policy on the readers'
    average CPU or connections. V(absent) removes the policy and the target (the readers it added
    are then removed by AWS).
  - Readers added by Application Auto Scaling are named C(application-autoscaling-...);
    M(ninetynine.trading_infra.aurora_cluster) leaves them alone.
  - community.aws.application_autoscaling_policy does not know the C(rds) namespace.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  cluster_identifier:
    description: The Aurora cluster.
    type: str
    required: true
  min_readers:
    description: Fewest readers.
    type: int
    default: 1
  max_readers:
    description: Most readers (at most 15).
    type: int
    default: 4
  metric:
    description: What the policy tracks.
    type: str
    default: RDSReaderAverageCPUUtilization
    choices: [RDSReaderAverageCPUUtilization, RDSReaderAverageDatabaseConnections]
  target_value:
    description: The value the policy keeps the metric at (percent for CPU).
    type: float
    default: 70
  scale_in_cooldown:
    description: Seconds between removing readers.
    type: int
    default: 300
  scale_out_cooldown:
    description: Seconds between adding readers.
    type: int
    default: 300
  state:
    description: Whether the cluster's readers scale.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Keep the ledger's readers at 70% CPU, between 2 and 6 of them
  ninetynine.trading_infra.aurora_reader_autoscaling:
    cluster_identifier: trading-prod-aurora
    min_readers: 2
    max_readers: 6
    target_value: 70
"""

RETURN = r"""
policy_arn:
  description: ARN of the target-tracking policy (null when absent or in check mode before creation).
  returned: always
  type: str
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["register readers of trading-prod-aurora: 2-6", "put policy trading-prod-aurora-readers"]
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
      sample: "scaling policy"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "trading-prod-aurora-readers"
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
      sample: ["put policy trading-prod-aurora-readers (RDSReaderAverageCPUUtilization at 70)"]
  sample:
    - {"kind": "scalable target", "name": "trading-prod-aurora", "action": "create",
       "changes": ["register readers of trading-prod-aurora: 2-6"]}
    - {"kind": "scaling policy", "name": "trading-prod-aurora-readers", "action": "create",
       "changes": ["put policy trading-prod-aurora-readers (RDSReaderAverageCPUUtilization at 70)"]}
"""

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator

NAMESPACE = "rds"
DIMENSION = "rds:cluster:ReadReplicaCount"


def main():
    argument_spec = dict(
        cluster_identifier=dict(type="str", required=True),
        min_readers=dict(type="int", default=1),
        max_readers=dict(type="int", default=4),
        metric=dict(
            type="str",
            default="RDSReaderAverageCPUUtilization",
            choices=["RDSReaderAverageCPUUtilization", "RDSReaderAverageDatabaseConnections"],
        ),
        target_value=dict(type="float", default=70),
        scale_in_cooldown=dict(type="int", default=300),
        scale_out_cooldown=dict(type="int", default=300),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    if p["state"] == "present" and not 1 <= p["min_readers"] <= p["max_readers"] <= 15:
        module.fail_json(
            msg=f"readers {p['min_readers']}-{p['max_readers']}: need 1 <= min_readers <= max_readers <= 15"
        )
    client = module.client("application-autoscaling", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    resource = f"cluster:{p['cluster_identifier']}"
    policy_name = f"{p['cluster_identifier']}-readers"
    try:
        targets = client.describe_scalable_targets(
            ServiceNamespace=NAMESPACE, ResourceIds=[resource], ScalableDimension=DIMENSION, aws_retry=True
        )["ScalableTargets"]
        target = targets[0] if targets else None
        policies = client.describe_scaling_policies(
            ServiceNamespace=NAMESPACE,
            ResourceId=resource,
            ScalableDimension=DIMENSION,
            PolicyNames=[policy_name],
            aws_retry=True,
        )["ScalingPolicies"]
        policy = policies[0] if policies else None
        config = (policy or {}).get("TargetTrackingScalingPolicyConfiguration", {})
        before = (
            {
                "min_readers": target["MinCapacity"],
                "max_readers": target["MaxCapacity"],
                "metric": config.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType"),
                "target_value": config.get("TargetValue"),
                "scale_in_cooldown": config.get("ScaleInCooldown"),
                "scale_out_cooldown": config.get("ScaleOutCooldown"),
            }
            if target
            else {}
        )
        # The scalable target is the cluster's readers: the cluster names it.
        if p["state"] == "absent":
            if policy:
                plan.about("scaling policy", policy_name, wanted=False)
                plan.do(
                    f"delete policy {policy_name}",
                    client.delete_scaling_policy,
                    PolicyName=policy_name,
                    ServiceNamespace=NAMESPACE,
                    ResourceId=resource,
                    ScalableDimension=DIMENSION,
                    aws_retry=True,
                )
            if target:
                plan.about("scalable target", p["cluster_identifier"], wanted=False)
                plan.do(
                    f"deregister readers of {p['cluster_identifier']}",
                    client.deregister_scalable_target,
                    ServiceNamespace=NAMESPACE,
                    ResourceId=resource,
                    ScalableDimension=DIMENSION,
                    aws_retry=True,
                )
            plan.exit_json(module, before, {}, policy_arn=None)

        after = {
            k: p[k]
            for k in ("min_readers", "max_readers", "metric", "target_value", "scale_in_cooldown", "scale_out_cooldown")
        }
        plan.about("scalable target", p["cluster_identifier"], exists=target is not None)
        if not target or (target["MinCapacity"], target["MaxCapacity"]) != (p["min_readers"], p["max_readers"]):
            plan.do(
                f"register readers of {p['cluster_identifier']}: {p['min_readers']}-{p['max_readers']}",
                client.register_scalable_target,
                ServiceNamespace=NAMESPACE,
                ResourceId=resource,
                ScalableDimension=DIMENSION,
                MinCapacity=p["min_readers"],
                MaxCapacity=p["max_readers"],
                aws_retry=True,
            )
        wanted_policy = {k: after[k] for k in ("metric", "target_value", "scale_in_cooldown", "scale_out_cooldown")}
        have_policy = {k: before.get(k) for k in wanted_policy}
        if have_policy.get("target_value") is not None:
            have_policy["target_value"] = float(have_policy["target_value"])
        policy_arn = (policy or {}).get("PolicyARN")
        plan.about("scaling policy", policy_name, exists=policy is not None)
        if not policy or have_policy != wanted_policy:
            answer = plan.do(
                f"put policy {policy_name} ({p['metric']} at {p['target_value']:g})",
                client.put_scaling_policy,
                PolicyName=policy_name,
                ServiceNamespace=NAMESPACE,
                ResourceId=resource,
                ScalableDimension=DIMENSION,
                PolicyType="TargetTrackingScaling",
                TargetTrackingScalingPolicyConfiguration={
                    "TargetValue": p["target_value"],
                    "PredefinedMetricSpecification": {"PredefinedMetricType": p["metric"]},
                    "ScaleInCooldown": p["scale_in_cooldown"],
                    "ScaleOutCooldown": p["scale_out_cooldown"],
                    "DisableScaleIn": False,
                },
                aws_retry=True,
            )
            policy_arn = answer["PolicyARN"] if answer else policy_arn
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e,
            msg=f"reader autoscaling of {p['cluster_identifier']} failed",
            actions=plan.actions,
            resources=plan.resources,
        )
    plan.exit_json(module, before, after, policy_arn=policy_arn)


if __name__ == "__main__":
    main()
