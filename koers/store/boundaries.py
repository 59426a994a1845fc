"""Boundaries per year: each year's municipal (and district) division, for maps on that division.

An import brings them (`ImportBatch.boundaries`, BOUNDARY_SCHEMA: year, region_code, kind, geometry
as GeoJSON text, WGS84) and `commit_import` writes them in its transaction: the rows of the same
year and region codes are replaced, the import that brought them is recorded. Readers get a GeoJSON
FeatureCollection with the property `statcode`, the form of the shipped files in `data/geo/`.
"""

from __future__ import annotations

import json
import re

import pyarrow as pa

from koers.store.connection import Connection


# A municipality's code (GM0363); its districts' codes are WK + its four digits + two (WK036300, WK0363AA).
MUNICIPALITY_CODE = re.compile(r"^GM\d{4}$")


def district_prefix(municipality: str) -> str | None:
    """"GM0363" -> "WK0363", the start of every code of its districts (CBS's numbering, also for a
    district of open water that no table has figures for); None for anything but a municipality's code."""
    return "WK" + municipality[2:] if MUNICIPALITY_CODE.match(municipality or "") else None


class Boundaries(Connection):
    """Each year's boundaries: written with an import, read as GeoJSON."""

    def _write_boundaries(self, boundaries: pa.Table | None, import_id: int) -> int:
        """Inside the import's transaction: replace the boundaries of the batch's (year, region)
        pairs. Returns the number of rows written."""
        if boundaries is None or not boundaries.num_rows:
            return 0
        con = self._con
        con.register("batch_boundary", boundaries.select(["year", "region_code", "kind", "geometry"]))
        try:
            con.execute("""DELETE FROM region_boundary b USING batch_boundary n
                           WHERE b.year = n.year AND b.region_code = n.region_code""")
            con.execute("""INSERT INTO region_boundary
                           SELECT year, region_code, kind, geometry, ? FROM batch_boundary""", [import_id])
        finally:
            con.unregister("batch_boundary")
        return boundaries.num_rows

    def boundary_years(self, kind: str = "municipality") -> list[int]:
        """The years for which the store has boundaries of this kind, oldest first."""
        rows = self._con.execute("SELECT DISTINCT year FROM region_boundary WHERE kind = ? ORDER BY year", [kind]).fetchall()
        return [int(year) for (year,) in rows]

    def boundaries(self, year: int, kind: str = "municipality") -> dict:
        """The boundaries of one year and kind as a GeoJSON FeatureCollection; each feature has the
        properties `statcode` (the region code) and `statnaam` (its name in the registry, or the code)."""
        rows = self._con.execute(
            """SELECT b.region_code, coalesce(r.name, b.region_code), b.geometry
               FROM region_boundary b LEFT JOIN region r ON r.code = b.region_code
               WHERE b.year = ? AND b.kind = ? ORDER BY b.region_code""",
            [int(year), kind],
        ).fetchall()
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"statcode": code, "statnaam": name}, "geometry": json.loads(geometry)}
            for code, name, geometry in rows]}

    def district_boundaries(self, year: int, municipality: str) -> dict:
        """One municipality's districts of `year` as a GeoJSON FeatureCollection, as `boundaries`
        (`statcode` WK code, `statnaam` the registry's name or the code); empty when the store has
        none of that year or `municipality` is no municipality's code."""
        prefix = district_prefix(municipality)
        if prefix is None:
            return {"type": "FeatureCollection", "features": []}
        rows = self._con.execute(
            """SELECT b.region_code, coalesce(r.name, b.region_code), b.geometry
               FROM region_boundary b LEFT JOIN region r ON r.code = b.region_code
               WHERE b.year = ? AND b.kind = 'district' AND starts_with(b.region_code, ?) ORDER BY b.region_code""",
            [int(year), prefix],
        ).fetchall()
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"statcode": code, "statnaam": name}, "geometry": json.loads(geometry)}
            for code, name, geometry in rows]}
