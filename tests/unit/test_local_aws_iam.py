"""The local AWS refuses, as IAM does, a policy whose conditions IAM does not know."""

from __future__ import annotations

import json

import pytest

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def trust(condition):
    document = json.loads(json.dumps(TRUST))
    document["Statement"][0]["Condition"] = condition
    return json.dumps(document)


GOOD = [
    {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*"}},
    {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/*"]}},
    {"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}},
    {"Bool": {"aws:SecureTransport": False}},
    {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
]
BAD = [
    ({"StringEqual": {"aws:SourceAccount": "123456789012"}}, "Invalid Condition type : StringEqual"),
    ({"ArnMatches": {"aws:SourceArn": "arn:aws:ec2:*"}}, "Invalid Condition type : ArnMatches"),
    ({"StringEquals": {}}, "Syntax errors in policy."),
    ({"StringEquals": {"aws:SourceAccount": {"nested": "x"}}}, "Syntax errors in policy."),
]


@pytest.mark.parametrize("condition", GOOD)
def test_a_trust_policy_with_known_operators_is_accepted(aws, condition):
    iam = aws.client("iam")
    iam.create_role(RoleName="probe", AssumeRolePolicyDocument=trust(condition))
    iam.update_assume_role_policy(RoleName="probe", PolicyDocument=trust(condition))


@pytest.mark.parametrize("condition, message", BAD)
def test_a_trust_policy_with_an_unknown_operator_is_refused(aws, condition, message):
    iam = aws.client("iam")
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException, match=message):
        iam.create_role(RoleName="probe", AssumeRolePolicyDocument=trust(condition))
    iam.create_role(RoleName="probe", AssumeRolePolicyDocument=json.dumps(TRUST))
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException, match=message):
        iam.update_assume_role_policy(RoleName="probe", PolicyDocument=trust(condition))


def test_an_inline_policy_with_an_unknown_operator_is_refused(aws):
    iam = aws.client("iam")
    iam.create_role(RoleName="probe", AssumeRolePolicyDocument=json.dumps(TRUST))
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "logs:PutLogEvents",
                "Resource": "*",
                "Condition": {"StringEqual": {"aws:RequestedRegion": "us-east-1"}},
            }
        ],
    }
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException, match="StringEqual"):
        iam.put_role_policy(RoleName="probe", PolicyName="p", PolicyDocument=json.dumps(policy))
