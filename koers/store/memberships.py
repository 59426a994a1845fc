"""Region memberships per year (schema version 6, `region_membership`): a municipality's
labour-market region ("AM"), GGD region ("GG"), COROP area ("CR"), province ("PV") ... as CBS's
"Gebieden in Nederland" gives them. They come with an import (`ImportBatch.memberships`, rows of
MEMBERSHIP_SCHEMA) and replace the rows of the same (year, division)."""

from __future__ import annotations

import pandas as pd

from koers.store.connection import Connection


class Memberships(Connection):
    def _write_memberships(self, batch, import_id: int) -> None:
        """Inside `commit_import`'s transaction: the batch's memberships replace those of the same
        (year, division)."""
        if batch.memberships is None or batch.memberships.num_rows == 0:
            return
        con = self._con
        con.register("batch_memberships", batch.memberships)
        try:
            con.execute("""DELETE FROM region_membership WHERE (year, division) IN
                           (SELECT DISTINCT year, division FROM batch_memberships)""")
            con.execute("""INSERT INTO region_membership
                           SELECT region_code, year, division, group_code, any_value(group_name), ?
                           FROM batch_memberships GROUP BY region_code, year, division, group_code""", [import_id])
        finally:
            con.unregister("batch_memberships")

    def memberships(self, year: int, division: str | None = None) -> pd.DataFrame:
        """Columns region_code, division, group_code, group_name, per division of the year asked
        for, else the nearest earlier year that has it, else the nearest later one."""
        return self._con.execute(
            """WITH chosen AS (
                   SELECT division, arg_min(year, CASE WHEN year <= ? THEN ? - year ELSE 10000 + year - ? END) AS year
                   FROM (SELECT DISTINCT division, year FROM region_membership
                         WHERE CAST(? AS VARCHAR) IS NULL OR division = ?)
                   GROUP BY division
               )
               SELECT m.region_code, m.division, m.group_code, m.group_name
               FROM region_membership m JOIN chosen c USING (division, year)
               ORDER BY m.division, m.group_code, m.region_code""",
            [year, year, year, division, division],
        ).df()

    def group_members(self, year: int, division: str, group_code: str) -> list[str]:
        """The regions in one group of a division (year as `memberships`)."""
        frame = self.memberships(year, division)
        return sorted(frame.loc[frame["group_code"] == group_code, "region_code"])
