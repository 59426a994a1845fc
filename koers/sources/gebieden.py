"""CBS "Gebieden in Nederland": each municipality's membership of other divisions, per year.

One Parquet file per year (`cbs_gebieden_2023.parquet`: the division of 1 January of that year), in
the OData4 long form of the datavakwerk capture, one row per municipality and measure::

    Id  Measure   ValueAttribute  Value  StringValue             RegioS
    3   AM0001    None            None   "AM01      "            GM1680
    4   AM0002    None            None   "Groningen          …"  GM1680
    …   T001036_2 None            "25445"  None                  GM1680

Most measures come in pairs, a division's code and name, whose identifier's first two letters name
the division: AM labour-market region, GG GGD region, CR COROP area, PV province, RE police unit, VR
safety region, JZ youth-care region … (`cbs_gebieden_measurecodes.parquet` gives each one's Title,
"Code" or "Naam"; ET is the one pair numbered the other way round). Older years' tables name some
measures differently (2018: `Et0002`, `GM000B_1`; 2017 and 2021: `R00004` for the municipality's own
code; 2015–2018: the NUTS levels `N10002`/`N10003` …): a pair not in the measure list has its code
first. The municipality's size class (GM000E/GM000D, in 2018–2019 GM000B_2) becomes the division
"GK" (Koers's name; CBS gives it none) and its urbanity class ST0001/ST0002 the division "ST".

Two measures are figures: the population on 1 January (`population`, beside 03759ned's) and the
address density of the surroundings (`address_density`), the measure behind the urbanity classes.

Records: one per municipality, year and division (its code and name rows together), and one per
figure. A division without a code, a region that is no municipality code, a figure that is no
number and a measure of no known kind are rejected records with their reason; `rows_read` counts
the records, so it is the memberships and figures loaded plus the records rejected. The store
checks the memberships against its registry (`Store.commit_import`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from koers.errors import FileProblem
from koers.i18n import Message
from koers.indicators.catalogue import CBS_LICENCE, canonical_by_id
from koers.indicators.regional import GEBIEDEN
from koers.progress import Progress, no_progress
from koers.sources.common import file_checksum, observation_table, rejected_table
from koers.sources.source import Argument, Source
from koers.store import MEMBERSHIP_SCHEMA, ImportBatch

if TYPE_CHECKING:
    import argparse

KIND = "cbs-gebieden"
TITLE = "Gebieden in Nederland"
YEAR_FILE = re.compile(r"^cbs_gebieden_(\d{4})\.parquet$", re.IGNORECASE)
MEASURE_CODES = "cbs_gebieden_measurecodes.parquet"
COLUMNS = ("Measure", "StringValue", "RegioS")
MUNICIPALITY = re.compile(r"^GM\d{4}$")
DIVISION_MEASURE = re.compile(r"^([A-Z][A-Z0-9])(\d{4})$", re.IGNORECASE)  # AM0001, N30002, Et0002
SIZE_CLASS = "GK"
# Measures that do not follow the pattern, under every name the years' tables give them.
SPECIAL: dict[str, tuple[str, str] | None] = {
    "GM000B": None, "GM000B_1": None, "R00004": None,  # the municipality's own code: RegioS says it
    "GM000C_1": None, "GM000C_2": None,  # its name, and the name for sorting
    "GM000E": (SIZE_CLASS, "code"), "GM000B_2": (SIZE_CLASS, "code"), "GM000D": (SIZE_CLASS, "name"),
}
FIGURES = {"T001036_2": "population", "ST0003": "address_density"}
_TITLE_ROLE = {"code": "code", "naam": "name", "omschrijving": "name"}


def load(path: Path, progress: Progress = no_progress) -> ImportBatch:
    """A batch from one `cbs_gebieden_<year>.parquet` or a folder of them (with, when present,
    `cbs_gebieden_measurecodes.parquet` beside them)."""
    path = Path(path)
    files = _year_files(path)
    folder = path if path.is_dir() else path.parent
    roles = _measure_roles(folder / MEASURE_CODES)
    frames = []
    for step, (year, file) in enumerate(files):
        progress(file.name, step / len(files))
        frames.append(_read(file, year))
    rows = pd.concat(frames, ignore_index=True)
    rows["region"] = rows["RegioS"].astype("string").str.strip().str.upper()
    rows["measure"] = rows["Measure"].astype("string").str.strip()
    rows["text"] = rows["StringValue"].astype("string").str.strip().replace("", pd.NA)

    kinds = _classify(rows, roles)
    rows = rows.join(kinds, on=["year", "measure"])
    rejected: list[tuple[int, str, str, Message]] = []
    bad_region = ~rows["region"].fillna("").str.match(MUNICIPALITY.pattern)
    for row in rows[bad_region].itertuples():
        rejected.append((row.record, _raw(row), "RegioS", Message("rejected.gebieden.not_a_municipality", region=row.RegioS)))
    rows = rows[~bad_region]
    for row in rows[rows["kind"] == "unknown"].itertuples():
        rejected.append((row.record, _raw(row), "Measure", Message("rejected.gebieden.unknown_measure", measure=row.measure)))

    memberships, refused = _memberships(rows[rows["kind"] == "division"])
    rejected += refused
    observations, refused = _figures(rows[rows["kind"] == "figure"])
    rejected += refused
    rejected.sort(key=lambda r: (r[0] is None, r[0]))
    indicator_ids = sorted(set(observations.column("indicator_id").to_pylist()))
    measure_of = {indicator: measure for measure, indicator in FIGURES.items()}
    indicators = [(canonical_by_id(i), measure_of[i], canonical_by_id(i).title_nl, canonical_by_id(i).unit)
                  for i in indicator_ids]
    return ImportBatch(
        kind=KIND, file=str(path), checksum=file_checksum(path), source_table=GEBIEDEN, source_title=TITLE,
        licence=CBS_LICENCE, rows_read=memberships.num_rows + observations.num_rows + len(rejected),
        observations=observations,
        rejected=rejected_table([r[0] for r in rejected], [r[1] for r in rejected], [r[2] for r in rejected],
                                [r[3] for r in rejected]),
        indicators=indicators, memberships=memberships,
    )


# --- reading --------------------------------------------------------------------------------------


def _year_files(path: Path) -> list[tuple[int, Path]]:
    if path.is_dir():
        files = sorted((int(m.group(1)), p) for p in path.iterdir() if (m := YEAR_FILE.match(p.name)))
        if not files:
            raise FileProblem(path, "errors.gebieden.no_files")
        return files
    if not path.exists():
        raise FileProblem(path, "errors.file.does_not_exist")
    match = YEAR_FILE.match(path.name)
    if not match:
        raise FileProblem(path, "errors.gebieden.no_year")
    return [(int(match.group(1)), path)]


def _parquet(path: Path) -> pd.DataFrame:
    try:
        return pq.read_table(path).to_pandas()
    except Exception as error:  # pyarrow raises several kinds for a file that is no Parquet
        raise FileProblem(path, "errors.odata3.unreadable_parquet") from error


def _read(file: Path, year: int) -> pd.DataFrame:
    frame = _parquet(file)
    for column in COLUMNS:
        if column not in frame:
            raise FileProblem(file, "errors.gebieden.missing_column", column=column, found=", ".join(map(str, frame.columns)))
    for column in ("Id", "Value", "ValueAttribute"):
        if column not in frame:
            frame[column] = None
    frame = frame[["Id", *COLUMNS, "Value", "ValueAttribute"]].copy()
    try:
        frame["record"] = frame["Id"].astype("int64")
    except (TypeError, ValueError):  # no Id, or one that is no number: the row's number in the file
        line = pd.Series(range(1, len(frame) + 1), index=frame.index)
        frame["record"] = pd.to_numeric(frame["Id"], errors="coerce").fillna(line).astype("int64")
    frame["year"] = year
    frame["file"] = file.name
    return frame


def _raw(row) -> str:
    """A row as read, for a rejected record's message (built only for those)."""
    text = "" if pd.isna(row.StringValue) else str(row.StringValue).strip()
    value = "" if pd.isna(row.Value) else str(row.Value)
    return f"{row.file}: Id {row.record}: {row.Measure};{text};{value};{row.RegioS}"


