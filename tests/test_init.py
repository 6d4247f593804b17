"""``liprobe init``: sheets and config drafted from raw folders.

On the demo campaign the drafted ``nmr`` sheet groups the experiments exactly
as the demo's own sheet does, and the workflow run on the drafted sheets (with
the two things a user adds after reading the init report: reviewed regions and
the particle radius) gives the same numbers, rows matched by raw path. Every
real folder of ``../shared/data/bruker`` is listed with the right kind or
skipped with a reason; ambiguous campaigns (two nuclei, a repeated temperature,
mixed pulse programs) are unit-tested on described experiments.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liprobe.cli import main as cli_main
from liprobe.io.drafts import write_drafts
from liprobe.nmr.kinds import explain_kind, peek_kind
from liprobe.options import defaults
from liprobe.plan.campaign import series_name
from liprobe.scaffold import scaffold_campaign
from liprobe.scaffold.nmr import (
    FoundExperiment,
    plan_rows,
    sample_from,
    title_temperature_K,
)
from liprobe.scaffold.regions import pick_regions

from conftest import REPO, run_snakemake

SNAKEFILE = str(REPO / "Snakefile")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- #
# pieces
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    ("title", "dataset", "sample"),
    [
        ("7Li saturation recovery Li6PS5Cl 180 K", "Li6PS5Cl_slr", "Li6PS5Cl"),
        ("6Li EXSY LPSBr_LPSCl_mix 298 K d8 = 0.001 s", "exsy_298K", "LPSBr_LPSCl_mix"),
        ("7Li satrec T1rho LNS0p45\nTemp=-110C (163K)", "T1rho_LNS", "LNS0p45"),
        ("1H PABBI T1 w/ t1ir (2D)", "menthol_t1ir", "menthol_t1ir"),
    ],
)
def test_sample_from_title_or_dataset(title, dataset, sample):
    assert sample_from(title, dataset)[0] == sample


def test_ids_fit_the_sheet_name_rule():
    from liprobe.io.sheets import MAX_NAME_LENGTH, check_name
    from liprobe.scaffold.nmr import safe_id

    long = "a very long dataset name from a shared instrument computer " * 3 + "_12"
    name = safe_id(long)
    assert len(name) <= MAX_NAME_LENGTH and name.endswith("_12")
    assert check_name(name, None, "experiment") == name
    assert check_name(safe_id("../x{y} z#1"), None, "series") == "x_y_z_1"


def test_title_temperature():
    assert title_temperature_K("Temp=-110C (163K)") == 163.0
    assert title_temperature_K("LLZO at 25 C") == pytest.approx(298.15)
    assert title_temperature_K("T1 w/ t1ir (2D)") is None


def test_kind_reasons_name_their_evidence():
    assert explain_kind("satrect1", "", 10, {"vdlist"})[:2] == (
        "t1_sr",
        "pulse program name 'satrect1'",
    )
    kind, reason, known = explain_kind("mystery", "", 16, set())
    assert (kind, known) == ("exsy", False) and "without a variable list" in reason
    kind, reason, known = explain_kind("custom", "(vp pl14 ph2)\n ivp\n", 4, {"vplist"})
    assert (kind, known) == ("t1rho", True) and "vplist stepped" in reason


def _found(expno, *, nucleus="7Li", pp="satrect1", kind="t1_sr", te=300.0, **kw):
    return FoundExperiment(
        path=Path(f"/data/LLZO_run/{expno}"),
        dataset="LLZO_run",
        expno=str(expno),
        title=kw.pop("title", "LLZO_Ga 7Li"),
        pulse_program=pp,
        nucleus=nucleus,
        td1=8,
        kind=kind,
        kind_reason="test",
        te_K=te,
        fingerprint=f"fp{expno}",
        **kw,
    )


def test_two_nuclei_of_one_sample_are_two_series():
    rows = plan_rows(
        [_found(1, te=250.0), _found(2, te=300.0), _found(3, nucleus="6Li")]
    )
    assert [r.series for r in rows] == ["LLZO_Ga_7Li", "LLZO_Ga_7Li", "LLZO_Ga_6Li"]
    assert {r.sample for r in rows} == {"LLZO_Ga"}


def test_mixed_pulse_programs_are_separate_series():
    rows = plan_rows(
        [
            _found(1),
            _found(2, pp="satrect1nodec"),
            _found(3, pp="t1ir", kind="t1_ir"),
        ]
    )
    assert len({r.series for r in rows}) == 3
    assert rows[0].series == "LLZO_Ga_t1_sr_satrect1"
    assert rows[2].series == "LLZO_Ga_t1_ir"


def test_repeated_temperature_stays_in_the_series_with_a_note():
    rows = plan_rows([_found(1, te=300.0), _found(2, te=300.2), _found(3, te=350.0)])
    assert len({r.series for r in rows}) == 1
    assert "also in EXPNO 2" in rows[0].note and "also in EXPNO 1" in rows[1].note
    assert "also in" not in rows[2].note


def test_exsy_series_split_by_temperature_and_title_temperature_used():
    exsy = dict(pp="noesyph", kind="exsy")
    rows = plan_rows(
        [
            _found(1, mixing_s=0.001, **exsy),
            _found(2, mixing_s=0.01, **exsy),
            _found(3, te=None, title_K=323.0, mixing_s=0.001, **exsy),
        ]
    )
    assert [r.series for r in rows] == ["LLZO_Ga_300K", "LLZO_Ga_300K", "LLZO_Ga_323K"]
    assert rows[2].temperature_K == 323.0 and "from the title" in rows[2].note


def test_unique_ids_when_datasets_share_a_name():
    a = _found(10)
    b = replace(_found(10), path=Path("/other/LLZO_run/10"), fingerprint="x")
    ids = [r.experiment for r in plan_rows([a, b])]
    assert len(set(ids)) == 2 and ids[0] != ids[1]


def test_pick_regions_finds_two_lines_and_not_the_noise():
    rng = np.random.default_rng(3)
    ppm = np.linspace(20, -20, 4096)
    lines = 100 / (1 + ((ppm - 5) / 0.4) ** 2) + 40 / (1 + ((ppm + 3) / 0.6) ** 2)
    frame = pick_regions(ppm, lines + rng.normal(0, 1, ppm.size), defaults().scaffold)
    assert len(frame) == 2
    low, high = frame.iloc[0], frame.iloc[1]
    assert low.ppm_min < -3 < low.ppm_max and high.ppm_min < 5 < high.ppm_max
    assert low.ppm_max <= high.ppm_min


def test_drafts_never_overwrite_an_edited_sheet(tmp_path):
    assert write_drafts(tmp_path, {"nmr.tsv": "a\n"}) == [
        (tmp_path / "nmr.tsv", "written")
    ]
    assert write_drafts(tmp_path, {"nmr.tsv": "a\n"})[0][1] == "unchanged"
    assert write_drafts(tmp_path, {"nmr.tsv": "b\n"})[0][1] == "updated"
    (tmp_path / "nmr.tsv").write_text("b edited\n")
    where, status = write_drafts(tmp_path, {"nmr.tsv": "c\n"})[0]
    assert (where.name, status) == ("nmr.tsv.new", "kept")
    assert (tmp_path / "nmr.tsv").read_text() == "b edited\n"
    assert where.read_text() == "c\n"


# --------------------------------------------------------------------------- #
# real folders
# --------------------------------------------------------------------------- #
EXPECTED_KIND = {
    "cheminfo_1H_t1ir_menthol": "t1_ir",
    "dnplab_1H_odnp_t1ir": "t1_ir",
    "relaxnmr_17O_satrec_LAMOX": "t1_sr",
    "relaxnmr_7Li_T1rho_LNS": "t1rho",
    "relaxnmr_7Li_cpmgT2_SEI": "t2",
    "lineshape_17O_sixpeaks": "1d",
    "lineshape_17O_singlepeak": "1d",
}


def test_every_real_bruker_folder_is_listed_with_its_kind(shared_dir, tmp_path):
    bruker = shared_dir / "bruker"
    folders = {p.parent.parent.name for p in bruker.glob("*/*/acqus")}
    assert folders == set(EXPECTED_KIND), "a new real folder needs its expected kind"
    done = scaffold_campaign([bruker], tmp_path / "c", snakefile=SNAKEFILE)
    assert not done.skipped
    by_dataset = {Path(r.path).parent.name: r for r in done.rows}
    assert {d: r.kind for d, r in by_dataset.items()} == EXPECTED_KIND
    # the title's temperature where acqus TE is implausible (0 K) and one is stated
    lns = by_dataset["relaxnmr_7Li_T1rho_LNS"]
    assert lns.source.te_K == 163.0 and lns.temperature_K is None
    # TopSpin's own regions where the folder has them
    assert (
        "TopSpin intrng"
        in done.region_sources[by_dataset["cheminfo_1H_t1ir_menthol"].sample]
    )
    regions = _read(tmp_path / "c" / "regions.tsv")
    menthol = regions[
        regions["sample"] == by_dataset["cheminfo_1H_t1ir_menthol"].sample
    ]
    assert len(menthol) == 13
    # the drafted sheets are valid sheets: the workflow parses them
    report = (tmp_path / "c" / "init_report.md").read_text()
    assert "snakemake -s" in report and "## Skipped" not in report


def test_skips_say_why(shared_dir, tmp_path):
    """A folder without data, an unknown pulse program and a duplicate are
    skipped with their reason; an interrupted acquisition is listed, flagged."""
    src = shared_dir / "bruker" / "cheminfo_1H_t1ir_menthol" / "1"
    data = tmp_path / "data" / "set"
    shutil.copytree(src, data / "1")
    shutil.copytree(src, data / "2")  # the same acquisition again
    shutil.copytree(src, data / "3")
    (data / "3" / "ser").unlink()
    shutil.copytree(src, data / "4")
    for name in ("vdlist", "pulseprogram"):
        (data / "4" / name).unlink()
    acqus = (data / "4" / "acqus").read_text(encoding="latin-1")
    (data / "4" / "acqus").write_text(
        acqus.replace("<t1ir>", "<zg2d_custom>"), encoding="latin-1"
    )
    shutil.copytree(src, data / "5")
    ser = data / "5" / "ser"
    size = ser.stat().st_size
    with ser.open("r+b") as handle:  # stopped after 6 of 10 rows, mid-row
        handle.truncate(size * 6 // 10 + 100)
    done = scaffold_campaign([tmp_path / "data"], tmp_path / "c", snakefile=SNAKEFILE)
    reasons = {Path(p).name: why for p, why in done.skipped}
    assert reasons["2"].startswith("duplicate of")
    assert reasons["3"].startswith("no ser or fid")
    assert reasons["4"].startswith("unknown pulse program 'zg2d_custom'")
    listed = {Path(r.path).name: r for r in done.rows}
    assert set(listed) == {"1", "5"}
    assert "interrupted_acquisition" in listed["5"].source.flags
    assert "6 of 10 rows" in listed["5"].note
    report = (tmp_path / "c" / "init_report.md").read_text()
    assert "## Skipped" in report and "duplicate of" in report


def test_cli_entry_points(shared_dir, tmp_path, capsys):
    bruker = shared_dir / "bruker" / "relaxnmr_7Li_T1rho_LNS"
    assert cli_main(["init", str(bruker), "--out", str(tmp_path / "a")]) == 0
    assert "snakemake -s" in capsys.readouterr().out
    assert (tmp_path / "a" / "nmr.tsv").is_file()
    env = {**os.environ, "PYTHONPATH": str(REPO / "workflow_scripts")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "liprobe",
            "init",
            str(bruker),
            "--out",
            str(tmp_path / "b"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _read(tmp_path / "b" / "nmr.tsv").equals(_read(tmp_path / "a" / "nmr.tsv"))
    missing = cli_main(["init", str(tmp_path / "nowhere"), "--out", str(tmp_path)])
    assert missing == 1 and "DATA_DIR" in capsys.readouterr().err


# --------------------------------------------------------------------------- #
# the demo: same grouping, same numbers
# --------------------------------------------------------------------------- #
def _absolute(frame: pd.DataFrame, base: Path) -> pd.Series:
    return pd.Series(
        [os.path.normpath(base / p) for p in frame["path"]], index=frame.index
    )


#: kinds only the sheet gives (no acquisition parameter reveals them): init
#: drafts what the folder shows and the user sets these
SHEET_ONLY_KINDS = ("linewidth", "selective_exchange")


def _operando_folders(demo_run: Path) -> list[str]:
    """The dataset folders of the demo's operando NMR runs: init drafts their
    spectra as nmr rows; the user moves them to the operando_nmr sheet."""
    runs = _read(demo_run / "demo" / "operando_nmr.tsv")
    return [os.path.normpath(demo_run / p) for p in runs["path"]]


def _without_operando(frame: pd.DataFrame, folders: list[str]) -> pd.DataFrame:
    """Rows of a drafted sheet (with ``abs``) outside the operando run folders."""
    inside = frame["abs"].map(lambda p: any(p.startswith(f + os.sep) for f in folders))
    return frame[~inside]


@pytest.fixture(scope="module")
def drafted_demo(demo_run, tmp_path_factory):
    """The demo's raw folders drafted by init, with what a user then adds."""
    campaign = tmp_path_factory.mktemp("init_demo")
    scaffold_campaign([demo_run / "demo"], campaign, snakefile=SNAKEFILE)
    return campaign


