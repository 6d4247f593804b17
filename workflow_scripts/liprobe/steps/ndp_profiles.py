"""Rule ndp_profiles: calibrate, invert and normalise one run's slice spectra."""

from __future__ import annotations

import numpy as np
import pandas as pd

from liprobe.errors import fit_context
from liprobe.io.runlog import rule_log
from liprobe.io.srim import read_srim
from liprobe.io.tables import input_hashes, read_table, write_table
from liprobe.ndp.concentration import (
    reduce_run,
    reference_sensitivity,
    sensitivity_configured,
)
from liprobe.ndp.response import stack_from_config
from liprobe.ndp.sheet import run_setting
from liprobe.options import NdpOptions
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """calibrate, invert and normalise one run's slice spectra."""
    with (
        rule_log(job.log[0]) as log,
        fit_context(f"run {job.params.run}", job.input.spectra),
    ):
        p = job.params
        opts = NdpOptions.from_params(p.options, "ndp")
        run, row, config = run_setting(p)
        srim = {
            particle: read_srim(path)
            for particle, path in opts.srim.params().items()
            if path is not None
        }
        slices = read_table(job.input.slices)
        spectra = read_table(job.input.spectra)
        bg = read_table(job.input.background)
        acc = read_table(job.input.accounting)
        hashes = input_hashes(job.input.slices)
        n_ch = int(opts.n_channels)
        hist = np.zeros((len(slices), n_ch), np.int64)
        pos = {s: i for i, s in enumerate(slices["slice"])}
        hist[spectra["slice"].map(pos).to_numpy(), spectra["channel"].to_numpy()] = (
            spectra["counts"].to_numpy()
        )
        background = None
        if len(bg) and float(bg["live_s"].iloc[0]) > 0:
            b = np.zeros(n_ch)
            b[bg["channel"].to_numpy(int)] = bg["counts"].to_numpy()
            background = (b, float(bg["live_s"].iloc[0]))
        layers = stack_from_config(row["stack"], opts.stacks)
        norm = opts.normalisation
        sensitivity, sensitivity_err = None, float("nan")
        if norm.method == "reference":
            ref = read_table(job.input.reference)
            sensitivity, sensitivity_err = reference_sensitivity(
                hist.sum(axis=0), ref, layers, opts, str(row["reference"]), srim=srim
            )
            log.info(
                "sensitivity from the reference: %.4g +- %.2g",
                sensitivity,
                sensitivity_err,
            )
        # run_sheet gives None for an empty cell; a thickness without an error is
        # taken as exact
        thick = row["deposit_thickness_um"]
        thick = None if thick is None else float(thick)
        thick_err = row["deposit_thickness_um_err"]
        thick_err = 0.0 if thick_err is None else float(thick_err)
        if thick is not None:
            log.info("deposit thickness given: %.3g +- %.2g um", thick, thick_err)
        res = reduce_run(
            hist,
            slices,
            layers,
            opts,
            li6_fraction=float(row["li6_fraction"]),
            area_cm2=float(row["area_cm2"]),
            background=background,
            sensitivity=sensitivity,
            sensitivity_err=None if sensitivity is None else sensitivity_err,
            deposit_thickness_um=thick,
            deposit_thickness_um_err=thick_err,
            srim=srim,
        )
        inv = res["inversion"]
        inv.insert(0, "run", run)
        if len(inv):
            r0 = inv.dropna(subset=["strength"]).head(1)
            for _, r in r0.iterrows():
                log.info(
                    "regularisation: %s, strength %.4g, %d bins on the bound",
                    r["regularisation"],
                    r["strength"],
                    int(inv["n_bins_at_bound"].sum()),
                )
        cal = res["calibration"]
        log.info("calibration: %s", cal)
        log.info("energy reasons: %s", res["energy_reasons"])
        # split the histogrammed events of the run's files into their final reasons
        files = acc.loc[acc["reason"] == "in_slices", "file"].tolist()
        sample_rows = acc[acc["file"].isin(files) & (acc["reason"] != "in_slices")]
        in_slices = acc[acc["reason"] == "in_slices"]
        rows = [sample_rows]
        # energy reasons are known for the sum of the files: attribute them to the
        # first file when there is one, proportionally otherwise
        total_in = in_slices["n_events"].sum()
        remaining = dict(res["energy_reasons"])
        for i, (_, r) in enumerate(in_slices.iterrows()):
            share = {}
            for reason, n in res["energy_reasons"].items():
                if i == len(in_slices) - 1:
                    share[reason] = remaining[reason]
                else:
                    share[reason] = int(round(n * r["n_events"] / max(total_in, 1)))
                    remaining[reason] -= share[reason]
            rows.append(
                pd.DataFrame(
                    {
                        "run": run,
                        "file": r["file"],
                        "reason": list(share),
                        "n_events": list(share.values()),
                    }
                )
            )
        rows.append(acc[~acc["file"].isin(files)])
        accounting = pd.concat(rows, ignore_index=True)
        accounting = accounting[["run", "file", "reason", "n_events"]]
        prof = res["profiles"]
        prof.insert(0, "run", run)
        base = res["baseline"]
        base.insert(0, "run", run)
        spec = res["spectra"]
        spec.insert(0, "run", run)
        k_used = sensitivity or sensitivity_configured(norm, float(row["area_cm2"]))
        calib = pd.DataFrame(
            [
                {
                    "run": run,
                    **cal,
                    "normalisation": norm.method,
                    "counts_per_s_per_li6_per_cm2": k_used,
                    "counts_per_s_per_li6_per_cm2_err": sensitivity_err,
                }
            ]
        )
        n_bad = int((~prof.groupby("slice")["fit_ok"].first()).sum())
        if n_bad:
            log.warning("%d of %d slices flagged", n_bad, prof["slice"].nunique())
        kw = {"input_hashes": hashes, "config": config}
        write_table(prof, job.output.profiles, **kw)
        write_table(base, job.output.baseline, **kw)
        write_table(spec, job.output.fit_spectra, **kw)
        write_table(calib, job.output.calibration, **kw)
        write_table(accounting, job.output.accounting, **kw)
        write_table(inv, job.output.inversion, **kw)
