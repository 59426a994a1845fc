"""The Data page in AppTest on the demo database: an upload is previewed and checked (the
store's rejections included, each marked on its row) without writing; only the commit button
writes; a file that cannot be read is one friendly line; history and data quality are shown, with
no server path anywhere; templates and the recognised column names are offered."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from streamlit.testing.v1 import AppTest

from conftest import ROOT, rendered
from koers.store import Store

APP = str(ROOT / "app.py")
PAGE = ROOT / "pages" / "data.py"
# Based on fixtures/own/kpi_problems.csv: line 3 an unknown name, 4 an ambiguous one (municipality
# or province?), 5 not a number; lines 2 and 6 are good. Line 3's value is "1": shown as "1", never "1.0".
BAD = (
    "indicator;gemeente;jaar;waarde\n"
    "population;GM0363;2020;872.757\n"
    "population;Atlantis;2021;1\n"
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


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What the page offers for download, by file name (AppTest keeps media files in memory)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    offered: dict[str, bytes] = {}

    class Recording(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
            if filename and isinstance(path_or_data, bytes):
                offered[filename] = path_or_data
            return super().load_and_get_id(path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)
    return offered


def server_paths(at: AppTest, *folders: Path) -> list[str]:
    """The folders of the server (the project, pytest's temporary folders) that the page shows."""
    text = rendered(at)
    return [str(folder) for folder in folders if str(folder) in text]


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="data_file_own").set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.slow
def kept_keys(db) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {row[0] for row in con.execute("SELECT DISTINCT key FROM kept_evaluation").fetchall()}


