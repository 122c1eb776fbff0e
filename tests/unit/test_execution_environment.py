"""The execution environment: execution-environment.yml builds a context that holds every dependency.

No container engine runs here, so the image itself is not built: `ansible-builder create` writes
the build context (the same command `make ee-context` runs), and these tests read what is in it,
and run the introspection the build runs (`ansible-builder introspect`) on the collection as it
would be installed in the image.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import ansible
import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tests.helpers import REPO, installed_collection_version, pins

BIN = Path(sys.executable).parent
COLLECTIONS = Path(next(p for p in sys.path if (Path(p) / "ansible_collections" / "amazon" / "aws").is_dir()))
DEPENDENCIES = ("amazon.aws", "community.aws", "kubernetes.core")


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """The collection built as for a release, then `ansible-builder create` next to a copy of the EE file."""
    work = tmp_path_factory.mktemp("ee")
    shutil.copy(REPO / "execution-environment.yml", work)
    shutil.copy(REPO / "bindep.txt", work)
    build = subprocess.run(
        [BIN / "ansible-galaxy", "collection", "build", "--output-path", work / "build" / "collection", REPO],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    create = subprocess.run(
        [
            *(BIN / "ansible-builder", "create", "-f", work / "execution-environment.yml"),
            *("-c", work / "context", "--output-filename", "Containerfile"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert create.returncode == 0, create.stdout + create.stderr
    return work / "context"


def test_the_context_pins_the_newest_combination_the_matrix_tests(context):
    containerfile = (context / "Containerfile").read_text()
    newest = pins(REPO / "requirements-newest.txt")
    assert f"ansible-core=={newest['ansible-core']}" in containerfile
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile and 'EE_BASE_IMAGE="quay.io/centos/centos:stream10"' in (
        containerfile
    )
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    in_image = {c["name"]: c["version"] for c in galaxy["collections"]}
    assert set(in_image) == set(DEPENDENCIES)
    ranges = yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"]
    for name, version in in_image.items():
        assert Version(version) in SpecifierSet(ranges[name]), (name, version, ranges[name])
    if Version(ansible.__version__) == Version(newest["ansible-core"]):
        # In the newest combination's own environment (tox -e newest): the versions it runs.
        assert in_image == {c: installed_collection_version(c) for c in DEPENDENCIES}
    python = pins(context / "_build" / "requirements.txt")
    assert python == {name: newest[name] for name in ("boto3", "botocore", "kubernetes")}
    assert (context / "_build" / "bindep.txt").read_text() == (REPO / "bindep.txt").read_text()


def test_the_context_carries_the_collection_and_installs_it_with_its_dependencies(context):
    (tarball,) = (context / "_build" / "trading_infra").glob("*.tar.gz")
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    assert tarball.name == f"ninetynine-trading_infra-{version}.tar.gz"
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    for needed in (
        "meta/execution-environment.yml",
        "meta/runtime.yml",
        "requirements.txt",
        "meta/ee-requirements.txt",
        "bindep.txt",
        "playbooks/site.yml",
        "playbooks/teardown.yml",
        "playbooks/drift.yml",
        "plugins/modules/eks_cluster.py",
        "plugins/callback/drift.py",
        "roles/network/tasks/main.yml",
    ):
        assert needed in names, needed
    assert not any(n.startswith(("build/", ".venv/", "collections/")) for n in names)
    assert set(manifest["collection_info"]["dependencies"]) == set(DEPENDENCIES)
    containerfile = (context / "Containerfile").read_text()
    galaxy_stage = containerfile.split("FROM base AS galaxy", 1)[1].split("FROM base AS builder", 1)[0]
    # Installed in the galaxy stage, after its dependencies, so that the builder stage's
    # introspection reads its requirement files.
    assert galaxy_stage.index("-r requirements.yml") < galaxy_stage.index("/tmp/trading_infra/ninetynine-trading_infra")
    assert "--offline --no-deps" in galaxy_stage


def test_the_introspection_finds_the_collections_python_and_system_needs(context, tmp_path):
    """What the image's builder stage runs, on the collection and its dependencies as installed."""
    installed = tmp_path / "ansible_collections"
    (tarball,) = (context / "_build" / "trading_infra").glob("*.tar.gz")
    target = installed / "ninetynine" / "trading_infra"
    target.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        tar.extractall(target, filter="data")
    for dep in DEPENDENCIES:
        namespace, name = dep.split(".")
        (installed / namespace).mkdir(exist_ok=True)
        (installed / namespace / name).symlink_to(COLLECTIONS / "ansible_collections" / namespace / name)
    result = subprocess.run(
        [BIN / "ansible-builder", "introspect", "--sanitize", tmp_path],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    found = yaml.safe_load(result.stdout)
    python = " ".join(found["python"])
    assert "ansible-core" not in python and "ansible==" not in python  # the image's own
    # The collection's ranges, each admitting the exact version the image pins.
    image = pins(REPO / "requirements-newest.txt")
    for raw in (REPO / "meta" / "ee-requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, spec = line.split(">", 1)[0], ">" + line.split(">", 1)[1]
        assert f"{name}{spec}" in python and "ninetynine.trading_infra" in python, (name, python)
        assert Version(image[name]) in SpecifierSet(spec), (name, image[name], spec)
    assert any(line.startswith("ca-certificates") for line in found["system"]), found["system"]
