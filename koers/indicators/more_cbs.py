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


K15 = "70072ned"  # Regionale kerncijfers Nederland, v3 UntypedDataSet CSV (2015, state of June 2018)
CRIME15 = "83648NED"  # Geregistreerde criminaliteit; soort misdrijf, regio (2015)
KWB24 = "85984NED"  # Kerncijfers wijken en buurten 2024 (JSON: GM and WK rows)
JADS = "wmo-jads"  # a student project's joined table, 2017-2019 (`koers.sources.wmo_jads`)
_JADS = ("Samengevoegde tabel per gemeente en jaar 2017-2019 van het studentenproject YoYo1971/WMO_JADS "
         "(uit CBS-tabellen); ")

MORE_CBS_INDICATORS: list[CanonicalIndicator] = [
    _indicator("crimes_total", "Geregistreerde misdrijven, totaal", "Registered crimes, total", "aantal", True,
               (POLICE_CRIMES, POLICE_TOTAL, 1), (CRIME15, "TotaalGeregistreerdeMisdrijven_1|SoortMisdrijf=0000000", 2),
               description="Door de politie geregistreerde misdrijven (alle soorten), naar gemeente van het delict. "
                           "Politie / CBS 47013NED; CBS 83648NED voor 2015."),
    _indicator("population", "Bevolking op 1 januari", "Population on 1 January", "aantal", True,
               (K15, "TotaleBevolking_1", 2), (KWB24, "AantalInwoners_5", 3)),
    _indicator("average_population", "Gemiddelde bevolking", "Average population", "aantal", True,
               (K15, "GemiddeldAantalInwoners_81", 2)),
    _indicator("households", "Particuliere huishoudens", "Private households", "aantal", True,
               (K15, "TotaalAantalParticuliereHuishoudens_82", 2)),
    _indicator("dwellings", "Woningvoorraad", "Dwelling stock", "aantal", True,
               (K15, "VoorraadOp1Januari_90", 2), (KWB24, "Woningvoorraad_35", 3)),
    _indicator("land_area", "Oppervlakte land", "Land area", "ha", True,
               (K15, "Land_248", 2), (KWB24, "OppervlakteLand_123", 3)),
    _indicator("population_density", "Bevolkingsdichtheid", "Population density", "inwoners per km²", False,
               (K15, "Bevolkingsdichtheid_57", 2), (KWB24, "Bevolkingsdichtheid_34", 3)),
    _indicator("demographic_pressure_pct", "Demografische druk (CBS-definitie)", "Demographic pressure (CBS definition)", "%", False,
               (K15, "TotaleDruk_22", 2)),
    _indicator("woz_value_mean", "Gemiddelde WOZ-waarde van woningen", "Average WOZ value of dwellings", "euro", False,
               (K15, "GemiddeldeWoningwaarde_99", 2)),
    _indicator("persons_ww", "Personen met een WW-uitkering", "Persons on unemployment benefit (WW)", "aantal", True,
               (K15, "Werkloosheid_159", 2), (JADS, "popwerkloosheid", 2)),
    _indicator("persons_ao", "Personen met een arbeidsongeschiktheidsuitkering", "Persons on disability benefit (AO)", "aantal", True,
               (K15, "ArbeidsongeschiktheidTotaal_163", 2), (JADS, "poparbeidsongeschiktheidtotaal", 2)),
    _indicator("residual_waste_kg", "Huishoudelijk restafval", "Residual household waste", "kg", True,
               (K15, "HuishoudelijkRestafval_239", 2), (JADS, "pophuishoudelijkrestafval", 2)),
    _indicator("household_waste_kg", "Huishoudelijk afval, totaal", "Household waste, total", "kg", True,
               (K15, "TotaalHuishoudelijkAfval_238", 2), (JADS, "poptotaalhuishoudelijkafval", 2),
               description="CBS 70072ned (Rijkswaterstaat): al het ingezamelde huishoudelijk afval in kg "
                           "(CBS publiceert het in 1 000 kg; Koers slaat het op in kg)."),
    _indicator("gft_waste_kg", "Gft-afval", "Organic (garden, fruit and vegetable) waste", "kg", True,
               (K15, "GftAfval_241", 2), (JADS, "popgftafval", 2),
               description="CBS 70072ned (Rijkswaterstaat): gescheiden ingezameld groente-, fruit- en tuinafval in kg "
                           "(CBS publiceert het in 1 000 kg; Koers slaat het op in kg)."),
]

