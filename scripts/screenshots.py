"""Screenshots of the dashboard's main views and a report page, in Dutch and English, for a review of
the layout by eye (issue notes, release notes): Overzicht, KPI (Eemsdelta, a merged municipality),
the district view (Amsterdam), Presentatie, and the first pages of a review session's PDF.

Runs `streamlit run serve.py` on a copy of a demo database and drives Debian's Chromium, as the
browser tests do. Writes PNG files to test-artifacts/screenshots/views/ (or --out).

Usage: PYTHONPATH=. .venv/bin/python scripts/screenshots.py --db demo.duckdb [--width 1440]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.conftest import APP_IDLE, ARTIFACTS, CHROMIUM, LAUNCH_ARGS, start_dashboard, stop_dashboard  # noqa: E402

# (file name, address) per view; the language is added as `taal`.
VIEWS = [
    ("overzicht", "/?gemeente=GM0363&jaar=2024"),
    ("kpi-eemsdelta", "/indicator?gemeente=GM1979&jaar=2024&kpi=bijstand_per_1000"),
    ("wijken-amsterdam", "/districts?gemeente=GM0363&jaar=2024&wmaat=population"),
    ("presentatie", "/presentation?gemeente=GM0363&jaar=2024"),
]


def pdf_pages(db: Path, lang: str, out: Path, pages: int) -> list[Path]:
    """The latest review session's report as PDF, its first `pages` pages as PNG (poppler's pdftoppm)."""
    pdf = out / f"report-{lang}.pdf"
    subprocess.run([sys.executable, "-m", "koers", "--db", str(db), "--lang", lang, "report", "1", "--out", str(pdf)],
                   check=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", str(pages), str(pdf), str(out / f"report-{lang}")],
                   check=True)
    return sorted(out.glob(f"report-{lang}-*.png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a demo database (koers demo)")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--out", type=Path, default=ARTIFACTS / "screenshots" / "views")
    parser.add_argument("--pdf-pages", type=int, default=2)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "koers.duckdb"
        shutil.copy(args.db, db)  # the server may write (an audit of a visit); never to the original
        dashboard = start_dashboard(db, Path(folder) / "server.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
                for lang in ("nl", "en"):
                    page = browser.new_page(viewport={"width": args.width, "height": 900})
                    for name, address in VIEWS:
                        page.goto(f"{dashboard.url}{address}&taal={lang}")
                        page.wait_for_selector(APP_IDLE, timeout=60_000)
                        page.wait_for_timeout(1500)  # charts draw after the run ends
                        target = args.out / f"{name}-{lang}-{args.width}.png"
                        page.screenshot(path=str(target), full_page=True)
                        print(target)
                    page.close()
                browser.close()
        finally:
            stop_dashboard(dashboard)
        for lang in ("nl", "en"):
            for png in pdf_pages(db, lang, args.out, args.pdf_pages):
                print(png)


if __name__ == "__main__":
    main()
