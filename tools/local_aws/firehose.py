"""Kinesis Data Firehose as AWS keeps it, where moto 5.2 differs in ways the archive depends on.

* A delivery stream of type KinesisStreamAsSource needs a ``KinesisStreamSourceConfiguration``
  naming a Kinesis data stream that exists (API reference CreateDeliveryStream: "it can be configured
  to use an existing Kinesis stream as its source ... provide the Kinesis stream Amazon Resource
  Name (ARN) and role ARN in the KinesisStreamSourceConfiguration parameter"), else
  InvalidArgumentException (the operation's error for bad input; the wording is ours). moto creates
  the stream without a source, or with one that does not exist.
* PutRecord and PutRecordBatch on a KinesisStreamAsSource stream are refused with
  InvalidArgumentException "This operation is not permitted on KinesisStreamAsSource delivery stream
  type." (Developer Guide, "Writing to Kinesis Data Firehose Using Kinesis Data Streams": "the
  Kinesis Firehose PutRecord and PutRecordBatch operations are disabled"; AWS's answer as quoted in
  aws/aws-cli #7010 and awslabs/lambda-streams-to-firehose #60). moto writes the record to S3.
* Server-side encryption (DeliveryStreamEncryptionConfigurationInput on CreateDeliveryStream,
  StartDeliveryStreamEncryption) is only for DirectPut streams (API reference
  StartDeliveryStreamEncryption: "You can enable SSE for a Firehose stream only if it's a Firehose
  stream that uses DirectPut as its source"): InvalidArgumentException for a KinesisStreamAsSource
  stream (wording ours; the data rests in the source stream, encrypted there). moto stores it.
* S3 prefixes (Developer Guide, "Custom Prefixes for Amazon S3 Objects", Semantic rules), on
  CreateDeliveryStream and on the configuration an UpdateDestination leaves, for S3 and extended S3
  destinations, InvalidArgumentException:
  - "The sequence !{ can only appear in !{namespace:value} expressions", the namespace one of
    firehose, timestamp, partitionKeyFromQuery and partitionKeyFromLambda, and the firehose values
    error-output-type and random-string (the guide's namespace table; wording ours);
  - "ErrorOutputPrefix can be null only if Prefix contains no expressions": AWS answers "Ths
    supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix cannot be null
    or empty when Prefix contains expressions" (its typo; quoted in hashicorp/terraform-provider-aws
    #13416 and serverless/serverless #6015);
  - "If you specify an expression for ErrorOutputPrefix, you must include at least one instance of
    !{firehose:error-output-type}", and "Prefix can't contain !{firehose:error-output-type}" (wording
    ours);
  - the partitionKeyFromQuery and partitionKeyFromLambda namespaces are not for ErrorOutputPrefix
    (the guide's current text, as aws/aws-cdk's Firehose destination validation quotes it).
  moto takes any prefix. (An ErrorOutputPrefix with an expression and a Prefix without one is
  valid: the guide's first example.)
* Buffering hints: SizeInMBs and IntervalInSeconds come together or not at all (botocore's model,
  BufferingHints: "if you specify a value for one of them, you must also provide a value for the
  other"; wording ours); SizeInMBs is at least 64 when data format conversion or dynamic partitioning
  is enabled, InvalidArgumentException "BufferingHints.SizeInMBs must be at least 64 when data format
  conversion is enabled." (quoted in hashicorp/terraform-provider-aws's delivery stream acceptance
  tests) and "... when Dynamic Partitioning is enabled." (quoted in aws/aws-cdk's
  aws-kinesisfirehose helpers). The 1-128 and 0-900 ranges are the model's, checked by
  validation.py.
* Dynamic partitioning is chosen at creation: UpdateDestination can neither enable it on a stream
  created without it nor disable it (Developer Guide, "Dynamic Partitioning": "You cannot enable
  dynamic partitioning for an existing delivery stream that does not have dynamic partitioning
  already enabled", "Once you enable dynamic partitioning on a delivery stream, it cannot be
  disabled"); InvalidArgumentException, wording ours. moto changes it.
* UpdateDestination merges the update into the destination ("If any of the parameters are not
  specified in the call, the existing values are retained", API reference UpdateDestination): moto
  merges the extended S3 destination but then rebuilds the S3DestinationDescription it answers beside
  it from the update alone (an update of BufferingHints left no RoleARN or BucketARN there).
* DescribeDeliveryStream answers what botocore's model says a description holds: the destination
  descriptions' required BufferingHints, CompressionFormat and EncryptionConfiguration with AWS's
  defaults when the request left them out (5 MiB / 300 s, UNCOMPRESSED, NoEncryption; the model's
  documentation of each), CloudWatchLoggingOptions Enabled false and S3BackupMode Disabled for an
  extended S3 destination, and DeliveryStreamEncryptionConfiguration always (Status DISABLED without
  SSE, ENABLED with KeyType AWS_OWNED_CMK by default), as AWS's answer quoted in
  turbot/steampipe-plugin-aws #769 shows; the Kinesis source's DeliveryStartTimestamp (model,
  KinesisStreamSourceDescription). moto leaves these out and answers SSE without a Status.
* ListDeliveryStreams answers at most 10 names when no Limit is given (model,
  ListDeliveryStreamsInput.Limit: "The default value is 10"), with HasMoreDeliveryStreams; moto
  answers 50. And a region holds up to 5,000 delivery streams (API reference CreateDeliveryStream: "By
  default, you can create up to 5,000 Firehose streams per Amazon Web Services Region"); moto refuses
  the 51st with LimitExceededException.

What moto already gets right: a second stream of a name (ResourceInUseException), the
DeliveryStreamARN ``arn:aws:firehose:<region>:<account>:deliverystream/<name>``, status ACTIVE,
Source.KinesisStreamSourceDescription's stream and role ARNs, UpdateDestination refusing a stale
CurrentDeliveryStreamVersionId (ConcurrentModificationException) and an unknown DestinationId
(InvalidArgumentException) and raising VersionId by one, Describe/Delete of an unknown stream
(ResourceNotFoundException), tags on create, TagDeliveryStream and ListTagsForDeliveryStream,
ListDeliveryStreams. Not emulated: delivery itself (buffering, timing, the evaluated prefixes, the
512-character limit on an evaluated prefix), Firehose assuming the roles, KMS key checks.
"""

