"""The data_plane role's filters: the streams as kinesis_streams takes them, the services' IRSA policies,
the inputs' checks; and the compliance alarms on what the data plane builds."""

from pathlib import Path

import pytest
import yaml
from ansible_collections.ninetynine.trading_infra.plugins.filter.compliance import compliance_alarms
from ansible_collections.ninetynine.trading_infra.plugins.filter.data_plane import (
    data_plane_access_policies,
    data_plane_archive,
    data_plane_consumer_arns,
    data_plane_stream_specs,
    data_plane_validation_errors,
)
from ansible_collections.ninetynine.trading_infra.plugins.filter.eks import eks_service_account_role
from ansible_collections.ninetynine.trading_infra.plugins.filter.platform import platform_output_parameters

REPO = Path(__file__).resolve().parents[2]
DEFAULTS = yaml.safe_load((REPO / "roles" / "data_plane" / "defaults" / "main.yml").read_text())
CTX = {
    "name": "trading-dev",
    "partition": "aws",
    "region": "us-east-1",
    "account": "123456789012",
    "key": "alias/trading-dev-data",
    "ledger": "trading-dev-ledger",
    "feeds": ["quotes", "trades"],
}


def inputs(env="dev", **overrides):
    values = {k: v for k, v in DEFAULTS.items() if not (isinstance(v, str) and "{{" in v)}
    values.update(
        trading_env=env,
        trading_aws_region="us-east-1",
        trading_tier="production" if env == "prod" else "non-production",
        data_plane_name=f"trading-{env}",
        data_plane_kms_key_id=f"alias/trading-{env}-data",
    )
    values.update(overrides)
    return values


def actions(policy, sid):
    return next(s for s in policy["Statement"] if s["Sid"] == sid)["Action"]


def test_each_feed_is_a_stream_of_the_prefix_with_the_key_and_a_shard_count_only_when_provisioned():
    specs = data_plane_stream_specs(
        [
            {"name": "quotes", "mode": "provisioned", "shard_count": 4, "retention_hours": 168, "consumers": ["risk"]},
            {"name": "trades", "mode": "on_demand", "shard_count": None, "retention_hours": 24, "consumers": []},
        ],
        "trading-prod",
        "alias/trading-prod-data",
    )
    assert specs == [
        {
            "name": "trading-prod-quotes",
            "mode": "provisioned",
            "shard_count": 4,
            "retention_hours": 168,
            "kms_key_id": "alias/trading-prod-data",
            "consumers": ["risk"],
        },
        {
            "name": "trading-prod-trades",
            "mode": "on_demand",
            "retention_hours": 24,
            "kms_key_id": "alias/trading-prod-data",
            "consumers": [],
        },
    ]


