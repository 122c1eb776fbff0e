#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
module: ssm_parameters
short_description: Every SSM parameter under one path, in one call
version_added: 1.0.0
description:
  - Makes the plain (not secret) SSM parameters under O(path) exactly O(parameters). It creates the
    missing ones, overwrites the ones whose value or type differ, and with O(purge=true) deletes the
    ones under the path that are no longer given. One call reads the whole path (a paginated
    C(GetParametersByPath)), so a run with nothing to change makes a handful of reads and no write,
    where M(community.aws.ssm_parameter) takes one task per parameter.
  - Used to publish an environment's outputs (VPC and subnet ids, endpoints, secret ARNs; never a
    secret's value) for other systems to read.
  - Supports check mode and diff mode.
author:
  - 99Tech platform engineering (@99tech)
options:
  path:
    description: The hierarchy, for example V(/trading/prod). Must start with C(/).
    type: str
    required: true
  parameters:
    description:
      - Names (relative to O(path), may contain C(/)) and values. A string or number becomes a
        C(String) parameter, a list a C(StringList) (comma-joined; items must not contain commas).
      - An empty value (V(null), V(""), V([])) means no parameter (SSM refuses empty values).
    type: dict
    default: {}
  purge:
    description:
      - Delete the parameters under O(path) that O(parameters) does not give. C(SecureString)
        parameters are never deleted, read or overwritten by this module.
    type: bool
    default: true
  purge_paths:
    description:
      - With O(purge=true), only the parameters under these sub-paths of O(path) are deleted when
        not given (for example V([network, eks]) when a run touched only those components).
        Omitted, the whole of O(path).
    type: list
    elements: str
  description:
    description: Description of the parameters the module writes.
    type: str
    default: Published by ninetynine.trading_infra
  state:
    description: V(absent) deletes every plain (not C(SecureString)) parameter under O(path).
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - O(tags) are set on the parameters the module creates or overwrites; the tags of a parameter
    whose value is unchanged are not read (that would cost one call per parameter on every run).
"""

EXAMPLES = r"""
- name: Publish the environment's outputs
  ninetynine.trading_infra.ssm_parameters:
    path: /trading/prod
    parameters:
      network/vpc_id: "{{ network_outputs.vpc_id }}"
      network/private_subnet_ids: "{{ network_outputs.private_subnet_ids }}"
      eks/cluster_endpoint: "{{ eks_outputs.endpoint }}"
    tags:
      Environment: prod

- name: Remove them (teardown)
  ninetynine.trading_infra.ssm_parameters:
    path: /trading/prod
    state: absent
"""

RETURN = r"""
parameters:
  description: The parameters under the path after the call (full name to value).
  returned: always
  type: dict
  sample: {/trading/prod/network/vpc_id: vpc-0123456789abcdef0}
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
resources:
  description:
    - "The resources changed (or, in check mode, that would be), each once: what happens to it and
      the changes it gets. The plan summary counts these."
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource, as the AWS console names it.
      type: str
      choices: [SSM parameter]
    name:
      description: The full name of the parameter.
      type: str
    action:
      description: What happens to the resource.
      type: str
      choices: [create, change, delete]
    changes:
      description: The changes it gets, as RV(actions) words them.
      type: list
      elements: str
  sample:
    - kind: SSM parameter
      name: /trading/prod/network/vpc_id
      action: change
      changes:
        - update /trading/prod/network/vpc_id
    - kind: SSM parameter
      name: /trading/prod/eks/cluster_name
      action: create
      changes:
        - create /trading/prod/eks/cluster_name
