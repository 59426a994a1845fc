"""What the Data page does with an upload, without drawing: the file through its source's reader
into an `ImportBatch`, checked by the store in a dry run (nothing written), then committed with
progress.

The kinds of upload are the sources that declare one (`Source.upload`, found in
`koers.sources.SOURCES`): the page offers those, draws their fields, and passes the fields' values
on here. An upload is written to a temporary folder under its own file name (the importers take the
source name and the CBS table id from it), read, and the folder removed again; the batch keeps the
name as uploaded, so the import log shows `monitor_2024.xlsx` and not a temporary path.

Only an administrator may import: the commit carries the person (`koers.access.Actor`) and the
store refuses anyone else before it writes anything.

The preview marks each value that would be rejected, with the reason: the importer's and the
store's own rules decide (the dry run), none is checked a second time here. To tell which
observation a rejection of the store belongs to (a wide file's row holds several values), the dry
run gets a copy of the batch whose `raw` names each observation's position; the reasons are
then put back on the observations, with the row's text as the file has it.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from koers.access import Actor
from koers.errors import KoersError
from koers.settings import database_path
from koers.sources.source import Source
from koers.store import ImportBatch, ImportResult, Store, database_signature

PREVIEW_ROWS = 20


@dataclass
class PreparedUpload:
    """An upload read and checked, ready to commit.

    `marked` columns (the first values of the file, by record, as the page shows them): record,
    indicator_id, region, period, value, cell (the value as written in the file), status, unit,
    rejected (bool), reason_nl, reason_en (why it would be rejected; "" when it would be loaded),
    importer (bool: a value the importer rejected; it has no indicator, region, period, value or
    unit, and its cell is the row as read).
    `preview`: the same rows without the importer's, i.e. the values read, each with the store's verdict.
    `rejected` columns: record, field, reason_nl, reason_en, raw (the importer's and the store's;
    raw is the row as the file has it).
    `check` holds the counts the import would have (import_id 0).
    """

    name: str
    batch: ImportBatch
    preview: pd.DataFrame
    check: ImportResult
    rejected: pd.DataFrame
    marked: pd.DataFrame | None = None


def signature(db: str | Path | None = None) -> tuple:
    """The database file's fingerprint (of its published version, where it has them): caches keyed
    on it see a new import on the next rerun."""
    return database_signature(database_path(db), published=True)


def safe_file_name(name: str) -> str:
    """The uploaded file's own name, reduced to characters that are safe in a path."""
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.\-]+", "_", base).strip("._") or "upload"
    return cleaned


def upload_sources() -> dict[str, Source]:
    """The sources the Data page takes as a file, by upload kind, in the page's order."""
    from koers.sources import SOURCES  # here: finding them imports this module too

    uploadable = sorted((source for source in SOURCES if source.upload), key=lambda source: source.upload.order)
    return {source.upload.kind: source for source in uploadable}


def read_upload(name: str, data: bytes, kind: str, fields: Mapping[str, str] | None = None) -> ImportBatch:
    """The upload as an ImportBatch (nothing is written), read with the field values the page
    gathered for its kind; a FileProblem names the file, not a temporary path."""
    upload = upload_sources()[kind].upload
    file_name = safe_file_name(name)
    with tempfile.TemporaryDirectory(prefix="koers-upload-") as folder:
        path = Path(folder) / file_name
        path.write_bytes(data)
        try:
            batch = upload.read(path, fields or {})
        except KoersError as error:
            raise KoersError(error.explanation.replaced(str(path), file_name)) from None
    batch.file = file_name
    return batch


