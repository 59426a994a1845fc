"""A municipality's own files (CSV, XLSX, Parquet; long and wide), checked against real CBS numbers.

The fixtures under fixtures/own/ are written by fixtures/make_fixtures.py from 03759ned; the XLSX
and Parquet files are written here from the same numbers. Expected values are looked up in the
recorded CBS responses.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pydantic
import pytest

from koers.access import LOCAL
from koers.indicators.catalogue import generated_indicator_id
from koers.errors import FileProblem
from koers.sources import own_file
from koers.sources.own_file import FileMapping
from koers.store import Store

from cbs_reference import (  # noqa: F401 - fixtures
    average_population, observation, population, registry_db, store,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "own"
LONG_NL = FIXTURES / "kpi_lang_nl.csv"
LONG_EN = FIXTURES / "kpi_long_en.csv"
PROBLEMS = FIXTURES / "kpi_problems.csv"
WIDE = FIXTURES / "kpi_breed.csv"


def isna(value: object) -> bool:
    return value is None or value != value


# --- long CSV -------------------------------------------------------------------------------------


def test_long_csv_with_dutch_numbers(store: Store) -> None:
    batch = own_file.load(LONG_NL)
    assert batch.kind == "file" and batch.source_table == "eigen_kpi_lang_nl"
    result = store.commit_import(batch, actor=LOCAL)
    assert result.rows_rejected == 0 and result.rows_read == 61
    source = "eigen_kpi_lang_nl"
    average_id = generated_indicator_id(source, "Gemiddelde bevolking")
    # "population" is a catalogue id; "Gemiddelde bevolking" is new and gets a generated id.
    assert {d.id for d, *_ in batch.indicators} == {"population", average_id}
    # Regions written "GM0363", "0003", "14", "'s-Gravenhage" and "Bergen (NH.)".
    for region in ("GM0363", "GM0003", "GM0014", "GM0518", "GM0373"):
        for year in (2019, 2020):
            assert observation(store, "population", region, str(year), source)["value"] == population(region, year)
            assert observation(store, average_id, region, str(year), source)["value"] == average_population(region, year)
    # "872.757" is 872757 and "17.533.043,5" is 17533043.5.
    assert observation(store, "population", "GM0363", "2020", source)["value"] == 872757
    assert observation(store, average_id, "NL01", "2021", source)["value"] == average_population("NL01", 2021) == 17533043.5
    # Appingedam's empty cells after its dissolution: impossible, not zero.
    appingedam = observation(store, "population", "GM0003", "2022", source)
    assert appingedam["status"] == "impossible" and isna(appingedam["value"])


def test_long_csv_with_english_numbers(store: Store) -> None:
    batch = own_file.load(LONG_EN)
    store.commit_import(batch, actor=LOCAL)
    source = "eigen_kpi_long_en"
    # "17,533,043.5" (quoted, comma-separated file) is 17533043.5; indicator_id column, catalogue id.
    assert observation(store, "average_population", "NL01", "2021", source)["value"] == 17533043.5
    assert observation(store, "average_population", "GM0363", "2023", source)["value"] == average_population("GM0363", 2023)
    assert observation(store, "average_population", "GM0363", "2024", source)["status"] == "provisional"  # "2024*"
    assert observation(store, "average_population", "GM0363", "2023", source)["status"] == "definitive"
    eemsdelta = observation(store, "average_population", "GM1979", "2019", source)  # created in 2021
    assert eemsdelta["status"] == "impossible" and isna(eemsdelta["value"])


@pytest.mark.parametrize(
    ("delimiter", "cell", "expected"),
    [(";", "1.234,5", 1234.5), (",", '"1,234.5"', 1234.5), (";", "1234,5", 1234.5), (",", "1234.5", 1234.5),
     (";", "-3,25", -3.25), (";", "1.234.567", 1234567.0), (",", '"1,234,567"', 1234567.0), ("\t", "0.5", 0.5)],
)
def test_number_formats(tmp_path: Path, delimiter: str, cell: str, expected: float) -> None:
    path = tmp_path / "getallen.csv"
    path.write_text(delimiter.join(["indicator", "gemeente", "jaar", "waarde"]) + "\n" +
                    delimiter.join(["x", "GM0363", "2020", cell]) + "\n", encoding="utf-8")
    assert own_file.load(path).observations.column("value").to_pylist() == [expected]


def test_mixed_number_formats_are_refused_unless_told(tmp_path: Path) -> None:
    path = tmp_path / "gemengd.csv"
    path.write_text("indicator;gemeente;jaar;waarde\nx;GM0363;2020;1.234,5\nx;GM0363;2021;1,234.5\n", encoding="utf-8")
    with pytest.raises(FileProblem) as raised:
        own_file.load(path)
    assert "line 2" in raised.value.en and "line 3" in raised.value.en and "\n" not in str(raised.value)
    # Told it is Dutch, the English cell is a rejected row, never read as 1.2345.
    batch = own_file.load(path, FileMapping(decimal="comma"))
    assert batch.observations.column("value").to_pylist() == [1234.5]
    assert batch.rejected.column("record").to_pylist() == [3]


def test_faulty_rows_are_rejected_with_line_and_field(store: Store) -> None:
    batch = own_file.load(PROBLEMS)
    assert batch.rows_read == 6  # the blank line is no row
    result = store.commit_import(batch, actor=LOCAL)
    rejected = store.rejected(result.import_id).set_index("record")
    assert rejected.index.tolist() == [3, 4, 5, 7]
    assert rejected.loc[3, "field"] == "waarde" and rejected.loc[3, "reason_en"] == 'value "87e.338x" in column waarde is not a number'
    assert rejected.loc[3, "raw"] == "population;GM0363;2021;87e.338x"
    assert rejected.loc[4, "field"] == "indicator" and "indicator missing" in rejected.loc[4, "reason_en"]
    assert rejected.loc[5, "field"] == "jaar" and '"ergens in 2023"' in rejected.loc[5, "reason_en"]
    assert rejected.loc[7, "reason_en"] == "5 fields instead of 4"  # after the blank line 6
    assert rejected.loc[7, "raw"] == "population;GM0363;2024;931.298;extra"
    # The good rows loaded, the line after the blank one under its own line number.
    source = "eigen_kpi_problems"
    assert observation(store, "population", "GM0363", "2020", source)["value"] == population("GM0363", 2020)
    assert observation(store, "population", "GM0457", "2021", source)["value"] == population("GM0457", 2021)
    records = dict(zip(batch.observations.column("region_text").to_pylist(), batch.observations.column("record").to_pylist()))
    assert records["GM0457"] == 8


def test_region_names_are_resolved_or_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "namen.csv"
    lines = ["indicator;gemeente;jaar;waarde",
             f"population;Groningen (gemeente);2020;{int(population('GM0014', 2020))}",
             f"population;Groningen;2020;{int(population('GM0014', 2020))}",
             f"population;Bergen;2020;{int(population('GM0373', 2020))}",
             f"population;Bergen (L.);2020;{int(population('GM0893', 2020))}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = store.commit_import(own_file.load(path), actor=LOCAL)
    assert observation(store, "population", "GM0014", "2020", "eigen_namen")["value"] == population("GM0014", 2020)
    assert observation(store, "population", "GM0893", "2020", "eigen_namen")["value"] == population("GM0893", 2020)
    rejected = store.rejected(result.import_id).set_index("record")
    assert "GM0014, PV20" in rejected.loc[3, "reason_en"] and "ambiguous" in rejected.loc[3, "reason_en"]
    assert rejected.loc[4, "reason_en"] == 'unknown region "Bergen"'


def test_status_column(tmp_path: Path) -> None:
    path = tmp_path / "status.csv"
    path.write_text("indicator;gemeente;jaar;waarde;status\n"
                    "x;GM0363;2020;1;definitief\nx;GM0363;2021;2;voorlopig\nx;GM0003;2022;;onmogelijk\n"
                    "x;GM0363;2022;3;geraden\n", encoding="utf-8")
    batch = own_file.load(path)
    assert batch.observations.column("status").to_pylist() == ["definitive", "provisional", "impossible"]
    assert batch.rejected.column("field").to_pylist() == ["status"]
    assert batch.rejected.column("record").to_pylist() == [5]


# --- importing again ------------------------------------------------------------------------------


def test_same_file_again_changes_nothing(store: Store) -> None:
    store.commit_import(own_file.load(LONG_NL), actor=LOCAL)
    again = store.commit_import(own_file.load(LONG_NL), actor=LOCAL)
    assert again.rows_new == 0 and again.rows_revised == 0 and again.status == "unchanged"


def test_changed_value_is_a_revision(store: Store, tmp_path: Path) -> None:
    copy = tmp_path / LONG_NL.name
    shutil.copy(LONG_NL, copy)
    first = store.commit_import(own_file.load(copy), actor=LOCAL)
    old = population("GM0363", 2024)
    old_text = f"population;GM0363;2024;{int(old):,}".replace(",", ".")
    assert old_text in copy.read_text()
    # A corrected figure, delivered again under the same file name.
    copy.write_text(copy.read_text().replace(old_text, "population;GM0363;2024;931.300"), encoding="utf-8")
    second = store.commit_import(own_file.load(copy), actor=LOCAL)
    assert second.rows_revised == 1 and second.rows_new == 0
    history = store.revisions("population", "GM0363", "2024")
    assert history["value"].tolist() == [old]
    assert history["import_id"].tolist() == [first.import_id]
    assert history["superseded_by"].tolist() == [second.import_id]
    assert observation(store, "population", "GM0363", "2024", "eigen_kpi_lang_nl")["value"] == 931300


# --- wide, XLSX, Parquet --------------------------------------------------------------------------


def test_wide_csv(store: Store) -> None:
    batch = own_file.load(WIDE)
    source = "eigen_kpi_breed"
    average_id = generated_indicator_id(source, "Gemiddelde bevolking")
    # "gemeentenaam" describes the row; the indicators are the two value columns.
    assert {d.id for d, *_ in batch.indicators} == {"population", average_id}
    store.commit_import(batch, actor=LOCAL)
    for region in ("GM0003", "GM0010", "GM1979", "GM0457", "GM0363"):
        for year in range(2019, 2025):
            row = observation(store, "population", region, str(year), source)
            expected = population(region, year)
            if expected is None:
                assert row["status"] == "impossible" and isna(row["value"])
            else:
                assert row["value"] == expected
    assert observation(store, average_id, "GM0457", "2022", source)["value"] == average_population("GM0457", 2022)


def test_xlsx_long_on_a_named_sheet(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "monitor.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Toelichting"
    workbook.active["A1"] = "Bron: CBS, tabel 03759ned"
    sheet = workbook.create_sheet("Gegevens")
    sheet.append(["KPI", "Gemeente", "Jaar", "Waarde"])
    expected = {}
    for code in ("GM0363", "GM0014", "GM0457"):
        for year in range(2019, 2023):
            value = average_population(code, year)
            # Regions as Excel numbers (363), years as numbers, values as Excel numbers with .5
            sheet.append(["average_population", int(code[2:]), year, value])
            expected[code, str(year)] = value
    sheet.append(["average_population", "NL01", 2021, "17.533.043,5"])  # a number typed as Dutch text
    sheet.append(["average_population", "GM0363", 2023, "n.b."])  # FAULT: not a number
    workbook.save(path)

    batch = own_file.load(path, FileMapping(sheet="Gegevens", source="monitor"))
    result = store.commit_import(batch, actor=LOCAL)
    for (code, year), value in expected.items():
        assert observation(store, "average_population", code, year, "monitor")["value"] == value
    assert observation(store, "average_population", "NL01", "2021", "monitor")["value"] == 17533043.5
    rejected = store.rejected(result.import_id)
    assert rejected["record"].tolist() == [15]  # the Excel row number
    assert rejected["field"].tolist() == ["Waarde"]


def test_xlsx_problems(tmp_path: Path) -> None:
    path = tmp_path / "leeg.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(FileProblem, match="empty|leeg"):
        own_file.load(path)
    workbook = openpyxl.Workbook()
    workbook.active.append(["indicator", "gemeente", "jaar", "waarde"])
    workbook.save(path)
    with pytest.raises(FileProblem) as raised:
        own_file.load(path, FileMapping(sheet="Blad9"))
    assert "Blad9" in raised.value.en and path.name in str(raised.value)


def test_parquet_wide(store: Store, tmp_path: Path) -> None:
    codes = ["GM0363", "GM0457", "GM1979"]
    years = list(range(2019, 2025))
    table = pa.table({
        "regio": pa.array([c for c in codes for _ in years]),
        "jaar": pa.array([y for _ in codes for y in years], pa.int64()),
        "population": pa.array([population(c, y) for c in codes for y in years], pa.float64()),
        "average_population": pa.array([average_population(c, y) for c in codes for y in years], pa.float64()),
    })
    path = tmp_path / "kerncijfers.parquet"
    pq.write_table(table, path)
    batch = own_file.load(path)
    assert batch.source_table == "eigen_kerncijfers"
    store.commit_import(batch, actor=LOCAL)
    for code in codes:
        for year in years:
            for indicator, expected in (("population", population(code, year)),
                                        ("average_population", average_population(code, year))):
                row = observation(store, indicator, code, str(year), "eigen_kerncijfers")
                if expected is None:
                    assert row["status"] == "impossible" and isna(row["value"])
                else:
                    assert row["value"] == expected


def test_explicit_mapping_and_unit(tmp_path: Path) -> None:
    path = tmp_path / "Monitor Sociaal Domein 2024.csv"
    path.write_text("Kengetal|Gem|Peiljaar|Uitkomst\nJongeren met jeugdhulp|GM0363|2024|12.345\n", encoding="utf-8")
    mapping = FileMapping(source="Monitor sociaal domein", indicator_column="Kengetal", region_column="gem",
                          period_column="Peiljaar", value_column="Uitkomst", delimiter="|", decimal="comma", unit="aantal")
    batch = own_file.load(path, mapping)
    assert batch.source_table == "monitor_sociaal_domein"
    (definition, measure, title, unit), = batch.indicators
    assert definition.id == generated_indicator_id("monitor_sociaal_domein", "Jongeren met jeugdhulp")
    assert definition.title_nl == measure == "Jongeren met jeugdhulp"
    assert definition.additive and unit == "aantal"
    assert batch.observations.column("value").to_pylist() == [12345.0]
    # The default source: the file name, slugged, after "eigen_".
    assert FileMapping().source_for(path) == "eigen_monitor_sociaal_domein_2024"


def test_mapping_refuses_a_cbs_source_name_and_typos() -> None:
    with pytest.raises(pydantic.ValidationError):
        FileMapping(source="03759ned")
    with pytest.raises(pydantic.ValidationError):
        FileMapping(region_colum="gemeente")


# --- files that cannot be read --------------------------------------------------------------------


def _write(text: str, encoding: str = "utf-8"):
    return lambda path: path.write_bytes(text.encode(encoding))


UNREADABLE = {
    "latin1.csv": (_write("indicator;gemeente;jaar;waarde\nx;GM0363;2020;1\nx;Súdwest-Fryslân;2020;2\n", "latin-1"),
                   "not UTF-8 (line 3"),
    "latin1_body.csv": (_write("indicator;gemeente;jaar;waarde\n" + "x;GM0363;2020;1\n" * 3 + "x;Fryslân;2020;2\n", "cp1252"),
                        "not UTF-8 (line 5"),
    "latin1_header.csv": (_write("indicator;gemeente;jaar;waarde;opmerking één\nx;GM0363;2020;1;\n", "latin-1"),
                          "not UTF-8 (line 1"),
    "latin1_value.csv": (_write("indicator;gemeente;jaar;waarde\nx;GM0363;2020;1\nx;GM0363;2021;1²\n", "latin-1"),
                         "not UTF-8 (line 3"),
    "empty.csv": (_write(""), "is empty"),
    "blank.csv": (_write("\n\n  \n"), "is empty"),
    "header_only.csv": (_write("indicator;gemeente;jaar;waarde\n"), "no data rows"),
    "text.csv": (_write("Dit is een brief aan de raad.\nMet vriendelijke groet.\n"), "not a table"),
    "missing.csv": (_write("indicator;gemeente;waarde\nx;GM0363;1\n"), "missing column: period"),
    "wide_nothing.csv": (_write("gemeente;jaar\nGM0363;2020\n"), "no indicator columns"),
    "utf16.csv": (_write("indicator;gemeente;jaar;waarde\n", "utf-16"), "UTF-16"),
    "excel.csv": (lambda path: openpyxl.Workbook().save(path), "Excel"),
    "oud.xls": (_write("whatever"), ".xls"),
    "figures.json": (_write("{}"), "not supported"),
    "kapot.xlsx": (_write("indicator;gemeente;jaar;waarde\n"), "not a valid XLSX"),
    "kapot.parquet": (_write("indicator;gemeente;jaar;waarde\n"), "not a valid Parquet"),
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_files_raise_one_line(name: str, tmp_path: Path, store: Store) -> None:
    write, expected = UNREADABLE[name]
    path = tmp_path / name
    write(path)
    before = store.counts()
    with pytest.raises(FileProblem) as raised:
        store.commit_import(own_file.load(path), actor=LOCAL)
    error = raised.value
    for message in (error.en, error.nl, str(error)):
        assert "\n" not in message and name in message
    assert expected in error.en
    assert store.counts() == before


def test_missing_columns_name_what_was_found(tmp_path: Path) -> None:
    path = tmp_path / "kolommen.csv"
    path.write_text("kpi;jaartal;aantal\nx;2020;1\n", encoding="utf-8")
    with pytest.raises(FileProblem) as raised:
        own_file.load(path, FileMapping(layout="long"))
    assert "region" in raised.value.en and "kpi, jaartal, aantal" in raised.value.en
    with pytest.raises(FileProblem) as raised:
        own_file.load(path, FileMapping(period_column="Peildatum"))
    assert '"Peildatum" (period) not found' in raised.value.en


def test_failing_commit_leaves_the_database_unchanged(store: Store) -> None:
    batch = own_file.load(LONG_NL)
    before = store.counts()
    ids = batch.observations.column("indicator_id").to_pylist()
    ids[0] = None  # a broken batch fails inside the transaction
    batch.observations = batch.observations.set_column(1, "indicator_id", pa.array(ids, pa.string()))
    with pytest.raises(Exception):
        store.commit_import(batch, actor=LOCAL)
    assert store.counts() == before
