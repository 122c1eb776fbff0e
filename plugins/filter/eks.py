# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The eks role's checks, run before any AWS call, and the IRSA trust policy. Pure Python, on the controller."""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.ninetynine.trading_infra.plugins.filter.network import LOG_RETENTION_DAYS
from ansible_collections.ninetynine.trading_infra.plugins.filter.tags import tag_validation_errors
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tier import is_production

CLUSTER_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
NODEGROUP_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
VERSION_RE = re.compile(r"^1\.(\d{2})$")
INSTANCE_TYPE_RE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
ROLE_ARN_RE = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)/[\w+=,.@/-]{1,512}$")
DNS_LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
LABEL_KEY_RE = re.compile(r"^([a-z0-9.-]{1,253}/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")
# Kubernetes' syntax; EKS's model also wants a label value of at least one character (a taint's may be empty).
LABEL_VALUE_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
CAPACITY_TYPES = ("ON_DEMAND", "SPOT")
# Graviton (arm64) families: a g after the generation (m7g, c7gn, r6gd, t4g, x2gd, im4gn, g5g), and a1.
GRAVITON_RE = re.compile(r"^([a-z]+\d+g[a-z]*|a1)\.")
TAINT_EFFECTS = ("NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE")
AUTH_MODES = ("API", "API_AND_CONFIG_MAP")
CONFLICTS = ("NONE", "OVERWRITE", "PRESERVE")


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def eks_validation_errors(v, supported_versions=()):
    """Every problem with the eks role's inputs, each naming the variable and the environment."""
    env = v.get("trading_env")
    prod = is_production(v)
    errors = []

    def err(var, text):
        errors.append(f"{var} in environment '{env}': {text}")

    def boolean(var):
        if not isinstance(v.get(var), bool):
            err(var, f"{v.get(var)!r} must be true or false")
        return v.get(var) is True

    name = v.get("eks_cluster_name")
    if not isinstance(name, str) or not CLUSTER_NAME_RE.match(name):
        err(
            "eks_cluster_name",
            f"{name!r} must be 1-100 letters, digits, hyphens and underscores, starting alphanumeric",
        )

    version = v.get("eks_cluster_version")
    supported = sorted(supported_versions, key=lambda s: tuple(int(x) for x in s.split(".")))
    if not isinstance(version, str) or not VERSION_RE.match(version):
        err("eks_cluster_version", f'{version!r} must be a Kubernetes minor version as a quoted string, such as "1.32"')
    elif supported and version not in supported:
        err(
            "eks_cluster_version",
            f"{version} is outside the versions this collection pins add-ons for ({', '.join(supported)})",
        )

    for var in ("eks_wait", "eks_ebs_csi_enabled", "eks_join_data_clients"):
        boolean(var)
    timeout = _int(v.get("eks_wait_timeout"))
    if timeout is None or not 60 <= timeout <= 7200:
        err("eks_wait_timeout", f"{v.get('eks_wait_timeout')!r} must be seconds from 60 to 7200")

    public = boolean("eks_endpoint_public_access")
    cidrs = v.get("eks_public_access_cidrs")
    if not isinstance(cidrs, list):
        err("eks_public_access_cidrs", f"{cidrs!r} must be a list of CIDR blocks")
        cidrs = []
    for cidr in cidrs:
        try:
            net = ipaddress.ip_network(cidr)
        except (TypeError, ValueError):
            err("eks_public_access_cidrs", f"{cidr!r} is not a CIDR block")
            continue
        if net.prefixlen == 0:
            err("eks_public_access_cidrs", f"{cidr} opens the API server to the whole internet; list your own ranges")
    if public and not cidrs:
        err("eks_public_access_cidrs", "a public endpoint (eks_endpoint_public_access: true) needs an allow-list")
    if prod and public:
        err("eks_endpoint_public_access", "must be false in prod (the API server is reached through the VPC only)")

    log_types = v.get("eks_log_types")
    if not isinstance(log_types, list) or any(t not in LOG_TYPES for t in log_types):
        err("eks_log_types", f"{log_types!r} must be a list drawn from {', '.join(LOG_TYPES)}")
    elif prod and set(log_types) != set(LOG_TYPES):
        # Every control-plane log type in production (FSBP EKS.8 asks for audit at least; a security
        # review wants the scheduler's and controller manager's decisions too).
        missing = ", ".join(t for t in LOG_TYPES if t not in log_types)
        err("eks_log_types", f"prod keeps every control-plane log type ({', '.join(LOG_TYPES)}); {missing} missing")
    if v.get("eks_log_retention_days") not in LOG_RETENTION_DAYS:
        err("eks_log_retention_days", f"{v.get('eks_log_retention_days')!r} is not a CloudWatch Logs retention")
    elif prod and v["eks_log_retention_days"] < 365:
        err("eks_log_retention_days", f"{v['eks_log_retention_days']} days is too short for prod (at least 365)")

    if v.get("eks_authentication_mode") not in AUTH_MODES:
        err("eks_authentication_mode", f"{v.get('eks_authentication_mode')!r} must be one of {', '.join(AUTH_MODES)}")
    if v.get("eks_addon_resolve_conflicts") not in CONFLICTS:
        err(
            "eks_addon_resolve_conflicts",
            f"{v.get('eks_addon_resolve_conflicts')!r} must be one of {', '.join(CONFLICTS)}",
        )
    hops = _int(v.get("eks_node_metadata_hop_limit"))
    if hops is None or not 1 <= hops <= 64:
        err("eks_node_metadata_hop_limit", f"{v.get('eks_node_metadata_hop_limit')!r} must be an integer from 1 to 64")

    admins = v.get("eks_admin_role_arns")
    if not isinstance(admins, list):
        err("eks_admin_role_arns", f"{admins!r} must be a list of IAM role ARNs")
    else:
        for arn in admins:
            if not isinstance(arn, str) or not ROLE_ARN_RE.match(arn):
                err("eks_admin_role_arns", f"{arn!r} is not an IAM role or user ARN")
        if len(set(map(str, admins))) != len(admins):
            err("eks_admin_role_arns", "lists a principal twice")

    _nodegroups(v.get("eks_nodegroups"), prod, err)
    _baseline(v, err)
    _service_accounts(v.get("eks_service_accounts"), err)

    # The same rules as every other role's extra tags (a number is a tag value too: AWS gets its text).
    errors.extend(tag_validation_errors({"trading_env": env, "tags": {"eks_extra_tags": v.get("eks_extra_tags")}}))
    return errors


