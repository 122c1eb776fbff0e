"""Kinesis Data Streams as AWS keeps them, where moto 5.2 differs in ways the data plane depends on.

* CreateStream: the stream gets the request's ``Tags`` (API reference CreateStream, Tags: "A set of
  up to 50 key-value pairs to use to create the tags"); moto drops them. ``ShardCount`` with
  StreamMode ON_DEMAND is refused with InvalidArgumentException "ShardCount is not expected when
  StreamMode=ON_DEMAND" (AWS's answer as quoted in aws/aws-cdk #18247 and compose-x/ecs_composex
  #677); StreamMode PROVISIONED without ``ShardCount`` too (API reference CreateStream: "For the data
  streams with a provisioned mode, you must specify the number of shards"); moto accepts the first
  and fails with an internal error on the second. Neither mode nor count makes an on-demand stream
  (the request works on AWS: etspaceman/kinesis-mock #336, localstack/localstack #6543).
* UpdateShardCount: a target above double or below half the open shard count is refused with
  InvalidArgumentException (API reference UpdateShardCount: "you cannot ... Scale up to more than
  double your current shard count for a stream; Scale down below half your current shard count");
  moto splits and merges to any count. (On an on-demand stream moto already answers AWS's
  ValidationException "Request is invalid. Stream ... is in On-Demand mode.")
* StartStreamEncryption: the ``KeyId`` (key id, key ARN, alias name or alias ARN, or the Kinesis
  owned ``alias/aws/kinesis``; API reference StartStreamEncryption, KeyId) must name a KMS key that
  exists (KMSNotFoundException), is enabled (KMSDisabledException) and is not pending deletion
  (KMSInvalidStateException): the operation's errors in the API reference and botocore's model.
  moto stores any string.
* Enhanced fan-out consumers: RegisterStreamConsumer refuses a name the stream already has
  (ResourceInUseException) and a 21st consumer (LimitExceededException; API reference
  RegisterStreamConsumer: "With On-demand Standard and Provisioned streams, you can register up to
  20 consumers per stream"); a consumer's ARN ends with ``:<creation time in epoch seconds>`` (the
  ConsumerARN pattern of botocore's model, ``.../consumer/[a-zA-Z0-9_.-]+:[0-9]+``); moto leaves the
  suffix out, so its ARNs fail the model's own pattern. DeregisterStreamConsumer by StreamARN and
  ConsumerName removes that consumer (moto removes every *other* one) or answers
  ResourceNotFoundException. RegisterStreamConsumer and ListStreamConsumers of a stream that does
  not exist answer ResourceNotFoundException (moto fails with an internal error).
* DeleteStream of a stream with registered consumers, without EnforceConsumerDeletion true, is
  refused with ResourceInUseException (API reference DeleteStream, EnforceConsumerDeletion); moto
  deletes it.
* ListStreams pages with NextToken (botocore's paginator: input and output token NextToken, more
  results HasMoreStreams); moto ignores NextToken and answers every StreamSummary on every page.
* ListTagsForStream's ExclusiveStartTagKey is exclusive (API reference: "set ExclusiveStartTagKey to
  the last key in the response" to list the tags after it); moto answers that key again.

Retention (24 to 8760 hours, IncreaseStreamRetentionPeriod never shorter and
DecreaseStreamRetentionPeriod never longer, InvalidArgumentException) and a second CreateStream of a
name (ResourceInUseException) moto already gets right. Generic model checks (name patterns, lengths,
ranges) are tools/local_aws/validation.py's.
"""

from __future__ import annotations

import base64
import json

CONSUMERS_PER_STREAM = 20
KINESIS_OWNED_KEY = "alias/aws/kinesis"


def _error(code: str, message: str):
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(error_type=code, message=message)


def _invalid(message: str):
    return _error("InvalidArgumentException", message)


