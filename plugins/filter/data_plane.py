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


# Failed records, apart from the data and by the kind of failure (Firehose's "Custom Prefixes for Amazon S3 Objects").
ERROR_PREFIX = "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"


def _tls_only(arns):
    return {
        "Sid": "DenyPlainHttp",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [a for arn in arns for a in (arn, f"{arn}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _service_trust(service, account):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        ],
    }


def data_plane_archive(ctx):
    """The archive and catalogue as the data_archive module takes them (buckets, roles, delivery streams,
    the Glue database and crawler, the Athena workgroup).

    ``ctx``: name, partition, region, account, key (the data tier's key as given), feeds, the bucket,
    role, database and workgroup names, object_lock, the lifecycle days, the buffering, the crawler
    schedule and the workgroup's scan cutoff (``cutoff``).
    """
    part, region, account = ctx["partition"], ctx["region"], ctx["account"]
    arn = {kind: f"arn:{part}:s3:::{ctx[kind]}" for kind in ("archive", "logs", "results")}
    key = ctx["key"]
    match = KEY_ARN_RE.match(key)
    # Firehose takes a key ARN (an alias ARN too); the same string every run, whichever roles ran.
    key_arn = key if match else f"arn:{part}:kms:{region}:{account}:{key}"
    public = {"block_public_acls": True, "ignore_public_acls": True, "block_public_policy": True}
    public["restrict_public_buckets"] = True
    logs_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S3LogDeliveryForTheArchive",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{arn['logs']}/*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": arn["archive"]},
                },
            },
            _tls_only([arn["logs"]]),
        ],
    }
    buckets = [
        {
            "name": ctx["logs"],
            "encryption": "AES256",
            "public_access": public,
            "object_ownership": "BucketOwnerEnforced",
            "policy": logs_policy,
            "lifecycle_rules": [
                {
                    "id": "access-logs",
                    "prefix": "",
                    "status": "enabled",
                    "expiration_days": ctx["access_logs_days"],
                    "abort_incomplete_multipart_upload_days": 7,
                }
            ],
        },
        {
            "name": ctx["archive"],
            "encryption": "aws:kms",
            "encryption_key_id": key_arn,
            "bucket_key_enabled": True,
            "public_access": public,
            "object_ownership": "BucketOwnerEnforced",
            "policy": {"Version": "2012-10-17", "Statement": [_tls_only([arn["archive"]])]},
            "versioning": True,
            "object_lock": dict(ctx.get("object_lock") or {}),
            "logging": {"target_bucket": ctx["logs"], "target_prefix": f"{ctx['archive']}/"},
            "lifecycle_rules": [
                {
                    "id": "archive-tiers",
                    "prefix": "",
                    "status": "enabled",
                    "transitions": [
                        {"days": ctx["glacier_ir_days"], "storage_class": "GLACIER_IR"},
                        {"days": ctx["deep_archive_days"], "storage_class": "DEEP_ARCHIVE"},
                    ],
                    "abort_incomplete_multipart_upload_days": 7,
                }
            ],
        },
        {
            "name": ctx["results"],
            "encryption": "aws:kms",
            "encryption_key_id": key_arn,
            "bucket_key_enabled": True,
            "public_access": public,
            "object_ownership": "BucketOwnerEnforced",
            "policy": {"Version": "2012-10-17", "Statement": [_tls_only([arn["results"]])]},
            "lifecycle_rules": [
                {
                    "id": "results",
                    "prefix": "",
                    "status": "enabled",
                    "expiration_days": 30,
                    "abort_incomplete_multipart_upload_days": 1,
                }
            ],
        },
    ]
    streams = [f"arn:{part}:kinesis:{region}:{account}:stream/{ctx['name']}-{f}" for f in ctx.get("feeds") or []]
    delivery_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadTheFeeds",
                "Effect": "Allow",
                "Action": [
                    "kinesis:DescribeStream",
                    "kinesis:GetShardIterator",
                    "kinesis:GetRecords",
                    "kinesis:ListShards",
                ],
                "Resource": streams,
            },
            {
                "Sid": "WriteTheArchive",
                "Effect": "Allow",
                "Action": [
                    "s3:AbortMultipartUpload",
                    "s3:GetBucketLocation",
                    "s3:GetObject",
                    "s3:ListBucket",
                    "s3:ListBucketMultipartUploads",
                    "s3:PutObject",
                ],
                "Resource": [arn["archive"], f"{arn['archive']}/market-data/*", f"{arn['archive']}/errors/*"],
            },
            _key_statement("ReadTheFeedsKey", ["kms:Decrypt"], "kinesis", ctx),
            _key_statement("WriteTheArchiveKey", ["kms:GenerateDataKey", "kms:Decrypt"], "s3", ctx),
        ],
    }
    crawler_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadTheArchive",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [arn["archive"], f"{arn['archive']}/market-data/*"],
            },
            _key_statement("ReadTheArchiveKey", ["kms:Decrypt"], "s3", ctx),
        ],
    }
    role_arn = f"arn:{part}:iam::{account}:role/{{}}"
    roles = [
        {
            "name": ctx["delivery_role"],
            "description": f"{ctx['name']}: Firehose delivers the market-data feeds to the archive",
            "assume_role_policy": _service_trust("firehose.amazonaws.com", account),
            "managed_policies": [],
            "inline_policies": {"deliver": delivery_policy},
        },
        {
            "name": ctx["crawler_role"],
            "description": f"{ctx['name']}: Glue catalogues the archive",
            "assume_role_policy": _service_trust("glue.amazonaws.com", account),
            "managed_policies": [f"arn:{part}:iam::aws:policy/service-role/AWSGlueServiceRole"],
            "inline_policies": {"read-archive": crawler_policy},
        },
    ]
    deliveries = [
        {
            "name": f"{ctx['name']}-{feed}-archive",
            "source_stream_arn": stream,
            "role_arn": role_arn.format(ctx["delivery_role"]),
            "bucket_arn": arn["archive"],
            "prefix": f"market-data/feed={feed}/!{{timestamp:yyyy}}/!{{timestamp:MM}}/!{{timestamp:dd}}/",
            "error_output_prefix": ERROR_PREFIX,
            "buffering_size_mb": ctx["buffer_mb"],
            "buffering_interval_s": ctx["buffer_seconds"],
            "compression": "GZIP",
            "kms_key_arn": key_arn,
        }
        for feed, stream in zip(ctx.get("feeds") or [], streams, strict=True)
    ]
    crawler = {
        "name": f"{ctx['name']}-market-data",
        "role_arn": role_arn.format(ctx["crawler_role"]),
        "database": ctx["database"],
        "s3_targets": [f"s3://{ctx['archive']}/market-data/"],
        "schema_change_policy": {"update_behavior": "UPDATE_IN_DATABASE", "delete_behavior": "LOG"},
    }
    if ctx.get("crawler_schedule"):
        crawler["schedule"] = ctx["crawler_schedule"]
    return {
        "buckets": buckets,
        "roles": roles,
        "delivery_streams": deliveries,
        "glue_database": {"name": ctx["database"], "description": f"{ctx['name']}: the archived market data"},
        "crawlers": [crawler],
        "athena_workgroups": [
            {
                "name": ctx["workgroup"],
                "description": f"{ctx['name']}: queries of the archive, results encrypted, scan limited",
                "output_location": f"s3://{ctx['results']}/athena/",
                "kms_key_arn": key_arn,
                "bytes_scanned_cutoff": ctx["cutoff"],
                "enforce_workgroup_configuration": True,
                "publish_cloudwatch_metrics": True,
            }
        ],
    }


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
    if v.get("data_plane_archive_enabled", True):
        _archive(v, err)
    return errors


# Firehose's buffering hints (botocore's model: SizeInMBs 1 to 128, IntervalInSeconds 0 to 900), Athena's
# smallest per-query scan cutoff (BytesScannedCutoffPerQuery, 10000000), Glue's crawler schedule
# (cron() of six fields, "Time-based schedules for jobs and crawlers").
CRON_RE = re.compile(r"^cron\((\S+ ){5}\S+\)$")


def _archive(v, err):
    lock = v.get("data_plane_archive_object_lock") or {}
    var = "data_plane_archive_object_lock"
    periods = [k for k in ("days", "years") if lock.get(k) is not None]
    if lock.get("mode") and len(periods) != 1:
        err(var, f"mode {lock['mode']} takes one of days or years")
    if periods and not lock.get("mode"):
        err(var, "a retention period needs a mode (COMPLIANCE or GOVERNANCE)")
    for period in periods:
        if _int(lock[period]) is None or lock[period] < 1:
            err(var, f"{period} {lock[period]!r} must be a positive whole number")
    if is_production(v) and (lock.get("mode") != "COMPLIANCE" or not periods):
        err(
            var,
            f"is {lock or '{}'}; production needs mode COMPLIANCE with a retention period (write-once books and "
            "records, such as SEC 17a-4 asks for)",
        )
    glacier, deep = v.get("data_plane_archive_glacier_ir_days"), v.get("data_plane_archive_deep_archive_days")
    if _int(glacier) is None or glacier < 0:
        err("data_plane_archive_glacier_ir_days", f"{glacier!r} must be a whole number of days, 0 or more")
    elif _int(deep) is None or deep <= glacier:
        err(
            "data_plane_archive_deep_archive_days",
            f"{deep!r} must be later than data_plane_archive_glacier_ir_days ({glacier}): objects go to Glacier "
            "Instant Retrieval first",
        )
    logs = v.get("data_plane_archive_access_logs_days")
    if _int(logs) is None or logs < 1:
        err("data_plane_archive_access_logs_days", f"{logs!r} must be a positive whole number of days")
    for var, low, high in (("data_plane_archive_buffer_mb", 1, 128), ("data_plane_archive_buffer_seconds", 0, 900)):
        value = v.get(var)
        if _int(value) is None or not low <= value <= high:
            err(var, f"{value!r} must be {low} to {high} (Firehose's buffering hints)")
    cutoff = v.get("data_plane_athena_bytes_scanned_cutoff")
    if _int(cutoff) is None or cutoff < 10000000:
        err(
            "data_plane_athena_bytes_scanned_cutoff",
            f"{cutoff!r}: Athena takes a per-query limit of 10000000 bytes or more",
        )
    schedule = v.get("data_plane_archive_crawler_schedule")
    if schedule is not None and (not isinstance(schedule, str) or not CRON_RE.match(schedule)):
        err(
            "data_plane_archive_crawler_schedule",
            f"{schedule!r} must be a Glue cron expression of six fields, such as cron(15 2 * * ? *)",
        )


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
            "data_plane_archive": data_plane_archive,
        }
