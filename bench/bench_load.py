"""Load: N dashboard sessions at once, on one replica and on two behind a round-robin proxy, with
shared state on PostgreSQL and published read versions, while an import publishes a new version
and advisors write annotations.

Setup (all on loopback, all thrown away afterwards): a throwaway PostgreSQL cluster
(`tests.pg_cluster`), a copy of the demo database as the working file with its published versions
(`KOERS_SNAPSHOTS`), one or two `streamlit run serve.py` replicas sharing both, and for two replicas
a TCP round-robin proxy in front (each connection to the next replica; a session's WebSocket stays
on the replica it reached — the sticky session a real balancer gives by cookie).

Per configuration (N sessions x replicas): N browser contexts in one Chromium (Debian's) open
Overzicht (Amsterdam 2024); once all show it, every session changes municipality `--changes`
times (each session its own order of municipalities). Meanwhile `koers import file` writes the
working file and publishes a new version, and a writer saves an annotation every 0.25 s through
the engine (as the Leren page does) to PostgreSQL.

Reported per configuration: p50 / p95 / longest of "Enter on the municipality typed until the whole page
is redrawn" (the script run ended, with the new title), the ratio of p50 to the single session's
p50 on one replica (the baseline of this run), server memory per session (the replicas' resident
memory with all sessions open, minus before, divided by N), and the checks: every annotation written
read back, no page showing an error ("in gebruik" / "in use").

Usage: PYTHONPATH=. .venv/bin/python bench/bench_load.py [--sessions 1,10,30] [--changes 3]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_dashboard import REDRAWN_JS  # noqa: E402 - the same end point as issue 12's
from tests.e2e.conftest import APP_IDLE, CHROMIUM, LAUNCH_ARGS, free_port, start_dashboard, stop_dashboard  # noqa: E402
from tests.pg_cluster import Cluster  # noqa: E402

NAMES = ["Utrecht (gemeente)", "Groningen (gemeente)", "Zwolle", "Delft", "Leiden", "Tilburg", "Enschede", "Arnhem",
         "Breda", "Almere", "Nijmegen", "Apeldoorn", "Haarlem", "Amersfoort", "Maastricht", "Dordrecht"]
ERROR_WORDS = ("in gebruik", "in use", "Traceback")
# The choice is made with Enter on the filtered list (the first option is the name typed): thirty
# pages share one browser, and a page in the background does not draw a dropdown's options.
CHOSEN_JS = """() => document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') window.__benchClick = performance.now();
}, true)"""
# Thirty pages in one browser: none of them may be throttled as a background tab.
# /dev/shm of a container is small: thirty renderers share memory through /tmp instead.
BROWSER_ARGS = [*LAUNCH_ARGS, "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows", "--disable-dev-shm-usage"]


# --- a round-robin TCP proxy on loopback ----------------------------------------------------------

class RoundRobinProxy:
    """Each new connection goes to the next replica; bytes are passed on unchanged both ways."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = itertools.cycle(ports)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.ready = threading.Event()
        self.thread.start()
        self.ready.wait(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
        self.ready.set()
        self.loop.run_forever()

    async def _handle(self, reader, writer) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", next(self.ports))
        except OSError:
            writer.close()
            return

        async def pipe(source, target) -> None:
            try:
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                target.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)


# --- the sessions -----------------------------------------------------------------------------

