# The two commands a council's IT team needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

export CME_HOME ?= $(CURDIR)/.cme
export CME_PORT ?= 4200

# Debian's libraries WeasyPrint loads to render letters (Pango, HarfBuzz) and the letters' font.
LETTER_PACKAGES = libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

.PHONY: run test lint venv clean browser-deps letter-deps system-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## Start the product: migrate, Prefect server on 127.0.0.1:$(CME_PORT), deployments served.
run: $(STAMP) letter-deps
	$(BIN)/python -m launcher

## Debian packages the letters need, installed only when missing.
letter-deps:
	@missing=""; for package in $(LETTER_PACKAGES); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq $$missing; fi

## Debian's Chromium for the browser tests (never Playwright's own browser download).
browser-deps:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

## Run the whole test suite (SQLite by default; CME_TEST_DATABASE=postgresql for PostgreSQL).
## Everything from Debian that `make test` needs.
system-deps: letter-deps browser-deps

test: $(STAMP) system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

clean:
	rm -rf $(VENV) .cme
