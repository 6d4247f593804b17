"""The Li-metal and diamagnetic components of one operando 7Li spectrum.

Two fit windows per spectrum, each deconvolved with the line-fit core
(:func:`liprobe.lineshape.fit.deconvolve`, its sandwich errors from the
spectrum's own noise autocorrelation):

* the metal window (Knight-shifted Li, ~240-290 ppm): ``counter`` (the
  counter electrode's strip; its shift is fitted on the run's first spectrum
  and held there for the others), ``plated`` (smooth deposit) and
  ``microstructure`` (mossy, dendritic or dead Li, at higher shift through its
  bulk-susceptibility shift);
* the diamagnetic window near 0 ppm: ``sei`` (Li in the SEI and the
  electrolyte, one line).

A component whose area sits at its bound 0, or is below its own 1-sigma
error, or whose width collapsed below one point (a spike), is not
resolved (its shift and
width are then undefined and would make the covariance singular): the window
is refitted without it and it is reported with area 0 and, as its error, the
1-sigma area of a line of its start shift and the window's median width on
the measured noise (flag ``absent``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.lineshape.fit import SiteStart, deconvolve
from liprobe.lineshape.models import SHAPE_FUNCTIONS
from liprobe.lineshape.noise import NoiseModel, noise_model

METAL = ("counter", "plated", "microstructure")
COMPONENTS = (*METAL, "sei")
#: the columns of one fitted component (a ``li_metal_nmr`` row without its
#: run, time and cycle columns)
COMPONENT_COLUMNS = (
    "component",
    "shape",
    "shift_ppm",
    "shift_ppm_err",
    "fwhm_ppm",
    "fwhm_ppm_err",
    "fwhm_Hz",
    "fwhm_Hz_err",
    "area",
    "area_err",
    "fit_ok",
    "flags",
    "err_method",
    "chi2",
    "dof",
    "noise_sigma",
)
#: half-width (ppm) of the bounds that hold the counter line's shift at the
#: value fitted on the first spectrum
HOLD_PPM = 1e-3


@dataclass(frozen=True)
class Component:
    """Start shift and range (ppm) of one component."""

    name: str
    shift_ppm: float
    shift_min_ppm: float
    shift_max_ppm: float


def _bound(flags: str) -> list[str]:
    """The parameters a deconvolution row reports at a bound."""
    for flag in str(flags).split(";"):
        if flag.startswith("at_bound:"):
            return flag[len("at_bound:") :].split(",")
    return []


def free_points(ppm: np.ndarray, windows: list[tuple[float, float]]) -> np.ndarray:
    """Points outside every fit window (the noise is measured there)."""
    free = np.ones(ppm.size, dtype=bool)
    for lo, hi in windows:
        free &= ~((ppm >= lo) & (ppm <= hi))
    return free


def _absent_error(
    x: np.ndarray, noise: NoiseModel, shape: str, center: float, fwhm: float
) -> float:
    """1-sigma area of a line of fixed shape on the measured noise."""
    func = SHAPE_FUNCTIONS[shape]
    args = (center, fwhm, 0.5, 1.0) if shape == "pseudo_voigt" else (center, fwhm, 1.0)
    g = func(x, *args)
    info = float(g @ noise.solve(g))
    return 1.0 / math.sqrt(info) if info > 0 else math.nan


def fit_window(
    ppm: np.ndarray,
    y: np.ndarray,
    window: tuple[float, float],
    components: list[Component],
    noise: NoiseModel,
    *,
    shape: str,
    baseline_order: int,
    sf_MHz: float,
    poor_fit_p: float,
    held: dict[str, float] | None = None,
    starts: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Deconvolve one window into ``components``; one row per component.

    ``held``: component -> shift (ppm) held fixed (the counter line after the
    first spectrum); ``starts``: component -> start shift replacing the
    configured one (e.g. the previous spectrum's fit; kept inside the range).
    """
    held = dict(held or {})
    starts = dict(starts or {})
    lo, hi = window
    inside = (ppm >= lo) & (ppm <= hi)
    x, yy = ppm[inside], y[inside]
    if x.size < 8:
        raise ValueError(f"fit window {window} ppm holds {x.size} spectrum points")
    step = float(np.median(np.abs(np.diff(x))))
    active = list(components)
    dropped: list[Component] = []
    while True:
        sites = []
        for c in active:
            if c.name in held:
                s = held[c.name]
                sites.append(SiteStart(c.name, s, s - HOLD_PPM, s + HOLD_PPM, shape))
            else:
                start = min(
                    max(starts.get(c.name, c.shift_ppm), c.shift_min_ppm),
                    c.shift_max_ppm,
                )
                sites.append(
                    SiteStart(c.name, start, c.shift_min_ppm, c.shift_max_ppm, shape)
                )
        fit = deconvolve(
            x,
            yy,
            sites,
            noise,
            baseline_order=baseline_order,
            sf_MHz=sf_MHz,
            poor_fit_p=poor_fit_p,
        )
        rows = fit.sites
        zero = [
            c
            for c, flags, area, err, width in zip(
                active,
                rows["flags"],
                rows["area"],
                rows["area_err"],
                rows["fwhm_ppm"],
                strict=True,
            )
            if "area" in _bound(flags)
            or not area > err
            or not err > 0
            or not width > step
        ]
        if not zero or len(active) == 1:
            break
        # drop the weakest component at zero area and refit
        weakest = min(
            zero, key=lambda c: float(rows.loc[rows["site"] == c.name, "area"].iloc[0])
        )
        active = [c for c in active if c is not weakest]
        dropped.append(weakest)
    out = rows.rename(columns={"site": "component"}).copy()
    fixed = {c.name for c in active if c.name in held}
    for i, r in out.iterrows():
        if r["component"] in fixed:
            flags = [
                f
                for f in str(r["flags"]).split(";")
                if f and not f.startswith("at_bound:")
            ]
            rest = [b for b in _bound(r["flags"]) if b != "center"]
            if rest:
                flags.append("at_bound:" + ",".join(rest))
            flags.append("shift_held_from_first_spectrum")
            out.at[i, "flags"] = ";".join(flags)
            out.at[i, "shift_ppm"] = held[r["component"]]
            out.at[i, "shift_ppm_err"] = math.nan
            out.at[i, "fit_ok"] = not any(
                f.startswith(("at_bound", "poor_fit", "singular", "overlap"))
                for f in flags
            )
    width = float(np.nanmedian(out["fwhm_ppm"])) if len(out) else (hi - lo) / 10
    extra = []
    for c in dropped:
        extra.append(
            {
                "component": c.name,
                "shape": shape,
                "shift_ppm": held.get(c.name, c.shift_ppm),
                "shift_ppm_err": math.nan,
                "fwhm_ppm": math.nan,
                "fwhm_ppm_err": math.nan,
                "fwhm_Hz": math.nan,
                "fwhm_Hz_err": math.nan,
                "area": 0.0,
                "area_err": _absent_error(
                    x, noise, shape, held.get(c.name, c.shift_ppm), width
                ),
                "fit_ok": True,
                "flags": "absent (area at 0 or below its error, or narrower than "
                "a point: refitted without it; error of a line "
                "at its start shift with the window's median width)",
                "err_method": out["err_method"].iloc[0],
            }
        )
    if extra:
        out = pd.concat([out, pd.DataFrame(extra)], ignore_index=True)
    order = {c.name: i for i, c in enumerate(components)}
    out["chi2"] = fit.chi2
    out["dof"] = fit.dof
    out["noise_sigma"] = noise.sigma
    out = out.sort_values("component", key=lambda s: s.map(order))
    return out[list(COMPONENT_COLUMNS)].reset_index(drop=True)


