#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: eks_cluster
short_description: An EKS control plane, kept as declared and upgraded one minor version at a time
version_added: 1.0.0
description:
  - Creates, updates in place, upgrades and deletes an Amazon EKS cluster (the control plane).
    community.aws.eks_cluster cannot set endpoint access, secrets encryption, control-plane logging
    or the access configuration, and does not upgrade; this module does all of them.
  - Endpoint access (private, public and the public CIDR allow-list), control-plane log types, the
    authentication mode, the upgrade support policy and tags change in place. EKS accepts one such
    update at a time, so the module makes them one after another and waits for each.
  - Changing O(version) upgrades the control plane to the next minor version. A jump of two minor
    versions or more, and a downgrade, are refused before anything changes, with the steps to take.
    EKS refuses too while node groups are still on an older version, so upgrade them first
    (M(ninetynine.trading_infra.eks_nodegroups) does, to the cluster's version).
  - The subnets, the secrets encryption key, the IAM role and the service CIDR cannot change on an
    existing cluster; a change there is refused with the list of fields.
  - With O(wait=false) the module returns as soon as EKS has accepted the creation (about ten
    minutes on AWS), so that other long operations can run meanwhile; a later call with
    O(wait=true) waits for it. Updates of a cluster still being created wait for it first.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  name:
    description: The cluster's name.
    type: str
    required: true
  version:
    description: Kubernetes version (V(1.32)). Required to create; EKS's default when omitted on an existing cluster.
    type: str
  role_arn:
    description: The cluster's IAM role. Required to create.
    type: str
  subnets:
    description: Subnets of the control plane's network interfaces (two zones at least). Required to create.
    type: list
    elements: str
    default: []
  security_groups:
    description: Extra security groups for the control plane's interfaces (EKS makes its own cluster group too).
    type: list
    elements: str
    default: []
  endpoint_private_access:
    description: Reach the API server from inside the VPC.
    type: bool
    default: true
  endpoint_public_access:
    description: Reach the API server from the internet (restricted to O(public_access_cidrs)).
    type: bool
    default: false
  public_access_cidrs:
    description: CIDR blocks allowed to reach the public endpoint. Required when it is on.
    type: list
    elements: str
    default: []
  secrets_kms_key_arn:
    description: KMS key ARN for envelope encryption of Kubernetes secrets. Set at creation only.
    type: str
  log_types:
    description: Control-plane log types sent to CloudWatch Logs; the others are turned off.
    type: list
    elements: str
    choices: [api, audit, authenticator, controllerManager, scheduler]
    default: []
  authentication_mode:
    description:
      - How IAM principals are granted access. EKS moves only forward
        (CONFIG_MAP, then API_AND_CONFIG_MAP, then API); the module takes the steps in order.
    type: str
    choices: [API, API_AND_CONFIG_MAP, CONFIG_MAP]
    default: API
  bootstrap_creator_admin:
    description: Give the IAM principal that creates the cluster an admin access entry (creation only).
    type: bool
    default: false
  service_ipv4_cidr:
    description: CIDR block of Kubernetes service addresses (creation only; EKS's default when omitted).
    type: str
  support_type:
    description: What happens when the version leaves standard support (EXTENDED keeps it, at a price).
    type: str
    choices: [STANDARD, EXTENDED]
  wait:
    description: Wait for the cluster to be ACTIVE (or gone) before returning.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for each step.
    type: int
    default: 1800
  state:
    description: Whether the cluster exists. EKS refuses to delete a cluster that has node groups.
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
- name: Private cluster, secrets encrypted, audit and API logs, start without waiting
  ninetynine.trading_infra.eks_cluster:
    name: trading-prod
    version: "1.32"
    role_arn: arn:aws:iam::123456789012:role/trading-prod-eks-cluster
    subnets: [subnet-0a1, subnet-0b2, subnet-0c3]
    secrets_kms_key_arn: arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-1111-2222-3333-444455556666
    log_types: [api, audit, authenticator]
    tags:
      Environment: prod
    wait: false

- name: Later in the run, wait for it
  ninetynine.trading_infra.eks_cluster:
    name: trading-prod
    version: "1.32"
    log_types: [api, audit, authenticator]
    tags:
      Environment: prod
  register: cluster

- name: Remove it (its node groups first)
  ninetynine.trading_infra.eks_cluster:
    name: trading-dev
    state: absent
"""

RETURN = r"""
cluster:
  description: The cluster after the changes (None when absent).
  returned: when O(state=present)
  type: dict
  contains:
    name: {description: The name., type: str, returned: always}
    arn: {description: The ARN (None in check mode before it exists)., type: str, returned: always}
    status: {description: "CREATING, ACTIVE, UPDATING, ...", type: str, returned: always}
    version: {description: The Kubernetes version., type: str, returned: always}
    endpoint: {description: The API server's URL., type: str, returned: always}
    oidc_issuer: {description: The OIDC issuer URL of the cluster (for IRSA)., type: str, returned: always}
    certificate_authority: {description: The API server's CA certificate (base64)., type: str, returned: always}
    cluster_security_group_id:
      description: The security group EKS made for the control plane and the nodes.
      type: str
      returned: always
    vpc_id: {description: The VPC., type: str, returned: always}
    platform_version: {description: The EKS platform version., type: str, returned: always}
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["upgrade cluster trading-prod from 1.31 to 1.32", "log types of trading-prod: enable scheduler"]
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
      choices: [EKS cluster]
    name:
      description: The cluster's name (O(name)).
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
    - kind: EKS cluster
      name: trading-prod
      action: change
      changes:
        - upgrade cluster trading-prod from 1.31 to 1.32
        - "log types of trading-prod: enable scheduler"
"""

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.progress import Watch, since
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.waiters import wait_for

LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
AUTH_STEPS = ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"]


def minor(version):
    try:
        major, minor_ = (int(part) for part in str(version).split(".")[:2])
    except ValueError:
        return None
    return major, minor_


def describe(client, name):
    try:
        return client.describe_cluster(name=name, aws_retry=True)["cluster"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def enabled_logs(cluster):
    return sorted(
        t
        for entry in cluster.get("logging", {}).get("clusterLogging", [])
        if entry.get("enabled")
        for t in entry["types"]
    )


def comparable(cluster):
    """The fields the module manages, as the diff shows them."""
    if cluster is None:
        return {}
    vpc = cluster["resourcesVpcConfig"]
    return {
        "version": cluster["version"],
        "endpoint_private_access": vpc.get("endpointPrivateAccess", False),
        "endpoint_public_access": vpc.get("endpointPublicAccess", True),
        "public_access_cidrs": sorted(vpc.get("publicAccessCidrs", [])) if vpc.get("endpointPublicAccess") else [],
        "security_groups": sorted(vpc.get("securityGroupIds", [])),
        "log_types": enabled_logs(cluster),
        "authentication_mode": cluster.get("accessConfig", {}).get("authenticationMode", "CONFIG_MAP"),
        "support_type": cluster.get("upgradePolicy", {}).get("supportType"),
        "tags": cluster.get("tags", {}),
    }


def summary(cluster):
    if cluster is None:
        return None
    vpc = cluster.get("resourcesVpcConfig", {})
    return {
        "name": cluster["name"],
        "arn": cluster.get("arn"),
        "status": cluster.get("status"),
        "version": cluster.get("version"),
        "endpoint": cluster.get("endpoint"),
        "oidc_issuer": cluster.get("identity", {}).get("oidc", {}).get("issuer"),
        "certificate_authority": cluster.get("certificateAuthority", {}).get("data"),
        "cluster_security_group_id": vpc.get("clusterSecurityGroupId"),
        "vpc_id": vpc.get("vpcId"),
        "platform_version": cluster.get("platformVersion"),
    }


class Reconciler:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.p = module.params
        self.name = self.p["name"]
        self.plan = Plan(module.check_mode)

    def fail(self, msg):
        self.module.fail_json(msg=msg, actions=self.plan.actions, resources=self.plan.resources)

    def wait(self, gone=False):
        def failed(cluster):
            if cluster["status"] == "FAILED":
                return "creation failed: " + "; ".join(
                    i.get("message", "") for i in cluster.get("health", {}).get("issues", [])
                )
            return None

        return wait_for(
            self.module,
            lambda: describe(self.client, self.name),
            (lambda c: c is None) if gone else (lambda c: c is not None and c["status"] == "ACTIVE"),
            f"EKS cluster {self.name}",
            self.p["wait_timeout"],
            failed=failed,
            plan=self.plan,
            watch=Watch(f"eks {self.name}", "eks-cluster", lambda c: c["status"], lambda c: since(c.get("createdAt"))),
        )

    def settle(self, cluster):
        """EKS takes one update at a time: before each, the cluster must be ACTIVE."""
        if self.module.check_mode or cluster["status"] == "ACTIVE":
            return cluster
        return self.wait()

    def run(self):
        cluster = describe(self.client, self.name)
        before = comparable(cluster)
        # One resource: its endpoint, logging, authentication mode and tags are changes of it.
        self.plan.about("EKS cluster", self.name, exists=cluster is not None, wanted=self.p["state"] == "present")
        if self.p["state"] == "absent":
            if cluster is not None:
                if cluster["status"] != "DELETING":
                    self.plan.do(
                        f"delete cluster {self.name}", self.client.delete_cluster, name=self.name, aws_retry=True
                    )
                if self.p["wait"] and not self.module.check_mode:
                    self.wait(gone=True)
            return before, {}, None
        if cluster is None:
            return before, self.create(), describe(self.client, self.name)
        if cluster["status"] in ("DELETING", "FAILED"):
            self.fail(f"EKS cluster {self.name} is {cluster['status']}; it cannot be updated")
        cluster = self.update(cluster)
        if self.p["wait"] and not self.module.check_mode and cluster["status"] != "ACTIVE":
            cluster = self.wait()
        return before, comparable(cluster) if not self.module.check_mode else self.after, cluster

    # -- creation ----------------------------------------------------------
    def create(self):
        missing = [f for f in ("version", "role_arn") if not self.p[f]] + ([] if self.p["subnets"] else ["subnets"])
        if missing and not self.module.check_mode:  # in check mode, roles may not exist yet either
            self.fail(f"creating EKS cluster {self.name} needs {', '.join(missing)}")
        request = {
            "name": self.name,
            "version": self.p["version"],
            "roleArn": self.p["role_arn"],
            "resourcesVpcConfig": {
                "subnetIds": self.p["subnets"],
                "securityGroupIds": self.p["security_groups"],
                "endpointPrivateAccess": self.p["endpoint_private_access"],
                "endpointPublicAccess": self.p["endpoint_public_access"],
            },
            "logging": {"clusterLogging": self.logging_request(set(self.p["log_types"]))},
            "accessConfig": {
                "authenticationMode": self.p["authentication_mode"],
                "bootstrapClusterCreatorAdminPermissions": self.p["bootstrap_creator_admin"],
            },
        }
        if self.p["tags"]:  # EKS refuses an empty map: at least one tag, or none sent
            request["tags"] = self.p["tags"]
        if self.p["endpoint_public_access"]:
            request["resourcesVpcConfig"]["publicAccessCidrs"] = self.p["public_access_cidrs"]
        if self.p["secrets_kms_key_arn"]:
            request["encryptionConfig"] = [
                {"resources": ["secrets"], "provider": {"keyArn": self.p["secrets_kms_key_arn"]}}
            ]
        if self.p["service_ipv4_cidr"]:
            request["kubernetesNetworkConfig"] = {"serviceIpv4Cidr": self.p["service_ipv4_cidr"]}
        if self.p["support_type"]:
            request["upgradePolicy"] = {"supportType": self.p["support_type"]}
        self.plan.do(
            f"create cluster {self.name} (Kubernetes {self.p['version']})",
            self.client.create_cluster,
            aws_retry=True,
            **request,
        )
        if self.p["wait"] and not self.module.check_mode:
            self.wait()
        return {
            "version": self.p["version"],
            "endpoint_private_access": self.p["endpoint_private_access"],
            "endpoint_public_access": self.p["endpoint_public_access"],
            "public_access_cidrs": sorted(self.p["public_access_cidrs"]) if self.p["endpoint_public_access"] else [],
            "security_groups": sorted(self.p["security_groups"]),
            "log_types": sorted(self.p["log_types"]),
            "authentication_mode": self.p["authentication_mode"],
            "support_type": self.p["support_type"],
            "tags": self.p["tags"] or {},
        }

    @staticmethod
    def logging_request(enabled):
        on = [t for t in LOG_TYPES if t in enabled]
        off = [t for t in LOG_TYPES if t not in enabled]
        return [e for e in ({"types": on, "enabled": True}, {"types": off, "enabled": False}) if e["types"]]

    # -- updates -----------------------------------------------------------
    def immutable(self, cluster):
        vpc = cluster["resourcesVpcConfig"]
        changed = []
        if self.p["subnets"] and sorted(self.p["subnets"]) != sorted(vpc.get("subnetIds", [])):
            changed.append("subnets")
        if self.p["role_arn"] and self.p["role_arn"] != cluster.get("roleArn"):
            changed.append("role_arn")
        keys = [e.get("provider", {}).get("keyArn") for e in cluster.get("encryptionConfig") or []]
        if self.p["secrets_kms_key_arn"] and [self.p["secrets_kms_key_arn"]] != keys:
            changed.append("secrets_kms_key_arn")
        cidr = cluster.get("kubernetesNetworkConfig", {}).get("serviceIpv4Cidr")
        if self.p["service_ipv4_cidr"] and self.p["service_ipv4_cidr"] != cidr:
            changed.append("service_ipv4_cidr")
        if changed:
            self.fail(
                f"EKS cluster {self.name}: {', '.join(changed)} cannot change on an existing cluster "
                "(a new cluster is needed: migrate the workloads to it, then remove this one)"
            )

    def check_version(self, cluster):
        """The upgrade to make, if any; refuses what EKS cannot do in one step, before any change."""
        wanted, current = self.p["version"], cluster["version"]
        if not wanted or wanted == current:
            return None
        w, c = minor(wanted), minor(current)
        if w is None:
            self.fail(f"EKS cluster {self.name}: version {wanted!r} is not a Kubernetes minor version such as 1.32")
        if w < c:
            self.fail(
                f"EKS cluster {self.name} runs Kubernetes {current}; it cannot go down to {wanted} "
                "(EKS never downgrades a control plane)"
            )
        if w[0] != c[0] or w[1] > c[1] + 1:
            step = f"{c[0]}.{c[1] + 1}"
            self.fail(
                f"EKS cluster {self.name} runs Kubernetes {current}: upgrading to {wanted} skips minor versions. "
                f"EKS upgrades one minor version at a time: set the version to {step}, run, and go on from there"
            )
        return wanted

    def update(self, cluster):
        self.immutable(cluster)
        upgrade = self.check_version(cluster)
        after = comparable(cluster)
        vpc = cluster["resourcesVpcConfig"]

        if upgrade:
            cluster = self.settle(cluster)
            self.plan.do(
                f"upgrade cluster {self.name} from {cluster['version']} to {upgrade}",
                self.client.update_cluster_version,
                name=self.name,
                version=upgrade,
                aws_retry=True,
            )
            after["version"] = upgrade
            if not self.module.check_mode:
                cluster = self.wait()

        wanted_public_cidrs = sorted(self.p["public_access_cidrs"]) if self.p["endpoint_public_access"] else []
        endpoint = {
            "endpointPrivateAccess": self.p["endpoint_private_access"],
            "endpointPublicAccess": self.p["endpoint_public_access"],
        }
        current_endpoint = {
            "endpointPrivateAccess": vpc.get("endpointPrivateAccess", False),
            "endpointPublicAccess": vpc.get("endpointPublicAccess", True),
        }
        current_cidrs = sorted(vpc.get("publicAccessCidrs", [])) if current_endpoint["endpointPublicAccess"] else []
        if endpoint != current_endpoint or wanted_public_cidrs != current_cidrs:
            if self.p["endpoint_public_access"]:
                endpoint["publicAccessCidrs"] = self.p["public_access_cidrs"]
            cluster = self.settle(cluster)
            self.plan.do(
                f"endpoint access of {self.name}: private {self.p['endpoint_private_access']}, "
                f"public {self.p['endpoint_public_access']}"
                + (f" from {', '.join(wanted_public_cidrs)}" if self.p["endpoint_public_access"] else ""),
                self.update_config,
                resourcesVpcConfig=endpoint,
            )
            after.update(
                endpoint_private_access=self.p["endpoint_private_access"],
                endpoint_public_access=self.p["endpoint_public_access"],
                public_access_cidrs=wanted_public_cidrs,
            )

        if sorted(self.p["security_groups"]) != sorted(vpc.get("securityGroupIds", [])):
            cluster = self.settle(cluster)
            self.plan.do(
                f"extra security groups of {self.name}: {', '.join(sorted(self.p['security_groups'])) or 'none'}",
                self.update_config,
                resourcesVpcConfig={"securityGroupIds": self.p["security_groups"]},
            )
            after["security_groups"] = sorted(self.p["security_groups"])

        have_logs, want_logs = set(enabled_logs(cluster)), set(self.p["log_types"])
        if have_logs != want_logs:
            enable, disable = sorted(want_logs - have_logs), sorted(have_logs - want_logs)
            cluster = self.settle(cluster)
            self.plan.do(
                f"log types of {self.name}: "
                + "; ".join(
                    x
                    for x in (enable and "enable " + ", ".join(enable), disable and "disable " + ", ".join(disable))
                    if x
                ),
                self.update_config,
                logging={
                    "clusterLogging": [
                        e
                        for e in ({"types": enable, "enabled": True}, {"types": disable, "enabled": False})
                        if e["types"]
                    ]
                },
            )
            after["log_types"] = sorted(want_logs)

        mode = cluster.get("accessConfig", {}).get("authenticationMode", "CONFIG_MAP")
        wanted_mode = self.p["authentication_mode"]
        if AUTH_STEPS.index(wanted_mode) < AUTH_STEPS.index(mode):
            self.fail(
                f"EKS cluster {self.name} authenticates with {mode}; EKS cannot go back to {wanted_mode} "
                f"(set eks authentication mode to {mode} or a later one)"
            )
        for step in AUTH_STEPS[AUTH_STEPS.index(mode) + 1 : AUTH_STEPS.index(wanted_mode) + 1]:
            cluster = self.settle(cluster)
            self.plan.do(
                f"authentication mode of {self.name}: {step}",
                self.update_config,
                accessConfig={"authenticationMode": step},
            )
        after["authentication_mode"] = wanted_mode

        support = cluster.get("upgradePolicy", {}).get("supportType")
        if self.p["support_type"] and self.p["support_type"] != support:
            cluster = self.settle(cluster)
            self.plan.do(
                f"support type of {self.name}: {self.p['support_type']}",
                self.update_config,
                upgradePolicy={"supportType": self.p["support_type"]},
            )
            after["support_type"] = self.p["support_type"]

        if self.p["tags"] is not None:
            after["tags"] = plan_tags(
                self.plan,
                f"cluster {self.name}",
                cluster.get("tags", {}),
                self.p["tags"],
                self.p["purge_tags"],
                lambda tags: self.client.tag_resource(resourceArn=cluster["arn"], tags=tags, aws_retry=True),
                lambda keys: self.client.untag_resource(resourceArn=cluster["arn"], tagKeys=keys, aws_retry=True),
            )
        self.after = after
        if self.module.check_mode:
            return cluster
        return describe(self.client, self.name)

    def update_config(self, **change):
        """One update, waited for: EKS refuses the next while this one is in progress."""
        self.client.update_cluster_config(name=self.name, aws_retry=True, **change)
        self.wait()


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        version=dict(type="str"),
        role_arn=dict(type="str"),
        subnets=dict(type="list", elements="str", default=[]),
        security_groups=dict(type="list", elements="str", default=[]),
        endpoint_private_access=dict(type="bool", default=True),
        endpoint_public_access=dict(type="bool", default=False),
        public_access_cidrs=dict(type="list", elements="str", default=[]),
        secrets_kms_key_arn=dict(type="str", no_log=False),
        log_types=dict(type="list", elements="str", default=[], choices=LOG_TYPES),
        authentication_mode=dict(type="str", default="API", choices=AUTH_STEPS[::-1]),
        bootstrap_creator_admin=dict(type="bool", default=False),
        service_ipv4_cidr=dict(type="str"),
        support_type=dict(type="str", choices=["STANDARD", "EXTENDED"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    if p["state"] == "present" and p["endpoint_public_access"] and not p["public_access_cidrs"]:
        module.fail_json(
            msg=f"EKS cluster {p['name']}: a public endpoint needs public_access_cidrs (never 0.0.0.0/0 by default)"
        )
    if p["state"] == "present" and not (p["endpoint_public_access"] or p["endpoint_private_access"]):
        module.fail_json(msg=f"EKS cluster {p['name']}: turn on the private endpoint, the public one, or both")
    client = module.client("eks", retry_decorator=retry_decorator())
    reconciler = Reconciler(module, client)
    try:
        before, after, cluster = reconciler.run()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e,
            msg=f"EKS cluster {p['name']} reconciliation failed",
            actions=reconciler.plan.actions,
            resources=reconciler.plan.resources,
        )
    result = summary(cluster)
    if p["state"] == "present" and result is None:  # check mode, nothing created yet
        result = {
            "name": p["name"],
            "arn": None,
            "status": "CREATING",
            "version": p["version"],
            "endpoint": None,
            "oidc_issuer": None,
            "certificate_authority": None,
            "cluster_security_group_id": None,
            "vpc_id": None,
            "platform_version": None,
        }
    reconciler.plan.exit_json(module, before, after, cluster=result if p["state"] == "present" else None)


if __name__ == "__main__":
    main()
