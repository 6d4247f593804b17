"""Li inventory from NDP depth profiles, aligned with the cycler's charge, and
per-cycle Li-efficiency accounting.

Definitions (Liu, Ganapathy & Wagemaker, Acc. Chem. Res. 55 (2022) 333;
Lv et al., Nat. Energy 3 (2018) 739):

* inventory ``N(t) = sum_x c(x, t) dx`` over the probed depth window (Li/cm2);
* ``1 mAh = 3.6 C / e = 2.247e19 Li``;
* Li efficiency of a cycle (a plating step followed by a stripping step)
  ``eta = (N_end_plating - N_end_stripping) / (N_end_plating - N_start_plating)``;
* Coulombic efficiency ``CE = Q_stripped / Q_plated`` (cycler);
* inactive Li after a cycle: ``N_end_stripping - N_start_plating`` of that
  cycle, cumulative: ``N_end_stripping - N_start_plating(first cycle)``;
* ``CE - eta`` is reported with its sign: charge spent on electrolyte reduction
  lowers CE below eta; Li leaving the probed window without current raises
  eta above CE.

How ``N`` at a step's start or end is estimated: the slices lying entirely
inside the step (a constant-current step changes ``N`` linearly) are fitted
with a weighted straight line ``N(t) = a + b (t - t_c)`` (weights ``1/err^2``
from the Poisson errors of the profiles); the line is evaluated at the step's
start and end. Parameter covariances come from the weighted least squares
normal equations, scaled up by the reduced chi-square when it exceeds 1.
Uncertainties of ``eta`` and of the inactive Li follow by first-order
propagation with these covariances (plating and stripping fits independent).
A step holding a single slice uses that slice's value and error (flagged); a
step holding none gives NaN (flagged).

Errors of the fits are the slices' counting errors
(``li_per_cm2_err_counting``), independent between slices. The sensitivity
K's relative error (``sensitivity_rel_err``, from the 10B reference) is common
to all slices of a run: it is added to every absolute amount (N at step
starts and ends, inactive Li) as |N| x rel. err., and cancels in the Li
efficiency, a ratio of amounts measured with the same K.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liprobe.constants import LI_PER_MAH
from liprobe.echem.segment import coulombic_efficiency, plating_sign_value
from liprobe.errors import InputError

#: Li atoms per mAh (3.6 C / elementary charge), about 2.247e19.

INVENTORY_COLUMNS = [
    "run",
    "slice",
    "t_start_utc",
    "t_end_utc",
    "t_mid_utc",
    "li_per_cm2",
    "li_per_cm2_err",
    "li_mAh_per_cm2",
    "li_mAh_per_cm2_err",
    "charge_mAh_per_cm2",
    "flags",
    "li_per_cm2_err_counting",
    "sensitivity_rel_err",
]

EFFICIENCY_COLUMNS = [
    "run",
    "cycle",
    "coulombic_efficiency",
    "li_efficiency",
    "li_efficiency_err",
    "inactive_li_per_cm2",
    "inactive_li_per_cm2_err",
    "inactive_li_cycle_per_cm2",
    "inactive_li_cycle_per_cm2_err",
    "ce_minus_li_efficiency",
    "ce_minus_li_efficiency_err",
    "n_start_plating_per_cm2",
    "n_start_plating_per_cm2_err",
    "n_end_plating_per_cm2",
    "n_end_plating_per_cm2_err",
    "n_end_stripping_per_cm2",
    "n_end_stripping_per_cm2_err",
    "plate_charge_mAh_per_cm2",
    "strip_charge_mAh_per_cm2",
    "n_slices_plating",
    "n_slices_stripping",
    "flags",
]


# --------------------------------------------------------------------------- #
# inventory
# --------------------------------------------------------------------------- #
def _bin_widths_um(depth_um: np.ndarray) -> np.ndarray:
    """Widths of bins given their centres (edges half-way between centres)."""
    d = np.asarray(depth_um, float)
    if d.size == 1:
        return np.ones(1)
    order = np.argsort(d)
    ds = d[order]
    edges = np.concatenate(
        [
            [ds[0] - 0.5 * (ds[1] - ds[0])],
            0.5 * (ds[1:] + ds[:-1]),
            [ds[-1] + 0.5 * (ds[-1] - ds[-2])],
        ]
    )
    w = np.empty_like(d)
    w[order] = np.diff(edges)
    return w


def net_plated_charge(trace: pd.DataFrame, plating_sign="negative") -> pd.Series:
    """Cumulative net plated charge (mAh) since the first point of the trace."""
    sign = plating_sign_value(plating_sign)
    q = trace["charge_mAh"].to_numpy(float)
    return pd.Series(sign * (q - q[0]), index=trace.index)


def slice_mean_charge(
    trace: pd.DataFrame,
    t_start_utc,
    t_end_utc,
    plating_sign="negative",
) -> np.ndarray:
    """Mean net plated charge (mAh) of the trace over each [start, end] slice.

    The charge is interpolated linearly between recorded points and averaged
    exactly over each slice (a zero-length slice gets the value at its
    instant). Slices not entirely inside the trace's time span give NaN.
    """
    t0 = pd.Timestamp(trace["t_utc"].iloc[0])
    ts = (pd.DatetimeIndex(trace["t_utc"]) - t0).total_seconds().to_numpy(float)
    q = net_plated_charge(trace, plating_sign).to_numpy(float)
    # cumulative integral of the piecewise linear charge
    big_q = np.concatenate([[0.0], np.cumsum(0.5 * (q[1:] + q[:-1]) * np.diff(ts))])
    a = (pd.DatetimeIndex(pd.to_datetime(t_start_utc, utc=True)) - t0).total_seconds()
    b = (pd.DatetimeIndex(pd.to_datetime(t_end_utc, utc=True)) - t0).total_seconds()
    a = np.asarray(a, float)
    b = np.asarray(b, float)

    def cum(x):
        # integral from ts[0] to x of the linear interpolant
        k = np.clip(np.searchsorted(ts, x, side="right") - 1, 0, len(ts) - 2)
        dx = x - ts[k]
        slope = (q[k + 1] - q[k]) / np.where(ts[k + 1] > ts[k], ts[k + 1] - ts[k], 1)
        return big_q[k] + q[k] * dx + 0.5 * slope * dx**2

    if len(ts) < 2:
        return np.full(a.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(
            b > a, (cum(b) - cum(a)) / np.where(b > a, b - a, 1), np.interp(a, ts, q)
        )
    inside = (a >= ts[0] - 1e-6) & (b <= ts[-1] + 1e-6)
    return np.where(inside, mean, np.nan)


#: a value further than this many standard errors outside its physical range
#: (efficiency outside [0, 1], inventory below 0) is flagged as impossible
IMPOSSIBLE_Z = 3.0


def impossible_efficiency(eta: float, err: float) -> str:
    """A flag text when a Li efficiency lies outside [0, 1] by more than
    :data:`IMPOSSIBLE_Z` standard errors (else ``""``)."""
    if not np.isfinite(eta):
        return ""
    margin = IMPOSSIBLE_Z * (err if np.isfinite(err) else 0.0)
    if -margin <= eta <= 1.0 + margin:
        return ""
    return (
        f"li_efficiency {eta:.3g} +- {err:.2g} outside [0, 1] by more than "
        f"{IMPOSSIBLE_Z:g} sigma: physically impossible; check the run's "
        "background, reference and list-mode files"
    )


def check_inventory(
    profiles: pd.DataFrame,
    slices: pd.DataFrame,
    window: tuple | None,
    run: str,
    source: str | None = None,
) -> None:
    """An empty inventory stops the run: no profile rows for ``run`` in
    ``source``, or a depth window (``accounting.inventory_depth_um``) that holds
    none of its depth bins."""
    if profiles.empty:
        raise InputError(source, "run", f"depth profiles of run {run}", "no rows")
    if slices.empty or slices["li_per_cm2"].isna().all():
        depths = profiles["depth_um"]
        raise InputError(
            "config",
            "accounting.inventory_depth_um",
            f"a depth window holding depth bins of run {run} (its bins span "
            f"{depths.min():g} to {depths.max():g} um)",
            None if window is None else list(window),
        )


def li_inventory(
    slices: pd.DataFrame,
    trace: pd.DataFrame,
    *,
    area_cm2: float,
    plating_sign="negative",
    run: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Li inventory per NDP slice next to the cycler's net plated charge.

    ``slices`` holds ``slice, t_start_utc, t_end_utc, li_per_cm2,
    li_per_cm2_err`` (from :func:`liprobe.ndp.concentration.inventory`);
    ``trace`` is a cycler trace. ``charge_mAh_per_cm2`` is the slice-averaged
    cumulative net plated charge (zero at the start of the cycler record) per
    electrode area;
    ``li_mAh_per_cm2`` is the NDP inventory in charge units (``/ LI_PER_MAH``).
    Slices outside the cycler record get NaN charge and a flag. A cycler record
    that overlaps no slice is an :class:`InputError` naming ``source``.
    """
    if not area_cm2 or not np.isfinite(area_cm2) or area_cm2 <= 0:
        raise InputError(source, "area_cm2", "a positive electrode area", area_cm2)
    s = slices.copy()
    for col in ("t_start_utc", "t_end_utc"):
        s[col] = pd.to_datetime(s[col], utc=True)
    if run is not None:
        s["run"] = run
    t_lo = pd.Timestamp(trace["t_utc"].min())
    t_hi = pd.Timestamp(trace["t_utc"].max())
    overlap = (s["t_end_utc"] > t_lo) & (s["t_start_utc"] < t_hi)
    if len(s) and not overlap.any():
        raise InputError(
            source,
            "time span",
            f"a cycler record overlapping the NDP run "
            f"({s['t_start_utc'].min()} to {s['t_end_utc'].max()} UTC); "
            "check cycler_timezone and the file",
            f"cycler record from {t_lo} to {t_hi} UTC",
        )
    charge = slice_mean_charge(trace, s["t_start_utc"], s["t_end_utc"], plating_sign)
    flags = np.where(np.isnan(charge), "outside the cycler record", "")
    li, li_err = s["li_per_cm2"].to_numpy(float), s["li_per_cm2_err"].to_numpy(float)
    negative = li < -IMPOSSIBLE_Z * np.nan_to_num(li_err, nan=0.0)
    flags = np.array(
        [
            "; ".join(
                f
                for f in (
                    flag,
                    f"negative Li inventory ({v:.3g} +- {e:.2g} /cm2, more than "
                    f"{IMPOSSIBLE_Z:g} sigma below 0: physically impossible; check "
                    "the background, the reference and the depth window)"
                    if neg
                    else "",
                )
                if f
            )
            for flag, v, e, neg in zip(flags, li, li_err, negative, strict=True)
        ],
        dtype=object,
    )
    out = pd.DataFrame(
        {
            "run": s["run"].to_numpy() if "run" in s.columns else "",
            "slice": s["slice"].to_numpy(),
            "t_start_utc": s["t_start_utc"].to_numpy(),
            "t_end_utc": s["t_end_utc"].to_numpy(),
            "t_mid_utc": (
                s["t_start_utc"] + (s["t_end_utc"] - s["t_start_utc"]) / 2
            ).to_numpy(),
            "li_per_cm2": s["li_per_cm2"].to_numpy(float),
            "li_per_cm2_err": s["li_per_cm2_err"].to_numpy(float),
            "li_mAh_per_cm2": s["li_per_cm2"].to_numpy(float) / LI_PER_MAH,
            "li_mAh_per_cm2_err": s["li_per_cm2_err"].to_numpy(float) / LI_PER_MAH,
            "li_per_cm2_err_counting": (
                s["li_per_cm2_err_counting"]
                if "li_per_cm2_err_counting" in s
                else s["li_per_cm2_err"]
            ).to_numpy(float),
            "sensitivity_rel_err": (
                s["sensitivity_rel_err"].to_numpy(float)
                if "sensitivity_rel_err" in s
                else np.full(len(s), np.nan)
            ),
            "charge_mAh_per_cm2": charge / area_cm2,
            "flags": flags,
        }
    )
    for col in ("t_start_utc", "t_end_utc", "t_mid_utc"):
        out[col] = pd.to_datetime(out[col], utc=True)
    return out[INVENTORY_COLUMNS].sort_values("t_start_utc").reset_index(drop=True)


