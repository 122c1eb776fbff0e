"""The warm_controller callback: templates compiled once render as compiled each time; a stored
template whose filters changed, or a damaged one, is compiled again; each compilation option has its
own entry; the cache is private; plugins are loaded before the workers fork; a real run's second pass
compiles nothing and prints the same."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import jinja2.compiler
import jinja2.environment
import pytest
from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils import template_memo

from tests.helpers import REPO, ansible_env

PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")

TEMPLATES = [
    ("{{ a | combine(b) }}", {"a": {"x": 1}, "b": {"y": 2}}),
    ("{{ items | map(attribute='n') | list | sum }}", {"items": [{"n": 1}, {"n": 41}]}),
    ("{% for i in range(3) %}{{ i }}-{% endfor %}", {}),
    ("{{ name ~ '-' ~ (count | int + 1) }}", {"name": "trading", "count": "2"}),
    ("{{ 'prod' if tier == 'prod' else 'other' }} {{ tier is defined }}", {"tier": "prod"}),
    ("{{ missing | default('fallback') }}", {}),
    ("{{ {'k': v} | dict2items | items2dict }}", {"v": [1, 2]}),
]


@pytest.fixture
def memo(tmp_path):
    """The cache installed over a directory of the test's, with a count of real compilations."""
    template_memo.uninstall()
    directory = tmp_path / "templates"
    directory.mkdir(mode=0o700)
    assert template_memo.install(str(directory))
    yield directory
    template_memo.uninstall()


