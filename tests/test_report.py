"""The report pieces: captions (Jinja2 + reStructuredText as Snakemake renders
them), the results summary, and the HTML report of the demo run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pandas as pd
import pytest
from docutils.core import publish_parts

from liprobe import report

REPO = Path(__file__).resolve().parents[1]


def render(caption: str, **wildcards) -> str:
    """Render a caption as Snakemake does (Jinja2, then docutils to HTML).

    docutils is told to stop at warnings, so a malformed caption fails here
    instead of showing a red system message in the report.
    """
    job = SimpleNamespace(wildcards=SimpleNamespace(**wildcards))
    text = jinja2.Environment().from_string(caption).render(snakemake=job)
    parts = publish_parts(text, writer="html", settings_overrides={"halt_level": 2})
    return parts["body"]


@pytest.fixture()
def arrhenius_tables():
    fits = pd.DataFrame(
        {
            "experiment": ["a1", "a2", "b1"],
            "sample": ["A", "A", "B"],
            "series": ["A_slr", "A_slr", "B_slr"],
            "region": ["r01", "r01", "r01"],
            "quantity": ["integral"] * 3,
            "kind": ["t1_sr"] * 3,
            "model": ["stretched"] * 3,
            "temperature_K": [300.0, 350.0, 300.0],
            "time_constant_s": [1.234, 0.5, 2.0],
            "time_constant_s_err": [0.012, 0.004, 0.1],
            "fit_ok": [True, True, False],
            "selected": [True, True, True],
            "flags": ["", "", "on_bound"],
        }
    )
    arrhenius = pd.DataFrame(
        {
            "series": ["A_slr", "A_slr", "B_slr"],
            "region": ["r01"] * 3,
            "quantity": ["integral"] * 3,
            "kind": ["R1"] * 3,
            "model": ["bpp", "arrhenius_high_T", "bpp"],
            "Ea_eV": [0.2013, 0.195, float("nan")],
            "Ea_eV_err": [0.0041, 0.01, float("nan")],
            "tau0_s": [1e-13, float("nan"), float("nan")],
            "tau0_s_err": [2e-14, float("nan"), float("nan")],
            "beta": [1.8, float("nan"), float("nan")],
            "fit_ok": [True, True, False],
            "flags": ["", "", "too_few_temperatures"],
        }
    )
    return fits, arrhenius


def test_format_value_rounds_to_error():
    assert report.format_value(0.2013, 0.0041, "eV") == "0.2013 +- 0.0041 eV"
    assert report.format_value(0.2013, 0.041, "eV") == "0.201 +- 0.041 eV"
    assert report.format_value(float("nan"), 0.1) == "n/a"
    assert report.format_value(3.0e-12, 4.0e-13, "m^2/s").startswith("3.000e-12")


def test_relaxation_caption_has_the_numbers_of_its_series_only(arrhenius_tables):
    fits, arrhenius = arrhenius_tables
    caption = report.caption_relaxation(fits, arrhenius)
    a = render(caption, series="A_slr")
    b = render(caption, series="B_slr")
    assert "Ea = 0.2013 ± 0.0041 eV" in a
    assert "0.195 ± 0.010 eV" in a
    assert "1.234 ± 0.012 s" in a
    assert "0.2013" not in b
    assert "fit failed" in b and "too_few_temperatures" in b
    # the model and its source are stated for every series
    for html in (a, b):
        assert "BPP" in html and "Bloembergen" in html


def test_caption_survives_awkward_names():
    fits = pd.DataFrame(
        {
            "series": ['we*ird_"x"`{1}'],
            "sample": ["s"],
            "temperature_K": [300.0],
            "model": ["two_site"],
            "k_AB_per_s": [12.0],
            "k_AB_per_s_err": [1.5],
            "k_BA_per_s": [10.0],
            "k_BA_per_s_err": [1.2],
            "fit_ok": [True],
        }
    )
    html = render(report.caption_exsy_contour(fits), exsy_series='we*ird_"x"`{1}')
    assert "k_AB = 12.0 ± 1.5 1/s" in html


def test_efficiency_caption_lists_every_cycle():
    eff = pd.DataFrame(
        {
            "run": ["r1", "r1", "r2"],
            "cycle": [1, 2, 1],
            "coulombic_efficiency": [0.9, 0.95, 0.8],
            "li_efficiency": [0.45, 0.5, 0.8],
            "li_efficiency_err": [0.02, 0.02, 0.03],
            "ce_minus_li_efficiency": [0.45, 0.45, 0.0],
        }
    )
    html = render(report.caption_efficiency(eff))
    assert html.count("cycle ") >= 3
    assert "0.450 ± 0.020" in html and "0.800 ± 0.030" in html


def test_summary_one_line_per_headline_number(arrhenius_tables):
    _, arrhenius = arrhenius_tables
    exsy_arr = pd.DataFrame(
        {
            "sample": ["mix", "mix"],
            "quantity": ["D", "k_AB"],
            "Ea_eV": [0.27, 0.26],
            "Ea_eV_err": [0.02, 0.03],
        }
    )
    exsy_fits = pd.DataFrame(
        {
            "series": ["mix_300K", "mix_300K"],
            "temperature_K": [300.0, 300.0],
            "model": ["diffusion_sphere", "two_site"],
            "D_m2_per_s": [1.5e-15, float("nan")],
            "D_m2_per_s_err": [2.0e-16, float("nan")],
            "fit_ok": [True, True],
        }
    )
    eff = pd.DataFrame(
        {
            "run": ["cu", "cu", "zno"],
            "cycle": [1, 2, 1],
            "coulombic_efficiency": [0.9, 0.8, 0.95],
            "li_efficiency": [0.4, 0.5, 0.8],
            "li_efficiency_err": [0.03, 0.04, 0.02],
        }
    )
    sections = report.summary_sections(arrhenius, exsy_arr, exsy_fits, eff)
    text = report.summary_markdown(sections)
    lines = [line for line in text.splitlines() if line.startswith("* ")]
    # 3 relaxation rows + 2 EXSY Ea + 1 D + (Li, CE) x 2 runs
    assert len(lines) == 3 + 2 + 1 + 4
    assert "* EXSY Ea, sample mix, D: 0.270 ± 0.020 eV" in lines
    assert any("1.500e-15 ± 2.00e-16 m^2/s" in line for line in lines)
    # mean of 0.4 and 0.5, error sqrt(0.03^2 + 0.04^2) / 2 = 0.025
    assert "* Li efficiency, run cu, mean of 2 cycles: 0.450 ± 0.025" in lines
    assert "* Coulombic efficiency, run cu, mean of 2 cycles: 0.85" in lines


def test_summary_leaves_out_absent_stages():
    text = report.summary_markdown(report.summary_sections())
    assert text.strip() == "# liprobe results summary"


# -- software versions --------------------------------------------------------


def test_software_record_holds_the_imported_distributions(tmp_path):
    import platform
    from importlib import metadata

    from liprobe.io.software import read_software_record, write_software_record

    log = tmp_path / "logs" / "rule_x" / "a.log"
    path = write_software_record(log, "rule_x", ["results/a.parquet"])
    assert path == tmp_path / "logs" / "rule_x" / "a.software.json"
    record = read_software_record(path)
    assert record["rule"] == "rule_x"
    assert record["outputs"] == ["results/a.parquet"]
    assert record["python"] == platform.python_version()
    # pandas is imported by this module: its version is recorded, the standard
    # library and liprobe are not
    assert record["distributions"]["pandas"] == metadata.version("pandas")
    assert not {"json", "liprobe", "os"} & set(record["distributions"])


def test_bad_software_record_names_file_and_field(tmp_path):
    from liprobe.errors import InputError
    from liprobe.io.software import read_software_record

    path = tmp_path / "x.software.json"
    path.write_text('{"rule": "r", "outputs": [], "python": "3.11.7"}')
    with pytest.raises(InputError, match=r"x\.software\.json.*'distributions'"):
        read_software_record(path)
    path.write_text("not json")
    with pytest.raises(InputError, match=r"x\.software\.json.*JSON software record"):
        read_software_record(path)


def test_software_versions_are_those_the_rules_ran():
    envs = {
        "nmr.yaml": {
            "dependencies": [
                "python=3.11",
                "numpy=2.4.6",
                "pyyaml=6.0.3",
                "pip",
                {"pip": ["nmrglue==0.12"]},
            ]
        },
        "report.yaml": {"dependencies": ["python=3.11", "matplotlib-base=3.11.2"]},
    }
    rule_envs = {"convert": "nmr.yaml", "tables": "nmr.yaml", "plot": "report.yaml"}
    records = [
        {
            "rule": "convert",
            "python": "3.11.9",
            "distributions": {"numpy": "2.4.6", "nmrglue": "0.12", "PyYAML": "6.0.3"},
        },
        {"rule": "tables", "python": "3.11.9", "distributions": {"numpy": "2.4.5"}},
        # a rule of another environment: its numpy is not the nmr env's
        {"rule": "plot", "python": "3.12.1", "distributions": {"numpy": "9.9"}},
    ]
    packages, rules = report.software_versions(envs, rule_envs, records)
    row = packages.set_index(["environment", "package"])
    assert row.loc[("nmr.yaml", "numpy"), "ran_version"] == "2.4.5, 2.4.6"
    assert row.loc[("nmr.yaml", "numpy"), "ran_in"] == "convert, tables"
    assert row.loc[("nmr.yaml", "numpy"), "matches_pin"] == "no"
    assert row.loc[("nmr.yaml", "pyyaml"), "ran_version"] == "6.0.3"
    assert row.loc[("nmr.yaml", "nmrglue"), "source"] == "pip"
    assert row.loc[("nmr.yaml", "python"), "matches_pin"] == "yes"
    # declared, but no job of the environment imported it
    assert row.loc[("report.yaml", "matplotlib-base"), "ran_version"] == ""
    assert row.loc[("report.yaml", "python"), "ran_version"] == "3.12.1"
    assert row.loc[("report.yaml", "python"), "matches_pin"] == "no"
    assert dict(zip(rules["rule"], rules["jobs_recorded"], strict=True)) == {
        "convert": 1,
        "tables": 1,
        "plot": 1,
    }


# -- the front page -----------------------------------------------------------


def render_front_page(text: str, categories: list[str], files: list[str]) -> str:
    """Render a workflow description as Snakemake's report does.

    Jinja2 with Snakemake's settings (trim_blocks, lstrip_blocks), the
    ``categories`` and ``files`` it passes, the link targets it appends, then
    docutils, stopping at warnings.
    """
    from collections import namedtuple
    from urllib.parse import quote

    category = namedtuple("Category", "name")
    links = ["", ""]
    links += [f".. _{c}: javascript:app.showCategory('{quote(c)}')" for c in categories]
    links += [f".. _{f}: javascript:app.showResultInfo('{quote(f)}')" for f in files]
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    rendered = env.from_string(text + "\n".join(links) + "\n").render(
        categories={category(c): {} for c in categories},
        files=[SimpleNamespace(target=f) for f in files],
    )
    parts = publish_parts(rendered, writer="html", settings_overrides={"halt_level": 2})
    return parts["html_body"]


def test_front_page_has_methods_numbers_and_links(arrhenius_tables):
    _, arrhenius = arrhenius_tables
    arrhenius = arrhenius.assign(series=["A_slr_", "A_slr_", "B*slr"])
    sections = report.summary_sections(relaxation_arrhenius=arrhenius)
    stages = {"nmr": 3, "relaxation": 2, "exsy": 0, "ndp": 1, "echem": 0}
    text = report.front_page_rst(stages, sections)
    html = render_front_page(
        text,
        categories=["NMR spectra", "Tables", "Summary", "Provenance"],
        files=["summary.md", "software_versions.html", "config_used.yaml"],
    )
    # the stages that ran, one sentence each; the others are left out
    assert "NMR spectra</strong> (3 experiments" in html
    assert "NMR relaxation</strong> (2 series" in html
    assert "Neutron depth profiling</strong> (1 run;" in html
    assert "EXSY" not in html and "Electrochemistry" not in html
    # the headline numbers, awkward names intact
    assert "SLR Ea, series A_slr_, region r01, R1, bpp: 0.2013 ± 0.0041 eV" in html
    assert "series B*slr" in html and "too_few_temperatures" in html
    # links open the report's categories and files; a missing one is plain text
    assert "javascript:app.showCategory('NMR%20spectra')" in html
    assert "javascript:app.showCategory('Tables')" in html
    assert "javascript:app.showResultInfo('software_versions.html')" in html
    assert "NMR relaxation (not in this report)" in html
    # each link stays inside its own line (Jinja2's trim_blocks eats newlines)
    assert html.count("<li>") == 3 + 3 + 2


def test_front_page_of_an_empty_campaign():
    html = render_front_page(report.front_page_rst({}, []), [], [])
    assert "No stage of the workflow had input" in html
    assert "No stage with headline numbers" in html


# -- the demo ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_report(demo_run, tmp_path_factory) -> Path:
    """The HTML report of the demo run, built with ``snakemake --report``."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    configs = [str(p) for p in sorted(demo_run.glob("*.yaml"))]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(REPO / "Snakefile"),
            "--configfile",
            *configs,
            "--cores",
            "1",
            "--report",
            str(out),
        ],
        cwd=demo_run,
        check=True,
        capture_output=True,
        text=True,
    )
    return out


