# ngowg-directory: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test fuzz lint format install install-dev migrate seed clean bench load messages translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: setup.cfg pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/ngowg db upgrade

seed: migrate
	$(BIN)/ngowg seed-demo

# Languages (Flask-Babel). `make messages` extracts every string into messages.pot and
# UPDATES the fr/es/ar catalogues (.po) with it: new strings arrive untranslated, removed
# ones become obsolete (#~). `make translations` compiles the .po files into .mo files,
# which are built, never committed (*.mo is in .gitignore); run and test do it first.
TRANSLATIONS := ngowg_directory/translations
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
BABEL_KEYWORDS := -k _l -k lazy_gettext -k ngettext:1,2
# pybabel skips folders whose names start with "_" unless told otherwise: templates/_macros holds strings.
BABEL_IGNORE := --ignore-dirs '.*'

messages: install
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) $(BABEL_IGNORE) --no-location --sort-output \
		-o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	$(MAKE) translations

translations: $(MO_FILES)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile -l $* -i $< -o $@

run: migrate translations
	$(BIN)/ngowg seed-demo --if-empty
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl-C stops)"
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# axe-core for the accessibility browser tests, from the npm registry (pinned in the lock file).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null; then cd tests/browser && npm ci --no-audit --no-fund; \
	else echo "npm not found: axe-core is missing, the accessibility browser tests will fail"; fi
	@if [ -f $@ ]; then touch $@; fi

test: install-dev translations $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The model-based privacy test (tests/test_model_based.py) with a larger budget than CI's:
# FUZZ_EXAMPLES random sequences of FUZZ_STEPS actions (TEST_DATABASE_URL for PostgreSQL).
FUZZ_EXAMPLES ?= 500
FUZZ_STEPS ?= 40
fuzz: install-dev translations
	NGOWG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) NGOWG_FUZZ_STEPS=$(FUZZ_STEPS) $(BIN)/python -m pytest \
		-p no:cacheprovider --hypothesis-show-statistics tests/test_model_based.py -k random_sequences $(PYTEST_ARGS)

# Benchmarks of issues 9 and 10 on 100,000 generated people (data in /tmp/ngowg-bench), figures
# into docs/PERFORMANCE.md: SQLite always, PostgreSQL too with BENCH_PG_URL (its own database;
# BENCH_DATABASE_URL is read as well), then the mixed load for LOAD_SECONDS (default 300, 0 skips).
BENCH_PG_URL ?= $(BENCH_DATABASE_URL)
LOAD_SECONDS ?= 300
bench: install-dev
	$(BIN)/python bench/run.py --pg-url "$(BENCH_PG_URL)" --load-seconds $(LOAD_SECONDS)

# The five-minute mixed load alone (issue 10): LOAD_DATABASE_URL, LOAD_SECONDS.
LOAD_DATABASE_URL ?= sqlite:////tmp/ngowg-load/ngowg.db
load: install-dev
	mkdir -p /tmp/ngowg-load
	$(BIN)/python bench/load.py --database-url $(LOAD_DATABASE_URL) --seconds $(LOAD_SECONDS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
