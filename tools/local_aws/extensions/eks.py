"""EKS add-ons, add-on versions and access entries (moto 5.2 has clusters and node groups only)."""

from __future__ import annotations

import uuid

from moto.eks.models import eks_backends

from .base import ACCOUNT_ID, Extension, epoch, error

# Add-on versions the emulator offers, per Kubernetes minor version: (version, default?).
# Shaped like AWS's catalogue; the eks role pins its own table and tests that they agree.
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


class EksAddonsAndAccess(Extension):
    def reset(self) -> None:
        with self.lock:
            self.addons: dict = {}  # (region, cluster, addon) -> addon
            self.entries: dict = {}  # (region, cluster, principal) -> access entry
            self.policies: dict = {}  # (region, cluster, principal) -> {policyArn: association}

    def routes(self) -> dict:
        ops = [
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
        return {("eks", op): getattr(self, "_" + op) for op in ops}

    # -- helpers ---------------------------------------------------------
    @staticmethod
    def _cluster(req):
        name = req.path_params.get("name") or req.path_params.get("clusterName")
        return eks_backends[ACCOUNT_ID][req.region].clusters.get(name), name

    def _arn(self, req, kind: str, *parts: str) -> str:
        return f"arn:aws:eks:{req.region}:{ACCOUNT_ID}:{kind}/" + "/".join(parts)

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

    def _CreateAddon(self, req):
        cluster, cname = self._cluster(req)
        if cluster is None:
            return error(404, "ResourceNotFoundException", f"No cluster found for name: {cname}.")
        body = req.json()
        name = body.get("addonName")
        if name not in ADDON_CATALOGUE:
            return error(400, "InvalidParameterException", f"Addon {name} specified is not supported")
        version = body.get("addonVersion") or ADDON_CATALOGUE[name].get(cluster.version, [None])[0]
        known = {v["addonVersion"] for v in _addon_versions(name)}
        if version not in known:
            return error(
                400,
                "InvalidParameterException",
                f"Addon version specified is not supported, addon name {name}, version {version}",
            )
        key = (req.region, cname, name)
        with self.lock:
            if key in self.addons:
                return error(409, "ResourceInUseException", f"Addon already exists: {name}")
            addon = {
                "addonName": name,
                "clusterName": cname,
                "status": "ACTIVE",
                "addonVersion": version,
                "health": {"issues": []},
                "addonArn": self._arn(req, "addon", cname, name, uuid.uuid4().hex[:36]),
                "createdAt": epoch(),
                "modifiedAt": epoch(),
                "tags": body.get("tags", {}),
            }
            for opt in ("serviceAccountRoleArn", "configurationValues"):
                if body.get(opt):
                    addon[opt] = body[opt]
            self.addons[key] = addon
        return 200, {"addon": addon}

    def _get_addon(self, req):
        _cluster, cname = self._cluster(req)
        return self.addons.get((req.region, cname, req.path_params.get("addonName"))), cname

    def _DescribeAddon(self, req):
        addon, cname = self._get_addon(req)
        if addon is None:
            return error(
                404,
                "ResourceNotFoundException",
                f"No addon: {req.path_params.get('addonName')} found in cluster: {cname}",
            )
        return 200, {"addon": addon}

    def _ListAddons(self, req):
        cluster, cname = self._cluster(req)
        if cluster is None:
            return error(404, "ResourceNotFoundException", f"No cluster found for name: {cname}.")
        names = sorted(n for (r, c, n) in self.addons if r == req.region and c == cname)
        return 200, {"addons": names}

    def _UpdateAddon(self, req):
        addon, _cname = self._get_addon(req)
        if addon is None:
            return error(404, "ResourceNotFoundException", "No addon found")
        body = req.json()
        params = []
        with self.lock:
            for opt in ("addonVersion", "serviceAccountRoleArn", "configurationValues"):
                if opt in body and body[opt] != addon.get(opt):
                    addon[opt] = body[opt]
                    params.append(
                        {
                            "type": {
                                "addonVersion": "AddonVersion",
                                "serviceAccountRoleArn": "ServiceAccountRoleArn",
                                "configurationValues": "ConfigurationValues",
                            }[opt],
                            "value": str(body[opt]),
                        }
                    )
            addon["modifiedAt"] = epoch()
        return 200, {
            "update": {
                "id": str(uuid.uuid4()),
                "status": "Successful",
                "type": "AddonUpdate",
                "params": params,
                "createdAt": epoch(),
                "errors": [],
            }
        }

    def _DeleteAddon(self, req):
        addon, _cname = self._get_addon(req)
        if addon is None:
            return error(404, "ResourceNotFoundException", "No addon found")
        with self.lock:
            self.addons.pop((req.region, addon["clusterName"], addon["addonName"]), None)
        return 200, {"addon": dict(addon, status="DELETING")}

    # -- access entries --------------------------------------------------
    def _CreateAccessEntry(self, req):
        cluster, cname = self._cluster(req)
        if cluster is None:
            return error(404, "ResourceNotFoundException", f"No cluster found for name: {cname}.")
        body = req.json()
        principal = body.get("principalArn", "")
        if not principal.startswith("arn:aws:iam::"):
            return error(
                400, "InvalidParameterException", f"The principalArn parameter format is not valid: {principal}"
            )
        key = (req.region, cname, principal)
        with self.lock:
            if key in self.entries:
                return error(
                    409,
                    "ResourceInUseException",
                    "The specified access entry resource is already in use on this cluster.",
                )
            entry = {
                "clusterName": cname,
                "principalArn": principal,
                "kubernetesGroups": body.get("kubernetesGroups", []),
                "accessEntryArn": self._arn(
                    req, "access-entry", cname, "role", ACCOUNT_ID, principal.rsplit("/", 1)[-1], uuid.uuid4().hex[:36]
                ),
                "createdAt": epoch(),
                "modifiedAt": epoch(),
                "tags": body.get("tags", {}),
                "username": body.get("username") or principal,
                "type": body.get("type", "STANDARD"),
            }
            self.entries[key] = entry
        return 200, {"accessEntry": entry}

    def _entry(self, req):
        _cluster, cname = self._cluster(req)
        key = (req.region, cname, req.path_params.get("principalArn"))
        return self.entries.get(key), key

    def _DescribeAccessEntry(self, req):
        entry, key = self._entry(req)
        if entry is None:
            return error(404, "ResourceNotFoundException", f"The specified principalArn could not be found: {key[2]}")
        return 200, {"accessEntry": entry}

    def _ListAccessEntries(self, req):
        cluster, cname = self._cluster(req)
        if cluster is None:
            return error(404, "ResourceNotFoundException", f"No cluster found for name: {cname}.")
        return 200, {"accessEntries": sorted(p for (r, c, p) in self.entries if r == req.region and c == cname)}

    def _UpdateAccessEntry(self, req):
        entry, key = self._entry(req)
        if entry is None:
            return error(404, "ResourceNotFoundException", f"The specified principalArn could not be found: {key[2]}")
        body = req.json()
        with self.lock:
            for opt in ("kubernetesGroups", "username"):
                if opt in body:
                    entry[opt] = body[opt]
            entry["modifiedAt"] = epoch()
        return 200, {"accessEntry": entry}

    def _DeleteAccessEntry(self, req):
        entry, key = self._entry(req)
        if entry is None:
            return error(404, "ResourceNotFoundException", f"The specified principalArn could not be found: {key[2]}")
        with self.lock:
            self.entries.pop(key, None)
            self.policies.pop(key, None)
        return 200, {}

    def _AssociateAccessPolicy(self, req):
        entry, key = self._entry(req)
        if entry is None:
            return error(404, "ResourceNotFoundException", f"The specified principalArn could not be found: {key[2]}")
        body = req.json()
        policy = body.get("policyArn")
        if policy not in ACCESS_POLICIES:
            return error(400, "InvalidParameterException", f"The policyArn is not valid: {policy}")
        with self.lock:
            assoc = {
                "policyArn": policy,
                "accessScope": body.get("accessScope", {"type": "cluster"}),
                "associatedAt": epoch(),
                "modifiedAt": epoch(),
            }
            self.policies.setdefault(key, {})[policy] = assoc
        return 200, {"clusterName": key[1], "principalArn": key[2], "associatedAccessPolicy": assoc}

    def _DisassociateAccessPolicy(self, req):
        _entry, key = self._entry(req)
        policy = req.path_params.get("policyArn")
        with self.lock:
            if policy not in self.policies.get(key, {}):
                return error(404, "ResourceNotFoundException", f"Policy {policy} is not associated")
            del self.policies[key][policy]
        return 200, {}

    def _ListAssociatedAccessPolicies(self, req):
        entry, key = self._entry(req)
        if entry is None:
            return error(404, "ResourceNotFoundException", f"The specified principalArn could not be found: {key[2]}")
        return 200, {
            "clusterName": key[1],
            "principalArn": key[2],
            "associatedAccessPolicies": list(self.policies.get(key, {}).values()),
        }

    def _ListAccessPolicies(self, req):
        return 200, {"accessPolicies": [{"name": a.rsplit("/", 1)[-1], "arn": a} for a in sorted(ACCESS_POLICIES)]}
