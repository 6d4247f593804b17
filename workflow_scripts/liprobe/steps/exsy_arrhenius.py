"""Rule exsy_arrhenius: Ea of k_AB, k_BA and D per sample, with i0 at the
reference temperature, and Ea of k per ordered site pair of the N-site fits.

The two-site rows name their pair in ``site_from`` / ``site_to`` (the sample's
regions; empty for D); the N-site rows (``model`` ``n_site``, quantity ``k``)
come from ``exsy_rates``, one per sample, method and pair."""

from __future__ import annotations

import pandas as pd

from liprobe.exsy.arrhenius import arrhenius_table
from liprobe.exsy.rates import pair_arrhenius
from liprobe.exsy.series import empty_fits
from liprobe.io.runlog import rule_log
from liprobe.io.tables import input_hashes, read_table, write_table
from liprobe.options import ExsyOptions
from liprobe.steps.job import Job


def run(job: Job) -> None:
    """Ea of k_AB, k_BA and D per sample, with i0 at the reference temperature."""
    with rule_log(job.log[0]) as log:
        opts = ExsyOptions.from_params(job.params.options, "exsy")
        inputs = dict(job.input.items())
        # a campaign of 1D selective-exchange series only has no exsy_fits
        fits = read_table(inputs["fits"]) if "fits" in inputs else empty_fits()
        rates = read_table(job.input.rates)
        table = arrhenius_table(
            fits,
            li_density_per_cm3=opts.material.li_per_cm3,
            interface_area_fraction=opts.interface_area_fraction,
            reference_temperature_K=opts.reference_temperature_K,
            poor_fit_p=opts.poor_fit_p_value,
        )
        table = with_pairs(table, rates, poor_fit_p=opts.poor_fit_p_value)
        for _, r in table.iterrows():
            log.info(
                "%s %s %s %s -> %s: Ea = %.4f +- %.4f eV (%s)",
                r["sample"],
                r["method"],
                r["quantity"],
                r["site_from"],
                r["site_to"],
                r["Ea_eV"],
                r["Ea_eV_err"],
                r["flags"],
            )
        hashes = input_hashes(job.input.rates)
        write_table(
            table,
            job.output.arrhenius,
            input_hashes=hashes,
            config=opts.params(),
        )


def with_pairs(
    table: pd.DataFrame, rates: pd.DataFrame, *, poor_fit_p: float
) -> pd.DataFrame:
    """The two-site rows with their pair (``site_from``, ``site_to``) and
    ``method``, followed by the per-pair Arrhenius rows of the N-site fits."""
    out = table.copy()
    out["method"] = "exsy_2d"
    out["site_from"] = None
    out["site_to"] = None
    two = rates[rates["model"] == "two_site"]
    for sample, group in two.groupby("sample"):
        first = group.iloc[0]
        a, b = str(first["site_from"]), str(first["site_to"])
        for quantity, pair in (("k_AB", (a, b)), ("k_BA", (b, a))):
            rows = (out["sample"] == sample) & (out["quantity"] == quantity)
            out.loc[rows, "site_from"] = pair[0]
            out.loc[rows, "site_to"] = pair[1]
    pairs = pair_arrhenius(rates[rates["model"] != "two_site"], poor_fit_p=poor_fit_p)
    if pairs.empty:
        return out
    return pd.concat([out, pairs], ignore_index=True) if not out.empty else pairs
