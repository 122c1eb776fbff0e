"""The collection's documentation, rendered by antsibull-docs and Sphinx, offline, every warning an error.

antsibull-docs reads the collection through ansible-doc, and copies the collection and its
dependencies to a scratch directory of its own first. For a copy it asks git when the source is
inside a git work tree; the dependencies installed in .venv (inside this clone, ignored by git)
would then copy as empty directories and every module's amazon.aws doc fragments would be
unknown. So this script lays out the collection and its dependencies outside the clone, in
tools.layout's isolated environment (an empty ansible.cfg; git's search for a repository
stopped at the clone by GIT_CEILING_DIRECTORIES), and runs there:

1. `antsibull-docs lint-collection-docs --plugin-docs`: the modules', plugins' and roles'
   documentation against the docsite's schema and markup rules, docs/docsite/links.yml, rstcheck;
2. `antsibull-docs collection`: the reStructuredText pages of every module, plugin and role, with
   docs/rst/index.rst as the site's root;
3. `sphinx-build -W --keep-going` with docs/conf.py: the HTML site, in build/docs/html by default.

Any message of step 1 or warning of step 2 or 3 fails the build (exit status 1) and is printed.

    python -m tools.docs                  # lint and build into build/docs/html
    python -m tools.docs --lint-only      # step 1 only (about 15 s)
    python -m tools.docs --dest /tmp/site
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.layout import executable as _tool
from tools.layout import isolated_env, lay_out

REPO = Path(__file__).resolve().parent.parent
COLLECTION = "ninetynine.trading_infra"


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    print("+", " ".join(command), flush=True)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    return done.returncode, (done.stdout + done.stderr).strip()


def build(dest: Path, lint_only: bool) -> list[str]:
    """Lint and build; the problems found, empty when the documentation is clean."""
    with tempfile.TemporaryDirectory(prefix="trading-docs-") as scratch:
        root = Path(scratch)
        collection = lay_out(root)
        env = isolated_env(root, tools=("ansible-doc", "antsibull-docs"))
        rc, output = _run(
            [_tool("antsibull-docs"), "lint-collection-docs", "--plugin-docs", str(collection)], root, env
        )
        if rc or output:
            return [f"antsibull-docs lint-collection-docs (exit {rc}):", output]
        if lint_only:
            return []
        rst = root / "rst"
        rst.mkdir(mode=0o755)
        rc, output = _run(
            [
                _tool("antsibull-docs"),
                "--config-file",
                str(REPO / "docs" / "antsibull-docs.cfg"),
                "collection",
                "--use-current",
                "--fail-on-error",
                "--cleanup",
                "everything",
                "--dest-dir",
                str(rst),
                COLLECTION,
            ],
            root,
            env,
        )
        problems = [line for line in output.splitlines() if "WARNING" in line or "ERROR" in line]
        if rc or problems:
            return [f"antsibull-docs collection (exit {rc}):", output]
        shutil.copy2(REPO / "docs" / "rst" / "index.rst", rst / "index.rst")
        if dest.exists():
            shutil.rmtree(dest)
        rc, output = _run(
            [
                _tool("sphinx-build"),
                "-q",
                "-W",
                "--keep-going",
                "-b",
                "html",
                "-c",
                str(REPO / "docs"),
                "-d",
                str(root / "doctrees"),
                str(rst),
                str(dest),
            ],
            root,
            env,
        )
        if rc or output:
            return [f"sphinx-build (exit {rc}):", output]
    return []


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=REPO / "build" / "docs" / "html", help="where the HTML goes")
    parser.add_argument("--lint-only", action="store_true", help="only antsibull-docs lint-collection-docs")
    args = parser.parse_args(argv)
    problems = build(args.dest.resolve(), args.lint_only)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"the documentation of {COLLECTION} does not build cleanly", file=sys.stderr)
        return 1
    print("documentation lint: clean" if args.lint_only else f"documentation: {args.dest / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
