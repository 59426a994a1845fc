"""The Data page's uploads without the page: an upload read and checked in a dry run (nothing
written) and committed with progress, on the demo database."""

from __future__ import annotations

from pathlib import Path

import pytest

from koers.access import LOCAL
from koers.sources import uploads
from koers.errors import KoersError
from koers.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# Line 2 good, 3 an unknown name, 4 an ambiguous one ("Groningen": municipality or province),
# 5 not a number, 6 good (a name), 7 a period that is none.
BAD_OWN = (
    "indicator;gemeente;jaar;waarde\n"
    "population;GM0363;2020;872.757\n"
    "population;Atlantis;2021;1.000\n"
    "population;Groningen;2021;233.000\n"
    "population;Utrecht;2021;12x\n"
    "population;Amsterdam;2024;931.298\n"
    "population;GM0363;ergens in 2023;918.117\n"
).encode("utf-8")
GOOD_OWN = (
    "indicator;gemeentecode;jaar;waarde\n"
    "service_satisfaction_score;GM0363;2024;7,4\n"
    "service_satisfaction_score;GM0014;2024;6,9\n"
).encode("utf-8")


def counts(db: Path) -> dict[str, int]:
    with Store.open(db, read_only=True) as store:
        return store.counts()


def test_a_bad_upload_is_checked_by_importer_and_store_without_writing(demo_db):
    before = counts(demo_db)
    prepared = uploads.prepare_upload("monitor 2024.csv", BAD_OWN, "own", {"source": "monitor"}, db=demo_db)
    rejected = prepared.rejected.set_index("record")
    assert list(rejected.index) == [3, 4, 5, 7]
    assert rejected.loc[3, "reason_nl"] == 'onbekende regio "Atlantis"'
    assert rejected.loc[4, "reason_en"].startswith('region name "Groningen" is ambiguous in 2021 (GM0014, PV20)')
    assert rejected.loc[5, "reason_nl"] == 'waarde "12x" in kolom waarde is geen getal'
    assert rejected.loc[7, "field"] == "jaar"
    assert (prepared.check.rows_read, prepared.check.rows_loaded, prepared.check.rows_rejected) == (6, 2, 4)
    assert prepared.check.rows_new == 2
    assert prepared.preview["record"].tolist()[:2] == [2, 3] and set(prepared.preview["unit"]) == {"aantal"}
    # the file name as uploaded (not the temporary path) is what the import log will show
    assert prepared.batch.file == "monitor_2024.csv" and prepared.batch.source_table == "monitor"
    assert counts(demo_db) == before


def test_commit_writes_the_checked_batch_with_progress(demo_db):
    prepared = uploads.prepare_upload("enquete.csv", GOOD_OWN, "own", {"source": "enquete"}, db=demo_db)
    assert prepared.rejected.empty and prepared.check.rows_loaded == 2
    steps: list[tuple[str, float]] = []
    result = uploads.commit_upload(prepared, lambda step, fraction: steps.append((step, fraction)), db=demo_db, actor=LOCAL)
    assert (result.rows_loaded, result.rows_new, result.rows_rejected) == (2, 2, 0)
    assert steps[-1] == ("done", 1.0) and all(0 <= f <= 1 for _, f in steps)
    with Store.open(demo_db, read_only=True) as store:
        rows = store.observations("service_satisfaction_score", period="2024", all_sources=True)
        log = store.imports()
    mine = rows[rows["source"] == "enquete"].set_index("region_code")["value"]
    assert mine.to_dict() == {"GM0014": 6.9, "GM0363": 7.4}
    assert log.iloc[-1]["file"] == "enquete.csv"
    # the same file again: the dry run now says it would change nothing
    again = uploads.prepare_upload("enquete.csv", GOOD_OWN, "own", {"source": "enquete"}, db=demo_db)
    assert (again.check.rows_new, again.check.rows_unchanged, again.check.status) == (0, 2, "unchanged")


def test_a_statline_download_is_checked_like_the_cli_would(demo_db):
    path = FIXTURES / "statline" / "70072ned_bevolking_problemen.csv"
    prepared = uploads.prepare_upload(path.name, path.read_bytes(), "statline", db=demo_db)
    assert prepared.batch.source_table == "70072ned"
    reasons = prepared.rejected.groupby("record")["reason_en"].first()
    assert reasons[3].startswith('region name "Groningen" is ambiguous')
    assert reasons[5] == 'value "87O338" is not a number'
    assert reasons[8] == "2 fields instead of 4"


@pytest.mark.parametrize("name, data, nl", [
    ("leeg.csv", b"", "leeg.csv: is leeg"),
    ("oud.xls", b"abc", "oud.xls: het oude Excel-formaat (.xls) wordt niet ondersteund"),
])
def test_an_unreadable_file_is_one_line_naming_the_upload(name, data, nl):
    with pytest.raises(KoersError) as raised:
        uploads.read_upload(name, data, "own")
    assert raised.value.nl.startswith(nl) and "koers-upload" not in raised.value.en


def test_a_cbs_name_as_source_is_refused_in_both_languages():
    with pytest.raises(KoersError) as raised:
        uploads.read_upload("enquete.csv", GOOD_OWN, "own", {"source": "83625NED"})
    assert "CBS" in raised.value.nl and "choose another name" in raised.value.en
