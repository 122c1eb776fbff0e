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


from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.iam import ROLE_OPTIONS
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.iam import reconcile_roles
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan


def main():
    argument_spec = dict(
        roles=dict(type="list", elements="dict", required=True, options=ROLE_OPTIONS),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    plan = Plan(module.check_mode)
    present = p["state"] == "present"
    before, after, results = reconcile_roles(module, plan, p["roles"], p["tags"], p["purge_tags"], present)
    plan.exit_json(module, before, after, roles=results)


if __name__ == "__main__":
    main()
