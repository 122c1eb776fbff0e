"""Command line of the local AWS.

python -m tools.local_aws serve  [--port N]              foreground, Ctrl-C stops
python -m tools.local_aws start  [--port N] [--pidfile F] background, returns when ready
python -m tools.local_aws stop   [--pidfile F]
python -m tools.local_aws calls  [--port N] [--reset]     API calls counted so far (JSON)
python -m tools.local_aws run    [--port N] -- CMD ...    start, run CMD with the client
                                                          environment, stop; exit with CMD's code
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from . import server

STATE_DIR = server.REPO_ROOT / ".local_aws"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.local_aws", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["serve", "start", "stop", "calls", "run"])
    parser.add_argument("--port", type=int, default=server.default_port())
    parser.add_argument("--pidfile", type=Path, default=None)
    parser.add_argument("--reset", action="store_true", help="with calls: zero the counts after printing")
    parser.add_argument(
        "--latency-scale",
        type=float,
        default=0.0,
        help="serve/start/run: slow resources (Redis, Aurora, NAT) stay transitional for scale x their AWS time",
    )
    argv = sys.argv[1:] if argv is None else argv
    cmd = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    pidfile = args.pidfile or STATE_DIR / f"{args.port}.pid"
    logfile = STATE_DIR / f"{args.port}.log"

    if args.command == "serve":
        server.serve_forever(args.port, args.latency_scale)
        return 0
    if args.command == "start":
        pid = server.spawn(args.port, pidfile, logfile, args.latency_scale)
        print(f"local AWS started on http://{server.HOST}:{args.port} (pid {pid}, log {logfile})")
        return 0
    if args.command == "stop":
        print("local AWS stopped" if server.stop(pidfile) else "local AWS was not running")
        return 0
    if args.command == "calls":
        print(json.dumps(server.admin(args.port, "calls"), indent=2))
        if args.reset:
            server.admin(args.port, "calls", method="DELETE")
        return 0
    if not cmd:
        parser.error("run needs a command after --")
    server.spawn(args.port, pidfile, logfile, args.latency_scale)
    try:
        return subprocess.call(cmd, env=dict(os.environ, **server.client_env(args.port)))  # noqa: S603
    finally:
        server.stop(pidfile)


if __name__ == "__main__":
    sys.exit(main())
