"""One journal style for every liprobe figure.

* sizes: single column 3.5 in (89 mm), one-and-a-half 5.5 in, double column
  7.2 in (183 mm), the widths most journals (ACS, RSC, Elsevier) ask for;
* colours: the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008),
  safe for the common colour-vision deficiencies; markers vary as well so prints
  in grey stay readable;
* every axis label carries its unit (``label("T1", "s")`` -> ``T1 / s``);
* deterministic output: :func:`save_figure` fixes the PDF/SVG metadata and the
  SVG hash salt, so the same data give byte-identical vector files.
"""

from __future__ import annotations

from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from liprobe.plots.save import save_figure  # noqa: E402

#: figure widths in inches
WIDTHS = {"single": 3.5, "onehalf": 5.5, "double": 7.2}

#: Okabe-Ito colour-blind safe palette (black last: use it for fits / references)
PALETTE = [
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]

RC = {
    "font.size": 8,
    "axes.labelsize": 8,
    "axes.titlesize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.0,
    "lines.markersize": 4,
    "axes.linewidth": 0.6,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "legend.frameon": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
    "svg.hashsalt": "liprobe",
}

__all__ = [
    "MARKERS",
    "PALETTE",
    "RC",
    "WIDTHS",
    "apply_style",
    "colour",
    "figure",
    "label",
    "marker",
    "save_figure",
    "style",
]


def apply_style() -> None:
    """Set the liprobe rcParams globally."""
    plt.rcParams.update(RC)


@contextmanager
def style():
    """Context manager applying the liprobe rcParams temporarily."""
    with plt.rc_context(RC):
        yield


def figure(
    width: str | float = "single",
    aspect: float = 0.75,
    nrows: int = 1,
    ncols: int = 1,
    **kwargs,
):
    """A figure of a journal column width; height = width * aspect * nrows / ncols.

    Returns ``(fig, axes)`` like :func:`matplotlib.pyplot.subplots` (with
    constrained layout).
    """
    apply_style()
    w = WIDTHS[width] if isinstance(width, str) else float(width)
    h = w * aspect * nrows / max(ncols, 1)
    kwargs.setdefault("layout", "constrained")
    return plt.subplots(nrows, ncols, figsize=(w, h), **kwargs)


def label(quantity: str, unit: str | None = None) -> str:
    """Axis label ``quantity / unit`` (``quantity`` alone for dimensionless, a.u.)."""
    return f"{quantity} / {unit}" if unit else quantity


def colour(i: int) -> str:
    """The i-th palette colour (cycling)."""
    return PALETTE[i % len(PALETTE)]


def marker(i: int) -> str:
    """The i-th marker (cycling)."""
    return MARKERS[i % len(MARKERS)]
