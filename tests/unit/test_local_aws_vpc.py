"""EC2 networking in the local AWS as AWS keeps it (tools/local_aws/vpc.py), through real boto3 clients.

Each rule is refused with AWS's error code and its neighbour accepted.
"""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError


def refused(call, code: str, message: str, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    assert error["Code"] == code, error
    assert re.search(message, error["Message"]), error
    return error


@pytest.fixture
def ec2(aws):
    return aws.client_no_retry("ec2")


@pytest.fixture
def vpc_id(ec2):
    return ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


def test_a_new_vpcs_default_group_admits_itself_and_sends_anywhere(ec2, vpc_id):
    group = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    assert [(p["IpProtocol"], [g["GroupId"] for g in p["UserIdGroupPairs"]]) for p in group["IpPermissions"]] == [
        ("-1", [group["GroupId"]])
    ]
    assert [(p["IpProtocol"], p["IpRanges"]) for p in group["IpPermissionsEgress"]] == [
        ("-1", [{"CidrIp": "0.0.0.0/0"}])
    ]
    # Revoked as listed, both go.
    ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
    ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])
    after = ec2.describe_security_groups(GroupIds=[group["GroupId"]])["SecurityGroups"][0]
    assert after["IpPermissions"] == [] and after["IpPermissionsEgress"] == []


def sized_policy(size: int) -> str:
    """A policy document of exactly ``size`` characters."""
    base = {"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow", "Principal": "*", "Action": "s3:*"}]}
    padding = size - len(json.dumps(base))
    base["Statement"][0]["Sid"] = "A" * padding
    text = json.dumps(base)
    assert len(text) == size
    return text


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ('{"Version": "2012-10-17", "Statement": [', r"^The Policy Document is not valid\. Syntax error at position"),
        ('["not", "an", "object"]', "must be an object with a Statement"),
        (sized_policy(20_481), "length 20481 exceeds the maximum of 20480"),
    ],
)
def test_endpoint_policies_aws_refuses(ec2, vpc_id, policy, message):
    refused(
        ec2.create_vpc_endpoint,
        "InvalidPolicyDocument",
        message,
        VpcId=vpc_id,
        ServiceName="com.amazonaws.us-east-1.s3",
        VpcEndpointType="Gateway",
        PolicyDocument=policy,
    )
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc_id, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway"
    )["VpcEndpoint"]
    refused(
        ec2.modify_vpc_endpoint,
        "InvalidPolicyDocument",
        message,
        VpcEndpointId=endpoint["VpcEndpointId"],
        PolicyDocument=policy,
    )


def test_an_endpoint_policy_of_20480_characters_is_accepted(ec2, vpc_id):
    policy = sized_policy(20_480)
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc_id, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway", PolicyDocument=policy
    )["VpcEndpoint"]
    listed = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])["VpcEndpoints"][0]
    assert json.loads(listed["PolicyDocument"]) == json.loads(policy)


def entry(number, egress=False, **extra):
    args = dict(RuleNumber=number, Protocol="-1", RuleAction="allow", Egress=egress, CidrBlock="10.0.0.0/16")
    args.update(extra)
    return args


@pytest.mark.parametrize("number", [0, 32767, 32768, 65535])
def test_network_acl_rule_numbers_are_1_to_32766(ec2, vpc_id, number):
    acl = ec2.create_network_acl(VpcId=vpc_id)["NetworkAcl"]["NetworkAclId"]
    refused(ec2.create_network_acl_entry, "InvalidParameterValue", "1 to 32766", NetworkAclId=acl, **entry(number))
    ec2.create_network_acl_entry(NetworkAclId=acl, **entry(1))
    refused(ec2.replace_network_acl_entry, "InvalidParameterValue", "1 to 32766", NetworkAclId=acl, **entry(number))
    ec2.create_network_acl_entry(NetworkAclId=acl, **entry(32766))


def test_a_rule_number_is_used_once_per_direction(ec2, vpc_id):
    acl = ec2.create_network_acl(VpcId=vpc_id)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, **entry(100))
    refused(ec2.create_network_acl_entry, "NetworkAclEntryAlreadyExists", "100", NetworkAclId=acl, **entry(100))
    ec2.create_network_acl_entry(NetworkAclId=acl, **entry(100, egress=True))


def test_an_icmp_entry_keeps_its_type_and_code(ec2, vpc_id):
    acl = ec2.create_network_acl(VpcId=vpc_id)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, **entry(200, Protocol="1", IcmpTypeCode={"Type": 3, "Code": 4}))
    ec2.replace_network_acl_entry(NetworkAclId=acl, **entry(200, Protocol="1", IcmpTypeCode={"Type": 3, "Code": 1}))
    listed = ec2.describe_network_acls(NetworkAclIds=[acl])["NetworkAcls"][0]["Entries"]
    assert [e["IcmpTypeCode"] for e in listed if e["RuleNumber"] == 200] == [{"Type": 3, "Code": 1}]


def test_a_vpc_goes_after_its_own_acls_and_takes_its_default_acl(ec2, vpc_id):
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    acl = ec2.create_network_acl(VpcId=vpc_id)["NetworkAcl"]["NetworkAclId"]
    held = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"]
    association = next(a for a in held[0]["Associations"] if a["SubnetId"] == subnet)
    ec2.replace_network_acl_association(AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl)
    refused(ec2.delete_network_acl, "DependencyViolation", "has dependencies", NetworkAclId=acl)
    ec2.delete_subnet(SubnetId=subnet)  # its association goes with it
    refused(ec2.delete_vpc, "DependencyViolation", "has dependencies", VpcId=vpc_id)
    ec2.delete_network_acl(NetworkAclId=acl)
    ec2.delete_vpc(VpcId=vpc_id)
    assert ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NetworkAcls"] == []
