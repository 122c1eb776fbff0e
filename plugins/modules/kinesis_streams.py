#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: kinesis_streams
short_description: Kinesis Data Streams (capacity mode, shards, retention, KMS encryption, fan-out consumers, tags)
version_added: 1.0.0
description:
  - Creates the Kinesis data streams listed, and brings each one's capacity mode, shard count, retention, server-side
    encryption, enhanced fan-out consumers and tags to what is asked, in place. All the streams are reconciled in
    one invocation; a stream that needs no change costs three reads (DescribeStreamSummary, ListStreamConsumers,
    ListTagsForStream) beside one ListStreams for them all, and no write.
  - A shard count is changed with UpdateShardCount (uniform scaling), which AWS lets go at most to double or down to
    half the open shard count per call; a larger change is made in steps, waiting for the stream to be ACTIVE
    between them. AWS allows ten scalings a stream per rolling 24 hours; a change that needs more than ten steps is
    refused before any write.
  - A change of capacity mode is made first (UpdateStreamMode); switching to provisioned keeps the stream's open
    shards, then scales them to O(streams[].shard_count).
  - The stream is waited for (ACTIVE) between the changes that AWS makes asynchronously, whatever O(wait) says;
    AWS refuses an update to a stream that is not ACTIVE.
  - With O(state=absent) deletes the streams listed that exist, with their consumers (EnforceConsumerDeletion). It
    never deletes a stream that is not listed, and never deletes anything when a change fails.
  - The input is checked before any AWS call (names, duplicate streams or consumers, modes, shard counts,
    retention, consumer count).
  - Supports check mode (no write) and diff mode (before and after of each stream that changes).
author:
  - 99Tech platform engineering (@99tech)
options:
  streams:
    description: The streams, each one a dict.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Stream name (1 to 128 of letters, digits, C(_), C(.) and C(-)).
        type: str
        required: true
      mode:
        description: Capacity mode.
        type: str
        default: on_demand
        choices: [on_demand, provisioned]
      shard_count:
        description:
          - Number of open shards. Required with O(streams[].mode=provisioned), refused with
            O(streams[].mode=on_demand) (Kinesis manages the shards of an on-demand stream).
        type: int
      retention_hours:
        description: Hours the stream keeps its records, 24 (a day) to 8760 (a year).
        type: int
        default: 24
      kms_key_id:
        description:
          - KMS key that encrypts the stream's records (server-side encryption), given as a key ARN, key id, alias name
            (C(alias/...)), alias ARN, or C(alias/aws/kinesis) for the key Kinesis owns.
          - An empty string turns encryption off. Omitted leaves the stream's encryption as it is.
          - Compared with the key the stream reports as given, so give the same form every run.
        type: str
      consumers:
        description:
          - Names of the enhanced fan-out consumers the stream has, exactly (at most 20; the ones registered and not
            listed are deregistered). Each 1 to 128 of letters, digits, C(_), C(.) and C(-).
          - Omitted leaves the stream's consumers alone; an empty list deregisters them all.
        type: list
        elements: str
  tags:
    description:
      - Tags every stream listed carries (O(purge_tags) decides whether others are removed).
      - Omitted leaves the streams' tags alone.
    type: dict
    aliases: ['resource_tags']
  purge_tags:
    description: Remove the tags of a stream that are not in O(tags).
    type: bool
    default: true
  state:
    description: Whether the streams listed should exist.
    type: str
    default: present
    choices: [present, absent]
  wait:
    description:
      - Wait, after the last change, for the streams to be ACTIVE, the new consumers ACTIVE, and deleted streams gone.
      - The module waits between changes whatever this says (see the description).
    type: bool
    default: true
  wait_timeout:
    description: Seconds each wait lasts at most before the module fails.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Market-data streams, encrypted, with the risk engine and the archiver as fan-out consumers
  ninetynine.trading_infra.kinesis_streams:
    streams:
      - name: trading-prod-ticks
        mode: provisioned
        shard_count: 8
        retention_hours: 168
        kms_key_id: alias/trading-prod-data
        consumers: [risk-engine, archiver]
      - name: trading-prod-orders
        retention_hours: 72
        kms_key_id: alias/trading-prod-data
    tags:
      Project: trading
      Environment: prod
      Component: data_tier
      ManagedBy: ansible

