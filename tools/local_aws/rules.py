"""Service rules AWS enforces and moto 5.2 does not, refused with AWS's own error codes.

The catalogues are data: ``catalogues/*.json`` (each names its sources, as of November 2026) or
botocore's service models. Every rule names where AWS states it. Windows that the local AWS chose
itself (the defaults of a request that gave none) are not held against a later request: AWS picks
its defaults clear of the windows a user gives.

ElastiCache (CreateReplicationGroup, ModifyReplicationGroup, CreateCacheCluster)
* PreferredMaintenanceWindow is ``ddd:hh24:mi-ddd:hh24:mi``, ddd one of sun, mon, tue, wed, thu,
  fri, sat (in any case), at least 60 minutes (API reference: "The minimum maintenance window is a
  60 minute period") and at most 24 hours (ElastiCache User Guide, "Maintenance Window": "You can
  specify a time range of up to 24 hours in duration"). InvalidParameterValue.
* SnapshotWindow is ``hh24:mi-hh24:mi`` ("Example: 05:00-09:00"), at least 60 minutes and clear of
  the maintenance window. The API reference states only the format; the two rules are ElastiCache's
  answers "Snapshot window must be at least 60 minutes." and "The snapshot window and maintenance
  window must not overlap." (InvalidParameterValue, as reported in hashicorp/terraform-provider-aws
  #2153 and hashicorp/terraform #17247).
* SnapshotRetentionLimit is 0 to 35 ("Scheduling automatic backups": "The maximum backup retention
  limit is 35 days"). InvalidParameterValue.
* CacheNodeType is a current generation node type of catalogues/elasticache.json ("Supported node
  types"); previous generation types are refused ("creation of new clusters is not supported for
  these types"). InvalidParameterValue.
* EngineVersion is a version of its engine (redis, valkey) in the catalogue; ElastiCache answers
  InvalidParameterCombination "Cannot find version 4.0.13 for redis" (as reported in
  ministryofjustice/cloud-platform-environments #5753).
* DescribeCacheEngineVersions (Engine, EngineVersion, CacheParameterGroupFamily, DefaultOnly) and
  DescribeReservedCacheNodesOfferings (CacheNodeType, Duration, ProductDescription, OfferingType),
  which moto lacks, answer from the same catalogue.

RDS / Aurora (CreateDBCluster, ModifyDBCluster, CreateDBInstance, ModifyDBInstance)
* PreferredMaintenanceWindow is ``ddd:hh24:mi-ddd:hh24:mi`` (days mon..sun, any case) of at least
  30 minutes; PreferredBackupWindow is ``hh24:mi-hh24:mi`` in UTC of at least 30 minutes and "Must
  not conflict with the preferred maintenance window" (API reference of CreateDBCluster,
  ModifyDBCluster, CreateDBInstance, ModifyDBInstance, as botocore's rds model quotes it). RDS
  answers InvalidParameterValue "The backup window and maintenance window must not overlap." (as
  reported in hashicorp/terraform-provider-aws #49828).
* BackupRetentionPeriod of a cluster is 1 to 35 (API reference CreateDBCluster: "Must be a value
  from 1 to 35"). InvalidParameterValue.
* EngineVersion of aurora-postgresql is a version of catalogues/aurora_postgresql.json ("Aurora
  PostgreSQL releases"); RDS answers InvalidParameterCombination "Cannot find version 5.7.12 for
  aurora-mysql". A bare major ("16") is taken as its default minor, as RDS documents it for Aurora
  MySQL ("You can supply either 5.7 or 8.0 to use the default engine version").
* DBInstanceClass of an aurora-postgresql instance is orderable for its engine version ("Supported
  DB engines for DB instance classes"); RDS answers InvalidParameterCombination "RDS does not
  support creating a DB instance with the following combination: DBInstanceClass=..., Engine=...,
  EngineVersion=..., LicenseModel=...".
* DescribeOrderableDBInstanceOptions and DescribeDBEngineVersions (moto lacks the latter; moto's
  data for the former stops at 15.2) answer from the same catalogue for aurora-postgresql, and a
  cluster created without EngineVersion gets the catalogue's default version ("Amazon Aurora
  versioning"), not moto's 12.7.
* CACertificateIdentifier of CreateDBInstance and ModifyDBInstance is a CA of
  catalogues/rds_certificates.json ("Certificate authorities" in "Using SSL/TLS to encrypt a
  connection to a DB cluster": rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1; rds-ca-2019
  expired in August 2024). RDS answers CertificateNotFound (HTTP 404, CertificateNotFoundFault in the
  API reference) "Certificate not found: rds-ca-2019" (aws/aws-cdk #31387). DescribeCertificates,
  which moto lacks, answers the same catalogue with DefaultCertificateForNewLaunches
  rds-ca-rsa2048-g1 and refuses an identifier it does not list ("Certificate rds-ca-2019 not found",
  turbot/steampipe-plugin-aws #2362); DescribeDBEngineVersions lists the CAs as
  SupportedCACertificateIdentifiers.

ELBv2 (CreateTargetGroup, ModifyTargetGroup), ValidationError as ELBv2 answers
* Matcher.HttpCode: values and ranges ("200,202", "200-299") between 200 and 499 for an HTTP/HTTPS
  (Application Load Balancer) target group, 200 and 599 for a Network Load Balancer's HTTP health
  checks, "200-399" for GENEVE (botocore's Matcher.HttpCode documentation: "For Application Load
  Balancers, you can specify values between 200 and 499"). Matcher.GrpcCode: 0 to 99 ("You can
  specify values between 0 and 99"). moto checks only the syntax, with the wrong error code.
* HealthCheckIntervalSeconds 5-300, HealthCheckTimeoutSeconds 2-120, HealthyThresholdCount and
  UnhealthyThresholdCount 2-10, HealthCheckPath 1-1024 characters: the min/max of botocore's elbv2
  model shapes ("The range is 5-300", ...). The path begins with "/" ("The ping path. The
  default is /"; a gRPC path has the format "/package.service/method").
* ModifyTargetGroup keeps the timeout under the interval, as moto's CreateTargetGroup already does.

EC2
* RunInstances, CreateLaunchTemplate and CreateLaunchTemplateVersion take only instance types of
  botocore's ec2 model ``InstanceType`` enum (the catalogue; EC2 answers InvalidParameterValue
  "Invalid value 't3.nano' for InstanceType.", as reported in getmoto/moto #1695).
* DescribeInstanceTypeOfferings filters instance-type and location take the wildcards * and ?, as
  EC2 filters do.

EKS (our extension)
* CreateNodegroup instanceTypes exist in the region (botocore's InstanceType enum and moto's
  DescribeInstanceTypeOfferings data): InvalidParameterException "The following supplied instance
  types do not exist: [m4.large]" (terraform-aws-modules/terraform-aws-eks #1279). Each type is
  offered in the zones of the node group's subnets: InvalidRequestException "Your requested
  instance type (m4.xlarge) is not supported in your requested Availability Zone (us-west-2d).
  Please retry your request by not specifying an Availability Zone or choosing us-west-2a, ..."
  (awslabs/ec2-spot-workshops #154).
* Labels and taints (CreateNodegroup, UpdateNodegroupConfig) follow Kubernetes syntax as "Node
  taints on managed node groups" states it: a key is an optional DNS subdomain prefix of at most
  253 characters and "/", then a name of at most 63 characters that begins and ends with a letter
  or digit, with letters, digits, "-", "_" and "." between; a value is empty or such a name (the
  EKS model's minimum length 1 for a label value makes botocore refuse an empty one itself); the
  EKS API reference caps label and taint keys and values at 63 characters; a taint's effect is
  NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE; "a maximum of 50 taints per node group".
  UpdateNodegroupConfig's scaling config keeps maxSize >= 1 and sizes >= 0 (EKS model minimums).
  InvalidParameterException (HTTP 400).
* Add-on versions (CreateAddon, UpdateAddon, DescribeAddonVersions) already come from the
  extension's ADDON_CATALOGUE.

S3
* CreateBucket names follow "General purpose bucket naming rules" (catalogues/s3_bucket_names.json):
  3-63 characters of lowercase letters, digits, "." and "-", beginning and ending with a letter or
  digit, no "..", not an IP address, none of the reserved prefixes and suffixes, "-an" only in the
  account regional namespace. InvalidBucketName "The specified bucket is not valid." (moto checks
  the length only).
"""

