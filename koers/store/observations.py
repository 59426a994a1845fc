"""The indicator catalogue as stored, observations as shown (best source) and as imported, their
revisions, and the import log.

Observations are stored on integer keys (`observation_data` and the `observation_*` number
tables, schema version 5); the view `observation` shows them with their texts, and
`observation_best` the value of the source with the lowest precedence per key.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from koers.access import Actor, Permission, require
from koers.store.boundaries import district_prefix
from koers.store.connection import Connection
from koers.store.examples import EXAMPLE_PRECEDENCE, EXAMPLE_SOURCE

if TYPE_CHECKING:
    from koers.store.staging import ImportBatch

# Column types of `indicator` and `indicator_source`, for `_register_indicators`.
_INDICATOR_TYPES = [("id", pa.string()), ("title_nl", pa.string()), ("title_en", pa.string()), ("unit", pa.string()),
                    ("additive", pa.bool_()), ("description", pa.string()), ("generated", pa.bool_())]
_INDICATOR_SOURCE_TYPES = [("source_table", pa.string()), ("source_measure", pa.string()), ("indicator_id", pa.string()),
                           ("precedence", pa.int32()), ("title", pa.string()), ("unit", pa.string()), ("licence", pa.string())]


class Observations(Connection):
    def indicators(self) -> pd.DataFrame:
        return self._con.execute(
            """SELECT i.id, i.title_nl, i.title_en, i.unit, i.additive, i.generated, i.description,
                      string_agg(s.source_table || ':' || s.source_measure || ' (' || s.precedence || ')', '; '
                                 ORDER BY s.precedence, s.source_table) AS sources,
                      first(s.licence ORDER BY s.precedence) AS licence
               FROM indicator i LEFT JOIN indicator_source s ON s.indicator_id = i.id
               GROUP BY ALL ORDER BY i.id"""
        ).df()

    def indicators_with_data(self, except_source: str | None = None) -> set[str]:
        """Ids of the indicators with at least one stored value from a source other than
        `except_source` (the demo asks which inputs real data feeds, leaving out its own inventions)."""
        return {r[0] for r in self._con.execute(
            "SELECT DISTINCT indicator_id FROM observation WHERE source_table IS DISTINCT FROM ?",
            [except_source]).fetchall()}

    def known_indicator_ids(self) -> set[str]:
        return {r[0] for r in self._con.execute("SELECT id FROM indicator").fetchall()}

    def _register_indicators(self, batch: ImportBatch, loaded: set[str]) -> None:
        """Add the batch's indicators that the store does not know yet, and (re)write where each
        comes from in this source — only those in `loaded`, the ones with a row that is stored: an
        indicator whose every row was refused does not enter the catalogue. Written in two
        statements, not one per indicator: a file can bring hundreds."""
        known = self.known_indicator_ids()
        new: dict[str, tuple] = {}
        sources: dict[str, tuple] = {}  # per measure; a later entry replaces an earlier one
        for definition, measure, title, unit in batch.indicators:
            if definition.id not in loaded:
                continue
            if definition.id not in known and definition.id not in new:
                new[definition.id] = (
                    definition.id, definition.title_nl, definition.title_en, definition.unit,
                    definition.additive, definition.description,
                    not any(s.table.lower() == batch.source_table.lower() for s in definition.sources),
                )
            precedence = EXAMPLE_PRECEDENCE if batch.source_table == EXAMPLE_SOURCE else next(
                (s.precedence for s in definition.sources
                 if s.table.lower() == batch.source_table.lower() and s.measure == measure),
                50,
            )
            sources[measure] = (batch.source_table, measure, definition.id, precedence, title, unit, batch.licence)
        for table, rows, types in (("indicator", list(new.values()), _INDICATOR_TYPES),
                                   ("indicator_source", list(sources.values()), _INDICATOR_SOURCE_TYPES)):
            if not rows:
                continue
            frame = pa.table({name: pa.array(values, type_) for (name, type_), values in zip(types, zip(*rows))})
            self._con.register("new_rows", frame)
            try:  # table names from the two above
                self._con.execute(f"INSERT OR REPLACE INTO {table} SELECT * FROM new_rows")
            finally:
                self._con.unregister("new_rows")

    # --- observations -------------------------------------------------------------------------

    def observations(
        self,
        indicator: str | None = None,
        region: str | None = None,
        period: str | None = None,
        all_sources: bool = False,
    ) -> pd.DataFrame:
        """Observations as shown (best source per key), or every source's with `all_sources`."""
        relation = "observation" if all_sources else "observation_best"
        return self._con.execute(
            f"""SELECT indicator_id, region_code, period, value, status, source_table AS source, import_id
                FROM {relation}
                WHERE (CAST(? AS VARCHAR) IS NULL OR indicator_id = ?)
                  AND (CAST(? AS VARCHAR) IS NULL OR region_code = ?)
                  AND (CAST(? AS VARCHAR) IS NULL OR period = ?)
                ORDER BY indicator_id, region_code, period, source_table""",
            [indicator, indicator, region, region, period, period],
        ).df()

    def district_figures(self, municipality: str) -> pd.DataFrame:
        """Every yearly figure (best source) of one municipality's districts, and for reference the
        municipality's own and the country's (NL01) figure of the same indicator and year::

            indicator_id | region_code | name | level | period | value | status | source
            population   | WK0363AA    | Haarlemmerbuurt | district | 2024 | 9180.0 | definitive | 85984NED
            population   | GM0363      | Amsterdam       | municipality | 2024 | 931298.0 | ...
            population   | NL01        | Nederland       | country  | 2024 | ...

        Districts are found by their code (see `district_prefix`), so a district whose source gave
        no parent still belongs. `name` is the registry's (a code where no source named it).
        Empty for anything but a municipality's code."""
        prefix = district_prefix(municipality)
        if prefix is None:
            return pd.DataFrame(columns=["indicator_id", "region_code", "name", "level", "period", "value", "status",
                                         "source"])
        return self._con.execute(
            """WITH d AS (
                   SELECT indicator_id, region_code, period, value, status, source_table, 'district' AS level
                   FROM observation_best WHERE starts_with(region_code, ?) AND length(period) = 4),
               keys AS (SELECT DISTINCT indicator_id, period FROM d),
               found AS (
                   SELECT * FROM d
                   UNION ALL
                   SELECT o.indicator_id, o.region_code, o.period, o.value, o.status, o.source_table,
                          CASE WHEN o.region_code = 'NL01' THEN 'country' ELSE 'municipality' END
                   FROM observation_best o JOIN keys k USING (indicator_id, period)
                   WHERE o.region_code IN (?, 'NL01'))
               SELECT f.indicator_id, f.region_code, coalesce(r.name, f.region_code) AS name, f.level, f.period,
                      f.value, f.status, f.source_table AS source
               FROM found f LEFT JOIN region r ON r.code = f.region_code
               ORDER BY f.indicator_id, f.period, f.level, f.region_code""",
            [prefix, municipality],
        ).df()

    def revisions(self, indicator: str, region: str, period: str) -> pd.DataFrame:
        return self._con.execute(
            """SELECT value, status, source_table AS source, import_id, superseded_by
               FROM observation_revision WHERE indicator_id = ? AND region_code = ? AND period = ?
               ORDER BY import_id""",
            [indicator, region, period],
        ).df()

    def source_tables(self) -> list[str]:
        """Every source table that has observations, in a fixed order."""
        return [r[0] for r in self._con.execute(
            """SELECT source_table FROM observation_source
               WHERE no IN (SELECT DISTINCT source_no FROM observation_data) ORDER BY 1""").fetchall()]

    def counts(self) -> dict[str, int]:
        tables = {"region": "region", "region_event": "region_event", "indicator": "indicator",
                  "observation": "observation_data", "observation_revision": "observation_revision",
                  "import_log": "import_log", "rejected_row": "rejected_row"}
        return {name: int(self._con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]) for name, table in tables.items()}

    # --- the import log -----------------------------------------------------------------------

    def imports(self) -> pd.DataFrame:
        return self._con.execute(
            """SELECT id, kind, file, source_table, started, finished, rows_read, rows_loaded,
                      rows_new, rows_revised, rows_unchanged, rows_rejected, status, message, checksum, licence
               FROM import_log ORDER BY id"""
        ).df()

    def last_import_of(self, source_table: str) -> tuple[str | None, str | None] | None:
        """(file, checksum) of the latest import of `source_table` that was written (any case of
        the table id), or None: what `koers sync` compares a table's modified date with."""
        rows = self._con.execute(
            """SELECT file, checksum FROM import_log
               WHERE lower(source_table) = lower(?) AND status NOT IN ('failed', 'running')
               ORDER BY id DESC LIMIT 1""",
            [source_table],
        ).fetchall()
        return (rows[0][0], rows[0][1]) if rows else None

    def rejected(self, import_id: int | None = None) -> pd.DataFrame:
        return self._con.execute(
            """SELECT import_id, record, field, reason_nl, reason_en, raw FROM rejected_row
               WHERE CAST(? AS INTEGER) IS NULL OR import_id = ?
               ORDER BY import_id, record""",
            [import_id, import_id],
        ).df()

    def log_failed_import(self, kind: str, file: str, message: str, actor: Actor) -> int:
        """Record an import that could not start (unreadable file), for those who may import;
        nothing else is written."""
        require(actor, Permission.import_data)
        row = self._con.execute(
            """INSERT INTO import_log (id, kind, file, started, finished, status, message,
                                       rows_read, rows_loaded, rows_rejected)
               VALUES (nextval('import_id_seq'), ?, ?, ?, ?, 'failed', ?, 0, 0, 0) RETURNING id""",
            [kind, file, dt.datetime.now(), dt.datetime.now(), message],
        ).fetchall()
        return int(row[0][0])
