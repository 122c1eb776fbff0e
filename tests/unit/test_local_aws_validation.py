"""The local AWS refuses, as AWS does, input that breaks the service model where botocore does not look:
pattern, enum, max length, range and list/map sizes, per protocol, through real boto3 clients."""

import time
from urllib.parse import urlencode

import boto3
import botocore.exceptions
import botocore.session
import pytest
from botocore import serialize
from botocore.config import Config

from tools.local_aws import validation

ROLE = "arn:aws:iam::123456789012:role/trading-test-eks"
POLICY = '{"Version": "2012-10-17", "Statement": []}'


def refusal(call, **kwargs) -> dict:
    """The error AWS answers the call with: code, message, HTTP status."""
    with pytest.raises(botocore.exceptions.ClientError) as failure:
        call(**kwargs)
    response = failure.value.response
    return {
        "code": response["Error"]["Code"],
        "message": response["Error"]["Message"],
        "status": response["ResponseMetadata"]["HTTPStatusCode"],
    }


def one_error(path: str, value: str, constraint: str) -> str:
    return f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"


def enum(service: str, shape: str) -> list:
    return botocore.session.get_session().get_service_model(service).shape_for(shape).enum


def serialized(service: str, operation: str, params: dict) -> tuple[dict, bytes]:
    """The headers and body botocore sends for the call."""
    model = botocore.session.get_session().get_service_model(service)
    request = serialize.create_serializer(model.resolved_protocol).serialize_to_request(
        params, model.operation_model(operation)
    )
    body = request["body"]
    if isinstance(body, dict):
        body = urlencode(body).encode()
    return request["headers"], body.encode() if isinstance(body, str) else body


# -- json ---------------------------------------------------------------------------
def test_json_pattern(aws):
    got = refusal(aws.client_no_retry("kms").create_alias, AliasName="alias/bad name!", TargetKeyId="k")
    assert got == {
        "code": "ValidationException",
        "message": one_error(
            "aliasName", "alias/bad name!", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
        ),
        "status": 400,
    }


def test_json_enum(aws):
    got = refusal(aws.client_no_retry("ssm").put_parameter, Name="/trading/test/p", Value="v", Type="Strng")
    assert got["code"] == "ValidationException"
    assert got["message"] == one_error(
        "type", "Strng", "Member must satisfy enum value set: [String, StringList, SecureString]"
    )


def test_json_max_length(aws):
    name = "/trading/" + "p" * 2040
    got = refusal(aws.client_no_retry("ssm").put_parameter, Name=name, Value="v", Type="String")
    assert got["message"] == one_error("name", name, "Member must have length less than or equal to 2048")


def test_json_range_with_the_service_own_code(aws):
    """CloudWatch Logs answers InvalidParameterException where most JSON services say ValidationException."""
    got = refusal(aws.client_no_retry("logs").describe_log_groups, limit=51)
    assert got["code"] == "InvalidParameterException"
    assert got["message"] == one_error("limit", "51", "Member must have value less than or equal to 50")


def test_json_pattern_is_matched_against_the_whole_value(aws):
    """The model's [\\.\\-_/#A-Za-z0-9]+ is unanchored; AWS (Java's matches()) still refuses a partial match."""
    got = refusal(aws.client_no_retry("logs").create_log_group, logGroupName="/trading/test/a:b")
    assert got["message"] == one_error(
        "logGroupName", "/trading/test/a:b", "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"
    )


def test_a_list_of_strings_is_reported_whole_with_its_member_constraints(aws):
    got = refusal(aws.client_no_retry("logs").describe_log_groups, accountIdentifiers=["1234567890ab"])
    assert got["message"] == one_error(
        "accountIdentifiers",
        "[1234567890ab]",
        "Member must satisfy constraint: [Member must have length less than or equal to 12, Member must have "
        "length greater than or equal to 12, Member must satisfy regular expression pattern: ^\\d{12}$]",
    )


