"""What the dashboard reads from the store, each in one short read-only visit: the dashboard holds
no lock while idle and a CLI import can run beside it.

Cached (`st.cache_data`, keyed on the database file's signature and the own KPI files'): what
is derived from the imported figures — the KPI library, every KPI evaluated, a municipality's
overview and series, the municipality list and a region's history, the import log, targets —
and frozen review snapshots. A new import changes the file's signature, so the next rerun shows it
without a restart.

Not cached: the learning loop (annotations, actions, targets with their revisions, review
sessions and items, governance records, the audit log). These are small tables (tens to hundreds
of rows per municipality) read in one visit per page run (about 40 ms) that change with every
save. The file's modification time and size need not change when one small record is written,
and a stale list after a save, or a stale version in an edit form, is exactly what must not happen.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from koers import present
from koers.dashboard.view import actor, selection
from koers.kpis import analysis, versions
from koers.kpis.assess import kpi_overview
from koers.kpis.evaluate import count_thresholds, evaluate
from koers.kpis.library import Library, load_library
from koers.loop import learning, review
from koers.settings import database_path, metrics_folder
from koers.sources import quality as source_quality
from koers.store import Store, database_signature

log = logging.getLogger("koers.dashboard")


def _db() -> str:
    return str(database_path())


def _signature() -> tuple:
    path = database_path()
    folder = metrics_folder()
    own = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.y*ml"))) if folder.is_dir() else ()
    return database_signature(path) + own


# --- derived from the imported figures (cached) -------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=4)
def _library(db: str, signature: tuple) -> Library:
    with Store.open(db, read_only=True) as store:
        known = store.known_indicator_ids()
    return load_library(metrics_folder(), known)


def library() -> Library:
    return _library(_db(), _signature())


@st.cache_data(show_spinner=False, max_entries=4)
def _results(db: str, signature: tuple, harmonise_on: dt.date | None) -> pd.DataFrame:
    with Store.open(db, read_only=True) as store:
        return evaluate(store, library(), harmonise_on=harmonise_on)


def on_today(harmonised: bool | None) -> bool:
    """Whether to evaluate on today's municipal division: as asked, else as the frame's selection
    (`indeling`; today's division by default)."""
    return selection().division == "today" if harmonised is None else harmonised


def results(harmonised: bool | None = None) -> pd.DataFrame:
    """Every KPI for every region and year; harmonised: on today's division (default: the frame's choice)."""
    return _results(_db(), _signature(), dt.date.today() if on_today(harmonised) else None)


def first_kpi_with_figures(year: int) -> str | None:
    """The first KPI in the library's reading order with a municipal value in `year`, if any."""
    f = results()
    found = set(f.loc[(f["period"] == str(year)) & f["value"].notna() & f["region_code"].str.startswith("GM"), "kpi_id"])
    return next((k for k in present.kpi_order(library().kpis, "nl") if k in found), None)


@st.cache_data(show_spinner=False, max_entries=64)
def _overview(db: str, signature: tuple, region: str, year: int, peers: str, harmonised: bool,
              custom: tuple[str, ...] = ()) -> pd.DataFrame:
    with Store.open(db, read_only=True) as store:
        return kpi_overview(store, library(), region, year, peers_by=peers, custom_peers=list(custom),
                            harmonise_on=dt.date.today() if harmonised else None, results=results(harmonised))


def overview(region: str, harmonised: bool | None = None) -> pd.DataFrame:
    """One row per KPI for `region` in the selected year (see `koers.kpis.assess.kpi_overview`),
    on the division chosen in the frame unless `harmonised` says."""
    s = selection()
    return _overview(_db(), _signature(), region, s.year, s.peers, on_today(harmonised), s.custom if s.peers == "custom" else ())


@st.cache_data(show_spinner=False, max_entries=64)
def _series(db: str, signature: tuple, region: str, harmonised: bool) -> dict[str, pd.DataFrame]:
    frame = results(harmonised)
    mine = frame[frame["region_code"] == region].sort_values("period")
    return {kpi_id: rows.reset_index(drop=True) for kpi_id, rows in mine.groupby("kpi_id")}


def series(region: str, harmonised: bool | None = None) -> dict[str, pd.DataFrame]:
    """Per KPI, the region's rows over all years (for sparklines and charts), on the division chosen
    in the frame unless `harmonised` says."""
    return _series(_db(), _signature(), region, on_today(harmonised))


@st.cache_data(show_spinner=False, max_entries=4)
def _municipalities(db: str, signature: tuple) -> pd.DataFrame:
    """Every municipality since 2015 (dissolved ones too), for the selector."""
    with Store.open(db, read_only=True) as store:
        frame = store.regions()
    since = pd.Timestamp("2015-01-01")
    frame = frame[frame["valid_to"].isna() | (pd.to_datetime(frame["valid_to"]) > since)]
    return frame.sort_values("name", key=lambda s: s.str.casefold()).reset_index(drop=True)


def municipalities() -> pd.DataFrame:
    return _municipalities(_db(), _signature())


def municipality_names() -> dict[str, str]:
    frame = municipalities()
    return dict(zip(frame["code"], frame["name"]))


@st.cache_data(show_spinner=False, max_entries=64)
def _region_story(db: str, signature: tuple, code: str) -> dict:
    with Store.open(db, read_only=True) as store:
        return {"region": store.region(code), "successors": store.successors(code),
                "predecessors": store.predecessors(code)}


def region_story(code: str) -> dict:
    """{"region": the region's record or None, "successors": frame, "predecessors": frame}."""
    return _region_story(_db(), _signature(), code)


def existed_in(region: dict, year: int) -> bool:
    """Whether a region (a record of `region_story`) existed at some moment of `year`."""
    start, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year + 1}-01-01")
    valid_from, valid_to = region.get("valid_from"), region.get("valid_to")
    return (pd.isna(valid_from) or pd.Timestamp(valid_from) < end) and (pd.isna(valid_to) or pd.Timestamp(valid_to) > start)


