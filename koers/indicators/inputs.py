"""Canonical input indicators that the KPI library needs and the shipped CBS files do not feed.

Mostly counts (so that ratios can be summed over merged municipalities and small numbers can be
suppressed), plus the few figures that are published only as a rate or a score. Each description
names the CBS table or the own source that fills it; until a municipality imports those, the demo
shows invented example series for them (`koers.demo.examples`, "voorbeelddata, fictief").

`koers.indicators.catalogue` adds this list to `CATALOGUE`.
"""

from __future__ import annotations

from koers.indicators.model import CanonicalIndicator


def _input(id: str, nl: str, en: str, unit: str, additive: bool, description: str) -> CanonicalIndicator:
    return CanonicalIndicator(id=id, title_nl=nl, title_en=en, unit=unit, additive=additive, description=description)


_AGE = "CBS 03759ned Bevolking op 1 januari; geslacht, leeftijd en regio (leeftijdsdimensie, som van de leeftijdsjaren)."
_IV3 = "Iv3 (CBS Financiën van gemeenten), of de eigen begroting en jaarrekening."

INPUT_INDICATORS: list[CanonicalIndicator] = [
    # --- population groups: denominators of the BBV rates -----------------------------------
    _input("population_0_17", "Inwoners 0 tot 18 jaar", "Residents aged 0-17", "aantal", True, _AGE),
    _input("population_12_17", "Inwoners 12 tot 18 jaar", "Residents aged 12-17", "aantal", True, _AGE),
    _input("population_12_21", "Inwoners 12 tot 22 jaar", "Residents aged 12-21", "aantal", True, _AGE),
    _input("population_12_22", "Inwoners 12 tot 23 jaar", "Residents aged 12-22", "aantal", True, _AGE),
    _input("population_16_22", "Inwoners 16 tot 23 jaar", "Residents aged 16-22", "aantal", True, _AGE),
    _input("population_15_64", "Inwoners 15 tot 65 jaar", "Residents aged 15-64", "aantal", True, _AGE),
    _input("population_15_74", "Inwoners 15 tot 75 jaar", "Residents aged 15-74", "aantal", True, _AGE),
    _input("population_18_plus", "Inwoners 18 jaar of ouder", "Residents aged 18 and over", "aantal", True, _AGE),
    _input("compulsory_school_pupils", "Leerplichtige leerlingen", "Pupils of compulsory school age", "aantal", True,
           "DUO / Ingrado leerplichtregistratie: ingeschreven leerplichtigen (5 tot 18 jaar) in de gemeente."),
    _input("pupils_vo_mbo", "Deelnemers voortgezet onderwijs en mbo", "Students in secondary and vocational education", "aantal", True,
           "DUO, VSV-verkenner: deelnemers aan vo en mbo die in de gemeente wonen (noemer van het vsv-percentage)."),
    _input("dwellings", "Woningvoorraad", "Dwelling stock", "aantal", True,
           "CBS 81955NED Voorraad woningen en niet-woningen; mutaties, gebruiksfunctie, regio (BAG), stand op 1 januari."),
    # --- organisation and finances (theme 1) ------------------------------------------------
    _input("fte_formation", "Formatie", "Establishment (budgeted posts)", "fte", True,
           "Eigen registratie gemeente (personeelsbegroting): toegestane formatie in fte, ambtelijke organisatie zonder griffie."),
    _input("fte_staff", "Bezetting", "Staff in post", "fte", True,
           "Eigen registratie gemeente (salarisadministratie): werkelijk bezette fte, ambtelijke organisatie zonder griffie."),
    _input("apparatus_costs", "Apparaatskosten", "Apparatus costs", "euro", True,
           "Alle kosten van de ambtelijke organisatie (personeel en materieel). " + _IV3),
    _input("wage_costs", "Totale loonsom", "Total wage bill", "euro", True, "Loonsom van het eigen personeel. " + _IV3),
    _input("external_hiring_costs", "Kosten inhuur externen", "Cost of hired external staff", "euro", True,
           "Kosten van ingehuurde externen (ook bij vacatures). " + _IV3),
    _input("overhead_costs", "Lasten overhead", "Overhead costs", "euro", True, "Lasten op taakveld 0.4 Overhead. " + _IV3),
    _input("total_expenditure", "Totale lasten", "Total expenditure", "euro", True, "Totale lasten van de gemeente vóór bestemming. " + _IV3),
    _input("shared_services_costs", "Kosten gedeelde bedrijfsvoering", "Cost of shared services", "euro", True,
           "Bijdragen aan shared-servicecentra en gemeenschappelijke regelingen voor bedrijfsvoering (ICT, inkoop, belastingen); "
           "eigen registratie gemeente, of Iv3 (CBS Financiën van gemeenten) verbonden partijen."),
    _input("service_satisfaction_score", "Waardering dienstverlening gemeente", "Rating of municipal services", "rapportcijfer", False,
           "Burgerpeiling (waarstaatjegemeente.nl, VNG): gemiddeld rapportcijfer (1-10) van inwoners voor de dienstverlening."),
    _input("housing_costs_single", "Gemeentelijke woonlasten eenpersoonshuishouden", "Municipal housing charges, single-person household",
           "euro", False, "COELO Atlas van de lokale lasten: OZB, rioolheffing en afvalstoffenheffing voor een "
                          "eenpersoonshuishouden in een woning met de gemiddelde WOZ-waarde."),
    _input("housing_costs_multi", "Gemeentelijke woonlasten meerpersoonshuishouden", "Municipal housing charges, multi-person household",
           "euro", False, "COELO Atlas van de lokale lasten: OZB, rioolheffing en afvalstoffenheffing voor een "
                          "meerpersoonshuishouden in een woning met de gemiddelde WOZ-waarde."),
    _input("woz_value_mean", "Gemiddelde WOZ-waarde van woningen", "Average WOZ value of dwellings", "euro", False,
           "CBS Statistiek WOZ-waarde woningen (StatLine, gemiddelde woningwaarde per gemeente; de KWB publiceert "
           "haar in duizenden euro's, Koers slaat haar op in euro)."),
    _input("new_dwellings", "Nieuw gebouwde woningen", "Newly built dwellings", "aantal", True,
           "CBS 81955NED Voorraad woningen en niet-woningen; mutaties (BAG): toevoegingen door nieuwbouw in het jaar."),
    _input("building_permits_dwellings", "Woningen in verleende omgevingsvergunningen", "Dwellings in granted building permits", "aantal", True,
           "CBS Bouwvergunningen woonruimten (StatLine), of de eigen registratie van omgevingsvergunningen voor bouwen."),
    _input("demographic_pressure_pct", "Demografische druk (CBS-definitie)", "Demographic pressure (CBS definition)", "%", False,
           "CBS 70072ned Regionale kerncijfers Nederland: (inwoners 0-19 jaar + 65 jaar of ouder) als % van de inwoners van 20-64 jaar."),
    # --- digital services (theme 2) ---------------------------------------------------------
    _input("products_total", "Producten in de productencatalogus", "Products in the product catalogue", "aantal", True,
           "Eigen registratie gemeente: producten en diensten in de gemeentelijke productencatalogus (Samenwerkende Catalogi)."),
    _input("online_products", "Producten volledig digitaal aan te vragen", "Products that can be requested fully online", "aantal", True,
           "Eigen registratie gemeente: producten uit de productencatalogus die met DigiD/eHerkenning volledig online aan te vragen zijn."),
    _input("requests_total", "Aanvragen en meldingen", "Requests and reports", "aantal", True,
           "Eigen registratie gemeente (zaaksysteem): ontvangen aanvragen en meldingen van inwoners en ondernemers, alle kanalen."),
    _input("online_requests", "Aanvragen en meldingen via digitale kanalen", "Requests and reports made online", "aantal", True,
           "Eigen registratie gemeente (zaaksysteem): aanvragen en meldingen ontvangen via website, app of e-formulier."),
    _input("digital_satisfaction_score", "Waardering digitale dienstverlening", "Rating of digital services", "rapportcijfer", False,
           "Burgerpeiling (waarstaatjegemeente.nl) of eigen klanttevredenheidsonderzoek: rapportcijfer (1-10) voor de digitale dienstverlening."),
    # --- work and income ---------------------------------------------------------------------
    _input("employed_15_74", "Werkzame beroepsbevolking 15 tot 75 jaar", "Employed labour force aged 15-74", "aantal", True,
           "CBS Enquête beroepsbevolking (regionale arbeidsdeelname): werkzame beroepsbevolking van 15 tot 75 jaar."),
    _input("unemployed_youth_16_22", "Werkloze jongeren 16 tot 23 jaar", "Unemployed young people aged 16-22", "aantal", True,
           "Verwey-Jonker Instituut, Kinderen in Tel (op basis van CBS): jongeren van 16 tot en met 22 jaar zonder werk die werk zoeken."),
    _input("children_in_benefit_households", "Kinderen in een uitkeringsgezin", "Children in benefit households", "aantal", True,
           "Verwey-Jonker Instituut, Kinderen in Tel (op basis van CBS): kinderen tot 18 jaar in een huishouden met een bijstandsuitkering."),
    _input("reintegration_provisions", "Lopende re-integratievoorzieningen", "Ongoing re-integration provisions", "aantal", True,
           "CBS Statistiek Re-integratie door Gemeenten (SRG): re-integratievoorzieningen die op de peildatum lopen."),
    _input("job_placements", "Plaatsingen op werk via het werkgeversservicepunt", "Job placements by the employer service point", "aantal", True,
           "Eigen registratie gemeente of het regionale werkgeversservicepunt (gemeenten en UWV): werkzoekenden geplaatst op een baan."),
    _input("jobs", "Banen", "Jobs", "aantal", True,
           "LISA Vestigingenregister: banen (voltijd, deeltijd en uitzendkrachten) op 1 april bij vestigingen in de gemeente."),
    _input("establishments", "Vestigingen van bedrijven", "Business establishments", "aantal", True,
           "LISA Vestigingenregister: vestigingen van bedrijven en instellingen waar betaald werk wordt verricht."),
    # --- youth, care and education ----------------------------------------------------------
    _input("youth_care_clients", "Jongeren met jeugdhulp", "Young people receiving youth care", "aantal", True,
           "CBS Beleidsinformatie Jeugd: jongeren tot 18 jaar met jeugdhulp (zonder verblijf of met verblijf) in het jaar."),
    _input("youth_protection_clients", "Jongeren met jeugdbescherming", "Young people under a child protection measure", "aantal", True,
           "CBS Beleidsinformatie Jeugd: jongeren tot 18 jaar met een ondertoezichtstelling of voogdijmaatregel in het jaar."),
    _input("youth_probation_clients", "Jongeren met jeugdreclassering", "Young people under youth probation", "aantal", True,
           "CBS Beleidsinformatie Jeugd: jongeren van 12 tot 23 jaar met een jeugdreclasseringstraject in het jaar."),
    _input("wmo_clients", "Cliënten met een maatwerkarrangement Wmo", "Clients with a tailored Wmo arrangement", "aantal", True,
           "CBS Monitor Sociaal Domein Wmo: inwoners met een maatwerkvoorziening op grond van de Wmo 2015."),
    _input("wmo_self_reliance_pct", "Wmo-cliënten die zich beter kunnen redden", "Wmo clients who manage better", "%", False,
           "Wmo-cliëntervaringsonderzoek (waarstaatjegemeente.nl): % cliënten dat het eens is met "
           "'door de ondersteuning kan ik mij beter redden'."),
    _input("absolute_absentees", "Absoluut verzuimers", "Absolute absentees (not enrolled)", "aantal", True,
           "DUO / Ingrado verzuimregistratie: leerplichtigen die niet op een school staan ingeschreven."),
    _input("relative_absentees", "Relatief verzuimers", "Relative absentees (truancy)", "aantal", True,
           "DUO / Ingrado verzuimregistratie: ingeschreven leerplichtigen die ongeoorloofd verzuimen (meldingen bij de leerplichtambtenaar)."),
    _input("early_school_leavers", "Voortijdig schoolverlaters zonder startkwalificatie", "Early school leavers without basic qualification",
           "aantal", True, "DUO, VSV-verkenner: nieuwe voortijdig schoolverlaters (jonger dan 23 jaar) zonder startkwalificatie in het schooljaar."),
    # --- safety --------------------------------------------------------------------------------
    _input("halt_referrals", "Verwijzingen naar Halt", "Referrals to Halt", "aantal", True,
           "Stichting Halt: jongeren van 12 tot 18 jaar die door politie, boa of leerplichtambtenaar naar Halt zijn verwezen."),
    _input("youth_offenders", "Jongeren met een delict voor de rechter", "Young people before a court for an offence", "aantal", True,
           "Verwey-Jonker Instituut, Kinderen in Tel (op basis van OM/CBS): jongeren van 12 tot en met 21 jaar die voor de rechter zijn verschenen."),
    _input("shoplifting_count", "Winkeldiefstallen", "Shoplifting offences", "aantal", True,
           "CBS 83648NED Geregistreerde criminaliteit; soort misdrijf, regio (politie): geregistreerde winkeldiefstallen."),
    _input("violent_crimes_count", "Geweldsmisdrijven", "Violent crimes", "aantal", True,
           "CBS 83648NED Geregistreerde criminaliteit (politie): geweld- en seksuele misdrijven, waaronder mishandeling en bedreiging."),
    _input("domestic_burglaries_count", "Diefstallen uit woning", "Domestic burglaries", "aantal", True,
           "CBS 83648NED Geregistreerde criminaliteit (politie): diefstal/inbraak uit woning."),
    _input("vandalism_count", "Vernielingen en beschadigingen", "Criminal damage and vandalism", "aantal", True,
           "CBS 83648NED Geregistreerde criminaliteit (politie): vernieling en beschadiging, brandstichting en misdrijven tegen de openbare orde."),
    _input("enforcement_fte", "Handhavers (boa's) in de openbare ruimte", "Municipal enforcement officers", "fte", True,
           "Eigen registratie gemeente: fte buitengewoon opsporingsambtenaren (boa's) in de openbare ruimte, eigen en ingehuurd."),
    _input("neighbourhood_watch_members", "Deelnemers aan buurtpreventie", "Neighbourhood watch participants", "aantal", True,
           "Eigen registratie gemeente: deelnemers aan buurtpreventieteams en aangemelde WhatsApp-buurtpreventiegroepen."),
    # --- sport, environment -------------------------------------------------------------------
    _input("non_sporters_pct", "Niet-sporters", "Non-sporters", "%", False,
           "Gezondheidsmonitor Volwassenen en Ouderen (GGD'en, CBS, RIVM): % inwoners van 19 jaar en ouder dat niet wekelijks sport."),
    _input("sport_coach_fte", "Buurtsportcoaches", "Neighbourhood sport coaches", "fte", True,
           "Eigen registratie gemeente / Mulier Instituut monitor brede regeling combinatiefuncties: fte buurtsportcoaches."),
    _input("residual_waste_kg", "Huishoudelijk restafval", "Residual household waste", "kg", True,
           "CBS Statistiek Huishoudelijk afval (Rijkswaterstaat): fijn huishoudelijk restafval in kg (grof restafval telt CBS apart)."),
    _input("dwellings_source_separation", "Woningen met omgekeerd inzamelen of diftar", "Dwellings with reverse collection or pay-as-you-throw",
           "aantal", True, "Eigen registratie gemeente of afvalinzamelaar: woningen met omgekeerd inzamelen of een "
                           "tarief per zak of lediging (diftar)."),
    _input("renewable_electricity_pct", "Hernieuwbare elektriciteit", "Renewable electricity", "%", False,
           "Rijkswaterstaat Klimaatmonitor: lokaal opgewekte hernieuwbare elektriciteit (wind, zon, waterkracht, biomassa) "
           "als % van het elektriciteitsverbruik."),
    _input("sustainability_loans", "Verstrekte duurzaamheidsleningen", "Sustainability loans granted", "aantal", True,
           "Eigen registratie gemeente of SVn (Stimuleringsfonds Volkshuisvesting): verstrekte duurzaamheids- en energiebespaarleningen."),
    # --- participation and openness (theme 3) -------------------------------------------------
    _input("citizen_initiatives", "Ondersteunde burgerinitiatieven", "Citizens' initiatives supported", "aantal", True,
           "Eigen registratie gemeente: burgerinitiatieven, right-to-challenge-verzoeken en buurtbudgetten die de gemeente ondersteunde."),
    _input("voter_turnout_pct", "Opkomst gemeenteraadsverkiezingen", "Turnout at municipal elections", "%", False,
           "Kiesraad (verkiezingsuitslagen.nl): opkomst bij de gemeenteraadsverkiezingen, ook herindelingsverkiezingen."),
    _input("trust_council_pct", "Vertrouwen in de gemeenteraad", "Trust in the municipal council", "%", False,
           "Burgerpeiling (waarstaatjegemeente.nl): % inwoners met (veel) vertrouwen in de gemeenteraad."),
    _input("volunteers_pct", "Vrijwilligerswerk", "Volunteering", "%", False,
           "Gezondheidsmonitor Volwassenen en Ouderen (GGD'en, CBS, RIVM): % inwoners van 19 jaar en ouder dat vrijwilligerswerk doet."),
    _input("open_datasets", "Gepubliceerde open datasets", "Open data sets published", "aantal", True,
           "data.overheid.nl: datasets van de gemeente in het dataregister, met een open licentie (stand aan het eind van het jaar)."),
    _input("council_documents", "Raadsstukken", "Council documents", "aantal", True,
           "Eigen registratie griffie (raadsinformatiesysteem): raadsvoorstellen en raadsinformatiebrieven in het jaar."),
    _input("council_documents_on_time", "Raadsstukken tijdig openbaar", "Council documents public on time", "aantal", True,
           "Eigen registratie griffie (raadsinformatiesysteem): raadsstukken die binnen de termijn van het reglement van orde openbaar waren."),
]
