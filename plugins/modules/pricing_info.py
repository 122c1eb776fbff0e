#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: pricing_info
short_description: On-demand prices from the AWS Price List API, by service code and filters
version_added: 1.0.0
description:
  - Reads (never writes) the public on-demand price of each product asked for, with the Price List
    API's C(GetProducts) (C(pricing:GetProducts)), and returns the prices it found and, for the others,
    why it found none.
  - Each product is a service code and filters (for example V(AmazonEC2) with C(instanceType),
    C(regionCode), C(operatingSystem), ...). Of every product that matches, the price taken is the
    first tier (the price from 0) of its C(OnDemand) term in USD, in O(products[].unit) when given.
  - A product is missing when nothing matches, when the products that match are priced differently
    (the filters are not narrow enough to say which one), or when none is priced in the unit asked.
  - The Price List API answers in a few regions only (V(us-east-1), V(eu-central-1), V(ap-south-1)),
    for every region's prices; set O(region) to one of them and name the priced region in the filters
    (C(regionCode)).
  - Throttling is retried with backoff; the products are looked up concurrently.
  - Supports check mode (it changes nothing either way).
author:
  - 99Tech platform engineering (@99tech)
options:
  products:
    description: The prices to look up.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The name the price is returned under (for example V(ec2_instance_hour:m6i.large)).
        type: str
        required: true
      service_code:
        description: The Price List service code (V(AmazonEC2), V(AmazonRDS), V(AWSELB), ...).
        type: str
        required: true
      filters:
        description: What every matching product has, all of them (GetProducts' C(Filters)).
        type: list
        elements: dict
        default: []
        suboptions:
          field:
            description: A product attribute (C(instanceType), C(usagetype), C(regionCode), ...) or V(ServiceCode).
            type: str
            required: true
          value:
            description: The value (for V(ANY_OF) and V(NONE_OF), values separated by commas).
            type: str
            required: true
          type:
            description: How the value is compared.
            type: str
            default: TERM_MATCH
            choices: [TERM_MATCH, EQUALS, CONTAINS, ANY_OF, NONE_OF]
      unit:
        description: The unit the price must be in (for example V(Hrs)); any unit when omitted.
        type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The hourly price of an m6i.large and of a NAT gateway in us-east-1
  ninetynine.trading_infra.pricing_info:
    region: us-east-1
    products:
      - name: m6i.large
        service_code: AmazonEC2
        unit: Hrs
        filters:
          - {field: instanceType, value: m6i.large}
          - {field: regionCode, value: us-east-1}
          - {field: operatingSystem, value: Linux}
          - {field: tenancy, value: Shared}
          - {field: preInstalledSw, value: NA}
          - {field: capacitystatus, value: Used}
          - {field: licenseModel, value: No License required}
      - name: nat_gateway_hour
        service_code: AmazonEC2
        unit: Hrs
        filters:
          - {field: productFamily, value: NAT Gateway}
          - {field: usagetype, type: CONTAINS, value: NatGateway-Hours}
          - {field: regionCode, value: us-east-1}
  register: prices

- name: Use them
  ansible.builtin.debug:
    msg: "{{ prices.prices['m6i.large'].usd * 730 }} USD a month"
"""

RETURN = r"""
prices:
  description: The prices found, by name.
  returned: always
  type: dict
  sample:
    m6i.large:
      usd: 0.096
      unit: Hrs
      sku: 9KMZWGZVTXKAQXNM
      description: "$0.096 per On Demand Linux m6i.large Instance Hour"
      effective_date: "2025-01-01T00:00:00Z"
      service_code: AmazonEC2
      products: 1
missing:
  description: The products without a price, each with the reason.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "eks_extended_support_hour", "reason": "no product of AmazonEKS matches the filters"}]
"""

import json

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.concurrency import read_all
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate

FILTER_TYPES = ["TERM_MATCH", "EQUALS", "CONTAINS", "ANY_OF", "NONE_OF"]


def on_demand_prices(item):
    """(usd, unit, description, effective date) of each first-tier USD price of a price list item."""
    product = json.loads(item) if isinstance(item, str) else item
    found = []
    for term in ((product.get("terms") or {}).get("OnDemand") or {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            usd = (dimension.get("pricePerUnit") or {}).get("USD")
            if usd is None or str(dimension.get("beginRange", "0")) not in ("0", "0.0"):
                continue
            found.append((float(usd), dimension.get("unit"), dimension.get("description"), term.get("effectiveDate")))
    return (product.get("product") or {}).get("sku"), found


def choose(request, items):
    """({price}, None) for the request's one price among the matching products, or (None, reason)."""
    unit = request.get("unit")
    candidates = []
    units = set()
    for item in items:
        sku, prices = on_demand_prices(item)
        for usd, price_unit, description, effective in prices:
            units.add(price_unit)
            if unit and (price_unit or "").lower() != unit.lower():
                continue
            candidates.append((sku or "", usd, price_unit, description, effective))
    if not items:
        return None, f"no product of {request['service_code']} matches the filters"
    if not candidates:
        if unit:
            return (
                None,
                f"{len(items)} product(s) match, none priced in {unit} (units: {', '.join(sorted(map(str, units)))})",
            )
        return None, f"{len(items)} product(s) match, none with an on-demand price in USD"
    distinct = sorted({c[1] for c in candidates})
    if len(distinct) > 1:
        skus = ", ".join(sorted({c[0] for c in candidates})[:5])
        return None, (
            f"{len(candidates)} prices match at {len(distinct)} different amounts (SKUs {skus}): the filters do not "
            "say which one"
        )
    sku, usd, price_unit, description, effective = sorted(candidates)[0]
    return {
        "usd": usd,
        "unit": price_unit,
        "sku": sku,
        "description": description,
        "effective_date": effective,
        "service_code": request["service_code"],
        "products": len({c[0] for c in candidates}),
    }, None


def main():
    argument_spec = dict(
        products=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                service_code=dict(type="str", required=True),
                filters=dict(
                    type="list",
                    elements="dict",
                    default=[],
                    options=dict(
                        field=dict(type="str", required=True),
                        value=dict(type="str", required=True),
                        type=dict(type="str", default="TERM_MATCH", choices=FILTER_TYPES),
                    ),
                ),
                unit=dict(type="str"),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    products = module.params["products"]
    names = [p["name"] for p in products]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        module.fail_json(msg=f"products: each name once; given more than once: {', '.join(duplicates)}")
    client = module.client("pricing")
    by_name = {p["name"]: p for p in products}

    def read(name):
        request = by_name[name]
        filters = [{"Type": f["type"], "Field": f["field"], "Value": f["value"]} for f in request["filters"]]
        try:
            return paginate(
                client,
                "get_products",
                "PriceList",
                ServiceCode=request["service_code"],
                Filters=filters,
                FormatVersion="aws_v1",
            )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            e.pricing_product = name
            raise

    try:
        answers = read_all(read, names)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        name = getattr(e, "pricing_product", "?")
        module.fail_json_aws(
            e, msg=f"pricing:GetProducts for {name} ({by_name.get(name, {}).get('service_code', '?')}) failed"
        )

    prices, missing = {}, []
    for name in names:
        price, reason = choose(by_name[name], answers[name])
        if price is None:
            missing.append({"name": name, "reason": reason})
        else:
            prices[name] = price
    module.exit_json(changed=False, prices=prices, missing=missing)


if __name__ == "__main__":
    main()
