"""Metal areas of operando 7Li spectra as Li per cm2, beside the NDP inventory.

**Skin depth.** The RF field enters a metal over ``d = sqrt(rho / (pi mu0 f))``
(11 um for Li, rho = 9.3e-8 Ohm m, at 194 MHz). A smooth film of relative
density ``r`` and thickness ``t`` on one face shows
``s = r n d (1 - exp(-t / d))`` Li per cm2 (``n`` Li atoms per cm3 of the
metal) instead of its ``N = r n t``; with the correction on, the ``plated``
component is taken as such a film and ``N = -r n d ln(1 - s / (r n d))``
(its error by the derivative ``1 / (1 - s / (r n d))``). The
``microstructure`` component (mossy, dendritic, dead Li, thinner than ``d``)
is seen whole, never corrected; the assumption is written per row
(``skin_depth_assumption``). A plated signal at or above the thick-film limit
``r n d`` cannot be corrected (NaN, flagged).

**Calibration** (sheet column ``reference``, written per row in
``calibration``):

* ``counter``: the counter strip of the first spectrum holds
  ``2 A_c n d tanh(T_c / (2 d))`` visible Li: a strip of area ``A_c`` and
  thickness ``T_c`` (sheet columns ``counter_area_cm2`` and
  ``counter_thickness_um``) with the field entering from both faces,
  ``cosh((z - T_c/2) / d) / cosh(T_c / (2 d))`` at depth ``z`` (the whole
  strip when thin, ``d`` behind each face when thick); area per Li atom = its
  area over that number;
* ``charge``: during the run's first plating step every electron deposits one
  Li, as metal or in the SEI: the growth of (plated + microstructure + sei)
  over the step, from a weighted straight line through the spectra inside the
  step, over the step's charge (``Q / e``). With the skin-depth correction the
  plated areas depend on the calibration: both are iterated to a fixed point.

The calibration's relative error (its fit's, from the areas' errors) is common
to every spectrum of the run: it is the inventory's ``sensitivity_rel_err``
and cancels in the Li efficiency, as the NDP sensitivity does
(:mod:`liprobe.accounting`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from liprobe.constants import LI_METAL_PER_CM3, LI_PER_MAH
from liprobe.errors import InputError

MU0 = 4e-7 * math.pi
REFERENCES = ("charge", "counter")
#: fixed-point iterations of the charge calibration with the skin correction
ITERATIONS = 50


def skin_depth_um(resistivity_ohm_m: float, frequency_MHz: float) -> float:
    """``sqrt(rho / (pi mu0 f))`` in um."""
    return 1e6 * math.sqrt(resistivity_ohm_m / (math.pi * MU0 * frequency_MHz * 1e6))


def film_correction(
    seen_per_cm2: np.ndarray, err: np.ndarray, d_um: float, density_rel: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True Li per cm2 of a smooth film seen over the skin depth, its error,
    and whether the signal was beyond the thick-film limit."""
    s = np.asarray(seen_per_cm2, float)
    limit = density_rel * LI_METAL_PER_CM3 * d_um * 1e-4
    u = s / limit
    beyond = u >= 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.where(beyond, np.nan, -limit * np.log1p(-np.clip(u, None, 1 - 1e-12)))
        e = np.where(beyond, np.nan, np.asarray(err, float) / (1.0 - u))
    n = np.where(s <= 0, s, n)
    e = np.where(s <= 0, np.asarray(err, float), e)
    return n, e, beyond


def counter_visible_li(area_cm2: float, thickness_um: float, d_um: float) -> float:
    """Li atoms a strip shows when the RF enters from both faces over ``d``:
    ``2 A n d tanh(T / (2 d))``."""
    return (
        2.0
        * area_cm2
        * LI_METAL_PER_CM3
        * d_um
        * 1e-4
        * math.tanh(thickness_um / (2.0 * d_um))
    )


def _line(t_s: np.ndarray, y: np.ndarray, e: np.ndarray, t0: float, t1: float):
    """Weighted straight line through (t, y): its change from t0 to t1 and
    the change's error (scaled by sqrt(chi2/dof) when above 1)."""
    w = 1.0 / e**2
    tc = np.sum(w * t_s) / np.sum(w)
    dx = t_s - tc
    sxx = np.sum(w * dx**2)
    a = np.sum(w * y) / np.sum(w)
    b = np.sum(w * dx * y) / sxx
    var_b = 1.0 / sxx
    if t_s.size > 2:
        chi2 = np.sum(w * (y - a - b * dx) ** 2) / (t_s.size - 2)
        var_b *= max(chi2, 1.0)
    return b * (t1 - t0), math.sqrt(var_b) * abs(t1 - t0)


