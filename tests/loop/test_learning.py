"""The learning loop in the store: annotations, actions, target revisions, roles enforced where
the write happens, version checks, and the append-only audit trail."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from koers.loop import learning
from koers.access import LOCAL, AccessDenied, Actor, Role
from koers.errors import KoersError
from koers.kpis.library import load_library
from koers.store import Conflict, Store

ADVISOR = Actor("a.de.vries@gemeente.nl", "Anna de Vries", Role.advisor)
OTHER_ADVISOR = Actor("b.bakker@gemeente.nl", "Bram Bakker", Role.advisor)
COUNCIL = Actor("c.claes@raad.nl", "Cees Claes", Role.council)
VIEWER = Actor("d.dijk@gemeente.nl", "Dirk Dijk", Role.viewer)
ADMIN = Actor("beheer@gemeente.nl", "Beheerder", Role.admin)
NOTE = {"kpi_id": "population_growth", "region_code": "GM0363", "period": "2023", "kind": "explanation",
        "text": "Nieuwbouw op de Zuidas"}


@pytest.fixture
def store(demo_db, shared_backend):
    with Store.open(demo_db) as store:
        yield store


@pytest.fixture
def library(store):
    return load_library(None, store.known_indicator_ids())


def audit(store: Store, entity: str | None = None):
    return store.audit_log(ADMIN, entity)


def test_an_annotation_is_stored_with_its_author_and_audited(store, library):
    saved = learning.save_annotation(store, library, ADVISOR, NOTE)
    assert (saved["version"], saved["created_by"], saved["text"]) == (1, "Anna de Vries", "Nieuwbouw op de Zuidas")
    shown = learning.annotations(store, "GM0363", "population_growth")
    assert shown["text"].tolist() == ["Nieuwbouw op de Zuidas"] and shown["period"].tolist() == ["2023"]
    entry = audit(store, "annotation").iloc[0]
    assert (entry["actor"], entry["role"], entry["action"], entry["entity_id"]) == (ADVISOR.id, "advisor", "create", str(saved["id"]))
    assert entry["before"] is None and json.loads(entry["after"])["text"] == "Nieuwbouw op de Zuidas"


def test_a_change_records_before_and_after(store, library):
    saved = learning.save_annotation(store, library, ADVISOR, NOTE)
    changed = learning.save_annotation(store, library, OTHER_ADVISOR, {**NOTE, "text": "Nieuwbouw en verdichting"},
                                       key=saved["id"], version=1)
    assert (changed["version"], changed["updated_by"], changed["created_by"]) == (2, "Bram Bakker", "Anna de Vries")
    entry = audit(store, "annotation").iloc[0]  # newest first
    assert entry["action"] == "update" and entry["actor"] == OTHER_ADVISOR.id
    assert json.loads(entry["before"])["text"] == "Nieuwbouw op de Zuidas"
    assert json.loads(entry["after"])["text"] == "Nieuwbouw en verdichting"


def test_the_second_of_two_editors_is_refused_and_nothing_is_written(store, library):
    saved = learning.save_annotation(store, library, ADVISOR, NOTE)
    # Both loaded version 1; Anna saves first.
    learning.save_annotation(store, library, ADVISOR, {**NOTE, "text": "Anna's versie"}, key=saved["id"], version=1)
    entries = len(audit(store))
    with pytest.raises(Conflict) as refused:
        learning.save_annotation(store, library, OTHER_ADVISOR, {**NOTE, "text": "Bram's versie"}, key=saved["id"], version=1)
    assert "is intussen gewijzigd door Anna de Vries" in refused.value.nl
    assert "was changed meanwhile by Anna de Vries" in refused.value.en
    assert learning.annotations(store, "GM0363")["text"].tolist() == ["Anna's versie"]
    assert len(audit(store)) == entries


@pytest.mark.parametrize("actor", [COUNCIL, VIEWER], ids=["council", "viewer"])
def test_council_and_viewers_are_refused_in_the_store_and_nothing_is_left(store, library, actor):
    entries = len(audit(store))
    with pytest.raises(AccessDenied):
        learning.save_annotation(store, library, actor, NOTE)
    with pytest.raises(AccessDenied):
        learning.save_action(store, library, actor, {"region_code": "GM0363", "title": "Loket", "owner": "Piet",
                                                     "kpi_ids": ["population_growth"]})
    with pytest.raises(AccessDenied):
        learning.revise_target(store, library, actor, "population_growth", "GM0363", 2026, 1.0, 0.1, "ambitie", None)
    with pytest.raises(AccessDenied):
        store.save_record("annotation", NOTE, actor)  # past the learning module, straight at the store
    assert store.records("annotation").empty and store.records("action").empty
    assert store.target_revisions("population_growth", "GM0363").empty
    assert len(audit(store)) == entries


def test_council_refusal_message_names_person_role_and_what(store, library):
    with pytest.raises(AccessDenied) as refused:
        learning.save_annotation(store, library, COUNCIL, NOTE)
    assert refused.value.nl == "Cees Claes (raadslid) mag niet annotaties schrijven; vraag een beheerder om een andere rol"


def test_shape_problems_read_in_both_languages(store, library):
    base = {"region_code": "GM0363", "title": "Loket", "owner": "Team Werk", "kpi_ids": ["population_growth"]}
    cases = [({"title": ""}, "actie: veld 'titel': mag niet leeg zijn", "action: field 'title': must not be empty"),
             ({"kpi_ids": []}, "actie: veld 'KPI's': kies er minstens 1", "action: field 'KPIs': choose at least 1"),
             ({"due_date": "morgen"}, "actie: veld 'einddatum': moet een datum zijn (jjjj-mm-dd)",
              "action: field 'due date': must be a date (yyyy-mm-dd)")]
    for change, nl, en in cases:
        with pytest.raises(KoersError) as bad:
            learning.save_action(store, library, ADVISOR, {**base, **change})
        assert (bad.value.nl, bad.value.en) == (nl, en)
    assert store.records("action").empty


def test_bad_input_is_one_line_naming_the_field(store, library):
    with pytest.raises(KoersError) as bad:
        learning.save_annotation(store, library, ADVISOR, {**NOTE, "period": "2023JJ00"})
    assert bad.value.nl.startswith("annotatie: veld 'periode':")
    with pytest.raises(KoersError) as unknown:
        learning.save_annotation(store, library, ADVISOR, {**NOTE, "kpi_id": "geen_kpi"})
    assert unknown.value.en == "annotation: unknown KPI geen_kpi"
    assert store.records("annotation").empty


def test_overdue_actions_are_open_actions_past_their_due_date(store, library):
    today = dt.date(2025, 6, 1)
    base = {"region_code": "GM0363", "owner": "Team Werk", "kpi_ids": ["population_growth"]}
    learning.save_action(store, library, ADVISOR, {**base, "title": "Te laat", "due_date": dt.date(2025, 5, 1)})
    learning.save_action(store, library, ADVISOR, {**base, "title": "Op tijd", "due_date": dt.date(2025, 7, 1)})
    learning.save_action(store, library, ADVISOR, {**base, "title": "Klaar", "due_date": dt.date(2025, 1, 1), "status": "done"})
    learning.save_action(store, library, ADVISOR, {**base, "title": "Bezig, te laat", "due_date": dt.date(2025, 2, 1),
                                                   "status": "in_progress"})
    assert learning.overdue_actions(store, "GM0363", today)["title"].tolist() == ["Bezig, te laat", "Te laat"]
    assert learning.overdue_actions(store, "GM0344", today).empty


def test_a_revised_target_keeps_its_history_and_original(store, library):
    first = learning.revise_target(store, library, ADVISOR, "population_growth", "GM0363", 2026, 1.2, 0.1,
                                   "coalitieakkoord", None)
    learning.revise_target(store, library, OTHER_ADVISOR, "population_growth", "GM0363", 2026, 0.8, 0.1,
                           "woningbouw vertraagd", first["version"])
    history = store.target_revisions("population_growth", "GM0363")
    assert history["value"].tolist() == [1.2, 0.8]
    assert history["reason"].tolist() == ["coalitieakkoord", "woningbouw vertraagd"]
    assert history["revised_by"].tolist() == ["Anna de Vries", "Bram Bakker"]
    current = store.targets("population_growth", "GM0363").iloc[0]
    assert (current["value"], current["original"], current["revisions"], current["version"]) == (0.8, 1.2, 2, 2)
    with pytest.raises(Conflict):  # a third editor who loaded version 1
        learning.revise_target(store, library, ADVISOR, "population_growth", "GM0363", 2026, 2.0, 0.1, "x", 1)
    with pytest.raises(KoersError, match="reden"):
        learning.revise_target(store, library, ADVISOR, "population_growth", "GM0363", 2027, 2.0, 0.1, " ", None)


def test_imported_targets_become_revisions_only_when_they_change(store):
    import pandas as pd

    frame = pd.DataFrame({"kpi_id": ["population_growth"], "region_code": ["GM0344"], "year": [2026], "value": [1.0]})
    store.upsert_targets(frame, "doelen.csv", actor=LOCAL)
    store.upsert_targets(frame, "doelen.csv", actor=LOCAL)  # the same file again: no new revision
    store.upsert_targets(frame.assign(value=1.5), "doelen-2.csv", actor=LOCAL)
    history = store.target_revisions("population_growth", "GM0344")
    assert history["value"].tolist() == [1.0, 1.5] and history["revision"].tolist() == [1, 2]
    with pytest.raises(AccessDenied):
        store.upsert_targets(frame.assign(value=9.0), "doelen.csv", actor=COUNCIL)
    assert store.targets("population_growth", "GM0344")["value"].tolist() == [1.5]


def test_an_import_is_audited_and_needs_the_admin_role(store, tmp_path):
    from koers.sources import own_file

    path = tmp_path / "eigen.csv"
    path.write_text("indicator;gemeentecode;jaar;waarde\ntevredenheid_loket;GM0344;2024;7,3\n", encoding="utf-8")
    with pytest.raises(AccessDenied):
        store.commit_import(own_file.load(path), actor=ADVISOR)
    assert store.observations(indicator="tevredenheid_loket").empty
    result = store.commit_import(own_file.load(path), actor=ADMIN)
    entry = audit(store, "import").iloc[0]
    assert (entry["actor"], entry["entity_id"]) == (ADMIN.id, str(result.import_id))
    assert json.loads(entry["after"])["rows_loaded"] == 1


def test_the_audit_trail_is_for_administrators_only(store):
    for actor in (VIEWER, COUNCIL, ADVISOR):
        with pytest.raises(AccessDenied):
            store.audit_log(actor)
    assert list(store.audit_log(LOCAL).columns) == ["id", "logged_at", "actor", "actor_name", "role", "action",
                                                     "entity", "entity_id", "before", "after"]


def test_governance_records_are_keyed_by_source_and_version_checked(store):
    values = {"owner": "CBS", "licence": "CC BY 4.0", "legal_basis": "open data", "privacy_class": "openbaar",
              "retention": "onbeperkt", "refresh_schedule": "jaarlijks"}
    saved = store.save_record("governance", values, ADMIN, key="03759ned")
    assert (saved["id"], saved["version"]) == ("03759ned", 1)
    with pytest.raises(Conflict):  # a second admin who loaded it before it existed
        store.save_record("governance", {**values, "owner": "iemand"}, ADMIN, key="03759ned")
    with pytest.raises(AccessDenied):
        store.save_record("governance", values, ADVISOR, key="83625NED")
    assert store.records("governance")["id"].tolist() == ["03759ned"]


def test_deleting_a_record_that_does_not_exist_is_refused_and_not_audited(store, library):
    saved = learning.save_annotation(store, library, ADVISOR, NOTE)
    store.delete_record("annotation", saved["id"], ADVISOR, version=1)
    entries = len(audit(store))
    for key, version in ((99999, None), (99999, 1), (saved["id"], 2)):  # never there (any version); already deleted
        with pytest.raises(KoersError) as refused:
            store.delete_record("annotation", key, ADVISOR, version)
        assert refused.value.en == f"annotation {key} does not exist (any more)"
        assert refused.value.nl == f"annotation {key} bestaat niet (meer)"
    assert len(audit(store)) == entries
    assert store.records("annotation", include_deleted=True)["id"].tolist() == [saved["id"]]
