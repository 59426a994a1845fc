"""CBS OData4 (`https://datasets.cbs.nl/odata/v1/CBS/<table>`): a folder of recorded responses or
the live API.

A table is a set of entity sets, each a JSON response `{"value": [...], "@odata.nextLink": ...}`:
`Properties` (one object: title, licence, modified), `Dimensions`, `MeasureCodes`,
`<Dimension>Codes` and `Observations`, one row per measure x dimension codes::

    {"Measure": "M000352", "ValueAttribute": "None", "Value": 17282163, "StringValue": null,
     "Geslacht": "T001038", "Leeftijd": "10000", "RegioS": "NL01", "Perioden": "2019JJ00"}

`ValueAttribute` "None" is a normal value (keep it a string: pandas would read it as NaN);
"Impossible" with an empty value is a region that did not exist that year. A recorded folder holds
the same responses as `properties.json`, `dimensions.json`, `measure-codes.json`,
`codes-<Dimension>.json` and `observations-page-N.json`.

A folder may also hold the same entity sets as Parquet files (`read_parquet_folder`), as the
datavakwerk open-data-warehouse stores them: `cbs_<table>_<name>.parquet` with the observations,
`cbs_<table>_measurecodes.parquet` and `cbs_<table>_<dimension>codes.parquet` (`regiocodes`,
`periodencodes`). Every column is text there: Value "25203.0" is the number 25203, and a Value that
is no number on a row that claims a normal value ("None") is a rejected row with its reason. Both
forms go through `to_batch`, so ValueAttribute, periods, region codes and CBS's period status
(`provisional_periods`) are read the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from koers.indicators.catalogue import CBS_LICENCE, CanonicalIndicator, canonical_for, generated_indicator_id
from koers.errors import FileProblem, KoersError
from koers.i18n import Message
from koers.sources.common import (
    ODataClient,
    file_checksum,
    observation_table,
    period_columns,
    region_columns,
    rejected_table,
)
from koers.sources.registry import regions_from_codes
from koers.sources.source import Argument, Source
from koers.progress import Progress, no_progress
from koers.store import ImportBatch

if TYPE_CHECKING:
    import argparse

    import requests

DEFAULT_BASE_URL = "https://datasets.cbs.nl/odata/v1/CBS"


@dataclass
class ODataTable:
    table_id: str
    location: str  # folder or URL, for messages and the import log
    properties: dict
    dimensions: list[dict]
    measures: list[dict]
    codes: dict[str, list[dict]]
    observations: list[dict] | pd.DataFrame


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise FileProblem(path, "errors.odata4.file_missing") from error
    except UnicodeDecodeError as error:
        raise FileProblem(path, "errors.odata4.not_utf8", byte=error.start) from error
    except json.JSONDecodeError as error:
        raise FileProblem(path, "errors.odata4.invalid_json", line=error.lineno, detail=error.msg) from error


def _values(path: Path) -> list[dict]:
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("value"), list):
        raise FileProblem(path, "errors.odata4.not_odata")
    return data["value"]


def _page_number(path: Path) -> int:
    match = re.search(r"(\d+)", path.stem)
    return int(match.group(1)) if match else 0


def read_folder(folder: Path) -> ODataTable:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileProblem(folder, "errors.odata4.not_a_response_folder")
    properties = _read_json(folder / "properties.json")
    dimensions = _values(folder / "dimensions.json")
    codes = {d["Identifier"]: _values(folder / f"codes-{d['Identifier']}.json")
             for d in dimensions if (folder / f"codes-{d['Identifier']}.json").exists()}
    pages = sorted(folder.glob("observations-page-*.json"), key=_page_number)
    if not pages:
        raise FileProblem(folder, "errors.odata4.no_pages")
    observations = [row for page in pages for row in _values(page)]
    return ODataTable(
        table_id=str(properties.get("Identifier") or folder.name),
        location=str(folder),
        properties=properties,
        dimensions=dimensions,
        measures=_values(folder / "measure-codes.json"),
        codes=codes,
        observations=observations,
    )


# --- the Parquet form ---------------------------------------------------------------------------

MEASURE_CODES_SUFFIX = "_measurecodes.parquet"
# Titles of the tables known to come in this form (the files carry no `Properties`).
PARQUET_TITLES = {"70072ned": "Regionale kerncijfers Nederland"}
OBSERVATION_FIELDS = ("Id", "Measure", "ValueAttribute", "Value", "StringValue")


def is_parquet_folder(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("*" + MEASURE_CODES_SUFFIX))


def _parquet_frame(path: Path) -> pd.DataFrame:
    try:
        frame = pq.read_table(path).to_pandas()
    except FileNotFoundError as error:
        raise FileProblem(path, "errors.odata4.file_missing") from error
    except Exception as error:  # pyarrow raises several kinds for a file that is no Parquet
        raise FileProblem(path, "errors.odata3.unreadable_parquet") from error
    return frame


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as the JSON responses give them: a missing cell is None, not NaN."""
    return [{key: (None if value is None or (isinstance(value, float) and value != value) else value)
             for key, value in row.items()} for row in frame.to_dict("records")]


