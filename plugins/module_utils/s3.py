# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""S3 buckets reconciled in one invocation: the core of ``s3_buckets``, for any module that keeps buckets.

``Buckets`` reads every part of every bucket asked for in parallel, refuses what S3 would refuse (or what
would weaken a bucket) before the first write, then brings each bucket to its spec, or deletes it.
``BUCKET_OPTIONS`` is the argument spec of one bucket, ``validate`` the offline checks of the options.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

# ansible-core's own warnings: amazon.aws 10's AnsibleAWSModule.warn also hands them to exit_json, which
# ansible-core 2.19 reports with a deprecation warning under every message.
from ansible.module_utils.common.warnings import warn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Refused
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import RETRY_CODES
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list

# General purpose bucket naming rules (the preflight checks the names the roles derive more fully).
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
IP_RE = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
# S3's own codes worth waiting out, on top of the collection's: a HEAD has no body, so its throttling and
# 5xx arrive as the bare status; OperationAborted answers a call that meets another one on the same bucket.
S3_RETRY_CODES = [*RETRY_CODES, "OperationAborted", "500", "503"]
# Parts of a bucket read at a time (a run has a few buckets of up to seven parts).
WORKERS = 8
# DeleteObjects: "up to 1,000 keys" a request.
KEYS_PER_DELETE = 1000
PUBLIC_ACCESS = (
    ("block_public_acls", "BlockPublicAcls"),
    ("ignore_public_acls", "IgnorePublicAcls"),
    ("block_public_policy", "BlockPublicPolicy"),
    ("restrict_public_buckets", "RestrictPublicBuckets"),
)
# (part, the option that asks for it, read operation, the error code of a part never configured).
PARTS = (
    ("public_access", "public_access", "get_public_access_block", "NoSuchPublicAccessBlockConfiguration"),
    ("object_ownership", "object_ownership", "get_bucket_ownership_controls", "OwnershipControlsNotFoundError"),
    ("encryption", "encryption", "get_bucket_encryption", "ServerSideEncryptionConfigurationNotFoundError"),
    ("policy", "policy", "get_bucket_policy", "NoSuchBucketPolicy"),
    ("versioning", "versioning", "get_bucket_versioning", None),
    ("object_lock", "object_lock", "get_object_lock_configuration", "ObjectLockConfigurationNotFoundError"),
    ("logging", "logging", "get_bucket_logging", None),
    ("lifecycle_rules", "lifecycle_rules", "get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration"),
    ("tags", None, "get_bucket_tagging", "NoSuchTagSet"),
)
# What a bucket that has never been configured holds, part by part (a new bucket is planned from it).
UNCONFIGURED = {
    "public_access": None,
    "object_ownership": None,
    "encryption": None,
    "policy": None,
    "versioning": None,
    "object_lock": None,
    "logging": {},
    "lifecycle_rules": [],
    "tags": {},
}
# S3 keeps objects 30 days in STANDARD before these ("'Days' in Transition action must be greater than or
# equal to 30 for storageClass ...").
IA_CLASSES = ("STANDARD_IA", "ONEZONE_IA")

# The argument spec of one bucket: the options of each entry of s3_buckets' ``buckets``.
TRANSITION_OPTIONS = dict(
    days=dict(type="int", required=True, aliases=["transition_days"]),
    storage_class=dict(type="str", required=True),
)
LIFECYCLE_RULE_OPTIONS = dict(
    id=dict(type="str", required=True),
    prefix=dict(type="str", default=""),
    status=dict(type="str", default="enabled", choices=["enabled", "disabled"]),
    transitions=dict(type="list", elements="dict", default=[], options=TRANSITION_OPTIONS),
    expiration_days=dict(type="int"),
    noncurrent_version_expiration_days=dict(type="int"),
    abort_incomplete_multipart_upload_days=dict(type="int"),
)
BUCKET_OPTIONS = dict(
    name=dict(type="str", required=True),
    encryption=dict(type="str", choices=["AES256", "aws:kms", "aws:kms:dsse"]),
    encryption_key_id=dict(type="str"),
    bucket_key_enabled=dict(type="bool"),
    public_access=dict(
        type="dict", options={option: dict(type="bool", default=True) for option, _key in PUBLIC_ACCESS}
    ),
    object_ownership=dict(type="str", choices=["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"]),
    policy=dict(type="raw"),
    versioning=dict(type="bool"),
    object_lock=dict(
        type="dict",
        options=dict(
            mode=dict(type="str", choices=["COMPLIANCE", "GOVERNANCE"]),
            days=dict(type="int"),
            years=dict(type="int"),
        ),
    ),
    logging=dict(
        type="dict",
        options=dict(
            target_bucket=dict(type="str"),
            target_prefix=dict(type="str", default=""),
        ),
    ),
    lifecycle_rules=dict(type="list", elements="dict", options=LIFECYCLE_RULE_OPTIONS),
    tags=dict(type="dict"),
    keep_reason=dict(type="str", default="it is not empty and delete_only_if_empty is set"),
)


