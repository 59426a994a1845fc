"""The OData v3 feed's UntypedDataSet exported as CSV: Regionale kerncijfers 2015 (70072ned, state
of June 2018) and registered crime 2015 by crime type (83648NED). Expected values are read by hand
from the raw files (line numbers given)."""

from __future__ import annotations

from pathlib import Path

import pytest

from koers.access import LOCAL
from koers.errors import FileProblem
from koers.sources import cbs_odata3

DATA = Path(__file__).resolve().parents[2] / "data" / "cbs"
K15 = DATA / "70072ned-2015" / "70072ned_UntypedDataSet_06062018_000805.csv"
CRIME15 = DATA / "83648NED-2015" / "83648NED_UntypedDataSet_17052018_141347.csv"


def _value(batch, indicator: str, region: str) -> tuple[float | None, str]:
    obs = batch.observations.to_pandas()
    row = obs[(obs["indicator_id"] == indicator) & (obs["region_code"] == region)].iloc[0]
    return (None if row["value"] != row["value"] else row["value"]), row["status"]


def test_crime_by_type_splits_the_measures():
    batch = cbs_odata3.load(str(CRIME15))
    assert batch.source_table == "83648NED" and batch.rows_read == 33972  # 447 municipalities x 76 crime types
    assert len(batch.indicators) == 152  # 2 measures x 76 SoortMisdrijf codes, titles not in the capture
    # line 18: "285";"0000000";"GM0363";"2015JJ00";"   96185";"   117.1"
    assert _value(batch, "crimes_total", "GM0363") == (96185, "definitive")
    # line 391: "3269";"0000000";"GM0096";"2015JJ00";"      80";"       ."
    assert _value(batch, "crimes_total", "GM0096") == (80, "definitive")
    per_1000 = "cbs_83648ned_geregistreerdemisdrijvenper1000inw_3_soortmisdrijf_0000000"
    assert _value(batch, per_1000, "GM0363") == (117.1, "definitive")
    assert _value(batch, per_1000, "GM0096") == (None, "missing")  # "." is CBS's unknown
    other = {measure for _, measure, _, _ in batch.indicators if measure.endswith("=1000000")}
    assert other == {"TotaalGeregistreerdeMisdrijven_1|SoortMisdrijf=1000000",
                     "GeregistreerdeMisdrijvenPer1000Inw_3|SoortMisdrijf=1000000"}


def test_padded_codes_empty_strings_and_text_columns(tmp_path):
    path = tmp_path / "70072ned_UntypedDataSet_01012018_000000.csv"
    path.write_text(
        '\ufeff"ID";"RegioS";"Perioden";"TotaleBevolking_1";"HuishoudelijkRestafval_239";"Code_271";"Gemeenten_309"\n'
        '"20";"NL01  ";"2015JJ00";"16900726";"       .";"          ";"     393"\n'
        '"1988";"GM0363";"2015JJ00";"  821752";"  229134";"AM18      ";""\n'
        '"1989";"GM0014";"2015JJ00";"  200952";"   42x";"AM01      ";"        "\n', encoding="utf-8")
    batch = cbs_odata3.load(str(path))
    assert batch.source_table == "70072ned"
    assert _value(batch, "population", "NL01") == (16900726, "definitive")  # "NL01  " padded
    assert _value(batch, "residual_waste_kg", "GM0363") == (229_134_000, "definitive")  # 1,000 kg -> kg
    generated = "cbs_70072ned_gemeenten_309"
    assert _value(batch, generated, "GM0363") == (None, "missing")  # "" is missing, never 0
    assert _value(batch, generated, "NL01") == (393, "definitive")
    assert not any(m.startswith("Code_") for _, m, _, _ in batch.indicators)  # a text column: no measure
    [rejected] = batch.rejected.to_pylist()
    assert (rejected["record"], rejected["field"], rejected["raw"]) == (4, "HuishoudelijkRestafval_239", "42x")
    assert rejected["reason_en"] == 'value "42x" is not a number'
    obs = batch.observations.to_pandas()
    assert obs[(obs["record"] == 4) & (obs["indicator_id"] == "residual_waste_kg")].empty


def test_a_broken_csv_is_one_line(tmp_path):
    path = tmp_path / "70072ned_UntypedDataSet_x.csv"
    path.write_text('"ID";"Perioden";"TotaleBevolking_1"\n"1";"2015JJ00";"5"\n', encoding="utf-8")
    with pytest.raises(FileProblem) as error:
        cbs_odata3.load(str(path))
    assert "70072ned_UntypedDataSet_x.csv" in str(error.value) and "RegioS" in str(error.value)


@pytest.mark.slow
def test_regionale_kerncijfers_2015_in_the_store(registry_store):
    batch = cbs_odata3.load(str(K15))
    assert batch.rows_read == 770 and batch.rejected.num_rows == 0
    result = registry_store.commit_import(batch, actor=LOCAL)
    assert result.rows_rejected == 0
    obs = registry_store.observations(region="GM0363", period="2015", all_sources=True)
    obs = obs[obs["source"] == "70072ned"].set_index("indicator_id")
    # line 84: "1988";"GM0363";"2015JJ00";"  821752";... HuishoudelijkRestafval_239 "  229134" (1,000 kg)
    assert obs.loc["population", "value"] == 821_752
    assert obs.loc["residual_waste_kg", "value"] == 229_134_000
    assert obs.loc["household_waste_kg", "value"] == 327_678_000
    assert obs.loc["gft_waste_kg", "value"] == 409_000
    assert obs.loc["woz_value_mean", "value"] == 232_000  # "     232" thousand euro
    assert obs.loc["land_area", "value"] == pytest.approx(16_589)  # "  165.89" km2 -> ha
    assert obs.loc["persons_ww", "value"] == 18_340 and obs.loc["persons_ao", "value"] == 35_180
    assert obs.loc["demographic_pressure_pct", "value"] == 47.1
    assert obs.loc["cbs_70072ned_gemeenten_309", "status"] == "missing"  # "" in line 84


@pytest.mark.slow
def test_crime_2015_in_the_store(registry_store):
    result = registry_store.commit_import(cbs_odata3.load(str(CRIME15)), actor=LOCAL)
    rejected = registry_store.rejected(result.import_id)
    assert set(rejected["reason_en"]) == {'unknown region code "GM0999"'}  # CBS's "not assignable"
    obs = registry_store.observations(indicator="crimes_total", period="2015", all_sources=True)
    assert obs.set_index("region_code").loc["GM0363", "value"] == 96185
