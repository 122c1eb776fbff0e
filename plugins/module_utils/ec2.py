# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""EC2 helpers shared by the collection's modules, on top of amazon.aws's."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags


def tag_dict(resource: dict) -> dict:
    return boto3_tag_list_to_ansible_dict(resource.get("Tags") or resource.get("TagSet") or [])


def sync_tags(client, plan, resource_id: str, current: dict, wanted: dict, purge: bool, label: str) -> None:
    """Bring one resource's tags to ``wanted`` from the ``current`` already described (no extra read)."""
    to_set, to_unset = compare_aws_tags(current, wanted, purge_tags=purge)
    if to_set:
        plan.do(
            f"tag {label} {resource_id}: set {', '.join(sorted(to_set))}",
            client.create_tags,
            Resources=[resource_id],
            Tags=[{"Key": k, "Value": v} for k, v in sorted(to_set.items())],
            aws_retry=True,
        )
    if to_unset:
        plan.do(
            f"tag {label} {resource_id}: remove {', '.join(sorted(to_unset))}",
            client.delete_tags,
            Resources=[resource_id],
            Tags=[{"Key": k} for k in sorted(to_unset)],
            aws_retry=True,
        )


def tag_spec(resource_type: str, tags: dict) -> list:
    return [{"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}]
