# Echem stage: each NDP run's cycler file -> trace and plating/stripping steps.

from liprobe.io.cycler import check_timezone  # noqa: E402

ECHEM = OPTIONS.echem.params()

CYCLER_RUNS = (
    [run for run in NDP.index if sheet_value(NDP, run, "cycler")] if len(NDP) else []
)


# The sheet values of each run the echem and accounting rules use.
ECHEM_RUNS = {
    run: {
        "cycler": str(NDP.at[run, "cycler"]),
        "cycler_timezone": str(sheet_value(NDP, run, "cycler_timezone", "")),
        "cycler_date_order": str(sheet_value(NDP, run, "cycler_date_order", "")),
        "plating_sign": str(sheet_value(NDP, run, "plating_sign", "negative")),
        "area_cm2": float(NDP.at[run, "area_cm2"]),
        "cell": str(NDP.at[run, "cell"]),
    }
    for run in CYCLER_RUNS
}

# Stop before any job when a run has a cycler file but no valid time zone.
for _run in CYCLER_RUNS:
    try:
        check_timezone(
            NDP.at[_run, "cycler"], sheet_value(NDP, _run, "cycler_timezone")
        )
    except LiprobeError as exc:
        raise WorkflowError(f"ndp sheet, run '{_run}': {exc}") from None

if CYCLER_RUNS:
    TARGETS.extend(
        [
            "results/tables/cycles.parquet",
            "results/tables/coulombic_efficiency.parquet",
        ]
    )


rule echem_segment:
    input:
        cycler=lambda wc: NDP.at[wc.run, "cycler"],
        lib=lib("echem_segment.py"),
    output:
        trace="results/echem/{run}/trace.parquet",
        cycles="results/echem/{run}/cycles.parquet",
        coulombic="results/echem/{run}/coulombic_efficiency.parquet",
    log:
        "logs/echem/echem_segment/{run}.log",
    benchmark:
        "benchmarks/runs/echem_segment/{run}.tsv"
    conda:
        "../envs/echem.yaml"
    params:
        run="{run}",
        run_sheet=lambda wc: ECHEM_RUNS[wc.run],
        timezone=lambda wc: ECHEM_RUNS[wc.run]["cycler_timezone"],
        plating_sign=lambda wc: ECHEM_RUNS[wc.run]["plating_sign"],
        area_cm2=lambda wc: ECHEM_RUNS[wc.run]["area_cm2"],
        options=ECHEM,
    script:
        "../workflow_scripts/echem_segment.py"


rule echem_tables:
    input:
        cycles=expand("results/echem/{run}/cycles.parquet", run=CYCLER_RUNS),
        coulombic=expand(
            "results/echem/{run}/coulombic_efficiency.parquet", run=CYCLER_RUNS
        ),
        lib=lib("echem_tables.py"),
    output:
        cycles="results/tables/cycles.parquet",
        coulombic="results/tables/coulombic_efficiency.parquet",
    log:
        "logs/echem/echem_tables/all.log",
    conda:
        "../envs/echem.yaml"
    params:
        config=ECHEM,
    script:
        "../workflow_scripts/echem_tables.py"
