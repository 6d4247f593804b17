"""Coverage of the reported 1-sigma errors over many simulated campaigns.

Simulates the demo campaign (:func:`liprobe.simulate.demo.build_demo`) with
``--seeds`` different seeds, runs the workflow on each from the raw files up to
the table rules (no figures) and compares every headline number with the truth
it was simulated from as a z-value, z = (value - truth) / value_err. Per
quantity it prints n, mean z, sd(z), the fraction of |z| <= 1, max |z| and
PASS or FAIL against the band an honest estimator reaches 99 % of the time:

* one value per seed (n values): the fraction within 1 sigma inside the
  central 99 % of Binomial(n, 0.6827) (11-23 of 25) and sd(z) inside the
  central 99 % of a sample sd of n normal values (0.64-1.38 for n = 25);
* several values per seed pooled over >= 200 z-values: 63-73 % within 1 sigma
  and sd(z) 0.9-1.1 (with fewer pooled values the n-based band above applies);
* no |z| > 4, and every expected value present: a missing value or one without
  a finite error counts as a failure (``missing``);
* fits flagged not ok (``fit_ok`` false, e.g. ``poor_fit``) that still report a
  value and a finite error count in the z statistics like every other value
  (their errors are the ones a reader gets) and in ``flagged``; the flagged
  count must stay inside the central 99 % of Binomial(n, p) with p the
  configured poor-fit p-value (``expected_flagged`` = n p): an honest
  chi-square test flags n p fits of n on average.

Quantities: T1 per experiment (pooled, and per experiment); BPP Ea and tau0 of
both models (``bpp``, ``bpp_beta2``); EXSY D per temperature and Ea(D) of the
diffusion-limited sample; Ea(k_AB) of every EXSY sample whose truth holds one;
NDP Li per cm2 at step ends (the last slice before the end, against the true
inventory averaged over that slice) and the Li efficiency per cycle.

Usage::

    .venv/bin/python benchmarks/bench_coverage.py                 # 25 seeds, all
    .venv/bin/python benchmarks/bench_coverage.py --seeds 10 --parts nmr,exsy
    .venv/bin/python benchmarks/bench_coverage.py --smoke         # 2 seeds, NMR
    .venv/bin/python benchmarks/bench_coverage.py --out cov.csv   # also z-values

The workflow files are copied into the run folder first, so edits made while
the benchmark runs do not change what it measures.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow_scripts"))
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
WORKFLOW_PARTS = ("Snakefile", "rules", "workflow_scripts", "config", "envs")
PARTS = ("nmr", "exsy", "ndp")
TARGETS = {
    "nmr": [
        "results/tables/relaxation_fits.parquet",
        "results/tables/relaxation_arrhenius.parquet",
    ],
    "exsy": [
        "results/tables/exsy_fits.parquet",
        "results/tables/exsy_arrhenius.parquet",
    ],
    "ndp": [
        "results/tables/li_inventory.parquet",
        "results/tables/efficiency.parquet",
    ],
}
P_WITHIN = math.erf(1 / math.sqrt(2))  # 0.6827
POOLED_MIN_N = 200
POOLED_BAND = {"within": (0.63, 0.73), "sd": (0.9, 1.1)}
MAX_ABS_Z = 4.0
# compared with a related truth only: listed, never PASS or FAIL
INFO_K_AB = "Ea(k_AB) diffusion-limited vs Ea(D)"
INFO_QUANTITIES = {INFO_K_AB}
SUMMARY_COLUMNS = [
    "quantity",
    "kind",
    "n",
    "missing",
    "mean_z",
    "sd_z",
    "within_1sigma",
    "max_abs_z",
    "flagged",
    "expected_flagged",
    "band_flagged",
    "band_within",
    "band_sd",
    "result",
]


def snapshot_workflow(folder: Path) -> Path:
    """Copy the workflow's files into ``folder``; return its Snakefile."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in WORKFLOW_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, folder / part, ignore=ignore)
        elif source.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / part)
    return folder / "Snakefile"


