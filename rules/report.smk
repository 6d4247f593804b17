# Report stage: provenance pages, the main tables as HTML, the results summary.
# Build the HTML report after a run with:
#   snakemake --cores 8 --report results/report.html
# It opens on the front page the run writes (rule report_front_page): the
# stages run, the headline numbers, links to each stage's figures.


report: str(Path.cwd() / "results/report/front_page.rst")


TARGETS.extend(
    [
        "results/report/software_versions.html",
        "results/report/config_used.yaml",
    ]
    + expand("results/report/tables/{table}.html", table=report_tables(TARGETS))
)


# The software page reads the software record every job writes beside its log
# (liprobe.io.software), so it runs after every other target of the run.
rule report_software:
    input:
        envs=sorted(str(p) for p in (LIPROBE_DIR / "envs").glob("*.yaml")),
        lib=lib("report_software.py"),
        after=lambda wc: [
            t for t in TARGETS if t != "results/report/software_versions.html"
        ],
    output:
        html=report(
            "results/report/software_versions.html",
            category="Provenance",
            labels={"item": "software versions"},
        ),
    log:
        "logs/report/report_software.log",
    conda:
        "../envs/report.yaml"
    params:
        logs="logs",
        # each rule's conda environment file name
        rule_envs=lambda wc: {
            r.name: Path(str(r.conda_env)).name for r in workflow.rules if r.conda_env
        },
    script:
        "../workflow_scripts/report_software.py"


rule report_config:
    input:
        lib=lib("report_config.py"),
    output:
        config=report(
            "results/report/config_used.yaml",
            category="Provenance",
            labels={"item": "configuration"},
        ),
    log:
        "logs/report/report_config.log",
    conda:
        "../envs/report.yaml"
    params:
        config=CONFIG_USED,
    script:
        "../workflow_scripts/report_config.py"


rule report_table:
    input:
        table="results/tables/{table}.parquet",
        lib=lib("report_table.py"),
    output:
        html=report(
            "results/report/tables/{table}.html",
            category="Tables",
            labels={"table": "{table}"},
        ),
    log:
        "logs/report/report_table/{table}.log",
    conda:
        "../envs/report.yaml"
    params:
        max_rows=500,
    script:
        "../workflow_scripts/report_table.py"


# Figure captions, generated from the tables: Snakemake reads them when it
# builds the report (``report(..., caption=...)`` in the plot rules), so they
# are targets of the run. One file per plot rule, with a block per wildcard.
REPORT_CAPTIONS = {
    "nmr_spectra": (
        {"experiments": "results/tables/nmr_experiments.parquet"} if NMR_1D else {}
    ),
    "relaxation": (
        {
            "fits": "results/tables/relaxation_fits.parquet",
            "arrhenius": "results/tables/relaxation_arrhenius.parquet",
        }
        if len(NMR) > 0 and RELAXATION_SERIES
        else {}
    ),
    "exsy_contour": (
        {"fits": "results/tables/exsy_fits.parquet"} if EXSY_SERIES else {}
    ),
    "cp_buildup": (
        {"buildup": "results/tables/cp_buildup.parquet"} if CP_SERIES else {}
    ),
    "exsy": (
        {
            "fits": "results/tables/exsy_fits.parquet",
            "arrhenius": "results/tables/exsy_arrhenius.parquet",
        }
        if EXSY_SERIES
        else {}
    ),
    "linewidth": (
        {
            "linewidth": "results/tables/linewidth.parquet",
            "arrhenius": "results/tables/linewidth_arrhenius.parquet",
        }
        if LINEWIDTH_SERIES
        else {}
    ),
    "exsy_rates": (
        {
            "rates": "results/tables/exsy_rates.parquet",
            "arrhenius": "results/tables/exsy_arrhenius.parquet",
        }
        if EXSY_SERIES or SELECTIVE_SERIES
        else {}
    ),
    "selective_exchange": (
        {"rates": "results/tables/exsy_rates.parquet"} if SELECTIVE_SERIES else {}
    ),
    "ndp": (
        {
            "profiles": "results/tables/ndp_depth_profiles.parquet",
            "inventory": "results/tables/ndp_inventory.parquet",
        }
        if NDP_RUNS
        else {}
    ),
    "pfg": (
        {
            "diffusion": "results/tables/pfg_diffusion.parquet",
            "arrhenius": "results/tables/pfg_arrhenius.parquet",
        }
        if len(NMR) > 0 and PFG_SERIES
        else {}
    ),
    "efficiency": (
        {"efficiency": "results/tables/efficiency.parquet"} if CYCLER_RUNS else {}
    ),
    "operando_nmr": (
        {
            "efficiency": "results/tables/efficiency.parquet",
            "components": "results/tables/li_metal_nmr.parquet",
        }
        if OPNMR_CYCLER_RUNS
        else {}
    ),
    "peaks_fit": (
        {"peaks": "results/tables/nmr_peaks.parquet"} if PEAK_EXPERIMENTS else {}
    ),
    "isotope_exchange": (
        {"exchange": "results/tables/isotope_exchange.parquet"}
        if PEAK_EXPERIMENTS and ISOTOPE_STATES
        else {}
    ),
}
REPORT_CAPTIONS = {k: v for k, v in REPORT_CAPTIONS.items() if v}

