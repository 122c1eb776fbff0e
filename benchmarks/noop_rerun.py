"""No-op re-run of site.yml on inventories/local: wall time, module invocations, AWS API calls.

  .venv/bin/python benchmarks/noop_rerun.py [--runs N] [--json]

Starts the local AWS on a free port, converges once, then times N re-runs that should change
nothing. Module invocations are tasks whose action runs a module (controller-only actions such as
set_fact, assert and debug cost no Python start-up and are not counted); API calls come from the
local AWS's counter. Prints a table, then the same figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tools.local_aws import server  # noqa: E402

CONTROLLER_ONLY = {
    "ansible.builtin.set_fact",
    "ansible.builtin.assert",
    "ansible.builtin.debug",
    "ansible.builtin.include_tasks",
    "ansible.builtin.import_tasks",
    "ansible.builtin.include_role",
    "ansible.builtin.meta",
    "ansible.builtin.fail",
    "ansible.builtin.validate_argument_spec",
    "set_fact",
    "assert",
    "debug",
    "include_tasks",
    "include_role",
    "validate_argument_spec",
    "meta",
    "fail",
    "ansible.builtin.set_stats",
    "set_stats",
}


def run_site(port: int) -> tuple[float, dict]:
    env = dict(
        os.environ,
        LOCAL_AWS_PORT=str(port),
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
    )
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    start = time.perf_counter()
    proc = subprocess.run(  # noqa: S603
        [str(Path(sys.executable).parent / "ansible-playbook"), "site.yml", "-i", "inventories/local"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"site.yml failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return wall, json.loads(proc.stdout)


def invocations(report: dict) -> tuple[Counter, int]:
    modules, changed = Counter(), 0
    for play in report["plays"]:
        for task in play["tasks"]:
            for result in task["hosts"].values():
                action = result.get("action") or task["task"].get("action", "")
                if result.get("skipped") or action in CONTROLLER_ONLY:
                    continue
                # A loop runs the module once per item.
                items = [r for r in result.get("results", [result]) if not r.get("skipped")]
                modules[action] += len(items)
                changed += sum(bool(r.get("changed")) for r in items)
    return modules, changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="no-op re-runs to time (default 3)")
    parser.add_argument("--json", action="store_true", help="print only the JSON")
    args = parser.parse_args()

    with server.ThreadedServer(port=0) as srv:
        converge_wall, _ = run_site(srv.port)
        walls, calls = [], None
        for _ in range(args.runs):
            server.admin(srv.port, "calls", method="DELETE")
            wall, report = run_site(srv.port)
            walls.append(wall)
            calls = server.admin(srv.port, "calls")
        modules, changed = invocations(report)

    figures = {
        "scenario": "no-op re-run of site.yml -i inventories/local",
        "converge_from_empty_s": round(converge_wall, 2),
        "noop_wall_s": {
            "median": round(statistics.median(walls), 2),
            "min": round(min(walls), 2),
            "max": round(max(walls), 2),
            "runs": len(walls),
        },
        "changed_tasks": changed,
        "module_invocations": sum(modules.values()),
        "module_invocations_by_module": dict(sorted(modules.items())),
        "api_calls": {"total": calls["total"], "reads": calls["reads"], "writes": calls["writes"]},
        "api_calls_by_operation": {f"{c['service']}:{c['operation']}": c["count"] for c in calls["calls"]},
        "cpu_count": os.cpu_count(),
    }
    if not args.json:
        print(f"converge from empty        {figures['converge_from_empty_s']:>8.2f} s")
        w = figures["noop_wall_s"]
        print(f"no-op re-run wall (median) {w['median']:>8.2f} s   (min {w['min']}, max {w['max']}, {w['runs']} runs)")
        print(f"changed tasks              {changed:>8d}")
        print(f"module invocations         {figures['module_invocations']:>8d}")
        for name, n in figures["module_invocations_by_module"].items():
            print(f"    {name:<50} {n}")
        a = figures["api_calls"]
        print(f"AWS API calls              {a['total']:>8d}   (reads {a['reads']}, writes {a['writes']})")
        for name, n in figures["api_calls_by_operation"].items():
            print(f"    {name:<50} {n}")
    print(json.dumps(figures, indent=None if not args.json else 2))
    return 0 if changed == 0 and figures["api_calls"]["writes"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
