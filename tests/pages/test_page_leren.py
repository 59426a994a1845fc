"""The Leren page in AppTest on the demo database: what is written through its forms is in the
store and shows up where it should (the KPI chart, the overview), a stale save is refused with the
conflict message and writes nothing, and a council member sees no forms and cannot write anyway."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import numpy as np
import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from koers import i18n, present
from koers.loop import learning
from koers.access import LOCAL, AccessDenied, Actor, Role, RoleSettings
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.settings import metrics_folder
from koers.store import Store

PAGE = ROOT / "pages" / "leren.py"
KPI_PAGE = "pages/kpi.py"
OVERVIEW_PAGE = "pages/overzicht.py"
ADVISOR = Actor("a.de.vries@gemeente.nl", "A. de Vries", Role.advisor)
COUNCIL = Actor("r.raadslid@gemeente.nl", "R. Raadslid", Role.council)
COLLEAGUE = Actor("b.jansen@gemeente.nl", "B. Jansen", Role.advisor)
UTRECHT_ADVISOR = Actor("j.jansen@utrecht.example", "J. Jansen", Role.viewer, ((Role.advisor, frozenset({"GM0344"})),))
# A login provider in the secrets: the frame then takes the person from st.user (koers.dashboard.auth).
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only", "client_id": "koers",
        "client_secret": "test-only", "server_metadata_url": "http://localhost:9/.well-known/openid-configuration"}
KPI = "service_satisfaction"  # Waardering dienstverlening gemeente


def library(db: Path):
    with Store.open(db, read_only=True) as store:
        return load_library(metrics_folder(), store.known_indicator_ids())


def audit_count(db: Path) -> int:
    with Store.open(db, read_only=True) as store:
        return len(store.audit_log(LOCAL))


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def chart(at: AppTest, trace_name: str) -> dict:
    """The plotly figure (as JSON) with a trace of this name."""
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if any(trace.get("name") == trace_name for trace in spec["data"]):
            return spec
    raise AssertionError(f"no chart with a trace {trace_name!r}")


def array(value: object) -> list:
    """A plotly array from the figure's JSON: a list, or numbers packed as {"dtype", "bdata"}."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def trace(spec: dict, name: str) -> dict:
    return next(tr for tr in spec["data"] if tr.get("name") == name)


def table(at: AppTest, *columns: str):
    return next((d.value for d in at.dataframe if set(columns) <= set(d.value.columns)), None)


@pytest.fixture(autouse=True)
def roles(monkeypatch, tmp_path):
    """The roles file: each test person's e-mail address with their role."""
    path = tmp_path / "roles.toml"
    path.write_text(RoleSettings(emails={a.id: a.role for a in (ADVISOR, COUNCIL, COLLEAGUE)} | {UTRECHT_ADVISOR.id: Role.advisor},
                                 groups={}, email_scopes={UTRECHT_ADVISOR.id: ("GM0344",)}).as_toml(), encoding="utf-8")
    monkeypatch.setenv("KOERS_ROLES", str(path))


def log_in(at: AppTest, actor: Actor) -> None:
    """From the next run on, `actor` is logged in as the frame sees it: a provider configured, the
    ID token's claims in st.user, the role from the roles file."""
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": actor.id, "name": actor.name}


def as_user(at: AppTest, actor: Actor) -> AppTest:
    log_in(at, actor)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["koers_actor"] == actor
    return at


@pytest.mark.slow
def test_an_advisor_for_utrecht_gets_the_forms_for_utrecht_only(app_on, demo_db):
    at = as_user(app_on(demo_db, PAGE, gemeente="GM0344", jaar="2024"), UTRECHT_ADVISOR)  # from the roles file
    assert [h.value for h in at.header] == ["Annotaties", "Acties", "Doelen"]
    assert not any("mag alleen" in i.value or "U bekijkt" in i.value for i in at.info), [i.value for i in at.info]
    assert {"leren_ann_text", "leren_act_title"} <= {w.key for w in [*at.text_area, *at.text_input]}
    assert "Rol: kijker (management); beleidsadviseur voor GM0344" in [c.value for c in at.sidebar.caption]
    at.selectbox(key="leren_ann_kpi").set_value(KPI)
    at.text_input(key="leren_ann_period").input("2023")
    at.text_area(key="leren_ann_text").input("Loket Utrecht open")
    at.button(key="leren_ann_save").click().run()
    assert not at.exception and not errors(at), errors(at)
    with Store.open(demo_db, read_only=True) as store:
        saved = store.records("annotation", region_code="GM0344")
    assert saved["text"].tolist() == ["Loket Utrecht open"] and saved["created_by"].tolist() == ["J. Jansen"]

    at.sidebar.selectbox(key="gemeente").set_value("GM0363").run()  # Amsterdam: reading only, and why
    assert [i.value for i in at.info][:1] == [present.plain("J. Jansen mag alleen voor GM0344 annotaties schrijven, niet voor GM0363")]
    assert not {"leren_ann_text", "leren_act_title"} & {w.key for w in [*at.text_area, *at.text_input]}


