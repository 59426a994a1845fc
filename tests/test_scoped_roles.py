"""Roles for some municipalities only (one deployment serving several): the roles file, the person
it makes, and the writes the engine refuses — an advisor of Utrecht cannot write Amsterdam's
targets, annotations, actions or reviews, and nothing of a refused write is left behind."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from koers.access import LOCAL, AccessDenied, Actor, Permission, Role, RoleSettings, actor_for, settings_from_rows
from koers.errors import KoersError
from koers.roles import load_roles
from koers.store import Store

UTRECHT, AMSTERDAM = "GM0344", "GM0363"
ROLES = """default_role = "viewer"
groups_claim = "groups"

[emails]
"j.jansen@utrecht.example" = { role = "advisor", municipalities = ["GM0344"] }
"a.de.vries@gemeente.example" = "advisor"

[groups]
"raad-utrecht" = { role = "council", municipalities = ["GM0344", "GM0599"] }
"koers-beheer" = "admin"
"""


@pytest.fixture
def settings(tmp_path) -> RoleSettings:
    path = tmp_path / "roles.toml"
    path.write_text(ROLES, encoding="utf-8")
    return load_roles(path)[0]


def test_the_roles_file_holds_a_role_for_some_municipalities(settings, tmp_path):
    assert settings.emails == {"j.jansen@utrecht.example": Role.advisor, "a.de.vries@gemeente.example": Role.advisor}
    assert settings.email_scopes == {"j.jansen@utrecht.example": (UTRECHT,)}
    assert settings.group_scopes == {"raad-utrecht": (UTRECHT, "GM0599")}
    # Written back as read.
    again = tmp_path / "again.toml"
    again.write_text(settings.as_toml(), encoding="utf-8")
    assert load_roles(again)[0] == settings
    assert '"j.jansen@utrecht.example" = { role = "advisor", municipalities = ["GM0344"] }' in settings.as_toml()


@pytest.mark.parametrize("value", ['["Utrecht"]', "[]", '"GM0344"'])
def test_a_bad_list_of_municipalities_is_one_line_naming_the_entry(tmp_path, value):
    path = tmp_path / "roles.toml"
    path.write_text(f'[emails]\n"x@y.example" = {{ role = "advisor", municipalities = {value} }}\n', encoding="utf-8")
    with pytest.raises(KoersError) as raised:
        load_roles(path)
    assert raised.value.nl.startswith(f"{path}: emails.x@y.example: municipalities moet een lijst gemeentecodes zijn")


def test_the_person_the_claims_make(settings):
    jansen = actor_for({"email": "j.jansen@utrecht.example"}, settings)
    assert (jansen.role, jansen.scoped) == (Role.viewer, ((Role.advisor, frozenset({UTRECHT})),))
    assert jansen.may(Permission.set_target, UTRECHT) and not jansen.may(Permission.set_target, AMSTERDAM)
    assert not jansen.may(Permission.set_target) and jansen.may(Permission.set_target, somewhere=True)
    assert jansen.may(Permission.view) and jansen.may(Permission.view, AMSTERDAM)  # reading: everywhere
    assert jansen.regions_for(Permission.annotate) == {UTRECHT} and jansen.regions_for(Permission.view) is None
    # A role that holds everywhere is not narrowed by a lower one for some municipalities.
    both = actor_for({"email": "a.de.vries@gemeente.example", "groups": ["raad-utrecht"]}, settings)
    assert (both.role, both.scoped) == (Role.advisor, ())
    # The council role for two municipalities, on top of the default.
    council = actor_for({"email": "r@utrecht.example", "groups": ["raad-utrecht"]}, settings)
    assert council.may(Permission.report, "GM0599") and not council.may(Permission.report, AMSTERDAM)
    assert actor_for({"email": "b@x.example", "groups": ["koers-beheer", "raad-utrecht"]}, settings).scoped == ()


def test_rows_from_the_editor_take_codes_in_any_case_and_order():
    found = settings_from_rows("viewer", "groups", [("j@u.example", "advisor", "gm0599, GM0344 ,GM0344")], [("g", "council", None)])
    assert found.email_scopes == {"j@u.example": (UTRECHT, "GM0599")} and found.group_scopes is None


@pytest.fixture
def store(demo_db, shared_backend):
    with Store.open(demo_db) as opened:
        yield opened


def counts(store: Store) -> tuple[int, ...]:
    return tuple(len(store.records(kind)) for kind in ("annotation", "action", "review_session", "review_item")) + (
        len(store.targets()), len(store.audit_log(LOCAL)))


def refused(write) -> str:
    with pytest.raises(AccessDenied) as raised:
        write()
    return raised.value.nl


def test_an_advisor_of_utrecht_writes_utrechts_records_and_none_of_amsterdams(store):
    jansen = Actor("j.jansen@utrecht.example", "J. Jansen", Role.viewer, ((Role.advisor, frozenset({UTRECHT})),))
    kpi, year = "youth_unemployment", dt.date.today().year + 1
    # Amsterdam's own records, written by someone allowed everywhere.
    action = store.save_record("action", {"region_code": AMSTERDAM, "title": "Jongerenloket", "owner": "Team",
                                        "status": "planned", "kpi_ids": [kpi]}, LOCAL)
    session = store.create_review({"region_code": AMSTERDAM, "year": 2024, "reference_date": dt.date(2025, 1, 1),
                                   "title": "Review Amsterdam"}, pd.DataFrame(columns=["kpi_id"]), LOCAL)
    before = counts(store)

    assert refused(lambda: store.revise_target(kpi, AMSTERDAM, year, 5.0, 0.5, "plan", jansen, None)) == \
        "J. Jansen mag alleen voor GM0344 doelen vaststellen of herzien, niet voor GM0363"
    refused(lambda: store.upsert_targets(pd.DataFrame({"kpi_id": [kpi, kpi], "region_code": [UTRECHT, AMSTERDAM],
                                                       "year": [year, year], "value": [5.0, 6.0]}), "plan", actor=jansen))
    refused(lambda: store.save_record("annotation", {"kpi_id": kpi, "region_code": AMSTERDAM, "period": "2024",
                                                     "kind": "explanation", "text": "x"}, jansen))
    # An Amsterdam action: not changed, not deleted, and not moved to Utrecht either.
    refused(lambda: store.save_record("action", {"status": "done"}, jansen, key=int(action["id"]), version=1))
    refused(lambda: store.save_record("action", {"region_code": UTRECHT}, jansen, key=int(action["id"]), version=1))
    refused(lambda: store.delete_record("action", int(action["id"]), jansen, version=1))
    refused(lambda: store.create_review({"region_code": AMSTERDAM, "year": 2024, "reference_date": dt.date(2025, 1, 1),
                                         "title": "x"}, pd.DataFrame(columns=["kpi_id"]), jansen))
    refused(lambda: store.save_record("review_item", {"session_id": session, "kind": "finding", "text": "x"}, jansen))
    refused(lambda: store.save_record("review_session", {"stage": "do"}, jansen, key=session, version=1))
    assert refused(lambda: store.save_record("governance", {"owner": "x"}, jansen, key="03759ned")) == \
        "J. Jansen (kijker (management)) mag niet de databeheerregistratie wijzigen; vraag een beheerder om een andere rol"
    assert counts(store) == before  # nothing of any refused write, not even an audit entry

    # Utrecht's: all of it.
    store.revise_target(kpi, UTRECHT, year, 5.0, 0.5, "plan", jansen, None)
    store.upsert_targets(pd.DataFrame({"kpi_id": [kpi], "region_code": [UTRECHT], "year": [year + 1], "value": [4.0]}),
                         "plan", actor=jansen)
    store.save_record("annotation", {"kpi_id": kpi, "region_code": UTRECHT, "period": "2024", "kind": "explanation",
                                     "text": "Nieuw jongerenloket"}, jansen)
    own = store.save_record("action", {"region_code": UTRECHT, "title": "Loket", "owner": "Team", "status": "planned",
                                      "kpi_ids": [kpi]}, jansen)
    store.save_record("action", {"status": "doing"}, jansen, key=int(own["id"]), version=1)
    utrecht = store.create_review({"region_code": UTRECHT, "year": 2024, "reference_date": dt.date(2025, 1, 1),
                                   "title": "Review Utrecht"}, pd.DataFrame(columns=["kpi_id"]), jansen)
    store.save_record("review_item", {"session_id": utrecht, "kind": "finding", "text": "Loket werkt"}, jansen)
    after = counts(store)
    assert after[:4] == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1) and after[5] == before[5] + 7
    assert set(store.audit_log(LOCAL).head(7)["role"]) == {"viewer, advisor (GM0344)"}  # the role each write was made in
    mine = store.targets(region=UTRECHT).query("kpi_id == @kpi").set_index("year")["value"]
    assert (mine[year], mine[year + 1]) == (5.0, 4.0)
