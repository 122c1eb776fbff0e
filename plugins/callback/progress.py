# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
name: progress
type: aggregate
short_description: Shows the long waits on AWS while they last, each resource's state and time against the usual
version_added: 1.0.0
description:
  - >-
    While a module of the collection waits on AWS (NAT gateways, the EKS control plane, node groups and
    add-ons, the Aurora cluster and instances, Redis), shows each resource it waits for, its state, the
    time since it began and the time it usually takes on AWS, such as
    C(eks trading-prod  CREATING  4m10s / ~10m).
  - >-
    On a terminal, a block of one line per resource is redrawn in place every second while the task
    waits, and stays on screen, with the last states, when the task ends. Elsewhere (AWX, a CI log, a
    pipe) one line per resource is printed every O(interval) seconds.
  - >-
    The modules write their polls to a file whose path is in the environment variable
    C(TRADING_PROGRESS) while the run lasts; the file is removed at the end of the run.
  - >-
    Nothing is shown when the stdout callback writes JSON (C(json), C(ansible.posix.json),
    C(ansible.posix.jsonl)), nor at C(-vvv) and above, whose output stays as ansible-core makes it.
  - Enabled in the collection's C(ansible.cfg) (C(callbacks_enabled)).
author:
  - 99Tech platform engineering (@99tech)
options:
  enabled:
    description: Whether the waits are shown.
    type: bool
    default: true
    env:
      - name: TRADING_PROGRESS_DISPLAY
    ini:
      - section: ninetynine_trading_infra
        key: progress
  interval:
    description: Seconds between two lines of a resource when the output is not a terminal.
    type: int
    default: 30
    env:
      - name: TRADING_PROGRESS_INTERVAL
    ini:
      - section: ninetynine_trading_infra
        key: progress_interval
"""

import json
import os
import sys
import tempfile
import threading
import time

from ansible import constants as C
from ansible.plugins.callback import CallbackBase

ENV_VAR = "TRADING_PROGRESS"


def duration(seconds) -> str:
    """4m10s, 45s, 1h02m."""
    seconds = max(0, int(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def usual_text(seconds) -> str:
    if not seconds:
        return ""
    seconds = int(seconds)
    return f" / ~{seconds // 60}m" if seconds >= 60 else f" / ~{seconds}s"


def line_of(entry: dict, now: float, width: int) -> str:
    elapsed = duration(now - float(entry.get("started") or now))
    return f"{entry['label']:<{width}}  {entry['state']:<10}  {elapsed}{usual_text(entry.get('usual'))}"


def stdout_writes_json() -> bool:
    try:
        name = C.config.get_config_value("DEFAULT_STDOUT_CALLBACK")
    except Exception:
        return False
    return "json" in str(name or "")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ninetynine.trading_infra.progress"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self.path = None
        self.offset = 0
        self.waits: dict[str, dict] = {}
        self.printed: dict[str, float] = {}
        self.frame = 0  # lines of the block drawn last on a terminal, under everything else
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = None
        self.original_display = None
        # ansible-core's display lock (its writes to the terminal take it); a lock of ours otherwise.
        self.display_lock = getattr(self._display, "_lock", None) or threading.RLock()

    def v2_playbook_on_start(self, playbook):
        if not self.get_option("enabled") or stdout_writes_json() or self._display.verbosity >= 3:
            return
        fd, self.path = tempfile.mkstemp(prefix="trading-progress-", suffix=".jsonl")
        os.close(fd)
        os.environ[ENV_VAR] = self.path  # the workers, and the modules they start, inherit it
        self.terminal = sys.stdout.isatty()
        self.interval = max(1, int(self.get_option("interval")))
        if self.terminal:
            # Whatever else is printed first erases the block, and is printed where it was: the block
            # is always the last thing on screen, redrawn under the new output at the next second.
            self.original_display = self._display.display
            self._display.display = self.display_below
        self.thread = threading.Thread(target=self.run, name="trading-progress", daemon=True)
        self.thread.start()

    def display_below(self, *args, **kwargs):
        # The order of the locks, everywhere: the display's, then this callback's.
        with self.display_lock:
            with self.lock:
                self.erase()
            return self.original_display(*args, **kwargs)

    def erase(self) -> None:
        if self.frame:
            sys.stdout.write(f"\x1b[{self.frame}F\x1b[J")
            sys.stdout.flush()
            self.frame = 0

    def read(self) -> None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                handle.seek(self.offset)
                text = handle.read()
        except OSError:
            return
        complete = text[: text.rfind("\n") + 1]  # a line being written is read at the next turn
        self.offset += len(complete.encode("utf-8"))
        for line in complete.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("label"):
                self.waits[entry["label"]] = entry

    def run(self) -> None:
        while not self.stop.wait(1):
            with self.display_lock, self.lock:
                self.read()
                if self.waits:
                    self.show(time.time())

    def lines(self, now: float, pending_only: bool = False) -> list[tuple[str, str]]:
        width = max(len(label) for label in self.waits)
        return [
            (label, line_of(entry, now, width))
            for label, entry in self.waits.items()
            if not (pending_only and entry.get("done"))
        ]

    def show(self, now: float) -> None:
        if self.terminal:
            lines = [line for _, line in self.lines(now)]
            up = f"\x1b[{self.frame}F" if self.frame else ""
            sys.stdout.write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
            sys.stdout.flush()
            self.frame = len(lines)
            return
        for label, line in self.lines(now, pending_only=True):
            if now - self.printed.get(label, 0) >= self.interval:
                self.printed[label] = now
                self._display.display(line)

    def end_of_task(self, *args, **kwargs) -> None:
        """Each wait of the task ends with one line: its last state and how long it took."""
        if self.thread is None:
            return
        with self.display_lock, self.lock:
            self.read()
            self.erase()
            if self.waits:
                show = self.original_display or self._display.display
                for _, line in self.lines(time.time()):
                    show(line)
            self.waits.clear()
            self.printed.clear()

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_unreachable = v2_runner_on_skipped = end_of_task

    def v2_playbook_on_stats(self, stats):
        if self.thread is None:
            return
        self.stop.set()
        self.thread.join(timeout=5)
        self.thread = None
        with self.display_lock, self.lock:
            self.erase()
        if self.original_display is not None:
            self._display.display = self.original_display
            self.original_display = None
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)
        os.environ.pop(ENV_VAR, None)
