"""Rule operando_nmr_tables: gather every run's spectrum times and components."""

from liprobe.steps.gather import run

__all__ = ["run"]
