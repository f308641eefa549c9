# The project's verbs. `make brief` and `make test` are the whole set-up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
START ?= 2020-01-01
END ?= 2024-12-31

.PHONY: setup system-deps brief test bench lint lab notebooks clean distclean

setup: system-deps $(STAMP)

# Reinstalls only when pyproject.toml changes; a second `make setup` takes seconds.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,lab]'
	# A kernel spec inside the venv, so papermill and nbval run notebooks on this interpreter.
	$(BIN)/python -m ipykernel install --sys-prefix --name kirkuk-analysis \
	    --display-name 'Python (kirkuk-analysis)' >/dev/null
	@touch $@

system-deps:
	@bash scripts/ensure-system-deps

brief: setup
	$(BIN)/kirkuk-analysis brief --start $(START) --end $(END)

test: setup
	MPLBACKEND=Agg $(BIN)/python -m pytest tests/
	MPLBACKEND=Agg $(BIN)/python -m pytest --nbval --nbval-current-env -p no:cacheprovider notebooks/

# Re-execute the notebooks in place (their committed outputs): the step after any change to data/.
notebooks: setup
	MPLBACKEND=Agg $(BIN)/python scripts/refresh-notebooks

bench: setup
	@shopt -s nullglob; scripts=(benchmarks/*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "no benchmarks yet in benchmarks/"; fi; \
	for f in "$${scripts[@]}"; do echo "== $$f"; MPLBACKEND=Agg $(BIN)/python "$$f" || exit 1; done

lint: setup
	$(BIN)/ruff check .

lab: setup
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf build dist .pytest_cache .ruff_cache reports/*.pdf reports/*.ipynb reports/.*.tmp
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
