"""The ``pfg_diffusion`` table: Stejskal-Tanner fits per experiment, region
and model, from the NMR stage's region integrals over the gradient list."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from liprobe.pfg.encoding import Encoding
from liprobe.pfg.fit import ERR_METHOD, MODELS, fit_curve

CRITERION = "AICc"

COLUMNS = [
    "experiment",
    "sample",
    "series",
    "region",
    "model",
    "selected",
    "D_m2_per_s",
    "D_m2_per_s_err",
    "D_2_m2_per_s",
    "D_2_m2_per_s_err",
    "fraction",
    "fraction_err",
    "beta",
    "beta_err",
    "I0",
    "I0_err",
    "delta_s",
    "big_delta_s",
    "gamma_Hz_per_G",
    "gradient_shape",
    "diffusion_time_s",
    "b_max_s_per_m2",
    "temperature_K",
    "n_points",
    "chi2",
    "aic",
    "criterion",
    "encoding_source",
    "convention",
    "topspin_D_m2_per_s",
    "err_method",
    "fit_ok",
    "flags",
]


def _topspin_d(topspin: pd.DataFrame | None, region_ppm: Mapping[str, float]) -> dict:
    """TopSpin's D per region: each TopSpin peak goes to the region whose
    measured peak position is nearest its peak point."""
    out: dict[str, float] = {}
    if topspin is None or not len(topspin) or not region_ppm:
        return out
    names = list(region_ppm)
    centres = np.array([region_ppm[n] for n in names], float)
    for _, peak in topspin.iterrows():
        if not np.isfinite(centres).any():
            break
        k = int(np.nanargmin(np.abs(centres - float(peak["peak_ppm"]))))
        out.setdefault(names[k], float(peak["D_m2_per_s"]))
    return out


ATTENUATION_COLUMNS = [
    "experiment",
    "region",
    "increment",
    "gradient_G_per_cm",
    "b_s_per_m2",
    "integral",
    "integral_err",
]


def fit_pfg_table(
    integrals: pd.DataFrame,
    experiments: pd.DataFrame,
    inputs: Mapping[str, Mapping],
    models: tuple[str, ...] = MODELS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(pfg_diffusion, pfg_attenuation)``: one row per PFG experiment x
    region x model, and the points fitted (experiment x region x increment:
    gradient, b, integral and its error).

    ``inputs`` maps an experiment to ``gradients_G_per_cm`` (one per increment,
    the difflist), ``encoding`` (:class:`~liprobe.pfg.encoding.Encoding`),
    ``topspin`` (TopSpin's diffusion fit per peak or None) and ``flags`` (list).
    The attenuation is the region integral (``integral``, ``integral_err``)
    against b = b(G). ``selected`` marks the model of lowest AICc among the
    fits that are ok; ``topspin_D_m2_per_s`` is TopSpin's D for the region when
    its fit is in the folder.
    """
    rows, points = [], []
    exps = experiments.set_index("experiment")
    for experiment, spec in inputs.items():
        enc: Encoding = spec["encoding"]
        grads = np.asarray(spec["gradients_G_per_cm"], float)
        data = integrals[integrals["experiment"] == experiment]
        exp = exps.loc[experiment] if experiment in exps.index else None
        temperature = float(exp["temperature_K"]) if exp is not None else math.nan
        region_ppm = {
            str(r): float(np.nanmedian(g["peak_ppm"]))
            for r, g in data.groupby("region", sort=False)
            if "peak_ppm" in g
        }
        topspin = _topspin_d(spec.get("topspin"), region_ppm)
        for region, g in data.groupby("region", sort=False):
            g = g.sort_values("increment")
            inc = g["increment"].to_numpy(int)
            valid = inc < grads.size
            b = np.full(len(g), np.nan)
            b[valid] = enc.b_s_per_m2(grads[inc[valid]])
            y = g["integral"].to_numpy(float)
            s = g["integral_err"].to_numpy(float)
            gk = np.full(len(g), np.nan)
            gk[valid] = grads[inc[valid]]
            points.append(
                pd.DataFrame(
                    {
                        "experiment": experiment,
                        "region": str(region),
                        "increment": inc,
                        "gradient_G_per_cm": gk,
                        "b_s_per_m2": b,
                        "integral": y,
                        "integral_err": s,
                    }
                )
            )
            fits = [fit_curve(b, y, s, m) for m in models]
            ok = [f for f in fits if f.fit_ok and math.isfinite(f.aic)]
            best = min(ok, key=lambda f: f.aic).model if ok else None
            base_flags = list(spec.get("flags", [])) + list(enc.flags)
            if not valid.all():
                base_flags.append("difflist_shorter_than_rows")
            for f in fits:
                p, e = f.params, f.errors
                rows.append(
                    {
                        "experiment": experiment,
                        "sample": str(exp["sample"]) if exp is not None else "",
                        "series": str(exp.get("series", "") or "")
                        if exp is not None
                        else "",
                        "region": str(region),
                        "model": f.model,
                        "selected": f.model == best,
                        "D_m2_per_s": p.get("D_m2_per_s", math.nan),
                        "D_m2_per_s_err": e.get("D_m2_per_s", math.nan),
                        "D_2_m2_per_s": p.get("D_2_m2_per_s", math.nan),
                        "D_2_m2_per_s_err": e.get("D_2_m2_per_s", math.nan),
                        "fraction": p.get("fraction", math.nan),
                        "fraction_err": e.get("fraction", math.nan),
                        "beta": p.get("beta", math.nan),
                        "beta_err": e.get("beta", math.nan),
                        "I0": p.get("I0", math.nan),
                        "I0_err": e.get("I0", math.nan),
                        "delta_s": enc.delta_s,
                        "big_delta_s": enc.big_delta_s,
                        "gamma_Hz_per_G": enc.gamma_Hz_per_G,
                        "gradient_shape": enc.shape,
                        "diffusion_time_s": enc.diffusion_time_s,
                        "b_max_s_per_m2": float(np.nanmax(b))
                        if np.isfinite(b).any()
                        else math.nan,
                        "temperature_K": temperature,
                        "n_points": f.n_points,
                        "chi2": f.chi2,
                        "aic": f.aic,
                        "criterion": CRITERION,
                        "encoding_source": enc.source,
                        "convention": enc.convention,
                        "topspin_D_m2_per_s": topspin.get(str(region), math.nan),
                        "err_method": ERR_METHOD,
                        "fit_ok": bool(f.fit_ok),
                        "flags": ";".join(dict.fromkeys(base_flags + f.flags)),
                    }
                )
    attenuation = (
        pd.concat(points, ignore_index=True)[ATTENUATION_COLUMNS]
        if points
        else pd.DataFrame({c: pd.Series(dtype=float) for c in ATTENUATION_COLUMNS})
    )
    if not rows:
        return (
            pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS}),
            attenuation,
        )
    return pd.DataFrame(rows, columns=COLUMNS), attenuation
