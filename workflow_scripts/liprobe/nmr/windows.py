"""TopSpin window functions (procs ``WDW`` with ``LB``, ``GB``, ``SSB``).

The shapes are nmrglue's (``nmrglue.process.proc_base``: ``em``, ``gmb``,
``sp``) with TopSpin's parameters converted to its per-point arguments; ``t``
runs over the points used (``TDeff / 2`` complex points), ``AQ`` is their
duration. Bruker, TopSpin Processing Reference (``em``, ``gm``, ``sine``,
``qsine``):

* EM (1): ``exp(-pi LB t)``;
* GM (2): ``exp(-a t - b t^2)``, ``a = pi LB``, ``b = -a / (2 GB AQ)``
  (LB < 0, 0 < GB < 1: the maximum sits at ``GB AQ``);
* SINE (3) / QSINE (4): ``sin(pi/SSB + (pi - pi/SSB) u)`` (squared for QSINE),
  ``u`` from 0 to 1 over the points; ``SSB`` < 2 gives ``sin(pi u)``.

The other types (TRAP, USER, SINC, QSINC, TRAF, TRAFS) are not reproduced:
:func:`topspin_window` returns no window for them and names them, so that a
spectrum is never silently processed differently from TopSpin's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import nmrglue.process.proc_base as ng_proc
import numpy as np

#: TopSpin's WDW codes.
WDW_NAMES = {
    0: "no",
    1: "EM",
    2: "GM",
    3: "SINE",
    4: "QSINE",
    5: "TRAP",
    6: "USER",
    7: "SINC",
    8: "QSINC",
    9: "TRAF",
    10: "TRAFS",
}


def _num(params: Mapping | None, key: str, default: float) -> float:
    value = (params or {}).get(key, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def topspin_window(
    n: int, params: Mapping | None, sw_Hz: float, lb_Hz: float | None = None
) -> tuple[np.ndarray, list[str]]:
    """The window of procs ``WDW`` over ``n`` complex points and what was not done.

    ``lb_Hz`` (when not None) replaces procs ``LB`` and forces an EM window
    (the ``lb_Hz`` option). Returns the window and a list naming the TopSpin
    parameters not reproduced (e.g. ``WDW=TRAF``, ``GB=0``).
    """
    ones = np.ones(n)
    if lb_Hz is not None:
        return ng_proc.em(ones, lb=lb_Hz / sw_Hz), []
    wdw = int(_num(params, "WDW", 0))
    if wdw == 0:
        return ones, []
    if wdw == 1:
        return ng_proc.em(ones, lb=_num(params, "LB", 0.0) / sw_Hz), []
    if wdw == 2:
        lb = _num(params, "LB", 0.0)
        gb = _num(params, "GB", 0.0)
        if not 0.0 < gb < 1.0:
            return ones, [f"GB={gb:g}"]
        aq = n / sw_Hz
        a = math.pi * lb  # per second
        b = -a / (2.0 * gb * aq)  # per second^2
        return ng_proc.gmb(ones, a=a / sw_Hz, b=b / sw_Hz**2), []
    if wdw in (3, 4):
        ssb = _num(params, "SSB", 0.0)
        off = 1.0 / ssb if ssb >= 2 else 0.0
        return ng_proc.sp(ones, off=off, end=1.0, pow=2.0 if wdw == 4 else 1.0), []
    return ones, [f"WDW={WDW_NAMES.get(wdw, wdw)}"]
