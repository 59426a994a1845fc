"""What the learning-loop pages share (Leren, Reviewsessies, Presentatie, and the loop's marks on
Overzicht and KPI): fresh reads of what people write, one write with its feedback, and the
presentation of statuses and suppressed values.

Annotations, actions, targets, review sessions and governance records are small tables (tens to
hundreds of rows per municipality) that change with every save. They are read *uncached*, in one
short read-only visit per page run (about 40 ms): `ui._signature()` follows the database file's
modification time and size, which need not change when one small record is written, and a stale
list after a save, or a stale version in an edit form, is exactly what must not happen. Frozen
review snapshots never change once written and are cached. Everything derived from the imported
figures stays in `koers.dashboard.ui`'s caches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from koers.loop import learning, review
from koers.dashboard import ui
from koers.errors import KoersError
from koers.kpis.library import Library
from koers.settings import database_path
from koers.store import Store

log = logging.getLogger("koers.dashboard")

# A status in a table cell, where no badge fits: a symbol and the word, never a colour alone.
STATUS_SYMBOL = {"on_track": "✔", "at_risk": "⚠", "off_track": "✖", "no_target": "–", "no_data": "?"}
OUTCOME_SYMBOL = {"met": "✔", "not_met": "✖", "unknown": "?"}
OVERDUE_SYMBOL = "⏰"


def status_text(status: str) -> str:
    """"off_track" -> "✖ uit koers"."""
    return f"{STATUS_SYMBOL.get(status, '?')} {ui.t(f'status.{status}')}"


# --- reading ----------------------------------------------------------------------------------


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


@st.cache_data(show_spinner=False, max_entries=16)
def _frozen(db: str, signature: tuple, session_id: int) -> pd.DataFrame:
    with Store.open(db, read_only=True) as store:
        return review.frozen(store, session_id)


def frozen(session_id: int) -> pd.DataFrame:
    """The session's snapshot (see `koers.loop.review`), off-track first within each theme. A snapshot
    never changes once written; the file's signature in the key only guards against a database
    replaced as a whole (a rebuilt demo reusing session ids)."""
    return _frozen(str(database_path()), ui._signature(), int(session_id))


def audit_log(actor) -> pd.DataFrame:
    """The audit trail as `Store.audit_log` gives it (administrators only: the store checks)."""
    with _open() as store:
        return store.audit_log(actor)


def build_report(kind: str, session_id: int, lang: str, progress: Callable[[str, float], None]) -> bytes | str:
    """A review session's report, "pdf" (bytes) or "html" (text), made for the current person."""
    from koers.loop import report  # weasyprint and kaleido: imported only when a report is asked for

    library = ui.library()
    build = report.build_pdf if kind == "pdf" else report.build_html
    with _open() as store:
        return build(store, library, session_id, lang, ui.actor(), progress)


# --- writing ----------------------------------------------------------------------------------


def ask(key: str, what: str) -> None:
    """A save or delete button's `on_click`: only remember what was asked (see `carry_out`).

    The write itself must not run in the callback: callbacks run before the frame (`app.py`), so
    `ui.actor()` there is still the person of the *previous* run — after a logout, a login as
    someone else or a changed role, the write would go out under the wrong name and role.
    """
    st.session_state[key] = what


def carry_out(key: str, handlers: dict[str, Callable[[], None]]) -> None:
    """Carry out the request `ask` left, once per click. Called by a page after the frame ran
    and before it draws its lists and widgets: the lists then show the result, and the handler may
    still reset the forms' widgets (not drawn yet in this run)."""
    what = st.session_state.pop(key, None)
    if what in handlers:
        handlers[what]()


