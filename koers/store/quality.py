"""What the dashboard's data-quality and comparison views read: coverage per year, freshness per
indicator, the latest municipal values, and the municipality profile that peer groups are made of."""

from __future__ import annotations

import pandas as pd

from koers.store.connection import Connection


class Quality(Connection):
    def municipality_profile(self, year: int) -> pd.DataFrame:
        """Municipalities existing during `year` with what peer groups are made of: province,
        population on 1 January (of that year, else the nearest year there is) and urbanity
        (CBS's "mate van stedelijkheid", the latest figure up to that year, else the earliest)."""
        return self._con.execute(
            """WITH m AS (
                   SELECT code, name, province_code FROM region
                   WHERE kind = 'municipality'
                     AND (valid_from IS NULL OR valid_from < make_date(?, 12, 31))
                     AND (valid_to IS NULL OR valid_to > make_date(?, 1, 1))
               ),
               nearest AS (
                   SELECT region_code, indicator_id, value,
                          row_number() OVER (PARTITION BY region_code, indicator_id
                                             ORDER BY abs(CAST(period AS INTEGER) - ?), period DESC) AS rank
                   FROM observation_best
                   WHERE indicator_id IN ('population', 'urbanity') AND length(period) = 4 AND value IS NOT NULL
               )
               SELECT m.code AS region_code, m.name, m.province_code,
                      max(n.value) FILTER (WHERE n.indicator_id = 'population') AS population,
                      max(n.value) FILTER (WHERE n.indicator_id = 'urbanity') AS urbanity
               FROM m LEFT JOIN nearest n ON n.region_code = m.code AND n.rank = 1
               GROUP BY ALL ORDER BY m.code""",
            [year, year, year],
        ).df()

    def coverage_by_year(self) -> pd.DataFrame:
        """Per indicator and year (from its first to its last year with municipal rows): how many
        municipalities have a value, and how many existed in that year.

        Columns: indicator_id, year, with_value, municipalities.
        """
        return self._con.execute(
            """WITH municipal AS (
                   SELECT indicator_id, CAST(period AS INTEGER) AS year, region_code, value
                   FROM observation_best WHERE length(period) = 4 AND region_code LIKE 'GM%'
               ),
               years AS (
                   SELECT indicator_id, unnest(range(first_year, last_year + 1)) AS year
                   FROM (SELECT indicator_id, min(year) AS first_year, max(year) AS last_year FROM municipal GROUP BY indicator_id)
               ),
               existing AS (
                   SELECT y.year, count(r.code) AS municipalities
                   FROM (SELECT DISTINCT year FROM years) y
                   LEFT JOIN region r ON r.kind = 'municipality'
                        AND (r.valid_from IS NULL OR r.valid_from < make_date(CAST(y.year + 1 AS BIGINT), 1, 1))
                        AND (r.valid_to IS NULL OR r.valid_to > make_date(CAST(y.year AS BIGINT), 1, 1))
                   GROUP BY ALL
               ),
               filled AS (
                   SELECT indicator_id, year, count(DISTINCT region_code) FILTER (WHERE value IS NOT NULL) AS with_value
                   FROM municipal GROUP BY ALL
               )
               SELECT y.indicator_id, y.year, coalesce(f.with_value, 0) AS with_value, e.municipalities
               FROM years y JOIN existing e USING (year) LEFT JOIN filled f USING (indicator_id, year)
               ORDER BY y.indicator_id, y.year"""
        ).df()

    def indicator_freshness(self) -> pd.DataFrame:
        """Per indicator its sources and the last finished import of any of them.

        Columns: indicator_id, sources (source tables, comma-separated), licence, last_import.
        """
        return self._con.execute(
            """SELECT s.indicator_id,
                      string_agg(DISTINCT s.source_table, ', ' ORDER BY s.source_table) AS sources,
                      string_agg(DISTINCT s.licence, '; ' ORDER BY s.licence) AS licence,
                      max(l.finished) AS last_import
               FROM indicator_source s
               LEFT JOIN import_log l ON lower(l.source_table) = lower(s.source_table)
                    AND l.finished IS NOT NULL AND l.status <> ?
               GROUP BY ALL ORDER BY s.indicator_id""",
            ["failed"],
        ).df()

    def latest_municipal_values(self) -> pd.DataFrame:
        """Per indicator, every municipality's value in the latest year in which it has values.

        Columns: indicator_id, period, region_code, value.
        """
        return self._con.execute(
            """WITH latest AS (
                   SELECT indicator_id, max(period) AS period FROM observation_best
                   WHERE length(period) = 4 AND region_code LIKE 'GM%' AND value IS NOT NULL GROUP BY ALL
               )
               SELECT o.indicator_id, o.period, o.region_code, o.value
               FROM observation_best o JOIN latest l USING (indicator_id, period)
               WHERE o.region_code LIKE 'GM%' AND o.value IS NOT NULL
               ORDER BY o.indicator_id, o.region_code"""
        ).df()


