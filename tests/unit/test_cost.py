"""The cost estimate (issue 21, part 4): playbooks/cost.yml, the cost role, its filters and pricing_info.

Prices are the role's table (roles/cost/vars/prices.yml) or the local AWS's Price List API
(tools/local_aws/extensions/pricing.py, serving the same early-2025 us-east-1 prices). Every run of
the playbook writes its JSON under the test's tmp_path.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from ansible_collections.ninetynine.trading_infra.plugins.filter.compliance import compliance_alarms
from ansible_collections.ninetynine.trading_infra.plugins.filter.cost import (
    cost_estimate,
    cost_price_requests,
    cost_report,
    cost_validation_errors,
)
from ansible_collections.ninetynine.trading_infra.plugins.modules import pricing_info

from tests.helpers import REPO, ansible_env, run_module, run_playbook

ROLE = REPO / "roles" / "cost"
PRICES = yaml.safe_load((ROLE / "vars" / "prices.yml").read_text())["cost_prices"]
INTERNAL = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())
REQUIRED_KEYS = {"total_usd", "currency", "price_source", "price_date", "budget_usd", "components"}
COMPONENTS = ["alb", "compliance", "data_tier", "eks", "network"]


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


def inputs(env: str, **overrides) -> dict:
    """What the role gathers for the estimate, from the files (no templating: dev, staging and local only)."""
    v = {}
    for role in INTERNAL["cost_sized_roles"] + ["cost"]:
        v.update(load(REPO / "roles" / role / "defaults" / "main.yml"))
    for path in sorted((REPO / "inventories" / env / "group_vars" / "all").glob("*.yml")):
        v.update(load(path))
    v.update({k: INTERNAL[k] for k in INTERNAL if k not in ("cost_sized_roles", "cost_pricing_aws_config")})
    v["cost_as_of"] = "2026-12-02"
    v.update(overrides)
    return v


def estimate_of(port, tmp_path, env, *extra, check=True, environ=None):
    """playbooks/cost.yml for one inventory: (the process, its JSON or None)."""
    out = tmp_path / env
    args = ["-e", f"cost_output_dir={out}", *extra]
    if environ is None:
        proc = run_playbook(port, "playbooks/cost.yml", env, *args, timeout=600)
    else:
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "playbooks/cost.yml", "-i", f"inventories/{env}"]
        proc = subprocess.run(
            cmd + args, cwd=REPO, env=environ, capture_output=True, text=True, timeout=600, check=False
        )
    if check:
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    path = out / f"{env}.json"
    return proc, (json.loads(path.read_text()) if path.exists() else None)


def item(estimate, component, prefix):
    (found,) = [i for i in estimate["components"][component]["items"] if i["item"].startswith(prefix)]
    return found


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the role's data stays true to the other roles --------------------------------------------------


def test_the_counts_the_estimate_takes_are_the_compliance_roles():
    compliance = load(REPO / "roles" / "compliance" / "vars" / "main.yml")
    assert INTERNAL["cost_compliance_config_rules"] == len(compliance["compliance_config_rule_catalogue"])
    assert INTERNAL["cost_compliance_cis_alarms"] == len(compliance["compliance_cis_filters"])


def test_the_alarm_count_is_what_the_compliance_role_makes_for_that_sizing():
    """Redis's three nodes, two node groups, three NAT gateways (prod's shape), priced per alarm metric."""
    resources = {
        "load_balancers": [{"name": "trading-prod", "arn_suffix": "app/trading-prod/1"}],
        "db_clusters": [{"identifier": "trading-prod-aurora"}],
        "cache_replication_groups": [{"id": "r", "member_clusters": ["r-001", "r-002", "r-003"]}],
        "eks_clusters": [
            {
                "name": "trading-prod",
                "node_groups": [
                    {"name": "general", "autoscaling_groups": ["eks-general-1"]},
                    {"name": "spot", "autoscaling_groups": ["eks-spot-1"]},
                ],
            }
        ],
        "nat_gateways": [{"id": f"nat-{z}", "availability_zone": f"us-east-1{z}"} for z in "abc"],
    }
    thresholds = load(REPO / "roles" / "compliance" / "defaults" / "main.yml")["compliance_alarm_thresholds"]
    alarms = compliance_alarms(resources, thresholds, "trading-prod")
    metrics = sum(len([m for m in a.get("metrics") or [] if "MetricStat" in m]) or 1 for a in alarms)
    v = inputs("staging", network_nat_mode="per_az", data_tier_redis_replicas=2, compliance_cloudtrail_enabled=False)
    v["eks_nodegroups"] = [dict(v["eks_nodegroups"][0]), dict(v["eks_nodegroups"][1])]
    estimate = cost_estimate(v, PRICES)
    assert item(estimate, "compliance", "CloudWatch alarms")["quantity"] == metrics == 16


def test_the_usage_assumptions_are_the_specs_suboptions():
    spec = load(ROLE / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]["cost_usage"]
    assert set(spec["options"]) == set(INTERNAL["cost_usage_assumptions"])
    for name, option in spec["options"].items():
        assert f"({INTERNAL['cost_usage_assumptions'][name]})" in option["description"], name


def test_every_shipped_instance_type_class_and_node_type_has_a_table_price():
    kinds = PRICES["kinds"]
    for env in ("local", "dev", "staging", "prod"):
        eks = load(REPO / "inventories" / env / "group_vars" / "all" / "eks.yml")
        groups = [g for k, g in eks.items() if k.endswith("_nodes")] or eks["eks_nodegroups"]
        for group in groups:
            for instance_type in group["instance_types"]:
                assert instance_type in kinds["ec2_instance_hour"]["table"], (env, instance_type)
        data = load(REPO / "inventories" / env / "group_vars" / "all" / "data_tier.yml")
        assert data["data_tier_aurora_instance_class"] in kinds["aurora_instance_hour"]["table"], env
        assert data["data_tier_redis_node_type"] in kinds["elasticache_node_hour"]["table"], env


def test_the_table_is_dated_and_sourced():
    assert PRICES["date"].startswith("2025-") and PRICES["region"] == "us-east-1" and PRICES["currency"] == "USD"
    assert PRICES["sources"] and all(url.startswith("https://aws.amazon.com/") for url in PRICES["sources"])


# -- the filters, offline ---------------------------------------------------------------------------


def test_a_node_more_moves_the_estimate_by_its_hourly_price_times_730():
    base = inputs("dev")
    more = inputs("dev")
    more["eks_nodegroups"] = [
        dict(base["eks_nodegroups"][0], desired_size=base["eks_nodegroups"][0]["desired_size"] + 3)
    ]
    delta = Decimal(str(cost_estimate(more, PRICES)["total_usd"])) - Decimal(
        str(cost_estimate(base, PRICES)["total_usd"])
    )
    assert delta == 3 * Decimal("0.0832") * 730  # t3.large


def test_a_spot_node_costs_the_ratio_of_on_demand():
    v = inputs("staging")
    v["eks_nodegroups"][1] = dict(v["eks_nodegroups"][1], desired_size=2)
    spot = item(cost_estimate(v, PRICES), "eks", "nodes batch-spot")
    assert spot["unit_usd"] == pytest.approx(0.096 * 0.35) and spot["usd"] == pytest.approx(2 * 730 * 0.096 * 0.35)
    assert "cost_spot_price_ratio" in spot["basis"]


@pytest.mark.parametrize(
    ("day", "label", "hourly"),
    [
        ("2026-03-22", "control plane", 0.10),
        ("2026-03-23", "control plane (extended support)", 0.60),
        ("2027-06-01", "control plane (extended support)", 0.60),
    ],
)
def test_the_control_plane_pays_extended_support_past_standard_support(day, label, hourly):
    estimate = cost_estimate(inputs("dev", cost_as_of=day), PRICES)
    control = estimate["components"]["eks"]["items"][0]
    assert (control["item"], control["unit_usd"], control["usd"]) == (label, hourly, round(730 * hourly, 2))
    extended = [n for n in estimate["notes"] if "left standard support on 2026-03-23" in n or "past the end" in n]
    assert bool(extended) == (hourly == 0.60)


def test_the_standard_upgrade_policy_keeps_the_standard_price():
    estimate = cost_estimate(inputs("dev", cost_eks_upgrade_policy="STANDARD"), PRICES)
    assert estimate["components"]["eks"]["items"][0]["item"] == "control plane"


def test_api_prices_win_and_missing_ones_come_from_the_table():
    v = inputs("dev")
    api = {
        "prices": {"nat_gateway_hour": {"usd": 0.05, "unit": "Hrs"}},
        "missing": [{"name": "ec2_instance_hour:t3.large", "reason": "no product of AmazonEC2 matches the filters"}],
    }
    estimate = cost_estimate(v, PRICES, api)
    nat = item(estimate, "network", "NAT gateways")
    assert (nat["price_source"], nat["usd"]) == ("api", 36.5)
    assert item(estimate, "eks", "nodes general")["price_source"] == "table"
    assert estimate["price_source"] == "api+table" and estimate["price_date"] == PRICES["date"]
    assert any("ec2_instance_hour:t3.large" in note for note in estimate["notes"])


def test_an_unknown_instance_type_without_the_api_is_refused_naming_the_variable():
    v = inputs("dev")
    v["eks_nodegroups"] = [dict(v["eks_nodegroups"][0], instance_types=["z9.huge"])]
    estimate = cost_estimate(v, PRICES)
    assert estimate["unpriced"] == [
        "eks_nodegroups[0].instance_types[0] in environment 'dev': no price for z9.huge: it is not in "
        "roles/cost/vars/prices.yml (ec2_instance_hour)"
    ]


def test_price_requests_name_the_region_and_the_type():
    requests = {r["name"]: r for r in cost_price_requests(inputs("dev", trading_aws_region="eu-west-1"), PRICES)}
    t3 = requests["ec2_instance_hour:t3.large"]
    assert {"type": "TERM_MATCH", "field": "instanceType", "value": "t3.large"} in t3["filters"]
    assert {"type": "TERM_MATCH", "field": "regionCode", "value": "eu-west-1"} in t3["filters"]
    assert t3["service_code"] == "AmazonEC2" and t3["unit"] == "Hrs"
    assert "eks_extended_support_hour" in requests and "eks_cluster_hour" not in requests
    assert "waf_web_acl_month" not in requests  # dev has no WAF


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"cost_price_source": "cheap"}, "cost_price_source in environment 'dev': 'cheap' must be one of auto"),
        ({"cost_output_dir": " "}, "cost_output_dir in environment 'dev': ' ' must name the directory"),
        ({"cost_date": "2026-02-30"}, "cost_date in environment 'dev': '2026-02-30' must be a date"),
        ({"cost_spot_price_ratio": 1.5}, "cost_spot_price_ratio in environment 'dev': 1.5 must be a number above 0"),
        ({"cost_usage": {"nat_data_gb": -1}}, "cost_usage.nat_data_gb in environment 'dev': -1 must be a number"),
        ({"cost_usage": {"nat_gb": 1}}, "cost_usage.nat_gb in environment 'dev': is not a usage the estimate reads"),
    ],
)
def test_bad_cost_inputs_are_named_with_the_environment(overrides, expected):
    errors = cost_validation_errors(inputs("dev", **overrides))
    assert len(errors) == 1 and errors[0].startswith(expected), errors


def test_the_shipped_inventories_pass_the_checks():
    for env in ("local", "dev", "staging", "prod"):
        assert cost_validation_errors(inputs(env)) == [], env


def test_the_report_says_over_or_under_with_the_percentage():
    under = cost_report(cost_estimate(inputs("dev"), PRICES))
    over = cost_report(cost_estimate(inputs("dev", compliance_budget_monthly_usd=100), PRICES))
    assert any(line.startswith("UNDER budget by ") and "% of the budget" in line for line in under)
    assert any(line.startswith("OVER budget by ") and "(+" in line for line in over)


# -- the playbook -----------------------------------------------------------------------------------


@pytest.mark.playbook
def test_each_environment_is_estimated_from_the_table_without_aws(aws, tmp_path):
    aws.clear_calls()
    totals = {}
    for env in ("local", "dev", "staging", "prod"):
        proc, estimate = estimate_of(aws.port, tmp_path, env, "-e", "cost_price_source=table")
        assert set(estimate) >= REQUIRED_KEYS and sorted(estimate["components"]) == COMPONENTS
        assert (estimate["currency"], estimate["price_source"], estimate["price_date"]) == (
            "USD",
            "table",
            PRICES["date"],
        )
        for component in estimate["components"].values():
            assert component["items"] and all(
                {"item", "quantity", "unit", "unit_usd", "usd"} <= set(i) for i in component["items"]
            )
        parts = sum(Decimal(str(c["total_usd"])) for c in estimate["components"].values())
        assert abs(parts - Decimal(str(estimate["total_usd"]))) < Decimal("0.0001")
        budget = load(REPO / "inventories" / env / "group_vars" / "all" / "compliance.yml")[
            "compliance_budget_monthly_usd"
        ]
        assert estimate["budget_usd"] == budget
        word = "OVER" if estimate["total_usd"] > budget else "UNDER"
        assert (
            f"{word} budget by " in proc.stdout
            and f"{estimate['budget_used_percent']:.1f}% of the budget" in proc.stdout
        )
        assert f"roles/cost/vars/prices.yml dated {PRICES['date']}" in proc.stdout
        assert all(url in proc.stdout for url in PRICES["sources"])
        assert "control plane (extended support)" in proc.stdout  # 1.32 left standard support in March 2026
        totals[env] = estimate["total_usd"]
    assert totals["prod"] > totals["staging"] > totals["dev"]
    assert aws.calls()["total"] == 0


@pytest.mark.playbook
def test_more_nodes_move_the_figure_by_exactly_count_times_the_hourly_price_times_730(aws, tmp_path):
    _, base = estimate_of(aws.port, tmp_path / "base", "prod", "-e", "cost_price_source=table")
    general = load(REPO / "inventories" / "prod" / "group_vars" / "all" / "eks.yml")["prod_general_nodes"]
    bigger = json.dumps({"prod_general_nodes": dict(general, desired_size=general["desired_size"] + 4)})
    _, more = estimate_of(aws.port, tmp_path / "more", "prod", "-e", "cost_price_source=table", "-e", bigger)
    hourly = Decimal(str(PRICES["kinds"]["ec2_instance_hour"]["table"]["m6i.xlarge"]))
    assert Decimal(str(more["total_usd"])) - Decimal(str(base["total_usd"])) == 4 * hourly * 730
    assert item(more, "eks", "nodes general")["item"] == "nodes general (m6i.xlarge, on-demand, 7)"


@pytest.mark.playbook
def test_the_api_prices_the_environment_read_only(aws, tmp_path):
    aws.clear_calls()
    proc, estimate = estimate_of(aws.port, tmp_path, "prod", "-e", "cost_price_source=api")
    assert estimate["price_source"] == "api" and estimate["api_missing"] == []
    assert {i["price_source"] for c in estimate["components"].values() for i in c["items"]} == {"api"}
    assert "Prices: AWS Price List API (pricing:GetProducts), us-east-1" in proc.stdout
    calls = aws.calls()
    assert calls["writes"] == 0
    assert {(c["service"], c["operation"]) for c in calls["calls"]} == {("pricing", "GetProducts")}
    # The local AWS serves the table's prices: the same figure either way.
    _, table = estimate_of(aws.port, tmp_path / "table", "prod", "-e", "cost_price_source=table")
    assert estimate["total_usd"] == table["total_usd"]


@pytest.mark.playbook
def test_a_price_the_api_lacks_fails_api_and_comes_from_the_table_with_auto(aws, tmp_path):
    groups = json.dumps(
        {
            "eks_nodegroups": [
                {
                    "name": "general",
                    "instance_types": ["m7i.large"],
                    "capacity_type": "ON_DEMAND",
                    "min_size": 1,
                    "max_size": 3,
                    "desired_size": 1,
                    "disk_size": 50,
                }
            ]
        }
    )
    proc, _ = estimate_of(aws.port, tmp_path / "api", "dev", "-e", "cost_price_source=api", "-e", groups, check=False)
    assert proc.returncode != 0
    text = " ".join(proc.stdout.split())
    assert (
        "cost_price_source in environment 'dev': the Price List API found no price for ec2_instance_hour:m7i.large"
        in text
    )
    proc, estimate = estimate_of(aws.port, tmp_path / "auto", "dev", "-e", groups)
    assert estimate["price_source"] == "api+table"
    assert item(estimate, "eks", "nodes general")["price_source"] == "table"
    assert estimate["api_missing"] == [
        {"name": "ec2_instance_hour:m7i.large", "reason": "no product of AmazonEC2 matches the filters"}
    ]


@pytest.mark.playbook
def test_auto_falls_back_on_the_table_when_the_api_cannot_be_reached(tmp_path):
    proc, estimate = estimate_of(closed_port(), tmp_path, "staging")
    assert estimate["price_source"] == "table" and estimate["price_date"] == PRICES["date"]
    assert "Could not connect to the endpoint URL" in estimate["api_error"]
    text = " ".join(proc.stdout.split())
    assert "WARNING: cost_price_source auto: the AWS Price List API could not be used (pricing:GetProducts" in text
    assert f"the table roles/cost/vars/prices.yml dated {PRICES['date']} (us-east-1)" in text
    assert all(url in proc.stdout for url in PRICES["sources"])


@pytest.mark.playbook
def test_auto_falls_back_on_the_table_without_credentials(tmp_path):
    environ = {
        k: v for k, v in ansible_env(closed_port()).items() if not k.startswith("AWS_") or k == "AWS_DEFAULT_REGION"
    }
    environ.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    proc, estimate = estimate_of(None, tmp_path, "dev", environ=environ)
    assert estimate["price_source"] == "table" and "Unable to locate credentials" in estimate["api_error"]
    assert "Unable to locate credentials" in proc.stdout
    # table needs neither credentials nor an endpoint
    proc, estimate = estimate_of(None, tmp_path / "table", "dev", "-e", "cost_price_source=table", environ=environ)
    assert estimate["api_error"] is None and "WARNING" not in proc.stdout


@pytest.mark.playbook
@pytest.mark.parametrize(
    ("env", "extra", "message"),
    [
        (
            "dev",
            "cost_price_source=cheap",
            "cost_price_source in environment 'dev': is the string 'cheap'; it must be one of auto, api, table",
        ),
        (
            "prod",
            "cost_price_sorce=table",
            "cost_price_sorce in environment 'prod': is not a variable of the cost role"
            " (did you mean 'cost_price_source'?)",
        ),
        (
            "staging",
            "cost_output_dir=README.md",
            "cost_output_dir in environment 'staging': README.md exists and is not a directory",
        ),
        ("dev", "cost_date=2026-13-01", "cost_date in environment 'dev': '2026-13-01' must be a date, YYYY-MM-DD"),
        (
            "local",
            '{"cost_usage": {"nat_data_gb": "lots"}}',
            "cost_usage.nat_data_gb in environment 'local': is the string 'lots'; a number is expected",
        ),
    ],
    ids=["price-source", "misspelled", "output-dir-a-file", "date", "usage-a-string"],
)
def test_bad_input_is_refused_naming_the_variable_and_the_environment_before_any_aws_call(aws, env, extra, message):
    aws.clear_calls()
    proc = run_playbook(aws.port, "playbooks/cost.yml", env, "-e", extra, timeout=600)
    assert proc.returncode != 0
    assert message in " ".join((proc.stdout + proc.stderr).split()), proc.stdout[-3000:]
    assert aws.calls()["total"] == 0


# -- pricing_info against the local AWS -------------------------------------------------------------


@pytest.fixture
def pricing(aws, capsys):
    def _run(products, check_mode=False):
        return run_module(
            pricing_info, {"region": "us-east-1", "products": products}, check_mode=check_mode, capsys=capsys
        )

    return _run


def ec2(instance_type, *drop, **extra):
    filters = {
        "instanceType": instance_type,
        "regionCode": "us-east-1",
        "operatingSystem": "Linux",
        "tenancy": "Shared",
        "preInstalledSw": "NA",
        "capacitystatus": "Used",
        "licenseModel": "No License required",
    }
    filters = {k: v for k, v in filters.items() if k not in drop}
    return {
        "name": instance_type,
        "service_code": "AmazonEC2",
        "filters": [{"field": k, "value": v} for k, v in filters.items()],
        **extra,
    }


def test_the_module_finds_every_price_the_shipped_inventories_need(pricing):
    for env in ("local", "dev", "staging"):
        result = pricing(cost_price_requests(inputs(env), PRICES))
        assert result["changed"] is False and result["missing"] == [], (env, result["missing"])
        for name, price in result["prices"].items():
            assert price["usd"] == pytest.approx(float(_table(name))), name


def _table(name):
    kind, _, param = name.partition(":")
    table = PRICES["kinds"][kind]["table"]
    return table[param] if param else table


def test_the_module_takes_the_on_demand_first_tier(pricing, aws):
    vended = {
        "name": "vended",
        "service_code": "AmazonCloudWatch",
        "unit": "GB",
        "filters": [{"field": "usagetype", "type": "CONTAINS", "value": "VendedLog-Bytes"}],
    }
    result = pricing([ec2("m6i.large", unit="Hrs"), vended])
    assert result["prices"]["m6i.large"]["usd"] == 0.096  # not the reserved term's
    assert result["prices"]["m6i.large"]["description"].startswith("$0.096 per On Demand Linux m6i.large")
    assert result["prices"]["vended"]["usd"] == 0.5  # the first tier of four
    assert aws.writes() == []


def test_the_module_says_why_a_price_is_missing(pricing):
    result = pricing(
        [
            ec2("m6i.large", "operatingSystem"),  # Linux and Windows match
            ec2("m6i.large", unit="GB") | {"name": "per-gb"},
            ec2("x9.huge"),
        ]
    )
    reasons = {m["name"]: m["reason"] for m in result["missing"]}
    assert result["prices"] == {}
    assert reasons["m6i.large"].startswith("2 prices match at 2 different amounts")
    assert reasons["per-gb"] == "1 product(s) match, none priced in GB (units: Hrs)"
    assert reasons["x9.huge"] == "no product of AmazonEC2 matches the filters"


def test_the_module_fails_on_what_the_api_refuses(pricing):
    result = pricing([{"name": "x", "service_code": "AmazonNothing"}])
    assert result.failed and "pricing:GetProducts for x (AmazonNothing) failed" in result["msg"]
    assert "Service AmazonNothing was not found" in result["msg"]


def test_the_module_survives_throttling_and_changes_nothing_in_check_mode(pricing, aws):
    aws.set_faults(throttle_rate=0.5, seed=5, services=["pricing"])
    requests = cost_price_requests(inputs("staging"), PRICES)
    result = pricing(requests, check_mode=True)
    assert result["missing"] == [] and len(result["prices"]) == len(requests)
    assert aws.faults()["injected"] > 0
