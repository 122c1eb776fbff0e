"""Refuse, as AWS does, input that breaks the constraints of the operation's service model.

botocore's client-side ParamValidator checks required members, types and minimums (``min``) only;
the services also check every member against the rest of its model on their side, before anything
else happens, and answer HTTP 400 with all the violations at once. moto takes almost anything. This
layer reads each request into the operation's input (by botocore's own service model, so the
emulator and the client agree on every shape) and refuses it where AWS would:

  * strings: ``max`` and ``min`` length (in UTF-16 code units, as Java's ``String.length()``
    counts), ``pattern`` and ``enum``;
  * lists and maps: ``max`` and ``min`` number of entries, then every member, key and value;
  * integers, longs, floats and doubles: ``max`` and ``min`` value (``min`` is botocore's too, but a
    client with parameter validation off sends anything).

What is read, per protocol:
  * ``json``: the JSON body (its keys are the members' locationName where the model gives one);
  * ``query`` and ``ec2``: the form body, un-flattened: ``Foo.member.N`` lists (or a list member's
    own locationName), flattened ``Foo.N`` lists, ``Foo.entry.N.key/value`` maps and ec2's ``Foo.N``
    lists named by queryName or the capitalised locationName; a key that maps to no member is left out;
  * ``rest-json``: the JSON body's members, or the structure payload, the URI path members (as
    ``operations.resolve`` cut them out, by locationName) and the querystring members;
  * ``rest-xml`` (Route 53, CloudFront): URI path and querystring members only.

Not checked: header members, blobs and timestamps, required members and types (botocore's own
checks), rest-xml bodies, S3 and S3 Control (bucket and key addressing is S3's own), SQS (it answers
a bad attribute name with its own InvalidAttributeName, which moto already does) and a request sent
in another protocol than the one botocore speaks to the service (the answer would not parse).

Patterns are Java regular expressions, matched as Java's ``String.matches`` matches: against the
whole value (``re.fullmatch``). The models leave most of them unanchored (``[\\.\\-_/#A-Za-z0-9]+``
for a log group name, ``[a-zA-Z][-a-zA-Z0-9]*`` for a stack name), and AWS refuses values that only
begin with a match: CloudWatch Logs refuses ``testServiceName:latest-metrics`` and CloudFormation
``eksctl-test-k8_cluster01-addon-...`` with exactly those patterns (awslabs/aws-embedded-metrics-java
#65, eksctl-io/eksctl #2943). Before Python compiles one, the Java syntax it lacks is translated:
``\\p{..}``/``\\P{..}`` general categories (``L``, ``Lu``, ``N``, ``Z``, ``P``, ``S``, ``M``, ``C``,
...) into the explicit ranges of Python's Unicode database, the US-ASCII POSIX classes (``Print``,
``Alnum``, ``XDigit``, ...), ``IsAlphabetic``/``IsWhitespace``, UTF-16 surrogate pairs
(``\\uD800\\uDC00``) into code points, ``\\x{..}``, ``\\z``/``\\Z``, ``\\h``/``\\v``/``\\R``,
``\\Q..\\E``, ``(?<name>``, a ``-`` after a class escape inside a class (``[\\s-_]``), and inline
flags in mid-pattern (hoisted to the front: wider, never narrower). A pattern that still cannot be
translated or compiled (nested or intersected classes, Unicode scripts and blocks), or that puts a
``^`` or ``$`` where no value can reach it (EC2's PlacementGroupArn ``...:placement-group/^.{1,255}$``,
a slip of the model that EC2 cannot be enforcing), is not checked: the layer never refuses by a
pattern it could not read. Where Python's classes differ from Java's
(``\\w``, ``\\d``, ``\\s`` and case folding are Unicode-wide here, ASCII in Java) Python's are the
wider, so a value AWS takes is never refused.

The answer is AWS's: HTTP 400, shaped per protocol as ``faults.error_response`` shapes errors, with

  1 validation error detected: Value 'x' at 'memberPath' failed to satisfy constraint: Member must
  satisfy regular expression pattern: <pattern>

(or "Member must have length less than or equal to N", "Member must satisfy enum value set: [a, b]",
"Member must have value less than or equal to N", ...) and "N validation errors detected: ...; ..."
for several. Member paths are the members' names with a lower-case first letter, as AWS prints them:
``logGroupName``, ``roleName``, ``tags.2.member.value`` for a member of the second element of a list
(ACM's own message); a list of strings or a map is reported whole ("Member must satisfy constraint:
[...]", "Map keys must satisfy constraint: [...]", "Map value must satisfy constraint: [...]") with
every constraint of its members listed, as CloudFormation and IAM word it; a map of structures goes
on with ``path.key``. A sensitive member's value, or a list or map holding one, is left out
("Value at 'secretString' failed ...", as Secrets Manager words it).

The error code is the protocol's common one, as the API references' "Common Errors" pages give it:
ValidationException for the JSON and REST-JSON services, ValidationError for the query services
(IAM, STS, CloudFormation, ELBv2, RDS, ElastiCache, SNS, Auto Scaling) and for JSON services that
still answer query-compatible codes (CloudWatch: also in an ``x-amzn-query-error`` header, as botocore
reads it), InvalidParameterValue for EC2; and the service's own where it answers with another one
(see SERVICE_CODES). The message is worded the same for every service: EC2 words its own differently
("Value ( 1 ) for parameter maxResults is invalid. ..."), EKS too ("The clusterName parameter contains
invalid characters ..."); the code is what botocore and the modules act on. Sources: botocore's
service models (``botocore/data/<service>/*/service-2.json``), AWS's Common Errors pages, and the
services' answers quoted in public issue threads, named below.

Each (service, operation) is compiled once into nested check functions (the model's patterns
compiled once each); a typical request then costs some 5 to 30 microseconds.

``LOCAL_AWS_VALIDATION=off`` (or 0, false, no) turns the layer off; it is read at each request.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import unicodedata
import warnings
from functools import cache, lru_cache
from urllib.parse import parse_qs, parse_qsl
from xml.sax.saxutils import escape

from . import operations
from .faults import error_response

ENV = "LOCAL_AWS_VALIDATION"
_OFF = frozenset({"off", "0", "false", "no"})

# Services whose requests are not read (see the module docstring).
SKIPPED = frozenset({"s3", "s3control", "sqs"})

DEFAULT_CODES = {
    "json": "ValidationException",
    "rest-json": "ValidationException",
    "query": "ValidationError",
    "ec2": "InvalidParameterValue",  # EC2 API "Common client error codes"; aws/aws-sdk-ruby #2575
}
# Services that answer a constraint violation with a code of their own (where confirmed: the issue
# thread quoting the service's answer).
SERVICE_CODES = {
    "logs": "InvalidParameterException",  # awslabs/aws-embedded-metrics-node #160, -java #65
    "eks": "InvalidParameterException",  # surajincloud/kubectl-eks #72
    "cognito-idp": "InvalidParameterException",  # aws/aws-cli #5843
    "ecr": "InvalidParameterException",  # as moto's ECR answers; not confirmed against AWS
    "budgets": "InvalidParameterException",  # its only modelled client error; not confirmed
    "guardduty": "BadRequestException",  # boto/boto3 #3890 (x-amzn-ErrorType), hashicorp/... #34765
    "securityhub": "InvalidInputException",  # awslabs/aws-securityhub-multiaccount-scripts #34
    "route53": "InvalidInput",  # hashicorp/terraform #24250
    "cloudfront": "InvalidArgument",  # CloudFront's common client error; not confirmed
}
# Seen answering the protocol's default: KMS (aws-controllers-k8s/community #1878), SSM (aws/aws-sdk-js
# #2748), Secrets Manager (kubernetes-sigs/cluster-api-provider-aws #1531), ACM (terraform-aws-modules/
# terraform-aws-acm #93), Lambda (aarondfrancis/sidecar #147), EventBridge (awslabs/
# aws-service-catalog-factory #53), WAFv2 (as quoted in KensioSoftware/yulin #1058), ELBv2
# (kubernetes-sigs/aws-load-balancer-controller #4014), CloudFormation (eksctl-io/eksctl #2943), IAM
# (floci-io/floci #2103), CloudWatch (its model's ValidationException has the query code ValidationError).
# RDS, ElastiCache, SNS and the other query services get ValidationError from the Common Errors page.

_XML_PROTOCOLS = frozenset({"query", "ec2", "rest-xml"})
_PATTERN_LIMIT = 1 << 18  # longer values are not matched (a pathological pattern could take long)
_LEN_MAX = "Member must have length less than or equal to {}"
_LEN_MIN = "Member must have length greater than or equal to {}"
_VALUE_MAX = "Member must have value less than or equal to {}"
_VALUE_MIN = "Member must have value greater than or equal to {}"
_PATTERN = "Member must satisfy regular expression pattern: {}"
_ENUM = "Member must satisfy enum value set: [{}]"

_log = logging.getLogger(__name__)
_lock = threading.RLock()


def enabled() -> bool:
    return os.environ.get(ENV, "on").strip().lower() not in _OFF


def check(service: str, operation: str, region, params: dict, headers, body: bytes, query: str) -> tuple | None:
    """The refusal (status, code, message) AWS would answer this request with, or None to let it through.

    ``region`` is not needed today (the constraints are the same in every region)."""
    if not enabled() or service == "unknown" or operation == "unknown":
        return None
    try:
        return _check(service, operation, params, headers, body, query)
    except Exception:  # a request the layer cannot read goes through: the emulator answers it as before
        _log.warning("request validation skipped for %s %s", service, operation, exc_info=True)
        return None


def response(service: str, refusal: tuple) -> tuple[str, list, bytes]:
    """The WSGI status, headers and body of a refusal, shaped for the service's protocol."""
    status, code, message = refusal
    if operations.protocol(service) in _XML_PROTOCOLS:
        message = escape(message)
    _status, headers, data = error_response(service, (status, code, message))
    model = _model(operations.model_name(service))
    if model is not None and model.metadata.get("awsQueryCompatible") is not None:
        headers.append(("x-amzn-query-error", f"{code};Sender"))
    return f"{status} Bad Request", headers, data


