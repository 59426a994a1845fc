"""Evaluate KPIs for all regions and years in one vectorised DuckDB query.

The query is generated from the KPI definitions (formulas via their checked tree) and has this
shape; `?` parameters carry every indicator id, and column names come from our own numbering::

    base   indicator_id | region_code | period | value | status | source_table | harmonised
           (observation_best; or, on a chosen division, additive indicators summed over predecessors)
    wide   region_code | period | i0 p0 h0 s0 | i1 p1 h1 s1 | ...     one column set per indicator:
           value, provisional?, harmonised?, source — on a dense grid of regions x years, so that
           lag/growth look one *year* back, not one row
    l1..ln region_code | period | ... | k0 | k1 | ...                   KPI values, layer by layer
           (a KPI that uses another KPI sits in a later layer)
    result kpi_id | region_code | period | value | flags | sources      long again

Only yearly periods are evaluated (`2024`); quarters and months stay in the store for the detail
views.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from koers import formula
from koers.library import Library, references
from koers.store import EXAMPLE_SOURCE, Store
from metrics.model import FormulaDefinition, IndicatorDefinition, Kpi, RatioDefinition

RESULT_COLUMNS = ["kpi_id", "region_code", "period", "value", "status", "provisional", "harmonised",
                  "example", "suppressed", "sources"]


@dataclass
class Plan:
    """Which indicators feed which KPIs, and in which order the KPIs can be computed."""

    kpis: list[str]
    indicators: list[str]
    layers: list[list[str]]
    inputs: dict[str, list[str]] = field(default_factory=dict)  # KPI -> indicators it rests on
    missing: dict[str, list[str]] = field(default_factory=dict)  # KPI -> ids that are nowhere


def make_plan(library: Library, kpi_ids: list[str] | None, known_indicators: set[str]) -> Plan:
    wanted = list(kpi_ids) if kpi_ids is not None else sorted(library.kpis)
    order: list[str] = []
    depth: dict[str, int] = {}
    inputs: dict[str, list[str]] = {}
    missing: dict[str, list[str]] = {}

    def visit(kpi_id: str, trail: tuple[str, ...]) -> int:
        if kpi_id in depth:
            return depth[kpi_id]
        if kpi_id in trail:  # a cycle: the library rules report it; here the KPI has no value
            return -1
        kpi = library.kpis[kpi_id]
        level, used, absent = 0, set(), []
        for ref in sorted(references(kpi)):
            if ref in known_indicators:
                used.add(ref)
            elif ref in library.kpis:
                sub = visit(ref, trail + (kpi_id,))
                if sub < 0 or ref in missing:
                    absent.append(ref)
                level = max(level, sub + 1)
                used.update(inputs.get(ref, []))
            else:
                absent.append(ref)
        depth[kpi_id] = level
        inputs[kpi_id] = sorted(used)
        if absent:
            missing[kpi_id] = absent
        order.append(kpi_id)
        return level

    for kpi_id in wanted:
        if kpi_id not in library.kpis:
            raise KeyError(kpi_id)
        visit(kpi_id, ())
    computable = [k for k in order if k not in missing and depth[k] >= 0]
    layers = [[k for k in computable if depth[k] == level] for level in range(max((depth[k] for k in computable), default=-1) + 1)]
    indicators = sorted({i for k in computable for i in inputs[k]})
    return Plan(order, indicators, layers, inputs, missing)


def _expression(kpi: Kpi, column) -> str:
    definition = kpi.definition
    if isinstance(definition, IndicatorDefinition):
        return column(definition.indicator)
    if isinstance(definition, RatioDefinition):
        return f"({column(definition.numerator)} / nullif({column(definition.denominator)}, 0) * {int(definition.scale)}.0)"
    assert isinstance(definition, FormulaDefinition)
    return formula.to_sql(formula.parse(definition.formula), column)


def build_query(plan: Plan, library: Library, additive: set[str],
                harmonise_on: dt.date | None) -> tuple[str, list, dict[str, str]]:
    """The evaluation query, its parameters, and which result column name is which KPI."""
    icol = {ind: f"i{n}" for n, ind in enumerate(plan.indicators)}
    kcol: dict[str, str] = {}
    params: list = []

    def column(ref: str) -> str:
        return icol[ref] if ref in icol else kcol[ref]

    base = _HARMONISED_BASE if harmonise_on else _BASE
    params += ([harmonise_on, harmonise_on, harmonise_on] if harmonise_on else []) + [plan.indicators]
    # Pivot through one dense list per region and year (position n = the n-th indicator): one pass
    # over the rows, then an O(1) index per column. A FILTER aggregate per indicator would scan all
    # rows once per column; a map lookup scans the map.
    lookups = [f"vals[{n + 1}] AS i{n}, prov[{n + 1}] AS p{n}, harm[{n + 1}] AS h{n}, src[{n + 1}] AS s{n}"
               for n in range(len(plan.indicators))]
    sql = [base,
           ", numbered AS (SELECT *, list_position(CAST(? AS VARCHAR[]), indicator_id) AS n FROM base)",
           ", grid AS (SELECT r.region_code, p.period, x.n FROM (SELECT DISTINCT region_code FROM base) r "
           f"CROSS JOIN (SELECT DISTINCT period FROM base) p CROSS JOIN range(1, {len(plan.indicators) + 1}) x(n))",
           ", packed AS (SELECT g.region_code, g.period, list(b.value ORDER BY g.n) AS vals, "
           "list(coalesce(b.status = 'provisional', false) ORDER BY g.n) AS prov, "
           "list(coalesce(b.harmonised, false) ORDER BY g.n) AS harm, list(b.source_table ORDER BY g.n) AS src "
           "FROM grid g LEFT JOIN numbered b ON b.region_code = g.region_code AND b.period = g.period AND b.n = g.n "
           "GROUP BY ALL)",
           ", wide AS (SELECT region_code, period, " + ", ".join(lookups) + " FROM packed)"]
    params.append(plan.indicators)
    previous = "wide"
    number = 0
    for level, layer in enumerate(plan.layers):
        expressions = []
        for kpi_id in layer:
            kcol[kpi_id] = f"k{number}"
            number += 1
            expressions.append(f"{_expression(library.kpis[kpi_id], column)} AS {kcol[kpi_id]}")
        name = f"l{level}"
        sql.append(f", {name} AS (SELECT *, {', '.join(expressions)} FROM {previous} "
                   "WINDOW w AS (PARTITION BY region_code ORDER BY period))")
        previous = name

    structs = []
    for kpi_id, k in kcol.items():
        kpi = library.kpis[kpi_id]
        ns = [icol[i][1:] for i in plan.inputs[kpi_id]]
        counts = [icol[i] for i in plan.inputs[kpi_id] if i in additive]
        threshold = int(kpi.privacy_threshold)
        suppressed = " OR ".join(f"coalesce({c} < {threshold}, false)" for c in counts) if threshold and counts else "false"
        sources = (f"array_to_string(list_sort(list_distinct(list_filter(flatten([{', '.join(f'string_split(coalesce(s{n}, {_EMPTY}), {_COMMA})' for n in ns)}]), "
                   "lambda x: x <> ''))), ',')")
        structs.append(
            f"struct_pack(v := CASE WHEN {suppressed} THEN NULL ELSE {k} END, "
            f"p := coalesce({' OR '.join(f'p{n}' for n in ns) or 'false'}, false), "
            f"h := coalesce({' OR '.join(f'h{n}' for n in ns) or 'false'}, false), "
            f"sup := {suppressed}, src := {sources}) AS {k}"
        )
    if not kcol:
        return "", [], {}
    sql.append(f", final AS (SELECT region_code, period, {', '.join(structs)} FROM {previous})")
    sql.append(
        f" SELECT kpi, region_code, period, r.v AS value, r.p AS provisional, r.h AS harmonised, r.sup AS suppressed, "
        f"r.src AS sources, contains(r.src, ?) AS example FROM final UNPIVOT (r FOR kpi IN ({', '.join(kcol.values())}))"
    )
    return "".join(sql), params + [EXAMPLE_SOURCE], {k: kpi_id for kpi_id, k in kcol.items()}


_EMPTY = "''"
_COMMA = "','"

# Observations as shown, yearly, for the requested indicators (parameter: list of ids).
_BASE = """WITH base AS (
    SELECT indicator_id, region_code, period, value, status, source_table, false AS harmonised
    FROM observation_best
    WHERE indicator_id IN (SELECT unnest(?)) AND length(period) = 4
)"""

# The same on the municipal division of a date (parameters: date x3, list of ids). A municipality
# existing on that date gets the figures of every municipality that went into it, weighted by the
# share of residents that moved (1 for a whole merger); additive indicators are summed, others
# kept only where the region itself has them. Missing from any part that existed makes the sum
# missing; "impossible" parts (a municipality not yet or no longer existing) do not count.
_HARMONISED_BASE = """WITH RECURSIVE moves AS (
    SELECT region_code AS from_code, other_code AS to_code,
           coalesce(CAST(residents AS DOUBLE) / nullif(sum(residents) OVER (PARTITION BY region_code, event_date), 0),
                    1.0 / count(*) OVER (PARTITION BY region_code, event_date)) AS share
    FROM region_event
    WHERE (kind = 'dissolved' OR (kind = 'name_change' AND direction = 'out'))
      AND other_code IS NOT NULL AND event_date <= CAST(? AS DATE)
),
walk(origin, code, share, depth) AS (
    SELECT code, code, CAST(1.0 AS DOUBLE), 0 FROM region WHERE kind = 'municipality'
    UNION ALL
    SELECT w.origin, m.to_code, w.share * m.share, w.depth + 1
    FROM walk w JOIN moves m ON m.from_code = w.code WHERE w.depth < 20
),
region_map AS (
    SELECT walk.origin AS from_code, walk.code AS to_code, sum(walk.share) AS share
    FROM walk JOIN region r ON r.code = walk.code
    WHERE walk.code NOT IN (SELECT from_code FROM moves)
      AND (r.valid_from IS NULL OR r.valid_from <= CAST(? AS DATE))
      AND (r.valid_to IS NULL OR r.valid_to > CAST(? AS DATE))
    GROUP BY ALL
    UNION ALL
    SELECT code, code, 1.0 FROM region WHERE kind <> 'municipality'
),
obs AS (
    SELECT o.*, i.additive FROM observation_best o JOIN indicator i ON i.id = o.indicator_id
    WHERE o.indicator_id IN (SELECT unnest(?)) AND length(o.period) = 4
),
base AS (
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


def evaluate(store: Store, library: Library, kpi_ids: list[str] | None = None,
             harmonise_on: dt.date | None = None) -> pd.DataFrame:
    """Every requested KPI (default: all) for every region and year, in one query.

    Columns: kpi_id, region_code, period, value, status (ok / missing / suppressed), provisional,
    harmonised, example (rests on invented demo figures), suppressed, sources (the source tables,
    comma-separated and sorted: "03759ned,84799NED").
    With `harmonise_on`, regions are those existing on that date with merger-harmonised history.
    """
    indicators = store.indicators()
    known = set(indicators["id"])
    plan = make_plan(library, kpi_ids, known)
    additive = set(indicators.loc[indicators["additive"], "id"])
    sql, params, names = build_query(plan, library, additive, harmonise_on)
    if not sql:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    frame = store.query(sql, params, arrow=True)
    frame["kpi_id"] = frame.pop("kpi").map(names)
    frame["status"] = "ok"
    frame.loc[frame["value"].isna(), "status"] = "missing"
    frame.loc[frame["suppressed"], "status"] = "suppressed"
    return frame[RESULT_COLUMNS]
