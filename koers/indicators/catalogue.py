"""The canonical indicator catalogue: one indicator per quantity, whatever table it comes from.

CBS publishes the same quantity in several tables under different names: population on 1 January
is measure M000352 of 03759ned, the column "Totale bevolking (aantal)" of a 70072ned StatLine
download and `AantalInwoners_5` of 84799NED. They land as one indicator; each observation keeps the
table it came from, and when two tables give a value for the same region and period the source with
the lowest `precedence` number is the one shown (03759ned is the population register itself, the
Kerncijfers table copies it).

A measure that is not listed here still imports: it gets a generated id (`generated_indicator_id`).
"""

from __future__ import annotations

import re
import unicodedata

from koers.indicators.inputs import INPUT_INDICATORS
from koers.indicators.kwb_pdok import KWB_PDOK
from koers.indicators.more_cbs import MORE_CBS_INDICATORS
from koers.indicators.model import CanonicalIndicator, SourceMeasure
from koers.indicators.regional import REGIONAL

CBS_LICENCE = "CC BY 4.0 (Bron: CBS)"
__all__ = ["CATALOGUE", "CBS_LICENCE", "KIESRAAD", "KIESRAAD_LICENCE", "CanonicalIndicator", "SourceMeasure"]


def _cbs(id: str, nl: str, en: str, unit: str, additive: bool, *sources: tuple[str, str, int], description: str = "") -> CanonicalIndicator:
    return CanonicalIndicator(
        id=id, title_nl=nl, title_en=en, unit=unit, additive=additive, description=description,
        sources=[SourceMeasure(table=t, measure=m, precedence=p) for t, m, p in sources],
    )


KW = "84799NED"  # Kerncijfers wijken en buurten 2020
CATALOGUE: list[CanonicalIndicator] = [
    _cbs("population", "Bevolking op 1 januari", "Population on 1 January", "aantal", True,
         ("03759ned", "M000352", 1), ("70072ned", "Totale bevolking (aantal)", 2), (KW, "AantalInwoners_5", 3),
         description="Inwoners volgens de Basisregistratie Personen op 1 januari."),
    _cbs("average_population", "Gemiddelde bevolking", "Average population", "aantal", True,
         ("03759ned", "M000365", 1), ("70072ned", "Gemiddelde bevolking (aantal)", 2),
         description="Het gemiddelde van de bevolking op 1 januari van het jaar en van het volgende jaar."),
    _cbs("average_house_price", "Gemiddelde verkoopprijs bestaande koopwoningen", "Average sale price of existing owner-occupied dwellings", "euro", False,
         ("83625NED", "M001534", 1)),
    _cbs("population_0_14", "Inwoners 0 tot 15 jaar", "Residents aged 0-14", "aantal", True, (KW, "k_0Tot15Jaar_8", 1)),
    _cbs("population_15_24", "Inwoners 15 tot 25 jaar", "Residents aged 15-24", "aantal", True, (KW, "k_15Tot25Jaar_9", 1)),
    _cbs("population_25_44", "Inwoners 25 tot 45 jaar", "Residents aged 25-44", "aantal", True, (KW, "k_25Tot45Jaar_10", 1)),
    _cbs("population_45_64", "Inwoners 45 tot 65 jaar", "Residents aged 45-64", "aantal", True, (KW, "k_45Tot65Jaar_11", 1)),
    _cbs("population_65_plus", "Inwoners 65 jaar of ouder", "Residents aged 65 and over", "aantal", True, (KW, "k_65JaarOfOuder_12", 1)),
    _cbs("households", "Particuliere huishoudens", "Private households", "aantal", True, (KW, "HuishoudensTotaal_28", 1)),
    _cbs("persons_bijstand", "Personen met een bijstandsuitkering", "Persons on social assistance (bijstand)", "aantal", True,
         (KW, "PersonenPerSoortUitkeringBijstand_83", 1)),
    _cbs("persons_ao", "Personen met een arbeidsongeschiktheidsuitkering", "Persons on disability benefit (AO)", "aantal", True,
         (KW, "PersonenPerSoortUitkeringAO_84", 1)),
    _cbs("persons_ww", "Personen met een WW-uitkering", "Persons on unemployment benefit (WW)", "aantal", True,
         (KW, "PersonenPerSoortUitkeringWW_85", 1)),
    _cbs("persons_aow", "Personen met een AOW-uitkering", "Persons on state pension (AOW)", "aantal", True,
         (KW, "PersonenPerSoortUitkeringAOW_86", 1)),
    _cbs("urbanity", "Mate van stedelijkheid (1 zeer sterk - 5 niet stedelijk)", "Degree of urbanity (1 very high - 5 not urban)", "code", False,
         (KW, "MateVanStedelijkheid_115", 1)),
    _cbs("population_density", "Bevolkingsdichtheid", "Population density", "inwoners per km²", False, (KW, "Bevolkingsdichtheid_33", 1)),
    _cbs("land_area", "Oppervlakte land", "Land area", "ha", True, (KW, "OppervlakteLand_111", 1)),
    _cbs("passenger_cars", "Personenauto's", "Passenger cars", "aantal", True, (KW, "PersonenautoSTotaal_99", 1)),
]

