"""Rule operando_nmr_accounting: one operando NMR run's metal areas -> Li per
cm2 per spectrum (``li_inventory`` rows, ``method = nmr``) and per-cycle Li
efficiency, dead Li and SEI growth (``efficiency`` rows, ``method = nmr``)."""

from __future__ import annotations

import json

import pandas as pd

from liprobe.accounting import efficiency, li_inventory
from liprobe.io.runlog import rule_log
from liprobe.io.tables import input_hashes, read_table, write_table
from liprobe.operando.inventory import metal_inventory, sei_growth
from liprobe.options import OperandoNmrOptions
from liprobe.steps.job import Job

#: columns of the NMR inventory kept beside the shared li_inventory ones
NMR_COLUMNS = [
    "spectrum",
    "cycle",
    "step",
    "time_source",
    "plated_li_per_cm2",
    "plated_li_per_cm2_err",
    "plated_seen_li_per_cm2",
    "microstructure_li_per_cm2",
    "microstructure_li_per_cm2_err",
    "counter_li_per_cm2",
    "sei_li_per_cm2",
    "sei_li_per_cm2_err",
    "calibration",
    "skin_depth_um",
    "skin_depth_assumption",
]


def _spectrum_words(flags: pd.Series) -> pd.Series:
    """The shared accounting's flags speak of NDP slices: here they are spectra."""
    return flags.astype(str).str.replace("NDP slice", "spectrum", regex=False)


def run(job: Job) -> None:
    """Li per cm2 per spectrum and per-cycle efficiencies of one NMR run."""
    with rule_log(job.log[0]) as log:
        p = job.params
        opts = OperandoNmrOptions.from_params(p.options, "operando_nmr")
        row = dict(p.run_sheet)
        config = json.loads(json.dumps({"operando_nmr": p.options, "run": row}))
        times = read_table(job.input.times)
        comps = read_table(job.input.components)
        trace = read_table(job.input.trace)
        cycles = read_table(job.input.cycles)
        area = float(row["area_cm2"])
        per_spectrum, cal = metal_inventory(
            comps,
            times,
            cycles,
            area_cm2=area,
            reference=str(row["reference"]),
            frequency_MHz=float(times["larmor_MHz"].iloc[0]),
            resistivity_ohm_m=opts.resistivity_ohm_m,
            skin_depth_correction=opts.skin_depth_correction,
            film_density_rel=opts.film_density_rel,
            counter_area_cm2=row.get("counter_area_cm2"),
            counter_thickness_um=row.get("counter_thickness_um"),
            source=p.sheet_name,
        )
        log.info(
            "calibration: %s; %.4g area per Li (rel. err. %.2g); skin depth %.3g um",
            cal["text"],
            cal["area_per_li"],
            cal["rel_err"],
            cal["skin_depth_um"],
        )
        slices = per_spectrum.rename(columns={"spectrum": "slice"})
        inventory = li_inventory(
            slices,
            trace,
            area_cm2=area,
            plating_sign=row["plating_sign"],
            run=p.run,
            source=row["cycler"],
        )
        inventory["flags"] = _spectrum_words(inventory["flags"])
        extra = per_spectrum.rename(columns={"spectrum": "slice"})
        keep = ["slice", *[c for c in NMR_COLUMNS if c != "spectrum"], "nmr_flags"]
        inventory = inventory.merge(extra[keep], on="slice", how="left")
        inventory["flags"] = [
            "; ".join(f for f in (a, b) if f)
            for a, b in zip(inventory["flags"], inventory.pop("nmr_flags"), strict=True)
        ]
        inventory.insert(1, "method", "nmr")
        inventory.insert(2, "cell", row["cell"])
        eff = efficiency(inventory, cycles, area_cm2=area, run=p.run)
        eff["flags"] = _spectrum_words(eff["flags"])
        eff = eff.merge(sei_growth(inventory, cycles), on="cycle", how="left")
        eff.insert(1, "method", "nmr")
        eff.insert(2, "cell", row["cell"])
        eff["calibration"] = cal["text"]
        eff["skin_depth_assumption"] = per_spectrum["skin_depth_assumption"].iloc[0]
        for _, r in eff.iterrows():
            log.info(
                "cycle %d: CE %.4f, Li efficiency (NMR) %.4f +- %.4f, dead Li %.3g, "
                "SEI growth %.3g +- %.2g /cm2 %s",
                r["cycle"],
                r["coulombic_efficiency"],
                r["li_efficiency"],
                r["li_efficiency_err"],
                r["inactive_li_per_cm2"],
                r["sei_growth_per_cm2"],
                r["sei_growth_per_cm2_err"],
                r["flags"],
            )
        hashes = input_hashes(job.input.components, job.input.trace)
        write_table(inventory, job.output.inventory, input_hashes=hashes, config=config)
        write_table(eff, job.output.efficiency, input_hashes=hashes, config=config)
