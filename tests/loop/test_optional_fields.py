"""A record with its optional fields left empty works everywhere it shows: the learning reads, a
review snapshot, the report's HTML, the Overzicht, Leren and Reviewsessies pages and the
command line's target list.

The optional fields are found, not listed: the pydantic input models of the learning loop (every
subclass of `learning.RecordInput`: a field with a default is optional), the target file's columns
beyond the required ones (`kpis.targets`), the governance fields. `FILLED` gives a value for every
field of every model, and a test fails when a model has a field it does not know — so a new
optional field is taken into these tests by adding its value there.

Two municipalities, each without any record of the loop in the tests' demo:
- `EMPTY_REGION` holds only records with *every* optional field empty (so also: all its actions
  without a due date — the case that broke Overzicht, Leren and Reviewsessies), a review session
  without items, a target without tolerance or note, and a governance record without any field;
- `ONE_EMPTY_REGION` holds, per optional field, a record with only that field empty.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

import pandas as pd
import pytest
from pydantic import BaseModel

from conftest import ROOT
from koers.access import Actor, Role
from koers.kpis import targets as target_files
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.loop import learning, report, review
from koers.sources.governance import GOVERNANCE_FIELDS
from koers.store import Store

ADVISOR = Actor("a.de.vries@gemeente.nl", "Anna de Vries", Role.advisor)
ADMIN = Actor("beheer@gemeente.nl", "Beheerder", Role.admin)
EMPTY_REGION = "GM0344"  # Utrecht
ONE_EMPTY_REGION = "GM0599"  # Rotterdam
YEAR = 2024
KPI = "dwellings_per_1000_households"  # an outcome card on Overzicht, with real CBS figures for both
SOURCE = "kwb-pdok"  # a source table of that KPI (its governance record is left empty)

# A value for every field of each input model; `region_code` and `session_id` are set per case.
FILLED: dict[str, dict] = {
    "AnnotationInput": {"kpi_id": KPI, "region_code": None, "period": "2023", "kind": "observation",
                        "text": "Annotatie met alles"},
    "ActionInput": {"region_code": None, "title": "Actie met alles", "description": "Omschrijving", "owner": "Team Wonen",
                    "due_date": pd.Timestamp("2030-01-01").date(), "status": "in_progress", "kpi_ids": [KPI],
                    "expected_effect": "Meer woningen", "review_id": None},
    "ReviewItemInput": {"session_id": None, "kind": "expected_effect", "kpi_id": KPI, "text": "Verwachting met alles",
                        "expected_direction": "up", "expected_value": 1.5, "expected_year": 2026},
}
SAVE = {"AnnotationInput": learning.save_annotation, "ActionInput": learning.save_action,
        "ReviewItemInput": review.save_item}
TEXT_FIELD = {"AnnotationInput": "text", "ActionInput": "title", "ReviewItemInput": "text"}  # how a record is recognised


def input_models() -> list[type[BaseModel]]:
    found, todo = [], list(learning.RecordInput.__subclasses__())
    while todo:
        model = todo.pop()
        found.append(model)
        todo += model.__subclasses__()
    return sorted(found, key=lambda m: m.__name__)


def optional_fields(model: type[BaseModel]) -> list[str]:
    return [name for name, field in model.model_fields.items() if not field.is_required()]


def target_optional_columns() -> list[str]:
    return [name for name in target_files.ALIASES if name not in target_files.REQUIRED]


def test_the_discovery_finds_every_model_and_every_field_has_a_value():
    models = input_models()
    assert {m.__name__ for m in models} == set(FILLED) == set(SAVE), "a new input model needs FILLED and SAVE entries"
    for model in models:
        assert set(model.model_fields) == set(FILLED[model.__name__]), model.__name__
    assert {"due_date", "description", "expected_effect", "review_id", "status"} <= set(optional_fields(learning.ActionInput))
    assert {"kpi_id", "expected_direction", "expected_value", "expected_year"} <= set(optional_fields(review.ReviewItemInput))
    assert set(target_optional_columns()) == {"tolerance", "note"}
    assert len(GOVERNANCE_FIELDS) == 6


def values_for(model: type[BaseModel], region: str, session_id: int, empty: list[str], label: str) -> dict:
    """The model's filled values without the fields in `empty` (the model's default applies: None,
    "" or the first status), named by `label` so the record can be found where it shows."""
    values = {**FILLED[model.__name__]}
    values[TEXT_FIELD[model.__name__]] = label
    for name in ("region_code", "session_id"):
        if name in values:
            values[name] = region if name == "region_code" else session_id
    if model is review.ReviewItemInput and "kpi_id" in empty:
        values["kind"] = "finding"  # an expected effect must name a KPI; a finding need not
    return {k: v for k, v in values.items() if k not in empty}


def cases() -> Iterator[tuple[str, type[BaseModel], list[str], str]]:
    """(region, model, fields left empty, label): every optional field empty at once in
    EMPTY_REGION; in ONE_EMPTY_REGION one record per optional field with only that one empty."""
    for model in input_models():
        fields = optional_fields(model)
        yield EMPTY_REGION, model, fields, f"{model.__name__} leeg"
        for name in fields:
            yield ONE_EMPTY_REGION, model, [name], f"{model.__name__} zonder {name}"


def test_actions_without_a_due_date_in_a_municipality_without_any_are_read_everywhere(demo_db):
    """The blocker: all of a municipality's actions without a due date broke `learning.actions`
    (and with it Overzicht, Leren, Reviewsessies and the report) with "Invalid comparison between
    dtype=datetime64[s] and date"."""
    with Store.open(demo_db) as store:
        library = load_library(None, store.known_indicator_ids())
        values = values_for(learning.ActionInput, EMPTY_REGION, 0, optional_fields(learning.ActionInput), "Zonder datum")
        saved = learning.save_action(store, library, ADVISOR, values)
        actions = learning.actions(store, EMPTY_REGION, today=pd.Timestamp("2100-01-01").date())
        overdue = learning.overdue_actions(store, EMPTY_REGION)
        dated = learning.save_action(store, library, ADVISOR, {**values, "title": "Te laat", "due_date": pd.Timestamp("2020-01-01").date()})
        both = learning.actions(store, EMPTY_REGION, today=pd.Timestamp("2024-06-01").date())
    assert actions["id"].tolist() == [saved["id"]] and actions["title"].tolist() == ["Zonder datum"]
    assert actions["due_date"].isna().all() and actions["overdue"].tolist() == [False] and overdue.empty
    assert both["id"].tolist() == [dated["id"], saved["id"]] and both["overdue"].tolist() == [True, False]


