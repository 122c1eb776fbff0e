"""The warm_local connection: modules run in a fork of a warm interpreter give the same results as
under ansible.builtin.local; the interpreter belongs to one run and leaves with it, stopping what
still runs; the payload memo changes nothing in the payload; compiled sources are reused."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.connection.warm_local import (
    is_controller_interpreter,
    parse_module_command,
)
from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils import warm_runner

from tests.helpers import REPO, ansible_env

PYTHON = sys.executable
PLAYBOOK = str(Path(PYTHON).parent / "ansible-playbook")


@pytest.fixture
def short_tmp():
    """A temporary directory short enough for a socket path (pytest's are often over AF_UNIX's 107 bytes)."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="warm", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


# -- the command Ansible runs a pipelined module with ------------------------------------------


def test_a_pipelined_module_command_gives_its_environment_and_interpreter():
    cmd = "/bin/sh -c 'AWS_REGION=us-east-1 PROBE='\"'\"'a b'\"'\"' /opt/venv/bin/python3.11 && sleep 0'"
    assert parse_module_command(cmd) == ({"AWS_REGION": "us-east-1", "PROBE": "a b"}, "/opt/venv/bin/python3.11")
    assert parse_module_command("/bin/sh -c '/usr/bin/python3 && sleep 0'") == ({}, "/usr/bin/python3")


def test_the_command_of_ansible_core_2_20_and_later_without_sleep_0_is_understood_too():
    # ansible-core 2.21.5, -vvv: EXEC /bin/sh -c 'FOO='"'"'bar baz'"'"' /tmp/v313/bin/python'
    cmd = "/bin/sh -c 'AWS_REGION=us-east-1 PROBE='\"'\"'a b'\"'\"' /opt/venv/bin/python3.13'"
    assert parse_module_command(cmd) == ({"AWS_REGION": "us-east-1", "PROBE": "a b"}, "/opt/venv/bin/python3.13")
    assert parse_module_command("/bin/sh -c /opt/venv/bin/python") == ({}, "/opt/venv/bin/python")


@pytest.mark.parametrize(
    "cmd",
    [
        "/bin/sh -c 'echo ~root && sleep 0'",  # a raw command
        "/bin/sh -c 'cd /tmp && /usr/bin/python3 && sleep 0'",  # a chdir
        "/bin/sh -c '/usr/bin/python3 /root/.ansible/tmp/x/AnsiballZ_ping.py && sleep 0'",  # not pipelined
        "/bin/sh -c 'sudo -H -S -n -u root /bin/sh -c '\"'\"'echo BECOME; /usr/bin/python3'\"'\"' && sleep 0'",
        "/bin/sh -c 'python3 && sleep 0'",  # not an absolute interpreter
        "/bin/sh -c '/usr/bin/perl && sleep 0'",
        "/bin/sh -c 'unbalanced",
        "/bin/sh -c 'echo ~root'",  # the same, as ansible-core 2.20 and later write them
        "/bin/sh -c 'cd /tmp && /usr/bin/python3'",
        "/bin/sh -c '/usr/bin/python3 /root/.ansible/tmp/x/AnsiballZ_ping.py'",
        "/bin/sh -c '/usr/bin/python3; /usr/bin/python3'",
        "/bin/sh -c 'python3'",
    ],
)
def test_anything_else_is_left_to_the_shell(cmd):
    assert parse_module_command(cmd) is None


def test_only_the_interpreter_running_ansible_runs_modules_warm():
    assert is_controller_interpreter(sys.executable)
    here, name = os.path.split(sys.executable)
    assert is_controller_interpreter(os.path.join(here, ".", name))
    siblings = [p for p in Path(here).glob("python*") if p.resolve() == Path(sys.executable).resolve()]
    assert all(is_controller_interpreter(str(p)) for p in siblings)  # python, python3, python3.11
    assert not is_controller_interpreter("/usr/bin/python3")  # discovered: its own ansible, or none
    assert not is_controller_interpreter("/opt/other-venv/bin/python3.11")


# -- modules run warm give what ansible.builtin.local gives --------------------------------------


