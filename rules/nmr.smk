# NMR stage: raw Bruker folders -> processed spectra -> region integrals.


if len(NMR) > 0:
    TARGETS.extend(
        [
            "results/tables/nmr_experiments.parquet",
            "results/tables/nmr_integrals.parquet",
        ]
        + expand("results/figures/nmr/{experiment}_spectra.png", experiment=NMR_1D)
    )


rule nmr_convert:
    input:
        raw=lambda wc: raw_files(NMR.at[wc.experiment, "path"]),
        lib=lib("nmr_convert.py"),
    output:
        experiment="results/nmr/{experiment}/experiment.parquet",
        integrals="results/nmr/{experiment}/integrals.parquet",
        spectra="results/nmr/{experiment}/spectra.parquet",
        regions="results/nmr/{experiment}/regions.parquet",
    log:
        "logs/nmr/nmr_convert/{experiment}.log",
    benchmark:
        "benchmarks/runs/nmr_convert/{experiment}.tsv"
    conda:
        "../envs/nmr.yaml"
    params:
        experiment="{experiment}",
        sample=lambda wc: NMR.at[wc.experiment, "sample"],
        series=lambda wc: sheet_value(NMR, wc.experiment, "series", ""),
        path=lambda wc: NMR.at[wc.experiment, "path"],
        procno=lambda wc: int(sheet_value(NMR, wc.experiment, "procno", 1)),
        particle_radius_um=lambda wc: sheet_value(
            NMR, wc.experiment, "particle_radius_um"
        ),
        overrides=lambda wc: nmr_overrides(wc.experiment),
        regions=lambda wc: nmr_regions(wc.experiment),
        options=OPTIONS.nmr.params(),
        mixing_delay_index=OPTIONS.exsy.mixing_delay_index,
    script:
        "../workflow_scripts/nmr_convert.py"


rule nmr_tables:
    input:
        experiments=expand(
            "results/nmr/{experiment}/experiment.parquet", experiment=NMR_1D
        )
        + expand(
            "results/exsy/{exsy_series}/experiments.parquet", exsy_series=EXSY_SERIES
        ),
        integrals=expand(
            "results/nmr/{experiment}/integrals.parquet", experiment=NMR_1D
        ),
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
        spectra="results/nmr/{experiment}/spectra.parquet",
        regions="results/nmr/{experiment}/regions.parquet",
        lib=lib("plot_nmr_spectra.py"),
    output:
        png=report(
            "results/figures/nmr/{experiment}_spectra.png",
            caption=str(Path.cwd() / "results/report/captions/nmr_spectra.rst"),
            category="NMR spectra",
            labels={"experiment": "{experiment}", "figure": "spectra"},
        ),
        pdf="results/figures/nmr/{experiment}_spectra.pdf",
    log:
        "logs/nmr/plot_nmr_spectra/{experiment}.log",
    conda:
        "../envs/report.yaml"
    params:
        experiment="{experiment}",
    script:
        "../workflow_scripts/plot_nmr_spectra.py"
