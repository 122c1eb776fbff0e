# ninetynine.trading_infra - developer entry points. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LOCAL_AWS_PORT ?= 4566
export LOCAL_AWS_PORT
# Ansible reads ./ansible.cfg; make sure the virtualenv's tools come first.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: help venv graphviz demo diagram cost local-aws sanity ansible-lint changelog docs test test-fast test-environments test-full lint unit unit-fast molecule molecule-lane-1 molecule-lane-2 molecule-default matrix test-newest check-mode bench bench-environments ee-context ee clean

help:  ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.local-installed: $(BIN)/python requirements.txt requirements-local.txt constraints.txt
	$(BIN)/pip install --quiet -r requirements-local.txt -c constraints.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.local-installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

venv: $(VENV)/.local-installed  ## Create .venv with the pinned playbook and local-AWS dependencies

# Graphviz's dot draws playbooks/diagram.yml's pictures: Debian's package, pinned to bookworm's release
# (apt-get as root, or through sudo). Another release's graphviz is taken when that one is not offered;
# elsewhere, install it by hand (dnf install graphviz, brew install graphviz).
GRAPHVIZ_VERSION ?= 2.42.2-7*
graphviz:  ## Install Graphviz (Debian's graphviz package) unless dot is already on PATH
	@if command -v dot >/dev/null; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
	  echo "Graphviz's dot is missing: install graphviz (dnf install graphviz, brew install graphviz)" >&2; exit 1; fi; \
	apt="apt-get"; if [ "$$(id -u)" != 0 ]; then apt="sudo apt-get"; fi; \
	$$apt install -y -q --no-install-recommends 'graphviz=$(GRAPHVIZ_VERSION)' \
	  || { $$apt update -q && $$apt install -y -q --no-install-recommends 'graphviz=$(GRAPHVIZ_VERSION)'; } \
	  || { echo "graphviz $(GRAPHVIZ_VERSION) is not offered here: taking this release's" >&2; \
	       $$apt install -y -q --no-install-recommends graphviz; }; \
	dot -V

demo: $(VENV)/.local-installed graphviz  ## Start the local AWS, run site.yml on inventories/local, print the outputs, draw it, stop it
	$(BIN)/python -m tools.local_aws run --port $(LOCAL_AWS_PORT) -- bash -c \
	  '$(BIN)/ansible-playbook site.yml -i inventories/local && $(BIN)/ansible-playbook playbooks/diagram.yml -i inventories/local'
	@echo "The local environment's picture: $(CURDIR)/build/diagrams/local.svg (and local.png)"

diagram: $(VENV)/.local-installed graphviz  ## The picture of an environment from what exists in its account (ENV=...): build/diagrams/$ENV.svg and .png
	$(BIN)/ansible-playbook playbooks/diagram.yml -i inventories/$(ENV)

ENV ?= local
cost: $(VENV)/.local-installed  ## The monthly cost of an environment from the price table (ENV=local|dev|staging|prod): build/cost/$ENV.json
	$(BIN)/ansible-playbook playbooks/cost.yml -i inventories/$(ENV) -e cost_price_source=table

local-aws: $(VENV)/.local-installed  ## Run the local AWS in the foreground on 127.0.0.1:$LOCAL_AWS_PORT (Ctrl-C stops)
	$(BIN)/python -m tools.local_aws serve --port $(LOCAL_AWS_PORT)

# The three long checks (about 70 s, 95 s and 145 s alone) run two at a time, each one's output printed
# whole when it ends: they write nothing another reads (ansible-lint lists the files git knows, build/
# is ignored; sanity works in a temporary copy).
lint: $(VENV)/.dev-installed  ## ruff, ansible-lint (production profile), the changelog, the docs build and ansible-test sanity
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m tools.changelog --check
	$(MAKE) -j2 --output-sync=target sanity ansible-lint docs

ansible-lint: $(VENV)/.dev-installed  ## ansible-lint, production profile
	$(BIN)/ansible-lint --nocolor -q

changelog: $(VENV)/.dev-installed  ## CHANGELOG.rst from changelogs/ (antsibull-changelog; the next release's entries from the fragments)
	$(BIN)/python -m tools.changelog

docs: $(VENV)/.dev-installed  ## The collection's documentation (antsibull-docs, Sphinx) in build/docs/html; any warning fails
	$(BIN)/python -m tools.docs

sanity: $(VENV)/.dev-installed  ## ansible-test sanity, every test but pylint (tools.sanity: the layout, the pip bootstrap)
	$(BIN)/python -m tools.sanity

unit: $(VENV)/.dev-installed graphviz  ## pytest: modules, local AWS, filters, bad inputs, playbooks on inventories/local
	$(BIN)/python -m pytest -q -n 2 -m "not environments and not stack and not converge and not slow"

unit-fast: $(VENV)/.dev-installed graphviz  ## pytest without any playbook run: filters, modules and the local AWS (a few minutes)
	$(BIN)/python -m pytest -q -n 2 -m "not playbook"

