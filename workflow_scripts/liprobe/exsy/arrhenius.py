"""Arrhenius analysis of EXSY exchange rates and diffusion coefficients, and
the equilibrium exchange current density.

Errors (column ``err_method``): the fit of ln y against 1/T uses absolute
weights y / y_err, since the per-temperature errors are measured: with 2-7
degrees of freedom the reduced chi-square is itself noise, and scaling by it
shrinks errors as often as it grows them. When the chi-square p-value is below
``poor_fit_p`` the points scatter beyond their errors: the errors are inflated
by ``sqrt(redchi)`` and the row is flagged ``scatter_exceeds_errors``.

The exchange current density from a diffusion-limited series is a lower bound
(column ``i0_bound``): the bulk diffusion time, not the interface, sets the
exchange rate, so the interface exchanges at least that fast.
"""

from __future__ import annotations

import math

import lmfit
import numpy as np
import pandas as pd
from scipy.stats import chi2

from liprobe.constants import E_CHARGE_C, KB_EV
from liprobe.exsy.fit import SPHERE_X_HALF
from liprobe.exsy.models import arrhenius

ARRHENIUS_UNCERTAINTY = (
    "covariance of the fit of ln y weighted by y / y_err (absolute weights)"
)
REFERENCE_ERR_METHOD = (
    "delta method on ln y = ln A - Ea / (kB T) with the covariance of ln A and Ea"
)
RADIUS_REFERENCE_METHOD = "; particle radius error (2 dr / r) added in quadrature"
I0_METHOD = (
    "i0 = e n_Li (r / 3) k / f_area: Li in a sphere of radius r per unit of its "
    "surface (V/A = r/3), crossing at rate k, interface = f_area of the surface; "
    "k = k_AB (two_site) or ln2 / t_half with D t_half / r^2 = x_half (Crank, "
    "diffusion; a lower bound of the interfacial exchange); error: rate error "
    "and particle_radius_um_err in quadrature"
)


