"""The compare page in AppTest on the demo database: the map holds every municipality of the year's
division with the evaluated values, the ranking puts the best first, the side-by-side table shows
the chosen municipalities' values, and the texts follow the language."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import DATA, ROOT
from koers import present
from koers.kpis.assess import kpi_overview
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.settings import metrics_folder
from koers.store import Store

APP = str(ROOT / "app.py")
PAGE = ROOT / "pages" / "vergelijken.py"




@pytest.fixture(scope="module")
def evaluated(demo_shared):
    with Store.open(demo_shared, read_only=True) as store:
        library = load_library(metrics_folder(), store.known_indicator_ids())
        return library, evaluate(store, library)


def array(value: object) -> list:
    """A plotly array from the figure's JSON: a list, or numbers packed as {"dtype", "bdata"}."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def map_trace(at: AppTest, title: str) -> dict:
    """The value layer of the map: the choropleth trace named after the KPI (on a map without tiles)."""
    for element in at.get("plotly_chart"):
        figure = json.loads(element.proto.spec)
        for trace in figure["data"]:
            if trace["type"] == "choroplethmap" and trace.get("name") == title:
                assert figure["layout"]["map"]["style"] == "white-bg"  # nothing fetched from the internet
                return trace
    raise AssertionError("no map")


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def value_of(results: pd.DataFrame, kpi_id: str, region: str, year: int) -> pd.Series:
    rows = results[(results["kpi_id"] == kpi_id) & (results["region_code"] == region) & (results["period"] == str(year))]
    return rows.iloc[0]


@pytest.mark.slow
def test_map_ranking_and_side_by_side(app_on, demo_shared, evaluated):
    library, results = evaluated
    kpi_id = "housing_costs_single_person"  # lower is better
    title = library.kpis[kpi_id].title.nl
    at = app_on(demo_shared, PAGE, gemeente="GM0363", jaar="2024", vkpi=kpi_id, vergelijk="GM0363,GM0014,GM0599",
                vthema="1")
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Gemeenten vergelijken (2024)"]
    assert [h.value for h in at.header] == [f"{present.plain(title)} in 2024", "Ranglijst", "Gemeenten naast elkaar (2024)"]

    # the map: every municipality of the 2023 division, the evaluated value for Amsterdam
    trace = map_trace(at, title)
    locations = array(trace["locations"])
    shipped = json.loads((DATA / "geo" / "gemeente_2023_cartomap.geojson").read_text(encoding="utf-8"))
    assert len(locations) == 342 and set(locations) == {f["properties"]["statcode"] for f in shipped["features"]}
    z = dict(zip(locations, array(trace["z"])))
    assert z["GM0363"] == pytest.approx(value_of(results, kpi_id, "GM0363", 2024)["value"])

    # the ranking: lower is better, so the lowest value is first; the selected municipality is marked
    ranking = table_with(at, "Rang")
    year = results[(results["kpi_id"] == kpi_id) & (results["period"] == "2024")
                   & results["region_code"].str.startswith("GM")].dropna(subset=["value"])
    best = year.loc[year["value"].idxmin()]
    assert ranking.iloc[0]["code"] == best["region_code"] and ranking.iloc[0]["Rang"] == 1
    assert ranking.iloc[0]["Waarde"] == present.number(best["value"], "nl")
    assert ranking.iloc[0]["Eenheid"] == library.kpis[kpi_id].unit
    assert len(ranking) == len(year)
    assert ranking.loc[ranking["code"] == "GM0363", "Geselecteerd"].iloc[0] == "◀ geselecteerd"
    assert (ranking["⚑"] == "voorbeelddata (fictief)").all()  # the demo's housing charges are example data

    # side by side: every KPI of theme 1 for the three chosen municipalities
    table = table_with(at, "Amsterdam (GM0363)")
    names = {"GM0363": "Amsterdam", "GM0014": "Groningen (gemeente)", "GM0599": "Rotterdam"}
    theme = [k for k, kpi in library.kpis.items() if int(kpi.theme) == 1]
    assert sorted(table["KPI"]) == sorted(library.kpis[k].title.nl for k in theme)
    checked = 0
    for kpi in theme:
        row = table[table["KPI"] == library.kpis[kpi].title.nl].iloc[0]
        for code, name in names.items():
            expected = value_of(results, kpi, code, 2024)
            flagged = expected["example"] and not math.isnan(expected["value"])
            shown = present.number(expected["value"], "nl") + (" ⚑" if flagged else "")
            assert row[f"{name} ({code})"] == shown, (kpi, code)
            checked += 1
    assert checked == 3 * len(theme)
    assert at.query_params["vergelijk"] in ("GM0363,GM0014,GM0599", ["GM0363,GM0014,GM0599"])

    # another KPI (higher is better) in 2025: the 2025 division, the highest value first
    at.selectbox(key="vkpi").set_value("trust_in_council")
    at.session_state["jaar"] = 2025
    at.run()
    trace = map_trace(at, library.kpis["trust_in_council"].title.nl)
    shipped = json.loads((DATA / "geo" / "gemeente_2025_cartomap.geojson").read_text(encoding="utf-8"))
    assert array(trace["locations"]) == [f["properties"]["statcode"] for f in shipped["features"]]
    ranking = table_with(at, "Rang")
    year = results[(results["kpi_id"] == "trust_in_council") & (results["period"] == "2025")
                   & results["region_code"].str.startswith("GM")].dropna(subset=["value"])
    assert ranking.iloc[0]["Waarde"] == present.number(year["value"].max(), "nl")
    assert at.query_params["vkpi"] in ("trust_in_council", ["trust_in_council"])


@pytest.mark.slow
def test_default_comparison_is_the_peer_group_and_english_texts(app_on, demo_shared, evaluated):
    library, _ = evaluated
    with Store.open(demo_shared, read_only=True) as store:
        peers = kpi_overview(store, library, "GM0363", 2024)["peer_group"].iloc[0].split(",")
    at = app_on(demo_shared, PAGE, gemeente="GM0363", jaar="2024", taal="en")
    assert not at.error, [e.value for e in at.error]
    assert at.multiselect(key="vergelijk").value == ["GM0363"] + peers[:3]
    assert at.title[0].value == "Compare municipalities (2024)"
    assert [h.value for h in at.header][1:] == ["Ranking", "Municipalities side by side (2024)"]
    assert "Rank" in table_with(at, "Rank").columns
    at.session_state["taal"] = "nl"
    at.run()
    assert at.title[0].value == "Gemeenten vergelijken (2024)"
    assert "Rang" in table_with(at, "Rang").columns