class NotEmpty(Exception):
    """Buckets AWS would not delete because they hold objects."""


def parallel(func, items: list) -> list:
    """func over items, on a small pool when there are several; the first exception is raised."""
    if len(items) <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as pool:
        return list(pool.map(func, items))


def parse_policy(name: str, policy):
    """The policy asked for as a dict; None deletes the bucket's policy."""
    if isinstance(policy, str):
        if not policy.strip():
            return None
        try:
            policy = json.loads(policy)
        except ValueError as e:
            raise Refused(f"{name}: policy is not valid JSON ({e})") from None
    if not isinstance(policy, dict):
        raise Refused(f"{name}: policy must be a dict or its JSON, not {type(policy).__name__}")
    return policy or None


def wanted_rule(rule: dict) -> dict:
    """A lifecycle rule asked for, in the form rules read from S3 are compared in."""
    return {
        "id": rule["id"],
        "prefix": rule.get("prefix") or "",
        "status": rule.get("status") or "enabled",
        "transitions": sorted(
            ({"days": t["days"], "storage_class": t["storage_class"]} for t in rule.get("transitions") or []),
            key=lambda t: (t["days"], t["storage_class"]),
        ),
        "expiration_days": rule.get("expiration_days"),
        "noncurrent_version_expiration_days": rule.get("noncurrent_version_expiration_days"),
        "abort_incomplete_multipart_upload_days": rule.get("abort_incomplete_multipart_upload_days"),
    }


def read_rule(rule: dict) -> dict:
    """A lifecycle rule as S3 answers it, in the options' form; what the options cannot say is kept under
    ``other``, so that such a rule differs from any rule asked for (and is rewritten)."""
    known = {"ID", "Filter", "Prefix", "Status", "Transitions", "Expiration", "NoncurrentVersionExpiration"}
    known.add("AbortIncompleteMultipartUpload")
    other = {k: v for k, v in rule.items() if k not in known}
    found = rule.get("Filter")
    prefix = rule.get("Prefix", "")
    if found is not None:
        extra = {k: v for k, v in found.items() if k != "Prefix"}
        if extra:
            other["Filter"] = extra
        prefix = found.get("Prefix", prefix)
    transitions = []
    for t in rule.get("Transitions") or []:
        if set(t) - {"Days", "StorageClass"}:
            other.setdefault("Transitions", []).append(t)
        transitions.append({"days": t.get("Days"), "storage_class": t.get("StorageClass")})
    expiration = dict(rule.get("Expiration") or {})
    if expiration.pop("ExpiredObjectDeleteMarker", False) or expiration.get("Date"):
        other["Expiration"] = rule["Expiration"]
    noncurrent = dict(rule.get("NoncurrentVersionExpiration") or {})
    if set(noncurrent) - {"NoncurrentDays"}:
        other["NoncurrentVersionExpiration"] = noncurrent
    read = {
        "id": rule.get("ID"),
        "prefix": prefix or "",
        "status": (rule.get("Status") or "").lower(),
        "transitions": sorted(transitions, key=lambda t: (t["days"] or 0, t["storage_class"] or "")),
        "expiration_days": expiration.get("Days"),
        "noncurrent_version_expiration_days": noncurrent.get("NoncurrentDays"),
        "abort_incomplete_multipart_upload_days": (rule.get("AbortIncompleteMultipartUpload") or {}).get(
            "DaysAfterInitiation"
        ),
    }
    if other:
        read["other"] = other
    return read


