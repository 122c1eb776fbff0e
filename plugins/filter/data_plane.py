# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The data_plane role's checks (run before any AWS call), the streams as the kinesis_streams module
takes them, and the least-privilege policies of the trading services' IRSA roles. Pure Python, on
the controller."""

from __future__ import annotations

import re

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tier import is_production

# Kinesis: a stream name and a consumer name are 1 to 128 of [a-zA-Z0-9_.-] (botocore's model,
# StreamName and ConsumerName); retention 24 to 8760 hours (IncreaseStreamRetentionPeriod); at most
# 20 enhanced fan-out consumers a stream (RegisterStreamConsumer). A provisioned stream's shards: the
# default account quota is 500 shards in us-east-1, us-west-2 and eu-west-1, 200 elsewhere ("Quotas
# and limits", Kinesis Data Streams developer guide); this collection takes 1 to 500 for one stream.
KINESIS_NAME_RE = re.compile(r"^[a-zA-Z0-9_.-]{1,128}$")
FEED_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_.-]{0,62}[a-z0-9])?$")
RETENTION_HOURS = (24, 8760)
MAX_CONSUMERS = 20
MAX_SHARDS = 500
# Streams a stream can be told apart by in this collection's outputs (50 on-demand streams is AWS's
# default per-account quota of on-demand streams).
MAX_STREAMS = 50
# DynamoDB: table and index names 3 to 255 of [a-zA-Z0-9_.-], attribute names 1 to 255 characters, at
# most 20 global secondary indexes and 100 projected non-key attributes over all local and global
# indexes of a table (DynamoDB developer guide, "Quotas": "Secondary indexes", "Projected Secondary
# Index Attributes Per Table").
DYNAMODB_NAME_RE = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
MAX_INDEXES = 20
MAX_PROJECTED = 100
NAME_RE = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9])?$")
ALIAS_RE = re.compile(r"^alias/[a-zA-Z0-9:/_-]{1,250}$")
KEY_ARN_RE = re.compile(r"^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key/[0-9a-f-]{36}|alias/[a-zA-Z0-9:/_-]{1,250})$")
K8S_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

# What each access grants (IAM actions, "Actions, resources, and condition keys" of Kinesis and DynamoDB).
STREAM_WRITE = ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary", "kinesis:ListShards"]
STREAM_READ = [
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:ListShards",
    "kinesis:ListStreamConsumers",
]
# SubscribeToShard and DescribeStreamConsumer are authorised on the consumer's ARN.
CONSUMER_READ = ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"]
LEDGER_READ = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
]
LEDGER_WRITE = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"]
LEDGER_STREAM_READ = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def data_plane_stream_specs(streams, name, key):
    """The feeds as the kinesis_streams module takes them: <name>-<feed>, encrypted with ``key``."""
    specs = []
    for feed in streams or []:
        spec = {
            "name": f"{name}-{feed['name']}",
            "mode": feed.get("mode") or "on_demand",
            "retention_hours": feed.get("retention_hours") or 24,
            "kms_key_id": key,
            "consumers": list(feed.get("consumers") or []),
        }
        if spec["mode"] == "provisioned":
            spec["shard_count"] = feed.get("shard_count")
        specs.append(spec)
    return specs


def data_plane_named(names):
    """[{name: n}] for each name: what a module's state=absent takes."""
    return [{"name": n} for n in names or []]


def data_plane_consumer_arns(streams):
    """{stream: [its consumers' ARNs]} of the kinesis_streams module's result (streams with a registered consumer)."""
    arns = {}
    for stream in streams or []:
        registered = sorted(c["arn"] for c in stream.get("consumers") or [] if c.get("arn"))
        if registered:
            arns[stream["name"]] = registered
    return arns


