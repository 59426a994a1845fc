"""Review sessions (plan → do → check → adjust) for a municipality and a reference date.

A session freezes what the council was shown — per KPI the value, status, target, trend, peers
and the series behind the chart — in `review_snapshot`, so later imports never change it. It
records findings, decisions and expected effects (`review_item`); the next session for the same
municipality shows, per KPI, what was expected against what happened.

Snapshot rows (one per KPI; `review_snapshot` in the store):
    kpi_id, theme, kind, title_nl, title_en, unit, polarity, period, value (null when suppressed),
    suppressed, privacy_threshold, status, target, target_year, tolerance, original_target, trend,
    percentile, peers, peer_median, provisional, harmonised, example, sources, data_date,
    series ('{"2019": 1.5, ...}'), peer_values ('{"GM0344": 2.1, ...}'); in both a value withheld
    for privacy is the text "suppressed" (never the number), a missing one null
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum

import numpy as np
import pandas as pd
from pydantic import Field

from koers import present
from koers.access import Actor
from koers.kpis.assess import kpi_overview, no_expected_values
from koers.errors import KoersError
from koers.i18n import Message
from koers.kpis.evaluate import evaluate
from koers.loop.learning import RecordInput, check_shape, require_known_kpis
from koers.kpis.library import Library
from koers.store import Store


class Stage(StrEnum):
    plan = "plan"
    do = "do"
    check = "check"
    adjust = "adjust"


class ItemKind(StrEnum):
    finding = "finding"
    decision = "decision"
    expected_effect = "expected_effect"


class Direction(StrEnum):
    up = "up"
    down = "down"
    flat = "flat"


REVIEW_ITEM = Message("loop.records.review_item")


class ReviewItemInput(RecordInput):
    session_id: int
    kind: ItemKind
    kpi_id: str | None = None
    text: str = Field(min_length=1, max_length=4000)
    expected_direction: Direction | None = None
    expected_value: float | None = None
    expected_year: int | None = Field(default=None, ge=2000, le=2100)


SUPPRESSED = "suppressed"  # a point withheld for privacy in `series` / `peer_values`: its value is not stored


def _json_map(frame: pd.DataFrame, key: str) -> str:
    """{key: value} as JSON: a number, null when missing, "suppressed" when withheld."""
    hidden = frame["suppressed"].astype(bool)
    return json.dumps({str(k): SUPPRESSED if h else (None if pd.isna(v) else float(v))
                       for k, v, h in zip(frame[key], frame["value"], hidden)})


def snapshot(store: Store, library: Library, region: str, year: int, peers_by: str = "size",
             results: pd.DataFrame | None = None) -> pd.DataFrame:
    """What the dashboard shows for `region` in `year`, as rows for `review_snapshot`. Suppressed
    values are not kept at all (value null, `suppressed` true), so no report can leak them."""
    results = evaluate(store, library) if results is None else results
    # A snapshot keeps no expected value (no report shows one): not fitted for it.
    overview = kpi_overview(store, library, region, year, peers_by=peers_by, results=results, expected=no_expected_values())
    targets = store.targets(region=region)
    freshness = {row.source_table.lower(): row.finished for row in store.imports().itertuples()
                 if row.status != "failed" and isinstance(row.source_table, str)}
    period = str(year)
    # Per KPI, grouped once (a filter per KPI over every region's year was half of a snapshot's time).
    empty = results.iloc[0:0]
    mine = {str(k): rows for k, rows in results[results["region_code"] == region].groupby("kpi_id", observed=True)}
    in_year = {str(k): rows for k, rows in results[results["period"] == period].groupby("kpi_id", observed=True)}
    rows = []
    for row in overview.itertuples():
        kpi = library.kpis[row.kpi_id]
        series = mine.get(row.kpi_id, empty).sort_values("period")
        series = series.assign(value=series["value"].where(~series["suppressed"].astype(bool)))
        peers = in_year.get(row.kpi_id, empty)
        peers = peers[peers["region_code"].isin(str(row.peer_group).split(","))]
        peers = peers.assign(value=peers["value"].where(~peers["suppressed"].astype(bool)))
        target = targets[(targets["kpi_id"] == row.kpi_id) & (targets["year"] == row.target_year)] if pd.notna(row.target_year) else targets.iloc[0:0]
        sources = [s.strip() for s in str(row.sources or "").split(",") if s.strip()]
        dates = [freshness[s.lower()] for s in sources if s.lower() in freshness]
        rows.append({
            "kpi_id": row.kpi_id, "theme": int(row.theme), "kind": row.kind, "title_nl": kpi.title.nl,
            "title_en": kpi.title.en, "unit": row.unit, "polarity": kpi.polarity, "period": period,
            "value": None if row.suppressed or pd.isna(row.value) else float(row.value), "suppressed": bool(row.suppressed),
            "privacy_threshold": int(kpi.privacy_threshold), "status": row.status,
            "target": None if pd.isna(row.target) else float(row.target),
            "target_year": None if pd.isna(row.target_year) else int(row.target_year),
            "tolerance": float(target["tolerance"].iloc[0]) if len(target) else None,
            "original_target": float(target["original"].iloc[0]) if len(target) and pd.notna(target["original"].iloc[0]) else None,
            "trend": row.trend if isinstance(row.trend, str) else None,
            "percentile": None if pd.isna(row.percentile) else float(row.percentile), "peers": int(row.peers),
            "peer_median": None if pd.isna(row.peer_median) else float(row.peer_median),
            "provisional": bool(row.provisional), "harmonised": bool(row.harmonised), "example": bool(row.example),
            "sources": row.sources or "", "data_date": max(dates) if dates else None,
            "series": _json_map(series, "period"), "peer_values": _json_map(peers, "region_code"),
        })
    return pd.DataFrame(rows)


def create_session(store: Store, library: Library, actor: Actor, region: str, year: int, title: str,
                   reference_date: dt.date | None = None, peers_by: str = "size",
                   results: pd.DataFrame | None = None) -> int:
    """A new session with its snapshot; the previous one is the municipality's latest session."""
    if not (title or "").strip():
        raise KoersError("errors.loop.session_title_empty")
    frame = snapshot(store, library, region, year, peers_by, results)
    earlier = sessions(store, region)
    return store.create_review(
        {"region_code": region, "year": int(year), "reference_date": reference_date or dt.date.today(),
         "title": title.strip(), "stage": str(Stage.plan),
         "previous_id": int(earlier["id"].iloc[-1]) if len(earlier) else None},
        frame, actor)


