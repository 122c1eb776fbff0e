"""Fixtures: one local AWS per test session, on a free port, stopped at the end.

``aws`` gives each test an empty emulator (state and call counts reset) and points boto3 at it.
"""

from __future__ import annotations

import time

import boto3
import pytest

from tests import helpers  # noqa: F401  (puts the collection on sys.path)
from tools.local_aws import server as local_aws_server

# amazon.aws's backoff (AWSRetry: full jitter from 3 s, doubling) sleeps this fraction of what it draws
# in a test; the draws, the tries and the error codes retried are amazon.aws's own.
BACKOFF_SCALE = 0.05


class ScaledBackoff:
    """Stands in for the ``time`` module of amazon.aws's retry loop: each sleep drawn is recorded in
    ``slept`` and slept BACKOFF_SCALE times as long; everything else is the real ``time``."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        time.sleep(seconds * BACKOFF_SCALE)

    def __getattr__(self, name: str):
        return getattr(time, name)


@pytest.fixture(autouse=True)
def backoff(monkeypatch) -> ScaledBackoff:
    """Modules run in the test's process: their retries on injected throttling back off for real, only
    shorter (a throttled test waited up to 27 s, asleep). Playbook runs, in processes of their own,
    back off in full."""
    from ansible_collections.amazon.aws.plugins.module_utils import cloud

    scaled = ScaledBackoff()
    monkeypatch.setattr(cloud, "time", scaled)
    return scaled


class LocalAWSHandle:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def client(self, service: str, region: str = "us-east-1", retries: bool = True):
        """A boto3 client of the emulator; retries=False surfaces every error (botocore's retries off)."""
        from botocore.config import Config

        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=None if retries else Config(retries={"mode": "legacy", "max_attempts": 0}),
        )

    def client_no_retry(self, service: str, region: str = "us-east-1"):
        return self.client(service, region, retries=False)

    def set_faults(self, **spec) -> dict:
        """Inject faults (throttle_rate, error_rate, seed, services); no arguments turns them off."""
        return local_aws_server.admin(self.port, "faults", method="POST", body=spec)

    def faults(self) -> dict:
        return local_aws_server.admin(self.port, "faults")

    def set_latency(self, scale: float) -> dict:
        """Turn the latency model on (slow resources stay transitional scale x their AWS time) or off (0)."""
        return local_aws_server.admin(self.port, "latency", method="POST", body={"scale": scale})

    def calls(self) -> dict:
        return local_aws_server.admin(self.port, "calls")

    def clear_calls(self) -> None:
        local_aws_server.admin(self.port, "calls", method="DELETE")

    def reset(self) -> None:
        local_aws_server.admin(self.port, "reset", method="POST")

    def writes(self) -> list:
        return [c for c in self.calls()["calls"] if not c["read"]]


@pytest.fixture(scope="session")
def local_aws_session():
    with local_aws_server.ThreadedServer(port=0) as srv:
        yield LocalAWSHandle(srv.port)


@pytest.fixture
def aws(local_aws_session, monkeypatch):
    local_aws_session.reset()
    for var, value in local_aws_server.client_env(local_aws_session.port).items():
        monkeypatch.setenv(var, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    yield local_aws_session
