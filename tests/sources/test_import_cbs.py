"""CBS OData4 folders and the OData v3 Parquet form of Kerncijfers wijken en buurten 2020."""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import CBS
from koers.access import LOCAL
from koers.errors import FileProblem
from koers.sources import cbs_odata3, cbs_odata4


def test_house_prices_follow_each_years_division(registry_store):
    result = registry_store.commit_import(cbs_odata4.load(str(CBS / "83625NED")), actor=LOCAL)
    page = json.loads((CBS / "83625NED" / "observations-page-1.json").read_text())["value"]
    with_value = [o for o in page if o["ValueAttribute"] == "None"]
    assert result.rows_read == 8195 and result.rows_rejected == 0
    assert result.rows_loaded == 8195
    prices = registry_store.observations(indicator="average_house_price")
    assert prices["value"].notna().sum() == len(with_value)
    nl = prices[(prices["region_code"] == "NL01") & (prices["period"] == "2015")]["value"].iloc[0]
    assert nl == 230194
    # De Fryske Marren was created on 01-07-2015 and CBS gives it a 2015 figure: that is accepted.
    assert prices[(prices["region_code"] == "GM1940") & (prices["period"] == "2015")]["value"].notna().all()


def test_kerncijfers_wide_to_long_at_municipality_level(registry_store):
    batch = cbs_odata3.load(str(CBS / "84799NED"), levels=("NL", "GM"))
    assert batch.rows_read == 356  # NL and 355 municipalities
    # 47 columns are filled for municipalities, 4 of which are text (name, kind, code, postcode)
    # and one a code list change marker; empty columns are skipped.
    assert len(batch.indicators) == 42
    result = registry_store.commit_import(batch, actor=LOCAL)
    assert result.rows_rejected == 0
    obs = registry_store.observations(region="GM0363", period="2020", all_sources=True)
    obs = obs[obs["source"] == "84799NED"].set_index("indicator_id")
    assert obs.loc["urbanity", "value"] == 1  # Amsterdam: "zeer sterk stedelijk"
    assert obs.loc["population", "value"] == 872_757  # 1 January 2020, as 03759ned says too


def test_kerncijfers_values_equal_the_parquet(registry_store):
    data = pq.read_table(CBS / "84799NED" / "cbs.v3.84799NED_TypedDataSet.parquet").to_pandas()
    gm = data[data["WijkenEnBuurten"].str.strip() == "GM0014"].iloc[0]
    registry_store.commit_import(cbs_odata3.load(str(CBS / "84799NED"), levels=("NL", "GM")), actor=LOCAL)
    obs = registry_store.observations(region="GM0014", period="2020", all_sources=True)
    obs = obs[obs["source"] == "84799NED"].set_index("indicator_id")["value"]
    assert obs["population"] == gm["AantalInwoners_5"]
    assert obs["persons_ww"] == gm["PersonenPerSoortUitkeringWW_85"]
    assert obs["cbs_84799ned_gemiddeldehuishoudensgrootte_32"] == pytest.approx(gm["GemiddeldeHuishoudensgrootte_32"])


@pytest.mark.slow
def test_districts_and_neighbourhoods_are_registered_under_their_municipality(registry_store):
    result = registry_store.commit_import(cbs_odata3.load(str(CBS / "84799NED")), actor=LOCAL)
    assert result.rows_rejected == 0
    wk = registry_store.region("WK168000")
    assert (wk["kind"], wk["parent_code"], wk["name"]) == ("district", "GM1680", "Wijk 00 Annen")
    assert registry_store.region("BU16800009")["kind"] == "neighbourhood"
    # the v3 list has no history: it must not wipe the merger history of known municipalities
    assert not registry_store.predecessors("GM1979").empty


def test_padded_string_values_from_the_feed(registry_store):
    table_id, info, data, properties, dims = cbs_odata3.read_folder(CBS / "84799NED")
    padded = pa.array([None if v is None else f"   {v}" for v in data.column("AantalInwoners_5").to_pylist()])
    data = data.set_column(data.schema.get_field_index("AantalInwoners_5"), "AantalInwoners_5", padded)
    batch = cbs_odata3.to_batch(table_id, info, data, properties, dims, "test", "x", levels=("GM",))
    registry_store.commit_import(batch, actor=LOCAL)
    assert registry_store.observations(indicator="population", region="GM1680", period="2020", all_sources=True)["value"].tolist() == [25445, 25445]


@pytest.mark.parametrize("broken", ["missing-file", "bad-json", "not-utf8"])
def test_unreadable_odata4_folder_is_one_line_naming_the_file(tmp_path, broken):
    folder = tmp_path / "03759ned"
    shutil.copytree(CBS / "03759ned", folder)
    target = folder / "measure-codes.json"
    if broken == "missing-file":
        target.unlink()
    elif broken == "bad-json":
        target.write_text('{"value": [')
    else:
        target.write_bytes(b'{"value": ["\xff\xfe"]}')
    with pytest.raises(FileProblem) as problem:
        cbs_odata4.load(str(folder))
    message = str(problem.value)
    assert "measure-codes.json" in message and "\n" not in message


@pytest.mark.slow
def test_live_v3_feed_equals_the_parquet_form(registry_store, tmp_path):
    from tests.replay_server import ReplayServer

    with ReplayServer(CBS, page_size=4000, stringify_values=True) as server:
        live = cbs_odata3.load("84799NED", base_url=server.base_url_v3, levels=("NL", "GM"))
        pages = len(server.requests_for("TypedDataSet"))
    folder = cbs_odata3.load(str(CBS / "84799NED"), levels=("NL", "GM"))
    assert pages == 5  # 17,341 rows in pages of 4,000: paging followed to the end
    assert live.source_table == folder.source_table == "84799NED"
    key = ["indicator_id", "region_code", "period"]
    as_frame = lambda batch: batch.observations.to_pandas()[key + ["value", "status"]].sort_values(key).reset_index(drop=True)  # noqa: E731
    assert as_frame(live).equals(as_frame(folder))


def test_columns_cbs_calls_provisional_are_stored_provisional(registry_store):
    # 84799NED's description of PersonenPerSoortUitkeringBijstand_83 ends "Het betreft voorlopige
    # cijfers"; AantalInwoners_5 says nothing of the kind.
    assert cbs_odata3.says_provisional("Personen met bijstand. Het betreft voorlopige cijfers.")
    assert cbs_odata3.says_provisional("Het betreft nader voorlopige cijfers")
    assert not cbs_odata3.says_provisional("De (voorlopig) gemiddelde woningwaarde wordt bepaald met de waardepeildatum")
    registry_store.commit_import(cbs_odata3.load(str(CBS / "84799NED"), levels=("NL", "GM")), actor=LOCAL)
    obs = registry_store.observations(region="GM0363", period="2020", all_sources=True)
    obs = obs[obs["source"] == "84799NED"].set_index("indicator_id")
    assert obs.loc["persons_bijstand", "status"] == "provisional"
    assert obs.loc["persons_ww", "status"] == "provisional"
    assert obs.loc["population", "status"] == "definitive"
    assert obs.loc["population", "value"] == 872_757
