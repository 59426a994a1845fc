"""The Kiesraad's official Tweede Kamer counts per municipality: eligible voters, voters, turnout.

Two forms of the same public results are read (a file, or a folder of them in any mix):

1. The Kiesraad's export per municipality (TK2017, TK2021): `;`, UTF-8 with BOM, one line each::

       RegioNaam;RegioCode;AmsterdamseCode;OuderRegioNaam;OuderRegioCode;Kiesgerechtigden;Opkomst;OngeldigeStemmen;BlancoStemmen;GeldigeStemmen;VVD;...
       Amsterdam;G0363;11150;Amsterdam;K9;585340;461939;3007;907;458025;70249;...

   RegioCode `G0363` is CBS's GM0363; `O9001`-`O9003` are Bonaire, Sint Eustatius and Saba, public
   bodies and no municipality. Opkomst is the number of voters (valid + blank + invalid ballots:
   so in every line of both files), not a percentage. The file holds no date: the election comes
   from its name or its folder's ("TK2017").

2. The count form Osv4-3 of one electoral district (TK2023): a header block, then one column per
   municipality, then one row per count, party and candidate::

       "Verkiezing";;"Tweede Kamer der Staten-Generaal 2023"
       "Datum";;"2023-11-22"                      (Leeuwarden's form: 22-11-2023, nothing quoted)
       "Gebied";;"Kieskring Assen"
       "Lijstnummer";"Aanduiding";"Volgnummer";"Naam kandidaat";"Totaal";"Assen";...;"Aa en Hunze";...
       "Gebiednummer";;;;;"0106";...;"1680";...   (Leeuwarden's: 96, without leading zeros)
       ;"opgeroepenen";;;"400588";"54184";...     eligible voters
       ;"geldige stembiljetten";...   ;"blanco stembiljetten";...   ;"ongeldige stembiljetten";...
       ;"aangetroffen stembiljetten";...          ballots found in the boxes
       "1";"VVD";;;"40761";...                    then parties and candidates

   Rotterdam counts as a district of its own: "Gebied";;"Gemeente Rotterdam", "Nummer";;"0599",
   and its columns are polling stations; its "Totaal" column is the municipality.

   Voters: the form's own count of the ballots found ("aangetroffen stembiljetten"), which must
   equal valid + blank + invalid ballots (it does on all 342 municipalities of TK2023; a column
   where it does not is rejected as a count that contradicts itself); a form without that row
   gives the sum. That is the measure the export calls Opkomst, so the three elections compare.
   Rotterdam's form also has "toegelaten kiezers" (voters admitted to the polling station), a few
   hundred more than ballots found: it is not used, as no other form has it.

Each municipality of an election gives three records, one per figure: eligible voters, voters and
turnout (voters / eligible x 100). Turnout above 100 % is real on the Wadden islands (voters from
elsewhere with a kiezerspas) and stays. A figure that cannot be read is a rejected record with its
reason; so is each figure of a region that is no municipality on election day, checked against the
shipped municipal registry (CBS 03759ned) on that date. `rows_read` counts the records, so it is
the rows loaded plus the rows rejected.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from koers.errors import FileProblem
from koers.i18n import Message
from koers.indicators.catalogue import KIESRAAD, KIESRAAD_LICENCE, canonical_by_id
from koers.progress import Progress, no_progress
from koers.settings import DATA
from koers.sources.common import file_checksum, observation_table, rejected_table
from koers.sources.registry import Region, read_regions_file
from koers.sources.source import Argument, Source, Upload
from koers.store import ImportBatch

if TYPE_CHECKING:
    import argparse

KIND = "kiesraad"
# Election day of each Tweede Kamer election the export may hold (it names no date itself).
ELECTION_DATES = {2010: dt.date(2010, 6, 9), 2012: dt.date(2012, 9, 12), 2017: dt.date(2017, 3, 15),
                  2021: dt.date(2021, 3, 17), 2023: dt.date(2023, 11, 22), 2025: dt.date(2025, 10, 29)}
REGISTRY_FILE = DATA / "cbs" / "03759ned" / "codes-RegioS.json"  # the registry `koers init` loads
# (indicator, the source's name for the figure): the export's column names; turnout is computed.
FIGURES = (("tk_eligible_voters", "Kiesgerechtigden"), ("tk_voters", "Opkomst"), ("tk_turnout_pct", "opkomst %"))
EXPORT_COLUMNS = ("RegioNaam", "RegioCode", "Kiesgerechtigden", "Opkomst")
ELIGIBLE_ROW = "opgeroepenen"
BALLOT_ROWS = ("geldige stembiljetten", "blanco stembiljetten", "ongeldige stembiljetten")
FOUND_ROW = "aangetroffen stembiljetten"
_ELECTION_IN_NAME = re.compile(r"TK[_ -]?(\d{4})", re.IGNORECASE)
_EXPORT_CODE = re.compile(r"^G(\d{4})$")
_CARIBBEAN_CODE = re.compile(r"^O\d{4}$")  # O9001 Bonaire, O9002 Sint Eustatius, O9003 Saba
_COUNT = re.compile(r"^\d+$")

Cell = tuple[str, str]  # (the column or row it was read from, the text of the cell)


@dataclass(frozen=True)
class Count:
    """One municipality's count in one election, as read: the three records come from it."""

    election: dt.date
    name: str
    code_text: str  # as written: "G0363" (export), "0363" or "96" (form), "0599" (Rotterdam's form)
    eligible: Cell
    voters: Cell | None  # the export's Opkomst, the form's ballots found; None: the sum of `ballots`
    ballots: tuple[Cell, Cell, Cell] | None  # the form's valid, blank and invalid ballots
    raw: str  # the file, where in it, and what was read
    problem: Message | None = None  # the whole line cannot be read


