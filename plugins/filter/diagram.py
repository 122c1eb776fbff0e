# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The picture of an environment, in Graphviz's DOT language, from what environment_topology_info read.

Left to right, the way a request travels: the Internet, the WAF web ACL, then the VPC with one box per
subnet tier (public, private, data) holding its subnets (one per zone) and what runs there: the NAT
gateways and the load balancer in the public tier, the EKS cluster and its node groups in the private
tier, Aurora and Redis in the data tier. Monitoring (the alarms by namespace, and the topic they notify)
sits beside the VPC.

The traffic edges are read, not assumed: a security group rule that admits another group draws an edge
from whatever carries that group to whatever the rule protects, with its protocol and ports; the load
balancer's listeners and target groups, the NAT gateways' zones and the alarms' actions draw the rest.
Nothing time-dependent is drawn (no timestamp, no alarm state), so the same account gives the same text
and a re-run rewrites nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict

TIERS = ("public", "private", "data")

# Fill and border by service family (the AWS architecture icon colours).
NETWORK = ("#f3ecff", "#8c4fff")
COMPUTE = ("#fff3e6", "#ed7100")
DATABASE = ("#fbeaff", "#c925d1")
SECURITY = ("#fdecee", "#dd344c")
MONITORING = ("#fde8f3", "#e7157b")
NEUTRAL = ("#f7f7f7", "#7d8998")

# Names listed in a namespace's alarm box; the rest are counted.
ALARM_NAMES_SHOWN = 8

STEADY = {"available", "ACTIVE", "active", "in-use"}


