"""Every invalid inventory in tests/bad_inputs is refused by site.yml before any AWS write.

Each case names the inventory it starts from, the variables it breaks and the error it must
produce. The local AWS's call counter proves the run made no AWS call at all, or, for a case that
says ``calls: reads`` (what only the account can refuse, asked by the preflight's last step), no
write.
"""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from ansible_collections.ninetynine.trading_infra.plugins.modules.acm_self_signed_certificate import generate

from tests.helpers import REPO, ansible_env, run_playbook

CASES = sorted((REPO / "tests" / "bad_inputs").glob("*.yml"))
# Cases named <role>_*; the network's oldest carry no prefix; tags_* and platform_* are the platform
# role's (the environment, its tags and outputs).
ROLES = ("alb", "compliance", "data_tier", "data_plane", "eks", "network", "tags", "platform")
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


def _spec(case):
    return yaml.safe_load(case.read_text())


def _fragments(spec):
    """A case names one error text, or several fragments (when two lines print)."""
    return spec["error"] if isinstance(spec["error"], list) else [spec["error"]]


def _flat(text):
    return " ".join(str(text).split())


# The corpus runs in batches: one ansible-playbook run per inventory and kind of case, every case a
# host of its own whose host_vars are the case's variables (above the inventory's group_vars and the
# roles' defaults, as -e is). What one run costs is mostly Ansible starting, so a batch of eighty
# cases takes little more than one. SAMPLES below runs one case of each category the way a user
# does, with -e, to keep the two ways in step.
BATCHES = sorted({(_spec(c)["inventory"], _spec(c).get("calls", "none")) for c in CASES})


def _run_batch(aws, tmp_path, inventory, cases):
    """Run site.yml once with every case as a host; returns ({host: [failed results' msg]}, calls)."""
    root = tmp_path / inventory  # named as the inventory: the preflight reads its directory's name
    (root / "host_vars").mkdir(parents=True)
    (root / "group_vars").symlink_to(REPO / "inventories" / inventory / "group_vars")
    hosts = {}
    for case in cases:
        hosts[case.stem] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        }
        (root / "host_vars" / f"{case.stem}.yml").write_text(yaml.safe_dump(_spec(case)["vars"] or {}))
    (root / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"trading": {"hosts": hosts}}}}))
    aws.clear_calls()
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "site.yml", "-i", str(root)]
    env = ansible_env(aws.port, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_FORKS="20")
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800, check=False)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        pytest.fail(f"no JSON report: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    failures = {}
    for play in report["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("failed"):
                    failures.setdefault(host, []).append(str(result.get("msg", "")))
    return failures, aws.calls(), report["stats"]


@pytest.mark.playbook
@pytest.mark.parametrize(("inventory", "calls"), BATCHES, ids=[f"{i}-{c}" for i, c in BATCHES])
def test_every_bad_input_is_refused_before_any_aws_write(aws, tmp_path, inventory, calls):
    cases = [c for c in CASES if (_spec(c)["inventory"], _spec(c).get("calls", "none")) == (inventory, calls)]
    failures, counted, stats = _run_batch(aws, tmp_path, inventory, cases)
    problems = []
    for case in cases:
        said = failures.get(case.stem)
        if not said:
            problems.append(f"{case.stem}: not refused ({stats.get(case.stem)})")
            continue
        text = _flat(" ".join(said))
        missing = [f for f in _fragments(_spec(case)) if _flat(f) not in text]
        if missing:
            problems.append(f"{case.stem}: {missing} not in {text[:600]}")
        if "Traceback" in text or "Error rendering template" in text:
            problems.append(f"{case.stem}: a raw error: {text[:600]}")
    assert problems == [], "\n".join(problems)
    if calls == "reads":
        assert counted["writes"] == 0 and counted["reads"] > 0, counted
    else:
        assert counted["total"] == 0, counted


SAMPLES = sorted({_spec(c)["category"]: c for c in reversed(CASES)}.values())


@pytest.mark.playbook
@pytest.mark.parametrize("case", SAMPLES, ids=[c.stem for c in SAMPLES])
def test_a_case_of_each_category_is_refused_as_a_user_meets_it(aws, case, tmp_path):
    spec = _spec(case)
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps(spec["vars"]))
    aws.clear_calls()
    result = run_playbook(aws.port, "site.yml", spec["inventory"], "-e", f"@{extra}")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    for fragment in _fragments(spec):
        assert _flat(fragment) in _flat(output), output[-3000:]
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
