# The two commands a council's IT team needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

export CME_HOME ?= $(CURDIR)/.cme
export CME_PORT ?= 4200

.PHONY: run server deploy worker test lint venv clean browser-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## Start the product: migrate, Prefect server on 127.0.0.1:$(CME_PORT), deployments served.
run: $(STAMP)
	$(BIN)/python -m launcher

## Production (docs/deployment.md): the Prefect server (PostgreSQL, auth string) ...
server: $(STAMP)
	$(BIN)/python -m launcher.production server

## ... once per release: migrate, register prefect.yaml's deployments on the cme-process pool ...
deploy: $(STAMP)
	$(BIN)/python -m launcher.production deploy

## ... and a process worker on that pool, on every machine that runs stages.
worker: $(STAMP)
	$(BIN)/python -m launcher.production worker

## Debian's Chromium for the browser tests (never Playwright's own browser download).
browser-deps:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

## Run the whole test suite (SQLite by default; CME_TEST_DATABASE=postgresql for PostgreSQL).
test: $(STAMP) browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

clean:
	rm -rf $(VENV) .cme
