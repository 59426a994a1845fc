"""The import's fast paths give the same results as the plain ones they stand in for.

White-box tests: they read the store's tables and staging relations through its own connection.

- The staging (`Store._stage_batch`) judges each distinct (region, period) pair once and looks for
  duplicates on integer codes. `REFERENCE_STAGE_SQL` below is the row-by-row SQL it replaced; on
  random batches (codes, municipal numbers, names, ambiguous and unknown regions, regions that did
  not exist in the period, repeated keys, missing values) both stage the same rows with the same
  reasons, and the import writes exactly those refused and loaded rows. (A row without a period
  breaks an importer's promise: the store refuses such a batch whole, `tests/store/test_batch_guard.py`.)
- A source's first import inserts its rows directly, a later one merges them: same rows either way.
- Duplicates: the cheap screen ("all codes differ, and different codes are different keys") only
  skips the full check when the full check finds none, also when one key is written two ways; the
  full check counts keys in a bitmap, or by hashing when the key range is large.
- The CSV reader's shortcuts (checksum of the bytes read, one byte search for a separator, empty
  cells made null without copying) equal what they replace.
"""

from __future__ import annotations

import random
import shutil
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from koers.access import LOCAL
from koers.sources import own_file
from koers.sources.common import data_checksum, empty_rejected, file_checksum, observation_table, region_columns
from koers.sources.own_file.numbers import any_contains, empty_as_null
from cbs_reference import registry_db, store  # noqa: F401 - fixtures
from koers.store import ImportBatch, Store, staging

