"""Numbers in an own file's text cells: which style the file writes them in ("1.234,5" or
"1,234.5"), and the cells parsed in that style.

Five million cells go through Arrow kernels, not Python: the common case (no separators, or only
the style's) is one cast; only a column with other text goes through `common.parse_numbers`.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from koers.errors import FileProblem
from koers.sources.common import DUTCH_NUMBER, ENGLISH_NUMBER, parse_numbers

_STYLE_PATTERN = {"comma": DUTCH_NUMBER, "point": ENGLISH_NUMBER}
_EVIDENCE_SAMPLE = 200_000  # cells looked at first when deciding the style


def decimal_style(path: Path, text: pa.ChunkedArray, records: pa.ChunkedArray, requested: str, implied: str | None) -> str:
    """Which of "1.234,5" (comma) and "1,234.5" (point) the file uses.

    A cell that is a valid number in one style only is evidence ("1,5", "1.234,5" -> comma; "1.5",
    "1,234.5" -> point); "1,234" or "1.234" fit both. Evidence for both is refused (a guess would be
    off by a factor 1000 somewhere). Without evidence, the style the file's form implies
    (`implied`: a `;`-separated CSV is Excel's in a locale with a decimal comma) decides; where
    nothing does (a `,` or tab CSV, XLSX and Parquet text cells), a cell that fits both styles is
    refused: the file has to say its style (`--decimal`, the Data page's decimal separator).
    """
    if requested != "auto":
        return requested
    if not any_contains(text, ",") and not any_contains(text, "."):
        return "point"
    # The first cells usually settle it; only when they do not is the whole column searched.
    candidates = [text.slice(0, _EVIDENCE_SAMPLE), text] if len(text) > _EVIDENCE_SAMPLE else [text]
    for candidate in candidates:
        sample = pc.utf8_trim(candidate, " \u00a0\t")
        dutch = pc.match_substring_regex(sample, DUTCH_NUMBER)
        english = pc.match_substring_regex(sample, ENGLISH_NUMBER)
        only_dutch = pc.and_(dutch, pc.invert(english))
        only_english = pc.and_(english, pc.invert(dutch))
        has_dutch, has_english = pc.any(only_dutch).as_py(), pc.any(only_english).as_py()
        if has_dutch and has_english:
            first_nl = pc.index(only_dutch, True).as_py()
            first_en = pc.index(only_english, True).as_py()
            nl_cell, en_cell = sample[first_nl].as_py(), sample[first_en].as_py()
            nl_line, en_line = records[first_nl].as_py(), records[first_en].as_py()
            raise FileProblem(path, "errors.own_file.mixed_number_formats", nl_cell=nl_cell, nl_line=nl_line,
                              en_cell=en_cell, en_line=en_line)
        if has_dutch:
            return "comma"
        if has_english:
            return "point"
    if implied is not None:
        return implied
    _refuse_undecided(path, text, records)
    return "point"  # no cell that fits both: the style changes no value


# "1,234" and "1.234": one separator and three digits after it, a number in both styles — a
# thousand and some, or one and a fraction. Nothing else in such a file tells which.
_EITHER_STYLE = r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$"


def _refuse_undecided(path: Path, text: pa.ChunkedArray, records: pa.ChunkedArray) -> None:
    """Without a cell that fits one style only, a cell that fits both cannot be read. One line,
    naming the first such cell, asks for the style."""
    either = pc.fill_null(pc.match_substring_regex(pc.utf8_trim(text, " \u00a0\t"), _EITHER_STYLE), False)
    if pc.any(either).as_py():
        first = pc.index(either, True).as_py()
        raise FileProblem(path, "errors.own_file.decimal_undecided", cell=text[first].as_py().strip(),
                          line=records[first].as_py())


def any_contains(text: pa.ChunkedArray, needle: str) -> bool:
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


def empty_as_null(text: pa.ChunkedArray) -> pa.ChunkedArray:
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


def parse_values(text: pa.ChunkedArray, style: str) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """(float64 values, bad) for text cells in the given style. Empty cells are null, not bad.

    Fast path: drop the grouping separators and let Arrow cast; every cell that Arrow cannot read
    (CBS symbols, "-", spaces, typing errors) sends the column through `common.parse_numbers`.
    Either way a cell whose separators do not fit the style ("1.5" in a decimal-comma file) is
    bad, never silently read as 15.
    """
    grouping, decimal_mark = (".", ",") if style == "comma" else (",", ".")
    has_grouping = any_contains(text, grouping)
    candidate = pc.replace_substring(text, grouping, "") if has_grouping else text
    if decimal_mark == ",":
        candidate = pc.replace_substring(candidate, ",", ".")
    candidate = empty_as_null(candidate)
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