def print_summary(summary: pd.DataFrame) -> None:
    """The summary table and its PASS/FAIL counts (a JSON line)."""
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(summary.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(
        json.dumps(
            {
                "pass": int((summary["result"] == "PASS").sum()),
                "fail": int((summary["result"] == "FAIL").sum()),
            }
        )
    )


def run_seed(snakefile: Path, folder: Path, seed: int, parts, cores: int) -> dict:
    """Simulate one campaign into ``folder``, reduce it; return its truth."""
    from liprobe.simulate.demo import build_demo

    folder.mkdir(parents=True, exist_ok=True)
    truth = build_demo(folder / "demo", parts=parts, seed=seed, workdir=folder)
    shutil.copy2(snakefile.parent / "config" / "config.yaml", folder / "config.yaml")
    targets = [t for part in parts for t in TARGETS[part]]
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(snakefile),
        "--configfile",
        "config.yaml",
        "--cores",
        str(cores),
        *targets,
    ]
    log = folder / "run.log"
    with log.open("w") as handle:
        result = subprocess.run(
            command, cwd=folder, stdout=handle, stderr=subprocess.STDOUT
        )
    if result.returncode != 0:
        raise RuntimeError(f"snakemake failed (see {log}):\n{log.read_text()[-3000:]}")
    return truth


def _z(
    rows: list[dict], quantity: str, item: str, value, err, true, flagged=False
) -> None:
    value, err = float(value), float(err)
    ok = np.isfinite(value) and np.isfinite(err) and err > 0
    rows.append(
        {
            "quantity": quantity,
            "item": item,
            "value": value,
            "err": err,
            "truth": float(true),
            "z": (value - true) / err if ok else math.nan,
            "flagged": bool(flagged),
        }
    )


def _missing(rows: list[dict], quantity: str, item: str, true) -> None:
    _z(rows, quantity, item, math.nan, math.nan, true)


def _flagged(row) -> bool:
    """A table row that is not ``fit_ok`` (when the table says)."""
    return "fit_ok" in row.index and not bool(row["fit_ok"])


def nmr_z(tables: Path, truth: dict) -> list[dict]:
    """z-values of T1 per experiment and of both BPP fits' Ea and tau0."""
    rows: list[dict] = []
    fits = pd.read_parquet(tables / "relaxation_fits.parquet")
    fits = fits[fits["quantity"] == "integral"]
    if "selected" in fits.columns:
        fits = fits[fits["selected"].astype(bool)]
    for item in truth["experiments"]:
        sel = fits[fits["experiment"] == item["experiment"]]
        for q in ("T1", f"T1 {item['experiment']}"):
            if len(sel) == 1:
                r = sel.iloc[0]
                _z(
                    rows,
                    q,
                    item["experiment"],
                    r["time_constant_s"],
                    r["time_constant_s_err"],
                    item["T1_s"],
                    _flagged(r),
                )
            else:
                _missing(rows, q, item["experiment"], item["T1_s"])
    arr = pd.read_parquet(tables / "relaxation_arrhenius.parquet")
    arr = arr[arr["quantity"] == "integral"]
    satrec = truth["satrec"]
    for model in ("bpp", "bpp_beta2"):
        sel = arr[arr["model"] == model]
        for name, column in (("Ea", "Ea_eV"), ("tau0", "tau0_s")):
            q = f"{name} {model}"
            if len(sel) == 1:
                r = sel.iloc[0]
                _z(
                    rows,
                    q,
                    model,
                    r[column],
                    r[column + "_err"],
                    satrec[column],
                    _flagged(r),
                )
            else:
                _missing(rows, q, model, satrec[column])
    return rows