from __future__ import annotations

import fnmatch
import json
import re
import uuid
from functools import cache, lru_cache
from pathlib import Path

CATALOGUES = Path(__file__).parent / "catalogues"
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
WEEKLY_RE = re.compile(r"^([a-z]{3}):([01]\d|2[0-3]):([0-5]\d)-([a-z]{3}):([01]\d|2[0-3]):([0-5]\d)$")
DAILY_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


@cache
def catalogue(name: str) -> dict:
    """A catalogue of ``catalogues/``, read once."""
    return json.loads((CATALOGUES / f"{name}.json").read_text())


# -- windows ---------------------------------------------------------------------------------------
def weekly_window(text) -> tuple[int, int] | None:
    """``ddd:hh24:mi-ddd:hh24:mi`` as (start minute of the week, length in minutes), or None."""
    match = WEEKLY_RE.match(str(text).lower()) if text is not None else None
    if not match or match.group(1) not in DAYS or match.group(4) not in DAYS:
        return None
    day1, h1, m1, day2, h2, m2 = match.groups()
    start = DAYS.index(day1) * DAY_MINUTES + int(h1) * 60 + int(m1)
    end = DAYS.index(day2) * DAY_MINUTES + int(h2) * 60 + int(m2)
    return start, (end - start) % WEEK_MINUTES


def daily_window(text) -> tuple[int, int] | None:
    """``hh24:mi-hh24:mi`` as (start minute of the day, length in minutes), or None."""
    match = DAILY_RE.match(str(text)) if text is not None else None
    if not match:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start = h1 * 60 + m1
    return start, (h2 * 60 + m2 - start) % DAY_MINUTES


def windows_overlap(weekly: tuple[int, int], daily: tuple[int, int]) -> bool:
    """Whether a daily window meets a weekly one on any day (end minutes excluded)."""
    week_start, week_length = weekly
    day_start, day_length = daily
    for day in range(-1, 8):
        begin = day * DAY_MINUTES + day_start
        for shift in (-WEEK_MINUTES, 0, WEEK_MINUTES):
            if begin < week_start + shift + week_length and week_start + shift < begin + day_length:
                return True
    return False


def _int(value):
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else -1 for p in str(version).split("."))


# -- ElastiCache -----------------------------------------------------------------------------------
def node_types() -> tuple[set, set]:
    """(current generation node types, previous generation node types) of the catalogue."""
    types = catalogue("elasticache")["node_types"]

    def flat(families):
        return {f"{family}.{size}" for family, sizes in families.items() for size in sizes}

    return flat(types["current_generation"]), flat(types["previous_generation"])


def cache_family(engine: str, version: str) -> str | None:
    return catalogue("elasticache")["engines"].get(engine, {}).get("versions", {}).get(version)


def _elasticache_refuse(message: str, combination: bool = False):
    from moto.elasticache.exceptions import InvalidParameterCombinationException, InvalidParameterValueException

    raise (InvalidParameterCombinationException if combination else InvalidParameterValueException)(message)


def _elasticache_state(backend) -> dict:
    """Which windows of each replication group a user chose: {group id: {"maintenance", "snapshot"}}."""
    if not hasattr(backend, "rules_chosen_windows"):
        backend.rules_chosen_windows = {}
    return backend.rules_chosen_windows


