"""What every importer needs: checksums, number and period parsing, region normalisation, and
the client for CBS's live OData feeds (v3 and v4).

All of it is vectorised over Arrow arrays: a five-million-row file has a few thousand distinct
regions, periods and indicators, so those are parsed once per distinct value, and numbers are
parsed with Arrow compute kernels rather than per row in Python.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from koers.errors import KoersError
from koers.i18n import Message
from koers.sources.periods import parse_period
from koers.sources.registry import name_key
from koers.progress import Progress
from koers.store import OBSERVATION_SCHEMA, REJECTED_SCHEMA

if TYPE_CHECKING:
    import requests


def _steady_memory_pool() -> None:
    """Arrow's memory pool for imports: jemalloc where the wheel has it. An import allocates a few
    hundred MB in large short-lived buffers; with Arrow's default (mimalloc) reading the same 5M-row
    file took 0.4 to 0.9 s from run to run here, with jemalloc a steady 0.5 s (bench/bench_import.py).
    A pool chosen with ARROW_DEFAULT_MEMORY_POOL is left alone."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a pyarrow built without jemalloc: keep its default
        pass


_steady_memory_pool()

# A code has a digit after its prefix: "Bunnik", "Buren" and "Buitenland" (BU...) are names.
REGION_CODE = re.compile(r"^(NL|LD|PV|CR|GM|WK|BU)[0-9][0-9A-Z]{1,7}$")
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
# A number as written in each style; grouping by thousands is optional but must be in threes.
_EXPONENT = r"([eE][+-]?\d+)?"
DUTCH_NUMBER = r"^[+-]?([1-9]\d{0,2}(\.\d{3})+|\d+)(,\d+)?" + _EXPONENT + "$"
ENGLISH_NUMBER = r"^[+-]?([1-9]\d{0,2}(,\d{3})+|\d+)(\.\d+)?" + _EXPONENT + "$"
# CBS symbols in StatLine downloads: "." unknown, "x" secret, "?" unreliable, "-" nil (zero).
MISSING_SYMBOLS = {"", ".", "x", "?", "..", "none", "nan", "null", "na", "n/a", "#n/a"}


