"""ElastiCache replication groups and cache parameter groups as AWS answers them.

moto 5.2 keeps a replication group but ignores NumCacheClusters, never lists its member clusters in
DescribeCacheClusters, returns neither engine version nor security groups, modifies six fields only,
never finishes a delete, and has no replica-count, shard or parameter-group operations. The roles
need all of that, so these operations are answered here, from state kept on moto's own ElastiCache
backend (a reset of moto clears it too), and serialized by moto from botocore's service model.
"""

from __future__ import annotations

import datetime
import hashlib

from moto.core.responses import ActionResult
from moto.elasticache.exceptions import (
    ElastiCacheException,
    InvalidParameterCombinationException,
    InvalidParameterValueException,
    ReplicationGroupAlreadyExists,
    ReplicationGroupNotFound,
    SnapshotAlreadyExists,
    SnapshotNotFound,
)

from .latency import MODEL as LATENCY

# Parameters of the default groups that the roles look at, with AWS's defaults.
PARAMETER_DEFAULTS = {
    "maxmemory-policy": "volatile-lru",
    "timeout": "0",
    "tcp-keepalive": "300",
    "notify-keyspace-events": "",
    "cluster-enabled": "no",
    "slowlog-log-slower-than": "10000",
    "slowlog-max-len": "128",
}


class Fault(ElastiCacheException):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def _now():
    return datetime.datetime.now(datetime.UTC)


KIND = "elasticache-replication-group"
TRANSITIONAL = {"create": "creating", "modify": "modifying", "delete": "deleting"}


def _state(backend):
    if not hasattr(backend, "local_rgs"):
        backend.local_rgs = {}
        backend.local_parameter_groups = {}
    # A group whose delete has run its course (latency model) is gone.
    for rg_id, rg in list(backend.local_rgs.items()):
        if rg["status"] == "deleting" and LATENCY.busy(KIND, rg_id) is None:
            del backend.local_rgs[rg_id]
    return backend


def _status(rg):
    busy = LATENCY.busy(KIND, rg["id"])
    return TRANSITIONAL[busy] if busy else "available"


def _must_be_available(rg):
    if _status(rg) != "available":
        raise Fault(
            "InvalidReplicationGroupState",
            f"Replication group {rg['id']} is not in available state ({_status(rg)}).",
        )


