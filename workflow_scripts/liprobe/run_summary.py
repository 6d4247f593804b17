"""One line per stage at the end of a run: what was produced, what was flagged.

``relaxation: 18 fits, 3 flagged (at_bound 3); 8 temperature fits, 1 flagged
(scatter_exceeds_errors 1)``. Pure functions of the final tables; the workflow
prints the lines when a run succeeds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

import pandas as pd

#: stage -> its final tables and what one row of each is called
STAGE_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "nmr": (("nmr_experiments", "experiments"), ("nmr_integrals", "integrals")),
    "relaxation": (
        ("relaxation_fits", "fits"),
        ("relaxation_arrhenius", "temperature fits"),
    ),
    "exsy": (
        ("exsy_volumes", "cross-peak volumes"),
        ("exsy_fits", "fits"),
        ("exsy_rates", "pair rates"),
        ("exsy_arrhenius", "Arrhenius fits"),
    ),
    "linewidth": (
        ("linewidth", "widths"),
        ("linewidth_arrhenius", "temperature fits"),
    ),
    "pfg": (("pfg_diffusion", "fits"), ("pfg_arrhenius", "Arrhenius fits")),
    "ndp": (
        ("ndp_event_accounting", "event counts"),
        ("ndp_inversion", "depth profiles"),
    ),
    "peaks": (
        ("nmr_peaks", "site lines"),
        ("isotope_exchange", "isotope-exchange rows"),
    ),
    "operando_nmr": (
        ("operando_nmr_spectra", "spectra"),
        ("li_metal_nmr", "line components"),
    ),
    "echem": (("cycles", "half-cycles"),),
    "accounting": (("li_inventory", "inventory points"), ("efficiency", "cycles")),
    "cp": (("cp_buildup", "build-up fits"),),
}
#: flags that only say where a value came from, not that something is wrong
INFORMATIONAL = re.compile(r"_not_checked$|_from_sheet$|_from_title$")
#: at most this many flag names are spelled out per table
MAX_NAMED = 3


def _flag_names(cell) -> list[str]:
    """Flag names of one ``flags`` cell (``a;b(p=0.1);c:x`` -> a, b, c)."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    names = []
    for part in str(cell).split(";"):
        name = re.split(r"[(:]", part.strip(), maxsplit=1)[0].strip()
        if name and not INFORMATIONAL.search(name):
            names.append(name)
    return names


def table_line(frame: pd.DataFrame, noun: str) -> str:
    """``18 fits, 3 flagged (at_bound 3)`` for one table.

    A row is flagged when its ``fit_ok`` is false or its ``flags`` name
    something beyond the informational provenance flags.
    """
    n = len(frame)
    per_row = [_flag_names(c) for c in frame["flags"]] if "flags" in frame else [[]] * n
    bad = [bool(names) for names in per_row]
    if "fit_ok" in frame:
        ok = frame["fit_ok"].fillna(False).astype(bool).to_numpy()
        bad = [b or not o for b, o in zip(bad, ok, strict=True)]
        per_row = [
            names or ([] if o else ["fit_not_ok"])
            for names, o in zip(per_row, ok, strict=True)
        ]
    flagged = sum(bad)
    if not flagged:
        return f"{n} {noun}"
    counts = Counter(name for names in per_row for name in dict.fromkeys(names))
    named = ", ".join(f"{k} {v}" for k, v in counts.most_common(MAX_NAMED))
    more = len(counts) - MAX_NAMED
    if more > 0:
        named += f", {more} more"
    return f"{n} {noun}, {flagged} flagged ({named})"


def stage_lines(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """One line per stage that produced any of its tables (``tables``: name ->
    frame, absent names skipped)."""
    lines = []
    for stage, parts in STAGE_TABLES.items():
        pieces = [
            table_line(tables[name], noun) for name, noun in parts if name in tables
        ]
        if pieces:
            lines.append(f"{stage}: " + "; ".join(pieces))
    return lines
