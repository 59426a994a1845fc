"""A municipality's own figures: a CSV, XLSX or Parquet file, long or wide.

Long layout, one row per observation (Dutch or English numbers, codes or names for regions)::

    indicator;gemeentecode;jaar;waarde
    population;GM0363;2020;872757
    Tevredenheid dienstverlening;0363;2020;7,1

Wide layout, one column per indicator::

    gemeente;jaar;Tevredenheid dienstverlening;Meldingen openbare ruimte
    Amsterdam;2020;7,1;1.234

Both become the store's long observations, one per row (long) or per row x indicator column (wide):
`record` (line number, header = line 1; the Excel row number; the Parquet row number counted from 1),
`indicator_id`, region (`region_code` for codes, `region_key` for names), `period`, `value`, `status`.

Which column is which comes from a `FileMapping`; without one, common Dutch and English headers are
recognised. Observations are stored under `FileMapping.source`, by default `eigen_<file name>`
(slugged). The source is part of every observation's key and of generated indicator ids, so a file
that is delivered again under a new name (`monitor_2025.xlsx` after `monitor_2024.xlsx`) should get an
explicit `source` to be recognised as the same source.

Indicators: a catalogue id ("population") or any lower snake_case id is kept as it is; other text
("Tevredenheid dienstverlening") gets `generated_indicator_id(source, text)` and is registered with
that text as its title. Numbers: "1.234,5" and "1,234.5" are both 1234.5; the file's style is decided
by cells that fit only one style (`_decimal_style`), and a cell that does not fit the file's style is
a rejected row, never a value off by a factor 1000. Numbers stored as numbers (XLSX, Parquet) are
taken as they are.

Speed: a long CSV of five million rows is read by Arrow with every column as text (the key columns
dictionary-encoded while reading), and every per-row step is an Arrow kernel; Python runs once per
distinct indicator, region, period and status, never per row. Text for a rejected row's `raw` is
only built for rejected rows. The file is memory-mapped rather than copied, and its checksum and
line count are computed on a second thread while Arrow parses.
"""

from __future__ import annotations

import csv
import mmap
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from pydantic import BaseModel, ConfigDict, field_validator

from koers.indicators.catalogue import CanonicalIndicator, canonical_by_id, generated_indicator_id, slug
from koers.errors import FileProblem
from koers.sources.common import (
    DUTCH_NUMBER as _DUTCH_NUMBER,
    ENGLISH_NUMBER as _ENGLISH_NUMBER,
    empty_rejected,
    data_checksum,
    file_checksum,
    observation_table,
    parse_numbers,
    period_columns,
    region_columns,
)
from koers.store import REJECTED_SCHEMA, ImportBatch

KIND = "file"
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}

Role = Literal["indicator", "region", "period", "value", "status"]
ROLE_NL = {"indicator": "indicator", "region": "regio", "period": "periode", "value": "waarde", "status": "status"}

# Recognised headers per role, after `_header_key` (case folded, `_`/`-` as spaces). Order matters
# when a file has several: a code column beats a name column ("gemeentecode" before "gemeente").
HEADER_ALIASES: dict[Role, tuple[str, ...]] = {
    "indicator": ("indicator id", "indicator code", "indicatorcode", "indicator", "kpi", "kpi code"),
    "region": ("region code", "regiocode", "gemeentecode", "code", "region", "regio", "regio's",
               "gemeente", "gemeentenaam"),
    "period": ("period", "periode", "perioden", "jaar", "year"),
    "value": ("value", "waarde"),
    "status": ("status",),
}

# Words a status column may use; anything else is a rejected row.
STATUS_WORDS = {
    "": "definitive", "definitief": "definitive", "definitive": "definitive", "final": "definitive",
    "voorlopig": "provisional", "nader voorlopig": "provisional", "provisional": "provisional",
    "preliminary": "provisional", "*": "provisional", "**": "provisional",
    "ontbreekt": "missing", "onbekend": "missing", "missing": "missing",
    "onmogelijk": "impossible", "impossible": "impossible",
}

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CBS_TABLE = re.compile(r"^\d{5}[a-z]{3}$", re.IGNORECASE)
_STYLE_PATTERN = {"comma": _DUTCH_NUMBER, "point": _ENGLISH_NUMBER}
_EVIDENCE_SAMPLE = 200_000
_NON_BLANK = re.compile(rb"\S")


