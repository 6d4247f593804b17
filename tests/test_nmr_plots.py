"""The NMR spectrum figures: a trace reduced for drawing keeps what a raster
shows, and a series figure has one panel per experiment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from liprobe.plots.nmr import envelope, plot_series_spectra


def test_envelope_keeps_every_bins_extremes_in_order():
    rng = np.random.default_rng(3)
    x = np.linspace(100.0, -100.0, 4096)
    y = rng.normal(size=x.size)
    y[1234] = 50.0  # a narrow peak must survive
    ex, ey = envelope(x, y, n_bins=100)
    assert len(ex) == 2 * 100 + 4096 % 100
    assert ey.max() == 50.0 and ey.min() == y.min()
    # x stays monotonic (points keep their order within and across bins)
    assert np.all(np.diff(ex) < 0)
    # every kept point is a point of the trace
    assert set(zip(ex, ey, strict=True)) <= set(zip(x, y, strict=True))
    n = 4096 // 100
    for b in (0, 37, 99):
        chunk = y[b * n : (b + 1) * n]
        assert sorted(ey[2 * b : 2 * b + 2]) == [chunk.min(), chunk.max()]


def test_envelope_leaves_short_traces_alone():
    x, y = np.arange(10.0), np.arange(10.0) ** 2
    ex, ey = envelope(x, y, n_bins=600)
    assert ex is x and ey is y


def test_series_figure_has_a_panel_per_experiment():
    ppm = np.linspace(20.0, -20.0, 256)
    rows = []
    for e in ("a", "b", "c"):
        for inc in range(3):
            rows.append(
                pd.DataFrame(
                    {
                        "experiment": e,
                        "increment": inc,
                        "list_time_s": 10.0 ** (inc - 2),
                        "ppm": ppm,
                        "intensity": np.exp(-(ppm**2)) * (inc + 1),
                    }
                )
            )
    spectra = pd.concat(rows, ignore_index=True)
    regions = pd.DataFrame(
        {"experiment": ["a", "b", "c"], "region": "Li", "ppm_min": -5.0, "ppm_max": 5.0}
    )
    fig = plot_series_spectra(spectra, regions, title="s")
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titled == ["a", "b", "c"]
    # the fourth cell of the 2 x 2 grid is switched off
    assert sum(not ax.axison for ax in fig.axes) == 1