@pytest.fixture(scope="module")
def loop_db(demo_template, tmp_path_factory):
    """A copy of the demo with the records of `cases()`, review sessions (EMPTY_REGION's first
    without any item), targets without their optional columns and an empty governance record;
    returns (path, {region: [labels]}, {region: newest session id}, the evaluation)."""
    import shutil

    path = tmp_path_factory.mktemp("optional") / "koers.duckdb"
    shutil.copy(demo_template, path)
    labels: dict[str, list[str]] = {EMPTY_REGION: [], ONE_EMPTY_REGION: []}
    newest: dict[str, int] = {}
    with Store.open(path) as store:
        library = load_library(None, store.known_indicator_ids())
        results = evaluate(store, library)
        review.create_session(store, library, ADVISOR, EMPTY_REGION, YEAR, "Sessie zonder punten", results=results)
        for region in labels:
            newest[region] = review.create_session(store, library, ADVISOR, region, YEAR, f"Sessie {region}", results=results)
        for region, model, empty, label in cases():
            SAVE[model.__name__](store, library, ADVISOR, values_for(model, region, newest[region], empty, label))
            labels[region].append(label)
        optional = target_optional_columns()
        store.upsert_targets(pd.DataFrame({"kpi_id": [KPI], "region_code": [EMPTY_REGION], "year": [YEAR + 2], "value": [1.0]}),
                             "doelen.csv", actor=ADVISOR)
        for name in optional:  # the column present, this one value empty
            row = {"kpi_id": [KPI], "region_code": [ONE_EMPTY_REGION], "year": [YEAR + 2], "value": [1.0],
                   "tolerance": [0.1], "note": ["Toelichting"], name: [None]}
            store.upsert_targets(pd.DataFrame(row), f"doelen zonder {name}.csv", actor=ADVISOR)
        store.save_record("governance", {name: None for name in GOVERNANCE_FIELDS}, ADMIN, key=SOURCE)
    return path, labels, newest, results