def _key_statement(sid, actions, service, ctx):
    """KMS use of the data plane's key through one service only (kms:ViaService)."""
    key = ctx["key"]
    condition = {"StringEquals": {"kms:ViaService": f"{service}.{ctx['region']}.amazonaws.com"}}
    match = KEY_ARN_RE.match(key)
    if match and match.group(3).startswith("key/"):
        resource = key
    else:
        # An alias: the key it names, whichever it is (kms:ResourceAliases, the key's aliases).
        alias = match.group(3) if match else key
        resource = f"arn:{ctx['partition']}:kms:{ctx['region']}:{ctx['account']}:key/*"
        condition["ForAnyValue:StringEquals"] = {"kms:ResourceAliases": alias}
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource, "Condition": condition}


def data_plane_access_policies(access, ctx):
    """{"<namespace>/<name>": policy document} for each service account given any access.

    ``ctx``: name (the role's prefix), partition, region, account, key (the KMS key id as given),
    ledger (the table's name, or None without a ledger) and feeds (the feed names).
    """
    arn = f"arn:{ctx['partition']}:{{service}}:{ctx['region']}:{ctx['account']}:{{what}}"
    feeds = set(ctx.get("feeds") or [])
    policies = {}
    for entry in access or []:
        statements = []
        writes = sorted(f for f in entry.get("write_streams") or [] if f in feeds)
        reads = sorted(f for f in entry.get("read_streams") or [] if f in feeds)
        if writes:
            streams = [arn.format(service="kinesis", what=f"stream/{ctx['name']}-{f}") for f in writes]
            statements.append(
                {"Sid": "WriteMarketData", "Effect": "Allow", "Action": STREAM_WRITE, "Resource": streams}
            )
        if reads:
            streams = [arn.format(service="kinesis", what=f"stream/{ctx['name']}-{f}") for f in reads]
            statements.append({"Sid": "ReadMarketData", "Effect": "Allow", "Action": STREAM_READ, "Resource": streams})
            statements.append(
                {
                    "Sid": "ReadMarketDataFanOut",
                    "Effect": "Allow",
                    "Action": CONSUMER_READ,
                    "Resource": [f"{s}/consumer/*" for s in streams],
                }
            )
        if writes or reads:
            actions = (["kms:GenerateDataKey"] if writes else []) + (["kms:Decrypt"] if reads else [])
            statements.append(_key_statement("MarketDataKey", actions, "kinesis", ctx))
        level = entry.get("ledger") or "none"
        if level != "none" and ctx.get("ledger"):
            table = arn.format(service="dynamodb", what=f"table/{ctx['ledger']}")
            actions = LEDGER_READ + (LEDGER_WRITE if level == "write" else [])
            statements.append(
                {"Sid": "Ledger", "Effect": "Allow", "Action": actions, "Resource": [table, f"{table}/index/*"]}
            )
            statements.append(
                {
                    "Sid": "LedgerChangeStream",
                    "Effect": "Allow",
                    "Action": LEDGER_STREAM_READ,
                    "Resource": f"{table}/stream/*",
                }
            )
            statements.append(_key_statement("LedgerKey", ["kms:Decrypt", "kms:DescribeKey"], "dynamodb", ctx))
        if statements:
            key = f"{entry['namespace']}/{entry['name']}"
            policies[key] = {"Version": "2012-10-17", "Statement": statements}
    return policies


def data_plane_validation_errors(v):
    """Every problem with the data_plane role's inputs, each naming the variable and the environment."""
    env = v.get("trading_env")
    errors = []

    def err(var, text):
        errors.append(f"{var} in environment '{env}': {text}")

    name = v.get("data_plane_name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        err(
            "data_plane_name",
            f"{name!r} must be 1 to 64 letters, digits, _ . and -, starting and ending with a letter or digit "
            "(it prefixes every stream and the ledger table)",
        )
        name = None

    key = v.get("data_plane_kms_key_id")
    match = KEY_ARN_RE.match(key) if isinstance(key, str) else None
    if not isinstance(key, str) or not (ALIAS_RE.match(key) or match):
        err("data_plane_kms_key_id", f"{key!r} must be a KMS alias (alias/...), a key ARN or an alias ARN")
    elif key.startswith("alias/aws/"):
        err("data_plane_kms_key_id", f"{key!r} is an AWS managed key; the data plane needs a customer managed key")
    elif match and match.group(1) != v.get("trading_aws_region"):
        err(
            "data_plane_kms_key_id",
            f"{key!r} is a key of region {match.group(1)}; the streams and the ledger are in "
            f"{v.get('trading_aws_region')}",
        )

    feeds = _streams(v, err, name)
    _ledger(v, err)
    _access(v, err, feeds)
    return errors


