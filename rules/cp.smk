# CP build-up stage: region integrals of cp experiments -> build-up fits per
# series, state and site (classical I-S and non-classical I-I*-S, AICc).

CP_SERIES = cp_series(NMR, NMR_KIND) if len(NMR) > 0 else {}

if CP_SERIES:
    TARGETS.extend(
        ["results/tables/cp_buildup.parquet"]
        + expand(
            "results/figures/cp/{cp_series}_buildup.{ext}",
            cp_series=list(CP_SERIES),
            ext=["png", "pdf"],
        )
    )


rule cp_buildup:
    input:
        integrals="results/tables/nmr_integrals.parquet",
        experiments="results/tables/nmr_experiments.parquet",
        lib=lib("cp_buildup.py"),
    output:
        buildup="results/tables/cp_buildup.parquet",
    log:
        "logs/cp/cp_buildup/all.log",
    benchmark:
        "benchmarks/runs/cp_buildup/all.tsv"
    conda:
        "../envs/nmr.yaml"
    params:
        options=OPTIONS.cp.params(),
        series=CP_SERIES,
    script:
        "../workflow_scripts/cp_buildup.py"


rule plot_cp_buildup:
    input:
        buildup="results/tables/cp_buildup.parquet",
        integrals="results/tables/nmr_integrals.parquet",
        lib=lib("plot_cp_buildup.py"),
    output:
        png=report(
            "results/figures/cp/{cp_series}_buildup.png",
            caption=str(Path.cwd() / "results/report/captions/cp_buildup.rst"),
            category="CP build-up",
            labels={"series": "{cp_series}", "figure": "build-up"},
        ),
        pdf="results/figures/cp/{cp_series}_buildup.pdf",
    log:
        "logs/cp/plot_cp_buildup/{cp_series}.log",
    conda:
        "../envs/report.yaml"
    params:
        series="{cp_series}",
        members=lambda wc: CP_SERIES[wc.cp_series],
    script:
        "../workflow_scripts/plot_cp_buildup.py"
