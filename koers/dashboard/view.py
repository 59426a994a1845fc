"""The dashboard's view state: the global selection made in the frame (`app.py`), mirrored in the
URL so a link opens the same view; who is using it; the language of this run; and the guard every
page body runs in.

The selection lives in `st.session_state` under the URL's own keys: `gemeente` (region code),
`jaar` (year), `groep` (peer kind), `eigen` (the municipalities of an own peer group, comma-separated
codes, with `groep=custom`), `indeling` (municipal division: `today`, the default, every series on
today's municipalities with harmonised history; or `historical`), `taal` (language).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from koers import i18n, present
from koers.access import LOCAL, Actor
from koers.dashboard import auth
from koers.errors import KoersError

log = logging.getLogger("koers.dashboard")

# The peer groups offered in the frame's selector: every kind; "custom" with a multiselect of
# municipalities beside it (the command line takes the list as --peers-list).
FAVICON = Path(__file__).with_name("favicon.svg")  # a compass, drawn: no emoji font needed
PEER_CHOICES = present.PEER_KINDS
CUSTOM_PEERS_LIMIT = 50  # municipalities in an own peer group (the URL carries them)


@dataclass(frozen=True)
class Selection:
    region: str
    year: int
    peers: str
    lang: str
    custom: tuple[str, ...] = ()  # the own peer group's municipalities, with peers == "custom"
    division: str = "today"  # "today" | "historical" (koers.kpis.evaluate.DIVISIONS)


def selection() -> Selection:
    """The global selection made in the frame (`app.py`), kept in the URL."""
    state = st.session_state
    return Selection(state.get("gemeente") or "GM0363", int(state.get("jaar") or 2024),
                     state.get("groep") or "size", state.get("taal") or "nl", tuple(state.get("eigen") or ()),
                     "historical" if state.get("indeling") == "historical" else "today")


# What a from_url/list_from_url notice calls the value shown instead of a rejected one, per URL key
# (a page may pass its own `label`); any other key shows the value itself.
def _default_label(key: str) -> Callable[[object], str] | None:
    lang = selection().lang
    if key in ("thema", "vthema"):
        return lambda theme: present.theme_label(int(theme), lang)
    prefixes = {"groep": "peers", "indeling": "links.divisions", "taal": "links.languages"}
    if key in prefixes:
        return labels(lang, prefixes[key])
    if key == "maat":
        return lambda mode: i18n.text(lang, f"theme_page.mode_{mode}")
    if key == "sessie":
        return lambda session: i18n.text(lang, "links.session_number", id=session)
    return None


# The URL values this session has already taken in (read from a link, written by `to_url`, or
# rejected), per key. A URL value that differs from it came from outside this session's own
# writes: a pasted link on the first run, or the browser's Back/Forward (Streamlit reruns the
# script with the restored address; see docs/links.md), or an `st.page_link` with query parameters.
# Such a value wins over the widget's current value; one equal to it is stale (the widget moved on).
_SEEN = "_koers_url_seen"


def _seen() -> dict[str, str]:
    return st.session_state.setdefault(_SEEN, {})


def _notice(key: str, rejected: str, shown: str) -> None:
    """One line naming the URL parameter and the value it could not use, and what is shown instead."""
    lang = selection().lang
    template = f"links.unknown.{key}" if f"links.unknown.{key}" in i18n.catalogue(lang) else "links.unknown.other"
    st.warning(i18n.text(lang, template, param=key, value=rejected, shown=shown), icon=":material/link_off:")


def from_url(key: str, options: list, default: object, label: Callable[[object], str] | None = None) -> None:
    """Before a widget is drawn: take its value from the URL (a shared link on the first run; the
    restored address after Back/Forward), else keep the widget's value, else `default`.

    A value in the URL that matches no option falls back as before (to the current value, else
    `default`) under a one-line notice naming the parameter and the value (`label` writes the
    value shown instead; see `_default_label`).

    We mirror the selection to the URL ourselves rather than with `bind="query-params"`, which
    puts the *formatted* option in the URL ("Amsterdam (GM0363)"); a link should carry codes.
    """
    state = st.session_state
    raw = st.query_params.get(key)
    seen = _seen()
    arrived = raw is not None and raw != seen.get(key)  # from a link or Back/Forward, not our own write
    if key in state and state[key] in options and not arrived:
        # Set again: a widget of the same key on another page (an alias drawing its page in place)
        # would otherwise start from its own default.
        state[key] = state[key]
        return
    value = next((o for o in options if str(o) == raw), None)
    if raw is not None:
        seen[key] = raw
    if value is not None:
        state[key] = value
        return
    fallback = state[key] if key in state and state[key] in options else default
    state[key] = fallback
    if arrived and raw.strip():
        describe = label or _default_label(key) or str
        _notice(key, raw, str(describe(fallback)))


def to_url(*keys: str) -> None:
    """After the widgets: write their values to the URL, so the address is a link to this view.

    All in one update: each change of the query string is one entry in the browser's history
    (Streamlit 1.67 pushes it), so one change of the selection is one step Back."""
    changed = {}
    for key in keys:
        value = st.session_state.get(key)
        if value is not None and st.query_params.get(key) != str(value):
            changed[key] = str(value)
        if value is not None:
            _seen()[key] = str(value)
    if changed:
        st.query_params.update(changed)


def list_from_url(key: str, options: list[str], default: list[str], limit: int) -> None:
    """Like `from_url`, for a multiselect: the URL carries the codes comma-separated (at most `limit`).
    Unknown codes are left out under a notice naming them."""
    state = st.session_state
    known = set(options)
    raw = st.query_params.get(key)
    seen = _seen()
    arrived = raw is not None and raw != seen.get(key)
    if key in state and all(code in known for code in state[key]) and not arrived:
        return
    if raw is not None:
        seen[key] = raw
    codes = [code for code in (raw or "").split(",") if code.strip()]
    chosen = [code for code in codes if code in known]
    state[key] = list(dict.fromkeys(chosen))[:limit] or default
    unknown = [code for code in codes if code not in known]
    if arrived and unknown:
        lang = selection().lang
        st.warning(i18n.text(lang, "links.unknown_codes", param=key, value=", ".join(unknown),
                             count=len(unknown)), icon=":material/link_off:")


def list_to_url(key: str) -> None:
    value = ",".join(st.session_state.get(key) or [])
    _seen()[key] = value
    # An empty list is the absent parameter: no history entry for writing "eigen=" on the first run.
    if st.query_params.get(key) != value and (value or key in st.query_params):
        st.query_params[key] = value


def kpi_choice(key: str, label: str, kpis: dict, default: str | None = None) -> str:
    """A KPI picker mirrored in the URL as `key`, in library order, labelled in this run's language
    (the labels are made now: a format function is also called after a language switch);
    `default`: the one shown without a choice in the URL (else the first)."""
    names = present.kpi_labels(kpis, selection().lang)
    order = list(names)
    from_url(key, order, default if default in names else order[0], label=names.__getitem__)
    chosen = st.selectbox(label, order, key=key, format_func=names.__getitem__)
    to_url(key)
    return chosen


# Mergers since this year are what a series can show on both divisions (the frame's years start here).
FIRST_YEAR = 2015


@dataclass(frozen=True)
class OnDivision:
    """How the selected municipality is shown on the division chosen in the frame (`indeling`).

    `code`/`name`: the municipality whose figures are shown — on today's division a dissolved one is
    shown as the one it went into, as the Overzicht page does; `notice`: why (the Overzicht page's
    texts), or that it did not exist in the selected year; `successor`: (code, name) of the
    municipality it went into; `merger`: for one formed from or joined by others since FIRST_YEAR,
    a sentence saying so (its history differs between the two divisions)."""

    code: str
    name: str
    notice: str | None = None
    successor: tuple[str, str] | None = None
    merger: str | None = None


def on_division(code: str, story: dict, existed_in: Callable[[dict, int], bool]) -> OnDivision:
    """`story`: the municipality's record, successors and predecessors (`reads.region_story`);
    `existed_in`: whether a record existed in a year (`reads.existed_in`)."""
    choice = selection()
    region = story["region"]
    if region is None:
        return OnDivision(code, code)
    name = region["name"]
    successors, predecessors = story["successors"], story["predecessors"]
    merger = None
    recent = predecessors[pd.to_datetime(predecessors["event_date"]) >= pd.Timestamp(FIRST_YEAR, 1, 1)]
    if not recent.empty:
        date = present.date_text(recent["event_date"].max())
        names = ", ".join(recent["name"].dropna().astype(str).unique())
        formed = (recent["kind"] == "created").any()
        merger = t("links.kpi.formed" if formed else "links.kpi.absorbed", name=name, date=date, predecessors=names)
    if pd.isna(region["valid_to"]) or successors.empty:
        if existed_in(region, choice.year):
            return OnDivision(code, name, merger=merger)
        reason = t("overview.created_on", date=present.date_text(region["valid_from"]),
                   predecessors=", ".join(predecessors["name"].dropna().astype(str).unique()))
        return OnDivision(code, name, t("overview.not_existing", name=name, year=choice.year, reason=reason), merger=merger)
    successor = (str(successors.iloc[0]["code"]), str(successors.iloc[0]["name"]))
    shown_as = f"{successor[1]} ({successor[0]})"
    reason = t("overview.merged_into", successor=shown_as, date=present.date_text(region["valid_to"]))
    if choice.division == "today":
        return OnDivision(successor[0], successor[1], t("overview.not_in_division", name=name, reason=reason, successor=shown_as),
                          successor)
    if existed_in(region, choice.year):
        return OnDivision(code, name, successor=successor, merger=merger)
    return OnDivision(code, name, t("overview.not_existing", name=name, year=choice.year, reason=reason), successor, merger)


def document_language(lang: str) -> None:
    """Streamlit 1.67 serves `<html lang="en">` whatever the app's language (streamlit#15726; the
    `page_lang` option proposed for `set_page_config` is not in this release): set it from the
    page's own script, so a screen reader reads Dutch as Dutch and a browser offers no translation."""
    if lang in ("nl", "en"):  # never anything else into a script
        st.html(f"<script>document.documentElement.lang = '{lang}';</script>", unsafe_allow_javascript=True)


