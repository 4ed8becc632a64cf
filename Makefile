# Two entry points (see README): `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: install run test

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

# Install, migrate an SQLite database under instance/, load the seed data, serve on 127.0.0.1:5000.
# Local demo: GET requests are open (OPEN_READS=1); writes need a token (see README).
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed
	OPEN_READS=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

# Install and run the whole test suite (SQLite; set TEST_DATABASE_URL for another database).
test: install
	$(BIN)/python -m pytest
