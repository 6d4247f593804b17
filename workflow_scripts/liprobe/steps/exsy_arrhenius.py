"""Rule exsy_arrhenius: Ea of k_AB, k_BA and D per sample, with i0 at the
reference temperature."""

from __future__ import annotations

import json

from liprobe.exsy.arrhenius import arrhenius_table
from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_metadata, read_table, write_table
from liprobe.options import ExsyOptions
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Ea of k_AB, k_BA and D per sample, with i0 at the reference temperature."""
    with rule_log(job.log[0]) as log:
        opts = ExsyOptions.from_params(job.params.options, "exsy")
        fits = read_table(job.input.fits)
        table = arrhenius_table(
            fits,
            li_density_per_cm3=opts.material.li_per_cm3,
            interface_area_fraction=opts.interface_area_fraction,
            reference_temperature_K=opts.reference_temperature_K,
            poor_fit_p=opts.poor_fit_p_value,
        )
        for _, r in table.iterrows():
            log.info(
                "%s %s: Ea = %.4f +- %.4f eV (%s)",
                r["sample"],
                r["quantity"],
                r["Ea_eV"],
                r["Ea_eV_err"],
                r["flags"],
            )
        hashes = json.loads(
            read_metadata(job.input.fits).get("liprobe.inputs_sha256", "{}")
        )
        write_table(
            table,
            job.output.arrhenius,
            input_hashes=hashes,
            config=opts.params(),
        )
