"""Benchmark: fitting simulated inversion-recovery curves.

Fits N simulated curves (12 list times, 1 % noise, T1 log-uniform 10 ms to 2 s)
three ways in the same run and reports curves per second:

* baseline: a plain ``scipy.optimize.curve_fit`` loop (values and covariance
  errors only, nothing else);
* fast path: :func:`liprobe.relaxation.fit_curves_fast` (vectorised
  Levenberg-Marquardt, analytic Jacobian) reporting everything the pipeline
  reports (errors, AIC/BIC, reduced chi-square, flags);
* reference: the lmfit path (:func:`liprobe.relaxation.fit_curve`) on a subset.

The ratio fast / baseline is the figure of merit (target >= 0.5). The run also
prints the largest relative T1 difference between the fast path and lmfit.

    python benchmarks/bench_relaxation.py            # 10,000 curves
    python benchmarks/bench_relaxation.py --smoke    # a few hundred
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.optimize import curve_fit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow_scripts"))

from liprobe.options import defaults  # noqa: E402
from liprobe.relaxation import fit_curve, fit_curves_fast  # noqa: E402

#: the fit settings of a campaign that sets none (the schema defaults)
_OPTS = defaults().relaxation
FIT = {"scale_covar": _OPTS.scale_covar, "poor_fit_p": _OPTS.poor_fit_p_value}
from liprobe.relaxation.models import inversion_recovery  # noqa: E402


def _ir(t, I0, P, T1):
    return I0 + P * np.exp(-t / T1)


def simulate(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    t = np.geomspace(1e-3, 10.0, 12)
    taus = np.exp(rng.uniform(np.log(0.01), np.log(2.0), n))
    Y = np.array([inversion_recovery(t, 1.0, -1.95, tau, 1.0) for tau in taus])
    Y += rng.normal(0, 0.01, Y.shape)
    return t, Y, np.full_like(Y, 0.01), taus


def baseline(t, Y, E):
    out = np.empty(len(Y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, (y, e) in enumerate(zip(Y, E, strict=True)):
            p0 = (y[-1], y[0] - y[-1], float(np.median(t)))
            try:
                p, cov = curve_fit(_ir, t, y, p0=p0, sigma=e, maxfev=2000)
                out[i] = p[2]
            except RuntimeError:
                out[i] = np.nan
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="a few hundred curves")
    ap.add_argument("-n", type=int, default=None, help="number of curves")
    args = ap.parse_args(argv)
    n = args.n or (300 if args.smoke else 10_000)
    n_ref = min(n, 100 if args.smoke else 300)
    t, Y, E, taus = simulate(n)

    t0 = time.perf_counter()
    base = baseline(t, Y, E)
    t_base = time.perf_counter() - t0

    t0 = time.perf_counter()
    fast = fit_curves_fast(t, Y, E, "ir", **FIT)
    t_fast = time.perf_counter() - t0

    t0 = time.perf_counter()
    ref = [
        fit_curve(t, Y[i], E[i], "ir", **FIT, n_bootstrap=0, engine="lmfit")
        for i in range(n_ref)
    ]
    t_ref = time.perf_counter() - t0

    ref_t1 = np.array([r["time_constant_s"] for r in ref])
    dev = np.nanmax(np.abs(fast["time_constant_s"][:n_ref] / ref_t1 - 1))
    base_dev = np.nanmax(np.abs(base[:n_ref] / ref_t1 - 1))
    rate_base, rate_fast, rate_ref = n / t_base, n / t_fast, n_ref / t_ref
    print(f"curves: {n} (lmfit reference on {n_ref})")
    print(f"baseline curve_fit loop : {rate_base:10.0f} curves/s")
    print(f"fast path (full report) : {rate_fast:10.0f} curves/s")
    print(f"lmfit reference path    : {rate_ref:10.0f} curves/s")
    print(f"ratio fast / baseline   : {rate_fast / rate_base:10.2f} (target >= 0.5)")
    print(f"ratio lmfit / baseline  : {rate_ref / rate_base:10.2f}")
    print(f"max |T1 fast / T1 lmfit - 1| : {dev:.2e}")
    print(f"max |T1 curve_fit / T1 lmfit - 1| : {base_dev:.2e}")
    print(f"fits ok (fast): {int(fast['fit_ok'].sum())} / {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
