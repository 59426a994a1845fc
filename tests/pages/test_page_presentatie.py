"""The presentation mode in AppTest on the demo database: off-track first, previous/next (also by
the arrow keys) with the position shown, a theme per screen, a session's frozen figures rather
than the live ones, and suppressed values as "< n"."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from koers import i18n, present
from koers.loop import review
from koers.access import LOCAL
from koers.kpis.assess import kpi_overview
from koers.kpis.evaluate import evaluate
from koers.sources import own_file
from koers.kpis.library import load_library
from koers.present import status_rank
from koers.settings import metrics_folder
from koers.store import Store
from metrics.model import Theme

PAGE = ROOT / "pages" / "presentatie.py"
KPI = "service_satisfaction"
SYMBOL = {"off_track": "✖", "at_risk": "⚠", "on_track": "✔", "too_few_years": "…", "no_target": "–", "no_data": "?"}


def library(db: Path):
    with Store.open(db, read_only=True) as store:
        return load_library(metrics_folder(), store.known_indicator_ids())


def overview(db: Path, region: str) -> tuple[pd.DataFrame, object, pd.DataFrame]:
    lib = library(db)
    with Store.open(db, read_only=True) as store:
        # the page shows today's municipal division by default
        results = evaluate(store, lib, harmonise_on=dt.date.today())
        frame = kpi_overview(store, lib, region, 2024, results=results, harmonise_on=dt.date.today())
    return frame[frame["kind"].isin(["outcome", "output"])], lib, results


def array(value: object) -> list:
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def agenda(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "#" in d.value.columns)


def position(at: AppTest) -> str:
    return next(m.value.strip("*") for m in at.markdown if m.value.startswith("**") and " / " in m.value)


def value_text(row, lib) -> str:
    kpi = lib.kpis[row.kpi_id]
    if row.suppressed:
        return present.shown(row.value, row.suppressed, kpi.privacy_threshold, "nl", unit=kpi.unit)
    return f"{present.number(row.value, 'nl')} {kpi.unit}" if pd.notna(row.value) else "–"


@pytest.mark.slow
def test_off_track_comes_first_and_previous_next_page_through(app_on, demo_shared):
    expected, lib, results = overview(demo_shared, "GM0363")
    at = app_on(demo_shared, PAGE, gemeente="GM0363", jaar="2024")
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Presentatie — Amsterdam"

    # The order: by status, off-track first; every outcome and output once, status in words.
    order = agenda(at)
    by_title = {lib.kpis[k].title.nl: row for k, row in zip(expected["kpi_id"], expected.itertuples())}
    assert sorted(order["KPI"]) == sorted(by_title)
    statuses = [by_title[title].status for title in order["KPI"]]
    assert [status_rank(s) for s in statuses] == sorted(status_rank(s) for s in statuses)
    assert statuses[0] == "off_track" and statuses.count("off_track") == (expected["status"] == "off_track").sum()
    assert order["Status"].tolist() == [f"{SYMBOL[s]} {i18n.text('nl', f'status.{s}')}" for s in statuses]
    assert order["Waarde"].tolist() == [value_text(by_title[title], lib) for title in order["KPI"]]

    # Screen 1 of N: the first off-track KPI, its value, its series.
    count = len(order)
    assert position(at) == f"1 / {count}"
    first = by_title[order["KPI"][0]]
    assert at.header[0].value == present.plain(order["KPI"][0])  # a title is shown as written
    # The number alone in the big type, the unit beneath it (with the unit it was cut off at 1024 px).
    unit = lib.kpis[first.kpi_id].unit
    assert f"{at.metric[0].value} {unit}" == value_text(first, lib)
    assert present.plain(unit) in [m.value for m in at.markdown]
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    mine = results[(results["kpi_id"] == first.kpi_id) & (results["region_code"] == "GM0363")].sort_values("period")
    line = chart["data"][0]
    assert array(line["x"]) == mine["period"].tolist()
    np.testing.assert_allclose(np.array(array(line["y"]), dtype=float), mine["value"].to_numpy(dtype=float))

    # Previous/next, with the arrow keys as shortcuts; no way past either end.
    assert at.button(key="pres_previous").disabled and not at.button(key="pres_next").disabled
    assert at.button(key="pres_next").proto.shortcut.lower() in ("right", "arrowright")
    assert at.button(key="pres_previous").proto.shortcut.lower() in ("left", "arrowleft")
    at.button(key="pres_next").click()
    at.run()
    assert position(at) == f"2 / {count}" and at.header[0].value == present.plain(order["KPI"][1])
    at.button(key="pres_next").click()
    at.run()
    assert position(at) == f"3 / {count}" and at.header[0].value == present.plain(order["KPI"][2])
    at.button(key="pres_previous").click()
    at.run()
    assert position(at) == f"2 / {count}" and at.header[0].value == present.plain(order["KPI"][1])
    assert not at.button(key="pres_previous").disabled


@pytest.mark.slow
def test_a_theme_per_screen_most_off_track_first(app_on, demo_shared):
    expected, lib, _ = overview(demo_shared, "GM0363")
    outcomes = expected[expected["kind"] == "outcome"]
    worst = sorted((int(th) for th in Theme), key=lambda th: (-(outcomes[outcomes["theme"] == th]["status"] == "off_track").sum(),
                                                             -(outcomes[outcomes["theme"] == th]["status"] == "at_risk").sum(), th))
    at = app_on(demo_shared, PAGE, gemeente="GM0363", jaar="2024")
    at.segmented_control(key="pres_unit").set_value("theme")
    at.run()
    assert not at.error, [e.value for e in at.error]
    assert position(at) == "1 / 3"
    assert at.header[0].value == f"{worst[0]}. {i18n.text('nl', f'themes.{worst[0]}')}"
    # the theme's KPIs, off-track first, each status as symbol and word
    lines = next(m.value for m in at.markdown if m.value.startswith("- "))
    first = lines.splitlines()[0]
    most_urgent = min(outcomes[outcomes["theme"] == worst[0]]["status"], key=status_rank)
    assert first.startswith(f"- {SYMBOL[most_urgent]} {i18n.text('nl', f'status.{most_urgent}')} — **")
    at.button(key="pres_next").click()
    at.run()
    assert position(at) == "2 / 3" and at.header[0].value.startswith(f"{worst[1]}. ")


@pytest.mark.slow
def test_a_session_is_presented_with_its_frozen_figures(app_on, demo_db, tmp_path):
    lib = library(demo_db)
    with Store.open(demo_db) as store:
        session_id = review.create_session(store, lib, LOCAL, "GM0363", 2024, "Voorjaarsreview", dt.date(2025, 3, 12))
    own = tmp_path / "enquete.csv"
    own.write_text("indicator;gemeentecode;jaar;waarde\nservice_satisfaction_score;GM0363;2024;9,9\n", encoding="utf-8")
    batch = own_file.load(own)
    with Store.open(demo_db) as store:
        store.commit_import(batch, actor=LOCAL)
    unit = lib.kpis[KPI].unit
    title = lib.kpis[KPI].title.nl

    at = app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024", sessie=str(session_id))
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="sessie").value == session_id
    assert any("Bevroren stand van 2024" in c.value for c in at.caption)
    frozen = agenda(at).set_index("KPI")
    assert frozen.at[title, "Waarde"] == f"6,30 {unit}"

    at.selectbox(key="sessie").set_value(0)  # the live figures
    at.run()
    assert agenda(at).set_index("KPI").at[title, "Waarde"] == f"9,90 {unit}"
    assert position(at).startswith("1 / "), "another source starts at the first screen"


@pytest.mark.slow
def test_suppressed_values_are_shown_as_less_than_n(app_on, demo_shared):
    expected, lib, _ = overview(demo_shared, "GM0088")  # Schiermonnikoog: small numbers
    hidden = expected[expected["suppressed"]]
    assert len(hidden) >= 3
    at = app_on(demo_shared, PAGE, gemeente="GM0088", jaar="2024")
    assert not at.error, [e.value for e in at.error]
    shown = agenda(at).set_index("KPI")
    for row in hidden.itertuples():
        kpi = lib.kpis[row.kpi_id]
        assert shown.at[kpi.title.nl, "Waarde"] == f"afgeschermd (aantal minder dan {kpi.privacy_threshold})"


@pytest.mark.slow  # the whole dashboard
def test_a_screen_says_its_status_once(app_on, demo_shared):
    at = app_on(demo_shared, ROOT / "pages" / "presentatie.py", gemeente="GM0363", jaar="2024")
    word = i18n.text("nl", "status.off_track")  # the first screen: the most urgent KPI, off track in the demo
    said = [m.value for m in at.main.markdown if word in m.value]
    assert len(said) == 1 and said[0].startswith(":violet-badge["), said
