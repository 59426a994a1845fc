"""Every presentation rule of `koers.present`, with the expected texts written out by hand."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from koers import i18n, present
from koers.kpis import assess


# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "lang", "decimals", "expected"), [
    (1234.5, "nl", None, "1.234"),  # from 1000 up: no decimals
    (1234.5, "en", None, "1,234"),
    (1234.5, "nl", 1, "1.234,5"),
    (1234.5, "en", 1, "1,234.5"),
    (12.345, "nl", None, "12,3"),  # from 10 up: one decimal
    (1.2345, "nl", None, "1,23"),  # below 10: two
    (-1.2345, "en", None, "-1.23"),
    (7.0, "nl", None, "7"),  # a whole number: none
    (1_000_000, "nl", None, "1.000.000"),
    (0.5, "nl", 0, "0"),  # Python rounds half to even
    (None, "nl", None, "–"),
    (math.nan, "en", None, "–"),
    (pd.NA, "nl", None, "–"),
    (np.float64(2.5), "nl", None, "2,50"),
])
def test_number_per_language(value, lang, decimals, expected):
    assert present.number(value, lang, decimals) == expected


def test_signed_shows_the_direction_of_a_change():
    assert present.signed(1.5, "nl") == "+1,50"
    assert present.signed(-0.25, "en") == "-0.25"
    assert present.signed(0, "nl") == "0"
    assert present.signed(None, "nl") == "–"


def test_separators_for_charts_and_csv():
    assert present.plotly_separators("nl") == ",." and present.plotly_separators("en") == ".,"
    assert present.csv_format("nl") == (";", ",") and present.csv_format("en") == (",", ".")


# --- small numbers ----------------------------------------------------------------------------


def test_a_withheld_value_reads_as_withheld_not_as_a_small_value():
    """"< 10" next to a rate read as "the rate is below 10"; the words say what is below n: the count."""
    assert present.shown(None, True, 10, "nl") == "afgeschermd (aantal minder dan 10)"
    assert present.shown(3.0, True, 10, "en") == "withheld (count fewer than 10)"  # the flag decides, not the value
    assert present.shown(None, True, 1000, "nl") == "afgeschermd (aantal minder dan 1.000)"  # n in the language's format
    assert present.shown(None, True, 10, "nl", unit="%") == "afgeschermd (aantal minder dan 10)"  # no unit: no number
    assert present.shown(4.0, True, 10, "nl", count=True) == "afgeschermd: minder dan 10"  # a count itself
    assert present.shown(4.0, True, 10, "en", count=True) == "withheld: fewer than 10"


def test_a_value_that_is_not_withheld_is_the_number_with_its_unit():
    assert present.shown(12.345, False, 10, "nl") == "12,3"
    assert present.shown(12.345, False, 10, "nl", decimals=2, unit="%") == "12,35 %"
    assert present.shown(None, False, 10, "nl", unit="%") == "–"  # no unit after a missing value
    assert present.shown(math.nan, np.False_, 10, "en", missing="no value") == "no value"


@pytest.mark.parametrize("threshold", [None, 0, math.nan, pd.NA])
def test_without_a_threshold_nothing_is_masked_and_never_less_than_zero(threshold):
    assert not present.masked(True, threshold)
    assert present.shown(-4.5, True, threshold, "nl") == "-4,50"  # a negative value is shown, never "fewer than 0"
    assert present.shown(None, True, threshold, "nl") == "–"


def test_the_flag_may_be_missing():
    assert not present.masked(None, 10) and not present.masked(math.nan, 10) and present.masked(np.True_, 10)


def test_the_marker_words_for_rates_and_counts():
    assert present.marker(10.0, "en") == "withheld (count fewer than 10)"
    assert present.marker(1000, "en", count=True) == "withheld: fewer than 1,000"
    assert present.marker(1000, "nl") == "afgeschermd (aantal minder dan 1.000)"


def test_an_export_column_keeps_numbers_and_leaves_a_withheld_value_empty():
    values = pd.Series([1.5, None, 2.0, 7.25], index=[3, 4, 5, 6])
    hidden = pd.Series([False, True, False, False], index=values.index)
    dutch_csv = present.export_column(values, hidden, 10, "nl", for_csv=True)
    assert dutch_csv.tolist() == ["1,5", None, "2,0", "7,25"] and list(dutch_csv.index) == [3, 4, 5, 6]
    assert present.export_column(values, hidden, 10, "en", for_csv=True).tolist() == ["1.5", None, "2.0", "7.25"]
    # a withheld value passed in is not written either: the flag decides
    assert present.export_column(pd.Series([4.0]), pd.Series([True]), 10, "nl", for_csv=False).tolist() == [None]
    assert present.export_column(values, hidden, 10, "nl", for_csv=False).tolist() == [1.5, None, 2.0, 7.25]
    missing = present.export_column(pd.Series([np.nan]), pd.Series([False]), 10, "nl", for_csv=True)
    assert missing.tolist() == [None]
    assert present.export_column(pd.Series([-3.0]), pd.Series([True]), 0, "en", for_csv=True).tolist() == ["-3.0"]


def test_a_masked_column_of_a_frame():
    texts = pd.Series(["1", "", "12", "-3"], index=[10, 11, 12, 13])
    out = present.masked_column(texts, [False, True, True, True], [10, 10, None, 0])
    assert out.tolist() == ["1", "", "12", "-3"] and list(out.index) == [10, 11, 12, 13]  # a file: empty, flagged
    words = present.masked_column(pd.Series(["1", "4"]), [False, True], [10, 10], "en", count=True)
    assert words.tolist() == ["1", "withheld: fewer than 10"]
    assert present.masked_column(pd.Series([], dtype=object), [], []).tolist() == []


def test_small_counts_need_a_threshold():
    values = pd.Series([3.0, 10.0, 12.0, -5.0, np.nan, 4.0])
    thresholds = pd.Series([10, 10, 10, np.nan, 10, 0])
    assert present.small_counts(values, thresholds).tolist() == [True, False, False, False, False, False]


def test_a_negative_value_is_never_less_than_zero():
    """The rule the Data page's outliers and `koers observations` use: without a threshold (0 or
    missing) a negative value is shown as itself; with one, a count below it is withheld, never "fewer than 0"."""
    values = pd.Series([-60.25, -4.0, -4.0, -4.0])
    thresholds = pd.Series([0, np.nan, 10, 0])
    hidden = present.small_counts(values, thresholds)
    assert hidden.tolist() == [False, False, True, False]
    shown = [present.shown(v, h, n, "nl", count=True) for v, h, n in zip(values, hidden, thresholds)]
    assert shown == ["-60,2", "-4", "afgeschermd: minder dan 10", "-4"]
    texts = present.masked_column(values.map(repr), hidden, thresholds)
    assert texts.tolist() == ["-60.25", "-4.0", "", "-4.0"]


# --- statuses, trends, outcomes ---------------------------------------------------------------


def test_status_keys_are_the_ones_assess_computes_off_track_first():
    assert set(present.STATUS_ORDER) == set(assess.STATUSES)
    assert present.STATUS_ORDER[0] == "off_track"
    assert set(present.STATUS_SYMBOL) == set(present.STATUS_BADGE) == set(assess.STATUSES)
    assert [present.status_rank(s) for s in ("on_track", "off_track", "no_data", "at_risk", None)] == [2, 0, 5, 1, 6]


def test_status_words_and_symbols():
    assert present.status_word("off_track", "nl") == "uit koers"
    assert present.status_text("off_track", "nl") == "✖ uit koers"
    assert present.status_text("on_track", "en") == "✔ on track"
    assert present.status_text("at_risk", "nl") == "⚠ risico"
    assert present.status_text("no_target", "en") == "– no target"
    assert present.status_text("too_few_years", "nl") == "… te weinig jaren"
    assert present.status_text("no_data", "nl") == "? geen data"
    for status in present.STATUS_ORDER:  # every status has its words in both catalogues
        for lang in i18n.LANGUAGES:
            assert present.status_word(status, lang) != f"status.{status}"


def test_status_counts_and_their_line():
    statuses = ["on_track", "off_track", "off_track", "no_target", "bogus"]
    assert present.status_counts(statuses) == {"off_track": 2, "at_risk": 0, "on_track": 1, "too_few_years": 0, "no_target": 1,
                                                "no_data": 1}
    assert present.counts_text(pd.Series(statuses[:4]), "nl") == "1 op koers · 0 risico · 2 uit koers · 0 te weinig jaren · 1 zonder doel"


def test_trend_arrows():
    assert present.trend_text("up", "nl") == "↗ stijgend"
    assert present.trend_text("down", "en") == "↘ falling"
    assert present.trend_text("flat", "nl") == "→ gelijk"
    assert present.trend_text(None, "nl") == "" and present.trend_text(math.nan, "nl", missing="onbekend") == "onbekend"


def test_outcomes_and_overdue():
    assert present.outcome_text("met", "nl") == "✔ gehaald"
    assert present.outcome_text("not_met", "en") == f"✖ {i18n.text('en', 'review_page.outcomes.not_met')}"
    assert present.outcome_text("unknown", "nl") == "? onbekend"
    assert present.overdue_text("nl") == f"◷ {i18n.text('nl', 'learning_page.overdue')}"  # no emoji: DejaVu has U+25F7


def test_flag_notes_in_the_dashboards_order():
    row = {"provisional": True, "harmonised": False, "example": True, "suppressed": np.True_}
    assert present.flag_notes(row, "nl") == ["voorlopig", "voorbeelddata (fictief)", "onderdrukt (kleine aantallen)"]
    assert present.flag_notes(pd.Series({"provisional": None, "example": math.nan}), "en") == []


# --- names, order, peers ----------------------------------------------------------------------


def kpi(theme: int, kind: str, nl: str, en: str) -> SimpleNamespace:
    return SimpleNamespace(theme=theme, kind=kind, title=SimpleNamespace(nl=nl, en=en))


def test_kpis_in_reading_order_with_their_labels():
    kpis = {"b": kpi(2, "outcome", "Bèta", "Beta"), "a": kpi(1, "output", "Alfa", "Zulu"),
            "c": kpi(1, "outcome", "Gamma", "Gamma"), "d": kpi(1, "output", "Delta", "Delta")}
    assert present.kpi_order(kpis, "nl") == ["c", "a", "d", "b"]  # theme, then kind (alphabetical), then title
    assert present.kpi_order(kpis, "en") == ["c", "d", "a", "b"]
    assert present.kpi_labels(kpis, "nl") == {
        "c": "Gamma (Outcome)", "a": "Alfa (Output)", "d": "Delta (Output)", "b": "Bèta (Outcome)"}


def test_titles_and_themes_per_language():
    row = {"title_nl": "Werkloosheid", "title_en": "Unemployment"}
    assert present.title_of(row, "nl") == "Werkloosheid" and present.title_of(pd.Series(row), "en") == "Unemployment"
    assert present.theme_label(3, "nl") == "3. Open en transparant in de participatiesamenleving"


def test_one_tuple_of_peer_kinds_for_the_engine_and_the_dashboard():
    assert assess.PEER_KINDS is present.PEER_KINDS
    for kind in present.PEER_KINDS:
        if kind != "custom":  # the dashboard offers every kind but the list-based one
            assert i18n.text("nl", f"peers.{kind}") != f"peers.{kind}"


# --- dates ------------------------------------------------------------------------------------


def test_dates_on_screen_and_in_documents():
    moment = dt.datetime(2026, 11, 28, 9, 5, 7)
    assert present.date_text(moment) == "28-11-2026"
    assert present.date_text(moment, with_time=True) == "28-11-2026 09:05"
    assert present.date_text(moment, seconds=True) == "28-11-2026 09:05:07"
    assert present.date_text("2026-01-02") == "02-01-2026" and present.date_text(None) == "" and present.date_text(pd.NaT) == ""
    assert present.document_date(moment, "nl") == "28-11-2026"
    assert present.document_date(moment, "en") == "2026-11-28"
    assert present.document_date(moment, "en", with_time=True) == "2026-11-28 09:05"
    assert present.document_date(None, "nl") == "–"
