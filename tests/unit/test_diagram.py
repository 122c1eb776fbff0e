"""The diagram filter: the DOT text of a topology (environment_topology_info's result), rendered by
Graphviz's dot, which the project's setup installs (Makefile: graphviz)."""

import html
import re
import shutil
import subprocess

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.filter.diagram import topology_diagram

ZONES = ["us-east-1a", "us-east-1b"]


def topology():
    subnets = []
    for t, tier in enumerate(["public", "private", "data"]):
        for z, zone in enumerate(ZONES):
            subnets.append(
                {
                    "id": f"subnet-{tier}{z}",
                    "vpc_id": "vpc-0abc",
                    "availability_zone": zone,
                    "cidr": f"10.0.{t * 10 + z}.0/24",
                    "tier": tier,
                    "name": f"trading-dev-{tier}-{zone}",
                }
            )
    return {
        "vpcs": [{"id": "vpc-0abc", "cidr": "10.0.0.0/16", "name": "trading-dev"}],
        "subnets": subnets,
        "internet_gateways": [{"id": "igw-01", "vpc_id": "vpc-0abc"}],
        "nat_gateways": [
            {
                "id": f"nat-0{z}",
                "name": f"trading-dev-nat-{zone}",
                "subnet_id": f"subnet-public{z}",
                "availability_zone": zone,
                "public_ip": f"198.51.100.{z + 1}",
                "state": "available",
            }
            for z, zone in enumerate(ZONES)
        ],
        "security_groups": [
            {"id": "sg-clients", "name": "trading-dev-data-clients", "vpc_id": "vpc-0abc", "ingress": []},
            {
                "id": "sg-aurora",
                "name": "trading-dev-aurora",
                "vpc_id": "vpc-0abc",
                "ingress": [
                    {
                        "from_group_ids": ["sg-clients"],
                        "cidrs": [],
                        "protocol": "tcp",
                        "from_port": 5432,
                        "to_port": 5432,
                    }
                ],
            },
            {
                "id": "sg-redis",
                "name": "trading-dev-redis",
                "vpc_id": "vpc-0abc",
                "ingress": [
                    {
                        "from_group_ids": ["sg-clients"],
                        "cidrs": [],
                        "protocol": "tcp",
                        "from_port": 6379,
                        "to_port": 6379,
                    }
                ],
            },
        ],
        "load_balancers": [
            {
                "name": "trading-dev",
                "arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/trading-dev/1",
                "dns_name": "trading-dev-1.us-east-1.elb.amazonaws.com",
                "scheme": "internet-facing",
                "subnet_ids": ["subnet-public0", "subnet-public1"],
                "security_group_ids": ["sg-alb"],
                "web_acl": {
                    "name": "trading-dev",
                    "arn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/trading-dev/1",
                },
                "listeners": [{"port": 443, "protocol": "HTTPS"}, {"port": 80, "protocol": "HTTP"}],
                "target_groups": [
                    {"name": "trading-dev-orders", "port": 8080, "protocol": "HTTP", "target_type": "ip"}
                ],
            }
        ],
        "eks_clusters": [
            {
                "name": "trading-dev",
                "version": "1.32",
                "status": "ACTIVE",
                "endpoint_public_access": False,
                "subnet_ids": ["subnet-private0", "subnet-private1"],
                "security_group_ids": ["sg-cluster"],
                "node_groups": [
                    {
                        "name": "general",
                        "status": "ACTIVE",
                        "instance_types": ["m6i.large"],
                        "capacity_type": "ON_DEMAND",
                        "min_size": 2,
                        "max_size": 6,
                        "desired_size": 3,
                        "subnet_ids": ["subnet-private0", "subnet-private1"],
                        "security_group_ids": ["sg-cluster", "sg-clients"],
                    }
                ],
                "addons": ["coredns", "kube-proxy", "vpc-cni"],
            }
        ],
        "db_clusters": [
            {
                "identifier": "trading-dev-aurora",
                "engine": "aurora-postgresql",
                "engine_version": "16.4",
                "status": "available",
                "endpoint": "trading-dev-aurora.cluster-x.us-east-1.rds.amazonaws.com",
                "reader_endpoint": "trading-dev-aurora.cluster-ro-x.us-east-1.rds.amazonaws.com",
                "port": 5432,
                "security_group_ids": ["sg-aurora"],
                "instances": [
                    {
                        "identifier": "trading-dev-aurora-1",
                        "instance_class": "db.r6g.large",
                        "availability_zone": ZONES[0],
                        "role": "writer",
                        "status": "available",
                    },
                    {
                        "identifier": "trading-dev-aurora-2",
                        "instance_class": "db.r6g.large",
                        "availability_zone": ZONES[1],
                        "role": "reader",
                        "status": "available",
                    },
                ],
            }
        ],
        "cache_replication_groups": [
            {
                "id": "trading-dev-redis",
                "description": "dev",
                "status": "available",
                "engine_version": "7.1",
                "primary_endpoint": "master.trading-dev-redis.x.cache.amazonaws.com:6379",
                "security_group_ids": ["sg-redis"],
                "nodes": [
                    {
                        "id": "trading-dev-redis-001",
                        "role": "primary",
                        "availability_zone": ZONES[0],
                        "node_type": "cache.r7g.large",
                    },
                    {
                        "id": "trading-dev-redis-002",
                        "role": "replica",
                        "availability_zone": ZONES[1],
                        "node_type": "cache.r7g.large",
                    },
                ],
            }
        ],
        "alarms": [
            {
                "name": "trading-dev-aurora-cpu",
                "state": "OK",
                "namespace": "AWS/RDS",
                "metric_name": "CPUUtilization",
                "dimensions": {},
                "alarm_actions": ["arn:aws:sns:us-east-1:123456789012:trading-dev-alerts"],
            },
            {
                "name": "trading-dev-alb-5xx-rate",
                "state": "ALARM",
                "namespace": "AWS/ApplicationELB",
                "metric_name": "x",
                "dimensions": {},
                "alarm_actions": ["arn:aws:sns:us-east-1:123456789012:trading-dev-alerts"],
            },
        ],
        "topics": [{"name": "trading-dev-alerts", "arn": "arn:aws:sns:us-east-1:123456789012:trading-dev-alerts"}],
    }


