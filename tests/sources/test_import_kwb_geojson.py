"""The KWB GeoJSON importer on the real, shipped files (data/kwb-pdok/): figures checked against
values read by hand from the raw GeoJSON, units (thousands of euro -> euro), the years of crime and
health costs, missing never 0, rejected records, and each year's boundaries in the store and on
the map."""

from __future__ import annotations

import json
import shutil
from functools import cache

import pytest

from conftest import DATA, run_cli
from koers.access import LOCAL
from koers.errors import FileProblem
from koers.indicators.catalogue import canonical_by_id
from koers.kpis import analysis
from koers.sources import kwb_geojson
from koers.store import Store

KWB = DATA / "kwb-pdok"
YEARS = (2012, 2017, 2018, 2019, 2022, 2023, 2024)
# Municipalities per year's division: the features less GM0998 "Buitenland" (2017-2024) or GM9999 (2012).
MUNICIPALITIES = {2012: 415, 2017: 388, 2018: 380, 2019: 355, 2022: 345, 2023: 342, 2024: 342}


def _values(batch) -> dict[tuple[str, str, str], float | None]:
    table = batch.observations.to_pylist()
    return {(r["indicator_id"], r["region_code"], r["period"]): r["value"] for r in table}


def _raw(file: str, code: str) -> dict:
    """A feature's properties read straight from the shipped file."""
    return _raw_features(file)[code]


@cache
def _raw_features(file: str) -> dict[str, dict]:
    collection = json.loads((KWB / file).read_text(encoding="utf-8"))
    field = "wijkcode" if file.startswith("wijken") else "gemeentecode"
    return {f["properties"].get(field): f["properties"] for f in collection["features"]}


@pytest.fixture(scope="module")
def batches() -> dict[str, object]:
    return {}


def batch_of(batches: dict, name: str):
    if name not in batches:
        batches[name] = kwb_geojson.load(KWB / name)
    return batches[name]


@pytest.fixture(scope="module")
def values_2022(batches):
    return _values(batch_of(batches, "gemeenten_2022.geojson"))


def test_amsterdam_2022_by_hand(values_2022):
    raw = _raw("gemeenten_2022.geojson", "GM0363")
    assert raw["aantal_inwoners"] == 882_633 and raw["gem_woz_waarde"] == 433 and raw["gem_inkomen_inwoner"] == 36
    assert values_2022[("population", "GM0363", "2022")] == 882_633
    # thousands of euro in the file, euro in Koers
    assert values_2022[("woz_value_mean", "GM0363", "2022")] == 433_000
    assert values_2022[("average_income_per_inhabitant", "GM0363", "2022")] == 36_000
    assert values_2022[("standardised_household_income", "GM0363", "2022")] == pytest.approx(36_800)   # 36.8
    assert values_2022[("median_household_wealth", "GM0363", "2022")] == pytest.approx(12_900)         # 12.9
    assert values_2022[("households", "GM0363", "2022")] == 484_574
    assert values_2022[("dwellings", "GM0363", "2022")] == 458_397
    assert values_2022[("population_0_14_pct", "GM0363", "2022")] == 14
    assert values_2022[("youth_care_pct", "GM0363", "2022")] == pytest.approx(10.5)
    assert values_2022[("wmo_clients_per_1000", "GM0363", "2022")] == 77
    assert values_2022[("land_area", "GM0363", "2022")] == 16_540
    # crime: the app's neighbourhood sum, of the year cr_jaar says (2022)
    assert raw["cr_jaar"] == 2022 and raw["cr_totaal_misdrijven"] == 76_403
    assert values_2022[("crimes_total", "GM0363", "2022")] == 76_403
    assert values_2022[("crimes_bicycle_theft", "GM0363", "2022")] == 10_854


