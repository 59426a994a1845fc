"""KPI queries: the evaluation of a whole KPI library in one vectorised query, and trend lines.

The KPI engine (`koers.kpis.evaluate`) plans: which indicators are read, which KPIs are computed in
which order, their expressions as checked formula trees (`koers.kpis.formula`), privacy
thresholds. It hands that over as an `EvaluationQuery`; this module compiles it to SQL and runs it.
Identifiers in the SQL come only from our own numbering (i1.., c1.., k0..) and the formula tree's
fixed function names; every indicator id and date is a `?` parameter; no text from a definition
ever reaches DuckDB. The query has this shape::

    base   indicator_id | region_code | period | value | status | source_table | harmonised
           (all_base: every region; base: the regions asked for)
           (observation_best; or, on a chosen division, additive indicators summed over predecessors)
    wide   region_code | period | i1 c1 s1 | i2 c2 s2 | ...   per indicator its value, a code of
           flags and its source tables — on a dense grid of regions x years, so that lag/growth
           look one *year* back, not one row
    l0..ln region_code | period | ... | k0 | k1 | ...    KPI values, layer by layer
           (a KPI that uses another KPI sits in a later layer)
    result kpi | region_code | period | value | flags | sources    long again

Only yearly periods are evaluated (`2024`); quarters and months stay in the store for the detail
views.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import duckdb
import numpy as np
import pandas as pd

from koers.kpis.formula import Binary, Call, Negate, Node, Number, Ref, offsets
from koers.store.examples import EXAMPLE_SOURCE
from koers.store.observations import Observations
from koers.store.regions import merger_walk

# What `KpiQueries.evaluate` returns (the KPI engine adds `status`).
EVALUATION_COLUMNS = ["kpi_id", "region_code", "period", "value", "provisional", "harmonised", "example", "suppressed",
                      "sources"]


@dataclass(frozen=True)
class EvaluationQuery:
    """A KPI evaluation as the KPI engine planned it; `KpiQueries.evaluate` runs it."""

    indicators: tuple[str, ...]  # the indicators read, in a fixed order (their columns are numbered by it)
    layers: tuple[tuple[tuple[str, Node], ...], ...]  # per layer (KPI id, expression tree); a tree's ids are
    # indicators of `indicators` or KPIs of earlier layers
    inputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # KPI id -> the indicators it rests on
    thresholds: Mapping[str, int] = field(default_factory=dict)  # KPI id -> privacy threshold (0: none)
    additive: frozenset[str] = frozenset()  # the additive indicators (counts): summed over mergers, checked
    # against the thresholds
    harmonise_on: dt.date | None = None  # regions of the municipal division of this date, history harmonised
    regions: tuple[str, ...] | None = None  # just these regions; None: all but districts (the district
    # view asks for one municipality's: 3,400 districts in every evaluation tripled its time)
    periods: tuple[int, int] | None = None  # just the years first..last (inclusive); None: every year.
    # The figures read are those years widened by the offsets the formulas read (`formula.offsets`),
    # so a growth in the first year still reads the year before; the values are those of a full evaluation.


def expression_sql(node: Node, column: Callable[[str], str], window: str = "w") -> str:
    """SQL for a checked formula tree. `column(id)` must return an identifier from the caller's
    numbering. Division by zero gives NULL (missing), not an error; `lag`/`growth` use the
    caller's window `window` (partitioned by region, ordered by period)."""

    def sql(n: Node) -> str:
        if isinstance(n, Number):
            return repr(n.value) if not n.value.is_integer() else f"{int(n.value)}.0"
        if isinstance(n, Ref):
            return column(n.id)
        if isinstance(n, Negate):
            return f"(-{sql(n.operand)})"
        if isinstance(n, Binary):
            if n.op == "/":
                return f"({sql(n.left)} / nullif({sql(n.right)}, 0))"
            return f"({sql(n.left)} {n.op} {sql(n.right)})"
        if isinstance(n, Call):
            a = [sql(x) for x in n.args]
            if n.function in ("lag", "lead"):
                return f"{n.function}({a[0]}, {int(n.args[1].value)}) OVER {window}"  # type: ignore[union-attr]
            if n.function == "growth":
                previous = f"lag({a[0]}, {int(n.args[1].value)}) OVER {window}"  # type: ignore[union-attr]
                return f"(100.0 * ({a[0]} / nullif({previous}, 0) - 1))"
            if n.function == "share":
                return f"(100.0 * {a[0]} / nullif({a[1]}, 0))"
            if n.function == "min":
                return f"least({a[0]}, {a[1]})"
            if n.function == "max":
                return f"greatest({a[0]}, {a[1]})"
            return f"abs({a[0]})"
        raise TypeError(n)

    return sql(node)


