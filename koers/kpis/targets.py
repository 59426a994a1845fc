"""Targets from a file: CSV (`;` or `,`, Dutch or English numbers) or XLSX with the columns
kpi_id, region_code, year, value and optionally tolerance and note (Dutch headers kpi, regio /
gemeentecode, jaar, doel / waarde, marge / tolerantie, toelichting are understood too)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from koers.errors import FileProblem

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


def _number(text: object) -> float | None:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    if isinstance(text, (int, float)):
        return float(text)
    cleaned = str(text).strip().replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    return float(cleaned) if cleaned else None


def read_targets(path: Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise FileProblem(path, "errors.file.does_not_exist")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=object, engine="openpyxl")
        else:
            frame = pd.read_csv(path, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
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
                          found=", ".join(map(str, frame.columns)))
    frame = frame.rename(columns=rename)[[c for c in ALIASES if c in rename.values()]]
    # A targets file has dozens of rows, not millions: parse cell by cell for exact messages.
    numbers: dict[str, list[float | None]] = {}
    for column in ("year", "value", "tolerance"):
        if column not in frame:
            continue
        parsed = []
        for line, cell in enumerate(frame[column].tolist(), start=2):
            try:
                parsed.append(_number(cell))
            except ValueError:
                raise FileProblem(path, "errors.targets.not_a_number", line=line, column=column, cell=cell) from None
        numbers[column] = parsed
    for line, (year, value) in enumerate(zip(numbers["year"], numbers["value"]), start=2):
        if year is None or value is None:
            raise FileProblem(path, "errors.targets.year_and_value_required", line=line)
    result = pd.DataFrame({
        "kpi_id": frame["kpi_id"].astype(str).str.strip(),
        "region_code": frame["region_code"].astype(str).str.strip().str.upper(),
        "year": [int(y) for y in numbers["year"]],
        "value": numbers["value"],
        "tolerance": numbers.get("tolerance", [0.0] * len(frame)),
        "note": frame["note"] if "note" in frame else None,
    })
    return result
