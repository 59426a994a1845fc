"""Boundaries per year: each year's municipal (and district) division, for maps on that division.

An import brings them (`ImportBatch.boundaries`, BOUNDARY_SCHEMA: year, region_code, kind, geometry
as GeoJSON text, WGS84) and `commit_import` writes them in its transaction: the rows of the same
year and region codes are replaced, the import that brought them is recorded. Readers get a GeoJSON
FeatureCollection with the property `statcode`, the form of the shipped files in `data/geo/`.
"""

from __future__ import annotations

import json

import pyarrow as pa

from koers.store.connection import Connection


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
