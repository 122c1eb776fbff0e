"""S3 as AWS keeps it, where moto 5.2 differs in ways the roles depend on.

* Server access logging (S3 User Guide, "Logging requests with server access logging"): "The
  destination bucket must not have an S3 Object Lock default retention period configuration. The
  destination bucket must also not have Requester Pays enabled." moto checks the destination's
  existence, region and permissions, not these two.
* Object Lock (S3 User Guide, "Configuring S3 Object Lock"): a bucket with Object Lock keeps
  versioning on; PutBucketVersioning with ``Suspended`` is refused (InvalidBucketState). S3 also
  lets an existing bucket that holds objects turn Object Lock on (since November 2023), which moto
  refuses (BucketNeedsToBeNew).
"""

from __future__ import annotations


def logging_target_problem(target) -> str | None:
    """Why S3 would refuse ``target`` as the destination of server access logs, or None."""
    if target is None:
        return None
    if getattr(target, "object_lock_enabled", False) and getattr(target, "default_lock_mode", None):
        return "The target bucket for logging must not have an Object Lock default retention period."
    if getattr(target, "payer", "BucketOwner") != "BucketOwner":
        return "The target bucket for logging must not have Requester Pays enabled."
    return None


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