def read_parquet_folder(folder: Path) -> ODataTable:
    """The OData4 entity sets of one table as Parquet files (see the module's docstring).

    Dimensions are the observation columns besides `OBSERVATION_FIELDS`; each one's codes file is
    the `<prefix>codes.parquet` whose prefix starts its name (`regiocodes` for RegioS,
    `periodencodes` for Perioden). The region dimension is the one whose name starts with "Regio",
    the period dimension "Perioden"."""
    folder = Path(folder)
    measure_files = sorted(folder.glob("*" + MEASURE_CODES_SUFFIX))
    if not measure_files:
        raise FileProblem(folder, "errors.odata4.not_a_response_folder")
    stem = measure_files[0].name[: -len(MEASURE_CODES_SUFFIX)]  # cbs_70072ned
    table_id = stem[4:] if stem.lower().startswith("cbs_") else stem
    code_files = {p.name[len(stem) + 1: -len("codes.parquet")].lower(): p
                  for p in folder.glob(f"{stem}_*codes.parquet") if p != measure_files[0]}
    data_files = sorted(p for p in folder.glob(f"{stem}_*.parquet")
                        if p != measure_files[0] and p not in code_files.values())
    if not data_files:
        raise FileProblem(folder, "errors.odata4.no_parquet_observations", stem=stem)
    frames = []
    for path in data_files:
        frame = _parquet_frame(path)
        for column in ("Measure", "ValueAttribute", "Value"):
            if column not in frame:
                raise FileProblem(path, "errors.odata4.parquet_missing_column", column=column,
                                  found=", ".join(map(str, frame.columns)))
        frames.append(frame)
    observations = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    dimensions, codes = [], {}
    for column in observations.columns:
        if column in OBSERVATION_FIELDS:
            continue
        kind = ("GeoDimension" if column.lower().startswith("regio")
                else "TimeDimension" if column.lower().startswith("perioden") else "Dimension")
        dimensions.append({"Identifier": column, "Kind": kind})
        match = next((p for prefix, p in code_files.items() if prefix and column.lower().startswith(prefix)), None)
        if match is not None:
            codes[column] = _records(_parquet_frame(match))
    return ODataTable(
        table_id=table_id,
        location=str(folder),
        properties={"Identifier": table_id, "Title": PARQUET_TITLES.get(table_id.lower(), f"CBS {table_id}")},
        dimensions=dimensions,
        measures=_records(_parquet_frame(measure_files[0])),
        codes=codes,
        observations=observations,
    )


