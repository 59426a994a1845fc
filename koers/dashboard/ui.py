"""What the dashboard pages share: the global selection, texts, cached data and small drawing
helpers (status badges, number formats, charts with their data one click away).

Pages only draw; everything they show comes from here, `koers.kpis.assess` and `koers.kpis.evaluate`.
Data is read in short read-only visits and cached on the database file's fingerprint, so the
dashboard holds no lock while idle and shows a new import on the next rerun.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from koers.dashboard import auth
from koers import i18n
from koers.access import LOCAL, Actor
from koers.kpis.assess import kpi_overview
from koers.errors import KoersError
from koers.kpis.evaluate import evaluate
from koers.kpis.library import Library, load_library
from koers.settings import database_path, metrics_folder
from koers.store import Store, database_signature

log = logging.getLogger("koers.dashboard")

# Okabe–Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
STATUS_STYLE = {  # icon and badge colour; the word always goes with it
    "on_track": (":material/check_circle:", "blue"),
    "at_risk": (":material/warning:", "orange"),
    "off_track": (":material/cancel:", "violet"),
    "no_target": (":material/remove:", "gray"),
    "no_data": (":material/help:", "gray"),
}
TREND_ICON = {"up": "↗", "down": "↘", "flat": "→"}
PEER_KINDS = ("size", "province", "urbanity", "nearest")


@dataclass(frozen=True)
class Selection:
    region: str
    year: int
    peers: str
    lang: str


def selection() -> Selection:
    """The global selection made in the frame (`app.py`), kept in the URL."""
    state = st.session_state
    return Selection(state.get("gemeente") or "GM0363", int(state.get("jaar") or 2024),
                     state.get("groep") or "size", state.get("taal") or "nl")


def from_url(key: str, options: list, default: object) -> None:
    """Before a widget is drawn: take its value from the URL (a shared link) on the first run.

    We mirror the selection to the URL ourselves rather than with `bind="query-params"`, which
    puts the *formatted* option in the URL ("Amsterdam (GM0363)"); a link should carry codes.
    """
    if key in st.session_state and st.session_state[key] in options:
        return
    raw = st.query_params.get(key)
    value = next((o for o in options if str(o) == raw), None)
    st.session_state[key] = value if value is not None else default


def to_url(*keys: str) -> None:
    """After the widgets: write their values to the URL, so the address is a link to this view."""
    for key in keys:
        value = st.session_state.get(key)
        if value is not None and st.query_params.get(key) != str(value):
            st.query_params[key] = str(value)


def actor() -> Actor:
    """Who uses the dashboard: set by the frame after a login; without a login provider the
    local single user. Every write passes it on; the store checks its role. A page run without
    the frame while a login is configured stops here (see `auth.require_frame`)."""
    auth.require_frame(selection().lang)
    return st.session_state.get(auth.ACTOR_KEY) or LOCAL


@contextmanager
def writing() -> Iterator[Store]:
    """A writable store for one write, closed at once: the dashboard holds no lock while idle."""
    with Store.open(database_path(), wait_seconds=10) as store:
        yield store


def t(key: str, **params: object) -> str:
    return i18n.text(selection().lang, key, **params)


def fmt(value: float | None, decimals: int | None = None) -> str:
    return i18n.number(value, selection().lang, decimals)


def shown(value: float | None, suppressed: bool, threshold: int, decimals: int | None = None) -> str:
    """A KPI value as every page shows it: "< n" when it rests on a count below the KPI's privacy
    threshold n (the value itself never leaves the metric layer then), else in the language's format."""
    return f"< {fmt(threshold)}" if suppressed else fmt(value, decimals)


def _db() -> str:
    return str(database_path())


def _signature() -> tuple:
    path = database_path()
    folder = metrics_folder()
    own = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.y*ml"))) if folder.is_dir() else ()
    return database_signature(path) + own


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


def results(harmonised: bool = False) -> pd.DataFrame:
    """Every KPI for every region and year; harmonised: on today's municipal division."""
    return _results(_db(), _signature(), dt.date.today() if harmonised else None)


@st.cache_data(show_spinner=False, max_entries=64)
def _overview(db: str, signature: tuple, region: str, year: int, peers: str, harmonised: bool) -> pd.DataFrame:
    with Store.open(db, read_only=True) as store:
        return kpi_overview(store, library(), region, year, peers_by=peers,
                            harmonise_on=dt.date.today() if harmonised else None, results=results(harmonised))


def overview(region: str, harmonised: bool = False) -> pd.DataFrame:
    """One row per KPI for `region` in the selected year (see `koers.kpis.assess.kpi_overview`)."""
    s = selection()
    return _overview(_db(), _signature(), region, s.year, s.peers, harmonised)


@st.cache_data(show_spinner=False, max_entries=64)
def _series(db: str, signature: tuple, region: str, harmonised: bool) -> dict[str, pd.DataFrame]:
    frame = results(harmonised)
    mine = frame[frame["region_code"] == region].sort_values("period")
    return {kpi_id: rows.reset_index(drop=True) for kpi_id, rows in mine.groupby("kpi_id")}


