PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint demo clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Quiet when it works; the whole pip log when it does not.
$(STAMP): pyproject.toml | $(PY)
	@echo "installing Majlis into $(VENV) (log: $(VENV)/install.log)"
	@{ $(PY) -m pip install --upgrade pip && $(PY) -m pip install -e '.[test]'; } > $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

run: $(STAMP)
	@$(PY) -m bot

test: $(STAMP)
	$(PY) -m ruff format --check bot cogs tests bench
	$(PY) -m ruff check bot cogs tests bench
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m bench

demo: $(STAMP)
	$(PY) -m bot.demo $(ARGS)

lint: $(STAMP)
	$(PY) -m ruff format --check bot cogs tests bench
	$(PY) -m ruff check bot cogs tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
