"""Targets per KPI, region and year, with their history.

`target` holds each target's current value; `target_revision` every value it has had (revision 1
is the original), with who changed it, when and why.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from koers.access import Actor, Permission, require
from koers.errors import Conflict, KoersError
from koers.store.records import AuditedRecords, check_version
from koers.store.shared import Duplicate


class Targets(AuditedRecords):
    def upsert_targets(self, targets: pd.DataFrame, source: str, set_by: str | None = None, *, actor: Actor) -> int:
        """Add or replace targets from a file or API. `targets` columns: kpi_id, region_code, year,
        value, tolerance (optional, default 0), note (optional). A changed value becomes a new
        revision (reason: the note, else the source). Returns the number written."""
        require(actor, Permission.set_target, somewhere=True)
        for region in sorted(set(targets["region_code"])):  # and for every municipality in the file
            require(actor, Permission.set_target, region)
        frame = targets.copy()
        frame["tolerance"] = frame["tolerance"] if "tolerance" in frame else 0.0
        frame["note"] = frame["note"] if "note" in frame else None
        frame = frame[["kpi_id", "region_code", "year", "value", "tolerance", "note"]]
        now, by = dt.datetime.now(), set_by or actor.name
        shared = self._shared
        with self.transaction(), shared.frame("new_target", frame):
            changed = shared.run(
                """INSERT INTO target_revision
                   SELECT n.kpi_id, n.region_code, CAST(n.year AS INTEGER),
                          coalesce((SELECT max(r.revision) FROM target_revision r WHERE r.kpi_id = n.kpi_id
                                    AND r.region_code = n.region_code AND r.year = CAST(n.year AS INTEGER)), 0) + 1,
                          n.value, coalesce(n.tolerance, 0), coalesce(n.note, ?), ?, ?, ?
                   FROM new_target n LEFT JOIN target t ON t.kpi_id = n.kpi_id AND t.region_code = n.region_code
                        AND t.year = CAST(n.year AS INTEGER)
                   WHERE t.kpi_id IS NULL OR t.value IS DISTINCT FROM n.value
                         OR t.tolerance IS DISTINCT FROM coalesce(n.tolerance, 0)""",
                [source, source, now, by],
            )
            shared.run(
                """INSERT INTO target
                   SELECT n.kpi_id, n.region_code, CAST(n.year AS INTEGER), n.value, coalesce(n.tolerance, 0), ?, n.note, ?, ?, 1
                   FROM new_target n
                   ON CONFLICT (kpi_id, region_code, year) DO UPDATE SET value = excluded.value,
                       tolerance = excluded.tolerance, source = excluded.source, note = excluded.note,
                       set_at = excluded.set_at, set_by = excluded.set_by, version = target.version + 1""",
                [source, now, by],
            )
            self._audit(actor, "import", "target", source, None, {"targets": len(frame), "revised": int(changed)})
        return len(frame)

    def log_refused_targets(self, file: str, rows_read: int, rejected: pd.DataFrame, actor: Actor) -> int:
        """Record a targets file that was refused, as an import with rejected rows is recorded: a log
        row (kind `targets`, status `rejected`, nothing loaded) and each rejected row with its reason
        (`rejected` columns: record, raw, field, reason_nl, reason_en), read back by `rejected(id)`.
        No target is written: a file with any bad row loads none (half a plan is no plan).
        Returns the import id."""
        require(actor, Permission.set_target, somewhere=True)
        con = self._con
        records = int(rejected["record"].nunique())
        con.register("refused_target", rejected[["record", "raw", "field", "reason_nl", "reason_en"]])
        try:
            with self.transaction():
                import_id = int(con.execute(
                    """INSERT INTO import_log (id, kind, file, started, finished, rows_read, rows_loaded, rows_new,
                                               rows_revised, rows_unchanged, rows_rejected, status)
                       VALUES (nextval('import_id_seq'), 'targets', ?, ?, ?, ?, 0, 0, 0, 0, ?, 'rejected') RETURNING id""",
                    [file, dt.datetime.now(), dt.datetime.now(), rows_read, records],
                ).fetchall()[0][0])
                con.execute("""INSERT INTO rejected_row
                               SELECT ?, CAST(record AS BIGINT), raw, field, reason_nl, reason_en FROM refused_target""",
                            [import_id])
                self._audit(actor, "import", "import", import_id, None,
                            self._row("SELECT * EXCLUDE (started) FROM import_log WHERE id = ?", [import_id]))
        finally:
            con.unregister("refused_target")
        return import_id

    def revise_target(self, kpi_id: str, region: str, year: int, value: float, tolerance: float, reason: str,
                      actor: Actor, version: int | None) -> dict:
        """Set or change one target, with a reason. `version`: the target's version the editor
        saw (None for a new target); a target changed since is refused (`Conflict`)."""
        require(actor, Permission.set_target, region)
        if not (reason or "").strip():
            raise KoersError("errors.store.target_reason_missing")
        shared = self._shared
        with self.transaction():
            key = [kpi_id, region, int(year)]
            before = shared.row("SELECT * FROM target WHERE kpi_id = ? AND region_code = ? AND year = ?", key)
            check_version("target", f"{kpi_id} {region} {year}", before, version)
            now = dt.datetime.now()
            values = [float(value), float(tolerance), "koers", reason.strip(), now, actor.name]
            # The target's row first: another replica's save of the same target waits here for ours
            # (and is then refused), so two revisions never take the same number.
            try:
                written = shared.run(
                    """INSERT INTO target VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                       ON CONFLICT (kpi_id, region_code, year) DO UPDATE SET value = excluded.value,
                           tolerance = excluded.tolerance, source = excluded.source, note = excluded.note,
                           set_at = excluded.set_at, set_by = excluded.set_by, version = target.version + 1
                       WHERE target.version = ?""", key + values + [before["version"] if before else -1])
            except Duplicate as error:
                raise Conflict("errors.store.written_meanwhile", entity="target", key=f"{kpi_id} {region} {year}") from error
            if not written:
                check_version("target", f"{kpi_id} {region} {year}",
                              shared.row("SELECT * FROM target WHERE kpi_id = ? AND region_code = ? AND year = ?", key),
                              before and before["version"])
            shared.run(
                """INSERT INTO target_revision
                   SELECT ?, ?, ?, coalesce(max(revision), 0) + 1, ?, ?, ?, 'koers', ?, ?
                   FROM target_revision WHERE kpi_id = ? AND region_code = ? AND year = ?""",
                key + [float(value), float(tolerance), reason.strip(), now, actor.name] + key)
            after = shared.row("SELECT * FROM target WHERE kpi_id = ? AND region_code = ? AND year = ?", key)
            self._audit(actor, "update" if before else "create", "target", f"{kpi_id}/{region}/{year}", before, after)
        return after

    def targets(self, kpi_id: str | None = None, region: str | None = None) -> pd.DataFrame:
        """Current targets, with the original (first) value and the number of revisions."""
        # The original is the value of the first revision still kept (revision 1 unless the demo's
        # invented first revisions were removed).
        return self._shared.read(
            """SELECT t.kpi_id, t.region_code, t.year, t.value, t.tolerance, t.source, t.note, t.set_at, t.set_by,
                      t.version, o.value AS original, coalesce(r.revisions, 1) AS revisions
               FROM target t
               LEFT JOIN (SELECT kpi_id, region_code, year, min(revision) AS first, count(*) AS revisions
                          FROM target_revision GROUP BY kpi_id, region_code, year) r USING (kpi_id, region_code, year)
               LEFT JOIN target_revision o ON o.kpi_id = t.kpi_id AND o.region_code = t.region_code AND o.year = t.year
                                          AND o.revision = r.first
               WHERE (CAST(? AS VARCHAR) IS NULL OR t.kpi_id = ?) AND (CAST(? AS VARCHAR) IS NULL OR t.region_code = ?)
               ORDER BY t.kpi_id, t.region_code, t.year""",
            [kpi_id, kpi_id, region, region],
        )

    def target_revisions(self, kpi_id: str | None = None, region: str | None = None) -> pd.DataFrame:
        """Every value each target has had. Columns: kpi_id, region_code, year, revision, value,
        tolerance, reason, source, revised_at, revised_by."""
        return self._shared.read(
            """SELECT * FROM target_revision
               WHERE (CAST(? AS VARCHAR) IS NULL OR kpi_id = ?) AND (CAST(? AS VARCHAR) IS NULL OR region_code = ?)
               ORDER BY kpi_id, region_code, year, revision""",
            [kpi_id, kpi_id, region, region],
        )
