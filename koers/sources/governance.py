"""The governance record of each source table: owner, licence, legal basis, privacy class,
retention and refresh schedule, kept as a versioned record in the store (`Store.save_record`) and
shown on the Data page next to the data quality; administrators edit it on the Beheer page.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from koers.access import Actor
from koers.settings import database_path
from koers.store import Store

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
    with Store.open(database_path(db), wait_seconds=10, people_only=True) as store:
        return store.save_record("governance", cleaned, actor, key=source, version=version)
