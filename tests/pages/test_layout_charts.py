"""Chart layout without a browser: a chart without data is not drawn and says so in words; the KPI
page's histogram puts its two marker labels on either side of their lines; metric values carry no
trailing unit; a peer group is a count and a few names; the results chain's arrows keep clear of
its labels. (tests/e2e/test_layout_browser.py measures the drawn result in Chromium.)"""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from conftest import ROOT
from koers import i18n, present
from koers.dashboard import widgets
from koers.kpis import analysis
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.settings import metrics_folder
from koers.store import Store

PAGES = ROOT / "pages"


@pytest.fixture(scope="module")
def evaluated(demo_shared):
    with Store.open(demo_shared, read_only=True) as store:
        library = load_library(metrics_folder(), store.known_indicator_ids())
        return library, evaluate(store, library)


def charts(at) -> dict[str, dict]:
    """The page's plotly charts by their key: the figure's JSON as sent to the browser."""
    return {element.key: json.loads(element.proto.spec) for element in at.get("plotly_chart")}


def test_has_data_counts_numbers_not_labels():
    assert widgets.has_data(go.Figure(go.Scatter(x=["2020", "2021"], y=[1.5, None])))
    assert not widgets.has_data(go.Figure(go.Scatter(x=["2020", "2021"], y=[None, float("nan")])))
    # A horizontal bar chart of names without values: the names are no data.
    assert not widgets.has_data(go.Figure(go.Bar(y=["Amsterdam", "Delft"], x=[None, None], orientation="h")))
    assert widgets.has_data(go.Figure(go.Histogram(x=[3.0, 4.0])))
    assert not widgets.has_data(go.Figure())
    assert widgets.has_data(go.Figure(go.Heatmap(z=[[None, 2.0]])))


def test_wrapped_breaks_long_texts_and_escapes_tags():
    assert widgets.wrapped("Kinderen in uitkeringsgezin: verandering 2023-2024", 20) == \
        "Kinderen in<br>uitkeringsgezin:<br>verandering<br>2023-2024"
    assert widgets.wrapped("<b>x</b>", 20) == "&lt;b&gt;x&lt;/b&gt;"


@pytest.mark.parametrize("theme", [1, 2, 3])
def test_chain_routes_cross_the_output_column_only_level_and_clear_of_labels(evaluated, theme):
    library, _ = evaluated
    nodes, edges = analysis.results_chain(library.kpis, theme)
    level, routes = widgets.chain_routes(nodes, edges)
    band = widgets.CHAIN_BAND
    outputs = {k: level[k] for k in nodes.loc[nodes["kind"] == "output", "kpi_id"]}
    assert len(routes) == len(edges)
    for (source, target), route in zip(edges.itertuples(index=False), routes):
        assert route[0] == (float(nodes.set_index("kpi_id").at[source, "x"]), level[source])
        assert route[-1] == (float(nodes.set_index("kpi_id").at[target, "x"]), level[target])
        for (x0, y0), (x1, y1) in zip(route, route[1:]):
            inside = max(x0, x1) > 1 - band + 1e-9 and min(x0, x1) < 1 + band - 1e-9
            if not inside:
                continue
            # Inside the output column's band a leg is level: at its own output's height (below that
            # output's label), or in a lane clear of every output's label (from 0.12 below a node to 0.8 above).
            assert y0 == y1
            if y0 in outputs.values() and source in outputs and outputs[source] == y0:
                continue
            assert all(not (y - 0.15 < y0 < y + 0.8) for y in outputs.values()), (source, target, y0)


def test_theme_two_spreads_its_six_outputs_over_the_eleven_rows(evaluated):
    library, _ = evaluated
    nodes, edges = analysis.results_chain(library.kpis, 2)
    assert nodes.groupby("kind").size().to_dict() == {"input": 1, "outcome": 11, "output": 6}
    level, routes = widgets.chain_routes(nodes, edges)
    outputs = nodes[nodes["kind"] == "output"].sort_values("y")["kpi_id"]
    # 11 rows, 6 outputs: one every (11 - 1) / (6 - 1) = 2 rows.
    assert [level[k] for k in outputs] == [0.0, -2.0, -4.0, -6.0, -8.0, -10.0]
    # The one input → outcome arrow crosses the output column level, in a lane between two outputs.
    (passing,) = [r for r in routes if len(r) == 4]
    assert passing[1][1] == passing[2][1] and passing[1][0] == 1 - widgets.CHAIN_BAND


