"""CPMG echo trains: which echoes to fit and which points to leave out.

* Echo parity. In a CPMG train the loop count of the ``vclist`` is the number
  of refocusing pulses before the acquired echo. An error of the refocusing
  pulse adds up over odd echoes and cancels after every even number of pulses
  (Meiboom & Gill, Rev. Sci. Instrum. 29 (1958) 688), which is why the pulse
  program asks for even counts. When a list mixes odd and even counts the two
  sets lie on different curves: ``cpmg_echoes`` picks even (default), odd or
  all echoes, and the column ``echo_parity`` says what the list held and what
  was used.
* Points that no decay can pass through. The signal of a decay can only fall:
  a point below at least two later points by more than ``outlier_sigma``
  combined standard errors (or above two earlier ones) is left out, the point
  with most such conflicts first, until none is left. The test uses no model,
  so every candidate model is fitted to the same points and AIC compares
  like with like; each left-out point is listed with its reason in
  ``excluded_points``.
* Scatter beyond the thermal noise. Integral errors measure the thermal noise
  of each spectrum only; echo trains of metals often scatter from increment to
  increment by far more (the echoes' phase and shape differ from row to row).
  ``excess_scatter`` measures that scatter without any candidate model, from
  differences of the points themselves (Gasser, Sroka & Jennen-Steinmetz,
  Biometrika 73 (1986) 625): ``ln I`` is taken as locally cubic in ``ln t``,
  so the fourth divided difference of five neighbouring points keeps only
  their noise (on factor-2 echo counts the curvature of a mono decay or of a
  two-component decay with components 50 times apart leaves 2 % or less). Its
  mean square, less the thermal part the errors account for, gives a relative
  (multiplicative) scatter ``s``; each point's error becomes
  ``sqrt(err^2 + (s I)^2)``, never smaller than its thermal error (column
  ``excess_scatter_rel``). Points left out above are left out of the
  estimate. A model that still misses the points by more than these errors
  fails the chi-square test as before. With few points ``s`` is itself
  uncertain (five differences from nine echoes); it is widened by the
  Student-t factor for the number of differences.
"""

from __future__ import annotations

import math

import numpy as np

PARITY_CHOICES = ("even", "odd", "all")

#: Order of the divided differences that measure the excess scatter.
DIFFERENCE_ORDER = 4
#: Fewest differences (seven points for order 4) that measure a scatter.
MIN_DIFFERENCES = 3


def echo_parity(loop_counts) -> str:
    """``even``, ``odd``, ``mixed``, or ``unknown`` (no integer loop counts)."""
    if loop_counts is None:
        return "unknown"
    c = np.asarray(loop_counts, float)
    if c.size == 0 or not np.all(np.isfinite(c)) or np.any(c != np.round(c)):
        return "unknown"
    odd = np.round(c).astype(int) % 2 == 1
    if odd.all():
        return "odd"
    if not odd.any():
        return "even"
    return "mixed"


def select_echoes(loop_counts, choice: str) -> tuple[np.ndarray, str]:
    """Mask of the echoes to fit and the ``echo_parity`` text.

    Only a mixed list is cut: ``choice`` ``even`` or ``odd`` keeps those
    echoes, ``all`` keeps every one.
    """
    if choice not in PARITY_CHOICES:
        raise ValueError(f"cpmg_echoes must be one of {PARITY_CHOICES}, got {choice!r}")
    parity = echo_parity(loop_counts)
    if parity != "mixed":
        n = 0 if loop_counts is None else len(loop_counts)
        return np.ones(n, bool), parity
    odd = np.round(np.asarray(loop_counts, float)).astype(int) % 2 == 1
    if choice == "all":
        return np.ones(odd.size, bool), "mixed: all echoes fitted"
    keep = odd if choice == "odd" else ~odd
    return keep, f"mixed: {choice} echoes fitted ({int((~keep).sum())} left out)"