# Observations as shown, yearly, for the requested indicators (the list parameter).
_BASE = """WITH all_base AS MATERIALIZED (
    SELECT indicator_id, region_code, period, value, status, source_table, false AS harmonised
    FROM observation_best
    WHERE list_contains(?, indicator_id) AND length(period) = 4/*periods*//*regions*/
)"""

# The same on the municipal division of a date (parameters: the date, three times; then the
# indicators). A municipality existing on that date gets the figures of every municipality that
# went into it (`merger_walk`), weighted by the share of residents that moved (1 for a whole
# merger); additive indicators are summed, others kept only where the region itself has them.
# Missing from any part that existed makes the sum missing; "impossible" parts (a municipality not
# yet or no longer existing) do not count.
_REGION_MAP = merger_walk("municipalities") + """,
region_map_all AS (
    SELECT walk.origin AS from_code, walk.code AS to_code, sum(walk.share) AS share
    FROM walk JOIN region r ON r.code = walk.code
    WHERE walk.code NOT IN (SELECT from_code FROM moves)
      AND (r.valid_from IS NULL OR r.valid_from <= CAST(? AS DATE))
      AND (r.valid_to IS NULL OR r.valid_to > CAST(? AS DATE))
    GROUP BY ALL
    UNION ALL
    SELECT code, code, 1.0 FROM region WHERE kind <> 'municipality'
)"""
# The regions whose figures go into the asked ones (parameters: the date, three times; the codes).
_SOURCE_REGIONS = _REGION_MAP + " SELECT DISTINCT from_code FROM region_map_all WHERE list_contains(?, to_code)"
_HARMONISED_BASE = _REGION_MAP + """,
region_map AS (SELECT * FROM region_map_all/*regions*/),
obs AS (
    SELECT o.*, i.additive FROM observation_best o JOIN indicator i ON i.id = o.indicator_id
    WHERE list_contains(?, o.indicator_id) AND length(o.period) = 4/*periods*//*from*/
),
all_base AS MATERIALIZED (
    SELECT o.indicator_id, m.to_code AS region_code, o.period,
           CASE WHEN count(o.value) = 0 OR bool_or(o.value IS NULL AND o.status <> 'impossible') THEN NULL
                ELSE sum(o.value * m.share) END AS value,
           CASE WHEN count(o.value) = 0 AND bool_and(o.status = 'impossible') THEN 'impossible'
                WHEN count(o.value) = 0 OR bool_or(o.value IS NULL AND o.status <> 'impossible') THEN 'missing'
                WHEN bool_or(o.status = 'provisional') THEN 'provisional' ELSE 'definitive' END AS status,
           string_agg(DISTINCT o.source_table, ',') AS source_table,
           bool_or(m.from_code <> m.to_code AND o.value IS NOT NULL) AS harmonised
    FROM obs o JOIN region_map m ON m.from_code = o.region_code
    WHERE o.additive
    GROUP BY ALL
    UNION ALL
    SELECT o.indicator_id, o.region_code, o.period, o.value, o.status, o.source_table, false
    FROM obs o JOIN (SELECT DISTINCT to_code FROM region_map) t ON t.to_code = o.region_code
    WHERE NOT o.additive
)"""


