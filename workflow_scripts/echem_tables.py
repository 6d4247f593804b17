"""Rule echem_tables: gather the per-run half-cycles and Coulombic efficiencies.

The work is :func:`liprobe.steps.echem_tables.run`.
"""

from liprobe.steps.run import run_step

run_step("liprobe.steps.echem_tables:run", snakemake)
