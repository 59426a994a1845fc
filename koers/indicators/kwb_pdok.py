"""The KWB figures per municipality and district as PDOK serves them (`koers.sources.kwb_geojson`).

CBS "Kerncijfers wijken en buurten" (KWB), the gemeente and wijk layers of the PDOK "wijkenbuurten"
service, with short keys given by a third-party app (AnneVersion/geoinzicht-app); that app added
registered crime (police open data, summed from neighbourhoods) and Vektis health-care costs. The
source measure is the short key; each description names the PDOK property it was renamed from.

Precedence 3: the KWB copies quantities that a CBS table publishes first (population from
03759ned), so that table wins; crime 5, below the police's own municipal table. Amounts the KWB
gives in thousands of euro are stored in euro by the importer (`EURO_THOUSANDS` there).

`koers.indicators.catalogue` adds this list to `CATALOGUE`; ids shared with other sources
(`population`, `dwellings`, `woz_value_mean` …) keep one unit and additivity (`catalogue.merged`).
"""

from __future__ import annotations

from koers.indicators.model import CanonicalIndicator, SourceMeasure

KWB_PDOK_TABLE = "kwb-pdok"
KWB_PDOK_LICENCE = "CC BY 4.0 (Bron: CBS, PDOK); criminaliteit: politie open data; zorgkosten: Vektis open data"
_KWB = "CBS Kerncijfers wijken en buurten (KWB), PDOK wijkenbuurten"
_CRIME = ("Geregistreerde misdrijven (politie open data, data.politie.nl), door een derde partij "
          "(AnneVersion/geoinzicht-app) van buurten opgeteld tot de gemeente: iets lager dan het gemeentetotaal "
          "van de politie zelf; jaar volgens cr_jaar")
_HEALTH = "Zorgkosten per verzekerde in euro, Vektis open data (zorgverzekeringswet) per gemeente; jaar volgens zk_jaar"


def _kwb(key: str, id: str, nl: str, en: str, unit: str, additive: bool, pdok: str, note: str = "",
         precedence: int = 3, origin: str = _KWB) -> CanonicalIndicator:
    where = f"{origin}, eigenschap {pdok}" if pdok else origin
    return CanonicalIndicator(id=id, title_nl=nl, title_en=en, unit=unit, additive=additive,
                              description=f"{where} (sleutel {key})" + (f"; {note}" if note else "") + ".",
                              sources=[SourceMeasure(table=KWB_PDOK_TABLE, measure=key, precedence=precedence)])


_PCT_POP = "% van de inwoners, door CBS afgerond op hele procenten"
_THOUSANDS = "CBS publiceert in duizenden euro's, Koers slaat het bedrag op in euro"

