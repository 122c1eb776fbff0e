"""The shared poller: what is ready at time T is seen by about 1.1 T, with a bounded number of polls."""

from __future__ import annotations

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.module_utils import waiters


class Clock:
    """Time that passes only when the poller sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps = 0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds


class Module:
    def fail_json(self, **kwargs):
        raise AssertionError(kwargs["msg"])


@pytest.mark.parametrize("ready_after", [1, 5, 45, 60, 90, 170, 600, 780])
def test_a_resource_is_seen_soon_after_it_is_ready(monkeypatch, ready_after):
    clock = Clock()
    monkeypatch.setattr(waiters.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(waiters.time, "sleep", clock.sleep)
    started = clock.now
    resource = waiters.wait_for(
        Module(),
        describe=lambda: {"ready": clock.now - started >= ready_after},
        ready=lambda r: r["ready"],
        what="probe",
        timeout=3600,
    )
    seen = clock.now - started
    assert resource["ready"]
    # A doubling backoff capped at 30 s sees a 45-s resource at 62 s, a 170-s one at 182 s.
    assert seen <= max(ready_after * 1.1, ready_after + 2) + 1e-9, seen
    assert clock.sleeps <= 60, "a ten-minute wait stays a few dozen describe calls"


def test_the_delay_grows_with_the_wait_up_to_the_cap(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(waiters.time, "monotonic", clock.monotonic)
    started = clock.now
    assert waiters.next_delay(started) == 2
    clock.now += 100
    assert waiters.next_delay(started) == pytest.approx(10)
    clock.now += 10_000
    assert waiters.next_delay(started) == 30
    assert waiters.next_delay(started, initial=5, cap=15) == 15
