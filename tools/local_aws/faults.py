"""Fault injection: a seeded fraction of calls answered with the service's real throttling or 5xx error.

Each protocol gets the error exactly as AWS shapes it, so botocore parses the code and
amazon.aws's AWSRetry (and botocore's own retry) see what they would see on AWS.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid

from . import operations

# (status, code, message) per protocol: the throttling error each family of services returns.
THROTTLE = {
    "ec2": (503, "RequestLimitExceeded", "Request limit exceeded."),
    "query": (400, "Throttling", "Rate exceeded"),
    "json": (400, "ThrottlingException", "Rate exceeded"),
    "rest-json": (429, "ThrottlingException", "Rate exceeded"),
    "rest-xml": (503, "SlowDown", "Please reduce your request rate."),
}
SERVER_ERROR = {
    "ec2": (500, "InternalError", "An internal error has occurred"),
    "query": (500, "InternalFailure", "An internal error has occurred"),
    "json": (500, "InternalFailure", "An internal error has occurred"),
    "rest-json": (503, "ServiceUnavailableException", "Service unavailable"),
    "rest-xml": (500, "InternalError", "We encountered an internal error. Please try again."),
}


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.configure({})

    def configure(self, spec: dict) -> dict:
        """spec: throttle_rate, error_rate (0..1), seed, services (list; empty = all), delay.

        delay: seconds every call of those services waits before it is answered, the round trip of
        a real API (50 to 200 ms on AWS), so that reads made at once and reads made in turn differ
        by whole round trips rather than by the local AWS's milliseconds.
        """
        with self._lock:
            self.delay = max(0.0, float(spec.get("delay", 0.0)))
            self.throttle_rate = float(spec.get("throttle_rate", 0.0))
            self.error_rate = float(spec.get("error_rate", 0.0))
            self.services = set(spec.get("services") or [])
            self.seed = spec.get("seed", 0)
            self._rng = random.Random(self.seed)  # noqa: S311 - repeatable test faults, not security
            self.injected = 0
        return self.describe()

    def describe(self) -> dict:
        return {
            "throttle_rate": self.throttle_rate,
            "error_rate": self.error_rate,
            "seed": self.seed,
            "services": sorted(self.services),
            "delay": self.delay,
            "injected": self.injected,
        }

    def wait(self, service: str) -> None:
        """Wait out the configured delay for a call of ``service`` (no wait when none is set)."""
        if self.delay and (not self.services or service in self.services):
            time.sleep(self.delay)

    def pick(self, service: str) -> tuple | None:
        """The (status, code, message) to answer with, or None to let the call through."""
        if not (self.throttle_rate or self.error_rate) or (self.services and service not in self.services):
            return None
        if operations.protocol(service) not in THROTTLE:
            return None  # no error shape for this protocol: let the call through
        with self._lock:
            draw = self._rng.random()
            if draw < self.throttle_rate:
                table = THROTTLE
            elif draw < self.throttle_rate + self.error_rate:
                table = SERVER_ERROR
            else:
                return None
            self.injected += 1
        return table[operations.protocol(service)]


def error_response(service: str, fault: tuple) -> tuple[str, list, bytes]:
    status, code, message = fault
    protocol = operations.protocol(service)
    request_id = str(uuid.uuid4())
    if protocol == "ec2":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        ctype = "text/xml"
    elif protocol == "query":
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        ctype = "text/xml"
    elif protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        ctype = "application/xml"
    else:
        body = json.dumps({"__type": code, "message": message})
        ctype = "application/x-amz-json-1.1"
    data = body.encode()
    headers = [
        ("Content-Type", ctype),
        ("Content-Length", str(len(data))),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", code),
    ]
    return f"{status} Injected", headers, data
