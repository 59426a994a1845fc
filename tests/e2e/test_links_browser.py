"""Links in Chromium (issue 12): an alias address opens its page at the canonical address with the
query kept; Back undoes a change of municipality and of the presentation's slide; Back onto an alias
entry does not bounce forward again (docs/links.md)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import APP_IDLE


def title(page: Page):
    return page.get_by_role("heading", level=1)


def municipality(page: Page):
    return page.get_by_test_id("stSidebar").get_by_role("combobox", name="Gemeente")


def idle(page: Page) -> None:
    expect(page.locator(APP_IDLE)).to_be_attached()


def no_page_not_found(page: Page) -> None:
    expect(page.get_by_role("dialog").filter(has_text="Page not found")).to_have_count(0, timeout=2_000)


def test_dutch_and_english_aliases_redirect_keeping_the_query(page: Page):
    page.goto("/kpi?gemeente=GM0344&kpi=jobs_per_1000&jaar=2021")
    expect(title(page)).to_have_text("Banen")
    expect(page).to_have_url(re.compile(r"/indicator\?"))
    for part in ("gemeente=GM0344", "kpi=jobs_per_1000", "jaar=2021"):
        expect(page).to_have_url(re.compile(rf"[?&]{part}(&|$)"))
    expect(municipality(page)).to_have_value("Utrecht (gemeente) (GM0344)")
    no_page_not_found(page)

    page.goto("/overzicht?gemeente=GM0344")  # the Dutch name of the front page
    expect(title(page)).to_have_text("Overzicht Utrecht (gemeente) 2024")
    expect(page).to_have_url(re.compile(r"^[^?]*/\?(.*&)?gemeente=GM0344(&|$)"))
    no_page_not_found(page)

    page.goto("/overview?gemeente=GM0363&jaar=2022")  # its English name: once a "Page not found"
    expect(title(page)).to_have_text("Overzicht Amsterdam 2022")
    expect(page).to_have_url(re.compile(r"^[^?]*/\?"))
    no_page_not_found(page)

    page.goto("/presentatie?gemeente=GM0363&dia=2")
    expect(page).to_have_url(re.compile(r"/presentation\?(.*&)?dia=2(&|$)"))
    expect(page.get_by_text(re.compile(r"^2 / \d+$"))).to_be_visible()


def test_back_undoes_a_change_of_municipality(page: Page):
    page.goto("/?gemeente=GM0363")
    expect(title(page)).to_have_text("Overzicht Amsterdam 2024")
    idle(page)
    box = municipality(page)
    box.click()
    box.fill("Utrecht (gemeente)")
    page.get_by_role("option", name="Utrecht (gemeente) (GM0344)").click()
    expect(title(page)).to_have_text("Overzicht Utrecht (gemeente) 2024")
    expect(page).to_have_url(re.compile(r"[?&]gemeente=GM0344(&|$)"))
    idle(page)

    page.go_back()
    expect(title(page)).to_have_text("Overzicht Amsterdam 2024")
    expect(page).to_have_url(re.compile(r"[?&]gemeente=GM0363(&|$)"))
    expect(box).to_have_value("Amsterdam (GM0363)")
    idle(page)

    page.go_forward()
    expect(title(page)).to_have_text("Overzicht Utrecht (gemeente) 2024")
    expect(box).to_have_value("Utrecht (gemeente) (GM0344)")


def test_back_steps_through_the_slides(page: Page):
    page.goto("/presentation?gemeente=GM0363&jaar=2024")
    expect(page.get_by_text(re.compile(r"^1 / \d+$"))).to_be_visible()
    idle(page)
    first = page.get_by_role("heading", level=2).first.inner_text()
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_text(re.compile(r"^2 / \d+$"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]dia=2(&|$)"))
    idle(page)

    page.go_back()
    expect(page.get_by_text(re.compile(r"^1 / \d+$"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]dia=1(&|$)"))
    expect(page.get_by_role("heading", level=2).first).to_have_text(first)


def test_back_onto_an_alias_stays_there(page: Page):
    page.goto("/?gemeente=GM0363")  # something to go back to
    expect(title(page)).to_have_text("Overzicht Amsterdam 2024")
    idle(page)
    page.goto("/leren?gemeente=GM0344")
    expect(page).to_have_url(re.compile(r"/learning\?"))
    idle(page)
    page.go_back()  # onto the alias's own entry: drawn there, not switched forward again
    expect(page).to_have_url(re.compile(r"/leren\?"))
    idle(page)
    page.wait_for_timeout(1_000)
    expect(page).to_have_url(re.compile(r"/leren\?"))
    expect(municipality(page)).to_have_value("Utrecht (gemeente) (GM0344)")
