"""The changelog: fragments in changelogs/fragments/, CHANGELOG.rst rendered from them by tools/changelog.py.

No local AWS: antsibull-changelog and ansible-doc only. The tool runs against this clone for the check
that must pass, and against copies in tmp_path (``--root``) for the checks that must fail and for the
real release, so that the clone is never changed.
"""

from __future__ import annotations

import ast
import datetime
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO

BIN = Path(sys.executable).parent
CHANGELOGS = REPO / "changelogs"
CONFIG = yaml.safe_load((CHANGELOGS / "config.yaml").read_text())
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())
FQCN = f"{GALAXY['namespace']}.{GALAXY['name']}"
FRAGMENTS = sorted((CHANGELOGS / "fragments").iterdir())
FIRST_RELEASE = "1.0.0"  # its section stays in CHANGELOG.rst once released, its fragments then gone
# What tools/changelog.py copies, and the rendered file.
COPIED = ("galaxy.yml", "changelogs", "meta", "plugins", "roles", "CHANGELOG.rst")


def tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.changelog", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def copy_of_the_collection(target: Path, names: tuple[str, ...] = COPIED) -> Path:
    """The files the tool reads, copied from this clone (uncommitted changes included)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns(".plugin-cache.yaml", "__pycache__"))
        else:
            shutil.copy2(source, target / name)
    return target


def words(text: str) -> str:
    return " ".join(text.split())


def section(rst: str, title: str) -> str:
    """The body of the section titled ``title``, subsections included (antsibull underlines = - ~ ^)."""
    levels = "=-~^"
    match = re.search(rf"^{re.escape(title)}\n([=~^-])\1+\n", rst, re.M)
    assert match, f"no section {title!r} in CHANGELOG.rst"
    level = levels.index(match.group(1))
    ends = "".join(re.escape(c) for c in levels[: level + 1])
    end = re.search(rf"^\S[^\n]*\n([{ends}])\1+\n", rst[match.end() :], re.M)
    return rst[match.end() : match.end() + end.start()] if end else rst[match.end() :]


def documented_version_added(path: Path) -> str | None:
    """version_added of a Python plugin's DOCUMENTATION."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            return yaml.safe_load(node.value.value).get("version_added")
    return None