class FileMapping(BaseModel):
    """How to read an own file. Every field has a default; columns left None are recognised from
    the headers (`HEADER_ALIASES`), case-insensitively."""

    model_config = ConfigDict(extra="forbid")

    source: str | None = None  # stored as source_table; default `eigen_<file stem>`, slugged
    layout: Literal["auto", "long", "wide"] = "auto"  # auto: long when indicator and value columns exist
    indicator_column: str | None = None
    region_column: str | None = None
    period_column: str | None = None
    value_column: str | None = None
    status_column: str | None = None  # optional: definitief/voorlopig/ontbreekt/onmogelijk (or English)
    sheet: str | None = None  # XLSX: the sheet to read; default the first
    decimal: Literal["auto", "comma", "point"] = "auto"
    delimiter: str | None = None  # CSV: default sniffed among ; , and tab
    unit: str | None = None  # unit of indicators this file introduces ("aantal" makes them additive)

    @field_validator("source")
    @classmethod
    def _source_is_own(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = slug(value)
        # Own figures under a CBS table's name would silently revise that table's observations.
        if _CBS_TABLE.match(value) or value == "statline":
            raise ValueError(f"source {value!r} is the name of a CBS source; choose another name")
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = "\t" if value.lower() in ("tab", "\\t") else value
        if len(value) != 1:
            raise ValueError("delimiter must be one character (or 'tab')")
        return value

    def source_for(self, path: Path) -> str:
        return self.source or f"eigen_{slug(Path(path).stem)}"


@dataclass
class _Sheet:
    """The file as text columns, whatever its format.

    `columns[i]` is string or dictionary<string> text, one entry per data row; `numbers[i]` holds the
    cells that already were numbers (XLSX and Parquet), float64 with null where the cell was text.
    `records` is the line (CSV), row (XLSX) or record number (Parquet) of each data row.
    """

    names: list[str]
    columns: list[pa.ChunkedArray]
    records: pa.Array
    delimiter: str  # for rebuilding a rejected row's text
    numbers: dict[int, pa.ChunkedArray] = field(default_factory=dict)
    rejected: list[tuple[int, str, str, str]] = field(default_factory=list)  # (record, raw, nl, en)
    rows_read: int = 0
    checksum: str = ""  # `file_checksum`, when the reader computed it from the bytes it read anyway


@dataclass
class _Roles:
    layout: Literal["long", "wide"]
    indicator: int | None
    region: int
    period: int
    value: int | None
    status: int | None
    indicator_columns: list[int]  # wide layout: the value columns, one indicator each


# --- public ---------------------------------------------------------------------------------------


def load(path: Path, mapping: FileMapping | None = None) -> ImportBatch:
    """Read an own file into an `ImportBatch`; raises `FileProblem` when the file cannot be read."""
    path = Path(path)
    mapping = mapping or FileMapping()
    if path.is_dir():
        raise FileProblem(path, "is een map, geen bestand", "is a folder, not a file")
    if not path.exists():
        raise FileProblem(path, "bestand bestaat niet", "file does not exist")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        sheet, roles = _read_csv(path, mapping)
    elif suffix in XLSX_SUFFIXES:
        sheet = _read_xlsx(path, mapping)
        roles = _resolve_roles(path, sheet.names, mapping)
    elif suffix in PARQUET_SUFFIXES:
        sheet = _read_parquet(path)
        roles = _resolve_roles(path, sheet.names, mapping)
    elif suffix == ".xls":
        raise FileProblem(path, "het oude Excel-formaat (.xls) wordt niet ondersteund; sla op als .xlsx of .csv",
                          "the old Excel format (.xls) is not supported; save as .xlsx or .csv")
    else:
        raise FileProblem(path, f"bestandstype {suffix or '(geen)'} wordt niet ondersteund; gebruik .csv, .xlsx of .parquet",
                          f"file type {suffix or '(none)'} is not supported; use .csv, .xlsx or .parquet")
    if sheet.rows_read == 0:
        raise FileProblem(path, "bevat geen gegevensregels, alleen een kopregel", "has no data rows, only a header")
    return _to_batch(path, sheet, roles, mapping, sheet.checksum or file_checksum(path))


# --- recognising columns --------------------------------------------------------------------------


def _header_key(name: str) -> str:
    text = name.replace("’", "'").replace("_", " ").replace("-", " ").casefold()
    return " ".join(text.split())


def _resolve_roles(path: Path, names: list[str], mapping: FileMapping) -> _Roles:
    keys = [_header_key(n) for n in names]
    found = ", ".join(n for n in names if n.strip()) or "(geen)"
    found_en = ", ".join(n for n in names if n.strip()) or "(none)"

    def explicit(role: Role, wanted: str) -> int:
        for candidates in ([i for i, n in enumerate(names) if n == wanted],
                           [i for i, k in enumerate(keys) if k == _header_key(wanted)]):
            if candidates:
                return candidates[0]
        raise FileProblem(path, f'kolom "{wanted}" ({ROLE_NL[role]}) ontbreekt; gevonden: {found}',
                          f'column "{wanted}" ({role}) not found; found: {found_en}')

    def recognised(role: Role, taken: set[int]) -> int | None:
        for alias in HEADER_ALIASES[role]:
            for i, key in enumerate(keys):
                if key == alias and i not in taken:
                    return i
        return None

    given: dict[Role, str | None] = {
        "indicator": mapping.indicator_column, "region": mapping.region_column,
        "period": mapping.period_column, "value": mapping.value_column, "status": mapping.status_column,
    }
    roles: dict[Role, int | None] = {}
    for role, wanted in given.items():
        if wanted is not None:
            roles[role] = explicit(role, wanted)
    taken = {i for i in roles.values() if i is not None}
    for role in ("region", "period", "indicator", "value", "status"):
        if role not in roles:
            roles[role] = recognised(role, taken)
            if roles[role] is not None:
                taken.add(roles[role])

    layout = mapping.layout
    if layout == "auto":
        has_long = roles["indicator"] is not None, roles["value"] is not None
        layout = "long" if all(has_long) else "wide" if not any(has_long) else "long"
    if layout == "wide" and mapping.indicator_column is None and mapping.value_column is None:
        # In a wide file "waarde" or "kpi" can only be an indicator's own column title.
        roles["indicator"] = roles["value"] = None
    required: list[Role] = ["region", "period"] + (["indicator", "value"] if layout == "long" else [])
    missing = [r for r in required if roles[r] is None]
    if missing:
        nl = ", ".join(f"{ROLE_NL[r]} (bijv. {', '.join(HEADER_ALIASES[r][:3])})" for r in missing)
        en = ", ".join(f"{r} (e.g. {', '.join(HEADER_ALIASES[r][:3])})" for r in missing)
        hint_nl = hint_en = ""
        if mapping.layout == "auto" and layout == "long":
            hint_nl, hint_en = "; is het een breed bestand, kies dan layout wide", "; for a wide file choose layout wide"
        raise FileProblem(path, f"kolom ontbreekt: {nl}; gevonden: {found}{hint_nl}",
                          f"missing column: {en}; found: {found_en}{hint_en}")

    indicator_columns: list[int] = []
    if layout == "wide":
        # Besides the chosen region and period columns, other region/period-like columns
        # ("gemeentenaam" next to "gemeentecode") describe the row and are no indicators.
        describing = {a for r in ("region", "period", "status") for a in HEADER_ALIASES[r]}
        used = {roles["region"], roles["period"], roles["status"]}
        indicator_columns = [i for i, k in enumerate(keys) if i not in used and k and k not in describing]
        if not indicator_columns:
            raise FileProblem(path, f"geen indicatorkolommen naast regio en periode; gevonden: {found}",
                              f"no indicator columns besides region and period; found: {found_en}")
    return _Roles(layout, roles["indicator"], roles["region"], roles["period"], roles["value"],
                  roles["status"], indicator_columns)


# --- reading CSV ----------------------------------------------------------------------------------


def _read_csv(path: Path, mapping: FileMapping) -> tuple[_Sheet, _Roles]:
    data = _mapped(path)
    head = data[:8192]
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(path, "is UTF-16, geen UTF-8; sla het bestand op als CSV UTF-8",
                          "is UTF-16, not UTF-8; save the file as CSV UTF-8")
    if head.startswith(b"PK\x03\x04"):
        raise FileProblem(path, "is een Excel- of ZIP-bestand, geen CSV; gebruik de extensie .xlsx",
                          "is an Excel or ZIP file, not CSV; use the extension .xlsx")
    if b"\x00" in head:
        raise FileProblem(path, "is geen tekstbestand (bevat nul-bytes)", "is not a text file (contains NUL bytes)")

    # The header: the first non-blank line, after an Excel "sep=;" line if there is one.
    line_no, offset, delimiter = 0, start, mapping.delimiter
    header_text = ""
    while offset < len(data):
        end = data.find(b"\n", offset)
        end = len(data) if end < 0 else end
        line_no += 1
        raw_line = data[offset:end]
        offset = end + 1
        try:
            text = raw_line.decode("utf-8").strip("\r")
        except UnicodeDecodeError as error:
            raise _not_utf8(path, data, end - len(raw_line) + error.start) from error
        if not text.strip():
            continue
        if text.lower().startswith("sep=") and len(text.strip()) == 5 and not header_text:
            delimiter = delimiter or text.strip()[4]
            continue
        header_text = text
        break
    if not header_text:
        raise FileProblem(path, "is leeg", "is empty")
    delimiter = delimiter or _sniff_delimiter(path, data, offset, header_text)
    names = next(csv.reader([header_text], delimiter=delimiter))
    if len(names) < 2:
        raise FileProblem(path, f"is geen tabel: de kopregel heeft geen scheidingsteken {_delimiter_name(delimiter)}",
                          f"is not a table: the header has no {_delimiter_name(delimiter)} separator")
    roles = _resolve_roles(path, names, mapping)
    if _NON_BLANK.search(data, offset) is None:
        raise FileProblem(path, "bevat geen gegevensregels, alleen een kopregel", "has no data rows, only a header")
    key_columns = {i for i in (roles.indicator, roles.region, roles.period, roles.status) if i is not None}

    # Every column is read as text; key columns come dictionary-encoded straight from the reader.
    positional = [f"c{i}" for i in range(len(names))]
    types = {name: pa.dictionary(pa.int32(), pa.string()) if i in key_columns else pa.string()
             for i, name in enumerate(positional)}
    body = pa.py_buffer(data)[offset:] if offset < len(data) else pa.py_buffer(b"")
    # The checksum and the line count run beside Arrow's parsing (both release the interpreter).
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: (data_checksum(path, data), _count_lines(data, offset)))
        table, invalid = _arrow_csv(path, data, start, body, positional, types, delimiter, use_threads=True)
        if invalid and any(number is None for number, _ in invalid):
            # Threaded reading does not know the row numbers of bad rows: read again in one thread.
            table, invalid = _arrow_csv(path, data, start, body, positional, types, delimiter, use_threads=False)
        checksum, newlines = digest.result()

    # Row numbers as Arrow counts them (first body row = 1, blank lines not counted, bad rows
    # counted) to physical line numbers.
    total = table.num_rows + len(invalid)
    line_of_row = _nonblank_lines(data, offset, line_no, total, newlines)
    if not invalid and line_of_row is None:  # the usual file: row n is line header + n
        records, invalid_lines = np.arange(line_no + 1, line_no + total + 1, dtype=np.int64), []
    else:
        row_numbers = np.arange(1, total + 1, dtype=np.int64)
        if invalid:
            row_numbers = np.setdiff1d(row_numbers, np.array([n for n, _ in invalid], dtype=np.int64))
        if line_of_row is None:
            records = row_numbers + line_no
            invalid_lines = [(n + line_no, text) for n, text in invalid]
        else:
            records = line_of_row[row_numbers - 1]
            invalid_lines = [(int(line_of_row[n - 1]), text) for n, text in invalid]
    sheet = _Sheet(
        names=names,
        columns=[table.column(name) for name in positional],
        records=pa.array(records, pa.int64()),
        delimiter=delimiter,
        rows_read=total,
        checksum=checksum,
    )
    for record, text in invalid_lines:
        fields = len(next(csv.reader([text], delimiter=delimiter), []))
        sheet.rejected.append((record, text, f"{fields} velden in plaats van {len(names)}",
                               f"{fields} fields instead of {len(names)}"))
    return sheet, roles


