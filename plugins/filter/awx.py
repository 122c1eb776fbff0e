# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""The AWX objects that run the platform, built from inventories/awx (playbooks/awx_configure.yml).

Each filter takes the ``settings`` mapping the playbook assembles from the ``trading_awx_*``
variables and returns the parameters of one awx.awx module, one dict per object, so that the
playbook stays a list of loops and tests/unit/test_awx_configuration.py checks exactly what AWX
would be given. What keeps prod safe is decided here, not in the variables: every teardown job
template carries a required confirmation survey, and no template lets a launch add variables,
change its inventory or its credentials.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible_collections.ninetynine.trading_infra.plugins.filter.tags import value_kind
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tier import is_production

# The job kinds an environment gets, what each runs and how.
PLAYBOOKS = {
    "deploy": "site.yml",
    "plan": "site.yml",
    "drift": "playbooks/drift.yml",
    "teardown": "playbooks/teardown.yml",
}
JOB_TYPES = {"deploy": "run", "plan": "check", "drift": "check", "teardown": "run"}
# plan and drift compare; their diff is the point. A deploy shows what changed in its task results.
DIFF_MODE = {"deploy": False, "plan": True, "drift": True, "teardown": False}
# --tags network etc. are how an operator converges one component; a teardown is all or nothing.
ASK_TAGS = {"deploy": True, "plan": True, "drift": False, "teardown": False}
DESCRIPTIONS = {
    "deploy": "Converge the {env} environment (site.yml)",
    "plan": "Preview a converge of {env}: check mode with diff, nothing is written",
    "drift": "Compare {env} with its inventory (playbooks/drift.yml); fails on drift",
    "teardown": "Delete the {env} environment (playbooks/teardown.yml); asks for its name",
}
CONFIRM_VARIABLE = "confirm_teardown"  # what playbooks/teardown.yml checks against trading_env

ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
RRULE = re.compile(r"^DTSTART(;TZID=[A-Za-z_/+-]+)?:\d{8}T\d{6}Z? RRULE:FREQ=(MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY)")
PULL = ("always", "missing", "never")
# Where an environment's inventory says its trading_tier (tests/unit/test_contract.py holds them to it).
TIER_FILE = "group_vars/all/main.yml"
MAX_TIMEOUT = 6 * 3600  # an EKS upgrade of two minors with its node groups fits in well under this


def _name(settings, env, kind):
    return f"{settings['prefix']}-{env}-{kind}"


def _why_production(env, tier):
    if tier == "non-production":
        return "named like production, whatever its trading_tier says"
    said = f"says trading_tier: {tier}" if tier else "does not say trading_tier: non-production"
    return f"its inventory, inventories/{env}/{TIER_FILE}, {said}"


