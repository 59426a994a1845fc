"""The theme page in AppTest on the demo database: the results chain with each municipality's
status in words, the trends, and the output/outcome correlation equal to a separate computation."""

from __future__ import annotations

import html

import base64
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from koers import i18n, present
from koers.kpis.assess import kpi_overview
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.settings import metrics_folder
from koers.store import Store

APP = str(ROOT / "app.py")
PAGE = ROOT / "pages" / "thema.py"




def charts(at: AppTest) -> list[dict]:
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def array(value: object) -> list:
    """A plotly array from the figure's JSON: a list, or numbers packed as {"dtype", "bdata"}."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def scatter_of_pairs(at: AppTest, lang: str = "nl") -> dict:
    everyone = i18n.text(lang, "theme_page.all_municipalities")
    return next(c for c in charts(at) if any(trace.get("name") == everyone for trace in c["data"]))


def expected_pairs(results: pd.DataFrame, source: str, target: str, year: int, mode: str) -> pd.DataFrame:
    """The test's own computation: output in t (or its change t-1 -> t) against the outcome's change t -> t+1."""
    gm = results[results["region_code"].str.startswith("GM")]

    def values(kpi_id: str, period: int) -> pd.Series:
        return gm[(gm["kpi_id"] == kpi_id) & (gm["period"] == str(period))].set_index("region_code")["value"]

    x = values(source, year - 1) - (values(source, year - 2) if mode == "change" else 0)
    y = values(target, year) - values(target, year - 1)
    return pd.concat([x.rename("x"), y.rename("y")], axis=1).dropna()


@pytest.fixture(scope="module")
def evaluated(demo_shared):
    with Store.open(demo_shared, read_only=True) as store:
        library = load_library(metrics_folder(), store.known_indicator_ids())
        # the page shows today's municipal division by default
        today = dt.date.today()
        results = evaluate(store, library, harmonise_on=today)
        return library, results, kpi_overview(store, library, "GM0363", 2024, harmonise_on=today, results=results)


@pytest.mark.slow
def test_theme_page_chain_trends_and_correlation(app_on, demo_shared, evaluated):
    library, results, overview = evaluated
    at = app_on(demo_shared, PAGE, gemeente="GM0363", jaar="2024", thema="2")
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Thema 2. Massaal digitaal, maatwerk lokaal"]
    assert [h.value for h in at.header] == ["Resultaatketen", "Ontwikkeling in Amsterdam", "Beweegt de output de outcome?"]
    assert at.query_params["thema"] in ("2", ["2"])

    # (a) the chain: a labelled node per KPI of the theme, its status for Amsterdam written in words
    chain = next(c for c in charts(at) if c["layout"].get("annotations") and any(
        trace.get("name") == "Outcome" for trace in c["data"]))
    # A label's title is wrapped over lines (a long word broken too): compared without spaces and breaks.
    labels = {html.unescape(a["text"].split("<br><i>")[0]).replace("<br>", "").replace(" ", ""): a["text"]
              for a in chain["layout"]["annotations"] if "<br><i>" in a.get("text", "")}
    status = overview.set_index("kpi_id")
    checked = 0
    for kpi_id, kpi in library.kpis.items():
        if int(kpi.theme) != 2 or kpi.kind == "context":
            continue
        label = labels[kpi.title.nl.replace(" ", "")]
        word = i18n.text("nl", f"status.{status.at[kpi_id, 'status']}")
        assert f"<i>{word}</i>" in label, (kpi_id, label, word)
        example = bool(status.at[kpi_id, "example"]) and pd.notna(status.at[kpi_id, "value"])
        assert ("⚑" in label) == example, kpi_id
        checked += 1
    assert checked >= 15
    assert sum(len(array(trace["x"])) for trace in chain["data"] if trace["type"] == "scatter") >= checked

    # (b) the trends: one line per outcome / output with values for Amsterdam, example data marked
    trends = [c for c in charts(at) if c["layout"].get("yaxis", {}).get("title", {}).get("text", "").startswith("index")]
    assert len(trends) == 2
    # online requests are an output (channel shift), in the second chart
    online = next(trace for chart in trends for trace in chart["data"]
                  if trace["name"].startswith("Aanvragen via digitale kanalen"))
    assert online["name"].endswith("⚑")
    mine = results[(results["kpi_id"] == "online_requests_share") & (results["region_code"] == "GM0363")]
    mine = mine.dropna(subset=["value"])
    assert array(online["x"]) == mine["period"].tolist()
    np.testing.assert_allclose(array(online["y"]), 100 * mine["value"] / mine["value"].iloc[0])

    # (c) the correlation shown equals numpy's on pairs computed here
    pair = at.selectbox(key="paar").value
    source, target = pair.split(">")
    assert target in library.kpis[source].contributes_to
    expected = expected_pairs(results, source, target, 2024, "change")
    r = np.corrcoef(expected["x"], expected["y"])[0, 1]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Correlatie (Pearson r)"] == present.number(r, "nl", 2)
    assert shown["Aantal gemeenten (n)"] == present.number(len(expected), "nl", 0)
    scatter = scatter_of_pairs(at)
    highlighted = next(trace for trace in scatter["data"] if trace.get("name") == "Amsterdam")
    assert array(highlighted["x"]) == [pytest.approx(expected.at["GM0363", "x"])]
    assert array(highlighted["y"]) == [pytest.approx(expected.at["GM0363", "y"])]
    assert sum(len(array(trace["x"])) for trace in scatter["data"]) == len(expected)
    assert any("geen bewijs" in info.value for info in at.info), "the caution is shown"
    assert any("voorbeelddata (fictief)" in w.value for w in at.warning), "example data is marked"

    # another pair, its output as a level
    other = "reintegration_provisions_per_10000>net_labour_participation"
    assert other != pair and "net_labour_participation" in library.kpis["reintegration_provisions_per_10000"].contributes_to
    at.selectbox(key="paar").set_value(other)
    at.segmented_control(key="maat").set_value("level")
    at.run()
    source, target = other.split(">")
    expected = expected_pairs(results, source, target, 2024, "level")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Correlatie (Pearson r)"] == present.number(np.corrcoef(expected["x"], expected["y"])[0, 1], "nl", 2)
    assert shown["Aantal gemeenten (n)"] == present.number(len(expected), "nl", 0)
    assert at.query_params["paar"] in (other, [other]) and at.query_params["maat"] in ("level", ["level"])


@pytest.mark.slow
def test_theme_page_in_english_and_back(app_on, demo_shared):
    at = app_on(demo_shared, PAGE, gemeente="GM0363", jaar="2024", thema="3", taal="en")
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Theme 3. Open and transparent in the participation society"
    assert [h.value for h in at.header] == ["Results chain", "Development in Amsterdam", "Does the output move the outcome?"]
    shown = {m.label: m.value for m in at.metric}
    assert "Correlation (Pearson r)" in shown and "." in shown["Correlation (Pearson r)"]
    assert any("not proof" in info.value for info in at.info)
    at.session_state["taal"] = "nl"
    at.run()
    assert at.title[0].value == "Thema 3. Open en transparant in de participatiesamenleving"
    assert "," in {m.label: m.value for m in at.metric}["Correlatie (Pearson r)"]
