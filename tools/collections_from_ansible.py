"""Install collections that a newer `ansible` package no longer bundles, from the pinned older one.

The `ansible` package stopped shipping awx.awx after ansible 12; Galaxy users install it from
requirements.yml, but Galaxy is out of reach of these machines. The matrix's newest combination
(tox.ini) takes awx.awx from the ansible wheel the default combination pins (PyPI, the same file
pip installs), without installing that package: only the named collections are extracted.

    python tools/collections_from_ansible.py --ansible 12.3.0 --into DIR awx.awx

DIR is a collections path (DIR/ansible_collections/<namespace>/<name>); when every collection
named is already there, nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path


def installed_version(target: Path) -> str | None:
    manifest = target / "MANIFEST.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text())["collection_info"]["version"]


def extract(wheel: Path, collections: list[str], into: Path) -> dict[str, str]:
    """Each collection's files from the wheel into ``into``; returns {collection: version}."""
    done = {}
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        for fqcn in collections:
            namespace, name = fqcn.split(".", 1)
            prefix = f"ansible_collections/{namespace}/{name}/"
            members = [m for m in names if m.startswith(prefix) and not m.endswith("/")]
            if not members:
                raise SystemExit(f"{fqcn} is not in {wheel.name}")
            manifest = json.loads(archive.read(prefix + "MANIFEST.json"))
            version = manifest["collection_info"]["version"]
            target = into / "ansible_collections" / namespace / name
            shutil.rmtree(target, ignore_errors=True)
            for member in members:
                path = into / member
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(archive.read(member))
            done[fqcn] = version
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--ansible", required=True, help="the ansible package version to take them from")
    parser.add_argument("--into", required=True, type=Path, help="the collections path to install into")
    parser.add_argument("collections", nargs="+", help="namespace.name of each collection")
    args = parser.parse_args(argv)
    wanted = {
        fqcn: installed_version(args.into / "ansible_collections" / Path(*fqcn.split(".", 1)))
        for fqcn in args.collections
    }
    if all(wanted.values()):
        print(", ".join(f"{c} {v}" for c, v in wanted.items()), "already in", args.into)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(  # noqa: S603 - pip of this interpreter, a pinned version from the index
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                f"ansible=={args.ansible}",
                "-d",
                scratch,
            ],
            check=True,
        )
        (wheel,) = Path(scratch).glob("ansible-*.whl")
        done = extract(wheel, args.collections, args.into)
    print(", ".join(f"{c} {v}" for c, v in done.items()), "from ansible", args.ansible, "in", args.into)
    return 0


if __name__ == "__main__":
    sys.exit(main())
