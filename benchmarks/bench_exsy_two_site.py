"""Calibration of the two-site EXSY chain, link by link, over many seeds.

Simulates the demo's two-site sample (seed + 3, as the demo does for a seed)
for each seed, reduces it with the library functions of ``exsy_volumes`` and
``exsy_fits`` (schema defaults) and reports:

* the volumes against the same sample simulated without noise: the mean and
  sd of (volume - noise-free volume) / volume_err per temperature, and the
  measured correlation of the four volumes of a spectrum beside the
  reported one (``volume_corr_*``);
* the z-values of k_AB per temperature and of Ea(k_AB) (the Arrhenius fit of
  ``exsy_arrhenius``), mean, sd, fraction within 1 sigma, max |z|;
* with ``--draws M``, a parametric bootstrap of every temperature: the
  noise-free volumes plus Gaussian noise with the reported covariance of the
  first seed's series, refitted M times; the scatter of k_AB against the
  mean Jacobian error and the z-values. It separates the fit (nonlinearity,
  parameter bounds) from the volumes.

About 3 s per seed plus 0.2 s per bootstrap fit on one core.

Usage::

    .venv/bin/python benchmarks/bench_exsy_two_site.py --seeds 200 --draws 100
    .venv/bin/python benchmarks/bench_exsy_two_site.py --smoke
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow_scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_exsy_coverage import pooled_volumes  # noqa: E402

from liprobe.exsy.arrhenius import fit_arrhenius  # noqa: E402
from liprobe.exsy.models import PEAKS  # noqa: E402
from liprobe.exsy.series import (  # noqa: E402
    fit_series,
)
from liprobe.options import defaults  # noqa: E402
from liprobe.simulate.exsy import write_demo_exsy_two_site  # noqa: E402

CORR = [f"volume_corr_{p}" for p in PEAKS]


def volumes(seed: int, snr: float = 50.0) -> tuple[pd.DataFrame, dict]:
    """The pooled volume table of the two-site sample of a demo seed."""
    with tempfile.TemporaryDirectory(prefix="exsy-two-") as tmp:
        two = write_demo_exsy_two_site(Path(tmp), seed=seed + 3, snr=snr)
        return pooled_volumes(two["nmr"], pd.DataFrame(two["regions"])), two["truth"]


def fit(table: pd.DataFrame) -> pd.DataFrame:
    """Two-site fits of every series of a volume table (schema defaults)."""
    opts = defaults().exsy
    return pd.concat(
        [
            fit_series(
                g,
                models=["two_site"],
                detailed_balance=opts.detailed_balance,
                equal_R1=opts.equal_R1,
                overlap=opts.overlap_correction,
                particle_site=opts.particle_site,
                poor_fit_p=opts.poor_fit_p_value,
            )
            for _, g in table.groupby("series", sort=True)
        ],
        ignore_index=True,
    )


def z_values(fits: pd.DataFrame, truth: dict) -> dict:
    """z of k_AB per temperature and of Ea(k_AB) (fit_ok rows, as
    ``exsy_arrhenius``)."""
    out = {}
    for _, r in fits.iterrows():
        true = truth["series"][r["series"]]["k_AB_per_s"]
        out[f"k_AB {r['temperature_K']:.0f} K"] = (r["k_AB_per_s"] - true) / r[
            "k_AB_per_s_err"
        ]
    ok = fits[fits["fit_ok"].astype(bool)]
    res = fit_arrhenius(
        ok["temperature_K"],
        ok["k_AB_per_s"],
        ok["k_AB_per_s_err"],
        poor_fit_p=defaults().exsy.poor_fit_p_value,
    )
    out["Ea(k_AB)"] = (res["Ea_eV"] - truth["Ea_k_AB_eV"]) / res["Ea_eV_err"]
    return out


def describe(z: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n": z.count(),
            "mean z": z.mean(),
            "sd(z)": z.std(),
            "within 1 sigma": (z.abs() < 1).mean(),
            "max abs z": z.abs().max(),
        }
    ).round(3)


def bootstrap(clean: pd.DataFrame, noisy: pd.DataFrame, truth: dict, draws: int):
    """Noise-free volumes plus Gaussian noise with the reported covariance of
    ``noisy``; refitted ``draws`` times per series."""
    rng = np.random.default_rng(20261130)
    key = ["series", "mixing_time_s", "peak"]
    base = clean.drop(columns=["volume_err", *CORR]).merge(
        noisy[[*key, "volume_err", *CORR]], on=key
    )
    rows = []
    for series, g in base.groupby("series", sort=True):
        g = g.sort_values(["mixing_time_s", "peak"]).reset_index(drop=True)
        blocks = [h.index for _, h in g.groupby("mixing_time_s")]
        chol = [
            np.linalg.cholesky(
                g.loc[i, CORR].to_numpy()
                * np.outer(g.loc[i, "volume_err"], g.loc[i, "volume_err"])
            )
            for i in blocks
        ]
        true = truth["series"][series]["k_AB_per_s"]
        for _ in range(draws):
            draw = g.copy()
            for i, c in zip(blocks, chol, strict=True):
                draw.loc[i, "volume"] = g.loc[i, "volume"] + c @ rng.standard_normal(4)
            r = fit(draw).iloc[0]
            rows.append(
                {
                    "T_K": r["temperature_K"],
                    "k": r["k_AB_per_s"],
                    "err": r["k_AB_per_s_err"],
                    "z": (r["k_AB_per_s"] - true) / r["k_AB_per_s_err"],
                }
            )
    frame = pd.DataFrame(rows)
    return frame.groupby("T_K").agg(
        draws=("z", "size"),
        sd_k=("k", "std"),
        mean_jacobian_err=("err", "mean"),
        mean_z=("z", "mean"),
        sd_z=("z", "std"),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--draws", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="2 seeds, 2 draws")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seeds, args.first_seed, args.draws = 2, 1, 2
    clean, _ = volumes(args.first_seed, snr=1e12)
    key = ["series", "mixing_time_s", "peak"]
    ref = clean.set_index(key)["volume"]
    zs, residuals, first = [], [], None
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        table, truth = volumes(seed)
        first = (table, truth) if first is None else first
        zs.append({"seed": seed, **z_values(fit(table), truth)})
        t = table.set_index(key)
        t["z"] = (t["volume"] - ref.reindex(t.index)) / t["volume_err"]
        t["seed"] = seed
        residuals.append(t.reset_index())
    res = pd.concat(residuals, ignore_index=True)
    print(f"two-site EXSY, seeds {args.first_seed}-{seed}")
    print("\n(volume - noise-free volume) / volume_err per temperature:")
    print(res.groupby("temperature_K")["z"].agg(["count", "mean", "std"]).round(3))
    wide = res.pivot_table(index=["seed", "experiment"], columns="peak", values="z")
    print("\nmeasured correlation of the four volumes of a spectrum:")
    print(wide[list(PEAKS)].corr().round(3))
    print("reported (volume_corr_*, first spectrum):")
    print(first[0].head(4).set_index("peak")[CORR].round(3))
    z = pd.DataFrame(zs).set_index("seed")
    print("\nz-values:")
    print(describe(z).to_string())
    print("\nseeds with |z(Ea)| > 2.5:")
    print(z[z["Ea(k_AB)"].abs() > 2.5].round(2).to_string())
    if args.draws:
        print(f"\nparametric bootstrap ({args.draws} draws per temperature):")
        print(bootstrap(clean, *first, args.draws).round(4).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
