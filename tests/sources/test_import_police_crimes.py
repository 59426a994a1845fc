"""The police's registered crimes (47013NED) as StatLine CSV downloads with title lines: the
municipalities by name on the 2026 division, the police units "(RE)" mixed in."""

from __future__ import annotations

from pathlib import Path

import pytest

from koers.access import LOCAL
from koers.errors import FileProblem
from koers.sources import statline_csv

POLICE = Path(__file__).resolve().parents[2] / "data" / "politie" / "47013NED"
FILE_2024 = POLICE / "Misdrijven_2024.csv"
FILE_2022_2023 = POLICE / "misdrijven_2022_2023.csv"


def crimes(store, region: str, period: str) -> float:
    obs = store.observations(indicator="crimes_total", region=region, period=period, all_sources=True)
    return obs[obs["source"] == "47013NED"]["value"].iloc[0]


def test_title_lines_give_title_measure_period_and_unit():
    batch = statline_csv.load(FILE_2024, "47013NED")
    assert batch.source_title == "Geregistreerde misdrijven en aangiften; soort misdrijf, gemeente 2026"
    assert batch.source_table == "47013NED"
    # 342 municipalities, Nederland, 11 police units, "Buitenland", "Gemeenten; niet in te delen".
    assert batch.rows_read == 356
    [(definition, measure, title, unit)] = batch.indicators
    assert (definition.id, unit) == ("crimes_total", "aantal")
    assert measure == "Geregistreerde misdrijven (aantal)|Soort misdrijf=Totaal misdrijven"
    assert title == "Geregistreerde misdrijven; Totaal misdrijven"
    assert set(batch.observations.column("period").to_pylist()) == {"2024"}


def test_police_units_are_rejected_with_their_reason():
    batch = statline_csv.load(FILE_2024, "47013NED")
    rejected = batch.rejected.to_pylist()
    assert len(rejected) == 11 and all(r["raw"].split(";")[0].endswith('(RE)"') for r in rejected)
    first = rejected[0]
    assert first["record"] == 352 and first["field"] == "Regio's"
    assert first["reason_nl"] == '"Noord-Nederland (RE)" is een politie-eenheid, geen gemeente'
    assert first["reason_en"] == '"Noord-Nederland (RE)" is a police unit, not a municipality'


def test_names_resolve_on_the_registry(registry_store):
    result = registry_store.commit_import(statline_csv.load(FILE_2024, "47013NED"), actor=LOCAL)
    # 342 municipalities and Nederland; rejected: 11 police units, "Buitenland", "Gemeenten; niet in te delen".
    assert (result.rows_loaded, result.rows_rejected) == (343, 13)
    assert crimes(registry_store, "GM0363", "2024") == 82964  # "Amsterdam";"82964", line 23
    assert crimes(registry_store, "GM1680", "2024") == 582  # "Aa en Hunze";"582", line 8
    assert crimes(registry_store, "GM0518", "2024") == 38823  # "'s-Gravenhage (gemeente)";"38823"
    assert crimes(registry_store, "GM0373", "2024") == 839  # "Bergen (NH.)";"839"
    assert crimes(registry_store, "NL01", "2024") == 805559  # "Nederland";"805559"
    # "Bunnik" and "Buren" are names, not codes that start with BU (a neighbourhood's prefix).
    assert crimes(registry_store, "GM0312", "2024") > 0


def test_two_periods_in_one_download(registry_store):
    batch = statline_csv.load(FILE_2022_2023, "47013NED")
    assert set(batch.observations.column("period").to_pylist()) == {"2022", "2023"}
    result = registry_store.commit_import(batch, actor=LOCAL)
    assert result.rows_loaded == 685
    assert crimes(registry_store, "NL01", "2022") == 800027  # "Nederland";"800027";"805590"
    assert crimes(registry_store, "NL01", "2023") == 805590
    assert crimes(registry_store, "GM1680", "2023") == 664  # "Aa en Hunze";"657";"664"
    # Voorne aan Zee (2026 division) did not exist in 2022: the store says so.
    rejected = registry_store.rejected(result.import_id)
    voorne = rejected[rejected["raw"].str.startswith('"Voorne aan Zee"')]
    assert len(voorne) == 1 and "2022" in voorne["reason_en"].iloc[0]
    assert crimes(registry_store, "GM0363", "2022") == 76890  # "Amsterdam";"76890";"81783"


def test_broken_title_layout_is_one_line(tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text('"Titel"\n""\n"Onderwerp";"A";"A"\n"Perioden";"2024"\n"Regio\'s";"aantal";"aantal"\n"Nederland";"1";"2"\n',
                      encoding="utf-8")
    with pytest.raises(FileProblem) as error:
        statline_csv.load(broken, "47013NED")
    assert "broken.csv" in str(error.value) and "4" in str(error.value)