def fit_arrhenius(
    temperature_K: np.ndarray,
    value: np.ndarray,
    value_err: np.ndarray,
    *,
    poor_fit_p: float,
) -> dict:
    """Fit ln y = ln A - Ea / (kB T) (:func:`liprobe.exsy.models.arrhenius`).

    Points with non-finite or non-positive values are dropped (and counted in
    ``flags``). Weights are 1 / sigma(ln y) = y / y_err (points without an error
    get the median relative error), absolute (see the module docstring for the
    inflation below ``poor_fit_p``). Returns Ea_eV, Ea_eV_err, ln_prefactor,
    ln_prefactor_err, their covariance, n_temperatures, T range, redchi,
    chi2_p_value, err_method, fit_ok and flags.
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
        "ln_prefactor_Ea_cov": math.nan,
        "redchi": math.nan,
        "chi2_p_value": math.nan,
        "err_method": ARRHENIUS_UNCERTAINTY,
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
    result = model.fit(np.log(y), params, T=T, weights=1.0 / rel, scale_covar=False)
    factor = 1.0
    dof = int(result.nfree)
    if dof > 0:
        row["redchi"] = float(result.redchi)
        row["chi2_p_value"] = float(chi2.sf(result.chisqr, dof))
        if row["chi2_p_value"] < poor_fit_p:
            factor = math.sqrt(max(row["redchi"], 1.0))
            flags.append(f"scatter_exceeds_errors(p={row['chi2_p_value']:.2g})")
            row["err_method"] = row["uncertainty_method"] = (
                f"{ARRHENIUS_UNCERTAINTY}, inflated by sqrt(reduced chi-square) = "
                f"{factor:.3g} (chi-square p < {poor_fit_p:g})"
            )
    else:
        flags.append("two_temperatures_error_from_inputs_only")
    names = list(result.var_names)
    if result.covar is not None:
        cov = np.asarray(result.covar) * factor**2
        i, j = names.index("ln_A"), names.index("Ea_eV")
        row.update(
            Ea_eV_err=float(np.sqrt(cov[j, j])),
            ln_prefactor_err=float(np.sqrt(cov[i, i])),
            ln_prefactor_Ea_cov=float(cov[i, j]),
        )
    row.update(
        Ea_eV=float(result.params["Ea_eV"].value),
        ln_prefactor=float(result.params["ln_A"].value),
    )
    row["fit_ok"] = bool(result.success and np.isfinite(row["Ea_eV_err"]))
    row["flags"] = ";".join(flags)
    return row


def exchange_current_density(
    rate_per_s: float,
    rate_err: float,
    *,
    particle_radius_um: float,
    li_density_per_cm3: float,
    interface_area_fraction: float,
    particle_radius_um_err: float = 0.0,
) -> tuple[float, float]:
    """Equilibrium exchange current density i0 (A/cm^2) from an exchange rate.

    i0 = e n_Li (r / 3) k / f_area: every Li of a spherical particle of radius r
    (volume / surface = r / 3) leaves at rate k through the fraction f_area of
    its surface that is interface (the seed review's reading of EXSY rates as
    an exchange current: Liu, Ganapathy & Wagemaker, Acc. Chem. Res. 55 (2022)
    333). The error propagates the rate error and the radius error
    ``particle_radius_um_err`` in quadrature; Li density and area fraction are
    taken as exact (they are columns beside the number).
    """
    r_cm = particle_radius_um * 1e-4
    factor = E_CHARGE_C * li_density_per_cm3 * (r_cm / 3.0) / interface_area_fraction
    i0 = rate_per_s * factor
    rel_r = particle_radius_um_err / particle_radius_um if particle_radius_um else 0.0
    return i0, math.hypot(abs(rate_err) * factor, i0 * rel_r)


def diffusion_exchange_rate(
    D_m2_per_s: float, particle_radius_um: float, x_half: float = SPHERE_X_HALF
) -> float:
    """Effective first-order exchange rate ln2 / t_half of Crank's sphere, with
    D t_half / r^2 = x_half (F(t_half) = 1/2; 0.0305 for an infinite sink,
    smaller for a finite partner phase)."""
    r_m = particle_radius_um * 1e-6
    return math.log(2) * D_m2_per_s / (x_half * r_m**2)


def _number(row, key: str, default: float = math.nan) -> float:
    value = row.get(key, default)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default


def i0_bound(model: str, flags: str) -> str:
    """``lower_bound`` when the exchange is diffusion-limited, else ``value``."""
    if model == "diffusion_sphere" or "diffusion_limited" in str(flags):
        return "lower_bound"
    return "value"


def add_exchange_current(
    fits: pd.DataFrame, *, li_density_per_cm3: float, interface_area_fraction: float
) -> pd.DataFrame:
    """Add i0 columns (and every assumption beside them) to an exsy_fits frame.

    ``i0_bound`` says whether i0 is a value (two-site, interface-limited) or a
    lower bound (diffusion-limited). The rate of the diffusion model is
    ln2 / t_half with the row's ``exchange_half_time_x`` (its statistical D
    error only: the radius enters i0 once, in quadrature).
    """
    out = fits.copy()
    rates, errs, i0, i0e, bounds = [], [], [], [], []
    for _, r in out.iterrows():
        radius = _number(r, "particle_radius_um")
        radius_err = _number(r, "particle_radius_um_err", 0.0)
        if r["model"] == "diffusion_sphere":
            x_half = _number(r, "exchange_half_time_x", SPHERE_X_HALF)
            k = diffusion_exchange_rate(r["D_m2_per_s"], radius, x_half)
            d = r["D_m2_per_s"]
            stat = _number(r, "D_m2_per_s_stat_err", _number(r, "D_m2_per_s_err"))
            ke = k * stat / d if d else math.nan
        else:
            k, ke = r["k_AB_per_s"], r["k_AB_per_s_err"]
        cur, cur_err = exchange_current_density(
            k,
            ke,
            particle_radius_um=radius,
            li_density_per_cm3=li_density_per_cm3,
            interface_area_fraction=interface_area_fraction,
            particle_radius_um_err=radius_err,
        )
        rates.append(k)
        errs.append(ke)
        i0.append(cur)
        i0e.append(cur_err)
        bounds.append(i0_bound(r["model"], r.get("flags", "")))
    out["exchange_rate_per_s"] = rates
    out["exchange_rate_per_s_err"] = errs
    out["i0_A_per_cm2"] = i0
    out["i0_A_per_cm2_err"] = i0e
    out["i0_bound"] = bounds
    out["li_density_per_cm3"] = float(li_density_per_cm3)
    out["interface_area_fraction"] = float(interface_area_fraction)
    out["i0_method"] = I0_METHOD
    return out


def arrhenius_table(
    fits: pd.DataFrame,
    *,
    li_density_per_cm3: float,
    interface_area_fraction: float,
    reference_temperature_K: float,
    poor_fit_p: float,
) -> pd.DataFrame:
    """Arrhenius fits per sample for k_AB, k_BA (two_site) and D (diffusion).

    ``fits`` is an exsy_fits frame with a ``sample`` column. Only rows with
    ``fit_ok`` enter (poor fits and two-site fits of diffusion-limited data
    do not; they are counted in ``flags``). D enters with its statistical
    error (``D_m2_per_s_stat_err``): the particle radius is common to all
    temperatures, so its error moves the prefactor, not Ea, and is added to
    ``value_at_reference_err`` and the i0 error instead. Besides Ea the row
    holds the quantity at the reference temperature from the fitted line (error
    with the covariance of ln A and Ea) and, for D and k_AB, the exchange
    current density there with its assumptions and ``i0_bound``.
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
            err_col = column + "_err"
            if quantity == "D" and "D_m2_per_s_stat_err" in sel:
                err_col = "D_m2_per_s_stat_err"
            res = fit_arrhenius(
                sel["temperature_K"], sel[column], sel[err_col], poor_fit_p=poor_fit_p
            )
            if n_failed:
                res["flags"] = ";".join(
                    f for f in [res["flags"], f"{n_failed}_failed_fits_excluded"] if f
                )
            row = {"sample": sample, "quantity": quantity, "model": model, **res}
            row["reference_temperature_K"] = float(reference_temperature_K)
            radius = _median(sel, "particle_radius_um")
            radius_err = _median(sel, "particle_radius_um_err")
            radius_err = radius_err if math.isfinite(radius_err) else 0.0
            ref = math.nan
            ref_err = math.nan
            ref_stat = math.nan
            if np.isfinite(res["Ea_eV"]):
                ref = math.exp(
                    arrhenius(
                        reference_temperature_K, res["ln_prefactor"], res["Ea_eV"]
                    )
                )
                u = 1.0 / (KB_EV * reference_temperature_K)
                var = (
                    res["ln_prefactor_err"] ** 2
                    + (u * res["Ea_eV_err"]) ** 2
                    - 2 * u * res["ln_prefactor_Ea_cov"]
                )
                ref_stat = ref * math.sqrt(max(var, 0.0))
                ref_err = ref_stat
                if quantity == "D" and math.isfinite(radius) and radius > 0:
                    ref_err = math.hypot(ref_stat, ref * 2 * radius_err / radius)
            row["value_at_reference"] = ref
            row["value_at_reference_err"] = ref_err
            row["value_at_reference_err_method"] = REFERENCE_ERR_METHOD + (
                RADIUS_REFERENCE_METHOD if quantity == "D" else ""
            )
            row["particle_radius_um"] = radius
            row["particle_radius_um_err"] = radius_err
            if quantity == "D" and np.isfinite(ref) and np.isfinite(radius):
                x_half = _median(sel, "exchange_half_time_x")
                x_half = x_half if math.isfinite(x_half) else SPHERE_X_HALF
                k = diffusion_exchange_rate(ref, radius, x_half)
                ke = k * ref_stat / ref
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
                    particle_radius_um_err=radius_err,
                )
            else:
                i0, i0e = math.nan, math.nan
            row.update(
                i0_A_per_cm2=i0,
                i0_A_per_cm2_err=i0e,
                i0_bound=i0_bound(model, ""),
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
        "ln_prefactor_Ea_cov",
        "n_temperatures",
        "T_min_K",
        "T_max_K",
        "redchi",
        "chi2_p_value",
        "reference_temperature_K",
        "value_at_reference",
        "value_at_reference_err",
        "value_at_reference_err_method",
        "particle_radius_um",
        "particle_radius_um_err",
        "i0_A_per_cm2",
        "i0_A_per_cm2_err",
        "i0_bound",
        "li_density_per_cm3",
        "interface_area_fraction",
        "i0_method",
        "err_method",
        "uncertainty_method",
        "fit_ok",
        "flags",
    ]
    return pd.DataFrame(rows, columns=columns)


def _median(frame: pd.DataFrame, column: str) -> float:
    if column not in frame or not frame[column].notna().any():
        return math.nan
    return float(frame[column].median())
