#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: account_preflight_info
short_description: Ask the account, read-only, what only it can answer about an environment's inputs
version_added: 1.0.0
description:
  - The last step of the preflight, after every offline check passed and before the lock or any write.
    Terraform learns these answers at apply time, half-way through a run; here a refusal costs nothing.
  - The account the credentials belong to (STS GetCallerIdentity), against O(account_id).
  - The zones (EC2 DescribeAvailabilityZones) - the ones named exist and are available, or the region
    has O(zone_count) available zones.
  - Instance types offered in every one of those zones (EC2 DescribeInstanceTypeOfferings).
  - An Aurora engine version that exists (RDS DescribeDBEngineVersions) and an instance class orderable
    for it (RDS DescribeOrderableDBInstanceOptions).
  - An ElastiCache engine version that exists (DescribeCacheEngineVersions) and a node type the
    region offers (DescribeReservedCacheNodesOfferings, which lists every current node type).
  - EKS add-on versions published for the cluster's Kubernetes version (EKS DescribeAddonVersions).
  - ACM certificates that exist and are issued (ACM DescribeCertificate); IAM roles and users given
    access (IAM GetRole, GetUser) and managed policies to attach (IAM GetPolicy) that exist, for the
    principals and policies of the credentials' own account.
  - Every problem is returned, each naming the variable and the environment; the module fails when
    there is one. It never writes, so check mode runs it the same way. Independent questions are
    asked at once (five lanes), so the whole costs about as much as its longest lane.
author:
  - 99Tech platform engineering (@99tech)
options:
  environment:
    description: The environment's name (C(trading_env)), for the messages.
    type: str
    required: true
  account_id:
    description: The 12-digit account the credentials must belong to; empty accepts any.
    type: str
    default: ""
  zones:
    description: Zones the environment names (C(network_azs)); each must exist in the region and be available.
    type: list
    elements: str
    default: []
  zone_count:
    description: With O(zones) empty, how many available zones the region must have (C(network_az_count)).
    type: int
    default: 0
  instance_types:
    description: Instance types to find offered in every zone, with the variable that names them.
    type: list
    elements: dict
    default: []
    suboptions:
      variable:
        description: The variable (and path) that names them, for the messages.
        type: str
        required: true
      types:
        description: The instance types.
        type: list
        elements: str
        required: true
  aurora:
    description: An Aurora engine version and instance class to find orderable. Omitted, RDS is not asked.
    type: dict
    suboptions:
      engine:
        description: The engine.
        type: str
        default: aurora-postgresql
      engine_version:
        description: The engine version (C(data_tier_aurora_engine_version)).
        type: str
        required: true
      instance_class:
        description: The instance class (C(data_tier_aurora_instance_class)).
        type: str
        required: true
  cache:
    description: An ElastiCache engine version and node type to find offered. Omitted, ElastiCache is not asked.
    type: dict
    suboptions:
      engine:
        description: The engine.
        type: str
        default: redis
      engine_version:
        description: The engine version (C(data_tier_redis_engine_version)).
        type: str
        required: true
      node_type:
        description: The node type (C(data_tier_redis_node_type)).
        type: str
        required: true
  eks_addons:
    description: EKS add-on versions to find published for a Kubernetes version. Omitted, EKS is not asked.
    type: dict
    suboptions:
      kubernetes_version:
        description: The cluster's Kubernetes minor version (C(eks_cluster_version)).
        type: str
        required: true
      versions:
        description: Add-on name to version.
        type: dict
        required: true
  certificates:
    description: ACM certificate ARNs that must exist and be issued, with the variable that names each.
    type: list
    elements: dict
    default: []
    suboptions:
      variable:
        description: The variable that names it.
        type: str
        required: true
      arn:
        description: The certificate's ARN (an IAM server certificate's is not asked).
        type: str
        required: true
  principals:
    description: IAM role or user ARNs that must exist, with the variable that names each.
    type: list
    elements: dict
    default: []
    suboptions:
      variable:
        description: The variable that names it.
        type: str
        required: true
      arn:
        description: The principal's ARN.
        type: str
        required: true
  policies:
    description: IAM managed policy ARNs that must exist, with the variable that names each.
    type: list
    elements: dict
    default: []
    suboptions:
      variable:
        description: The variable that names it.
        type: str
        required: true
      arn:
        description: The policy's ARN.
        type: str
        required: true
