"""Targets from a file: CSV (`;` or `,`, Dutch or English numbers) or XLSX with the columns
kpi_id, region_code, year, value and optionally tolerance and note (Dutch headers kpi, regio /
gemeentecode, jaar, doel / waarde, marge / tolerantie, toelichting are understood too).

A targets file is checked as an import is: `read_targets` reads its rows (a file that cannot be read
at all is a `FileProblem`), `check_targets` runs the small named rules in `RULES` on each row and
the duplicate check on all of them. Each bad row becomes a rejected row with its reason (the same
columns as an import's rejected rows: record, raw, field, reason_nl, reason_en); a file with any
rejected row loads nothing (`koers.store.targets.Targets.log_refused_targets` keeps the reasons).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from koers.errors import FileProblem
from koers.i18n import Message

ALIASES = {
    "kpi_id": ("kpi_id", "kpi"),
    "region_code": ("region_code", "regio", "gemeentecode", "region"),
    "year": ("year", "jaar"),
    "value": ("value", "doel", "waarde", "target"),
    "tolerance": ("tolerance", "marge", "tolerantie"),
    "note": ("note", "toelichting", "opmerking"),
}
REQUIRED = ("kpi_id", "region_code", "year", "value")
YEARS = range(1900, 2101)  # the years a KPI is computed or a target set for (the command line's --year too)
# A number as written after spaces are dropped and a decimal comma made a point: no "1_000", "nan"
# or "inf" (which Python's float() would take).
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?$")
REJECTED_COLUMNS = ["record", "raw", "field", "reason_nl", "reason_en"]


@dataclass
class TargetRow:
    """One row of a targets file: its line (the header is line 1), the row as read, and its cells
    by column name (kpi_id, region_code, year, value, tolerance, note); numbers parsed by the rules."""

    line: int
    raw: str
    cells: dict[str, object]
    parsed: dict[str, object] = field(default_factory=dict)


@dataclass
class CheckedTargets:
    targets: pd.DataFrame  # kpi_id, region_code, year, value, tolerance, note: the rows that passed
    rejected: pd.DataFrame  # REJECTED_COLUMNS: one row per reason (a row may have several)
    rows_read: int

    @property
    def rows_rejected(self) -> int:
        return int(self.rejected["record"].nunique())


def _shown(cell: object) -> str:
    """A cell as a reason quotes it: unprintable characters as "?", at most 40 characters."""
    text = "".join(c if c.isprintable() else "?" for c in str(cell).strip())
    return text if len(text) <= 40 else text[:39] + "…"


def _number(cell: object) -> float | None:
    """The number in a cell (None when empty); ValueError when it is none."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == "":
        return None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):  # an XLSX cell holding a number
        return float(cell)
    cleaned = str(cell).strip().replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    if not _NUMBER.match(cleaned):
        raise ValueError(cleaned)
    return float(cleaned)


def read_targets(path: Path) -> list[TargetRow]:
    """The rows of a targets file, with their cells as written; a FileProblem when the file cannot
    be read as a table with the required columns."""
    path = Path(path)
    if not path.exists():
        raise FileProblem(path, "errors.file.does_not_exist")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=object, engine="openpyxl", keep_default_na=False)
        else:
            # Blank lines are kept (and skipped below), so that a row's line is its line in the file;
            # a cell is text as written ("nan" and "NA" too: the rules say what is wrong with them).
            frame = pd.read_csv(path, sep=None, engine="python", dtype=str, encoding="utf-8-sig", skip_blank_lines=False,
                                keep_default_na=False)
    except UnicodeDecodeError:
        raise FileProblem(path, "errors.targets.not_utf8") from None
    except Exception as error:  # noqa: BLE001 - any reader failure is one line for the user
        raise FileProblem(path, "errors.targets.unreadable", error_type=type(error).__name__) from None
    columns = {str(c).strip().lower(): c for c in frame.columns}
    rename = {}
    for name, aliases in ALIASES.items():
        found = next((columns[a] for a in aliases if a in columns), None)
        if found is not None:
            rename[found] = name
    missing = [c for c in REQUIRED if c not in rename.values()]
    if missing:
        raise FileProblem(path, "errors.targets.missing_columns", missing=", ".join(missing),
                          found=", ".join(_shown(c) for c in frame.columns))
    rows = []
    for line, record in enumerate(frame.to_dict("records"), start=2):
        written = ["" if pd.isna(cell) else str(cell) for cell in record.values()]
        if any(cell.strip() for cell in written):
            rows.append(TargetRow(line, ";".join(written), {name: record[column] for column, name in rename.items()}))
    return rows


# --- the rules: each sees one row and returns (field, reason) for what is wrong with it -----------
# They run in this order; a rule needing a number another rule parses finds it in `row.parsed`.

Rejection = tuple[str, Message]
Known = Mapping[str, object]  # "kpis": ids of the library; "regions": code -> (valid_from, valid_to)


def rule_kpi_is_known(row: TargetRow, known: Known) -> list[Rejection]:
    kpi = str(row.cells.get("kpi_id") if not pd.isna(row.cells.get("kpi_id")) else "").strip()
    row.parsed["kpi_id"] = kpi
    if not kpi:
        return [("kpi_id", Message("rejected.targets.missing", column="kpi_id"))]
    return [] if kpi in known["kpis"] else [("kpi_id", Message("rejected.targets.unknown_kpi", kpi=_shown(kpi)))]


