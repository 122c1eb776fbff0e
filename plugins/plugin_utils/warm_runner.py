# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Run Python modules in a warm interpreter, one fork per module (the `warm_local` connection).

A module run on the control node costs about 0.5 s before its first AWS call: a Python start-up,
`ansible.module_utils.basic`, boto3, and botocore reading and parsing each service's JSON model
for every client it makes. The platform's modules all run on the control node, so that cost is
paid once per run here instead of once per task:

- the server is this file run as a script, by the interpreter the modules would run with; it
  imports `ansible.module_utils.basic` and boto3, keeps one botocore loader for every session,
  and loads the models of the services the platform calls, between requests;
- for each module the connection sends the AnsiballZ wrapper it would have piped to
  `python`, with the environment it would have run with; the server forks, and the child runs the
  wrapper exactly as `python` would (same payload, same parameters, same stdout and exit code);
- the server belongs to one `ansible-playbook` process: it leaves when that process ends, when it
  has been idle for `IDLE_SECONDS`, or on SIGTERM, and it stops the modules still running then. A
  module whose task is gone (Ctrl-C, a task timeout) is stopped too.

Only the same user can connect: the socket lives in a 0700 directory of the user's and the server
checks the peer's uid. The client side (`connect`, `run`) is imported by the connection plugin;
the server side imports nothing beyond the standard library until it runs.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import sys
import tempfile
import time

# The services the platform's modules call, most used first (the server loads their models while idle).
WARM_SERVICES = (
    "sts",
    "ec2",
    "iam",
    "kms",
    "logs",
    "elbv2",
    "eks",
    "rds",
    "elasticache",
    "s3",
    "ssm",
    "dynamodb",
    "secretsmanager",
    "cloudwatch",
    "sns",
    "config",
    "acm",
    "wafv2",
    "events",
    "securityhub",
    "guardduty",
    "cloudtrail",
    "budgets",
    "application-autoscaling",
    "backup",
    "resourcegroupstaggingapi",
)
IDLE_SECONDS = 300
OWNER_POLL_SECONDS = 0.25
START_TIMEOUT_SECONDS = 15.0
_HEADER = struct.Struct("!Q")


def private_directory(base: str | None = None) -> str:
    """The user's private directory under the temporary directory (created 0700, refused if shared)."""
    directory = os.path.join(base or tempfile.gettempdir(), f"ninetynine-warm-{os.getuid()}")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    info = os.lstat(directory)
    if info.st_uid != os.getuid() or info.st_mode & 0o077 or not os.path.isdir(directory):
        raise OSError(f"{directory} is not a private directory of this user")
    return directory


def socket_path(owner_pid: int, interpreter: str) -> str:
    """Where the server of one ansible-playbook process and interpreter listens.

    A socket's path has at most 107 bytes (AF_UNIX): under a long TMPDIR the socket goes to /tmp.
    """
    tag = f"{_fnv1a(interpreter.encode()) & 0xFFFFFFFF:08x}"
    name = f"{owner_pid}-{tag}.sock"
    path = os.path.join(private_directory(), name)
    if len(os.fsencode(path)) > 100:
        path = os.path.join(private_directory("/tmp"), name)  # noqa: S108 - a private directory in it
    return path


def _fnv1a(data: bytes) -> int:
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _receive(sock: socket.socket) -> bytes:
    header = _receive_exactly(sock, _HEADER.size)
    return _receive_exactly(sock, _HEADER.unpack(header)[0])


