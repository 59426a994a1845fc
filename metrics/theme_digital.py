"""Theme 2 of the VNG Gemeente Agenda 2020: "Massaal digitaal, maatwerk lokaal".

"Massaal digitaal": the services that can be requested online, how many residents use them and how
they rate them. "Maatwerk lokaal": the social domain, where the municipality delivers tailored
support per person (re-integration under the Participatiewet, youth care, Wmo, school attendance),
with the outcomes that support is meant to move (labour participation, benefits, early school
leaving) and the local labour market as context.
"""

from __future__ import annotations

from metrics.model import FormulaDefinition, IndicatorDefinition, Kpi, RatioDefinition, Text, Theme

KPIS: list[Kpi] = [
    # --- massaal digitaal ---------------------------------------------------------------------
    Kpi(
        id="online_products_share",
        title=Text(nl="Producten digitaal aan te vragen", en="Products that can be requested online"),
        description=Text(
            nl="Het aandeel van de producten en diensten in de productencatalogus dat inwoners en ondernemers volledig online "
               "kunnen aanvragen, met DigiD of eHerkenning. Dit is wat de gemeente zelf levert voor 'Massaal digitaal': een "
               "output, want of mensen het digitale kanaal gebruiken en waarderen, meten de outcomes. Tel alleen producten "
               "die van aanvraag tot besluit digitaal kunnen; een pdf-formulier om te printen telt niet.",
            en="The share of products and services in the product catalogue that residents and businesses can request fully "
               "online, with DigiD or eHerkenning. This is what the municipality itself delivers for 'Massively digital': an "
               "output, because whether people use and value the digital channel is what the outcomes measure. Count only "
               "products that are digital from request to decision; a PDF form to print does not count.",
        ),
        theme=Theme.DIGITAL,
        kind="output",
        polarity="higher_is_better",
        unit="% van de producten",
        definition=RatioDefinition(type="ratio", numerator="online_products", denominator="products_total", scale=100),
        source="Eigen gegevens gemeente (productencatalogus)",
        fill_from="Eigen registratie gemeente (productencatalogus, Samenwerkende Catalogi), indicatoren online_products en products_total",
        owner="team Dienstverlening",
        contributes_to=["online_requests_share", "digital_service_satisfaction"],
    ),
    Kpi(
        id="online_requests_share",
        title=Text(nl="Aanvragen via digitale kanalen", en="Requests made online"),
        description=Text(
            nl="Het aandeel van alle aanvragen en meldingen dat via website, app of e-formulier binnenkomt. Het is de outcome "
               "van 'Massaal digitaal': het digitale aanbod helpt pas als inwoners er werkelijk voor kiezen, zodat balie en "
               "telefoon tijd overhouden voor maatwerk voor wie dat nodig heeft. Een hoog aandeel is goed zolang de waardering "
               "van de dienstverlening niet daalt en wie niet digitaal kan, geholpen blijft.",
            en="The share of all requests and reports that come in through website, app or e-form. It is the outcome of "
               "'Massively digital': digital services only help when residents actually choose them, so that the desk and the "
               "phone have time left for tailored help for those who need it. A high share is good as long as the rating of "
               "the services does not fall and those who cannot go digital are still helped.",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="higher_is_better",
        unit="% van de aanvragen",
        definition=RatioDefinition(type="ratio", numerator="online_requests", denominator="requests_total", scale=100),
        source="Eigen gegevens gemeente (zaaksysteem)",
        fill_from="Eigen registratie gemeente (zaaksysteem), indicatoren online_requests en requests_total",
        owner="team Dienstverlening",
    ),
    Kpi(
        id="digital_service_satisfaction",
        title=Text(nl="Waardering digitale dienstverlening", en="Rating of digital services"),
        description=Text(
            nl="Het gemiddelde rapportcijfer (1-10) dat inwoners geven voor de digitale dienstverlening van de gemeente. Het is "
               "de tweede outcome van 'Massaal digitaal': meer digitale aanvragen zijn alleen winst als de digitale weg ook "
               "goed werkt. Het cijfer komt uit een steekproef; verschillen van een paar tienden zijn vaak ruis.",
            en="The average mark (1-10) residents give the municipality's digital services. It is the second outcome of "
               "'Massively digital': more online requests are only a gain when the digital route also works well. The mark "
               "comes from a sample; differences of a few tenths are often noise.",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="higher_is_better",
        unit="rapportcijfer (1-10)",
        definition=IndicatorDefinition(type="indicator", indicator="digital_satisfaction_score"),
        source="Burgerpeiling (waarstaatjegemeente.nl) of eigen klanttevredenheidsonderzoek",
        fill_from="Burgerpeiling waarstaatjegemeente.nl of eigen onderzoek, indicator digital_satisfaction_score",
        owner="team Dienstverlening",
    ),
    # --- maatwerk lokaal: work and income -----------------------------------------------------
    Kpi(
        id="reintegration_provisions_per_10000",
        title=Text(nl="Lopende re-integratievoorzieningen", en="Ongoing re-integration provisions"),
        description=Text(
            nl="Het aantal lopende re-integratievoorzieningen (zoals loonkostensubsidie, jobcoaching, beschut werk en scholing) "
               "per 10.000 inwoners van 15 tot 65 jaar. Het is een output van de gemeente onder de Participatiewet: wat zij "
               "inzet om mensen naar werk te helpen, maatwerk per persoon en daarom thema 2. Meer is niet vanzelf beter; het "
               "effect moet blijken uit de arbeidsparticipatie en het aantal mensen in de bijstand.",
            en="The number of ongoing re-integration provisions (such as wage subsidy, job coaching, sheltered work and "
               "training) per 10,000 inhabitants aged 15 to 64. It is an output of the municipality under the Participation "
               "Act: what it puts in to help people into work, tailored per person and so theme 2. More is not better in "
               "itself; the effect must show in labour participation and the number of people on social assistance.",
        ),
        theme=Theme.DIGITAL,
        kind="output",
        polarity="neither",
        unit="per 10.000 inwoners van 15 tot 65 jaar",
        definition=RatioDefinition(type="ratio", numerator="reintegration_provisions", denominator="population_15_64", scale=10000),
        source="CBS Statistiek Re-integratie door Gemeenten (SRG)",
        fill_from="CBS Statistiek Re-integratie door Gemeenten (SRG); CBS 03759ned voor de inwoners van 15 tot 65 jaar",
        owner="team Werk en Inkomen",
        bbv="28",
        privacy_threshold=10,
        contributes_to=["net_labour_participation", "bijstand_per_10000", "bijstand_per_1000", "youth_unemployment",
                        "children_in_benefit_households"],
    ),
    Kpi(
        id="job_placements_per_10000",
        title=Text(nl="Plaatsingen op werk via het werkgeversservicepunt", en="Job placements by the employer service point"),
        description=Text(
            nl="Het aantal werkzoekenden dat via het regionale werkgeversservicepunt van gemeenten en UWV aan een baan is "
               "geholpen, per 10.000 inwoners van 15 tot 65 jaar. Het is een output van de samenwerking op de arbeidsmarkt, "
               "en als maatwerk per werkzoekende hoort het in thema 2. Een plaatsing is pas een succes als iemand blijft "
               "werken: lees het naast de arbeidsparticipatie en de uitkeringscijfers.",
            en="The number of job seekers placed in a job through the regional employer service point of municipalities and UWV, "
               "per 10,000 inhabitants aged 15 to 64. It is an output of cooperation on the labour market, and as tailored "
               "support per job seeker it belongs to theme 2. A placement is only a success when the person stays in work: "
               "read it next to labour participation and the benefit figures.",
        ),
        theme=Theme.DIGITAL,
        kind="output",
        polarity="higher_is_better",
        unit="per 10.000 inwoners van 15 tot 65 jaar",
        definition=RatioDefinition(type="ratio", numerator="job_placements", denominator="population_15_64", scale=10000),
        source="Eigen gegevens gemeente / werkgeversservicepunt",
        fill_from="Eigen registratie gemeente of regionaal werkgeversservicepunt, indicator job_placements",
        owner="team Werk en Inkomen",
        privacy_threshold=10,
        contributes_to=["net_labour_participation", "bijstand_per_10000", "bijstand_per_1000", "youth_unemployment",
                        "ww_per_1000", "ao_per_1000"],
    ),
    Kpi(
        id="net_labour_participation",
        title=Text(nl="Netto arbeidsparticipatie", en="Net labour participation"),
        description=Text(
            nl="De werkzame beroepsbevolking als percentage van de bevolking van 15 tot 75 jaar (CBS, Enquête "
               "beroepsbevolking). Het is de outcome waar het re-integratiebeleid om draait: meer inwoners die meedoen op de "
               "arbeidsmarkt, met inkomen en zelfstandigheid; lokaal maatwerk moet het verschil maken voor wie niet vanzelf "
               "werk vindt (thema 2). Het cijfer hangt sterk af van conjunctuur en leeftijdsopbouw: vergelijk met "
               "vergelijkbare gemeenten en met Nederland.",
            en="The employed labour force as a percentage of the population aged 15 to 74 (CBS Labour Force Survey). It is the "
               "outcome re-integration policy is about: more residents taking part in the labour market, with income and "
               "independence; local tailored support must make the difference for those who do not find work by themselves "
               "(theme 2). The figure depends strongly on the business cycle and the age structure: compare with similar "
               "municipalities and with the Netherlands.",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="higher_is_better",
        unit="% van de bevolking van 15 tot 75 jaar",
        definition=RatioDefinition(type="ratio", numerator="employed_15_74", denominator="population_15_74", scale=100),
        source="CBS Enquête beroepsbevolking (regionale arbeidsdeelname)",
        fill_from="CBS Enquête beroepsbevolking, regionale arbeidsdeelname; CBS 03759ned voor de inwoners van 15 tot 75 jaar",
        owner="team Werk en Inkomen",
        bbv="24",
    ),
    Kpi(
        id="bijstand_per_10000",
        title=Text(nl="Personen met een bijstandsuitkering", en="Persons on social assistance"),
        description=Text(
            nl="Het aantal personen met een bijstandsuitkering (Participatiewet) per 10.000 inwoners van 18 jaar en ouder. Het "
               "is een outcome: minder mensen die op bijstand zijn aangewezen is het doel van re-integratie en armoedebeleid "
               "(thema 2), al hangt het cijfer ook af van de economie en de huisvesting van statushouders. De meegeleverde "
               "CBS-gegevens geven het aantal personen alleen voor 2020 (Kerncijfers wijken en buurten).",
            en="The number of persons on social assistance (Participation Act) per 10,000 inhabitants aged 18 and over. It is "
               "an outcome: fewer people depending on social assistance is the aim of re-integration and anti-poverty policy "
               "(theme 2), although the figure also depends on the economy and on housing refugees with a residence permit. The "
               "shipped CBS data give the number of persons for 2020 only (Key figures for districts and neighbourhoods).",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="lower_is_better",
        unit="per 10.000 inwoners van 18 jaar en ouder",
        definition=RatioDefinition(type="ratio", numerator="persons_bijstand", denominator="population_18_plus", scale=10000),
        source="CBS Kerncijfers wijken en buurten (84799NED); inwoners 18+: CBS 03759ned",
        fill_from="CBS 03759ned (inwoners van 18 jaar en ouder); CBS-statistiek bijstandsuitkeringen per gemeente voor andere jaren",
        owner="team Werk en Inkomen",
        bbv="27",
    ),
    Kpi(
        id="bijstand_per_1000",
        title=Text(nl="Bijstandsontvangers per 1.000 inwoners", en="Social assistance recipients per 1,000 inhabitants"),
        description=Text(
            nl="Het aantal personen met een bijstandsuitkering per 1.000 inwoners, uit CBS Kerncijfers wijken en buurten 2020 en "
               "de bevolking op 1 januari. Het is dezelfde outcome als de BBV-indicator, maar op alle inwoners in plaats van "
               "volwassenen, zodat hij geheel op meegeleverde echte cijfers rust. De gegevens gelden alleen voor 2020: lees "
               "het als momentopname en vergelijk met gemeenten van dezelfde grootte en stedelijkheid.",
            en="The number of persons on social assistance per 1,000 inhabitants, from CBS Key figures for districts and "
               "neighbourhoods 2020 and the population on 1 January. It is the same outcome as the BBV indicator, but over all "
               "inhabitants instead of adults, so that it rests entirely on shipped real figures. The data are for 2020 only: "
               "read it as a snapshot and compare with municipalities of similar size and urbanity.",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="lower_is_better",
        unit="per 1.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="persons_bijstand", denominator="population", scale=1000),
        source="CBS 84799NED Kerncijfers wijken en buurten 2020; CBS 03759ned",
        owner="team Werk en Inkomen",
    ),
    Kpi(
        id="ww_per_1000",
        title=Text(nl="WW-uitkeringen per 1.000 inwoners", en="Unemployment benefits per 1,000 inhabitants"),
        description=Text(
            nl="Het aantal personen met een WW-uitkering per 1.000 inwoners (CBS Kerncijfers wijken en buurten 2020, alleen "
               "2020). De WW is een uitkering van UWV en de gemeente heeft er beperkte invloed op, maar via het gezamenlijke "
               "werkgeversservicepunt helpt zij WW'ers eerder aan werk, voordat ze in de bijstand komen: een outcome van "
               "thema 2. Het cijfer reageert snel op de conjunctuur; lees het als signaal van de lokale arbeidsmarkt.",
            en="The number of persons on unemployment benefit (WW) per 1,000 inhabitants (CBS Key figures for districts and "
               "neighbourhoods 2020, 2020 only). WW is paid by UWV and the municipality has limited influence on it, but "
               "through the joint employer service point it helps people on WW into work before they need social assistance: "
               "an outcome of theme 2. The figure responds quickly to the business cycle; read it as a signal of the local "
               "labour market.",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="lower_is_better",
        unit="per 1.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="persons_ww", denominator="population", scale=1000),
        source="CBS 84799NED Kerncijfers wijken en buurten 2020; CBS 03759ned",
        owner="team Werk en Inkomen",
    ),
    Kpi(
        id="ao_per_1000",
        title=Text(nl="Arbeidsongeschiktheidsuitkeringen per 1.000 inwoners", en="Disability benefits per 1,000 inhabitants"),
        description=Text(
            nl="Het aantal personen met een arbeidsongeschiktheidsuitkering (WAO, WIA, Wajong, WAZ) per 1.000 inwoners (CBS "
               "Kerncijfers wijken en buurten 2020, alleen 2020). De gemeente beslist niet over deze uitkeringen, maar helpt "
               "mensen met een arbeidsbeperking via de banenafspraak en beschut werk aan een baan; daarom telt het als outcome "
               "van thema 2, met beperkte invloed. Het cijfer weerspiegelt vooral de leeftijdsopbouw en de geschiedenis van "
               "de lokale arbeidsmarkt en verandert langzaam.",
            en="The number of persons on a disability benefit (WAO, WIA, Wajong, WAZ) per 1,000 inhabitants (CBS Key figures for "
               "districts and neighbourhoods 2020, 2020 only). The municipality does not decide on these benefits, but helps "
               "people with an occupational disability into work through the jobs agreement and sheltered work; it therefore "
               "counts as an outcome of theme 2, with limited influence. The figure mainly reflects the age structure and the "
               "history of the local labour market, and changes slowly.",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="lower_is_better",
        unit="per 1.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="persons_ao", denominator="population", scale=1000),
        source="CBS 84799NED Kerncijfers wijken en buurten 2020; CBS 03759ned",
        owner="team Werk en Inkomen",
    ),
    Kpi(
        id="youth_unemployment",
        title=Text(nl="Werkloze jongeren", en="Unemployed young people"),
        description=Text(
            nl="Het percentage jongeren van 16 tot en met 22 jaar dat werkloos is: zonder werk, wel werkzoekend en direct "
               "beschikbaar (Kinderen in Tel, op basis van CBS). Het is een outcome: jongeren die vroeg buiten de arbeidsmarkt "
               "blijven, lopen een blijvende achterstand op, en gemeente, school en werkgevers kunnen dat met maatwerk "
               "voorkomen (thema 2). Het gaat om kleine aantallen; in kleine gemeenten schommelt het percentage sterk.",
            en="The percentage of young people aged 16 to 22 who are unemployed: without work, looking for work and available "
               "(Kinderen in Tel, based on CBS). It is an outcome: young people who stay outside the labour market early fall "
               "permanently behind, which municipality, schools and employers can prevent with tailored support (theme 2). The "
               "numbers are small; in small municipalities the percentage fluctuates strongly.",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="lower_is_better",
        unit="% van de jongeren van 16 tot en met 22 jaar",
        definition=RatioDefinition(type="ratio", numerator="unemployed_youth_16_22", denominator="population_16_22", scale=100),
        source="Verwey-Jonker Instituut, Kinderen in Tel (CBS)",
        fill_from="Kinderen in Tel / CBS (werkloze jongeren); CBS 03759ned voor de inwoners van 16 tot en met 22 jaar",
        owner="team Werk en Inkomen",
        bbv="26",
        privacy_threshold=10,
    ),
    Kpi(
        id="children_in_benefit_households",
        title=Text(nl="Kinderen in uitkeringsgezin", en="Children in benefit households"),
        description=Text(
            nl="Het percentage kinderen tot 18 jaar dat opgroeit in een gezin met een bijstandsuitkering (Kinderen in Tel, op "
               "basis van CBS). Het is een outcome, omdat armoede in de jeugd de kansen op school, gezondheid en werk blijvend "
               "verkleint; ouders aan het werk helpen is de duurzaamste weg eruit (thema 2). Lees het naast de bijstandscijfers: "
               "dalen die maar dit percentage niet, dan blijven juist gezinnen met kinderen achter.",
            en="The percentage of children under 18 growing up in a household on social assistance (Kinderen in Tel, based on "
               "CBS). It is an outcome, because poverty in childhood permanently reduces the chances in school, health and work; "
               "helping parents into work is the most lasting way out (theme 2). Read it next to the social assistance "
               "figures: if those fall but this percentage does not, it is families with children who are left behind.",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="lower_is_better",
        unit="% van de kinderen tot 18 jaar",
        definition=RatioDefinition(type="ratio", numerator="children_in_benefit_households", denominator="population_0_17", scale=100),
        source="Verwey-Jonker Instituut, Kinderen in Tel (CBS)",
        fill_from="Kinderen in Tel / CBS (kinderen in uitkeringsgezin); CBS 03759ned voor de inwoners tot 18 jaar",
        owner="team Werk en Inkomen",
        bbv="23",
        privacy_threshold=10,
    ),
    # --- context: the local labour market -----------------------------------------------------
    Kpi(
        id="jobs_per_1000",
        title=Text(nl="Banen", en="Jobs"),
        description=Text(
            nl="Het aantal banen bij vestigingen in de gemeente per 1.000 inwoners van 15 tot 65 jaar (LISA). Het is context "
               "voor het arbeidsmarktbeleid van thema 2: veel banen dichtbij maken re-integratie makkelijker, maar de gemeente "
               "schept die banen maar beperkt zelf. Boven de 1.000 werken er meer mensen in de gemeente dan er inwoners van "
               "werkende leeftijd zijn, zoals in een centrumgemeente.",
            en="The number of jobs at establishments in the municipality per 1,000 inhabitants aged 15 to 64 (LISA). It is "
               "context for theme 2's labour market policy: many jobs nearby make re-integration easier, but the municipality "
               "creates those jobs itself only to a limited extent. Above 1,000 more people work in the municipality than it "
               "has inhabitants of working age, as in a regional centre.",
        ),
        theme=Theme.DIGITAL,
        kind="context",
        polarity="neither",
        unit="per 1.000 inwoners van 15 tot 65 jaar",
        definition=RatioDefinition(type="ratio", numerator="jobs", denominator="population_15_64", scale=1000),
        source="LISA Vestigingenregister; CBS 03759ned",
        fill_from="LISA Vestigingenregister (banen); CBS 03759ned voor de inwoners van 15 tot 65 jaar",
        owner="team Economische Zaken",
        bbv="21",
    ),
    Kpi(
        id="establishments_per_1000",
        title=Text(nl="Vestigingen van bedrijven", en="Business establishments"),
        description=Text(
            nl="Het aantal vestigingen van bedrijven en instellingen per 1.000 inwoners van 15 tot 65 jaar (LISA). Het geeft een "
               "beeld van bedrijvigheid en ondernemerschap in de gemeente en is context voor het werk- en inkomensbeleid van "
               "thema 2. Elke zzp'er telt als vestiging: een hoog cijfer betekent niet vanzelf veel werkgelegenheid, lees het "
               "daarom naast het aantal banen.",
            en="The number of establishments of businesses and institutions per 1,000 inhabitants aged 15 to 64 (LISA). It gives "
               "a picture of business activity and entrepreneurship in the municipality and is context for theme 2's work and "
               "income policy. Every self-employed person counts as an establishment: a high figure does not mean much "
               "employment by itself, so read it next to the number of jobs.",
        ),
        theme=Theme.DIGITAL,
        kind="context",
        polarity="neither",
        unit="per 1.000 inwoners van 15 tot 65 jaar",
        definition=RatioDefinition(type="ratio", numerator="establishments", denominator="population_15_64", scale=1000),
        source="LISA Vestigingenregister; CBS 03759ned",
        fill_from="LISA Vestigingenregister (vestigingen); CBS 03759ned voor de inwoners van 15 tot 65 jaar",
        owner="team Economische Zaken",
        bbv="16",
    ),
    Kpi(
        id="mixed_use_index",
        title=Text(nl="Functiemenging", en="Mix of functions (jobs and homes)"),
        description=Text(
            nl="De verhouding tussen banen en woningen: banen als percentage van banen plus woningen, van 0 (alleen wonen) tot "
               "100 (alleen werken); bij 50 zijn er evenveel banen als woningen. Het beschrijft de ruimtelijke structuur van de "
               "gemeente en is context voor werk en inkomen in thema 2: wonen en werken dicht bij elkaar maakt werk bereikbaar. "
               "Er is geen goede of slechte waarde; een woongemeente en een werkstad verschillen vanzelf.",
            en="The balance between jobs and dwellings: jobs as a percentage of jobs plus dwellings, from 0 (only housing) to "
               "100 (only work); at 50 there are as many jobs as dwellings. It describes the spatial structure of the "
               "municipality and is context for work and income in theme 2: living and working close together makes work "
               "reachable. There is no good or bad value; a commuter town and a city of work differ by nature.",
        ),
        theme=Theme.DIGITAL,
        kind="context",
        polarity="neither",
        unit="%",
        definition=FormulaDefinition(type="formula", formula="share(jobs, jobs + dwellings)"),
        source="LISA Vestigingenregister; CBS woningvoorraad (BAG)",
        fill_from="LISA Vestigingenregister (banen) en CBS 81955NED (woningvoorraad)",
        owner="team Economische Zaken",
        bbv="14",
    ),
    # --- maatwerk lokaal: youth, care and education -------------------------------------------
    Kpi(
        id="youth_care_share",
        title=Text(nl="Jongeren met jeugdhulp", en="Young people receiving youth care"),
        description=Text(
            nl="Het percentage jongeren tot 18 jaar dat in het jaar jeugdhulp kreeg, met of zonder verblijf (CBS Beleidsinformatie "
               "Jeugd). Het is een output: wat de gemeente onder de Jeugdwet inzet, op maat van kind en gezin (thema 2, "
               "'maatwerk lokaal'). Meer of minder is niet vanzelf goed; de hulp moet zich vertalen in outcomes zoals minder "
               "schoolverzuim en minder voortijdig schoolverlaten.",
            en="The percentage of young people under 18 who received youth care in the year, with or without residential care "
               "(CBS youth policy information). It is an output: what the municipality provides under the Youth Act, tailored "
               "to child and family (theme 2, 'locally tailored'). More or less is not good in itself; the care must translate "
               "into outcomes such as less school absenteeism and fewer early school leavers.",
        ),
        theme=Theme.DIGITAL,
        kind="output",
        polarity="neither",
        unit="% van de jongeren tot 18 jaar",
        definition=RatioDefinition(type="ratio", numerator="youth_care_clients", denominator="population_0_17", scale=100),
        source="CBS Beleidsinformatie Jeugd",
        fill_from="CBS Beleidsinformatie Jeugd (jeugdhulp); CBS 03759ned voor de inwoners tot 18 jaar",
        owner="team Jeugd",
        bbv="29",
        privacy_threshold=10,
        contributes_to=["relative_absenteeism_per_1000", "absolute_absenteeism_per_1000", "early_school_leavers_share"],
    ),
    Kpi(
        id="youth_protection_share",
        title=Text(nl="Jongeren met jeugdbescherming", en="Young people under a child protection measure"),
        description=Text(
            nl="Het percentage jongeren tot 18 jaar met een jeugdbeschermingsmaatregel (ondertoezichtstelling of voogdij), "
               "opgelegd door de rechter (CBS Beleidsinformatie Jeugd). De gemeente organiseert en betaalt deze hulp in het "
               "gedwongen kader; het is een output van thema 2. Minder is beter als vrijwillige hulp de veiligheid van kinderen "
               "eerder borgt; een daling zonder betere outcomes kan ook betekenen dat onveiligheid te laat wordt gezien.",
            en="The percentage of young people under 18 under a child protection measure (supervision order or guardianship) "
               "imposed by a court (CBS youth policy information). The municipality organises and pays for this compulsory "
               "care; it is an output of theme 2. Fewer is better when voluntary help secures children's safety earlier; a "
               "decline without better outcomes can also mean that unsafe situations are seen too late.",
        ),
        theme=Theme.DIGITAL,
        kind="output",
        polarity="lower_is_better",
        unit="% van de jongeren tot 18 jaar",
        definition=RatioDefinition(type="ratio", numerator="youth_protection_clients", denominator="population_0_17", scale=100),
        source="CBS Beleidsinformatie Jeugd",
        fill_from="CBS Beleidsinformatie Jeugd (jeugdbescherming); CBS 03759ned voor de inwoners tot 18 jaar",
        owner="team Jeugd",
        bbv="30",
        privacy_threshold=10,
        contributes_to=["relative_absenteeism_per_1000", "early_school_leavers_share"],
    ),
    Kpi(
        id="youth_probation_share",
        title=Text(nl="Jongeren met jeugdreclassering", en="Young people under youth probation"),
        description=Text(
            nl="Het percentage jongeren van 12 tot en met 22 jaar met een jeugdreclasseringsmaatregel: begeleiding na een "
               "strafbaar feit, opgelegd door de rechter of op advies van de Raad voor de Kinderbescherming (CBS "
               "Beleidsinformatie Jeugd). Het is een output van de gemeente, die de jeugdreclassering inkoopt (thema 2); het "
               "doel is dat jongeren niet opnieuw in de fout gaan. Weinig jongeren met jeugdreclassering is goed als ook de "
               "jeugdcriminaliteit laag is; kleine aantallen worden afgeschermd.",
            en="The percentage of young people aged 12 to 22 under a youth probation measure: supervision after an offence, "
               "imposed by a court or on the advice of the Child Protection Board (CBS youth policy information). It is an "
               "output of the municipality, which commissions youth probation (theme 2); the aim is that young people do not "
               "reoffend. Few young people on probation is good when youth crime is low too; small numbers are suppressed.",
        ),
        theme=Theme.DIGITAL,
        kind="output",
        polarity="lower_is_better",
        unit="% van de jongeren van 12 tot en met 22 jaar",
        definition=RatioDefinition(type="ratio", numerator="youth_probation_clients", denominator="population_12_22", scale=100),
        source="CBS Beleidsinformatie Jeugd",
        fill_from="CBS Beleidsinformatie Jeugd (jeugdreclassering); CBS 03759ned voor de inwoners van 12 tot en met 22 jaar",
        owner="team Jeugd",
        bbv="31",
        privacy_threshold=10,
        contributes_to=["youth_offenders_share", "halt_referrals_per_1000"],
    ),
    Kpi(
        id="wmo_clients_per_10000",
        title=Text(nl="Cliënten met een maatwerkarrangement Wmo", en="Clients with a tailored Wmo arrangement"),
        description=Text(
            nl="Het aantal inwoners met een maatwerkvoorziening op grond van de Wmo (zoals huishoudelijke hulp, begeleiding, "
               "hulpmiddelen of een woningaanpassing) per 10.000 inwoners (CBS Monitor Sociaal Domein). Het is een output: de "
               "ondersteuning op maat waarmee mensen zelfstandig kunnen blijven wonen en meedoen (thema 2). Het aantal hangt "
               "sterk af van het aandeel ouderen en van wat de gemeente als algemene voorziening zonder indicatie aanbiedt; meer "
               "is dus niet vanzelf beter.",
            en="The number of inhabitants with a tailored provision under the Social Support Act (Wmo), such as domestic help, "
               "support, aids or a home adaptation, per 10,000 inhabitants (CBS social domain monitor). It is an output: the "
               "tailored support that lets people keep living independently and take part (theme 2). The number depends "
               "strongly on the share of older people and on what the municipality offers as a general service without "
               "assessment; more is therefore not better in itself.",
        ),
        theme=Theme.DIGITAL,
        kind="output",
        polarity="neither",
        unit="per 10.000 inwoners",
        definition=RatioDefinition(type="ratio", numerator="wmo_clients", denominator="population", scale=10000),
        source="CBS Monitor Sociaal Domein Wmo; CBS 03759ned",
        fill_from="CBS Monitor Sociaal Domein Wmo, indicator wmo_clients",
        owner="team Wmo",
        bbv="32",
        privacy_threshold=10,
        contributes_to=["wmo_self_reliance"],
    ),
    Kpi(
        id="wmo_self_reliance",
        title=Text(nl="Wmo-cliënten die zich beter kunnen redden", en="Wmo clients who manage better"),
        description=Text(
            nl="Het percentage Wmo-cliënten dat het eens is met de stelling 'door de ondersteuning die ik krijg, kan ik mij "
               "beter redden' (verplicht cliëntervaringsonderzoek Wmo). Het is de outcome van de Wmo: zelfredzaamheid en "
               "meedoen, niet het aantal voorzieningen (thema 2). Het cijfer rust op een enquête met beperkte respons; kijk naar "
               "de trend en naar het aantal respondenten.",
            en="The percentage of Wmo clients who agree with the statement 'thanks to the support I receive, I manage better' "
               "(mandatory Wmo client experience survey). It is the outcome of the Wmo: self-reliance and taking part, not the "
               "number of provisions (theme 2). The figure rests on a survey with a limited response; look at the trend and at "
               "the number of respondents.",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="higher_is_better",
        unit="% van de cliënten",
        definition=IndicatorDefinition(type="indicator", indicator="wmo_self_reliance_pct"),
        source="Cliëntervaringsonderzoek Wmo (waarstaatjegemeente.nl)",
        fill_from="Cliëntervaringsonderzoek Wmo (waarstaatjegemeente.nl), indicator wmo_self_reliance_pct",
        owner="team Wmo",
    ),
    Kpi(
        id="absolute_absenteeism_per_1000",
        title=Text(nl="Absoluut verzuim", en="Absolute absenteeism (not enrolled)"),
        description=Text(
            nl="Het aantal leerplichtige kinderen dat niet op een school staat ingeschreven, per 1.000 leerplichtigen "
               "(DUO/Ingrado). Elk kind hoort op school; thuiszitters lopen een achterstand op die zelden wordt ingehaald. Het "
               "is een outcome van leerplicht en jeugdhulp samen, en een passende plek per kind is lokaal maatwerk (thema 2). "
               "Het gaat om kleine aantallen; in kleine gemeenten worden ze afgeschermd.",
            en="The number of children of compulsory school age not enrolled at any school, per 1,000 pupils of compulsory "
               "school age (DUO/Ingrado). Every child belongs in school; children who stay at home fall behind and rarely "
               "catch up. It is an outcome of compulsory education enforcement and youth care together, and a suitable place "
               "for each child is local tailored work (theme 2). The numbers are small; in small municipalities they are "
               "suppressed.",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="lower_is_better",
        unit="per 1.000 leerplichtige leerlingen",
        definition=RatioDefinition(type="ratio", numerator="absolute_absentees", denominator="compulsory_school_pupils", scale=1000),
        source="DUO / Ingrado verzuimregistratie",
        fill_from="DUO / Ingrado verzuimregistratie, indicatoren absolute_absentees en compulsory_school_pupils",
        owner="team Onderwijs (leerplicht)",
        bbv="17",
        privacy_threshold=10,
    ),
    Kpi(
        id="relative_absenteeism_per_1000",
        title=Text(nl="Relatief verzuim", en="Relative absenteeism (truancy)"),
        description=Text(
            nl="Het aantal ingeschreven leerplichtige leerlingen dat ongeoorloofd verzuimt, per 1.000 leerplichtigen "
               "(DUO/Ingrado). Spijbelen is vaak een eerste signaal van problemen thuis, op school of met de gezondheid; tijdig "
               "ingrijpen voorkomt schooluitval, en daarom is het een outcome van leerplicht en jeugdhulp (thema 2). Een "
               "stijging kan ook betekenen dat scholen beter melden: lees het naast het voortijdig schoolverlaten.",
            en="The number of enrolled pupils of compulsory school age who are absent without permission, per 1,000 pupils of "
               "compulsory school age (DUO/Ingrado). Truancy is often a first signal of problems at home, at school or with "
               "health; early action prevents dropping out, which makes it an outcome of attendance enforcement and youth care "
               "(theme 2). A rise can also mean that schools report better: read it next to early school leaving.",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="lower_is_better",
        unit="per 1.000 leerplichtige leerlingen",
        definition=RatioDefinition(type="ratio", numerator="relative_absentees", denominator="compulsory_school_pupils", scale=1000),
        source="DUO / Ingrado verzuimregistratie",
        fill_from="DUO / Ingrado verzuimregistratie, indicatoren relative_absentees en compulsory_school_pupils",
        owner="team Onderwijs (leerplicht)",
        bbv="18",
        privacy_threshold=10,
    ),
    Kpi(
        id="early_school_leavers_share",
        title=Text(nl="Voortijdig schoolverlaters zonder startkwalificatie (vsv'ers)", en="Early school leavers without basic qualification"),
        description=Text(
            nl="Het percentage deelnemers aan voortgezet onderwijs en mbo dat de school verlaat zonder startkwalificatie (een "
               "havo-, vwo- of mbo-2-diploma) (DUO). Een startkwalificatie is de ondergrens voor een duurzame plek op de "
               "arbeidsmarkt; daarom is dit een outcome van leerplicht, RMC-aanpak en jeugdhulp samen (thema 2). Percentages "
               "onder de 2 zijn gebruikelijk; kleine verschillen tussen jaren zijn in kleine gemeenten vaak toeval.",
            en="The percentage of students in secondary and vocational education who leave school without a basic qualification "
               "(a havo, vwo or mbo level 2 diploma) (DUO). A basic qualification is the minimum for a lasting place on the "
               "labour market; this is therefore an outcome of attendance enforcement, the regional early-school-leaving "
               "approach and youth care together (theme 2). Percentages below 2 are usual; small year-to-year differences are "
               "often chance in small municipalities.",
        ),
        theme=Theme.DIGITAL,
        kind="outcome",
        polarity="lower_is_better",
        unit="% van de deelnemers aan vo en mbo",
        definition=RatioDefinition(type="ratio", numerator="early_school_leavers", denominator="pupils_vo_mbo", scale=100),
        source="DUO VSV-verkenner",
        fill_from="DUO VSV-verkenner, indicatoren early_school_leavers en pupils_vo_mbo",
        owner="team Onderwijs (RMC)",
        bbv="19",
        privacy_threshold=10,
    ),
]