def test_each_service_gets_what_its_access_names_and_nothing_else():
    policies = data_plane_access_policies(DEFAULTS["data_plane_access"], CTX)
    assert sorted(policies) == [
        "ledger/ledger",
        "market-data/market-data",
        "matching-engine/matching-engine",
        "order-processing/order-processing",
    ]
    writer = policies["market-data/market-data"]
    assert [s["Sid"] for s in writer["Statement"]] == ["WriteMarketData", "MarketDataKey"]
    write = next(s for s in writer["Statement"] if s["Sid"] == "WriteMarketData")
    assert write["Resource"] == [
        "arn:aws:kinesis:us-east-1:123456789012:stream/trading-dev-quotes",
        "arn:aws:kinesis:us-east-1:123456789012:stream/trading-dev-trades",
    ]
    assert "kinesis:PutRecords" in write["Action"] and not any("Get" in a for a in write["Action"])
    assert actions(writer, "MarketDataKey") == ["kms:GenerateDataKey"]
    # The matching engine reads both feeds, through shared throughput and fan-out, and writes nothing.
    engine = policies["matching-engine/matching-engine"]
    assert not any("Put" in a for s in engine["Statement"] for a in s["Action"])
    fan_out = next(s for s in engine["Statement"] if s["Sid"] == "ReadMarketDataFanOut")
    assert fan_out["Resource"] == [
        "arn:aws:kinesis:us-east-1:123456789012:stream/trading-dev-quotes/consumer/*",
        "arn:aws:kinesis:us-east-1:123456789012:stream/trading-dev-trades/consumer/*",
    ]
    assert "kinesis:SubscribeToShard" not in actions(engine, "ReadMarketData")
    assert actions(engine, "MarketDataKey") == ["kms:Decrypt"]
    # Order processing reads quotes only, and the ledger without writing it.
    orders = policies["order-processing/order-processing"]
    read = next(s for s in orders["Statement"] if s["Sid"] == "ReadMarketData")
    assert read["Resource"] == ["arn:aws:kinesis:us-east-1:123456789012:stream/trading-dev-quotes"]
    assert "dynamodb:Query" in actions(orders, "Ledger") and "dynamodb:PutItem" not in actions(orders, "Ledger")
    ledger = policies["ledger/ledger"]
    assert "dynamodb:PutItem" in actions(ledger, "Ledger")
    assert not any(a.startswith("kinesis:") for s in ledger["Statement"] for a in s["Action"])
    table = next(s for s in ledger["Statement"] if s["Sid"] == "Ledger")
    assert table["Resource"] == [
        "arn:aws:dynamodb:us-east-1:123456789012:table/trading-dev-ledger",
        "arn:aws:dynamodb:us-east-1:123456789012:table/trading-dev-ledger/index/*",
    ]
    stream = next(s for s in ledger["Statement"] if s["Sid"] == "LedgerChangeStream")
    assert stream["Resource"] == "arn:aws:dynamodb:us-east-1:123456789012:table/trading-dev-ledger/stream/*"