def render(dot_text, fmt="svg"):
    assert shutil.which("dot"), "Graphviz's dot is missing: make installs it (the graphviz target)"
    done = subprocess.run(["dot", f"-T{fmt}"], input=dot_text.encode(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert not done.stderr.strip(), done.stderr.decode()  # dot warns on a bad attribute or a cluster edge
    return done.stdout


def svg_text(dot_text):
    """The SVG's text as a reader sees it (dot writes a hyphen as &#45;)."""
    return html.unescape(render(dot_text).decode())


def edges(dot_text):
    """(tail, head, label) of every edge of the DOT text."""
    found = set()
    for tail, head, attrs in re.findall(r"^\s*(n_\w+) -> (n_\w+)(?: \[(.*)\])?;$", dot_text, flags=re.M):
        label = re.search(r'label="([^"]*)"', attrs or "")
        found.add((tail, head, label.group(1) if label else ""))
    return found


def drawn(topo=None, env="dev"):
    return topology_diagram(
        topology() if topo is None else topo, env, "us-east-1", {"Environment": env, "Project": "trading"}
    )


def test_every_component_is_drawn_with_its_real_ids_and_renders_as_svg_and_png():
    result = drawn()
    svg = svg_text(result["dot"])
    for text in (
        "vpc-0abc",
        "10.0.0.0/16",
        "igw-01",
        "nat-00",
        "nat-01",
        "198.51.100.2",
        "WAF web ACL",
        "Application load balancer",
        "trading-dev-1.us-east-1.elb.amazonaws.com",
        "EKS cluster trading-dev",
        "Kubernetes 1.32",
        "node group general",
        "m6i.large",
        "writer trading-dev-aurora-1",
        "reader trading-dev-aurora-2",
        "primary trading-dev-redis-001",
        "replica trading-dev-redis-002",
        "trading-dev-alerts",
        "trading-dev-alb-5xx-rate",
        "trading-dev-aurora-cpu",
        "public subnets",
        "private subnets",
        "data subnets",
    ):
        assert text in svg, text
    for subnet in topology()["subnets"]:
        assert subnet["id"] in svg and subnet["cidr"] in svg
    assert render(result["dot"], "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert result["counts"] == {
        "vpcs": 1,
        "subnets": 6,
        "nat_gateways": 2,
        "load_balancers": 1,
        "web_acls": 1,
        "eks_clusters": 1,
        "node_groups": 1,
        "db_clusters": 1,
        "db_instances": 2,
        "cache_replication_groups": 1,
        "cache_nodes": 2,
        "alarms": 2,
        "topics": 1,
        "edges": len(edges(result["dot"])),
    }
    assert result["summary"].startswith("dev: 1 VPC, 6 subnets, 2 NAT gateways, 1 load balancer(s)")


def test_traffic_edges_come_from_the_security_groups_listeners_target_groups_and_alarm_actions():
    found = edges(drawn()["dot"])
    nodes = "n_eks_trading_dev_ng_general"
    assert (nodes, "n_rds_trading_dev_aurora_1", "tcp 5432") in found
    assert (nodes, "n_redis_trading_dev_redis_001", "tcp 6379") in found
    assert ("n_internet", "n_waf_trading_dev", "HTTP 80, HTTPS 443") in found
    assert ("n_waf_trading_dev", "n_alb_trading_dev", "allowed requests") in found
    assert ("n_alb_trading_dev", nodes, "trading-dev-orders :8080") in found
    assert ("n_rds_trading_dev_aurora_1", "n_rds_trading_dev_aurora_2", "replication") in found
    assert ("n_redis_trading_dev_redis_001", "n_redis_trading_dev_redis_002", "replication") in found
    assert ("n_alarms_AWS_RDS", "n_topic_trading_dev_alerts", "notifies") in found
    # Each private subnet leaves through its own zone's NAT gateway.
    assert ("n_nat_nat_00", "n_subnet_subnet_private0", "") in found
    assert ("n_nat_nat_01", "n_subnet_subnet_private1", "") in found
    assert ("n_igw_igw_01", "n_nat_nat_00", "egress") in found


def test_egress_follows_each_subnets_default_route_when_the_route_tables_were_read():
    # Single-NAT mode: one gateway in the first zone, every private subnet routed through it.
    topo = topology()
    topo["nat_gateways"] = topo["nat_gateways"][:1]
    for subnet in topo["subnets"]:
        subnet["nat_gateway_id"] = "nat-00" if subnet["tier"] == "private" else None
    found = edges(drawn(topo)["dot"])
    assert ("n_nat_nat_00", "n_subnet_subnet_private0", "") in found
    assert ("n_nat_nat_00", "n_subnet_subnet_private1", "") in found
    # Read, and routed through no NAT gateway (not routed yet, or routed elsewhere): no egress drawn.
    for subnet in topo["subnets"]:
        subnet["nat_gateway_id"] = None
    assert not [e for e in edges(drawn(topo)["dot"]) if e[1].startswith("n_subnet_subnet_private")]


def test_no_rule_no_edge_and_a_rule_from_anywhere_else_draws_nothing():
    topo = topology()
    aurora = next(g for g in topo["security_groups"] if g["id"] == "sg-aurora")
    aurora["ingress"] = [
        {"from_group_ids": [], "cidrs": ["10.9.0.0/16"], "protocol": "tcp", "from_port": 5432, "to_port": 5432}
    ]
    found = edges(drawn(topo)["dot"])
    assert not [e for e in found if e[1] == "n_rds_trading_dev_aurora_1" and e[0].startswith("n_eks")]
    assert ("n_eks_trading_dev_ng_general", "n_redis_trading_dev_redis_001", "tcp 6379") in found
    # Nodes that do not carry the clients' group reach neither store.
    topo = topology()
    topo["eks_clusters"][0]["node_groups"][0]["security_group_ids"] = ["sg-cluster"]
    assert not [e for e in edges(drawn(topo)["dot"]) if e[2] in ("tcp 5432", "tcp 6379")]


def test_a_port_range_and_all_traffic_are_labelled_as_the_rule_says():
    topo = topology()
    redis = next(g for g in topo["security_groups"] if g["id"] == "sg-redis")
    redis["ingress"][0].update(from_port=6379, to_port=6380)
    aurora = next(g for g in topo["security_groups"] if g["id"] == "sg-aurora")
    aurora["ingress"][0].update(protocol="-1", from_port=None, to_port=None)
    labels = {e[2] for e in edges(drawn(topo)["dot"])}
    assert {"tcp 6379-6380", "all traffic"} <= labels


def test_the_same_environment_draws_the_same_text_and_a_change_shows():
    first = drawn()["dot"]
    topo = topology()
    topo["subnets"].reverse()
    assert drawn(topo)["dot"] == first
    topo["db_clusters"][0]["instances"][1]["status"] = "creating"
    changed = drawn(topo)["dot"]
    assert changed != first and "status: creating" in changed
    # A steady state is not drawn (it would only repeat itself), an alarm's state never is (it flips).
    assert "status: available" not in first and "ALARM" not in first


def test_names_are_escaped_and_the_picture_still_renders():
    topo = topology()
    topo["topics"][0]["name"] = 'alerts <"&>'
    topo["vpcs"][0]["name"] = "trading & co"
    result = drawn(topo)
    assert "alerts &lt;&quot;&amp;&gt;" in result["dot"]
    svg = svg_text(result["dot"])
    assert "trading & co" in svg


def test_an_empty_environment_draws_an_empty_picture_and_says_so():
    result = topology_diagram({}, "staging", "eu-west-1", {"Environment": "staging"})
    assert result["summary"] == "staging: nothing tagged Environment=staging was found; the picture is empty"
    assert edges(result["dot"]) == set() and all(v == 0 for v in result["counts"].values())
    assert "trading staging · eu-west-1" in svg_text(result["dot"])


def test_resources_read_without_their_vpc_are_still_drawn():
    topo = topology()
    for key in ("vpcs", "subnets", "internet_gateways", "nat_gateways", "security_groups"):
        topo[key] = []
    svg = svg_text(drawn(topo)["dot"])
    assert "EKS cluster trading-dev" in svg and "writer trading-dev-aurora-1" in svg and "vpc-0abc" not in svg


@pytest.mark.parametrize("missing", ["instances", "nodes"])
def test_a_store_with_no_member_yet_is_a_box_that_says_so(missing):
    topo = topology()
    if missing == "instances":
        topo["db_clusters"][0]["instances"] = []
        expected = "no instance"
    else:
        topo["cache_replication_groups"][0]["nodes"] = []
        expected = "no node"
    assert expected in svg_text(drawn(topo)["dot"])


def test_a_namespace_lists_its_first_alarms_and_counts_the_rest_and_metric_math_is_named():
    topo = topology()
    topo["alarms"] = [
        {"name": f"trading-dev-cis-{i:02d}", "namespace": "trading/dev/CIS", "alarm_actions": []} for i in range(15)
    ] + [{"name": "trading-dev-alb-5xx-rate", "namespace": None, "alarm_actions": []}]
    text = drawn(topo)["dot"]
    assert "CloudWatch alarms · trading/dev/CIS (15)" in text and "and 8 more" in text
    assert "trading-dev-cis-06" in text and "trading-dev-cis-07" not in text
    assert "CloudWatch alarms · metric math (1)" in text
