"""rules/exsy.smk on a small simulated EXSY campaign (2 temperatures x 4 mixing
times): a real run to the contract tables."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from liprobe.simulate.exsy import write_demo_exsy

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def campaign(tmp_path_factory, repo_dir):
    root = tmp_path_factory.mktemp("exsy_wf")
    run = root / "run"
    demo = write_demo_exsy(
        run / "raw",
        seed=2,
        temperatures_K=(298.0, 348.0),
        mixing_times_s=(0.01, 0.1, 1.0, 10.0),
    )
    rows = demo["nmr"]
    for r in rows:  # let the workflow detect the kind and derive the series
        r["kind"] = "auto"
        del r["series"]
    pd.DataFrame(rows).to_csv(run / "nmr.tsv", sep="\t", index=False)
    pd.DataFrame(demo["regions"]).to_csv(run / "regions.tsv", sep="\t", index=False)
    (run / "cfg.yaml").write_text(
        "sheets:\n  nmr: nmr.tsv\n  regions: regions.tsv\n"
        "exsy:\n  models: [two_site, diffusion_sphere]\n"
    )
    return repo_dir / "Snakefile", run


def _snakemake(snakefile, run, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAKEMAKE")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(snakefile),
            "--configfile",
            "cfg.yaml",
            "--cores",
            "2",
            *args,
        ],
        cwd=run,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_run_writes_contract_tables(campaign):
    snakefile, run = campaign
    res = _snakemake(snakefile, run, "results/tables/exsy_arrhenius.parquet")
    assert res.returncode == 0, res.stderr[-3000:]
    for series in ("LPSBr_LPSCl_mix_298K", "LPSBr_LPSCl_mix_348K"):
        # one volume job per series, kind and series derived from the folders
        assert (run / f"results/exsy/{series}/volumes.parquet").is_file()
        assert (run / f"logs/exsy/exsy_volumes/{series}.log").is_file()
    vol = pd.read_parquet(run / "results/tables/exsy_volumes.parquet")
    fits = pd.read_parquet(run / "results/tables/exsy_fits.parquet")
    arr = pd.read_parquet(run / "results/tables/exsy_arrhenius.parquet")
    assert len(vol) == 2 * 4 * 4
    assert set(vol["series"]) == {"LPSBr_LPSCl_mix_298K", "LPSBr_LPSCl_mix_348K"}
    for col in (
        "series",
        "temperature_K",
        "model",
        "k_AB_per_s",
        "k_AB_per_s_err",
        "k_BA_per_s",
        "k_BA_per_s_err",
        "D_m2_per_s",
        "D_m2_per_s_err",
        "fit_ok",
        "flags",
    ):
        assert col in fits.columns, col
    assert len(fits) == 4
    assert {"sample", "quantity", "Ea_eV", "Ea_eV_err"} <= set(arr.columns)
    assert set(arr["quantity"]) == {"k_AB", "k_BA", "D"}
    # values, not only columns: the volumes follow the simulated exchange
    assert np.isfinite(vol["volume"]).all() and (vol["volume_err"] > 0).all()
    peaks = vol.pivot_table(
        index=["series", "mixing_time_s"], columns="peak", values="volume"
    )
    errs = vol.pivot_table(
        index=["series", "mixing_time_s"], columns="peak", values="volume_err"
    )
    # detailed balance: the two cross peaks agree within their errors
    z = (peaks["AB"] - peaks["BA"]) / np.hypot(errs["AB"], errs["BA"])
    assert (z.abs() < 4).all(), z
    for series, grp in peaks.groupby(level="series"):
        cross = (grp["AB"] + grp["BA"]) / grp.sum(axis=1)
        # exchange builds up over the mixing time
        assert (np.diff(cross.to_numpy()) > -0.01).all(), (series, cross)
        assert cross.iloc[-1] - cross.iloc[0] > 0.2, (series, cross)
        assert (grp[["AA", "BB"]].iloc[0] > 0).all()
    diff = fits[fits["model"] == "diffusion_sphere"]
    assert diff["fit_ok"].all(), diff["flags"].tolist()
    assert (diff["D_m2_per_s"] > 0).all() and (diff["D_m2_per_s_err"] > 0).all()
    ea = arr.set_index("quantity").loc["D"]
    assert 0.1 < ea["Ea_eV"] < 0.5 and ea["Ea_eV_err"] > 0
