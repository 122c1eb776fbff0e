"""Run the local AWS in a thread (tests) or as a child process (make, molecule)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

DEFAULT_PORT = 4566
HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]

# What every AWS client needs to talk to the emulator. The keys are moto's dummies, not secrets.
CLIENT_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def default_port() -> int:
    return int(os.environ.get("LOCAL_AWS_PORT", DEFAULT_PORT))


def client_env(port: int) -> dict:
    return dict(CLIENT_ENV, AWS_ENDPOINT_URL=f"http://{HOST}:{port}")


# Admin calls are quick, but a machine running two test suites (load average ~9) can stall one for
# many seconds: a generous timeout keeps a busy machine's tests from erroring.
ADMIN_TIMEOUT = 120.0


def admin(port: int, what: str, method: str = "GET", timeout: float = ADMIN_TIMEOUT, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://{HOST}:{port}/_local_aws/{what}", method=method, data=data)
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback only
        return json.loads(resp.read())


def wait_healthy(port: int, timeout: float = 180.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"local AWS exited with code {proc.returncode} before it was ready")
        try:
            if admin(port, "health", timeout=5.0).get("status") == "ok":
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"local AWS did not answer on {HOST}:{port} within {timeout:.0f}s")


class ThreadedServer:
    """The local AWS in a daemon thread of this process; port 0 picks a free port."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._server = None
        self._thread: threading.Thread | None = None

    def start(self) -> ThreadedServer:
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import make_server

        from .app import LocalAWS

        class QuietHandler(MotoRequestHandler):
            # One line per request drowns test and demo output; errors are still logged.
            def log_request(self, code="-", size="-"):
                pass

        self._server = make_server(HOST, self.port, LocalAWS(), threaded=True, request_handler=QuietHandler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-aws", daemon=True)
        self._thread.start()
        wait_healthy(self.port)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_forever(port: int, latency_scale: float = 0.0) -> None:
    """Foreground server until SIGINT/SIGTERM."""
    from .latency import MODEL

    MODEL.configure({"scale": latency_scale})
    server = ThreadedServer(port).start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"local AWS listening on {server.url} (Ctrl-C to stop)", flush=True)
    print(
        f"  export AWS_ENDPOINT_URL={server.url} AWS_ACCESS_KEY_ID=testing "
        "AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1",
        flush=True,
    )
    stop.wait()
    server.stop()
    print("local AWS stopped", flush=True)


def spawn(port: int, pidfile: Path, logfile: Path, latency_scale: float = 0.0) -> int:
    """Start the server as a detached child; return its pid once it answers."""
    if pidfile.exists():
        stop(pidfile)
    logfile.parent.mkdir(parents=True, exist_ok=True)
    with open(logfile, "ab") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "tools.local_aws",
                "serve",
                "--port",
                str(port),
                "--latency-scale",
                str(latency_scale),
            ],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        wait_healthy(port, proc=proc)
    except Exception:
        proc.kill()
        proc.wait()
        raise
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.write_text(f"{proc.pid}\n")
    return proc.pid


def stop(pidfile: Path, timeout: float = 10.0) -> bool:
    """Stop a server started by spawn(); True if one was running."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return False
    pidfile.unlink(missing_ok=True)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    return True
