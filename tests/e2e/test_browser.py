"""The dashboard end to end in Chromium: what a person does, checked against what the store holds.

Each test gets a fresh browser context (a new Streamlit session) on the one server of the session
(`koers_server` in conftest.py). Streamlit draws asynchronously; every check goes through
Playwright's auto-waiting `expect(...)`, never a fixed sleep.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
from playwright.sync_api import Locator, Page, expect

from koers.kpis.evaluate import evaluate
from koers.kpis.library import Library, load_library
from koers.settings import metrics_folder
from koers.store import Store

from conftest import navigation

from .conftest import APP_IDLE, ROOT, full_page_screenshot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_SCREENSHOT_BYTES = 10_000


def pages_in_the_frame() -> dict[str, str]:
    """Every page of app.py's navigation: page file name -> its address. The default (first)
    page is served at "/"."""
    table = navigation()
    return {file: "/" if index == 0 else f"/{path}" for index, (file, *_, path) in enumerate(table)}


PAGES = pages_in_the_frame()
CSV_HEADER = ["kpi", "region", "period", "value", "unit", "status", "provisional", "harmonised", "example_value",
              "suppressed", "sources"]


def library_of(db: Path) -> Library:
    with Store.open(db, read_only=True) as store:
        return load_library(metrics_folder(), store.known_indicator_ids())


def sidebar(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar")


def title(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def no_page_not_found(page: Page) -> None:
    """Streamlit's "Page not found" dialog: it opens before the page's title, so once the title is
    there, two seconds is plenty for one that would not go away."""
    expect(page.get_by_role("dialog").filter(has_text="Page not found")).to_have_count(0, timeout=2_000)


def test_the_app_opens_and_a_municipality_can_be_chosen(page: Page):
    page.goto("/")
    expect(title(page)).to_have_text("Overzicht Amsterdam 2024")
    expect(page.get_by_test_id("stMetric").first).to_be_visible()
    municipality = sidebar(page).get_by_role("combobox", name="Gemeente")
    expect(municipality).to_have_value("Amsterdam (GM0363)")
    expect(page).to_have_url(re.compile(r"[?&]gemeente=GM0363(&|$)"))
    no_page_not_found(page)

    municipality.click()
    municipality.fill("Utrecht (gemeente)")
    page.get_by_role("option", name="Utrecht (gemeente) (GM0344)").click()
    expect(title(page)).to_have_text("Overzicht Utrecht (gemeente) 2024")
    expect(page).to_have_url(re.compile(r"[?&]gemeente=GM0344(&|$)"))
    expect(municipality).to_have_value("Utrecht (gemeente) (GM0344)")


def test_a_card_opens_its_kpi(page: Page, koers_db: Path):
    page.goto("/")
    expect(title(page)).to_have_text("Overzicht Amsterdam 2024")
    details = page.get_by_role("link", name="Details").first
    expect(details).to_be_visible()
    kpi_id = parse_qs(urlparse(details.get_attribute("href")).query)["kpi"][0]
    details.click()
    expect(page).to_have_url(re.compile(rf"/indicator\?(.*&)?kpi={kpi_id}(&|$)"))
    expect(title(page)).to_have_text(library_of(koers_db).kpis[kpi_id].title.nl)
    no_page_not_found(page)


def test_the_kpi_csv_holds_the_stored_values(page: Page, koers_db: Path):
    page.goto("/indicator?gemeente=GM0344&jaar=2024&kpi=population_growth")
    expect(title(page)).to_have_text("Bevolkingsgroei")
    button = page.get_by_role("button", name="Download CSV")
    expect(button).to_be_visible()
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "population_growth_GM0344.csv"
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].split(";") == CSV_HEADER  # Dutch: ';' between fields, decimal comma
    table = pd.read_csv(io.StringIO(text), sep=";", decimal=",", dtype={"period": str})
    assert set(table["region"]) == {"GM0344"} and set(table["kpi"]) == {"population_growth"}

    # The expected figure, independently: the engine on the same file, opened read-only.
    with Store.open(koers_db, read_only=True) as store:
        library = load_library(metrics_folder(), store.known_indicator_ids())
        stored = evaluate(store, library, kpi_ids=["population_growth"])
    stored = stored[(stored["region_code"] == "GM0344") & (stored["period"] == "2024")]
    assert len(stored) == 1 and pd.notna(stored["value"].iloc[0])
    row = table[table["period"] == "2024"]
    assert len(row) == 1, table
    assert row["value"].iloc[0] == pytest.approx(stored["value"].iloc[0], rel=1e-9)


def test_switching_to_english(page: Page):
    page.goto("/")
    expect(title(page)).to_have_text("Overzicht Amsterdam 2024")
    sidebar(page).get_by_role("radio", name="EN").click()
    expect(title(page)).to_have_text("Overview Amsterdam 2024")
    expect(sidebar(page).get_by_role("combobox", name="Municipality")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]taal=en(&|$)"))


def test_a_shared_url_opens_the_same_view(page: Page):
    page.goto("/indicator?gemeente=GM0014&jaar=2020&kpi=population_growth&taal=en")
    expect(title(page)).to_have_text("Population growth")
    bar = sidebar(page)
    expect(bar.get_by_role("combobox", name="Municipality")).to_have_value("Groningen (gemeente) (GM0014)")
    expect(bar.get_by_role("combobox", name="Year")).to_have_value("2020")
    expect(bar.get_by_role("radio", name="EN")).to_be_checked()
    expect(bar.get_by_role("link", name="Overview")).to_be_visible()
    expect(page.get_by_role("button", name="Download CSV")).to_be_visible()
    no_page_not_found(page)
    # The address still describes the view (and nothing was reset to a default).
    query = parse_qs(urlparse(page.url).query)
    assert {k: query[k][0] for k in ("gemeente", "jaar", "kpi", "taal")} == {
        "gemeente": "GM0014", "jaar": "2020", "kpi": "population_growth", "taal": "en"}


def test_the_pages_were_found():
    assert len(PAGES) == len(list((ROOT / "pages").glob("*.py"))), PAGES
    assert set(PAGES) == {p.stem for p in (ROOT / "pages").glob("*.py")} >= {"overzicht", "kpi", "review", "beheer"}
    assert list(PAGES.values()).count("/") == 1


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_opens_and_is_screenshotted(page: Page, screenshots: Path, name: str):
    page.goto(PAGES[name])
    expect(title(page)).to_be_visible()
    expect(page.locator(APP_IDLE)).to_be_attached()
    no_page_not_found(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    path = screenshots / f"{name}.png"
    path.unlink(missing_ok=True)
    full_page_screenshot(page, path)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), path
    assert len(data) > MIN_SCREENSHOT_BYTES, (path, len(data))


def test_the_server_filled_its_caches_before_the_first_visit(koers_server):
    # `serve.py` evaluates the library for the landing page before the server takes visitors.
    log = koers_server.log.read_text(errors="replace")
    assert re.search(r"dashboard caches filled in \d+\.\d s", log), log[-2000:]
    assert "warm-up failed" not in log


def test_the_overview_is_the_front_page(page: Page):
    # The default page is served at "/" (Streamlit ignores a url_path there), so that is its link.
    page.goto("/?gemeente=GM0363&jaar=2024")
    expect(title(page)).to_have_text("Overzicht Amsterdam 2024")
    expect(page.locator(APP_IDLE)).to_be_attached()
    no_page_not_found(page)


# Last in the file: the upload writes to the server's database (a new indicator no KPI uses).
OWN_FIGURES = "indicator;gemeentecode;jaar;waarde\ne2e_tevredenheid_loket;GM0344;2023;7,1\ne2e_tevredenheid_loket;GM0344;2024;7,3\n"


def test_an_uploaded_file_is_checked_then_imported(page: Page, koers_db: Path):
    page.goto(PAGES["data"])
    expect(title(page)).to_have_text("Data")
    expect(page.get_by_role("radio", name="Eigen cijfers (CSV, Excel, Parquet)")).to_be_checked()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Bestand")
    uploader.locator("input[type=file]").set_input_files(
        {"name": "e2e_eigen_cijfers.csv", "mimeType": "text/csv", "buffer": OWN_FIGURES.encode("utf-8")})

    # The check comes first, and nothing is written yet.
    expect(page.get_by_role("heading", name="Controle")).to_be_visible()
    expect(page.get_by_text("2 records gelezen · 2 te laden (2 nieuw, 0 herzien, 0 ongewijzigd) · 0 afgewezen")).to_be_visible()
    expect(page.get_by_text("Geen afgewezen rijen.")).to_be_visible()
    with Store.open(koers_db, read_only=True) as store:
        assert store.observations(indicator="e2e_tevredenheid_loket").empty

    page.get_by_role("button", name="Laden").click()
    expect(page.get_by_text(re.compile(r"Import \d+ geladen: 2 records gelezen, 2 geladen \(2 nieuw, 0 herzien, "
                                       r"0 ongewijzigd\), 0 afgewezen\."))).to_be_visible()
    expect(page.locator(APP_IDLE)).to_be_attached()

    # The import has finished (the message is drawn after the commit): the store has the figures.
    with Store.open(koers_db, read_only=True) as store:
        stored = store.observations(indicator="e2e_tevredenheid_loket", region="GM0344")
    assert stored["period"].tolist() == ["2023", "2024"]
    assert stored["value"].tolist() == pytest.approx([7.1, 7.3])
    assert set(stored["source"]) == {"eigen_e2e_eigen_cijfers"}
