"""`ansible-test sanity` on this clone, on a machine that cannot reach ansible-test's own download host.

ansible-test wants the collection at ansible_collections/<namespace>/<name>, its dependencies beside
it, and for each sanity test a virtual environment it fills with pip. Two things stop it here:

- it downloads a pip bootstrap script from ci-files.testing.ansible.com, which these machines cannot
  reach;
- a stand-in that runs `ensurepip` first then fails TLS against the package index, because
  `ensurepip` sets PIP_CONFIG_FILE=/dev/null in the environment it leaves behind, so pip no
  longer reads the machine's configuration (/etc/pip.conf names the certificate bundle).

So this script lays out <tmp>/ansible_collections/ninetynine/trading_infra from the files git
tracks (and the new ones it does not ignore), with amazon.aws, community.aws, kubernetes.core
and ansible.posix linked beside it from the interpreter's installed `ansible` package
(tools.layout), and runs ansible-test in tools.layout's isolated environment, whose
HOME=<tmp>/home holds the stand-in bootstrap: ensurepip, then pip without PIP_CONFIG_FILE. The
layout is outside the clone (inside it, ansible-test would ask the clone's git, which ignores it,
and find no file); it is removed at the end.

    python -m tools.sanity            # every test but pylint, on this interpreter's Python
    python -m tools.sanity --test pep8
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a file (python tools/X.py): the clone is where `tools` is found
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.layout import isolated_env, lay_out

STAND_IN = '''"""Stand-in for get-pip.py (tools.sanity): ensurepip, then pip installs what ansible-test asks."""
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


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="trading-sanity-") as scratch:
        return run(Path(scratch), argv)


def run(root: Path, argv: list[str]) -> int:
    collection = lay_out(root)
    env = isolated_env(root, tools=("ansible-test",))
    home = Path(env["HOME"])
    cache = home / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / f"get_pip_{bootstrap_pip_version().replace('.', '_')}.py").write_text(STAND_IN)
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    args = argv or ["--skip-test", "pylint"]
    command = [str(Path(sys.executable).parent / "ansible-test"), "sanity", "--local", "--python", python, *args]
    print("+", " ".join(command), f"(in {collection}, HOME={home})", flush=True)
    return subprocess.run(command, cwd=collection, env=env, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