def exsy_z(tables: Path, truth: dict) -> list[dict]:
    """z-values of EXSY D per temperature, Ea(D) and Ea(k_AB).

    The diffusion-limited sample's Ea(k_AB) is compared with Ea(D) (a rate
    fitted to exchange through spheres scales with D / r^2); a sample that the
    truth describes as two-site exchange (``truth["two_site"]``) is compared
    with its own k_AB and Ea(k_AB).
    """
    rows: list[dict] = []
    fits = pd.read_parquet(tables / "exsy_fits.parquet")
    arr = pd.read_parquet(tables / "exsy_arrhenius.parquet")

    def ea(sample: str, quantity: str, label: str, true: float, need=True) -> None:
        sel = arr[(arr["sample"] == sample) & (arr["quantity"] == quantity)]
        if not need and "fit_ok" in sel.columns:  # listed only when fitted
            sel = sel[sel["fit_ok"].astype(bool)]
        if len(sel) == 0 and not need:
            return
        if len(sel) == 1:
            _z(
                rows,
                label,
                sample,
                sel.iloc[0]["Ea_eV"],
                sel.iloc[0]["Ea_eV_err"],
                true,
                _flagged(sel.iloc[0]),
            )
        else:
            _missing(rows, label, sample, true)

    diff = fits[fits["model"] == "diffusion_sphere"]
    for series, item in truth["series"].items():
        sel = diff[diff["series"] == series]
        if len(sel) == 1:
            _z(
                rows,
                "D per T",
                series,
                sel.iloc[0]["D_m2_per_s"],
                sel.iloc[0]["D_m2_per_s_err"],
                item["D_m2_per_s"],
                _flagged(sel.iloc[0]),
            )
        else:
            _missing(rows, "D per T", series, item["D_m2_per_s"])
    ea(truth["sample"], "D", "Ea(D)", truth["Ea_eV"])
    # reported only while the reduction gives a k_AB for diffusion-limited data
    ea(truth["sample"], "k_AB", INFO_K_AB, truth["Ea_eV"], need=False)
    two = truth.get("two_site")
    if two:
        site = fits[fits["model"] == "two_site"]
        for series, item in two["series"].items():
            sel = site[site["series"] == series]
            for name in ("k_AB", "k_BA"):
                q = f"{name} per T two-site"
                true = item[f"{name}_per_s"]
                if len(sel) == 1:
                    r = sel.iloc[0]
                    _z(
                        rows,
                        q,
                        series,
                        r[f"{name}_per_s"],
                        r[f"{name}_per_s_err"],
                        true,
                        _flagged(r),
                    )
                else:
                    _missing(rows, q, series, true)
        ea(two["sample"], "k_AB", "Ea(k_AB) two-site", two["Ea_k_AB_eV"])
    return rows


def ndp_z(tables: Path, truth: dict) -> list[dict]:
    """z-values of Li per cm2 at step ends and of the Li efficiency per cycle."""
    from liprobe.simulate.cells import demo_cells, true_inventory

    rows: list[dict] = []
    inv = pd.read_parquet(tables / "li_inventory.parquet")
    if "method" in inv.columns:
        inv = inv[inv["method"] == "ndp"]
    eff = pd.read_parquet(tables / "efficiency.parquet")
    if "method" in eff.columns:
        eff = eff[eff["method"] == "ndp"]
    cells = {cell.name: cell for cell in demo_cells()}
    for name, item in truth["cells"].items():
        cell = cells[name]
        run = inv[inv["run"] == item["run"]]
        for end in item["step_ends"]:
            t_end = pd.Timestamp(end["t_end_utc"])
            label = f"{item['run']} cycle {end['cycle']} {end['step']}"
            before = run[run["t_end_utc"] <= t_end].sort_values("t_end_utc")
            if before.empty:
                _missing(
                    rows, "Li per cm2 at step ends", label, end["li_total_per_cm2"]
                )
                continue
            r = before.iloc[-1]
            # the slice counts the inventory's mean over its duration
            times = pd.date_range(r["t_start_utc"], r["t_end_utc"], periods=121)
            true = float(true_inventory(cell, times)["li_total_per_cm2"].mean())
            _z(
                rows,
                "Li per cm2 at step ends",
                label,
                r["li_per_cm2"],
                r["li_per_cm2_err"],
                true,
            )
        cyc = eff[eff["run"] == item["run"]]
        for _, row in cyc[cyc["cycle"] >= 1].iterrows():
            _z(
                rows,
                "Li efficiency",
                f"{item['run']} cycle {row['cycle']}",
                row["li_efficiency"],
                row["li_efficiency_err"],
                item["li_efficiency"],
            )
    return rows


def bands(n: int, pooled: bool) -> dict[str, tuple[float, float]]:
    """The 99 % bands of an honest estimator for ``n`` z-values."""
    if pooled and n >= POOLED_MIN_N:
        return POOLED_BAND
    lo, hi = stats.binom.interval(0.99, n, P_WITHIN)
    c_lo, c_hi = stats.chi2.interval(0.99, n - 1)
    return {
        "within": (lo / n, hi / n),
        "sd": (math.sqrt(c_lo / (n - 1)), math.sqrt(c_hi / (n - 1))),
    }


def poor_fit_p(quantity: str) -> float:
    """The configured poor-fit p-value of the fits behind ``quantity``."""
    sys.path.insert(0, str(REPO / "workflow_scripts"))
    from liprobe.options import defaults

    nmr = quantity.startswith(("T1", "Ea bpp", "tau0 bpp"))
    opts = defaults().relaxation if nmr else defaults().exsy
    return float(opts.poor_fit_p_value)


