"""Computations behind the theme and compare pages: the results chain of a theme, indexed series,
lagged output/outcome pairs with their correlation, rankings, map data and side-by-side tables.

Everything here is plain pandas/numpy on the long result of `koers.kpis.evaluate.evaluate`::

    kpi_id | region_code | period | value | status | provisional | harmonised | example | suppressed | sources

(one row per KPI, region and year; `period` is the year as text, "2024"). No database, no
Streamlit: the pages call these and draw what comes back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from koers.settings import DATA
from metrics.model import Kpi

GEO = DATA / "geo"
CHAIN_KINDS = ("input", "output", "outcome")  # the columns of the diagram, left to right
PAIR_MODES = ("change", "level")


def _municipal(results: pd.DataFrame) -> pd.DataFrame:
    return results[results["region_code"].str.startswith("GM")]


# --- the results chain ------------------------------------------------------------------------


def results_chain(kpis: Mapping[str, Kpi], theme: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The inputs, outputs and outcomes of a theme and the `contributes_to` edges between them,
    laid out in three columns.

    A KPI of another theme is drawn too when an edge links it to this theme (an output of theme 2
    meant to move an outcome of theme 3); it is marked `external`. Context KPIs are no part of the
    chain. Within a column the nodes are ordered by the mean position of their neighbours (one
    barycentre pass each way), which keeps most arrows from crossing.

    nodes: kpi_id | kind | theme | external | x (0 input, 1 output, 2 outcome) | y (row, 0 at the top)
    edges: source | target   (this theme's outputs first, then inputs, then other themes; top to bottom)
    """
    own = {k for k, kpi in kpis.items() if int(kpi.theme) == int(theme) and kpi.kind in CHAIN_KINDS}
    edges = sorted({(source, target) for source, kpi in kpis.items() if kpi.kind in CHAIN_KINDS
                    for target in kpi.contributes_to
                    if target in kpis and kpis[target].kind in CHAIN_KINDS and (source in own or target in own)})
    members = own | {k for edge in edges for k in edge}

    def title(k: str) -> str:
        return kpis[k].title.nl.casefold()

    column = {kind: sorted((k for k in members if kpis[k].kind == kind), key=lambda k: (k not in own, title(k), k))
              for kind in CHAIN_KINDS}
    position = {k: float(i) for kind in CHAIN_KINDS for i, k in enumerate(column[kind])}

    def reorder(kind: str, neighbours: dict[str, list[str]]) -> None:
        def centre(k: str) -> float:
            near = [position[n] for n in neighbours.get(k, []) if n in position]
            return float(np.mean(near)) if near else math.inf
        column[kind] = sorted(column[kind], key=lambda k: (k not in own, centre(k), title(k), k))
        position.update({k: float(i) for i, k in enumerate(column[kind])})

    sources_of: dict[str, list[str]] = {}
    targets_of: dict[str, list[str]] = {}
    for source, target in edges:
        sources_of.setdefault(target, []).append(source)
        targets_of.setdefault(source, []).append(target)
    reorder("output", targets_of)
    reorder("input", targets_of)
    reorder("outcome", sources_of)
    reorder("output", targets_of)
    reorder("input", targets_of)

    tallest = max((len(c) for c in column.values()), default=1)
    rows = []
    for x, kind in enumerate(CHAIN_KINDS):
        offset = (tallest - len(column[kind])) / 2  # centre a short column
        for i, k in enumerate(column[kind]):
            rows.append({"kpi_id": k, "kind": kind, "theme": int(kpis[k].theme), "external": k not in own,
                         "x": x, "y": offset + i})
    nodes = pd.DataFrame(rows, columns=["kpi_id", "kind", "theme", "external", "x", "y"])
    # Edges as a reader goes through the diagram: this theme's outputs first, top to bottom.
    at = nodes.set_index("kpi_id")
    edges.sort(key=lambda e: (bool(at.at[e[0], "external"]), at.at[e[0], "kind"] != "output",
                              at.at[e[0], "y"], at.at[e[1], "y"]))
    return nodes, pd.DataFrame(edges, columns=["source", "target"])


# --- series of one municipality -------------------------------------------------------------


def indexed_series(results: pd.DataFrame, region: str, kpi_ids: list[str]) -> pd.DataFrame:
    """The region's series of the given KPIs, each also as an index: its first positive value = 100,
    so series in different units can share one chart.

    kpi_id | period | value | index | example | suppressed
    (rows without a value are left out, but for suppressed ones: value and index NaN)
    """
    rows = results[(results["region_code"] == region) & results["kpi_id"].isin(kpi_ids)
                   & (results["value"].notna() | results["suppressed"])]
    rows = rows.sort_values(["kpi_id", "period"])
    base = rows[rows["value"] > 0].groupby("kpi_id")["value"].first()
    frame = rows[["kpi_id", "period", "value", "example", "suppressed"]].reset_index(drop=True)
    frame["index"] = 100 * frame["value"] / frame["kpi_id"].map(base)
    frame["order"] = frame["kpi_id"].map({k: i for i, k in enumerate(kpi_ids)})
    return frame.sort_values(["order", "period"], ignore_index=True).drop(columns="order")


