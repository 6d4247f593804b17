"""Deterministic figure output (PNG and a vector copy), written atomically."""

from __future__ import annotations

from pathlib import Path

import matplotlib

from liprobe.io.atomic import atomic_output

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Fixed metadata so the same data give byte-identical vector files.
_PDF_META = {"CreationDate": None, "ModDate": None, "Producer": "liprobe"}
_SVG_META = {"Date": None, "Creator": "liprobe"}


def save_figure(fig, *paths: str | Path, dpi: int = 200) -> None:
    """Save ``fig`` to every path (PNG, PDF or SVG by suffix) and close it.

    Each file is written beside its final name and moved over it only when
    complete (:func:`liprobe.io.atomic.atomic_output`): a killed job never
    leaves a truncated figure under the final name.
    """
    plt.rcParams["svg.hashsalt"] = "liprobe"
    try:
        for path in paths:
            path = Path(path)
            suffix = path.suffix.lower()
            with atomic_output(path) as tmp:
                if suffix == ".pdf":
                    fig.savefig(tmp, format="pdf", metadata=_PDF_META)
                elif suffix == ".svg":
                    fig.savefig(tmp, format="svg", metadata=_SVG_META)
                else:
                    fig.savefig(
                        tmp,
                        format=suffix[1:] or "png",
                        dpi=dpi,
                        metadata={"Software": "liprobe"},
                    )
    finally:
        plt.close(fig)
