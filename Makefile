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

# The whole suite runs in .venv, which has pyarrow (pandas' Arrow-backed strings, as most
# researchers have). The loader and analysis tests run again in a small second environment
# WITHOUT pyarrow (Python-backed strings, pandas' C parser), so load() gives the same frames
# and problems on both. Created once (the package editable, its test dependencies named here);
# reinstalled only when pyproject.toml changes.
NOARROW := .venv-nopyarrow
NOARROW_STAMP := $(NOARROW)/.installed
NOARROW_TESTS := tests/test_load.py tests/test_readers.py tests/test_properties.py \
    tests/test_analysis.py tests/test_data.py tests/test_audit.py tests/test_export.py \
    tests/test_dates.py

$(NOARROW_STAMP): pyproject.toml
	@test -x $(NOARROW)/bin/python || $(PYTHON) -m venv $(NOARROW)
	$(NOARROW)/bin/python -m pip install --quiet --disable-pip-version-check \
	    'pandas>=3.1' 'numpy>=2.4' 'pytest>=9.2' 'hypothesis>=6.170' 'hatchling>=1.33' editables
	$(NOARROW)/bin/python -m pip install --quiet --disable-pip-version-check \
	    --no-deps --no-build-isolation -e .
	@if $(NOARROW)/bin/python -c 'import pyarrow' 2>/dev/null; then \
	    echo "$(NOARROW) must not have pyarrow"; exit 1; fi
	@touch $@

test: setup $(NOARROW_STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests/
	MPLBACKEND=Agg $(BIN)/python -m pytest --nbval --nbval-current-env -p no:cacheprovider notebooks/
	MPLBACKEND=Agg $(NOARROW)/bin/python -m pytest -p no:cacheprovider $(NOARROW_TESTS)

# Re-execute the notebooks in place (their committed outputs): the step after any change to data/.
notebooks: setup
	MPLBACKEND=Agg $(BIN)/python scripts/refresh-notebooks

bench: setup
	@shopt -s nullglob; scripts=(benchmarks/*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "no benchmarks yet in benchmarks/"; fi; \
	for f in "$${scripts[@]}"; do echo "== $$f"; MPLBACKEND=Agg $(BIN)/python "$$f" || exit 1; done

lint: setup
	$(BIN)/ruff check .

# JupyterLab on notebooks/ with the project's kernel, on a desktop or a headless server:
# no browser is started; scripts/lab prints the URL (with its token) to open, and how to
# reach it over an SSH tunnel. Jupyter refuses to run as root without --allow-root, which
# is passed only when running as root. Extra flags: make lab LAB_ARGS="--ip 0.0.0.0 --port 8888"
LAB_ARGS ?=
lab: setup
	$(BIN)/python scripts/lab --no-browser $$([ "$$(id -u)" -eq 0 ] && echo --allow-root) $(LAB_ARGS)

clean:
	rm -rf build dist .pytest_cache .ruff_cache reports/*.pdf reports/*.ipynb reports/.*.tmp
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(NOARROW)
