"""A targets file is checked as an import is: each bad row is rejected with its reason, and a file
with any rejected row loads nothing. Real CSV and XLSX files, the real demo database."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from conftest import run_cli
from koers.kpis.library import load_library
from koers.kpis.targets import check_targets, read_targets
from koers.store import Store

HEADER = "kpi;regio;jaar;doel;marge"
# line: (row, the field and the English reason it is rejected for; None: it is good)
ROWS: dict[int, tuple[str, list[tuple[str, str]] | None]] = {
    2: ("bijstand_per_1000;GM0363;2026;40,0;2,5", None),
    3: ("no_such_kpi;GM0363;2026;40;1", [("kpi_id", 'unknown KPI "no_such_kpi"')]),
    4: ("bijstand_per_1000;GM9999;2026;40;1", [("region_code", 'unknown region code "GM9999"')]),
    5: ("bijstand_per_1000;GM0363;99999;40;1", [("year", 'year "99999" is not a whole year from 1900 to 2100')]),
    6: ("bijstand_per_1000;GM0344;2026;40;-1", [("tolerance", 'tolerance "-1" is negative; it must be 0 or more')]),
    7: ("bijstand_per_1000;GM0599;2026;1e309;1", [("value", 'value "1e309" is too large a number')]),
    8: ("bijstand_per_1000;GM0518;2026.7;40;1", [("year", 'year "2026.7" is not a whole year from 1900 to 2100')]),
    9: ("bijstand_per_1000;gm0363;2026;38;1", [("year", "second target for bijstand_per_1000 GM0363 2026 (first on line 2)")]),
    10: ("bijstand_per_1000;GM0014;2026;veertig;1", [("value", 'value "veertig" is not a number')]),
    11: ("bijstand_per_1000;GM0457;2026;40;1", [("region_code", "GM0457 did not exist in 2026")]),
    12: ("bijstand_per_1000;GM0034;2026;;1", [("value", "value is missing")]),
    13: ("bijstand_per_1000;GM0034;nan;inf;1_0", [("year", 'year "nan" is not a whole year from 1900 to 2100'),
                                                ("value", 'value "inf" is not a number'),
                                                ("tolerance", 'tolerance "1_0" is not a number')]),
    14: ("bijstand_per_1000;GM0034;2027;40;", None),  # no tolerance: 0
}


def _write(path, rows: dict[int, tuple[str, object]]):
    path.write_text("\n".join([HEADER] + [row for row, _ in rows.values()]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def library():
    return load_library()


def _expected_rejections() -> list[tuple[int, str, str]]:
    return [(line, field, reason) for line, (_, reasons) in ROWS.items() for field, reason in reasons or []]


def test_each_bad_row_is_rejected_with_its_reason(demo_shared, tmp_path, library):
    rows = read_targets(_write(tmp_path / "doelen.csv", ROWS))
    with Store.open(demo_shared, read_only=True) as store:
        checked = check_targets(rows, library.kpis, store.regions(kinds=("municipality", "province", "country")))
    assert list(checked.rejected[["record", "field", "reason_en"]].itertuples(index=False, name=None)) == _expected_rejections()
    assert checked.rejected["raw"].iloc[0] == "no_such_kpi;GM0363;2026;40;1"
    assert checked.rejected["reason_nl"].iloc[0] == 'onbekende KPI "no_such_kpi"'
    assert (checked.rows_read, checked.rows_rejected) == (13, 11)
    assert checked.targets.to_dict("records") == [
        {"kpi_id": "bijstand_per_1000", "region_code": "GM0363", "year": 2026, "value": 40.0, "tolerance": 2.5, "note": None},
        {"kpi_id": "bijstand_per_1000", "region_code": "GM0034", "year": 2027, "value": 40.0, "tolerance": 0.0, "note": None},
    ]


def _tables(db) -> tuple[list, list, int]:
    """The targets, their revisions and the id of the last import."""
    with Store.open(db, read_only=True) as store:
        return (store.targets().drop(columns=["set_at"]).to_dict("records"),
                store.target_revisions().drop(columns=["revised_at"]).to_dict("records"), int(store.imports()["id"].max()))


@pytest.mark.slow
def test_a_file_with_a_bad_row_loads_nothing_and_keeps_the_reasons(demo_db, tmp_path, shared_backend):
    before_targets, before_revisions, last_import = _tables(demo_db)
    refused = run_cli("targets", "import", str(_write(tmp_path / "doelen.csv", ROWS)), db=demo_db)
    assert refused.returncode == 2 and refused.stdout == ""
    after_targets, after_revisions, import_id = _tables(demo_db)
    assert import_id > last_import
    assert refused.stderr.splitlines() == [
        f"{tmp_path / 'doelen.csv'}: 11 of 13 rows rejected, so no target was loaded; "
        f"see `koers rejected {import_id}`, correct the file and import it again"]
    assert (after_targets, after_revisions) == (before_targets, before_revisions)

    listed = list(csv.DictReader(io.StringIO(run_cli("rejected", str(import_id), db=demo_db).stdout)))
    assert [(int(r["record"]), r["field"], r["reason"]) for r in listed] == _expected_rejections()
    log = list(csv.DictReader(io.StringIO(run_cli("imports", db=demo_db).stdout)))[-1]
    assert (log["kind"], log["status"], log["rows_read"], log["rows_loaded"], log["rows_rejected"]) == (
        "targets", "rejected", "13", "0", "11")


def test_the_refusal_is_in_dutch_by_default(demo_db, tmp_path):
    bad = _write(tmp_path / "fout.csv", {3: ROWS[3]})
    refused = run_cli("targets", "import", str(bad), db=demo_db, env={"KOERS_LANG": "nl"})
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [f"{bad}: 1 van 1 rijen geweigerd, dus geen doel geladen; zie `koers rejected "
                                           f"{_tables(demo_db)[2]}`, verbeter het bestand en importeer het opnieuw"]


def test_a_good_file_loads_every_row(demo_db, tmp_path, shared_backend):
    good = _write(tmp_path / "goed.csv", {line: ROWS[line] for line in (2, 14)})
    done = run_cli("targets", "import", str(good), db=demo_db)
    assert (done.returncode, done.stderr.strip()) == (0, f"2 targets loaded from {good}")
    with Store.open(demo_db, read_only=True) as store:
        loaded = store.targets("bijstand_per_1000")
    assert [(r.region_code, r.year, r.value, r.tolerance) for r in loaded.itertuples()
            if r.source == "bestand goed.csv"] == [("GM0034", 2027, 40.0, 0.0), ("GM0363", 2026, 40.0, 2.5)]


def test_an_xlsx_file_is_checked_the_same_way(demo_shared, tmp_path, library):
    path = tmp_path / "doelen.xlsx"
    pd.DataFrame({"kpi_id": ["bijstand_per_1000", "bijstand_per_1000", "bijstand_per_1000"],
                  "region_code": ["GM0363", "GM0363", "GM0344"], "year": [2026, 2026.7, 2026],
                  "value": [40.0, 40.0, True], "tolerance": [1, 1, 1]}).to_excel(path, index=False)
    with Store.open(demo_shared, read_only=True) as store:
        checked = check_targets(read_targets(path), library.kpis, store.regions())
    assert list(checked.rejected[["record", "field", "reason_en"]].itertuples(index=False, name=None)) == [
        (3, "year", 'year "2026.7" is not a whole year from 1900 to 2100'), (4, "value", 'value "True" is not a number')]
