#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: iam_roles
short_description: IAM roles with their trust policies, managed and inline policies and tags, in one invocation
version_added: 1.0.0
description:
  - Creates the IAM roles listed, and brings each one's trust policy, description, maximum session duration,
    permissions boundary, attached managed policies, inline policies and tags to what is asked, changing only
    what differs. The roles are read, and then reconciled, several at a time (IAM is global).
  - Replaces the loops of M(amazon.aws.iam_role) and M(amazon.aws.iam_policy) tasks in the roles, with one
    invocation for every role of a component instead of one (and about a second of start-up) per role and
    per inline policy. A role found with nothing to change costs C(GetRole) (which carries the tags),
    C(ListAttachedRolePolicies), C(ListRolePolicies) and one C(GetRolePolicy) per inline policy.
  - Policies are compared as M(amazon.aws.iam_role) compares them, semantically (order of keys, statements
    and lists, a single value or a list of one, the account root written as an ARN or an id).
  - A managed policy the module would attach is looked up first (C(GetPolicy)), so a mistyped ARN fails the
    task before the role is created or changed. Any other failure leaves the role as it is at that point,
    never deletes it, and fails the task naming the role and the step.
  - With O(state=absent) deletes the roles listed that exist, after removing each one from its instance
    profiles (deleting the instance profile of the same name, as M(amazon.aws.iam_role) does with
    C(delete_instance_profile)), detaching its managed policies and deleting its inline policies. It never
    deletes a role that is not listed.
  - Creates no instance profile.
  - Supports check mode (no write; the same actions a real run reports) and diff mode (before and after of
    each role that changes).
author:
  - 99Tech platform engineering (@99tech)
options:
  roles:
    description: The roles, each one a dict.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Role name (1 to 64 of letters, digits and C(+=,.@_-)).
        type: str
        required: true
      description:
        description:
          - Description of the role.
          - Omitted leaves an existing role's description alone.
        type: str
      path:
        description:
          - Path of the role (C(/) or C(/a/b/)). IAM cannot move a role to another path; a role found under
            another path fails the task before any write.
        type: str
        default: /
      assume_role_policy:
        description:
          - The trust policy, a dict or its JSON text. Required to create a role.
          - Omitted leaves an existing role's trust policy alone.
        type: json
      managed_policies:
        description:
          - ARNs of the managed policies attached to the role, exactly; the others attached are detached.
            An empty list detaches every managed policy.
          - Omitted leaves the attached policies alone.
        type: list
        elements: str
      inline_policies:
        description:
          - Inline policies of the role, exactly, as name -> policy document (a dict or its JSON text). Those
            missing or differing are put, those not listed are deleted. An empty dict deletes every inline policy.
          - Omitted leaves the inline policies alone.
        type: dict
      max_session_duration:
        description:
          - Maximum session duration in seconds, 3600 to 43200.
          - Omitted leaves an existing role's duration alone (IAM's default is 3600).
        type: int
      permissions_boundary:
        description:
          - ARN of the managed policy that bounds the role's permissions. An empty string removes the boundary.
          - Omitted leaves the boundary alone.
        type: str
  tags:
    description:
      - Tags every role listed carries (O(purge_tags) decides whether others are removed).
      - Omitted leaves the roles' tags alone.
    type: dict
    aliases: ['resource_tags']
  purge_tags:
    description: Remove the tags of a role that are not in O(tags).
    type: bool
    default: true
  state:
    description: Whether the roles listed should exist.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The control plane's and the nodes' roles, and an IRSA role with an inline policy
  ninetynine.trading_infra.iam_roles:
    roles:
      - name: trading-prod-eks-cluster
        description: "trading-prod: EKS control plane"
        assume_role_policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {Service: eks.amazonaws.com}
              Action: [sts:AssumeRole, sts:TagSession]
        managed_policies:
          - arn:aws:iam::aws:policy/AmazonEKSClusterPolicy
        inline_policies: {}
      - name: trading-prod-eks-node
        description: "trading-prod: EKS managed nodes"
        assume_role_policy: "{{ node_trust_policy | to_json }}"
        managed_policies:
          - arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy
          - arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly
        max_session_duration: 7200
      - name: trading-prod-cluster-autoscaler
        assume_role_policy: "{{ autoscaler_trust_policy }}"
        managed_policies: []
        inline_policies:
          cluster-autoscaler: "{{ autoscaler_policy }}"
    tags:
      Project: trading
      Environment: prod
    purge_tags: true
    state: present
  register: eks_roles

