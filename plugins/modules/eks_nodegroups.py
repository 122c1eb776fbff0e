#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: eks_nodegroups
short_description: The managed node groups of an EKS cluster, each with its launch template, in one call
version_added: 1.0.0
description:
  - Keeps the managed node groups of a cluster as listed in O(nodegroups), each through a launch
    template of its own, C(<cluster>-<group>), that requires IMDSv2 and encrypts the root volume.
    A change of the template's data makes a new template version, and the group rolls onto it.
  - O(nodegroups[].min_size) and O(nodegroups[].max_size) change in place. The desired size is set
    when a group is created and then left to the cluster autoscaler, the way terraform-aws-modules
    ignores desired_size drift; it is moved only when it falls outside new bounds.
  - Labels and taints change in place. Instance types, capacity type, AMI type and subnets cannot
    change on an existing group; a change there is refused with the list of fields (create a group
    under another name, move the workloads, remove the old one).
  - A group on an older Kubernetes version than its cluster is upgraded to the cluster's version
    (after a control-plane upgrade). Groups are upgraded one at a time.
  - With O(purge=true), node groups of the cluster that are not listed are deleted, with their
    launch templates.
  - With O(wait=false) the module returns once EKS has accepted the creations; a later call with
    O(wait=true) waits for every group to be ACTIVE. All groups are started before any is waited for.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  cluster_name:
    description: The cluster.
    type: str
    required: true
  node_role_arn:
    description: The nodes' IAM role. Required to create a group.
    type: str
  subnets:
    description: Subnets of the nodes (the groups' default).
    type: list
    elements: str
    default: []
  security_group_ids:
    description:
      - Security groups of the nodes, set in the launch template. Give the cluster's security group
        among them (EKS adds it only when the template names none).
    type: list
    elements: str
    default: []
  volume_kms_key_id:
    description: KMS key of the root volumes (the account's EBS default key when omitted).
    type: str
  metadata_hop_limit:
    description: IMDSv2 PUT response hop limit (1 keeps pods off the instance metadata; 2 lets them reach it).
    type: int
    default: 2
  nodegroups:
    description: The node groups.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The group's name.
        type: str
        required: true
      instance_types:
        description: Instance types (several let SPOT groups diversify).
        type: list
        elements: str
        required: true
      capacity_type:
        description: On-demand or spot.
        type: str
        choices: [ON_DEMAND, SPOT]
        default: ON_DEMAND
      min_size:
        description: Fewest nodes.
        type: int
        required: true
      max_size:
        description: Most nodes.
        type: int
        required: true
      desired_size:
        description: Nodes at creation (O(nodegroups[].min_size) when omitted); left to the autoscaler after.
        type: int
      disk_size:
        description: Root volume size in GiB (gp3, encrypted).
        type: int
        default: 50
      ami_type:
        description: The EKS AMI family.
        type: str
        default: AL2023_x86_64_STANDARD
      labels:
        description: Kubernetes labels of the nodes.
        type: dict
        default: {}
      taints:
        description: Kubernetes taints of the nodes.
        type: list
        elements: dict
        default: []
        suboptions:
          key:
            description: The taint's key.
            type: str
            required: true
          value:
            description: The taint's value.
            type: str
          effect:
            description: The effect.
            type: str
            required: true
            choices: [NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE]
      subnets:
        description: Subnets of this group (O(subnets) when omitted).
        type: list
        elements: str
      max_unavailable:
        description: Nodes replaced at once during an upgrade.
        type: int
        default: 1
  purge:
    description: Delete the cluster's node groups that are not listed.
    type: bool
    default: false
  wait:
    description: Wait for the groups to be ACTIVE (or gone).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for each step.
    type: int
    default: 1800
  state:
    description: V(absent) deletes the listed groups (all the cluster's with O(purge=true)) and their launch templates.
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
- name: An on-demand group across three zones and an optional spot group
  ninetynine.trading_infra.eks_nodegroups:
    cluster_name: trading-prod
    node_role_arn: arn:aws:iam::123456789012:role/trading-prod-eks-node
    subnets: [subnet-0a1, subnet-0b2, subnet-0c3]
    security_group_ids: [sg-0cluster, sg-0dataclients]
    nodegroups:
      - name: general
        instance_types: [m6i.xlarge]
        min_size: 3
        max_size: 9
        desired_size: 3
      - name: spot
        instance_types: [m6i.xlarge, m6a.xlarge, m5.xlarge]
        capacity_type: SPOT
        min_size: 0
        max_size: 6
        labels: {lifecycle: spot}
        taints: [{key: spot, value: "true", effect: NO_SCHEDULE}]
    purge: true
    tags:
      Environment: prod
"""

RETURN = r"""
nodegroups:
  description: The groups after the changes (those not created yet in check mode have no ARN).
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: The name., type: str, returned: always}
    arn: {description: The ARN., type: str, returned: always}
    status: {description: "CREATING, ACTIVE, UPDATING, ...", type: str, returned: always}
    version: {description: The Kubernetes version of the nodes., type: str, returned: always}
    scaling: {description: 'minSize, maxSize and desiredSize.', type: dict, returned: always}
    launch_template: {description: "The template's id, name and version.", type: dict, returned: always}
    autoscaling_groups: {description: The Auto Scaling groups EKS made., type: list, returned: always}
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["create launch template trading-prod-general", "create node group general (ON_DEMAND m6i.xlarge, 3-9)"]
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and
      the changes it gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, as the AWS console names it.
      type: str
      choices: [node group, launch template]
    name:
      description: The group's name; its launch template's is the cluster's name, a dash and the group's.
      type: str
    action:
      description: What happens to the resource.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets, as RV(actions) words them.
      type: list
      elements: str
  sample:
    - kind: launch template
      name: trading-prod-general
      action: create
      changes:
        - create launch template trading-prod-general
    - kind: node group
      name: general
      action: create
      changes:
        - create node group general (ON_DEMAND m6i.xlarge, 3-9)
"""

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.progress import Watch, since
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.waiters import wait_for

FAILED_STATES = ("CREATE_FAILED", "DELETE_FAILED", "DEGRADED")


def minor(version):
    return tuple(int(x) for x in str(version).split(".")[:2])


def template_data(p, group, tags):
    """The launch template data of a group: IMDSv2 only, an encrypted gp3 root volume, the nodes' groups."""
    ebs = {"VolumeSize": group["disk_size"], "VolumeType": "gp3", "Encrypted": True, "DeleteOnTermination": True}
    if p["volume_kms_key_id"]:
        ebs["KmsKeyId"] = p["volume_kms_key_id"]
    name = f"{p['cluster_name']}-{group['name']}"
    data = {
        "MetadataOptions": {
            "HttpTokens": "required",
            "HttpEndpoint": "enabled",
            "HttpPutResponseHopLimit": p["metadata_hop_limit"],
        },
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": ebs}],
        "TagSpecifications": [
            {"ResourceType": kind, "Tags": tag_list(dict(tags, Name=name))} for kind in ("instance", "volume")
        ],
    }
    if p["security_group_ids"]:
        data["SecurityGroupIds"] = sorted(p["security_group_ids"])
    return data


def normalized(data):
    """Template data as AWS returns it, reduced to what the module sets, comparable with what it wants."""
    out = {}
    meta = data.get("MetadataOptions") or {}
    if meta:
        out["MetadataOptions"] = {
            "HttpTokens": meta.get("HttpTokens"),
            "HttpEndpoint": meta.get("HttpEndpoint", "enabled"),
            "HttpPutResponseHopLimit": int(meta.get("HttpPutResponseHopLimit", 1)),
        }
    mappings = []
    for m in data.get("BlockDeviceMappings") or []:
        ebs = m.get("Ebs") or {}
        e = {
            "VolumeSize": int(ebs.get("VolumeSize", 0)),
            "VolumeType": ebs.get("VolumeType"),
            "Encrypted": str(ebs.get("Encrypted")).lower() == "true",
            "DeleteOnTermination": str(ebs.get("DeleteOnTermination")).lower() == "true",
        }
        if ebs.get("KmsKeyId"):
            e["KmsKeyId"] = ebs["KmsKeyId"]
        mappings.append({"DeviceName": m.get("DeviceName"), "Ebs": e})
    if mappings:
        out["BlockDeviceMappings"] = mappings
    specs = [
        {"ResourceType": s["ResourceType"], "Tags": sorted(s.get("Tags", []), key=lambda t: t["Key"])}
        for s in data.get("TagSpecifications") or []
        if s.get("ResourceType") in ("instance", "volume")  # the ones the module sets
    ]
    if specs:
        out["TagSpecifications"] = sorted(specs, key=lambda s: s["ResourceType"])
    if data.get("SecurityGroupIds"):
        out["SecurityGroupIds"] = sorted(data["SecurityGroupIds"])
    return out


def summary(group):
    return {
        "name": group["nodegroupName"],
        "arn": group.get("nodegroupArn"),
        "status": group.get("status"),
        "version": group.get("version"),
        "scaling": group.get("scalingConfig", {}),
        "launch_template": group.get("launchTemplate", {}),
        "autoscaling_groups": [a["name"] for a in group.get("resources", {}).get("autoScalingGroups", [])],
    }


def comparable(group):
    return {
        "instance_types": group.get("instanceTypes", []),
        "capacity_type": group.get("capacityType"),
        "min_size": group["scalingConfig"]["minSize"],
        "max_size": group["scalingConfig"]["maxSize"],
        "labels": group.get("labels") or {},
        "taints": sorted(
            ({"key": t["key"], "value": t.get("value"), "effect": t["effect"]} for t in group.get("taints") or []),
            key=lambda t: (t["key"], t["effect"]),
        ),
        "version": group.get("version"),
        "launch_template_version": str(group.get("launchTemplate", {}).get("version", "")),
        "tags": group.get("tags", {}),
    }


class Reconciler:
    def __init__(self, module, eks, ec2):
        self.module = module
        self.eks = eks
        self.ec2 = ec2
        self.p = module.params
        self.cluster_name = self.p["cluster_name"]
        self.plan = Plan(module.check_mode)
        self.tags = self.p["tags"] or {}

    def fail(self, msg):
        self.module.fail_json(msg=msg, actions=self.plan.actions, resources=self.plan.resources)

    # -- reads -------------------------------------------------------------
    def describe(self, name):
        try:
            return self.eks.describe_nodegroup(clusterName=self.cluster_name, nodegroupName=name, aws_retry=True)[
                "nodegroup"
            ]
        except is_boto3_error_code("ResourceNotFoundException"):
            return None

    def template(self, name):
        """(template, latest version data) or (None, None)."""
        try:
            found = self.ec2.describe_launch_templates(LaunchTemplateNames=[name], aws_retry=True)["LaunchTemplates"]
        except is_boto3_error_code(("InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound")):
            return None, None
        if not found:
            return None, None
        template = found[0]
        version = self.ec2.describe_launch_template_versions(
            LaunchTemplateId=template["LaunchTemplateId"],
            Versions=[str(template["LatestVersionNumber"])],
            aws_retry=True,
        )["LaunchTemplateVersions"][0]
        return template, version.get("LaunchTemplateData", {})

    def wait_all(self, names, gone=False):
        for name in names:

            def failed(group, name=name):
                if group["status"] in FAILED_STATES:
                    issues = "; ".join(
                        i.get("message", i.get("code", "")) for i in group.get("health", {}).get("issues", [])
                    )
                    return f"{group['status']}: {issues or 'no detail from EKS'}"
                return None

            wait_for(
                self.module,
                lambda name=name: self.describe(name),
                (lambda g: g is None) if gone else (lambda g: g is not None and g["status"] == "ACTIVE"),
                f"node group {name} of {self.cluster_name}",
                self.p["wait_timeout"],
                failed=failed,
                plan=self.plan,
                watch=Watch(
                    f"eks node group {self.cluster_name}/{name}",
                    "eks-nodegroup",
                    lambda g: g["status"],
                    lambda g: since(g.get("createdAt")),
                ),
            )

    # -- launch templates --------------------------------------------------
    def ensure_template(self, group):
        """The group's template at the wanted data; returns (id or None in check mode, version as str)."""
        name = f"{self.cluster_name}-{group['name']}"
        wanted = template_data(self.p, group, self.tags)
        template, data = self.template(name)
        # A template is its own resource (a new version is a change of it); the caller says when its
        # group's changes resume.
        self.plan.about("launch template", name, exists=template is not None)
        if template is None:
            created = self.plan.do(
                f"create launch template {name}",
                self.ec2.create_launch_template,
                LaunchTemplateName=name,
                VersionDescription="IMDSv2, encrypted root volume",
                LaunchTemplateData=wanted,
                TagSpecifications=[{"ResourceType": "launch-template", "Tags": tag_list(dict(self.tags, Name=name))}],
                aws_retry=True,
            )
            if created is None:
                return None, "1"
            return created["LaunchTemplate"]["LaunchTemplateId"], "1"
        if normalized(data) == normalized(wanted):
            return template["LaunchTemplateId"], str(template["LatestVersionNumber"])
        changed = sorted(
            k
            for k in set(normalized(data)) | set(normalized(wanted))
            if normalized(data).get(k) != normalized(wanted).get(k)
        )
        version = self.plan.do(
            f"new version of launch template {name} ({', '.join(changed)})",
            self.ec2.create_launch_template_version,
            LaunchTemplateId=template["LaunchTemplateId"],
            VersionDescription="IMDSv2, encrypted root volume",
            LaunchTemplateData=wanted,
            aws_retry=True,
        )
        if version is None:
            return template["LaunchTemplateId"], str(template["LatestVersionNumber"] + 1)
        number = version["LaunchTemplateVersion"]["VersionNumber"]
        self.ec2.modify_launch_template(
            LaunchTemplateId=template["LaunchTemplateId"], DefaultVersion=str(number), aws_retry=True
        )
        return template["LaunchTemplateId"], str(number)

    def delete_template(self, group_name):
        name = f"{self.cluster_name}-{group_name}"
        template, _data = self.template(name)
        if template is not None:
            self.plan.about("launch template", name, wanted=False)
            self.plan.do(
                f"delete launch template {name}",
                self.ec2.delete_launch_template,
                LaunchTemplateId=template["LaunchTemplateId"],
                aws_retry=True,
            )

    # -- node groups -------------------------------------------------------
    def run(self):
        cluster = self.eks.describe_cluster(name=self.cluster_name, aws_retry=True)["cluster"]
        existing = paginate(self.eks, "list_nodegroups", "nodegroups", clusterName=self.cluster_name)
        listed = [g["name"] for g in self.p["nodegroups"]]
        current = {name: self.describe(name) for name in existing if name in listed or self.p["purge"]}
        before = {name: comparable(g) for name, g in current.items() if g is not None}
        after = {}

        if self.p["state"] == "absent":
            gone = [n for n, g in current.items() if g is not None]  # the listed ones, and all with purge
            self.delete(gone, current)
            return before, after, []

        unlisted = sorted(n for n in current if n not in listed and current[n] is not None) if self.p["purge"] else []
        started, updated = [], []
        for group in self.p["nodegroups"]:
            have = current.get(group["name"])
            if have is None:
                after[group["name"]] = self.create(group, cluster)
                started.append(group["name"])
            else:
                after[group["name"]], touched = self.update(group, have, cluster)
                if touched:
                    updated.append(group["name"])
        self.delete(unlisted, current)
        if self.p["wait"] and not self.module.check_mode:
            # also the groups a call with wait=false left CREATING or UPDATING
            pending = [
                n for n in listed if n not in started + updated and current[n]["status"] in ("CREATING", "UPDATING")
            ]
            self.wait_all(started + updated + pending)
        groups = []
        for group in self.p["nodegroups"]:
            found = None if self.module.check_mode and group["name"] in started else self.describe(group["name"])
            groups.append(
                summary(found)
                if found
                else {
                    "name": group["name"],
                    "arn": None,
                    "status": "CREATING",
                    "version": cluster["version"],
                    "scaling": {},
                    "launch_template": {},
                    "autoscaling_groups": [],
                }
            )
        return before, after, groups

    def create(self, group, cluster):
        if not self.p["node_role_arn"] and not self.module.check_mode:
            self.fail(f"creating node group {group['name']} of {self.cluster_name} needs node_role_arn")
        subnets = group["subnets"] or self.p["subnets"]
        if not subnets and not self.module.check_mode:
            self.fail(f"creating node group {group['name']} of {self.cluster_name} needs subnets")
        template_id, template_version = self.ensure_template(group)
        desired = group["desired_size"] if group["desired_size"] is not None else group["min_size"]
        request = {
            "clusterName": self.cluster_name,
            "nodegroupName": group["name"],
            "nodeRole": self.p["node_role_arn"],
            "subnets": subnets,
            "scalingConfig": {"minSize": group["min_size"], "maxSize": group["max_size"], "desiredSize": desired},
            "instanceTypes": group["instance_types"],
            "capacityType": group["capacity_type"],
            "amiType": group["ami_type"],
            "labels": group["labels"],
            "taints": [self.taint(t) for t in group["taints"]],
            "updateConfig": {"maxUnavailable": group["max_unavailable"]},
            "version": cluster["version"],
            "tags": self.tags,
        }
        if template_id:
            request["launchTemplate"] = {"id": template_id, "version": template_version}
        self.plan.about("node group", group["name"], exists=False)
        self.plan.do(
            f"create node group {group['name']} ({group['capacity_type']} {', '.join(group['instance_types'])}, "
            f"{group['min_size']}-{group['max_size']})",
            self.eks.create_nodegroup,
            aws_retry=True,
            **request,
        )
        return {
            "instance_types": group["instance_types"],
            "capacity_type": group["capacity_type"],
            "min_size": group["min_size"],
            "max_size": group["max_size"],
            "labels": group["labels"],
            "taints": sorted((self.taint_view(t) for t in group["taints"]), key=lambda t: (t["key"], t["effect"])),
            "version": cluster["version"],
            "launch_template_version": template_version,
            "tags": self.tags,
        }

    @staticmethod
    def taint(t):
        return {
            k: v for k, v in (("key", t["key"]), ("value", t.get("value")), ("effect", t["effect"])) if v is not None
        }

    @staticmethod
    def taint_view(t):
        return {"key": t["key"], "value": t.get("value"), "effect": t["effect"]}

    def settle(self, name, have):
        if self.module.check_mode or have["status"] == "ACTIVE":
            return
        self.wait_all([name])

    def update(self, group, have, cluster):
        name = group["name"]
        if have["status"] in ("DELETING", "CREATE_FAILED", "DELETE_FAILED"):
            self.fail(f"node group {name} of {self.cluster_name} is {have['status']}; it cannot be updated")
        now = comparable(have)
        want = dict(now)
        immutable = [
            field
            for field, wanted, actual in (
                ("instance_types", sorted(group["instance_types"]), sorted(have.get("instanceTypes", []))),
                ("capacity_type", group["capacity_type"], have.get("capacityType")),
                ("ami_type", group["ami_type"], have.get("amiType")),
                ("subnets", sorted(group["subnets"] or self.p["subnets"]), sorted(have.get("subnets", []))),
            )
            if wanted and wanted != actual
        ]
        if immutable:
            self.fail(
                f"node group {name} of {self.cluster_name}: {', '.join(immutable)} cannot change on an existing group "
                "(add a group under another name, move the workloads to it, then remove this one)"
            )
        actions_before = len(self.plan.actions)
        self.plan.about("node group", name)

        scaling = have["scalingConfig"]
        if (group["min_size"], group["max_size"]) != (scaling["minSize"], scaling["maxSize"]):
            desired = min(max(scaling["desiredSize"], group["min_size"]), group["max_size"])
            request = {"minSize": group["min_size"], "maxSize": group["max_size"]}
            note = ""
            if desired != scaling["desiredSize"]:
                request["desiredSize"] = desired
                note = f", desired {scaling['desiredSize']} -> {desired}"
            self.settle(name, have)
            self.plan.do(
                f"scale node group {name}: {scaling['minSize']}-{scaling['maxSize']} -> "
                f"{group['min_size']}-{group['max_size']}{note}",
                self.update_config,
                name,
                scalingConfig=request,
            )
            want.update(min_size=group["min_size"], max_size=group["max_size"])

        labels_have, labels_want = have.get("labels") or {}, group["labels"]
        labels = {}
        add = {k: v for k, v in labels_want.items() if labels_have.get(k) != v}
        remove = sorted(k for k in labels_have if k not in labels_want)
        if add:
            labels["addOrUpdateLabels"] = add
        if remove:
            labels["removeLabels"] = remove
        taints_have = {(t["key"], t["effect"]): self.taint_view(t) for t in have.get("taints") or []}
        taints_want = {(t["key"], t["effect"]): self.taint_view(t) for t in group["taints"]}
        taints = {}
        add_t = [self.taint(t) for k, t in sorted(taints_want.items()) if taints_have.get(k) != t]
        remove_t = [self.taint(t) for k, t in sorted(taints_have.items()) if k not in taints_want]
        if add_t:
            taints["addOrUpdateTaints"] = add_t
        if remove_t:
            taints["removeTaints"] = remove_t
        if labels or taints:
            self.settle(name, have)
            what = [
                f"labels {', '.join(sorted(add) + ['-' + k for k in remove])}" if labels else "",
                f"taints {', '.join(sorted(t['key'] for t in add_t + remove_t))}" if taints else "",
            ]
            self.plan.do(
                f"node group {name}: " + "; ".join(w for w in what if w),
                self.update_config,
                name,
                **({"labels": labels} if labels else {}),
                **({"taints": taints} if taints else {}),
            )
            want.update(labels=labels_want, taints=sorted(taints_want.values(), key=lambda t: (t["key"], t["effect"])))

        if group["max_unavailable"] != (have.get("updateConfig") or {}).get("maxUnavailable"):
            self.settle(name, have)
            self.plan.do(
                f"node group {name}: replace {group['max_unavailable']} node(s) at a time in upgrades",
                self.update_config,
                name,
                updateConfig={"maxUnavailable": group["max_unavailable"]},
            )

        template_id, template_version = self.ensure_template(group)
        self.plan.about("node group", name)  # a roll to the template's new version is a change of the group
        version_request = {}
        if minor(have["version"]) < minor(cluster["version"]):
            version_request["version"] = cluster["version"]
        if have.get("launchTemplate") and str(have["launchTemplate"].get("version")) != template_version:
            version_request["launchTemplate"] = {"id": template_id, "version": template_version}
        if version_request:
            self.settle(name, have)
            steps = []
            if "version" in version_request:
                steps.append(f"Kubernetes {have['version']} -> {cluster['version']}")
                want["version"] = cluster["version"]
            if "launchTemplate" in version_request:
                steps.append(f"launch template version {have['launchTemplate'].get('version')} -> {template_version}")
                want["launch_template_version"] = template_version
            self.plan.do(
                f"roll node group {name}: {'; '.join(steps)}",
                self.roll,
                name,
                version_request,
            )

        want["tags"] = plan_tags(
            self.plan,
            f"node group {name}",
            have.get("tags", {}),
            self.tags,
            self.p["purge_tags"],
            lambda tags: self.eks.tag_resource(resourceArn=have["nodegroupArn"], tags=tags, aws_retry=True),
            lambda keys: self.eks.untag_resource(resourceArn=have["nodegroupArn"], tagKeys=keys, aws_retry=True),
        )
        touched = len(self.plan.actions) > actions_before
        return want, touched

    def update_config(self, name, **change):
        self.eks.update_nodegroup_config(clusterName=self.cluster_name, nodegroupName=name, aws_retry=True, **change)
        self.wait_all([name])  # EKS takes the group's next update once this one is done

    def roll(self, name, request):
        self.eks.update_nodegroup_version(clusterName=self.cluster_name, nodegroupName=name, aws_retry=True, **request)
        self.wait_all([name])  # one group at a time: the workloads keep somewhere to run

    def delete(self, names, current):
        for name in names:
            if current[name]["status"] != "DELETING":
                self.plan.about("node group", name, wanted=False)
                self.plan.do(
                    f"delete node group {name}",
                    self.eks.delete_nodegroup,
                    clusterName=self.cluster_name,
                    nodegroupName=name,
                    aws_retry=True,
                )
        waited = self.module.check_mode or not names or self.p["wait"] or self.p["state"] == "present"
        if not waited:
            return  # a template stays in use until its group is gone; a later call with wait removes it
        if names and not self.module.check_mode:
            self.wait_all(names, gone=True)
        leftovers = list(names)
        if self.p["state"] == "absent":
            leftovers += [g["name"] for g in self.p["nodegroups"] if g["name"] not in names]
        for name in leftovers:
            self.delete_template(name)


def validate(module):
    p = module.params
    seen = set()
    for group in p["nodegroups"]:
        where = f"node group {group['name']} of {p['cluster_name']}"
        if group["name"] in seen:
            module.fail_json(msg=f"{where} is listed twice")
        seen.add(group["name"])
        if p["state"] == "absent":
            continue
        desired = group["desired_size"] if group["desired_size"] is not None else group["min_size"]
        if not 0 <= group["min_size"] <= desired <= group["max_size"] or group["max_size"] < 1:
            module.fail_json(
                msg=f"{where}: need 0 <= min_size <= desired_size <= max_size and max_size >= 1 "
                f"(got {group['min_size']}, {desired}, {group['max_size']})"
            )
        if not group["instance_types"]:
            module.fail_json(msg=f"{where}: instance_types is empty")
        if group["disk_size"] < 20:
            module.fail_json(msg=f"{where}: disk_size {group['disk_size']} GiB is below the 20 GiB EKS AMIs need")


def main():
    taint = dict(
        key=dict(type="str", required=True, no_log=False),
        value=dict(type="str"),
        effect=dict(type="str", required=True, choices=["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]),
    )
    group = dict(
        name=dict(type="str", required=True),
        instance_types=dict(type="list", elements="str", required=True),
        capacity_type=dict(type="str", default="ON_DEMAND", choices=["ON_DEMAND", "SPOT"]),
        min_size=dict(type="int", required=True),
        max_size=dict(type="int", required=True),
        desired_size=dict(type="int"),
        disk_size=dict(type="int", default=50),
        ami_type=dict(type="str", default="AL2023_x86_64_STANDARD"),
        labels=dict(type="dict", default={}),
        taints=dict(type="list", elements="dict", default=[], options=taint),
        subnets=dict(type="list", elements="str"),
        max_unavailable=dict(type="int", default=1),
    )
    argument_spec = dict(
        cluster_name=dict(type="str", required=True),
        node_role_arn=dict(type="str"),
        subnets=dict(type="list", elements="str", default=[]),
        security_group_ids=dict(type="list", elements="str", default=[]),
        volume_kms_key_id=dict(type="str", no_log=False),
        metadata_hop_limit=dict(type="int", default=2),
        nodegroups=dict(type="list", elements="dict", default=[], options=group),
        purge=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)
    eks = module.client("eks", retry_decorator=retry_decorator())
    ec2 = module.client("ec2", retry_decorator=retry_decorator())
    reconciler = Reconciler(module, eks, ec2)
    try:
        before, after, groups = reconciler.run()
    except is_boto3_error_code("ResourceNotFoundException") as e:
        p = module.params
        if p["state"] == "absent":
            module.exit_json(changed=False, actions=[], resources=[], nodegroups=[])
        if module.check_mode:  # the cluster is not there yet: every group (and its template) would be created
            planner = Reconciler(module, eks, ec2)
            try:
                for group in p["nodegroups"]:
                    planner.create(group, {"version": None})
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                module.fail_json_aws(
                    e,
                    msg=f"node groups of {p['cluster_name']}: planning failed",
                    actions=planner.plan.actions,
                    resources=planner.plan.resources,
                )
            planner.plan.exit_json(module, nodegroups=[])
        module.fail_json_aws(
            e,
            msg=f"EKS cluster {p['cluster_name']} not found",
            actions=reconciler.plan.actions,
            resources=reconciler.plan.resources,
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e,
            msg=f"node groups of {module.params['cluster_name']}: reconciliation failed",
            actions=reconciler.plan.actions,
            resources=reconciler.plan.resources,
        )
    reconciler.plan.exit_json(module, before, after, nodegroups=groups)


if __name__ == "__main__":
    main()
