"""Import speed and memory: a generated long CSV of ~5 million rows, and all shipped CBS data.

Prints figures and ratios against a baseline measured in the same run (machines here are noisy):

- baseline: a bare DuckDB `CREATE TABLE ... AS SELECT * FROM read_csv(...)` of the same file;
- Koers: `import file` of that file into a database holding the region registry (parsing,
  validation, registry check, revision merge, one transaction).
Target: Koers within 2x the bare load, peak memory under 1.5 GB. Each run is its own subprocess,
so its peak resident memory is its own.

Each figure is the median of `--repeat` runs, bare and Koers alternating (one run of each can be
off by half a second on a shared 2-core machine); the phases are those of the median Koers run.

Usage: .venv/bin/python bench/bench_import.py [--rows-scale 1.0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


_PROLOGUE = f"import json, resource, shutil, sys, time\nfrom pathlib import Path\nsys.path.insert(0, {str(ROOT)!r})\n"
_EPILOGUE = "\nresult['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\nprint(json.dumps(result))\n"


def _child(code: str) -> dict:
    """Run `code` (which fills a dict `result`) in a fresh interpreter; add its peak memory."""
    done = subprocess.run([sys.executable, "-c", _PROLOGUE + code + _EPILOGUE], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def generate(path: Path, registry_db: Path, scale: float) -> int:
    """342 municipalities x 200 indicators x 73 months (2020-01 .. 2026-01) of plausible values."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from koers.store import Store

    with Store.open(registry_db, read_only=True) as store:
        regions = store.regions(on=dt.date(2025, 1, 1))["code"].tolist()
    indicators = [f"indicator_{i:03d}" for i in range(max(1, round(200 * scale)))]
    periods = [f"{2020 + m // 12}-{m % 12 + 1:02d}" for m in range(73)]
    n = len(regions) * len(indicators) * len(periods)
    rng = np.random.default_rng(2026)
    table = pa.table({
        "indicator": pa.array(np.repeat(indicators, len(regions) * len(periods))),
        "region": pa.array(np.tile(np.repeat(regions, len(periods)), len(indicators))),
        "period": pa.array(np.tile(periods, len(regions) * len(indicators))),
        "value": pa.array(np.round(rng.gamma(2.0, 50.0, n), 2)),
    })
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    return n


# What happens between two progress marks of `own_file.load` + `Store.commit_import`.
_PHASES = {"parse": "parse", "open": "open", "registry": "log", "validate": "registry", "merge": "checks",
           "insert": "rejected rows", "done": "insert", "close": "close"}


def _phases(marks: list[tuple[str, float]]) -> str:
    """Seconds per phase, from the marks (step name, seconds since the start)."""
    parts, before = [], 0.0
    for step, at in marks:
        parts.append(f"{_PHASES.get(step, step)} {at - before:.2f}")
        before = at
    return " · ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows-scale", type=float, default=1.0, help="fraction of the 200 indicators (for a quick run)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, alternating; medians are printed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="koers-bench-") as folder:  # ~1 GB of files, removed afterwards
        run(Path(folder), args.rows_scale, args.repeat)


def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