def run_components(
    spectra: list[tuple[np.ndarray, np.ndarray]],
    components: dict[str, Component],
    *,
    metal_window_ppm: tuple[float, float],
    sei_window_ppm: tuple[float, float],
    shape: str,
    baseline_order: int,
    sf_MHz: float,
    poor_fit_p: float,
) -> pd.DataFrame:
    """Components of every spectrum (``(ppm, y)`` pairs, in run order).

    The counter line's shift is fitted on the first spectrum and held there
    for the others. Returns one row per spectrum (``spectrum`` 1..) and
    component, with its fit window (``window``: ``metal`` or ``sei``).
    """
    windows = [tuple(metal_window_ppm), tuple(sei_window_ppm)]
    metal = [components[name] for name in METAL]
    sei = [components["sei"]]
    held: dict[str, float] = {}
    starts: dict[str, float] = {}
    frames = []
    for k, (ppm, y) in enumerate(spectra):
        ppm = np.asarray(ppm, float)
        y = np.asarray(y, float)
        noise = noise_model(y, free_points(ppm, windows))
        common = dict(
            shape=shape,
            baseline_order=baseline_order,
            sf_MHz=sf_MHz,
            poor_fit_p=poor_fit_p,
        )
        m = fit_window(
            ppm, y, windows[0], metal, noise, held=held, starts=starts, **common
        )
        m["window"] = "metal"
        s = fit_window(ppm, y, windows[1], sei, noise, **common)
        s["window"] = "sei"
        if k == 0:
            first = m[m["component"] == "counter"].iloc[0]
            held["counter"] = float(first["shift_ppm"])
        # the next spectrum starts from this one's resolved lines
        for _, r in m.iterrows():
            if r["component"] not in held and r["area"] > 0:
                starts[r["component"]] = float(r["shift_ppm"])
        both = pd.concat([m, s], ignore_index=True)
        both.insert(0, "spectrum", k + 1)
        frames.append(both)
    return pd.concat(frames, ignore_index=True)