@pytest.mark.slow
def test_an_annotation_from_the_form_is_stored_and_drawn_on_the_kpi_chart(app_on, demo_db, shared_backend):
    at = as_user(app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024"), ADVISOR)
    assert [h.value for h in at.header] == ["Annotaties", "Acties", "Doelen"]
    at.selectbox(key="leren_ann_kpi").set_value(KPI)
    at.text_input(key="leren_ann_period").input("2023")
    at.selectbox(key="leren_ann_kind").set_value("explanation")
    at.text_area(key="leren_ann_text").input("Nieuwe digitale balie sinds maart")
    at.button(key="leren_ann_save").click()
    at.run()
    assert not at.exception and not errors(at), errors(at)

    with Store.open(demo_db, read_only=True) as store:
        stored = learning.annotations(store, "GM0363")
    assert len(stored) == 1
    with duckdb.connect(str(demo_db), read_only=True) as con:  # on PostgreSQL, nothing in the file
        assert con.execute("SELECT count(*) FROM annotation").fetchone()[0] == (shared_backend == "duckdb")
    note = stored.iloc[0]
    assert (note["kpi_id"], note["period"], note["kind"], note["text"]) == (KPI, "2023", "explanation", "Nieuwe digitale balie sinds maart")
    assert (note["created_by"], int(note["version"])) == ("A. de Vries", 1)
    listed = table(at, "KPI", "Periode", "Soort", "Tekst")
    assert listed["Tekst"].tolist() == ["Nieuwe digitale balie sinds maart"] and listed["Soort"].tolist() == ["verklaring"]
    assert at.text_area(key="leren_ann_text").value == "", "the form is blank again for the next one"

    # On the KPI chart: a mark at 2023, on the line's value there, with the text on hover.
    with Store.open(demo_db, read_only=True) as store:
        results = evaluate(store, library(demo_db))
    value_2023 = results[(results["kpi_id"] == KPI) & (results["region_code"] == "GM0363") & (results["period"] == "2023")]["value"].iloc[0]
    at.query_params["kpi"] = KPI
    at.switch_page(KPI_PAGE).run()
    assert not at.exception and not errors(at), errors(at)
    spec = chart(at, "Annotaties")
    marks = trace(spec, "Annotaties")
    assert array(marks["x"]) == ["2023"] and array(marks["y"]) == [pytest.approx(value_2023)]
    assert array(marks["hovertext"]) == ["2023 · verklaring: Nieuwe digitale balie sinds maart"]
    assert any(shape.get("type") == "line" and shape.get("x0") == "2023" for shape in spec["layout"].get("shapes", []))
    assert table(at, "Periode", "Soort", "Tekst", "Door")["Tekst"].tolist() == ["Nieuwe digitale balie sinds maart"]

    # On the overview: the KPI's card says it has an annotation, and the latest text.
    at.switch_page(OVERVIEW_PAGE).run()
    assert any("1 annotatie(s)" in m.value and "laatste (2023): Nieuwe digitale balie sinds maart" in m.value for m in at.markdown)


@pytest.mark.slow
def test_an_overdue_action_from_the_form_is_flagged_and_shown_on_the_overview(app_on, demo_db):
    at = as_user(app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024"), ADVISOR)
    due = dt.date.today() - dt.timedelta(days=30)
    at.text_input(key="leren_act_title").input("Wachttijd balie halveren")
    at.text_input(key="leren_act_owner").input("Team Publiekszaken")
    at.date_input(key="leren_act_due").set_value(due)
    at.multiselect(key="leren_act_kpis").set_value([KPI, "digital_service_satisfaction"])
    at.text_area(key="leren_act_effect").input("Waardering 0,3 hoger in 2025")
    at.button(key="leren_act_save").click()
    at.run()
    assert not at.exception and not errors(at), errors(at)

    with Store.open(demo_db, read_only=True) as store:
        stored = learning.actions(store, "GM0363")
    assert len(stored) == 1
    action = stored.iloc[0]
    assert action["title"] == "Wachttijd balie halveren" and action["owner"] == "Team Publiekszaken"
    assert action["kpi_ids"] == [KPI, "digital_service_satisfaction"] and action["status"] == "planned"
    assert action["due_date"].date() == due and bool(action["overdue"])
    listed = table(at, "Let op", "Titel", "Einddatum")
    assert listed["Let op"].tolist() == [f"{present.OVERDUE_MARK} verlopen"] and listed["Einddatum"].tolist() == [due.strftime("%d-%m-%Y")]
    assert any("1 verlopen actie(s)" in w.value for w in at.warning)

    at.switch_page(OVERVIEW_PAGE).run()
    box = next(w.value for w in at.warning if "verlopen actie" in w.value)
    assert "Wachttijd balie halveren" in box and "Team Publiekszaken" in box and due.strftime("%d-%m-%Y") in box
    lib = library(demo_db)
    assert lib.kpis[KPI].title.nl in box and lib.kpis["digital_service_satisfaction"].title.nl in box

    # Done: no longer overdue, the box goes away.
    at.switch_page(str(PAGE.relative_to(ROOT))).run()
    at.selectbox(key="leren_act_pick").set_value(int(action["id"]))
    at.run()
    assert at.text_input(key="leren_act_title").value == "Wachttijd balie halveren"
    at.selectbox(key="leren_act_status").set_value("done")
    at.button(key="leren_act_save").click()
    at.run()
    assert not errors(at), errors(at)
    at.switch_page(OVERVIEW_PAGE).run()
    assert not any("verlopen actie" in w.value for w in at.warning)


@pytest.mark.slow
def test_a_target_revision_keeps_its_history_and_needs_a_reason(app_on, demo_db, shared_backend):
    with Store.open(demo_db, read_only=True) as store:
        before = store.targets(kpi_id=KPI, region="GM0363").set_index("year")
    original = float(before.at[2026, "value"])
    at = as_user(app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024"), ADVISOR)
    at.selectbox(key="leren_tgt_kpi").set_value(KPI)
    at.run()
    at.selectbox(key="leren_tgt_year").set_value(2026)
    at.run()
    assert at.text_input(key="leren_tgt_value").value == present.number_for_input(original, "nl"), \
        "the form starts on the current target"

    # Without a reason: refused, nothing written.
    writes = audit_count(demo_db)
    at.text_input(key="leren_tgt_value").input("6,6")
    at.button(key="leren_tgt_save").click()
    at.run()
    assert errors(at) == ["geef een reden voor het (gewijzigde) doel"]
    assert audit_count(demo_db) == writes

    at.text_area(key="leren_tgt_reason").input("Raadsbesluit 12 maart: ambitie verhoogd")
    at.button(key="leren_tgt_save").click()
    at.run()
    assert not errors(at), errors(at)
    with Store.open(demo_db, read_only=True) as store:
        now = store.targets(kpi_id=KPI, region="GM0363").set_index("year")
        history = store.target_revisions(kpi_id=KPI, region="GM0363")
    assert now.at[2026, "value"] == pytest.approx(6.6) and now.at[2026, "original"] == pytest.approx(original)
    assert int(now.at[2026, "revisions"]) == 2 and int(now.at[2026, "version"]) == 2
    mine = history[history["year"] == 2026]
    assert mine["value"].tolist() == [pytest.approx(original), pytest.approx(6.6)]
    assert mine["reason"].tolist()[1] == "Raadsbesluit 12 maart: ambitie verhoogd" and mine["revised_by"].tolist()[1] == "A. de Vries"
    shown = table(at, "Doeljaar", "Versie", "Reden")
    assert shown[shown["Doeljaar"] == "2026"]["Reden"].tolist()[1] == "Raadsbesluit 12 maart: ambitie verhoogd"

    # The KPI chart shows both the current and the original target.
    at.query_params["kpi"] = KPI
    at.switch_page(KPI_PAGE).run()
    spec = chart(at, "Oorspronkelijk doel")
    current = trace(spec, "Doel met marge")
    assert dict(zip(array(current["x"]), array(current["y"])))["2026"] == pytest.approx(6.6)
    assert array(trace(spec, "Oorspronkelijk doel")["x"]) == ["2026"]
    assert array(trace(spec, "Oorspronkelijk doel")["y"]) == [pytest.approx(original)]


@pytest.mark.slow
def test_a_stale_save_shows_the_conflict_and_writes_nothing(app_on, demo_db, shared_backend):
    lib = library(demo_db)
    with Store.open(demo_db) as store:
        first = learning.save_annotation(store, lib, ADVISOR, {"kpi_id": KPI, "region_code": "GM0363", "period": "2024",
                                                               "kind": "observation", "text": "Eerste versie"})
    at = as_user(app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024"), ADVISOR)
    at.selectbox(key="leren_ann_pick").set_value(int(first["id"]))
    at.run()
    assert at.text_area(key="leren_ann_text").value == "Eerste versie"

    # Meanwhile a colleague saves a change to the same annotation.
    with Store.open(demo_db) as store:
        learning.save_annotation(store, lib, COLLEAGUE, {"kpi_id": KPI, "region_code": "GM0363", "period": "2024",
                                                         "kind": "observation", "text": "Versie van de collega"},
                                 key=int(first["id"]), version=1)
    writes = audit_count(demo_db)

    at.text_area(key="leren_ann_text").input("Mijn wijziging")
    at.button(key="leren_ann_save").click()
    at.run()
    assert not at.exception, at.exception
    assert len(errors(at)) == 1
    message = errors(at)[0]
    assert message.startswith(f"niet opgeslagen: annotation {int(first['id'])} is intussen gewijzigd door B. Jansen")
    assert "Traceback" not in message
    with Store.open(demo_db, read_only=True) as store:
        stored = learning.annotations(store, "GM0363")
    assert stored["text"].tolist() == ["Versie van de collega"] and stored["version"].tolist() == [2]
    assert audit_count(demo_db) == writes, "the refused save left no audit entry either"
    assert at.text_area(key="leren_ann_text").value == "Mijn wijziging", "what was typed is kept"

    # A delete based on the stale version is refused too; after reloading it goes through.
    at.button(key="leren_ann_delete").click()
    at.run()
    assert "intussen gewijzigd" in errors(at)[0]
    at.button(key="leren_ann_reload").click()
    at.run()
    assert at.text_area(key="leren_ann_text").value == "Versie van de collega"
    at.button(key="leren_ann_delete").click()
    at.run()
    assert not errors(at), errors(at)
    with Store.open(demo_db, read_only=True) as store:
        assert learning.annotations(store, "GM0363").empty


@pytest.mark.slow
def test_a_council_member_sees_no_forms_and_a_forced_write_is_refused(app_on, demo_db):
    lib = library(demo_db)
    with Store.open(demo_db) as store:
        learning.save_annotation(store, lib, ADVISOR, {"kpi_id": KPI, "region_code": "GM0363", "period": "2024",
                                                       "kind": "hypothesis", "text": "Effect verwacht in 2025"})
    at = as_user(app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024"), COUNCIL)
    assert not errors(at)
    assert any("raadslid" in i.value for i in at.info), "the page says why there are no forms"
    assert table(at, "Tekst")["Tekst"].tolist() == ["Effect verwacht in 2025"], "the lists are there"
    assert len(at.form) == 0 and len(at.main.button) == 0 and len(at.text_area) == 0
    assert [s.value for s in at.subheader] == ["Geschiedenis van het doel"]

    # The store refuses the council member whatever the page shows...
    with Store.open(demo_db) as store, pytest.raises(AccessDenied):
        learning.save_annotation(store, lib, COUNCIL, {"kpi_id": KPI, "region_code": "GM0363", "period": "2024",
                                                       "kind": "observation", "text": "mag niet"})
    # ...also when a form was still open from an advisor's session (role changed meanwhile).
    as_user(at, ADVISOR)
    at.text_area(key="leren_ann_text").input("Geforceerd")
    log_in(at, COUNCIL)
    writes = audit_count(demo_db)
    at.button(key="leren_ann_save").click()
    at.run()
    assert not at.exception, at.exception
    assert errors(at) == ["R. Raadslid (raadslid) mag niet annotaties schrijven; vraag een beheerder om een andere rol"]
    assert audit_count(demo_db) == writes
    with Store.open(demo_db, read_only=True) as store:
        assert learning.annotations(store, "GM0363")["text"].tolist() == ["Effect verwacht in 2025"]


@pytest.mark.slow
def test_the_page_in_english(app_on, demo_db):
    at = app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024", taal="en")
    assert at.title[0].value == "Learning — Amsterdam"
    assert [h.value for h in at.header] == ["Annotations", "Actions", "Targets"]
    assert set(i18n.catalogue("nl")) == set(i18n.catalogue("en"))
