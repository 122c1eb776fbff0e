"""The local AWS: moto's server behind a thin WSGI layer of our own.

The layer
  * tells every request's service and operation and counts them (reads and writes),
  * answers the operations moto lacks (see ``extensions/``), shaped as botocore's models say,
  * serves a small admin API under ``/_local_aws/``:
      GET    /_local_aws/health   -> {"status": "ok"}
      GET    /_local_aws/calls    -> counts per service/operation, reads, writes
      DELETE /_local_aws/calls    -> zero the counts (and the timeline)
      GET    /_local_aws/timeline -> every call since: start and end (monotonic seconds), service, operation, read
      POST   /_local_aws/reset    -> forget every resource (moto's and the extensions') and the counts
      GET    /_local_aws/faults   -> the fault-injection settings and how many faults were injected
      POST   /_local_aws/faults   -> {"throttle_rate": 0.2, "error_rate": 0.05, "seed": 7, "services": ["ec2"],
                                     "delay": 0.1}  (seconds before every answer)
      DELETE /_local_aws/faults   -> no more faults
      GET    /_local_aws/latency  -> the latency model: scale, seconds per resource and action
      POST   /_local_aws/latency  -> {"scale": 0.02}: slow resources stay transitional scale x their AWS time
      DELETE /_local_aws/latency  -> every resource ready at once again (the default)
  * refuses, as AWS does, input that breaks the operation's service model (pattern, enum, max
    length and range: see ``validation.py``); LOCAL_AWS_VALIDATION=off turns that off.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

# AWS managed IAM policies (AWS_ConfigRole, AmazonEKSClusterPolicy, ...) exist, as in a real account.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
# moto's catalogue of public AMIs is not loaded: nothing here names an image (EKS managed node groups
# take an AMI type), and its 1,301 images, each with a volume and a snapshot, were built again in
# every region after every reset (0.2 s before the first EC2 answer of each test).
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
from werkzeug.datastructures import EnvironHeaders

from . import operations, patches, validation
from .account import seed as seed_account
from .extensions import ALL_EXTENSIONS
from .extensions.base import Request
from .faults import FaultInjector, error_response
from .latency import MODEL as LATENCY

ADMIN_PREFIX = "/_local_aws/"
TIMELINE_LIMIT = 200_000


class LocalAWS:
    def __init__(self) -> None:
        patches.apply()
        self.moto = DomainDispatcherApplication(create_backend_app)
        self._lock = threading.Lock()
        self.calls: Counter = Counter()
        # When each call started and ended: the benchmarks derive the longest chain of reads made
        # one after the other (the floor of a plan where each read costs a round trip).
        self.timeline: list = []
        self.faults = FaultInjector()
        self.extensions = [ext() for ext in ALL_EXTENSIONS]
        self.routes = {}
        for ext in self.extensions:
            self.routes.update(ext.routes())
        seed_account()

    # -- counting -------------------------------------------------------
    def record(self, service: str, operation: str) -> None:
        with self._lock:
            self.calls[(service, operation)] += 1

    def timed(self, started: float, service: str, operation: str) -> None:
        with self._lock:
            if len(self.timeline) < TIMELINE_LIMIT:
                self.timeline.append((started, time.monotonic(), service, operation, operations.is_read(operation)))

    def calls_report(self) -> dict:
        with self._lock:
            items = sorted(self.calls.items())
        rows = [{"service": s, "operation": o, "read": operations.is_read(o), "count": n} for (s, o), n in items]
        return {
            "calls": rows,
            "total": sum(r["count"] for r in rows),
            "reads": sum(r["count"] for r in rows if r["read"]),
            "writes": sum(r["count"] for r in rows if not r["read"]),
        }

    def reset(self) -> None:
        """Forget every resource. moto's own reset re-creates every backend in place and then drops it
        (seconds for a converged platform, more on a busy machine); dropping them is enough, as the
        next request creates a fresh backend for its account and region. Only the backends with a
        clean-up of their own (S3 closes its files and frees the bucket names it registered
        account-wide) are reset first."""
        from moto.core.base_backend import BackendDict, BaseBackend, backend_lock
        from moto.core.model_instances import reset_model_data

        with backend_lock:
            for backends in list(BackendDict._instances):
                for account in backends.values():
                    for backend in list(account.values()):
                        if type(backend).reset is not BaseBackend.reset:
                            backend.reset()
                backends.clear()
            BackendDict._instances.clear()
        reset_model_data()
        seed_account()
        for ext in self.extensions:
            ext.reset()
        self.faults.configure({})
        LATENCY.configure({})
        with self._lock:
            self.calls.clear()
            self.timeline.clear()

    # -- WSGI -----------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if path.startswith(ADMIN_PREFIX):
            return self._admin(environ, start_response, path[len(ADMIN_PREFIX) :])
        if path.startswith("/moto-api"):
            return self.moto(environ, start_response)

        body = b""
        length = environ.get("CONTENT_LENGTH")
        if length and length.isdigit():
            body = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(body)
        headers = EnvironHeaders(environ)
        # PATH_INFO is already percent-decoded; ARNs in paths need the raw form.
        raw_path = urlsplit(environ.get("RAW_URI") or environ.get("REQUEST_URI") or path).path
        service, operation, region, params = operations.resolve(
            environ.get("REQUEST_METHOD", "GET"), raw_path, headers, body, environ.get("QUERY_STRING", "")
        )
        self.record(service, operation)
        started = time.monotonic()
        try:
            return self._answer(environ, start_response, service, operation, region, params, headers, body)
        finally:
            self.timed(started, service, operation)

    def _answer(self, environ, start_response, service, operation, region, params, headers, body):
        refusal = validation.check(service, operation, region, params, headers, body, environ.get("QUERY_STRING", ""))
        if refusal is not None:
            status, refusal_headers, data = validation.response(service, refusal)
            start_response(status, refusal_headers)
            return [data]

        self.faults.wait(service)
        fault = self.faults.pick(service)
        if fault is not None:
            status, fault_headers, data = error_response(service, fault)
            start_response(status, fault_headers)
            return [data]

        handler = self.routes.get((operations.model_name(service), operation))
        if handler is None:
            return self.moto(environ, start_response)
        request = Request(
            region=region or "us-east-1",
            operation=operation,
            path_params=params,
            query=environ.get("QUERY_STRING", ""),
            body=body,
        )
        status, payload = handler(request)
        data = json.dumps(payload, default=str).encode()
        start_response(
            f"{status} {'OK' if status < 300 else 'Error'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
            + ([("x-amzn-ErrorType", payload.get("__type", ""))] if status >= 300 else []),
        )
        return [data]

    def _admin(self, environ, start_response, what: str):
        method = environ.get("REQUEST_METHOD", "GET")
        if what == "health":
            payload, status = {"status": "ok"}, "200 OK"
        elif what == "calls" and method == "GET":
            payload, status = self.calls_report(), "200 OK"
        elif what == "calls" and method == "DELETE":
            with self._lock:
                self.calls.clear()
                self.timeline.clear()
            payload, status = {"status": "cleared"}, "200 OK"
        elif what == "timeline" and method == "GET":
            with self._lock:
                rows = list(self.timeline)
            keys = ("start", "end", "service", "operation", "read")
            payload, status = {"calls": [dict(zip(keys, row, strict=True)) for row in rows]}, "200 OK"
        elif what == "faults" and method in ("GET", "POST", "DELETE"):
            if method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                self.faults.configure(json.loads(environ["wsgi.input"].read(length) or b"{}"))
            elif method == "DELETE":
                self.faults.configure({})
            payload, status = self.faults.describe(), "200 OK"
        elif what == "latency" and method in ("GET", "POST", "DELETE"):
            if method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                LATENCY.configure(json.loads(environ["wsgi.input"].read(length) or b"{}"))
            elif method == "DELETE":
                LATENCY.configure({})
            payload, status = LATENCY.describe(), "200 OK"
        elif what == "reset" and method == "POST":
            self.reset()
            payload, status = {"status": "reset"}, "200 OK"
        else:
            payload, status = {"error": f"no admin endpoint {method} {what}"}, "404 Not Found"
        data = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]