def rule_region_is_known(row: TargetRow, known: Known) -> list[Rejection]:
    cell = row.cells.get("region_code")
    code = "" if cell is None or pd.isna(cell) else str(cell).strip().upper()
    row.parsed["region_code"] = code
    if not code:
        return [("region_code", Message("rejected.targets.missing", column="region_code"))]
    if code not in known["regions"]:
        return [("region_code", Message("rejected.targets.unknown_region", region=_shown(code)))]
    return []


def rule_year_is_a_whole_year(row: TargetRow, known: Known) -> list[Rejection]:
    cell = row.cells.get("year")
    try:
        year = _number(cell)
    except ValueError:
        year = math.nan
    if year is None:
        return [("year", Message("rejected.targets.missing", column="year"))]
    if not (math.isfinite(year) and year.is_integer() and int(year) in YEARS):  # 2026.7 is no year, nor 99999
        return [("year", Message("rejected.targets.not_a_year", cell=_shown(cell), first=YEARS[0], last=YEARS[-1]))]
    row.parsed["year"] = int(year)
    return []


def rule_region_existed_that_year(row: TargetRow, known: Known) -> list[Rejection]:
    """A target for a municipality in a year it did not exist (merged away before) steers nothing."""
    year, code = row.parsed.get("year"), row.parsed.get("region_code")
    if year is None or code not in known["regions"]:
        return []
    valid_from, valid_to = known["regions"][code]
    if (valid_to is not None and valid_to <= dt.date(year, 1, 1)) or (valid_from is not None and valid_from > dt.date(year, 12, 31)):
        return [("region_code", Message("rejected.targets.region_not_existing", region=code, year=year))]
    return []


def _number_rule(column: str, required: bool, least: float | None) -> Callable[[TargetRow, Known], list[Rejection]]:
    """A rule for a numeric column: a finite number (1e309 is none), at least `least` when given."""
    def rule(row: TargetRow, known: Known) -> list[Rejection]:
        cell = row.cells.get(column)
        try:
            number = _number(cell)
        except ValueError:
            return [(column, Message("rejected.targets.not_a_number", column=column, cell=_shown(cell)))]
        if number is None:
            row.parsed[column] = 0.0 if not required else None
            return [(column, Message("rejected.targets.missing", column=column))] if required else []
        if not math.isfinite(number):
            return [(column, Message("rejected.targets.too_large", column=column, cell=_shown(cell)))]
        if least is not None and number < least:
            return [(column, Message("rejected.targets.negative", column=column, cell=_shown(cell)))]
        row.parsed[column] = number
        return []

    rule.__name__ = f"rule_{column}_is_a_number"
    return rule


RULES: list[Callable[[TargetRow, Known], list[Rejection]]] = [
    rule_kpi_is_known,
    rule_region_is_known,
    rule_year_is_a_whole_year,
    rule_region_existed_that_year,
    _number_rule("value", required=True, least=None),
    _number_rule("tolerance", required=False, least=0.0),  # a margin around the target: 0 or more
]


def check_targets(rows: list[TargetRow], kpi_ids: Iterable[str], regions: pd.DataFrame) -> CheckedTargets:
    """Every rule on every row, then the duplicate check: a second row for the same KPI, region and
    year is rejected (rather than silently replacing the first). `regions`: the store's regions
    (code, valid_from, valid_to)."""
    known: Known = {"kpis": set(kpi_ids), "regions": {
        code: (None if pd.isna(start) else pd.Timestamp(start).date(), None if pd.isna(end) else pd.Timestamp(end).date())
        for code, start, end in zip(regions["code"], regions["valid_from"], regions["valid_to"])}}
    rejected: list[tuple[TargetRow, str, Message]] = []
    good: list[TargetRow] = []
    first_line: dict[tuple, int] = {}
    for row in rows:
        problems = [problem for rule in RULES for problem in rule(row, known)]
        key = (row.parsed.get("kpi_id"), row.parsed.get("region_code"), row.parsed.get("year"))
        if all(key) and key in first_line:
            problems.append(("year", Message("rejected.targets.duplicate", kpi=key[0], region=key[1], year=key[2],
                                             first_line=first_line[key])))
        elif all(key):
            first_line[key] = row.line
        rejected += [(row, column, reason) for column, reason in problems]
        if not problems:
            good.append(row)
    targets = pd.DataFrame({
        "kpi_id": [r.parsed["kpi_id"] for r in good], "region_code": [r.parsed["region_code"] for r in good],
        "year": pd.array([r.parsed["year"] for r in good], dtype="int64"), "value": [r.parsed["value"] for r in good],
        "tolerance": [r.parsed["tolerance"] for r in good],
        "note": [None if pd.isna(n := r.cells.get("note")) else str(n) for r in good],
    })
    refused = pd.DataFrame([(r.line, r.raw, column, reason.text("nl"), reason.text("en")) for r, column, reason in rejected],
                           columns=REJECTED_COLUMNS)
    return CheckedTargets(targets, refused, len(rows))
