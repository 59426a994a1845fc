"""What the importer tests check against: the numbers CBS published in the recorded 03759ned
responses, and a store holding the registry and that table (built once per test module, copied
per test). Test modules import the fixtures from here: `from cbs_reference import registry_db, store`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest

from koers.access import LOCAL
from koers.sources import cbs_odata4
from koers.store import Store


def data_dir() -> Path:
    """The shared original of the CBS data when it is next to the repository, else the shipped copy."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    return shared if (shared / "cbs" / "03759ned").is_dir() else Path(__file__).resolve().parents[1] / "data"


@lru_cache(maxsize=1)
def cbs_03759ned() -> dict[tuple[str, str, str], float | None]:
    """(region, measure, year) -> value as CBS published it (None: Impossible)."""
    path = data_dir() / "cbs" / "03759ned" / "observations-page-1.json"
    rows = json.loads(path.read_text(encoding="utf-8"))["value"]
    return {(r["RegioS"].strip(), r["Measure"], r["Perioden"][:4]): r["Value"] for r in rows}


def population(region: str, year: int) -> float | None:
    return cbs_03759ned()[region, "M000352", str(year)]


def average_population(region: str, year: int) -> float | None:
    return cbs_03759ned()[region, "M000365", str(year)]


@pytest.fixture(scope="module")
def registry_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the registry and 03759ned, built once and copied per test."""
    path = tmp_path_factory.mktemp("registry") / "koers.duckdb"
    with Store.open(path) as store:
        store.commit_import(cbs_odata4.load(str(data_dir() / "cbs" / "03759ned")), actor=LOCAL)
    return path


@pytest.fixture
def store(registry_db: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "koers.duckdb"
    shutil.copy(registry_db, path)
    with Store.open(path) as opened:
        yield opened


def observation(store: Store, indicator: str, region: str, period: str, source: str) -> dict:
    """The one observation of `source` for the key (all sources, not only the one shown)."""
    frame = store.observations(indicator, region, period, all_sources=True)
    rows = frame[frame["source"] == source].to_dict("records")
    assert len(rows) == 1, f"expected one {source} observation for {indicator} {region} {period}, got {rows}"
    return rows[0]
