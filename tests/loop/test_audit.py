"""Filtering the audit trail by entity, actor and dates, on a trail written out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from koers.loop import audit

LOG = pd.DataFrame({
    "id": [1, 2, 3, 4],
    "logged_at": pd.to_datetime(["2026-03-01 09:00", "2026-03-02 23:59", "2026-03-05 08:00", "2026-03-05 10:00"]),
    "actor": ["ann", "bob", "ann", "cor"],
    "actor_name": ["Ann", "Bob", "Ann B.", "Cor"],
    "entity": ["annotation", "action", "action", "roles"],
})


def ids(frame: pd.DataFrame) -> list[int]:
    return frame["id"].tolist()


def test_no_filter_keeps_everything():
    assert ids(audit.filter_audit(LOG, [], [], None)) == [1, 2, 3, 4]
    assert ids(audit.filter_audit(LOG, [], [], ())) == [1, 2, 3, 4]


def test_entities_and_actors():
    assert ids(audit.filter_audit(LOG, ["action"], [], None)) == [2, 3]
    assert ids(audit.filter_audit(LOG, [], ["ann", "cor"], None)) == [1, 3, 4]
    assert ids(audit.filter_audit(LOG, ["action"], ["ann"], None)) == [3]


def test_a_date_range_includes_both_ends_and_one_date_is_one_day():
    assert ids(audit.filter_audit(LOG, [], [], (dt.date(2026, 3, 2), dt.date(2026, 3, 5)))) == [2, 3, 4]
    assert ids(audit.filter_audit(LOG, [], [], (dt.date(2026, 3, 5),))) == [3, 4]  # a range being picked
    assert ids(audit.filter_audit(LOG, [], [], dt.date(2026, 3, 1))) == [1]


def test_names_and_the_default_range():
    assert audit.actor_names(LOG) == {"ann": "Ann", "bob": "Bob", "cor": "Cor"}
    assert audit.date_range(LOG, today=dt.date(2026, 3, 4)) == (dt.date(2026, 3, 1), dt.date(2026, 3, 5))
    assert audit.date_range(LOG, today=dt.date(2026, 4, 1)) == (dt.date(2026, 3, 1), dt.date(2026, 4, 1))