def check_elasticache(response, operation: str) -> set:
    """Refuse what ElastiCache refuses in a create/modify request; answer which windows it gives."""
    get = response._get_param
    group = None
    group_id = (get("ReplicationGroupId") or "").lower()
    if operation == "modify_replication_group":
        group = getattr(response.elasticache_backend, "local_rgs", {}).get(group_id)
    given = set()
    weekly = daily = None
    maintenance = get("PreferredMaintenanceWindow")
    if maintenance not in (None, ""):
        given.add("maintenance")
        weekly = weekly_window(maintenance)
        if weekly is None:
            _elasticache_refuse(
                f"Invalid maintenance window: {maintenance}. Specify a range ddd:hh24:mi-ddd:hh24:mi "
                "(24H Clock UTC), ddd one of sun, mon, tue, wed, thu, fri, sat. Example: sun:23:00-mon:01:30"
            )
        if weekly[1] < 60:
            _elasticache_refuse("Maintenance window must be at least 60 minutes.")
        if weekly[1] > DAY_MINUTES:
            _elasticache_refuse("Maintenance window must be less than 24 hours.")
    snapshot = get("SnapshotWindow")
    if snapshot not in (None, ""):
        given.add("snapshot")
        daily = daily_window(snapshot)
        if daily is None:
            _elasticache_refuse(
                f"Invalid snapshot window: {snapshot}. Specify a range hh24:mi-hh24:mi (24H Clock UTC). "
                "Example: 05:00-09:00"
            )
        if daily[1] < 60:
            _elasticache_refuse("Snapshot window must be at least 60 minutes.")
    retention = _int(get("SnapshotRetentionLimit"))
    if retention is not None and not 0 <= retention <= 35:
        _elasticache_refuse(
            f"Invalid snapshot retention limit {retention}: the maximum backup retention limit is 35 days "
            "(0 turns automatic backups off)."
        )
    node_type = get("CacheNodeType")
    if node_type:
        current, previous = node_types()
        if node_type in previous:
            _elasticache_refuse(
                f"Invalid Cache Node Type: {node_type}. It is a previous generation node type: creation of new "
                "clusters is not supported for it."
            )
        if node_type not in current:
            _elasticache_refuse(f"Invalid Cache Node Type: {node_type}")
    engine = (get("Engine") or (group or {}).get("engine") or "redis").lower()
    version = get("EngineVersion")
    if version and engine in catalogue("elasticache")["engines"] and cache_family(engine, version) is None:
        _elasticache_refuse(f"Cannot find version {version} for {engine}", combination=True)
    if group is not None and given:
        chosen = _elasticache_state(response.elasticache_backend).get(group_id, set())
        if weekly is None and "maintenance" in chosen:
            weekly = weekly_window(group.get("maintenance_window"))
        if daily is None and "snapshot" in chosen:
            daily = daily_window(group.get("snapshot_window"))
    if weekly and daily and windows_overlap(weekly, daily):
        _elasticache_refuse("The snapshot window and maintenance window must not overlap.")
    return given


def _engine_versions_view(response):
    get = response._get_param
    wanted_engine = (get("Engine") or "").lower()
    wanted_version = get("EngineVersion")
    wanted_family = get("CacheParameterGroupFamily")
    default_only = str(get("DefaultOnly") or "").lower() == "true"
    rows = []
    for engine, spec in catalogue("elasticache")["engines"].items():
        if wanted_engine and engine != wanted_engine:
            continue
        for version, family in sorted(spec["versions"].items(), key=lambda item: _version_key(item[0])):
            if wanted_version and version != wanted_version:
                continue
            if wanted_family and family != wanted_family:
                continue
            if default_only and version != spec["default"]:
                continue
            rows.append(
                {
                    "Engine": engine,
                    "EngineVersion": version,
                    "CacheParameterGroupFamily": family,
                    "CacheEngineDescription": spec["description"],
                    "CacheEngineVersionDescription": spec["version_description"].format(version=version),
                }
            )
    return rows


def describe_cache_engine_versions(response):
    from moto.core.responses import PaginatedResult

    return PaginatedResult({"CacheEngineVersions": _engine_versions_view(response)})


def describe_reserved_cache_nodes_offerings(response):
    from moto.core.responses import PaginatedResult

    get = response._get_param
    spec = catalogue("elasticache")["reserved_node_offerings"]
    duration = str(get("Duration") or "")
    duration = {"1": "31536000", "3": "94608000"}.get(duration, duration)
    rows = []
    for node_type in sorted(node_types()[0]):
        if get("CacheNodeType") and node_type != get("CacheNodeType"):
            continue
        for seconds in spec["durations_seconds"]:
            if duration and str(seconds) != duration:
                continue
            for product in spec["product_descriptions"]:
                if get("ProductDescription") and product != get("ProductDescription"):
                    continue
                for offering in spec["offering_types"]:
                    if get("OfferingType") and offering != get("OfferingType"):
                        continue
                    offering_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{node_type}/{seconds}/{product}/{offering}"))
                    if get("ReservedCacheNodesOfferingId") and offering_id != get("ReservedCacheNodesOfferingId"):
                        continue
                    rows.append(
                        {
                            "ReservedCacheNodesOfferingId": offering_id,
                            "CacheNodeType": node_type,
                            "Duration": seconds,
                            "ProductDescription": product,
                            "OfferingType": offering,
                        }
                    )
    return PaginatedResult({"ReservedCacheNodesOfferings": rows})


def _apply_elasticache() -> None:
    from moto.elasticache.responses import ElastiCacheResponse

    for operation in ("create_replication_group", "modify_replication_group", "create_cache_cluster"):
        original = getattr(ElastiCacheResponse, operation)

        def checked(self, _original=original, _operation=operation):
            given = check_elasticache(self, _operation)
            answer = _original(self)
            if _operation != "create_cache_cluster":
                state = _elasticache_state(self.elasticache_backend)
                group_id = (self._get_param("ReplicationGroupId") or "").lower()
                if _operation == "create_replication_group":
                    state[group_id] = set(given)
                else:
                    state.setdefault(group_id, set()).update(given)
            return answer

        setattr(ElastiCacheResponse, operation, checked)
    ElastiCacheResponse.describe_cache_engine_versions = describe_cache_engine_versions
    ElastiCacheResponse.describe_reserved_cache_nodes_offerings = describe_reserved_cache_nodes_offerings