def snapshot(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_every_fragment_parses_and_uses_only_the_configured_sections():
    # The trivial section (changes to the development tools) is accepted and never rendered.
    allowed = {name for name, _ in CONFIG["sections"]} | {
        CONFIG["prelude_section_name"],
        CONFIG["trivial_section_name"],
    }
    summaries = []
    for path in FRAGMENTS:
        assert path.suffix in (".yml", ".yaml"), f"{path.name}: antsibull-changelog reads only .yml/.yaml"
        content = yaml.safe_load(path.read_text())
        assert isinstance(content, dict) and content, f"{path.name}: not a mapping of sections"
        assert set(content) <= allowed, f"{path.name}: unknown sections {sorted(set(content) - allowed)}"
        for name, entries in content.items():
            if name == CONFIG["prelude_section_name"]:
                assert isinstance(entries, str) and entries.strip(), f"{path.name}: {name} is not a text"
                summaries.append(path.name)
                continue
            assert isinstance(entries, list) and entries, f"{path.name}: {name} is not a list of entries"
            assert all(isinstance(e, str) and e.strip() for e in entries), f"{path.name}: {name} has an empty entry"
    assert len(summaries) <= 1, f"one release summary for the next release, found {summaries}"


def test_the_configuration_is_the_one_described():
    assert CONFIG["changelog_filename_template"] == "../CHANGELOG.rst"
    assert CONFIG["keep_fragments"] is False
    assert [name for name, _ in CONFIG["sections"]] == [
        "major_changes",
        "minor_changes",
        "breaking_changes",
        "deprecated_features",
        "removed_features",
        "security_fixes",
        "bugfixes",
        "known_issues",
    ]
    assert "changelogs/.plugin-cache.yaml" in (REPO / ".gitignore").read_text().splitlines()


def test_check_passes_on_the_tree_and_changes_nothing():
    before = snapshot(CHANGELOGS), (REPO / "CHANGELOG.rst").read_bytes()
    proc = tool("--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "CHANGELOG.rst: up to date" in proc.stdout
    assert (snapshot(CHANGELOGS), (REPO / "CHANGELOG.rst").read_bytes()) == before
    assert not (CHANGELOGS / ".plugin-cache.yaml").exists()


def test_check_fails_when_changelog_rst_is_altered(tmp_path):
    copy = copy_of_the_collection(tmp_path / "collection")
    rendered = copy / "CHANGELOG.rst"
    rendered.write_text(rendered.read_text().replace("Bugfixes\n--------\n", "Bugfixes\n--------\n\n- Made up.\n", 1))
    proc = tool("--check", "--root", str(copy))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{rendered} differs from what changelogs/ renders" in proc.stderr
    assert "-- Made up." in proc.stderr  # the diff shows the line that should not be there


def test_check_fails_on_a_fragment_lint_refuses(tmp_path):
    copy = copy_of_the_collection(tmp_path / "collection", ("galaxy.yml", "changelogs"))  # no plugin: faster
    bad = copy / "changelogs" / "fragments" / "bad.yml"
    bad.write_text("minor_change:\n  - A section antsibull-changelog does not know.\n")
    proc = tool("--check", "--root", str(copy))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "changelogs/fragments/bad.yml" in proc.stderr and "invalid section: minor_change" in proc.stderr


def first_release_summary() -> str:
    """1.0.0's release summary: in its fragment until the release, in changelog.yaml after it."""
    releases = yaml.safe_load((CHANGELOGS / "changelog.yaml").read_text())["releases"] or {}
    if FIRST_RELEASE in releases:
        return releases[FIRST_RELEASE]["changes"]["release_summary"]
    (summary,) = [
        text
        for path in FRAGMENTS
        if (text := yaml.safe_load(path.read_text()).get(CONFIG["prelude_section_name"])) is not None
    ]
    return summary


def test_rendered_changelog_holds_every_entry_the_release_summary_and_the_new_plugins():
    rst = (REPO / "CHANGELOG.rst").read_text()
    assert rst.startswith("=" * 39 + "\nNinetynine.Trading\\_Infra Release Notes\n")
    flat = words(rst)
    for path in FRAGMENTS:
        for name, entries in yaml.safe_load(path.read_text()).items():
            for entry in [entries] if isinstance(entries, str) else entries:
                if name == CONFIG["trivial_section_name"]:
                    assert words(entry) not in flat, f"{path.name}: a trivial entry is rendered: {entry[:80]}"
                    continue
                assert words(entry) in flat, f"{path.name} ({name}) not rendered: {entry[:80]}"
    release = section(rst, f"v{FIRST_RELEASE}")
    summary = first_release_summary()
    assert words(summary) in words(section(release, "Release Summary"))
    assert "First release" in summary and '"Supported versions"' in summary
    new_modules = section(release, "New Modules")
    wanted = [
        p.stem
        for p in sorted((REPO / "plugins" / "modules").glob("*.py"))
        if documented_version_added(p) == FIRST_RELEASE
    ]
    assert len(wanted) >= 20, wanted
    for name in wanted:
        assert f"\n- {FQCN}.{name} - " in f"\n{new_modules}", f"{name} is not under New Modules"
    assert f"- {FQCN}.drift - " in section(release, "Callback")
    assert "1970-01-01" not in rst  # the placeholder release date is never rendered


def test_every_module_callback_and_connection_is_new_in_the_first_release():
    release = section((REPO / "CHANGELOG.rst").read_text(), f"v{FIRST_RELEASE}")
    listed = {
        "modules": section(release, "New Modules"),
        "callback": section(release, "Callback"),
        "connection": section(release, "Connection") if "\nConnection\n" in release else "",
    }
    missing = [
        f"{kind}/{p.stem}"
        for kind, text in listed.items()
        for p in sorted((REPO / "plugins" / kind).glob("*.py"))
        if not p.stem.startswith("_") and f"- {FQCN}.{p.stem} - " not in text
    ]
    assert not missing, f"not listed as new in {FIRST_RELEASE}: {missing}"


def test_every_role_is_new_in_the_first_release():
    rst = section((REPO / "CHANGELOG.rst").read_text(), f"v{FIRST_RELEASE}")
    roles = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "meta" / "argument_specs.yml").is_file())
    new_roles = section(rst, "New Roles") if "\nNew Roles\n" in rst else ""
    missing = [name for name in roles if f"- {FQCN}.{name} - " not in new_roles]
    assert not missing, f"roles not listed as new in {FIRST_RELEASE}: {missing}"


def test_the_preview_is_what_the_release_will_render(tmp_path):
    """antsibull-changelog release for real, in a copy elsewhere: the same CHANGELOG.rst, and the tool then
    takes the released path (generate in place)."""
    if GALAXY["version"] in (yaml.safe_load((CHANGELOGS / "changelog.yaml").read_text())["releases"] or {}):
        pytest.skip(f"{GALAXY['version']} is released: tools/changelog.py runs `antsibull-changelog generate` in place")
    copy = copy_of_the_collection(tmp_path / "elsewhere" / "collection")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    today = datetime.date.today().isoformat()
    release = subprocess.run(
        [BIN / "antsibull-changelog", "release", "--date", today, "--ansible-doc-bin", BIN / "ansible-doc"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert release.returncode == 0, release.stdout + release.stderr
    assert not list((copy / "changelogs" / "fragments").iterdir())  # keep_fragments: false
    released = yaml.safe_load((copy / "changelogs" / "changelog.yaml").read_text())["releases"]
    assert released[GALAXY["version"]]["release_date"] == today
    assert (copy / "CHANGELOG.rst").read_text() == (REPO / "CHANGELOG.rst").read_text()
    proc = tool("--root", str(copy))
    assert proc.returncode == 0 and f"version {GALAXY['version']} is released" in proc.stdout, proc.stderr
    assert (copy / "CHANGELOG.rst").read_text() == (REPO / "CHANGELOG.rst").read_text()
    proc = tool("--check", "--root", str(copy))
    assert proc.returncode == 0, proc.stdout + proc.stderr
