"""Bruker TopSpin experiment folders (``<dataset>/<expno>``), read as stored.

One module per kind of file, behind the public names below (loaded on first
use, so that the parse-time :func:`peek_parameters` does not import nmrglue):

* :mod:`.jcamp`: JCAMP-DX parameter files (``acqus``, ``acqu2s``, ``procs``,
  ``proc2s``): :func:`read_parameters`;
* :mod:`.binary`: the ``fid``/``ser`` words and the digital filter delay:
  :func:`group_delay`, :func:`check_byte_order`;
* :mod:`.lists`: ``vdlist``/``vplist``/``vclist``/``difflist``:
  :func:`parse_variable_list`;
* :mod:`.topspin`: TopSpin's processed data and results: :func:`read_processed`,
  :func:`read_intrng`, :func:`read_ct1t2`, :func:`read_processing_history`,
  :func:`read_baseline_points`;
* :mod:`.topspin_fits`: TopSpin's fitted time constants, :func:`read_topspin_fits`,
  and diffusion constants, :func:`read_topspin_diffusion`;
* :mod:`.folder`: a whole folder, :func:`read_folder`;
* :mod:`.audit`: the acquisition's start and end in ``audita.txt``,
  :func:`read_acquisition_times`;
* :mod:`.peek`: :func:`peek_parameters`, the parse-time scalars, and
  :func:`check_expno_folder`, the parse-time check of a sheet path.

Nothing here interprets an acquisition (kind, list times, plausibility, sheet
overrides): that is :mod:`liprobe.nmr.acquisition`.
"""

from importlib import import_module

_MODULES = {
    "liprobe.io.bruker.audit": ["read_acquisition_times"],
    "liprobe.io.bruker.binary": [
        "BLOCK_BYTES",
        "check_byte_order",
        "complete_rows",
        "group_delay",
    ],
    "liprobe.io.bruker.folder": ["BrukerFolder", "read_folder"],
    "liprobe.io.bruker.jcamp": ["number", "read_parameters", "text"],
    "liprobe.io.bruker.lists": [
        "VARIABLE_LISTS",
        "VPLIST_RANGE_S",
        "parse_variable_list",
    ],
    "liprobe.io.bruker.peek": ["check_expno_folder", "peek_parameters"],
    "liprobe.io.bruker.topspin": [
        "pdata_dir",
        "read_baseline_points",
        "read_ct1t2",
        "read_intrng",
        "read_processed",
        "read_processing_history",
    ],
    "liprobe.io.bruker.topspin_fits": [
        "is_diffusion_fit",
        "read_topspin_diffusion",
        "read_topspin_fits",
    ],
}

_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name in _MODULE_OF:
        return getattr(import_module(_MODULE_OF[name]), name)
    raise AttributeError(f"module 'liprobe.io.bruker' has no attribute {name!r}")
