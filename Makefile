# Post-acne-marks FAQ assistant. `make run` and `make test` set everything up themselves.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
RASA  := $(VENV)/bin/rasa
SPACY := models/spacy-en-lookup/meta.json
MODEL := models/.trained
TRAINING_DATA := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)
URL   ?= http://localhost:$(or $(RASA_PORT),5005)

.DEFAULT_GOAL := help
.PHONY: help setup train run test lint eval bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: $(VENV)/.installed $(SPACY) ## Make .venv (Python 3.10), install pinned packages, build the spaCy pipeline

$(VENV)/.installed: requirements.txt constraints.txt scripts/find-python310.sh
	@python310=$$(scripts/find-python310.sh) && echo "Using $$python310" && \
	  { [ -x $(PY) ] && $(PY) -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null || \
	    { rm -rf $(VENV) && $$python310 -m venv $(VENV); }; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(SPACY): $(VENV)/.installed bot/nlp.py
	$(PY) -m bot.nlp

train: $(MODEL) ## Train the Rasa model (only when config, domain or data changed)

$(MODEL): $(SPACY) $(TRAINING_DATA)
	$(RASA) train --fixed-model-name faq --out models
	touch $@

run: setup train ## Serve the bot: Rasa on :5005 (REST, socket.io), actions on :5055
	$(PY) -m bot.cli serve

lint: setup ## ruff over the Python code
	$(PY) -m ruff check bot actions tests scripts

test: setup train lint ## Every test: knowledge base, actions, Rasa data and stories, end to end
	$(PY) -m pytest

eval: setup ## Score tests/cases.yml against the running bot (URL=...)
	$(PY) -m bot.evaluate tests/cases.yml --url $(URL)

bench: setup ## Latency of 200 REST messages against the running bot (URL=...)
	$(PY) scripts/bench.py --url $(URL)

clean: ## Remove the virtualenv, models and conversation store
	rm -rf $(VENV) models var .pytest_cache