def sessions(store: Store, region: str | None = None) -> pd.DataFrame:
    """Review sessions (of one municipality), oldest first. Columns as `review_session`."""
    frame = store.records("review_session", **({"region_code": region} if region else {}))
    return frame.sort_values(["reference_date", "id"]).reset_index(drop=True)


def session(store: Store, session_id: int) -> dict:
    found = store.records("review_session", id=int(session_id))
    if found.empty:
        raise KoersError("errors.loop.unknown_session", session_id=session_id)
    return found.iloc[0].to_dict()


def frozen(store: Store, session_id: int) -> pd.DataFrame:
    """The session's snapshot, off-track first within each theme (the order of a council review)."""
    frame = store.review_snapshot(int(session_id))
    frame["order"] = frame["status"].map(present.status_rank)
    kind_order = frame["kind"].map({"outcome": 0, "output": 1, "input": 2, "context": 3}).fillna(9)
    return (frame.assign(kind_order=kind_order).sort_values(["theme", "kind_order", "order", "kpi_id"])
            .drop(columns=["order", "kind_order"]).reset_index(drop=True))


def series_of(row: pd.Series | dict) -> pd.DataFrame:
    """A snapshot row's frozen series: period, value (NaN when missing or withheld), suppressed."""
    data = json.loads(row["series"] or "{}")
    return pd.DataFrame({"period": list(data),
                         "value": [v if isinstance(v, (int, float)) else np.nan for v in data.values()],
                         "suppressed": [v == SUPPRESSED for v in data.values()]})


def items(store: Store, session_id: int) -> pd.DataFrame:
    return store.records("review_item", session_id=int(session_id))


def save_item(store: Store, library: Library, actor: Actor, values: dict, key: int | None = None,
              version: int | None = None) -> dict:
    """A finding, decision or expected effect; an expected effect names a KPI and a direction or value."""
    checked = check_shape(ReviewItemInput, values, REVIEW_ITEM)
    if checked["kpi_id"]:
        require_known_kpis(library, [checked["kpi_id"]], REVIEW_ITEM)
    if checked["kind"] == ItemKind.expected_effect and (
            not checked["kpi_id"] or (checked["expected_direction"] is None and checked["expected_value"] is None)):
        raise KoersError("errors.loop.effect_incomplete")
    session(store, checked["session_id"])
    for name in ("kind", "expected_direction"):
        checked[name] = None if checked[name] is None else str(checked[name])
    return store.save_record("review_item", checked, actor, key, version)


def set_stage(store: Store, actor: Actor, session_id: int, stage: Stage | str, version: int) -> dict:
    return store.save_record("review_session", {"stage": str(Stage(stage))}, actor, int(session_id), version)


def expected_against_actual(store: Store, session_id: int) -> pd.DataFrame:
    """Per expected effect recorded in the previous session: what was expected and what happened.

    Columns: kpi_id, title_nl, title_en, unit, text, expected_direction, expected_value,
    expected_year, before (value in the previous snapshot), now (in this one), change,
    outcome: met / not_met / unknown (no values, or suppressed).
    """
    current = session(store, session_id)
    columns = ["kpi_id", "title_nl", "title_en", "unit", "text", "expected_direction", "expected_value", "expected_year",
               "before", "now", "change", "outcome"]
    if pd.isna(current["previous_id"]):
        return pd.DataFrame(columns=columns)
    previous_id = int(current["previous_id"])
    expected = items(store, previous_id)
    expected = expected[expected["kind"] == str(ItemKind.expected_effect)]
    before = store.review_snapshot(previous_id).set_index("kpi_id")
    now = store.review_snapshot(int(session_id)).set_index("kpi_id")
    rows = []
    for item in expected.itertuples():
        old = before["value"].get(item.kpi_id)
        new = now["value"].get(item.kpi_id)
        known = old is not None and new is not None and pd.notna(old) and pd.notna(new)
        change = float(new - old) if known else None
        if item.expected_value is not None and pd.notna(item.expected_value) and new is not None and pd.notna(new):
            polarity = now["polarity"].get(item.kpi_id)
            met = new <= item.expected_value if polarity == "lower_is_better" else new >= item.expected_value
        elif known and isinstance(item.expected_direction, str):
            met = {"up": change > 0, "down": change < 0, "flat": abs(change) <= 0.01 * max(abs(old), 1e-9)}[item.expected_direction]
        else:
            met = None
        titles = now if item.kpi_id in now.index else before
        rows.append({
            "kpi_id": item.kpi_id, "title_nl": titles["title_nl"].get(item.kpi_id), "title_en": titles["title_en"].get(item.kpi_id),
            "unit": titles["unit"].get(item.kpi_id), "text": item.text, "expected_direction": item.expected_direction,
            "expected_value": item.expected_value, "expected_year": item.expected_year,
            "before": old, "now": new, "change": change,
            "outcome": "unknown" if met is None else ("met" if met else "not_met"),
        })
    return pd.DataFrame(rows, columns=columns)
