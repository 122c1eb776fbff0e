# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Independent reads at once: what a module asks per resource, when the API has no batch form.

A plan waits for its reads in turn; on AWS each costs a round trip (50 to 200 ms), so twenty
per-resource tag reads made one after the other are seconds of every plan. boto3 clients are
thread-safe; a few workers stay well inside the APIs' rate limits, and the reads keep their
retries with backoff.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

WORKERS = 8


def read_all(read, keys, workers: int = WORKERS) -> dict:
    """``{key: read(key)}`` for every key, read concurrently; the first error is raised as is."""
    keys = list(dict.fromkeys(keys))
    if len(keys) <= 1:
        return {key: read(key) for key in keys}
    with ThreadPoolExecutor(max_workers=min(workers, len(keys))) as pool:
        futures = {key: pool.submit(read, key) for key in keys}
        return {key: future.result() for key, future in futures.items()}
