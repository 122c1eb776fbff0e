# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)
"""Remember, across runs, which module_utils each Python file imports (the `warm_local` connection).

Before a module runs, Ansible builds its AnsiballZ payload: it parses the module and every
module_util it reaches into a syntax tree, to find what they import. It does that once per module
and per run, and for an amazon.aws module that is some 70 files: about 0.2 s a module, 8.6 s of a
no-op re-run of the platform (43 modules).

What a file imports depends only on its source, its dotted name and whether it is a package's
`__init__`, so this remembers the answer on disk under that key (with the versions of ansible-core
and Python): a file whose source changed is parsed again, and Ansible still finds, reads and zips
every file itself. The payload is the same, byte for byte (a test compares them). If
ansible-core's payload builder is not shaped as expected, nothing is changed. On ansible-core
2.20 and later, whose import finder parses each source itself and also collects embedded
resources, only each module's payload files are remembered (below), and never those of a payload
that embeds a resource.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile

_STATE = {"installed": False, "directory": None}


def cache_directory() -> str:
    """The memo's directory (private to the user), one per ansible-core and Python version."""
    from ansible.release import __version__ as ansible_version
    from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils.warm_runner import private_directory

    base = private_directory()
    version = f"imports-{ansible_version}-py{sys.version_info[0]}.{sys.version_info[1]}"
    path = os.path.join(base, version)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def install() -> bool:
    """Put the memo in front of ansible-core's import scan, in this process; True when in place."""
    if _STATE["installed"]:
        return True
    try:
        from ansible.executor import module_common
    except ImportError:
        return False
    original_compile = getattr(module_common, "_compile_module_ast", None)
    original_finder = getattr(module_common, "ModuleDepFinder", None)
    if original_compile is None or original_finder is None or not hasattr(module_common, "recursive_finder"):
        return False
    try:
        directory = cache_directory()
    except OSError:
        return False
    _STATE["directory"] = directory
    if _finder_takes_source(original_finder):
        # ansible-core 2.20 and later: the finder parses the source itself and also finds embedded
        # resources; only the payload's files are remembered, and never a payload with an embed.
        _watch_embeds(original_finder)
        _remember_payload_files(module_common, directory)
        _STATE["installed"] = True
        return True

    class LazyTree:
        """A parsed file, parsed only if someone looks inside (the memo did not know the file)."""

        __slots__ = ("_tree", "digest", "module_name", "source_code")

        def __init__(self, module_name, source_code):
            self.module_name = module_name
            self.source_code = source_code
            data = source_code if isinstance(source_code, bytes) else source_code.encode("utf-8", "surrogateescape")
            self.digest = hashlib.sha256(data).hexdigest()
            self._tree = None

        def real(self):
            if self._tree is None:
                self._tree = original_compile(self.module_name, self.source_code)
            return self._tree

        def __getattr__(self, name):
            return getattr(self.real(), name)

    original_init = original_finder.__init__

    def remembering_init(self, module_fqn, tree, is_pkg_init=False, *args, **kwargs):
        """ansible-core's import finder, answering from the memo when it knows the file."""
        if not isinstance(tree, LazyTree) or args or kwargs:
            real = tree.real() if isinstance(tree, LazyTree) else tree
            original_init(self, module_fqn, real, is_pkg_init, *args, **kwargs)
            return
        key = hashlib.sha256(f"{tree.digest}\0{module_fqn}\0{bool(is_pkg_init)}".encode()).hexdigest()
        known = _load(directory, key)
        if known is not None:
            self._tree = None
            self.submodules = {tuple(name) for name in known["submodules"]}
            self.optional_imports = {tuple(name) for name in known["optional_imports"]}
            self.module_fqn = module_fqn
            self.is_pkg_init = is_pkg_init
            return
        original_init(self, module_fqn, tree.real(), is_pkg_init)
        _store(
            directory,
            key,
            {"submodules": sorted(self.submodules), "optional_imports": sorted(self.optional_imports)},
        )

    module_common._compile_module_ast = LazyTree
    original_finder.__init__ = remembering_init
    _remember_payload_files(module_common, directory)
    _STATE["installed"] = True
    return True


def _finder_takes_source(finder_class) -> bool:
    """Whether ansible-core's ModuleDepFinder takes a module's source (2.20 and later) rather than its tree."""
    import inspect

    try:
        parameters = list(inspect.signature(finder_class.__init__).parameters)
    except (TypeError, ValueError):
        return True  # unknown: treated as the newer shape, which only the payload memo touches
    return len(parameters) > 2 and parameters[2] != "tree"


def _watch_embeds(finder_class) -> None:
    """Note when a finder meets an embedded resource (ansible-core 2.21's embeds): its payload is not remembered."""
    original_init = finder_class.__init__

    def watching_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        if getattr(self, "embeds", None):
            _STATE["embeds_seen"] = True

    finder_class.__init__ = watching_init