def load(path: Path, progress: Progress = no_progress) -> ImportBatch:
    """Read a Kiesraad CSV (export per municipality or Osv4-3 form), or every CSV in a folder."""
    path = Path(path)
    files = _csv_files(path)
    counts: list[Count] = []
    for step, file in enumerate(files):
        progress(file.name, step / len(files))
        counts.extend(_counts_of(file))
    values, rejected = [], []
    for record, count in enumerate(counts, start=1):
        for figure in _figures(count):
            (values if isinstance(figure[2], float) else rejected).append((record, count, *figure))
    observations = observation_table({
        "record": pa.array([r for r, *_ in values], pa.int64()),
        "indicator_id": pa.array([indicator for _, _, indicator, _, _ in values], pa.string()),
        "region_code": pa.array([code for _, _, _, code, _ in values], pa.string()),
        "region_text": pa.array([count.name for _, count, *_ in values], pa.string()),
        "period": pa.array([str(count.election.year) for _, count, *_ in values], pa.string()),
        "value": pa.array([value for *_, value in values], pa.float64()),
        "status": pa.array(["definitive"] * len(values), pa.string()),
        "raw": pa.array([count.raw for _, count, *_ in values], pa.string()),
    })
    measure = dict(FIGURES)
    rejected_rows = rejected_table([r for r, *_ in rejected], [count.raw for _, count, *_ in rejected],
                                   [measure[indicator] for _, _, indicator, _, _ in rejected],
                                   [reason for *_, reason in rejected])
    return ImportBatch(
        kind=KIND, file=str(path), checksum=file_checksum(path), source_table=KIESRAAD, source_title=path.name,
        licence=KIESRAAD_LICENCE, rows_read=len(FIGURES) * len(counts), observations=observations,
        rejected=rejected_rows, indicators=_indicators(),
    )


def _indicators() -> list:
    """The three figures as the batch declares them: (definition, source measure, title, unit)."""
    found = []
    for indicator, measure in FIGURES:
        definition = canonical_by_id(indicator)
        found.append((definition, measure, definition.title_nl, definition.unit))
    return found


# --- from counts to figures ---------------------------------------------------------------------


def _figures(count: Count) -> Iterator[tuple[str, str | None, float | Message]]:
    """(indicator, region code, value or the reason it is rejected) for each of the three figures."""
    code, problem = (None, count.problem) if count.problem else _municipality(count)
    if problem is not None:
        for indicator, _ in FIGURES:
            yield indicator, code, problem
        return
    eligible = _number(*count.eligible)
    voters = _voters(count)
    yield FIGURES[0][0], code, eligible
    yield FIGURES[1][0], code, voters
    if isinstance(eligible, Message) or isinstance(voters, Message):
        turnout: float | Message = eligible if isinstance(eligible, Message) else voters
    elif eligible == 0:
        turnout = Message("rejected.kiesraad.no_eligible")
    else:
        turnout = voters / eligible * 100  # above 100 on the Wadden islands: kept, it is real
    yield FIGURES[2][0], code, turnout


