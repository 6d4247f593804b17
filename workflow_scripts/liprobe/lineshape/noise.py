"""Noise of a processed spectrum: its level and its point-to-point correlation.

Zero filling and apodization make neighbouring points of a processed spectrum
correlated, so a fit that treats them as independent understates its errors.
:func:`noise_model` measures the noise power spectrum (over the spectrum's
own point index: the Fourier partner of correlation over lags) on line-free
stretches of the same spectrum: segments with their mean removed, the median
of their periodograms, smoothed. The covariance of ``n``
consecutive points is then approximated as circulant with that power
spectrum interpolated to ``n`` frequencies, which keeps it positive definite
and lets :meth:`NoiseModel.apply` and :meth:`NoiseModel.solve` run by FFT.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: length (points) of the line-free segments whose periodograms are averaged
SEGMENT_POINTS = 512
#: bins of the running mean over the averaged periodogram
SMOOTH_BINS = 3


@dataclass(frozen=True)
class NoiseModel:
    """Noise power per frequency of the point index (``power[0]`` is the
    variance-weighted zero lag sum, ``mean(power)`` the variance), and the
    number of line-free points it was measured on."""

    power: np.ndarray
    n_points: int

    @property
    def sigma(self) -> float:
        """Noise standard deviation of one point."""
        return float(np.sqrt(np.mean(self.power)))

    @property
    def correlation_length(self) -> float:
        """Equivalent number of correlated points (1 for white noise)."""
        return float(self.power[0] / np.mean(self.power))

    def power_on(self, n: int) -> np.ndarray:
        """The power spectrum interpolated to the ``n`` FFT frequencies."""
        m = self.power.size
        f_src = np.fft.fftfreq(m)
        order = np.argsort(f_src)
        f_src, p_src = f_src[order], self.power[order]
        # close the circle: frequency -0.5 and +0.5 are the same point
        f_src = np.concatenate([f_src, [f_src[0] + 1.0]])
        p_src = np.concatenate([p_src, [p_src[0]]])
        f_dst = np.fft.fftfreq(n)
        f_dst = np.where(f_dst < f_src[0], f_dst + 1.0, f_dst)
        return np.interp(f_dst, f_src, p_src)

    def apply(self, a: np.ndarray) -> np.ndarray:
        """``C @ a`` for the covariance ``C`` of ``len(a)`` points (columns)."""
        a = np.asarray(a, dtype=float)
        p = self.power_on(a.shape[0])
        shape = (-1,) + (1,) * (a.ndim - 1)
        return np.fft.ifft(p.reshape(shape) * np.fft.fft(a, axis=0), axis=0).real

    def solve(self, a: np.ndarray) -> np.ndarray:
        """``C^-1 @ a`` (columns)."""
        a = np.asarray(a, dtype=float)
        p = self.power_on(a.shape[0])
        shape = (-1,) + (1,) * (a.ndim - 1)
        return np.fft.ifft(np.fft.fft(a, axis=0) / p.reshape(shape), axis=0).real


def _segments(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start and end (exclusive) of every run of True in ``mask``."""
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return list(zip(starts, ends, strict=True))


def noise_model(y: np.ndarray, free: np.ndarray) -> NoiseModel:
    """The noise power spectrum from the ``free`` (line-free) points of ``y``.

    Every line-free stretch is cut into segments of :data:`SEGMENT_POINTS`
    whose mean is removed; the median of their periodograms (robust to the
    few segments holding sidebands or background) is smoothed over
    :data:`SMOOTH_BINS` bins.
    """
    y = np.asarray(y, dtype=float)
    L = SEGMENT_POINTS
    periodograms = []
    for start, end in _segments(np.asarray(free, dtype=bool)):
        for s in range(start, end - L + 1, L):
            seg = y[s : s + L]
            periodograms.append(np.abs(np.fft.fft(seg - seg.mean())) ** 2 / L)
    if len(periodograms) < 2:
        raise ValueError(
            f"too few line-free points to measure the noise: need two stretches "
            f"of {L} points, found {len(periodograms)}"
        )
    # the median over segments (a periodogram bin of noise is exponentially
    # distributed: median = ln 2 x mean) ignores the few segments that hold a
    # sideband, a probe background or baseline roll
    power = np.median(periodograms, axis=0) / np.log(2.0)
    # a circular running mean over SMOOTH_BINS bins steadies the estimate
    kernel = np.ones(SMOOTH_BINS) / SMOOTH_BINS
    half = SMOOTH_BINS // 2
    power[0] = np.nan  # the emptied zero-frequency bin takes no part
    padded = np.concatenate([power[-half:], power, power[:half]])
    smooth = np.convolve(np.nan_to_num(padded), kernel, mode="valid")
    weight = np.convolve(np.isfinite(padded).astype(float), kernel, mode="valid")
    power = smooth / weight
    # removing the mean emptied the zero-frequency bin: the power spectrum of
    # processed noise is smooth and even, so it comes from a parabola through
    # the next two bins (P(j) = a + b j^2)
    p1 = 0.5 * (power[1] + power[-1])
    p2 = 0.5 * (power[2] + power[-2])
    power[0] = max((4.0 * p1 - p2) / 3.0, p1)
    return NoiseModel(power, L * len(periodograms))
