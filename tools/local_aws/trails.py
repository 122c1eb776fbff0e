"""CloudTrail's delivery to CloudWatch Logs as AWS checks it, where moto 5.2 stores anything.

CreateTrail and UpdateTrail take ``CloudWatchLogsLogGroupArn`` and ``CloudWatchLogsRoleArn``
together (InvalidParameterCombinationException otherwise). The log group ARN must name a log group
of the trail's account and region that exists, as ``arn:<partition>:logs:<region>:<account>:
log-group:<name>:*`` (InvalidCloudWatchLogsLogGroupArnException), and the role must exist and trust
``cloudtrail.amazonaws.com`` (InvalidCloudWatchLogsRoleArnException: "Access denied. Verify in IAM
that the role has adequate permissions."). Sources: the CloudTrail API reference (CreateTrail,
errors) and "Sending events to CloudWatch Logs" in the CloudTrail User Guide.
"""

from __future__ import annotations

import json
import re

LOG_GROUP_ARN_RE = re.compile(r"^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:(.+):\*$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$")


def _error(code: str, message: str):
    from moto.core.exceptions import JsonRESTError

    class Refused(JsonRESTError):
        def __init__(self):
            super().__init__(code, message)
            self.code = 400

    return Refused()


def _trusts_cloudtrail(document) -> bool:
    try:
        policy = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return False
    statements = policy.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") or {}
        services = principal.get("Service") if isinstance(principal, dict) else None
        services = [services] if isinstance(services, str) else services or []
        if statement.get("Effect") == "Allow" and "cloudtrail.amazonaws.com" in services:
            return True
    return False


def check_delivery(account_id: str, region: str, group_arn, role_arn) -> None:
    """Refuse what CloudTrail would refuse in a trail's CloudWatch Logs settings."""
    if not group_arn and not role_arn:
        return
    if bool(group_arn) != bool(role_arn):
        raise _error(
            "InvalidParameterCombinationException",
            "You must specify a CloudWatch Logs log group ARN and a role ARN together.",
        )
    from moto.iam.models import iam_backends
    from moto.logs.models import logs_backends

    match = LOG_GROUP_ARN_RE.match(group_arn)
    if not match or match.group(1) != region or match.group(2) != account_id:
        raise _error(
            "InvalidCloudWatchLogsLogGroupArnException", f"CloudWatch Logs log group ARN {group_arn} is invalid."
        )
    if match.group(3) not in logs_backends[account_id][region].groups:
        raise _error(
            "InvalidCloudWatchLogsLogGroupArnException", f"The log group {match.group(3)} does not exist in {region}."
        )
    role = ROLE_ARN_RE.match(role_arn)
    denied = _error(
        "InvalidCloudWatchLogsRoleArnException", "Access denied. Verify in IAM that the role has adequate permissions."
    )
    if not role or role.group(1) != account_id:
        raise denied
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    backend = iam_backends[account_id][partition]
    found = next((r for r in backend.roles.values() if r.name == role.group(2)), None)
    if found is None or not _trusts_cloudtrail(found.assume_role_policy_document):
        raise denied


def apply() -> None:
    """Patch moto's CloudTrail with the rule above."""
    from moto.cloudtrail.models import CloudTrailBackend

    create_trail = CloudTrailBackend.create_trail

    def checked_create_trail(
        self,
        name,
        bucket_name,
        s3_key_prefix,
        sns_topic_name,
        is_global,
        is_multi_region,
        log_validation,
        is_org_trail,
        cw_log_group_arn,
        cw_role_arn,
        *args,
        **kwargs,
    ):
        check_delivery(self.account_id, self.region_name, cw_log_group_arn, cw_role_arn)
        return create_trail(
            self,
            name,
            bucket_name,
            s3_key_prefix,
            sns_topic_name,
            is_global,
            is_multi_region,
            log_validation,
            is_org_trail,
            cw_log_group_arn,
            cw_role_arn,
            *args,
            **kwargs,
        )

    CloudTrailBackend.create_trail = checked_create_trail
    update_trail = CloudTrailBackend.update_trail

    def checked_update_trail(self, name, *args, **kwargs):
        group_arn = kwargs.get("cw_log_group_arn", args[7] if len(args) > 7 else None)
        role_arn = kwargs.get("cw_role_arn", args[8] if len(args) > 8 else None)
        check_delivery(self.account_id, self.region_name, group_arn, role_arn)
        return update_trail(self, name, *args, **kwargs)

    CloudTrailBackend.update_trail = checked_update_trail
