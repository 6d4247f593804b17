"""One rule-body style: every rule's work is one step function in the library.

* Every script in ``workflow_scripts/`` only hands Snakemake's job to
  :func:`liprobe.steps.run.run_step`, naming the step of its own rule.
* Steps run without Snakemake: a :class:`liprobe.steps.job.Job` of plain data
  is all they need (checked on the relaxation steps with a small campaign).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liprobe.io.tables import read_metadata, read_table, write_table
from liprobe.steps.job import Fields, Job

SCRIPTS = Path(__file__).resolve().parents[1] / "workflow_scripts"
SCRIPT_NAMES = sorted(p.stem for p in SCRIPTS.glob("*.py"))


@pytest.mark.parametrize("name", SCRIPT_NAMES)
def test_every_script_only_hands_the_job_to_its_step(name):
    tree = ast.parse((SCRIPTS / f"{name}.py").read_text())
    body = [n for n in tree.body if not isinstance(n, ast.Expr | ast.Import)]
    body = [n for n in body if not isinstance(n, ast.ImportFrom)]
    calls = [n for n in tree.body if isinstance(n, ast.Expr)]
    assert ast.get_docstring(tree), f"{name}: no docstring"
    assert not body, f"{name}: code besides the hand-over: {ast.unparse(body[0])}"
    (call,) = [c.value for c in calls if isinstance(c.value, ast.Call)]
    assert ast.unparse(call.func) == "run_step"
    target = call.args[0].value
    assert target == f"liprobe.steps.{name}:run"
    assert ast.unparse(call.args[1]) == "snakemake"
    module = importlib.import_module(f"liprobe.steps.{name}")
    assert callable(module.run)


def _job(tmp_path: Path, name: str, inputs: dict, outputs: dict, params: dict):
    return Job(
        input=Fields(inputs),
        output=Fields({k: str(tmp_path / v) for k, v in outputs.items()}),
        params=Fields(params),
        log=[str(tmp_path / f"{name}.log")],
    )


def test_relaxation_steps_run_on_plain_jobs(tmp_path):
    """A saturation-recovery series through the two relaxation steps."""
    from liprobe.options import defaults
    from liprobe.steps import relaxation_fit, relaxation_temperature

    rng = np.random.default_rng(7)
    t = np.geomspace(1e-3, 10.0, 12)
    temps = np.linspace(200.0, 400.0, 8)
    t1 = 0.05 * np.exp(800.0 * (1 / temps - 1 / 300.0))
    experiments, integrals = [], []
    for i, (T, tau) in enumerate(zip(temps, t1, strict=True)):
        name = f"x{i}"
        experiments.append(
            {
                "experiment": name,
                "sample": "s",
                "series": "s",
                "kind": "t1_sr",
                "temperature_K": T,
                "larmor_MHz": 194.4,
            }
        )
        y = 1 - np.exp(-t / tau) + rng.normal(0, 0.01, t.size)
        for k, (ti, yi) in enumerate(zip(t, y, strict=True)):
            integrals.append(
                {
                    "experiment": name,
                    "increment": k,
                    "list_time_s": ti,
                    "region": "Li",
                    "integral": yi,
                    "integral_err": 0.01,
                }
            )
    write_table(pd.DataFrame(experiments), tmp_path / "experiments.parquet")
    write_table(pd.DataFrame(integrals), tmp_path / "integrals.parquet")
    options = defaults(relaxation={"quantities": ["integral"]}).relaxation.params()
    relaxation_fit.run(
        _job(
            tmp_path,
            "fit",
            {
                "integrals": str(tmp_path / "integrals.parquet"),
                "experiments": str(tmp_path / "experiments.parquet"),
            },
            {"fits": "fits.parquet"},
            {"options": options},
        )
    )
    fits = read_table(tmp_path / "fits.parquet")
    sel = (
        fits[fits["selected"]].set_index("experiment").loc[[f"x{i}" for i in range(8)]]
    )
    z = (sel["time_constant_s"] - t1) / sel["time_constant_s_err"]
    assert np.all(np.abs(z) < 4), z
    assert "liprobe.config_hash" in read_metadata(tmp_path / "fits.parquet")
    relaxation_temperature.run(
        _job(
            tmp_path,
            "temperature",
            {"fits": str(tmp_path / "fits.parquet")},
            {"arrhenius": "arrhenius.parquet"},
            {"options": options},
        )
    )
    table = read_table(tmp_path / "arrhenius.parquet")
    assert {"bpp", "bpp_beta2"} <= set(table["model"])
    assert (tmp_path / "temperature.log").read_text()


def test_nmr_convert_writes_one_table_set_per_series(tmp_path, demo_run):
    """Two experiments of one series through the conversion step on a plain Job:
    each table holds both, in sheet order, with their raw files' hashes."""
    from liprobe.options import defaults
    from liprobe.steps import nmr_convert

    demo_nmr = demo_run / "demo"
    sheet = pd.read_csv(demo_nmr / "nmr.tsv", sep="\t")
    sheet = sheet[sheet["kind"].fillna("auto") != "exsy"].head(2)
    regions = pd.read_csv(demo_nmr / "regions.tsv", sep="\t")
    items = [
        {
            "experiment": row.experiment,
            "sample": row.sample,
            "series": "s1",
            "path": str(demo_nmr.parent / row.path),
            "procno": 1,
            "particle_radius_um": None,
            "overrides": {},
            "regions": regions[["region", "ppm_min", "ppm_max"]].to_dict("records"),
        }
        for row in sheet.itertuples()
    ]
    options = defaults()
    job = _job(
        tmp_path,
        "nmr_convert",
        {},
        {name: f"{name}.parquet" for name in nmr_convert.TABLES},
        {
            "experiments": items,
            "options": options.nmr.params(),
            "mixing_delay_index": options.exsy.mixing_delay_index,
        },
    )
    nmr_convert.run(job)
    names = list(sheet["experiment"])
    for name in nmr_convert.TABLES:
        table = read_table(job.output[name])
        assert list(dict.fromkeys(table["experiment"])) == names, name
    experiments = read_table(job.output.experiments)
    assert list(experiments["series"]) == ["s1", "s1"]
    integrals = read_table(job.output.integrals)
    assert (integrals["integral_err"] > 0).all()
    hashes = read_metadata(job.output.integrals)["liprobe.inputs_sha256"]
    for item in items:
        assert str(Path(item["path"]) / "ser") in hashes
