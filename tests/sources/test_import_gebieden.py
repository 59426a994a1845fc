"""CBS "Gebieden in Nederland" (data/cbs/gebieden/): each municipality's regions per year, checked by
hand against the raw Parquet files, and stored, replaced and read per year by the store."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import CBS
from koers.demo.build import DEMO_BUILDER
from koers.errors import FileProblem
from koers.access import LOCAL
from koers.sources import gebieden
from koers.sources.registry import read_regions_file
from koers.store import MEMBERSHIP_SCHEMA, OBSERVATION_SCHEMA, REJECTED_SCHEMA, ImportBatch, Store

GEBIEDEN = CBS / "gebieden"
MEASURES = "cbs_gebieden_measurecodes.parquet"


def _folder(tmp_path, *years: int):
    """A folder with the real files of some years and the measure list."""
    folder = tmp_path / "gebieden"
    folder.mkdir()
    for name in [MEASURES, *(f"cbs_gebieden_{year}.parquet" for year in years)]:
        shutil.copy(GEBIEDEN / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def batch_2023():
    return gebieden.load(GEBIEDEN / "cbs_gebieden_2023.parquet")


@pytest.fixture(scope="module")
def members_2023(batch_2023):
    rows = batch_2023.memberships.to_pylist()
    return {(r["region_code"], r["division"]): (r["group_code"], r["group_name"]) for r in rows}


def test_the_regions_of_a_municipality_as_cbs_gives_them(members_2023):
    # cbs_gebieden_2023.parquet, right-padded in StringValue: GM0363 AM0001 "AM18      ",
    # AM0002 "Groot Amsterdam  …", GG0001 "GG3406    ", GG0002 "GGD Amsterdam  …"
    assert members_2023[("GM0363", "AM")] == ("AM18", "Groot Amsterdam")
    assert members_2023[("GM0363", "GG")] == ("GG3406", "GGD Amsterdam")
    # GM1680 Aa en Hunze: CR0001 "CR07", CR0002 "Noord-Drenthe"; PV0001 "PV22", PV0002 "Drenthe"
    assert members_2023[("GM1680", "CR")] == ("CR07", "Noord-Drenthe")
    assert members_2023[("GM1680", "PV")] == ("PV22", "Drenthe")
    # GM0096 Vlieland: RE0001 "RE01", RE0002 "Noord-Nederland"
    assert members_2023[("GM0096", "RE")] == ("RE01", "Noord-Nederland")


def test_every_municipality_in_every_division(batch_2023, members_2023):
    # 2023: 342 municipalities; 26 divisions (24 code/name pairs, size class GK and urbanity ST)
    municipalities = {region for region, _ in members_2023}
    divisions = {division for _, division in members_2023}
    assert len(municipalities) == 342 and len(divisions) == 26
    assert batch_2023.memberships.num_rows == 342 * 26
    assert len({members_2023[(m, "AM")][0] for m in municipalities}) == 35  # labour-market regions
    assert len({members_2023[(m, "GG")][0] for m in municipalities}) == 25  # GGD regions
    assert batch_2023.rejected.num_rows == 0
    # two figures per municipality: population (Amsterdam: Value "918117") and address density
    figures = {(r["indicator_id"], r["region_code"]): r["value"] for r in batch_2023.observations.to_pylist()}
    assert len(figures) == 2 * 342 and figures[("population", "GM0363")] == 918_117
    assert batch_2023.rows_read == 342 * 26 + 2 * 342


def test_older_years_measure_names(tmp_path):
    # 2018 names the SubRES code "Et0002" (ET0001 is its name) and the size class code "GM000B_2"
    batch = gebieden.load(GEBIEDEN / "cbs_gebieden_2018.parquet")
    members = {(r["region_code"], r["division"]): (r["group_code"], r["group_name"]) for r in batch.memberships.to_pylist()}
    assert members[("GM0363", "ET")] == ("ET1601", "Amsterdam")
    assert members[("GM0363", "GK")] == ("8", "250 000 inwoners of meer")
    # the NUTS levels of 2015-2018, a pair the current measure list does not name: N30002 code, N30003 name
    assert members[("GM0363", "N3")] == ("NL329", "Groot-Amsterdam")


def test_a_division_without_a_code_is_rejected_with_its_reason():
    # 2015: GM0361 (Alkmaar) N30002/N30003 "Impossible" with empty StringValue: no NUTS-3 code
    batch = gebieden.load(GEBIEDEN / "cbs_gebieden_2015.parquet")
    rejected = batch.rejected.to_pylist()
    assert len(rejected) == 3  # GM0361, GM1921, GM1931
    first = next(r for r in rejected if r["record"] == 428)
    assert first["reason_en"] == "GM0361 2015: division N3 (N30002) has no code"
    assert first["reason_nl"] == "GM0361 2015: indeling N3 (N30002) heeft geen code"
    assert first["raw"] == "cbs_gebieden_2015.parquet: Id 428: N30002;;;GM0361" and first["field"] == "N30002"
    assert batch.rows_read == batch.memberships.num_rows + batch.observations.num_rows + len(rejected)


def test_bad_rows_are_rejected_with_their_reason(tmp_path):
    folder = _folder(tmp_path, 2023)
    path = folder / "cbs_gebieden_2023.parquet"
    rows = pq.read_table(path).to_pandas()
    rows.loc[rows["RegioS"] == "GM1680", "RegioS"] = "Aa en Hunze"  # no code: its 57 rows are rejected
    rows.loc[(rows["RegioS"] == "GM0363") & (rows["Measure"] == "AM0001"), "StringValue"] = "          "
    rows.loc[(rows["RegioS"] == "GM0363") & (rows["Measure"] == "VR0001"), "Measure"] = "XX_1"
    rows.to_parquet(path, index=False)
    batch = gebieden.load(folder)
    reasons = [r["reason_en"] for r in batch.rejected.to_pylist()]
    assert reasons.count('region "Aa en Hunze" is no municipality code (GMxxxx)') == 57
    assert "GM0363 2023: division AM (AM0001) has no code" in reasons
    assert 'measure "XX_1" is neither a division\'s code or name nor a known figure' in reasons
    # VR0001 renamed: Amsterdam's safety region has its name (VR0002) but no code left
    assert "GM0363 2023: division VR (VR0002) has no code" in reasons
    assert len(reasons) == 57 + 1 + 1 + 1
    assert batch.rows_read == batch.memberships.num_rows + batch.observations.num_rows + len(reasons)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """A store with the registry (as `koers init` loads it) and the memberships of 2021 and 2023."""
    folder = tmp_path_factory.mktemp("years")
    with Store.open(folder / "koers.duckdb") as store:
        store.upsert_regions(read_regions_file(CBS / "03759ned" / "codes-RegioS.json"), "CBS 03759ned", LOCAL)
        batch = gebieden.load(_folder(folder, 2021, 2023))
        yield store, batch, store.commit_import(batch, actor=DEMO_BUILDER)


def test_memberships_per_year_in_the_store(imported):
    store, batch, result = imported
    assert result.rows_rejected == 0 and result.rows_read == batch.rows_read
    # Weesp (GM0457) is in the 2021 file, not in 2023's (merged into Amsterdam on 24-03-2022)
    assert "GM0457" in set(store.memberships(2021, "AM")["region_code"])
    assert "GM0457" not in set(store.memberships(2023, "AM")["region_code"])
    amsterdam = store.group_members(2023, "AM", "AM18")
    assert "GM0363" in amsterdam and "GM0457" not in amsterdam
    # 2021: GM0457 AM0001 "AM12", AM0002 "Gooi en Vechtstreek"
    assert "GM0457" in store.group_members(2021, "AM", "AM12")
    assert len(store.memberships(2023, "GG")) == 342
    assert list(store.memberships(2023, "GG").columns[:4]) == ["region_code", "division", "group_code", "group_name"]
    assert {"AM", "GG", "CR", "PV", "RE", "VR", "JZ", "GK", "ST"} <= set(store.membership_divisions())


def test_a_year_the_store_lacks_reads_the_nearest(imported):
    store, _, _ = imported
    # the nearest earlier year, else the nearest later one
    assert set(store.memberships(2022, "GG")["year"]) == {2021}
    assert set(store.memberships(2030)["year"]) == {2023}
    assert set(store.memberships(2016, "PV")["year"]) == {2021}
    assert "GM0457" in store.group_members(2022, "AM", "AM12")
    in_2021 = store.memberships(2021)
    assert (in_2021["year"] == 2021).sum() == 352 * 24  # 2021's 24 divisions
    # CE and TG are not in the 2021 file: per division, their nearest year (2023) stands in
    assert set(in_2021[in_2021["year"] == 2023]["division"]) == {"CE", "TG"}


def test_the_registry_refuses_municipalities_it_does_not_know_that_year(imported):
    store, _, _ = imported
    memberships = pa.table({"region_code": ["GM0363", "GM0457", "GM9999"], "year": [2023, 2023, 2023],
                            "division": ["QQ"] * 3, "group_code": ["QQ1"] * 3, "group_name": ["Test"] * 3},
                           schema=MEMBERSHIP_SCHEMA)
    batch = ImportBatch(kind="cbs-gebieden", file="test", checksum="x", source_table="gebieden-test",
                        source_title="test", licence="", rows_read=3, observations=OBSERVATION_SCHEMA.empty_table(),
                        rejected=REJECTED_SCHEMA.empty_table(), memberships=memberships)
    result = store.commit_import(batch, actor=DEMO_BUILDER)
    stored = store.rejected(result.import_id)
    assert result.rows_rejected == 2
    assert set(stored["reason_en"]) == {"GM9999 is not in the municipal registry (QQ 2023)",
                                        "GM0457 Weesp did not exist in 2023 (QQ)"}
    assert "GM0457 Weesp bestond niet in 2023 (QQ)" in set(stored["reason_nl"])
    assert store.group_members(2023, "QQ", "QQ1") == ["GM0363"]


def test_a_reimport_replaces_rather_than_adds(imported):
    store, _, _ = imported
    def real_2023() -> int:  # a test of the registry check adds division QQ to the same store
        rows = store.memberships(2023)
        return int((rows["division"] != "QQ").sum())

    before = real_2023()
    store.commit_import(gebieden.load(GEBIEDEN / "cbs_gebieden_2023.parquet"), actor=DEMO_BUILDER)
    assert real_2023() == before == 342 * 26
    assert (store.memberships(2021)["year"] == 2021).sum() == 352 * 24


def test_a_file_that_is_not_a_years_file_is_refused_in_one_line(tmp_path):
    odd = tmp_path / "gebieden.parquet"
    shutil.copy(GEBIEDEN / "cbs_gebieden_2023.parquet", odd)
    with pytest.raises(FileProblem) as error:
        gebieden.load(odd)
    assert "cbs_gebieden_2023.parquet" in error.value.en and str(odd) in error.value.en
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileProblem, match="cbs_gebieden_<"):
        gebieden.load(empty)
    broken = tmp_path / "cbs_gebieden_2023.parquet"
    pq.write_table(pq.read_table(GEBIEDEN / "cbs_gebieden_2023.parquet").drop(["RegioS"]), broken)
    with pytest.raises(FileProblem) as error:
        gebieden.load(broken)
    assert "RegioS" in error.value.nl and "\n" not in error.value.nl


def test_the_source_declares_itself():
    assert gebieden.SOURCE.name == "cbs-gebieden" and gebieden.SOURCE.load is gebieden.load_arguments


@pytest.mark.slow
def test_all_twelve_years():
    batch = gebieden.load(GEBIEDEN)
    assert sorted(set(batch.memberships.column("year").to_pylist())) == list(range(2015, 2027))
    assert batch.rejected.num_rows == 10  # the NUTS-3 codes CBS left empty in 2015-2018
    assert batch.rows_read == batch.memberships.num_rows + batch.observations.num_rows + 10 == 115_288
