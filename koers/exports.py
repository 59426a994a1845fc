"""The files Koers writes for people to open in a spreadsheet: CSV and Excel that run nothing.

A spreadsheet reads a cell that starts with "=", "+", "-" or "@" as a formula, and a leading tab
or carriage return hides such a start; a text someone typed (an annotation, a name from the login
provider, a unit in an own KPI file) could so run `=HYPERLINK(...)` or worse in the reader's
Excel (OWASP, "CSV injection"). Every download of the dashboard and every CSV of the command line
goes through this module:

- CSV: such a text cell gets a single quote in front (OWASP's advice); a number written as text
  ("-0,25" in a Dutch file) stays as it is.
- Excel: numbers are number cells; every text is a text cell (never a formula), and one that
  starts with a formula character is marked with Excel's own "quote prefix" — what Excel stores
  when a person types the leading quote — so the cell shows the text exactly and stays text when
  edited.

No Streamlit here: the dashboard (`koers.dashboard.widgets`) and the command line call it.
"""

from __future__ import annotations

import io
import re
from typing import TextIO

import pandas as pd

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number written as text, with either decimal mark and grouping, or a percentage: "-5", "+3,25",
# "-1.234,5", "-1.5e-3", "-3%". Such a cell is data, not a formula.
_NUMBER = re.compile(r"[+-]?(\d[\d.,]*|[.,]\d+)([eE][+-]?\d+)?%?")


def risky(value: object) -> bool:
    """Whether a spreadsheet would read this cell as a formula: a text starting with a formula
    character that is not simply a number. The one rule for it: what Koers writes is quoted by it,
    and names a person gives an import are refused by it (`koers.sources.names`)."""
    return isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value)


def neutral(value: object) -> object:
    """A CSV cell as written: a risky text with a single quote in front, anything else as it is."""
    return "'" + value if risky(value) else value


def neutral_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every risky text (headings included) quoted; numbers untouched."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            out[name] = column.map(neutral).astype(object)
    out.columns = [neutral(str(name)) for name in out.columns]
    return out


def write_csv(frame: pd.DataFrame, stream: TextIO, sep: str = ",", decimal: str = ".", lineterminator: str = "\n") -> None:
    """The frame as CSV on `stream` (the command line's standard output), risky texts quoted."""
    neutral_frame(frame).to_csv(stream, index=False, sep=sep, decimal=decimal, lineterminator=lineterminator)


def csv_bytes(frame: pd.DataFrame, sep: str = ",", decimal: str = ".") -> bytes:
    """The frame as a CSV download: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), lines
    ending in CRLF as RFC 4180 has it — then a carriage return inside a text is quoted too (Python's
    writer quotes only the characters of the line ending) and cannot break a row in two."""
    text = io.StringIO()
    write_csv(frame, text, sep=sep, decimal=decimal, lineterminator="\r\n")
    return text.getvalue().encode("utf-8-sig")


def _cell_value(value: object) -> object:
    """What an Excel cell holds: None for missing, a number, a bool, or text."""
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) or pd.api.types.is_number(value):
        return value.item() if hasattr(value, "item") else value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value if isinstance(value, str) else str(value)


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "Koers") -> bytes:
    """The frame as an Excel workbook: a header row, then numbers as number cells and texts as
    text cells. openpyxl would store a text starting with "=" as a live formula; here every text's
    type is set to string after the value, and a risky one gets the quote prefix."""
    # openpyxl here, not at the top: the dashboard imports this module for every page (CSV helpers),
    # and openpyxl was a fifth of what the dashboard imports at its start; only a download needs it.
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    book = Workbook()
    table = book.active
    table.title = sheet
    rows = [list(map(str, frame.columns))] + [list(row) for row in frame.itertuples(index=False, name=None)]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = table.cell(row=r, column=c)
            cell.value = _cell_value(value)
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING
                if risky(cell.value):
                    cell.quotePrefix = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
