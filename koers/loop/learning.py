"""The learning loop: annotations on a KPI, actions meant to move KPIs, target revisions.

What people type is checked in two steps, as KPI definitions are: shape first (pydantic), then
small named rules against the library (a KPI id must exist). Problems become one `KoersError`
naming the field. The write itself, with the role check, the version check and the audit entry,
is `Store.save_record` / `Store.revise_target`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from koers.access import Actor
from koers.errors import KoersError, validation_message
from koers.i18n import Message, catalogue
from koers.kpis.library import Library
from koers.store import Store

PERIOD_PATTERN = r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"
REGION_PATTERN = r"^(NL01|PV\d{2}|GM\d{4}|WK\d{6}|BU\d{8})$"


class AnnotationKind(StrEnum):
    observation = "observation"  # what we see
    explanation = "explanation"  # why we think it happened
    hypothesis = "hypothesis"  # what we expect, to be checked later


class ActionStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


OPEN_STATUSES = (ActionStatus.planned, ActionStatus.in_progress)


class RecordInput(BaseModel):
    """What a person types for one record: unknown fields refused, text stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AnnotationInput(RecordInput):
    kpi_id: str = Field(min_length=1)
    region_code: str = Field(pattern=REGION_PATTERN)
    period: str = Field(pattern=PERIOD_PATTERN)
    kind: AnnotationKind
    text: str = Field(min_length=1, max_length=4000)


class ActionInput(RecordInput):
    region_code: str = Field(pattern=REGION_PATTERN)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=4000)
    owner: str = Field(min_length=1, max_length=200)
    due_date: dt.date | None = None
    status: ActionStatus = ActionStatus.planned
    kpi_ids: list[str] = Field(min_length=1)
    expected_effect: str = Field(default="", max_length=2000)
    review_id: int | None = None


def shape_error(what: Message, error: ValidationError) -> KoersError:
    """The first shape problem as one line naming the field (its name in the catalogue's
    `loop.fields`, else as the model has it)."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    named = Message(f"loop.fields.{field}") if f"loop.fields.{field}" in catalogue("nl") else field
    return KoersError("errors.loop.field_problem", what=what, field=named, problem=validation_message(first))


def require_known_kpis(library: Library, kpi_ids: list[str], what: Message) -> None:
    """Rule: every KPI named must be in the library."""
    unknown = [k for k in kpi_ids if k not in library.kpis]
    if unknown:
        raise KoersError("errors.loop.unknown_kpi", what=what, kpis=", ".join(unknown))


def check_shape(model: type[RecordInput], values: dict, what: Message) -> dict:
    """The values as `model` takes them (step one: shape); a problem is one `KoersError` naming the field."""
    try:
        return model.model_validate(values).model_dump(mode="python")
    except ValidationError as error:
        raise shape_error(what, error) from None


ANNOTATION = Message("loop.records.annotation")
ACTION = Message("loop.records.action")


def save_annotation(store: Store, library: Library, actor: Actor, values: dict, key: int | None = None,
                    version: int | None = None) -> dict:
    """Create (key None) or change an annotation; returns the stored record."""
    checked = check_shape(AnnotationInput, values, ANNOTATION)
    require_known_kpis(library, [checked["kpi_id"]], ANNOTATION)
    checked["kind"] = str(checked["kind"])
    return store.save_record("annotation", checked, actor, key, version)


def save_action(store: Store, library: Library, actor: Actor, values: dict, key: int | None = None,
                version: int | None = None) -> dict:
    """Create (key None) or change an action; returns the stored record."""
    checked = check_shape(ActionInput, values, ACTION)
    require_known_kpis(library, checked["kpi_ids"], ACTION)
    checked["status"] = str(checked["status"])
    return store.save_record("action", checked, actor, key, version)


def annotations(store: Store, region: str, kpi_id: str | None = None) -> pd.DataFrame:
    """A region's annotations (of one KPI), by period. Columns as the `annotation` table."""
    frame = store.records("annotation", region_code=region, **({"kpi_id": kpi_id} if kpi_id else {}))
    return frame.sort_values(["period", "id"]).reset_index(drop=True)


def actions(store: Store, region: str, today: dt.date | None = None) -> pd.DataFrame:
    """A region's actions, with `overdue` (open and past its due date), overdue first."""
    today = today or dt.date.today()
    frame = store.records("action", region_code=region)
    # Compared as timestamps, never as `.dt.date`: on a column without any date (no action of the
    # municipality has a due date) pandas gives datetime64 back instead of dates, and comparing
    # that with a date fails — the dtype of the column must not depend on the values in it.
    due = pd.to_datetime(frame["due_date"])
    frame["overdue"] = frame["status"].isin([str(s) for s in OPEN_STATUSES]) & due.notna() & (due < pd.Timestamp(today))
    frame["kpi_ids"] = frame["kpi_ids"].map(list)
    return frame.sort_values(["overdue", "due_date"], ascending=[False, True], na_position="last").reset_index(drop=True)


def overdue_actions(store: Store, region: str, today: dt.date | None = None) -> pd.DataFrame:
    frame = actions(store, region, today)
    return frame[frame["overdue"]].reset_index(drop=True)


def revise_target(store: Store, library: Library, actor: Actor, kpi_id: str, region: str, year: int, value: float,
                  tolerance: float, reason: str, version: int | None) -> dict:
    """Set or revise a target (see `Store.revise_target`); the KPI must exist."""
    require_known_kpis(library, [kpi_id], Message("loop.records.target"))
    if tolerance is None or tolerance < 0:
        raise KoersError("errors.loop.tolerance_negative")
    return store.revise_target(kpi_id, region, year, value, tolerance, reason, actor, version)