def _number(column: str, cell: str) -> float | Message:
    """A count: a whole number, 0 or more (the Kiesraad writes no thousands separators)."""
    text = cell.strip()
    return float(int(text)) if _COUNT.match(text) else Message("rejected.kiesraad.not_a_count", column=column, cell=text)


def _voters(count: Count) -> float | Message:
    """The export's Opkomst; the form's ballots found, checked against valid + blank + invalid."""
    if count.ballots is None:
        return _number(*(count.voters or ("Opkomst", "")))
    parts = [_number(*cell) for cell in count.ballots]
    if problem := next((part for part in parts if isinstance(part, Message)), None):
        return problem
    total = sum(parts)
    if count.voters is None:
        return total
    found = _number(*count.voters)
    if isinstance(found, Message) or found == total:
        return found
    return Message("rejected.kiesraad.ballots_disagree", found=int(found), total=int(total))


def _municipality(count: Count) -> tuple[str | None, Message | None]:
    """(CBS code, None), or (the code if any, why its figures are rejected): a Caribbean public
    body, no municipality code, or a municipality that did not exist on election day."""
    text = count.code_text.strip()
    if _CARIBBEAN_CODE.match(text):
        return None, Message("rejected.kiesraad.caribbean", name=count.name, code=text)
    match = _EXPORT_CODE.match(text)
    code = f"GM{match.group(1)}" if match else (f"GM{int(text):04d}" if text.isdigit() and len(text) <= 4 else None)
    region = _municipalities().get(code) if code else None
    if region is None:
        return code, Message("rejected.kiesraad.unknown_code", code=text, name=count.name)
    day = count.election
    if (region.valid_from and region.valid_from > day) or (region.valid_to and region.valid_to <= day):
        return code, Message("rejected.kiesraad.not_on_date", code=code, name=region.name, date=day.strftime("%d-%m-%Y"))
    return code, None


@cache
def _municipalities() -> dict[str, Region]:
    """The municipalities of the shipped registry, each with its validity, by CBS code."""
    return {region.code: region for region in read_regions_file(REGISTRY_FILE) if region.kind == "municipality"}


# --- reading the files --------------------------------------------------------------------------


def _csv_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".csv")
        if not files:
            raise FileProblem(path, "errors.kiesraad.no_csv_files")
        return files
    if not path.exists():
        raise FileProblem(path, "errors.file.does_not_exist")
    return [path]


def _counts_of(path: Path) -> list[Count]:
    rows = _rows(path)
    if rows and "RegioCode" in [cell.strip() for cell in rows[0]]:
        return _export_counts(path, rows)
    if any(row and row[0].strip() == "Gebiednummer" for row in rows):
        return _form_counts(path, rows)
    raise FileProblem(path, "errors.kiesraad.unknown_layout")


def _rows(path: Path) -> list[list[str]]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileProblem(path, "errors.statline.unreadable", strerror=error.strerror) from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileProblem(path, "errors.kiesraad.not_utf8") from error
    if not text.strip():
        raise FileProblem(path, "errors.file.empty")
    return list(csv.reader(text.splitlines(), delimiter=";"))


def _export_counts(path: Path, rows: list[list[str]]) -> list[Count]:
    """One count per data line of the export; a line with the wrong number of fields is one whose
    three figures are all rejected."""
    header = [cell.strip() for cell in rows[0]]
    for column in EXPORT_COLUMNS:
        if column not in header:
            raise FileProblem(path, "errors.kiesraad.missing_column", column=column, found=", ".join(header[:12]))
    election = _election_from_name(path)
    at = {column: header.index(column) for column in EXPORT_COLUMNS}
    counts = []
    for line, fields in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in fields):
            continue
        raw = f"{path.name}:{line}: " + ";".join(fields)
        if len(fields) != len(header):
            counts.append(Count(election, fields[0] if fields else "", "", ("", ""), None, None, raw,
                                Message("rejected.field_count", fields=len(fields), expected=len(header))))
            continue
        counts.append(Count(election, fields[at["RegioNaam"]].strip(), fields[at["RegioCode"]],
                            ("Kiesgerechtigden", fields[at["Kiesgerechtigden"]]), ("Opkomst", fields[at["Opkomst"]]),
                            None, raw))
    return counts


