"""The connection to one database file: opening with a lock wait, the schema version check, upgrades,
transactions, and the file's fingerprint for the dashboard's caches.

DuckDB allows one writing process or many readers, never both, so:

- writers (`Store.open(path)`) wait for the lock with a message, and keep it only for one command;
- readers (`Store.open(path, read_only=True)`, the dashboard) open, read and close again, so an
  idle dashboard holds no lock and a CLI import can run beside it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Self

import duckdb
import pandas as pd

from koers.errors import DatabaseBusy, KoersError
from koers.settings import shared_database_url
from koers.store import snapshots
from koers.store.schema import SCHEMA_VERSION, migrate
from koers.store.shared import DuckShared, Shared, postgres, shown_url


def connect(
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
                raise KoersError("errors.store.cannot_open", path=path, detail=str(error).splitlines()[0]) from error
            if time.monotonic() >= deadline:
                raise DatabaseBusy("errors.store.busy", path=path) from error
            if on_wait and not told:
                on_wait(str(path))
                told = True
            time.sleep(0.2)
        except duckdb.Error as error:
            raise KoersError("errors.store.cannot_open", path=path, detail=str(error).splitlines()[0]) from error


def database_signature(path: str | Path, published: bool = False) -> tuple:
    """A cheap fingerprint of the database file (and its WAL) that changes with every write.

    The dashboard keys its caches on it: a new import from the CLI shows up on the next rerun,
    without a restart and without the dashboard holding any lock to find out. `published`: of
    what a reader opens — the newest published version's name when the file has published versions.
    """
    path = Path(path)
    folder = snapshots.folder_for(path) if published else None
    if folder:
        return snapshots.signature(folder)
    wal = Path(str(path) + ".wal")
    stats = [p.stat() if p.exists() else None for p in (path, wal)]
    return tuple(x for s in stats for x in ((s.st_mtime_ns, s.st_size) if s else (0, 0)))  # type: ignore[return-value]


class Connection:
    """One open database file; the base of every part of `Store`. `_con` is the store's own:
    nothing outside `koers.store` touches it (writes spanning several calls use `transaction`).
    `_shared` holds what people write (`koers.store.shared`): this same file, or PostgreSQL when
    `KOERS_DATABASE_URL` is set — then a store opened read-only still saves people's writes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool, shared: Shared | None = None) -> None:
        self._con = con
        self._shared = shared or DuckShared(con)
        self.path = path
        self.read_only = read_only
        self._in_transaction = False

    @classmethod
    @contextmanager
    def open(
        cls,
        path: str | Path,
        read_only: bool = False,
        wait_seconds: float = 60.0,
        on_wait: Callable[[str], None] | None = None,
        people_only: bool = False,
    ) -> Iterator[Self]:
        """`people_only`: this opening writes only what people write (records, targets, reviews,
        audit entries): with a shared database set, the file is then opened read-only — no lock
        held against an import, and many replicas save at once.

        With published versions (`KOERS_SNAPSHOTS`, `koers.store.snapshots`), a read-only opening
        of the working file reads its newest published version, and a writable one publishes the
        file when it closes, if it changed."""
        url = shared_database_url()
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise KoersError("errors.store.shared_url", url=shown_url(url))
        read_only = read_only or bool(people_only and url)
        path = Path(path)
        folder = snapshots.folder_for(path)
        with ExitStack() as stack:
            if read_only and folder:
                path = stack.enter_context(snapshots.reading(folder))
            elif read_only and not path.exists():
                raise KoersError("errors.store.no_database", path=path)
            elif not read_only:
                if folder and not path.exists() and snapshots.current(folder):
                    # A replica without the working file: a new empty file would be published over the data.
                    raise KoersError("errors.store.no_working_file", path=path)
                path.parent.mkdir(parents=True, exist_ok=True)
                if folder:
                    stack.callback(cls._publish_if_changed, path, folder, database_signature(path))
            con = connect(path, read_only, wait_seconds, on_wait)
            stack.callback(con.close)
            if not read_only:
                # An import of millions of rows would otherwise let DuckDB's buffer pool grow to most
                # of the machine's memory; beyond this it spills to disk (bench, 5M rows: the importing
                # process peaks at 0.8 GB, 1.3 GB when re-importing).
                con.execute("SET memory_limit = ?", [os.environ.get("KOERS_WRITE_MEMORY", "640MB")])
            store = cls(con, path, read_only, stack.enter_context(postgres(url, wait_seconds)) if url else None)
            if read_only:
                store._check_version()
            else:
                migrate(con)
            yield store

    @staticmethod
    def _publish_if_changed(path: Path, folder: Path, before: tuple) -> None:
        """After a writable opening closed (DuckDB checkpoints the file on a clean close)."""
        if database_signature(path) != before or snapshots.current(folder) is None:
            snapshots.publish(path, folder)

    @classmethod
    def upgrade(cls, path: str | Path) -> int | None:
        """Bring an existing database made by an older Koers to this schema (a brief write), so a
        reader such as the dashboard can open it; returns the version found when it upgraded."""
        path = Path(path)
        if not path.exists():
            return None
        con = connect(path, True, 10.0, None)
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

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction: committed when the block ends, rolled back when it raises (also when
        the commit itself fails). Writes that span several calls, or a file written together with
        its audit entry, run inside one. Inside an open one, a write's own `transaction()` joins it:
        it commits or rolls back with the outer one (a write that audits itself can be part of more)."""
        if self._in_transaction:
            yield
            return
        self._con.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            try:
                self._shared.begin()
                yield
                self._con.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
            self._shared.commit()  # after DuckDB's (see koers.store.shared)
        finally:
            self._in_transaction = False

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """One holder at a time of `name` across every process and replica — a check and the write
        that follows it (a KPI definition's save). On the file alone, a writable opening is already
        alone; with a shared database, PostgreSQL's advisory lock on the name."""
        with self._shared.exclusive(name):
            yield

    def _rollback(self) -> None:
        try:
            self._con.execute("ROLLBACK")
        except duckdb.Error:  # a failed commit already ended the transaction
            pass
        try:
            self._shared.rollback()
        except Exception:  # noqa: BLE001 - a lost connection: the server rolled it back; the pool drops it
            pass

    def checkpoint(self) -> None:
        """Write the WAL into the database file (before the file is moved or copied)."""
        self._con.execute("CHECKPOINT")

    def schema_version(self) -> int:
        return int(self._con.execute("SELECT value FROM koers_meta WHERE key = 'schema_version'").fetchall()[0][0])

    def _check_version(self) -> None:
        rows = self._con.execute(
            "SELECT value FROM koers_meta WHERE key = 'schema_version'"
        ).fetchall() if self._has_table("koers_meta") else []
        found = int(rows[0][0]) if rows else 0
        if found > SCHEMA_VERSION:
            raise KoersError("errors.store.schema_too_new", found=found, supported=SCHEMA_VERSION)
        if found < SCHEMA_VERSION:
            raise KoersError("errors.store.schema_too_old", path=self.path, found=found)

    def _has_table(self, name: str) -> bool:
        return bool(self._con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'", [name]
        ).fetchall()[0][0])

    def _row(self, sql: str, params: list) -> dict | None:
        """The first row of a query as {column: value}, or None."""
        cursor = self._con.execute(sql, params)
        rows = cursor.fetchall()
        return dict(zip([d[0] for d in cursor.description], rows[0])) if rows else None

    def _read(self, sql: str, params: list, tables: dict[str, object] | None = None,
              arrow: bool = False) -> pd.DataFrame:
        """A read query of this package, with frames from Python registered under the given names
        for this query only. Through Arrow (`arrow`), text columns stay Arrow-backed in pandas: no
        Python string per row."""
        with self._registered(tables or {}):
            if arrow:
                return self._con.sql(sql, params=params).to_arrow_table().to_pandas()
            return self._con.execute(sql, params).df()

    @contextmanager
    def _registered(self, tables: dict[str, object]) -> Iterator[None]:
        """Frames from Python visible to queries under the given names, inside the block only."""
        for name, frame in tables.items():
            self._con.register(name, frame)
        try:
            yield
        finally:
            for name in tables:
                self._con.unregister(name)
