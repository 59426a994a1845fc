"""An own file's sheet turned into the store's long observations and rejected rows.

Keys (indicator, region, period, status) are parsed once per distinct text and spread to the rows
as dictionary-encoded arrays; a row with a bad key is rejected once, for its first problem (in the
order indicator, region, period, status). Values are read per value column: the value column
(long), or each indicator column (wide), so row-level arrays are repeated once per value column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from koers.i18n import Message
from koers.indicators.catalogue import (
    CanonicalIndicator,
    canonical_by_id,
    generated_indicator_id,
)
from koers.sources.common import (
    empty_rejected,
    observation_table,
    period_columns,
    region_columns,
    rejected_table,
)
from koers.sources.names import formula_like
from koers.sources.own_file.mapping import FileMapping, Roles
from koers.sources.own_file.numbers import decimal_style, parse_values
from koers.sources.own_file.reading import Sheet
from koers.store import REJECTED_SCHEMA, ImportBatch

KIND = "file"  # the import log's kind, and `koers import file`

# Words a status column may use; anything else is a rejected row.
STATUS_WORDS = {
    "": "definitive", "definitief": "definitive", "definitive": "definitive", "final": "definitive",
    "voorlopig": "provisional", "nader voorlopig": "provisional", "provisional": "provisional",
    "preliminary": "provisional", "*": "provisional", "**": "provisional",
    "ontbreekt": "missing", "onbekend": "missing", "missing": "missing",
    "onmogelijk": "impossible", "impossible": "impossible",
}

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class TextedBatch(ImportBatch):
    """An own file's batch that also keeps what the file says, for the Data page's preview.

    Its observations' `raw` is each row as read (its cells joined by the file's delimiter, as a
    rejected row's `raw` is), so the store's own rejections show "1" where the file has "1" rather
    than the stored value "1.0". `cells` is, per observation, the value's cell as written
    ("7,4", "1.234"; an XLSX number cell as openpyxl gives it, 1.0 as "1"). Built only when asked
    (`to_batch(keep_text=True)`): for five million rows it is a second copy of the file's text.
    """

    cells: pa.Array | None = None


@dataclass
class _Rows:
    """What is known per data row before its values are read: arrays of one entry per row."""

    region_code: pa.Array
    region_key: pa.Array
    region_text: pa.Array
    period: pa.Array
    status: pa.Array  # "provisional" (by a period mark or the status column) or "definitive"
    given: pa.Array | None  # the status column's word as a status; None without a status column
    rejected: pa.Array  # bool: rejected already, for a key that is missing or wrong
    rejected_parts: list[pa.Table]
    # Long layout only: each row's indicator id, and the indicators met: id -> (definition, text).
    indicator_ids: pa.Array | None = None
    used: dict[str, tuple[CanonicalIndicator, str]] | None = None


def to_batch(path: Path, sheet: Sheet, roles: Roles, mapping: FileMapping, checksum: str,
             keep_text: bool = False) -> ImportBatch:
    """The sheet as observations and rejected rows. Every data row's value ends in exactly one of
    them: `rows_read` = observations + rejected (wide: rows x indicator columns, one value each).
    With `keep_text` a `TextedBatch`: each observation's row and value cell as the file has them."""
    source = mapping.source_for(path)
    unit = mapping.unit or ""
    n = len(sheet.records)
    rows = _rows(sheet, roles, source, unit)

    value_columns = [roles.value] if roles.layout == "long" else roles.indicator_columns
    repeat = len(value_columns)
    records = _repeated(sheet.records, repeat)
    values, value_problems = _values(path, sheet, value_columns, records, mapping.decimal)
    # A row rejected for its keys is rejected once per value it holds (wide: once per column).
    rejected_parts = [part for part in rows.rejected_parts for _ in range(repeat)]
    taken = _repeated(rows.rejected, repeat)
    for kind, mask in value_problems:  # each value's first problem only
        new = pc.and_(mask, pc.invert(taken))
        if not pc.any(new).as_py():
            continue
        for k, column in enumerate(value_columns):
            part = new.slice(k * n, n)
            if pc.any(part).as_py():
                rejected_parts.append(_rejected(sheet, part, kind, column))
        taken = pc.or_(taken, new)
    keep = pc.invert(taken)

    if roles.layout == "long":
        indicator_ids, used = rows.indicator_ids, rows.used
    else:
        indicator_ids, used = _wide_indicators(sheet.names, value_columns, source, unit, n)

    status = _repeated(rows.status, repeat)
    if pc.any(pc.is_null(values)).as_py():
        # No value: missing, or impossible when the status column says so.
        empty_status: pa.Array | pa.Scalar = pa.scalar("missing")
        if rows.given is not None:
            empty_status = pc.if_else(pc.equal(pc.fill_null(_repeated(rows.given, repeat), ""), "impossible"),
                                      "impossible", "missing")
        status = pc.if_else(pc.is_null(values), empty_status, status)

    columns_out = {
        "record": records,
        "indicator_id": indicator_ids,
        "region_code": _repeated(rows.region_code, repeat),
        "region_key": _repeated(rows.region_key, repeat),
        "region_text": _repeated(rows.region_text, repeat),
        "period": _repeated(rows.period, repeat),
        "value": values,
        "status": status,
    }
    cells = _texts(sheet, value_columns, keep, columns_out) if keep_text else None
    if not pc.all(keep).as_py():
        columns_out = {name: pc.filter(array, keep) for name, array in columns_out.items()}
    if sheet.rejected:  # rows the reader could not split into fields: once per value they hold
        records_, raws, reasons = zip(*sheet.rejected)
        rejected_parts.insert(0, rejected_table(list(records_) * repeat, list(raws) * repeat,
                                                [None] * len(raws) * repeat, list(reasons) * repeat))
    rejected = pa.concat_tables(rejected_parts).sort_by("record") if rejected_parts else empty_rejected()

    return (TextedBatch if keep_text else ImportBatch)(
        kind=KIND,
        file=str(path),
        checksum=checksum,
        source_table=source,
        source_title=path.name,
        licence="",
        rows_read=sheet.rows_read * repeat,
        observations=observation_table(columns_out),
        rejected=rejected,
        indicators=[(definition, measure, measure, definition.unit) for definition, measure in used.values()],
        **({"cells": cells} if keep_text else {}),
    )