from __future__ import annotations

import copy
import re

KINESIS_SOURCE = "KinesisStreamAsSource"
EXPRESSION = re.compile(r"!\{([^{}:]*):([^{}]*)\}")
NAMESPACES = frozenset({"firehose", "timestamp", "partitionKeyFromQuery", "partitionKeyFromLambda"})
FIREHOSE_VALUES = frozenset({"error-output-type", "random-string"})
ERROR_OUTPUT_TYPE = "!{firehose:error-output-type}"
PARTITION_NAMESPACES = ("!{partitionKeyFromQuery:", "!{partitionKeyFromLambda:")
NO_ERROR_PREFIX = (
    "Ths supplied prefix(es) do not satisfy the following constraint: "
    "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"
)
NOT_PERMITTED = f"This operation is not permitted on {KINESIS_SOURCE} delivery stream type."
MIN_CONVERSION_BUFFER = 64
LIST_LIMIT = 10
STREAMS_PER_REGION = 5000
S3_DESCRIPTION_MEMBERS = (
    "RoleARN",
    "BucketARN",
    "Prefix",
    "ErrorOutputPrefix",
    "BufferingHints",
    "CompressionFormat",
    "EncryptionConfiguration",
    "CloudWatchLoggingOptions",
)
DESCRIPTION_DEFAULTS = {
    "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
    "CompressionFormat": "UNCOMPRESSED",
    "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
}
EXTENDED_DEFAULTS = {"CloudWatchLoggingOptions": {"Enabled": False}, "S3BackupMode": "Disabled"}


def _invalid(message: str):
    from moto.firehose.exceptions import InvalidArgumentException

    return InvalidArgumentException(message)