def test_json_list_max(aws):
    accounts = [f"{n:012d}" for n in range(21)]
    got = refusal(aws.client_no_retry("logs").describe_log_groups, accountIdentifiers=accounts)
    assert got["message"] == one_error(
        "accountIdentifiers", "[" + ", ".join(accounts) + "]", "Member must have length less than or equal to 20"
    )


def test_a_minimum_is_checked_for_a_client_that_does_not(aws):
    elbv2 = boto3.client(
        "elbv2",
        endpoint_url=aws.url,
        region_name="us-east-1",
        config=Config(parameter_validation=False, retries={"mode": "legacy", "max_attempts": 0}),
    )
    got = refusal(elbv2.create_target_group, Name="tg", Protocol="HTTP", Port=0, VpcId="vpc-1")
    assert got["code"] == "ValidationError"
    assert got["message"] == one_error("port", "0", "Member must have value greater than or equal to 1")


def test_a_sensitive_value_is_not_echoed(aws):
    secret = "hunter2-" * 8200  # over SecretString's 65536
    got = refusal(aws.client_no_retry("secretsmanager").create_secret, Name="trading/test/s", SecretString=secret)
    assert got["code"] == "ValidationException"
    assert got["message"] == (
        "1 validation error detected: Value at 'secretString' failed to satisfy constraint: "
        "Member must have length less than or equal to 65536"
    )
    assert "hunter2" not in got["message"]


