"""AWX as code (playbooks/awx_configure.yml, inventories/awx, plugins/filter/awx.py), without an AWX.

The definitions the playbook hands to awx.awx are built by the collection's filters; these tests
load the shipped variables, build them the same way and prove that everything they reference
exists (playbooks, inventories, credentials, survey variables), that prod can be neither torn down
without typing its name nor deployed from the release workflow without an approval, and that the
playbooks behave under AWX (no prompts, no credentials in inventories, artifacts by set_stats).
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible_collections.ninetynine.trading_infra.plugins.filter import awx

from tests.helpers import REPO, run_playbook

AWX_VARS = REPO / "inventories" / "awx" / "group_vars" / "all" / "awx.yml"
ENVIRONMENTS = ("dev", "staging", "prod")


def inventory_tiers(envs):
    """What playbooks/awx_configure.yml reads: each environment's trading_tier from its inventory."""
    tiers = {}
    for env in envs:
        main = REPO / "inventories" / env / "group_vars" / "all" / "main.yml"
        tiers[env] = (yaml.safe_load(main.read_text()) or {}).get("trading_tier") if main.is_file() else None
    return tiers


def shipped_settings():
    v = yaml.safe_load(AWX_VARS.read_text())
    return {
        "organization": v["trading_awx_organization"],
        "prefix": v["trading_awx_name_prefix"],
        "project": v["trading_awx_project"],
        "execution_environment": v["trading_awx_execution_environment"],
        "job_kinds": v["trading_awx_job_kinds"],
        "environments": v["trading_awx_environments"],
        "tiers": inventory_tiers(v["trading_awx_environments"]),
    }


def playbook_text(path: str) -> str:
    """A playbook and everything it imports, as one text (for 'is this variable used')."""
    text = (REPO / path).read_text()
    for imported in re.findall(r"import_playbook:\s*(\S+)", text):
        text += playbook_text(str(Path(path).parent / imported))
    return text


def test_the_shipped_settings_are_valid_and_cover_every_environment_but_local():
    settings = shipped_settings()
    assert awx.awx_settings_errors(settings) == []
    assert tuple(sorted(settings["environments"])) == tuple(sorted(ENVIRONMENTS))
    on_disk = {p.parents[2].name for p in (REPO / "inventories").glob("*/group_vars/all/main.yml")}
    assert on_disk - set(settings["environments"]) == {"local"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["environments"]["prod"].update(approval=False), "trading_awx_environments.prod.approval"),
        (lambda s: s["environments"].update(local={"aws_credential": "x"}), "trading_awx_environments.local"),
        (lambda s: s["environments"]["dev"].pop("aws_credential"), "trading_awx_environments.dev.aws_credential"),
        (
            lambda s: s["environments"]["dev"].update(drift_schedule="every day"),
            "trading_awx_environments.dev.drift_schedule",
        ),
        (
            lambda s: s["environments"]["staging"].update(approval_timeout=0),
            "trading_awx_environments.staging.approval_timeout",
        ),
        (lambda s: s["execution_environment"].update(image="quay.io/x/ee:latest"), "must not float on 'latest'"),
        (lambda s: s["execution_environment"].update(image="quay.io/x/ee"), "must name a tag or a digest"),
        (lambda s: s["execution_environment"].update(pull="sometimes"), "trading_awx_execution_environment.pull"),
        (lambda s: s["job_kinds"]["deploy"].update(timeout=60), "trading_awx_job_kinds.deploy.timeout"),
        (lambda s: s["job_kinds"]["plan"].update(verbosity=9), "trading_awx_job_kinds.plan.verbosity"),
        (lambda s: s["job_kinds"].pop("teardown"), "trading_awx_job_kinds: 'teardown' is missing"),
        (lambda s: s["job_kinds"].update(destroy={"timeout": 600, "verbosity": 0}), "unknown job kind"),
        (lambda s: s["project"].update(scm_url="file:///srv/repo"), "trading_awx_project.scm_url"),
        (lambda s: s.update(prefix="Trading Infra"), "trading_awx_name_prefix"),
        (lambda s: s.update(environments=[]), "trading_awx_environments: must be a non-empty mapping"),
    ],
)
def test_bad_settings_are_named(change, message):
    settings = copy.deepcopy(shipped_settings())
    change(settings)
    errors = awx.awx_settings_errors(settings)
    assert any(message in e for e in errors), errors


