"""What the Data page does, without drawing: an uploaded file through the right importer into an
`ImportBatch`, checked by the store in a dry run (nothing written), then committed with progress;
and the data quality per indicator (coverage, freshness, missing share, outliers, sources).

An upload is written to a temporary folder under its own file name (the importers take the source
name and the CBS table id from it), read, and the folder removed again; the batch keeps the name as
uploaded, so the import log shows `monitor_2024.xlsx` and not a temporary path.

Only an administrator may import: the commit carries the person (`koers.access.Actor`) and the
store refuses anyone else before it writes anything. Each source table has a governance record
(owner, licence, legal basis, privacy class, retention, refresh schedule), shown next to it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import ValidationError

from koers.access import LOCAL, Actor
from koers.errors import KoersError, validation_text
from koers.sources import own_file, statline_csv
from koers.settings import database_path
from koers.store import ImportBatch, ImportResult, Store, database_signature

UploadKind = Literal["own", "statline"]
UPLOAD_KINDS: tuple[UploadKind, ...] = ("own", "statline")
OWN_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "parquet", "pq"]
STATLINE_TYPES = ["csv"]
PREVIEW_ROWS = 20
# Iglewicz and Hoaglin: |modified z| above 3.5 is a possible outlier.
OUTLIER_Z = 3.5


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


def own_mapping(layout: str = "auto", indicator_column: str = "", region_column: str = "", period_column: str = "",
                value_column: str = "", decimal: str = "auto", source: str = "") -> own_file.FileMapping:
    """The mapping from the page's fields (blank: recognised from the headers); a bad value is a
    KoersError naming the field."""
    options = {"layout": layout, "decimal": decimal, "indicator_column": indicator_column, "region_column": region_column,
               "period_column": period_column, "value_column": value_column, "source": source}
    try:
        return own_file.FileMapping(**{k: (v.strip() if isinstance(v, str) else v) for k, v in options.items()
                                       if not (isinstance(v, str) and not v.strip())})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(x) for x in first["loc"])
        if field == "source":  # the only check a typed name can fail: a CBS table's name
            raise KoersError(f'bronnaam "{source.strip()}" is de naam van een CBS-bron; kies een andere naam',
                             f'source name "{source.strip()}" is the name of a CBS source; choose another name') from None
        nl, en = validation_text(first)
        raise KoersError(f"veld {field}: {nl.removeprefix('Value error, ')}", f"field {field}: {en.removeprefix('Value error, ')}") from None


def safe_file_name(name: str) -> str:
    """The uploaded file's own name, reduced to characters that are safe in a path."""
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.\-]+", "_", base).strip("._") or "upload"
    return cleaned


def read_upload(name: str, data: bytes, kind: UploadKind, mapping: own_file.FileMapping | None = None,
                table: str | None = None) -> ImportBatch:
    """The upload as an ImportBatch (nothing is written); a FileProblem names the file, not a
    temporary path."""
    file_name = safe_file_name(name)
    with tempfile.TemporaryDirectory(prefix="koers-upload-") as folder:
        path = Path(folder) / file_name
        path.write_bytes(data)
        try:
            if kind == "statline":
                batch = statline_csv.load(path, (table or "").strip() or None)
            else:
                batch = own_file.load(path, mapping or own_file.FileMapping())
        except KoersError as error:
            raise KoersError(error.nl.replace(str(path), file_name), error.en.replace(str(path), file_name)) from None
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


def prepare_upload(name: str, data: bytes, kind: UploadKind, mapping: own_file.FileMapping | None = None,
                   table: str | None = None, db: str | Path | None = None) -> PreparedUpload:
    """Read the upload and let the store check it in a dry run on a read-only visit."""
    batch = read_upload(name, data, kind, mapping, table)
    with Store.open(database_path(db), read_only=True, wait_seconds=10) as store:
        check, rejected = store.dry_run_import(batch)
        known = store.indicators()
    units = dict(zip(known["id"], known["unit"].fillna("")))
    units.update({definition.id: unit or definition.unit or "" for definition, _, _, unit in batch.indicators
                  if definition.id not in units})
    return PreparedUpload(name, batch, preview_rows(batch, units), check, rejected)


def commit_upload(prepared: PreparedUpload, progress: Callable[[str, float], None],
                  db: str | Path | None = None, actor: Actor = LOCAL) -> ImportResult:
    """Write the batch as `actor` (the store refuses anyone but an administrator): the only
    write, on a connection opened for it and closed at once."""
    with Store.open(database_path(db), wait_seconds=10) as store:
        return store.commit_import(prepared.batch, progress, actor=actor)


# --- governance ---------------------------------------------------------------------------------

GOVERNANCE_FIELDS = ("owner", "licence", "legal_basis", "privacy_class", "retention", "refresh_schedule")
# The privacy class of a source: no personal data; aggregated (small counts suppressed); personal
# data; special categories (AVG art. 9).
PRIVACY_CLASSES = ("open", "aggregated", "personal", "special")