def _receive_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise ConnectionError("the warm runner closed the connection")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _process_start_time(pid: int) -> str | None:
    """The start time of a process (field 22 of /proc/<pid>/stat), to tell it from a reused pid."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


# ---------------------------------------------------------------------------------------------
# Client side: used by the connection plugin, in Ansible's worker processes.


def connect(owner_pid: int, interpreter: str, log_path: str | None = None) -> socket.socket:
    """A connection to the warm runner of this ansible-playbook run, started if it is not running."""
    import fcntl
    import subprocess

    path = socket_path(owner_pid, interpreter)
    sock = _try_connect(path)
    if sock:
        return sock
    # One worker starts the server; the others wait for it on the lock.
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sock = _try_connect(path)
        if sock:
            return sock
        _sweep(os.path.dirname(path))
        if os.path.exists(path):
            os.unlink(path)
        log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below, kept by the child
        try:
            server = subprocess.Popen(  # noqa: S603 - this file, run by the interpreter the module would have run with
                [interpreter, os.path.abspath(__file__), path, str(owner_pid)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                close_fds=True,
                start_new_session=True,
                cwd="/",
            )
        finally:
            if log_path:
                log.close()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            sock = _try_connect(path)
            if sock:
                return sock
            if server.poll() is not None:
                raise ConnectionError(f"the warm runner exited with {server.returncode} on start")
            time.sleep(0.01)
    raise ConnectionError(f"the warm runner did not start within {START_TIMEOUT_SECONDS:.0f} s")


def _sweep(directory: str) -> None:
    """Remove the sockets of runs that ended without their server cleaning up (a SIGKILL)."""
    for name in os.listdir(directory):
        owner, _, rest = name.partition("-")
        if not owner.isdigit() or not rest.endswith((".sock", ".sock.lock")):
            continue
        try:
            os.kill(int(owner), 0)
        except ProcessLookupError:
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass
        except OSError:
            pass


def _try_connect(path: str) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    return sock


def run(sock: socket.socket, wrapper: bytes, environ: dict[str, str], cwd: str) -> tuple[int, bytes, bytes]:
    """Run one AnsiballZ wrapper in a fork of the warm runner: (exit code, stdout, stderr)."""
    import base64

    request = {"environ": environ, "cwd": cwd, "wrapper": base64.b64encode(wrapper).decode("ascii")}
    with sock:
        _send(sock, json.dumps(request).encode("utf-8"))
        response = json.loads(_receive(sock))
    return response["rc"], base64.b64decode(response["stdout"]), base64.b64decode(response["stderr"])


# ---------------------------------------------------------------------------------------------
# Server side: this file run as a script.


def _warm_imports() -> None:
    """What every module run would import; failures only mean a colder start."""
    for name in (
        "ansible.module_utils.basic",
        "ansible.module_utils._internal._ansiballz._loader",
        "ansible.module_utils.common.dict_transformations",
        "boto3",
        "boto3.session",
        "botocore.session",
        "botocore.client",
        "botocore.exceptions",
        "botocore.waiter",
        "botocore.paginate",
    ):
        try:
            __import__(name)
        except Exception:  # noqa: S110 - a missing library is the module's error to report, not ours
            pass
    try:
        import botocore.loaders
        import botocore.session
    except ImportError:
        return
    # One loader for every session: each module makes new sessions, and each new session would
    # otherwise read and parse the same JSON models again. The models are only read.
    shared = {}
    create_loader = botocore.loaders.create_loader

    def shared_loader(search_path_string=None):
        if search_path_string not in shared:
            shared[search_path_string] = create_loader(search_path_string)
        return shared[search_path_string]

    botocore.loaders.create_loader = shared_loader
    botocore.session.create_loader = shared_loader


def _warm_service(name: str) -> None:
    """Load one service's models (and the endpoint data every client needs) into the shared loader."""
    try:
        import boto3.session

        # No call is made: the client only loads its models. Placeholder keys keep botocore from
        # looking for credentials.
        session = boto3.session.Session(
            aws_access_key_id="warm",
            aws_secret_access_key="warm",  # noqa: S106 - a placeholder, never sent
            region_name="us-east-1",
        )
        client = session.client(name)
        # The paginators' and waiters' models too: amazon.aws pages through most reads, and a model
        # a child loads is lost with it (33 of the 49 modules of a no-op re-run loaded them).
        operation = next(iter(client.meta.method_to_api_mapping), None)
        if operation:
            client.can_paginate(operation)
        client.waiter_names  # noqa: B018 - reading it loads the waiter model
    except Exception:  # noqa: S110 - an unknown service in this botocore only stays cold
        pass


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def _child(conn: socket.socket, listener: socket.socket, raw_request: bytes, code_directory: str) -> None:
    """In the fork: run the wrapper as `python` would, send back its exit code and output."""
    import base64
    import signal

    listener.close()
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(number, signal.SIG_DFL)
    request = json.loads(raw_request)
    wrapper = base64.b64decode(request["wrapper"])
    os.environ.clear()
    os.environ.update(request["environ"])
    os.chdir(request["cwd"])
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the module's stdout, until this process ends
    err = tempfile.TemporaryFile()  # noqa: SIM115
    sys.stdout.flush()
    sys.stderr.flush()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out.fileno(), 1)
    os.dup2(err.fileno(), 2)
    os.close(null)
    sys.argv = [""]
    _remember_compiled_sources(code_directory)
    _payload_first("ansible", "ansible")
    _payload_first("ansible.module_utils", "ansible/module_utils")
    rc = 0
    try:
        code = compile(wrapper, "<stdin>", "exec")
        exec(code, {"__name__": "__main__", "__builtins__": __builtins__})  # noqa: S102 - the module, as python would run it
    except SystemExit as exit_:
        if exit_.code is None:
            rc = 0
        elif isinstance(exit_.code, int):
            rc = exit_.code
        else:
            print(exit_.code, file=sys.stderr)
            rc = 1
    except BaseException:  # what python prints and returns for an uncaught exception
        import traceback

        traceback.print_exc()
        rc = 1
    try:
        import atexit

        atexit._run_exitfuncs()  # the module's own clean-up (AnsibleModule's temporary directory)
    except BaseException:  # noqa: S110 - python ignores errors in exit functions too
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: S110 - a closed stream has nothing left to flush
            pass
    out.seek(0)
    err.seek(0)
    response = {
        "rc": rc,
        "stdout": base64.b64encode(out.read()).decode("ascii"),
        "stderr": base64.b64encode(err.read()).decode("ascii"),
    }
    _send(conn, json.dumps(response).encode("ascii"))


