"""Every custom module and role documents itself the way ansible-doc renders it."""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO

ANSIBLE_DOC = str(Path(sys.executable).parent / "ansible-doc")
# Modules whose work an action plugin of the same name does on the controller: documentation only, no AWS.
CONTROLLER_ACTIONS = sorted(p.stem for p in (REPO / "plugins" / "action").glob("*.py") if not p.stem.startswith("_"))
MODULES = sorted(
    p.stem
    for p in (REPO / "plugins" / "modules").glob("*.py")
    if not p.stem.startswith("_") and p.stem not in CONTROLLER_ACTIONS
)


def ansible_doc(*args):
    proc = subprocess.run(
        [ANSIBLE_DOC, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "PATH": str(Path(sys.executable).parent)},
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("name", MODULES)
def test_module_documentation_renders(name):
    doc = json.loads(ansible_doc("--json", "-t", "module", f"ninetynine.trading_infra.{name}"))
    entry = doc[f"ninetynine.trading_infra.{name}"]
    options = entry["doc"]["options"]
    # Shared AWS options come from amazon.aws's fragments, as in amazon.aws's own modules.
    assert {"region", "endpoint_url"} <= set(options)
    if not name.endswith("_info"):  # info modules read only: no state, nothing done to report
        assert "state" in options
    assert ("tags" in options) == ("purge_tags" in options)
    assert all(opt.get("description") for opt in options.values())
    assert yaml.safe_load(entry["examples"])
    assert name.endswith("_info") or "actions" in entry["return"]
    text = ansible_doc("-t", "module", f"ninetynine.trading_infra.{name}")
    assert "EXAMPLES" in text and "RETURN VALUES" in text


@pytest.mark.parametrize("name", MODULES)
def test_module_argument_spec_matches_its_documentation(name, monkeypatch):
    """Every option the module accepts is documented, and every documented option is accepted."""
    doc = json.loads(ansible_doc("--json", "-t", "module", f"ninetynine.trading_infra.{name}"))
    documented = set(doc[f"ninetynine.trading_infra.{name}"]["doc"]["options"])
    module = importlib.import_module(f"ansible_collections.ninetynine.trading_infra.plugins.modules.{name}")
    captured = {}

    class Captured(Exception):
        pass

    def capture(*args, **kwargs):
        captured.update(kwargs["argument_spec"])
        raise Captured

    monkeypatch.setattr(module, "AnsibleAWSModule", capture)
    with pytest.raises(Captured):
        module.main()
    accepted = set(captured)
    assert accepted and accepted <= documented


@pytest.mark.parametrize("name", CONTROLLER_ACTIONS)
def test_controller_action_documentation_renders(name):
    doc = json.loads(ansible_doc("--json", "-t", "module", f"ninetynine.trading_infra.{name}"))
    entry = doc[f"ninetynine.trading_infra.{name}"]
    assert all(opt.get("description") for opt in entry["doc"]["options"].values())
    assert yaml.safe_load(entry["examples"]) and entry["return"]


def test_role_argument_specs_render():
    doc = json.loads(ansible_doc("--json", "-t", "role", "ninetynine.trading_infra.network"))
    entry_points = doc["ninetynine.trading_infra.network"]["entry_points"]
    assert {"main", "validate"} <= set(entry_points)
    defaults = yaml.safe_load((REPO / "roles" / "network" / "defaults" / "main.yml").read_text())
    assert set(defaults) <= set(entry_points["main"]["options"])
    assert all(name.startswith("network_") for name in defaults)


def test_every_module_is_in_the_aws_action_group():
    # module_defaults for group/ninetynine.trading_infra.aws (credentials, endpoint) reach every module.
    runtime = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())
    assert sorted(runtime["action_groups"]["aws"]) == MODULES