# --- does the output move the outcome? ------------------------------------------------------


def lagged_pairs(results: pd.DataFrame, source: str, target: str, year: int, mode: str = "change") -> pd.DataFrame:
    """Per municipality: the output `source` in year t = `year` - 1 against the change of the
    outcome `target` one year later (from t to t + 1 = `year`).

    mode "change": x is the output's change from t - 1 to t; mode "level": x is its value in t.
    y is always the outcome's change from t to t + 1, in the outcome's unit. Only municipalities
    with every value needed are kept (a code that did not exist in one of the years drops out).

    region_code | x | y | example (any value used rests on example data)
    """
    if mode not in PAIR_MODES:
        raise ValueError(mode)
    periods = [str(year - 2), str(year - 1), str(year)]
    rows = _municipal(results)
    rows = rows[rows["kpi_id"].isin([source, target]) & rows["period"].isin(periods)]
    # region_code x (kpi_id, period): the values, and whether each rests on example data
    value = rows.pivot_table(index="region_code", columns=["kpi_id", "period"], values="value", aggfunc="first",
                             dropna=False)
    example = rows.pivot_table(index="region_code", columns=["kpi_id", "period"], values="example", aggfunc="any",
                               dropna=False)

    def cell(frame: pd.DataFrame, kpi: str, period: str) -> pd.Series:
        return frame[(kpi, period)] if (kpi, period) in frame.columns else pd.Series(np.nan, index=frame.index)

    t0, t1, t2 = periods
    x = cell(value, source, t1) - (cell(value, source, t0) if mode == "change" else 0)
    y = cell(value, target, t2) - cell(value, target, t1)
    used = [(source, t1), (target, t1), (target, t2)] + ([(source, t0)] if mode == "change" else [])
    flagged = pd.concat([cell(example, k, p).astype("boolean").fillna(False) for k, p in used], axis=1).any(axis=1)
    pairs = pd.DataFrame({"region_code": value.index, "x": x.to_numpy(dtype=float), "y": y.to_numpy(dtype=float),
                          "example": flagged.to_numpy(dtype=bool)})
    return pairs.dropna(subset=["x", "y"]).sort_values("region_code", ignore_index=True)


def correlation(pairs: pd.DataFrame) -> tuple[float, int]:
    """Pearson's r of x and y, and n; r is NaN below three pairs or when either does not vary."""
    n = len(pairs)
    if n < 3 or pairs["x"].nunique() < 2 or pairs["y"].nunique() < 2:
        return math.nan, n
    return float(np.corrcoef(pairs["x"].to_numpy(), pairs["y"].to_numpy())[0, 1]), n


def strength(r: float) -> str | None:
    """A word for |r| (rules of thumb): none, weak, moderate, strong; None when r is NaN."""
    if r is None or math.isnan(r):
        return None
    size = abs(r)
    return "none" if size < 0.1 else "weak" if size < 0.3 else "moderate" if size < 0.5 else "strong"


# --- comparing municipalities -----------------------------------------------------------------


def year_rows(results: pd.DataFrame, kpi_id: str, year: int) -> pd.DataFrame:
    """Every municipality's row of one KPI in one year (with or without a value)."""
    rows = _municipal(results)
    return rows[(rows["kpi_id"] == kpi_id) & (rows["period"] == str(year))]


def ranking(results: pd.DataFrame, kpi_id: str, year: int, polarity: str) -> pd.DataFrame:
    """Municipalities with a value, best first. Higher is better: rank 1 is the highest value;
    lower is better: the lowest; no direction ("neither"): the highest. Equal values share a rank.
    Municipalities whose value is suppressed (small numbers) follow, unranked (rank <NA>).

    rank | region_code | value | example | suppressed | provisional
    """
    rows = year_rows(results, kpi_id, year)
    if "provisional" not in rows:  # a frame made without the flag: nothing is provisional
        rows = rows.assign(provisional=False)
    suppressed = rows["suppressed"].astype(bool)
    ranked = rows[rows["value"].notna() & ~suppressed][["region_code", "value", "example", "provisional"]]
    ascending = polarity == "lower_is_better"
    rank = ranked["value"].rank(method="min", ascending=ascending).astype("Int64")
    frame = ranked.assign(rank=rank, suppressed=False)[["rank", "region_code", "value", "example", "suppressed",
                                                        "provisional"]]
    hidden = rows[suppressed][["region_code"]].assign(rank=pd.NA, value=np.nan, example=False, suppressed=True,
                                                      provisional=False)
    hidden["rank"] = hidden["rank"].astype("Int64")
    return pd.concat([frame.sort_values(["rank", "region_code"]), hidden.sort_values("region_code")[frame.columns]],
                     ignore_index=True)