def components_from_options(components: dict, source: str = "config") -> dict:
    """:class:`Component` per name from ``operando_nmr.components``; each
    start shift inside its range."""
    out = {}
    for name in COMPONENTS:
        c = components[name]
        lo, start, hi = c["shift_min_ppm"], c["shift_ppm"], c["shift_max_ppm"]
        if not lo < hi or not lo <= start <= hi:
            raise InputError(
                source,
                f"operando_nmr.components.{name}",
                "shift_min_ppm < shift_max_ppm with shift_ppm between them",
                f"{lo}, {start}, {hi}",
            )
        out[name] = Component(name, float(start), float(lo), float(hi))
    return out


def components_with_sites(
    components: dict, sites: list[dict], source: str
) -> tuple[dict, dict]:
    """The components with start shift and range taken from the sites sheet
    where it has a row for the run's cell named after a component (``counter``,
    ``plated``, ``microstructure``, ``sei``); the others keep the config's.

    Returns ``(components, start_source)``, ``start_source`` naming per
    component where its start values came from (``sites sheet`` or
    ``config``). A sites row outside its own range is an error naming the
    sheet; rows for other site names are left to the deconvolution stage.
    """
    out = dict(components)
    where = {name: "config" for name in components}
    for row in sites:
        name = str(row["site"])
        if name not in COMPONENTS:
            continue
        lo, start, hi = (
            float(row["shift_min_ppm"]),
            float(row["shift_ppm"]),
            float(row["shift_max_ppm"]),
        )
        if not lo < hi or not lo <= start <= hi:
            raise InputError(
                source,
                f"site {name} (shift_min_ppm, shift_ppm, shift_max_ppm)",
                "shift_min_ppm < shift_max_ppm with shift_ppm between them",
                f"{lo}, {start}, {hi}",
            )
        out[name] = Component(name, start, lo, hi)
        where[name] = "sites sheet"
    return out, where
