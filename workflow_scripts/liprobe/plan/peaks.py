"""Which experiments the deconvolution stage fits, and what their job reads.

Decided from the sheets at parse time: every experiment of kind ``1d``, and
every experiment of a sample with rows in the sites sheet that is neither a
relaxation nor an EXSY series (e.g. the single 1D spectra of a CP contact-time
series). A sample whose sites are all ``shared`` has each of its series fitted
jointly.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from liprobe.errors import InputError
from liprobe.io.sheets import sideband_orders
from liprobe.nmr.kinds import RELAXATION_KINDS


def _cell(frame: pd.DataFrame, key, column: str, default=None):
    if column not in frame.columns:
        return default
    value = frame.at[key, column]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return value


def site_rows(sites: pd.DataFrame) -> dict[str, list[dict]]:
    """Sites sheet rows by sample, sidebands as orders, ``shared`` as bool."""
    out: dict[str, list[dict]] = {}
    for row in sites.to_dict("records"):
        out.setdefault(str(row["sample"]), []).append(
            {
                "site": str(row["site"]),
                "shift_ppm": float(row["shift_ppm"]),
                "shift_min_ppm": float(row["shift_min_ppm"]),
                "shift_max_ppm": float(row["shift_max_ppm"]),
                "shape": str(row["shape"]),
                "sidebands": list(sideband_orders(row.get("sidebands"))),
                "shared": str(row["shared"]) == "yes",
            }
        )
    return out


def peak_experiments(
    nmr: pd.DataFrame,
    kinds: dict,
    sites: dict[str, list[dict]],
    sheet_name: str,
    cells: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """The experiments deconvolved, in sheet order; a sample with sites rows
    but no experiment is an error naming the sites sheet. ``cells``: the
    operando_nmr sheet's cells, whose sites rows give the start values of the
    Li-metal components."""
    samples = set(nmr["sample"].astype(str)) if len(nmr) else set()
    for sample in sites:
        if sample not in samples and sample not in cells:
            raise InputError(
                sheet_name,
                "sample",
                "a sample of the nmr sheet or a cell of the operando_nmr sheet",
                f"'{sample}' (it has sites rows but no experiment)",
            )
    return [
        e
        for e in nmr.index
        if kinds[e] == "1d"
        or (
            str(nmr.at[e, "sample"]) in sites
            and kinds[e] not in ("exsy", *RELAXATION_KINDS)
        )
    ]


def peak_items(
    nmr: pd.DataFrame,
    experiments: list[str],
    sites: dict[str, list[dict]],
    *,
    overrides_of: Callable[[str], dict],
    regions_of: Callable[[str], list],
) -> list[dict]:
    """The sheet rows of the deconvolved experiments, as the job reads them."""
    items = []
    for e in experiments:
        sample = str(nmr.at[e, "sample"])
        rows = sites.get(sample, [])
        items.append(
            {
                "experiment": e,
                "sample": sample,
                "series": _cell(nmr, e, "series", ""),
                "path": str(nmr.at[e, "path"]),
                "procno": int(_cell(nmr, e, "procno", 1)),
                "overrides": overrides_of(e),
                "regions": regions_of(e),
                "sites": rows,
                "shared": bool(rows) and all(s["shared"] for s in rows),
                "state": _cell(nmr, e, "state", ""),
                "mass_mg": _cell(nmr, e, "mass_mg"),
                "mas_rate_Hz": _cell(nmr, e, "mas_rate_Hz"),
            }
        )
    return items