def awx_settings_errors(settings):
    """Every problem with the AWX settings, each naming the variable (nothing is sent to AWX first)."""
    errors = []

    def need_text(var, value):
        if not isinstance(value, str) or not value.strip():
            errors.append(f"{var}: must be a non-empty string, not {value!r}")
            return False
        return True

    def need_mapping(var, value):
        if not isinstance(value, Mapping):
            errors.append(f"{var}: must be a mapping, not {value_kind(value)}")
            return False
        return True

    need_text("trading_awx_organization", settings.get("organization"))
    prefix = settings.get("prefix")
    if need_text("trading_awx_name_prefix", prefix) and not ENV_NAME.match(prefix):
        errors.append(f"trading_awx_name_prefix: {prefix!r} must be lower-case letters, digits and hyphens")

    project = settings.get("project")
    if need_mapping("trading_awx_project", project):
        need_text("trading_awx_project.name", project.get("name"))
        url = project.get("scm_url")
        if need_text("trading_awx_project.scm_url", url) and not re.match(r"^(https://|ssh://|git@)", url):
            errors.append(f"trading_awx_project.scm_url: {url!r} must be an https://, ssh:// or git@ Git URL")
        need_text("trading_awx_project.scm_branch", project.get("scm_branch"))

    ee = settings.get("execution_environment")
    if need_mapping("trading_awx_execution_environment", ee):
        need_text("trading_awx_execution_environment.name", ee.get("name"))
        image = ee.get("image")
        if need_text("trading_awx_execution_environment.image", image) and (
            ":" not in image.rsplit("/", 1)[-1] and "@sha256:" not in image
        ):
            errors.append(
                f"trading_awx_execution_environment.image: {image!r} must name a tag or a digest "
                "(the image CI's versions were tested with, not whatever 'latest' is today)"
            )
        elif isinstance(image, str) and image.endswith(":latest"):
            errors.append(f"trading_awx_execution_environment.image: {image!r} must not float on 'latest'")
        if ee.get("pull", "missing") not in PULL:
            errors.append(
                f"trading_awx_execution_environment.pull: {ee.get('pull')!r} must be one of {', '.join(PULL)}"
            )

    kinds = settings.get("job_kinds")
    if not need_mapping("trading_awx_job_kinds", kinds):
        kinds = {}
    for kind in sorted(set(PLAYBOOKS) - set(kinds)):
        errors.append(f"trading_awx_job_kinds: {kind!r} is missing (it needs a timeout and a verbosity)")
    for kind, spec in sorted(kinds.items()):
        var = f"trading_awx_job_kinds.{kind}"
        if kind not in PLAYBOOKS:
            errors.append(f"{var}: unknown job kind; the kinds are {', '.join(PLAYBOOKS)}")
            continue
        if not need_mapping(var, spec):
            continue
        timeout = spec.get("timeout")
        if isinstance(timeout, bool) or not isinstance(timeout, int) or not 600 <= timeout <= MAX_TIMEOUT:
            errors.append(f"{var}.timeout: {timeout!r} must be whole seconds from 600 to {MAX_TIMEOUT}")
        verbosity = spec.get("verbosity")
        if isinstance(verbosity, bool) or verbosity not in range(0, 5):
            errors.append(f"{var}.verbosity: {verbosity!r} must be 0 to 4")

    # Each environment's trading_tier as its inventory says it (the playbook reads them): production is
    # decided by the tier, as for every role, not by the environment's name alone.
    tiers = settings.get("tiers")
    if not isinstance(tiers, Mapping):
        tiers = {}
    envs = settings.get("environments")
    if not isinstance(envs, Mapping) or not envs:
        errors.append(f"trading_awx_environments: must be a non-empty mapping, not {value_kind(envs)}")
        envs = {}
    for env, spec in sorted(envs.items()):
        var = f"trading_awx_environments.{env}"
        if not isinstance(env, str) or not ENV_NAME.match(env):
            errors.append(f"{var}: the environment name must be lower-case letters, digits and hyphens")
            continue
        if env == "local":
            errors.append(f"{var}: the local environment runs against an emulator on the control node, not from AWX")
        if not need_mapping(var, spec):
            continue
        need_text(f"{var}.aws_credential", spec.get("aws_credential"))
        for key in ("drift_schedule", "rotation_schedule"):
            rrule = spec.get(key)
            if rrule is not None and (not isinstance(rrule, str) or not RRULE.match(rrule)):
                errors.append(
                    f"{var}.{key}: {rrule!r} must be an iCalendar rule such as "
                    "'DTSTART;TZID=UTC:20261201T050000 RRULE:FREQ=DAILY;INTERVAL=1'"
                )
        approval = spec.get("approval", False)
        if not isinstance(approval, bool):
            errors.append(f"{var}.approval: must be true or false, not {approval!r}")
        tier = tiers.get(env)
        if approval is not True and is_production({"trading_env": env, "trading_tier": tier}):
            errors.append(
                f"{var}.approval: {env} is production ({_why_production(env, tier)}), "
                "so it deploys from the release workflow only after an approval"
            )
        timeout = spec.get("approval_timeout", 86400)
        if isinstance(timeout, bool) or not isinstance(timeout, int) or not 0 < timeout <= 7 * 86400:
            errors.append(f"{var}.approval_timeout: {timeout!r} must be seconds, more than 0, at most a week")
    return errors


def awx_labels(settings):
    """awx.awx.label names: every environment and job kind a template or workflow is labelled with."""
    return sorted(set(settings["environments"]) | set(PLAYBOOKS) | {"release"})