@pytest.mark.slow  # the fixture evaluates the library and freezes three review sessions, ~25 s
@pytest.mark.parametrize("region", [EMPTY_REGION, ONE_EMPTY_REGION])
def test_the_learning_reads_show_every_record(loop_db, region):
    path, labels, newest, _ = loop_db
    with Store.open(path, read_only=True) as store:
        notes = learning.annotations(store, region)
        actions = learning.actions(store, region)
        overdue = learning.overdue_actions(store, region)
        sessions = review.sessions(store, region)
        items = review.items(store, newest[region])
        targets = store.targets(region=region)
        revisions = store.target_revisions(region=region)
        expected = review.expected_against_actual(store, newest[region])
    shown = set(notes["text"]) | set(actions["title"]) | set(items["text"])
    assert set(labels[region]) <= shown, set(labels[region]) - shown
    assert overdue.empty and not actions["overdue"].any(), "no action is past a due date"
    assert len(sessions) == (2 if region == EMPTY_REGION else 1) and expected.empty  # nothing was expected before
    mine = (targets["kpi_id"] == KPI) & (targets["year"] == YEAR + 2)
    assert targets[mine]["value"].tolist() == [1.0]
    assert revisions[revisions["kpi_id"] == KPI]["reason"].notna().all()  # no note: the source is the reason
    if region == EMPTY_REGION:
        assert actions["due_date"].isna().all() and set(actions["description"]) == {""}
        assert targets[mine]["tolerance"].tolist() == [0.0]


@pytest.mark.slow  # a snapshot (~5 s) and the report's HTML of each session
@pytest.mark.parametrize("region", [EMPTY_REGION, ONE_EMPTY_REGION])
def test_a_review_snapshot_and_the_report_show_every_record(loop_db, region):
    path, labels, newest, results = loop_db
    with Store.open(path, read_only=True) as store:
        library = load_library(None, store.known_indicator_ids())
        frame = review.snapshot(store, library, region, YEAR, results=results)
        documents = {}
        ids = review.sessions(store, region)["id"].astype(int).tolist()  # EMPTY_REGION's first has no items
        assert [review.items(store, i).empty for i in ids] == [True] * (len(ids) - 1) + [False]
        for session_id in ids:
            context, _ = report._gather(store, library, session_id, "nl")
            documents[session_id] = html.unescape(report._html(context, pdf=False))
    target = frame.set_index("kpi_id").loc[KPI]
    assert (target["target"], target["target_year"]) == (1.0, YEAR + 2)
    for label in labels[region]:
        assert label in documents[newest[region]], label
    if region == EMPTY_REGION:
        assert "Sessie zonder punten" in documents[ids[0]]


def table_texts(at) -> set[str]:
    return {str(v) for frame in at.dataframe for column in frame.value.columns for v in frame.value[column]}


@pytest.mark.slow  # three pages of the dashboard in AppTest, ~20 s
def test_the_pages_show_a_municipality_whose_records_have_every_optional_field_empty(loop_db, app_on):
    """One run per page, for EMPTY_REGION (whose actions all lack a due date)."""
    path, labels, newest, _ = loop_db
    at = app_on(path, ROOT / "pages" / "overzicht.py", gemeente=EMPTY_REGION, jaar=str(YEAR))
    assert not at.error, [e.value for e in at.error]
    assert any("1 annotatie(s)" in m.value and "AnnotationInput leeg" in m.value for m in at.markdown)
    for page, expected in (("leren.py", {"AnnotationInput leeg", "ActionInput leeg"}),
                           ("review.py", {"ReviewItemInput leeg", "ActionInput leeg", f"Sessie {EMPTY_REGION}"})):
        at.switch_page(f"pages/{page}").run()
        assert not at.exception and not at.error, (page, at.exception, [e.value for e in at.error])
        assert expected <= table_texts(at), (page, expected - table_texts(at))


@pytest.mark.slow  # a command-line run on the fixture's store
def test_the_command_line_lists_a_target_without_tolerance_or_note(loop_db):
    import csv
    import io

    from conftest import run_cli

    path, *_ = loop_db
    done = run_cli("targets", "list", "--kpi", KPI, "--region", EMPTY_REGION, db=path)
    assert done.returncode == 0, done.stderr
    rows = [row for row in csv.DictReader(io.StringIO(done.stdout)) if row["year"] == str(YEAR + 2)]
    assert len(rows) == 1, done.stdout
    assert rows[0]["kpi_id"] == KPI and float(rows[0]["value"]) == 1.0
    assert float(rows[0]["tolerance"]) == 0.0  # no tolerance is an exact target (the documented default)
    assert rows[0]["note"] == ""  # an empty note stays empty: no "nan"
