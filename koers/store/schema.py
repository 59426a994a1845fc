"""The database schema: tables and views by version, and the migrations between versions.

Each migration brings a database from version n-1 to n. Version 1 is the first released schema;
version 2 added `region_name` (names and aliases per region, for matching names in downloads);
version 6 added `region_membership` (a municipality's labour-market region, GGD region, COROP … per
year, from CBS "Gebieden in Nederland") and `region_boundary` (each year's boundaries, for maps on
that year's division).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pyarrow as pa

from koers.errors import KoersError
from koers.sources.registry import Region, name_aliases, name_key

SCHEMA_VERSION = 7
STATUSES = ("definitive", "provisional", "missing", "impossible")  # an observation's status; stored as its index

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

# Memberships and boundaries come with an import (`ImportBatch.memberships` / `.boundaries`) and are
# replaced per (year, division) and per (year, kind) by the next import that brings them.
_V6 = [
    """CREATE TABLE region_membership (
        region_code VARCHAR NOT NULL, year INTEGER NOT NULL, division VARCHAR NOT NULL,
        group_code VARCHAR NOT NULL, group_name VARCHAR, import_id INTEGER NOT NULL,
        PRIMARY KEY (region_code, year, division))""",
    """CREATE TABLE region_boundary (
        year INTEGER NOT NULL, region_code VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        geometry VARCHAR NOT NULL, import_id INTEGER NOT NULL,
        PRIMARY KEY (year, region_code))""",  # geometry: a GeoJSON geometry object as text, WGS84
]

# Version 7: the whole KPI library evaluated, kept in the file by whoever last wrote its figures
# (`KpiQueries.keep_evaluation`): the query's own rows (`kpi` is its column name, k0..), under a key
# that names the query and the figures it read, so a row is only ever read back for exactly that
# query on exactly those figures. A derived table: deleting its rows loses nothing.
_V7 = [
    """CREATE TABLE kept_evaluation (
        key VARCHAR NOT NULL, kpi VARCHAR NOT NULL, region_code VARCHAR NOT NULL, period VARCHAR NOT NULL,
        value DOUBLE, flags INTEGER, sources VARCHAR)""",
]


def _backfill_target_revisions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""INSERT INTO target_revision
                   SELECT kpi_id, region_code, year, 1, value, tolerance, note, source, set_at, set_by FROM target""")


def _backfill_region_names(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT code, name, kind FROM region").fetchall()
    insert_region_names(con, [(code, name, kind) for code, name, kind in rows], "registry")


MIGRATIONS: dict[int, tuple[list[str], Callable[[duckdb.DuckDBPyConnection], None] | None]] = {
    1: (_V1, None),
    2: (_V2, _backfill_region_names),
    3: (_V3, None),
    4: (_V4, _backfill_target_revisions),
    5: (_V5, None),
    6: (_V6, None),
    7: (_V7, None),
}


def insert_region_names(con: duckdb.DuckDBPyConnection, regions: list[tuple[str, str, str]], source: str) -> None:
    """(Re)write the names and aliases of `regions` ((code, name, kind) each) in `region_name`."""
    rows = []
    for code, name, kind in regions:
        region = Region(code, name, kind, None, None, None)
        rows.extend((code, alias, name_key(alias), source) for alias in sorted(name_aliases(region)))
    if rows:
        con.execute("DELETE FROM region_name WHERE code IN (SELECT unnest(?))", [sorted({r[0] for r in rows})])
        # One statement over a registered Arrow table: thousands of rows (every district of an
        # import), where an executemany would run one INSERT per row.
        names = pa.table([pa.array(column, pa.string()) for column in zip(*rows)],
                         names=["code", "name", "name_key", "source"])
        con.register("new_region_name", names)
        try:
            con.execute("INSERT INTO region_name SELECT * FROM new_region_name")
        finally:
            con.unregister("new_region_name")


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
        raise KoersError("errors.store.schema_too_new", found=found, supported=SCHEMA_VERSION)
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

