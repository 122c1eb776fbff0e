"""Where moto's answers differ from AWS's in ways the roles depend on, make them AWS's.

Each patch names what AWS does; they are applied once, when the local AWS starts.
"""

from __future__ import annotations

# describe-load-balancer-attributes of a new application load balancer on AWS lists every
# attribute with its default; moto lists five. amazon.aws's elb_application_lb compares them all.
ALB_DEFAULT_ATTRIBUTES = {
    "access_logs.s3.enabled": "false",
    "access_logs.s3.bucket": "",
    "access_logs.s3.prefix": "",
    "connection_logs.s3.enabled": "false",
    "connection_logs.s3.bucket": "",
    "connection_logs.s3.prefix": "",
    "client_keep_alive.seconds": "3600",
    "deletion_protection.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "load_balancing.cross_zone.enabled": "true",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.preserve_host_header.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "routing.http.xff_header_processing.mode": "append",
    "routing.http2.enabled": "true",
    "waf.fail_open.enabled": "false",
    "zonal_shift.config.enabled": "false",
}

_applied = False


def apply() -> None:
    global _applied  # noqa: PLW0603 - patch once per process
    if _applied:
        return
    from moto.elbv2.models import FakeLoadBalancer

    original_init = FakeLoadBalancer.__init__

    def init_with_aws_defaults(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        if self.type == "application":
            self.attrs = dict(ALB_DEFAULT_ATTRIBUTES, **{k: v for k, v in self.attrs.items() if v})

    FakeLoadBalancer.__init__ = init_with_aws_defaults

    # UpdateSecurityGroupRuleDescriptions{Ingress,Egress} answer <return>true</return> on AWS;
    # moto answers nothing, and amazon.aws's ec2_security_group reads "Return".
    from moto.core.responses import ActionResult
    from moto.ec2.responses.security_groups import SecurityGroups

    for name in ("update_security_group_rule_descriptions_ingress", "update_security_group_rule_descriptions_egress"):
        original = getattr(SecurityGroups, name)

        def answered_true(self, _original=original):
            _original(self)
            return ActionResult({"Return": True})

        setattr(SecurityGroups, name, answered_true)

    # KMS takes a key ARN wherever it takes a key id; moto's key-state calls look the raw id up.
    from moto.kms.models import KmsBackend

    for name in ("schedule_key_deletion", "cancel_key_deletion", "enable_key", "disable_key"):
        original = getattr(KmsBackend, name)

        def by_any_key_id(self, key_id, *args, _original=original, **kwargs):
            return _original(self, self.get_key_id(key_id), *args, **kwargs)

        setattr(KmsBackend, name, by_any_key_id)

    # CloudTrail: DescribeTrails answers only the trails of trailNameList (names or ARNs) when it is
    # given, and DeleteTrail takes a trail ARN as well as a name; moto ignores the list and the ARN.
    import json

    from moto.cloudtrail.models import CloudTrailBackend
    from moto.cloudtrail.responses import CloudTrailResponse

    original_delete = CloudTrailBackend.delete_trail

    def delete_by_name_or_arn(self, name):
        return original_delete(self, name.split(":trail/", 1)[1] if name.startswith("arn:") else name)

    CloudTrailBackend.delete_trail = delete_by_name_or_arn
    original_describe = CloudTrailResponse.describe_trails

    def describe_listed(self):
        answer = original_describe(self)
        wanted = self._get_param("trailNameList") or []
        if not wanted:
            return answer
        trails = json.loads(answer)["trailList"]
        keep = [t for t in trails if t.get("Name") in wanted or t.get("TrailARN") in wanted]
        return json.dumps({"trailList": keep})

    CloudTrailResponse.describe_trails = describe_listed

    from . import (
        athena,
        backup,
        dynamodb,
        elasticache,
        firehose,
        glue,
        iam,
        kinesis,
        kms,
        logs,
        rds_events,
        rules,
        s3,
        secrets,
        trails,
        vpc,
        waf,
    )

    elasticache.apply()
    rules.apply()  # AWS's service rules (rules.py), on top of elasticache.py's operations
    logs.apply()
    vpc.apply()
    iam.apply()
    trails.apply()
    waf.apply()
    kms.apply()
    rds_events.apply()
    secrets.apply()
    s3.apply()
    backup.apply()
    dynamodb.apply()
    kinesis.apply()
    firehose.apply()
    glue.apply()
    athena.apply()
    _latency()
    aurora_parameter_defaults()
    performance_insights()
    automated_backups_go_with_their_cluster()
    generated_master_passwords()
    managed_master_secrets_rotate()
    ca_certificates_as_rds_keeps_them()
    engine_upgrades_wait_for_the_window()
    oidc_provider_audiences()
    parameter_group_resets()
    subnet_group_modifications()
    _applied = True


def oidc_provider_audiences() -> None:
    """IAM AddClientIDToOpenIDConnectProvider and RemoveClientIDFromOpenIDConnectProvider (moto lacks both)."""
    from moto.core.responses import EmptyResult
    from moto.iam.responses import IamResponse

    def add_client_id_to_open_id_connect_provider(self):
        provider = self.backend.get_open_id_connect_provider(self._get_param("OpenIDConnectProviderArn"))
        if self._get_param("ClientID") not in provider.client_id_list:
            provider.client_id_list.append(self._get_param("ClientID"))
        return EmptyResult()

    def remove_client_id_from_open_id_connect_provider(self):
        provider = self.backend.get_open_id_connect_provider(self._get_param("OpenIDConnectProviderArn"))
        if self._get_param("ClientID") in provider.client_id_list:
            provider.client_id_list.remove(self._get_param("ClientID"))
        return EmptyResult()

    IamResponse.add_client_id_to_open_id_connect_provider = add_client_id_to_open_id_connect_provider
    IamResponse.remove_client_id_from_open_id_connect_provider = remove_client_id_from_open_id_connect_provider


def _latency() -> None:
    """Aurora clusters and instances, NAT gateways and load balancers stay creating / pending /
    provisioning / deleting for the latency model."""
    from moto.ec2.models.nat_gateways import NatGatewayBackend
    from moto.elbv2.models import ELBv2Backend, FakeLoadBalancer
    from moto.rds.models import DBCluster, RDSBackend

    from .latency import MODEL

    create_cluster = RDSBackend.create_db_cluster

    def create_db_cluster(self, kwargs):
        cluster = create_cluster(self, kwargs)
        MODEL.start("rds-cluster", cluster.db_cluster_identifier, "create")
        return cluster

    RDSBackend.create_db_cluster = create_db_cluster
    cluster_status = DBCluster.status

    def status_of_cluster(self):
        action = MODEL.busy("rds-cluster", self.db_cluster_identifier)
        return {"create": "creating", "delete": "deleting"}.get(action) or cluster_status.fget(self)

    DBCluster.status = property(status_of_cluster, cluster_status.fset)

    create_instance = RDSBackend.create_db_instance

    def create_db_instance(self, db_kwargs):
        instance = create_instance(self, db_kwargs)
        if MODEL.start("rds-instance", instance.db_instance_identifier, "create"):
            instance.status = "creating"
        return instance

    RDSBackend.create_db_instance = create_db_instance
    describe_instances = RDSBackend.describe_db_instances

    def gone(self):
        """Instances, then clusters, whose deletion has run its course leave the listings."""
        for key, instance in list(self.databases.items()):
            if instance.status == "deleting" and not MODEL.busy("rds-instance", key):
                del self.databases[key]
        for key, cluster in list(self.clusters.items()):
            if cluster.status == "deleting" and not MODEL.busy("rds-cluster", key) and not cluster.members:
                del self.clusters[key]

    def describe_db_instances(self, *args, **kwargs):
        gone(self)
        found = describe_instances(self, *args, **kwargs)
        for instance in found:
            action = MODEL.busy("rds-instance", instance.db_instance_identifier)
            if action == "create":
                instance.status = "creating"
            elif action is None and instance.status == "creating":
                instance.status = "available"
        return found

    RDSBackend.describe_db_instances = describe_db_instances
    describe_clusters = RDSBackend.describe_db_clusters

    def describe_db_clusters(self, *args, **kwargs):
        gone(self)
        return describe_clusters(self, *args, **kwargs)

    RDSBackend.describe_db_clusters = describe_db_clusters
    delete_instance = RDSBackend.delete_db_instance

    def delete_db_instance(self, db_instance_identifier, *args, **kwargs):
        instance = delete_instance(self, db_instance_identifier, *args, **kwargs)
        if MODEL.start("rds-instance", db_instance_identifier, "delete"):
            self.databases[db_instance_identifier] = instance  # listed, "deleting", until its time is up
        return instance

    RDSBackend.delete_db_instance = delete_db_instance
    delete_cluster = RDSBackend.delete_db_cluster

    def delete_db_cluster(self, cluster_identifier, *args, **kwargs):
        # As on AWS, a cluster whose instances are all deleting may be deleted.
        cluster = self.clusters.get(cluster_identifier)
        if cluster is not None and cluster.status == "deleting":
            return cluster
        leaving = {}
        if cluster is not None and all(m.status == "deleting" for m in cluster.members):
            leaving = {m.db_instance_identifier: m for m in cluster.members}
            for key in leaving:
                del self.databases[key]
        try:
            cluster = delete_cluster(self, cluster_identifier, *args, **kwargs)
        finally:
            self.databases.update(leaving)
        if MODEL.start("rds-cluster", cluster_identifier, "delete") or leaving:
            cluster.status = "deleting"
            self.clusters[cluster_identifier] = cluster
        return cluster

    RDSBackend.delete_db_cluster = delete_db_cluster

    create_nat = NatGatewayBackend.create_nat_gateway

    def create_nat_gateway(self, *args, **kwargs):
        nat = create_nat(self, *args, **kwargs)
        if MODEL.start("nat-gateway", nat.id, "create"):
            nat.state = "pending"
        return nat

    NatGatewayBackend.create_nat_gateway = create_nat_gateway
    describe_nats = NatGatewayBackend.describe_nat_gateways

    def describe_nat_gateways(self, *args, **kwargs):
        for nat in self.nat_gateways.values():
            if nat.state == "pending" and not MODEL.busy("nat-gateway", nat.id):
                nat.state = "available"
            elif nat.state == "deleting" and not MODEL.busy("nat-gateway", nat.id):
                nat.state = "deleted"
        return describe_nats(self, *args, **kwargs)

    NatGatewayBackend.describe_nat_gateways = describe_nat_gateways
    delete_nat = NatGatewayBackend.delete_nat_gateway

    def delete_nat_gateway(self, nat_gateway_id):
        nat = delete_nat(self, nat_gateway_id)
        if MODEL.start("nat-gateway", nat.id, "delete"):
            nat.state = "deleting"
        return nat

    NatGatewayBackend.delete_nat_gateway = delete_nat_gateway

    create_lb = ELBv2Backend.create_load_balancer

    def create_load_balancer(self, *args, **kwargs):
        balancer = create_lb(self, *args, **kwargs)
        MODEL.start("elbv2-load-balancer", balancer.arn, "create")
        return balancer

    ELBv2Backend.create_load_balancer = create_load_balancer
    activate = FakeLoadBalancer.activate

    def activate_when_provisioned(self):
        if not MODEL.busy("elbv2-load-balancer", self.arn):
            activate(self)

    FakeLoadBalancer.activate = activate_when_provisioned


# Engine defaults of the Aurora PostgreSQL cluster parameters the roles set, as
# DescribeDBClusterParameters lists them (moto lists only the parameters a user has set, so a
# module that checks a name exists before setting it finds none).
AURORA_POSTGRESQL_CLUSTER_DEFAULTS = {
    "rds.force_ssl": ("1", "dynamic", "boolean"),
    "log_min_duration_statement": ("-1", "dynamic", "integer"),
    "log_connections": ("0", "dynamic", "boolean"),
    "log_disconnections": ("0", "dynamic", "boolean"),
    "log_statement": ("none", "dynamic", "string"),
    "shared_preload_libraries": ("pg_stat_statements", "static", "list"),
    "idle_in_transaction_session_timeout": ("86400000", "dynamic", "integer"),
    "statement_timeout": ("0", "dynamic", "integer"),
    "timezone": ("UTC", "dynamic", "string"),
}


def aurora_parameter_defaults() -> None:
    from moto.rds.models import RDSBackend
    from moto.rds.responses import RDSResponse

    original = RDSBackend.describe_db_cluster_parameters

    def describe_db_cluster_parameters(self, name, source=None):
        user = original(self, name)
        group = self.db_cluster_parameter_groups[name]
        rows = []
        if group.db_parameter_group_family.startswith("aurora-postgresql") and source in (None, "engine-default"):
            set_by_user = {p["ParameterName"] for p in user}
            for parameter, (value, apply_type, data_type) in sorted(AURORA_POSTGRESQL_CLUSTER_DEFAULTS.items()):
                if parameter not in set_by_user:
                    rows.append(
                        {
                            "ParameterName": parameter,
                            "ParameterValue": value,
                            "Source": "engine-default",
                            "ApplyType": apply_type,
                            "DataType": data_type,
                            "IsModifiable": True,
                            "ApplyMethod": "pending-reboot" if apply_type == "static" else "immediate",
                        }
                    )
        if source in (None, "user"):
            for p in user:
                value, apply_type, data_type = AURORA_POSTGRESQL_CLUSTER_DEFAULTS.get(
                    p["ParameterName"], ("", "dynamic", "string")
                )
                rows.append(
                    dict({"ApplyType": apply_type, "DataType": data_type, "IsModifiable": True}, **p, Source="user")
                )
        return sorted(rows, key=lambda p: p["ParameterName"])

    RDSBackend.describe_db_cluster_parameters = describe_db_cluster_parameters

    def describe_db_cluster_parameters_response(self):
        from moto.core.responses import ActionResult

        name = self.params.get("DBClusterParameterGroupName")
        if name not in self.backend.db_cluster_parameter_groups:
            from moto.rds.exceptions import DBParameterGroupNotFoundError

            raise DBParameterGroupNotFoundError(name)
        return ActionResult(
            {"Parameters": self.backend.describe_db_cluster_parameters(name, self.params.get("Source"))}
        )

    RDSResponse.describe_db_cluster_parameters = describe_db_cluster_parameters_response

    # DescribeDBParameterGroups of a name that does not exist is DBParameterGroupNotFound on AWS.
    original_groups = RDSResponse.describe_db_parameter_groups

    def describe_db_parameter_groups(self):
        name = self.params.get("DBParameterGroupName")
        if name and not self.backend.describe_db_parameter_groups(dict(self.params)):
            from moto.rds.exceptions import DBParameterGroupNotFoundError

            raise DBParameterGroupNotFoundError(name)
        return original_groups(self)

    RDSResponse.describe_db_parameter_groups = describe_db_parameter_groups


def performance_insights() -> None:
    """RDS instances keep their Performance Insights settings (moto 5.2 drops them)."""
    from moto.rds.models import RDSBackend

    def remember(instance, kwargs):
        if "EnablePerformanceInsights" in kwargs:
            enabled = str(kwargs["EnablePerformanceInsights"]).lower() == "true"
            instance.performance_insights_enabled = enabled
            instance.performance_insights_retention_period = (
                int(kwargs.get("PerformanceInsightsRetentionPeriod") or 7) if enabled else None
            )
            instance.performance_insights_kms_key_id = kwargs.get("PerformanceInsightsKMSKeyId") if enabled else None
        elif not hasattr(instance, "performance_insights_enabled"):
            instance.performance_insights_enabled = False
        return instance

    create = RDSBackend.create_db_instance
    modify = RDSBackend.modify_db_instance
    RDSBackend.create_db_instance = lambda self, db_kwargs: remember(create(self, db_kwargs), db_kwargs)
    RDSBackend.modify_db_instance = lambda self, identifier, db_kwargs: remember(
        modify(self, identifier, db_kwargs), db_kwargs
    )


def automated_backups_go_with_their_cluster() -> None:
    """DeleteDBCluster removes the cluster's automated snapshots (DeleteAutomatedBackups defaults to
    true); moto keeps them, so a deleted environment would leave snapshots behind."""
    from moto.rds.models import RDSBackend

    original = RDSBackend.delete_db_cluster

    def delete_db_cluster(self, cluster_identifier, *args, **kwargs):
        cluster = original(self, cluster_identifier, *args, **kwargs)
        for snapshot_id, snapshot in list(self.cluster_snapshots.items()):
            if snapshot.snapshot_type == "automated" and snapshot.cluster.db_cluster_identifier == cluster_identifier:
                del self.cluster_snapshots[snapshot_id]
        return cluster

    RDSBackend.delete_db_cluster = delete_db_cluster


def generated_master_passwords() -> None:
    """RDS generates a managed master password per cluster (moto writes the same fixed one for all,
    which would make "no password in the output" tests meaningless)."""
    import json as _json
    import secrets as _secrets

    from moto.rds.models import MasterUserSecret

    def secret_string(self):
        username = getattr(self.resource, "master_username", None) or "admin"
        return _json.dumps({"username": username, "password": _secrets.token_urlsafe(24)})

    MasterUserSecret._generate_secret_string = secret_string


def managed_master_secrets_rotate() -> None:
    """The master user secret RDS manages rotates every seven days, as DescribeSecret shows on AWS:
    RotationEnabled true, RotationRules AutomaticallyAfterDays 7, OwningService rds and a
    NextRotationDate ("Password management with Amazon Aurora and AWS Secrets Manager": Aurora rotates
    the secret every seven days by default; "Managed rotation for AWS Secrets Manager secrets": no
    Lambda function). moto creates it without rotation. A test turns rotation off on the backend's
    secret itself, as someone in the console would (moto's CancelRotateSecret wants a Lambda ARN)."""
    import time

    from moto.rds.models import MasterUserSecret
    from moto.secretsmanager.models import FakeSecret

    create = MasterUserSecret._create_secret

    def create_rotating(self, kms_key_id):
        secret = create(self, kms_key_id)
        secret.rotation_requested = True
        secret.rotation_enabled = True
        secret.auto_rotate_after_days = 7
        secret.next_rotation_date = int(time.time()) + 7 * 86400
        return secret

    MasterUserSecret._create_secret = create_rotating
    to_dict = FakeSecret.to_dict

    def without_a_lambda(self):
        answer = to_dict(self)
        if self.owning_service:
            # Managed rotation has no rotation function: AWS leaves RotationLambdaARN out, moto answers "".
            if not answer.get("RotationLambdaARN"):
                answer.pop("RotationLambdaARN", None)
            if not answer.get("RotationEnabled", True):
                answer.pop("NextRotationDate", None)
        return answer

    FakeSecret.to_dict = without_a_lambda


def _applied_now(kwargs) -> bool:
    return str(kwargs.get("apply_immediately") or "false").lower() == "true"


def ca_certificates_as_rds_keeps_them() -> None:
    """A DB instance created without CACertificateIdentifier gets RDS's default for new launches
    (rds-ca-rsa2048-g1 since January 2024; moto answers "rds-ca-default", which is no CA). A CA change
    without ApplyImmediately waits for the maintenance window in PendingModifiedValues, as AWS shows
    it ("Rotating your SSL/TLS certificate"; ModifyDBInstance ApplyImmediately: "the modifications in
    this request and any pending modifications are asynchronously applied as soon as possible");
    with it, the change and the pending one are made at once. The local AWS has no maintenance
    window: a pending CA stays pending."""
    from moto.rds.models import RDSBackend

    from . import rules

    create = RDSBackend.create_db_instance

    def create_db_instance(self, db_kwargs):
        if not db_kwargs.get("ca_certificate_identifier"):
            db_kwargs["ca_certificate_identifier"] = rules.catalogue("rds_certificates")["default_for_new_launches"]
        return create(self, db_kwargs)

    RDSBackend.create_db_instance = create_db_instance
    modify = RDSBackend.modify_db_instance

    def modify_db_instance(self, db_instance_identifier, db_kwargs):
        instance = self.databases.get(db_instance_identifier)
        wanted = db_kwargs.get("ca_certificate_identifier")
        if instance is None:
            return modify(self, db_instance_identifier, db_kwargs)
        pending = dict(getattr(instance, "pending_modified_values", None) or {})
        if wanted:
            rules.check_ca_certificate(wanted)
            if _applied_now(db_kwargs) or wanted == instance.ca_certificate_identifier:
                pending.pop("CACertificateIdentifier", None)
            else:
                pending["CACertificateIdentifier"] = wanted
                db_kwargs.pop("ca_certificate_identifier")
        elif _applied_now(db_kwargs) and "CACertificateIdentifier" in pending:
            db_kwargs["ca_certificate_identifier"] = pending.pop("CACertificateIdentifier")
        answer = modify(self, db_instance_identifier, db_kwargs)
        answer.pending_modified_values = pending
        return answer

    RDSBackend.modify_db_instance = modify_db_instance


def engine_upgrades_wait_for_the_window() -> None:
    """ModifyDBCluster EngineVersion without ApplyImmediately waits for the maintenance window, shown
    in the cluster's PendingModifiedValues ("The change is applied during the next maintenance window
    unless ApplyImmediately is enabled", API reference ModifyDBCluster); moto upgrades at once. The
    local AWS has no maintenance window: a pending upgrade stays pending until a call applies it."""
    from moto.rds.models import RDSBackend

    from . import rules

    modify = RDSBackend.modify_db_cluster

    def modify_db_cluster(self, kwargs):
        cluster_id = kwargs.get("db_cluster_identifier")
        cluster = self.clusters.get(cluster_id)
        wanted = kwargs.get("engine_version")
        if cluster is None or not wanted:
            return modify(self, kwargs)
        pending = dict(getattr(cluster, "pending_modified_values", None) or {})
        if _applied_now(kwargs) or wanted == cluster.engine_version:
            pending.pop("EngineVersion", None)
        else:
            rules.check_aurora_version(cluster.engine, wanted)
            pending["EngineVersion"] = wanted
            kwargs.pop("engine_version")
            kwargs.pop("allow_major_version_upgrade", None)
        answer = modify(self, kwargs)
        kept = self.clusters.get(kwargs.get("new_db_cluster_identifier") or cluster_id)
        for view in {id(answer): answer, id(kept): kept}.values():
            if view is not None:
                view.pending_modified_values = pending
        return answer

    RDSBackend.modify_db_cluster = modify_db_cluster


def parameter_group_resets() -> None:
    """RDS ResetDBClusterParameterGroup and ResetDBParameterGroup (moto lacks both): the parameters
    named, or all with ResetAllParameters, go back to the engine default (here: no user value)."""
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import DBParameterGroupNotFoundError
    from moto.rds.responses import RDSResponse

    def resetter(groups_attribute, name_key):
        def reset(self):
            name = self.params.get(name_key)
            groups = getattr(self.backend, groups_attribute)
            if name not in groups:
                raise DBParameterGroupNotFoundError(name)
            if str(self.params.get("ResetAllParameters")).lower() == "true":
                groups[name].parameters.clear()
            for parameter in self.params.get("Parameters", []):
                groups[name].parameters.pop(parameter.original_dict()["ParameterName"], None)
            return ActionResult({name_key: name})

        return reset

    RDSResponse.reset_db_cluster_parameter_group = resetter(
        "db_cluster_parameter_groups", "DBClusterParameterGroupName"
    )
    RDSResponse.reset_db_parameter_group = resetter("db_parameter_groups", "DBParameterGroupName")


def subnet_group_modifications() -> None:
    """RDS ModifyDBSubnetGroup keeps the group it modifies (moto's drops it), and ElastiCache
    ModifyCacheSubnetGroup changes a group's subnets and description in place (moto lacks it)."""
    from moto.core.responses import ActionResult
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound
    from moto.elasticache.models import CacheSubnetGroup
    from moto.elasticache.responses import ElastiCacheResponse
    from moto.rds.models import RDSBackend

    modify = RDSBackend.modify_db_subnet_group

    def modify_db_subnet_group(self, subnet_name, description, subnets):
        group = modify(self, subnet_name, description, subnets)
        self.subnet_groups[subnet_name] = group
        return group

    RDSBackend.modify_db_subnet_group = modify_db_subnet_group

    def modify_cache_subnet_group(self):
        backend = self.elasticache_backend
        name = self._get_param("CacheSubnetGroupName")
        if name not in backend.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        group = backend.cache_subnet_groups[name]
        description = self._get_param("CacheSubnetGroupDescription") or group.cache_subnet_group_description
        subnet_ids = self._get_param("SubnetIds") or group.subnet_ids
        backend.cache_subnet_groups[name] = CacheSubnetGroup(
            backend.account_id, backend.region_name, name, description, subnet_ids, group.tags
        )
        return ActionResult({"CacheSubnetGroup": backend.cache_subnet_groups[name]})

    ElastiCacheResponse.modify_cache_subnet_group = modify_cache_subnet_group
