"""The preflight's tag rules: AWS's limits, and the roles' own tags never overridden."""

import pytest
from ansible_collections.ninetynine.trading_infra.plugins.filter.tags import tag_validation_errors


def errors(tags, env="dev"):
    return tag_validation_errors({"trading_env": env, "tags": tags})


def test_sound_tags_pass():
    good = {"Owner": "platform-dev", "CostCenter": "trading platform", "team/email": "ops+alerts@99tech.example"}
    assert errors({"trading_extra_tags": good, "eks_extra_tags": {}, "alb_extra_tags": None}) == []
    assert errors({"trading_extra_tags": {"Tier": 1, "Ünïcode": "café"}}) == []


@pytest.mark.parametrize(
    ("tags", "fragment"),
    [
        ({"Environment": "prod"}, "tag key 'Environment' is set by the roles"),
        ({"ManagedBy": "terraform"}, "tag key 'ManagedBy' is set by the roles"),
        ({"AWS:Team": "x"}, "uses the aws: prefix"),
        ({"": "x"}, "tag key '' must be 1-128"),
        ({"k" * 129: "x"}, "must be 1-128"),
        ({"Owner;drop": "x"}, "tag key 'Owner;drop' must be"),
        ({"Owner": "v" * 257}, "tag 'Owner' value must be at most 256"),
        ({"Owner": "a\nb"}, "tag 'Owner' value must be at most 256"),
        ({"Owner": ["a"]}, "tag 'Owner' must have a string value, not list"),
        ({"Owner": True}, "tag 'Owner' must have a string value, not bool"),
        ({f"k{i}": "v" for i in range(47)}, "47 tags; AWS takes 50 per resource, 4 of them the roles' own"),
    ],
)
def test_each_rule_names_the_variable_and_the_environment(tags, fragment):
    found = errors({"network_extra_tags": tags}, env="staging")
    assert len(found) == 1, found
    assert found[0].startswith("network_extra_tags in environment 'staging': ") and fragment in found[0]


def test_a_list_is_not_a_mapping_and_every_variable_is_checked():
    found = errors({"trading_extra_tags": ["Owner"], "alb_extra_tags": {"aws:x": "y"}})
    assert found == [
        "alb_extra_tags in environment 'dev': tag key 'aws:x' uses the aws: prefix, which AWS reserves",
        "trading_extra_tags in environment 'dev': must be a mapping of tag keys to values, not list",
    ]
