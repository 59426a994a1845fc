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
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from koers.access import Actor
from koers.errors import KoersError
from koers.settings import database_path
from koers.sources.source import Source
from koers.store import ImportBatch, ImportResult, Store, database_signature

PREVIEW_ROWS = 20


@dataclass
class PreparedUpload:
    """An upload read and checked, ready to commit.

    `preview` columns: record, indicator_id, region, period, value, status, unit (first rows).
    `rejected` columns: record, field, reason_nl, reason_en, raw (the importer's and the store's).
    `check` holds the counts the import would have (import_id 0).
    """

    name: str
    batch: ImportBatch
    preview: pd.DataFrame
    check: ImportResult
    rejected: pd.DataFrame


def signature(db: str | Path | None = None) -> tuple:
    """The database file's fingerprint: caches keyed on it see a new import on the next rerun."""
    return database_signature(database_path(db))


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


def preview_rows(batch: ImportBatch, units: dict[str, str], rows: int = PREVIEW_ROWS) -> pd.DataFrame:
    frame = _plain(batch.observations.slice(0, rows))
    region = frame["region_code"].where(frame["region_code"].notna(), frame["region_text"])
    return pd.DataFrame({
        "record": frame["record"], "indicator_id": frame["indicator_id"], "region": region, "period": frame["period"],
        "value": frame["value"], "status": frame["status"], "unit": frame["indicator_id"].map(units).fillna(""),
    })


def prepare_upload(name: str, data: bytes, kind: str, fields: Mapping[str, str] | None = None,
                   db: str | Path | None = None) -> PreparedUpload:
    """Read the upload and let the store check it in a dry run on a read-only visit."""
    batch = read_upload(name, data, kind, fields)
    with Store.open(database_path(db), read_only=True, wait_seconds=10) as store:
        check, rejected = store.dry_run_import(batch)
        known = store.indicators()
    units = dict(zip(known["id"], known["unit"].fillna("")))
    units.update({definition.id: unit or definition.unit or "" for definition, _, _, unit in batch.indicators
                  if definition.id not in units})
    return PreparedUpload(name, batch, preview_rows(batch, units), check, rejected)


def commit_upload(prepared: PreparedUpload, progress: Callable[[str, float], None],
                  db: str | Path | None = None, *, actor: Actor) -> ImportResult:
    """Write the batch as `actor` (the store refuses anyone but an administrator): the only
    write, on a connection opened for it and closed at once."""
    with Store.open(database_path(db), wait_seconds=10) as store:
        return store.commit_import(prepared.batch, progress, actor=actor)
