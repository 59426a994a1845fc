"""The overview's cards: change since the previous value, the sparkline, and the largest changes
since last year, on series written out by hand."""

from __future__ import annotations

import html
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from koers.kpis import cards


def series(values: dict[str, float | None]) -> pd.DataFrame:
    return pd.DataFrame({"period": list(values), "value": [np.nan if v is None else v for v in values.values()]})


def test_change_since_the_previous_value_when_the_series_ends_this_year():
    history = series({"2022": 4.0, "2023": 5.5, "2024": 7.0})
    assert cards.change_since_previous(history, 7.0, 2024) == pytest.approx(1.5)
    assert cards.change_since_previous(history, 7.0, 2025) is None  # the latest row is not this year's
    assert cards.change_since_previous(series({"2024": 7.0}), 7.0, 2024) is None  # nothing before it
    assert cards.change_since_previous(None, 7.0, 2024) is None
    assert cards.change_since_previous(series({"2023": None, "2024": 7.0}), 7.0, 2024) is None
    assert cards.change_since_previous(history, math.nan, 2024) is None  # withheld or missing now


def test_the_sparkline_invents_nothing_and_ends_at_the_selected_year():
    history = series({"2021": None, "2022": 2.0, "2023": None, "2024": 3.0, "2025": 4.0})
    points = cards.sparkline(history, 2024)  # no 0 before 2022, no 2.0 carried into 2023, no 2025
    assert points["period"].tolist() == ["2022", "2023", "2024"] and points["value"].tolist() == [2.0, None, 3.0]
    assert cards.sparkline(history, 2022)["value"].tolist() == [2.0]
    # a series ending before the selected year runs on to it as a gap, not as its last value
    assert cards.sparkline(series({"2022": 2.0}), 2024)["value"].tolist() == [2.0, None, None]
    assert cards.sparkline(series({"2021": None, "2022": None}), 2024) is None
    assert cards.sparkline(None, 2024) is None


def test_the_largest_changes_since_last_year_first():
    history = {
        "a": series({"2023": 100.0, "2024": 110.0}),  # +10 %
        "b": series({"2023": 50.0, "2024": 25.0}),  # -50 %
        "c": series({"2023": 0.0, "2024": 5.0}),  # from 0: no relative change
        "d": series({"2023": None, "2024": 5.0}),  # nothing to compare with
        "e": series({"2022": 1.0, "2024": 2.0}),  # no value last year
        "f": series({"2023": 4.0, "2024": 4.2}),  # +5 %
    }
    changed = cards.changes_since_last_year(history, 2024)
    assert changed["kpi_id"].tolist() == ["b", "a", "f"]
    assert changed["change"].tolist() == pytest.approx([-50.0, 10.0, 5.0])
    assert changed.loc[0, "before"] == 50.0 and changed.loc[0, "now"] == 25.0
    assert cards.changes_since_last_year(history, 2024, top=2)["kpi_id"].tolist() == ["b", "a"]


def test_no_changes_is_an_empty_table():
    changed = cards.changes_since_last_year({"a": series({"2024": 1.0})}, 2024)
    assert changed.empty and list(changed.columns) == ["kpi_id", "before", "now", "change", "example"]


def test_a_change_resting_on_invented_figures_says_so():
    history = {"real": series({"2023": 10.0, "2024": 11.0}), "made_up": series({"2023": 10.0, "2024": 12.0})}
    history["made_up"]["example_value"] = [False, True]  # only this year's value is invented: so is the change
    history["real"]["example_value"] = [False, False]
    changed = cards.changes_since_last_year(history, 2024).set_index("kpi_id")
    assert changed["example"].to_dict() == {"made_up": True, "real": False}


def test_the_sparkline_breaks_at_a_gap_dots_every_known_year_and_says_every_value():
    from koers.dashboard.widgets import SPARK_HEIGHT, SPARK_PAD, sparkline_svg

    points = pd.DataFrame({"period": ["2020", "2021", "2022", "2023", "2024"], "value": [2.0, 4.0, None, 3.0, None]}, dtype=object)
    svg = sparkline_svg(points, "nl")
    line, dots = re.findall(r'<path d="([^"]*)"', svg)
    # x: 4 + i * 23 (five years over 100 - 2 * 4); y: the highest value (4) at the top, the lowest (2) at the bottom
    low, high = SPARK_HEIGHT - SPARK_PAD, SPARK_PAD
    assert line == f"M4.00 {low:.2f}L27.00 {high:.2f}M73.00 {(low + high) / 2:.2f}"  # 2022 missing: a new subpath for 2023
    assert dots == f"M4.00 {low:.2f}h0M27.00 {high:.2f}h0M73.00 {(low + high) / 2:.2f}h0"  # 2023 alone: still a dot
    assert 'aria-label="2020: 2; 2021: 4; 2022: –; 2023: 3; 2024: –"' in svg  # read out, and the tooltip
    assert "<title>2020: 2; 2021: 4; 2022: –; 2023: 3; 2024: –</title>" in svg
    assert json.loads(html.unescape(re.search(r'data-series="([^"]*)"', svg).group(1))) == {
        "2020": 2.0, "2021": 4.0, "2022": None, "2023": 3.0, "2024": None}
    one = pd.DataFrame({"period": ["2020"], "value": [2.5]})
    assert "<title>2020: 2,50</title>" in sparkline_svg(one, "nl") and "<title>2020: 2.50</title>" in sparkline_svg(one, "en")
    assert re.findall(r'<path d="([^"]*)"', sparkline_svg(one, "nl")) == ["M50.00 24.00", "M50.00 24.00h0"]  # one year: mid-card
