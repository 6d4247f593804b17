"""NMR processing: Bruker FIDs to spectra, region integrals and TopSpin parity.

Public API: :class:`Spectra`, :func:`process`, :func:`integrate_regions`,
:func:`topspin_parity`, :func:`experiment_record`.

The names are loaded on first use, so that importing the light submodule
:mod:`liprobe.nmr.kinds` (done when the workflow is parsed) does not load
nmrglue and scipy.
"""

from liprobe.lazy import lazy_getattr

_LAZY = {
    "Spectra": "liprobe.nmr.processing",
    "process": "liprobe.nmr.processing",
    "experiment_record": "liprobe.nmr.integrate",
    "integrate_regions": "liprobe.nmr.integrate",
    "topspin_parity": "liprobe.nmr.integrate",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY)
