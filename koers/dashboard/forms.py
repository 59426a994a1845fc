"""Record forms: one write with its feedback, and edit forms that save against the version they loaded.

A button only asks (`ask`); the page carries the request out (`carry_out`) after the frame ran,
under the person logged in now. The write runs in a writable store opened for it alone
(`writing`, `attempt`); its outcome waits in the session for `show_flash`. An edit form is filled
once per record (`fill_form`, `still_loaded`) and saved or deleted against exactly that record
and version (`write_loaded`): someone else's change in between is refused, never overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st

from koers.dashboard.reads import library
from koers.dashboard.view import actor, selection, t
from koers.errors import KoersError
from koers.kpis.library import Library
from koers.settings import database_path
from koers.store import Store

log = logging.getLogger("koers.dashboard")

NEW = 0  # the "new record" choice of an edit picker (record ids start at 1)


@contextmanager
def writing() -> Iterator[Store]:
    """A writable store for one write, closed at once: the dashboard holds no lock while idle."""
    with Store.open(database_path(), wait_seconds=10, people_only=True) as store:
        yield store


def ask(key: str, what: str) -> None:
    """A save or delete button's `on_click`: only remember what was asked (see `carry_out`).

    The write itself must not run in the callback: callbacks run before the frame (`app.py`), so
    `view.actor()` there is still the person of the *previous* run — after a logout, a login as
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
        found = library()
        with writing() as store:
            write(store, found)
    except KoersError as error:
        st.session_state[flash] = ("error", error.message(selection().lang))
        return False
    except Exception:  # noqa: BLE001 - no traceback reaches a user
        log.exception("write failed")
        st.session_state[flash] = ("error", t("app.error"))
        return False
    st.session_state[flash] = ("success", done)
    return True


def write_loaded(prefix: str, write: Callable[[Store, Library, int | None, int | None], object], done: str) -> None:
    """Save or delete the record an edit form holds: `<prefix>_loaded` is (..., pick, version),
    `write(store, library, key, version)` gets the record's id (None for a new one) and the
    version the form loaded. The outcome goes to `<prefix>_flash`; after success the form is
    back at a new record."""
    *_, pick, version = st.session_state[f"{prefix}_loaded"]
    if attempt(lambda store, found: write(store, found, None if pick == NEW else pick, version), f"{prefix}_flash", done):
        st.session_state[f"{prefix}_pick"] = NEW
        st.session_state.pop(f"{prefix}_loaded", None)


def save_loaded(prefix: str, save: Callable[..., object], values: dict, done: str) -> None:
    """Save the record an edit form holds through `save(store, library, actor, values, key, version)`
    (an engine function such as `learning.save_annotation`), under the person of this run."""
    write_loaded(prefix, lambda store, library, key, version: save(store, library, actor(), values, key, version), done)


def delete_loaded(prefix: str, entity: str, done: str) -> None:
    """Delete the record an edit form holds (see `write_loaded`), checked against its loaded version."""
    write_loaded(prefix, lambda store, library, key, version: store.delete_record(entity, key, actor(), version), done)


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