def flagged_band(n: int, p: float) -> tuple[int, int]:
    """Central 99 % of the number of flagged fits among ``n`` at rate ``p``."""
    lo, hi = stats.binom.interval(0.99, n, p)
    return int(lo), int(hi)


def summarise(z: pd.DataFrame) -> pd.DataFrame:
    """One row per quantity: n, mean and sd of z, coverage, max |z|, flagged
    fits against their expected number, result."""
    out = []
    if "flagged" not in z.columns:
        z = z.assign(flagged=False)
    for quantity, g in z.groupby("quantity", sort=False):
        n_seeds = g["seed"].nunique()
        pooled = len(g) > n_seeds
        good = g["z"].dropna().to_numpy()
        n, missing = len(good), int(g["z"].isna().sum())
        flagged = int((g["flagged"].astype(bool) & g["z"].notna()).sum())
        p = poor_fit_p(quantity)
        flag_band = flagged_band(n, p)
        row = {"quantity": quantity, "kind": "pooled" if pooled else "per seed"}
        row.update(
            n=n,
            missing=missing,
            flagged=flagged,
            expected_flagged=n * p,
            band_flagged="{}-{}".format(*flag_band),
        )
        if n < 2:
            row.update(mean_z=math.nan, sd_z=math.nan, within_1sigma=math.nan)
            result = "info" if quantity in INFO_QUANTITIES else "FAIL"
            row.update(max_abs_z=math.nan, band_within="", band_sd="", result=result)
            out.append(row)
            continue
        band = bands(n, pooled)
        within = float(np.mean(np.abs(good) <= 1.0))
        sd = float(np.std(good, ddof=1))
        max_abs = float(np.max(np.abs(good)))
        passed = (
            band["within"][0] <= within <= band["within"][1]
            and band["sd"][0] <= sd <= band["sd"][1]
            and max_abs <= MAX_ABS_Z
            and missing == 0
            and flag_band[0] <= flagged <= flag_band[1]
        )
        row.update(
            mean_z=float(np.mean(good)),
            sd_z=sd,
            within_1sigma=within,
            max_abs_z=max_abs,
            band_within="{:.2f}-{:.2f}".format(*band["within"]),
            band_sd="{:.2f}-{:.2f}".format(*band["sd"]),
            result="info"
            if quantity in INFO_QUANTITIES
            else ("PASS" if passed else "FAIL"),
        )
        out.append(row)
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=25)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--smoke", action="store_true", help="2 seeds, NMR only")
    parser.add_argument("--out", help="write the z-values to this CSV")
    parser.add_argument("--summary", help="write the summary table to this CSV")
    parser.add_argument("--keep", help="run in this folder and keep it")
    args = parser.parse_args(argv)
    parts = tuple(p for p in args.parts.split(",") if p)
    if args.smoke:
        args.seeds, parts = 2, ("nmr",)
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from {PARTS}")
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cov-"))
    root.mkdir(parents=True, exist_ok=True)
    snakefile = snapshot_workflow(root / "workflow")
    collect = {"nmr": nmr_z, "exsy": exsy_z, "ndp": ndp_z}
    truth_key = {"nmr": "slr", "exsy": "exsy", "ndp": "ndp"}
    rows: list[dict] = []
    failed: list[int] = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        start = time.perf_counter()
        folder = root / f"seed{seed}"
        try:
            truth = run_seed(snakefile, folder, seed, parts, args.cores)
        except RuntimeError as exc:
            print(f"seed {seed}: {exc}", flush=True)
            failed.append(seed)
            continue
        tables = folder / "results" / "tables"
        for part in parts:
            for row in collect[part](tables, truth[truth_key[part]]):
                rows.append({"seed": seed, **row})
        if not args.keep:
            shutil.rmtree(folder)
        print(f"seed {seed}: {time.perf_counter() - start:.0f} s", flush=True)
    if not args.keep:
        shutil.rmtree(root)
    z = pd.DataFrame(rows, columns=["seed", "quantity", "item", "value", "err"])
    if rows:
        z = pd.DataFrame(rows)
    if args.out:
        z.to_csv(args.out, index=False)
    summary = summarise(z) if rows else pd.DataFrame(columns=SUMMARY_COLUMNS)
    if args.summary:
        summary.to_csv(args.summary, index=False)
    done = args.seeds - len(failed)
    print(
        f"\ncoverage over {done} seeds ({args.first_seed}..), parts {','.join(parts)}"
    )
    if failed:
        print(f"workflow failed for seeds {failed}")
    print_summary(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
