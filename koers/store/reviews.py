"""Review sessions with what the council saw, frozen when the session was made.

A session records the data version (the last finished import) it was made on; its snapshot is
never touched by later imports. Findings and decisions are records (`RECORDS["review_item"]`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from koers.access import Actor, Permission, require
from koers.store.records import AuditedRecords


class Reviews(AuditedRecords):
    def create_review(self, session: dict, snapshot: pd.DataFrame, actor: Actor) -> int:
        """A review session with its frozen snapshot (columns of `review_snapshot` but
        `session_id`). `session`: region_code, year, reference_date, title, stage, previous_id."""
        require(actor, Permission.review, session["region_code"])
        shared = self._shared
        # The data version is the DuckDB file's; read before the write (the session may live in PostgreSQL).
        data_version = int(self._con.execute("SELECT coalesce(max(id), 0) FROM import_log WHERE finished IS NOT NULL")
                           .fetchall()[0][0])
        with self.transaction():
            session_id = int(shared.value("SELECT nextval('record_id_seq')"))
            now = dt.datetime.now()
            shared.run(
                "INSERT INTO review_session VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, false)",
                [session_id, session["region_code"], int(session["year"]), session["reference_date"], session["title"],
                 session.get("stage", "plan"), data_version, session.get("previous_id"), now, actor.name, now, actor.name])
            frame = snapshot.assign(session_id=session_id)
            shared.insert("review_snapshot", frame)
            after = shared.row("SELECT * FROM review_session WHERE id = ?", [session_id])
            self._audit(actor, "create", "review_session", session_id, None, {**after, "snapshot_kpis": len(frame)})
        return session_id

    def review_snapshot(self, session_id: int) -> pd.DataFrame:
        return self._shared.read("SELECT * FROM review_snapshot WHERE session_id = ? ORDER BY theme, kind DESC, kpi_id",
                                 [session_id])
