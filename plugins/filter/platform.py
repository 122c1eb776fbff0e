# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The environment's outputs: the flat parameters published in SSM, and the summary printed at the end."""

from __future__ import annotations

COMPONENTS = ("network", "eks", "alb", "data_tier", "data_plane", "compliance")


def _get(data, *path):
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _subnets(network, tier):
    by_az = _get(network, "subnets_by_tier_and_az", tier) or {}
    return [by_az[az] for az in sorted(by_az) if by_az[az]]


def platform_output_parameters(outputs: dict) -> dict:
    """{'parameters': {relative name: value}, 'components': [the components the run touched]}.

    A component whose outputs are None did not run (its parameters stay as they are); one whose
    outputs are empty was torn down or is off (its parameters go).
    """
    network = outputs.get("network") or {}
    eks = outputs.get("eks") or {}
    alb = outputs.get("alb") or {}
    data = outputs.get("data_tier") or {}
    compliance = outputs.get("compliance") or {}
    plane = outputs.get("data_plane") or {}
    aurora = data.get("aurora") or {}
    redis = data.get("redis") or {}
    parameters = {
        "network/vpc_id": network.get("vpc_id"),
        "network/vpc_cidr": network.get("vpc_cidr"),
        "network/availability_zones": network.get("availability_zones"),
        "network/public_subnet_ids": _subnets(network, "public"),
        "network/private_subnet_ids": _subnets(network, "private"),
        "network/data_subnet_ids": _subnets(network, "data"),
        "network/nat_public_ips": [ip for ip in network.get("nat_public_ips") or [] if ip],
        "eks/cluster_name": eks.get("cluster_name"),
        "eks/cluster_arn": eks.get("cluster_arn"),
        "eks/version": eks.get("version"),
        "eks/endpoint": eks.get("endpoint"),
        "eks/oidc_issuer": eks.get("oidc_issuer"),
        "eks/oidc_provider_arn": eks.get("oidc_provider_arn"),
        "eks/cluster_security_group_id": eks.get("cluster_security_group_id"),
        "alb/dns_name": alb.get("dns_name"),
        "alb/zone_id": alb.get("zone_id"),
        "alb/arn": alb.get("arn"),
        "alb/targets_security_group_id": alb.get("targets_security_group_id"),
        "data_tier/clients_security_group_id": data.get("clients_security_group_id"),
        "data_tier/aurora/writer_endpoint": aurora.get("writer_endpoint"),
        "data_tier/aurora/reader_endpoint": aurora.get("reader_endpoint"),
        "data_tier/aurora/port": aurora.get("port"),
        "data_tier/aurora/master_user_secret_arn": aurora.get("master_user_secret_arn"),
        "data_tier/redis/primary_endpoint": redis.get("primary_endpoint") or redis.get("configuration_endpoint"),
        "data_tier/redis/reader_endpoint": redis.get("reader_endpoint"),
        "data_tier/redis/port": redis.get("port"),
        "data_tier/redis/auth_token_secret_arn": redis.get("auth_token_secret_arn"),
        "data_plane/ledger/table_arn": plane.get("ledger_table_arn"),
        "data_plane/ledger/stream_arn": plane.get("ledger_stream_arn"),
        "data_plane/archive/bucket": plane.get("archive_bucket"),
        "data_plane/archive/glue_database": plane.get("glue_database"),
        "data_plane/archive/athena_workgroup": plane.get("athena_workgroup"),
        "compliance/alerts_topic_arn": compliance.get("alerts_topic_arn"),
        "compliance/dashboard": compliance.get("dashboard"),
    }
    # A parameter a stream (its ARN), and one listing its fan-out consumers' ARNs (each ends with the consumer's name).
    for stream, arn in sorted((plane.get("streams") or {}).items()):
        parameters[f"data_plane/streams/{stream}"] = arn
    for stream, arns in sorted((plane.get("consumers") or {}).items()):
        parameters[f"data_plane/consumers/{stream}"] = sorted(arns)
    parameters = {k: v for k, v in parameters.items() if v not in (None, "", [])}
    return {"parameters": parameters, "components": [c for c in COMPONENTS if outputs.get(c) is not None]}


def platform_summary(outputs: dict) -> list:
    """The outputs as a few readable lines, one per component."""
    env, region = outputs.get("environment"), outputs.get("region")
    path = outputs.get("parameters_path")
    lines = [f"{env} ({region})" + (f" - outputs published as SSM parameters under {path}" if path else "")]
    network = outputs.get("network") or {}
    if network.get("vpc_id"):
        lines.append(
            f"network:    VPC {network['vpc_id']} {network.get('vpc_cidr', '')}, "
            f"private subnets {', '.join(_subnets(network, 'private')) or '-'}, "
            f"NAT IPs {', '.join(ip for ip in network.get('nat_public_ips') or [] if ip) or '-'}"
        )
    eks = outputs.get("eks") or {}
    if eks.get("cluster_name"):
        lines.append(
            f"eks:        cluster {eks['cluster_name']} (Kubernetes {eks.get('version')}) at {eks.get('endpoint')}, "
            f"OIDC issuer {eks.get('oidc_issuer')}"
        )
    alb = outputs.get("alb") or {}
    if alb.get("dns_name"):
        lines.append(f"alb:        https://{alb['dns_name']}")
    data = outputs.get("data_tier") or {}
    aurora = data.get("aurora") or {}
    if aurora.get("writer_endpoint"):
        lines.append(
            f"aurora:     writer {aurora['writer_endpoint']}:{aurora.get('port')}, "
            f"reader {aurora.get('reader_endpoint')}, master password in {aurora.get('master_user_secret_arn')}"
        )
    redis = data.get("redis") or {}
    if redis.get("primary_endpoint") or redis.get("configuration_endpoint"):
        endpoint = redis.get("primary_endpoint") or redis.get("configuration_endpoint")
        lines.append(
            f"redis:      {endpoint}:{redis.get('port')} (TLS), AUTH token in {redis.get('auth_token_secret_arn')}"
        )
    plane = outputs.get("data_plane") or {}
    if plane.get("streams") or plane.get("ledger_table_arn"):
        lines.append(
            f"data_plane: streams {', '.join(sorted(plane.get('streams') or {})) or '-'}, "
            f"ledger {(plane.get('ledger_table_arn') or '-').rsplit('/', 1)[-1]}"
            + (f" (change stream {plane['ledger_stream_arn']})" if plane.get("ledger_stream_arn") else "")
        )
    compliance = outputs.get("compliance") or {}
    if compliance.get("alerts_topic_arn"):
        lines.append(
            f"compliance: alerts to {compliance['alerts_topic_arn']}"
            + (f", dashboard {compliance['dashboard']}" if compliance.get("dashboard") else "")
        )
    if len(lines) == 1:
        lines.append("nothing built in this environment")
    return lines


class FilterModule:
    def filters(self):
        return {"platform_output_parameters": platform_output_parameters, "platform_summary": platform_summary}
