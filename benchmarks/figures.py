"""The platform's figures on the local AWS, in one command (`make bench`).

  .venv/bin/python benchmarks/figures.py [--latency-scale 0.1] [--runs 2] [--json-out FILE]

1. No-op re-run of site.yml on inventories/local: wall time, module invocations (per role and
   per module), AWS API calls (reads, writes; writes must be 0 but the lock's), and the longest
   chain of reads made one after the other (reads that overlap, from threads, count once): with
   100 ms a read on AWS, that chain is the floor of a real plan. The same for `--check --diff`.
2. Converge from an empty account with the latency model on: wall time against the ideal - the
   same run's own work (its wall time with the latency model off) plus the critical path of the
   AWS waits, computed from the latency table (tools/local_aws/latency.py) and the dependency graph
   AWS imposes. Also what the run would take waiting for each resource in turn.
3. Teardown with the latency model on: the same figures.
4. AWS API calls by service and operation for a converge and a no-op run.

The local AWS runs inside this process on a free port. Module invocations are tasks whose action
runs a module (controller-only actions such as set_fact, assert and debug cost no Python start-up
and are not counted). Prints a table, then the figures as JSON (also written to --json-out).
Never used as a test: times are figures, not assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import boto3  # noqa: E402

from tools.local_aws import server  # noqa: E402
from tools.local_aws.latency import SECONDS  # noqa: E402

# The only writes of a no-op: the environment's lock, taken and released (DynamoDB).
LOCK_WRITES = {"dynamodb:PutItem", "dynamodb:DeleteItem"}
CONTROLLER_ONLY = {
    f"{prefix}{name}"
    for prefix in ("", "ansible.builtin.")
    for name in (
        "set_fact",
        "assert",
        "debug",
        "include_tasks",
        "import_tasks",
        "include_role",
        "meta",
        "fail",
        "validate_argument_spec",
        "set_stats",
    )
} | {"ninetynine.trading_infra.validate_inputs"}  # an action: the contract is checked on the controller

# The AWS dependency graph of the slow resources: name -> (latency table key, what it must wait for).
# A converge: node groups need an ACTIVE cluster, add-ons like CoreDNS need nodes to schedule on
# (as terraform-aws-modules orders them), Aurora's instances need an available cluster. The rest
# only needs the network, which is quick.
CONVERGE_GRAPH = {
    "nat-gateways": (("nat-gateway", "create"), []),
    "eks-cluster": (("eks-cluster", "create"), []),
    "eks-nodegroups": (("eks-nodegroup", "create"), ["eks-cluster"]),
    "eks-addons": (("eks-addon", "create"), ["eks-nodegroups"]),
    "aurora-cluster": (("rds-cluster", "create"), []),
    "aurora-instances": (("rds-instance", "create"), ["aurora-cluster"]),
    "redis": (("elasticache-replication-group", "create"), []),
    "alb": (("elbv2-load-balancer", "create"), []),
}
# A teardown: a cluster goes once its node groups are gone (add-ons go with it); Aurora's cluster
# may be deleted as soon as its instances are deleting; the VPC (quick) waits for everything.
TEARDOWN_GRAPH = {
    "eks-addons": (("eks-addon", "delete"), []),
    "eks-nodegroups": (("eks-nodegroup", "delete"), []),
    "eks-cluster": (("eks-cluster", "delete"), ["eks-nodegroups", "eks-addons"]),
    "aurora-instances": (("rds-instance", "delete"), []),
    "aurora-cluster": (("rds-cluster", "delete"), []),
    "redis": (("elasticache-replication-group", "delete"), []),
    "nat-gateways": (("nat-gateway", "delete"), []),
}


def critical_path(graph: dict) -> tuple[float, list]:
    """The longest chain of AWS seconds through the graph, and its nodes."""
    finish: dict[str, tuple[float, list]] = {}

    def done(node):
        if node not in finish:
            key, needs = graph[node]
            start, chain = max((done(n) for n in needs), default=(0.0, []), key=lambda f: f[0])
            finish[node] = (start + SECONDS[key], [*chain, node])
        return finish[node]

    return max((done(n) for n in graph), key=lambda f: f[0])


def in_turn(graph: dict, counts: dict) -> float:
    """AWS seconds if each resource were waited for before the next one is started."""
    return float(sum(SECONDS[key] * counts.get(node, 1) for node, (key, _) in graph.items()))


def run_playbook(port: int, playbook: str, inventory: str = "local", *extra: str, **env_extra) -> tuple[float, dict]:
    """Wall time and the JSON callback's report of one run; exits with the failed tasks if it fails."""
    env = dict(
        os.environ,
        LOCAL_AWS_PORT=str(port),
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        **env_extra,
    )
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    start = time.perf_counter()
    proc = subprocess.run(  # noqa: S603
        [str(Path(sys.executable).parent / "ansible-playbook"), playbook, "-i", f"inventories/{inventory}", *extra],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{inventory}: {playbook} failed:\n{failures(proc.stdout)}\n{proc.stderr[-3000:]}")
    return wall, json.loads(proc.stdout)


def failures(stdout: str) -> str:
    """The failed tasks and their messages, from the JSON callback's report."""
    try:
        report = json.loads(stdout)
    except ValueError:
        return stdout[-3000:]
    failed = [
        f"{task['task']['name']}: {result.get('msg', result)}"
        for play in report["plays"]
        for task in play["tasks"]
        for result in task["hosts"].values()
        if result.get("failed") and not result.get("ignore_errors")
    ]
    return "\n".join(failed) or stdout[-3000:]


def _seconds(duration: dict) -> float:
    start, end = (dt.datetime.fromisoformat(duration[k].replace("Z", "+00:00")) for k in ("start", "end"))
    return (end - start).total_seconds()


def invocations(report: dict) -> dict:
    """Module invocations, changed tasks and task seconds, per module and per role."""
    by_module, by_role, seconds_by_role, changed = Counter(), Counter(), defaultdict(float), 0
    for play in report["plays"]:
        for task in play["tasks"]:
            name = task["task"]["name"]
            role = name.split(" : ", 1)[0].rsplit(".", 1)[-1] if " : " in name else "playbook"
            if task["task"].get("duration", {}).get("end"):
                seconds_by_role[role] += _seconds(task["task"]["duration"])
            for result in task["hosts"].values():
                action = result.get("action") or task["task"].get("action", "")
                if result.get("skipped") or action in CONTROLLER_ONLY:
                    continue
                items = [r for r in result.get("results", [result]) if not r.get("skipped")]  # a loop: one per item
                by_module[action] += len(items)
                by_role[role] += len(items)
                changed += sum(bool(r.get("changed")) for r in items)
    return {
        "module_invocations": sum(by_module.values()),
        "changed_tasks": changed,
        "by_role": dict(sorted(by_role.items())),
        "task_seconds_by_role": {k: round(v, 1) for k, v in sorted(seconds_by_role.items())},
        "by_module": dict(sorted(by_module.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def longest_read_chain(port: int) -> int:
    """The most reads of the last run made strictly one after another (each started after the
    previous one ended): the reads a plan waits for in turn, whatever runs beside them."""
    reads = sorted((c["end"], c["start"]) for c in server.admin(port, "timeline")["calls"] if c["read"])
    chain, last_end = 0, float("-inf")
    for end, start in reads:  # the earliest-ending read that starts after the last one: a longest chain
        if start >= last_end:
            chain, last_end = chain + 1, end
    return chain


def api_calls(port: int) -> dict:
    calls = server.admin(port, "calls")
    by_op = {f"{c['service']}:{c['operation']}": c["count"] for c in calls["calls"]}
    by_service = Counter()
    for c in calls["calls"]:
        by_service[c["service"]] += c["count"]
    return {
        "total": calls["total"],
        "reads": calls["reads"],
        "writes": calls["writes"],
        "write_operations": {f"{c['service']}:{c['operation']}": c["count"] for c in calls["calls"] if not c["read"]},
        "by_service": dict(by_service.most_common()),
        "by_operation": dict(sorted(by_op.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def slow_resource_counts(port: int) -> dict:
    """How many of each slow resource the local inventory builds (the in-turn sum counts each)."""
    env = server.client_env(port)
    kwargs = {"endpoint_url": env["AWS_ENDPOINT_URL"], "region_name": "us-east-1"}
    kwargs |= {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    eks, rds, ec2 = (boto3.client(s, **kwargs) for s in ("eks", "rds", "ec2"))
    cluster = eks.list_clusters()["clusters"][0]
    nats = [n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] == "available"]
    return {
        "eks-nodegroups": len(eks.list_nodegroups(clusterName=cluster)["nodegroups"]),
        "eks-addons": len(eks.list_addons(clusterName=cluster)["addons"]),
        "aurora-instances": len(rds.describe_db_instances()["DBInstances"]),
        "nat-gateways": len(nats),
    }


def timed_against_graph(wall: float, own_work: float, graph: dict, counts: dict, scale: float) -> dict:
    cp_seconds, chain = critical_path(graph)
    cp = cp_seconds * scale
    sequential = in_turn(graph, counts) * scale
    return {
        "wall_s": round(wall, 1),
        "own_work_s": round(own_work, 1),
        "critical_path_s": round(cp, 1),
        "critical_path_on_aws_min": round(cp_seconds / 60, 1),
        "critical_path": chain,
        "ideal_s": round(own_work + cp, 1),
        "ratio": round(wall / (own_work + cp), 3),
        "each_wait_in_turn_s": round(own_work + sequential, 1),
        "each_wait_in_turn_on_aws_min": round(in_turn(graph, counts) / 60, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2, help="no-op re-runs to time (default 2)")
    parser.add_argument(
        "--latency-scale", type=float, default=0.1, help="latency model scale for figures 2 and 3 (default 0.1)"
    )
    parser.add_argument("--json-out", type=Path, help="also write the JSON figures to this file")
    args = parser.parse_args()
    started = time.perf_counter()

    with server.ThreadedServer(port=0) as srv:
        port = srv.port
        # Own work: the runs with every resource ready at once.
        server.admin(port, "calls", method="DELETE")
        converge_own, _ = run_playbook(port, "site.yml")
        converge_calls = api_calls(port)
        counts = slow_resource_counts(port)
        walls = []
        for _ in range(args.runs):
            server.admin(port, "calls", method="DELETE")
            wall, report = run_playbook(port, "site.yml")
            walls.append(wall)
        noop = invocations(report)
        noop_calls = api_calls(port)
        noop_chain = longest_read_chain(port)
        server.admin(port, "calls", method="DELETE")
        check_wall, check_report = run_playbook(port, "site.yml", "local", "--check", "--diff")
        check = invocations(check_report)
        check_calls = api_calls(port)
        check_chain = longest_read_chain(port)
        teardown_own, _ = run_playbook(port, "playbooks/teardown.yml")

        # The same with the latency model on.
        server.admin(port, "latency", method="POST", body={"scale": args.latency_scale})
        converge_wall, _ = run_playbook(port, "site.yml")
        teardown_wall, _ = run_playbook(port, "playbooks/teardown.yml")
        server.admin(port, "latency", method="DELETE")

    figures = {
        "date": dt.date.today().isoformat(),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, as make does
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
        "cpu_count": os.cpu_count(),
        "latency_scale": args.latency_scale,
        "noop": {
            "wall_s": {
                "median": round(statistics.median(walls), 1),
                "min": round(min(walls), 1),
                "max": round(max(walls), 1),
            },
            "runs": len(walls),
            **noop,
            "api_calls": noop_calls,
            "longest_read_chain": noop_chain,
            "read_chain_floor_on_aws_s": round(noop_chain * 0.1, 1),
            "targets": {"wall_s": 10, "writes": "the lock's"},
        },
        "check": {
            "wall_s": round(check_wall, 1),
            **check,
            "api_calls": check_calls,
            "longest_read_chain": check_chain,
            "targets": {"wall_s": 10, "writes": 0},
        },
        "converge": {
            **timed_against_graph(converge_wall, converge_own, CONVERGE_GRAPH, counts, args.latency_scale),
            "targets": {"ratio": 1.1, "own_work_s": 45},
        },
        "teardown": timed_against_graph(teardown_wall, teardown_own, TEARDOWN_GRAPH, counts, args.latency_scale),
        "converge_api_calls": converge_calls,
        "slow_resources": counts,
        "benchmark_s": round(time.perf_counter() - started, 1),
    }
    print_table(figures)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json_out:
        args.json_out.write_text(text + "\n")
    lock_only = set(noop_calls["write_operations"]) <= LOCK_WRITES
    return 0 if noop["changed_tasks"] == 0 and lock_only and not check_calls["write_operations"] else 1


def print_table(f: dict) -> None:
    n = f["noop"]
    print(f"ninetynine.trading_infra figures, {f['date']} at {f['commit']}, {f['cpu_count']} cores\n")
    print("1. no-op re-run of site.yml -i inventories/local")
    w = n["wall_s"]
    print(
        f"   wall time (median of {n['runs']})     {w['median']:>7.1f} s  "
        f"(min {w['min']}, max {w['max']}; target <= 10)"
    )
    print(f"   changed tasks                 {n['changed_tasks']:>7d}")
    print(f"   module invocations            {n['module_invocations']:>7d}")
    for role, count in n["by_role"].items():
        print(f"     {role:<28}{count:>7d}    {n['task_seconds_by_role'].get(role, 0):>6.1f} s of tasks")
    a = n["api_calls"]
    print(f"   AWS API calls                 {a['total']:>7d}    (reads {a['reads']}, writes {a['writes']})")
    writes = ", ".join(f"{op} {count}" for op, count in a["write_operations"].items()) or "none"
    print(f"   writes                        {writes}  (target: the lock's only)")
    print(
        f"   longest chain of reads in turn {n['longest_read_chain']:>6d}    "
        f"(at 100 ms a read on AWS: {n['read_chain_floor_on_aws_s']} s)"
    )
    c = f["check"]
    print("1b. site.yml --check --diff on the converged stack")
    print(f"   wall time                     {c['wall_s']:>7.1f} s  (target <= 10)")
    print(
        f"   module invocations            {c['module_invocations']:>7d}    changed tasks {c['changed_tasks']}, "
        f"writes {c['api_calls']['writes']}, longest chain of reads {c['longest_read_chain']}"
    )
    for title, key in (("2. converge from empty", "converge"), ("3. teardown", "teardown")):
        c = f[key]
        print(f"{title}, latency model x{f['latency_scale']}")
        print(f"   wall time                     {c['wall_s']:>7.1f} s")
        print(f"   own work (latency off)        {c['own_work_s']:>7.1f} s")
        print(
            f"   critical path of AWS waits    {c['critical_path_s']:>7.1f} s  "
            f"({c['critical_path_on_aws_min']} min on AWS: {' -> '.join(c['critical_path'])})"
        )
        target = f["converge"]["targets"]["ratio"] if key == "converge" else 1.25
        print(f"   ratio wall / (own work + critical path) {c['ratio']:.2f}  (target <= {target})")
        print(
            f"   each wait in turn             {c['each_wait_in_turn_s']:>7.1f} s  "
            f"({c['each_wait_in_turn_on_aws_min']} min of waits on AWS)"
        )
    print("4. AWS API calls by service (all operations in the JSON)")
    for title, calls in (("converge", f["converge_api_calls"]), ("no-op", n["api_calls"])):
        services = ", ".join(f"{s} {c}" for s, c in list(calls["by_service"].items())[:8])
        print(f"   {title:<9} {calls['total']:>5d} (reads {calls['reads']}, writes {calls['writes']}): {services}, ...")
    print()


if __name__ == "__main__":
    sys.exit(main())
