"""Deterministic figure output (PNG and a vector copy)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Fixed metadata so the same data give byte-identical vector files.
_PDF_META = {"CreationDate": None, "ModDate": None, "Producer": "liprobe"}
_SVG_META = {"Date": None, "Creator": "liprobe"}


def save_figure(fig, *paths: str | Path, dpi: int = 200) -> None:
    """Save ``fig`` to every path (PNG, PDF or SVG by suffix) and close it."""
    plt.rcParams["svg.hashsalt"] = "liprobe"
    for path in paths:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            fig.savefig(path, metadata=_PDF_META)
        elif suffix == ".svg":
            fig.savefig(path, metadata=_SVG_META)
        else:
            fig.savefig(path, dpi=dpi, metadata={"Software": "liprobe"})
    plt.close(fig)
