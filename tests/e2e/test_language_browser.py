"""The page says which language it is in: `<html lang>` follows the dashboard's language (Streamlit
itself always serves "en"), and the language choice in the link is kept."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import APP_IDLE


def test_the_html_lang_attribute_follows_the_language(page: Page):
    page.goto("/?gemeente=GM0344&jaar=2024")
    expect(page.locator(APP_IDLE)).to_be_attached()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.goto("/?gemeente=GM0344&jaar=2024&taal=en")
    expect(page.locator(APP_IDLE)).to_be_attached()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # switching back in the page itself
    page.get_by_role("radio", name="NL").or_(page.get_by_role("button", name="NL")).first.click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
