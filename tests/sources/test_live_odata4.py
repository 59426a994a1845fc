"""The live path of the CBS OData4 importer, against recorded CBS responses served on 127.0.0.1.

No test here touches the internet: every URL points at `ReplayServer`, or at a port just closed.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import requests

from koers.access import LOCAL
from koers.errors import KoersError
from koers.sources import cbs_odata4
from koers.store import Store
from tests.replay_server import ReplayServer, recorded_cbs_root

ROOT = Path(__file__).resolve().parents[2]
CBS = recorded_cbs_root()
TABLE = "03759ned"
OBSERVATION_ROWS = 13568  # README and index.json of the recording
PAGE_SIZE = 2000  # seven Observations pages
AMSTERDAM_POPULATION_2020 = 872757  # M000352, GM0363, 2020JJ00 in observations-page-1.json


@pytest.fixture(autouse=True)
def _local_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A proxy from the environment would send 127.0.0.1 requests elsewhere; and `load` reads a
    # folder named like the table from the working directory, so work in an empty one.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer(CBS, page_size=PAGE_SIZE) as running:
        yield running


def _recorded_rows(table: str) -> list[dict]:
    pages = sorted((CBS / table).glob("observations-page-*.json"))
    assert pages, f"no recorded observations in {CBS / table}"
    return [row for page in pages for row in json.loads(page.read_text(encoding="utf-8"))["value"]]


def _import(database: Path, source: str, **options: object) -> pd.DataFrame:
    batch = cbs_odata4.load(source, **options)
    with Store.open(database) as store:
        store.commit_import(batch, actor=LOCAL)
        # import_id is the store's own counter, not part of the data
        return store.observations().drop(columns=["import_id"])


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_live_import_equals_recorded_folder(server: ReplayServer, tmp_path: Path) -> None:
    fractions: list[float] = []
    live = _import(tmp_path / "live.duckdb", TABLE, base_url=server.base_url_v4,
                   progress=lambda step, fraction: fractions.append(fraction))
    recorded = _import(tmp_path / "folder.duckdb", str(CBS / TABLE))

    assert len(live) == OBSERVATION_ROWS
    pd.testing.assert_frame_equal(live, recorded)

    pages = math.ceil(OBSERVATION_ROWS / PAGE_SIZE)
    observation_requests = server.requests_for("Observations")
    assert len(observation_requests) == pages
    assert [int(r.query.get("$skip", 0)) for r in observation_requests] == [PAGE_SIZE * n for n in range(pages)]
    # one progress call per page, each further along than the one before
    assert len(fractions) == pages
    assert all(0 < a < b <= 1 for a, b in zip(fractions, fractions[1:]))


def _koers(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`python -m koers ...` as a user runs it, from a folder that holds no recordings."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KOERS_LANG": "en", "KOERS_LOG": str(cwd / "koers.log")}
    return subprocess.run([sys.executable, "-m", "koers", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_cli_import_with_base_url(server: ReplayServer, tmp_path: Path) -> None:
    database = tmp_path / "cli.duckdb"
    done = _koers("--db", str(database), "import", "cbs-odata4", TABLE, "--base-url", server.base_url_v4, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{OBSERVATION_ROWS:,} records read" in done.stderr

    with Store.open(database, read_only=True) as store:
        live = store.observations().drop(columns=["import_id"])
    pd.testing.assert_frame_equal(live, _import(tmp_path / "folder.duckdb", str(CBS / TABLE)))
    assert len(server.requests_for("Observations")) == math.ceil(OBSERVATION_ROWS / PAGE_SIZE)


@pytest.mark.slow
def test_cli_unknown_table_is_one_line(server: ReplayServer, tmp_path: Path) -> None:
    done = _koers("--db", str(tmp_path / "cli.duckdb"), "import", "cbs-odata4", "99999xyz",
                  "--base-url", server.base_url_v4, cwd=tmp_path)
    assert done.returncode == 2
    # the progress bar may leave carriage returns; the message is the last line
    message = done.stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert message.startswith(f"{server.base_url_v4}/99999xyz/Properties: not found (404)")


def test_live_import_has_amsterdams_population(server: ReplayServer, tmp_path: Path) -> None:
    recorded = [r["Value"] for r in _recorded_rows(TABLE)
                if r["Measure"] == "M000352" and r["RegioS"].strip() == "GM0363" and r["Perioden"] == "2020JJ00"]
    assert recorded == [AMSTERDAM_POPULATION_2020]

    live = _import(tmp_path / "live.duckdb", TABLE, base_url=server.base_url_v4)
    amsterdam = live[(live.indicator_id == "population") & (live.region_code == "GM0363") & (live.period == "2020")]
    assert amsterdam["value"].tolist() == [AMSTERDAM_POPULATION_2020]
    assert amsterdam["status"].tolist() == ["definitive"]
    assert amsterdam["source"].tolist() == [TABLE]


def test_filter_reaches_the_server_on_every_page(server: ReplayServer) -> None:
    # The filter the recording was made with: quotes, parentheses and spaces all need encoding.
    slice_filter = json.loads((CBS / TABLE / "index.json").read_text(encoding="utf-8"))["sliceFilter"]
    table = cbs_odata4.fetch(TABLE, base_url=server.base_url_v4, filter=slice_filter)

    assert len(table.observations) == OBSERVATION_ROWS
    observation_requests = server.requests_for("Observations")
    assert len(observation_requests) == math.ceil(OBSERVATION_ROWS / PAGE_SIZE)
    assert observation_requests[0].query == {"$filter": slice_filter}
    for request in observation_requests[1:]:
        assert request.query["$filter"] == slice_filter
    # the metadata requests carry no filter
    assert all("$filter" not in r.query for r in server.requests if r not in observation_requests)


def test_fetch_reads_every_entity_set(server: ReplayServer) -> None:
    table = cbs_odata4.fetch(TABLE, base_url=server.base_url_v4)
    recorded = cbs_odata4.read_folder(CBS / TABLE)

    assert table.properties == recorded.properties
    assert table.dimensions == recorded.dimensions
    assert table.measures == recorded.measures
    assert table.codes == recorded.codes
    assert len(table.codes["RegioS"]) == 892
    assert table.observations == recorded.observations


def test_unknown_table_is_one_line_naming_the_url(server: ReplayServer) -> None:
    with pytest.raises(KoersError) as raised:
        cbs_odata4.fetch("99999xyz", base_url=server.base_url_v4)
    url = f"{server.base_url_v4}/99999xyz/Properties"
    for message in (raised.value.nl, raised.value.en, str(raised.value)):
        assert "\n" not in message
        assert url in message
    assert "404" in raised.value.en


def test_unreachable_server_is_one_line() -> None:
    base_url = f"http://127.0.0.1:{_closed_port()}/odata/v1/CBS"
    with pytest.raises(KoersError) as raised:
        cbs_odata4.fetch(TABLE, base_url=base_url)
    for message in (raised.value.nl, raised.value.en, str(raised.value)):
        assert "\n" not in message
        assert f"{base_url}/{TABLE}/Properties" in message
    assert "unreachable" in raised.value.en


def test_table_id_spelling_does_not_change_the_source(server: ReplayServer, tmp_path: Path) -> None:
    # CBS ids are case-insensitive ("03759NED" answers like "03759ned"); the store keys observations
    # on source_table, so a second spelling would duplicate every row instead of finding them unchanged.
    upper = _import(tmp_path / "live.duckdb", TABLE.upper(), base_url=server.base_url_v4)
    assert set(upper["source"]) == {TABLE}


def test_progress_keeps_rising_beyond_ten_pages() -> None:
    fractions: list[float] = []
    with ReplayServer(CBS, page_size=1000) as many_pages:
        cbs_odata4.fetch(TABLE, base_url=many_pages.base_url_v4,
                         progress=lambda step, fraction: fractions.append(fraction))
    assert len(fractions) == 14
    assert all(a < b for a, b in zip(fractions, fractions[1:]))


# --- the replay server's OData v3 layout (used by the tests of the v3 importer) ----------------

V3_TABLE = "84799NED"
V3_ROWS = 17341


def _follow(session: requests.Session, url: str) -> tuple[list[dict], list[dict]]:
    """(all rows, every page's body) of a v3 collection, following `odata.nextLink`."""
    rows: list[dict] = []
    bodies: list[dict] = []
    while url:
        response = session.get(url, timeout=10)
        assert response.status_code == 200, response.text
        # The feed never sends NaN: JSON has no such constant.
        body = json.loads(response.text, parse_constant=lambda name: pytest.fail(f"{url} sent {name}"))
        bodies.append(body)
        rows.extend(body["value"])
        url = body.get("odata.nextLink")
    return rows, bodies


@pytest.mark.slow
def test_replay_server_v3_typed_dataset_is_paged_and_keeps_the_filter() -> None:
    v3_filter = "startswith(WijkenEnBuurten,'GM')"
    with ReplayServer(CBS, page_size=5000) as server, requests.Session() as session:
        rows, bodies = _follow(session, f"{server.base_url_v3}/{V3_TABLE}/TypedDataSet?$filter={v3_filter}")
        dataset_requests = server.requests_for("TypedDataSet")

    assert len(bodies) == math.ceil(V3_ROWS / 5000)
    assert all("odata.metadata" in body for body in bodies)
    assert "odata.nextLink" not in bodies[-1]
    assert [len(body["value"]) for body in bodies] == [5000, 5000, 5000, V3_ROWS - 15000]
    assert [r.query for r in dataset_requests] == [
        {"$filter": v3_filter}, *({"$filter": v3_filter, "$skip": str(n)} for n in (5000, 10000, 15000))
    ]
    # served as recorded: the filter is not evaluated, and keys keep their padding
    assert rows == pq.read_table(CBS / V3_TABLE / f"cbs.v3.{V3_TABLE}_TypedDataSet.parquet").to_pylist()
    aa_en_hunze = next(r for r in rows if r["WijkenEnBuurten"] == "GM1680    ")
    assert aa_en_hunze["AantalInwoners_5"] == 25445
    assert aa_en_hunze["GemiddeldeHuishoudensgrootte_32"] == 2.2
    assert aa_en_hunze["GeboorteTotaal_24"] is None


def test_replay_server_v3_metadata_and_dimension() -> None:
    with ReplayServer(CBS, page_size=5000) as server, requests.Session() as session:
        base = f"{server.base_url_v3}/{V3_TABLE}"
        properties, _ = _follow(session, f"{base}/DataProperties")
        regions, region_bodies = _follow(session, f"{base}/WijkenEnBuurten")
        infos, _ = _follow(session, f"{base}/TableInfos")
        missing = session.get(f"{server.base_url_v3}/00000XYZ/TypedDataSet", timeout=10)

    assert len(properties) == 157
    assert all("odata_type" not in p for p in properties)
    population = next(p for p in properties if p["Key"] == "AantalInwoners_5")
    assert (population["Type"], population["Unit"], population["Decimals"]) == ("Topic", "aantal", 0)

    assert len(regions) == V3_ROWS
    assert len(region_bodies) == math.ceil(V3_ROWS / 5000)
    assert regions[1] == {"Key": "GM1680    ", "Title": "Aa en Hunze", "Description": "Gemeente 'Aa en Hunze' (GM1680)",
                          "Municipality": "GM1680", "DetailRegionCode": "GM1680"}

    assert len(infos) == 1
    assert (infos[0]["Identifier"], infos[0]["Title"]) == (V3_TABLE, "Kerncijfers wijken en buurten 2020")

    assert missing.status_code == 404
    assert "00000XYZ" in missing.json()["odata.error"]["message"]["value"]


def test_replay_server_v3_stringified_values() -> None:
    with ReplayServer(CBS, page_size=100, stringify_values=True) as server, requests.Session() as session:
        body = session.get(f"{server.base_url_v3}/{V3_TABLE.lower()}/TypedDataSet", timeout=10).json()

    rows = body["value"]
    assert len(rows) == 100
    assert body["odata.nextLink"].endswith("/TypedDataSet?$skip=100")
    nederland, aa_en_hunze = rows[0], rows[1]
    assert aa_en_hunze["WijkenEnBuurten"] == "GM1680    "  # dimension keys are never touched
    assert aa_en_hunze["AantalInwoners_5"] == "   25445"  # padded to the widest value, 17407585
    assert nederland["AantalInwoners_5"] == "17407585"
    assert aa_en_hunze["GemiddeldeHuishoudensgrootte_32"].strip() == "2.2"
    assert aa_en_hunze["GeboorteTotaal_24"] is None
    assert aa_en_hunze["ID"] == 1  # not a Topic