def _remember_payload_files(module_common, directory: str) -> None:
    """Remember, per module, which files its payload holds, and check them instead of searching.

    With every file's imports remembered, building a payload still locates each module_util on the
    search paths and reads it: about 50 ms a module. A module's payload is a function of the module's
    source, the files found and what decides where they are found: the search paths, and what they
    hold (a collection installed, moved or upgraded changes a directory's modification time). Under
    a key made of all that, the files are recorded with their digests; next time each file is read
    and its digest compared, and any difference means the payload is built the usual way. A file
    whose content differs from the file it names (a redirect's stub) keeps the module out of the memo.
    """
    original = module_common.recursive_finder
    make_zinfo = getattr(module_common, "_make_zinfo", None)
    if make_zinfo is None:
        return

    def remembering_recursive_finder(name, module_fqn, module_data, zf, date_time, extension_manager, *rest):
        # A debugger or coverage extension maps sources and adds files of its own: built the usual way.
        extended = getattr(extension_manager, "debugger_enabled", True) or getattr(extension_manager, "module_names", 1)
        if rest or extended:
            return original(name, module_fqn, module_data, zf, date_time, extension_manager, *rest)
        try:
            key = _payload_key(module_common, name, module_fqn, module_data, extension_manager)
        except (OSError, AttributeError, TypeError):
            return original(name, module_fqn, module_data, zf, date_time, extension_manager)
        known = _load_payload(directory, key)
        if known is not None:
            files = _verified_files(known["files"])
            if files is not None:
                for arcname, data in files:
                    zf.writestr(make_zinfo(arcname, date_time, zf=zf), data)
                return known["metadata"]
        recorder = _RecordingZip(zf)
        _STATE["embeds_seen"] = False
        metadata = original(name, module_fqn, module_data, recorder, date_time, extension_manager)
        entries = recorder.entries()
        if entries is not None and not _STATE.get("embeds_seen"):
            _store_payload(directory, key, {"files": entries, "metadata": metadata})
        return metadata

    module_common.recursive_finder = remembering_recursive_finder


class _RecordingZip:
    """A zip being written, noting each file written to it with where it came from."""

    def __init__(self, zf):
        self._zf = zf
        self._entries = []
        self._verifiable = True

    def writestr(self, zinfo, data, *args, **kwargs):
        self._zf.writestr(zinfo, data, *args, **kwargs)
        raw = bytes(data) if not isinstance(data, str) else data.encode("utf-8")
        origin = _origin_path(data)
        if origin:
            try:
                with open(origin, "rb") as handle:
                    on_disk = handle.read()
            except OSError:
                on_disk = None
            if on_disk != raw:
                self._verifiable = False
            self._entries.append((zinfo.filename, origin, hashlib.sha256(raw).hexdigest(), None))
        else:
            self._entries.append((zinfo.filename, None, None, raw))

    def entries(self):
        return self._entries if self._verifiable else None

    def __getattr__(self, name):
        return getattr(self._zf, name)


def _origin_path(data) -> str | None:
    try:
        from ansible._internal._datatag._tags import Origin
    except ImportError:
        return None
    origin = Origin.get_tag(data)
    return getattr(origin, "path", None) if origin else None


def _verified_files(entries) -> list | None:
    """The payload's files as recorded, each read again and checked against its digest (None: changed)."""
    files = []
    for arcname, origin, digest, inline in entries:
        if origin is None:
            files.append((arcname, inline))
            continue
        try:
            with open(origin, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != digest:
            return None
        files.append((arcname, data))
    return files


def _payload_key(module_common, name, module_fqn, module_data, extension_manager) -> str:
    from ansible import constants as C
    from ansible.release import __version__ as ansible_version
    from ansible.utils.collection_loader import AnsibleCollectionConfig

    paths = [p for p in module_common.module_utils_loader._get_paths(subdirs=False) if os.path.isdir(p)]
    paths.append(module_common._MODULE_UTILS_PATH)
    where = [(p, os.stat(p).st_mtime_ns) for p in paths]
    for root in AnsibleCollectionConfig.collection_paths:
        top = os.path.join(root, "ansible_collections")
        if not os.path.isdir(top):
            continue
        where.append((top, os.stat(top).st_mtime_ns))
        for namespace in sorted(os.listdir(top)):
            folder = os.path.join(top, namespace)
            if os.path.isdir(folder):
                where.append((folder, os.stat(folder).st_mtime_ns))
    data = module_data if isinstance(module_data, bytes) else module_data.encode("utf-8", "surrogateescape")
    parts = [
        ansible_version,
        sys.version,
        name,
        module_fqn,
        hashlib.sha256(data).hexdigest(),
        repr(sorted(getattr(extension_manager, "extension_names", []) or [])),
        repr(C.config.get_config_value("_MODULE_METADATA")),
        repr(where),
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _load_payload(directory: str, key: str) -> dict | None:
    import pickle

    try:
        with open(os.path.join(directory, "payloads", key), "rb") as handle:
            known = pickle.load(handle)  # noqa: S301 - written by this user, in a 0700 directory
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        return None
    return known if isinstance(known, dict) and {"files", "metadata"} <= set(known) else None


def _store_payload(directory: str, key: str, value: dict) -> None:
    import pickle

    folder = os.path.join(directory, "payloads")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder)
        with os.fdopen(handle, "wb") as output:
            pickle.dump(value, output)
        os.replace(temporary, os.path.join(folder, key))
    except (OSError, pickle.PicklingError, TypeError):
        pass


def _load(directory: str, key: str) -> dict | None:
    try:
        with open(os.path.join(directory, key[:2], key), encoding="utf-8") as handle:
            known = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(known, dict) or not {"submodules", "optional_imports"} <= set(known):
        return None
    return known


def _store(directory: str, key: str, value: dict) -> None:
    folder = os.path.join(directory, key[:2])
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as output:
            json.dump(value, output)
        os.replace(temporary, os.path.join(folder, key))
    except OSError:
        pass