def _streams(v, err, name):
    """Check data_plane_streams; returns the feed names."""
    var = "data_plane_streams"
    streams = v.get(var) or []
    if len(streams) > MAX_STREAMS:
        err(var, f"lists {len(streams)} feeds; at most {MAX_STREAMS}")
    seen = set()
    for index, feed in enumerate(streams):
        feed_name = feed.get("name")
        where = f"{var}[{index}]"
        if not isinstance(feed_name, str) or not FEED_RE.match(feed_name):
            err(
                f"{where}.name",
                f"{feed_name!r} must be 1 to 64 lower-case letters, digits, _ . and -, starting and ending with a "
                "letter or digit",
            )
            continue
        where = f"{var}[{feed_name}]"
        if feed_name in seen:
            err(var, f"names the feed {feed_name!r} twice")
        seen.add(feed_name)
        if name and len(f"{name}-{feed_name}") > 128:
            err(where, f"the stream name {name}-{feed_name} is longer than the 128 characters Kinesis takes")
        mode, shards = feed.get("mode") or "on_demand", feed.get("shard_count")
        if mode == "provisioned":
            if _int(shards) is None or not 1 <= shards <= MAX_SHARDS:
                err(f"{where}.shard_count", f"{shards!r}: a provisioned stream needs 1 to {MAX_SHARDS} shards")
        elif shards is not None:
            err(
                f"{where}.shard_count",
                "an on_demand stream takes no shard count (Kinesis refuses ShardCount with StreamMode ON_DEMAND); "
                "set mode: provisioned or remove it",
            )
        hours = feed.get("retention_hours", 24)
        if _int(hours) is None or not RETENTION_HOURS[0] <= hours <= RETENTION_HOURS[1]:
            err(f"{where}.retention_hours", f"{hours!r} must be {RETENTION_HOURS[0]} to {RETENTION_HOURS[1]} hours")
        consumers = feed.get("consumers") or []
        if len(consumers) > MAX_CONSUMERS:
            err(f"{where}.consumers", f"lists {len(consumers)} consumers; Kinesis takes {MAX_CONSUMERS} a stream")
        for consumer in consumers:
            if not isinstance(consumer, str) or not KINESIS_NAME_RE.match(consumer):
                err(f"{where}.consumers", f"{consumer!r} must be 1 to 128 letters, digits, _ . and -")
        if len(set(consumers)) != len(consumers):
            err(f"{where}.consumers", "names a consumer twice")
    if is_production(v):
        for feed in streams:
            if (feed.get("retention_hours") or 24) < 168 and isinstance(feed.get("name"), str):
                err(
                    f"{var}[{feed['name']}].retention_hours",
                    f"{feed.get('retention_hours', 24)!r}: production keeps market data at least 168 hours (7 days), "
                    "long enough to replay a week into a rebuilt consumer",
                )
    return seen


def _key_problem(key):
    if not isinstance(key, dict):
        return "must be a dict with name and type"
    attribute = key.get("name")
    if not isinstance(attribute, str) or not 1 <= len(attribute) <= 255:
        return f"name {attribute!r} must be 1 to 255 characters"
    return None