def series(region: str, harmonised: bool = False) -> dict[str, pd.DataFrame]:
    """Per KPI, the region's rows over all years (for sparklines and charts)."""
    return _series(_db(), _signature(), region, harmonised)


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


@st.cache_data(show_spinner=False, max_entries=64)
def _region_story(db: str, signature: tuple, code: str) -> dict:
    with Store.open(db, read_only=True) as store:
        return {"region": store.region(code), "successors": store.successors(code),
                "predecessors": store.predecessors(code)}


def region_story(code: str) -> dict:
    return _region_story(_db(), _signature(), code)


def existed_in(region: dict, year: int) -> bool:
    start, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year + 1}-01-01")
    valid_from, valid_to = region.get("valid_from"), region.get("valid_to")
    return (pd.isna(valid_from) or pd.Timestamp(valid_from) < end) and (pd.isna(valid_to) or pd.Timestamp(valid_to) > start)


@st.cache_data(show_spinner=False, max_entries=8)
def _imports(db: str, signature: tuple) -> pd.DataFrame:
    with Store.open(db, read_only=True) as store:
        return store.imports()


def imports() -> pd.DataFrame:
    return _imports(_db(), _signature())


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
    """Every municipality's value of a KPI in a year (for the distribution)."""
    frame = results()
    rows = frame[(frame["kpi_id"] == kpi_id) & (frame["period"] == str(year)) & frame["region_code"].str.startswith("GM")
                 & frame["value"].notna()]
    names = municipality_names()
    return pd.DataFrame({"region": rows["region_code"], "name": rows["region_code"].map(names), "value": rows["value"]})


def municipality_names() -> dict[str, str]:
    frame = municipalities()
    return dict(zip(frame["code"], frame["name"]))


def provenance(sources: str) -> str:
    """"03759ned,84799NED" -> each source with its licence and the date of its last import."""
    log_frame = imports()
    parts = []
    for source in filter(None, (sources or "").split(",")):
        rows = log_frame[(log_frame["source_table"] == source) & log_frame["finished"].notna()]
        if rows.empty:
            parts.append(source)
            continue
        last = rows.iloc[-1]
        licence = last.get("licence") if isinstance(last.get("licence"), str) and last.get("licence") else "–"
        parts.append(f"{source}: {licence}, {pd.Timestamp(last['finished']).strftime('%d-%m-%Y')}")
    return "; ".join(parts) or "–"


def labels(lang: str, prefix: str):
    """A format_func for option keys in this run's language. Bound to the language rather than
    looked up when called: on the next run Streamlit matches the widget's value against its
    labels, also after a language switch."""
    return lambda value: i18n.text(lang, f"{prefix}.{value}")


# --- drawing ---------------------------------------------------------------------------------


def status_badge(status: str) -> None:
    icon, colour = STATUS_STYLE[status]
    st.badge(t(f"status.{status}"), icon=icon, color=colour)


def flag_notes(row: pd.Series | dict) -> list[str]:
    return [t(f"flags.{flag}") for flag in ("provisional", "harmonised", "example", "suppressed") if bool(row.get(flag))]


def chart_with_table(figure: go.Figure, table: pd.DataFrame, key: str) -> None:
    """A chart, and its data as a table one click away (WCAG: information not only in a picture)."""
    figure.update_layout(colorway=PALETTE, margin=dict(l=10, r=10, t=30, b=10), font=dict(size=14),
                         separators=",." if selection().lang == "nl" else ".,")  # 1.234,5 in Dutch
    st.plotly_chart(figure, key=key, config={"displaylogo": False})
    with st.expander(t("table.show")):
        st.dataframe(table, hide_index=True)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    sep = ";" if selection().lang == "nl" else ","
    decimal = "," if selection().lang == "nl" else "."
    return frame.to_csv(index=False, sep=sep, decimal=decimal).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="Koers")
    return buffer.getvalue()


def guarded(draw) -> None:
    """Run a page body; any failure is one friendly line, logged with detail for the admin.
    Every page runs through here, so a page opened without the frame (and so without a login)
    is stopped here too."""
    auth.require_frame(selection().lang)
    try:
        draw()
    except ScriptControlException:  # st.stop(), st.rerun(), st.switch_page(): not failures
        raise
    except KoersError as error:  # refused writes, conflicts, bad input: the message is for the user
        st.error(error.message(selection().lang))
    except Exception as error:  # noqa: BLE001 - no traceback reaches a user
        if type(error).__name__ == "InterruptException":  # the visitor left while DuckDB was busy
            return
        log.exception("page failed")
        st.error(t("app.error"))


def warm_up(region: str = "GM0363", year: int = 2024, peers: str = "size") -> None:
    """Fill the caches of the landing page for the default selection (see `serve.py`); a missing
    database is left to the first visit, which builds the demo with a progress bar."""
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
