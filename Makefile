# The project's vocabulary. `make run` and `make test` do all set-up themselves.
SHELL := /bin/bash
PYTHON_VERSION := $(shell cat .python-version)
PYENV_PY := $(HOME)/.pyenv/versions/$(PYTHON_VERSION)/bin/python
BASE_PY := $(shell [ -x $(PYENV_PY) ] && echo $(PYENV_PY) || command -v python3.10)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
# the runtime folder: everything the running assistant writes (README, Configuration)
LOANWHY_VAR ?= var
VAR := $(LOANWHY_VAR)
MODEL_STAMP := models/.inputs.sha
WEBCHAT := tests/e2e/webchat
export PYTHONPATH := $(CURDIR)
export LOANWHY_VAR
export LOANWHY_HOME := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help setup kb train run stop test unit validate story-test lint eval bench shell clean browser soak test-cluster cluster-deps fuzz
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock requirements.in
	@test -n "$(BASE_PY)" || { echo "Python $(PYTHON_VERSION) not found (pyenv install $(PYTHON_VERSION))"; exit 1; }
	@test -x $(PY) || $(BASE_PY) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip==23.2.1"
	$(PY) -m pip install -q -r requirements.in -c requirements.lock
	touch $@

setup: $(VENV)/.installed kb train ## venv, dependencies, knowledge base, model

kb: $(VENV)/.installed ## build the knowledge base and the jieba dictionary from knowledge/ into $(VAR)/
	@mkdir -p $(VAR)
	$(PY) -m loanwhy.cli build-kb

train: $(VENV)/.installed kb ## train the models when their inputs changed (scripts/train_if_changed.py)
	@$(PY) scripts/train_if_changed.py

run: setup ## set up, start the action server, Rasa, the web page and the staff console, print where to chat
	@scripts/run.sh

stop: ## stop what `make run` started
	@scripts/stop.sh

shell: $(VENV)/.installed ## chat on the command line with the assistant `make run` started (Rasa's console client)
	@curl -sf -o /dev/null http://127.0.0.1:$${RASA_PORT:-5005}/ || { echo "start the assistant first: make run"; exit 1; }
	PYTHONPATH=$(CURDIR) $(PY) scripts/shell.py

unit: $(VENV)/.installed kb ## fast tests: logic, actions, channels, staff (no servers, no browser)
	$(PY) -m pytest -q -m "not e2e" --ignore=tests/live --ignore=tests/reliability --ignore=tests/cluster tests

validate: $(VENV)/.installed kb ## rasa data validate (clean: no errors, no unexplained warnings)
	$(PY) scripts/validate.py

story-test: setup ## story tests with the trained model
	@scripts/story_test.sh

lint: $(VENV)/.installed ## ruff (rules and formatting) and mypy; .pre-commit-config.yaml runs the same
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy loanwhy actions nlu policies channels staff web bench trackers

browser: $(WEBCHAT)/node_modules/.installed ## Debian Chromium, CJK fonts, rasa-webchat and axe-core for the browser tests (idempotent)
	@tests/e2e/install_browser.sh

# rasa-webchat for the lender-page test (tests/e2e/test_webchat.py) and axe-core for the accessibility
# test (tests/e2e/test_accessibility.py): exact versions and integrity hashes from the committed
# package-lock.json; no install scripts, no peers (webpack, react: the page loads only the
# self-contained lib/index.js)
$(WEBCHAT)/node_modules/.installed: $(WEBCHAT)/package.json $(WEBCHAT)/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20 (apt-get install nodejs npm)"; exit 1; }
	cd $(WEBCHAT) && npm ci --ignore-scripts --omit=peer --no-audit --no-fund
	touch $@

test: setup browser ## everything: lint, data validation, unit, live, channel, staff and browser tests, story tests
	$(MAKE) lint
	$(MAKE) validate
	$(PY) -m pytest -q -p no:warnings -m "not e2e" --ignore=tests/cluster --ignore=tests/staff/test_e2e_staff.py tests
	$(PY) -m pytest -q -p no:warnings tests/e2e tests/staff/test_e2e_staff.py
	$(MAKE) story-test

fuzz: setup ## property tests with fresh random inputs and 500 examples each (CI uses a fixed seed)
	HYPOTHESIS_PROFILE=explore $(PY) -m pytest -q -p no:warnings -p no:cacheprovider tests/test_properties.py \
	  tests/test_privacy.py tests/reliability/test_properties_more.py tests/wechat/test_wechat_xml_render.py \
	  tests/wechat/test_wechat_crypto.py

soak: setup ## MINUTES (10) at 16 conversations against the running assistant: errors (must be 0), memory growth
	@scripts/run.sh >/dev/null
	$(PY) ops/soak.py --url http://127.0.0.1:$${RASA_PORT:-5005} --var $${LOANWHY_VAR:-var} --minutes $${MINUTES:-10}

cluster-deps: ## Debian's postgresql, redis-server, nginx for the cluster test (idempotent)
	@ops/cluster/install_deps.sh

test-cluster: setup cluster-deps ## two Rasa processes behind nginx, PostgreSQL tracker store, Redis lock store (~2 min)
	LOANWHY_CLUSTER=1 $(PY) -m pytest -q -p no:warnings tests/cluster

bench: setup ## load, latency, memory, cold start against stock Rasa (results/bench.json, .png)
	$(PY) -m bench $(BENCH_ARGS)

eval: setup ## evaluation cases against the running assistant (starts it if needed)
	@scripts/eval.sh

clean: ## remove venv, models and runtime data
	rm -rf $(VENV) models $(VAR) results
