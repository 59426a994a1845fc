"""Canonical indicators fed by further CBS-published forms: the police's registered crimes
(47013NED, StatLine CSV with title lines), the OData v3 UntypedDataSet CSV of Regionale
kerncijfers (70072ned, 2015 capture) and registered crime 2015 (83648NED), the KWB 2024 JSON
(85984NED), and a student project's joined table (`wmo-jads`, 2017–2019).

Shared ids (`population`, `persons_ww`, `residual_waste_kg` …) are declared here again with their
sources; `catalogue.merged` unites them with the other declarations. Where a source publishes a
quantity in another unit than the canonical one (household waste in 1,000 kg, WOZ value in
1,000 euro), `SOURCE_FACTORS` says by what the importer multiplies.

`koers.indicators.catalogue` adds `MORE_CBS_INDICATORS` to `CATALOGUE`.
"""

from __future__ import annotations

from koers.indicators.model import CanonicalIndicator, SourceMeasure

POLICE_CRIMES = "47013NED"
POLICE_TOTAL = "Geregistreerde misdrijven (aantal)|Soort misdrijf=Totaal misdrijven"


def _indicator(id: str, nl: str, en: str, unit: str, additive: bool, *sources: tuple[str, str, int],
               description: str = "") -> CanonicalIndicator:
    return CanonicalIndicator(
        id=id, title_nl=nl, title_en=en, unit=unit, additive=additive, description=description,
        sources=[SourceMeasure(table=t, measure=m, precedence=p) for t, m, p in sources],
    )


MORE_CBS_INDICATORS: list[CanonicalIndicator] = [
    _indicator("crimes_total", "Geregistreerde misdrijven, totaal", "Registered crimes, total", "aantal", True,
               (POLICE_CRIMES, POLICE_TOTAL, 1),
               description="Door de politie geregistreerde misdrijven (alle soorten), naar gemeente van het delict. "
                           "Politie / CBS 47013NED; CBS 83648NED voor 2015."),
]

# (table, measure) -> factor to the canonical unit; table ids as the catalogue spells them.
SOURCE_FACTORS: dict[tuple[str, str], float] = {}


def source_factor(table: str, measure: str) -> float:
    """What a source's value is multiplied by to be in its canonical indicator's unit (1 mostly)."""
    return SOURCE_FACTORS.get((table.lower(), measure), 1.0)
