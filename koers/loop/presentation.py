"""The council review mode's deck: which KPI screens and theme screens, in which order.

A deck is made of snapshot-shaped rows (as `koers.loop.review.frozen` gives them, one per KPI):
    kpi_id, theme, kind, title_nl, title_en, unit, period, value, suppressed, privacy_threshold,
    status, target, target_year, trend, provisional, harmonised, example, ...
Live figures are brought into that shape by `live_rows`, so one screen draws both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from koers import present

KINDS = ("outcome", "output")  # what a council steers on; context and input figures stay on the KPI page


def live_rows(overview: pd.DataFrame, kpis: Mapping[str, Any]) -> pd.DataFrame:
    """The live overview (`koers.kpis.assess.kpi_overview`) in the snapshot's shape: with the
    titles in both languages and each KPI's privacy threshold (`kpis` as `Library.kpis`)."""
    frame = overview.copy()
    frame["title_nl"] = [kpis[k].title.nl for k in frame["kpi_id"]]
    frame["title_en"] = [kpis[k].title.en for k in frame["kpi_id"]]
    frame["privacy_threshold"] = [int(kpis[k].privacy_threshold) for k in frame["kpi_id"]]
    return frame


def live_series(rows: pd.DataFrame | None) -> pd.DataFrame:
    """A KPI's live series in the snapshot series' shape: period, value (NaN when withheld), suppressed."""
    if rows is None:
        return pd.DataFrame(columns=["period", "value", "suppressed"])
    return rows[["period", "value", "suppressed"]].assign(value=rows["value"].where(~rows["suppressed"].astype(bool)))


def ordered(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The KPI screens: outcomes and outputs only; off-track first, then at risk, on track, without
    target, without data (`present.STATUS_ORDER`); within a status outcomes before outputs, then
    by theme and title (in `lang`)."""
    rows = rows[rows["kind"].isin(KINDS)]
    title = rows["title_en"] if lang == "en" else rows["title_nl"]
    return (rows.assign(_status=rows["status"].map(present.status_rank), _kind=rows["kind"].map(KINDS.index), _title=title)
            .sort_values(["_status", "_kind", "theme", "_title"]).drop(columns=["_status", "_kind", "_title"])
            .reset_index(drop=True))


def theme_order(rows: pd.DataFrame, themes: Iterable[int]) -> list[int]:
    """The theme screens: the themes with the most off-track outcomes first, then the most at
    risk, then by number."""
    outcomes = rows[rows["kind"] == "outcome"]

    def urgency(theme: int) -> tuple[int, int, int]:
        statuses = outcomes.loc[outcomes["theme"] == theme, "status"]
        return -int((statuses == "off_track").sum()), -int((statuses == "at_risk").sum()), theme

    return sorted((int(theme) for theme in themes), key=urgency)
