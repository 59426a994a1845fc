"""What the dashboard reads from the store, each in one short read-only visit: the dashboard holds
no lock while idle and a CLI import can run beside it.

Cached (`st.cache_data`, keyed on the database file's signature — the name of its newest
published version where it has them — the targets' versions in a shared PostgreSQL database, and the
own KPI files'): what is derived from the imported figures — the KPI library, every KPI evaluated, a municipality's
overview and series, the municipality list and a region's history, the import log, targets —
and frozen review snapshots. A new import changes the file's signature, so the next rerun shows it
without a restart. The KPI library, a region's series and its sparklines, read on every run of
most pages, are kept as one shared object (`st.cache_resource`) rather than copied out of the cache
on every read (unpickling a series of a hundred KPIs took 15-40 ms of each rerun): callers only
read them.

The learning loop of a municipality (annotations, actions, targets with their revisions, review
sessions) is cached on what people wrote (`_people_signature`): a stale list after a save, or a
stale version in an edit form, is exactly what must not happen, so its key changes with every
committed write — on one machine the file's signature (a save checkpoints the file on closing: its
size often stays, its modification time moves; measured over 40 saves in a row, every one changed
it), on a shared database the length of the append-only audit trail, which every write lengthens
in its own transaction. Reading it took a visit to the file on every run (a sixth of a warm
Overzicht run). Not cached: the rest of what people write, read where it is shown (governance
records, review items, the audit log).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from koers import present
from koers.dashboard.view import actor, selection
from koers.errors import KoersError
from koers.kpis import cards, own
from koers.kpis.assess import PeerInputs, all_expected_values, kpi_overview, no_expected_values, peer_inputs
from koers.kpis.evaluate import evaluate
from koers.kpis.library import Library, load_library
from koers.loop import learning, review
from koers.settings import database_path, shared_database_url
from koers.store import Store, audit_length, database_signature, shared_signature

if TYPE_CHECKING:
    from koers.sources import quality as source_quality

# Imported where used, not here: the maps' and the Data page's and the studio's modules (`analysis`,
# `koers.sources.quality`, `versions`; openpyxl and plotly's express come with them) are not needed
# by the first page, and every fresh server process pays for what this module imports.

log = logging.getLogger("koers.dashboard")


# What the landing page (app.py and pages/overzicht.py) imports beyond this module.
# (No plotly: the Overzicht's sparklines are drawn as SVG, `widgets.sparkline_svg`.)
LANDING_MODULES = ("koers.dashboard.auth", "koers.dashboard.widgets", "koers.loop.learning", "koers.logs",
                   "metrics.model")


def _db() -> str:
    return str(database_path())


def keeping_evaluation(progress: Callable[[str, float], None]) -> Callable[[Store], None]:
    """For figures written from the dashboard (the Data page's upload): every KPI evaluated again
    and kept in the file, as an import on the command line does (`evaluate.keep`), so the next
    fresh process reads them instead of evaluating. The library is read now, before the writable
    store opens: DuckDB refuses a read-only opening beside it in this process."""
    found = library()

    def after(store: Store) -> None:
        from koers.kpis.evaluate import keep

        progress("evaluate", 0.95)
        keep(store, found)

    return after


def _signature() -> tuple:
    path = database_path()
    # Targets and KPI definitions another replica saved in the shared database change no file
    # here (`shared_signature`).
    url = shared_database_url()
    return database_signature(path, published=True) + own.at().signature() + (shared_signature(url) if url else ())


@st.cache_data(show_spinner=False, max_entries=4)
def _upgraded(db: str, signature: tuple) -> int | None:
    # Opened read-only, as a read opens it (inside `one_visit`, the very visit the reads after it
    # share): only a file of an older schema, refused so, is opened once more to be upgraded.
    try:
        with _visit(db):
            return None
    except KoersError as error:
        if error.explanation.key != "errors.store.schema_too_old":
            raise
    return Store.upgrade(db)


def upgrade() -> int | None:
    """Bring a database made by an older Koers to this schema (see `Store.upgrade`); the version it
    had when it was upgraded, else None. Checked once per state of the file, not on every run (each
    check opens the file: about 30 ms of every rerun)."""
    return _upgraded(_db(), _signature())


# --- derived from the imported figures (cached) -------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=4)
def _library(db: str, signature: tuple) -> Library:
    with _visit(db) as store:
        known = store.known_indicator_ids()
    return load_library(own.at(), known)


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


class _SharedVisit:
    """The read-only visit the reads of one page run share (`one_visit`), opened at the first read
    that needs the store."""

    def __init__(self, db: str) -> None:
        self.db, self.store, self.stack = db, None, ExitStack()

    def open(self) -> Store:
        if self.store is None:
            self.store = self.stack.enter_context(Store.open(self.db, read_only=True))
        return self.store


_SHARED: ContextVar[_SharedVisit | None] = ContextVar("koers_shared_visit", default=None)


@contextmanager
def one_visit() -> Iterator[None]:
    """Inside, the reads share one read-only visit to the store, opened when the first of them
    needs it (not at all when every read is cached) and closed at the end. A change of
    municipality on the Overzicht made three visits (the region, the learning loop, the overview),
    each opening the file again. Only around reads: a write in this process while the file is
    open read-only would wait for it."""
    shared = _SharedVisit(_db())
    token = _SHARED.set(shared)
    try:
        yield
    finally:
        _SHARED.reset(token)
        shared.stack.close()


def _visit(db: str, store: Store | None = None) -> AbstractContextManager[Store]:
    """`store` when the caller has one open (a cached read inside another: one visit, not two), else
    the page run's shared visit (`one_visit`), else a new visit."""
    if store is not None:
        return nullcontext(store)
    shared = _SHARED.get()
    if shared is not None and shared.db == db:
        return nullcontext(shared.open())
    return Store.open(db, read_only=True)


# A parameter named with a leading underscore (`_store`) is not part of Streamlit's cache key.
@st.cache_data(show_spinner=False, max_entries=8)
def _year_results(db: str, signature: tuple, year: int, harmonise_on: dt.date | None, _store: Store | None = None) -> pd.DataFrame:
    """Every KPI for every region in one year: what the peer comparison of an overview reads. The
    rows of `results` for that year, evaluated alone (under a third of the time of every year)."""
    with _visit(db, _store) as store:
        return evaluate(store, library(), harmonise_on=harmonise_on, years=(year, year))


# The evaluations (db, signature, harmonise_on) whose rows `_by_region` holds per region: filled by
# the server's warm-up (`warm_up`) before it takes visitors, not by a page run.
_INDEXED: set[tuple] = set()


@st.cache_resource(show_spinner=False, max_entries=2)
def _by_region(db: str, signature: tuple, harmonise_on: dt.date | None) -> dict[str, pd.DataFrame]:
    """Every region's rows of `results`, split once (shared, read only)."""
    frame = _results(db, signature, harmonise_on)
    found = {str(region): rows for region, rows in frame.groupby("region_code", observed=True, sort=False)}
    _INDEXED.add((db, signature, harmonise_on))
    return found


@st.cache_data(show_spinner=False, max_entries=64)
def _region_results(db: str, signature: tuple, region: str, harmonise_on: dt.date | None,
                    _store: Store | None = None) -> pd.DataFrame:
    """Every KPI for one region over all years: the rows of `results` for that region — taken from
    every region's evaluation where the server's warm-up made it, else evaluated alone (the first
    page of a fresh process need not wait for every region's history; alone, a municipality takes
    about 0.2 s, most of it DuckDB planning the query)."""
    if (db, signature, harmonise_on) in _INDEXED:
        rows = _by_region(db, signature, harmonise_on).get(region)
        if rows is not None:
            return rows.reset_index(drop=True)
    with _visit(db, _store) as store:
        return evaluate(store, library(), harmonise_on=harmonise_on, regions=[region])


@st.cache_data(show_spinner=False, max_entries=16)
def _peer_inputs(db: str, signature: tuple, year: int, peers: str, _store: Store | None = None) -> PeerInputs:
    """What the peer groups of a year are made from (`koers.kpis.assess.peer_inputs`): the same for
    every region, so not read again for each one looked at."""
    with _visit(db, _store) as store:
        return peer_inputs(store, year, peers)


@st.cache_data(show_spinner=False, max_entries=16)
def _expected(db: str, signature: tuple, year: int, peers: str, harmonise_on: dt.date | None,
              _store: Store | None = None) -> pd.DataFrame:
    """Every municipality's expected values against its peers of this kind (not for own peer groups):
    the same for every region, so not made again for each one looked at."""
    with _visit(db, _store) as store:
        return all_expected_values(store, library(), _year_results(db, signature, year, harmonise_on, store), year, peers,
                                   inputs=_peer_inputs(db, signature, year, peers, store))


# No defaults on a cached function the warm-up fills: Streamlit keys a call on the arguments as
# passed, so a default left out there and given here is another entry (the warm-up's overview was
# never the one the first visit read).
@st.cache_data(show_spinner=False, max_entries=64)
def _overview(db: str, signature: tuple, region: str, year: int, peers: str, harmonised: bool,
              custom: tuple[str, ...], with_expected: bool) -> pd.DataFrame:
    on = dt.date.today() if harmonised else None
    with _visit(db) as store:
        expected = (no_expected_values() if not with_expected
                    else None if peers == "custom" else _expected(db, signature, year, peers, on, store))
        return kpi_overview(store, library(), region, year, peers_by=peers, custom_peers=list(custom), harmonise_on=on,
                            results=_year_results(db, signature, year, on, store),
                            series=_region_results(db, signature, region, on, store),
                            expected=expected, inputs=_peer_inputs(db, signature, year, peers, store))


def overview(region: str, harmonised: bool | None = None, with_expected: bool = False) -> pd.DataFrame:
    """One row per KPI for `region` in the selected year (see `koers.kpis.assess.kpi_overview`),
    on the division chosen in the frame unless `harmonised` says. `with_expected`: also the value
    expected from the municipality's context (columns expected, expected_error; else empty) — only
    the KPI page shows it, and fitting it for every KPI is a sixth of a first overview's time."""
    s = selection()
    return _overview(_db(), _signature(), region, s.year, s.peers, on_today(harmonised),
                     s.custom if s.peers == "custom" else (), with_expected)


@st.cache_resource(show_spinner=False, max_entries=64)
def _series(db: str, signature: tuple, region: str, harmonised: bool) -> dict[str, pd.DataFrame]:
    mine = _region_results(db, signature, region, dt.date.today() if harmonised else None).sort_values("period")
    return {kpi_id: rows.reset_index(drop=True) for kpi_id, rows in mine.groupby("kpi_id")}


def series(region: str, harmonised: bool | None = None) -> dict[str, pd.DataFrame]:
    """Per KPI, the region's rows over all years (for sparklines and charts), on the division chosen
    in the frame unless `harmonised` says."""
    return _series(_db(), _signature(), region, on_today(harmonised))


@st.cache_resource(show_spinner=False, max_entries=64)
def _sparklines(db: str, signature: tuple, region: str, harmonised: bool, year: int) -> dict[str, pd.DataFrame | None]:
    history, kpis = _series(db, signature, region, harmonised), _library(db, signature).kpis
    return {kpi_id: cards.sparkline(rows, year) for kpi_id, rows in history.items()
            if kpi_id in kpis and kpis[kpi_id].kind == "outcome"}


def sparklines(region: str, year: int, harmonised: bool | None = None) -> dict[str, pd.DataFrame | None]:
    """Per outcome KPI its card's sparkline up to `year` (`koers.kpis.cards.sparkline`; a KPI
    without a series is absent). Made once per region and year: a rerun of the overview made
    them again for every card (a quarter of its time)."""
    return _sparklines(_db(), _signature(), region, on_today(harmonised), year)


@st.cache_data(show_spinner=False, max_entries=4)
def _municipalities(db: str, signature: tuple) -> pd.DataFrame:
    """Every municipality since 2015 (dissolved ones too), for the selector."""
    with _visit(db) as store:
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
    with _visit(db) as store:
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
    from koers.kpis import analysis

    with Store.open(db, read_only=True) as store:
        division_year, stored = analysis.map_division(year, store.boundary_years("municipality"))
        if stored:
            return Division(division_year, True, store.boundaries(division_year, "municipality"))
    return Division(division_year, False, _shipped_geojson(str(analysis.division_file(year))))


@st.cache_data(show_spinner=False, max_entries=4)
def _shipped_geojson(path: str) -> dict:
    """A shipped boundary file (about 200 kB), read once."""
    from koers.kpis import analysis

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
    from koers.sources import quality as source_quality

    return source_quality.quality(db)


def quality() -> source_quality.Quality:
    """The Data page's coverage, freshness and outliers."""
    return _quality(_db(), _signature())


@st.cache_data(show_spinner=False, max_entries=4, ttl=3600)
def _indicator_choices(db: str, signature: tuple) -> pd.DataFrame:
    from koers.kpis import versions

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


# --- the learning loop (cached on what people wrote: `_people_signature`) ---------------------------


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


def _open() -> AbstractContextManager[Store]:
    return _visit(_db())


def _people_signature() -> tuple:
    """What changes with every write of what people write (annotations, actions, targets, reviews):
    the file's signature; on a shared database also the length of its audit trail. Cheaper than the
    visit to the file that reading them takes (about a sixth of a warm Overzicht run)."""
    url = shared_database_url()
    return _signature() + ((audit_length(url),) if url else ())


@st.cache_data(show_spinner=False, max_entries=16)
def _loop(db: str, signature: tuple, region: str, today: dt.date) -> Loop:
    with _visit(db) as store:
        return Loop(learning.annotations(store, region), learning.actions(store, region, today),
                    store.targets(region=region), store.target_revisions(region=region), review.sessions(store, region))


def loop(region: str) -> Loop:
    # today: an action's "overdue" is counted against the date
    return _loop(_db(), _people_signature(), region, dt.date.today())


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
    a missing demo database first) — on today's division, the frame's default (`indeling`) — and
    import what its first run imports; without a database there is nothing to fill. Every other
    municipality's series follows (`index_regions`), after the server has begun to answer."""
    if not database_path().exists():
        return
    started = time.perf_counter()
    try:
        for module in LANDING_MODULES:  # the first visitor need not wait for these imports
            importlib.import_module(module)
        db, signature = _db(), _signature()
        _upgraded(db, signature)
        _library(db, signature)  # read by every page; the overview below may be cached without it
        _municipalities(db, signature)
        _region_story(db, signature, region)
        _overview(db, signature, region, year, peers, True, (), False)  # exactly as `overview` calls it
        _series(db, signature, region, True)
        _sparklines(db, signature, region, True, year)
        _targets(db, signature, region)
        _loop(db, _people_signature(), region, dt.date.today())
        log.info("dashboard caches filled in %.1f s", time.perf_counter() - started)
    except Exception:  # the first visit will show the problem in its own words
        log.exception("warm-up failed")


def index_regions() -> None:
    """Every municipality's series on today's division, evaluated at once and split per region
    (`_by_region`), so that a change of municipality reads its series instead of evaluating it
    (about 0.2 s each). `serve.py` runs this in a thread once the server answers: it takes about
    a second (the first start's longest step after the build), and DuckDB leaves the interpreter
    free meanwhile (a page run beside it stalls a few milliseconds at most); a municipality chosen
    before it is done is evaluated alone, as without it."""
    if not database_path().exists():
        return
    started = time.perf_counter()
    try:
        _by_region(_db(), _signature(), dt.date.today())
        log.info("every municipality's series ready in %.1f s", time.perf_counter() - started)
    except Exception:  # a change of municipality then evaluates the region alone
        log.exception("indexing the municipalities' series failed")