_LEVY = "CBS 83643NED Gemeentelijke heffingen (via de wmo-jads-tabel): opbrengst per inwoner in euro; "
MORE_CBS_INDICATORS += [
    _indicator("wmo_household_help_clients", "Wmo-cliënten met hulp bij het huishouden", "Wmo clients with household help",
               "aantal", True, (JADS, "wmoclienten", 1),
               description=_JADS + "cliënten met een Wmo-maatwerkarrangement van één soort: hulp bij het huishouden. "
                                   "Niet alle Wmo-cliënten, dus niet de BBV-indicator 'Cliënten met een maatwerkarrangement Wmo'."),
    _indicator("wmo_household_help_per_1000", "Wmo-cliënten met hulp bij het huishouden per 1 000 inwoners",
               "Wmo clients with household help per 1,000 inhabitants", "per 1 000 inwoners", False,
               (JADS, "wmoclientenper1000inwoners", 1),
               description=_JADS + "hulp bij het huishouden per 1 000 inwoners; niet de BBV-indicator (die telt alle "
                                   "maatwerkarrangementen Wmo)."),
    _indicator("net_labour_participation_pct", "Netto arbeidsparticipatie", "Net labour participation", "%", False,
               (JADS, "nettoarbeidsparticipatie", 5)),
    _indicator("youth_care_pct", "Jongeren met jeugdzorg", "Young people in youth care", "%", False,
               (JADS, "percentagejongerenmetjeugdzorg", 5)),
    _indicator("ozb_per_inhabitant", "Onroerendezaakbelasting per inwoner", "Property tax (OZB) per inhabitant",
               "euro per inwoner", False, (JADS, "totaal_onroerendezaakbelasting_gemeenteheffingeuroinwoner", 5),
               description=_LEVY + "onroerendezaakbelasting totaal."),
    _indicator("waste_levy_per_inhabitant", "Afvalstoffenheffing en reinigingsrechten per inwoner", "Waste levy per inhabitant",
               "euro per inwoner", False, (JADS, "reinigingsrechten_en_afvalstoffenheffing_gemeenteheffingeuroinwoner", 5),
               description=_LEVY + "reinigingsrechten en afvalstoffenheffing."),
    _indicator("sewage_levy_per_inhabitant", "Rioolheffing per inwoner", "Sewage levy per inhabitant",
               "euro per inwoner", False, (JADS, "rioolheffing_gemeenteheffingeuroinwoner", 5),
               description=_LEVY + "rioolheffing."),
]

# (table lower-case, measure) -> (factor to the canonical unit, the source's own unit).
SOURCE_FACTORS: dict[tuple[str, str], tuple[float, str]] = {
    ("70072ned", "HuishoudelijkRestafval_239"): (1000.0, "1 000 kg"),
    ("70072ned", "TotaalHuishoudelijkAfval_238"): (1000.0, "1 000 kg"),
    ("70072ned", "GftAfval_241"): (1000.0, "1 000 kg"),
    ("70072ned", "GemiddeldeWoningwaarde_99"): (1000.0, "1 000 euro"),
    ("70072ned", "Land_248"): (100.0, "km²"),  # 1 km² = 100 ha
    ("wmo-jads", "pophuishoudelijkrestafval"): (1000.0, "1 000 kg"),
    ("wmo-jads", "poptotaalhuishoudelijkafval"): (1000.0, "1 000 kg"),
    ("wmo-jads", "popgftafval"): (1000.0, "1 000 kg"),
}


def source_factor(table: str, measure: str) -> tuple[float, str | None]:
    """(what a source's value is multiplied by to be in its canonical indicator's unit, the source's
    own unit or None when it is the canonical one)."""
    return SOURCE_FACTORS.get((table.lower(), measure), (1.0, None))
