"""Every invalid inventory in tests/bad_inputs is refused by site.yml before any AWS write.

Each case names the inventory it starts from, the variables it breaks and the error it must
produce. The local AWS's call counter proves the run made no AWS call at all, or, for a case that
says ``calls: reads`` (what only the account can refuse, asked by the preflight's last step), no
write.
"""

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from ansible_collections.ninetynine.trading_infra.plugins.modules.acm_self_signed_certificate import generate

from tests.helpers import REPO, run_playbook

CASES = sorted((REPO / "tests" / "bad_inputs").glob("*.yml"))
# Cases named <role>_*; the network's oldest carry no prefix; tags_* and platform_* are the platform
# role's (the environment, its tags and outputs).
ROLES = ("alb", "compliance", "data_tier", "eks", "network", "tags", "platform")
CATEGORIES = (
    "yaml_types",
    "unknown_keys",
    "derived_names",
    "aws_limits",
    "windows",
    "arns",
    "kubernetes",
    "prod_safety",
    "cross_field",
    "account",
    "network_layout",
)


def corpus_counts():
    """The cases by role (their file name's prefix), environment they start from, and category."""
    roles, environments, categories = Counter(), Counter(), Counter()
    for case in CASES:
        spec = yaml.safe_load(case.read_text())
        roles[next((r for r in ROLES if case.stem.startswith(r + "_")), "network")] += 1
        environments[spec["inventory"]] += 1
        categories[spec.get("category")] += 1
    return roles, environments, categories


def test_the_corpus_covers_every_role_environment_and_category():
    roles, environments, categories = corpus_counts()
    print(
        f"\n{len(CASES)} bad-input cases; by role {dict(roles)}; by environment {dict(environments)}; "
        f"by category {dict(categories)}"
    )
    assert len(CASES) >= 150
    assert set(roles) == set(ROLES) and set(environments) == {"local", "dev", "staging", "prod"}
    assert set(categories) == set(CATEGORIES)
    assert min(environments.values()) >= 20


@pytest.mark.playbook
@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_bad_input_is_refused_before_any_aws_call(aws, case, tmp_path):
    spec = yaml.safe_load(case.read_text())
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps(spec["vars"]))
    aws.clear_calls()
    result = run_playbook(aws.port, "site.yml", spec["inventory"], "-e", f"@{extra}")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    # A case names one error text, or several fragments (when the text holds quotes the output escapes).
    fragments = spec["error"] if isinstance(spec["error"], list) else [spec["error"]]
    for fragment in fragments:
        assert " ".join(fragment.split()) in " ".join(output.split()), output[-3000:]
    assert "Traceback" not in output and "Error rendering template" not in output, output[-3000:]
    calls = aws.calls()
    if spec.get("calls") == "reads":
        assert calls["writes"] == 0 and calls["reads"] > 0, calls
    else:
        assert calls["total"] == 0, calls


@pytest.mark.playbook
@pytest.mark.parametrize("inventory", ["local", "dev", "staging", "prod"])
def test_every_shipped_inventory_passes_the_preflight(aws, inventory):
    extra = []
    if inventory == "prod":
        # prod names a certificate of the real account: the account preflight asks ACM for it, so the
        # test imports one into the local AWS and passes its ARN (as test_environments does).
        certificate, key = generate("trading.example.com", 365, 2048)
        arn = aws.client("acm").import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]
        shipped = run_playbook(aws.port, "site.yml", inventory, "--tags", "validate")
        assert shipped.returncode != 0
        assert "alb_certificate_arn in environment 'prod': arn:aws:acm:us-east-1:111122223333:certificate/" in (
            shipped.stdout
        )
        assert "belongs to account 111122223333, the credentials to 123456789012" in shipped.stdout
        extra = ["-e", f"alb_certificate_arn={arn}"]
    aws.clear_calls()
    result = run_playbook(aws.port, "site.yml", inventory, "--tags", "validate", *extra)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    calls = aws.calls()
    assert calls["writes"] == 0, calls
    # The account preflight's questions, all describe calls.
    asked = {c["operation"] for c in calls["calls"]}
    assert {"GetCallerIdentity", "DescribeInstanceTypeOfferings", "DescribeOrderableDBInstanceOptions"} <= asked


@pytest.mark.playbook
def test_the_account_preflight_can_be_turned_off(aws):
    aws.clear_calls()
    result = run_playbook(aws.port, "site.yml", "dev", "--tags", "validate", "-e", "platform_account_preflight=false")
    assert result.returncode != 0  # a string where a boolean is expected
    assert "platform_account_preflight in environment 'dev': is the string 'false'" in result.stdout
    result = run_playbook(
        aws.port, "site.yml", "dev", "--tags", "validate", "-e", '{"platform_account_preflight": false}'
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert aws.calls()["total"] == 0


def test_cases_are_well_formed():
    for case in CASES:
        spec = yaml.safe_load(Path(case).read_text())
        assert {"description", "inventory", "error", "vars"} <= set(spec), case.name
        assert set(spec) <= {"description", "inventory", "error", "vars", "calls", "category"}, case.name
        assert spec.get("calls", "none") in ("none", "reads"), case.name
        assert spec.get("category") in CATEGORIES, case.name
        # What only the account can refuse is asked with reads; everything else makes no call.
        assert (spec.get("calls") == "reads") == (spec["category"] == "account"), case.name
        assert (REPO / "inventories" / spec["inventory"]).is_dir(), case.name