def _wide_sql(query: EvaluationQuery, read: tuple[str, str] | None = None, sources: bool = False) -> list[str]:
    """base .. wide: the indicators' long rows as one row per region and year.

    Per indicator the pivot carries its value, one integer of flags (bit 0 provisional, bit 1
    harmonised) and its source tables as text ("03759ned"; "a,b" where a harmonised figure rests
    on several). The provenance is text, not a bit per source in one integer: a store holds any
    number of sources (every own file under a new name is one), and a fixed-width bit set ran out
    at 61. DuckDB's PIVOT is by far the cheapest way to turn the long rows wide (measured against a
    FILTER aggregate or a list per indicator); the grid then makes every region have every year
    from its first figure to its last, years that no source has included too, so that a window's
    lag reads the year before (KWB 2012 was followed by 2015: growth labelled 2012 was 2012 to 2015);
    districts, with figures for 2020 and 2024 only, no longer span every year of every municipality.

    `read`: only observations of these years (first, last: `?` parameters after the indicators), and
    with `query.regions` only those regions' (a list parameter after them; on a division, with
    `sources`, the list of regions whose figures go into them): both filters are pushed into the
    observations read, before the harmonised sums, and as constants, which DuckDB pushes through
    `observation_best`'s window (a semi-join with a table of codes read every observation: 1.3 s
    against 0.1 s for one municipality)."""
    count = len(query.indicators)
    numbers = ", ".join(str(n) for n in range(1, count + 1))
    kept = ("region_code IN (SELECT region_code FROM wanted_regions)" if query.regions is not None
            else "region_code NOT IN (SELECT code FROM region WHERE kind = 'district')")
    wanted = " IN (SELECT region_code FROM wanted_regions)" if query.regions is not None else ""
    head = (_HARMONISED_BASE.replace("/*periods*/", " AND o.period BETWEEN ? AND ?" if read else "")
            .replace("/*regions*/", f" WHERE to_code{wanted}" if wanted else "")
            .replace("/*from*/", (" AND list_contains(?, o.region_code)" if sources else
                                  " AND o.region_code IN (SELECT from_code FROM region_map)") if wanted else "")
            if query.harmonise_on else
            _BASE.replace("/*periods*/", " AND period BETWEEN ? AND ?" if read else "")
            .replace("/*regions*/", " AND list_contains(?, region_code)" if wanted else ""))
    return [
        head,
        f", base AS MATERIALIZED (SELECT * FROM all_base WHERE {kept})",
        ", numbered AS (SELECT b.region_code, b.period, b.value, w.n, b.source_table AS src, "
        "CAST(b.status = 'provisional' AS INTEGER) + 2 * CAST(b.harmonised AS INTEGER) AS code "
        "FROM base b JOIN wanted_indicators w USING (indicator_id))",
        f", pivoted AS (PIVOT numbered ON n IN ({numbers}) USING first(value) AS v, first(code) AS c, first(src) AS s "
        "GROUP BY region_code, period)",
        ", grid AS (SELECT r.region_code, p.period FROM (SELECT region_code, min(period) AS first, max(period) AS last "
        "FROM base GROUP BY region_code) r JOIN (SELECT CAST(y AS VARCHAR) AS period FROM range("
        "(SELECT min(CAST(period AS INTEGER)) FROM base), (SELECT max(CAST(period AS INTEGER)) FROM base) + 1) t(y)) p "
        "ON p.period BETWEEN r.first AND r.last)",
        ", wide AS (SELECT g.region_code, g.period, "
        + ", ".join(f'p."{n}_v" AS i{n}, p."{n}_c" AS c{n}, p."{n}_s" AS s{n}' for n in range(1, count + 1))
        + " FROM grid g LEFT JOIN pivoted p ON p.region_code = g.region_code AND p.period = g.period)",
    ]


