"""The region registry read from CBS's own history texts, checked against CBS's municipality lists."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from conftest import DATA
from koers.sources.registry import parse_description, read_regions_file


def _codes_in_list(name: str) -> set[str]:
    path = DATA / "regions" / name
    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if text.splitlines()[0].count(";") > 1 else ","
    rows = list(csv.DictReader(text.splitlines(), delimiter=delimiter))
    column = "GemeentecodeGM" if "GemeentecodeGM" in rows[0] else "MunicipalCodeGM"
    return {row[column] for row in rows}


@pytest.mark.parametrize(
    ("day", "list_file"),
    [
        (dt.date(2021, 1, 1), "gemeenten-alfabetisch-2021.csv"),
        (dt.date(2022, 1, 1), "municipalities_alphabetically_2022.csv"),
        (dt.date(2023, 1, 1), "gemeenten-alfabetisch-2023.csv"),
    ],
)
def test_municipalities_on_a_date_match_cbs_list(registry_store, day, list_file):
    expected = _codes_in_list(list_file)
    assert len(expected) in (352, 345, 342)
    found = set(registry_store.regions(on=day)["code"])
    assert found == expected


def test_weesp_exists_until_24_march_2022(registry_store):
    assert "GM0457" in set(registry_store.regions(on=dt.date(2022, 3, 23))["code"])
    assert "GM0457" not in set(registry_store.regions(on=dt.date(2022, 3, 24))["code"])
    successors = registry_store.successors("GM0457")
    assert successors[["code", "share"]].values.tolist() == [["GM0363", 1.0]]
    assert str(successors["via_date"].iloc[0])[:10] == "2022-03-24"


def test_eemsdelta_predecessors_with_residents(registry_store):
    frame = registry_store.predecessors("GM1979")
    got = {row.code: (row.residents, row.dwellings) for row in frame.itertuples()}
    # "Ontstaan per 01-01-2021, ontvangen van: Appingedam ... 6023 woningen en 11496 inwoners" etc.
    assert got == {"GM0003": (11496, 6023), "GM0010": (24596, 12278), "GM0024": (9495, 4782)}
    assert registry_store.successors("GM0003")["code"].tolist() == ["GM1979"]


def test_split_municipality_successors_weighted_by_residents(registry_store):
    # Haaren (GM0788) was split over four municipalities on 01-01-2021.
    shares = dict(zip(*registry_store.successors("GM0788")[["code", "share"]].T.values))
    total = 2149 + 5827 + 1442 + 4900
    assert shares == pytest.approx({"GM0757": 2149 / total, "GM0824": 5827 / total, "GM0855": 1442 / total, "GM0865": 4900 / total})


def test_successor_before_the_merger_is_none(registry_store):
    assert registry_store.successors("GM0003", on=dt.date(2020, 6, 1)).empty


@pytest.mark.parametrize(
    ("name", "year", "codes"),
    [
        ("Bergen (NH.)", 2023, ["GM0373"]),
        ("Bergen (L.)", 2023, ["GM0893"]),
        ("Groningen (gemeente)", 2023, ["GM0014"]),
        ("'s-Gravenhage (gemeente)", 2023, ["GM0518"]),
        ("’s-Gravenhage", 2023, ["GM0518"]),
        ("Groningen", 2023, ["GM0014", "PV20"]),  # ambiguous: municipality and province
        ("Bergen", 2023, []),
        ("Appingedam", 2020, ["GM0003"]),
        ("Appingedam", 2022, []),
        ("Súdwest-Fryslân", 2023, ["GM1900"]),
        ("Sudwest-Fryslan", 2023, ["GM1900"]),
    ],
)
def test_name_to_code_for_a_year(registry_store, name, year, codes):
    assert registry_store.codes_for_name(name, year) == codes


def test_parse_name_change_and_province_change():
    valid_from, valid_to, events = parse_description(
        "GM1679",
        "Opgeheven per 01-01-2007, overgegaan naar:\r\n- Roerdalen (GM1669),\r\n... 4410 hectare met 4430 woningen en 10909 inwoners\r\n\r\n"
        "Naamswijziging per 01-02-1994,\r\noude naam: Posterholt (GM0956)\r\nBegindatum 01-02-1994\r\n",
    )
    assert (valid_from, valid_to) == (dt.date(1994, 2, 1), dt.date(2007, 1, 1))
    assert [(e.kind, e.direction, e.other_code, e.residents) for e in events] == [
        ("dissolved", "out", "GM1669", 10909),
        ("name_change", "in", "GM0956", None),
    ]


def test_every_municipality_code_parsed_and_event_kinds_known(cbs_dir):
    regions = read_regions_file(cbs_dir / "03759ned" / "codes-RegioS.json")
    municipalities = [r for r in regions if r.kind == "municipality"]
    assert len(municipalities) == 834  # 835 GM codes, of which GM0997 (the old CPR) is no municipality
    kinds = {e.kind for r in regions for e in r.events}
    assert kinds == {"created", "dissolved", "merged", "boundary_change", "name_change", "province_change"}
    dissolved = [r for r in municipalities if r.valid_to]
    # Every dissolved municipality either names where it went or changed its name.
    assert all(any(e.other_code for e in r.events if e.kind in ("dissolved", "name_change")) for r in dissolved)
