"""A provisional observation's status reaches every output: the shown value carries the mark, and
the compare page's frames (map, ranking, side by side) carry the flag."""

from __future__ import annotations

import numpy as np
import pandas as pd

from koers import present
from koers.kpis import analysis


def results() -> pd.DataFrame:
    return pd.DataFrame({
        "kpi_id": ["k"] * 3, "region_code": ["GM0001", "GM0002", "GM0003"], "period": ["2020"] * 3,
        "value": [12.5, np.nan, 4.0], "status": ["ok", "suppressed", "ok"], "provisional": [True, True, False],
        "harmonised": [False] * 3, "example": [False] * 3, "suppressed": [False, True, False], "sources": ["84799NED"] * 3,
    })


def test_the_shown_value_carries_the_provisional_mark():
    assert present.provisional_mark("12,5", True, "nl") == "12,5 (voorlopig)"
    assert present.provisional_mark("12.5", np.True_, "en") == "12.5 (provisional)"
    assert present.provisional_mark("12,5", False, "nl") == "12,5"
    assert present.provisional_mark("12,5", pd.NA, "nl") == "12,5"
    assert present.provisional_mark("", True, "nl") == ""  # no value, no mark


def test_compare_frames_carry_the_flag_for_a_value_only():
    ranked = analysis.ranking(results(), "k", 2020, "higher_is_better").set_index("region_code")
    assert ranked.loc["GM0001", "provisional"] and not ranked.loc["GM0003", "provisional"]
    assert not ranked.loc["GM0002", "provisional"]  # withheld: nothing shown, nothing marked
    mapped = analysis.map_values(results(), "k", 2020, ["GM0001", "GM0002", "GM0003", "GM0004"]).set_index("region_code")
    assert mapped["provisional"].tolist() == [True, False, False, False]
    side = analysis.side_by_side(results(), ["k"], ["GM0003", "GM0001"], 2020)
    assert side["provisional"].tolist() == [False, True]