def evaluation_sql(query: EvaluationQuery, sources: list[str] | None = None) -> tuple[str, list, dict[str, str]]:
    """The evaluation query, its parameters, and which result column name is which KPI. `sources`:
    on a division, with `query.regions`, the regions whose figures go into them (`source_regions_sql`)."""
    if not query.layers:
        return "", [], {}
    icol = {ind: f"i{n}" for n, ind in enumerate(query.indicators, start=1)}
    kcol: dict[str, str] = {}

    def column(ref: str) -> str:
        return icol[ref] if ref in icol else kcol[ref]

    # Which years each KPI's figures are read at, relative to its own (growth: {0, -1}); with
    # `periods` the observations read are widened by the furthest of them, back and forward.
    read_at: dict[str, set[int]] = {}
    for layer in query.layers:
        for kpi_id, tree in layer:
            read_at[kpi_id] = offsets(tree, read_at)
    read = None
    if query.periods is not None:
        spans = set().union(*read_at.values()) or {0}
        read = (str(query.periods[0] + min(min(spans), 0)), str(query.periods[1] + max(max(spans), 0)))
    # The wanted indicators as one list parameter: a filter DuckDB pushes through the best-source
    # window down to the indicator numbers (as `IN (SELECT ...)` it reads every observation).
    on = query.harmonise_on
    params: list = ([on, on, on] if on else []) + [list(query.indicators)] + (list(read) if read else [])
    if query.regions is not None and (sources is not None or not on):
        params.append(list(sources if on else query.regions))
    sql = _wide_sql(query, read, sources is not None)
    previous = "wide"
    for level, layer in enumerate(query.layers):
        expressions = []
        for kpi_id, tree in layer:
            kcol[kpi_id] = f"k{len(kcol)}"
            expressions.append(f"{expression_sql(tree, column)} AS {kcol[kpi_id]}")
        sql.append(f", l{level} AS (SELECT *, {', '.join(expressions)} FROM {previous} "
                   "WINDOW w AS (PARTITION BY region_code ORDER BY period))")
        previous = f"l{level}"

    # Per KPI a value, one integer of flags (bit 0 provisional, 1 harmonised, 2 suppressed) and the
    # source tables of its inputs, comma-separated as they come ("a,b,a": `KpiQueries.evaluate`
    # makes each distinct text a sorted set once, not per row). The flags are those of every
    # figure read: a growth labelled 2023 that reads a harmonised 2022 is harmonised (and a
    # provisional year before makes it provisional), so the inputs' flags are taken at each
    # offset the formula reads (`formula.offsets`, `read_at` above), on the same window.
    def code_at(column: str, offset: int) -> str:
        if offset == 0:
            return f"coalesce({column}, 0)"
        return f"coalesce({'lead' if offset > 0 else 'lag'}({column}, {abs(offset)}) OVER w, 0)"

    triples = []
    for kpi_id, k in kcol.items():
        inputs = query.inputs.get(kpi_id, ())
        codes = " | ".join(code_at(f"c{icol[i][1:]}", o) for i in inputs for o in sorted(read_at.get(kpi_id, {0}))) or "0"
        sources = f"concat_ws(',', {', '.join(f's{icol[i][1:]}' for i in inputs)})" if inputs else "''"
        counts = [icol[i] for i in inputs if i in query.additive]
        threshold = int(query.thresholds.get(kpi_id, 0))
        suppressed = " OR ".join(f"coalesce({c} < {threshold}, false)" for c in counts) if threshold and counts else "false"
        triples.append(
            f"CASE WHEN {suppressed} THEN NULL ELSE {k} END AS v_{k}, "
            f"(({codes}) & 3) | (CAST({suppressed} AS INTEGER) << 2) AS f_{k}, {sources} AS s_{k}"
        )
    sql.append(f", final AS (SELECT region_code, period, {', '.join(triples)} FROM {previous} "
               "WINDOW w AS (PARTITION BY region_code ORDER BY period))")
    if query.periods is not None:  # after the windows: the years read around the asked ones are left out
        sql.append(", asked AS (SELECT * FROM final WHERE period BETWEEN ? AND ?)")
        params += [str(query.periods[0]), str(query.periods[1])]
    sql.append(
        f" SELECT kpi, region_code, period, value, flags, sources FROM {'asked' if query.periods is not None else 'final'} "
        "UNPIVOT INCLUDE NULLS "
        "((value, flags, sources) FOR kpi IN (" + ", ".join(f"(v_{k}, f_{k}, s_{k}) AS {k}" for k in kcol.values()) + "))"
    )
    return "".join(sql), params, {k: kpi_id for kpi_id, k in kcol.items()}


# Theil–Sen lines per KPI and region over the years in (up_to - window, up_to] (parameters: up_to,
# window, up_to) of the registered frame `results` (kpi_id, region_code, period, value).
_THEIL_SEN = """
WITH points AS (
    SELECT kpi_id, region_code, CAST(left(period, 4) AS INTEGER) AS x, value AS y
    FROM results WHERE value IS NOT NULL AND CAST(left(period, 4) AS INTEGER) > (? - ?)
      AND CAST(left(period, 4) AS INTEGER) <= ?
),
slopes AS (
    SELECT a.kpi_id, a.region_code, median((b.y - a.y) / (b.x - a.x)) AS slope
    FROM points a JOIN points b ON a.kpi_id = b.kpi_id AND a.region_code = b.region_code AND b.x > a.x
    GROUP BY ALL
)
SELECT p.kpi_id, p.region_code, s.slope, median(p.y - s.slope * p.x) AS intercept,
       count(*) AS points, max(p.x) AS last_year, arg_max(p.y, p.x) AS last_value
FROM points p JOIN slopes s USING (kpi_id, region_code)
GROUP BY ALL HAVING count(*) >= 3
"""


