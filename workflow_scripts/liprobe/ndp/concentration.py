"""From per-slice spectra to Li concentration profiles and inventories.

Counts model (per particle, per slice of live time T):

    counts_i = T * K * f6 * sum_j R_ij * N_j + background_i

with K = flux x sigma(6Li, 940 b) x solid-angle fraction x beam area (counts per
second per 6Li atom/cm2 for one particle species), f6 the 6Li atom fraction,
R the response matrix (:mod:`liprobe.ndp.response`) and N_j the Li atoms per
cm2 in depth bin j. K comes from the configuration (``normalisation.method:
configured``) or from a reference standard measured in the same geometry
(``reference``: a 10B standard of known areal density, K = rate /
(N_ref x sigma_ref) x 940 b). Concentration c_j = N_j / width_j, shown
relative to Li metal (4.63e22 /cm3) as ``li_density_rel``. Background (a
measurement without sample) is scaled by the live-time ratio and subtracted;
its Poisson variance adds to the counts' variance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liprobe.errors import InputError
from liprobe.ndp.calibration import (
    channel_energy,
    edge_calibration,
    linear_from_points,
    model_edge_energy,
    refine_calibration,
)
from liprobe.ndp.events import split_energy_reasons
from liprobe.ndp.invert import channel_depth_map, invert
from liprobe.ndp.response import (
    FWHM_PER_SIGMA,
    Layer,
    cumulative_response,
    depth_of_energy,
    rebin_response,
    response_matrix,
    surface_energy,
)

LI_METAL_PER_CM3 = 4.63e22
SIGMA_LI6_B = 940.0
LI_PER_MAH = 2.247e19

DEFAULTS = {
    "calibration": {"method": "edges"},
    "energy_window_keV": [700.0, 2800.0],
    "interference_windows_keV": [[380.0, 620.0]],
    "energy_bin_keV": 8.0,
    "depth_max_um": 10.0,
    "depth_step_um": 0.1,
    "resolution_fwhm_keV": 20.0,
    "cone_half_angle_deg": 20.0,
    "n_channels": 16384,
    "normalisation": {"method": "configured"},
    "regularisation": {"order": 1, "criterion": "discrepancy"},
}


def merged_config(cfg: dict | None) -> dict:
    """The ``ndp`` config with documented defaults filled in."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULTS.items()}
    for k, v in (cfg or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = {**out[k], **v}
        else:
            out[k] = v
    return out


def sensitivity_configured(norm: dict, area_cm2: float) -> float:
    """K (counts/s per 6Li atom/cm2, one particle) from flux and geometry."""
    try:
        flux = float(norm["flux_n_per_cm2_s"])
        frac = float(norm["solid_angle_fraction"])
    except (KeyError, TypeError, ValueError):
        raise InputError(
            "config ndp.normalisation",
            "flux_n_per_cm2_s / solid_angle_fraction",
            "numbers (or method: reference with a reference file)",
            norm,
        ) from None
    area = float(norm.get("beam_area_cm2") or area_cm2)
    return flux * SIGMA_LI6_B * 1e-24 * frac * area


def sensitivity_from_reference(
    counts: float, live_s: float, areal_density_per_cm2: float, cross_section_b: float
) -> tuple[float, float]:
    """K and its 1-sigma error from a reference standard (e.g. 10B, 3837 b).

    ``counts`` are the reference particles counted in its window during
    ``live_s``; the result is scaled from the reference cross-section to 6Li.
    """
    if counts <= 0 or live_s <= 0:
        raise InputError("reference", "counts/live time", "> 0", (counts, live_s))
    k_ref = counts / live_s / (areal_density_per_cm2 * cross_section_b * 1e-24)
    k = k_ref * SIGMA_LI6_B * 1e-24
    return k, k / np.sqrt(counts)


def reference_sensitivity(
    run_counts: np.ndarray,
    reference: pd.DataFrame,
    layers: list[Layer],
    cfg: dict,
    norm: dict,
    source: str = "reference",
) -> tuple[float, float]:
    """K from a reference-standard spectrum measured with the run's detector.

    ``reference``: channel, counts, live_s (whole reference file). The channel
    scale is the run's calibration (same detector and settings); the counts in
    ``norm['window_keV']`` (default 1300-1850 keV: both 10B alpha lines) give K
    via :func:`sensitivity_from_reference` with ``norm['areal_density_per_cm2']``
    and ``norm['cross_section_b']`` (default 3837 b, 10B thermal).
    """
    if reference.empty or float(reference["live_s"].iloc[0]) <= 0:
        raise InputError(
            source, "reference", "a reference list-mode file (sheet column)", "none"
        )
    if "areal_density_per_cm2" not in norm:
        raise InputError(
            "config ndp.normalisation",
            "areal_density_per_cm2",
            "the reference standard's areal density",
            "missing",
        )
    cfg = merged_config(cfg)
    cal = calibrate(np.asarray(run_counts, float), layers, cfg)
    e = channel_energy(
        int(cfg["n_channels"]), cal["offset_keV"], cal["gain_keV_per_channel"]
    )
    lo, hi = norm.get("window_keV", [1300.0, 1850.0])
    ch = reference["channel"].to_numpy(int)
    inside = (e[ch] >= lo) & (e[ch] < hi)
    counts = float(reference["counts"].to_numpy()[inside].sum())
    return sensitivity_from_reference(
        counts,
        float(reference["live_s"].iloc[0]),
        float(norm["areal_density_per_cm2"]),
        float(norm.get("cross_section_b", 3837.0)),
    )


def grouped_energy_bins(ch_energy_edges: np.ndarray, lo: float, hi: float, step: float):
    """Group whole channels into energy bins of about ``step`` keV in [lo, hi).

    Returns (bin edge channel indices, bin edge energies in keV).
    """
    e = np.asarray(ch_energy_edges, float)
    targets = np.arange(lo, hi + 0.5 * step, step)
    idx = np.unique(np.clip(np.searchsorted(e, targets), 0, e.size - 1))
    return idx, e[idx]


def calibrate(total_counts: np.ndarray, layers: list[Layer], cfg: dict) -> dict:
    """Calibration dict (offset_keV, gain_keV_per_channel, method, ...)."""
    cal = cfg.get("calibration") or {}
    if "points" in cal and cal.get("method", "points") == "points":
        offset, gain = linear_from_points(cal["points"])
        return {"method": "points", "offset_keV": offset, "gain_keV_per_channel": gain}
    if "gain_keV_per_channel" in cal:
        return {
            "method": "configured",
            "offset_keV": float(cal.get("offset_keV", 0.0)),
            "gain_keV_per_channel": float(cal["gain_keV_per_channel"]),
        }
    # edges: model a thick uniform layer with the same response
    e_edges = np.arange(100.0, 3000.0, 2.0)
    depth = np.linspace(0.0, min(float(layers[-1].thickness_um), 5.0), 26)
    edges = {}
    for p in ("alpha", "triton"):
        spec = response_matrix(
            layers,
            depth,
            e_edges,
            resolution_fwhm_keV=float(cfg["resolution_fwhm_keV"]),
            cone_half_angle_deg=float(cfg["cone_half_angle_deg"]),
            particles=(p,),
            srim=cfg.get("srim"),
        ).sum(axis=1)
        edges[p] = model_edge_energy(e_edges, spec)
    out = edge_calibration(total_counts, edges["alpha"], edges["triton"])
    return out


def reduce_run(
    hist: np.ndarray,
    slices: pd.DataFrame,
    layers: list[Layer],
    cfg: dict,
    *,
    li6_fraction: float,
    area_cm2: float,
    background: tuple[np.ndarray, float] | None = None,
    sensitivity: float | None = None,
) -> dict:
    """Profiles of every slice of one run.

    ``hist``: (n_slices, n_channels) counts of events inside the slices;
    ``slices``: slice, t_start_utc, t_end_utc, live_s; ``background``:
    (counts per channel, live_s). Returns ``profiles`` and ``baseline`` frames
    (ndp_depth_profiles columns plus diagnostics), ``calibration`` (dict),
    ``energy_reasons`` (accepted / interference / outside window counts) and
    ``spectra`` (per slice energy-bin counts and model).
    """
    cfg = merged_config(cfg)
    n_ch = hist.shape[1]
    total = hist.sum(axis=0)
    window = tuple(float(v) for v in cfg["energy_window_keV"])
    interf = [tuple(w) for w in cfg["interference_windows_keV"]]
    step = float(cfg["depth_step_um"])
    d_edges = np.arange(0.0, float(cfg["depth_max_um"]) + 0.5 * step, step)
    width = np.diff(d_edges)
    fine, cum = cumulative_response(
        layers,
        d_edges,
        max(window[0] - 100.0, 1.0),
        window[1] + 100.0,
        1.0,
        resolution_fwhm_keV=float(cfg["resolution_fwhm_keV"]),
        cone_half_angle_deg=float(cfg["cone_half_angle_deg"]),
        srim=cfg.get("srim"),
    )
    cal = calibrate(total, layers, cfg)
    off, gain = cal["offset_keV"], cal["gain_keV_per_channel"]
    ch_edges_e = off + gain * np.arange(n_ch + 1)
    idx, e_edges = grouped_energy_bins(
        ch_edges_e, window[0], window[1], float(cfg["energy_bin_keV"])
    )
    keep_bin = np.ones(idx.size - 1, bool)
    for lo, hi in interf:
        keep_bin &= ~((e_edges[:-1] < hi) & (e_edges[1:] > lo))
    if cal["method"] == "edges" and cfg["calibration"].get("refine", True):
        off, gain, chi2_bin = refine_calibration(
            total,
            idx,
            off,
            gain,
            lambda edges: rebin_response(fine, cum, edges),
            lam=0.01,
            keep=keep_bin,
        )
        cal.update(
            method="edges+model",
            offset_keV=off,
            gain_keV_per_channel=gain,
            refine_chi2_per_bin=chi2_bin,
        )
        e_edges = off + gain * idx
    ch_e = channel_energy(n_ch, off, gain)
    reasons, accepted = split_energy_reasons(hist, ch_e, window, interf)
    csum = np.concatenate([np.zeros((hist.shape[0], 1)), np.cumsum(hist, axis=1)], 1)
    binned = csum[:, idx[1:]] - csum[:, idx[:-1]]
    bg_binned = np.zeros(idx.size - 1)
    bg_live = 1.0
    if background is not None:
        bgc = np.concatenate([[0.0], np.cumsum(background[0][:n_ch])])
        if bgc.size < n_ch + 1:
            bgc = np.pad(bgc, (0, n_ch + 1 - bgc.size), mode="edge")
        bg_binned = bgc[idx[1:]] - bgc[idx[:-1]]
        bg_live = float(background[1])
    R = rebin_response(fine, cum, e_edges)
    if sensitivity is None:
        sensitivity = sensitivity_configured(cfg["normalisation"], area_cm2)
    reg = cfg.get("regularisation") or {}
    order = int(reg.get("order", 1))
    # baseline: triton-only energies, each mapped to one depth
    e_alpha_top = surface_energy(layers, "alpha", cfg.get("srim"))
    sig = float(cfg["resolution_fwhm_keV"]) / FWHM_PER_SIGMA
    tri_bins = keep_bin & (e_edges[:-1] > e_alpha_top + 4.0 * sig)
    d_of_e = depth_of_energy(
        layers,
        "triton",
        e_edges,
        float(layers[-1].thickness_um),
        cfg.get("srim"),
        float(cfg["cone_half_angle_deg"]),
    )
    rows, base_rows, spectra = [], [], []
    centres = 0.5 * (d_edges[:-1] + d_edges[1:])
    for k, sl in slices.reset_index(drop=True).iterrows():
        live = float(sl["live_s"])
        common = {
            "slice": int(sl["slice"]),
            "t_start_utc": sl["t_start_utc"],
            "t_end_utc": sl["t_end_utc"],
            "live_s": live,
        }
        scale_bg = live / bg_live if background is not None else 0.0
        y = binned[k] - scale_bg * bg_binned
        var = binned[k] + scale_bg**2 * bg_binned
        sigma = np.sqrt(np.maximum(var, 1.0))
        g = live * sensitivity * li6_fraction * LI_METAL_PER_CM3 * 1e-4
        if live <= 0 or g <= 0:
            for j in range(centres.size):
                nan = {"li_per_cm3": np.nan, "li_per_cm3_err": np.nan}
                rows.append(
                    {
                        **common,
                        "depth_um": centres[j],
                        "depth_width_um": width[j],
                        **nan,
                        "li_density_rel": np.nan,
                        "slice_li_per_cm2": np.nan,
                        "slice_li_per_cm2_err": np.nan,
                        "lambda": np.nan,
                        "chi2_red": np.nan,
                        "fit_ok": False,
                        "flags": "no_live_time",
                    }
                )
            continue
        M = g * R[keep_bin] * width[None, :]
        res = invert(M, y[keep_bin], sigma[keep_bin], order=order)
        rho, rho_err = res.x, res.x_err
        n_cm2 = rho * LI_METAL_PER_CM3 * width * 1e-4
        cov_n = res.cov * np.outer(width, width) * (LI_METAL_PER_CM3 * 1e-4) ** 2
        tot_err = float(np.sqrt(max(cov_n.sum(), 0.0)))
        chi2_red = res.chi2 / max(res.dof, 1)
        for j in range(centres.size):
            rows.append(
                {
                    **common,
                    "depth_um": centres[j],
                    "depth_width_um": width[j],
                    "li_per_cm3": rho[j] * LI_METAL_PER_CM3,
                    "li_per_cm3_err": rho_err[j] * LI_METAL_PER_CM3,
                    "li_density_rel": rho[j],
                    "slice_li_per_cm2": float(n_cm2.sum()),
                    "slice_li_per_cm2_err": tot_err,
                    "lambda": res.lam,
                    "chi2_red": chi2_red,
                    "fit_ok": res.flags == "",
                    "flags": res.flags,
                }
            )
        model = M @ rho
        spectra.append(
            pd.DataFrame(
                {
                    "slice": int(sl["slice"]),
                    "energy_keV": 0.5 * (e_edges[:-1] + e_edges[1:]),
                    "counts": binned[k],
                    "background_counts": scale_bg * bg_binned,
                    "model_counts": np.where(keep_bin, 0.0, np.nan),
                    "fitted": keep_bin,
                }
            )
        )
        spectra[-1].loc[keep_bin, "model_counts"] = (
            model + (scale_bg * bg_binned)[keep_bin]
        )
        # baseline channel-depth map (tritons only, one particle)
        cnt = np.where(tri_bins, y, 0.0)
        per_depth = channel_depth_map(cnt, d_of_e, d_edges)
        var_depth = channel_depth_map(np.where(tri_bins, var, 0.0), d_of_e, d_edges)
        g1 = live * sensitivity * li6_fraction * 1e-4
        c = per_depth / (g1 * width)
        c_err = np.sqrt(np.maximum(var_depth, 0.0)) / (g1 * width)
        for j in range(centres.size):
            base_rows.append(
                {
                    **common,
                    "depth_um": centres[j],
                    "depth_width_um": width[j],
                    "li_per_cm3": c[j],
                    "li_per_cm3_err": c_err[j],
                    "li_density_rel": c[j] / LI_METAL_PER_CM3,
                }
            )
    return {
        "profiles": pd.DataFrame(rows),
        "baseline": pd.DataFrame(base_rows),
        "calibration": cal,
        "energy_reasons": reasons,
        "spectra": pd.concat(spectra, ignore_index=True) if spectra else pd.DataFrame(),
        "accepted_channels": accepted,
    }


def inventory(profiles_df: pd.DataFrame) -> pd.DataFrame:
    """Depth-integrated Li per slice: ``run, slice, t_start_utc, t_end_utc,
    t_mid_utc, li_per_cm2, li_per_cm2_err, li_mAh_per_cm2, li_mAh_per_cm2_err,
    plated_dense_um`` (Li-metal-equivalent thickness, li_per_cm2 / 4.63e22).

    The error is the slice's full-covariance error (``slice_li_per_cm2_err``)
    when the table carries it, otherwise the bin errors added in quadrature
    (which ignores their correlation).
    """
    df = profiles_df.copy()
    if "run" not in df:
        df["run"] = ""
    if "depth_width_um" not in df:
        widths = df.groupby(["run", "slice"])["depth_um"].transform(
            lambda d: np.gradient(d.to_numpy()) if d.size > 1 else 1.0
        )
        df["depth_width_um"] = widths
    df["_n"] = df["li_per_cm3"] * df["depth_width_um"] * 1e-4
    df["_v"] = (df["li_per_cm3_err"] * df["depth_width_um"] * 1e-4) ** 2
    g = df.groupby(["run", "slice"], sort=True)
    out = g.agg(
        t_start_utc=("t_start_utc", "first"),
        t_end_utc=("t_end_utc", "first"),
        li_per_cm2=("_n", lambda s: s.sum(min_count=1)),
        _v=("_v", "sum"),
    ).reset_index()
    if "slice_li_per_cm2_err" in df:
        out["li_per_cm2_err"] = g["slice_li_per_cm2_err"].first().to_numpy()
    else:
        out["li_per_cm2_err"] = np.sqrt(out["_v"])
    out = out.drop(columns="_v")
    out.insert(
        4, "t_mid_utc", out["t_start_utc"] + (out["t_end_utc"] - out["t_start_utc"]) / 2
    )
    out["li_mAh_per_cm2"] = out["li_per_cm2"] / LI_PER_MAH
    out["li_mAh_per_cm2_err"] = out["li_per_cm2_err"] / LI_PER_MAH
    out["plated_dense_um"] = out["li_per_cm2"] / LI_METAL_PER_CM3 * 1e4
    return out