def _pivot(components: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    sub = components[components["component"] == name].sort_values("spectrum")
    return sub["area"].to_numpy(float), sub["area_err"].to_numpy(float)


def metal_inventory(
    components: pd.DataFrame,
    times: pd.DataFrame,
    cycles: pd.DataFrame | None,
    *,
    area_cm2: float,
    reference: str,
    frequency_MHz: float,
    resistivity_ohm_m: float,
    skin_depth_correction: bool,
    film_density_rel: float,
    counter_area_cm2: float | None = None,
    counter_thickness_um: float | None = None,
    source: str | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Per spectrum: Li per cm2 of the working electrode's metal (plated +
    microstructure), of each component and of the SEI line; and the
    calibration used (a dict: ``area_per_li``, its relative error, text).

    ``components``: :func:`liprobe.operando.components.run_components` rows;
    ``times``: :func:`liprobe.operando.timing.spectrum_times` rows;
    ``cycles``: the cycler's half-cycles (needed by ``reference = charge``).
    """
    if reference not in REFERENCES:
        raise InputError(source, "reference", f"one of {REFERENCES}", reference)
    d_um = skin_depth_um(resistivity_ohm_m, frequency_MHz)
    t = times.sort_values("spectrum").reset_index(drop=True)
    plated, plated_e = _pivot(components, "plated")
    micro, micro_e = _pivot(components, "microstructure")
    sei, sei_e = _pivot(components, "sei")
    counter, counter_e = _pivot(components, "counter")
    if skin_depth_correction:
        assumption = (
            f"plated: smooth film of density {film_density_rel:g} x Li metal on one "
            f"face, seen over the skin depth {d_um:.3g} um, corrected; "
            "microstructure: thinner than the skin depth, seen whole"
        )
    else:
        assumption = (
            "no skin-depth correction: every metal component counted as seen "
            f"(skin depth {d_um:.3g} um)"
        )

    def corrected(per_area: float):
        """Plated Li per cm2 (corrected) and its error for a calibration."""
        s = plated / per_area / area_cm2
        e = plated_e / per_area / area_cm2
        if not skin_depth_correction:
            return s, e, np.zeros(s.size, bool)
        return film_correction(s, e, d_um, film_density_rel)

    if reference == "counter":
        if counter_area_cm2 is None or counter_thickness_um is None:
            raise InputError(
                source,
                "counter_area_cm2, counter_thickness_um",
                "the counter strip's area and thickness (reference counter)",
                f"{counter_area_cm2}, {counter_thickness_um}",
            )
        visible = counter_visible_li(counter_area_cm2, counter_thickness_um, d_um)
        per_li = counter[0] / visible
        rel = counter_e[0] / counter[0] if counter[0] > 0 else math.nan
        text = (
            f"counter strip of the first spectrum: {visible:.4g} visible Li "
            "(both faces "
            f"of {counter_area_cm2:g} cm2 x {counter_thickness_um:g} um over the skin "
            f"depth {d_um:.3g} um)"
        )
    else:
        if cycles is None or cycles.empty:
            raise InputError(
                source,
                "cycler",
                "a cycler file (reference charge calibrates against the first "
                "plating step's charge)",
                "none",
            )
        cyc = cycles.copy()
        for col in ("t_start_utc", "t_end_utc"):
            cyc[col] = pd.to_datetime(cyc[col], utc=True)
        plates = cyc[cyc["step"] == "plate"].sort_values("t_start_utc")
        if plates.empty:
            raise InputError(source, "cycler", "a plating step", "none")
        first = plates.iloc[0]
        inside = (
            (t["t_start_utc"] >= first["t_start_utc"])
            & (t["t_end_utc"] <= first["t_end_utc"])
        ).to_numpy()
        if inside.sum() < 2:
            raise InputError(
                source,
                "spectra",
                "at least two spectra inside the first plating step (reference charge)",
                f"{int(inside.sum())} spectra between {first['t_start_utc']} and "
                f"{first['t_end_utc']}",
            )
        q_li = abs(float(first["charge_mAh"])) * LI_PER_MAH
        ts = (t["t_mid_utc"] - first["t_start_utc"]).dt.total_seconds().to_numpy(float)
        span = (first["t_end_utc"] - first["t_start_utc"]).total_seconds()
        per_li = (plated + micro + sei)[inside].sum() / max(q_li, 1.0)  # start value
        for _ in range(ITERATIONS):
            # the growth in area units: plated corrected back to areas
            p, pe, _ = corrected(per_li)
            y = p * area_cm2 * per_li + micro + sei
            e = np.sqrt((pe * area_cm2 * per_li) ** 2 + micro_e**2 + sei_e**2)
            grow, grow_e = _line(ts[inside], y[inside], e[inside], 0.0, span)
            new = grow / q_li
            if not np.isfinite(new) or new <= 0:
                raise InputError(
                    source,
                    "spectra",
                    "metal and SEI signal growing during the first plating step",
                    f"a change of {grow:.3g} +- {grow_e:.2g} (area units)",
                )
            done = abs(new - per_li) <= 1e-10 * abs(per_li)
            per_li = new
            if done:
                break
        rel = grow_e / grow
        text = (
            f"charge of the first plating step ({float(first['charge_mAh']):.4g} mAh, "
            f"cycle {int(first['cycle'])}): every electron deposits one Li as metal "
            "or in the SEI"
        )
    p, pe, beyond = corrected(per_li)
    m = micro / per_li / area_cm2
    me = micro_e / per_li / area_cm2
    metal = p + m
    metal_e = np.sqrt(pe**2 + me**2)
    sei_li = sei / per_li / area_cm2
    sei_li_e = sei_e / per_li / area_cm2
    flags = np.where(
        beyond, "plated signal at the thick-film limit: skin depth not correctable", ""
    )
    out = t.copy()
    out["plated_li_per_cm2"] = p
    out["plated_li_per_cm2_err"] = pe
    out["plated_seen_li_per_cm2"] = plated / per_li / area_cm2
    out["microstructure_li_per_cm2"] = m
    out["microstructure_li_per_cm2_err"] = me
    out["counter_li_per_cm2"] = counter / per_li / area_cm2
    out["sei_li_per_cm2"] = sei_li
    out["sei_li_per_cm2_err"] = sei_li_e
    out["li_per_cm2"] = metal
    out["li_per_cm2_err_counting"] = metal_e
    out["sensitivity_rel_err"] = rel
    out["li_per_cm2_err"] = np.hypot(metal_e, np.abs(metal) * rel)
    out["calibration"] = text
    out["skin_depth_um"] = d_um
    out["skin_depth_assumption"] = assumption
    out["nmr_flags"] = flags
    return out, {
        "area_per_li": per_li,
        "rel_err": rel,
        "text": text,
        "skin_depth_um": d_um,
    }


def sei_growth(inventory: pd.DataFrame, cycles: pd.DataFrame) -> pd.DataFrame:
    """Li added to the SEI line during each cycle's plating step (where the
    electrolyte is reduced): a weighted straight line through the SEI Li of
    the spectra inside the step, from its start to its end; NaN with fewer
    than two spectra there."""
    inv = inventory.copy()
    cyc = cycles.copy()
    for col in ("t_start_utc", "t_end_utc"):
        cyc[col] = pd.to_datetime(cyc[col], utc=True)
    rows = []
    for cycle, g in cyc.groupby("cycle", sort=True):
        plates = g[g["step"] == "plate"]
        value = err = math.nan
        if len(plates):
            t0, t1 = plates["t_start_utc"].min(), plates["t_end_utc"].max()
            inside = (inv["t_start_utc"] >= t0) & (inv["t_end_utc"] <= t1)
            sub = inv[inside & np.isfinite(inv["sei_li_per_cm2"])]
            if len(sub) >= 2:
                ts = (sub["t_mid_utc"] - t0).dt.total_seconds().to_numpy(float)
                value, err = _line(
                    ts,
                    sub["sei_li_per_cm2"].to_numpy(float),
                    sub["sei_li_per_cm2_err"].to_numpy(float),
                    0.0,
                    (t1 - t0).total_seconds(),
                )
        rows.append(
            {
                "cycle": int(cycle),
                "sei_growth_per_cm2": value,
                "sei_growth_per_cm2_err": err,
            }
        )
    return pd.DataFrame(rows)
