"""The Reviewsessies page in AppTest on the demo database: a session made in the page freezes what
was shown, and shows those same values after a new import; the stage changes with a version check;
an expected effect of one session is checked against the next; a council member reads but cannot
write; the report buttons deliver a PDF and an HTML file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from koers import i18n, present
from koers.loop import review
from koers.access import LOCAL, Actor, Role, RoleSettings
from koers.kpis.assess import kpi_overview
from koers.sources import own_file
from koers.kpis.library import load_library
from koers.settings import metrics_folder
from koers.store import Store

PAGE = ROOT / "pages" / "review.py"
ADVISOR = Actor("a.de.vries@gemeente.nl", "A. de Vries", Role.advisor)
COLLEAGUE = Actor("b.jansen@gemeente.nl", "B. Jansen", Role.advisor)
COUNCIL = Actor("r.raadslid@gemeente.nl", "R. Raadslid", Role.council)
VIEWER = Actor("m.manager@gemeente.nl", "M. Manager", Role.viewer)
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only", "client_id": "koers",
        "client_secret": "test-only", "server_metadata_url": "http://localhost:9/.well-known/openid-configuration"}
KPI = "service_satisfaction"  # Waardering dienstverlening gemeente: 6.3 for Amsterdam in 2024 in the demo


@pytest.fixture(autouse=True)
def roles(monkeypatch, tmp_path):
    path = tmp_path / "roles.toml"
    people = (ADVISOR, COLLEAGUE, COUNCIL, VIEWER)
    path.write_text(RoleSettings(emails={a.id: a.role for a in people}, groups={}).as_toml(), encoding="utf-8")
    monkeypatch.setenv("KOERS_ROLES", str(path))


def log_in(at: AppTest, actor: Actor) -> None:
    """From the next run on, `actor` is logged in as the frame sees it (koers.dashboard.auth): a provider
    configured, the ID token's claims in st.user, the role from the roles file."""
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": actor.id, "name": actor.name}


def as_user(at: AppTest, actor: Actor) -> AppTest:
    log_in(at, actor)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["koers_actor"] == actor
    return at


def library(db: Path):
    with Store.open(db, read_only=True) as store:
        return load_library(metrics_folder(), store.known_indicator_ids())


def new_session(db: Path, title: str, actor: Actor = ADVISOR, reference: dt.date = dt.date(2025, 3, 12)) -> int:
    lib = library(db)  # before the writable store: DuckDB refuses a read-only open beside it in one process
    with Store.open(db) as store:
        return review.create_session(store, lib, actor, "GM0363", 2024, title, reference)


def import_satisfaction(db: Path, folder: Path, value: str) -> None:
    """A municipality's own survey figure for 2024: it outranks the example series behind the KPI."""
    own = folder / "enquete.csv"
    own.write_text(f"indicator;gemeentecode;jaar;waarde\nservice_satisfaction_score;GM0363;2024;{value}\n", encoding="utf-8")
    batch = own_file.load(own)
    with Store.open(db) as store:
        store.commit_import(batch, actor=LOCAL)


def live_value(db: Path, kpi_id: str) -> float:
    lib = library(db)
    with Store.open(db, read_only=True) as store:
        return float(kpi_overview(store, lib, "GM0363", 2024).set_index("kpi_id").at[kpi_id, "value"])


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def frozen_tables(at: AppTest) -> pd.DataFrame:
    """The snapshot as the page shows it: the per-theme tables, one after the other."""
    parts = [d.value for d in at.dataframe if {"Status", "KPI", "Waarde", "Eenheid", "Doel"} <= set(d.value.columns)]
    return pd.concat(parts, ignore_index=True)


def table(at: AppTest, *columns: str) -> pd.DataFrame | None:
    return next((d.value for d in at.dataframe if set(columns) <= set(d.value.columns)), None)


def expected_value_text(row: pd.Series) -> str:
    if row["suppressed"]:
        return f"< {int(row['privacy_threshold'])}"
    return present.number(None if pd.isna(row["value"]) else float(row["value"]), "nl")


