"""Reading an own file, whatever its format, into a `Sheet`: its headers and text columns.

A CSV is memory-mapped and parsed by Arrow with every column as text (key columns
dictionary-encoded while reading); its checksum and line count are computed on a second thread
meanwhile. XLSX (openpyxl) and Parquet files are small by comparison and read as they are; their
cells that already are numbers are kept as numbers beside the text.
"""

from __future__ import annotations

import csv
import mmap
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from koers.errors import FileProblem
from koers.i18n import Message
from koers.sources.common import data_checksum
from koers.sources.own_file.mapping import FileMapping, Roles, resolve_roles

_NON_BLANK = re.compile(rb"\S")


@dataclass
class Sheet:
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
    rejected: list[tuple[int, str, Message]] = field(default_factory=list)  # (record, raw, reason)
    # XLSX: per column, which cells hold a formula that Excel never computed (no cached value:
    # openpyxl reads them as empty); only columns that have such a cell.
    formulas: dict[int, pa.Array] = field(default_factory=dict)
    rows_read: int = 0
    checksum: str = ""  # `file_checksum`, when the reader computed it from the bytes it read anyway
    # The decimal style the file's form implies when no cell shows it: "comma" for a `;`-separated
    # CSV (Excel writes `;` where the decimal separator is the comma); None when nothing does.
    implied_decimal: str | None = None


def read_csv(path: Path, mapping: FileMapping) -> tuple[Sheet, Roles]:
    """The CSV as a sheet, and its roles (resolved before the body is read: key columns are
    read dictionary-encoded)."""
    data = _mapped(path)
    start = _text_start(path, data)
    line_no, offset, delimiter, header_text = _header(path, data, start, mapping.delimiter)
    names = next(csv.reader([header_text], delimiter=delimiter))
    if len(names) < 2:
        raise FileProblem(path, "errors.own_file.no_separator", separator=_delimiter_name(delimiter))
    roles = resolve_roles(path, names, mapping)
    if _NON_BLANK.search(data, offset) is None:
        raise FileProblem(path, "errors.file.header_only")
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

    total = table.num_rows + len(invalid)
    records, invalid_lines = _line_numbers(data, offset, line_no, total, invalid, newlines)
    sheet = Sheet(
        names=names,
        columns=[table.column(name) for name in positional],
        records=pa.array(records, pa.int64()),
        delimiter=delimiter,
        rows_read=total,
        checksum=checksum,
        implied_decimal="comma" if delimiter == ";" else None,
    )
    for record, text in invalid_lines:
        fields = len(next(csv.reader([text], delimiter=delimiter), []))
        sheet.rejected.append((record, text, Message("rejected.field_count", fields=fields, expected=len(names))))
    return sheet, roles