def test_a_query_compatible_json_service_answers_the_query_code(aws):
    got = refusal(
        aws.client_no_retry("cloudwatch").put_metric_alarm,
        AlarmName="a",
        MetricName="m",
        Namespace="Trading",
        Statistic="Avg",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    assert got["code"] == "ValidationError"
    assert "Value 'Avg' at 'statistic'" in got["message"]


def test_an_operation_our_extensions_answer_is_validated_too(aws):
    got = refusal(aws.client_no_retry("config").put_conformance_pack, ConformancePackName="1-pack", TemplateBody="x")
    assert got["message"] == one_error(
        "conformancePackName", "1-pack", "Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"
    )


# -- query ----------------------------------------------------------------------------
def test_query_range(aws):
    got = refusal(
        aws.client_no_retry("elbv2").create_target_group, Name="tg", Protocol="HTTP", Port=65536, VpcId="vpc-1"
    )
    assert got == {
        "code": "ValidationError",
        "message": one_error("port", "65536", "Member must have value less than or equal to 65535"),
        "status": 400,
    }


def test_query_enum(aws):
    got = refusal(aws.client_no_retry("elbv2").create_target_group, Name="tg", Protocol="HTTP2", Port=80, VpcId="vpc-1")
    assert got["message"] == one_error(
        "protocol", "HTTP2", f"Member must satisfy enum value set: [{', '.join(enum('elbv2', 'ProtocolEnum'))}]"
    )
    assert enum("elbv2", "ProtocolEnum")[:3] == ["HTTP", "HTTPS", "TCP"]


def test_query_several_errors_at_once(aws):
    name = "bad name " * 8
    got = refusal(aws.client_no_retry("iam").create_role, RoleName=name, AssumeRolePolicyDocument=POLICY)
    assert got["code"] == "ValidationError"
    assert got["message"] == (
        f"2 validation errors detected: Value '{name}' at 'roleName' failed to satisfy constraint: Member must "
        f"have length less than or equal to 64; Value '{name}' at 'roleName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )


def test_query_member_of_a_list_of_structures(aws):
    got = refusal(
        aws.client_no_retry("iam").create_role,
        RoleName="r",
        AssumeRolePolicyDocument=POLICY,
        Tags=[{"Key": "Environment", "Value": "test"}, {"Key": "k" * 129, "Value": "v"}],
    )
    assert got["message"] == one_error(
        "tags.2.member.key", "k" * 129, "Member must have length less than or equal to 128"
    )


def test_query_list_max(aws):
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    got = refusal(aws.client_no_retry("iam").create_role, RoleName="r", AssumeRolePolicyDocument=POLICY, Tags=tags)
    assert got["message"].startswith("1 validation error detected: Value '[{Key=k0, Value=v}, {Key=k1, Value=v}, ")
    assert got["message"].endswith(
        "' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"
    )


def test_query_xml_special_characters_survive(aws):
    got = refusal(aws.client_no_retry("iam").create_role, RoleName="a<b>&c", AssumeRolePolicyDocument=POLICY)
    assert got["message"] == one_error(
        "roleName", "a<b>&c", "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )


# -- ec2 ----------------------------------------------------------------------------------
def test_ec2_range(aws):
    got = refusal(aws.client_no_retry("ec2").describe_vpcs, MaxResults=2000)
    assert got == {
        "code": "InvalidParameterValue",
        "message": one_error("maxResults", "2000", "Member must have value less than or equal to 1000"),
        "status": 400,
    }


def test_ec2_enum_top_level_and_in_a_list(aws):
    ec2 = aws.client_no_retry("ec2")
    got = refusal(ec2.create_vpc, CidrBlock="10.1.0.0/16", InstanceTenancy="shared")
    assert got["message"] == one_error(
        "instanceTenancy", "shared", "Member must satisfy enum value set: [default, dedicated, host]"
    )
    got = refusal(ec2.create_vpc, CidrBlock="10.1.0.0/16", TagSpecifications=[{"ResourceType": "vpcs", "Tags": []}])
    assert got["code"] == "InvalidParameterValue"
    assert got["message"].startswith(
        "1 validation error detected: Value 'vpcs' at 'tagSpecifications.1.member.resourceType' failed to "
        "satisfy constraint: Member must satisfy enum value set: [capacity-reservation, "
    )


def test_ec2_pattern_length_and_list_max(aws):
    ec2 = aws.client_no_retry("ec2")
    got = refusal(ec2.describe_launch_template_versions, LaunchTemplateName="bad name")
    assert got["message"] == one_error(
        "launchTemplateName", "bad name", "Member must satisfy regular expression pattern: [a-zA-Z0-9\\(\\)\\.\\-/_]+"
    )
    got = refusal(ec2.create_image, InstanceId="i-1", Name="n" * 129)
    assert got["message"] == one_error("name", "n" * 129, "Member must have length less than or equal to 128")
    images = [f"ami-{n:017x}" for n in range(11)]
    got = refusal(ec2.describe_image_references, ImageIds=images)
    assert got["message"] == one_error(
        "imageIds", "[" + ", ".join(images) + "]", "Member must have length less than or equal to 10"
    )


# -- rest-json and rest-xml -------------------------------------------------------------------
def test_rest_json_body_pattern(aws):
    got = refusal(aws.client_no_retry("eks").create_cluster, name="bad!name", roleArn=ROLE, resourcesVpcConfig={})
    assert got == {
        "code": "InvalidParameterException",
        "message": one_error(
            "name", "bad!name", "Member must satisfy regular expression pattern: ^[0-9A-Za-z][A-Za-z0-9\\-_]*"
        ),
        "status": 400,
    }


def test_rest_json_nested_enum_and_max_length(aws):
    eks = aws.client_no_retry("eks")
    got = refusal(
        eks.create_cluster,
        name="trading-test",
        roleArn=ROLE,
        resourcesVpcConfig={},
        kubernetesNetworkConfig={"ipFamily": "ipv5"},
    )
    assert got["message"] == one_error(
        "kubernetesNetworkConfig.ipFamily", "ipv5", "Member must satisfy enum value set: [ipv4, ipv6]"
    )
    got = refusal(eks.create_cluster, name="c" * 101, roleArn=ROLE, resourcesVpcConfig={})
    assert got["message"] == one_error("name", "c" * 101, "Member must have length less than or equal to 100")


def test_rest_json_body_list_max(aws):
    got = refusal(
        aws.client_no_retry("eks").create_cluster,
        name="trading-test",
        roleArn=ROLE,
        resourcesVpcConfig={},
        encryptionConfig=[{"resources": ["secrets"]}, {"resources": ["secrets"]}],
    )
    assert got["message"] == one_error(
        "encryptionConfig",
        "[{resources=[secrets]}, {resources=[secrets]}]",
        "Member must have length less than or equal to 1",
    )


def test_rest_json_map_keys(aws):
    got = refusal(
        aws.client_no_retry("eks").create_cluster,
        name="trading-test",
        roleArn=ROLE,
        resourcesVpcConfig={},
        tags={"k" * 129: "v"},
    )
    assert got["message"] == one_error(
        "tags",
        "{" + "k" * 129 + "=v}",
        "Map keys must satisfy constraint: [Member must have length less than or equal to 128, "
        "Member must have length greater than or equal to 1]",
    )


def test_rest_json_querystring_range(aws):
    got = refusal(aws.client_no_retry("eks").list_clusters, maxResults=101)
    assert got["message"] == one_error("maxResults", "101", "Member must have value less than or equal to 100")


def test_rest_json_uri_pattern(aws):
    got = refusal(aws.client_no_retry("lambda").get_function, FunctionName="bad name!")
    assert got["code"] == "ValidationException"
    assert got["message"].startswith(
        "1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?"
    )


def test_rest_xml_uri_max_length(aws):
    got = refusal(aws.client_no_retry("route53").get_hosted_zone, Id="Z" * 33)
    assert got == {
        "code": "InvalidInput",
        "message": one_error("id", "Z" * 33, "Member must have length less than or equal to 32"),
        "status": 400,
    }


# -- what goes through ------------------------------------------------------------------------
def test_valid_requests_pass(aws):
    aws.client_no_retry("logs").create_log_group(logGroupName="/trading/test/app", tags={"Environment": "test"})
    aws.client_no_retry("ssm").put_parameter(Name="/trading/test/p", Value="v", Type="String")
    aws.client_no_retry("iam").create_role(
        RoleName="trading-test", AssumeRolePolicyDocument=POLICY, Tags=[{"Key": "Environment", "Value": "test"}]
    )
    ec2 = aws.client_no_retry("ec2")
    ec2.create_vpc(
        CidrBlock="10.1.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Environment", "Value": "test"}]}],
    )
    assert ec2.describe_vpcs(MaxResults=5)["Vpcs"]
    assert aws.client_no_retry("eks").list_clusters(maxResults=100)["clusters"] == []