def _mapped(path: Path) -> bytes | mmap.mmap:
    """The file's bytes, memory-mapped: Arrow parses them where they are, without a copy of a
    file of hundreds of megabytes. (Slicing, `find` and the buffer protocol work as on bytes.)"""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return b""
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _count_lines(data: bytes | mmap.mmap, start: int, end: int | None = None) -> int:
    """The number of line feeds in data[start:end]: compared as bytes in place (no copy), in
    slices so the comparison's temporary array stays small."""
    view = np.frombuffer(data, dtype=np.uint8)[start:end] if len(data) else np.zeros(0, np.uint8)
    step = 1 << 24
    return sum(int(np.count_nonzero(view[i: i + step] == 10)) for i in range(0, len(view), step))


def _arrow_csv(path: Path, data: bytes, start: int, body: pa.Buffer, names: list[str],
               types: dict[str, pa.DataType], delimiter: str, use_threads: bool) -> tuple[pa.Table, list[tuple[int | None, str]]]:
    invalid: list[tuple[int | None, str]] = []

    def on_invalid(row: pa_csv.InvalidRow) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.BufferReader(body),
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=use_threads, block_size=8 << 20),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
            convert_options=pa_csv.ConvertOptions(column_types=types, strings_can_be_null=False),
        )
    except pa.ArrowInvalid as error:
        if "utf8" in str(error).lower() or "utf-8" in str(error).lower():
            try:
                data[start:].decode("utf-8")
            except UnicodeDecodeError as decode_error:
                raise _not_utf8(path, data, start + decode_error.start) from error
        raise FileProblem(path, f"kan niet als CSV worden gelezen: {str(error).splitlines()[0]}",
                          f"cannot be read as CSV: {str(error).splitlines()[0]}") from error
    return table, invalid


