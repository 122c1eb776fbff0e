# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Action: apply a role's whole input contract (meta/argument_specs.yml) to the variables, strictly.

Runs on the controller and makes no AWS call. See plugins/modules/validate_inputs.py for the
documentation and plugins/module_utils/contract.py for the rules.
"""

from __future__ import annotations

import os

import yaml
from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible_collections.ninetynine.trading_infra.plugins.module_utils.contract import (
    _nearest,
    contract_errors,
    spec_errors,
)

# What the roles set at run time under their own prefix (facts, registered results): never inputs.
RUNTIME_SUFFIXES = ("_outputs", "_inputs")


def _load_yaml(path: str):
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def _role_files(self, role_path: str, entry_point: str) -> tuple[dict, set]:
        specs = _load_yaml(os.path.join(role_path, "meta", "argument_specs.yml")).get("argument_specs") or {}
        if entry_point not in specs:
            raise AnsibleError(f"{role_path}: meta/argument_specs.yml has no entry point {entry_point!r}")
        internal = set(_load_yaml(os.path.join(role_path, "vars", "main.yml")))
        return specs[entry_point].get("options") or {}, internal

    def _value(self, raw):
        return self._templar.template(raw)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = self._task.args
        role = self._task._role
        role_path = args.get("role_path") or (role._role_path if role else None)
        if not role_path:
            raise AnsibleError("validate_inputs runs inside a role, or is given role_path")
        role_name = os.path.basename(role_path.rstrip("/"))
        prefixes = args.get("prefixes") or [role_name + "_"]
        allowed = list(args.get("allow") or [])
        options, internal = self._role_files(role_path, args.get("entry_point", "main"))
        broken = spec_errors(options)
        if broken:
            raise AnsibleError(f"{role_path}/meta/argument_specs.yml: " + "; ".join(broken))

        try:
            env = self._value(task_vars.get("trading_env", "?"))
        except AnsibleError:
            env = "?"
        values, errors, unevaluated = {}, [], set()
        for name in options:
            if name not in task_vars:
                continue
            try:
                values[name] = self._value(task_vars[name])
            except AnsibleError as exc:
                first = str(getattr(exc, "message", exc)).splitlines()[0]
                errors.append(f"{name} in environment {env!r}: cannot be evaluated ({first})")
                unevaluated.add(name)
        errors.extend(contract_errors({k: v for k, v in options.items() if k not in unevaluated}, values, env))

        if args.get("refuse_unknown"):
            known = set(options) | internal

            def allowed_name(name):
                return any(name == a or (a.endswith("*") and name.startswith(a[:-1])) for a in allowed)

            for name in sorted(task_vars):
                if (
                    name.startswith(tuple(prefixes))
                    and name not in known
                    and not name.endswith(RUNTIME_SUFFIXES)
                    and not allowed_name(name)
                ):
                    errors.append(
                        f"{name} in environment {env!r}: is not a variable of the {role_name} role"
                        f"{_nearest(name, options, 0.85)}; a misspelled variable would be ignored"
                    )

        result["changed"] = False
        if errors:
            result["failed"] = True
            # On lines of their own (the first says how many), which the YAML result format prints as is.
            result["msg"] = "\n".join([f"{len(errors)} input(s) break the {role_name} role's contract:", *errors])
        else:
            result["inputs"] = values
            result["msg"] = f"{len(values)} inputs of the {role_name} role keep its contract"
        return result
