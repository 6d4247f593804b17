# Deconvolution stage: raw 1D folders -> site lines (nmr_peaks) -> 6Li/7Li
# isotope exchange per site (isotope_exchange).
from liprobe.plan.peaks import peak_experiments, peak_items, site_rows

PEAKS_OPTIONS = OPTIONS.peaks.params()

# The experiments deconvolved and what their job reads (liprobe.plan.peaks).
try:
    SITE_ROWS = site_rows(SITES)
    PEAK_EXPERIMENTS = peak_experiments(
        NMR,
        NMR_KIND,
        SITE_ROWS,
        str(config["sheets"].get("sites") or "sites sheet"),
        cells=(
            set(SHEETS["operando_nmr"]["cell"].astype(str))
            if len(SHEETS["operando_nmr"])
            else set()
        ),
    )
except LiprobeError as exc:
    raise WorkflowError(f"invalid sheet: {exc}") from None
PEAK_ITEMS = peak_items(
    NMR,
    PEAK_EXPERIMENTS,
    SITE_ROWS,
    overrides_of=nmr_overrides,
    regions_of=nmr_regions,
)
ISOTOPE_STATES = any(item["state"] for item in PEAK_ITEMS)

if PEAK_EXPERIMENTS:
    TARGETS.extend(
        ["results/tables/nmr_peaks.parquet"]
        + expand(
            "results/figures/peaks/{experiment}_fit.{ext}",
            experiment=PEAK_EXPERIMENTS,
            ext=["png", "pdf"],
        )
    )
if PEAK_EXPERIMENTS and ISOTOPE_STATES:
    TARGETS.extend(
        [
            "results/tables/isotope_exchange.parquet",
            "results/figures/peaks/isotope_exchange.png",
            "results/figures/peaks/isotope_exchange.pdf",
        ]
    )


rule nmr_peaks:
    input:
        raw=[f for e in PEAK_EXPERIMENTS for f in raw_files(NMR.at[e, "path"])],
        lib=lib("nmr_peaks.py"),
    output:
        peaks="results/tables/nmr_peaks.parquet",
        curves="results/peaks/curves.parquet",
    log:
        "logs/peaks/nmr_peaks.log",
    benchmark:
        "benchmarks/runs/nmr_peaks/all.tsv"
    conda:
        "../envs/nmr.yaml"
    params:
        experiments=PEAK_ITEMS,
        nmr=OPTIONS.nmr.params(),
        peaks=PEAKS_OPTIONS,
    script:
        "../workflow_scripts/nmr_peaks.py"


rule isotope_exchange:
    input:
        peaks="results/tables/nmr_peaks.parquet",
        relaxation=(
            ["results/tables/relaxation_fits.parquet"] if RELAXATION_SERIES else []
        ),
        lib=lib("isotope_exchange.py"),
    output:
        exchange="results/tables/isotope_exchange.parquet",
    log:
        "logs/peaks/isotope_exchange.log",
    conda:
        "../envs/nmr.yaml"
    params:
        peaks=PEAKS_OPTIONS,
    script:
        "../workflow_scripts/isotope_exchange.py"


rule plot_peaks:
    input:
        peaks="results/tables/nmr_peaks.parquet",
        curves="results/peaks/curves.parquet",
        lib=lib("plot_peaks.py"),
    output:
        png=report(
            "results/figures/peaks/{experiment}_fit.png",
            caption=str(Path.cwd() / "results/report/captions/peaks_fit.rst"),
            category="NMR deconvolution",
            labels={"experiment": "{experiment}", "figure": "fit"},
        ),
        pdf="results/figures/peaks/{experiment}_fit.pdf",
    log:
        "logs/peaks/plot_peaks/{experiment}.log",
    conda:
        "../envs/report.yaml"
    params:
        experiment="{experiment}",
    script:
        "../workflow_scripts/plot_peaks.py"


rule plot_isotope_exchange:
    input:
        exchange="results/tables/isotope_exchange.parquet",
        lib=lib("plot_isotope_exchange.py"),
    output:
        png=report(
            "results/figures/peaks/isotope_exchange.png",
            caption=str(Path.cwd() / "results/report/captions/isotope_exchange.rst"),
            category="NMR deconvolution",
            labels={"experiment": "all", "figure": "6Li fraction per site"},
        ),
        pdf="results/figures/peaks/isotope_exchange.pdf",
    log:
        "logs/peaks/plot_isotope_exchange.log",
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/plot_isotope_exchange.py"
