"""Evaluation speed: the whole KPI library for all municipalities and years, in one query.

Prints figures and ratios against a baseline measured in the same run (machines are noisy):

- baseline: one hand-written DuckDB query computing the library's ratio KPIs (pivot + divide),
  run with duckdb directly (Koers's store takes no SQL from outside);
- Koers: `evaluate` of those same ratio KPIs, and of the whole library;
on the demo database and on a generated database of ~5 million observations (342 municipalities x
12 years x ~1,200 indicators, of which the library uses a few dozen). Also: peer statistics for one
municipality (target < 50 ms) and the whole `kpi_overview` for one municipality.
Targets: ratio KPIs within 1.5x of the hand-written query; the whole library under 0.5 s.

Usage: .venv/bin/python bench/bench_evaluate.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from koers.access import LOCAL  # noqa: E402
from koers.kpis.assess import kpi_overview, peer_group, peer_statistics  # noqa: E402
from koers.indicators.catalogue import CATALOGUE, CanonicalIndicator, canonical_by_id  # noqa: E402
from koers.demo.build import build_demo  # noqa: E402
from koers.kpis.evaluate import evaluate  # noqa: E402
from koers.sources import cbs_odata4  # noqa: E402
from koers.sources.common import empty_rejected, observation_table  # noqa: E402
from koers.kpis.library import load_library  # noqa: E402
from koers.store import ImportBatch, Store  # noqa: E402
from metrics.model import RatioDefinition  # noqa: E402


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def hand_written_query(library) -> tuple[str, list[str]]:
    """The ratio KPIs as a person would write them: one pivot, one division per KPI."""
    ratios = {k.id: k.definition for k in library.kpis.values() if isinstance(k.definition, RatioDefinition)
              and all(r in {d.id for d in CATALOGUE} for r in (k.definition.numerator, k.definition.denominator))}
    indicators = sorted({r for d in ratios.values() for r in (d.numerator, d.denominator)})
    pivot = ", ".join(f"max(value) FILTER (WHERE indicator_id = '{i}') AS \"{i}\"" for i in indicators)
    divide = ", ".join(f"\"{d.numerator}\" / nullif(\"{d.denominator}\", 0) * {d.scale} AS \"{k}\"" for k, d in ratios.items())
    sql = (f"SELECT region_code, period, {divide} FROM (SELECT region_code, period, {pivot} FROM observation_best "
           f"WHERE indicator_id IN ({', '.join(repr(i) for i in indicators)}) AND length(period) = 4 GROUP BY ALL)")
    return sql, sorted(ratios)


def generated_database(path: Path, library) -> int:
    """~5 million yearly observations: the library's inputs plus filler indicators."""
    with Store.open(path) as store:
        store.commit_import(cbs_odata4.load(str(ROOT / "data" / "cbs" / "03759ned")), actor=LOCAL)
        regions = store.regions(on=dt.date(2025, 1, 1))["code"].to_numpy()
        wanted = sorted({d.id for d in CATALOGUE} - {"population", "average_population"})
        filler = [f"filler_{n:04d}" for n in range(1200 - len(wanted))]
        ids = wanted + filler
        years = [str(y) for y in range(2015, 2027)]
        rng = np.random.default_rng(7)
        n = len(ids) * len(regions) * len(years)
        columns = {
            "record": pa.array(np.arange(n, dtype=np.int64)),
            "indicator_id": pa.DictionaryArray.from_arrays(pa.array(np.repeat(np.arange(len(ids), dtype=np.int32), len(regions) * len(years))), pa.array(ids)),
            "region_code": pa.DictionaryArray.from_arrays(pa.array(np.tile(np.repeat(np.arange(len(regions), dtype=np.int32), len(years)), len(ids))), pa.array(regions)),
            "period": pa.DictionaryArray.from_arrays(pa.array(np.tile(np.arange(len(years), dtype=np.int32), len(ids) * len(regions))), pa.array(years)),
            "value": pa.array(rng.gamma(2.0, 500.0, n)),
            "status": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array(["definitive"])),
        }
        definitions = [canonical_by_id(i) or CanonicalIndicator(id=i, title_nl=i, title_en=i, unit="aantal", additive=True) for i in ids]
        batch = ImportBatch(kind="bench", file="generated", checksum="bench", source_table="bench", source_title="bench",
                            licence="", rows_read=n, observations=observation_table(columns), rejected=empty_rejected(),
                            indicators=[(d, d.id, d.title_nl, d.unit) for d in definitions])
        store.commit_import(batch, actor=LOCAL)
        store.checkpoint()
        return store.counts()["observation"]


def measure(label: str, db: Path, library, repeat: int) -> None:
    sql, ratio_ids = hand_written_query(library)
    # The baseline on its own connection to the file, as a person would run it (the same database
    # instance as the store's: DuckDB shares one per file and configuration within a process).
    with Store.open(db, read_only=True) as store, duckdb.connect(str(db), read_only=True) as con:
        observations = store.counts()["observation"]
        hand = best_of(repeat, lambda: con.execute(sql).df())
        ours_ratio = best_of(repeat, lambda: evaluate(store, library, ratio_ids))
        whole = best_of(repeat, lambda: evaluate(store, library))
        results = evaluate(store, library)
        profile = store.municipality_profile(2020)
        peers = best_of(repeat, lambda: peer_statistics(results, "GM0363", "2020", peer_group(profile, "GM0363", "size")))
        overview = best_of(max(1, repeat // 2), lambda: kpi_overview(store, library, "GM0363", 2020))
    print(f"\n{label}: {observations:,} observations, {len(library.kpis)} KPIs ({len(ratio_ids)} ratio KPIs on catalogue indicators)")
    print(f"  hand-written query, ratio KPIs:      {hand * 1000:8.1f} ms")
    print(f"  evaluate, same ratio KPIs:           {ours_ratio * 1000:8.1f} ms   ratio {ours_ratio / hand:5.2f} x (target <= 1.5)")
    print(f"  evaluate, whole library:             {whole * 1000:8.1f} ms   (target < 500 ms); {len(results):,} values")
    print(f"  peer statistics, one municipality:   {peers * 1000:8.1f} ms   (target < 50 ms)")
    print(f"  kpi_overview (all of `koers kpi`):   {overview * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    library = load_library()
    work = Path(tempfile.mkdtemp(prefix="koers-bench-eval-"))
    demo = work / "demo.duckdb"
    started = time.perf_counter()
    build_demo(demo)
    print(f"demo database built in {time.perf_counter() - started:.1f} s")
    measure("demo database", demo, library, args.repeat)
    big = work / "big.duckdb"
    started = time.perf_counter()
    generated_database(big, library)
    print(f"\ngenerated database built in {time.perf_counter() - started:.1f} s")
    measure("generated database", big, library, args.repeat)
    print(f"\n(best of {args.repeat} runs each)")


if __name__ == "__main__":
    main()
