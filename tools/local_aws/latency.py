"""The latency model: slow AWS resources stay in their transitional state for a realistic time.

Off by default (scale 0: every resource is ready at once, as moto makes it). With a scale, a
resource created, modified or deleted stays creating / modifying / deleting (as the describe calls
report it on AWS) for its time below multiplied by the scale, then becomes ready (or goes away):
``--latency-scale 0.02`` makes an eight-minute Redis creation take 9.6 seconds.
"""

from __future__ import annotations

import threading
import time

from plugins.module_utils.progress import USUAL_SECONDS

# Seconds on AWS: the collection's table of usual waits (the progress callback shows the same figures).
SECONDS = USUAL_SECONDS


class LatencyModel:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.scale = 0.0
        self._until: dict[tuple[str, str], tuple[str, float]] = {}

    def configure(self, spec: dict) -> dict:
        scale = float(spec.get("scale", 0) or 0)
        if scale < 0:
            raise ValueError("scale must be 0 or more")
        with self._lock:
            self.scale = scale
            self._until.clear()
        return self.describe()

    def describe(self) -> dict:
        with self._lock:
            return {
                "scale": self.scale,
                "seconds": {f"{kind}:{action}": s for (kind, action), s in SECONDS.items()},
                "in_progress": len(self._until),
            }

    def reset(self) -> None:
        with self._lock:
            self._until.clear()

    def start(self, kind: str, key: str, action: str) -> bool:
        """``kind`` ``key`` begins ``action`` now; whether it is in it (never when the model is off)."""
        with self._lock:
            if self.scale <= 0:
                return False
            until = time.monotonic() + SECONDS[(kind, action)] * self.scale
            self._until[(kind, key)] = (action, until)
            return time.monotonic() < until

    def busy(self, kind: str, key: str) -> str | None:
        """The action ``kind`` ``key`` is still in, or None once it is done."""
        with self._lock:
            entry = self._until.get((kind, key))
            if entry is None:
                return None
            if time.monotonic() >= entry[1]:
                del self._until[(kind, key)]
                return None
            return entry[0]


MODEL = LatencyModel()
