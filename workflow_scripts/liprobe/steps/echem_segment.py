"""Rule echem_segment: read one run's cycler file, segment it into half-cycles."""

from __future__ import annotations

import json

from liprobe.echem import coulombic_efficiency, segment_half_cycles
from liprobe.errors import InputError
from liprobe.io.cycler import read_cycler
from liprobe.io.runlog import rule_log
from liprobe.io.tables import write_table
from liprobe.options import EchemOptions
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """read one run's cycler file, segment it into half-cycles."""
    with rule_log(job.log[0]) as log:
        p = job.params
        opts = EchemOptions.from_params(p.options, "echem")
        config = json.loads(json.dumps({"echem": p.options, "run": dict(p.run_sheet)}))
        cycler = job.input.cycler
        trace = read_cycler(
            cycler,
            p.timezone,
            fmt=opts.format,
            max_gap_s=opts.max_gap_s,
            reader_timeout_s=opts.reader_timeout_s,
            date_order=p.run_sheet.get("cycler_date_order") or None,
        )
        if len(trace) < 2:
            raise InputError(
                cycler, "data rows", "at least two points", f"{len(trace)} point(s)"
            )
        log.info(
            "%s: %d points, %s to %s", cycler, len(trace), *trace["t_utc"].iloc[[0, -1]]
        )
        sign = -1 if str(p.plating_sign) == "negative" else 1
        trace["net_plated_mAh_per_cm2"] = (
            sign
            * (trace["charge_mAh"] - trace["charge_mAh"].iloc[0])
            / float(p.area_cm2)
        )
        trace.insert(0, "run", p.run)
        cycles = segment_half_cycles(
            trace,
            p.plating_sign,
            rest_current_mA=opts.rest_current_mA,
            rest_fraction=opts.rest_fraction,
            min_step_s=opts.min_step_s,
            min_points=opts.min_points,
            exclude_techniques=list(opts.exclude_techniques),
            source=str(cycler),
        )
        if cycles.empty:
            largest = float(trace["current_mA"].abs().max())
            raise InputError(
                cycler,
                "current_mA",
                "at least one plating or stripping step (|current| above the "
                "rest threshold, echem.rest_current_mA or rest_fraction, for "
                "echem.min_points points and min_step_s)",
                f"no step: largest |current| {largest:g} mA",
            )
        cycles.insert(0, "run", p.run)
        n_plate = int((cycles["step"] == "plate").sum())
        n_strip = int((cycles["step"] == "strip").sum())
        log.info("%d plating and %d stripping steps", n_plate, n_strip)
        if n_strip == 0:
            log.warning("%s: no stripping step; efficiencies will be flagged", cycler)
        write_table(trace, job.output.trace, inputs=[cycler], config=config)
        write_table(cycles, job.output.cycles, inputs=[cycler], config=config)
        ce = coulombic_efficiency(cycles)
        write_table(ce, job.output.coulombic, inputs=[cycler], config=config)