- name: Use a role's ARN
  ansible.builtin.debug:
    msg: "{{ eks_roles.roles['trading-prod-eks-cluster'].arn }}"

- name: Delete them (instance profiles, managed and inline policies first)
  ninetynine.trading_infra.iam_roles:
    roles:
      - name: trading-prod-eks-cluster
      - name: trading-prod-eks-node
      - name: trading-prod-cluster-autoscaler
    state: absent
"""

RETURN = r"""
roles:
  description:
    - The roles listed, by name, as they are after the run (as they would be, in check mode).
    - With O(state=absent), only C(name), and C(arn) and C(role_id) null. In check mode, a role not created
      yet has C(arn) and C(role_id) null.
  returned: always
  type: dict
  contains:
    name:
      description: Role name.
      type: str
      sample: trading-prod-eks-cluster
    arn:
      description: ARN of the role (null in check mode before it exists, and with O(state=absent)).
      type: str
      sample: arn:aws:iam::123456789012:role/trading-prod-eks-cluster
    role_id:
      description: The role's unique id.
      type: str
      sample: AROA1234567890EXAMPLE
    path:
      description: Path of the role.
      type: str
      sample: /
    description:
      description: Description of the role.
      type: str
    assume_role_policy:
      description: The trust policy.
      type: dict
    max_session_duration:
      description: Maximum session duration in seconds.
      type: int
      sample: 3600
    permissions_boundary:
      description: ARN of the permissions boundary (null when none).
      type: str
    managed_policies:
      description: ARNs of the attached managed policies, sorted.
      type: list
      elements: str
      sample: ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]
    inline_policy_names:
      description: Names of the inline policies, sorted.
      type: list
      elements: str
      sample: ["cluster-autoscaler"]
    tags:
      description: The role's tags.
      type: dict
actions:
  description: What was changed (or, in check mode, would be), role after role in the order listed.
  returned: always
  type: list
  elements: str
  sample:
    - create role trading-prod-eks-node
    - attach arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy to role trading-prod-eks-node
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and the
      changes it gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, always V(IAM role). Its trust policy, policies, tags and (on
        deletion) its own instance profile are part of it.
      type: str
    name:
      description: The role's name.
      type: str
    action:
      description: What happens to it.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets (entries of RV(actions)).
      type: list
      elements: str
  sample:
    - kind: IAM role
      name: trading-prod-eks-node
      action: create
      changes:
        - create role trading-prod-eks-node
        - attach arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy to role trading-prod-eks-node
"""

import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

try:
    import botocore.exceptions

    AWS_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except ImportError:
    AWS_ERRORS = ()  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

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


def main():
    argument_spec = dict(
        roles=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str"),
                path=dict(type="str", default="/"),
                assume_role_policy=dict(type="json"),
                managed_policies=dict(type="list", elements="str"),
                inline_policies=dict(type="dict"),
                max_session_duration=dict(type="int"),
                permissions_boundary=dict(type="str"),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    present = p["state"] == "present"
    names = [r["name"] for r in p["roles"]]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        module.fail_json(msg=f"roles lists {', '.join(duplicates)} more than once")
    try:
        wanted = [wanted_of(spec) for spec in p["roles"]]
    except ValueError as e:
        module.fail_json(msg=f"a policy document of the roles is not JSON: {e}")
    tags = {str(k): str(v) for k, v in p["tags"].items()} if p["tags"] is not None else None
    client = module.client("iam", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)

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
        plan.exit_json(module, before, {}, roles=results)

    # What cannot be done fails the task before the first write, for every role.
    problems = [problem for w in wanted for problem in refusals(w, current[w["name"]])]
    if not problems:
        to_attach = sorted({arn for w in wanted for arn in policies_to_attach(w, current[w["name"]])})
        try:
            problems = [f"managed policy {arn} does not exist" for arn in check_policies_exist(client, to_attach)]
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg="could not look up the managed policies to attach (nothing was changed)")
    if problems:
        module.fail_json(msg="; ".join(problems) + " (nothing was changed)", actions=[], resources=[])

    done = parallel(
        lambda w: reconcile(client, module.check_mode, w, current[w["name"]], tags, p["purge_tags"]), wanted
    )
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
    plan.exit_json(module, before, after, roles=results)


if __name__ == "__main__":
    main()
