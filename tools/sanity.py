"""`ansible-test sanity` on this clone, on a machine that cannot reach ansible-test's own download host.

ansible-test wants the collection at ansible_collections/<namespace>/<name>, its dependencies beside
it, and for each sanity test a virtual environment it fills with pip. Two things stop it here:

- it downloads a pip bootstrap script from ci-files.testing.ansible.com, which these machines cannot
  reach;
- a stand-in that runs `ensurepip` first then fails TLS against the package index, because
  `ensurepip` sets PIP_CONFIG_FILE=/dev/null in the environment it leaves behind, so pip no
  longer reads the machine's configuration (/etc/pip.conf names the certificate bundle).

So this script lays out <tmp>/ansible_collections/ninetynine/trading_infra from the files git
tracks (and the new ones it does not ignore), links amazon.aws, community.aws, kubernetes.core
and ansible.posix from the interpreter's installed `ansible` package beside it, and runs
ansible-test with HOME=<tmp>/home, where it puts the stand-in bootstrap: ensurepip, then pip
without PIP_CONFIG_FILE. The layout is outside the clone (inside it, ansible-test would ask the
clone's git, which ignores it, and find no file); it is removed at the end.

    python tools/sanity.py            # every test but pylint, on this interpreter's Python
    python tools/sanity.py --test pep8
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEPENDENCIES = ("amazon.aws", "community.aws", "kubernetes.core", "ansible.posix")

STAND_IN = '''"""Stand-in for get-pip.py (tools/sanity.py): ensurepip, then pip installs what ansible-test asks."""
import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap(upgrade=False)
os.environ.pop("PIP_CONFIG_FILE", None)  # ensurepip set it to /dev/null: the machine's pip configuration applies again
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
'''


def bootstrap_pip_version() -> str:
    """The pip version ansible-test bootstraps its virtual environments with (its cache file is named after it)."""
    from ansible_test._internal import python_requirements

    class AnyPython:
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"

    return python_requirements.get_venv_packages(AnyPython())["pip"]


def installed_collections_root() -> Path:
    for entry in sys.path:
        if (Path(entry) / "ansible_collections" / "amazon" / "aws").is_dir():
            return Path(entry) / "ansible_collections"
    raise SystemExit("amazon.aws is not installed for this interpreter (the ansible package)")


def lay_out(root: Path) -> Path:
    collection = root / "ansible_collections" / "ninetynine" / "trading_infra"
    collection.mkdir(parents=True)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607 - git of the clone
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        source = REPO / raw.decode()
        if source.is_symlink() or not source.is_file():
            continue  # collections/ links back to the clone; deleted files are still listed
        target = collection / raw.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    installed = installed_collections_root()
    for fqcn in DEPENDENCIES:
        namespace, name = fqcn.split(".")
        link = root / "ansible_collections" / namespace / name
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(installed / namespace / name)
    return collection


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="trading-sanity-") as scratch:
        return run(Path(scratch), argv)


def run(root: Path, argv: list[str]) -> int:
    collection = lay_out(root)
    home = root / "home"
    cache = home / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / f"get_pip_{bootstrap_pip_version().replace('.', '_')}.py").write_text(STAND_IN)
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    args = argv or ["--skip-test", "pylint"]
    command = [str(Path(sys.executable).parent / "ansible-test"), "sanity", "--local", "--python", python, *args]
    print("+", " ".join(command), f"(in {collection}, HOME={home})", flush=True)
    return subprocess.run(command, cwd=collection, env={**os.environ, "HOME": str(home)}, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