# The staging SQL before the fast path (as in commit 456509f), reading the batch row by row.
REFERENCE_STAGE_SQL = """
CREATE OR REPLACE TEMP TABLE reference_staged AS
WITH periods AS (
    SELECT period, period_start,
           period_start + CASE WHEN period LIKE '____-Q_' THEN INTERVAL 3 MONTH
                               WHEN length(period) = 7 THEN INTERVAL 1 MONTH ELSE INTERVAL 1 YEAR END AS period_end
    FROM (SELECT period,
                 CAST(left(period, 4) || '-' ||
                      CASE WHEN period LIKE '____-Q_' THEN lpad(CAST((CAST(right(period, 1) AS INTEGER) - 1) * 3 + 1 AS VARCHAR), 2, '0')
                           WHEN length(period) = 7 THEN right(period, 2) ELSE '01' END || '-01' AS DATE) AS period_start
          FROM (SELECT DISTINCT CAST(period AS VARCHAR) AS period FROM batch_obs))
),
named AS (
    SELECT DISTINCT CAST(b.region_key AS VARCHAR) AS region_key, p.period, p.period_start, p.period_end
    FROM batch_obs b JOIN periods p ON p.period = CAST(b.period AS VARCHAR)
    WHERE b.region_code IS NULL AND b.region_key IS NOT NULL
),
candidates AS (
    SELECT n.region_key, n.period, rn.code,
           (r.valid_from IS NULL OR r.valid_from < n.period_end) AND (r.valid_to IS NULL OR r.valid_to > n.period_start) AS existed
    FROM named n JOIN region_name rn ON rn.name_key = n.region_key JOIN region r ON r.code = rn.code
),
by_name AS (
    SELECT region_key, period,
           CASE WHEN count(DISTINCT code) FILTER (existed) = 1 THEN any_value(code) FILTER (existed)
                WHEN count(DISTINCT code) FILTER (existed) = 0 AND count(DISTINCT code) = 1 THEN any_value(code)
           END AS code,
           string_agg(DISTINCT code, ', ' ORDER BY code) AS all_codes,
           count(DISTINCT code) AS n_any
    FROM candidates GROUP BY ALL
),
resolved AS (
    SELECT b.record, CAST(b.indicator_id AS VARCHAR) AS indicator_id,
           coalesce(CAST(b.region_code AS VARCHAR), bn.code) AS region_code, p.period, b.value,
           CAST(b.status AS VARCHAR) AS status, b.region_text, b.raw, p.period_start, p.period_end,
           b.region_code IS NULL AS by_name, bn.n_any, bn.all_codes
    FROM batch_obs b
    JOIN periods p ON p.period = CAST(b.period AS VARCHAR)
    LEFT JOIN by_name bn ON bn.region_key = CAST(b.region_key AS VARCHAR) AND bn.period = p.period
),
duplicates AS (
    SELECT indicator_id, region_code, period, min(record) AS first_record
    FROM resolved GROUP BY ALL HAVING count(*) > 1
),
judged AS (
    SELECT s.*, r.name AS region_name, r.valid_from, r.valid_to, d.first_record,
           coalesce((r.valid_from IS NULL OR r.valid_from < s.period_end) AND (r.valid_to IS NULL OR r.valid_to > s.period_start), true) AS existed,
           CASE WHEN s.region_code IS NULL AND s.by_name AND s.n_any IS NULL THEN 'unknown_name'
                WHEN s.region_code IS NULL AND s.by_name THEN 'ambiguous_name'
                WHEN r.code IS NULL THEN 'unknown_code'
                WHEN d.first_record IS NOT NULL AND s.record > d.first_record THEN 'duplicate'
                WHEN s.value IS NOT NULL AND NOT ((r.valid_from IS NULL OR r.valid_from < s.period_end)
                                                  AND (r.valid_to IS NULL OR r.valid_to > s.period_start)) THEN 'not_existing'
           END AS problem
    FROM resolved s
    LEFT JOIN region r ON r.code = s.region_code
    LEFT JOIN duplicates d ON d.indicator_id = s.indicator_id AND d.region_code = s.region_code AND d.period = s.period
)
SELECT record, indicator_id, region_code, period, CAST(? AS VARCHAR) AS source_table,
       CASE WHEN problem IS NULL THEN value END AS value,
       CASE WHEN value IS NOT NULL THEN status
            WHEN status = 'impossible' OR NOT existed THEN 'impossible'
            ELSE 'missing' END AS status,
       problem,
       CASE WHEN problem IS NOT NULL THEN coalesce(raw, concat_ws(';', indicator_id, region_text, period, CAST(value AS VARCHAR))) END AS raw,
       CASE WHEN problem IS NOT NULL THEN 'region' END AS field,
       CASE problem
         WHEN 'unknown_name' THEN format('onbekende regio "{}"', region_text)
         WHEN 'ambiguous_name' THEN format('regionaam "{}" is dubbelzinnig in {} ({}); gebruik de CBS-code', region_text, left(period, 4), all_codes)
         WHEN 'unknown_code' THEN format('onbekende regiocode "{}"', region_code)
         WHEN 'duplicate' THEN format('dubbele rij voor {} {} {} (eerder op record {})', indicator_id, region_code, period, first_record)
         WHEN 'not_existing' THEN format('{} {} bestond niet in {} (geldig van {} tot {})', region_code, region_name, period,
                                         coalesce(strftime(valid_from, '%d-%m-%Y'), 'voor 1830'), coalesce(strftime(valid_to, '%d-%m-%Y'), 'nu'))
       END AS reason_nl,
       CASE problem
         WHEN 'unknown_name' THEN format('unknown region "{}"', region_text)
         WHEN 'ambiguous_name' THEN format('region name "{}" is ambiguous in {} ({}); use the CBS code', region_text, left(period, 4), all_codes)
         WHEN 'unknown_code' THEN format('unknown region code "{}"', region_code)
         WHEN 'duplicate' THEN format('duplicate row for {} {} {} (first at record {})', indicator_id, region_code, period, first_record)
         WHEN 'not_existing' THEN format('{} {} did not exist in {} (valid from {} to {})', region_code, region_name, period,
                                         coalesce(strftime(valid_from, '%d-%m-%Y'), 'before 1830'), coalesce(strftime(valid_to, '%d-%m-%Y'), 'now'))
       END AS reason_en
FROM judged
"""

STAGED_COLUMNS = "record, indicator_id, region_code, period, source_table, value, status, problem, raw, field, reason_nl, reason_en"

# Regions as files write them: codes, municipal numbers, names (one of them also a province's),
# regions that came or went (Weesp until 24-03-2022, Appingedam until 2021, Eemsdelta from 2021),
# an unknown code and an unknown name.
REGION_TEXTS = ["GM0363", "363", "0363", "Amsterdam", "GM0457", "Weesp", "GM0003", "Appingedam", "GM1979",
                "Eemsdelta", "Groningen", "Groningen (gemeente)", "GM0014", "Bergen", "Bergen (NH.)", "NL01",
                "GM9999", "Nergenshuizen"]
PERIODS = ["2019", "2020", "2021", "2022", "2022-Q1", "2022-Q2", "2022-03", "2024-11"]
INDICATORS = ["population", "average_population", "eigen_tevredenheid"]
STATUSES = ["definitive", "provisional", "missing", "impossible"]


