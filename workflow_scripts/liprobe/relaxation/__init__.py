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

import importlib

_EXPORTS = {
    "DEFAULT_MODELS": "models",
    "MODELS": "models",
    "mean_time": "models",
    "fit_curve": "fitting",
    "fit_curves_fast": "fitting",
    "fit_relaxation_table": "table",
    "analyse_series": "temperature",
    "arrhenius_table": "temperature",
    "calibrate_temperature": "temperature",
    "fit_bpp": "temperature",
    "r1_bpp": "temperature",
    "r1rho_bpp": "temperature",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        module = importlib.import_module(f"liprobe.relaxation.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'liprobe.relaxation' has no attribute {name!r}")
