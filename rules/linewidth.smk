# Motional narrowing: line widths over temperature (kind linewidth, from the
# sheet) -> Hendrickson-Bray fit and the Waugh-Fedin onset estimate.

LINEWIDTH_OPTIONS = OPTIONS.linewidth.params()

if LINEWIDTH_SERIES:
    TARGETS.extend(
        [
            "results/tables/linewidth.parquet",
            "results/tables/linewidth_arrhenius.parquet",
        ]
        + expand(
            "results/figures/linewidth/{series}_narrowing.{ext}",
            series=list(LINEWIDTH_SERIES),
            ext=["png", "pdf"],
        )
    )


rule linewidth_measure:
    input:
        raw=lambda wc: [
            f
            for e in LINEWIDTH_SERIES[wc.series]
            for f in raw_files(NMR.at[e, "path"])
        ],
        lib=lib("linewidth_measure.py"),
    output:
        table="results/linewidth/{series}/linewidth.parquet",
    log:
        "logs/linewidth/linewidth_measure/{series}.log",
    conda:
        "../envs/nmr.yaml"
    params:
        series="{series}",
        experiments=lambda wc: linewidth_items(wc.series),
        nmr=OPTIONS.nmr.params(),
        options=LINEWIDTH_OPTIONS,
        mixing_delay_index=OPTIONS.exsy.mixing_delay_index,
    script:
        "../workflow_scripts/linewidth_measure.py"


rule linewidth_arrhenius:
    input:
        tables=expand(
            "results/linewidth/{series}/linewidth.parquet",
            series=list(LINEWIDTH_SERIES),
        ),
        lib=lib("linewidth_arrhenius.py"),
    output:
        linewidth="results/tables/linewidth.parquet",
        arrhenius="results/tables/linewidth_arrhenius.parquet",
    log:
        "logs/linewidth/linewidth_arrhenius/all.log",
    conda:
        "../envs/nmr.yaml"
    params:
        options=LINEWIDTH_OPTIONS,
    script:
        "../workflow_scripts/linewidth_arrhenius.py"


rule plot_linewidth:
    input:
        linewidth="results/tables/linewidth.parquet",
        arrhenius="results/tables/linewidth_arrhenius.parquet",
        lib=lib("plot_linewidth.py"),
    output:
        png=report(
            "results/figures/linewidth/{series}_narrowing.png",
            caption=str(Path.cwd() / "results/report/captions/linewidth.rst"),
            category="Motional narrowing",
            labels={"series": "{series}", "figure": "width against temperature"},
        ),
        pdf="results/figures/linewidth/{series}_narrowing.pdf",
    log:
        "logs/linewidth/plot_linewidth/{series}.log",
    conda:
        "../envs/report.yaml"
    params:
        series="{series}",
    script:
        "../workflow_scripts/plot_linewidth.py"
