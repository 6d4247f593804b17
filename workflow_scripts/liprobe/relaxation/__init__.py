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

_EXPORTS = {
    "DEFAULT_MODELS": "liprobe.relaxation.models",
    "MODELS": "liprobe.relaxation.models",
    "mean_time": "liprobe.relaxation.models",
    "fit_curve": "liprobe.relaxation.fitting",
    "fit_curves_fast": "liprobe.relaxation.fitting",
    "fit_relaxation_table": "liprobe.relaxation.table",
    "analyse_series": "liprobe.relaxation.temperature",
    "arrhenius_table": "liprobe.relaxation.temperature",
    "calibrate_temperature": "liprobe.relaxation.temperature",
    "fit_bpp": "liprobe.relaxation.temperature",
    "r1_bpp": "liprobe.relaxation.temperature",
    "r1rho_bpp": "liprobe.relaxation.temperature",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
