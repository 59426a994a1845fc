"""The KPI studio without drawing: a KPI from the form's fields, checked by `koers.kpis.validate`
(the same shape check and rules as a YAML file, on the library plus this KPI), previewed, and saved
as a new version where this installation keeps its own definitions (`koers.kpis.own`: the metrics
folder's YAML files, or the shared database).

The first save of a KPI that already existed (built in, or a YAML file written by hand) records
that definition first, as version 1 without an author, so the change can be compared with it. A
current file edited by hand since the last save is recorded the same way before the new version.

Saving needs the policy advisor's role (`Permission.define_kpi`, checked before anything is
read or written). A save names the version the form was loaded from (`based_on`): when someone
saved a newer version since, it is refused with one line instead of overwriting theirs. Given the
database (`db`), the save holds its write lock (a shared database: an advisory lock, for every
replica) while it checks and writes, and records an audit entry with the definition before and
after — in the same transaction as the version itself when that lives in the shared database.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from koers.access import Actor, Permission, require
from koers.errors import KoersError
from koers.i18n import Message
from koers.kpis.evaluate import evaluate
from koers.kpis.library import Library
from koers.kpis.own import Own, Version, at, document_of
from koers.kpis.validate import Origin, Problem, run_rules, validate_document
from koers.settings import database_path
from koers.store import Conflict, Store
from metrics.model import Kpi

# Where the studio's functions keep definitions: a folder, or an `Own` (None: this installation's).
Place = Path | str | Own | None
SCALES = (1, 100, 1000, 10000)
# The form's fields, in the order of the model; `document` turns them into a Kpi's shape.
FORM_FIELDS = ("id", "title_nl", "title_en", "description_nl", "description_en", "theme", "kind", "polarity", "unit",
               "unit_en", "definition_type", "indicator", "numerator", "denominator", "scale", "formula", "source", "fill_from",
               "owner", "bbv", "privacy_threshold", "contributes_to")


# --- the form -----------------------------------------------------------------------------------


def blank_form() -> dict:
    return {"id": "", "title_nl": "", "title_en": "", "description_nl": "", "description_en": "", "theme": 1,
            "kind": "outcome", "polarity": "higher_is_better", "unit": "", "unit_en": "", "definition_type": "indicator",
            "indicator": None, "numerator": None, "denominator": None, "scale": 1, "formula": "", "source": "",
            "fill_from": "", "owner": "", "bbv": "", "privacy_threshold": 0, "contributes_to": []}


def form_of(kpi: Kpi) -> dict:
    """The form's fields for an existing KPI."""
    definition = kpi.definition
    values = blank_form() | {
        "id": kpi.id, "title_nl": kpi.title.nl, "title_en": kpi.title.en, "description_nl": kpi.description.nl,
        "description_en": kpi.description.en, "theme": int(kpi.theme), "kind": kpi.kind, "polarity": kpi.polarity,
        # the unit's English only where it differs: an empty field reads "the same in both languages"
        "unit": kpi.unit.nl, "unit_en": kpi.unit.en if kpi.unit.en != kpi.unit.nl else "", "definition_type": definition.type, "source": kpi.source, "fill_from": kpi.fill_from,
        "owner": kpi.owner, "bbv": kpi.bbv or "", "privacy_threshold": kpi.privacy_threshold,
        "contributes_to": list(kpi.contributes_to),
    }
    if definition.type == "indicator":
        values["indicator"] = definition.indicator
    elif definition.type == "ratio":
        values |= {"numerator": definition.numerator, "denominator": definition.denominator, "scale": definition.scale}
    else:
        values["formula"] = definition.formula
    return values