@pytest.fixture
def compilations(monkeypatch):
    """How many times Jinja generates code (what the cache saves)."""
    count = {"n": 0}
    original = jinja2.compiler.generate

    def counting(*args, **kwargs):
        count["n"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(jinja2.environment, "generate", counting)
    return count


def render(source, variables, **options):
    from ansible.template import Templar, trust_as_template

    templar = Templar(variables=variables)
    return templar.template(trust_as_template(source), **options)


def evaluate(expression, variables):
    from ansible.template import Templar, trust_as_template

    return Templar(variables=variables).evaluate_expression(trust_as_template(expression))


def test_each_template_renders_the_same_cached_as_compiled_and_is_compiled_once(memo, compilations):
    template_memo.uninstall()
    plain = [render(source, variables) for source, variables in TEMPLATES]
    compiled_without = compilations["n"]
    assert compiled_without >= len(TEMPLATES)

    assert template_memo.install(str(memo))
    compilations["n"] = 0
    first = [render(source, variables) for source, variables in TEMPLATES]
    assert first == plain
    assert compilations["n"] == compiled_without
    stored = [name for name in os.listdir(memo) if not name.startswith(".")]
    assert len(stored) >= len(TEMPLATES)

    # A new worker: nothing in memory, everything on disk.
    template_memo._MEMORY.clear()
    compilations["n"] = 0
    again = [render(source, variables) for source, variables in TEMPLATES]
    assert again == plain
    assert compilations["n"] == 0


def test_an_expression_is_cached_apart_from_a_template_of_the_same_text(memo, compilations):
    assert evaluate("a + 1", {"a": 41}) == 42
    assert render("a + 1", {"a": 41}) == "a + 1"
    template_memo._MEMORY.clear()
    compilations["n"] = 0
    assert evaluate("a + 1", {"a": 1}) == 2
    assert evaluate("[a, a] | length", {"a": 1}) == 2
    assert compilations["n"] == 1  # only the new expression


def test_backslash_escaping_is_part_of_the_key(memo):
    source = "{{ 'a\\nb' }}"
    escaped = render(source, {})
    not_escaped = render(source, {}, escape_backslashes=False)
    assert escaped != not_escaped
    template_memo._MEMORY.clear()
    assert render(source, {}) == escaped
    assert render(source, {}, escape_backslashes=False) == not_escaped


def test_a_stored_template_whose_filter_is_now_called_differently_is_compiled_again(memo, compilations):
    source = "{{ a | combine(b) }}"
    assert render(source, {"a": {}, "b": {"z": 1}}) == {"z": 1}
    [key] = [name for name in os.listdir(memo) if not name.startswith(".")]
    import marshal

    version, dependencies, code = marshal.loads((memo / key).read_bytes())  # noqa: S302 - the test's own file
    assert ("filter", "combine", None) in dependencies
    # As if, when it was stored, combine had taken the context: the code calls it with one more argument.
    changed = tuple(("filter", "combine", "context") if dep[1] == "combine" else dep for dep in dependencies)
    (memo / key).write_bytes(marshal.dumps((version, changed, code)))
    template_memo._MEMORY.clear()
    compilations["n"] = 0
    assert render(source, {"a": {}, "b": {"z": 2}}) == {"z": 2}
    assert compilations["n"] == 1


def test_a_damaged_entry_is_compiled_again(memo, compilations):
    source = "{{ n * 2 }}"
    assert render(source, {"n": 2}) == 4
    for name in os.listdir(memo):
        (memo / name).write_bytes(b"\x00not marshal")
    template_memo._MEMORY.clear()
    compilations["n"] = 0
    assert render(source, {"n": 3}) == 6
    assert compilations["n"] == 1


def test_a_template_that_does_not_compile_fails_as_it_does_without_the_cache(memo):
    from ansible.errors import AnsibleError

    with pytest.raises(AnsibleError) as cached:
        render("{{ a | no_such_filter_here }}", {"a": 1})
    template_memo.uninstall()
    with pytest.raises(AnsibleError) as plain:
        render("{{ a | no_such_filter_here }}", {"a": 1})
    assert type(cached.value) is type(plain.value)
    assert "no_such_filter_here" in str(cached.value)


def test_the_default_directory_is_private_and_named_by_the_versions(tmp_path, monkeypatch):
    import jinja2
    from ansible.release import __version__

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    path = Path(template_memo.cache_directory())
    assert path.parent == tmp_path / f"ninetynine-warm-{os.getuid()}"
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert path.name == f"templates-{__version__}-jinja{jinja2.__version__}-py{python}"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o700


PRELOAD = """
import json, sys
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

_AnsibleCollectionFinder(paths=[sys.argv[1]])._install()
from ansible_collections.ninetynine.trading_infra.plugins.callback.warm_controller import preload_plugins

loaded = preload_plugins()
print(json.dumps({"loaded": loaded, "modules": sorted(sys.modules)}))
"""


def test_plugins_are_loaded_before_the_fork():
    done = subprocess.run(
        [sys.executable, "-c", PRELOAD, str(REPO / "collections")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "WARNING" not in done.stderr, done.stderr
    result = json.loads(done.stdout)
    for name in (
        "ansible.builtin.combine",
        "ansible.builtin.defined",
        "ansible_collections.ninetynine.trading_infra.plugins.filter.network",
        "ninetynine.trading_infra.warm_local",
        "ansible.builtin.env",
    ):
        assert name in result["loaded"]
    for module in (
        "ansible_collections.ninetynine.trading_infra.plugins.filter.compliance",
        "ansible_collections.ninetynine.trading_infra.plugins.connection.warm_local",
        "ansible_collections.ansible.builtin.plugins.lookup.env",
    ):
        assert module in result["modules"]


PLAY = """
- hosts: localhost
  gather_facts: false
  vars:
    base: {a: 1}
    merged: "{{ base | combine({'b': probe | int}) }}"
  tasks:
    - name: Render through a filter of the collection and core ones
      ansible.builtin.debug:
        msg: "{{ merged | to_json }} {{ names | ninetynine.trading_infra.derived_name_errors('dev') }}"
      vars:
        names: [{var: x, kind: iam_role, value: ok-name}]
      when: probe | int > 0
"""


def _run(tmp_path, **extra):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY)
    env = ansible_env(0, TMPDIR=str(tmp_path / "tmp"), ANSIBLE_STDOUT_CALLBACK="json", **extra)
    (tmp_path / "tmp").mkdir(exist_ok=True)
    done = subprocess.run(
        [PLAYBOOK, str(playbook), "-i", "localhost,", "-c", "local", "-e", "probe=3"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [task] = json.loads(done.stdout)["plays"][0]["tasks"]
    return task["hosts"]["localhost"]["msg"]


def test_a_second_run_compiles_nothing_new_and_prints_the_same(tmp_path):
    cache = tmp_path / "tmp" / f"ninetynine-warm-{os.getuid()}"
    first = _run(tmp_path)
    assert first == '{"a": 1, "b": 3} []'
    [directory] = [path for path in cache.iterdir() if path.name.startswith("templates-")]
    entries = sorted(path.name for path in directory.iterdir())
    assert entries
    times = {name: (directory / name).stat().st_mtime_ns for name in entries}
    assert _run(tmp_path) == first
    assert sorted(path.name for path in directory.iterdir()) == entries
    assert {name: (directory / name).stat().st_mtime_ns for name in entries} == times


def test_turned_off_it_keeps_nothing(tmp_path):
    assert _run(tmp_path, TRADING_WARM_CONTROLLER="0") == '{"a": 1, "b": 3} []'
    cache = tmp_path / "tmp" / f"ninetynine-warm-{os.getuid()}"
    assert not cache.exists() or not [path for path in cache.iterdir() if path.name.startswith("templates-")]