def test_report_lists_every_figure(demo_run, demo_report):
    html = demo_report.read_text(encoding="utf-8")
    pngs = sorted((demo_run / "results" / "figures").rglob("*.png"))
    assert len(pngs) >= 10
    missing = [p.name for p in pngs if p.name not in html]
    assert missing == []
    for category in (
        "NMR spectra",
        "NMR relaxation",
        "EXSY",
        "NDP",
        "Efficiency",
        "Operando NMR",
    ):
        assert category in html


def test_report_has_tables_provenance_and_summary(demo_report):
    html = demo_report.read_text(encoding="utf-8")
    for item in ("software_versions.html", "config_used.yaml", "summary.md"):
        assert item in html
    assert "relaxation_arrhenius.html" in html and "efficiency.html" in html


def test_report_captions_carry_the_fitted_numbers(demo_run, demo_report):
    from liprobe.io.tables import read_table

    # the report stores captions in JSON strings, non-ASCII escaped
    html = demo_report.read_text(encoding="utf-8").replace("\\u00b1", "±")
    exsy = read_table(demo_run / "results/tables/exsy_arrhenius.parquet")
    r = exsy[exsy["quantity"] == "D"].iloc[0]
    ea = report.format_value(r["Ea_eV"], r["Ea_eV_err"], "eV").replace("+-", "±")
    assert f"Ea(D) = {ea}" in html
    relax = read_table(demo_run / "results/tables/relaxation_arrhenius.parquet")
    relax = relax[relax["quantity"] == "integral"]
    r = relax[(relax["model"] == "bpp") & relax["fit_ok"]].iloc[0]
    ea = report.format_value(r["Ea_eV"], r["Ea_eV_err"], "eV").replace("+-", "±")
    assert f"bpp: Ea = {ea}" in html
    eff = read_table(demo_run / "results/tables/efficiency.parquet").iloc[0]
    li = report.format_value(eff["li_efficiency"], eff["li_efficiency_err"])
    assert f"Li efficiency {li.replace('+-', '±')}" in html