def document(form: dict) -> dict:
    """The form's fields as a KPI document (the YAML's shape). Empty required text is left out, so
    that it is reported as a missing field; only the chosen definition type's fields are kept."""

    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ("" if value is None else str(value))

    doc: dict = {}
    if text("id"):
        doc["id"] = text("id")
    for name in ("title", "description"):
        part = {lang: text(f"{name}_{lang}") for lang in ("nl", "en") if text(f"{name}_{lang}")}
        doc[name] = part
    for name in ("theme", "kind", "polarity"):
        if form.get(name) is not None:
            doc[name] = form[name]
    # One string when the unit reads the same in both languages (as older definitions have it), else {nl, en}.
    if text("unit_en") and text("unit_en") != text("unit"):
        doc["unit"] = {"nl": text("unit"), "en": text("unit_en")} if text("unit") else {"en": text("unit_en")}
    elif text("unit"):
        doc["unit"] = text("unit")
    kind = form.get("definition_type")
    definition: dict = {"type": kind} if kind else {}
    if kind == "indicator" and text("indicator"):
        definition["indicator"] = text("indicator")
    elif kind == "ratio":
        definition |= {name: text(name) for name in ("numerator", "denominator") if text(name)}
        if form.get("scale") is not None:
            definition["scale"] = form["scale"]
    elif kind == "formula" and text("formula"):
        definition["formula"] = text("formula")
    doc["definition"] = definition
    if text("source"):
        doc["source"] = text("source")
    doc["fill_from"] = text("fill_from")
    doc["owner"] = text("owner")
    doc["bbv"] = text("bbv") or None
    doc["privacy_threshold"] = form.get("privacy_threshold") if form.get("privacy_threshold") is not None else 0
    doc["contributes_to"] = list(form.get("contributes_to") or [])
    return doc


# --- checking -----------------------------------------------------------------------------------


@dataclass
class Check:
    kpi: Kpi | None
    problems: list[Problem] = field(default_factory=list)
    target: str | None = None  # where the KPI would be saved (a file, or its place in the shared database)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def check(form: dict, library: Library, known_indicators: set[str] | list[str], place: Place = None,
          editing: str | None = None) -> Check:
    """Shape first (`validate_document`, per field), then `run_rules` on the library plus this KPI:
    the problems of this KPI, and those it causes elsewhere (a cycle, an outcome it makes a
    non-outcome). `editing` is the id of the KPI the form was opened with (None: a new KPI)."""
    kpi, problems = validate_document(document(form))  # a form has no file, so no lines
    if kpi is None:
        return Check(None, problems)
    if kpi.id != editing and kpi.id in library.kpis:
        problems.append(Problem("", None, kpi.id, "id", Message("kpi_problems.id_taken", kpi=kpi.id)))
    target, problem = at(place).target(kpi.id, library)
    if problem:
        problems.append(problem)
    before = {(p.kpi, p.field, p.en) for p in run_rules(library, known_indicators)}
    after = run_rules(library.with_kpi(kpi, Origin(str(target))), known_indicators)
    problems += [p for p in after if p.kpi == kpi.id or (p.kpi, p.field, p.en) not in before]
    return Check(kpi, problems, target)


# --- preview ------------------------------------------------------------------------------------


def preview(store: Store, library: Library, kpi: Kpi, year: int, origin: str = "") -> pd.DataFrame:
    """The candidate's value for every municipality in `year` that has one (or has it suppressed),
    as `koers.kpis.evaluate` computes it. Columns: region_code, value, status, suppressed."""
    frame = evaluate(store, library.with_kpi(kpi, Origin(origin)), [kpi.id])
    rows = frame[(frame["kpi_id"] == kpi.id) & (frame["period"] == str(year)) & frame["region_code"].str.startswith("GM")
                 & (frame["value"].notna() | frame["suppressed"])]
    return rows[["region_code", "value", "status", "suppressed"]].sort_values("region_code").reset_index(drop=True)


# --- versions -----------------------------------------------------------------------------------


def list_versions(place: Place, kpi_id: str) -> list[Version]:
    """The saved versions of a KPI, oldest first."""
    return at(place).versions(kpi_id)


def latest_version(place: Place, kpi_id: str) -> int:
    """The number of the KPI's latest saved version; 0 when none was saved."""
    return at(place).latest(kpi_id)