# --------------------------------------------------------------------------- #
# efficiency
# --------------------------------------------------------------------------- #
class _StepFit:
    """Weighted straight line N(t) over the slices inside one step."""

    def __init__(self, inv: pd.DataFrame, t0: pd.Timestamp, t1: pd.Timestamp):
        inside = (inv["t_start_utc"] >= t0) & (inv["t_end_utc"] <= t1)
        g = inv[inside & np.isfinite(inv["li_per_cm2"])]
        self.n = len(g)
        self.ref = t0
        self.flag = ""
        x = (g["t_mid_utc"] - t0).dt.total_seconds().to_numpy(float)
        y = g["li_per_cm2"].to_numpy(float)
        # counting errors: independent between slices (the sensitivity's
        # common error is added to absolute amounts after the fit)
        col = "li_per_cm2_err_counting"
        e = g[col if col in g.columns else "li_per_cm2_err"].to_numpy(float)
        if self.n == 0:
            self.flag = "no NDP slice inside the step"
            self.p = np.array([np.nan, np.nan])
            self.cov = np.full((2, 2), np.nan)
            self.xc = 0.0
            return
        pos = e[e > 0]
        floor = pos.min() if pos.size else max(abs(y).max(), 1.0) * 1e-6
        e = np.where(e > 0, e, floor)
        w = 1.0 / e**2
        if self.n == 1:
            self.flag = "one NDP slice inside the step: its value used"
            self.xc = float(x[0])
            self.p = np.array([y[0], 0.0])
            self.cov = np.array([[e[0] ** 2, 0.0], [0.0, 0.0]])
            return
        self.xc = float(np.sum(w * x) / np.sum(w))
        dx = x - self.xc
        sw, sxx = np.sum(w), np.sum(w * dx**2)
        a = np.sum(w * y) / sw
        b = np.sum(w * dx * y) / sxx if sxx > 0 else 0.0
        cov = np.array([[1.0 / sw, 0.0], [0.0, 1.0 / sxx if sxx > 0 else 0.0]])
        if self.n > 2:
            chi2 = np.sum(w * (y - a - b * dx) ** 2) / (self.n - 2)
            cov *= max(chi2, 1.0)
        self.p = np.array([a, b])
        self.cov = cov

    def design(self, t: pd.Timestamp) -> np.ndarray:
        """Row vector J with N(t) = J @ p."""
        return np.array([1.0, (t - self.ref).total_seconds() - self.xc])

    def value(self, t: pd.Timestamp) -> tuple[float, float]:
        """N(t) and its 1-sigma error."""
        j = self.design(t)
        return float(j @ self.p), float(np.sqrt(max(j @ self.cov @ j, 0.0)))