@pytest.mark.parametrize(
    ("env", "tier", "refused"),
    [
        ("dev", "production", True),  # an inventory that marks dev production: the release waits for an approval
        ("qa", None, True),  # an inventory that does not say its tier: production, like every role takes it
        ("prod", "non-production", True),  # named like production: whatever its tier says
        ("live-eu", None, True),
        ("staging", "non-production", False),
        ("product-demo", "non-production", False),  # "prod" inside a word does not make it production
    ],
)
def test_a_production_environment_needs_an_approval_by_its_tier(env, tier, refused):
    settings = copy.deepcopy(shipped_settings())
    settings["environments"] = {env: {"aws_credential": f"trading-aws-{env}", "approval": False}}
    settings["tiers"] = {env: tier}
    errors = [e for e in awx.awx_settings_errors(settings) if e.startswith(f"trading_awx_environments.{env}.approval")]
    assert bool(errors) is refused, errors
    if refused:
        assert f"{env} is production (" in errors[0] and "only after an approval" in errors[0]
        settings["environments"][env]["approval"] = True
        assert awx.awx_settings_errors(settings) == []


def test_the_tiers_are_the_inventories_own():
    assert shipped_settings()["tiers"] == {"dev": "non-production", "staging": "non-production", "prod": "production"}


def test_every_job_template_references_what_exists():
    settings = shipped_settings()
    templates = awx.awx_job_templates(settings)
    inventories = {i["name"] for i in awx.awx_inventories(settings)}
    sources = {s["inventory"]: s for s in awx.awx_inventory_sources(settings)}
    labels = set(awx.awx_labels(settings))
    assert len(templates) == 4 * len(ENVIRONMENTS)
    assert len({t["name"] for t in templates}) == len(templates)
    for t in templates:
        env, kind = t["name"].split("-")[1:]
        playbook = REPO / t["playbook"]
        assert playbook.is_file(), t
        assert isinstance(yaml.safe_load(playbook.read_text()), list), t  # a playbook, not a task file
        assert t["inventory"] in inventories and t["inventory"] in sources, t
        assert (REPO / sources[t["inventory"]]["source_path"]).is_file(), t
        assert sources[t["inventory"]]["source_path"] == f"inventories/{env}/hosts.yml"
        assert t["credentials"] == [settings["environments"][env]["aws_credential"]]
        assert t["project"] == settings["project"]["name"]
        assert t["execution_environment"] == settings["execution_environment"]["name"]
        assert set(t["labels"]) <= labels
        assert t["allow_simultaneous"] is False
        assert t["timeout"] == settings["job_kinds"][kind]["timeout"]
        for question in t.get("survey_spec", {}).get("spec", []):
            # A survey variable the playbook never reads would be a confirmation that confirms nothing.
            assert question["variable"] in playbook_text(t["playbook"]), (t["name"], question["variable"])
    # drift.yml refuses to run other than as a plan with diff: its templates must launch it that way.
    for t in templates:
        if t["playbook"] == "playbooks/drift.yml":
            assert (t["job_type"], t["diff_mode"]) == ("check", True)
    assert "--check --diff" in (REPO / "playbooks" / "drift.yml").read_text()


def test_no_template_lets_a_launch_change_what_it_runs_on():
    for t in awx.awx_job_templates(shipped_settings()):
        assert t["extra_vars"] == {}
        assert not any(t[f"ask_{what}_on_launch"] for what in ("variables", "inventory", "credential", "job_type"))


