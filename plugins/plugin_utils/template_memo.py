# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Compile each Jinja template once, not once per task (the `warm_controller` callback installs it).

Ansible runs every task in a new fork of the controller, and a fork keeps nothing it compiles.
So the same templates (a role's defaults, its module arguments, every `when`) are lexed, parsed,
turned into Python and compiled again in every task: 1,467 compilations in a no-op re-run of
the platform, 2.1 s of its 12.5 s.

This keeps each compiled template on disk, in a directory of the user's own (0700), and the
next fork that meets the same template loads it (tens of microseconds) instead of compiling it
(about 1.5 ms). What Jinja generates depends only on:
- the template's text, its name and file name, and how it is compiled (`raw`, `defer_init`);
- the environment's syntax and code-generation settings (delimiters, whitespace handling,
  extensions, finalize, autoescape, sandboxing, intercepted operators, optimizer, async);
- whether Ansible pre-escapes backslashes in this compilation, and whether it allows embedded
  templates;
- the filters and tests the template names, as they are when it is compiled (a filter that
  takes the context is called differently);
- the versions of ansible-core, Jinja and Python.
The first five make the key. The filters and tests are stored with the template and looked up
again before a stored template is used: when one differs, the template is compiled anew.
Template debugging (Ansible's source-debug mode) is never cached. If ansible-core's templating
is not shaped as expected, nothing is changed.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
import threading

FORMAT = 1
_STATE = {"installed": False, "directory": None, "originals": None}
_MEMORY: dict = {}
_LOCAL = threading.local()


def cache_directory() -> str:
    """The cache's directory (private to the user), one per ansible-core, Jinja and Python version."""
    import jinja2
    from ansible.release import __version__ as ansible_version
    from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils.warm_runner import private_directory

    version = f"templates-{ansible_version}-jinja{jinja2.__version__}-py{sys.version_info[0]}.{sys.version_info[1]}"
    path = os.path.join(private_directory(), version)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def _internals():
    """ansible-core's Jinja environment and the contexts its compilation reads, or None."""
    try:
        import jinja2
        from ansible._internal._templating import _jinja_bits as bits
        from ansible._internal._templating import _jinja_common as common
    except ImportError:
        return None
    needed = (
        "AnsibleEnvironment",
        "_TemplateCompileContext",
        "_CompileStateSmugglingCtx",
        "_TEMPLATE_OVERRIDE_FIELD_NAMES",
    )
    if not all(hasattr(bits, name) for name in needed) or not hasattr(common, "_TemplateConfig"):
        return None
    environment = bits.AnsibleEnvironment
    if not all(callable(getattr(environment, name, None)) for name in ("compile", "compile_expression", "_parse")):
        return None
    return jinja2, bits, common


def _pass_arg(function) -> str | None:
    from jinja2.utils import _PassArg

    if function is None:
        return "missing"
    found = _PassArg.from_obj(function)
    return found.name if found is not None else None


def _settings(env, bits, common) -> tuple | None:
    """What, besides the text, shapes the code Jinja generates; None when it cannot be cached."""
    if callable(env.autoescape) or getattr(env, "_debuggable_template_source", False):
        return None
    if bits._CompileStateSmugglingCtx.current(optional=True) is not None:
        return None
    context = bits._TemplateCompileContext.current(optional=True)
    finalize = env.finalize
    if finalize is not None:
        finalize = (getattr(finalize, "__module__", ""), getattr(finalize, "__qualname__", ""), _pass_arg(finalize))
    return (
        type(env).__module__,
        type(env).__qualname__,
        env.code_generator_class.__module__,
        env.code_generator_class.__qualname__,
        tuple(repr(getattr(env, name, None)) for name in bits._TEMPLATE_OVERRIDE_FIELD_NAMES),
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        tuple(sorted(env.extensions)),
        env.optimized,
        bool(env.autoescape),
        env.is_async,
        env.sandboxed,
        tuple(sorted(env.intercepted_binops)),
        tuple(sorted(env.intercepted_unops)),
        finalize,
        "nested" if context is None else bool(context.escape_backslashes),
        bool(common._TemplateConfig.allow_embedded_templates),
    )


def _key(kind: str, text: str, details: tuple, settings: tuple) -> str:
    material = repr((FORMAT, kind, str(text), details, settings)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(material).hexdigest()


def _dependencies(env, tree) -> tuple:
    """The filters and tests the template names, with how each is called today."""
    from jinja2 import nodes

    found = set()
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        if isinstance(node, nodes.Filter):
            found.add(("filter", node.name, _pass_arg(env.filters.get(node.name))))
        else:
            found.add(("test", node.name, _pass_arg(env.tests.get(node.name))))
    return tuple(sorted(found, key=repr))


def _still_valid(env, dependencies) -> bool:
    try:
        for kind, name, pass_arg in dependencies:
            mapping = env.filters if kind == "filter" else env.tests
            if _pass_arg(mapping.get(name)) != pass_arg:
                return False
    except Exception:  # a plugin that fails to load: let Jinja compile and report it
        return False
    return True


def _load(env, key: str):
    entry = _MEMORY.get(key)
    if entry is None and _STATE["directory"]:
        try:
            with open(os.path.join(_STATE["directory"], key), "rb") as handle:
                stored = marshal.loads(handle.read())  # noqa: S302 - written by this user, in a 0700 directory
            if isinstance(stored, tuple) and len(stored) == 3 and stored[0] == FORMAT:
                entry = (stored[1], stored[2])
        except (OSError, ValueError, EOFError, TypeError):
            entry = None
    if entry is None or not _still_valid(env, entry[0]):
        return None
    _MEMORY[key] = entry
    return entry[1]


def _store(key: str, dependencies: tuple, code) -> None:
    _MEMORY[key] = (dependencies, code)
    directory = _STATE["directory"]
    if not directory:
        return
    try:
        data = marshal.dumps((FORMAT, dependencies, code))
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, os.path.join(directory, key))
    except (OSError, ValueError):
        pass


class _Compiled:
    """A stored template handed to Jinja's from_string in place of a source."""

    __slots__ = ("code",)

    def __init__(self, code) -> None:
        self.code = code


def install(directory: str | None = None) -> bool:
    """Put the cache in front of ansible-core's Jinja compilation, in this process; True when in place."""
    if _STATE["installed"]:
        return True
    found = _internals()
    if found is None:
        return False
    jinja2, bits, common = found
    try:
        _STATE["directory"] = directory or cache_directory()
    except OSError:
        return False
    environment = bits.AnsibleEnvironment
    original_compile = environment.compile
    original_expression = environment.compile_expression
    original_parse = environment._parse
    _STATE["originals"] = (environment, original_compile, original_expression, original_parse)

    def parse(self, source, *args, **kwargs):
        tree = original_parse(self, source, *args, **kwargs)
        if getattr(_LOCAL, "capture", None) is not None:
            _LOCAL.capture.append(tree)
        return tree

    def compile_(self, source, name=None, filename=None, raw=False, defer_init=False):
        if isinstance(source, _Compiled):
            return source.code
        expression = getattr(_LOCAL, "expression", None)
        _LOCAL.expression = None
        if raw:
            return original_compile(self, source, name, filename, raw, defer_init)
        if isinstance(source, str):
            settings = _settings(self, bits, common)
            if settings is None:
                return original_compile(self, source, name, filename, raw, defer_init)
            key = _key("template", source, (name, filename, defer_init), settings)
            code = _load(self, key)
            if code is not None:
                return code
            outer, _LOCAL.capture = getattr(_LOCAL, "capture", None), []
            try:
                code = original_compile(self, source, name, filename, raw, defer_init)
                trees = _LOCAL.capture
            finally:
                _LOCAL.capture = outer
            if trees:
                _store(key, _dependencies(self, trees[0]), code)
            return code
        code = original_compile(self, source, name, filename, raw, defer_init)
        if expression is not None and name is None and filename is None and not defer_init:
            _store(expression, _dependencies(self, source), code)
        return code

    def compile_expression(self, source, undefined_to_none=True):
        settings = _settings(self, bits, common) if isinstance(source, str) else None
        if settings is None:
            return original_expression(self, source, undefined_to_none)
        key = _key("expression", source, (), settings)
        code = _load(self, key)
        if code is not None:
            return jinja2.environment.TemplateExpression(self.from_string(_Compiled(code)), undefined_to_none)
        _LOCAL.expression = key
        try:
            return original_expression(self, source, undefined_to_none)
        finally:
            _LOCAL.expression = None

    environment._parse = parse
    environment.compile = compile_
    environment.compile_expression = compile_expression
    _STATE["installed"] = True
    return True


def uninstall() -> None:
    """Put ansible-core's compilation back (tests)."""
    originals = _STATE["originals"]
    if originals:
        environment, original_compile, original_expression, original_parse = originals
        environment.compile = original_compile
        environment.compile_expression = original_expression
        environment._parse = original_parse
    _STATE.update(installed=False, directory=None, originals=None)
    _MEMORY.clear()
