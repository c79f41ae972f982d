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
	$(VENV)/bin/ruff check app tests bench packaging tools
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

# -- packaging (issue 7): the frozen app, its smoke test, the Linux desktop install ------------
.PHONY: package package-test install-desktop uninstall-desktop icons
PREFIX ?= $(HOME)/.local

$(VENV)/.installed-package: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[test,package]'
	@touch $(VENV)/.installed $(VENV)/.installed-test $@

## Build the frozen app (PyInstaller, one folder) into dist/TagDesk/ and print its size.
package: $(VENV)/.installed-package
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller packaging/tagdesk.spec
	@du -sh dist/TagDesk

## Build the frozen app, then run the packaging tests on it (its --self-test, headless).
package-test: package
	QT_QPA_PLATFORM=offscreen TAGDESK_PACKAGE_TEST=1 $(PY) -m pytest -m packaging tests/packaging

## Install dist/TagDesk for this user (menu entry, icons; PREFIX=~/.local); builds it if missing.
install-desktop:
	@test -x dist/TagDesk/TagDesk || $(MAKE) package
	bash packaging/linux/install.sh --prefix "$(PREFIX)"

uninstall-desktop:
	bash packaging/linux/install.sh --prefix "$(PREFIX)" --uninstall

## Re-render resources/icons/*.png and tagdesk.ico after editing tagdesk.svg.
icons: $(VENV)/.installed
	$(PY) packaging/render_icons.py
