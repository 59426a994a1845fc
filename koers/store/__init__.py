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
import json
import os
import string
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from koers.access import LOCAL, Actor, Permission, require
from koers.indicators.catalogue import CanonicalIndicator
from koers.errors import DatabaseBusy, KoersError
from koers.sources.registry import Region, name_aliases, name_key

SCHEMA_VERSION = 5
# Invented figures (the demo's example series and targets) live under this source and nowhere else.
EXAMPLE_SOURCE = "voorbeelddata"
EXAMPLE_TITLE = "voorbeelddata, fictief"
EXAMPLE_AUTHOR = "Voorbeeld (fictief)"  # who wrote the demo's invented annotations, actions and reviews
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


# Version 4: the learning loop and trust. Every record people write carries a `version` that a
# save must name (the version the editor loaded): a second editor's stale save is refused, not
# merged. `audit_log` is append-only: the store has no method that changes or removes a row of it.
_V4 = [
    "CREATE SEQUENCE audit_id_seq START 1",
    """CREATE TABLE audit_log (
        id BIGINT PRIMARY KEY, logged_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, actor_name VARCHAR,
        role VARCHAR NOT NULL, action VARCHAR NOT NULL, entity VARCHAR NOT NULL, entity_id VARCHAR,
        before VARCHAR, after VARCHAR)""",  # before/after: JSON of the record, null when there was none
    "CREATE SEQUENCE record_id_seq START 1",
    """CREATE TABLE annotation (
        id INTEGER PRIMARY KEY, kpi_id VARCHAR NOT NULL, region_code VARCHAR NOT NULL, period VARCHAR NOT NULL,
        kind VARCHAR NOT NULL, text VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
        updated_by VARCHAR NOT NULL, version INTEGER NOT NULL, deleted BOOLEAN NOT NULL)""",
    """CREATE TABLE action (
        id INTEGER PRIMARY KEY, region_code VARCHAR NOT NULL, title VARCHAR NOT NULL, description VARCHAR,
        owner VARCHAR NOT NULL, due_date DATE, status VARCHAR NOT NULL, kpi_ids VARCHAR[] NOT NULL,
        expected_effect VARCHAR, review_id INTEGER,
        created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
        updated_by VARCHAR NOT NULL, version INTEGER NOT NULL, deleted BOOLEAN NOT NULL)""",
    # Every value a target has had, the first one included: revision 1 is the original target.
    """CREATE TABLE target_revision (
        kpi_id VARCHAR NOT NULL, region_code VARCHAR NOT NULL, year INTEGER NOT NULL, revision INTEGER NOT NULL,
        value DOUBLE NOT NULL, tolerance DOUBLE NOT NULL, reason VARCHAR, source VARCHAR,
        revised_at TIMESTAMP NOT NULL, revised_by VARCHAR,
        PRIMARY KEY (kpi_id, region_code, year, revision))""",
    "ALTER TABLE target ADD COLUMN version INTEGER DEFAULT 1",
    """CREATE TABLE review_session (
        id INTEGER PRIMARY KEY, region_code VARCHAR NOT NULL, year INTEGER NOT NULL, reference_date DATE NOT NULL,
        title VARCHAR NOT NULL, stage VARCHAR NOT NULL, data_version INTEGER NOT NULL, previous_id INTEGER,
        created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
        updated_by VARCHAR NOT NULL, version INTEGER NOT NULL, deleted BOOLEAN NOT NULL)""",
    # What the council saw, frozen when the session was made; later imports never touch it.
    # `series` and `peer_values`: JSON ({"2019": 1.5, ...} and {"GM0344": 2.1, ...}; "suppressed" where withheld).
    """CREATE TABLE review_snapshot (
        session_id INTEGER NOT NULL, kpi_id VARCHAR NOT NULL, theme INTEGER, kind VARCHAR, title_nl VARCHAR,
        title_en VARCHAR, unit VARCHAR, polarity VARCHAR, period VARCHAR, value DOUBLE, suppressed BOOLEAN,
        privacy_threshold INTEGER, status VARCHAR, target DOUBLE, target_year INTEGER, tolerance DOUBLE,
        original_target DOUBLE, trend VARCHAR, percentile DOUBLE, peers INTEGER, peer_median DOUBLE,
        provisional BOOLEAN, harmonised BOOLEAN, example BOOLEAN, sources VARCHAR, data_date TIMESTAMP,
        series VARCHAR, peer_values VARCHAR,
        PRIMARY KEY (session_id, kpi_id))""",
    # Findings, decisions and expected effects of a session (expected: value or direction, by year).
    """CREATE TABLE review_item (
        id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, kind VARCHAR NOT NULL, kpi_id VARCHAR,
        text VARCHAR NOT NULL, expected_direction VARCHAR, expected_value DOUBLE, expected_year INTEGER,
        created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
        updated_by VARCHAR NOT NULL, version INTEGER NOT NULL, deleted BOOLEAN NOT NULL)""",
    # Data governance per source table (as in `indicator_source.source_table` / `import_log`).
    """CREATE TABLE governance (
        id VARCHAR PRIMARY KEY, owner VARCHAR, licence VARCHAR, legal_basis VARCHAR, privacy_class VARCHAR,
        retention VARCHAR, refresh_schedule VARCHAR,
        created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
        updated_by VARCHAR NOT NULL, version INTEGER NOT NULL, deleted BOOLEAN NOT NULL)""",
]


# Version 5: observations stored on integer keys. Writing five million rows of text keys cost as
# much as reading the whole file (bench/bench_import.py); on integers it is a third of that. The
# view `observation` shows them as before, so readers (and `observation_best`) are unchanged.
_OBSERVATION_VIEW = f"""CREATE VIEW observation AS
    SELECT i.id AS indicator_id, r.code AS region_code, p.period, s.source_table, d.value,
           {[*STATUSES]!r}[d.status_no + 1] AS status, d.import_id
    FROM observation_data d
    JOIN observation_indicator i ON i.no = d.indicator_no
    JOIN observation_region r ON r.no = d.region_no
    JOIN observation_period p ON p.no = d.period_no
    JOIN observation_source s ON s.no = d.source_no"""
