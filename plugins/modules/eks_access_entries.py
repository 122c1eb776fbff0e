#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: eks_access_entries
short_description: Who may use an EKS cluster, as access entries and access policies, in one call
version_added: 1.0.0
description:
  - Keeps the cluster's access entries for the IAM principals in O(entries), with their Kubernetes
    groups and their EKS access policies (cluster-wide or limited to namespaces). The cluster must
    authenticate with V(API) or V(API_AND_CONFIG_MAP).
  - Policies are named as AWS names them (V(AmazonEKSClusterAdminPolicy)) or by full ARN.
  - With O(purge=true), STANDARD entries of principals that are not listed are deleted, and so are
    policies of listed principals that are not listed. Entries EKS makes itself for node roles
    (EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX) are never touched.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  cluster_name:
    description: The cluster.
    type: str
    required: true
  entries:
    description: The access entries.
    type: list
    elements: dict
    default: []
    suboptions:
      principal_arn:
        description: The IAM role or user.
        type: str
        required: true
      kubernetes_groups:
        description: Kubernetes groups the principal is in (for RBAC bindings of your own).
        type: list
        elements: str
        default: []
      policies:
        description: EKS access policies of the principal.
        type: list
        elements: dict
        default: []
        suboptions:
          policy:
            description: The policy's name or ARN.
            type: str
            required: true
          namespaces:
            description: Limit the policy to these namespaces (cluster-wide when empty).
            type: list
            elements: str
            default: []
  purge:
    description: Delete STANDARD entries, and policies, that are not listed.
    type: bool
    default: false
  state:
    description: V(absent) deletes the listed entries.
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
- name: Platform admins administer the cluster; the trading team views its namespaces
  ninetynine.trading_infra.eks_access_entries:
    cluster_name: trading-prod
    entries:
      - principal_arn: arn:aws:iam::123456789012:role/platform-admin
        policies:
          - policy: AmazonEKSClusterAdminPolicy
      - principal_arn: arn:aws:iam::123456789012:role/trading-developers
        policies:
          - policy: AmazonEKSViewPolicy
            namespaces: [order-processing, matching-engine]
    purge: true