async def _session(browser, url: str, names: list[str], loaded: asyncio.Event, count: list[int], n: int) -> dict:
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(600_000)  # thirty pages on two cores: a click may wait its turn
    try:
        page = await context.new_page()
        await page.goto(url + "/", wait_until="commit", timeout=600_000)  # thirty pages load at once on two cores
        await expect(page.get_by_role("heading", level=1)).to_have_text("Overzicht Amsterdam 2024", timeout=300_000)
        await page.locator(APP_IDLE).wait_for(state="attached", timeout=300_000)
        await page.evaluate(CHOSEN_JS)
        count[0] += 1
        if count[0] == n:
            loaded.set()
        await loaded.wait()
        selector = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Gemeente")
        times, errors = [], 0
        for name in names:
            await page.locator(APP_IDLE).wait_for(state="attached", timeout=300_000)
            await selector.click()
            await selector.fill(name)
            await selector.press("Enter")
            try:
                done = await page.wait_for_function(REDRAWN_JS, arg=f"Overzicht {name} 2024", polling=20,
                                                    timeout=300_000)
            except Exception:
                await page.screenshot(path=f"/tmp/bench_load_stuck_{n}_{name[:6]}.png")
                raise
            clicked = await page.evaluate("window.__benchClick")
            times.append((await done.json_value() - clicked) / 1000)
            text = await page.locator("[data-testid='stMain']").inner_text()
            errors += any(word in text for word in ERROR_WORDS)
        return {"times": times, "errors": errors}
    finally:
        await context.close()


async def _sessions(url: str, n: int, changes: int, during) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            loaded, count = asyncio.Event(), [0]
            plans = [[NAMES[(i * 3 + k) % len(NAMES)] for k in range(changes)] for i in range(n)]
            tasks = [asyncio.create_task(_session(browser, url, plans[i], loaded, count, n)) for i in range(n)]
            waiting = asyncio.create_task(loaded.wait())
            await asyncio.wait([waiting, *tasks], return_when=asyncio.FIRST_COMPLETED)
            failed = [task for task in tasks if task.done() and task.exception()]
            if failed:  # a session that could not even open the page: no barrier to wait for
                waiting.cancel()
                raise failed[0].exception()
            await asyncio.to_thread(during)  # the import and the writers start with the changes
            return await asyncio.gather(*tasks)
        finally:
            await browser.close()


# --- what runs meanwhile ----------------------------------------------------------------------

class Writers:
    """An advisor saving an annotation every 0.25 s through the engine (to PostgreSQL)."""

    def __init__(self, db: Path) -> None:
        self.db, self.saved, self.failed = db, [], []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from koers.access import Actor, Role
        from koers.kpis.library import load_library
        from koers.loop import learning
        from koers.store import Store

        advisor = Actor("bench@gemeente.nl", "Bench Adviseur", Role.advisor)
        with Store.open(self.db, read_only=True) as store:
            library = load_library(None, store.known_indicator_ids())
        n = 0
        while not self.stop.is_set():
            n += 1
            text = f"bench annotation {n} {time.time_ns()}"
            try:
                with Store.open(self.db, people_only=True, wait_seconds=30) as store:
                    learning.save_annotation(store, library, advisor, {"kpi_id": "population_growth", "region_code": "GM0363",
                                                                       "period": "2024", "kind": "explanation", "text": text})
                self.saved.append(text)
            except Exception as error:  # noqa: BLE001 - counted and reported
                self.failed.append(f"{type(error).__name__}: {error}")
            self.stop.wait(0.25)

    def read_back(self) -> int:
        from koers.store import Store

        with Store.open(self.db, read_only=True) as store:
            texts = set(store.records("annotation", region_code="GM0363")["text"])
        return sum(text in texts for text in self.saved)


def _rss_mb(processes) -> float:
    import psutil

    total = 0
    for process in processes:
        proc = psutil.Process(process.pid)
        total += sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    return total / 2**20


