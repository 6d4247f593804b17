# Report stage: provenance pages, the main tables as HTML, the results summary.
# Build the HTML report after a run with:
#   snakemake --cores 8 --report results/report.html


TARGETS.extend(
    [
        "results/report/software_versions.html",
        "results/report/config_used.yaml",
    ]
    + expand("results/report/tables/{table}.html", table=report_tables(TARGETS))
)


rule report_software:
    input:
        envs=sorted(str(p) for p in (Path(workflow.basedir) / "envs").glob("*.yaml")),
        lib=lib("report.py"),
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
    script:
        "../workflow_scripts/report_software.py"


rule report_config:
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
        config=config,
    script:
        "../workflow_scripts/report_config.py"


rule report_table:
    input:
        table="results/tables/{table}.parquet",
        lib=lib("report.py", "io/tables.py"),
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
