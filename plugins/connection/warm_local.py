# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The local connection, with Python modules run in a warm interpreter."""

from __future__ import annotations

DOCUMENTATION = r"""
name: warm_local
short_description: Run tasks on the control node, Python modules in a warm interpreter
version_added: 1.0.0
description:
  - The same as C(ansible.builtin.local), with one difference - a Python module runs in a fork of an
    interpreter that has already imported C(ansible.module_utils.basic) and boto3 and read botocore's
    service models, instead of in a new C(python) process. A module then starts in about 20 ms
    instead of about 500 ms. The module, its parameters, its output and its exit code are the same.
  - The interpreter is started by the first module of an C(ansible-playbook) run and belongs to it - it
    stops when that run ends (or after 5 idle minutes), and stops the modules still running then. A module
    whose task ended without it (Ctrl-C, a task C(timeout)) is stopped too.
  - The payload of each module is built as Ansible builds it, with one difference - which module_utils a
    Python file imports is remembered across runs, under the file's digest, instead of parsed again for
    every module of every run (about 0.2 s a module). The payload is the same, byte for byte. The
    sources in the payload are compiled once too, and kept under their digest, as C(__pycache__) does.
  - Everything else (raw commands, file transfers, modules run with C(async) or C(become), non-Python
    modules, modules run by another interpreter than the one running Ansible - the shipped inventories
    set C(ansible_python_interpreter) to C(ansible_playbook_python)) runs as with C(ansible.builtin.local).
    So does everything when O(warm) is off.
  - The memo, the compiled sources and the sockets live in C(<tmp>/ninetynine-warm-<uid>/), a directory
    only the user can read; deleting it is always safe.
  - Only the user running Ansible can reach the interpreter (a socket in a private directory, the peer's
    uid checked).
author: 99Tech platform engineering (@99tech)
extends_documentation_fragment:
  - connection_pipelining
options:
  warm:
    description:
      - Run Python modules in the warm interpreter. Off, this connection is C(ansible.builtin.local).
    type: bool
    default: true
    env:
      - name: TRADING_WARM_MODULES
    vars:
      - name: trading_warm_modules
  log_path:
    description:
      - A file the warm interpreter writes its own errors to (not the modules' output). None by default.
    type: path
    env:
      - name: TRADING_WARM_LOG
notes:
  - The modules always run pipelined (their wrapper goes to the interpreter, nothing is written to a
    temporary directory first), as with C(pipelining=true).
"""

import os
import re
import shlex
import sys

import ansible.constants as C
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.connection.local import Connection as LocalConnection
from ansible.utils.display import Display

from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils import payload_memo, warm_runner

display = Display()

_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)


def parse_module_command(cmd: str) -> tuple[dict[str, str], str] | None:
    """The environment and interpreter of a pipelined module command, or None for anything else.

    Ansible runs a pipelined module as `/bin/sh -c 'NAME=value ... /path/to/python && sleep 0'`
    (ansible-core 2.19) or `/bin/sh -c 'NAME=value ... /path/to/python'` (2.20 and later dropped the
    `&& sleep 0`), with the wrapper on stdin; any other shape (a `cd`, become, a command) is left to
    the shell.
    """
    try:
        outer = shlex.split(cmd)
    except ValueError:
        return None
    if len(outer) != 3 or outer[1] != "-c" or not outer[0].endswith("sh"):
        return None
    try:
        words = shlex.split(outer[2])
    except ValueError:
        return None
    if words[-3:] == ["&&", "sleep", "0"]:
        words = words[:-3]
    if not words or any(word in ("&&", "||", ";", "|") for word in words):
        return None
    *assignments, interpreter = words
    environ = {}
    for word in assignments:
        match = _ASSIGNMENT.match(word)
        if not match:
            return None
        environ[match.group(1)] = match.group(2)
    if not os.path.isabs(interpreter) or not re.search(r"python[0-9.]*$", os.path.basename(interpreter)):
        return None
    return environ, interpreter


def is_controller_interpreter(interpreter: str) -> bool:
    """Whether a module's interpreter is the one running Ansible (ansible_playbook_python).

    The warm interpreter imports the installed ansible and boto3 of the interpreter it runs: only
    the controller's own has the ansible the payload was built from. Any other (discovered, or
    another virtualenv's) runs modules the usual way.
    """
    # The same binary from the same directory: `python` and `python3.11` of one virtualenv qualify,
    # the same base Python of another virtualenv does not.
    mine, theirs = os.path.abspath(sys.executable), os.path.abspath(interpreter)
    return os.path.dirname(mine) == os.path.dirname(theirs) and os.path.realpath(mine) == os.path.realpath(theirs)


class Connection(LocalConnection):
    """Local connection; pipelined Python modules go to the run's warm interpreter."""

    transport = "ninetynine.trading_infra.warm_local"

    def is_pipelining_enabled(self, wrap_async=False):
        # The module's wrapper must come as input to be run in the warm interpreter; off, or for
        # what cannot be pipelined, the local connection's own rules apply.
        if self._warm_enabled() and not wrap_async and not C.DEFAULT_KEEP_REMOTE_FILES and not self.become:
            return True
        return super().is_pipelining_enabled(wrap_async)

    def set_options(self, *args, **kwargs):
        super().set_options(*args, **kwargs)
        # The payload of the task's module is built after this, in this worker.
        if self._warm_enabled():
            payload_memo.install()

    def exec_command(self, cmd, in_data=None, sudoable=True):
        parsed = parse_module_command(to_text(cmd)) if in_data else None
        if (
            parsed is None
            or not self._warm_enabled()
            or (sudoable and self.become)
            or not is_controller_interpreter(parsed[1])
        ):
            return super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        assignments, interpreter = parsed
        environ = dict(os.environ)
        environ.update(assignments)
        self._connect()
        display.vvv(f"EXEC (warm interpreter) {to_text(cmd)}", host=self._play_context.remote_addr)
        try:
            sock = warm_runner.connect(os.getppid(), interpreter, self.get_option("log_path"))
        except (OSError, ConnectionError) as error:
            display.vvv(f"warm interpreter unavailable ({error}), running python", host=self._play_context.remote_addr)
            return super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        cwd = self.cwd or os.getcwd()
        rc, stdout, stderr = warm_runner.run(sock, to_bytes(in_data), environ, cwd)
        return rc, stdout, stderr

    def _warm_enabled(self) -> bool:
        try:
            return bool(self.get_option("warm"))
        except KeyError:
            return True
