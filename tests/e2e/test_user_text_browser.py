"""An annotation saved through Leren shows on Overzicht as typed, in a real browser: its Markdown
image is not fetched and its link is no link — not in the DOM, and no request leaves for it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from koers.store import Store

from .conftest import APP_IDLE

HOSTILE = "![x](http://host/pixel.png) [Log in](http://evil.example/)"
KPI = "service_satisfaction"  # an outcome: a card on Overzicht
REGION = "GM0599"  # Rotterdam: the other browser tests look at Amsterdam and Utrecht


def test_a_saved_annotation_is_plain_text_on_the_overview(page: Page, koers_db):
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith("http://127.0.0.1") else None)

    page.goto(f"/learning?gemeente={REGION}&jaar=2024&kpi={KPI}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Leren — Rotterdam")
    page.locator(".st-key-leren_ann_text textarea").fill(HOSTILE)
    page.locator(".st-key-leren_ann_save button").click()
    expect(page.get_by_text("Opgeslagen.")).to_be_visible()
    expect(page.locator(APP_IDLE)).to_be_attached()
    with Store.open(koers_db, read_only=True) as store:
        saved = store.records("annotation")
    assert HOSTILE in saved[saved["region_code"] == REGION]["text"].tolist()

    page.goto(f"/?gemeente={REGION}&jaar=2024")
    card = page.get_by_test_id("stMarkdownContainer").filter(has_text=re.compile(r"laatste \(2024\)"))
    expect(card).to_have_count(1)
    expect(page.locator(APP_IDLE)).to_be_attached()
    # The text as typed (the invisible word joiners that keep an address from becoming a link aside).
    assert card.inner_text().replace("\u2060", "").endswith(f"laatste (2024): {HOSTILE}")
    expect(page.locator('img[src="http://host/pixel.png"]')).to_have_count(0)
    expect(page.locator('a[href="http://evil.example/"]')).to_have_count(0)
    expect(page.locator('a[href^="http://evil.example"], a[href^="http://host"]')).to_have_count(0)
    assert not [url for url in outside if "host/" in url or "evil.example" in url], outside