def random_batch(seed: int, rows: int = 400, source: str = "eigen_test") -> ImportBatch:
    """A batch as an importer could hand it over: every kind of region, repeated keys (also the
    same key written differently: "363" and "GM0363"), rows sharing a record number (a wide file's
    line) and missing values."""
    rng = random.Random(seed)
    texts = [rng.choice(REGION_TEXTS) for _ in range(rows)]
    values = [None if rng.random() < 0.2 else round(rng.uniform(-10, 1e6), rng.choice([0, 1, 2])) for _ in range(rows)]
    statuses = [rng.choice(STATUSES) if v is None else rng.choice(STATUSES[:2]) for v in values]
    record, records = 1, []
    for _ in range(rows):
        record += rng.choice([0, 1, 1, 1, 2])
        records.append(record)
    region_text = pa.array(texts, pa.string())
    region_code, region_key = region_columns(region_text)
    columns = {
        "record": pa.array(records, pa.int64()),
        "indicator_id": pa.array([rng.choice(INDICATORS) for _ in range(rows)], pa.string()),
        "region_code": region_code,
        "region_key": region_key,
        "region_text": region_text,
        "period": pa.array([rng.choice(PERIODS) for _ in range(rows)], pa.string()),
        "value": pa.array(values, pa.float64()),
        "status": pa.array(statuses, pa.string()),
    }
    if seed % 2:  # as own_file hands them over: key columns dictionary-encoded
        columns = {name: pc.dictionary_encode(array) if name not in ("record", "value") else array
                   for name, array in columns.items()}
    if seed % 3 == 0:
        columns["raw"] = pa.array([f"line {r}" for r in records], pa.string())
    return ImportBatch(kind="file", file="test.csv", checksum="x", source_table=source, source_title="test",
                       licence="", rows_read=rows, observations=observation_table(columns), rejected=empty_rejected())


def staged_rows(store: Store, relation: str) -> list[tuple]:
    return store._con.execute(f"SELECT {STAGED_COLUMNS} FROM {relation} ORDER BY ALL").fetchall()


@pytest.mark.parametrize(("make", "seed"), [("random", seed) for seed in range(24)] + [("clean", seed) for seed in range(4)])
def test_staging_equals_the_row_by_row_reference(store: Store, make: str, seed: int) -> None:
    batch = random_batch(seed) if make == "random" else clean_batch(seed)
    store._con.execute("BEGIN TRANSACTION")
    try:
        store._stage_batch(batch)
        store._con.execute(REFERENCE_STAGE_SQL, [batch.source_table])
        fast, reference = staged_rows(store, "staged"), staged_rows(store, "reference_staged")
    finally:
        store._con.execute("ROLLBACK")
    assert fast == reference
    problems = {row[7] for row in reference}
    assert {"ambiguous_name", "not_existing", None} <= problems
    if make == "random":
        assert {"unknown_name", "unknown_code", "duplicate"} <= problems
    # The import writes the reference's refused rows (it reads only the pairs that can refuse) and loads the rest.
    result = store.commit_import(batch, actor=LOCAL)
    written = table_rows(store, "SELECT record, raw, field, reason_nl, reason_en FROM rejected_row WHERE import_id = ? ORDER BY ALL",
                         [result.import_id])
    assert Counter(written) == Counter((r[0], r[8], r[9], r[10], r[11]) for r in reference if r[7] is not None)
    loaded = table_rows(store, "SELECT indicator_id, region_code, period, source_table, value, status FROM observation WHERE import_id = ? ORDER BY ALL",
                        [result.import_id])
    assert Counter(loaded) == Counter(r[1:7] for r in reference if r[7] is None)


def test_every_problem_and_status_occurs_in_the_random_batches(store: Store) -> None:
    """The reference comparison above is only as good as its batches: they hold every case."""
    seen_problems, seen_statuses = set(), set()
    for seed in range(24):
        batch = random_batch(seed)
        store._con.execute("BEGIN TRANSACTION")
        try:
            store._con.register("batch_obs", batch.observations)
            store._con.execute(REFERENCE_STAGE_SQL, [batch.source_table])
            rows = staged_rows(store, "reference_staged")
        finally:
            store._con.execute("ROLLBACK")
            store._con.unregister("batch_obs")
        seen_problems |= {row[7] for row in rows}
        seen_statuses |= {row[6] for row in rows if row[7] is None}
    assert seen_problems == {None, "unknown_name", "ambiguous_name", "unknown_code", "duplicate", "not_existing"}
    assert seen_statuses == set(STATUSES)


def table_rows(store: Store, sql: str, params: list) -> list[tuple]:
    return store._con.execute(sql, params).fetchall()