def _ledger(v, err):
    if not v.get("data_plane_ledger_enabled", True):
        return
    types = {}

    def attribute(var, key, required):
        if key is None:
            if required:
                err(var, "is required: the ledger's partition key")
            return None
        problem = _key_problem(key)
        if problem:
            err(var, problem)
            return None
        known = types.setdefault(key["name"], key.get("type"))
        if known != key.get("type"):
            err(
                var,
                f"gives attribute {key['name']!r} type {key.get('type')}, another key gives it {known}; DynamoDB "
                "defines an attribute once",
            )
        return key["name"]

    hash_name = attribute("data_plane_ledger_hash_key", v.get("data_plane_ledger_hash_key"), True)
    range_name = attribute("data_plane_ledger_range_key", v.get("data_plane_ledger_range_key"), False)
    if hash_name and hash_name == range_name:
        err(
            "data_plane_ledger_range_key",
            f"is the partition key {hash_name!r} again; the sort key is another attribute",
        )
    indexes = v.get("data_plane_ledger_indexes") or []
    var = "data_plane_ledger_indexes"
    if len(indexes) > MAX_INDEXES:
        err(var, f"lists {len(indexes)} indexes; DynamoDB takes {MAX_INDEXES} global secondary indexes a table")
    seen, projected = set(), 0
    for position, index in enumerate(indexes):
        index_name = index.get("name")
        if not isinstance(index_name, str) or not DYNAMODB_NAME_RE.match(index_name):
            err(f"{var}[{position}].name", f"{index_name!r} must be 3 to 255 letters, digits, _ . and -")
            continue
        where = f"{var}[{index_name}]"
        if index_name in seen:
            err(var, f"names the index {index_name!r} twice")
        seen.add(index_name)
        index_hash = attribute(f"{where}.hash_key", index.get("hash_key"), True)
        index_range = attribute(f"{where}.range_key", index.get("range_key"), False)
        if index_hash and index_hash == index_range:
            err(f"{where}.range_key", f"is the index's partition key {index_hash!r} again")
        projection = index.get("projection") or "ALL"
        extra = index.get("non_key_attributes")
        if projection == "INCLUDE" and not extra:
            err(f"{where}.non_key_attributes", "projection INCLUDE needs the attributes it copies")
        if projection != "INCLUDE" and extra:
            err(f"{where}.non_key_attributes", f"is only taken with projection INCLUDE, not {projection}")
        projected += len(set(extra or []))
    if projected > MAX_PROJECTED:
        err(var, f"project {projected} non-key attributes; DynamoDB takes {MAX_PROJECTED} over a table's indexes")
    if is_production(v):
        for flag, why in (
            ("data_plane_ledger_deletion_protection", "the ledger is a book of record: deleting it needs a decision"),
            ("data_plane_ledger_point_in_time_recovery", "the ledger must be restorable to any second of 35 days"),
        ):
            if v.get(flag) is not True:
                err(flag, f"is {v.get(flag)!r}; production needs true ({why})")


def _access(v, err, feeds):
    var = "data_plane_access"
    seen = set()
    for position, entry in enumerate(v.get(var) or []):
        namespace, account = entry.get("namespace"), entry.get("name")
        if not all(isinstance(x, str) and K8S_NAME_RE.match(x) for x in (namespace, account)):
            err(
                f"{var}[{position}]",
                f"{namespace!r}/{account!r} is not a Kubernetes namespace and service account name",
            )
            continue
        where = f"{var}[{namespace}/{account}]"
        if (namespace, account) in seen:
            err(var, f"names the service account {namespace}/{account} twice")
        seen.add((namespace, account))
        for field in ("write_streams", "read_streams"):
            unknown = [f for f in entry.get(field) or [] if f not in feeds]
            if unknown:
                err(f"{where}.{field}", f"{', '.join(map(str, unknown))}: not a feed of data_plane_streams")
        if (entry.get("ledger") or "none") != "none" and not v.get("data_plane_ledger_enabled", True):
            err(f"{where}.ledger", f"is {entry['ledger']} but data_plane_ledger_enabled is false")


class FilterModule:
    def filters(self):
        return {
            "data_plane_validation_errors": data_plane_validation_errors,
            "data_plane_stream_specs": data_plane_stream_specs,
            "data_plane_access_policies": data_plane_access_policies,
            "data_plane_named": data_plane_named,
            "data_plane_consumer_arns": data_plane_consumer_arns,
        }