def test_demo_grouping_matches_the_demo_sheet(demo_run, drafted_demo):
    demo = _read(demo_run / "demo" / "nmr.tsv").set_index("experiment", drop=False)
    ours = _read(drafted_demo / "nmr.tsv")
    demo["abs"] = _absolute(demo, demo_run)
    ours["abs"] = _absolute(ours, drafted_demo)
    operando = _operando_folders(demo_run)
    drafted_operando = ours["abs"].map(
        lambda p: next((f for f in operando if p.startswith(f + os.sep)), None)
    )
    # every operando run's spectra drafted, nothing else beyond the nmr sheet
    assert set(drafted_operando.dropna()) == set(operando)
    ours = _without_operando(ours, operando)
    assert sorted(demo["abs"]) == sorted(ours["abs"])
    kinds = {
        e: peek_kind(p) if k == "auto" or k in SHEET_ONLY_KINDS else k
        for e, k, p in zip(demo.index, demo["kind"], demo["abs"], strict=True)
    }
    demo["series_resolved"] = [series_name(demo, e, kinds[e]) for e in demo.index]
    merged = demo.merge(ours, on="abs", suffixes=("_demo", "_init"))
    assert list(merged["kind_init"]) == [kinds[e] for e in merged["experiment_demo"]]
    groups_demo = sorted(sorted(g["abs"]) for _, g in merged.groupby("series_resolved"))
    groups_init = sorted(sorted(g["abs"]) for _, g in merged.groupby("series_init"))
    assert groups_demo == groups_init
    assert (merged["sample_demo"] == merged["sample_init"]).all()


