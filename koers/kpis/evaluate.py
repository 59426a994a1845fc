"""Evaluate KPIs for all regions and years in one vectorised query.

This module plans: which indicators feed which KPIs, in which order the KPIs can be computed
(a KPI that uses another KPI sits in a later layer), and each KPI's expression as a formula tree.
It hands the plan to the store as an `EvaluationQuery`; the store compiles it to one DuckDB query
(`koers.store.kpi_query`) and returns the long result, one row per KPI, region and year.

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
from koers.store import EvaluationQuery, Store
from metrics.model import FormulaDefinition, IndicatorDefinition, Kpi, RatioDefinition

DIVISIONS = ("today", "historical")  # the municipal division KPIs are shown on; "today" is the default


def division_date(division: str = "today") -> dt.date | None:
    """The date whose municipal division KPIs are evaluated on: today's (every series on the
    municipalities of now, history merger-harmonised and flagged, as CBS's waarstaatjegemeente
    shows it), or None for the historical division (each year as the municipalities were then)."""
    if division not in DIVISIONS:
        raise ValueError(division)
    return dt.date.today() if division == "today" else None


RESULT_COLUMNS = ["kpi_id", "region_code", "period", "value", "status", "provisional", "harmonised",
                  "example", "example_value", "suppressed", "sources"]


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


def expression(kpi: Kpi) -> formula.Node:
    """A KPI's definition as a formula tree: an indicator is a reference, a ratio a division
    scaled by a whole number, a formula its parsed text."""
    definition = kpi.definition
    if isinstance(definition, IndicatorDefinition):
        return formula.Ref(definition.indicator)
    if isinstance(definition, RatioDefinition):
        ratio = formula.Binary("/", formula.Ref(definition.numerator), formula.Ref(definition.denominator))
        return formula.Binary("*", ratio, formula.Number(float(int(definition.scale))))
    assert isinstance(definition, FormulaDefinition)
    return formula.parse(definition.formula)


def compile_query(plan: Plan, library: Library, additive: set[str], harmonise_on: dt.date | None,
                  regions: tuple[str, ...] | None = None, periods: tuple[int, int] | None = None) -> EvaluationQuery:
    """The plan as the store's query: expression trees by layer, each KPI's inputs and privacy
    threshold, which of the indicators are counts (`additive`), the division to harmonise on."""
    computed = [kpi_id for layer in plan.layers for kpi_id in layer]
    return EvaluationQuery(
        indicators=tuple(plan.indicators),
        layers=tuple(tuple((kpi_id, expression(library.kpis[kpi_id])) for kpi_id in layer) for layer in plan.layers),
        inputs={kpi_id: tuple(plan.inputs[kpi_id]) for kpi_id in computed},
        thresholds={kpi_id: int(library.kpis[kpi_id].privacy_threshold) for kpi_id in computed},
        additive=frozenset(additive & set(plan.indicators)),
        harmonise_on=harmonise_on,
        regions=regions,
        periods=periods,
    )


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
             harmonise_on: dt.date | None = None, regions: list[str] | None = None,
             years: tuple[int, int] | None = None) -> pd.DataFrame:
    """Every requested KPI (default: all) for every region and year, in one query.

    Columns: kpi_id, region_code, period, value, status (ok / missing / suppressed), provisional,
    harmonised, example and example_value (rests on invented demo figures), suppressed, sources (the source tables,
    comma-separated and sorted: "03759ned,84799NED").
    With `harmonise_on`, regions are those existing on that date with merger-harmonised history.
    `regions`: just these (districts among them); by default every region but the districts.
    `years`: just the rows of these years (first, last), with the values of a full evaluation (a
    growth in the first year still reads the year before): the dashboard's peer comparison of one
    year need not wait for every year.
    """
    indicators = store.indicators()
    plan = make_plan(library, kpi_ids, set(indicators["id"]))
    if not plan.layers:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    additive = set(indicators.loc[indicators["additive"], "id"])
    frame = store.evaluate(compile_query(plan, library, additive, harmonise_on,
                                         tuple(regions) if regions is not None else None, years))
    code = np.where(frame["suppressed"], 2, np.where(frame["value"].isna(), 1, 0))
    frame["status"] = pd.Categorical.from_codes(code, ["ok", "missing", "suppressed"])
    # The value itself rests on invented figures. An evaluation has no targets, so here `example`
    # (anything invented) is the same; `koers.kpis.assess.kpi_overview` adds the target and inputs.
    frame["example_value"] = frame["example"]
    return frame[RESULT_COLUMNS]


def keep(store: Store, library: Library) -> int:
    """Evaluate every KPI on both divisions (today's and the historical) and keep the rows in the
    file (`Store.keep_evaluation`), in place of what was kept before: a fresh dashboard process
    reads its first page's rows instead of evaluating them. For whoever writes the figures, after
    writing them; the number of rows kept. Without it nothing is wrong, only slower: `evaluate`
    uses a kept row only for exactly the query and the figures it came from."""
    indicators = store.indicators()
    plan = make_plan(library, None, set(indicators["id"]))
    additive = set(indicators.loc[indicators["additive"], "id"])
    return store.keep_evaluation([compile_query(plan, library, additive, division_date(d)) for d in DIVISIONS]
                                 if plan.layers else [])