def run(work: Path, rows_scale: float, repeat: int) -> None:
    registry = work / "registry.duckdb"
    _child(f"""
from koers.access import LOCAL
from koers.store import Store
from koers.sources import cbs_odata4
with Store.open({str(registry)!r}) as s:
    s.commit_import(cbs_odata4.load({str(ROOT / 'data' / 'cbs' / '03759ned')!r}), actor=LOCAL)
result = {{}}""")
    csv_path = work / "long.csv"
    started = time.perf_counter()
    rows = generate(csv_path, registry, rows_scale)
    os.sync()  # the generated file on disk before either load is timed (no writeback during a run)
    print(f"generated {rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")

    bare_code = f"""
import duckdb
target = {str(work / 'bare.duckdb')!r}
Path(target).unlink(missing_ok=True)
con = duckdb.connect(target)
t = time.perf_counter()
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [{str(csv_path)!r}])
con.close()
result = {{"seconds": time.perf_counter() - t}}"""

    koers_code = f"""
from koers.access import LOCAL
from koers.store import Store
from koers.sources import own_file
target = {str(work / 'koers.duckdb')!r}
shutil.copy({str(registry)!r}, target)
t = time.perf_counter()
batch = own_file.load(Path({str(csv_path)!r}))
marks = [("parse", time.perf_counter())]
with Store.open(target) as s:
    marks.append(("open", time.perf_counter()))
    r = s.commit_import(batch, lambda step, fraction: marks.append((step, time.perf_counter())), actor=LOCAL)
marks.append(("close", time.perf_counter()))
result = {{"seconds": time.perf_counter() - t, "marks": [(step, at - t) for step, at in marks],
          "loaded": r.rows_loaded, "rejected": r.rows_rejected}}"""

    reimport_code = f"""
from koers.access import LOCAL
from koers.store import Store
from koers.sources import own_file
t = time.perf_counter()
batch = own_file.load(Path({str(csv_path)!r}))
with Store.open({str(work / 'koers.duckdb')!r}) as s:
    r = s.commit_import(batch, actor=LOCAL)
result = {{"seconds": time.perf_counter() - t, "unchanged": r.rows_unchanged}}"""

    bare_runs, koers_runs, reimport_runs = [], [], []
    for _ in range(repeat):  # alternating, so a slow spell of the machine hits both
        bare_runs.append(_child(bare_code))
        koers_runs.append(_child(koers_code))
        reimport_runs.append(_child(reimport_code))

    shared = _child(f"""
from koers.access import LOCAL
from koers.store import Store
from koers.sources import cbs_odata3, cbs_odata4
cbs = Path({str(ROOT / 'data' / 'cbs')!r})
t = time.perf_counter()
with Store.open({str(work / 'shared.duckdb')!r}) as s:
    n = 0
    for folder in ("03759ned", "83625NED"):
        n += s.commit_import(cbs_odata4.load(str(cbs / folder)), actor=LOCAL).rows_loaded
    n += s.commit_import(cbs_odata3.load(str(cbs / "84799NED")), actor=LOCAL).rows_loaded
result = {{"seconds": time.perf_counter() - t, "observations": n}}""")
    _report(repeat, bare_runs, koers_runs, reimport_runs, shared)


def _report(repeat: int, bare_runs: list[dict], koers_runs: list[dict], reimport_runs: list[dict], shared: dict) -> None:
    bare, koers, reimport = _median_run(bare_runs), _median_run(koers_runs), _median_run(reimport_runs)

    def seconds(runs: list[dict]) -> str:
        return ", ".join(f"{r['seconds']:.2f}" for r in runs)

    print(f"medians of {repeat} runs each (all: bare {seconds(bare_runs)}; koers {seconds(koers_runs)}; "
          f"re-import {seconds(reimport_runs)})")
    print(f"bare DuckDB read_csv:          {bare['seconds']:6.2f} s   peak {bare['peak_mb']:6.0f} MB")
    print(f"koers import file (fresh):     {koers['seconds']:6.2f} s   peak {koers['peak_mb']:6.0f} MB"
          f"   (loaded {koers['loaded']:,}, rejected {koers['rejected']})")
    print(f"  phases: {_phases(koers['marks'])}")
    print(f"koers re-import (unchanged):   {reimport['seconds']:6.2f} s   peak {reimport['peak_mb']:6.0f} MB"
          f"   ({reimport['unchanged']:,} unchanged)")
    print(f"ratio import / bare:           {koers['seconds'] / bare['seconds']:6.2f} x   (target <= 2.0)")
    print(f"ratio re-import / bare:        {reimport['seconds'] / bare['seconds']:6.2f} x")
    print(f"peak memory import:            {koers['peak_mb'] / 1024:6.2f} GB  (target < 1.5)")
    print(f"all shipped CBS data (03759ned, 83625NED, 84799NED incl. districts and neighbourhoods): "
          f"{shared['seconds']:.2f} s for {shared['observations']:,} observations (target < 5 s)")


if __name__ == "__main__":
    main()
