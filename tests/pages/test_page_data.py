"""The Data page in AppTest on the demo database: an upload is previewed and checked (the
store's rejections included) without writing; only the commit button writes; a file that cannot
be read is one friendly line; history and data quality are shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamlit.testing.v1 import AppTest

from conftest import ROOT
from koers.store import Store

APP = str(ROOT / "app.py")
PAGE = ROOT / "pages" / "data.py"
# Based on fixtures/own/kpi_problems.csv: line 3 an unknown name, 4 an ambiguous one (municipality
# or province?), 5 not a number; lines 2 and 6 are good.
BAD = (
    "indicator;gemeente;jaar;waarde\n"
    "population;GM0363;2020;872.757\n"
    "population;Atlantis;2021;1.000\n"
    "population;Groningen;2021;233.000\n"
    "population;Utrecht;2021;87e.338x\n"
    "population;Amsterdam;2024;931.298\n"
).encode("utf-8")
GOOD = (
    "indicator;gemeentecode;jaar;waarde\n"
    "service_satisfaction_score;GM0363;2024;7,4\n"
    "service_satisfaction_score;GM0014;2024;6,9\n"
).encode("utf-8")




def counts(db: Path) -> dict[str, int]:
    with Store.open(db, read_only=True) as store:
        return store.counts()


def table(at: AppTest, *columns: str):
    """The data of the first table with these columns, or None when the page shows none."""
    return next((d.value for d in at.dataframe if set(columns) <= set(d.value.columns)), None)


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="data_file_own").set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.slow
def test_an_upload_is_checked_first_and_written_only_on_commit(app_on, demo_db):
    at = app_on(demo_db, PAGE, taal="nl")
    assert [h.value for h in at.header] == ["Bestand laden", "Importgeschiedenis", "Datakwaliteit per indicator"]
    before = counts(demo_db)

    # A bad file: the importer's and the store's rejections, with line, field and reason.
    upload(at, "kpi_problemen.csv", BAD)
    rejected = table(at, "Reden", "Zoals gelezen")
    assert rejected["Regel"].tolist() == [3, 4, 5]
    assert rejected["Reden"].tolist() == [
        'onbekende regio "Atlantis"',
        'regionaam "Groningen" is dubbelzinnig in 2021 (GM0014, PV20); gebruik de CBS-code',
        'waarde "87e.338x" in kolom waarde is geen getal',
    ]
    assert rejected["Veld"].tolist() == ["Regio", "Regio", "waarde"]
    assert any("5 records gelezen · 2 te laden (2 nieuw, 0 herzien, 0 ongewijzigd) · 3 afgewezen" in m.value for m in at.markdown)
    preview = table(at, "Waarde", "Eenheid", "Status")
    assert preview["Waarde"].tolist()[0] == "872.757" and preview["Eenheid"].tolist()[0] == "aantal"
    assert counts(demo_db) == before  # checked, nothing written

    # The reasons in the UI language.
    at.session_state["taal"] = "en"
    at.run()
    assert table(at, "Reason", "As read")["Reason"].tolist()[0] == 'unknown region "Atlantis"'
    at.session_state["taal"] = "nl"
    at.run()

    # A good file, committed (import 6: the demo has five, the Kiesraad results among them): the
    # observations are in the store, the result and the history say so.
    upload(at, "enquete.csv", GOOD)
    assert table(at, "Reden", "Zoals gelezen") is None
    assert any(s.value == "Geen afgewezen rijen." for s in at.success)
    assert counts(demo_db) == before
    at.button(key="data_commit").click()
    at.run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Import 6 geladen: 2 records gelezen, 2 geladen (2 nieuw") for s in at.success), \
        [s.value for s in at.success] + [e.value for e in at.error]
    with Store.open(demo_db, read_only=True) as store:
        rows = store.observations("service_satisfaction_score", period="2024", all_sources=True)
    mine = rows[rows["source"] == "eigen_enquete"].set_index("region_code")["value"].to_dict()
    assert mine == {"GM0014": 6.9, "GM0363": 7.4}
    history = table(at, "Import", "Bestand")
    assert history.iloc[0]["Import"] == 6 and history.iloc[0]["Bestand"] == "enquete.csv"
    assert history.iloc[0]["Resultaat"] == "geladen"
    # a rerun shows the result rather than a second commit button
    at.run()
    assert not any(b.key == "data_commit" for b in at.button)
    assert any(s.value.startswith("Import 6 geladen") for s in at.success)


@pytest.mark.slow
def test_data_quality_is_shown_and_an_unreadable_file_is_one_friendly_line(app_on, demo_db):
    at = app_on(demo_db, PAGE)
    at.session_state["taal"] = "en"  # switching pages in AppTest resets the selection: set it here
    at.run()
    assert [s.value for s in at.subheader] == ["Coverage by year", "Outliers"]
    quality = table(at, "Indicator", "Sources")
    population = quality[quality["Indicator"] == "Population on 1 January (population)"].iloc[0]
    assert population["Unit"] == "aantal" and population["Sources"] == "03759ned, 84799NED"
    assert population["Last import"] != "–"
    at.selectbox(key="data_outlier_indicator").set_value("population")
    at.run()
    outliers = table(at, "Municipality", "Direction")
    assert outliers.iloc[0]["Municipality"] == "Amsterdam (GM0363)"
    assert outliers.iloc[0]["Direction"] == "above the median"

    upload(at, "empty.csv", b"")
    assert [e.value for e in at.error] == ["empty.csv: is empty"]


@pytest.mark.slow
def test_a_kiesraad_export_can_be_uploaded_and_its_caribbean_rows_are_rejected_with_a_reason(app_on, demo_db):
    # TK2021_per_gemeente_uitslagen.csv: 355 lines = the 352 municipalities of 2021 and the three
    # Caribbean public bodies (O9001-O9003), three figures each (eligible, voters, turnout).
    at = app_on(demo_db, PAGE, taal="nl")
    at.segmented_control(key="data_kind").set_value("kiesraad")
    at.run()
    data = (ROOT / "data" / "kiesraad" / "TK2021" / "TK2021_per_gemeente_uitslagen.csv").read_bytes()
    at.file_uploader(key="data_file_kiesraad").set_value(("TK2021_per_gemeente_uitslagen.csv", data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    # the demo holds this election already: everything unchanged, nothing new
    assert any("1.065 records gelezen · 1.056 te laden (0 nieuw, 0 herzien, 1.056 ongewijzigd) · 9 afgewezen" in m.value
               for m in at.markdown), [m.value for m in at.markdown]
    rejected = table(at, "Reden", "Zoals gelezen")
    assert sorted(set(rejected["Reden"])) == [
        f"{name} ({code}) is een openbaar lichaam in Caribisch Nederland, geen gemeente"
        for name, code in (("Bonaire", "O9001"), ("Saba", "O9003"), ("Sint Eustatius", "O9002"))]