"""

RETURN = r"""
entries:
  description: The listed principals' entries after the changes.
  returned: always
  type: list
  elements: dict
  contains:
    principal_arn: {description: The principal., type: str, returned: always}
    access_entry_arn: {description: The entry's ARN (None in check mode before it exists)., type: str, returned: always}
    policies: {description: The associated policies' ARNs., type: list, returned: always}
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["create access entry arn:aws:iam::123456789012:role/platform-admin"]
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
      choices: [access entry]
    name:
      description: The principal's ARN (O(entries[].principal_arn)).
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
    - kind: access entry
      name: arn:aws:iam::123456789012:role/platform-admin
      action: create
      changes:
        - create access entry arn:aws:iam::123456789012:role/platform-admin
        - associate AmazonEKSClusterAdminPolicy with arn:aws:iam::123456789012:role/platform-admin cluster-wide
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

KIND = "access entry"
POLICY_PREFIX = "arn:{partition}:eks::aws:cluster-access-policy/"


def policy_arn(policy, partition):
    return policy if policy.startswith("arn:") else POLICY_PREFIX.format(partition=partition) + policy


def scope_of(namespaces):
    return {"type": "namespace", "namespaces": sorted(namespaces)} if namespaces else {"type": "cluster"}


def same_scope(a, b):
    return a.get("type") == b.get("type") and sorted(a.get("namespaces", [])) == sorted(b.get("namespaces", []))


class Reconciler:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.p = module.params
        self.cluster = self.p["cluster_name"]
        self.plan = Plan(module.check_mode)
        self.tags = self.p["tags"] or {}

    def entry(self, principal):
        try:
            return self.client.describe_access_entry(clusterName=self.cluster, principalArn=principal, aws_retry=True)[
                "accessEntry"
            ]
        except is_boto3_error_code("ResourceNotFoundException"):
            return None

    def policies(self, principal):
        listed = paginate(
            self.client,
            "list_associated_access_policies",
            "associatedAccessPolicies",
            clusterName=self.cluster,
            principalArn=principal,
        )
        return {p["policyArn"]: p.get("accessScope", {"type": "cluster"}) for p in listed}

    def run(self):
        cluster = self.client.describe_cluster(name=self.cluster, aws_retry=True)["cluster"]
        partition = cluster["arn"].split(":")[1]
        listed = {e["principal_arn"]: e for e in self.p["entries"]}
        existing = paginate(self.client, "list_access_entries", "accessEntries", clusterName=self.cluster)
        current = {arn: self.entry(arn) for arn in existing if arn in listed or self.p["purge"]}
        current = {arn: e for arn, e in current.items() if e is not None}
        have_policies = {arn: self.policies(arn) for arn in current if arn in listed}
        before = {
            arn: {"kubernetes_groups": sorted(e.get("kubernetesGroups", [])), "policies": have_policies.get(arn, {})}
            for arn, e in current.items()
            if e.get("type", "STANDARD") == "STANDARD"
        }
        after = {}
        if self.p["state"] == "absent":
            for arn in listed:
                if arn in current:
                    self.delete(arn)
            return before, after, []
        out = []
        for arn, wanted in listed.items():
            have = current.get(arn)
            groups = sorted(wanted["kubernetes_groups"])
            # The entry's groups, tags and policy associations are all changes of the entry.
            self.plan.about(KIND, arn, exists=have is not None)
            if have is None:
                created = self.plan.do(
                    f"create access entry {arn}",
                    self.client.create_access_entry,
                    clusterName=self.cluster,
                    principalArn=arn,
                    kubernetesGroups=groups,
                    type="STANDARD",
                    # EKS's tags map takes at least one tag: none at all is sent as no map.
                    **({"tags": self.tags} if self.tags else {}),
                    aws_retry=True,
                )
                entry_arn = created["accessEntry"]["accessEntryArn"] if created else None
                policies_now = {}
            else:
                entry_arn = have["accessEntryArn"]
                policies_now = have_policies.get(arn, {})
                if sorted(have.get("kubernetesGroups", [])) != groups:
                    self.plan.do(
                        f"access entry {arn}: Kubernetes groups {', '.join(groups) or 'none'}",
                        self.client.update_access_entry,
                        clusterName=self.cluster,
                        principalArn=arn,
                        kubernetesGroups=groups,
                        aws_retry=True,
                    )
                plan_tags(
                    self.plan,
                    f"access entry {arn}",
                    have.get("tags", {}),
                    self.tags,
                    self.p["purge_tags"],
                    lambda tags, a=entry_arn: self.client.tag_resource(resourceArn=a, tags=tags, aws_retry=True),
                    lambda keys, a=entry_arn: self.client.untag_resource(resourceArn=a, tagKeys=keys, aws_retry=True),
                )
            wanted_policies = {
                policy_arn(p["policy"], partition): scope_of(p["namespaces"]) for p in wanted["policies"]
            }
            for policy, scope in sorted(wanted_policies.items()):
                if policy in policies_now and same_scope(policies_now[policy], scope):
                    continue
                where = "cluster-wide" if scope["type"] == "cluster" else "in " + ", ".join(scope["namespaces"])
                self.plan.do(
                    f"associate {policy.rsplit('/', 1)[-1]} with {arn} {where}",
                    self.client.associate_access_policy,
                    clusterName=self.cluster,
                    principalArn=arn,
                    policyArn=policy,
                    accessScope=scope,
                    aws_retry=True,
                )
            if self.p["purge"]:
                for policy in sorted(set(policies_now) - set(wanted_policies)):
                    self.plan.do(
                        f"disassociate {policy.rsplit('/', 1)[-1]} from {arn}",
                        self.client.disassociate_access_policy,
                        clusterName=self.cluster,
                        principalArn=arn,
                        policyArn=policy,
                        aws_retry=True,
                    )
            after[arn] = {"kubernetes_groups": groups, "policies": wanted_policies}
            out.append({"principal_arn": arn, "access_entry_arn": entry_arn, "policies": sorted(wanted_policies)})
        if self.p["purge"]:
            for arn, have in sorted(current.items()):
                if arn not in listed and have.get("type", "STANDARD") == "STANDARD":
                    self.delete(arn)
        return before, after, out

    def delete(self, arn):
        self.plan.about(KIND, arn, wanted=False)
        self.plan.do(
            f"delete access entry {arn}",
            self.client.delete_access_entry,
            clusterName=self.cluster,
            principalArn=arn,
            aws_retry=True,
        )


def main():
    policy = dict(policy=dict(type="str", required=True), namespaces=dict(type="list", elements="str", default=[]))
    entry = dict(
        principal_arn=dict(type="str", required=True),
        kubernetes_groups=dict(type="list", elements="str", default=[]),
        policies=dict(type="list", elements="dict", default=[], options=policy),
    )
    argument_spec = dict(
        cluster_name=dict(type="str", required=True),
        entries=dict(type="list", elements="dict", default=[], options=entry),
        purge=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    for e in p["entries"]:
        if not e["principal_arn"].startswith("arn:") or ":iam::" not in e["principal_arn"]:
            module.fail_json(msg=f"access entries of {p['cluster_name']}: {e['principal_arn']!r} is not an IAM ARN")
    client = module.client("eks", retry_decorator=retry_decorator())
    reconciler = Reconciler(module, client)
    try:
        before, after, entries = reconciler.run()
    except is_boto3_error_code("ResourceNotFoundException") as e:
        if p["state"] == "absent":
            module.exit_json(changed=False, actions=[], resources=[], entries=[])
        if module.check_mode:  # no cluster yet: every entry would be created
            plan = Plan(check_mode=True)
            for x in p["entries"]:
                plan.about(KIND, x["principal_arn"], exists=False)
                plan.do(f"create access entry {x['principal_arn']}")
            plan.exit_json(module, entries=[])
        module.fail_json_aws(
            e,
            msg=f"EKS cluster {p['cluster_name']} not found",
            actions=reconciler.plan.actions,
            resources=reconciler.plan.resources,
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e,
            msg=f"access entries of {p['cluster_name']}: reconciliation failed",
            actions=reconciler.plan.actions,
            resources=reconciler.plan.resources,
        )
    reconciler.plan.exit_json(module, before, after, entries=entries)


if __name__ == "__main__":
    main()