def _plain(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas with dictionary columns decoded (their dictionaries may hold nulls)."""
    columns = [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(columns, names=table.column_names).to_pandas()


def file_name(path: object) -> str:
    """What the UI shows of a path: the file's own name ("/srv/koers/data/cbs/03759ned" ->
    "03759ned"). A server's folders are nobody's business on screen; logs keep the full path."""
    text = "" if path is None or (isinstance(path, float) and pd.isna(path)) else str(path)
    return Path(text.replace("\\", "/")).name if text else ""


# An absolute path in a message ("/tmp/koers-upload-x1/monitor.csv: ..."), up to the file's name.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])(?:[A-Za-z]:)?(?:[/\\][^\s/\\:;,\"'()]+)+[/\\](?=[^\s/\\])")


def without_paths(text: object) -> str:
    """A message with every absolute path shortened to its last part (the file's name)."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return _ABSOLUTE_PATH.sub("", str(text))


def _value_text(value: float | None) -> str:
    """A parsed value as plain text when the file's own is not known: 1.0 as "1", not "1.0"."""
    if value is None or not np.isfinite(value):
        return ""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def _row_texts(batch: ImportBatch, rows: np.ndarray) -> list[str]:
    """The observations' rows as the file has them (`raw`, when the importer kept it), else
    rebuilt from the fields as the store would, but with the value's own digits."""
    taken = _plain(batch.observations.select(["indicator_id", "region_text", "period", "value", "raw"])
                   .take(pa.array(rows, pa.int64())))
    return [raw if isinstance(raw, str) else ";".join(["" if not isinstance(x, str) else x for x in (i, r, p)] + [_value_text(v)])
            for i, r, p, v, raw in zip(taken["indicator_id"], taken["region_text"], taken["period"], taken["value"],
                                       taken["raw"])]


_MARK = "\x00row:"  # the dry run's raw: which observation a rejection belongs to


def checked(store: Store, batch: ImportBatch) -> tuple[ImportResult, pd.DataFrame]:
    """The store's dry run, with each rejection tied to its observation.

    Returns the would-be result and the rejected rows (record, field, reason_nl, reason_en, raw,
    observation: its position in `batch.observations`, -1 for a value the importer rejected)."""
    rows = batch.observations.num_rows
    positions = pc.cast(pa.array(np.arange(rows, dtype=np.int64)), pa.string())
    marks = pc.binary_join_element_wise(_MARK, positions, "")
    observations = batch.observations.set_column(batch.observations.column_names.index("raw"), "raw", marks)
    result, rejected = store.dry_run_import(dataclasses.replace(batch, observations=observations))
    rejected = rejected.reset_index(drop=True)
    raw = rejected["raw"].astype(object)
    marked = raw.map(lambda text: isinstance(text, str) and text.startswith(_MARK))
    observation = np.full(len(rejected), -1, dtype=np.int64)
    observation[marked.to_numpy(dtype=bool)] = [int(text[len(_MARK):]) for text in raw[marked]]
    if marked.any():
        raw = raw.copy()
        raw[marked] = _row_texts(batch, observation[observation >= 0])
    return result, rejected.assign(raw=raw, observation=observation)


def preview_rows(batch: ImportBatch, units: dict[str, str], rejected: pd.DataFrame | None = None,
                 rows: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first `rows` values of the file (by record), each marked with why it would be rejected.

    `rejected` is `checked`'s (None: nothing known to be rejected)."""
    columns = ["record", "indicator_id", "region", "period", "value", "cell", "status", "unit", "rejected",
               "reason_nl", "reason_en", "importer"]
    if rejected is None:
        rejected = pd.DataFrame({"record": pd.Series(dtype="int64"), "observation": pd.Series(dtype="int64"),
                                 "raw": [], "reason_nl": [], "reason_en": []})
    # The first values by record: observations come in the file's order (a wide file's are per
    # column: those of the first `rows` records are among the first `rows` of each column).
    records = batch.observations.column("record").to_numpy()
    first = np.flatnonzero(np.isin(records, np.unique(records)[:rows])) if len(records) > rows else np.arange(len(records))
    frame = _plain(batch.observations.take(pa.array(first, pa.int64())))
    region = frame["region_code"].where(frame["region_code"].notna(), frame["region_text"])
    cells = getattr(batch, "cells", None)
    cell = (pd.Series(cells.take(pa.array(first, pa.int64())).to_pylist(), dtype=object) if cells is not None
            else pd.Series([_value_text(v) for v in frame["value"]], dtype=object))
    shown = pd.DataFrame({
        "record": frame["record"].astype("int64"), "indicator_id": frame["indicator_id"], "region": region,
        "period": frame["period"], "value": frame["value"], "cell": cell.fillna("").astype(object),
        "status": frame["status"], "unit": frame["indicator_id"].map(units).fillna(""), "observation": first,
    })
    # The store's reasons, on their observations (the first reason when there are several).
    store_reasons = rejected[rejected["observation"] >= 0].drop_duplicates("observation")
    shown = shown.merge(store_reasons[["observation", "reason_nl", "reason_en"]], on="observation", how="left")
    # The importer's rejections: values it never made observations of, shown as their row.
    importer = rejected[rejected["observation"] < 0]
    importer = pd.DataFrame({
        "record": importer["record"].astype("int64"), "indicator_id": None, "region": None, "period": None,
        "value": np.nan, "cell": importer["raw"].fillna("").astype(object), "status": None, "unit": "",
        "observation": -1, "reason_nl": importer["reason_nl"], "reason_en": importer["reason_en"]})
    both = pd.concat([frame for frame in (shown, importer) if not frame.empty], ignore_index=True) \
        if not (shown.empty and importer.empty) else shown
    both = both.sort_values(["record", "observation"], kind="stable")
    both = both[both["record"].isin(both["record"].drop_duplicates().head(rows))].head(rows * 10)
    both["rejected"] = both["reason_nl"].notna()
    both["importer"] = both["observation"] < 0
    for column in ("reason_nl", "reason_en"):
        both[column] = both[column].fillna("").astype(object)
    return both[columns].reset_index(drop=True)


def prepare_upload(name: str, data: bytes, kind: str, fields: Mapping[str, str] | None = None,
                   db: str | Path | None = None) -> PreparedUpload:
    """Read the upload and let the store check it in a dry run on a read-only visit."""
    batch = read_upload(name, data, kind, fields)
    with Store.open(database_path(db), read_only=True, wait_seconds=10) as store:
        check, rejected = checked(store, batch)
        known = store.indicators()
    units = dict(zip(known["id"], known["unit"].fillna("")))
    units.update({definition.id: unit or definition.unit or "" for definition, _, _, unit in batch.indicators
                  if definition.id not in units})
    marked = preview_rows(batch, units, rejected)
    preview = marked[~marked["importer"]].reset_index(drop=True)
    return PreparedUpload(name, batch, preview, check, rejected.drop(columns=["observation"]), marked)


def commit_upload(prepared: PreparedUpload, progress: Callable[[str, float], None],
                  db: str | Path | None = None, *, actor: Actor,
                  after: Callable[[Store], None] | None = None) -> ImportResult:
    """Write the batch as `actor` (the store refuses anyone but an administrator): the only
    write, on a connection opened for it and closed at once. `after(store)` runs on the same
    connection once the import committed (the dashboard keeps the KPIs' evaluation of the new
    figures there, as the command line's import does)."""
    with Store.open(database_path(db), wait_seconds=10) as store:
        result = store.commit_import(prepared.batch, progress, actor=actor)
        if after is not None and result.rows_loaded:
            after(store)
        return result
