"""The dashboard in a real browser: `streamlit run serve.py` (which serves `app.py`) on a copy of the demo database, driven by
Playwright with Debian's Chromium (`/usr/bin/chromium`; CI installs it, Playwright's own browser
download is not used).

Session fixtures: `koers_db` (the copy the server reads and an upload writes), `koers_server` (the
running dashboard, warmed up), `base_url` (so `page.goto("/indicator")` works). Helpers shared with
the benchmark: `free_port`, `start_dashboard`, `stop_dashboard`, `LAUNCH_ARGS`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (containers run as root), no GPU, and nothing that phones home.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
# Streamlit's frontend: the app root carries the script's run state ("running" / "notRunning").
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SERVER_START_SECONDS = 60.0


def free_port() -> int:
    """A free loopback port: let the OS pick one by binding to port 0."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Dashboard:
    process: subprocess.Popen
    url: str
    log: Path


def start_dashboard(db: Path, log: Path, script: Path = ROOT / "serve.py", args: list[str] | tuple[str, ...] = (),
                    env: dict[str, str] | None = None, port: int | None = None) -> Dashboard:
    """`streamlit run` on a free port with `KOERS_DB=db`; returns once `/_stcore/health` answers.

    `args`: further command-line options (`--secrets.files PATH`); `env`: further environment
    variables (`KOERS_ROLES`); `port`: a port chosen beforehand (a login's redirect_uri names it).
    """
    port = port or free_port()
    env = {**os.environ, "KOERS_DB": str(db), "KOERS_LOG": str(log.with_suffix(".koers.log")), **(env or {})}
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               # Other people edit pages/ while tests run: no file watcher, no "source changed" reruns.
               "--server.fileWatcherType", "none", *args]
    with log.open("wb") as out:  # the child keeps its own copy of the handle
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    dashboard = Dashboard(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit stopped with exit code {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(dashboard.url + "/_stcore/health", timeout=1) as answer:
                if answer.status == 200:
                    return dashboard
        except OSError:
            time.sleep(0.1)
    stop_dashboard(dashboard)
    raise RuntimeError(f"streamlit did not answer on {dashboard.url} within {SERVER_START_SECONDS:.0f} s:\n"
                       f"{log.read_text(errors='replace')[-3000:]}")


def stop_dashboard(dashboard: Dashboard) -> None:
    """Terminate, and kill if it does not stop within 10 s."""
    if dashboard.process.poll() is None:
        dashboard.process.terminate()
        try:
            dashboard.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            dashboard.process.kill()
            dashboard.process.wait(timeout=10)


def require_chromium() -> None:
    """Missing Chromium is a failure, not a skip: CI installs it, and a skipped browser suite
    would let a broken dashboard pass unnoticed."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's Chromium (apt-get install chromium)",
                    pytrace=False)


def warm_up(browser, url: str) -> None:
    """Load `/` once in a throwaway page and let its script run finish.

    The very first browser session after the server starts goes through Streamlit's older code path
    for a `pages/` folder and shows a "Page not found" dialog on a deep link; after one session the
    frame (`st.navigation`) is in charge. Waiting for the run to end also keeps the throwaway session
    from being closed in the middle of a query.
    """
    from playwright.sync_api import expect

    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url + "/")
        expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=60_000)
        expect(page.locator(APP_IDLE)).to_be_attached(timeout=60_000)
    finally:
        context.close()


def settle(page, quiet_ms: int = 400, limit_ms: int = 10_000) -> None:
    """Wait until the script run has ended and the page stopped growing (for a screenshot).

    Streamlit's frontend keeps adding elements for a moment after the run ends (charts, tables),
    so "not running" alone is not "drawn". A page counts as drawn once the number of elements has
    not changed for `quiet_ms`.
    """
    page.locator(APP_IDLE).wait_for(state="attached", timeout=limit_ms)
    page.wait_for_function(
        """([quiet]) => {
            const n = document.querySelectorAll('*').length;
            const now = performance.now();
            if (window.__koersCount !== n) { window.__koersCount = n; window.__koersSince = now; return false; }
            return now - window.__koersSince >= quiet;
        }""",
        arg=[quiet_ms], polling=100, timeout=limit_ms)


def full_page_screenshot(page, path: Path, limit_px: int = 20_000) -> None:
    """The whole page as a PNG. Streamlit scrolls inside `stMain`, not the document, so Playwright's
    `full_page` alone captures one screen: make the window as tall as the content first."""
    settle(page)
    viewport = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 0")
    if height > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": min(height, limit_px)})
        settle(page)  # charts redraw at the new size
    try:
        page.screenshot(path=path, full_page=True)
    finally:
        page.set_viewport_size(viewport)


# --- pytest-playwright configuration ----------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    require_chromium()
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": LAUNCH_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # Wide enough for the three card columns; downloads kept for the CSV test.
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}, "accept_downloads": True,
            "locale": "nl-NL"}


@pytest.fixture(autouse=True)
def _expect_timeout() -> None:
    # A rerun on national data takes a second or two on a busy CI machine; Playwright's 5 s default is tight.
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)


# --- the dashboard ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def koers_db(demo_template: Path, tmp_path_factory) -> Path:
    """The database the browser tests' server reads (a copy of the demo database)."""
    path = tmp_path_factory.mktemp("e2e") / "koers.duckdb"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture(scope="session")
def koers_server(koers_db: Path, browser) -> Iterator[Dashboard]:
    dashboard = start_dashboard(koers_db, koers_db.parent / "streamlit.log")
    try:
        warm_up(browser, dashboard.url)
        yield dashboard
    finally:
        stop_dashboard(dashboard)


@pytest.fixture(scope="session")
def base_url(koers_server: Dashboard) -> str:
    return koers_server.url


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test is slow: it starts a Streamlit server and Chromium."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.slow)
