"""The region registry: municipalities and other regions with their validity, history and names.

CBS records every merger, split and change of name as events per region; `merger_walk` follows
them (written once, used by `successors` and by the KPI evaluation's harmonised history).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pandas as pd

from koers.access import Actor, Permission, require
from koers.sources.registry import Region, name_key
from koers.store.records import AuditedRecords
from koers.store.schema import insert_region_names

# Where a region's residents went when it was dissolved or renamed, on or before a date, and the
# walk along those moves from each start region through as many steps as CBS recorded:
# walk = origin | code (reached) | share (of the origin's residents, multiplied along the way) |
# via_date (of the last step) | depth. Parameters: the date, then the start query's.
_MERGER_WALK = """WITH RECURSIVE moves AS (
    SELECT region_code AS from_code, other_code AS to_code, event_date,
           coalesce(CAST(residents AS DOUBLE) / nullif(sum(residents) OVER (PARTITION BY region_code, event_date), 0),
                    1.0 / count(*) OVER (PARTITION BY region_code, event_date)) AS share
    FROM region_event
    WHERE (kind = 'dissolved' OR (kind = 'name_change' AND direction = 'out'))
      AND other_code IS NOT NULL AND event_date <= CAST(? AS DATE)
),
walk(origin, code, share, via_date, depth) AS (
    SELECT code, code, CAST(1.0 AS DOUBLE), CAST(NULL AS DATE), 0 FROM ({start})
    UNION ALL
    SELECT w.origin, m.to_code, w.share * m.share, m.event_date, w.depth + 1
    FROM walk w JOIN moves m ON m.from_code = w.code WHERE w.depth < 20
)"""
_WALK_STARTS = {
    "one": "SELECT CAST(? AS VARCHAR) AS code",  # parameter: the region's code
    "municipalities": "SELECT code FROM region WHERE kind = 'municipality'",
}


def merger_walk(start: Literal["one", "municipalities"]) -> str:
    """The `WITH RECURSIVE moves AS (...), walk(...) AS (...)` head of a query; a region reached
    that is not in `moves.from_code` is where the walk ends (it still exists on the date)."""
    return _MERGER_WALK.format(start=_WALK_STARTS[start])


class Regions(AuditedRecords):
    def upsert_regions(self, regions: list[Region], source: str, actor: Actor) -> None:
        """Load a region list (administrators: it changes every figure's region), in one transaction
        with its audit entry; see `_upsert_regions`. An import's own regions go in with the import."""
        require(actor, Permission.import_data)
        with self.transaction():
            self._upsert_regions(regions, source)
            self._audit(actor, "import", "regions", source, None, {"regions": len(regions)})

    def _upsert_regions(self, regions: list[Region], source: str) -> None:
        """Add new regions; replace the details and history of known ones when the list has history.

        CBS tables carry code lists of differing depth: 03759ned describes Boxtel's 2021 merger
        transfer by transfer, 83625NED only says "Opgeheven per 01-01-2021" (which is not even true:
        Boxtel kept its code). A description from which no event could be read therefore never
        replaces a known region's dates and events; it only fills in what is still empty.
        """
        if not regions:
            return
        frame = pd.DataFrame(
            {
                "code": [r.code for r in regions],
                "name": [r.name for r in regions],
                "kind": [r.kind for r in regions],
                "province_code": [r.province_code for r in regions],
                "parent_code": [r.parent_code for r in regions],
                "valid_from": pd.to_datetime([r.valid_from for r in regions]).date,
                "valid_to": pd.to_datetime([r.valid_to for r in regions]).date,
                "source": source,
                "has_history": [any(e.other_code for e in r.events) for r in regions],
            }
        )
        events = [e for r in regions if any(x.other_code for x in r.events) for e in r.events]
        event_frame = pd.DataFrame(
            {
                "region_code": pd.Series([e.region_code for e in events], dtype="string"),
                "event_date": pd.Series([e.event_date for e in events], dtype="object"),
                "kind": pd.Series([e.kind for e in events], dtype="string"),
                "direction": pd.Series([e.direction for e in events], dtype="string"),
                "other_code": pd.Series([e.other_code for e in events], dtype="string"),
                "area_ha": pd.array([e.area_ha for e in events], dtype="Float64"),
                "dwellings": pd.array([e.dwellings for e in events], dtype="Int64"),
                "residents": pd.array([e.residents for e in events], dtype="Int64"),
                "detail": pd.Series([e.detail for e in events], dtype="string"),
                "source": source,
            }
        )
        con = self._con
        con.register("new_region", frame)
        con.register("new_region_event", event_frame)
        try:
            con.execute(
                """INSERT INTO region
                   SELECT code, name, kind, province_code, parent_code,
                          CAST(valid_from AS DATE), CAST(valid_to AS DATE), source
                   FROM new_region WHERE code NOT IN (SELECT code FROM region)"""
            )
            con.execute(
                """UPDATE region SET name = n.name, kind = n.kind,
                          province_code = coalesce(n.province_code, region.province_code),
                          parent_code = coalesce(n.parent_code, region.parent_code),
                          valid_from = CAST(n.valid_from AS DATE), valid_to = CAST(n.valid_to AS DATE),
                          source = n.source
                   FROM new_region n WHERE region.code = n.code AND n.has_history"""
            )
            con.execute(
                """UPDATE region SET province_code = coalesce(region.province_code, n.province_code),
                          parent_code = coalesce(region.parent_code, n.parent_code)
                   FROM new_region n WHERE region.code = n.code AND NOT n.has_history"""
            )
            con.execute(
                """DELETE FROM region_event
                   WHERE region_code IN (SELECT code FROM new_region WHERE has_history)"""
            )
            if events:
                con.execute(
                    """INSERT INTO region_event BY NAME
                       SELECT * REPLACE (CAST(event_date AS DATE) AS event_date) FROM new_region_event"""
                )
            known = {c for (c,) in con.execute("SELECT DISTINCT code FROM region_name").fetchall()}
        finally:
            con.unregister("new_region")
            con.unregister("new_region_event")
        insert_region_names(
            con, [(r.code, r.name, r.kind) for r in regions if r.code not in known or any(e.other_code for e in r.events)], source
        )

    def regions(self, on: dt.date | None = None, kinds: tuple[str, ...] = ("municipality",)) -> pd.DataFrame:
        """Regions of the given kinds, optionally only those that existed on date `on`."""
        return self._con.execute(
            """SELECT code, name, kind, province_code, valid_from, valid_to
               FROM region
               WHERE kind IN (SELECT unnest(?))
                 AND (CAST(? AS DATE) IS NULL
                      OR ((valid_from IS NULL OR valid_from <= CAST(? AS DATE))
                          AND (valid_to IS NULL OR valid_to > CAST(? AS DATE))))
               ORDER BY code""",
            [list(kinds), on, on, on],
        ).df()

    def region(self, code: str) -> dict | None:
        frame = self._con.execute("SELECT * FROM region WHERE code = ?", [code]).df()
        return None if frame.empty else frame.iloc[0].to_dict()

    def successors(self, code: str, on: dt.date | None = None) -> pd.DataFrame:
        """Where a region's residents went: the regions existing on `on` (default: today).

        Follows dissolutions and name changes through as many steps as CBS recorded (Haaren split
        over four municipalities in 2021; a municipality that merged twice is followed twice).
        Columns: code, name, share (of the residents moved; 1.0 for a whole transfer), via_date.
        """
        on = on or dt.date.today()
        return self._con.execute(
            merger_walk("one") + """
               SELECT w.code, r.name, sum(w.share) AS share, max(w.via_date) AS via_date
               FROM walk w JOIN region r ON r.code = w.code
               WHERE w.code NOT IN (SELECT from_code FROM moves)
                 AND w.depth > 0
               GROUP BY ALL ORDER BY share DESC, w.code""",
            [on, code],
        ).df()

    def predecessors(self, code: str) -> pd.DataFrame:
        """Regions that went (wholly or in part) into `code` when it was created or merged."""
        return self._con.execute(
            """SELECT e.other_code AS code, r.name, e.event_date, e.kind, e.residents, e.dwellings, e.area_ha
               FROM region_event e LEFT JOIN region r ON r.code = e.other_code
               WHERE e.region_code = ? AND e.direction = 'in'
                 AND e.kind IN ('created', 'merged', 'name_change')
               ORDER BY e.event_date DESC, e.other_code""",
            [code],
        ).df()

    def codes_for_name(self, name: str, year: int | None = None) -> list[str]:
        """Region codes that a name can mean in `year` (all years when None)."""
        on = dt.date(year, 1, 1) if year else None
        rows = self._con.execute(
            """SELECT DISTINCT n.code FROM region_name n JOIN region r ON r.code = n.code
               WHERE n.name_key = ?
                 AND (CAST(? AS DATE) IS NULL
                      OR ((r.valid_from IS NULL OR r.valid_from <= CAST(? AS DATE))
                          AND (r.valid_to IS NULL OR r.valid_to > CAST(? AS DATE))))
               ORDER BY 1""",
            [name_key(name), on, on, on],
        ).fetchall()
        return [r[0] for r in rows]

    def events_of_regions(self, codes: list[str]) -> pd.DataFrame:
        """The registry's events of these regions. Columns: region_code, event_date, kind,
        direction, other_code, residents (0 where CBS gives none)."""
        return self._con.execute(
            """SELECT region_code, event_date, kind, direction, other_code, coalesce(residents, 0) AS residents
               FROM region_event WHERE region_code IN (SELECT unnest(?))""", [codes]).df()