# Kubernetes quantities (resource.Quantity: 100m, 1.5, 512Mi, 2G, 1e3) and Go durations (10m, 1h30m).
QUANTITY_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$")
DURATION_RE = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


def _baseline(v, err):
    """The in-cluster baseline's settings: quotas and limits are Kubernetes quantities, as strings."""
    quota = v.get("eks_namespace_quota")
    for key, value in (quota or {}).items() if isinstance(quota, dict) else ():
        if not isinstance(value, str) or not QUANTITY_RE.match(value):
            err(
                f"eks_namespace_quota.{key}",
                f'{value!r} must be a Kubernetes quantity written as a string ("8", "16Gi", "500m")',
            )
    defaults = v.get("eks_container_defaults")
    for key, value in (defaults or {}).items() if isinstance(defaults, dict) else ():
        if not isinstance(value, str) or not QUANTITY_RE.match(value):
            err(f"eks_container_defaults.{key}", f'{value!r} must be a Kubernetes quantity ("100m", "512Mi")')
    unneeded = v.get("eks_autoscaler_scale_down_unneeded")
    if unneeded is not None and (not isinstance(unneeded, str) or not DURATION_RE.match(unneeded)):
        err("eks_autoscaler_scale_down_unneeded", f"{unneeded!r} must be a Go duration such as 10m or 1h30m")
    replicas = v.get("eks_metrics_server_replicas")
    if replicas is not None and (_int(replicas) is None or not 1 <= replicas <= 10):
        err("eks_metrics_server_replicas", f"{replicas!r} must be 1 to 10")


