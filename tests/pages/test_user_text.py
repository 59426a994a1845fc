"""Text people wrote shows as typed, never as Markdown: an annotation, an action, a KPI's title and
description from an own YAML file fetch no image and make no link on the page (AppTest: the
rendered Markdown bodies hold the escaped text). The browser check is tests/e2e/test_user_text_browser.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from koers import present
from koers.access import LOCAL
from koers.kpis.library import load_library
from koers.loop import learning
from koers.settings import metrics_folder
from koers.store import Store

KPI_PAGE = ROOT / "pages" / "kpi.py"
OVERVIEW_PAGE = ROOT / "pages" / "overzicht.py"
HOSTILE = "![x](http://host/pixel.png) [Log in](http://evil.example/)"
KPI = "service_satisfaction"  # an outcome: a card on Overzicht


def bodies(at: AppTest) -> list[str]:
    """Every text the page hands to Streamlit's Markdown renderer."""
    kinds = ("markdown", "caption", "warning", "info", "error", "success", "title", "header", "subheader")
    return [element.value for kind in kinds for element in at.get(kind)] + [m.label for m in at.metric]


def no_live_markdown(at: AppTest) -> None:
    for body in bodies(at):
        assert "![" not in body and "](http" not in body and "http://" not in body, body


def save_hostile_loop(db: Path) -> None:
    with Store.open(db) as store:
        library = load_library(metrics_folder(), store.known_indicator_ids())
        learning.save_annotation(store, library, LOCAL, {"kpi_id": KPI, "region_code": "GM0363", "period": "2024",
                                                         "kind": "observation", "text": HOSTILE})
        learning.save_action(store, library, LOCAL, {"region_code": "GM0363", "title": f"Actie {HOSTILE}",
                                                     "owner": "<img src=http://host/owner.png>", "kpi_ids": [KPI],
                                                     "due_date": dt.date.today() - dt.timedelta(days=10)})


def test_the_plain_rule_escapes_every_markdown_meaning():
    assert present.plain(HOSTILE) == ("\\!\\[x\\]\\(http\\:\u2060\\/\\/host\\/pixel\\.png\\) "
                                      "\\[Log in\\]\\(http\\:\u2060\\/\\/evil\\.example\\/\\)")
    assert present.plain("zie www.evil.example of mail a@evil.example, $x$ :red[rood] <b>vet</b>") == (
        "zie www\u2060\\.evil\\.example of mail a\\@\u2060evil\\.example\\, \\$x\\$ \\:red\\[rood\\] \\<b\\>vet\\<\\/b\\>")
    assert present.plain("Gewoon 27,5 procent") == "Gewoon 27\\,5 procent"
    assert present.plain(None) == ""
    assert present.plain_html('<a href="http://evil.example/">x</a> & co') == '&lt;a href="http://evil.example/"&gt;x&lt;/a&gt; &amp; co'


def test_an_annotation_and_an_action_show_as_typed_on_the_overview(app_on, demo_db):
    save_hostile_loop(demo_db)
    at = app_on(demo_db, gemeente="GM0363", jaar="2024")  # Overzicht is the first page
    assert not at.error, [e.value for e in at.error]
    card = next(m.value for m in at.markdown if "1 annotatie(s)" in m.value)
    assert card.endswith(f"laatste (2024): {present.plain(HOSTILE)}]]")  # the card's last line of small print
    overdue = next(w.value for w in at.warning if "Actie" in w.value)
    assert f"- {present.plain('Actie ' + HOSTILE)} — eigenaar {present.plain('<img src=http://host/owner.png>')}" in overdue
    no_live_markdown(at)

    # The KPI page's chart: the hover text holds the annotation as text, not as tags.
    at.query_params["kpi"] = KPI
    at.switch_page(str(KPI_PAGE.relative_to(ROOT))).run()
    assert not at.exception
    no_live_markdown(at)


UNIT = '![u](http://host/unit.png) <a href="http://evil.example/">u</a>'
OWN_KPI = f"""id: own_population
title: {{nl: "Inwoners [klik](http://evil.example/)", en: Inhabitants}}
description: {{nl: "{HOSTILE} <img src='http://host/p.png'>", en: "{HOSTILE}"}}
theme: 1
kind: context
polarity: neither
unit: '{UNIT}'
definition: {{type: indicator, indicator: population}}
source: '[CBS](http://evil.example/)'
"""


def test_an_own_kpis_title_description_and_unit_show_as_written(app_on, demo_shared, monkeypatch, tmp_path):
    folder = tmp_path / "own_metrics"
    folder.mkdir()
    (folder / "own.yaml").write_text(OWN_KPI, encoding="utf-8")
    monkeypatch.setenv("KOERS_METRICS", str(folder))
    at = app_on(demo_shared, KPI_PAGE, gemeente="GM0363", jaar="2024", kpi="own_population")
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == present.plain("Inwoners [klik](http://evil.example/)")
    markdown = [m.value for m in at.markdown]
    assert present.plain(f"{HOSTILE} <img src='http://host/p.png'>") in markdown
    definition = next(m for m in markdown if m.startswith("- **Formule**"))
    assert present.plain(UNIT) in definition and present.plain("[CBS](http://evil.example/)") in definition
    no_live_markdown(at)
    # The charts' axis titles: Plotly reads tags, so the unit goes in as text.
    axes = [json.loads(chart.proto.spec)["layout"] for chart in at.get("plotly_chart")]
    titles = [layout[axis]["title"]["text"] for layout in axes for axis in ("xaxis", "yaxis") if "title" in layout.get(axis, {})]
    assert present.plain_html(UNIT) in titles and UNIT not in titles
