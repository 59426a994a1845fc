"""StatLine's CSV download (the CBS website's "CSV met puntkomma's"), one table in wide form::

    "Regio's";"Perioden";"Bevolking/Bevolkingssamenstelling op 1 januari/Totale bevolking (aantal)"
    "Nederland";"2019";"  17282163"
    "Appingedam";"2021";""
    "Amsterdam";"2024*";"    931298"

`;`-separated, UTF-8 with a BOM, CRLF line ends, every field quoted, numbers left-padded with spaces,
a decimal comma or point and never a thousands separator. Regions are written by NAME ("Groningen
(gemeente)", "Bergen (NH.)"); the store resolves them with the registry's names, so a bare
"Groningen" (municipality or province?) is refused rather than guessed. Periods are titles ("2024",
"2024 1e kwartaal"); `*` marks provisional figures, `**` "nader voorlopig" (both: provisional).

Each measure column (a `/`-separated topic path ending in the unit in parentheses) becomes one
indicator per file row, keyed by its last segment ("Totale bevolking (aantal)"), so the long result
is one observation per row x measure column. A dimension column with several values (such as
"Geslacht") becomes part of the measure key ("Totale bevolking (aantal)|Geslacht=Mannen"); one with
a single value (a table sliced to its totals) is ignored. Text topics ("Regioaanduiding/Gemeentenaam
(naam)") are no measures; "Regioaanduiding/Codering (code)", when downloaded, gives the region's CBS
code. An empty cell is a missing value, never 0: the store marks it impossible when the region did
not exist in that period.

Files are small (a national table is some 50,000 lines), so the stdlib `csv` module reads them;
parsing of numbers, regions and periods is vectorised all the same.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from koers.indicators.catalogue import CBS_LICENCE, CanonicalIndicator, canonical_for, generated_indicator_id
from koers.errors import FileProblem, KoersError
from koers.i18n import Message
from koers.sources.common import (
    file_checksum,
    map_distinct,
    observation_table,
    parse_numbers,
    period_columns,
    region_columns,
    rejected_table,
)
from koers.sources.names import source_name_problem
from koers.sources.source import Argument, Source, Upload, UploadField
from koers.progress import Progress
from koers.store import ImportBatch

if TYPE_CHECKING:
    import argparse

KIND = "statline-csv"
DEFAULT_TABLE = "statline"
_TABLE_ID = re.compile(r"^(\d{5}[a-zA-Z]{3})")
_UNIT = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
REGION_HEADERS = {"regio's", "regios", "regio", "gemeenten", "gemeente", "wijken en buurten"}
PERIOD_HEADERS = {"perioden", "periode"}
TEXT_UNITS = {"naam", "code", "omschrijving", "tekst"}  # units of text topics: no numbers
# A police regional unit ("Amsterdam (RE)", "Niet in te delen (RE)") among the municipalities of a
# police table: no region of the registry, so each such row is rejected with that reason.
POLICE_UNIT = r"\(RE\)$"
# A rejected line: (line number, the line, the column or "", the reason).
_Rejected = tuple[int, str, str, Message]


def load(path: Path, table: str | None = None) -> ImportBatch:
    """Read a StatLine CSV download; `table` is the CBS table id (default: from the file name)."""
    path = Path(path)
    lines = _read_lines(path)
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise FileProblem(path, "errors.file.empty")
    table_id = _table_id(path, table)
    titled = _titled_layout(path, lines)
    source_title, slices = path.name, ""
    if titled is not None:
        source_title, slices, names, rows, line_numbers, rejected_records, rows_read = titled
    else:
        names = [name.strip() for name in next(csv.reader([lines[header_index]], delimiter=";"))]
        rows, line_numbers, rejected_records, rows_read = _data_rows(lines, header_index, names)
    region, period, measures, dimensions, code_column = _columns(path, names)
    if rows_read == 0:
        raise FileProblem(path, "errors.file.header_only")

    # Column-wise from here: arrays of one entry per accepted data line.
    columns = [pa.array(column, pa.string()) for column in zip(*rows)] if rows else \
        [pa.array([], pa.string()) for _ in names]
    region_text = pc.utf8_trim_whitespace(columns[region])
    region_code, region_key = region_columns(region_text)
    if code_column is not None:
        # "Regioaanduiding/Codering (code)" holds the CBS code ("GM0363    "): better than a name.
        codes, _ = region_columns(pc.utf8_trim_whitespace(columns[code_column]))
        region_code = pc.coalesce(codes, region_code)
    periods, provisional = period_columns(columns[period])
    row_ok = _key_problems(lines, line_numbers, names, columns, region, period, region_text, periods, rejected_records)

    # Dimensions with several values split the measures: "|Geslacht=Mannen" per row.
    split = [d for d in dimensions if len(set(pc.utf8_trim_whitespace(columns[d]).to_pylist())) > 1]
    suffix = pa.array([slices] * len(rows), pa.string())
    for d in split:
        suffix = pc.binary_join_element_wise(suffix, f"|{names[d]}=", pc.utf8_trim_whitespace(columns[d]), "")
    keys, indicators = _measure_keys(table_id, names, measures, sorted(set(suffix.to_pylist())))
    ids = {key: definition.id for definition, key, _, _ in indicators}

    # Wide to long: the measure columns one after the other, row-level arrays repeated per column.
    repeat = len(measures)

    def repeated(array: pa.Array) -> pa.Array:
        return pa.concat_arrays([array] * repeat)

    values, keep = _values(lines, line_numbers, names, columns, measures, repeated(row_ok), rejected_records)
    indicator_ids = pa.concat_arrays([map_distinct(suffix, lambda s, m=m: ids[keys[m] + s]) for m in measures])
    status = pc.if_else(pc.is_null(values), "missing",
                        pc.if_else(pc.fill_null(repeated(provisional), False), "provisional", "definitive"))

    observations = observation_table({
        name: pc.filter(array, keep) for name, array in {
            "record": repeated(pa.array(line_numbers, pa.int64())),
            "indicator_id": indicator_ids,
            "region_code": repeated(region_code),
            "region_key": repeated(region_key),
            "region_text": repeated(region_text),
            "period": repeated(periods),
            "value": values,
            "status": status,
            "raw": repeated(pa.array([lines[n - 1] for n in line_numbers], pa.string())),
        }.items()
    })
    rejected_records.sort(key=lambda r: r[0])
    rejected = rejected_table(
        [r[0] for r in rejected_records], [r[1] for r in rejected_records], [r[2] or None for r in rejected_records],
        [r[3] for r in rejected_records],
    )
    return ImportBatch(
        kind=KIND,
        file=str(path),
        checksum=file_checksum(path),
        source_table=table_id,
        source_title=source_title,
        licence=CBS_LICENCE,
        rows_read=rows_read,
        observations=observations,
        rejected=rejected,
        indicators=indicators,
    )


def _titled_layout(path: Path, lines: list[str]) -> tuple[str, str, list[str], list[list[str]], list[int], list[_Rejected], int] | None:
    """The download with title lines, or None when the file starts with its header row::

        "Geregistreerde misdrijven en aangiften; soort misdrijf, gemeente 2026"   the table's title
        "Soort misdrijf: Totaal misdrijven"                                       the slice, one per line
        ""
        "Onderwerp";"Geregistreerde misdrijven";"Geregistreerde misdrijven"      the measure per column
        "Perioden";"2022";"2023"                                                  the period per column
        "Regio's";"aantal";"aantal"                                               the unit per column
        "Nederland";"800027";"805590"                                             region by name, values
        ...
        "Bron: Politie"                                                           a footnote

    Returns (title, slice suffix "|Soort misdrijf=Totaal misdrijven", and in the plain layout's long
    form: names ["Regio's", "Perioden", "<measure> (<unit>)"...], rows [region, period, value...] —
    one per data line and period —, their line numbers, rejected lines, data lines read).
    """
    parsed = list(csv.reader(lines, delimiter=";"))
    first = next((i for i, fields in enumerate(parsed) if any(f.strip() for f in fields)), None)
    if first is None or len(parsed[first]) != 1:
        return None
    heads = {fields[0].strip().casefold().replace("’", "'"): i for i, fields in enumerate(parsed[:40]) if len(fields) > 1}
    subject, period_line = heads.get("onderwerp"), next((heads[k] for k in PERIOD_HEADERS if k in heads), None)
    unit_line = next((i for k, i in heads.items() if k in REGION_HEADERS or k.startswith("regio")), None)
    if period_line is None or unit_line is None:
        return None
    title = parsed[first][0].strip()
    slices = [fields[0].strip() for fields in parsed[first + 1:min(period_line, unit_line, subject or period_line)]
              if len(fields) == 1 and ":" in fields[0]]
    suffix = "".join("|{}={}".format(*(part.strip() for part in text.split(":", 1))) for text in slices)
    width = len(parsed[unit_line])
    periods = [p.strip() for p in parsed[period_line][1:]]
    units = [u.strip() for u in parsed[unit_line][1:]]
    subjects = [t.strip() for t in parsed[subject][1:]] if subject is not None else [title] * (width - 1)
    if len(periods) != width - 1 or len(subjects) != width - 1:
        raise FileProblem(path, "errors.statline.title_layout_mismatch", line=period_line + 1)
    measures = list(dict.fromkeys(f"{t} ({u})" if u else t for t, u in zip(subjects, units)))
    names = [parsed[unit_line][0].strip(), parsed[period_line][0].strip(), *measures]
    by_period: dict[str, list[tuple[int, int]]] = {}  # period -> (file column, measure position)
    for column, (t, u, p) in enumerate(zip(subjects, units, periods), start=1):
        by_period.setdefault(p, []).append((column, measures.index(f"{t} ({u})" if u else t)))
    data_start = max(period_line, unit_line, subject or 0) + 1
    # Footnotes ("Bron: Politie") close the file: one field each, after the last data line.
    end = len(parsed)
    while end > data_start and len(parsed[end - 1]) <= 1:
        end -= 1
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    rejected: list[_Rejected] = []
    rows_read = 0
    for index in range(data_start, end):
        fields = parsed[index]
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        rows_read += 1
        if len(fields) != width:
            rejected.append((index + 1, lines[index], "", Message("rejected.field_count", fields=len(fields), expected=width)))
            continue
        for p, cells in by_period.items():
            row = [fields[0], p] + [""] * len(measures)
            for column, position in cells:
                row[2 + position] = fields[column]
            rows.append(row)
            line_numbers.append(index + 1)
    return title, suffix, names, rows, line_numbers, rejected, rows_read


def _data_rows(lines: list[str], header_index: int, names: list[str]) -> tuple[list[list[str]], list[int], list[_Rejected], int]:
    """(the data lines' fields, their line numbers, rejected lines, data lines read). A line with
    the wrong number of fields is rejected as a whole; blank lines are skipped."""
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    rejected: list[_Rejected] = []
    reader = csv.reader(lines[header_index + 1:], delimiter=";")
    rows_read = 0
    for fields in reader:
        line_no = header_index + 1 + reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        rows_read += 1
        if len(fields) != len(names):
            rejected.append((line_no, lines[line_no - 1], "",
                             Message("rejected.field_count", fields=len(fields), expected=len(names))))
            continue
        rows.append(fields)
        line_numbers.append(line_no)
    return rows, line_numbers, rejected, rows_read


def _key_problems(lines: list[str], line_numbers: list[int], names: list[str], columns: list[pa.Array], region: int,
                  period: int, region_text: pa.Array, periods: pa.Array, rejected: list[_Rejected]) -> pa.Array:
    """Rows without a region or with a period that is no period: one rejected record per line,
    added to `rejected`. Returns which rows are fine."""
    no_region = pc.equal(region_text, "")
    police_unit = pc.match_substring_regex(region_text, POLICE_UNIT)
    bad_period = pc.is_null(periods)
    problems = pc.or_(pc.or_(no_region, police_unit), bad_period)
    for index in pc.indices_nonzero(problems).to_pylist():
        if no_region[index].as_py():
            reason, column = Message("rejected.statline.region_missing"), names[region]
        elif police_unit[index].as_py():
            reason, column = Message("rejected.statline.police_unit", cell=region_text[index].as_py()), names[region]
        else:
            reason = Message("rejected.statline.not_a_period", cell=columns[period][index].as_py())
            column = names[period]
        rejected.append((line_numbers[index], lines[line_numbers[index] - 1], column, reason))
    return pc.invert(problems)


def _values(lines: list[str], line_numbers: list[int], names: list[str], columns: list[pa.Array], measures: list[int],
            long_ok: pa.Array, rejected: list[_Rejected]) -> tuple[pa.Array, pa.Array]:
    """(values, which to keep) of the measure columns one after the other; `long_ok` says which
    of those rows are fine. A cell that is no number is a rejected record, added to `rejected`."""
    text = pa.concat_arrays([columns[m] for m in measures])
    # StatLine never groups thousands, so a comma can only be a decimal comma.
    values, bad = parse_numbers(pc.replace_substring(text, ",", "."), decimal="point")
    rows = len(line_numbers)
    for index in pc.indices_nonzero(pc.and_(bad, long_ok)).to_pylist():
        m, row = measures[index // rows], index % rows
        cell = columns[m][row].as_py().strip()
        rejected.append((line_numbers[row], lines[line_numbers[row] - 1], names[m],
                         Message("rejected.statline.not_a_number", cell=cell)))
    return values, pc.and_(long_ok, pc.invert(bad))


def _measure_keys(table_id: str, names: list[str], measures: list[int], suffixes: list[str],
                  ) -> tuple[dict[int, str], list[tuple[CanonicalIndicator, str, str, str]]]:
    """(each measure column's key, the indicators: (definition, key, title, unit) per key x suffix).

    A key is the column's last path segment with its unit, or the whole path where two columns
    would otherwise share a key.
    """
    last = {m: names[m].split("/")[-1].strip() for m in measures}
    keys = {m: last[m] if list(last.values()).count(last[m]) == 1 else names[m] for m in measures}
    indicators: list[tuple[CanonicalIndicator, str, str, str]] = []
    for m in measures:
        for sfx in suffixes:
            key = keys[m] + sfx
            definition, title, unit = _indicator(table_id, key, last[m], sfx)
            indicators.append((definition, key, title, unit))
    return keys, indicators


def _read_lines(path: Path) -> list[str]:
    """The file's lines without line ends, or a FileProblem saying why it cannot be read."""
    if path.is_dir():
        raise FileProblem(path, "errors.statline.is_folder")
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise FileProblem(path, "errors.file.does_not_exist") from error
    except OSError as error:
        raise FileProblem(path, "errors.statline.unreadable", strerror=error.strerror) from error
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(path, "errors.statline.utf16")
    if data.startswith(b"PK\x03\x04") or b"\x00" in data[:8192]:
        raise FileProblem(path, "errors.statline.not_text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        offset = error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, offset) + 1
        raise FileProblem(path, "errors.statline.not_utf8", line=line) from error
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _table_id(path: Path, table: str | None) -> str:
    if table:
        check_table_name(table, "--table")
        return table.strip()
    match = _TABLE_ID.match(path.name)
    return match.group(1) if match else DEFAULT_TABLE


def _columns(path: Path, names: list[str]) -> tuple[int, int, list[int], list[int], int | None]:
    """(region column, period column, measure columns, other dimension columns, region code column).

    Text topics such as "Regioaanduiding/Gemeentenaam (naam)" or ".../Codering (code)" describe
    the region of the row: they are neither measures nor dimensions.
    """
    found = ", ".join(names)
    if len(names) < 2:
        separator = next((s for s in (",", "\t") if s in names[0]), None)
        if separator:
            shown = "tab" if separator == "\t" else f'"{separator}"'
            raise FileProblem(path, "errors.statline.not_semicolons", shown=shown)
    keys = [name.casefold().replace("’", "'") for name in names]
    period = next((i for i, k in enumerate(keys) if k in PERIOD_HEADERS), None)
    if period is None:
        raise FileProblem(path, "errors.statline.no_period_column", found=found)
    region = next((i for i, k in enumerate(keys) if k in REGION_HEADERS or k.startswith("regio")), None)
    if region is None:
        raise FileProblem(path, "errors.statline.no_region_column", found=found)
    others = [i for i in range(len(names)) if i not in (region, period)]
    topics = [i for i in others if "/" in names[i] or _UNIT.match(names[i])]
    text_topics = [i for i in topics if _unit_of(names[i]).casefold() in TEXT_UNITS]
    measures = [i for i in topics if i not in text_topics]
    if not measures:
        raise FileProblem(path, "errors.statline.no_measure_columns", found=found)
    code_column = next((i for i in text_topics if _unit_of(names[i]).casefold() == "code"
                        and names[i].split("/")[-1].strip().casefold().startswith("codering")), None)
    return region, period, measures, [i for i in others if i not in topics], code_column


def _unit_of(title: str) -> str:
    match = _UNIT.match(title.split("/")[-1].strip())
    return match.group(2).strip() if match else ""


def _indicator(table: str, key: str, segment: str, suffix: str) -> tuple[CanonicalIndicator, str, str]:
    """(definition, source title, unit) of one measure key; the catalogue's when it knows the key."""
    match = _UNIT.match(segment)
    title, unit = (match.group(1).strip(), match.group(2).strip()) if match else (segment, "")
    title += "".join(f"; {part.split('=', 1)[1]}" for part in suffix.split("|")[1:])
    definition = canonical_for(table, key) or CanonicalIndicator(
        id=generated_indicator_id(table, key), title_nl=title, title_en=title, unit=unit, additive=unit == "aantal",
    )
    return definition, title, unit


def check_table_name(table: str, field: str) -> None:
    """A table id a person gave is the source's name: one that a spreadsheet would run, or the
    demo's invented figures' own, is refused (`koers.sources.names`)."""
    if (problem := source_name_problem(table)) is not None:
        raise KoersError("errors.own_file.field_problem", field=field, problem=problem)


def check_arguments(args: argparse.Namespace) -> None:
    if args.table is not None and (problem := source_name_problem(args.table)) is not None:
        raise KoersError("errors.own_file.option_problem", file=args.source, field="--table", problem=problem)


def load_arguments(args: argparse.Namespace, progress: Progress) -> ImportBatch:
    return load(Path(args.source), args.table)


def read_upload(path: Path, fields: Mapping[str, str]) -> ImportBatch:
    """An uploaded download, with the table id the Data page's field gives (blank: from the name)."""
    table = (fields.get("table") or "").strip() or None
    if table is not None:
        check_table_name(table, "table")
    return load(path, table)


SOURCE = Source(
    name=KIND, title_key="sources.statline-csv", order=3,
    help="CSV downloaded from StatLine",
    arguments=(
        Argument("source", metavar="FILE"),
        Argument("--table", help="CBS table id (default: from the file name)"),
    ),
    load=load_arguments,
    check=check_arguments,
    upload=Upload(kind="statline", order=2, file_types=("csv",), read=read_upload, fields=(
        UploadField("table", "data_page.table", help_key="data_page.table_help"),
    )),
)