def test_a_refused_call_is_counted_and_refused_before_any_fault(aws):
    aws.set_faults(error_rate=1.0, seed=1, services=["logs"])
    try:
        got = refusal(aws.client_no_retry("logs").describe_log_groups, limit=51)
    finally:
        aws.set_faults()
    assert got["code"] == "InvalidParameterException"
    assert aws.faults()["injected"] == 0
    assert {(c["service"], c["operation"]) for c in aws.calls()["calls"]} == {("logs", "DescribeLogGroups")}


def test_the_environment_variable_turns_the_layer_off(monkeypatch):
    headers, body = serialized("logs", "DescribeLogGroups", {"limit": 51})
    monkeypatch.delenv(validation.ENV, raising=False)
    assert validation.check("logs", "DescribeLogGroups", "us-east-1", {}, headers, body, "") == (
        400,
        "InvalidParameterException",
        one_error("limit", "51", "Member must have value less than or equal to 50"),
    )
    monkeypatch.setenv(validation.ENV, "off")
    assert validation.check("logs", "DescribeLogGroups", "us-east-1", {}, headers, body, "") is None
    monkeypatch.setenv(validation.ENV, "on")
    assert validation.check("logs", "DescribeLogGroups", "us-east-1", {}, headers, body, "") is not None


def test_requests_it_cannot_read_go_through():
    headers, body = serialized("logs", "DescribeLogGroups", {"limit": 51})
    assert validation.check("logs", "DescribeLogGroups", None, {}, headers, b"{not json", "") is None
    assert validation.check("unknown", "DescribeLogGroups", None, {}, headers, body, "") is None
    assert validation.check("logs", "NoSuchOperation", None, {}, headers, body, "") is None
    assert validation.check("sqs", "ReceiveMessage", None, {}, headers, body, "") is None


