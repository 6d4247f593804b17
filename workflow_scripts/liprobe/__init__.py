"""liprobe: solid-state NMR and operando NDP reduction for lithium battery research.

The science lives here as pure functions on arrays and frames; file access is
confined to :mod:`liprobe.io`. Nothing in this package imports Snakemake.
"""

__version__ = "0.1.0"