def awx_inventories(settings):
    """awx.awx.inventory parameters, one inventory per environment."""
    return [
        {
            "name": f"{settings['prefix']}-{env}",
            "description": f"The {env} environment, synced from the project's inventories/{env}",
            "organization": settings["organization"],
            "state": "present",
        }
        for env in sorted(settings["environments"])
    ]


def awx_inventory_sources(settings):
    """awx.awx.inventory_source parameters: each inventory reads inventories/<env> from the project."""
    return [
        {
            "name": f"{settings['prefix']}-{env}-from-project",
            "description": f"inventories/{env}/hosts.yml and its group_vars, from the project",
            "inventory": f"{settings['prefix']}-{env}",
            "organization": settings["organization"],
            "source": "scm",
            "source_project": settings["project"]["name"],
            "source_path": f"inventories/{env}/hosts.yml",
            # The repository is the truth: variables removed there disappear here too.
            "overwrite": True,
            "overwrite_vars": True,
            "update_on_launch": True,
            "update_cache_timeout": 0,
            "state": "present",
        }
        for env in sorted(settings["environments"])
    ]


def _survey(env):
    return {
        "name": f"Confirm the teardown of {env}",
        "description": "Everything the environment holds is deleted (prod keeps final snapshots).",
        "spec": [
            {
                "question_name": f"Type the environment's name ({env}) to delete it",
                "question_description": "The teardown stops before any AWS call unless this is exactly the name.",
                "variable": CONFIRM_VARIABLE,
                "type": "text",
                "required": True,
                "default": "",
                "min": 1,
                "max": 64,
            }
        ],
    }


def awx_job_templates(settings):
    """awx.awx.job_template parameters: deploy, plan, drift and teardown for every environment."""
    templates = []
    for env, env_spec in sorted(settings["environments"].items()):
        for kind, playbook in PLAYBOOKS.items():
            spec = settings["job_kinds"][kind]
            template = {
                "name": _name(settings, env, kind),
                "description": DESCRIPTIONS[kind].format(env=env),
                "organization": settings["organization"],
                "project": settings["project"]["name"],
                "playbook": playbook,
                "inventory": f"{settings['prefix']}-{env}",
                "credentials": [env_spec["aws_credential"]],
                "execution_environment": settings["execution_environment"]["name"],
                "job_type": JOB_TYPES[kind],
                "diff_mode": DIFF_MODE[kind],
                "verbosity": spec["verbosity"],
                "timeout": spec["timeout"],
                # One job per environment at a time; the environment lock guards the CLI as well.
                "allow_simultaneous": False,
                "ask_tags_on_launch": ASK_TAGS[kind],
                "ask_skip_tags_on_launch": ASK_TAGS[kind],
                "ask_variables_on_launch": False,
                "ask_inventory_on_launch": False,
                "ask_credential_on_launch": False,
                "ask_job_type_on_launch": False,
                "ask_limit_on_launch": False,
                "extra_vars": {},
                "labels": [env, kind],
                "survey_enabled": kind == "teardown",
                "state": "present",
            }
            if kind == "teardown":
                template["survey_spec"] = _survey(env)
            templates.append(template)
    return templates


# An iCalendar frequency -> the word a schedule's name says and the unit its description counts.
FREQUENCIES = {
    "MINUTELY": ("minutely", "minute"),
    "HOURLY": ("hourly", "hour"),
    "DAILY": ("daily", "day"),
    "WEEKLY": ("weekly", "week"),
    "MONTHLY": ("monthly", "month"),
}


def _drift_name_and_description(settings, env, rrule):
    """The drift schedule's name from its rule's frequency (daily: <prefix>-<env>-drift-daily), and its description."""
    word, unit = FREQUENCIES[re.search(r"\bFREQ=([A-Z]+)", rrule).group(1)]
    interval = re.search(r"\bINTERVAL=(\d+)", rrule)
    interval = int(interval.group(1)) if interval else 1
    how_often = (
        f"{word.capitalize()} drift check of {env}"
        if interval == 1
        else f"Drift check of {env} every {interval} {unit}s"
    )
    return f"{settings['prefix']}-{env}-drift-{word}", f"{how_often}; a failed job means the environment drifted"


