# NMR stage: raw Bruker folders -> processed spectra -> region integrals.


if len(NMR) > 0:
    TARGETS.extend(
        [
            "results/tables/nmr_experiments.parquet",
            "results/tables/nmr_integrals.parquet",
        ]
        + expand("results/figures/nmr/{series}_spectra.png", series=NMR_SERIES)
    )


rule nmr_convert:
    input:
        raw=lambda wc: nmr_series_raw(wc.series),
        lib=lib("nmr_convert.py"),
    output:
        experiments="results/nmr/{series}/experiments.parquet",
        integrals="results/nmr/{series}/integrals.parquet",
        spectra="results/nmr/{series}/spectra.parquet",
        regions="results/nmr/{series}/regions.parquet",
    log:
        "logs/nmr/nmr_convert/{series}.log",
    benchmark:
        "benchmarks/runs/nmr_convert/{series}.tsv"
    conda:
        "../envs/nmr.yaml"
    params:
        experiments=lambda wc: nmr_series_items(wc.series),
        options=OPTIONS.nmr.params(),
        mixing_delay_index=OPTIONS.exsy.mixing_delay_index,
    script:
        "../workflow_scripts/nmr_convert.py"


rule nmr_tables:
    input:
        experiments=expand(
            "results/nmr/{series}/experiments.parquet", series=NMR_SERIES
        )
        + expand(
            "results/exsy/{exsy_series}/experiments.parquet", exsy_series=EXSY_SERIES
        ),
        integrals=expand("results/nmr/{series}/integrals.parquet", series=NMR_SERIES),
        lib=lib("nmr_tables.py"),
    output:
        experiments="results/tables/nmr_experiments.parquet",
        integrals="results/tables/nmr_integrals.parquet",
    log:
        "logs/nmr/nmr_tables.log",
    conda:
        "../envs/nmr.yaml"
    params:
        config=OPTIONS.nmr.params(),
    script:
        "../workflow_scripts/nmr_tables.py"


rule plot_nmr_spectra:
    input:
        spectra="results/nmr/{series}/spectra.parquet",
        regions="results/nmr/{series}/regions.parquet",
        lib=lib("plot_nmr_spectra.py"),
    output:
        png=report(
            "results/figures/nmr/{series}_spectra.png",
            caption=str(Path.cwd() / "results/report/captions/nmr_spectra.rst"),
            category="NMR spectra",
            labels={"series": "{series}", "figure": "spectra"},
        ),
        pdf="results/figures/nmr/{series}_spectra.pdf",
    log:
        "logs/nmr/plot_nmr_spectra/{series}.log",
    conda:
        "../envs/report.yaml"
    params:
        series="{series}",
    script:
        "../workflow_scripts/plot_nmr_spectra.py"