"""

try:
    import botocore.exceptions
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ninetynine.trading_infra.plugins.module_utils.plan import Plan
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import paginate
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.retries import retry_decorator
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.tags import tag_list


def wanted_parameters(module, path, given):
    """{full name: (type, value)} of the non-empty parameters, or fail naming the bad one."""
    wanted = {}
    for name, value in given.items():
        full = f"{path}/{str(name).strip('/')}"
        if value is None or value in ("", []):
            continue
        if isinstance(value, (list, tuple)):
            items = [str(v) for v in value]
            if any("," in v for v in items):
                module.fail_json(msg=f"parameter {full}: list items must not contain commas (StringList)")
            wanted[full] = ("StringList", ",".join(items))
        elif isinstance(value, dict):
            module.fail_json(msg=f"parameter {full}: give a string, number or list, not a mapping")
        elif isinstance(value, bool):
            wanted[full] = ("String", "true" if value else "false")
        else:
            wanted[full] = ("String", str(value))
        if len(wanted[full][1]) > 4096:
            module.fail_json(msg=f"parameter {full}: value longer than 4096 characters (Standard tier)")
    return wanted


def main():
    argument_spec = dict(
        path=dict(type="str", required=True),
        parameters=dict(type="dict", default={}),
        purge=dict(type="bool", default=True),
        purge_paths=dict(type="list", elements="str"),
        description=dict(type="str", default="Published by ninetynine.trading_infra"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    path = p["path"].rstrip("/")
    if not path.startswith("/") or path == "":
        module.fail_json(msg=f"path must start with / and name a hierarchy (got {p['path']!r})")
    wanted = wanted_parameters(module, path, p["parameters"]) if p["state"] == "present" else {}
    client = module.client("ssm", retry_decorator=retry_decorator())
    plan = Plan(module.check_mode)
    try:
        found = paginate(client, "get_parameters_by_path", "Parameters", Path=path, Recursive=True)
        # SecureStrings under the path are someone's secrets: never read, overwritten or purged here.
        secure = {f["Name"] for f in found if f["Type"] == "SecureString"}
        current = {f["Name"]: (f["Type"], f["Value"]) for f in found if f["Name"] not in secure}
        clash = sorted(secure & set(wanted))
        if clash:
            module.fail_json(msg=f"{', '.join(clash)}: SecureString parameters; this module does not overwrite secrets")
        for name, (kind, value) in sorted(wanted.items()):
            have = current.get(name)
            if have == (kind, value):
                continue
            request = dict(Name=name, Value=value, Type=kind, Description=p["description"], Tier="Standard")
            plan.about("SSM parameter", name, exists=have is not None)
            if have is None:
                if p["tags"]:
                    request["Tags"] = tag_list(p["tags"])
                plan.do(f"create {name}", client.put_parameter, aws_retry=True, **request)
                continue
            plan.do(f"update {name}", client.put_parameter, Overwrite=True, aws_retry=True, **request)
            if p["tags"] and not module.check_mode:  # part of the update above
                client.add_tags_to_resource(
                    ResourceType="Parameter", ResourceId=name, Tags=tag_list(p["tags"]), aws_retry=True
                )
        scopes = None if p["purge_paths"] is None else [f"{path}/{s.strip('/')}/" for s in p["purge_paths"]]
        stale = sorted(
            n
            for n in current
            if n not in wanted
            and (p["purge"] or p["state"] == "absent")
            and (scopes is None or any(n.startswith(scope) for scope in scopes))
        )
        for start in range(0, len(stale), 10):  # DeleteParameters takes ten names at a time
            batch = stale[start : start + 10]
            for name in batch:
                plan.about("SSM parameter", name, wanted=False)
                plan.do(f"delete {name}")  # made below, ten at a time
            if not module.check_mode:
                client.delete_parameters(Names=batch, aws_retry=True)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(
            e, msg=f"parameters under {path}: reconciliation failed", actions=plan.actions, resources=plan.resources
        )
    before = {n: v for n, (_k, v) in sorted(current.items())}
    after = {n: v for n, (_k, v) in sorted(wanted.items())}
    after = dict({n: v for n, v in before.items() if n not in stale}, **after)
    plan.exit_json(module, before, after, parameters=after)


if __name__ == "__main__":
    main()