def _measure_roles(path: Path) -> dict[str, str]:
    """"code" or "name" per measure identifier (upper case) of the measure list, by its Title."""
    if not path.exists():
        return {}
    frame = _parquet(path)
    if not {"Identifier", "Title"} <= set(frame.columns):
        raise FileProblem(path, "errors.gebieden.missing_column", column="Identifier, Title",
                          found=", ".join(map(str, frame.columns)))
    return {str(i).strip().upper(): _TITLE_ROLE[str(t).strip().lower()]
            for i, t in zip(frame["Identifier"], frame["Title"]) if str(t).strip().lower() in _TITLE_ROLE}


def _classify(rows: pd.DataFrame, roles: dict[str, str]) -> pd.DataFrame:
    """Per (year, measure): kind ("division", "figure", "own", "unknown"), division and role."""
    found = []
    for year, measures in rows.groupby("year")["measure"].unique().items():
        unlisted: dict[str, list[str]] = {}
        for measure in measures:
            if measure in FIGURES:
                found.append((year, measure, "figure", None, None))
            elif measure in SPECIAL:
                special = SPECIAL[measure]
                found.append((year, measure, "own", None, None) if special is None
                             else (year, measure, "division", *special))
            elif match := DIVISION_MEASURE.match(measure):
                division = match.group(1).upper()
                if measure.upper() in roles:
                    found.append((year, measure, "division", division, roles[measure.upper()]))
                else:
                    unlisted.setdefault(division, []).append(measure)
            else:
                found.append((year, measure, "unknown", None, None))
        # A pair the measure list does not name (older years): the lower number is the code.
        for division, pair in unlisted.items():
            pair = sorted(pair, key=lambda m: m.upper())
            if len(pair) != 2:
                found += [(year, m, "unknown", None, None) for m in pair]
                continue
            found += [(year, pair[0], "division", division, "code"), (year, pair[1], "division", division, "name")]
    return pd.DataFrame(found, columns=["year", "measure", "kind", "division", "role"]).set_index(["year", "measure"])


