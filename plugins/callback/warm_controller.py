# Copyright: 99Tech platform engineering
# Apache License 2.0 (see LICENSE)

DOCUMENTATION = r"""
---
name: warm_controller
type: aggregate
short_description: Does once in the controller what every task's worker would do again
version_added: 1.0.0
description:
  - Ansible runs each task in a fresh fork of the controller, and a fork keeps nothing it
    computes. Before this callback, each of the 137 tasks of a no-op re-run of the platform
    compiled again the Jinja templates it met (1,467 compilations, 2.1 s of 12.5 s) and loaded
    again the filter and test plugins it used (1,168 plugin files executed).
  - B(Compiled templates), kept across runs. A cache in front of ansible-core's Jinja compilation
    keeps each compiled template in a directory private to the user
    (C($TMPDIR/ninetynine-warm-<uid>/templates-<versions>), mode 0700). The key is the template
    text, its compilation options, the environment's settings and the versions of ansible-core,
    Jinja and Python. The filters and tests a template names are checked again before a stored
    template is used. Rendering is unchanged; only the compilation is skipped.
  - B(Plugins loaded before the first fork). When a play starts, the controller loads
    ansible-core's filter and test plugins, this collection's filters, the C(warm_local)
    connection and the C(env) lookup, so that every worker finds them already imported. A
    directory of plugins added later (a role's C(filter_plugins)) clears Ansible's caches as
    usual.
  - It prints nothing. With ansible-core shaped differently than expected, or with
    C(TRADING_WARM_CONTROLLER=0), it does nothing.
  - Enabled in the collection's C(ansible.cfg) (C(callbacks_enabled)).
author:
  - 99Tech platform engineering (@99tech)
options:
  enabled:
    description: Whether the controller keeps this work for its workers.
    type: bool
    default: true
    env:
      - name: TRADING_WARM_CONTROLLER
    ini:
      - section: ninetynine_trading_infra
        key: warm_controller
"""

import importlib
import pkgutil

from ansible.plugins.callback import CallbackBase
from ansible_collections.ninetynine.trading_infra.plugins.plugin_utils import template_memo

COLLECTION_FILTERS = "ansible_collections.ninetynine.trading_infra.plugins.filter"
PLUGINS = (
    ("connection_loader", "ninetynine.trading_infra.warm_local"),
    ("lookup_loader", "ansible.builtin.env"),
)


def preload_plugins() -> list:
    """Load, in this process, the plugins the workers forked from it would each load; what was loaded."""
    from ansible.plugins import loader

    loaded = []
    for jinja_loader in (loader.filter_loader, loader.test_loader):
        try:
            loaded.extend(plugin.ansible_name for plugin in jinja_loader.all())
        except Exception:  # noqa: S112 - a broken plugin is reported where a template uses it
            continue
    try:
        package = importlib.import_module(COLLECTION_FILTERS)
        for info in pkgutil.iter_modules(package.__path__):
            # The plugin loader imports a collection's filter file under this very name, and
            # takes it from sys.modules when it is there.
            importlib.import_module(f"{COLLECTION_FILTERS}.{info.name}")
            loaded.append(f"{COLLECTION_FILTERS}.{info.name}")
    except Exception:  # noqa: S110 - the worker loads it itself, and reports any error there
        pass
    for loader_name, name in PLUGINS:
        try:
            if getattr(loader, loader_name).get(name, class_only=True) is not None:
                loaded.append(name)
        except Exception:  # noqa: S112 - idem
            continue
    return loaded


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ninetynine.trading_infra.warm_controller"
    CALLBACK_NEEDS_ENABLED = True

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        # Here, in the controller's own process: every task's worker is forked from it.
        if self.get_option("enabled"):
            template_memo.install()

    def v2_playbook_on_play_start(self, play):
        if self.get_option("enabled"):
            preload_plugins()
