"""The local AWS's Price List API (moto has none): GetProducts and DescribeServices as botocore's pricing
model shapes them, over catalogues/pricing.json, refusing what AWS refuses."""

import json

import pytest
from botocore.exceptions import ClientError, ParamValidationError


@pytest.fixture
def pricing(aws):
    return aws.client_no_retry("pricing")


def codes(call):
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def term(value, field="instanceType", kind="TERM_MATCH"):
    return {"Type": kind, "Field": field, "Value": value}


def test_products_are_price_list_items_of_the_format_aws_v1(pricing):
    answer = pricing.get_products(
        ServiceCode="AmazonEC2",
        Filters=[
            term("m6i.large"),
            term("us-east-1", "regionCode"),
            term("Linux", "operatingSystem"),
            term("Used", "capacitystatus"),
        ],
        FormatVersion="aws_v1",
    )
    assert answer["FormatVersion"] == "aws_v1"
    (item,) = [json.loads(p) for p in answer["PriceList"]]
    assert item["serviceCode"] == "AmazonEC2" and item["product"]["attributes"]["instanceType"] == "m6i.large"
    (on_demand,) = item["terms"]["OnDemand"].values()
    (dimension,) = on_demand["priceDimensions"].values()
    assert dimension["unit"] == "Hrs" and dimension["pricePerUnit"] == {"USD": "0.0960"}
    assert item["terms"]["Reserved"] and on_demand["sku"] == item["product"]["sku"]


def test_filters_compare_as_documented(pricing):
    def skus(*filters, service="AmazonEC2"):
        return len(pricing.get_products(ServiceCode=service, Filters=list(filters))["PriceList"])

    everything = skus()
    assert skus(term("NatGateway", "usagetype", "CONTAINS"), term("us-east-1", "regionCode")) == 2
    assert (
        skus(term("t3.large,m5.large", kind="ANY_OF"), term("us-east-1", "regionCode"), term("Used", "capacitystatus"))
        == 4
    )
    assert skus(term("Windows", "operatingSystem", "NONE_OF")) < everything
    assert skus(term("AmazonEC2", "ServiceCode")) == everything
    assert skus(term("x", "noSuchAttribute")) == 0  # an attribute no product has matches nothing
    assert skus(term("m6i.large", "INSTANCETYPE"), term("us-west-2", "regionCode")) == 1  # names in any case


def test_pages_and_tokens(pricing):
    pages = list(
        pricing.get_paginator("get_products").paginate(ServiceCode="AmazonEC2", PaginationConfig={"PageSize": 9})
    )
    assert len(pages) > 1 and sum(len(p["PriceList"]) for p in pages) == len(
        pricing.get_products(ServiceCode="AmazonEC2")["PriceList"]
    )
    token = pages[0]["NextToken"]
    assert (
        codes(lambda: pricing.get_products(ServiceCode="AmazonRDS", NextToken=token))[0] == "InvalidNextTokenException"
    )


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"ServiceCode": "AmazonNothing"}, "NotFoundException", "Service AmazonNothing was not found."),
        ({"ServiceCode": "Amazon EC2"}, "InvalidParameterException", "ServiceCode can only contain a-z, A-Z, 0-9"),
        ({"ServiceCode": "AmazonEC2", "FormatVersion": "aws_v2"}, "InvalidParameterException", "Invalid formatVersion"),
        (
            {"ServiceCode": "AmazonEC2", "Filters": [term("x", kind="STARTS_WITH")]},
            "ValidationException",
            "Value 'STARTS_WITH' at 'filters.1.member.type' failed to satisfy constraint:"
            " Member must satisfy enum value set",
        ),
        (
            {"ServiceCode": "AmazonEC2", "MaxResults": 101},
            "ValidationException",
            "Member must have value less than or equal to 100",
        ),
    ],
    ids=["unknown-service", "bad-service-code", "format-version", "filter-type", "max-results"],
)
def test_what_aws_refuses_is_refused(pricing, kwargs, code, message):
    got_code, got_message = codes(lambda: pricing.get_products(**kwargs))
    assert got_code == code and message in got_message


def test_an_empty_service_code_is_refused_by_the_service_too(aws):
    from botocore.config import Config

    client = aws.client("pricing")
    # The same client with botocore's own parameter check off sends what the other refuses.
    unchecked = __import__("boto3").client(
        "pricing",
        endpoint_url=aws.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(parameter_validation=False, retries={"mode": "legacy", "max_attempts": 0}),
    )
    with pytest.raises(ParamValidationError):
        client.get_products()
    got_code, got_message = codes(lambda: unchecked.get_products(ServiceCode=""))
    assert (got_code, got_message) == (
        "InvalidParameterException",
        "Input Parameters are invalid. serviceCode cannot be null or empty",
    )


def test_describe_services_lists_the_catalogues_codes_and_attributes(pricing):
    services = {s["ServiceCode"]: s["AttributeNames"] for s in pricing.describe_services()["Services"]}
    assert {"AmazonEC2", "AmazonRDS", "AmazonEKS", "AWSELB", "AmazonElastiCache", "AmazonCloudWatch"} <= set(services)
    assert "instanceType" in services["AmazonEC2"]
    assert codes(lambda: pricing.describe_services(ServiceCode="AmazonNothing"))[0] == "NotFoundException"