@dataclass(frozen=True)
class Division:
    """The municipal boundaries a map of a year is drawn on: the division's `year`, whether they
    come from the store (`stored`, a year's imported boundaries) or a shipped file, and the
    GeoJSON (each feature's property `statcode` the GM code)."""

    year: int
    stored: bool
    geojson: dict


@st.cache_data(show_spinner=False, max_entries=8)
def _division(db: str, signature: tuple, year: int) -> Division:
    with Store.open(db, read_only=True) as store:
        division_year, stored = analysis.map_division(year, store.boundary_years("municipality"))
        if stored:
            return Division(division_year, True, store.boundaries(division_year, "municipality"))
    return Division(division_year, False, _shipped_geojson(str(analysis.division_file(year))))


@st.cache_data(show_spinner=False, max_entries=4)
def _shipped_geojson(path: str) -> dict:
    """A shipped boundary file (about 200 kB), read once."""
    return analysis.read_geojson(path)


def division(year: int) -> Division:
    """The boundaries a map of `year` is drawn on: that year's division from the store when an
    import brought it, else the nearest (see `koers.kpis.analysis.map_division`)."""
    return _division(_db(), _signature(), year)


@st.cache_data(show_spinner=False, max_entries=8)
def _imports(db: str, signature: tuple) -> pd.DataFrame:
    with Store.open(db, read_only=True) as store:
        return store.imports()


def imports() -> pd.DataFrame:
    return _imports(_db(), _signature())


@st.cache_data(show_spinner=False, max_entries=4, ttl=3600)
def _quality(db: str, signature: tuple) -> source_quality.Quality:
    return source_quality.quality(db)


def quality() -> source_quality.Quality:
    """The Data page's coverage, freshness and outliers."""
    return _quality(_db(), _signature())


@st.cache_data(show_spinner=False, max_entries=4, ttl=3600)
def _indicator_choices(db: str, signature: tuple) -> pd.DataFrame:
    return versions.indicator_choices(db)


def indicator_choices() -> pd.DataFrame:
    """The indicators the KPI studio offers for a definition."""
    return _indicator_choices(_db(), _signature())


@st.cache_data(show_spinner=False, max_entries=16)
def _targets(db: str, signature: tuple, region: str) -> pd.DataFrame:
    with Store.open(db, read_only=True) as store:
        return store.targets(region=region)


def targets(region: str, kpi_id: str) -> pd.DataFrame:
    frame = _targets(_db(), _signature(), region)
    return frame[frame["kpi_id"] == kpi_id].reset_index(drop=True)


def next_target_year(targets: pd.DataFrame, year: int) -> int | None:
    later = targets.loc[targets["year"] > year, "year"]
    return int(later.min()) if not later.empty else None


def year_values(kpi_id: str, year: int) -> pd.DataFrame:
    """Every municipality's value of a KPI in a year (for the distribution): region, name, value."""
    frame = results()
    rows = frame[(frame["kpi_id"] == kpi_id) & (frame["period"] == str(year)) & frame["region_code"].str.startswith("GM")
                 & frame["value"].notna()]
    names = municipality_names()
    return pd.DataFrame({"region": rows["region_code"], "name": rows["region_code"].map(names), "value": rows["value"]})


