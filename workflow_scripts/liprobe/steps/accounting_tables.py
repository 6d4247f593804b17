"""Rule accounting_tables: gather per-run inventories and efficiencies."""

from liprobe.steps.gather import run

__all__ = ["run"]
