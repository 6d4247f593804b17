"""Which sheet rows become 1D selective-inversion exchange series, and the
sheet errors of their inverted_site column."""

import pandas as pd
import pytest

from liprobe.errors import InputError
from liprobe.plan.campaign import selective_plan

REGIONS = pd.DataFrame(
    {
        "sample": ["S", "S", "S", "T"],
        "region": ["se", "coat", "el", "x"],
        "ppm_min": [1.0, -1.0, 2.0, 5.0],
        "ppm_max": [1.5, -0.5, 3.0, 6.0],
    }
)


def _nmr(inverted, kind="selective_exchange"):
    return pd.DataFrame(
        {
            "experiment": ["s1", "s2", "e1"],
            "sample": ["S", "S", "S"],
            "path": ["p/s1", "p/s2", "p/e1"],
            "kind": [kind, kind, "exsy"],
            "series": ["sel", "sel", None],
            "inverted_site": [*inverted, None],
        }
    ).set_index("experiment")


def test_selective_series_with_their_inverted_sites_and_sample_regions():
    nmr = _nmr(["coat", "se"])
    kinds = dict(zip(nmr.index, nmr["kind"], strict=True))
    plan = selective_plan(nmr, kinds, REGIONS)
    assert plan["samples"] == ["S"]
    assert plan["series"] == {
        "sel": {
            "sample": "S",
            "inverted": {"s1": "coat", "s2": "se"},
            "sites": ["se", "coat", "el"],
        }
    }


def test_no_selective_rows_no_series():
    nmr = _nmr(["coat", "se"], kind="1d")
    kinds = dict(zip(nmr.index, nmr["kind"], strict=True))
    assert selective_plan(nmr, kinds, REGIONS)["series"] == {}


@pytest.mark.parametrize(
    ("inverted", "found"), [([None, "se"], None), (["coat", "nowhere"], "nowhere")]
)
def test_inverted_site_errors_name_the_experiment(inverted, found):
    nmr = _nmr(inverted)
    kinds = dict(zip(nmr.index, nmr["kind"], strict=True))
    with pytest.raises(InputError) as info:
        selective_plan(nmr, kinds, REGIONS)
    assert info.value.file == "nmr sheet"
    assert info.value.field.startswith("inverted_site (experiment")
    assert info.value.found == found
