"""The supported range, as declared (meta/runtime.yml, galaxy.yml, requirements.yml) and as tested (tox.ini).

Each combination of the matrix runs this file: whatever ansible-core and collections the
environment holds must be inside every declared range, and both ends of the matrix must be pinned
inside them too.
"""

from __future__ import annotations

import configparser

import ansible
import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tests.helpers import REPO, installed_collection_version, pins

DECLARED = ("requirements.yml", "collections/requirements.yml")


def _requires_ansible() -> SpecifierSet:
    return SpecifierSet(yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["requires_ansible"])


def test_both_ends_of_the_matrix_are_inside_requires_ansible():
    wanted = _requires_ansible()
    oldest, newest = pins("requirements.txt")["ansible-core"], pins("requirements-newest.txt")["ansible-core"]
    assert Version(oldest) in wanted and Version(newest) in wanted, (oldest, newest, str(wanted))
    assert Version(oldest).release[:2] == (2, 19) and Version(newest).release[:2] == (2, 21)


def test_the_ansible_core_running_is_inside_requires_ansible():
    assert Version(ansible.__version__) in _requires_ansible(), ansible.__version__


@pytest.mark.parametrize("fqcn", ["amazon.aws", "community.aws", "kubernetes.core"])
def test_the_collections_running_are_inside_every_declared_range(fqcn):
    version = installed_collection_version(fqcn)
    assert version, f"{fqcn} is not installed"
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"]
    ranges = {"galaxy.yml": galaxy[fqcn]}
    for path in DECLARED:
        (entry,) = [c for c in yaml.safe_load((REPO / path).read_text())["collections"] if c["name"] == fqcn]
        ranges[path] = entry["version"]
    for where, spec in ranges.items():
        assert Version(version) in SpecifierSet(spec), f"{fqcn} {version} is outside {where}'s {spec}"


def test_both_requirement_files_declare_the_same_ranges():
    first, second = (yaml.safe_load((REPO / path).read_text())["collections"] for path in DECLARED)
    assert first == second


def test_the_matrix_runs_each_combination_from_its_own_pinned_files():
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO / "tox.ini")
    assert tox["tox"]["env_list"].replace(" ", "").split(",") == ["oldest", "newest"]
    oldest, newest = tox["testenv:oldest"], tox["testenv:newest"]
    assert oldest["base_python"] == "python3.11" and newest["base_python"] == "python3.13"
    assert "-c constraints.txt" in oldest["deps"] and "-r requirements-dev.txt" in oldest["deps"]
    assert "-c constraints-newest.txt" in newest["deps"] and "-r requirements-newest.txt" in newest["deps"]
    # Every exact pin of a combination's requirements is the one its constraints hold.
    for requirements, constraints in (
        ("requirements.txt", "constraints.txt"),
        ("requirements-newest.txt", "constraints-newest.txt"),
    ):
        held = pins(constraints)
        for name, version in pins(requirements).items():
            assert held.get(name) == version, f"{requirements} pins {name}=={version}, {constraints} {held.get(name)}"
