"""Reading the audit trail: who changed what, and when.

The trail is `Store.audit_log` (administrators only; the store checks), one row per write:
    id, logged_at, actor, actor_name, role, action, entity, entity_id, before, after
"""

from __future__ import annotations

import datetime as dt

import pandas as pd


def filter_audit(log: pd.DataFrame, entities: list[str], actors: list[str],
                 dates: tuple[dt.date, ...] | dt.date | None) -> pd.DataFrame:
    """The rows of these entities and actors (empty: all), logged on the dates: one day, or a
    from–to range given as one or two dates (a range picker holds one date while it is being set)."""
    shown = log
    if entities:
        shown = shown[shown["entity"].isin(entities)]
    if actors:
        shown = shown[shown["actor"].isin(actors)]
    if dates:
        if isinstance(dates, dt.date):
            dates = (dates,)
        start, end = dates[0], dates[-1]
        day = pd.to_datetime(shown["logged_at"]).dt.date
        shown = shown[(day >= start) & (day <= end)]
    return shown


def actor_names(log: pd.DataFrame) -> dict[str, str]:
    """Per actor id the name it was logged with first (an id is logged with a name on every write)."""
    return log.drop_duplicates("actor").set_index("actor")["actor_name"].to_dict()


def date_range(log: pd.DataFrame, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The dates a filter offers by default: from the first entry to the last one, or today when later."""
    days = pd.to_datetime(log["logged_at"]).dt.date
    return days.min(), max(days.max(), today or dt.date.today())