def file_checksum(path: Path) -> str:
    """SHA-256 over each file's name and bytes (a folder: its files in name order)."""
    digest = hashlib.sha256()
    paths = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in paths:
        digest.update(file.name.encode())
        with open(file, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def data_checksum(path: Path, data: bytes) -> str:
    """`file_checksum` of a single file whose bytes have been read already."""
    digest = hashlib.sha256(Path(path).name.encode())
    digest.update(data)
    return digest.hexdigest()


def map_distinct(values: pa.ChunkedArray | pa.Array, function, type_=pa.string()) -> pa.Array:
    """Apply a Python function once per distinct value and spread the results back."""
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks() if encoded.num_chunks else pa.array([], pa.dictionary(pa.int32(), pa.string()))
    dictionary = encoded.dictionary.to_pylist()
    mapped = pa.array([function(v) for v in dictionary], type=type_)
    return mapped.take(encoded.indices)


def decimal_style(values: pa.Array) -> str:
    """'comma' (Dutch: 1.234,5) when some cells fit only that style and none fit only English."""
    dutch = pc.match_substring_regex(values, DUTCH_NUMBER)
    english = pc.match_substring_regex(values, ENGLISH_NUMBER)
    only_dutch = pc.sum(pc.and_(dutch, pc.invert(english))).as_py() or 0
    only_english = pc.sum(pc.and_(english, pc.invert(dutch))).as_py() or 0
    return "comma" if only_dutch and not only_english else "point"


def parse_numbers(values: pa.Array, decimal: str = "auto") -> tuple[pa.Array, pa.Array]:
    """Text to float64. Returns (numbers, bad) where `bad` marks text that is not a number.

    Empty cells and CBS's missing-value symbols become null (missing), "-" is CBS's nil: zero.
    Dutch style ("1.234,5") drops the thousands dots; English style ("1,234.5") the commas.
    """
    if pa.types.is_floating(values.type) or pa.types.is_integer(values.type):
        numbers = pc.cast(values, pa.float64())
        numbers = pc.if_else(pc.is_nan(numbers), pa.scalar(None, pa.float64()), numbers)  # NaN is missing
        return numbers, pa.array(np.zeros(len(values), dtype=bool))
    text = pc.utf8_trim(pc.cast(values, pa.string()), " \u00a0\t\"'")
    lowered = pc.utf8_lower(text)
    missing = pc.or_kleene(pc.is_null(text), pc.is_in(lowered, value_set=pa.array(sorted(MISSING_SYMBOLS))))
    text = pc.if_else(pc.equal(text, "-"), "0", text)
    style = decimal_style(text) if decimal == "auto" else decimal
    text = pc.replace_substring(text, " ", "")
    fits = pc.match_substring_regex(text, DUTCH_NUMBER if style == "comma" else ENGLISH_NUMBER)
    if style == "comma":
        text = pc.replace_substring(pc.replace_substring(text, ".", ""), ",", ".")
    else:
        text = pc.replace_substring(text, ",", "")
    # A cell that does not fit the column's style is refused, never read off by a factor 1000.
    valid = pc.and_(fits, pc.match_substring_regex(text, _NUMBER))
    bad = pc.and_(pc.invert(pc.fill_null(missing, False)), pc.invert(pc.fill_null(valid, False)))
    usable = pc.if_else(pc.fill_null(valid, False), text, pa.scalar(None, pa.string()))
    return pc.cast(usable, pa.float64()), pc.fill_null(bad, False)


def region_columns(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(region_code, region_key) from a column that holds CBS codes, municipal numbers or names.

    "GM0363", "gm0363 " and "363" (a municipal number, as in CBS's own lists) give code GM0363;
    "NL00" (the v3 tables' Netherlands) gives NL01; anything else is a name, matched later by key.
    """

    def code_of(value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip().upper()
        if text.isdigit() and len(text) <= 4:
            return f"GM{int(text):04d}"
        if text == "NL00":
            return "NL01"
        return text if REGION_CODE.match(text) else None

    def key_of(value: str | None) -> str | None:
        return None if value is None or code_of(value) else name_key(value)

    text = pc.cast(values, pa.string())
    return map_distinct(text, code_of), map_distinct(text, key_of)


def period_columns(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(canonical period or null, provisional flag) per cell."""
    text = pc.cast(values, pa.string())
    periods = map_distinct(text, lambda v: (parse_period(v) or (None, False))[0])
    provisional = map_distinct(text, lambda v: (parse_period(v) or (None, False))[1], pa.bool_())
    return periods, provisional


def rejected_table(records: list[int], raws: list[str | None], fields: list[str | None], reasons: list[Message]) -> pa.Table:
    """Rejected records, each with its reason (`rejected.*` in the catalogue) in both languages."""
    return pa.table(
        {"record": pa.array(records, pa.int64()), "raw": pa.array(raws, pa.string()),
         "field": pa.array(fields, pa.string()), "reason_nl": pa.array([r.text("nl") for r in reasons], pa.string()),
         "reason_en": pa.array([r.text("en") for r in reasons], pa.string())},
        schema=REJECTED_SCHEMA,
    )


def empty_rejected() -> pa.Table:
    return REJECTED_SCHEMA.empty_table()


def observation_table(columns: dict[str, pa.Array]) -> pa.Table:
    """Build the batch's observation table, filling absent optional columns with nulls.

    Text columns may stay dictionary-encoded (a few distinct values spread over many rows): the
    store reads those without expanding them.
    """
    length = len(next(iter(columns.values())))
    arrays, fields = [], []
    for field in OBSERVATION_SCHEMA:
        column = columns.get(field.name)
        if column is None:
            column = pa.nulls(length, field.type)
        elif isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        if pa.types.is_dictionary(column.type) and pa.types.is_string(field.type):
            column = column.cast(pa.dictionary(pa.int32(), pa.string()))
        else:
            column = pc.cast(column, field.type)
        arrays.append(column)
        fields.append(pa.field(field.name, column.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


ODATA_TIMEOUT = 60  # seconds for one response of a CBS feed


class ODataClient:
    """GET JSON with one clear line for every way the network or the server can fail."""

    def __init__(self, session: requests.Session | None = None) -> None:
        import requests  # only for a live feed: keeps `python -m koers` quick to start

        self.session = session or requests.Session()

    def get(self, url: str) -> dict:
        import requests

        try:
            response = self.session.get(url, timeout=ODATA_TIMEOUT, headers={"Accept": "application/json"})
        except requests.RequestException as error:
            raise KoersError("errors.odata.unreachable", url=url, error_type=type(error).__name__) from error
        if response.status_code == 404:
            raise KoersError("errors.odata.not_found", url=url)
        if response.status_code >= 400:
            raise KoersError("errors.odata.server_error", url=url, status_code=response.status_code)
        try:
            data = response.json()
        except ValueError as error:
            raise KoersError("errors.odata.not_json", url=url) from error
        if not isinstance(data, dict):
            raise KoersError("errors.odata.not_odata_object", url=url)
        return data

    def all_values(self, url: str, next_key: str, progress: Progress | None = None) -> list[dict]:
        rows: list[dict] = []
        seen: set[str] = set()
        while url:
            if url in seen:
                raise KoersError("errors.odata.link_loop", url=url)
            seen.add(url)
            data = self.get(url)
            rows.extend(data.get("value", []))
            following = data.get(next_key)
            url = urljoin(url, following) if following else ""  # OData allows relative next links
            if progress:
                # The number of pages is not known up front: rise towards (never reach) 1.
                progress(f"page {len(seen)}: {len(rows)} rows", 1 - 0.8 ** len(seen))
        return rows