def fetch(table_id: str, base_url: str = DEFAULT_BASE_URL, filter: str | None = None,
          progress: Progress = no_progress, session: requests.Session | None = None) -> ODataTable:
    """Download a table from the live API (or a mirror), following `@odata.nextLink`."""
    client = ODataClient(session)
    root = f"{base_url.rstrip('/')}/{quote(table_id)}"
    properties = client.get(f"{root}/Properties")
    table_id = str(properties.get("Identifier") or table_id)  # CBS's spelling: "03759ned", not "03759NED"
    dimensions = client.all_values(f"{root}/Dimensions", "@odata.nextLink")
    measures = client.all_values(f"{root}/MeasureCodes", "@odata.nextLink")
    codes = {d["Identifier"]: client.all_values(f"{root}/{quote(d['Identifier'])}Codes", "@odata.nextLink")
             for d in dimensions if d.get("ContainsCodes", True)}
    url = f"{root}/Observations" + (f"?$filter={quote(filter)}" if filter else "")
    observations = client.all_values(url, "@odata.nextLink", progress)
    return ODataTable(table_id, root, properties, dimensions, measures, codes, observations)


def _licence(properties: dict) -> str:
    licence = str(properties.get("License") or "")
    return CBS_LICENCE if "creativecommons.org/licenses/by/4.0" in licence or not licence else licence


def provisional_periods(codes: list[dict]) -> set[str]:
    """The period codes CBS marks as provisional: `Status` "Voorlopig" or "Nader voorlopig"
    ("Definitief" and an empty status are definitive). The one rule for both forms of a table."""
    return {str(c["Identifier"]).strip() for c in codes
            if isinstance(c.get("Status"), str) and "voorlopig" in c["Status"].lower()}


def _read_values(frame: pd.DataFrame, period_codes: list[dict], geo: str, time: str) -> tuple:
    """(rows kept, their values, statuses and record numbers, the rejected rows): CBS's status per
    row, and each value read as a number."""
    provisional = provisional_periods(period_codes)
    attribute = frame["ValueAttribute"].astype(str).str.strip()
    status = pd.Series("definitive", index=frame.index)
    status[frame[time].astype(str).str.strip().isin(provisional)] = "provisional"
    status[attribute.isin(["Impossible"])] = "impossible"
    status[~attribute.isin(["None", "Impossible"])] = "missing"
    # The JSON form gives numbers; the Parquet form text ("25203.0"). A normal value ("None") whose
    # text is no number is rejected, never stored as missing.
    values = pd.to_numeric(frame["Value"], errors="coerce")
    given = frame["Value"].notna() & (frame["Value"].astype(str).str.strip() != "")
    not_a_number = given & values.isna() & (status.isin(["definitive", "provisional"]))
    values[status.isin(["impossible", "missing"])] = None
    records = pd.to_numeric(frame["Id"], errors="coerce") if "Id" in frame else pd.Series(frame.index + 1)
    records = records.fillna(pd.Series(frame.index + 1, index=frame.index)).astype("int64")
    rejected = rejected_table(
        records[not_a_number].tolist(),
        [";".join(str(row[c]) for c in ("Measure", "ValueAttribute", "Value", geo, time))
         for _, row in frame[not_a_number].iterrows()],
        ["Value"] * int(not_a_number.sum()),
        [Message("rejected.odata4.not_a_number", cell=str(v), measure=str(m), record=int(r))
         for v, m, r in zip(frame.loc[not_a_number, "Value"], frame.loc[not_a_number, "Measure"], records[not_a_number])],
    )
    keep = ~not_a_number
    return frame[keep], values[keep], status[keep], records[keep], rejected


