#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: eks_addons
short_description: The EKS add-ons of a cluster, at pinned versions, in one call
version_added: 1.0.0
description:
  - Creates and updates the add-ons listed in O(addons) (CoreDNS, kube-proxy, the VPC CNI, the EBS
    CSI driver, ...) at the versions given, with their IRSA role and configuration values.
    amazon.aws and community.aws have no add-on module.
  - A version that EKS does not offer for the cluster's Kubernetes version is refused before any
    change, with the versions it does offer.
  - Conflicts with fields changed on the cluster by hand are resolved as O(addons[].resolve_conflicts)
    says; the default, V(NONE), makes EKS refuse rather than overwrite.
  - With O(purge=true), add-ons of the cluster that are not listed are deleted (their Kubernetes
    objects are kept when O(preserve_on_delete=true)).
  - Waits for every add-on to be ACTIVE (all are started first); a DEGRADED or failed add-on fails
    the module with EKS's health issues.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  cluster_name:
    description: The cluster.
    type: str
    required: true
  addons:
    description: The add-ons.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The add-on's name (V(vpc-cni), V(coredns), V(kube-proxy), V(aws-ebs-csi-driver), ...).
        type: str
        required: true
      version:
        description: The add-on version (V(v1.19.2-eksbuild.1)); EKS's default for the cluster when omitted.
        type: str
      service_account_role_arn:
        description: IAM role of the add-on's service account (IRSA).
        type: str
      configuration_values:
        description: Configuration values (a dict, sent as JSON).
        type: dict
      resolve_conflicts:
        description: What EKS does with fields changed on the cluster by hand.
        type: str
        choices: [NONE, OVERWRITE, PRESERVE]
        default: NONE
  purge:
    description: Delete the cluster's add-ons that are not listed.
    type: bool
    default: false
  preserve_on_delete:
    description: Keep an add-on's Kubernetes objects when the add-on is deleted.
    type: bool
    default: true
  wait:
    description: Wait for the add-ons to be ACTIVE (or gone).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 900
  state:
    description: V(absent) deletes the listed add-ons.
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
- name: The core add-ons of a 1.32 cluster, the CNI with its IRSA role
  ninetynine.trading_infra.eks_addons:
    cluster_name: trading-prod
    addons:
      - name: vpc-cni
        version: v1.19.2-eksbuild.1
        service_account_role_arn: arn:aws:iam::123456789012:role/trading-prod-vpc-cni
        configuration_values:
          env:
            ENABLE_PREFIX_DELEGATION: "true"
      - name: coredns
        version: v1.11.4-eksbuild.2
      - name: kube-proxy
        version: v1.32.0-eksbuild.2
    tags:
      Environment: prod
"""

RETURN = r"""
addons:
  description: The add-ons after the changes.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: The name., type: str, returned: always}
    version: {description: The version., type: str, returned: always}
    status: {description: "CREATING, ACTIVE, UPDATING, DEGRADED, ...", type: str, returned: always}
    arn: {description: The ARN (None in check mode before it exists)., type: str, returned: always}
    service_account_role_arn: {description: The IRSA role., type: str, returned: when set}
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["update add-on coredns: version v1.11.3-eksbuild.2 -> v1.11.4-eksbuild.2"]
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
      choices: [add-on]
    name:
      description: The add-on's name (O(addons[].name)).
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
    - kind: add-on
      name: coredns
      action: change
      changes:
        - "update add-on coredns: version v1.11.3-eksbuild.2 -> v1.11.4-eksbuild.2"
    - kind: add-on
      name: aws-ebs-csi-driver
      action: create
      changes:
        - create add-on aws-ebs-csi-driver v1.37.0-eksbuild.1