def division_file(year: int) -> Path:
    """The municipal boundaries for a year: the 2023 division up to 2024, the 2025 one after."""
    return GEO / ("gemeente_2023_cartomap.geojson" if year <= 2024 else "gemeente_2025_cartomap.geojson")


SHIPPED_DIVISIONS = (2023, 2025)  # the divisions of the shipped files (`division_file`)


def shipped_division(year: int) -> int:
    """The division year of the shipped file `division_file(year)` (for the map's note)."""
    return 2023 if year <= 2024 else 2025


def map_division(year: int, stored_years: list[int]) -> tuple[int, bool]:
    """Which municipal division a map of `year` is drawn on: (its year, from the store or not).

    The store's boundaries of that very year (an import brought them, e.g. `kwb-geojson`); else a
    shipped file of that year's division (2023, 2025); else the store's nearest year (the later
    one of two as near); else the shipped file as `division_file` chooses it.
    """
    if year in stored_years:
        return year, True
    if year in SHIPPED_DIVISIONS or not stored_years:
        return shipped_division(year), False
    return min(stored_years, key=lambda stored: (abs(stored - year), -stored)), True


def read_geojson(path: Path | str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def feature_codes(geojson: dict) -> list[str]:
    """The GM codes of a boundary file, in its own order (property `statcode`)."""
    return [feature["properties"]["statcode"] for feature in geojson["features"]]


def with_features(geojson: dict, codes: list[str]) -> dict:
    """The boundary file cut down to the given codes (an extra map layer then carries only those)."""
    wanted = set(codes)
    return {**geojson, "features": [f for f in geojson["features"] if f["properties"]["statcode"] in wanted]}


def map_values(results: pd.DataFrame, kpi_id: str, year: int, codes: list[str]) -> pd.DataFrame:
    """One row per map code with the KPI's value in `year` (NaN where there is none, or where it
    is suppressed for privacy: `suppressed`).

    region_code | value | example | suppressed | provisional
    """
    rows = year_rows(results, kpi_id, year).drop_duplicates("region_code").set_index("region_code")
    frame = pd.DataFrame({"region_code": codes})
    frame["value"] = frame["region_code"].map(rows["value"]).astype(float)
    example = frame["region_code"].map(rows["example"]).astype("boolean").fillna(False).astype(bool)
    frame["example"] = example & frame["value"].notna()  # only a value can rest on example data
    frame["suppressed"] = frame["region_code"].map(rows["suppressed"]).astype("boolean").fillna(False).astype(bool)
    provisional = frame["region_code"].map(rows["provisional"] if "provisional" in rows else pd.Series(dtype=bool)).astype("boolean").fillna(False).astype(bool)
    frame["provisional"] = provisional & frame["value"].notna()  # CBS's provisional figure: marked wherever shown
    return frame


def off_map(results: pd.DataFrame, kpi_id: str, year: int, codes: list[str]) -> list[str]:
    """Municipalities with a value in `year` that the boundary file does not have (another division)."""
    rows = year_rows(results, kpi_id, year)
    return sorted(set(rows.loc[rows["value"].notna(), "region_code"]) - set(codes))


def side_by_side(results: pd.DataFrame, kpi_ids: list[str], regions: list[str], year: int) -> pd.DataFrame:
    """The values of the given KPIs for the given regions in `year`, every combination, in the order
    asked (NaN where there is no value).

    kpi_id | region_code | value | example | suppressed | provisional
    """
    rows = results[results["kpi_id"].isin(kpi_ids) & results["region_code"].isin(regions) & (results["period"] == str(year))]
    if "provisional" not in rows:
        rows = rows.assign(provisional=False)
    grid = pd.MultiIndex.from_product([kpi_ids, regions], names=["kpi_id", "region_code"]).to_frame(index=False)
    frame = grid.merge(rows[["kpi_id", "region_code", "value", "example", "suppressed", "provisional"]], how="left",
                       on=["kpi_id", "region_code"])
    frame["value"] = frame["value"].astype(float)
    for flag in ("example", "suppressed", "provisional"):
        frame[flag] = frame[flag].astype("boolean").fillna(False).astype(bool)
    frame["example"] &= frame["value"].notna()  # only a value can rest on example data
    frame["provisional"] &= frame["value"].notna()
    return frame