def save(form: dict, library: Library, known_indicators: set[str] | list[str], place: Place, author: str,
         editing: str | None = None, now: dt.datetime | None = None, *, actor: Actor,
         based_on: int | None = None, db: str | Path | None = None) -> Version:
    """Save the form's KPI as a new version, as `actor` (policy advisors and administrators).

    Refused (KoersError, nothing written) without the role, with errors in the form, without an
    author, or when `based_on` (the latest version number when the form was loaded, 0 for none)
    is older than the latest saved version. With `db` the write lock of that database is held
    during the save and the audit entry (before/after definition) is written with it; without
    `db` (scripts and tests of a folder without a database) no audit entry is made.
    """
    require(actor, Permission.define_kpi)
    own = at(place)
    author = (author or "").strip()
    if not author:
        raise KoersError("errors.versions.name_required")
    result = check(form, library, known_indicators, own, editing)
    if result.kpi is None or result.errors:
        first = result.errors[0]
        raise KoersError("errors.versions.not_saved", count=len(result.errors), field=first.field,
                         problem=first.explanation)
    creating = result.kpi.id != editing  # a new KPI (or one saved under a new id)
    db = db or (database_path() if own.shared else None)  # the shared database is reached through a store
    if db is None:
        return _save(result, library, own, author, now or dt.datetime.now(), based_on, None, actor, creating)
    # One save at a time, check and write together: the file's write lock, or on a shared
    # database its advisory lock (replicas save at once; the file is then only read).
    with Store.open(db, wait_seconds=10, people_only=True) as store, store.exclusive("kpi_definition"):
        return _save(result, library, own, author, now or dt.datetime.now(), based_on, store, actor, creating)


def _save(result: Check, library: Library, own: Own, author: str, now: dt.datetime, based_on: int | None,
          store: Store | None, actor: Actor, creating: bool) -> Version:
    kpi, target = result.kpi, result.target
    saved = own.versions(kpi.id)
    # A new KPI whose id someone else saved since this form's library was read (`check` saw a
    # free id): refused, or it would silently replace theirs.
    if creating and (saved or own.taken(target)):
        raise Conflict("errors.versions.created_meanwhile", kpi=kpi.id, by=(saved[-1].author if saved else None) or "?")
    if based_on is not None and saved and saved[-1].number != based_on:
        last = saved[-1]
        raise Conflict("errors.versions.saved_meanwhile", kpi=kpi.id, version=last.number, by=last.author or "?",
                       saved_at=last.saved_at)
    previous = own.in_force(kpi.id, library, target, saved)
    after = document_of(kpi)
    with store.transaction() if store is not None else nullcontext():
        if store is not None:
            store.record_audit(actor, "create" if previous is None else "update", "kpi_definition", kpi.id,
                               None if previous is None else previous[0], after)
        if previous is not None and (not saved or saved[-1].kpi != previous[0]):
            own.add_version(store, previous[0], None, previous[1], previous[2])
        version = own.add_version(store, after, author, None, now)
        own.put_in_force(target, after, version)
    return version


def _flatten(document: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in document.items():
        if isinstance(value, dict):
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def field_order() -> list[str]:
    """Every field of a KPI document in the model's order (definition fields of all types)."""
    order = []
    for name in Kpi.model_fields:
        if name in ("title", "description", "unit"):
            order += [f"{name}.nl", f"{name}.en"]
        elif name == "definition":
            order += ["definition.type", "definition.indicator", "definition.numerator", "definition.denominator",
                      "definition.scale", "definition.formula"]
        else:
            order.append(name)
    return order


def diff(old: dict, new: dict) -> pd.DataFrame:
    """Two KPI documents field by field. Columns: field, old, new, changed (bool); a field absent
    from a document (a default left out) counts as its default."""

    def full(document: dict) -> dict[str, object]:
        try:
            document = Kpi.model_validate(document).model_dump(mode="json")
        except ValidationError:
            pass
        if isinstance(document, dict) and isinstance(document.get("unit"), str):  # the same in both languages
            document = document | {"unit": {"nl": document["unit"], "en": document["unit"]}}
        return _flatten(document)

    left, right = full(old), full(new)
    order = field_order()
    names = [n for n in order if n in left or n in right] + sorted((set(left) | set(right)) - set(order))
    rows = []
    for name in names:
        a, b = left.get(name), right.get(name)
        rows.append({"field": name, "old": _shown(a), "new": _shown(b), "changed": a != b})
    return pd.DataFrame(rows, columns=["field", "old", "new", "changed"])


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


# --- for the page -------------------------------------------------------------------------------


def indicator_choices(db: str | Path) -> pd.DataFrame:
    """The store's indicators for the pickers. Columns: id, title_nl, title_en, unit."""
    with Store.open(db, read_only=True, wait_seconds=10) as store:
        return store.indicators()[["id", "title_nl", "title_en", "unit"]]


def preview_in(db: str | Path, library: Library, kpi: Kpi, year: int, origin: str = "") -> pd.DataFrame:
    """`preview` on a short read-only visit to the database at `db`."""
    with Store.open(db, read_only=True, wait_seconds=10) as store:
        return preview(store, library, kpi, year, origin)
