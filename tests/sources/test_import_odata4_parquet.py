"""CBS 70072ned (Regionale kerncijfers) in the OData4 Parquet form (data/cbs/70072ned-v4/): values
checked by hand against the raw Parquet files, and population landing beside 03759ned's as one
indicator with two sources."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import CBS
from koers.demo.build import DEMO_BUILDER
from koers.errors import FileProblem
from koers.indicators.catalogue import canonical_by_id
from koers.sources import cbs_odata4

KERNCIJFERS = CBS / "70072ned-v4"
OBSERVATIONS = "cbs_70072ned_motorvoertuigen_gemeente.parquet"


@pytest.fixture(scope="module")
def batch():
    return cbs_odata4.load(str(KERNCIJFERS))


def _value(batch, indicator: str, region: str, period: str):
    rows = batch.observations.to_pandas()
    row = rows[(rows.indicator_id == indicator) & (rows.region_code == region) & (rows.period == period)]
    assert len(row) == 1
    return row.iloc[0]


def test_the_parquet_form_is_read_as_table_70072ned(batch):
    assert batch.source_table == "70072ned" and batch.kind == "cbs-odata4"
    assert batch.source_title == "Regionale kerncijfers Nederland"
    # 87,360 rows: 728 GM codes x 12 years x 10 measures; none is unreadable
    assert batch.rows_read == 87_360 == batch.observations.num_rows
    assert batch.rejected.num_rows == 0
    ids = {definition.id for definition, *_ in batch.indicators}
    assert ids == {"population", "passenger_cars", "passenger_cars_per_1000", "private_passenger_cars",
                   "private_passenger_cars_per_1000", "commercial_vehicles", "motorcycles", "motorcycles_per_1000",
                   "mopeds", "mopeds_per_1000"}


def test_a_value_stored_as_text_is_read_as_a_number(batch):
    # raw: Id 548527, M000352_3, "None", Value "25203.0", GM1680 (Aa en Hunze), 2015JJ00
    row = _value(batch, "population", "GM1680", "2015")
    assert row["value"] == 25203 and row["status"] == "definitive" and row["record"] == 548527
    # raw: A018943_1 GM0363 2020JJ00 "234618.0"; A018944_2 (per 1 000 inwoners) is a rate
    assert _value(batch, "passenger_cars", "GM0363", "2020")["value"] == 234618


def test_a_municipality_of_an_old_division_on_its_own_years_codes(batch):
    # Aalburg (GM0738, opgeheven per 01-01-2019): 2018JJ00 "13153.0"; 2019JJ00 "Impossible"
    assert _value(batch, "population", "GM0738", "2018")["value"] == 13153
    row = _value(batch, "population", "GM0738", "2019")
    assert pd.isna(row["value"]) and row["status"] == "impossible"


def test_the_periods_status_is_the_observations_status(tmp_path):
    # The capture's periodencodes have no Status (all empty): every figure is definitive there.
    # CBS's statuses written in: "Nader voorlopig" and "Voorlopig" are provisional, "Definitief" not.
    folder = tmp_path / "70072ned-v4"
    shutil.copytree(KERNCIJFERS, folder)
    codes = pq.read_table(folder / "cbs_70072ned_periodencodes.parquet").to_pandas()
    assert codes["Status"].isna().all()
    codes["Status"] = codes["Identifier"].map({"2024JJ00": "Nader voorlopig", "2025JJ00": "Voorlopig"}).fillna("Definitief")
    codes.to_parquet(folder / "cbs_70072ned_periodencodes.parquet", index=False)
    batch = cbs_odata4.load(str(folder))
    assert _value(batch, "population", "GM0363", "2025")["status"] == "provisional"
    assert _value(batch, "population", "GM0363", "2024")["status"] == "provisional"
    assert _value(batch, "population", "GM0363", "2023")["status"] == "definitive"
    assert _value(batch, "population", "GM0363", "2025")["value"] == 934526


def test_one_rule_for_the_period_status_of_both_forms():
    codes = json.loads((CBS / "03759ned" / "codes-Perioden.json").read_text(encoding="utf-8"))["value"]
    assert {c["Status"] for c in codes} == {"Definitief"}
    assert cbs_odata4.provisional_periods(codes) == set()
    assert cbs_odata4.provisional_periods(
        [{"Identifier": "2024JJ00 ", "Status": "Voorlopig"}, {"Identifier": "2023JJ00", "Status": "Nader voorlopig"},
         {"Identifier": "2022JJ00", "Status": "Definitief"}, {"Identifier": "2021JJ00", "Status": None}]
    ) == {"2024JJ00", "2023JJ00"}


def test_a_value_that_is_no_number_is_rejected_with_its_reason(tmp_path):
    folder = tmp_path / "70072ned-v4"
    shutil.copytree(KERNCIJFERS, folder)
    rows = pq.read_table(folder / OBSERVATIONS).to_pandas()
    rows.loc[rows["Id"] == "548527", "Value"] = "25.203,0x"
    rows.to_parquet(folder / OBSERVATIONS, index=False)
    batch = cbs_odata4.load(str(folder))
    assert batch.rejected.num_rows == 1 and batch.rows_read == 87_360
    assert batch.observations.num_rows + batch.rejected.num_rows == batch.rows_read
    rejected = batch.rejected.to_pylist()[0]
    assert rejected["record"] == 548527 and rejected["field"] == "Value"
    assert rejected["reason_en"] == 'record 548527: value "25.203,0x" of M000352_3 is not a number'
    assert rejected["reason_nl"] == 'record 548527: waarde "25.203,0x" van M000352_3 is geen getal'


def test_a_folder_without_its_observations_is_refused_in_one_line(tmp_path):
    folder = tmp_path / "70072ned-v4"
    shutil.copytree(KERNCIJFERS, folder)
    (folder / OBSERVATIONS).unlink()
    with pytest.raises(FileProblem) as error:
        cbs_odata4.load(str(folder))
    assert "cbs_70072ned_*.parquet" in error.value.en and str(folder) in error.value.en
    assert "\n" not in error.value.nl


def test_population_of_both_sources_is_one_indicator_shown_from_03759ned(registry_store, batch):
    result = registry_store.commit_import(batch, actor=DEMO_BUILDER)
    assert result.rows_read == result.rows_loaded + result.rows_rejected == 87_360
    # 03759ned's Amsterdam 2023 (observations-page-1.json, Id 6207: 918117) equals 70072ned's
    # (Id 798983: "918117.0"); both are stored, the one shown is 03759ned's.
    both = registry_store.observations(indicator="population", region="GM0363", period="2023", all_sources=True)
    assert sorted(both["source"]) == ["03759ned", "70072ned"]
    assert set(both["value"]) == {918117}
    shown = registry_store.observations(indicator="population", region="GM0363", period="2023")
    assert list(shown["source"]) == ["03759ned"]
    # 2015 is only in 70072ned: shown from there (raw Id 796456: "821752.0")
    shown = registry_store.observations(indicator="population", region="GM0363", period="2015")
    assert list(shown["source"]) == ["70072ned"] and shown["value"].iloc[0] == 821752
    sources = {(s.table, s.measure): s.precedence for s in canonical_by_id("population").sources}
    assert sources[("03759ned", "M000352")] == 1 and sources[("70072ned", "M000352_3")] == 2
    # Aalburg's own years are loaded: the registry knows it until 01-01-2019
    aalburg = registry_store.observations(indicator="population", region="GM0738", period="2018")
    assert aalburg["value"].iloc[0] == 13153