def _escape(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _label(title: str, *lines) -> str:
    """An HTML-like label: the title in bold, then one line per non-empty line."""
    body = [f"<b>{_escape(title)}</b>"] + [_escape(line) for line in lines if line not in (None, "")]
    return "<" + "<br/>".join(body) + ">"


def _ident(*parts) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", "_".join(str(p) for p in parts))


def _status(value) -> str:
    """A status worth drawing: only one that is not the resource's steady state."""
    return f"status: {value}" if value and value not in STEADY else ""


def _ports(rule: dict) -> str:
    protocol = str(rule.get("protocol") or "tcp")
    if protocol in ("-1", "all"):
        return "all traffic"
    low, high = rule.get("from_port"), rule.get("to_port")
    if low is None:
        return protocol
    return f"{protocol} {low}" if low == high or high is None else f"{protocol} {low}-{high}"


class _Graph:
    def __init__(self):
        self.lines: list[str] = []
        self.edges: dict[tuple[str, str], dict] = {}
        self.indent = 1

    def emit(self, text: str) -> None:
        self.lines.append("  " * self.indent + text)

    def node(self, ident: str, label: str, colours=NEUTRAL, shape: str = "box", **extra) -> None:
        fill, border = colours
        attrs = {"label": label, "shape": shape, "fillcolor": f'"{fill}"', "color": f'"{border}"', **extra}
        self.emit(f"{ident} [{', '.join(f'{k}={v}' for k, v in attrs.items())}];")

    def open(self, ident: str, label: str, colours=NEUTRAL, style: str = "rounded") -> None:
        fill, border = colours
        self.emit(f"subgraph cluster_{ident[2:]} {{")
        self.indent += 1
        self.emit(f'label={label}; style="{style},filled"; fillcolor="{fill}"; color="{border}";')

    def close(self) -> None:
        self.indent -= 1
        self.emit("}")

    def edge(self, tail: str, head: str, label: str = "", **extra) -> None:
        """One edge per pair: a second reason for the same pair adds its label (ports) to the first."""
        key = (tail, head)
        if key in self.edges:
            labels = self.edges[key]["labels"]
            if label and label not in labels:
                labels.append(label)
            return
        self.edges[key] = {"labels": [label] if label else [], "extra": extra}

    def render_edges(self) -> None:
        for (tail, head), edge in self.edges.items():
            attrs = dict(edge["extra"])
            if edge["labels"]:
                attrs["label"] = '"' + _escape(", ".join(edge["labels"])) + '"'
            body = f" [{', '.join(f'{k}={v}' for k, v in attrs.items())}]" if attrs else ""
            self.emit(f"{tail} -> {head}{body};")


def topology_diagram(topology: dict, environment: str, region: str = "", filter_tags=None) -> dict:
    """The DOT text of ``topology`` (environment_topology_info's result), its counts and a summary line."""
    topology = topology or {}

    def listed(key, *fields):
        """The topology's list under ``key``, in a fixed order whatever order it was read in."""
        return sorted(topology.get(key) or [], key=lambda r: tuple(str(r.get(f) or "") for f in fields))

    vpcs = listed("vpcs", "id")
    subnets = listed("subnets", "vpc_id", "tier", "availability_zone", "id")
    igws = listed("internet_gateways", "id")
    nats = listed("nat_gateways", "availability_zone", "id")
    groups = {g["id"]: g for g in topology.get("security_groups") or []}
    balancers = listed("load_balancers", "name")
    clusters = listed("eks_clusters", "name")
    databases = listed("db_clusters", "identifier")
    caches = listed("cache_replication_groups", "id")
    alarms = listed("alarms", "name")
    topics = listed("topics", "arn")

    g = _Graph()
    tags = ", ".join(f"{k}={v}" for k, v in sorted((filter_tags or {}).items()))
    title = f"trading {environment}" + (f" · {region}" if region else "")
    subtitle = f"drawn from the resources tagged {tags}" if tags else "drawn from the environment's resources"

    # Who carries which security group: an edge starts at (or ends on) whatever carries a group.
    carriers: dict[str, list[tuple[str, str]]] = defaultdict(list)  # group id -> [(node, cluster ident)]
    protected: list[tuple[str, str, list[str]]] = []  # (node, cluster ident, group ids)

    lines = g.lines
    lines.append(f'digraph "trading-{_escape(environment)}" {{')
    g.emit('graph [rankdir=LR, compound=true, newrank=true, nodesep=0.35, ranksep=0.8, fontname="DejaVu Sans",')
    g.emit(f"       fontsize=12, labelloc=t, label={_label(title, subtitle)}];")
    g.emit('node [style="rounded,filled", fontname="DejaVu Sans", fontsize=10, penwidth=1.4];')
    g.emit('edge [fontname="DejaVu Sans", fontsize=9, color="#545b64", fontcolor="#545b64"];')

    internet = "n_internet"
    has_internet = bool(igws) or any(lb.get("scheme") == "internet-facing" for lb in balancers)
    if has_internet:
        g.node(internet, _label("Internet"), NEUTRAL, shape="oval")

    # The WAF web ACLs, outside the VPC: they inspect the requests before the load balancer takes them.
    acls = {}
    for lb in balancers:
        acl = lb.get("web_acl")
        if acl and acl.get("name") not in acls:
            acls[acl["name"]] = _ident("waf", acl["name"])
            g.node(acls[acl["name"]], _label("WAF web ACL", acl["name"]), SECURITY, shape="octagon")

    by_vpc_tier: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for subnet in subnets:
        by_vpc_tier[(subnet.get("vpc_id"), subnet.get("tier") or "untiered")].append(subnet)
    subnet_tier = {s["id"]: s.get("tier") or "untiered" for s in subnets}
    vpc_ids = [v["id"] for v in vpcs]

    def vpc_of(resource_subnets, fallback=None):
        for subnet_id in resource_subnets or []:
            for s in subnets:
                if s["id"] == subnet_id:
                    return s.get("vpc_id")
        return fallback or (vpc_ids[0] if vpc_ids else None)

    def tier_of(resource_subnets, default):
        found = {subnet_tier[s] for s in resource_subnets or [] if s in subnet_tier}
        return sorted(found)[0] if len(found) == 1 else default

    # What goes in which (VPC, tier) box.
    placed: dict[tuple, list] = defaultdict(list)
    for nat in nats:
        key = (vpc_of([nat.get("subnet_id")]), tier_of([nat.get("subnet_id")], "public"))
        placed[key].append(("nat", nat))
    for lb in balancers:
        placed[(vpc_of(lb.get("subnet_ids")), tier_of(lb.get("subnet_ids"), "public"))].append(("alb", lb))
    for cluster in clusters:
        placed[(vpc_of(cluster.get("subnet_ids")), tier_of(cluster.get("subnet_ids"), "private"))].append(
            ("eks", cluster)
        )
    for db in databases:
        placed[(vpc_of(None), "data")].append(("aurora", db))
    for cache in caches:
        placed[(vpc_of(None), "data")].append(("redis", cache))

    nat_by_zone: dict[str, str] = {}
    alb_nodes: dict[str, str] = {}
    eks_targets: dict[str, list[str]] = {}  # cluster name -> its node groups (or its control plane)

    def draw(kind, item):
        if kind == "nat":
            ident = _ident("nat", item["id"])
            g.node(
                ident,
                _label(
                    "NAT gateway",
                    item.get("name") or "",
                    item["id"],
                    " · ".join(x for x in (item.get("availability_zone"), item.get("public_ip")) if x),
                    _status(item.get("state")),
                ),
                NETWORK,
            )
            if item.get("availability_zone"):
                nat_by_zone.setdefault(item["availability_zone"], ident)
            for igw in igws:
                if igw.get("vpc_id") == vpc_of([item.get("subnet_id")]):
                    # Drawn from the Internet's side (dir=back) so that the picture reads left to right.
                    g.edge(_ident("igw", igw["id"]), ident, "egress", style="dashed", dir="back")
        elif kind == "alb":
            ident = _ident("alb", item["name"])
            listeners = ", ".join(
                f"{lst.get('protocol')} {lst.get('port')}"
                for lst in sorted(item.get("listeners") or [], key=lambda x: x.get("port") or 0)
            )
            g.node(
                ident,
                _label(
                    "Application load balancer",
                    item["name"],
                    item.get("scheme") or "",
                    f"listeners: {listeners}" if listeners else "",
                    item.get("dns_name") or "",
                ),
                NETWORK,
            )
            alb_nodes[item["name"]] = ident
            for sg in item.get("security_group_ids") or []:
                carriers[sg].append((ident, ""))
            acl = item.get("web_acl")
            entry = acls[acl["name"]] if acl else internet
            if acl:
                g.edge(internet, entry, listeners)
                g.edge(entry, ident, "allowed requests")
            elif item.get("scheme") == "internet-facing":
                g.edge(internet, ident, listeners)
        elif kind == "eks":
            box = _ident("eks", item["name"])
            g.open(box, _label(f"EKS cluster {item['name']}", f"Kubernetes {item.get('version')}"), COMPUTE)
            plane = _ident("eks", item["name"], "control_plane")
            addons = ", ".join(sorted(item.get("addons") or []))
            g.node(
                plane,
                _label(
                    "control plane",
                    "endpoint: public" if item.get("endpoint_public_access") else "endpoint: private",
                    f"add-ons: {addons}" if addons else "",
                    _status(item.get("status")),
                ),
                COMPUTE,
            )
            targets = []
            for sg in item.get("security_group_ids") or []:
                carriers[sg].append((plane, box))
            for node_group in sorted(item.get("node_groups") or [], key=lambda n: n["name"]):
                ident = _ident("eks", item["name"], "ng", node_group["name"])
                sizes = "/".join(str(node_group.get(k)) for k in ("min_size", "desired_size", "max_size"))
                g.node(
                    ident,
                    _label(
                        f"node group {node_group['name']}",
                        ", ".join(node_group.get("instance_types") or []),
                        f"{(node_group.get('capacity_type') or '').lower()} · min/desired/max {sizes}",
                        _status(node_group.get("status")),
                    ),
                    COMPUTE,
                )
                g.edge(plane, ident, "", style="dotted", arrowhead="none")
                targets.append(ident)
                for sg in node_group.get("security_group_ids") or []:
                    carriers[sg].append((ident, ""))
                protected.append((ident, "", node_group.get("security_group_ids") or []))
            protected.append((plane, box, item.get("security_group_ids") or []))
            g.close()
            eks_targets[item["name"]] = targets or [plane]
        elif kind == "aurora":
            box = _ident("aurora", item["identifier"])
            g.open(
                box,
                _label(
                    f"Aurora cluster {item['identifier']}",
                    f"{item.get('engine')} {item.get('engine_version') or ''}".strip(),
                    _status(item.get("status")),
                ),
                DATABASE,
            )
            writer = None
            readers = []
            for instance in item.get("instances") or []:
                ident = _ident("rds", instance["identifier"])
                g.node(
                    ident,
                    _label(
                        f"{instance.get('role', 'instance')} {instance['identifier']}",
                        " · ".join(x for x in (instance.get("instance_class"), instance.get("availability_zone")) if x),
                        _status(instance.get("status")),
                    ),
                    DATABASE,
                    shape="cylinder",
                )
                if instance.get("role") == "writer" and writer is None:
                    writer = ident
                else:
                    readers.append(ident)
            if writer is None and not readers:
                writer = _ident("rds", item["identifier"], "empty")
                g.node(writer, _label("no instance"), DATABASE, shape="cylinder")
            for reader in readers:
                if writer:
                    g.edge(writer, reader, "replication", style="dashed")
            g.close()
            protected.append((writer or readers[0], box, item.get("security_group_ids") or []))
        elif kind == "redis":
            box = _ident("redis", item["id"])
            g.open(
                box,
                _label(
                    f"Redis replication group {item['id']}",
                    f"engine {item['engine_version']}" if item.get("engine_version") else "",
                    _status(item.get("status")),
                ),
                DATABASE,
            )
            primary = None
            replicas = []
            for member in item.get("nodes") or []:
                ident = _ident("redis", member["id"])
                g.node(
                    ident,
                    _label(
                        f"{member.get('role') or 'node'} {member['id']}",
                        " · ".join(x for x in (member.get("node_type"), member.get("availability_zone")) if x),
                    ),
                    DATABASE,
                    shape="cylinder",
                )
                if member.get("role") == "primary" and primary is None:
                    primary = ident
                else:
                    replicas.append(ident)
            if primary is None and not replicas:
                primary = _ident("redis", item["id"], "empty")
                g.node(primary, _label("no node"), DATABASE, shape="cylinder")
            for replica in replicas:
                if primary:
                    g.edge(primary, replica, "replication", style="dashed")
            g.close()
            protected.append((primary or replicas[0], box, item.get("security_group_ids") or []))

    tier_titles = {"public": "public subnets", "private": "private subnets", "data": "data subnets"}
    for vpc in sorted(vpcs, key=lambda v: v["id"]):
        box = _ident("vpc", vpc["id"])
        name = vpc.get("name") if vpc.get("name") != vpc["id"] else ""
        g.open(box, _label(f"VPC {name}".strip(), f"{vpc['id']} · {vpc.get('cidr')}"), ("#ffffff", NETWORK[1]))
        for igw in igws:
            if igw.get("vpc_id") == vpc["id"]:
                g.node(_ident("igw", igw["id"]), _label("Internet gateway", igw["id"]), NETWORK)
                if has_internet:
                    g.edge(internet, _ident("igw", igw["id"]), "egress", style="dashed", dir="back")
        tiers = [t for t in TIERS if (vpc["id"], t) in by_vpc_tier or (vpc["id"], t) in placed]
        tiers += sorted({t for (v, t) in by_vpc_tier if v == vpc["id"] and t not in TIERS})
        for tier in tiers:
            tier_box = _ident("tier", vpc["id"], tier)
            g.open(tier_box, _label(tier_titles.get(tier, f"{tier} subnets")), ("#fafafa", NEUTRAL[1]), "dashed")
            for subnet in sorted(
                by_vpc_tier.get((vpc["id"], tier), []), key=lambda s: (s.get("availability_zone"), s["id"])
            ):
                g.node(
                    _ident("subnet", subnet["id"]),
                    _label(subnet.get("availability_zone") or "zone?", subnet["id"], subnet.get("cidr")),
                    ("#ffffff", NEUTRAL[1]),
                    shape="note",
                    fontsize=8,
                )
            for kind, item in placed.get((vpc["id"], tier), []):
                draw(kind, item)
            g.close()
        g.close()
    # Whatever was found outside any VPC read (a VPC not tagged, or the ec2 service not asked).
    for (vpc_id, _tier), items in sorted(placed.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        if vpc_id in vpc_ids:
            continue
        for kind, item in items:
            draw(kind, item)

    # Private subnets leave for the Internet through the NAT gateway their default route names (one for all
    # of them in single-NAT mode), or, when the route tables were not read, through their zone's.
    drawn_nats = {n["id"] for n in nats}
    for subnet in subnets:
        if (subnet.get("tier") or "") != "private":
            continue
        if subnet.get("nat_gateway_id") in drawn_nats:
            via = _ident("nat", subnet["nat_gateway_id"])
        elif subnet.get("nat_gateway_id") is None and "nat_gateway_id" not in subnet:
            via = nat_by_zone.get(subnet.get("availability_zone"))
        else:
            via = None  # routed elsewhere, or nowhere: no egress drawn
        if via:
            g.edge(via, _ident("subnet", subnet["id"]), "", style="dashed", dir="back")

    # The load balancer forwards to the cluster's nodes (its target groups), unless a rule says more below.
    for lb in balancers:
        target_groups = sorted(lb.get("target_groups") or [], key=lambda t: t.get("name") or "")
        if not target_groups or not eks_targets:
            continue
        label = ", ".join(f"{t.get('name')} :{t.get('port')}" for t in target_groups)
        for _cluster, heads in sorted(eks_targets.items()):
            for head in heads:
                g.edge(alb_nodes[lb["name"]], head, label)

    # Traffic a security group rule admits from another group's carriers.
    for head, head_box, group_ids in protected:
        for group_id in group_ids:
            for rule in (groups.get(group_id) or {}).get("ingress") or []:
                for source in rule.get("from_group_ids") or []:
                    for tail, tail_box in carriers.get(source, []):
                        if tail == head or (head_box and tail_box == head_box):
                            continue
                        extra = {}
                        if head_box:
                            extra["lhead"] = f"cluster_{head_box[2:]}"
                        if tail_box:
                            extra["ltail"] = f"cluster_{tail_box[2:]}"
                        g.edge(tail, head, _ports(rule), color='"#c925d1"', **extra)

    # Monitoring: the alarms by namespace, and the topics they notify.
    if alarms or topics:
        box = "n_monitoring"
        g.open(box, _label("Monitoring"), MONITORING)
        by_namespace: dict[str, list[dict]] = defaultdict(list)
        for alarm in alarms:
            # An alarm on a metric math expression has no namespace of its own.
            by_namespace[alarm.get("namespace") or "metric math"].append(alarm)
        topic_nodes = {}
        for topic in sorted(topics, key=lambda t: t["arn"]):
            topic_nodes[topic["arn"]] = _ident("topic", topic["name"])
            g.node(topic_nodes[topic["arn"]], _label("SNS topic", topic["name"]), MONITORING)
        for namespace, members in sorted(by_namespace.items()):
            ident = _ident("alarms", namespace)
            names = sorted(a["name"] for a in members)
            shown = names if len(names) <= ALARM_NAMES_SHOWN else names[: ALARM_NAMES_SHOWN - 1]
            more = [f"and {len(names) - len(shown)} more"] if len(shown) < len(names) else []
            g.node(
                ident,
                _label(f"CloudWatch alarms · {namespace} ({len(names)})", *shown, *more),
                MONITORING,
                shape="box",
                fontsize=8,
            )
            for arn in sorted({arn for a in members for arn in a.get("alarm_actions") or []}):
                if arn in topic_nodes:
                    g.edge(ident, topic_nodes[arn], "notifies")
        g.close()

    g.render_edges()
    lines.append("}")

    counts = {
        "vpcs": len(vpcs),
        "subnets": len(subnets),
        "nat_gateways": len(nats),
        "load_balancers": len(balancers),
        "web_acls": len(acls),
        "eks_clusters": len(clusters),
        "node_groups": sum(len(c.get("node_groups") or []) for c in clusters),
        "db_clusters": len(databases),
        "db_instances": sum(len(d.get("instances") or []) for d in databases),
        "cache_replication_groups": len(caches),
        "cache_nodes": sum(len(c.get("nodes") or []) for c in caches),
        "alarms": len(alarms),
        "topics": len(topics),
        "edges": len(g.edges),
    }
    if not any(v for k, v in counts.items() if k != "edges"):
        summary = f"{environment}: nothing tagged {tags} was found; the picture is empty"
    else:
        summary = (
            f"{environment}: {counts['vpcs']} VPC, {counts['subnets']} subnets, {counts['nat_gateways']} NAT gateways, "
            f"{counts['load_balancers']} load balancer(s) ({counts['web_acls']} WAF web ACL), "
            f"{counts['eks_clusters']} EKS cluster(s) ({counts['node_groups']} node groups), "
            f"{counts['db_clusters']} Aurora cluster(s) ({counts['db_instances']} instances), "
            f"{counts['cache_replication_groups']} Redis group(s) ({counts['cache_nodes']} nodes), "
            f"{counts['alarms']} alarms, {counts['topics']} topic(s); {counts['edges']} edges"
        )
    return {"dot": "\n".join(lines) + "\n", "counts": counts, "summary": summary}


class FilterModule:
    def filters(self):
        return {"topology_diagram": topology_diagram}
