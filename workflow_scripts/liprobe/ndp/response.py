"""Layer stacks and the forward response matrix of an NDP measurement.

Geometry (SCIENCE.md section 5): layers are listed from the detector side
inward; all layers but the last form the window (e.g. the Cu current
collector); the last layer is the sample matrix in which depth is measured,
depth 0 being its face against the window. A 6Li capture at depth x emits an
alpha (2055 keV) and a triton (2727 keV) back to back and isotropically; a
particle reaches the detector when its direction lies inside the detector cone
(half-angle ``cone_half_angle_deg`` about the surface normal), travelling
x / mu through the sample and t_i / mu through each window layer
(mu = cos(theta), uniform in [cos(theta_max), 1] for isotropic emission).

The response R[i, j] is the probability, per capture in depth bin j and per
particle detected in the cone, that the particle is recorded in energy bin i,
summed over both particles (so a fully resolved bin sums to 2). It folds in
energy loss (range integral), Bohr straggling and a Gaussian detector
resolution (FWHM in keV). Depth bins are sampled at ``n_sub`` points and the
cone at ``n_angles`` Gauss-Legendre nodes in mu.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from liprobe.errors import InputError
from liprobe.ndp.stopping import StoppingTable, stopping_table

FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))


@dataclass(frozen=True)
class Layer:
    """One layer of a stack: chemical formula, density and thickness."""

    name: str
    formula: str
    density_g_cm3: float
    thickness_um: float


def stack_from_config(name: str, stacks: dict) -> list[Layer]:
    """The layer stack ``name`` from the config mapping ``ndp.stacks``.

    Each stack is a list of ``{name, formula, density_g_cm3, thickness_um}``
    from the detector side inward; the last layer is the sample matrix.
    """
    if name not in (stacks or {}):
        raise InputError(
            "config ndp.stacks", "stack", f"one of {sorted(stacks or {})}", name
        )
    layers = []
    for i, item in enumerate(stacks[name]):
        try:
            layers.append(
                Layer(
                    name=str(item.get("name", f"layer{i}")),
                    formula=str(item["formula"]),
                    density_g_cm3=float(item["density_g_cm3"]),
                    thickness_um=float(item["thickness_um"]),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"config ndp.stacks.{name}",
                f"layer {i}",
                "formula, density_g_cm3 and thickness_um",
                str(exc),
            ) from None
    if len(layers) < 1:
        raise InputError(f"config ndp.stacks.{name}", "layers", ">= 1 layer", 0)
    return layers


def cone_nodes(cone_half_angle_deg: float, n_angles: int):
    """Gauss-Legendre nodes and weights in mu = cos(theta) over the cone."""
    mu_min = np.cos(np.radians(cone_half_angle_deg))
    x, w = np.polynomial.legendre.leggauss(n_angles)
    mu = 0.5 * (1 - mu_min) * x + 0.5 * (1 + mu_min)
    return mu, w / w.sum()


def exit_energy(
    particle: str,
    depth_um,
    mu,
    window: list[tuple[StoppingTable, float]],
    sample: StoppingTable,
    energy0_keV: float | None = None,
):
    """Mean exit energy (keV) and straggling variance (keV^2) of ``particle``.

    ``window`` lists (stopping table, thickness um) from the detector side
    inward; the particle crosses the sample path ``depth/mu`` then the window
    layers from the inside out.
    """
    e = np.full(np.broadcast(depth_um, mu).shape, float(energy0_keV or 0.0))
    if energy0_keV is None:
        from liprobe.ndp.stopping import PARTICLES

        e[...] = PARTICLES[particle].energy_keV
    path = np.asarray(depth_um, float) / np.asarray(mu, float)
    var = sample.bohr_variance_keV2(path)
    e = sample.energy_after(e, path)
    for table, thick in reversed(window):
        p = thick / np.asarray(mu, float)
        var = var + table.bohr_variance_keV2(p)
        e = table.energy_after(e, p)
    return e, np.where(e > 0, var, 0.0)


def stack_tables(layers: list[Layer], particle: str, srim: Mapping | None = None):
    """(window [(table, thickness)], sample table) for one particle."""
    window = [
        (stopping_table(particle, ly.formula, ly.density_g_cm3, srim), ly.thickness_um)
        for ly in layers[:-1]
    ]
    last = layers[-1]
    return window, stopping_table(particle, last.formula, last.density_g_cm3, srim)


def response_matrix(
    layers: list[Layer],
    depth_edges_um,
    energy_edges_keV,
    *,
    resolution_fwhm_keV: float,
    cone_half_angle_deg: float,
    particles=("alpha", "triton"),
    n_sub: int = 6,
    n_angles: int = 6,
    srim: Mapping | None = None,
) -> np.ndarray:
    """Forward response (n_energy_bins, n_depth_bins); see module docstring."""
    dz = np.asarray(depth_edges_um, float)
    ee = np.asarray(energy_edges_keV, float)
    frac = (np.arange(n_sub) + 0.5) / n_sub
    sub = dz[:-1, None] + np.diff(dz)[:, None] * frac[None, :]  # (nd, n_sub)
    mu, wmu = cone_nodes(cone_half_angle_deg, n_angles)
    det_var = (resolution_fwhm_keV / FWHM_PER_SIGMA) ** 2
    out = np.zeros((ee.size - 1, dz.size - 1))
    for particle in particles:
        window, sample = stack_tables(layers, particle, srim)
        e, var = exit_energy(
            particle, sub[..., None], mu[None, None, :], window, sample
        )
        sig = np.sqrt(var + det_var)
        # (nd, n_sub, n_mu, nE+1)
        cdf = ndtr((ee[None, None, None, :] - e[..., None]) / sig[..., None])
        prob = np.diff(cdf, axis=-1) * (e[..., None] > 0)
        w = wmu[None, None, :, None] / n_sub
        out += (prob * w).sum(axis=(1, 2)).T
    return out


def surface_energy(
    layers: list[Layer], particle: str, srim: Mapping | None = None
) -> float:
    """Exit energy (keV) of ``particle`` born at depth 0, normal emission."""
    window, sample = stack_tables(layers, particle, srim)
    e, _ = exit_energy(particle, np.array(0.0), np.array(1.0), window, sample)
    return float(e)


def depth_of_energy(
    layers: list[Layer],
    particle: str,
    energy_keV,
    max_depth_um: float,
    srim: Mapping | None = None,
    *,
    cone_half_angle_deg: float,
) -> np.ndarray:
    """Channel-to-depth map: depth (um) whose mean exit energy is ``energy_keV``.

    Uses the cone-averaged mean path (mu at the cone's mean) and monotonic
    interpolation; energies above the surface energy map to depth 0 and below
    the energy at ``max_depth_um`` to NaN.
    """
    window, sample = stack_tables(layers, particle, srim)
    mu_mean = 0.5 * (1.0 + np.cos(np.radians(cone_half_angle_deg)))
    z = np.linspace(0.0, max_depth_um, 2001)
    e, _ = exit_energy(particle, z, np.full_like(z, mu_mean), window, sample)
    ok = e > 0
    en = np.asarray(energy_keV, float)
    # e decreases with depth: interpolate on reversed arrays
    d = np.interp(en, e[ok][::-1], z[ok][::-1], left=np.nan, right=0.0)
    return d


def cumulative_response(
    layers: list[Layer],
    depth_edges_um,
    e_min_keV: float = 50.0,
    e_max_keV: float = 3000.0,
    step_keV: float = 1.0,
    **kwargs,
) -> tuple[np.ndarray, np.ndarray]:
    """Response on a fine energy grid, accumulated along energy.

    Returns (fine energy edges, cumulative response with one more row than
    fine bins); :func:`rebin_response` turns it into the response of any
    energy binning by interpolation, which makes the response a continuous
    function of the calibration.
    """
    fine = np.arange(e_min_keV, e_max_keV + 0.5 * step_keV, step_keV)
    R = response_matrix(layers, depth_edges_um, fine, **kwargs)
    return fine, np.vstack([np.zeros((1, R.shape[1])), np.cumsum(R, axis=0)])


def rebin_response(fine_edges, cumulative, energy_edges_keV) -> np.ndarray:
    """Response for ``energy_edges_keV`` from :func:`cumulative_response`."""
    e = np.clip(np.asarray(energy_edges_keV, float), fine_edges[0], fine_edges[-1])
    pos = np.interp(e, fine_edges, np.arange(fine_edges.size))
    i = np.clip(np.floor(pos).astype(int), 0, fine_edges.size - 2)
    f = (pos - i)[:, None]
    c = cumulative[i] * (1 - f) + cumulative[i + 1] * f
    return np.diff(c, axis=0)
