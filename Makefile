# ngowg-directory: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
PORT ?= 8000
export PORT

# Every package, transitive ones included, pinned with its hashes (uv pip compile
# --generate-hashes; `make lock` rewrites them): base.txt for the app, dev.txt for the app and
# the test tools.
LOCK := requirements/base.txt
LOCK_DEV := requirements/dev.txt

.PHONY: run test fuzz lint format install install-dev migrate seed clean bench load messages \
	translations prereqs prereqs-test lock lock-check fresh-check

# Prerequisites, checked before anything is made: one line naming the Debian package that is
# missing (README, "Start here"), instead of a failure deep inside pip or venv.
prereqs:
	@command -v $(PYTHON) >/dev/null 2>&1 || \
		{ echo "$(PYTHON) missing: apt-get install python3"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "$(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'), 3.11 or newer needed (Debian 12: apt-get install python3)"; exit 1; }
	@$(PYTHON) -c 'import sqlite3' 2>/dev/null || \
		{ echo "$(PYTHON) has no sqlite3 module: apt-get install python3 (Debian's has it)"; exit 1; }
	@[ -f $(VENV)/.created ] || $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || \
		{ echo "python3-venv missing: apt-get install python3-venv"; exit 1; }

# What `make test` needs beyond `make run`: nothing on a machine without Chromium, where the
# browser tests are skipped (and the tests needing PostgreSQL or redis-server, where those are
# absent). With Chromium, the browser tests need libatomic1 (Playwright's node) and npm (axe-core).
prereqs-test: prereqs
	@if [ -x /usr/bin/chromium ]; then \
		$(PYTHON) -c 'import ctypes.util, sys; sys.exit(not ctypes.util.find_library("atomic"))' || \
			{ echo "libatomic1 missing (Playwright's node, for the browser tests): apt-get install libatomic1"; exit 1; }; \
		command -v npm >/dev/null 2>&1 || \
			{ echo "npm missing (axe-core, for the browser tests): apt-get install npm"; exit 1; }; \
	fi

# The virtual environment, made whole or not at all: a venv that fails half-way (no ensurepip)
# is removed, and one left by an earlier failure (bin/python without a working pip) is remade.
# $(VENV)/.created is written last, so no broken venv satisfies this target.
$(VENV)/.created: | prereqs
	@if [ -x $(BIN)/python ] && $(BIN)/python -m pip --version >/dev/null 2>&1; then \
		echo "$(VENV) exists and works: kept"; \
	else \
		rm -rf $(VENV); \
		echo "$(PYTHON) -m venv $(VENV)"; \
		$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
			echo "could not create $(VENV) (python3-venv missing? apt-get install python3-venv)"; exit 1; }; \
		$(BIN)/python -m pip --version >/dev/null || { rm -rf $(VENV); \
			echo "$(VENV) has no working pip: removed (apt-get install python3-venv)"; exit 1; }; \
	fi
	@touch $@

$(BIN)/python: $(VENV)/.created

# Installed only from the lock file, every file checked against its hash. The project itself is
# then installed in editable mode, without dependencies and with the lock's setuptools (no
# build isolation: no unpinned download).
$(VENV)/.installed: $(LOCK) setup.cfg pyproject.toml | $(VENV)/.created
	@$(BIN)/python requirements/check_lock.py
	$(PIP) install --quiet --require-hashes -r $(LOCK)
	$(PIP) install -qq --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: $(LOCK_DEV) setup.cfg pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet --require-hashes -r $(LOCK_DEV)
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Rewrite the lock files from setup.cfg (install_requires, the dev extra) and the build
# requirements (requirements/build.in), with uv from requirements/tools.txt (itself locked) in a
# throw-away venv: one resolution for every Python from 3.11 and every platform, with markers
# (Debian 12's Python 3.11.2 needs async-timeout, 3.11.3 and later do not). Pins already in the
# files are kept unless setup.cfg moves them; UPGRADE=1 takes the newest releases setup.cfg
# allows. uv reads no pip.conf: behind a mirror, set UV_INDEX_URL.
UV_COMPILE = "$$tools/bin/uv" pip compile --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock: prereqs
	@set -e; tools=$$(mktemp -d); trap 'rm -rf "$$tools"' EXIT; \
	$(PYTHON) -m venv "$$tools"; \
	"$$tools/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes \
		-r requirements/tools.txt; \
	echo "uv pip compile -> requirements/tools.txt"; \
	$(UV_COMPILE) -o requirements/tools.txt requirements/tools.in; \
	echo "uv pip compile -> $(LOCK_DEV)"; \
	$(UV_COMPILE) --extra dev -o $(LOCK_DEV) setup.cfg requirements/build.in; \
	echo "uv pip compile -> $(LOCK) (constrained by $(LOCK_DEV): the same versions)"; \
	$(UV_COMPILE) -c $(LOCK_DEV) -o $(LOCK) setup.cfg requirements/build.in; \
	$(PYTHON) requirements/check_lock.py

