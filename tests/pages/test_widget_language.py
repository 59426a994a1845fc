"""Streamlit's own widget texts stay English unless the app gives its own: every multiselect and
every selectbox without a preselected value on every page carries a placeholder in the view's
language (Streamlit's default "Choose options" / "Choose an option" is English in Dutch too)."""

from __future__ import annotations

import pytest

from conftest import ROOT, navigation

PAGES = [ROOT / "pages" / f"{file}.py" for file, *_ in navigation()]
STREAMLIT_DEFAULTS = {"Choose options", "Choose an option", "Choose an option..."}
EXPECTED = {"nl": "Kies een of meer", "en": "Choose one or more"}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_page_shows_streamlits_english_placeholders(app_on, demo_shared, lang):
    checked = set()
    for page in PAGES:
        # the custom peer group shows the frame's own multiselect too
        at = app_on(demo_shared, page, gemeente="GM0363", jaar="2024", taal=lang, groep="custom")
        # An empty placeholder is filled in by Streamlit's frontend, in English: a multiselect (it
        # shows one whenever nothing is chosen) and a selectbox without a value need their own.
        for widget in [*at.multiselect, *[s for s in at.selectbox if not s.proto.HasField("default")]]:
            assert widget.proto.placeholder and widget.proto.placeholder not in STREAMLIT_DEFAULTS, (page.stem, widget.label)
        for widget in at.multiselect:
            if widget.key in ("eigen", "leren_act_kpis", "data_coverage"):
                assert widget.proto.placeholder == EXPECTED[lang], (page.stem, widget.key)
                checked.add(widget.key)
    assert checked == {"eigen", "leren_act_kpis", "data_coverage"}
