#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: s3_buckets
short_description: S3 buckets with encryption, public access, ownership, policy, lifecycle and tags, in one invocation
version_added: 1.0.0
description:
  - Creates the buckets listed, then brings each one's default encryption, public access block, object ownership,
    bucket policy, versioning, lifecycle rules and tags to what is asked, with one call per part that differs.
    A part that is not asked for is neither read nor changed.
  - Bucket names are global. Each bucket is first asked for with C(HeadBucket) (with C(ExpectedBucketOwner) when
    O(expected_bucket_owner) is given); a name that another account holds (C(403)), or a bucket of ours in another
    region, fails the task before any write, naming the bucket. C(BucketAlreadyExists) on creation fails the same
    way.
  - On a run with nothing to change it reads, per bucket, C(HeadBucket) and one C(Get) call per part asked for
    (C(GetBucketEncryption), C(GetPublicAccessBlock), C(GetBucketOwnershipControls), C(GetBucketPolicy),
    C(GetBucketVersioning), C(GetObjectLockConfiguration), C(GetBucketLogging), C(GetBucketLifecycleConfiguration),
    C(GetBucketTagging)), the parts of every bucket read
    concurrently. A part that was never configured answers an error code, read as none.
  - Policies are compared by meaning (statement order, a single value or a list of one, the same principal
    spelled as an account id or its root ARN). Lifecycle rules are the exact set asked for, found by their id (a
    rule whose prefix changes is replaced; rules not listed are removed).
  - A bucket that fails to be configured is left as it is (it is never deleted); what was done is in RV(actions).
  - With O(state=absent), deletes the listed buckets that exist. A bucket that still holds objects is emptied
    first with O(force=true) (every object version and delete marker), kept with O(delete_only_if_empty=true)
    (named in RV(kept) and in a warning giving O(buckets[].keep_reason)), and otherwise the task fails naming it,
    after deleting the other buckets listed.
  - Supports check mode (no write; a bucket to be created is reported as created, with its ARN, which S3 derives
    from the name) and diff mode (before and after of each bucket that changes).
  - Replaces M(amazon.aws.s3_bucket) and M(community.aws.s3_lifecycle) in the roles (four invocations a run, no
    check mode, a stale list of storage classes, and C(force) deleting prod's audit history).
author:
  - 99Tech platform engineering (@99tech)
options:
  buckets:
    description: The buckets, each one a dict.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Bucket name, global to S3. 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending
            with a letter or digit.
        type: str
        required: true
      encryption:
        description:
          - Default encryption of new objects. V(AES256) is SSE-S3, V(aws:kms) SSE-KMS, V(aws:kms:dsse) dual-layer
            SSE-KMS.
          - Omitted, the bucket's encryption is left as it is.
        type: str
        choices: [AES256, aws:kms, aws:kms:dsse]
      encryption_key_id:
        description:
          - The KMS key of V(aws:kms) and V(aws:kms:dsse) encryption (a key ARN, key id or alias ARN). Omitted, S3
            uses the account's C(aws/s3) key.
          - A key id and a key ARN ending with that id are the same key.
        type: str
      bucket_key_enabled:
        description:
          - Whether SSE-KMS uses an S3 Bucket Key (fewer KMS requests). Omitted, left as it is on an existing
            bucket (S3 sets V(false) when encryption is written without it).
        type: bool
      public_access:
        description:
          - The bucket's public access block. Each setting omitted from the dict is V(true) (blocked).
          - Omitted, the bucket's public access block is left as it is.
        type: dict
        suboptions:
          block_public_acls:
            description: Refuse requests that set a public ACL.
            type: bool
            default: true
          ignore_public_acls:
            description: Ignore every public ACL on the bucket and its objects.
            type: bool
            default: true
          block_public_policy:
            description: Refuse a bucket policy that grants public access.
            type: bool
            default: true
          restrict_public_buckets:
            description: Only AWS services and the account may use a bucket with a public policy.
            type: bool
            default: true
      object_ownership:
        description:
          - Object ownership. V(BucketOwnerEnforced) turns ACLs off (the bucket owner owns every object).
          - Set at creation when asked; omitted, left as it is.
        type: str
        choices: [BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter]
      policy:
        description:
          - The bucket policy, a dict or its JSON. An empty dict or string deletes the bucket's policy.
          - Omitted, the bucket's policy is left as it is.
        type: raw
      versioning:
        description:
          - V(true) turns versioning on; V(false) suspends it on a bucket that has it (a bucket that never had it
            is left unversioned). Omitted, left as it is.
        type: bool
      object_lock:
        description:
          - S3 Object Lock, with the default retention of new object versions (write once, read many). It needs
            O(buckets[].versioning=true). A new bucket is created with Object Lock; an existing one has it turned
            on (S3 allows it since November 2023). Object Lock cannot be turned off.
          - A V(COMPLIANCE) default retention is never shortened nor turned into V(GOVERNANCE) by the module; the
            run fails naming the bucket, before any write (a shorter period breaks write-once records rules such
            as SEC 17a-4).
          - Omitted, left as it is.
        type: dict
        suboptions:
          mode:
            description: V(COMPLIANCE) (nobody, root included, can shorten it) or V(GOVERNANCE).
            type: str
            choices: [COMPLIANCE, GOVERNANCE]
          days:
            description: Default retention in days (with a mode, days or years).
            type: int
          years:
            description: Default retention in years.
            type: int
      logging:
        description:
          - Server access logging to a target bucket of the same account and region, which must let
            C(logging.s3.amazonaws.com) write (its bucket policy) and must not have an Object Lock default
            retention (S3's rules). List the target bucket before the buckets that log to it. Without
            O(buckets[].logging.target_bucket), logging is turned off. Omitted, left as it is.
        type: dict
        suboptions:
          target_bucket:
            description: The bucket the access logs are written to.
            type: str
          target_prefix:
            description: Key prefix of the log objects (end it with C(/)).
            type: str
            default: ""
      lifecycle_rules:
        description:
          - The bucket's lifecycle rules, exactly (rules not listed are removed; an empty list deletes the
            lifecycle configuration). Omitted, the rules are left as they are.
        type: list
        elements: dict
        suboptions:
          id:
            description: The rule's id, unique in the bucket (1 to 255 characters).
            type: str
            required: true
          prefix:
            description: Key prefix of the objects the rule applies to (empty, every object).
            type: str
            default: ""
          status:
            description: Whether the rule is applied.
            type: str
            choices: [enabled, disabled]
            default: enabled
          transitions:
            description:
              - Moves to other storage classes, each after a number of days.
              - To V(STANDARD_IA) or V(ONEZONE_IA), after 30 days at least (S3's rule).
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
                description:
                  - The storage class, one of those botocore's S3 model lists for C(TransitionStorageClass)
                    (V(GLACIER), V(STANDARD_IA), V(ONEZONE_IA), V(INTELLIGENT_TIERING), V(DEEP_ARCHIVE),
                    V(GLACIER_IR), ...).
                type: str
                required: true
          expiration_days:
            description: Days after creation when objects expire; more than the days of every transition.
            type: int
          noncurrent_version_expiration_days:
            description: Days after an object version stops being current when it is deleted (versioned buckets).
            type: int
          abort_incomplete_multipart_upload_days:
            description: Days after which an incomplete multipart upload is aborted and its parts deleted.
            type: int
      tags:
        description: Tags of this bucket only, merged over O(tags).
        type: dict
      keep_reason:
        description:
          - With O(state=absent) and O(delete_only_if_empty=true), why a bucket that is not empty is kept, as the
            warning says it (C(kept s3://<name>) followed by a colon and this text).
        type: str
        default: it is not empty and delete_only_if_empty is set
  tags:
    description:
      - Tags every bucket carries. Each bucket is also tagged C(Name) with its name, unless the tags given set
        C(Name).
      - Omitted (and no O(buckets[].tags)), the tags of existing buckets are left alone; new buckets are tagged
        C(Name) only.
    type: dict
    aliases: ['resource_tags']
  purge_tags:
    description: Remove the tags of a bucket that are not asked for (tags whose key starts with C(aws:) are kept).
    type: bool
    default: true
  expected_bucket_owner:
    description:
      - The account id that must own the buckets, sent as C(ExpectedBucketOwner) with every call, so that a
        bucket of the same name created by another account (and shared with this one) is never configured,
        written to or deleted. Recommended with predictable names.
    type: str
  force:
    description:
      - With O(state=absent), delete every object version and delete marker of a bucket before the bucket.
    type: bool
    default: false
  delete_only_if_empty:
    description:
      - With O(state=absent), keep a bucket that still holds an object version or a delete marker; it is named in
        RV(kept), a warning says why (O(buckets[].keep_reason)), and the task does not fail.
      - Cannot be combined with O(force=true).
    type: bool
    default: false
  state:
    description: Whether the buckets listed should exist.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Buckets are created in the module's region. ACLs, CORS, replication, notifications and
    the other bucket settings are not managed.
  - Incomplete multipart uploads are not aborted by O(force) (a lifecycle rule with
    O(buckets[].lifecycle_rules[].abort_incomplete_multipart_upload_days) cleans them).
"""

EXAMPLES = r"""
- name: Access-log bucket that only ELB log delivery may write, with lifecycle
  ninetynine.trading_infra.s3_buckets:
    buckets:
      - name: trading-prod-alb-logs-123456789012
        encryption: AES256
        public_access: {}
        object_ownership: BucketOwnerEnforced
        policy:
          Version: "2012-10-17"
          Statement:
            - Sid: ElbLogDelivery
              Effect: Allow
              Principal: {AWS: "arn:aws:iam::127311923021:root"}
              Action: s3:PutObject
              Resource: "arn:aws:s3:::trading-prod-alb-logs-123456789012/alb/AWSLogs/123456789012/*"
        lifecycle_rules:
          - id: access-logs
            prefix: alb/
            transitions:
              - days: 30
                storage_class: STANDARD_IA
            expiration_days: 365
            abort_incomplete_multipart_upload_days: 7
    expected_bucket_owner: "123456789012"
    tags:
      Project: trading
      Environment: prod
    state: present
  register: buckets

- name: Use an ARN
  ansible.builtin.debug:
    msg: "{{ buckets.buckets['trading-prod-alb-logs-123456789012'].arn }}"

- name: A versioned bucket encrypted with a KMS key and a bucket key
  ninetynine.trading_infra.s3_buckets:
    buckets:
      - name: trading-prod-archive-123456789012
        encryption: aws:kms
        encryption_key_id: arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d
        bucket_key_enabled: true
        public_access: {}
        versioning: true
        lifecycle_rules:
          - id: old-versions
            noncurrent_version_expiration_days: 30
    state: present

- name: Delete a prod bucket only once it is empty (the others with their objects)
  ninetynine.trading_infra.s3_buckets:
    buckets:
      - name: trading-prod-compliance-123456789012
        keep_reason: prod's audit history is only deleted once the bucket is empty
    delete_only_if_empty: true
    state: absent
  register: removed
"""

RETURN = r"""
buckets:
  description:
    - The buckets listed, by name, as they are after the run (as they would be, in check mode), with the parts
      asked for.
    - With O(state=absent), each name with a null ARN, unless it was kept.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the bucket.
      type: str
      sample: trading-prod-alb-logs-123456789012
    arn:
      description: ARN of the bucket (null once deleted).
      type: str
      sample: arn:aws:s3:::trading-prod-alb-logs-123456789012
    region:
      description: Region of the bucket.
      type: str
      sample: us-east-1
    encryption:
      description: Default encryption (when asked for).
      type: dict
      sample: {sse_algorithm: AES256, kms_key_id: null, bucket_key_enabled: false}
    public_access:
      description: The public access block (when asked for).
      type: dict
      sample:
        block_public_acls: true
        ignore_public_acls: true
        block_public_policy: true
        restrict_public_buckets: true
    object_ownership:
      description: Object ownership (when asked for).
      type: str
      sample: BucketOwnerEnforced
    policy:
      description: The bucket policy (when asked for; null when the bucket has none).
      type: dict
    versioning:
      description: C(Enabled), C(Suspended), or null for a bucket never versioned (when asked for).
      type: str
      sample: Enabled
    lifecycle_rules:
      description: The lifecycle rules, in the options' form, by id (when asked for).
      type: list
      elements: dict
      sample:
        - id: access-logs
          prefix: alb/
          status: enabled
          transitions: [{days: 30, storage_class: STANDARD_IA}]
          expiration_days: 365
          noncurrent_version_expiration_days: null
          abort_incomplete_multipart_upload_days: 7
    tags:
      description: Tags of the bucket (when asked for).
      type: dict
    reason:
      description: With O(state=absent), why the bucket was kept (null when it was not).
      type: str
kept:
  description: With O(state=absent) and O(delete_only_if_empty=true), the buckets kept because they are not empty.
  returned: always
  type: list
  elements: str
  sample: [trading-prod-compliance-123456789012]
actions:
  description: What was changed (or, in check mode, would be).
  returned: always
  type: list
  elements: str
  sample:
    - create bucket trading-prod-alb-logs-123456789012 in us-east-1 (object ownership BucketOwnerEnforced)
    - "set the public access block of bucket trading-prod-alb-logs-123456789012: block_public_acls true, ..."
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and
      the changes it gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, as the AWS console names it.
      type: str
      choices: [S3 bucket]
    name:
      description: The bucket's name.
      type: str
    action:
      description: What happens to the resource.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets, as RV(actions) words them.
      type: list
      elements: str
  sample:
    - kind: S3 bucket
      name: trading-prod-alb-logs-123456789012
      action: create
      changes:
        - create bucket trading-prod-alb-logs-123456789012 in us-east-1 (object ownership BucketOwnerEnforced)
        - turn versioning on for bucket trading-prod-alb-logs-123456789012
    - kind: S3 bucket
      name: trading-prod-compliance-123456789012
      action: change
      changes:
        - "tag bucket trading-prod-compliance-123456789012: set Environment"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Refused
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import run
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import BUCKET_OPTIONS
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import Buckets
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import NotEmpty
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import s3_client
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import storage_classes
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.s3 import validate


def main():
    argument_spec = dict(
        buckets=dict(type="list", elements="dict", required=True, options=BUCKET_OPTIONS),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        expected_bucket_owner=dict(type="str"),
        force=dict(type="bool", default=False),
        delete_only_if_empty=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    client = s3_client(module)
    buckets = Buckets(module, client)
    try:
        validate(p, storage_classes(client))
    except Refused as e:
        module.fail_json(msg=str(e), actions=[], resources=[])
    present = p["state"] == "present"

    def reconcile():
        if present:
            before, after, results = buckets.present()
            return before, after, {"buckets": results, "kept": []}
        before, after, results, kept = buckets.absent()
        return before, after, {"buckets": results, "kept": kept}

    # Nothing is rolled back, and a bucket is never deleted to start again: what was done is in actions.
    what = "reconciliation failed (no bucket was deleted)" if present else "deletion failed"
    run(module, buckets.plan, reconcile, f"bucket {what}", refusals=(Refused, NotEmpty))


if __name__ == "__main__":
    main()
