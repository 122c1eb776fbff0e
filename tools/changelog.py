"""CHANGELOG.rst from the changelog fragments (antsibull-changelog), rendered as it will read at the next release.

The changelog is kept the way amazon.aws keeps its own: changelogs/config.yaml, changelogs/changelog.yaml
(the releases made so far) and changelogs/fragments/ (one YAML file per change, with sections such as
minor_changes or bugfixes; see changelogs/config.yaml). A release (`antsibull-changelog release`) moves
the fragments into changelog.yaml, and `antsibull-changelog generate` renders CHANGELOG.rst from
changelog.yaml alone, so before the first release it would render nothing but a title. This script
renders what the release of galaxy.yml's version will produce:

- galaxy.yml's version not released yet (not in changelog.yaml): galaxy.yml, changelogs/ (without the
  plugin cache), meta/, plugins/ and roles/ are copied (tools.layout) to
  <tmp>/ansible_collections/<namespace>/<name>, outside the clone; `antsibull-changelog release
  --version <version> --date 1970-01-01` then `antsibull-changelog generate` run there, and only the
  resulting CHANGELOG.rst is copied back. The clone's changelog.yaml and fragments stay as they are.
  The release lists the new modules and plugins (those whose `version_added` is the version) from
  `ansible-doc --metadata-dump` of the copy, with ANSIBLE_COLLECTIONS_PATH and an empty ANSIBLE_CONFIG
  of the temporary directory, so that neither the clone's ansible.cfg nor the caller's ANSIBLE_*
  variables change the result.
- galaxy.yml's version released (`antsibull-changelog release` was run for it): `antsibull-changelog
  generate` in place.

The release date is a fixed placeholder (1970-01-01), not today: antsibull-changelog writes it in
changelog.yaml only (the reStructuredText changelog shows no dates), and that changelog.yaml is the
temporary copy's, thrown away, so the rendered file does not depend on the day it is made and
`--check` gives the same answer every day. The real date is the one `antsibull-changelog release`
records at the release.

    python -m tools.changelog            # write CHANGELOG.rst
    python -m tools.changelog --check    # lint the fragments; fail if CHANGELOG.rst is not what they render
    python -m tools.changelog --check --root DIR   # the same on another copy of the collection

antsibull-changelog and ansible-doc are taken beside this interpreter (the virtualenv's), else from
PATH (requirements-dev.txt pins antsibull-changelog). Standard library only: galaxy.yml and
changelog.yaml are read for two values with regular expressions.
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a file (python tools/X.py): the clone is where `tools` is found
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.layout import LayoutError, executable, galaxy_field, isolated_env, lay_out

REPO = Path(__file__).resolve().parent.parent
CHANGELOG = "CHANGELOG.rst"
# What antsibull-changelog reads: the collection's identity, the changelog, and what ansible-doc documents.
COPIED = ("galaxy.yml", "changelogs", "meta", "plugins", "roles")
PLACEHOLDER_DATE = "1970-01-01"  # see the docstring: never rendered, and the same every day
ChangelogError = LayoutError  # a step failed; the message says which and why


def is_released(root: Path, version: str) -> bool:
    """Whether changelogs/changelog.yaml holds ``version`` (a key under ``releases:``, as antsibull writes it)."""
    text = (root / "changelogs" / "changelog.yaml").read_text()
    return re.search(rf"^  ['\"]?{re.escape(version)}['\"]?:", text, re.MULTILINE) is not None


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None, verbose: bool = False) -> str:
    """Run ``command``; its output (shown with --verbose) is returned, or raised with the failure."""
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    output = (proc.stdout + proc.stderr).strip()
    if verbose and output:
        print(output, file=sys.stderr)
    if proc.returncode != 0:
        raise ChangelogError(f"{' '.join(command)} (in {cwd}) failed with {proc.returncode}:\n{output}")
    return output


def lay_out_for_release(root: Path, scratch: Path) -> Path:
    """The files antsibull-changelog needs (COPIED), laid out in ``scratch`` as tools.layout does."""
    collection = lay_out(scratch, root=root, only=COPIED)
    config = collection / "changelogs" / "config.yaml"
    # The copy is not in a Git work tree; "auto" would look for one (and, should the temporary directory
    # be inside another repository, copy that repository's files for ansible-doc instead of these).
    text = config.read_text()
    text, found = re.subn(r"^vcs:.*$", "vcs: none", text, flags=re.MULTILINE)
    config.write_text(text if found else text + "vcs: none\n")
    return collection


def render(root: Path, verbose: bool = False) -> str:
    """The text of CHANGELOG.rst as the fragments and releases of ``root`` render it (``root`` unchanged)."""
    antsibull = executable("antsibull-changelog")
    version = galaxy_field(root, "version")
    with tempfile.TemporaryDirectory(prefix="trading-changelog-") as tmp:
        scratch = Path(tmp).resolve()
        if is_released(root, version):
            output = scratch / CHANGELOG
            run([antsibull, "generate", "--output", str(output)], cwd=root, verbose=verbose)
            return output.read_text()
        collection = lay_out_for_release(root, scratch)
        env = isolated_env(scratch)
        ansible_doc = ["--ansible-doc-bin", executable("ansible-doc")]
        run(
            [antsibull, "release", "--version", version, "--date", PLACEHOLDER_DATE, *ansible_doc],
            cwd=collection,
            env=env,
            verbose=verbose,
        )
        run([antsibull, "generate"], cwd=collection, env=env, verbose=verbose)
        text = (collection / CHANGELOG).read_text()
        if str(scratch) in text or tmp in text:
            raise ChangelogError(f"the rendered {CHANGELOG} names the temporary directory {scratch}")
        return text


def write(root: Path, verbose: bool = False) -> int:
    version = galaxy_field(root, "version")
    target = root / CHANGELOG
    if is_released(root, version):
        run([executable("antsibull-changelog"), "generate"], cwd=root, verbose=verbose)
        print(f"{target}: generated (version {version} is released)")
        return 0
    text = render(root, verbose=verbose)
    if target.is_file() and target.read_text() == text:
        print(f"{target}: up to date (as version {version} will be released)")
    else:
        target.write_text(text)
        print(f"{target}: written (as version {version} will be released)")
    return 0


def check(root: Path, verbose: bool = False) -> int:
    """Lint the fragments and compare CHANGELOG.rst with what they render; 0 if both pass.

    The lint (about a second and a half: docutils on every entry) runs beside the rendering (ansible-doc
    over the whole collection, about four seconds), on the other core.
    """
    command = [executable("antsibull-changelog"), "lint"]
    lint = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # noqa: S603
    try:
        wanted, failure = render(root, verbose=verbose), None
    except ChangelogError as exc:  # a fragment lint refuses may break the release too: lint says why
        wanted, failure = "", exc
    finally:
        problems = lint.communicate()[0].strip()
    if lint.returncode != 0 or problems:  # one line per problem, each naming its fragment
        print(f"{root / 'changelogs'}: antsibull-changelog lint (exit {lint.returncode}):\n{problems}", file=sys.stderr)
        return 1
    if failure:
        raise failure
    target = root / CHANGELOG
    current = target.read_text() if target.is_file() else ""
    if current == wanted:
        print(f"{target}: up to date with changelogs/")
        return 0
    diff = difflib.unified_diff(
        current.splitlines(keepends=True),
        wanted.splitlines(keepends=True),
        fromfile=f"{CHANGELOG} (as it is)",
        tofile=f"{CHANGELOG} (as changelogs/ renders it)",
    )
    lines = list(diff)
    shown = "".join(lines[:80]) + (f"... ({len(lines) - 80} more diff lines)\n" if len(lines) > 80 else "")
    state = "differs from what changelogs/ renders" if target.is_file() else "is missing"
    shown = shown if target.is_file() else ""  # the whole file as a diff would say nothing more
    print(f"{target} {state}: run `python -m tools.changelog` and commit it.\n{shown}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.changelog",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "examples:\n"
            "  python -m tools.changelog            write CHANGELOG.rst\n"
            "  python -m tools.changelog --check    changes nothing (for make lint and CI)\n\n"
            "exit status: 0 done or up to date; 1 lint errors or CHANGELOG.rst out of date (--check);\n"
            "2 a step failed (antsibull-changelog, ansible-doc). The release date given to antsibull is the\n"
            f"fixed placeholder {PLACEHOLDER_DATE}: it is not rendered, and the result is the same every day."
        ),
        description=(
            "Render CHANGELOG.rst from changelogs/ (antsibull-changelog) as it will read once galaxy.yml's "
            "version is released, in a temporary copy outside the clone; the clone's changelog.yaml and "
            "fragments are not changed. With --check, lint the fragments and fail when CHANGELOG.rst "
            "differs from what they render."
        ),
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing: run `antsibull-changelog lint` and exit 1 if CHANGELOG.rst is not up to date",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=REPO,
        metavar="DIR",
        help="the collection's directory (galaxy.yml, changelogs/); default: the clone holding this script",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show antsibull-changelog's and ansible-doc's output"
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if not (root / "galaxy.yml").is_file() or not (root / "changelogs" / "config.yaml").is_file():
        parser.error(f"{root} holds no galaxy.yml and changelogs/config.yaml")
    try:
        return check(root, args.verbose) if args.check else write(root, args.verbose)
    except ChangelogError as exc:
        print(f"tools.changelog: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
