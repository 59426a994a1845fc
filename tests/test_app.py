"""The dashboard in Streamlit's AppTest on a real demo database: every page found in pages/,
what the pages show, the language switch, shared URLs, no lock held while idle."""

from __future__ import annotations

import pytest

from conftest import ROOT, run_cli
from koers import i18n, present
from koers.kpis.assess import kpi_overview
from koers.kpis.library import load_library
from koers.settings import metrics_folder
from koers.store import Store

APP = str(ROOT / "app.py")
PAGES = sorted(p for p in (ROOT / "pages").glob("*.py"))


def test_pages_were_found():
    assert {p.stem for p in PAGES} >= {"overzicht", "kpi"}




@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_every_page_renders_without_error(app_on, demo_shared, page):
    at = app_on(demo_shared, page)
    assert not at.error, [e.value for e in at.error]
    assert at.title, "a page has a title"
    # headings in order: one title, then headers
    assert len(at.title) == 1


@pytest.mark.slow
def test_overview_cards_equal_the_metric_layer(app_on, demo_shared):
    at = app_on(demo_shared, gemeente="GM0363", jaar="2024")
    assert at.title[0].value == "Overzicht Amsterdam 2024"
    with Store.open(demo_shared, read_only=True) as store:
        library = load_library(metrics_folder(), store.known_indicator_ids())
        expected = kpi_overview(store, library, "GM0363", 2024)
    outcomes = expected[expected["kind"] == "outcome"]
    shown = {m.label: m.value for m in at.metric}
    checked = 0
    for row in outcomes.itertuples():
        title = present.plain(library.kpis[row.kpi_id].title.nl)  # a card's label is the title as written
        if title in shown and row.value == row.value:  # not NaN
            assert shown[title] == present.number(row.value, "nl"), title
            checked += 1
    assert checked >= 15


def test_language_switch_changes_the_texts(app_on, demo_shared):
    at = app_on(demo_shared, gemeente="GM0363", jaar="2024", taal="en")
    assert at.title[0].value == "Overview Amsterdam 2024"
    assert any(h.value.startswith("1. Working as one efficient government") for h in at.header)
    at.session_state["taal"] = "nl"
    at.run()
    assert at.title[0].value == "Overzicht Amsterdam 2024"


@pytest.mark.slow
def test_a_shared_url_opens_the_same_view(app_on, demo_shared):
    page = ROOT / "pages" / "kpi.py"
    at = app_on(demo_shared, page, gemeente="GM0014", jaar="2020", kpi="population_growth")
    assert at.session_state["gemeente"] == "GM0014" and at.session_state["jaar"] == 2020
    assert at.title[0].value == "Bevolkingsgroei"
    # provenance: the source with its licence and the date of its last import
    assert any(present.plain("03759ned: CC BY 4.0 (Bron: CBS), ") in m.value for m in at.markdown)  # shown as written
    assert at.query_params["kpi"] == ["population_growth"] or at.query_params["kpi"] == "population_growth"


@pytest.mark.slow
def test_a_municipality_that_no_longer_existed_is_explained(app_on, demo_shared):
    at = app_on(demo_shared, gemeente="GM0003", jaar="2023", indeling="historical")
    warning = at.warning[0].value
    assert "Appingedam bestond niet in 2023" in warning and "Eemsdelta (GM1979)" in warning and "01-01-2021" in warning
    assert at.toggle[0].value is True  # the harmonised series is offered and shown
    today = app_on(demo_shared, gemeente="GM0003", jaar="2023")  # today's division: shown as Eemsdelta
    assert today.warning[0].value.startswith("Appingedam is geen gemeente in de huidige indeling: opgegaan in Eemsdelta (GM1979)")
    assert not today.toggle


def test_catalogues_have_the_same_keys():
    assert set(i18n.catalogue("nl")) == set(i18n.catalogue("en"))


@pytest.mark.slow
def test_builds_the_demo_on_first_start(app_on, tmp_path):
    db = tmp_path / "fresh.duckdb"
    at = app_on(db)
    assert db.exists() and at.title[0].value.startswith("Overzicht")


@pytest.mark.slow
def test_idle_dashboard_holds_no_lock_and_shows_a_new_import_without_restart(app_on, demo_db, tmp_path):
    at = app_on(demo_db, gemeente="GM0363", jaar="2024")
    # While the dashboard "runs", the CLI can write at once (no waiting message)...
    own = tmp_path / "eigen.csv"
    own.write_text("indicator;gemeentecode;jaar;waarde\nservice_satisfaction_score;GM0363;2024;9,9\n", encoding="utf-8")
    done = run_cli("--wait", "2", "import", "file", str(own), "--source-name", "enquete", db=demo_db)
    assert done.returncode == 0 and "held by another process" not in done.stderr, done.stderr
    # ...and the next rerun shows it (the own figure outranks the example series).
    at.run()
    shown = {m.label: m.value for m in at.metric}
    assert shown["Waardering dienstverlening gemeente"] == "9,90"


