# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""A role's input contract (its meta/argument_specs.yml entry point), applied strictly.

Ansible's own role argument validation converts what it can: the string "false" passes as a
boolean, "3" as a number, an unquoted 7.10 as the string "7.1", and a dict's unknown keys are
only refused where the spec lists suboptions. The roles then read the raw variable, not the
converted one, so a quoted "false" for deletion protection is a string Jinja finds true and a
module reads as false. Here nothing is converted:

* a boolean is a YAML boolean, a number a YAML number, a string a string (an unquoted number
  or yes/no where a string is expected is refused, with the quoting that fixes it);
* choices are matched exactly, with the nearest choice suggested;
* a dict with suboptions, alone or as list elements, takes only the keys the spec names;
* a null is refused for every typed option (an empty ``key:`` line in YAML).

Every message names the variable (with its path inside lists and dicts) and the environment.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

TYPES = ("str", "int", "float", "bool", "list", "dict", "raw", "path")


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "the boolean " + ("true" if value else "false")
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, Sequence):
        return "a list"
    return f"a {type(value).__name__}"


def _nearest(word, candidates, cutoff: float = 0.6) -> str:
    if not isinstance(word, str):
        return ""  # a number's nearest choice is no hint
    close = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1, cutoff=cutoff)
    if not close:
        lowered = {str(c).lower(): str(c) for c in candidates}
        close = [lowered[str(word).lower()]] if str(word).lower() in lowered else []
    return f" (did you mean {close[0]!r}?)" if close else ""


def _type_problem(value, kind: str) -> str | None:
    """Why ``value`` is not of the spec type ``kind``, or None."""
    if kind in ("raw",):
        return None
    if value is None:
        return "is null; give it a value or remove the line to take the default"
    if kind in ("str", "path"):
        if isinstance(value, str):
            return None
        if isinstance(value, bool):
            return (
                f"is {_kind(value)}; a string is expected (YAML reads yes, no, on, off, true and false "
                "as booleans: quote it)"
            )
        if isinstance(value, (int, float)):
            return (
                f"is {_kind(value)}; a string is expected (quote it: YAML reads 7.10 as the number 7.1 and 1.30 as 1.3)"
            )
        return f"is {_kind(value)}; a string is expected"
    if kind == "bool":
        if isinstance(value, bool):
            return None
        if isinstance(value, str):
            return f"is {_kind(value)}; a boolean is expected (write true or false without quotes)"
        return f"is {_kind(value)}; a boolean is expected (true or false)"
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        if isinstance(value, str):
            return f"is {_kind(value)}; a whole number is expected (write it without quotes)"
        if isinstance(value, float):
            return f"is {_kind(value)}; a whole number is expected"
        return f"is {_kind(value)}; a whole number is expected"
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return None
        if isinstance(value, str):
            return f"is {_kind(value)}; a number is expected (write it without quotes)"
        return f"is {_kind(value)}; a number is expected"
    if kind == "list":
        if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
            return None
        return f"is {_kind(value)}; a list is expected"
    if kind == "dict":
        if isinstance(value, Mapping):
            return None
        return f"is {_kind(value)}; a mapping is expected"
    return f"has an unknown spec type {kind!r}"


def _check(path: str, value, spec: Mapping, problems: list) -> None:
    kind = spec.get("type", "str")
    problem = _type_problem(value, kind)
    if problem:
        problems.append((path, problem))
        return
    choices = spec.get("choices")
    if kind == "list":
        elements = spec.get("elements")
        for i, item in enumerate(value):
            if elements:
                _check(f"{path}[{i}]", item, {"type": elements, **_element_spec(spec)}, problems)
            elif choices and item not in choices:
                problems.append((f"{path}[{i}]", _choice_problem(item, choices)))
        return
    if choices is not None and value not in choices:
        problems.append((path, _choice_problem(value, choices)))
        return
    if kind == "dict" and spec.get("options"):
        _check_options(path, value, spec["options"], problems)


def _element_spec(spec: Mapping) -> dict:
    """What a list's spec says of each element: its choices and suboptions."""
    return {k: spec[k] for k in ("choices", "options") if k in spec}


def _choice_problem(value, choices) -> str:
    listed = ", ".join(str(c) for c in choices)
    return f"is {_kind(value)}; it must be one of {listed}{_nearest(value, choices)}"


def _check_options(path: str, values: Mapping, options: Mapping, problems: list) -> None:
    for key in values:
        if key not in options:
            known = ", ".join(sorted(options))
            problems.append(
                (f"{path}.{key}", f"is not a known key{_nearest(key, options)}; the known keys are {known}")
            )
    for name, spec in options.items():
        if name not in values:
            if spec.get("required"):
                problems.append((f"{path}.{name}", "is required"))
            continue
        _check(f"{path}.{name}", values[name], spec, problems)


def contract_problems(options: Mapping, values: Mapping) -> list:
    """(variable path, problem) for every value that breaks the spec ``options``.

    ``values``: the defined variables among the options (an undefined one is absent).
    """
    problems: list = []
    for name, spec in options.items():
        if name not in values:
            if spec.get("required"):
                problems.append((name, "is required and not set"))
            continue
        _check(name, values[name], spec, problems)
    return problems


def contract_errors(options: Mapping, values: Mapping, env) -> list:
    """Each problem as ``<variable> in environment '<env>': <problem>``."""
    return [f"{path} in environment {env!r}: {problem}" for path, problem in contract_problems(options, values)]


def spec_errors(options: Mapping, where: str = "") -> list:
    """What makes a spec itself unusable here (an unknown type, elements without a list)."""
    errors = []
    for name, spec in options.items():
        kind = spec.get("type", "str")
        if kind not in TYPES:
            errors.append(f"{where}{name}: unknown type {kind!r}")
        if spec.get("elements") and kind != "list":
            errors.append(f"{where}{name}: elements on a {kind}")
        if spec.get("options"):
            errors.extend(spec_errors(spec["options"], f"{where}{name}."))
    return errors