def _election_from_name(path: Path) -> dt.date:
    """The election of an export, from "TK2021" in its name or a folder's; its date from
    `ELECTION_DATES`."""
    for part in (path.name, *reversed(path.resolve().parent.parts)):
        if match := _ELECTION_IN_NAME.search(part):
            year = int(match.group(1))
            if year not in ELECTION_DATES:
                raise FileProblem(path, "errors.kiesraad.unknown_election", year=year,
                                  known=", ".join(map(str, ELECTION_DATES)))
            return ELECTION_DATES[year]
    raise FileProblem(path, "errors.kiesraad.no_election_year")


def _form_counts(path: Path, rows: list[list[str]]) -> list[Count]:
    """One count per municipality column of an Osv4-3 form (Rotterdam's form: its Totaal column)."""
    # Header rows by their first cell ("Datum", "Gebiednummer"); count rows by their second
    # (";"opgeroepenen";..."): party rows have a list number first, candidate rows neither.
    top: dict[str, list[str]] = {}
    labelled: dict[str, list[str]] = {}
    for row in rows:
        if row and row[0].strip():
            top.setdefault(row[0].strip(), row)
        elif len(row) > 1 and row[1].strip():
            labelled.setdefault(row[1].strip().lower(), row)
    election = _form_election(path, top)
    for name in (ELIGIBLE_ROW, *BALLOT_ROWS):
        if name not in labelled:
            raise FileProblem(path, "errors.kiesraad.missing_row", row=name)
    for name in ("Lijstnummer", "Gebied"):
        if name not in top:
            raise FileProblem(path, "errors.kiesraad.missing_row", row=name)
    header = [cell.strip() for cell in top["Lijstnummer"]]
    if "Totaal" not in header:
        raise FileProblem(path, "errors.kiesraad.missing_column", column="Totaal", found=", ".join(header[:12]))
    total = header.index("Totaal")
    area = _cell(top["Gebied"], 2)
    if area.lower().startswith("gemeente "):
        columns = [(total, area[len("gemeente "):].strip(), _cell(top.get("Nummer", []), 2))]
    else:
        numbers = top["Gebiednummer"]
        columns = [(i, header[i], _cell(numbers, i)) for i in range(total + 1, len(header)) if header[i]]

    def cell(row: str, column: int) -> Cell:
        return row, _cell(labelled[row], column)

    counts = []
    for column, name, number in columns:
        ballots = (cell(BALLOT_ROWS[0], column), cell(BALLOT_ROWS[1], column), cell(BALLOT_ROWS[2], column))
        found = cell(FOUND_ROW, column) if FOUND_ROW in labelled else None
        read = [cell(ELIGIBLE_ROW, column), *ballots, *([found] if found else [])]
        raw = f"{path.name}, {area}, kolom {column + 1}: {name} ({number}); " + "; ".join(f"{r}={v}" for r, v in read)
        counts.append(Count(election, name, number, cell(ELIGIBLE_ROW, column), found, ballots, raw))
    return counts


def _form_election(path: Path, top: dict[str, list[str]]) -> dt.date:
    """The election day of a form; a form of another election than the Tweede Kamer's is refused."""
    election = _cell(top.get("Verkiezing", []), 2)
    if "tweede kamer" not in election.lower():
        raise FileProblem(path, "errors.kiesraad.not_tweede_kamer", election=election)
    text = _cell(top.get("Datum", []), 2)
    for layout in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise FileProblem(path, "errors.kiesraad.no_date", cell=text)


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


# --- the command line ---------------------------------------------------------------------------


def load_arguments(args: argparse.Namespace, progress: Progress) -> ImportBatch:
    return load(Path(args.source), progress)


def read_upload(path: Path, fields: Mapping[str, str]) -> ImportBatch:
    """One uploaded file from the Data page: an export per municipality or one Osv4-3 form."""
    return load(path)


SOURCE = Source(
    name=KIND, title_key="sources.kiesraad", order=5,
    help="Kiesraad (Electoral Council) Tweede Kamer results per municipality: export or Osv4-3 count forms",
    arguments=(Argument("source", metavar="PATH", help="a Kiesraad CSV, or a folder of them"),),
    load=load_arguments,
    upload=Upload(kind="kiesraad", order=5, file_types=("csv",), read=read_upload),
)
