# Two entry points (see README.md): `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
PORT ?= 5000
# pytest-xdist workers for `make test`: two per core, since the suite's system tests mostly wait (for gunicorn to
# start, for the browser); docs/development.md has the measurement behind the default. 0: one process.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: install run test vendor

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

# Install, migrate an SQLite database under instance/, load the seed data, serve on 127.0.0.1:$(PORT)
# (make run PORT=5001 for another port). Local demo: GET requests are open (OPEN_READS=1); writes need a token.
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed
	$(BIN)/flask rollups rebuild --if-stale
	OPEN_READS=1 $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Install and run the whole test suite (SQLite; set TEST_DATABASE_URL for PostgreSQL), on TEST_WORKERS
# pytest-xdist workers, each with a database of its own. --dist loadfile: a module's tests run on one worker, one
# after the other (test_replicas.py stops and starts the replica they share). Not loadgroup and xdist_group:
# with pytest 9.2 it groups nothing, silently (pytest-xdist issue 1386). --max-worker-restart=0: a worker ended
# by the hang guard is not replaced: its test fails, the rest of its module is not run, the other workers finish
# and the run fails (a replaced worker once left a run waiting forever). --no-loadscope-reorder: the modules in the
# order tests/conftest.py gives them (the system tests, the longest, first), not the most numerous first.
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --max-worker-restart=0

# Re-copy the web app's browser libraries, pinned in package-lock.json, into portfolio/web/static/vendor (needs
# Node's npm; `make run` does not: the copies are committed).
vendor:
	npm ci --no-audit --no-fund
	$(PYTHON) portfolio/web/vendor.py
