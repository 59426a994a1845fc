"""The learning loop on the KPI page, in AppTest on the demo database: annotations drawn on the
series at their period and listed; the original target next to the revised one, with the revision
history; each source's governance record (or "not recorded"); suppressed values as "< n" in the
table and the downloads and left out of the chart."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from koers import present
from koers.loop import learning
from koers.access import LOCAL, Actor, Role
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.settings import metrics_folder
from koers.store import Store

PAGE = ROOT / "pages" / "kpi.py"
ADVISOR = Actor("a.de.vries@gemeente.nl", "A. de Vries", Role.advisor)
KPI = "service_satisfaction"  # Waardering dienstverlening gemeente; a target for 2026 in the demo


def library(db):
    with Store.open(db, read_only=True) as store:
        return load_library(metrics_folder(), store.known_indicator_ids())


def series_of(db, kpi_id: str, region: str) -> pd.DataFrame:
    with Store.open(db, read_only=True) as store:
        results = evaluate(store, library(db))
    return results[(results["kpi_id"] == kpi_id) & (results["region_code"] == region)].sort_values("period").reset_index(drop=True)


def array(value: object) -> list:
    """A plotly array from the figure's JSON: a list, or numbers packed as {"dtype", "bdata"}."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def series_chart(at: AppTest) -> dict:
    """The series chart: the one with the period on its x axis."""
    specs = [json.loads(element.proto.spec) for element in at.get("plotly_chart")]
    return next(s for s in specs if s["layout"].get("xaxis", {}).get("title", {}).get("text") == "Periode")


def trace(spec: dict, name: str) -> dict | None:
    return next((tr for tr in spec["data"] if tr.get("name") == name), None)


def table(at: AppTest, *columns: str) -> pd.DataFrame | None:
    return next((d.value for d in at.dataframe if set(columns) <= set(d.value.columns)), None)


@pytest.mark.slow
def test_annotations_are_drawn_at_their_period_and_listed(app_on, demo_db):
    lib = library(demo_db)
    with Store.open(demo_db) as store:
        for kpi_id, region, period, kind, text in [
            (KPI, "GM0363", "2022", "explanation", "Personeelstekort bij de balie"),
            (KPI, "GM0363", "2021", "observation", "Daling na sluiting stadsloket"),
            (KPI, "GM0363", "2022-Q3", "hypothesis", "Nieuwe afsprakenmodule helpt"),
            ("online_requests_share", "GM0363", "2022", "observation", "andere KPI"),
            (KPI, "GM0014", "2022", "observation", "andere gemeente"),
        ]:
            learning.save_annotation(store, lib, ADVISOR, {"kpi_id": kpi_id, "region_code": region, "period": period,
                                                           "kind": kind, "text": text})
    at = app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024", kpi=KPI)
    assert not at.error, [e.value for e in at.error]
    values = series_of(demo_db, KPI, "GM0363").set_index("period")["value"]

    marks = trace(series_chart(at), "Annotaties")
    assert array(marks["x"]) == ["2021", "2022"]
    assert array(marks["y"]) == [pytest.approx(values["2021"]), pytest.approx(values["2022"])]
    hover = array(marks["hovertext"])
    assert hover[0] == "2021 · waarneming: Daling na sluiting stadsloket"
    assert hover[1] == "2022 · verklaring: Personeelstekort bij de balie<br>2022-Q3 · hypothese: Nieuwe afsprakenmodule helpt"
    shapes = [s for s in series_chart(at)["layout"].get("shapes", []) if s.get("type") == "line"]
    assert sorted(s["x0"] for s in shapes) == ["2021", "2022"]

    listed = table(at, "Periode", "Soort", "Tekst", "Door")
    assert listed["Periode"].tolist() == ["2021", "2022", "2022-Q3"]
    assert listed["Tekst"].tolist() == ["Daling na sluiting stadsloket", "Personeelstekort bij de balie", "Nieuwe afsprakenmodule helpt"]
    assert set(listed["Door"]) == {"A. de Vries"}
    # the chart's table holds the annotations too
    drawn = table(at, "Reeks", "Periode", "Waarde", "Tekst")
    assert drawn[drawn["Reeks"] == "Annotaties"]["Periode"].tolist() == ["2021", "2022", "2022-Q3"]


@pytest.mark.slow
def test_a_revised_target_shows_the_original_and_the_history(app_on, demo_db):
    at = app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024", kpi=KPI)
    assert trace(series_chart(at), "Oorspronkelijk doel") is None, "an unrevised target has no separate original"
    lib = library(demo_db)  # before the writable store: DuckDB refuses a read-only open beside it in one process
    with Store.open(demo_db) as store:
        target = store.targets(kpi_id=KPI, region="GM0363").set_index("year").loc[2026]
        learning.revise_target(store, lib, ADVISOR, KPI, "GM0363", 2026, 6.8, 0.1,
                               "Coalitieakkoord: hogere ambitie", int(target["version"]))
    at.run()
    spec = series_chart(at)
    current = trace(spec, "Doel met marge")
    assert dict(zip(array(current["x"]), array(current["y"])))["2026"] == pytest.approx(6.8)
    assert dict(zip(array(current["x"]), array(current["error_y"]["array"])))["2026"] == pytest.approx(0.1)
    original = trace(spec, "Oorspronkelijk doel")
    assert array(original["x"]) == ["2026"] and array(original["y"]) == [pytest.approx(float(target["value"]))]

    history = table(at, "Doeljaar", "Versie", "Reden")
    mine = history[history["Doeljaar"] == "2026"]
    assert mine["Versie"].tolist() == [1, 2]
    assert mine["Waarde"].tolist() == [present.number(float(target["value"]), "nl"), "6,80"]
    assert mine["Reden"].tolist() == [str(target["note"]), "Coalitieakkoord: hogere ambitie"]
    assert mine["Door"].tolist()[1] == "A. de Vries"
    drawn = table(at, "Reeks", "Periode", "Waarde")
    assert drawn[drawn["Reeks"] == "Oorspronkelijk doel"]["Waarde"].tolist() == [present.number(float(target["value"]), "nl")]