# -- RDS / Aurora ----------------------------------------------------------------------------------
AURORA_POSTGRESQL = "aurora-postgresql"


def aurora_versions() -> list[str]:
    versions = catalogue("aurora_postgresql")["versions"]
    return sorted((v for minors in versions.values() for v in minors), key=_version_key)


def aurora_version(version) -> str | None:
    """The catalogued minor a requested version names (a major names its default minor), or None."""
    spec = catalogue("aurora_postgresql")
    if version in aurora_versions():
        return version
    return spec["defaults"].get(str(version)) if str(version) in spec["versions"] else None


def orderable(instance_class: str, version: str) -> bool:
    """Whether an Aurora PostgreSQL instance of this class may run this (catalogued) version."""
    family, _, size = instance_class.rpartition(".")
    if instance_class == "db.serverless":
        family, size = "db.serverless", ""
    spec = catalogue("aurora_postgresql")["instance_classes"].get(family)
    if spec is None or size not in spec["sizes"]:
        return False
    first = spec["min_versions"].get(version.split(".", maxsplit=1)[0])
    return first is not None and _version_key(version) >= _version_key(first)


def ca_certificates() -> list[str]:
    """The CA identifiers RDS offers (catalogues/rds_certificates.json)."""
    return [c["identifier"] for c in catalogue("rds_certificates")["certificates"]]


def _certificate_not_found(message: str):
    from moto.rds.exceptions import RDSClientError

    # The shape's error code (CertificateNotFound) and HTTP status (404) come from botocore's model.
    raise RDSClientError("CertificateNotFoundFault", message)


def check_ca_certificate(identifier) -> None:
    """Refuse a CA RDS does not offer, as CreateDBInstance and ModifyDBInstance do."""
    if identifier not in (None, "") and identifier not in ca_certificates():
        _certificate_not_found(f"Certificate not found: {identifier}")


def certificates_view(region: str, identifier=None) -> dict:
    """DescribeCertificates' answer: the catalogue's CAs (one, when asked for by identifier)."""
    spec = catalogue("rds_certificates")
    wanted = [c for c in ca_certificates() if identifier in (None, "") or c == str(identifier).lower()]
    if not wanted:
        _certificate_not_found(f"Certificate {identifier} not found")
    return {
        "DefaultCertificateForNewLaunches": spec["default_for_new_launches"],
        "Certificates": [
            {
                "CertificateIdentifier": name,
                "CertificateType": "CA",
                "CertificateArn": f"arn:aws:rds:{region}::cert:{name}",
                "CustomerOverride": False,
            }
            for name in wanted
        ],
    }


def _rds_refuse(message: str, combination: bool = False):
    from moto.rds.exceptions import InvalidParameterCombination, InvalidParameterValue

    raise (InvalidParameterCombination if combination else InvalidParameterValue)(message)


def check_rds_windows(maintenance, backup) -> tuple:
    """Refuse malformed or short RDS windows; answer them parsed (None where not given)."""
    weekly = daily = None
    if maintenance not in (None, ""):
        weekly = weekly_window(maintenance)
        if weekly is None:
            _rds_refuse(
                f"Invalid maintenance window format: {maintenance}. Should be specified as a range "
                "ddd:hh24:mi-ddd:hh24:mi (24H Clock UTC). Example: Sun:23:45-Mon:00:15"
            )
        if weekly[1] < 30:
            _rds_refuse("The maintenance window must be at least 30 minutes.")
    if backup not in (None, ""):
        daily = daily_window(backup)
        if daily is None:
            _rds_refuse(
                f"Invalid backup window format: {backup}. Should be specified as a range hh24:mi-hh24:mi "
                "(24H Clock UTC). Example: 03:00-03:30"
            )
        if daily[1] < 30:
            _rds_refuse("The backup window must be at least 30 minutes.")
    return weekly, daily


def _check_overlap(weekly, daily) -> None:
    if weekly and daily and windows_overlap(weekly, daily):
        _rds_refuse("The backup window and maintenance window must not overlap.")


def check_aurora_version(engine, version) -> None:
    if engine == AURORA_POSTGRESQL and version not in (None, "") and aurora_version(version) is None:
        _rds_refuse(f"Cannot find version {version} for {engine}", combination=True)


def _check_instance_class(engine, version, instance_class, verb: str = "creating") -> None:
    if engine != AURORA_POSTGRESQL or not instance_class:
        return
    minor = aurora_version(version)
    if minor is None or orderable(instance_class, minor):
        return
    license_model = catalogue("aurora_postgresql")["license_model"]
    _rds_refuse(
        f"RDS does not support {verb} a DB instance with the following combination: DBInstanceClass={instance_class}, "
        f"Engine={engine}, EngineVersion={minor}, LicenseModel={license_model}. For supported combinations of "
        "instance class and database engine version, see the documentation.",
        combination=True,
    )


def _chosen(resource) -> set:
    if not hasattr(resource, "rules_chosen_windows"):
        resource.rules_chosen_windows = set()
    return resource.rules_chosen_windows


def _given_windows(kwargs) -> set:
    return {
        name
        for name, key in (("maintenance", "preferred_maintenance_window"), ("backup", "preferred_backup_window"))
        if kwargs.get(key) not in (None, "")
    }