def test_unreadable_database_is_a_friendly_line_not_a_traceback(app_on, tmp_path):
    db = tmp_path / "broken.duckdb"
    db.write_bytes(b"this is not a duckdb file" * 100)
    at = app_on(db)
    assert len(at.error) == 1
    assert "Traceback" not in at.error[0].value


def _imported_modules(path) -> set[str]:
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_store_talks_to_duckdb_and_pages_only_draw():
    code = [p for folder in ("koers", "pages", "metrics") for p in (ROOT / folder).rglob("*.py")]
    code += [ROOT / "app.py", ROOT / "serve.py"]
    assert len(code) > 40
    talking = sorted(str(p.relative_to(ROOT)) for p in code if "duckdb" in _imported_modules(p))
    assert talking and all(path.startswith("koers/store/") for path in talking), talking
    for page in PAGES:  # a page reads through koers (dashboard.reads, services), never the store itself
        assert "koers.store" not in _imported_modules(page), page.name


@pytest.mark.slow  # the library evaluated for every municipality
def test_after_the_warm_up_the_first_visit_opens_nothing(monkeypatch, tmp_path, demo_shared):
    """What `serve.py` fills before the first visitor (`reads.warm_up`) is exactly what the landing
    page then reads: its first run opens no store and evaluates nothing (the learning loop too is
    cached, on what people wrote: `reads._people_signature`)."""
    import threading
    import traceback

    from streamlit.testing.v1 import AppTest

    from koers.dashboard import reads
    from koers.kpis import evaluate

    monkeypatch.setenv("KOERS_DB", str(demo_shared))
    monkeypatch.setenv("KOERS_METRICS", str(tmp_path / "metrics"))
    reads.warm_up()
    opened, computed = [], []
    real_open, real_evaluate, real_overview = Store.open, evaluate.evaluate, reads.kpi_overview
    # Only the page run's own visits (its thread): another test's thread left running may open the store too.
    monkeypatch.setattr(Store, "open", classmethod(lambda cls, path, *a, **k: (
        threading.current_thread().name == "ScriptRunner.scriptThread"
        and opened.append(" < ".join(f.name for f in traceback.extract_stack()[-8:-1]))) or real_open(path, *a, **k)))
    monkeypatch.setattr(reads, "evaluate", lambda *a, **k: computed.append("evaluate") or real_evaluate(*a, **k))
    monkeypatch.setattr(reads, "kpi_overview", lambda *a, **k: computed.append("kpi_overview") or real_overview(*a, **k))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception and at.title[0].value == "Overzicht Amsterdam 2024"
    assert (opened, computed) == ([], [])


@pytest.mark.slow  # the library evaluated for every municipality
def test_after_indexing_a_change_of_municipality_reads_its_series_as_evaluated_alone(monkeypatch, tmp_path, demo_shared):
    """`reads.index_regions` (run by `serve.py` once the server answers): another municipality's
    series then comes from the index, without evaluating, and holds what evaluating it alone gives."""
    import datetime as dt

    from koers.dashboard import reads
    from koers.kpis import evaluate

    monkeypatch.setenv("KOERS_DB", str(demo_shared))
    monkeypatch.setenv("KOERS_METRICS", str(tmp_path / "metrics"))
    reads.index_regions()
    reads._region_results.clear()  # nothing an earlier test read in this process
    computed, real_evaluate = [], evaluate.evaluate
    monkeypatch.setattr(reads, "evaluate", lambda *a, **k: computed.append(k) or real_evaluate(*a, **k))
    today = dt.date.today()
    indexed = reads._region_results(reads._db(), reads._signature(), "GM0344", today)
    assert computed == []
    with Store.open(demo_shared, read_only=True) as store:
        alone = real_evaluate(store, load_library(None, store.known_indicator_ids()), harmonise_on=today, regions=["GM0344"])
    key = ["kpi_id", "period"]
    indexed, alone = (f.astype({"kpi_id": str}).sort_values(key).reset_index(drop=True) for f in (indexed, alone))
    assert len(indexed) == len(alone) > 1000
    assert indexed[key].equals(alone[key])
    assert indexed["value"].fillna(-1).to_numpy() == pytest.approx(alone["value"].fillna(-1).to_numpy())
