# The two commands of the README: `make demo` and `make test`. Each creates .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint docs bench mutants clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.demo: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[svg]'
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@

$(VENV)/.docs: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,docs]'
	touch $@

demo: $(VENV)/.demo
	$(BIN)/microgradnet demo
	$(BIN)/microgradnet graph --output seed_network.svg

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(VENV)/.test lint
	$(BIN)/python -m pytest -n 2

# The build draws the graph pictures (docs/make_images.py) and runs every page's code, checking
# its printed output and writing the tutorial's figures (docs/conf.py).
docs: $(VENV)/.docs
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

bench: $(VENV)/.test
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m benchmarks.run $(BENCH_ARGS)

mutants: $(VENV)/.test
	$(BIN)/python tests/mutation/run.py

clean:
	rm -rf $(VENV) docs/_build docs/_generated .pytest_cache .mypy_cache .ruff_cache .hypothesis
