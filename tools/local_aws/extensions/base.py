"""What every extension shares: the parsed request, errors, timestamps, ARNs."""

from __future__ import annotations

import datetime
import json
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs

from moto.core import DEFAULT_ACCOUNT_ID

ACCOUNT_ID = DEFAULT_ACCOUNT_ID


@dataclass
class Request:
    region: str
    operation: str
    path_params: dict
    query: str
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body or b"{}")

    def query_params(self) -> dict:
        return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(self.query).items()}


def error(status: int, code: str, message: str) -> tuple[int, dict]:
    """An error as botocore's JSON parsers read it (type from __type, text from message)."""
    return status, {"__type": code, "message": message, "Message": message}


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def epoch() -> float:
    return datetime.datetime.now(datetime.UTC).timestamp()


class Extension:
    """One service's missing operations. State is per (region, key) and thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def routes(self) -> dict:  # pragma: no cover - overridden
        raise NotImplementedError
