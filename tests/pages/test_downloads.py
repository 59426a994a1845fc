"""What the dashboard and the command line write for people to open in a spreadsheet runs nothing:
a text starting with "=", "+", "-", "@" (an own KPI's unit, a name from the login provider, a
target's note) is quoted in the CSV and a text cell in the Excel file. Each test reads back the
bytes offered for download (or printed) and checks the cell's text and type."""

from __future__ import annotations

import csv
import io
import tomllib

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from conftest import ROOT, run_cli
from koers.access import Actor, Role
from koers.sources.governance import save_governance

KPI_PAGE = ROOT / "pages" / "kpi.py"
BEHEER_PAGE = ROOT / "pages" / "beheer.py"
HOSTILE_UNIT = '=HYPERLINK("http://evil.example/","klik")'
# An own KPI as a policy advisor could write it: its unit is free text, and goes into the downloads.
OWN_KPI = f"""id: own_population
title: {{nl: Inwoners (eigen), en: Inhabitants (own)}}
description: {{nl: "Het aantal inwoners.", en: "The number of inhabitants."}}
theme: 1
kind: context
polarity: neither
unit: '{HOSTILE_UNIT}'
definition: {{type: indicator, indicator: population}}
source: CBS
"""


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What the page offers for download, by file name (AppTest keeps media files in memory)."""
    from streamlit.testing.v1 import app_test

    offered: dict[str, bytes] = {}

    class Recording(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
            if filename and isinstance(path_or_data, bytes):
                offered[filename] = path_or_data
            return super().load_and_get_id(path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)
    return offered


@pytest.mark.slow  # a page run or two CLI runs on the demo database (the rule itself: tests/test_exports.py)
def test_the_kpi_downloads_quote_a_formula_and_keep_numbers(app_on, demo_shared, downloads, monkeypatch, tmp_path):
    folder = tmp_path / "own_metrics"
    folder.mkdir()
    (folder / "own.yaml").write_text(OWN_KPI, encoding="utf-8")
    monkeypatch.setenv("KOERS_METRICS", str(folder))
    at = app_on(demo_shared, KPI_PAGE, gemeente="GM0363", jaar="2024", kpi="own_population")
    assert not at.error, [e.value for e in at.error]

    rows = pd.read_csv(io.BytesIO(downloads["own_population_GM0363.csv"]), sep=";", encoding="utf-8-sig", dtype=str)
    assert set(rows["unit"]) == {"'" + HOSTILE_UNIT}
    assert float(rows.set_index("period").at["2024", "value"].replace(",", ".")) > 800_000  # Amsterdam

    sheet = openpyxl.load_workbook(io.BytesIO(downloads["own_population_GM0363.xlsx"])).active
    header = [c.value for c in sheet[1]]
    unit, value = header.index("unit") + 1, header.index("value") + 1
    units = [sheet.cell(row=r, column=unit) for r in range(2, sheet.max_row + 1)]
    assert {(c.value, c.data_type, c.quotePrefix) for c in units} == {(HOSTILE_UNIT, "s", True)}
    numbers = [sheet.cell(row=r, column=value) for r in range(2, sheet.max_row + 1)]
    assert {c.data_type for c in numbers if c.value is not None} == {"n"}
    assert max(c.value for c in numbers if c.value is not None) > 800_000


@pytest.mark.slow  # a page run or two CLI runs on the demo database (the rule itself: tests/test_exports.py)
def test_the_audit_export_quotes_a_hostile_name(app_on, demo_db, downloads, monkeypatch, tmp_path):
    monkeypatch.setenv("KOERS_ROLES", str(tmp_path / "roles.toml"))
    # A name as a login provider could hand it over, and a source key starting with "@".
    intruder = Actor("x@gemeente.example", '=HYPERLINK("http://evil.example/")', Role.admin)
    save_governance("@SUM(1+1)", {"owner": "-2+3"}, intruder, None, db=demo_db)
    at = app_on(demo_db, BEHEER_PAGE)
    assert not at.exception
    exported = next(data for name, data in downloads.items() if name.startswith("koers-audit-"))
    frame = pd.read_csv(io.BytesIO(exported), sep=";", encoding="utf-8-sig", dtype=str)
    row = frame[frame["actor"] == intruder.id].iloc[0]
    assert (row["actor_name"], row["entity_id"]) == ("'" + intruder.name, "'@SUM(1+1)")


@pytest.mark.slow  # a page run or two CLI runs on the demo database (the rule itself: tests/test_exports.py)
def test_the_command_lines_csv_quotes_a_targets_note(demo_db, tmp_path):
    targets = tmp_path / "doelen.csv"
    targets.write_text("kpi;regio;jaar;doel;marge;toelichting\n"
                       "service_satisfaction;GM0363;2030;-1,5;0,5;=HYPERLINK(\"http://evil.example/\")\n", encoding="utf-8")
    assert run_cli("targets", "import", str(targets), db=demo_db).returncode == 0
    listed = run_cli("targets", "list", db=demo_db)
    assert listed.returncode == 0, listed.stderr
    row = next(r for r in csv.DictReader(io.StringIO(listed.stdout)) if r["year"] == "2030")
    assert row["note"] == "'=HYPERLINK(\"http://evil.example/\")"
    assert float(row["value"]) == -1.5  # a number stays a number, negative or not


def test_the_dataframe_toolbar_offers_no_csv_of_its_own():
    """A table's own CSV button would write the cells unquoted: it is switched off, and the pages
    offer their data through `koers.exports` instead (see docs/architecture.md)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
