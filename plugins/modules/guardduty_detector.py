#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: guardduty_detector
short_description: The Amazon GuardDuty detector of a region, with its protection plans
version_added: 1.0.0
description:
  - A region of an account has at most one GuardDuty detector. This module creates it, or adopts
    the one that exists, and brings its state, finding publishing frequency, protection plans
    (features) and tags to what is given; V(absent) deletes it.
  - Features not listed in O(features) are left as they are, so that plans turned on by hand or by
    an organisation's delegated administrator are not switched off.
  - amazon.aws and community.aws have no GuardDuty module.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  enabled:
    description: Whether the detector monitors (a disabled detector keeps its settings and findings).
    type: bool
    default: true
  finding_publishing_frequency:
    description: How often updated findings are exported to EventBridge (and S3 when configured).
    type: str
    default: SIX_HOURS
    choices: [FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS]
  features:
    description:
      - Protection plans to set, by GuardDuty feature name (V(S3_DATA_EVENTS), V(EKS_AUDIT_LOGS),
        V(EBS_MALWARE_PROTECTION), V(RDS_LOGIN_EVENTS), V(RUNTIME_MONITORING), V(LAMBDA_NETWORK_LOGS)).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The feature name.
        type: str
        required: true
      status:
        description: Whether the feature is on.
        type: str
        default: ENABLED
        choices: [ENABLED, DISABLED]
      additional_configuration:
        description:
          - Sub-features, as name to status (for example V(EKS_ADDON_MANAGEMENT) of V(RUNTIME_MONITORING),
            which lets GuardDuty manage its security agent add-on on EKS clusters).
        type: dict
        default: {}
  state:
    description: V(absent) deletes the region's detector and with it its findings.
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
- name: GuardDuty watching S3 data events and EKS audit logs, findings exported every 15 minutes
  ninetynine.trading_infra.guardduty_detector:
    finding_publishing_frequency: FIFTEEN_MINUTES
    features:
      - name: S3_DATA_EVENTS
      - name: EKS_AUDIT_LOGS
      - name: RUNTIME_MONITORING
        additional_configuration:
          EKS_ADDON_MANAGEMENT: ENABLED
    tags:
      Environment: prod

- name: Remove the detector
  ninetynine.trading_infra.guardduty_detector:
    state: absent
"""

RETURN = r"""
detector_id:
  description: Id of the detector (null when absent, or in check mode before it is created).
  returned: always
  type: str
  sample: 12abc34d567e8fa901bc2d34e56789f0
detector:
  description: The detector's settings after the run, as the module compares them.
  returned: when state is present
  type: dict
  sample:
    enabled: true
    finding_publishing_frequency: FIFTEEN_MINUTES
    features: {"EKS_AUDIT_LOGS": {"status": "ENABLED", "additional_configuration": {}}}
    tags: {"Environment": "prod"}
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["create detector", "set features EKS_AUDIT_LOGS=ENABLED"]
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
      sample: "GuardDuty detector"
    name:
      description: The resource's name.
      returned: always
      type: str
      sample: "us-east-1"
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
        - "update detector: FindingPublishingFrequency=FIFTEEN_MINUTES"
        - "tag detector: set Environment"
  sample:
    - kind: "GuardDuty detector"
      name: "us-east-1"
      action: change
      changes:
        - "update detector: FindingPublishingFrequency=FIFTEEN_MINUTES"
        - "tag detector: set Environment"
"""

import copy
import functools

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator


def current_state(detector):
    """A detector as GetDetector describes it, in the module's comparable shape."""
    features = {}
    for feature in detector.get("Features") or []:
        features[feature["Name"]] = {
            "status": feature["Status"],
            "additional_configuration": {c["Name"]: c["Status"] for c in feature.get("AdditionalConfiguration") or []},
        }
    return {
        "enabled": detector.get("Status") == "ENABLED",
        "finding_publishing_frequency": detector.get("FindingPublishingFrequency"),
        "features": features,
        "tags": detector.get("Tags") or {},
    }


def wanted_features(features):
    return {
        f["name"]: {"status": f["status"], "additional_configuration": dict(f["additional_configuration"] or {})}
        for f in features
    }


def api_features(features):
    """The module's feature mapping as the CreateDetector/UpdateDetector request shape."""
    request = []
    for name, feature in sorted(features.items()):
        item = {"Name": name, "Status": feature["status"]}
        if feature["additional_configuration"]:
            item["AdditionalConfiguration"] = [
                {"Name": k, "Status": v} for k, v in sorted(feature["additional_configuration"].items())
            ]
        request.append(item)
    return request


