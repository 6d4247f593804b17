"""Rule accounting_run: Li inventory per NDP slice and efficiencies of one run."""

from __future__ import annotations

import json

from liprobe.accounting import check_inventory, efficiency, li_inventory
from liprobe.io.runlog import rule_log
from liprobe.io.tables import input_hashes, read_table, write_table
from liprobe.ndp.concentration import inventory as depth_integral
from liprobe.options import AccountingOptions
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Li inventory per NDP slice and efficiencies of one run."""
    with rule_log(job.log[0]) as log:
        p = job.params
        opts = AccountingOptions.from_params(p.options, "accounting")
        config = json.loads(
            json.dumps({"accounting": p.options, "run": dict(p.run_sheet)})
        )
        profiles = read_table(job.input.profiles)
        profiles = profiles[profiles["run"] == p.run]
        window = opts.inventory_depth_um
        # one integrator for every inventory (liprobe.ndp.concentration.inventory)
        slices = depth_integral(profiles, window)
        check_inventory(profiles, slices, window, p.run, job.input.profiles)
        log.info(
            "inventory over %s: %s",
            f"{window} um" if window else "all depth bins",
            slices["err_method"].iloc[0] if len(slices) else "no slices",
        )
        log.info("%d NDP slices of run %s", len(slices), p.run)
        trace = read_table(job.input.trace)
        cycles = read_table(job.input.cycles)
        inventory = li_inventory(
            slices,
            trace,
            area_cm2=float(p.area_cm2),
            plating_sign=p.plating_sign,
            run=p.run,
            source=p.cycler,
        )
        eff = efficiency(inventory, cycles, area_cm2=float(p.area_cm2), run=p.run)
        # beside the operando NMR runs' rows (method nmr) in the gathered tables
        for frame in (inventory, eff):
            frame.insert(1, "method", "ndp")
            frame.insert(2, "cell", p.run_sheet.get("cell", ""))
        for _, row in eff.iterrows():
            log.info(
                "cycle %d: CE %.4f, Li efficiency %.4f +- %.4f %s",
                row["cycle"],
                row["coulombic_efficiency"],
                row["li_efficiency"],
                row["li_efficiency_err"],
                row["flags"],
            )
        hashes = input_hashes(job.input.profiles, job.input.trace)
        write_table(inventory, job.output.inventory, input_hashes=hashes, config=config)
        write_table(eff, job.output.efficiency, input_hashes=hashes, config=config)
