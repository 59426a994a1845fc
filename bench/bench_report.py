"""Report speed: a council review report of 30 KPIs as PDF (`koers.loop.report.build_pdf`).

On a fresh demo database (in a temporary folder) a review session of Amsterdam 2024 is made with
30 KPIs that each have a chart. Measured:

- Koers: `build_pdf` of that session, end to end (read the snapshot, start Chromium, draw 30 charts
  with kaleido, lay out with weasyprint). Target < 15 s.
- baseline 1, layout only: weasyprint turning the same report's HTML, charts already drawn, into
  a PDF (`html_to_pdf`): what the report costs without any chart.
- baseline 2, stock kaleido: 30 bare line charts of the same size drawn in one stock
  `kaleido.Kaleido` session (which reloads its page after every chart) — what the charts would cost
  with kaleido used as documented, in a batch.
- baseline 3, one browser per chart: `kaleido.calc_fig_sync` for each chart, as a naive loop would
  do; timed on 3 charts and scaled to 30 (30 real ones would take a minute).

These machines are noisy, so every figure is printed with the baselines measured in the same run
and the ratios. Rounds alternate Koers and the baselines; the best of each is kept.

Usage: .venv/bin/python bench/bench_report.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from koers.loop import report, review  # noqa: E402
from koers.access import LOCAL  # noqa: E402
from koers.demo.build import build_demo  # noqa: E402
from koers.kpis.library import load_library  # noqa: E402
from koers.store import Store  # noqa: E402

KPIS = 30
TARGET_SECONDS = 15.0


def thirty_kpi_session(store: Store, library) -> int:
    """A session of the first 30 KPIs (in report order) whose frozen series has a figure."""
    frame = review.snapshot(store, library, "GM0363", 2024)
    drawn = frame[[any(v is not None for v in json.loads(s).values()) for s in frame["series"]]]
    chosen = drawn.sort_values(["theme", "kpi_id"]).head(KPIS).reset_index(drop=True)
    assert len(chosen) == KPIS, f"the demo has only {len(chosen)} KPIs with a series"
    return store.create_review({"region_code": "GM0363", "year": 2024, "reference_date": dt.date(2025, 4, 1),
                                "title": "Benchmark: 30 KPI's", "stage": "check", "previous_id": None}, chosen, LOCAL)


def bare_figures(n: int) -> list[dict]:
    width, height = report.CHART_SIZE
    return [{"data": [{"type": "scatter", "x": [str(y) for y in range(2015, 2026)],
                       "y": [i + (y % 4) for y in range(11)], "mode": "lines+markers"}],
             "layout": {"width": width, "height": height, "template": report._template()}} for i in range(n)]


def stock_kaleido(figures: list[dict]) -> None:
    import kaleido

    width, height = report.CHART_SIZE

    async def draw() -> None:
        async with kaleido.Kaleido(n=1, path=report.chromium_path(), mathjax=False) as browser:
            for figure in figures:
                await browser.calc_fig(figure, opts={"format": "svg", "width": width, "height": height})

    asyncio.run(draw())


def one_browser_per_chart(figures: list[dict]) -> None:
    import kaleido

    width, height = report.CHART_SIZE
    for figure in figures:
        kaleido.calc_fig_sync(figure, opts={"format": "svg", "width": width, "height": height},
                              kopts={"path": report.chromium_path(), "mathjax": False})


def timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="koers-bench-report-"))
    db = work / "demo.duckdb"
    seconds, _ = timed(lambda: build_demo(db))
    print(f"demo database built in {seconds:.1f} s ({work})")
    with Store.open(db) as store:
        library = load_library(None, store.known_indicator_ids())
        session_id = thirty_kpi_session(store, library)
    print(f"session {session_id}: {KPIS} KPIs, each with a chart; Chromium: {report.chromium_path()}")

    with Store.open(db, read_only=True) as store:
        context, charts = report._gather(store, library, session_id, "nl")
        report._draw(charts, report._nothing, 0.0, 1.0, "nl")  # the charts of baseline 1, drawn once
        html = report._html(context, pdf=True)
        bare = bare_figures(KPIS)
        ours, layout, stock, naive = [], [], [], []
        made: report.PdfReport | None = None
        for _ in range(args.repeat):
            seconds, made = timed(lambda: report.make_pdf(store, library, session_id, "nl", LOCAL))
            ours.append(seconds)
            layout.append(timed(lambda: report.html_to_pdf(html))[0])
            stock.append(timed(lambda: stock_kaleido(bare))[0])
        naive.append(timed(lambda: one_browser_per_chart(bare[:3]))[0] / 3 * KPIS)

    koers, weasy, kaleido_stock, kaleido_naive = min(ours), min(layout), min(stock), min(naive)
    assert made is not None
    print(f"\nreport of {KPIS} KPIs as PDF: {made.pages} pages, {len(made.data) / 1000:,.0f} kB")
    print(f"  Koers build_pdf, end to end:              {koers:6.2f} s   (target < {TARGET_SECONDS:.0f} s: "
          f"{'met' if koers < TARGET_SECONDS else 'NOT MET'})")
    print(f"  baseline 1, weasyprint only (charts made): {weasy:6.2f} s   ratio {koers / weasy:5.2f} x")
    print(f"  baseline 2, stock kaleido, 30 bare charts: {kaleido_stock:6.2f} s   ratio {koers / kaleido_stock:5.2f} x")
    print(f"  baseline 1 + 2 (layout + stock charts):    {weasy + kaleido_stock:6.2f} s   ratio {koers / (weasy + kaleido_stock):5.2f} x")
    print(f"  baseline 3, a browser per chart (3 -> 30): {kaleido_naive:6.2f} s   ratio {koers / kaleido_naive:5.2f} x")
    print(f"  charts and the rest (Koers - baseline 1):  {koers - weasy:6.2f} s")
    print(f"\n(best of {args.repeat} rounds; baseline 3 measured once)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