@pytest.mark.slow
def test_each_source_shows_its_governance_record_or_not_recorded(app_on, demo_db):
    with Store.open(demo_db) as store:
        store.save_record("governance", {"owner": "CBS, afdeling Regionale statistieken", "licence": "CC BY 4.0",
                                         "legal_basis": "Wet op het CBS", "privacy_class": "openbaar",
                                         "retention": "onbeperkt", "refresh_schedule": "jaarlijks (juli)"}, LOCAL, key="03759ned")
    at = app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024", kpi="formation_fte_per_1000")  # invented FTE over real residents
    assert not at.error, [e.value for e in at.error]
    governance = table(at, "Bron", "Eigenaar", "Wettelijke grondslag").set_index("Bron")
    assert list(governance.index) == ["03759ned", "voorbeelddata"]
    assert governance.loc["03759ned"].tolist() == ["CBS, afdeling Regionale statistieken", "CC BY 4.0", "Wet op het CBS", "openbaar",
                                                   "onbeperkt", "jaarlijks (juli)"]
    assert set(governance.loc["voorbeelddata"]) == {"niet vastgelegd"}
    assert any(present.plain("03759ned: CC BY 4.0 (Bron: CBS), ") in m.value for m in at.markdown), "the provenance is still there"
    assert "Databeheer per bron" in [s.value for s in at.subheader]


@pytest.fixture
def downloads(monkeypatch) -> list:
    """What the page offers for download, recorded as (file name, bytes) while AppTest runs."""
    offered: list = []

    class Recording(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
            if filename:
                offered.append((filename, path_or_data))
            return super().load_and_get_id(path_or_data, mimetype, kind, filename)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", Recording)
    return offered


@pytest.mark.slow
def test_suppressed_values_are_shown_as_less_than_n_and_left_out_of_the_chart(app_on, demo_shared, downloads):
    # Terschelling, re-integration provisions: 2021 rests on fewer than 10 people.
    kpi_id, region = "reintegration_provisions_per_10000", "GM0093"
    expected = series_of(demo_shared, kpi_id, region)
    hidden = expected[expected["suppressed"]]["period"].tolist()
    assert hidden == ["2021"] and expected["value"].notna().sum() >= 9
    at = app_on(demo_shared, PAGE, gemeente=region, jaar="2024", kpi=kpi_id)
    assert not at.error, [e.value for e in at.error]

    # the chart: a gap where the value is suppressed
    line = trace(series_chart(at), "Terschelling")
    drawn = dict(zip(array(line["x"]), array(line["y"])))
    assert drawn["2021"] is None or np.isnan(drawn["2021"])
    for row in expected[~expected["suppressed"] & expected["value"].notna()].itertuples():
        assert drawn[row.period] == pytest.approx(row.value)
    assert any("minder dan 10" in c.value and "2021" in c.value for c in at.caption), "the gap is explained"

    # the table: withheld in words for the suppressed year, the others in Dutch number format
    data = table(at, "KPI", "Regio", "Periode", "Waarde", "Afgeschermd").set_index("Periode")
    assert data.at["2021", "Waarde"] == "afgeschermd (aantal minder dan 10)" and data.at["2021", "Afgeschermd"] == "ja"
    assert data.at["2024", "Waarde"] == present.number(expected.set_index("period").at["2024", "value"], "nl")
    assert data.at["2024", "Afgeschermd"] == "nee" and data.at["2024", "Eenheid"] == "per 10.000 inwoners van 15 tot 65 jaar"
    chart_rows = table(at, "Reeks", "Periode", "Waarde").set_index("Periode")
    assert chart_rows.at["2021", "Waarde"] == "afgeschermd (aantal minder dan 10)"

    # the downloads: an empty value flagged `suppressed`, never the number nor a text where a number is read
    files = dict(downloads)
    csv = files[f"{kpi_id}_{region}.csv"].decode("utf-8-sig")
    rows = pd.read_csv(io.StringIO(csv), sep=";", dtype=str).set_index("period")
    assert pd.isna(rows.at["2021", "value"]) and rows.at["2021", "suppressed"] == "True"
    assert float(rows.at["2024", "value"].replace(",", ".")) == pytest.approx(expected.set_index("period").at["2024", "value"])
    excel = pd.read_excel(io.BytesIO(files[f"{kpi_id}_{region}.xlsx"])).astype({"period": str}).set_index("period")
    assert pd.isna(excel.at["2021", "value"]) and bool(excel.at["2021", "suppressed"]) is True
    assert float(excel.at["2024", "value"]) == pytest.approx(expected.set_index("period").at["2024", "value"])
