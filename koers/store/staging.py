"""Imports: what an importer hands over (`ImportBatch`), and writing it in one transaction.

`commit_import` stages the batch (the registry checks and the duplicate check, `staging_sql`) and
merges it into the observations: unchanged rows are left alone, changed ones move to
`observation_revision` and are replaced, new ones are inserted. `dry_run_import` runs the same
staging and rolls it back, for the dashboard's preview of an upload.

Values reach SQL only as `?` parameters or as registered Arrow tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from koers.access import Actor, Permission, require
from koers.errors import KoersError
from koers.i18n import Message
from koers.indicators.catalogue import CanonicalIndicator
from koers.progress import Progress, no_progress
from koers.sources.registry import Region
from koers.store.examples import EXAMPLE_KIND, EXAMPLE_SOURCE
from koers.store.observations import Observations
from koers.store.records import AuditedRecords
from koers.store.regions import Regions
from koers.store.staging_sql import (CODES_ARE_KEYS_SQL, DUPLICATE_ROWS_SQL, JUDGE_PAIRS_SQL, KEY_VIEWS_SQL,
                                     NUMBER_NEW_KEYS_SQL, ROW_KEY_SQL, STAGED_VIEW_SQL, STAGING_TABLES, STAGING_VIEWS,
                                     STATUS_LIST, reason_templates)


@dataclass
class ImportBatch:
    """What an importer hands to the store: everything one import adds, in long form.

    `observations` columns (Arrow):
        record       int64   line or record number in the source, for messages
        indicator_id string
        region_code  string  a CBS code, or null when the source names the region
        region_key   string  `registry.name_key` of the region's name (when region_code is null)
        region_text  string  the region as written in the source, for messages
        period       string  canonical period (`2024`, `2024-Q1`, `2024-01`)
        value        double  null when missing
        status       string  one of STATUSES
        raw          string  the record as read (may be null: then rebuilt from the fields)
    `rejected` columns: record int64, raw string, field string, reason_nl string, reason_en string.
    """

    kind: str
    file: str
    checksum: str
    source_table: str
    source_title: str
    licence: str
    rows_read: int
    observations: pa.Table
    rejected: pa.Table
    indicators: list[tuple[CanonicalIndicator, str, str, str]] = field(default_factory=list)
    # (definition, source measure, source title, source unit); definitions not yet in the store are added
    regions: list[Region] = field(default_factory=list)
    region_source: str = ""
    # Optional, with the import: region memberships (MEMBERSHIP_SCHEMA) and boundaries (BOUNDARY_SCHEMA).
    memberships: pa.Table | None = None
    boundaries: pa.Table | None = None


REJECTED_SCHEMA = pa.schema(
    [("record", pa.int64()), ("raw", pa.string()), ("field", pa.string()),
     ("reason_nl", pa.string()), ("reason_en", pa.string())]
)
# region_code GMxxxx, year, division ("AM" labour-market region, "GG" GGD region, "CR" COROP, "PV"
# province, "RE" police unit, "VR" safety region, "JZ" youth-care region …), the group's code and name.
MEMBERSHIP_SCHEMA = pa.schema(
    [("region_code", pa.string()), ("year", pa.int32()), ("division", pa.string()),
     ("group_code", pa.string()), ("group_name", pa.string())]
)
# year of the division, region_code (GM or WK code), kind ("municipality", "district"), geometry
# (a GeoJSON geometry object as text, WGS84).
BOUNDARY_SCHEMA = pa.schema(
    [("year", pa.int32()), ("region_code", pa.string()), ("kind", pa.string()), ("geometry", pa.string())]
)
OBSERVATION_SCHEMA = pa.schema(
    [("record", pa.int64()), ("indicator_id", pa.string()), ("region_code", pa.string()),
     ("region_key", pa.string()), ("region_text", pa.string()), ("period", pa.string()),
     ("value", pa.float64()), ("status", pa.string()), ("raw", pa.string())]
)


@dataclass
class ImportResult:
    import_id: int
    rows_read: int
    rows_loaded: int
    rows_new: int
    rows_revised: int
    rows_unchanged: int
    rows_rejected: int
    status: str


# Key columns that the staging works on by integer code, and the table of each one's distinct values.
_CODED_COLUMNS = {"indicator_id": "batch_indicator", "region_code": "batch_region_code",
                  "region_key": "batch_region_key", "region_text": "batch_region_text", "period": "batch_period",
                  "status": "batch_status"}
_SCAN_BATCH = 122_880  # rows per Arrow batch: DuckDB scans batches in parallel
KEY_BITMAP_LIMIT = 1 << 27  # largest key range counted in a bitmap (16 MB) rather than by hashing


def coded_batch(observations: pa.Table) -> tuple[pa.Table, dict[str, pa.Table]]:
    """The batch with an integer code beside each key column (`<column>_no`; -1 for null) and a
    row number (`row_no`), and per key column its distinct values (`idx`, `value`).

    Importers hand over up to millions of rows with a few thousand distinct texts, usually
    dictionary-encoded already: then the codes are the dictionary's indices, without a copy.
    """
    rows = observations.num_rows
    columns = {name: observations.column(name) for name in observations.column_names}
    distinct: dict[str, pa.Table] = {}
    for name, table_name in _CODED_COLUMNS.items():
        array = observations.column(name).combine_chunks()
        if array.null_count == rows:  # e.g. region_key when every region is given by code
            codes, values = pa.array(np.full(rows, -1, dtype=np.int32)), pa.array([], pa.string())
        else:
            if not pa.types.is_dictionary(array.type):
                array = pc.dictionary_encode(array)
            codes = array.indices if array.indices.type == pa.int32() else array.indices.cast(pa.int32())
            codes = pc.fill_null(codes, -1) if codes.null_count else codes
            values = array.dictionary.cast(pa.string())
        columns[name + "_no"] = codes
        distinct[table_name] = pa.table({
            "idx": pa.array(np.arange(-1, len(values), dtype=np.int32)),
            "value": pa.concat_arrays([pa.nulls(1, pa.string()), values]),
        })
    columns["row_no"] = pa.array(np.arange(rows, dtype=np.int32 if rows < 2**31 else np.int64))
    table = pa.table(columns)
    return pa.Table.from_batches(table.to_batches(max_chunksize=_SCAN_BATCH), table.schema), distinct


def _missing(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Per row: no text. A dictionary-encoded column can hide a null among its values (a valid
    index pointing at a null entry), so its values are looked through."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    if not any(c.null_count or (pa.types.is_dictionary(c.type) and c.dictionary.null_count) for c in chunks):
        return pa.array(np.zeros(len(column), dtype=bool))  # the usual batch: no null anywhere, known at once
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(column.type):
        return pc.fill_null(pc.is_null(column.dictionary).take(column.indices), True)
    return pc.is_null(column)


# What every importer promises about the rows it hands over (rows that break a promise belong in
# `rejected`, with a reason): one small rule each, returning the rows that break it. Written for
# importers to come as much as for today's: a value of inf or NaN stored as a figure would spread
# through every sum and median of the KPIs.
BATCH_RULES = {
    "not_finite": lambda rows: pc.fill_null(pc.invert(pc.is_finite(rows.column("value"))), False),
    "no_indicator": lambda rows: _missing(rows.column("indicator_id")),
    "no_region": lambda rows: pc.and_(_missing(rows.column("region_code")), _missing(rows.column("region_key"))),
    "no_period": lambda rows: _missing(rows.column("period")),
}


def refuse_broken_batch(batch: ImportBatch) -> None:
    """A KoersError naming the file, the record and the first broken promise (`BATCH_RULES`), before
    anything is written: a batch that breaks one is refused whole. The demo's invented figures'
    source is reserved for them (kind `EXAMPLE_KIND`): real figures under it would count as
    invented and be deleted by `remove_examples`."""
    if batch.source_table == EXAMPLE_SOURCE and batch.kind != EXAMPLE_KIND:
        raise KoersError("errors.batch.reserved_source", file=batch.file, source=batch.source_table)
    rows = batch.observations
    for problem, rule in BATCH_RULES.items():
        broken = rule(rows)
        if rows.num_rows and pc.any(broken).as_py():
            first = pc.index(broken, True).as_py()
            value = rows.column("value")[first].as_py()
            raise KoersError("errors.batch.refused", file=batch.file, record=rows.column("record")[first].as_py(),
                             problem=Message(f"errors.batch.{problem}", value=value))


class Staging(Regions, Observations, AuditedRecords):
    """Committing an import and its dry run; the staging steps they share."""

    def commit_import(self, batch: ImportBatch, progress: Progress = no_progress, *, actor: Actor) -> ImportResult:
        """Write one import in a single transaction: all of it, or (on any error) none of it.

        Steps inside the transaction: registry update, indicator registration, region check
        (codes known, names unambiguous, region existing in the period), duplicate check, then the
        merge: unchanged rows are left alone, changed ones move to `observation_revision` and are
        replaced, new ones are inserted. The audit entry is part of the same transaction.
        """
        require(actor, Permission.import_data)
        refuse_broken_batch(batch)
        con = self._con
        try:
            with self.transaction():
                import_id = int(con.execute(
                    """INSERT INTO import_log (id, kind, file, checksum, source_table, source_title, licence,
                                               started, rows_read, status)
                       VALUES (nextval('import_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?, 'running') RETURNING id""",
                    [batch.kind, batch.file, batch.checksum, batch.source_table, batch.source_title,
                     batch.licence, dt.datetime.now(), batch.rows_read],
                ).fetchall()[0][0])
                self._stage_batch(batch, progress)
                self._register_indicators(batch, self._loaded_indicator_ids())
                self._write_memberships(batch, import_id)
                progress("merge", 0.55)
                con.execute(
                    """INSERT INTO rejected_row
                       SELECT ?, record, raw, field, reason_nl, reason_en FROM batch_rejected
                       UNION ALL
                       SELECT ?, record, raw, field, reason_nl, reason_en FROM staged_refusable WHERE problem IS NOT NULL""",
                    [import_id, import_id],
                )
                for statement in NUMBER_NEW_KEYS_SQL:
                    con.execute(statement)
                # A source's first import has nothing to revise: its rows go straight in.
                has_rows = con.execute(
                    """SELECT EXISTS (SELECT 1 FROM observation_data WHERE source_no =
                           (SELECT no FROM observation_source WHERE source_table = ?))""",
                    [batch.source_table]).fetchall()[0][0]
                if not has_rows:
                    progress("insert", 0.6)
                    new = loaded = int(con.execute(
                        """INSERT INTO observation_data
                           SELECT indicator_no, region_no, period_key, source_no, value, status_no, ?
                           FROM staged WHERE problem IS NULL""",
                        [import_id],
                    ).fetchall()[0][0])
                    revised = 0
                else:
                    new, revised, loaded = self._merge_staged(import_id, batch.source_table, progress)
                rejected = int(con.execute("SELECT count(*) FROM rejected_row WHERE import_id = ?", [import_id]).fetchall()[0][0])
                status = "ok" if new or revised else ("rejected" if rejected and not loaded else "unchanged")
                con.execute(
                    """UPDATE import_log SET finished = ?, rows_loaded = ?, rows_new = ?, rows_revised = ?,
                              rows_unchanged = ?, rows_rejected = ?, status = ? WHERE id = ?""",
                    [dt.datetime.now(), loaded, new, revised, loaded - new - revised, rejected, status, import_id],
                )
                self._audit(actor, "import", "import", import_id, None,
                            self._row("SELECT * EXCLUDE (started) FROM import_log WHERE id = ?", [import_id]))
                self._drop_staging()
        finally:
            self._unregister_batch()
        progress("done", 1.0)
        return ImportResult(import_id, batch.rows_read, loaded, new, revised, loaded - new - revised, rejected, status)

    def _merge_staged(self, import_id: int, source_table: str, progress: Progress) -> tuple[int, int, int]:
        """The staged rows into a source that has rows already: unchanged rows are left alone,
        changed ones move to `observation_revision` and are replaced, new ones are inserted.
        Returns (new, revised, loaded); an unchanged re-import writes nothing. Rows are matched
        on the store's integer keys."""
        con = self._con
        good = "(SELECT * FROM staged WHERE problem IS NULL)"  # fixed text, composed below
        same_key = ("o.source_no = s.source_no AND o.indicator_no = s.indicator_no AND o.region_no = s.region_no "
                    "AND o.period_no = s.period_key")
        changed = "(o.value IS DISTINCT FROM s.value OR o.status_no IS DISTINCT FROM s.status_no)"
        new, revised = con.execute(
            f"""SELECT count(*) FILTER (WHERE o.period_no IS NULL), count(*) FILTER (WHERE o.period_no IS NOT NULL AND {changed})
                FROM {good} s LEFT JOIN observation_data o ON {same_key}"""
        ).fetchall()[0]
        loaded = int(con.execute("SELECT count(*) FROM staged WHERE problem IS NULL").fetchall()[0][0])
        if revised:
            revised = con.execute(
                f"""INSERT INTO observation_revision
                    SELECT s.indicator_id, s.region_code, s.period, s.source_table, o.value,
                           {STATUS_LIST}[o.status_no + 1], o.import_id, ?
                    FROM observation_data o JOIN {good} s ON {same_key} WHERE {changed}""",
                [import_id],
            ).fetchall()[0][0]
            con.execute(
                f"""UPDATE observation_data o SET value = s.value, status_no = s.status_no, import_id = ?
                    FROM {good} s WHERE {same_key} AND {changed}""",
                [import_id],
            )
        progress("insert", 0.8)
        if new:
            new = con.execute(
                f"""INSERT INTO observation_data
                    SELECT s.indicator_no, s.region_no, s.period_key, s.source_no, s.value, s.status_no, ?
                    FROM {good} s WHERE NOT EXISTS (SELECT 1 FROM observation_data o WHERE {same_key})""",
                [import_id],
            ).fetchall()[0][0]
        return int(new), int(revised), loaded

    def _stage_rows(self, batch: ImportBatch) -> None:
        """Inside the open transaction: register the batch and build `staged` (`STAGED_VIEW_SQL`).

        A batch of five million rows has a few thousand distinct regions and periods: the registry
        checks run once per distinct (region, period) pair (`judged_pair`), the duplicate check on
        integer codes, and the rows themselves are read in place (`coded_batch`)."""
        con = self._con
        observations, distinct = coded_batch(batch.observations)
        con.register("batch_obs", observations)
        con.register("batch_rejected", batch.rejected)
        con.register("batch_reason", reason_templates())
        for name, table in distinct.items():  # names from `_CODED_COLUMNS`
            con.register("batch_distinct", table)
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM batch_distinct")
            finally:
                con.unregister("batch_distinct")
        con.execute("CREATE OR REPLACE TEMP TABLE batch_source AS SELECT CAST(? AS VARCHAR) AS source_table",
                    [batch.source_table])
        con.execute(JUDGE_PAIRS_SQL)
        code_counts = [len(distinct[name]) for name in ("batch_indicator", "batch_region_text", "batch_period")]
        if self._may_have_duplicates(*code_counts):
            self._find_duplicates()
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE duplicate_row (row_no INTEGER, first_record BIGINT)")
        for statement in KEY_VIEWS_SQL:
            con.execute(statement)
        con.execute(STAGED_VIEW_SQL.substitute(view="staged", pairs="pair_key", statuses=STATUS_LIST))
        # The rows that can be refused: without duplicates only those of a pair with a problem or
        # of a region that did not exist then (usually a few thousand of millions, found quickly).
        has_duplicates = con.execute("SELECT EXISTS (SELECT 1 FROM duplicate_row)").fetchall()[0][0]
        con.execute(STAGED_VIEW_SQL.substitute(
            view="staged_refusable", statuses=STATUS_LIST,
            pairs="pair_key" if has_duplicates else "(SELECT * FROM pair_key WHERE problem IS NOT NULL OR NOT existed)"))

    def _loaded_indicator_ids(self) -> set[str]:
        """The staged batch's indicators that have a row the import stores. Without a refused row
        that is every indicator a row names (read from the integer codes, not the rows' texts)."""
        con = self._con
        if con.execute("SELECT EXISTS (SELECT 1 FROM staged_refusable WHERE problem IS NOT NULL)").fetchall()[0][0]:
            rows = con.execute("SELECT DISTINCT indicator_id FROM staged WHERE problem IS NULL").fetchall()
        else:
            rows = con.execute("""SELECT value FROM batch_indicator
                                  WHERE idx IN (SELECT DISTINCT indicator_id_no FROM batch_obs)""").fetchall()
        return {row[0] for row in rows if row[0] is not None}

    def _may_have_duplicates(self, indicators: int, region_texts: int, periods: int) -> bool:
        """False when no (indicator, region, period) can occur twice, shown cheaply: the rows'
        codes (indicator, region text, period) are all different, and different codes mean
        different keys (no two texts for one indicator or period, nor for one region in a period).
        Arguments: the number of codes of each (null included)."""
        code_range = indicators * region_texts * periods
        if code_range > KEY_BITMAP_LIMIT or not self._con.execute(CODES_ARE_KEYS_SQL).fetchall()[0][0]:
            return True
        rows, distinct_codes = self._con.execute(
            """SELECT count(*), coalesce(bit_count(bitstring_agg(
                   ((indicator_id_no + 1) * ? + region_text_no + 1) * ? + period_no + 1, 0, ?)), 0)
               FROM batch_obs""",
            [region_texts, periods, code_range - 1],
        ).fetchall()[0]
        return rows != distinct_codes

    def _find_duplicates(self) -> None:
        """Fill `duplicate_row`: the rows whose key occurred on an earlier record. Keys are compared
        in a bitmap over their range when that is small enough (no hashing), else by hashing; the
        rows themselves are only looked for when some key repeats."""
        con = self._con
        indicators, codes, periods = con.execute(
            """SELECT (SELECT count(DISTINCT value) FROM batch_indicator), coalesce(max(code_rank), 0),
                      coalesce(max(period_rank), 0) FROM judged_pair"""
        ).fetchall()[0]
        size = indicators * codes * periods
        keyed = distinct_keys = 0
        if 0 < size <= KEY_BITMAP_LIMIT:
            keyed, distinct_keys = con.execute(
                f"SELECT count(*), coalesce(bit_count(bitstring_agg(key, 0, ?)), 0) FROM ({ROW_KEY_SQL})",
                [size - 1, codes, periods],
            ).fetchall()[0]
        elif size:
            keyed, distinct_keys = con.execute(
                f"SELECT count(*), count(DISTINCT key) FROM ({ROW_KEY_SQL})", [codes, periods]
            ).fetchall()[0]
        if keyed != distinct_keys:
            con.execute(DUPLICATE_ROWS_SQL, [codes, periods])
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE duplicate_row (row_no INTEGER, first_record BIGINT)")

    def _unregister_batch(self) -> None:
        for name in ("batch_obs", "batch_rejected", "batch_reason"):
            try:
                self._con.unregister(name)
            except duckdb.Error:
                pass

    def _drop_staging(self) -> None:
        for name in STAGING_VIEWS:
            self._con.execute(f"DROP VIEW IF EXISTS {name}")
        for name in STAGING_TABLES:
            self._con.execute(f"DROP TABLE IF EXISTS {name}")

    # --- the dry run (the dashboard's preview of an upload) -------------------------------------
    # The store's checks of an import without writing; `_stage_batch` is the staging step of
    # `commit_import`, shared by both.

    def _stage_batch(self, batch: ImportBatch, progress: Progress = no_progress, write: bool = True) -> None:
        """Inside an open transaction: registry update (when `write`), then the relation `staged`:
        every batch row with its region resolved and a `problem` when it cannot be loaded. Leaves
        `batch_obs` and `batch_rejected` registered for the caller. (Indicators are registered by
        `commit_import` after this, for the rows it stores.)"""
        progress("registry", 0.05)
        if write and batch.regions:
            self._upsert_regions(batch.regions, batch.region_source or batch.source_table)
        progress("validate", 0.15)
        self._stage_rows(batch)

    def dry_run_import(self, batch: ImportBatch) -> tuple[ImportResult, pd.DataFrame]:
        """What `commit_import` would do, without writing: the same staging and checks inside a
        transaction that is rolled back. Works on a read-only store too; there the batch's own
        region list (CBS OData imports carry one; files do not) is not applied first.

        Returns the would-be result (import_id 0) and the would-be rejected rows, by record:
        record, field, reason_nl, reason_en, raw.
        """
        refuse_broken_batch(batch)
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            self._stage_batch(batch, write=not self.read_only)
            rejected = con.execute(
                """SELECT record, field, reason_nl, reason_en, raw FROM (
                       SELECT record, raw, field, reason_nl, reason_en FROM batch_rejected
                       UNION ALL
                       SELECT record, raw, field, reason_nl, reason_en FROM staged WHERE problem IS NOT NULL)
                   ORDER BY record, field"""
            ).df()
            # Keys the store does not know yet have no number: their rows are new.
            loaded, new, revised = con.execute(
                """SELECT count(*),
                          count(*) FILTER (WHERE o.period_no IS NULL),
                          count(*) FILTER (WHERE o.period_no IS NOT NULL
                                           AND (o.value IS DISTINCT FROM s.value OR o.status_no IS DISTINCT FROM s.status_no))
                   FROM (SELECT * FROM staged WHERE problem IS NULL) s
                   LEFT JOIN observation_data o ON o.source_no = s.source_no AND o.indicator_no = s.indicator_no
                        AND o.region_no = s.region_no AND o.period_no = s.period_key"""
            ).fetchall()[0]
        finally:
            con.execute("ROLLBACK")
            self._unregister_batch()
        loaded, new, revised, rejected_count = int(loaded), int(new), int(revised), len(rejected)
        status = "ok" if new or revised else ("rejected" if rejected_count and not loaded else "unchanged")
        return ImportResult(0, batch.rows_read, loaded, new, revised, loaded - new - revised, rejected_count, status), rejected