def _not_utf8(path: Path, data: bytes, position: int) -> FileProblem:
    """The problem for a byte at `position` that is no UTF-8, with its line (often a latin-1 "é")."""
    line = _count_lines(data, 0, position) + 1
    byte = data[position: position + 1].hex()
    return FileProblem(
        path,
        f"is geen UTF-8 (regel {line}, byte 0x{byte}); sla het bestand op als CSV UTF-8",
        f"is not UTF-8 (line {line}, byte 0x{byte}); save the file as CSV UTF-8",
    )


def _sniff_delimiter(path: Path, data: bytes, offset: int, header: str) -> str:
    sample = data[offset: offset + 65536].decode("utf-8", errors="replace")
    sample = header + "\n" + sample[: sample.rfind("\n") + 1] if "\n" in sample else header
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = ""
    if not delimiter or delimiter not in header:
        # The sniffer can be misled by decimal commas in short samples; the header cannot.
        counts = {d: header.count(d) for d in ";,\t"}
        delimiter = max(counts, key=lambda d: counts[d])
        if not counts[delimiter]:
            raise FileProblem(path, "is geen tabel: de kopregel bevat geen ; , of tab als scheidingsteken",
                              "is not a table: the header contains no ; , or tab separator")
    return delimiter


def _delimiter_name(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else f'"{delimiter}"'


def _nonblank_lines(data: bytes, offset: int, header_line: int, rows: int, newlines: int) -> np.ndarray | None:
    """Physical line numbers of the body's non-blank lines, or None when there are no blank lines
    (then row n is simply line header + n): Arrow skips blank lines without counting them.
    `newlines` is the number of line feeds from `offset` on."""
    lines = newlines + (0 if data[-1:] == b"\n" or offset >= len(data) else 1)
    if lines == rows:
        return None
    bytes_ = np.frombuffer(data, dtype=np.uint8, offset=offset)
    ends = np.flatnonzero(bytes_ == 10)
    starts = np.concatenate(([0], ends + 1))
    ends = np.concatenate((ends, [len(bytes_)]))
    lengths = ends - starts
    carriage = np.zeros(len(starts), dtype=bool)
    has_char = lengths > 0
    carriage[has_char] = bytes_[starts[has_char]] == 13
    blank = (lengths == 0) | ((lengths == 1) & carriage)
    nonblank = np.flatnonzero(~blank).astype(np.int64) + header_line + 1
    return nonblank if len(nonblank) >= rows else None  # "\r"-only line ends: numbering is approximate


# --- reading XLSX and Parquet ---------------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        # Excel stores 2024 and 363 as floats; they are a year and a municipal number.
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path, mapping: FileMapping) -> _Sheet:
    import openpyxl  # only needed for this format

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # InvalidFileException, zipfile.BadZipFile, XML errors of a damaged file
        raise FileProblem(path, f"is geen geldig XLSX-bestand ({type(error).__name__})",
                          f"is not a valid XLSX file ({type(error).__name__})") from error
    try:
        if mapping.sheet is not None:
            if mapping.sheet not in workbook.sheetnames:
                raise FileProblem(path, f'tabblad "{mapping.sheet}" ontbreekt; gevonden: {", ".join(workbook.sheetnames)}',
                                  f'sheet "{mapping.sheet}" not found; found: {", ".join(workbook.sheetnames)}')
            worksheet = workbook[mapping.sheet]
        else:
            worksheet = workbook.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple] = []
        records: list[int] = []
        # openpyxl is row-by-row Python; XLSX files are small (Excel stops at 1,048,576 rows).
        for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            if header is None:
                header = [_cell_text(v) or "" for v in row]
                continue
            rows.append(row)
            records.append(number)
    finally:
        workbook.close()
    if header is None:
        raise FileProblem(path, "is leeg (het tabblad bevat geen cellen)", "is empty (the sheet holds no cells)")
    width = len(header)
    while width and not header[width - 1].strip():
        width -= 1
    columns, numbers = [], {}
    for i in range(width):
        cells = [row[i] if i < len(row) else None for row in rows]
        columns.append(pa.chunked_array([pa.array([_cell_text(v) for v in cells], pa.string())]))
        if any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in cells):
            numbers[i] = pa.chunked_array([pa.array(
                [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None for v in cells],
                pa.float64())])
    return _Sheet(header[:width], columns, pa.array(records, pa.int64()), ";", numbers, rows_read=len(rows))


