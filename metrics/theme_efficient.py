"""Theme 1 of the VNG Gemeente Agenda 2020: "Werken als één efficiënte overheid".

What the organisation costs and how it is staffed (the BBV inputs of taakveld 0), what residents
notice of it (the rating of the services, the municipal charges they pay), housing built together
with province, state and housing associations, and the context that explains costs per inhabitant
(house values, population growth, demographic pressure).
"""

from __future__ import annotations

from metrics.model import FormulaDefinition, IndicatorDefinition, Kpi, RatioDefinition, Text, Theme

KPIS: list[Kpi] = [
    # --- inputs: the organisation -----------------------------------------------------------
    Kpi(
        id="formation_fte_per_1000",
        title=Text(nl="Formatie", en="Establishment (budgeted posts)"),
        description=Text(
            nl="Het aantal fte dat de begroting voor de ambtelijke organisatie toestaat, per 1.000 inwoners (zonder griffie). "
               "Samen met de bezetting laat het zien hoeveel menskracht de gemeente voor haar taken inzet: een input van de "
               "resultatenketen, en daarom thema 'Werken als één efficiënte overheid'. Vergelijk met gemeenten van dezelfde "
               "grootte en met dezelfde taken: wie taken in een samenwerkingsverband onderbrengt, heeft zelf minder formatie.",
            en="The number of FTE the budget allows for the civil service, per 1,000 inhabitants (excluding the council's "
               "clerk's office). Together with staff in post it shows how much manpower the municipality puts into its tasks: "
               "an input of the results chain, hence the theme 'Working as one efficient government'. Compare with "
               "municipalities of similar size and tasks: one that has moved tasks into a joint arrangement has a smaller "
               "establishment of its own.",
        ),
        theme=Theme.EFFICIENT,
        kind="input",
        polarity="neither",
        unit="fte per 1.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="fte_formation", denominator="population", scale=1000),
        source="Eigen gegevens gemeente (begroting); inwoners: CBS 03759ned",
        fill_from="Eigen registratie gemeente (personeelsbegroting), indicator fte_formation",
        owner="team HRM",
        bbv="1",
        contributes_to=["service_satisfaction"],
    ),
    Kpi(
        id="staff_fte_per_1000",
        title=Text(nl="Bezetting", en="Staff in post"),
        description=Text(
            nl="Het aantal fte dat werkelijk in dienst is van de ambtelijke organisatie, per 1.000 inwoners. Het verschil met "
               "de formatie is de vacatureruimte, die vaak met externe inhuur wordt gevuld; daarom hoort deze input bij "
               "'Werken als één efficiënte overheid'. Een bezetting die lang ver onder de formatie blijft, wijst op krapte op "
               "de arbeidsmarkt of op een formatie die niet meer bij de taken past.",
            en="The number of FTE actually employed by the civil service, per 1,000 inhabitants. The gap with the establishment "
               "is the vacancy space, often filled by hired external staff; that is why this input belongs to 'Working as one "
               "efficient government'. Staff in post that stays far below the establishment for long points to a tight labour "
               "market or to an establishment that no longer fits the tasks.",
        ),
        theme=Theme.EFFICIENT,
        kind="input",
        polarity="neither",
        unit="fte per 1.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="fte_staff", denominator="population", scale=1000),
        source="Eigen gegevens gemeente (salarisadministratie); inwoners: CBS 03759ned",
        fill_from="Eigen registratie gemeente (salarisadministratie), indicator fte_staff",
        owner="team HRM",
        bbv="2",
        contributes_to=["service_satisfaction"],
    ),
    Kpi(
        id="apparatus_costs_per_inhabitant",
        title=Text(nl="Apparaatskosten", en="Apparatus costs"),
        description=Text(
            nl="Alle kosten van de ambtelijke organisatie (personeel, inhuur, huisvesting, ICT en andere materiële kosten) per "
               "inwoner. Het is de belangrijkste input voor de vraag of de gemeente doelmatig werkt, dus thema 'Werken als één "
               "efficiënte overheid'. Hoog is niet vanzelf slecht: een gemeente die taken zelf uitvoert in plaats van ze uit te "
               "besteden, heeft hogere apparaatskosten en lagere uitbestedingskosten; vergelijk met gemeenten die hun taken op "
               "dezelfde manier organiseren.",
            en="All costs of the civil service (staff, hired staff, accommodation, ICT and other material costs) per inhabitant. "
               "It is the main input to the question whether the municipality works efficiently, hence the theme 'Working as "
               "one efficient government'. High is not bad in itself: a municipality that carries out tasks itself instead of "
               "contracting them out has higher apparatus costs and lower contracting costs; compare with municipalities that "
               "organise their tasks the same way.",
        ),
        theme=Theme.EFFICIENT,
        kind="input",
        polarity="neither",
        unit="€ per inwoner",
        definition=RatioDefinition(type="ratio", numerator="apparatus_costs", denominator="population", scale=1),
        source="Iv3 / eigen begroting en jaarrekening; inwoners: CBS 03759ned",
        fill_from="Iv3 (CBS Financiën van gemeenten) of eigen jaarrekening, indicator apparatus_costs",
        owner="team Financiën",
        bbv="3",
        contributes_to=["service_satisfaction", "housing_costs_single_person", "housing_costs_multi_person"],
    ),
    Kpi(
        id="external_hiring_share",
        title=Text(nl="Externe inhuur", en="External hiring"),
        description=Text(
            nl="De kosten van ingehuurde externen als percentage van de totale loonsom plus die inhuurkosten. Inhuur vangt "
               "pieken en vacatures op, maar is duurder dan eigen personeel en laat minder kennis in de organisatie achter; "
               "deze input laat zien hoe doelmatig de organisatie haar capaciteit regelt (thema 1). Een hoog of stijgend "
               "percentage vraagt om uitleg: vacatures die niet te vullen zijn, projecten, of structureel werk dat tijdelijk "
               "belegd is.",
            en="The cost of hired external staff as a percentage of the total wage bill plus that hiring cost. Hiring absorbs "
               "peaks and vacancies but costs more than own staff and leaves less knowledge behind in the organisation; this "
               "input shows how efficiently the organisation arranges its capacity (theme 1). A high or rising share calls for "
               "an explanation: vacancies that cannot be filled, projects, or permanent work arranged as temporary.",
        ),
        theme=Theme.EFFICIENT,
        kind="input",
        polarity="lower_is_better",
        unit="% van loonsom plus inhuurkosten",
        definition=FormulaDefinition(type="formula", formula="share(external_hiring_costs, wage_costs + external_hiring_costs)"),
        source="Iv3 / eigen begroting en jaarrekening",
        fill_from="Iv3 (CBS Financiën van gemeenten) of eigen jaarrekening, indicatoren external_hiring_costs en wage_costs",
        owner="team HRM",
        bbv="4",
        contributes_to=["housing_costs_single_person", "housing_costs_multi_person"],
    ),
    Kpi(
        id="overhead_share",
        title=Text(nl="Overhead", en="Overhead"),
        description=Text(
            nl="De lasten van de overhead (taakveld 0.4: leiding, financiën, HR, ICT, huisvesting en dergelijke) als "
               "percentage van de totale lasten. Het laat zien welk deel van het geld naar de ondersteuning van de organisatie "
               "gaat in plaats van naar de taken voor inwoners: een input bij uitstek voor 'Werken als één efficiënte "
               "overheid'. Lager is doelmatiger, maar gemeenten rekenen kosten niet allemaal even consequent aan taakveld 0.4 "
               "toe, en een grote eenmalige last elders verlaagt het percentage zonder dat de overhead kleiner wordt.",
            en="Overhead costs (task field 0.4: management, finance, HR, ICT, accommodation and the like) as a percentage of "
               "total expenditure. It shows which part of the money goes to supporting the organisation rather than to the "
               "tasks for residents: an input par excellence for 'Working as one efficient government'. Lower is more "
               "efficient, but municipalities do not all book costs to task field 0.4 equally consistently, and a large "
               "one-off expense elsewhere lowers the share without the overhead getting smaller.",
        ),
        theme=Theme.EFFICIENT,
        kind="input",
        polarity="lower_is_better",
        unit="% van de totale lasten",
        definition=RatioDefinition(type="ratio", numerator="overhead_costs", denominator="total_expenditure", scale=100),
        source="Iv3 / eigen begroting en jaarrekening",
        fill_from="Iv3 (CBS Financiën van gemeenten), taakveld 0.4 en totale lasten",
        owner="team Financiën",
        bbv="5",
        contributes_to=["housing_costs_single_person", "housing_costs_multi_person"],
    ),
    Kpi(
        id="shared_services_cost_per_inhabitant",
        title=Text(nl="Kosten gedeelde bedrijfsvoering", en="Cost of shared services"),
        description=Text(
            nl="Wat de gemeente per inwoner bijdraagt aan shared-servicecentra en gemeenschappelijke regelingen voor "
               "bedrijfsvoering, zoals ICT, inkoop, belastingheffing en salarisadministratie. Samenwerken voor schaalvoordeel "
               "is de kern van 'Werken als één efficiënte overheid'; deze input laat zien wat dat kost. Lees het samen met de "
               "apparaatskosten: taken die naar een samenwerking gaan, horen de eigen apparaatskosten te verlagen, anders is "
               "er geen schaalvoordeel.",
            en="What the municipality contributes per inhabitant to shared service centres and joint arrangements for business "
               "operations, such as ICT, procurement, tax collection and payroll. Working together for economies of scale is "
               "the core of 'Working as one efficient government'; this input shows what it costs. Read it together with the "
               "apparatus costs: tasks moved into a joint arrangement should lower the municipality's own apparatus costs, "
               "otherwise there is no economy of scale.",
        ),
        theme=Theme.EFFICIENT,
        kind="input",
        polarity="neither",
        unit="€ per inwoner",
        definition=RatioDefinition(type="ratio", numerator="shared_services_costs", denominator="population", scale=1),
        source="Eigen gegevens gemeente (verbonden partijen); inwoners: CBS 03759ned",
        fill_from="Eigen registratie gemeente of Iv3 (CBS Financiën van gemeenten), indicator shared_services_costs",
        owner="team Financiën",
        contributes_to=["service_satisfaction", "digital_service_satisfaction", "housing_costs_single_person",
                        "housing_costs_multi_person"],
    ),
    # --- output and outcomes ------------------------------------------------------------------
    Kpi(
        id="service_satisfaction",
        title=Text(nl="Waardering dienstverlening gemeente", en="Rating of municipal services"),
        description=Text(
            nl="Het gemiddelde rapportcijfer (1-10) dat inwoners in de Burgerpeiling geven voor de dienstverlening van de "
               "gemeente. Inwoners merken efficiëntie pas als ze snel, goed en op één plek geholpen worden; daarom is dit de "
               "outcome van thema 1 aan de kant van de kwaliteit, naast de woonlasten aan de kant van de kosten. Het cijfer "
               "beweegt traag en heeft een marge door de steekproef: kijk naar de trend over meerdere metingen.",
            en="The average mark (1-10) residents give the municipality's services in the Burgerpeiling survey. Residents notice "
               "efficiency only when they are helped quickly, well and in one place; this is therefore theme 1's outcome on the "
               "side of quality, next to the housing charges on the side of cost. The mark moves slowly and has a sampling "
               "margin: look at the trend over several surveys.",
        ),
        theme=Theme.EFFICIENT,
        kind="outcome",
        polarity="higher_is_better",
        unit="rapportcijfer (1-10)",
        definition=IndicatorDefinition(type="indicator", indicator="service_satisfaction_score"),
        source="Burgerpeiling (waarstaatjegemeente.nl)",
        fill_from="Burgerpeiling waarstaatjegemeente.nl, indicator service_satisfaction_score",
        owner="team Dienstverlening",
    ),
    Kpi(
        id="housing_costs_single_person",
        title=Text(nl="Gemeentelijke woonlasten eenpersoonshuishouden", en="Municipal housing charges, single-person household"),
        description=Text(
            nl="Wat een eenpersoonshuishouden in een woning met de gemiddelde WOZ-waarde per jaar aan de gemeente betaalt: "
               "onroerendezaakbelasting, rioolheffing en afvalstoffenheffing (COELO). We rekenen dit tot de outcomes van "
               "thema 1: of de gemeente doelmatig werkt, merkt de inwoner uiteindelijk in de lokale lasten. Lager is niet "
               "altijd beter: heffingen moeten de kosten van riolering en afval dekken, en lage lasten kunnen ook op "
               "uitgestelde investeringen wijzen.",
            en="What a single-person household in a dwelling of average WOZ value pays the municipality per year: property tax, "
               "sewerage charge and waste collection charge (COELO). We count it among theme 1's outcomes: whether the "
               "municipality works efficiently is what residents ultimately notice in the local charges. Lower is not always "
               "better: charges must cover the cost of sewerage and waste, and low charges can also point to postponed "
               "investment.",
        ),
        theme=Theme.EFFICIENT,
        kind="outcome",
        polarity="lower_is_better",
        unit="€ per jaar",
        definition=IndicatorDefinition(type="indicator", indicator="housing_costs_single"),
        source="COELO Atlas van de lokale lasten",
        fill_from="COELO Atlas van de lokale lasten, indicator housing_costs_single",
        owner="team Belastingen",
        bbv="38",
    ),
    Kpi(
        id="housing_costs_multi_person",
        title=Text(nl="Gemeentelijke woonlasten meerpersoonshuishouden", en="Municipal housing charges, multi-person household"),
        description=Text(
            nl="Wat een meerpersoonshuishouden in een woning met de gemiddelde WOZ-waarde per jaar aan de gemeente betaalt: "
               "onroerendezaakbelasting, rioolheffing en afvalstoffenheffing (COELO). Net als bij eenpersoonshuishoudens een "
               "outcome van thema 1, omdat doelmatig werken uiteindelijk in de lokale lasten terug te zien is. Het verschil "
               "met eenpersoonshuishoudens komt vooral van de afvalstoffen- en rioolheffing; lage lasten kunnen ook op "
               "uitgestelde investeringen wijzen.",
            en="What a multi-person household in a dwelling of average WOZ value pays the municipality per year: property tax, "
               "sewerage charge and waste collection charge (COELO). As for single-person households an outcome of theme 1, "
               "because efficient work shows in the local charges in the end. The difference from single-person households "
               "comes mainly from the waste and sewerage charges; low charges can also point to postponed investment.",
        ),
        theme=Theme.EFFICIENT,
        kind="outcome",
        polarity="lower_is_better",
        unit="€ per jaar",
        definition=IndicatorDefinition(type="indicator", indicator="housing_costs_multi"),
        source="COELO Atlas van de lokale lasten",
        fill_from="COELO Atlas van de lokale lasten, indicator housing_costs_multi",
        owner="team Belastingen",
        bbv="39",
    ),
    Kpi(
        id="building_permits_per_1000_dwellings",
        title=Text(nl="Woningen in verleende bouwvergunningen", en="Dwellings in granted building permits"),
        description=Text(
            nl="Het aantal woningen waarvoor de gemeente in het jaar een omgevingsvergunning voor bouwen verleende, per 1.000 "
               "woningen in de voorraad. Vergunnen is wat de gemeente zelf levert om woningbouw mogelijk te maken; snel "
               "vergunnen, samen met provincie, corporaties en ontwikkelaars, is 'Werken als één efficiënte overheid'. Een "
               "vergunning is nog geen woning: volg hoeveel ervan een tot twee jaar later als nieuwbouw worden opgeleverd.",
            en="The number of dwellings for which the municipality granted a building permit in the year, per 1,000 dwellings in "
               "the stock. Permits are what the municipality itself delivers to make housebuilding possible; granting them "
               "quickly, together with province, housing associations and developers, is 'Working as one efficient "
               "government'. A permit is not yet a home: follow how many are completed as new dwellings one to two years later.",
        ),
        theme=Theme.EFFICIENT,
        kind="output",
        polarity="higher_is_better",
        unit="per 1.000 woningen",
        definition=RatioDefinition(type="ratio", numerator="building_permits_dwellings", denominator="dwellings", scale=1000),
        source="CBS Bouwvergunningen / eigen vergunningenregistratie; woningvoorraad: CBS (BAG)",
        fill_from="CBS Bouwvergunningen woonruimten of eigen registratie omgevingsvergunningen; CBS 81955NED voor de woningvoorraad",
        owner="team Vergunningen",
        contributes_to=["new_dwellings_per_1000"],
    ),
    Kpi(
        id="new_dwellings_per_1000",
        title=Text(nl="Nieuw gebouwde woningen", en="Newly built dwellings"),
        description=Text(
            nl="Het aantal woningen dat in het jaar door nieuwbouw aan de voorraad is toegevoegd, per 1.000 bestaande woningen. "
               "Het is een outcome: de woningnood wordt pas kleiner als er werkelijk woningen bij komen, niet als er plannen of "
               "vergunningen zijn. Woningbouw vraagt dat gemeente, provincie, Rijk en corporaties als één overheid werken "
               "(woondeals), daarom staat het in thema 1; bij de huidige tekorten is hoger beter, tot de afgesproken bouwopgave.",
            en="The number of dwellings added to the stock by new construction in the year, per 1,000 existing dwellings. It is "
               "an outcome: the housing shortage only shrinks when homes are actually added, not when there are plans or "
               "permits. Housebuilding requires municipality, province, state and housing associations to work as one "
               "government (housing deals), hence theme 1; with today's shortages higher is better, up to the agreed target.",
        ),
        theme=Theme.EFFICIENT,
        kind="outcome",
        polarity="higher_is_better",
        unit="per 1.000 woningen",
        definition=RatioDefinition(type="ratio", numerator="new_dwellings", denominator="dwellings", scale=1000),
        source="CBS Voorraad woningen; mutaties (BAG)",
        fill_from="CBS 81955NED Voorraad woningen en niet-woningen; mutaties, indicatoren new_dwellings en dwellings",
        owner="team Wonen",
        bbv="36",
    ),
    # --- context --------------------------------------------------------------------------------
    Kpi(
        id="average_woz_value",
        title=Text(nl="Gemiddelde WOZ-waarde", en="Average WOZ value"),
        description=Text(
            nl="De gemiddelde WOZ-waarde van woningen, in duizenden euro's. Het is de grondslag van de onroerendezaakbelasting "
               "en zegt iets over welvaart en woningmarkt in de gemeente; de gemeente stuurt er niet op, dus het is context. "
               "Het staat in thema 1 omdat het met het tarief de woonlasten bepaalt: een stijgende WOZ-waarde bij gelijke "
               "woonlasten betekent een lager OZB-tarief.",
            en="The average WOZ (property) value of dwellings, in thousands of euros. It is the base of the property tax and "
               "says something about prosperity and the housing market in the municipality; the municipality does not steer "
               "on it, so it is context. It sits in theme 1 because together with the tax rate it determines the housing "
               "charges: a rising WOZ value with unchanged charges means a lower property tax rate.",
        ),
        theme=Theme.EFFICIENT,
        kind="context",
        polarity="neither",
        unit="€ 1.000",
        definition=IndicatorDefinition(type="indicator", indicator="woz_value_mean"),
        source="CBS Statistiek WOZ-waarde woningen",
        fill_from="CBS gemiddelde WOZ-waarde van woningen per gemeente (StatLine), indicator woz_value_mean",
        owner="team Belastingen",
        bbv="35",
    ),
    Kpi(
        id="average_sale_price",
        title=Text(nl="Gemiddelde verkoopprijs bestaande koopwoningen", en="Average sale price of existing owner-occupied dwellings"),
        description=Text(
            nl="De gemiddelde prijs waarvoor bestaande koopwoningen in het jaar zijn verkocht (CBS en Kadaster). Het is context: "
               "de gemeente beïnvloedt de prijs hooguit indirect, maar hij bepaalt mee of woningzoekenden een woning kunnen "
               "vinden en hoe de WOZ-waarden zich ontwikkelen. Lees het naast de WOZ-waarde en de nieuwbouw; in een kleine "
               "gemeente met weinig verkopen kan de prijs van jaar tot jaar sterk schommelen.",
            en="The average price at which existing owner-occupied dwellings were sold in the year (CBS and Land Registry). It "
               "is context: the municipality influences the price indirectly at most, but it helps decide whether home seekers "
               "can find a home and how WOZ values develop. Read it next to the WOZ value and new construction; in a small "
               "municipality with few sales the price can swing strongly from year to year.",
        ),
        theme=Theme.EFFICIENT,
        kind="context",
        polarity="neither",
        unit="€",
        definition=IndicatorDefinition(type="indicator", indicator="average_house_price"),
        source="CBS 83625NED Bestaande koopwoningen; gemiddelde verkoopprijzen",
        owner="team Onderzoek en Statistiek",
    ),
    Kpi(
        id="population_growth",
        title=Text(nl="Bevolkingsgroei", en="Population growth"),
        description=Text(
            nl="De verandering van het aantal inwoners op 1 januari ten opzichte van een jaar eerder, in procenten (CBS, "
               "bevolkingsregister). Groei of krimp bepaalt de vraag naar woningen, voorzieningen en personeel en is daarom "
               "context voor vrijwel elke KPI per inwoner, en voor de omvang van de organisatie (thema 1). Na een herindeling "
               "springt het cijfer: bekijk de reeks dan op de gemeentelijke indeling van nu.",
            en="The change in the number of inhabitants on 1 January against a year earlier, in percent (CBS, population "
               "register). Growth or decline drives the demand for housing, services and staff, and is therefore context for "
               "almost every per-inhabitant KPI and for the size of the organisation (theme 1). After a merger the figure "
               "jumps: then look at the series on today's municipal division.",
        ),
        theme=Theme.EFFICIENT,
        kind="context",
        polarity="neither",
        unit="% t.o.v. vorig jaar",
        definition=FormulaDefinition(type="formula", formula="growth(population, 1)"),
        source="CBS 03759ned Bevolking op 1 januari",
        owner="team Onderzoek en Statistiek",
    ),
    Kpi(
        id="demographic_pressure",
        title=Text(nl="Demografische druk", en="Demographic pressure"),
        description=Text(
            nl="Het aantal inwoners van 0 tot 20 jaar en van 65 jaar en ouder samen, als percentage van de inwoners van 20 tot "
               "65 jaar (CBS-definitie, zoals in de BBV-set). Het laat zien hoeveel jongeren en ouderen er tegenover de "
               "potentiële beroepsbevolking staan, en daarmee de druk op zorg, onderwijs en voorzieningen; de gemeente stuurt "
               "er niet op, het is context. Het staat in thema 1 omdat het de kosten per inwoner mee verklaart: vergelijk "
               "gemeenten met een gelijke druk.",
            en="The number of inhabitants aged 0 to 19 and aged 65 and over together, as a percentage of those aged 20 to 64 "
               "(CBS definition, as in the BBV set). It shows how many young and old people there are for each person of "
               "working age, and so the pressure on care, education and services; the municipality does not steer on it, it "
               "is context. It sits in theme 1 because it helps explain costs per inhabitant: compare municipalities with a "
               "similar pressure.",
        ),
        theme=Theme.EFFICIENT,
        kind="context",
        polarity="neither",
        unit="%",
        definition=IndicatorDefinition(type="indicator", indicator="demographic_pressure_pct"),
        source="CBS Regionale kerncijfers Nederland",
        fill_from="CBS 70072ned Regionale kerncijfers Nederland (demografische druk), indicator demographic_pressure_pct",
        owner="team Onderzoek en Statistiek",
        bbv="37",
    ),
    Kpi(
        id="demographic_pressure_kerncijfers",
        title=Text(nl="Demografische druk, grens 15 jaar (Kerncijfers 2020)", en="Demographic pressure, 15-year boundary (Key figures 2020)"),
        description=Text(
            nl="De inwoners van 0 tot 15 jaar en van 65 jaar en ouder samen, als percentage van de inwoners van 15 tot 65 jaar, "
               "berekend uit CBS Kerncijfers wijken en buurten 2020. Dit is de internationale definitie (grens 15 in plaats "
               "van 20 jaar) en valt daarom lager uit dan de BBV-indicator Demografische druk: gebruik hem om gemeenten "
               "onderling te vergelijken, niet naast de BBV-waarde. De meegeleverde gegevens geven dit cijfer alleen voor 2020.",
            en="Inhabitants aged 0 to 14 and aged 65 and over together, as a percentage of those aged 15 to 64, computed from CBS "
               "Key figures for districts and neighbourhoods 2020. This is the international definition (boundary at 15 "
               "instead of 20) and therefore lower than the BBV indicator Demographic pressure: use it to compare "
               "municipalities with each other, not next to the BBV value. The shipped data give this figure for 2020 only.",
        ),
        theme=Theme.EFFICIENT,
        kind="context",
        polarity="neither",
        unit="%",
        definition=FormulaDefinition(
            type="formula",
            formula="(population_0_14 + population_65_plus) / (population_15_24 + population_25_44 + population_45_64) * 100",
        ),
        source="CBS 84799NED Kerncijfers wijken en buurten 2020",
        owner="team Onderzoek en Statistiek",
    ),
]
