"""NDP figures: Li density (relative to Li metal) versus depth and time.

Both functions take the ``ndp_depth_profiles`` table (and optionally the run's
``cycles`` table) and return a matplotlib figure; they read no raw file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liprobe.constants import LI_METAL_PER_CM3
from liprobe.plots.style import colour, figure, label


def density_band(d: pd.DataFrame) -> np.ndarray:
    """1-sigma band of ``li_density_rel`` per bin: the density's own error when
    the density was measured, else the counting error of the bin's Li per cm2
    expressed at the same assumed density (the plotted scale)."""
    err = d["li_per_cm3_err"].to_numpy(float)
    if "li_per_cm2_err" in d and not np.isfinite(err).any():
        width_cm = d["depth_width_um"].to_numpy(float) * 1e-4
        err = d["li_per_cm2_err"].to_numpy(float) / width_cm
    return err / LI_METAL_PER_CM3


def _run(profiles: pd.DataFrame, run: str) -> pd.DataFrame:
    df = profiles[profiles["run"] == run]
    if df.empty:
        raise ValueError(f"run {run!r} not in the profiles table")
    return df


def plot_heatmap(profiles: pd.DataFrame, run: str):
    """Heat map of ``li_density_rel`` over time (h since the first slice) and depth."""
    df = _run(profiles, run)
    t0 = df["t_start_utc"].min()
    slices = df.groupby("slice").agg(
        t_start=("t_start_utc", "first"), t_end=("t_end_utc", "first")
    )
    depths = np.sort(df["depth_um"].unique())
    grid = df.pivot_table(index="depth_um", columns="slice", values="li_density_rel")
    grid = grid.reindex(index=depths, columns=slices.index)
    t_edges = np.concatenate(
        [
            ((slices["t_start"] - t0).dt.total_seconds() / 3600.0).to_numpy(),
            [(slices["t_end"].iloc[-1] - t0).total_seconds() / 3600.0],
        ]
    )
    step = np.diff(depths).mean() if depths.size > 1 else 1.0
    d_edges = np.concatenate([depths - step / 2, [depths[-1] + step / 2]])
    fig, ax = figure("double", aspect=0.4)
    vmax = max(1.0, float(np.nanpercentile(grid.to_numpy(), 99.5)))
    mesh = ax.pcolormesh(
        t_edges, d_edges, grid.to_numpy(), cmap="viridis", vmin=0.0, vmax=vmax
    )
    # show the depths that hold Li (plus a margin), not the empty rest
    filled = df.loc[df["li_density_rel"] > 0.02 * vmax, "depth_um"]
    if len(filled):
        bottom = min(d_edges[-1], 1.3 * float(filled.max()) + 0.5)
        ax.set_ylim(d_edges[0], bottom)
    ax.invert_yaxis()
    ax.set_xlabel(label("time since " + t0.strftime("%Y-%m-%d %H:%M UTC"), "h"))
    ax.set_ylabel(label("depth", "µm"))
    ax.set_title(f"{run}: Li density relative to Li metal")
    fig.colorbar(mesh, ax=ax, label="Li density / Li metal (4.63e22 cm$^{-3}$)")
    return fig


def step_end_slices(profiles: pd.DataFrame, run: str, cycles=None) -> pd.DataFrame:
    """The slice ending at (or last before) each plating and stripping step end.

    Without ``cycles``: six slices evenly spread over the run.
    Columns: slice, label.
    """
    df = _run(profiles, run)
    sl = df.groupby("slice")["t_end_utc"].first().sort_index()
    if cycles is None or len(cycles) == 0:
        pick = np.unique(np.linspace(0, sl.size - 1, min(6, sl.size)).astype(int))
        return pd.DataFrame(
            {"slice": sl.index[pick], "label": [f"slice {s}" for s in sl.index[pick]]}
        )
    rows = []
    for _, c in cycles.sort_values("t_end_utc").iterrows():
        end = pd.Timestamp(c["t_end_utc"])
        before = sl[sl <= end + pd.Timedelta(seconds=1)]
        if before.empty:
            continue
        rows.append({"slice": before.index[-1], "label": f"{c['step']} {c['cycle']}"})
    if not rows:  # no step ends inside the run: fall back to evenly spread slices
        return step_end_slices(profiles, run, None)
    return pd.DataFrame(rows).drop_duplicates("slice")


def plot_step_profiles(profiles: pd.DataFrame, run: str, cycles=None):
    """Profiles at the end of each plating (left) and stripping (right) step."""
    df = _run(profiles, run)
    picks = step_end_slices(profiles, run, cycles)
    fig, axes = figure("double", aspect=0.8, ncols=2, sharey=True)
    for ax, kind in zip(axes, ("plate", "strip"), strict=True):
        chosen = picks[picks["label"].str.startswith(kind)]
        if chosen.empty:
            chosen = picks if kind == "plate" else picks.iloc[0:0]
        for i, (_, p) in enumerate(chosen.iterrows()):
            d = df[df["slice"] == p["slice"]].sort_values("depth_um")
            ax.step(
                d["depth_um"],
                d["li_density_rel"],
                where="mid",
                color=colour(i),
                label=p["label"],
            )
            err = density_band(d)
            ax.fill_between(
                d["depth_um"],
                d["li_density_rel"] - err,
                d["li_density_rel"] + err,
                step="mid",
                color=colour(i),
                alpha=0.2,
                linewidth=0,
            )
        ax.set_xlabel(label("depth", "µm"))
        step_name = {"plate": "plating", "strip": "stripping"}[kind]
        ax.set_title(f"end of {step_name}" if cycles is not None else "selected slices")
        if len(chosen):
            ax.legend(fontsize="small")
    axes[0].set_ylabel("Li density / Li metal")
    top = float(np.nanpercentile(df["li_density_rel"], 99.5)) if len(df) else 1.0
    axes[0].set_ylim(-0.05, max(1.2, 1.3 * top))
    filled = df.loc[df["li_density_rel"] > 0.02 * max(top, 1e-9), "depth_um"]
    if len(filled):
        right = min(float(df["depth_um"].max()), 1.3 * float(filled.max()) + 0.5)
        for ax in axes:
            ax.set_xlim(0.0, right)
    fig.suptitle(run)
    return fig