_V5 = [
    "CREATE TABLE observation_indicator (no INTEGER PRIMARY KEY, id VARCHAR NOT NULL UNIQUE)",
    "CREATE TABLE observation_region (no INTEGER PRIMARY KEY, code VARCHAR NOT NULL UNIQUE)",
    "CREATE TABLE observation_period (no INTEGER PRIMARY KEY, period VARCHAR NOT NULL UNIQUE)",
    "CREATE TABLE observation_source (no INTEGER PRIMARY KEY, source_table VARCHAR NOT NULL UNIQUE)",
    # status_no: the index in STATUSES. No primary key, as before: the merge keeps keys unique.
    """CREATE TABLE observation_data (
        indicator_no INTEGER NOT NULL, region_no INTEGER NOT NULL, period_no INTEGER NOT NULL,
        source_no INTEGER NOT NULL, value DOUBLE, status_no UTINYINT NOT NULL, import_id INTEGER NOT NULL)""",
    "INSERT INTO observation_indicator SELECT row_number() OVER (ORDER BY id), id FROM (SELECT DISTINCT indicator_id AS id FROM observation)",
    "INSERT INTO observation_region SELECT row_number() OVER (ORDER BY code), code FROM (SELECT DISTINCT region_code AS code FROM observation)",
    "INSERT INTO observation_period SELECT row_number() OVER (ORDER BY period), period FROM (SELECT DISTINCT period FROM observation)",
    "INSERT INTO observation_source SELECT row_number() OVER (ORDER BY source_table), source_table FROM (SELECT DISTINCT source_table FROM observation)",
    f"""INSERT INTO observation_data
        SELECT i.no, r.no, p.no, s.no, o.value, list_position({[*STATUSES]!r}, o.status) - 1, o.import_id
        FROM observation o JOIN observation_indicator i ON i.id = o.indicator_id JOIN observation_region r ON r.code = o.region_code
        JOIN observation_period p ON p.period = o.period JOIN observation_source s ON s.source_table = o.source_table""",
    "DROP VIEW observation_best",
    "DROP TABLE observation",
    _OBSERVATION_VIEW,
    _V1[-1],  # observation_best, as in version 1, now on the view
]