def test_every_teardown_template_asks_for_the_environment_name():
    for settings in (shipped_settings(), {**shipped_settings(), "prefix": "other"}):
        teardowns = [t for t in awx.awx_job_templates(settings) if t["playbook"] == "playbooks/teardown.yml"]
        assert {t["inventory"].rsplit("-", 1)[1] for t in teardowns} == set(ENVIRONMENTS)
        for t in teardowns:
            env = t["inventory"].rsplit("-", 1)[1]
            assert t["survey_enabled"] is True
            (question,) = t["survey_spec"]["spec"]
            assert question["variable"] == "confirm_teardown"
            assert question["required"] is True and question["default"] == ""
            assert env in question["question_name"]
            assert t["ask_variables_on_launch"] is False and "confirm_teardown" not in t["extra_vars"]
            assert (t["ask_tags_on_launch"], t["ask_skip_tags_on_launch"]) == (False, False)


def test_release_workflows_plan_then_deploy_and_prod_waits_for_an_approval():
    settings = shipped_settings()
    names = {t["name"] for t in awx.awx_job_templates(settings)}
    workflows = {w["name"]: w for w in awx.awx_workflows(settings)}
    assert set(workflows) == {f"trading-{env}-release" for env in ENVIRONMENTS}
    for env in ENVIRONMENTS:
        w = workflows[f"trading-{env}-release"]
        nodes = {n["identifier"]: n for n in w["workflow_nodes"]}
        for n in nodes.values():
            ujt = n["unified_job_template"]
            assert ujt["type"] == "workflow_approval" or ujt["name"] in names, n
            for nxt in n["related"]["success_nodes"]:
                assert nxt["identifier"] in nodes
        path, node = [], nodes["plan"]
        while True:
            path.append(node["identifier"])
            following = node["related"]["success_nodes"]
            if not following:
                break
            node = nodes[following[0]["identifier"]]
        approval = settings["environments"][env].get("approval")
        assert path == (["plan", "approve", "deploy"] if approval else ["plan", "deploy"]), (env, path)
        assert nodes["plan"]["unified_job_template"]["name"] == f"trading-{env}-plan"
        assert nodes["deploy"]["unified_job_template"]["name"] == f"trading-{env}-deploy"
    assert settings["environments"]["prod"]["approval"] is True


def test_drift_is_scheduled_daily_for_every_environment():
    settings = shipped_settings()
    schedules = awx.awx_schedules(settings)
    drift_templates = {t["name"] for t in awx.awx_job_templates(settings) if t["playbook"] == "playbooks/drift.yml"}
    drift = [s for s in schedules if s["name"].endswith("-drift-daily")]
    assert {s["unified_job_template"] for s in drift} == drift_templates
    for s in drift:
        assert "RRULE:FREQ=DAILY" in s["rrule"] and s["enabled"] is True


def test_a_drift_schedule_is_named_after_its_rules_frequency():
    settings = copy.deepcopy(shipped_settings())
    settings["environments"]["dev"]["drift_schedule"] = "DTSTART;TZID=UTC:20261201T050000 RRULE:FREQ=WEEKLY;INTERVAL=2"
    settings["environments"]["staging"]["drift_schedule"] = "DTSTART:20261201T050000Z RRULE:FREQ=HOURLY"
    schedules = {s["name"]: s for s in awx.awx_schedules(settings)}
    present = {name for name, s in schedules.items() if s["state"] == "present" and "-drift-" in name}
    assert present == {"trading-dev-drift-weekly", "trading-staging-drift-hourly", "trading-prod-drift-daily"}
    assert schedules["trading-dev-drift-weekly"]["description"].startswith("Drift check of dev every 2 weeks;")
    assert schedules["trading-staging-drift-hourly"]["description"].startswith("Hourly drift check of staging;")
    # The default daily rule keeps the name and description a converged AWX has.
    prod = schedules["trading-prod-drift-daily"]
    assert prod["description"] == "Daily drift check of prod; a failed job means the environment drifted"
    # The schedule under the name of another frequency goes: a changed rule does not leave the old one running.
    for env, kept in (("dev", "weekly"), ("staging", "hourly"), ("prod", "daily")):
        absent = {n for n, s in schedules.items() if s["state"] == "absent" and n.startswith(f"trading-{env}-drift-")}
        assert absent == {f"trading-{env}-drift-{f}" for f in ("minutely", "hourly", "daily", "weekly", "monthly")} - {
            f"trading-{env}-drift-{kept}"
        }
        assert all(schedules[n]["unified_job_template"] == f"trading-{env}-drift" for n in absent)