def _provenance(found: pd.Series) -> tuple[pd.Categorical, np.ndarray]:
    """Each value's source tables as the query found them ("b,a,b") -> sorted and once each
    ("a,b"), as a categorical; and whether they include the demo's invented figures. Worked out
    once per distinct text (a combination of sources; there are few), not per row."""
    where, texts = pd.factorize(found.fillna(""))
    sets = [frozenset(name for name in str(text).split(",") if name) for text in texts]
    labels = [",".join(sorted(names)) for names in sets]
    categories = list(dict.fromkeys(labels)) or [""]
    position = {label: n for n, label in enumerate(categories)}
    codes = np.array([position[label] for label in labels], dtype=np.int64)
    invented = np.array([EXAMPLE_SOURCE in names for names in sets], dtype=bool)
    return pd.Categorical.from_codes(codes[where], categories), invented[where]


def source_regions_sql(query: EvaluationQuery) -> tuple[str, list]:
    """The query for the regions whose figures go into `query.regions` on its division, and its parameters."""
    on = query.harmonise_on
    return _SOURCE_REGIONS, [on, on, on, list(query.regions or ())]


# --- the evaluation kept in the file ---------------------------------------------------------------
# A full evaluation (every region but the districts, every year) is kept in `kept_evaluation` by
# whoever last wrote the figures (`keep_evaluation`): a fresh dashboard process then reads a year's
# or a municipality's rows instead of evaluating (a third of its first page). Its key names the
# query exactly (its SQL, parameters and column names, and DuckDB's version) and the figures it
# read (a hash over every row of every table an evaluation reads, ~20 ms on national data), so a
# kept row is only read back where the query would give that very row: after any change to a
# figure, a region or a definition the key differs and the query runs as before.
_EVALUATION_INPUTS = ("observation_data", "observation_indicator", "observation_region", "observation_period",
                      "observation_source", "indicator", "indicator_source", "region", "region_event")
_FIGURES = " UNION ALL ".join(f"SELECT '{table}' AS t, count(*) AS n, sum(hash(x)::HUGEINT) AS h FROM {table} x"
                              for table in _EVALUATION_INPUTS)
# The division of a date is that of the last date on or before it at which a region began or ended or
# an event took effect: every use of the date in the query is "... <= date" (`merger_walk`,
# `_REGION_MAP`), so the evaluation on that date is the same, row for row. (None: before them all.)
_DIVISION_FROM = """SELECT max(d) FROM (SELECT event_date AS d FROM region_event UNION ALL SELECT valid_from FROM region
    UNION ALL SELECT valid_to FROM region) WHERE d <= CAST(? AS DATE)"""


def _tables(query: EvaluationQuery) -> dict[str, pd.DataFrame]:
    """The frames an evaluation query reads, registered under these names for it."""
    return {"wanted_indicators": pd.DataFrame({"indicator_id": list(query.indicators),
                                               "n": range(1, len(query.indicators) + 1)}),
            "wanted_regions": pd.DataFrame({"region_code": pd.Series(list(query.regions or ()), dtype=str)})}


