"""How long the demo database takes to build (`koers demo`, and `streamlit run serve.py` on a fresh
clone), per step and in total, against a baseline measured in the same run (machines here are
shared and noisy):

- baseline: bare DuckDB reading every file the demo imports (CSV, Parquet, JSON, GeoJSON) raw into
  a table of a fresh database file, one `CREATE TABLE ... AS SELECT * FROM read_...` per file;
- build: `build_demo` into a fresh file (all imports, the invented example series and targets,
  the learning loop), as `serve.py` runs it;
- with `--serial`, also the build without the read-ahead process (`build_demo(read_ahead=False)`);
- with `--compare PATH`, also the build of another checkout (e.g. `--compare /work/main`, the code
  before a change), run by the same interpreter on the same data.

Each run is its own subprocess (a fresh interpreter, as on a first start; module imports are
timed apart). Runs alternate between the variants, `--repeat` rounds; the medians are printed, with
the CPU seconds (the process and its helper together) beside the wall-clock seconds.

Usage: .venv/bin/python bench/bench_demo_build.py [--repeat 3] [--serial] [--compare /work/main]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PROLOGUE = """import json, resource, sys, time
from pathlib import Path
def cpu():
    own, helpers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + helpers.ru_utime + helpers.ru_stime
"""
_EPILOGUE = "\nprint(json.dumps(result))\n"

_BASELINE = """
import duckdb
started, cpu_started = time.perf_counter(), cpu()
con = duckdb.connect(TARGET)
tables = 0
for number, file in enumerate(FILES):
    suffix = Path(file).suffix.lower()
    reader = ("read_csv(?, all_varchar = true, null_padding = true, ignore_errors = true)" if suffix == ".csv" else
              "read_json(?, maximum_object_size = 67108864)" if suffix in (".json", ".geojson") else "read_parquet(?)")
    try:
        con.execute(f"CREATE TABLE t{number} AS SELECT * FROM {reader}", [file])
    except duckdb.Error:  # a file DuckDB cannot take apart on its own: its bytes, as text
        con.execute(f"CREATE TABLE t{number} AS SELECT content FROM read_text(?)", [file])
    tables += 1
con.execute("CHECKPOINT")
con.close()
result = {"seconds": time.perf_counter() - started, "cpu": cpu() - cpu_started, "files": tables}
"""

_BUILD = """
started = time.perf_counter()
sys.path.insert(0, CODE)
import inspect
from koers.demo.build import build_demo
imported = time.perf_counter()
steps = {}
def progress(step, fraction):
    steps.setdefault(step, time.perf_counter())
options = {"read_ahead": READ_AHEAD} if "read_ahead" in inspect.signature(build_demo).parameters else {}
cpu_started = cpu()
results = build_demo(Path(TARGET), progress=progress, **options)
finished = time.perf_counter()
marks = sorted(steps.items(), key=lambda item: item[1])
durations = {step: (marks[i + 1][1] if i + 1 < len(marks) else finished) - at for i, (step, at) in enumerate(marks)}
durations.pop("done", None)
result = {"seconds": finished - imported, "cpu": cpu() - cpu_started, "import": imported - started, "steps": durations,
          "observations": sum(r.rows_loaded for r in results), "rejected": sum(r.rows_rejected for r in results)}
"""


def _child(code: str, **constants: object) -> dict:
    """Run `code` (which fills a dict `result`) in a fresh interpreter, with `constants` defined."""
    header = "".join(f"{name} = {value!r}\n" for name, value in constants.items())
    done = subprocess.run([sys.executable, "-c", _PROLOGUE + header + code + _EPILOGUE], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def demo_files() -> list[str]:
    """Every file under the paths of `DEMO_SOURCES`, as the importers read them."""
    sys.path.insert(0, str(ROOT))
    from koers.demo.build import DEMO_SOURCES
    from koers.settings import DATA

    files = []
    for _, path, _ in DEMO_SOURCES:
        where = DATA / path
        files += sorted(str(p) for p in where.rglob("*") if p.is_file()) if where.is_dir() else [str(where)]
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="rounds of runs, variants alternating; medians are printed")
    parser.add_argument("--serial", action="store_true", help="also the build without the read-ahead process")
    parser.add_argument("--compare", metavar="PATH", help="also the build of another checkout (the code before a change)")
    args = parser.parse_args()
    variants = {"build": (str(ROOT), True)}
    if args.serial:
        variants["build, serial"] = (str(ROOT), False)
    if args.compare:
        variants[f"build of {args.compare}"] = (str(Path(args.compare).resolve()), True)
    files = demo_files()
    runs: dict[str, list[dict]] = {"baseline": [], **{name: [] for name in variants}}
    with tempfile.TemporaryDirectory(prefix="koers-bench-demo-") as folder:
        for round_ in range(args.repeat):
            target = Path(folder) / f"baseline-{round_}.duckdb"
            runs["baseline"].append(_child(_BASELINE, TARGET=str(target), FILES=files))
            for number, (name, (code, read_ahead)) in enumerate(variants.items()):
                target = Path(folder) / f"build-{round_}-{number}.duckdb"
                runs[name].append(_child(_BUILD, TARGET=str(target), CODE=code, READ_AHEAD=read_ahead))
            print(f"round {round_ + 1}: " + ", ".join(f"{name} {r[-1]['seconds']:.2f} s" for name, r in runs.items()),
                  flush=True)
    report(runs, len(files))


def report(runs: dict[str, list[dict]], files: int) -> None:
    median = {name: statistics.median(r["seconds"] for r in group) for name, group in runs.items()}
    cpu = {name: statistics.median(r["cpu"] for r in group) for name, group in runs.items()}
    builds = [name for name in runs if name != "baseline"]
    steps = list(dict.fromkeys(step for name in builds for r in runs[name] for step in r["steps"]))
    width = max(len(s) for s in steps + builds) + 2
    print(f"\nmedians of {len(runs['baseline'])} runs; seconds wall-clock (CPU seconds of the process and its helper)")
    print("step".ljust(width) + "".join(name[:24].rjust(26) for name in builds))
    for step in steps:
        cells = [statistics.median(r["steps"].get(step, 0.0) for r in runs[name]) for name in builds]
        print(step.ljust(width) + "".join(f"{cell:26.2f}" for cell in cells))
    print("module imports".ljust(width) + "".join(f"{statistics.median(r['import'] for r in runs[n]):26.2f}" for n in builds))
    print("total build".ljust(width) + "".join(f"{median[n]:17.2f} ({cpu[n]:5.2f})" for n in builds))
    print(f"\nbaseline, bare DuckDB reading the {files} files raw: {median['baseline']:.2f} s ({cpu['baseline']:.2f} CPU s)")
    for name in builds:
        first = runs[name][0]
        print(f"{name}: {median[name]:.2f} s = {median[name] / median['baseline']:.1f} x the baseline "
              f"(CPU {cpu[name] / cpu['baseline']:.1f} x); {first['observations']:,} observations, "
              f"{first['rejected']} rejected rows")


if __name__ == "__main__":
    main()
