# Operando 7Li NMR stage: each run's spectra -> UTC times and Li-metal / SEI
# components; with a cycler file, Li per cm2 and per-cycle efficiencies beside
# the NDP ones (gathered by rules/accounting.smk).
from liprobe.operando import sheet as opnmr_sheet  # noqa: E402

OPNMR = SHEETS["operando_nmr"]
OPNMR_RUNS = list(OPNMR.index) if len(OPNMR) else []
OPNMR_SHEET_NAME = str(config["sheets"].get("operando_nmr") or "operando_nmr sheet")
OPNMR_CFG = OPTIONS.operando_nmr.params()
OPNMR_CYCLER_RUNS = [r for r in OPNMR_RUNS if sheet_value(OPNMR, r, "cycler")]

# Each run's sheet values and EXPNO folders, and the cycler's time zone, checked
# before any job.
OPNMR_ROWS = {}
OPNMR_FOLDERS = {}
for _run in OPNMR_RUNS:
    try:
        OPNMR_ROWS[_run] = opnmr_sheet.run_sheet(OPNMR, _run)
        OPNMR_FOLDERS[_run] = opnmr_sheet.expno_folders(
            OPNMR_ROWS[_run]["path"],
            OPNMR_ROWS[_run]["expnos"],
            OPNMR_SHEET_NAME,
            _run,
        )
        if _run in OPNMR_CYCLER_RUNS:
            check_timezone(
                OPNMR.at[_run, "cycler"], sheet_value(OPNMR, _run, "cycler_timezone")
            )
    except LiprobeError as exc:
        raise WorkflowError(f"operando_nmr sheet, run '{_run}': {exc}") from None

if OPNMR_RUNS:
    TARGETS.extend(
        [
            "results/tables/li_metal_nmr.parquet",
            "results/tables/operando_nmr_spectra.parquet",
        ]
    )
if OPNMR_CYCLER_RUNS:
    TARGETS.extend(
        [
            "results/figures/operando_nmr/inventories.png",
            "results/figures/operando_nmr/efficiency_methods.png",
        ]
    )


rule operando_nmr_echem:
    input:
        cycler=lambda wc: OPNMR.at[wc.run, "cycler"],
        lib=lib("echem_segment.py"),
    output:
        trace="results/operando_nmr/{run}/trace.parquet",
        cycles="results/operando_nmr/{run}/cycles.parquet",
        coulombic="results/operando_nmr/{run}/coulombic_efficiency.parquet",
    log:
        "logs/operando_nmr/operando_nmr_echem/{run}.log",
    conda:
        "../envs/echem.yaml"
    params:
        run="{run}",
        run_sheet=lambda wc: OPNMR_ROWS[wc.run],
        timezone=lambda wc: str(OPNMR_ROWS[wc.run]["cycler_timezone"]),
        plating_sign=lambda wc: OPNMR_ROWS[wc.run]["plating_sign"],
        area_cm2=lambda wc: OPNMR_ROWS[wc.run]["area_cm2"],
        options=ECHEM,
    script:
        "../workflow_scripts/echem_segment.py"


rule operando_nmr_components:
    input:
        raw=lambda wc: opnmr_sheet.raw_files(
            OPNMR_FOLDERS[wc.run], int(OPNMR_ROWS[wc.run]["procno"] or 1)
        ),
        cycles=lambda wc: (
            [f"results/operando_nmr/{wc.run}/cycles.parquet"]
            if wc.run in OPNMR_CYCLER_RUNS
            else []
        ),
        lib=lib("operando_nmr_components.py"),
    output:
        times="results/operando_nmr/{run}/spectra.parquet",
        components="results/operando_nmr/{run}/li_metal_nmr.parquet",
    log:
        "logs/operando_nmr/operando_nmr_components/{run}.log",
    benchmark:
        "benchmarks/runs/operando_nmr_components/{run}.tsv"
    conda:
        "../envs/nmr.yaml"
    params:
        run="{run}",
        run_sheet=lambda wc: OPNMR_ROWS[wc.run],
        folders=lambda wc: OPNMR_FOLDERS[wc.run],
        sheet_name=OPNMR_SHEET_NAME,
        # start values per component from the sites sheet rows of the run's cell
        sites=lambda wc: SITE_ROWS.get(str(OPNMR_ROWS[wc.run]["cell"]), []),
        sites_sheet_name=str(config["sheets"].get("sites") or "sites sheet"),
        options=OPNMR_CFG,
        nmr_options=OPTIONS.nmr.params(),
        mixing_delay_index=OPTIONS.exsy.mixing_delay_index,
    script:
        "../workflow_scripts/operando_nmr_components.py"


rule operando_nmr_accounting:
    input:
        times="results/operando_nmr/{run}/spectra.parquet",
        components="results/operando_nmr/{run}/li_metal_nmr.parquet",
        trace="results/operando_nmr/{run}/trace.parquet",
        cycles="results/operando_nmr/{run}/cycles.parquet",
        lib=lib("operando_nmr_accounting.py"),
    output:
        inventory="results/operando_nmr/{run}/li_inventory.parquet",
        efficiency="results/operando_nmr/{run}/efficiency.parquet",
    log:
        "logs/operando_nmr/operando_nmr_accounting/{run}.log",
    conda:
        "../envs/ndp.yaml"
    params:
        run="{run}",
        run_sheet=lambda wc: OPNMR_ROWS[wc.run],
        sheet_name=OPNMR_SHEET_NAME,
        options=OPNMR_CFG,
    script:
        "../workflow_scripts/operando_nmr_accounting.py"


rule operando_nmr_tables:
    input:
        times=expand("results/operando_nmr/{run}/spectra.parquet", run=OPNMR_RUNS),
        components=expand(
            "results/operando_nmr/{run}/li_metal_nmr.parquet", run=OPNMR_RUNS
        ),
        lib=lib("operando_nmr_tables.py"),
    output:
        times="results/tables/operando_nmr_spectra.parquet",
        components="results/tables/li_metal_nmr.parquet",
    log:
        "logs/operando_nmr/operando_nmr_tables/all.log",
    conda:
        "../envs/nmr.yaml"
    params:
        config=OPNMR_CFG,
    script:
        "../workflow_scripts/operando_nmr_tables.py"


rule plot_operando_nmr:
    input:
        inventory="results/tables/li_inventory.parquet",
        efficiency="results/tables/efficiency.parquet",
        lib=lib("plot_operando_nmr.py"),
    output:
        inventories_png=report(
            "results/figures/operando_nmr/inventories.png",
            caption=str(Path.cwd() / "results/report/captions/operando_nmr.rst"),
            category="Operando NMR",
            labels={"figure": "NMR and NDP inventories, CE"},
        ),
        inventories_pdf="results/figures/operando_nmr/inventories.pdf",
        efficiency_png=report(
            "results/figures/operando_nmr/efficiency_methods.png",
            caption=str(Path.cwd() / "results/report/captions/operando_nmr.rst"),
            category="Operando NMR",
            labels={"figure": "Li efficiency by NMR and NDP against CE"},
        ),
        efficiency_pdf="results/figures/operando_nmr/efficiency_methods.pdf",
    log:
        "logs/operando_nmr/plot_operando_nmr/all.log",
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/plot_operando_nmr.py"
