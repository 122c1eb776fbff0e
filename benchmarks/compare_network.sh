#!/usr/bin/env bash
# Wall time and module invocations of a no-op re-run: the network built one amazon.aws module per
# resource (benchmarks/per_resource_network.yml) against the network role's one vpc_network call.
#   bash benchmarks/compare_network.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${LOCAL_AWS_PORT:-4588}
export LOCAL_AWS_PORT=$PORT ANSIBLE_CONFIG=$PWD/ansible.cfg
exec .venv/bin/python -m tools.local_aws run --port "$PORT" -- bash -c '
  set -euo pipefail
  pb=.venv/bin/ansible-playbook
  $pb benchmarks/per_resource_network.yml -i inventories/local >/dev/null
  start=$(date +%s.%N)
  out=$($pb benchmarks/per_resource_network.yml -i inventories/local)
  end=$(date +%s.%N)
  echo "per-resource amazon.aws modules, no-op re-run: $(echo "$end - $start" | bc) s, $(grep -cE "^(ok|changed): " <<<"$out") module invocations, $(grep -oE "changed=[0-9]+" <<<"$out" | head -1)"
  $pb site.yml -i inventories/local --tags network >/dev/null
  start=$(date +%s.%N)
  out=$($pb site.yml -i inventories/local --tags network)
  end=$(date +%s.%N)
  echo "network role (vpc_network), no-op re-run:     $(echo "$end - $start" | bc) s, $(grep -oE "changed=[0-9]+" <<<"$out" | head -1)"
'
