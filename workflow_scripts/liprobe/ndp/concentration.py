"""From per-slice spectra to Li concentration profiles and inventories.

Counts model (per particle, per slice of live time T):

    counts_i = T * K * f6 * sum_j R_ij * N_j + background_i

with K = flux x sigma(6Li, 940 b) x solid-angle fraction x beam area (counts per
second per 6Li atom/cm2 for one particle species), f6 the 6Li atom fraction,
R the response matrix (:mod:`liprobe.ndp.response`) and N_j the Li atoms per
cm2 in depth bin j. K comes from the configuration (``normalisation.method:
configured``) or from a reference standard measured in the same geometry
(``reference``: a 10B standard of known areal density, K = rate /
(N_ref x sigma_ref) x 940 b, with its Poisson error). Background (a
measurement without sample) is scaled by the live-time ratio and subtracted;
its Poisson variance adds to the counts' variance. The inversion is
:func:`liprobe.ndp.invert.invert_run` (bounded, one strength per run).

What is measured and what is assumed. The energy a particle loses depends on
the mass it crosses, so the depth axis NDP measures is the mass depth
(``mass_depth_ug_per_cm2``), and per depth bin it measures Li atoms per cm2
(``li_per_cm2``, ``li_per_cm2_err``): counts per keV go as (Li concentration)
/ (stopping power), and for a Li deposit both scale with its density, so a
deposit at half density over 5 um and dense Li over 2.5 um give the same
spectrum. Depth in um (``depth_um_assumed``) and the concentration
(``li_per_cm3``, ``li_density_rel`` relative to Li metal, 4.63e22 /cm3) follow
from the sample layer's configured density (``assumed_density_g_cm3``); they
carry no error of their own (``li_per_cm3_err`` is NaN, ``density_basis`` =
``assumed``). With an independent deposit thickness (sheet column
``deposit_thickness_um``, e.g. from microscopy at the end of the run), the
deposit's mean density becomes a result: ``deposit_density_rel`` = (Li per cm2
of the last slice) / (4.63e22 x thickness), with its error from the counts,
the sensitivity and the thickness's error; depth and concentration of every
slice are then given at that density (``density_basis`` =
``deposit_thickness``, with ``li_per_cm3_err``), which assumes the deposit's
density did not change during the run.

The upper bound of the inversion is the sample material's own Li per cm3
(:func:`li_per_cm3_max`): a pure Li deposit sits on it whatever its porosity.
Bins on it are flagged (``at_bound``) and counted per slice.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from liprobe.constants import AVOGADRO, LI_METAL_PER_CM3, LI_PER_MAH
from liprobe.errors import InputError
from liprobe.ndp.calibration import (
    channel_energy,
    edge_calibration,
    linear_from_points,
    model_edge_energy,
    refine_calibration,
)
from liprobe.ndp.events import split_energy_reasons
from liprobe.ndp.invert import SliceData, channel_depth_map, invert_run
from liprobe.ndp.response import (
    FWHM_PER_SIGMA,
    Layer,
    cumulative_response,
    depth_of_energy,
    rebin_response,
    response_matrix,
    surface_energy,
)
from liprobe.ndp.stopping import _molar_mass, parse_formula
from liprobe.options import NdpNormalisation, NdpOptions

#: How the profiles' errors are obtained: Poisson variance of the model counts
#: propagated through the bounded, count-conserving estimator with its active
#: set held (regularisation bias not included; see the averaging kernel);
#: slice totals add the sensitivity's relative error.
ERR_METHOD = "poisson_linearised_bounded"
SIGMA_LI6_B = 940.0


def li_per_cm3_max(layer: Layer) -> float:
    """Most Li atoms per cm3 the sample layer can hold: its material's own Li
    (formula and density; Li metal for a layer of Li). A Li-free matrix (a
    host Li plates into) is bounded by Li metal, 4.63e22 /cm3.

    NDP sees Li per mass depth: a porous Li deposit holds exactly its
    material's Li per gram, so bins of pure Li sit on this bound whatever the
    porosity; their density per cm3 is an assumption (the layer's density).
    """
    counts = parse_formula(layer.formula)
    n_li = counts.get(3, 0.0)
    if n_li <= 0:
        return LI_METAL_PER_CM3
    molar = sum(n * _molar_mass(z) for z, n in counts.items())
    return float(layer.density_g_cm3) * AVOGADRO * n_li / molar


def sensitivity_configured(norm: NdpNormalisation, area_cm2: float) -> float:
    """K (counts/s per 6Li atom/cm2, one particle) from flux and geometry
    (the beam area; the run's area when the config gives none)."""
    if norm.flux_n_per_cm2_s is None or norm.solid_angle_fraction is None:
        raise InputError(
            "config ndp.normalisation",
            "flux_n_per_cm2_s / solid_angle_fraction",
            "numbers (or method: reference with a reference file)",
            norm,
        )
    flux = float(norm.flux_n_per_cm2_s)
    frac = float(norm.solid_angle_fraction)
    area = float(norm.beam_area_cm2 or area_cm2)
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
    cfg: NdpOptions,
    source: str = "reference",
    srim: Mapping | None = None,
) -> tuple[float, float]:
    """K from a reference-standard spectrum measured with the run's detector.

    ``reference``: channel, counts, live_s (whole reference file). The channel
    scale is the run's calibration (same detector and settings); the counts in
    ``cfg.normalisation.window_keV`` give K via :func:`sensitivity_from_reference`
    with its ``areal_density_per_cm2`` and ``cross_section_b``.
    """
    if reference.empty or float(reference["live_s"].iloc[0]) <= 0:
        raise InputError(
            source, "reference", "a reference list-mode file (sheet column)", "none"
        )
    norm = cfg.normalisation
    if norm.areal_density_per_cm2 is None:
        raise InputError(
            "config ndp.normalisation",
            "areal_density_per_cm2",
            "the reference standard's areal density",
            "missing",
        )
    cal = calibrate(np.asarray(run_counts, float), layers, cfg, srim)
    e = channel_energy(
        int(cfg.n_channels), cal["offset_keV"], cal["gain_keV_per_channel"]
    )
    lo, hi = norm.window_keV
    ch = reference["channel"].to_numpy(int)
    inside = (e[ch] >= lo) & (e[ch] < hi)
    counts = float(reference["counts"].to_numpy()[inside].sum())
    return sensitivity_from_reference(
        counts,
        float(reference["live_s"].iloc[0]),
        float(norm.areal_density_per_cm2),
        float(norm.cross_section_b),
    )


def grouped_energy_bins(ch_energy_edges: np.ndarray, lo: float, hi: float, step: float):
    """Group whole channels into energy bins of about ``step`` keV in [lo, hi).

    Returns (bin edge channel indices, bin edge energies in keV).
    """
    e = np.asarray(ch_energy_edges, float)
    targets = np.arange(lo, hi + 0.5 * step, step)
    idx = np.unique(np.clip(np.searchsorted(e, targets), 0, e.size - 1))
    return idx, e[idx]


def calibrate(
    total_counts: np.ndarray,
    layers: list[Layer],
    cfg: NdpOptions,
    srim: Mapping | None = None,
) -> dict:
    """Calibration dict (offset_keV, gain_keV_per_channel, method, ...)."""
    cal = cfg.calibration
    if cal.method == "points":
        offset, gain = linear_from_points(cal.points)
        return {"method": "points", "offset_keV": offset, "gain_keV_per_channel": gain}
    if cal.method == "configured":
        return {
            "method": "configured",
            "offset_keV": float(cal.offset_keV),
            "gain_keV_per_channel": float(cal.gain_keV_per_channel),
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
            resolution_fwhm_keV=float(cfg.resolution_fwhm_keV),
            cone_half_angle_deg=float(cfg.cone_half_angle_deg),
            particles=(p,),
            srim=srim,
        ).sum(axis=1)
        edges[p] = model_edge_energy(e_edges, spec)
    out = edge_calibration(total_counts, edges["alpha"], edges["triton"])
    return out


def reduce_run(
    hist: np.ndarray,
    slices: pd.DataFrame,
    layers: list[Layer],
    cfg: NdpOptions,
    *,
    li6_fraction: float,
    area_cm2: float,
    background: tuple[np.ndarray, float] | None = None,
    sensitivity: float | None = None,
    sensitivity_err: float | None = None,
    deposit_thickness_um: float | None = None,
    deposit_thickness_um_err: float = 0.0,
    srim: Mapping | None = None,
) -> dict:
    """Profiles of every slice of one run.

    ``hist``: (n_slices, n_channels) counts of events inside the slices;
    ``slices``: slice, t_start_utc, t_end_utc, live_s; ``background``:
    (counts per channel, live_s). ``sensitivity`` (K) and its 1-sigma error
    (from the reference; None: K from the configuration, error unknown and
    ``sensitivity_rel_err`` NaN); ``deposit_thickness_um`` and its error: an
    independent thickness of the deposit at the end of the run (module doc);
    ``srim``: parsed SRIM tables by particle (:func:`liprobe.io.srim.read_srim`)
    that replace CATIMA for those particles.
    Returns ``profiles`` and ``baseline`` frames (ndp_depth_profiles columns
    plus diagnostics), ``inversion`` (per slice: regularisation, strength,
    effective_dof, chi2, expected_chi2, n_bins_at_bound, run_chi2,
    run_effective_dof, flags),
    ``calibration`` (dict), ``energy_reasons`` (accepted / interference /
    outside window counts) and ``spectra`` (per slice energy-bin counts and
    model).
    """
    n_ch = hist.shape[1]
    total = hist.sum(axis=0)
    window = tuple(float(v) for v in cfg.energy_window_keV)
    interf = [tuple(w) for w in cfg.interference_windows_keV]
    step = float(cfg.depth_step_um)
    d_edges = np.arange(0.0, float(cfg.depth_max_um) + 0.5 * step, step)
    width = np.diff(d_edges)
    fine, cum = cumulative_response(
        layers,
        d_edges,
        max(window[0] - 100.0, 1.0),
        window[1] + 100.0,
        1.0,
        resolution_fwhm_keV=float(cfg.resolution_fwhm_keV),
        cone_half_angle_deg=float(cfg.cone_half_angle_deg),
        srim=srim,
    )
    cal = calibrate(total, layers, cfg, srim)
    off, gain = cal["offset_keV"], cal["gain_keV_per_channel"]
    ch_edges_e = off + gain * np.arange(n_ch + 1)
    idx, e_edges = grouped_energy_bins(
        ch_edges_e, window[0], window[1], float(cfg.energy_bin_keV)
    )
    keep_bin = np.ones(idx.size - 1, bool)
    for lo, hi in interf:
        keep_bin &= ~((e_edges[:-1] < hi) & (e_edges[1:] > lo))
    if cal["method"] == "edges" and cfg.calibration.refine:
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
        sensitivity = sensitivity_configured(cfg.normalisation, area_cm2)
    reg = cfg.regularisation
    # baseline: triton-only energies, each mapped to one depth
    e_alpha_top = surface_energy(layers, "alpha", srim)
    sig = float(cfg.resolution_fwhm_keV) / FWHM_PER_SIGMA
    tri_bins = keep_bin & (e_edges[:-1] > e_alpha_top + 4.0 * sig)
    d_of_e = depth_of_energy(
        layers,
        "triton",
        e_edges,
        float(layers[-1].thickness_um),
        srim,
        cone_half_angle_deg=float(cfg.cone_half_angle_deg),
    )
    # slices with live time: one bounded inversion per run (common strength)
    rho_max = li_per_cm3_max(layers[-1]) / LI_METAL_PER_CM3
    rho_a = float(layers[-1].density_g_cm3)
    mass_edges = 100.0 * rho_a * d_edges  # ug/cm2 (1 um at 1 g/cm3 = 100 ug/cm2)
    mass_width = np.diff(mass_edges)
    centres = 0.5 * (d_edges[:-1] + d_edges[1:])
    sl_all = slices.reset_index(drop=True)
    # beam-monitor normalisation (events.relative_flux): each slice's exposure
    # is its live time times its flux relative to the run's mean; the flux's
    # Poisson error adds to the slice's Li (a common scale of its profile)
    if "flux_relative" in sl_all.columns:
        flux = sl_all["flux_relative"].to_numpy(float)
        flux_rel_err = sl_all["flux_relative_err"].to_numpy(float) / flux
    else:
        flux = np.ones(len(sl_all))
        flux_rel_err = np.zeros(len(sl_all))
    data, live_idx, per_slice = [], [], {}
    for k, sl in sl_all.iterrows():
        live = float(sl["live_s"])
        g = live * flux[k] * sensitivity * li6_fraction * LI_METAL_PER_CM3 * 1e-4
        scale_bg = live / bg_live if background is not None else 0.0
        y = binned[k] - scale_bg * bg_binned
        var_bg = scale_bg**2 * bg_binned
        per_slice[k] = (scale_bg, y, binned[k] + var_bg)
        if live <= 0 or not g > 0:
            continue
        M = g * R[keep_bin] * width[None, :]
        data.append(
            SliceData(
                M, y[keep_bin], (scale_bg * bg_binned)[keep_bin], var_bg[keep_bin]
            )
        )
        live_idx.append(k)
    results = invert_run(
        data,
        rho_max,
        order=int(reg.order),
        criterion=str(reg.criterion),
    )
    by_slice = dict(zip(live_idx, zip(data, results, strict=True), strict=True))
    # Li per cm2 per bin and the slice integrals (full covariance)
    k_rel = float(sensitivity_err) / sensitivity if sensitivity_err else np.nan
    per_bin = LI_METAL_PER_CM3 * width * 1e-4
    n_tot = {}
    for k, (_, res) in by_slice.items():
        n_cm2 = res.x * per_bin
        cov_n = res.cov * np.outer(per_bin, per_bin)
        err_n = float(np.sqrt(max(cov_n.sum(), 0.0)))
        if err_n == 0.0:  # no free bin: the counts' own error (invert_run)
            err_n = res.sum_err * float(per_bin.mean())
        err_n = float(np.hypot(err_n, n_cm2.sum() * flux_rel_err[k]))
        n_tot[k] = (float(n_cm2.sum()), err_n)
    # density is a result only with an independent deposit thickness: the
    # deposit's mean density from its areal content in the last slice
    density = None
    if deposit_thickness_um is not None and n_tot:
        n_last, e_last = n_tot[max(n_tot)]
        e_last = np.hypot(e_last, n_last * (k_rel if np.isfinite(k_rel) else 0.0))
        t_um, t_err = float(deposit_thickness_um), float(deposit_thickness_um_err)
        f = n_last / (LI_METAL_PER_CM3 * t_um * 1e-4)
        f_err = f * np.hypot(e_last / n_last, t_err / t_um) if n_last > 0 else np.nan
        density = (f, f_err)
    rows, base_rows, spectra, inversion = [], [], [], []
    for k, sl in sl_all.iterrows():
        live = float(sl["live_s"])
        common = {
            "slice": int(sl["slice"]),
            "t_start_utc": sl["t_start_utc"],
            "t_end_utc": sl["t_end_utc"],
            "live_s": live,
        }
        scale_bg, y, var = per_slice[k]
        if k not in by_slice:
            for j in range(centres.size):
                rows.append(
                    {
                        **common,
                        "depth_um": centres[j],
                        "depth_width_um": width[j],
                        "li_per_cm3": np.nan,
                        "li_per_cm3_err": np.nan,
                        "li_density_rel": np.nan,
                        "slice_li_per_cm2": np.nan,
                        "slice_li_per_cm2_err": np.nan,
                        "lambda": np.nan,
                        "chi2_red": np.nan,
                        "fit_ok": False,
                        "flags": "no_live_time",
                    }
                )
            inversion.append(
                {
                    "slice": int(sl["slice"]),
                    "regularisation": "none",
                    "strength": np.nan,
                    "effective_dof": np.nan,
                    "chi2": np.nan,
                    "n_bins_at_bound": 0,
                    "run_chi2": np.nan,
                    "run_effective_dof": np.nan,
                    "flags": "no_live_time",
                }
            )
            continue
        d, res = by_slice[k]
        n_cm2 = res.x * per_bin
        n_err = np.hypot(res.x_err * per_bin, n_cm2 * flux_rel_err[k])
        tot, tot_err = n_tot[k]
        tot_err_all = np.hypot(tot_err, tot * k_rel) if np.isfinite(k_rel) else tot_err
        res_bins = res.resolution_bins
        if density is None:
            depth, dwidth = centres, width
            c = res.x * LI_METAL_PER_CM3
            c_err = np.full(c.size, np.nan)
            basis = "assumed"
        else:
            f, f_err = density
            stretch = rho_max / f  # true depth per assumed depth
            depth, dwidth = centres * stretch, width * stretch
            c = n_cm2 / (dwidth * 1e-4)
            # relative errors of the bin's Li and of the density add
            c_err = np.hypot(n_err / (dwidth * 1e-4), c * f_err / f)
            basis = "deposit_thickness"
        flags = res.flags
        for j in range(centres.size):
            rows.append(
                {
                    **common,
                    "depth_um": depth[j],
                    "depth_width_um": dwidth[j],
                    "depth_um_assumed": centres[j],
                    "mass_depth_ug_per_cm2": 0.5 * (mass_edges[j] + mass_edges[j + 1]),
                    "mass_depth_width_ug_per_cm2": mass_width[j],
                    "li_per_cm2": n_cm2[j],
                    "li_per_cm2_err": n_err[j],
                    "li_per_cm3": c[j],
                    "li_per_cm3_err": c_err[j],
                    "li_density_rel": c[j] / LI_METAL_PER_CM3,
                    "li_density_max_rel": rho_max,
                    "at_bound": bool(res.at_bound[j]),
                    "density_basis": basis,
                    "assumed_density_g_cm3": rho_a,
                    "deposit_density_rel": np.nan if density is None else density[0],
                    "deposit_density_rel_err": (
                        np.nan if density is None else density[1]
                    ),
                    "depth_resolution_ug_per_cm2": res_bins[j] * mass_width[j],
                    "depth_resolution_um": res_bins[j] * dwidth[j],
                    "kernel_sum": float(res.kernel[j].sum()),
                    "slice_li_per_cm2": tot,
                    "slice_li_per_cm2_err": tot_err_all,
                    "slice_li_per_cm2_err_counting": tot_err,
                    "sensitivity_rel_err": k_rel,
                    # how the errors are obtained (invert.py module doc)
                    "err_method": ERR_METHOD,
                    "lambda": res.lam,
                    "regularisation": res.method,
                    "effective_dof": res.effective_dof,
                    "chi2_red": res.chi2 / max(res.dof, 1.0),
                    "fit_ok": flags == "",
                    "flags": flags,
                }
            )
        inversion.append(
            {
                "slice": int(sl["slice"]),
                "regularisation": res.method,
                "strength": res.lam,
                "effective_dof": res.effective_dof,
                "chi2": res.chi2,
                "expected_chi2": res.dof,
                "n_bins_at_bound": int(res.at_bound.sum()),
                # what the strength was chosen on: the run's summed chi2 and
                # effective degrees of freedom at that strength
                "run_chi2": res.run_chi2,
                "run_effective_dof": res.run_effective_dof,
                "flags": flags,
            }
        )
        model = d.M @ res.x
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
        cb = per_depth / (g1 * width)
        cb_err = np.sqrt(np.maximum(var_depth, 0.0)) / (g1 * width)
        for j in range(centres.size):
            base_rows.append(
                {
                    **common,
                    "depth_um": centres[j],
                    "depth_width_um": width[j],
                    "li_per_cm3": cb[j],
                    "li_per_cm3_err": cb_err[j],
                    "li_density_rel": cb[j] / LI_METAL_PER_CM3,
                }
            )
    return {
        "profiles": pd.DataFrame(rows),
        "baseline": pd.DataFrame(base_rows),
        "inversion": pd.DataFrame(inversion),
        "calibration": cal,
        "energy_reasons": reasons,
        "spectra": pd.concat(spectra, ignore_index=True) if spectra else pd.DataFrame(),
        "accepted_channels": accepted,
    }


def inventory(
    profiles_df: pd.DataFrame, depth_window_um: tuple | None = None
) -> pd.DataFrame:
    """Depth-integrated Li per slice: ``run, slice, t_start_utc, t_end_utc,
    t_mid_utc, li_per_cm2, li_per_cm2_err, li_mAh_per_cm2, li_mAh_per_cm2_err,
    plated_dense_um`` (Li-metal-equivalent thickness, li_per_cm2 / 4.63e22),
    ``li_per_cm2_err_counting`` and ``sensitivity_rel_err``.

    ``li_per_cm2`` sums the bins' Li per cm2 (``li_per_cm2`` per bin when the
    table has it, else ``li_per_cm3 x depth_width_um``). ``li_per_cm2_err`` is
    the slice's full-covariance counting error combined with the sensitivity's
    relative error (``slice_li_per_cm2_err``) when the table carries it,
    otherwise the bin errors added in quadrature (which ignores their
    correlation). ``li_per_cm2_err_counting`` is the counting part alone: it is
    independent from slice to slice, while the sensitivity error is common to
    every slice of a run (it cancels in ratios such as the Li efficiency).

    ``depth_window_um`` ``(min, max)`` (either None for open) integrates only the
    bins inside it (the probed window); the slice's full-profile covariance does
    not apply to part of it, so its error is the bins' errors in quadrature
    with the sensitivity's relative error. ``err_method`` says which.
    """
    need = {"run", "slice", "t_start_utc", "t_end_utc", "depth_um", "li_per_cm3"}
    missing = sorted(need - set(profiles_df.columns))
    if missing:
        raise InputError(
            "ndp_depth_profiles", "columns", sorted(need), list(profiles_df.columns)
        )
    df = profiles_df.copy()
    window = depth_window_um is not None and any(v is not None for v in depth_window_um)
    if window:
        lo, hi = depth_window_um
        if lo is not None:
            df = df[df["depth_um"] >= float(lo)]
        if hi is not None:
            df = df[df["depth_um"] <= float(hi)]
    if "run" not in df:
        df["run"] = ""
    if "depth_width_um" not in df:
        widths = df.groupby(["run", "slice"])["depth_um"].transform(
            lambda d: np.gradient(d.to_numpy()) if d.size > 1 else 1.0
        )
        df["depth_width_um"] = widths
    if "li_per_cm2" in df:
        df["_n"] = df["li_per_cm2"]
        df["_v"] = df["li_per_cm2_err"] ** 2
    else:
        df["_n"] = df["li_per_cm3"] * df["depth_width_um"] * 1e-4
        df["_v"] = (df["li_per_cm3_err"] * df["depth_width_um"] * 1e-4) ** 2
    g = df.groupby(["run", "slice"], sort=True)
    out = g.agg(
        t_start_utc=("t_start_utc", "first"),
        t_end_utc=("t_end_utc", "first"),
        li_per_cm2=("_n", lambda s: s.sum(min_count=1)),
        _v=("_v", "sum"),
    ).reset_index()
    k_rel = (
        g["sensitivity_rel_err"].first().to_numpy(float)
        if "sensitivity_rel_err" in df
        else np.full(len(out), np.nan)
    )
    if "slice_li_per_cm2_err" in df and not window:
        out["li_per_cm2_err"] = g["slice_li_per_cm2_err"].first().to_numpy()
        out["li_per_cm2_err_counting"] = (
            g["slice_li_per_cm2_err_counting"].first().to_numpy()
            if "slice_li_per_cm2_err_counting" in df
            else out["li_per_cm2_err"]
        )
        out["err_method"] = "slice covariance of the inversion"
    else:
        counting = np.sqrt(out["_v"].to_numpy(float))
        total = out["li_per_cm2"].to_numpy(float)
        with np.errstate(invalid="ignore"):
            full = np.where(
                np.isfinite(k_rel), np.hypot(counting, total * k_rel), counting
            )
        out["li_per_cm2_err"] = full
        out["li_per_cm2_err_counting"] = counting
        out["err_method"] = "bin errors in quadrature (correlation ignored)"
    out["sensitivity_rel_err"] = k_rel
    out = out.drop(columns="_v")
    out.insert(
        4, "t_mid_utc", out["t_start_utc"] + (out["t_end_utc"] - out["t_start_utc"]) / 2
    )
    out["li_mAh_per_cm2"] = out["li_per_cm2"] / LI_PER_MAH
    out["li_mAh_per_cm2_err"] = out["li_per_cm2_err"] / LI_PER_MAH
    out["plated_dense_um"] = out["li_per_cm2"] / LI_METAL_PER_CM3 * 1e4
    return out