def test_the_key_is_used_through_one_service_and_found_by_its_alias_or_its_arn():
    policies = data_plane_access_policies(DEFAULTS["data_plane_access"], CTX)
    key = next(s for s in policies["ledger/ledger"]["Statement"] if s["Sid"] == "LedgerKey")
    assert key["Resource"] == "arn:aws:kms:us-east-1:123456789012:key/*"
    assert key["Condition"] == {
        "StringEquals": {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"},
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/trading-dev-data"},
    }
    arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    by_arn = data_plane_access_policies(DEFAULTS["data_plane_access"], dict(CTX, key=arn))
    key = next(s for s in by_arn["market-data/market-data"]["Statement"] if s["Sid"] == "MarketDataKey")
    assert key["Resource"] == arn and set(key["Condition"]) == {"StringEquals"}
    alias_arn = "arn:aws:kms:us-east-1:123456789012:alias/trading-dev-data"
    by_alias_arn = data_plane_access_policies(DEFAULTS["data_plane_access"], dict(CTX, key=alias_arn))
    key = next(s for s in by_alias_arn["market-data/market-data"]["Statement"] if s["Sid"] == "MarketDataKey")
    assert key["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": "alias/trading-dev-data"}


def test_without_a_ledger_or_a_feed_no_statement_names_them():
    policies = data_plane_access_policies(DEFAULTS["data_plane_access"], dict(CTX, ledger=None, feeds=["trades"]))
    assert "ledger/ledger" not in policies  # nothing left to grant
    assert "order-processing/order-processing" not in policies  # quotes and the ledger only
    assert "trading-dev-quotes" not in str(policies)


def test_the_policy_lands_on_its_service_accounts_irsa_role_only():
    policies = data_plane_access_policies(DEFAULTS["data_plane_access"], CTX)
    ledger = eks_service_account_role({"namespace": "ledger", "name": "ledger", "inline": {}}, "trading-dev", policies)
    assert ledger["name"] == "trading-dev-ledger" and ledger["inline"] == {"data-plane": policies["ledger/ledger"]}
    other = eks_service_account_role({"namespace": "risk", "name": "risk", "inline": {}}, "trading-dev", policies)
    assert other["inline"] == {}


def test_the_outputs_are_published_a_parameter_a_stream_and_the_consumers_as_a_list():
    streams = [
        {
            "name": "trading-dev-quotes",
            "arn": "arn:aws:kinesis:us-east-1:123456789012:stream/trading-dev-quotes",
            "consumers": [
                {
                    "name": "risk",
                    "arn": "arn:aws:kinesis:us-east-1:123456789012:stream/trading-dev-quotes/consumer/risk:2",
                },
                {"name": "new", "arn": None},
            ],
        },
        {"name": "trading-dev-trades", "arn": "arn:aws:kinesis:us-east-1:123456789012:stream/trading-dev-trades"},
    ]
    consumers = data_plane_consumer_arns(streams)
    assert consumers == {
        "trading-dev-quotes": ["arn:aws:kinesis:us-east-1:123456789012:stream/trading-dev-quotes/consumer/risk:2"]
    }
    outputs = {
        "data_plane": {
            "streams": {s["name"]: s["arn"] for s in streams},
            "consumers": consumers,
            "ledger_table_arn": "arn:aws:dynamodb:us-east-1:123456789012:table/trading-dev-ledger",
            "ledger_stream_arn": None,
        }
    }
    published = platform_output_parameters(outputs)
    assert published["components"] == ["data_plane"]
    assert published["parameters"] == {
        "data_plane/ledger/table_arn": "arn:aws:dynamodb:us-east-1:123456789012:table/trading-dev-ledger",
        "data_plane/streams/trading-dev-quotes": streams[0]["arn"],
        "data_plane/streams/trading-dev-trades": streams[1]["arn"],
        "data_plane/consumers/trading-dev-quotes": consumers["trading-dev-quotes"],
    }
    # Torn down: the component's parameters go.
    assert platform_output_parameters({"data_plane": {}}) == {"parameters": {}, "components": ["data_plane"]}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_roles_defaults_pass_and_each_shipped_inventory_too(env):
    shipped = yaml.safe_load((REPO / "inventories" / env / "group_vars" / "all" / "data_plane.yml").read_text())
    assert data_plane_validation_errors(inputs(env, **shipped)) == []


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"data_plane_name": "-trading"}, "data_plane_name in environment 'dev': '-trading' must be"),
        ({"data_plane_kms_key_id": "trading-data"}, "data_plane_kms_key_id in environment 'dev': 'trading-data' must"),
        ({"data_plane_kms_key_id": "alias/aws/kinesis"}, "is an AWS managed key"),
        (
            {"data_plane_kms_key_id": "arn:aws:kms:eu-west-1:123456789012:alias/trading-dev-data"},
            "is a key of region eu-west-1; the streams and the ledger are in us-east-1",
        ),
        ({"data_plane_streams": [{"name": "Quotes"}]}, "data_plane_streams[0].name in environment 'dev': 'Quotes'"),
        ({"data_plane_streams": [{"name": "quotes"}, {"name": "quotes"}]}, "names the feed 'quotes' twice"),
        (
            {"data_plane_streams": [{"name": "quotes", "mode": "provisioned"}]},
            "data_plane_streams[quotes].shard_count in environment 'dev': None: a provisioned stream needs 1 to 500",
        ),
        (
            {"data_plane_streams": [{"name": "quotes", "mode": "provisioned", "shard_count": 501}]},
            "501: a provisioned stream needs 1 to 500 shards",
        ),
        (
            {"data_plane_streams": [{"name": "quotes", "mode": "on_demand", "shard_count": 2}]},
            "an on_demand stream takes no shard count",
        ),
        ({"data_plane_streams": [{"name": "quotes", "retention_hours": 23}]}, "23 must be 24 to 8760 hours"),
        ({"data_plane_streams": [{"name": "quotes", "retention_hours": 8761}]}, "8761 must be 24 to 8760 hours"),
        (
            {"data_plane_streams": [{"name": "quotes", "consumers": [f"c{i}" for i in range(21)]}]},
            "lists 21 consumers; Kinesis takes 20 a stream",
        ),
        ({"data_plane_streams": [{"name": "quotes", "consumers": ["risk engine"]}]}, "'risk engine' must be 1 to 128"),
        ({"data_plane_streams": [{"name": "quotes", "consumers": ["risk", "risk"]}]}, "names a consumer twice"),
        ({"data_plane_name": "t" * 64, "data_plane_streams": [{"name": "q" * 64}]}, "longer than the 128 characters"),
        (
            {"data_plane_ledger_range_key": {"name": "trade_id", "type": "S"}},
            "data_plane_ledger_range_key in environment 'dev': is the partition key 'trade_id' again",
        ),
        (
            {
                "data_plane_ledger_indexes": [
                    {"name": "by_account", "hash_key": {"name": "executed_at", "type": "S"}, "projection": "ALL"}
                ]
            },
            "gives attribute 'executed_at' type S, another key gives it N",
        ),
        (
            {"data_plane_ledger_indexes": [{"name": "ab", "hash_key": {"name": "a", "type": "S"}}]},
            "data_plane_ledger_indexes[0].name in environment 'dev': 'ab' must be 3 to 255",
        ),
        (
            {
                "data_plane_ledger_indexes": [
                    {"name": "by_symbol", "hash_key": {"name": "symbol", "type": "S"}, "projection": "INCLUDE"}
                ]
            },
            "projection INCLUDE needs the attributes it copies",
        ),
        (
            {
                "data_plane_ledger_indexes": [
                    {
                        "name": "by_symbol",
                        "hash_key": {"name": "symbol", "type": "S"},
                        "projection": "KEYS_ONLY",
                        "non_key_attributes": ["price"],
                    }
                ]
            },
            "is only taken with projection INCLUDE, not KEYS_ONLY",
        ),
        (
            {
                "data_plane_ledger_indexes": [
                    {"name": f"index{i}", "hash_key": {"name": f"a{i}", "type": "S"}} for i in range(21)
                ]
            },
            "lists 21 indexes; DynamoDB takes 20",
        ),
        (
            {
                "data_plane_ledger_indexes": [
                    {
                        "name": f"index{i}",
                        "hash_key": {"name": "symbol", "type": "S"},
                        "projection": "INCLUDE",
                        "non_key_attributes": [f"x{i}-{j}" for j in range(51)],
                    }
                    for i in range(2)
                ]
            },
            "project 102 non-key attributes; DynamoDB takes 100",
        ),
        (
            {"data_plane_access": [{"namespace": "risk", "name": "risk", "write_streams": ["orders"]}]},
            "data_plane_access[risk/risk].write_streams in environment 'dev': orders: not a feed of data_plane_streams",
        ),
        (
            {"data_plane_access": [{"namespace": "Risk", "name": "risk"}]},
            "is not a Kubernetes namespace and service account name",
        ),
        (
            {"data_plane_access": [{"namespace": "risk", "name": "risk"}, {"namespace": "risk", "name": "risk"}]},
            "names the service account risk/risk twice",
        ),
        (
            {
                "data_plane_ledger_enabled": False,
                "data_plane_access": [{"namespace": "a", "name": "b", "ledger": "read"}],
            },
            "data_plane_access[a/b].ledger in environment 'dev': is read but data_plane_ledger_enabled is false",
        ),
    ],
)
def test_each_bad_input_is_named_with_its_environment(overrides, fragment):
    errors = data_plane_validation_errors(inputs(**overrides))
    assert any(fragment in e for e in errors), errors


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (
            {"data_plane_ledger_deletion_protection": False},
            "data_plane_ledger_deletion_protection in environment 'prod': is False; production needs true",
        ),
        ({"data_plane_ledger_point_in_time_recovery": False}, "data_plane_ledger_point_in_time_recovery"),
        (
            {
                "data_plane_streams": [
                    {"name": "quotes", "retention_hours": 24},
                    {"name": "trades", "retention_hours": 168},
                ]
            },
            "data_plane_streams[quotes].retention_hours in environment 'prod': 24: production keeps market data",
        ),
    ],
)
def test_prod_invariants(overrides, fragment):
    prod = yaml.safe_load((REPO / "inventories" / "prod" / "group_vars" / "all" / "data_plane.yml").read_text())
    errors = data_plane_validation_errors(inputs("prod", **dict(prod, **overrides)))
    assert any(fragment in e for e in errors), errors
    # The same inputs outside production pass.
    assert data_plane_validation_errors(inputs("dev", **dict(prod, **overrides))) == []