def prefix_problem(prefix: str | None, error_prefix: str | None) -> str | None:
    """Why Firehose refuses this Prefix and ErrorOutputPrefix, or None."""
    for field, value in (("Prefix", prefix), ("ErrorOutputPrefix", error_prefix)):
        if not value:
            continue
        if "!{" in EXPRESSION.sub("", value):
            return f"The sequence !{{ can only appear in !{{namespace:value}} expressions: {field} {value!r}"
        for namespace, argument in EXPRESSION.findall(value):
            if namespace not in NAMESPACES:
                return f"Unsupported namespace {namespace!r} in {field} {value!r}"
            if namespace == "firehose" and argument not in FIREHOSE_VALUES:
                return f"Unsupported value {argument!r} of the firehose namespace in {field} {value!r}"
    if prefix and EXPRESSION.search(prefix) and not error_prefix:
        return NO_ERROR_PREFIX
    if prefix and ERROR_OUTPUT_TYPE in prefix:
        return f"Prefix can't contain {ERROR_OUTPUT_TYPE}"
    if error_prefix and EXPRESSION.search(error_prefix):
        if ERROR_OUTPUT_TYPE not in error_prefix:
            return f"ErrorOutputPrefix expressions must include at least one instance of {ERROR_OUTPUT_TYPE}"
        if any(namespace in error_prefix for namespace in PARTITION_NAMESPACES):
            return "ErrorOutputPrefix can't use the partitionKeyFromQuery or partitionKeyFromLambda namespaces"
    return None


def _enabled(section, default: bool) -> bool:
    return bool(section) and bool(section.get("Enabled", default))


def buffering_problem(config: dict) -> str | None:
    hints = config.get("BufferingHints") or {}
    if hints and ("SizeInMBs" in hints) != ("IntervalInSeconds" in hints):
        return "BufferingHints needs both SizeInMBs and IntervalInSeconds, or neither"
    size = hints.get("SizeInMBs")
    if size is None or size >= MIN_CONVERSION_BUFFER:
        return None
    # DataFormatConversionConfiguration.Enabled "Defaults to true" (botocore's model).
    if _enabled(config.get("DataFormatConversionConfiguration"), True):
        return (
            f"BufferingHints.SizeInMBs must be at least {MIN_CONVERSION_BUFFER} when data format conversion is enabled."
        )
    if _enabled(config.get("DynamicPartitioningConfiguration"), False):
        return (
            f"BufferingHints.SizeInMBs must be at least {MIN_CONVERSION_BUFFER} when Dynamic Partitioning is enabled."
        )
    return None


def check_destination(config: dict | None) -> None:
    """Refuse an S3 or extended S3 destination configuration (as created or as an update leaves it)."""
    if not config:
        return
    problem = prefix_problem(config.get("Prefix"), config.get("ErrorOutputPrefix")) or buffering_problem(config)
    if problem:
        raise _invalid(problem)


def check_encryption(stream_type: str | None, encryption: dict | None) -> None:
    if stream_type == KINESIS_SOURCE and encryption:
        raise _invalid(f"Server-side encryption is not supported for the {KINESIS_SOURCE} delivery stream type")


def check_source(stream_type: str | None, source: dict | None) -> None:
    if stream_type != KINESIS_SOURCE:
        return
    if not source:
        raise _invalid(f"KinesisStreamSourceConfiguration is required for the {KINESIS_SOURCE} delivery stream type")
    from moto.kinesis.models import kinesis_backends

    arn = source.get("KinesisStreamARN") or ""
    parts = arn.split(":")
    streams = kinesis_backends[parts[4]][parts[3]].streams.values() if len(parts) > 5 else []
    if not any(stream.arn == arn for stream in streams):
        raise _invalid(f"Kinesis stream {arn} does not exist")


def check_update(current: dict, update: dict | None) -> None:
    """Refuse an UpdateDestination of an S3 or extended S3 destination by what it would leave."""
    if not update:
        return
    was = _enabled(current.get("DynamicPartitioningConfiguration"), False)
    wanted = (update.get("DynamicPartitioningConfiguration") or {}).get("Enabled")
    if wanted is not None and bool(wanted) != was:
        raise _invalid(
            "Dynamic partitioning cannot be "
            + ("disabled once enabled" if was else "enabled on a delivery stream created without it")
        )
    check_destination(dict(current, **update))


def _encryption_view(stored: dict | None) -> dict:
    if not stored:
        return {"Status": "DISABLED"}
    view = {k: v for k, v in stored.items() if k in ("KeyARN", "KeyType", "FailureDescription")}
    view.setdefault("KeyType", "AWS_OWNED_CMK")
    view["Status"] = stored.get("Status") or "ENABLED"
    return view