def test_units_of_the_shared_indicators():
    for indicator, unit, additive in (("population", "aantal", True), ("households", "aantal", True),
                                      ("dwellings", "aantal", True), ("woz_value_mean", "euro", False),
                                      ("population_density", "inwoners per km²", False), ("urbanity", "code", False),
                                      ("land_area", "ha", True), ("crimes_total", "aantal", True),
                                      ("health_costs_per_insured", "euro", False), ("net_labour_participation_pct", "%", False),
                                      ("wmo_clients_per_1000", "per 1.000 inwoners", False)):
        definition = canonical_by_id(indicator)
        assert (definition.unit, definition.additive) == (unit, additive), indicator
        assert any(s.table == "kwb-pdok" for s in definition.sources), indicator
    precedence = {s.table: s.precedence for s in canonical_by_id("population").sources}
    assert precedence["03759ned"] < precedence["kwb-pdok"] == 3
    assert [s.precedence for s in canonical_by_id("crimes_total").sources if s.table == "kwb-pdok"] == [5]


def test_vlieland_missing_is_missing_not_zero(values_2022, batches):
    raw = _raw("gemeenten_2022.geojson", "GM0096")
    assert "gem_inkomen_inwoner" not in raw and raw["aantal_inwoners"] == 1195
    assert values_2022[("population", "GM0096", "2022")] == 1195
    assert ("average_income_per_inhabitant", "GM0096", "2022") in values_2022
    assert values_2022[("average_income_per_inhabitant", "GM0096", "2022")] is None
    # a true zero stays zero: Vlieland registered no domestic burglary in 2022
    assert raw["cr_inbraak_woning"] == 0 and values_2022[("crimes_domestic_burglary", "GM0096", "2022")] == 0
    values_2019 = _values(batch_of(batches, "gemeenten_2019.geojson"))
    assert _raw("gemeenten_2019.geojson", "GM0096")["zk_kosten_ggz"] == 0.0
    assert values_2019[("health_costs_mental_health_per_insured", "GM0096", "2019")] == 0.0


def test_aa_en_hunze_2019_net_labour_participation(batches):
    values = _values(batch_of(batches, "gemeenten_2019.geojson"))
    assert _raw("gemeenten_2019.geojson", "GM1680")["arbeidsparticipatie"] == 67
    assert values[("net_labour_participation_pct", "GM1680", "2019")] == 67
    assert values[("woz_value_mean", "GM1680", "2019")] == 246_000   # 246 x 1000
    assert values[("population", "GM1680", "2019")] == 25_386


def test_health_costs_take_the_year_of_zk_jaar(batches):
    batch = batch_of(batches, "gemeenten_2024.geojson")
    values = _values(batch)
    raw = _raw("gemeenten_2024.geojson", "GM0363")
    assert raw["zk_jaar"] == 2023 and raw["cr_jaar"] == 2024 and raw["zk_kosten_totaal"] == 2747.0
    assert values[("health_costs_per_insured", "GM0363", "2023")] == 2747
    assert values[("insured_persons", "GM0363", "2023")] == 914_452
    assert ("health_costs_per_insured", "GM0363", "2024") not in values
    assert values[("crimes_total", "GM0363", "2024")] == 82_331
    assert values[("population", "GM0363", "2024")] == 931_298
    periods = {r["period"] for r in batch.observations.to_pylist() if r["indicator_id"].startswith("health_costs")}
    assert periods == {"2023"}
    # the 2024 file has no income: no rows at all for it (not missing rows for a figure it never had)
    assert not any(key[0] == "woz_value_mean" for key in values)


def test_buitenland_and_gm9999_are_rejected_with_their_reason(batches):
    batch = batch_of(batches, "gemeenten_2022.geojson")
    rejected = batch.rejected.to_pylist()
    assert len(rejected) == 1
    row = rejected[0]
    assert row["field"] == "gemeentecode" and "GM0998 Buitenland" in row["raw"]
    assert "buitenland" in row["reason_nl"] and "abroad" in row["reason_en"]
    assert batch.rows_read == batch.observations.num_rows + batch.rejected.num_rows
    assert not any(r["region_code"] == "GM0998" for r in batch.observations.select(["region_code"]).to_pylist())
    assert "GM0998" not in batch.boundaries.column("region_code").to_pylist()
    old = batch_of(batches, "gemeenten_2012.geojson")
    assert [r["raw"].split(": ")[1].strip() for r in old.rejected.to_pylist()] == ["GM9999"]