class ReplicationGroups:
    """The replication-group half: create, describe, modify, replicas, shards, delete, members.

    A node type or engine version change without ApplyImmediately waits for the maintenance window:
    AWS shows it in the member clusters' PendingModifiedValues, and so does this.
    """

    @staticmethod
    def _backend(response):
        return _state(response.elasticache_backend)

    @staticmethod
    def _domain(rg_id, region):
        digest = hashlib.sha256(rg_id.encode()).hexdigest()[:6]
        return f"{rg_id}.{digest}.{region}.cache.amazonaws.com"

    @classmethod
    def _layout(cls, rg, region):
        """(Re)build node groups and member clusters from the shard and replica counts."""
        azs = rg["azs"] or [f"{region}a", f"{region}b", f"{region}c"]
        domain = cls._domain(rg["id"], region)
        groups, members = [], []
        shards = rg["shards"]
        for shard in range(shards):
            node_group_id = f"{shard + 1:04d}"
            node_members = []
            for index in range(rg["replicas"] + 1):
                if rg["cluster_mode"]:
                    cluster_id = f"{rg['id']}-{node_group_id}-{index + 1:03d}"
                else:
                    cluster_id = f"{rg['id']}-{index + 1:03d}"
                member = {
                    "CacheClusterId": cluster_id,
                    "CacheNodeId": "0001",
                    "PreferredAvailabilityZone": azs[(shard + index) % len(azs)],
                }
                if not rg["cluster_mode"]:
                    member["ReadEndpoint"] = {"Address": f"{cluster_id}.{domain}", "Port": rg["port"]}
                    member["CurrentRole"] = "primary" if index == 0 else "replica"
                node_members.append(member)
                members.append(cluster_id)
            group = {"NodeGroupId": node_group_id, "Status": "available", "NodeGroupMembers": node_members}
            if rg["cluster_mode"]:
                low = shard * 16384 // shards
                high = (shard + 1) * 16384 // shards - 1
                group["Slots"] = f"{low}-{high}"
            else:
                group["PrimaryEndpoint"] = {"Address": f"master.{domain}", "Port": rg["port"]}
                group["ReaderEndpoint"] = {"Address": f"replica.{domain}", "Port": rg["port"]}
            groups.append(group)
        rg["node_groups"] = groups
        rg["members"] = members
        rg["domain"] = domain

    @staticmethod
    def _view(rg):
        view = {
            "ReplicationGroupId": rg["id"],
            "Description": rg["description"],
            "Status": _status(rg),
            "PendingModifiedValues": {},
            "MemberClusters": list(rg["members"]),
            "NodeGroups": rg["node_groups"],
            "AutomaticFailover": "enabled" if rg["failover"] else "disabled",
            "MultiAZ": "enabled" if rg["multi_az"] else "disabled",
            "SnapshotRetentionLimit": rg["snapshot_retention"],
            "SnapshotWindow": rg["snapshot_window"],
            "ClusterEnabled": rg["cluster_mode"],
            "ClusterMode": "enabled" if rg["cluster_mode"] else "disabled",
            "CacheNodeType": rg["node_type"],
            "AuthTokenEnabled": rg["auth_token"] is not None,
            "TransitEncryptionEnabled": rg["transit"],
            "AtRestEncryptionEnabled": rg["at_rest"],
            "ARN": rg["arn"],
            "LogDeliveryConfigurations": [
                {
                    "LogType": c.get("LogType"),
                    "DestinationType": c.get("DestinationType"),
                    "DestinationDetails": c.get("DestinationDetails", {}),
                    "LogFormat": c.get("LogFormat"),
                    "Status": "active",
                }
                for c in rg["logs"]
            ],
            "ReplicationGroupCreateTime": rg["created"],
            "AutoMinorVersionUpgrade": rg["auto_minor"],
            "Engine": rg["engine"],
            "NetworkType": "ipv4",
            "IpDiscovery": "ipv4",
        }
        if rg["auth_token"] is not None:
            view["AuthTokenLastModifiedDate"] = rg["auth_token_modified"]
        if rg["kms_key_id"]:
            view["KmsKeyId"] = rg["kms_key_id"]
        if rg["cluster_mode"]:
            view["ConfigurationEndpoint"] = {"Address": f"clustercfg.{rg['domain']}", "Port": rg["port"]}
        if rg["snapshotting"] and rg["members"]:
            view["SnapshottingClusterId"] = rg["members"][-1]
        return view

    @staticmethod
    def _member_view(rg, cluster_id, region, show_nodes):
        member = next(m for g in rg["node_groups"] for m in g["NodeGroupMembers"] if m["CacheClusterId"] == cluster_id)
        view = {
            "CacheClusterId": cluster_id,
            "ReplicationGroupId": rg["id"],
            "CacheClusterStatus": _status(rg),
            "CacheNodeType": rg["node_type"],
            "Engine": rg["engine"],
            "EngineVersion": rg["engine_version"],
            "NumCacheNodes": 1,
            "PreferredAvailabilityZone": member["PreferredAvailabilityZone"],
            "PreferredMaintenanceWindow": rg["maintenance_window"],
            "CacheParameterGroup": {
                "CacheParameterGroupName": rg["parameter_group"],
                "ParameterApplyStatus": "in-sync",
                "CacheNodeIdsToReboot": [],
            },
            "CacheSubnetGroupName": rg["subnet_group"],
            "SecurityGroups": [{"SecurityGroupId": g, "Status": "active"} for g in rg["security_groups"]],
            "AutoMinorVersionUpgrade": rg["auto_minor"],
            "SnapshotRetentionLimit": rg["snapshot_retention"],
            "SnapshotWindow": rg["snapshot_window"],
            "AuthTokenEnabled": rg["auth_token"] is not None,
            "TransitEncryptionEnabled": rg["transit"],
            "AtRestEncryptionEnabled": rg["at_rest"],
            "ARN": f"arn:aws:elasticache:{region}:{rg['arn'].split(':')[4]}:cluster:{cluster_id}",
            "CacheClusterCreateTime": rg["created"],
        }
        if rg["pending"]:
            view["PendingModifiedValues"] = dict(rg["pending"])
        if rg["notification_topic"]:
            view["NotificationConfiguration"] = {"TopicArn": rg["notification_topic"], "TopicStatus": "active"}
        if show_nodes:
            view["CacheNodes"] = [
                {
                    "CacheNodeId": "0001",
                    "CacheNodeStatus": "available",
                    "Endpoint": {"Address": f"{cluster_id}.{rg['domain']}", "Port": rg["port"]},
                    "CustomerAvailabilityZone": member["PreferredAvailabilityZone"],
                }
            ]
        return view

    @staticmethod
    def _int(response, name, default=None):
        value = response._get_param(name)
        return default if value in (None, "") else int(value)

    @staticmethod
    def _bool(response, name, default=None):
        value = response._get_param(name)
        if value in (None, ""):
            return default
        return str(value).lower() == "true"

    @staticmethod
    def _check(rg):
        if rg["auth_token"] is not None and not rg["transit"]:
            raise InvalidParameterValueException(
                "The AUTH token is only supported when encryption-in-transit is enabled"
            )
        if rg["failover"] and not rg["cluster_mode"] and rg["replicas"] < 1:
            raise InvalidParameterCombinationException(
                "Automatic failover requires at least one read replica (NumCacheClusters of 2 or more)."
            )
        if rg["multi_az"] and not rg["failover"]:
            raise InvalidParameterCombinationException("Multi-AZ requires automatic failover to be enabled.")
        if not rg["cluster_mode"] and not 0 <= rg["replicas"] <= 5:
            raise InvalidParameterValueException("A replication group has 1 to 6 cache clusters.")
        if rg["cluster_mode"] and not 1 <= rg["shards"] <= 500:
            raise InvalidParameterValueException("NumNodeGroups must be between 1 and 500.")

    @classmethod
    def create(cls, response):
        backend = cls._backend(response)
        rg_id = (response._get_param("ReplicationGroupId") or "").lower()
        if rg_id in backend.local_rgs:
            raise ReplicationGroupAlreadyExists(rg_id)
        cluster_mode = (response._get_param("ClusterMode") or "").lower() == "enabled" or bool(
            cls._int(response, "NumNodeGroups", 0) > 1
        )
        params = response._get_params()
        token = response._get_param("AuthToken")
        if token is not None and not 16 <= len(token) <= 128:
            raise InvalidParameterValueException("The AUTH token must be 16 to 128 characters long.")
        if cluster_mode:
            shards = cls._int(response, "NumNodeGroups", 1)
            replicas = cls._int(response, "ReplicasPerNodeGroup", 0)
        else:
            shards = 1
            count = cls._int(response, "NumCacheClusters")
            replicas = (count - 1) if count is not None else cls._int(response, "ReplicasPerNodeGroup", 0)
        region = backend.region_name
        rg = {
            "id": rg_id,
            "description": response._get_param("ReplicationGroupDescription") or "",
            "status": "available",
            "pending": {},
            "cluster_mode": cluster_mode,
            "shards": shards,
            "replicas": replicas,
            "azs": response._get_param("PreferredCacheClusterAZs", []) or [],
            "port": cls._int(response, "Port", 6379),
            "failover": bool(cls._bool(response, "AutomaticFailoverEnabled", False)),
            "multi_az": bool(cls._bool(response, "MultiAZEnabled", False)),
            "snapshot_retention": cls._int(response, "SnapshotRetentionLimit", 0),
            "snapshot_window": response._get_param("SnapshotWindow") or "05:00-06:00",
            "snapshotting": True,
            "node_type": response._get_param("CacheNodeType") or "cache.t4g.micro",
            "engine": (response._get_param("Engine") or "redis").lower(),
            "engine_version": response._get_param("EngineVersion") or "7.1",
            "parameter_group": response._get_param("CacheParameterGroupName")
            or ("default.redis7.cluster.on" if cluster_mode else "default.redis7"),
            "subnet_group": response._get_param("CacheSubnetGroupName") or "default",
            "security_groups": response._get_param("SecurityGroupIds", []) or [],
            "maintenance_window": response._get_param("PreferredMaintenanceWindow") or "sun:23:00-mon:01:30",
            "notification_topic": response._get_param("NotificationTopicArn"),
            "auth_token": token,
            "auth_token_modified": _now(),
            "transit": bool(cls._bool(response, "TransitEncryptionEnabled", False)),
            "at_rest": bool(cls._bool(response, "AtRestEncryptionEnabled", False)),
            "kms_key_id": response._get_param("KmsKeyId"),
            "logs": params.get("LogDeliveryConfigurations", []) or [],
            "auto_minor": bool(cls._bool(response, "AutoMinorVersionUpgrade", True)),
            "arn": f"arn:aws:elasticache:{region}:{backend.account_id}:replicationgroup:{rg_id}",
            "created": _now(),
        }
        cls._check(rg)
        cls._layout(rg, region)
        tags = response._get_param("Tags", []) or []
        if tags:
            backend.tagging_service.tag_resource(rg["arn"], tags)
        backend.local_rgs[rg_id] = rg
        LATENCY.start(KIND, rg_id, "create")
        view = cls._view(rg)
        view["Status"] = "creating"
        return ActionResult({"ReplicationGroup": view})

    @classmethod
    def _get(cls, response):
        backend = cls._backend(response)
        rg_id = (response._get_param("ReplicationGroupId") or "").lower()
        if rg_id not in backend.local_rgs:
            raise ReplicationGroupNotFound(rg_id)
        return backend, backend.local_rgs[rg_id]

    @classmethod
    def describe(cls, response):
        backend = cls._backend(response)
        rg_id = response._get_param("ReplicationGroupId")
        if rg_id:
            _, rg = cls._get(response)
            groups = [rg]
        else:
            groups = list(backend.local_rgs.values())
        return ActionResult({"ReplicationGroups": [cls._view(rg) for rg in groups]})

    @classmethod
    def modify(cls, response):
        _, rg = cls._get(response)
        _must_be_available(rg)
        params = response._get_params()
        immediately = bool(cls._bool(response, "ApplyImmediately", False))
        if response._get_param("Description") is not None or response._get_param("ReplicationGroupDescription"):
            rg["description"] = response._get_param("ReplicationGroupDescription") or rg["description"]
        for name, key in (("CacheNodeType", "node_type"), ("EngineVersion", "engine_version")):
            value = response._get_param(name)
            if value is not None and value != rg[key]:
                if immediately:
                    rg[key] = value
                else:
                    rg["pending"][name] = value
        simple = {
            "CacheParameterGroupName": "parameter_group",
            "PreferredMaintenanceWindow": "maintenance_window",
            "SnapshotWindow": "snapshot_window",
            "NotificationTopicArn": "notification_topic",
        }
        for name, key in simple.items():
            value = response._get_param(name)
            if value is not None:
                rg[key] = value
        if response._get_param("SecurityGroupIds") is not None:
            rg["security_groups"] = response._get_param("SecurityGroupIds", [])
        for name, key in (("SnapshotRetentionLimit", "snapshot_retention"),):
            if cls._int(response, name) is not None:
                rg[key] = cls._int(response, name)
        for name, key in (
            ("AutomaticFailoverEnabled", "failover"),
            ("MultiAZEnabled", "multi_az"),
            ("AutoMinorVersionUpgrade", "auto_minor"),
        ):
            if cls._bool(response, name) is not None:
                rg[key] = cls._bool(response, name)
        if params.get("LogDeliveryConfigurations"):
            wanted = {c.get("LogType"): c for c in rg["logs"]}
            for config in params["LogDeliveryConfigurations"]:
                if config.get("Enabled") in (False, "false"):
                    wanted.pop(config.get("LogType"), None)
                else:
                    wanted[config.get("LogType")] = {k: v for k, v in config.items() if k != "Enabled"}
            rg["logs"] = list(wanted.values())
        token = response._get_param("AuthToken")
        strategy = (response._get_param("AuthTokenUpdateStrategy") or "").upper()
        if strategy:
            if not rg["transit"]:
                raise InvalidParameterValueException(
                    "The AUTH token is only supported when encryption-in-transit is enabled"
                )
            if strategy in ("ROTATE", "SET"):
                if token is None or not 16 <= len(token) <= 128:
                    raise InvalidParameterValueException("The AUTH token must be 16 to 128 characters long.")
                rg["auth_token"] = token
            elif strategy == "DELETE":
                rg["auth_token"] = None
            rg["auth_token_modified"] = _now()
        cls._check(rg)
        LATENCY.start(KIND, rg["id"], "modify")
        view = cls._view(rg)
        view["Status"] = "modifying"
        return ActionResult({"ReplicationGroup": view})

    @classmethod
    def _replicas(cls, response, increase):
        backend, rg = cls._get(response)
        _must_be_available(rg)
        if not cls._bool(response, "ApplyImmediately", False):
            raise InvalidParameterValueException("ApplyImmediately must be true to change the replica count.")
        count = cls._int(response, "NewReplicaCount")
        if count is None:
            raise InvalidParameterValueException("NewReplicaCount is required.")
        if increase and count <= rg["replicas"]:
            raise InvalidParameterValueException(
                f"NewReplicaCount {count} must be more than the current {rg['replicas']} replicas."
            )
        if not increase:
            if count >= rg["replicas"]:
                raise InvalidParameterValueException(
                    f"NewReplicaCount {count} must be less than the current {rg['replicas']} replicas."
                )
            if rg["failover"] and count < 1:
                raise InvalidParameterCombinationException(
                    "Cannot remove the last replica while automatic failover is enabled."
                )
        rg["replicas"] = count
        cls._check(rg)
        cls._layout(rg, backend.region_name)
        LATENCY.start(KIND, rg["id"], "modify")
        view = cls._view(rg)
        view["Status"] = "modifying"
        return ActionResult({"ReplicationGroup": view})

    @classmethod
    def increase_replicas(cls, response):
        return cls._replicas(response, True)

    @classmethod
    def decrease_replicas(cls, response):
        return cls._replicas(response, False)

    @classmethod
    def shards(cls, response):
        backend, rg = cls._get(response)
        _must_be_available(rg)
        if not rg["cluster_mode"]:
            raise InvalidParameterValueException("Shard configuration can only be changed with cluster mode enabled.")
        if not cls._bool(response, "ApplyImmediately", False):
            raise InvalidParameterValueException("ApplyImmediately must be true to change the shard configuration.")
        rg["shards"] = cls._int(response, "NodeGroupCount")
        cls._check(rg)
        cls._layout(rg, backend.region_name)
        LATENCY.start(KIND, rg["id"], "modify")
        view = cls._view(rg)
        view["Status"] = "modifying"
        return ActionResult({"ReplicationGroup": view})

    @classmethod
    def delete(cls, response):
        backend, rg = cls._get(response)
        final = response._get_param("FinalSnapshotIdentifier")
        _must_be_available(rg)
        if final:
            snapshots = cls._snapshots(backend)
            if final in snapshots:
                raise SnapshotAlreadyExists(final)
            # A final snapshot outlives its group, encrypted with the group's key, as on AWS.
            snapshots[final] = {
                "SnapshotName": final,
                "ReplicationGroupId": rg["id"],
                "SnapshotStatus": "available",
                "SnapshotSource": "manual",
                "Engine": "redis",
                "CacheNodeType": rg["node_type"],
                "NumNodeGroups": rg["shards"] or 1,
                "KmsKeyId": rg.get("kms_key_id"),
                "ARN": f"arn:aws:elasticache:{backend.region_name}:{backend.account_id}:snapshot:{final}",
            }
        backend.tagging_service.delete_all_tags_for_resource(rg["arn"])
        if LATENCY.start(KIND, rg["id"], "delete"):
            rg["status"] = "deleting"  # listed as deleting until the model lets it go
        else:
            del backend.local_rgs[rg["id"]]
        view = cls._view(rg)
        view["Status"] = "deleting"
        return ActionResult({"ReplicationGroup": view})

    @staticmethod
    def _snapshots(backend) -> dict:
        if not hasattr(backend, "local_final_snapshots"):
            backend.local_final_snapshots = {}
        return backend.local_final_snapshots

    @classmethod
    def describe_snapshots(cls, response):
        backend = cls._backend(response)
        name = response._get_param("SnapshotName")
        group = response._get_param("ReplicationGroupId")
        found = [
            snap
            for snap in cls._snapshots(backend).values()
            if (not name or snap["SnapshotName"] == name) and (not group or snap["ReplicationGroupId"] == group)
        ]
        if name and not found:
            raise SnapshotNotFound(name)
        return ActionResult({"Snapshots": found})

    @classmethod
    def delete_snapshot(cls, response):
        backend = cls._backend(response)
        name = response._get_param("SnapshotName")
        snap = cls._snapshots(backend).pop(name, None)
        if snap is None:
            raise SnapshotNotFound(name)
        return ActionResult({"Snapshot": dict(snap, SnapshotStatus="deleting")})

    @classmethod
    def describe_cache_clusters(cls, response, original):
        backend = cls._backend(response)
        wanted = response._get_param("CacheClusterId")
        show_nodes = bool(cls._bool(response, "ShowCacheNodeInfo", False))
        members = [
            cls._member_view(rg, cluster_id, backend.region_name, show_nodes)
            for rg in backend.local_rgs.values()
            for cluster_id in rg["members"]
            if not wanted or cluster_id == wanted
        ]
        if wanted and members:
            return ActionResult({"CacheClusters": members})
        if wanted:
            return original()
        answer = original()
        result = getattr(answer, "result", None) or getattr(answer, "_result", None) or {}
        clusters = list(result.get("CacheClusters", [])) if isinstance(result, dict) else []
        return ActionResult({"CacheClusters": clusters + members})