def api_rule(rule: dict) -> dict:
    """A rule in the options' form as PutBucketLifecycleConfiguration takes it."""
    api = {"ID": rule["id"], "Filter": {"Prefix": rule["prefix"]}, "Status": rule["status"].capitalize()}
    if rule["transitions"]:
        api["Transitions"] = [{"Days": t["days"], "StorageClass": t["storage_class"]} for t in rule["transitions"]]
    if rule["expiration_days"] is not None:
        api["Expiration"] = {"Days": rule["expiration_days"]}
    if rule["noncurrent_version_expiration_days"] is not None:
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule["noncurrent_version_expiration_days"]}
    if rule["abort_incomplete_multipart_upload_days"] is not None:
        api["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": rule["abort_incomplete_multipart_upload_days"]}
    return api


def read_lock(configuration: dict):
    """An Object Lock configuration as S3 answers it, in the options' form (None: no Object Lock)."""
    if configuration.get("ObjectLockEnabled") != "Enabled":
        return None
    default = (configuration.get("Rule") or {}).get("DefaultRetention") or {}
    return {"mode": default.get("Mode"), "days": default.get("Days") or None, "years": default.get("Years") or None}


def wanted_lock(lock: dict) -> dict:
    return {"mode": lock.get("mode"), "days": lock.get("days"), "years": lock.get("years")}


def lock_days(lock) -> int:
    """A default retention in days (a year counted as 365, as S3's retain-until dates do not)."""
    if not lock:
        return 0
    return (lock.get("days") or 0) + 365 * (lock.get("years") or 0)


def lock_text(lock) -> str:
    if not lock or not lock.get("mode"):
        return "no default retention"
    period = f"{lock['days']} days" if lock.get("days") else f"{lock.get('years')} years"
    return f"{lock['mode']} {period}"


def same_key(current, wanted) -> bool:
    """A KMS key id and a key ARN ending with that id name the same key."""
    if current == wanted:
        return True
    if not current or not wanted:
        return False
    return current.endswith("/" + wanted) or wanted.endswith("/" + current)


def flag(value) -> str:
    return "true" if value else "false"


def validate(params: dict, storage_classes: list) -> None:
    """Refuse, before any call, what AWS would refuse of the names, rules and combinations of options."""
    problems = []
    names = [spec["name"] for spec in params["buckets"]]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"buckets lists {', '.join(duplicates)} more than once")
    for name in names:
        if not NAME_RE.match(name) or ".." in name or IP_RE.match(name):
            problems.append(
                f"{name!r}: a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens, starting and "
                "ending with a letter or digit, without two dots in a row, and not an IP address"
            )
    if params["force"] and params["delete_only_if_empty"]:
        problems.append("force and delete_only_if_empty cannot both be true")
    owner = params["expected_bucket_owner"]
    if owner is not None and not re.match(r"^\d{12}$", owner):
        problems.append(f"expected_bucket_owner {owner!r} is not a 12-digit account id")
    if params["state"] == "present":
        for spec in params["buckets"]:
            problems.extend(validate_bucket(spec, storage_classes))
    if problems:
        raise Refused("; ".join(problems))


def validate_bucket(spec: dict, storage_classes: list) -> list:
    name, problems = spec["name"], []
    if spec.get("encryption_key_id") and spec.get("encryption") not in ("aws:kms", "aws:kms:dsse"):
        problems.append(f"{name}: encryption_key_id is for aws:kms and aws:kms:dsse encryption only")
    if spec.get("policy") is not None:
        try:
            parse_policy(name, spec["policy"])
        except Refused as e:
            problems.append(str(e))
    lock = spec.get("object_lock")
    if lock is not None:
        if not spec.get("versioning"):
            problems.append(f"{name}: object_lock needs versioning: true (S3 keeps locked objects as versions)")
        periods = [k for k in ("days", "years") if lock.get(k) is not None]
        if lock.get("mode") and len(periods) != 1:
            problems.append(f"{name}: object_lock with a mode takes one of days or years")
        elif periods and not lock.get("mode"):
            problems.append(f"{name}: object_lock days or years need a mode (COMPLIANCE or GOVERNANCE)")
        for k in periods:
            if lock[k] < 1:
                problems.append(f"{name}: object_lock {k} must be a positive number")
    logging = spec.get("logging")
    if logging and logging.get("target_bucket") and logging["target_bucket"] == name:
        problems.append(f"{name}: logging to the bucket itself logs its own log deliveries (S3 advises against it)")
    rules = spec.get("lifecycle_rules") or []
    ids = [rule["id"] for rule in rules]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{name}: lifecycle rule id {duplicate!r} appears more than once")
    for rule in rules:
        where = f"{name}: lifecycle rule {rule['id']!r}"
        if not 1 <= len(rule["id"]) <= 255:
            problems.append(f"{where}: an id is 1 to 255 characters")
        transitions = rule.get("transitions") or []
        actions = ("expiration_days", "noncurrent_version_expiration_days", "abort_incomplete_multipart_upload_days")
        if not transitions and all(rule.get(a) is None for a in actions):
            problems.append(f"{where} has no action (transitions, expiration or abort of multipart uploads)")
        for option in actions:
            if rule.get(option) is not None and rule[option] < 1:
                problems.append(f"{where}: {option} must be a positive number of days")
        for t in transitions:
            if t["storage_class"] not in storage_classes:
                problems.append(
                    f"{where}: storage class {t['storage_class']!r} is not one of {', '.join(storage_classes)}"
                )
            if t["days"] < 0:
                problems.append(f"{where}: transition days must not be negative")
            elif t["storage_class"] in IA_CLASSES and t["days"] < 30:
                problems.append(
                    f"{where}: a transition to {t['storage_class']} needs 30 days at least, not {t['days']}"
                )
            expiration = rule.get("expiration_days")
            if expiration is not None and expiration <= t["days"]:
                problems.append(
                    f"{where}: expiration_days {expiration} must be more than the {t['days']} days of the "
                    f"transition to {t['storage_class']}"
                )
    return problems


