"""Overzicht on today's municipal division by default, the historical one a switch away (kept in the
URL as `indeling`); a dissolved municipality is shown as the one it went into today, and as itself
on the historical division."""

from __future__ import annotations

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow  # the whole dashboard, the library evaluated on two divisions


def test_today_is_the_default_and_kept_in_the_url(app_on, demo_shared):
    at = app_on(demo_shared, gemeente="GM0363", jaar="2021")
    assert at.session_state["indeling"] == "today"
    assert at.query_params["indeling"] in ("today", ["today"])
    assert any("opgeteld naar de huidige indeling" in c.value for c in at.caption)


def test_weesp_today_is_amsterdam_and_historically_itself(app_on, demo_shared):
    at = app_on(demo_shared, gemeente="GM0457", jaar="2021")
    warning = at.warning[0].value
    assert warning.startswith("Weesp is geen gemeente in de huidige indeling: opgegaan in Amsterdam (GM0363) per 24-03-2022")
    historical = app_on(demo_shared, gemeente="GM0457", jaar="2021", indeling="historical")
    assert historical.session_state["indeling"] == "historical"
    assert not historical.warning or "Weesp" not in historical.warning[0].value
    assert historical.title[0].value.startswith("Overzicht Weesp")