def _read_parquet(path: Path) -> _Sheet:
    import pyarrow.parquet as pq  # only needed for this format

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise FileProblem(path, f"is geen geldig Parquet-bestand ({str(error).splitlines()[0]})",
                          f"is not a valid Parquet file ({str(error).splitlines()[0]})") from error
    columns, numbers = [], {}
    for i, column in enumerate(table.columns):
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or pa.types.is_decimal(column.type):
            numbers[i] = pc.cast(column, pa.float64())
        try:
            text = pc.cast(column, pa.string())
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            text = pa.chunked_array([pa.array([_cell_text(v) for v in column.to_pylist()], pa.string())])
        columns.append(text)
    return _Sheet(list(table.column_names), columns,
                  pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64)), ";", numbers, rows_read=table.num_rows)


# --- per distinct value ---------------------------------------------------------------------------


def _distinct(column: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(distinct texts, each row's index into them): map the few, then spread to the many."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    column = pa.table({"c": column}).unify_dictionaries().column("c")
    if column.num_chunks == 0:
        return pa.array([], pa.string()), pa.array([], pa.int32())
    indices = pa.concat_arrays([chunk.indices for chunk in column.chunks])
    return pc.cast(column.chunk(0).dictionary, pa.string()), indices


def _spread(per_distinct: pa.Array, indices: pa.Array) -> pa.Array:
    """Each row's value: text stays dictionary-encoded (five million rows, a few thousand
    distinct texts), which the store reads as it is — no copy of a string per row."""
    if per_distinct.null_count == len(per_distinct):  # e.g. region_key when every region is a code
        return pa.nulls(len(indices), per_distinct.type)
    if pa.types.is_string(per_distinct.type):
        return pa.DictionaryArray.from_arrays(indices, per_distinct)
    return per_distinct.take(indices)


def _rows_where(per_distinct: pa.Array, indices: pa.Array) -> pa.Array | None:
    """Each row's flag, from its distinct value's; None when no distinct value is flagged."""
    return _spread(per_distinct, indices) if pc.any(per_distinct).as_py() else None


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column


# --- numbers --------------------------------------------------------------------------------------


def _decimal_style(path: Path, text: pa.ChunkedArray, records: pa.ChunkedArray, requested: str, delimiter: str) -> str:
    """Which of "1.234,5" (comma) and "1,234.5" (point) the file uses.

    A cell that is a valid number in one style only is evidence ("1,5", "1.234,5" -> comma; "1.5",
    "1,234.5" -> point); "1,234" or "1.234" fit both. Evidence for both is refused (a guess would be
    off by a factor 1000 somewhere). Without evidence a `;`-separated file (Excel in Dutch) uses a
    decimal comma, any other a decimal point.
    """
    if requested != "auto":
        return requested
    if not _any_contains(text, ",") and not _any_contains(text, "."):
        return "point"
    # The first cells usually settle it; only when they do not is the whole column searched.
    candidates = [text.slice(0, _EVIDENCE_SAMPLE), text] if len(text) > _EVIDENCE_SAMPLE else [text]
    for candidate in candidates:
        sample = pc.utf8_trim(candidate, " \u00a0\t")
        dutch = pc.match_substring_regex(sample, _DUTCH_NUMBER)
        english = pc.match_substring_regex(sample, _ENGLISH_NUMBER)
        only_dutch = pc.and_(dutch, pc.invert(english))
        only_english = pc.and_(english, pc.invert(dutch))
        has_dutch, has_english = pc.any(only_dutch).as_py(), pc.any(only_english).as_py()
        if has_dutch and has_english:
            first_nl = pc.index(only_dutch, True).as_py()
            first_en = pc.index(only_english, True).as_py()
            nl_cell, en_cell = sample[first_nl].as_py(), sample[first_en].as_py()
            nl_line, en_line = records[first_nl].as_py(), records[first_en].as_py()
            raise FileProblem(
                path,
                f'gemengde getalnotatie: "{nl_cell}" (regel {nl_line}) en "{en_cell}" (regel {en_line}); '
                'geef decimal "comma" of "point" op in de koppeling',
                f'mixed number formats: "{nl_cell}" (line {nl_line}) and "{en_cell}" (line {en_line}); '
                'set decimal "comma" or "point" in the mapping',
            )
        if has_dutch:
            return "comma"
        if has_english:
            return "point"
    return "comma" if delimiter == ";" else "point"


def _any_contains(text: pa.ChunkedArray, needle: str) -> bool:
    """Whether any cell contains `needle`: one search through the cells' bytes (a string column
    keeps them end to end in one buffer), not a match per cell."""
    wanted = re.compile(re.escape(needle.encode()))
    for chunk in text.chunks:
        if len(chunk) == 0:
            continue
        chunk = chunk.cast(pa.string()) if not pa.types.is_string(chunk.type) else chunk
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset: chunk.offset + len(chunk) + 1]
        cells = chunk.buffers()[2]
        if cells is not None and wanted.search(cells.slice(offsets[0], offsets[-1] - offsets[0])):
            return True
    return False


def _empty_as_null(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Empty cells as null: a new validity bitmap over the same text (no copy of five million
    strings, as `if_else` would make)."""
    chunks = []
    for chunk in text.chunks:
        chunk = chunk.cast(pa.string()) if not pa.types.is_string(chunk.type) else chunk
        if len(chunk) == 0:
            chunks.append(chunk)
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset: chunk.offset + len(chunk) + 1]
        valid = np.diff(offsets) != 0
        if chunk.null_count:
            valid &= chunk.is_valid().to_numpy(zero_copy_only=False)
        # The bitmap counts from the start of the buffers, like the offsets.
        bitmap = pa.array(np.concatenate([np.zeros(chunk.offset, dtype=bool), valid])).buffers()[1]
        chunks.append(pa.Array.from_buffers(pa.string(), len(chunk), [bitmap, *chunk.buffers()[1:]],
                                            null_count=int(len(chunk) - valid.sum()), offset=chunk.offset))
    return pa.chunked_array(chunks, pa.string())


def _to_float(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """`pc.cast(text, float64)`, the chunks cast on two threads (one cast uses one)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return pa.chunked_array(list(pool.map(lambda chunk: pc.cast(chunk, pa.float64()), text.chunks)), pa.float64())


def _parse_values(text: pa.ChunkedArray, style: str) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """(float64 values, bad) for text cells in the given style. Empty cells are null, not bad.

    Fast path: drop the grouping separators and let Arrow cast; every cell that Arrow cannot read
    (CBS symbols, "-", spaces, typing errors) sends the column through `common.parse_numbers`.
    Either way a cell whose separators do not fit the style ("1.5" in a decimal-comma file) is
    bad, never silently read as 15.
    """
    grouping, decimal_mark = (".", ",") if style == "comma" else (",", ".")
    has_grouping = _any_contains(text, grouping)
    candidate = pc.replace_substring(text, grouping, "") if has_grouping else text
    if decimal_mark == ",":
        candidate = pc.replace_substring(candidate, ",", ".")
    candidate = _empty_as_null(candidate)
    try:
        values = _to_float(candidate)
        if not pc.all(pc.is_finite(values)).as_py():  # "nan" and "inf" are text for parse_numbers
            raise pa.ArrowInvalid("non-finite")
        if not has_grouping:
            return values, pa.array(np.zeros(len(values), dtype=bool))
        checked = pc.match_substring_regex(text, _STYLE_PATTERN[style])
        bad = pc.and_(pc.is_valid(values), pc.invert(pc.fill_null(checked, False)))
        return pc.if_else(bad, pa.scalar(None, pa.float64()), values), bad
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    values, bad = parse_numbers(text, style)
    trimmed = pc.replace_substring(pc.utf8_trim(text, " \u00a0\t\"'"), " ", "")
    fits = pc.or_(pc.match_substring_regex(trimmed, _STYLE_PATTERN[style]), pc.equal(trimmed, "-"))
    misfit = pc.and_(pc.is_valid(values), pc.invert(pc.fill_null(fits, False)))
    bad = pc.or_(bad, misfit)
    return pc.if_else(misfit, pa.scalar(None, pa.float64()), values), bad


# --- building the batch ---------------------------------------------------------------------------


def _indicator_for(text: str, source: str, unit: str) -> CanonicalIndicator:
    if (canonical := canonical_by_id(text)) is not None:
        return canonical
    identifier = text if _ID.match(text) else generated_indicator_id(source, text)
    return CanonicalIndicator(id=identifier, title_nl=text, title_en=text, unit=unit, additive=unit == "aantal")


def _reasons(kind: str, column: str, cells: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Dutch and English reasons for rejected cells, with the cell's text."""
    quoted = pc.binary_join_element_wise('"', pc.fill_null(cells, ""), '"', "")
    templates = {
        "value": ("waarde {} in kolom " + column + " is geen getal", "value {} in column " + column + " is not a number"),
        "period": ("periode {} in kolom " + column + " is geen periode (zoals 2024, 2024-Q1, 2024-01)",
                   "period {} in column " + column + " is not a period (such as 2024, 2024-Q1, 2024-01)"),
        "region": ("regio ontbreekt in kolom " + column, "region missing in column " + column),
        "indicator": ("indicator ontbreekt in kolom " + column, "indicator missing in column " + column),
        "status": ("status {} in kolom " + column + " is onbekend (definitief, voorlopig, ontbreekt, onmogelijk)",
                   "status {} in column " + column + " is unknown (definitive, provisional, missing, impossible)"),
    }
    out = []
    for template in templates[kind]:
        before, _, after = template.partition("{}")
        if "{}" in template:
            out.append(pc.binary_join_element_wise(before, quoted, after, ""))
        else:
            out.append(pa.array([template] * len(cells), pa.string()))
    return out[0], out[1]


def _to_batch(path: Path, sheet: _Sheet, roles: _Roles, mapping: FileMapping, checksum: str) -> ImportBatch:
    source = mapping.source_for(path)
    unit = mapping.unit or ""
    names, columns = sheet.names, sheet.columns
    n = len(sheet.records)

    # Row-level keys, parsed once per distinct text; arrays of length n (one per data row).
    region_texts, region_index = _distinct(columns[roles.region])
    region_code, region_key = region_columns(region_texts)
    region_stripped = pc.utf8_trim_whitespace(region_texts)
    region_empty = pc.fill_null(pc.equal(region_stripped, ""), True)
    period_texts, period_index = _distinct(columns[roles.period])
    periods, provisional = period_columns(period_texts)
    row_status = _spread(pc.if_else(pc.fill_null(provisional, False), "provisional", "definitive"), period_index)

    row_given = None
    problems: list[tuple[str, int, pa.Array | None]] = []
    if roles.layout == "long":
        indicator_texts, indicator_index = _distinct(columns[roles.indicator])
        stripped = pc.utf8_trim_whitespace(indicator_texts)
        indicator_empty = pc.fill_null(pc.equal(stripped, ""), True)
        definitions = [None if empty else _indicator_for(text, source, unit)
                       for text, empty in zip(stripped.to_pylist(), indicator_empty.to_pylist())]
        problems.append(("indicator", roles.indicator, _rows_where(indicator_empty, indicator_index)))
    problems.append(("region", roles.region, _rows_where(region_empty, region_index)))
    problems.append(("period", roles.period, _rows_where(pc.is_null(periods), period_index)))
    if roles.status is not None:
        status_texts, status_index = _distinct(columns[roles.status])
        given = pa.array([STATUS_WORDS.get(" ".join((s or "").casefold().split())) for s in status_texts.to_pylist()],
                         pa.string())
        row_given = _spread(given, status_index)
        problems.append(("status", roles.status, pc.is_null(row_given)))
        # "voorlopig" in the status column makes a row provisional, as does a period mark ("2024*").
        row_status = pc.if_else(pc.equal(pc.fill_null(row_given, ""), "provisional"), "provisional", row_status)

    # One rejected record per row, for the first problem found in the order above.
    row_rejected = pa.array(np.zeros(n, dtype=bool))
    rejected_parts: list[pa.Table] = []
    for kind, column, mask in problems:
        if mask is None:
            continue
        new = pc.and_(mask, pc.invert(row_rejected))
        if pc.any(new).as_py():
            rejected_parts.append(_rejected(sheet, new, kind, column))
            row_rejected = pc.or_(row_rejected, new)

    # Values: the value column (long), or the indicator columns one after the other (wide), so
    # row-level arrays are repeated once per value column.
    value_columns = [roles.value] if roles.layout == "long" else roles.indicator_columns
    repeat = len(value_columns)

    def repeated(array: pa.Array) -> pa.Array:
        return array if repeat == 1 else pa.concat_arrays([array] * repeat)

    value_text = pa.chunked_array([c for i in value_columns for c in _as_text(columns[i]).chunks], pa.string())
    given_numbers = None
    if any(i in sheet.numbers for i in value_columns):
        # XLSX/Parquet cells that already are numbers are taken as they are; only text is parsed.
        given_numbers = pa.chunked_array(
            [c for i in value_columns
             for c in (sheet.numbers[i].chunks if i in sheet.numbers else [pa.nulls(n, pa.float64())])],
            pa.float64())
        value_text = pc.if_else(pc.is_valid(given_numbers), pa.scalar(None, pa.string()), value_text)
    records = repeated(sheet.records)
    style = _decimal_style(path, value_text, records, mapping.decimal, sheet.delimiter)
    values, value_bad = _parse_values(value_text, style)
    if given_numbers is not None:
        values = pc.coalesce(given_numbers, values)
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    value_bad = value_bad.combine_chunks() if isinstance(value_bad, pa.ChunkedArray) else value_bad

    rejected_rows = repeated(row_rejected)
    value_rejected = pc.and_(value_bad, pc.invert(rejected_rows))
    if pc.any(value_rejected).as_py():
        for k, column in enumerate(value_columns):
            mask = value_rejected.slice(k * n, n)
            if pc.any(mask).as_py():
                rejected_parts.append(_rejected(sheet, mask, "value", column))
    keep = pc.invert(pc.or_(rejected_rows, value_bad))

    if roles.layout == "long":
        ids = pa.array([d.id if d else None for d in definitions], pa.string())
        indicator_ids = _spread(ids, indicator_index)
        used = {d.id: (d, text) for d, text in zip(definitions, stripped.to_pylist()) if d is not None}
    else:
        used, per_column = {}, []
        for column in value_columns:
            title = names[column].strip()
            definition = _indicator_for(title, source, unit)
            used.setdefault(definition.id, (definition, title))
            per_column.append(definition.id)
        # Column k's id for its n rows, without a Python list of n x k strings.
        indicator_ids = pa.array(per_column, pa.string()).take(pa.array(np.repeat(np.arange(repeat), n)))

    status = repeated(row_status)
    if pc.any(pc.is_null(values)).as_py():
        # No value: missing, or impossible when the status column says so.
        empty_status: pa.Array | pa.Scalar = pa.scalar("missing")
        if row_given is not None:
            empty_status = pc.if_else(pc.equal(pc.fill_null(repeated(row_given), ""), "impossible"), "impossible", "missing")
        status = pc.if_else(pc.is_null(values), empty_status, status)

    columns_out = {
        "record": records,
        "indicator_id": indicator_ids,
        "region_code": repeated(_spread(region_code, region_index)),
        "region_key": repeated(_spread(region_key, region_index)),
        "region_text": repeated(_spread(region_stripped, region_index)),
        "period": repeated(_spread(periods, period_index)),
        "value": values,
        "status": status,
    }
    if not pc.all(keep).as_py():
        columns_out = {name: pc.filter(array, keep) for name, array in columns_out.items()}
    observations = observation_table(columns_out)

    if sheet.rejected:
        records_, raws, nl, en = zip(*sheet.rejected)
        rejected_parts.insert(0, pa.table({"record": pa.array(records_, pa.int64()), "raw": pa.array(raws, pa.string()),
                                           "field": pa.nulls(len(raws), pa.string()),
                                           "reason_nl": pa.array(nl, pa.string()), "reason_en": pa.array(en, pa.string())},
                                          schema=REJECTED_SCHEMA))
    rejected = pa.concat_tables(rejected_parts).sort_by("record") if rejected_parts else empty_rejected()

    indicators = [(definition, measure, measure, definition.unit) for definition, measure in used.values()]
    return ImportBatch(
        kind=KIND,
        file=str(path),
        checksum=checksum,
        source_table=source,
        source_title=path.name,
        licence="",
        rows_read=sheet.rows_read,
        observations=observations,
        rejected=rejected,
        indicators=indicators,
    )


def _rejected(sheet: _Sheet, mask: pa.Array, kind: str, column: int) -> pa.Table:
    """Rejected records for the rows in `mask`: line, the row's text rebuilt, the column, reasons."""
    rows = pc.indices_nonzero(mask)
    fields = [pc.fill_null(_as_text(c).take(rows), "") for c in sheet.columns]
    raw = pc.binary_join_element_wise(*fields, sheet.delimiter) if len(fields) > 1 else fields[0]
    nl, en = _reasons(kind, sheet.names[column], _as_text(sheet.columns[column]).take(rows))
    return pa.table({
        "record": sheet.records.take(rows),
        "raw": raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw,
        "field": pa.array([sheet.names[column]] * len(rows), pa.string()),
        "reason_nl": nl.combine_chunks() if isinstance(nl, pa.ChunkedArray) else nl,
        "reason_en": en.combine_chunks() if isinstance(en, pa.ChunkedArray) else en,
    }, schema=REJECTED_SCHEMA)