def summary(errors: list[str]) -> str:
    count = len(errors)
    return f"{count} validation error{'' if count == 1 else 's'} detected: " + "; ".join(errors)


def error_code(model_name: str) -> str:
    model = _model(model_name)
    if model_name in SERVICE_CODES:
        return SERVICE_CODES[model_name]
    if model.metadata.get("awsQueryCompatible") is not None:
        return "ValidationError"
    return DEFAULT_CODES.get(model.resolved_protocol, "ValidationException")


# -- reading the request -------------------------------------------------------
def _check(service: str, operation: str, params: dict, headers, body: bytes, query: str) -> tuple | None:
    name = operations.model_name(service)
    if name in SKIPPED:
        return None
    plan = _plan(name, operation)
    if plan is None:
        return None
    protocol = plan.protocol
    if protocol == "json":
        if not headers.get("X-Amz-Target"):
            return None
        document = _json_object(body)
        if document is None:
            return None
        data = {member: document[wire] for member, wire in plan.body if wire in document}
    elif protocol in ("query", "ec2"):
        if "x-www-form-urlencoded" not in (headers.get("Content-Type") or ""):
            return None
        data = unflatten(plan.tree, body)
    else:  # rest-json, rest-xml
        if headers.get("X-Amz-Target"):
            return None
        data = {}
        if plan.payload is not None or plan.body:
            document = _json_object(body) if protocol == "rest-json" else None
            if document is not None:
                if plan.payload is not None:
                    data[plan.payload] = document
                else:
                    data.update((member, document[wire]) for member, wire in plan.body if wire in document)
        for member, key in plan.uri:
            if key in params:
                data[member] = params[key]
        if plan.querystring and query:
            values = parse_qs(query, keep_blank_values=True)
            for member, key, is_list in plan.querystring:
                if key in values:
                    data[member] = values[key] if is_list else values[key][0]
    errors: list[str] = []
    plan.check(data, "", errors, False)
    if not errors:
        return None
    message = summary(errors)
    _log.info("refused %s %s: %s", service, operation, message)
    return 400, error_code(name), message


