"""The Beheer page in AppTest on the demo database (local mode: the one user is administrator):
the roles file edited and saved with a version check and an audit entry, the audit trail filtered
and exported as CSV, and the governance record of a source edited with a version check. Every
check reads back what was written: the roles file, the governance table, the audit trail."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, rendered
from koers.sources.governance import GOVERNANCE_FIELDS, save_governance
from koers.access import LOCAL, Actor, Role
from koers.store import Store

PAGE = ROOT / "pages" / "beheer.py"
OTHER = Actor("c.collega@gemeente.example", "Cor Collega", Role.admin)
ROLES = """default_role = "viewer"
groups_claim = "groups"

[emails]
"a@gemeente.example" = "advisor"

[groups]
"""


@pytest.fixture
def roles(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "roles.toml"
    monkeypatch.setenv("KOERS_ROLES", str(path))
    return path


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What the page offers for download, by file name (AppTest keeps media files in memory)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    offered: dict[str, bytes] = {}

    class Recording(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
            if filename and isinstance(path_or_data, bytes):
                offered[filename] = path_or_data
            return super().load_and_get_id(path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)
    return offered


def audit(db: Path, entity: str | None = None) -> pd.DataFrame:
    with Store.open(db, read_only=True) as store:
        return store.audit_log(LOCAL, entity)


def governance(db: Path, source: str) -> dict | None:
    with Store.open(db, read_only=True) as store:
        rows = store.records("governance", id=source)
    return None if rows.empty else rows.iloc[0].to_dict()


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, *columns: str):
    return next((d.value for d in at.dataframe if set(columns) <= set(d.value.columns)), None)


def edit(at: AppTest, key: str, added: list[dict]) -> None:
    """Rows added in a data editor (AppTest takes the edit state before the run)."""
    at.session_state[key] = {"edited_rows": {}, "added_rows": added, "deleted_rows": []}


@pytest.mark.slow
def test_roles_are_edited_and_saved_with_an_audit_entry(app_on, demo_db, roles):
    at = app_on(demo_db, PAGE)
    assert [tab.label for tab in at.tabs] == ["Gebruikers en rollen", "Auditlogboek", "Databeheer"]
    # the roles file by its name: the server's folders are not shown
    assert any(c.value.startswith("Wie na het inloggen welke rol krijgt, staat in roles.toml:") for c in at.caption)
    assert at.info[0].value.startswith("Er is geen inlog ingesteld: deze rollen gelden pas zodra inloggen is ingesteld.")
    assert [e.value.shape[0] for e in at.data_editor] == [0, 0]  # no roles file yet

    at.selectbox(key="beheer_default_role_0").set_value("council")
    edit(at, "beheer_emails_0", [{"email": " B.Beheer@Gemeente.example ", "role": "admin"}])
    edit(at, "beheer_groups_0", [{"group": "koers-advies", "role": "advisor"}])
    at.button(key="beheer_roles_save").click()
    run(at)
    assert [s.value for s in at.success] == ["Rollen opgeslagen: 1 e-mailadres(sen), 1 groep(en)."]
    assert roles.read_text(encoding="utf-8") == (
        'default_role = "council"\ngroups_claim = "groups"\n\n[emails]\n"b.beheer@gemeente.example" = "admin"\n\n'
        '[groups]\n"koers-advies" = "advisor"\n')
    # The editors show the saved file (a new generation of them).
    assert at.data_editor[0].value.values.tolist() == [["b.beheer@gemeente.example", "admin", ""]]  # for all municipalities
    assert at.selectbox(key="beheer_default_role_1").value == "council"

    entry = audit(demo_db, "roles").iloc[0]
    assert (entry["actor"], entry["role"], entry["action"], entry["entity_id"]) == ("lokaal", "admin", "create", str(roles))
    assert pd.isna(entry["before"])
    # The audit trail keeps the full path; its table on the page names the file only.
    trail = table(at, "Tijdstip", "Wie", "Ervoor", "Erna")
    assert trail.loc[trail["Onderdeel"] == "Rollen", "Sleutel"].tolist() == ["roles.toml"]
    assert str(roles.parent) not in rendered(at) and str(ROOT) not in rendered(at)
    assert json.loads(entry["after"]) == {"default_role": "council", "groups_claim": "groups",
                                          "emails": {"b.beheer@gemeente.example": "admin"},
                                          "groups": {"koers-advies": "advisor"}}


@pytest.mark.slow
def test_a_role_for_some_municipalities_is_saved_and_shown(app_on, demo_db, roles):
    roles.write_text(ROLES, encoding="utf-8")
    at = app_on(demo_db, PAGE)
    assert at.data_editor[0].value.values.tolist() == [["a@gemeente.example", "advisor", ""]]
    edit(at, "beheer_emails_0", [{"email": "j.jansen@utrecht.example", "role": "advisor", "codes": "gm0599; GM0344"}])
    edit(at, "beheer_groups_0", [{"group": "raad-utrecht", "role": "council", "codes": "GM0344"}])
    at.button(key="beheer_roles_save").click()
    run(at)
    assert not at.error, [e.value for e in at.error]
    text = roles.read_text(encoding="utf-8")
    assert '"j.jansen@utrecht.example" = { role = "advisor", municipalities = ["GM0344", "GM0599"] }' in text
    assert '"raad-utrecht" = { role = "council", municipalities = ["GM0344"] }' in text
    assert '"a@gemeente.example" = "advisor"' in text
    # The editors show the file as saved: the codes, sorted, in their column.
    assert at.data_editor[0].value.values.tolist() == [["a@gemeente.example", "advisor", ""],
                                                       ["j.jansen@utrecht.example", "advisor", "GM0344, GM0599"]]
    assert at.data_editor[1].value.values.tolist() == [["raad-utrecht", "council", "GM0344"]]
    after = json.loads(audit(demo_db, "roles").iloc[0]["after"])
    assert after["emails"]["j.jansen@utrecht.example"] == {"role": "advisor", "municipalities": ["GM0344", "GM0599"]}

    # A name that is no municipality's code: one line, nothing written.
    edit(at, "beheer_emails_1", [{"email": "x@utrecht.example", "role": "advisor", "codes": "Utrecht"}])
    at.button(key="beheer_roles_save").click()
    run(at)
    assert [e.value for e in at.error] == ['e-mailadressen: "x@utrecht.example": Utrecht is geen gemeentecode (zoals GM0344)']
    assert roles.read_text(encoding="utf-8") == text


@pytest.mark.slow
def test_a_roles_save_over_a_change_made_meanwhile_is_refused(app_on, demo_db, roles):
    roles.write_text(ROLES, encoding="utf-8")
    at = app_on(demo_db, PAGE)
    assert at.data_editor[0].value.values.tolist() == [["a@gemeente.example", "advisor", ""]]
    other = ROLES.replace('"advisor"', '"admin"')
    roles.write_text(other, encoding="utf-8")  # another administrator saved after we opened the page

    edit(at, "beheer_groups_0", [{"group": "koers-raad", "role": "council"}])
    at.button(key="beheer_roles_save").click()
    run(at)
    assert [e.value for e in at.error] == [
        "niet opgeslagen: het rollenbestand roles.toml is intussen gewijzigd; laad opnieuw en breng uw wijziging opnieuw aan"]
    assert str(roles.parent) not in rendered(at)
    assert roles.read_text(encoding="utf-8") == other and audit(demo_db, "roles").empty

    at.button(key="beheer_roles_reload").click()
    run(at)
    assert at.data_editor[0].value.values.tolist() == [["a@gemeente.example", "admin", ""]]  # their change, to build on


@pytest.mark.slow
def test_a_bad_row_is_one_line_and_nothing_is_written(app_on, demo_db, roles):
    at = app_on(demo_db, PAGE)
    edit(at, "beheer_emails_0", [{"email": "a@gemeente.example", "role": "admin"},
                                 {"email": "A@gemeente.example", "role": "viewer"}])
    at.button(key="beheer_roles_save").click()
    run(at)
    assert [e.value for e in at.error] == ['e-mailadressen: "A@gemeente.example" staat er twee keer in']
    edit(at, "beheer_emails_0", [{"role": "admin"}, {}])  # a row with only a role; an empty row is left out
    at.button(key="beheer_roles_save").click()
    run(at)
    assert [e.value for e in at.error] == ["e-mailadressen: een regel met rol admin mist de naam"]
    assert not roles.exists() and audit(demo_db, "roles").empty


@pytest.mark.slow
def test_governance_is_edited_with_a_version_check(app_on, demo_db, roles):
    at = app_on(demo_db, PAGE)
    overview = table(at, "Bron", "Eigenaar", "Privacyklasse")
    with Store.open(demo_db, read_only=True) as store:
        sources = store.source_tables()
    assert sorted(overview["Bron"]) == sorted(sources) and set(overview["Laatst gewijzigd"]) == {"geen registratie"}

    at.selectbox(key="beheer_gov_source").set_value("03759ned")
    run(at)
    assert at.text_input(key="beheer_gov_licence").value == "CC BY 4.0 (Bron: CBS)"  # a first record starts from the import's licence
    assert any(c.value == "Nog geen registratie; opslaan maakt versie 1." for c in at.caption)
    values = {"owner": "Team Onderzoek en Statistiek", "legal_basis": "openbare statistiek (CBS-wet)",
              "retention": "onbeperkt", "refresh_schedule": "jaarlijks in maart"}
    for name, value in values.items():
        at.text_input(key=f"beheer_gov_{name}").input(value)
    at.selectbox(key="beheer_gov_privacy_class").set_value("open")
    at.button(key="beheer_gov_save").click()
    run(at)
    assert [s.value for s in at.success] == ["Databeheer van 03759ned opgeslagen."]
    record = governance(demo_db, "03759ned")
    assert {k: record[k] for k in GOVERNANCE_FIELDS} == values | {"licence": "CC BY 4.0 (Bron: CBS)", "privacy_class": "open"}
    assert (record["version"], record["updated_by"]) == (1, "Lokale gebruiker")
    row = table(at, "Bron", "Eigenaar").set_index("Bron").loc["03759ned"]
    assert (row["Eigenaar"], row["Privacyklasse"]) == ("Team Onderzoek en Statistiek", "geen persoonsgegevens")
    entry = audit(demo_db, "governance").iloc[0]
    assert (entry["action"], entry["entity_id"], pd.isna(entry["before"])) == ("create", "03759ned", True)
    assert json.loads(entry["after"])["owner"] == "Team Onderzoek en Statistiek"

    # A colleague saves version 2 while this form still holds version 1: our save is refused.
    save_governance("03759ned", {"owner": "Afdeling Informatievoorziening"}, OTHER, 1, db=demo_db)
    at.text_input(key="beheer_gov_retention").input("10 jaar")
    at.button(key="beheer_gov_save").click()
    run(at)
    assert len(at.error) == 1 and at.error[0].value.startswith(
        "niet opgeslagen: governance 03759ned is intussen gewijzigd door Cor Collega (")
    record = governance(demo_db, "03759ned")
    assert (record["version"], record["owner"], record["retention"]) == (2, "Afdeling Informatievoorziening", "onbeperkt")
    assert len(audit(demo_db, "governance")) == 2

    at.button(key="beheer_gov_reload").click()
    run(at)
    assert at.text_input(key="beheer_gov_owner").value == "Afdeling Informatievoorziening"
    assert any(c.value == "Registratie versie 2" for c in at.caption)


@pytest.mark.slow
def test_the_audit_trail_is_filtered_and_exported(app_on, demo_db, roles, downloads):
    save_governance("03759ned", {"owner": "Team O&S"}, OTHER, None, db=demo_db)
    save_governance("84799NED", {"owner": "Team O&S"}, LOCAL, None, db=demo_db)
    at = app_on(demo_db, PAGE)
    everything = audit(demo_db)
    shown = table(at, "Tijdstip", "Wie", "Ervoor", "Erna")
    assert shown["Nr"].tolist() == everything["id"].tolist()
    assert any(c.value == f"{len(everything)} van {len(everything)} regels" for c in at.caption)

    at.multiselect(key="beheer_audit_entity").set_value(["governance"])
    at.multiselect(key="beheer_audit_actor").set_value([OTHER.id])
    run(at)
    shown = table(at, "Tijdstip", "Wie", "Ervoor", "Erna")
    assert shown[["Wie", "Rol", "Actie", "Onderdeel", "Sleutel"]].values.tolist() == [
        [f"Cor Collega ({OTHER.id})", "beheerder", "aangemaakt", "Databeheer", "03759ned"]]  # the action in words
    assert json.loads(shown.iloc[0]["Erna"])["owner"] == "Team O&S"

    exported = next(data for name, data in downloads.items() if name.startswith("koers-audit-"))
    frame = pd.read_csv(io.BytesIO(exported), sep=";", encoding="utf-8-sig")
    assert frame[["actor", "actor_name", "role", "action", "entity", "entity_id"]].values.tolist() == [
        [OTHER.id, "Cor Collega", "admin", "create", "governance", "03759ned"]]
    assert json.loads(frame.iloc[0]["after"])["owner"] == "Team O&S" and pd.isna(frame.iloc[0]["before"])

    before = pd.Timestamp(everything["logged_at"].min()).date() - dt.timedelta(days=7)
    at.date_input(key="beheer_audit_dates").set_value((before, before + dt.timedelta(days=1)))
    run(at)
    assert any(c.value == f"0 van {len(everything)} regels" for c in at.caption)


def test_the_page_in_english(app_on, demo_db, roles):
    at = app_on(demo_db, PAGE)
    at.session_state["taal"] = "en"
    run(at)
    assert at.title[0].value == "Administration"
    assert [tab.label for tab in at.tabs] == ["Users and roles", "Audit trail", "Data governance"]
    assert table(at, "Source", "Owner", "Privacy class") is not None


@pytest.mark.slow
def test_governance_is_shown_next_to_each_source_on_the_data_page(app_on, demo_db, roles):
    save_governance("03759ned", {"owner": "Team O&S", "privacy_class": "open", "retention": "onbeperkt"},
                    LOCAL, None, db=demo_db)
    at = app_on(demo_db, ROOT / "pages" / "data.py")
    quality = table(at, "Indicator", "Bronnen", "Databeheer")
    # population comes from six of the demo's sources
    assert set(quality.loc[quality["Bronnen"] == "03759ned, 70072ned", "Databeheer"]) == {
        "03759ned: Team O&S · geen persoonsgegevens; 70072ned: geen registratie"}
    assert set(quality.loc[quality["Indicator"] == "Bevolking op 1 januari (population)", "Databeheer"]) == {
        "03759ned: Team O&S · geen persoonsgegevens; 70072ned: geen registratie; 84799NED: geen registratie; "
        "85984NED: geen registratie; gebieden: geen registratie; kwb-pdok: geen registratie"}
    sources = table(at, "Bron", "Eigenaar", "Bewaartermijn", "Laatste import").set_index("Bron")
    assert sources.loc["03759ned", ["Eigenaar", "Privacyklasse", "Bewaartermijn"]].tolist() == [
        "Team O&S", "geen persoonsgegevens", "onbeperkt"]
    assert sources.loc["03759ned", "Licentie"] == "CC BY 4.0 (Bron: CBS)"  # from the import, none recorded
    assert sources.loc["84799NED", "Eigenaar"] == "geen registratie"
    with Store.open(demo_db, read_only=True) as store:
        assert sorted(sources.index) == sorted(store.source_tables())