def _payload_first(package: str, folder: str) -> None:
    """Let the payload provide what the installed package lacks, as under `python`.

    Under `python` the payload's `ansible` comes first on the path and extends itself with the
    installed one; here `ansible` and `ansible.module_utils` were imported from the installed
    package before the payload existed. A module of a playbook's `library/` (`ansible.legacy.*`)
    or a `module_utils/` of its own is only in the payload: each package's path lists the payload's
    folder first, looked up when a submodule is imported.
    """
    module = sys.modules.get(package)
    installed = list(getattr(module, "__path__", None) or [])
    if module is None or not installed:
        return

    class PayloadFirst(list):
        def __iter__(self):
            payloads = [entry for entry in sys.path if entry.endswith(".zip") and os.path.isfile(entry)]
            return iter([os.path.join(entry, folder) for entry in payloads] + installed)

    module.__path__ = PayloadFirst(installed)


def _remember_compiled_sources(directory: str | None) -> None:
    """Compile each source of the module's payload once, across runs (zipimport compiles it every time).

    The payload's files are compiled from source on every import (a zip holds no bytecode), about
    20 ms a module. The compiled code is kept on disk under the source's digest and the Python
    version's magic number, as `__pycache__` would; the file name in it is set to the payload's.
    """
    if not directory:
        return
    try:
        import _imp
        import hashlib
        import importlib.util
        import marshal
        import zipimport

        original = zipimport._compile_source
    except (ImportError, AttributeError):
        return
    tag = importlib.util.MAGIC_NUMBER.hex()

    def compile_source(pathname, source):
        key = hashlib.sha256(source).hexdigest()
        cached = os.path.join(directory, tag, key[:2], key)
        try:
            with open(cached, "rb") as handle:
                code = marshal.loads(handle.read())  # noqa: S302 - written by this user, in a 0700 directory
            _imp._fix_co_filename(code, pathname)
            return code
        except (OSError, ValueError, EOFError, TypeError):
            pass
        code = original(pathname, source)
        try:
            os.makedirs(os.path.dirname(cached), mode=0o700, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(cached))
            with os.fdopen(handle, "wb") as output:
                output.write(marshal.dumps(code))
            os.replace(temporary, cached)
        except OSError:
            pass
        return code

    zipimport._compile_source = compile_source


def serve(path: str, owner_pid: int) -> None:
    """Accept module runs for the life of the owner process."""
    import selectors
    import signal

    owner_started = _process_start_time(owner_pid)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the playbook, which ends us

    _warm_imports()
    warm = list(WARM_SERVICES)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    running = {}  # child pid -> the server's end of its connection
    last_activity = time.monotonic()
    next_owner_check = 0.0
    try:
        while not stopping:
            events = selector.select(0 if warm else OWNER_POLL_SECONDS)
            for key, _ in events:
                if key.fileobj is listener:
                    conn, _ = listener.accept()
                    if _peer_uid(conn) != os.getuid():
                        conn.close()
                        continue
                    # Read here, so that the connection is readable afterwards only when the client leaves.
                    conn.settimeout(10)
                    try:
                        request = _receive(conn)
                    except (OSError, ConnectionError):
                        conn.close()
                        continue
                    conn.settimeout(None)
                    pid = os.fork()
                    if pid == 0:
                        try:
                            _child(conn, listener, request, os.path.join(os.path.dirname(path), "code"))
                        finally:
                            os._exit(0)
                    running[pid] = conn
                    selector.register(conn, selectors.EVENT_READ, pid)
                    last_activity = time.monotonic()
                else:
                    # The client never writes after its request: readable means it went away.
                    selector.unregister(key.fileobj)
                    _stop(key.data)
            for pid in list(running):
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done:
                    conn = running.pop(pid)
                    if conn.fileno() in selector.get_map():
                        selector.unregister(conn)
                    conn.close()
                    last_activity = time.monotonic()
            if warm and not events:
                _warm_service(warm.pop(0))
            now = time.monotonic()
            if now >= next_owner_check:
                next_owner_check = now + OWNER_POLL_SECONDS
                if not _alive(owner_pid, owner_started):
                    break
                if not running and now - last_activity > IDLE_SECONDS:
                    break
    finally:
        for leftover in (path, path + ".lock"):
            try:
                os.unlink(leftover)
            except OSError:
                pass
        for pid in running:
            _stop(pid)
        for pid in running:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _alive(pid: int, started: str | None) -> bool:
    if started is not None:
        return _process_start_time(pid) == started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _stop(pid: int) -> None:
    import signal

    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    # Not run from the plugin directory: nothing of it must shadow a library the modules import.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    serve(sys.argv[1], int(sys.argv[2]))
