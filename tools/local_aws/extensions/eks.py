"""EKS, whole: clusters, node groups, updates, add-ons, add-on versions, access entries and tags.

moto 5.2 has clusters and node groups only, without version upgrades, access configuration,
update records, the cluster security group or transitional states. So the local AWS answers every
EKS operation itself, shaped as botocore's model says, using moto's EC2 for the subnets, the launch
templates and the cluster security group, and keeps resources CREATING / UPDATING / DELETING for
the latency model's time (see ``latency.py``).
"""

from __future__ import annotations

import contextlib
import uuid

from moto.ec2.models import ec2_backends

from ..latency import MODEL
from .base import ACCOUNT_ID, Extension, epoch, error

ADDON_CATALOGUE = {
    "vpc-cni": {
        "1.29": ["v1.19.2-eksbuild.1", "v1.18.6-eksbuild.1"],
        "1.30": ["v1.19.2-eksbuild.1", "v1.18.6-eksbuild.1"],
        "1.31": ["v1.19.2-eksbuild.1"],
        "1.32": ["v1.19.2-eksbuild.1"],
        "1.33": ["v1.19.5-eksbuild.3", "v1.19.2-eksbuild.1"],
    },
    "coredns": {
        "1.29": ["v1.11.1-eksbuild.9"],
        "1.30": ["v1.11.3-eksbuild.1", "v1.11.1-eksbuild.9"],
        "1.31": ["v1.11.3-eksbuild.2"],
        "1.32": ["v1.11.4-eksbuild.2"],
        "1.33": ["v1.12.1-eksbuild.2"],
    },
    "kube-proxy": {
        "1.29": ["v1.29.10-eksbuild.3"],
        "1.30": ["v1.30.6-eksbuild.3"],
        "1.31": ["v1.31.3-eksbuild.2"],
        "1.32": ["v1.32.0-eksbuild.2"],
        "1.33": ["v1.33.0-eksbuild.2"],
    },
    "aws-ebs-csi-driver": {
        v: ["v1.44.0-eksbuild.1", "v1.41.0-eksbuild.1"] for v in ("1.29", "1.30", "1.31", "1.32", "1.33")
    },
}
ADDON_TYPES = {
    "vpc-cni": "networking",
    "coredns": "networking",
    "kube-proxy": "networking",
    "aws-ebs-csi-driver": "storage",
}

ACCESS_POLICIES = {
    f"arn:aws:eks::aws:cluster-access-policy/{name}"
    for name in ("AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy")
}


def _addon_versions(name: str) -> list[dict]:
    by_version: dict[str, list[dict]] = {}
    for cluster_version, versions in ADDON_CATALOGUE[name].items():
        for i, version in enumerate(versions):
            by_version.setdefault(version, []).append(
                {"clusterVersion": cluster_version, "platformVersions": ["*"], "defaultVersion": i == 0}
            )
    return [
        {
            "addonVersion": version,
            "architecture": ["amd64", "arm64"],
            "computeTypes": ["ec2"],
            "compatibilities": compat,
            "requiresConfiguration": False,
            "requiresIamPermissions": name in ("vpc-cni", "aws-ebs-csi-driver"),
        }
        for version, compat in sorted(by_version.items(), reverse=True)
    ]


ACCESS_POLICIES = {
    f"arn:aws:eks::aws:cluster-access-policy/{name}"
    for name in ("AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy")
}
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
AUTH_MODES = ("API", "API_AND_CONFIG_MAP", "CONFIG_MAP")
# The caller moto's STS answers for: the "cluster creator" of bootstrapClusterCreatorAdminPermissions.
CREATOR_ARN = f"arn:aws:iam::{ACCOUNT_ID}:user/moto"
TRANSITIONAL = {"create": "CREATING", "update": "UPDATING", "upgrade": "UPDATING", "delete": "DELETING"}


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def _not_found(message: str):
    return error(404, "ResourceNotFoundException", message)


def _invalid(message: str):
    return error(400, "InvalidParameterException", message)


def _in_use(message: str):
    return error(409, "ResourceInUseException", message)


