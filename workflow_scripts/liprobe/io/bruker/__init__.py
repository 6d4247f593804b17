"""Bruker TopSpin experiment folders (``<dataset>/<expno>``), read as stored.

One module per kind of file, behind the public names below (loaded on first
use, so that the parse-time :func:`peek_parameters` does not import nmrglue):

* :mod:`.jcamp`: JCAMP-DX parameter files (``acqus``, ``acqu2s``, ``procs``,
  ``proc2s``): :func:`read_parameters`;
* :mod:`.binary`: the ``fid``/``ser`` words and the digital filter delay:
  :func:`group_delay`, :func:`check_byte_order`;
* :mod:`.lists`: ``vdlist``/``vplist``/``vclist``: :func:`parse_variable_list`;
* :mod:`.topspin`: TopSpin's processed data and results: :func:`read_processed`,
  :func:`read_intrng`, :func:`read_ct1t2`;
* :mod:`.folder`: a whole folder, :func:`read_folder`;
* :mod:`.peek`: :func:`peek_parameters`, the parse-time scalars.

Nothing here interprets an acquisition (kind, list times, plausibility, sheet
overrides): that is :mod:`liprobe.nmr.acquisition`.
"""

from liprobe.lazy import lazy_getattr

_EXPORTS = {
    "BLOCK_BYTES": "liprobe.io.bruker.binary",
    "check_byte_order": "liprobe.io.bruker.binary",
    "group_delay": "liprobe.io.bruker.binary",
    "BrukerFolder": "liprobe.io.bruker.folder",
    "read_folder": "liprobe.io.bruker.folder",
    "number": "liprobe.io.bruker.jcamp",
    "read_parameters": "liprobe.io.bruker.jcamp",
    "text": "liprobe.io.bruker.jcamp",
    "VARIABLE_LISTS": "liprobe.io.bruker.lists",
    "VPLIST_RANGE_S": "liprobe.io.bruker.lists",
    "parse_variable_list": "liprobe.io.bruker.lists",
    "peek_parameters": "liprobe.io.bruker.peek",
    "pdata_dir": "liprobe.io.bruker.topspin",
    "read_ct1t2": "liprobe.io.bruker.topspin",
    "read_intrng": "liprobe.io.bruker.topspin",
    "read_processed": "liprobe.io.bruker.topspin",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
