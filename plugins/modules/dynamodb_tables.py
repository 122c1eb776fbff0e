#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: dynamodb_tables
short_description: DynamoDB tables (keys, indexes, encryption, point-in-time recovery, streams, deletion protection)
version_added: 1.0.0
description:
  - Creates the DynamoDB tables listed, and brings each one's indexes, KMS key, stream, table class, deletion
    protection, point-in-time recovery, contributor insights and tags to what is asked, in place. All the tables
    are reconciled in one invocation; a table that needs no change costs four reads (DescribeTable,
    DescribeContinuousBackups, DescribeContributorInsights, ListTagsOfResource) and no write.
  - Replaces M(community.aws.dynamodb_table) for the trade ledger, which cannot turn on point-in-time
    recovery, streams or deletion protection.
  - A table's key schema cannot change in place; a change of it is refused (it needs a new table), never made by
    deleting and re-creating the table. An index whose keys or projection change is refused the same way (give
    the new index another name; the old one is then deleted and the new one created).
  - A stream's view type cannot change while the stream is enabled; the module disables the stream, waits for
    the table, and enables it with the new view type (the table has no stream between the two calls).
  - Global secondary indexes are created and deleted one per UpdateTable call, waiting for each, as DynamoDB
    requires.
  - With O(state=absent) deletes the tables listed that exist. A table with deletion protection on is refused,
    named in the message, before any table is deleted; the module never turns protection off.
  - The input is checked before any AWS call (names, duplicate tables or indexes, attribute types, index count).
  - Supports check mode (no write) and diff mode (before and after of each table that changes).
author:
  - 99Tech platform engineering (@99tech)
options:
  tables:
    description: The tables, each one a dict.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Table name (3 to 255 of letters, digits, C(_), C(-) and C(.)).
        type: str
        required: true
      hash_key:
        description:
          - The partition key. Required with O(state=present).
          - Cannot change once the table exists.
        type: dict
        suboptions:
          name:
            description: Attribute name.
            type: str
            required: true
          type:
            description: Attribute type (C(S) string, C(N) number, C(B) binary).
            type: str
            required: true
            choices: [S, N, B]
      range_key:
        description:
          - The sort key, if the table has one.
          - Cannot change once the table exists.
        type: dict
        suboptions:
          name:
            description: Attribute name.
            type: str
            required: true
          type:
            description: Attribute type (C(S) string, C(N) number, C(B) binary).
            type: str
            required: true
            choices: [S, N, B]
      global_indexes:
        description:
          - The global secondary indexes of the table (at most 20). Indexes the table has that are not listed are
            deleted; an empty list deletes them all.
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: Index name (3 to 255 of letters, digits, C(_), C(-) and C(.)).
            type: str
            required: true
          hash_key:
            description: The index's partition key.
            type: dict
            required: true
            suboptions:
              name:
                description: Attribute name.
                type: str
                required: true
              type:
                description: Attribute type.
                type: str
                required: true
                choices: [S, N, B]
          range_key:
            description: The index's sort key, if it has one.
            type: dict
            suboptions:
              name:
                description: Attribute name.
                type: str
                required: true
              type:
                description: Attribute type.
                type: str
                required: true
                choices: [S, N, B]
          projection:
            description: The attributes copied into the index.
            type: str
            default: ALL
            choices: [ALL, KEYS_ONLY, INCLUDE]
          non_key_attributes:
            description: The attributes copied with O(tables[].global_indexes[].projection=INCLUDE) (only then).
            type: list
            elements: str
      billing_mode:
        description:
          - C(PAY_PER_REQUEST) (on-demand) only. Provisioned capacity is not offered by this module, the ledger is
            on-demand. A provisioned table listed here is switched to on-demand.
        type: str
        default: PAY_PER_REQUEST
        choices: [PAY_PER_REQUEST]
      kms_key_id:
        description:
          - A customer managed KMS key (ARN, key id, alias name or alias ARN) that encrypts the table.
            A key ARN keeps a run that changes nothing at four reads per table; any other form costs one KMS
            DescribeKey per key and run. A key that does not exist fails the task before any write; in check mode
            (a plan of a run that creates the key first) the table is planned with the key as named.
          - Omitted, the table is encrypted with the AWS owned key (and a table encrypted with a KMS key is
            switched back to it).
        type: str
      point_in_time_recovery:
        description: Whether point-in-time recovery (continuous backups) is on.
        type: bool
        default: true
      deletion_protection:
        description: Whether the table is protected against deletion.
        type: bool
        default: false
      stream:
        description:
          - The view type of the table's DynamoDB stream, one of C(NEW_AND_OLD_IMAGES), C(NEW_IMAGE), C(OLD_IMAGE)
            and C(KEYS_ONLY); omitted or null, the table has no stream.
          - A change of view type disables the stream and enables a new one (a new stream ARN).
        type: str
      contributor_insights:
        description: Whether CloudWatch Contributor Insights is on for the table.
        type: bool
        default: false
      table_class:
        description: The table class.
        type: str
        default: STANDARD
        choices: [STANDARD, STANDARD_INFREQUENT_ACCESS]
  tags:
    description:
      - Tags every table listed carries (O(purge_tags) decides whether others are removed).
      - Omitted leaves the tables' tags alone.
    type: dict
    aliases: ['resource_tags']
  purge_tags:
    description: Remove the tags of a table that are not in O(tags).
    type: bool
    default: true
  state:
    description: Whether the tables listed should exist.
    type: str
    default: present
    choices: [present, absent]
  wait:
    description:
      - Wait until every table (and its indexes) is C(ACTIVE), or gone with O(state=absent).
      - The module always waits between changes DynamoDB makes one at a time (a new table before its backups, one
        index before the next, a disabled stream before the new one), whatever this says.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for each table, at most.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The trade ledger, on-demand, encrypted with the data tier's key, protected and streamed
  ninetynine.trading_infra.dynamodb_tables:
    tables:
      - name: trading-prod-ledger
        hash_key: {name: trade_id, type: S}
        range_key: {name: executed_at, type: N}
        global_indexes:
          - name: by_account
            hash_key: {name: account_id, type: S}
            range_key: {name: executed_at, type: N}
            projection: INCLUDE
            non_key_attributes: [symbol, quantity, price]
        kms_key_id: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
        point_in_time_recovery: true
        deletion_protection: true
        stream: NEW_AND_OLD_IMAGES
    tags:
      Project: trading
      Environment: prod