def _backfill_target_revisions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""INSERT INTO target_revision
                   SELECT kpi_id, region_code, year, 1, value, tolerance, note, source, set_at, set_by FROM target""")


def _backfill_region_names(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT code, name, kind FROM region").fetchall()
    _insert_region_names(con, [(code, name, kind) for code, name, kind in rows], "registry")


MIGRATIONS: dict[int, tuple[list[str], Callable[[duckdb.DuckDBPyConnection], None] | None]] = {
    1: (_V1, None),
    2: (_V2, _backfill_region_names),
    3: (_V3, None),
    4: (_V4, _backfill_target_revisions),
    5: (_V5, None),
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
    indicators: list[tuple[CanonicalIndicator, str, str, str]] = field(default_factory=list)
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
                # of the machine's memory; beyond this it spills to disk (bench, 5M rows: the importing
                # process peaks at 0.8 GB, 1.3 GB when re-importing).
                con.execute("SET memory_limit = ?", [os.environ.get("KOERS_WRITE_MEMORY", "640MB")])
            store = cls(con, path, read_only)
            if read_only:
                store._check_version()
            else:
                migrate(con)
            yield store
        finally:
            con.close()

    @classmethod
    def upgrade(cls, path: str | Path) -> int | None:
        """Bring an existing database made by an older Koers to this schema (a brief write), so a
        reader such as the dashboard can open it; returns the version found when it upgraded."""
        path = Path(path)
        if not path.exists():
            return None
        con = _connect(path, True, 10.0, None)
        try:
            rows = con.execute("SELECT value FROM koers_meta WHERE key = 'schema_version'").fetchall()
        except duckdb.CatalogException:
            rows = []
        finally:
            con.close()
        found = int(rows[0][0]) if rows else 0
        if found >= SCHEMA_VERSION:
            return None
        with cls.open(path):  # migrates
            pass
        return found

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
        """Add the batch's indicators that the store does not know yet, and (re)write where each
        comes from in this source. Written in two statements, not one per indicator: a file can
        bring hundreds."""
        known = self.known_indicator_ids()
        new: dict[str, tuple] = {}
        sources: dict[str, tuple] = {}  # per measure; a later entry replaces an earlier one
        for definition, measure, title, unit in batch.indicators:
            if definition.id not in known and definition.id not in new:
                new[definition.id] = (
                    definition.id, definition.title_nl, definition.title_en, definition.unit,
                    definition.additive, definition.description,
                    not any(s.table.lower() == batch.source_table.lower() for s in definition.sources),
                )
            precedence = EXAMPLE_PRECEDENCE if batch.source_table == EXAMPLE_SOURCE else next(
                (s.precedence for s in definition.sources
                 if s.table.lower() == batch.source_table.lower() and s.measure == measure),
                50,
            )
            sources[measure] = (batch.source_table, measure, definition.id, precedence, title, unit, batch.licence)
        for table, rows, types in (("indicator", list(new.values()), _INDICATOR_TYPES),
                                   ("indicator_source", list(sources.values()), _INDICATOR_SOURCE_TYPES)):
            if not rows:
                continue
            frame = pa.table({name: pa.array(values, type_) for (name, type_), values in zip(types, zip(*rows))})
            self.con.register("new_rows", frame)
            try:  # table names from the two above
                self.con.execute(f"INSERT OR REPLACE INTO {table} SELECT * FROM new_rows")
            finally:
                self.con.unregister("new_rows")

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
        """Run a read query composed by `koers.kpis.evaluate` / `koers.kpis.assess` from allow-listed parts;
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
        return [r[0] for r in self.con.execute(
            """SELECT source_table FROM observation_source
               WHERE no IN (SELECT DISTINCT source_no FROM observation_data) ORDER BY 1""").fetchall()]

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
        tables = {"region": "region", "region_event": "region_event", "indicator": "indicator",
                  "observation": "observation_data", "observation_revision": "observation_revision",
                  "import_log": "import_log", "rejected_row": "rejected_row"}
        return {name: int(self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]) for name, table in tables.items()}

    # --- targets ------------------------------------------------------------------------------
    # `target` holds each target's current value; `target_revision` every value it has had
    # (revision 1 is the original), with who changed it, when and why.

    def upsert_targets(self, targets: pd.DataFrame, source: str, set_by: str | None = None,
                       actor: Actor = LOCAL) -> int:
        """Add or replace targets from a file or API. `targets` columns: kpi_id, region_code, year,
        value, tolerance (optional, default 0), note (optional). A changed value becomes a new
        revision (reason: the note, else the source). Returns the number written."""
        require(actor, Permission.set_target)
        frame = targets.copy()
        frame["tolerance"] = frame["tolerance"] if "tolerance" in frame else 0.0
        frame["note"] = frame["note"] if "note" in frame else None
        frame = frame[["kpi_id", "region_code", "year", "value", "tolerance", "note"]]
        now, by = dt.datetime.now(), set_by or actor.name
        con = self.con
        con.register("new_target", frame)
        con.execute("BEGIN TRANSACTION")
        try:
            changed = con.execute(
                """INSERT INTO target_revision
                   SELECT n.kpi_id, n.region_code, CAST(n.year AS INTEGER),
                          coalesce((SELECT max(r.revision) FROM target_revision r WHERE r.kpi_id = n.kpi_id
                                    AND r.region_code = n.region_code AND r.year = CAST(n.year AS INTEGER)), 0) + 1,
                          n.value, coalesce(n.tolerance, 0), coalesce(n.note, ?), ?, ?, ?
                   FROM new_target n LEFT JOIN target t ON t.kpi_id = n.kpi_id AND t.region_code = n.region_code
                        AND t.year = CAST(n.year AS INTEGER)
                   WHERE t.kpi_id IS NULL OR t.value IS DISTINCT FROM n.value
                         OR t.tolerance IS DISTINCT FROM coalesce(n.tolerance, 0)""",
                [source, source, now, by],
            ).fetchall()[0][0]
            con.execute(
                """INSERT OR REPLACE INTO target
                   SELECT n.kpi_id, n.region_code, CAST(n.year AS INTEGER), n.value, coalesce(n.tolerance, 0), ?, n.note, ?, ?,
                          coalesce(t.version + 1, 1)
                   FROM new_target n LEFT JOIN target t ON t.kpi_id = n.kpi_id AND t.region_code = n.region_code
                        AND t.year = CAST(n.year AS INTEGER)""",
                [source, now, by],
            )
            self._audit(actor, "import", "target", source, None, {"targets": len(frame), "revised": int(changed)})
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("new_target")
        return len(frame)

    def revise_target(self, kpi_id: str, region: str, year: int, value: float, tolerance: float, reason: str,
                      actor: Actor, version: int | None) -> dict:
        """Set or change one target, with a reason. `version`: the target's version the editor
        saw (None for a new target); a target changed since is refused (`Conflict`)."""
        require(actor, Permission.set_target)
        if not (reason or "").strip():
            raise KoersError("geef een reden voor het (gewijzigde) doel", "give a reason for the (changed) target")
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            key = [kpi_id, region, int(year)]
            before = self._row("SELECT * FROM target WHERE kpi_id = ? AND region_code = ? AND year = ?", key)
            _check_version("target", f"{kpi_id} {region} {year}", before, version)
            now = dt.datetime.now()
            con.execute("INSERT OR REPLACE INTO target VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        key + [float(value), float(tolerance), "koers", reason.strip(), now, actor.name,
                               (before["version"] if before else 0) + 1])
            con.execute(
                """INSERT INTO target_revision
                   SELECT ?, ?, ?, coalesce(max(revision), 0) + 1, ?, ?, ?, 'koers', ?, ?
                   FROM target_revision WHERE kpi_id = ? AND region_code = ? AND year = ?""",
                key + [float(value), float(tolerance), reason.strip(), now, actor.name] + key)
            after = self._row("SELECT * FROM target WHERE kpi_id = ? AND region_code = ? AND year = ?", key)
            self._audit(actor, "update" if before else "create", "target", f"{kpi_id}/{region}/{year}", before, after)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return after

    def targets(self, kpi_id: str | None = None, region: str | None = None) -> pd.DataFrame:
        """Current targets, with the original (first) value and the number of revisions."""
        return self.con.execute(
            """SELECT t.kpi_id, t.region_code, t.year, t.value, t.tolerance, t.source, t.note, t.set_at, t.set_by,
                      t.version, r.original, coalesce(r.revisions, 1) AS revisions
               FROM target t LEFT JOIN (
                   SELECT kpi_id, region_code, year, arg_min(value, revision) AS original, count(*) AS revisions
                   FROM target_revision GROUP BY ALL) r USING (kpi_id, region_code, year)
               WHERE (CAST(? AS VARCHAR) IS NULL OR t.kpi_id = ?) AND (CAST(? AS VARCHAR) IS NULL OR t.region_code = ?)
               ORDER BY t.kpi_id, t.region_code, t.year""",
            [kpi_id, kpi_id, region, region],
        ).df()

    def target_revisions(self, kpi_id: str | None = None, region: str | None = None) -> pd.DataFrame:
        """Every value each target has had. Columns: kpi_id, region_code, year, revision, value,
        tolerance, reason, source, revised_at, revised_by."""
        return self.con.execute(
            """SELECT * FROM target_revision
               WHERE (CAST(? AS VARCHAR) IS NULL OR kpi_id = ?) AND (CAST(? AS VARCHAR) IS NULL OR region_code = ?)
               ORDER BY kpi_id, region_code, year, revision""",
            [kpi_id, kpi_id, region, region],
        ).df()

    def remove_examples(self, actor: Actor = LOCAL) -> dict[str, int]:
        """Remove every invented figure: example observations, their revisions and targets (with
        their revision history), and the demo's invented learning loop (records by `EXAMPLE_AUTHOR`,
        review sessions with their snapshots and items)."""
        require(actor, Permission.import_data)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            removed = {
                "observations": con.execute(
                    "DELETE FROM observation_data WHERE source_no IN (SELECT no FROM observation_source WHERE source_table = ?)",
                    [EXAMPLE_SOURCE]).fetchall()[0][0],
                "revisions": con.execute("DELETE FROM observation_revision WHERE source_table = ?", [EXAMPLE_SOURCE]).fetchall()[0][0],
                "targets": con.execute("DELETE FROM target WHERE source = ?", [EXAMPLE_TITLE]).fetchall()[0][0],
            }
            con.execute("DELETE FROM target_revision WHERE source = ?", [EXAMPLE_TITLE])
            sessions = "(SELECT id FROM review_session WHERE created_by = ?)"
            items = con.execute(f"DELETE FROM review_item WHERE session_id IN {sessions}", [EXAMPLE_AUTHOR]).fetchall()[0][0]
            con.execute(f"DELETE FROM review_snapshot WHERE session_id IN {sessions}", [EXAMPLE_AUTHOR])
            removed["records"] = items + sum(
                con.execute(f"DELETE FROM {table} WHERE created_by = ?", [EXAMPLE_AUTHOR]).fetchall()[0][0]
                for table in ("annotation", "action", "review_item", "review_session"))
            con.execute("DELETE FROM indicator_source WHERE source_table = ?", [EXAMPLE_SOURCE])
            con.execute("DELETE FROM indicator WHERE id NOT IN (SELECT indicator_id FROM indicator_source)")
            self._audit(actor, "delete", "examples", EXAMPLE_SOURCE, None, removed)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return {k: int(v) for k, v in removed.items()}

    # --- what people write: annotations, actions, review items, governance; the audit trail ---

    def save_record(self, entity: str, values: dict, actor: Actor, key: int | str | None = None,
                    version: int | None = None) -> dict:
        """Create (`key` None, or a governance source not yet recorded) or change a record of
        `entity` (see `RECORDS`), in one transaction with its audit entry. `version` is the
        version the editor loaded: a record changed since is refused with `Conflict`."""
        kind = RECORDS[entity]
        require(actor, kind.permission)
        unknown = set(values) - set(kind.columns)
        if unknown:
            raise ValueError(f"{entity}: no such fields {sorted(unknown)}")
        columns = list(values)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            before = None if key is None else self._row(f"SELECT * FROM {kind.table} WHERE id = ?", [key])
            now = dt.datetime.now()
            if before is None and (key is None or kind.text_key):
                _check_version(entity, key, None, version)
                if key is None:
                    key = int(con.execute("SELECT nextval('record_id_seq')").fetchall()[0][0])
                names = ["id", *columns, "created_at", "created_by", "updated_at", "updated_by", "version", "deleted"]
                con.execute(f"INSERT INTO {kind.table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                            [key, *values.values(), now, actor.name, now, actor.name, 1, False])
            else:
                if before is None:
                    raise KoersError(f"{entity} {key} bestaat niet (meer)", f"{entity} {key} does not exist (any more)")
                _check_version(entity, key, before, version)
                assignments = "".join(f"{c} = ?, " for c in columns)
                con.execute(f"UPDATE {kind.table} SET {assignments}updated_at = ?, updated_by = ?, version = version + 1 "
                            "WHERE id = ?", [*values.values(), now, actor.name, key])
            after = self._row(f"SELECT * FROM {kind.table} WHERE id = ?", [key])
            self._audit(actor, "create" if before is None else "update", entity, key, before, after)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return after

    def delete_record(self, entity: str, key: int | str, actor: Actor, version: int) -> None:
        """Mark a record deleted (it stays, for the audit trail and earlier reports)."""
        kind = RECORDS[entity]
        require(actor, kind.permission)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            before = self._row(f"SELECT * FROM {kind.table} WHERE id = ?", [key])
            _check_version(entity, key, before, version)
            con.execute(f"UPDATE {kind.table} SET deleted = true, updated_at = ?, updated_by = ?, version = version + 1 "
                        "WHERE id = ?", [dt.datetime.now(), actor.name, key])
            self._audit(actor, "delete", entity, key, before, self._row(f"SELECT * FROM {kind.table} WHERE id = ?", [key]))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def records(self, entity: str, include_deleted: bool = False, **equal: object) -> pd.DataFrame:
        """The records of `entity`, filtered on columns equal to values (`region_code="GM0363"`)."""
        kind = RECORDS[entity]
        unknown = set(equal) - set(kind.columns) - set(kind.filters) - {"id"}
        if unknown:
            raise ValueError(f"{entity}: no such fields {sorted(unknown)}")
        where = ["true" if include_deleted else "NOT deleted"] + [f"{c} = ?" for c in equal]
        return self.con.execute(f"SELECT * FROM {kind.table} WHERE {' AND '.join(where)} ORDER BY id",
                                list(equal.values())).df()

    def record_audit(self, actor: Actor, permission: Permission, action: str, entity: str, key: object,
                     before: object, after: object) -> None:
        """The audit entry of a write kept outside the database (KPI definitions, the roles file)."""
        require(actor, permission)
        self._audit(actor, action, entity, key, before, after)

    def audit_log(self, actor: Actor, entity: str | None = None) -> pd.DataFrame:
        """The audit trail, newest first (administrators only). before/after are JSON texts."""
        require(actor, Permission.audit)
        return self.con.execute(
            """SELECT id, logged_at, actor, actor_name, role, action, entity, entity_id, before, after FROM audit_log
               WHERE CAST(? AS VARCHAR) IS NULL OR entity = ? ORDER BY id DESC""", [entity, entity]).df()

    def _audit(self, actor: Actor, action: str, entity: str, key: object, before: object, after: object) -> None:
        self.con.execute(
            "INSERT INTO audit_log VALUES (nextval('audit_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [dt.datetime.now(), actor.id, actor.name, str(actor.role), action, entity,
             None if key is None else str(key), _json(before), _json(after)])

    def _row(self, sql: str, params: list) -> dict | None:
        cursor = self.con.execute(sql, params)
        rows = cursor.fetchall()
        return dict(zip([d[0] for d in cursor.description], rows[0])) if rows else None

    # --- review sessions ----------------------------------------------------------------------

    def create_review(self, session: dict, snapshot: pd.DataFrame, actor: Actor) -> int:
        """A review session with its frozen snapshot (columns of `review_snapshot` but
        `session_id`). `session`: region_code, year, reference_date, title, stage, previous_id."""
        require(actor, Permission.review)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            session_id = int(con.execute("SELECT nextval('record_id_seq')").fetchall()[0][0])
            now = dt.datetime.now()
            con.execute(
                """INSERT INTO review_session VALUES (?, ?, ?, ?, ?, ?,
                       (SELECT coalesce(max(id), 0) FROM import_log WHERE finished IS NOT NULL), ?, ?, ?, ?, ?, 1, false)""",
                [session_id, session["region_code"], int(session["year"]), session["reference_date"], session["title"],
                 session.get("stage", "plan"), session.get("previous_id"), now, actor.name, now, actor.name])
            frame = snapshot.assign(session_id=session_id)
            con.register("new_snapshot", frame)
            try:
                con.execute("INSERT INTO review_snapshot BY NAME SELECT * FROM new_snapshot")
            finally:
                con.unregister("new_snapshot")
            after = self._row("SELECT * FROM review_session WHERE id = ?", [session_id])
            self._audit(actor, "create", "review_session", session_id, None, {**after, "snapshot_kpis": len(frame)})
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return session_id

    def review_snapshot(self, session_id: int) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM review_snapshot WHERE session_id = ? ORDER BY theme, kind DESC, kpi_id",
                                [session_id]).df()

    # --- import log ---------------------------------------------------------------------------

    def imports(self) -> pd.DataFrame:
        return self.con.execute(
            """SELECT id, kind, file, source_table, started, finished, rows_read, rows_loaded,
                      rows_new, rows_revised, rows_unchanged, rows_rejected, status, message, checksum, licence
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

    def commit_import(self, batch: ImportBatch, progress: Progress = _no_progress, actor: Actor = LOCAL) -> ImportResult:
        """Write one import in a single transaction: all of it, or (on any error) none of it.

        Steps inside the transaction: registry update, indicator registration, region check
        (codes known, names unambiguous, region existing in the period), duplicate check, then the
        merge: unchanged rows are left alone, changed ones move to `observation_revision` and are
        replaced, new ones are inserted. The audit entry is part of the same transaction.
        """
        require(actor, Permission.import_data)
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
            self._stage_batch(batch, progress)
            progress("merge", 0.55)
            con.execute(
                """INSERT INTO rejected_row
                   SELECT ?, record, raw, field, reason_nl, reason_en FROM batch_rejected
                   UNION ALL
                   SELECT ?, record, raw, field, reason_nl, reason_en FROM staged_refusable WHERE problem IS NOT NULL""",
                [import_id, import_id],
            )
            for statement in _NUMBER_NEW_KEYS_SQL:
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

    def _merge_staged(self, import_id: int, source_table: str, progress: Progress) -> tuple[int, int, int]:
        """The staged rows into a source that has rows already: unchanged rows are left alone,
        changed ones move to `observation_revision` and are replaced, new ones are inserted.
        Returns (new, revised, loaded); an unchanged re-import writes nothing. Rows are matched
        on the store's integer keys."""
        con = self.con
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
                           {_STATUS_LIST}[o.status_no + 1], o.import_id, ?
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
        """Inside the open transaction: register the batch and build `staged` (`_STAGED_VIEW_SQL`).

        A batch of five million rows has a few thousand distinct regions and periods: the registry
        checks run once per distinct (region, period) pair (`judged_pair`), the duplicate check on
        integer codes, and the rows themselves are read in place (`_coded_batch`)."""
        con = self.con
        observations, distinct = _coded_batch(batch.observations)
        con.register("batch_obs", observations)
        con.register("batch_rejected", batch.rejected)
        for name, table in distinct.items():  # names from `_CODED_COLUMNS`
            con.register("batch_distinct", table)
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM batch_distinct")
            finally:
                con.unregister("batch_distinct")
        con.execute("CREATE OR REPLACE TEMP TABLE batch_source AS SELECT CAST(? AS VARCHAR) AS source_table",
                    [batch.source_table])
        con.execute(_JUDGE_PAIRS_SQL)
        code_counts = [len(distinct[name]) for name in ("batch_indicator", "batch_region_text", "batch_period")]
        if self._may_have_duplicates(*code_counts):
            self._find_duplicates()
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE duplicate_row (row_no INTEGER, first_record BIGINT)")
        for statement in _KEY_VIEWS_SQL:
            con.execute(statement)
        con.execute(_STAGED_VIEW_SQL.substitute(view="staged", pairs="pair_key", statuses=_STATUS_LIST))
        # The rows that can be refused: without duplicates only those of a pair with a problem or
        # of a region that did not exist then (usually a few thousand of millions, found quickly).
        has_duplicates = con.execute("SELECT EXISTS (SELECT 1 FROM duplicate_row)").fetchall()[0][0]
        con.execute(_STAGED_VIEW_SQL.substitute(
            view="staged_refusable", statuses=_STATUS_LIST,
            pairs="pair_key" if has_duplicates else "(SELECT * FROM pair_key WHERE problem IS NOT NULL OR NOT existed)"))

    def _may_have_duplicates(self, indicators: int, region_texts: int, periods: int) -> bool:
        """False when no (indicator, region, period) can occur twice, shown cheaply: the rows'
        codes (indicator, region text, period) are all different, and different codes mean
        different keys (no two texts for one indicator or period, nor for one region in a period).
        Arguments: the number of codes of each (null included)."""
        code_range = indicators * region_texts * periods
        if code_range > _KEY_BITMAP_LIMIT or not self.con.execute(_CODES_ARE_KEYS_SQL).fetchall()[0][0]:
            return True
        rows, distinct_codes = self.con.execute(
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
        con = self.con
        indicators, codes, periods = con.execute(
            """SELECT (SELECT count(DISTINCT value) FROM batch_indicator), coalesce(max(code_rank), 0),
                      coalesce(max(period_rank), 0) FROM judged_pair"""
        ).fetchall()[0]
        size = indicators * codes * periods
        keyed = distinct_keys = 0
        if 0 < size <= _KEY_BITMAP_LIMIT:
            keyed, distinct_keys = con.execute(
                f"SELECT count(*), coalesce(bit_count(bitstring_agg(key, 0, ?)), 0) FROM ({_ROW_KEY_SQL})",
                [size - 1, codes, periods],
            ).fetchall()[0]
        elif size:
            keyed, distinct_keys = con.execute(
                f"SELECT count(*), count(DISTINCT key) FROM ({_ROW_KEY_SQL})", [codes, periods]
            ).fetchall()[0]
        if keyed != distinct_keys:
            con.execute(_DUPLICATE_ROWS_SQL, [codes, periods])
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE duplicate_row (row_no INTEGER, first_record BIGINT)")

    def _drop_staging(self) -> None:
        for name in _STAGING_VIEWS:
            self.con.execute(f"DROP VIEW IF EXISTS {name}")
        for name in _STAGING_TABLES:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")

    # --- data quality (dashboard) -------------------------------------------------------------
    # For the dashboard's Data page: the store's checks of an import as a dry run (`_stage_batch`
    # is the staging step of `commit_import`, shared by both), and what the data-quality view reads.

    def _stage_batch(self, batch: ImportBatch, progress: Progress = _no_progress, write: bool = True) -> None:
        """Inside an open transaction: registry update and indicator registration (when `write`),
        then the relation `staged`: every batch row with its region resolved and a `problem` when
        it cannot be loaded. Leaves `batch_obs` and `batch_rejected` registered for the caller."""
        progress("registry", 0.05)
        if write:
            if batch.regions:
                self.upsert_regions(batch.regions, batch.region_source or batch.source_table)
            self._register_indicators(batch)
        progress("validate", 0.15)
        self._stage_rows(batch)

    def dry_run_import(self, batch: ImportBatch) -> tuple[ImportResult, pd.DataFrame]:
        """What `commit_import` would do, without writing: the same staging and checks inside a
        transaction that is rolled back. Works on a read-only store too; there the batch's own
        region list (CBS OData imports carry one; files do not) is not applied first.

        Returns the would-be result (import_id 0) and the would-be rejected rows, by record:
        record, field, reason_nl, reason_en, raw.
        """
        con = self.con
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
            for name in ("batch_obs", "batch_rejected"):
                try:
                    con.unregister(name)
                except duckdb.Error:
                    pass
        loaded, new, revised, rejected_count = int(loaded), int(new), int(revised), len(rejected)
        status = "ok" if new or revised else ("rejected" if rejected_count and not loaded else "unchanged")
        return ImportResult(0, batch.rows_read, loaded, new, revised, loaded - new - revised, rejected_count, status), rejected

    def coverage_by_year(self) -> pd.DataFrame:
        """Per indicator and year (from its first to its last year with municipal rows): how many
        municipalities have a value, and how many existed in that year.

        Columns: indicator_id, year, with_value, municipalities.
        """
        return self.con.execute(
            """WITH municipal AS (
                   SELECT indicator_id, CAST(period AS INTEGER) AS year, region_code, value
                   FROM observation_best WHERE length(period) = 4 AND region_code LIKE 'GM%'
               ),
               years AS (
                   SELECT indicator_id, unnest(range(first_year, last_year + 1)) AS year
                   FROM (SELECT indicator_id, min(year) AS first_year, max(year) AS last_year FROM municipal GROUP BY indicator_id)
               ),
               existing AS (
                   SELECT y.year, count(r.code) AS municipalities
                   FROM (SELECT DISTINCT year FROM years) y
                   LEFT JOIN region r ON r.kind = 'municipality'
                        AND (r.valid_from IS NULL OR r.valid_from < make_date(CAST(y.year + 1 AS BIGINT), 1, 1))
                        AND (r.valid_to IS NULL OR r.valid_to > make_date(CAST(y.year AS BIGINT), 1, 1))
                   GROUP BY ALL
               ),
               filled AS (
                   SELECT indicator_id, year, count(DISTINCT region_code) FILTER (WHERE value IS NOT NULL) AS with_value
                   FROM municipal GROUP BY ALL
               )
               SELECT y.indicator_id, y.year, coalesce(f.with_value, 0) AS with_value, e.municipalities
               FROM years y JOIN existing e USING (year) LEFT JOIN filled f USING (indicator_id, year)
               ORDER BY y.indicator_id, y.year"""
        ).df()

    def indicator_freshness(self) -> pd.DataFrame:
        """Per indicator its sources and the last finished import of any of them.

        Columns: indicator_id, sources (source tables, comma-separated), licence, last_import.
        """
        return self.con.execute(
            """SELECT s.indicator_id,
                      string_agg(DISTINCT s.source_table, ', ' ORDER BY s.source_table) AS sources,
                      string_agg(DISTINCT s.licence, '; ' ORDER BY s.licence) AS licence,
                      max(l.finished) AS last_import
               FROM indicator_source s
               LEFT JOIN import_log l ON lower(l.source_table) = lower(s.source_table)
                    AND l.finished IS NOT NULL AND l.status <> ?
               GROUP BY ALL ORDER BY s.indicator_id""",
            ["failed"],
        ).df()

    def latest_municipal_values(self) -> pd.DataFrame:
        """Per indicator, every municipality's value in the latest year in which it has values.

        Columns: indicator_id, period, region_code, value.
        """
        return self.con.execute(
            """WITH latest AS (
                   SELECT indicator_id, max(period) AS period FROM observation_best
                   WHERE length(period) = 4 AND region_code LIKE 'GM%' AND value IS NOT NULL GROUP BY ALL
               )
               SELECT o.indicator_id, o.period, o.region_code, o.value
               FROM observation_best o JOIN latest l USING (indicator_id, period)
               WHERE o.region_code LIKE 'GM%' AND o.value IS NOT NULL
               ORDER BY o.indicator_id, o.region_code"""
        ).df()


# Column types of `indicator` and `indicator_source`, for `_register_indicators`.
_INDICATOR_TYPES = [("id", pa.string()), ("title_nl", pa.string()), ("title_en", pa.string()), ("unit", pa.string()),
                    ("additive", pa.bool_()), ("description", pa.string()), ("generated", pa.bool_())]
_INDICATOR_SOURCE_TYPES = [("source_table", pa.string()), ("source_measure", pa.string()), ("indicator_id", pa.string()),
                           ("precedence", pa.int32()), ("title", pa.string()), ("unit", pa.string()), ("licence", pa.string())]

# Key columns that the staging works on by integer code, and the table of each one's distinct values.
_CODED_COLUMNS = {"indicator_id": "batch_indicator", "region_code": "batch_region_code",
                  "region_key": "batch_region_key", "region_text": "batch_region_text", "period": "batch_period",
                  "status": "batch_status"}
_SCAN_BATCH = 122_880  # rows per Arrow batch: DuckDB scans batches in parallel
_KEY_BITMAP_LIMIT = 1 << 27  # largest key range counted in a bitmap (16 MB) rather than by hashing


def _coded_batch(observations: pa.Table) -> tuple[pa.Table, dict[str, pa.Table]]:
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


# The staging of a batch, in three small steps over integer codes (see `_coded_batch`): the
# distinct (region, period) pairs are judged against the registry, the duplicate check runs on
# codes, and the view `staged` puts every row next to its pair's verdict.

# Per distinct (region, period) pair: the region resolved (by code, or by name in the period) and
# what is wrong with it. Region by name: the regions of that name that existed in the period; when
# none did, any period's (the region is known but did not exist then). More than one candidate is
# ambiguous: refused. A row without a period has no pair and is not staged.
_JUDGE_PAIRS_SQL = """
CREATE OR REPLACE TEMP TABLE judged_pair AS
WITH pairs AS (
    SELECT DISTINCT region_code_no, region_key_no, region_text_no, period_no FROM batch_obs
),
periods AS (
    -- The few distinct periods, with the first day of each and of the next.
    SELECT period_no, period, period_start,
           period_start + CASE WHEN period LIKE '____-Q_' THEN INTERVAL 3 MONTH
                               WHEN length(period) = 7 THEN INTERVAL 1 MONTH ELSE INTERVAL 1 YEAR END AS period_end
    FROM (SELECT idx AS period_no, value AS period,
                 CAST(left(value, 4) || '-' ||
                      CASE WHEN value LIKE '____-Q_' THEN lpad(CAST((CAST(right(value, 1) AS INTEGER) - 1) * 3 + 1 AS VARCHAR), 2, '0')
                           WHEN length(value) = 7 THEN right(value, 2) ELSE '01' END || '-01' AS DATE) AS period_start
          FROM batch_period WHERE value IS NOT NULL AND idx IN (SELECT period_no FROM pairs))
),
located AS (
    SELECT x.*, c.value AS region_code, k.value AS region_key, t.value AS region_text, p.period, p.period_start, p.period_end
    FROM pairs x
    JOIN periods p USING (period_no)
    JOIN batch_region_code c ON c.idx = x.region_code_no
    JOIN batch_region_key k ON k.idx = x.region_key_no
    JOIN batch_region_text t ON t.idx = x.region_text_no
),
named AS (
    SELECT DISTINCT region_key, period, period_start, period_end FROM located
    WHERE region_code IS NULL AND region_key IS NOT NULL
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
    SELECT l.*, coalesce(l.region_code, bn.code) AS code, l.region_code IS NULL AS by_name, bn.n_any, bn.all_codes
    FROM located l LEFT JOIN by_name bn ON bn.region_key = l.region_key AND bn.period = l.period
)
SELECT s.region_code_no, s.region_key_no, s.region_text_no, s.period_no,
       s.code AS region_code, s.region_text, s.period, s.all_codes,
       r.name AS region_name, r.valid_from, r.valid_to,
       coalesce((r.valid_from IS NULL OR r.valid_from < s.period_end) AND (r.valid_to IS NULL OR r.valid_to > s.period_start), true) AS existed,
       CASE WHEN s.code IS NULL AND s.by_name AND s.n_any IS NULL THEN 'unknown_name'
            WHEN s.code IS NULL AND s.by_name THEN 'ambiguous_name'
            WHEN r.code IS NULL THEN 'unknown_code'
       END AS problem,
       -- dense numbers of the resolved code and the period, for the duplicate check
       dense_rank() OVER (ORDER BY s.code) AS code_rank,
       dense_rank() OVER (ORDER BY s.period) AS period_rank
FROM resolved s LEFT JOIN region r ON r.code = s.code
"""

# Each row with a resolved region as one number: (indicator, region, period) in dense ranks.
_ROW_KEY_SQL = """
SELECT b.row_no, b.record,
       ((i.indicator_rank - 1) * ? + (p.code_rank - 1)) * ? + (p.period_rank - 1) AS key
FROM batch_obs b
JOIN judged_pair p USING (region_code_no, region_key_no, region_text_no, period_no)
JOIN (SELECT idx, dense_rank() OVER (ORDER BY value) AS indicator_rank FROM batch_indicator WHERE value IS NOT NULL) i
  ON i.idx = b.indicator_id_no
WHERE p.region_code IS NOT NULL
"""

# Whether different codes always mean different keys: each indicator and period text occurs once
# among the codes, and each region (resolved) in a period comes from one region text.
_CODES_ARE_KEYS_SQL = """
SELECT (SELECT count(value) = count(DISTINCT value) FROM batch_indicator)
   AND (SELECT count(value) = count(DISTINCT value) FROM batch_period)
   AND NOT EXISTS (SELECT 1 FROM judged_pair WHERE region_code IS NOT NULL
                   GROUP BY region_code, period HAVING count(DISTINCT region_text_no) > 1)
"""

# Keys that occur more than once in the batch: every occurrence after the first is refused.
_DUPLICATE_ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE duplicate_row AS
SELECT row_no, first_record FROM (
    SELECT row_no, record, min(record) OVER same_key AS first_record, count(*) OVER same_key AS n
    FROM ({keys}) WINDOW same_key AS (PARTITION BY key))
WHERE n > 1 AND record > first_record
""".format(keys=_ROW_KEY_SQL)

# Every row next to its pair's verdict, with a reason when it cannot be loaded: `staged`, the
# relation the merge and the dry run read (a view: the rows are not copied). `$view` and `$pairs`
# are filled in from `_stage_rows`.
_STAGED_VIEW_SQL = string.Template("""
CREATE OR REPLACE TEMP VIEW $view AS
WITH judged AS (
    SELECT b.row_no, b.record, CAST(b.indicator_id AS VARCHAR) AS indicator_id, p.region_code, p.region_text, p.period,
           b.value, CAST(b.status AS VARCHAR) AS status, b.raw, p.existed, p.all_codes, p.region_name, p.valid_from, p.valid_to,
           d.first_record, k.no AS indicator_no, p.region_no, p.period_key, p.source_no,
           list_position($statuses, st.value) - 1 AS given_status_no,
           coalesce(p.problem, CASE WHEN d.row_no IS NOT NULL THEN 'duplicate'
                                    WHEN b.value IS NOT NULL AND NOT p.existed THEN 'not_existing' END) AS problem
    FROM batch_obs b
    JOIN $pairs p USING (region_code_no, region_key_no, region_text_no, period_no)
    JOIN indicator_key k ON k.idx = b.indicator_id_no
    JOIN batch_status st ON st.idx = b.status_no
    LEFT JOIN duplicate_row d USING (row_no)
)
SELECT row_no, record, indicator_id, region_code, period, batch_source.source_table,
       indicator_no, region_no, period_key, source_no,
       CASE WHEN problem IS NULL THEN value END AS value,
       -- missing is missing, and no value for a region that did not exist then is impossible
       CASE WHEN value IS NOT NULL THEN status
            WHEN status = 'impossible' OR NOT existed THEN 'impossible'
            ELSE 'missing' END AS status,
       CAST(CASE WHEN value IS NOT NULL THEN given_status_no
                 WHEN given_status_no = 3 OR NOT existed THEN 3 ELSE 2 END AS UTINYINT) AS status_no,
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
FROM judged CROSS JOIN batch_source
""")

_STAGING_TABLES = ("batch_indicator", "batch_region_code", "batch_region_key", "batch_region_text", "batch_period",
                   "batch_status", "batch_source", "judged_pair", "duplicate_row")
_STAGING_VIEWS = ("staged_refusable", "staged", "pair_key", "indicator_key")
_STATUS_LIST = repr(list(STATUSES))  # a DuckDB list literal: ['definitive', 'provisional', ...]

# The batch's keys as the store numbers them (`observation_*` tables): per distinct indicator text
# and per judged pair, so no row's text is ever looked up. A key the store does not know yet has
# no number (null) until `_number_new_keys` gives it one.
_KEY_VIEWS_SQL = [
    """CREATE OR REPLACE TEMP VIEW indicator_key AS
       SELECT b.idx, i.no FROM batch_indicator b LEFT JOIN observation_indicator i ON i.id = b.value""",
    """CREATE OR REPLACE TEMP VIEW pair_key AS
       SELECT p.*, r.no AS region_no, q.no AS period_key, s.no AS source_no
       FROM judged_pair p LEFT JOIN observation_region r ON r.code = p.region_code
       LEFT JOIN observation_period q ON q.period = p.period
       LEFT JOIN observation_source s ON s.source_table = (SELECT source_table FROM batch_source)""",
]
# New keys get the numbers after the highest in use.
_NUMBER_NEW_KEYS_SQL = [
    """INSERT INTO observation_indicator
       SELECT (SELECT coalesce(max(no), 0) FROM observation_indicator) + row_number() OVER (ORDER BY value), value
       FROM (SELECT DISTINCT value FROM batch_indicator WHERE value IS NOT NULL
             AND value NOT IN (SELECT id FROM observation_indicator))""",
    """INSERT INTO observation_region
       SELECT (SELECT coalesce(max(no), 0) FROM observation_region) + row_number() OVER (ORDER BY code), code
       FROM (SELECT DISTINCT region_code AS code FROM judged_pair WHERE region_code IS NOT NULL
             AND region_code NOT IN (SELECT code FROM observation_region))""",
    """INSERT INTO observation_period
       SELECT (SELECT coalesce(max(no), 0) FROM observation_period) + row_number() OVER (ORDER BY period), period
       FROM (SELECT DISTINCT period FROM judged_pair WHERE period IS NOT NULL
             AND period NOT IN (SELECT period FROM observation_period))""",
    """INSERT INTO observation_source
       SELECT (SELECT coalesce(max(no), 0) FROM observation_source) + 1, source_table FROM batch_source
       WHERE source_table NOT IN (SELECT source_table FROM observation_source)""",
]


class Conflict(KoersError):
    """A save based on a version of a record that someone else has changed since."""


@dataclass(frozen=True)
class RecordKind:
    table: str  # also the entity name in the audit trail
    permission: Permission
    columns: tuple[str, ...]  # what a save may set; id, created_*, updated_*, version, deleted are the store's
    text_key: bool = False  # keyed by a name given by the user (governance: the source table)
    filters: tuple[str, ...] = ()  # further columns `records` may filter on


RECORDS = {
    "annotation": RecordKind("annotation", Permission.annotate, ("kpi_id", "region_code", "period", "kind", "text")),
    "action": RecordKind("action", Permission.act, ("region_code", "title", "description", "owner", "due_date", "status",
                                                     "kpi_ids", "expected_effect", "review_id")),
    "review_session": RecordKind("review_session", Permission.review, ("title", "stage"), filters=("region_code", "year")),
    "review_item": RecordKind("review_item", Permission.review, ("session_id", "kind", "kpi_id", "text", "expected_direction",
                                                                 "expected_value", "expected_year")),
    "governance": RecordKind("governance", Permission.governance, ("owner", "licence", "legal_basis", "privacy_class",
                                                                   "retention", "refresh_schedule"), text_key=True),
}


def _check_version(entity: str, key: object, current: dict | None, loaded: int | None) -> None:
    """Refuse a save that does not start from the record's current version."""
    if current is None and loaded is not None:
        raise KoersError(f"{entity} {key} bestaat niet (meer)", f"{entity} {key} does not exist (any more)")
    if current is not None and loaded != current["version"]:
        by, at = current.get("updated_by") or current.get("set_by"), current.get("updated_at") or current.get("set_at")
        when = f"{at:%d-%m-%Y %H:%M}" if isinstance(at, dt.datetime) else "?"
        raise Conflict(
            f"niet opgeslagen: {entity} {key} is intussen gewijzigd door {by} ({when}); laad opnieuw en breng uw wijziging opnieuw aan",
            f"not saved: {entity} {key} was changed meanwhile by {by} ({when}); reload and make your change again")


def _json(value: object) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v), ensure_ascii=False,
                      sort_keys=True)


def _connect(
    path: Path, read_only: bool, wait_seconds: float, on_wait: Callable[[str], None] | None
) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting while another process holds a conflicting lock."""
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except (duckdb.IOException, duckdb.ConnectionException) as error:
            # Another process holds the lock, or (ConnectionException) this process has the file
            # open read-only in another thread (the dashboard reading while it commits an upload).
            if "lock" not in str(error).lower() and "different configuration" not in str(error).lower():
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
