"""Channel -> energy calibration of NDP spectra.

Linear: E(keV) = offset_keV + gain_keV_per_channel * channel, with the channel
value at the bin centre (channel + 0.5). Either from configured
(channel, keV) points (least squares, exact for two points) or fitted to the
surface edges of the alpha and triton peaks of a reference spectrum:
the channel of each peak's upper half-maximum crossing is matched with the
energy at which the modelled spectrum of a thick uniform Li layer (same stack,
resolution and cone as the response matrix) crosses its half maximum, so
window losses, cone and resolution cancel. Uncertainty of an edge channel:
its half-maximum crossing's shift under +-1 sigma Poisson changes of the
counts next to it (reported, not propagated further).

The edge estimate is biased for layers thinner than the resolution (the
half-maximum of a narrow peak lies above the surface energy), so
:func:`refine_calibration` then adjusts offset and gain to minimise the chi^2
of the regularised non-negative inversion of the run's summed spectrum (the
inversion can follow any profile, so only a wrong energy scale raises chi^2).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.optimize import minimize

from liprobe.errors import FitError, InputError


def linear_from_points(points) -> tuple[float, float]:
    """(offset_keV, gain_keV_per_channel) from [(channel, keV), ...] points."""
    p = np.asarray(points, float)
    if p.ndim != 2 or p.shape[0] < 2 or p.shape[1] != 2:
        raise InputError(
            "config ndp.calibration", "points", ">= 2 [channel, keV] pairs", points
        )
    gain, offset = np.polyfit(p[:, 0], p[:, 1], 1)
    return float(offset), float(gain)


def channel_energy(n_channels: int, offset_keV: float, gain: float) -> np.ndarray:
    """Energy (keV) of each channel's centre."""
    return offset_keV + gain * (np.arange(n_channels) + 0.5)


def upper_half_max(y: np.ndarray, lo: int, hi: int) -> float:
    """Fractional index of the last half-maximum crossing of y in [lo, hi)."""
    seg = y[lo:hi]
    if seg.size < 3 or seg.max() <= 0:
        raise FitError(f"no peak between channels {lo} and {hi}")
    peak = int(np.argmax(seg))
    half = 0.5 * seg[peak]
    above = np.flatnonzero(seg[peak:] >= half)
    i = peak + int(above[-1])
    if i + 1 >= seg.size:
        return float(lo + i)
    y0, y1 = seg[i], seg[i + 1]
    frac = (y0 - half) / (y0 - y1) if y0 != y1 else 0.0
    return float(lo + i + 0.5 + frac)


def find_edges(counts: np.ndarray, energy_ratio: float, smooth: float = 2.0):
    """Channels (fractional, bin-edge scale) of the triton and alpha upper edges.

    The triton edge is the upper half-maximum crossing of the highest peak
    region; the alpha edge is searched within +-20 % of
    ``triton_channel * energy_ratio`` (the ratio of modelled edge energies).
    """
    y = gaussian_filter1d(np.asarray(counts, float), smooth)
    if y.max() <= 0:
        raise FitError("empty spectrum")
    top = int(np.flatnonzero(y > 0.05 * y.max())[-1]) + 1
    width = max(int(0.15 * top), 5)
    ch_t = upper_half_max(y, max(top - width, 0), min(top + width, y.size))
    guess = ch_t * energy_ratio
    lo, hi = int(0.8 * guess), int(min(1.2 * guess, ch_t - width))
    ch_a = upper_half_max(y, lo, hi)
    return ch_t, ch_a


def edge_calibration(
    counts: np.ndarray,
    edge_alpha_keV: float,
    edge_triton_keV: float,
    offset_guess_keV: float = 0.0,
) -> dict:
    """Fit offset and gain to the alpha and triton surface edges of ``counts``."""
    ratio = (edge_alpha_keV - offset_guess_keV) / (edge_triton_keV - offset_guess_keV)
    ch_t, ch_a = find_edges(counts, ratio)
    gain = (edge_triton_keV - edge_alpha_keV) / (ch_t - ch_a)
    offset = edge_triton_keV - gain * ch_t
    return {
        "method": "edges",
        "offset_keV": float(offset),
        "gain_keV_per_channel": float(gain),
        "edge_alpha_channel": float(ch_a),
        "edge_triton_channel": float(ch_t),
        "edge_alpha_keV": float(edge_alpha_keV),
        "edge_triton_keV": float(edge_triton_keV),
    }


def model_edge_energy(energy_edges_keV: np.ndarray, spectrum: np.ndarray) -> float:
    """Upper half-maximum energy (keV) of a modelled spectrum on ``energy_edges``."""
    idx = upper_half_max(np.asarray(spectrum, float), 0, len(spectrum))
    e = np.asarray(energy_edges_keV, float)
    return float(np.interp(idx, np.arange(e.size), e))


def refine_calibration(
    counts: np.ndarray,
    channel_groups: np.ndarray,
    offset_keV: float,
    gain: float,
    response_of_edges,
    lam: float,
    keep: np.ndarray | None = None,
) -> tuple[float, float, float]:
    """Minimise the inversion chi^2 of ``counts`` over (offset, gain).

    ``channel_groups`` are the channel indices that bound the energy bins
    (fixed), ``response_of_edges(edges_keV)`` returns the response for those
    bin edges; ``lam`` is the (relative) regularisation strength. Returns
    (offset_keV, gain, chi2 per bin).
    """
    from liprobe.ndp.invert import difference_operator, tikhonov_nnls

    csum = np.concatenate([[0.0], np.cumsum(np.asarray(counts, float))])
    y = csum[channel_groups[1:]] - csum[channel_groups[:-1]]
    keep = np.ones(y.size, bool) if keep is None else keep
    sigma = np.sqrt(np.maximum(y, 1.0))

    def chi2(p):
        off, g = offset_keV + p[0], gain * (1.0 + 1e-3 * p[1])
        R = response_of_edges(off + g * channel_groups)[keep]
        scale = y[keep].sum() / max(R.sum(), 1e-300) / R.shape[1]
        M = R * scale
        L = difference_operator(M.shape[1], 1)
        lam_abs = lam * np.linalg.norm(M / sigma[keep][:, None]) / np.sqrt(M.shape[1])
        x = tikhonov_nnls(M, y[keep], sigma[keep], lam_abs, L)
        return float(np.sum(((M @ x - y[keep]) / sigma[keep]) ** 2))

    res = minimize(
        chi2,
        x0=np.zeros(2),
        method="Nelder-Mead",
        options={
            "xatol": 0.02,
            "fatol": 0.05,
            "initial_simplex": [[0, 0], [3, 0], [0, 3]],
        },
    )
    off, g = offset_keV + res.x[0], gain * (1.0 + 1e-3 * res.x[1])
    return float(off), float(g), float(res.fun / max(keep.sum(), 1))
