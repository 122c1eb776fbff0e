# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The retry policy every module of the collection uses, on top of amazon.aws's AWSRetry."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# AWSRetry knows EC2's and the query services' throttling codes; the JSON services' need adding.
RETRY_CODES = ["ThrottlingException", "ServiceUnavailableException", "SlowDown"]


def retry_decorator():
    """The retry policy of the collection's modules: jittered exponential backoff, ten tries."""
    return AWSRetry.jittered_backoff(retries=10, catch_extra_error_codes=RETRY_CODES)


@retry_decorator()
def paginate(client, operation: str, key: str, **kwargs) -> list:
    """A whole paginated listing, retried with backoff as a unit (paginators bypass aws_retry)."""
    return client.get_paginator(operation).paginate(**kwargs).build_full_result()[key]
