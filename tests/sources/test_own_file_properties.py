"""Properties of the own-file importer over random small tables: blanks, odd types, odd numbers
and odd periods, written as real CSV, XLSX (openpyxl; a text starting with "=" becomes a formula
without a cached value) and Parquet (pyarrow) files and imported into a real DuckDB file.

Whatever the table: either the import is refused as a whole — one line, and the database file
byte for byte as it was — or every row read ends as loaded or rejected with a reason in both
languages (rows read = loaded + rejected), and no stored value is inf or NaN.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koers.access import LOCAL
from koers.errors import KoersError
from koers.sources import own_file
from koers.store import Store

from cbs_reference import registry_db  # noqa: F401 - fixture

HEADER = ["indicator", "gemeente", "jaar", "waarde"]
INDICATORS = ["population", "Tevredenheid", "x_1", "", "  ", None, "=1+1", "+31", "-x", "-5", "@a", "\tt"]
REGIONS = ["GM0363", "363", "0363", "Amsterdam", "GM1979", "GM9999", "Nergenshuizen", "", None, "=A1", " GM0014 "]
PERIODS = ["2020", "2021*", "2022-Q1", "2023-02", "2019KW02", "0000", "9999", "1899", "2101", "ergens", "",
           None, 2020, 2024.0, "2020-13"]
VALUES = [1.0, -3.5, 0, 872757, 10 ** 20, "1,5", "1.234", "1,234", "1.234,5", "1,234.5", "1e309", "-1e309",
          "nan", "inf", "NaN", float("nan"), float("inf"), None, "", "n.b.", "-", ".", "x", "12 345", True, "=2+2"]
STATUSES = ["definitief", "voorlopig", "", None, "geraden", "=1"]

rows = st.lists(st.tuples(st.sampled_from(INDICATORS), st.sampled_from(REGIONS), st.sampled_from(PERIODS),
                          st.sampled_from(VALUES), st.sampled_from(STATUSES)), min_size=1, max_size=8)
tables = st.tuples(rows, st.booleans())  # (rows, with a status column)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _write(folder: Path, kind: str, table: list[tuple], with_status: bool) -> Path:
    header = HEADER + (["status"] if with_status else [])
    table = [row if with_status else row[:4] for row in table]
    if kind in ("csv_semicolon", "csv_comma"):
        path = folder / "eigen.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";" if kind == "csv_semicolon" else ",", lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[_text(v) for v in row] for row in table])
        path.write_text(buffer.getvalue(), encoding="utf-8")
    elif kind == "xlsx":
        path = folder / "eigen.xlsx"
        workbook = openpyxl.Workbook()
        workbook.active.append(header)
        for row in table:  # cells as Python values: numbers, text, a "=..." text becomes a formula
            workbook.active.append([v if not isinstance(v, float) or math.isfinite(v) else str(v) for v in row])
        workbook.save(path)
    else:
        path = folder / "eigen.parquet"
        columns = {name: [row[i] for row in table] for i, name in enumerate(header)}
        numbers = all(v is None or isinstance(v, float) for v in columns["waarde"])
        pq.write_table(pa.table({name: pa.array(cells, pa.float64()) if name == "waarde" and numbers
                                 else pa.array([None if v is None else str(v) for v in cells], pa.string())
                                 for name, cells in columns.items()}), path)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_batch(kind: str, table: list[tuple], with_status: bool) -> None:
    """The file's own rules: refused in one line, or every row read in the observations or rejected."""
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), kind, table, with_status)
        try:
            batch = own_file.load(path)
        except KoersError as refused:
            assert all(message and "\n" not in message and "eigen." in message for message in (refused.nl, refused.en))
            return
        assert batch.rows_read == len(table) == batch.observations.num_rows + batch.rejected.num_rows
        values = batch.observations.column("value").to_pylist()
        assert all(v is None or math.isfinite(v) for v in values)
        assert all(batch.rejected.column("reason_nl").to_pylist()) and all(batch.rejected.column("reason_en").to_pylist())


def _check_import(registry_db: Path, kind: str, table: list[tuple], with_status: bool) -> None:
    """The file's rules and the store's: refused with the database file untouched, or every row
    read loaded or rejected with a reason, and no stored value inf or NaN."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        path = _write(folder, kind, table, with_status)
        db = folder / "koers.duckdb"
        shutil.copy(registry_db, db)
        before = _digest(db)
        with Store.open(db) as store:
            try:
                result = store.commit_import(own_file.load(path), actor=LOCAL)
            except KoersError as refused:  # FileProblem included: refused whole, in one line
                for message in (refused.nl, refused.en):
                    assert message and "\n" not in message
                result = None
            if result is not None:
                assert result.rows_read == len(table) == result.rows_loaded + result.rows_rejected
                assert result.rows_loaded == result.rows_new + result.rows_revised + result.rows_unchanged
                rejected = store.rejected(result.import_id)
                assert len(rejected) == result.rows_rejected
                assert (rejected["reason_nl"].str.len() > 0).all() and (rejected["reason_en"].str.len() > 0).all()
                stored = store.observations(all_sources=True)
                stored = stored[stored["import_id"] == result.import_id]["value"].dropna()
                assert len(stored) <= result.rows_loaded and stored.map(math.isfinite).all()
        if result is None:
            assert _digest(db) == before


KINDS = ["csv_semicolon", "csv_comma", "xlsx", "parquet"]
# Reading a small file takes milliseconds: many examples. A commit some 0.3 s: a few in the fast
# suite, more in the slow one.
FAST = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=20, **FAST)
@given(table=tables)
def test_every_row_read_is_kept_or_rejected_or_the_file_is_refused(kind: str, table: tuple[list[tuple], bool]) -> None:
    _check_batch(kind, *table)


@settings(max_examples=4, **FAST)
@given(kind=st.sampled_from(KINDS), table=tables)
def test_every_row_is_loaded_or_rejected_or_the_database_is_untouched(registry_db: Path, kind: str,
                                                                      table: tuple[list[tuple], bool]) -> None:
    _check_import(registry_db, kind, *table)


@pytest.mark.slow  # some 0.4 s per example
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), table=tables)
def test_many_random_imports_are_accounted_for_or_leave_the_database_untouched(registry_db: Path, kind: str,
                                                                                table: tuple[list[tuple], bool]) -> None:
    _check_import(registry_db, kind, *table)
