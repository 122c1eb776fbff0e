#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: data_archive
short_description: The data plane's archive and catalogue (S3, IAM roles, Firehose, Glue, Athena) in one invocation
version_added: 1.0.0
description:
  - Reconciles, in this order and with one plan (so that check mode, RV(actions), RV(resources) and the diff cover
    them all), the archive's S3 buckets, the IAM roles of the delivery and of the crawlers, the Kinesis Data
    Firehose delivery streams that copy market data from Kinesis data streams into the archive, the Glue database
    and crawlers that catalogue it, and the Athena workgroups that query it.
  - The buckets are those of M(ninetynine.trading_infra.s3_buckets) and the roles those of
    M(ninetynine.trading_infra.iam_roles), reconciled by the same code, with the same options, checks and results.
  - A part that is not given (an empty list, no O(glue_database)) is neither read nor changed.
  - "Reads of a run that changes nothing: per bucket, C(HeadBucket) and one C(Get) call per part asked for (as
    M(ninetynine.trading_infra.s3_buckets)); per role C(GetRole), C(ListAttachedRolePolicies), C(ListRolePolicies)
    and one C(GetRolePolicy) per inline policy listed (as M(ninetynine.trading_infra.iam_roles)); per delivery stream
    C(DescribeDeliveryStream); for the database C(GetDatabase); for all the crawlers one C(BatchGetCrawlers); per
    workgroup C(GetWorkGroup); and, when O(tags) is given, one tag read per existing delivery stream
    (C(ListTagsForDeliveryStream)), database and crawler (Glue C(GetTags)) and workgroup (Athena
    C(ListTagsForResource)). The Glue and Athena tag reads need the account id: taken from the database's
    C(CatalogId) or a delivery stream's ARN, else one STS C(GetCallerIdentity). The reads of the delivery streams,
    the database, the crawlers and the workgroups are made at once, then their tag reads at once; no write."
  - "Delivery streams are of type C(KinesisStreamAsSource) with an extended S3 destination. What differs in the
    destination (role, bucket, prefixes, buffering, compression, KMS key, CloudWatch logging) is changed in place
    with one C(UpdateDestination). The source stream (and the role Firehose reads it with) cannot change in place:
    such a change is refused, naming the delivery stream, before any write."
  - Firehose refuses a role IAM has not propagated yet; C(CreateDeliveryStream) is retried with backoff for up to
    two minutes on that error only (a role created in the same run).
  - "What AWS would refuse and the module can know is refused before any write: a prefix with an expression and no
    error output prefix, buffering out of range, a crawler without targets or with a target that is not C(s3://),
    a schedule that is not a six-field C(cron(...)), C(CRAWL_NEW_FOLDERS_ONLY) with a schema change policy other
    than C(LOG), a change to a running crawler, an output location that is not C(s3://), a bytes scanned cutoff
    below 10 MB. The bucket and role checks of their cores are made when the buckets and the roles are reconciled
    (the roles' after the buckets' writes)."
  - "With O(state=absent) deletes, in reverse order, the workgroups (with their queries, C(RecursiveDeleteOption)),
    the crawlers, the database, the delivery streams (waited for until gone with O(wait)), the roles, then the
    buckets with the semantics of M(ninetynine.trading_infra.s3_buckets) (O(force), O(delete_only_if_empty),
    O(buckets[].keep_reason)). A bucket with Object Lock that holds object versions is never emptied, whatever
    O(force) says: it is kept, named in RV(kept) and in a warning."
  - Supports check mode (no write; a delivery stream whose role, bucket or source does not exist yet is planned)
    and diff mode (before and after of each resource that changes).
author:
  - 99Tech platform engineering (@99tech)
options:
  buckets:
    description:
      - The buckets (the archive and the Athena results), each as an entry of
        O(ninetynine.trading_infra.s3_buckets#module:buckets) takes it.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Bucket name.
        type: str
        required: true
      encryption:
        description: Default encryption, as in M(ninetynine.trading_infra.s3_buckets).
        type: str
        choices: [AES256, aws:kms, aws:kms:dsse]
      encryption_key_id:
        description: The KMS key of SSE-KMS, as in M(ninetynine.trading_infra.s3_buckets).
        type: str
      bucket_key_enabled:
        description: Whether SSE-KMS uses an S3 Bucket Key.
        type: bool
      public_access:
        description: The public access block; each setting omitted is V(true).
        type: dict
        suboptions:
          block_public_acls:
            description: Refuse requests that set a public ACL.
            type: bool
            default: true
          ignore_public_acls:
            description: Ignore every public ACL.
            type: bool
            default: true
          block_public_policy:
            description: Refuse a public bucket policy.
            type: bool
            default: true
          restrict_public_buckets:
            description: Only AWS services and the account may use a bucket with a public policy.
            type: bool
            default: true
      object_ownership:
        description: Object ownership.
        type: str
        choices: [BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter]
      policy:
        description: The bucket policy, a dict or its JSON (an empty one deletes it).
        type: raw
      versioning:
        description: Whether versioning is on (V(false) suspends it).
        type: bool
      object_lock:
        description:
          - S3 Object Lock with its default retention (needs versioning). A COMPLIANCE retention is never shortened.
        type: dict
        suboptions:
          mode:
            description: Retention mode.
            type: str
            choices: [COMPLIANCE, GOVERNANCE]
          days:
            description: Default retention in days.
            type: int
          years:
            description: Default retention in years.
            type: int
      logging:
        description: Server access logging (list the target bucket first).
        type: dict
        suboptions:
          target_bucket:
            description: The bucket the access logs go to.
            type: str
          target_prefix:
            description: Key prefix of the log objects.
            type: str
            default: ""
      lifecycle_rules:
        description: The lifecycle rules, exactly.
        type: list
        elements: dict
        suboptions:
          id:
            description: The rule's id.
            type: str
            required: true
          prefix:
            description: Key prefix the rule applies to.
            type: str
            default: ""
          status:
            description: Whether the rule is applied.
            type: str
            choices: [enabled, disabled]
            default: enabled
          transitions:
            description: Moves to other storage classes (V(GLACIER_IR), V(DEEP_ARCHIVE), ...).
            type: list
            elements: dict
            default: []
            suboptions:
              days:
                description: Days after creation.
                type: int
                required: true
                aliases: [transition_days]
              storage_class:
                description: The storage class.
                type: str
                required: true
          expiration_days:
            description: Days after creation when objects expire.
            type: int
          noncurrent_version_expiration_days:
            description: Days after which a noncurrent version is deleted.
            type: int
          abort_incomplete_multipart_upload_days:
            description: Days after which an incomplete multipart upload is aborted.
            type: int
      tags:
        description: Tags of this bucket only, merged over O(tags).
        type: dict
      keep_reason:
        description:
          - With O(state=absent), why a bucket that is kept is kept, as the warning says it. For a bucket with Object
            Lock that holds objects, left at its default, the warning says so instead.
        type: str
        default: it is not empty and delete_only_if_empty is set
  roles:
    description:
      - The IAM roles (the Firehose delivery role, the Glue crawler role), each as an entry of
        O(ninetynine.trading_infra.iam_roles#module:roles) takes it.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Role name.
        type: str
        required: true
      description:
        description: Description of the role (omitted, left alone).
        type: str
      path:
        description: Path of the role (IAM cannot move a role).
        type: str
        default: /
      assume_role_policy:
        description: The trust policy, a dict or its JSON. Required to create a role.
        type: json
      managed_policies:
        description: ARNs of the managed policies attached, exactly (omitted, left alone).
        type: list
        elements: str
      inline_policies:
        description: Inline policies, exactly, name -> document (omitted, left alone).
        type: dict
      max_session_duration:
        description: Maximum session duration in seconds (omitted, left alone).
        type: int
      permissions_boundary:
        description: ARN of the permissions boundary (an empty string removes it; omitted, left alone).
        type: str
  delivery_streams:
    description: Kinesis Data Firehose delivery streams from a Kinesis data stream to S3.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Delivery stream name (1 to 64 of letters, digits, C(_), C(.) and C(-)).
        type: str
        required: true
      source_stream_arn:
        description: ARN of the Kinesis data stream read. Cannot change in place. Required with O(state=present).
        type: str
      role_arn:
        description:
          - ARN of the role Firehose reads the source and writes the bucket with. Required with O(state=present).
          - The role reading the source cannot change in place (refused); the destination's is updated.
        type: str
      bucket_arn:
        description: ARN of the archive bucket (C(arn:aws:s3:::<name>)). Required with O(state=present).
        type: str
      prefix:
        description:
          - Key prefix of the objects delivered, with C(!{timestamp:...}) expressions, such as
            C(market-data/feed=quotes/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/). With an expression,
            O(delivery_streams[].error_output_prefix) is required (Firehose's rule).
          - Omitted, no prefix.
        type: str
        default: ""
      error_output_prefix:
        description:
          - Key prefix of the records Firehose could not deliver; with an expression, it must include
            C(!{firehose:error-output-type}).
        type: str
        default: ""
      buffering_size_mb:
        description: MiB buffered before a delivery, 1 to 128.
        type: int
        default: 64
      buffering_interval_s:
        description: Seconds buffered before a delivery, 0 to 900.
        type: int
        default: 300
      compression:
        description: Compression of the objects delivered.
        type: str
        default: GZIP
        choices: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]
      kms_key_arn:
        description:
          - ARN of the KMS key the objects delivered are encrypted with (the destination's C(KMSEncryptionConfig)).
          - Omitted, Firehose does not encrypt them (the bucket's default encryption applies).
        type: str
      log_group_name:
        description: CloudWatch Logs group of delivery errors. Omitted, error logging is off.
        type: str
      log_stream_name:
        description: CloudWatch Logs stream of delivery errors (with O(delivery_streams[].log_group_name)).
        type: str
        default: DestinationDelivery
  glue_database:
    description: The Glue Data Catalog database of the archive. Omitted, no database is read or changed.
    type: dict
    suboptions:
      name:
        description: Database name (Glue folds it to lower case).
        type: str
        required: true
      description:
        description: Description of the database (omitted, left alone).
        type: str
  crawlers:
    description: Glue crawlers that catalogue the archive.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Crawler name.
        type: str
        required: true
      role_arn:
        description: The role (ARN or name) the crawler runs with. Required with O(state=present).
        type: str
      database:
        description: The database the crawler writes its tables to; omitted, O(glue_database.name).
        type: str
      s3_targets:
        description: The C(s3://) paths crawled (at least one).
        type: list
        elements: str
        default: []
      schedule:
        description:
          - When the crawler runs, C(cron(Minutes Hours Day-of-month Month Day-of-week Year)). Omitted, on demand
            (a schedule is removed).
        type: str
      table_prefix:
        description: Prefix of the names of the tables the crawler makes.
        type: str
        default: ""
      schema_change_policy:
        description: What the crawler does to the tables when the data changes.
        type: dict
        default: {}
        suboptions:
          update_behavior:
            description: On a changed schema.
            type: str
            default: UPDATE_IN_DATABASE
            choices: [LOG, UPDATE_IN_DATABASE]
          delete_behavior:
            description: On deleted objects.
            type: str
            default: DEPRECATE_IN_DATABASE
            choices: [LOG, DELETE_FROM_DATABASE, DEPRECATE_IN_DATABASE]
      recrawl_behavior:
        description: What a crawl reads again (V(CRAWL_NEW_FOLDERS_ONLY) takes the V(LOG) policies only).
        type: str
        default: CRAWL_EVERYTHING
        choices: [CRAWL_EVERYTHING, CRAWL_NEW_FOLDERS_ONLY, CRAWL_EVENT_MODE]
  athena_workgroups:
    description: Athena workgroups that query the archive.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Workgroup name (1 to 128 of letters, digits, C(.), C(_) and C(-); not V(primary)).
        type: str
        required: true
      description:
        description: Description (omitted, left alone).
        type: str
      output_location:
        description: Where query results go, C(s3://bucket/prefix/) (omitted, left alone).
        type: str
      kms_key_arn:
        description: KMS key of the results (C(SSE_KMS)); omitted, the results are not encrypted by the workgroup.
        type: str
      bytes_scanned_cutoff:
        description: Bytes a query may scan at most, 10000000 or more; omitted, no limit.
        type: int
      enforce_workgroup_configuration:
        description: Whether the workgroup's settings override the clients'.
        type: bool
        default: true
      publish_cloudwatch_metrics:
        description: Whether query metrics are published to CloudWatch.
        type: bool
        default: true
      engine_version:
        description: The engine version selected (V(AUTO), C(Athena engine version 3)); omitted, left alone.
        type: str
  tags:
    description:
      - Tags every resource listed carries (buckets are tagged C(Name) too). Omitted, tags are left alone.
    type: dict
    aliases: ['resource_tags']
  purge_tags:
    description: Remove the tags of a resource that are not in O(tags).
    type: bool
    default: true
  expected_bucket_owner:
    description: The account id that must own the buckets (as in M(ninetynine.trading_infra.s3_buckets)).
    type: str
  force:
    description:
      - With O(state=absent), empty a bucket before deleting it; never a bucket with Object Lock that holds objects.
    type: bool
    default: false
  delete_only_if_empty:
    description: With O(state=absent), keep a bucket that holds objects (named in RV(kept)).
    type: bool
    default: false
  state:
    description: Whether the resources listed should exist.
    type: str
    default: present
    choices: [present, absent]
  wait:
    description: Wait for new delivery streams to be ACTIVE, and deleted ones gone.
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
notes:
  - Delivery streams are not encrypted server-side (C(StartDeliveryStreamEncryption) is for DirectPut streams
    only); the records rest encrypted in the source stream, the objects with O(delivery_streams[].kms_key_arn).
  - Crawlers are not started; the module neither runs queries nor reads what a crawl found.
"""

EXAMPLES = r"""
- name: The market-data archive, its delivery, catalogue and query workgroup
  ninetynine.trading_infra.data_archive:
    buckets:
      - name: trading-prod-archive-logs-123456789012
        encryption: AES256
        public_access: {}
        object_ownership: BucketOwnerEnforced
      - name: trading-prod-archive-123456789012
        encryption: aws:kms
        encryption_key_id: "{{ data_key_arn }}"
        bucket_key_enabled: true
        public_access: {}
        versioning: true
        object_lock: {mode: COMPLIANCE, years: 7}
        logging: {target_bucket: trading-prod-archive-logs-123456789012, target_prefix: archive/}
        lifecycle_rules:
          - id: archive-tiers
            transitions:
              - {days: 90, storage_class: GLACIER_IR}
              - {days: 365, storage_class: DEEP_ARCHIVE}
        policy: "{{ tls_only_policy }}"
      - name: trading-prod-athena-results-123456789012
        encryption: aws:kms
        encryption_key_id: "{{ data_key_arn }}"
        public_access: {}
    roles:
      - name: trading-prod-archive-delivery
        assume_role_policy: "{{ firehose_trust }}"
        inline_policies: {delivery: "{{ delivery_policy }}"}
      - name: trading-prod-archive-crawler
        assume_role_policy: "{{ glue_trust }}"
        managed_policies: [arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole]
    delivery_streams:
      - name: trading-prod-quotes-archive
        source_stream_arn: arn:aws:kinesis:us-east-1:123456789012:stream/trading-prod-quotes
        role_arn: arn:aws:iam::123456789012:role/trading-prod-archive-delivery
        bucket_arn: arn:aws:s3:::trading-prod-archive-123456789012
        prefix: market-data/feed=quotes/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/
        error_output_prefix: errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/
        kms_key_arn: "{{ data_key_arn }}"
        log_group_name: /aws/kinesisfirehose/trading-prod-quotes-archive
    glue_database: {name: trading_prod_market_data, description: Archived market data}
    crawlers:
      - name: trading-prod-market-data
        role_arn: arn:aws:iam::123456789012:role/trading-prod-archive-crawler
        s3_targets: [s3://trading-prod-archive-123456789012/market-data/]
        schedule: cron(15 2 * * ? *)
        schema_change_policy: {update_behavior: UPDATE_IN_DATABASE, delete_behavior: LOG}
    athena_workgroups:
      - name: trading-prod-research
        output_location: s3://trading-prod-athena-results-123456789012/results/
        kms_key_arn: "{{ data_key_arn }}"
        bytes_scanned_cutoff: 10737418240
    tags:
      Project: trading
      Environment: prod
      Component: data_plane
      ManagedBy: ansible

- name: Tear it down (a locked archive that holds objects is kept and named in kept)
  ninetynine.trading_infra.data_archive:
    buckets: [{name: trading-dev-archive-123456789012}, {name: trading-dev-athena-results-123456789012}]
    roles: [{name: trading-dev-archive-delivery}, {name: trading-dev-archive-crawler}]
    delivery_streams: [{name: trading-dev-quotes-archive}]
    glue_database: {name: trading_dev_market_data}
    crawlers: [{name: trading-dev-market-data}]
    athena_workgroups: [{name: trading-dev-research}]
    force: true
    state: absent
"""

RETURN = r"""
buckets:
  description: The buckets by name, as M(ninetynine.trading_infra.s3_buckets) returns them.
  returned: always
  type: dict
roles:
  description: The roles by name, as M(ninetynine.trading_infra.iam_roles) returns them.
  returned: always
  type: dict
delivery_streams:
  description: The delivery streams listed as the run leaves them (as it would, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Delivery stream name.
      type: str
    arn:
      description: Its ARN (null in check mode before it exists, and once deleted).
      type: str
    status:
      description: C(CREATING), C(ACTIVE), ... (null when it does not exist).
      type: str
    version_id:
      description: Its version (raised by each update; null when it does not exist).
      type: str
    source_stream_arn:
      description: The source Kinesis data stream.
      type: str
    destination:
      description: The extended S3 destination, in the options' form, with its C(destination_id).
      type: dict
    tags:
      description: Its tags.
      type: dict
glue_database:
  description: The database (name, description, tags); null when not given.
  returned: always
  type: dict
crawlers:
  description: The crawlers listed, in the options' form, with their C(state) (null when they do not exist).
  returned: always
  type: list
  elements: dict
athena_workgroups:
  description: The workgroups listed, in the options' form.
  returned: always
  type: list
  elements: dict
kept:
  description: With O(state=absent), the buckets kept (Object Lock with objects, or O(delete_only_if_empty)).
  returned: always
  type: list
  elements: str
  sample: [trading-prod-archive-123456789012]
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: ["update the S3 destination of Firehose delivery stream trading-prod-quotes-archive: buffering 128 MiB"]
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and the changes it
      gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: >-
        V(S3 bucket), V(IAM role), V(Firehose delivery stream), V(Glue database), V(Glue crawler) or
        V(Athena workgroup).
      type: str
    name:
      description: The resource's name.
      type: str
    action:
      description: What happens to it.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets (entries of RV(actions)).
      type: list
      elements: str
"""

import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.concurrency import read_all
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.iam import ROLE_OPTIONS
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.iam import reconcile_roles
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import InUse
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Refused
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import run
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import BUCKET_OPTIONS
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import Buckets
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import NotEmpty
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import s3_client
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import storage_classes
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import validate as validate_buckets
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.waiters import wait_settled

STREAM = "Firehose delivery stream"
DATABASE = "Glue database"
CRAWLER = "Glue crawler"
WORKGROUP = "Athena workgroup"
STREAM_NAME_RE = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")
WORKGROUP_NAME_RE = re.compile(r"^[a-zA-Z0-9._-]{1,128}$")
GLUE_NAME_RE = re.compile(r"^[^\x00-\x1f]{1,255}$")
EXPRESSION_RE = re.compile(r"!\{[^{}]*\}")
ERROR_OUTPUT_TYPE = "!{firehose:error-output-type}"
BUFFER_MB = (1, 128)  # BufferingHints.SizeInMBs
BUFFER_S = (0, 900)  # BufferingHints.IntervalInSeconds
MIN_CUTOFF = 10_000_000  # BytesScannedCutoffPerQuery: "Minimum value of 10000000"
ROLE_PROPAGATION_S = 120  # how long a role IAM has just created may take to reach Firehose
DESTINATION_MEMBERS = (  # option(s), the ExtendedS3DestinationUpdate member, the words of the action
    ("role_arn", "RoleARN", "role"),
    ("bucket_arn", "BucketARN", "bucket"),
    ("prefix", "Prefix", "prefix"),
    ("error_output_prefix", "ErrorOutputPrefix", "error output prefix"),
    ("buffering", "BufferingHints", "buffering"),
    ("compression", "CompressionFormat", "compression"),
    ("kms_key_arn", "EncryptionConfiguration", "KMS key"),
    ("logging", "CloudWatchLoggingOptions", "error logging"),
)
LOCKED_REASON = "it has Object Lock and holds object versions, which are never deleted by the module"


def twice(items: list, what: str) -> None:
    names = [i["name"] for i in items]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise Refused(f"{what} lists {', '.join(repeated)} more than once")


def validate(p: dict) -> None:
    """What AWS would refuse of the options, refused before any call, naming the resource."""
    present = p["state"] == "present"
    for what in ("delivery_streams", "crawlers", "athena_workgroups"):
        twice(p[what], what)
    for spec in p["delivery_streams"]:
        name = spec["name"]
        if not STREAM_NAME_RE.match(name):
            raise Refused(f"delivery stream name {name!r} must be 1 to 64 of letters, digits, '_', '.' and '-'")
        if present:
            validate_stream(spec)
    database = p["glue_database"]
    if database is not None and not GLUE_NAME_RE.match(database["name"]):
        raise Refused(f"Glue database name {database['name']!r} must be 1 to 255 characters, none a control")
    for spec in p["crawlers"]:
        if not GLUE_NAME_RE.match(spec["name"]):
            raise Refused(f"crawler name {spec['name']!r} must be 1 to 255 characters, none a control")
        if present:
            validate_crawler(spec, database)
    for spec in p["athena_workgroups"]:
        name = spec["name"]
        if not WORKGROUP_NAME_RE.match(name) or name == "primary":
            raise Refused(
                f"workgroup name {name!r} must be 1 to 128 of letters, digits, '.', '_' and '-', and not primary "
                "(Athena's own workgroup)"
            )
        if present:
            validate_workgroup(spec)


def validate_stream(spec: dict) -> None:
    where = f"delivery stream {spec['name']}"
    missing = [o for o in ("source_stream_arn", "role_arn", "bucket_arn") if not spec.get(o)]
    if missing:
        raise Refused(f"{where}: {', '.join(missing)} required with state=present")
    for option, (low, high) in (("buffering_size_mb", BUFFER_MB), ("buffering_interval_s", BUFFER_S)):
        if not low <= spec[option] <= high:
            raise Refused(f"{where}: {option} must be {low} to {high} (was {spec[option]})")
    prefix, errors = spec["prefix"] or "", spec["error_output_prefix"] or ""
    if EXPRESSION_RE.search(prefix) and not errors:
        raise Refused(f"{where}: a prefix with an expression needs an error_output_prefix (Firehose's rule)")
    if ERROR_OUTPUT_TYPE in prefix:
        raise Refused(f"{where}: the prefix cannot contain {ERROR_OUTPUT_TYPE} (only error_output_prefix can)")
    if EXPRESSION_RE.search(errors) and ERROR_OUTPUT_TYPE not in errors:
        raise Refused(f"{where}: an error_output_prefix with an expression must include {ERROR_OUTPUT_TYPE}")
    if not spec["bucket_arn"].startswith("arn:") or ":s3:::" not in spec["bucket_arn"]:
        raise Refused(f"{where}: bucket_arn {spec['bucket_arn']!r} is not an S3 bucket ARN (arn:aws:s3:::<name>)")


def validate_crawler(spec: dict, database: dict | None) -> None:
    where = f"crawler {spec['name']}"
    if not spec.get("role_arn"):
        raise Refused(f"{where}: role_arn required with state=present")
    if not (spec.get("database") or database):
        raise Refused(f"{where}: database required (or glue_database)")
    if not spec["s3_targets"]:
        raise Refused(f"{where}: at least one s3_targets path is required (Glue's rule)")
    bad = [t for t in spec["s3_targets"] if not re.match(r"^s3://[^/\s]+", t)]
    if bad:
        raise Refused(f"{where}: s3_targets {bad} are not s3://bucket/... paths")
    schedule = spec.get("schedule")
    if schedule:
        match = re.fullmatch(r"cron\((.*)\)", schedule.strip())
        fields = match.group(1).split() if match else []
        if len(fields) != 6 or (fields[2] == "?") == (fields[4] == "?"):
            raise Refused(
                f"{where}: schedule {schedule!r} must be cron(Minutes Hours Day-of-month Month Day-of-week Year), "
                "with ? in one of Day-of-month and Day-of-week"
            )
    policy = policy_of(spec)
    if spec["recrawl_behavior"] == "CRAWL_NEW_FOLDERS_ONLY" and set(policy.values()) != {"LOG"}:
        raise Refused(f"{where}: CRAWL_NEW_FOLDERS_ONLY takes only LOG update_behavior and delete_behavior")


def validate_workgroup(spec: dict) -> None:
    where = f"workgroup {spec['name']}"
    location = spec.get("output_location")
    if location is not None and not re.fullmatch(r"s3://[^/\s]+(/.*)?", location):
        raise Refused(f"{where}: output_location {location!r} is not an s3://bucket/... path")
    cutoff = spec.get("bytes_scanned_cutoff")
    if cutoff is not None and cutoff < MIN_CUTOFF:
        raise Refused(f"{where}: bytes_scanned_cutoff must be {MIN_CUTOFF} (10 MB) or more (was {cutoff})")


def policy_of(spec: dict) -> dict:
    policy = spec.get("schema_change_policy") or {}
    return {
        "UpdateBehavior": policy.get("update_behavior") or "UPDATE_IN_DATABASE",
        "DeleteBehavior": policy.get("delete_behavior") or "DEPRECATE_IN_DATABASE",
    }


def role_not_ready(error) -> bool:
    """Firehose's refusal of a role IAM has not propagated to it yet."""
    message = (error.response.get("Error") or {}).get("Message", "").lower()
    return "unable to assume role" in message or ("role" in message and "not authorized" in message)


def create_retrying_role(create, request: dict, sleep=time.sleep, clock=time.monotonic):
    """``create(**request)`` (CreateDeliveryStream), retried with backoff for up to ROLE_PROPAGATION_S while
    Firehose answers that it cannot assume the role (a new role IAM has not propagated yet); other errors raise."""
    deadline, delay = clock() + ROLE_PROPAGATION_S, 2
    while True:
        try:
            return create(**request)
        except is_boto3_error_code("InvalidArgumentException") as e:
            if not role_not_ready(e) or clock() + delay > deadline:
                raise
        sleep(delay)
        delay = min(2 * delay, 30)


# -- the forms compared and shown ----------------------------------------------------------------
def destination_of(description: dict) -> dict:
    """The extended S3 destination of a delivery stream, in the options' form."""
    first = (description.get("Destinations") or [{}])[0]
    ext = first.get("ExtendedS3DestinationDescription") or first.get("S3DestinationDescription") or {}
    hints = ext.get("BufferingHints") or {}
    logging = ext.get("CloudWatchLoggingOptions") or {}
    on = bool(logging.get("Enabled"))
    return {
        "destination_id": first.get("DestinationId"),
        "role_arn": ext.get("RoleARN"),
        "bucket_arn": ext.get("BucketARN"),
        "prefix": ext.get("Prefix") or "",
        "error_output_prefix": ext.get("ErrorOutputPrefix") or "",
        "buffering_size_mb": hints.get("SizeInMBs"),
        "buffering_interval_s": hints.get("IntervalInSeconds"),
        "compression": ext.get("CompressionFormat") or "UNCOMPRESSED",
        "kms_key_arn": ((ext.get("EncryptionConfiguration") or {}).get("KMSEncryptionConfig") or {}).get(
            "AWSKMSKeyARN"
        ),
        "log_group_name": logging.get("LogGroupName") if on else None,
        "log_stream_name": logging.get("LogStreamName") if on else None,
    }


def wanted_destination(spec: dict) -> dict:
    logged = bool(spec.get("log_group_name"))
    return {
        "role_arn": spec["role_arn"],
        "bucket_arn": spec["bucket_arn"],
        "prefix": spec["prefix"] or "",
        "error_output_prefix": spec["error_output_prefix"] or "",
        "buffering_size_mb": spec["buffering_size_mb"],
        "buffering_interval_s": spec["buffering_interval_s"],
        "compression": spec["compression"],
        "kms_key_arn": spec.get("kms_key_arn") or None,
        "log_group_name": spec["log_group_name"] if logged else None,
        "log_stream_name": spec["log_stream_name"] if logged else None,
    }


def destination_member(option: str, d: dict):
    """One ExtendedS3DestinationUpdate member from a destination in the options' form."""
    if option == "buffering":
        return {"SizeInMBs": d["buffering_size_mb"], "IntervalInSeconds": d["buffering_interval_s"]}
    if option == "kms_key_arn":
        key = d["kms_key_arn"]
        return {"KMSEncryptionConfig": {"AWSKMSKeyARN": key}} if key else {"NoEncryptionConfig": "NoEncryption"}
    if option == "logging":
        if not d["log_group_name"]:
            return {"Enabled": False}
        return {"Enabled": True, "LogGroupName": d["log_group_name"], "LogStreamName": d["log_stream_name"]}
    return d[option]


def member_text(option: str, d: dict) -> str:
    if option == "buffering":
        return f"{d['buffering_size_mb']} MiB or {d['buffering_interval_s']} s"
    if option == "logging":
        return f"{d['log_group_name']}/{d['log_stream_name']}" if d["log_group_name"] else "off"
    value = destination_member(option, d) if option != "kms_key_arn" else d["kms_key_arn"]
    return repr(value) if option in ("prefix", "error_output_prefix") else str(value or "none")


def crawler_of(crawler: dict) -> dict:
    targets = crawler.get("Targets") or {}
    others = {k: v for k, v in targets.items() if k != "S3Targets" and v}
    policy = crawler.get("SchemaChangePolicy") or {}
    state = {
        "role_arn": crawler.get("Role"),
        "database": crawler.get("DatabaseName"),
        "s3_targets": [t.get("Path") for t in targets.get("S3Targets") or []],
        "schedule": (crawler.get("Schedule") or {}).get("ScheduleExpression") or None,
        "table_prefix": crawler.get("TablePrefix") or "",
        "schema_change_policy": {
            "update_behavior": policy.get("UpdateBehavior") or "UPDATE_IN_DATABASE",
            "delete_behavior": policy.get("DeleteBehavior") or "DEPRECATE_IN_DATABASE",
        },
        "recrawl_behavior": (crawler.get("RecrawlPolicy") or {}).get("RecrawlBehavior") or "CRAWL_EVERYTHING",
    }
    if others:
        state["other_targets"] = sorted(others)
    return state


def wanted_crawler(spec: dict, database: dict | None) -> dict:
    policy = policy_of(spec)
    return {
        "role_arn": spec["role_arn"],
        "database": spec.get("database") or database["name"],
        "s3_targets": list(spec["s3_targets"]),
        "schedule": spec.get("schedule") or None,
        "table_prefix": spec["table_prefix"] or "",
        "schema_change_policy": {
            "update_behavior": policy["UpdateBehavior"],
            "delete_behavior": policy["DeleteBehavior"],
        },
        "recrawl_behavior": spec["recrawl_behavior"],
    }


CRAWLER_MEMBERS = (  # option, the CreateCrawler/UpdateCrawler member, its value from the options' form
    ("role_arn", "Role", lambda c: c["role_arn"]),
    ("database", "DatabaseName", lambda c: c["database"]),
    ("s3_targets", "Targets", lambda c: {"S3Targets": [{"Path": p} for p in c["s3_targets"]]}),
    ("schedule", "Schedule", lambda c: c["schedule"] or ""),
    ("table_prefix", "TablePrefix", lambda c: c["table_prefix"]),
    (
        "schema_change_policy",
        "SchemaChangePolicy",
        lambda c: {
            "UpdateBehavior": c["schema_change_policy"]["update_behavior"],
            "DeleteBehavior": c["schema_change_policy"]["delete_behavior"],
        },
    ),
    ("recrawl_behavior", "RecrawlPolicy", lambda c: {"RecrawlBehavior": c["recrawl_behavior"]}),
)


def workgroup_of(group: dict) -> dict:
    config = group.get("Configuration") or {}
    results = config.get("ResultConfiguration") or {}
    encryption = results.get("EncryptionConfiguration") or {}
    return {
        "description": group.get("Description") or "",
        "output_location": results.get("OutputLocation"),
        "kms_key_arn": encryption.get("KmsKey") if encryption.get("EncryptionOption") == "SSE_KMS" else None,
        "encryption": encryption.get("EncryptionOption"),
        "bytes_scanned_cutoff": config.get("BytesScannedCutoffPerQuery"),
        "enforce_workgroup_configuration": config.get("EnforceWorkGroupConfiguration", True),
        "publish_cloudwatch_metrics": config.get("PublishCloudWatchMetricsEnabled", True),
        "engine_version": (config.get("EngineVersion") or {}).get("SelectedEngineVersion"),
    }


def wanted_workgroup(spec: dict, current: dict | None) -> dict:
    """What the workgroup is to be; an option that is omitted and leaves things alone takes the current value."""
    current = current or {}
    key = spec.get("kms_key_arn") or None

    def given(option):
        return spec.get(option) if spec.get(option) is not None else current.get(option)

    return {
        "description": given("description") or "",
        "output_location": given("output_location"),
        "kms_key_arn": key,
        "encryption": "SSE_KMS" if key else None,
        "bytes_scanned_cutoff": spec.get("bytes_scanned_cutoff"),
        "enforce_workgroup_configuration": spec["enforce_workgroup_configuration"],
        "publish_cloudwatch_metrics": spec["publish_cloudwatch_metrics"],
        "engine_version": given("engine_version"),
    }


def workgroup_configuration(w: dict, was: dict | None) -> dict:
    """CreateWorkGroup's Configuration (``was`` None) or UpdateWorkGroup's ConfigurationUpdates from ``was``."""
    updates = was is not None
    was = was or {}

    def differs(option):
        return not updates or w[option] != was.get(option)

    config, results = {}, {}
    if differs("output_location") and w["output_location"]:
        results["OutputLocation"] = w["output_location"]
    if differs("kms_key_arn") or differs("encryption"):
        if w["kms_key_arn"]:
            results["EncryptionConfiguration"] = {"EncryptionOption": "SSE_KMS", "KmsKey": w["kms_key_arn"]}
        elif updates:
            results["RemoveEncryptionConfiguration"] = True
    if results:
        config["ResultConfigurationUpdates" if updates else "ResultConfiguration"] = results
    if differs("enforce_workgroup_configuration"):
        config["EnforceWorkGroupConfiguration"] = w["enforce_workgroup_configuration"]
    if differs("publish_cloudwatch_metrics"):
        config["PublishCloudWatchMetricsEnabled"] = w["publish_cloudwatch_metrics"]
    if differs("bytes_scanned_cutoff"):
        if w["bytes_scanned_cutoff"] is not None:
            config["BytesScannedCutoffPerQuery"] = w["bytes_scanned_cutoff"]
        elif updates:
            config["RemoveBytesScannedCutoffPerQuery"] = True
    if differs("engine_version") and w["engine_version"]:
        config["EngineVersion"] = {"SelectedEngineVersion": w["engine_version"]}
    return config


def changes_text(wanted: dict, was: dict, options) -> str:
    return "; ".join(f"{o.replace('_', ' ')} {wanted[o]!r} (was {was.get(o)!r})" for o in options)


class Archive:
    """The calls of one run: the clients (made when a part needs them), reads, waits."""

    def __init__(self, module, plan: Plan) -> None:
        self.module, self.plan, self.p = module, plan, module.params
        self._clients = {}
        self.account = None
        self.partition = "aws"
        self.region = module.region or "us-east-1"

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = self.module.client(service, retry_decorator=retry_decorator())
            self.partition = self._clients[service].meta.partition
        return self._clients[service]

    def arn(self, service: str, resource: str) -> str:
        if self.account is None:
            self.account = self.client("sts").get_caller_identity(aws_retry=True)["Account"]
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    # -- reads -------------------------------------------------------------------------------------
    def describe_stream(self, name: str) -> dict | None:
        try:
            return self.client("firehose").describe_delivery_stream(DeliveryStreamName=name, aws_retry=True)[
                "DeliveryStreamDescription"
            ]
        except is_boto3_error_code("ResourceNotFoundException"):
            return None

    def get_database(self, name: str) -> dict | None:
        try:
            return self.client("glue").get_database(Name=name, aws_retry=True)["Database"]
        except is_boto3_error_code("EntityNotFoundException"):
            return None

    def get_crawlers(self, names: list) -> dict:
        answer = self.client("glue").batch_get_crawlers(CrawlerNames=names, aws_retry=True)
        return {c["Name"]: c for c in answer.get("Crawlers") or []}

    def get_workgroup(self, name: str) -> dict | None:
        try:
            return self.client("athena").get_work_group(WorkGroup=name, aws_retry=True)["WorkGroup"]
        except is_boto3_error_code("InvalidRequestException") as e:
            if "not found" in (e.response.get("Error") or {}).get("Message", "").lower():
                return None
            raise

    def stream_tags(self, name: str) -> dict:
        tags, start = {}, None
        while True:
            kwargs = {"DeliveryStreamName": name, "Limit": 50}
            if start:
                kwargs["ExclusiveStartTagKey"] = start
            page = self.client("firehose").list_tags_for_delivery_stream(aws_retry=True, **kwargs)
            tags.update(boto3_tag_list_to_ansible_dict(page.get("Tags") or []))
            if not page.get("HasMoreTags") or not page.get("Tags"):
                return tags
            start = page["Tags"][-1]["Key"]

    def glue_tags(self, arn: str) -> dict:
        return self.client("glue").get_tags(ResourceArn=arn, aws_retry=True).get("Tags") or {}

    def athena_tags(self, arn: str) -> dict:
        tags, token = [], None
        while True:
            kwargs = {"ResourceARN": arn, **({"NextToken": token} if token else {})}
            page = self.client("athena").list_tags_for_resource(aws_retry=True, **kwargs)
            tags.extend(page.get("Tags") or [])
            token = page.get("NextToken")
            if not token:
                return boto3_tag_list_to_ansible_dict(tags)

    def read(self, with_tags: bool) -> dict:
        """Every delivery stream, the database, the crawlers and the workgroups asked for, read at once; then,
        with ``with_tags``, the tags of those that exist, at once. Returns {(part, name): found}."""
        p, jobs = self.p, {}
        for spec in p["delivery_streams"]:
            jobs[("stream", spec["name"])] = self.describe_stream
        if p["glue_database"] is not None:
            jobs[("database", p["glue_database"]["name"])] = self.get_database
        if p["crawlers"]:
            names = [c["name"] for c in p["crawlers"]]
            jobs[("crawlers", None)] = lambda _name: self.get_crawlers(names)
        for spec in p["athena_workgroups"]:
            jobs[("workgroup", spec["name"])] = self.get_workgroup
        found = read_all(lambda key: jobs[key](key[1]), list(jobs))
        for name, crawler in (found.pop(("crawlers", None), None) or {}).items():
            found[("crawler", name)] = crawler
        if not with_tags:
            return found
        self.learn_account(found)
        tag_jobs = {}
        for (part, name), value in found.items():
            if value is None:
                continue
            if part == "stream":
                tag_jobs[("stream tags", name)] = lambda name=name: self.stream_tags(name)
            elif part in ("database", "crawler"):
                arn = self.glue_arn(part, name)
                tag_jobs[(f"{part} tags", name)] = lambda arn=arn: self.glue_tags(arn)
            else:
                arn = self.arn("athena", f"workgroup/{name}")
                tag_jobs[("workgroup tags", name)] = lambda arn=arn: self.athena_tags(arn)
        found.update(read_all(lambda key: tag_jobs[key](), list(tag_jobs)))
        return found

    def learn_account(self, found: dict) -> None:
        """The account id from what was read (no call), when something read tells it."""
        for (part, _name), value in found.items():
            if part == "database" and value and value.get("CatalogId"):
                self.account = value["CatalogId"]
            elif part == "stream" and value:
                self.account = value["DeliveryStreamARN"].split(":")[4]
                self.partition = value["DeliveryStreamARN"].split(":")[1]

    def glue_arn(self, part: str, name: str) -> str:
        return self.arn("glue", f"{part}/{name.lower() if part == 'database' else name}")

    # -- waits -------------------------------------------------------------------------------------
    def settle_stream(self, name: str, gone: bool = False):
        what = f"deletion of {STREAM} {name}" if gone else f"{STREAM} {name} to be ACTIVE"

        def failed(d):
            if d["DeliveryStreamStatus"] in ("CREATING_FAILED", "DELETING_FAILED"):
                return f"{d['DeliveryStreamStatus']}: {(d.get('FailureDescription') or {}).get('Details', '')}"
            return None

        return wait_settled(
            self.module,
            lambda: self.describe_stream(name),
            lambda d: d["DeliveryStreamStatus"] == "ACTIVE",
            what,
            self.p["wait_timeout"],
            gone,
            failed=failed,
            plan=self.plan,
        )


# -- present --------------------------------------------------------------------------------------
def refuse_existing(p: dict, found: dict) -> None:
    """What cannot be done to what exists, refused before any write."""
    for spec in p["delivery_streams"]:
        current = found.get(("stream", spec["name"]))
        if current is None:
            continue
        source = (current.get("Source") or {}).get("KinesisStreamSourceDescription") or {}
        for option, key, what in (
            ("source_stream_arn", "KinesisStreamARN", "source stream"),
            ("role_arn", "RoleARN", "role reading the source"),
        ):
            if source.get(key) and source[key] != spec[option]:
                raise Refused(
                    f"delivery stream {spec['name']}: its {what} is {source[key]}, not {spec[option]}; it cannot "
                    "change in place (delete the delivery stream first, or give the new one another name)"
                )
    for spec in p["crawlers"]:
        current = found.get(("crawler", spec["name"]))
        if current is None or current.get("State") in (None, "READY"):
            continue
        if crawler_of(current) != wanted_crawler(spec, p["glue_database"]):
            raise Refused(f"crawler {spec['name']} is {current['State']}: Glue updates a crawler only when it is READY")


def reconcile_stream(run: Archive, spec: dict, current: dict | None, current_tags, tags, purge: bool) -> tuple:
    """One delivery stream: (its state before, its result)."""
    firehose, plan, name = run.client("firehose"), run.plan, spec["name"]
    wanted = wanted_destination(spec)
    plan.about(STREAM, name, exists=current is not None)
    if current is None:
        ext = {member: destination_member(o, wanted) for o, member, _w in DESTINATION_MEMBERS}
        for member in ("Prefix", "ErrorOutputPrefix"):
            if not ext[member]:
                del ext[member]
        request = {
            "DeliveryStreamName": name,
            "DeliveryStreamType": "KinesisStreamAsSource",
            "KinesisStreamSourceConfiguration": {
                "KinesisStreamARN": spec["source_stream_arn"],
                "RoleARN": spec["role_arn"],
            },
            "ExtendedS3DestinationConfiguration": ext,
        }
        if tags:
            request["Tags"] = ansible_dict_to_boto3_tag_list(tags)

        def create():
            try:
                create_retrying_role(lambda **kw: firehose.create_delivery_stream(aws_retry=True, **kw), request)
            except is_boto3_error_code("ResourceInUseException"):
                pass  # a retried create whose first try went through

        plan.do(f"create {STREAM} {name} from {spec['source_stream_arn']} to {spec['bucket_arn']}", create)
        described = None
        if not plan.check_mode:
            described = run.settle_stream(name) if run.p["wait"] else run.describe_stream(name)
        return {}, stream_result(spec, described, wanted, dict(tags or {}))
    was = destination_of(current)
    differ = [
        (o, member, words)
        for o, member, words in DESTINATION_MEMBERS
        if destination_member(o, wanted) != destination_member(o, was)
    ]
    described = current
    if differ:
        if current["DeliveryStreamStatus"] != "ACTIVE" and not plan.check_mode:
            current = run.settle_stream(name)
        update = {member: destination_member(o, wanted) for o, member, _w in differ}
        notes = "; ".join(f"{words} {member_text(o, wanted)} (was {member_text(o, was)})" for o, _m, words in differ)
        plan.do(
            f"update the S3 destination of {STREAM} {name}: {notes}",
            firehose.update_destination,
            DeliveryStreamName=name,
            CurrentDeliveryStreamVersionId=current["VersionId"],
            DestinationId=was["destination_id"],
            ExtendedS3DestinationUpdate=update,
            aws_retry=True,
        )
        if not plan.check_mode:
            described = run.describe_stream(name) or current
    after_tags = current_tags
    if tags is not None:
        after_tags = plan_tags(
            plan,
            f"{STREAM} {name}",
            current_tags,
            tags,
            purge,
            lambda t: firehose.tag_delivery_stream(
                DeliveryStreamName=name, Tags=ansible_dict_to_boto3_tag_list(t), aws_retry=True
            ),
            lambda keys: firehose.untag_delivery_stream(DeliveryStreamName=name, TagKeys=keys, aws_retry=True),
        )
    shown = {k: v for k, v in was.items() if k != "destination_id"}
    before = {"source_stream_arn": spec["source_stream_arn"], "destination": shown, "tags": current_tags}
    return before, stream_result(spec, described, wanted, after_tags)


def stream_result(spec: dict, described: dict | None, wanted: dict, tags: dict) -> dict:
    described = described or {}
    destination = dict(wanted, destination_id=destination_of(described)["destination_id"] if described else None)
    return {
        "name": spec["name"],
        "arn": described.get("DeliveryStreamARN"),
        "status": described.get("DeliveryStreamStatus"),
        "version_id": described.get("VersionId"),
        "source_stream_arn": spec.get("source_stream_arn"),
        "destination": destination,
        "tags": tags,
    }


def glue_tagger(run: Archive, arn_of):
    glue = run.client("glue")
    return (
        lambda t: glue.tag_resource(ResourceArn=arn_of(), TagsToAdd=t, aws_retry=True),
        lambda keys: glue.untag_resource(ResourceArn=arn_of(), TagsToRemove=keys, aws_retry=True),
    )


def reconcile_database(run: Archive, spec: dict, current: dict | None, current_tags, tags, purge: bool) -> tuple:
    glue, plan = run.client("glue"), run.plan
    name = spec["name"].lower()
    plan.about(DATABASE, name, exists=current is not None)
    if current is None:
        database = {"Name": spec["name"], **({"Description": spec["description"]} if spec.get("description") else {})}
        request = {"DatabaseInput": database, **({"Tags": tags} if tags else {})}
        plan.do(f"create {DATABASE} {name}", glue.create_database, aws_retry=True, **request)
        return {}, {"name": name, "description": spec.get("description") or "", "tags": dict(tags or {})}
    was = {"description": current.get("Description") or "", "tags": current_tags}
    description = was["description"] if spec.get("description") is None else spec["description"]
    if description != was["description"]:
        kept = {k: current[k] for k in ("LocationUri", "Parameters", "CreateTableDefaultPermissions") if k in current}
        plan.do(
            f"set the description of {DATABASE} {name} to {description!r} (was {was['description']!r})",
            glue.update_database,
            Name=current["Name"],
            DatabaseInput={**kept, "Name": current["Name"], "Description": description},
            aws_retry=True,
        )
    after_tags = current_tags
    if tags is not None:
        tag, untag = glue_tagger(run, lambda: run.glue_arn("database", name))
        after_tags = plan_tags(plan, f"{DATABASE} {name}", current_tags, tags, purge, tag, untag)
    return was, {"name": name, "description": description, "tags": after_tags}


def reconcile_crawler(run: Archive, spec: dict, current: dict | None, current_tags, tags, purge: bool) -> tuple:
    glue, plan, name = run.client("glue"), run.plan, spec["name"]
    wanted = wanted_crawler(spec, run.p["glue_database"])
    plan.about(CRAWLER, name, exists=current is not None)
    if current is None:
        request = {member: value(wanted) for _o, member, value in CRAWLER_MEMBERS}
        request = {k: v for k, v in request.items() if v != ""}
        if tags:
            request["Tags"] = tags
        plan.do(
            f"create {CRAWLER} {name} of {', '.join(wanted['s3_targets'])}",
            glue.create_crawler,
            Name=name,
            aws_retry=True,
            **request,
        )
        return {}, dict(wanted, name=name, state=None if plan.check_mode else "READY", tags=dict(tags or {}))
    was = crawler_of(current)
    differ = [(o, member, value) for o, member, value in CRAWLER_MEMBERS if wanted[o] != was.get(o)]
    if "other_targets" in was and not any(o == "s3_targets" for o, _m, _v in differ):
        differ.append(next(m for m in CRAWLER_MEMBERS if m[0] == "s3_targets"))
    if differ:
        plan.do(
            f"update {CRAWLER} {name}: {changes_text(wanted, was, [o for o, _m, _v in differ])}",
            glue.update_crawler,
            Name=name,
            aws_retry=True,
            **{member: value(wanted) for _o, member, value in differ},
        )
    after_tags = current_tags
    if tags is not None:
        tag, untag = glue_tagger(run, lambda: run.glue_arn("crawler", name))
        after_tags = plan_tags(plan, f"{CRAWLER} {name}", current_tags, tags, purge, tag, untag)
    return dict(was, tags=current_tags), dict(wanted, name=name, state=current.get("State"), tags=after_tags)


def reconcile_workgroup(run: Archive, spec: dict, current: dict | None, current_tags, tags, purge: bool) -> tuple:
    athena, plan, name = run.client("athena"), run.plan, spec["name"]
    plan.about(WORKGROUP, name, exists=current is not None)
    was = workgroup_of(current) if current is not None else None
    wanted = wanted_workgroup(spec, was)
    if current is None:
        request = {"Name": name, "Configuration": workgroup_configuration(wanted, None)}
        if wanted["description"]:
            request["Description"] = wanted["description"]
        if tags:
            request["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        plan.do(f"create {WORKGROUP} {name}", athena.create_work_group, aws_retry=True, **request)
        return {}, dict(wanted, name=name, tags=dict(tags or {}))
    differ = [o for o in wanted if wanted[o] != was[o]]
    if differ:
        request = {"WorkGroup": name}
        configuration = workgroup_configuration(wanted, was)
        if configuration:
            request["ConfigurationUpdates"] = configuration
        if wanted["description"] != was["description"]:
            request["Description"] = wanted["description"]
        plan.do(
            f"update {WORKGROUP} {name}: {changes_text(wanted, was, differ)}",
            athena.update_work_group,
            aws_retry=True,
            **request,
        )
    after_tags = current_tags
    if tags is not None:
        arn = run.arn("athena", f"workgroup/{name}")
        after_tags = plan_tags(
            plan,
            f"{WORKGROUP} {name}",
            current_tags,
            tags,
            purge,
            lambda t: athena.tag_resource(ResourceARN=arn, Tags=ansible_dict_to_boto3_tag_list(t), aws_retry=True),
            lambda keys: athena.untag_resource(ResourceARN=arn, TagKeys=keys, aws_retry=True),
        )
    return dict(was, tags=current_tags), dict(wanted, name=name, tags=after_tags)


def reconcile_parts(run: Archive, found: dict, tags, purge: bool) -> tuple:
    """Delivery streams, the database, crawlers and workgroups, in this order: (before, after, results)."""
    p = run.p
    before, after = {}, {}
    results = {"delivery_streams": [], "glue_database": None, "crawlers": [], "athena_workgroups": []}
    parts = [("delivery_streams", "stream", reconcile_stream, s) for s in p["delivery_streams"]]
    if p["glue_database"] is not None:
        parts.append(("glue_database", "database", reconcile_database, p["glue_database"]))
    parts += [("crawlers", "crawler", reconcile_crawler, s) for s in p["crawlers"]]
    parts += [("athena_workgroups", "workgroup", reconcile_workgroup, s) for s in p["athena_workgroups"]]
    for key, part, reconcile, spec in parts:
        name = spec["name"]
        current = found.get((part, name))
        current_tags = found.get((f"{part} tags", name), {})
        done = len(run.plan.actions)
        was, result = reconcile(run, spec, current, current_tags, tags, purge)
        if key == "glue_database":
            results[key] = result
        else:
            results[key].append(result)
        if len(run.plan.actions) > done:
            before.setdefault(key, {})[name] = was
            shown = {k: v for k, v in result.items() if k not in ("name", "arn", "status", "version_id", "state")}
            if "destination" in shown:
                shown["destination"] = {k: v for k, v in shown["destination"].items() if k != "destination_id"}
            after.setdefault(key, {})[name] = shown
    return before, after, results


# -- absent ---------------------------------------------------------------------------------------
def absent_parts(run: Archive, found: dict) -> tuple:
    """Workgroups, crawlers, the database, then the delivery streams (waited for until gone)."""
    p, plan, before = run.p, run.plan, {}
    steps = [
        ("athena_workgroups", "workgroup", WORKGROUP, [s["name"] for s in p["athena_workgroups"]]),
        ("crawlers", "crawler", CRAWLER, [s["name"] for s in p["crawlers"]]),
        ("glue_database", "database", DATABASE, [p["glue_database"]["name"]] if p["glue_database"] else []),
        ("delivery_streams", "stream", STREAM, [s["name"] for s in p["delivery_streams"]]),
    ]
    deletes = {
        "workgroup": lambda n: run.client("athena").delete_work_group(
            WorkGroup=n, RecursiveDeleteOption=True, aws_retry=True
        ),
        "crawler": lambda n: run.client("glue").delete_crawler(Name=n, aws_retry=True),
        "database": lambda n: run.client("glue").delete_database(Name=n, aws_retry=True),
        "stream": lambda n: run.client("firehose").delete_delivery_stream(DeliveryStreamName=n, aws_retry=True),
    }
    deleting = []
    for key, part, kind, names in steps:
        for name in names:
            current = found.get((part, name))
            if current is None:
                continue
            if part == "crawler" and current.get("State") not in (None, "READY"):
                raise InUse(f"{CRAWLER} {name} is {current['State']}: Glue deletes a crawler only when it is READY")
            before.setdefault(key, {})[name] = {"exists": True}
            if part == "stream":
                deleting.append(name)
                if current.get("DeliveryStreamStatus") == "DELETING":
                    continue
            shown = name.lower() if part == "database" else name
            plan.about(kind, shown, wanted=False)
            plan.do(f"delete {kind} {shown}", deletes[part], name)
    if p["wait"] and not plan.check_mode:
        for name in deleting:
            run.settle_stream(name, gone=True)
    results = {
        "delivery_streams": [
            {"name": s["name"], "arn": None, "status": None, "version_id": None, "destination": None, "tags": {}}
            for s in p["delivery_streams"]
        ],
        "glue_database": {"name": p["glue_database"]["name"].lower(), "tags": {}} if p["glue_database"] else None,
        "crawlers": [{"name": s["name"], "state": None, "tags": {}} for s in p["crawlers"]],
        "athena_workgroups": [{"name": s["name"], "tags": {}} for s in p["athena_workgroups"]],
    }
    return before, results


def locked_buckets(buckets: Buckets, specs: list) -> set:
    """The buckets listed that exist with Object Lock on (read at once)."""

    def locked(name):
        try:
            answer = buckets.call("get_object_lock_configuration", Bucket=name)
        except is_boto3_error_code(("ObjectLockConfigurationNotFoundError", "NoSuchBucket", "404")):
            return False
        except is_boto3_error_code(("403", "AccessDenied")):
            return False  # not ours: the core leaves it alone
        return (answer.get("ObjectLockConfiguration") or {}).get("ObjectLockEnabled") == "Enabled"

    found = read_all(locked, [s["name"] for s in specs])
    return {name for name, on in found.items() if on}


def absent_buckets(module, client, plan: Plan, p: dict) -> tuple:
    """The buckets, last, in reverse order: a bucket with Object Lock that holds objects is kept, never emptied;
    the others as s3_buckets deletes them (force, delete_only_if_empty)."""
    specs = list(reversed(p["buckets"]))
    locked = locked_buckets(Buckets(module, client, plan, dict(p, buckets=specs)), specs)
    default_reason = BUCKET_OPTIONS["keep_reason"]["default"]
    keep = [
        dict(s, keep_reason=LOCKED_REASON if s["keep_reason"] == default_reason else s["keep_reason"])
        for s in specs
        if s["name"] in locked
    ]
    groups = [
        dict(p, buckets=[s for s in specs if s["name"] not in locked]),
        dict(p, buckets=keep, force=False, delete_only_if_empty=True),
    ]
    before, results, kept = {}, {}, []
    for params in groups:
        if params["buckets"]:
            was, _after, result, kept_here = Buckets(module, client, plan, params).absent()
            before.update(was)
            results.update(result)
            kept.extend(kept_here)
    return before, {s["name"]: results[s["name"]] for s in p["buckets"]}, kept


def main():
    argument_spec = dict(
        buckets=dict(type="list", elements="dict", default=[], options=BUCKET_OPTIONS),
        roles=dict(type="list", elements="dict", default=[], options=ROLE_OPTIONS),
        delivery_streams=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                source_stream_arn=dict(type="str"),
                role_arn=dict(type="str"),
                bucket_arn=dict(type="str"),
                prefix=dict(type="str", default=""),
                error_output_prefix=dict(type="str", default=""),
                buffering_size_mb=dict(type="int", default=64),
                buffering_interval_s=dict(type="int", default=300),
                compression=dict(
                    type="str", default="GZIP", choices=["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"]
                ),
                kms_key_arn=dict(type="str", no_log=False),
                log_group_name=dict(type="str"),
                log_stream_name=dict(type="str", default="DestinationDelivery"),
            ),
        ),
        glue_database=dict(
            type="dict", options=dict(name=dict(type="str", required=True), description=dict(type="str"))
        ),
        crawlers=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                role_arn=dict(type="str"),
                database=dict(type="str"),
                s3_targets=dict(type="list", elements="str", default=[]),
                schedule=dict(type="str"),
                table_prefix=dict(type="str", default=""),
                schema_change_policy=dict(
                    type="dict",
                    default={},
                    options=dict(
                        update_behavior=dict(
                            type="str", default="UPDATE_IN_DATABASE", choices=["LOG", "UPDATE_IN_DATABASE"]
                        ),
                        delete_behavior=dict(
                            type="str",
                            default="DEPRECATE_IN_DATABASE",
                            choices=["LOG", "DELETE_FROM_DATABASE", "DEPRECATE_IN_DATABASE"],
                        ),
                    ),
                ),
                recrawl_behavior=dict(
                    type="str",
                    default="CRAWL_EVERYTHING",
                    choices=["CRAWL_EVERYTHING", "CRAWL_NEW_FOLDERS_ONLY", "CRAWL_EVENT_MODE"],
                ),
            ),
        ),
        athena_workgroups=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str"),
                output_location=dict(type="str"),
                kms_key_arn=dict(type="str", no_log=False),
                bytes_scanned_cutoff=dict(type="int"),
                enforce_workgroup_configuration=dict(type="bool", default=True),
                publish_cloudwatch_metrics=dict(type="bool", default=True),
                engine_version=dict(type="str"),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        expected_bucket_owner=dict(type="str"),
        force=dict(type="bool", default=False),
        delete_only_if_empty=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    present = p["state"] == "present"
    tags = {str(k): str(v) for k, v in p["tags"].items()} if p["tags"] is not None else None
    s3 = s3_client(module) if p["buckets"] else None
    try:
        validate(p)
        if s3 is not None:
            validate_buckets(p, storage_classes(s3))
    except Refused as e:
        module.fail_json(msg=str(e), actions=[], resources=[])
    plan = Plan(module.check_mode)
    archive = Archive(module, plan)

    def reconcile():
        before, after = {}, {}
        found = archive.read(with_tags=present and tags is not None)
        results = {"buckets": {}, "roles": {}, "kept": []}
        if not present:
            was, parts = absent_parts(archive, found)
            before.update(was)
            results.update(parts)
            if p["roles"]:
                before["roles"], _after, results["roles"] = reconcile_roles(
                    module, plan, list(reversed(p["roles"])), tags, p["purge_tags"], present=False
                )
            if p["buckets"]:
                before["buckets"], results["buckets"], results["kept"] = absent_buckets(module, s3, plan, p)
            return {k: v for k, v in before.items() if v}, {}, results
        refuse_existing(p, found)
        if p["buckets"]:
            before["buckets"], after["buckets"], results["buckets"] = Buckets(module, s3, plan).present()
        if p["roles"]:
            before["roles"], after["roles"], results["roles"] = reconcile_roles(
                module, plan, p["roles"], tags, p["purge_tags"]
            )
        was, now, parts = reconcile_parts(archive, found, tags, p["purge_tags"])
        before.update(was)
        after.update(now)
        results.update(parts)
        return {k: v for k, v in before.items() if v}, {k: v for k, v in after.items() if v}, results

    # Nothing is rolled back, nothing is deleted to start again: what was done is in actions.
    what = "reconciliation failed (nothing was deleted)" if present else "deletion failed"
    run(module, plan, reconcile, f"data archive {what}", refusals=(Refused, InUse, NotEmpty))


if __name__ == "__main__":
    main()