def to_batch(table: ODataTable, checksum: str, kind: str = "cbs-odata4") -> ImportBatch:
    if len(table.observations) == 0:
        raise KoersError("errors.odata4.no_observations", location=table.location)
    dims = {d["Identifier"]: d.get("Kind") for d in table.dimensions}
    geo = next((d for d, k in dims.items() if k == "GeoDimension"), None)
    time = next((d for d, k in dims.items() if k == "TimeDimension"), None)
    if geo is None or time is None:
        raise KoersError("errors.odata4.no_region_or_period", location=table.location)
    frame = pd.DataFrame(table.observations)
    for column in ("Measure", "ValueAttribute", "Value", geo, time):
        if column not in frame:
            raise KoersError("errors.odata4.missing_field", location=table.location, column=column)

    # Dimensions other than region and period: a slice to one code (the totals) is dropped; a
    # dimension with several codes in the data becomes part of the measure (one indicator each).
    measure_titles = {m["Identifier"]: m for m in table.measures}
    split_dims = [d for d in dims if d not in (geo, time) and d in frame and frame[d].nunique() > 1]
    code_titles = {d: {c["Identifier"]: c["Title"] for c in table.codes.get(d, [])} for d in split_dims}
    frame["measure_key"] = frame["Measure"].astype(str)
    for d in split_dims:
        frame["measure_key"] = frame["measure_key"] + "|" + d + "=" + frame[d].astype(str)

    indicators = []
    ids = {}
    for key in frame["measure_key"].unique():
        measure_code, *parts = key.split("|")
        meta = measure_titles.get(measure_code, {})
        title = str(meta.get("Title", measure_code)).strip()
        for part in parts:
            d, code = part.split("=", 1)
            title += f"; {code_titles[d].get(code, code)}"
        unit = str(meta.get("Unit") or "")
        definition = canonical_for(table.table_id, key) or CanonicalIndicator(
            id=generated_indicator_id(table.table_id, key), title_nl=title, title_en=title, unit=unit,
            additive=(meta.get("PresentationType") == "Absolute" and unit == "aantal"),
            description=str(meta.get("Description") or "").strip()[:2000],
        )
        ids[key] = definition.id
        indicators.append((definition, key, title, unit))

    frame, values, status, records, rejected = _read_values(frame, table.codes.get(time, []), geo, time)

    region_code, region_key = region_columns(pa.array(frame[geo].astype(str)))
    periods, provisional_code = period_columns(pa.array(frame[time].astype(str)))
    observations = observation_table({
        "record": pa.array(records, pa.int64()),
        "indicator_id": pa.array(frame["measure_key"].map(ids)),
        "region_code": region_code,
        "region_key": region_key,
        "region_text": pa.array(frame[geo].astype(str).str.strip()),
        "period": periods,
        "value": pa.array(values, pa.float64()),
        "status": pa.array(status),
    })
    regions = regions_from_codes(table.codes[geo]) if geo in table.codes else []
    return ImportBatch(
        kind=kind,
        file=table.location,
        checksum=checksum,
        source_table=table.table_id,
        source_title=str(table.properties.get("Title", table.table_id)),
        licence=_licence(table.properties),
        rows_read=len(frame) + rejected.num_rows,
        observations=observations,
        rejected=rejected,
        indicators=indicators,
        regions=regions,
        region_source=f"CBS {table.table_id}",
    )


def load(source: str, base_url: str = DEFAULT_BASE_URL, filter: str | None = None,
         progress: Progress = no_progress) -> ImportBatch:
    """A batch from a folder of recorded responses (JSON, or the Parquet form), or (when `source` is
    no folder) the API."""
    path = Path(source)
    if is_parquet_folder(path):
        return to_batch(read_parquet_folder(path), file_checksum(path))
    if path.is_dir():
        return to_batch(read_folder(path), file_checksum(path))
    if path.exists() or "/" in source or "\\" in source:
        raise FileProblem(path, "errors.odata4.not_a_response_folder")
    table = fetch(source, base_url, filter, progress)
    digest = hashlib.sha256(json.dumps(table.observations, sort_keys=True).encode()).hexdigest()
    return to_batch(table, digest)


def load_arguments(args: argparse.Namespace, progress: Progress) -> ImportBatch:
    return load(args.source, args.base_url or DEFAULT_BASE_URL, args.filter, progress)


SOURCE = Source(
    name="cbs-odata4", title_key="sources.cbs-odata4", order=1,
    help="CBS OData4: folder of recorded responses or table id",
    arguments=(
        Argument("source", metavar="DIR_OR_TABLE_ID"),
        Argument("--base-url", help="API base (default https://datasets.cbs.nl/odata/v1/CBS)"),
        Argument("--filter", help="OData $filter for the observations"),
    ),
    load=load_arguments,
)