@pytest.mark.slow  # the whole library evaluated again and kept after the commit
def test_an_upload_is_checked_first_and_written_only_on_commit(app_on, demo_db, tmp_path_factory):
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
    # the rows as the file has them: "1" and "233.000", not the stored values 1.0 and 233000.0
    assert rejected["Zoals gelezen"].tolist() == ["population;Atlantis;2021;1", "population;Groningen;2021;233.000",
                                                  "population;Utrecht;2021;87e.338x"]
    assert any("5 records gelezen · 2 te laden (2 nieuw, 0 herzien, 0 ongewijzigd) · 3 afgewezen" in m.value for m in at.markdown)
    # The preview marks every row: the store's rejections (lines 3, 4) and the importer's (line 5)
    # with the same reasons as the rejected table; the cell as written beside the number read.
    preview = table(at, "Waarde", "In het bestand", "Controle")
    assert preview["Regel"].tolist() == [2, 3, 4, 5, 6]
    assert preview["Controle"].tolist() == ["wordt geladen", "afgewezen", "afgewezen", "afgewezen", "wordt geladen"]
    assert preview["Reden"].tolist() == ["", 'onbekende regio "Atlantis"',
                                         'regionaam "Groningen" is dubbelzinnig in 2021 (GM0014, PV20); gebruik de CBS-code',
                                         'waarde "87e.338x" in kolom waarde is geen getal', ""]
    assert preview["Waarde"].tolist() == ["872.757", "1", "233.000", "", "931.298"]
    assert preview["In het bestand"].tolist() == ["872.757", "1", "233.000", "population;Utrecht;2021;87e.338x", "931.298"]
    assert preview["Eenheid"].tolist()[0] == "aantal" and preview["Status"].tolist()[0] == "definitief"
    assert any("(3 in dit voorbeeld)" in c.value for c in at.caption)
    assert counts(demo_db) == before  # checked, nothing written

    # The reasons in the UI language.
    at.session_state["taal"] = "en"
    at.run()
    assert table(at, "Reason", "As read")["Reason"].tolist()[0] == 'unknown region "Atlantis"'
    english = table(at, "In the file", "Check")
    assert english["Check"].tolist()[1] == "rejected" and english["Reason"].tolist()[1] == 'unknown region "Atlantis"'
    at.session_state["taal"] = "nl"
    at.run()

    # A good file, committed (import 15: the demo has fourteen, from 03759ned to its invented
    # examples): the observations are in the store, the result and the history say so.
    with Store.open(demo_db, read_only=True) as store:
        assert store.imports()["id"].max() == 14
    kept_before = kept_keys(demo_db)
    assert len(kept_before) == 2  # the demo build kept both divisions' evaluation
    upload(at, "enquete.csv", GOOD)
    assert table(at, "Reden", "Zoals gelezen") is None
    assert table(at, "In het bestand", "Controle")["Controle"].tolist() == ["wordt geladen"] * 2
    assert any(s.value == "Geen afgewezen rijen." for s in at.success)
    assert counts(demo_db) == before
    at.button(key="data_commit").click()
    at.run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Import 15 geladen: 2 records gelezen, 2 geladen (2 nieuw") for s in at.success), \
        [s.value for s in at.success] + [e.value for e in at.error]
    with Store.open(demo_db, read_only=True) as store:
        rows = store.observations("service_satisfaction_score", period="2024", all_sources=True)
    mine = rows[rows["source"] == "eigen_enquete"].set_index("region_code")["value"].to_dict()
    assert mine == {"GM0014": 6.9, "GM0363": 7.4}
    # ... and the KPIs evaluated again on the new figures and kept, as a command-line import does:
    # two new keys (each names the figures it was made from), and the new figure among the rows.
    kept_after = kept_keys(demo_db)
    assert len(kept_after) == 2 and not kept_after & kept_before
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM kept_evaluation WHERE region_code = 'GM0014' AND period = '2024' "
                           "AND value = 6.9").fetchone()[0] >= 1  # service_satisfaction of Groningen, 2024
    history = table(at, "Import", "Bestand")
    assert history.iloc[0]["Import"] == 15 and history.iloc[0]["Bestand"] == "enquete.csv"
    assert history.iloc[0]["Resultaat"] == "geladen"
    # The demo's imports name their files by full path in the log; the page shows the names only.
    with Store.open(demo_db, read_only=True) as store:
        logged = store.imports().set_index("id")["file"]
    assert logged[1] == str(ROOT / "data" / "cbs" / "03759ned")  # kept for administrators
    assert history.set_index("Import").loc[[1, 10, 13, 14], "Bestand"].tolist() == [
        "03759ned", "misdrijven_2022_2023.csv", "kiesraad", "koers.demo.examples"]
    assert server_paths(at, ROOT, tmp_path_factory.getbasetemp()) == []
    # a rerun shows the result rather than a second commit button
    at.run()
    assert not any(b.key == "data_commit" for b in at.button)
    assert any(s.value.startswith("Import 15 geladen") for s in at.success)