# The Kiesraad's official Tweede Kamer counts per municipality (`koers.sources.kiesraad`): the
# measures are the export's own column names; turnout is computed by the importer from the two.
KIESRAAD = "kiesraad"
KIESRAAD_LICENCE = "Openbare uitslagen (Bron: Kiesraad)"
_TK = "Kiesraad, officiële uitslag van de Tweede Kamerverkiezing per gemeente (verkiezingsuitslagen.nl)"
CATALOGUE += [
    _cbs("tk_eligible_voters", "Kiesgerechtigden Tweede Kamerverkiezing", "Eligible voters, Tweede Kamer election", "aantal", True,
         (KIESRAAD, "Kiesgerechtigden", 1),
         description=f"{_TK}: de opgeroepen kiesgerechtigden op de verkiezingsdag."),
    _cbs("tk_voters", "Kiezers Tweede Kamerverkiezing", "Voters, Tweede Kamer election", "aantal", True,
         (KIESRAAD, "Opkomst", 1),
         description=f"{_TK}: uitgebrachte stemmen (geldige, blanco en ongeldige stembiljetten), een aantal kiezers."),
    _cbs("tk_turnout_pct", "Opkomst Tweede Kamerverkiezing", "Turnout, Tweede Kamer election", "%", False,
         (KIESRAAD, "opkomst %", 1),
         description=f"{_TK}: kiezers als % van de kiesgerechtigden; boven 100 % waar veel kiezers van elders "
                     "met een kiezerspas stemden (Waddeneilanden)."),
]

CATALOGUE += INPUT_INDICATORS  # what the KPI library needs beyond the shipped CBS files
CATALOGUE += REGIONAL  # 70072ned (OData4) and CBS Gebieden in Nederland
CATALOGUE += KWB_PDOK  # the KWB per municipality and district from PDOK (`koers.sources.kwb_geojson`)
CATALOGUE += MORE_CBS_INDICATORS  # police crimes, 70072ned/83648NED v3 CSV, KWB 2024 JSON, wmo-jads


def merged(definitions: list[CanonicalIndicator]) -> list[CanonicalIndicator]:
    """One indicator per id: a quantity declared by several source modules (population from
    03759ned, 70072ned and the KWB) keeps the first declaration's titles and gets the union of the
    sources. Declarations of one id must agree on unit and additivity: one quantity, one unit."""
    by_id: dict[str, CanonicalIndicator] = {}
    for definition in definitions:
        first = by_id.get(definition.id)
        if first is None:
            by_id[definition.id] = definition.model_copy(deep=True)
            continue
        if (first.unit, first.additive) != (definition.unit, definition.additive):
            raise ValueError(f"indicator {definition.id}: declared as {first.unit!r}/{first.additive} and as "
                             f"{definition.unit!r}/{definition.additive}")
        known = {(s.table.lower(), s.measure) for s in first.sources}
        first.sources += [s for s in definition.sources if (s.table.lower(), s.measure) not in known]
        if not first.description:
            first.description = definition.description
    return list(by_id.values())


CATALOGUE = merged(CATALOGUE)

_BY_SOURCE = {(s.table.lower(), s.measure): d for d in CATALOGUE for s in d.sources}
_BY_ID = {d.id: d for d in CATALOGUE}


def canonical_for(table: str, measure: str) -> CanonicalIndicator | None:
    return _BY_SOURCE.get((table.lower(), measure))


def canonical_by_id(indicator_id: str) -> CanonicalIndicator | None:
    return _BY_ID.get(indicator_id)


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "x"


def generated_indicator_id(table: str, measure: str) -> str:
    """Id for a measure the catalogue does not know: `<table>_<measure>`, lower snake_case.

    CBS table ids start with a digit ("84799NED"), so those ids get a `cbs_` prefix.
    """
    generated = slug(f"{table}_{measure}")
    return generated if generated[0].isalpha() else f"cbs_{generated}"

