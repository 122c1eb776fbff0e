"""S3 as AWS keeps it, where moto 5.2 differs in ways the roles depend on.

* Server access logging (S3 User Guide, "Logging requests with server access logging"): "The
  destination bucket must not have an S3 Object Lock default retention period configuration. The
  destination bucket must also not have Requester Pays enabled." moto checks the destination's
  existence, region and permissions, not these two.
* Object Lock (S3 User Guide, "Configuring S3 Object Lock"): a bucket with Object Lock keeps
  versioning on; PutBucketVersioning with ``Suspended`` is refused (InvalidBucketState). S3 also
  lets an existing bucket that holds objects turn Object Lock on (since November 2023), which moto
  refuses (BucketNeedsToBeNew).
* Bucket policies: a statement applies only when its conditions hold (IAM User Guide, "Policy
  evaluation logic"). moto denies a request whenever a statement's condition does not match, so the
  usual ``DenyPlainHttp`` statement (``aws:SecureTransport`` false) denied every object request made
  to such a bucket. Here the request context is the one a request to AWS's HTTPS endpoint has
  (``aws:SecureTransport`` true: the local endpoint stands for it); a statement with a condition on
  any other key is left out of the decision (this layer cannot evaluate it; the account's own
  requests are allowed, as moto allows them without a policy).
"""

from __future__ import annotations

import json


def logging_target_problem(target) -> str | None:
    """Why S3 would refuse ``target`` as the destination of server access logs, or None."""
    if target is None:
        return None
    if getattr(target, "object_lock_enabled", False) and getattr(target, "default_lock_mode", None):
        return "The target bucket for logging must not have an Object Lock default retention period."
    if getattr(target, "payer", "BucketOwner") != "BucketOwner":
        return "The target bucket for logging must not have Requester Pays enabled."
    return None


REQUEST_CONTEXT = {"aws:securetransport": "true"}


def _condition_holds(operator: str, keys: dict) -> bool | None:
    """Whether a Bool or String condition holds in REQUEST_CONTEXT; None when it cannot be told."""
    base = operator.removesuffix("IfExists")
    for key, wanted in keys.items():
        actual = REQUEST_CONTEXT.get(key.lower())
        if actual is None:
            return None
        values = [str(w).lower() for w in (wanted if isinstance(wanted, list) else [wanted])]
        if base in ("Bool", "StringEquals", "StringEqualsIgnoreCase"):
            if actual not in values:
                return False
        elif base in ("StringNotEquals", "StringNotEqualsIgnoreCase"):
            if actual in values:
                return False
        else:
            return None
    return True


def applicable_statements(policy: dict) -> dict:
    """The policy with only the statements whose conditions hold (or that have none)."""
    statements = policy.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    kept = []
    for statement in statements:
        conditions = statement.get("Condition") if isinstance(statement, dict) else None
        if not conditions:
            kept.append(statement)
            continue
        results = [_condition_holds(op, keys) for op, keys in conditions.items() if isinstance(keys, dict)]
        if results and all(r is True for r in results):
            kept.append({k: v for k, v in statement.items() if k != "Condition"})
    return dict(policy, Statement=kept)


def apply() -> None:
    """Patch moto's S3 with the rules above."""
    from moto.s3.exceptions import InvalidBucketState, InvalidTargetBucketForLogging
    from moto.s3.models import FakeBucket, S3Backend

    set_logging = FakeBucket.set_logging

    def set_logging_checked(self, logging_config, bucket_backend):
        if logging_config:
            problem = logging_target_problem(bucket_backend.buckets.get(logging_config.get("TargetBucket")))
            if problem:
                raise InvalidTargetBucketForLogging(problem)
        return set_logging(self, logging_config, bucket_backend)

    FakeBucket.set_logging = set_logging_checked

    put_versioning = S3Backend.put_bucket_versioning

    def put_versioning_checked(self, bucket_name, status):
        if status == "Suspended" and self.get_bucket(bucket_name).object_lock_enabled:
            raise InvalidBucketState(
                "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed."
            )
        return put_versioning(self, bucket_name, status)

    S3Backend.put_bucket_versioning = put_versioning_checked

    put_lock = S3Backend.put_object_lock_configuration

    def put_lock_on_a_bucket_with_objects(self, bucket_name, lock_enabled, mode=None, days=None, years=None):
        bucket = self.get_bucket(bucket_name)
        if not bucket.is_versioned or bucket.keys.item_size() == 0:
            return put_lock(self, bucket_name, lock_enabled, mode, days, years)
        if lock_enabled:
            bucket.object_lock_enabled = True
        bucket.default_lock_mode = mode
        bucket.default_lock_days = days
        bucket.default_lock_years = years
        return None

    S3Backend.put_object_lock_configuration = put_lock_on_a_bucket_with_objects

    def permission_in_context(self, action, resource):
        from moto.iam.access_control import IAMPolicy, PermissionResult

        if self.policy is None:
            return PermissionResult.NEUTRAL
        try:
            policy = applicable_statements(json.loads(self.policy.decode()))
        except (ValueError, AttributeError):
            return PermissionResult.NEUTRAL
        if not policy["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)

    FakeBucket.get_permission = permission_in_context