def describe_as_aws(answer: dict, stream) -> dict:
    answer = copy.deepcopy(answer)
    description = answer["DeliveryStreamDescription"]
    description["DeliveryStreamEncryptionConfiguration"] = _encryption_view(
        stream.delivery_stream_encryption_configuration
    )
    source = (description.get("Source") or {}).get("KinesisStreamSourceDescription")
    if source is not None:
        source.setdefault("DeliveryStartTimestamp", stream.create_timestamp)
    for destination in description.get("Destinations", []):
        for key in ("S3DestinationDescription", "ExtendedS3DestinationDescription"):
            if key in destination:
                for member, default in DESCRIPTION_DEFAULTS.items():
                    destination[key].setdefault(member, copy.deepcopy(default))
        if "ExtendedS3DestinationDescription" in destination:
            for member, default in EXTENDED_DEFAULTS.items():
                destination["ExtendedS3DestinationDescription"].setdefault(member, copy.deepcopy(default))
    return answer


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.firehose.exceptions import ResourceNotFoundException
    from moto.firehose.models import DeliveryStream, FirehoseBackend
    from moto.firehose.responses import FirehoseResponse

    DeliveryStream.MAX_STREAMS_PER_REGION = STREAMS_PER_REGION
    list_streams = FirehoseBackend.list_delivery_streams

    def list_ten_by_default(self, limit, delivery_stream_type, exclusive_start_delivery_stream_name):
        return list_streams(self, limit or LIST_LIMIT, delivery_stream_type, exclusive_start_delivery_stream_name)

    FirehoseBackend.list_delivery_streams = list_ten_by_default

    def stream_of(handler):
        name = handler._get_param("DeliveryStreamName")
        stream = handler.firehose_backend.delivery_streams.get(name)
        if stream is None:
            raise ResourceNotFoundException(f"Firehose {name} under account {handler.current_account} not found.")
        return stream

    create = FirehoseResponse.create_delivery_stream

    def checked_create(self):
        stream_type = self._get_param("DeliveryStreamType")
        check_source(stream_type, self._get_param("KinesisStreamSourceConfiguration"))
        check_encryption(stream_type, self._get_param("DeliveryStreamEncryptionConfigurationInput"))
        check_destination(self._get_param("ExtendedS3DestinationConfiguration"))
        check_destination(self._get_param("S3DestinationConfiguration"))
        return create(self)

    FirehoseResponse.create_delivery_stream = checked_create

    for operation in ("put_record", "put_record_batch"):
        put = getattr(FirehoseResponse, operation)

        def checked_put(self, _put=put):
            if stream_of(self).delivery_stream_type == KINESIS_SOURCE:
                raise _invalid(NOT_PERMITTED)
            return _put(self)

        setattr(FirehoseResponse, operation, checked_put)

    start_encryption = FirehoseResponse.start_delivery_stream_encryption

    def checked_start_encryption(self):
        requested = self._get_param("DeliveryStreamEncryptionConfigurationInput") or {"KeyType": "AWS_OWNED_CMK"}
        check_encryption(stream_of(self).delivery_stream_type, requested)
        return start_encryption(self)

    FirehoseResponse.start_delivery_stream_encryption = checked_start_encryption

    update = FirehoseResponse.update_destination

    def checked_update(self):
        stream = stream_of(self)
        current = next((d for d in stream.destinations if d["destination_id"] == self._get_param("DestinationId")), {})
        for kind, member in (("ExtendedS3", "ExtendedS3DestinationUpdate"), ("S3", "S3DestinationUpdate")):
            check_update(current.get(kind) or {}, self._get_param(member))
        answer = update(self)
        for destination in stream.destinations:
            if "ExtendedS3" in destination:  # the S3 view beside it, rebuilt from the merged destination
                extended = destination["ExtendedS3"]
                destination["S3"] = {k: copy.deepcopy(extended[k]) for k in S3_DESCRIPTION_MEMBERS if k in extended}
        return answer

    FirehoseResponse.update_destination = checked_update

    def describe(self):
        stream = stream_of(self)
        answer = FirehoseBackend.describe_delivery_stream(self.firehose_backend, stream.delivery_stream_name)
        return ActionResult(describe_as_aws(answer, stream))

    FirehoseResponse.describe_delivery_stream = describe
