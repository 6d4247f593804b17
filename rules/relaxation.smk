# Relaxation stage: region integrals -> T1 / T1rho / T2 fits -> BPP / Arrhenius.

RELAXATION_OPTIONS = OPTIONS.relaxation.params()

if len(NMR) > 0 and RELAXATION_SERIES:
    TARGETS.extend(
        [
            "results/tables/relaxation_fits.parquet",
            "results/tables/relaxation_arrhenius.parquet",
        ]
        + expand(
            "results/figures/relaxation/{series}_{figure}.{ext}",
            series=RELAXATION_SERIES,
            figure=["curves", "arrhenius"],
            ext=["png", "pdf"],
        )
    )


rule relaxation_fit:
    input:
        integrals="results/tables/nmr_integrals.parquet",
        experiments="results/tables/nmr_experiments.parquet",
        lib=lib("relaxation_fit.py"),
    output:
        fits="results/tables/relaxation_fits.parquet",
    log:
        "logs/relaxation/relaxation_fit/all.log",
    benchmark:
        "benchmarks/runs/relaxation_fit/all.tsv"
    conda:
        "../envs/nmr.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        options=RELAXATION_OPTIONS,
    script:
        "../workflow_scripts/relaxation_fit.py"


rule relaxation_temperature:
    input:
        fits="results/tables/relaxation_fits.parquet",
        lib=lib("relaxation_temperature.py"),
    output:
        arrhenius="results/tables/relaxation_arrhenius.parquet",
    log:
        "logs/relaxation/relaxation_temperature/all.log",
    conda:
        "../envs/nmr.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        options=RELAXATION_OPTIONS,
    script:
        "../workflow_scripts/relaxation_temperature.py"


rule plot_relaxation:
    input:
        fits="results/tables/relaxation_fits.parquet",
        integrals="results/tables/nmr_integrals.parquet",
        arrhenius="results/tables/relaxation_arrhenius.parquet",
        lib=lib("plot_relaxation.py"),
    output:
        curves_png=report(
            "results/figures/relaxation/{series}_curves.png",
            caption=str(Path.cwd() / "results/report/captions/relaxation.rst"),
            category="NMR relaxation",
            labels={"series": "{series}", "figure": "curves"},
        ),
        curves_pdf="results/figures/relaxation/{series}_curves.pdf",
        arrhenius_png=report(
            "results/figures/relaxation/{series}_arrhenius.png",
            caption=str(Path.cwd() / "results/report/captions/relaxation.rst"),
            category="NMR relaxation",
            labels={"series": "{series}", "figure": "Arrhenius (BPP)"},
        ),
        arrhenius_pdf="results/figures/relaxation/{series}_arrhenius.pdf",
    log:
        "logs/relaxation/plot_relaxation/{series}.log",
    conda:
        "../envs/report.yaml"
    params:
        series="{series}",
    script:
        "../workflow_scripts/plot_relaxation.py"
