"""The council review deck: screens in the order of urgency, live figures in the snapshot's shape."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from koers.loop import presentation


def rows(*spec: tuple[str, int, str, str, str]) -> pd.DataFrame:
    """(kpi_id, theme, kind, status, title) per KPI, titles the same in both languages but for a prefix."""
    return pd.DataFrame([{"kpi_id": k, "theme": th, "kind": kind, "status": status, "title_nl": title,
                          "title_en": f"en {title}"} for k, th, kind, status, title in spec])


def test_off_track_first_then_outcomes_before_outputs_then_theme_and_title():
    deck = presentation.ordered(rows(
        ("on", 1, "outcome", "on_track", "B"),
        ("risk", 2, "output", "at_risk", "A"),
        ("off_out", 1, "output", "off_track", "A"),
        ("off_2", 2, "outcome", "off_track", "A"),
        ("off_1b", 1, "outcome", "off_track", "B"),
        ("off_1a", 1, "outcome", "off_track", "A"),
        ("ctx", 1, "context", "off_track", "A"),  # context and input stay on the KPI page
        ("none", 3, "outcome", "no_data", "A"),
        ("odd", 3, "outcome", "bogus", "A"),  # an unknown status goes last
    ), "nl")
    assert deck["kpi_id"].tolist() == ["off_1a", "off_1b", "off_2", "off_out", "risk", "on", "none", "odd"]
    assert list(deck.index) == list(range(8))
    assert "_status" not in deck.columns


def test_titles_order_in_the_chosen_language():
    frame = rows(("x", 1, "outcome", "on_track", "B"), ("y", 1, "outcome", "on_track", "A"))
    frame["title_en"] = ["A", "B"]
    assert presentation.ordered(frame, "nl")["kpi_id"].tolist() == ["y", "x"]
    assert presentation.ordered(frame, "en")["kpi_id"].tolist() == ["x", "y"]


def test_themes_with_most_off_track_outcomes_first():
    frame = rows(
        ("a", 1, "outcome", "at_risk", "A"),
        ("b", 2, "outcome", "off_track", "A"),
        ("c", 3, "outcome", "at_risk", "A"),
        ("d", 3, "outcome", "at_risk", "B"),
        ("e", 1, "output", "off_track", "A"),  # outputs do not count
    )
    assert presentation.theme_order(frame, [1, 2, 3]) == [2, 3, 1]
    assert presentation.theme_order(frame.iloc[0:0], [3, 1, 2]) == [1, 2, 3]  # nothing urgent: by number


def test_live_rows_carry_titles_and_thresholds():
    kpis = {"k": SimpleNamespace(title=SimpleNamespace(nl="Titel", en="Title"), privacy_threshold=10)}
    overview = pd.DataFrame({"kpi_id": ["k"], "value": [1.0]})
    live = presentation.live_rows(overview, kpis)
    assert live.loc[0, ["title_nl", "title_en", "privacy_threshold"]].tolist() == ["Titel", "Title", 10]
    assert "title_nl" not in overview.columns  # the cached overview is left alone


def test_a_live_series_withholds_suppressed_values():
    live = pd.DataFrame({"period": ["2023", "2024"], "value": [3.0, 4.0], "suppressed": [False, True], "extra": [1, 2]})
    shaped = presentation.live_series(live)
    assert list(shaped.columns) == ["period", "value", "suppressed"]
    assert shaped["value"].tolist()[0] == 3.0 and np.isnan(shaped["value"].tolist()[1])
    assert presentation.live_series(None).empty
