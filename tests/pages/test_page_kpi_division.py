"""The KPI page on merged and dissolved municipalities (issue 12), on the demo database.

Eemsdelta (GM1979) was formed on 1 January 2021 from Appingedam, Delfzijl and Loppersum: on the
historical division its series starts then; the page's switch (the frame's `indeling`) shows its
predecessors' history added up to today's municipality. Delfzijl (GM0010) went into Eemsdelta: the
page says so in the Overzicht page's words and links to Eemsdelta."""

from __future__ import annotations

import base64
import datetime as dt
import json
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from koers import i18n
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.store import Store

pytestmark = pytest.mark.slow  # the whole dashboard, the library evaluated on both divisions

PAGE = ROOT / "pages" / "kpi.py"
KPI = "online_products_share"  # a KPI whose predecessors' figures reach back before 2021


@pytest.fixture(scope="module")
def series(demo_template, tmp_path_factory):
    """Per division ("today", "historical") every KPI's rows for Eemsdelta and Delfzijl, evaluated here
    (the shipped library: `app_on` gives the app an empty folder of own KPIs, as here)."""
    with Store.open(demo_template, read_only=True) as store:
        library = load_library(tmp_path_factory.mktemp("metrics"), store.known_indicator_ids())
        out = {}
        for division, on in (("today", dt.date.today()), ("historical", None)):
            results = evaluate(store, library, harmonise_on=on)
            out[division] = results[results["region_code"].isin(["GM1979", "GM0010"])]
        story = {"predecessors": store.predecessors("GM1979"), "delfzijl": store.region("GM0010")}
    return out, story


def first_year(frame: pd.DataFrame, region: str) -> str:
    rows = frame[(frame["region_code"] == region) & (frame["kpi_id"] == KPI) & frame["value"].notna()]
    return rows["period"].min()


def last_year(frame: pd.DataFrame, region: str) -> str:
    rows = frame[(frame["region_code"] == region) & (frame["kpi_id"] == KPI) & frame["value"].notna()]
    return rows["period"].max()


def drawn_line(at: AppTest) -> tuple[str, list[str]]:
    """The chart's first trace (the municipality's line): its name and the periods with a value."""
    line = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    y = line["y"]
    values = (np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]) if isinstance(y, dict)
              else np.array([np.nan if v is None else v for v in y], dtype=float))
    x = line["x"] if isinstance(line["x"], list) else list(line["x"])
    return line["name"], [period for period, value in zip(x, values) if not np.isnan(value)]


def test_eemsdelta_switch_shows_the_predecessors_history(app_on, demo_shared, series):
    results, story = series
    predecessors = ", ".join(story["predecessors"]["name"])
    assert predecessors == "Appingedam, Delfzijl, Loppersum"
    assert first_year(results["historical"], "GM1979") == "2021"  # hand check: formed 01-01-2021
    expected_start = first_year(results["today"], "GM1979")
    assert expected_start == "2015"  # the predecessors' figures reach back to 2015

    at = app_on(demo_shared, PAGE, gemeente="GM1979", jaar="2024", indeling="historical", kpi=KPI)
    assert not at.error, [e.value for e in at.error]
    assert "Eemsdelta is ontstaan per 01-01-2021 uit Appingedam, Delfzijl, Loppersum." in [c.value for c in at.caption]
    switch = at.toggle(key="kpi_harmonise")
    assert switch.label == "Toon de geschiedenis van de voorgangers (huidige indeling)" and switch.value is False
    name, periods = drawn_line(at)
    assert name == "Eemsdelta" and periods[0] == "2021"

    switch.set_value(True)
    at.run()
    assert at.toggle(key="kpi_harmonise").value is True
    # the switch is the frame's division: in the sidebar and the URL too
    assert at.session_state["indeling"] == "today" and at.query_params["indeling"] == "today"
    name, periods = drawn_line(at)
    assert periods[0] == expected_start == "2015"
    assert periods[-1] == last_year(results["today"], "GM1979")

    at.toggle(key="kpi_harmonise").set_value(False)
    at.run()
    assert at.session_state["indeling"] == "historical" and drawn_line(at)[1][0] == "2021"


def test_eemsdelta_on_todays_division_has_the_switch_on(app_on, demo_shared):
    at = app_on(demo_shared, PAGE, gemeente="GM1979", jaar="2024", kpi=KPI)
    assert at.toggle(key="kpi_harmonise").value is True and drawn_line(at)[1][0] == "2015"
    assert not [w for w in at.warning]


def test_a_municipality_without_a_recent_merger_has_no_switch(app_on, demo_shared):
    at = app_on(demo_shared, PAGE, gemeente="GM0344", jaar="2024", kpi=KPI)  # Utrecht's last merger: 2001
    assert not at.toggle and not at.warning


def test_amsterdam_says_weesp_went_into_it(app_on, demo_shared):
    at = app_on(demo_shared, PAGE, gemeente="GM0363", jaar="2024", kpi=KPI)
    assert "Weesp is per 24-03-2022 opgegaan in Amsterdam." in [c.value for c in at.caption]
    assert at.toggle(key="kpi_harmonise").value is True


def successor_links(at: AppTest) -> list[tuple[str, str, dict]]:
    return [(link.proto.label, link.proto.page, parse_qs(link.proto.query_string))
            for link in at.get("page_link") if link.proto.label.startswith("Open ")]


def test_delfzijl_names_its_successor_with_a_link(app_on, demo_shared, series):
    results, story = series
    assert story["delfzijl"]["valid_to"] == pd.Timestamp("2021-01-01")
    at = app_on(demo_shared, PAGE, gemeente="GM0010", jaar="2024", kpi=KPI)
    assert not at.error, [e.value for e in at.error]
    # the Overzicht page's own text (koers/locales/nl/core.yaml overview.*), not a copy
    reason = i18n.text("nl", "overview.merged_into", successor="Eemsdelta (GM1979)", date="01-01-2021")
    expected = i18n.text("nl", "overview.not_in_division", name="Delfzijl", reason=reason, successor="Eemsdelta (GM1979)")
    assert expected.startswith("Delfzijl is geen gemeente in de huidige indeling: opgegaan in Eemsdelta (GM1979) per 01-01-2021.")
    assert [w.value for w in at.warning] == [expected]
    [(label, page, query)] = successor_links(at)
    assert label == "Open Eemsdelta (GM1979)" and page == "indicator"
    assert query["gemeente"] == ["GM1979"] and query["kpi"] == [KPI] and query["jaar"] == ["2024"]
    # shown: Eemsdelta on today's division, as the notice says (no more "–" without a word)
    name, periods = drawn_line(at)
    assert name == "Eemsdelta" and periods[0] == first_year(results["today"], "GM1979") == "2015"
    assert periods[-1] == last_year(results["today"], "GM1979")


def test_delfzijl_on_the_historical_division_keeps_its_own_series(app_on, demo_shared, series):
    results, _ = series
    at = app_on(demo_shared, PAGE, gemeente="GM0010", jaar="2024", indeling="historical", kpi=KPI)
    reason = i18n.text("nl", "overview.merged_into", successor="Eemsdelta (GM1979)", date="01-01-2021")
    assert [w.value for w in at.warning] == [i18n.text("nl", "overview.not_existing", name="Delfzijl", year=2024, reason=reason)]
    assert [label for label, *_ in successor_links(at)] == ["Open Eemsdelta (GM1979)"]
    name, periods = drawn_line(at)
    assert name == "Delfzijl" and periods[-1] == last_year(results["historical"], "GM0010") == "2020"
