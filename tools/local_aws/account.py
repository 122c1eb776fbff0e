"""What a real account already holds before the platform is built in it.

The platform's inventories name principals the platform does not create: the administrators'
role, which AWS IAM Identity Center (or the landing zone) provisions in every account. EKS refuses
an access entry for a principal that does not exist, and the preflight asks IAM for it, so the
local account starts with that role as a real one would:

* ``platform-admin`` (path /), assumable by the account's root, untagged: it is the account's,
  never an environment's, and no teardown removes it.

The seed is laid down when the local AWS starts and after every reset.
"""

from __future__ import annotations

import json

ACCOUNT_ID = "123456789012"
ADMIN_ROLE = "platform-admin"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "sts:AssumeRole"}
    ],
}


def seed() -> None:
    from moto.iam.models import iam_backends

    iam = iam_backends[ACCOUNT_ID]["global"]
    if ADMIN_ROLE not in {role.name for role in iam.roles.values()}:
        iam.create_role(
            role_name=ADMIN_ROLE,
            assume_role_policy_document=json.dumps(TRUST),
            path="/",
            permissions_boundary=None,
            description="The account's administrators (provisioned by IAM Identity Center on a real account)",
            tags=[],
            max_session_duration="3600",
        )
