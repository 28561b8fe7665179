# Minqing Map: on a fresh Debian 12 / Ubuntu machine, `make run` and `make test` are all it takes.
# Both install what they need (apt packages, the virtualenv, pip requirements) and start a project-local
# PostGIS unless DATABASE_URL points at a database already.

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.stamp
FLASK := $(VENV)/bin/flask --app app
POSTGIS := bash scripts/postgis.sh
LINT_PATHS := app tests geodata bench
PYTEST_ARGS ?=

# chromium: the browser tests drive Debian's build (Playwright may not download its own).
# fonts-wqy-zenhei: Chinese glyphs in pages and screenshots. poppler-utils: pdftoppm for PDF reports.
# The PostgreSQL server and PostGIS packages come from `scripts/postgis.sh packages`, which knows the major.
# wrk: the load generator `make bench` measures cached tiles with.
# python3-qgis qgis-providers: tests/test_qgis.py opens the downloaded QGIS project in Debian's QGIS (offscreen);
# gdal-bin: tests/test_gdal_cli.py runs the README's ogr2ogr lines.
# nginx, libnginx-mod-http-brotli-filter, gettext-base (envsubst for deploy/nginx/render.sh): the front
# server tests/test_stack.py starts.
SYSTEM_PACKAGES := chromium fonts-wqy-zenhei poppler-utils wrk python3-qgis qgis-providers gdal-bin \
	nginx libnginx-mod-http-brotli-filter gettext-base

# apt needs root; developers who are not get sudo.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# A DATABASE_URL from the environment (or the command line) wins and no local cluster is started.
ifeq ($(strip $(DATABASE_URL)),)
DATABASE_URL := $(shell $(POSTGIS) url)
LOCAL_DB := yes
endif
export DATABASE_URL

export PIP_DISABLE_PIP_VERSION_CHECK := 1

# One apt-get at a time, and deps before the venv that needs python3-venv, even under `make -j`.
.NOTPARALLEL:

.PHONY: help run test bench lint db stop-db deps venv clean distclean

help:
	@echo "make run      serve the app with the demo county on http://127.0.0.1:5000"
	@echo "make test     run the tests (PYTEST_ARGS='-k auth' to pass options)"
	@echo "make bench    run the benchmarks"
	@echo "make lint     ruff check and format check"
	@echo "make db       start the project-local PostGIS (unless DATABASE_URL is set); make stop-db stops it"
	@echo "make deps     install the system packages; make venv the virtualenv"
	@echo "make clean    remove caches and outputs; make distclean also the venv and the local database"

run: deps venv db
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) demo-users
	@# The job worker (atlases, exports, imports queued from the web) runs beside the server and stops with it.
	$(FLASK) worker & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
		$(FLASK) run --host 127.0.0.1 --port 5000

test: deps venv db
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: deps venv db
	$(VENV)/bin/pip install --quiet -r requirements-bench.txt
	$(VENV)/bin/python -m bench

lint: venv
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

db:
ifdef LOCAL_DB
	$(POSTGIS) start
else
	@echo "DATABASE_URL is set in the environment: using it, not starting the local PostGIS"
endif

stop-db:
	$(POSTGIS) stop

# dpkg-query rather than `dpkg -s`: a removed package whose config files remain still "exists" for dpkg -s.
# Debian's python3 has venv without ensurepip until python3-venv is installed, and then `-m venv` fails.
deps:
	@missing=""; \
	for pkg in $$($(POSTGIS) packages) $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q 'install ok installed' \
			|| missing="$$missing $$pkg"; \
	done; \
	$(PYTHON) -c 'import ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
		if [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null; then \
			echo "Missing packages:$$missing; install them as root (no sudo here)" >&2; exit 1; \
		fi; \
		echo "Installing system packages:$$missing"; \
		$(SUDO) apt-get update -qq \
		&& $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			-o DPkg::Lock::Timeout=600 $$missing; \
	fi

venv: $(STAMP)

# Re-installs only when a requirements file changes. A venv whose interpreter is gone (e.g. made by a
# Python that was since removed) is made again rather than patched.
$(STAMP): requirements.txt requirements-dev.txt | deps
	@$(VENV)/bin/python -c '' 2>/dev/null || { echo "Creating $(VENV)"; $(PYTHON) -m venv --clear $(VENV); }
	@echo "Installing requirements-dev.txt into $(VENV)"
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	@touch $@

clean:
	rm -rf .pytest_cache .ruff_cache geodata/out bench/out
	find . -path ./$(VENV) -prune -o -path ./.pgdata -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# .pgdata may be a symlink to where the postgres user can reach (see scripts/postgis.sh): remove both.
distclean: clean stop-db
	rm -rf "$$(readlink -f .pgdata)" .pgdata $(VENV)