KWB_PDOK: list[CanonicalIndicator] = [
    # --- population ---------------------------------------------------------------------------
    _kwb("aantal_inwoners", "population", "Bevolking op 1 januari", "Population on 1 January", "aantal", True, "aantalInwoners"),
    _kwb("mannen", "men", "Mannen", "Men", "aantal", True, "mannen"),
    _kwb("vrouwen", "women", "Vrouwen", "Women", "aantal", True, "vrouwen"),
    _kwb("0_15", "population_0_14_pct", "Inwoners 0 tot 15 jaar (%)", "Residents aged 0-14 (%)", "%", False,
         "percentagePersonen0Tot15Jaar", _PCT_POP),
    _kwb("15_25", "population_15_24_pct", "Inwoners 15 tot 25 jaar (%)", "Residents aged 15-24 (%)", "%", False,
         "percentagePersonen15Tot25Jaar", _PCT_POP),
    _kwb("25_45", "population_25_44_pct", "Inwoners 25 tot 45 jaar (%)", "Residents aged 25-44 (%)", "%", False,
         "percentagePersonen25Tot45Jaar", _PCT_POP),
    _kwb("45_65", "population_45_64_pct", "Inwoners 45 tot 65 jaar (%)", "Residents aged 45-64 (%)", "%", False,
         "percentagePersonen45Tot65Jaar", _PCT_POP),
    _kwb("65plus", "population_65_plus_pct", "Inwoners 65 jaar of ouder (%)", "Residents aged 65 and over (%)", "%", False,
         "percentagePersonen65JaarEnOuder", _PCT_POP),
    _kwb("bevolkingsdichtheid", "population_density", "Bevolkingsdichtheid", "Population density", "inwoners per km²", False,
         "bevolkingsdichtheidInwonersPerKm2", "inwoners per km² land"),
    _kwb("geboorte_relatief", "births_per_1000", "Geboorten per 1.000 inwoners", "Births per 1,000 inhabitants",
         "per 1.000 inwoners", False, "geboortesPer1000Inwoners"),
    _kwb("sterfte_relatief", "deaths_per_1000", "Sterfte per 1.000 inwoners", "Deaths per 1,000 inhabitants",
         "per 1.000 inwoners", False, "sterfteRelatief"),
    _kwb("stedelijkheid", "urbanity", "Mate van stedelijkheid (1 zeer sterk - 5 niet stedelijk)",
         "Degree of urbanity (1 very high - 5 not urban)", "code", False, "stedelijkheidAdressenPerKm2"),
    _kwb("pct_gehuwd", "married_pct", "Gehuwd (%)", "Married (%)", "%", False, "percentageGehuwd", "% van de inwoners"),
    _kwb("pct_ongehuwd", "unmarried_pct", "Ongehuwd (%)", "Unmarried (%)", "%", False, "percentageOngehuwd", "% van de inwoners"),
    _kwb("pct_herkomst_nl", "origin_netherlands_pct", "Herkomstland Nederland (%)", "Country of origin the Netherlands (%)", "%",
         False, "percentageMetHerkomstlandNederland", "% van de inwoners"),
    _kwb("pct_herkomst_europa", "origin_europe_pct", "Herkomstland in Europa, buiten Nederland (%)",
         "Country of origin in Europe, outside the Netherlands (%)", "%", False, "percentageMetHerkomstlandUitEuropa",
         "% van de inwoners"),
    _kwb("pct_herkomst_buiten_europa", "origin_outside_europe_pct", "Herkomstland buiten Europa (%)",
         "Country of origin outside Europe (%)", "%", False, "percentageMetHerkomstlandBuitenEuropa", "% van de inwoners"),
    # --- households ---------------------------------------------------------------------------
    _kwb("huishoudens", "households", "Particuliere huishoudens", "Private households", "aantal", True, "aantalHuishoudens"),
    _kwb("gem_huishouden_grootte", "average_household_size", "Gemiddelde huishoudensgrootte", "Average household size",
         "personen", False, "gemiddeldeHuishoudsgrootte"),
    _kwb("pct_eenpersoonshhd", "single_person_households_pct", "Eenpersoonshuishoudens (%)", "Single-person households (%)",
         "%", False, "percentageEenpersoonshuishoudens", "% van de huishoudens"),
    _kwb("pct_hhd_zonder_kind", "households_without_children_pct", "Huishoudens zonder kinderen (%)",
         "Households without children (%)", "%", False, "percentageHuishoudensZonderKinderen", "% van de huishoudens"),
    _kwb("pct_hhd_met_kind", "households_with_children_pct", "Huishoudens met kinderen (%)", "Households with children (%)",
         "%", False, "percentageHuishoudensMetKinderen", "% van de huishoudens"),
    # --- education, income and wealth ----------------------------------------------------------
    _kwb("opl_laag", "education_low_persons", "Inwoners 15-75 jaar met opleidingsniveau laag",
         "Residents aged 15-74 with a low education level", "aantal", True, "opleidingsniveauLaag"),
    _kwb("opl_midden", "education_medium_persons", "Inwoners 15-75 jaar met opleidingsniveau middelbaar",
         "Residents aged 15-74 with a medium education level", "aantal", True, "opleidingsniveauMiddelbaar"),
    _kwb("opl_hoog", "education_high_persons", "Inwoners 15-75 jaar met opleidingsniveau hoog",
         "Residents aged 15-74 with a high education level", "aantal", True, "opleidingsniveauHoog"),
    _kwb("gem_inkomen_inwoner", "average_income_per_inhabitant", "Gemiddeld inkomen per inwoner", "Average income per inhabitant",
         "euro", False, "gemiddeldInkomenPerInwoner", _THOUSANDS),
    _kwb("gem_inkomen_ontvanger", "average_income_per_recipient", "Gemiddeld inkomen per inkomensontvanger",
         "Average income per income recipient", "euro", False, "gemiddeldInkomenPerInkomensontvanger", _THOUSANDS),
    _kwb("gem_gestand_inkomen", "standardised_household_income", "Gemiddeld gestandaardiseerd inkomen van huishoudens",
         "Average standardised household income", "euro", False, "gemiddeldGestandaardiseerdInkomenVanHuishoudens", _THOUSANDS),
    _kwb("mediaan_vermogen", "median_household_wealth", "Mediaan vermogen van particuliere huishoudens",
         "Median wealth of private households", "euro", False, "mediaanVermogenVanParticuliereHuish", _THOUSANDS),
    _kwb("pct_hh_laag_inkomen", "low_income_households_pct", "Huishoudens met een laag inkomen (%)",
         "Households with a low income (%)", "%", False, "percentageHuishoudensMetLaagInkomen",
         "% van de huishoudens in de landelijk laagste 40 % van de gestandaardiseerde inkomens (geen armoedegrens)"),
    _kwb("pct_hh_hoog_inkomen", "high_income_households_pct", "Huishoudens met een hoog inkomen (%)",
         "Households with a high income (%)", "%", False, "percentageHuishoudensMetHoogInkomen", "% van de huishoudens"),
    _kwb("pct_rond_sociaal_min", "social_minimum_households_pct", "Huishoudens onder of rond het sociaal minimum (%)",
         "Households at or below the social minimum (%)", "%", False, "percentageHuishoudensOnderOfRondSociaalMinimum",
         "% van de huishoudens"),
    # --- housing and energy --------------------------------------------------------------------
    _kwb("woningvoorraad", "dwellings", "Woningvoorraad", "Dwelling stock", "aantal", True, "woningvoorraad"),
    _kwb("gem_woz_waarde", "woz_value_mean", "Gemiddelde WOZ-waarde van woningen", "Average WOZ value of dwellings", "euro", False,
         "gemiddeldeWoningwaarde", _THOUSANDS),
    _kwb("koopwoningen", "owner_occupied_pct", "Koopwoningen (%)", "Owner-occupied dwellings (%)", "%", False,
         "percentageKoopwoningen", "% van de woningen"),
    _kwb("huurwoningen", "rental_dwellings_pct", "Huurwoningen (%)", "Rental dwellings (%)", "%", False,
         "percentageHuurwoningen", "% van de woningen"),
    _kwb("pct_huurcorporatie", "social_rental_pct", "Huurwoningen in bezit van woningcorporaties (%)",
         "Rental dwellings owned by housing associations (%)", "%", False,
         "percHuurwoningenInBezitWoningcorporaties", "% van de woningen"),
    _kwb("pct_eengezins", "single_family_dwellings_pct", "Eengezinswoningen (%)", "Single-family dwellings (%)", "%", False,
         "percentageEengezinswoning", "% van de woningen"),
    _kwb("pct_meergezins", "multi_family_dwellings_pct", "Meergezinswoningen (%)", "Multi-family dwellings (%)", "%", False,
         "percentageMeergezinswoning", "% van de woningen"),
    _kwb("pct_bouwjaar_na_2000", "dwellings_built_since_2000_pct", "Woningen met bouwjaar vanaf 2000 (%)",
         "Dwellings built in 2000 or later (%)", "%", False, "percentageBouwjaarklasseVanaf2000", "% van de woningen"),
    _kwb("pct_leegstand", "vacant_dwellings_pct", "Leegstaande woningen (%)", "Vacant dwellings (%)", "%", False,
         "percentageLeegstaandeWoningen", "% van de woningen"),
    _kwb("pct_stadsverwarming", "district_heating_dwellings_pct", "Woningen met stadsverwarming (%)",
         "Dwellings with district heating (%)", "%", False, "percentageWoningenMetStadsverwarming", "% van de woningen"),
    _kwb("gem_aardgas", "gas_per_dwelling_m3", "Gemiddeld aardgasverbruik per woning", "Average natural gas use per dwelling",
         "m³ per woning", False, "gemiddeldGasverbruikTotaal"),
    _kwb("gem_elektriciteit", "electricity_per_dwelling_kwh", "Gemiddeld elektriciteitsverbruik per woning",
         "Average electricity use per dwelling", "kWh per woning", False, "gemiddeldElektriciteitsverbruikTotaal"),
    # --- work, business, care ------------------------------------------------------------------
    _kwb("arbeidsparticipatie", "net_labour_participation_pct", "Netto arbeidsparticipatie", "Net labour participation", "%",
         False, "nettoArbeidsparticipatie", "werkzame beroepsbevolking als % van de inwoners van 15 tot 75 jaar"),
    _kwb("pct_werknemers", "employees_pct", "Werknemers (% van de werkzame beroepsbevolking)",
         "Employees (% of the employed labour force)", "%", False, "percentageWerknemers"),
    _kwb("pct_zelfstandigen", "self_employed_pct", "Zelfstandigen (% van de werkzame beroepsbevolking)",
         "Self-employed (% of the employed labour force)", "%", False, "percentageZelfstandigen"),
    _kwb("bedrijfsvestigingen", "establishments", "Bedrijfsvestigingen", "Business establishments", "aantal", True,
         "aantalBedrijfsvestigingen"),
    _kwb("wmo_per_1000", "wmo_clients_per_1000", "Wmo-cliënten per 1.000 inwoners", "Wmo clients per 1,000 inhabitants",
         "per 1.000 inwoners", False, "aantalWmoClientenPer1000Inwoners"),
    _kwb("pct_jeugdzorg", "youth_care_pct", "Jongeren met jeugdzorg in natura (%)", "Young people with youth care in kind (%)",
         "%", False, "percentageJongerenMetJeugdzorgInNatura", "% van de jongeren tot 23 jaar"),
    # --- distances to facilities (km by road) ---------------------------------------------------
    *(_kwb(f"afstand_{key}", f"distance_{id}_km", f"Gemiddelde afstand tot {nl}", f"Average distance to {en}", "km", False,
           f"{pdok}GemiddeldeAfstandInKm", "over de weg")
      for key, id, nl, en, pdok in (
          ("huisarts", "gp", "huisartsenpraktijk", "a GP practice", "huisartsenpraktijk"),
          ("supermarkt", "supermarket", "grote supermarkt", "a large supermarket", "groteSupermarkt"),
          ("apotheek", "pharmacy", "apotheek", "a pharmacy", "apotheek"),
          ("ziekenhuis", "hospital", "ziekenhuis", "a hospital", "ziekenhuis"),
          ("cafe", "cafe", "café", "a café", "cafe"),
          ("restaurant", "restaurant", "restaurant", "a restaurant", "restaurant"),
          ("kdv", "daycare", "kinderdagverblijf", "a day-care centre", "kinderdagverblijf"),
          ("basisonderwijs", "primary_school", "basisschool", "a primary school", "basisonderwijs"),
          ("treinstation", "train_station", "treinstation", "a train station", "treinstation"),
          ("bibliotheek", "library", "bibliotheek", "a library", "bibliotheek"),
          ("oprit", "motorway_ramp", "oprit hoofdverkeersweg", "a motorway ramp", "opritHoofdverkeersweg"),
      )),
    # --- vehicles and area ----------------------------------------------------------------------
    _kwb("personenautos", "passenger_cars", "Personenauto's", "Passenger cars", "aantal", True, "personenautosTotaal"),
    _kwb("auto_per_huishouden", "cars_per_household", "Personenauto's per huishouden", "Passenger cars per household",
         "per huishouden", False, "personenautosPerHuishouden"),
    _kwb("auto_per_km2", "cars_per_km2", "Personenauto's per km²", "Passenger cars per km²", "per km²", False,
         "personenautosNaarOppervlakte"),
    _kwb("motorfietsen", "motorcycles", "Motorfietsen", "Motorcycles", "aantal", True, "motorfietsen"),
    _kwb("opp_land", "land_area", "Oppervlakte land", "Land area", "ha", True, "oppervlakteLandInHa"),
    _kwb("opp_water", "water_area", "Oppervlakte water", "Water area", "ha", True, "oppervlakteWaterInHa"),
    # --- registered crime (police open data, summed by the third-party app) --------------------
    *(_kwb(f"cr_{key}", id, nl, en, "aantal", True, "", precedence=5, origin=_CRIME)
      for key, id, nl, en in (
          ("totaal_misdrijven", "crimes_total", "Geregistreerde misdrijven", "Registered crimes"),
          ("inbraak_woning", "crimes_domestic_burglary", "Diefstal/inbraak woning", "Domestic burglary"),
          ("winkeldiefstal", "crimes_shoplifting", "Winkeldiefstal", "Shoplifting"),
          ("vernieling", "crimes_vandalism", "Vernieling en beschadiging", "Vandalism and criminal damage"),
          ("mishandeling", "crimes_assault", "Mishandeling", "Assault"),
          ("bedreiging", "crimes_threat", "Bedreiging", "Threat"),
          ("straatroof", "crimes_street_robbery", "Straatroof", "Street robbery"),
          ("diefstal_fietsen", "crimes_bicycle_theft", "Diefstal van fietsen", "Bicycle theft"),
          ("diefstal_motor", "crimes_motor_vehicle_theft", "Diefstal van motorvoertuigen", "Theft of motor vehicles"),
          ("inbraak_bedrijven", "crimes_business_burglary", "Diefstal/inbraak bedrijven en instellingen",
           "Burglary of businesses and institutions"),
          ("drugs_drank", "crimes_drugs_alcohol", "Drugs- en drankoverlast", "Drug and alcohol nuisance"),
          ("cybercrime", "crimes_cybercrime", "Cybercrime", "Cybercrime"),
          ("fraude", "crimes_fraud", "Fraude", "Fraud"),
      )),
    # --- health-care costs (Vektis) -------------------------------------------------------------
    _kwb("zk_aantal_verzekerden", "insured_persons", "Verzekerden (Zorgverzekeringswet)", "Insured persons (health insurance act)",
         "aantal", True, "", origin="Vektis open data, verzekerden per gemeente; jaar volgens zk_jaar"),
    *(_kwb(f"zk_kosten_{key}", id, nl, en, "euro", False, "", origin=_HEALTH)
      for key, id, nl, en in (
          ("totaal", "health_costs_per_insured", "Zorgkosten per verzekerde", "Health-care costs per insured person"),
          ("medspec", "health_costs_specialist_per_insured", "Kosten medisch-specialistische zorg per verzekerde",
           "Medical specialist care costs per insured person"),
          ("farmacie", "health_costs_pharmacy_per_insured", "Kosten farmacie per verzekerde", "Pharmacy costs per insured person"),
          ("ggz", "health_costs_mental_health_per_insured", "Kosten ggz per verzekerde", "Mental health care costs per insured person"),
          ("huisarts", "health_costs_gp_per_insured", "Kosten huisartszorg per verzekerde", "GP care costs per insured person"),
          ("paramedisch", "health_costs_paramedical_per_insured", "Kosten paramedische zorg per verzekerde",
           "Paramedical care costs per insured person"),
          ("overig", "health_costs_other_per_insured", "Overige zorgkosten per verzekerde", "Other health-care costs per insured person"),
      )),
]