def _json_object(body: bytes) -> dict | None:
    if not body:
        return {}
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


class _Items(dict):
    """A list under construction: position (1, 2, ...) -> element."""


class _Entries(dict):
    """A map under construction: position -> {"k": key, "v": value}."""


def unflatten(tree, body: bytes | str) -> dict:
    """The input a query or ec2 form body carries, keyed by member names (as boto3 takes them).

    Keys that map to no member of the model (Action, Version, a typo) are left out."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    root: dict = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key not in ("Action", "Version"):
            _place_member(tree, root, key.split("."), 0, value)
    return _finish(root)


def _place_member(node, holder: dict, parts: list, i: int, value: str) -> None:
    """Put the value of parts[i:] into the structure ``holder`` described by ``node``."""
    child = node.children.get(parts[i]) if i < len(parts) else None
    if child is not None:
        member, child_node = child
        _place(child_node, holder, member, parts, i + 1, value)


def _place(node, holder: dict, slot, parts: list, i: int, value: str) -> None:
    kind, end = node.kind, len(parts)
    if kind == "scalar":
        if i == end:
            holder[slot] = value
    elif kind == "structure":
        if i < end:
            target = holder.setdefault(slot, {})
            if type(target) is dict:
                _place_member(node, target, parts, i, value)
    elif kind == "list":
        if i == end:
            if value == "":  # the query protocol's empty list
                holder.setdefault(slot, _Items())
            return
        if node.segment is not None:
            if parts[i] != node.segment:
                return
            i += 1
        if i < end and parts[i].isdigit():
            items = holder.setdefault(slot, _Items())
            if type(items) is _Items:
                _place(node.element, items, int(parts[i]), parts, i + 1, value)
    elif kind == "map":
        if node.segment is not None:
            if i >= end or parts[i] != node.segment:
                return
            i += 1
        if i + 1 < end and parts[i].isdigit():
            entries = holder.setdefault(slot, _Entries())
            if type(entries) is _Entries:
                entry = entries.setdefault(int(parts[i]), {})
                if parts[i + 1] == node.key_suffix:
                    _place(node.key, entry, "k", parts, i + 2, value)
                elif parts[i + 1] == node.value_suffix:
                    _place(node.value, entry, "v", parts, i + 2, value)


def _finish(value):
    if type(value) is _Items:
        return [_finish(value[position]) for position in sorted(value)]
    if type(value) is _Entries:
        return {e["k"]: _finish(e.get("v")) for _, e in sorted(value.items()) if isinstance(e.get("k"), str)}
    if type(value) is dict:
        return {k: _finish(v) for k, v in value.items()}
    return value


class _QueryNode:
    """How a query/ec2 key's segments map onto one shape."""

    __slots__ = ("children", "element", "key", "key_suffix", "kind", "segment", "value", "value_suffix")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.children: dict = {}
        self.segment = self.element = self.key = self.value = None
        self.key_suffix = self.value_suffix = None