- name: Delete a dev ledger (refused while its deletion protection is on)
  ninetynine.trading_infra.dynamodb_tables:
    tables:
      - name: trading-dev-ledger
    state: absent
"""

RETURN = r"""
tables:
  description: The tables listed as they are after the run (as they would be, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Table name.
      type: str
      sample: trading-prod-ledger
    arn:
      description: ARN of the table (null in check mode before it exists, and with O(state=absent)).
      type: str
      sample: arn:aws:dynamodb:us-east-1:123456789012:table/trading-prod-ledger
    stream_arn:
      description: ARN of the table's stream (null when it has none, or before it exists).
      type: str
    billing_mode:
      description: The billing mode, V(PAY_PER_REQUEST).
      type: str
    kms_key_arn:
      description: ARN of the customer managed KMS key (null with the AWS owned key).
      type: str
    table_class:
      description: The table class.
      type: str
    point_in_time_recovery:
      description: Whether point-in-time recovery is on.
      type: bool
    deletion_protection:
      description: Whether deletion protection is on.
      type: bool
    stream:
      description: The stream's view type (null when the table has no stream).
      type: str
    contributor_insights:
      description: Whether contributor insights is on.
      type: bool
    global_indexes:
      description: Names of the table's global secondary indexes.
      type: list
      elements: str
    tags:
      description: The table's tags.
      type: dict
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["turn on point-in-time recovery of trading-prod-ledger"]
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and the
      changes it gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, always V(DynamoDB table).
      type: str
    name:
      description: The table's name.
      type: str
    action:
      description: What happens to it.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets (entries of RV(actions)).
      type: list
      elements: str
  sample:
    - kind: DynamoDB table
      name: trading-prod-ledger
      action: change
      changes:
        - turn on point-in-time recovery of trading-prod-ledger
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Refused
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import run
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.waiters import wait_settled

KIND = "DynamoDB table"
NAME_RE = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
KEY_ARN_RE = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/.+$")
STREAM_VIEWS = ("NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY")
MAX_INDEXES = 20  # global secondary indexes per table (DynamoDB quota, the default)
# States a table does not leave by waiting.
STUCK = ("INACCESSIBLE_ENCRYPTION_CREDENTIALS", "ARCHIVING", "ARCHIVED")


def key_schema(hash_key: dict, range_key: dict | None) -> list:
    schema = [{"AttributeName": hash_key["name"], "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key["name"], "KeyType": "RANGE"})
    return schema


def keys_of(spec: dict) -> list:
    return [k for k in (spec.get("hash_key"), spec.get("range_key")) if k]


def validate(tables: list, state: str) -> None:
    """What DynamoDB would refuse, refused here first, with the table's name."""
    names = [t["name"] for t in tables]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise Refused(f"tables lists {', '.join(duplicates)} more than once")
    for spec in tables:
        name = spec["name"]
        if not NAME_RE.match(name):
            raise Refused(f"table name {name!r} must be 3 to 255 of letters, digits, '_', '-' and '.'")
        if state == "absent":
            continue
        if not spec.get("hash_key"):
            raise Refused(f"table {name}: hash_key is required with state=present")
        if spec.get("stream") not in (None, *STREAM_VIEWS):
            raise Refused(f"table {name}: stream {spec['stream']!r} is none of {', '.join(STREAM_VIEWS)} (or null)")
        if spec.get("range_key") and spec["range_key"]["name"] == spec["hash_key"]["name"]:
            raise Refused(f"table {name}: hash_key and range_key are the same attribute {spec['hash_key']['name']}")
        indexes = spec.get("global_indexes") or []
        if len(indexes) > MAX_INDEXES:
            raise Refused(f"table {name}: {len(indexes)} global indexes, DynamoDB allows at most {MAX_INDEXES}")
        index_names = [i["name"] for i in indexes]
        twice = sorted({n for n in index_names if index_names.count(n) > 1})
        if twice:
            raise Refused(f"table {name}: global index {', '.join(twice)} listed more than once")
        types: dict = {}
        for owner, keyed in [(f"table {name}", spec)] + [(f"index {i['name']} of {name}", i) for i in indexes]:
            for key in keys_of(keyed):
                if types.setdefault(key["name"], key["type"]) != key["type"]:
                    raise Refused(
                        f"table {name}: attribute {key['name']} is defined as {types[key['name']]} and, in "
                        f"{owner}, as {key['type']}: a key attribute has one type"
                    )
        for index in indexes:
            if not NAME_RE.match(index["name"]):
                raise Refused(
                    f"table {name}: index name {index['name']!r} must be 3 to 255 of letters, digits, '_', '-' and '.'"
                )
            if index.get("range_key") and index["range_key"]["name"] == index["hash_key"]["name"]:
                raise Refused(f"index {index['name']} of {name}: hash_key and range_key are the same attribute")
            if index["projection"] == "INCLUDE" and not index.get("non_key_attributes"):
                raise Refused(f"index {index['name']} of {name}: projection INCLUDE needs non_key_attributes")
            if index["projection"] != "INCLUDE" and index.get("non_key_attributes"):
                raise Refused(
                    f"index {index['name']} of {name}: non_key_attributes go only with projection INCLUDE "
                    f"(not {index['projection']})"
                )


def attribute_definitions(spec: dict, indexes: list) -> list:
    """The attributes of the table's keys and of ``indexes``' keys, each once."""
    types: dict = {}
    for keyed in [spec, *indexes]:
        for key in keys_of(keyed):
            types.setdefault(key["name"], key["type"])
    return [{"AttributeName": n, "AttributeType": t} for n, t in types.items()]


def projection(index: dict) -> dict:
    wanted = {"ProjectionType": index["projection"]}
    if index["projection"] == "INCLUDE":
        wanted["NonKeyAttributes"] = list(index["non_key_attributes"])
    return wanted


def index_definition(index: dict) -> dict:
    return {
        "IndexName": index["name"],
        "KeySchema": key_schema(index["hash_key"], index.get("range_key")),
        "Projection": projection(index),
    }


def typed_keys(schema: list, definitions: list) -> list:
    """A described key schema as (name, key type, attribute type) triples."""
    types = {a["AttributeName"]: a["AttributeType"] for a in definitions or []}
    return [(k["AttributeName"], k["KeyType"], types.get(k["AttributeName"])) for k in schema]


def wanted_keys(hash_key: dict, range_key: dict | None) -> list:
    keys = [(hash_key["name"], "HASH", hash_key["type"])]
    if range_key:
        keys.append((range_key["name"], "RANGE", range_key["type"]))
    return keys


def describe_keys(keys: list) -> str:
    return ", ".join(f"{name} {kind} {kind_type}" for name, kind, kind_type in keys)


def live_indexes(table: dict) -> dict:
    return {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes") or [] if i.get("IndexStatus") != "DELETING"}


def check_existing(spec: dict, table: dict) -> None:
    """Refuse what cannot change in place: the table's keys, an index's keys or projection."""
    name = spec["name"]
    definitions = table.get("AttributeDefinitions")
    have = typed_keys(table["KeySchema"], definitions)
    want = wanted_keys(spec["hash_key"], spec.get("range_key"))
    if have != want:
        raise Refused(
            f"table {name}: its key schema is {describe_keys(have)}, asked {describe_keys(want)}. A key schema "
            "cannot change: that needs a new table (and a copy of the items); nothing was changed"
        )
    current = live_indexes(table)
    for index in spec["global_indexes"]:
        existing = current.get(index["name"])
        if existing is None:
            continue
        have = typed_keys(existing["KeySchema"], definitions)
        want = wanted_keys(index["hash_key"], index.get("range_key"))
        have_projection = existing.get("Projection") or {}
        same_projection = have_projection.get("ProjectionType") == index["projection"] and sorted(
            have_projection.get("NonKeyAttributes") or []
        ) == sorted(index.get("non_key_attributes") or [])
        if have != want or not same_projection:
            raise Refused(
                f"index {index['name']} of {name}: its keys or projection differ from those asked, and cannot change "
                "in place; give the new index another name (the old one is then deleted); nothing was changed"
            )


class Tables:
    """The calls, waits and reads of one run, shared by the tables it reconciles."""

    def __init__(self, module, client, plan: Plan) -> None:
        self.module = module
        self.client = client
        self.plan = plan
        self.timeout = module.params["wait_timeout"]

    def describe(self, name: str) -> dict | None:
        try:
            return self.client.describe_table(TableName=name, aws_retry=True)["Table"]
        except is_boto3_error_code("ResourceNotFoundException"):
            return None

    def settle(self, name: str, gone: bool = False) -> dict | None:
        """Wait until the table and its indexes are ACTIVE (or the table is gone); the last description."""
        if self.plan.check_mode:
            return None

        def active(table):
            indexes = table.get("GlobalSecondaryIndexes") or []
            return table["TableStatus"] == "ACTIVE" and all(i.get("IndexStatus") == "ACTIVE" for i in indexes)

        def failed(table):
            status = table.get("TableStatus")
            return f"the table is {status}" if status in STUCK else None

        what = f"DynamoDB table {name} " + ("deletion" if gone else "to become ACTIVE")
        return wait_settled(
            self.module, lambda: self.describe(name), active, what, self.timeout, gone, failed, self.plan
        )

    def update(self, description: str, name: str, **kwargs):
        answer = self.plan.do(description, self.client.update_table, TableName=name, aws_retry=True, **kwargs)
        return (answer or {}).get("TableDescription")


def stream_of(table: dict | None) -> str | None:
    spec = (table or {}).get("StreamSpecification") or {}
    return spec.get("StreamViewType") if spec.get("StreamEnabled") else None


def key_arn_of(table: dict | None) -> str | None:
    sse = (table or {}).get("SSEDescription") or {}
    return sse.get("KMSMasterKeyArn") if sse.get("Status") in ("ENABLED", "ENABLING", "UPDATING") else None


def class_of(table: dict | None) -> str:
    return ((table or {}).get("TableClassSummary") or {}).get("TableClass") or "STANDARD"


def billing_of(table: dict | None) -> str:
    return ((table or {}).get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"


def state_of(table: dict, pitr: bool, insights: bool, tags: dict) -> dict:
    return {
        "billing_mode": billing_of(table),
        "kms_key_arn": key_arn_of(table),
        "table_class": class_of(table),
        "point_in_time_recovery": pitr,
        "deletion_protection": bool(table.get("DeletionProtectionEnabled")),
        "stream": stream_of(table),
        "contributor_insights": insights,
        "global_indexes": sorted(live_indexes(table)),
        "tags": tags,
    }


def read_settings(client, table: dict) -> tuple:
    """Point-in-time recovery, contributor insights and tags of an existing table: three reads."""
    name = table["TableName"]
    backups = client.describe_continuous_backups(TableName=name, aws_retry=True)["ContinuousBackupsDescription"]
    pitr = (backups.get("PointInTimeRecoveryDescription") or {}).get("PointInTimeRecoveryStatus") == "ENABLED"
    insights = client.describe_contributor_insights(TableName=name, aws_retry=True)
    insights_on = insights.get("ContributorInsightsStatus") in ("ENABLED", "ENABLING")
    tags = paginate(client, "list_tags_of_resource", "Tags", ResourceArn=table["TableArn"])
    return pitr, insights_on, {t["Key"]: t["Value"] for t in tags}


def create(run: Tables, spec: dict, key_arn: str | None, tags: dict | None) -> tuple:
    name = spec["name"]
    request = {
        "TableName": name,
        "AttributeDefinitions": attribute_definitions(spec, spec["global_indexes"]),
        "KeySchema": key_schema(spec["hash_key"], spec.get("range_key")),
        "BillingMode": spec["billing_mode"],
        "DeletionProtectionEnabled": spec["deletion_protection"],
        "TableClass": spec["table_class"],
    }
    if spec["global_indexes"]:
        request["GlobalSecondaryIndexes"] = [index_definition(i) for i in spec["global_indexes"]]
    if key_arn:
        request["SSESpecification"] = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key_arn}
    if spec["stream"]:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec["stream"]}
    if tags:
        request["Tags"] = tag_list(tags)
    answer = run.plan.do(f"create {KIND} {name}", run.client.create_table, aws_retry=True, **request)
    table = (answer or {}).get("TableDescription")
    follow_up = spec["point_in_time_recovery"] or spec["contributor_insights"]
    if follow_up or run.module.params["wait"]:
        table = run.settle(name) or table
    if spec["point_in_time_recovery"]:
        run.plan.do(
            f"turn on point-in-time recovery of {name}",
            run.client.update_continuous_backups,
            TableName=name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            aws_retry=True,
        )
    if spec["contributor_insights"]:
        run.plan.do(
            f"turn on contributor insights of {name}",
            run.client.update_contributor_insights,
            TableName=name,
            ContributorInsightsAction="ENABLE",
            aws_retry=True,
        )
    return table, dict(tags or {})


def change(run: Tables, spec: dict, table: dict, key_arn: str | None, tags: dict | None, purge: bool) -> tuple:
    """Bring an existing table to ``spec``; returns its state before, its last description and its tags."""
    name, plan = spec["name"], run.plan
    pitr, insights, current_tags = read_settings(run.client, table)
    before = state_of(table, pitr, insights, current_tags)
    latest = table

    def updated(description, **kwargs):
        nonlocal latest
        answer = run.update(description, name, **kwargs)
        latest = answer or latest
        return answer

    def settle():
        nonlocal latest
        latest = run.settle(name) or latest

    if bool(table.get("DeletionProtectionEnabled")) != spec["deletion_protection"]:
        on = spec["deletion_protection"]
        updated(f"turn {'on' if on else 'off'} deletion protection of {name}", DeletionProtectionEnabled=on)
    if billing_of(table) != spec["billing_mode"]:
        updated(f"switch {name} to on-demand billing (was {billing_of(table)})", BillingMode=spec["billing_mode"])
        settle()
    if class_of(table) != spec["table_class"]:
        updated(
            f"set the table class of {name} to {spec['table_class']} (was {class_of(table)})",
            TableClass=spec["table_class"],
        )
        settle()
    if key_arn_of(table) != key_arn:
        if key_arn:
            sse = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key_arn}
            updated(f"encrypt {name} with {key_arn}", SSESpecification=sse)
        else:
            updated(
                f"encrypt {name} with the AWS owned key (was {key_arn_of(table)})", SSESpecification={"Enabled": False}
            )
        settle()
    have_stream, want_stream = stream_of(table), spec["stream"]
    if have_stream != want_stream:
        if have_stream:
            why = f" to change its view type to {want_stream}" if want_stream else ""
            updated(
                f"turn off the stream of {name} (was {have_stream}){why}", StreamSpecification={"StreamEnabled": False}
            )
            settle()  # DynamoDB enables a stream only on a table whose stream is disabled
        if want_stream:
            stream = {"StreamEnabled": True, "StreamViewType": want_stream}
            updated(f"turn on the stream of {name} ({want_stream})", StreamSpecification=stream)
            settle()
    current = live_indexes(table)
    wanted = {i["name"]: i for i in spec["global_indexes"]}
    # One index per UpdateTable, each waited for: deletes first, so that the quota has room for the new ones.
    for index_name in sorted(set(current) - set(wanted)):
        updated(
            f"delete index {index_name} of {name}", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": index_name}}]
        )
        settle()
    kept = [i for n, i in wanted.items() if n in current]
    for index in [i for n, i in wanted.items() if n not in current]:
        kept.append(index)
        updated(
            f"create index {index['name']} of {name}",
            AttributeDefinitions=attribute_definitions(spec, kept),
            GlobalSecondaryIndexUpdates=[{"Create": index_definition(index)}],
        )
        settle()
    if pitr != spec["point_in_time_recovery"]:
        on = spec["point_in_time_recovery"]
        plan.do(
            f"turn {'on' if on else 'off'} point-in-time recovery of {name}",
            run.client.update_continuous_backups,
            TableName=name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": on},
            aws_retry=True,
        )
    if insights != spec["contributor_insights"]:
        on = spec["contributor_insights"]
        plan.do(
            f"turn {'on' if on else 'off'} contributor insights of {name}",
            run.client.update_contributor_insights,
            TableName=name,
            ContributorInsightsAction="ENABLE" if on else "DISABLE",
            aws_retry=True,
        )
    after_tags = current_tags
    if tags is not None:
        arn = table["TableArn"]
        after_tags = plan_tags(
            plan,
            f"{KIND} {name}",
            current_tags,
            tags,
            purge,
            lambda t: run.client.tag_resource(ResourceArn=arn, Tags=tag_list(t), aws_retry=True),
            lambda keys: run.client.untag_resource(ResourceArn=arn, TagKeys=keys, aws_retry=True),
        )
    return before, latest, after_tags


def result_of(spec: dict, table: dict | None, key_arn: str | None, tags: dict) -> dict:
    """The table as the run leaves it: what was asked, with the ARNs AWS gave (none in check mode)."""
    stream_arn = (table or {}).get("LatestStreamArn") if spec["stream"] and stream_of(table) == spec["stream"] else None
    return {
        "name": spec["name"],
        "arn": (table or {}).get("TableArn"),
        "stream_arn": stream_arn,
        "billing_mode": spec["billing_mode"],
        "kms_key_arn": key_arn,
        "table_class": spec["table_class"],
        "point_in_time_recovery": spec["point_in_time_recovery"],
        "deletion_protection": spec["deletion_protection"],
        "stream": spec["stream"],
        "contributor_insights": spec["contributor_insights"],
        "global_indexes": sorted(i["name"] for i in spec["global_indexes"]),
        "tags": tags,
    }


def resolve_keys(module, tables: list) -> dict:
    """kms_key_id -> key ARN: an ARN as it is, any other form through KMS (one DescribeKey per key)."""
    resolved = {}
    kms = None
    for spec in tables:
        key = spec.get("kms_key_id")
        if not key or key in resolved:
            continue
        if KEY_ARN_RE.match(key):
            resolved[key] = key
            continue
        kms = kms or module.client("kms", retry_decorator=retry_decorator())
        try:
            resolved[key] = kms.describe_key(KeyId=key, aws_retry=True)["KeyMetadata"]["Arn"]
        except is_boto3_error_code("NotFoundException"):
            if module.check_mode:
                # A plan of a run that creates the key first (the data tier's, on an empty account): the
                # table is planned with the key as named; a real run without the key fails here.
                resolved[key] = key
                continue
            raise Refused(f"table {spec['name']}: the KMS key {key} does not exist") from None
    return resolved


def absent(run: Tables, names: list, wait: bool) -> tuple:
    plan = run.plan
    found = {name: run.describe(name) for name in names}
    protected = [n for n, t in found.items() if t is not None and t.get("DeletionProtectionEnabled")]
    if protected:
        raise Refused(
            f"{KIND} {', '.join(protected)} has deletion protection on and is not deleted (nor any other table "
            "listed); turn deletion_protection off first (state=present, deletion_protection: false)"
        )
    before, results = {}, []
    for name in names:
        table = found[name]
        if table is not None:
            before[name] = {"arn": table["TableArn"], "global_indexes": sorted(live_indexes(table))}
            plan.about(KIND, name, wanted=False)
            plan.do(f"delete {KIND} {name}", run.client.delete_table, TableName=name, aws_retry=True)
        results.append({"name": name, "arn": None, "stream_arn": None, "tags": {}})
    if wait:
        for name in names:
            if found[name] is not None:
                run.settle(name, gone=True)
    return before, results


KEY_OPTIONS = dict(
    name=dict(type="str", required=True),
    type=dict(type="str", required=True, choices=["S", "N", "B"]),
)


def main():
    argument_spec = dict(
        tables=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                hash_key=dict(type="dict", options=KEY_OPTIONS, no_log=False),
                range_key=dict(type="dict", options=KEY_OPTIONS, no_log=False),
                global_indexes=dict(
                    type="list",
                    elements="dict",
                    default=[],
                    options=dict(
                        name=dict(type="str", required=True),
                        hash_key=dict(type="dict", required=True, options=KEY_OPTIONS, no_log=False),
                        range_key=dict(type="dict", options=KEY_OPTIONS, no_log=False),
                        projection=dict(type="str", default="ALL", choices=["ALL", "KEYS_ONLY", "INCLUDE"]),
                        non_key_attributes=dict(type="list", elements="str", no_log=False),
                    ),
                ),
                billing_mode=dict(type="str", default="PAY_PER_REQUEST", choices=["PAY_PER_REQUEST"]),
                kms_key_id=dict(type="str", no_log=False),
                point_in_time_recovery=dict(type="bool", default=True),
                deletion_protection=dict(type="bool", default=False),
                # No choices: null (no stream) is a value here, and Ansible checks choices against null too.
                stream=dict(type="str"),
                contributor_insights=dict(type="bool", default=False),
                table_class=dict(type="str", default="STANDARD", choices=["STANDARD", "STANDARD_INFREQUENT_ACCESS"]),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    plan = Plan(module.check_mode)
    try:
        validate(p["tables"], p["state"])
    except Refused as e:
        module.fail_json(msg=str(e), actions=[], resources=[])
    tags = {str(k): str(v) for k, v in p["tags"].items()} if p["tags"] is not None else None
    client = module.client("dynamodb", retry_decorator=retry_decorator())
    tables = Tables(module, client, plan)

    def reconcile():
        if p["state"] == "absent":
            before, results = absent(tables, [t["name"] for t in p["tables"]], p["wait"])
            return before, {}, {"tables": results}
        before, after, results = {}, {}, []
        # Every read and every refusal before the first write: a refused table leaves all the others alone too.
        found = {spec["name"]: tables.describe(spec["name"]) for spec in p["tables"]}
        for spec in p["tables"]:
            if found[spec["name"]] is not None:
                check_existing(spec, found[spec["name"]])
        keys = resolve_keys(module, p["tables"])
        for spec in p["tables"]:
            name, table = spec["name"], found[spec["name"]]
            key_arn = keys.get(spec.get("kms_key_id")) if spec.get("kms_key_id") else None
            plan.about(KIND, name, exists=table is not None)
            done = len(plan.actions)
            if table is None:
                latest, after_tags = create(tables, spec, key_arn, tags)
                was = {}
            else:
                was, latest, after_tags = change(tables, spec, table, key_arn, tags, p["purge_tags"])
            result = result_of(spec, latest, key_arn, after_tags)
            results.append(result)
            if len(plan.actions) > done:
                before[name] = was
                after[name] = {k: v for k, v in result.items() if k not in ("name", "arn", "stream_arn")}
                if p["wait"] and table is not None:
                    tables.settle(name)
        return before, after, {"tables": results}

    # Nothing is rolled back or deleted: what was done is in actions, the tables keep their items.
    run(module, plan, reconcile, "DynamoDB table reconciliation failed (no table was deleted)")


if __name__ == "__main__":
    main()
