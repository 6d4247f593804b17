"""Rule operando_nmr_components: one operando 7Li run's spectra -> their UTC
times and their Li-metal and SEI components (``li_metal_nmr`` rows)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.io.bruker import read_acquisition_times
from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table, write_table
from liprobe.nmr import process
from liprobe.nmr.acquisition import read_experiment
from liprobe.operando.components import (
    COMPONENT_COLUMNS,
    components_from_options,
    components_with_sites,
    run_components,
)
from liprobe.operando.timing import align_with_cycles, spectrum_times
from liprobe.options import NmrOptions, OperandoNmrOptions
from liprobe.steps.job import Job

COLUMNS = [
    "run",
    "cell",
    "spectrum",
    "expno",
    "increment",
    "t_start_utc",
    "t_end_utc",
    "t_mid_utc",
    "time_source",
    "cycle",
    "step",
    "window",
    "start_source",
    *COMPONENT_COLUMNS,
]


def run(job: Job) -> None:
    """Times and components of every spectrum of one operando NMR run."""
    with rule_log(job.log[0]) as log:
        p = job.params
        opts = OperandoNmrOptions.from_params(p.options, "operando_nmr")
        nmr_opts = NmrOptions.from_params(p.nmr_options, "nmr")
        row = dict(p.run_sheet)
        config = json.loads(
            json.dumps({"operando_nmr": p.options, "nmr": p.nmr_options, "run": row})
        )
        procno = int(row.get("procno") or 1)
        increment = row.get("increment")
        folders, spectra, larmor = [], [], []
        for folder in p.folders:
            fid = read_experiment(
                folder,
                procno,
                {},
                mixing_delay_index=int(p.mixing_delay_index),
                plausible_temperature_K=nmr_opts.plausible_temperature_K,
            )
            processed = process(fid, nmr_opts)
            n_rows = processed.data.shape[0]
            incs = [int(increment)] if increment else list(range(1, n_rows + 1))
            for inc in incs:
                if inc > n_rows:
                    raise InputError(
                        p.sheet_name,
                        f"increment (run {p.run})",
                        f"a row of {folder} (1 to {n_rows})",
                        inc,
                    )
                spectra.append((processed.ppm, processed.data[inc - 1]))
            larmor.append(float(fid.larmor_MHz))
            folders.append(
                {
                    "expno": fid.path.name,
                    "acqus": fid.acqus,
                    "acqus_file": str(fid.path / "acqus"),
                    "rows": n_rows,
                    "audit": read_acquisition_times(folder),
                    "increments": incs,
                }
            )
            log.info("%s: %d row(s), %s", folder, n_rows, processed.flags)
        times = spectrum_times(folders)
        # spectrum_times sorts by start time: order the spectra the same way
        order = (
            pd.DataFrame(
                [(f["expno"], inc) for f in folders for inc in f["increments"]],
                columns=["expno", "increment"],
            )
            .reset_index()
            .merge(times[["expno", "increment", "spectrum"]], on=["expno", "increment"])
            .sort_values("spectrum")["index"]
            .to_list()
        )
        spectra = [spectra[i] for i in order]
        cycles = read_table(job.input.cycles[0]) if job.input.cycles else None
        times = align_with_cycles(times, cycles)
        starts, start_source = components_with_sites(
            components_from_options(opts.params()["components"]),
            list(p.sites),
            p.sites_sheet_name,
        )
        log.info("component start values from: %s", start_source)
        comps = run_components(
            spectra,
            starts,
            metal_window_ppm=tuple(opts.metal_window_ppm),
            sei_window_ppm=tuple(opts.sei_window_ppm),
            shape=opts.shape,
            baseline_order=opts.baseline_order,
            sf_MHz=float(np.median(larmor)),
            poor_fit_p=opts.poor_fit_p_value,
        )
        table = comps.merge(times, on="spectrum", how="left")
        table["run"] = p.run
        table["cell"] = row["cell"]
        table["start_source"] = table["component"].map(start_source)
        table = table[COLUMNS]
        times.insert(0, "run", p.run)
        times["larmor_MHz"] = float(np.median(larmor))
        log.info(
            "%d spectra (%s), %d component rows",
            len(times),
            ", ".join(sorted(set(times["time_source"]))),
            len(table),
        )
        inputs = list(job.input.raw)
        write_table(times, job.output.times, inputs=inputs, config=config)
        write_table(table, job.output.components, inputs=inputs, config=config)
