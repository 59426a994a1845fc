"""Own files that try to hurt: blank keys, formulas without a value, numbers that are no figures,
periods that are no years, reserved and formula-like names. Every file here is real (CSV text,
XLSX written by openpyxl, Parquet by pyarrow) and goes into a real DuckDB store; each bad row
must end as a rejected row with its reason, each bad file as one line, and nothing else may change.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from koers.access import LOCAL
from koers.errors import FileProblem
from koers.sources import own_file
from koers.store import ImportResult, Store

from cbs_reference import observation, population, registry_db, store  # noqa: F401 - fixtures

HEADER = ["indicator", "gemeente", "jaar", "waarde"]


def _xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    workbook = openpyxl.Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def _commit(store: Store, path: Path, **mapping: str) -> tuple[ImportResult, dict[int, tuple[str, str, str]]]:
    """Import `path`; the result and the rejected rows: record -> (field, reason_nl, reason_en)."""
    result = store.commit_import(own_file.load(path, own_file.FileMapping(**mapping)), actor=LOCAL)
    rejected = store.rejected(result.import_id)
    reasons = {int(r.record): (r.field, r.reason_nl, r.reason_en) for r in rejected.itertuples()}
    assert len(reasons) == len(rejected)  # one rejected row per record here
    return result, reasons


def _accounted(result: ImportResult) -> None:
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    assert result.rows_loaded == result.rows_new + result.rows_revised + result.rows_unchanged


# --- 1. blank keys and formulas without a value ------------------------------------------------


@pytest.mark.parametrize(("blank", "field", "reason"), [
    (0, "indicator", "indicator missing in column indicator"),
    (1, "gemeente", "region missing in column gemeente"),
    (2, "jaar", "period missing in column jaar"),
])
def test_blank_key_cells_in_xlsx_are_rejected_rows(store: Store, tmp_path: Path, blank: int, field: str,
                                                   reason: str) -> None:
    good = ["population", "GM0363", 2020, population("GM0363", 2020)]
    bad = ["population", "GM0363", 2021, population("GM0363", 2021)]
    bad[blank] = None
    result, rejected = _commit(store, _xlsx(tmp_path / "blanco.xlsx", [good, bad]))
    assert rejected == {3: (field, rejected[3][1], reason)}
    assert rejected[3][1] and "ontbreekt" in rejected[3][1]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)
    assert observation(store, "population", "GM0363", "2020", "eigen_blanco")["value"] == population("GM0363", 2020)


def test_formula_cells_without_a_cached_value_are_rejected_rows(store: Store, tmp_path: Path) -> None:
    # openpyxl writes formulas without their result, as any program but Excel does: read with
    # cached values, such a cell is None.
    rows = [["population", "GM0363", 2019, population("GM0363", 2019)],
            ["population", "GM0363", 2020, "=SUM(1,2)"],            # the value
            ["=LOWER(\"POPULATION\")", "GM0363", 2021, 5],           # the indicator
            ["population", '=CONCAT("GM","0363")', 2022, 6],         # the region
            ["population", "GM0363", "=2020+3", 7]]                  # the period
    result, rejected = _commit(store, _xlsx(tmp_path / "formules.xlsx", rows))
    assert {record: field for record, (field, _, _) in rejected.items()} == {
        3: "waarde", 4: "indicator", 5: "gemeente", 6: "jaar"}
    for field, nl, en in rejected.values():
        assert en == f"cell in column {field} is a formula without a computed value; open the file in Excel, save it and import it again"
        assert "formule zonder berekende waarde" in nl
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 1, 4)
    # The formula's value is not stored as "missing": there is no 2020 observation at all.
    frame = store.observations("population", "GM0363", None, all_sources=True)
    assert frame[frame["source"] == "eigen_formules"]["period"].tolist() == ["2019"]


def test_a_formula_with_its_cached_value_is_read_as_that_value(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "berekend.xlsx", [["population", "GM0363", 2020, "=1+1"]])
    # Write the cached value as Excel would, next to the formula (<f>1+1</f><v>2</v>).
    import zipfile
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert b"<f>1+1</f><v></v>" in sheet or b"<f>1+1</f><v />" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>").replace(
        b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    batch = own_file.load(path)
    assert batch.observations.column("value").to_pylist() == [2.0] and batch.rejected.num_rows == 0


def test_blank_key_cells_in_parquet_are_rejected_rows(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "blanco.parquet"
    pq.write_table(pa.table({
        "indicator": ["population", None, "population", "population", "population"],
        "gemeente": ["GM0363", "GM0363", None, "GM0363", "  "],
        "jaar": pa.array([2020, 2021, 2022, None, 2023], pa.int64()),
        "waarde": pa.array([population("GM0363", y) for y in (2020, 2021, 2022, 2023, 2023)], pa.float64()),
    }), path)
    result, rejected = _commit(store, path)
    assert {record: (field, en) for record, (field, _, en) in rejected.items()} == {
        2: ("indicator", "indicator missing in column indicator"),
        3: ("gemeente", "region missing in column gemeente"),
        4: ("jaar", "period missing in column jaar"),
        5: ("gemeente", "region missing in column gemeente"),
    }
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 1, 4)
    _accounted(result)


def test_blank_key_in_a_wide_xlsx_rejects_each_value_of_the_row(store: Store, tmp_path: Path) -> None:
    rows = [["GM0363", 2020, population("GM0363", 2020), 1.5], [None, 2021, population("GM0363", 2021), 2.5]]
    path = _xlsx(tmp_path / "breed.xlsx", rows, header=["gemeente", "jaar", "population", "Tevredenheid"])
    batch = own_file.load(path)
    # Two rows of two values: the blank region's row holds two values, both rejected.
    assert batch.rows_read == 4 and batch.observations.num_rows == 2
    assert batch.rejected.column("record").to_pylist() == [3, 3]
    assert set(batch.rejected.column("reason_en").to_pylist()) == {"region missing in column gemeente"}
    result = store.commit_import(batch, actor=LOCAL)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 2, 2)


# --- 2. numbers that are no figures, periods that are no years --------------------------------


def test_infinite_and_nan_values_and_periods_outside_1900_2100_are_rejected_rows(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "vreemd.csv"
    path.write_text("indicator;gemeente;jaar;waarde\n"
                    "population;GM0363;2020;1e309\n"      # overflows to inf
                    "population;GM0363;2021;-1e309\n"
                    "population;GM0363;0000;5\n"
                    "population;GM0363;9999;5\n"
                    "population;GM0363;1899;5\n"
                    "population;GM0363;2101-Q1;5\n"
                    f"population;GM0363;2022;{int(population('GM0363', 2022))}\n", encoding="utf-8")
    result, rejected = _commit(store, path)
    assert {record: en for record, (_, _, en) in rejected.items()} == {
        2: 'value "1e309" in column waarde is not a finite number',
        3: 'value "-1e309" in column waarde is not a finite number',
        4: 'period "0000" in column jaar lies outside the years 1900–2100',
        5: 'period "9999" in column jaar lies outside the years 1900–2100',
        6: 'period "1899" in column jaar lies outside the years 1900–2100',
        7: 'period "2101-Q1" in column jaar lies outside the years 1900–2100',
    }
    assert rejected[2][1] == 'waarde "1e309" in kolom waarde is geen eindig getal'
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (7, 1, 6)
    stored = store.observations("population", "GM0363", None, all_sources=True)
    stored = stored[stored["source"] == "eigen_vreemd"]
    assert stored[["period", "value"]].values.tolist() == [["2022", population("GM0363", 2022)]]


def test_the_years_1900_and_2100_are_periods(tmp_path: Path) -> None:
    path = tmp_path / "randen.csv"
    path.write_text("indicator;gemeente;jaar;waarde\nx;GM0363;1900;1\nx;GM0363;2100-12;2\n", encoding="utf-8")
    batch = own_file.load(path)
    assert batch.observations.column("period").to_pylist() == ["1900", "2100-12"] and batch.rejected.num_rows == 0


def test_nan_and_inf_in_parquet_are_rejected_not_stored(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "nan.parquet"
    pq.write_table(pa.table({
        "indicator": ["population"] * 4, "gemeente": ["GM0363"] * 4,
        "jaar": pa.array([2019, 2020, 2021, 2022], pa.int64()),
        # a real NaN (not null), inf, -inf, and one figure; a null would be "missing", as it should
        "waarde": pa.array([float("nan"), float("inf"), float("-inf"), population("GM0363", 2022)], pa.float64()),
    }), path)
    result, rejected = _commit(store, path)
    assert {record: en for record, (_, _, en) in rejected.items()} == {
        1: 'value "nan" in column waarde is not a finite number',
        2: 'value "inf" in column waarde is not a finite number',
        3: 'value "-inf" in column waarde is not a finite number',
    }
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 1, 3)
    stored = store.observations("population", "GM0363", None, all_sources=True)
    assert stored[stored["source"] == "eigen_nan"]["period"].tolist() == ["2022"]


# --- 3. every row accounted for ------------------------------------------------------------------

# One long table with a row of each fate: (indicator, region, period, value) and where it ends.
MESSY = [
    (("population", "GM0363", "2020", 872757.0), "new"),
    (("population", "GM0363", "2020", 872757.0), "rejected"),     # duplicate key (store)
    (("population", "GM9999", "2020", 1.0), "rejected"),          # unknown region code (store)
    (("population", "Nergenshuizen", "2020", 1.0), "rejected"),   # unknown region name (store)
    (("population", "GM1979", "2019", 5.0), "rejected"),          # Eemsdelta did not exist yet (store)
    ((None, "GM0363", "2021", 1.0), "rejected"),                  # blank indicator
    (("population", None, "2021", 1.0), "rejected"),              # blank region
    (("population", "GM0363", None, 1.0), "rejected"),            # blank period
    (("population", "GM0363", "ergens", 1.0), "rejected"),        # not a period
    (("population", "GM0363", "9999", 1.0), "rejected"),          # period out of range
    (("population", "GM0363", "2022", "n.b."), "rejected"),       # not a number
    (("population", "GM0363", "2023", None), "new"),              # missing value: stored as missing
    (("Tevredenheid", "GM0014", "2022", 7.5), "new"),
]


def _messy_file(folder: Path, kind: str) -> Path:
    rows = [row for row, _ in MESSY]
    if kind == "csv":
        path = folder / "rommel.csv"
        cell = lambda v: "" if v is None else str(v).replace(".0", "").replace(".", ",")  # noqa: E731
        path.write_text(";".join(HEADER) + "\n" + "".join(";".join(cell(v) for v in row) + "\n" for row in rows)
                        + "population;GM0363;2024;1;te veel\n", encoding="utf-8")  # a field too many
        return path
    if kind == "xlsx":
        return _xlsx(folder / "rommel.xlsx", [list(row) for row in rows])
    path = folder / "rommel.parquet"
    pq.write_table(pa.table({name: pa.array([None if row[i] is None else str(row[i]) for row in rows], pa.string())
                             for i, name in enumerate(HEADER)}), path)
    return path


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet"])
def test_every_row_is_loaded_unchanged_or_rejected_with_a_reason(store: Store, tmp_path: Path, kind: str) -> None:
    path = _messy_file(tmp_path, kind)
    extra = 1 if kind == "csv" else 0  # the CSV's line with a field too many
    expected_rejected = sum(fate == "rejected" for _, fate in MESSY) + extra
    first = store.commit_import(own_file.load(path), actor=LOCAL)
    assert (first.rows_read, first.rows_new, first.rows_unchanged, first.rows_rejected) == (
        len(MESSY) + extra, 3, 0, expected_rejected)
    _accounted(first)
    reasons = store.rejected(first.import_id)
    assert len(reasons) == expected_rejected and reasons["reason_nl"].notna().all() and reasons["reason_en"].notna().all()
    assert (reasons["reason_en"].str.len() > 0).all()
    # The import log holds the same counts.
    log = store.imports().set_index("id").loc[first.import_id]
    assert (log.rows_read, log.rows_loaded, log.rows_unchanged, log.rows_rejected) == (
        first.rows_read, first.rows_loaded, first.rows_unchanged, first.rows_rejected)
    again = store.commit_import(own_file.load(path), actor=LOCAL)
    assert (again.rows_read, again.rows_new, again.rows_unchanged, again.rows_rejected) == (
        len(MESSY) + extra, 0, 3, expected_rejected)
    _accounted(again)


def test_a_wide_file_accounts_for_each_value(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "breed.csv"
    path.write_text("gemeente;jaar;population;Tevredenheid\n"
                    "GM0363;2020;872757;7,5\n"
                    "GM0363;2021;n.b.;7,6\n"        # one value bad, the other loads
                    ";2022;1;2\n"                    # no region: both values rejected
                    "GM0363;2023;1;2;3\n"            # a field too many: both values rejected
                    "GM9999;2020;1;2\n", encoding="utf-8")  # unknown region: both (store)
    result = store.commit_import(own_file.load(path), actor=LOCAL)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (10, 3, 7)
    _accounted(result)
    assert store.rejected(result.import_id)["record"].tolist() == [3, 4, 4, 5, 5, 6, 6]


# --- 4. a decimal style nothing in the file decides ----------------------------------------------


def _undecided(path: Path) -> FileProblem:
    with pytest.raises(FileProblem) as raised:
        own_file.load(path)
    return raised.value


def test_thousands_or_decimals_undecided_is_refused_with_one_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "komma.csv"
    # Comma-separated, every number "1,234"-like: 1234 (English) or 1.234 (Dutch)? Nothing says.
    path.write_text('indicator,gemeente,jaar,waarde\nx,GM0363,2020,"1,234"\nx,GM0363,2021,"2,345"\n', encoding="utf-8")
    before = store.counts()
    problem = _undecided(path)
    assert problem.en == (f'{path}: numbers such as "1,234" (line 2) can be read as thousands or as decimals; '
                          "choose --decimal comma or --decimal point (Data page: decimal separator)")
    assert "\n" not in problem.nl and "--decimal" in problem.nl and "regel 2" in problem.nl
    assert store.counts() == before
    # Told, it is read as told: never a factor 1000 off.
    told = {style: own_file.load(path, own_file.FileMapping(decimal=style)).observations.column("value").to_pylist()
            for style in ("comma", "point")}
    assert told == {"comma": [1.234, 2.345], "point": [1234.0, 2345.0]}
    # One cell that fits one style only decides the file.
    path.write_text('indicator,gemeente,jaar,waarde\nx,GM0363,2020,"1,234"\nx,GM0363,2021,"0.5"\n', encoding="utf-8")
    assert own_file.load(path).observations.column("value").to_pylist() == [1234.0, 0.5]


def test_undecided_in_a_tab_file_and_in_xlsx_text_cells(tmp_path: Path) -> None:
    tab = tmp_path / "tab.tsv"
    tab.write_text("indicator\tgemeente\tjaar\twaarde\nx\tGM0363\t2020\t7\nx\tGM0363\t2021\t1.500\n", encoding="utf-8")
    assert 'numbers such as "1.500" (line 3)' in _undecided(tab).en
    # Numbers stored as numbers decide nothing; a number typed as text "1.500" is undecided.
    xlsx = _xlsx(tmp_path / "tekst.xlsx", [["x", "GM0363", 2020, 1.5], ["x", "GM0363", 2021, "1.500"]])
    assert 'numbers such as "1.500" (line 3)' in _undecided(xlsx).en
    # A `;`-separated CSV is Excel's with a decimal comma: "1.500" is fifteen hundred there.
    semicolon = tmp_path / "puntkomma.csv"
    semicolon.write_text("indicator;gemeente;jaar;waarde\nx;GM0363;2021;1.500\n", encoding="utf-8")
    assert own_file.load(semicolon).observations.column("value").to_pylist() == [1500.0]


@pytest.mark.slow  # three subprocesses: some 6 s
def test_the_command_line_asks_for_decimal_in_one_line_and_takes_it(tmp_path: Path) -> None:
    db = tmp_path / "k.duckdb"
    assert run_cli("init", db=db).returncode == 0
    path = tmp_path / "komma.csv"
    path.write_text('indicator,gemeente,jaar,waarde\nx,GM0363,2020,"1,234"\n', encoding="utf-8")
    refused = run_cli("import", "file", str(path), db=db)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert [line for line in refused.stderr.splitlines() if "komma.csv" in line] == [
        f'{path}: numbers such as "1,234" (line 2) can be read as thousands or as decimals; '
        "choose --decimal comma or --decimal point (Data page: decimal separator)"]
    done = run_cli("import", "file", str(path), "--decimal", "point", db=db)
    assert done.returncode == 0, done.stderr
    assert "1 records read, 1 loaded" in done.stderr


# --- 5. the demo's marks are reserved -----------------------------------------------------------


def _good_csv(folder: Path, name: str = "cijfers.csv") -> Path:
    path = folder / name
    path.write_text(f"indicator;gemeente;jaar;waarde\npopulation;GM0363;2020;{int(population('GM0363', 2020))}\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["Voorbeelddata", "voorbeelddata", " VOORBEELDDATA ", "voorbeelddata, fictief",
                                  "Voorbeeld (fictief)"])
def test_a_user_import_cannot_take_the_demos_source_name(store: Store, tmp_path: Path, name: str) -> None:
    from koers.errors import KoersError

    path = _good_csv(tmp_path)
    before = store.counts()
    with pytest.raises(KoersError) as raised:  # the Data page's field
        own_file.mapping_from_fields({"source": name})
    assert raised.value.en == (f'field source: source name "{name.strip()}" is reserved for the demo\'s invented '
                               "example figures; choose another name")
    assert "gereserveerd" in raised.value.nl and "\n" not in raised.value.nl
    with pytest.raises(Exception):  # the library: the mapping itself refuses it
        own_file.load(path, own_file.FileMapping(source=name))
    assert store.counts() == before


def test_the_store_refuses_real_figures_under_the_example_source(store: Store, tmp_path: Path) -> None:
    from dataclasses import replace

    from koers.errors import KoersError
    from koers.store import EXAMPLE_SOURCE

    batch = replace(own_file.load(_good_csv(tmp_path)), source_table=EXAMPLE_SOURCE)  # any importer, by any path
    before = store.counts()
    with pytest.raises(KoersError) as raised:
        store.commit_import(batch, actor=LOCAL)
    assert raised.value.en == (f"{batch.file}: source voorbeelddata is reserved for the demo's invented example "
                               "figures; nothing was imported")
    assert store.counts() == before


@pytest.mark.slow  # subprocesses: some 6 s
def test_the_command_line_refuses_a_reserved_or_formula_like_name_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "k.duckdb"
    assert run_cli("init", db=db).returncode == 0
    path = _good_csv(tmp_path)
    for args, expected in (
            (["file", str(path), "--source-name", "Voorbeelddata"],
             f'{path}: option --source-name: source name "Voorbeelddata" is reserved for the demo\'s invented '
             "example figures; choose another name"),
            (["statline-csv", str(path), "--table", "=HYPERLINK(\"http://x\")"],
             f'{path}: option --table: name "=HYPERLINK("http://x")" starts like a spreadsheet formula '
             "(= + - @, tab or line break); choose a name that does not")):
        refused = run_cli("import", *args, db=db)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert [line for line in refused.stderr.splitlines() if line.strip()] == [expected]
    imports = run_cli("imports", db=db)
    assert imports.stdout.splitlines()[1:] == []  # refused before anything was read: not even a failed import


# --- 6. names a spreadsheet would run ------------------------------------------------------------


FORMULA_NAMES = ["=1+1", "+31 6", "-cmd|' /C calc'!A0", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_formula_like_source_names_and_units_are_refused(tmp_path: Path, name: str) -> None:
    from koers.errors import KoersError
    from koers.sources import statline_csv

    import argparse

    # The command line takes the name as typed (a leading tab or CR included) ...
    args = argparse.Namespace(source="cijfers.csv", source_name=name, **{
        field: None for field in own_file.FileMapping.model_fields if field != "source"})
    with pytest.raises(KoersError) as raised:
        own_file.mapping_from_arguments(args)
    assert raised.value.en.startswith("cijfers.csv: option --source-name: name ")
    assert "starts like a spreadsheet formula" in raised.value.en and "\n" not in raised.value.en
    assert "\t" not in raised.value.en and "\r" not in raised.value.en
    # ... the Data page strips its fields: what is left is judged.
    if name.strip() == name:
        with pytest.raises(KoersError) as raised:
            own_file.mapping_from_fields({"source": name})
        assert "field source: name" in raised.value.en
    with pytest.raises(Exception):
        own_file.FileMapping(unit=name)
    with pytest.raises(KoersError) as raised:
        statline_csv.load(_good_csv(tmp_path), table=name)
    assert "field --table" in raised.value.en and "\r" not in raised.value.en and "\t" not in raised.value.en


def test_formula_like_indicator_names_are_rejected_rows_and_never_registered(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "injectie.csv"
    value = int(population("GM0363", 2020))
    path.write_text("indicator;gemeente;jaar;waarde\n"
                    '"=HYPERLINK(""http://x"",""klik"")";GM0363;2020;1\n'
                    "+1+1;GM0363;2020;1\n"
                    "@SUM(A1);GM0363;2020;1\n"
                    "-cmd;GM0363;2020;1\n"
                    "-5;GM0363;2020;1\n"                 # a number: no formula (a strange name, but safe)
                    f"population;GM0363;2020;{value}\n", encoding="utf-8")
    result, rejected = _commit(store, path)
    assert sorted(rejected) == [2, 3, 4, 5]
    assert rejected[2][2] == ('indicator "=HYPERLINK("http://x","klik")" in column indicator starts like a '
                              "spreadsheet formula (= + - @); rename it")
    assert all("spreadsheetformule" in nl for _, nl, _ in rejected.values())
    titles = set(store.indicators()["title_nl"].dropna())
    assert not any(title.startswith(("=", "+", "@", "-c")) for title in titles)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 2, 4)


def test_a_wide_file_with_a_formula_like_column_title_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "breed.csv"
    path.write_text("gemeente;jaar;population;=cmd|' /C calc'!A0\nGM0363;2020;1;2\n", encoding="utf-8")
    before = store.counts()
    with pytest.raises(FileProblem) as raised:
        store.commit_import(own_file.load(path), actor=LOCAL)
    assert raised.value.en == (f"{path}: column 4: \"=cmd|' /C calc'!A0\" starts like a spreadsheet formula "
                               "(= + - @, tab or line break); choose a name that does not")
    assert store.counts() == before


# --- 7. an import whose rows are all rejected adds no indicator ----------------------------------


def test_an_import_with_every_row_rejected_adds_no_indicator(store: Store, tmp_path: Path) -> None:
    from koers.indicators.catalogue import generated_indicator_id

    path = tmp_path / "alles_fout.csv"
    # Rejected by the file's rules (no number, no period) and by the store (unknown regions).
    path.write_text("indicator;gemeente;jaar;waarde\n"
                    "Tevredenheid;GM0363;2020;n.b.\n"
                    "Tevredenheid;GM0363;ooit;7\n"
                    "Wachttijd;GM9999;2020;3\n"
                    "Wachttijd;Nergenshuizen;2021;4\n", encoding="utf-8")
    before_ids, before = store.known_indicator_ids(), store.indicators()
    result = store.commit_import(own_file.load(path), actor=LOCAL)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.status) == (4, 0, 4, "rejected")
    assert store.known_indicator_ids() == before_ids
    assert store.indicators().equals(before)  # nor a source line for an indicator already known
    # The import is in the log, with its rejected rows.
    assert store.imports().set_index("id").loc[result.import_id, "status"] == "rejected"
    assert len(store.rejected(result.import_id)) == 4
    # Partly rejected: only the indicator with a stored row enters the catalogue.
    path.write_text("indicator;gemeente;jaar;waarde\nTevredenheid;GM0363;2020;7\nWachttijd;GM9999;2020;3\n",
                    encoding="utf-8")
    store.commit_import(own_file.load(path), actor=LOCAL)
    added = store.known_indicator_ids() - before_ids
    assert added == {generated_indicator_id("eigen_alles_fout", "Tevredenheid")}