def test_the_secrets_rotate_through_a_weekly_release_behind_its_approval():
    settings = shipped_settings()
    rotations = [s for s in awx.awx_schedules(settings) if s["name"].endswith("-secret-rotation")]
    releases = {w["name"] for w in awx.awx_workflows(settings)}
    assert {s["unified_job_template"] for s in rotations} == releases  # every environment, through its release
    for s in rotations:
        assert "RRULE:FREQ=WEEKLY" in s["rrule"]
    prod = next(s for s in rotations if s["name"] == "trading-prod-secret-rotation")
    assert "after the approval" in prod["description"]


def test_the_playbooks_behave_under_awx():
    """No prompts, no credentials in the inventories AWX syncs, artifacts by set_stats."""
    for path in [*(REPO / "playbooks").glob("*.yml"), *(REPO / "roles").glob("*/tasks/*.yml")]:
        text = path.read_text()
        assert "vars_prompt" not in text, path
        assert "ansible.builtin.pause" not in text and "\n  pause:" not in text, path
    for env in ENVIRONMENTS:
        for path in (REPO / "inventories" / env).rglob("*.yml"):
            text = path.read_text()
            for secret in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "aws_secret_key"):
                assert secret not in text, (path, secret)
    assert "ansible.builtin.set_stats" in (REPO / "roles" / "platform" / "tasks" / "outputs.yml").read_text()
    assert "ansible.builtin.set_stats" in (REPO / "playbooks" / "drift.yml").read_text()


def ansible_playbook(*args, env=None):
    run_env = dict(os.environ)
    run_env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    for var in list(run_env):
        if var.startswith(("CONTROLLER_", "TOWER_", "TRADING_AWX_")):
            run_env.pop(var)
    run_env.update(env or {})
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), *args]
    return subprocess.run(cmd, cwd=REPO, env=run_env, capture_output=True, text=True, timeout=300, check=False)


