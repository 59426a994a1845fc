"""Canonical indicators of CBS 70072ned "Regionale kerncijfers Nederland" (OData4 measure codes) and
of CBS "Gebieden in Nederland" (`koers.sources.gebieden`).

Population is the same quantity as 03759ned's M000352 and joins it as a second source (03759ned,
the population register itself, keeps precedence 1). Passenger cars join the KWB's count at the same
precedence 1: 70072ned is a yearly series 2015–2025, the KWB one year (2020) rounded to fives, and on
a tie the store shows the source whose table id sorts first ("70072ned" before "84799NED"), so the
series is shown from one source without a break in 2020.

`koers.indicators.catalogue` adds this list to `CATALOGUE`.
"""

from __future__ import annotations

from koers.indicators.model import CanonicalIndicator, SourceMeasure

KERNCIJFERS = "70072ned"
GEBIEDEN = "gebieden"  # the source table of `koers.sources.gebieden` (one per year: cbs_gebieden_2023 …)
PER_1000 = "per 1 000 inwoners"


def _regional(id: str, nl: str, en: str, unit: str, additive: bool, *sources: tuple[str, str, int],
              description: str = "") -> CanonicalIndicator:
    return CanonicalIndicator(id=id, title_nl=nl, title_en=en, unit=unit, additive=additive, description=description,
                              sources=[SourceMeasure(table=t, measure=m, precedence=p) for t, m, p in sources])


_FLEET = "CBS 70072ned Regionale kerncijfers: motorvoertuigenpark op 1 januari, naar woongemeente van de eigenaar."
REGIONAL: list[CanonicalIndicator] = [
    _regional("population", "Bevolking op 1 januari", "Population on 1 January", "aantal", True,
              (KERNCIJFERS, "M000352_3", 2), (GEBIEDEN, "T001036_2", 4)),
    _regional("passenger_cars", "Personenauto's", "Passenger cars", "aantal", True, (KERNCIJFERS, "A018943_1", 1)),
    _regional("passenger_cars_per_1000", "Personenauto's per 1 000 inwoners", "Passenger cars per 1,000 residents",
              PER_1000, False, (KERNCIJFERS, "A018943_2", 1), description=_FLEET),
    _regional("private_passenger_cars", "Personenauto's van particulieren", "Passenger cars owned by private persons",
              "aantal", True, (KERNCIJFERS, "M000330_1", 1), description=_FLEET),
    _regional("private_passenger_cars_per_1000", "Personenauto's van particulieren per 1 000 inwoners",
              "Privately owned passenger cars per 1,000 residents", PER_1000, False, (KERNCIJFERS, "M000330_2", 1),
              description=_FLEET),
    _regional("commercial_vehicles", "Bedrijfsmotorvoertuigen", "Commercial motor vehicles", "aantal", True,
              (KERNCIJFERS, "A018930", 1), description=_FLEET),
    _regional("motorcycles", "Motorfietsen", "Motorcycles", "aantal", True, (KERNCIJFERS, "A018944_1", 1),
              description=_FLEET),
    _regional("motorcycles_per_1000", "Motorfietsen per 1 000 inwoners", "Motorcycles per 1,000 residents", PER_1000,
              False, (KERNCIJFERS, "A018944_2", 1), description=_FLEET),
    _regional("mopeds", "Voertuigen met bromfietskenteken", "Vehicles with a moped licence plate", "aantal", True,
              (KERNCIJFERS, "A018934_1", 1), description=_FLEET),
    _regional("mopeds_per_1000", "Voertuigen met bromfietskenteken per 1 000 inwoners",
              "Vehicles with a moped licence plate per 1,000 residents", PER_1000, False,
              (KERNCIJFERS, "A018934_2", 1), description=_FLEET),
    _regional("address_density", "Omgevingsadressendichtheid", "Address density of the surroundings",
              "adressen per km²", False, (GEBIEDEN, "ST0003", 1),
              description="CBS Gebieden in Nederland: het gemiddeld aantal adressen per km² binnen een cirkel met een "
                          "straal van 1 km rond elk adres, op 1 januari; de maat achter de stedelijkheidsklassen."),
]
