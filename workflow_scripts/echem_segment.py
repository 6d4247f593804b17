"""Rule echem_segment: read one run's cycler file, segment it into half-cycles."""

import json

from liprobe.echem import coulombic_efficiency, segment_half_cycles
from liprobe.io.cycler import DEFAULT_MAX_GAP_S, read_cycler
from liprobe.io.runlog import rule_log
from liprobe.io.tables import write_table

with rule_log(snakemake.log[0]) as log:
    p = snakemake.params
    opts = dict(p.options)
    config = json.loads(json.dumps({"echem": opts, "run": dict(p.run_sheet)}))
    cycler = snakemake.input.cycler
    trace = read_cycler(
        cycler,
        p.timezone,
        fmt=opts.get("format", "auto"),
        max_gap_s=opts.get("max_gap_s", DEFAULT_MAX_GAP_S),
    )
    log.info(
        "%s: %d points, %s to %s", cycler, len(trace), *trace["t_utc"].iloc[[0, -1]]
    )
    sign = -1 if str(p.plating_sign) == "negative" else 1
    trace["net_plated_mAh_per_cm2"] = (
        sign * (trace["charge_mAh"] - trace["charge_mAh"].iloc[0]) / float(p.area_cm2)
    )
    trace.insert(0, "run", p.run)
    cycles = segment_half_cycles(
        trace,
        p.plating_sign,
        rest_current_mA=opts.get("rest_current_mA"),
        rest_fraction=float(opts.get("rest_fraction", 0.02)),
        min_step_s=float(opts.get("min_step_s", 0.0)),
        min_points=int(opts.get("min_points", 2)),
        exclude_techniques=list(opts.get("exclude_techniques", [])),
        source=str(cycler),
    )
    cycles.insert(0, "run", p.run)
    n_plate = int((cycles["step"] == "plate").sum())
    n_strip = int((cycles["step"] == "strip").sum())
    log.info("%d plating and %d stripping steps", n_plate, n_strip)
    if n_strip == 0:
        log.warning("%s: no stripping step; efficiencies will be flagged", cycler)
    write_table(trace, snakemake.output.trace, inputs=[cycler], config=config)
    write_table(cycles, snakemake.output.cycles, inputs=[cycler], config=config)
    ce = coulombic_efficiency(cycles)
    write_table(ce, snakemake.output.coulombic, inputs=[cycler], config=config)
