"""`koers sync`: the catalogue's CBS tables refreshed from the live APIs, here the recordings in
data/cbs replayed on 127.0.0.1 (`tests/replay_server.py`). No test touches the internet."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CBS, run_cli
from koers.store import Store
from koers.access import LOCAL as LOCAL_ACTOR
from koers.sync import failed, is_newer, recorded_filter, recorded_modified, sync_cbs
from tests.replay_server import ReplayServer

TABLES = ("03759ned", "83625NED", "84799NED")
NOT_REFRESHABLE = ("70072ned", "kiesraad")
LOCAL = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", "HTTP_PROXY": "", "http_proxy": "",
         "HTTPS_PROXY": "", "https_proxy": "", "ALL_PROXY": "", "all_proxy": ""}


def _env(server_url: str) -> dict[str, str]:
    return {**LOCAL, "KOERS_CBS_ODATA4_URL": server_url + "/odata/v1/CBS",
            "KOERS_CBS_ODATA3_URL": server_url + "/ODataFeed/odata"}


def _lines(stderr: str) -> dict[str, str]:
    """The summary lines, by table: "<table>: <what happened>" (the bars' lines have no such start)."""
    lines = {}
    for line in stderr.splitlines():
        table, sep, rest = line.partition(": ")
        if sep and table in TABLES + NOT_REFRESHABLE:
            lines[table] = rest
    return lines


def _recorded_amsterdam_2024(folder: Path) -> dict:
    rows = json.loads((folder / "observations-page-1.json").read_text(encoding="utf-8"))["value"]
    return next(r for r in rows if r["Measure"] == "M000352" and r["RegioS"] == "GM0363" and r["Perioden"] == "2024JJ00")


def _copy_db(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    return target


@pytest.fixture(scope="module")
def first_sync(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, object, ReplayServer]]:
    """One first sync on an empty store, against the recordings as they are."""
    db = tmp_path_factory.mktemp("sync") / "first.duckdb"
    with ReplayServer(CBS) as server:
        done = run_cli("sync", db=db, env=_env(server.base_url), timeout=300)
        yield db, done, server


@pytest.mark.slow
def test_first_sync_imports_every_cbs_table(first_sync) -> None:
    db, done, _ = first_sync
    assert done.returncode == 0, done.stderr
    lines = _lines(done.stderr)
    for table in TABLES:
        assert lines[table].startswith("updated ("), lines
    assert lines["03759ned"] == "updated (13,568 new, 0 revised)"
    for table in NOT_REFRESHABLE:
        assert lines[table] == "not refreshable from the CBS API"
    with Store.open(db, read_only=True) as store:
        imports = store.imports()
        stored = store.observations("population", "GM0363", "2024")
    assert sorted(imports["source_table"]) == sorted(TABLES)
    assert set(imports["status"]) == {"ok"}
    # The modified date CBS sent is kept with the import, and the slice's filter with its URL.
    modified = json.loads((CBS / "03759ned" / "properties.json").read_text(encoding="utf-8"))["Modified"]
    population = imports[imports["source_table"] == "03759ned"].iloc[0]
    assert recorded_modified(population["checksum"]) == modified
    assert recorded_filter(population["file"]).startswith("Geslacht eq 'T001038'")
    # Hand check: Amsterdam on 1 January 2024 as recorded.
    assert stored["value"].tolist() == [_recorded_amsterdam_2024(CBS / "03759ned")["Value"]]


@pytest.mark.slow
def test_sync_shows_progress_bars_on_stderr(first_sync) -> None:
    _, done, _ = first_sync
    assert "sync:" in done.stderr and "%|" in done.stderr
    assert "table:" in done.stderr
    assert done.stdout == ""


@pytest.mark.slow
def test_second_sync_changes_nothing(first_sync, tmp_path: Path) -> None:
    db = _copy_db(first_sync[0], tmp_path / "second.duckdb")
    with ReplayServer(CBS) as server:
        done = run_cli("sync", db=db, env=_env(server.base_url))
        data_requests = server.requests_for("Observations") + server.requests_for("TypedDataSet")
    assert done.returncode == 0, done.stderr
    lines = _lines(done.stderr)
    assert lines["03759ned"] == "up to date (modified 2026-06-23)"
    assert lines["83625NED"] == "up to date (modified 2026-02-17)"
    assert lines["84799NED"] == "up to date (modified 2021-03-26)"
    assert data_requests == []  # only the tables' properties were asked for
    with Store.open(db, read_only=True) as store:
        assert len(store.imports()) == len(TABLES)


@pytest.mark.slow
def test_newer_table_is_reimported_and_revised(first_sync, tmp_path: Path) -> None:
    root = tmp_path / "cbs"
    root.mkdir()
    shutil.copytree(CBS / "03759ned", root / "03759ned")
    for table in ("83625NED", "84799NED"):
        (root / table).symlink_to(CBS / table, target_is_directory=True)
    properties = root / "03759ned" / "properties.json"
    data = json.loads(properties.read_text(encoding="utf-8"))
    data["Modified"] = "2026-09-01T00:00:00+02:00"
    properties.write_text(json.dumps(data), encoding="utf-8")
    page = root / "03759ned" / "observations-page-1.json"
    observations = json.loads(page.read_text(encoding="utf-8"))
    old = _recorded_amsterdam_2024(root / "03759ned")["Value"]
    for row in observations["value"]:
        if row["Measure"] == "M000352" and row["RegioS"] == "GM0363" and row["Perioden"] == "2024JJ00":
            row["Value"] = old + 2
    page.write_text(json.dumps(observations), encoding="utf-8")

    db = _copy_db(first_sync[0], tmp_path / "newer.duckdb")
    with ReplayServer(root) as server:
        done = run_cli("sync", db=db, env=_env(server.base_url))
    assert done.returncode == 0, done.stderr
    lines = _lines(done.stderr)
    assert lines["03759ned"] == "updated (0 new, 1 revised)"
    assert lines["83625NED"].startswith("up to date")
    assert lines["84799NED"].startswith("up to date")
    with Store.open(db, read_only=True) as store:
        assert store.observations("population", "GM0363", "2024")["value"].tolist() == [old + 2]
        revisions = store.revisions("population", "GM0363", "2024")
        imports = store.imports()
    assert revisions["value"].tolist() == [old]
    assert len(imports) == len(TABLES) + 1
    assert recorded_modified(imports.iloc[-1]["checksum"]) == "2026-09-01T00:00:00+02:00"


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_unreachable_api_is_one_line_per_table_and_exit_1(tmp_path: Path) -> None:
    db = tmp_path / "k.duckdb"
    with Store.open(db):  # an empty store
        pass
    done = run_cli("sync", db=db, env=_env(f"http://127.0.0.1:{_closed_port()}"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = _lines(done.stderr)
    for table in TABLES:
        assert lines[table].startswith("failed: http://127.0.0.1:"), lines
        assert "unreachable (ConnectionError)" in lines[table]
    assert "3 of 3 tables failed" in done.stderr
    with Store.open(db, read_only=True) as store:
        counts = store.counts()
    assert counts["import_log"] == 0 and counts["observation"] == 0


def test_engine_reports_each_failed_table_and_writes_nothing(tmp_path: Path) -> None:
    """The engine as the Data page would call it: a failed table is an outcome with its reason,
    in both languages; nothing reaches the store."""
    db = tmp_path / "k.duckdb"
    url = f"http://127.0.0.1:{_closed_port()}"
    seen: list[float] = []
    outcomes = sync_cbs(lambda: Store.open(db), LOCAL_ACTOR, odata4_url=url + "/odata/v1/CBS",
                        odata3_url=url + "/ODataFeed/odata", progress=lambda step, f: seen.append(f))
    assert failed(outcomes)
    by_table = {o.table: o for o in outcomes}
    assert {t: by_table[t].state for t in TABLES} == dict.fromkeys(TABLES, "failed")
    assert {t: by_table[t].state for t in NOT_REFRESHABLE} == dict.fromkeys(NOT_REFRESHABLE, "skipped")
    assert by_table["03759ned"].message().text("nl").startswith("03759ned: mislukt: http://127.0.0.1:")
    assert by_table["kiesraad"].message().text("nl") == "kiesraad: niet te verversen via de CBS-API"
    assert seen[-1] == 1.0
    assert not db.exists()  # not even opened: every table failed before its download


def test_modified_dates_compare_as_moments() -> None:
    assert is_newer("2026-09-01T00:00:00+02:00", None)
    assert not is_newer("2026-06-23T00:00:00+02:00", "2026-06-23T00:00:00+02:00")
    assert not is_newer("2026-06-22T22:00:00+00:00", "2026-06-23T00:00:00+02:00")  # the same moment
    assert is_newer("2026-06-23T00:00:01+02:00", "2026-06-23T00:00:00+02:00")
    assert is_newer("2021-03-27T00:00:00", "2021-03-26T02:00:00")  # v3: no offset
    assert recorded_modified("abc123") is None  # a folder's import (the demo): never synced
    assert recorded_filter("https://datasets.cbs.nl/odata/v1/CBS/83625NED") is None
