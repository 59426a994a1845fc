"""Login and roles in AppTest: the dashboard with a login provider configured (`at.secrets`) and a
logged-in user (`at.user`) per role, with the roles from a temporary roles file.

For each role what it may do works, and what it may not is refused twice: the page says so, and the
write itself is refused in `koers` (store, import, KPI definitions) with nothing left behind. The
real login against a provider is in `tests/e2e/test_login.py`.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, navigation
from koers.sources import uploads
from koers import i18n
from koers.kpis import versions
from koers.access import LOCAL, AccessDenied, Actor, Role
from koers.kpis.library import load_library
from koers.settings import metrics_folder
from koers.store import Store

APP = str(ROOT / "app.py")
PAGES = ROOT / "pages"
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "k" * 48, "client_id": "koers",
        "client_secret": "geheim", "server_metadata_url": "http://localhost:9/.well-known/openid-configuration"}
ROLES = """default_role = "viewer"
groups_claim = "groups"

[emails]
"a.de.vries@gemeente.example" = "advisor"

[groups]
"koers-raad" = "council"
"koers-beheer" = "admin"
"""
USERS = {  # as st.user has them after a login: Streamlit's is_logged_in plus the ID token's claims
    Role.viewer: {"is_logged_in": True, "sub": "1", "email": "v.kijker@gemeente.example", "name": "Vera Kijker"},
    Role.council: {"is_logged_in": True, "sub": "2", "email": "r.raad@gemeente.example", "name": "Rik Raad",
                   "groups": ["koers-raad"]},
    Role.advisor: {"is_logged_in": True, "sub": "3", "email": "A.de.Vries@gemeente.example", "name": "Anna de Vries"},
    Role.admin: {"is_logged_in": True, "sub": "4", "email": "b.beheer@gemeente.example", "name": "Bea Beheer",
                 "groups": ["medewerkers", "koers-beheer"]},
}
GOOD = b"indicator;gemeentecode;jaar;waarde\nservice_satisfaction_score;GM0363;2024;7,4\n"
LOCAL_BANNER = "Lokale modus"


@pytest.fixture
def start(monkeypatch, tmp_path, demo_db):
    """The dashboard logged in as `user` (a dict as `st.user`), optionally on a page."""
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES, encoding="utf-8")
    monkeypatch.setenv("KOERS_ROLES", str(roles))
    monkeypatch.setenv("KOERS_DB", str(demo_db))
    monkeypatch.setenv("KOERS_METRICS", str(tmp_path / "metrics"))

    def run(user: dict, page: str | None = None, secrets: dict | None = None, **query: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        at.secrets["auth"] = AUTH if secrets is None else secrets
        at.user = user
        for key, value in query.items():
            at.query_params[key] = value
        rerun(at)
        if page is not None:
            at.switch_page(f"pages/{page}.py")
            rerun(at)
        return at

    return run


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def actor_of(at: AppTest) -> Actor:
    return at.session_state["koers_actor"]


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def table(at: AppTest, *columns: str):
    return next((d.value for d in at.dataframe if set(columns) <= set(d.value.columns)), None)


def audit(db: Path, after_id: int = 0) -> pd.DataFrame:
    with Store.open(db, read_only=True) as store:
        trail = store.audit_log(LOCAL)
    return trail[trail["id"] > after_id].reset_index(drop=True)


def last_id(db: Path) -> int:
    return int(audit(db)["id"].max())


# --- before and around the login ---------------------------------------------------------------


def test_the_login_screen_is_all_there_is_before_a_login(start):
    at = start({"is_logged_in": False})
    assert [t.value for t in at.title] == ["Koers — inloggen"]
    assert [b.label for b in at.button] == ["Inloggen"]
    assert not any(s.key == "gemeente" for s in at.selectbox)  # no dashboard, no data
    assert not any(LOCAL_BANNER in m for m in markdown(at)) and "koers_actor" not in at.session_state

    at = start({"is_logged_in": False}, taal="en")
    assert [t.value for t in at.title] == ["Koers — log in"] and [b.label for b in at.button] == ["Log in"]

    named = start({"is_logged_in": False}, secrets={key: AUTH[key] for key in ("redirect_uri", "cookie_secret")}
                  | {"entra": {key: AUTH[key] for key in ("client_id", "client_secret", "server_metadata_url")}})
    assert [b.label for b in named.button] == ["Inloggen met Entra"]


def test_an_incomplete_login_configuration_lets_nobody_in(start):
    at = start(USERS[Role.admin], secrets={key: value for key, value in AUTH.items() if key != "cookie_secret"})
    assert [e.value for e in at.error] == [
        "inloggen is onvolledig ingesteld in secrets.toml: [auth] mist cookie_secret; vraag de beheerder"]
    assert not at.title and not any(s.key == "gemeente" for s in at.selectbox)
    assert not any(LOCAL_BANNER in m for m in markdown(at)) and "koers_actor" not in at.session_state


def test_a_broken_roles_file_lets_nobody_in(start, tmp_path):
    (tmp_path / "roles.toml").write_text('[emails]\n"x@y.nl" = "koning"\n', encoding="utf-8")
    at = start(USERS[Role.admin])
    assert len(at.error) == 1 and "onbekende rol 'koning'" in at.error[0].value
    assert "koers_actor" not in at.session_state


def test_every_page_is_in_the_navigation_once_at_an_address_of_its_own():
    """The login screen answers at the navigation's addresses; each differs from its file's name
    (Streamlit's older pages/ mechanism would run a page by its file name without the frame)."""
    table = navigation()
    files = [file for file, *_ in table]
    paths = [path for *_, path in table]
    assert sorted(files) == sorted(p.stem for p in (ROOT / "pages").glob("*.py")) and len(files) >= 2  # found, not listed
    assert len(set(paths)) == len(paths) and not set(paths) & set(files)


def test_local_mode_has_a_banner_and_the_local_administrator(app_on, demo_shared):
    at = app_on(demo_shared)
    assert any(m.startswith(":orange-background[:material/warning: **Lokale modus:** geen inlog ingesteld — iedereen werkt "
                            "als beheerder.") for m in markdown(at))
    assert actor_of(at) == LOCAL and not any(b.key == "logout" for b in at.button)


@pytest.mark.slow
def test_logging_out_ends_in_the_login_screen(start):
    at = start(USERS[Role.admin])
    at.button(key="logout").click()
    rerun(at)
    assert at.user == {"is_logged_in": False} and "koers_actor" not in at.session_state
    rerun(at)
    assert [t.value for t in at.title] == ["Koers — inloggen"]


# --- per role ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_council_member_reads_review_sessions_and_writes_nothing(start, demo_db):
    at = start(USERS[Role.council])
    council = actor_of(at)
    assert council == Actor("r.raad@gemeente.example", "Rik Raad", Role.council)
    assert "Ingelogd als **Rik Raad**" in markdown(at)
    assert any(c.value == "Rol: raadslid" for c in at.caption)
    assert any(b.key == "logout" and b.label == "Uitloggen" for b in at.button)
    assert not any(LOCAL_BANNER in m for m in markdown(at))

    review = start(USERS[Role.council], "review")
    assert review.title[0].value == i18n.text("nl", "review_page.title", municipality="Amsterdam")
    assert not review.error and not any(i.value.startswith("U bekijkt Koers als") for i in review.info)

    beheer = start(USERS[Role.council], "beheer")
    assert [e.value for e in beheer.error] == ["Beheer is alleen voor beheerders; u bent ingelogd als Rik Raad (raadslid)."]
    assert not beheer.tabs and not beheer.data_editor

    data = start(USERS[Role.council], "data")
    assert data.info[0].value.startswith("Importeren vraagt de rol beheerder; u bent ingelogd als Rik Raad (raadslid).")
    data.file_uploader(key="data_file_own").set_value(("enquete.csv", GOOD, "text/csv"))
    rerun(data)
    assert data.button(key="data_commit").disabled

    # The writes themselves refuse, whatever a page showed: nothing is left behind.
    last = last_id(demo_db)
    with Store.open(demo_db) as store:
        with pytest.raises(AccessDenied):
            store.save_record("annotation", {"kpi_id": "population_growth", "region_code": "GM0363", "period": "2023",
                                             "kind": "context", "text": "Raadsvraag"}, council)
        assert store.records("annotation", include_deleted=True).empty
    prepared = uploads.prepare_upload("enquete.csv", GOOD, "own", db=demo_db)
    with pytest.raises(AccessDenied):
        uploads.commit_upload(prepared, lambda *_: None, db=demo_db, actor=council)
    with Store.open(demo_db, read_only=True) as store:
        assert store.observations("service_satisfaction_score", all_sources=True).query("source == 'eigen_enquete'").empty
    assert audit(demo_db, last).empty


@pytest.mark.slow
def test_a_viewer_may_not_save_a_kpi(start):
    at = start(USERS[Role.viewer], "studio")
    assert actor_of(at).role == Role.viewer
    assert any(i.value.startswith("Opslaan vraagt de rol beleidsadviseur of hoger; u bent ingelogd als Vera Kijker "
                                  "(kijker (management)).") for i in at.info)
    assert at.button(key="studio_save").disabled
    review = start(USERS[Role.viewer], "review")
    assert any(i.value.startswith("U bekijkt Koers als kijker (management)") for i in review.info)


@pytest.mark.slow
def test_an_advisor_saves_a_kpi_definition_in_her_name_but_does_not_import(start, demo_db, tmp_path):
    at = start(USERS[Role.advisor], "studio")
    advisor = actor_of(at)
    assert advisor == Actor("A.de.Vries@gemeente.example", "Anna de Vries", Role.advisor)  # role by e-mail, any case
    assert any(c.value == "Wordt opgeslagen op naam van Anna de Vries (beleidsadviseur)." for c in at.caption)
    assert not any(t.key == "studio_author" for t in at.text_input)  # the name comes from the login
    last = last_id(demo_db)
    at.selectbox(key="studio_choice").set_value("population_growth")
    rerun(at)
    at.text_input(key="studio_unit").input("% per jaar")
    rerun(at)
    at.button(key="studio_save").click()
    rerun(at)
    folder = metrics_folder()
    assert any(s.value.startswith("Versie 2 van population_growth opgeslagen") for s in at.success), [e.value for e in at.error]
    saved = versions.list_versions(folder, "population_growth")
    assert [(v.number, v.author) for v in saved] == [(1, None), (2, "Anna de Vries")]
    trail = audit(demo_db, last)
    assert trail[["actor", "role", "action", "entity", "entity_id"]].values.tolist() == [
        [advisor.id, "advisor", "update", "kpi_definition", "population_growth"]]
    # the Dutch unit changed, the English one kept
    assert json.loads(trail.iloc[0]["before"])["unit"] == {"nl": "% in het jaar", "en": "% in the year"}
    assert json.loads(trail.iloc[0]["after"])["unit"] == {"nl": "% per jaar", "en": "% in the year"}

    # A colleague saves version 3; the form still holds version 2: the second save is refused.
    with Store.open(demo_db, read_only=True) as store:
        known = store.known_indicator_ids()
    library = load_library(folder, known)
    form = versions.form_of(library.kpis["population_growth"]) | {"owner": "Team Wonen"}
    versions.save(form, library, known, folder, "Cor Collega", editing="population_growth",
                      actor=Actor("c@gemeente.example", "Cor Collega", Role.advisor), based_on=2, db=demo_db)
    at.text_input(key="studio_unit").input("procent per jaar")
    rerun(at)
    at.button(key="studio_save").click()
    rerun(at)
    assert at.error[-1].value.startswith("niet opgeslagen: KPI population_growth is intussen opgeslagen als versie 3 door "
                                         "Cor Collega (")
    assert [v.author for v in versions.list_versions(folder, "population_growth")] == [None, "Anna de Vries", "Cor Collega"]
    assert len(audit(demo_db, last)) == 2

    data = start(USERS[Role.advisor], "data")
    assert data.info[0].value.startswith("Importeren vraagt de rol beheerder")
    prepared = uploads.prepare_upload("enquete.csv", GOOD, "own", db=demo_db)
    with pytest.raises(AccessDenied):
        uploads.commit_upload(prepared, lambda *_: None, db=demo_db, actor=advisor)
    assert len(audit(demo_db, last)) == 2


@pytest.mark.slow
def test_an_administrator_edits_governance_and_exports_the_audit_trail(start, demo_db, monkeypatch):
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    offered: dict[str, bytes] = {}

    class Recording(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
            if filename and isinstance(path_or_data, bytes):
                offered[filename] = path_or_data
            return super().load_and_get_id(path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)
    at = start(USERS[Role.admin], "beheer")
    admin = actor_of(at)
    assert admin == Actor("b.beheer@gemeente.example", "Bea Beheer", Role.admin)
    assert [tab.label for tab in at.tabs] == ["Gebruikers en rollen", "Auditlogboek", "Databeheer"]
    assert not any(i.value.startswith("Er is geen inlog ingesteld") for i in at.info)
    at.selectbox(key="beheer_gov_source").set_value("84799NED")
    rerun(at)
    at.text_input(key="beheer_gov_owner").input("Team Onderzoek en Statistiek")
    at.text_input(key="beheer_gov_refresh_schedule").input("jaarlijks")
    at.button(key="beheer_gov_save").click()
    rerun(at)
    assert [s.value for s in at.success] == ["Databeheer van 84799NED opgeslagen."]
    with Store.open(demo_db, read_only=True) as store:
        record = store.records("governance", id="84799NED").iloc[0]
    assert (record["owner"], record["refresh_schedule"], record["updated_by"], record["version"]) == (
        "Team Onderzoek en Statistiek", "jaarlijks", "Bea Beheer", 1)

    at.multiselect(key="beheer_audit_actor").set_value([admin.id])
    rerun(at)
    exported = next(data for name, data in offered.items() if name.startswith("koers-audit-"))
    rows = pd.read_csv(io.BytesIO(exported), sep=";", encoding="utf-8-sig")
    assert rows[["actor", "actor_name", "role", "action", "entity", "entity_id"]].values.tolist() == [
        [admin.id, "Bea Beheer", "admin", "create", "governance", "84799NED"]]
    after = json.loads(rows.iloc[0]["after"])
    assert (after["owner"], after["version"], after["updated_by"]) == ("Team Onderzoek en Statistiek", 1, "Bea Beheer")
    assert pd.notna(rows.iloc[0]["logged_at"])
