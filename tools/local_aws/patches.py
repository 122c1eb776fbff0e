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

    from . import elasticache

    elasticache.apply()
    _latency()
    _applied = True


def _latency() -> None:
    """Aurora clusters and instances and NAT gateways stay creating / pending for the latency model."""
    from moto.ec2.models.nat_gateways import NatGatewayBackend
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
        return "creating" if MODEL.busy("rds-cluster", self.db_cluster_identifier) else cluster_status.fget(self)

    DBCluster.status = property(status_of_cluster, cluster_status.fset)

    create_instance = RDSBackend.create_db_instance

    def create_db_instance(self, db_kwargs):
        instance = create_instance(self, db_kwargs)
        MODEL.start("rds-instance", instance.db_instance_identifier, "create")
        if MODEL.busy("rds-instance", instance.db_instance_identifier):
            instance.status = "creating"
        return instance

    RDSBackend.create_db_instance = create_db_instance
    describe_instances = RDSBackend.describe_db_instances

    def describe_db_instances(self, *args, **kwargs):
        found = describe_instances(self, *args, **kwargs)
        for instance in found:
            if MODEL.busy("rds-instance", instance.db_instance_identifier):
                instance.status = "creating"
            elif instance.status == "creating":
                instance.status = "available"
        return found

    RDSBackend.describe_db_instances = describe_db_instances

    create_nat = NatGatewayBackend.create_nat_gateway

    def create_nat_gateway(self, *args, **kwargs):
        nat = create_nat(self, *args, **kwargs)
        MODEL.start("nat-gateway", nat.id, "create")
        if MODEL.busy("nat-gateway", nat.id):
            nat.state = "pending"
        return nat

    NatGatewayBackend.create_nat_gateway = create_nat_gateway
    describe_nats = NatGatewayBackend.describe_nat_gateways

    def describe_nat_gateways(self, *args, **kwargs):
        for nat in self.nat_gateways.values():
            if nat.state == "pending" and not MODEL.busy("nat-gateway", nat.id):
                nat.state = "available"
        return describe_nats(self, *args, **kwargs)

    NatGatewayBackend.describe_nat_gateways = describe_nat_gateways