def _nodegroups(groups, prod, err):
    var = "eks_nodegroups"
    if not isinstance(groups, list) or not groups:
        err(var, f"{groups!r} must be a non-empty list of node groups")
        return
    names = set()
    on_demand_min = 0
    for i, group in enumerate(groups):
        if not isinstance(group, dict):
            err(var, f"item {i} must be a mapping")
            continue
        name = group.get("name")
        where = f"{var}[{name if isinstance(name, str) else i}]"
        if not isinstance(name, str) or not NODEGROUP_NAME_RE.match(name):
            err(where, f"name {name!r} must be 1-40 letters, digits, hyphens and underscores, starting alphanumeric")
        elif name in names:
            err(where, "is listed twice")
        names.add(name)
        types = group.get("instance_types")
        if not isinstance(types, list) or not types:
            err(where, "instance_types must be a non-empty list (m6i.large, ...)")
        else:
            for t in types:
                if not isinstance(t, str) or not INSTANCE_TYPE_RE.match(t):
                    err(where, f"instance type {t!r} is not an EC2 instance type")
            ami_type = group.get("ami_type", "AL2023_x86_64_STANDARD")
            arm = "ARM_64" in str(ami_type)
            wrong = [t for t in types if isinstance(t, str) and bool(GRAVITON_RE.match(t)) != arm]
            if wrong:
                err(
                    where,
                    f"instance types {', '.join(wrong)} are {'x86_64' if arm else 'arm64 (Graviton)'}, but ami_type "
                    f"{ami_type} is {'arm64' if arm else 'x86_64'}: EKS refuses the node group "
                    f"(use an {'x86_64' if arm else 'ARM_64'} AMI type or other instance types)",
                )
        capacity = group.get("capacity_type", "ON_DEMAND")
        if capacity not in CAPACITY_TYPES:
            err(where, f"capacity_type {capacity!r} must be ON_DEMAND or SPOT")
        sizes = {k: group.get(k) for k in ("min_size", "max_size", "desired_size")}
        if sizes["desired_size"] is None:
            sizes["desired_size"] = sizes["min_size"]
        bad = [k for k, value in sizes.items() if _int(value) is None or value < 0]
        if bad:
            err(
                where, f"{', '.join(bad)} must be whole numbers of nodes (got {', '.join(repr(sizes[k]) for k in bad)})"
            )
        elif not sizes["min_size"] <= sizes["desired_size"] <= sizes["max_size"] or sizes["max_size"] < 1:
            err(
                where,
                f"needs min_size <= desired_size <= max_size and max_size >= 1 "
                f"(got {sizes['min_size']}, {sizes['desired_size']}, {sizes['max_size']})",
            )
        elif capacity == "ON_DEMAND":
            on_demand_min += sizes["min_size"]
        disk = group.get("disk_size", 50)
        if _int(disk) is None or not 20 <= disk <= 16384:
            err(where, f"disk_size {disk!r} must be GiB from 20 to 16384")
        labels = group.get("labels", {})
        if not isinstance(labels, dict):
            err(where, f"labels {labels!r} must map Kubernetes label keys to label values (strings)")
            labels = {}
        for key, value in labels.items():
            if not isinstance(key, str) or not LABEL_KEY_RE.match(key):
                err(where, f"label key {key!r} is not a Kubernetes label key ([prefix/]name, name of 1-63 characters)")
            elif not isinstance(value, str) or not LABEL_VALUE_RE.match(value):
                err(
                    where,
                    f"label {key}: value {value!r} must be 1-63 letters, digits and - _ . (alphanumeric at both ends)",
                )
        taints = group.get("taints", [])
        if not isinstance(taints, list):
            err(where, f"taints must be a list of {{key, value, effect}} with effect one of {', '.join(TAINT_EFFECTS)}")
            taints = []
        if len(taints) > 50:
            err(where, f"{len(taints)} taints; EKS takes at most 50 on a node group")
        for taint in taints:
            if not isinstance(taint, dict):
                err(where, f"taint {taint!r} must be a mapping of key, value and effect")
                continue
            if not LABEL_KEY_RE.match(str(taint.get("key", ""))):
                err(where, f"taint key {taint.get('key')!r} is not a Kubernetes label key")
            value = taint.get("value")
            if value not in (None, "") and (not isinstance(value, str) or not LABEL_VALUE_RE.match(value)):
                err(where, f"taint {taint.get('key')}: value {value!r} must be at most 63 letters, digits and - _ .")
            if taint.get("effect") not in TAINT_EFFECTS:
                err(
                    where,
                    f"taint {taint.get('key')}: effect {taint.get('effect')!r} must be one of "
                    f"{', '.join(TAINT_EFFECTS)}",
                )
    if prod and on_demand_min < 3:
        err(
            var,
            f"prod needs at least 3 on-demand nodes across its zones (min_size adds up to {on_demand_min})",
        )


