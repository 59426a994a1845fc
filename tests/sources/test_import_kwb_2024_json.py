"""Kerncijfers wijken en buurten 2024 (85984NED) as a JSON capture of the v3 API: {code: {measure:
value}} for 342 municipalities and 3,393 districts, with DataProperties.json and TableInfos.json.
Values read by hand from stripped_filtered_data_2024.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from koers.access import LOCAL
from koers.errors import FileProblem
from koers.sources import cbs_odata3

KWB24 = Path(__file__).resolve().parents[2] / "data" / "cbs" / "85984NED"


def test_units_and_titles_from_data_properties():
    batch = cbs_odata3.load(str(KWB24))
    assert (batch.source_table, batch.source_title) == ("85984NED", "Kerncijfers wijken en buurten 2024")
    assert batch.rows_read == 342 + 3393
    units = {definition.id: unit for definition, _, _, unit in batch.indicators}
    assert units["population"] == "aantal" and units["land_area"] == "ha"
    assert units["population_density"] == "aantal inwoners per km²"
    assert set(batch.observations.column("period").to_pylist()) == {"2024"}  # the year in the title
    districts = [r for r in batch.regions if r.kind == "district"]
    assert len(districts) == 3393
    assert {r.parent_code for r in districts if r.code == "WK0363AA"} == {"GM0363"}


def test_only_municipalities_when_asked():
    batch = cbs_odata3.load(str(KWB24), levels=("GM",))
    assert batch.rows_read == 342


@pytest.mark.slow
def test_municipality_and_district_rows_in_the_store(registry_store):
    result = registry_store.commit_import(cbs_odata3.load(str(KWB24)), actor=LOCAL)
    assert result.rows_rejected == 0
    obs = registry_store.observations(region="GM0363", period="2024", all_sources=True)
    obs = obs[obs["source"] == "85984NED"].set_index("indicator_id")["value"]
    # "GM0363": {"Bevolkingsdichtheid_34": 4950, "Woningvoorraad_35": 480852, "OppervlakteLand_123": 18812,
    #            "AantalInwoners_5": 931298, ...}
    assert obs["population"] == 931_298 and obs["dwellings"] == 480_852
    assert obs["land_area"] == 18_812 and obs["population_density"] == 4950
    # "WK0363AA": {"AantalInwoners_5": 9180, "Woningvoorraad_35": 5686, ...}
    district = registry_store.observations(region="WK0363AA", period="2024", all_sources=True)
    assert district.set_index("indicator_id").loc["population", "value"] == 9180
    region = registry_store.region("WK0363AA")
    assert (region["kind"], region["parent_code"]) == ("district", "GM0363")


def test_a_capture_that_is_no_mapping(tmp_path):
    (tmp_path / "DataProperties.json").write_text("[]", encoding="utf-8")
    (tmp_path / "data.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(FileProblem) as error:
        cbs_odata3.load(str(tmp_path))
    assert "data.json" in str(error.value)
