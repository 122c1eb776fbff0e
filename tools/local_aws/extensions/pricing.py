"""The AWS Price List API (moto 5.2 has no Pricing backend): GetProducts and DescribeServices over a
small catalogue (catalogues/pricing.json), answered as botocore's pricing 2017-10-15 model says.

Each product is served as a price list item (aws_v1): ``product`` (``sku``, ``productFamily``,
``attributes``), ``serviceCode``, ``terms`` (``OnDemand``, and ``Reserved`` where the catalogue gives
one) with their ``priceDimensions``, ``version`` and ``publicationDate``, as a JSON string (the model's
``SynthesizedJsonPriceListJsonItem``).

Filters compare as AWS documents them: TERM_MATCH and EQUALS the whole value, CONTAINS a substring,
ANY_OF and NONE_OF against values separated by commas; ``ServiceCode`` is a field too, attribute
names match whatever their case, and an attribute a product lacks never matches. A filter type
outside the model's enum is refused by ``validation.py`` (ValidationException, "Member must satisfy
enum value set"), before this.

Refused as AWS refuses them: an empty ServiceCode ("Input Parameters are invalid. serviceCode cannot
be null or empty", aws/aws-sdk-js #3329) and one with other characters than letters and digits
("ServiceCode can only contain a-z, A-Z, 0-9", cloud-barista/cb-spider #1055), both
InvalidParameterException; a format version other than aws_v1 (InvalidParameterException); a
service code the catalogue does not hold (NotFoundException: the model's error for what does not
exist; AWS's wording not confirmed); a NextToken that is not one this emulator gave for the same
request (InvalidNextTokenException).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

from ..rules import catalogue
from .base import Extension, error

SERVICE_CODE_RE = re.compile(r"^[A-Za-z0-9]+$")
ON_DEMAND = "JRTCKXETXF"  # the offer term code AWS gives every on-demand term
RESERVED = "4NA7Y494T4"  # 1 year, no upfront, standard
PAGE = 100


def _invalid(message: str):
    return error(400, "InvalidParameterException", message)


def _item(product: dict, published: dict) -> dict:
    sku = product["sku"]
    dimensions = {}
    for index, price in enumerate(product["prices"]):
        rate = f"{sku}.{ON_DEMAND}.{index:010d}"
        dimensions[rate] = {
            "unit": price["unit"],
            "endRange": price.get("endRange", "Inf"),
            "description": price["description"],
            "appliesTo": [],
            "rateCode": rate,
            "beginRange": price.get("beginRange", "0"),
            "pricePerUnit": {"USD": price["usd"]},
        }
    terms = {
        "OnDemand": {
            f"{sku}.{ON_DEMAND}": {
                "priceDimensions": dimensions,
                "sku": sku,
                "effectiveDate": published["effectiveDate"],
                "offerTermCode": ON_DEMAND,
                "termAttributes": {},
            }
        }
    }
    if product.get("reserved"):
        rate = f"{sku}.{RESERVED}.6YS6EN2CT7"
        unit = product["prices"][0]["unit"]
        terms["Reserved"] = {
            f"{sku}.{RESERVED}": {
                "priceDimensions": {
                    rate: {
                        "unit": unit,
                        "endRange": "Inf",
                        "description": "1 year, no upfront, standard reserved",
                        "appliesTo": [],
                        "rateCode": rate,
                        "beginRange": "0",
                        "pricePerUnit": {"USD": product["reserved"]},
                    }
                },
                "sku": sku,
                "effectiveDate": published["effectiveDate"],
                "offerTermCode": RESERVED,
                "termAttributes": {
                    "LeaseContractLength": "1yr",
                    "OfferingClass": "standard",
                    "PurchaseOption": "No Upfront",
                },
            }
        }
    return {
        "product": {"productFamily": product["productFamily"], "attributes": product["attributes"], "sku": sku},
        "serviceCode": product["serviceCode"],
        "terms": terms,
        "version": published["version"],
        "publicationDate": published["publicationDate"],
    }


def _matches(product: dict, flt: dict) -> bool:
    field = str(flt.get("Field", ""))
    wanted = str(flt.get("Value", ""))
    kind = flt.get("Type", "TERM_MATCH")
    if field.lower() == "servicecode":
        value = product["serviceCode"]
    else:
        attributes = {k.lower(): v for k, v in product["attributes"].items()}
        if field.lower() == "productfamily":
            attributes.setdefault("productfamily", product["productFamily"])
        value = attributes.get(field.lower())
        if value is None:
            return False
    if kind in ("TERM_MATCH", "EQUALS"):
        return value == wanted
    if kind == "CONTAINS":
        return wanted in value
    values = [v.strip() for v in wanted.split(",")]
    if kind == "ANY_OF":
        return value in values
    if kind == "NONE_OF":
        return value not in values
    return False


class PriceList(Extension):
    def reset(self) -> None:
        """The catalogue is read-only: nothing to forget."""

    def routes(self) -> dict:
        return {("pricing", op): getattr(self, "_" + op) for op in ("GetProducts", "DescribeServices")}

    @staticmethod
    def _catalogue() -> dict:
        return catalogue("pricing")

    def _services(self) -> dict:
        services: dict = {}
        for product in self._catalogue()["products"]:
            names = services.setdefault(product["serviceCode"], set())
            names.update(product["attributes"])
            names.add("productFamily")
        return services

    @staticmethod
    def _token(body: dict, offset: int) -> str:
        request = {k: body.get(k) for k in ("ServiceCode", "Filters", "FormatVersion")}
        digest = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:16]
        return base64.b64encode(f"{offset}:{digest}".encode()).decode()

    def _offset(self, body: dict):
        token = body.get("NextToken")
        if not token:
            return 0, None
        try:
            offset, _ = base64.b64decode(token.encode(), validate=True).decode().split(":", 1)
            if self._token(body, int(offset)) == token:
                return int(offset), None
        except (ValueError, UnicodeDecodeError):
            pass
        return None, error(
            400, "InvalidNextTokenException", "The pagination token is invalid. Try again without a pagination token."
        )

    def _check(self, body: dict, required: bool):
        code = body.get("ServiceCode")
        if code in (None, ""):
            if required:
                return _invalid("Input Parameters are invalid. serviceCode cannot be null or empty")
            return None
        if not SERVICE_CODE_RE.match(str(code)):
            return _invalid("ServiceCode can only contain a-z, A-Z, 0-9")
        if code not in self._services():
            return error(400, "NotFoundException", f"Service {code} was not found.")
        version = body.get("FormatVersion")
        if version not in (None, "aws_v1"):
            return _invalid(f"Input Parameters are invalid. Invalid formatVersion {version}; valid values: aws_v1")
        return None

    def _page(self, body: dict, rows: list, key: str):
        offset, failure = self._offset(body)
        if failure:
            return failure
        size = int(body.get("MaxResults") or PAGE)
        answer = {"FormatVersion": "aws_v1", key: rows[offset : offset + size]}
        if offset + size < len(rows):
            answer["NextToken"] = self._token(body, offset + size)
        return 200, answer

    def _GetProducts(self, req):
        body = req.json()
        failure = self._check(body, required=True)
        if failure:
            return failure
        published = self._catalogue()
        filters = body.get("Filters") or []
        rows = [
            json.dumps(_item(product, published))
            for product in published["products"]
            if product["serviceCode"] == body["ServiceCode"] and all(_matches(product, f) for f in filters)
        ]
        return self._page(body, rows, "PriceList")

    def _DescribeServices(self, req):
        body = req.json()
        failure = self._check(body, required=False)
        if failure:
            return failure
        services = self._services()
        codes = [body["ServiceCode"]] if body.get("ServiceCode") else sorted(services)
        rows = [{"ServiceCode": code, "AttributeNames": sorted(services[code])} for code in codes]
        return self._page(body, rows, "Services")
