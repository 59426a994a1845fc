"""The indicator store: the only module that talks to DuckDB.

One DuckDB file holds the region registry, the indicator catalogue, every observation with its
history, and the import log. DuckDB allows one writing process or many readers, never both, so:

- writers (`Store.open(path)`) wait for the lock with a message, and keep it only for one command;
- readers (`Store.open(path, read_only=True)`, the dashboard) open, read and close again, so an
  idle dashboard holds no lock and a CLI import can run beside it.

Values reach SQL only as `?` parameters or as registered Arrow tables; the few identifiers that are
spliced into SQL text come from the fixed lists in this module.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from koers.catalogue import IndicatorDefinition
from koers.errors import DatabaseBusy, KoersError
from koers.registry import Region, name_aliases, name_key

SCHEMA_VERSION = 3
# Invented figures (the demo's example series and targets) live under this source and nowhere else.
EXAMPLE_SOURCE = "voorbeelddata"
EXAMPLE_TITLE = "voorbeelddata, fictief"
EXAMPLE_PRECEDENCE = 1000  # below every real source: an example never overrides a real figure
STATUSES = ("definitive", "provisional", "missing", "impossible")
Progress = Callable[[str, float], None]


def _no_progress(step: str, fraction: float) -> None:
    pass


# --- schema -----------------------------------------------------------------------------------
# Each migration brings a database from version n-1 to n. Version 1 is the first released schema;
# version 2 added `region_name` (names and aliases per region, for matching names in downloads).

_V1 = [
    "CREATE TABLE koers_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE region (
        code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        province_code VARCHAR, parent_code VARCHAR, valid_from DATE, valid_to DATE, source VARCHAR)""",
    """CREATE TABLE region_event (
        region_code VARCHAR NOT NULL, event_date DATE NOT NULL, kind VARCHAR NOT NULL,
        direction VARCHAR, other_code VARCHAR, area_ha DOUBLE, dwellings BIGINT, residents BIGINT,
        detail VARCHAR, source VARCHAR)""",
    """CREATE TABLE indicator (
        id VARCHAR PRIMARY KEY, title_nl VARCHAR NOT NULL, title_en VARCHAR NOT NULL,
        unit VARCHAR, additive BOOLEAN NOT NULL, description VARCHAR, generated BOOLEAN NOT NULL)""",
    """CREATE TABLE indicator_source (
        source_table VARCHAR NOT NULL, source_measure VARCHAR NOT NULL, indicator_id VARCHAR NOT NULL,
        precedence INTEGER NOT NULL, title VARCHAR, unit VARCHAR, licence VARCHAR,
        PRIMARY KEY (source_table, source_measure))""",
    "CREATE SEQUENCE import_id_seq START 1",
    """CREATE TABLE import_log (
        id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, file VARCHAR, checksum VARCHAR,
        source_table VARCHAR, source_title VARCHAR, licence VARCHAR,
        started TIMESTAMP NOT NULL, finished TIMESTAMP, rows_read BIGINT, rows_loaded BIGINT,
        rows_new BIGINT, rows_revised BIGINT, rows_unchanged BIGINT, rows_rejected BIGINT,
        status VARCHAR NOT NULL, message VARCHAR)""",
    # No primary key: an ART index over five million rows slows bulk loads several-fold, and the
    # merge in `commit_import` is what keeps (indicator, region, period, source) unique.
    """CREATE TABLE observation (
        indicator_id VARCHAR NOT NULL, region_code VARCHAR NOT NULL, period VARCHAR NOT NULL,
        source_table VARCHAR NOT NULL, value DOUBLE, status VARCHAR NOT NULL, import_id INTEGER NOT NULL)""",
    """CREATE TABLE observation_revision (
        indicator_id VARCHAR NOT NULL, region_code VARCHAR NOT NULL, period VARCHAR NOT NULL,
        source_table VARCHAR NOT NULL, value DOUBLE, status VARCHAR NOT NULL, import_id INTEGER NOT NULL,
        superseded_by INTEGER NOT NULL)""",
    """CREATE TABLE rejected_row (
        import_id INTEGER NOT NULL, record BIGINT, raw VARCHAR, field VARCHAR,
        reason_nl VARCHAR NOT NULL, reason_en VARCHAR NOT NULL)""",
    # The value shown for an indicator, region and period: the source with the lowest precedence.
    """CREATE VIEW observation_best AS
        SELECT o.*, coalesce(s.precedence, 50) AS precedence
        FROM observation o
        LEFT JOIN (SELECT source_table, indicator_id, min(precedence) AS precedence
                   FROM indicator_source GROUP BY ALL) s USING (source_table, indicator_id)
        QUALIFY row_number() OVER (PARTITION BY o.indicator_id, o.region_code, o.period
                                   ORDER BY coalesce(s.precedence, 50), o.source_table) = 1""",
]