def orderable_options(region: str, version=None, instance_class=None) -> list[dict]:
    spec = catalogue("aurora_postgresql")
    rows = []
    for minor in aurora_versions():
        if version and minor != version:
            continue
        for family, family_spec in spec["instance_classes"].items():
            for size in family_spec["sizes"]:
                name = f"{family}.{size}" if size else family
                if instance_class and name != instance_class:
                    continue
                if not orderable(name, minor):
                    continue
                # An Aurora class runs where its EC2 type is offered (db.serverless, db.x2g: anywhere).
                zones = (offered_zones(region, name[3:]) if size else []) or offered_zones(region, None)
                rows.append(
                    {
                        "Engine": AURORA_POSTGRESQL,
                        "EngineVersion": minor,
                        "DBInstanceClass": name,
                        "LicenseModel": spec["license_model"],
                        "AvailabilityZones": [{"Name": zone} for zone in zones],
                        "MultiAZCapable": False,
                        "ReadReplicaCapable": False,
                        "Vpc": True,
                        "SupportsStorageEncryption": True,
                        "StorageType": "aurora",
                        "SupportsIops": False,
                        "SupportsEnhancedMonitoring": True,
                        "SupportsIAMDatabaseAuthentication": True,
                        "SupportsPerformanceInsights": True,
                        "SupportedEngineModes": ["provisioned"],
                        "SupportsClusters": True,
                        "SupportedNetworkTypes": ["IPV4", "DUAL"],
                    }
                )
    return rows


def engine_versions_view(engine=None, version=None, family=None, default_only=False) -> list[dict]:
    spec = catalogue("aurora_postgresql")
    if engine and engine != AURORA_POSTGRESQL:
        return []
    versions = aurora_versions()
    rows = []
    for minor in versions:
        major = minor.split(".")[0]
        if version and version not in (minor, major):
            continue
        if family and family != f"{AURORA_POSTGRESQL}{major}":
            continue
        if default_only and minor != (spec["defaults"][major] if version == major else spec["default_version"]):
            continue
        targets = [v for v in versions if _version_key(v) > _version_key(minor)]
        rows.append(
            {
                "Engine": AURORA_POSTGRESQL,
                "EngineVersion": minor,
                "MajorEngineVersion": major,
                "DBParameterGroupFamily": f"{AURORA_POSTGRESQL}{major}",
                "DBEngineDescription": spec["description"],
                "DBEngineVersionDescription": f"Aurora PostgreSQL (Compatible with PostgreSQL {minor})",
                "ValidUpgradeTarget": [
                    {
                        "Engine": AURORA_POSTGRESQL,
                        "EngineVersion": target,
                        "Description": f"Aurora PostgreSQL (Compatible with PostgreSQL {target})",
                        "AutoUpgrade": False,
                        "IsMajorVersionUpgrade": target.split(".")[0] != major,
                    }
                    for target in targets
                ],
                "ExportableLogTypes": ["postgresql"],
                "SupportsLogExportsToCloudwatchLogs": True,
                "SupportsReadReplica": False,
                "SupportedEngineModes": ["provisioned"],
                "Status": "available",
                "SupportsParallelQuery": False,
                "SupportsGlobalDatabases": True,
                "SupportedCACertificateIdentifiers": ca_certificates(),
            }
        )
    return rows


def _apply_rds() -> None:
    from moto.core.responses import ActionResult, PaginatedResult
    from moto.rds.models import DBCluster, RDSBackend
    from moto.rds.responses import RDSResponse

    default_engine_version = DBCluster.default_engine_version

    def aurora_default(engine: str) -> str:
        if engine == AURORA_POSTGRESQL:
            return catalogue("aurora_postgresql")["default_version"]
        return default_engine_version(engine)

    DBCluster.default_engine_version = staticmethod(aurora_default)

    create_cluster = RDSBackend.create_db_cluster

    def create_db_cluster(self, kwargs):
        weekly, daily = check_rds_windows(
            kwargs.get("preferred_maintenance_window"), kwargs.get("preferred_backup_window")
        )
        _check_overlap(weekly, daily)
        retention = _int(kwargs.get("backup_retention_period"))
        if retention is not None and not 1 <= retention <= 35:
            _rds_refuse(f"Invalid backup retention period: {retention}. Must be a value from 1 to 35.")
        check_aurora_version(kwargs.get("engine"), kwargs.get("engine_version"))
        cluster = create_cluster(self, kwargs)
        _chosen(cluster).update(_given_windows(kwargs))
        return cluster

    RDSBackend.create_db_cluster = create_db_cluster
    modify_cluster = RDSBackend.modify_db_cluster

    def modify_db_cluster(self, kwargs):
        cluster = self.clusters.get(kwargs.get("db_cluster_identifier"))
        if cluster is not None:
            weekly, daily = check_rds_windows(
                kwargs.get("preferred_maintenance_window"), kwargs.get("preferred_backup_window")
            )
            given = _given_windows(kwargs)
            if given:
                chosen = _chosen(cluster)
                if weekly is None and "maintenance" in chosen:
                    weekly = weekly_window(cluster.preferred_maintenance_window)
                if daily is None and "backup" in chosen:
                    daily = daily_window(cluster.preferred_backup_window)
            _check_overlap(weekly, daily)
            retention = _int(kwargs.get("backup_retention_period"))
            if retention is not None and not 1 <= retention <= 35:
                _rds_refuse(f"Invalid backup retention period: {retention}. Must be a value from 1 to 35.")
            check_aurora_version(cluster.engine, kwargs.get("engine_version"))
        answer = modify_cluster(self, kwargs)
        if cluster is not None:
            _chosen(cluster).update(_given_windows(kwargs))
        return answer

    RDSBackend.modify_db_cluster = modify_db_cluster
    create_instance = RDSBackend.create_db_instance

    def create_db_instance(self, db_kwargs):
        check_rds_windows(db_kwargs.get("preferred_maintenance_window"), db_kwargs.get("preferred_backup_window"))
        check_ca_certificate(db_kwargs.get("ca_certificate_identifier"))
        engine = db_kwargs.get("engine")
        version = db_kwargs.get("engine_version")
        check_aurora_version(engine, version)
        cluster = self.clusters.get(db_kwargs.get("db_cluster_identifier") or "")
        if not version and cluster is not None:
            version = cluster.engine_version
        _check_instance_class(engine, version, db_kwargs.get("db_instance_class"))
        return create_instance(self, db_kwargs)

    RDSBackend.create_db_instance = create_db_instance
    modify_instance = RDSBackend.modify_db_instance

    def modify_db_instance(self, db_instance_identifier, db_kwargs):
        check_rds_windows(db_kwargs.get("preferred_maintenance_window"), db_kwargs.get("preferred_backup_window"))
        check_ca_certificate(db_kwargs.get("ca_certificate_identifier"))
        instance = self.databases.get(db_instance_identifier)
        if instance is not None:
            check_aurora_version(instance.engine, db_kwargs.get("engine_version"))
            version = db_kwargs.get("engine_version") or instance.engine_version
            instance_class = db_kwargs.get("db_instance_class")
            if instance_class and instance_class != instance.db_instance_class:
                _check_instance_class(instance.engine, version, instance_class, verb="modifying")
        return modify_instance(self, db_instance_identifier, db_kwargs)

    RDSBackend.modify_db_instance = modify_db_instance
    original_orderable = RDSResponse.describe_orderable_db_instance_options

    def describe_orderable_db_instance_options(self):
        if self.params.get("Engine") != AURORA_POSTGRESQL:
            return original_orderable(self)
        rows = orderable_options(self.region, self.params.get("EngineVersion"), self.params.get("DBInstanceClass"))
        license_model = self.params.get("LicenseModel")
        if license_model and license_model != catalogue("aurora_postgresql")["license_model"]:
            rows = []
        if str(self.params.get("Vpc", "true")).lower() == "false":
            rows = []
        return PaginatedResult({"OrderableDBInstanceOptions": rows})

    RDSResponse.describe_orderable_db_instance_options = describe_orderable_db_instance_options

    def describe_db_engine_versions(self):
        filters = {f.get("Name"): f.get("Values") or [] for f in self.params.get("Filters") or []}
        rows = engine_versions_view(
            self.params.get("Engine"),
            self.params.get("EngineVersion"),
            self.params.get("DBParameterGroupFamily"),
            str(self.params.get("DefaultOnly", "false")).lower() == "true",
        )
        for name, field in (
            ("engine", "Engine"),
            ("engine-version", "EngineVersion"),
            ("db-parameter-group-family", "DBParameterGroupFamily"),
            ("status", "Status"),
        ):
            if name in filters:
                rows = [r for r in rows if r[field] in filters[name]]
        return PaginatedResult({"DBEngineVersions": rows})

    RDSResponse.describe_db_engine_versions = describe_db_engine_versions

    def describe_certificates(self):
        return ActionResult(certificates_view(self.region, self.params.get("CertificateIdentifier")))

    RDSResponse.describe_certificates = describe_certificates


