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
        con = self._con
        with self.transaction():
            session_id = int(con.execute("SELECT nextval('record_id_seq')").fetchall()[0][0])
            now = dt.datetime.now()
            con.execute(
                """INSERT INTO review_session VALUES (?, ?, ?, ?, ?, ?,
                       (SELECT coalesce(max(id), 0) FROM import_log WHERE finished IS NOT NULL), ?, ?, ?, ?, ?, 1, false)""",
                [session_id, session["region_code"], int(session["year"]), session["reference_date"], session["title"],
                 session.get("stage", "plan"), session.get("previous_id"), now, actor.name, now, actor.name])
            frame = snapshot.assign(session_id=session_id)
            con.register("new_snapshot", frame)
            try:
                con.execute("INSERT INTO review_snapshot BY NAME SELECT * FROM new_snapshot")
            finally:
                con.unregister("new_snapshot")
            after = self._row("SELECT * FROM review_session WHERE id = ?", [session_id])
            self._audit(actor, "create", "review_session", session_id, None, {**after, "snapshot_kpis": len(frame)})
        return session_id

    def review_snapshot(self, session_id: int) -> pd.DataFrame:
        return self._con.execute("SELECT * FROM review_snapshot WHERE session_id = ? ORDER BY theme, kind DESC, kpi_id",
                                 [session_id]).df()
