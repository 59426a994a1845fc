"""What the overview's cards and its "what changed" table show, computed from a municipality's
series: the change since the previous value, the sparkline, and the largest changes since last year.

A series is one KPI's rows for one region, by period (as `koers.dashboard.reads.series` gives it):
    period ("2019", ...), value (NaN when missing or withheld), ...
"""

from __future__ import annotations

import pandas as pd


def change_since_previous(history: pd.DataFrame | None, value: float | None, year: int) -> float | None:
    """The card's delta: `value` minus the series' previous value, when the series ends in `year`
    (otherwise the latest row is not this year's value); None when either is missing."""
    if history is None or len(history) < 2 or history["period"].iloc[-1] != str(year):
        return None
    previous = history["value"].iloc[-2]
    if pd.isna(previous) or value is None or pd.isna(value):
        return None
    return value - previous


def sparkline(history: pd.DataFrame | None, year: int) -> pd.DataFrame | None:
    """The card's small chart: one row per year from the first known value up to `year` (the
    selected year, where it ends), columns period, value. Nothing is filled in: a missing or
    withheld year is there with value None, so the line breaks (never drawn as 0 or as the year
    before); a series with no known value up to `year` gets no chart (None).

        period  value
        2022    2.0
        2023    None     <- a gap
        2024    3.0
    """
    if history is None:
        return None
    # Plain lists, not boolean filters on the frame: four per card were most of making them.
    values = {period: float(value) for period, value in zip(history["period"].tolist(), history["value"].tolist())
              if period <= str(year) and value is not None and not pd.isna(value)}
    if not values:
        return None
    periods = [str(y) for y in range(int(min(values)[:4]), year + 1)]
    return pd.DataFrame({"period": periods, "value": [values.get(p) for p in periods]}, dtype=object)


def changes_since_last_year(history: dict[str, pd.DataFrame], year: int, top: int = 10) -> pd.DataFrame:
    """The KPIs whose value changed most, relatively, from `year - 1` to `year`.

    `history`: per KPI id its series. Returns up to `top` rows, largest change (either way) first:
        kpi_id, before (value in year - 1), now (value in year), change (% of before), example
        (either value rests on invented demo figures: the series' `example_value`).
    A KPI without both values, or with 0 the year before, has no relative change and is left out.
    """
    rows = []
    for kpi_id, series in history.items():
        # a plain dict per series: four boolean filters per KPI took a quarter of Overzicht's rerun
        values = dict(zip(series["period"].tolist(), series["value"].tolist()))
        invented = dict(zip(series["period"].tolist(), series["example_value"].tolist())) if "example_value" in series else {}
        now, before = values.get(str(year)), values.get(str(year - 1))
        if now is not None and before is not None and pd.notna(now) and pd.notna(before) and before != 0:
            example = bool(invented.get(str(year))) or bool(invented.get(str(year - 1)))
            rows.append((kpi_id, before, now, (now / before - 1) * 100, example))
    frame = pd.DataFrame(rows, columns=["kpi_id", "before", "now", "change", "example"])
    return frame.sort_values("change", key=abs, ascending=False).head(top).reset_index(drop=True)
