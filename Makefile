# The front door. `make` lists the targets; the README's commands are these targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install when pyproject.toml or constraints.txt changes (the stamp is older than either).
STAMP := $(VENV)/.installed
LOCK_VENV := .venv-lock

.PHONY: help reports test lab hooks lint format references lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (helpers)" >/dev/null
	@touch $@

reports: $(STAMP) ## Render every notebook on seeds/ into reports/ (HTML, figures, data, manifest)
	$(BIN)/python -m helpers reports --out reports

test: $(STAMP) ## Run the test suite (unit tests, notebooks under papermill, browser checks)
	$(BIN)/python -m pytest

lab: $(STAMP) ## Start JupyterLab on notebooks/ (edits to src/helpers reload without a kernel restart)
	$(BIN)/python -m helpers.lab --notebook-dir=notebooks

hooks: $(STAMP) ## Install the git commit hooks (jupytext sync, nbstripout, ruff; offline)
	$(BIN)/pre-commit install

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check src tests notebooks
	$(BIN)/ruff format --check src tests

format: $(STAMP) ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

references: $(STAMP) ## Regenerate the seeds' reference outputs in tests/reference/ (review the diff)
	@for script in tests/reference/make_*.py; do echo "$$script"; $(BIN)/python "$$script" || exit 1; done

lock: ## Re-resolve constraints.txt: the newest versions pyproject.toml allows (then make reports)
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '/^#/p' constraints.txt; $(LOCK_VENV)/bin/python -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf $(LOCK_VENV)
	@git diff --stat -- constraints.txt

clean: ## Remove the virtual environment and caches (not reports/)
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
