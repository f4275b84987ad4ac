# The two commands a council's IT team needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

export CME_HOME ?= $(CURDIR)/.cme
export CME_PORT ?= 4200

# Debian's libraries WeasyPrint loads to render letters (Pango, HarfBuzz), the letters' font, and
# pdftoppm, which renders each letter's first page for the gallery (make screenshots).
LETTER_PACKAGES = libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils

.PHONY: run server deploy worker drop-watch test lint venv lock clean browser-deps letter-deps \
	system-deps verify-record public-form-assets user screenshots

# Every dependency at the version in requirements.lock, then the project itself without resolving
# again, so every machine runs what CI ran.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

## Re-resolve requirements.lock after changing pyproject.toml's dependencies (needs uv; versions
## already locked are kept where they still fit, UPGRADE=1 takes the newest).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu -o requirements.lock $(if $(UPGRADE),--upgrade)

## GOV.UK Frontend's compiled assets (and axe-core for the tests) from npm, pinned by the lock file.
PUBLIC_FORM_ASSETS = public_form/node_modules/.installed
$(PUBLIC_FORM_ASSETS): public_form/package.json public_form/package-lock.json
	cd public_form && npm ci --no-audit --no-fund --loglevel=error
	touch $(PUBLIC_FORM_ASSETS)

public-form-assets: $(PUBLIC_FORM_ASSETS)

## Start the product: migrate, Prefect server on 127.0.0.1:$(CME_PORT), deployments served,
## the public referral form on 127.0.0.1:$(CME_PUBLIC_FORM_PORT) and its drainer.
run: $(STAMP) letter-deps $(PUBLIC_FORM_ASSETS)
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

## ... and, on the one machine that sees the drop folders, the watch that imports school returns.
drop-watch: $(STAMP)
	$(BIN)/python -m launcher.drop_watch

## Debian packages the letters need, installed only when missing.
letter-deps:
	@missing=""; for package in $(LETTER_PACKAGES); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq $$missing; fi

## Debian's Chromium for the browser tests (never Playwright's own browser download).
browser-deps:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

## Everything from Debian that `make test` needs.
system-deps: letter-deps browser-deps

## Run the whole test suite (SQLite by default; CME_TEST_DATABASE=postgresql for PostgreSQL).
test: $(STAMP) system-deps $(PUBLIC_FORM_ASSETS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Refresh every screenshot in docs/screenshots (pages, forms, letters) and docs/gallery.md.
screenshots: $(STAMP) system-deps $(PUBLIC_FORM_ASSETS)
	CME_UPDATE_GUIDE=1 $(BIN)/python -m pytest -q tests/browser \
		tests/public_form/test_public_form_pages_browser.py tests/store/test_letters_read.py
	$(BIN)/python -m tools.gallery

## Check the hash chain of every case's record (REFERENCE=CME-2026-00001 for one); exit 1 if broken.
verify-record: $(STAMP)
	$(BIN)/python -m tasks.verify_case_record $(if $(REFERENCE),--reference $(REFERENCE))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

clean:
	rm -rf $(VENV) .cme public_form/node_modules

## Add, disable, enable, reset, list the people who sign in (docs/deployment.md), e.g.
## make user ARGS="add alice --name 'Alice Smith' --role officer --team-id cme-officer-dspl-1-5"
user: $(STAMP)
	$(BIN)/python -m launcher.people $(ARGS)
