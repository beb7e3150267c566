# The newest of python3.13, python3.12, python3.11, or a python3 that is at least 3.11. A name is taken
# only if it runs (a pyenv shim for a version that is not selected exists but fails).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test unit typecheck mutate bench lint demo clean

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required (tried python3.13, python3.12, python3.11, python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Quiet when it works; the whole pip log when it does not.
$(STAMP): pyproject.toml setup.py | $(PY)
	@echo "installing Majlis into $(VENV) (log: $(VENV)/install.log)"
	@{ $(PY) -m pip install --upgrade pip && $(PY) -m pip install -e '.[test]'; } > $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

run: $(STAMP)
	@$(PY) -m bot

test: $(STAMP)
	$(PY) -m ruff format --check bot cogs tests bench
	$(PY) -m ruff check bot cogs tests bench
	$(PY) -m mypy
	$(PY) -m pytest -q

# The fast loop while working: pure logic and storage; no fake Discord (e2e), no wheel build (slow).
unit: $(STAMP)
	$(PY) -m pytest -q -m "not e2e and not slow"

typecheck: $(STAMP)
	$(PY) -m mypy

# Mutation testing (slow, so not part of `make test`): one line per module, see tests/README.md.
# `make mutate MODULES="matching_solving swapmatch"` runs only those; MUTATE_JOBS=1 leaves a core free.
MUTATE_STAMP := $(VENV)/.installed-mutate
$(MUTATE_STAMP): pyproject.toml setup.py | $(STAMP)
	@echo "installing the mutation tools into $(VENV) (log: $(VENV)/install-mutate.log)"
	@$(PY) -m pip install -e '.[test,mutate]' > $(VENV)/install-mutate.log 2>&1 \
		|| { cat $(VENV)/install-mutate.log; exit 1; }
	@touch $(MUTATE_STAMP)

mutate: $(MUTATE_STAMP)
	@$(PY) tests/mutate.py $(MODULES)

bench: $(STAMP)
	$(PY) -m bench

demo: $(STAMP)
	$(PY) -m bot.demo $(ARGS)

lint: $(STAMP)
	$(PY) -m ruff format --check bot cogs tests bench
	$(PY) -m ruff check bot cogs tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