def test_boundaries_per_year(batches):
    for year, count in ((2012, 415), (2022, 345), (2024, 342)):
        batch = batch_of(batches, f"gemeenten_{year}.geojson")
        codes = batch.boundaries.column("region_code").to_pylist()
        assert len(codes) == len(set(codes)) == count == MUNICIPALITIES[year]
        assert set(batch.boundaries.column("year").to_pylist()) == {year}
        assert set(batch.boundaries.column("kind").to_pylist()) == {"municipality"}
        assert "GM0363" in codes
    assert "GM0003" in batch_of(batches, "gemeenten_2012.geojson").boundaries.column("region_code").to_pylist()  # Appingedam, merged 2021
    assert "GM0003" not in batch_of(batches, "gemeenten_2024.geojson").boundaries.column("region_code").to_pylist()
    geometry = json.loads(batch_of(batches, "gemeenten_2022.geojson").boundaries.column("geometry")[0].as_py())
    assert geometry["type"] in ("Polygon", "MultiPolygon") and geometry["coordinates"]


@pytest.mark.slow  # the district file is 3.8 MB
def test_districts_2024(batches):
    batch = batch_of(batches, "wijken_2024.geojson")
    values = _values(batch)
    raw = _raw("wijken_2024.geojson", "WK0363AA")
    assert raw["aantal_inwoners"] == 9180 and raw["wijknaam"] == "Haarlemmerbuurt"
    assert values[("population", "WK0363AA", "2024")] == 9180
    assert values[("population", "WK168000", "2024")] == 3590   # Wijk 00 Annen, Aa en Hunze
    # Stichtsekant (Almere): 0 inhabitants is a figure; its age shares are absent: missing
    assert values[("population", "WK003415", "2024")] == 0
    assert values[("population_0_14_pct", "WK003415", "2024")] is None
    # open water: no figures, its boundary kept
    assert not any(code == "WK003499" for (_, code, _) in values)
    codes = batch.boundaries.column("region_code").to_pylist()
    assert "WK003499" in codes and len(codes) == 3474 and "WK099899" not in codes
    assert set(batch.boundaries.column("kind").to_pylist()) == {"district"}
    parents = {region.code: region.parent_code for region in batch.regions}
    assert parents["WK0363AA"] == "GM0363" and parents["WK168000"] == "GM1680"
    assert all(region.kind == "district" for region in batch.regions)
    assert [r["field"] for r in batch.rejected.to_pylist()] == ["wijkcode"]  # WK099899 Buitenland


def test_feature_without_a_code_and_the_year_option(tmp_path):
    collection = json.loads((KWB / "gemeenten_2019.geojson").read_text(encoding="utf-8"))
    collection["features"] = collection["features"][:3]
    del collection["features"][1]["properties"]["gemeentecode"]
    collection.pop("metadata")
    path = tmp_path / "kerncijfers.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(FileProblem):
        kwb_geojson.load(path)  # neither the name nor the file says the year
    batch = kwb_geojson.load(path, year=2019)
    rejected = batch.rejected.to_pylist()
    assert [(r["record"], r["field"]) for r in rejected] == [(2, "gemeentecode")]
    assert "feature 2" in rejected[0]["reason_nl"] and "gemeentecode" in rejected[0]["reason_en"]
    assert {r["period"] for r in batch.observations.to_pylist() if not r["indicator_id"].startswith(("crimes", "health", "insured"))} == {"2019"}
    assert batch.rows_read == batch.observations.num_rows + 1


def test_map_division_choice():
    assert analysis.map_division(2012, [2012, 2019, 2024]) == (2012, True)
    assert analysis.map_division(2020, [2012, 2019, 2022]) == (2019, True)    # the nearest stored year
    assert analysis.map_division(2025, [2012, 2024]) == (2025, False)        # the shipped 2025 division
    assert analysis.map_division(2016, []) == (2023, False)                  # nothing stored: as before


# --- into the store ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """A store with the registry (03759ned) and every shipped KWB file, districts too."""
    from koers.sources import cbs_odata4

    path = tmp_path_factory.mktemp("kwb") / "koers.duckdb"
    with Store.open(path) as store:
        store.commit_import(cbs_odata4.load(str(DATA / "cbs" / "03759ned")), actor=LOCAL)
        result = store.commit_import(kwb_geojson.load(KWB), actor=LOCAL)
    return path, result