def _query_tree(shape, ec2: bool, memo: dict) -> _QueryNode:
    kind = shape.type_name if shape.type_name in ("structure", "list", "map") else "scalar"
    if kind == "scalar":
        return memo.setdefault("", _QueryNode("scalar"))
    if shape.name in memo:
        return memo[shape.name]
    node = memo[shape.name] = _QueryNode(kind)
    if kind == "structure":
        for member_name, member in shape.members.items():
            node.children[_query_name(member_name, member, ec2)] = (member_name, _query_tree(member, ec2, memo))
    elif kind == "list":
        if not ec2 and not shape.serialization.get("flattened"):
            node.segment = shape.member.serialization.get("name", "member")
        node.element = _query_tree(shape.member, ec2, memo)
    else:
        if not shape.serialization.get("flattened"):
            node.segment = "entry"
        node.key_suffix = _serialized(shape.key, "key", ec2)
        node.value_suffix = _serialized(shape.value, "value", ec2)
        node.key, node.value = _query_tree(shape.key, ec2, memo), _query_tree(shape.value, ec2, memo)
    return node


def _serialized(shape, default: str, ec2: bool) -> str:
    """A member's name in a query/ec2 key, as botocore's serializers write it."""
    if ec2:
        if "queryName" in shape.serialization:
            return shape.serialization["queryName"]
        name = shape.serialization.get("name")
        return name[0].upper() + name[1:] if name else default
    return shape.serialization.get("name", default)


def _query_name(member_name: str, member, ec2: bool) -> str:
    flattened = not ec2 and member.type_name == "list" and member.serialization.get("flattened")
    if flattened and member.member.serialization.get("name"):  # a flattened list takes its member's name
        return member.member.serialization["name"]
    return _serialized(member, member_name, ec2)


# -- compiling the model into checks ---------------------------------------------
class _Plan:
    __slots__ = ("body", "check", "payload", "protocol", "querystring", "tree", "uri")


_PLANS: dict = {}
_COMPILERS: dict = {}


@lru_cache(maxsize=128)
def _model(model_name: str):
    with operations._session_lock:
        try:
            return operations._session.get_service_model(model_name)
        except Exception:  # a service botocore does not know: nothing to check
            return None


def _plan(model_name: str, operation: str) -> _Plan | None:
    key = (model_name, operation)
    try:
        return _PLANS[key]
    except KeyError:
        pass
    with _lock:
        if key not in _PLANS:
            _PLANS[key] = _build_plan(model_name, operation)
        return _PLANS[key]


def _build_plan(model_name: str, operation: str) -> _Plan | None:
    model = _model(model_name)
    if model is None or operation not in model.operation_names:
        return None
    protocol = model.resolved_protocol
    if protocol not in DEFAULT_CODES and protocol != "rest-xml":
        return None
    shape = model.operation_model(operation).input_shape
    if shape is None:
        return None
    compiler = _COMPILERS.get(model_name)
    if compiler is None:
        compiler = _COMPILERS[model_name] = _Compiler(wire=protocol not in ("query", "ec2"))
    top = compiler.structure(shape, by_member=True)
    if top is None:
        return None
    plan = _Plan()
    plan.protocol, plan.check, plan.tree, plan.payload = protocol, top, None, None
    body, uri, querystring = [], [], []
    for member_name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", member_name)
        if location is None:
            body.append((member_name, wire))
        elif location == "uri":
            uri.append((member_name, re.sub(r"\W", "_", wire)))
        elif location == "querystring" and member.type_name != "map":
            querystring.append((member_name, wire, member.type_name == "list"))
    payload = shape.serialization.get("payload")
    if protocol.startswith("rest") and payload is not None:
        body = []  # the body is the payload member itself
        if protocol == "rest-json" and shape.members[payload].type_name == "structure":
            plan.payload = payload
    if protocol == "rest-xml":
        body = []
    plan.body, plan.uri, plan.querystring = tuple(body), tuple(uri), tuple(querystring)
    if protocol in ("query", "ec2"):
        plan.tree = _tree(model_name, operation)
    return plan


