# liprobe: two commands do everything on a fresh machine with Python 3.11.
#   make run   build .venv, simulate the demo campaign, run the workflow on it
#   make test  the full test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 8

.PHONY: run test demo venv lint format report paper bench lock check-envs check-workflow clean

# requirements.lock: every package at one version, with the hashes of its files,
# compiled from pyproject.toml (the runtime dependencies and the cycler, slurm and
# dev extras). `make lock` recompiles it; the versions already in it are kept
# unless pyproject.toml asks for others (delete a line to let it move).
LOCK_FLAGS := --extra cycler --extra slurm --extra dev --generate-hashes \
	--python-version 3.11 --python-platform x86_64-manylinux_2_28

# The venv: the lock with hash checking, then liprobe itself as an editable
# install (its build backend, hatchling, comes from the lock).
$(BIN)/snakemake: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
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
	$(BIN)/snakemake --directory .test --lint

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/snakefmt Snakefile rules

bench: venv
	$(BIN)/python benchmarks/bench_relaxation.py
	$(BIN)/python benchmarks/bench_listmode.py
	$(BIN)/python benchmarks/bench_scaling.py

lock: venv
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.lock

# One venv per conda environment file (envs/*.yaml) at the lock's pins; each
# imports the modules of the rules that use it, isolated from this venv.
check-envs: venv
	$(BIN)/python tests/check_envs.py --python $(PYTHON)

# The workflow on the committed test campaign (.test/), as on a fresh clone
# before `make demo`: Snakemake's linter and a dry run of every job.
check-workflow: venv
	$(BIN)/snakemake --directory .test --lint
	$(BIN)/snakemake --directory .test --dry-run --quiet

clean:
	rm -rf results logs .snakemake demo