@pytest.mark.slow
def test_the_whole_folder_lands(imported):
    path, result = imported
    assert result.status == "ok" and result.rows_rejected == 8   # GM0998 x 6, GM9999, WK099899
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    with Store.open(path, read_only=True) as store:
        frame = store.observations(indicator="population", region="GM0363", all_sources=True)
        mine = frame[frame["source"] == "kwb-pdok"]
        assert dict(zip(mine["period"], mine["value"]))["2022"] == 882_633
        woz = store.observations(indicator="woz_value_mean", region="GM0363", period="2022")
        assert woz["value"].tolist() == [433_000] and woz["source"].tolist() == ["kwb-pdok"]
        assert store.boundary_years() == list(YEARS)
        assert store.boundary_years("district") == [2024]
        for year, count in MUNICIPALITIES.items():
            geojson = store.boundaries(year)
            assert len(geojson["features"]) == count, year
        old = store.boundaries(2012)
        codes = analysis.feature_codes(old)
        assert "GM0003" in codes and "GM0998" not in codes and "GM9999" not in codes
        amsterdam = next(f for f in old["features"] if f["properties"]["statcode"] == "GM0363")
        assert amsterdam["properties"]["statnaam"] == "Amsterdam" and amsterdam["geometry"]["type"] in ("Polygon", "MultiPolygon")
        districts = store.boundaries(2024, "district")
        assert len(districts["features"]) == 3474
        assert store.region("WK0363AA")["parent_code"] == "GM0363"
        rejected = store.rejected(result.import_id)
        assert len(rejected) == 8 and rejected["reason_en"].str.contains("abroad").sum() == 7


@pytest.mark.slow
def test_reimport_replaces_boundaries_and_changes_nothing(imported, tmp_path):
    path, _ = imported
    copy = tmp_path / "koers.duckdb"
    shutil.copy(path, copy)
    with Store.open(copy) as store:
        result = store.commit_import(kwb_geojson.load(KWB / "gemeenten_2012.geojson"), actor=LOCAL)
        assert result.status == "unchanged" and result.rows_new == result.rows_revised == 0
        assert len(store.boundaries(2012)["features"]) == 415
        assert store.boundary_years() == list(YEARS)


@pytest.mark.slow
def test_cli_import(tmp_path):
    from koers.sources import cbs_odata4

    db = tmp_path / "koers.duckdb"
    with Store.open(db) as store:
        store.commit_import(cbs_odata4.load(str(DATA / "cbs" / "03759ned")), actor=LOCAL)
    done = run_cli("import", "kwb-geojson", str(KWB / "gemeenten_2019.geojson"), db=db)
    assert done.returncode == 0, done.stderr
    with Store.open(db, read_only=True) as store:
        assert len(store.boundaries(2019)["features"]) == 355
        frame = store.observations(indicator="net_labour_participation_pct", region="GM1680")
        assert dict(zip(frame["period"], frame["value"])) == {"2019": 67}


@pytest.mark.slow
def test_the_map_is_drawn_on_that_years_division(imported, monkeypatch, tmp_path):
    """The compare page's map reads its boundaries through `reads.division`: the store's of the
    selected year, else its nearest, else the shipped file."""
    from koers.dashboard import reads

    path, _ = imported
    monkeypatch.setenv("KOERS_DB", str(path))
    monkeypatch.setenv("KOERS_METRICS", str(tmp_path / "metrics"))
    old = reads.division(2012)
    assert (old.year, old.stored, len(old.geojson["features"])) == (2012, True, 415)
    assert "GM0003" in analysis.feature_codes(old.geojson)
    between = reads.division(2020)   # no 2020 division stored: the nearest, 2019
    assert (between.year, between.stored, len(between.geojson["features"])) == (2019, True, 355)
    later = reads.division(2025)     # the shipped 2025 division
    assert (later.year, later.stored) == (2025, False)
    assert analysis.feature_codes(later.geojson) == analysis.feature_codes(analysis.read_geojson(analysis.division_file(2025)))
