"""Shared fixtures.

Tests that read the real third-party files in ``../shared/data`` skip with a
reason when that folder is absent (a user's clone), but fail when the
environment variable ``CI`` is set, so they can never silently vanish from CI.
"""

from __future__ import annotations

import functools
import inspect
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

#: Stated relative uncertainty of the stopping powers, per material: how far
#: two maintained codes, SRIM-2013 (the demo NDP simulator's) and CATIMA (the
#: reduction's), differ over the energies of an NDP spectrum (700 keV to the
#: birth energy; ``tests/test_simulate_stopping.py`` holds them to these
#: bounds; measured up to 5.2 % in Li, 1.7 % in Cu, 4.3 % in PEO). Truth tests
#: on the demo add the systematic this implies in quadrature to their
#: statistical tolerance.
STOPPING_REL_UNCERTAINTY = {"Li": 0.06, "Cu": 0.02, "C2H4O": 0.05}


def _require_shared() -> Path:
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    reason = (
        f"real reference data not found at {SHARED_DATA} "
        "(place the shared data folder beside the repository to run these tests)"
    )
    if os.environ.get("CI"):
        pytest.fail(reason + "; CI is set, so this is an error, not a skip")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Path of ``../shared/data`` beside the repository (skip or fail if absent)."""
    return _require_shared()


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    """The repository root."""
    return REPO


def run_snakemake(
    workdir: Path,
    configfile: Path | None = None,
    targets: list[str] | None = None,
    executor: str = "local",
    cores: int = 2,
    keep_going: bool = False,
) -> None:
    """Run the workflow through Snakemake's Python API (raises on failure)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        DeploymentSettings,
        ExecutionSettings,
        OutputSettings,
        ResourceSettings,
    )

    configfiles = [Path(configfile)] if configfile else []
    with SnakemakeApi(OutputSettings(quiet=None)) as api:
        wf = api.workflow(
            snakefile=REPO / "Snakefile",
            workdir=Path(workdir),
            resource_settings=ResourceSettings(cores=cores),
            config_settings=ConfigSettings(configfiles=configfiles),
            deployment_settings=DeploymentSettings(),
        )
        dag = wf.dag(DAGSettings(targets=targets or []))
        dag.execute_workflow(
            executor=executor,
            execution_settings=ExecutionSettings(keep_going=keep_going),
        )


def forced_dag(workdir: Path, configfiles: list[Path], targets: list[str], collect):
    """``collect(job)`` for every job of the workflow's forced dry DAG of
    ``targets`` (nothing is executed)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        DeploymentSettings,
        OutputSettings,
        ResourceSettings,
    )

    with SnakemakeApi(OutputSettings(quiet=None)) as api:
        wf = api.workflow(
            snakefile=REPO / "Snakefile",
            workdir=Path(workdir),
            resource_settings=ResourceSettings(cores=1),
            config_settings=ConfigSettings(configfiles=list(configfiles)),
            deployment_settings=DeploymentSettings(),
        )
        dag_api = wf.dag(DAGSettings(targets=targets, forceall=True))
        workflow = dag_api.workflow_api._workflow
        workflow.dag_settings = dag_api.dag_settings
        workflow._prepare_dag(
            forceall=True, ignore_incomplete=True, lock_warn_only=True
        )
        workflow._build_dag()
        return [collect(job) for job in workflow.dag.jobs]


def simulate_demo(workdir: Path, **kwargs) -> Path:
    """Simulate the demo campaign's raw files and sheets into ``workdir/demo``
    (``kwargs`` go to :func:`liprobe.simulate.demo.build_demo`, e.g. ``parts``);
    return ``workdir``."""
    from liprobe.simulate.demo import build_demo

    old = Path.cwd()
    os.chdir(workdir)
    try:
        build_demo("demo", workdir=".", **kwargs)
    finally:
        os.chdir(old)
    return workdir


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Path:
    """The whole demo campaign simulated and reduced once per test session.

    Returns the working directory; its ``results/`` holds the tables and figures
    and ``demo/truth.json`` the parameters the raw files were simulated from.
    """
    workdir = simulate_demo(tmp_path_factory.mktemp("demo_run"))
    # the bundled demo configuration: its sheets (demo/*.tsv) resolve against
    # the working directory, its ndp block names the demo's layer stack
    cfg = workdir / "config.yaml"
    cfg.write_text((REPO / "config" / "config.yaml").read_text())
    run_snakemake(workdir, cfg, cores=2)
    return workdir


def _plain(value):
    """Tuples as lists (the schema validates JSON arrays)."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def nmr_opts(overrides: dict | None = None):
    """NmrOptions from the schema defaults with ``overrides`` (as a config would)."""
    from liprobe.options import defaults

    return defaults(nmr=_plain(overrides or {})).nmr


