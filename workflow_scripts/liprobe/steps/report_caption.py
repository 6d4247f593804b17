"""Rule report_caption: a figure caption for the report, from the tables."""

from __future__ import annotations

from liprobe import report
from liprobe.io.atomic import write_text_atomic
from liprobe.io.runlog import rule_log
from liprobe.io.tables import read_table
from liprobe.steps.job import Job

BUILDERS = {
    "nmr_spectra": lambda t: report.caption_nmr_spectra(t["experiments"]),
    "relaxation": lambda t: report.caption_relaxation(t["fits"], t["arrhenius"]),
    "cp_buildup": lambda t: report.caption_cp_buildup(t["buildup"]),
    "exsy_contour": lambda t: report.caption_exsy_contour(t["fits"]),
    "exsy": lambda t: report.caption_exsy(t["fits"], t["arrhenius"]),
    "linewidth": lambda t: report.caption_linewidth(t["linewidth"], t["arrhenius"]),
    "pfg": lambda t: report.caption_pfg(t["diffusion"], t["arrhenius"]),
    "exsy_rates": lambda t: report.caption_exsy_rates(t["rates"], t["arrhenius"]),
    "selective_exchange": lambda t: report.caption_selective_exchange(t["rates"]),
    "ndp": lambda t: report.caption_ndp(t["profiles"], t.get("inventory")),
    "efficiency": lambda t: report.caption_efficiency(t["efficiency"]),
    "operando_nmr": lambda t: report.caption_operando_nmr(
        t["efficiency"], t["components"]
    ),
    "peaks_fit": lambda t: report.caption_peaks_fit(t["peaks"]),
    "isotope_exchange": lambda t: report.caption_isotope_exchange(t["exchange"]),
}


def run(job: Job) -> None:
    """a figure caption for the report, from the tables."""
    with rule_log(job.log[0]) as log:
        tables = {
            name: read_table(path) for name, path in job.input.items() if name != "lib"
        }
        text = BUILDERS[job.params.caption](tables)
        write_text_atomic(job.output.rst, text, encoding="utf-8")
        log.info("caption %s: %d characters", job.params.caption, len(text))