@pytest.mark.slow
def test_a_session_made_in_the_page_shows_its_frozen_figures_also_after_a_new_import(app_on, demo_db, tmp_path):
    at = as_user(app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024"), ADVISOR)
    assert [h.value for h in at.header] == ["Sessies"]
    at.text_input(key="review_new_title").input("Voorjaarsreview 2025")
    at.date_input(key="review_new_date").set_value(dt.date(2025, 3, 12))
    at.button(key="review_create").click()
    at.run()
    assert not at.exception and not errors(at), errors(at)
    assert [s.value for s in at.success] == ["Sessie „Voorjaarsreview 2025” gemaakt met de stand van 2024."]

    with Store.open(demo_db, read_only=True) as store:
        stored = review.sessions(store, "GM0363")
        assert len(stored) == 1
        session_id = int(stored["id"].iloc[0])
        frozen = review.frozen(store, session_id)
    assert (stored["title"].iloc[0], int(stored["year"].iloc[0]), stored["stage"].iloc[0], stored["created_by"].iloc[0]) == (
        "Voorjaarsreview 2025", 2024, "plan", "A. de Vries")
    assert pd.Timestamp(stored["reference_date"].iloc[0]).date() == dt.date(2025, 3, 12)
    assert at.selectbox(key="sessie").value == session_id
    assert "Voorjaarsreview 2025" in [h.value for h in at.header]
    assert [s.value for s in at.subheader][:5] == ["Nieuwe sessie", "Fase", "1. Werken als één efficiënte overheid",
                                                   "2. Massaal digitaal, maatwerk lokaal", "3. Open en transparant in de participatiesamenleving"]

    # Every KPI of the snapshot, with its frozen value and status in words.
    shown = frozen_tables(at)
    assert len(shown) == len(frozen)
    assert shown["Waarde"].tolist() == [expected_value_text(r) for _, r in frozen.iterrows()]
    assert shown["KPI"].tolist() == frozen["title_nl"].tolist()
    assert [s.split(" ", 1)[1] for s in shown["Status"]] == [i18n.text("nl", f"status.{s}") for s in frozen["status"]]
    before = shown.set_index("KPI").at["Waardering dienstverlening gemeente", "Waarde"]
    assert before == present.number(float(frozen.set_index("kpi_id").at[KPI, "value"]), "nl") == "6,30"

    # New figures arrive; the live overview changes, the session does not.
    import_satisfaction(demo_db, tmp_path, "9,9")
    assert live_value(demo_db, KPI) == pytest.approx(9.9)
    at.run()
    assert not errors(at), errors(at)
    again = frozen_tables(at)
    assert again["Waarde"].tolist() == shown["Waarde"].tolist()
    assert again.set_index("KPI").at["Waardering dienstverlening gemeente", "Waarde"] == "6,30"


@pytest.mark.slow
def test_stage_with_a_version_check_and_expected_against_actual(app_on, demo_db, tmp_path):
    first = new_session(demo_db, "Voorjaarsreview 2025")
    at = as_user(app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024"), ADVISOR)
    assert at.segmented_control(key="review_stage").value == "plan"
    assert any("de eerste sessie van deze gemeente" in i.value for i in at.info)

    # A colleague moves the stage on meanwhile: this save is refused, nothing written.
    with Store.open(demo_db) as store:
        review.set_stage(store, COLLEAGUE, first, "do", 1)
    at.segmented_control(key="review_stage").set_value("check")
    at.button(key="review_stage_save").click()
    at.run()
    assert len(errors(at)) == 1 and errors(at)[0].startswith(
        f"niet opgeslagen: review_session {first} is intussen gewijzigd door B. Jansen")
    with Store.open(demo_db, read_only=True) as store:
        assert (review.session(store, first)["stage"], int(review.session(store, first)["version"])) == ("do", 2)
    # The form now shows the stored stage; saving from there goes through.
    assert at.segmented_control(key="review_stage").value == "do"
    at.segmented_control(key="review_stage").set_value("check")
    at.button(key="review_stage_save").click()
    at.run()
    assert not errors(at), errors(at)
    with Store.open(demo_db, read_only=True) as store:
        assert (review.session(store, first)["stage"], int(review.session(store, first)["version"])) == ("check", 3)

    # An expected effect, recorded in the page.
    at.selectbox(key="review_item_kind").set_value("expected_effect")
    at.selectbox(key="review_item_kpi").set_value(KPI)
    at.text_area(key="review_item_text").input("De nieuwe balie verhoogt de waardering")
    at.selectbox(key="review_item_direction").set_value("up")
    at.text_input(key="review_item_value").input("6.5")  # an English decimal point in the Dutch UI: refused
    at.number_input(key="review_item_year").set_value(2025)
    at.button(key="review_item_save").click()
    at.run()
    assert errors(at) == ['Verwachte waarde: "6.5" is geen getal. Schrijf bijvoorbeeld 27,5 (decimalen na een komma).']
    at.text_input(key="review_item_value").input("6,5")
    at.button(key="review_item_save").click()
    at.run()
    assert not errors(at), errors(at)
    with Store.open(demo_db, read_only=True) as store:
        items = review.items(store, first)
    assert items[["kind", "kpi_id", "text", "expected_direction"]].values.tolist() == [
        ["expected_effect", KPI, "De nieuwe balie verhoogt de waardering", "up"]]
    assert int(items["expected_year"].iloc[0]) == 2025 and items["created_by"].iloc[0] == "A. de Vries"
    assert float(items["expected_value"].iloc[0]) == 6.5
    listed = table(at, "Soort", "Tekst", "Verwachting")
    assert listed["Verwachting"].tolist() == ["↗ stijgend 6,50 in 2025"]

    # A year later: new figures, the next session checks the expectation.
    import_satisfaction(demo_db, tmp_path, "7,1")
    second = new_session(demo_db, "Voorjaarsreview 2026", reference=dt.date(2026, 3, 10))
    at.run()
    at.selectbox(key="sessie").set_value(second)
    at.run()
    assert not errors(at), errors(at)
    checked = table(at, "Uitkomst", "Vorige sessie", "Deze sessie")
    assert checked["Uitkomst"].tolist() == ["✔ gehaald"]
    assert checked["Vorige sessie"].tolist() == ["6,30"] and checked["Deze sessie"].tolist() == ["7,10"]
    assert checked["Verandering"].tolist() == ["0,80"]


@pytest.mark.slow
def test_a_council_member_reads_and_makes_reports_but_cannot_write(app_on, demo_db):
    session_id = new_session(demo_db, "Najaarsreview")
    at = as_user(app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024"), COUNCIL)
    assert not errors(at), errors(at)
    assert len(frozen_tables(at)) > 40, "the frozen snapshot is there"
    assert len(at.form) == 0
    keys = {b.key for b in at.main.button}
    assert keys == {"review_build_pdf", "review_build_html"}, keys

    # A form left open from an advisor's session does not write once the role is council.
    as_user(at, ADVISOR)
    at.segmented_control(key="review_stage").set_value("adjust")
    log_in(at, COUNCIL)
    at.button(key="review_stage_save").click()
    at.run()
    assert errors(at) == ["R. Raadslid (raadslid) mag niet reviewsessies vastleggen; vraag een beheerder om een andere rol"]
    with Store.open(demo_db, read_only=True) as store:
        assert review.session(store, session_id)["stage"] == "plan"

    # A viewer (management) does not open review sessions at all.
    as_user(at, VIEWER)
    assert any("kijker" in i.value for i in at.info)
    assert len(at.dataframe) == 0 and len(at.form) == 0


@pytest.fixture
def downloads(monkeypatch) -> list:
    """What the page offers for download, recorded as (file name, mime type, data) while AppTest runs."""
    offered: list = []

    class Recording(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
            if filename:
                offered.append((filename, mimetype, path_or_data))
            return super().load_and_get_id(path_or_data, mimetype, kind, filename)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", Recording)
    return offered


@pytest.mark.slow
def test_a_failing_report_is_one_friendly_line(app_on, demo_db, monkeypatch):
    from koers.loop import report

    new_session(demo_db, "Najaarsreview")
    at = as_user(app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024"), COUNCIL)

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(report, "build_pdf", broken)
    at.button(key="review_build_pdf").click()
    at.run()
    assert not at.exception, at.exception
    assert errors(at) == ["Het PDF-rapport kon niet worden gemaakt; de beheerder vindt de details in het logboek."]
    assert not at.download_button


@pytest.mark.slow
def test_the_report_buttons_deliver_pdf_and_html(app_on, demo_db, monkeypatch, downloads):
    from koers.loop import report

    session_id = new_session(demo_db, "Najaarsreview")
    raised: list = []
    for name in ("build_pdf", "build_html"):
        real = getattr(report, name)

        def recording(*args, _real=real, **kwargs):
            try:
                return _real(*args, **kwargs)
            except Exception as error:
                raised.append(error)
                raise

        monkeypatch.setattr(report, name, recording)
    at = as_user(app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024"), COUNCIL)
    at.button(key="review_build_html").click()
    at.run()
    assert not raised, raised
    assert not errors(at), errors(at)
    at.button(key="review_build_pdf").click()
    at.run()
    assert not raised and not errors(at), (raised, errors(at))

    assert {b.key for b in at.download_button} == {"review_download_pdf", "review_download_html"}
    files = {name: (mime, data) for name, mime, data in downloads}
    html_mime, html = files[f"reviewsessie_GM0363_{session_id}.html"]
    pdf_mime, pdf = files[f"reviewsessie_GM0363_{session_id}.pdf"]
    assert html_mime.startswith("text/html") and pdf_mime == "application/pdf"
    text = html.decode("utf-8") if isinstance(html, bytes) else html
    assert "Najaarsreview" in text
    assert bytes(pdf[:5]) == b"%PDF-"
