"""Where things are: the database file, the shipped data, the log."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DEFAULT_DB = DATA / "koers.duckdb"


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """`--db`, else `KOERS_DB`, else `data/koers.duckdb` in the repository."""
    return Path(explicit or os.environ.get("KOERS_DB") or DEFAULT_DB)


def shared_database_url() -> str | None:
    """`KOERS_DATABASE_URL` (postgresql://…): what people write lives there, shared by every
    dashboard replica; unset, it lives in the DuckDB file (one machine)."""
    return os.environ.get("KOERS_DATABASE_URL") or None


def snapshot_folder() -> Path | None:
    """`KOERS_SNAPSHOTS`: the (shared) folder of the published versions of the database file that
    readers open (`koers.store.snapshots`); unset, readers open the file itself."""
    folder = os.environ.get("KOERS_SNAPSHOTS")
    return Path(folder) if folder else None


def log_path() -> Path:
    return Path(os.environ.get("KOERS_LOG") or DATA / "koers.log")


def metrics_folder(explicit: str | os.PathLike | None = None) -> Path:
    """The policy advisors' own KPI definitions (YAML): `--metrics`, `KOERS_METRICS`, or
    `metrics/custom/` in the repository."""
    return Path(explicit or os.environ.get("KOERS_METRICS") or ROOT / "metrics" / "custom")


def cbs_base_url(api: str) -> str | None:
    """The CBS API base for `koers sync`: `KOERS_CBS_ODATA4_URL` or `KOERS_CBS_ODATA3_URL` (a mirror,
    or the tests' replay server), None for CBS's own (`api` is "odata4" or "odata3")."""
    return os.environ.get(f"KOERS_CBS_{api.upper()}_URL") or None
