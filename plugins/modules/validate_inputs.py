#!/usr/bin/python
# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Documentation of the validate_inputs action (the work is done on the controller by plugins/action)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: validate_inputs
short_description: Apply a role's whole input contract to the variables, before any AWS call
version_added: 1.0.0
description:
  - Reads the entry point O(entry_point) of the role's C(meta/argument_specs.yml) and checks every option
    the variables define, with no conversion. A boolean must be a YAML boolean (the string C("false") is
    refused), a number a number, a string a string (an unquoted C(7.10) or C(yes) is refused, with the
    quoting that fixes it). Choices match exactly; the nearest one is suggested.
  - A dict with suboptions, alone or as the elements of a list, takes only the keys its spec names, so
    that a misspelled key is refused instead of ignored.
  - With O(refuse_unknown), a variable that starts with the role's prefix but is neither an option nor
    one of the role's internal variables (C(vars/main.yml)) is refused as a misspelling.
  - Every message names the variable (with its path in lists and dicts) and the environment
    (C(trading_env)). The task makes no AWS call and changes nothing.
  - Runs on the controller; the role is the one whose tasks call it.
author: 99Tech platform engineering (@99tech)
options:
  entry_point:
    description: The entry point of C(meta/argument_specs.yml) whose options are checked.
    type: str
    default: main
  refuse_unknown:
    description: Refuse variables with the role's prefix that the contract does not name.
    type: bool
    default: false
  prefixes:
    description: The prefixes of the role's variables, for O(refuse_unknown); the role's name and C(_) by default.
    type: list
    elements: str
  allow:
    description:
      - Names with those prefixes that are not the role's inputs but are known (set by the playbooks, or another
        tool's); a name ending in C(*) allows every name it starts.
    type: list
    elements: str
    default: []
  role_path:
    description: The role's directory; the calling role's by default.
    type: path
attributes:
  check_mode:
    support: full
    description: Changes nothing, so check mode runs it the same way.
  diff_mode:
    support: none
    description: Nothing to compare.
notes:
  - Tags do not apply; the action reads variables only.
"""

EXAMPLES = r"""
- name: Check the network inputs against the role's contract
  ninetynine.trading_infra.validate_inputs:
    refuse_unknown: true
  register: network_inputs

- name: The checked values feed the cross-field checks
  ansible.builtin.assert:
    that: (network_inputs.inputs | ninetynine.trading_infra.network_validation_errors) | length == 0
"""

RETURN = r"""
msg:
  description: Every problem on its own line, each naming the variable and the environment.
  returned: always
  type: str
  sample: "network_az_count in environment 'dev': is the string '3'; a whole number is expected"
inputs:
  description: The checked options the variables define, templated.
  returned: success
  type: dict
  sample: {"network_az_count": 3, "trading_env": "dev"}
"""
