"""The roles' input contracts: one spec per role, applied strictly and whole by the preflight."""

from pathlib import Path

import pytest
import yaml
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.contract import (
    contract_errors,
    contract_problems,
    spec_errors,
)
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tier import is_production, tier_errors

from tests.helpers import REPO

ROLES = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists())


def spec(role, entry="main"):
    return yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"][entry]


def defaults(role):
    return yaml.safe_load((REPO / "roles" / role / "defaults" / "main.yml").read_text()) or {}


OPTIONS = {
    "flag": {"type": "bool"},
    "count": {"type": "int"},
    "ratio": {"type": "float"},
    "version": {"type": "str"},
    "mode": {"type": "str", "choices": ["none", "single", "per_az"]},
    "names": {"type": "list", "elements": "str"},
    "groups": {
        "type": "list",
        "elements": "dict",
        "options": {
            "name": {"type": "str", "required": True},
            "size": {"type": "int"},
            "taints": {
                "type": "list",
                "elements": "dict",
                "options": {"effect": {"type": "str", "choices": ["NO_SCHEDULE"], "required": True}},
            },
        },
    },
    "free": {"type": "dict"},
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"flag": "false"}, "flag: is the string 'false'; a boolean is expected (write true or false without quotes)"),
        ({"flag": 0}, "flag: is the number 0; a boolean is expected"),
        ({"count": "3"}, "count: is the string '3'; a whole number is expected (write it without quotes)"),
        ({"count": True}, "count: is the boolean true; a whole number is expected"),
        ({"count": 2.5}, "count: is the number 2.5; a whole number is expected"),
        ({"ratio": "0.5"}, "ratio: is the string '0.5'; a number is expected"),
        ({"version": 7.1}, "version: is the number 7.1; a string is expected (quote it"),
        ({"version": True}, "version: is the boolean true; a string is expected (YAML reads yes, no"),
        ({"version": None}, "version: is null; give it a value or remove the line"),
        ({"mode": "perAZ"}, "mode: is the string 'perAZ'; it must be one of none, single, per_az"),
        ({"mode": "Single"}, "mode: is the string 'Single'; it must be one of none, single, per_az (did you mean"),
        ({"names": "a,b"}, "names: is the string 'a,b'; a list is expected"),
        ({"names": ["a", 2]}, "names[1]: is the number 2; a string is expected"),
        ({"groups": [{"name": "a", "sise": 1}]}, "groups[0].sise: is not a known key (did you mean 'size'?)"),
        ({"groups": [{"size": 1}]}, "groups[0].name: is required"),
        (
            {"groups": [{"name": "a", "taints": [{"effect": "NoSchedule"}]}]},
            "groups[0].taints[0].effect: is the string",
        ),
        ({"free": ["a"]}, "free: is a list; a mapping is expected"),
    ],
)
def test_nothing_is_converted(value, expected):
    errors = contract_errors(OPTIONS, value, "dev")
    assert len(errors) == 1, errors
    path, _, rest = expected.partition(": ")
    assert errors[0].startswith(f"{path} in environment 'dev': {rest}"), errors[0]


def test_sound_values_and_free_dicts_pass():
    values = {
        "flag": False,
        "count": 3,
        "ratio": 1,
        "version": "7.1",
        "mode": "per_az",
        "names": ["a"],
        "groups": [{"name": "a", "size": 2, "taints": [{"effect": "NO_SCHEDULE"}]}],
        "free": {"anything": 1},
    }
    assert contract_problems(OPTIONS, values) == []