def relax(overrides: dict | None = None):
    """RelaxationOptions from the schema defaults with ``overrides``."""
    from liprobe.options import defaults

    return defaults(relaxation=_plain(overrides or {})).relaxation


def read_experiment(path, procno: int = 1, overrides: dict | None = None, **options):
    """:func:`liprobe.nmr.acquisition.read_experiment` with the config's defaults.

    ``options`` may set ``plausible_temperature_K`` or ``mixing_delay_index``;
    otherwise the schema defaults apply, as in a campaign that sets neither.
    """
    from liprobe.nmr.acquisition import read_experiment as read
    from liprobe.options import defaults

    base = defaults()
    kwargs = {
        "mixing_delay_index": base.exsy.mixing_delay_index,
        "plausible_temperature_K": base.nmr.plausible_temperature_K,
        **options,
    }
    return read(path, procno, dict(overrides or {}), **kwargs)


def ndp_opts(overrides: dict | None = None):
    """NdpOptions from the schema defaults with ``overrides`` (an ``ndp:`` block)."""
    from liprobe.options import defaults

    return defaults(ndp=_plain(overrides or {})).ndp


@functools.cache
def _default_options():
    from liprobe.options import defaults

    return defaults()


def schema_default(key: str):
    """The schema default of a dotted config key, typed as the steps pass it
    (``schema_default("exsy.poor_fit_p_value")``; EXSY's phase is ``exsy.phase``
    and a material's density ``relaxation.material.li_per_cm3``)."""
    value = _default_options()
    for part in key.split("."):
        value = getattr(value, part)
    return value


#: library parameters whose config key has another name, by stage
PARAMETER_KEYS = {
    "relaxation": {
        "poor_fit_p": "relaxation.poor_fit_p_value",
        "li_density_per_cm3": "relaxation.material.li_per_cm3",
    },
    "exsy": {
        "poor_fit_p": "exsy.poor_fit_p_value",
        "overlap": "exsy.overlap_correction",
        "margin_fraction": "exsy.noise_margin_fraction",
        "phase_mode": "exsy.phase",
        "delay_index": "exsy.mixing_delay_index",
        "li_density_per_cm3": "exsy.material.li_per_cm3",
    },
    "echem": {"fmt": "echem.format"},
    "ndp": {
        "order": "ndp.regularisation.order",
        "criterion": "ndp.regularisation.criterion",
    },
}


def with_schema_defaults(func, block: str, **keys: str):
    """``func`` with its required keyword-only parameters set to the schema
    defaults of the keys of ``block`` they name (:data:`PARAMETER_KEYS` and
    ``keys`` map a parameter to a dotted key when the names differ), as a
    campaign that sets none of them would run it. A call's keywords override.
    Required parameters without a schema key stay required."""
    keys = {**PARAMETER_KEYS.get(block, {}), **keys}
    bound = {}
    for param in inspect.signature(func).parameters.values():
        if param.kind is not param.KEYWORD_ONLY or param.default is not param.empty:
            continue
        key = keys.get(param.name, f"{block}.{param.name}")
        try:
            bound[param.name] = schema_default(key)
        except AttributeError:
            if param.name in keys:
                raise
    return functools.partial(func, **bound)