@st.cache_data(show_spinner=False, max_entries=16)
def _frozen(db: str, signature: tuple, session_id: int) -> pd.DataFrame:
    with Store.open(db, read_only=True) as store:
        return review.frozen(store, session_id)


def frozen(session_id: int) -> pd.DataFrame:
    """The session's snapshot (see `koers.loop.review`), off-track first within each theme. A snapshot
    never changes once written; the file's signature in the key only guards against a database
    replaced as a whole (a rebuilt demo reusing session ids)."""
    return _frozen(_db(), _signature(), int(session_id))


# --- the learning loop (read fresh on every run) ------------------------------------------------


@dataclass(frozen=True)
class Loop:
    """A municipality's learning loop as stored now.

    annotations: as `learning.annotations` (id, kpi_id, period, kind, text, ..., version), by period;
    actions: as `learning.actions` (id, title, owner, due_date, status, kpi_ids (list), ..., overdue),
        overdue first;
    targets: as `Store.targets` (kpi_id, year, value, tolerance, version, original, revisions);
    revisions: as `Store.target_revisions` (kpi_id, year, revision, value, tolerance, reason,
        source, revised_at, revised_by);
    sessions: as `review.sessions` (id, title, reference_date, stage, version, ...), oldest first.
    """

    annotations: pd.DataFrame
    actions: pd.DataFrame
    targets: pd.DataFrame
    revisions: pd.DataFrame
    sessions: pd.DataFrame


def _open() -> Store:
    return Store.open(database_path(), read_only=True)


def loop(region: str) -> Loop:
    with _open() as store:
        return Loop(learning.annotations(store, region), learning.actions(store, region),
                    store.targets(region=region), store.target_revisions(region=region), review.sessions(store, region))


def governance(sources: list[str]) -> dict[str, dict | None]:
    """Per source table its governance record (owner, licence, legal_basis, privacy_class,
    retention, refresh_schedule, ...), None when none was recorded."""
    found: dict[str, dict | None] = {}
    with _open() as store:
        for source in sources:
            rows = store.records("governance", id=source)
            found[source] = rows.iloc[0].to_dict() if len(rows) else None
    return found


def sessions(region: str) -> pd.DataFrame:
    """The municipality's review sessions, oldest first (columns as `review_session`)."""
    with _open() as store:
        return review.sessions(store, region)


@dataclass(frozen=True)
class SessionView:
    """One review session as stored now: the session record (with its `version`), its findings,
    decisions and expected effects (`review_item` rows), the previous session's expectations
    against this session's values (`review.expected_against_actual`), the municipality's actions."""

    session: dict
    items: pd.DataFrame
    expected: pd.DataFrame
    actions: pd.DataFrame


def session_view(session_id: int) -> SessionView:
    with _open() as store:
        found = review.session(store, session_id)
        return SessionView(found, review.items(store, session_id), review.expected_against_actual(store, session_id),
                           learning.actions(store, found["region_code"]))


def audit_log(who) -> pd.DataFrame:
    """The audit trail as `Store.audit_log` gives it (administrators only: the store checks)."""
    with _open() as store:
        return store.audit_log(who)


def build_report(kind: str, session_id: int, lang: str, progress: Callable[[str, float], None]) -> bytes | str:
    """A review session's report, "pdf" (bytes) or "html" (text), made for the current person."""
    from koers.loop import report  # weasyprint and kaleido: imported only when a report is asked for

    found = library()
    build = report.build_pdf if kind == "pdf" else report.build_html
    with _open() as store:
        return build(store, found, session_id, lang, actor(), progress)


def warm_up(region: str = "GM0363", year: int = 2024, peers: str = "size") -> None:
    """Fill the caches of the landing page for the default selection (see `serve.py`, which builds
    a missing demo database first); without a database there is nothing to fill."""
    if not database_path().exists():
        return
    started = time.perf_counter()
    try:
        db, signature = _db(), _signature()
        _municipalities(db, signature)
        _region_story(db, signature, region)
        _overview(db, signature, region, year, peers, False)
        _series(db, signature, region, False)
        _targets(db, signature, region)
        log.info("dashboard caches filled in %.1f s", time.perf_counter() - started)
    except Exception:  # the first visit will show the problem in its own words
        log.exception("warm-up failed")


# --- districts (the Wijken page; cached) --------------------------------------------------------


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
