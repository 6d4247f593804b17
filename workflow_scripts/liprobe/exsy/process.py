"""Processing of 2D EXSY/NOESY ``ser`` data to absorptive 2D spectra.

Pure functions on arrays and parameter mappings (as parsed from ``acqus``,
``acqu2s``, ``procs``, ``proc2s``); no file access. Steps:

1. F2 (direct): digital-filter delay of GRPDLY points (or the DECIM/DSPFVS
   table when GRPDLY is absent) removed by a time shift, window function (procs
   WDW/LB/GB/SSB) over the TD/2 - GRPDLY points that hold signal (so that it
   ends where the acquisition ends), zero fill to SI, FFT, phase (procs
   PHC0/PHC1 or automatic zero order), spectrum ordered high to low frequency.
2. Indirect-dimension quadrature from FnMODE: 4 States and 5 States-TPPI (pairs
   of cosine/sine rows; States-TPPI has every other pair negated), 3 TPPI (real
   rows, real Fourier transform), 6 echo-antiecho (echo/antiecho rows combined
   to cosine/sine rows: C = (E + A) / 2, S = i (E - A) / 2).
   (States, Haberkorn & Ruben, J. Magn. Reson. 48 (1982) 286; Marion, Ikura,
   Tschudin & Bax, J. Magn. Reson. 85 (1989) 393; Keeler, Understanding NMR
   Spectroscopy, 2nd ed., ch. 8.)
3. F1: window (proc2s), first point times FCOR (proc2s, default 0.5), zero fill
   to SI of proc2s, FFT, phase (proc2s or auto), real part.
   The rows and points TopSpin used are kept: proc2s ``TDeff`` rows in F1,
   procs ``TDeff / 2`` complex points in F2. Parameters whose operation is not
   done (other window types, linear prediction ``ME_mod``, ``BC_mod``,
   ``TDoff``, a strip ``STSI``) are named in ``Spectrum2D.unsupported``.
4. Optional zero-order baseline correction (:func:`baseline_correct`): the
   mean of signal-free points subtracted row by row and column by column.

The processing is linear in the stored data; :class:`LinearMaps` keeps it as
matrices so that the receiver noise of any weighted sum of the spectrum (a box
volume) is propagated exactly (:func:`noise_covariance`).

Phase convention (TopSpin): the spectrum is multiplied by
exp(-i (PHC0 + PHC1 (i / SI)) pi / 180) with i the point index from the left
(high-frequency) edge.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from liprobe.errors import InputError

#: fewest signal-free points a zero-order baseline is taken from
MIN_FREE_POINTS = 8

FNMODE_NAMES = {
    1: "QF",
    2: "QSEQ",
    3: "TPPI",
    4: "States",
    5: "States-TPPI",
    6: "Echo-Antiecho",
}


@dataclass(frozen=True)
class LinearMaps:
    """The processing of one ``ser`` as the linear maps it is made of.

    ``f2`` (complex, SI2 x TD2/2) takes one stored row to its phased F2
    spectrum (filter delay, window, zero fill, FFT, phase); ``f1`` (complex,
    SI1 x n1) takes the t1 interferogram of one F2 point (after the indirect
    quadrature) to its phased F1 spectrum (window, FCOR, zero fill, FFT,
    phase). The real spectrum is ``Re(f1 @ Q(f2 @ rows))`` with Q the
    quadrature of ``fnmode`` (:func:`process_2d`). Used to propagate receiver
    noise exactly (:func:`noise_covariance`).
    """

    f2: np.ndarray
    f1: np.ndarray
    fnmode: int


@dataclass
class Spectrum2D:
    """An absorptive 2D spectrum: ``data[i1, i2]`` with F1 rows and F2 columns,
    both axes ordered from high to low ppm; ``maps`` the linear processing that
    made it from the ``ser`` (None when not known)."""

    data: np.ndarray
    ppm_f1: np.ndarray
    ppm_f2: np.ndarray
    fnmode: int
    phases_deg: dict = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    maps: LinearMaps | None = None
    unsupported: list[str] = field(default_factory=list)


def _get(params: Mapping | None, key: str, default=None):
    if not params:
        return default
    for k in (key, key.upper(), key.lower(), "$" + key):
        if k in params:
            value = params[k]
            if isinstance(value, str):
                text = value.strip().strip("<>")
                try:
                    return float(text)
                except ValueError:
                    return text
            return value
    return default


def _num(params: Mapping | None, key: str, default: float = math.nan) -> float:
    value = _get(params, key, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def delay_from_acqus(acqus: Mapping, index: int, source: str = "acqus") -> float:
    """Delay ``D[index]`` (s) of an acqus mapping (the EXSY mixing time is the
    delay ``exsy.mixing_delay_index`` names)."""
    delays = _get(acqus, "D")
    if not isinstance(delays, (list, tuple, np.ndarray)) or len(delays) <= index:
        raise InputError(
            source, f"D[{index}]", "an array of delays with that index", delays
        )
    return float(delays[index])


def group_delay(acqus: Mapping) -> float:
    """Digital-filter group delay in points: GRPDLY when positive, otherwise the
    DECIM/DSPFVS table of the Bruker DSP (as tabulated in nmrglue), else 0."""
    grp = _num(acqus, "GRPDLY", -1.0)
    if grp > 0:
        return grp
    if _num(acqus, "DIGMOD", 1.0) == 0:
        return 0.0
    from nmrglue.fileio.bruker import bruker_dsp_table

    decim = _num(acqus, "DECIM", math.nan)
    dspfvs = _num(acqus, "DSPFVS", math.nan)
    try:
        table = bruker_dsp_table[int(dspfvs)]
        if isinstance(table, dict):
            return float(table[int(decim)])
        return float(table)
    except (KeyError, ValueError, TypeError):
        return 0.0


def window(n: int, params: Mapping | None, sw_Hz: float) -> np.ndarray:
    """TopSpin window function over ``n`` (complex) points from procs/proc2s.

    WDW: 0 none; 1 EM exp(-pi LB t); 2 GM exp(-a t - b t^2) with a = pi LB and
    b = -a / (2 GB t_max) (LB < 0 for resolution enhancement); 3 SINE
    sin(pi/SSB + (pi - pi/SSB) u); 4 QSINE (the same squared); u = t / t_max in
    [0, 1]; SSB < 2 gives sin(pi u). Bruker, TopSpin Processing Reference.
    """
    wdw = int(_num(params, "WDW", 0.0))
    t = np.arange(n) / sw_Hz
    u = np.arange(n) / max(n - 1, 1)
    if wdw == 1:
        lb = _num(params, "LB", 0.0)
        return np.exp(-np.pi * lb * t)
    if wdw == 2:
        lb = _num(params, "LB", 0.0)
        gb = _num(params, "GB", 0.0)
        t_max = t[-1] if n > 1 else 1.0
        a = np.pi * lb
        b = -a / (2.0 * gb * t_max) if gb > 0 else 0.0
        return np.exp(-a * t - b * t**2)
    if wdw in (3, 4):
        ssb = _num(params, "SSB", 0.0)
        shift = np.pi / ssb if ssb >= 2 else 0.0
        w = np.sin(shift + (np.pi - shift) * u)
        return w**2 if wdw == 4 else w
    return np.ones(n)


def _high_to_low_order(si: int) -> np.ndarray:
    """FFT bin of each output point: point i holds the offset SW/2 - i SW/SI
    (TopSpin's order: the first point is at +SW/2, OFFSET is its ppm)."""
    return (si // 2 - np.arange(si)) % si


def _fft_high_to_low(x: np.ndarray, si: int, axis: int = -1) -> np.ndarray:
    spec = np.fft.fft(x, n=si, axis=axis)
    return np.take(spec, _high_to_low_order(si), axis=axis)


def _freq_high_to_low(si: int, sw_Hz: float) -> np.ndarray:
    """Offsets (Hz from the carrier) of the points of :func:`_fft_high_to_low`."""
    return sw_Hz / 2.0 - np.arange(si) * sw_Hz / si


def phase(
    spec: np.ndarray, phc0_deg: float, phc1_deg: float, axis: int = -1
) -> np.ndarray:
    """Apply TopSpin's phase correction along ``axis`` (index 0 = left edge)."""
    n = spec.shape[axis]
    ramp = np.deg2rad(phc0_deg + phc1_deg * np.arange(n) / n)
    shape = [1] * spec.ndim
    shape[axis] = n
    return spec * np.exp(-1j * ramp).reshape(shape)


def auto_phase0(spec: np.ndarray) -> float:
    """Zero-order phase (deg, TopSpin sign) that makes the integral of the whole
    spectrum real and positive (all EXSY peaks are positive absorptive at
    tm > 0; the integral is the first time-domain point, so dispersive parts
    cancel whatever the grid)."""
    total = np.asarray(spec).sum()
    return float(np.rad2deg(np.angle(total))) % 360.0


def ppm_axis(
    si: int,
    sw_Hz: float,
    sfo1_MHz: float,
    o1_Hz: float,
    bf1_MHz: float,
    proc: Mapping | None,
    flags: list[str],
    label: str,
) -> np.ndarray:
    """ppm of each point (high to low). procs OFFSET/SW_p/SF are used when they
    agree with the acquisition (same SW and SI); otherwise the axis comes from
    SFO1, SW_h and the reference frequency (procs SF, else BF1) and a flag says so.
    """
    sw_p = _num(proc, "SW_p")
    sf = _num(proc, "SF")
    offset = _num(proc, "OFFSET")
    si_p = _num(proc, "SI")
    if (
        np.isfinite([sw_p, sf, offset, si_p]).all()
        and abs(sw_p - sw_Hz) <= 1e-3 * sw_Hz
        and int(si_p) == si
        and sf > 0
    ):
        return offset - np.arange(si) * (sw_p / sf) / si
    ref = sf if np.isfinite(sf) and sf > 0 else bf1_MHz
    if not (np.isfinite(sfo1_MHz) and sfo1_MHz > 0):
        sfo1_MHz = bf1_MHz + o1_Hz * 1e-6
    if proc:
        flags.append(f"{label}_axis_from_acquisition_procs_inconsistent")
    hz = _freq_high_to_low(si, sw_Hz) + (sfo1_MHz - ref) * 1e6
    return hz / ref


def _next_pow2(n: int) -> int:
    return 1 << max(int(n) - 1, 1).bit_length()


def remove_group_delay(data: np.ndarray, grpdly: float) -> np.ndarray:
    """Undo the digital-filter delay of ``grpdly`` points (may be fractional).

    Each row is zero padded to twice its length, shifted back in time by a
    linear phase ramp of its spectrum and cut back to its length: the first
    :func:`signal_points` points then hold the acquired signal from the true
    t = 0, the rest lie past the end of the acquisition (near zero).
    """
    if grpdly <= 0:
        return data
    n = data.shape[1]
    spec = np.fft.fft(data, n=2 * n, axis=1)
    spec *= np.exp(2j * np.pi * np.fft.fftfreq(2 * n) * grpdly)
    return np.fft.ifft(spec, axis=1)[:, :n]


def signal_points(n: int, grpdly: float) -> int:
    """Points of a row that hold acquired signal once a digital-filter delay of
    ``grpdly`` points is removed: point j is the signal at raw point
    j + grpdly, which exists for j + grpdly <= n - 1."""
    if grpdly <= 0:
        return n
    return max(int(math.floor(n - grpdly)), 1)


def f2_window(n: int, grpdly: float, procs: Mapping | None, sw_Hz: float):
    """The F2 window over a row of ``n`` points after the filter delay is removed.

    The window function (procs) spans the points that hold signal
    (:func:`signal_points`), from t = 0 to the end of the acquisition, and is
    zero beyond them. Spanning all TD points instead would leave the signal
    cut off where the acquisition ends (at TD - GRPDLY points), and that
    truncation rings through the baseline and the neighbouring peak boxes.
    """
    m = signal_points(n, grpdly)
    w = np.zeros(n)
    w[:m] = window(m, procs, sw_Hz)
    return w


def process_f2(
    data: np.ndarray,
    acqus: Mapping,
    procs: Mapping | None = None,
    *,
    si: int | None = None,
    phase_mode: str,
    source: str = "ser",
) -> tuple[np.ndarray, float, float]:
    """Direct-dimension processing of every row: digital-filter delay removed
    (:func:`remove_group_delay`), window (procs) over the points that hold
    signal (:func:`f2_window`), zero fill to SI, FFT, TopSpin point order
    (first point at +SW/2) and phase. Returns the complex spectra and the
    PHC0/PHC1 applied (deg).
    """
    sw2 = _num(acqus, "SW_h")
    if not (np.isfinite(sw2) and sw2 > 0):
        raise InputError(source, "acqus SW_h", "positive spectral width (Hz)", sw2)
    si = int(si or _num(procs, "SI", 0) or _next_pow2(2 * data.shape[1]))
    spec = _f2_unphased(data, acqus, procs, sw2, si)
    p0 = _num(procs, "PHC0", 0.0)
    p1 = _num(procs, "PHC1", 0.0)
    if phase_mode == "auto":
        p0 = auto_phase0(spec[0])
    return phase(spec, p0, p1, axis=1), p0, p1


def _f2_unphased(
    data: np.ndarray, acqus: Mapping, procs: Mapping | None, sw2: float, si: int
) -> np.ndarray:
    """F2 spectra of the rows before the phase: linear in ``data``."""
    grpdly = group_delay(acqus)
    data = remove_group_delay(data, grpdly)
    w2 = f2_window(data.shape[1], grpdly, procs, sw2)
    spec = np.fft.fft(data * w2, n=si, axis=1)
    return spec[:, _high_to_low_order(si)]


def _f1_unphased(
    t1: np.ndarray, proc2s: Mapping | None, sw_t1: float, si1: int, mode: int
) -> np.ndarray:
    """F1 spectra of t1 interferograms (columns of ``t1``) before the phase:
    window, first point times FCOR, zero fill, FFT; linear in ``t1``."""
    w1 = window(t1.shape[0], proc2s, sw_t1)
    t1 = t1 * w1[:, None]
    # first t1 point (t1 = 0) scaled by FCOR (TopSpin default 0.5) so that the
    # discrete transform has no baseline offset in F1
    t1[0] = t1[0] * _num(proc2s, "FCOR", 0.5)
    if mode == 3:
        # real sequence at dwell 1 / (2 SW1): bin k is at k SW1 / SI1 with the
        # carrier at SW1 / 2; keep bins SI1..1 so point i is at SW1/2 - i SW1/SI1.
        full = np.fft.fft(t1, n=2 * si1, axis=0)
        return np.flip(full[1 : si1 + 1], axis=0)
    return _fft_high_to_low(t1, si1, axis=0)


def unsupported_2d(procs: Mapping | None, proc2s: Mapping | None) -> list[str]:
    """procs/proc2s parameters whose operation :func:`process_2d` does not do."""
    out = []
    for dim, params in (("F2", procs), ("F1", proc2s)):
        wdw = int(_num(params, "WDW", 0.0))
        if wdw not in (0, 1, 2, 3, 4):
            out.append(f"{dim} WDW={wdw}")
        for key in ("ME_mod", "BC_mod", "TDoff"):
            value = int(_num(params, key, 0.0))
            if value != 0:
                out.append(f"{dim} {key}={value}")
        stsi = int(_num(params, "STSI", 0.0))
        si = int(_num(params, "SI", 0.0))
        if 0 < stsi < si:
            out.append(f"{dim} STSI={stsi}")
    return out


def process_2d(
    data: np.ndarray,
    acqus: Mapping,
    acqu2s: Mapping,
    procs: Mapping | None = None,
    proc2s: Mapping | None = None,
    *,
    fnmode: int | None = None,
    phase_mode: str,
    si2: int | None = None,
    si1: int | None = None,
    source: str = "ser",
) -> Spectrum2D:
    """Process a 2D ``ser`` (rows = t1 increments as stored) to a real spectrum.

    ``phase_mode`` is ``procs`` (PHC0/PHC1 from procs and proc2s) or ``auto``
    (zero-order phase found in each dimension, first order from procs).
    ``si2``/``si1`` override the procs/proc2s sizes (default: procs SI, else
    the next power of two of twice the acquired complex points).
    """
    data = np.asarray(data)
    if data.ndim != 2 or not np.iscomplexobj(data):
        raise InputError(source, "data", "complex 2D array (rows, points)", data.shape)
    if phase_mode not in ("procs", "auto"):
        raise InputError(source, "phase_mode", "'procs' or 'auto'", phase_mode)
    flags: list[str] = []
    mode = int(fnmode if fnmode is not None else _num(acqu2s, "FnMODE", 0))
    if mode not in (3, 4, 5, 6):
        raise InputError(
            source,
            "FnMODE",
            "3 (TPPI), 4 (States), 5 (States-TPPI) or 6 (Echo-Antiecho)",
            f"{mode} ({FNMODE_NAMES.get(mode, 'undefined')})",
        )
    n_rows, n_pts = data.shape
    td1 = int(_num(acqu2s, "TD", n_rows))
    if td1 < n_rows:
        data = data[:td1]
    elif td1 > n_rows:
        flags.append(f"incomplete_acquisition_{n_rows}_of_{td1}_rows")
    # points TopSpin used: proc2s TDeff rows (F1), procs TDeff / 2 points (F2)
    tdeff1 = int(_num(proc2s, "TDeff", 0.0))
    if 0 < tdeff1 < data.shape[0]:
        data = data[:tdeff1]
        flags.append(f"tdeff_F1_{tdeff1}_of_{n_rows}_rows")
    tdeff2 = int(_num(procs, "TDeff", 0.0)) // 2
    if 0 < tdeff2 < data.shape[1]:
        data = data[:, :tdeff2]
        flags.append(f"tdeff_F2_{tdeff2}_of_{n_pts}_points")
    n_rows = data.shape[0]
    if mode != 3 and n_rows % 2:
        data = data[:-1]
        n_rows -= 1
        flags.append("odd_row_count_last_row_dropped")
    if n_rows < 2:
        raise InputError(source, "TD1", "at least 2 rows", n_rows)

    sw2 = _num(acqus, "SW_h")
    if not (np.isfinite(sw2) and sw2 > 0):
        raise InputError(source, "acqus SW_h", "positive spectral width (Hz)", sw2)
    sw1 = _num(acqu2s, "SW_h")
    if not (np.isfinite(sw1) and sw1 > 0):
        sw1 = _num(acqu2s, "SW") * _num(acqu2s, "SFO1")
    if not (np.isfinite(sw1) and sw1 > 0):
        raise InputError(source, "acqu2s SW_h", "positive spectral width (Hz)", sw1)

    # ---- F2 ----
    spec, p0_2, p1_2 = process_f2(
        data, acqus, procs, si=si2, phase_mode=phase_mode, source=source
    )
    si2 = spec.shape[1]

    # ---- indirect quadrature ----
    if mode == 3:
        t1 = spec.real
        n1 = n_rows
        sw_t1 = 2.0 * sw1
    else:
        first = spec[0::2]
        second = spec[1::2]
        if mode == 6:
            cos_rows = 0.5 * (first + second)
            sin_rows = 0.5j * (first - second)
        else:
            cos_rows, sin_rows = first, second
        t1 = cos_rows.real + 1j * sin_rows.real
        if mode == 5:
            t1 = t1 * ((-1.0) ** np.arange(t1.shape[0]))[:, None]
        n1 = t1.shape[0]
        sw_t1 = sw1

    # ---- F1 ----
    si1 = int(si1 or _num(proc2s, "SI", 0) or _next_pow2(2 * n1))
    f1 = _f1_unphased(t1, proc2s, sw_t1, si1, mode)
    p0_1 = _num(proc2s, "PHC0", 0.0)
    p1_1 = _num(proc2s, "PHC1", 0.0)
    if phase_mode == "auto":
        p0_1 = auto_phase0(f1)
    f1 = phase(f1, p0_1, p1_1, axis=0)
    # the same processing as linear maps (impulse responses), for the noise
    eye2 = np.eye(data.shape[1], dtype=complex)
    map2 = phase(_f2_unphased(eye2, acqus, procs, sw2, si2), p0_2, p1_2, axis=1)
    eye1 = np.eye(n1, dtype=float if mode == 3 else complex)
    map1 = phase(_f1_unphased(eye1, proc2s, sw_t1, si1, mode), p0_1, p1_1, axis=0)
    maps = LinearMaps(
        f2=np.ascontiguousarray(map2.T), f1=np.ascontiguousarray(map1), fnmode=mode
    )

    bf1 = _num(acqus, "BF1")
    ppm2 = ppm_axis(
        si2, sw2, _num(acqus, "SFO1"), _num(acqus, "O1", 0.0), bf1, procs, flags, "F2"
    )
    ppm1 = ppm_axis(
        si1,
        sw1,
        _num(acqu2s, "SFO1", _num(acqus, "SFO1")),
        _num(acqu2s, "O1", _num(acqus, "O1", 0.0)),
        _num(acqu2s, "BF1", bf1),
        proc2s,
        flags,
        "F1",
    )
    return Spectrum2D(
        unsupported=unsupported_2d(procs, proc2s),
        data=np.ascontiguousarray(f1.real),
        ppm_f1=ppm1,
        ppm_f2=ppm2,
        fnmode=mode,
        phases_deg={"PHC0_F2": p0_2, "PHC1_F2": p1_2, "PHC0_F1": p0_1, "PHC1_F1": p1_1},
        flags=flags,
        maps=maps,
    )


def _real_times(h: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``h @ m`` for real ``h`` and complex ``m``, by parts (numpy's mixed-type
    product does not use BLAS)."""
    return h @ m.real + 1j * (h @ m.imag)


def noise_covariance(maps: LinearMaps, weights) -> np.ndarray:
    """Covariance of separable weighted sums of a processed spectrum, per unit
    variance of the receiver noise.

    ``weights`` is a sequence of ``(h1, h2)`` real vectors over the F1 and F2
    points; sum p is ``V_p = sum_k1 sum_k2 h1[k1] h2[k2] S[k1, k2]`` (a box
    volume with its baseline subtracted, a single point, ...). With white
    receiver noise of variance s2 in the real and in the imaginary part of
    every stored point, the processing being linear, Cov(V_p, V_q) is s2 times
    the returned matrix, exactly: with g_p = f2^T h2_p and b_p = f1^T h1_p,

    * States, States-TPPI (4, 5): Re<g_p, g_q> Re<b_p, b_q> (the cosine and
      sine rows carry independent noise);
    * echo-antiecho (6): half of that (each t1 row is half a sum of two);
    * TPPI (3): Re<g_p, g_q> <Re b_p, Re b_q> (real t1 rows).

    It includes the correlation that apodization, zero filling, the
    filter-delay shift and the baseline introduce, and the t1 rows discarded
    before the transform.
    """
    h1 = np.array([np.asarray(w[0], dtype=float) for w in weights])
    h2 = np.array([np.asarray(w[1], dtype=float) for w in weights])
    g = _real_times(h2, maps.f2)  # rows g_p = f2^T h2_p
    b = _real_times(h1, maps.f1)
    cov2 = (g.conj() @ g.T).real
    if maps.fnmode == 3:
        cov1 = b.real @ b.real.T
    else:
        cov1 = (b.conj() @ b.T).real
        if maps.fnmode == 6:
            cov1 = 0.5 * cov1
    return cov1 * cov2


def _responses(m: np.ndarray, index: np.ndarray, free: np.ndarray | None):
    """Rows ``index`` of a linear map, less the mean of its rows ``free`` (the
    zero-order baseline correction) when there are enough of them."""
    out = m[index]
    if free is not None and np.count_nonzero(free) >= MIN_FREE_POINTS:
        out = out - m[free].mean(axis=0)
    return out


def point_correlations(
    maps: LinearMaps,
    rows: np.ndarray,
    cols: np.ndarray,
    free_f1: np.ndarray | None = None,
    free_f2: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Noise correlation of the points ``rows`` x ``cols`` (baseline corrected
    as in :func:`point_variance`) as its two factors: the covariance of points
    (i1, i2) and (j1, j2) is separable (see :func:`noise_covariance`), so
    their correlation is ``r1[i1, j1] * r2[i2, j2]``. Windows and zero filling
    make neighbouring points correlated."""
    g = _responses(maps.f2, cols, free_f2)
    b = _responses(maps.f1, rows, free_f1)
    c2 = (g.conj() @ g.T).real
    c1 = b.real @ b.real.T if maps.fnmode == 3 else (b.conj() @ b.T).real

    def normalised(c):
        d = np.sqrt(np.diag(c))
        return c / np.outer(d, d)

    return normalised(c1), normalised(c2)


def point_variance(
    maps: LinearMaps,
    rows: np.ndarray,
    cols: np.ndarray,
    free_f1: np.ndarray | None = None,
    free_f2: np.ndarray | None = None,
) -> np.ndarray:
    """Variance of the points ``rows`` x ``cols`` (F1, F2 indices) of the
    spectrum per unit receiver-noise variance (see :func:`noise_covariance`),
    after the zero-order baseline correction of :func:`baseline_correct` from
    the signal-free masks ``free_f1``/``free_f2`` when they are given."""

    g = _responses(maps.f2, cols, free_f2)
    b = _responses(maps.f1, rows, free_f1)
    var2 = (np.abs(g) ** 2).sum(axis=1)
    if maps.fnmode == 3:
        var1 = (b.real**2).sum(axis=1)
    else:
        var1 = (np.abs(b) ** 2).sum(axis=1) * (0.5 if maps.fnmode == 6 else 1.0)
    return np.outer(var1, var2)


def baseline_weights(mask: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Weights of a sum over the points ``mask`` after the zero-order baseline
    correction of :func:`baseline_correct` in that dimension: ``mask`` minus
    its point count times the mean over the signal-free points ``free`` (no
    correction with fewer than ``MIN_FREE_POINTS`` of them)."""
    h = np.asarray(mask, dtype=float).copy()
    n_free = int(np.count_nonzero(free))
    if n_free >= MIN_FREE_POINTS:
        h[free] -= h.sum() / n_free
    return h


def baseline_correct(
    spectrum: Spectrum2D, free_f1: np.ndarray, free_f2: np.ndarray
) -> Spectrum2D:
    """Zero-order baseline correction of a 2D spectrum in both dimensions.

    Every row (F1 point) loses the mean of its signal-free F2 points, then
    every column loses the mean of its signal-free F1 points (TopSpin's
    ``abs2``/``abs1`` with a zero-order polynomial, restricted to given points).
    ``free_f1``/``free_f2`` are boolean masks of signal-free points. The
    correction is linear in the data, so a box volume after it is a separable
    weighted sum of the uncorrected spectrum (:func:`baseline_weights`) whose
    noise :func:`noise_covariance` gives exactly.
    """
    data = spectrum.data.copy()
    flags = list(spectrum.flags)
    if free_f2.sum() >= MIN_FREE_POINTS:
        data -= data[:, free_f2].mean(axis=1, keepdims=True)
    else:
        flags.append("F2_baseline_not_corrected_too_few_free_points")
    if free_f1.sum() >= MIN_FREE_POINTS:
        data -= data[free_f1, :].mean(axis=0, keepdims=True)
    else:
        flags.append("F1_baseline_not_corrected_too_few_free_points")
    return Spectrum2D(
        data=data,
        ppm_f1=spectrum.ppm_f1,
        ppm_f2=spectrum.ppm_f2,
        fnmode=spectrum.fnmode,
        phases_deg=dict(spectrum.phases_deg),
        flags=flags,
        maps=spectrum.maps,
        unsupported=list(spectrum.unsupported),
    )
