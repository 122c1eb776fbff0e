"""Work out which AWS service and operation an HTTP request is.

Query and JSON protocols name the operation in the body (``Action=``) or in the
``X-Amz-Target`` header; REST protocols only in the method and path, so those
are matched against the request URIs of botocore's own service model.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from urllib.parse import parse_qs, unquote

import botocore.session

# Signing names that differ from botocore's service model names.
_SIGNING_TO_MODEL = {
    "monitoring": "cloudwatch",
    "elasticloadbalancing": "elbv2",
    "email": "ses",
    "states": "stepfunctions",
    "es": "opensearch",
    "execute-api": "apigateway",
}

# Operation-name prefixes that only read. Anything else counts as a write.
READ_PREFIXES = (
    "Describe",
    "List",
    "Get",
    "Head",
    "Lookup",
    "Search",
    "Query",
    "Scan",
    "Select",
    "Filter",
    "BatchGet",
)

_session_lock = threading.Lock()
_session = botocore.session.get_session()
_AUTH_RE = re.compile(r"Credential=[^/]+/[^/]+/([^/]+)/([^/]+)/aws4_request")


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


def signing_scope(headers) -> tuple[str | None, str | None]:
    """Return (region, service) from a SigV4 Authorization header."""
    match = _AUTH_RE.search(headers.get("Authorization", "") or "")
    if not match:
        return None, None
    return match.group(1), match.group(2)


def _placeholder(match: re.Match) -> str:
    name = match.group(1)
    greedy = name.endswith("+")
    group = re.sub(r"\W", "_", name.rstrip("+"))
    return f"(?P<{group}>{'.+' if greedy else '[^/]+'})"


@lru_cache(maxsize=64)
def _rest_routes(model_name: str) -> list[tuple[str, re.Pattern, dict, int, str]]:
    with _session_lock:
        try:
            model = _session.get_service_model(model_name)
        except Exception:  # unknown service: nothing to match against
            return []
    routes = []
    for op_name in model.operation_names:
        op_model = model.operation_model(op_name)
        if op_model.deprecated:  # same wire format as its successor (GetBucketLifecycle...)
            continue
        http = op_model.http
        uri, _, query = http.get("requestUri", "/").partition("?")
        # "?policy" or "?list-type=2": keys (and values) the request's query string must carry.
        required = {k: (v[0] if v else None) for k, v in parse_qs(query, keep_blank_values=True).items()}
        literal = len(re.sub(r"\{[^}]+\}", "", uri))
        pattern = "^" + re.sub(r"\{([^}]+)\}", _placeholder, uri.replace(".", "\\.")) + "/?$"
        routes.append((http.get("method", "POST"), re.compile(pattern), required, literal, op_name))
    # The most specific template wins: more required query keys, then more literal characters.
    routes.sort(key=lambda r: (-len(r[2]), -r[3]))
    return routes


@lru_cache(maxsize=128)
def protocol(signing_name: str) -> str:
    """The wire protocol botocore speaks to the service (ec2, query, json, rest-json, rest-xml); json when
    unknown. A service offering several (CloudWatch: CBOR, JSON, query) gets the one botocore picks."""
    with _session_lock:
        try:
            return _session.get_service_model(model_name(signing_name)).resolved_protocol
        except Exception:
            return "json"


def model_name(signing_name: str) -> str:
    return _SIGNING_TO_MODEL.get(signing_name, signing_name)


def resolve(method: str, path: str, headers, body: bytes, query: str = "") -> tuple[str, str, str | None, dict]:
    """Return (service, operation, region, path parameters) for one request.

    'unknown' stands for what cannot be told.
    """
    region, service = signing_scope(headers)
    service = service or "unknown"
    target = headers.get("X-Amz-Target")
    if target:
        return service, target.rsplit(".", 1)[-1], region, {}
    content_type = headers.get("Content-Type", "") or ""
    if body and "x-www-form-urlencoded" in content_type:
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return service, action[0], region, {}
    params = parse_qs(query, keep_blank_values=True)
    for route_method, pattern, required, _literal, op_name in _rest_routes(model_name(service)):
        if route_method != method or any(
            k not in params or (v not in (None, "") and params[k][0] != v) for k, v in required.items()
        ):
            continue
        match = pattern.match(path)
        if match:
            return service, op_name, region, {k: unquote(v) for k, v in match.groupdict().items()}
    return service, "unknown", region, {}