def s3_client(module):
    """The S3 client of a module, retried on S3's own codes too."""
    return module.client(
        "s3", retry_decorator=AWSRetry.jittered_backoff(retries=10, catch_extra_error_codes=S3_RETRY_CODES)
    )


def storage_classes(client) -> list:
    """The storage classes a lifecycle transition may name, as botocore's S3 model lists them (offline)."""
    return list(client.meta.service_model.shape_for("TransitionStorageClass").enum)


class Buckets:
    """The buckets of one run, reconciled together: reads in parallel, every refusal before the first write.

    ``params`` (the module's own by default) holds ``buckets`` (each as BUCKET_OPTIONS says), ``tags``,
    ``purge_tags``, ``expected_bucket_owner``, ``force`` and ``delete_only_if_empty``, as s3_buckets takes
    them; the changes go to ``plan`` (a new one by default), so that a module reconciling buckets with other
    resources can give its own, or merge this one into it.
    """

    def __init__(self, module, client, plan: Plan | None = None, params: dict | None = None):
        self.module = module
        self.client = client
        self.params = module.params if params is None else params
        self.plan = Plan(module.check_mode) if plan is None else plan
        self.specs = self.params["buckets"]
        self.owner = self.params["expected_bucket_owner"]
        self.region = module.region or "us-east-1"
        self.partition = client.meta.partition
        self._owner_operations = {}

    # -- AWS calls ---------------------------------------------------------------------------------
    def call(self, operation: str, tolerate: tuple = (), **kwargs):
        """One call, retried with backoff (``tolerate`` adds codes worth waiting out: a bucket just created that
        S3 does not know everywhere yet), with ExpectedBucketOwner when an owner is expected."""
        if self.owner and self.takes_owner(operation):
            kwargs["ExpectedBucketOwner"] = self.owner
        method = getattr(self.client, operation)
        if tolerate:
            retry = AWSRetry.jittered_backoff(retries=8, delay=1, catch_extra_error_codes=[*S3_RETRY_CODES, *tolerate])
            return retry(method)(**kwargs)
        return method(aws_retry=True, **kwargs)

    def takes_owner(self, operation: str) -> bool:
        if operation not in self._owner_operations:
            api = self.client.meta.method_to_api_mapping[operation]
            members = self.client.meta.service_model.operation_model(api).input_shape.members
            self._owner_operations[operation] = "ExpectedBucketOwner" in members
        return self._owner_operations[operation]

    def arn(self, name: str) -> str:
        return f"arn:{self.partition}:s3:::{name}"

    def head(self, name: str):
        """("ours", region), ("missing", None) or ("foreign", None) for a bucket name."""
        try:
            response = self.call("head_bucket", Bucket=name)
        except is_boto3_error_code(("404", "NoSuchBucket", "NotFound")):
            return "missing", None
        except is_boto3_error_code(("403", "AccessDenied", "Forbidden")):
            return "foreign", None
        headers = (response.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
        return "ours", response.get("BucketRegion") or headers.get("x-amz-bucket-region") or self.region

    def read(self, job: tuple):
        """One part of one bucket, in the form it is compared and shown in."""
        name, part = job
        _part, _option, operation, missing = next(p for p in PARTS if p[0] == part)
        try:
            response = self.call(operation, Bucket=name)
        except is_boto3_error_code(missing or "-"):
            return UNCONFIGURED[part]
        if part == "public_access":
            found = response.get("PublicAccessBlockConfiguration") or {}
            return {option: bool(found.get(key)) for option, key in PUBLIC_ACCESS}
        if part == "object_ownership":
            rules = (response.get("OwnershipControls") or {}).get("Rules") or []
            return rules[0].get("ObjectOwnership") if rules else None
        if part == "encryption":
            rules = (response.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
            if not rules:
                return None
            default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
            return {
                "sse_algorithm": default.get("SSEAlgorithm"),
                "kms_key_id": default.get("KMSMasterKeyID"),
                "bucket_key_enabled": bool(rules[0].get("BucketKeyEnabled")),
            }
        if part == "policy":
            return json.loads(response["Policy"]) if response.get("Policy") else None
        if part == "versioning":
            return response.get("Status")
        if part == "object_lock":
            return read_lock(response.get("ObjectLockConfiguration") or {})
        if part == "logging":
            enabled = response.get("LoggingEnabled") or {}
            if not enabled:
                return {}
            return {"target_bucket": enabled.get("TargetBucket"), "target_prefix": enabled.get("TargetPrefix") or ""}
        if part == "lifecycle_rules":
            return sorted((read_rule(r) for r in response.get("Rules") or []), key=lambda r: r["id"] or "")
        return boto3_tag_list_to_ansible_dict(response.get("TagSet") or [])

    # -- what is asked ------------------------------------------------------------------------------
    def wanted_tags(self, spec: dict) -> dict | None:
        if self.params["tags"] is None and spec.get("tags") is None:
            return None
        tags = {"Name": spec["name"]}
        tags.update(self.params["tags"] or {})
        tags.update(spec.get("tags") or {})
        return {str(k): str(v) for k, v in tags.items()}

    def parts_of(self, spec: dict) -> list:
        """The parts a bucket's spec asks for (tags: when tags are given)."""
        parts = [part for part, option, _op, _code in PARTS if option and spec.get(option) is not None]
        if self.wanted_tags(spec) is not None:
            parts.append("tags")
        return parts

    # -- present -----------------------------------------------------------------------------------
    def present(self):
        names = [spec["name"] for spec in self.specs]
        heads = dict(zip(names, parallel(self.head, names), strict=True))
        self.refuse_foreign(heads)
        jobs = [
            (spec["name"], part)
            for spec in self.specs
            if heads[spec["name"]][0] == "ours"
            for part in self.parts_of(spec)
        ]
        current = {}
        for job, value in zip(jobs, parallel(self.read, jobs), strict=True):
            current.setdefault(job[0], {})[job[1]] = value
        self.refuse_weaker_locks(current)

        before, after, results = {}, {}, {}
        for spec in self.specs:
            name = spec["name"]
            done = len(self.plan.actions)
            new = heads[name][0] == "missing"
            self.plan.about("S3 bucket", name, exists=not new)
            if new:
                self.create(spec)
                was = {part: UNCONFIGURED[part] for part in self.parts_of(spec)}
            else:
                was = current.get(name, {})
            now = self.reconcile(spec, was, new)
            region = self.region if new else heads[name][1]
            results[name] = dict(name=name, arn=self.arn(name), region=region, **now)
            if len(self.plan.actions) > done:
                if not new:
                    before[name] = dict(region=region, **was)
                after[name] = dict(region=region, **now)
        return before, after, results

    def refuse_weaker_locks(self, current: dict) -> None:
        problems = []
        for spec in self.specs:
            old = (current.get(spec["name"]) or {}).get("object_lock")
            if spec.get("object_lock") is None or not old or old.get("mode") != "COMPLIANCE":
                continue
            new = wanted_lock(spec["object_lock"])
            if new["mode"] != "COMPLIANCE" or lock_days(new) < lock_days(old):
                problems.append(f"{spec['name']} keeps {lock_text(old)}, not {lock_text(new)}")
        if problems:
            raise Refused(
                "a COMPLIANCE default retention is never shortened nor weakened: "
                + "; ".join(problems)
                + ". Ask for the same period or a longer one."
            )

    def refuse_foreign(self, heads: dict) -> None:
        problems = []
        for name, (status, region) in heads.items():
            if status == "foreign":
                owner = f" (not owned by {self.owner})" if self.owner else ""
                problems.append(
                    f"{name} is taken by another account{owner}: HeadBucket answered 403 (or these credentials "
                    "may not read it)"
                )
            elif status == "ours" and region != self.region:
                problems.append(f"{name} exists in region {region}, not {self.region}")
        if problems:
            raise Refused(
                "bucket names are global to S3, and these cannot be used here: "
                + "; ".join(problems)
                + ". Choose another name, or run in the bucket's region."
            )

    def create(self, spec: dict) -> None:
        name = spec["name"]
        request = {"Bucket": name}
        if self.region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        what = ""
        if spec.get("object_ownership"):
            request["ObjectOwnership"] = spec["object_ownership"]
            what = f" (object ownership {spec['object_ownership']})"
        if spec.get("object_lock") is not None:
            request["ObjectLockEnabledForBucket"] = True
            what += " with Object Lock"
        try:
            self.plan.do(f"create bucket {name} in {self.region}{what}", self.call, "create_bucket", **request)
        except is_boto3_error_code("BucketAlreadyOwnedByYou"):
            pass  # a run that died after creating it, or another of our calls: ours already
        except is_boto3_error_code("BucketAlreadyExists"):
            self.plan.forget_last()  # not created
            raise Refused(
                f"bucket names are global to S3, and {name} is taken by another account (BucketAlreadyExists). "
                "Choose another name."
            ) from None

    def reconcile(self, spec: dict, was: dict, new: bool) -> dict:
        """Bring the parts a bucket's spec asks for to it, in an order that never leaves it more open than
        asked (public access blocked before a policy is written); returns the parts after the changes."""
        name = spec["name"]
        tolerate = ("NoSuchBucket",) if new else ()
        now = dict(was)

        def do(description, operation, **kwargs):
            self.plan.do(description, self.call, operation, tolerate, Bucket=name, **kwargs)

        def since(old) -> str:
            return "" if new else f" (was {old})"

        if spec.get("public_access") is not None:
            wanted = {option: bool(spec["public_access"][option]) for option, _key in PUBLIC_ACCESS}
            old = was["public_access"] or {}
            differ = [o for o, _k in PUBLIC_ACCESS if old.get(o) != wanted[o]]
            if differ:
                do(
                    f"set the public access block of bucket {name}: "
                    + ", ".join(f"{o} {flag(wanted[o])}{since(flag(old.get(o)))}" for o in differ),
                    "put_public_access_block",
                    PublicAccessBlockConfiguration={key: wanted[option] for option, key in PUBLIC_ACCESS},
                )
                now["public_access"] = wanted

        ownership = spec.get("object_ownership")
        if ownership is not None:
            if not new and was["object_ownership"] != ownership:
                do(
                    f"set the object ownership of bucket {name}: {ownership} (was {was['object_ownership']})",
                    "put_bucket_ownership_controls",
                    OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]},
                )
            now["object_ownership"] = ownership

        if spec.get("encryption") is not None:
            now["encryption"] = self.reconcile_encryption(spec, was["encryption"], do, since)

        if spec.get("policy") is not None:
            wanted, old = parse_policy(name, spec["policy"]), was["policy"]
            if wanted is None:
                if old is not None:
                    do(f"delete the policy of bucket {name}", "delete_bucket_policy")
                now["policy"] = None
            elif old is None or compare_policies(old, wanted):
                what = "set" if old is None else "replace"
                do(f"{what} the policy of bucket {name}", "put_bucket_policy", Policy=json.dumps(wanted))
                now["policy"] = wanted

        if spec.get("versioning") is not None:
            old = was["versioning"]
            if spec["versioning"] and old != "Enabled":
                do(
                    f"turn versioning on for bucket {name}",
                    "put_bucket_versioning",
                    VersioningConfiguration={"Status": "Enabled"},
                )
                now["versioning"] = "Enabled"
            elif not spec["versioning"] and old == "Enabled":
                do(
                    f"suspend versioning of bucket {name}",
                    "put_bucket_versioning",
                    VersioningConfiguration={"Status": "Suspended"},
                )
                now["versioning"] = "Suspended"

        if spec.get("object_lock") is not None:
            now["object_lock"] = self.reconcile_lock(name, spec["object_lock"], was["object_lock"], new, do)

        if spec.get("logging") is not None:
            wanted = (
                {"target_bucket": spec["logging"]["target_bucket"], "target_prefix": spec["logging"]["target_prefix"]}
                if spec["logging"].get("target_bucket")
                else {}
            )
            if wanted != (was["logging"] or {}):
                if wanted:
                    do(
                        f"log the requests to bucket {name} in s3://{wanted['target_bucket']}/{wanted['target_prefix']}",
                        "put_bucket_logging",
                        BucketLoggingStatus={
                            "LoggingEnabled": {
                                "TargetBucket": wanted["target_bucket"],
                                "TargetPrefix": wanted["target_prefix"],
                            }
                        },
                    )
                else:
                    do(f"stop logging the requests to bucket {name}", "put_bucket_logging", BucketLoggingStatus={})
                now["logging"] = wanted

        if spec.get("lifecycle_rules") is not None:
            now["lifecycle_rules"] = self.reconcile_lifecycle(name, spec["lifecycle_rules"], was["lifecycle_rules"], do)

        wanted_tags = self.wanted_tags(spec)
        if wanted_tags is not None:
            now["tags"] = self.reconcile_tags(name, was["tags"], wanted_tags, do)
        return now

    def reconcile_lock(self, name: str, lock: dict, old, new: bool, do):
        wanted = wanted_lock(lock)
        if old == wanted or (new and not wanted["mode"]):
            return wanted  # a bucket created with Object Lock and no default retention is already that
        configuration = {"ObjectLockEnabled": "Enabled"}
        if wanted["mode"]:
            period = {"Days": wanted["days"]} if wanted["days"] else {"Years": wanted["years"]}
            configuration["Rule"] = {"DefaultRetention": {"Mode": wanted["mode"], **period}}
        was = "" if new else f" (was {lock_text(old) if old else 'no Object Lock'})"
        do(
            f"set the Object Lock of bucket {name}: {lock_text(wanted)}{was}",
            "put_object_lock_configuration",
            ObjectLockConfiguration=configuration,
        )
        return wanted

    def reconcile_encryption(self, spec: dict, old, do, since) -> dict:
        algorithm, key, bucket_key = spec["encryption"], spec.get("encryption_key_id"), spec.get("bucket_key_enabled")
        old = old or {}
        same = (
            old.get("sse_algorithm") == algorithm
            and (key is None or same_key(old.get("kms_key_id"), key))
            and (bucket_key is None or old.get("bucket_key_enabled") == bucket_key)
        )
        if same:
            return old
        default = {"SSEAlgorithm": algorithm}
        if key:
            default["KMSMasterKeyID"] = key
        rule = {"ApplyServerSideEncryptionByDefault": default}
        if bucket_key is not None:
            rule["BucketKeyEnabled"] = bucket_key
        wanted = {"sse_algorithm": algorithm, "kms_key_id": key, "bucket_key_enabled": bool(bucket_key)}

        def text(state: dict) -> str:
            words = state.get("sse_algorithm") or "none"
            if state.get("kms_key_id"):
                words += f" with key {state['kms_key_id']}"
            if state.get("bucket_key_enabled"):
                words += ", bucket key on"
            return words

        do(
            f"set the encryption of bucket {spec['name']}: {text(wanted)}{since(text(old))}",
            "put_bucket_encryption",
            ServerSideEncryptionConfiguration={"Rules": [rule]},
        )
        return wanted

    def reconcile_lifecycle(self, name: str, rules: list, old: list, do) -> list:
        wanted = sorted((wanted_rule(r) for r in rules), key=lambda r: r["id"])
        if wanted == old:
            return old
        old_by_id = {r["id"]: r for r in old}
        wanted_ids = {r["id"] for r in wanted}
        notes = []
        for rule in wanted:
            if rule["id"] not in old_by_id:
                notes.append(f"add {rule['id']}")
            elif old_by_id[rule["id"]] != rule:
                notes.append(f"replace {rule['id']}")
        notes.extend(f"remove {r['id']}" for r in old if r["id"] not in wanted_ids)
        if not wanted:
            do(f"delete the lifecycle rules of bucket {name}: {', '.join(notes)}", "delete_bucket_lifecycle")
        else:
            do(
                f"set the lifecycle rules of bucket {name}: {', '.join(notes)}",
                "put_bucket_lifecycle_configuration",
                LifecycleConfiguration={"Rules": [api_rule(r) for r in wanted]},
            )
        return wanted

    def reconcile_tags(self, name: str, old: dict, wanted: dict, do) -> dict:
        # PutBucketTagging replaces the whole set: one write for what is set and what is removed.
        to_set, to_unset = compare_aws_tags(old, wanted, purge_tags=self.params["purge_tags"])
        if not to_set and not to_unset:
            return old
        tags = {k: v for k, v in dict(old, **to_set).items() if k not in to_unset}
        notes = []
        if to_set:
            notes.append(f"set {', '.join(sorted(to_set))}")
        if to_unset:
            notes.append(f"remove {', '.join(sorted(to_unset))}")
        if tags:
            do(f"tag bucket {name}: {'; '.join(notes)}", "put_bucket_tagging", Tagging={"TagSet": tag_list(tags)})
        else:
            do(f"tag bucket {name}: {'; '.join(notes)}", "delete_bucket_tagging")
        return dict(sorted(tags.items()))

    # -- absent ------------------------------------------------------------------------------------
    def absent(self):
        names = [spec["name"] for spec in self.specs]
        heads = dict(zip(names, parallel(self.head, names), strict=True))
        before, results, kept, not_empty = {}, {}, [], []
        for spec in self.specs:
            name = spec["name"]
            status, region = heads[name]
            results[name] = {"name": name, "arn": None, "region": region, "reason": None}
            if status == "missing":
                continue
            if status == "foreign":
                warn(f"s3://{name} is not this account's bucket (HeadBucket answered 403): left alone")
                continue
            holds = self.holds_objects(name)
            if holds and self.params["delete_only_if_empty"]:
                self.keep(spec, results, kept)
                continue
            if holds and not self.params["force"]:
                not_empty.append(name)
                results[name]["arn"] = self.arn(name)
                continue
            before[name] = {"arn": self.arn(name), "region": region, "holds_objects": holds}
            self.plan.about("S3 bucket", name, wanted=False)
            emptying = f"delete every object version and delete marker of bucket {name}"
            if holds:
                self.plan.do(emptying, self.empty, name)
            try:
                self.plan.do(f"delete bucket {name}", self.call, "delete_bucket", Bucket=name)
            except is_boto3_error_code("BucketNotEmpty"):
                # Objects written since the bucket was listed (or emptied).
                self.plan.forget_last()  # not deleted
                if holds:  # emptied, though: a change to the bucket it keeps, not its deletion
                    self.plan.forget_last()
                    self.plan.about("S3 bucket", name)
                    self.plan.do(emptying)  # done above
                before.pop(name)
                if self.params["delete_only_if_empty"]:
                    self.keep(spec, results, kept)
                else:
                    not_empty.append(name)
                    results[name]["arn"] = self.arn(name)
        if not_empty:
            raise NotEmpty(
                f"buckets not empty, not deleted: {', '.join(not_empty)}. force: true deletes their objects and "
                "every version first; delete_only_if_empty: true keeps them without failing."
            )
        return before, {}, results, kept

    def keep(self, spec: dict, results: dict, kept: list) -> None:
        name = spec["name"]
        kept.append(name)
        results[name].update(arn=self.arn(name), reason=spec["keep_reason"])
        warn(f"kept s3://{name}: {spec['keep_reason']}")

    def holds_objects(self, name: str) -> bool:
        """Whether a bucket holds an object version or a delete marker (what keeps S3 from deleting it)."""
        page = self.call("list_object_versions", Bucket=name, MaxKeys=1)
        return bool(page.get("Versions") or page.get("DeleteMarkers"))

    def empty(self, name: str) -> None:
        """Delete every object version and delete marker of a bucket, a page (up to 1000) at a time."""
        markers = {}
        while True:
            page = self.call("list_object_versions", Bucket=name, MaxKeys=KEYS_PER_DELETE, **markers)
            keys = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in (page.get("Versions") or []) + (page.get("DeleteMarkers") or [])
            ]
            for start in range(0, len(keys), KEYS_PER_DELETE):
                answer = self.call(
                    "delete_objects",
                    Bucket=name,
                    Delete={"Objects": keys[start : start + KEYS_PER_DELETE], "Quiet": True},
                )
                errors = answer.get("Errors") or []
                if errors:
                    first = errors[0]
                    raise Refused(
                        f"{len(errors)} object versions of bucket {name} could not be deleted (the first, "
                        f"{first.get('Key')}: {first.get('Code')} {first.get('Message')}); the bucket is kept"
                    )
            if not page.get("IsTruncated"):
                return
            markers = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