def test_the_streams_and_the_ledger_are_alarmed_on_lag_throttles_and_system_errors():
    thresholds = {
        "kinesis_iterator_age_ms": 60000,
        "kinesis_throttled_records": 0,
        "dynamodb_throttle_events": 0,
        "dynamodb_system_errors": 0,
    }
    resources = {
        "kinesis_streams": [{"name": "trading-dev-quotes"}],
        "dynamodb_tables": [{"name": "trading-dev-ledger"}],
    }
    alarms = {a["name"]: a for a in compliance_alarms(resources, thresholds, "trading-dev")}
    assert sorted(alarms) == [
        "trading-dev-dynamodb-read-throttles-ledger",
        "trading-dev-dynamodb-system-errors-ledger",
        "trading-dev-dynamodb-write-throttles-ledger",
        "trading-dev-kinesis-iterator-age-quotes",
        "trading-dev-kinesis-read-throttles-quotes",
        "trading-dev-kinesis-write-throttles-quotes",
    ]
    age = alarms["trading-dev-kinesis-iterator-age-quotes"]
    assert (age["metric_name"], age["statistic"], age["threshold"]) == (
        "GetRecords.IteratorAgeMilliseconds",
        "Maximum",
        60000,
    )
    assert age["dimensions"] == [{"Name": "StreamName", "Value": "trading-dev-quotes"}]
    write = alarms["trading-dev-kinesis-write-throttles-quotes"]
    assert (write["metric_name"], write["statistic"], write["comparison_operator"]) == (
        "WriteProvisionedThroughputExceeded",
        "Sum",
        "GreaterThanThreshold",
    )
    errors = alarms["trading-dev-dynamodb-system-errors-ledger"]
    stats = [m for m in errors["metrics"] if "MetricStat" in m]
    # SystemErrors is reported by table and operation: the alarm sums the operations, 10 metrics at most.
    assert len(errors["metrics"]) <= 10 and {m["MetricStat"]["Metric"]["MetricName"] for m in stats} == {"SystemErrors"}
    assert all(
        {"Name": "TableName", "Value": "trading-dev-ledger"} in m["MetricStat"]["Metric"]["Dimensions"] for m in stats
    )
    assert {"PutItem", "Query", "TransactWriteItems"} <= {
        d["Value"] for m in stats for d in m["MetricStat"]["Metric"]["Dimensions"] if d["Name"] == "Operation"
    }