notes:
  - Tags do not apply; the module reads only.
  - Every call is retried with jittered backoff on throttling (ten tries); nothing here waits on a resource.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ask the account what only it can answer
  ninetynine.trading_infra.account_preflight_info:
    environment: prod
    account_id: "111122223333"
    zone_count: 3
    instance_types:
      - {variable: "eks_nodegroups[general].instance_types", types: [m6i.xlarge]}
    aurora: {engine_version: "16.4", instance_class: db.r7g.xlarge}
    cache: {engine_version: "7.1", node_type: cache.r7g.large}
    eks_addons:
      kubernetes_version: "1.32"
      versions: {vpc-cni: v1.19.2-eksbuild.1, coredns: v1.11.4-eksbuild.2}
"""

RETURN = r"""
account_id:
  description: The account the credentials belong to.
  returned: always
  type: str
  sample: "111122223333"
caller:
  description:
    - Who the credentials are (STS GetCallerIdentity), for the roles' policies and ARNs.
  returned: always
  type: dict
  contains:
    account:
      description: The account id.
      type: str
      sample: "111122223333"
    arn:
      description: The ARN of the credentials.
      type: str
      sample: arn:aws:sts::111122223333:assumed-role/platform-admin/session
    partition:
      description: The partition of the account (C(aws), C(aws-cn), C(aws-us-gov)).
      type: str
      sample: aws
