"""Arrhenius analysis of EXSY exchange rates and diffusion coefficients, and
the equilibrium exchange current density."""

from __future__ import annotations

import math

import lmfit
import numpy as np
import pandas as pd

from liprobe.exsy.fit import SPHERE_X_HALF
from liprobe.exsy.models import KB_EV, arrhenius

E_CHARGE_C = 1.602176634e-19
ARRHENIUS_UNCERTAINTY = (
    "covariance of the fit of ln y weighted by y_err / y; scaled by redchi when "
    "more than two temperatures, from the input errors alone otherwise"
)
I0_METHOD = (
    "i0 = e n_Li (r / 3) k / f_area: Li in a sphere of radius r per unit of its "
    "surface (V/A = r/3), crossing at rate k, interface = f_area of the surface; "
    "k = k_AB (two_site) or ln2 / t_half with D t_half / r^2 = 0.0305 (diffusion)"
)


def fit_arrhenius(
    temperature_K: np.ndarray, value: np.ndarray, value_err: np.ndarray
) -> dict:
    """Fit ln y = ln A - Ea / (kB T) (:func:`liprobe.exsy.models.arrhenius`).

    Points with non-finite or non-positive values are dropped (and counted in
    ``flags``). Weights are 1 / sigma(ln y) = y / y_err (points without an error
    get the median relative error). Returns Ea_eV, Ea_eV_err, ln_prefactor,
    ln_prefactor_err, n_temperatures, T range, redchi, fit_ok and flags.
    """
    T = np.asarray(temperature_K, dtype=float)
    y = np.asarray(value, dtype=float)
    e = np.asarray(value_err, dtype=float)
    good = np.isfinite(T) & (T > 0) & np.isfinite(y) & (y > 0)
    flags = []
    if (~good).sum():
        flags.append(f"{int((~good).sum())}_points_dropped")
    T, y, e = T[good], y[good], e[good]
    row = {
        "Ea_eV": math.nan,
        "Ea_eV_err": math.nan,
        "ln_prefactor": math.nan,
        "ln_prefactor_err": math.nan,
        "n_temperatures": int(np.unique(T).size),
        "T_min_K": float(T.min()) if T.size else math.nan,
        "T_max_K": float(T.max()) if T.size else math.nan,
        "redchi": math.nan,
        "uncertainty_method": ARRHENIUS_UNCERTAINTY,
        "fit_ok": False,
        "flags": "",
    }
    if np.unique(T).size < 2:
        row["flags"] = ";".join([*flags, "fewer_than_two_temperatures"])
        return row
    rel = e / y
    ok_rel = np.isfinite(rel) & (rel > 0)
    if not ok_rel.any():
        rel = np.full_like(y, 0.1)
        flags.append("no_input_errors_assumed_10_percent")
    elif not ok_rel.all():
        rel = np.where(ok_rel, rel, np.median(rel[ok_rel]))
        flags.append("missing_errors_set_to_median")
    model = lmfit.Model(arrhenius, independent_vars=["T"])
    params = model.make_params(ln_A=float(np.log(y.max())), Ea_eV=0.3)
    x = 1.0 / (KB_EV * T)
    slope, intercept = np.polyfit(x, np.log(y), 1)
    params["ln_A"].set(value=float(intercept))
    params["Ea_eV"].set(value=float(-slope))
    scale = T.size > 2
    result = model.fit(np.log(y), params, T=T, weights=1.0 / rel, scale_covar=scale)
    row.update(
        Ea_eV=float(result.params["Ea_eV"].value),
        Ea_eV_err=float(result.params["Ea_eV"].stderr or math.nan),
        ln_prefactor=float(result.params["ln_A"].value),
        ln_prefactor_err=float(result.params["ln_A"].stderr or math.nan),
        redchi=float(result.redchi) if scale else math.nan,
    )
    if T.size == 2:
        flags.append("two_temperatures_error_from_inputs_only")
    row["fit_ok"] = bool(result.success and np.isfinite(row["Ea_eV_err"]))
    row["flags"] = ";".join(flags)
    return row


def exchange_current_density(
    rate_per_s: float,
    rate_err: float,
    *,
    particle_radius_um: float,
    li_density_per_cm3: float,
    interface_area_fraction: float = 1.0,
) -> tuple[float, float]:
    """Equilibrium exchange current density i0 (A/cm^2) from an exchange rate.

    i0 = e n_Li (r / 3) k / f_area: every Li of a spherical particle of radius r
    (volume / surface = r / 3) leaves at rate k through the fraction f_area of
    its surface that is interface (the seed review's reading of EXSY rates as
    an exchange current: Liu, Ganapathy & Wagemaker, Acc. Chem. Res. 55 (2022)
    333). The error propagates the rate error only; the assumptions are exact.
    """
    r_cm = particle_radius_um * 1e-4
    factor = E_CHARGE_C * li_density_per_cm3 * (r_cm / 3.0) / interface_area_fraction
    return rate_per_s * factor, abs(rate_err) * factor


def diffusion_exchange_rate(D_m2_per_s: float, particle_radius_um: float) -> float:
    """Effective first-order exchange rate ln2 / t_half of Crank's sphere, with
    D t_half / r^2 = 0.0305 (F(t_half) = 1/2)."""
    r_m = particle_radius_um * 1e-6
    return math.log(2) * D_m2_per_s / (SPHERE_X_HALF * r_m**2)


