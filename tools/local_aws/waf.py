"""AWS WAF's logging configurations as AWS checks them, where moto 5.2 stores anything.

PutLoggingConfiguration takes one destination (``LogDestinationConfigs``: "You can associate one
logging destination to a web ACL"), whose name starts with ``aws-waf-logs-`` (a CloudWatch Logs log
group, an S3 bucket or a Firehose stream; AWS WAF Developer Guide, "Logging web ACL traffic"),
for a web ACL that exists (WAFNonexistentItemException). Otherwise AWS WAF answers
WAFInvalidParameterException.
"""

from __future__ import annotations

import re

DESTINATION_RE = re.compile(
    r"^arn:aws[a-z-]*:(?:logs:[a-z0-9-]+:\d{12}:log-group:|s3:::|firehose:[a-z0-9-]+:\d{12}:deliverystream/)aws-waf-logs-"
)


def _invalid(field: str, reason: str):
    from moto.wafv2.exceptions import WAFv2ClientError

    return WAFv2ClientError(
        "WAFInvalidParameterException",
        f"Error reason: {reason}, field: {field}, parameter: LoggingConfiguration",
    )


def apply() -> None:
    """Patch moto's WAFv2 with the rules above."""
    from moto.wafv2.exceptions import WAFNonexistentItemException
    from moto.wafv2.models import WAFV2Backend

    put = WAFV2Backend.put_logging_configuration

    def checked_put(self, arn, log_destination_configs, *args, **kwargs):
        if arn not in self.wacls:
            raise WAFNonexistentItemException()
        destinations = list(log_destination_configs or [])
        if len(destinations) != 1:
            raise _invalid("LOG_DESTINATION", "A logging configuration takes exactly one destination")
        if not DESTINATION_RE.match(destinations[0]):
            raise _invalid("LOG_DESTINATION", "The destination name must start with aws-waf-logs-")
        return put(self, arn, log_destination_configs, *args, **kwargs)

    WAFV2Backend.put_logging_configuration = checked_put
