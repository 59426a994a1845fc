"""Charts as images: plotly figures drawn by kaleido in Debian's Chromium, for the review reports.

All figures of a report are drawn in one browser session (a browser start costs ~1.5 s; one per
chart would make a 30-KPI report take a minute). kaleido drives Chromium (`/usr/bin/chromium`, or
`KOERS_CHROMIUM` / `BROWSER_PATH`) headless without sandbox and loads plotly.js from the installed
plotly package: nothing is fetched from the network. A browser that fails is one `KoersError`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from koers import i18n
from koers.errors import KoersError

log = logging.getLogger("koers.loop.report")
log.addHandler(logging.NullHandler())  # details reach a log only where the application configured one

Progress = Callable[[str, float], None]

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHART_SIZE = (640, 240)  # px: drawn at this size, shown ~110 mm wide in the PDF
CHART_TIMEOUT = 60.0  # s per chart; a healthy render takes ~0.15 s


def _nothing(step: str, fraction: float) -> None:
    pass


def chromium_path() -> str | None:
    """The browser kaleido drives: KOERS_CHROMIUM, else BROWSER_PATH, else Debian's Chromium;
    None lets choreographer search."""
    for candidate in (os.environ.get("KOERS_CHROMIUM"), os.environ.get("BROWSER_PATH"), DEFAULT_CHROMIUM):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _run(factory: Callable[[Progress], Coroutine[Any, Any, Any]], progress: Progress) -> Any:
    """Run `factory(progress)` to completion from synchronous code. When this thread already runs
    an event loop (a notebook, an async server) the coroutine gets a thread of its own, and its
    progress calls are handed back to this thread: a caller's progress widget (Streamlit) may
    only be updated from the caller's thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory(progress))
    steps: queue.Queue[tuple[str, float]] = queue.Queue()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = asyncio.run(factory(lambda step, fraction: steps.put((step, fraction))))
        except BaseException as error:  # noqa: BLE001 - handed back to the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=work, name="koers-report-charts", daemon=True)
    thread.start()
    while thread.is_alive() or not steps.empty():
        try:
            progress(*steps.get(timeout=0.1))
        except queue.Empty:
            pass
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


RELOAD_EVERY = 25  # charts drawn in one page before it is reloaded


def _renderer_class():
    """kaleido's browser, reloading its page every RELOAD_EVERY charts instead of after each.

    kaleido 1.5 reloads the page (and so re-parses the 4.6 MB plotly.js) after every image:
    ~0.15 s of the ~0.18 s a chart costs. Each image is drawn from its own spec into a fresh
    plot, so skipping the reload gives the same SVG (checked: same elements and attributes);
    reloading now and then keeps the page's memory bounded. Uses kaleido's tab queue
    (`tabs_ready`, documented) and `_return_kaleido_tab`; requirements pin kaleido to 1.5.x."""
    import kaleido

    class Renderer(kaleido.Kaleido):
        drawn = 0

        async def _return_kaleido_tab(self, tab) -> None:  # noqa: ANN001 - kaleido's private tab type
            self.drawn += 1
            if self.drawn % RELOAD_EVERY == 0:
                await super()._return_kaleido_tab(tab)
            else:
                await self.tabs_ready.put(tab)

    return Renderer


def render_charts(figures: list[dict], image_format: str = "svg", progress: Progress = _nothing,
                  lang: str = "nl") -> list[bytes]:
    """Images of plotly figures (plain JSON or plotly objects), all drawn in one kaleido
    (Chromium) session, in order. `progress` gets each chart's step and fraction (0..1)."""
    if not figures:
        return []
    import plotly

    # kaleido and choreographer log browser trouble as warnings; without a handler of their own
    # Python prints those on stderr. The one line a user sees is our KoersError.
    for name in ("kaleido", "choreographer"):
        if not logging.getLogger(name).handlers:
            logging.getLogger(name).addHandler(logging.NullHandler())

    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    width, height = CHART_SIZE
    opts = {"format": image_format, "width": width, "height": height, "scale": 1 if image_format == "svg" else 2}

    async def draw(progress: Progress) -> list[bytes]:
        images: list[bytes] = []
        # One tab: two would not help on a shared 2-core machine (measured), and keep order simple.
        async with _renderer_class()(n=1, timeout=CHART_TIMEOUT, path=chromium_path(), headless=True,
                                     plotlyjs=str(plotly_js) if plotly_js.is_file() else None,
                                     mathjax=False) as browser:
            for number, figure in enumerate(figures, 1):
                images.append(await browser.calc_fig(figure, opts=opts))
                progress(i18n.text(lang, "report.progress_chart", n=number, total=len(figures)), number / len(figures))
        return images

    try:
        return _run(draw, progress)
    except Exception as error:  # noqa: BLE001 - browser start, crash or timeout: one line for the user
        log.error("chart rendering failed", exc_info=True)
        first = error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
        reason = f"{type(error).__name__}: {first.splitlines()[0][:160] if first else ''}".strip()
        browser = chromium_path() or "?"
        raise KoersError("report.chart_failed", reason=reason, browser=browser) from None