SAME_RESULTS = """
- name: Probe the connection
  hosts: probe
  gather_facts: false
  tasks:
    - name: A command with the task's environment
      ansible.builtin.command: printenv TRADING_PROBE
      environment:
        TRADING_PROBE: "a b'c $HOME"
      register: probe_env
      changed_when: false

    - name: A command that fails
      ansible.builtin.command: /bin/false
      register: probe_false
      failed_when: false
      changed_when: false

    - name: A module that raises (a command that does not exist)
      ansible.builtin.command: /nonexistent/probe
      register: probe_missing
      ignore_errors: true

    - name: Check mode is passed on
      ansible.builtin.copy:
        content: probe
        dest: "{{ probe_dir }}/check-mode"
        mode: "0600"
      check_mode: true
      register: probe_check

    - name: An AWS module against the local AWS
      amazon.aws.aws_caller_info:
      register: probe_caller

    - name: A module that warns (its warnings come back with its result, not on the interpreter's output)
      probe_warn:
      register: probe_warned

    - name: Hand the results over
      ansible.builtin.copy:
        content: "{{ {'env': probe_env.stdout, 'false_rc': probe_false.rc, 'missing_failed': probe_missing.failed,
                      'missing_msg': probe_missing.msg, 'check_changed': probe_check.changed,
                      'account': probe_caller.account, 'warned': probe_warned.warnings | default([]) | length,
                      'warned_ok': probe_warned is succeeded} | to_json }}"
        dest: "{{ probe_dir }}/{{ ansible_connection | replace('.', '_') }}.json"
        mode: "0600"
"""


def _inventory(tmp_path: Path, connection: str) -> Path:
    inventory = tmp_path / f"{connection}.yml"
    inventory.write_text(
        json.dumps(
            {
                "all": {
                    "hosts": {
                        "probe": {
                            "ansible_host": "localhost",
                            "ansible_connection": connection,
                            "ansible_python_interpreter": PYTHON,
                            "probe_dir": str(tmp_path),
                        }
                    }
                }
            }
        )
    )
    return inventory


# A playbook's own module (ansible.legacy.*) with a module_util of its own: both are only in the
# payload, never in the installed ansible the warm interpreter imported.
PROBE_WARN = """#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.probe_util import MESSAGE

module = AnsibleModule(argument_spec={}, supports_check_mode=True)
module.warn(MESSAGE)
module.exit_json(changed=False)
"""