# Tables the results summary reads (only those of the stages the campaign has).
SUMMARY_INPUTS = {
    name: path
    for name, path, present in (
        (
            "relaxation_arrhenius",
            "results/tables/relaxation_arrhenius.parquet",
            len(NMR) > 0 and bool(RELAXATION_SERIES),
        ),
        ("exsy_arrhenius", "results/tables/exsy_arrhenius.parquet", bool(EXSY_SERIES)),
        ("exsy_fits", "results/tables/exsy_fits.parquet", bool(EXSY_SERIES)),
        (
            "pfg_diffusion",
            "results/tables/pfg_diffusion.parquet",
            len(NMR) > 0 and bool(PFG_SERIES),
        ),
        (
            "pfg_arrhenius",
            "results/tables/pfg_arrhenius.parquet",
            len(NMR) > 0 and bool(PFG_SERIES),
        ),
        ("efficiency", "results/tables/efficiency.parquet", bool(CYCLER_RUNS)),
        (
            "linewidth_arrhenius",
            "results/tables/linewidth_arrhenius.parquet",
            bool(LINEWIDTH_SERIES),
        ),
        (
            "isotope_exchange",
            "results/tables/isotope_exchange.parquet",
            bool(PEAK_EXPERIMENTS and ISOTOPE_STATES),
        ),
    )
    if present
}

TARGETS.extend(
    expand("results/report/captions/{caption}.rst", caption=list(REPORT_CAPTIONS))
    + ["results/summary.md", "results/report/front_page.rst"]
)


wildcard_constraints:
    caption="|".join(REPORT_CAPTIONS) or "NO_CAPTION",


rule report_caption:
    input:
        unpack(lambda wc: REPORT_CAPTIONS[wc.caption]),
        lib=lib("report_caption.py"),
    output:
        rst="results/report/captions/{caption}.rst",
    log:
        "logs/report/report_caption/{caption}.log",
    conda:
        "../envs/report.yaml"
    params:
        caption="{caption}",
    script:
        "../workflow_scripts/report_caption.py"


rule report_summary:
    input:
        **SUMMARY_INPUTS,
        lib=lib("report_summary.py"),
    output:
        md=report(
            "results/summary.md",
            category="Summary",
            labels={"item": "headline numbers"},
        ),
    log:
        "logs/report/report_summary.log",
    conda:
        "../envs/report.yaml"
    params:
        tables=list(SUMMARY_INPUTS),
    script:
        "../workflow_scripts/report_summary.py"


rule report_front_page:
    input:
        **SUMMARY_INPUTS,
        lib=lib("report_front_page.py"),
    output:
        rst="results/report/front_page.rst",
    log:
        "logs/report/report_front_page.log",
    conda:
        "../envs/report.yaml"
    params:
        tables=list(SUMMARY_INPUTS),
        stages={
            "nmr": len(NMR_1D),
            "relaxation": len(RELAXATION_SERIES) if len(NMR) > 0 else 0,
            "cp": len(CP_SERIES),
            "exsy": len(EXSY_SERIES),
            "linewidth": len(LINEWIDTH_SERIES),
            "pfg": len(PFG_SERIES) if len(NMR) > 0 else 0,
            "peaks": len(PEAK_EXPERIMENTS),
            "ndp": len(NDP_RUNS),
            "echem": len(CYCLER_RUNS),
            "operando_nmr": len(OPNMR_CYCLER_RUNS),
        },
    script:
        "../workflow_scripts/report_front_page.py"