def actor() -> Actor:
    """Who uses the dashboard: set by the frame after a login; without a login provider the
    local single user. Every write passes it on; the store checks its role. A page run without
    the frame while a login is configured stops here (see `auth.require_frame`)."""
    auth.require_frame(selection().lang)
    return st.session_state.get(auth.ACTOR_KEY) or LOCAL


def language() -> str:
    """The language of this view, as `selection().lang` — read alone: a page asks for it some 400
    times a run, and the whole selection costs six reads of the session state (a tenth of a rerun)."""
    return st.session_state.get("taal") or "nl"


def t(key: str, **params: object) -> str:
    """A text in the language of this view."""
    return i18n.text(language(), key, **params)


def fmt(value: float | None, decimals: int | None = None) -> str:
    """A number in the language of this view (see `koers.present.number`)."""
    return present.number(value, language(), decimals)


def unit(kpi_unit: object) -> str:
    """A KPI's unit (a `metrics.model.Unit`, or plain text) in the language of this view."""
    return present.unit_text(kpi_unit, selection().lang)


def with_unit(text: str, kpi_unit: object) -> str:
    """A formatted number with its unit, money as the view's language writes it ("€416" / "€ 416")."""
    return present.with_unit(text, kpi_unit, selection().lang)


def labels(lang: str, prefix: str) -> Callable[[object], str]:
    """A format_func for option keys in this run's language. Bound to the language rather than
    looked up when called: on the next run Streamlit matches the widget's value against its
    labels, also after a language switch."""
    return lambda value: i18n.text(lang, f"{prefix}.{value}")


def guarded(draw: Callable[[], None]) -> None:
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
