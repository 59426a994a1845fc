"""District figures from the store to the dashboard's district reads: the demo imports 84799NED's districts
(2020) beside 85984NED's and the KWB layer's (2024); the store gives one municipality's districts
with its own and the country's figures, and its district boundaries; `district_reads.districts` turns them
into the Wijken page's measures, ranking, reference values and change for kept district codes.

Expected values are CBS's own, read from the shipped raw files (data/cbs/84799NED, data/cbs/85984NED,
data/kwb-pdok/wijken_2024.geojson), byte copies of ../shared/data.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import DATA
from koers.store import Store

KWB_2024 = json.loads((DATA / "cbs" / "85984NED" / "stripped_filtered_data_2024.json").read_text(encoding="utf-8"))
OWN_KPI = """id: own_bijstand_small
title: {nl: "Bijstand per 1.000 inwoners (eigen)", en: "Social assistance per 1,000 inhabitants (own)"}
description: {nl: "Bijstand per 1.000 inwoners.", en: "Social assistance per 1,000 inhabitants."}
theme: 2
kind: outcome
polarity: lower_is_better
unit: per 1.000 inwoners
definition: {type: ratio, numerator: persons_bijstand, denominator: population, scale: 1000}
source: CBS 84799NED
privacy_threshold: 10
"""


def kwb_2020() -> dict[str, dict[str, float]]:
    """84799NED's rows by code (codes come right-padded): residents and persons on social assistance."""
    table = pq.read_table(DATA / "cbs" / "84799NED" / "cbs.v3.84799NED_TypedDataSet.parquet",
                          columns=["WijkenEnBuurten", "SoortRegio_2", "AantalInwoners_5", "PersonenPerSoortUitkeringBijstand_83"])
    return {row["WijkenEnBuurten"].strip(): row for row in table.to_pylist()}


# --- the store ------------------------------------------------------------------------------------


def test_the_demo_holds_84799neds_districts_with_their_municipality(demo_shared):
    raw = kwb_2020()
    districts_2020 = {code for code, row in raw.items() if row["SoortRegio_2"].strip() == "Wijk"}
    assert len(districts_2020) == 3177
    with Store.open(demo_shared, read_only=True) as store:
        population = store.observations("population", period="2020")
        region = store.region("WK036300")
    stored = population[population["region_code"].str.startswith("WK")]
    assert set(stored["region_code"]) == districts_2020
    assert stored.set_index("region_code").at["WK036300", "value"] == 4465 == raw["WK036300"]["AantalInwoners_5"]
    assert (region["name"], region["kind"], region["parent_code"]) == ("Burgwallen-Oude Zijde", "district", "GM0363")
    # neighbourhoods stay out of the demo
    assert not population["region_code"].str.startswith("BU").any()


def test_district_figures_are_amsterdams_districts_with_municipal_and_national_reference(demo_shared):
    with Store.open(demo_shared, read_only=True) as store:
        figures = store.district_figures("GM0363")
    population = figures[(figures["indicator_id"] == "population") & (figures["period"] == "2024")]
    districts = population[population["level"] == "district"].set_index("region_code")
    expected = {code: row["AantalInwoners_5"] for code, row in KWB_2024.items() if code.startswith("WK0363")}
    assert len(expected) == 110
    assert districts["value"].to_dict() == expected
    assert districts.at["WK0363AA", "value"] == 9180 and districts.at["WK0363AA", "name"] == "Haarlemmerbuurt"
    assert set(districts["source"]) == {"85984NED"}
    references = population[population["level"] != "district"].set_index("level")
    assert references.at["municipality", "region_code"] == "GM0363"
    assert references.at["municipality", "value"] == KWB_2024["GM0363"]["AantalInwoners_5"] == 931298
    assert references.at["country", "region_code"] == "NL01"
    # only Amsterdam's districts, of both years
    assert set(figures.loc[figures["level"] == "district", "region_code"].str[:6]) == {"WK0363"}
    assert set(figures["period"]) == {"2020", "2024"}


@pytest.mark.parametrize("code", ["GM0363' OR 1=1 --", "WK036300", "", "NL01", "gm0363"])
def test_district_figures_of_anything_but_a_municipality_code_are_empty(demo_shared, code):
    with Store.open(demo_shared, read_only=True) as store:
        assert store.district_figures(code).empty
        assert store.district_boundaries(2024, code)["features"] == []