def main():
    argument_spec = dict(
        enabled=dict(type="bool", default=True),
        finding_publishing_frequency=dict(
            type="str", default="SIX_HOURS", choices=["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"]
        ),
        features=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                status=dict(type="str", default="ENABLED", choices=["ENABLED", "DISABLED"]),
                additional_configuration=dict(type="dict", default={}),
            ),
        ),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    for feature in p["features"]:
        bad = {k: v for k, v in (feature["additional_configuration"] or {}).items() if v not in ("ENABLED", "DISABLED")}
        if bad:
            module.fail_json(
                msg=f"features[{feature['name']}].additional_configuration: {bad} must be ENABLED or DISABLED"
            )
    client = module.client("guardduty", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)

    try:
        ids = paginate(client, "list_detectors", "DetectorIds")
        detector_id = ids[0] if ids else None
        before = current_state(client.get_detector(DetectorId=detector_id, aws_retry=True)) if detector_id else None
        # A region has at most one detector, named by nothing but its generated id: the region names it.
        plan.about("GuardDuty detector", module.region, exists=detector_id is not None, wanted=p["state"] == "present")

        if p["state"] == "absent":
            if detector_id:
                plan.do(
                    f"delete detector {detector_id}", client.delete_detector, DetectorId=detector_id, aws_retry=True
                )
            plan.exit_json(module, before or {}, {}, detector_id=None)

        features = wanted_features(p["features"])
        if before is None:
            after = {
                "enabled": p["enabled"],
                "finding_publishing_frequency": p["finding_publishing_frequency"],
                "features": features,
                "tags": p["tags"] or {},
            }
            request = dict(Enable=p["enabled"], FindingPublishingFrequency=p["finding_publishing_frequency"])
            if p["tags"]:  # GuardDuty's Tags map takes at least one tag: none is sent as no map
                request["Tags"] = p["tags"]
            if features:
                request["Features"] = api_features(features)
            created = plan.do("create detector", client.create_detector, aws_retry=True, **request)
            detector_id = created["DetectorId"] if created else None
            plan.exit_json(module, {}, after, detector_id=detector_id, detector=after)

        after = copy.deepcopy(before)
        update = {}
        if before["enabled"] != p["enabled"]:
            update["Enable"] = p["enabled"]
            after["enabled"] = p["enabled"]
        if before["finding_publishing_frequency"] != p["finding_publishing_frequency"]:
            update["FindingPublishingFrequency"] = p["finding_publishing_frequency"]
            after["finding_publishing_frequency"] = p["finding_publishing_frequency"]
        changed_features = {}
        for name, feature in features.items():
            have = before["features"].get(name, {"status": None, "additional_configuration": {}})
            merged = {
                "status": feature["status"],
                "additional_configuration": dict(
                    have["additional_configuration"], **feature["additional_configuration"]
                ),
            }
            if merged != have:
                changed_features[name] = merged
                after["features"][name] = merged
        if changed_features:
            update["Features"] = api_features(changed_features)
        if update:
            summary = [f"{k}={v}" for k, v in sorted(update.items()) if k != "Features"]
            summary += [f"{n}={f['status']}" for n, f in sorted(changed_features.items())]
            plan.do(
                f"update detector: {', '.join(summary)}",
                client.update_detector,
                DetectorId=detector_id,
                aws_retry=True,
                **update,
            )

        if p["tags"] is not None:
            arn = functools.cache(lambda: detector_arn(module, detector_id))  # read only when a tag changes
            after["tags"] = plan_tags(
                plan,
                "detector",
                before["tags"],
                p["tags"],
                p["purge_tags"],
                lambda tags: client.tag_resource(ResourceArn=arn(), Tags=tags, aws_retry=True),
                lambda keys: client.untag_resource(ResourceArn=arn(), TagKeys=keys, aws_retry=True),
            )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg="GuardDuty detector reconciliation failed", actions=plan.actions, resources=plan.resources
        )

    plan.exit_json(module, before, after, detector_id=detector_id, detector=after)


def detector_arn(module, detector_id):
    sts = module.client("sts", retry_decorator=retry_decorator())
    identity = sts.get_caller_identity(aws_retry=True)
    partition = identity["Arn"].split(":")[1]
    return f"arn:{partition}:guardduty:{module.region}:{identity['Account']}:detector/{detector_id}"


if __name__ == "__main__":
    main()