def _stream_by_arn(backend, arn: str | None, name: str | None = None):
    from moto.kinesis.exceptions import StreamNotFoundError

    for stream in backend.streams.values():
        if (arn and stream.arn == arn) or (name and not arn and stream.stream_name == name):
            return stream
    raise StreamNotFoundError((arn or "").split("/")[-1] or name, backend.account_id)


def check_create(mode: str | None, shard_count) -> None:
    if mode == "ON_DEMAND" and shard_count is not None:
        raise _invalid("ShardCount is not expected when StreamMode=ON_DEMAND")
    if mode == "PROVISIONED" and shard_count is None:
        raise _invalid("ShardCount is required when StreamMode=PROVISIONED")


def check_shard_count(stream, target: int) -> None:
    if stream.stream_mode.get("StreamMode") == "ON_DEMAND":
        return  # moto's own ValidationException
    current = len([s for s in stream.shards.values() if s.is_open])
    if target > 2 * current:
        raise _invalid(
            "UpdateShardCount cannot scale up over double your current open shard count. "
            f"Current open shard count: {current} Target shard count: {target}"
        )
    if 2 * target < current:
        raise _invalid(
            "UpdateShardCount cannot scale down below half your current open shard count. "
            f"Current open shard count: {current} Target shard count: {target}"
        )


def check_key(account_id: str, region: str, key_id: str) -> None:
    from moto.kms.models import kms_backends

    if key_id == KINESIS_OWNED_KEY or key_id.endswith(":" + KINESIS_OWNED_KEY):
        return  # the key Kinesis owns, in every account and region
    if key_id.startswith("arn:"):
        parts = key_id.split(":")
        region, account_id = parts[3], parts[4]
    backend = kms_backends[account_id][region]
    try:
        raw = backend.any_id_to_key_id(key_id)
    except Exception:  # an alias of no key resolves to nothing
        raw = None
    key = backend.keys.get(raw) if raw else None
    if key is None:
        raise _error("KMSNotFoundException", f"Key '{key_id}' does not exist")
    if key.key_state == "PendingDeletion":
        raise _error("KMSInvalidStateException", f"{key.arn} is pending deletion.")
    if not key.enabled:
        raise _error("KMSDisabledException", f"{key.arn} is disabled.")


