"""The nmr_peaks step: the real 17O folders reprocessed from their raw FIDs
reproduce the published pseudo-Voigt fits; the sites sheet is read with clear
errors; MAS sidebands give the spinning rate; a series fitted jointly shares
its shifts and widths; a fit that cannot run is a flagged row.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from liprobe.errors import InputError
from liprobe.io.sheets import load_schema, read_sheet, sideband_orders
from liprobe.io.tables import read_table
from liprobe.io.units import unit_of
from liprobe.options import defaults
from liprobe.steps import nmr_peaks
from liprobe.steps.job import Fields, Job

from conftest import REPO


def _published(folder):
    """Position (with its error), FWHM (ppm) and percentage per peak."""
    text = (folder / "pdata/1/pseudoVoigtPeak_metrics.txt").read_text()
    pos = [
        (float(a), float(b))
        for a, b in re.findall(r"Position: ([\d.]+) ± ([\d.]+)", text)
    ]
    fwhm = [
        float(v) for v in re.findall(r"Width \(FWHM\): ([\d.]+) ± [\d.]+ ppm", text)
    ]
    pct = [float(v) for v in re.findall(r"Percentage: ([\d.]+)%", text)]
    return pos, fwhm, pct


def _item(experiment, path, sites, regions=(), **extra):
    return {
        "experiment": experiment,
        "sample": extra.pop("sample", experiment),
        "series": extra.pop("series", ""),
        "path": str(path),
        "procno": 1,
        "overrides": {},
        "regions": list(regions),
        "sites": sites,
        "shared": extra.pop("shared", False),
        "state": extra.pop("state", ""),
        "mass_mg": extra.pop("mass_mg", None),
        "mas_rate_Hz": extra.pop("mas_rate_Hz", None),
    }


def _site(name, shift, halfwidth, shape="pseudo_voigt", sidebands=()):
    return {
        "site": name,
        "shift_ppm": shift,
        "shift_min_ppm": shift - halfwidth,
        "shift_max_ppm": shift + halfwidth,
        "shape": shape,
        "sidebands": list(sidebands),
        "shared": False,
    }


def run_peaks(tmp_path, items, **peaks):
    options = defaults(peaks=peaks)
    job = Job(
        input=Fields(),
        output=Fields(
            peaks=str(tmp_path / "nmr_peaks.parquet"),
            curves=str(tmp_path / "curves.parquet"),
        ),
        params=Fields(
            experiments=items, nmr=options.nmr.params(), peaks=options.peaks.params()
        ),
        log=[str(tmp_path / "nmr_peaks.log")],
    )
    nmr_peaks.run(job)
    return read_table(job.output.peaks), read_table(job.output.curves)


def test_real_17O_folders_reproduce_the_published_fits(tmp_path, shared_dir):
    """Both folders through the step, reprocessed from fid with the nmr
    block's defaults (procs phases, TopSpin's baseline), a constant baseline as
    in the published fit. Sites sheet rows: the published positions rounded to
    5 ppm, +-4 ppm bounds (six lines), +-15 ppm (one line); regions 300-720 and
    500-660 ppm. The four main lines of the six: positions within 2 sigma (the
    published sigma and ours combined) or 0.5 ppm, FWHM within 5 %,
    percentages within 2 points; the single line likewise."""
    six = shared_dir / "bruker/lineshape_17O_sixpeaks/4"
    one = shared_dir / "bruker/lineshape_17O_singlepeak/10"
    pos6, fwhm6, pct6 = _published(six)
    pos1, fwhm1, _ = _published(one)
    items = [
        _item(
            "sixpeaks",
            six,
            [
                _site(f"p{i + 1}", 5.0 * round(p / 5.0), 4.0)
                for i, (p, _) in enumerate(pos6)
            ],
            [{"region": "all", "ppm_min": 300.0, "ppm_max": 720.0}],
        ),
        _item(
            "singlepeak",
            one,
            [_site("p1", 580.0, 15.0)],
            [{"region": "all", "ppm_min": 500.0, "ppm_max": 660.0}],
        ),
    ]
    table, curves = run_peaks(tmp_path, items, baseline_order=0)
    for column in table.columns:
        assert unit_of(column) is not None, column
    rows = table.set_index(["experiment", "site"])
    checks = [("sixpeaks", i, pos6, fwhm6, pct6) for i in (0, 2, 3, 4)]
    checks.append(("singlepeak", 0, pos1, fwhm1, [100.0]))
    for experiment, i, pos, fwhm, pct in checks:
        row = rows.loc[(experiment, f"p{i + 1}")]
        sigma = np.hypot(pos[i][1], row.shift_ppm_err)
        assert abs(row.shift_ppm - pos[i][0]) < max(2 * sigma, 0.5), (experiment, i)
        assert row.fwhm_ppm == pytest.approx(fwhm[i], rel=0.05), (experiment, i)
        assert abs(100 * row.fraction - pct[i]) < 2.0, (experiment, i)
        assert row.shift_ppm_err > 0 and row.area_err > 0
    assert set(table["sites_source"]) == {"sheet"}
    assert set(table["nucleus"]) == {"17O"}
    assert (table["d1_s"] > 0).all() and (table["ns"] > 0).all()
    # the curves: data, fit, baseline and one per site for both experiments
    six_curves = set(curves.loc[curves["experiment"] == "sixpeaks", "curve"])
    assert six_curves == {
        "data",
        "fit",
        "baseline",
        *(f"site:p{i}" for i in range(1, 7)),
    }


def test_lines_are_picked_within_regions_without_sites_rows(tmp_path, shared_dir):
    one = shared_dir / "bruker/lineshape_17O_singlepeak/10"
    pos, fwhm, _ = _published(one)
    items = [
        _item(
            "singlepeak",
            one,
            [],
            [{"region": "O1", "ppm_min": 540.0, "ppm_max": 620.0}],
        )
    ]
    table, _ = run_peaks(tmp_path, items, baseline_order=0)
    (row,) = table.itertuples()
    assert row.site == "O1" and row.sites_source == "picked"
    assert abs(row.shift_ppm - pos[0][0]) < 0.5
    assert row.fwhm_ppm == pytest.approx(fwhm[0], rel=0.05)


def test_a_fit_that_cannot_run_is_a_flagged_row(tmp_path, shared_dir):
    """A site whose bounds (and so the fit window, without regions or margin)
    hold too few spectrum points cannot be fitted: its row stays, flagged."""
    one = shared_dir / "bruker/lineshape_17O_singlepeak/10"
    items = [
        _item("tiny", one, [_site("a", 580.0, 1e-4)], sample="tiny"),
    ]
    table, _ = run_peaks(tmp_path, items, window_margin=0.0)
    (row,) = table.itertuples()
    assert not row.fit_ok and row.flags.startswith("fit_failed")
    assert np.isnan(row.shift_ppm)


def _sites_sheet(tmp_path, text):
    path = tmp_path / "sites.tsv"
    path.write_text(text)
    schema = load_schema(REPO / "config/schemas/sites.schema.yaml")
    return read_sheet(path, schema, "sites", tmp_path)


HEADER = "sample\tsite\tshift_ppm\tshift_min_ppm\tshift_max_ppm\tshape\tsidebands\n"


def test_sites_sheet_is_read_with_defaults(tmp_path):
    sheet = _sites_sheet(
        tmp_path,
        HEADER + "s1\tLAGP\t-1\t-3\t1\t\t-1, 1\ns1\tPEO\t0.5\t0\t2\tgaussian\t\n",
    )
    assert list(sheet["shape"]) == ["pseudo_voigt", "gaussian"]
    assert list(sheet["shared"]) == ["no", "no"]
    assert sideband_orders(sheet["sidebands"].iloc[0]) == (-1, 1)
    assert sideband_orders(sheet["sidebands"].iloc[1]) == ()


@pytest.mark.parametrize(
    "rows, field, found",
    [
        ("s1\ta\t5\t-3\t1\t\t\n", "shift_ppm", "shift_ppm=5.0"),
        ("s1\ta\t0\t-3\t1\tvoigt\t\n", "shape", "voigt"),
        ("s1\ta\t0\t-3\t1\t\t1;2\n", "sidebands", "1;2"),
        ("s1\ta\t0\t-3\t1\t\t\ns1\ta\t0\t-3\t1\t\t\n", "site", "site 'a'"),
        ("s/1\ta\t0\t-3\t1\t\t\n", "sample", "s/1"),
    ],
)
def test_sites_sheet_errors_name_file_field_and_value(tmp_path, rows, field, found):
    with pytest.raises(InputError) as info:
        _sites_sheet(tmp_path, HEADER + rows)
    message = str(info.value)
    assert "sites.tsv" in message and field in message and found in message


def test_mixed_shared_values_of_one_sample_are_an_error(tmp_path):
    with pytest.raises(InputError, match="shared"):
        _sites_sheet(
            tmp_path,
            "sample\tsite\tshift_ppm\tshift_min_ppm\tshift_max_ppm\tshared\n"
            "s1\ta\t0\t-1\t1\tyes\ns1\tb\t3\t2\t4\tno\n",
        )


def test_nmr_sheet_takes_state_mass_and_mas_rate():
    schema = load_schema(REPO / "config/schemas/nmr.schema.yaml")
    for column in ("state", "mass_mg", "mas_rate_Hz"):
        assert column in schema["properties"]


def test_table_columns_are_declared():
    frame = pd.DataFrame(columns=nmr_peaks.FRONT)
    for column in frame.columns:
        assert unit_of(column) is not None, column