def awx_schedules(settings):
    """awx.awx.schedule parameters: each environment's drift check, named after its rule's frequency
    (<prefix>-<env>-drift-daily for a daily rule), and, where asked, the scheduled release that rotates
    the secrets due (the Redis AUTH token once older than data_tier_redis_auth_token_rotation_days),
    behind the environment's approval like any release.

    A drift schedule named after another frequency is removed, so that changing the rule's frequency
    renames the schedule rather than leaving the old one running beside the new one."""
    rotations = [
        {
            "name": f"{settings['prefix']}-{env}-secret-rotation",
            "description": (
                f"Release {env} on a schedule, so that a secret due for rotation is rotated"
                + (" (after the approval)" if spec.get("approval") else "")
            ),
            "organization": settings["organization"],
            "unified_job_template": _name(settings, env, "release"),
            "rrule": spec["rotation_schedule"],
            "enabled": True,
            "state": "present",
        }
        for env, spec in sorted(settings["environments"].items())
        if spec.get("rotation_schedule")
    ]
    drift, stale = [], []
    for env, spec in sorted(settings["environments"].items()):
        if not spec.get("drift_schedule"):
            continue
        name, description = _drift_name_and_description(settings, env, spec["drift_schedule"])
        drift.append(
            {
                "name": name,
                "description": description,
                "organization": settings["organization"],
                "unified_job_template": _name(settings, env, "drift"),
                "rrule": spec["drift_schedule"],
                "enabled": True,
                "state": "present",
            }
        )
        stale += [
            {
                "name": other,
                "organization": settings["organization"],
                "unified_job_template": _name(settings, env, "drift"),
                "state": "absent",
            }
            for other in (f"{settings['prefix']}-{env}-drift-{word}" for word, _unit in FREQUENCIES.values())
            if other != name
        ]
    return rotations + drift + stale


def awx_workflows(settings):
    """awx.awx.workflow_job_template parameters: plan, then (after an approval where asked) deploy."""
    workflows = []
    for env, spec in sorted(settings["environments"].items()):

        def job(kind, env=env):
            return {
                "name": _name(settings, env, kind),
                "type": "job_template",
                "organization": {"name": settings["organization"]},
            }

        nodes = [{"identifier": "plan", "unified_job_template": job("plan"), "related": {"success_nodes": []}}]
        if spec.get("approval"):
            nodes[0]["related"]["success_nodes"].append({"identifier": "approve"})
            nodes.append(
                {
                    "identifier": "approve",
                    "unified_job_template": {
                        "name": f"Approve the {env} deploy",
                        "description": (
                            "Read the plan job's summary (the end of its output, and its artifact trading_plan: "
                            "what the deploy will create, change and delete, by component), then approve or deny."
                        ),
                        "type": "workflow_approval",
                        "timeout": spec.get("approval_timeout", 86400),
                    },
                    "related": {"success_nodes": [{"identifier": "deploy"}]},
                }
            )
        else:
            # No node with state absent for an approval step an earlier configuration had: awx.awx
            # 24.6.1 cannot remove a node that does not exist without looping forever (its result
            # holds itself). Turning an environment's approval off means deleting its workflow first.
            nodes[0]["related"]["success_nodes"].append({"identifier": "deploy"})
        nodes.append({"identifier": "deploy", "unified_job_template": job("deploy"), "related": {"success_nodes": []}})
        workflows.append(
            {
                "name": _name(settings, env, "release"),
                "description": (
                    f"Plan {env}, " + ("wait for an approval, " if spec.get("approval") else "") + "then deploy it"
                ),
                "organization": settings["organization"],
                "allow_simultaneous": False,
                "ask_variables_on_launch": False,
                "ask_inventory_on_launch": False,
                "labels": [env, "release"],
                # Nodes are matched by identifier and updated in place (destroying and recreating
                # them on every run would never let a second run report no change).
                "destroy_current_nodes": False,
                "workflow_nodes": nodes,
                "state": "present",
            }
        )
    return workflows


class FilterModule:
    def filters(self):
        return {
            "awx_settings_errors": awx_settings_errors,
            "awx_labels": awx_labels,
            "awx_inventories": awx_inventories,
            "awx_inventory_sources": awx_inventory_sources,
            "awx_job_templates": awx_job_templates,
            "awx_schedules": awx_schedules,
            "awx_workflows": awx_workflows,
        }
