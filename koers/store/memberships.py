"""Region memberships per year: a municipality's labour-market region, GGD region, COROP area,
province … (`region_membership`, from CBS "Gebieden in Nederland", `koers.sources.gebieden`).

An import that carries memberships (`ImportBatch.memberships`, MEMBERSHIP_SCHEMA) replaces the rows
of each (year, division) it holds, inside `commit_import`'s transaction. When the store holds the
municipal registry, a membership of a municipality the registry does not know, or that did not
exist in that year, is a rejected row with its reason instead. Reads fall back to the nearest year
the store has for a division: the nearest earlier one, else the nearest later one.
"""

from __future__ import annotations

import pandas as pd

from koers.i18n import Message
from koers.store.connection import Connection

# Per division, the year a read for year ? uses: that year or the nearest earlier, else the nearest
# later. Parameters: the year, the year, the division (or null), the division.
_CHOSEN_YEARS = """SELECT division, coalesce(max(year) FILTER (WHERE year <= ?), min(year) FILTER (WHERE year > ?)) AS year
                   FROM region_membership WHERE CAST(? AS VARCHAR) IS NULL OR division = ? GROUP BY division"""


class Memberships(Connection):
    """Writing an import's memberships, and reading them per year."""

    def _write_memberships(self, memberships, import_id: int) -> int:
        """Inside `commit_import`'s transaction: replace the batch's (year, division)s and reject
        the rows the registry refuses (`rejected_row`). Returns the number of rows written."""
        if memberships is None or memberships.num_rows == 0:
            return 0
        con = self._con
        con.register("batch_membership", memberships)
        try:
            has_registry = con.execute("SELECT EXISTS (SELECT 1 FROM region WHERE kind = 'municipality')").fetchall()[0][0]
            judged = """SELECT b.*, r.name AS region_name, r.code IS NOT NULL AS known,
                               r.code IS NOT NULL AND (r.valid_from IS NULL OR r.valid_from < make_date(b.year + 1, 1, 1))
                               AND (r.valid_to IS NULL OR r.valid_to > make_date(b.year, 1, 1)) AS existed
                        FROM batch_membership b LEFT JOIN region r ON r.code = b.region_code"""
            refused = con.execute(f"SELECT * FROM ({judged}) WHERE NOT existed ORDER BY year, division, region_code").fetchall() \
                if has_registry else []
            rows = []
            for code, year, division, group_code, group_name, region_name, known, _ in refused:
                reason = (Message("rejected.gebieden.membership_not_existing", region_code=code, region_name=region_name,
                                  year=year, division=division) if known else
                          Message("rejected.gebieden.membership_unknown", region_code=code, year=year, division=division))
                rows.append((import_id, None, f"{code};{year};{division};{group_code};{group_name or ''}", "region_code",
                             reason.text("nl"), reason.text("en")))
            if rows:
                con.executemany("INSERT INTO rejected_row VALUES (?, ?, ?, ?, ?, ?)", rows)
            con.execute("""DELETE FROM region_membership m WHERE EXISTS (
                               SELECT 1 FROM batch_membership b WHERE b.year = m.year AND b.division = m.division)""")
            keep = "existed" if has_registry else "true"  # fixed text
            written = con.execute(
                f"""INSERT INTO region_membership
                    SELECT region_code, year, division, group_code, group_name, ? FROM ({judged})
                    WHERE {keep} AND region_code IS NOT NULL AND group_code IS NOT NULL
                    QUALIFY row_number() OVER (PARTITION BY region_code, year, division) = 1""",
                [import_id],
            ).fetchall()[0][0]
        finally:
            con.unregister("batch_membership")
        return int(written)

    def memberships(self, year: int, division: str | None = None) -> pd.DataFrame:
        """Every municipality's group in each division (or one) in `year`, or in the nearest year
        the store has for that division. Columns: region_code, division, group_code, group_name,
        year (the year read)."""
        return self._con.execute(
            f"""SELECT m.region_code, m.division, m.group_code, m.group_name, m.year
                FROM region_membership m JOIN ({_CHOSEN_YEARS}) c USING (division, year)
                ORDER BY m.division, m.region_code""",
            [year, year, division, division],
        ).df()

    def membership_divisions(self) -> list[str]:
        """The divisions the store holds memberships of ("AM", "CR", "GG", …), sorted."""
        return [row[0] for row in self._con.execute(
            "SELECT DISTINCT division FROM region_membership ORDER BY 1").fetchall()]

    def group_members(self, year: int, division: str, group_code: str) -> list[str]:
        """The municipalities in one group of a division in `year` (or the nearest year the store
        has for that division), sorted by code."""
        return [row[0] for row in self._con.execute(
            f"""SELECT m.region_code FROM region_membership m JOIN ({_CHOSEN_YEARS}) c USING (division, year)
                WHERE m.group_code = ? ORDER BY 1""",
            [year, year, division, division, group_code],
        ).fetchall()]
