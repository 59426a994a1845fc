"""The built-in KPI library: found, valid, complete (the BBV set) and a closed results chain."""

from __future__ import annotations


import pytest

from koers.indicators.catalogue import CATALOGUE
from koers.kpis.library import builtin_files, load_library, read_yaml, references
from metrics.model import FormulaDefinition, RatioDefinition

# The "verplichte beleidsindicatoren" (Regeling beleidsindicatoren gemeenten), by a fragment of
# their Dutch title.
BBV = [
    "Formatie", "Bezetting", "Apparaatskosten", "Externe inhuur", "Overhead", "Verwijzingen Halt", "Winkeldiefstallen",
    "Geweldsmisdrijven", "Diefstallen uit woning", "Vernielingen en beschadigingen", "Functiemenging",
    "Vestigingen van bedrijven", "Absoluut verzuim", "Relatief verzuim", "Voortijdig schoolverlaters", "Niet-sporters",
    "Banen", "delict voor de rechter", "Kinderen in uitkeringsgezin", "Netto arbeidsparticipatie", "Werkloze jongeren",
    "Personen met een bijstandsuitkering", "Lopende re-integratievoorzieningen", "Jongeren met jeugdhulp",
    "Jongeren met jeugdbescherming", "Jongeren met jeugdreclassering", "maatwerkarrangement Wmo",
    "Omvang huishoudelijk restafval", "Hernieuwbare elektriciteit", "Gemiddelde WOZ-waarde", "Nieuw gebouwde woningen",
    "Demografische druk", "woonlasten eenpersoonshuishouden", "woonlasten meerpersoonshuishouden",
]


@pytest.fixture(scope="module")
def library():
    return load_library()


def test_theme_files_are_found_and_hold_kpis():
    files = builtin_files()
    assert len(files) >= 3, files
    for path in files:
        kpis, problems = read_yaml(path)
        assert kpis and not problems, f"{path.name}: {len(kpis)} KPIs, {[p.text('en') for p in problems]}"


def test_library_loads_without_errors(library):
    problems = "\n".join(p.text("en") for p in library.problems)
    assert not library.errors, problems
    assert not library.problems, problems  # no warnings either


def test_ids_are_unique_across_modules():
    ids = [kpi.id for path in builtin_files() for _, kpi in read_yaml(path)[0]]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.parametrize("fragment", BBV)
def test_every_bbv_indicator_is_present(library, fragment):
    """With its BBV number, or — where the series only approximates it — saying so and claiming none.

    A variant (demographic pressure on a different age limit) may stand beside the BBV KPI."""
    matches = [k for k in library.kpis.values() if fragment.lower() in k.title.nl.lower()]
    assert matches, f"no KPI with '{fragment}' in its Dutch title"
    approximations = ["benadering van bbv-indicator" in k.description.nl.lower() for k in matches]
    assert any(k.bbv or approx for k, approx in zip(matches, approximations)), fragment
    for kpi, approximation in zip(matches, approximations):
        assert not (kpi.bbv and approximation), kpi.id
        if approximation:
            assert "approximation of bbv indicator" in kpi.description.en.lower(), kpi.id


def test_each_kpi_is_described_in_dutch_and_english(library):
    for kpi in library.kpis.values():
        for text in (kpi.title, kpi.description):
            assert text.nl.strip() and text.en.strip(), kpi.id
        assert kpi.description.nl != kpi.description.en, kpi.id
        assert kpi.description.nl.count(". ") >= 1 and kpi.description.en.count(". ") >= 1, kpi.id
        assert kpi.source and kpi.owner, kpi.id


def test_every_input_and_output_contributes_to_an_outcome(library):
    for kpi in library.kpis.values():
        if kpi.kind in ("input", "output"):
            assert kpi.contributes_to, f"{kpi.id} ({kpi.kind}) contributes to nothing"
            assert all(library.kpis[t].kind == "outcome" for t in kpi.contributes_to), kpi.id
        else:
            assert not kpi.contributes_to, kpi.id


def test_every_outcome_is_reached_by_an_input_or_output(library):
    reached = {t for k in library.kpis.values() if k.kind in ("input", "output") for t in k.contributes_to}
    unreached = sorted(k.id for k in library.kpis.values() if k.kind == "outcome" and k.id not in reached)
    assert not unreached


def test_every_theme_has_each_link_of_the_chain(library):
    for theme in (1, 2, 3):
        kinds = {k.kind for k in library.kpis.values() if k.theme == theme}
        assert {"outcome", "context"} & kinds and {"input", "output"} & kinds, (theme, kinds)


def test_definitions_refer_to_known_indicators_or_kpis(library):
    catalogue = {d.id for d in CATALOGUE}
    for kpi in library.kpis.values():
        if isinstance(kpi.definition, RatioDefinition):
            for ref in (kpi.definition.numerator, kpi.definition.denominator):
                assert ref in catalogue or ref in library.kpis, (kpi.id, ref)
        if isinstance(kpi.definition, FormulaDefinition):
            assert references(kpi) <= catalogue | set(library.kpis), kpi.id


def test_small_counts_are_protected(library):
    # youth_care_share reads CBS's own percentage (KWB), which CBS protects itself: counts rounded to
    # fives, 0 to 7 withheld; Koers has no count behind it to suppress.
    for kpi_id in ("halt_referrals_per_1000", "youth_offenders_share", "youth_probation_share",
                   "absolute_absenteeism_per_1000", "relative_absenteeism_per_1000"):
        assert library.kpis[kpi_id].privacy_threshold >= 10, kpi_id
