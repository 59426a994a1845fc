"""Readers during imports: how long a reader waits to open the database while imports run back to back.

Issue 13 measured readers of the `kpi` command waiting up to 9.4 s while revision imports ran back
to back: DuckDB allows one writing process or many readers, never both. With published versions
(`KOERS_SNAPSHOTS`) readers open the newest published file, which nobody writes.

Setup: a copy of the demo database as the working file; an importer process runs `koers import file`
of a generated file (342 municipalities x 60 indicators x 10 years, new values each round, so
every row is a revision) `--imports` times back to back; `--readers` reader processes meanwhile open
the database read-only and read one municipality's figures, again and again, each opening timed.

Three runs, in this order:
- baseline: the readers with no import running (published versions) — the cost of an opening;
- working file: readers open the working file itself, as without published versions (they wait
  for each import's lock; up to 60 s each);
- published: readers open the newest published version (`KOERS_SNAPSHOTS`).

Prints per run: openings, median / p95 / longest opening, and the ratio of the longest to the
baseline's median. Target (issue 13): no reader waits over 0.2 s during an import with published versions.

Usage: PYTHONPATH=. .venv/bin/python bench/bench_readers.py [--readers 3] [--imports 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_READER = """
import json, os, sys, time
sys.path.insert(0, {root!r})
from koers.store import Store
db, until, out, stop = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
waits = []
while time.time() < until and not os.path.exists(stop):
    started = time.perf_counter()
    with Store.open(db, read_only=True, wait_seconds=60) as store:
        opened = time.perf_counter() - started
        store.observations("population", "GM0363")
    waits.append(opened)
    time.sleep(0.02)
json.dump({{"waits": waits}}, open(out, "w"))
"""


def _generate(path: Path, db: Path, round_no: int) -> int:
    import numpy as np

    from koers.store import Store

    with Store.open(db, read_only=True) as store:
        import datetime as dt

        regions = store.regions(on=dt.date(2025, 1, 1))["code"].tolist()
    rng = np.random.default_rng(round_no)
    lines = ["indicator;gemeentecode;jaar;waarde"]
    for i in range(60):
        values = rng.normal(100, 15, size=(len(regions), 10))
        for r, code in enumerate(regions):
            lines += [f"bench_reader_{i:02d};{code};{2015 + y};{values[r, y]:.3f}".replace(".", ",") for y in range(10)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--imports", type=int, default=3)
    args = parser.parse_args()
    from koers.demo.build import build_demo
    from koers.settings import DEFAULT_DB

    with tempfile.TemporaryDirectory(prefix="bench_readers_") as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "koers.duckdb"
        if not DEFAULT_DB.exists():
            build_demo(DEFAULT_DB)
        shutil.copy(DEFAULT_DB, db)
        files = []
        for n in range(args.imports):
            files.append(tmp / f"round{n}.csv")
            rows = _generate(files[-1], db, n)
        published = {"KOERS_DB": str(db), "KOERS_SNAPSHOTS": str(tmp / "published")}
        subprocess.run([sys.executable, "-m", "koers", "--db", str(db), "publish"], env={**os.environ, **published},
                       cwd=ROOT, check=True, capture_output=True)
        print(f"{args.readers} readers; {args.imports} imports of {rows:,} rows each (every row a revision after the first)")
        results = [_timed("baseline: no import running", db, published, [], args, tmp, seconds=6),
                   _timed("working file (no published versions)", db, {"KOERS_DB": str(db)}, files, args, tmp),
                   _timed("published versions", db, published, files, args, tmp)]
        base = statistics.median(results[0]["waits"])
        for result in results:
            waits = sorted(result["waits"])
            p95 = waits[math.ceil(0.95 * len(waits)) - 1]  # nearest rank
            imports = ", ".join(f"{t:.1f}" for t in result["imports"]) or "-"
            verdict = ""
            if result["label"].startswith("published"):
                verdict = f"   target longest <= 0.20 s: {'ok' if waits[-1] <= 0.2 else 'MISSED'}"
            print(f"  {result['label']:<40} openings {len(waits):>5}   median {statistics.median(waits):6.3f} s   "
                  f"p95 {p95:6.3f} s   longest {waits[-1]:6.3f} s ({waits[-1] / base:6.1f}x baseline median)"
                  f"   imports (s): {imports}{verdict}")
        print(f"machine: {os.cpu_count()} CPUs, load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _timed(label: str, db: Path, env: dict, files: list[Path], args, tmp: Path, seconds: float | None = None) -> dict:
    """Readers run until the imports are done (a stop file they watch), or `seconds` without imports."""
    import_times: list[float] = []
    outs = [tmp / f"{label[:8].strip()}-{i}-{time.time_ns()}.json" for i in range(args.readers)]
    until = time.time() + (seconds if seconds else 3600)
    stop = tmp / f"stop-{time.time_ns()}"
    procs = [subprocess.Popen([sys.executable, "-c", _READER.format(root=str(ROOT)), str(db), str(until), str(out), str(stop)],
                              env={**os.environ, **env}, cwd=ROOT) for out in outs]
    time.sleep(1.5)  # the readers are up and reading before the first import
    for file in files:
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "koers", "--db", str(db), "--wait", "300", "import", "file", str(file),
                               "--source-name", "bench"], env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            stop.touch()
            raise SystemExit(done.stderr)
        import_times.append(time.perf_counter() - began)
    if files:
        stop.touch()
    for proc in procs:
        proc.wait()
    return {"label": label, "waits": [w for out in outs if out.exists() for w in json.loads(out.read_text())["waits"]],
            "imports": import_times}


if __name__ == "__main__":
    main()