def test_a_required_option_unset_is_refused():
    assert contract_problems({"trading_env": {"type": "str", "required": True}}, {}) == [
        ("trading_env", "is required and not set")
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_default_of_the_role_is_in_its_spec(role):
    options = spec(role)["options"]
    assert spec_errors(options) == []
    for name, value in defaults(role).items():
        assert name in options, f"{role}: default {name} is not in meta/argument_specs.yml"
        assert name.startswith(f"{role}_"), name
        declared = options[name]
        if "default" in declared and not (isinstance(value, str) and "{{" in value):
            assert declared["default"] == value, (
                f"{role}: {name} defaults to {value!r}, the spec says {declared['default']!r}"
            )
        # The role's own default keeps its contract (templated ones are checked on every shipped inventory).
        if not (isinstance(value, str) and "{{" in value):
            assert contract_problems({name: declared}, {name: value}) == [], name


# Options that take two shapes on purpose, checked by the role's filter (an address or a list of them).
RAW_BY_DESIGN = {"compliance_alert_emails"}


@pytest.mark.parametrize("role", ROLES)
def test_every_option_of_the_spec_is_typed_and_refuses_a_wrong_type(role):
    for name, declared in spec(role)["options"].items():
        kind = declared.get("type", "str")
        if name in RAW_BY_DESIGN:
            continue
        assert kind != "raw", f"{role}: {name} is untyped"
        wrong = {"str": 7.1, "int": "3", "float": "0.5", "bool": "false", "list": "a", "dict": ["a"]}[kind]
        problems = contract_problems({name: declared}, {name: wrong})
        assert problems and problems[0][0] == name, (role, name)


@pytest.mark.parametrize("role", ROLES)
def test_every_entry_point_shares_the_main_options(role):
    specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    for entry, entry_spec in specs.items():
        assert set(entry_spec["options"]) == set(specs["main"]["options"]), (role, entry)


def test_the_preflight_applies_every_roles_whole_contract_first():
    """site.yml's first play validates every role its converge runs; each role's validate.yml starts with its
    whole spec (the cost and diagram roles, which site.yml does not run, check their own in playbooks/cost.yml and
    playbooks/diagram.yml)."""
    plays = yaml.safe_load((REPO / "playbooks" / "site.yml").read_text())
    preflight = plays[0]
    assert preflight["vars"]["trading_preflight"] is True
    included = [t["ansible.builtin.include_role"] for t in preflight["tasks"] if "ansible.builtin.include_role" in t]
    validated = [i["name"].rsplit(".", 1)[1] for i in included if i.get("tasks_from") == "validate.yml"]
    converge_tasks = plays[1]["tasks"] + plays[1]["tasks"][1]["block"] + plays[1]["tasks"][1]["always"]
    converged = {
        t["ansible.builtin.import_role"]["name"].rsplit(".", 1)[1]
        for t in converge_tasks
        if "ansible.builtin.import_role" in t
    }
    assert sorted(validated) == sorted(converged)
    assert set(ROLES) - converged == {"cost", "diagram"}
    # The account is asked last, once every offline check passed; then the roles need not check again.
    assert included[-1]["tasks_from"] == "preflight_account.yml"
    last = preflight["tasks"][-1]["ansible.builtin.set_fact"]
    assert last["trading_preflight_passed"] is True
    # With the run's AWS environment, templated once instead of for every task of the converge play.
    assert set(last) == {"trading_preflight_passed", "trading_run_environment"}
    converge = plays[1]
    assert "trading_run_environment if trading_run_environment is defined" in converge["environment"]
    # The roles' own argument-spec check at entry would repeat the preflight's.
    imports = [
        task[key]
        for task in converge["tasks"] + converge["tasks"][1]["block"] + converge["tasks"][1]["always"]
        for key in ("ansible.builtin.import_role",)
        if key in task
    ]
    assert imports and all(one["rolespec_validate"] is False for one in imports)
    for role in ROLES:
        tasks = yaml.safe_load(Path(REPO / "roles" / role / "tasks" / "validate.yml").read_text())
        first = tasks[0]
        assert "ninetynine.trading_infra.validate_inputs" in first, role
        assert first["register"] == f"{role}_inputs"
        # The cross-field filters read the checked inputs, not a hand-kept list of variables.
        assert "validation_input:" not in (REPO / "roles" / role / "tasks" / "validate.yml").read_text()


@pytest.mark.parametrize(
    ("env", "tier", "production", "refused"),
    [
        ("prod", None, True, False),
        ("prod", "production", True, False),
        ("production", None, True, False),
        ("prod", "non-production", True, True),
        ("eu-prod", "non-production", True, True),
        ("live2", "non-production", True, True),
        ("dev", None, True, False),
        ("dev", "production", True, False),
        ("dev", "non-production", False, False),
        ("product-demo", "non-production", False, False),
    ],
)
def test_production_does_not_hinge_on_the_name(env, tier, production, refused):
    v = {"trading_env": env, "trading_tier": tier}
    assert is_production(v) is production
    assert bool(tier_errors(v)) is refused


def test_shipped_inventories_say_their_tier():
    for env, tier in (("local", "non-production"), ("dev", "non-production"), ("staging", "non-production")):
        main = yaml.safe_load((REPO / "inventories" / env / "group_vars" / "all" / "main.yml").read_text())
        assert main["trading_tier"] == tier
    prod = yaml.safe_load((REPO / "inventories" / "prod" / "group_vars" / "all" / "main.yml").read_text())
    assert prod["trading_tier"] == "production"
