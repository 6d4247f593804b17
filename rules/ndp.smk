# NDP stage: list-mode events -> per-slice spectra -> Li depth profiles,
# event accounting, per-slice inventory and figures.
from liprobe.ndp import sheet as ndp_sheet  # noqa: E402

NDP_CFG = OPTIONS.ndp.params()
NDP_RUNS = list(NDP.index) if len(NDP) else []
NDP_SHEET_NAME = str(config["sheets"].get("ndp") or "ndp sheet")
# SRIM stopping tables named in the config: inputs of the rules that use them
SRIM_FILES = [path for path in NDP_CFG["srim"].values() if path is not None]

# Stop before any job when the NDP options or sheet values cannot work.
if NDP_RUNS:
    try:
        OPTIONS.ndp.check()
        ndp_sheet.check_start_times(NDP, NDP_SHEET_NAME)
        ndp_sheet.check_raw_inputs(NDP, NDP_SHEET_NAME)
    except LiprobeError as exc:
        raise WorkflowError(f"invalid NDP setting: {exc}") from None

if NDP_RUNS:
    TARGETS.extend(
        [
            "results/tables/ndp_depth_profiles.parquet",
            "results/tables/ndp_event_accounting.parquet",
            "results/tables/ndp_inventory.parquet",
            "results/tables/ndp_inversion.parquet",
        ]
        + expand("results/figures/ndp/{run}_heatmap.png", run=NDP_RUNS)
        + expand("results/figures/ndp/{run}_profiles.png", run=NDP_RUNS)
    )


rule ndp_events:
    input:
        listmode=lambda wc: ndp_sheet.listmode_files(NDP, wc.run, NDP_SHEET_NAME),
        background=lambda wc: ndp_sheet.optional(NDP, wc.run, "background"),
        reference=lambda wc: ndp_sheet.optional(NDP, wc.run, "reference"),
        cycles=lambda wc: ndp_sheet.optional(
            NDP, wc.run, "cycler", f"results/echem/{wc.run}/cycles.parquet"
        ),
        lib=lib("ndp_events.py"),
    output:
        slices="results/ndp/{run}/slices.parquet",
        spectra="results/ndp/{run}/spectra.parquet",
        background="results/ndp/{run}/background.parquet",
        reference="results/ndp/{run}/reference.parquet",
        accounting="results/ndp/{run}/events_accounting.parquet",
    log:
        "logs/ndp/ndp_events/{run}.log",
    benchmark:
        "benchmarks/runs/ndp_events/{run}.tsv"
    conda:
        "../envs/ndp.yaml"
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        run="{run}",
        run_sheet=lambda wc: ndp_sheet.run_sheet(NDP, wc.run),
        sheet_name=NDP_SHEET_NAME,
        options=NDP_CFG,
    script:
        "../workflow_scripts/ndp_events.py"


rule ndp_profiles:
    input:
        slices="results/ndp/{run}/slices.parquet",
        spectra="results/ndp/{run}/spectra.parquet",
        background="results/ndp/{run}/background.parquet",
        reference="results/ndp/{run}/reference.parquet",
        accounting="results/ndp/{run}/events_accounting.parquet",
        srim=SRIM_FILES,
        lib=lib("ndp_profiles.py"),
    output:
        profiles="results/ndp/{run}/profiles.parquet",
        baseline="results/ndp/{run}/profiles_baseline.parquet",
        fit_spectra="results/ndp/{run}/fit_spectra.parquet",
        calibration="results/ndp/{run}/calibration.parquet",
        accounting="results/ndp/{run}/accounting.parquet",
        inversion="results/ndp/{run}/inversion.parquet",
    log:
        "logs/ndp/ndp_profiles/{run}.log",
    benchmark:
        "benchmarks/runs/ndp_profiles/{run}.tsv"
    conda:
        "../envs/ndp.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        run="{run}",
        run_sheet=lambda wc: ndp_sheet.run_sheet(NDP, wc.run),
        options=NDP_CFG,
    script:
        "../workflow_scripts/ndp_profiles.py"


rule ndp_tables:
    input:
        profiles=expand("results/ndp/{run}/profiles.parquet", run=NDP_RUNS),
        baseline=expand("results/ndp/{run}/profiles_baseline.parquet", run=NDP_RUNS),
        calibration=expand("results/ndp/{run}/calibration.parquet", run=NDP_RUNS),
        accounting=expand("results/ndp/{run}/accounting.parquet", run=NDP_RUNS),
        inversion=expand("results/ndp/{run}/inversion.parquet", run=NDP_RUNS),
        lib=lib("ndp_tables.py"),
    output:
        profiles="results/tables/ndp_depth_profiles.parquet",
        baseline="results/tables/ndp_depth_profiles_baseline.parquet",
        calibration="results/tables/ndp_calibration.parquet",
        accounting="results/tables/ndp_event_accounting.parquet",
        inventory="results/tables/ndp_inventory.parquet",
        inversion="results/tables/ndp_inversion.parquet",
    log:
        "logs/ndp/ndp_tables/all.log",
    conda:
        "../envs/ndp.yaml"
    params:
        options=NDP_CFG,
    script:
        "../workflow_scripts/ndp_tables.py"


rule plot_ndp:
    input:
        profiles="results/tables/ndp_depth_profiles.parquet",
        cycles=lambda wc: ndp_sheet.optional(
            NDP, wc.run, "cycler", f"results/echem/{wc.run}/cycles.parquet"
        ),
        lib=lib("plot_ndp.py"),
    output:
        heatmap_png=report(
            "results/figures/ndp/{run}_heatmap.png",
            caption=str(Path.cwd() / "results/report/captions/ndp.rst"),
            category="NDP",
            labels={"run": "{run}", "figure": "heat map"},
        ),
        heatmap_pdf="results/figures/ndp/{run}_heatmap.pdf",
        profiles_png=report(
            "results/figures/ndp/{run}_profiles.png",
            caption=str(Path.cwd() / "results/report/captions/ndp.rst"),
            category="NDP",
            labels={"run": "{run}", "figure": "step profiles"},
        ),
        profiles_pdf="results/figures/ndp/{run}_profiles.pdf",
    log:
        "logs/ndp/plot_ndp/{run}.log",
    conda:
        "../envs/report.yaml"
    params:
        run="{run}",
    script:
        "../workflow_scripts/plot_ndp.py"