TABLES = ("relaxation_fits", "relaxation_arrhenius", "exsy_fits", "exsy_arrhenius")


def test_demo_numbers_from_the_drafted_sheets(demo_run, drafted_demo):
    campaign = drafted_demo
    # what the init report asks the user to do: review the regions (here: the
    # demo's reviewed ones) and give the EXSY particle radius
    shutil.copy(demo_run / "demo" / "regions.tsv", campaign / "regions.tsv")
    demo = _read(demo_run / "demo" / "nmr.tsv")
    demo["abs"] = _absolute(demo, demo_run)
    sheet = _read(campaign / "nmr.tsv")
    sheet["abs"] = _absolute(sheet, campaign)
    # the operando spectra go to the operando_nmr sheet, not the nmr sheet
    sheet = _without_operando(sheet, _operando_folders(demo_run))
    for column in ("particle_radius_um", "particle_radius_um_err"):
        if column in demo:
            sheet[column] = sheet["abs"].map(
                dict(zip(demo["abs"], demo[column], strict=True))
            )
    sheet.drop(columns="abs").to_csv(campaign / "nmr.tsv", sep="\t", index=False)
    run_snakemake(
        campaign,
        campaign / "config.yaml",
        targets=[f"results/tables/{t}.parquet" for t in TABLES],
    )

    def paths_of(base: Path) -> dict:
        experiments = pd.read_parquet(base / "results/tables/nmr_experiments.parquet")
        return dict(zip(experiments["experiment"], experiments["path"], strict=True))

    ours_paths, demo_paths = paths_of(campaign), paths_of(demo_run)
    fits = {}
    for base, paths in ((demo_run, demo_paths), (campaign, ours_paths)):
        table = pd.read_parquet(base / "results/tables/relaxation_fits.parquet")
        table["raw"] = table["experiment"].map(paths)
        fits[base] = table.set_index(["raw", "region", "quantity", "model"])
    a, b = fits[demo_run], fits[campaign].loc[fits[demo_run].index]
    for column in ("time_constant_s", "time_constant_s_err", "beta"):
        np.testing.assert_allclose(b[column], a[column], rtol=1e-9, equal_nan=True)
    for name, keys in (
        ("exsy_fits", ["series", "model"]),
        ("exsy_arrhenius", ["sample", "quantity", "model"]),
        ("relaxation_arrhenius", ["series", "region", "quantity", "model"]),
    ):
        a = pd.read_parquet(demo_run / f"results/tables/{name}.parquet")
        b = pd.read_parquet(campaign / f"results/tables/{name}.parquet")
        a, b = a.set_index(keys).sort_index(), b.set_index(keys).sort_index()
        assert list(a.index) == list(b.index), name
        numbers = [c for c in a.columns if a[c].dtype.kind == "f"]
        assert numbers, name
        for column in numbers:
            np.testing.assert_allclose(
                b[column], a[column], rtol=1e-9, equal_nan=True, err_msg=column
            )
