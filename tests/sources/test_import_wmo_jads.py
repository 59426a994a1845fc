"""The wmo-jads table (a student project's join of CBS tables, 2017-2019); values read by hand from
the Parquet file (`codering_regio`, `interval` index)."""

from __future__ import annotations

from pathlib import Path

import pytest

from koers.access import LOCAL
from koers.errors import FileProblem
from koers.sources import wmo_jads

FOLDER = Path(__file__).resolve().parents[2] / "data" / "cbs" / "gemeente-2017-2019-wmo-jads"
FILE = next(FOLDER.glob("df_get_data_*.parquet.gzip"))


@pytest.fixture(scope="module")
def batch():
    return wmo_jads.load(FILE)


def value(batch, indicator: str, region: str, year: str) -> tuple[float | None, str]:
    obs = batch.observations.to_pandas()
    row = obs[(obs["indicator_id"] == indicator) & (obs["region_code"] == region) & (obs["period"] == year)]
    if row.empty:
        return None, "absent"
    row = row.iloc[0]
    return (None if row["value"] != row["value"] else row["value"]), row["status"]


def test_waste_in_thousand_kg_becomes_kg(batch):
    # Amsterdam 2019: pophuishoudelijkrestafval 205692.0 (1,000 kg), poptotalebevolking 862965.
    waste, status = value(batch, "residual_waste_kg", "GM0363", "2019")
    assert (waste, status) == (205_692_000, "definitive")
    assert waste / 862_965 == pytest.approx(238.4, abs=0.05)
    assert value(batch, "household_waste_kg", "GM0363", "2019")[0] == 325_428_000
    assert value(batch, "gft_waste_kg", "GM0363", "2019")[0] == 490_000
    assert value(batch, "persons_ww", "GM0363", "2019")[0] == 12_780
    assert value(batch, "persons_ao", "GM0363", "2019")[0] == 32_920
    assert value(batch, "wmo_household_help_clients", "GM0363", "2019")[0] == 18_985
    assert value(batch, "net_labour_participation_pct", "GM0363", "2019")[0] == 69
    assert value(batch, "youth_care_pct", "GM0363", "2019")[0] == 10.2
    assert value(batch, "ozb_per_inhabitant", "GM0363", "2019")[0] == 202
    assert value(batch, "waste_levy_per_inhabitant", "GM0363", "2019")[0] == 155
    assert value(batch, "sewage_levy_per_inhabitant", "GM0363", "2019")[0] == 83


def test_empty_columns_stay_missing(batch):
    # Utrecht 2019: the project's join by name left the 70072ned and levy columns empty.
    for indicator in ("residual_waste_kg", "persons_ww", "ozb_per_inhabitant"):
        assert value(batch, indicator, "GM0344", "2019") == (None, "missing")
    assert value(batch, "wmo_household_help_clients", "GM0344", "2019") == (6720, "definitive")


def test_an_implausible_jump_is_rejected_with_its_reason(batch):
    # Den Haag: wmoclienten 12895 (2017), 4160 (2018), 20 (2019).
    assert value(batch, "wmo_household_help_clients", "GM0518", "2019") == (None, "absent")
    assert value(batch, "wmo_household_help_clients", "GM0518", "2018") == (4160, "definitive")
    rejected = batch.rejected.to_pandas()
    row = rejected[rejected["raw"] == "GM0518;2019;wmoclienten=20"].iloc[0]
    assert row["field"] == "wmoclienten"
    assert row["reason_en"] == ("value 20 of wmoclienten in 2019 differs from this municipality's other years "
                                "(median 4160) by a factor over 10: implausible")
    assert "onwaarschijnlijk" in row["reason_nl"]
    assert batch.rows_read == 936 and batch.observations.num_rows + len(rejected) == 936 * len(wmo_jads.COLUMNS)


def test_not_a_wmo_jads_file(tmp_path):
    path = tmp_path / "x.parquet.gzip"
    path.write_bytes(b"not parquet")
    with pytest.raises(FileProblem) as error:
        wmo_jads.load(path)
    assert "x.parquet.gzip" in str(error.value)


@pytest.mark.slow
def test_in_the_store(registry_store, batch):
    result = registry_store.commit_import(batch, actor=LOCAL)
    obs = registry_store.observations(indicator="residual_waste_kg", region="GM0363", period="2019", all_sources=True)
    assert obs[obs["source"] == "wmo-jads"]["value"].iloc[0] == 205_692_000
    assert result.rows_loaded == batch.observations.num_rows
