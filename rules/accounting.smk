# Accounting stage: NDP depth profiles + cycler steps -> Li inventory,
# Li efficiency per cycle and their figures. Needs rules/ndp.smk (depth
# profiles) and rules/echem.smk (CYCLER_RUNS, ECHEM, ECHEM_RUNS).

if CYCLER_RUNS:
    TARGETS.extend(
        [
            "results/figures/accounting/efficiency.png",
        ]
        + expand("results/figures/accounting/{run}_inventory.png", run=CYCLER_RUNS)
    )
# li_inventory and efficiency hold the NDP runs' rows (method ndp) and the
# operando NMR runs' (method nmr) when rules/operando_nmr.smk is included too
OPNMR_CYCLER_RUNS = globals().get("OPNMR_CYCLER_RUNS", [])
if CYCLER_RUNS or OPNMR_CYCLER_RUNS:
    TARGETS.extend(
        [
            "results/tables/li_inventory.parquet",
            "results/tables/efficiency.parquet",
        ]
    )


rule accounting_run:
    input:
        profiles="results/tables/ndp_depth_profiles.parquet",
        trace="results/echem/{run}/trace.parquet",
        cycles="results/echem/{run}/cycles.parquet",
        lib=lib("accounting_run.py"),
    output:
        inventory="results/accounting/{run}/li_inventory.parquet",
        efficiency="results/accounting/{run}/efficiency.parquet",
    log:
        "logs/accounting/accounting_run/{run}.log",
    conda:
        "../envs/ndp.yaml"
    params:
        run="{run}",
        run_sheet=lambda wc: ECHEM_RUNS[wc.run],
        cycler=lambda wc: ECHEM_RUNS[wc.run]["cycler"],
        plating_sign=lambda wc: ECHEM_RUNS[wc.run]["plating_sign"],
        area_cm2=lambda wc: ECHEM_RUNS[wc.run]["area_cm2"],
        options=OPTIONS.accounting.params(),
    script:
        "../workflow_scripts/accounting_run.py"


rule accounting_tables:
    input:
        inventory=expand(
            "results/accounting/{run}/li_inventory.parquet", run=CYCLER_RUNS
        )
        + expand(
            "results/operando_nmr/{run}/li_inventory.parquet", run=OPNMR_CYCLER_RUNS
        ),
        efficiency=expand(
            "results/accounting/{run}/efficiency.parquet", run=CYCLER_RUNS
        )
        + expand(
            "results/operando_nmr/{run}/efficiency.parquet", run=OPNMR_CYCLER_RUNS
        ),
        lib=lib("accounting_tables.py"),
    output:
        inventory="results/tables/li_inventory.parquet",
        efficiency="results/tables/efficiency.parquet",
    log:
        "logs/accounting/accounting_tables/all.log",
    conda:
        "../envs/ndp.yaml"
    params:
        config=OPTIONS.accounting.params(),
    script:
        "../workflow_scripts/accounting_tables.py"


rule plot_efficiency:
    input:
        inventory="results/tables/li_inventory.parquet",
        efficiency="results/tables/efficiency.parquet",
        traces=expand("results/echem/{run}/trace.parquet", run=CYCLER_RUNS),
        lib=lib("plot_efficiency.py"),
    output:
        inventory_png=[
            report(
                f"results/figures/accounting/{run}_inventory.png",
                caption=str(Path.cwd() / "results/report/captions/efficiency.rst"),
                category="Efficiency",
                labels={"run": run, "figure": "Li inventory and charge"},
            )
            for run in CYCLER_RUNS
        ],
        inventory_pdf=expand(
            "results/figures/accounting/{run}_inventory.pdf", run=CYCLER_RUNS
        ),
        efficiency_png=report(
            "results/figures/accounting/efficiency.png",
            caption=str(Path.cwd() / "results/report/captions/efficiency.rst"),
            category="Efficiency",
            labels={"run": "all runs", "figure": "Li and Coulombic efficiency"},
        ),
        efficiency_pdf="results/figures/accounting/efficiency.pdf",
    log:
        "logs/accounting/plot_efficiency/all.log",
    conda:
        "../envs/report.yaml"
    params:
        runs=CYCLER_RUNS,
    script:
        "../workflow_scripts/plot_efficiency.py"
