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
"""

from __future__ import annotations

import math

import numpy as np

PARITY_CHOICES = ("even", "odd", "all")


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
