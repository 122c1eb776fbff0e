"""CloudWatch Logs as AWS keeps it, where moto 5.2 differs in ways the roles depend on.

* Retention: PutRetentionPolicy takes only the values CloudWatch Logs lists (botocore's model
  documents them on the ``Days`` shape: "Possible values are: 1, 3, 5, ..."); anything else is
  refused with InvalidParameterException. moto stores any integer.
* Names: CreateLogGroup checks the ``LogGroupName`` constraints of the service model (1 to 512
  characters of ``[.-_/#A-Za-z0-9]``), which botocore does not check client-side.
* KMS keys: a key given to CreateLogGroup or AssociateKmsKey must be a key ARN (the API reference:
  "The Amazon Resource Name (ARN) of the KMS key"), exist, be enabled, and have a key policy that
  lets the region's CloudWatch Logs principal use it (API_AssociateKmsKey: "If you attempt to
  associate a KMS key with a log group but the KMS key does not exist or the KMS key is disabled,
  you receive an InvalidParameterException error"; the key policy requirement is in "Encrypt log
  data in CloudWatch Logs using AWS KMS"), whose conditions on ``kms:EncryptionContext:aws:logs:arn``
  admit the log group's ARN (the encryption context CloudWatch Logs uses).
* AssociateKmsKey and DisassociateKmsKey, which moto lacks.
* Metric filters: PutMetricFilter needs the log group to exist (ResourceNotFoundException, "The
  specified log group does not exist."), a pattern of at most 1,024 characters (the
  ``FilterPattern`` shape of the service model; InvalidParameterException), and refuses a 101st
  filter on a log group (LimitExceededException; CloudWatch Logs quotas: "Metric filters: 100 per
  log group", not adjustable). moto stores any filter on any name.
"""

from __future__ import annotations

import fnmatch
import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

import botocore

METRIC_FILTERS_PER_GROUP = 100
NAME_RE = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")
KEY_ARN_RE = re.compile(r"^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key/([0-9a-f-]{36}|mrk-[0-9a-f]{32})$")


@lru_cache(maxsize=1)
def retention_values() -> tuple:
    """The retention values CloudWatch Logs accepts, read from botocore's service model."""
    models = sorted((Path(botocore.__file__).parent / "data" / "logs").glob("*/service-2.json*"))
    path = models[-1]
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    text = json.loads(raw)["shapes"]["Days"]["documentation"]
    listed = re.search(r"Possible values are:([^.]*)\.", text).group(1)
    return tuple(int(v) for v in re.findall(r"\d+", listed))


def _refuse(message: str):
    from moto.logs.exceptions import InvalidParameterException

    raise InvalidParameterException(msg=message)


def _check_name(name) -> None:
    if not isinstance(name, str) or not NAME_RE.match(name):
        _refuse(
            f"1 validation error detected: Value '{name}' at 'logGroupName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+ (1 to 512 characters)"
        )


_CONTEXT_KEY = "kms:encryptioncontext:aws:logs:arn"


def _condition_admits(statement: dict, group_arn: str) -> bool:
    """Whether the statement's conditions on the encryption context admit the log group's ARN.

    CloudWatch Logs encrypts a group's data with the group's ARN as encryption context ("AWS KMS
    keys and encryption context" in the CloudWatch Logs User Guide): a key whose statement names
    other groups is refused for this one.
    """
    for operator, conditions in (statement.get("Condition") or {}).items():
        for key, values in (conditions or {}).items():
            if key.lower() != _CONTEXT_KEY:
                continue
            wanted = [values] if isinstance(values, str) else values
            base = operator.split(":")[-1].removesuffix("IfExists")
            like = base in ("ArnLike", "StringLike")
            if base.startswith(("ArnNot", "StringNot")):
                if any(fnmatch.fnmatchcase(group_arn, w) if "Like" in base else group_arn == w for w in wanted):
                    return False
            elif not any(fnmatch.fnmatchcase(group_arn, w) if like else group_arn == w for w in wanted):
                return False
    return True


def _statement_lets_logs_use(statement: dict, region: str, group_arn: str | None = None) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal") or {}
    services = principal.get("Service", []) if isinstance(principal, dict) else []
    services = [services] if isinstance(services, str) else services
    if not {f"logs.{region}.amazonaws.com", "logs.amazonaws.com"} & set(services):
        return False
    actions = statement.get("Action", [])
    actions = [actions] if isinstance(actions, str) else actions
    uses = any(fnmatch.fnmatchcase("kms:GenerateDataKey", a) or a == "*" for a in actions)
    return uses and (group_arn is None or _condition_admits(statement, group_arn))