def governance(db: str | Path | None = None) -> pd.DataFrame:
    """One row per source table: those with observations and those with a governance record.

    Columns: source_table, recorded (a record exists), the GOVERNANCE_FIELDS (None when not
    filled in), import_licence (the licence of its last finished import), last_import, version
    (None without a record), updated_by, updated_at.
    """
    with Store.open(database_path(db), read_only=True, wait_seconds=10) as store:
        sources = store.source_tables()
        records = store.records("governance")
        log = store.imports()
    finished = log[log["finished"].notna() & log["source_table"].notna()].sort_values("id")
    last = finished.groupby("source_table").tail(1).set_index("source_table")
    by_source = records.set_index("id") if not records.empty else pd.DataFrame()
    rows = []
    for source in sorted(set(sources) | set(records["id"]), key=str.casefold):
        record = by_source.loc[source] if source in by_source.index else None
        imported = last.loc[source] if source in last.index else None
        row = {"source_table": source, "recorded": record is not None}
        for name in GOVERNANCE_FIELDS:
            value = None if record is None else record[name]
            row[name] = None if value is None or (isinstance(value, float) and np.isnan(value)) else value
        licence = None if imported is None else imported["licence"]
        row["import_licence"] = licence if isinstance(licence, str) and licence else None
        row["last_import"] = None if imported is None else imported["finished"]
        row["version"] = None if record is None else int(record["version"])
        row["updated_by"] = None if record is None else record["updated_by"]
        row["updated_at"] = None if record is None else record["updated_at"]
        rows.append(row)
    columns = ["source_table", "recorded", *GOVERNANCE_FIELDS, "import_licence", "last_import", "version", "updated_by",
               "updated_at"]
    return pd.DataFrame(rows, columns=columns)


def save_governance(source: str, values: dict, actor: Actor, version: int | None,
                    db: str | Path | None = None) -> dict:
    """Save the governance record of `source` as `actor` (administrators only), if it is still
    at `version` (the one the form loaded; None: not recorded yet); else refused (`Conflict`).
    Text is trimmed; empty text is stored as empty (None)."""
    unknown = set(values) - set(GOVERNANCE_FIELDS)
    if unknown:
        raise ValueError(f"governance: no such fields {sorted(unknown)}")
    cleaned = {name: (str(value).strip() or None) if value is not None else None for name, value in values.items()}
    with Store.open(database_path(db), wait_seconds=10) as store:
        return store.save_record("governance", cleaned, actor, key=source, version=version)


# --- data quality -------------------------------------------------------------------------------


@dataclass
class Quality:
    """The data quality per indicator.

    summary   indicator_id, title_nl, title_en, unit, first_year, last_year, latest_with_value,
              latest_municipalities, missing_share (0..1 over all its years), last_import, sources,
              licence, outliers (count in the latest year)
    coverage  indicator_id, year, with_value, municipalities
    outliers  indicator_id, period, region_code, value, median, z (|z| > OUTLIER_Z), by |z| descending,
              threshold (the privacy threshold of a count: a value below it is shown as "< threshold")
    """

    summary: pd.DataFrame
    coverage: pd.DataFrame
    outliers: pd.DataFrame


def robust_outliers(values: pd.DataFrame, threshold: float = OUTLIER_Z) -> pd.DataFrame:
    """Values far from their indicator's median by the modified z-score 0.6745 (x - median) / MAD.

    `values` columns: indicator_id, period, region_code, value. Where the MAD is 0 (most values
    equal) the mean absolute deviation stands in (z = (x - median) / (1.2533 MeanAD)); where that is
    0 too, nothing is an outlier.
    """
    columns = ["indicator_id", "period", "region_code", "value", "median", "z"]
    if values.empty:
        return pd.DataFrame(columns=columns)
    grouped = values.groupby("indicator_id")["value"]
    median = grouped.transform("median")
    deviation = (values["value"] - median).abs()
    mad = deviation.groupby(values["indicator_id"]).transform("median")
    mean_ad = deviation.groupby(values["indicator_id"]).transform("mean")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(mad > 0, 0.6745 * (values["value"] - median) / mad,
                     np.where(mean_ad > 0, (values["value"] - median) / (1.253314 * mean_ad), 0.0))
    frame = values.assign(median=median, z=z)
    frame = frame[frame["z"].abs() > threshold]
    return frame.sort_values(["indicator_id", "z"], key=lambda s: -s.abs() if s.name == "z" else s)[columns].reset_index(drop=True)


def quality(db: str | Path | None = None) -> Quality:
    from koers.kpis.evaluate import count_thresholds
    from koers.kpis.library import load_library
    from koers.settings import metrics_folder

    with Store.open(database_path(db), read_only=True, wait_seconds=10) as store:
        indicators = store.indicators()[["id", "title_nl", "title_en", "unit"]].rename(columns={"id": "indicator_id"})
        coverage = store.coverage_by_year()
        freshness = store.indicator_freshness()
        latest = store.latest_municipal_values()
        thresholds = count_thresholds(store, load_library(metrics_folder(), store.known_indicator_ids()))
    outliers = robust_outliers(latest)
    outliers["threshold"] = outliers["indicator_id"].map(thresholds).fillna(0).astype(int)
    per_indicator = coverage.groupby("indicator_id").agg(
        first_year=("year", "min"), last_year=("year", "max"), with_value=("with_value", "sum"),
        expected=("municipalities", "sum")).reset_index()
    expected = per_indicator["expected"].where(per_indicator["expected"] > 0)
    per_indicator["missing_share"] = (1 - per_indicator["with_value"] / expected).clip(lower=0)
    last = coverage.sort_values("year").groupby("indicator_id").tail(1)[["indicator_id", "with_value", "municipalities"]]
    last = last.rename(columns={"with_value": "latest_with_value", "municipalities": "latest_municipalities"})
    counts = outliers.groupby("indicator_id").size().rename("outliers").reset_index()
    summary = (indicators.merge(per_indicator.drop(columns=["with_value", "expected"]), on="indicator_id", how="left")
               .merge(last, on="indicator_id", how="left")
               .merge(freshness, on="indicator_id", how="left")
               .merge(counts, on="indicator_id", how="left"))
    summary["outliers"] = summary["outliers"].fillna(0).astype(int)
    return Quality(summary.sort_values("indicator_id").reset_index(drop=True), coverage, outliers)
