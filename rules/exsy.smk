# EXSY stage: 2D exchange series -> peak volumes -> exchange fits -> Arrhenius, i0.
import re

from liprobe.plan.campaign import selective_plan

EXSY_OPTIONS = OPTIONS.exsy.params()
# Samples with three or more sites (regions) have no two-site figures; every
# sample gets the rates-per-pair figure.
EXSY_NSITE_SAMPLES = sorted(
    {
        EXSY["sample_of"][s]
        for s, rows in EXSY["regions"].items()
        if len({r[1] for r in rows}) > 2
    }
)
EXSY_TWO_SITE_SAMPLES = [s for s in EXSY["samples"] if s not in EXSY_NSITE_SAMPLES]
# 1D selective-inversion exchange series (kind selective_exchange, sheet only):
# fitted with the N-site model into the same tables as the 2D series.
try:
    SELECTIVE = selective_plan(NMR, NMR_KIND, REGIONS)
except LiprobeError as exc:
    raise WorkflowError(f"invalid sheet {config['sheets'].get('nmr')}: {exc}") from None
SELECTIVE_SERIES = list(SELECTIVE["series"])
EXSY_RATE_SAMPLES = sorted(set(EXSY["samples"]) | set(SELECTIVE["samples"]))
EXSY_RATE_INPUTS = {
    **(
        {
            "volumes": "results/tables/exsy_volumes.parquet",
            "fits": "results/tables/exsy_fits.parquet",
        }
        if EXSY_SERIES
        else {}
    ),
    **(
        {
            "integrals": "results/tables/nmr_integrals.parquet",
            "experiments": "results/tables/nmr_experiments.parquet",
        }
        if SELECTIVE_SERIES
        else {}
    ),
}

if EXSY_SERIES or SELECTIVE_SERIES:
    TARGETS.extend(
        [
            "results/tables/exsy_rates.parquet",
            "results/tables/exsy_arrhenius.parquet",
        ]
        + expand(
            "results/figures/exsy/{sample}_rates.{ext}",
            sample=EXSY_RATE_SAMPLES,
            ext=["png", "pdf"],
        )
        + expand(
            "results/figures/exsy/{series}_selective.{ext}",
            series=SELECTIVE_SERIES,
            ext=["png", "pdf"],
        )
    )

if EXSY_SERIES:
    TARGETS.extend(
        [
            "results/tables/exsy_volumes.parquet",
            "results/tables/exsy_fits.parquet",
        ]
        + expand(
            "results/figures/exsy/{sample}_{fig}.{ext}",
            sample=EXSY_TWO_SITE_SAMPLES,
            fig=["buildup", "arrhenius"],
            ext=["png", "pdf"],
        )
        + expand(
            "results/figures/exsy/{series}_contour.{ext}",
            series=EXSY_SERIES,
            ext=["png", "pdf"],
        )
    )


wildcard_constraints:
    exsy_series="|".join(re.escape(s) for s in EXSY_SERIES) or "NO_EXSY_SERIES",
    exsy_sample="|".join(re.escape(s) for s in EXSY_RATE_SAMPLES) or "NO_EXSY_SAMPLE",
    selective_series="|".join(re.escape(s) for s in SELECTIVE_SERIES)
    or "NO_SELECTIVE_SERIES",


rule exsy_volumes:
    input:
        raw=lambda wc: [
            f for path in EXSY["paths"][wc.exsy_series] for f in raw_files(path)
        ],
        lib=lib("exsy_volumes.py"),
    output:
        volumes="results/exsy/{exsy_series}/volumes.parquet",
        experiments="results/exsy/{exsy_series}/experiments.parquet",
        spectrum="results/exsy/{exsy_series}/spectrum_longest_mixing.parquet",
        sites="results/exsy/{exsy_series}/sites.parquet",
    log:
        "logs/exsy/exsy_volumes/{exsy_series}.log",
    benchmark:
        "benchmarks/runs/exsy_volumes/{exsy_series}.tsv"
    conda:
        "../envs/nmr.yaml"
    params:
        series="{exsy_series}",
        sample=lambda wc: EXSY["sample_of"][wc.exsy_series],
        experiments=lambda wc: EXSY["experiments"][wc.exsy_series],
        regions=lambda wc: EXSY["regions"][wc.exsy_series],
        regions_sheet=config.get("sheets", {}).get("regions") or "regions sheet",
        options=EXSY_OPTIONS,
    script:
        "../workflow_scripts/exsy_volumes.py"


rule exsy_fits:
    input:
        volumes=expand(
            "results/exsy/{exsy_series}/volumes.parquet", exsy_series=EXSY_SERIES
        ),
        lib=lib("exsy_fits.py"),
    output:
        volumes="results/tables/exsy_volumes.parquet",
        fits="results/tables/exsy_fits.parquet",
    log:
        "logs/exsy/exsy_fits/all.log",
    benchmark:
        "benchmarks/runs/exsy_fits/all.tsv"
    conda:
        "../envs/nmr.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        options=EXSY_OPTIONS,
    script:
        "../workflow_scripts/exsy_fits.py"


