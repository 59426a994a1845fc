"""The demo database: every real file shipped in `data/` (CBS StatLine in its OData4, OData3,
Parquet and CSV forms, the KWB with each year's boundaries, the CBS region memberships, the police's
crime counts, the wmo-jads extract and the Kiesraad's official Tweede Kamer results), then invented
example series only for the KPI inputs that none of them feeds (`koers.demo.examples`).

Built in a temporary file next to the target and moved into place at the end, so a dashboard
starting meanwhile never sees half a database.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from koers.access import Actor, Role
from koers.progress import Progress, no_progress
from koers.settings import DATA
from koers.sources import (cbs_odata3, cbs_odata4, gebieden, kiesraad, kwb_geojson, statline_csv,
                           wmo_jads)
from koers.sources.source import ImportBatch
from koers.store import ImportResult, Store

# Who imports the demo's CBS data: the installation itself, named so in the audit trail (never
# the local user of a dashboard, who may be someone else by the time anyone reads the trail).
DEMO_BUILDER = Actor("demo", "Demodatabase (opbouw)", Role.admin)

# (what the progress bar says, path under data/, how to read it). 03759ned comes first: it brings
# the region registry against which the store checks every later import's municipalities. Among
# sources of one quantity the catalogue's precedence decides, not this order.
_MUNICIPAL = ("NL", "PV", "GM")
# 84799NED (2020) also for its districts ("WK", as the importer names the level by the code's prefix):
# with 85984NED and the 2024 district layer of kwb-pdok, the district view compares 2020 and 2024.
# Neighbourhoods ("BU", 13,808 rows) stay out: no page shows them.
_WITH_DISTRICTS = _MUNICIPAL + ("WK",)
DEMO_SOURCES: list[tuple[str, str, Callable[[Path, Progress], ImportBatch]]] = [
    ("CBS 03759ned bevolking", "cbs/03759ned", lambda p, pr: cbs_odata4.load(str(p), progress=pr)),
    ("CBS 83625NED woningwaarde", "cbs/83625NED", lambda p, pr: cbs_odata4.load(str(p), progress=pr)),
    ("CBS 84799NED kerncijfers wijken en buurten 2020", "cbs/84799NED",
     lambda p, pr: cbs_odata3.load(str(p), levels=_WITH_DISTRICTS, progress=pr)),
    ("CBS 70072ned regionale kerncijfers", "cbs/70072ned-v4", lambda p, pr: cbs_odata4.load(str(p), progress=pr)),
    ("CBS gebieden (regio-indelingen)", "cbs/gebieden", lambda p, pr: gebieden.load(p, pr)),
    ("KWB 2012-2024 met grenzen", "kwb-pdok", lambda p, pr: kwb_geojson.load(p, pr)),
    ("CBS 70072ned 2015 (v3 CSV)", "cbs/70072ned-2015/70072ned_UntypedDataSet_06062018_000805.csv",
     lambda p, pr: cbs_odata3.load(str(p), levels=_MUNICIPAL, progress=pr)),
    ("CBS 83648NED misdrijven 2015 (v3 CSV)", "cbs/83648NED-2015/83648NED_UntypedDataSet_17052018_141347.csv",
     lambda p, pr: cbs_odata3.load(str(p), levels=("NL", "GM"), progress=pr)),
    ("CBS 85984NED kerncijfers wijken en buurten 2024", "cbs/85984NED",
     lambda p, pr: cbs_odata3.load(str(p), progress=pr)),
    ("Politie 47013NED misdrijven 2022-2023", "politie/47013NED/misdrijven_2022_2023.csv",
     lambda p, pr: statline_csv.load(p, "47013NED")),
    ("Politie 47013NED misdrijven 2024", "politie/47013NED/Misdrijven_2024.csv",
     lambda p, pr: statline_csv.load(p, "47013NED")),
    ("Wmo, afval en heffingen 2017-2019 (wmo-jads)", "cbs/gemeente-2017-2019-wmo-jads/"
     "df_get_data_WMO_WIJK_HUISHOUDENS_BEVOLKING_HEFFING_202104241837_train_and_predict_new.parquet.gzip",
     lambda p, pr: wmo_jads.load(p)),
    ("Kiesraad Tweede Kamer 2017, 2021, 2023", "kiesraad", lambda p, pr: kiesraad.load(p, pr)),
]


class ReadAhead:
    """The sources' files read in a second process while this one commits the ones before them.

    Reading (parsing JSON, CSV and Parquet into an `ImportBatch`) and committing (DuckDB) take about
    as long each, so on two cores the imports take about half as long. The helper reads the
    sources `indexes` of `DEMO_SOURCES` in that order and writes each batch to its standard output
    as a pickle; a thread here takes them off the pipe as they come, so the helper never waits.
    The commits stay in this process, in `DEMO_SOURCES` order. Anything going wrong in the helper
    (it cannot start, a file it cannot read, it dies) leaves `take` returning None from then on,
    and the caller reads the file itself: a problem is reported as without the helper.
    """

    def __init__(self, data_dir: Path, indexes: list[int]) -> None:
        self.indexes = list(indexes)
        self.batches: queue.Queue[tuple[int, ImportBatch] | None] = queue.Queue()
        self.broken = not self.indexes
        self.process: subprocess.Popen | None = None
        if self.broken:
            return
        root = str(Path(__file__).resolve().parents[2])  # the folder holding the `koers` package
        environment = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "import sys; from koers.demo.build import read_sources; "
                                       "read_sources(sys.argv[1], sys.argv[2:])", str(data_dir),
                 *map(str, self.indexes)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=environment)
        except OSError:
            self.broken = True
            return
        threading.Thread(target=self._drain, args=(self.process.stdout,), name="koers-demo-read-ahead",
                         daemon=True).start()

    def _drain(self, pipe) -> None:
        try:
            for _ in self.indexes:
                self.batches.put(pickle.load(pipe))
        except Exception:  # the helper died or wrote something else: the caller reads from here on
            pass
        self.batches.put(None)

    def take(self, index: int) -> ImportBatch | None:
        """The batch of source `index` when the helper read it, else None (read it yourself)."""
        if self.broken or index not in self.indexes:
            return None
        item = self.batches.get()
        if item is None or item[0] != index or not isinstance(item[1], ImportBatch):
            self.broken = True
            return None
        return item[1]

    def close(self) -> None:
        process, self.process, self.broken = self.process, None, True
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
            process.stdout.close()


def read_sources(data_dir: str, indexes: list[str]) -> None:
    """The helper process of `ReadAhead`: read the sources `indexes` and pickle each batch, in
    order, to standard output; at the first problem it stops (the build then reads that file
    itself and reports the problem as usual)."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the pipe
    for index in map(int, indexes):
        _, path, read = DEMO_SOURCES[index]
        try:
            batch = read(Path(data_dir) / path, no_progress)
        except Exception:
            return
        pickle.dump((index, batch), out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()


def publish_if_configured(target: Path) -> None:
    """With published versions (`KOERS_SNAPSHOTS`), the new demo file becomes the newest version."""
    from koers.store import snapshots

    folder = snapshots.folder_for(target)
    if folder:
        snapshots.publish(target, folder)


def build_demo(target: Path, data_dir: Path = DATA, progress: Progress = no_progress,
               loop_examples: bool = True, read_ahead: bool = True) -> list[ImportResult]:
    """Build the demo database at `target`. `loop_examples`: also the invented learning loop for
    Amsterdam (`koers.demo.loop`); the tests' demo leaves it out and adds it where it is tested.
    `read_ahead`: read the files of all sources but the first two in a second process (`ReadAhead`)
    while this one commits; the database is the same either way."""
    target = Path(target)
    temporary = target.with_name(target.name + ".tmp")
    for leftover in (temporary, Path(str(temporary) + ".wal")):
        leftover.unlink(missing_ok=True)
    results = []
    steps = len(DEMO_SOURCES) + 2
    # The first two sources (small, quickly read) are read here while the helper starts; the first
    # brings the region registry, so it is committed first anyway.
    reader = ReadAhead(data_dir, list(range(2, len(DEMO_SOURCES))) if read_ahead else [])
    try:
        with Store.open(temporary) as store:
            for step, (label, path, read) in enumerate(DEMO_SOURCES):
                def sub(message: str, fraction: float, step: int = step, label: str = label) -> None:
                    progress(label, (step + max(0.0, min(fraction, 1.0)) * 0.9) / steps)

                progress(label, step / steps)
                batch = reader.take(step)
                if batch is None:
                    batch = read(data_dir / path, sub)
                results.append(store.commit_import(batch, actor=DEMO_BUILDER))
            reader.close()  # before the examples: its process is done, and the core is theirs
            # Invented series for the KPI inputs no shipped file feeds, and example targets.
            from koers.demo.examples import add_examples
            from koers.kpis.library import load_library

            progress("voorbeelddata", len(DEMO_SOURCES) / steps)
            library = load_library()
            # With the learning loop, every KPI is evaluated once (after the example series) for the
            # example targets and both review sessions' snapshots.
            evaluation: dict | None = {} if loop_examples else None
            add_examples(store, library, evaluation)
            if loop_examples:
                from koers.demo.loop import add_loop_examples

                progress("voorbeelden leercyclus", (len(DEMO_SOURCES) + 1) / steps)
                add_loop_examples(store, library, results=evaluation["results"])
            # Every KPI evaluated once more, as the dashboard's library and with today's division,
            # and kept in the file: a fresh dashboard reads its first page's rows (`evaluate.keep`).
            from koers.kpis import own
            from koers.kpis.evaluate import keep

            progress("KPI's berekenen", (len(DEMO_SOURCES) + 1.5) / steps)
            keep(store, load_library(own.at(), store.known_indicator_ids()))
            store.checkpoint()
    finally:
        reader.close()
    os.replace(temporary, target)
    Path(str(target) + ".wal").unlink(missing_ok=True)
    publish_if_configured(target)
    progress("done", 1.0)
    return results
