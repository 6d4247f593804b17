"""Rule echem_tables: gather the per-run half-cycles and Coulombic efficiencies."""

from liprobe.steps.gather import run

__all__ = ["run"]