# The paper figure set (not part of `all`): snakemake --cores 8 paper
# Each figure is drawn when the campaign has its stage.
PAPER_INPUTS = {}
PAPER_FIGURES = []
if len(NMR) > 0 and RELAXATION_SERIES:
    PAPER_FIGURES.append("fig1_slr_arrhenius")
    PAPER_INPUTS.update(
        relaxation_fits="results/tables/relaxation_fits.parquet",
        relaxation_arrhenius="results/tables/relaxation_arrhenius.parquet",
    )
if EXSY_SERIES:
    PAPER_FIGURES.append("fig2_exsy")
    PAPER_INPUTS.update(
        exsy_volumes="results/tables/exsy_volumes.parquet",
        exsy_fits="results/tables/exsy_fits.parquet",
        exsy_arrhenius="results/tables/exsy_arrhenius.parquet",
        exsy_spectra=expand(
            "results/exsy/{exsy_series}/spectrum_longest_mixing.parquet",
            exsy_series=EXSY_SERIES,
        ),
        exsy_sites=expand(
            "results/exsy/{exsy_series}/sites.parquet",
            exsy_series=EXSY_SERIES,
        ),
    )
if NDP_RUNS:
    PAPER_FIGURES.append("fig3_ndp_profiles")
    PAPER_INPUTS.update(profiles="results/tables/ndp_depth_profiles.parquet")
if CYCLER_RUNS:
    PAPER_FIGURES += ["fig4_inventory", "fig5_efficiency"]
    PAPER_INPUTS.update(
        cycles="results/tables/cycles.parquet",
        inventory="results/tables/li_inventory.parquet",
        efficiency="results/tables/efficiency.parquet",
    )
if CP_SERIES or (PEAK_EXPERIMENTS and ISOTOPE_STATES):
    PAPER_FIGURES.append("fig6_interface")
    if PEAK_EXPERIMENTS and ISOTOPE_STATES:
        PAPER_INPUTS.update(isotope_exchange="results/tables/isotope_exchange.parquet")
    if CP_SERIES:
        PAPER_INPUTS.update(
            cp_buildup="results/tables/cp_buildup.parquet",
            nmr_integrals="results/tables/nmr_integrals.parquet",
        )
if LINEWIDTH_SERIES or (len(NMR) > 0 and PFG_SERIES) or EXSY_RATE_SAMPLES:
    PAPER_FIGURES.append("fig7_dynamics")
    if LINEWIDTH_SERIES:
        PAPER_INPUTS.update(
            linewidth="results/tables/linewidth.parquet",
            linewidth_arrhenius="results/tables/linewidth_arrhenius.parquet",
        )
    if len(NMR) > 0 and PFG_SERIES:
        PAPER_INPUTS.update(
            pfg_diffusion="results/tables/pfg_diffusion.parquet",
            pfg_arrhenius="results/tables/pfg_arrhenius.parquet",
        )
    if EXSY_RATE_SAMPLES:
        PAPER_INPUTS.update(
            exsy_rates="results/tables/exsy_rates.parquet",
            exsy_rates_arrhenius="results/tables/exsy_arrhenius.parquet",
        )


rule paper:
    input:
        **PAPER_INPUTS,
        lib=lib("plot_paper.py"),
    output:
        expand(
            "results/paper/{figure}.{ext}",
            figure=PAPER_FIGURES,
            ext=["png", "pdf", "svg"],
        ),
    log:
        "logs/report/paper.log",
    conda:
        "../envs/report.yaml"
    params:
        figures=PAPER_FIGURES,
        exsy_series=list(EXSY_SERIES),
        cp_series=CP_SERIES,
        cells=(
            {str(r): str(NDP.at[r, "cell"]) for r in NDP.index}
            if len(NDP) and "cell" in NDP.columns
            else {}
        ),
    script:
        "../workflow_scripts/plot_paper.py"