# What nearest peers are measured on (`Quality.peer_context`): canonical indicator ids, read from
# real sources only. A share may also be worked out from a count and the population of its year.
PEER_CONTEXT_INDICATORS = ("population", "population_density", "urbanity", "average_income_per_inhabitant",
                           "standardised_household_income", "population_65_plus_pct", "population_0_14_pct",
                           "population_65_plus", "population_0_14")


class PeerContext(Connection):
    def peer_context(self, year: int) -> pd.DataFrame:
        """Municipalities existing during `year` (as `municipality_profile`), one column per
        `PEER_CONTEXT_INDICATORS` id plus `population_65_plus_share` / `population_0_14_share`
        (a published share, else the count over the population of the count's year, in %).
        Each value is the latest yearly figure up to `year` from a real source: the demo's invented
        figures (`EXAMPLE_SOURCE`) never count. A missing figure is NaN."""
        from koers.store.examples import EXAMPLE_SOURCE

        frame = self._con.execute(
            """WITH m AS (
                   SELECT code FROM region
                   WHERE kind = 'municipality'
                     AND (valid_from IS NULL OR valid_from < make_date(?, 12, 31))
                     AND (valid_to IS NULL OR valid_to > make_date(?, 1, 1))
               ),
               real AS (
                   SELECT indicator_id, region_code, TRY_CAST(period AS INTEGER) AS year, value,
                          row_number() OVER (PARTITION BY indicator_id, region_code, period
                                             ORDER BY coalesce(s.precedence, 50), o.source_table) AS rank
                   FROM observation o
                   LEFT JOIN (SELECT source_table, indicator_id, min(precedence) AS precedence
                              FROM indicator_source GROUP BY ALL) s USING (source_table, indicator_id)
                   WHERE list_contains(?, indicator_id) AND length(period) = 4 AND value IS NOT NULL
                     AND o.source_table <> ? AND TRY_CAST(period AS INTEGER) <= ?
               ),
               best AS (SELECT * FROM real WHERE rank = 1),
               counts AS (
                   SELECT c.indicator_id, c.region_code, c.year, 100.0 * c.value / nullif(p.value, 0) AS value
                   FROM best c JOIN best p ON p.indicator_id = 'population' AND p.region_code = c.region_code
                        AND p.year = c.year
                   WHERE c.indicator_id IN ('population_65_plus', 'population_0_14')
               ),
               every AS (
                   SELECT indicator_id, region_code, year, value FROM best
                   UNION ALL
                   SELECT indicator_id || '_share', region_code, year, value FROM counts
               ),
               latest AS (
                   SELECT indicator_id, region_code, arg_max(value, year) AS value FROM every GROUP BY ALL
               )
               SELECT m.code AS region_code, l.indicator_id, l.value
               FROM m LEFT JOIN latest l ON l.region_code = m.code ORDER BY m.code""",
            [year, year, list(PEER_CONTEXT_INDICATORS), EXAMPLE_SOURCE, year],
        ).df()
        wide = frame.pivot_table(index="region_code", columns="indicator_id", values="value", aggfunc="first")
        wide = wide.reindex(sorted(set(frame["region_code"])))
        columns = list(PEER_CONTEXT_INDICATORS) + ["population_65_plus_share", "population_0_14_share"]
        wide = wide.reindex(columns=columns)
        for share in ("population_65_plus", "population_0_14"):
            wide[f"{share}_share"] = wide[f"{share}_pct"].fillna(wide[f"{share}_share"])
        wide.index.name = "region_code"
        wide.columns.name = None
        return wide.reset_index()
