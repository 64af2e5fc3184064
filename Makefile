# failover.shared_ip: every command a developer or CI needs.
# `make demo` and `make test` set up everything they need themselves.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
COLLECTIONS := .build/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/failover/shared_ip
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(COLLECTIONS)
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PYTHONDONTWRITEBYTECODE := 1

# Debian packages the lab and the tests use on this machine.
DEBS := debootstrap systemd-container tcpdump iproute2 keepalived openssh-client rsync
# The soak's load (`make soak`): every core busy inside the lab's members.
DEBS += stress-ng

# --- Gates (sanity, units, lint; tests/run-all.sh runs them all) ---
# shellcheck: ansible-test sanity skips its shellcheck test without it.
DEBS += shellcheck
# ansible-test sanity runs on this Python (the one of .venv).
SANITY_PYTHON := 3.11
# A second ansible-core on a newer Python, so that requires_ansible in
# meta/runtime.yml is tested at both ends (pinned in tests/requirements-newer.txt).
PYENV_ROOT ?= $(HOME)/.pyenv
NEWER_PYTHON ?= $(lastword $(sort $(wildcard $(PYENV_ROOT)/versions/3.13.*/bin/python3.13)))
NEWER_PYTHON_VERSION := 3.13
VENV_NEWER := .build/venv-newer
# What ansible-lint lints: the role, playbooks, molecule scenarios and the lab's molecule playbooks, and
# the collection metadata that it validates against schemas (yamllint: .yamllint).
LINT_PATHS = $(wildcard roles playbooks molecule testbed/lab/molecule examples) galaxy.yml meta/runtime.yml meta/execution-environment.yml changelogs/changelog.yaml

.PHONY: help venv lock deps test sanity units units-current units-newer lint lint-yaml lint-ansible lint-docs changelog demo demo-clean bench soak build docs clean

help:
	@echo "make demo        the main job: simulator + local lab + example playbook + failover"
	@echo "make check       lint and every test that needs no lab (before a commit)"
	@echo "make test        the whole test suite (what CI runs)"
	@echo "make bench       control-plane and data-plane figures (table + bench-results.json)"
	@echo "make demo-clean  tear down a lab left by an interrupted demo"
	@echo "make soak        the fastest timer profile under load for SOAK_MINUTES (default 10); fails on a spurious move"

# The development tools (requirements-dev.txt), every package pinned by constraints.txt.
$(BIN)/.stamp: requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

venv: $(BIN)/.stamp $(COLLECTION_LINK)

deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Not root: skipping Debian packages:$$missing (the lab needs root)"; fi; \
	fi

# Before a commit: the three linters, then every test that needs no lab (marker `lab` left out)
# in three workers, one file per worker: a worker waits on its Ansible runs and the simulator for about a
# third of its time, so a third one on the two cores shortens the run (102-107 s -> 91-93 s here, measured
# 2026-12-03). Prints its time; `make test` runs everything.
# The integration tests (tests/integration) run their playbooks' modules in-process, in both modes of the
# internal view; their ansible-playbook twins (marker `twin`) are left out, and the tests of what only
# Ansible does run through ansible-playbook with the internal view hidden only. `make test` adds the twins
# (internal view hidden) and those tests with the view served.
.PHONY: check
# The linters run beside pytest (their output, kept aside, is printed after pytest's); either failing fails the check.
check: venv
	@start=$$(date +%s); rc=0; lintlog=$$(mktemp); \
	$(MAKE) --no-print-directory -k lint >$$lintlog 2>&1 & lintpid=$$!; \
	$(BIN)/python -m pytest tests -m "not lab and not twin" -n 3 --dist loadfile -p no:cacheprovider -q --durations=10 || rc=1; \
	wait $$lintpid && lint=passed || { lint=FAILED; rc=1; }; \
	echo "--- make lint (yamllint, ansible-lint, antsibull-docs), run beside pytest: $$lint ---"; \
	cat $$lintlog; rm -f $$lintlog; \
	echo "make check: $$([ $$rc = 0 ] && echo passed || echo FAILED) in $$(( $$(date +%s) - start )) s"; exit $$rc

test: venv deps
	bash tests/run-all.sh

demo: venv deps
	$(BIN)/python -m tools.demo

demo-clean: venv
	$(BIN)/python -m testbed.lab down --all

bench: venv deps
	$(BIN)/python -m tools.bench

# A lab on one timer profile (SOAK_PROFILE, default fastest) under load for SOAK_MINUTES (default 10):
# counts spurious transitions and double holders (tools/soak.py); exit status 1 if there was one.
SOAK_MINUTES ?= 10
SOAK_PROFILE ?= fastest
soak: venv deps
	$(BIN)/python -m tools.soak --minutes $(SOAK_MINUTES) --profile $(SOAK_PROFILE)

# ansible-test on a copy laid out as .../ansible_collections/failover/shared_ip
# (.ci/ansible-test), each test in a venv of its own pinned requirements.
sanity: venv
	.ci/ansible-test sanity --venv --requirements --python $(SANITY_PYTHON)

$(VENV_NEWER)/.stamp: tests/requirements-newer.txt requirements.txt
	@test -x "$(NEWER_PYTHON)" || { echo "units-newer: no Python $(NEWER_PYTHON_VERSION) found under $(PYENV_ROOT)/versions; set NEWER_PYTHON=/path/to/python$(NEWER_PYTHON_VERSION)" >&2; exit 1; }
	$(NEWER_PYTHON) -m venv $(VENV_NEWER)
	$(VENV_NEWER)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements-newer.txt
	touch $@

units: units-current units-newer

units-current: venv
	.ci/ansible-test units --venv --requirements --python $(SANITY_PYTHON)

units-newer: $(VENV_NEWER)/.stamp
	.ci/ansible-test --bin $(VENV_NEWER)/bin/ansible-test units --venv --requirements --python $(NEWER_PYTHON_VERSION)

lint: lint-yaml lint-ansible lint-docs

lint-yaml: venv
	yamllint --strict .

lint-ansible: venv
	ansible-lint --profile production $(LINT_PATHS)

# The module and role docs as a collection docsite renders them (--plugin-docs),
# and its extra pages and links (docs/docsite/). Offline.
lint-docs: venv
	antsibull-docs lint-collection-docs --plugin-docs .

# Refresh constraints.txt: the newest releases that requirements-dev.txt allows,
# resolved in a fresh virtualenv (then run `make test`).
VENV_LOCK := .build/venv-lock
lock:
	rm -rf $(VENV_LOCK)
	$(PYTHON) -m venv $(VENV_LOCK)
	$(VENV_LOCK)/bin/pip install --quiet --upgrade pip
	$(VENV_LOCK)/bin/pip install --quiet -r requirements-dev.txt
	{ grep '^#' constraints.txt; $(VENV_LOCK)/bin/pip freeze --exclude-editable | sort -f; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf $(VENV_LOCK)

changelog: venv
	antsibull-changelog lint
	antsibull-changelog generate

docs: venv
	$(BIN)/python -m tools.gendocs

build: venv
	$(BIN)/ansible-galaxy collection build --force --output-path .build/dist

clean: demo-clean
	rm -rf .build .pytest_cache