def test_the_awx_playbook_passes_its_syntax_check():
    result = ansible_playbook("playbooks/awx_configure.yml", "-i", "inventories/awx", "--syntax-check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("extra", "env", "message"),
    [
        (
            ["-e", '{"trading_awx_job_kinds": {"deploy": {"timeout": 60, "verbosity": 0}}}'],
            {"CONTROLLER_HOST": "https://127.0.0.1:1"},
            "trading_awx_job_kinds.deploy.timeout",
        ),
        ([], {}, "CONTROLLER_HOST is not set"),
        (
            [],
            {"CONTROLLER_HOST": "https://127.0.0.1:1", "TRADING_AWX_PROD_AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"},
            "TRADING_AWX_PROD_AWS_SECRET_ACCESS_KEY",
        ),
        (["-i", "inventories/prod"], {"CONTROLLER_HOST": "https://127.0.0.1:1"}, "run with -i inventories/awx"),
        (
            ["-e", '{"trading_awx_environments": {"qa": {"aws_credential": "trading-aws-qa", "approval": false}}}'],
            {"CONTROLLER_HOST": "https://127.0.0.1:1"},
            "qa is production (its inventory, inventories/qa/group_vars/all/main.yml, does not say trading_tier",
        ),
    ],
    ids=["bad-timeout", "no-controller", "half-a-key", "another-inventory", "untiered-without-approval"],
)
def test_the_awx_playbook_refuses_bad_settings_before_calling_awx(extra, env, message):
    # https://127.0.0.1:1 answers nothing: a call to AWX would fail with a connection error instead.
    inventory = [] if "-i" in extra else ["-i", "inventories/awx"]
    result = ansible_playbook("playbooks/awx_configure.yml", *inventory, *extra, env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert message in " ".join(output.split()), output[-3000:]
    assert "AKIAEXAMPLE" not in output
    assert "network error" not in output and "Could not establish" not in output


@pytest.mark.playbook
@pytest.mark.parametrize(
    ("inventory", "extra", "message"),
    [
        ("prod", [], "run again with -e confirm_teardown=prod"),
        ("prod", ["-e", "confirm_teardown=staging"], "run again with -e confirm_teardown=prod"),
        ("dev", ["-e", "confirm_teardown=prod"], "confirm_teardown is 'prod', not the environment's name 'dev'"),
        ("staging", ["-e", "confirm_teardown="], "not the environment's name 'staging'"),
        # Production whatever it is called: a renamed prod, and a dev the inventory marks production.
        ("prod", ["-e", "trading_env=production"], "run again with -e confirm_teardown=production"),
        ("dev", ["-e", '{"trading_tier": "production"}'], "run again with -e confirm_teardown=dev"),
    ],
    ids=["prod-unconfirmed", "prod-other-name", "dev-named-prod", "staging-empty", "prod-renamed", "dev-production"],
)
def test_a_teardown_without_the_environments_name_stops_before_any_aws_call(aws, inventory, extra, message):
    aws.clear_calls()
    result = run_playbook(aws.port, "playbooks/teardown.yml", inventory, *extra)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert message in " ".join(output.split()), output[-3000:]
    assert aws.calls()["total"] == 0


@pytest.mark.playbook
def test_a_teardown_confirmed_with_the_environments_name_passes_the_confirmation(aws):
    aws.clear_calls()
    result = run_playbook(
        aws.port, "playbooks/teardown.yml", "prod", "-e", "confirm_teardown=prod", "--tags", "validate"
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert aws.calls()["total"] == 0


# -- The configuration playbook run for real against tests/fake_awx.py ----------------------------


@pytest.fixture
def fake_awx():
    from tests.fake_awx import FakeAWX

    server = FakeAWX().start()
    yield server
    server.stop()


def configure(fake, *args, **env):
    controller = {
        "CONTROLLER_HOST": fake.url,
        "CONTROLLER_OAUTH_TOKEN": "not-a-real-token",
        "CONTROLLER_VERIFY_SSL": "0",
    }
    return ansible_playbook("playbooks/awx_configure.yml", "-i", "inventories/awx", *args, env={**controller, **env})


def recap_of(result):
    from tests.helpers import recap

    return recap(result.stdout)


@pytest.mark.playbook
@pytest.mark.slow  # about 75 s: the whole AWX graph built three times
def test_configure_builds_the_whole_graph_then_changes_nothing_and_check_mode_writes_nothing(fake_awx):
    import secrets

    keys = {}
    for env in ENVIRONMENTS:
        keys[f"TRADING_AWX_{env.upper()}_AWS_ACCESS_KEY_ID"] = "AKIA" + secrets.token_hex(8).upper()
        keys[f"TRADING_AWX_{env.upper()}_AWS_SECRET_ACCESS_KEY"] = secrets.token_urlsafe(30)
    first = configure(fake_awx, "-vvv", **keys)
    output = first.stdout + first.stderr
    assert first.returncode == 0, output[-4000:]
    assert recap_of(first)["changed"] > 0
    for name, value in keys.items():
        if "SECRET" in name:
            assert value not in output, f"{name} printed"

    settings = shipped_settings()
    (org,) = fake_awx.find("organizations", name=settings["organization"])
    (ee,) = fake_awx.find("execution_environments", name="trading-infra-ee")
    (project,) = fake_awx.find("projects", name="trading-infra")
    assert project["default_environment"] == ee["id"] and project["organization"] == org["id"]
    assert project["scm_url"] == settings["project"]["scm_url"] and project["allow_override"] is False
    for env in ENVIRONMENTS:
        (cred,) = fake_awx.find("credentials", name=f"trading-aws-{env}")
        held = fake_awx.secrets[cred["id"]]
        assert held == {
            "username": keys[f"TRADING_AWX_{env.upper()}_AWS_ACCESS_KEY_ID"],
            "password": keys[f"TRADING_AWX_{env.upper()}_AWS_SECRET_ACCESS_KEY"],
        }
        (inventory,) = fake_awx.find("inventories", name=f"trading-{env}")
        (source,) = fake_awx.find("inventory_sources", inventory=inventory["id"])
        assert (source["source"], source["source_path"], source["source_project"]) == (
            "scm",
            f"inventories/{env}/hosts.yml",
            project["id"],
        )
        templates = {t["name"]: t for t in fake_awx.find("job_templates", inventory=inventory["id"])}
        assert set(templates) == {f"trading-{env}-{kind}" for kind in ("deploy", "plan", "drift", "teardown")}
        for t in templates.values():
            assert fake_awx.linked("job_templates", t["id"], "credentials") == [cred["id"]]
            assert t["execution_environment"] == ee["id"] and t["project"] == project["id"]
        teardown = templates[f"trading-{env}-teardown"]
        assert teardown["survey_enabled"] is True and teardown["ask_variables_on_launch"] is False
        (question,) = fake_awx.survey(teardown["id"])["spec"]
        assert (question["variable"], question["required"]) == ("confirm_teardown", True)
        assert fake_awx.survey(templates[f"trading-{env}-deploy"]["id"]) is None
        (schedule,) = fake_awx.find("schedules", name=f"trading-{env}-drift-daily")
        assert schedule["unified_job_template"] == templates[f"trading-{env}-drift"]["id"]
        (rotation,) = fake_awx.find("schedules", name=f"trading-{env}-secret-rotation")
        (release,) = fake_awx.find("workflow_job_templates", name=f"trading-{env}-release")
        assert rotation["unified_job_template"] == release["id"]

        (workflow,) = fake_awx.find("workflow_job_templates", name=f"trading-{env}-release")
        nodes = {
            n["identifier"]: n
            for n in fake_awx.find("workflow_job_template_nodes", workflow_job_template=workflow["id"])
        }
        assert nodes["plan"]["unified_job_template"] == templates[f"trading-{env}-plan"]["id"]
        assert nodes["deploy"]["unified_job_template"] == templates[f"trading-{env}-deploy"]["id"]
        after_plan = fake_awx.linked("workflow_job_template_nodes", nodes["plan"]["id"], "success_nodes")
        if settings["environments"][env]["approval"]:
            assert after_plan == [nodes["approve"]["id"]]
            (approval,) = fake_awx.find("workflow_approval_templates", id=nodes["approve"]["unified_job_template"])
            assert approval["timeout"] == settings["environments"][env]["approval_timeout"]
            assert fake_awx.linked("workflow_job_template_nodes", nodes["approve"]["id"], "success_nodes") == [
                nodes["deploy"]["id"]
            ]
        else:
            assert "approve" not in nodes and after_plan == [nodes["deploy"]["id"]]

    # Again without the keys: the credentials AWX holds are kept, nothing is written.
    done = len(fake_awx.requests)
    second = configure(fake_awx)
    assert second.returncode == 0, (second.stdout + second.stderr)[-4000:]
    assert recap_of(second)["changed"] == 0, second.stdout[-4000:]
    assert [r for r in fake_awx.requests[done:] if r[0] != "GET"] == []

    # A plan of a change reports it and writes nothing.
    done = len(fake_awx.requests)
    kinds = yaml.safe_load(AWX_VARS.read_text())["trading_awx_job_kinds"]
    longer = json.dumps({"trading_awx_job_kinds": {**kinds, "deploy": {**kinds["deploy"], "timeout": 14400}}})
    plan = configure(fake_awx, "--check", "--diff", "-e", longer)
    assert plan.returncode == 0, (plan.stdout + plan.stderr)[-4000:]
    assert recap_of(plan)["changed"] == 1  # one task: the job templates
    changed = sorted(re.findall(r"changed: \[localhost\] => \(item=([\w-]+)\)", plan.stdout))
    assert changed == sorted(f"trading-{env}-deploy" for env in ENVIRONMENTS), plan.stdout[-3000:]
    assert [r for r in fake_awx.requests[done:] if r[0] != "GET"] == []


@pytest.mark.playbook
def test_configure_without_keys_for_a_credential_awx_lacks_stops_before_writing(fake_awx):
    result = configure(fake_awx)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "AWX has no credential named trading-aws-dev" in " ".join(output.split()), output[-3000:]
    assert fake_awx.writes() == []