def test_district_boundaries_are_the_shipped_2024_districts(demo_shared):
    shipped = json.loads((DATA / "kwb-pdok" / "wijken_2024.geojson").read_text(encoding="utf-8"))
    amsterdam = {f["properties"]["wijkcode"] for f in shipped["features"] if f["properties"]["wijkcode"].startswith("WK0363")}
    assert len(amsterdam) == 111  # 110 with figures and "Groot water"
    with Store.open(demo_shared, read_only=True) as store:
        found = store.district_boundaries(2024, "GM0363")
        assert store.district_boundaries(2020, "GM0363")["features"] == []  # no 2020 district boundaries shipped
        assert store.boundary_years("district") == [2024]
    assert {f["properties"]["statcode"] for f in found["features"]} == amsterdam
    names = {f["properties"]["statcode"]: f["properties"]["statnaam"] for f in found["features"]}
    assert names["WK0363AB"] == "Jordaan"
    assert {f["geometry"]["type"] for f in found["features"]} <= {"Polygon", "MultiPolygon"}


# --- the dashboard's reads ----------------------------------------------------------------------


@pytest.fixture
def reads_on(monkeypatch, tmp_path):
    """`koers.dashboard.district_reads` on a database, with own KPI definitions (YAML text) or none."""
    from koers.dashboard import district_reads

    def on(db, own: str | None = None):
        folder = tmp_path / "metrics"
        folder.mkdir(exist_ok=True)
        if own:
            (folder / "own.yaml").write_text(own, encoding="utf-8")
        monkeypatch.setenv("KOERS_DB", str(db))
        monkeypatch.setenv("KOERS_METRICS", str(folder))
        return district_reads

    return on


@pytest.mark.slow  # evaluates the KPI library for one municipality's districts
def test_measures_are_every_kpi_and_indicator_with_district_figures(demo_shared, reads_on):
    reads = reads_on(demo_shared)
    found = reads.districts("GM0363")
    kpis = [m for m in found.measures.values() if m.kind == "kpi"]
    # the housing balance: KWB 2024 gives districts both dwellings and households
    assert {m.id for m in kpis} == {"bijstand_per_1000", "ww_per_1000", "ao_per_1000", "demographic_pressure_kerncijfers",
                                    "dwellings_per_1000_households"}
    assert list(found.measures)[:len(kpis)] == [m.id for m in kpis]  # KPIs first
    population = found.measures["population"]
    assert (population.kind, population.years, population.count, population.sources) == (
        "indicator", (2020, 2024), True, "84799NED,85984NED")
    assert found.measures["population_density"].count is False
    assert found.measures["bijstand_per_1000"].years == (2020,)
    assert found.boundary_years == (2024,)


@pytest.mark.slow  # evaluates the KPI library for one municipality's districts
def test_amsterdams_2024_districts_ranked_with_references(demo_shared, reads_on):
    reads = reads_on(demo_shared)
    year = reads.district_year(reads.districts("GM0363"), "population", 2024)
    expected = {code: row["AantalInwoners_5"] for code, row in KWB_2024.items() if code.startswith("WK0363")}
    assert year.ranked.set_index("region_code")["value"].to_dict() == expected
    # no direction: the largest first; Oostelijk Havengebied has the most residents (20,555)
    assert year.ranked["rank"].tolist() == list(range(1, 111))
    assert (year.ranked["region_code"].iloc[0], year.ranked["value"].iloc[0]) == ("WK0363MA", 20555)
    assert year.municipality == 931298 and not year.municipality_suppressed
    assert year.country == 17942942  # CBS 2024, as 03759ned and 85984NED's NL figure
    # Amsterdam renumbered its districts between 2020 (WK036300 ...) and 2024 (WK0363AA ...)
    assert (year.first, year.last, year.first_count, year.last_count) == (2020, 2024, 99, 110)
    assert year.change.empty


