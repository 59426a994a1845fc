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

import numpy as np
import pandas as pd

from koers.kpis import formula
from koers.kpis.library import Library, references
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


def build_query(plan: Plan, library: Library, additive: set[str], harmonise_on: dt.date | None,
                sources: list[str]) -> tuple[str, list, dict[str, str]]:
    """The evaluation query, its parameters, and which result column name is which KPI.

    `sources` lists every source table in the store: a value's provenance travels as a bit mask
    over that list, packed with its flags into one integer (bit 0 provisional, bit 1 harmonised,
    bits 2.. the sources), so the pivot carries two numbers per indicator instead of four columns.
    """
    icol = {ind: f"i{n}" for n, ind in enumerate(plan.indicators, start=1)}
    kcol: dict[str, str] = {}

    def column(ref: str) -> str:
        return icol[ref] if ref in icol else kcol[ref]

    if not plan.layers:
        return "", [], {}
    # The wanted indicators as one list parameter: a filter DuckDB pushes through the best-source
    # window down to the indicator numbers (as `IN (SELECT ...)` it reads every observation).
    params: list = ([harmonise_on, harmonise_on, harmonise_on] if harmonise_on else []) + [plan.indicators]
    numbers = ", ".join(str(n) for n in range(1, len(plan.indicators) + 1))
    # DuckDB's PIVOT is by far the cheapest way to turn the long rows wide (measured against a
    # FILTER aggregate or a list per indicator); the grid then makes every region have every year,
    # so that lag() looks one year back and not one row.
    sql = [
        _HARMONISED_BASE if harmonise_on else _BASE,
        ", source_mask AS (SELECT b.source_table, bit_or(CAST(1 AS BIGINT) << s.bit) AS mask "
        "FROM (SELECT DISTINCT source_table FROM base) b, unnest(string_split(b.source_table, ',')) AS part(name) "
        "JOIN wanted_sources s ON s.source_table = part.name GROUP BY ALL)",
        ", numbered AS (SELECT b.region_code, b.period, b.value, w.n, "
        "CAST(b.status = 'provisional' AS BIGINT) + 2 * CAST(b.harmonised AS BIGINT) + 4 * coalesce(m.mask, 0) AS code "
        "FROM base b JOIN wanted_indicators w USING (indicator_id) LEFT JOIN source_mask m USING (source_table))",
        f", pivoted AS (PIVOT numbered ON n IN ({numbers}) USING first(value) AS v, first(code) AS c GROUP BY region_code, period)",
        ", grid AS (SELECT r.region_code, p.period FROM (SELECT DISTINCT region_code FROM base) r "
        "CROSS JOIN (SELECT DISTINCT period FROM base) p)",
        ", wide AS (SELECT g.region_code, g.period, "
        + ", ".join(f'p."{n}_v" AS i{n}, p."{n}_c" AS c{n}' for n in range(1, len(plan.indicators) + 1))
        + " FROM grid g LEFT JOIN pivoted p ON p.region_code = g.region_code AND p.period = g.period)",
    ]
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

    # Per KPI a value and one integer of flags: bit 0 provisional, 1 harmonised, 2 suppressed,
    # bits 3.. the sources of its inputs (their masks or-ed together).
    pairs = []
    for kpi_id, k in kcol.items():
        kpi = library.kpis[kpi_id]
        codes = [f"coalesce(c{icol[i][1:]}, 0)" for i in plan.inputs[kpi_id]] or ["0"]
        counts = [icol[i] for i in plan.inputs[kpi_id] if i in additive]
        threshold = int(kpi.privacy_threshold)
        suppressed = " OR ".join(f"coalesce({c} < {threshold}, false)" for c in counts) if threshold and counts else "false"
        inputs = " | ".join(codes)
        pairs.append(
            f"CASE WHEN {suppressed} THEN NULL ELSE {k} END AS v_{k}, "
            f"(({inputs}) & 3) | (CAST({suppressed} AS BIGINT) << 2) | ((({inputs}) >> 2) << 3) AS f_{k}"
        )
    sql.append(f", final AS (SELECT region_code, period, {', '.join(pairs)} FROM {previous})")
    sql.append(
        " SELECT kpi, region_code, period, value, flags FROM final UNPIVOT INCLUDE NULLS ((value, flags) FOR kpi IN ("
        + ", ".join(f"(v_{k}, f_{k}) AS {k}" for k in kcol.values()) + "))"
    )
    return "".join(sql), params, {k: kpi_id for kpi_id, k in kcol.items()}