def _rows(sheet: Sheet, roles: Roles, source: str, unit: str) -> _Rows:
    """The row-level keys, parsed once per distinct text, and the rows rejected for them."""
    columns = sheet.columns
    region_texts, region_index = _distinct(columns[roles.region])
    region_code, region_key = region_columns(region_texts)
    region_stripped = pc.utf8_trim_whitespace(region_texts)
    period_texts, period_index = _distinct(columns[roles.period])
    periods, provisional = period_columns(period_texts)
    row_status = _spread(pc.if_else(pc.fill_null(provisional, False), "provisional", "definitive"), period_index)

    row_given = indicator_ids = used = None
    # (kind, column, rows): per key column, in the order indicator, region, period, status; a
    # formula without a value first, as it hides what the cell should hold.
    problems: list[tuple[str, int, pa.Array | None]] = []
    if roles.layout == "long":
        indicator_texts, indicator_index = _distinct(columns[roles.indicator])
        stripped = pc.utf8_trim_whitespace(indicator_texts)
        indicator_empty = _blank(stripped)
        # An indicator's name is stored and shown everywhere: one a spreadsheet would run is refused.
        formula_names = pa.array([text is not None and formula_like(text) for text in stripped.to_pylist()], pa.bool_())
        definitions = [None if empty or formula else _indicator_for(text, source, unit)
                       for text, empty, formula in zip(stripped.to_pylist(), indicator_empty.to_pylist(),
                                                       formula_names.to_pylist())]
        problems.append(("formula", roles.indicator, sheet.formulas.get(roles.indicator)))
        problems.append(("indicator", roles.indicator, _rows_where(indicator_empty, indicator_index)))
        problems.append(("indicator_formula", roles.indicator, _rows_where(formula_names, indicator_index)))
        indicator_ids = _spread(pa.array([d.id if d else None for d in definitions], pa.string()), indicator_index)
        used = {d.id: (d, text) for d, text in zip(definitions, stripped.to_pylist()) if d is not None}
    problems.append(("formula", roles.region, sheet.formulas.get(roles.region)))
    problems.append(("region", roles.region, _rows_where(_blank(region_stripped), region_index)))
    problems.append(("formula", roles.period, sheet.formulas.get(roles.period)))
    problems.append(("period_missing", roles.period, _rows_where(_blank(pc.utf8_trim_whitespace(period_texts)),
                                                                 period_index)))
    problems.append(("period", roles.period, _rows_where(pc.is_null(periods), period_index)))
    problems.append(("period_range", roles.period, _rows_where(_out_of_range(periods), period_index)))
    if roles.status is not None:
        status_texts, status_index = _distinct(columns[roles.status])
        given = pa.array([STATUS_WORDS.get(" ".join((s or "").casefold().split())) for s in status_texts.to_pylist()],
                         pa.string())
        row_given = _spread(given, status_index)
        problems.append(("formula", roles.status, sheet.formulas.get(roles.status)))
        problems.append(("status", roles.status, pc.is_null(row_given)))
        # "voorlopig" in the status column makes a row provisional, as does a period mark ("2024*").
        row_status = pc.if_else(pc.equal(pc.fill_null(row_given, ""), "provisional"), "provisional", row_status)

    # One rejected record per row, for the first problem found in the order above.
    row_rejected = pa.array(np.zeros(len(sheet.records), dtype=bool))
    rejected_parts: list[pa.Table] = []
    for kind, column, mask in problems:
        if mask is None:
            continue
        new = pc.and_(mask, pc.invert(row_rejected))
        if pc.any(new).as_py():
            rejected_parts.append(_rejected(sheet, new, kind, column))
            row_rejected = pc.or_(row_rejected, new)
    return _Rows(_spread(region_code, region_index), _spread(region_key, region_index),
                 _spread(region_stripped, region_index), _spread(periods, period_index), row_status, row_given,
                 row_rejected, rejected_parts, indicator_ids, used)