lock-check:
	@$(PYTHON) requirements/check_lock.py

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

# PORT (exported above) is where gunicorn listens and, unless BASE_URL is set, where the links
# in e-mails lead (config.default_base_url).
run: prereqs migrate translations
	$(BIN)/ngowg seed-demo --if-empty
	@$(BIN)/python -c 'from ngowg_directory.config import Config; \
		print(f"Serving on http://127.0.0.1:$(PORT), links in e-mails to {Config().BASE_URL} (Ctrl-C stops)")'
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# axe-core for the accessibility browser tests, from the npm registry (pinned in the lock file).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null; then cd tests/browser && npm ci --no-audit --no-fund; \
	else echo "no npm: axe-core not installed (without Chromium the browser tests are skipped)"; fi
	@if [ -f $@ ]; then touch $@; fi

test: prereqs-test install-dev translations $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The model-based privacy test (tests/test_model_based.py) with a larger budget than CI's:
# FUZZ_EXAMPLES random sequences of FUZZ_STEPS actions (TEST_DATABASE_URL for PostgreSQL).
FUZZ_EXAMPLES ?= 500
FUZZ_STEPS ?= 40
fuzz: install-dev translations
	NGOWG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) NGOWG_FUZZ_STEPS=$(FUZZ_STEPS) $(BIN)/python -m pytest \
		-p no:cacheprovider --hypothesis-show-statistics tests/test_model_based.py -k random_sequences $(PYTEST_ARGS)

# Benchmarks of issues 9, 10 and 17 on 100,000 generated people (data in /tmp/ngowg-bench), figures
# into docs/PERFORMANCE.md: SQLite always, PostgreSQL too with BENCH_PG_URL (its own database;
# BENCH_DATABASE_URL is read as well), then the mixed load for LOAD_SECONDS (default 300, 0 skips).
BENCH_PG_URL ?= $(BENCH_DATABASE_URL)
LOAD_SECONDS ?= 300
# BENCH_PEOPLE=1000000: search in process at a million people too (generated once, minutes).
BENCH_PEOPLE ?= 0
bench: install-dev
	$(BIN)/python bench/run.py --pg-url "$(BENCH_PG_URL)" --load-seconds $(LOAD_SECONDS) --large-people $(BENCH_PEOPLE)

# The five-minute mixed load alone (issue 10): LOAD_DATABASE_URL, LOAD_SECONDS.
LOAD_DATABASE_URL ?= sqlite:////tmp/ngowg-load/ngowg.db
load: install-dev
	mkdir -p /tmp/ngowg-load
	$(BIN)/python bench/load.py --database-url $(LOAD_DATABASE_URL) --seconds $(LOAD_SECONDS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ngowg_directory
	$(BIN)/lint-imports --no-cache

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# A bare Debian 12 made with debootstrap, a clean checkout of HEAD, the README's apt-get line
# alone, then `make test` and `make run` in it (scripts/fresh-check; as root, by hand, not in CI).
fresh-check:
	bash scripts/fresh-check

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