def _import_file(path: Path, round_no: int) -> None:
    """Twenty own indicators for Amsterdam, ten years each: a small import that publishes a version."""
    import numpy as np

    rng = np.random.default_rng(round_no)
    lines = ["indicator;gemeentecode;jaar;waarde"] + [
        f"bench_load_{i:02d};GM0363;{2015 + y};{rng.normal(100, 15):.3f}".replace(".", ",") for i in range(20) for y in range(10)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_configuration(n: int, replicas: int, changes: int, env: dict, db: Path, tmp: Path) -> dict:
    dashboards = []
    proxy = None
    try:
        for r in range(replicas):
            dashboards.append(start_dashboard(db, tmp / f"replica{r}-{n}.log", env=env))
        url = dashboards[0].url
        if replicas > 1:
            proxy = RoundRobinProxy([int(d.url.rsplit(":", 1)[1]) for d in dashboards])
            url = f"http://127.0.0.1:{proxy.port}"
        idle = _rss_mb([d.process for d in dashboards])
        writers = Writers(db)
        imported = {}
        memory = {}

        def during() -> None:
            memory["all_open"] = _rss_mb([d.process for d in dashboards])
            writers.thread.start()
            own = tmp / f"import-{n}-{replicas}.csv"
            _import_file(own, n * 10 + replicas)

            def run_import() -> None:
                began = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "koers", "--db", str(db), "import", "file", str(own),
                                       "--source-name", "bench"], env={**os.environ, **env}, cwd=ROOT,
                                      capture_output=True, text=True)
                imported.update(seconds=time.perf_counter() - began, ok=done.returncode == 0, err=done.stderr[-500:])

            imported["thread"] = threading.Thread(target=run_import, daemon=True)
            imported["thread"].start()

        results = asyncio.run(_sessions(url, n, changes, during))
        imported["thread"].join(300)
        writers.stop.set()
        writers.thread.join(30)
        times = sorted(t for r in results for t in r["times"])
        return {"n": n, "replicas": replicas, "times": times, "errors": sum(r["errors"] for r in results),
                "memory_per_session": (memory["all_open"] - idle) / n, "written": len(writers.saved),
                "read_back": writers.read_back(), "write_failures": writers.failed, "import": imported}
    finally:
        if proxy:
            proxy.close()
        for dashboard in dashboards:
            stop_dashboard(dashboard)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="1,10,30", help="comma-separated session counts")
    parser.add_argument("--changes", type=int, default=3, help="municipality changes per session")
    parser.add_argument("--replicas", default="1,2", help="comma-separated replica counts")
    args = parser.parse_args()
    from koers.demo.build import build_demo
    from koers.settings import DEFAULT_DB

    cluster = Cluster()
    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp_name:
        tmp = Path(tmp_name)
        try:
            url = cluster.start()
            db = tmp / "koers.duckdb"
            if not DEFAULT_DB.exists():
                build_demo(DEFAULT_DB)
            shutil.copy(DEFAULT_DB, db)
            env = {"KOERS_DB": str(db), "KOERS_SNAPSHOTS": str(tmp / "published"), "KOERS_DATABASE_URL": url}
            os.environ.update(env)  # this process's writers and reads too
            subprocess.run([sys.executable, "-m", "koers", "--db", str(db), "publish"], env={**os.environ}, cwd=ROOT,
                           check=True, capture_output=True)
            print(f"{args.changes} municipality changes per session; Overzicht; import + annotation writer running meanwhile")
            rows = []
            for replicas in [int(r) for r in args.replicas.split(",")]:
                for n in [int(s) for s in args.sessions.split(",")]:
                    row = run_configuration(n, replicas, args.changes, env, db, tmp)
                    rows.append(row)
                    base = statistics.median(rows[0]["times"])
                    times = row["times"]
                    p95 = times[math.ceil(0.95 * len(times)) - 1]  # nearest rank
                    imp = row["import"]
                    print(f"  {replicas} replica{'s' if replicas > 1 else ' '} {n:>3} sessions   "
                          f"p50 {statistics.median(times):6.2f} s ({statistics.median(times) / base:5.1f}x)   p95 {p95:6.2f} s   "
                          f"longest {times[-1]:6.2f} s   memory/session {row['memory_per_session']:6.1f} MB   "
                          f"annotations {row['read_back']}/{row['written']} read back   page errors {row['errors']}   "
                          f"import {imp.get('seconds', 0):.1f} s {'ok' if imp.get('ok') else 'FAILED ' + imp.get('err', '')}"
                          + (f"   write failures: {row['write_failures'][:2]}" if row["write_failures"] else ""), flush=True)
            print(f"machine: {os.cpu_count()} CPUs, load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
