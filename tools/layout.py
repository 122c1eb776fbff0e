"""The collection laid out as ansible_collections/<namespace>/<name> outside the clone, and an environment
that sees only that layout: what tools.sanity (ansible-test), tools.changelog (antsibull-changelog) and
tools.docs (antsibull-docs) share.

Why outside the clone, and why the environment is cleaned:

- ansible-test and antsibull-docs ask git for a collection's files when it is inside a work tree. Inside
  this clone, git ignores the layout (and .venv, where amazon.aws lives), so they would find no file;
  GIT_CEILING_DIRECTORIES stops git's search at the clone for the dependencies linked from .venv.
- The clone's ansible.cfg puts ./collections (a link back into the clone) first on the collections path,
  and the caller's ANSIBLE_* variables could point anywhere: an empty ansible.cfg of the scratch
  directory and the scratch directory first on ANSIBLE_COLLECTIONS_PATH mean the tools read the copy,
  whoever runs them.
- HOME is the scratch directory's home/, so nothing is read from or written to the caller's
  ~/.ansible (ansible-test's pip bootstrap cache goes there: see tools.sanity).

Standard library only: galaxy.yml is read for two values with a regular expression.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# What the collection needs beside it: galaxy.yml's dependencies and the ones its tests import.
DEPENDENCIES = ("amazon.aws", "community.aws", "kubernetes.core", "ansible.posix")
# Never copied: byte code, and antsibull-changelog's plugin cache (keyed on the version only, so a stale
# one would hide plugins added since it was written).
NOT_COPIED = ("__pycache__", ".plugin-cache.yaml")
# ansible-core's default collections paths, searched after the layout.
DEFAULT_COLLECTIONS_PATHS = ("~/.ansible/collections", "/usr/share/ansible/collections")


class LayoutError(Exception):
    """The collection cannot be laid out; the message says why."""


def executable(name: str) -> str:
    """``name`` beside this interpreter (the virtualenv's bin/), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise LayoutError(f"{name} not found beside {sys.executable} nor on PATH (pip install -r requirements-dev.txt)")
    return found


def galaxy_field(root: Path, field: str) -> str:
    match = re.search(rf"^{field}:\s*['\"]?([^'\"\s#]+)", (root / "galaxy.yml").read_text(), re.MULTILINE)
    if not match:
        raise LayoutError(f"{root / 'galaxy.yml'}: no {field}")
    return match.group(1)


def collection_files(root: Path) -> list[str]:
    """The collection's files, relative to ``root``.

    In a git work tree whose top is ``root``: what git tracks and the new files it does not ignore
    (deleted files, and the collections/ link back into the clone, are left out). Anywhere else (a copy
    of the collection, as the tests make): every file under ``root``.
    """
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],  # noqa: S607 - the caller's git
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GIT_CEILING_DIRECTORIES": str(root.parent)},
    )
    if top.returncode == 0 and Path(top.stdout.strip()).resolve() == root.resolve():
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        names = [name for name in listed.split("\0") if name]
    else:
        names = [str(path.relative_to(root)) for path in root.rglob("*")]
    return sorted(
        name
        for name in names
        if not set(Path(name).parts) & set(NOT_COPIED)
        and not name.endswith(".pyc")
        and not (root / name).is_symlink()
        and (root / name).is_file()
    )


def installed_collections_root() -> Path:
    """The ansible_collections directory of this interpreter's `ansible` package (amazon.aws and the rest)."""
    for entry in sys.path:
        if (Path(entry) / "ansible_collections" / "amazon" / "aws").is_dir():
            return Path(entry) / "ansible_collections"
    raise LayoutError(f"amazon.aws is not installed for {sys.executable} (pip install -r requirements.txt)")


def lay_out(
    scratch: Path,
    root: Path = REPO,
    only: Iterable[str] | None = None,
    dependencies: Iterable[str] = DEPENDENCIES,
) -> Path:
    """Copy the collection at ``root`` to scratch/ansible_collections/<namespace>/<name>; the copy's path.

    ``only`` keeps the top-level entries named (galaxy.yml, plugins, ...). Each of ``dependencies`` is
    linked beside the copy from the installed `ansible` package.
    """
    scratch = scratch.resolve()
    if scratch.is_relative_to(root.resolve()):
        raise LayoutError(f"the scratch directory {scratch} is inside {root}: set TMPDIR elsewhere")
    namespaces = scratch / "ansible_collections"
    collection = namespaces / galaxy_field(root, "namespace") / galaxy_field(root, "name")
    collection.mkdir(parents=True)
    kept = set(only) if only is not None else None
    for name in collection_files(root):
        if kept is not None and Path(name).parts[0] not in kept:
            continue
        target = collection / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    dependencies = tuple(dependencies)
    installed = installed_collections_root() if dependencies else None
    for fqcn in dependencies:
        namespace, name = fqcn.split(".")
        link = namespaces / namespace / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(installed / namespace / name)
    return collection


def isolated_env(scratch: Path, tools: Iterable[str] = ("ansible-doc",)) -> dict[str, str]:
    """The caller's environment without its ANSIBLE_* settings, reading the layout of ``scratch`` first.

    The directories of ``tools`` (found by executable()) come first on PATH, so that the tools those
    call (antsibull-changelog calls ansible-doc) are this interpreter's.
    """
    scratch = scratch.resolve()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    empty_config = scratch / "ansible.cfg"
    empty_config.write_text("[defaults]\n")
    home = scratch / "home"
    home.mkdir(exist_ok=True)
    bins = dict.fromkeys(str(Path(executable(name)).parent) for name in tools)
    # git asked about a linked dependency stops below the directory that holds them, wherever that is
    # (a virtualenv inside this clone, or one inside another work tree).
    try:
        ceilings = [str(REPO), str(scratch.parent), str(installed_collections_root().resolve())]
    except LayoutError:
        ceilings = [str(REPO), str(scratch.parent)]
    env.update(
        ANSIBLE_CONFIG=str(empty_config),
        ANSIBLE_COLLECTIONS_PATH=os.pathsep.join((str(scratch), *DEFAULT_COLLECTIONS_PATHS)),
        ANSIBLE_LOCAL_TEMP=str(scratch / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
        GIT_CEILING_DIRECTORIES=os.pathsep.join(filter(None, (*ceilings, env.get("GIT_CEILING_DIRECTORIES")))),
        HOME=str(home),
        PATH=os.pathsep.join((*bins, env.get("PATH", ""))),
    )
    return env
