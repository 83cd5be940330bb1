# casa.distro: the two commands of the README are `make release` and `make test`; both do all
# the set-up they need (host packages and daemons, the dev virtualenv) on a fresh Debian host.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(CURDIR)/$(VENV)/bin
ANSIBLE_TEST := tests/utils/ansible-test.sh
COLLECTION_LINK := .build/collections/ansible_collections/casa/distro
INVENTORY ?= examples/inventory/local.yml
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.build/collections
export ANSIBLE_FORCE_COLOR := 0
export PATH := $(BIN):$(PATH)

.PHONY: all setup host venv link release test test-tools sanity units lint metrics docs changelog-lint integration bench clean

all: test

## set-up -------------------------------------------------------------------
setup: host venv link

host:
	bash scripts/setup-host.sh

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

link:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@ln -sfn ../../../.. $(COLLECTION_LINK)

## the main job -------------------------------------------------------------
release: setup
	bash examples/components/make-demo-remotes.sh /var/lib/casa-distro/demo
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/release.yml

## tests ----------------------------------------------------------------------
# reliability_report.py writes docs/reliability.md, and fails when a secret of the tests was
# found in any output of the run (tests/utils/secret_scan.py).
test: setup test-tools sanity units lint docs integration
	$(BIN)/python tests/utils/reliability_report.py
	@echo "make test: all checks passed"

# ShellCheck: the shellcheck sanity test of ansible-test skips silently without it.
test-tools:
	CASA_EXTRA_PACKAGES=shellcheck bash scripts/setup-host.sh

sanity: venv test-tools
	$(ANSIBLE_TEST) sanity --python 3.11 --local --color no

units: venv
	rm -f tests/output/reliability/parsers-*.json
	$(ANSIBLE_TEST) units --python 3.11 --local --color no

lint: venv link changelog-lint metrics
	$(BIN)/ansible-lint --offline --profile production

# Function complexity and file sizes, with their limits (docs/developing.md).
metrics: venv
	$(BIN)/python tests/utils/code_metrics.py

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

docs: venv link
	$(BIN)/antsibull-docs lint-collection-docs --plugin-docs $(COLLECTION_LINK)

integration: setup
	rm -f tests/output/reliability/bad_input.json tests/output/reliability/faults-*.json tests/output/reliability/secrets-target-*.json
	$(ANSIBLE_TEST) integration --python 3.11 --local --allow-destructive --continue-on-error --color no $(TARGETS)

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf .build tests/output
