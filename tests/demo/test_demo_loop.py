"""The demo's invented learning loop: what a first visitor sees on Leren, Reviewsessies and
Overzicht, all of it marked as fiction, and all of it gone after `examples remove`."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from conftest import ROOT, run_cli
from koers import present
from koers.loop import learning, review
from koers.demo.loop import ACTIONS, ANNOTATIONS, REGION, REVISED_TARGET, SESSIONS, add_loop_examples
from koers.kpis.library import load_library
from koers.store import EXAMPLE_AUTHOR, Store

TODAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def looped(demo_template, tmp_path_factory):
    """The test demo with the invented learning loop added, as `python -m koers demo` builds it."""
    path = tmp_path_factory.mktemp("loop") / "koers.duckdb"
    shutil.copy(demo_template, path)
    with Store.open(path) as store:
        counts = add_loop_examples(store, load_library(None, store.known_indicator_ids()), today=TODAY)
    return path, counts


@pytest.fixture
def db(looped, tmp_path):
    path = tmp_path / "koers.duckdb"
    shutil.copy(looped[0], path)
    return path


def test_every_example_is_written_and_marked_as_fiction(looped, db):
    assert looped[1] == {"annotations": len(ANNOTATIONS), "actions": len(ACTIONS), "sessions": len(SESSIONS)}
    with Store.open(db, read_only=True) as store:
        for entity in ("annotation", "action", "review_session", "review_item"):
            frame = store.records(entity)
            assert len(frame) > 0 and set(frame["created_by"]) == {EXAMPLE_AUTHOR}, entity
        texts = list(store.records("annotation")["text"]) + list(store.records("action")["title"])
        assert all(text.startswith("Voorbeeld:") for text in texts)
        # one overdue action, relative to the day the demo was built
        overdue = learning.overdue_actions(store, REGION, TODAY)
        assert overdue["title"].tolist() == ["Voorbeeld: versnellingsteam woningbouw"]
        kpi_id, year, factor, _ = REVISED_TARGET
        assert kpi_id == "gas_use_per_dwelling" and factor == 1.05
        revisions = store.target_revisions(kpi_id, REGION)
        revised = revisions[revisions["year"] == year]
        assert revised["revision"].tolist() == [1, 2]
        # Amsterdam 2022: 690 m3 (KWB 2022, gem_aardgas); example target 2026 5 % lower: 655.5 -> 656
        # (three significant digits); relaxed by 5 %: 688.8
        assert revised["value"].tolist() == [656.0, 688.8]


def test_the_second_session_sets_expected_against_what_happened(db):
    with Store.open(db, read_only=True) as store:
        sessions = review.sessions(store, REGION)
        assert sessions["title"].tolist() == [title for title, *_ in SESSIONS]
        assert sessions["stage"].tolist() == ["adjust", "check"]
        second = int(sessions["id"].iloc[1])
        assert review.session(store, second)["previous_id"] == int(sessions["id"].iloc[0])
        compared = review.expected_against_actual(store, second).set_index("kpi_id")
        before = review.frozen(store, int(sessions["id"].iloc[0])).set_index("kpi_id")
        now = review.frozen(store, second).set_index("kpi_id")
        for kpi_id in ("new_dwellings_per_1000", "youth_unemployment"):
            assert compared.at[kpi_id, "before"] == pytest.approx(before.at[kpi_id, "value"])
            assert compared.at[kpi_id, "now"] == pytest.approx(now.at[kpi_id, "value"])
            change = now.at[kpi_id, "value"] - before.at[kpi_id, "value"]
            direction = compared.at[kpi_id, "expected_direction"]
            assert compared.at[kpi_id, "outcome"] == ("met" if (change > 0) == (direction == "up") else "not_met")


@pytest.mark.slow
def test_the_overview_shows_the_overdue_example_action(app_on, db):
    at = app_on(db, gemeente=REGION, jaar="2024")
    box = next(w.value for w in at.warning if "verlopen actie" in w.value)
    assert "1 verlopen actie(s)" in box and present.plain("Voorbeeld: versnellingsteam woningbouw") in box  # as typed (escaped Markdown)


def test_examples_remove_takes_the_learning_loop_out_too(db):
    done = run_cli("examples", "remove", db=db)
    assert done.returncode == 0, done.stderr
    items = sum(len(items) for *_, items in SESSIONS)
    records = len(ANNOTATIONS) + len(ACTIONS) + len(SESSIONS) + items
    assert done.stderr.strip().endswith(f"{records} learning-loop examples")
    with Store.open(db, read_only=True) as store:
        for entity in ("annotation", "action", "review_session", "review_item"):
            assert store.records(entity, include_deleted=True).empty, entity
        assert store._con.execute("SELECT count(*) FROM review_snapshot").fetchall()[0][0] == 0
        assert store.target_revisions().empty and store.targets().empty


@pytest.mark.slow
def test_the_shipped_demo_command_builds_the_loop(tmp_path):
    # `python -m koers demo` is what a new user runs; the dashboard builds the same on first start.
    done = run_cli("demo", db=tmp_path / "demo.duckdb", timeout=300)
    assert done.returncode == 0, done.stderr
    with Store.open(tmp_path / "demo.duckdb", read_only=True) as store:
        assert len(review.sessions(store, REGION)) == len(SESSIONS)
        assert len(store.records("annotation")) == len(ANNOTATIONS)
    assert (ROOT / "koers" / "demo" / "loop.py").exists()


@pytest.mark.parametrize("page", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.stem)
@pytest.mark.slow
def test_every_page_draws_with_the_examples(app_on, db, page):
    at = app_on(db, page, gemeente=REGION, jaar="2024")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.title) == 1
