"""Roles and permissions (`koers.access`), the roles file (`koers.roles`: read, edited, written with a
version check and an audit entry), the login settings, and the writes that check the role where they happen: the store, the
import, and the KPI definitions. A refused write leaves nothing behind: checked in the files, the
tables and the audit trail afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from koers.dashboard import auth
from koers.sources import uploads
from koers.kpis import versions
from koers.access import (LOCAL, AccessDenied, Actor, Permission, Role, RoleSettings, actor_for, permissions, require,
                          role_for, settings_from_rows)
from koers.errors import Conflict, KoersError
from koers.kpis.library import load_library
from koers.roles import load_roles, read_roles, roles_checksum, save_roles
from koers.store import Store

COUNCIL = Actor("r.raad@gemeente.example", "Rik Raad", Role.council)
ADVISOR = Actor("a.de.vries@gemeente.example", "Anna de Vries", Role.advisor)
ADMIN = Actor("b.beheer@gemeente.example", "Bea Beheer", Role.admin)
VIEWER = Actor("v.kijker@gemeente.example", "Vera Kijker", Role.viewer)
ROLES = """default_role = "viewer"
groups_claim = "roles"

[emails]
"A.de.Vries@Gemeente.example" = "advisor"

[groups]
"koers-raad" = "council"
"koers-beheer" = "admin"
"""
KNOWN = {"population", "average_population"}


def audit(db: Path, entity: str | None = None, after_id: int = 0) -> pd.DataFrame:
    """The audit trail (newest first), of one entity, from after an entry on (the demo's build has some)."""
    with Store.open(db, read_only=True) as store:
        trail = store.audit_log(LOCAL, entity)
    return trail[trail["id"] > after_id].reset_index(drop=True)


def last_audit_id(db: Path) -> int:
    trail = audit(db)
    return int(trail["id"].max()) if not trail.empty else 0


# --- roles and permissions ---------------------------------------------------------------------


def test_each_role_may_what_the_one_before_may_plus_its_own():
    assert permissions(Role.viewer) == {Permission.view}
    assert permissions(Role.council) == {Permission.view, Permission.report}
    assert permissions(Role.advisor) == permissions(Role.council) | {
        Permission.define_kpi, Permission.annotate, Permission.act, Permission.set_target, Permission.review}
    assert permissions(Role.admin) == set(Permission)
    with pytest.raises(AccessDenied) as refused:
        require(COUNCIL, Permission.annotate)
    assert refused.value.nl == "Rik Raad (raadslid) mag niet annotaties schrijven; vraag een beheerder om een andere rol"
    assert refused.value.en == "Rik Raad (council member) may not write annotations; ask an administrator for another role"
    require(ADVISOR, Permission.annotate)  # no exception


def test_the_highest_role_of_e_mail_and_groups_counts_else_the_default(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(ROLES, encoding="utf-8")
    settings = read_roles(path)
    assert settings.emails == {"a.de.vries@gemeente.example": Role.advisor}  # addresses compared case-insensitively
    assert role_for({"email": "A.DE.VRIES@gemeente.example"}, settings) == Role.advisor
    assert role_for({"email": "a.de.vries@gemeente.example", "roles": ["koers-beheer"]}, settings) == Role.admin
    assert role_for({"email": "x@gemeente.example", "roles": "koers-raad"}, settings) == Role.council  # one group as text
    assert role_for({"email": "x@gemeente.example", "groups": ["koers-beheer"]}, settings) == Role.viewer  # other claim
    assert role_for({}, settings) == Role.viewer
    actor = actor_for({"sub": "123", "email": "a.de.vries@gemeente.example", "name": "Anna de Vries"}, settings)
    assert actor == Actor("a.de.vries@gemeente.example", "Anna de Vries", Role.advisor)
    assert actor_for({"sub": "123"}, settings) == Actor("123", "123", Role.viewer)


def test_a_broken_roles_file_is_one_line_naming_the_file(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text('default_role = "king"\n', encoding="utf-8")
    with pytest.raises(KoersError) as raised:
        read_roles(path)
    assert raised.value.en == f"{path}: default_role: unknown role 'king'; choose from viewer, council, advisor, admin"
    path.write_text("[emails\n", encoding="utf-8")
    with pytest.raises(KoersError) as raised:
        read_roles(path)
    assert raised.value.nl.startswith(f"{path}: geen geldige TOML:") and "\n" not in raised.value.nl
    assert load_roles(tmp_path / "missing.toml") == (RoleSettings(emails={}, groups={}), "")


def test_rows_from_the_editor_become_settings_or_one_line_naming_the_bad_row():
    settings = settings_from_rows("council", " groups ", [(" A@Gemeente.example ", "admin"), (None, None), ("", float("nan"))],
                                  [("koers-advies", "advisor")])
    assert settings == RoleSettings(Role.council, "groups", {"a@gemeente.example": Role.admin}, {"koers-advies": Role.advisor})
    refusals = {
        "e-mailadressen: \"A@gemeente.example\" staat er twee keer in":
            ([("a@gemeente.example", "admin"), ("A@gemeente.example", "viewer")], []),
        'e-mailadressen: "koers-beheer" is geen e-mailadres': ([("koers-beheer", "admin")], []),
        'groepen: "koers-advies" heeft geen rol': ([], [("koers-advies", None)]),
        "groepen: een regel met rol admin mist de naam": ([], [(None, "admin")]),
    }
    for message, (emails, groups) in refusals.items():
        with pytest.raises(KoersError) as raised:
            settings_from_rows("viewer", "groups", emails, groups)
        assert raised.value.nl == message
    with pytest.raises(KoersError, match="^vul de naam van de groepenclaim in"):
        settings_from_rows("viewer", " ", [], [])


# --- writing the roles file --------------------------------------------------------------------


def test_an_administrator_writes_the_roles_file_with_an_audit_entry(demo_db, tmp_path):
    path = tmp_path / "config" / "roles.toml"
    first = RoleSettings(Role.viewer, "groups", {"a@gemeente.example": Role.advisor}, {})
    with Store.open(demo_db) as store:
        checksum = save_roles(first, ADMIN, "", store, path)  # "": the editor found no file
    assert checksum == roles_checksum(path) and read_roles(path) == first
    second = RoleSettings(Role.council, "groups", {"a@gemeente.example": Role.admin, 'b"c@gemeente.example': Role.viewer},
                          {"koers-beheer": Role.admin})
    with Store.open(demo_db) as store:
        save_roles(second, ADMIN, checksum, store, path)
    assert read_roles(path) == second  # a quote in an address survives the round trip
    assert not list(path.parent.glob(".*.tmp"))
    trail = audit(demo_db, "roles")
    assert len(trail) == 2
    assert trail["action"].tolist() == ["update", "create"] and set(trail["actor"]) == {ADMIN.id}
    assert trail["entity_id"].tolist() == [str(path)] * 2
    assert pd.isna(trail.iloc[1]["before"])
    assert json.loads(trail.iloc[0]["before"])["emails"] == {"a@gemeente.example": "advisor"}
    assert json.loads(trail.iloc[0]["after"]) == {"default_role": "council", "groups_claim": "groups",
                                                  "emails": {"a@gemeente.example": "admin", 'b"c@gemeente.example': "viewer"},
                                                  "groups": {"koers-beheer": "admin"}}


def test_a_roles_file_broken_by_hand_is_saved_over_and_kept_as_text_in_the_audit_trail(demo_db, tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text('default_role = "koning"\n', encoding="utf-8")  # no such role: unreadable as roles
    with pytest.raises(KoersError):
        load_roles(path)
    checksum = roles_checksum(path)  # what the editor saw: the broken file, by its bytes
    assert checksum
    fixed = RoleSettings(Role.viewer, "groups", {}, {})
    with Store.open(demo_db) as store:
        save_roles(fixed, ADMIN, checksum, store, path)
    assert read_roles(path) == fixed
    assert json.loads(audit(demo_db, "roles").iloc[0]["before"]) == {"text": 'default_role = "koning"\n'}


def test_a_refused_or_stale_roles_save_writes_nothing(demo_db, tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(ROLES, encoding="utf-8")
    settings, checksum = load_roles(path)
    changed = RoleSettings(Role.admin, "roles", {}, {})
    with Store.open(demo_db) as store, pytest.raises(AccessDenied):
        save_roles(changed, ADVISOR, checksum, store, path)
    assert path.read_text(encoding="utf-8") == ROLES

    other = ROLES.replace('"koers-raad" = "council"', '"koers-raad" = "advisor"')
    path.write_text(other, encoding="utf-8")  # another administrator, or a hand edit, after we loaded
    with Store.open(demo_db) as store, pytest.raises(Conflict) as raised:
        save_roles(changed, ADMIN, checksum, store, path)
    assert raised.value.nl == (f"niet opgeslagen: het rollenbestand {path} is intussen gewijzigd; "
                               "laad opnieuw en breng uw wijziging opnieuw aan")
    assert path.read_text(encoding="utf-8") == other
    assert audit(demo_db, "roles").empty


# --- login settings ----------------------------------------------------------------------------

AUTH = {"redirect_uri": "https://koers.gemeente.example/oauth2callback", "cookie_secret": "s" * 40}
PROVIDER = {"client_id": "koers", "client_secret": "geheim", "server_metadata_url": "https://login.example/.well-known/x"}


def test_login_settings_from_the_secrets():
    assert auth.login_settings({}) is None  # no [auth]: local single-user mode
    assert auth.login_settings({"auth": AUTH | PROVIDER}) == auth.LoginSettings((None,))
    named = auth.login_settings({"auth": AUTH | {"entra-id": PROVIDER, "okta": PROVIDER}})
    assert named == auth.LoginSettings(("entra-id", "okta")) and auth.provider_label("entra-id") == "Entra Id"
    # Incomplete is an error, never local mode: a typo must not make everyone an administrator.
    problems = {
        "[auth] lacks cookie_secret": {"redirect_uri": AUTH["redirect_uri"]} | PROVIDER,
        "[auth] lacks client_secret, server_metadata_url": AUTH | {"client_id": "koers"},
        "[auth.okta] lacks server_metadata_url": AUTH | {"okta": {"client_id": "a", "client_secret": "b"}},
        "[auth] lacks client_id, client_secret, server_metadata_url": AUTH,
        "redirect_uri must end in /oauth2callback": AUTH | PROVIDER | {"redirect_uri": "https://koers.example/"},
        "[auth] is empty": {},
    }
    for message, section in problems.items():
        found = auth.login_settings({"auth": section})
        assert found.providers == () and found.problem.en == \
            f"login is not fully configured in secrets.toml: {message}; ask the administrator", message


def test_an_unreadable_secrets_file_lets_nobody_in(monkeypatch, tmp_path):
    class Unreadable(dict):
        def load_if_toml_exists(self) -> bool:  # as Streamlit's secrets answer a file with a TOML error
            return False

    broken = tmp_path / "secrets.toml"
    broken.write_text("[auth\n", encoding="utf-8")
    from streamlit import config

    monkeypatch.setattr(config, "get_option", lambda name: [str(tmp_path / "absent.toml"), str(broken)])
    found = auth.login_settings(Unreadable())
    assert found.providers == () and found.problem.nl == \
        f"het geheimenbestand {broken} is niet te lezen; niemand kan inloggen tot de beheerder het herstelt"
    broken.unlink()  # no secrets file at all: local mode
    assert auth.login_settings(Unreadable()) is None


def test_the_claims_of_the_logged_in_user():
    assert auth.claims({"email": "test@example.com"}) is None
    assert auth.claims({"is_logged_in": False}) is None
    user = {"is_logged_in": True, "email": "a.de.vries@gemeente.example", "name": "Anna", "groups": ["koers-beheer"],
            "tokens": {"id": "x"}, "provider": "default", "origin": "http://127.0.0.1"}
    found = auth.claims(user)
    assert found == {"email": "a.de.vries@gemeente.example", "name": "Anna", "groups": ["koers-beheer"]}
    settings = RoleSettings(Role.viewer, "groups", {}, {"koers-beheer": Role.admin})
    assert auth.actor_for_claims(found, settings) == Actor("a.de.vries@gemeente.example", "Anna", Role.admin)


# --- writes checked where they happen ----------------------------------------------------------


def test_the_store_refuses_a_council_members_annotation_and_leaves_nothing(demo_db):
    annotation = {"kpi_id": "population_growth", "region_code": "GM0363", "period": "2023", "kind": "context",
                  "text": "Nieuwbouwwijk opgeleverd"}
    last = last_audit_id(demo_db)
    with Store.open(demo_db) as store:
        with pytest.raises(AccessDenied):
            store.save_record("annotation", annotation, COUNCIL)
        with pytest.raises(AccessDenied):
            store.save_record("governance", {"owner": "Raad"}, ADVISOR, key="03759ned")
        assert store.records("annotation", include_deleted=True).empty
        assert store.records("governance", include_deleted=True).empty
        saved = store.save_record("annotation", annotation, ADVISOR)
    trail = audit(demo_db, after_id=last)
    assert trail[["actor", "role", "action", "entity", "entity_id"]].values.tolist() == [
        [ADVISOR.id, "advisor", "create", "annotation", str(saved["id"])]]


def test_only_an_administrator_imports(demo_db):
    data = b"indicator;gemeentecode;jaar;waarde\nservice_satisfaction_score;GM0363;2024;7,4\n"
    prepared = uploads.prepare_upload("enquete.csv", data, "own", db=demo_db)
    last = last_audit_id(demo_db)
    with Store.open(demo_db, read_only=True) as store:
        imports_before = len(store.imports())
    for actor in (VIEWER, COUNCIL, ADVISOR):
        with pytest.raises(AccessDenied) as refused:
            uploads.commit_upload(prepared, lambda *_: None, db=demo_db, actor=actor)
        assert refused.value.permission == Permission.import_data
    with Store.open(demo_db, read_only=True) as store:
        assert len(store.imports()) == imports_before
        assert store.observations("service_satisfaction_score", period="2024", all_sources=True).query(
            "source == 'eigen_enquete'").empty
    assert audit(demo_db, after_id=last).empty
    result = uploads.commit_upload(prepared, lambda *_: None, db=demo_db, actor=ADMIN)
    trail = audit(demo_db, after_id=last)
    assert trail[["actor", "entity_id"]].values.tolist() == [[ADMIN.id, str(result.import_id)]]
    assert json.loads(trail.iloc[0]["after"])["rows_new"] == 1


def ratio_form(**changes) -> dict:
    return versions.blank_form() | {
        "id": "inwoners_per_1000_gemiddeld", "title_nl": "Inwoners per 1.000 gemiddelde inwoners",
        "title_en": "Inhabitants per 1,000 average inhabitants", "description_nl": "Een testcijfer.",
        "description_en": "A test figure.", "kind": "output", "unit": "per 1.000 inwoners", "definition_type": "ratio",
        "numerator": "population", "denominator": "average_population", "scale": 1000, "source": "CBS 03759ned",
    } | changes


def test_a_kpi_definition_needs_the_advisor_role_a_current_version_and_is_audited(demo_db, tmp_path, monkeypatch,
                                                                                   shared_backend):
    """In the metrics folder, or in the shared database (`koers.kpis.own.at()` decides by KOERS_DATABASE_URL)."""
    from koers.kpis import own

    monkeypatch.setenv("KOERS_METRICS", str(tmp_path / "metrics"))
    place = own.at()
    assert place.shared == (shared_backend == "postgresql")
    library = load_library(place, KNOWN)
    for actor in (VIEWER, COUNCIL):
        with pytest.raises(AccessDenied):
            versions.save(ratio_form(), library, KNOWN, place, actor.name, actor=actor, db=demo_db)
    assert versions.list_versions(place, "inwoners_per_1000_gemiddeld") == [] and audit(demo_db, "kpi_definition").empty
    assert not (tmp_path / "metrics").exists()

    versions.save(ratio_form(), library, KNOWN, place, ADVISOR.name, actor=ADVISOR, db=demo_db)
    library = load_library(place, KNOWN)
    loaded = versions.latest_version(place, "inwoners_per_1000_gemiddeld")
    assert loaded == 1
    # Someone else saves version 2 while our form still shows version 1.
    versions.save(ratio_form(unit="per 1000 inwoners"), library, KNOWN, place, ADMIN.name, editing="inwoners_per_1000_gemiddeld",
                      actor=ADMIN, based_on=loaded, db=demo_db)
    with pytest.raises(Conflict) as raised:
        versions.save(ratio_form(title_en="Residents per 1,000"), library, KNOWN, place, ADVISOR.name,
                          editing="inwoners_per_1000_gemiddeld", actor=ADVISOR, based_on=loaded, db=demo_db)
    assert raised.value.nl.startswith("niet opgeslagen: KPI inwoners_per_1000_gemiddeld is intussen opgeslagen als versie 2 "
                                      "door Bea Beheer (")
    assert [v.author for v in versions.list_versions(place, "inwoners_per_1000_gemiddeld")] == [ADVISOR.name, ADMIN.name]
    assert load_library(place, KNOWN).kpis["inwoners_per_1000_gemiddeld"].unit == "per 1000 inwoners"
    # the shared database holds them, the folder nothing; on one machine the folder holds them
    assert (tmp_path / "metrics").exists() != place.shared

    trail = audit(demo_db, "kpi_definition")
    assert trail[["actor", "role", "action", "entity_id"]].values.tolist() == [
        [ADMIN.id, "admin", "update", "inwoners_per_1000_gemiddeld"],
        [ADVISOR.id, "advisor", "create", "inwoners_per_1000_gemiddeld"]]
    assert pd.isna(trail.iloc[1]["before"]) and json.loads(trail.iloc[1]["after"])["unit"] == "per 1.000 inwoners"
    assert json.loads(trail.iloc[0]["before"])["unit"] == "per 1.000 inwoners"
    assert json.loads(trail.iloc[0]["after"])["unit"] == "per 1000 inwoners"


def test_the_example_roles_file_in_the_docs_reads_as_documented():
    from conftest import ROOT

    settings = read_roles(ROOT / "docs" / "examples" / "roles.toml")
    assert settings.default_role == Role.viewer and settings.groups_claim == "groups"
    assert role_for({"email": "A.de.Vries@gemeente.example", "groups": ["gemeenteraad"]}, settings) == Role.advisor
    assert role_for({"email": "iemand@gemeente.example", "groups": ["koers-beheer"]}, settings) == Role.admin
    assert role_for({"email": "iemand@gemeente.example"}, settings) == Role.viewer


# --- the engine decides every permission itself, and every write names its actor ---------------


def test_the_store_decides_which_permission_an_audited_file_needs(demo_db):
    """Before, the caller named the permission checked: a viewer could write an audit row by naming `view`."""
    with Store.open(demo_db) as store:
        entries = len(store.audit_log(ADMIN))
        for actor, entity, needed in ((VIEWER, "kpi_definition", Permission.define_kpi),
                                      (COUNCIL, "kpi_definition", Permission.define_kpi),
                                      (ADVISOR, "roles", Permission.manage_users)):
            with pytest.raises(AccessDenied) as refused:
                store.record_audit(actor, "update", entity, "vervalst", None, {"unit": "%"})
            assert refused.value.permission == needed
        with pytest.raises(ValueError):  # an entity without a rule of its own is no way in either
            store.record_audit(ADMIN, "update", "observation", "GM0363", None, {"value": 1})
        store.record_audit(ADVISOR, "update", "kpi_definition", "population_growth", None, {"unit": "%"})
        trail = store.audit_log(ADMIN)
    assert len(trail) == entries + 1
    assert trail.iloc[0][["actor", "role", "entity", "entity_id"]].tolist() == [ADVISOR.id, "advisor", "kpi_definition",
                                                                               "population_growth"]


def test_a_region_list_and_a_failed_import_need_the_import_role_and_name_who(demo_db):
    from koers.sources.registry import Region

    invented = [Region("GM9998", "Verzonnen", "municipality", "PV27", None, None)]
    with Store.open(demo_db) as store:
        imports, entries = len(store.imports()), len(store.audit_log(ADMIN))
        for actor in (VIEWER, COUNCIL, ADVISOR):
            with pytest.raises(AccessDenied):
                store.upsert_regions(invented, "regio's.csv", actor)
            with pytest.raises(AccessDenied):
                store.log_failed_import("file", "kapot.csv", "unreadable", actor)
        assert store.region("GM9998") is None and len(store.imports()) == imports
        assert len(store.audit_log(ADMIN)) == entries
        store.upsert_regions(invented, "regio's.csv", ADMIN)
        failed = store.log_failed_import("file", "kapot.csv", "unreadable", ADMIN)
        assert store.region("GM9998")["name"] == "Verzonnen"
        assert store.imports().set_index("id").loc[failed, "status"] == "failed"
        entry = store.audit_log(ADMIN, "regions").iloc[0]
    assert (entry["actor"], entry["action"], entry["entity_id"]) == (ADMIN.id, "import", "regio's.csv")
    assert json.loads(entry["after"]) == {"regions": 1}


def _functions_with_an_actor():
    """Every function and method of koers (found by walking the package) with a parameter `actor`."""
    import importlib
    import inspect
    import pkgutil

    import koers

    found = {}
    for module_info in pkgutil.walk_packages(koers.__path__, "koers."):
        if module_info.name.endswith("__main__"):  # runs the command line when imported
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            members = [(name, value)]
            if inspect.isclass(value) and value.__module__ == module.__name__:
                members = [(f"{name}.{m}", f) for m, f in vars(value).items() if inspect.isfunction(f)]
            for qualified, function in members:
                if inspect.isfunction(function) and function.__module__ == module.__name__:
                    parameters = inspect.signature(function).parameters
                    if "actor" in parameters:
                        found[f"{module.__name__}.{qualified}"] = parameters["actor"]
    return found


def test_every_write_requires_its_actor_none_defaults_to_the_local_administrator():
    found = _functions_with_an_actor()
    writes = {"koers.store.staging.Staging.commit_import", "koers.store.targets.Targets.upsert_targets",
              "koers.store.targets.Targets.revise_target", "koers.store.examples.ExampleData.remove_examples",
              "koers.store.regions.Regions.upsert_regions", "koers.store.observations.Observations.log_failed_import",
              "koers.store.records.AuditedRecords.save_record", "koers.store.records.AuditedRecords.delete_record",
              "koers.store.records.AuditedRecords.record_audit", "koers.store.reviews.Reviews.create_review",
              "koers.kpis.versions.save", "koers.loop.report.build_html", "koers.loop.report.make_pdf",
              "koers.loop.report.build_pdf", "koers.sources.uploads.commit_upload"}
    assert writes <= set(found), writes - set(found)
    defaulted = sorted(name for name, parameter in found.items() if parameter.default is not parameter.empty)
    assert defaulted == []


def test_a_write_without_an_actor_is_refused_before_anything_happens(demo_db):
    from koers.demo.examples import example_batch

    with Store.open(demo_db) as store:
        counts = store.counts()
        with pytest.raises(TypeError):
            store.remove_examples()
        with pytest.raises(TypeError):
            store.commit_import(example_batch(store))
        with pytest.raises(TypeError):
            store.upsert_targets(pd.DataFrame({"kpi_id": ["population_growth"], "region_code": ["GM0363"], "year": [2026],
                                               "value": [1.0]}), "doelen.csv")
        assert store.counts() == counts
        assert store.remove_examples(ADMIN)["observations"] > 0  # the invented figures were all still there
