"""`python -m koers report SESSION_ID --format pdf|html --out FILE`: real subprocesses on a copy of
the demo database. A progress bar and one line go to standard error; problems are one line, exit 2."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest

from conftest import run_cli
from koers.loop import review
from koers.access import Actor, Role
from koers.kpis.library import load_library
from koers.store import Store

pytestmark = pytest.mark.slow  # rendering PDFs with weasyprint and charts with kaleido in Chromium

ADVISOR = Actor("a.de.vries@gemeente.nl", "Anna de Vries", Role.advisor)
# Amsterdam (GM0363), 2024, in the demo built from the shipped real files (tests/conftest.py):
# two published CBS series and one that only the demo's invented example data feeds.
KPIS = ["average_sale_price", "population_growth", "trust_in_council"]


@pytest.fixture
def session(demo_db) -> int:
    """A session of three Amsterdam KPIs (a full one takes longer to draw), with a decision."""
    with Store.open(demo_db) as store:
        library = load_library(None, store.known_indicator_ids())
        frame = review.snapshot(store, library, "GM0363", 2024)
        frame = frame[frame["kpi_id"].isin(KPIS)].reset_index(drop=True)
        session_id = store.create_review({"region_code": "GM0363", "year": 2024, "reference_date": dt.date(2025, 4, 1),
                                          "title": "Voorjaarsreview 2025", "stage": "plan", "previous_id": None}, frame, ADVISOR)
        review.save_item(store, library, ADVISOR, {"session_id": session_id, "kind": "decision", "kpi_id": "trust_in_council",
                                                   "text": "Raadsavonden in de wijken houden."})
    return session_id


def last_line(stderr: str) -> str:
    """The message after the progress bar (tqdm redraws with carriage returns, then clears)."""
    return [line for line in re.split(r"[\r\n]", stderr) if line.strip()][-1].strip()


def test_report_as_pdf(demo_db, session, tmp_path):
    out = tmp_path / "review.pdf"
    done = run_cli("report", str(session), "--format", "pdf", "--out", str(out), db=demo_db)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    pages = int(re.search(r"^Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout, re.M)[1])
    size = out.stat().st_size
    assert last_line(done.stderr) == f"report written: {out} ({pages} pages, {round(size / 1000):,} kB)"
    assert re.search(r"report: +\d+%\|", done.stderr)  # the progress bar, on standard error
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert re.search(r"^Tagged:\s+yes$", subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout, re.M)
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout)
    # --lang is not given: run_cli sets KOERS_LANG=en, so the report is in English, units and money too
    # data/cbs/83625NED, GM0363 2024JJ00, M001534 "Gemiddelde verkoopprijs": 617647
    assert "Average sale price of existing owner-occupied dwellings" in text and "€617,647" in text
    # data/cbs/03759ned, GM0363, M000352 "Bevolking op 1 januari": 931298 (2024), 934526 (2025):
    # (934526 - 931298) / 931298 * 100 = 0.3466 -> "0.35"
    assert "Population growth" in text and "0.35 % in the year" in text
    # the demo's invented series (source voorbeelddata, koers/demo/examples.py): 37.5 %, off track
    # against its invented target 44.4 for 2026
    assert "Trust in the municipal council" in text and "37.5 % of residents" in text and "44.4 in 2026" in text
    assert "Raadsavonden in de wijken houden." in text


def test_report_as_html_in_dutch(demo_db, session, tmp_path):
    out = tmp_path / "review.html"
    done = run_cli("--lang", "nl", "report", str(session), "--format", "html", "--out", str(out), db=demo_db)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(rf"rapport geschreven: {re.escape(str(out))} \(\d+ kB\)", last_line(done.stderr))
    document = out.read_text(encoding="utf-8")
    assert document.startswith("<!DOCTYPE html>") and '<html lang="nl">' in document
    assert "http://" not in document and "https://" not in document
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', document)) == 3
    # the same figures as above, in Dutch notation: 617.647 € (83625NED) and 0,35 % (03759ned)
    assert "Gemiddelde verkoopprijs bestaande koopwoningen" in document and "617.647" in document
    assert "Bevolkingsgroei" in document and "0,35" in document
    # each chart's alt text names its title and what it shows: the growth series has a value for 12
    # periods, 2012 and 2015-2025, from the demo's populations of 1 January: KWB 2012, 70072ned
    # 2015-2018, 03759ned 2019-2026 (2025's growth reads 1 January 2026)
    assert 'alt="Bevolkingsgroei. Grafiek: de waarde van Amsterdam in 11 perioden van 2015 tot en met 2025; peiljaar 2024' in document


def test_an_unknown_session_is_one_line_and_exit_2(demo_db, tmp_path):
    out = tmp_path / "review.pdf"
    done = run_cli("report", "999", "--format", "pdf", "--out", str(out), db=demo_db)
    assert done.returncode == 2
    assert done.stderr == "review session 999 does not exist\n"
    assert not out.exists()
    dutch = run_cli("--lang", "nl", "report", "999", "--out", str(out), db=demo_db)
    assert (dutch.returncode, dutch.stderr) == (2, "reviewsessie 999 bestaat niet\n")


def test_an_unwritable_destination_is_refused_before_the_work(demo_db, session, tmp_path):
    missing = tmp_path / "no such folder" / "review.pdf"
    done = run_cli("report", str(session), "--out", str(missing), db=demo_db)
    assert done.returncode == 2
    assert done.stderr == f"cannot write {missing}: the folder does not exist\n"  # one line, no progress bar
    folder = run_cli("report", str(session), "--format", "html", "--out", str(tmp_path), db=demo_db)
    assert (folder.returncode, folder.stderr) == (2, f"cannot write {tmp_path}: it is a folder\n")


def test_a_missing_database_is_one_line(tmp_path):
    db = tmp_path / "none.duckdb"
    done = run_cli("report", "1", "--out", str(tmp_path / "r.pdf"), db=db)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"database {db} does not exist") and not db.exists()