def _check_key(account_id: str, region: str, key_id, group_name: str | None = None) -> None:
    from moto.kms.models import kms_backends

    where = f"the KMS key {key_id!r}"
    match = KEY_ARN_RE.match(key_id or "")
    if not match:
        _refuse(f"{where} is not a key ARN: CloudWatch Logs takes arn:aws:kms:<region>:<account>:key/<key-id>")
    key_region, key_account, key_uuid = match.groups()
    if key_region != region:
        _refuse(f"{where} is in {key_region}: a log group in {region} needs a key of its own region")
    key = kms_backends[key_account][key_region].keys.get(key_uuid)
    if key is None or key.key_state == "PendingDeletion":
        _refuse(f"The specified KMS key does not exist or is not allowed to be used with {key_id}")
    if not key.enabled:
        _refuse(f"{where} is disabled")
    statements = json.loads(key.policy or "{}").get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    group_arn = f"arn:aws:logs:{region}:{account_id}:log-group:{group_name}" if group_name else None
    if not any(_statement_lets_logs_use(s, region, group_arn) for s in statements):
        _refuse(
            f"The specified KMS key does not exist or is not allowed to be used with {key_id}: its key policy "
            f"does not let logs.{region}.amazonaws.com use it"
        )


def apply() -> None:
    from moto.logs.models import LogsBackend
    from moto.logs.responses import LogsResponse

    create_log_group = LogsBackend.create_log_group

    def checked_create_log_group(self, log_group_name, tags, **kwargs):
        _check_name(log_group_name)
        if kwargs.get("kmsKeyId"):
            _check_key(self.account_id, self.region_name, kwargs["kmsKeyId"], log_group_name)
        return create_log_group(self, log_group_name, tags, **kwargs)

    LogsBackend.create_log_group = checked_create_log_group
    put_retention_policy = LogsBackend.put_retention_policy

    def checked_put_retention_policy(self, log_group_name, retention_in_days):
        values = retention_values()
        if retention_in_days not in values:
            _refuse(
                f"1 validation error detected: Value '{retention_in_days}' at 'retentionInDays' failed to satisfy "
                f"constraint: Member must satisfy enum value set: [{', '.join(map(str, values))}]"
            )
        return put_retention_policy(self, log_group_name, retention_in_days)

    LogsBackend.put_retention_policy = checked_put_retention_policy

    def group_of(backend, name):
        from moto.logs.exceptions import ResourceNotFoundException

        if name not in backend.groups:
            raise ResourceNotFoundException()
        return backend.groups[name]

    def associate_kms_key(self):
        name, key_id = self._get_param("logGroupName"), self._get_param("kmsKeyId")
        group = group_of(self.logs_backend, name)
        _check_key(self.current_account, self.region, key_id, name)
        group.kms_key_id = key_id
        return ""

    def disassociate_kms_key(self):
        group_of(self.logs_backend, self._get_param("logGroupName")).kms_key_id = None
        return ""

    put_metric_filter = LogsBackend.put_metric_filter

    def checked_put_metric_filter(self, filter_name, filter_pattern, log_group_name, metric_transformations):
        from moto.logs.exceptions import LimitExceededException, ResourceNotFoundException

        if log_group_name not in self.groups:
            raise ResourceNotFoundException("The specified log group does not exist.")
        if len(filter_pattern or "") > 1024:
            _refuse(
                f"1 validation error detected: Value at 'filterPattern' failed to satisfy constraint: Member must have "
                f"length less than or equal to 1024 (was {len(filter_pattern)})"
            )
        names = {f["filterName"] for f in self.filters.get_matching_filters(None, log_group_name, None, None)}
        if filter_name not in names and len(names) >= METRIC_FILTERS_PER_GROUP:
            raise LimitExceededException()
        return put_metric_filter(self, filter_name, filter_pattern, log_group_name, metric_transformations)

    LogsBackend.put_metric_filter = checked_put_metric_filter
    LogsResponse.associate_kms_key = associate_kms_key
    LogsResponse.disassociate_kms_key = disassociate_kms_key
