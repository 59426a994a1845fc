"""The KPI studio in AppTest on the demo database, writing into a temporary metrics folder: an
invalid KPI is refused with its problems per field; a valid one is previewed with the values
`koers.kpis.evaluate` computes, saved as a version the library reads, and a second save keeps the
first and shows the changed field."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, rendered
from koers import present
from koers.kpis import versions
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.kpis.validate import Origin
from koers.store import Store

APP = str(ROOT / "app.py")
PAGE = ROOT / "pages" / "studio.py"
KPI_ID = "inwoners_per_1000_gemiddeld"


@pytest.fixture
def metrics(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "metrics"
    monkeypatch.setenv("KOERS_METRICS", str(folder))
    return folder


@pytest.fixture
def app_on(app_on, metrics):
    """The shared AppTest starter, with KOERS_METRICS set by `metrics` first."""
    return app_on


def table(at: AppTest, *columns: str):
    return next((d.value for d in at.dataframe if set(columns) <= set(d.value.columns)), None)


def fill(at: AppTest, **fields: object) -> AppTest:
    for name, value in fields.items():
        key = f"studio_{name}"
        if name.startswith("description"):
            at.text_area(key=key).input(value)
        elif name in ("theme", "kind", "polarity", "numerator", "denominator", "scale", "indicator"):
            at.selectbox(key=key).set_value(value)
        elif name == "definition_type":
            at.segmented_control(key=key).set_value(value)
        else:
            at.text_input(key=key).input(value)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.slow
def test_the_studio_refuses_an_invalid_kpi_and_saves_a_valid_one_as_versions(app_on, demo_db, metrics):
    at = app_on(demo_db, PAGE)
    at.session_state["jaar"] = 2020  # switching pages in AppTest resets the selection: set it here
    at.run()
    assert [h.value for h in at.header][:3] == ["Definitie", "Controle", "Voorbeeld: waarden in 2020"]
    assert any(c.value == "Een nieuwe KPI; hij wordt opgeslagen in metrics." for c in at.caption)  # the folder's name only

    # Invalid: a bad id, a ratio without denominator, a scale that does not fit the unit.
    fill(at, id="Inwoners Per 1000", title_nl="Inwoners per 1.000 gemiddelde inwoners", unit="per 1.000 inwoners",
         definition_type="ratio")
    fill(at, numerator="population", scale=100)
    errors = at.error[0].value
    assert errors.startswith("6 fout(en): opslaan kan pas als deze zijn opgelost.")
    for line in ("**Fout** · Id: alleen kleine letters, cijfers en _", "**Fout** · Titel (en): verplicht veld",
                 "**Fout** · Noemer: verplicht veld", "**Fout** · Bron: verplicht veld"):
        assert line in errors, errors
    fill(at, id=KPI_ID, title_en="Inhabitants per 1,000 average inhabitants", description_nl="Een testcijfer.",
         description_en="A test figure.", source="CBS 03759ned", author="Jan Jansen")
    fill(at, denominator="average_population")
    assert [e.value for e in at.error] == [
        '1 fout(en): opslaan kan pas als deze zijn opgelost.\n\n'
        '- **Fout** · Schaal: eenheid "per 1.000 inwoners" past niet bij schaal 100']
    at.button(key="studio_save").click()
    at.run()
    assert at.error[-1].value == 'niet opgeslagen: 1 fout(en), eerst definition.scale: eenheid "per 1.000 inwoners" past niet bij schaal 100'
    assert not metrics.exists() or not list(metrics.rglob("*.yaml"))

    # Valid: no problems, a preview equal to the evaluation, saved as version 1.
    fill(at, scale=1000)
    assert not at.error and any(s.value.startswith("Geen problemen gevonden") for s in at.success)
    preview = table(at, "Gemeente", "Code", "Waarde")
    with Store.open(demo_db, read_only=True) as store:
        known = store.known_indicator_ids()
        library = load_library(metrics, known)
        state = at.session_state
        form = {name: state[f"studio_{name}"] if f"studio_{name}" in state else None for name in versions.FORM_FIELDS}
        library.kpis[KPI_ID], library.origin[KPI_ID] = versions.check(form, library, known, metrics).kpi, Origin("test")
        expected = evaluate(store, library, [KPI_ID])
    expected = expected[(expected["period"] == "2020") & expected["region_code"].str.startswith("GM") & expected["value"].notna()]
    assert len(preview) == len(expected) > 300
    assert dict(zip(preview["Code"], preview["Waarde"])) == {
        code: present.number(value, "nl") for code, value in zip(expected["region_code"], expected["value"])}

    at.button(key="studio_save").click()
    at.run()
    assert not at.exception, at.exception
    target = metrics / f"{KPI_ID}.yaml"
    # the file's name, not where the server keeps it (the library itself knows the full path)
    assert any(s.value == f"Versie 1 van {KPI_ID} opgeslagen in {KPI_ID}.yaml." for s in at.success)
    assert any(c.value.endswith(f"({KPI_ID}), uit {KPI_ID}.yaml.") for c in at.caption)
    assert str(metrics.parent) not in rendered(at) and str(ROOT) not in rendered(at)
    assert at.session_state["studio_choice"] == KPI_ID  # the saved KPI is now the one being edited
    saved = load_library(metrics, ["population", "average_population"])
    assert not saved.errors and saved.origin[KPI_ID].file == str(target)
    assert saved.kpis[KPI_ID].definition.scale == 1000

    # A second version: the first is kept, and the comparison shows the changed field.
    fill(at, title_en="Residents per 1,000 average residents", author="Piet")
    at.button(key="studio_save").click()
    at.run()
    assert any(s.value == f"Versie 2 van {KPI_ID} opgeslagen in {KPI_ID}.yaml." for s in at.success)
    history = table(at, "Versie", "Opgeslagen", "Door")
    assert history["Versie"].tolist() == [1, 2] and history["Door"].tolist() == ["Jan Jansen", "Piet"]
    assert len(list((metrics / "versions" / KPI_ID).glob("v*.yaml"))) == 2
    diff = table(at, "Veld", "Versie 1", "Versie 2")
    assert diff.values.tolist() == [["Titel (en)", "Inhabitants per 1,000 average inhabitants", "Residents per 1,000 average residents"]]
    assert load_library(metrics, ["population", "average_population"]).kpis[KPI_ID].title.en == "Residents per 1,000 average residents"
    assert str(metrics.parent) not in rendered(at) and str(ROOT) not in rendered(at)


def test_on_a_shared_database_the_studio_saves_versions_there_and_sees_another_replicas(app_on, demo_db, metrics,
                                                                                        postgres_url_factory):
    """With KOERS_DATABASE_URL no file is written: the versions are rows of the shared database, the
    page names it in words, and a version another replica saved meanwhile is shown and refuses a
    save from the older one."""
    from koers.access import LOCAL
    from koers.kpis import own

    postgres_url_factory(copy_from=demo_db)
    at = app_on(demo_db, PAGE)
    assert any(c.value == "Een nieuwe KPI; hij wordt opgeslagen in de gedeelde database." for c in at.caption)
    at.selectbox(key="studio_choice").set_value("population_growth")
    at.run()
    fill(at, unit="% per jaar", author="Els")
    at.button(key="studio_save").click()
    at.run()
    assert any(s.value == "Versie 2 van population_growth opgeslagen in de gedeelde database." for s in at.success)
    assert any(c.value.endswith("(population_growth), uit de gedeelde database.") for c in at.caption)
    history = table(at, "Versie", "Opgeslagen", "Door", "Herkomst")
    assert history[["Versie", "Door", "Herkomst"]].values.tolist() == [
        [1, "(bestaande definitie)", "theme_efficient.yaml"], [2, "Els", ""]]
    assert not metrics.exists()

    # Another replica saves version 3; this page still shows the form loaded from version 2.
    with Store.open(demo_db, read_only=True) as store:
        known = store.known_indicator_ids()
    place = own.at()
    library = load_library(place, known)
    versions.save(versions.form_of(library.kpis["population_growth"]) | {"unit": "% groei"}, library, known, place,
                  "Piet", editing="population_growth", actor=LOCAL, based_on=2, db=demo_db)
    fill(at, unit="% per jaar (Els)")
    at.button(key="studio_save").click()
    at.run()
    assert at.error[-1].value.startswith("niet opgeslagen: KPI population_growth is intussen opgeslagen als versie 3 "
                                         "door Piet (")
    assert table(at, "Versie", "Door")["Door"].tolist() == ["(bestaande definitie)", "Els", "Piet"]
    assert [v.kpi["unit"]["nl"] for v in place.versions("population_growth")][1:] == ["% per jaar", "% groei"]