def test_summary_of_the_demo(demo_run):
    from liprobe.io.tables import read_table

    text = (demo_run / "results" / "summary.md").read_text(encoding="utf-8")
    eff = read_table(demo_run / "results/tables/efficiency.parquet")
    for run in eff["run"].unique():
        assert f"Li efficiency, run {run}" in text
        assert f"Coulombic efficiency, run {run}" in text
    exsy = read_table(demo_run / "results/tables/exsy_arrhenius.parquet")
    for _, r in exsy.iterrows():
        assert f"EXSY Ea, sample {r['sample']}, {r['quantity']}:" in text
    assert "SLR Ea, series" in text


def test_demo_software_page_shows_the_versions_the_rules_ran(demo_run):
    """Every rule that ran left a record; the page has each env's ran versions."""
    from html.parser import HTMLParser
    from importlib import metadata

    from liprobe.io.software import read_software_record

    records = [
        read_software_record(p) for p in (demo_run / "logs").rglob("*.software.json")
    ]
    assert {"nmr_convert", "relaxation_fit", "ndp_events", "report_table"} <= {
        r["rule"] for r in records
    }

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append([])
            elif tag == "tr":
                self.tables[-1].append([])
            elif tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th"):
                self.tables[-1][-1].append(self.cell.strip())
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Rows()
    page = demo_run / "results" / "report" / "software_versions.html"
    parser.feed(page.read_text(encoding="utf-8"))
    header, *rows = parser.tables[0]
    packages = pd.DataFrame(rows, columns=header).set_index(["environment", "package"])
    # the demo runs every rule in this interpreter: its versions are the ran ones
    nmr = packages.loc[("nmr.yaml", "nmrglue")]
    assert nmr["ran_version"] == metadata.version("nmrglue")
    assert "nmr_convert" in nmr["ran_in"].split(", ")
    ndp = packages.loc[("ndp.yaml", "pycatima")]
    assert ndp["ran_version"] == metadata.version("pycatima")
    # lmfit is imported by the relaxation rules of nmr.yaml, not by those of
    # echem.yaml: each environment shows only what its own rules ran
    echem = packages.loc[("echem.yaml", "python")]
    assert echem["ran_version"] == sys.version.split()[0]
    header, *rules = parser.tables[1]
    jobs = {row[0]: int(row[2]) for row in rules}
    assert jobs["report_table"] == len(
        list((demo_run / "results" / "report" / "tables").glob("*.html"))
    )