zones:
  description: The zones the environment will use (the ones named, or the region's first O(zone_count)).
  returned: always
  type: list
  elements: str
  sample: [us-east-1a, us-east-1b, us-east-1c]
problems:
  description: Every problem found, each naming the variable and the environment (empty when the module succeeds).
  returned: always
  type: list
  elements: str
  sample: ["eks_nodegroups[spot].instance_types in environment 'prod': m7i.metal-48xl is not offered in us-east-1e"]
calls:
  description: How many read calls were made, by operation.
  returned: always
  type: dict
  sample: {"DescribeAvailabilityZones": 1, "DescribeInstanceTypeOfferings": 1}
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator


# What EKS answers DescribeAddonVersions for an add-on it does not know.
UNKNOWN_ADDON = ("InvalidParameterException", "ResourceNotFoundException")


class Preflight:
    """The questions, asked in independent lanes at once (each lane's problems kept in its order)."""

    def __init__(self, module):
        self.module = module
        self.where = f"in environment {module.params['environment']!r}"
        self.calls = Counter()
        self.caller = {}
        self._clients = {}
        self._lock = threading.Lock()
        self._lane = threading.local()

    def client(self, service):
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self.module.client(service, retry_decorator=retry_decorator())
            return self._clients[service]

    def _count(self, operation):
        with self._lock:
            self.calls[operation] += 1

    def call(self, service, operation, **kwargs):
        self._count(operation)
        return getattr(self.client(service), operation)(aws_retry=True, **kwargs)

    def listing(self, service, operation, key, **kwargs):
        self._count(operation)
        return paginate(self.client(service), operation, key, **kwargs)

    def problem(self, variable, text):
        self._lane.problems.append(f"{variable} {self.where}: {text}")

    def lane(self, *steps):
        """Run ``steps`` one after the other; returns (their problems, what the last returned)."""
        self._lane.problems = []
        value = None
        for step in steps:
            value = step(value)
        return self._lane.problems, value

    def ask(self):
        """Every question; returns (problems in a stable order, account id, zones)."""
        found = {}

        def account(_):
            found["account"] = self.account()
            return found["account"]

        def zones(_):
            found["zones"] = self.zones()
            return found["zones"]

        lanes = [
            (account, self.references),
            (zones, self.instance_types),
            (lambda _: self.aurora(),),
            (lambda _: self.cache(),),
            (lambda _: self.eks_addons(),),
        ]
        with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
            results = [f.result() for f in [pool.submit(self.lane, *steps) for steps in lanes]]
        return [p for problems, _ in results for p in problems], found["account"], found["zones"]

    def references(self, account_id):
        self.certificates(account_id)
        self.principals(account_id)
        self.policies(account_id)

    # -- the account ---------------------------------------------------------------------------
    def account(self):
        identity = self.call("sts", "get_caller_identity")
        found = identity["Account"]
        # The roles take the account and partition from here instead of asking STS again each.
        self.caller = {"account": found, "arn": identity["Arn"], "partition": identity["Arn"].split(":")[1]}
        wanted = self.module.params["account_id"]
        if wanted and found != wanted:
            self.problem(
                "trading_aws_account_id",
                f"is {wanted}, but the credentials are of account {found}; nothing was written",
            )
        return found

    # -- zones and instance types --------------------------------------------------------------
    def zones(self):
        zones = self.call(
            "ec2", "describe_availability_zones", Filters=[{"Name": "zone-type", "Values": ["availability-zone"]}]
        )["AvailabilityZones"]
        available = sorted(z["ZoneName"] for z in zones if z.get("State") == "available")
        named, count = self.module.params["zones"], self.module.params["zone_count"]
        region = self.module.region
        if named:
            missing = [z for z in named if z not in available]
            if missing:
                self.problem(
                    "network_azs",
                    f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not an available zone of {region} "
                    f"(available: {', '.join(available)})",
                )
            return [z for z in named if z in available]
        if count and len(available) < count:
            self.problem(
                "network_az_count",
                f"{count} zones wanted, but {region} has {len(available)} available ({', '.join(available)})",
            )
        return available[:count] if count else available

    def instance_types(self, zones):
        wanted = self.module.params["instance_types"]
        types = sorted({t for entry in wanted for t in entry["types"]})
        if not types or not zones:
            return
        offerings = self.listing(
            "ec2",
            "describe_instance_type_offerings",
            "InstanceTypeOfferings",
            LocationType="availability-zone",
            Filters=[{"Name": "instance-type", "Values": types}, {"Name": "location", "Values": zones}],
        )
        offered = {(o["InstanceType"], o["Location"]) for o in offerings}
        for entry in wanted:
            for itype in entry["types"]:
                missing = [z for z in zones if (itype, z) not in offered]
                if len(missing) == len(zones):
                    self.problem(entry["variable"], f"{itype} is not offered in any of the zones ({', '.join(zones)})")
                elif missing:
                    self.problem(entry["variable"], f"{itype} is not offered in {', '.join(missing)}")

    # -- Aurora --------------------------------------------------------------------------------
    def aurora(self):
        spec = self.module.params["aurora"]
        if not spec:
            return
        engine, version, klass = spec["engine"], spec["engine_version"], spec["instance_class"]
        # The version asked for first (one short answer); the whole list only to say what exists.
        versions = self.listing(
            "rds", "describe_db_engine_versions", "DBEngineVersions", Engine=engine, EngineVersion=version
        )
        known = [v["EngineVersion"] for v in versions]
        if version not in known:
            versions = self.listing("rds", "describe_db_engine_versions", "DBEngineVersions", Engine=engine)
            known = [v["EngineVersion"] for v in versions]
        if version not in known:
            same_major = [v for v in known if v.split(".")[0] == version.split(".")[0]]
            self.problem(
                "data_tier_aurora_engine_version",
                f"{engine} {version} does not exist in {self.module.region}"
                + (f" (the {version.split('.')[0]}.x there: {', '.join(same_major)})" if same_major else ""),
            )
            return
        options = self.listing(
            "rds",
            "describe_orderable_db_instance_options",
            "OrderableDBInstanceOptions",
            Engine=engine,
            EngineVersion=version,
            DBInstanceClass=klass,
        )
        if not options:
            self.problem(
                "data_tier_aurora_instance_class",
                f"{klass} cannot be ordered for {engine} {version} in {self.module.region}",
            )

    # -- ElastiCache ---------------------------------------------------------------------------
    def cache(self):
        spec = self.module.params["cache"]
        if not spec:
            return
        engine, version, node_type = spec["engine"], spec["engine_version"], spec["node_type"]
        versions = self.listing("elasticache", "describe_cache_engine_versions", "CacheEngineVersions", Engine=engine)
        known = [v["EngineVersion"] for v in versions]
        if version not in known:
            self.problem(
                "data_tier_redis_engine_version",
                f"{engine} {version} is not an engine version ElastiCache offers (it offers {', '.join(known)})",
            )
        offerings = self.call("elasticache", "describe_reserved_cache_nodes_offerings", CacheNodeType=node_type)
        if not offerings.get("ReservedCacheNodesOfferings"):
            self.problem("data_tier_redis_node_type", f"{node_type} is not a node type ElastiCache offers")

    # -- what the roles refer to: certificates, principals, policies ---------------------------
    def _missing(self, e):
        return e.response.get("Error", {}).get("Code") in (
            "ResourceNotFoundException",
            "NoSuchEntity",
            "NoSuchEntityException",
        )

    def certificates(self, account_id):
        for entry in self.module.params["certificates"]:
            arn = entry["arn"]
            if ":acm:" not in arn:
                continue
            owner = arn.split(":", 5)[4] if arn.count(":") >= 5 else ""
            if owner != account_id:
                self.problem(
                    entry["variable"],
                    f"{arn} belongs to account {owner}, the credentials to {account_id}: a load balancer takes "
                    "only its own account's certificates",
                )
                continue
            try:
                found = self.call("acm", "describe_certificate", CertificateArn=arn)["Certificate"]
            except botocore.exceptions.ClientError as e:
                if not self._missing(e):
                    raise
                self.problem(entry["variable"], f"{arn} does not exist in this account and region")
                continue
            if found.get("Status") != "ISSUED":
                self.problem(
                    entry["variable"], f"{arn} is {found.get('Status')}; a listener needs an ISSUED certificate"
                )

    def principals(self, account_id):
        for entry in self.module.params["principals"]:
            arn = entry["arn"]
            parts = arn.split(":", 5)
            if len(parts) < 6 or parts[4] != account_id:
                continue  # another account's principal: not this account's to answer
            kind, _, path = parts[5].partition("/")
            name = path.rsplit("/", 1)[-1]
            try:
                if kind == "role":
                    self.call("iam", "get_role", RoleName=name)
                elif kind == "user":
                    self.call("iam", "get_user", UserName=name)
            except botocore.exceptions.ClientError as e:
                if not self._missing(e):
                    raise
                self.problem(entry["variable"], f"{arn}: no such IAM {kind} in account {account_id}")

    def policies(self, account_id):
        for entry in self.module.params["policies"]:
            arn = entry["arn"]
            owner = arn.split(":", 5)[4] if arn.count(":") >= 5 else ""
            if owner not in ("aws", account_id):
                continue
            try:
                self.call("iam", "get_policy", PolicyArn=arn)
            except botocore.exceptions.ClientError as e:
                if not self._missing(e):
                    raise
                self.problem(entry["variable"], f"{arn}: no such IAM managed policy")

    # -- EKS add-ons ---------------------------------------------------------------------------
    def eks_addons(self):
        spec = self.module.params["eks_addons"]
        if not spec:
            return
        kubernetes = spec["kubernetes_version"]
        for name, version in sorted(spec["versions"].items()):
            try:
                addons = self.listing(
                    "eks", "describe_addon_versions", "addons", addonName=name, kubernetesVersion=kubernetes
                )
            except botocore.exceptions.ClientError as e:
                if e.response.get("Error", {}).get("Code") not in UNKNOWN_ADDON:
                    raise
                addons = []
            published = [v["addonVersion"] for a in addons for v in a.get("addonVersions", [])]
            if not published:
                self.problem(f"eks_addon_versions.{name}", f"EKS has no add-on {name} for Kubernetes {kubernetes}")
            elif version not in published:
                self.problem(
                    f"eks_addon_versions.{name}",
                    f"{version} is not published for Kubernetes {kubernetes} (published: {', '.join(published[:5])})",
                )


REFERENCE = dict(variable=dict(type="str", required=True), arn=dict(type="str", required=True))


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            environment=dict(type="str", required=True),
            account_id=dict(type="str", default=""),
            zones=dict(type="list", elements="str", default=[]),
            zone_count=dict(type="int", default=0),
            instance_types=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    variable=dict(type="str", required=True), types=dict(type="list", elements="str", required=True)
                ),
            ),
            aurora=dict(
                type="dict",
                options=dict(
                    engine=dict(type="str", default="aurora-postgresql"),
                    engine_version=dict(type="str", required=True),
                    instance_class=dict(type="str", required=True),
                ),
            ),
            cache=dict(
                type="dict",
                options=dict(
                    engine=dict(type="str", default="redis"),
                    engine_version=dict(type="str", required=True),
                    node_type=dict(type="str", required=True),
                ),
            ),
            certificates=dict(type="list", elements="dict", default=[], options=REFERENCE),
            principals=dict(type="list", elements="dict", default=[], options=REFERENCE),
            policies=dict(type="list", elements="dict", default=[], options=REFERENCE),
            eks_addons=dict(
                type="dict",
                options=dict(
                    kubernetes_version=dict(type="str", required=True), versions=dict(type="dict", required=True)
                ),
            ),
        ),
        supports_check_mode=True,
    )
    preflight = Preflight(module)
    try:
        problems, account_id, zones = preflight.ask()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"the account preflight of {module.params['environment']!r} could not ask AWS")
    result = dict(
        changed=False,
        account_id=account_id,
        caller=preflight.caller,
        zones=zones,
        problems=problems,
        calls=dict(preflight.calls),
    )
    if problems:
        module.fail_json(
            msg="\n".join([f"{len(problems)} problem(s) only the account could tell, before any write:", *problems]),
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