# Periods outside these years are typing errors or placeholders ("0000", "9999"), not figures.
FIRST_YEAR, LAST_YEAR = 1900, 2100


def _blank(text: pa.Array) -> pa.Array:
    """Per distinct text: empty, or no text at all (an empty XLSX or Parquet cell is null)."""
    return pc.fill_null(pc.equal(text, ""), True)


def _out_of_range(periods: pa.Array) -> pa.Array:
    """Per distinct canonical period ("2024", "2024-Q1", "2024-01"): its year outside FIRST_YEAR..LAST_YEAR."""
    return pa.array([p is not None and not FIRST_YEAR <= int(p[:4]) <= LAST_YEAR for p in periods.to_pylist()],
                    pa.bool_())


def _values(path: Path, sheet: Sheet, value_columns: list[int], records: pa.Array,
            decimal: str) -> tuple[pa.Array, list[tuple[str, pa.Array]]]:
    """(float64 values, problems) of the value columns one after the other; `records` likewise.
    `problems` are (kind, cells) in the order a cell is judged: a formula without a value, text
    that is no number, a number that is not finite (inf, NaN: a value must be a real figure)."""
    n = len(sheet.records)
    value_text = pa.chunked_array([c for i in value_columns for c in _as_text(sheet.columns[i]).chunks], pa.string())
    given_numbers = None
    if any(i in sheet.numbers for i in value_columns):
        # XLSX/Parquet cells that already are numbers are taken as they are; only text is parsed.
        given_numbers = pa.chunked_array(
            [c for i in value_columns
             for c in (sheet.numbers[i].chunks if i in sheet.numbers else [pa.nulls(n, pa.float64())])],
            pa.float64())
        value_text = pc.if_else(pc.is_valid(given_numbers), pa.scalar(None, pa.string()), value_text)
    style = decimal_style(path, value_text, records, decimal, sheet.implied_decimal)
    values, value_bad = parse_values(value_text, style)
    if given_numbers is not None:
        values = pc.coalesce(given_numbers, values)
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    value_bad = value_bad.combine_chunks() if isinstance(value_bad, pa.ChunkedArray) else value_bad
    problems: list[tuple[str, pa.Array]] = []
    if any(i in sheet.formulas for i in value_columns):
        problems.append(("formula", pa.concat_arrays(
            [sheet.formulas.get(i, pa.array(np.zeros(n, dtype=bool))) for i in value_columns])))
    problems.append(("value", value_bad))
    problems.append(("not_finite", pc.fill_null(pc.invert(pc.is_finite(values)), False)))
    return values, problems