@pytest.mark.slow
def test_compare_without_figures_says_so_instead_of_drawing(app_on, demo_shared, evaluated):
    library, results = evaluated
    # The average WOZ value has no municipal figure for 2024 (CBS had not published it).
    year = results[(results["kpi_id"] == "average_woz_value") & (results["period"] == "2024")
                   & results["region_code"].str.startswith("GM")]
    assert year["value"].notna().sum() == 0
    at = app_on(demo_shared, PAGES / "vergelijken.py", gemeente="GM0363", jaar="2024", vkpi="average_woz_value",
                vergelijk="GM0363,GM0014", vthema="2")
    assert not at.error, [e.value for e in at.error]
    drawn = charts(at)
    assert "compare_map" not in drawn  # no map of only grey
    notices = [i.value for i in at.info]
    assert i18n.text("nl", "charts.no_data") in notices
    # Theme 2 side by side: a panel per KPI; one without a figure for both says so in words.
    bars = drawn["compare_bars"]
    empty = [k for k in library.kpis if int(library.kpis[k].theme) == 2
             and results[(results["kpi_id"] == k) & (results["period"] == "2024")
                         & results["region_code"].isin(["GM0363", "GM0014"])]["value"].notna().sum() == 0]
    words = [a["text"] for a in bars["layout"]["annotations"] if a["text"] == i18n.text("nl", "compare.no_value")]
    assert len(words) == len(empty) > 0


@pytest.mark.slow
def test_kpi_histogram_labels_sit_either_side_and_the_peer_group_is_short(app_on, demo_shared, evaluated):
    library, results = evaluated
    # Eemsdelta (GM1979): its size class is a peer group of 181 municipalities.
    at = app_on(demo_shared, PAGES / "kpi.py", gemeente="GM1979", jaar="2024", kpi="digital_service_satisfaction")
    assert not at.error, [e.value for e in at.error]
    histogram = charts(at)["kpi_peers"]
    marks = {a["text"]: (a["x"], a["xanchor"]) for a in histogram["layout"]["annotations"]}
    own = results[(results["kpi_id"] == "digital_service_satisfaction") & (results["region_code"] == "GM1979")
                  & (results["period"] == "2024")].iloc[0]
    assert marks["Eemsdelta"][0] == pytest.approx(own["value"])
    assert set(marks) == {"Eemsdelta", "Mediaan vergelijkingsgroep"}
    (low, low_anchor), (high, high_anchor) = sorted(marks.values())
    assert low < high and (low_anchor, high_anchor) == ("right", "left")  # text runs away from the other line
    # The metrics: numbers only (the unit in a caption beneath them).
    values = [m.value for m in at.metric]
    assert not any(library.kpis["digital_service_satisfaction"].unit in v for v in values)
    assert f"Eenheid: {present.plain(library.kpis['digital_service_satisfaction'].unit)}" in [c.value for c in at.caption]
    # The peer group: how many, five names, all of them in a table one click away.
    peers = [c.value for c in at.caption if c.value.startswith("Vergelijkingsgroep:")]
    assert len(peers) == 1
    count = int(peers[0].split(":")[1].split()[0])
    table = next(d.value for d in at.dataframe if list(d.value.columns) == ["Gemeente"])
    assert len(table) == count == 181
    assert table["Gemeente"].tolist() == sorted(table["Gemeente"], key=str.casefold)
    first = ", ".join(present.plain(name) for name in table["Gemeente"][:5])
    assert peers[0] == f"Vergelijkingsgroep: 181 gemeenten, onder meer {first}." and first.startswith("Aa en Hunze, Aalsmeer")
