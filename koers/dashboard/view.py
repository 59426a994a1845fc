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

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from koers import i18n, present
from koers.access import LOCAL, Actor
from koers.dashboard import auth
from koers.errors import KoersError

log = logging.getLogger("koers.dashboard")

# The peer groups offered in the frame's selector: every kind; "custom" with a multiselect of
# municipalities beside it (the command line takes the list as --peers-list).
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


def list_from_url(key: str, options: list[str], default: list[str], limit: int) -> None:
    """Like `from_url`, for a multiselect: the URL carries the codes comma-separated (at most `limit`)."""
    known = set(options)
    if key in st.session_state and all(code in known for code in st.session_state[key]):
        return
    raw = st.query_params.get(key) or ""
    chosen = [code for code in raw.split(",") if code in known]
    st.session_state[key] = list(dict.fromkeys(chosen))[:limit] or default


def list_to_url(key: str) -> None:
    value = ",".join(st.session_state.get(key) or [])
    if st.query_params.get(key) != value:
        st.query_params[key] = value


def kpi_choice(key: str, label: str, kpis: dict) -> str:
    """A KPI picker mirrored in the URL as `key`, in library order, labelled in this run's language
    (the labels are made now: a format function is also called after a language switch)."""
    names = present.kpi_labels(kpis, selection().lang)
    order = list(names)
    from_url(key, order, order[0])
    chosen = st.selectbox(label, order, key=key, format_func=names.__getitem__)
    to_url(key)
    return chosen


def actor() -> Actor:
    """Who uses the dashboard: set by the frame after a login; without a login provider the
    local single user. Every write passes it on; the store checks its role. A page run without
    the frame while a login is configured stops here (see `auth.require_frame`)."""
    auth.require_frame(selection().lang)
    return st.session_state.get(auth.ACTOR_KEY) or LOCAL


def t(key: str, **params: object) -> str:
    """A text in the language of this view."""
    return i18n.text(selection().lang, key, **params)


def fmt(value: float | None, decimals: int | None = None) -> str:
    """A number in the language of this view (see `koers.present.number`)."""
    return present.number(value, selection().lang, decimals)


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
