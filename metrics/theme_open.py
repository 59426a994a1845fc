"""Theme 3 of the VNG Gemeente Agenda 2020: "Open en transparant in de participatiesamenleving".

Openness (open data, council documents on time) and what it is meant to bring (trust, turnout);
participation (citizens' initiatives, volunteering, sport); and the outcomes residents make together
with the municipality: safety in the neighbourhood (crime, Halt, young offenders), less residual
waste and more renewable electricity — each with the input or output meant to move it.
"""

from __future__ import annotations

from metrics.model import IndicatorDefinition, Kpi, RatioDefinition, Text, Theme

KPIS: list[Kpi] = [
    # --- openness and participation -----------------------------------------------------------
    Kpi(
        id="open_datasets_published",
        title=Text(nl="Gepubliceerde open datasets", en="Open data sets published"),
        description=Text(
            nl="Het aantal datasets dat de gemeente met een open licentie publiceert en in het dataregister van data.overheid.nl "
               "heeft staan. Het is een output van een open overheid (thema 3): inwoners, journalisten en onderzoekers kunnen "
               "zelf nagaan wat de gemeente doet. Tel datasets, niet bestanden, en alleen datasets die actueel worden gehouden.",
            en="The number of data sets the municipality publishes under an open licence and lists in the data register of "
               "data.overheid.nl. It is an output of open government (theme 3): residents, journalists and researchers can "
               "check for themselves what the municipality does. Count data sets, not files, and only those kept up to date.",
        ),
        theme=Theme.OPEN,
        kind="output",
        polarity="higher_is_better",
        unit="aantal",
        definition=IndicatorDefinition(type="indicator", indicator="open_datasets"),
        source="data.overheid.nl",
        fill_from="data.overheid.nl (dataregister, datasets van de gemeente), indicator open_datasets",
        owner="team Informatievoorziening",
        contributes_to=["trust_in_council"],
    ),
    Kpi(
        id="council_documents_on_time",
        title=Text(nl="Raadsstukken tijdig openbaar", en="Council documents public on time"),
        description=Text(
            nl="Het percentage raadsvoorstellen en raadsinformatiebrieven dat binnen de termijn van het reglement van orde "
               "openbaar was, zodat raad en inwoners zich tijdig konden voorbereiden. Het is een output van open en transparant "
               "bestuur (thema 3) die de griffie zelf bijhoudt. Het effect moet blijken uit meer vertrouwen in de raad en een "
               "hogere opkomst bij verkiezingen.",
            en="The percentage of council proposals and council information letters that were public within the period set by "
               "the council's standing orders, so that council and residents could prepare in time. It is an output of open and "
               "transparent government (theme 3) that the clerk's office records itself. The effect must show in more trust in "
               "the council and a higher turnout at elections.",
        ),
        theme=Theme.OPEN,
        kind="output",
        polarity="higher_is_better",
        unit="% van de raadsstukken",
        definition=RatioDefinition(type="ratio", numerator="council_documents_on_time", denominator="council_documents", scale=100),
        source="Eigen gegevens griffie (raadsinformatiesysteem)",
        fill_from="Eigen registratie griffie, indicatoren council_documents_on_time en council_documents",
        owner="griffie",
        contributes_to=["trust_in_council", "voter_turnout"],
    ),
    Kpi(
        id="citizen_initiatives_per_10000",
        title=Text(nl="Ondersteunde burgerinitiatieven", en="Citizens' initiatives supported"),
        description=Text(
            nl="Het aantal burgerinitiatieven, right-to-challenge-verzoeken en buurtbudgetten dat de gemeente in het jaar "
               "ondersteunde met geld, ruimte of advies, per 10.000 inwoners. Het is een output van de participatiesamenleving "
               "(thema 3): de gemeente maakt ruimte voor wat inwoners zelf willen oppakken. Of dat ook meer betrokkenheid "
               "oplevert, laten vrijwilligerswerk, vertrouwen in de raad en opkomst zien.",
            en="The number of citizens' initiatives, right-to-challenge requests and neighbourhood budgets the municipality "
               "supported in the year with money, space or advice, per 10,000 inhabitants. It is an output of the participation "
               "society (theme 3): the municipality makes room for what residents want to take on themselves. Whether that "
               "brings more involvement shows in volunteering, trust in the council and turnout.",
        ),
        theme=Theme.OPEN,
        kind="output",
        polarity="higher_is_better",
        unit="per 10.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="citizen_initiatives", denominator="population", scale=10000),
        source="Eigen gegevens gemeente; inwoners: CBS 03759ned",
        fill_from="Eigen registratie gemeente, indicator citizen_initiatives",
        owner="team Participatie",
        contributes_to=["volunteering", "trust_in_council", "voter_turnout"],
    ),
    Kpi(
        id="voter_turnout",
        title=Text(nl="Opkomst gemeenteraadsverkiezingen", en="Turnout at municipal elections"),
        description=Text(
            nl="Het percentage kiesgerechtigden dat stemde bij de gemeenteraadsverkiezingen (Kiesraad). Het is de meest directe "
               "maat voor betrokkenheid bij de lokale democratie, een outcome van thema 3: open en transparant bestuur moet "
               "inwoners laten zien dat hun stem ertoe doet. Er is alleen een cijfer in verkiezingsjaren (2018, 2022, 2026), "
               "en bij een herindeling in het jaar van de herindelingsverkiezing.",
            en="The percentage of those entitled to vote who voted at the municipal elections (Electoral Council). It is the "
               "most direct measure of involvement in local democracy, an outcome of theme 3: open and transparent government "
               "must show residents that their vote matters. There is only a figure in election years (2018, 2022, 2026), and "
               "for a merger in the year of its merger election.",
        ),
        theme=Theme.OPEN,
        kind="outcome",
        polarity="higher_is_better",
        unit="% van de kiesgerechtigden",
        definition=IndicatorDefinition(type="indicator", indicator="voter_turnout_pct"),
        source="Kiesraad",
        fill_from="Kiesraad (verkiezingsuitslagen.nl), indicator voter_turnout_pct",
        owner="griffie",
    ),
    Kpi(
        id="trust_in_council",
        title=Text(nl="Vertrouwen in de gemeenteraad", en="Trust in the municipal council"),
        description=Text(
            nl="Het percentage inwoners dat (veel) vertrouwen heeft in de gemeenteraad (Burgerpeiling, waarstaatjegemeente.nl). "
               "Vertrouwen is het maatschappelijk effect waar openheid en transparantie om draaien (thema 3): wie kan zien hoe "
               "besluiten tot stand komen, begrijpt en aanvaardt ze eerder. Het cijfer komt uit een steekproef en volgt ook het "
               "landelijke klimaat; vergelijk met gemeenten die in hetzelfde jaar peilden.",
            en="The percentage of residents with (a lot of) trust in the municipal council (Burgerpeiling survey, "
               "waarstaatjegemeente.nl). Trust is the outcome openness and transparency are about (theme 3): those who can see "
               "how decisions are made understand and accept them more readily. The figure comes from a sample and also "
               "follows the national mood; compare with municipalities surveyed in the same year.",
        ),
        theme=Theme.OPEN,
        kind="outcome",
        polarity="higher_is_better",
        unit="% van de inwoners",
        definition=IndicatorDefinition(type="indicator", indicator="trust_council_pct"),
        source="Burgerpeiling (waarstaatjegemeente.nl)",
        fill_from="Burgerpeiling waarstaatjegemeente.nl, indicator trust_council_pct",
        owner="griffie",
    ),
    Kpi(
        id="volunteering",
        title=Text(nl="Vrijwilligerswerk", en="Volunteering"),
        description=Text(
            nl="Het percentage inwoners van 19 jaar en ouder dat vrijwilligerswerk doet (Gezondheidsmonitor van GGD'en, CBS en "
               "RIVM). Vrijwillige inzet is het hart van de participatiesamenleving (thema 3): sportclubs, buurthuizen, "
               "mantelzorgondersteuning en burgerinitiatieven draaien erop. Het is een outcome die de gemeente kan "
               "ondersteunen, niet afdwingen; het cijfer wordt om de paar jaar gemeten.",
            en="The percentage of inhabitants aged 19 and over who do voluntary work (Health Monitor of the municipal health "
               "services, CBS and RIVM). Voluntary effort is the heart of the participation society (theme 3): sports clubs, "
               "community centres, support for informal carers and citizens' initiatives run on it. It is an outcome the "
               "municipality can support but not enforce; the figure is measured every few years.",
        ),
        theme=Theme.OPEN,
        kind="outcome",
        polarity="higher_is_better",
        unit="% van de inwoners van 19 jaar en ouder",
        definition=IndicatorDefinition(type="indicator", indicator="volunteers_pct"),
        source="Gezondheidsmonitor Volwassenen en Ouderen (GGD'en, CBS, RIVM)",
        fill_from="Gezondheidsmonitor Volwassenen en Ouderen, indicator volunteers_pct",
        owner="team Participatie",
    ),
    # --- safety: made together with residents -------------------------------------------------
    Kpi(
        id="enforcement_fte_per_10000",
        title=Text(nl="Handhavers (boa's) in de openbare ruimte", en="Municipal enforcement officers"),
        description=Text(
            nl="Het aantal fte buitengewoon opsporingsambtenaren (boa's) dat de gemeente in de openbare ruimte inzet, per "
               "10.000 inwoners. Het is een input van het veiligheidsbeleid: zichtbare handhaving moet winkeldiefstal, geweld op "
               "straat en vernielingen terugdringen, samen met bewoners en ondernemers (thema 3). Meer handhaving kan het "
               "geregistreerde aantal misdrijven eerst doen stijgen, omdat er meer ontdekt en vastgelegd wordt.",
            en="The FTE of special investigating officers (boa's) the municipality deploys in public space, per 10,000 "
               "inhabitants. It is an input of safety policy: visible enforcement should reduce shoplifting, street violence and "
               "vandalism, together with residents and businesses (theme 3). More enforcement can at first raise the number of "
               "recorded offences, because more is detected and recorded.",
        ),
        theme=Theme.OPEN,
        kind="input",
        polarity="neither",
        unit="fte per 10.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="enforcement_fte", denominator="population", scale=10000),
        source="Eigen gegevens gemeente; inwoners: CBS 03759ned",
        fill_from="Eigen registratie gemeente, indicator enforcement_fte",
        owner="team Openbare Orde en Veiligheid",
        contributes_to=["shoplifting_per_1000", "violent_crime_per_1000", "vandalism_per_1000"],
    ),
    Kpi(
        id="neighbourhood_watch_per_1000",
        title=Text(nl="Deelnemers aan buurtpreventie", en="Neighbourhood watch participants"),
        description=Text(
            nl="Het aantal inwoners dat meedoet aan een buurtpreventieteam of een aangemelde WhatsApp-buurtpreventiegroep, per "
               "1.000 inwoners. Het is een output van de participatiesamenleving bij uitstek (thema 3): de gemeente faciliteert, "
               "bewoners letten samen op hun buurt. Het effect moet blijken uit minder woninginbraken en vernielingen.",
            en="The number of residents taking part in a neighbourhood watch team or a registered WhatsApp neighbourhood watch "
               "group, per 1,000 inhabitants. It is an output of the participation society par excellence (theme 3): the "
               "municipality facilitates, residents look after their neighbourhood together. The effect must show in fewer "
               "burglaries and less vandalism.",
        ),
        theme=Theme.OPEN,
        kind="output",
        polarity="higher_is_better",
        unit="per 1.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="neighbourhood_watch_members", denominator="population", scale=1000),
        source="Eigen gegevens gemeente; inwoners: CBS 03759ned",
        fill_from="Eigen registratie gemeente, indicator neighbourhood_watch_members",
        owner="team Openbare Orde en Veiligheid",
        contributes_to=["domestic_burglary_per_1000", "vandalism_per_1000"],
    ),
    Kpi(
        id="halt_referrals_per_1000",
        title=Text(nl="Verwijzingen Halt", en="Referrals to Halt"),
        description=Text(
            nl="Het aantal jongeren van 12 tot en met 17 jaar dat naar Halt is verwezen, per 1.000 jongeren van die leeftijd "
               "(Stichting Halt). Een verwijzing volgt op lichte criminaliteit zoals vernieling, winkeldiefstal of "
               "vuurwerkoverlast: minder verwijzingen is minder jeugdcriminaliteit, mits de handhaving gelijk blijft, want meer "
               "controle geeft ook meer verwijzingen. Veiligheid staat in thema 3 omdat een veilige buurt in de "
               "participatiesamenleving een gezamenlijke opgave is van ouders, scholen, buurt, politie en gemeente.",
            en="The number of young people aged 12 to 17 referred to Halt, per 1,000 young people of that age (Halt "
               "foundation). A referral follows minor offences such as vandalism, shoplifting or fireworks nuisance: fewer "
               "referrals means less youth crime, provided enforcement stays the same, since more checks also produce more "
               "referrals. Safety sits in theme 3 because in the participation society a safe neighbourhood is a joint task of "
               "parents, schools, neighbours, police and municipality.",
        ),
        theme=Theme.OPEN,
        kind="outcome",
        polarity="lower_is_better",
        unit="per 1.000 inwoners van 12 tot en met 17 jaar",
        definition=RatioDefinition(type="ratio", numerator="halt_referrals", denominator="population_12_17", scale=1000),
        source="Stichting Halt; CBS 03759ned",
        fill_from="Stichting Halt (verwijzingen per gemeente); CBS 03759ned voor de inwoners van 12 tot en met 17 jaar",
        owner="team Openbare Orde en Veiligheid",
        bbv="6",
        privacy_threshold=10,
    ),
    Kpi(
        id="youth_offenders_share",
        title=Text(nl="Jongeren met een delict voor de rechter", en="Young people before a court for an offence"),
        description=Text(
            nl="Het percentage jongeren van 12 tot en met 21 jaar dat voor een delict voor de rechter is verschenen (Kinderen in "
               "Tel, op basis van OM-gegevens). Het is een outcome van preventie, jeugdhulp en jeugdreclassering samen: "
               "jongeren die meedoen op school, in sport en werk, komen minder met justitie in aanraking (thema 3). De aantallen "
               "zijn klein en de cijfers komen met enkele jaren vertraging; kijk naar meerjarige trends.",
            en="The percentage of young people aged 12 to 21 who appeared in court for an offence (Kinderen in Tel, based on "
               "Public Prosecution data). It is an outcome of prevention, youth care and youth probation together: young people "
               "who take part in school, sport and work come into contact with the justice system less (theme 3). The numbers "
               "are small and the figures arrive a few years late; look at trends over several years.",
        ),
        theme=Theme.OPEN,
        kind="outcome",
        polarity="lower_is_better",
        unit="% van de jongeren van 12 tot en met 21 jaar",
        definition=RatioDefinition(type="ratio", numerator="youth_offenders", denominator="population_12_21", scale=100),
        source="Verwey-Jonker Instituut, Kinderen in Tel (OM/CBS)",
        fill_from="Kinderen in Tel (jongeren met een delict voor de rechter); CBS 03759ned voor de inwoners van 12 tot en met 21 jaar",
        owner="team Openbare Orde en Veiligheid",
        bbv="22",
        privacy_threshold=10,
    ),
    Kpi(
        id="shoplifting_per_1000",
        title=Text(nl="Winkeldiefstallen", en="Shoplifting"),
        description=Text(
            nl="Het aantal door de politie geregistreerde winkeldiefstallen per 1.000 inwoners (CBS, geregistreerde "
               "criminaliteit). Het is een outcome voor de veiligheid van ondernemers en winkelgebieden, een gezamenlijke "
               "opgave van winkeliers, politie en gemeente (thema 3). Geregistreerde criminaliteit hangt af van "
               "aangiftebereidheid en controle, en een gemeente met een regionaal winkelcentrum scoort per inwoner vanzelf hoger.",
            en="The number of shoplifting offences recorded by the police per 1,000 inhabitants (CBS, recorded crime). It is an "
               "outcome for the safety of businesses and shopping areas, a joint task of shopkeepers, police and municipality "
               "(theme 3). Recorded crime depends on the willingness to report and on checks, and a municipality with a "
               "regional shopping centre scores higher per inhabitant by nature.",
        ),
        theme=Theme.OPEN,
        kind="outcome",
        polarity="lower_is_better",
        unit="per 1.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="shoplifting_count", denominator="population", scale=1000),
        source="CBS 83648NED Geregistreerde criminaliteit; CBS 03759ned",
        fill_from="CBS 83648NED Geregistreerde criminaliteit; soort misdrijf, regio (winkeldiefstal)",
        owner="team Openbare Orde en Veiligheid",
        bbv="8",
    ),
    Kpi(
        id="violent_crime_per_1000",
        title=Text(nl="Geweldsmisdrijven", en="Violent crime"),
        description=Text(
            nl="Het aantal geregistreerde geweld- en seksuele misdrijven per 1.000 inwoners, zoals mishandeling, bedreiging, "
               "straatroof en zedenmisdrijven (CBS, geregistreerde criminaliteit). Het raakt het veiligheidsgevoel direct en is "
               "een outcome van de samenwerking tussen gemeente, politie, zorg en buurt (thema 3). Uitgaanscentra trekken "
               "geweld van buiten de gemeente aan, en huiselijk geweld komt pas in beeld bij aangifte.",
            en="The number of recorded violent and sexual offences per 1,000 inhabitants, such as assault, threats, street "
               "robbery and sexual offences (CBS, recorded crime). It affects the feeling of safety directly and is an outcome "
               "of cooperation between municipality, police, care and neighbourhood (theme 3). Nightlife centres attract "
               "violence from outside the municipality, and domestic violence only shows when it is reported.",
        ),
        theme=Theme.OPEN,
        kind="outcome",
        polarity="lower_is_better",
        unit="per 1.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="violent_crimes_count", denominator="population", scale=1000),
        source="CBS 83648NED Geregistreerde criminaliteit; CBS 03759ned",
        fill_from="CBS 83648NED Geregistreerde criminaliteit; soort misdrijf, regio (geweldsmisdrijven)",
        owner="team Openbare Orde en Veiligheid",
        bbv="9",
    ),
    Kpi(
        id="domestic_burglary_per_1000",
        title=Text(nl="Diefstallen uit woning", en="Domestic burglary"),
        description=Text(
            nl="Het aantal geregistreerde diefstallen uit woningen (inbraken) per 1.000 inwoners (CBS, geregistreerde "
               "criminaliteit). Woninginbraak is het veiligheidsprobleem waar bewoners zelf het meest aan kunnen doen, met "
               "buurtpreventie, goed hang- en sluitwerk en alertheid; daarom staat deze outcome in thema 3, de "
               "participatiesamenleving. Het aantal is in heel Nederland sinds 2013 sterk gedaald; vergelijk met de landelijke lijn.",
            en="The number of recorded burglaries from dwellings per 1,000 inhabitants (CBS, recorded crime). Burglary is the "
               "safety problem residents can do most about themselves, with neighbourhood watch, good locks and alertness; this "
               "outcome therefore sits in theme 3, the participation society. The number has fallen sharply across the "
               "Netherlands since 2013; compare with the national line.",
        ),
        theme=Theme.OPEN,
        kind="outcome",
        polarity="lower_is_better",
        unit="per 1.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="domestic_burglaries_count", denominator="population", scale=1000),
        source="CBS 83648NED Geregistreerde criminaliteit; CBS 03759ned",
        fill_from="CBS 83648NED Geregistreerde criminaliteit; soort misdrijf, regio (diefstal/inbraak woning)",
        owner="team Openbare Orde en Veiligheid",
        bbv="10",
    ),
    Kpi(
        id="vandalism_per_1000",
        title=Text(nl="Vernielingen en beschadigingen (in de openbare ruimte)", en="Criminal damage and vandalism (in public space)"),
        description=Text(
            nl="Het aantal geregistreerde vernielingen en beschadigingen, met brandstichting en misdrijven tegen de openbare "
               "orde, per 1.000 inwoners (CBS, geregistreerde criminaliteit). Vernielingen tasten de leefbaarheid van de buurt "
               "aan; bewoners, jongerenwerk, handhaving en politie gaan ze samen tegen (thema 3). Rond de jaarwisseling piekt "
               "het cijfer: een jaar met veel vuurwerkschade is geen trendbreuk.",
            en="The number of recorded acts of criminal damage and vandalism, with arson and public order offences, per 1,000 "
               "inhabitants (CBS, recorded crime). Vandalism erodes the liveability of the neighbourhood; residents, youth "
               "workers, enforcement officers and police counter it together (theme 3). The figure peaks around New Year: a "
               "year with much fireworks damage is not a break in the trend.",
        ),
        theme=Theme.OPEN,
        kind="outcome",
        polarity="lower_is_better",
        unit="per 1.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="vandalism_count", denominator="population", scale=1000),
        source="CBS 83648NED Geregistreerde criminaliteit; CBS 03759ned",
        fill_from="CBS 83648NED Geregistreerde criminaliteit; soort misdrijf, regio (vernieling en beschadiging)",
        owner="team Openbare Orde en Veiligheid",
        bbv="11",
    ),
    # --- sport ----------------------------------------------------------------------------------
    Kpi(
        id="sport_coach_fte_per_10000",
        title=Text(nl="Buurtsportcoaches", en="Neighbourhood sport coaches"),
        description=Text(
            nl="Het aantal fte buurtsportcoaches per 10.000 inwoners. Buurtsportcoaches brengen inwoners die weinig bewegen in "
               "contact met sport- en beweegaanbod in de buurt, vaak samen met verenigingen, scholen en zorg; het is een input "
               "van het sport- en participatiebeleid (thema 3). Het effect moet blijken uit een lager aandeel niet-sporters.",
            en="The FTE of neighbourhood sport coaches per 10,000 inhabitants. Sport coaches bring residents who move little into "
               "contact with sport and exercise in their neighbourhood, often together with clubs, schools and care; it is an "
               "input of sport and participation policy (theme 3). The effect must show in a lower share of non-sporters.",
        ),
        theme=Theme.OPEN,
        kind="input",
        polarity="neither",
        unit="fte per 10.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="sport_coach_fte", denominator="population", scale=10000),
        source="Eigen gegevens gemeente; inwoners: CBS 03759ned",
        fill_from="Eigen registratie gemeente of Mulier Instituut (monitor brede regeling combinatiefuncties), indicator sport_coach_fte",
        owner="team Sport",
        contributes_to=["non_sporters"],
    ),
    Kpi(
        id="non_sporters",
        title=Text(nl="Niet-sporters", en="Non-sporters"),
        description=Text(
            nl="Het percentage inwoners van 19 jaar en ouder dat niet minstens eens per week sport (Gezondheidsmonitor van "
               "GGD'en, CBS en RIVM). Sporten en bewegen houdt mensen gezond en verbindt ze met elkaar, in verenigingen en in de "
               "buurt; daarom staat deze outcome in thema 3, de participatiesamenleving. Het cijfer komt uit een enquête die om "
               "de paar jaar wordt gehouden; kleine verschillen zijn niet betekenisvol.",
            en="The percentage of inhabitants aged 19 and over who do not do sport at least once a week (Health Monitor of the "
               "municipal health services, CBS and RIVM). Sport and exercise keep people healthy and connect them, in clubs and "
               "in the neighbourhood; this outcome therefore sits in theme 3, the participation society. The figure comes from "
               "a survey held every few years; small differences are not meaningful.",
        ),
        theme=Theme.OPEN,
        kind="outcome",
        polarity="lower_is_better",
        unit="% van de inwoners van 19 jaar en ouder",
        definition=IndicatorDefinition(type="indicator", indicator="non_sporters_pct"),
        source="Gezondheidsmonitor Volwassenen en Ouderen (GGD'en, CBS, RIVM)",
        fill_from="Gezondheidsmonitor Volwassenen en Ouderen, indicator non_sporters_pct",
        owner="team Sport",
        bbv="20",
    ),
    # --- environment: outcomes residents make ------------------------------------------------
    Kpi(
        id="waste_separation_coverage",
        title=Text(nl="Woningen met omgekeerd inzamelen of diftar", en="Dwellings with reverse collection or pay-as-you-throw"),
        description=Text(
            nl="Het percentage woningen dat onder omgekeerd inzamelen valt (grondstoffen aan huis opgehaald, restafval naar een "
               "verzamelcontainer) of een tarief per zak of lediging betaalt (diftar). Met deze maatregelen beloont de gemeente "
               "afval scheiden; het is een output van thema 3, omdat het resultaat van wat inwoners doen afhangt. Het effect "
               "moet blijken uit minder restafval per inwoner, meestal binnen een jaar na invoering.",
            en="The percentage of dwellings with reverse collection (recyclables collected at the door, residual waste taken to "
               "a communal container) or paying per bag or emptying (pay-as-you-throw). With these measures the municipality "
               "rewards separating waste; it is an output of theme 3, because the result depends on what residents do. The "
               "effect must show in less residual waste per inhabitant, usually within a year of introduction.",
        ),
        theme=Theme.OPEN,
        kind="output",
        polarity="higher_is_better",
        unit="% van de woningen",
        definition=RatioDefinition(type="ratio", numerator="dwellings_source_separation", denominator="dwellings", scale=100),
        source="Eigen gegevens gemeente of afvalinzamelaar; woningvoorraad: CBS (BAG)",
        fill_from="Eigen registratie gemeente of afvalinzamelaar, indicator dwellings_source_separation; CBS 81955NED voor de woningvoorraad",
        owner="team Afval en Grondstoffen",
        contributes_to=["residual_waste_per_inhabitant"],
    ),
    Kpi(
        id="residual_waste_per_inhabitant",
        title=Text(nl="Omvang huishoudelijk restafval", en="Residual household waste"),
        description=Text(
            nl="Het aantal kilo's huishoudelijk restafval (fijn en grof) per inwoner per jaar (CBS, Statistiek Huishoudelijk "
               "afval). Restafval wordt verbrand; wat inwoners scheiden, wordt grondstof. Het is een outcome die inwoners zelf "
               "maken, met de gemeente als aanjager: een voorbeeld van de participatiesamenleving (thema 3). Het landelijke "
               "VANG-doel was 100 kg per inwoner in 2020 en 30 kg in 2025.",
            en="The kilograms of residual household waste (fine and bulky) per inhabitant per year (CBS household waste "
               "statistics). Residual waste is incinerated; what residents separate becomes raw material. It is an outcome "
               "residents make themselves, with the municipality as driver: an example of the participation society (theme 3). "
               "The national VANG target was 100 kg per inhabitant in 2020 and 30 kg in 2025.",
        ),
        theme=Theme.OPEN,
        kind="outcome",
        polarity="lower_is_better",
        unit="kg per inwoner",
        definition=RatioDefinition(type="ratio", numerator="residual_waste_kg", denominator="population", scale=1),
        source="CBS Statistiek Huishoudelijk afval (Rijkswaterstaat); CBS 03759ned",
        fill_from="CBS Statistiek Huishoudelijk afval per gemeente, indicator residual_waste_kg",
        owner="team Afval en Grondstoffen",
        bbv="33",
    ),
    Kpi(
        id="sustainability_loans_per_1000_dwellings",
        title=Text(nl="Verstrekte duurzaamheidsleningen", en="Sustainability loans granted"),
        description=Text(
            nl="Het aantal duurzaamheids- en energiebespaarleningen dat de gemeente (vaak via SVn) in het jaar verstrekte, per "
               "1.000 woningen. Het is een output: de gemeente helpt eigenaren zonnepanelen, isolatie of een warmtepomp te "
               "financieren, en inwoners doen de investering (thema 3). Het effect moet blijken uit meer hernieuwbare "
               "elektriciteit, al is een lening maar één van de redenen om te investeren.",
            en="The number of sustainability and energy-saving loans the municipality granted in the year (often through SVn), "
               "per 1,000 dwellings. It is an output: the municipality helps owners finance solar panels, insulation or a heat "
               "pump, and residents make the investment (theme 3). The effect must show in more renewable electricity, although "
               "a loan is only one of the reasons to invest.",
        ),
        theme=Theme.OPEN,
        kind="output",
        polarity="higher_is_better",
        unit="per 1.000 woningen",
        definition=RatioDefinition(type="ratio", numerator="sustainability_loans", denominator="dwellings", scale=1000),
        source="Eigen gegevens gemeente of SVn; woningvoorraad: CBS (BAG)",
        fill_from="Eigen registratie gemeente of SVn, indicator sustainability_loans; CBS 81955NED voor de woningvoorraad",
        owner="team Duurzaamheid",
        contributes_to=["renewable_electricity"],
    ),
    Kpi(
        id="renewable_electricity",
        title=Text(nl="Hernieuwbare elektriciteit", en="Renewable electricity"),
        description=Text(
            nl="Lokaal opgewekte hernieuwbare elektriciteit (wind, zon, waterkracht en biomassa) als percentage van het totale "
               "elektriciteitsverbruik in de gemeente (Rijkswaterstaat, Klimaatmonitor). Het is een outcome van de "
               "energietransitie, die inwoners, ondernemers en energiecoöperaties samen met de gemeente maken (thema 3). Eén "
               "windpark kan het percentage ver boven de 100 brengen; vergelijk daarom vooral de ontwikkeling in de tijd.",
            en="Locally generated renewable electricity (wind, solar, hydro and biomass) as a percentage of total electricity use "
               "in the municipality (Rijkswaterstaat Climate Monitor). It is an outcome of the energy transition, made by "
               "residents, businesses and energy cooperatives together with the municipality (theme 3). One wind farm can take "
               "the percentage far above 100; compare mainly the development over time.",
        ),
        theme=Theme.OPEN,
        kind="outcome",
        polarity="higher_is_better",
        unit="% van het elektriciteitsverbruik",
        definition=IndicatorDefinition(type="indicator", indicator="renewable_electricity_pct"),
        source="Rijkswaterstaat Klimaatmonitor",
        fill_from="Rijkswaterstaat Klimaatmonitor, indicator renewable_electricity_pct",
        owner="team Duurzaamheid",
        bbv="34",
    ),
]