def apply() -> None:
    from moto.core.responses import ActionResult, EmptyResult
    from moto.kinesis.exceptions import ConsumerNotFound, ResourceInUseError
    from moto.kinesis.models import Consumer, KinesisBackend
    from moto.kinesis.responses import KinesisResponse

    def create_stream(self):
        name = self._get_param("StreamName")
        shard_count = self._get_param("ShardCount")
        mode = (self._get_param("StreamModeDetails") or {}).get("StreamMode")
        check_create(mode, shard_count)
        if mode is None and shard_count is None:
            mode = "ON_DEMAND"
        stream = self.kinesis_backend.create_stream(
            name, shard_count, stream_mode={"StreamMode": mode} if mode else None
        )
        stream.tags.update(self._get_param("Tags") or {})
        return EmptyResult()

    KinesisResponse.create_stream = create_stream

    update_shard_count = KinesisBackend.update_shard_count

    def checked_update_shard_count(self, stream_arn, stream_name, target_shard_count):
        stream = self.describe_stream(stream_arn=stream_arn, stream_name=stream_name)
        check_shard_count(stream, target_shard_count)
        return update_shard_count(self, stream_arn, stream_name, target_shard_count)

    KinesisBackend.update_shard_count = checked_update_shard_count

    start_stream_encryption = KinesisBackend.start_stream_encryption

    def checked_start_stream_encryption(self, stream_arn, stream_name, encryption_type, key_id):
        self.describe_stream(stream_arn=stream_arn, stream_name=stream_name)
        check_key(self.account_id, self.region_name, key_id)
        return start_stream_encryption(self, stream_arn, stream_name, encryption_type, key_id)

    KinesisBackend.start_stream_encryption = checked_start_stream_encryption

    consumer_init = Consumer.__init__

    def consumer_with_timestamp(self, consumer_name, account_id, region_name, stream_arn):
        consumer_init(self, consumer_name, account_id, region_name, stream_arn)
        self.consumer_arn = f"{self.consumer_arn}:{int(self.created.timestamp())}"

    Consumer.__init__ = consumer_with_timestamp

    register = KinesisBackend.register_stream_consumer

    def checked_register(self, stream_arn, consumer_name):
        stream = _stream_by_arn(self, stream_arn)
        if any(c.consumer_name == consumer_name for c in stream.consumers):
            raise ResourceInUseError(f"Consumer {consumer_name} under stream {stream.stream_name} already exists.")
        if len(stream.consumers) >= CONSUMERS_PER_STREAM:
            raise _error(
                "LimitExceededException",
                f"Stream {stream.stream_name} already has {len(stream.consumers)} registered consumers, "
                f"the limit is {CONSUMERS_PER_STREAM}.",
            )
        return register(self, stream_arn, consumer_name)

    KinesisBackend.register_stream_consumer = checked_register

    def deregister(self, stream_arn, consumer_name, consumer_arn):
        if consumer_arn:
            for stream in self.streams.values():
                if stream.get_consumer_by_arn(consumer_arn):
                    stream.delete_consumer(consumer_arn)
                    return
            raise ConsumerNotFound(consumer=consumer_arn, account_id=self.account_id)
        stream = _stream_by_arn(self, stream_arn)
        kept = [c for c in stream.consumers if c.consumer_name != consumer_name]
        if len(kept) == len(stream.consumers):
            raise ConsumerNotFound(consumer=consumer_name, account_id=self.account_id)
        stream.consumers = kept

    KinesisBackend.deregister_stream_consumer = deregister

    list_consumers = KinesisResponse.list_stream_consumers

    def checked_list_consumers(self):
        _stream_by_arn(self.kinesis_backend, self._get_param("StreamARN"))
        return list_consumers(self)

    KinesisResponse.list_stream_consumers = checked_list_consumers

    delete_stream = KinesisResponse.delete_stream

    def checked_delete_stream(self):
        stream = self.kinesis_backend.describe_stream(self._get_param("StreamARN"), self._get_param("StreamName"))
        if stream.consumers and self._get_param("EnforceConsumerDeletion") is not True:
            raise ResourceInUseError(
                f"Stream {stream.stream_name} under account {self.current_account} has registered consumers: "
                "deregister them or set EnforceConsumerDeletion."
            )
        return delete_stream(self)

    KinesisResponse.delete_stream = checked_delete_stream

    def list_streams(self):
        streams = list(self.kinesis_backend.list_streams())
        limit = min(int(self._get_param("Limit") or 100), 100)
        token = self._get_param("NextToken")
        start = int(json.loads(base64.b64decode(token))["start"]) if token else 0
        if not token and self._get_param("ExclusiveStartStreamName"):
            names = [s.stream_name for s in streams]
            after = self._get_param("ExclusiveStartStreamName")
            start = names.index(after) + 1 if after in names else 0
        page = streams[start : start + limit]
        more = start + limit < len(streams)
        answer = {
            "HasMoreStreams": more,
            "StreamNames": [s.stream_name for s in page],
            "StreamSummaries": [s.to_json_summary()["StreamDescriptionSummary"] for s in page],
        }
        if more:
            answer["NextToken"] = base64.b64encode(json.dumps({"start": start + limit}).encode()).decode()
        return ActionResult(answer)

    KinesisResponse.list_streams = list_streams

    def list_tags_for_stream(self, stream_arn, stream_name, exclusive_start_tag_key=None, limit=None):
        stream = self.describe_stream(stream_arn=stream_arn, stream_name=stream_name)
        items = sorted(stream.tags.items())
        if exclusive_start_tag_key:
            items = [(k, v) for k, v in items if k > exclusive_start_tag_key]
        page = items[:limit] if limit else items
        return {"HasMoreTags": len(page) < len(items), "Tags": [{"Key": k, "Value": v} for k, v in page]}

    KinesisBackend.list_tags_for_stream = list_tags_for_stream
