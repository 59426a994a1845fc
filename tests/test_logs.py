"""`koers.logs.configure`: Koers's INFO records reach the server log, the libraries' INFO chatter
while a report is made (kaleido, choreographer, weasyprint, fontTools) does not."""

from __future__ import annotations

import datetime as dt
import logging
import shutil

import kaleido  # noqa: F401 - first: its loggers need logistro's logger class, set on import (see koers.logs)
import pytest

from koers import logs
from koers.access import Actor, Role
from koers.kpis.library import load_library
from koers.loop import report, review
from koers.store import Store

ADVISOR = Actor("a.de.vries@gemeente.nl", "Anna de Vries", Role.advisor)
NOISY = ("kaleido", "choreographer", "weasyprint", "fontTools")


class Records(logging.Handler):
    """Every record that reaches the root logger's handlers, as the server log would get it."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def library_info(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()}" for r in self.records
                if r.levelno < logging.WARNING and r.name.split(".")[0] in NOISY]

    def koers_info(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno == logging.INFO and r.name.split(".")[0] == "koers"]


@pytest.fixture
def levels():
    """The levels configure() sets, put back afterwards: logging is process-wide."""
    names = ["", logs.KOERS, *logs.QUIET]
    before = {name: logging.getLogger(name).level for name in names}  # safe: kaleido is imported
    handler = Records()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


def test_configure_makes_no_library_logger(levels):
    """A logger made before its library is imported lacks the library's logger class (logistro's,
    for kaleido and choreographer): configure() only sets the levels of loggers that exist."""
    known = set(logging.Logger.manager.loggerDict)
    logs.configure()
    assert set(logging.Logger.manager.loggerDict) - known == set()  # "koers" exists: the fixture made it


def test_configure_sets_koers_to_info_and_the_libraries_to_warning(levels):
    logs.configure()
    assert logging.getLogger("koers.dashboard").getEffectiveLevel() == logging.INFO
    assert logging.getLogger("koers.loop.report").getEffectiveLevel() == logging.INFO
    for name in ("kaleido.kaleido", "choreographer.browser_async", "weasyprint.progress", "fontTools.subset",
                 "some.other.library"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name
    logs.configure(logging.DEBUG)  # again, as on a Streamlit rerun: only the levels change
    assert logging.getLogger("koers").getEffectiveLevel() == logging.DEBUG


@pytest.mark.slow  # a chart through kaleido in Chromium and a PDF through weasyprint
def test_a_report_logs_koers_info_but_no_library_info(levels, demo_template, tmp_path):
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_template, db)
    with Store.open(db) as store:
        library = load_library(None, store.known_indicator_ids())
        frame = review.snapshot(store, library, "GM0363", 2024)
        frame = frame[frame["kpi_id"] == "population_growth"].reset_index(drop=True)
        session_id = store.create_review({"region_code": "GM0363", "year": 2024, "reference_date": dt.date(2025, 4, 1),
                                          "title": "Voorjaarsreview 2025", "stage": "plan", "previous_id": None},
                                         frame, ADVISOR)
        # Before: everything at INFO, as app.py's `logging.basicConfig(level=logging.INFO)` had it.
        logging.getLogger().setLevel(logging.INFO)
        for name in (logs.KOERS, *logs.QUIET):
            logging.getLogger(name).setLevel(logging.NOTSET)
        report.make_pdf(store, library, session_id, "nl", ADVISOR)
        noise = levels.library_info()
        # the libraries do chatter: a browser start, the chart, weasyprint's layout steps
        assert {line.split(".")[0].split(":")[0] for line in noise} >= {"kaleido", "choreographer", "weasyprint"}
        levels.records.clear()

        logs.configure()
        made = report.make_pdf(store, library, session_id, "en", ADVISOR)
    assert levels.library_info() == []
    assert levels.koers_info() == [f"report of review session {session_id} made as PDF (en, {made.pages} pages, "
                                   f"{len(made.data) // 1000} kB)"]
