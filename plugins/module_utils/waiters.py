# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""One poller for every module that waits on AWS: a deadline, backoff, failure states, a clear message."""

from __future__ import annotations

import time

# A poll waits at most this share of the time waited so far: what is ready at time T is seen by
# 1.1 T at the latest, where a doubling backoff sees it as late as 2 T (or T plus its cap).
POLL_SHARE = 0.1


def next_delay(started: float, initial: float = 2, cap: float = 30) -> float:
    """The delay before the next poll of a wait that began at ``started`` (time.monotonic())."""
    return min(cap, max(initial, (time.monotonic() - started) * POLL_SHARE))


def wait_for(
    module,
    describe,
    ready,
    what: str,
    timeout: int,
    failed=None,
    plan=None,
    delay: float = 2,
    cap: float = 30,
    watch=None,
):
    """Poll ``describe()`` until ``ready(resource)``; returns the last resource.

    ``failed(resource)`` returns a message when the resource went into a state it will not leave
    (create-failed, degraded): the module fails with it at once. The module fails too when
    ``timeout`` seconds pass, naming ``what`` and the state it is still in. ``describe`` returns
    None when the resource does not exist (``ready`` decides whether that is the goal).
    ``watch(resource, done)`` (a ``progress.Watch``) is told the resource at every poll, for the
    progress callback.
    """
    started = time.monotonic()
    deadline = started + timeout
    initial = delay
    actions = plan.actions if plan is not None else []
    resources = plan.resources if plan is not None else []
    while True:
        resource = describe()
        done = ready(resource)
        if watch is not None:
            watch(resource, done)
        if done:
            return resource
        problem = failed(resource) if failed is not None and resource is not None else None
        if problem:
            module.fail_json(msg=f"{what}: {problem}", actions=actions, resources=resources)
        if time.monotonic() > deadline:
            module.fail_json(msg=f"{what}: still not done after {timeout}s", actions=actions, resources=resources)
        time.sleep(delay)
        delay = next_delay(started, initial, cap)


def wait_settled(
    module, describe, active, what: str, timeout: int, gone: bool = False, failed=None, plan=None, watch=None
):
    """Wait until AWS is done with the last change of a resource: until ``active(resource)``, or with ``gone``
    until ``describe()`` finds it no longer (returns None); returns the last description (None once gone).

    A resource not found while it should become active is waited for (AWS may not list it yet). ``failed``,
    ``plan`` and ``watch`` are those of ``wait_for``.
    """

    def ready(resource) -> bool:
        return resource is None if gone else resource is not None and active(resource)

    return wait_for(module, describe, ready, what, timeout, failed, plan=plan, watch=watch)