# -- the report in a real browser -----------------------------------------------

#: Categories of the report that are not one stage's figures.
NOT_FIGURES = {"Tables", "Summary", "Provenance"}


def _chromium() -> str:
    """Path of Debian's Chromium: skip without it, fail when CI is set."""
    import os
    import shutil

    path = shutil.which("chromium")
    if path:
        return path
    reason = "Chromium not found (Debian package chromium; .ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(reason + "; CI is set, so this is an error, not a skip")
    pytest.skip(reason)


def test_report_in_chromium(demo_run, demo_report):
    """The front page shows the headline numbers; every figure opens, no errors."""
    import os

    from playwright.sync_api import sync_playwright

    from liprobe.io.tables import read_table

    chromium = _chromium()
    tables = {
        name: read_table(demo_run / "results" / "tables" / f"{name}.parquet")
        for name in (
            "relaxation_arrhenius",
            "exsy_arrhenius",
            "exsy_fits",
            "linewidth_arrhenius",
        )
    }
    tables["efficiency"] = read_table(demo_run / "results/tables/efficiency.parquet")
    expected = [
        line for _, lines in report.summary_sections(**tables) for line in lines
    ]
    assert len(expected) >= 10

    errors: list[str] = []
    opened: dict[str, int] = {}
    shown: set[str] = set()
    with sync_playwright() as pw:
        # as root Chromium refuses to start with its sandbox
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = pw.chromium.launch(executable_path=chromium, args=args)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: (
                errors.append(f"console: {msg.text}") if msg.type == "error" else None
            ),
        )

        def front_page():
            page.goto(demo_report.as_uri())
            front = page.locator(".prose").first
            front.wait_for()
            return front

        front = front_page()
        text = front.inner_text()
        # the page opens on its title, not scrolled out of reach above the window
        title = front.get_by_text("liprobe results", exact=True)
        assert title.bounding_box()["y"] >= 0
        missing = [line for line in expected if line not in text]
        assert missing == []
        categories = page.evaluate("Object.keys(categories)")
        figures = sorted(set(categories) - NOT_FIGURES)
        assert figures == sorted(
            [
                "NMR spectra",
                "NMR relaxation",
                "CP build-up",
                "EXSY",
                "NMR deconvolution",
                "Motional narrowing",
                "PFG diffusion",
                "NDP",
                "Efficiency",
                "Operando NMR",
            ]
        )
        for category in figures:
            subcategories = page.evaluate("c => Object.keys(categories[c])", category)
            for sub in subcategories:
                # each category through its link on the front page
                front_page().get_by_role("link", name=category, exact=True).click()
                nav = page.locator("nav.h-screen")
                if len(subcategories) > 1:
                    nav.get_by_role("link", name=sub, exact=True).click()
                rows = nav.locator("table tbody tr")
                rows.first.wait_for()
                # a label with two values is a toggle: every row in each state
                toggles = nav.locator("fieldset label")
                states = list(range(toggles.count())) or [None]
                for state in states:
                    if state is not None:
                        toggles.nth(state).click()
                    for i in range(rows.count()):
                        # the row's first action shows the figure in the page
                        rows.nth(i).locator("td").last.locator("a").first.click()
                        page.wait_for_function(
                            "() => { const i = document.querySelector("
                            "'div.overflow-auto img[src^=\"data:image/png\"]');"
                            " return i && i.complete && i.naturalWidth > 0; }"
                        )
                        src = page.locator("div.overflow-auto img").first
                        shown.add(src.get_attribute("src")[-64:])
                        opened[category] = opened.get(category, 0) + 1
        browser.close()
    assert errors == []
    pngs = list((demo_run / "results" / "figures").rglob("*.png"))
    # every figure of the run, each shown once
    assert sum(opened.values()) == len(pngs) == len(shown), (opened, len(pngs))
