"""1D and pseudo-2D processing of Bruker FIDs, reproducing TopSpin's ``ft``.

Steps, in TopSpin's order, each row of a pseudo-2D series treated alike:

1. DC offset (optional): subtract the mean of the last quarter of each FID
   (procs ``BC_mod`` single or quad); the first stored point times procs
   ``FCOR``; optionally the t = 0 point (point ``round(g)``) times
   ``first_point`` (0.5 avoids the constant baseline offset of a FID sampled
   from t = 0 without a filter transient; TopSpin does not do it, so the
   default is 1).
2. Points used: the first ``TDeff/2`` complex points when procs sets ``TDeff``.
3. Apodization: procs ``WDW`` with ``LB``/``GB``/``SSB``
   (:mod:`liprobe.nmr.windows`: EM, GM, SINE, QSINE), or EM with the
   ``lb_Hz`` option. EM runs from the first stored point; the other windows
   span the points from the digital filter's delay on, where the signal
   starts.
4. Zero filling (or truncation) to ``SI`` complex points.
5. Fourier transform with the sign convention that puts high frequency (high
   ppm) at index 0: ``S_k = sum_n s_n exp(+2 pi i n k / SI)``, then the halves
   swapped so the spectrum runs from +SW/2 to -SW/2.
6. Digital filter removal as a first-order phase ramp ``exp(-2 pi i g k / SI)``
   (``g`` the group delay in points, ``k`` = 0 at the left edge): the same as a
   circular shift of the zero-filled FID by ``g`` points.
7. Phase ``exp(-i (PHC0 + PHC1 k / SI))`` in degrees, ``k`` = 0 at the left
   edge (TopSpin's convention), PHC0/PHC1 from procs or found automatically,
   one phase for all rows: ``auto`` fits both on a reference row (PHC1 by a
   baseline-aware ACME objective over lines, spinning sidebands and broad
   components, searched within ``auto_phase_late_points`` x 360 degrees:
   +-720 degrees by default, more for broad lines recorded after a dead time;
   :func:`auto_phase`),
   ``auto0`` fits PHC0 only and keeps PHC1 from procs. Both judge the phase on
   the signal points only (:func:`signal_points`, found from the magnitude
   spectrum, which no phase changes): the baseline roll of a FID whose first
   points are missing would otherwise set the phase. Far from the signal the first-order
   phase only turns that roll, so parity with a TopSpin spectrum phased by
   hand is judged on the signal region (``topspin_parity`` with a ppm range).
8. Baseline: our polynomial through signal-free points (``baseline``), or else
   (``topspin_baseline``) the corrections TopSpin's audit trail records after
   its last transform: ``abs``/``abs2`` (a polynomial of degree ``ABSG``
   between ``ABSF1`` and ``ABSF2``, ours fitted to signal-free points) and
   ``sab`` (a natural cubic spline through the ``baslpnts`` points).
9. Strip: only the points ``STSR`` to ``STSR + STSI - 1`` are kept when procs
   sets a strip.

Operations procs or the audit trail ask for and that are not done (other
window types, linear prediction ``ME_mod``, ``BC_mod`` spol/qpol/sfil/qfil,
``TDoff``, ``PH_mod`` magnitude/power, ``REVERSE``, other commands) are named
in ``Spectra.unsupported`` (column ``topspin_unsupported``).

The ppm axis is ``ppm_k = OFFSET - k SW_p / (SF SI)`` from procs, or, when procs
is missing or stale (``SW_p`` differing from acqus ``SW_h``, or ``SF`` far from
``BF1``), from acqus: ``(O1 + SW_h/2 - k SW_h/SI) / BF1`` (flag
``ppm_axis_from_acqus``; no spectral reference ``SR`` is then applied).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.ndimage import binary_dilation, uniform_filter1d
from scipy.optimize import minimize_scalar

from liprobe.errors import InputError
from liprobe.nmr.windows import topspin_window
from liprobe.options import NmrOptions

if TYPE_CHECKING:
    from liprobe.nmr.acquisition import FidSeries

#: Largest number of spectrum points accepted from procs SI or the options.
MAX_SI = 1 << 22

#: Largest zero-order phase (degrees) accepted from procs: TopSpin keeps PHC0
#: within a turn or two of zero, and a value beyond 100 turns is a corrupted
#: parameter, not a phase (it would be taken modulo 360 without a word).
MAX_PHC0_DEG = 36000.0


def _procs_phases(fid: FidSeries, si: int) -> tuple[float, float]:
    """PHC0 and PHC1 (degrees) of procs, checked for plausibility.

    PHC0 beyond :data:`MAX_PHC0_DEG`, or PHC1 beyond ``180 SI`` degrees (a
    phase step of more than half a turn between neighbouring points, which
    aliases into a different, smaller ramp), is an :class:`InputError`.
    """
    ph0 = _param(fid, "procs", "PHC0", 0.0)
    ph1 = _param(fid, "procs", "PHC1", 0.0)
    procs = fid.path / "pdata" / str(fid.procno) / "procs"
    if abs(ph0) > MAX_PHC0_DEG:
        raise InputError(
            procs, "PHC0", f"a phase within +-{MAX_PHC0_DEG:g} degrees", ph0
        )
    if abs(ph1) > 180.0 * si:
        raise InputError(
            procs,
            "PHC1",
            f"a phase within +-{180.0 * si:g} degrees (180 x SI, beyond which the "
            "ramp aliases)",
            ph1,
        )
    return ph0, ph1


def _param(fid: FidSeries, source: str, key: str, default, integer: bool = False):
    """A numeric ``procs`` or ``acqus`` parameter, ``default`` when absent.

    A value that is not a finite number (text, an array, NaN) is an
    :class:`InputError` naming the parameter file and the key.
    """
    params = (fid.procs if source == "procs" else fid.acqus) or {}
    value = params.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        folder = fid.path / "pdata" / str(fid.procno) if source == "procs" else fid.path
        raise InputError(folder / source, key, "a finite number", value)
    return int(number) if integer else number


@dataclass
class Spectra:
    """Real spectra (rows x SI) on a ppm axis, with how they were made.

    ``data`` rows correspond to ``FidSeries.data`` rows. ``scale`` is arbitrary
    but common to all rows of one experiment.
    """

    ppm: np.ndarray
    data: np.ndarray
    dc_offset: bool
    baseline: bool
    flags: list[str] = field(default_factory=list)
    phase0_deg: float = 0.0
    phase1_deg: float = 0.0
    lb_Hz: float = 0.0
    si: int = 0
    group_delay_points: float = 0.0
    ppm_axis_source: str = "procs"
    points_used: int = 0
    options: NmrOptions | None = None
    unsupported: list[str] = field(default_factory=list)


def _next_pow2(n: int) -> int:
    return 1 << max(int(n) - 1, 1).bit_length()


def exponential_window(n: int, lb_Hz: float, sw_Hz: float) -> np.ndarray:
    """Exponential line broadening ``w(t) = exp(-pi LB t)``, ``t = n / SW_h``.

    The Lorentzian line gains ``LB`` Hz of full width at half height (TopSpin
    ``em``; e.g. Keeler, Understanding NMR Spectroscopy, 2nd ed., sec. 5.3).
    """
    t = np.arange(n) / sw_Hz
    return np.exp(-math.pi * lb_Hz * t)


def fourier_transform(fid: np.ndarray, si: int) -> np.ndarray:
    """Zero-fill rows to ``si`` points and transform, high frequency first.

    ``S_k = sum_n s_n exp(+2 pi i n k / si)`` followed by swapping the halves,
    so index 0 is +SW/2 (high ppm, TopSpin's left edge).
    """
    fid = np.atleast_2d(fid)
    n = min(fid.shape[1], si)
    buf = np.zeros((fid.shape[0], si), dtype=complex)
    buf[:, :n] = fid[:, :n]
    spec = np.fft.ifft(buf, axis=1, norm="forward")
    return np.fft.fftshift(spec, axes=1)


def phase_ramp(si: int, phc0_deg: float, phc1_deg: float) -> np.ndarray:
    """``exp(-i (phc0 + phc1 k / si) pi / 180)`` for ``k = 0..si-1`` (left edge 0)."""
    k = np.arange(si) / si
    return np.exp(-1j * np.deg2rad(phc0_deg + phc1_deg * k))


def remove_group_delay(spec: np.ndarray, group_delay_points: float) -> np.ndarray:
    """Undo a digital filter delay of ``g`` points: times ``exp(-2 pi i g k / SI)``."""
    si = spec.shape[-1]
    k = np.arange(si)
    return spec * np.exp(-2j * math.pi * group_delay_points * k / si)


def _acme_entropy(spec: np.ndarray) -> float:
    """ACME objective (Chen et al., J. Magn. Reson. 158 (2002) 164) of a real row."""
    d = np.abs(np.diff(spec))
    p = d / max(d.sum(), 1e-300)
    p = p[p > 0]
    entropy = -(p * np.log(p)).sum()
    neg = spec[spec < 0]
    penalty = (neg**2).sum() / max((spec**2).sum(), 1e-300)
    return float(entropy + 1000.0 * penalty)


#: Fraction of the magnitude spectrum's height (above its median) a signal
#: point reaches at least (:func:`signal_points`).
SIGNAL_FRACTION = 0.05

#: The first-order phase is judged on a wider mask than the zero order: the
#: lines with their spinning sidebands and broad components, points above
#: :data:`PHASE1_SIGNAL_FRACTION` of the height or :data:`PHASE1_SIGNAL_SIGMAS`
#: robust standard deviations (:func:`auto_phase`).
PHASE1_SIGNAL_FRACTION = 0.01
PHASE1_SIGNAL_SIGMAS = 5.0

#: :func:`auto_phase` searches PHC1 on a grid of this step (degrees) within
#: +-2 points of late start (720 degrees), and, when more are allowed, on a
#: coarser grid over the whole allowed range.
PHASE1_NEAR_POINTS, PHASE1_NEAR_STEP_DEG, PHASE1_FAR_STEP_DEG = 2.0, 15.0, 10.0

#: Objective values within this fraction of the best count as equally good
#: in :func:`auto_phase`'s grid search (the smallest PHC1 among them is taken).
PHASE1_FLAT = 0.01

#: Relative decrease of the objective a PHC1 beyond the near range must bring
#: over the near range's best to be taken (:func:`auto_phase`).
PHASE1_FAR_GAIN = 0.05


def signal_points(
    spec: np.ndarray, fraction: float = SIGNAL_FRACTION, sigmas: float = 10.0
) -> np.ndarray:
    """Mask of the points of a complex row that carry signal, whatever the phase.

    The magnitude, smoothed over ``w = max(SI / 512, 3)`` points, above the
    larger of its median plus ``sigmas`` robust standard deviations (median
    absolute deviation x 1.4826) and its median plus ``fraction`` of its
    height above the median; widened by ``w`` points on each side. All points
    when none qualifies.
    """
    si = spec.shape[-1]
    w = max(si // 512, 3)
    mag = uniform_filter1d(np.abs(spec), w)
    med = float(np.median(mag))
    sigma = 1.4826 * float(np.median(np.abs(mag - med)))
    mask = mag > max(med + sigmas * sigma, med + fraction * (mag.max() - med))
    if not mask.any():
        return np.ones(si, bool)
    return binary_dilation(mask, iterations=w)


def _segment_flattener(mask: np.ndarray, w: int):
    """Indices a phase objective needs, and a function taking a row's values
    at them to its ``mask`` points, each contiguous signal segment minus the
    straight line between the means of the ``w`` points beside it (one side at
    an edge; none when the segment spans the row): the local baseline of a
    broad line sitting on a baseline roll."""
    si = mask.size
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    spans = []
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        spans.append(
            (np.arange(max(a - w, 0), a), np.arange(a, b), np.arange(b, min(b + w, si)))
        )
    need = np.unique(np.concatenate([np.concatenate(s) for s in spans]))
    at = {name: [] for name in ("left", "seg", "right")}
    for left, seg, right in spans:
        for name, idx in zip(at, (left, seg, right), strict=True):
            at[name].append(np.searchsorted(need, idx))

    def flatten(values: np.ndarray) -> np.ndarray:
        parts = []
        for left, seg, right in zip(at["left"], at["seg"], at["right"], strict=True):
            lv = values[left].mean() if left.size else None
            rv = values[right].mean() if right.size else None
            if lv is None and rv is None:
                parts.append(values[seg])
                continue
            lv = rv if lv is None else lv
            rv = lv if rv is None else rv
            parts.append(values[seg] - np.linspace(lv, rv, seg.size))
        return np.concatenate(parts)

    return need, flatten


def auto_phase(spec: np.ndarray, late_points: float) -> tuple[float, float]:
    """Zero- and first-order phase (degrees) of one complex row, TopSpin convention.

    First order: the ACME entropy (:func:`_acme_entropy`) of the real part of
    the wide signal mask (:data:`PHASE1_SIGNAL_FRACTION`: lines, spinning
    sidebands, broad components), each signal segment measured from the
    straight line between its neighbouring baseline points (baseline-aware:
    the roll a late-starting FID puts under a broad line does not count as
    negative absorption), with the zero order re-solved at each trial. PHC1
    is searched on a grid within ``late_points`` x 360 degrees (the signal
    starting up to that many points after the first sample; option
    ``nmr.auto_phase_late_points``), first within the near
    :data:`PHASE1_NEAR_POINTS`, then over the rest, each refined by a bounded
    1D minimisation; a PHC1 beyond the near range is taken when it lowers the
    objective by more than :data:`PHASE1_FAR_GAIN` (narrow lines leave PHC1
    nearly free, and the near range keeps it small). Zero order: the angle
    that maximises the real integral of the narrow signal points
    (:func:`signal_points`). Applied to
    the reference row of a series, the result is used for every row
    (relaxation series keep their relative signs).
    """
    si = spec.shape[-1]
    k = np.arange(si) / si
    wide = signal_points(spec, PHASE1_SIGNAL_FRACTION, PHASE1_SIGNAL_SIGMAS)
    need, flatten = _segment_flattener(wide, max(si // 512, 3))
    values, k = spec[need], k[need]

    def cost(ph1: float) -> float:
        part = flatten(values * np.exp(-1j * np.deg2rad(ph1 * k)))
        ph0 = np.angle(part.sum())
        return _acme_entropy((part * np.exp(-1j * ph0)).real)

    def search(half_range: float, step: float) -> tuple[float, float]:
        grid = np.arange(-half_range, half_range + step / 2, step)
        costs = np.array([cost(g) for g in grid])
        # of the trials within PHASE1_FLAT of the best, the smallest |PHC1|:
        # a flat objective (one narrow line) leaves PHC1 where it turns the
        # baseline least
        level = costs.min() + PHASE1_FLAT * abs(costs.min())
        start = grid[costs <= level][int(np.argmin(np.abs(grid[costs <= level])))]
        res = minimize_scalar(
            cost, bounds=(start - step, start + step), method="bounded"
        )
        return float(res.x), float(res.fun)

    reach = 360.0 * float(late_points)
    near = 360.0 * PHASE1_NEAR_POINTS
    ph1, near_cost = search(min(reach, near), PHASE1_NEAR_STEP_DEG)
    if reach > near:
        far, far_cost = search(reach, PHASE1_FAR_STEP_DEG)
        if far_cost < near_cost * (1.0 - PHASE1_FAR_GAIN):
            ph1 = far
    return auto_phase0(spec, ph1), ph1


def auto_phase0(spec: np.ndarray, phc1_deg: float = 0.0) -> float:
    """Zero-order phase (degrees) maximising the real integral of the signal
    points (:func:`signal_points`) at a fixed PHC1."""
    si = spec.shape[-1]
    rotated = spec * phase_ramp(si, 0.0, phc1_deg)
    return float(np.rad2deg(np.angle(rotated[signal_points(spec)].sum()))) % 360.0


def baseline_correct(data: np.ndarray, order: int, iterations: int = 5) -> np.ndarray:
    """Subtract a polynomial fitted to signal-free points of each row.

    Points count as signal-free when their second difference is within 3 robust
    standard deviations (median absolute deviation x 1.4826) and their value
    within 3 robust standard deviations of the current baseline; the polynomial
    (in a scaled axis) is refitted ``iterations`` times on those points.
    """
    data = np.atleast_2d(data).astype(float)
    out = np.empty_like(data)
    si = data.shape[1]
    x = np.linspace(-1.0, 1.0, si)
    for r, row in enumerate(data):
        d2 = np.abs(np.gradient(np.gradient(row)))
        sigma_d2 = 1.4826 * np.median(np.abs(d2 - np.median(d2))) + 1e-300
        mask = d2 < 3 * sigma_d2 + np.median(d2)
        coef = np.polynomial.polynomial.polyfit(x[mask], row[mask], order)
        for _ in range(iterations):
            base = np.polynomial.polynomial.polyval(x, coef)
            resid = row - base
            sigma = 1.4826 * np.median(np.abs(resid[mask])) + 1e-300
            new = mask & (np.abs(resid) < 3 * sigma)
            if new.sum() <= order + 1:
                break
            mask = new
            coef = np.polynomial.polynomial.polyfit(x[mask], row[mask], order)
        out[r] = row - np.polynomial.polynomial.polyval(x, coef)
    return out


def ppm_axis(fid: FidSeries, si: int) -> tuple[np.ndarray, str, list[str]]:
    """ppm of each spectrum point, where it came from, and flags.

    From procs (``OFFSET``, ``SW_p``, ``SF``) when present and consistent with
    acqus (``SW_p`` within 1e-6 relative of ``SW_h`` and ``SF`` within 0.1 % of
    ``BF1``); else from acqus (``O1``, ``SW_h``, ``BF1``) with the flag
    ``ppm_axis_from_acqus``.
    """
    k = np.arange(si)
    procs = fid.procs or {}
    acqus = fid.acqus
    sw_h = float(acqus["SW_h"])
    bf1 = _param(fid, "acqus", "BF1", None) or _param(fid, "acqus", "SFO1", None)
    if bf1 is None or bf1 <= 0:
        raise InputError(
            fid.path / "acqus", "BF1", "a positive frequency in MHz (or SFO1)", bf1
        )
    try:
        offset = float(procs["OFFSET"])
        sw_p = float(procs["SW_p"])
        sf = float(procs["SF"])
        usable = (
            abs(sw_p - sw_h) <= 1e-6 * sw_h
            and math.isfinite(bf1)
            and abs(sf - bf1) <= 1e-3 * bf1
        )
    except (KeyError, TypeError, ValueError):
        usable = False
    if usable:
        return offset - k * (sw_p / sf) / si, "procs", []
    o1 = _param(fid, "acqus", "O1", 0.0)
    ppm = (o1 + sw_h / 2.0 - k * sw_h / si) / bf1
    return ppm, "acqus", ["ppm_axis_from_acqus"]


def _reference_row(fid: FidSeries, spec: np.ndarray) -> int:
    """Row used to find an automatic phase: the one expected to be positive.

    Recovery kinds: the longest list time; decay kinds: the shortest; otherwise
    the row of largest magnitude.
    """
    times = fid.list_time_s
    if times is not None and len(times) == spec.shape[0] and np.isfinite(times).any():
        if fid.kind in ("t1_sr", "t1_ir"):
            return int(np.nanargmax(times))
        if fid.kind in ("t1rho", "t2"):
            return int(np.nanargmin(times))
    return int(np.argmax(np.abs(spec).sum(axis=1)))


#: TopSpin's BC_mod codes: 1 and 2 subtract the FID's DC offset.
BC_MOD_NAMES = {
    0: "no",
    1: "single",
    2: "quad",
    3: "spol",
    4: "qpol",
    5: "sfil",
    6: "qfil",
}
#: Audit-trail commands that only change the phase (kept in procs PHC0/PHC1).
PHASE_COMMANDS = ("pk", "pk2", "apk", "apk0", "apk1", "apks", "apkf", "apk2d")


def _procs_unsupported(fid: FidSeries) -> list[str]:
    """procs parameters that ask for an operation liprobe does not reproduce."""
    out: list[str] = []
    bc = _param(fid, "procs", "BC_mod", 0, integer=True)
    if bc not in (0, 1, 2):
        out.append(f"BC_mod={BC_MOD_NAMES.get(bc, bc)}")
    me = _param(fid, "procs", "ME_mod", 0, integer=True)
    if me != 0:
        out.append(f"ME_mod={me} (linear prediction)")
    tdoff = _param(fid, "procs", "TDoff", 0, integer=True)
    if tdoff != 0:
        out.append(f"TDoff={tdoff}")
    ph_mod = _param(fid, "procs", "PH_mod", 1, integer=True)
    if ph_mod not in (0, 1):
        out.append(f"PH_mod={ph_mod}")
    reverse = (fid.procs or {}).get("REVERSE", False)
    if reverse not in (False, 0, None) and str(reverse).strip().lower() != "no":
        out.append("REVERSE")
    return out


def spline_baseline(data: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Subtract a natural cubic spline through ``data`` at ``points`` (TopSpin ``sab``).

    Between the first and the last point the spline through the values at the
    points is subtracted, outside them nothing (TopSpin's ``sab`` with the
    points of ``baslpnts``: its 1r is exactly zero at the points).
    """
    data = np.atleast_2d(data).astype(float)
    pts = np.unique(np.asarray(points, dtype=int))
    pts = pts[(pts >= 0) & (pts < data.shape[1])]
    if len(pts) < 2:
        return data
    x = np.arange(pts[0], pts[-1] + 1)
    out = data.copy()
    for r, row in enumerate(data):
        out[r, x] = row[x] - CubicSpline(pts, row[pts], bc_type="natural")(x)
    return out


def _topspin_baseline(
    fid: FidSeries, real: np.ndarray, ppm: np.ndarray
) -> tuple[np.ndarray, list[str], list[str]]:
    """Apply the baseline commands of TopSpin's audit trail; flags, unsupported."""
    flags: list[str] = []
    unsupported: list[str] = []
    for command in fid.processing_history:
        if command in PHASE_COMMANDS:
            continue
        if command in ("abs", "abs2", "absn"):
            order = _param(fid, "procs", "ABSG", 5, integer=True)
            f1 = _param(fid, "procs", "ABSF1", float(ppm.max()))
            f2 = _param(fid, "procs", "ABSF2", float(ppm.min()))
            sel = (ppm <= max(f1, f2)) & (ppm >= min(f1, f2))
            if sel.sum() > order + 1:
                real = real.copy()
                real[:, sel] = baseline_correct(real[:, sel], order)
                flags.append(f"baseline_topspin_{command}_ABSG_{order}")
        elif command == "sab" and fid.baseline_points is not None:
            real = spline_baseline(real, fid.baseline_points)
            flags.append("baseline_topspin_sab")
        else:
            unsupported.append(f"auditp:{command}")
    return real, flags, unsupported


def process(fid: FidSeries, options: NmrOptions) -> Spectra:
    """Process every row of a 1D or pseudo-2D experiment into real spectra.

    ``options``: ``phase`` (``'procs'``, ``'auto'``, ``'auto0'`` or a pair of
    degrees), ``lb_Hz`` (None = procs window), ``si`` (None = procs SI),
    ``baseline`` and ``baseline_order``, ``topspin_baseline``, ``dc_offset``
    (None = as procs ``BC_mod``), ``first_point`` (factor of the t = 0 point).
    See the module docstring for the steps and conventions. What procs or the
    audit trail ask for and is not reproduced is listed in
    ``Spectra.unsupported``.
    """
    opts = options
    flags: list[str] = []
    unsupported = _procs_unsupported(fid)
    procs = fid.procs or {}
    if not fid.procs:
        flags.append("procs_missing")
    data = np.atleast_2d(fid.data).astype(complex)
    n_points = data.shape[1]

    # 1. DC offset
    dc = opts.dc_offset
    if dc is None:
        dc = _param(fid, "procs", "BC_mod", 0, integer=True) in (1, 2)
    if dc:
        tail = max(n_points // 4, 1)
        data = data - data[:, -tail:].mean(axis=1, keepdims=True)
    fcor = _param(fid, "procs", "FCOR", 1.0)
    first = float(opts.first_point)
    if fcor != 1.0 or first != 1.0:
        data = data.copy()
        data[:, 0] *= fcor  # TopSpin: the first stored point times FCOR
        t0 = int(round(fid.group_delay_points))
        if first != 1.0 and t0 < n_points:
            data[:, t0] *= first

    # 2. points used
    tdeff = _param(fid, "procs", "TDeff", 0, integer=True)
    if 0 < tdeff // 2 < n_points:
        data = data[:, : tdeff // 2]
        flags.append("tdeff_truncated")
    used = data.shape[1]

    # 3. apodization: EM from the first stored point (its shape does not depend
    # on where the signal starts); the other windows span the points after the
    # digital filter's delay, where the signal starts, as in the 2D processing
    lb = opts.lb_Hz
    wdw = 1 if lb is not None else _param(fid, "procs", "WDW", 0, integer=True)
    start = 0 if wdw in (0, 1) else min(int(round(fid.group_delay_points)), used - 1)
    window, not_done = topspin_window(used - start, procs, fid.sw_Hz, lb)
    unsupported += not_done
    if wdw == 1:
        lb = float(lb if lb is not None else _param(fid, "procs", "LB", 0.0))
    else:
        lb = 0.0
        if not_done:
            flags.append(f"window_WDW_{wdw}_not_applied")
    if wdw != 0 and not not_done:
        full = np.concatenate([np.full(start, window[0]), window])
        data = data * full

    # 4-5. zero fill and FT
    si = opts.si
    if si is None:
        si = _param(fid, "procs", "SI", 0, integer=True) or _next_pow2(2 * used)
    si = int(si)
    if not 1 <= si <= MAX_SI:
        source = fid.path / "pdata" / str(fid.procno) / "procs"
        raise InputError(
            source if opts.si is None else "config",
            "SI",
            f"1 to {MAX_SI} spectrum points",
            si,
        )
    spec = fourier_transform(data, si)

    # 6. digital filter
    spec = remove_group_delay(spec, fid.group_delay_points)

    # 7. phase
    phase = opts.phase
    if isinstance(phase, str) and phase == "procs":
        if "PHC0" in procs:
            ph0, ph1 = _procs_phases(fid, si)
        else:
            ph0, ph1 = auto_phase(
                spec[_reference_row(fid, spec)], opts.auto_phase_late_points
            )
            flags.append("phase_auto_no_procs")
    elif isinstance(phase, str) and phase == "auto":
        ph0, ph1 = auto_phase(
            spec[_reference_row(fid, spec)], opts.auto_phase_late_points
        )
        flags.append("phase_auto")
    elif isinstance(phase, str) and phase == "auto0":
        ph1 = _procs_phases(fid, si)[1]
        ph0 = auto_phase0(spec[_reference_row(fid, spec)], ph1)
        flags.append("phase_auto0")
    elif isinstance(phase, list | tuple) and len(phase) == 2:
        ph0, ph1 = float(phase[0]), float(phase[1])
    else:
        raise InputError(
            "config",
            "phase",
            "'procs', 'auto', 'auto0' or [phc0_deg, phc1_deg]",
            phase,
        )
    real = (spec * phase_ramp(si, ph0, ph1)).real
    ppm, source, axis_flags = ppm_axis(fid, si)
    flags += axis_flags

    # 8. baseline: ours, or TopSpin's as its audit trail records it
    baseline = bool(opts.baseline)
    if opts.baseline:
        real = baseline_correct(real, int(opts.baseline_order))
    elif opts.topspin_baseline and fid.processing_history:
        real, base_flags, not_done = _topspin_baseline(fid, real, ppm)
        flags += base_flags
        unsupported += not_done
        baseline = bool(base_flags)

    # 9. strip: the points STSR .. STSR + STSI - 1 of the spectrum
    stsr = _param(fid, "procs", "STSR", 0, integer=True)
    stsi = _param(fid, "procs", "STSI", 0, integer=True)
    if opts.si is None and 0 < stsi < si and 0 <= stsr and stsr + stsi <= si:
        real = real[:, stsr : stsr + stsi]
        ppm = ppm[stsr : stsr + stsi]
        flags.append(f"strip_STSR_{stsr}_STSI_{stsi}")

    return Spectra(
        ppm=ppm,
        data=real,
        flags=flags,
        phase0_deg=ph0,
        phase1_deg=ph1,
        lb_Hz=lb,
        si=si,
        group_delay_points=fid.group_delay_points,
        ppm_axis_source=source,
        points_used=used,
        dc_offset=bool(dc),
        baseline=baseline,
        options=options,
        unsupported=list(dict.fromkeys(unsupported)),
    )