class Eks(Extension):
    def reset(self) -> None:
        with self.lock:
            self.clusters: dict = {}  # (region, name) -> cluster
            self.nodegroups: dict = {}  # (region, cluster, name) -> node group
            self.addons: dict = {}  # (region, cluster, addon) -> addon
            self.entries: dict = {}  # (region, cluster, principal) -> access entry
            self.policies: dict = {}  # (region, cluster, principal) -> {policyArn: association}
            self.updates: dict = {}  # update id -> (latency key, update)
            self.deleting: dict = {}  # latency key -> (store, store key, cleanup or None)

    def routes(self) -> dict:
        ops = [
            "CreateCluster",
            "DescribeCluster",
            "ListClusters",
            "UpdateClusterConfig",
            "UpdateClusterVersion",
            "DeleteCluster",
            "CreateNodegroup",
            "DescribeNodegroup",
            "ListNodegroups",
            "UpdateNodegroupConfig",
            "UpdateNodegroupVersion",
            "DeleteNodegroup",
            "DescribeUpdate",
            "ListUpdates",
            "TagResource",
            "UntagResource",
            "ListTagsForResource",
            "CreateAddon",
            "DescribeAddon",
            "ListAddons",
            "UpdateAddon",
            "DeleteAddon",
            "DescribeAddonVersions",
            "CreateAccessEntry",
            "DescribeAccessEntry",
            "ListAccessEntries",
            "UpdateAccessEntry",
            "DeleteAccessEntry",
            "AssociateAccessPolicy",
            "DisassociateAccessPolicy",
            "ListAssociatedAccessPolicies",
            "ListAccessPolicies",
        ]
        return {("eks", op): self._guarded(getattr(self, "_" + op)) for op in ops}

    def _guarded(self, handler):
        def run(req):
            with self.lock:
                self._settle()
                return handler(req)

        return run

    # -- transitional states --------------------------------------------
    def _settle(self) -> None:
        """Resources whose deletion has run its time go away."""
        for key, (store, store_key, cleanup) in list(self.deleting.items()):
            if MODEL.busy(*key) is None:
                del self.deleting[key]
                store.pop(store_key, None)
                if cleanup:
                    cleanup()

    @staticmethod
    def _status(kind: str, key: str, resource: dict, steady: str = "ACTIVE") -> dict:
        action = MODEL.busy(kind, key)
        resource["status"] = TRANSITIONAL[action] if action else steady
        return resource

    def _remove(self, kind: str, key: str, store: dict, store_key, cleanup=None) -> None:
        MODEL.start(kind, key, "delete")
        if MODEL.busy(kind, key):
            self.deleting[(kind, key)] = (store, store_key, cleanup)
        else:
            store.pop(store_key, None)
            if cleanup:
                cleanup()

    def _record_update(self, kind: str, key: str, update_type: str, params: list, cluster: str, nodegroup=None):
        update = {
            "id": str(uuid.uuid4()),
            "status": "InProgress",
            "type": update_type,
            "params": params,
            "createdAt": epoch(),
            "errors": [],
        }
        self.updates[update["id"]] = ((kind, key), update, cluster, nodegroup)
        return self._update_view(update["id"])

    def _update_view(self, update_id: str) -> dict:
        (kind, key), update, _cluster, _ng = self.updates[update_id]
        return dict(update, status="InProgress" if MODEL.busy(kind, key) else "Successful")

    # -- helpers ---------------------------------------------------------
    def _arn(self, req, kind: str, *parts: str) -> str:
        return f"arn:aws:eks:{req.region}:{ACCOUNT_ID}:{kind}/" + "/".join(parts)

    def _cluster(self, req):
        name = req.path_params.get("name") or req.path_params.get("clusterName")
        cluster = self.clusters.get((req.region, name))
        if cluster is not None:
            self._status("eks-cluster", f"{req.region}/{name}", cluster)
        return cluster, name

    def _active_cluster(self, req):
        cluster, name = self._cluster(req)
        if cluster is None:
            return None, _not_found(f"No cluster found for name: {name}.")
        if cluster["status"] != "ACTIVE":
            return None, error(
                400, "InvalidRequestException", f"Cluster '{name}' is not in ACTIVE status (it is {cluster['status']})"
            )
        return cluster, None

    @staticmethod
    def _ec2(req):
        return ec2_backends[ACCOUNT_ID][req.region]

    @staticmethod
    def _logging(enabled: set) -> dict:
        on = [t for t in LOG_TYPES if t in enabled]
        off = [t for t in LOG_TYPES if t not in enabled]
        return {
            "clusterLogging": [
                e for e in ({"types": on, "enabled": True}, {"types": off, "enabled": False}) if e["types"]
            ]
        }

    @staticmethod
    def _enabled_logs(cluster) -> set:
        return {t for e in cluster["logging"]["clusterLogging"] if e.get("enabled") for t in e["types"]}

    # -- clusters --------------------------------------------------------
    def _CreateCluster(self, req):
        body = req.json()
        name = body.get("name", "")
        if (req.region, name) in self.clusters:
            return _in_use(f"Cluster already exists with name: {name}")
        if not body.get("roleArn", "").startswith("arn:aws:iam::"):
            return _invalid(f"Role arn is not valid: {body.get('roleArn')}")
        vpc_config = body.get("resourcesVpcConfig") or {}
        subnet_ids = vpc_config.get("subnetIds") or []
        try:
            subnets = self._ec2(req).describe_subnets(subnet_ids=subnet_ids) if subnet_ids else []
        except Exception:  # moto's not-found error
            return _invalid(f"One or more subnets were not found: {subnet_ids}")
        if len({s.availability_zone for s in subnets}) < 2:
            return _invalid("Subnets specified must be in at least two different AZs")
        version = body.get("version") or max(ADDON_CATALOGUE["kube-proxy"], key=_minor)
        if version not in ADDON_CATALOGUE["kube-proxy"]:
            return _invalid(f"unsupported Kubernetes version {version}")
        for entry in body.get("encryptionConfig") or []:
            if not entry.get("provider", {}).get("keyArn", "").startswith("arn:aws:kms:"):
                return _invalid("encryptionConfig provider keyArn must be a KMS key ARN")
        access = body.get("accessConfig") or {}
        mode = access.get("authenticationMode", "CONFIG_MAP")
        if mode not in AUTH_MODES:
            return _invalid(f"authenticationMode {mode} is not valid")
        vpc_id = subnets[0].vpc_id
        sg_suffix = uuid.uuid4().hex[:10]
        cluster_sg = self._ec2(req).create_security_group(
            name=f"eks-cluster-sg-{name}-{sg_suffix}",
            description="EKS created security group applied to ENI that is attached to EKS Control Plane master "
            "nodes, as well as any managed workloads.",
            vpc_id=vpc_id,
            tags={"aws:eks:cluster-name": name, f"kubernetes.io/cluster/{name}": "owned"},
        )
        public = vpc_config.get("endpointPublicAccess", True)
        enabled_logs = {
            t for e in (body.get("logging") or {}).get("clusterLogging", []) if e.get("enabled") for t in e["types"]
        }
        oidc_id = uuid.uuid4().hex.upper()
        cluster = {
            "name": name,
            "arn": self._arn(req, "cluster", name),
            "createdAt": epoch(),
            "version": version,
            "endpoint": f"https://{oidc_id}.gr7.{req.region}.eks.amazonaws.com",
            "roleArn": body["roleArn"],
            "resourcesVpcConfig": {
                "subnetIds": subnet_ids,
                "securityGroupIds": vpc_config.get("securityGroupIds", []),
                "clusterSecurityGroupId": cluster_sg.id,
                "vpcId": vpc_id,
                "endpointPublicAccess": public,
                "endpointPrivateAccess": vpc_config.get("endpointPrivateAccess", False),
                "publicAccessCidrs": vpc_config.get("publicAccessCidrs", ["0.0.0.0/0"]) if public else [],
            },
            "kubernetesNetworkConfig": {
                "serviceIpv4Cidr": (body.get("kubernetesNetworkConfig") or {}).get("serviceIpv4Cidr", "172.20.0.0/16"),
                "ipFamily": "ipv4",
            },
            "logging": self._logging(enabled_logs),
            "identity": {"oidc": {"issuer": f"https://oidc.eks.{req.region}.amazonaws.com/id/{oidc_id}"}},
            "status": "CREATING",
            "certificateAuthority": {"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="},
            "platformVersion": "eks.1",
            "tags": body.get("tags") or {},
            "encryptionConfig": body.get("encryptionConfig") or [],
            "accessConfig": {
                "bootstrapClusterCreatorAdminPermissions": access.get("bootstrapClusterCreatorAdminPermissions", True),
                "authenticationMode": mode,
            },
            "upgradePolicy": body.get("upgradePolicy") or {"supportType": "EXTENDED"},
        }
        self.clusters[(req.region, name)] = cluster
        if mode != "CONFIG_MAP" and cluster["accessConfig"]["bootstrapClusterCreatorAdminPermissions"]:
            self._add_entry(req, name, CREATOR_ARN, "STANDARD", [], {})
            self.policies[(req.region, name, CREATOR_ARN)] = {
                p: {"policyArn": p, "accessScope": {"type": "cluster"}, "associatedAt": epoch(), "modifiedAt": epoch()}
                for p in ACCESS_POLICIES
                if p.endswith("/AmazonEKSClusterAdminPolicy")
            }
        MODEL.start("eks-cluster", f"{req.region}/{name}", "create")
        return 200, {"cluster": self._status("eks-cluster", f"{req.region}/{name}", cluster)}

    def _DescribeCluster(self, req):
        cluster, name = self._cluster(req)
        if cluster is None:
            return _not_found(f"No cluster found for name: {name}.")
        return 200, {"cluster": cluster}

    def _ListClusters(self, req):
        return 200, {"clusters": sorted(n for (r, n) in self.clusters if r == req.region)}

    def _UpdateClusterConfig(self, req):
        cluster, err = self._active_cluster(req)
        if err:
            return err
        body = req.json()
        kinds = [k for k in ("resourcesVpcConfig", "logging", "accessConfig", "upgradePolicy") if body.get(k)]
        if len(kinds) != 1:
            return _invalid("Only one type of update can be allowed (logging, endpoint access, access config, ...)")
        params = []
        if body.get("logging"):
            enabled = self._enabled_logs(cluster)
            for entry in body["logging"].get("clusterLogging", []):
                for log_type in entry["types"]:
                    if log_type not in LOG_TYPES:
                        return _invalid(f"unknown log type {log_type}")
                    (enabled.add if entry.get("enabled") else enabled.discard)(log_type)
            if enabled == self._enabled_logs(cluster):
                return _invalid("No changes needed for the logging config provided")
            cluster["logging"] = self._logging(enabled)
            params = [{"type": "ClusterLogging", "value": str(cluster["logging"]["clusterLogging"])}]
            update_type = "LoggingUpdate"
        elif body.get("resourcesVpcConfig"):
            vpc = cluster["resourcesVpcConfig"]
            wanted = body["resourcesVpcConfig"]
            for field in ("endpointPublicAccess", "endpointPrivateAccess", "publicAccessCidrs", "securityGroupIds"):
                if field in wanted:
                    vpc[field] = wanted[field]
                    params.append({"type": field[0].upper() + field[1:], "value": str(wanted[field])})
            if not vpc["endpointPublicAccess"]:
                vpc["publicAccessCidrs"] = []
            if not (vpc["endpointPublicAccess"] or vpc["endpointPrivateAccess"]):
                return _invalid("The cluster must have a public or a private endpoint")
            update_type = "EndpointAccessUpdate"
        elif body.get("accessConfig"):
            mode = body["accessConfig"].get("authenticationMode")
            current = cluster["accessConfig"]["authenticationMode"]
            allowed = {"CONFIG_MAP": ("API_AND_CONFIG_MAP",), "API_AND_CONFIG_MAP": ("API",), "API": ()}
            if mode not in allowed[current]:
                return _invalid(f"Unsupported authentication mode update from {current} to {mode}")
            cluster["accessConfig"]["authenticationMode"] = mode
            params = [{"type": "AuthenticationMode", "value": mode}]
            update_type = "AccessConfigUpdate"
        else:
            cluster["upgradePolicy"] = body["upgradePolicy"]
            params = [{"type": "UpgradePolicySupportType", "value": body["upgradePolicy"].get("supportType", "")}]
            update_type = "UpgradePolicyUpdate"
        key = f"{req.region}/{cluster['name']}"
        MODEL.start("eks-cluster", key, "update")
        return 200, {"update": self._record_update("eks-cluster", key, update_type, params, cluster["name"])}

    def _UpdateClusterVersion(self, req):
        cluster, err = self._active_cluster(req)
        if err:
            return err
        version = req.json().get("version", "")
        if version not in ADDON_CATALOGUE["kube-proxy"]:
            return _invalid(f"unsupported Kubernetes version {version}")
        have, want = _minor(cluster["version"]), _minor(version)
        if want[0] != have[0] or want[1] != have[1] + 1:
            return _invalid(f"Unsupported Kubernetes minor version update from {cluster['version']} to {version}")
        older = [
            ng["nodegroupName"]
            for (r, c, _n), ng in self.nodegroups.items()
            if r == req.region and c == cluster["name"] and _minor(ng["version"]) < have
        ]
        if older:
            return _invalid(
                f"Nodegroups {', '.join(older)} must be updated to match cluster version {cluster['version']} "
                "before updating cluster version"
            )
        cluster["version"] = version
        cluster["platformVersion"] = "eks.1"
        key = f"{req.region}/{cluster['name']}"
        MODEL.start("eks-cluster", key, "upgrade")
        update = self._record_update(
            "eks-cluster",
            key,
            "VersionUpdate",
            [{"type": "Version", "value": version}, {"type": "PlatformVersion", "value": "eks.1"}],
            cluster["name"],
        )
        return 200, {"update": update}

    def _DeleteCluster(self, req):
        cluster, name = self._cluster(req)
        if cluster is None:
            return _not_found(f"No cluster found for name: {name}.")
        groups = sorted(n for (r, c, n) in self.nodegroups if r == req.region and c == name)
        if groups:
            return _in_use(f"Cluster has nodegroups attached: {', '.join(groups)}")
        if cluster["status"] == "DELETING":
            return 200, {"cluster": cluster}
        region = req.region
        sg_id = cluster["resourcesVpcConfig"]["clusterSecurityGroupId"]
        ec2 = self._ec2(req)

        def cleanup():
            for store in (self.addons, self.entries, self.policies):
                for key in [k for k in store if k[0] == region and k[1] == name]:
                    del store[key]
            with contextlib.suppress(Exception):  # already gone
                ec2.delete_security_group(group_id=sg_id)

        key = f"{region}/{name}"
        self._remove("eks-cluster", key, self.clusters, (region, name), cleanup)
        return 200, {"cluster": dict(cluster, status="DELETING")}

    # -- node groups -----------------------------------------------------
    def _nodegroup(self, req):
        _cluster, cname = self._cluster(req)
        name = req.path_params.get("nodegroupName")
        group = self.nodegroups.get((req.region, cname, name))
        if group is not None:
            self._status("eks-nodegroup", f"{req.region}/{cname}/{name}", group)
        return group, cname, name

    def _launch_template(self, req, spec: dict):
        ec2 = self._ec2(req)
        try:
            if spec.get("id"):
                template = ec2.get_launch_template(spec["id"])
            else:
                template = ec2.get_launch_template_by_name(spec.get("name", ""))
        except Exception:  # moto's not-found error
            return None, _invalid(f"Launch template {spec.get('id') or spec.get('name')} does not exist")
        version = str(spec.get("version") or template.default_version_number)
        if not version.isdigit() or not 1 <= int(version) <= len(template.versions):
            return None, _invalid(f"Launch template version {version} does not exist")
        return {"name": template.name, "version": version, "id": template.id}, None

    def _CreateNodegroup(self, req):
        cluster, err = self._active_cluster(req)
        if err:
            return err
        body = req.json()
        name = body.get("nodegroupName", "")
        key = (req.region, cluster["name"], name)
        if key in self.nodegroups:
            return _in_use(f"NodeGroup already exists with name {name} and cluster name {cluster['name']}")
        if not body.get("nodeRole", "").startswith("arn:aws:iam::"):
            return _invalid(f"nodeRole is not valid: {body.get('nodeRole')}")
        scaling = dict({"minSize": 1, "maxSize": 2, "desiredSize": 2}, **(body.get("scalingConfig") or {}))
        if not scaling["minSize"] <= scaling["desiredSize"] <= scaling["maxSize"] or scaling["maxSize"] < 1:
            return _invalid(f"Invalid scaling configuration {scaling}: need minSize <= desiredSize <= maxSize")
        template = None
        if body.get("launchTemplate"):
            if body.get("diskSize") or body.get("remoteAccess"):
                return _invalid("Disk size and remote access must be specified within the launch template.")
            template, err = self._launch_template(req, body["launchTemplate"])
            if err:
                return err
        version = body.get("version") or cluster["version"]
        if version != cluster["version"]:
            return _invalid(f"Nodegroup version {version} must match the cluster version {cluster['version']}")
        uid = str(uuid.uuid4())
        group = {
            "nodegroupName": name,
            "nodegroupArn": self._arn(req, "nodegroup", cluster["name"], name, uid),
            "clusterName": cluster["name"],
            "version": version,
            "releaseVersion": f"{version}.0-20261101",
            "createdAt": epoch(),
            "modifiedAt": epoch(),
            "status": "CREATING",
            "capacityType": body.get("capacityType", "ON_DEMAND"),
            "scalingConfig": scaling,
            "instanceTypes": body.get("instanceTypes") or ["t3.medium"],
            "subnets": body.get("subnets") or [],
            "amiType": body.get("amiType", "AL2023_x86_64_STANDARD"),
            "nodeRole": body["nodeRole"],
            "labels": body.get("labels") or {},
            "taints": body.get("taints") or [],
            "resources": {"autoScalingGroups": [{"name": f"eks-{name}-{uid}"}]},
            "health": {"issues": []},
            "updateConfig": body.get("updateConfig") or {"maxUnavailable": 1},
            "tags": body.get("tags") or {},
        }
        if template:
            group["launchTemplate"] = template
        else:
            group["diskSize"] = body.get("diskSize", 20)
        self.nodegroups[key] = group
        if cluster["accessConfig"]["authenticationMode"] != "CONFIG_MAP":
            entry_key = (req.region, cluster["name"], body["nodeRole"])
            if entry_key not in self.entries:  # EKS gives a managed node group's role its access entry
                self._add_entry(req, cluster["name"], body["nodeRole"], "EC2_LINUX", ["system:nodes"], {})
        lkey = f"{req.region}/{cluster['name']}/{name}"
        MODEL.start("eks-nodegroup", lkey, "create")
        return 200, {"nodegroup": self._status("eks-nodegroup", lkey, group)}

    def _DescribeNodegroup(self, req):
        group, _cname, name = self._nodegroup(req)
        if group is None:
            return _not_found(f"No node group found for name: {name}.")
        return 200, {"nodegroup": group}

    def _ListNodegroups(self, req):
        cluster, cname = self._cluster(req)
        if cluster is None:
            return _not_found(f"No cluster found for name: {cname}.")
        return 200, {"nodegroups": sorted(n for (r, c, n) in self.nodegroups if r == req.region and c == cname)}

    def _busy_nodegroup(self, req):
        group, cname, name = self._nodegroup(req)
        if group is None:
            return None, None, _not_found(f"No node group found for name: {name}.")
        if group["status"] != "ACTIVE":
            return None, None, _in_use(f"Nodegroup {name} is currently {group['status']}")
        return group, f"{req.region}/{cname}/{name}", None

    def _UpdateNodegroupConfig(self, req):
        group, lkey, err = self._busy_nodegroup(req)
        if err:
            return err
        body = req.json()
        params = []
        if body.get("scalingConfig"):
            scaling = dict(group["scalingConfig"], **body["scalingConfig"])
            if not scaling["minSize"] <= scaling["desiredSize"] <= scaling["maxSize"]:
                return _invalid(f"Invalid scaling configuration {scaling}: need minSize <= desiredSize <= maxSize")
            group["scalingConfig"] = scaling
            params += [{"type": k[0].upper() + k[1:], "value": str(v)} for k, v in body["scalingConfig"].items()]
        labels = body.get("labels") or {}
        group["labels"].update(labels.get("addOrUpdateLabels") or {})
        for label in labels.get("removeLabels") or []:
            group["labels"].pop(label, None)
        if labels:
            params.append({"type": "LabelsToAdd", "value": str(labels.get("addOrUpdateLabels") or {})})
        taints = body.get("taints") or {}
        for taint in (taints.get("addOrUpdateTaints") or []) + (taints.get("removeTaints") or []):
            group["taints"] = [t for t in group["taints"] if (t["key"], t["effect"]) != (taint["key"], taint["effect"])]
        group["taints"] += taints.get("addOrUpdateTaints") or []
        if taints:
            params.append({"type": "TaintsToAdd", "value": str(taints.get("addOrUpdateTaints") or [])})
        if body.get("updateConfig"):
            group["updateConfig"] = body["updateConfig"]
            params.append({"type": "MaxUnavailable", "value": str(body["updateConfig"])})
        if not params:
            return _invalid("No changes needed for the nodegroup config provided")
        group["modifiedAt"] = epoch()
        MODEL.start("eks-nodegroup", lkey, "update")
        return 200, {
            "update": self._record_update(
                "eks-nodegroup", lkey, "ConfigUpdate", params, group["clusterName"], group["nodegroupName"]
            )
        }

    def _UpdateNodegroupVersion(self, req):
        group, lkey, err = self._busy_nodegroup(req)
        if err:
            return err
        cluster = self.clusters[(req.region, group["clusterName"])]
        body = req.json()
        params = []
        if body.get("launchTemplate"):
            if "launchTemplate" not in group:
                return _invalid("The nodegroup was not created with a launch template")
            template, err = self._launch_template(req, body["launchTemplate"])
            if err:
                return err
            if template["id"] != group["launchTemplate"]["id"]:
                return _invalid("A nodegroup cannot change to another launch template")
            group["launchTemplate"] = template
            params.append({"type": "LaunchTemplateVersion", "value": template["version"]})
        version = body.get("version")
        if version or not params:
            version = version or cluster["version"]
            if _minor(version) > _minor(cluster["version"]) or _minor(version) < _minor(group["version"]):
                return _invalid(
                    f"Requested Nodegroup release version {version} is invalid for cluster version {cluster['version']}"
                )
            group["version"] = version
            group["releaseVersion"] = f"{version}.0-20261101"
            params.append({"type": "Version", "value": version})
        group["modifiedAt"] = epoch()
        MODEL.start("eks-nodegroup", lkey, "upgrade")
        return 200, {
            "update": self._record_update(
                "eks-nodegroup", lkey, "VersionUpdate", params, group["clusterName"], group["nodegroupName"]
            )
        }

    def _DeleteNodegroup(self, req):
        group, cname, name = self._nodegroup(req)
        if group is None:
            return _not_found(f"No node group found for name: {name}.")
        if group["status"] != "DELETING":
            self._remove("eks-nodegroup", f"{req.region}/{cname}/{name}", self.nodegroups, (req.region, cname, name))
        return 200, {"nodegroup": dict(group, status="DELETING")}

    # -- updates and tags ------------------------------------------------
    def _DescribeUpdate(self, req):
        update_id = req.path_params.get("updateId")
        if update_id not in self.updates:
            return _not_found(f"No update found for ID: {update_id}")
        return 200, {"update": self._update_view(update_id)}

    def _ListUpdates(self, req):
        _cluster, cname = self._cluster(req)
        nodegroup = req.query_params().get("nodegroupName")
        ids = [i for i, (_k, _u, c, ng) in self.updates.items() if c == cname and ng == nodegroup]
        return 200, {"updateIds": ids}

    def _tagged(self, arn: str):
        for store, field in (
            (self.clusters, "arn"),
            (self.nodegroups, "nodegroupArn"),
            (self.addons, "addonArn"),
            (self.entries, "accessEntryArn"),
        ):
            for resource in store.values():
                if resource.get(field) == arn:
                    return resource
        return None

    def _TagResource(self, req):
        resource = self._tagged(req.path_params.get("resourceArn"))
        if resource is None:
            return _not_found(f"Resource {req.path_params.get('resourceArn')} not found")
        resource["tags"].update(req.json().get("tags") or {})
        return 200, {}

    def _UntagResource(self, req):
        resource = self._tagged(req.path_params.get("resourceArn"))
        if resource is None:
            return _not_found(f"Resource {req.path_params.get('resourceArn')} not found")
        keys = req.query_params().get("tagKeys", [])
        for k in [keys] if isinstance(keys, str) else keys:
            resource["tags"].pop(k, None)
        return 200, {}

    def _ListTagsForResource(self, req):
        resource = self._tagged(req.path_params.get("resourceArn"))
        if resource is None:
            return _not_found(f"Resource {req.path_params.get('resourceArn')} not found")
        return 200, {"tags": resource["tags"]}

    # -- add-ons ---------------------------------------------------------
    def _DescribeAddonVersions(self, req):
        q = req.query_params()
        names = [q["addonName"]] if q.get("addonName") else sorted(ADDON_CATALOGUE)
        out = []
        for name in names:
            if name not in ADDON_CATALOGUE:
                continue
            versions = _addon_versions(name)
            if q.get("kubernetesVersion"):
                versions = [
                    v
                    for v in versions
                    if any(c["clusterVersion"] == q["kubernetesVersion"] for c in v["compatibilities"])
                ]
            out.append(
                {
                    "addonName": name,
                    "type": ADDON_TYPES[name],
                    "addonVersions": versions,
                    "publisher": "eks",
                    "owner": "aws",
                }
            )
        return 200, {"addons": out}

    @staticmethod
    def _compatible(name: str, version: str, cluster_version: str) -> bool:
        return version in ADDON_CATALOGUE[name].get(cluster_version, [])

    def _CreateAddon(self, req):
        cluster, err = self._active_cluster(req)
        if err:
            return err
        cname = cluster["name"]
        body = req.json()
        name = body.get("addonName")
        if name not in ADDON_CATALOGUE:
            return _invalid(f"Addon {name} specified is not supported")
        version = body.get("addonVersion") or ADDON_CATALOGUE[name].get(cluster["version"], [None])[0]
        if not self._compatible(name, version, cluster["version"]):
            return _invalid(
                f"Addon version specified is not supported for cluster version {cluster['version']}, "
                f"addon name {name}, version {version}"
            )
        key = (req.region, cname, name)
        if key in self.addons:
            return _in_use(f"Addon already exists: {name}")
        addon = {
            "addonName": name,
            "clusterName": cname,
            "status": "CREATING",
            "addonVersion": version,
            "health": {"issues": []},
            "addonArn": self._arn(req, "addon", cname, name, uuid.uuid4().hex[:36]),
            "createdAt": epoch(),
            "modifiedAt": epoch(),
            "tags": body.get("tags") or {},
        }
        for opt in ("serviceAccountRoleArn", "configurationValues"):
            if body.get(opt):
                addon[opt] = body[opt]
        self.addons[key] = addon
        lkey = f"{req.region}/{cname}/{name}"
        MODEL.start("eks-addon", lkey, "create")
        return 200, {"addon": self._status("eks-addon", lkey, addon)}

    def _get_addon(self, req):
        _cluster, cname = self._cluster(req)
        name = req.path_params.get("addonName")
        addon = self.addons.get((req.region, cname, name))
        if addon is not None:
            self._status("eks-addon", f"{req.region}/{cname}/{name}", addon)
        return addon, cname

    def _DescribeAddon(self, req):
        addon, cname = self._get_addon(req)
        if addon is None:
            return _not_found(f"No addon: {req.path_params.get('addonName')} found in cluster: {cname}")
        return 200, {"addon": addon}

    def _ListAddons(self, req):
        cluster, cname = self._cluster(req)
        if cluster is None:
            return _not_found(f"No cluster found for name: {cname}.")
        return 200, {"addons": sorted(n for (r, c, n) in self.addons if r == req.region and c == cname)}

    def _UpdateAddon(self, req):
        addon, cname = self._get_addon(req)
        if addon is None:
            return _not_found("No addon found")
        if addon["status"] != "ACTIVE":
            return _in_use(f"Addon {addon['addonName']} is currently {addon['status']}")
        body = req.json()
        cluster = self.clusters[(req.region, cname)]
        if body.get("addonVersion") and not self._compatible(
            addon["addonName"], body["addonVersion"], cluster["version"]
        ):
            return _invalid(
                f"Addon version specified is not supported for cluster version {cluster['version']}, "
                f"addon name {addon['addonName']}, version {body['addonVersion']}"
            )
        params = []
        for opt, kind in (
            ("addonVersion", "AddonVersion"),
            ("serviceAccountRoleArn", "ServiceAccountRoleArn"),
            ("configurationValues", "ConfigurationValues"),
        ):
            if opt in body and body[opt] != addon.get(opt):
                if body[opt] in ("", None):
                    addon.pop(opt, None)
                else:
                    addon[opt] = body[opt]
                params.append({"type": kind, "value": str(body[opt])})
        if body.get("resolveConflicts"):
            params.append({"type": "ResolveConflicts", "value": body["resolveConflicts"]})
        addon["modifiedAt"] = epoch()
        lkey = f"{req.region}/{cname}/{addon['addonName']}"
        MODEL.start("eks-addon", lkey, "update")
        return 200, {"update": self._record_update("eks-addon", lkey, "AddonUpdate", params, cname)}

    def _DeleteAddon(self, req):
        addon, cname = self._get_addon(req)
        if addon is None:
            return _not_found("No addon found")
        if addon["status"] != "DELETING":
            lkey = f"{req.region}/{cname}/{addon['addonName']}"
            self._remove("eks-addon", lkey, self.addons, (req.region, cname, addon["addonName"]))
        return 200, {"addon": dict(addon, status="DELETING")}

    # -- access entries --------------------------------------------------
    def _add_entry(self, req, cname: str, principal: str, entry_type: str, groups: list, tags: dict) -> dict:
        entry = {
            "clusterName": cname,
            "principalArn": principal,
            "kubernetesGroups": groups,
            "accessEntryArn": self._arn(
                req, "access-entry", cname, "role", ACCOUNT_ID, principal.rsplit("/", 1)[-1], uuid.uuid4().hex[:36]
            ),
            "createdAt": epoch(),
            "modifiedAt": epoch(),
            "tags": tags,
            "username": principal if entry_type == "STANDARD" else "system:node:{{EC2PrivateDNSName}}",
            "type": entry_type,
        }
        self.entries[(req.region, cname, principal)] = entry
        return entry

    def _CreateAccessEntry(self, req):
        cluster, cname = self._cluster(req)
        if cluster is None:
            return _not_found(f"No cluster found for name: {cname}.")
        if cluster["accessConfig"]["authenticationMode"] == "CONFIG_MAP":
            return error(
                400,
                "InvalidRequestException",
                "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] "
                "to perform this operation.",
            )
        body = req.json()
        principal = body.get("principalArn", "")
        if not principal.startswith("arn:aws:iam::"):
            return _invalid(f"The principalArn parameter format is not valid: {principal}")
        if (req.region, cname, principal) in self.entries:
            return _in_use("The specified access entry resource is already in use on this cluster.")
        entry = self._add_entry(
            req,
            cname,
            principal,
            body.get("type", "STANDARD"),
            body.get("kubernetesGroups") or [],
            body.get("tags") or {},
        )
        if body.get("username"):
            entry["username"] = body["username"]
        return 200, {"accessEntry": entry}

    def _entry(self, req):
        _cluster, cname = self._cluster(req)
        key = (req.region, cname, req.path_params.get("principalArn"))
        return self.entries.get(key), key

    def _DescribeAccessEntry(self, req):
        entry, key = self._entry(req)
        if entry is None:
            return _not_found(f"The specified principalArn could not be found: {key[2]}")
        return 200, {"accessEntry": entry}

    def _ListAccessEntries(self, req):
        cluster, cname = self._cluster(req)
        if cluster is None:
            return _not_found(f"No cluster found for name: {cname}.")
        return 200, {"accessEntries": sorted(p for (r, c, p) in self.entries if r == req.region and c == cname)}

    def _UpdateAccessEntry(self, req):
        entry, key = self._entry(req)
        if entry is None:
            return _not_found(f"The specified principalArn could not be found: {key[2]}")
        body = req.json()
        for opt in ("kubernetesGroups", "username"):
            if opt in body:
                entry[opt] = body[opt]
        entry["modifiedAt"] = epoch()
        return 200, {"accessEntry": entry}

    def _DeleteAccessEntry(self, req):
        entry, key = self._entry(req)
        if entry is None:
            return _not_found(f"The specified principalArn could not be found: {key[2]}")
        self.entries.pop(key, None)
        self.policies.pop(key, None)
        return 200, {}

    def _AssociateAccessPolicy(self, req):
        entry, key = self._entry(req)
        if entry is None:
            return _not_found(f"The specified principalArn could not be found: {key[2]}")
        body = req.json()
        policy = body.get("policyArn")
        if policy not in ACCESS_POLICIES:
            return _invalid(f"The policyArn is not valid: {policy}")
        scope = body.get("accessScope") or {"type": "cluster"}
        if scope.get("type") not in ("cluster", "namespace") or (scope["type"] == "namespace") != bool(
            scope.get("namespaces")
        ):
            return _invalid(f"accessScope is not valid: {scope}")
        assoc = {"policyArn": policy, "accessScope": scope, "associatedAt": epoch(), "modifiedAt": epoch()}
        self.policies.setdefault(key, {})[policy] = assoc
        return 200, {"clusterName": key[1], "principalArn": key[2], "associatedAccessPolicy": assoc}

    def _DisassociateAccessPolicy(self, req):
        _entry, key = self._entry(req)
        policy = req.path_params.get("policyArn")
        if policy not in self.policies.get(key, {}):
            return _not_found(f"Policy {policy} is not associated")
        del self.policies[key][policy]
        return 200, {}

    def _ListAssociatedAccessPolicies(self, req):
        entry, key = self._entry(req)
        if entry is None:
            return _not_found(f"The specified principalArn could not be found: {key[2]}")
        return 200, {
            "clusterName": key[1],
            "principalArn": key[2],
            "associatedAccessPolicies": list(self.policies.get(key, {}).values()),
        }

    def _ListAccessPolicies(self, req):
        return 200, {"accessPolicies": [{"name": a.rsplit("/", 1)[-1], "arn": a} for a in sorted(ACCESS_POLICIES)]}
