"""What the Wijken page reads: one municipality's district figures (every KPI and indicator that has
them, with the municipal and national value for reference), a measure's districts in one year
ranked, and the district boundaries for the map. Cached like `koers.dashboard.reads`'s derived
reads (`st.cache_data`, keyed on the database file's signature and the own KPI files').
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from koers import present
from koers.dashboard.reads import _db, _signature, library, municipality_names
from koers.kpis.evaluate import count_thresholds, evaluate
from koers.kpis.library import Library
from koers.store import Store


@dataclass(frozen=True)
class DistrictMeasure:
    """A KPI or an indicator with figures for districts of one municipality.

    threshold: the privacy threshold n (0: none) — a KPI's own; for a count indicator the highest of
    the KPIs resting on it (`koers.kpis.evaluate.count_thresholds`), as the command line's output.
    count: an additive indicator (residents, dwellings): a municipality's or the country's total is
    no yardstick for one district, so no reference lines; years: those with district figures."""

    id: str
    kind: str  # "kpi" | "indicator"
    title_nl: str
    title_en: str
    unit: str
    threshold: float
    count: bool
    polarity: str
    years: tuple[int, ...]
    sources: str  # the source tables of the district figures, "84799NED,85984NED"

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_nl


@dataclass(frozen=True)
class Districts:
    """One municipality's district figures: per measure (KPI or indicator) the districts' values
    and, for reference, the municipality's and the country's; and the years with district boundaries.

    figures: measure | region_code | name | level (district / municipality / country) | year | value
             | suppressed | provisional      (a suppressed row's value is NaN: it never leaves here)
    """

    municipality: str
    measures: dict[str, DistrictMeasure]  # KPIs first (library order), then indicators by title
    figures: pd.DataFrame
    boundary_years: tuple[int, ...]


@dataclass(frozen=True)
class DistrictYear:
    """One measure's districts in one year, ranked, with the reference values and the change
    between the measure's first and last district year (for codes CBS kept: same code, same district).

    ranked:  rank (1 = best; <NA> for withheld and missing) | region_code | name | value | suppressed | provisional
    change:  region_code | name | first | last | change | suppressed    (codes with a figure in both years)
    """

    year: int
    ranked: pd.DataFrame
    municipality: float | None  # None when missing or withheld (`municipality_suppressed`)
    municipality_suppressed: bool
    country: float | None
    country_suppressed: bool
    change: pd.DataFrame
    first: int | None  # the years compared; None with fewer than two
    last: int | None
    first_count: int  # districts with a figure in each year
    last_count: int


def _kpi_figures(frame: pd.DataFrame, names: dict[str, str], levels: dict[str, str]) -> pd.DataFrame:
    """Every KPI's values (`frame`: evaluated for the municipality, its districts and the country), on
    each year's own division: districts belong to the municipality of their year, not to today's
    (Weesp's 2020 districts are not Amsterdam's)."""
    rows = frame[frame["value"].notna() | frame["suppressed"]]
    return pd.DataFrame({
        "measure": rows["kpi_id"].astype(str), "region_code": rows["region_code"].astype(str),
        "name": rows["region_code"].astype(str).map(names), "level": rows["region_code"].astype(str).map(levels),
        "year": rows["period"].astype(int), "value": rows["value"].where(~rows["suppressed"]),
        "suppressed": rows["suppressed"].astype(bool), "provisional": rows["provisional"].astype(bool),
        "sources": rows["sources"].astype(str)})


def _indicator_figures(raw: pd.DataFrame, thresholds: dict[str, int], kpis: set[str]) -> pd.DataFrame:
    """The store's district figures in the shape of `Districts.figures`; a count below the threshold
    of a KPI resting on it is withheld here as there. An indicator with a KPI's id is left to the KPI."""
    raw = raw[~raw["indicator_id"].isin(kpis)]
    hidden = present.small_counts(raw["value"], raw["indicator_id"].map(thresholds))
    return pd.DataFrame({"measure": raw["indicator_id"], "region_code": raw["region_code"], "name": raw["name"],
                         "level": raw["level"], "year": raw["period"].astype(int), "value": raw["value"].where(~hidden),
                         "suppressed": hidden, "provisional": raw["status"] == "provisional", "sources": raw["source"]})


def _measures(district: pd.DataFrame, found: Library, indicators: pd.DataFrame,
              thresholds: dict[str, int]) -> dict[str, DistrictMeasure]:
    """Every measure with a district figure (or a withheld one): KPIs in the library's order, then
    indicators by title."""
    def years_and_sources(measure: str) -> tuple[tuple[int, ...], str]:
        mine = district[district["measure"] == measure]
        return (tuple(sorted(int(y) for y in set(mine["year"]))),
                ",".join(sorted({s for text in mine["sources"] for s in str(text).split(",") if s})))

    present_ids = set(district["measure"])
    measures: dict[str, DistrictMeasure] = {}
    for kpi_id in present.kpi_order({k: v for k, v in found.kpis.items() if k in present_ids}, "nl"):
        kpi = found.kpis[kpi_id]
        measures[kpi_id] = DistrictMeasure(kpi_id, "kpi", kpi.title.nl, kpi.title.en, kpi.unit, float(kpi.privacy_threshold),
                                           False, kpi.polarity, *years_and_sources(kpi_id))
    for indicator_id in sorted(present_ids - set(found.kpis), key=lambda i: str(indicators.at[i, "title_nl"]).casefold()):
        row = indicators.loc[indicator_id]
        measures[indicator_id] = DistrictMeasure(
            indicator_id, "indicator", str(row["title_nl"]), str(row["title_en"] or row["title_nl"]), str(row["unit"] or ""),
            float(thresholds.get(indicator_id, 0)), bool(row["additive"]), "neither", *years_and_sources(indicator_id))
    return measures


@st.cache_data(show_spinner=False, max_entries=16)
def _districts(db: str, signature: tuple, municipality: str) -> Districts:
    found = library()
    with Store.open(db, read_only=True) as store:
        raw = store.district_figures(municipality)
        indicators = store.indicators().set_index("id")
        thresholds = count_thresholds(store, found)
        boundary_years = tuple(store.boundary_years("district"))
        # the dashboard's evaluation leaves districts out: these are evaluated here, for this municipality
        district_codes = set(raw.loc[raw["level"] == "district", "region_code"])
        evaluated = evaluate(store, found, regions=sorted(district_codes | {municipality, "NL01"}))
    names = dict(zip(raw["region_code"], raw["name"]))
    levels = dict(zip(raw["region_code"], raw["level"]))
    names.setdefault(municipality, municipality_names().get(municipality, municipality))
    levels.update({municipality: "municipality", "NL01": "country"})
    figures = pd.concat([_kpi_figures(evaluated, names, levels),
                         _indicator_figures(raw, thresholds, set(found.kpis))], ignore_index=True)
    district = figures[(figures["level"] == "district") & (figures["value"].notna() | figures["suppressed"])]
    # A KPI none of whose inputs has district figures has none either; one resting partly on them
    # (a ratio to a municipal-only count) gives no district value and is left out by the filter above.
    measures = _measures(district, found, indicators[indicators.index.isin(set(district["measure"]))], thresholds)
    return Districts(municipality, measures, figures.drop(columns="sources").reset_index(drop=True), boundary_years)


def districts(municipality: str) -> Districts:
    """The municipality's district figures, every KPI and indicator that has them (see `Districts`)."""
    return _districts(_db(), _signature(), municipality)


def nearest_year(years: tuple[int, ...], wanted: int) -> int:
    """The year to show when the frame's year has no district figures: the latest before it, else
    the earliest after it (district figures come from a few KWB years only)."""
    if wanted in years or not years:
        return wanted
    earlier = [y for y in years if y < wanted]
    return max(earlier) if earlier else min(years)


def _reference(rows: pd.DataFrame, level: str) -> tuple[float | None, bool]:
    row = rows[rows["level"] == level]
    if row.empty:
        return None, False
    value = row["value"].iloc[0]
    return (None if pd.isna(value) else float(value)), bool(row["suppressed"].iloc[0])


def _ranked(rows: pd.DataFrame, polarity: str) -> pd.DataFrame:
    """Districts best first: highest first unless lower is better; withheld, then missing ones after."""
    shown = rows[rows["value"].notna()].sort_values(["value", "region_code"], ascending=[polarity == "lower_is_better", True])
    rest = rows[rows["value"].isna()].sort_values(["suppressed", "region_code"], ascending=[False, True])
    rank = pd.array(list(range(1, len(shown) + 1)) + [pd.NA] * len(rest), dtype="Int64")
    frame = pd.concat([shown, rest], ignore_index=True)
    return frame.assign(rank=rank)[["rank", "region_code", "name", "value", "suppressed", "provisional"]]


def _change(rows: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Per district code with a figure (or a withheld one) in both years: both values and the
    change; withheld in either year withholds the change."""
    before = rows[rows["year"] == first].set_index("region_code")
    after = rows[rows["year"] == last].set_index("region_code")
    codes = sorted(set(before.index) & set(after.index))
    frame = pd.DataFrame({"region_code": codes, "name": after.loc[codes, "name"].tolist(),
                          "first": before.loc[codes, "value"].to_numpy(dtype=float),
                          "last": after.loc[codes, "value"].to_numpy(dtype=float),
                          "suppressed": (before.loc[codes, "suppressed"].to_numpy(dtype=bool)
                                         | after.loc[codes, "suppressed"].to_numpy(dtype=bool))})
    return frame.assign(change=frame["last"] - frame["first"])[["region_code", "name", "first", "last", "change", "suppressed"]]


def district_year(found: Districts, measure_id: str, year: int) -> DistrictYear:
    """One measure's districts in `year` (see `DistrictYear`), with the municipality's and the
    country's figure of that year and the change between the measure's first and last district year."""
    measure = found.measures[measure_id]
    rows = found.figures[found.figures["measure"] == measure_id]
    this_year = rows[rows["year"] == year]
    districts_of = rows[rows["level"] == "district"]
    municipality, municipality_hidden = _reference(this_year, "municipality")
    country, country_hidden = _reference(this_year, "country")
    first, last = (measure.years[0], measure.years[-1]) if len(measure.years) > 1 else (None, None)
    change = _change(districts_of, first, last) if first is not None else _change(districts_of.iloc[:0], 0, 0)
    counted = districts_of[districts_of["value"].notna() | districts_of["suppressed"]]
    return DistrictYear(year, _ranked(districts_of[districts_of["year"] == year], measure.polarity),
                        municipality, municipality_hidden, country, country_hidden, change, first, last,
                        int((counted["year"] == first).sum()), int((counted["year"] == last).sum()))


@dataclass(frozen=True)
class DistrictMap:
    """A municipality's district boundaries of one year (GeoJSON, `statcode` the WK code) and where
    to look: the centre of their extent and a zoom that fits it (the map has no tiles to fit itself to)."""

    year: int
    geojson: dict
    lat: float
    lon: float
    zoom: float


@st.cache_data(show_spinner=False, max_entries=16)
def _district_map(db: str, signature: tuple, municipality: str, year: int) -> DistrictMap | None:
    with Store.open(db, read_only=True) as store:
        if year not in store.boundary_years("district"):
            return None
        geojson = store.district_boundaries(year, municipality)
    if not geojson["features"]:
        return None
    return DistrictMap(year, geojson, *_fit(geojson))


def _positions(coordinates: object) -> list[tuple[float, float]]:
    """Every (lon, lat) of a GeoJSON geometry's nested coordinate lists."""
    if isinstance(coordinates, list) and coordinates and isinstance(coordinates[0], (int, float)):
        return [(float(coordinates[0]), float(coordinates[1]))]
    return [p for part in coordinates for p in _positions(part)] if isinstance(coordinates, list) else []


def _fit(geojson: dict, width: int = 700, height: int = 560) -> tuple[float, float, float]:
    """(lat, lon, zoom) showing every feature on a web-Mercator map of about width x height pixels:
    at zoom z the world is 512 * 2^z pixels wide (MapLibre's tiles)."""
    lons, lats = zip(*(p for f in geojson["features"] for p in _positions((f.get("geometry") or {}).get("coordinates"))))
    north, south = (math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) for lat in (max(lats), min(lats)))
    zoom = min(math.log2(width / 512 * 360 / max(max(lons) - min(lons), 1e-4)),
               math.log2(height / 512 * 2 * math.pi / max(north - south, 1e-4))) - 0.2
    centre = math.degrees(2 * math.atan(math.exp((north + south) / 2)) - math.pi / 2)
    return centre, (max(lons) + min(lons)) / 2, round(max(1.0, min(zoom, 16.0)), 2)


def district_map(municipality: str, year: int) -> DistrictMap | None:
    """The district boundaries of `year` for the map; None when the store has none of that year."""
    return _district_map(_db(), _signature(), municipality, year)
