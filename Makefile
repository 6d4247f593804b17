# liprobe: two commands do everything on a fresh machine with Python 3.11.
#   make run   build .venv, simulate the demo campaign, run the workflow on it
#   make test  the full test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 8

.PHONY: run test demo venv lint format report paper bench clean

$(BIN)/snakemake: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

venv: $(BIN)/snakemake

demo/.built: $(BIN)/snakemake $(shell find workflow_scripts/liprobe/simulate -name '*.py')
	PYTHONPATH=workflow_scripts $(BIN)/python -m liprobe.simulate.demo demo
	touch $@

demo: demo/.built

run: demo
	$(BIN)/snakemake --cores $(CORES)

report: run
	$(BIN)/snakemake --cores $(CORES) --report results/report.html

test: venv
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile rules
	$(BIN)/snakemake --lint

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/snakefmt Snakefile rules

bench: venv
	$(BIN)/python benchmarks/bench_relaxation.py
	$(BIN)/python benchmarks/bench_listmode.py
	$(BIN)/python benchmarks/bench_scaling.py

clean:
	rm -rf results logs .snakemake demo