@pytest.mark.parametrize("seed", range(6))
def test_first_import_and_merge_give_the_same_rows(registry_db: Path, tmp_path: Path, seed: int) -> None:
    """A source without rows takes the direct insert; one with rows the merge. Same outcome."""
    outcomes = []
    for path, earlier in ((tmp_path / "first.duckdb", False), (tmp_path / "merge.duckdb", True)):
        shutil.copy(registry_db, path)
        with Store.open(path) as store:
            if earlier:  # one unrelated row of the same source, so that the merge runs
                store.commit_import(ImportBatch(
                    kind="file", file="x", checksum="x", source_table="eigen_test", source_title="x", licence="",
                    rows_read=1, rejected=empty_rejected(), observations=observation_table({
                        "record": pa.array([1], pa.int64()), "indicator_id": pa.array(["other"]),
                        "region_code": pa.array(["GM0363"]), "region_text": pa.array(["GM0363"]),
                        "period": pa.array(["1999"]), "value": pa.array([1.0]), "status": pa.array(["definitive"])})), actor=LOCAL)
            result = store.commit_import(random_batch(seed), actor=LOCAL)
            observations = table_rows(store, """SELECT indicator_id, region_code, period, source_table, value, status
                                                FROM observation WHERE import_id = ? ORDER BY ALL""", [result.import_id])
            rejected = table_rows(store, "SELECT record, raw, field, reason_nl, reason_en FROM rejected_row WHERE import_id = ? ORDER BY ALL",
                                  [result.import_id])
            outcomes.append((observations, rejected, result.rows_loaded, result.rows_new, result.rows_rejected))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] and outcomes[0][1]


def test_merge_revises_and_leaves_unchanged_rows_alone(store: Store) -> None:
    batch = random_batch(7)
    first = store.commit_import(batch, actor=LOCAL)
    again = store.commit_import(random_batch(7), actor=LOCAL)
    assert (again.rows_new, again.rows_revised, again.status) == (0, 0, "unchanged")
    assert again.rows_loaded == first.rows_loaded and again.rows_unchanged == first.rows_loaded
    # Every value one higher: each loaded row with a value is revised; the old rows are kept.
    values = batch.observations.column("value")
    changed = batch.observations.set_column(batch.observations.schema.get_field_index("value"), "value", pc.add(values, 1.0))
    batch.observations = changed
    third = store.commit_import(batch, actor=LOCAL)
    with_value = store._con.execute("SELECT count(*) FROM observation WHERE import_id = ? AND value IS NOT NULL",
                                   [third.import_id]).fetchall()[0][0]
    assert third.rows_revised == with_value > 0 and third.rows_new == 0
    kept = store._con.execute("SELECT count(*) FROM observation_revision WHERE superseded_by = ?", [third.import_id]).fetchall()[0][0]
    assert kept == third.rows_revised


@pytest.mark.parametrize("seed", range(4))
def test_duplicate_check_by_bitmap_and_by_hashing_agree(registry_db: Path, tmp_path: Path, monkeypatch, seed: int) -> None:
    outcomes = []
    for limit in (staging.KEY_BITMAP_LIMIT, 0):
        monkeypatch.setattr(staging, "KEY_BITMAP_LIMIT", limit)
        path = tmp_path / f"limit{limit}.duckdb"
        shutil.copy(registry_db, path)
        with Store.open(path) as store:
            result = store.commit_import(random_batch(seed), actor=LOCAL)
            outcomes.append(table_rows(store, "SELECT record, reason_en FROM rejected_row WHERE import_id = ? ORDER BY ALL",
                                       [result.import_id]))
    assert outcomes[0] == outcomes[1]
    assert any("duplicate row" in reason for _, reason in outcomes[0])


# --- the CSV reader's shortcuts -------------------------------------------------------------------


def random_texts(seed: int) -> pa.ChunkedArray:
    rng = random.Random(seed)
    cells = ["", "1", "1,5", "1.234,5", "12.5", "x", "-", " 7 ", "3e5", None]
    chunks = []
    for _ in range(rng.randint(1, 4)):
        array = pa.array([rng.choice(cells) for _ in range(rng.randint(0, 40))], pa.string())
        start = rng.randint(0, len(array))
        chunks.append(array.slice(start, rng.randint(0, len(array) - start)))  # sliced, as Arrow's reader may hand them
    return pa.chunked_array(chunks, pa.string())


@pytest.mark.parametrize("seed", range(30))
def test_byte_search_and_empty_cells_equal_the_kernels(seed: int) -> None:
    text = random_texts(seed)
    for needle in (",", ".", "e", ";"):
        assert any_contains(text, needle) == bool(pc.any(pc.match_substring(text, needle)).as_py())
    expected = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    got = empty_as_null(text)
    assert got.to_pylist() == expected.to_pylist()
    assert got.null_count == expected.null_count


