"""The KPIs that read published series, checked against the raw shipped files by hand.

Each expected value is computed here from the KWB GeoJSON as PDOK publishes it
(data/kwb-pdok/gemeenten_2022.geojson), not through Koers's importer; the KPI comes from the
command line on the demo database, as a user gets it. Amsterdam (GM0363), Aa en Hunze (GM1680) and
Vlieland (GM0096), 2022. Weesp (GM0457) was part of Amsterdam from 24 March 2022: on today's
division its 2022 figures are added to Amsterdam's.
"""

from __future__ import annotations

import io
import json
from functools import cache

import pandas as pd
import pytest

from conftest import DATA, run_cli

pytestmark = pytest.mark.slow  # six command-line runs over the demo

MUNICIPALITIES = ("GM0363", "GM1680", "GM0096")


@cache
def kwb_2022() -> dict[str, dict]:
    collection = json.loads((DATA / "kwb-pdok" / "gemeenten_2022.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["gemeentecode"]: f["properties"] for f in collection["features"]}


@pytest.fixture(scope="module")
def kpis(demo_shared) -> dict[tuple[str, str], pd.DataFrame]:
    """(region, division) -> the `koers kpi` rows for 2022, indexed by kpi_id."""
    found = {}
    for region in MUNICIPALITIES:
        for division in ("historical", "today"):
            done = run_cli("kpi", "--region", region, "--year", "2022", "--division", division, "--format", "csv",
                           db=demo_shared)
            assert done.returncode == 0, done.stderr
            found[region, division] = pd.read_csv(io.StringIO(done.stdout)).set_index("kpi_id")
    return found


def _real(row: pd.Series) -> bool:
    """The value rests on no invented figure (`example_inputs` also covers an outcome's status and
    projection against the demo's invented target, so it is not asked here)."""
    return not row["example_value"]


@pytest.mark.parametrize("region", MUNICIPALITIES)
def test_gas_use_per_dwelling_is_kwbs_figure(kpis, region):
    row = kpis[region, "historical"].loc["gas_use_per_dwelling"]
    assert row["value"] == kwb_2022()[region]["gem_aardgas"]  # 690, 1440 and 970 m3
    assert _real(row) and row["kind"] == "outcome"


def test_establishments_per_1000_aged_15_to_64(kpis):
    """BBV's denominator, the residents of 15 to 64, from KWB's age shares (whole percents)."""
    kwb = kwb_2022()

    def aged_15_64(code):
        return kwb[code]["aantal_inwoners"] * (kwb[code]["15_25"] + kwb[code]["25_45"] + kwb[code]["45_65"]) / 100

    amsterdam, weesp = kwb["GM0363"], kwb["GM0457"]
    historical = amsterdam["bedrijfsvestigingen"] / aged_15_64("GM0363") * 1000  # 181675 / 644322.09 = 281.96
    assert kpis["GM0363", "historical"].loc["establishments_per_1000", "value"] == pytest.approx(historical, rel=1e-5)
    # today's division: the counts of both added, Amsterdam's own age shares kept (a share is not added)
    today = (amsterdam["bedrijfsvestigingen"] + weesp["bedrijfsvestigingen"]) / (
        (amsterdam["aantal_inwoners"] + weesp["aantal_inwoners"]) * 0.73) * 1000
    row = kpis["GM0363", "today"].loc["establishments_per_1000"]
    assert row["value"] == pytest.approx(today, rel=1e-5) and row["harmonised"]  # 280.40


def test_violent_crime_is_a_gap_where_a_merged_part_has_none(kpis):
    amsterdam = kwb_2022()["GM0363"]
    violent = (amsterdam["cr_mishandeling"] + amsterdam["cr_bedreiging"] + amsterdam["cr_straatroof"]) / amsterdam[
        "aantal_inwoners"] * 1000  # (3947 + 2425 + 775) / 882633 x 1000 = 8.097
    assert kpis["GM0363", "historical"].loc["violent_crime_per_1000", "value"] == pytest.approx(violent, rel=1e-5)
    # Weesp's 2022 feature carries no crime year and no crimes: on today's division Amsterdam's
    # 2022 crime is not known (Amsterdam's crimes over both populations would read 7.91)
    assert "cr_jaar" not in kwb_2022()["GM0457"]
    assert pd.isna(kpis["GM0363", "today"].loc["violent_crime_per_1000", "value"])


def test_housing_balance_on_both_divisions(kpis):
    kwb = kwb_2022()
    amsterdam, weesp = kwb["GM0363"], kwb["GM0457"]
    historical = amsterdam["woningvoorraad"] / amsterdam["huishoudens"] * 1000  # 458397 / 484574 = 945.98
    today = (amsterdam["woningvoorraad"] + weesp["woningvoorraad"]) / (amsterdam["huishoudens"] + weesp["huishoudens"]) * 1000
    assert kpis["GM0363", "historical"].loc["dwellings_per_1000_households", "value"] == pytest.approx(historical, rel=1e-5)
    assert kpis["GM0363", "today"].loc["dwellings_per_1000_households", "value"] == pytest.approx(today, rel=1e-5)
    for region in ("GM1680", "GM0096"):
        mine = kwb[region]
        value = kpis[region, "historical"].loc["dwellings_per_1000_households", "value"]
        # the CSV gives six significant digits
        assert value == pytest.approx(mine["woningvoorraad"] / mine["huishoudens"] * 1000, rel=1e-5), region


@pytest.mark.parametrize("region", MUNICIPALITIES)
def test_wmo_clients_and_social_minimum_as_published(kpis, region):
    kwb, row = kwb_2022()[region], kpis[region, "historical"]
    # KWB publishes Wmo clients per 1,000 (Amsterdam 77); the BBV scale is per 10,000: 770
    assert row.loc["wmo_clients_per_10000", "value"] == kwb["wmo_per_1000"] * 10
    assert row.loc["households_social_minimum", "value"] == kwb["pct_rond_sociaal_min"]  # Amsterdam 12 %
    assert _real(row.loc["wmo_clients_per_10000"]) and _real(row.loc["households_social_minimum"])
