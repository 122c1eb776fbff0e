"""The eks role's in-cluster baseline, without a Kubernetes API server (none can run here).

Every manifest the role would apply is rendered by the role itself, for every Kubernetes version
it supports, and validated offline against that version's OpenAPI schema (kubernetes-validate,
strict: unknown fields are errors). The kubernetes.core wiring is checked with --syntax-check.
"""

import json

import kubernetes_validate
import pytest
import yaml

from tests.helpers import REPO, run_playbook

PINS = yaml.safe_load((REPO / "roles/eks/vars/main.yml").read_text())["eks_addon_pins"]
ACCOUNT = "123456789012"
RENDER = """
- name: Render the eks baseline
  hosts: trading
  gather_facts: false
  tasks:
    - name: Render
      ansible.builtin.include_role:
        name: ninetynine.trading_infra.eks
        tasks_from: baseline_manifests.yml
    - name: Write them out
      ansible.builtin.copy:
        content: "{{{{ eks_baseline_manifests | to_json }}}}"
        dest: "{out}"
        mode: "0600"
"""


def role_arns(cluster):
    names = ["cluster-autoscaler", "order-processing", "matching-engine", "market-data", "ledger"]
    return {f"{cluster}-{n}": f"arn:aws:iam::{ACCOUNT}:role/{cluster}-{n}" for n in names}


def render(tmp_path, inventory, version):
    out = tmp_path / f"{inventory}-{version}.json"
    playbook = tmp_path / "render.yml"
    playbook.write_text(RENDER.format(out=out))
    extra = tmp_path / "vars.json"
    cluster = f"trading-{inventory}"
    extra.write_text(
        json.dumps(
            {
                "eks_cluster_version": version,
                "eks_baseline_role_arns": role_arns(cluster),
                "eks_baseline_vpc_cidr": "10.0.0.0/16",
            }
        )
    )
    result = run_playbook(0, str(playbook), inventory, "-e", f"@{extra}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("baseline")
    return {version: render(tmp, "prod", version) for version in sorted(PINS)}


@pytest.mark.parametrize("version", sorted(PINS))
def test_every_manifest_is_valid_for_the_cluster_version(rendered, version):
    manifests = rendered[version]
    assert len(manifests) > 30
    for manifest in manifests:
        kubernetes_validate.validate(manifest, f"{version}.0", strict=True)


def test_the_validator_rejects_what_kubernetes_would():
    bad = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"}, "spec": {"hardd": {}}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, "1.32.0", strict=True)


def by_kind(manifests, kind, namespace=None):
    return [
        m for m in manifests if m["kind"] == kind and (namespace is None or m["metadata"].get("namespace") == namespace)
    ]


def test_trading_namespaces_are_locked_down_and_bound_to_their_roles(rendered):
    manifests = rendered["1.32"]
    namespaces = [m["metadata"]["name"] for m in by_kind(manifests, "Namespace")]
    assert namespaces == ["order-processing", "matching-engine", "market-data", "ledger"]
    for ns in namespaces:
        (sa,) = by_kind(manifests, "ServiceAccount", ns)
        assert (
            sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
            == f"arn:aws:iam::{ACCOUNT}:role/trading-prod-{ns}"
        )
        (quota,) = by_kind(manifests, "ResourceQuota", ns)
        assert quota["spec"]["hard"]["pods"] == "100"
        policies = {p["metadata"]["name"]: p["spec"] for p in by_kind(manifests, "NetworkPolicy", ns)}
        assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        assert {"allow-same-namespace", "allow-dns", "allow-vpc-and-aws"} <= set(policies)
        (limits,) = by_kind(manifests, "LimitRange", ns)
        assert limits["spec"]["limits"][0]["defaultRequest"]["cpu"] == "100m"


@pytest.mark.parametrize("version", sorted(PINS))
def test_the_autoscaler_matches_the_cluster_and_finds_its_groups(rendered, version):
    (deployment,) = [
        m for m in by_kind(rendered[version], "Deployment") if m["metadata"]["name"] == "cluster-autoscaler"
    ]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"].rsplit(":v", 1)[1].startswith(version + ".")
    assert (
        "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/trading-prod"
        in container["command"]
    )
    (sa,) = [m for m in by_kind(rendered[version], "ServiceAccount") if m["metadata"]["name"] == "cluster-autoscaler"]
    assert sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].endswith(":role/trading-prod-cluster-autoscaler")


def test_metrics_server_serves_the_metrics_api(rendered):
    (api,) = by_kind(rendered["1.32"], "APIService")
    assert api["metadata"]["name"] == "v1beta1.metrics.k8s.io" and api["spec"]["service"]["name"] == "metrics-server"


def test_a_missing_irsa_role_is_refused(tmp_path):
    playbook = tmp_path / "render.yml"
    playbook.write_text(RENDER.format(out=tmp_path / "out.json"))
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"eks_baseline_role_arns": {}, "eks_baseline_vpc_cidr": "10.0.0.0/16"}))
    result = run_playbook(0, str(playbook), "dev", "-e", f"@{extra}")
    assert result.returncode != 0
    assert (
        "eks in environment dev: no IRSA role ARN for trading-dev-cluster-autoscaler, trading-dev-ledger"
        in " ".join((result.stdout + result.stderr).split())
    )


def test_the_kubernetes_core_wiring_parses(tmp_path):
    playbook = tmp_path / "wiring.yml"
    playbook.write_text(
        "- name: Baseline wiring\n  hosts: trading\n  gather_facts: false\n  tasks:\n"
        "    - name: Baseline\n      ansible.builtin.import_role:\n        name: ninetynine.trading_infra.eks\n"
        "        tasks_from: baseline.yml\n"
    )
    result = run_playbook(0, str(playbook), "local", "--syntax-check")
    assert result.returncode == 0, result.stdout + result.stderr
