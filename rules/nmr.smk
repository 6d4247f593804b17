# NMR stage: raw Bruker folders -> processed spectra -> region integrals.


def nmr_regions(experiment):
    """Region rows of an experiment's sample, or [] to use TopSpin's intrng."""
    sample = NMR.loc[experiment, "sample"]
    if REGIONS.empty:
        return []
    rows = REGIONS[REGIONS["sample"] == sample]
    return [
        {
            "region": str(r["region"]),
            "ppm_min": float(r["ppm_min"]),
            "ppm_max": float(r["ppm_max"]),
        }
        for _, r in rows.iterrows()
    ]


def nmr_overrides(experiment):
    """Sheet values that override acqus (kind, temperature, nucleus, Larmor)."""
    out = {}
    for column in ("kind", "temperature_K", "nucleus", "larmor_MHz", "spinlock_kHz"):
        value = sheet_value(NMR, experiment, column)
        if value is not None and value != "auto":
            out[column] = value
    return out


def check_regions():
    """Stop before any job when a sample has neither regions nor TopSpin intrng."""
    for experiment in NMR.index:
        if nmr_regions(experiment):
            continue
        procno = int(sheet_value(NMR, experiment, "procno", 1))
        intrng = Path(NMR.loc[experiment, "path"]) / "pdata" / str(procno) / "intrng"
        if not intrng.is_file():
            raise WorkflowError(
                f"{config['sheets'].get('regions') or 'regions sheet'}: sample "
                f"'{NMR.loc[experiment, 'sample']}' (experiment '{experiment}') has "
                f"no rows, and its experiment has no TopSpin regions file {intrng}"
            )


check_regions()

if len(NMR) > 0:
    TARGETS.extend(
        [
            "results/tables/nmr_experiments.parquet",
            "results/tables/nmr_integrals.parquet",
        ]
        + expand("results/figures/nmr/{experiment}_spectra.png", experiment=NMR.index)
    )


rule nmr_convert:
    input:
        raw=lambda wc: raw_files(NMR.loc[wc.experiment, "path"]),
        lib=lib("io/bruker.py", "nmr", "io/tables.py"),
    output:
        experiment="results/nmr/{experiment}/experiment.parquet",
        integrals="results/nmr/{experiment}/integrals.parquet",
        spectra="results/nmr/{experiment}/spectra.parquet",
        regions="results/nmr/{experiment}/regions.parquet",
    params:
        experiment="{experiment}",
        sample=lambda wc: NMR.loc[wc.experiment, "sample"],
        series=lambda wc: sheet_value(NMR, wc.experiment, "series", ""),
        path=lambda wc: NMR.loc[wc.experiment, "path"],
        procno=lambda wc: int(sheet_value(NMR, wc.experiment, "procno", 1)),
        particle_radius_um=lambda wc: sheet_value(
            NMR, wc.experiment, "particle_radius_um"
        ),
        overrides=lambda wc: nmr_overrides(wc.experiment),
        regions=lambda wc: nmr_regions(wc.experiment),
        options=config["nmr"],
    log:
        "logs/nmr/nmr_convert/{experiment}.log",
    benchmark:
        "benchmarks/runs/nmr_convert/{experiment}.tsv"
    conda:
        "../envs/nmr.yaml"
    script:
        "../workflow_scripts/nmr_convert.py"


rule nmr_tables:
    input:
        experiments=expand(
            "results/nmr/{experiment}/experiment.parquet", experiment=NMR.index
        ),
        integrals=expand(
            "results/nmr/{experiment}/integrals.parquet", experiment=NMR.index
        ),
        lib=lib("io/tables.py"),
    output:
        experiments="results/tables/nmr_experiments.parquet",
        integrals="results/tables/nmr_integrals.parquet",
    params:
        config=config["nmr"],
    log:
        "logs/nmr/nmr_tables.log",
    conda:
        "../envs/nmr.yaml"
    script:
        "../workflow_scripts/nmr_tables.py"


rule plot_nmr_spectra:
    input:
        spectra="results/nmr/{experiment}/spectra.parquet",
        regions="results/nmr/{experiment}/regions.parquet",
        lib=lib("plots"),
    output:
        png="results/figures/nmr/{experiment}_spectra.png",
        pdf="results/figures/nmr/{experiment}_spectra.pdf",
    params:
        experiment="{experiment}",
    log:
        "logs/nmr/plot_nmr_spectra/{experiment}.log",
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/plot_nmr_spectra.py"
