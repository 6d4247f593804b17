"""Coverage of the EXSY errors over many seeds, reduced in one process.

The EXSY part of ``bench_coverage.py`` without Snakemake: each seed simulates
both demo EXSY samples exactly as :func:`liprobe.simulate.demo.build_demo` does
for that seed (the diffusion-limited sample with seed + 1, the two-site sample
with seed + 3), reduces them with the library functions the ``exsy_volumes``,
``exsy_fits`` and ``exsy_arrhenius`` steps call, with the schema's default
options, and scores them with ``bench_coverage``'s z-values and bands. About
15 s per seed on one core, so that 50-100 seeds show the tails.

``--independent`` also fits every series without the noise correlation of the
four volumes of a spectrum (independent weights) and reports those z-values
with the suffix ``(independent weights)``.

Usage::

    .venv/bin/python benchmarks/bench_exsy_coverage.py --seeds 60
    .venv/bin/python benchmarks/bench_exsy_coverage.py --seeds 20 --independent
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage import (  # noqa: E402
    SUMMARY_COLUMNS,
    exsy_z,
    print_summary,
    summarise,
)

from liprobe.exsy.arrhenius import add_exchange_current, arrhenius_table  # noqa: E402
from liprobe.exsy.series import (  # noqa: E402
    experiment_volumes,
    fit_series,
    pool_series_noise,
)
from liprobe.exsy.volumes import site_regions  # noqa: E402
from liprobe.nmr.acquisition import read_experiment  # noqa: E402
from liprobe.options import defaults  # noqa: E402
from liprobe.simulate.exsy import write_demo_exsy, write_demo_exsy_two_site  # noqa: E402

INDEPENDENT = " (independent weights)"


def pooled_volumes(rows: list[dict], regions: pd.DataFrame) -> pd.DataFrame:
    """The exsy_volumes table of simulated experiments (their nmr sheet rows)
    as the workflow's ``exsy_volumes`` step makes it: box volumes per
    experiment, receiver noise pooled per series."""
    opts, nmr = defaults().exsy, defaults().nmr
    frames = []
    for r in rows:
        fid = read_experiment(
            r["path"],
            1,
            {},
            mixing_delay_index=opts.mixing_delay_index,
            plausible_temperature_K=nmr.plausible_temperature_K,
        )
        frame, _ = experiment_volumes(
            fid,
            site_regions(regions, r["sample"]),
            experiment=r["experiment"],
            sample=r["sample"],
            series=r["series"],
            phase_mode=opts.phase,
            delay_index=opts.mixing_delay_index,
            baseline=opts.baseline,
            margin_fraction=opts.noise_margin_fraction,
            reference=None,
        )
        frames.append(frame)
    return pd.concat(
        [
            pool_series_noise(g, baseline=opts.baseline, p_value=opts.poor_fit_p_value)
            for _, g in pd.concat(frames, ignore_index=True).groupby(
                "series", sort=False
            )
        ],
        ignore_index=True,
    )


def reduce_campaign(folder: Path, seed: int, independent: bool) -> tuple[dict, dict]:
    """Simulate and reduce one seed's EXSY campaign; return the tables of each
    fit variant (``{"": (fits, arrhenius), ...}``) and the truth."""
    opts = defaults().exsy
    demo = write_demo_exsy(folder, seed=seed + 1)
    two = write_demo_exsy_two_site(folder, seed=seed + 3)
    rows = demo["nmr"] + two["nmr"]
    regions = pd.DataFrame(demo["regions"] + two["regions"])
    volumes = pooled_volumes(rows, regions)
    radius = {r["series"]: r.get("particle_radius_um") for r in rows}
    variants = {"": volumes}
    if independent:
        correlation = [c for c in volumes.columns if c.startswith("volume_corr_")]
        variants[INDEPENDENT] = volumes.drop(columns=correlation)
    out = {}
    for label, table in variants.items():
        fits = pd.concat(
            [
                fit_series(
                    g,
                    models=list(opts.models),
                    detailed_balance=opts.detailed_balance,
                    equal_R1=opts.equal_R1,
                    overlap=opts.overlap_correction,
                    particle_radius_um=radius[series],
                    particle_radius_um_err=0.0,
                    particle_site=opts.particle_site,
                    poor_fit_p=opts.poor_fit_p_value,
                )
                for series, g in table.groupby("series", sort=True)
            ],
            ignore_index=True,
        )
        fits = add_exchange_current(
            fits,
            li_density_per_cm3=opts.material.li_per_cm3,
            interface_area_fraction=opts.interface_area_fraction,
        )
        arrhenius = arrhenius_table(
            fits,
            li_density_per_cm3=opts.material.li_per_cm3,
            interface_area_fraction=opts.interface_area_fraction,
            reference_temperature_K=opts.reference_temperature_K,
            poor_fit_p=opts.poor_fit_p_value,
        )
        out[label] = (fits, arrhenius)
    return out, {**demo["truth"], "two_site": two["truth"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=60)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--independent", action="store_true")
    parser.add_argument("--out", help="write the z-values to this CSV")
    args = parser.parse_args(argv)
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="exsy-cov-") as tmp:
            tables, truth = reduce_campaign(Path(tmp), seed, args.independent)
            for label, (fits, arrhenius) in tables.items():
                fits.to_parquet(Path(tmp) / "exsy_fits.parquet")
                arrhenius.to_parquet(Path(tmp) / "exsy_arrhenius.parquet")
                for row in exsy_z(Path(tmp), truth):
                    row["quantity"] += label
                    rows.append({"seed": seed, **row})
        print(f"seed {seed}: {time.perf_counter() - start:.0f} s", flush=True)
    z = pd.DataFrame(rows)
    if args.out:
        z.to_csv(args.out, index=False)
    summary = summarise(z) if rows else pd.DataFrame(columns=SUMMARY_COLUMNS)
    print(f"\nEXSY coverage over {args.seeds} seeds ({args.first_seed}..)")
    print_summary(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
