"""First start on a fresh clone: `streamlit run serve.py` builds the demo database before the
server answers, with a progress bar in the terminal — no visitor waits for it in the page. How long
that takes is measured (and printed, against `streamlit run` of a one-line app in the same run) but
not asserted: speed targets live in bench/ (bench_demo_build.py; issue 12 asks for 10 s)."""

from __future__ import annotations

import re
import time

import pytest

from e2e.conftest import start_dashboard, stop_dashboard
from koers.store import Store

pytestmark = pytest.mark.slow


def _one_line_app_start(tmp_path) -> float:
    script = tmp_path / "one_line.py"
    script.write_text("import streamlit as st\n\nst.write('ok')\n")
    started = time.monotonic()
    dashboard = start_dashboard(tmp_path / "unused.duckdb", tmp_path / "one_line.log", script=script)
    answered = time.monotonic() - started
    stop_dashboard(dashboard)
    return answered


def test_the_demo_is_built_before_the_first_visit(tmp_path):
    baseline = _one_line_app_start(tmp_path)
    db = tmp_path / "fresh" / "koers.duckdb"
    db.parent.mkdir()
    started = time.monotonic()
    dashboard = start_dashboard(db, tmp_path / "streamlit.log")
    try:
        answered = time.monotonic() - started
        # the server answers only once the database is there: built, renamed into place, complete
        assert db.exists() and not db.with_name(db.name + ".tmp").exists()
        with Store.open(db, read_only=True) as store:
            assert int(store.observations(indicator="population", region="GM0363", period="2024")["value"].iloc[0]) == 931298
        terminal = dashboard.log.read_text(errors="replace")
        assert re.search(r"demo: +100%", terminal) and "demo database built at" in terminal
        assert "dashboard caches filled" in terminal
        print(f"\nfirst start: server answered after {answered:.1f} s (demo built and caches filled); "
              f"a one-line app after {baseline:.1f} s: {answered / baseline:.1f} x")
    finally:
        stop_dashboard(dashboard)
