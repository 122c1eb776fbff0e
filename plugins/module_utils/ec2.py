# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""EC2 helpers shared by the collection's modules, on top of amazon.aws's."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list


def tag_dict(resource: dict) -> dict:
    return boto3_tag_list_to_ansible_dict(resource.get("Tags") or resource.get("TagSet") or [])


def sync_tags(client, plan, resource_id: str, current: dict, wanted: dict, purge: bool, label: str) -> None:
    """Bring one resource's tags to ``wanted`` from the ``current`` already described (no extra read)."""
    plan_tags(
        plan,
        f"{label} {resource_id}",
        current,
        wanted,
        purge,
        lambda tags: client.create_tags(Resources=[resource_id], Tags=tag_list(tags), aws_retry=True),
        lambda keys: client.delete_tags(Resources=[resource_id], Tags=[{"Key": k} for k in keys], aws_retry=True),
    )


def tag_spec(resource_type: str, tags: dict) -> list:
    return [{"ResourceType": resource_type, "Tags": tag_list(tags)}]
