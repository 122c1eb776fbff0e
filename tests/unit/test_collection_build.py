"""`ansible-galaxy collection build`: the tarball holds what runs, and nothing else.

The build runs on this clone as it is (with its .venv, caches, the local AWS's state and anything a
test run leaves behind), the way a maintainer builds a release. galaxy.yml's build_ignore says what
is left out and why.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path, PurePosixPath

import pytest
import yaml

from tests.helpers import REPO

BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())

# The tarball's top level, exactly.
SHIPPED_TOP = {
    "CHANGELOG.rst",
    "FILES.json",
    "LICENSE",
    "MANIFEST.json",
    "README.md",
    "bindep.txt",
    "changelogs",
    "docs",
    "meta",
    "playbooks",
    "plugins",
    "requirements.txt",
    "requirements.yml",
    "roles",
    "site.yml",
    "tests",
}
# Every file git tracks under these is shipped: what the installed collection runs.
SHIPPED_WHOLE = ("plugins", "roles", "playbooks", "meta", "tests/sanity", "docs/docsite")


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("collection")
    build = subprocess.run(
        [BIN / "ansible-galaxy", "collection", "build", "--output-path", out, REPO],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (path,) = out.glob("*.tar.gz")
    return path


@pytest.fixture(scope="module")
def members(tarball) -> list[str]:
    """Every file's path in the tarball (directories are not listed)."""
    with tarfile.open(tarball) as tar:
        return [m.name for m in tar.getmembers() if not m.isdir()]


def test_the_tarball_is_named_after_galaxy_yml(tarball):
    assert tarball.name == f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"


def test_the_top_level_is_exactly_what_runs_and_its_papers(members):
    assert {PurePosixPath(m).parts[0] for m in members} == SHIPPED_TOP


def test_no_hidden_file_cache_or_build_output_anywhere(members):
    bad = [
        m
        for m in members
        if any(part.startswith(".") or part in ("__pycache__", "output") for part in PurePosixPath(m).parts)
        or m.endswith((".pyc", ".pid", ".log", ".tar.gz", ".retry"))
    ]
    assert bad == []


def test_of_the_tests_only_the_sanity_ignore_files_ship(members):
    assert sorted(m for m in members if m.startswith("tests/")) == sorted(
        str(p.relative_to(REPO)) for p in (REPO / "tests" / "sanity").glob("ignore-*.txt")
    )


def test_every_tracked_file_of_what_runs_ships(members):
    tracked = subprocess.run(
        ["git", "ls-files", "--", *SHIPPED_WHOLE],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(tracked) > 100
    assert sorted(set(tracked) - set(members)) == []


def test_the_manifest_declares_galaxy_yml_dependencies_and_licence(tarball):
    with tarfile.open(tarball) as tar:
        info = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
    assert info["dependencies"] == GALAXY["dependencies"]
    assert info["license"] == ["Apache-2.0"]
    assert info["version"] == GALAXY["version"]


def test_the_installed_tarball_documents_and_lists_its_modules(tarball, tmp_path):
    # Away from the clone, whose ansible.cfg would find the collection in the clone itself.
    env = {"PATH": str(BIN), "HOME": str(tmp_path), "ANSIBLE_COLLECTIONS_PATH": str(tmp_path)}
    install = subprocess.run(
        [BIN / "ansible-galaxy", "collection", "install", "--offline", "--no-deps", "-p", tmp_path, tarball],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    listed = subprocess.run(
        [BIN / "ansible-doc", "-t", "module", "--list", "--json", "ninetynine.trading_infra"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
    )
    assert listed.returncode == 0, listed.stderr
    modules = json.loads(listed.stdout)
    shipped = {f"ninetynine.trading_infra.{p.stem}" for p in (REPO / "plugins" / "modules").glob("*.py")}
    assert set(modules) == shipped
    installed = tmp_path / "ansible_collections" / "ninetynine" / "trading_infra"
    assert (installed / "roles" / "network" / "meta" / "argument_specs.yml").is_file()