def attempt(write: Callable[[Store, Library], object], flash: str, done: str) -> bool:
    """Run one write, `write(store, library)`, in a writable store and leave the outcome for
    `show_flash(flash)`. A refused write (role, stale version, bad input) is the store's
    message, never a traceback; the store has rolled it back.

    The library is fetched before the writable store opens: after someone else's write the cache
    misses and reads the database read-only, which DuckDB refuses while this process holds a
    writable connection to the same file (it would wait for itself and time out).
    """
    try:
        library = ui.library()
        with ui.writing() as store:
            write(store, library)
    except KoersError as error:
        st.session_state[flash] = ("error", error.message(ui.selection().lang))
        return False
    except Exception:  # noqa: BLE001 - no traceback reaches a user
        log.exception("write failed")
        st.session_state[flash] = ("error", ui.t("app.error"))
        return False
    st.session_state[flash] = ("success", done)
    return True


NEW = 0  # the "new record" choice of an edit picker (record ids start at 1)


def write_loaded(prefix: str, write: Callable[[Store, Library, int | None, int | None], object], done: str) -> None:
    """Save or delete the record an edit form holds: `<prefix>_loaded` is (..., pick, version),
    `write(store, library, key, version)` gets the record's id (None for a new one) and the
    version the form loaded. The outcome goes to `<prefix>_flash`; after success the form is
    back at a new record."""
    *_, pick, version = st.session_state[f"{prefix}_loaded"]
    if attempt(lambda store, library: write(store, library, None if pick == NEW else pick, version), f"{prefix}_flash", done):
        st.session_state[f"{prefix}_pick"] = NEW
        st.session_state.pop(f"{prefix}_loaded", None)


def fill_form(prefix: str, owner: object, pick: int, values: dict[str, object], version: int | None) -> None:
    """Put a record's fields (or a blank record's) into an edit form's widgets `<prefix>_<field>`,
    and remember in `<prefix>_loaded` what the record belongs to (a municipality, a session), which
    record it is and the version it had: `write_loaded` saves against exactly that."""
    for name, value in values.items():
        st.session_state[f"{prefix}_{name}"] = value
    st.session_state[f"{prefix}_loaded"] = (owner, pick, version)


def still_loaded(marker: str, which: tuple, fields: list[str]) -> bool:
    """Whether an edit form still holds the record it was filled with.

    `state[marker]` is `(*which, version)`, set when the form was filled. Streamlit drops a
    widget's value after a run that did not draw it (another page, a role without the form), while
    the marker would survive: then the form is filled again (with the record as it is now).
    """
    found = st.session_state.get(marker)
    return found is not None and tuple(found[: len(which)]) == tuple(which) and all(f in st.session_state for f in fields)


def show_flash(flash: str) -> None:
    """The message a write left (once)."""
    found = st.session_state.pop(flash, None)
    if found is None:
        return
    kind, message = found
    if kind == "error":
        st.error(message, icon=":material/error:")
    else:
        st.success(message, icon=":material/check:")


# --- suppressed values ------------------------------------------------------------------------


def value_text(value: float | None, suppressed: bool, threshold: int, unit: str | None = None) -> str:
    """A value as shown: "< 10" when suppressed (small numbers are never shown), "–" when missing."""
    text = f"< {ui.fmt(threshold)}" if suppressed else ui.fmt(None if value is None or pd.isna(value) else float(value))
    return f"{text} {unit}" if unit and text != "–" else text


def export_values(values: pd.Series, suppressed: pd.Series, threshold: int, for_csv: bool) -> pd.Series:
    """The value column of a download: numbers stay numbers, a suppressed value is the text "< n".

    Such a column is text to pandas, which writes its numbers with a dot whatever the CSV's
    `decimal`; for a Dutch CSV the numbers are written here with a decimal comma (no grouping,
    full precision, as the rest of the file). In Excel a number stays a number cell.
    """
    comma = ui.selection().lang == "nl"
    marker = f"< {threshold}"

    def one(value: float, hidden: bool) -> object:
        if hidden:
            return marker
        if value is None or pd.isna(value):
            return None
        if for_csv:
            return repr(float(value)).replace(".", ",") if comma else repr(float(value))
        return float(value)

    return pd.Series([one(v, bool(s)) for v, s in zip(values, suppressed)], index=values.index, dtype=object)
