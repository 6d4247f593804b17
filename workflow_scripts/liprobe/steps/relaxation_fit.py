"""Rule relaxation_fit: nmr_integrals + nmr_experiments -> relaxation_fits."""

from __future__ import annotations

import json

import pandas as pd

from liprobe.io.bruker import read_topspin_fits
from liprobe.io.runlog import rule_log
from liprobe.io.tables import input_hashes, read_table, write_table
from liprobe.nmr.kinds import RELAXATION_KINDS
from liprobe.options import RelaxationOptions
from liprobe.progress import Progress
from liprobe.relaxation.table import fit_relaxation_table
from liprobe.steps.job import Job


def topspin_fits(experiments) -> dict:
    """TopSpin's own fit results (``ct1t2.txt`` / ``t1t2.dx``) of every
    relaxation experiment whose folder holds them, by experiment."""
    out = {}
    if "path" not in experiments:
        return out
    relax = experiments[experiments["kind"].isin(RELAXATION_KINDS)]
    for _, row in relax.iterrows():
        procno = (
            int(row["procno"]) if "procno" in row and pd.notna(row["procno"]) else 1
        )
        table = read_topspin_fits(row["path"], procno)
        if table is not None:
            out[row["experiment"]] = table
    return out


def run(job: Job) -> None:
    """nmr_integrals + nmr_experiments -> relaxation_fits."""
    with rule_log(job.log[0]) as log:
        params = json.loads(json.dumps(dict(job.params.options)))
        options = RelaxationOptions.from_params(params, "relaxation")
        integrals = read_table(job.input.integrals)
        experiments = read_table(job.input.experiments)
        hashes = input_hashes(job.input.integrals, job.input.experiments)
        topspin = topspin_fits(experiments)
        log.info("TopSpin fit results read for %d experiments", len(topspin))
        progress = Progress(
            log,
            "relaxation fits"
            + (
                f" with {options.n_bootstrap} bootstrap refits"
                if options.n_bootstrap
                else ""
            ),
            # the regions of relaxation experiments only: a campaign's other 1D
            # kinds (cp, 1d, linewidth) share the integrals table but are not
            # fitted here
            len(
                integrals.loc[
                    integrals["experiment"].isin(
                        experiments.loc[
                            experiments["kind"].isin(RELAXATION_KINDS), "experiment"
                        ]
                    ),
                    ["experiment", "region"],
                ].drop_duplicates()
            ),
            unit="regions",
        )
        fits = fit_relaxation_table(
            integrals,
            experiments,
            options,
            integrals_name=job.input.integrals,
            experiments_name=job.input.experiments,
            topspin=topspin,
            progress=progress.advance,
        )
        progress.done()
        n_bad = int((~fits["fit_ok"]).sum()) if len(fits) else 0
        log.info("%d fits (%d flagged not ok)", len(fits), n_bad)
        write_table(fits, job.output.fits, input_hashes=hashes, config=params)