class ParameterGroups:
    """Cache parameter groups: create, describe, modify, reset, delete, and their parameters."""

    @staticmethod
    def _backend(response):
        return _state(response.elasticache_backend)

    @classmethod
    def create(cls, response):
        backend = cls._backend(response)
        name = response._get_param("CacheParameterGroupName")
        if name in backend.local_parameter_groups:
            raise Fault("CacheParameterGroupAlreadyExists", f"Parameter group {name} already exists.")
        family = response._get_param("CacheParameterGroupFamily")
        group = {
            "CacheParameterGroupName": name,
            "CacheParameterGroupFamily": family,
            "Description": response._get_param("Description") or "",
            "IsGlobal": False,
            "ARN": f"arn:aws:elasticache:{backend.region_name}:{backend.account_id}:parametergroup:{name}",
            "values": {},
        }
        backend.local_parameter_groups[name] = group
        return ActionResult({"CacheParameterGroup": {k: v for k, v in group.items() if k != "values"}})

    @classmethod
    def _get(cls, response):
        backend = cls._backend(response)
        name = response._get_param("CacheParameterGroupName")
        if name not in backend.local_parameter_groups:
            raise Fault("CacheParameterGroupNotFound", f"CacheParameterGroup {name} not found.")
        return backend, backend.local_parameter_groups[name]

    @classmethod
    def describe(cls, response):
        backend = cls._backend(response)
        if response._get_param("CacheParameterGroupName"):
            groups = [cls._get(response)[1]]
        else:
            groups = list(backend.local_parameter_groups.values())
        return ActionResult({"CacheParameterGroups": [{k: v for k, v in g.items() if k != "values"} for g in groups]})

    @classmethod
    def modify(cls, response):
        _, group = cls._get(response)
        for item in response._get_params().get("ParameterNameValues", []) or []:
            name = item.get("ParameterName")
            if name not in PARAMETER_DEFAULTS:
                raise InvalidParameterValueException(f"Unknown parameter {name} for this family.")
            group["values"][name] = item.get("ParameterValue", "")
        return ActionResult({"CacheParameterGroupName": group["CacheParameterGroupName"]})

    @classmethod
    def reset(cls, response):
        _, group = cls._get(response)
        if cls_bool(response._get_param("ResetAllParameters")):
            group["values"] = {}
        for item in response._get_params().get("ParameterNameValues", []) or []:
            group["values"].pop(item.get("ParameterName"), None)
        return ActionResult({"CacheParameterGroupName": group["CacheParameterGroupName"]})

    @classmethod
    def parameters(cls, response):
        _, group = cls._get(response)
        source = response._get_param("Source")
        rows = []
        for name, default in sorted(PARAMETER_DEFAULTS.items()):
            changed = name in group["values"]
            if source == "user" and not changed:
                continue
            rows.append(
                {
                    "ParameterName": name,
                    "ParameterValue": group["values"].get(name, default),
                    "Source": "user" if changed else "system",
                    "DataType": "string",
                    "IsModifiable": name != "cluster-enabled",
                    "ChangeType": "immediate",
                }
            )
        return ActionResult({"Parameters": rows})

    @classmethod
    def delete(cls, response):
        backend, group = cls._get(response)
        in_use = [
            rg["id"] for rg in backend.local_rgs.values() if rg["parameter_group"] == group["CacheParameterGroupName"]
        ]
        if in_use:
            raise Fault("InvalidCacheParameterGroupState", f"Parameter group is in use by {', '.join(in_use)}.")
        del backend.local_parameter_groups[group["CacheParameterGroupName"]]
        return ActionResult({})


