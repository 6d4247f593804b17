# PFG diffusion stage: region integrals over the gradient list -> Stejskal-Tanner
# fits per experiment and region -> Arrhenius of D.


if len(NMR) > 0 and PFG_SERIES:
    TARGETS.extend(
        [
            "results/tables/pfg_diffusion.parquet",
            "results/tables/pfg_attenuation.parquet",
            "results/tables/pfg_arrhenius.parquet",
        ]
        + expand(
            "results/figures/pfg/{series}_{figure}.{ext}",
            series=PFG_SERIES,
            figure=["attenuation", "arrhenius"],
            ext=["png", "pdf"],
        )
    )


rule pfg_fit:
    input:
        integrals="results/tables/nmr_integrals.parquet",
        experiments="results/tables/nmr_experiments.parquet",
        raw=pfg_raw_files(),
        lib=lib("pfg_fit.py"),
    output:
        diffusion="results/tables/pfg_diffusion.parquet",
        attenuation="results/tables/pfg_attenuation.parquet",
    log:
        "logs/pfg/pfg_fit/all.log",
    conda:
        "../envs/nmr.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../workflow_scripts/pfg_fit.py"


rule pfg_arrhenius:
    input:
        diffusion="results/tables/pfg_diffusion.parquet",
        lib=lib("pfg_arrhenius.py"),
    output:
        arrhenius="results/tables/pfg_arrhenius.parquet",
    log:
        "logs/pfg/pfg_arrhenius/all.log",
    conda:
        "../envs/nmr.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../workflow_scripts/pfg_arrhenius.py"


rule plot_pfg:
    input:
        diffusion="results/tables/pfg_diffusion.parquet",
        attenuation="results/tables/pfg_attenuation.parquet",
        arrhenius="results/tables/pfg_arrhenius.parquet",
        lib=lib("plot_pfg.py"),
    output:
        curves_png=report(
            "results/figures/pfg/{series}_attenuation.png",
            caption=str(Path.cwd() / "results/report/captions/pfg.rst"),
            category="PFG diffusion",
            labels={"series": "{series}", "figure": "attenuation"},
        ),
        curves_pdf="results/figures/pfg/{series}_attenuation.pdf",
        arrhenius_png=report(
            "results/figures/pfg/{series}_arrhenius.png",
            caption=str(Path.cwd() / "results/report/captions/pfg.rst"),
            category="PFG diffusion",
            labels={"series": "{series}", "figure": "Arrhenius of D"},
        ),
        arrhenius_pdf="results/figures/pfg/{series}_arrhenius.pdf",
    log:
        "logs/pfg/plot_pfg/{series}.log",
    conda:
        "../envs/report.yaml"
    params:
        series="{series}",
    script:
        "../workflow_scripts/plot_pfg.py"
