# TagDesk: the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint format bench sandbox clean venv install install-test

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "TagDesk needs Python 3.11 or newer (found %s)" % sys.version.split()[0])'
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtual environment. On Debian/Ubuntu: sudo apt-get install python3-venv"; exit 1; }
	$(PIP) install --quiet --upgrade pip

# Re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[test]'
	@touch $(VENV)/.installed $@

venv install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Start TagDesk on the built-in demo sandbox (a local Keap emulator with sample data).
demo: $(VENV)/.installed
	$(PY) -m app --demo

## Run the whole test suite headless.
test: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/mypy app

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff check --fix app tests bench

## Start the Keap sandbox on its own (prints url=, legacy_url=, key=).
sandbox: $(VENV)/.installed
	$(PY) -m app.sandbox --seed demo

bench: $(VENV)/.installed-test
	$(PY) bench/sandbox_page.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