@pytest.mark.slow  # evaluates the KPI library for one municipality's districts
def test_a_rate_has_the_municipal_and_national_value_as_reference(demo_shared, reads_on):
    raw = kwb_2020()
    reads = reads_on(demo_shared)
    year = reads.district_year(reads.districts("GM0363"), "bijstand_per_1000", 2020)

    def rate(code: str) -> float:
        return raw[code]["PersonenPerSoortUitkeringBijstand_83"] / raw[code]["AantalInwoners_5"] * 1000

    # 39,780 of 872,757 residents; 421,110 of 17,407,585 (NL00 in 84799NED; 03759ned has the same residents)
    assert math.isclose(year.municipality, 39780 / 872757 * 1000) and math.isclose(year.municipality, rate("GM0363"))
    assert math.isclose(year.country, 421110 / 17407585 * 1000) and math.isclose(year.country, rate("NL00"))
    values = year.ranked.set_index("region_code")["value"]
    assert math.isclose(values["WK036300"], 140 / 4465 * 1000)
    # lower is better: Apollobuurt (20 of 8,535) after the four districts with nobody on social assistance
    shown = year.ranked[year.ranked["value"].notna()]
    assert shown["value"].is_monotonic_increasing
    assert shown["region_code"].iloc[4] == "WK036349" and math.isclose(shown["value"].iloc[4], 20 / 8535 * 1000)
    assert year.first is None and year.change.empty


@pytest.mark.slow  # evaluates the KPI library for one municipality's districts
def test_a_small_district_is_withheld_in_the_kpi_and_in_its_count(demo_shared, reads_on):
    reads = reads_on(demo_shared, OWN_KPI)
    found = reads.districts("GM0363")
    assert found.measures["own_bijstand_small"].threshold == 10
    year = reads.district_year(found, "own_bijstand_small", 2020)
    rows = year.ranked.set_index("region_code")
    # Prinses Irenebuurt e.o.: 0 persons on social assistance among 1,340 residents, below 10
    assert kwb_2020()["WK036359"]["PersonenPerSoortUitkeringBijstand_83"] == 0
    assert bool(rows.at["WK036359", "suppressed"]) and math.isnan(rows.at["WK036359", "value"])
    assert pd.isna(rows.at["WK036359", "rank"])  # unranked
    assert rows.at["WK036300", "value"] == pytest.approx(140 / 4465 * 1000) and not rows.at["WK036300", "suppressed"]
    # the count itself is withheld too (a KPI with threshold 10 rests on it), the municipality's is not
    count = reads.district_year(found, "persons_bijstand", 2020)
    counted = count.ranked.set_index("region_code")
    assert bool(counted.at["WK036359", "suppressed"]) and math.isnan(counted.at["WK036359", "value"])
    assert counted.at["WK036300", "value"] == 140
    assert count.municipality == 39780 and not count.municipality_suppressed
    assert found.measures["persons_bijstand"].threshold == 10


@pytest.mark.slow  # evaluates the KPI library for one municipality's districts
def test_change_for_the_district_codes_cbs_kept(demo_shared, reads_on):
    raw = kwb_2020()
    reads = reads_on(demo_shared)
    year = reads.district_year(reads.districts("GM0855"), "population", 2024)  # Tilburg kept its codes
    change = year.change.set_index("region_code")
    kept = {code for code in KWB_2024 if code.startswith("WK0855")} & {code for code in raw if code.startswith("WK0855")}
    assert set(change.index) == kept and len(kept) == 58
    binnenstad = change.loc["WK085510"]
    assert (binnenstad["name"], binnenstad["first"], binnenstad["last"], binnenstad["change"]) == (
        "Binnenstad", raw["WK085510"]["AantalInwoners_5"], KWB_2024["WK085510"]["AantalInwoners_5"], 8065 - 6905)


def test_the_nearest_year_with_district_figures():
    from koers.dashboard.district_reads import nearest_year

    assert nearest_year((2020, 2024), 2024) == 2024
    assert nearest_year((2020, 2024), 2022) == 2020
    assert nearest_year((2020, 2024), 2025) == 2024
    assert nearest_year((2020,), 2015) == 2020


def test_the_district_map_is_fitted_to_amsterdam(demo_shared, reads_on):
    reads = reads_on(demo_shared)
    found = reads.district_map("GM0363", 2024)
    assert len(found.geojson["features"]) == 111
    assert 52.25 < found.lat < 52.45 and 4.75 < found.lon < 5.1  # Amsterdam
    assert 9 < found.zoom < 12  # a city, not the country (6.6) nor a street (16)
    assert reads.district_map("GM0363", 2020) is None