def _text_start(path: Path, data: bytes | mmap.mmap) -> int:
    """Where the text starts (after a UTF-8 byte order mark); a FileProblem for a file that is no
    UTF-8 text."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(path, "errors.own_file.utf16")
    if head.startswith(b"PK\x03\x04"):
        raise FileProblem(path, "errors.own_file.zip_not_csv")
    if b"\x00" in head:
        raise FileProblem(path, "errors.own_file.nul_bytes")
    return 3 if head.startswith(b"\xef\xbb\xbf") else 0


def _header(path: Path, data: bytes | mmap.mmap, start: int, delimiter: str | None) -> tuple[int, int, str, str]:
    """(line number of the header, offset of the body, delimiter, header text).

    The header is the first non-blank line, after an Excel "sep=;" line if there is one; without
    a delimiter given or in that line, it is sniffed.
    """
    line_no, offset = 0, start
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
        raise FileProblem(path, "errors.file.empty")
    return line_no, offset, delimiter or _sniff_delimiter(path, data, offset, header_text), header_text


def _line_numbers(data: bytes | mmap.mmap, offset: int, line_no: int, total: int, invalid: list[tuple[int, str]],
                  newlines: int) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """(line number of each parsed row, (line number, text) of each invalid row).

    Arrow numbers rows from the first body row = 1, without blank lines and with invalid rows;
    `line_no` is the header's line, `total` the rows parsed and invalid.
    """
    line_of_row = _nonblank_lines(data, offset, line_no, total, newlines)
    if not invalid and line_of_row is None:  # the usual file: row n is line header + n
        return np.arange(line_no + 1, line_no + total + 1, dtype=np.int64), []
    row_numbers = np.arange(1, total + 1, dtype=np.int64)
    if invalid:
        row_numbers = np.setdiff1d(row_numbers, np.array([n for n, _ in invalid], dtype=np.int64))
    if line_of_row is None:
        return row_numbers + line_no, [(n + line_no, text) for n, text in invalid]
    return line_of_row[row_numbers - 1], [(int(line_of_row[n - 1]), text) for n, text in invalid]


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
        raise FileProblem(path, "errors.own_file.unreadable_csv", detail=str(error).splitlines()[0]) from error
    return table, invalid


def _not_utf8(path: Path, data: bytes, position: int) -> FileProblem:
    """The problem for a byte at `position` that is no UTF-8, with its line (often a latin-1 "é")."""
    line = _count_lines(data, 0, position) + 1
    byte = data[position: position + 1].hex()
    return FileProblem(path, "errors.own_file.not_utf8", line=line, byte=byte)


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
            raise FileProblem(path, "errors.own_file.no_known_separator")
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


def read_xlsx(path: Path, mapping: FileMapping) -> Sheet:
    import openpyxl  # only needed for this format

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # InvalidFileException, zipfile.BadZipFile, XML errors of a damaged file
        raise FileProblem(path, "errors.own_file.invalid_xlsx", error_type=type(error).__name__) from error
    try:
        if mapping.sheet is not None:
            if mapping.sheet not in workbook.sheetnames:
                raise FileProblem(path, "errors.own_file.missing_sheet", sheet=mapping.sheet,
                                  found=", ".join(workbook.sheetnames))
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
        raise FileProblem(path, "errors.own_file.empty_sheet")
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
    formulas: dict[int, pa.Array] = {}
    if any(i >= len(row) or row[i] is None for row in rows for i in range(width)):
        formulas = _uncomputed_formulas(path, worksheet.title, records, rows, width)
    return Sheet(header[:width], columns, pa.array(records, pa.int64()), ";", numbers, rows_read=len(rows),
                 formulas=formulas)


def _uncomputed_formulas(path: Path, sheet_name: str, records: list[int], cached: list[tuple],
                         width: int) -> dict[int, pa.Array]:
    """Per column, the data rows whose cell is a formula without a cached value (`cached`: the
    rows as read with their cached values).

    Read with `data_only=True` such a cell is None, as an empty cell is: a workbook written by a
    program (not saved by Excel) carries formulas without results. Only the formulas themselves
    tell them apart, so the sheet is read a second time for them — only when it has empty cells.
    """
    import openpyxl

    wanted = {record: k for k, record in enumerate(records)}
    flags: dict[int, np.ndarray] = {}
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for number, row in enumerate(workbook[sheet_name].iter_rows(values_only=True), start=1):
            k = wanted.get(number)
            if k is None:
                continue
            for i, value in enumerate(row[:width]):
                if _is_formula(value) and (i >= len(cached[k]) or cached[k][i] is None):
                    flags.setdefault(i, np.zeros(len(records), dtype=bool))[k] = True
    finally:
        workbook.close()
    return {i: pa.array(flag) for i, flag in flags.items()}


def _is_formula(value: object) -> bool:
    """A cell's content as openpyxl reads it without cached values: "=SUM(A1:A3)", or an array or
    data-table formula object."""
    if isinstance(value, str):
        return value.startswith("=")
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def read_parquet(path: Path) -> Sheet:
    import pyarrow.parquet as pq  # only needed for this format

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise FileProblem(path, "errors.own_file.invalid_parquet", detail=str(error).splitlines()[0]) from error
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
    return Sheet(list(table.column_names), columns,
                  pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64)), ";", numbers, rows_read=table.num_rows)

