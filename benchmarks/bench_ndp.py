"""Benchmark: physical NDP depth profiles on the demo simulator over many seeds.

For every seed both demo cells are simulated (list-mode files, background and
10B reference), sliced along the cycling steps and reduced with the demo
config, exactly as the workflow does. Reported, pooled over seeds:

* slices holding Li whose profile exceeds Li metal density (and the bound,
  ``li_density_max_rel`` when the profiles carry it), the largest ratio;
* depth bins that sit on the bound (flagged, counted);
* stripes: each slice against the mean of its two neighbours in the same
  plating or stripping step: the z of its inventory (linear in time there, so
  sd ~1 when no slice stands out beyond its counting error) and the relative
  jump of its peak density (constant in truth: a pure Li deposit);
* inventory per slice against the truth (mean over the slice): bias in per cent
  and z-scores (mean, sd); Li per cm2 in the rests after each plating and
  stripping step ("step ends"), and the Li efficiency per cycle, as z-scores
  (amounts with the sensitivity's common error, the efficiency with the
  counting errors alone: the sensitivity cancels in it);
* the dead Li at the end of the last stripping: its areal content and, when
  a thickness is given, its density against the truth (half of Li metal);
* the deposit's extent in depth, the figure a stopping-power error moves (the
  inventory hardly depends on stopping): twice the Li-weighted mean depth at
  the assumed density (Li metal) of each slice holding more than 0.3 um of
  Li-metal equivalent, against the truth's Li-metal-equivalent thickness (a
  pure Li deposit is uniform in mass depth whatever its porosity), as a ratio.

The simulator transports with its own SRIM-2013 stopping
(:mod:`liprobe.simulate.stopping`) and the reduction uses CATIMA, so the
figures include the effect of a realistic stopping difference.

    python benchmarks/bench_ndp.py --seeds 10      # the table in README
    python benchmarks/bench_ndp.py --smoke         # one seed, one cell
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow_scripts"))

from liprobe.io.listmode import open_listmode  # noqa: E402
from liprobe.ndp import concentration as conc  # noqa: E402
from liprobe.ndp.events import (  # noqa: E402
    accumulate_files,
    make_slices,
    robust_time_span,
)
from liprobe.ndp.response import stack_from_config  # noqa: E402
from liprobe.options import defaults  # noqa: E402
from liprobe.simulate.cells import (  # noqa: E402
    LI_METAL_PER_CM3,
    demo_cells,
    schedule,
    true_inventory,
)
from liprobe.simulate.ndp import write_demo_ndp  # noqa: E402


def _events(cfg) -> dict:
    """The event options of the stage (as the ndp_events rule passes them)."""
    return {
        "n_channels": int(cfg.n_channels),
        "disorder_tolerance_s": float(cfg.disorder_tolerance_s),
        "dead_time_per_event_s": float(cfg.dead_time_per_event_s),
        "max_time_jump_s": float(cfg.max_time_jump_s),
        "max_disorder_fraction": float(cfg.max_disorder_fraction),
        "max_histogram_bytes": int(cfg.max_histogram_bytes),
        "calibrated_channel_keV": float(cfg.calibrated_channel_keV),
    }


def _whole_file(path: str, cfg) -> tuple[np.ndarray, float]:
    reader = open_listmode(path, chunk_events=int(cfg.chunk_events))
    _, t_hi, _ = robust_time_span(
        reader,
        disorder_tolerance_s=float(cfg.disorder_tolerance_s),
        max_time_jump_s=float(cfg.max_time_jump_s),
    )
    origin = pd.Timestamp(0, tz="UTC")
    one = make_slices(origin, origin + pd.Timedelta(seconds=t_hi + 1), t_hi + 2)
    acc = accumulate_files([reader], one, origin, **_events(cfg))
    return acc["hist"][0], float(acc["slices"]["live_s"].sum())


def reduce_demo_run(row: pd.Series, block: dict, cell) -> dict:
    """Slice, reduce and integrate one demo run (as the workflow's rules do)."""
    cfg = defaults(ndp=block).ndp
    start = pd.Timestamp(row["listmode_start_utc"])
    sched = schedule(cell)
    end = sched["t_end_utc"].iloc[-1]
    bounds = [*sched["t_start_utc"], end]
    slices = make_slices(start, end, float(row["slice_s"]), bounds)
    reader = open_listmode(row["listmode"], chunk_events=int(cfg.chunk_events))
    ev = accumulate_files([reader], slices, start, **_events(cfg))
    bg = _whole_file(row["background"], cfg)
    layers = stack_from_config(row["stack"], cfg.stacks)
    norm = cfg.normalisation
    kw = {}
    if norm.method == "reference":
        h, live = _whole_file(row["reference"], cfg)
        nz = np.flatnonzero(h)
        ref = pd.DataFrame({"channel": nz, "counts": h[nz], "live_s": live})
        k, k_err = conc.reference_sensitivity(ev["hist"].sum(axis=0), ref, layers, cfg)
        kw["sensitivity"] = k
        if "sensitivity_err" in conc.reduce_run.__code__.co_varnames:
            kw["sensitivity_err"] = k_err
    extra = {}
    if "deposit_thickness_um" in conc.reduce_run.__code__.co_varnames:
        extra["deposit_thickness_um"] = None
    red = conc.reduce_run(
        ev["hist"],
        ev["slices"],
        layers,
        cfg,
        li6_fraction=float(row["li6_fraction"]),
        area_cm2=float(row["area_cm2"]),
        background=bg,
        **kw,
        **extra,
    )
    prof = red["profiles"]
    prof.insert(0, "run", row["run"])
    k_used = kw.get("sensitivity") or conc.sensitivity_configured(
        norm, float(row["area_cm2"])
    )
    return {
        "profiles": prof,
        "inventory": conc.inventory(prof),
        "red": red,
        "sensitivity": k_used,
    }


def slice_truth(cell, inv: pd.DataFrame) -> np.ndarray:
    """True Li per cm2 averaged over each slice (the simulator's 60 s steps)."""
    out = np.empty(len(inv))
    for i, (a, b) in enumerate(zip(inv["t_start_utc"], inv["t_end_utc"], strict=True)):
        n = max(int(round((b - a).total_seconds() / 60.0)), 1)
        t = a + (b - a) * ((np.arange(n) + 0.5) / n)
        out[i] = true_inventory(cell, pd.DatetimeIndex(t))["li_total_per_cm2"].mean()
    return out


def _counting(inv: pd.DataFrame) -> np.ndarray:
    col = "li_per_cm2_err_counting"
    return inv[col if col in inv else "li_per_cm2_err"].to_numpy()


def _k_rel(inv: pd.DataFrame) -> float:
    if "sensitivity_rel_err" not in inv:
        return 0.0
    k = float(inv["sensitivity_rel_err"].iloc[0])
    return k if np.isfinite(k) else 0.0


def _weighted(values: np.ndarray, errs: np.ndarray) -> tuple[float, float]:
    w = 1.0 / errs**2
    return float((values * w).sum() / w.sum()), float(1.0 / np.sqrt(w.sum()))


def run_metrics(cell, out: dict, k_true: float) -> dict:
    prof, inv = out["profiles"], out["inventory"]
    sched = schedule(cell)
    truth = slice_truth(cell, inv)
    has_li = truth > 1e15
    inv = inv.assign(truth=truth)
    # profile peak against Li metal and the bound
    peak = prof.groupby("slice")["li_density_rel"].max().to_numpy()
    bound = (
        prof.groupby("slice")["li_density_max_rel"].first().to_numpy()
        if "li_density_max_rel" in prof
        else np.full(peak.size, np.inf)
    )
    at_bound = (
        prof.groupby("slice")["at_bound"].sum().to_numpy()
        if "at_bound" in prof
        else np.zeros(peak.size)
    )
    # step ends: slices inside the rest after each plating / stripping
    rests = sched[sched["step"] == "rest"].reset_index(drop=True)
    step_rows = []
    for _, r in rests.iterrows():
        sel = inv[
            (inv["t_start_utc"] >= r["t_start_utc"])
            & (inv["t_end_utc"] <= r["t_end_utc"])
        ]
        if sel.empty:
            continue
        # counting errors are independent between slices; the sensitivity's
        # relative error is common to them (added after averaging) and
        # cancels in the Li efficiency
        val, err_c = _weighted(sel["li_per_cm2"].to_numpy(), _counting(sel))
        k_rel = _k_rel(sel)
        err = float(np.hypot(err_c, val * k_rel))
        tr = float(sel["truth"].mean())
        step_rows.append((int(r["cycle"]), val, err, tr, err_c))
    # stripes: each slice against the mean of its neighbours in the same step:
    # its inventory (linear in time within a constant-current step, so the
    # second difference is zero in truth) as z with the counting errors, and
    # its peak density (constant in truth: pure Li while Li is present)
    stripes, peak_jumps = [], []
    peaks = prof.groupby("slice")["li_density_rel"].max()
    e_c = inv["li_per_cm2_err_counting"] if "li_per_cm2_err_counting" in inv else None
    if e_c is None:
        e_c = inv["li_per_cm2_err"]
    n_by, e_by = inv.set_index("slice")["li_per_cm2"], e_c.set_axis(inv["slice"])
    for _, r in sched[sched["step"] != "rest"].iterrows():
        ids = inv.loc[
            (inv["t_start_utc"] >= r["t_start_utc"])
            & (inv["t_end_utc"] <= r["t_end_utc"]),
            "slice",
        ].to_numpy()
        for a, b, c in zip(ids[:-2], ids[1:-1], ids[2:], strict=True):
            d = n_by[b] - 0.5 * (n_by[a] + n_by[c])
            s = np.sqrt(e_by[b] ** 2 + 0.25 * (e_by[a] ** 2 + e_by[c] ** 2))
            stripes.append(d / s)
            pk = peaks[[a, b, c]].to_numpy()
            if pk.min() > 0.05:
                peak_jumps.append((pk[1] - 0.5 * (pk[0] + pk[2])) / pk[1])
    # Li efficiency per cycle from the rests (plate end, strip end, start)
    eff = []
    prev = (0.0, 0.0)  # before the first plating: no Li
    pre = inv[inv["t_end_utc"] <= sched["t_start_utc"].iloc[0]]
    if not pre.empty:
        prev = _weighted(pre["li_per_cm2"].to_numpy(), _counting(pre))
    for c in range(1, cell.n_cycles + 1):
        rows = [s for s in step_rows if s[0] == c]
        if len(rows) < 2:
            continue
        (_, n_p, _, _, e_p), (_, n_s, _, _, e_s) = rows[0], rows[1]
        n0, e0 = prev
        den = n_p - n0
        eta = (n_p - n_s) / den
        d_np = (1.0 / den) - (n_p - n_s) / den**2
        d_ns = -1.0 / den
        d_n0 = (n_p - n_s) / den**2
        var = (d_np * e_p) ** 2 + (d_ns * e_s) ** 2 + (d_n0 * e0) ** 2
        eff.append((eta - cell.li_efficiency) / np.sqrt(var))
        prev = (n_s, e_s)
    # deposit extent: 2 x Li-weighted mean depth at the assumed density
    depth_col = "depth_um_assumed" if "depth_um_assumed" in prof else "depth_um"
    amount_col = "li_per_cm2" if "li_per_cm2" in prof else "li_per_cm3"
    w = prof[amount_col].clip(lower=0.0)
    moment = (prof[depth_col] * w).groupby(prof["slice"]).sum()
    extent = 2.0 * moment / w.groupby(prof["slice"]).sum()
    dense_true = inv.set_index("slice")["truth"] / LI_METAL_PER_CM3 * 1e4
    thick = dense_true > 0.3
    extent_ratio = (extent[thick.index[thick]] / dense_true[thick]).to_numpy()
    z_inv = (inv["li_per_cm2"] - inv["truth"]) / inv["li_per_cm2_err"]
    # counting errors alone: the sensitivity's own deviation divided out
    f = out["sensitivity"] / k_true
    e_c = inv.get("li_per_cm2_err_counting", inv["li_per_cm2_err"])
    z_count = (inv["li_per_cm2"] * f - inv["truth"]) / (e_c * f)
    bias = (inv["li_per_cm2"] - inv["truth"])[has_li] / inv["truth"][has_li]
    return {
        "n_slices_li": int(has_li.sum()),
        "n_above_metal": int((peak[has_li] > 1.0 + 1e-6).sum()),
        "n_above_bound": int((peak[has_li] > bound[has_li] * (1 + 1e-9)).sum()),
        "peak_max": float(np.nanmax(peak[has_li])),
        "n_bins_at_bound": int(at_bound.sum()),
        "stripes_z": stripes,
        "peak_jumps": peak_jumps,
        "inv_bias": bias.tolist(),
        "inv_z": z_inv[has_li].tolist(),
        "inv_z_counting": z_count[has_li].tolist(),
        "k_dev": [f - 1.0],
        "step_z": [(v - t) / e for _, v, e, t, _ in step_rows if t > 1e15],
        "eff_z": eff,
        "lambda_rel_median": _lambda_spread(prof),
        "extent_ratio": extent_ratio.tolist(),
    }


def _lambda_spread(prof: pd.DataFrame) -> float:
    lam = prof.groupby("slice")["lambda"].first().to_numpy()
    lam = lam[np.isfinite(lam) & (lam > 0)]
    if lam.size == 0:
        return float("nan")
    return float(np.mean(lam < 0.3 * np.median(lam)))


def dead_li(cell, out: dict) -> dict:
    """Areal content (and density, given the thickness) of the final dead Li."""
    inv = out["inventory"]
    sched = schedule(cell)
    last = sched.iloc[-1]
    sel = inv[
        (inv["t_start_utc"] >= last["t_start_utc"])
        & (inv["t_end_utc"] <= last["t_end_utc"])
    ]
    val, err_c = _weighted(sel["li_per_cm2"].to_numpy(), _counting(sel))
    err = float(np.hypot(err_c, val * _k_rel(sel)))
    truth = true_inventory(cell, [last["t_end_utc"]])["li_total_per_cm2"].iloc[0]
    prof = out["profiles"]
    rel = prof[prof["slice"].isin(sel["slice"])].groupby("depth_um")["li_density_rel"]
    return {
        "z": (val - truth) / err,
        "ratio": val / truth,
        "peak_density_rel": float(rel.mean().max()),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args(argv)
    seeds = range(args.first_seed, args.first_seed + (1 if args.smoke else args.seeds))
    cells = ["bare_Cu"] if args.smoke else None
    agg: dict[str, list] = {}
    counts = {k: 0 for k in ("n_slices_li", "n_above_metal", "n_above_bound")}
    n_bins_at_bound, peak_max, lam_frac, dead = 0, 0.0, [], []
    t0 = time.perf_counter()
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            res = write_demo_ndp(tmp, seed=seed, with_cycler=False, cells=cells)
            for _, row in res["sheet"].iterrows():
                cell = next(c for c in demo_cells() if c.name == row["cell"])
                out = reduce_demo_run(row, res["config"], cell)
                k_true = res["truth"]["cells"][row["cell"]][
                    "counts_per_s_per_li6_per_cm2"
                ]
                m = run_metrics(cell, out, k_true)
                for k in counts:
                    counts[k] += m[k]
                n_bins_at_bound += m["n_bins_at_bound"]
                peak_max = max(peak_max, m["peak_max"])
                lam_frac.append(m["lambda_rel_median"])
                for k in (
                    "stripes_z",
                    "peak_jumps",
                    "inv_bias",
                    "inv_z",
                    "inv_z_counting",
                    "k_dev",
                    "step_z",
                    "eff_z",
                    "extent_ratio",
                ):
                    agg.setdefault(k, []).extend(m[k])
                if row["cell"] == "bare_Cu":
                    dead.append(dead_li(cell, out))
        print(f"seed {seed} done ({time.perf_counter() - t0:.0f} s)", flush=True)

    def sd(k):
        v = np.asarray(agg.get(k, []), float)
        v = v[np.isfinite(v)]
        return v.size, float(np.mean(v)) if v.size else np.nan, float(np.std(v))

    n = counts["n_slices_li"]
    print(f"seeds                        : {len(list(seeds))}")
    print(f"slices holding Li            : {n}")
    print(
        f"slices above Li metal        : {counts['n_above_metal']} "
        f"({100 * counts['n_above_metal'] / max(n, 1):.1f} %), max {peak_max:.2f}x"
    )
    print(f"slices above the bound       : {counts['n_above_bound']}")
    print(f"depth bins on the bound      : {n_bins_at_bound}")
    print(
        f"slices with lambda < 0.3 median: {100 * np.nanmean(lam_frac):.1f} % "
        "(per-run mean)"
    )
    b = np.asarray(agg["inv_bias"])
    print(
        f"inventory bias               : {100 * b.mean():+.2f} % "
        f"(+- {100 * b.std() / np.sqrt(b.size):.2f})"
    )
    kd = np.asarray(agg["k_dev"])
    print(
        f"sensitivity K / true - 1       : mean {100 * kd.mean():+.2f} %, "
        f"sd {100 * kd.std():.2f} % (n {kd.size})"
    )
    for key, label in (
        ("inv_z", "z inventory per slice"),
        ("inv_z_counting", "z inventory, counting (K true)"),
        ("step_z", "z Li/cm2 at step ends"),
        ("eff_z", "z Li efficiency"),
        ("stripes_z", "z stripes (inventory)"),
    ):
        k, mean, s = sd(key)
        print(f"{label:29s}: n {k}, mean {mean:+.2f}, sd {s:.2f}")
    k, mean, s = sd("extent_ratio")
    print(
        f"deposit extent / true - 1    : n {k}, mean {100 * (mean - 1):+.2f} %, "
        f"sd {100 * s:.2f} %"
    )
    k, mean, s = sd("peak_jumps")
    print(f"stripes (peak density)       : n {k}, sd {100 * s:.1f} % of the peak")
    if dead:
        z = np.array([d["z"] for d in dead])
        r = np.array([d["ratio"] for d in dead])
        p = np.array([d["peak_density_rel"] for d in dead])
        print(
            f"dead Li (bare Cu, final)     : measured/true {r.mean():.3f}, "
            f"z mean {z.mean():+.2f}, peak density {p.mean():.2f} (true 0.50)"
        )
    print(f"time                         : {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
