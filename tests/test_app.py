"""The dashboard frame on a real demo database: what it shows, and that it holds no lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import CBS, ROOT, run_cli
from koers.store import Store

APP = str(ROOT / "app.py")


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def app_on(monkeypatch):
    def start(db: Path) -> AppTest:
        monkeypatch.setenv("KOERS_DB", str(db))
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        return at

    return start


def test_shows_what_the_store_holds(app_on, demo_db):
    with Store.open(demo_db, read_only=True) as store:
        counts = store.counts()
    at = app_on(demo_db)
    metrics = _metrics(at)
    assert metrics["Gemeenten nu"] == "342"
    assert metrics["Observaties"] == f"{counts['observation']:,}".replace(",", ".")
    assert metrics["Imports"] == "4"  # 3 CBS tables + the example series


def test_builds_the_demo_on_first_start(app_on, tmp_path):
    db = tmp_path / "fresh.duckdb"
    at = app_on(db)
    assert db.exists()
    assert _metrics(at)["Imports"] == "4"


def test_idle_dashboard_holds_no_lock_and_shows_a_new_import_without_restart(app_on, demo_db, tmp_path):
    at = app_on(demo_db)
    assert _metrics(at)["Imports"] == "4"
    # While the dashboard "runs", the CLI can write at once (no waiting message)...
    done = run_cli("--wait", "2", "import", "cbs-odata4", str(CBS / "83625NED"), db=demo_db)
    assert done.returncode == 0 and "held by another process" not in done.stderr
    # ...and the next rerun shows it.
    at.run()
    assert _metrics(at)["Imports"] == "5"


def test_unreadable_database_is_a_friendly_line_not_a_traceback(app_on, tmp_path):
    db = tmp_path / "broken.duckdb"
    db.write_bytes(b"this is not a duckdb file" * 100)
    at = app_on(db)
    assert len(at.error) == 1
    assert "Traceback" not in at.error[0].value
