"""The command line as people and scripts use it: real subprocesses on real database files."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import duckdb
import pytest

from conftest import CBS, ROOT, run_cli
from koers.store import SCHEMA_VERSION


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.slow
def test_init_import_and_query(tmp_path):
    db = tmp_path / "k.duckdb"
    assert run_cli("init", db=db).returncode == 0
    done = run_cli("import", "cbs-odata4", str(CBS / "03759ned"), db=db)
    assert done.returncode == 0, done.stderr
    assert "13,568 records read, 13,568 loaded (13,568 new, 0 revised, 0 unchanged), 0 rejected" in done.stderr

    out = run_cli("observations", "--indicator", "population", "--region", "GM0363", "--period", "2024", db=db)
    assert out.stdout.splitlines()[0] == "indicator_id,region_code,period,value,status,source,suppressed"
    assert out.stdout.splitlines()[1] == "population,GM0363,2024,931298,definitive,03759ned,False"

    regions = _csv(run_cli("regions", "--on", "2022-01-01", db=db).stdout)
    assert len(regions) == 345
    weesp = next(r for r in regions if r["code"] == "GM0457")
    assert weesp == {"code": "GM0457", "name": "Weesp", "province": "PV27", "valid_from": "", "valid_to": "2022-03-24"}

    indicators = _csv(run_cli("indicators", db=db).stdout)
    assert {i["id"] for i in indicators} == {"population", "average_population"}
    imports = _csv(run_cli("imports", db=db).stdout)
    assert [(i["kind"], i["rows_loaded"], i["status"]) for i in imports] == [("cbs-odata4", "13568", "ok")]


def test_dutch_messages_by_default(tmp_path):
    done = run_cli("import", "cbs-odata4", str(CBS / "03759ned"), db=tmp_path / "k.duckdb", env={"KOERS_LANG": "nl"})
    assert "13.568 records gelezen" in done.stderr


@pytest.mark.slow
def test_unreadable_input_is_one_line_and_non_zero(tmp_path):
    db = tmp_path / "k.duckdb"
    run_cli("init", db=db)
    missing = run_cli("import", "cbs-odata4", str(tmp_path / "nothing-here"), db=db)
    assert missing.returncode == 2
    lines = [line for line in missing.stderr.splitlines() if "nothing-here" in line]
    assert len(lines) == 1 and "Traceback" not in missing.stderr
    failed = _csv(run_cli("imports", db=db).stdout)
    assert [(i["status"], i["rows_loaded"]) for i in failed] == [("failed", "0")]


@pytest.mark.slow
def test_newer_database_is_refused_with_a_clear_message(tmp_path):
    db = tmp_path / "k.duckdb"
    run_cli("init", db=db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE koers_meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    con.close()
    refused = run_cli("regions", db=db)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [f"this database has schema version {SCHEMA_VERSION + 1}, newer than this Koers ({SCHEMA_VERSION}): upgrade Koers"]


@pytest.mark.slow
def test_kill_9_during_import_leaves_the_previous_content(tmp_path):
    start_db = tmp_path / "start.duckdb"
    assert run_cli("import", "cbs-odata4", str(CBS / "03759ned"), db=start_db).returncode == 0
    before = run_cli("observations", db=start_db).stdout
    importing = ("import", "cbs-odata3", str(CBS / "84799NED"))
    complete_db = tmp_path / "complete.duckdb"
    shutil.copy(start_db, complete_db)
    assert run_cli(*importing, db=complete_db).returncode == 0
    complete = run_cli("observations", db=complete_db).stdout
    # Kill the writer at several moments of a larger import (84799NED with all districts and
    # neighbourhoods: ~750,000 observations), from just started to nearly done. Afterwards the
    # database opens and holds what it held before or the whole import — never a part of it.
    interrupted = 0
    for delay in (0.3, 0.8, 1.2, 1.6, 2.5):
        db = tmp_path / f"killed-{delay}.duckdb"
        shutil.copy(start_db, db)
        process = subprocess.Popen([sys.executable, "-m", "koers", "--db", str(db), *importing],
                                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        after = run_cli("observations", db=db)
        assert after.returncode == 0, after.stderr
        assert after.stdout in (before, complete)
        interrupted += after.stdout == before and process.returncode == -signal.SIGKILL
    assert interrupted >= 2


@pytest.mark.slow
def test_import_waits_for_a_reader_and_succeeds(tmp_path):
    db = tmp_path / "k.duckdb"
    release = tmp_path / "release"
    run_cli("init", db=db)
    # Another process (the dashboard, say) reads until the import has said it waits (however long
    # the import takes to start on a busy machine), then lets go.
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, pathlib, time\n"
         f"c = duckdb.connect({str(db)!r}, read_only=True)\nprint('open', flush=True)\n"
         f"end = time.monotonic() + 120\nwhile not pathlib.Path({str(release)!r}).exists() and time.monotonic() < end:\n"
         "    time.sleep(0.05)\nc.close()"],
        stdout=subprocess.PIPE, text=True,
    )
    assert reader.stdout.readline().strip() == "open"
    command = [sys.executable, "-m", "koers", "--db", str(db), "import", "cbs-odata4", str(CBS / "83625NED")]
    importer = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "KOERS_LANG": "en"},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    said: list[str] = []
    listener = threading.Thread(target=lambda: said.extend(iter(lambda: importer.stderr.read(1), "")), daemon=True)
    listener.start()
    end = time.monotonic() + 120
    while "is held by another process" not in "".join(said) and importer.poll() is None and time.monotonic() < end:
        time.sleep(0.05)
    release.touch()
    importer.wait(timeout=120)
    reader.wait(timeout=30)
    listener.join(timeout=10)
    stderr = "".join(said)
    assert importer.returncode == 0, stderr
    assert "is held by another process" in stderr
    assert "average_house_price" in run_cli("indicators", db=db).stdout


# The holder keeps the lock until it is killed below: a fixed few seconds ran out before the CLI
# had even started on a busy machine.
@pytest.mark.slow
def test_busy_database_gives_up_with_one_line(tmp_path):
    db = tmp_path / "k.duckdb"
    run_cli("init", db=db)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('open', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        busy = run_cli("--wait", "1", "regions", db=db)
        assert busy.returncode == 2
        assert busy.stderr.strip().endswith("is in use by another process; try again later")
    finally:
        holder.kill()
        holder.wait()
