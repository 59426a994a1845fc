"""Review sessions: a frozen snapshot that later imports never change, findings, decisions and
expected effects, and the next session's "expected against what happened"."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from koers import present
from koers.loop import review
from koers.access import LOCAL, AccessDenied, Actor, Role
from koers.kpis.assess import kpi_overview
from koers.errors import KoersError
from koers.sources import own_file
from koers.kpis.library import load_library
from koers.store import Conflict, Store

ADVISOR = Actor("a.de.vries@gemeente.nl", "Anna de Vries", Role.advisor)
COUNCIL = Actor("c.claes@raad.nl", "Cees Claes", Role.council)
KPI = "new_dwellings_per_1000"  # new_dwellings / dwellings x 1000; new_dwellings is demo example data


@pytest.fixture
def store(demo_db, shared_backend):
    with Store.open(demo_db) as store:
        yield store


@pytest.fixture
def library(store):
    return load_library(None, store.known_indicator_ids())


def import_new_dwellings(store: Store, tmp_path, value: str) -> None:
    """Amsterdam's 2024 new dwellings from an own file: it outranks the demo's example source."""
    path = tmp_path / f"woningbouw_{value}.csv"
    path.write_text(f"indicator;gemeentecode;jaar;waarde\nnew_dwellings;GM0363;2024;{value}\n", encoding="utf-8")
    store.commit_import(own_file.load(path), actor=LOCAL)


def test_the_snapshot_holds_what_the_overview_showed(store, library):
    session_id = review.create_session(store, library, ADVISOR, "GM0363", 2024, "Voorjaarsreview 2025")
    frozen = review.frozen(store, session_id).set_index("kpi_id")
    shown = kpi_overview(store, library, "GM0363", 2024).set_index("kpi_id")
    assert len(frozen) == len(library.kpis)
    for kpi_id in (KPI, "population_growth", "youth_unemployment"):
        assert frozen.at[kpi_id, "status"] == shown.at[kpi_id, "status"]
        assert frozen.at[kpi_id, "value"] == pytest.approx(shown.at[kpi_id, "value"])
    # the chart's series is frozen too: 2024's point is the snapshot's value
    series = review.series_of(frozen.loc[KPI].to_dict() | {"series": frozen.at[KPI, "series"]})
    assert series.set_index("period").at["2024", "value"] == pytest.approx(frozen.at[KPI, "value"])


def test_a_later_import_never_changes_what_the_council_saw(store, library, tmp_path):
    session_id = review.create_session(store, library, ADVISOR, "GM0363", 2024, "Voorjaarsreview 2025")
    before = review.frozen(store, session_id)
    import_new_dwellings(store, tmp_path, "99999")
    live = kpi_overview(store, library, "GM0363", 2024).set_index("kpi_id")
    frozen = review.frozen(store, session_id).set_index("kpi_id")
    assert live.at[KPI, "value"] != pytest.approx(frozen.at[KPI, "value"])  # the import did change the live value
    assert review.frozen(store, session_id).equals(before)


def test_off_track_comes_first_within_each_theme(store, library):
    session_id = review.create_session(store, library, ADVISOR, "GM0363", 2024, "Review")
    frozen = review.frozen(store, session_id)
    outcomes = frozen[(frozen["theme"] == 1) & (frozen["kind"] == "outcome")]
    order = outcomes["status"].map(present.status_rank).tolist()
    assert order == sorted(order) and "off_track" in outcomes["status"].tolist()


def test_suppressed_values_are_not_kept_in_a_snapshot(store, library):
    # Schiermonnikoog (GM0088), 2024: eleven KPIs rest on counts below their privacy threshold.
    session_id = review.create_session(store, library, ADVISOR, "GM0088", 2024, "Review")
    frozen = review.frozen(store, session_id)
    suppressed = frozen[frozen["suppressed"]]
    assert len(suppressed) == 11 and set(suppressed["privacy_threshold"]) == {10}
    assert suppressed["value"].isna().all()
    for row in suppressed.itertuples():
        assert json.loads(row.series)["2024"] == "suppressed"  # withheld, and told apart from missing
        series = review.series_of(row._asdict()).set_index("period")
        assert bool(series.at["2024", "suppressed"]) and pd.isna(series.at["2024", "value"])


@pytest.mark.slow
def test_expected_effects_are_set_against_what_happened(store, library, tmp_path):
    first = review.create_session(store, library, ADVISOR, "GM0363", 2024, "Voorjaar")
    value_then = review.frozen(store, first).set_index("kpi_id").at[KPI, "value"]
    review.save_item(store, library, ADVISOR, {"session_id": first, "kind": "decision", "text": "Versnellen woningbouw"})
    review.save_item(store, library, ADVISOR, {"session_id": first, "kind": "expected_effect", "kpi_id": KPI,
                                               "text": "Meer nieuwbouw", "expected_direction": "up"})
    review.save_item(store, library, ADVISOR, {"session_id": first, "kind": "expected_effect", "kpi_id": KPI,
                                               "text": "Boven 1.000", "expected_value": 1000.0})
    import_new_dwellings(store, tmp_path, "99999")
    second = review.create_session(store, library, ADVISOR, "GM0363", 2024, "Najaar")
    assert review.session(store, second)["previous_id"] == first
    value_now = review.frozen(store, second).set_index("kpi_id").at[KPI, "value"]
    assert value_now > value_then
    compared = review.expected_against_actual(store, second)
    assert compared["text"].tolist() == ["Meer nieuwbouw", "Boven 1.000"]
    assert compared["before"].tolist() == pytest.approx([value_then, value_then])
    assert compared["now"].tolist() == pytest.approx([value_now, value_now])
    assert compared["outcome"].tolist() == ["met", "met" if value_now >= 1000 else "not_met"]
    assert review.expected_against_actual(store, first).empty


def test_an_expected_effect_needs_a_kpi_and_a_direction_or_value(store, library):
    session_id = review.create_session(store, library, ADVISOR, "GM0363", 2024, "Review")
    with pytest.raises(KoersError, match="verwacht effect"):
        review.save_item(store, library, ADVISOR, {"session_id": session_id, "kind": "expected_effect", "kpi_id": KPI,
                                                   "text": "Beter"})
    with pytest.raises(KoersError, match="bestaat niet"):
        review.save_item(store, library, ADVISOR, {"session_id": 9999, "kind": "finding", "text": "x"})
    assert review.items(store, session_id).empty


def test_the_council_reads_but_cannot_record_a_session(store, library):
    with pytest.raises(AccessDenied):
        review.create_session(store, library, COUNCIL, "GM0363", 2024, "Review")
    assert review.sessions(store).empty and store.records("review_session").empty
    assert store._con.execute("SELECT count(*) FROM review_snapshot").fetchall()[0][0] == 0


def test_a_stage_change_is_version_checked(store, library):
    session_id = review.create_session(store, library, ADVISOR, "GM0363", 2024, "Review")
    moved = review.set_stage(store, ADVISOR, session_id, "do", version=1)
    assert (moved["stage"], moved["version"]) == ("do", 2)
    with pytest.raises(Conflict):
        review.set_stage(store, ADVISOR, session_id, "check", version=1)
    assert review.session(store, session_id)["stage"] == "do"
