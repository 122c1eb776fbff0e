"""Figures of each shipped environment's life on the local AWS (`make bench-environments`).

  .venv/bin/python benchmarks/environments.py [--envs dev staging prod] [--json-out FILE]

For each environment, on an empty local AWS (its own, in this process, on a free port), with the
inventory as shipped (prod given a certificate imported into the local AWS): the converge, the
no-op re-run and the teardown (prod confirmed), each with its wall time; the re-run's module
invocations and AWS writes (the lock's PutItem and DeleteItem are expected). Runs one after the
other, so the machine is not shared between them. Figures, never assertions: the tests
(tests/integration/test_environments.py) say whether each step is right.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "collections"))

import boto3  # noqa: E402
from ansible_collections.ninetynine.trading_infra.plugins.modules.acm_self_signed_certificate import (  # noqa: E402
    generate,
)

from benchmarks.figures import invocations, run_playbook  # noqa: E402
from tools.local_aws import server  # noqa: E402


def playbook(port: int, path: str, env: str, *extra: str) -> tuple[float, dict]:
    """The inventories other than local name no endpoint: the local AWS's comes from the environment."""
    return run_playbook(port, path, env, *extra, **server.client_env(port))


def one_environment(env: str) -> dict:
    with server.ThreadedServer(port=0) as srv:
        port = srv.port
        extra = []
        if env == "prod":
            acm = boto3.client("acm", **{"endpoint_url": srv.url, "region_name": "us-east-1"})
            certificate, key = generate("trading.example.com", 365, 2048)
            arn = acm.import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]
            extra = ["-e", f"alb_certificate_arn={arn}"]
        converge, _ = playbook(port, "site.yml", env, *extra)
        server.admin(port, "calls", method="DELETE")
        rerun, report = playbook(port, "site.yml", env, *extra)
        calls = server.admin(port, "calls")
        writes = sorted(f"{c['service']}:{c['operation']}" for c in calls["calls"] if not c["read"])
        counted = invocations(report)
        if env == "prod":
            extra += ["-e", "confirm_teardown=prod"]
        teardown, _ = playbook(port, "playbooks/teardown.yml", env, *extra)
    return {
        "converge_s": round(converge, 1),
        "rerun_s": round(rerun, 1),
        "rerun_changed": counted["changed_tasks"],
        "rerun_invocations": counted["module_invocations"],
        "rerun_reads": calls["reads"],
        "rerun_writes": writes,
        "teardown_s": round(teardown, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=["dev", "staging", "prod"])
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(server.CLIENT_ENV)
    figures = {env: one_environment(env) for env in args.envs}
    print(
        f"{'env':<8} {'converge':>9} {'re-run':>7} {'changed':>8} {'invocations':>12} {'reads':>6}"
        f" {'teardown':>9}  writes"
    )
    for env, f in figures.items():
        print(
            f"{env:<8} {f['converge_s']:>8.1f}s {f['rerun_s']:>6.1f}s {f['rerun_changed']:>8} "
            f"{f['rerun_invocations']:>12} {f['rerun_reads']:>6} {f['teardown_s']:>8.1f}s"
            f"  {', '.join(f['rerun_writes'])}"
        )
    print(json.dumps(figures, indent=2))
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
