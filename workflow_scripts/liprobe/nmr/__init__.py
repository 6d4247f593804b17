"""NMR processing: Bruker FIDs to spectra, region integrals and TopSpin parity.

Public API: :class:`Spectra`, :func:`process`, :func:`integrate_regions`,
:func:`topspin_parity`, :func:`experiment_record`.
"""

from liprobe.nmr.integrate import experiment_record, integrate_regions, topspin_parity
from liprobe.nmr.processing import DEFAULT_OPTIONS, Spectra, process

__all__ = [
    "DEFAULT_OPTIONS",
    "Spectra",
    "experiment_record",
    "integrate_regions",
    "process",
    "topspin_parity",
]