# -- ELBv2 -----------------------------------------------------------------------------------------
HTTP_CODE_ITEM = re.compile(r"^(\d{1,3})(?:-(\d{1,3}))?$")


@lru_cache(maxsize=1)
def target_group_limits() -> dict:
    """{parameter: (min, max)} of CreateTargetGroup's health check members in botocore's elbv2 model."""
    import botocore.session

    members = botocore.session.get_session().get_service_model("elbv2").shape_for("CreateTargetGroupInput").members
    limits = {}
    for name in (
        "HealthCheckIntervalSeconds",
        "HealthCheckTimeoutSeconds",
        "HealthyThresholdCount",
        "UnhealthyThresholdCount",
        "HealthCheckPath",
    ):
        metadata = members[name].metadata
        limits[name] = (metadata.get("min"), metadata.get("max"))
    return limits


def _elb_refuse(message: str):
    from moto.elbv2.exceptions import ValidationError

    raise ValidationError(message)


def _lower_camel(name: str) -> str:
    return name[0].lower() + name[1:]


def check_codes(codes: str, low: int, high: int, what: str) -> None:
    """Refuse a matcher that is not a list of codes or code ranges within low..high."""
    for item in str(codes).split(","):
        match = HTTP_CODE_ITEM.match(item.strip())
        if not match:
            _elb_refuse(f"{what} '{codes}' is not valid: specify values like 200, 200,202 or 200-299")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if first > last or not (low <= first <= high and low <= last <= high):
            _elb_refuse(f"{what} '{item.strip()}' must be within '{low}-{high}' inclusive")


def check_target_group(get, protocol) -> None:
    """Refuse health check settings ELBv2 refuses (`get` reads a request parameter)."""
    for name, (low, high) in target_group_limits().items():
        value = get(name)
        if value in (None, ""):
            continue
        if name == "HealthCheckPath":
            if not low <= len(value) <= high:
                _elb_refuse(
                    f"1 validation error detected: Value '{value}' at 'healthCheckPath' failed to satisfy "
                    f"constraint: Member must have length between {low} and {high}"
                )
            if not value.startswith("/"):
                _elb_refuse(f"Health check path '{value}' must begin with a '/' character")
            continue
        number = _int(value)
        if number is not None and number < low:
            _elb_refuse(
                f"1 validation error detected: Value '{number}' at '{_lower_camel(name)}' failed to satisfy "
                f"constraint: Member must have value greater than or equal to {low}"
            )
        if number is not None and number > high:
            _elb_refuse(
                f"1 validation error detected: Value '{number}' at '{_lower_camel(name)}' failed to satisfy "
                f"constraint: Member must have value less than or equal to {high}"
            )
    http_code = get("Matcher.HttpCode")
    if http_code not in (None, ""):
        if protocol == "GENEVE":
            if http_code != "200-399":
                _elb_refuse(f"Health check matcher HTTP code '{http_code}' must be '200-399' for GENEVE")
        elif protocol in ("HTTP", "HTTPS") or protocol is None:
            check_codes(http_code, 200, 499, "Health check matcher HTTP code")
        else:
            check_codes(http_code, 200, 599, "Health check matcher HTTP code")
    grpc_code = get("Matcher.GrpcCode")
    if grpc_code not in (None, ""):
        check_codes(grpc_code, 0, 99, "Health check matcher gRPC code")