@pytest.mark.slow
def test_data_quality_is_shown_and_an_unreadable_file_is_one_friendly_line(app_on, demo_db, downloads, tmp_path_factory):
    at = app_on(demo_db, PAGE)
    at.session_state["taal"] = "en"  # switching pages in AppTest resets the selection: set it here
    at.run()
    assert [s.value for s in at.subheader] == ["Coverage by year", "Outliers"]
    quality = table(at, "Indicator", "Sources")
    population = quality[quality["Indicator"] == "Population on 1 January (population)"].iloc[0]
    # the demo imports every shipped source: population comes from six of them
    assert population["Unit"] == "number"  # the catalogue's "aantal" in words of the view
    assert population["Sources"] == "03759ned, 70072ned, 84799NED, 85984NED, gebieden, kwb-pdok"
    assert population["Last import"] != "–"

    # Population itself is judged as it is: the largest municipality is its outlier, no "aantal"
    # after the numbers.
    at.selectbox(key="data_outlier_indicator").set_value("population")
    at.run()
    outliers = table(at, "Municipality", "Direction")
    assert outliers.iloc[0]["Municipality"] == "Amsterdam (GM0363)"
    assert outliers.iloc[0]["Direction"] == "above the median"
    assert not any(str(v).endswith("aantal") for v in [*outliers["Value"], *outliers["Median"]])

    # A count is judged per 1,000 inhabitants of its year, worked out here from the store's values.
    with Store.open(demo_db, read_only=True) as store:
        crimes = store.observations("crimes_total")
        inhabitants = store.observations("population")
    year = crimes[crimes["region_code"].str.startswith("GM") & crimes["value"].notna()]["period"].max()
    crimes = crimes[(crimes["period"] == year) & crimes["region_code"].str.startswith("GM") & crimes["value"].notna()]
    rates = crimes.merge(inhabitants[inhabitants["period"] == year], on=["region_code", "period"], suffixes=("", "_pop"))
    rates = rates.assign(rate=rates["value"] / rates["value_pop"] * 1000).set_index("region_code")
    at.selectbox(key="data_outlier_indicator").set_value("crimes_total")
    at.run()
    outliers = table(at, "Municipality", "Per 1,000 inhabitants")
    first = outliers.iloc[0]
    code = first["Municipality"][-7:-1]
    assert first["Count"] == f"{rates.loc[code, 'value']:,.0f}"
    assert first["Inhabitants"] == f"{rates.loc[code, 'value_pop']:,.0f}"
    assert first["Per 1,000 inhabitants"] == f"{rates.loc[code, 'rate']:,.1f}"
    assert rates.loc[code, "rate"] == rates["rate"].max()  # the highest rate, not the most crimes
    assert set(outliers["Median"]) == {f"{rates['rate'].median():,.1f} per 1,000 inhabitants"}
    assert any(c.value.startswith(f"{len(outliers)} outliers in {year}, computed per 1,000 inhabitants") for c in at.caption)

    # The templates, parsed back: headers the importer recognises and one example row.
    # (the first run, before the language was set, offered the Dutch ones)
    assert sorted(downloads) == ["koers_sjabloon_breed.csv", "koers_sjabloon_breed.xlsx", "koers_sjabloon_lang.csv",
                                 "koers_sjabloon_lang.xlsx", "koers_template_long.csv", "koers_template_long.xlsx",
                                 "koers_template_wide.csv", "koers_template_wide.xlsx"]
    dutch = pd.read_csv(io.BytesIO(downloads["koers_sjabloon_lang.csv"]), sep=";", encoding="utf-8-sig", dtype=str)
    assert dutch.columns.tolist() == ["indicator", "gemeentecode", "jaar", "waarde", "status"]
    assert dutch.values.tolist() == [["Tevredenheid dienstverlening", "GM0363", "2024", "7,4", "voorbeeld"]]
    long = pd.read_csv(io.BytesIO(downloads["koers_template_long.csv"]), sep=",", encoding="utf-8-sig", dtype=str)
    assert long.columns.tolist() == ["indicator", "region code", "year", "value", "status"]
    assert long.values.tolist() == [["Service satisfaction", "GM0363", "2024", "7.4", "example"]]
    sheet = openpyxl.load_workbook(io.BytesIO(downloads["koers_template_wide.xlsx"])).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [["region code", "year", "status", "Service satisfaction", "Public space reports"],
                    ["GM0363", 2024, "example", 7.4, 1234]]
    assert "example" in sheet["C2"].comment.text
    recognised = table(at, "Field", "Recognised column names").set_index("Field")["Recognised column names"]
    assert recognised["Region (CBS code, municipal number or name)"].split(", ")[:3] == ["region code", "regiocode", "gemeentecode"]
    assert recognised["Period"] == "period, periode, perioden, jaar, year"

    # The wide template uploaded as it is: its example row is rejected, for its status.
    upload(at, "koers_template_wide.xlsx", downloads["koers_template_wide.xlsx"])
    preview = table(at, "In the file", "Check")
    assert preview["Check"].tolist() == ["rejected", "rejected"]
    assert set(preview["Reason"]) == {'status "example" in column status is unknown (definitive, provisional, missing, impossible)'}

    upload(at, "empty.csv", b"")
    assert [e.value for e in at.error] == ["empty.csv: is empty"]
    assert server_paths(at, ROOT, tmp_path_factory.getbasetemp()) == []


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