class KpiQueries(Observations):
    def _on_division_date(self, query: EvaluationQuery) -> EvaluationQuery:
        """`query` on the date its division took effect (`_DIVISION_FROM`): the same rows, and one
        key for every day on which the division is the same."""
        if query.harmonise_on is None:
            return query
        found = self._con.execute(_DIVISION_FROM, [query.harmonise_on]).fetchall()[0][0]
        return replace(query, harmonise_on=found or dt.date.min)

    def _evaluation_key(self, full: EvaluationQuery) -> str:
        """The key of a full evaluation on the figures in the file now (see `_EVALUATION_INPUTS`)."""
        sql, params, names = evaluation_sql(full)
        figures = self._con.execute(_FIGURES).fetchall()
        text = repr((duckdb.__version__, sql, params, sorted(names.items()), figures))
        return hashlib.sha256(text.encode()).hexdigest()

    def _kept(self, query: EvaluationQuery) -> pd.DataFrame | None:
        """The rows of `query` from the kept evaluation, or None when none is kept for it. A year's
        rows are the full evaluation's: they include a region's years without any figure between its
        first and last (all values missing), which a query of that year alone leaves out."""
        if query.regions is not None and self._con.execute(
                "SELECT count(*) FROM region WHERE kind = 'district' AND list_contains(?, code)",
                [list(query.regions)]).fetchall()[0][0]:
            return None  # districts are not in a full evaluation
        if not self._con.execute("SELECT count(*) FROM (SELECT key FROM kept_evaluation LIMIT 1)").fetchall()[0][0]:
            return None
        where, params = ["key = ?"], [self._evaluation_key(replace(query, regions=None, periods=None))]
        if not self._con.execute("SELECT count(*) FROM (SELECT 1 FROM kept_evaluation WHERE key = ? LIMIT 1)",
                                 params).fetchall()[0][0]:
            return None
        if query.periods is not None:
            where.append("period BETWEEN ? AND ?")
            params += [str(query.periods[0]), str(query.periods[1])]
        if query.regions is not None:
            where.append("list_contains(?, region_code)")
            params.append(list(query.regions))
        return self._read("SELECT kpi, region_code, period, value, flags, sources FROM kept_evaluation WHERE "
                          + " AND ".join(where), params, arrow=True)

    def keep_evaluation(self, queries: list[EvaluationQuery]) -> int:
        """Evaluate each query in full (every region but the districts, every year) and keep the
        rows in the file in place of whatever was kept before, for `evaluate` to read back; the
        number of rows kept. For the one who writes the figures, after writing them."""
        with self.transaction():
            self._con.execute("DELETE FROM kept_evaluation")
            for query in queries:
                full = self._on_division_date(replace(query, regions=None, periods=None))
                sql, params, _ = evaluation_sql(full)
                if not sql:
                    continue
                with self._registered(_tables(full)):
                    # Sorted by year and region: a year's or a municipality's rows are read from few blocks.
                    self._con.execute(f"INSERT INTO kept_evaluation SELECT ?, * FROM ({sql}) ORDER BY period, region_code",
                                      [self._evaluation_key(full), *params])
            return int(self._con.execute("SELECT count(*) FROM kept_evaluation").fetchall()[0][0])

    def evaluate(self, query: EvaluationQuery) -> pd.DataFrame:
        """Every KPI of `query` for every region and year. Columns (`EVALUATION_COLUMNS`, in another
        order): kpi_id, region_code, period, value, provisional, harmonised, example (rests on
        invented demo figures), suppressed, sources (the source tables, comma-separated and
        sorted: "03759ned,84799NED"). Read from the kept evaluation where it holds the query's
        rows (`keep_evaluation`), else evaluated."""
        query = self._on_division_date(query)
        sql, params, names = evaluation_sql(query)
        if not sql:
            return pd.DataFrame(columns=EVALUATION_COLUMNS)
        frame = self._kept(query)
        if frame is None:
            if query.regions is not None and query.harmonise_on is not None:
                sources = self._read(*source_regions_sql(query))["from_code"].tolist()
                sql, params, names = evaluation_sql(query, sources)
            frame = self._read(sql, params, _tables(query), arrow=True)
        # Hundreds of thousands of rows but few distinct KPIs, source combinations and statuses:
        # categoricals, so no Python string is made per row.
        kpi = frame.pop("kpi").astype("category")
        frame["kpi_id"] = kpi.cat.rename_categories([names[c] for c in kpi.cat.categories])
        flags = frame.pop("flags").fillna(0).astype("int64").to_numpy()
        frame["provisional"] = (flags & 1) > 0
        frame["harmonised"] = (flags & 2) > 0
        frame["suppressed"] = (flags & 4) > 0
        frame["sources"], frame["example"] = _provenance(frame.pop("sources"))
        return frame

    def theil_sen_trends(self, results: pd.DataFrame, up_to: int, window: int) -> pd.DataFrame:
        """Theil–Sen line per KPI and region of `results` (kpi_id, region_code, period, value) over
        the last `window` years up to `up_to`, where there are at least three points. Columns:
        kpi_id, region_code, slope, intercept, points, last_year, last_value."""
        return self._read(_THEIL_SEN, [up_to, window, up_to], {"results": results})