- name: Delete them (and their consumers)
  ninetynine.trading_infra.kinesis_streams:
    streams:
      - name: trading-prod-ticks
      - name: trading-prod-orders
    state: absent
"""

RETURN = r"""
streams:
  description: The streams listed as they are after the run (as they would be, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Stream name.
      type: str
      sample: trading-prod-ticks
    arn:
      description: ARN of the stream (null in check mode before it exists, and with O(state=absent)).
      type: str
      sample: arn:aws:kinesis:us-east-1:123456789012:stream/trading-prod-ticks
    mode:
      description: Capacity mode.
      type: str
      sample: provisioned
    shard_count:
      description: Open shards (null when not known yet, in check mode).
      type: int
      sample: 8
    retention_hours:
      description: Hours the records are kept.
      type: int
      sample: 168
    encryption:
      description: Server-side encryption, V(KMS) or V(NONE).
      type: str
      sample: KMS
    kms_key_id:
      description: The KMS key, as given (null when not encrypted).
      type: str
      sample: alias/trading-prod-data
    consumers:
      description: The enhanced fan-out consumers.
      type: list
      elements: dict
      contains:
        name:
          description: Consumer name.
          type: str
        arn:
          description: Consumer ARN (null in check mode before it is registered).
          type: str
        status:
          description: Consumer status (C(CREATING), C(ACTIVE)); null in check mode before it is registered.
          type: str
    tags:
      description: The stream's tags.
      type: dict
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["scale Kinesis stream trading-prod-ticks from 4 to 8 shards"]
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and the changes it
      gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, V(Kinesis stream) or V(Kinesis consumer).
      type: str
    name:
      description: The stream's name, or C(<stream>/<consumer>) for a consumer.
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
    - kind: Kinesis stream
      name: trading-prod-ticks
      action: change
      changes:
        - scale Kinesis stream trading-prod-ticks from 4 to 8 shards
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
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.waiters import wait_for
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.waiters import wait_settled

STREAM = "Kinesis stream"
CONSUMER = "Kinesis consumer"
NAME_RE = re.compile(r"^[a-zA-Z0-9_.-]{1,128}$")
RETENTION_HOURS = (24, 8760)
CONSUMERS_PER_STREAM = 20  # On-demand Standard and provisioned streams (RegisterStreamConsumer)
SCALINGS_PER_DAY = 10  # UpdateShardCount: "Scale more than ten times per rolling 24-hour period per stream"
TAGS_PER_STREAM = 50  # AddTagsToStream: "You can assign up to 50 tags to a data stream"
CREATING_AT_ONCE = 5  # RegisterStreamConsumer: "you cannot have more than 5 consumers in a CREATING status"
MODES = {"on_demand": "ON_DEMAND", "provisioned": "PROVISIONED"}


def validate(streams: list, state: str, tags: dict | None) -> None:
    names = [s["name"] for s in streams]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise Refused(f"streams lists {', '.join(duplicates)} more than once")
    if tags is not None and len(tags) > TAGS_PER_STREAM and state == "present":
        raise Refused(f"tags has {len(tags)} tags, Kinesis allows {TAGS_PER_STREAM} per stream")
    for spec in streams:
        name = spec["name"]
        if not NAME_RE.match(name):
            raise Refused(f"stream name {name!r} must be 1 to 128 of letters, digits, '_', '.' and '-'")
        if state == "absent":
            continue
        count = spec.get("shard_count")
        if spec["mode"] == "provisioned" and count is None:
            raise Refused(f"stream {name}: shard_count is required with mode provisioned")
        if spec["mode"] == "on_demand" and count is not None:
            raise Refused(
                f"stream {name}: shard_count is not expected with mode on_demand (Kinesis manages its shards)"
            )
        if count is not None and count < 1:
            raise Refused(f"stream {name}: shard_count must be 1 or more (was {count})")
        low, high = RETENTION_HOURS
        if not low <= spec["retention_hours"] <= high:
            raise Refused(f"stream {name}: retention_hours must be {low} to {high} (was {spec['retention_hours']})")
        key = spec.get("kms_key_id")
        if key is not None and len(key) > 2048:
            raise Refused(f"stream {name}: kms_key_id is longer than 2048 characters")
        consumers = spec.get("consumers")
        if consumers is None:
            continue
        bad = [c for c in consumers if not NAME_RE.match(c)]
        if bad:
            raise Refused(f"stream {name}: consumer names {bad} must be 1 to 128 of letters, digits, '_', '.' and '-'")
        twice = sorted({c for c in consumers if consumers.count(c) > 1})
        if twice:
            raise Refused(f"stream {name}: consumers lists {', '.join(twice)} more than once")
        if len(consumers) > CONSUMERS_PER_STREAM:
            raise Refused(
                f"stream {name}: {len(consumers)} consumers, Kinesis allows {CONSUMERS_PER_STREAM} per stream"
            )


def shard_steps(current: int, target: int) -> list:
    """The shard counts UpdateShardCount goes through: each at most double, at least half the one before."""
    steps = []
    while current != target:
        current = min(target, 2 * current) if target > current else max(target, (current + 1) // 2)
        steps.append(current)
    return steps


def read_tags(client, arn: str) -> dict:
    tags, start = {}, None
    while True:
        kwargs = {"StreamARN": arn, "Limit": 50}
        if start:
            kwargs["ExclusiveStartTagKey"] = start
        page = client.list_tags_for_stream(aws_retry=True, **kwargs)
        tags.update({t["Key"]: t.get("Value", "") for t in page.get("Tags", [])})
        if not page.get("HasMoreTags") or not page.get("Tags"):
            return tags
        start = page["Tags"][-1]["Key"]


class Streams:
    """The calls of one run: reads, and waits on a stream until AWS is done with the last change."""

    def __init__(self, module, client, plan: Plan) -> None:
        self.module, self.client, self.plan = module, client, plan
        self.timeout = module.params["wait_timeout"]

    def summary(self, name: str) -> dict | None:
        try:
            return self.client.describe_stream_summary(StreamName=name, aws_retry=True)["StreamDescriptionSummary"]
        except is_boto3_error_code("ResourceNotFoundException"):
            return None

    def read(self, names: list) -> dict:
        """The listed streams that exist: name -> {summary, consumers (by name), tags}."""
        existing = set(paginate(self.client, "list_streams", "StreamNames"))
        found = {}
        for name in names:
            if name not in existing:
                continue
            summary = self.summary(name)
            if summary is None:
                continue
            arn = summary["StreamARN"]
            consumers = paginate(self.client, "list_stream_consumers", "Consumers", StreamARN=arn)
            found[name] = {
                "summary": summary,
                "consumers": {c["ConsumerName"]: c for c in consumers},
                "tags": read_tags(self.client, arn),
            }
        return found

    def settle(self, name: str, gone: bool = False) -> dict | None:
        """Wait for the stream to be ACTIVE (or, with ``gone``, deleted); returns its last summary."""
        what = f"deletion of Kinesis stream {name}" if gone else f"Kinesis stream {name} to be ACTIVE"
        return wait_settled(
            self.module,
            lambda: self.summary(name),
            lambda s: s["StreamStatus"] == "ACTIVE",
            what,
            self.timeout,
            gone,
            plan=self.plan,
        )

    def consumers_active(self, arn: str, stream: str, names: list) -> dict:
        found = {}
        for consumer in names:

            def describe(consumer=consumer):
                return self.client.describe_stream_consumer(StreamARN=arn, ConsumerName=consumer, aws_retry=True)[
                    "ConsumerDescription"
                ]

            found[consumer] = wait_for(
                self.module,
                describe,
                lambda c: c["ConsumerStatus"] == "ACTIVE",
                f"consumer {consumer} of Kinesis stream {stream} to be ACTIVE",
                self.timeout,
                plan=self.plan,
            )
        return found


def state_of(summary: dict | None, consumers: dict, tags: dict) -> dict:
    if summary is None:
        return {}
    return {
        "mode": summary["StreamModeDetails"]["StreamMode"].lower(),
        "shard_count": summary.get("OpenShardCount"),
        "retention_hours": summary["RetentionPeriodHours"],
        "encryption": summary.get("EncryptionType") or "NONE",
        "kms_key_id": summary.get("KeyId") if summary.get("EncryptionType") == "KMS" else None,
        "consumers": sorted(consumers),
        "tags": tags,
    }


def check_scaling(specs: list, found: dict) -> None:
    """Refuse, before any write, a shard change that needs more scalings than AWS allows a day."""
    for spec in specs:
        current = found.get(spec["name"])
        if current is None or spec["mode"] != "provisioned":
            continue
        steps = shard_steps(current["summary"]["OpenShardCount"], spec["shard_count"])
        if len(steps) > SCALINGS_PER_DAY:
            raise Refused(
                f"stream {spec['name']}: going from {current['summary']['OpenShardCount']} to {spec['shard_count']} "
                f"shards takes {len(steps)} UpdateShardCount calls (each at most doubles or halves), and Kinesis "
                f"allows {SCALINGS_PER_DAY} a day: change it in smaller steps"
            )


def reconcile(run: Streams, spec: dict, current: dict | None, tags: dict | None, purge: bool, wait: bool):
    """Bring one stream to ``spec``; returns its state before, and its result after (planned in check mode)."""
    client, plan, check = run.client, run.plan, run.plan.check_mode
    name, mode = spec["name"], MODES[spec["mode"]]
    # A change AWS makes asynchronously is under way (or was, when the run began): wait before the next one.
    dirty = current is not None and current["summary"]["StreamStatus"] != "ACTIVE"
    plan.about(STREAM, name, exists=current is not None)

    def ready():
        """Wait for the stream to be ACTIVE again, if it may not be (AWS refuses updates to an UPDATING stream)."""
        nonlocal dirty, summary
        if dirty and not check:
            summary, dirty = run.settle(name), False

    def when_active(func, **kwargs):
        ready()
        return func(aws_retry=True, **kwargs)

    def change(description, func, **kwargs):
        """A change AWS makes asynchronously: the stream is UPDATING after it."""
        nonlocal dirty
        ready()
        answer = plan.do(description, func, aws_retry=True, **kwargs)
        dirty = not check
        return answer

    if current is None:
        create = {"StreamName": name, "StreamModeDetails": {"StreamMode": mode}}
        if mode == "PROVISIONED":
            create["ShardCount"] = spec["shard_count"]
        if tags:
            create["Tags"] = tags
        size = f"{spec['shard_count']} shards" if mode == "PROVISIONED" else "on-demand"
        summary = {
            "StreamARN": None,
            "StreamModeDetails": {"StreamMode": mode},
            "OpenShardCount": spec.get("shard_count"),
            "RetentionPeriodHours": 24,
            "EncryptionType": "NONE",
        }
        try:
            plan.do(f"create Kinesis stream {name} ({size})", client.create_stream, aws_retry=True, **create)
        except is_boto3_error_code("ResourceInUseException"):
            pass  # a retried CreateStream whose first try went through: the stream is there
        if not check:
            summary = run.settle(name) if wait else run.summary(name)
            dirty = summary["StreamStatus"] != "ACTIVE"
        consumers, current_tags, before = {}, dict(tags or {}), {}
    else:
        summary, consumers, current_tags = current["summary"], current["consumers"], current["tags"]
        before = state_of(summary, consumers, current_tags)
    arn = summary["StreamARN"]
    shards = summary.get("OpenShardCount")
    was_mode = summary["StreamModeDetails"]["StreamMode"]
    retention = summary["RetentionPeriodHours"]
    key = summary.get("KeyId") if summary.get("EncryptionType") == "KMS" else None

    if was_mode != mode:
        change(
            f"switch Kinesis stream {name} from {was_mode.lower()} to {spec['mode']}",
            client.update_stream_mode,
            StreamARN=arn,
            StreamModeDetails={"StreamMode": mode},
        )
    if mode == "PROVISIONED" and shards is not None:
        for step in shard_steps(shards, spec["shard_count"]):
            change(
                f"scale Kinesis stream {name} from {shards} to {step} shards",
                client.update_shard_count,
                StreamARN=arn,
                TargetShardCount=step,
                ScalingType="UNIFORM_SCALING",
            )
            shards = step
    wanted_retention = spec["retention_hours"]
    if retention != wanted_retention:
        longer = wanted_retention > retention
        change(
            f"{'lengthen' if longer else 'shorten'} the retention of Kinesis stream {name} to {wanted_retention} "
            f"hours (was {retention})",
            client.increase_stream_retention_period if longer else client.decrease_stream_retention_period,
            StreamARN=arn,
            RetentionPeriodHours=wanted_retention,
        )
    wanted_key = spec.get("kms_key_id")
    if wanted_key is None:
        wanted_key = key
    wanted_key = wanted_key or None
    if wanted_key != key:
        if wanted_key:
            change(
                f"encrypt Kinesis stream {name} with {wanted_key}",
                client.start_stream_encryption,
                StreamARN=arn,
                EncryptionType="KMS",
                KeyId=wanted_key,
            )
        else:
            change(
                f"stop encrypting Kinesis stream {name} (was {key})",
                client.stop_stream_encryption,
                StreamARN=arn,
                EncryptionType="KMS",
                KeyId=key,
            )
    after_tags = current_tags
    if tags is not None and current is not None:
        after_tags = plan_tags(
            plan,
            f"{STREAM} {name}",
            current_tags,
            tags,
            purge,
            lambda t: when_active(client.add_tags_to_stream, StreamARN=arn, Tags=t),
            lambda keys: when_active(client.remove_tags_from_stream, StreamARN=arn, TagKeys=keys),
        )
    after_consumers = {
        c: {"name": c, "arn": v["ConsumerARN"], "status": v["ConsumerStatus"]} for c, v in consumers.items()
    }
    wanted_consumers = spec.get("consumers")
    if wanted_consumers is not None:
        if set(consumers) != set(wanted_consumers):
            ready()
        for consumer in sorted(set(consumers) - set(wanted_consumers)):
            plan.about(CONSUMER, f"{name}/{consumer}", wanted=False)
            plan.do(
                f"deregister consumer {consumer} of Kinesis stream {name}",
                when_active,
                client.deregister_stream_consumer,
                StreamARN=arn,
                ConsumerName=consumer,
            )
            del after_consumers[consumer]
        creating = []
        for consumer in [c for c in wanted_consumers if c not in consumers]:
            if len(creating) == CREATING_AT_ONCE and not check:
                after_consumers.update(as_result(run.consumers_active(arn, name, creating)))
                creating = []
            plan.about(CONSUMER, f"{name}/{consumer}", exists=False)
            answer = plan.do(
                f"register consumer {consumer} on Kinesis stream {name}",
                when_active,
                client.register_stream_consumer,
                StreamARN=arn,
                ConsumerName=consumer,
            )
            registered = (answer or {}).get("Consumer") or {}
            after_consumers[consumer] = {
                "name": consumer,
                "arn": registered.get("ConsumerARN"),
                "status": registered.get("ConsumerStatus"),
            }
            creating.append(consumer)
        if wait and creating and not check:
            after_consumers.update(as_result(run.consumers_active(arn, name, creating)))
    if wait and dirty and not check:
        summary = run.settle(name)
    result = {
        "name": name,
        "arn": arn,
        "mode": spec["mode"],
        "shard_count": shards,
        "retention_hours": wanted_retention,
        "encryption": "KMS" if wanted_key else "NONE",
        "kms_key_id": wanted_key,
        "consumers": sorted(after_consumers.values(), key=lambda c: c["name"]),
        "tags": after_tags,
    }
    return before, result


def as_result(described: dict) -> dict:
    return {
        name: {"name": name, "arn": c["ConsumerARN"], "status": c["ConsumerStatus"]} for name, c in described.items()
    }


def absent(run: Streams, names: list, found: dict, wait: bool) -> tuple:
    plan, before, results, deleting = run.plan, {}, [], []
    for name in names:
        current = found.get(name)
        if current is not None:
            summary = current["summary"]
            before[name] = state_of(summary, current["consumers"], current["tags"])
            if summary["StreamStatus"] != "DELETING":
                plan.about(STREAM, name, wanted=False)
                plan.do(
                    f"delete Kinesis stream {name}",
                    run.client.delete_stream,
                    StreamARN=summary["StreamARN"],
                    EnforceConsumerDeletion=True,
                    aws_retry=True,
                )
                for consumer in sorted(current["consumers"]):
                    plan.about(CONSUMER, f"{name}/{consumer}", wanted=False)
                    plan.do(f"deregister consumer {consumer} of Kinesis stream {name} (deleted with it)")
            deleting.append(name)
        results.append({"name": name, "arn": None, "consumers": [], "tags": {}})
    if wait and not plan.check_mode:
        for name in deleting:
            run.settle(name, gone=True)
    return before, results


def main():
    argument_spec = dict(
        streams=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                mode=dict(type="str", default="on_demand", choices=["on_demand", "provisioned"]),
                shard_count=dict(type="int"),
                retention_hours=dict(type="int", default=24),
                kms_key_id=dict(type="str", no_log=False),
                consumers=dict(type="list", elements="str"),
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
    tags = {str(k): str(v) for k, v in p["tags"].items()} if p["tags"] is not None else None
    try:
        validate(p["streams"], p["state"], tags)
    except Refused as e:
        module.fail_json(msg=str(e), actions=[], resources=[])
    names = [s["name"] for s in p["streams"]]
    client = module.client("kinesis", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    streams = Streams(module, client, plan)

    def reconcile_all():
        found = streams.read(names)
        if p["state"] == "absent":
            before, results = absent(streams, names, found, p["wait"])
            return before, {}, {"streams": results}
        before, after, results = {}, {}, []
        check_scaling(p["streams"], found)
        for spec in p["streams"]:
            done = len(plan.actions)
            current = found.get(spec["name"])
            if current is not None and current["summary"]["StreamStatus"] == "DELETING":
                streams.settle(spec["name"], gone=True)  # a stream on its way out is created again
                current = None
            was, result = reconcile(streams, spec, current, tags, p["purge_tags"], p["wait"])
            results.append(result)
            if len(plan.actions) > done:
                before[spec["name"]] = was
                after[spec["name"]] = {k: v for k, v in result.items() if k not in ("name", "arn")}
                after[spec["name"]]["consumers"] = [c["name"] for c in result["consumers"]]
        return before, after, {"streams": results}

    # Nothing is rolled back or deleted: what was done is in actions.
    run(module, plan, reconcile_all, "Kinesis stream reconciliation failed (no stream was deleted)")


if __name__ == "__main__":
    main()
