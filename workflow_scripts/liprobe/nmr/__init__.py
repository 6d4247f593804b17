"""NMR processing: Bruker FIDs to spectra, region integrals and TopSpin parity.

Public API: :class:`Spectra`, :func:`process`, :func:`integrate_regions`,
:func:`topspin_parity`, :func:`experiment_record`.

The names are loaded on first use, so that importing the light submodule
:mod:`liprobe.nmr.kinds` (done when the workflow is parsed) does not load
nmrglue and scipy.
"""

from liprobe.lazy import lazy_getattr

_MODULES = {
    "liprobe.nmr.processing": ["Spectra", "process"],
    "liprobe.nmr.integrate": [
        "experiment_record",
        "integrate_regions",
        "topspin_parity",
    ],
}

__all__ = sorted(name for names in _MODULES.values() for name in names)


__getattr__ = lazy_getattr(__name__, _MODULES)