rule exsy_rates:
    input:
        unpack(lambda wc: EXSY_RATE_INPUTS),
        lib=lib("exsy_rates.py"),
    output:
        rates="results/tables/exsy_rates.parquet",
    log:
        "logs/exsy/exsy_rates/all.log",
    benchmark:
        "benchmarks/runs/exsy_rates/all.tsv"
    conda:
        "../envs/nmr.yaml"
    params:
        options=EXSY_OPTIONS,
        selective=SELECTIVE["series"],
    script:
        "../workflow_scripts/exsy_rates.py"


rule exsy_arrhenius:
    input:
        unpack(
            lambda wc: (
                {"fits": "results/tables/exsy_fits.parquet"} if EXSY_SERIES else {}
            )
        ),
        rates="results/tables/exsy_rates.parquet",
        lib=lib("exsy_arrhenius.py"),
    output:
        arrhenius="results/tables/exsy_arrhenius.parquet",
    log:
        "logs/exsy/exsy_arrhenius/all.log",
    conda:
        "../envs/nmr.yaml"
    params:
        options=EXSY_OPTIONS,
    script:
        "../workflow_scripts/exsy_arrhenius.py"


rule plot_exsy_contour:
    input:
        spectrum="results/exsy/{exsy_series}/spectrum_longest_mixing.parquet",
        sites="results/exsy/{exsy_series}/sites.parquet",
        lib=lib("plot_exsy_contour.py"),
    output:
        png=report(
            "results/figures/exsy/{exsy_series}_contour.png",
            caption=str(Path.cwd() / "results/report/captions/exsy_contour.rst"),
            category="EXSY",
            subcategory="2D spectra",
            labels={"series": "{exsy_series}", "figure": "2D contour"},
        ),
        pdf="results/figures/exsy/{exsy_series}_contour.pdf",
    log:
        "logs/exsy/plot_exsy_contour/{exsy_series}.log",
    conda:
        "../envs/report.yaml"
    params:
        series="{exsy_series}",
    script:
        "../workflow_scripts/plot_exsy_contour.py"


rule plot_exsy:
    input:
        volumes="results/tables/exsy_volumes.parquet",
        fits="results/tables/exsy_fits.parquet",
        arrhenius="results/tables/exsy_arrhenius.parquet",
        lib=lib("plot_exsy.py"),
    output:
        buildup_png=report(
            "results/figures/exsy/{exsy_sample}_buildup.png",
            caption=str(Path.cwd() / "results/report/captions/exsy.rst"),
            category="EXSY",
            subcategory="exchange fits",
            labels={"sample": "{exsy_sample}", "figure": "build-up"},
        ),
        buildup_pdf="results/figures/exsy/{exsy_sample}_buildup.pdf",
        arrhenius_png=report(
            "results/figures/exsy/{exsy_sample}_arrhenius.png",
            caption=str(Path.cwd() / "results/report/captions/exsy.rst"),
            category="EXSY",
            subcategory="exchange fits",
            labels={"sample": "{exsy_sample}", "figure": "Arrhenius"},
        ),
        arrhenius_pdf="results/figures/exsy/{exsy_sample}_arrhenius.pdf",
    log:
        "logs/exsy/plot_exsy/{exsy_sample}.log",
    conda:
        "../envs/report.yaml"
    params:
        sample="{exsy_sample}",
    script:
        "../workflow_scripts/plot_exsy.py"


rule plot_exsy_rates:
    input:
        rates="results/tables/exsy_rates.parquet",
        arrhenius="results/tables/exsy_arrhenius.parquet",
        lib=lib("plot_exsy_rates.py"),
    output:
        png=report(
            "results/figures/exsy/{exsy_sample}_rates.png",
            caption=str(Path.cwd() / "results/report/captions/exsy_rates.rst"),
            category="EXSY",
            subcategory="exchange rates per site pair",
            labels={"sample": "{exsy_sample}", "figure": "rates per pair"},
        ),
        pdf="results/figures/exsy/{exsy_sample}_rates.pdf",
    log:
        "logs/exsy/plot_exsy_rates/{exsy_sample}.log",
    conda:
        "../envs/report.yaml"
    params:
        sample="{exsy_sample}",
    script:
        "../workflow_scripts/plot_exsy_rates.py"


rule plot_selective_exchange:
    input:
        rates="results/tables/exsy_rates.parquet",
        integrals="results/tables/nmr_integrals.parquet",
        experiments="results/tables/nmr_experiments.parquet",
        lib=lib("plot_selective_exchange.py"),
    output:
        png=report(
            "results/figures/exsy/{selective_series}_selective.png",
            caption=str(Path.cwd() / "results/report/captions/selective_exchange.rst"),
            category="EXSY",
            subcategory="1D selective inversion",
            labels={"series": "{selective_series}", "figure": "selective inversion"},
        ),
        pdf="results/figures/exsy/{selective_series}_selective.pdf",
    log:
        "logs/exsy/plot_selective_exchange/{selective_series}.log",
    conda:
        "../envs/report.yaml"
    params:
        series="{selective_series}",
        selective=lambda wc: SELECTIVE["series"][wc.selective_series],
    script:
        "../workflow_scripts/plot_selective_exchange.py"
