# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""IAM roles reconciled in one invocation: the core of ``iam_roles``, for any module that keeps roles.

``reconcile_roles`` reads the roles in parallel, refuses what IAM cannot do before the first write, then
reconciles (or deletes) each role on the pool, each with a plan of its own (a ``RolePlan``) merged into the
caller's. ``ROLE_OPTIONS`` is the argument spec of one role.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import AWS_ERRORS
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import RETRY_CODES
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import plan_tags
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list

KIND = "IAM role"

# Roles read and reconciled at a time: IAM's read quotas are generous, and a component has a dozen at most.
WORKERS = 6

# Right after CreateRole, IAM may not know the role everywhere yet: its first writes retry NoSuchEntity
# too (the managed policies were looked up before, so NoSuchEntity cannot be a mistyped ARN).
new_role_retry = AWSRetry.jittered_backoff(retries=6, delay=1, catch_extra_error_codes=[*RETRY_CODES, "NoSuchEntity"])


# The argument spec of one role: the options of each entry of iam_roles' ``roles``.
ROLE_OPTIONS = dict(
    name=dict(type="str", required=True),
    description=dict(type="str"),
    path=dict(type="str", default="/"),
    assume_role_policy=dict(type="json"),
    managed_policies=dict(type="list", elements="str"),
    inline_policies=dict(type="dict"),
    max_session_duration=dict(type="int"),
    permissions_boundary=dict(type="str"),
)


class StepFailed(Exception):
    """A call about one role failed: which role, at which step, AWS's error, and what was done before it."""

    def __init__(self, role: str, step: str, error: Exception, plan: Plan | None = None) -> None:
        super().__init__(f"role {role}: {step}: {error}")
        self.role, self.step, self.error = role, step, error
        self.plan = plan  # what was done to the role before the failure


class RolePlan(Plan):
    """The plan of one role: a failed change is not reported as made, and says what it was."""

    def __init__(self, check_mode: bool, role: str) -> None:
        super().__init__(check_mode)
        self.role = role

    def do(self, description: str, func=None, *args, **kwargs):
        try:
            return super().do(description, func, *args, **kwargs)
        except AWS_ERRORS as e:
            self.forget_last()
            raise StepFailed(self.role, description, e, self) from e


def document(value):
    """A policy document from what IAM returns (a dict, or URL-encoded JSON when botocore does not decode it)."""
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value