def _apply_elbv2() -> None:
    from moto.elbv2.responses import ELBV2Response

    create = ELBV2Response.create_target_group

    def create_target_group(self):
        check_target_group(self._get_param, self._get_param("Protocol"))
        return create(self)

    ELBV2Response.create_target_group = create_target_group
    modify = ELBV2Response.modify_target_group

    def modify_target_group(self):
        group = self.elbv2_backend.target_groups.get(self._get_param("TargetGroupArn"))
        if group is not None:
            check_target_group(self._get_param, group.protocol)
            interval = _int(self._get_param("HealthCheckIntervalSeconds"))
            timeout = _int(self._get_param("HealthCheckTimeoutSeconds"))
            if interval is not None or timeout is not None:
                interval = interval if interval is not None else _int(group.health_check_interval_seconds)
                timeout = timeout if timeout is not None else _int(group.health_check_timeout_seconds)
                if interval is not None and timeout is not None:
                    if group.protocol in ("HTTP", "HTTPS") and timeout >= interval:
                        _elb_refuse(f"Health check timeout '{timeout}' must be smaller than the interval '{interval}'")
                    if timeout > interval:
                        _elb_refuse(
                            f"Health check timeout '{timeout}' must be smaller than or equal to the interval "
                            f"'{interval}'"
                        )
        return modify(self)

    ELBV2Response.modify_target_group = modify_target_group


# -- EC2 -------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def instance_types() -> frozenset:
    """Every EC2 instance type: the ``InstanceType`` enum of botocore's ec2 service model."""
    import botocore.session

    return frozenset(botocore.session.get_session().get_service_model("ec2").shape_for("InstanceType").enum)


@lru_cache(maxsize=32)
def _zone_offerings(region: str) -> dict:
    """{instance type: zones of the region offering it} from moto's DescribeInstanceTypeOfferings data."""
    from moto.ec2.models.instance_types import INSTANCE_TYPE_OFFERINGS

    by_type: dict = {}
    for offering in INSTANCE_TYPE_OFFERINGS.get("availability-zone", {}).get(region, []):
        by_type.setdefault(offering["InstanceType"], set()).add(offering["Location"])
    return {t: tuple(sorted(zones)) for t, zones in by_type.items()}


def offered_zones(region: str, instance_type: str | None) -> list[str]:
    """The zones of a region that offer an instance type (any type: None)."""
    offerings = _zone_offerings(region)
    if instance_type is None:
        return sorted({zone for zones in offerings.values() for zone in zones})
    return list(offerings.get(instance_type, ()))


def offered_in_region(region: str, instance_type: str) -> bool:
    offerings = _zone_offerings(region)
    if not offerings:  # a region moto has no data for: the model's enum decides alone
        return True
    return instance_type in offerings


def _ec2_refuse_type(instance_type) -> None:
    from moto.ec2.exceptions import EC2ClientError

    raise EC2ClientError("InvalidParameterValue", f"Invalid value '{instance_type}' for InstanceType.")


def _apply_ec2() -> None:
    from moto.ec2.models.instance_types import InstanceTypeOfferingBackend
    from moto.ec2.responses.instances import InstanceResponse
    from moto.ec2.responses.launch_templates import LaunchTemplates

    run = InstanceResponse.run_instances

    def run_instances(self):
        instance_type = self._get_param("InstanceType")
        if instance_type and instance_type not in instance_types():
            _ec2_refuse_type(instance_type)
        return run(self)

    InstanceResponse.run_instances = run_instances
    for operation in ("create_launch_template", "create_launch_template_version"):
        original = getattr(LaunchTemplates, operation)

        def checked(self, _original=original):
            instance_type = self._get_param("LaunchTemplateData.InstanceType")
            if instance_type and instance_type not in instance_types():
                _ec2_refuse_type(instance_type)
            return _original(self)

        setattr(LaunchTemplates, operation, checked)

    def matches_filters(self, offering, filters, location_type):
        def matches(value, patterns):
            return value is not None and any(fnmatch.fnmatchcase(value, p) for p in patterns)

        for key, values in (filters or {}).items():
            if key == "location":
                location = offering.get("Location")
                if location_type == "region":
                    if not any(location.startswith(v) or fnmatch.fnmatchcase(location, v) for v in values):
                        return False
                elif not matches(location, values):
                    return False
            elif key == "instance-type":
                if not matches(offering.get("InstanceType"), values):
                    return False
            else:
                return False
        return True

    InstanceTypeOfferingBackend.matches_filters = matches_filters


# -- EKS -------------------------------------------------------------------------------------------
LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
TAINT_EFFECTS = ("NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE")
MAX_TAINTS = 50
EKS_KEY_MAX = 63  # EKS API reference, Taint and labels: "Maximum length of 63"


def key_problem(key) -> str | None:
    """Why a Kubernetes label or taint key is not valid, or None."""
    if not isinstance(key, str) or not key:
        return "a key must not be empty"
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not DNS_SUBDOMAIN.match(prefix)):
        return "its prefix must be a DNS subdomain (lowercase letters, digits, '-' and '.') of at most 253 characters"
    if not name or len(name) > 63 or not LABEL_NAME.match(name):
        return (
            "its name must be at most 63 characters, begin and end with a letter or digit, and contain only "
            "letters, digits, '-', '_' and '.'"
        )
    if len(key) > EKS_KEY_MAX:
        return f"it must be at most {EKS_KEY_MAX} characters"
    return None


