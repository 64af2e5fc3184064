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

.PHONY: help venv deps test test-python test-molecule sanity units lint demo demo-clean bench build docs clean

help:
	@echo "make demo        the main job: simulator + local lab + example playbook + failover"
	@echo "make test        the whole test suite (what CI runs)"
	@echo "make bench       control-plane and data-plane figures (table + bench-results.json)"
	@echo "make demo-clean  tear down a lab left by an interrupted demo"

$(BIN)/.stamp: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
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

test: venv deps
	bash tests/run-all.sh

demo: venv deps
	$(BIN)/python -m tools.demo

demo-clean: venv
	$(BIN)/python -m tests.lab down --all

bench: venv deps
	$(BIN)/python -m tools.bench

build: venv
	$(BIN)/ansible-galaxy collection build --force --output-path .build/dist

clean: demo-clean
	rm -rf .build .pytest_cache
