"""The Kiesraad importer on the real, shipped results (data/kiesraad/): turnout per municipality
checked against figures worked out by hand from the raw files, and against the raw files read here
with the csv module, independently of the importer."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import DATA, run_cli
from koers.access import LOCAL
from koers.errors import FileProblem
from koers.sources import kiesraad

KIESRAAD = DATA / "kiesraad"
EXPORT_2017 = KIESRAAD / "TK2017" / "TK2017_per_gemeente.csv"
EXPORT_2021 = KIESRAAD / "TK2021" / "TK2021_per_gemeente_uitslagen.csv"
FORMS_2023 = {"GM0363": KIESRAAD / "TK2023" / "osv4_3_telling_tk2023_kieskring_amsterdam.csv",
              "GM1680": KIESRAAD / "TK2023" / "osv4-3_telling_tk2023_kieskring_assen.csv",
              "GM0096": KIESRAAD / "TK2023" / "osv4-3-telling-tk2023-kieskring-leeuwarden.csv"}

# (region, year): (eligible, voters, turnout %), worked out by hand from the raw files.
# 2017 and 2021: the export's Kiesgerechtigden and Opkomst (the number of voters). 2023: the form's
# "opgeroepenen", and voters = valid + blank + invalid ballots (= its "aangetroffen stembiljetten").
HAND = {
    ("GM0363", 2017): (585_340, 461_939, 78.92),   # 461939 / 585340 x 100 = 78.918
    ("GM0363", 2021): (582_177, 440_919, 75.74),   # 440919 / 582177 x 100 = 75.736
    ("GM0363", 2023): (595_930, 422_873, 70.96),   # 420359 + 864 + 1650 = 422873; / 595930 x 100 = 70.960
    ("GM1680", 2017): (20_482, 17_260, 84.27),     # 17260 / 20482 x 100 = 84.269
    ("GM1680", 2021): (20_921, 17_444, 83.38),     # 17444 / 20921 x 100 = 83.380
    ("GM1680", 2023): (21_059, 17_918, 85.08),     # 17864 + 33 + 21 = 17918; / 21059 x 100 = 85.085
    ("GM0096", 2017): (864, 873, 101.04),          # 873 / 864 x 100 = 101.042: more voters than eligible
    ("GM0096", 2021): (911, 954, 104.72),          # 954 / 911 x 100 = 104.720
    ("GM0096", 2023): (957, 970, 101.36),          # 967 + 2 + 1 = 970; / 957 x 100 = 101.358
}
CARIBBEAN = {"O9001": "Bonaire", "O9002": "Sint Eustatius", "O9003": "Saba"}


@pytest.fixture(scope="module")
def batch():
    return kiesraad.load(KIESRAAD)


@pytest.fixture(scope="module")
def imported(batch) -> dict[tuple[str, str, int], float]:
    table = batch.observations.to_pylist()
    return {(r["indicator_id"], r["region_code"], int(r["period"])): r["value"] for r in table}


def _raw_counts(region: str, year: int) -> tuple[int, int]:
    """(eligible, voters) read straight from the shipped file with the csv module."""
    if year in (2017, 2021):
        with open(EXPORT_2017 if year == 2017 else EXPORT_2021, encoding="utf-8-sig", newline="") as handle:
            line = next(r for r in csv.DictReader(handle, delimiter=";") if r["RegioCode"] == "G" + region[2:])
        return int(line["Kiesgerechtigden"]), int(line["Opkomst"])
    with open(FORMS_2023[region], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    numbers = next(r for r in rows if r and r[0] == "Gebiednummer")
    column = next(i for i, cell in enumerate(numbers) if cell.isdigit() and int(cell) == int(region[2:]))
    count = {r[1]: int(r[column]) for r in rows if len(r) > column and not r[0] and r[1]}
    ballots = count["geldige stembiljetten"] + count["blanco stembiljetten"] + count["ongeldige stembiljetten"]
    assert ballots == count["aangetroffen stembiljetten"]
    return count["opgeroepenen"], ballots


@pytest.mark.parametrize(("region", "year"), sorted(HAND))
def test_turnout_equals_the_hand_computed_figure(imported, region: str, year: int):
    eligible, voters, turnout = HAND[(region, year)]
    assert _raw_counts(region, year) == (eligible, voters)
    assert imported[("tk_eligible_voters", region, year)] == eligible
    assert imported[("tk_voters", region, year)] == voters
    assert imported[("tk_turnout_pct", region, year)] == pytest.approx(turnout, abs=0.005)
    assert imported[("tk_turnout_pct", region, year)] == pytest.approx(voters / eligible * 100)


def test_vlieland_above_100_percent_stays(imported):
    # On the Wadden islands voters from elsewhere vote with a kiezerspas: a real figure, no error.
    assert all(imported[("tk_turnout_pct", "GM0096", year)] > 100 for year in (2017, 2021, 2023))


def test_every_municipality_of_each_election_is_there(imported):
    per_year = {year: {code for (i, code, y) in imported if y == year and i == "tk_turnout_pct"} for year in (2017, 2021, 2023)}
    assert {year: len(codes) for year, codes in per_year.items()} == {2017: 388, 2021: 352, 2023: 342}
    assert "GM0599" in per_year[2023]  # Rotterdam's own form: its Totaal column


def test_the_caribbean_public_bodies_are_rejected_with_their_reason(batch):
    rejected = batch.rejected.to_pylist()
    assert len(rejected) == 2 * 3 * 3  # 2017 and 2021, three islands, three figures each
    for row in rejected:
        code = next(c for c in CARIBBEAN if f";{c};" in row["raw"])
        assert row["reason_nl"] == f"{CARIBBEAN[code]} ({code}) is een openbaar lichaam in Caribisch Nederland, geen gemeente"
        assert row["reason_en"] == f"{CARIBBEAN[code]} ({code}) is a public body of the Caribbean Netherlands, not a municipality"
    assert {row["field"] for row in rejected} == {"Kiesgerechtigden", "Opkomst", "opkomst %"}


def test_rows_read_are_rows_loaded_plus_rows_rejected(batch, registry_store):
    assert batch.rows_read == 3 * (391 + 355 + 342)  # three figures per municipality or island
    result = registry_store.commit_import(batch, actor=LOCAL)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3264, 3246, 18)
    assert result.rows_read == result.rows_loaded + result.rows_rejected


# --- rows and files that cannot be read ---------------------------------------------------------


def _export(tmp_path: Path, *lines: str, name: str = "TK2017_test.csv") -> Path:
    header = "RegioNaam;RegioCode;AmsterdamseCode;OuderRegioNaam;OuderRegioCode;Kiesgerechtigden;Opkomst;OngeldigeStemmen;BlancoStemmen;GeldigeStemmen"
    path = tmp_path / name
    path.write_text("\ufeff" + "\n".join((header, *lines)) + "\n", encoding="utf-8")
    return path


def test_unreadable_rows_are_rejected_with_their_reason(tmp_path):
    path = _export(
        tmp_path,
        "Vlieland;G0096;10211;Leeuwarden;K2;864;873;5;0;868",     # fine
        "Amsterdam;G0363;11150;Amsterdam;K9;585340;veel;0;0;0",   # voters no count: voters and turnout
        "Leeuwarden;G0080;1;Leeuwarden;K2;0;0;0;0;0",             # nobody eligible: no turnout
        "Eemsdelta;G1979;1;Groningen;K1;10;5;0;0;5",              # created 01-01-2021
        "Nergens;G9999;1;Nergens;K1;10;5;0;0;5",                  # no municipality
        "Kort;G0014;1",                                           # too few fields
    )
    batch = kiesraad.load(path)
    assert batch.rows_read == 6 * 3
    loaded = {(r["indicator_id"], r["region_code"]) for r in batch.observations.to_pylist()}
    assert loaded == {("tk_eligible_voters", "GM0096"), ("tk_voters", "GM0096"), ("tk_turnout_pct", "GM0096"),
                      ("tk_eligible_voters", "GM0363"), ("tk_eligible_voters", "GM0080"), ("tk_voters", "GM0080")}
    reasons = {(r["record"], r["field"]): r["reason_en"] for r in batch.rejected.to_pylist()}
    assert reasons[(2, "Opkomst")] == reasons[(2, "opkomst %")] == 'Opkomst "veel" is not a count (a whole number, 0 or more)'
    assert reasons[(3, "opkomst %")] == "no eligible voters, so no turnout"
    assert reasons[(4, "Kiesgerechtigden")] == "GM1979 Eemsdelta did not exist on election day 15-03-2017"
    assert reasons[(5, "Opkomst")] == 'region code "G9999" (Nergens) is no municipality code'
    assert reasons[(6, "opkomst %")] == "3 fields instead of 10"
    assert len(reasons) + len(loaded) == batch.rows_read


def test_a_form_that_contradicts_itself_is_rejected(tmp_path):
    form = "\n".join([
        '"Verkiezing";;"Tweede Kamer der Staten-Generaal 2023"', '"Datum";;"2023-11-22"', '"Gebied";;"Kieskring Test"',
        '"Lijstnummer";"Aanduiding";"Volgnummer";"Naam kandidaat";"Totaal";"Vlieland";"Terschelling"',
        '"Gebiednummer";;;;;"0096";"0093"',
        ';"opgeroepenen";;;"5049";"957";"4092"', ';"geldige stembiljetten";;;"4815";"967";"3848"',
        ';"blanco stembiljetten";;;"12";"2";"10"', ';"ongeldige stembiljetten";;;"5";"1";"4"',
        ';"aangetroffen stembiljetten";;;"4833";"970";"3863"',  # Terschelling: 3848 + 10 + 4 = 3862
    ])
    path = tmp_path / "osv4-3_test.csv"
    path.write_text(form + "\n", encoding="utf-8")
    batch = kiesraad.load(path)
    values = {(r["indicator_id"], r["region_code"]): r["value"] for r in batch.observations.to_pylist()}
    assert values[("tk_voters", "GM0096")] == 970 and ("tk_voters", "GM0093") not in values
    [reason] = {r["reason_en"] for r in batch.rejected.to_pylist()}
    assert reason == "ballots found (3863) is not valid + blank + invalid (3862); the count contradicts itself"


@pytest.mark.parametrize(("text", "name", "key"), [
    ("a;b\n1;2\n", "TK2017_x.csv", "errors.kiesraad.unknown_layout"),
    ("RegioNaam;RegioCode;Kiesgerechtigden;Opkomst\nVlieland;G0096;864;873\n", "uitslag.csv", "errors.kiesraad.no_election_year"),
    ("RegioNaam;RegioCode;Kiesgerechtigden\nVlieland;G0096;864\n", "TK2017_x.csv", "errors.kiesraad.missing_column"),
    ('"Verkiezing";;"Gemeenteraad 2022"\n"Gebiednummer";;;;;"0096"\n', "osv.csv", "errors.kiesraad.not_tweede_kamer"),
])
def test_a_file_that_is_no_kiesraad_result_is_refused(tmp_path, text: str, name: str, key: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FileProblem) as refused:
        kiesraad.load(path)
    assert refused.value.explanation.params["problem"].key == key


@pytest.mark.slow
def test_koers_import_kiesraad_from_the_command_line(tmp_path):
    db = tmp_path / "koers.duckdb"
    assert run_cli("init", db=db).returncode == 0
    done = run_cli("import", "kiesraad", str(EXPORT_2021), db=db)
    assert done.returncode == 0, done.stderr
    shown = run_cli("observations", "--indicator", "tk_turnout_pct", "--region", "GM0096", db=db)
    assert "tk_turnout_pct,GM0096,2021,104.72" in shown.stdout