def cls_bool(value) -> bool:
    return str(value).lower() == "true"


def delete_cache_subnet_group(response):
    backend = _state(response.elasticache_backend)
    name = response._get_param("CacheSubnetGroupName")
    if name not in backend.cache_subnet_groups:
        raise Fault("CacheSubnetGroupNotFoundFault", f"CacheSubnetGroup {name} not found.")
    in_use = [rg["id"] for rg in backend.local_rgs.values() if rg["subnet_group"] == name]
    if in_use:
        raise Fault("CacheSubnetGroupInUse", f"Cache subnet group {name} is in use by {', '.join(in_use)}.")
    del backend.cache_subnet_groups[name]
    return ActionResult({})


def apply() -> None:
    """Answer the operations above in place of (or in addition to) moto's."""
    from moto.elasticache.responses import ElastiCacheResponse

    original_describe_clusters = ElastiCacheResponse.describe_cache_clusters
    methods = {
        "create_replication_group": ReplicationGroups.create,
        "describe_replication_groups": ReplicationGroups.describe,
        "modify_replication_group": ReplicationGroups.modify,
        "increase_replica_count": ReplicationGroups.increase_replicas,
        "decrease_replica_count": ReplicationGroups.decrease_replicas,
        "modify_replication_group_shard_configuration": ReplicationGroups.shards,
        "delete_replication_group": ReplicationGroups.delete,
        "describe_snapshots": ReplicationGroups.describe_snapshots,
        "delete_snapshot": ReplicationGroups.delete_snapshot,
        "create_cache_parameter_group": ParameterGroups.create,
        "describe_cache_parameter_groups": ParameterGroups.describe,
        "modify_cache_parameter_group": ParameterGroups.modify,
        "reset_cache_parameter_group": ParameterGroups.reset,
        "describe_cache_parameters": ParameterGroups.parameters,
        "delete_cache_parameter_group": ParameterGroups.delete,
        "delete_cache_subnet_group": delete_cache_subnet_group,
    }
    for name, handler in methods.items():
        setattr(ElastiCacheResponse, name, lambda self, _handler=handler: _handler(self))

    def describe_cache_clusters(self):
        return ReplicationGroups.describe_cache_clusters(self, lambda: original_describe_clusters(self))

    ElastiCacheResponse.describe_cache_clusters = describe_cache_clusters
