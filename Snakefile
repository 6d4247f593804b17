# liprobe: raw Bruker NMR folders and operando NDP list-mode files to tidy tables,
# figures and a report. Run from the folder that holds your campaign:
#   snakemake -s <liprobe>/Snakefile --cores 8 --configfile my.yaml
from snakemake.utils import min_version

min_version("9.0")


# The bundled demo configuration is the default; a campaign's own --configfile
# replaces it.
if not config.get("sheets"):

    configfile: "config/config.yaml"


include: "rules/common.smk"
include: "rules/nmr.smk"
include: "rules/relaxation.smk"
include: "rules/pfg.smk"
include: "rules/cp.smk"
include: "rules/exsy.smk"
include: "rules/linewidth.smk"
include: "rules/peaks.smk"
include: "rules/ndp.smk"
include: "rules/echem.smk"
include: "rules/operando_nmr.smk"
include: "rules/accounting.smk"
include: "rules/report.smk"


onsuccess:
    print_stage_summary()


rule all:
    default_target: True
    input:
        TARGETS,
