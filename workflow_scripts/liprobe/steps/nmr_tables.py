"""Rule nmr_tables: gather per-experiment tables into the contract tables."""

from liprobe.steps.gather import run

__all__ = ["run"]
