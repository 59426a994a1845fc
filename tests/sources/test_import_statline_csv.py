"""StatLine CSV downloads, checked against the real CBS numbers of 03759ned.

The fixtures under fixtures/statline/ are written by fixtures/make_fixtures.py from those numbers,
so every expected value here is looked up in the recorded CBS responses, not typed in.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from koers.access import LOCAL
from koers.indicators.catalogue import generated_indicator_id
from koers.errors import FileProblem
from koers.sources import statline_csv
from koers.store import Store

from cbs_reference import (  # noqa: F401 - fixtures
    average_population, cbs_03759ned, observation, population, registry_db, store,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "statline"
MAIN = FIXTURES / "70072ned_bevolking_2019_2024.csv"
PROBLEMS = FIXTURES / "70072ned_bevolking_problemen.csv"
BY_SEX = FIXTURES / "Bevolking_geslacht_regio_2020.csv"
REGIONS = ("NL01", "GM0014", "GM0003", "GM0010", "GM1979", "GM0363", "GM0457", "GM0373", "GM0893", "GM0518")
POPULATION_COLUMN = "Bevolking/Bevolkingssamenstelling op 1 januari/Totale bevolking (aantal)"


# --- the download as CBS serves it ----------------------------------------------------------------


def test_values_equal_the_population_register(store: Store) -> None:
    batch = statline_csv.load(MAIN)
    assert batch.source_table == "70072ned"
    assert batch.kind == "statline-csv"
    assert batch.rows_read == 60  # 10 regions x 6 years
    result = store.commit_import(batch, actor=LOCAL)
    assert result.rows_rejected == 0 and result.rows_new == 120

    assert observation(store, "population", "GM0363", "2020", "70072ned")["value"] == population("GM0363", 2020)
    compared = 0
    for region in REGIONS:
        for year in range(2019, 2025):
            for indicator, expected in (("population", population(region, year)),
                                        ("average_population", average_population(region, year))):
                if expected is not None:
                    assert observation(store, indicator, region, str(year), "70072ned")["value"] == expected
                    compared += 1
    assert compared > 90
    # A decimal comma in StatLine's padded cells: "17533043,5".
    assert observation(store, "average_population", "NL01", "2021", "70072ned")["value"] == 17533043.5


def test_qualified_names_resolve_to_their_codes(store: Store) -> None:
    store.commit_import(statline_csv.load(MAIN), actor=LOCAL)
    for region in ("GM0014", "GM0518", "GM0373", "GM0893", "NL01"):  # Groningen (gemeente), 's-Gravenhage ..., Bergen (NH.), Bergen (L.)
        assert observation(store, "population", region, "2022", "70072ned")["value"] == population(region, 2022)


def test_empty_cells_of_dissolved_municipalities_are_impossible_not_zero(store: Store) -> None:
    store.commit_import(statline_csv.load(MAIN), actor=LOCAL)
    for region, year in (("GM0003", 2022), ("GM0010", 2021), ("GM1979", 2019), ("GM0457", 2023)):
        row = observation(store, "population", region, str(year), "70072ned")
        assert row["status"] == "impossible"
        assert pd_isna(row["value"])
    # Weesp merged into Amsterdam on 24-03-2022: it did exist in 2022, and has a figure.
    assert observation(store, "population", "GM0457", "2022", "70072ned")["value"] == population("GM0457", 2022)
    assert observation(store, "average_population", "GM0457", "2022", "70072ned")["value"] == average_population("GM0457", 2022)


def test_starred_periods_are_provisional(store: Store) -> None:
    store.commit_import(statline_csv.load(MAIN), actor=LOCAL)
    assert observation(store, "population", "GM0363", "2024", "70072ned")["status"] == "provisional"  # "2024*"
    assert observation(store, "population", "GM0363", "2023", "70072ned")["status"] == "provisional"  # "2023**"
    assert observation(store, "population", "GM0363", "2022", "70072ned")["status"] == "definitive"


def test_measures_map_to_the_catalogue(store: Store) -> None:
    batch = statline_csv.load(MAIN)
    keys = {measure: definition.id for definition, measure, _, _ in batch.indicators}
    assert keys == {"Totale bevolking (aantal)": "population", "Gemiddelde bevolking (aantal)": "average_population"}
    store.commit_import(batch, actor=LOCAL)
    sources = store.indicators().set_index("id")["sources"].to_dict()
    assert "70072ned:Totale bevolking (aantal) (2)" in sources["population"]
    # The population register itself (precedence 1) stays the value shown.
    shown = store.observations("population", "GM0363", "2020")
    assert shown["source"].tolist() == ["03759ned"]


# --- faults in a file -----------------------------------------------------------------------------


def test_faulty_lines_are_rejected_and_the_rest_loads(store: Store) -> None:
    batch = statline_csv.load(PROBLEMS)
    assert batch.rows_read == 8
    result = store.commit_import(batch, actor=LOCAL)
    rejected = store.rejected(result.import_id)
    by_line = {line: group for line, group in rejected.groupby("record")}

    # Line 3: "Groningen" is the municipality and the province.
    assert set(by_line[3]["field"]) == {"region"}
    assert all("GM0014, PV20" in reason for reason in by_line[3]["reason_en"])
    assert all("dubbelzinnig" in reason for reason in by_line[3]["reason_nl"])
    # Line 4: "Bergen" needs its qualifier.
    assert all(reason == 'unknown region "Bergen"' for reason in by_line[4]["reason_en"])
    # Line 5: the population is no number, the average on the same line is.
    assert by_line[5]["field"].tolist() == [POPULATION_COLUMN]
    assert by_line[5]["reason_en"].tolist() == ['value "87O338" is not a number']
    assert by_line[5]["raw"].tolist() == ['"Amsterdam";"2021";"    87O338";"  877985,5"']
    assert observation(store, "average_population", "GM0363", "2021", "70072ned")["value"] == average_population("GM0363", 2021)
    # Line 6: no period; line 8: cut short.
    assert by_line[6]["field"].tolist() == ["Perioden"] and "2O22" in by_line[6]["reason_en"].iloc[0]
    assert by_line[8]["reason_en"].tolist() == ["2 fields instead of 4"]
    assert set(by_line) == {3, 4, 5, 6, 8}

    # The good lines loaded; "x" and "." are missing values, not zero.
    assert observation(store, "population", "GM0363", "2020", "70072ned")["value"] == population("GM0363", 2020)
    assert observation(store, "population", "GM0518", "2020", "70072ned")["value"] == population("GM0518", 2020)
    weesp = observation(store, "population", "GM0457", "2022", "70072ned")
    assert weesp["status"] == "missing" and pd_isna(weesp["value"])


def test_cbs_nil_symbol_is_zero(tmp_path: Path) -> None:
    # "-" is CBS's nil ("niets"); "?" (unreliable) is missing. Format only, no store needed.
    path = tmp_path / "70072ned_symbolen.csv"
    path.write_bytes(b'\xef\xbb\xbf"Regio\'s";"Perioden";"' + POPULATION_COLUMN.encode() +
                     b'"\r\n"Amsterdam";"2020";"         -"\r\n"Amsterdam";"2021";"         ?"\r\n')
    values = statline_csv.load(path).observations.column("value").to_pylist()
    assert values == [0.0, None]


def test_dimension_with_several_values_splits_the_measure(store: Store) -> None:
    batch = statline_csv.load(BY_SEX)
    assert batch.source_table == "statline"  # no table id in the file name
    ids = {measure: definition.id for definition, measure, _, _ in batch.indicators}
    # "Geslacht" splits the measure; "Leeftijd" holds one value only and is ignored.
    assert ids == {
        "Totale bevolking (aantal)|Geslacht=Mannen": "statline_totale_bevolking_aantal_geslacht_mannen",
        "Totale bevolking (aantal)|Geslacht=Totaal mannen en vrouwen": "statline_totale_bevolking_aantal_geslacht_totaal_mannen_en_vrouwen",
        "Totale bevolking (aantal)|Geslacht=Vrouwen": "statline_totale_bevolking_aantal_geslacht_vrouwen",
    }
    titles = {definition.title_nl for definition, _, _, _ in batch.indicators}
    assert "Totale bevolking; Mannen" in titles
    assert all(definition.additive and definition.unit == "aantal" for definition, _, _, _ in batch.indicators)
    store.commit_import(batch, actor=LOCAL)
    for region in ("NL01", "GM0363", "GM0003", "GM0518"):
        total = observation(store, ids["Totale bevolking (aantal)|Geslacht=Totaal mannen en vrouwen"], region, "2020", "statline")
        men = observation(store, ids["Totale bevolking (aantal)|Geslacht=Mannen"], region, "2020", "statline")
        women = observation(store, ids["Totale bevolking (aantal)|Geslacht=Vrouwen"], region, "2020", "statline")
        assert total["value"] == population(region, 2020) == men["value"] + women["value"]


def test_text_topics_are_no_measures_and_the_code_column_names_the_region(store: Store, tmp_path: Path) -> None:
    # 70072ned downloads can carry "Regioaanduiding" text topics; the code settles a bare name.
    path = tmp_path / "70072ned_regioaanduiding.csv"
    lines = [f'"Regio\'s";"Perioden";"Regioaanduiding/Gemeentenaam (naam)";"Regioaanduiding/Codering (code)";"{POPULATION_COLUMN}"',
             f'"Groningen";"2020";"Groningen                                ";"GM0014    ";"{int(population("GM0014", 2020)):>10}"',
             f'"Amsterdam";"2020";"Amsterdam                                ";"GM0363    ";"{int(population("GM0363", 2020)):>10}"']
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    batch = statline_csv.load(path)
    assert [d.id for d, *_ in batch.indicators] == ["population"]
    result = store.commit_import(batch, actor=LOCAL)
    assert result.rows_rejected == 0
    assert observation(store, "population", "GM0014", "2020", "70072ned")["value"] == population("GM0014", 2020)


def test_table_argument_names_the_source() -> None:
    batch = statline_csv.load(BY_SEX, table="03759ned")
    assert batch.source_table == "03759ned"
    assert generated_indicator_id("03759ned", "Totale bevolking (aantal)|Geslacht=Mannen") in {d.id for d, *_ in batch.indicators}


# --- importing again ------------------------------------------------------------------------------


def test_same_file_again_changes_nothing(store: Store) -> None:
    store.commit_import(statline_csv.load(MAIN), actor=LOCAL)
    before = store.counts()
    again = store.commit_import(statline_csv.load(MAIN), actor=LOCAL)
    assert again.rows_new == 0 and again.rows_revised == 0 and again.status == "unchanged"
    assert {k: v for k, v in store.counts().items() if k != "import_log"} == \
        {k: v for k, v in before.items() if k != "import_log"}


def test_changed_figures_are_revisions(store: Store, tmp_path: Path) -> None:
    first = store.commit_import(statline_csv.load(MAIN), actor=LOCAL)
    old = population("GM0363", 2023)
    text = MAIN.read_bytes().decode("utf-8-sig")
    # CBS finalises 2024 (same number, no star) and corrects Amsterdam's 2023 figure.
    corrected = text.replace('"2024*"', '"2024"').replace(f'"2023**";"{int(old):>10}"', f'"2023";"{int(old) + 120:>10}"')
    assert corrected.count(f'"{int(old) + 120:>10}"') == 1
    changed = tmp_path / MAIN.name
    changed.write_bytes(b"\xef\xbb\xbf" + corrected.encode("utf-8"))
    second = store.commit_import(statline_csv.load(changed), actor=LOCAL)
    # Revised: every 2024 figure (now definitive; empty cells stay impossible), and both figures
    # on Amsterdam's 2023 line (no longer provisional, one of them corrected).
    figures_2024 = sum(value is not None for (region, measure, year), value in cbs_03759ned().items()
                       if year == "2024" and region in REGIONS)
    assert second.rows_revised == figures_2024 + 2
    assert second.rows_new == 0
    history = store.revisions("population", "GM0363", "2023")
    history = history[history["source"] == "70072ned"]
    assert history["value"].tolist() == [old]
    assert history["status"].tolist() == ["provisional"]
    assert history["import_id"].tolist() == [first.import_id]
    assert observation(store, "population", "GM0363", "2023", "70072ned")["value"] == old + 120
    assert observation(store, "population", "GM0363", "2024", "70072ned")["status"] == "definitive"


# --- files that cannot be read --------------------------------------------------------------------


def _latin1(path: Path) -> None:
    path.write_bytes(f'"Regio\'s";"Perioden";"{POPULATION_COLUMN}"\r\n"Amsterdam";"2020";"872757"\r\n'
                     '"Fryslân";"2020";"649957"\r\n'.encode("latin-1"))


UNREADABLE = {
    "not_utf8": (_latin1, "line 3"),
    "empty": (lambda p: p.write_bytes(b""), "empty"),
    "only_bom": (lambda p: p.write_bytes(b"\xef\xbb\xbf\r\n"), "empty"),
    "comma_separated": (lambda p: p.write_text(f"Regio's,Perioden,{POPULATION_COLUMN}\nAmsterdam,2020,872757\n"), "semicolons"),
    "no_periods": (lambda p: p.write_text(f'"Regio\'s";"Jaartal";"{POPULATION_COLUMN}"\n"Amsterdam";"2020";"1"\n'), "missing column Perioden"),
    "no_regions": (lambda p: p.write_text(f'"Perioden";"{POPULATION_COLUMN}"\n"2020";"1"\n'), "missing column Regio's"),
    "no_measures": (lambda p: p.write_text('"Regio\'s";"Perioden";"Geslacht"\n"Amsterdam";"2020";"Mannen"\n'), "no measure columns"),
    "header_only": (lambda p: p.write_text(f'"Regio\'s";"Perioden";"{POPULATION_COLUMN}"\r\n'), "no data rows"),
    "utf16": (lambda p: p.write_bytes('"Regio\'s";"Perioden"\r\n'.encode("utf-16")), "UTF-16"),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable_files_raise_one_line(case: str, tmp_path: Path, store: Store) -> None:
    write, expected = UNREADABLE[case]
    path = tmp_path / f"70072ned_{case}.csv"
    write(path)
    before = store.counts()
    with pytest.raises(FileProblem) as raised:
        store.commit_import(statline_csv.load(path), actor=LOCAL)
    error = raised.value
    for message in (error.en, error.nl, str(error)):
        assert "\n" not in message and path.name in message
    assert expected in error.en
    assert store.counts() == before


def test_missing_file_and_folder(tmp_path: Path) -> None:
    for path in (tmp_path / "70072ned_weg.csv", tmp_path):
        with pytest.raises(FileProblem) as raised:
            statline_csv.load(path)
        assert str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_failing_commit_leaves_the_database_unchanged(store: Store) -> None:
    batch = statline_csv.load(MAIN)
    before = store.counts()
    # A broken batch (no indicator for one row) fails inside the transaction: nothing may remain.
    ids = batch.observations.column("indicator_id").to_pylist()
    ids[-1] = None
    batch.observations = batch.observations.set_column(1, "indicator_id", pa.array(ids, pa.string()))
    with pytest.raises(Exception):
        store.commit_import(batch, actor=LOCAL)
    assert store.counts() == before


def pd_isna(value: object) -> bool:
    return value is None or value != value