def value_problem(value) -> str | None:
    """Why a Kubernetes label or taint value is not valid, or None (empty is valid)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 63 or not LABEL_NAME.match(value):
        return (
            "a value must be empty or at most 63 characters, begin and end with a letter or digit, and contain "
            "only letters, digits, '-', '_' and '.'"
        )
    return None


def labels_problem(labels) -> str | None:
    for key, value in (labels or {}).items():
        problem = key_problem(key)
        if problem:
            return f"Label key '{key}' is not valid: {problem}"
        problem = value_problem(value)
        if problem:
            return f"Label value '{value}' of key '{key}' is not valid: {problem}"
    return None


def taints_problem(taints) -> str | None:
    for taint in taints or []:
        key = (taint or {}).get("key")
        problem = key_problem(key)
        if problem:
            return f"Taint key '{key}' is not valid: {problem}"
        problem = value_problem(taint.get("value"))
        if problem:
            return f"Taint value '{taint.get('value')}' of key '{key}' is not valid: {problem}"
        if taint.get("effect") not in TAINT_EFFECTS:
            return (
                f"Taint effect '{taint.get('effect')}' of key '{key}' is not valid: it must be one of "
                f"{', '.join(TAINT_EFFECTS)}"
            )
    return None


def _apply_eks() -> None:
    from .extensions import eks
    from .extensions.base import ACCOUNT_ID, error

    def instance_types_problem(req, body):
        if body.get("launchTemplate") and not body.get("instanceTypes"):
            return None  # the launch template's type (checked by CreateLaunchTemplate)
        wanted = body.get("instanceTypes") or ["t3.medium"]
        unknown = [t for t in wanted if t not in instance_types() or not offered_in_region(req.region, t)]
        if unknown:
            return eks._invalid(f"The following supplied instance types do not exist: [{', '.join(unknown)}]")
        from moto.ec2.models import ec2_backends

        try:
            subnets = ec2_backends[ACCOUNT_ID][req.region].describe_subnets(subnet_ids=body.get("subnets") or [])
        except Exception:  # moto's not-found error: the subnets are the create's business
            return None
        zones = sorted({s.availability_zone for s in subnets}) if body.get("subnets") else []
        for instance_type in wanted:
            offered = offered_zones(req.region, instance_type)
            if not offered:
                continue  # a region moto has no zone data for
            missing = [z for z in zones if z not in offered]
            if missing:
                return error(
                    400,
                    "InvalidRequestException",
                    f"Your requested instance type ({instance_type}) is not supported in your requested Availability "
                    f"Zone ({missing[0]}). Please retry your request by not specifying an Availability Zone or "
                    f"choosing {', '.join(offered)}.",
                )
        return None

    create = eks.Eks._CreateNodegroup

    def create_nodegroup(self, req):
        body = req.json()
        problem = labels_problem(body.get("labels")) or taints_problem(body.get("taints"))
        if problem:
            return eks._invalid(problem)
        if len(body.get("taints") or []) > MAX_TAINTS:
            return eks._invalid(f"A node group can have at most {MAX_TAINTS} taints")
        refused = instance_types_problem(req, body)
        if refused:
            return refused
        return create(self, req)

    eks.Eks._CreateNodegroup = create_nodegroup
    update = eks.Eks._UpdateNodegroupConfig

    def update_nodegroup_config(self, req):
        body = req.json()
        labels = body.get("labels") or {}
        taints = body.get("taints") or {}
        problem = labels_problem(labels.get("addOrUpdateLabels")) or taints_problem(taints.get("addOrUpdateTaints"))
        if problem:
            return eks._invalid(problem)
        scaling = body.get("scalingConfig") or {}
        for field, least in (("minSize", 0), ("maxSize", 1), ("desiredSize", 0)):
            value = scaling.get(field)
            if isinstance(value, int) and value < least:
                return eks._invalid(f"Invalid scaling configuration {scaling}: {field} must be at least {least}")
        group, _cname, _name = self._nodegroup(req)
        if group is not None and taints:
            kept = {
                (t.get("key"), t.get("effect"))
                for t in group.get("taints") or []
                if (t.get("key"), t.get("effect"))
                not in {(r.get("key"), r.get("effect")) for r in taints.get("removeTaints") or []}
            }
            kept |= {(t.get("key"), t.get("effect")) for t in taints.get("addOrUpdateTaints") or []}
            if len(kept) > MAX_TAINTS:
                return eks._invalid(f"A node group can have at most {MAX_TAINTS} taints")
        return update(self, req)

    eks.Eks._UpdateNodegroupConfig = update_nodegroup_config


# -- S3 --------------------------------------------------------------------------------------------
BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
IP_ADDRESS = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def bucket_name_problem(name: str, namespace: str | None = None) -> str | None:
    """Which general purpose bucket naming rule a name breaks, or None."""
    rules = catalogue("s3_bucket_names")
    if not rules["min_length"] <= len(name) <= rules["max_length"]:
        return f"a name is {rules['min_length']} to {rules['max_length']} characters long"
    if not BUCKET_CHARS.match(name):
        return "a name has lowercase letters, digits, '.' and '-' only, and begins and ends with a letter or digit"
    if ".." in name:
        return "a name has no two adjacent periods"
    if IP_ADDRESS.match(name):
        return "a name is not formatted as an IP address"
    for prefix in rules["reserved_prefixes"]:
        if name.startswith(prefix):
            return f"the prefix {prefix} is reserved"
    for suffix in rules["reserved_suffixes"]:
        if name.endswith(suffix):
            return f"the suffix {suffix} is reserved"
    if name.endswith(rules["account_regional_suffix"]) and namespace != "account-regional":
        return f"the suffix {rules['account_regional_suffix']} is for buckets of the account regional namespace"
    return None


def _apply_s3() -> None:
    from moto.s3.exceptions import InvalidBucketName
    from moto.s3.models import S3Backend

    create = S3Backend.create_bucket

    def create_bucket(self, bucket_name, region_name, *args, **kwargs):
        namespace = kwargs.get("bucket_namespace") or (args[0] if args else None)
        if bucket_name_problem(bucket_name, namespace):
            raise InvalidBucketName()
        return create(self, bucket_name, region_name, *args, **kwargs)

    S3Backend.create_bucket = create_bucket


_applied = False


def apply() -> None:
    """Patch moto (and the EKS extension) with the rules above; after elasticache.apply()."""
    global _applied  # noqa: PLW0603 - patch once per process
    if _applied:
        return
    _apply_elasticache()
    _apply_rds()
    _apply_elbv2()
    _apply_ec2()
    _apply_eks()
    _apply_s3()
    _applied = True