def parallel(func, items: list) -> list:
    """func over items on the pool, in order; each result is (value, None) or (None, exception)."""

    def guarded(item):
        try:
            return func(item), None
        except Exception as e:  # reported with the role's name by the caller
            return None, e

    if len(items) <= 1:
        return [guarded(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as pool:
        return list(pool.map(guarded, items))


def read_role(client, name: str, inline_docs) -> dict | None:
    """The role as IAM has it, or None. ``inline_docs``: the inline policy names whose documents to read
    (True: all of them)."""
    try:
        role = client.get_role(RoleName=name, aws_retry=True)["Role"]
    except is_boto3_error_code("NoSuchEntity"):
        return None
    attached = paginate(client, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
    inline_names = paginate(client, "list_role_policies", "PolicyNames", RoleName=name)
    inline = {}
    for policy in sorted(inline_names):
        if inline_docs is True or policy in inline_docs:
            got = client.get_role_policy(RoleName=name, PolicyName=policy, aws_retry=True)
            inline[policy] = document(got["PolicyDocument"])
        else:
            inline[policy] = None  # listed, its document not needed
    return {
        "name": role["RoleName"],
        "arn": role["Arn"],
        "role_id": role["RoleId"],
        "path": role.get("Path", "/"),
        "description": role.get("Description"),
        "assume_role_policy": document(role.get("AssumeRolePolicyDocument")),
        "max_session_duration": role.get("MaxSessionDuration"),
        "permissions_boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "managed_policies": sorted(p["PolicyArn"] for p in attached),
        "inline_policies": inline,
        "tags": boto3_tag_list_to_ansible_dict(role.get("Tags") or []),
    }


def result_of(state: dict | None, name: str) -> dict:
    """The ``roles`` entry of one role."""
    if not state:
        return {"name": name, "arn": None, "role_id": None}
    out = {k: v for k, v in state.items() if k != "inline_policies"}
    out["inline_policy_names"] = sorted(state["inline_policies"])
    return out


def diff_view(state: dict | None) -> dict:
    """What the diff shows of a role."""
    if not state:
        return {}
    keep = (
        "description",
        "assume_role_policy",
        "max_session_duration",
        "permissions_boundary",
        "managed_policies",
        "inline_policies",
        "tags",
    )
    return {k: state[k] for k in keep}


def wanted_of(spec: dict) -> dict:
    """A role's spec with its policy documents parsed (the option type json gives text)."""
    wanted = dict(spec)
    if spec.get("assume_role_policy") is not None:
        wanted["assume_role_policy"] = json.loads(spec["assume_role_policy"])
    if spec.get("inline_policies") is not None:
        wanted["inline_policies"] = {
            str(k): json.loads(v) if isinstance(v, str) else v for k, v in spec["inline_policies"].items()
        }
    if spec.get("managed_policies") is not None:
        wanted["managed_policies"] = sorted(set(spec["managed_policies"]))
    return wanted


def refusals(wanted: dict, current: dict | None) -> list:
    """What this role asks that cannot be done, found before any write."""
    name, problems = wanted["name"], []
    if current is None and wanted.get("assume_role_policy") is None:
        problems.append(f"role {name} does not exist and has no assume_role_policy to create it with")
    if current is not None and current["path"] != wanted["path"]:
        problems.append(
            f"role {name} exists under path {current['path']}, not {wanted['path']}: IAM cannot move a role "
            "(delete it first, or ask for its path)"
        )
    for arn in wanted.get("managed_policies") or []:
        if not arn.startswith("arn:"):
            problems.append(f"role {name}: managed policy {arn!r} is not an ARN")
    return problems


def policies_to_attach(wanted: dict, current: dict | None) -> list:
    have = set((current or {}).get("managed_policies") or [])
    return [arn for arn in wanted.get("managed_policies") or [] if arn not in have]


def reconcile(client, check_mode: bool, wanted: dict, current: dict | None, tags, purge_tags: bool) -> tuple:
    """Bring one role to ``wanted``; returns (its plan, its state after the changes, planned in check mode)."""
    name = wanted["name"]
    plan = RolePlan(check_mode, name)
    created = current is None
    # Its trust policy, policies and tags are parts of the role: a change of it, or of its create.
    plan.about(KIND, name, exists=not created)
    after = (
        dict(current)
        if current
        else {
            "name": name,
            "arn": None,
            "role_id": None,
            "path": wanted["path"],
            "description": None,
            "assume_role_policy": None,
            "max_session_duration": 3600,
            "permissions_boundary": None,
            "managed_policies": [],
            "inline_policies": {},
            "tags": {},
        }
    )
    after["managed_policies"] = list(after["managed_policies"])
    after["inline_policies"] = dict(after["inline_policies"])
    # Writes to a role just created retry while IAM catches up with it.
    write = new_role_retry if created else (lambda f: lambda **kw: f(aws_retry=True, **kw))

    trust = wanted.get("assume_role_policy")
    description = wanted.get("description")
    duration = wanted.get("max_session_duration")
    boundary = wanted.get("permissions_boundary")
    if created:
        params = {"RoleName": name, "Path": wanted["path"], "AssumeRolePolicyDocument": json.dumps(trust)}
        if description is not None:
            params["Description"] = description
        if duration is not None:
            params["MaxSessionDuration"] = duration
        if boundary:
            params["PermissionsBoundary"] = boundary
        if tags:
            params["Tags"] = tag_list(tags)
        made = plan.do(f"create role {name}", client.create_role, aws_retry=True, **params)
        if made:
            after.update(arn=made["Role"]["Arn"], role_id=made["Role"]["RoleId"])
        after.update(
            assume_role_policy=trust,
            description=description,
            max_session_duration=duration or 3600,
            permissions_boundary=boundary or None,
            tags=dict(tags or {}),
        )
    else:
        if trust is not None and compare_policies(current["assume_role_policy"], trust):
            plan.do(
                f"update the trust policy of role {name}",
                write(client.update_assume_role_policy),
                RoleName=name,
                PolicyDocument=json.dumps(trust),
            )
            after["assume_role_policy"] = trust
        update = {}
        if description is not None and description != (current["description"] or ""):
            update["Description"] = description
        if duration is not None and duration != current["max_session_duration"]:
            update["MaxSessionDuration"] = duration
        if update:
            said = []
            if "Description" in update:
                said.append(f"description {description!r}")
            if "MaxSessionDuration" in update:
                said.append(f"maximum session {duration} s (was {current['max_session_duration']})")
            plan.do(f"set the {' and '.join(said)} of role {name}", write(client.update_role), RoleName=name, **update)
            after.update(description=update.get("Description", after["description"]))
            after.update(max_session_duration=update.get("MaxSessionDuration", after["max_session_duration"]))
        if boundary is not None and (boundary or None) != current["permissions_boundary"]:
            if boundary:
                plan.do(
                    f"set the permissions boundary of role {name} to {boundary}",
                    write(client.put_role_permissions_boundary),
                    RoleName=name,
                    PermissionsBoundary=boundary,
                )
            else:
                plan.do(
                    f"remove the permissions boundary {current['permissions_boundary']} of role {name}",
                    write(client.delete_role_permissions_boundary),
                    RoleName=name,
                )
            after["permissions_boundary"] = boundary or None

    # Grant before revoking, so that the role never holds less than either side while it changes.
    managed = wanted.get("managed_policies")
    if managed is not None:
        for arn in policies_to_attach(wanted, current):
            plan.do(f"attach {arn} to role {name}", write(client.attach_role_policy), RoleName=name, PolicyArn=arn)
    inline = wanted.get("inline_policies")
    if inline is not None:
        for policy, doc in sorted(inline.items()):
            have = after["inline_policies"].get(policy, False)
            if have is False or compare_policies(have, doc):
                verb = "add" if have is False else "update"
                plan.do(
                    f"{verb} inline policy {policy} of role {name}",
                    write(client.put_role_policy),
                    RoleName=name,
                    PolicyName=policy,
                    PolicyDocument=json.dumps(doc),
                )
            after["inline_policies"][policy] = doc
    if managed is not None:
        for arn in sorted(set(after["managed_policies"]) - set(managed)):
            plan.do(f"detach {arn} from role {name}", write(client.detach_role_policy), RoleName=name, PolicyArn=arn)
        after["managed_policies"] = list(managed)
    if inline is not None:
        for policy in sorted(set(after["inline_policies"]) - set(inline)):
            plan.do(
                f"delete inline policy {policy} of role {name}",
                write(client.delete_role_policy),
                RoleName=name,
                PolicyName=policy,
            )
            del after["inline_policies"][policy]
    if tags is not None and not created:
        after["tags"] = plan_tags(
            plan,
            f"role {name}",
            current["tags"],
            tags,
            purge_tags,
            lambda t: write(client.tag_role)(RoleName=name, Tags=tag_list(t)),
            lambda keys: write(client.untag_role)(RoleName=name, TagKeys=keys),
        )
    return plan, after


def delete(client, check_mode: bool, current: dict) -> RolePlan:
    """Delete one role and what keeps IAM from deleting it (instance profiles, policies)."""
    name = current["name"]
    plan = RolePlan(check_mode, name)
    # Its policies and its own instance profile (the console's, of its name) go with it: one deletion.
    plan.about(KIND, name, wanted=False)
    try:
        profiles = paginate(client, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=name)
    except AWS_ERRORS as e:
        raise StepFailed(name, "list its instance profiles", e, plan) from e
    for profile in sorted(p["InstanceProfileName"] for p in profiles):
        plan.do(
            f"remove role {name} from instance profile {profile}",
            client.remove_role_from_instance_profile,
            InstanceProfileName=profile,
            RoleName=name,
            aws_retry=True,
        )
        if profile == name:
            plan.do(
                f"delete instance profile {profile}",
                client.delete_instance_profile,
                InstanceProfileName=profile,
                aws_retry=True,
            )
    for arn in current["managed_policies"]:
        plan.do(
            f"detach {arn} from role {name}", client.detach_role_policy, RoleName=name, PolicyArn=arn, aws_retry=True
        )
    for policy in sorted(current["inline_policies"]):
        plan.do(
            f"delete inline policy {policy} of role {name}",
            client.delete_role_policy,
            RoleName=name,
            PolicyName=policy,
            aws_retry=True,
        )
    plan.do(f"delete role {name}", client.delete_role, RoleName=name, aws_retry=True)
    return plan


def check_policies_exist(client, arns: list) -> list:
    """The managed policies among ``arns`` that IAM does not know (looked up before any write)."""

    def missing(arn):
        try:
            client.get_policy(PolicyArn=arn, aws_retry=True)
        except is_boto3_error_code("NoSuchEntity"):
            return arn
        return None

    found = parallel(missing, arns)
    for _, error in found:
        if error is not None:
            raise error
    return [arn for arn, _ in found if arn]


def failure_message(failures: list, what: str, outcome: str) -> str:
    told = "; ".join(str(f) for f in failures)
    return f"could not {what} {len(failures)} of the roles listed ({told}); {outcome}"


def reconcile_roles(
    module, plan: Plan, specs: list, tags: dict | None, purge_tags: bool, present: bool = True
) -> tuple:
    """Bring the roles ``specs`` lists (each as ROLE_OPTIONS says) to them, or with ``present`` false delete them,
    with the module's IAM client; their changes go to ``plan``. Returns (before, after, results), results being
    the ``roles`` return value of iam_roles (name -> role), before and after its diff.

    The module fails, naming the roles, when a role cannot be read, when what is asked cannot be done (found
    for every role before any write), and when a change fails (with the roles and what was done so far).
    """
    names = [r["name"] for r in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        module.fail_json(msg=f"roles lists {', '.join(duplicates)} more than once")
    try:
        wanted = [wanted_of(spec) for spec in specs]
    except ValueError as e:
        module.fail_json(msg=f"a policy document of the roles is not JSON: {e}")
    tags = {str(k): str(v) for k, v in tags.items()} if tags is not None else None
    client = module.client("iam", retry_decorator=retry_decorator())

    def docs_needed(w):
        # The diff shows every document; otherwise only those to compare are read.
        if module._diff:
            return True
        return set(w.get("inline_policies") or {}) if present else set()

    read = parallel(lambda w: read_role(client, w["name"], docs_needed(w)), wanted)
    failures = [StepFailed(w["name"], "read it", e) for w, (_, e) in zip(wanted, read, strict=True) if e is not None]
    if failures:
        module.fail_json_aws(failures[0].error, msg=failure_message(failures, "read", "nothing was changed"))
    current = {w["name"]: state for w, (state, _) in zip(wanted, read, strict=True)}
    before, after = {}, {}

    if not present:
        gone = [current[n] for n in names if current[n] is not None]
        done = parallel(lambda state: delete(client, module.check_mode, state), gone)
        failures = []
        for state, (role_plan, error) in zip(gone, done, strict=True):
            if error is not None:
                failures.append(error if isinstance(error, StepFailed) else StepFailed(state["name"], "delete", error))
            done_plan = role_plan if role_plan else failures[-1].plan
            if done_plan is not None:
                plan.merge(done_plan)
            before[state["name"]] = diff_view(state)
        results = {n: result_of(None, n) for n in names}
        if failures:
            module.fail_json(
                msg=failure_message(failures, "delete", "what was done is in actions"),
                actions=plan.actions,
                resources=plan.resources,
                roles=results,
            )
        return before, {}, results

    # What cannot be done fails the task before the first write, for every role.
    problems = [problem for w in wanted for problem in refusals(w, current[w["name"]])]
    if not problems:
        to_attach = sorted({arn for w in wanted for arn in policies_to_attach(w, current[w["name"]])})
        try:
            problems = [f"managed policy {arn} does not exist" for arn in check_policies_exist(client, to_attach)]
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg="could not look up the managed policies to attach (nothing was changed)")
    if problems:
        module.fail_json(
            msg="; ".join(problems) + " (nothing was changed)", actions=plan.actions, resources=plan.resources
        )

    done = parallel(lambda w: reconcile(client, module.check_mode, w, current[w["name"]], tags, purge_tags), wanted)
    failures, results = [], {}
    for w, (outcome, error) in zip(wanted, done, strict=True):
        name = w["name"]
        if error is not None:
            failed = error if isinstance(error, StepFailed) else StepFailed(name, "reconcile", error)
            failures.append(failed)
            if failed.plan is not None:
                plan.merge(failed.plan)
            results[name] = result_of(current[name], name)
            continue
        role_plan, state = outcome
        plan.merge(role_plan)
        results[name] = result_of(state, name)
        if role_plan.changed:
            before[name], after[name] = diff_view(current[name]), diff_view(state)
    if failures:
        # Never undone by deleting: a role keeps what it had and what was done to it (listed in actions).
        msg = failure_message(failures, "configure", "no role was deleted; what was done is in actions")
        if isinstance(failures[0].error, AWS_ERRORS):
            module.fail_json_aws(
                failures[0].error, msg=msg, actions=plan.actions, resources=plan.resources, roles=results
            )
        module.fail_json(msg=msg, actions=plan.actions, resources=plan.resources, roles=results)
    return before, after, results