def _wide_indicators(names: list[str], value_columns: list[int], source: str, unit: str,
                     n: int) -> tuple[pa.Array, dict[str, tuple[CanonicalIndicator, str]]]:
    """(each row's indicator id, the indicators: id -> (definition, column title)): one per column."""
    used: dict[str, tuple[CanonicalIndicator, str]] = {}
    per_column = []
    for column in value_columns:
        title = names[column].strip()
        definition = _indicator_for(title, source, unit)
        used.setdefault(definition.id, (definition, title))
        per_column.append(definition.id)
    # Column k's id for its n rows, without a Python list of n x k strings.
    return pa.array(per_column, pa.string()).take(pa.array(np.repeat(np.arange(len(value_columns)), n))), used


def _repeated(array: pa.Array, times: int) -> pa.Array:
    return array if times == 1 else pa.concat_arrays([array] * times)


def _indicator_for(text: str, source: str, unit: str) -> CanonicalIndicator:
    if (canonical := canonical_by_id(text)) is not None:
        return canonical
    identifier = text if _ID.match(text) else generated_indicator_id(source, text)
    return CanonicalIndicator(id=identifier, title_nl=text, title_en=text, unit=unit, additive=unit == "aantal")


_CELL = "\x00"  # where a rejected cell's text goes in its reason


def _reasons(kind: str, column: str, cells: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Dutch and English reasons for rejected cells (`rejected.own_file.<kind>`), with the cell's text."""
    reason = Message(f"rejected.own_file.{kind}", column=column, cell=_CELL)
    out = []
    for lang in ("nl", "en"):
        before, cell, after = reason.text(lang).partition(_CELL)
        if cell:
            out.append(pc.binary_join_element_wise(before, pc.fill_null(cells, ""), after, ""))
        else:
            out.append(pa.array([before] * len(cells), pa.string()))
    return out[0], out[1]


def _texts(sheet: Sheet, value_columns: list[int], keep: pa.Array, columns_out: dict[str, pa.Array]) -> pa.Array:
    """Each value's cell as written, for the values kept; their rows' text goes into
    `columns_out["raw"]` (filtered with the other columns)."""
    columns_out["raw"] = _repeated(_row_text(sheet, None), len(value_columns))
    cells = pa.concat_arrays([_as_text(sheet.columns[i]).combine_chunks() for i in value_columns])
    cells = cells.cast(pa.string()) if pa.types.is_dictionary(cells.type) else cells
    return cells if pc.all(keep).as_py() else pc.filter(cells, keep)


def _row_text(sheet: Sheet, rows: pa.Array | None) -> pa.Array:
    """The rows' text rebuilt from their cells (`rows`: indices; None: every row)."""
    fields = [pc.fill_null(_as_text(c) if rows is None else _as_text(c).take(rows), "") for c in sheet.columns]
    raw = pc.binary_join_element_wise(*fields, sheet.delimiter) if len(fields) > 1 else fields[0]
    return raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw


def _rejected(sheet: Sheet, mask: pa.Array, kind: str, column: int) -> pa.Table:
    """Rejected records for the rows in `mask`: line, the row's text rebuilt, the column, reasons."""
    rows = pc.indices_nonzero(mask)
    raw = _row_text(sheet, rows)
    nl, en = _reasons(kind, sheet.names[column], _as_text(sheet.columns[column]).take(rows))
    return pa.table({
        "record": sheet.records.take(rows),
        "raw": raw,
        "field": pa.array([sheet.names[column]] * len(rows), pa.string()),
        "reason_nl": nl.combine_chunks() if isinstance(nl, pa.ChunkedArray) else nl,
        "reason_en": en.combine_chunks() if isinstance(en, pa.ChunkedArray) else en,
    }, schema=REJECTED_SCHEMA)


# --- per distinct value ---------------------------------------------------------------------------


def _distinct(column: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(distinct texts, each row's index into them): map the few, then spread to the many."""
    if not pa.types.is_dictionary(column.type):
        # Empty XLSX and Parquet cells are null: encoded as a text of their own, so every row
        # has an index and a blank key is judged like any other text.
        column = pc.dictionary_encode(column, null_encoding="encode")
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

