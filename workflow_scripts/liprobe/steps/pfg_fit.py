"""Rule pfg_fit: nmr_integrals + nmr_experiments (+ the difflist, acqus,
pulse program and TopSpin's ct1t2.txt of each PFG folder) -> pfg_diffusion
and pfg_attenuation (the points fitted)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from liprobe.errors import InputError
from liprobe.io.bruker import (
    parse_variable_list,
    read_parameters,
    read_topspin_diffusion,
)
from liprobe.io.runlog import rule_log
from liprobe.io.tables import input_hashes, read_table, sha256_file, write_table
from liprobe.pfg.encoding import from_acquisition, from_topspin
from liprobe.pfg.table import fit_pfg_table
from liprobe.steps.job import Job


def pfg_inputs(experiments: pd.DataFrame, log) -> tuple[dict, list[str]]:
    """The gradient list, the encoding and TopSpin's fit of every PFG
    experiment that was read (status ok), and the files read."""
    inputs, files = {}, []
    if "kind" not in experiments:
        return inputs, files
    pfg = experiments[experiments["kind"] == "pfg"]
    if "status" in pfg:
        pfg = pfg[pfg["status"] == "ok"]
    for _, row in pfg.iterrows():
        path = Path(row["path"])
        procno = int(row["procno"]) if pd.notna(row.get("procno")) else 1
        flags: list[str] = []
        acqus = read_parameters(path / "acqus")
        text_file = path / "pulseprogram"
        text = text_file.read_bytes().decode("latin-1") if text_file.is_file() else ""
        grads = parse_variable_list(
            path / "difflist", "difflist", int(row["n_increments"])
        )
        files += [str(path / "acqus"), str(path / "difflist")]
        if text_file.is_file():
            files.append(str(text_file))
        try:
            topspin = read_topspin_diffusion(path, procno)
        except InputError as exc:
            log.error("InputError: %s (TopSpin's diffusion fit left out)", exc)
            topspin = None
            flags.append("topspin_ct1t2_unreadable")
        if topspin is not None:
            files.append(str(topspin["source"].iloc[0]))
            encoding = from_topspin(topspin.iloc[0])
        else:
            encoding = from_acquisition(
                acqus,
                str(row.get("pulse_program", "") or ""),
                text,
                str(row.get("nucleus", "") or ""),
            )
        log.info(
            "%s: %d gradients up to %.4g G/cm; %s",
            row["experiment"],
            len(grads),
            float(grads.max()),
            encoding.convention,
        )
        inputs[str(row["experiment"])] = {
            "gradients_G_per_cm": grads,
            "encoding": encoding,
            "topspin": topspin,
            "flags": flags,
        }
    return inputs, files


def run(job: Job) -> None:
    """nmr_integrals + nmr_experiments -> pfg_diffusion."""
    with rule_log(job.log[0]) as log:
        integrals = read_table(job.input.integrals)
        experiments = read_table(job.input.experiments)
        hashes = input_hashes(job.input.integrals, job.input.experiments)
        inputs, files = pfg_inputs(experiments, log)
        hashes.update({f: sha256_file(f) for f in files})
        table, attenuation = fit_pfg_table(integrals, experiments, inputs)
        n_bad = int((~table["fit_ok"].astype(bool)).sum()) if len(table) else 0
        log.info("%d PFG fits (%d flagged not ok)", len(table), n_bad)
        write_table(table, job.output.diffusion, input_hashes=hashes)
        write_table(attenuation, job.output.attenuation, input_hashes=hashes)