# --- from rows to records -------------------------------------------------------------------------


def _memberships(rows: pd.DataFrame) -> tuple[pa.Table, list[tuple[int, str, str, Message]]]:
    """One membership per municipality, year and division: its code row and name row together."""
    key = ["region", "year", "division"]
    codes = rows[rows["role"] == "code"].drop_duplicates(key)
    names = rows[rows["role"] == "name"].drop_duplicates(key)[[*key, "text"]]
    joined = codes.merge(names, on=key, how="outer", suffixes=("", "_name"))
    blank = joined["text"].isna()
    refused = []
    for r in joined[blank].itertuples():
        if pd.isna(r.record):  # a name without its code row
            origin = rows[(rows["region"] == r.region) & (rows["year"] == r.year) & (rows["division"] == r.division)].iloc[0]
            record, raw, measure = int(origin["record"]), _raw(next(origin.to_frame().T.itertuples())), origin["measure"]
        else:
            record, raw, measure = int(r.record), _raw(r), r.measure
        refused.append((record, raw, measure, Message("rejected.gebieden.blank_code", region=r.region, year=int(r.year),
                                                      division=r.division, measure=measure)))
    good = joined[~blank].sort_values(key)
    table = pa.table({
        "region_code": pa.array(good["region"], pa.string()),
        "year": pa.array(good["year"], pa.int32()),
        "division": pa.array(good["division"], pa.string()),
        "group_code": pa.array(good["text"], pa.string()),
        "group_name": pa.array(good["text_name"], pa.string()),
    }, schema=MEMBERSHIP_SCHEMA)
    return table, refused


def _figures(rows: pd.DataFrame) -> tuple[pa.Table, list[tuple[int, str, str, Message]]]:
    """The population and address density: one observation each; text that is no number is refused."""
    values = pd.to_numeric(rows["Value"], errors="coerce")
    given = rows["Value"].notna() & (rows["Value"].astype("string").str.strip() != "")
    bad = given & values.isna()
    refused = [(r.record, _raw(r), r.measure, Message("rejected.gebieden.not_a_number", region=r.region, year=r.year,
                                                    cell=str(r.Value).strip(), measure=r.measure))
               for r in rows[bad].itertuples()]
    good, values = rows[~bad], values[~bad]
    attribute = good["ValueAttribute"].astype("string").fillna("None").str.strip()
    status = pd.Series("definitive", index=good.index)
    status[values.isna()] = "missing"
    status[values.isna() & (attribute == "Impossible")] = "impossible"
    observations = observation_table({
        "record": pa.array(good["record"].tolist(), pa.int64()),
        "indicator_id": pa.array(good["measure"].map(FIGURES).tolist(), pa.string()),
        "region_code": pa.array(good["region"].tolist(), pa.string()),
        "region_text": pa.array(good["RegioS"].astype(str).tolist(), pa.string()),
        "period": pa.array(good["year"].astype(str).tolist(), pa.string()),
        "value": pa.array([None if pd.isna(v) else float(v) for v in values], pa.float64()),
        "status": pa.array(status.tolist(), pa.string()),
    })
    return observations, refused


# --- the command line -----------------------------------------------------------------------------


def load_arguments(args: argparse.Namespace, progress: Progress) -> ImportBatch:
    return load(Path(args.source), progress)


SOURCE = Source(
    name=KIND, title_key="sources.cbs-gebieden", order=7,
    help="CBS Gebieden in Nederland: each municipality's regions (labour market, GGD, COROP …) per year (Parquet)",
    arguments=(Argument("source", metavar="PATH", help="a cbs_gebieden_<year>.parquet, or a folder of them"),),
    load=load_arguments,
)
