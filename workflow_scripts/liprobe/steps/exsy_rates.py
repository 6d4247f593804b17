"""Rule exsy_rates: exchange rate constants per ordered site pair of every
EXSY series (two sites: the two-site fit's numbers; three or more: the N-site
fit of all N^2 volumes) and of every 1D selective-inversion series (the
N-site fit of its site integrals); write exsy_rates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from liprobe.exsy.rates import (
    RATE_COLUMNS,
    nsite_rates,
    selective_rates,
    two_site_rates,
)
from liprobe.io.runlog import rule_log
from liprobe.io.tables import input_hashes, read_table, write_table
from liprobe.options import ExsyOptions
from liprobe.progress import Progress
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Rate constants per ordered site pair of every EXSY and selective-exchange
    series."""
    with rule_log(job.log[0]) as log:
        opts = ExsyOptions.from_params(job.params.options, "exsy")
        inputs = dict(job.input.items())
        frames = []
        hashes = {}
        if "volumes" in inputs:
            frames += _two_d(job, opts, log)
            hashes.update(input_hashes(job.input.volumes))
        if "integrals" in inputs:
            frames += _selective(job, opts, log)
            hashes.update(input_hashes(job.input.integrals))
        frames = [f for f in frames if not f.empty]
        table = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=RATE_COLUMNS)
        )
        for _, r in table.iterrows():
            log.info(
                "%s %s %s %s -> %s: k = %.4g +- %.2g 1/s (fit_ok %s) %s",
                r["series"],
                r["method"],
                r["model"],
                r["site_from"],
                r["site_to"],
                r["k_per_s"],
                r["k_per_s_err"],
                r["fit_ok"],
                r["flags"],
            )
        write_table(table, job.output.rates, input_hashes=hashes, config=opts.params())


def _two_d(job: Job, opts: ExsyOptions, log) -> list[pd.DataFrame]:
    """Pair rows of the 2D series."""
    volumes = read_table(job.input.volumes)
    fits = read_table(job.input.fits)
    frames = []
    progress = Progress(log, "exsy rates", volumes["series"].nunique(), unit="series")
    for series, grp in volumes.groupby("series", sort=True):
        if grp["region_F1"].nunique() == 2:
            rates = two_site_rates(fits[fits["series"] == series], grp)
        else:
            rates = nsite_rates(
                grp,
                detailed_balance=opts.n_site_detailed_balance,
                poor_fit_p=opts.poor_fit_p_value,
            )
        frames.append(rates)
        progress.advance()
    progress.done()
    return frames


def selective_points(
    integrals: pd.DataFrame, experiments: pd.DataFrame, series: str, entry: dict
) -> pd.DataFrame:
    """The points of one selective-inversion series: its experiments' rows of
    ``nmr_integrals`` with the mixing time (the row's ``list_time_s`` of a
    pseudo-2D experiment with a vdlist, else the experiment's
    ``mixing_time_s``), temperature, inverted site, series, sample and the
    integral per NS x RG as ``integral``/``integral_err``. ``experiments`` is
    ``nmr_experiments`` indexed by experiment; ``entry`` the series' plan
    (``inverted``: experiment -> site, ``sample``)."""
    inverted = dict(entry["inverted"])
    rows = integrals[integrals["experiment"].isin(list(inverted))].copy()
    if rows.empty:
        return rows
    exps = experiments.loc[rows["experiment"]]
    listed = rows["list_time_s"].to_numpy(dtype=float)
    rows["mixing_time_s"] = np.where(
        np.isfinite(listed), listed, exps["mixing_time_s"].to_numpy(dtype=float)
    )
    rows["temperature_K"] = exps["temperature_K"].to_numpy(dtype=float)
    rows["inverted_site"] = rows["experiment"].map(inverted)
    rows["series"] = series
    rows["sample"] = entry["sample"]
    rows["integral"] = rows["integral_norm"]
    rows["integral_err"] = rows["integral_norm_err"]
    return rows


def _selective(job: Job, opts: ExsyOptions, log) -> list[pd.DataFrame]:
    """Pair rows of the 1D selective-inversion series: the integrals per NS x
    RG of ``nmr_integrals``, the mixing time from the experiment's list
    (``list_time_s``) or, one EXPNO per mixing time, its ``mixing_time_s``."""
    integrals = read_table(job.input.integrals)
    experiments = read_table(job.input.experiments).set_index("experiment")
    frames = []
    for series, entry in job.params.selective.items():
        rows = selective_points(integrals, experiments, series, entry)
        if rows.empty:
            log.info("%s: no integrals (experiments failed to read)", series)
            continue
        sites = list(entry["sites"]) or list(dict.fromkeys(rows["region"]))
        frames.append(
            selective_rates(
                rows,
                sites,
                detailed_balance=opts.n_site_detailed_balance,
                poor_fit_p=opts.poor_fit_p_value,
            )
        )
    return frames