# The per-role scenarios are in the default tier; `default` (the whole platform through site.yml, the
# same converge as the stack tier's tests) is in the stack tier. A scenario spends half its time waiting
# on its own local AWS, so they run in two lanes at once. Each lane has one free port of its own, used
# by its scenarios one after the other, so that no two scenarios (nor a second suite beside this one:
# another clone, CI) ever meet in one local AWS. The scenarios write nothing another reads (diagram
# writes build/diagrams, cost build/cost). A lane's output is printed whole when it ends.
MOLECULE_PORT = $$($(BIN)/python -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
MOLECULE_ROLE_SCENARIOS := $(sort $(filter-out default shared,$(notdir $(wildcard molecule/*))))
# Balanced by their times in two lanes (s): compliance 81, data_tier 88, network 50, cost 26 | alb 67,
# diagram 65, eks 88. `make molecule` 5 min 57 s in one lane, 4 min 05 s in two.
MOLECULE_LANE_1 := compliance data_tier network cost
MOLECULE_LANE_2 := $(filter-out $(MOLECULE_LANE_1),$(MOLECULE_ROLE_SCENARIOS))

molecule: $(VENV)/.dev-installed graphviz  ## The per-role molecule scenarios against the local AWS (two lanes at once)
	$(MAKE) -j2 --output-sync=target molecule-lane-1 molecule-lane-2

molecule-lane-1 molecule-lane-2: molecule-lane-%: $(VENV)/.dev-installed graphviz
	set -e; port=$(MOLECULE_PORT); for scenario in $(MOLECULE_LANE_$*); do start=$$SECONDS; \
	  TRADING_MOLECULE_PORT=$$port $(BIN)/molecule test -s $$scenario; \
	  echo "molecule $$scenario: passed in $$((SECONDS - start)) s (lane $*, port $$port)"; done

molecule-default: $(VENV)/.dev-installed graphviz  ## The whole-platform molecule scenario (molecule/default)
	TRADING_MOLECULE_PORT=$(MOLECULE_PORT) $(BIN)/molecule test -s default

test: lint unit molecule  ## The default tier: lint, pytest on inventories/local, the per-role molecule scenarios (<= 25 min)

test-fast: lint unit-fast  ## The fast tier: lint, filters, modules and the local AWS

test-environments: $(VENV)/.dev-installed graphviz  ## The environment tier: dev, staging and prod converged, re-run, planned, torn down
	$(BIN)/python -m pytest -q -n 2 -m environments

test-stack: $(VENV)/.dev-installed graphviz  ## The stack tier: the whole local stack converged through faults, killed and resumed, planned, locked, torn down; the slow tests; molecule/default
	$(BIN)/python -m pytest -q -n 2 -m "stack or slow"
	$(MAKE) molecule-default

# The support matrix's interpreters: with pyenv, every installed 3.11 to 3.13 made findable by tox.
PYENV_MATRIX := $(shell command -v pyenv >/dev/null 2>&1 && pyenv versions --bare --skip-aliases 2>/dev/null | grep -E '^3\.(11|12|13)\.[0-9]+$$' | paste -sd: -)
TOX := $(if $(PYENV_MATRIX),PYENV_VERSION=$(PYENV_MATRIX)) $(BIN)/tox

matrix: $(VENV)/.dev-installed graphviz  ## The support matrix (tox.ini): lint, unit tier and a converge on the oldest and the newest combination
	$(TOX) -e oldest,newest

test-newest: $(VENV)/.dev-installed graphviz  ## The newest combination's converge (ansible 14.5.0 on Python 3.13, tox -e newest-converge)
	$(TOX) -e newest-converge

test-full: test test-stack test-environments test-newest  ## Everything: the default tier, the stack and environment tiers, the newest combination's converge (what CI runs)

bench: $(VENV)/.local-installed  ## The figures (benchmarks/figures.py): no-op re-run, converge and teardown against the critical path, API calls
	$(BIN)/python benchmarks/figures.py --json-out benchmarks/figures.json

bench-environments: $(VENV)/.local-installed  ## Per shipped environment: converge, re-run, teardown times, invocations, writes
	$(BIN)/python benchmarks/environments.py

ee-context: $(VENV)/.dev-installed  ## The execution environment's build context in build/ee-context (ansible-builder create)
	rm -rf build/collection build/ee-context
	$(BIN)/ansible-galaxy collection build --output-path build/collection .
	$(BIN)/ansible-builder create -f execution-environment.yml -c build/ee-context --output-filename Containerfile

ee: ee-context  ## Build the execution environment image (needs podman or docker)
	$(BIN)/ansible-builder build -f execution-environment.yml -c build/ee-context --output-filename Containerfile \
	  --tag trading-infra-ee:$$($(BIN)/python -c "import yaml; print(yaml.safe_load(open('galaxy.yml'))['version'])")

clean:  ## Remove the virtualenv and local state
	rm -rf $(VENV) .local_aws .pytest_cache .ruff_cache .tox build
