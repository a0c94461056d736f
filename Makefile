# The whole set-up on a fresh machine is `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint serve install install-dev clean

$(BIN)/followlytics: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(BIN)/followlytics
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/followlytics

install-dev: $(VENV)/.dev

demo: install
	$(BIN)/followlytics demo

serve: install
	$(BIN)/followlytics serve

test: install-dev
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) demo-data .pytest_cache