@lru_cache(maxsize=1024)
def _tree(model_name: str, operation: str) -> _QueryNode | None:
    model = _model(model_name)
    if model is None or operation not in model.operation_names or model.resolved_protocol not in ("query", "ec2"):
        return None
    shape = model.operation_model(operation).input_shape
    return _query_tree(shape, model.resolved_protocol == "ec2", {}) if shape is not None else None


def query_input(model_name: str, operation: str, body: bytes | str) -> dict | None:
    """The input a query or ec2 form body carries for the operation (keyed as boto3 takes it), or None
    for an operation of another protocol or none botocore knows."""
    with _lock:
        tree = _tree(model_name, operation)
    return unflatten(tree, body) if tree is not None else None


def _label(member_name: str) -> str:
    return member_name[:1].lower() + member_name[1:]


def _java_text(value) -> str:
    """A value as AWS (Java) prints it in a message."""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_java_text(k)}={_java_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _message(value, path: str, hidden: bool, constraint: str) -> str:
    if hidden:
        return f"Value at '{path}' failed to satisfy constraint: {constraint}"
    return f"Value '{_java_text(value)}' at '{path}' failed to satisfy constraint: {constraint}"


def _length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


class _Compiler:
    """Turns one service model's shapes into check functions: fn(value, path, errors, hidden).

    ``wire``: nested structures are keyed as the body carries them (locationName), as in the JSON
    protocols; otherwise by member name, as ``unflatten`` builds them. Recursive shapes (WAFv2's
    Statement) forward to their own check once it is built."""

    def __init__(self, wire: bool) -> None:
        self.wire = wire
        self.checks: dict = {}
        self.scalars: dict = {}
        self.sensitive: dict = {}

    def value(self, shape):
        kind = shape.type_name
        if kind == "structure":
            if shape.metadata.get("document"):
                return None
            return self._memo(shape, lambda: self.structure(shape, by_member=not self.wire))
        if kind == "list":
            return self._memo(shape, lambda: self._list(shape))
        if kind == "map":
            return self._memo(shape, lambda: self._map(shape))
        scalar = self.scalar(shape)
        if scalar is None:
            return None
        return self._memo(shape, lambda: self._scalar_check(shape, scalar[0]))

    def _memo(self, shape, build):
        cell = self.checks.get(shape.name)
        if cell is None:
            cell = self.checks[shape.name] = [None, False]
            cell[0], cell[1] = build(), True
            return cell[0]
        if cell[1]:
            return cell[0]

        def forward(value, path, errors, hidden):
            if cell[0] is not None:
                cell[0](value, path, errors, hidden)

        return forward

    def structure(self, shape, by_member: bool):
        members = []
        for member_name, member in shape.members.items():
            member_check = self.value(member)
            if member_check is not None:
                key = member_name if by_member else member.serialization.get("name", member_name)
                members.append((key, _label(member_name), member_check))
        if not members:
            return None
        members = tuple(members)
        sensitive = bool(shape.metadata.get("sensitive"))

        def check_structure(value, path, errors, hidden):
            if type(value) is not dict:
                return
            hidden = hidden or sensitive
            prefix = path + "." if path else ""
            for key, label, member_check in members:
                item = value.get(key)
                if item is not None:
                    member_check(item, prefix + label, errors, hidden)

        return check_structure

    def _scalar_check(self, shape, fails):
        sensitive = bool(shape.metadata.get("sensitive"))

        def check_scalar(value, path, errors, hidden):
            failed = fails(value)
            if failed:
                for constraint in failed:
                    errors.append(_message(value, path, hidden or sensitive, constraint))

        return check_scalar

    def _counts(self, shape):
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        return (low or None), high

    def _list(self, shape):
        low, high = self._counts(shape)
        member = shape.member
        scalar = self.scalar(member) if member.type_name not in ("structure", "list", "map") else None
        member_check = self.value(member) if scalar is None else None
        if low is None and high is None and scalar is None and member_check is None:
            return None
        hide = self.contains_sensitive(shape)
        sensitive = bool(shape.metadata.get("sensitive"))
        members_text = f"Member must satisfy constraint: [{scalar[1]}]" if scalar else ""

        def check_list(value, path, errors, hidden):
            if type(value) is not list:
                return
            shown_hidden = hidden or hide
            if high is not None and len(value) > high:
                errors.append(_message(value, path, shown_hidden, _LEN_MAX.format(high)))
            if low is not None and len(value) < low:
                errors.append(_message(value, path, shown_hidden, _LEN_MIN.format(low)))
            if scalar is not None:
                fails = scalar[0]
                if any(fails(item) for item in value):
                    errors.append(_message(value, path, shown_hidden, members_text))
            elif member_check is not None:
                for position, item in enumerate(value, 1):
                    if item is not None:
                        member_check(item, f"{path}.{position}.member", errors, hidden or sensitive)

        return check_list

    def _map(self, shape):
        low, high = self._counts(shape)
        keys = self.scalar(shape.key)
        value_shape = shape.value
        values = self.scalar(value_shape) if value_shape.type_name not in ("structure", "list", "map") else None
        value_check = self.value(value_shape) if values is None else None
        if low is None and high is None and keys is None and values is None and value_check is None:
            return None
        hide = self.contains_sensitive(shape)
        sensitive = bool(shape.metadata.get("sensitive"))
        keys_text = f"Map keys must satisfy constraint: [{keys[1]}]" if keys else ""
        values_text = f"Map value must satisfy constraint: [{values[1]}]" if values else ""

        def check_map(value, path, errors, hidden):
            if type(value) is not dict:
                return
            shown_hidden = hidden or hide
            if high is not None and len(value) > high:
                errors.append(_message(value, path, shown_hidden, _LEN_MAX.format(high)))
            if low is not None and len(value) < low:
                errors.append(_message(value, path, shown_hidden, _LEN_MIN.format(low)))
            if keys is not None and any(keys[0](k) for k in value):
                errors.append(_message(value, path, shown_hidden, keys_text))
            if values is not None:
                if any(values[0](v) for v in value.values()):
                    errors.append(_message(value, path, shown_hidden, values_text))
            elif value_check is not None:
                for key, item in value.items():
                    if item is not None:
                        value_check(item, f"{path}.{key}", errors, hidden or sensitive)

        return check_map

    def scalar(self, shape):
        """(fails, description) for a string or number shape with constraints, else None.

        fails(value) gives the constraint messages the value breaks (None when it breaks none or is
        not of the shape's type); description lists every constraint, as AWS does for collections."""
        if shape.name not in self.scalars:
            self.scalars[shape.name] = _scalar(shape)
        return self.scalars[shape.name]

    def contains_sensitive(self, shape, seen: set | None = None) -> bool:
        top = seen is None
        if top and shape.name in self.sensitive:
            return self.sensitive[shape.name]
        seen = set() if seen is None else seen
        if shape.name in seen:
            return False
        seen.add(shape.name)
        if shape.metadata.get("sensitive"):
            found = True
        elif shape.type_name == "structure":
            found = any(self.contains_sensitive(m, seen) for m in shape.members.values())
        elif shape.type_name == "list":
            found = self.contains_sensitive(shape.member, seen)
        elif shape.type_name == "map":
            found = self.contains_sensitive(shape.key, seen) or self.contains_sensitive(shape.value, seen)
        else:
            found = False
        if top:
            self.sensitive[shape.name] = found
        return found


def _scalar(shape):
    kind, metadata = shape.type_name, shape.metadata
    low, high = metadata.get("min"), metadata.get("max")
    if kind == "string":
        pattern, enum = metadata.get("pattern"), metadata.get("enum")
        described = []
        if high is not None:
            described.append(_LEN_MAX.format(high))
        if low is not None:
            described.append(_LEN_MIN.format(low))
        if pattern is not None:
            described.append(_PATTERN.format(pattern))
        if enum:
            described.append(_ENUM.format(", ".join(enum)))
        regex = java_regex(pattern) if pattern is not None else None
        choices = frozenset(enum) if enum else None
        low = low or None
        if high is None and low is None and regex is None and choices is None:
            return None
        too_long = [_LEN_MAX.format(high)] if high is not None else None
        too_short = [_LEN_MIN.format(low)] if low is not None else None
        pattern_text = _PATTERN.format(pattern)
        enum_text = _ENUM.format(", ".join(enum)) if enum else ""

        def fails_string(value):
            if type(value) is not str:
                return None
            length = _length(value)
            failed = None
            if high is not None and length > high:
                failed = list(too_long)
            elif low is not None and length < low:
                failed = list(too_short)
            if regex is not None and length <= _PATTERN_LIMIT and regex.fullmatch(value) is None:
                failed = (failed or []) + [pattern_text]
            if choices is not None and value not in choices:
                failed = (failed or []) + [enum_text]
            return failed

        return fails_string, ", ".join(described)
    if kind in ("integer", "long", "float", "double") and (low is not None or high is not None):
        convert = int if kind in ("integer", "long") else float
        described = [text.format(b) for text, b in ((_VALUE_MAX, high), (_VALUE_MIN, low)) if b is not None]
        above = [_VALUE_MAX.format(high)] if high is not None else None
        below = [_VALUE_MIN.format(low)] if low is not None else None

        def fails_number(value):
            if type(value) is str:  # query, querystring and URI values are text
                try:
                    value = convert(value)
                except ValueError:
                    return None
            elif type(value) not in (int, float):
                return None
            if high is not None and value > high:
                return list(above)
            if low is not None and value < low:
                return list(below)
            return None

        return fails_number, ", ".join(described)
    return None


# -- Java regular expressions -----------------------------------------------------
_POSIX = {  # Java's POSIX classes are US-ASCII only
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": r"\x00-\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": r"!-/:-@\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": r" \t",
    "Cntrl": r"\x00-\x1f\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": r" \t\n\x0b\f\r",
}
_WHITESPACE = r"\t\n\x0b\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"  # White_Space
_HSPACE = r" \t\xa0\u1680\u180e\u2000-\u200a\u202f\u205f\u3000"
_VSPACE = r"\n\x0b\f\r\x85\u2028\u2029"
_PROPERTY_GROUPS = {
    "IsAlphabetic": ("L", "Nl", "Mn", "Mc"),  # a little wider than Alphabetic: never refuses more
    "IsLetter": ("L",),
    "IsDigit": ("Nd",),
    "IsUppercase": ("Lu",),
    "IsLowercase": ("Ll",),
    "IsPunctuation": ("P",),
    "IsControl": ("Cc",),
    "all": ("L", "M", "N", "P", "S", "Z", "C"),
}
_INLINE_FLAGS = re.compile(r"\(\?([a-zA-Z]*)(?:-[a-zA-Z]*)?\)")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")


@lru_cache(maxsize=1)
def _category_table() -> dict:
    """General category -> ranges of code points, from Python's Unicode database (built once)."""
    table: dict = {}
    start, current = 0, unicodedata.category("\x00")
    for code in range(1, 0x110000):
        category = unicodedata.category(chr(code))
        if category != current:
            table.setdefault(current, []).append((start, code - 1))
            start, current = code, category
    table.setdefault(current, []).append((start, 0x10FFFF))
    return table


def _ranges(categories: tuple) -> list:
    table = _category_table()
    found = sorted(r for name, ranges in table.items() if any(name.startswith(c) for c in categories) for r in ranges)
    merged: list = []
    for low, high in found:
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return merged


def _complement(ranges: list) -> list:
    result, start = [], 0
    for low, high in ranges:
        if low > start:
            result.append((start, low - 1))
        start = high + 1
    if start <= 0x10FFFF:
        result.append((start, 0x10FFFF))
    return result


def _class_body(ranges: list) -> str:
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


@lru_cache(maxsize=256)
def _property(name: str, negated: bool) -> str | None:
    """The body of a character class for Java's \\p{name} (\\P{name} when negated), or None."""
    if name in _POSIX or name in ("IsWhitespace", "IsWhite_Space"):
        body = _POSIX.get(name, _WHITESPACE)
        if not negated:
            return body
        ranges = []
        for item in re.finditer(r"(\\x..|\\u....|\\.|.)(?:-(\\x..|\\u....|\\.|.))?", body):
            low, high = (_char(item.group(1)), _char(item.group(2) or item.group(1)))
            ranges.append((low, high))
        return _class_body(_complement(sorted(ranges)))
    for prefix in ("Is", "gc=", "general_category="):
        if name.startswith(prefix) and name not in _PROPERTY_GROUPS:
            name = name[len(prefix) :]
    categories = _PROPERTY_GROUPS.get(name)
    if categories is None:
        if not re.fullmatch(r"[LMNPSZC][a-z]?", name) or (len(name) == 2 and name not in _category_table()):
            return None  # a script, a block, a java... method: not translated
        categories = (name,)
    ranges = _ranges(categories)
    return _class_body(_complement(ranges) if negated else ranges)


def _char(token: str) -> int:
    if token.startswith(("\\x", "\\u")):
        return int(token[2:], 16)
    if token.startswith("\\"):
        return {"t": 9, "n": 10, "f": 12, "r": 13}.get(token[1], ord(token[1]))
    return ord(token)


def translate(pattern: str) -> str | None:
    """A Java regular expression in Python's syntax, or None where it has no translation."""
    out: list = []
    flags = ""
    i, end = 0, len(pattern)
    in_class = after_class_escape = False
    groups: list = []  # open groups: whether each is a lookaround (matches no character)
    zero_width = False  # what came last matches no character: a closed lookaround or a '^'
    while i < end:
        char = pattern[i]
        class_escape = False
        came_zero_width = False
        if not in_class and char == "(" and not _INLINE_FLAGS.match(pattern, i):
            groups.append(pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i))
        elif not in_class and char == ")":
            came_zero_width = groups.pop() if groups else False
        elif not in_class and char == "^":
            came_zero_width = True
        if char == "\\":
            if i + 1 >= end:
                return None
            code = pattern[i + 1]
            if code in "pP":
                if pattern.startswith("{", i + 2):
                    close = pattern.find("}", i + 3)
                    if close < 0:
                        return None
                    name, i = pattern[i + 3 : close], close + 1
                else:
                    name, i = pattern[i + 2 : i + 3], i + 3
                body = _property(name, code == "P")
                if body is None:
                    return None
                out.append(body if in_class else f"[{body}]")
                class_escape = True
            elif code == "u":
                if not _HEX4.fullmatch(pattern, i + 2, i + 6):
                    return None
                point, i = int(pattern[i + 2 : i + 6], 16), i + 6
                if (
                    0xD800 <= point <= 0xDBFF
                    and pattern.startswith("\\u", i)
                    and _HEX4.fullmatch(pattern, i + 2, i + 6)
                ):
                    low = int(pattern[i + 2 : i + 6], 16)
                    if 0xDC00 <= low <= 0xDFFF:  # a UTF-16 surrogate pair: one code point
                        point, i = 0x10000 + ((point - 0xD800) << 10) + (low - 0xDC00), i + 6
                out.append(f"\\U{point:08x}")
            elif code == "x" and pattern.startswith("{", i + 2):
                close = pattern.find("}", i + 3)
                try:
                    point = int(pattern[i + 3 : close], 16) if close > 0 else -1
                except ValueError:
                    return None
                if not 0 <= point <= 0x10FFFF:
                    return None
                out.append(f"\\U{point:08x}")
                i = close + 1
            elif code == "Q":
                close = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if close < 0 else pattern[i + 2 : close]
                out.append(re.escape(literal))
                i = end if close < 0 else close + 2
            elif code in "hv":
                body = _HSPACE if code == "h" else _VSPACE
                out.append(body if in_class else f"[{body}]")
                i += 2
                class_escape = True
            elif code in "zZR":
                if in_class:
                    return None
                out.append({"z": r"\Z", "Z": r"(?=\n?\Z)", "R": r"(?:\r\n|[" + _VSPACE + "])"}[code])
                i += 2
            elif code == "e":
                out.append(r"\x1b")
                i += 2
            else:  # what Python reads as Java does; an escape it lacks fails to compile below
                out.append(pattern[i : i + 2])
                i += 2
                class_escape = code in "dDsSwW"
        elif in_class:
            if char == "[" or pattern.startswith("&&", i):
                return None  # Java's union and intersection of classes
            if char == "]":
                in_class = False
                out.append(char)
            elif char == "-" and after_class_escape:
                out.append("\\-")  # Java reads a '-' after a class escape as itself
            else:
                out.append(char)
            i += 1
        elif char == "[":
            in_class = True
            out.append(char)
            i += 1
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):
                out.append("\\]")
                i += 1
        elif char == "(" and pattern.startswith("(?", i):
            inline = _INLINE_FLAGS.match(pattern, i)
            if inline:  # Python takes global flags only at the start: hoisted (wider, never narrower)
                flags += "".join(f for f in inline.group(1) if f in "imsx")
                i = inline.end()
            elif pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
                out.append("(?P<")
                i += 3
            else:
                out.append(char)
                i += 1
        elif char == "^" and not (_may_start(out) or zero_width):
            return None  # an anchor no value can reach (EC2's PlacementGroupArn): a slip of the model
        elif char == "$" and pattern[i + 1 : i + 2] not in ("", ")", "|"):
            return None
        else:
            out.append(char)
            i += 1
        after_class_escape = class_escape and in_class
        zero_width = came_zero_width
    if in_class:
        return None
    return (f"(?{''.join(sorted(set(flags)))})" if flags else "") + "".join(out)


def _may_start(out: list) -> bool:
    """Whether a '^' after what ``out`` holds can match: at the start of the pattern, a group or an
    alternative (escaped characters are single items of their own, so "(" is a group's)."""
    return (
        not out
        or out[-1] in ("(", "|")
        or out[-3:] in (["(", "?", ":"], ["(", "?", "="], ["(", "?", "!"])
        or out[-4:] in (["(", "?", "<", "="], ["(", "?", "<", "!"])
    )


@cache
def java_regex(pattern: str) -> re.Pattern | None:
    """The compiled Python form of a model's Java pattern, or None: not checked."""
    translated = translate(pattern)
    if translated is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FutureWarning on '[[' and friends: those are refused anyway
        try:
            return re.compile(translated)
        except (re.error, OverflowError, RecursionError, ValueError):
            return None
