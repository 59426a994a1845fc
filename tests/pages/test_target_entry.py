"""A target typed on Leren is read in the language of the view and checked against the KPI's unit:
"27,5" in Dutch is 27.5 (not 275), "1.234,5" is 1234.5, "27.5" in English is 27.5; ambiguous or
impossible input and a value the unit does not allow are refused in one line, and nothing is
written then. AppTest on the demo database; every check reads the stored target back."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from koers import present
from koers.access import LOCAL
from koers.store import Store

PAGE = ROOT / "pages" / "leren.py"
SHARE = "online_requests_share"  # '% van de aanvragen': 0 to 100
COSTS = "apparatus_costs_per_inhabitant"  # '€ per inwoner': never negative, no upper bound
YEAR = 2030  # no target yet in the demo


def stored(db: Path, kpi_id: str, year: int = YEAR) -> float | None:
    with Store.open(db, read_only=True) as store:
        rows = store.targets(kpi_id=kpi_id, region="GM0363").set_index("year")
    return float(rows.at[year, "value"]) if year in rows.index else None


def writes(db: Path) -> int:
    with Store.open(db, read_only=True) as store:
        return len(store.audit_log(LOCAL))


def pick(at: AppTest, kpi_id: str) -> None:
    at.selectbox(key="leren_tgt_kpi").set_value(kpi_id)
    at.run()
    at.selectbox(key="leren_tgt_year").set_value(YEAR)
    at.run()


def save(at: AppTest, typed: str) -> list[str]:
    """Type a target, save, and return the error messages shown."""
    at.text_input(key="leren_tgt_value").input(typed)
    at.text_area(key="leren_tgt_reason").input("Raadsbesluit")
    at.button(key="leren_tgt_save").click()
    at.run()
    assert not at.exception, at.exception
    return [e.value for e in at.error]


@pytest.mark.slow
def test_dutch_target_entry_reads_a_comma_and_refuses_what_it_cannot_read(app_on, demo_db):
    at = app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024")
    pick(at, SHARE)
    assert at.text_input(key="leren_tgt_value").label == f"Doelwaarde ({present.plain('% van de aanvragen')})"
    before = writes(demo_db)

    assert save(at, "27.5") == ['Doelwaarde: "27.5" is geen getal. Schrijf bijvoorbeeld 27,5 (decimalen na een komma).']
    assert save(at, "1.234") == ['Doelwaarde: "1.234" is niet eenduidig (duizendtal of decimalen?). '
                                 'Schrijf 1234 voor een geheel getal of bijvoorbeeld 27,5.']
    assert save(at, "127") == ["Doelwaarde: 127 kan niet, een waarde in % van de aanvragen ligt tussen 0 en 100."]
    assert save(at, "-3") == ["Doelwaarde: -3 kan niet, een waarde in % van de aanvragen ligt tussen 0 en 100."]
    assert save(at, "12a") == ['Doelwaarde: "12a" is geen getal. Schrijf bijvoorbeeld 27,5 (decimalen na een komma).']
    assert writes(demo_db) == before and stored(demo_db, SHARE) is None, "a refused entry writes nothing"
    assert at.text_input(key="leren_tgt_value").value == "12a", "what was typed stays, to be corrected"

    assert save(at, "27,5") == []
    assert stored(demo_db, SHARE) == 27.5
    assert at.text_input(key="leren_tgt_value").value == "27,5", "the form shows the stored target in Dutch"

    pick(at, COSTS)
    assert save(at, "-5") == ["Doelwaarde: -5 kan niet, een waarde in € per inwoner is niet negatief."]
    assert save(at, "1.234,5") == []
    assert stored(demo_db, COSTS) == 1234.5


@pytest.mark.slow  # the Dutch test above proves the page reads the language; this one the English side
def test_english_target_entry_reads_a_point(app_on, demo_db):
    # The KPI from the URL and the year the form starts on: AppTest cannot set this page's pickers in
    # English (their labels are looked up outside the script run, where the language is Dutch).
    at = app_on(demo_db, PAGE, gemeente="GM0363", jaar="2024", taal="en", kpi=SHARE)
    year = at.selectbox(key="leren_tgt_year").value
    before = stored(demo_db, SHARE, year)  # the demo's (invented) target, if the year has one
    assert at.selectbox(key="leren_tgt_kpi").value == SHARE and before != 27.5
    assert save(at, "27,5") == ['Target value: "27,5" is not a number. Write for example 27.5 (decimals after a point).']
    assert save(at, "1,234.5") == ["Target value: 1234.5 is impossible, a value in % of applications lies between 0 and 100."]
    assert stored(demo_db, SHARE, year) == before
    assert save(at, "27.5") == []
    assert stored(demo_db, SHARE, year) == 27.5


@pytest.mark.parametrize(("typed", "lang", "expected"), [
    ("27,5", "nl", 27.5), ("1.234,5", "nl", 1234.5), ("1.234.567", "nl", 1234567.0), ("-0,25", "nl", -0.25),
    (" 27,5 ", "nl", 27.5), ("27.5", "en", 27.5), ("1,234.5", "en", 1234.5), ("\u22122.5", "en", -2.5), ("", "nl", None),
])
def test_parse_number_per_language(typed, lang, expected):
    assert present.parse_number(typed, lang, "Doel") == expected


@pytest.mark.parametrize(("typed", "lang", "key"), [
    ("27.5", "nl", "numbers.invalid"), ("1.234", "nl", "numbers.ambiguous"), ("1,234", "en", "numbers.ambiguous"),
    ("27,5", "en", "numbers.invalid"), ("1,2,3", "nl", "numbers.invalid"), ("12.34,5", "nl", "numbers.invalid"),
    ("1" + "0" * 400, "nl", "numbers.not_finite"), ("inf", "en", "numbers.invalid"), ("nan", "en", "numbers.invalid"),
])
def test_parse_number_refuses_what_it_cannot_read(typed, lang, key):
    from koers.errors import KoersError

    with pytest.raises(KoersError) as refused:
        present.parse_number(typed, lang, "Doel")
    assert refused.value.explanation.key == key


@pytest.mark.parametrize(("unit", "expected"), [
    ("%", (0, 100)), ("% van de inwoners", (0, 100)), ("% t.o.v. vorig jaar", (None, None)),
    ("rapportcijfer (1-10)", (1, 10)), ("per 1.000 inwoners", (0, None)), ("aantal", (0, None)),
    ("€ 1.000", (None, None)),
])
def test_the_range_a_unit_allows(unit, expected):
    assert present.unit_range(unit) == expected
