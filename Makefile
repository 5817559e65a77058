# Rebound: `make demo` and `make test` each set up what they need on a fresh Debian machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint train bench bench-classify bench-push eval eval-heldout eval-ordinary clean system-deps

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Rebound needs Python 3.11 or newer"'
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3-venv is missing; installing it"; \
	  [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	  rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }

# The postgres extra (psycopg) too: the store's tests run on SQLite and on PostgreSQL.
$(STAMP): $(BIN)/python pyproject.toml Makefile
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,postgres]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rebound demo

# Dovecot (IMAP), PostgreSQL (the store) and Chromium (digest rendering) are real servers/browsers
# in the tests; hunspell and its dictionaries check every word of the draft templates; poppler-utils
# (pdftoppm, pdftotext) renders the exported PDFs to images and reads them back. The tests run
# PostgreSQL's own programs (/usr/lib/postgresql/<version>/bin) in a temporary folder.
system-deps:
	@missing=""; \
	command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ] || missing="$$missing dovecot-imapd"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v hunspell >/dev/null || missing="$$missing hunspell"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	for d in en_US:hunspell-en-us de_DE:hunspell-de-de fr_FR:hunspell-fr nl_NL:hunspell-nl es_ES:hunspell-es; do \
	  [ -f /usr/share/hunspell/$${d%%:*}.dic ] || missing="$$missing $${d#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "missing:$$missing (run as root or: sudo apt-get install$$missing)"; fi; \
	fi

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check agent tests models/build.py models/heldout.py models/rehearsal.py
	$(BIN)/mypy agent

# The pipeline, then what `rebound learn` rehearses and measures on, from the same corpus.
train: $(STAMP)
	$(BIN)/python models/build.py
	$(BIN)/python models/rehearsal.py

EVAL_FILE ?= ../shared/corpus/dev.jsonl
eval: $(STAMP)
	$(BIN)/rebound eval $(EVAL_FILE)
	$(BIN)/python benchmarks/keyword_baseline.py $(EVAL_FILE)
	$(BIN)/python benchmarks/draft_quality.py $(EVAL_FILE)

# The team's own held-out split (1 email in 7 of models/corpus, never trained on).
eval-heldout: $(STAMP)
	$(BIN)/python models/heldout.py models/build/heldout.jsonl
	$(BIN)/rebound eval models/build/heldout.jsonl
	$(BIN)/python benchmarks/keyword_baseline.py models/build/heldout.jsonl
	$(BIN)/python benchmarks/draft_quality.py models/build/heldout.jsonl

# Ordinary mail written for measuring only (models/probe, never trained on): how much of it is
# called a rejection or given any job label.
eval-ordinary: $(STAMP)
	@mkdir -p models/build
	cat models/probe/*/*.jsonl > models/build/probe.jsonl
	$(BIN)/rebound eval models/build/probe.jsonl

# One table: raw IMAP fetch against a first pass, new mail to draft, memory, a worker over many
# accounts; on loopback Dovecot and a real PostgreSQL (system-deps installs both on a fresh machine).
bench: $(STAMP) system-deps
	$(BIN)/python benchmarks/scale.py

bench-classify: $(STAMP)
	$(BIN)/python benchmarks/classify_speed.py

# APPEND to draft against a real Dovecot on loopback (`make test` installs it).
bench-push: $(STAMP)
	$(BIN)/python benchmarks/push_latency.py

clean:
	rm -rf $(VENV) models/build .pytest_cache .mypy_cache .ruff_cache