def _service_accounts(accounts, err):
    var = "eks_service_accounts"
    if not isinstance(accounts, list):
        err(var, f"{accounts!r} must be a list of service accounts")
        return
    seen = set()
    for i, sa in enumerate(accounts):
        if not isinstance(sa, dict):
            err(var, f"item {i} must be a mapping")
            continue
        ns, name = sa.get("namespace"), sa.get("name")
        where = f"{var}[{ns}/{name}]"
        for field, value in (("namespace", ns), ("name", name)):
            if not isinstance(value, str) or not DNS_LABEL_RE.match(value):
                err(where, f"{field} {value!r} must be a DNS label (lower-case letters, digits, hyphens; 63 at most)")
        if (ns, name) in seen:
            err(where, "is listed twice")
        seen.add((ns, name))
        policies = sa.get("managed_policies", [])
        if not isinstance(policies, list) or any(not str(p).startswith("arn:") for p in policies):
            err(where, "managed_policies must be a list of IAM policy ARNs")


def eks_irsa_trust(provider_arn, namespace, service_account):
    """The trust policy that lets one Kubernetes service account assume a role (IRSA)."""
    issuer = provider_arn.split(":oidc-provider/", 1)[1]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                        f"{issuer}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def eks_service_account_role(sa, cluster_name, policies=None):
    """The IRSA role entry of a trading service account: <cluster>-<namespace>[-<name>].

    ``policies`` ("<namespace>/<name>" -> policy document, the data_plane role's
    data_plane_service_account_policies) adds the service account's policy as the inline policy data-plane.
    """
    suffix = sa["namespace"] if sa["name"] == sa["namespace"] else f"{sa['namespace']}-{sa['name']}"
    inline = dict(sa.get("inline", {}))
    granted = (policies or {}).get(f"{sa['namespace']}/{sa['name']}")
    if granted:
        inline["data-plane"] = granted
    return {
        "name": f"{cluster_name}-{suffix}",
        "namespace": sa["namespace"],
        "service_account": sa["name"],
        "managed_policies": list(sa.get("managed_policies", [])),
        "inline": inline,
    }


def eks_irsa_roles(roles, provider_arn, cluster_name):
    """The IRSA roles as iam_roles takes them: each assumable by its one service account only."""
    return [
        {
            "name": role["name"],
            "description": f"{cluster_name}: service account {role['namespace']}/{role['service_account']}",
            "assume_role_policy": eks_irsa_trust(provider_arn, role["namespace"], role["service_account"]),
            "managed_policies": list(role.get("managed_policies", [])),
            "inline_policies": dict(role.get("inline", {})),
        }
        for role in roles
    ]


def eks_admin_entries(arns):
    """Access entries giving each principal AmazonEKSClusterAdminPolicy cluster-wide."""
    return [{"principal_arn": arn, "policies": [{"policy": "AmazonEKSClusterAdminPolicy"}]} for arn in arns]


class FilterModule:
    def filters(self):
        return {
            "eks_validation_errors": eks_validation_errors,
            "eks_irsa_trust": eks_irsa_trust,
            "eks_service_account_role": eks_service_account_role,
            "eks_irsa_roles": eks_irsa_roles,
            "eks_admin_entries": eks_admin_entries,
        }