def test_checksum_of_the_bytes_read_equals_the_file_checksum(tmp_path: Path) -> None:
    path = tmp_path / "cijfers.csv"
    path.write_text("indicator;gemeente;jaar;waarde\npopulation;GM0363;2020;872.757\n", encoding="utf-8")
    assert data_checksum(path, path.read_bytes()) == file_checksum(path)
    assert own_file.load(path).checksum == file_checksum(path)


def clean_batch(seed: int) -> ImportBatch:
    """Every (indicator, region, period) once, regions by code or name: the usual own file."""
    rng = random.Random(seed)
    regions = ["GM0363", "GM0457", "GM1979", "GM0003", "Bergen (NH.)", "Groningen", "NL01"]
    keys = [(i, r, p) for i in INDICATORS for r in regions for p in PERIODS if p]
    rng.shuffle(keys)
    batch = random_batch(seed, rows=len(keys))
    region_text = pa.array([r for _, r, _ in keys], pa.string())
    region_code, region_key = region_columns(region_text)
    columns = {name: batch.observations.column(name) for name in batch.observations.column_names}
    columns.update(indicator_id=pa.array([i for i, _, _ in keys]), region_text=region_text, region_code=region_code,
                   region_key=region_key, period=pa.array([p for _, _, p in keys]))
    batch.observations = observation_table(columns)
    return batch


@pytest.mark.parametrize(("make", "seed"), [(make, seed) for make in ("random", "clean") for seed in range(6)])
def test_cheap_duplicate_screen_agrees_with_the_full_check(registry_db: Path, tmp_path: Path, monkeypatch,
                                                           make: str, seed: int) -> None:
    """`_may_have_duplicates` may only say "none" when the full check finds none."""
    screened = []
    original = Store._may_have_duplicates

    def screen(self, *sizes):
        screened.append(original(self, *sizes))
        return screened[-1]

    outcomes = []
    for name, check in (("screen", screen), ("full", lambda self, *sizes: True)):
        monkeypatch.setattr(Store, "_may_have_duplicates", check)
        path = tmp_path / f"{name}.duckdb"
        shutil.copy(registry_db, path)
        with Store.open(path) as store:
            result = store.commit_import((random_batch if make == "random" else clean_batch)(seed), actor=LOCAL)
            outcomes.append((
                table_rows(store, "SELECT record, reason_en FROM rejected_row WHERE import_id = ? ORDER BY ALL", [result.import_id]),
                table_rows(store, "SELECT indicator_id, region_code, period, value, status FROM observation WHERE import_id = ? ORDER BY ALL",
                           [result.import_id]),
            ))
    assert outcomes[0] == outcomes[1]
    if make == "clean":
        assert screened == [False]  # the usual file needs no full check
    elif screened == [False]:
        assert not any("duplicate" in reason for _, reason in outcomes[1][0])


@pytest.mark.parametrize(("lines", "refused"), [
    # one region, three texts (code, municipal number, name)
    (["population;GM0363;2020;1", "population;0363;2020;2", "population;Amsterdam;2021;3", "population;GM0363;2021;4",
      "population;GM0457;2020;5"],
     [(3, "duplicate row for population GM0363 2020 (first at record 2)"),
      (5, "duplicate row for population GM0363 2021 (first at record 4)")]),
    # one indicator, two texts
    (["population ;GM0014;2020;7", "population;GM0014;2020;8", "population;GM0014;2021;9"],
     [(3, "duplicate row for population GM0014 2020 (first at record 2)")]),
    # one period, two texts
    (["population;GM0010;2020*;9", "population;GM0010;2020;10", "population;GM0010;2019;11"],
     [(3, "duplicate row for population GM0010 2020 (first at record 2)")]),
])
def test_one_key_written_two_ways_is_a_duplicate(store: Store, tmp_path: Path, lines: list[str], refused: list) -> None:
    """Different texts, one key: the cheap screen must not take "all codes differ" for "no duplicates"."""
    path = tmp_path / "tweemaal.csv"
    path.write_text("\n".join(["indicator;gemeente;jaar;waarde", *lines]) + "\n", encoding="utf-8")
    result = store.commit_import(own_file.load(path), actor=LOCAL)
    written = table_rows(store, "SELECT record, reason_en FROM rejected_row WHERE import_id = ? ORDER BY record", [result.import_id])
    assert written == refused
    assert result.rows_loaded == len(lines) - len(refused)
