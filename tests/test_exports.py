"""The files Koers writes for people (`koers.exports`): a text a spreadsheet would run as a formula
is quoted in a CSV and a text cell in Excel; numbers stay numbers. Every check reads the written
bytes back: the CSV with pandas, the workbook with openpyxl and as its raw sheet XML."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from koers import exports

HOSTILE = ['=HYPERLINK("http://evil.example/","klik")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1",
           "=cmd|' /C calc'!A0"]
HARMLESS = ["gewoon tekst", "< 10", "–", "-5", "+3,25", "-0,125", "1.5e-3", "", "2024"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_start_is_quoted(text):
    assert exports.risky(text)
    assert exports.neutral(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_plain_text_and_numbers_written_as_text_stay_as_they_are(text):
    assert not exports.risky(text)
    assert exports.neutral(text) == text


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "text": HOSTILE + HARMLESS[:2],
        "value": [1.5, -2.25, None, 4.0, 5.0, 6.0, 7.0, -8.5, 9.0],
    })


def test_csv_quotes_every_hostile_cell_and_keeps_numbers():
    raw = exports.csv_bytes(frame(), sep=";", decimal=",")
    assert raw.startswith("\ufeff".encode("utf-8"))
    back = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig", dtype={"text": str})
    assert back["text"].tolist() == ["'" + text for text in HOSTILE] + HARMLESS[:2]
    assert back["value"].tolist()[:2] == [1.5, -2.25] and back["value"].tolist()[-2:] == [-8.5, 9.0]


def test_csv_headings_are_quoted_too():
    raw = exports.csv_bytes(pd.DataFrame({"=1+1": ["a"]}))
    assert raw.decode("utf-8-sig").splitlines()[0] == "'=1+1"


def test_csv_on_a_stream_quotes_as_the_download_does():
    out = io.StringIO()
    exports.write_csv(pd.DataFrame({"raw": ["=1+1", "-3"], "n": [-1.5, 2.0]}), out)
    assert out.getvalue() == "raw,n\n'=1+1,-1.5\n-3,2.0\n"


def test_excel_holds_text_cells_and_number_cells_never_a_formula():
    data = exports.xlsx_bytes(frame())
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    texts = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(HOSTILE) + 2)]
    # the text exactly as written (XML keeps a carriage return as a line feed)
    assert [c.value for c in texts] == [text.replace("\r", "\n") for text in HOSTILE] + HARMLESS[:2]
    assert {c.data_type for c in texts} == {"s"}
    assert [c.quotePrefix for c in texts] == [True] * len(HOSTILE) + [False, False]
    numbers = [sheet.cell(row=r, column=2) for r in (2, 3, 9, 10)]
    assert [(c.value, c.data_type) for c in numbers] == [(1.5, "n"), (-2.25, "n"), (-8.5, "n"), (9, "n")]
    assert sheet.cell(row=4, column=2).value is None
    # In the file itself: no formula element anywhere, the texts are shared strings.
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml


def test_pandas_own_excel_writer_would_have_stored_a_formula():
    """Why `exports.xlsx_bytes` exists: the writer it replaces turns "=..." into a live formula."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame({"text": ["=1+1"]}).to_excel(writer, index=False)
    assert openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active["A2"].data_type == "f"