def efficiency(
    inventory: pd.DataFrame,
    cycles: pd.DataFrame,
    *,
    area_cm2: float,
    run: str | None = None,
) -> pd.DataFrame:
    """Per-cycle Li efficiency, inactive Li, CE and CE - eta for one run.

    ``inventory``: :func:`li_inventory` output (or any frame with
    ``t_start_utc, t_end_utc, t_mid_utc, li_per_cm2, li_per_cm2_err``);
    ``cycles``: :func:`liprobe.echem.segment_half_cycles` output. See the
    module doc for the definitions and how uncertainties are obtained. A cycle
    without a plating or a stripping step, or without NDP slices in them, is
    a row with NaN values and a ``flags`` text.
    """
    inv = inventory.copy()
    for col in ("t_start_utc", "t_end_utc", "t_mid_utc"):
        if col in inv.columns:
            inv[col] = pd.to_datetime(inv[col], utc=True)
    if "t_mid_utc" not in inv.columns:
        inv["t_mid_utc"] = (
            inv["t_start_utc"] + (inv["t_end_utc"] - inv["t_start_utc"]) / 2
        )
    cyc = cycles.copy()
    for col in ("t_start_utc", "t_end_utc"):
        cyc[col] = pd.to_datetime(cyc[col], utc=True)
    if run is None:
        run = str(cyc["run"].iloc[0]) if "run" in cyc.columns and len(cyc) else ""
    ce = coulombic_efficiency(cyc.drop(columns=["run"], errors="ignore"))
    ce = ce.set_index("cycle")
    # the sensitivity's relative error: common to every slice of the run, so
    # it scales absolute amounts and cancels in the Li efficiency
    k_rel = 0.0
    if "sensitivity_rel_err" in inv.columns:
        finite = inv["sensitivity_rel_err"].dropna()
        k_rel = float(finite.iloc[0]) if len(finite) else 0.0

    def with_k(value, err):
        return float(np.hypot(err, abs(value) * k_rel))

    rows = []
    first_plate = None  # (fit, time) of the run's first plating step
    for cycle, g in cyc.groupby("cycle", sort=True):
        plates = g[g["step"] == "plate"]
        strips = g[g["step"] == "strip"]
        flags = [ce.loc[cycle, "flags"]] if ce.loc[cycle, "flags"] else []
        row = dict.fromkeys(EFFICIENCY_COLUMNS, np.nan)
        row.update(
            run=run,
            cycle=int(cycle),
            coulombic_efficiency=float(ce.loc[cycle, "coulombic_efficiency"]),
            plate_charge_mAh_per_cm2=float(ce.loc[cycle, "plate_charge_mAh"])
            / area_cm2,
            strip_charge_mAh_per_cm2=float(ce.loc[cycle, "strip_charge_mAh"])
            / area_cm2,
            n_slices_plating=0,
            n_slices_stripping=0,
        )
        pfit = sfit = None
        if len(plates):
            tp0, tp1 = plates["t_start_utc"].min(), plates["t_end_utc"].max()
            pfit = _StepFit(inv, tp0, tp1)
            row["n_slices_plating"] = pfit.n
            if pfit.flag:
                flags.append("plating: " + pfit.flag)
            if pfit.n >= 1:
                n_sp, e_sp = pfit.value(tp0)
                n_ep, e_ep = pfit.value(tp1)
                row.update(
                    n_start_plating_per_cm2=n_sp,
                    n_start_plating_per_cm2_err=with_k(n_sp, e_sp),
                    n_end_plating_per_cm2=n_ep,
                    n_end_plating_per_cm2_err=with_k(n_ep, e_ep),
                )
                if first_plate is None:
                    first_plate = (n_sp, e_sp)
        if len(strips):
            ts1 = strips["t_end_utc"].max()
            sfit = _StepFit(inv, strips["t_start_utc"].min(), ts1)
            row["n_slices_stripping"] = sfit.n
            if sfit.flag:
                flags.append("stripping: " + sfit.flag)
            if sfit.n >= 1:
                n_es, e_es = sfit.value(ts1)
                row.update(
                    n_end_stripping_per_cm2=n_es,
                    n_end_stripping_per_cm2_err=with_k(n_es, e_es),
                )
                if first_plate is not None:
                    row["inactive_li_per_cm2"] = n_es - first_plate[0]
                    row["inactive_li_per_cm2_err"] = with_k(
                        n_es - first_plate[0], float(np.hypot(e_es, first_plate[1]))
                    )
        if pfit is not None and sfit is not None and pfit.n >= 1 and sfit.n >= 1:
            tp0, tp1 = plates["t_start_utc"].min(), plates["t_end_utc"].max()
            ts1 = strips["t_end_utc"].max()
            j_ep, j_sp, j_es = pfit.design(tp1), pfit.design(tp0), sfit.design(ts1)
            n_ep, n_sp, n_es = j_ep @ pfit.p, j_sp @ pfit.p, j_es @ sfit.p
            big_a, big_b = n_ep - n_es, n_ep - n_sp
            # d eta / d(plating params) and d eta / d(stripping params)
            g_p = j_ep / big_b - big_a * (j_ep - j_sp) / big_b**2
            g_s = -j_es / big_b
            var = g_p @ pfit.cov @ g_p + g_s @ sfit.cov @ g_s
            if pfit.n < 2:
                flags.append("plating: N at start and end of plating not separable")
            eta = big_a / big_b if big_b != 0 and pfit.n >= 2 else np.nan
            row["li_efficiency"] = eta
            row["li_efficiency_err"] = float(np.sqrt(max(var, 0.0)))
            row["inactive_li_cycle_per_cm2"] = n_es - n_sp
            row["inactive_li_cycle_per_cm2_err"] = with_k(
                n_es - n_sp,
                float(np.sqrt(j_sp @ pfit.cov @ j_sp + j_es @ sfit.cov @ j_es)),
            )
            row["ce_minus_li_efficiency"] = row["coulombic_efficiency"] - eta
            row["ce_minus_li_efficiency_err"] = row["li_efficiency_err"]
            if big_b <= 0:
                flags.append("no net Li gain during plating")
            flags.append(impossible_efficiency(eta, row["li_efficiency_err"]))
        row["flags"] = "; ".join(f for f in flags if f)
        rows.append(row)
    out = pd.DataFrame(rows, columns=EFFICIENCY_COLUMNS)
    out["cycle"] = out["cycle"].astype("int64")
    for col in ("n_slices_plating", "n_slices_stripping"):
        out[col] = out[col].astype("int64")
    out["flags"] = out["flags"].fillna("").astype(str)
    return out
