"""Spin-lattice and spin-spin relaxation fits and their temperature analysis.

* :mod:`liprobe.relaxation.models`: model functions and the named model registry;
* :mod:`liprobe.relaxation.fitting`: one-curve fits (lmfit reference path) and
  the vectorised fast path;
* :mod:`liprobe.relaxation.table`: the ``relaxation_fits`` table;
* :mod:`liprobe.relaxation.temperature`: BPP / Arrhenius analysis and the
  ``relaxation_arrhenius`` table.

Names are imported lazily, so importing the package does not import lmfit.
Options come from :class:`liprobe.options.RelaxationOptions`.
"""

from __future__ import annotations

from liprobe.lazy import lazy_getattr

_MODULES = {
    "liprobe.relaxation.models": ["DEFAULT_MODELS", "MODELS", "mean_time"],
    "liprobe.relaxation.fitting": ["fit_curve", "fit_curves_fast"],
    "liprobe.relaxation.table": ["fit_relaxation_table"],
    "liprobe.relaxation.temperature": [
        "analyse_series",
        "arrhenius_table",
        "calibrate_temperature",
        "fit_bpp",
        "r1_bpp",
        "r1rho_bpp",
    ],
}

__all__ = sorted(name for names in _MODULES.values() for name in names)


__getattr__ = lazy_getattr(__name__, _MODULES)