_V2 = [
    """CREATE TABLE region_name (
        code VARCHAR NOT NULL, name VARCHAR NOT NULL, name_key VARCHAR NOT NULL, source VARCHAR)""",
]


_V3 = [
    # Targets per KPI, region and year, with a tolerance band (in the KPI's unit) around them.
    """CREATE TABLE target (
        kpi_id VARCHAR NOT NULL, region_code VARCHAR NOT NULL, year INTEGER NOT NULL,
        value DOUBLE NOT NULL, tolerance DOUBLE NOT NULL DEFAULT 0, source VARCHAR NOT NULL,
        note VARCHAR, set_at TIMESTAMP NOT NULL, set_by VARCHAR,
        PRIMARY KEY (kpi_id, region_code, year))""",
]


def _backfill_region_names(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT code, name, kind FROM region").fetchall()
    _insert_region_names(con, [(code, name, kind) for code, name, kind in rows], "registry")


MIGRATIONS: dict[int, tuple[list[str], Callable[[duckdb.DuckDBPyConnection], None] | None]] = {
    1: (_V1, None),
    2: (_V2, _backfill_region_names),
    3: (_V3, None),
}


def _insert_region_names(con: duckdb.DuckDBPyConnection, regions: list[tuple[str, str, str]], source: str) -> None:
    rows = []
    for code, name, kind in regions:
        region = Region(code, name, kind, None, None, None)
        rows.extend((code, alias, name_key(alias), source) for alias in sorted(name_aliases(region)))
    if rows:
        con.execute("DELETE FROM region_name WHERE code IN (SELECT unnest(?))", [sorted({r[0] for r in rows})])
        con.executemany("INSERT INTO region_name VALUES (?, ?, ?, ?)", rows)


def migrate(con: duckdb.DuckDBPyConnection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema to `target`; returns the version found. Refuses a newer database."""
    has_meta = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'koers_meta' AND schema_name = 'main'"
    ).fetchall()[0][0]
    found = 0
    if has_meta:
        row = con.execute("SELECT value FROM koers_meta WHERE key = 'schema_version'").fetchall()
        found = int(row[0][0]) if row else 0
    if found > SCHEMA_VERSION:
        raise KoersError(
            f"deze database heeft schemaversie {found}, nieuwer dan deze Koers ({SCHEMA_VERSION}): werk Koers bij",
            f"this database has schema version {found}, newer than this Koers ({SCHEMA_VERSION}): upgrade Koers",
        )
    for version in range(found + 1, target + 1):
        statements, backfill = MIGRATIONS[version]
        con.execute("BEGIN TRANSACTION")
        for statement in statements:
            con.execute(statement)
        if backfill:
            backfill(con)
        con.execute(
            "INSERT OR REPLACE INTO koers_meta VALUES ('schema_version', ?)", [str(version)]
        )
        con.execute("COMMIT")
    return found


# --- import batches ---------------------------------------------------------------------------


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
    indicators: list[tuple[IndicatorDefinition, str, str, str]] = field(default_factory=list)
    # (definition, source measure, source title, source unit); definitions not yet in the store are added
    regions: list[Region] = field(default_factory=list)
    region_source: str = ""


REJECTED_SCHEMA = pa.schema(
    [("record", pa.int64()), ("raw", pa.string()), ("field", pa.string()),
     ("reason_nl", pa.string()), ("reason_en", pa.string())]
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


# --- the store --------------------------------------------------------------------------------


class Store:
    """A connection to one Koers database file. Use `Store.open(...)` as a context manager."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only

    @classmethod
    @contextmanager
    def open(
        cls,
        path: str | Path,
        read_only: bool = False,
        wait_seconds: float = 60.0,
        on_wait: Callable[[str], None] | None = None,
    ) -> Iterator[Store]:
        path = Path(path)
        if read_only and not path.exists():
            raise KoersError(f"database {path} bestaat niet", f"database {path} does not exist")
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = _connect(path, read_only, wait_seconds, on_wait)
        try:
            if not read_only:
                # An import of millions of rows would otherwise let DuckDB's buffer pool grow to most
                # of the machine's memory; beyond this it spills to disk (bench: 1.2 GB peak for 5M rows).
                con.execute("SET memory_limit = ?", [os.environ.get("KOERS_WRITE_MEMORY", "640MB")])
            store = cls(con, path, read_only)
            if read_only:
                store._check_version()
            else:
                migrate(con)
            yield store
        finally:
            con.close()

    def _check_version(self) -> None:
        rows = self.con.execute(
            "SELECT value FROM koers_meta WHERE key = 'schema_version'"
        ).fetchall() if self._has_table("koers_meta") else []
        found = int(rows[0][0]) if rows else 0
        if found > SCHEMA_VERSION:
            raise KoersError(
                f"deze database heeft schemaversie {found}, nieuwer dan deze Koers ({SCHEMA_VERSION}): werk Koers bij",
                f"this database has schema version {found}, newer than this Koers ({SCHEMA_VERSION}): upgrade Koers",
            )
        if found < SCHEMA_VERSION:
            raise KoersError(
                f"database {self.path} heeft schemaversie {found}; open hem eenmaal met `python -m koers init` om bij te werken",
                f"database {self.path} has schema version {found}; run `python -m koers init` once to upgrade it",
            )

    def _has_table(self, name: str) -> bool:
        return bool(self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'", [name]
        ).fetchall()[0][0])

    def schema_version(self) -> int:
        return int(self.con.execute("SELECT value FROM koers_meta WHERE key = 'schema_version'").fetchall()[0][0])

    def data_version(self) -> int:
        """Id of the last finished import: caches keyed on it are invalidated by a new import."""
        return int(self.con.execute("SELECT coalesce(max(id), 0) FROM import_log WHERE finished IS NOT NULL").fetchall()[0][0])

    # --- regions ------------------------------------------------------------------------------

    def upsert_regions(self, regions: list[Region], source: str) -> None:
        """Add new regions; replace the details and history of known ones when the list has history.

        CBS tables carry code lists of differing depth: 03759ned describes Boxtel's 2021 merger
        transfer by transfer, 83625NED only says "Opgeheven per 01-01-2021" (which is not even true:
        Boxtel kept its code). A description from which no event could be read therefore never
        replaces a known region's dates and events; it only fills in what is still empty.
        """
        if not regions:
            return
        frame = pd.DataFrame(
            {
                "code": [r.code for r in regions],
                "name": [r.name for r in regions],
                "kind": [r.kind for r in regions],
                "province_code": [r.province_code for r in regions],
                "parent_code": [r.parent_code for r in regions],
                "valid_from": pd.to_datetime([r.valid_from for r in regions]).date,
                "valid_to": pd.to_datetime([r.valid_to for r in regions]).date,
                "source": source,
                "has_history": [any(e.other_code for e in r.events) for r in regions],
            }
        )
        events = [e for r in regions if any(x.other_code for x in r.events) for e in r.events]
        event_frame = pd.DataFrame(
            {
                "region_code": pd.Series([e.region_code for e in events], dtype="string"),
                "event_date": pd.Series([e.event_date for e in events], dtype="object"),
                "kind": pd.Series([e.kind for e in events], dtype="string"),
                "direction": pd.Series([e.direction for e in events], dtype="string"),
                "other_code": pd.Series([e.other_code for e in events], dtype="string"),
                "area_ha": pd.array([e.area_ha for e in events], dtype="Float64"),
                "dwellings": pd.array([e.dwellings for e in events], dtype="Int64"),
                "residents": pd.array([e.residents for e in events], dtype="Int64"),
                "detail": pd.Series([e.detail for e in events], dtype="string"),
                "source": source,
            }
        )
        con = self.con
        con.register("new_region", frame)
        con.register("new_region_event", event_frame)
        try:
            con.execute(
                """INSERT INTO region
                   SELECT code, name, kind, province_code, parent_code,
                          CAST(valid_from AS DATE), CAST(valid_to AS DATE), source
                   FROM new_region WHERE code NOT IN (SELECT code FROM region)"""
            )
            con.execute(
                """UPDATE region SET name = n.name, kind = n.kind,
                          province_code = coalesce(n.province_code, region.province_code),
                          parent_code = coalesce(n.parent_code, region.parent_code),
                          valid_from = CAST(n.valid_from AS DATE), valid_to = CAST(n.valid_to AS DATE),
                          source = n.source
                   FROM new_region n WHERE region.code = n.code AND n.has_history"""
            )
            con.execute(
                """UPDATE region SET province_code = coalesce(region.province_code, n.province_code),
                          parent_code = coalesce(region.parent_code, n.parent_code)
                   FROM new_region n WHERE region.code = n.code AND NOT n.has_history"""
            )
            con.execute(
                """DELETE FROM region_event
                   WHERE region_code IN (SELECT code FROM new_region WHERE has_history)"""
            )
            if events:
                con.execute(
                    """INSERT INTO region_event BY NAME
                       SELECT * REPLACE (CAST(event_date AS DATE) AS event_date) FROM new_region_event"""
                )
            known = {c for (c,) in con.execute("SELECT DISTINCT code FROM region_name").fetchall()}
        finally:
            con.unregister("new_region")
            con.unregister("new_region_event")
        _insert_region_names(
            con, [(r.code, r.name, r.kind) for r in regions if r.code not in known or any(e.other_code for e in r.events)], source
        )

    def regions(self, on: dt.date | None = None, kinds: tuple[str, ...] = ("municipality",)) -> pd.DataFrame:
        """Regions of the given kinds, optionally only those that existed on date `on`."""
        return self.con.execute(
            """SELECT code, name, kind, province_code, valid_from, valid_to
               FROM region
               WHERE kind IN (SELECT unnest(?))
                 AND (CAST(? AS DATE) IS NULL
                      OR ((valid_from IS NULL OR valid_from <= CAST(? AS DATE))
                          AND (valid_to IS NULL OR valid_to > CAST(? AS DATE))))
               ORDER BY code""",
            [list(kinds), on, on, on],
        ).df()

    def region(self, code: str) -> dict | None:
        frame = self.con.execute("SELECT * FROM region WHERE code = ?", [code]).df()
        return None if frame.empty else frame.iloc[0].to_dict()

    def region_events(self, code: str) -> pd.DataFrame:
        return self.con.execute(
            "SELECT * FROM region_event WHERE region_code = ? ORDER BY event_date DESC, kind, other_code",
            [code],
        ).df()

    def successors(self, code: str, on: dt.date | None = None) -> pd.DataFrame:
        """Where a region's residents went: the regions existing on `on` (default: today).

        Follows dissolutions and name changes through as many steps as CBS recorded (Haaren split
        over four municipalities in 2021; a municipality that merged twice is followed twice).
        Columns: code, name, share (of the residents moved; 1.0 for a whole transfer), via_date.
        """
        on = on or dt.date.today()
        return self.con.execute(
            """WITH RECURSIVE moves AS (
                   SELECT region_code AS from_code, other_code AS to_code, event_date,
                          coalesce(CAST(residents AS DOUBLE) / nullif(sum(residents) OVER (PARTITION BY region_code, event_date), 0),
                                   1.0 / count(*) OVER (PARTITION BY region_code, event_date)) AS share
                   FROM region_event
                   WHERE (kind = 'dissolved' OR (kind = 'name_change' AND direction = 'out'))
                     AND other_code IS NOT NULL AND event_date <= CAST(? AS DATE)
               ),
               walk(code, share, via_date, depth) AS (
                   SELECT CAST(? AS VARCHAR), CAST(1.0 AS DOUBLE), CAST(NULL AS DATE), 0
                   UNION ALL
                   SELECT m.to_code, w.share * m.share, m.event_date, w.depth + 1
                   FROM walk w JOIN moves m ON m.from_code = w.code
                   WHERE w.depth < 20
               )
               SELECT w.code, r.name, sum(w.share) AS share, max(w.via_date) AS via_date
               FROM walk w JOIN region r ON r.code = w.code
               WHERE w.code NOT IN (SELECT from_code FROM moves)
                 AND w.depth > 0
               GROUP BY ALL ORDER BY share DESC, w.code""",
            [on, code],
        ).df()

    def predecessors(self, code: str) -> pd.DataFrame:
        """Regions that went (wholly or in part) into `code` when it was created or merged."""
        return self.con.execute(
            """SELECT e.other_code AS code, r.name, e.event_date, e.kind, e.residents, e.dwellings, e.area_ha
               FROM region_event e LEFT JOIN region r ON r.code = e.other_code
               WHERE e.region_code = ? AND e.direction = 'in'
                 AND e.kind IN ('created', 'merged', 'name_change')
               ORDER BY e.event_date DESC, e.other_code""",
            [code],
        ).df()

    def codes_for_name(self, name: str, year: int | None = None) -> list[str]:
        """Region codes that a name can mean in `year` (all years when None)."""
        on = dt.date(year, 1, 1) if year else None
        rows = self.con.execute(
            """SELECT DISTINCT n.code FROM region_name n JOIN region r ON r.code = n.code
               WHERE n.name_key = ?
                 AND (CAST(? AS DATE) IS NULL
                      OR ((r.valid_from IS NULL OR r.valid_from <= CAST(? AS DATE))
                          AND (r.valid_to IS NULL OR r.valid_to > CAST(? AS DATE))))
               ORDER BY 1""",
            [name_key(name), on, on, on],
        ).fetchall()
        return [r[0] for r in rows]

    # --- indicators ---------------------------------------------------------------------------

    def indicators(self) -> pd.DataFrame:
        return self.con.execute(
            """SELECT i.id, i.title_nl, i.title_en, i.unit, i.additive, i.generated, i.description,
                      string_agg(s.source_table || ':' || s.source_measure || ' (' || s.precedence || ')', '; '
                                 ORDER BY s.precedence, s.source_table) AS sources,
                      first(s.licence ORDER BY s.precedence) AS licence
               FROM indicator i LEFT JOIN indicator_source s ON s.indicator_id = i.id
               GROUP BY ALL ORDER BY i.id"""
        ).df()

    def known_indicator_ids(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT id FROM indicator").fetchall()}

    def _register_indicators(self, batch: ImportBatch) -> None:
        known = self.known_indicator_ids()
        for definition, measure, title, unit in batch.indicators:
            if definition.id not in known:
                self.con.execute(
                    "INSERT INTO indicator VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [definition.id, definition.title_nl, definition.title_en, definition.unit,
                     definition.additive, definition.description,
                     not any(s.table.lower() == batch.source_table.lower() for s in definition.sources)],
                )
                known.add(definition.id)
            precedence = EXAMPLE_PRECEDENCE if batch.source_table == EXAMPLE_SOURCE else next(
                (s.precedence for s in definition.sources
                 if s.table.lower() == batch.source_table.lower() and s.measure == measure),
                50,
            )
            self.con.execute(
                """INSERT OR REPLACE INTO indicator_source VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [batch.source_table, measure, definition.id, precedence, title, unit, batch.licence],
            )

    # --- observations -------------------------------------------------------------------------

    def observations(
        self,
        indicator: str | None = None,
        region: str | None = None,
        period: str | None = None,
        all_sources: bool = False,
    ) -> pd.DataFrame:
        """Observations as shown (best source per key), or every source's with `all_sources`."""
        relation = "observation" if all_sources else "observation_best"
        return self.con.execute(
            f"""SELECT indicator_id, region_code, period, value, status, source_table AS source, import_id
                FROM {relation}
                WHERE (CAST(? AS VARCHAR) IS NULL OR indicator_id = ?)
                  AND (CAST(? AS VARCHAR) IS NULL OR region_code = ?)
                  AND (CAST(? AS VARCHAR) IS NULL OR period = ?)
                ORDER BY indicator_id, region_code, period, source_table""",
            [indicator, indicator, region, region, period, period],
        ).df()

    def revisions(self, indicator: str, region: str, period: str) -> pd.DataFrame:
        return self.con.execute(
            """SELECT value, status, source_table AS source, import_id, superseded_by
               FROM observation_revision WHERE indicator_id = ? AND region_code = ? AND period = ?
               ORDER BY import_id""",
            [indicator, region, period],
        ).df()

    def query(self, sql: str, params: list, tables: dict[str, pd.DataFrame] | None = None,
              arrow: bool = False) -> pd.DataFrame:
        """Run a read query composed by `koers.evaluate` / `koers.assess` from allow-listed parts;
        values as `?`, frames from Python registered under the given names for this query only."""
        tables = tables or {}
        for name, frame in tables.items():
            self.con.register(name, frame)
        try:
            # Through Arrow, text columns stay Arrow-backed in pandas: no Python string per row.
            if arrow:
                return self.con.sql(sql, params=params).to_arrow_table().to_pandas()
            return self.con.execute(sql, params).df()
        finally:
            for name in tables:
                self.con.unregister(name)

    def source_tables(self) -> list[str]:
        """Every source table that has observations, in a fixed order."""
        return [r[0] for r in self.con.execute("SELECT DISTINCT source_table FROM observation ORDER BY 1").fetchall()]

    def municipality_profile(self, year: int) -> pd.DataFrame:
        """Municipalities existing during `year` with what peer groups are made of: province,
        population on 1 January (of that year, else the nearest year there is) and urbanity
        (CBS's "mate van stedelijkheid", the latest figure up to that year, else the earliest)."""
        return self.con.execute(
            """WITH m AS (
                   SELECT code, name, province_code FROM region
                   WHERE kind = 'municipality'
                     AND (valid_from IS NULL OR valid_from < make_date(?, 12, 31))
                     AND (valid_to IS NULL OR valid_to > make_date(?, 1, 1))
               ),
               nearest AS (
                   SELECT region_code, indicator_id, value,
                          row_number() OVER (PARTITION BY region_code, indicator_id
                                             ORDER BY abs(CAST(period AS INTEGER) - ?), period DESC) AS rank
                   FROM observation_best
                   WHERE indicator_id IN ('population', 'urbanity') AND length(period) = 4 AND value IS NOT NULL
               )
               SELECT m.code AS region_code, m.name, m.province_code,
                      max(n.value) FILTER (WHERE n.indicator_id = 'population') AS population,
                      max(n.value) FILTER (WHERE n.indicator_id = 'urbanity') AS urbanity
               FROM m LEFT JOIN nearest n ON n.region_code = m.code AND n.rank = 1
               GROUP BY ALL ORDER BY m.code""",
            [year, year, year],
        ).df()

    def counts(self) -> dict[str, int]:
        names = ("region", "region_event", "indicator", "observation", "observation_revision", "import_log", "rejected_row")
        return {n: int(self.con.execute(f"SELECT count(*) FROM {n}").fetchall()[0][0]) for n in names}

    # --- targets ------------------------------------------------------------------------------

    def upsert_targets(self, targets: pd.DataFrame, source: str, set_by: str | None = None) -> int:
        """Add or replace targets. `targets` columns: kpi_id, region_code, year, value, tolerance
        (optional, default 0), note (optional). Returns the number written."""
        frame = targets.copy()
        frame["tolerance"] = frame["tolerance"] if "tolerance" in frame else 0.0
        frame["note"] = frame["note"] if "note" in frame else None
        frame = frame[["kpi_id", "region_code", "year", "value", "tolerance", "note"]]
        self.con.register("new_target", frame)
        try:
            self.con.execute(
                """INSERT OR REPLACE INTO target
                   SELECT kpi_id, region_code, CAST(year AS INTEGER), value, coalesce(tolerance, 0), ?, note, ?, ?
                   FROM new_target""",
                [source, dt.datetime.now(), set_by],
            )
        finally:
            self.con.unregister("new_target")
        return len(frame)

    def targets(self, kpi_id: str | None = None, region: str | None = None) -> pd.DataFrame:
        return self.con.execute(
            """SELECT kpi_id, region_code, year, value, tolerance, source, note, set_at, set_by FROM target
               WHERE (CAST(? AS VARCHAR) IS NULL OR kpi_id = ?) AND (CAST(? AS VARCHAR) IS NULL OR region_code = ?)
               ORDER BY kpi_id, region_code, year""",
            [kpi_id, kpi_id, region, region],
        ).df()

    def remove_examples(self) -> dict[str, int]:
        """Remove every invented figure: example observations, their revisions and targets."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            removed = {
                "observations": con.execute("DELETE FROM observation WHERE source_table = ?", [EXAMPLE_SOURCE]).fetchall()[0][0],
                "revisions": con.execute("DELETE FROM observation_revision WHERE source_table = ?", [EXAMPLE_SOURCE]).fetchall()[0][0],
                "targets": con.execute("DELETE FROM target WHERE source = ?", [EXAMPLE_TITLE]).fetchall()[0][0],
            }
            con.execute("DELETE FROM indicator_source WHERE source_table = ?", [EXAMPLE_SOURCE])
            con.execute("DELETE FROM indicator WHERE id NOT IN (SELECT indicator_id FROM indicator_source)")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return {k: int(v) for k, v in removed.items()}

    # --- import log ---------------------------------------------------------------------------

    def imports(self) -> pd.DataFrame:
        return self.con.execute(
            """SELECT id, kind, file, source_table, started, finished, rows_read, rows_loaded,
                      rows_new, rows_revised, rows_unchanged, rows_rejected, status, message, checksum
               FROM import_log ORDER BY id"""
        ).df()

    def rejected(self, import_id: int | None = None) -> pd.DataFrame:
        return self.con.execute(
            """SELECT import_id, record, field, reason_nl, reason_en, raw FROM rejected_row
               WHERE CAST(? AS INTEGER) IS NULL OR import_id = ?
               ORDER BY import_id, record""",
            [import_id, import_id],
        ).df()

    def log_failed_import(self, kind: str, file: str, message: str) -> int:
        """Record an import that could not start (unreadable file); nothing else is written."""
        row = self.con.execute(
            """INSERT INTO import_log (id, kind, file, started, finished, status, message,
                                       rows_read, rows_loaded, rows_rejected)
               VALUES (nextval('import_id_seq'), ?, ?, ?, ?, 'failed', ?, 0, 0, 0) RETURNING id""",
            [kind, file, dt.datetime.now(), dt.datetime.now(), message],
        ).fetchall()
        return int(row[0][0])

    def commit_import(self, batch: ImportBatch, progress: Progress = _no_progress) -> ImportResult:
        """Write one import in a single transaction: all of it, or (on any error) none of it.

        Steps inside the transaction: registry update, indicator registration, region check
        (codes known, names unambiguous, region existing in the period), duplicate check, then the
        merge: unchanged rows are left alone, changed ones move to `observation_revision` and are
        replaced, new ones are inserted.
        """
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            import_id = int(con.execute(
                """INSERT INTO import_log (id, kind, file, checksum, source_table, source_title, licence,
                                           started, rows_read, status)
                   VALUES (nextval('import_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?, 'running') RETURNING id""",
                [batch.kind, batch.file, batch.checksum, batch.source_table, batch.source_title,
                 batch.licence, dt.datetime.now(), batch.rows_read],
            ).fetchall()[0][0])
            progress("registry", 0.05)
            if batch.regions:
                self.upsert_regions(batch.regions, batch.region_source or batch.source_table)
            self._register_indicators(batch)
            progress("validate", 0.15)
            con.register("batch_obs", batch.observations)
            con.register("batch_rejected", batch.rejected)
            con.execute(_STAGE_SQL, [batch.source_table])
            progress("merge", 0.55)
            con.execute(
                """INSERT INTO rejected_row
                   SELECT ?, record, raw, field, reason_nl, reason_en FROM batch_rejected
                   UNION ALL
                   SELECT ?, record, raw, field, reason_nl, reason_en FROM staged WHERE problem IS NOT NULL""",
                [import_id, import_id],
            )
            con.execute("DELETE FROM staged WHERE problem IS NOT NULL")
            revised = int(con.execute(
                """INSERT INTO observation_revision
                   SELECT o.*, ? FROM observation o JOIN staged s USING (indicator_id, region_code, period, source_table)
                   WHERE o.value IS DISTINCT FROM s.value OR o.status IS DISTINCT FROM s.status""",
                [import_id],
            ).fetchall()[0][0])
            if revised:
                con.execute(
                    """UPDATE observation o SET value = s.value, status = s.status, import_id = ?
                       FROM staged s
                       WHERE o.indicator_id = s.indicator_id AND o.region_code = s.region_code
                         AND o.period = s.period AND o.source_table = s.source_table
                         AND (o.value IS DISTINCT FROM s.value OR o.status IS DISTINCT FROM s.status)""",
                    [import_id],
                )
            progress("insert", 0.8)
            new = int(con.execute(
                """INSERT INTO observation
                   SELECT s.indicator_id, s.region_code, s.period, s.source_table, s.value, s.status, ?
                   FROM staged s
                   ANTI JOIN observation o USING (indicator_id, region_code, period, source_table)""",
                [import_id],
            ).fetchall()[0][0])
            loaded = int(con.execute("SELECT count(*) FROM staged").fetchall()[0][0])
            rejected = int(con.execute("SELECT count(*) FROM rejected_row WHERE import_id = ?", [import_id]).fetchall()[0][0])
            status = "ok" if new or revised else ("rejected" if rejected and not loaded else "unchanged")
            con.execute(
                """UPDATE import_log SET finished = ?, rows_loaded = ?, rows_new = ?, rows_revised = ?,
                          rows_unchanged = ?, rows_rejected = ?, status = ? WHERE id = ?""",
                [dt.datetime.now(), loaded, new, revised, loaded - new - revised, rejected, status, import_id],
            )
            con.execute("DROP TABLE staged")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            for name in ("batch_obs", "batch_rejected"):
                try:
                    con.unregister(name)
                except duckdb.Error:
                    pass
        progress("done", 1.0)
        return ImportResult(import_id, batch.rows_read, loaded, new, revised, loaded - new - revised, rejected, status)


# The staged rows with their region resolved and a reason when they cannot be loaded.
# Region by name: the names valid in the period's first day; when none is, any period's (the
# region is known but did not exist then). More than one candidate is ambiguous: refused.
_STAGE_SQL = """
CREATE OR REPLACE TEMP TABLE staged AS
WITH periods AS (
    -- The few distinct periods, with the first day of each and of the next.
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
-- Region by name: the regions of that name that existed in the period; when none did, any
-- period's (the region is known but did not exist then). More than one candidate: ambiguous.
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
-- Keys that occur more than once in the batch: every occurrence after the first is refused.
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
       -- missing is missing, and no value for a region that did not exist then is impossible
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


def _connect(
    path: Path, read_only: bool, wait_seconds: float, on_wait: Callable[[str], None] | None
) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting while another process holds a conflicting lock."""
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise KoersError(
                    f"database {path} kan niet worden geopend: {str(error).splitlines()[0]}",
                    f"cannot open database {path}: {str(error).splitlines()[0]}",
                ) from error
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"database {path} is in gebruik door een ander proces; probeer het later opnieuw",
                    f"database {path} is in use by another process; try again later",
                ) from error
            if on_wait and not told:
                on_wait(str(path))
                told = True
            time.sleep(0.2)
        except duckdb.Error as error:
            raise KoersError(
                f"database {path} kan niet worden geopend: {str(error).splitlines()[0]}",
                f"cannot open database {path}: {str(error).splitlines()[0]}",
            ) from error


def database_signature(path: str | Path) -> tuple[int, int, int, int]:
    """A cheap fingerprint of the database file (and its WAL) that changes with every write.

    The dashboard keys its caches on it: a new import from the CLI shows up on the next rerun,
    without a restart and without the dashboard holding any lock to find out.
    """
    path = Path(path)
    wal = Path(str(path) + ".wal")
    stats = [p.stat() if p.exists() else None for p in (path, wal)]
    return tuple(x for s in stats for x in ((s.st_mtime_ns, s.st_size) if s else (0, 0)))  # type: ignore[return-value]


def read_snapshot(path: str | Path) -> dict[str, pd.DataFrame | dict]:
    """What the overview shows, read in one short read-only visit (no lock is kept)."""
    with Store.open(path, read_only=True, wait_seconds=30) as store:
        return {
            "counts": store.counts(),
            "imports": store.imports(),
            "indicators": store.indicators(),
            "municipalities": store.regions(on=dt.date.today()),
        }