def decay_outliers(t, y, err, outlier_sigma: float | None) -> list[tuple[int, str]]:
    """Indices (into ``t``) of points no decay passes through, with reasons.

    Points are compared in order of ``t``; the sign of the decay is that of the
    sum of ``y``. Pair ``(i, j)``, ``t_i < t_j``, conflicts when
    ``s (y_j - y_i) > outlier_sigma sqrt(err_i^2 + err_j^2)``. A point with at
    least two conflicts, the most first, is left out; repeated until none is
    left or only four points would remain. ``outlier_sigma`` None, or points
    without a positive finite error (no noise to judge by): none.
    """
    if outlier_sigma is None or err is None:
        return []
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    e = np.asarray(err, float)
    if not np.all(np.isfinite(e) & (e > 0)) or not np.all(np.isfinite(y)):
        return []
    sign = 1.0 if np.nansum(y) >= 0 else -1.0
    order = np.argsort(t)
    alive = list(order)
    out: list[tuple[int, str]] = []
    while len(alive) > 4:
        idx = np.array(alive)
        ys, es = sign * y[idx], e[idx]
        # rise[a, b]: the later point b above the earlier point a beyond the noise
        diff = ys[None, :] - ys[:, None]
        noise = float(outlier_sigma) * np.sqrt(es[:, None] ** 2 + es[None, :] ** 2)
        later = np.triu(np.ones((idx.size, idx.size), bool), 1)
        rise = later & (diff > noise)
        below_later = rise.sum(axis=1)  # point lower than later points
        above_earlier = rise.sum(axis=0)  # point higher than earlier points
        score = np.maximum(below_later, above_earlier)
        worst = int(np.argmax(score))
        if score[worst] < 2:
            break
        i = int(idx[worst])
        if below_later[worst] >= above_earlier[worst]:
            what = f"below {int(below_later[worst])} later points"
        else:
            what = f"above {int(above_earlier[worst])} earlier points"
        out.append((i, f"not_a_decay({what} by > {float(outlier_sigma):g} sigma)"))
        alive.remove(i)
    return out


def describe_excluded(
    excluded: list[tuple[int, str]], increments, times, loop_counts=None
) -> str:
    """``increment 2 (list 0.000127 s, 8 echoes): reason; ...``."""
    parts = []
    for i, reason in excluded:
        where = f"list {float(times[i]):.4g} s"
        if loop_counts is not None and math.isfinite(float(loop_counts[i])):
            where += f", {int(loop_counts[i])} echoes"
        parts.append(f"increment {int(increments[i])} ({where}): {reason}")
    return "; ".join(parts)


def excess_scatter(t, y, err) -> tuple[float, int]:
    """Relative scatter beyond ``err`` of a decay, and the differences used.

    ``u = ln t``, ``v = ln |y|``; for every five neighbouring points (in order
    of ``t``) the fourth divided difference ``d = sum_j w_j v_j``,
    ``w_j = 1 / prod_{k != j} (u_j - u_k)``, vanishes for any cubic in
    ``u``. With an independent relative scatter ``s`` of each point,
    ``E[d^2] = sum_j w_j^2 (s^2 + (err_j / y_j)^2)``, so
    ``s^2 = (sum d^2 - sum w_j^2 (err_j / y_j)^2) / sum w_j^2`` (clipped at 0),
    times ``n / (n - 2)`` for the ``n`` differences: the variance of a Student-t
    with ``n`` degrees of freedom, so that errors built on ``s`` give fitted
    values whose z-scores spread by 1 (on nine simulated echoes: 1.05, against
    1.29 without the factor). NaN when fewer than seven points with positive
    finite errors, distinct positive times and values of one sign are given
    (fewer than :data:`MIN_DIFFERENCES` differences).
    """
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    if err is None:
        return math.nan, 0
    e = np.asarray(err, float)
    order = np.argsort(t)
    t, y, e = t[order], y[order], e[order]
    ok = (
        t.size >= DIFFERENCE_ORDER + MIN_DIFFERENCES
        and np.all(np.isfinite(t) & (t > 0))
        and np.all(np.diff(t) > 0)
        and np.all(np.isfinite(y) & (y != 0))
        and (np.all(y > 0) or np.all(y < 0))
        and np.all(np.isfinite(e) & (e > 0))
    )
    if not ok:
        return math.nan, 0
    u, v, rel = np.log(t), np.log(np.abs(y)), e / np.abs(y)
    num = den = 0.0
    n = 0
    for s in range(t.size - DIFFERENCE_ORDER):
        idx = np.arange(s, s + DIFFERENCE_ORDER + 1)
        w = np.array([1.0 / np.prod(u[j] - u[idx[idx != j]]) for j in idx])
        d = float(w @ v[idx])
        num += d * d - float((w**2) @ (rel[idx] ** 2))
        den += float(w @ w)
        n += 1
    # s^2 from n differences is uncertain: the Student-t factor n / (n - 2)
    # keeps the z-scores of the fitted values at unit spread
    return math.sqrt(max(num / den, 0.0) * n / (n - 2)), n