def add_exchange_current(
    fits: pd.DataFrame, *, li_density_per_cm3: float, interface_area_fraction: float
) -> pd.DataFrame:
    """Add i0 columns (and every assumption beside them) to an exsy_fits frame."""
    out = fits.copy()
    rates, errs, i0, i0e = [], [], [], []
    for _, r in out.iterrows():
        radius = float(r.get("particle_radius_um", math.nan))
        if r["model"] == "diffusion_sphere":
            k = diffusion_exchange_rate(r["D_m2_per_s"], radius)
            d = r["D_m2_per_s"]
            ke = k * r["D_m2_per_s_err"] / d if d else math.nan
        else:
            k, ke = r["k_AB_per_s"], r["k_AB_per_s_err"]
        cur, cur_err = exchange_current_density(
            k,
            ke,
            particle_radius_um=radius,
            li_density_per_cm3=li_density_per_cm3,
            interface_area_fraction=interface_area_fraction,
        )
        rates.append(k)
        errs.append(ke)
        i0.append(cur)
        i0e.append(cur_err)
    out["exchange_rate_per_s"] = rates
    out["exchange_rate_per_s_err"] = errs
    out["i0_A_per_cm2"] = i0
    out["i0_A_per_cm2_err"] = i0e
    out["li_density_per_cm3"] = float(li_density_per_cm3)
    out["interface_area_fraction"] = float(interface_area_fraction)
    out["i0_method"] = I0_METHOD
    return out


def arrhenius_table(
    fits: pd.DataFrame,
    *,
    li_density_per_cm3: float,
    interface_area_fraction: float,
    reference_temperature_K: float = 298.15,
) -> pd.DataFrame:
    """Arrhenius fits per sample for k_AB, k_BA (two_site) and D (diffusion).

    ``fits`` is an exsy_fits frame with a ``sample`` column. Only rows with
    ``fit_ok`` enter. Besides Ea the row holds the quantity at the reference
    temperature from the fitted line and, for D and k_AB, the exchange current
    density there with its assumptions.
    """
    rows = []
    quantities = [
        ("k_AB", "two_site", "k_AB_per_s"),
        ("k_BA", "two_site", "k_BA_per_s"),
        ("D", "diffusion_sphere", "D_m2_per_s"),
    ]
    for sample, group in fits.groupby("sample", sort=True):
        for quantity, model, column in quantities:
            sel = group[(group["model"] == model)]
            if sel.empty:
                continue
            n_failed = int((~sel["fit_ok"].astype(bool)).sum())
            sel = sel[sel["fit_ok"].astype(bool)]
            res = fit_arrhenius(sel["temperature_K"], sel[column], sel[column + "_err"])
            if n_failed:
                res["flags"] = ";".join(
                    f for f in [res["flags"], f"{n_failed}_failed_fits_excluded"] if f
                )
            row = {"sample": sample, "quantity": quantity, "model": model, **res}
            row["reference_temperature_K"] = float(reference_temperature_K)
            ref = math.nan
            ref_err = math.nan
            if np.isfinite(res["Ea_eV"]):
                ref = math.exp(
                    arrhenius(
                        reference_temperature_K, res["ln_prefactor"], res["Ea_eV"]
                    )
                )
                sel_err = np.hypot(
                    res["ln_prefactor_err"],
                    res["Ea_eV_err"] / (KB_EV * reference_temperature_K),
                )
                ref_err = ref * float(sel_err)  # upper bound: ignores correlation
            row["value_at_reference"] = ref
            row["value_at_reference_err"] = ref_err
            radius = (
                float(sel["particle_radius_um"].median())
                if "particle_radius_um" in sel
                and sel["particle_radius_um"].notna().any()
                else math.nan
            )
            row["particle_radius_um"] = radius
            if quantity == "D" and np.isfinite(ref) and np.isfinite(radius):
                k = diffusion_exchange_rate(ref, radius)
                ke = k * ref_err / ref
            elif quantity == "k_AB" and np.isfinite(ref):
                k, ke = ref, ref_err
            else:
                k, ke = math.nan, math.nan
            if np.isfinite(k) and np.isfinite(radius):
                i0, i0e = exchange_current_density(
                    k,
                    ke,
                    particle_radius_um=radius,
                    li_density_per_cm3=li_density_per_cm3,
                    interface_area_fraction=interface_area_fraction,
                )
            else:
                i0, i0e = math.nan, math.nan
            row.update(
                i0_A_per_cm2=i0,
                i0_A_per_cm2_err=i0e,
                li_density_per_cm3=float(li_density_per_cm3),
                interface_area_fraction=float(interface_area_fraction),
                i0_method=I0_METHOD,
            )
            rows.append(row)
    columns = [
        "sample",
        "quantity",
        "model",
        "Ea_eV",
        "Ea_eV_err",
        "ln_prefactor",
        "ln_prefactor_err",
        "n_temperatures",
        "T_min_K",
        "T_max_K",
        "redchi",
        "reference_temperature_K",
        "value_at_reference",
        "value_at_reference_err",
        "particle_radius_um",
        "i0_A_per_cm2",
        "i0_A_per_cm2_err",
        "li_density_per_cm3",
        "interface_area_fraction",
        "i0_method",
        "uncertainty_method",
        "fit_ok",
        "flags",
    ]
    return pd.DataFrame(rows, columns=columns)
