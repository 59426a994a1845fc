"""A throwaway PostgreSQL cluster for the tests and benchmarks: Debian's server binaries, a data
folder in /tmp, a free loopback port, no Unix socket, fsync off. `initdb` refuses to run as root,
so as root the cluster runs as the `postgres` user (on a folder that user owns).

The cluster's superuser (`koers_admin`) makes a login role `koers` that owns one database `koers`:
Koers connects as `koers`, an ordinary role, as a deployment would (`KOERS_DATABASE_URL`).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

SUPERUSER = "koers_admin"
APP_ROLE = "koers"


def server_binaries() -> Path | None:
    """The newest `/usr/lib/postgresql/<version>/bin` with initdb, or the folder of initdb on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """`start()` → an URL of the app role's database; `stop()` removes everything again."""

    def __init__(self) -> None:
        self.bin = server_binaries()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.folder = Path(tempfile.mkdtemp(prefix="koers-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [*(["runuser", "-u", "postgres", "--"] if self.as_root else []), *args]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.folder, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
                  "--encoding", "UTF8", "--locale", "C", "--no-sync")
        options = f"-p {self.port} -h 127.0.0.1 -k '' -F -c max_connections=200 -c log_min_messages=warning"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"),
                  "-o", options, "-w", "start")
        with psycopg.connect(self.url(SUPERUSER, "postgres"), autocommit=True) as con:
            con.execute(f"CREATE ROLE {APP_ROLE} LOGIN")
            con.execute(f"CREATE DATABASE {APP_ROLE} OWNER {APP_ROLE}")
        return self.url()

    def url(self, user: str = APP_ROLE, database: str = APP_ROLE, schema: str | None = None) -> str:
        options = f"?options=-csearch_path%3D{schema}" if schema else ""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}{options}"

    def new_schema(self, name: str) -> str:
        """A fresh schema owned by the app role, and the URL that works in it (a test's own state)."""
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            con.execute(f"CREATE SCHEMA {name}")
        return self.url(schema=name)

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