# Observations as shown, yearly, for the requested indicators (the list parameter).
_BASE = """WITH base AS MATERIALIZED (
    SELECT indicator_id, region_code, period, value, status, source_table, false AS harmonised
    FROM observation_best
    WHERE list_contains(?, indicator_id) AND length(period) = 4
)"""

# The same on the municipal division of a date (parameters: the date, three times). A municipality
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
    WHERE list_contains(?, o.indicator_id) AND length(o.period) = 4
),
base AS MATERIALIZED (
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


def count_thresholds(store: Store, library: Library) -> dict[str, int]:
    """Per count indicator (additive), the highest privacy threshold of the KPIs resting on it: a
    count below it is as sensitive in the raw data as in the KPI, so outputs of observations
    suppress it too (see `cmd_observations`)."""
    indicators = store.indicators()
    plan = make_plan(library, None, set(indicators["id"]))
    additive = set(indicators.loc[indicators["additive"], "id"])
    thresholds: dict[str, int] = {}
    for kpi_id, used in plan.inputs.items():
        threshold = int(library.kpis[kpi_id].privacy_threshold)
        for indicator in used:
            if threshold and indicator in additive:
                thresholds[indicator] = max(threshold, thresholds.get(indicator, 0))
    return thresholds


def evaluate(store: Store, library: Library, kpi_ids: list[str] | None = None,
             harmonise_on: dt.date | None = None) -> pd.DataFrame:
    """Every requested KPI (default: all) for every region and year, in one query.

    Columns: kpi_id, region_code, period, value, status (ok / missing / suppressed), provisional,
    harmonised, example (rests on invented demo figures), suppressed, sources (the source tables,
    comma-separated and sorted: "03759ned,84799NED").
    With `harmonise_on`, regions are those existing on that date with merger-harmonised history.
    """
    indicators = store.indicators()
    plan = make_plan(library, kpi_ids, set(indicators["id"]))
    additive = set(indicators.loc[indicators["additive"], "id"])
    sources = store.source_tables()
    sql, params, names = build_query(plan, library, additive, harmonise_on, sources)
    if not sql:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    tables = {
        "wanted_indicators": pd.DataFrame({"indicator_id": plan.indicators, "n": range(1, len(plan.indicators) + 1)}),
        "wanted_sources": pd.DataFrame({"source_table": sources, "bit": range(len(sources))}),
    }
    frame = store.query(sql, params, tables, arrow=True)
    # Hundreds of thousands of rows but few distinct KPIs, source combinations and statuses:
    # categoricals, so no Python string is made per row.
    kpi = frame.pop("kpi").astype("category")
    frame["kpi_id"] = kpi.cat.rename_categories([names[c] for c in kpi.cat.categories])
    flags = frame.pop("flags").fillna(0).astype("int64").to_numpy()
    frame["provisional"] = (flags & 1) > 0
    frame["harmonised"] = (flags & 2) > 0
    frame["suppressed"] = (flags & 4) > 0
    masks, where = np.unique(flags >> 3, return_inverse=True)
    frame["sources"] = pd.Categorical.from_codes(
        where, [",".join(sorted(s for i, s in enumerate(sources) if int(m) >> i & 1)) for m in masks])
    example_bit = 1 << sources.index(EXAMPLE_SOURCE) if EXAMPLE_SOURCE in sources else 0
    frame["example"] = ((flags >> 3) & example_bit) > 0
    code = np.where(frame["suppressed"], 2, np.where(frame["value"].isna(), 1, 0))
    frame["status"] = pd.Categorical.from_codes(code, ["ok", "missing", "suppressed"])
    return frame[RESULT_COLUMNS]
