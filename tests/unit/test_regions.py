"""The region catalogue the preflight checks names against: botocore's, read without a service model."""

from __future__ import annotations

import botocore.session
from ansible_collections.ninetynine.trading_infra.plugins.module_utils import regions


def test_the_catalogue_is_every_region_botocore_lists_for_ec2_in_every_partition():
    session = botocore.session.get_session()
    by_session = {
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("ec2", partition_name=partition)
    }
    assert regions.known_regions() == by_session
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"} <= regions.known_regions()


def test_a_region_outside_the_catalogue_is_unknown_and_one_inside_is_not():
    assert regions.unknown_region("us-east-9")
    assert not regions.unknown_region("ap-southeast-2")
