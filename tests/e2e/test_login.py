"""A real login in Chromium: the dashboard with an OpenID Connect provider configured, against a
local provider started by the test (`oidc-provider-mock`), and the role from a temporary roles file.

The provider runs in this process on a free loopback port; the dashboard (`streamlit run
serve.py`) gets a temporary secrets file with an `[auth]` section pointing at it
(`--secrets.files`) and the roles file through `KOERS_ROLES`, on its own copy of the demo
database. Each test starts with a fresh browser context (no cookies): it sees the login screen,
logs in through the provider's authorization form, lands in the dashboard with its name and role
in the sidebar, and logs out again.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from koers import present
from koers.access import LOCAL
from koers.store import Store

from .conftest import APP_IDLE, ROOT, Dashboard, free_port, start_dashboard, stop_dashboard

ADVISOR = "a.de.vries"  # a user the provider knows, with a name and a group
ADVISOR_NAME = "Anna de Vries"
ADMIN = "b.beheer@gemeente.example"  # a subject typed into the form: the provider's claims are {"email": sub}
ROLES = f"""default_role = "viewer"
groups_claim = "groups"

[emails]
"{ADMIN}" = "admin"

[groups]
"koers-advies" = "advisor"
"""


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    from oidc_provider_mock import User, run_server_in_thread

    advisor = User(sub=ADVISOR, claims={"email": "a.de.vries@gemeente.example", "name": ADVISOR_NAME,
                                        "groups": ["koers-advies", "medewerkers"]})
    with run_server_in_thread(port=free_port(), user_claims=[advisor]) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def login_db(demo_template: Path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("login") / "koers.duckdb"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture(scope="module")
def dashboard(provider: str, login_db: Path) -> Iterator[Dashboard]:
    folder = login_db.parent
    port = free_port()
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "koers-test"\n'
        'client_secret = "koers-test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n', encoding="utf-8")
    roles = folder / "roles.toml"
    roles.write_text(ROLES, encoding="utf-8")
    running = start_dashboard(login_db, folder / "streamlit.log", args=["--secrets.files", str(secrets_file)],
                              env={"KOERS_ROLES": str(roles), "KOERS_METRICS": str(folder / "metrics")}, port=port)
    try:
        yield running
    finally:
        stop_dashboard(running)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context per test (no login cookie), made here: the shared `page` fixture would
    start the main browser-test server through its `base_url`."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nl-NL")
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page: Page, dashboard: Dashboard, subject: str) -> None:
    """From the login screen through the provider's authorization form back into the dashboard."""
    page.goto(dashboard.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Koers — inloggen", timeout=60_000)
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Gemeente")).to_have_count(0)  # nothing else shown
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible(timeout=60_000)
    page.locator('input[name="sub"]').fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(dashboard.url + "/**", timeout=60_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Overzicht", timeout=60_000)


def log_out(page: Page, dashboard: Dashboard) -> None:
    """Logout goes through the provider's end-session page and back to the login screen."""
    page.get_by_test_id("stSidebar").get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", name="End Session")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(dashboard.url + "/**", timeout=60_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Koers — inloggen", timeout=60_000)


def test_an_advisor_logs_in_sees_name_and_role_and_logs_out(page: Page, dashboard: Dashboard):
    log_in(page, dashboard, ADVISOR)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(f"Ingelogd als {ADVISOR_NAME}")).to_be_visible()
    expect(sidebar.get_by_text("Rol: beleidsadviseur")).to_be_visible()
    expect(page.get_by_text("Lokale modus")).to_have_count(0)  # the local-mode banner only without a login
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="KPI-studio")).to_be_visible()
    expect(nav.get_by_role("link", name="Beheer")).to_have_count(0)  # hidden from a non-administrator

    # The administration page by its address: one line of refusal, nothing of its content.
    page.goto(dashboard.url + "/admin")
    expect(page.get_by_text(f"Beheer is alleen voor beheerders; u bent ingelogd als {ADVISOR_NAME} (beleidsadviseur).")
           ).to_be_visible(timeout=60_000)
    expect(page.get_by_role("tab", name="Auditlogboek")).to_have_count(0)
    page.locator(APP_IDLE).wait_for(state="attached")

    log_out(page, dashboard)
    # Logged out for real: the dashboard's pages ask to log in again.
    page.goto(dashboard.url + "/kpi-studio")
    expect(page.get_by_role("heading", level=1)).to_have_text("Koers — inloggen", timeout=60_000)


def test_an_administrator_by_e_mail_saves_governance_in_his_own_name(page: Page, dashboard: Dashboard, login_db: Path):
    log_in(page, dashboard, ADMIN)
    sidebar = page.get_by_test_id("stSidebar")
    # The sidebar shows the address as typed; present.plain puts a word joiner after "@" so that no
    # mail link is made of it.
    expect(sidebar.get_by_text("Ingelogd als " + ADMIN.replace("@", "@" + present.WORD_JOINER))).to_be_visible()
    expect(sidebar.get_by_text("Rol: beheerder")).to_be_visible()
    sidebar.get_by_test_id("stSidebarNav").get_by_role("link", name="Beheer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beheer")
    page.get_by_role("tab", name="Databeheer").click()
    owner = page.get_by_role("textbox", name="Eigenaar")
    owner.fill("Team Onderzoek en Statistiek")
    page.get_by_test_id("stForm").get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("Databeheer van 03759ned opgeslagen.")).to_be_visible(timeout=60_000)
    page.locator(APP_IDLE).wait_for(state="attached")

    with Store.open(login_db, read_only=True) as store:
        record = store.records("governance", id="03759ned").iloc[0]
        audit = store.audit_log(LOCAL, entity="governance")
    assert record["owner"] == "Team Onderzoek en Statistiek" and record["updated_by"] == ADMIN
    assert audit.iloc[0]["actor"] == ADMIN and audit.iloc[0]["role"] == "admin"
    assert '"owner": "Team Onderzoek en Statistiek"' in audit.iloc[0]["after"]
    log_out(page, dashboard)



def test_a_page_asked_for_by_its_file_name_first_does_not_run_as_the_local_administrator(
        browser: Browser, provider: str, login_db: Path, tmp_path: Path):
    """Streamlit runs a `pages/` script by its file name (`/beheer`) without the frame for the
    first visitors after a server start, before any session has called `st.navigation`. With a
    login configured such a run must not fall back to the local administrator."""
    port = free_port()
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        f'[auth]\nredirect_uri = "http://127.0.0.1:{port}/oauth2callback"\ncookie_secret = "{secrets.token_hex(32)}"\n'
        f'client_id = "koers-test"\nclient_secret = "x"\nserver_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8")
    fresh = start_dashboard(login_db, tmp_path / "streamlit.log", args=["--secrets.files", str(secrets_file)], port=port,
                            env={"KOERS_ROLES": str(tmp_path / "roles.toml"), "KOERS_METRICS": str(tmp_path / "metrics")})
    context = browser.new_context(locale="nl-NL")
    try:
        page = context.new_page()
        names = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
        assert len(names) >= 10, names
        for name in names:  # every page: each one runs through `view.guarded`, which stops it
            page.goto(f"{fresh.url}/{name}")
            expect(page.get_by_text("deze pagina opent alleen via het dashboard: ga naar de startpagina (/) en log in")
                   ).to_be_visible(timeout=60_000)
            expect(page.get_by_role("heading")).to_have_count(0)
    finally:
        context.close()
        stop_dashboard(fresh)