"""

import json

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.concurrency import read_all
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.progress import Watch, since
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.waiters import wait_for

KIND = "add-on"
FAILED_STATES = ("CREATE_FAILED", "DELETE_FAILED", "UPDATE_FAILED", "DEGRADED")


def config_of(addon):
    raw = addon.get("configurationValues")
    return json.loads(raw) if raw else None


def view(addon):
    return {
        "version": addon.get("addonVersion"),
        "service_account_role_arn": addon.get("serviceAccountRoleArn"),
        "configuration_values": config_of(addon),
        "tags": addon.get("tags", {}),
    }


class Reconciler:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.p = module.params
        self.cluster = self.p["cluster_name"]
        self.plan = Plan(module.check_mode)
        self.tags = self.p["tags"] or {}

    def describe(self, name):
        try:
            return self.client.describe_addon(clusterName=self.cluster, addonName=name, aws_retry=True)["addon"]
        except is_boto3_error_code("ResourceNotFoundException"):
            return None

    def wait_all(self, names, gone=False):
        for name in names:

            def failed(addon):
                if addon["status"] in FAILED_STATES:
                    issues = "; ".join(
                        f"{i.get('code', '')}: {i.get('message', '')}"
                        for i in addon.get("health", {}).get("issues", [])
                    )
                    return f"{addon['status']} ({issues or 'no detail from EKS'})"
                return None

            wait_for(
                self.module,
                lambda name=name: self.describe(name),
                (lambda a: a is None) if gone else (lambda a: a is not None and a["status"] == "ACTIVE"),
                f"add-on {name} of {self.cluster}",
                self.p["wait_timeout"],
                failed=failed,
                plan=self.plan,
                watch=Watch(
                    f"eks add-on {self.cluster}/{name}",
                    "eks-addon",
                    lambda a: a["status"],
                    lambda a: since(a.get("createdAt")),
                ),
            )

    def check_versions(self, cluster_version):
        """Refuse, before any change, a version EKS does not offer for this Kubernetes version."""
        pinned = [a for a in self.p["addons"] if a["version"]]
        offers = read_all(
            lambda name: self.client.describe_addon_versions(
                addonName=name, kubernetesVersion=cluster_version, aws_retry=True
            )["addons"],
            [a["name"] for a in pinned],
        )
        for addon in pinned:
            found = offers[addon["name"]]
            offered = [v["addonVersion"] for a in found for v in a["addonVersions"]]
            if addon["version"] not in offered:
                self.module.fail_json(
                    msg=f"add-on {addon['name']} {addon['version']} is not offered by EKS for Kubernetes "
                    f"{cluster_version} (offered: {', '.join(offered) or 'none'})",
                    actions=self.plan.actions,
                    resources=self.plan.resources,
                )

    def run(self):
        cluster = self.client.describe_cluster(name=self.cluster, aws_retry=True)["cluster"]
        existing = paginate(self.client, "list_addons", "addons", clusterName=self.cluster)
        listed = [a["name"] for a in self.p["addons"]]
        current = read_all(self.describe, [n for n in existing if n in listed or self.p["purge"]])
        current = {n: a for n, a in current.items() if a is not None}
        before = {n: view(a) for n, a in current.items()}
        after = {}
        if self.p["state"] == "absent":
            self.delete([n for n in listed if n in current], current)
            return before, after, []
        self.check_versions(cluster["version"])
        touched = []
        for addon in self.p["addons"]:
            have = current.get(addon["name"])
            self.plan.about(KIND, addon["name"], exists=have is not None)
            after[addon["name"]] = self.create(addon) if have is None else self.update(addon, have)
            if have is None or after[addon["name"]] != before.get(addon["name"]):
                touched.append(addon["name"])
        self.delete(sorted(n for n in current if n not in listed) if self.p["purge"] else [], current)
        if self.p["wait"] and not self.module.check_mode:
            # also the add-ons a call with wait=false left CREATING or UPDATING
            pending = [n for n in listed if n not in touched and current[n]["status"] in ("CREATING", "UPDATING")]
            self.wait_all(touched + pending)
        out = []
        for addon in self.p["addons"]:
            found = None if self.module.check_mode else self.describe(addon["name"])
            found = found or current.get(addon["name"])
            out.append(
                {
                    "name": addon["name"],
                    "version": (found or {}).get("addonVersion", addon["version"]),
                    "status": (found or {}).get("status", "CREATING"),
                    "arn": (found or {}).get("addonArn"),
                    "service_account_role_arn": (found or {}).get("serviceAccountRoleArn"),
                }
            )
        return before, after, out

    def create(self, addon):
        request = {"clusterName": self.cluster, "addonName": addon["name"], "tags": self.tags}
        if addon["version"]:
            request["addonVersion"] = addon["version"]
        if addon["service_account_role_arn"]:
            request["serviceAccountRoleArn"] = addon["service_account_role_arn"]
        if addon["configuration_values"] is not None:
            request["configurationValues"] = json.dumps(addon["configuration_values"], sort_keys=True)
        if addon["resolve_conflicts"] != "NONE":
            request["resolveConflicts"] = addon["resolve_conflicts"]
        self.plan.do(
            f"create add-on {addon['name']} {addon['version'] or '(default version)'}",
            self.client.create_addon,
            aws_retry=True,
            **request,
        )
        return {
            "version": addon["version"],
            "service_account_role_arn": addon["service_account_role_arn"],
            "configuration_values": addon["configuration_values"],
            "tags": self.tags,
        }

    def update(self, addon, have):
        name = addon["name"]
        now = view(have)
        want = dict(now)
        request = {}
        changes = []
        if addon["version"] and addon["version"] != now["version"]:
            request["addonVersion"] = addon["version"]
            changes.append(f"version {now['version']} -> {addon['version']}")
            want["version"] = addon["version"]
        if (addon["service_account_role_arn"] or None) != now["service_account_role_arn"]:
            request["serviceAccountRoleArn"] = addon["service_account_role_arn"] or ""
            changes.append(f"service account role {addon['service_account_role_arn'] or 'removed'}")
            want["service_account_role_arn"] = addon["service_account_role_arn"]
        if addon["configuration_values"] is not None and addon["configuration_values"] != now["configuration_values"]:
            request["configurationValues"] = json.dumps(addon["configuration_values"], sort_keys=True)
            changes.append("configuration values")
            want["configuration_values"] = addon["configuration_values"]
        if request:
            if have["status"] in FAILED_STATES[:3]:
                self.module.fail_json(
                    msg=f"add-on {name} of {self.cluster} is {have['status']}",
                    actions=self.plan.actions,
                    resources=self.plan.resources,
                )
            if have["status"] != "ACTIVE" and have["status"] != "DEGRADED" and not self.module.check_mode:
                self.wait_all([name])
            request["resolveConflicts"] = addon["resolve_conflicts"]
            self.plan.do(
                f"update add-on {name}: {'; '.join(changes)}",
                self.client.update_addon,
                clusterName=self.cluster,
                addonName=name,
                aws_retry=True,
                **request,
            )
        want["tags"] = plan_tags(
            self.plan,
            f"add-on {name}",
            have.get("tags", {}),
            self.tags,
            self.p["purge_tags"],
            lambda tags: self.client.tag_resource(resourceArn=have["addonArn"], tags=tags, aws_retry=True),
            lambda keys: self.client.untag_resource(resourceArn=have["addonArn"], tagKeys=keys, aws_retry=True),
        )
        return want

    def delete(self, names, current):
        for name in names:
            if current[name]["status"] != "DELETING":
                self.plan.about(KIND, name, wanted=False)
                self.plan.do(
                    f"delete add-on {name}",
                    self.client.delete_addon,
                    clusterName=self.cluster,
                    addonName=name,
                    preserve=self.p["preserve_on_delete"],
                    aws_retry=True,
                )
        if names and self.p["wait"] and not self.module.check_mode:
            self.wait_all(names, gone=True)


def main():
    addon = dict(
        name=dict(type="str", required=True),
        version=dict(type="str"),
        service_account_role_arn=dict(type="str"),
        configuration_values=dict(type="dict"),
        resolve_conflicts=dict(type="str", default="NONE", choices=["NONE", "OVERWRITE", "PRESERVE"]),
    )
    argument_spec = dict(
        cluster_name=dict(type="str", required=True),
        addons=dict(type="list", elements="dict", default=[], options=addon),
        purge=dict(type="bool", default=False),
        preserve_on_delete=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    names = [a["name"] for a in module.params["addons"]]
    if len(set(names)) != len(names):
        module.fail_json(msg=f"add-ons of {module.params['cluster_name']}: a name is listed twice ({', '.join(names)})")
    client = module.client("eks", retry_decorator=retry_decorator())
    reconciler = Reconciler(module, client)
    try:
        before, after, addons = reconciler.run()
    except is_boto3_error_code("ResourceNotFoundException") as e:
        p = module.params
        if p["state"] == "absent":
            module.exit_json(changed=False, actions=[], resources=[], addons=[])
        if module.check_mode:  # no cluster yet: every add-on would be created
            plan = Plan(check_mode=True)
            for a in p["addons"]:
                plan.about(KIND, a["name"], exists=False)
                plan.do(f"create add-on {a['name']} {a['version']}")
            plan.exit_json(module, addons=[])
        module.fail_json_aws(
            e,
            msg=f"EKS cluster {p['cluster_name']} not found",
            actions=reconciler.plan.actions,
            resources=reconciler.plan.resources,
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e,
            msg=f"add-ons of {module.params['cluster_name']}: reconciliation failed",
            actions=reconciler.plan.actions,
            resources=reconciler.plan.resources,
        )
    reconciler.plan.exit_json(module, before, after, addons=addons)


if __name__ == "__main__":
    main()
