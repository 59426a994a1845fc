"""Where what people write lives: in the DuckDB file itself (one machine, the default), or in
PostgreSQL when `KOERS_DATABASE_URL=postgresql://…` is set (several people, several dashboard
replicas, one deployment for many municipalities).

"What people write" is the tables of `SHARED_TABLES`: targets and their revisions, annotations,
actions, review sessions with their frozen snapshots and items, governance records and the audit
trail; and, in PostgreSQL only, the versions of the own KPI definitions (`kpi_version`) and the
text of the roles file (`shared_document`), which on one machine are files. The indicator data — regions,
observations, the import log — stays in DuckDB either way.

The mixins of the store reach these tables only through `Shared`, one small interface over both
engines: SQL written once with `?` parameters, in the dialect both engines share (`ON CONFLICT … DO
UPDATE`; no `INSERT OR REPLACE`, `GROUP BY ALL`, `arg_min` or `BY NAME`); frames from Python reach
SQL as a table of their own (`frame`). On PostgreSQL `?` becomes `%s` for psycopg: our SQL has no
`?` or `%` in its literals.

A transaction of the store spans both: `Connection.transaction` begins one here and one in DuckDB,
and commits DuckDB first (an import's rows), then PostgreSQL (its audit entry). If PostgreSQL fails
between the two, the import stands without its audit entry — the only window in which they differ,
as short as one commit of a few rows.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import duckdb
import pandas as pd

from koers.errors import KoersError

# The tables that live in PostgreSQL when a shared database is set (in this order: copied so).
SHARED_TABLES = ("target", "target_revision", "audit_log", "annotation", "action", "review_session",
                 "review_snapshot", "review_item", "governance")
SEQUENCES = {"record_id_seq": ("annotation", "action", "review_session", "review_item"), "audit_id_seq": ("audit_log",)}


class Duplicate(Exception):
    """A row with this key was written meanwhile (another replica's save): the caller says what."""


class Shared(ABC):
    """The shared tables' SQL, one engine's way. Methods take SQL with `?` parameters."""

    postgres = False

    @abstractmethod
    def rows(self, sql: str, params: list | tuple = ()) -> list[dict]:
        """Every row of a query, as {column: value}."""

    def row(self, sql: str, params: list | tuple = ()) -> dict | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: list | tuple = ()) -> object:
        found = self.rows(sql, params)
        return next(iter(found[0].values())) if found else None

    @abstractmethod
    def run(self, sql: str, params: list | tuple = ()) -> int:
        """A write; returns the number of rows it wrote."""

    @abstractmethod
    def read(self, sql: str, params: list | tuple = ()) -> pd.DataFrame:
        """A query's rows as a frame with the dtypes DuckDB's `.df()` gives."""

    @abstractmethod
    def frame(self, name: str, frame: pd.DataFrame) -> AbstractContextManager[None]:
        """`frame` visible to this connection's SQL as table `name`, inside the block only."""

    def insert(self, table: str, frame: pd.DataFrame) -> None:
        """Append the rows of `frame` to `table`, by column name."""
        columns = ", ".join(frame.columns)
        with self.frame("koers_rows", frame):
            self.run(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM koers_rows")

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """See `Connection.exclusive`; the file's own lock is enough."""
        yield

    def begin(self) -> None:
        self.run("BEGIN")

    def commit(self) -> None:
        self.run("COMMIT")

    def rollback(self) -> None:
        self.run("ROLLBACK")


class DuckShared(Shared):
    """The shared tables in the DuckDB file itself: the store's own connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def rows(self, sql: str, params: list | tuple = ()) -> list[dict]:
        cursor = self._con.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def run(self, sql: str, params: list | tuple = ()) -> int:
        try:
            found = self._con.execute(sql, list(params)).fetchall()
        except duckdb.ConstraintException as error:
            if "duplicate key" not in str(error).lower():  # NOT NULL and the like: a bug, not a race
                raise
            raise Duplicate(str(error)) from error
        return int(found[0][0]) if found and found[0] and isinstance(found[0][0], int) else 0

    def read(self, sql: str, params: list | tuple = ()) -> pd.DataFrame:
        return self._con.execute(sql, list(params)).df()

    @contextmanager
    def frame(self, name: str, frame: pd.DataFrame) -> Iterator[None]:
        self._con.register(name, frame)
        try:
            yield
        finally:
            self._con.unregister(name)

    def begin(self) -> None:  # the store's own transaction covers it: one connection, one transaction
        pass

    commit = rollback = begin


# PostgreSQL's type oids (pg_type) of the columns the shared tables have, and the pandas dtypes that
# DuckDB's `.df()` gives for the same columns: a frame reads the same whichever engine held it.
_INTEGERS = {21: "Int16", 23: "Int32", 20: "Int64"}
_TIMES = {1082, 1114}  # date, timestamp


def _as_duckdb_frame(names: list[str], oids: list[int], rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=names) if rows else pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    for name, oid in zip(names, oids):
        column = frame[name]
        if oid in _INTEGERS:
            column = column.astype(_INTEGERS[oid])
            frame[name] = column if column.isna().any() else column.astype(_INTEGERS[oid].lower())
        elif oid == 16:
            column = column.astype("boolean")
            frame[name] = column if column.isna().any() else column.astype(bool)
        elif oid in _TIMES:
            frame[name] = pd.to_datetime(column).astype("datetime64[us]")
        elif oid == 701:
            frame[name] = column.astype("float64")
    return frame


def _placeholders(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _postgres_type(column: pd.Series) -> str:
    """The column type of a frame's column in a temporary table (object columns: by their first value)."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(dtype):
        return "BIGINT"
    if pd.api.types.is_float_dtype(dtype):
        return "DOUBLE PRECISION"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "TIMESTAMP"
    first = next((v for v in column if not _missing(v)), None)
    kinds = [((list, tuple), "VARCHAR[]"), (dt.datetime, "TIMESTAMP"), (dt.date, "DATE"), (bool, "BOOLEAN"),
             (int, "BIGINT"), (float, "DOUBLE PRECISION")]
    if hasattr(first, "tolist") and not isinstance(first, str):
        first = first.tolist()
    return next((name for kind, name in kinds if isinstance(first, kind)), "VARCHAR")


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _python_values(frame: pd.DataFrame) -> Iterator[tuple]:
    """Rows of plain Python values (None for a missing one, lists for arrays) for psycopg's COPY."""
    columns = [[None if _missing(v) else v.tolist() if hasattr(v, "tolist") else v
                for v in frame[name].astype(object).tolist()] for name in frame.columns]
    return zip(*columns)


class PostgresShared(Shared):
    """The shared tables in PostgreSQL, through the process's pool. A connection is taken for one
    statement and given back at once — a dashboard's visit that reads figures for a second holds
    none — and kept only for a transaction, an advisory lock or a frame's temporary table (`_held`):
    thirty sessions on a replica then share a pool of a few connections."""

    postgres = True

    def __init__(self, url: str, wait_seconds: float) -> None:
        self._url, self._wait = url, wait_seconds
        self._pool = _pool(url)
        self._con = None  # the connection held, while `_holds` > 0
        self._holds = 0

    @contextmanager
    def _connection(self) -> Iterator[object]:
        if self._con is not None:
            yield self._con
            return
        with self._held():
            yield self._con

    @contextmanager
    def _held(self) -> Iterator[None]:
        """Keep one connection until the outermost block ends."""
        import psycopg

        if self._holds == 0:
            self._con = _take(self._pool, self._url, self._wait)
        self._holds += 1
        try:
            yield
        except psycopg.OperationalError as error:  # the server went away meanwhile
            raise KoersError("errors.store.shared_unreachable", url=shown_url(self._url),
                             detail=str(error).strip().splitlines()[0]) from error
        finally:
            self._holds -= 1
            if self._holds == 0:
                con, self._con = self._con, None
                self._pool.putconn(con)  # the pool rolls back what a failure left open

    def _execute(self, sql: str, params: list | tuple) -> tuple[list, list, list, int]:
        """(column names, type oids, rows, rows written) of one statement."""
        import psycopg

        with self._connection() as con:
            try:
                cursor = con.execute(_placeholders(sql), [_plain(p) for p in params])
            except psycopg.errors.UniqueViolation as error:
                raise Duplicate(str(error).splitlines()[0]) from error
            described = cursor.description or []
            rows = cursor.fetchall() if cursor.description else []
            return [d.name for d in described], [d.type_code for d in described], rows, max(cursor.rowcount, 0)

    def rows(self, sql: str, params: list | tuple = ()) -> list[dict]:
        names, _, rows, _ = self._execute(sql, params)
        return [dict(zip(names, row)) for row in rows]

    def run(self, sql: str, params: list | tuple = ()) -> int:
        return self._execute(sql, params)[3]

    def read(self, sql: str, params: list | tuple = ()) -> pd.DataFrame:
        names, oids, rows, _ = self._execute(sql, params)
        return _as_duckdb_frame(names, oids, rows)

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        with self._held():  # a session-level lock: taken and released on the same connection
            self.value("SELECT pg_advisory_lock(hashtext(?))", [name])
            try:
                yield
            finally:
                self.value("SELECT pg_advisory_unlock(hashtext(?))", [name])

    @contextmanager
    def frame(self, name: str, frame: pd.DataFrame) -> Iterator[None]:
        from psycopg.pq import TransactionStatus

        columns = ", ".join(f"{c} {_postgres_type(frame[c])}" for c in frame.columns)
        with self._held():
            self.run(f"CREATE TEMPORARY TABLE {name} ({columns})")
            try:
                with self._con.cursor().copy(f"COPY {name} ({', '.join(frame.columns)}) FROM STDIN") as copy:
                    for row in _python_values(frame):
                        copy.write_row(row)
                yield
            finally:
                if self._con.info.transaction_status != TransactionStatus.INERROR:  # else the rollback drops it
                    self.run(f"DROP TABLE IF EXISTS {name}")

    def begin(self) -> None:
        self._transaction = self._held()
        self._transaction.__enter__()
        try:
            self.run("BEGIN")
        except BaseException:
            self._transaction.__exit__(None, None, None)
            raise

    def commit(self) -> None:
        self._end("COMMIT")

    def rollback(self) -> None:
        self._end("ROLLBACK")

    def _end(self, statement: str) -> None:
        try:
            self.run(statement)
        finally:
            self._transaction.__exit__(None, None, None)


def _plain(value: object) -> object:
    """numpy scalars as Python's (psycopg adapts Python's types)."""
    return value.item() if hasattr(value, "item") and not isinstance(value, (list, tuple, str)) else value


# --- PostgreSQL: the pool per URL, the schema and its migrations -------------------------------

_POOLS: dict[str, object] = {}
_MIGRATED: set[str] = set()
_LOCK = threading.Lock()


def shown_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _pool(url: str):
    from psycopg_pool import ConnectionPool

    with _LOCK:
        pool = _POOLS.get(url)
        if pool is None:
            pool = ConnectionPool(url, min_size=1, max_size=int(os.environ.get("KOERS_DATABASE_POOL", "20")),
                                  kwargs={"autocommit": True}, open=False, name="koers")
            pool.open(wait=False)
            _POOLS[url] = pool
        return pool


@atexit.register
def close_pools(url: str | None = None) -> None:
    """Close the pool of `url`, or every pool (at exit)."""
    with _LOCK:
        for key in [url] if url else list(_POOLS):
            pool = _POOLS.pop(key, None)
            if pool is not None:
                pool.close()
            _MIGRATED.discard(key)


def _take(pool, url: str, wait_seconds: float):
    from psycopg_pool import PoolTimeout

    try:
        return pool.getconn(timeout=wait_seconds)
    except PoolTimeout as error:
        reason = _reason(pool)
        if reason is None:  # the server answers: every connection of this process's pool is in use
            raise KoersError("errors.store.shared_busy", url=shown_url(url), seconds=round(wait_seconds),
                             size=pool.max_size) from error
        raise KoersError("errors.store.shared_unreachable", url=shown_url(url), detail=reason) from error


@contextmanager
def postgres(url: str, wait_seconds: float = 10.0) -> Iterator[PostgresShared]:
    """The shared database through this process's pool, its schema brought to this Koers's version
    (once per process)."""
    shared = PostgresShared(url, wait_seconds)
    if url not in _MIGRATED:
        with shared._held():
            migrate_postgres(shared)
        _MIGRATED.add(url)
    yield shared


def _reason(pool) -> str | None:
    """Why the pool gave no connection, in one line; None when the server does answer."""
    import psycopg

    try:
        with psycopg.connect(pool.conninfo, connect_timeout=3):
            return None
    except Exception as error:  # noqa: BLE001 - only for the message
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# Version 1: the shared tables as DuckDB's schema version 7 has them (the same columns in the same
# order: `koers shared copy` and positional inserts rely on it), and the audit trail append-only by
# trigger. Privileges alone do not hold it: the role in KOERS_DATABASE_URL usually owns the tables,
# and an owner may update and delete. A trigger refuses UPDATE, DELETE and TRUNCATE for every role
# that is not a superuser (a superuser could switch triggers off with session_replication_role).
_POSTGRES_V1 = [
    "CREATE TABLE koers_shared_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE SEQUENCE audit_id_seq START 1",
    "CREATE SEQUENCE record_id_seq START 1",
    """CREATE TABLE target (
        kpi_id VARCHAR NOT NULL, region_code VARCHAR NOT NULL, year INTEGER NOT NULL,
        value DOUBLE PRECISION NOT NULL, tolerance DOUBLE PRECISION NOT NULL DEFAULT 0, source VARCHAR NOT NULL,
        note VARCHAR, set_at TIMESTAMP NOT NULL, set_by VARCHAR, version INTEGER DEFAULT 1,
        PRIMARY KEY (kpi_id, region_code, year))""",
    """CREATE TABLE target_revision (
        kpi_id VARCHAR NOT NULL, region_code VARCHAR NOT NULL, year INTEGER NOT NULL, revision INTEGER NOT NULL,
        value DOUBLE PRECISION NOT NULL, tolerance DOUBLE PRECISION NOT NULL, reason VARCHAR, source VARCHAR,
        revised_at TIMESTAMP NOT NULL, revised_by VARCHAR,
        PRIMARY KEY (kpi_id, region_code, year, revision))""",
    """CREATE TABLE audit_log (
        id BIGINT PRIMARY KEY, logged_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, actor_name VARCHAR,
        role VARCHAR NOT NULL, action VARCHAR NOT NULL, entity VARCHAR NOT NULL, entity_id VARCHAR,
        before VARCHAR, after VARCHAR)""",
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
    """CREATE TABLE review_session (
        id INTEGER PRIMARY KEY, region_code VARCHAR NOT NULL, year INTEGER NOT NULL, reference_date DATE NOT NULL,
        title VARCHAR NOT NULL, stage VARCHAR NOT NULL, data_version INTEGER NOT NULL, previous_id INTEGER,
        created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
        updated_by VARCHAR NOT NULL, version INTEGER NOT NULL, deleted BOOLEAN NOT NULL)""",
    """CREATE TABLE review_snapshot (
        session_id INTEGER NOT NULL, kpi_id VARCHAR NOT NULL, theme INTEGER, kind VARCHAR, title_nl VARCHAR,
        title_en VARCHAR, unit VARCHAR, polarity VARCHAR, period VARCHAR, value DOUBLE PRECISION, suppressed BOOLEAN,
        privacy_threshold INTEGER, status VARCHAR, target DOUBLE PRECISION, target_year INTEGER,
        tolerance DOUBLE PRECISION, original_target DOUBLE PRECISION, trend VARCHAR, percentile DOUBLE PRECISION,
        peers INTEGER, peer_median DOUBLE PRECISION, provisional BOOLEAN, harmonised BOOLEAN, example BOOLEAN,
        sources VARCHAR, data_date TIMESTAMP, series VARCHAR, peer_values VARCHAR,
        PRIMARY KEY (session_id, kpi_id))""",
    """CREATE TABLE review_item (
        id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, kind VARCHAR NOT NULL, kpi_id VARCHAR,
        text VARCHAR NOT NULL, expected_direction VARCHAR, expected_value DOUBLE PRECISION, expected_year INTEGER,
        created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
        updated_by VARCHAR NOT NULL, version INTEGER NOT NULL, deleted BOOLEAN NOT NULL)""",
    """CREATE TABLE governance (
        id VARCHAR PRIMARY KEY, owner VARCHAR, licence VARCHAR, legal_basis VARCHAR, privacy_class VARCHAR,
        retention VARCHAR, refresh_schedule VARCHAR,
        created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
        updated_by VARCHAR NOT NULL, version INTEGER NOT NULL, deleted BOOLEAN NOT NULL)""",
    """CREATE FUNCTION koers_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           RAISE EXCEPTION 'audit_log_append_only: %', TG_OP USING ERRCODE = 'insufficient_privilege';
       END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION koers_audit_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION koers_audit_append_only()""",
]

# Version 2: documents people write whole, kept here instead of a file on every replica's disk (the
# roles file's TOML as `roles`).
_POSTGRES_V2 = [
    """CREATE TABLE shared_document (
        name VARCHAR PRIMARY KEY, text VARCHAR NOT NULL, saved_at TIMESTAMP NOT NULL, saved_by VARCHAR NOT NULL)""",
]

# Version 3: own KPI definitions, every saved version (`koers.kpis.own.Database`): the one in force is
# a KPI's highest version. Versions are never changed again, by the same trigger as the audit trail.
_POSTGRES_V3 = [
    """CREATE TABLE kpi_version (
        kpi_id VARCHAR NOT NULL, version INTEGER NOT NULL, saved_at TIMESTAMP NOT NULL, author VARCHAR,
        origin VARCHAR, document VARCHAR NOT NULL, PRIMARY KEY (kpi_id, version))""",
    """CREATE OR REPLACE FUNCTION koers_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           RAISE EXCEPTION '%_append_only: %', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
       END $$""",
    """CREATE TRIGGER kpi_version_append_only BEFORE UPDATE OR DELETE ON kpi_version
       FOR EACH ROW EXECUTE FUNCTION koers_audit_append_only()""",
    """CREATE TRIGGER kpi_version_no_truncate BEFORE TRUNCATE ON kpi_version
       FOR EACH STATEMENT EXECUTE FUNCTION koers_audit_append_only()""",
]

POSTGRES_MIGRATIONS = {1: _POSTGRES_V1, 2: _POSTGRES_V2, 3: _POSTGRES_V3}
POSTGRES_SCHEMA_VERSION = max(POSTGRES_MIGRATIONS)


def migrate_postgres(shared: PostgresShared) -> int:
    """Bring the shared database to this Koers's schema; returns the version found. Replicas
    starting at the same moment take turns (an advisory lock for the transaction)."""
    con = shared._con
    with con.transaction():
        con.execute("SELECT pg_advisory_xact_lock(4242701)")
        exists = con.execute("SELECT to_regclass('koers_shared_meta') IS NOT NULL").fetchone()[0]
        found = int(con.execute("SELECT value FROM koers_shared_meta WHERE key = 'schema_version'").fetchone()[0]) \
            if exists else 0
        if found > POSTGRES_SCHEMA_VERSION:
            raise KoersError("errors.store.schema_too_new", found=found, supported=POSTGRES_SCHEMA_VERSION)
        for version in range(found + 1, POSTGRES_SCHEMA_VERSION + 1):
            for statement in POSTGRES_MIGRATIONS[version]:
                con.execute(statement)
        if found < POSTGRES_SCHEMA_VERSION:
            con.execute("""INSERT INTO koers_shared_meta VALUES ('schema_version', %s)
                           ON CONFLICT (key) DO UPDATE SET value = excluded.value""", [str(POSTGRES_SCHEMA_VERSION)])
    return found


def copy_into_postgres(con: duckdb.DuckDBPyConnection, shared: PostgresShared,
                       documents: dict[str, tuple[str, str]] | None = None,
                       definitions: list[tuple] | None = None) -> dict[str, int]:
    """Copy what people wrote from a DuckDB file into an empty shared database, row for row, and
    set its sequences past the ids copied (a single-machine installation moving to PostgreSQL);
    `documents`: name -> (text, saved_by) of files kept whole (the roles file); `definitions`: the
    rows of `kpi_version` (the own KPI definitions' versions, from the metrics folder). Refused when
    the shared database already holds any of it: two histories are not merged. Runs in the
    caller's transaction (`shared_transaction`, or the store's)."""
    held = {table: int(shared.value(f"SELECT count(*) FROM {table}"))
            for table in (*SHARED_TABLES, "shared_document", "kpi_version")}
    if any(held.values()):
        raise KoersError("errors.store.shared_not_empty", tables=", ".join(f"{t} ({n})" for t, n in held.items() if n))
    copied = {}
    for table in SHARED_TABLES:
        frame = con.execute(f"SELECT * FROM {table}").df()
        if len(frame):
            shared.insert(table, frame)
        copied[table] = len(frame)
    for sequence, tables in SEQUENCES.items():
        highest = max(int(con.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchall()[0][0]) for t in tables)
        shared.value("SELECT setval(?, ?, ?)", [sequence, max(highest, 1), highest > 0])
    for name, (text, saved_by) in (documents or {}).items():
        shared.run("INSERT INTO shared_document VALUES (?, ?, ?, ?)", [name, text, dt.datetime.now(), saved_by])
    copied["shared_document"] = len(documents or {})
    for row in definitions or []:
        shared.run("INSERT INTO kpi_version VALUES (?, ?, ?, ?, ?, ?)", list(row))
    copied["kpi_version"] = len(definitions or [])
    return copied


@contextmanager
def shared_transaction(shared: Shared) -> Iterator[None]:
    shared.begin()
    try:
        yield
    except BaseException:
        shared.rollback()
        raise
    shared.commit()


def read_document(url: str, name: str) -> str | None:
    """A document kept whole in the shared database (`shared_document`), or None."""
    with postgres(url) as shared:
        return shared.value("SELECT text FROM shared_document WHERE name = ?", [name])


def kpi_versions(url: str, kpi_id: str | None = None, latest: bool = False) -> list[dict]:
    """Saved versions of own KPI definitions (`kpi_version`), oldest first: of one KPI, or of all;
    `latest`: only each KPI's highest (the definitions in force)."""
    with postgres(url) as shared:
        return shared.rows(
            """SELECT kpi_id, version, saved_at, author, origin, document FROM kpi_version AS v
               WHERE (CAST(? AS VARCHAR) IS NULL OR kpi_id = ?)
                 AND (NOT ? OR version = (SELECT max(version) FROM kpi_version WHERE kpi_id = v.kpi_id))
               ORDER BY kpi_id, version""", [kpi_id, kpi_id, latest])


def audit_length(url: str) -> int:
    """How many entries the audit trail holds: it only grows (append-only), and every write of what
    people write adds one in its own transaction — so a changed length is a committed write. (Its
    highest id would not do: ids are taken before commit, and commits may come out of order.)"""
    with postgres(url) as shared:
        return int(shared.value("SELECT count(*) FROM audit_log"))


def shared_signature(url: str) -> tuple:
    """What changes when anything the dashboard caches from the shared database changes: its
    targets (a revision or an import bumps a target's version; removing one lowers the count) and
    the own KPI definitions (a save adds a version). Annotations, actions and reviews are cached on
    `audit_length` instead, so saving one renews no evaluation."""
    with postgres(url) as shared:
        found = shared.row("""SELECT count(*) AS n, coalesce(sum(version), 0) AS versions,
                                     (SELECT count(*) FROM kpi_version) AS definitions FROM target""")
        return ("shared", found["n"], found["versions"], found["definitions"])
