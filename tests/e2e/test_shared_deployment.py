"""A deployment past one machine, in Chromium: two dashboard replicas (`streamlit run serve.py`)
sharing a throwaway PostgreSQL (`KOERS_DATABASE_URL`) and a folder of published versions
(`KOERS_SNAPSHOTS`). An annotation saved through one replica shows on the other; an import from the
command line while both serve is published and shows on the next visit, and neither waited for it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from koers.store import Store, snapshots
from tests.conftest import ROOT, run_cli

from .conftest import APP_IDLE, start_dashboard, stop_dashboard, warm_up

REGION = "GM0518"  # 's-Gravenhage: the other browser tests look elsewhere
KPI = "service_satisfaction"
TEXT = "Gezien op de andere replica"


@pytest.fixture(scope="module")
def deployment(demo_template: Path, tmp_path_factory, postgres_cluster, browser: Browser) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("deployment")
    db = folder / "koers.duckdb"
    shutil.copy(demo_template, db)
    env = {"KOERS_DB": str(db), "KOERS_SNAPSHOTS": str(folder / "published"),
           "KOERS_DATABASE_URL": postgres_cluster.new_schema("e2e_deployment")}
    published = run_cli("publish", db=db, env=env)
    assert published.returncode == 0, published.stderr
    replicas = [start_dashboard(db, folder / f"replica{n}.log", env=env) for n in range(2)]
    try:
        for replica in replicas:
            warm_up(browser, replica.url)
        yield {"db": db, "env": env, "replicas": replicas, "folder": folder / "published"}
    finally:
        for replica in replicas:
            stop_dashboard(replica)


def _visit(browser: Browser, url: str) -> Page:
    return browser.new_context(base_url=url, viewport={"width": 1400, "height": 1000}).new_page()


def test_an_annotation_saved_on_one_replica_shows_on_the_other(deployment, browser: Browser, monkeypatch):
    first, second = deployment["replicas"]
    page = _visit(browser, first.url)
    page.goto(f"/learning?gemeente={REGION}&jaar=2024&kpi={KPI}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Leren — 's-Gravenhage (gemeente)")
    page.locator(".st-key-leren_ann_text textarea").fill(TEXT)
    page.locator(".st-key-leren_ann_save button").click()
    expect(page.get_by_text("Opgeslagen.")).to_be_visible()
    page.context.close()

    other = _visit(browser, second.url)
    other.goto(f"/?gemeente={REGION}&jaar=2024")
    expect(other.get_by_test_id("stMarkdownContainer").filter(has_text=f"laatste (2024): {TEXT}")).to_have_count(1)
    other.context.close()
    for name, value in deployment["env"].items():
        monkeypatch.setenv(name, value)
    with Store.open(deployment["db"], read_only=True) as store:  # in PostgreSQL; the file itself untouched
        saved = store.records("annotation", region_code=REGION)
    assert saved["text"].tolist() == [TEXT] and saved["created_by"].tolist() == ["Lokale gebruiker"]


def test_an_import_is_published_and_shows_on_the_next_visit(deployment, browser: Browser, tmp_path):
    own = tmp_path / "tevredenheid.csv"
    own.write_text(f"indicator;gemeentecode;jaar;waarde\nservice_satisfaction_score;{REGION};2024;9,7\n", encoding="utf-8")
    pages = [_visit(browser, replica.url) for replica in deployment["replicas"]]
    for page in pages:  # both replicas serve a page while the import runs
        page.goto(f"/?gemeente={REGION}&jaar=2024")
        expect(page.locator(APP_IDLE)).to_be_attached()
    before = snapshots.current(deployment["folder"])
    done = run_cli("--wait", "5", "import", "file", str(own), "--source-name", "enquete", db=deployment["db"],
                   env=deployment["env"])
    assert done.returncode == 0, done.stderr
    assert snapshots.current(deployment["folder"]) != before
    for page in pages:
        page.reload()
        expect(page.get_by_test_id("stMetric").filter(has_text="Waardering dienstverlening gemeente")
               .filter(has_text=re.compile(r"9,70"))).to_have_count(1)
        assert not page.get_by_text(re.compile("in gebruik|in use")).count()
        page.context.close()


def _open_in_studio(page: Page, kpi_id: str) -> None:
    page.goto("/kpi-studio")
    expect(page.get_by_role("heading", level=1)).to_have_text("KPI-studio")
    choice = page.locator(".st-key-studio_choice").get_by_role("combobox")
    choice.click()
    choice.fill(kpi_id)
    page.get_by_role("option", name=re.compile(rf"\({kpi_id}\)$")).first.click()
    expect(page.locator(".st-key-studio_id input")).to_have_value(kpi_id)


def test_a_kpi_definition_saved_in_one_replicas_studio_is_the_others(deployment, browser: Browser):
    """No metrics folder on either replica's disk: the version is a row of the shared database."""
    first, second = deployment["replicas"]
    page = _visit(browser, first.url)
    _open_in_studio(page, "population_growth")
    page.locator(".st-key-studio_unit input").fill("% per jaar (gedeeld)")
    page.locator(".st-key-studio_unit input").press("Enter")
    page.locator(".st-key-studio_author input").fill("Els")
    page.locator(".st-key-studio_author input").press("Enter")
    expect(page.locator(APP_IDLE)).to_be_attached()
    page.locator(".st-key-studio_save button").click()
    expect(page.get_by_text("Versie 2 van population_growth opgeslagen in de gedeelde database.")).to_be_visible()
    page.context.close()

    other = _visit(browser, second.url)
    _open_in_studio(other, "population_growth")
    expect(other.locator(".st-key-studio_unit input")).to_have_value("% per jaar (gedeeld)")
    expect(other.get_by_text("(population_growth), uit de gedeelde database.")).to_be_visible()
    other.context.close()
    assert not (ROOT / "metrics" / "custom" / "population_growth.yaml").exists()
