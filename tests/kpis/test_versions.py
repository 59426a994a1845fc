"""The KPI studio's logic: a KPI from form fields, checked (pydantic shape per field, then the
library's rules), previewed as `koers.kpis.evaluate` computes it, and saved as versions in a
temporary metrics folder (never the repository's metrics/custom)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from koers.access import LOCAL
from koers.kpis import versions
from koers.errors import KoersError
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.errors import Conflict
from koers.kpis import own
from koers.kpis.own import document_of
from koers.kpis.validate import Origin
from koers.store import Store
from metrics.model import Kpi

KNOWN = {"population", "average_population"}


def ratio_form(**changes) -> dict:
    form = versions.blank_form() | {
        "id": "inwoners_per_1000_gemiddeld", "title_nl": "Inwoners per 1.000 gemiddelde inwoners",
        "title_en": "Inhabitants per 1,000 average inhabitants", "description_nl": "Een testcijfer.",
        "description_en": "A test figure.", "kind": "output", "unit": "per 1.000 inwoners", "definition_type": "ratio",
        "numerator": "population", "denominator": "average_population", "scale": 1000, "source": "CBS 03759ned",
    }
    return form | changes


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "metrics"
    monkeypatch.setenv("KOERS_METRICS", str(path))
    return path


def problems(check: versions.Check) -> dict[str, str]:
    return {p.field: p.nl for p in check.problems}


def test_an_empty_form_names_every_missing_field(folder):
    check = versions.check(versions.blank_form(), load_library(folder, KNOWN), KNOWN, folder)
    assert check.kpi is None
    assert problems(check) == {name: "verplicht veld" for name in (
        "id", "title.nl", "title.en", "description.nl", "description.en", "unit", "definition.indicator", "source")}


def test_shape_and_rule_problems_point_at_their_field(folder):
    library = load_library(folder, KNOWN)
    bad_id = versions.check(ratio_form(id="Inwoners Per 1000"), library, KNOWN, folder)
    assert problems(bad_id)["id"].startswith("alleen kleine letters, cijfers en _")
    wrong_scale = versions.check(ratio_form(scale=100), library, KNOWN, folder)
    assert problems(wrong_scale) == {"definition.scale": 'eenheid "per 1.000 inwoners" past niet bij schaal 100'}
    unknown = versions.check(ratio_form(denominator="inwoners_totaal"), library, KNOWN, folder)
    assert problems(unknown) == {"definition": 'onbekende indicator of KPI "inwoners_totaal"'}
    not_outcome = versions.check(ratio_form(contributes_to=["population_growth"]), library, KNOWN, folder)
    assert problems(not_outcome) == {"contributes_to": '"population_growth" is geen outcome maar context'}
    taken = versions.check(ratio_form(id="population_growth"), library, KNOWN, folder)
    assert problems(taken)["id"].startswith('er is al een KPI "population_growth"')
    formula = versions.check(ratio_form(definition_type="formula", formula="population / "), library, KNOWN, folder)
    assert "definition.formula" in problems(formula)


def test_a_change_that_breaks_another_kpi_is_reported(folder):
    """Making an outcome an output breaks every `contributes_to` that points at it."""
    library = load_library(folder, KNOWN)
    target = next(k for k in library.kpis.values() if k.kind == "outcome"
                  and any(k.id in other.contributes_to for other in library.kpis.values()))
    form = versions.form_of(target) | {"kind": "output"}
    found = versions.check(form, library, KNOWN, folder, editing=target.id)
    assert any(p.kpi != target.id and p.field == "contributes_to" for p in found.errors)


def test_saving_writes_a_yaml_the_library_reads_and_keeps_every_version(folder):
    library = load_library(folder, KNOWN)
    first = versions.save(ratio_form(), library, KNOWN, folder, "Jan Jansen", now=dt.datetime(2025, 1, 14, 10, 15), actor=LOCAL)
    target = folder / "inwoners_per_1000_gemiddeld.yaml"
    loaded = load_library(folder, KNOWN)
    assert not loaded.errors and loaded.origin["inwoners_per_1000_gemiddeld"].file == str(target)
    assert loaded.kpis["inwoners_per_1000_gemiddeld"].definition.scale == 1000

    second = versions.save(ratio_form(title_en="Residents per 1,000"), loaded, KNOWN, folder, "Piet",
                               editing="inwoners_per_1000_gemiddeld", now=dt.datetime(2025, 2, 1, 9, 0), actor=LOCAL)
    saved = versions.list_versions(folder, "inwoners_per_1000_gemiddeld")
    assert [(v.number, v.author) for v in saved] == [(1, "Jan Jansen"), (2, "Piet")]
    assert saved[0].path == first.path and first.path.name == "v0001_20250114T101500_jan_jansen.yaml"
    assert saved[0].kpi["title"]["en"] == "Inhabitants per 1,000 average inhabitants"  # the old one is kept
    assert yaml.safe_load(second.path.read_text(encoding="utf-8"))["saved_at"] == "2025-02-01T09:00:00"
    changed = versions.diff(saved[0].kpi, saved[1].kpi).query("changed")
    assert changed[["field", "old", "new"]].values.tolist() == [
        ["title.en", "Inhabitants per 1,000 average inhabitants", "Residents per 1,000"]]
    assert load_library(folder, KNOWN).kpis["inwoners_per_1000_gemiddeld"].title.en == "Residents per 1,000"


def test_saving_is_refused_with_errors_or_without_an_author(folder):
    library = load_library(folder, KNOWN)
    with pytest.raises(KoersError) as raised:
        versions.save(ratio_form(scale=100), library, KNOWN, folder, "Jan", actor=LOCAL)
    assert raised.value.nl.startswith("niet opgeslagen: 1 fout(en), eerst definition.scale")
    with pytest.raises(KoersError):
        versions.save(ratio_form(), library, KNOWN, folder, "  ", actor=LOCAL)
    assert not folder.exists() or not list(folder.rglob("*.yaml"))


def test_changing_a_builtin_kpi_records_the_builtin_first(folder, demo_db, shared_backend):
    place = own.at()  # the folder, or the shared database
    library = load_library(place, KNOWN)
    form = versions.form_of(library.kpis["population_growth"]) | {"unit": "% per jaar"}
    versions.save(form, library, KNOWN, place, "Els", editing="population_growth", actor=LOCAL, db=demo_db)
    saved = versions.list_versions(place, "population_growth")
    assert [(v.number, v.author, v.origin) for v in saved] == [(1, None, "metrics/theme_efficient.yaml"), (2, "Els", None)]
    changed = versions.diff(saved[0].kpi, saved[1].kpi).query("changed")
    assert changed["field"].tolist() == ["unit.nl"]  # its English stays
    read = load_library(place, KNOWN)
    assert read.kpis["population_growth"].unit.nl == "% per jaar" and not read.errors
    assert read.origin["population_growth"].file == (
        "database:population_growth v2" if place.shared else str(folder / "population_growth.yaml"))
    assert load_library(None, KNOWN).kpis["population_growth"].unit.nl == "% in het jaar"  # the built-in as shipped


def test_every_save_is_a_version_the_library_reads_the_newest(folder, demo_db, shared_backend):
    """Three saves by two people: numbered 1-3 with author and time, each KPI as saved; the library
    reads the third; the form loaded from version 3 saves again, from version 2 is refused."""
    place = own.at()
    kpi_id = "inwoners_per_1000_gemiddeld"
    library = load_library(place, KNOWN)
    moments = [dt.datetime(2025, 1, 14, 10, 15), dt.datetime(2025, 2, 1, 9, 0), dt.datetime(2025, 3, 3, 16, 45)]
    for n, (who, changes) in enumerate([("Jan Jansen", {}), ("Piet", {"title_en": "Residents per 1,000"}),
                                         ("Jan Jansen", {"title_en": "Residents per 1,000", "scale": 1, "unit": "per inwoner"})]):
        versions.save(ratio_form(**changes), library, KNOWN, place, who, editing=kpi_id if n else None,
                      now=moments[n], actor=LOCAL, based_on=n if n else None, db=demo_db)
        library = load_library(place, KNOWN)
    saved = versions.list_versions(place, kpi_id)
    assert [(v.number, v.author, v.saved_at) for v in saved] == [
        (1, "Jan Jansen", moments[0]), (2, "Piet", moments[1]), (3, "Jan Jansen", moments[2])]
    assert [v.kpi["title"]["en"] for v in saved] == ["Inhabitants per 1,000 average inhabitants", "Residents per 1,000",
                                                     "Residents per 1,000"]
    assert versions.diff(saved[1].kpi, saved[2].kpi).query("changed")["field"].tolist() == [
        "unit.nl", "unit.en", "definition.scale"]
    kpi = library.kpis[kpi_id]
    assert (kpi.definition.scale, kpi.unit.nl, kpi.title.en) == (1, "per inwoner", "Residents per 1,000")
    assert versions.latest_version(place, kpi_id) == 3
    with pytest.raises(Conflict):
        versions.save(ratio_form(), library, KNOWN, place, "Piet", editing=kpi_id, actor=LOCAL, based_on=2, db=demo_db)
    assert versions.latest_version(place, kpi_id) == 3


def test_a_file_holding_other_kpis_is_not_rewritten(folder):
    folder.mkdir(parents=True)
    both = [document_of(Kpi.model_validate(versions.document(ratio_form(id=name))))
            for name in ("eerste_kpi", "tweede_kpi")]
    (folder / "eigen.yaml").write_text(yaml.safe_dump(both, allow_unicode=True), encoding="utf-8")
    library = load_library(folder, KNOWN)
    check = versions.check(versions.form_of(library.kpis["eerste_kpi"]), library, KNOWN, folder, editing="eerste_kpi")
    assert problems(check)["id"].startswith("eigen.yaml bevat ook tweede_kpi")


def test_the_preview_is_what_evaluate_computes(demo_db, folder):
    with Store.open(demo_db, read_only=True) as store:
        known = store.known_indicator_ids()
        library = load_library(folder, known)
        check = versions.check(ratio_form(), library, known, folder)
        assert not check.errors
        shown = versions.preview(store, library, check.kpi, 2020)
        library.kpis[check.kpi.id] = check.kpi
        library.origin[check.kpi.id] = Origin("test")
        expected = evaluate(store, library, [check.kpi.id])
    expected = expected[(expected["period"] == "2020") & expected["region_code"].str.startswith("GM") & expected["value"].notna()]
    assert len(shown) == len(expected) > 300
    assert dict(zip(shown["region_code"], shown["value"])) == dict(zip(expected["region_code"], expected["value"]))


def test_two_advisors_creating_the_same_new_kpi_the_second_is_a_conflict(folder, demo_db, shared_backend):
    """Both opened a blank form while the id was free; before, the second save replaced the first."""
    from koers.access import Actor, Role

    folder = own.at()  # the folder, or the shared database
    anna, bram = (Actor(f"{n}@gemeente.example", name, Role.advisor) for n, name in (("a", "Anna"), ("b", "Bram")))
    library = load_library(folder, KNOWN)  # both forms were checked against this library: the id free
    versions.save(ratio_form(), library, KNOWN, folder, "Anna", actor=anna, db=demo_db)
    with pytest.raises(Conflict) as refused:
        versions.save(ratio_form(unit="per 1000 inwoners"), library, KNOWN, folder, "Bram", actor=bram, db=demo_db)
    assert refused.value.nl.startswith("niet opgeslagen: een KPI met id inwoners_per_1000_gemiddeld is intussen "
                                       "aangemaakt door Anna")
    saved = versions.list_versions(folder, "inwoners_per_1000_gemiddeld")
    assert [(v.number, v.author) for v in saved] == [(1, "Anna")]
    assert load_library(folder, KNOWN).kpis["inwoners_per_1000_gemiddeld"].unit == "per 1.000 inwoners"
    with Store.open(demo_db, read_only=True) as store:
        trail = store.audit_log(Actor("beheer@gemeente.example", "Beheer", Role.admin), "kpi_definition")
    assert trail["actor"].tolist() == [anna.id]


def test_the_unit_in_two_languages_is_saved_and_read_back(folder):
    """The studio's unit fields: the Dutch (or both-language) unit and, where it differs, the English."""
    library = load_library(folder, KNOWN)
    assert versions.document(ratio_form())["unit"] == "per 1.000 inwoners"  # no English: one string, as before
    assert versions.document(ratio_form(unit_en="per 1.000 inwoners"))["unit"] == "per 1.000 inwoners"
    versions.save(ratio_form(unit_en="per 1,000 residents"), library, KNOWN, folder, "Jan", actor=LOCAL)
    written = yaml.safe_load((folder / "inwoners_per_1000_gemiddeld.yaml").read_text(encoding="utf-8"))
    written = written[0] if isinstance(written, list) else written
    assert written["unit"] == {"nl": "per 1.000 inwoners", "en": "per 1,000 residents"}
    kpi = load_library(folder, KNOWN).kpis["inwoners_per_1000_gemiddeld"]
    assert (kpi.unit.nl, kpi.unit.en) == ("per 1.000 inwoners", "per 1,000 residents")
    form = versions.form_of(kpi)
    assert (form["unit"], form["unit_en"]) == ("per 1.000 inwoners", "per 1,000 residents")
    assert versions.form_of(next(k for k in library.kpis.values() if k.unit.nl == "%"))["unit_en"] == ""  # the same in both
    only_english = versions.check(ratio_form(unit="", unit_en="per 1,000 residents"), library, KNOWN, folder)
    assert problems(only_english) == {"unit.nl": "verplicht veld"}
