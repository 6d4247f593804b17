"""Electrochemistry: half-cycle segmentation and Coulombic efficiency."""

from liprobe.echem.segment import (
    assign_cycles,
    coulombic_efficiency,
    plating_sign_value,
    segment_half_cycles,
    step_boundaries,
)

__all__ = [
    "assign_cycles",
    "coulombic_efficiency",
    "plating_sign_value",
    "segment_half_cycles",
    "step_boundaries",
]
