"""Links into the dashboard (issue 12): a value in the URL that matches nothing is named in a
one-line notice (and the fallback is kept); the presentation's slide is `dia` in the URL; every
page answers at its Dutch and its English address; the address that Back restores wins over the
widgets (what Streamlit 1.67 sends on Back: the same script rerun with the earlier query string).

AppTest cannot follow a url path, only a page hash: the alias tests request the hash Streamlit
gives an alias page (`calc_hash(url_path)`), the way a browser asking for `/indicatoren` does."""

from __future__ import annotations

import ast
import json

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from conftest import ROOT, navigation
from koers import present
from koers.kpis.library import load_library
from koers.settings import metrics_folder
from koers.store import Store

pytestmark = pytest.mark.slow  # the whole dashboard, on the demo database

KPI_PAGE = ROOT / "pages" / "kpi.py"
PRESENTATION = ROOT / "pages" / "presentatie.py"


def aliases() -> dict[str, tuple[str, ...]]:
    """`ALIASES` in app.py, read without running the app."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    table = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and any(getattr(target, "id", None) == "ALIASES" for target in node.targets))
    return ast.literal_eval(table)


def notices(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if w.proto.icon == ":material/link_off:"]


def position(at: AppTest) -> str:
    return next(m.value.strip("*") for m in at.markdown if m.value.startswith("**") and " / " in m.value)


def agenda(at: AppTest):
    return next(d.value for d in at.dataframe if "#" in d.value.columns)


# --- 1. unknown values in a link ---------------------------------------------------------------


def test_every_unknown_frame_parameter_is_named_and_falls_back(app_on, demo_shared):
    at = app_on(demo_shared, taal="fr", gemeente="GM9999", jaar="1999", groep="buren", eigen="GM0363,GM9998,XX",
                indeling="gisteren")
    assert notices(at) == [
        "Onbekende taal in de link: fr — Nederlands getoond",
        "Onbekende gemeente in de link: GM9999 — Amsterdam (GM0363) getoond",
        "Onbekend jaar in de link: 1999 — 2024 getoond",
        "Onbekende vergelijkingsgroep in de link: buren — Grootteklasse getoond",
        "Onbekende gemeentecodes in de link (eigen): GM9998, XX — weggelaten",
        "Onbekende gemeentelijke indeling in de link: gisteren — de huidige indeling getoond",
    ]
    # the fallback as before, now written to the URL
    assert (at.session_state["taal"], at.session_state["gemeente"], at.session_state["jaar"], at.session_state["groep"],
            at.session_state["eigen"], at.session_state["indeling"]) == ("nl", "GM0363", 2024, "size", ["GM0363"], "today")
    assert {k: at.query_params[k] for k in ("taal", "gemeente", "jaar", "groep", "eigen", "indeling")} == {
        "taal": "nl", "gemeente": "GM0363", "jaar": "2024", "groep": "size", "eigen": "GM0363", "indeling": "today"}
    assert at.title[0].value == "Overzicht Amsterdam 2024"
    at.run()  # the notice is about the link: once
    assert notices(at) == []


def test_the_notice_is_in_the_links_language(app_on, demo_shared):
    at = app_on(demo_shared, taal="en", gemeente="GM9999", jaar="2031")
    assert notices(at) == ["Unknown municipality in the link: GM9999 — showing Amsterdam (GM0363)",
                           "Unknown year in the link: 2031 — showing 2024"]


def test_known_values_get_no_notice(app_on, demo_shared):
    at = app_on(demo_shared, gemeente="GM0344", jaar="2021", groep="province", indeling="historical", eigen="")
    assert notices(at) == []
    assert at.title[0].value == "Overzicht Utrecht (gemeente) 2021"


def test_unknown_page_parameters_are_named(app_on, demo_shared):
    with Store.open(demo_shared, read_only=True) as store:
        known = store.known_indicator_ids()
    at = app_on(demo_shared, KPI_PAGE, gemeente="GM0363", kpi="no_such_kpi")
    kpis = load_library(metrics_folder(), known).kpis  # KOERS_METRICS as the app saw it
    labels = present.kpi_labels(kpis, "nl")  # the picker's order and labels
    first = next(iter(labels))
    assert at.session_state["kpi"] == first and at.query_params["kpi"] == first
    assert notices(at) == [f"Onbekende KPI in de link: no_such_kpi — {labels[first]} getoond"]

    at = app_on(demo_shared, PRESENTATION, gemeente="GM0363", jaar="2024", sessie="999", dia="0")
    # the demo database has no review sessions: the live figures, from the first slide
    assert notices(at) == ["Onbekende reviewsessie in de link: 999 — Actuele cijfers 2024 getoond",
                           "Onbekende dia in de link: 0 — dia 1 getoond"]
    assert position(at).startswith("1 / ") and at.query_params["sessie"] == "0" and at.query_params["dia"] == "1"


# --- 2. the presentation's slide -----------------------------------------------------------------


def test_the_slide_is_in_the_url_both_ways(app_on, demo_shared):
    at = app_on(demo_shared, PRESENTATION, gemeente="GM0363", jaar="2024", dia="3")
    order = agenda(at)["KPI"].tolist()
    assert position(at) == f"3 / {len(order)}" and at.header[0].value == present.plain(order[2])
    assert notices(at) == []

    at.button(key="pres_next").click()
    at.run()
    assert at.query_params["dia"] == "4" and position(at) == f"4 / {len(order)}"
    at.button(key="pres_previous").click()
    at.run()
    at.button(key="pres_previous").click()
    at.run()
    assert at.query_params["dia"] == "2"

    # the address is the link: a new visitor on it sees the same slide
    again = app_on(demo_shared, PRESENTATION, **{k: at.query_params[k] for k in ("gemeente", "jaar", "dia")})
    assert position(again) == f"2 / {len(order)}" and again.header[0].value == present.plain(order[1])

    # Back restores the earlier address (dia=4): the slide follows it
    at.query_params["dia"] = "4"
    at.run()
    assert position(at) == f"4 / {len(order)}" and at.header[0].value == present.plain(order[3]) and notices(at) == []

    # another deck chosen on the page starts at its first slide
    at.segmented_control(key="pres_unit").set_value("theme")
    at.run()
    assert position(at) == "1 / 3" and at.query_params["dia"] == "1"


# --- 3. the alias addresses ---------------------------------------------------------------------

# Each page's Dutch and English names (besides its own url_path).
EXPECTED = {"overzicht": {"overzicht", "overview"}, "thema": {"thema", "theme"}, "leren": {"leren", "learning"},
            "review": {"review", "council-review"}, "presentatie": {"presentatie", "presentation"},
            "kpi": {"kpi", "indicator"}, "vergelijken": {"vergelijken", "compare"}, "data": {"data", "data-import"},
            "studio": {"studio", "kpi-studio"}, "beheer": {"beheer", "admin"}, "wijken": {"wijken", "districts"}}


def test_every_page_has_a_dutch_and_an_english_address():
    table, extra = navigation(), aliases()
    assert {file for file, *_ in table} == set(EXPECTED)  # every page found
    for file, *_, path in table:
        assert EXPECTED[file] <= {path, *extra.get(path, ())}, file
    # the default page is served at "/": its own url_path ("overview") is one of its aliases
    every = [path for *_, path in table[1:]] + [name for names in extra.values() for name in names]
    assert len(every) == len(set(every)), "an address is used twice"
    assert set(extra) <= {path for *_, path in table}


def test_the_aliases_are_registered_hidden_pages(app_on, demo_shared):
    at = app_on(demo_shared)
    registered = {info.get("url_pathname") for info in at._registered_pages.values()}
    assert {name for names in aliases().values() for name in names} <= registered
    # hidden: the sidebar's menu lists the ten pages only
    assert len(registered) == len(navigation()) + sum(len(names) for names in aliases().values())


@pytest.mark.parametrize("alias, canonical, title", [
    ("overview", "", "Overzicht Utrecht (gemeente) 2021"),
    ("indicatoren", "indicator", None),
    ("raadsreview", "council-review", "Reviewsessies — Utrecht (gemeente)"),
    ("themas", "theme", None),
    ("import", "data-import", "Data"),
])
def test_an_alias_redirects_to_its_page_keeping_the_query(app_on, demo_shared, alias, canonical, title):
    """The aliases that are not a file's name in pages/ (those are run by Streamlit's older pages/
    mechanism in AppTest, which resets it on every run; the browser test opens them)."""
    at = app_on(demo_shared, gemeente="GM0344", jaar="2021", kpi="jobs_per_1000")
    at._page_hash = calc_hash(alias)  # what a browser asking for /<alias> requests
    at.run()
    assert not at.exception, at.exception
    assert at._finished_page_script_hash == calc_hash(canonical)
    assert at.query_params["gemeente"] == "GM0344" and at.query_params["jaar"] == "2021"
    assert at.query_params["kpi"] == "jobs_per_1000"
    if title:
        assert at.title[0].value == title
    if canonical == "indicator":
        assert at.session_state["kpi"] == "jobs_per_1000" and at.title[0].value == "Banen"


# --- 4. Back: the restored address wins ----------------------------------------------------------


def test_the_address_back_restores_wins_over_the_widgets(app_on, demo_shared):
    at = app_on(demo_shared, gemeente="GM0363", jaar="2024")
    at.selectbox(key="gemeente").set_value("GM0344")
    at.run()
    assert at.query_params["gemeente"] == "GM0344" and at.title[0].value == "Overzicht Utrecht (gemeente) 2024"
    # Back: Streamlit reruns with the earlier query string (the widget still holds Utrecht)
    at.query_params["gemeente"] = "GM0363"
    at.run()
    assert at.session_state["gemeente"] == "GM0363" and at.selectbox(key="gemeente").value == "GM0363"
    assert at.title[0].value == "Overzicht Amsterdam 2024" and at.query_params["gemeente"] == "GM0363"
    assert notices(at) == []
    # an address without the parameter (another page's link) changes nothing
    del at.query_params["gemeente"]
    at.run()
    assert at.session_state["gemeente"] == "GM0363" and at.query_params["gemeente"] == "GM0363"


def test_a_stale_value_of_our_own_gets_no_notice(app_on, demo_shared):
    """A page's choice that no longer exists for a new selection (here: a year the page's options
    lack) falls back silently: the URL held it because this session wrote it, not a link."""
    at = app_on(demo_shared, PRESENTATION, gemeente="GM0363", jaar="2024", dia="5")
    assert position(at).startswith("5 / ")
    at.segmented_control(key="pres_unit").set_value("theme")  # 3 slides: dia=5 was ours, not a link's
    at.run()
    assert position(at) == "1 / 3" and notices(at) == []


def test_slide_chart_is_the_slides_kpi(app_on, demo_shared):
    """The slide opened from the link draws its own KPI's series (not the first slide's)."""
    at = app_on(demo_shared, PRESENTATION, gemeente="GM0363", jaar="2024", dia="2")
    order = agenda(at)["KPI"].tolist()
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert at.header[0].value == present.plain(order[1])
    assert chart["data"][0]["name"] == present.plain_html(order[1])