def _run(tmp_path: Path, port: int, connection: str, *args: str, tmpdir: Path | None = None, **env):
    playbook = tmp_path / "probe.yml"
    playbook.write_text(SAME_RESULTS)
    (tmp_path / "library").mkdir(exist_ok=True)
    (tmp_path / "library" / "probe_warn.py").write_text(PROBE_WARN)
    (tmp_path / "module_utils").mkdir(exist_ok=True)
    (tmp_path / "module_utils" / "probe_util.py").write_text('MESSAGE = "probe warning"\n')
    return subprocess.run(
        [PLAYBOOK, str(playbook), "-i", str(_inventory(tmp_path, connection)), *args],
        cwd=REPO,
        env=ansible_env(port, TMPDIR=str(tmpdir or tmp_path), **env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_modules_run_warm_give_what_local_gives(aws, tmp_path):
    cold = _run(tmp_path, aws.port, "local", "-vvv")
    warm = _run(tmp_path, aws.port, "ninetynine.trading_infra.warm_local", "-vvv")
    assert cold.returncode == 0, cold.stdout[-3000:]
    assert warm.returncode == 0, warm.stdout[-3000:]
    local = json.loads((tmp_path / "local.json").read_text())
    fast = json.loads((tmp_path / "ninetynine_trading_infra_warm_local.json").read_text())
    assert fast == local
    assert fast["env"] == "a b'c $HOME"
    assert fast["false_rc"] == 1
    assert fast["missing_failed"] is True and fast["missing_msg"]
    assert fast["check_changed"] is True and not (tmp_path / "check-mode").exists()
    assert fast["account"] == aws.client("sts").get_caller_identity()["Account"]
    assert fast["warned"] == 1 and fast["warned_ok"] is True
    assert "EXEC (warm interpreter)" in warm.stdout
    assert "EXEC (warm interpreter)" not in cold.stdout


def test_off_it_is_the_local_connection(aws, tmp_path, short_tmp):
    result = _run(
        tmp_path, aws.port, "ninetynine.trading_infra.warm_local", "-vvv", tmpdir=short_tmp, TRADING_WARM_MODULES="0"
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "EXEC (warm interpreter)" not in result.stdout
    assert "AnsiballZ_command.py" in result.stdout  # the module went through a file, as with local
    assert not list((short_tmp / f"ninetynine-warm-{os.getuid()}").glob("*.sock*"))


def _servers() -> list[tuple[int, int]]:
    """The warm interpreters running (pid, owner pid) whose owner is gone."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if len(argv) >= 4 and argv[1].endswith(b"warm_runner.py"):
            owner = int(argv[3])
            if not Path(f"/proc/{owner}").exists():
                found.append((int(entry.name), owner))
    return found


def test_the_interpreter_leaves_with_its_run(aws, tmp_path, short_tmp):
    result = _run(tmp_path, aws.port, "ninetynine.trading_infra.warm_local", tmpdir=short_tmp)
    assert result.returncode == 0, result.stdout[-3000:]
    deadline = time.monotonic() + 5
    while _servers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _servers()
    directory = short_tmp / f"ninetynine-warm-{os.getuid()}"
    assert directory.is_dir() and oct(directory.stat().st_mode & 0o777) == "0o700"
    assert list(directory.glob("imports-*")), "the payload memo is kept"
    assert list(directory.glob("code/*")), "and the compiled sources"
    assert not list(directory.glob("*.sock*")), "the server removes its socket and lock"


# -- the server, driven directly -----------------------------------------------------------------


@pytest.fixture
def owner(short_tmp, monkeypatch):
    """A process standing for ansible-playbook: the server belongs to it."""
    monkeypatch.setenv("TMPDIR", str(short_tmp))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(short_tmp))
    process = subprocess.Popen(["sleep", "120"])
    yield process
    process.kill()
    process.wait()


def _wrapper(code: str) -> bytes:
    return textwrap.dedent(code).encode()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def test_a_server_that_cannot_start_fails_fast(owner, short_tmp, monkeypatch):
    monkeypatch.setattr(warm_runner, "__file__", str(short_tmp / "missing.py"))
    started = time.monotonic()
    with pytest.raises(ConnectionError, match="exited with"):
        warm_runner.connect(owner.pid, PYTHON)
    assert time.monotonic() - started < 5


def test_a_run_returns_exit_code_output_and_environment(owner, tmp_path):
    sock = warm_runner.connect(owner.pid, PYTHON)
    rc, out, err = warm_runner.run(
        sock,
        _wrapper(
            """
            import os, sys
            print(os.environ["PROBE"], os.getcwd(), sys.argv)
            print("to stderr", file=sys.stderr)
            sys.exit(3)
            """
        ),
        {"PROBE": "value", "PATH": os.environ["PATH"]},
        str(tmp_path),
    )
    assert rc == 3
    assert out.decode().split() == ["value", str(tmp_path), "['']"]
    assert err.decode() == "to stderr\n"


def test_an_uncaught_exception_is_exit_code_1_with_its_traceback(owner, tmp_path):
    rc, out, err = warm_runner.run(
        warm_runner.connect(owner.pid, PYTHON), _wrapper("raise ValueError('probe')"), {}, str(tmp_path)
    )
    assert rc == 1 and out == b""
    assert "ValueError: probe" in err.decode()


def test_a_module_whose_task_went_away_is_stopped(owner, tmp_path):
    marker = tmp_path / "pid"
    sock = warm_runner.connect(owner.pid, PYTHON)
    request = {
        "environ": {},
        "cwd": str(tmp_path),
        "wrapper": __import__("base64")
        .b64encode(_wrapper(f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)"))
        .decode(),
    }
    warm_runner._send(sock, json.dumps(request).encode())
    deadline = time.monotonic() + 10
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(marker.read_text())
    assert _alive(child)
    sock.close()  # Ctrl-C or a task timeout in the worker
    assert _wait_gone(child), "the module of a task that went away must be stopped"


def test_the_server_leaves_with_its_owner_and_stops_what_runs(owner, tmp_path):
    marker = tmp_path / "pid"
    sock = warm_runner.connect(owner.pid, PYTHON)
    path = warm_runner.socket_path(owner.pid, PYTHON)
    (server,) = [pid for pid, of in _all_servers() if of == owner.pid]
    request = {
        "environ": {},
        "cwd": str(tmp_path),
        "wrapper": __import__("base64")
        .b64encode(_wrapper(f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)"))
        .decode(),
    }
    warm_runner._send(sock, json.dumps(request).encode())
    deadline = time.monotonic() + 10
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(marker.read_text())
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    assert _wait_gone(server), "the server must leave with the run it belongs to"
    assert _wait_gone(child), "and stop the modules still running"
    assert not os.path.exists(path) and not os.path.exists(path + ".lock")
    sock.close()


def _all_servers() -> list[tuple[int, int]]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if len(argv) >= 4 and argv[1].endswith(b"warm_runner.py"):
                found.append((int(entry.name), int(argv[3])))
    return found


def test_one_server_per_run_and_interpreter(owner):
    first = warm_runner.connect(owner.pid, PYTHON)
    second = warm_runner.connect(owner.pid, PYTHON)
    first.close()
    second.close()
    assert len([pid for pid, of in _all_servers() if of == owner.pid]) == 1


def test_only_the_user_reaches_the_server(owner):
    path = warm_runner.socket_path(owner.pid, PYTHON)
    warm_runner.connect(owner.pid, PYTHON).close()
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert oct(os.stat(os.path.dirname(path)).st_mode & 0o777) == "0o700"
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.connect(path)
    assert warm_runner._peer_uid(probe) == os.getuid()
    probe.close()


def test_a_long_temporary_directory_puts_the_socket_in_tmp(tmp_path, monkeypatch):
    import tempfile

    deep = tmp_path / ("d" * 60)
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    path = warm_runner.socket_path(12345, PYTHON)
    assert path.startswith(f"/tmp/ninetynine-warm-{os.getuid()}/12345-")
    assert len(path) <= 100


def test_a_shared_directory_is_refused(short_tmp, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(short_tmp))
    directory = short_tmp / f"ninetynine-warm-{os.getuid()}"
    directory.mkdir(mode=0o777)
    directory.chmod(0o777)
    with pytest.raises(OSError, match="not a private directory"):
        warm_runner.socket_path(1, PYTHON)


# -- the payload memo and the compiled sources -----------------------------------------------------


PAYLOADS = """
import datetime, io, json, sys, zipfile
from ansible.plugins.loader import init_plugin_loader, module_loader
init_plugin_loader([sys.argv[1]])
from ansible.executor import module_common
from ansible._internal._ansiballz import _builder
if sys.argv[2] == "memo":
    from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils import payload_memo
    assert payload_memo.install()
out = {}
for name in ("amazon.aws.iam_role", "ninetynine.trading_infra.vpc_network", "ansible.builtin.ping"):
    context = module_loader.find_plugin_with_context(name)
    data = open(context.plugin_resolved_path, "rb").read()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        fqn = "ansible.modules." + name.split(".")[-1] if name.startswith("ansible.builtin") else (
            "ansible_collections." + ".".join(name.split(".")[:2]) + ".plugins.modules." + name.split(".")[-1])
        module_common.recursive_finder(name.split(".")[-1], fqn, data, zf, datetime.datetime(2026, 1, 1),
                                       _builder.ExtensionManager.create(task_vars={}))
    with zipfile.ZipFile(buffer) as zf:
        out[name] = {info.filename: zf.read(info).hex() for info in zf.infolist()}
print(json.dumps(out))
"""


def _payloads(tmp_path: Path, mode: str) -> dict:
    result = subprocess.run(
        [PYTHON, "-c", PAYLOADS, str(REPO / "collections"), mode],
        env={**os.environ, "TMPDIR": str(tmp_path), "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")},
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return json.loads(result.stdout)


def _finder_takes_source() -> bool:
    """ansible-core 2.20 and later: the import finder parses sources itself (only payloads are remembered)."""
    from ansible.executor import module_common
    from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils import payload_memo

    return payload_memo._finder_takes_source(module_common.ModuleDepFinder)


def test_the_payload_memo_changes_nothing_in_the_payload(tmp_path):
    plain = _payloads(tmp_path, "plain")
    learning = _payloads(tmp_path, "memo")  # the memo is empty: it learns
    memo = tmp_path / f"ninetynine-warm-{os.getuid()}"
    if _finder_takes_source():
        assert len(list(memo.rglob("payloads/*"))) >= 3, "each module's payload files are remembered"
    else:
        entries = [p for p in memo.rglob("*") if p.is_file()]
        assert len(entries) > 50, "every file's imports are remembered"
    remembered = _payloads(tmp_path, "memo")  # every answer from the memo
    assert plain == learning == remembered
    assert len(plain["amazon.aws.iam_role"]) > 20  # the module_utils are in it


ONE_PAYLOAD = """
import datetime, io, os, sys, zipfile
from ansible.plugins.loader import init_plugin_loader, module_loader
init_plugin_loader(sys.argv[1].split(os.pathsep))
from ansible.executor import module_common
from ansible._internal._ansiballz import _builder
from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils import payload_memo
assert payload_memo.install()
context = module_loader.find_plugin_with_context("probe.coll.probe")
data = open(context.plugin_resolved_path, "rb").read()
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as zf:
    module_common.recursive_finder("probe", "ansible_collections.probe.coll.plugins.modules.probe", data, zf,
                                   datetime.datetime(2026, 1, 1), _builder.ExtensionManager.create(task_vars={}))
with zipfile.ZipFile(buffer) as zf:
    print(zf.read("ansible_collections/probe/coll/plugins/module_utils/helper.py").decode())
"""


def test_a_changed_module_util_is_in_the_next_payload(tmp_path):
    root = tmp_path / "collections" / "ansible_collections" / "probe" / "coll"
    (root / "plugins" / "modules").mkdir(parents=True)
    (root / "plugins" / "module_utils").mkdir(parents=True)
    (root / "galaxy.yml").write_text("namespace: probe\nname: coll\nversion: 1.0.0\n")
    (root / "plugins" / "modules" / "probe.py").write_text(
        "from ansible_collections.probe.coll.plugins.module_utils.helper import VALUE\n"
    )
    helper = root / "plugins" / "module_utils" / "helper.py"
    env = {**os.environ, "TMPDIR": str(tmp_path), "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")}
    paths = os.pathsep.join([str(tmp_path / "collections"), str(REPO / "collections")])

    def payload():
        return subprocess.run(
            [PYTHON, "-c", ONE_PAYLOAD, paths], env=env, capture_output=True, text=True, check=True, cwd=REPO
        ).stdout

    helper.write_text("VALUE = 1\n")
    assert payload() == "VALUE = 1\n\n"
    assert payload() == "VALUE = 1\n\n"  # from the memo
    assert list((tmp_path / f"ninetynine-warm-{os.getuid()}").rglob("payloads/*"))
    helper.write_text("VALUE = 2\n")  # same size, same directory: only the content tells
    assert payload() == "VALUE = 2\n\n"


def test_a_changed_source_is_parsed_again(tmp_path):
    if _finder_takes_source():
        pytest.skip("ansible-core 2.20 and later: no import memo (the finder parses each source itself)")
    memo = tmp_path / f"ninetynine-warm-{os.getuid()}"
    script = f"""
import sys
sys.path.insert(0, {str(REPO / "collections")!r})
from ansible.executor import module_common
from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils import payload_memo
assert payload_memo.install()
for source in (sys.argv[1], sys.argv[1], sys.argv[2]):
    tree = module_common._compile_module_ast("probe", source)
    finder = module_common.ModuleDepFinder("ansible_collections.x.y.plugins.module_utils.probe", tree)
    print(sorted(".".join(m) for m in finder.submodules))
"""
    first = "from ansible.module_utils.basic import AnsibleModule\n"
    second = "from ansible.module_utils.urls import open_url\n"
    result = subprocess.run(
        [PYTHON, "-c", script, first, second],
        env={**os.environ, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == [
        "['ansible.module_utils.basic.AnsibleModule']",
        "['ansible.module_utils.basic.AnsibleModule']",
        "['ansible.module_utils.urls.open_url']",
    ]
    assert len([p for p in memo.rglob("*") if p.is_file()]) == 2


COMPILED = """
import builtins, sys, zipfile
sys.path.insert(0, {collections!r})
from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils import warm_runner
warm_runner._remember_compiled_sources(sys.argv[1])
if sys.argv[2] == "no-compile":
    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")
    builtins.compile = refuse
sys.path.insert(0, sys.argv[3])
import probe_module
print(probe_module.answer(), probe_module.answer.__code__.co_filename)
"""


def test_compiled_sources_are_reused_with_the_payload_file_name(tmp_path):
    cache = tmp_path / "code"
    outputs = []
    for run, mode in enumerate(("compile", "no-compile")):
        archive = tmp_path / f"payload{run}.zip"
        with __import__("zipfile").ZipFile(archive, "w") as zf:
            zf.writestr("probe_module.py", "def answer():\n    return 42\n")
        result = subprocess.run(
            [PYTHON, "-c", COMPILED.format(collections=str(REPO / "collections")), str(cache), mode, str(archive)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.split())
    assert outputs[0] == ["42", str(tmp_path / "payload0.zip" / "probe_module.py")]
    # The second run compiled nothing and still names its own payload in tracebacks.
    assert outputs[1] == ["42", str(tmp_path / "payload1.zip" / "probe_module.py")]
    assert len([p for p in cache.rglob("*") if p.is_file()]) == 1
