"""The store refuses a batch that breaks an importer's promises (`staging.BATCH_RULES`), whichever
importer built it: here batches built by hand, committed to a real DuckDB file."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from koers.access import LOCAL
from koers.errors import KoersError
from koers.sources.common import empty_rejected, observation_table
from koers.store import ImportBatch, Store

from cbs_reference import registry_db  # noqa: F401 - fixture


def _batch(value: float | None = 1.0, indicator: str | None = "population", region: str | None = "GM0363",
           period: str | None = "2020", status: str | None = "definitive", dictionary: bool = False) -> ImportBatch:
    columns = {"record": pa.array([7, 8], pa.int64()), "indicator_id": pa.array(["population", indicator]),
               "region_code": pa.array(["GM0363", region]), "region_text": pa.array(["GM0363", region]),
               "period": pa.array(["2019", period]), "value": pa.array([1.0, value], pa.float64()),
               "status": pa.array(["definitive", status])}
    if dictionary:  # as own_file hands them over: a null can hide among the dictionary's values
        columns = {name: array if name in ("record", "value") else
                   pa.DictionaryArray.from_arrays(pa.array([0, 1], pa.int32()), array) for name, array in columns.items()}
    return ImportBatch(kind="handmade", file="met-de-hand.csv", checksum="x", source_table="handmade",
                       source_title="handmade", licence="", rows_read=2, observations=observation_table(columns),
                       rejected=empty_rejected())


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("broken", "expected"), [
    ({"value": float("inf")}, "value inf is not a finite number"),
    ({"value": float("-inf")}, "value -inf is not a finite number"),
    ({"value": float("nan")}, "value nan is not a finite number"),
    ({"value": float("nan"), "dictionary": True}, "value nan is not a finite number"),
    ({"indicator": None}, "no indicator"),
    ({"indicator": None, "dictionary": True}, "no indicator"),
    ({"region": None}, "no region"),
    ({"period": None, "dictionary": True}, "no period"),
])
def test_a_broken_batch_is_refused_whole_and_the_file_stays_byte_identical(
        registry_db: Path, tmp_path: Path, broken: dict, expected: str) -> None:
    path = tmp_path / "koers.duckdb"
    shutil.copy(registry_db, path)
    before = _digest(path)
    with Store.open(path) as store:
        counts = store.counts()
        with pytest.raises(KoersError) as raised:
            store.commit_import(_batch(**broken), actor=LOCAL)
        with pytest.raises(KoersError):
            store.dry_run_import(_batch(**broken))
        assert store.counts() == counts
    assert raised.value.en == f"met-de-hand.csv, record 8: {expected}; nothing was imported"
    assert "\n" not in raised.value.nl and "record 8" in raised.value.nl
    assert _digest(path) == before


def test_a_batch_that_keeps_its_promises_is_committed(registry_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "koers.duckdb"
    shutil.copy(registry_db, path)
    with Store.open(path) as store:
        result = store.commit_import(_batch(value=None, status="missing", dictionary=True), actor=LOCAL)
        assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
