"""Published read versions (`KOERS_SNAPSHOTS`): an import publishes the next version atomically,
readers open the newest one and never wait for a writer, old versions go once no reader holds them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from koers.errors import KoersError
from koers.store import Store, database_signature, snapshots
from tests.conftest import ROOT, run_cli


@pytest.fixture
def published(demo_db, tmp_path, monkeypatch) -> Path:
    """The demo file as the working file of a deployment with published versions (none yet)."""
    folder = tmp_path / "gepubliceerd"
    monkeypatch.setenv("KOERS_DB", str(demo_db))
    monkeypatch.setenv("KOERS_SNAPSHOTS", str(folder))
    return folder


def _figure(store: Store) -> float | None:
    found = store.observations("service_satisfaction_score", "GM0363")
    found = found[found["period"] == "2024"]
    return float(found["value"].iloc[0]) if len(found) else None


@pytest.mark.slow
def test_an_import_publishes_a_new_version_and_a_reader_keeps_the_one_it_opened(published, demo_db, tmp_path):
    with pytest.raises(KoersError, match="nog geen gepubliceerde versie") as nothing, Store.open(demo_db, read_only=True):
        pass
    assert "\n" not in nothing.value.message("nl")
    done = run_cli("publish", db=demo_db, env={"KOERS_SNAPSHOTS": str(published)})
    assert done.returncode == 0 and "koers-000001.duckdb" in done.stderr, done.stderr
    assert (published / "CURRENT").read_text().strip() == "koers-000001.duckdb"
    first_signature = database_signature(demo_db, published=True)

    with Store.open(demo_db, read_only=True) as before:
        assert before.path == published / "koers-000001.duckdb"
        old = _figure(before)
        own = tmp_path / "eigen.csv"
        own.write_text("indicator;gemeentecode;jaar;waarde\nservice_satisfaction_score;GM0363;2024;9,9\n", encoding="utf-8")
        # The import writes the working file while this reader reads version 1: no wait, no error.
        done = run_cli("--wait", "2", "import", "file", str(own), "--source-name", "enquete", db=demo_db,
                       env={"KOERS_SNAPSHOTS": str(published)})
        assert done.returncode == 0, done.stderr
        assert _figure(before) == old != 9.9  # what this reader opened does not change under it
    assert snapshots.current(published) == "koers-000002.duckdb"
    assert database_signature(demo_db, published=True) != first_signature
    with Store.open(demo_db, read_only=True) as after:
        assert after.path.name == "koers-000002.duckdb" and _figure(after) == 9.9


@pytest.mark.slow
def test_readers_do_not_wait_while_a_writer_holds_the_working_file(published, demo_db, monkeypatch):
    run_cli("publish", db=demo_db, env={"KOERS_SNAPSHOTS": str(published)})
    # Another process holds the working file for writing (an import running) for 2.5 seconds.
    writer = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from koers.store import Store\n"
         "with Store.open(sys.argv[1]):\n    print('open', flush=True); time.sleep(2.5)", str(demo_db)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    try:
        assert writer.stdout.readline().strip() == "open"
        waits = []
        for _ in range(5):
            started = time.perf_counter()
            with Store.open(demo_db, read_only=True, wait_seconds=3) as store:
                assert store.schema_version() > 0
            waits.append(time.perf_counter() - started)
        assert max(waits) < 0.5, waits  # an open of a file nobody writes (typically 20-40 ms)
        # ... while the working file itself is locked: a reader of it would wait (and here give up).
        monkeypatch.delenv("KOERS_SNAPSHOTS")
        with pytest.raises(KoersError, match="in gebruik"), Store.open(demo_db, read_only=True, wait_seconds=0.5):
            pass
    finally:
        writer.wait(10)


def test_old_versions_go_when_no_reader_holds_them(published, demo_db):
    for _ in range(2):
        snapshots.publish(demo_db, published)
    with snapshots.reading(published) as held:  # a reader on version 2 ...
        assert held.name == "koers-000002.duckdb"
        snapshots.publish(demo_db, published)
        snapshots.publish(demo_db, published)
        names = sorted(p.name for p in snapshots.versions(published))
        # ... keeps it: 1 is gone (nobody held it), 2 stays past the newest two (3, 4)
        assert names == ["koers-000002.duckdb", "koers-000003.duckdb", "koers-000004.duckdb"]
    snapshots.publish(demo_db, published)
    assert [p.name for p in snapshots.versions(published)] == ["koers-000004.duckdb", "koers-000005.duckdb"]
    assert {p.name for p in published.glob("*.lock")} <= {"koers-000004.duckdb.lock", "koers-000005.duckdb.lock",
                                                          "publish.lock"}
    assert not list(published.glob(".*.part"))


def test_a_reader_that_read_the_pointer_of_a_removed_version_reads_it_again(published, demo_db, monkeypatch):
    for _ in range(4):
        snapshots.publish(demo_db, published)
    assert not (published / "koers-000001.duckdb").exists()
    answers = iter(["koers-000001.duckdb"])  # what the pointer said just before version 1 was removed
    real = snapshots.current
    monkeypatch.setattr(snapshots, "current", lambda folder: next(answers, None) or real(folder))
    with snapshots.reading(published) as version:
        assert version.name == "koers-000004.duckdb"
    assert not (published / "koers-000001.duckdb").exists()


def test_a_replica_without_the_working_file_cannot_publish_an_empty_one(published, demo_db, tmp_path, monkeypatch):
    snapshots.publish(demo_db, published)
    elsewhere = tmp_path / "replica" / "koers.duckdb"  # this machine's KOERS_DB: no working file here
    monkeypatch.setenv("KOERS_DB", str(elsewhere))
    with pytest.raises(KoersError) as refused, Store.open(elsewhere):
        pass
    assert "werkbestand" in refused.value.message("nl") and "\n" not in refused.value.message("nl")
    assert not elsewhere.exists() and snapshots.current(published) == "koers-000001.duckdb"
    with Store.open(elsewhere, read_only=True) as store:  # reading works: the published version
        assert store.path == published / "koers-000001.duckdb"
