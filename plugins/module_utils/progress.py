# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Progress of the long waits, for the ``progress`` callback to show while a module waits on AWS.

A module that waits (an EKS control plane, a node group, an Aurora cluster, a Redis group, a NAT
gateway) reports each resource's state at every poll. The reports go to the file the callback
names in the environment variable ``TRADING_PROGRESS``, one JSON object per line; without it (the
callback not enabled, a module run alone) nothing is written. A report never fails the module.

``USUAL_SECONDS`` is how long each kind of wait usually takes on AWS, as the console and the service
guides say, and the Terraform provider's default timeouts for the same resources. The local AWS's
latency model (tools/local_aws/latency.py) keeps its resources transitional for the same times,
scaled, and the callback shows them as the expected time: ``eks trading-prod  CREATING  4m10s / ~10m``.
"""

from __future__ import annotations

import json
import os
import time

ENV_VAR = "TRADING_PROGRESS"

USUAL_SECONDS = {
    ("elasticache-replication-group", "create"): 480,  # ~8 min for a replication group
    ("elasticache-replication-group", "modify"): 300,  # adding replicas, resharding, node type
    ("elasticache-replication-group", "delete"): 300,
    ("rds-cluster", "create"): 300,  # ~5 min for the cluster itself
    ("rds-cluster", "delete"): 120,  # ~2 min once its instances are deleting
    ("rds-instance", "create"): 480,  # ~8 min for each instance
    ("rds-instance", "delete"): 360,  # ~6 min
    ("nat-gateway", "create"): 120,  # ~2 min
    ("nat-gateway", "delete"): 60,  # ~1 min
    ("elbv2-load-balancer", "create"): 180,  # ~3 min provisioning before active
    ("eks-cluster", "create"): 600,  # ~10 min for the control plane
    ("eks-cluster", "update"): 120,  # logging, endpoint access, access configuration
    ("eks-cluster", "upgrade"): 600,  # one minor version of the control plane
    ("eks-cluster", "delete"): 300,
    ("eks-nodegroup", "create"): 240,  # ~4 min for a managed node group
    ("eks-nodegroup", "update"): 60,  # scaling, labels, taints
    ("eks-nodegroup", "upgrade"): 600,  # a rolling replacement of the nodes
    ("eks-nodegroup", "delete"): 240,
    ("eks-addon", "create"): 60,  # ~1 min
    ("eks-addon", "update"): 60,
    ("eks-addon", "delete"): 30,
}


def usual(kind: str, action: str) -> int | None:
    return USUAL_SECONDS.get((kind, action))


def since(timestamp) -> float | None:
    """Seconds since the epoch of an AWS timestamp (botocore's datetime), None when there is none."""
    try:
        return timestamp.timestamp()
    except AttributeError:
        return None


def report(label: str, state: str, started: float, usual_seconds: int | None = None, done: bool = False) -> None:
    """One progress line: ``label`` (``eks trading-prod``) is in ``state`` since ``started`` (epoch seconds)."""
    path = os.environ.get(ENV_VAR)
    if not path:
        return
    line = {"label": label, "state": str(state), "started": started, "usual": usual_seconds, "done": done}
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({**line, "time": time.time()}) + "\n")
    except OSError:
        pass  # progress is for the eyes only: a wait never fails for it


# The action a transitional state is part of, for the usual time of the wait.
ACTION_OF_STATE = {
    "creating": "create",
    "pending": "create",
    "deleting": "delete",
    "updating": "update",
    "modifying": "modify",
    "upgrading": "upgrade",
}


def watch_all(watches: dict, label: str, kind: str, resource, done: bool, state_key: str, created_key: str) -> None:
    """Report ``resource`` under ``label``, with a Watch kept in ``watches`` across the polls of one wait."""
    if label not in watches:
        watches[label] = Watch(label, kind, lambda r: r.get(state_key, "?"), lambda r: since(r.get(created_key)))
    watches[label](resource, done)


class Watch:
    """How ``waiters.wait_for`` reports a wait: the resource's label, its state, since when, the usual time.

    ``kind`` is a key of USUAL_SECONDS (``eks-cluster``); ``state_of(resource)`` gives the state AWS
    reports; ``created_of(resource)`` the resource's creation time (epoch seconds, ``since()``), when
    AWS gives one: a creation started by an earlier task is timed from its start, not from the wait's.
    """

    def __init__(self, label: str, kind: str, state_of, created_of=None) -> None:
        self.label, self.kind, self.state_of, self.created_of = label, kind, state_of, created_of
        self.started = time.time()
        self.began, self.usual = self.started, None  # kept when the state becomes final (ACTIVE, GONE)

    def usual_seconds(self, action: str | None) -> int | None:
        if action is None:
            return None
        alternatives = {"update": "modify", "modify": "update"}
        return usual(self.kind, action) or usual(self.kind, alternatives.get(action, action))

    def __call__(self, resource, done: bool) -> None:
        state = "GONE" if resource is None else str(self.state_of(resource)).upper()  # as EKS says them
        action = ACTION_OF_STATE.get(state.lower())
        if action is not None:
            self.usual = self.usual_seconds(action)
        if action == "create" and resource is not None and self.created_of is not None:
            try:
                self.began = min(self.created_of(resource) or self.began, self.began)
            except (KeyError, TypeError, AttributeError):
                pass
        report(self.label, state, self.began, self.usual, done)