ARCHIVE_CTX = dict(
    CTX,
    access_logs_days=365,
    object_lock={"mode": "COMPLIANCE", "years": 7},
    glacier_ir_days=90,
    deep_archive_days=365,
    buffer_mb=128,
    buffer_seconds=900,
    crawler_schedule="cron(15 2 * * ? *)",
    cutoff=10737418240,
    archive="trading-dev-archive-123456789012",
    logs="trading-dev-archive-logs-123456789012",
    results="trading-dev-athena-results-123456789012",
    delivery_role="trading-dev-archive-delivery",
    crawler_role="trading-dev-archive-crawler",
    database="trading_dev_market_data",
    workgroup="trading-dev-analytics",
)


def test_the_archive_is_locked_tiered_encrypted_tls_only_and_logged_and_each_feed_is_delivered_by_date():
    archive = data_plane_archive(ARCHIVE_CTX)
    logs, bucket, results = archive["buckets"]
    # The logs bucket first: the archive's logging names it, and S3 checks that it exists.
    assert logs["name"] == "trading-dev-archive-logs-123456789012" and "object_lock" not in logs
    delivery = logs["policy"]["Statement"][0]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:s3:::trading-dev-archive-123456789012"}
    assert bucket["object_lock"] == {"mode": "COMPLIANCE", "years": 7} and bucket["versioning"] is True
    assert bucket["encryption"] == "aws:kms"
    assert bucket["encryption_key_id"] == "arn:aws:kms:us-east-1:123456789012:alias/trading-dev-data"
    assert [t["storage_class"] for t in bucket["lifecycle_rules"][0]["transitions"]] == ["GLACIER_IR", "DEEP_ARCHIVE"]
    assert bucket["logging"]["target_bucket"] == logs["name"]
    for one in archive["buckets"]:
        assert all(one["public_access"].values()) and len(one["public_access"]) == 4
        deny = one["policy"]["Statement"][-1]
        assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert results["lifecycle_rules"][0]["expiration_days"] == 30
    quotes, trades = archive["delivery_streams"]
    assert quotes["name"] == "trading-dev-quotes-archive"
    assert quotes["source_stream_arn"] == "arn:aws:kinesis:us-east-1:123456789012:stream/trading-dev-quotes"
    assert quotes["prefix"] == "market-data/feed=quotes/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
    assert "!{firehose:error-output-type}" in quotes["error_output_prefix"]
    assert (quotes["buffering_size_mb"], quotes["buffering_interval_s"]) == (128, 900)
    assert trades["prefix"].startswith("market-data/feed=trades/")
    role, crawler_role = archive["roles"]
    assert role["assume_role_policy"]["Statement"][0]["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert role["assume_role_policy"]["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"}
    }
    reads = role["inline_policies"]["deliver"]["Statement"][0]
    assert reads["Resource"] == [quotes["source_stream_arn"], trades["source_stream_arn"]]
    writes = role["inline_policies"]["deliver"]["Statement"][1]
    assert (
        "s3:DeleteObject" not in writes["Action"]
        and f"arn:aws:s3:::{ARCHIVE_CTX['archive']}/market-data/*" in writes["Resource"]
    )
    assert crawler_role["assume_role_policy"]["Statement"][0]["Principal"] == {"Service": "glue.amazonaws.com"}
    [crawler] = archive["crawlers"]
    assert crawler["s3_targets"] == ["s3://trading-dev-archive-123456789012/market-data/"]
    assert crawler["database"] == archive["glue_database"]["name"] == "trading_dev_market_data"
    [workgroup] = archive["athena_workgroups"]
    assert workgroup["output_location"] == "s3://trading-dev-athena-results-123456789012/athena/"
    assert workgroup["enforce_workgroup_configuration"] is True and workgroup["bytes_scanned_cutoff"] == 10737418240
    # Without a schedule the crawler runs on demand only.
    assert "schedule" not in data_plane_archive(dict(ARCHIVE_CTX, crawler_schedule=None))["crawlers"][0]