# -- reading query bodies -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("service", "operation", "params"),
    [
        (
            "sns",
            "CreateTopic",
            {"Name": "t", "Attributes": {"DisplayName": "x", "Policy": "{}"}, "Tags": [{"Key": "k", "Value": "v"}]},
        ),
        (
            "ec2",
            "CreateVpc",
            {
                "CidrBlock": "10.1.0.0/16",
                "TagSpecifications": [{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}],
            },
        ),
        ("ec2", "DescribeVpcs", {"Filters": [{"Name": "cidr", "Values": ["10.1.0.0/16", "10.2.0.0/16"]}]}),
        (
            "sdb",  # flattened lists named by their member
            "BatchPutAttributes",
            {"DomainName": "d", "Items": [{"Name": "i", "Attributes": [{"Name": "a", "Value": "1"}]}]},
        ),
        ("iam", "CreateRole", {"RoleName": "r", "AssumeRolePolicyDocument": POLICY, "Tags": []}),
    ],
)
def test_query_bodies_are_read_back_into_the_input(service, operation, params):
    _, body = serialized(service, operation, params)
    assert validation.query_input(service, operation, body) == params


def test_query_keys_outside_the_model_are_left_out():
    body = "Action=CreateRole&Version=2010-05-08&RoleName=r&Nope=1&Tags.member.x.Key=k&Tags.oops.1.Key=k"
    assert validation.query_input("iam", "CreateRole", body) == {"RoleName": "r"}


# -- Java patterns -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "takes", "refuses"),
    [
        ("^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$", ["héllo wörld_1", "a:b/c=d+e-f@g", ""], ["bad#", "tab\there"]),
        ("[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*", ["ok", "emoji 😀"], ["\x01"]),
        ("^[a-zA-Z0-9\\s-_()\\[\\]]+$", ["a b-c_(d)[e]"], ["a*"]),
        ("\\p{Print}+", ["abc ~"], ["é"]),
        ("[^\\p{C}]*", ["abc é"], ["a\x00"]),
        ("^(?![^:\\\\]*/action/|(?i).*<script>.*</script>.*)[^:\\\\]+$", ["budget-1"], ["x<SCRIPT>y</script>"]),
        ("(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", ["/", "/a/b/"], ["a", "/a"]),
        ("^[0-9A-Za-z][A-Za-z0-9\\-_]*", ["a", "a-b_c"], ["-a", "a!b"]),
    ],
)
def test_java_patterns_are_translated_and_match_whole_values(pattern, takes, refuses):
    regex = validation.java_regex(pattern)
    assert regex is not None
    assert all(regex.fullmatch(v) for v in takes)
    assert not any(regex.fullmatch(v) for v in refuses)


@pytest.mark.parametrize(
    "pattern",
    [
        "^arn:aws([a-z-]+)?:ec2:[a-z\\d-]+:\\d{12}:placement-group/^.{1,255}$",  # a '^' nothing can reach
        "^[-_a-zA-Z0-9]*${2,64}$",
        "[\\p{Print}&&[^|:/]]+",
        "^(\\p{LD}|\\p{Punct}| )+$",
        "\\p{IsLatin}+",
    ],
)
def test_a_pattern_without_translation_is_not_checked(pattern):
    assert validation.java_regex(pattern) is None


def test_a_check_takes_well_under_a_millisecond():
    requests = [
        ("logs", "CreateLogGroup", serialized("logs", "CreateLogGroup", {"logGroupName": "/trading/test/app"})),
        ("ec2", "DescribeVpcs", serialized("ec2", "DescribeVpcs", {"Filters": [{"Name": "cidr", "Values": ["x"]}]})),
    ]
    for service, operation, (headers, body) in requests:
        validation.check(service, operation, "us-east-1", {}, headers, body, "")  # compiled once
        start = time.perf_counter()
        for _ in range(2000):
            assert validation.check(service, operation, "us-east-1", {}, headers, body, "") is None
        assert (time.perf_counter() - start) / 2000 < 0.0005, service
