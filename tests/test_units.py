"""A KPI's unit in both languages: the model takes one string or {nl, en}, every built-in KPI has its
English, and a unit is shown, written with money and range-checked in either language."""

from __future__ import annotations

import pytest

from koers import present
from koers.errors import KoersError
from koers.kpis.library import load_library
from koers.kpis.validate import validate_document
from metrics.model import Kpi, Unit

DOCUMENT = {"id": "x", "title": {"nl": "a", "en": "b"}, "description": {"nl": "a", "en": "b"}, "theme": 1,
            "kind": "input", "polarity": "neither", "definition": {"type": "indicator", "indicator": "y"}, "source": "s"}
# A unit that reads the same in both languages: a symbol, no word.
SAME_IN_BOTH = {"%", "€"}


def test_a_plain_string_is_the_unit_in_both_languages_and_is_written_back_as_one():
    kpi = Kpi.model_validate(DOCUMENT | {"unit": "€ per jaar"})
    assert (kpi.unit, kpi.unit.nl, kpi.unit.en) == ("€ per jaar", "€ per jaar", "€ per jaar")
    assert kpi.model_dump(mode="json")["unit"] == "€ per jaar"


def test_a_unit_in_two_languages_reads_as_its_dutch_text_and_keeps_its_english():
    kpi = Kpi.model_validate(DOCUMENT | {"unit": {"nl": "per 1.000 woningen", "en": "per 1,000 dwellings"}})
    assert isinstance(kpi.unit, str) and kpi.unit == "per 1.000 woningen"  # what older readers take
    assert kpi.unit.startswith("per 1.000")
    assert (getattr(kpi.unit, "nl"), getattr(kpi.unit, "en")) == ("per 1.000 woningen", "per 1,000 dwellings")
    assert kpi.model_dump(mode="json")["unit"] == {"nl": "per 1.000 woningen", "en": "per 1,000 dwellings"}
    assert Kpi.model_validate(kpi.model_dump(mode="json")) == kpi
    assert Unit("a", "b") != Unit("a", "c")


@pytest.mark.parametrize("unit, field, problem", [
    ("", "unit", "mag niet leeg zijn"), ({"nl": "x"}, "unit.en", "verplicht veld"), (5, "unit", "moet tekst zijn"),
    ({"nl": "x", "en": "y", "de": "z"}, "unit.de", "is geen bekend veld"),
])
def test_a_wrong_unit_is_one_problem_about_the_form_written(unit, field, problem):
    kpi, problems = validate_document(DOCUMENT | {"unit": unit})
    assert kpi is None
    assert [(p.field, p.explanation.text("nl")) for p in problems] == [(field, problem)]


def test_every_builtin_kpi_has_an_english_unit():
    kpis = load_library().kpis.values()
    assert len(kpis) >= 60
    untranslated = [k.id for k in kpis if k.unit.en == k.unit.nl and k.unit.nl not in SAME_IN_BOTH]
    assert untranslated == []
    growth = load_library().kpis["population_growth"].unit
    assert (growth.nl, growth.en) == ("% in het jaar", "% in the year")


def test_a_unit_shown_in_the_views_language():
    unit = Unit("per 1.000 woningen", "per 1,000 dwellings")
    assert present.unit_text(unit, "en") == "per 1,000 dwellings"
    assert present.unit_text(unit, "nl") == "per 1.000 woningen"
    assert present.unit_text("1 000 euro", "en") == "1 000 euro"  # plain text as it is
    assert present.unit_text(None, "en") == ""
    assert present.shown(12.5, False, 0, "en", unit=unit) == "12.5 per 1,000 dwellings"
    row = {"unit": "per 1.000 woningen", "unit_en": "per 1,000 dwellings"}
    assert (present.unit_of(row, "en"), present.unit_of(row, "nl")) == ("per 1,000 dwellings", "per 1.000 woningen")
    assert present.unit_of({"unit": "%"}, "en") == "%"


def test_money_as_each_language_writes_it():
    unit = Unit("€ per inwoner", "€ per resident")
    assert present.shown(416, False, 0, "en", unit=unit) == "€416 per resident"
    assert present.shown(416, False, 0, "nl", unit=unit) == "€ 416 per inwoner"
    assert present.shown(617647, False, 0, "en", unit="€") == "€617,647"
    assert present.shown(617647, False, 0, "nl", unit="€") == "€ 617.647"
    assert present.shown(1000, False, 0, "en", unit="€ per jaar") == "€1,000 per jaar"
    assert present.change_text(-5.5, unit, "en") == "-€5.50 per resident"
    assert present.change_text(5.5, unit, "nl") == "+€ 5,50 per inwoner"
    assert present.shown(None, False, 0, "en", unit=unit) == "–"  # no number: no unit either
    assert present.with_unit("–", "€", "en") == "– €"


def test_a_frozen_unit_takes_the_librarys_english_while_its_dutch_is_unchanged():
    kpi = Kpi.model_validate(DOCUMENT | {"unit": {"nl": "per 1.000 woningen", "en": "per 1,000 dwellings"}})
    assert present.frozen_unit("per 1.000 woningen", kpi, "en") == "per 1,000 dwellings"
    assert present.frozen_unit("per 1.000 huizen", kpi, "en") == "per 1.000 huizen"  # changed since: as frozen
    assert present.frozen_unit("per 1.000 woningen", None, "en") == "per 1.000 woningen"


@pytest.mark.parametrize("nl, en, expected", [
    ("%", "%", (0, 100)), ("% van de inwoners", "% of residents", (0, 100)),
    ("% t.o.v. vorig jaar", "% change on the previous year", (None, None)),
    ("rapportcijfer (1-10)", "rating (1-10)", (1, 10)), ("per 1.000 inwoners", "per 1,000 residents", (0, None)),
    ("aantal", "number", (0, None)), ("fte per 1.000 inwoners", "FTE per 1,000 residents", (0, None)),
    ("kg per inwoner", "kg per resident", (0, None)), ("euro", "€", (None, None)),
])
def test_the_range_a_unit_allows_is_the_same_in_both_languages(nl, en, expected):
    assert present.unit_range(nl) == present.unit_range(en) == expected
    assert present.unit_range(Unit(nl, en)) == expected


def test_a_refused_value_names_the_unit_in_the_readers_language():
    unit = Unit("% van de inwoners", "% of residents")
    with pytest.raises(KoersError) as refused:
        present.parse_number("150", "en", "Target", unit=unit)
    assert "% of residents" in refused.value.message("en") and "inwoners" not in refused.value.message("en")
    with pytest.raises(KoersError) as refused:
        present.parse_number("-3", "nl", "Doel", unit=Unit("aantal", "number"))
    assert "aantal" in refused.value.message("nl")
    assert present.parse_number("27,5", "nl", "Doel", unit=unit) == 27.5
    assert present.parse_number("27.5", "en", "Target", unit=unit) == 27.5


def test_an_indicators_unit_in_words_of_the_view():
    assert present.indicator_unit("per 1.000 inwoners", "en") == "per 1,000 residents"
    assert present.indicator_unit("per 1 000 inwoners", "en") == "per 1,000 residents"  # as CBS writes it
    assert present.indicator_unit("aantal", "en") == "number"
    assert present.indicator_unit("aantal", "nl") == "aantal"
    assert present.indicator_unit("× 1.000 stuks", "en") == "× 1.000 stuks"  # an own file's unit: as written
    assert present.indicator_unit(None, "en") == ""