@pytest.mark.parametrize(
    ("env", "overrides", "fragment"),
    [
        (
            "dev",
            {"data_plane_archive_object_lock": {"mode": "GOVERNANCE"}},
            "mode GOVERNANCE takes one of days or years",
        ),
        ("dev", {"data_plane_archive_object_lock": {"days": 30}}, "a retention period needs a mode"),
        ("dev", {"data_plane_archive_object_lock": {"mode": "COMPLIANCE", "days": 0}}, "days 0 must be a positive"),
        (
            "prod",
            {"data_plane_archive_object_lock": {"mode": "GOVERNANCE", "years": 7}},
            "data_plane_archive_object_lock in environment 'prod': is {'mode': 'GOVERNANCE', 'years': 7}; production "
            "needs mode COMPLIANCE",
        ),
        ("prod", {"data_plane_archive_object_lock": {}}, "production needs mode COMPLIANCE with a retention period"),
        (
            "dev",
            {"data_plane_archive_deep_archive_days": 90},
            "data_plane_archive_deep_archive_days in environment 'dev': 90 must be later than",
        ),
        ("dev", {"data_plane_archive_buffer_mb": 129}, "129 must be 1 to 128 (Firehose's buffering hints)"),
        ("dev", {"data_plane_archive_buffer_seconds": 901}, "901 must be 0 to 900"),
        ("dev", {"data_plane_athena_bytes_scanned_cutoff": 9999999}, "Athena takes a per-query limit of 10000000"),
        ("dev", {"data_plane_archive_crawler_schedule": "daily"}, "'daily' must be a Glue cron expression"),
    ],
)
def test_the_archives_bad_inputs_are_named_with_their_environment(env, overrides, fragment):
    shipped = yaml.safe_load((REPO / "inventories" / env / "group_vars" / "all" / "data_plane.yml").read_text())
    errors = data_plane_validation_errors(inputs(env, **dict(shipped, **overrides)))
    assert any(fragment in e for e in errors), errors
    # The archive off, none of its inputs is read.
    assert not any(
        "archive" in e
        for e in data_plane_validation_errors(
            inputs(env, **dict(shipped, **overrides, data_plane_archive_enabled=False))
        )
    )
