"""CBS OData v3 (`https://opendata.cbs.nl/ODataFeed/odata/<table>`): the live feed, or its Parquet
form (a folder of `cbs.v3.<T>_TypedDataSet.parquet`, `_DataProperties.parquet`, one
`_<Dimension>.parquet` per dimension and `_Metadata.json`, as in 84799NED).

`TypedDataSet` is wide: one row per combination of dimension codes, one column per measure::

    ID  WijkenEnBuurten  Gemeentenaam_1  SoortRegio_2  AantalInwoners_5  Mannen_6 ...
    1   "GM1680    "     "Aa en Hunze "  "Gemeente  "  25445             12720    ...

`DataProperties` says which column is what: `Type` is Dimension / GeoDimension / GeoDetail /
TimeDimension for the keys, Topic for the measures (with `Title`, `Unit`, `Datatype`,
`PresentationType`). Codes come right-padded with spaces, and the feed may send numbers as padded
strings. A table without a time dimension (Kerncijfers wijken en buurten 2020) is one period: the
year in its title, unless `period` says otherwise. We turn it long: one observation per row x
numeric Topic column. Another dimension than region and period (83648NED's `SoortMisdrijf`) splits
each Topic into one measure per code: `TotaalGeregistreerdeMisdrijven_1|SoortMisdrijf=0000000`.

The same feed exported as CSV (`<table>_UntypedDataSet_<date>.csv`, as 70072ned and 83648NED were
captured in 2018) is read by `read_untyped_csv`: there are no DataProperties, so the column keys
are the measures and their units the catalogue's. A source published in another unit than its
canonical indicator (household waste in 1,000 kg) is scaled by `more_cbs.source_factor`. A JSON
capture (a folder with `DataProperties.json`, `TableInfos.json` and `{code: {measure: value}}`, as
85984NED, KWB 2024 with municipality and district rows) is read by `read_json_capture`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from koers.indicators.catalogue import CBS_LICENCE, CanonicalIndicator, canonical_for, generated_indicator_id
from koers.indicators.more_cbs import source_factor
from koers.errors import FileProblem, KoersError
from koers.i18n import Message
from koers.sources.common import (
    ODataClient,
    empty_rejected,
    file_checksum,
    map_distinct,
    observation_table,
    parse_numbers,
    period_columns,
    region_columns,
    rejected_table,
)
from koers.sources.periods import parse_period
from koers.sources.registry import KIND_BY_PREFIX, Region
from koers.sources.source import Argument, Source
from koers.progress import Progress, no_progress
from koers.store import ImportBatch

if TYPE_CHECKING:
    import argparse

DEFAULT_BASE_URL = "https://opendata.cbs.nl/ODataFeed/odata"
NUMERIC_TYPES = {"Long", "Double", "Integer", "Float", "Decimal", "Short", "Int32", "Int64"}
KEY_TYPES = {"Dimension", "GeoDimension", "GeoDetail", "TimeDimension"}
# CBS says in a column's description when its figures are provisional ("Het betreft voorlopige
# cijfers", "nader voorlopige cijfers", "De cijfers hebben een voorlopig karakter"), not in the
# period code of a table without time dimension. "De (voorlopig) gemiddelde woningwaarde wordt
# bepaald met ..." explains a method and does not match.
PROVISIONAL_DESCRIPTION = re.compile(r"\b(?:nader\s+)?voorlopige\s+cijfers\b|\bvoorlopig\s+karakter\b", re.IGNORECASE)


def says_provisional(description: object) -> bool:
    """Whether a column's CBS description marks its figures as provisional (voorlopig)."""
    return bool(PROVISIONAL_DESCRIPTION.search(str(description or "")))


def _read_parquet(path: Path) -> pa.Table:
    import pyarrow.parquet as pq  # only when importing: keeps `python -m koers` quick to start

    try:
        return pq.read_table(path)
    except FileNotFoundError as error:
        raise FileProblem(path, "errors.odata3.file_missing") from error
    except (pa.ArrowInvalid, OSError) as error:
        raise FileProblem(path, "errors.odata3.unreadable_parquet") from error


def _one(folder: Path, suffix: str) -> Path:
    matches = sorted(folder.glob(f"*_{suffix}"))
    if not matches:
        raise FileProblem(folder, "errors.odata3.no_suffix_file", suffix=suffix)
    return matches[0]


def read_folder(folder: Path) -> tuple[str, dict, pa.Table, pa.Table, dict[str, pa.Table]]:
    """(table id, table info, TypedDataSet, DataProperties, dimension code lists)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileProblem(folder, "errors.odata3.not_a_table_folder")
    data_path = _one(folder, "TypedDataSet.parquet")
    table_id = re.sub(r"^cbs\.v3\.|_TypedDataSet\.parquet$", "", data_path.name)
    info_paths = sorted(folder.glob("*_Metadata.json"))
    info = json.loads(info_paths[0].read_text(encoding="utf-8")) if info_paths else {}
    properties = _read_parquet(_one(folder, "DataProperties.parquet"))
    dims = {}
    for row in properties.to_pylist():
        if row.get("Type") in KEY_TYPES:
            candidate = folder / data_path.name.replace("TypedDataSet", row["Key"])
            if candidate.exists():
                dims[row["Key"]] = _read_parquet(candidate)
    return table_id, info, _read_parquet(data_path), properties, dims


UNTYPED_CSV = re.compile(r"^(?P<table>[0-9A-Za-z]+)_(?:Untyped|Typed)DataSet(?:_[0-9_]+)?\.csv$")
_TOPIC_KEY = re.compile(r"_\d+$")  # v3 measure keys end in their position: "TotaleBevolking_1"
_GEO_KEYS = {"RegioS", "WijkenEnBuurten", "Gemeenten", "Regio"}
_TIME_KEYS = {"Perioden"}


def read_untyped_csv(path: Path) -> tuple[str, dict, pa.Table, pa.Table, dict[str, pa.Table], list[tuple[int, str, str, Message]]]:
    """(table id, table info, data, DataProperties, dimension code lists, rejected cells) of the v3
    feed's TypedDataSet or UntypedDataSet exported as CSV::

        "ID";"RegioS";"Perioden";"TotaleBevolking_1";...;"Code_271";"Naam_272"
        "1988";"GM0363";"2015JJ00";"  821752";...;"AM18      ";"Groot Amsterdam       "

    `;`-separated, every value quoted, numbers left-padded, "" or "." missing, codes right-padded.
    The capture holds no DataProperties: the keys say what a column is (RegioS the regions,
    Perioden the periods, a key ending in `_<n>` a measure, any other key a dimension such as
    SoortMisdrijf), a measure column of text (Code_271, Naam_272) is left out, and units are the
    catalogue's for the measures it maps (none for the others).
    """
    import pyarrow.csv as pcsv  # only when importing: keeps `python -m koers` quick to start

    match = UNTYPED_CSV.match(path.name)
    table_id = match.group("table") if match else path.stem
    try:
        with open(path, encoding="utf-8-sig") as handle:
            header = next(csv.reader([handle.readline()], delimiter=";"), [])
        # Every column as text: codes such as SoortMisdrijf "0000000" keep their zeros.
        data = pcsv.read_csv(path, parse_options=pcsv.ParseOptions(delimiter=";"),
                             convert_options=pcsv.ConvertOptions(column_types={k: pa.string() for k in header},
                                                                 strings_can_be_null=False),
                             read_options=pcsv.ReadOptions(block_size=1 << 24))
    except FileNotFoundError as error:
        raise FileProblem(path, "errors.file.does_not_exist") from error
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as error:
        raise FileProblem(path, "errors.odata3.unreadable_csv", detail=str(error).splitlines()[0][:200]) from error
    data = data.cast(pa.schema([pa.field(n, pa.string()) for n in data.column_names]))
    keys = data.column_names
    geo = next((k for k in keys if k in _GEO_KEYS), None)
    if geo is None:
        raise FileProblem(path, "errors.odata3.csv_no_region_column", found=", ".join(keys[:8]))
    time = next((k for k in keys if k in _TIME_KEYS), None)
    props: list[dict] = [{"Key": geo, "Type": "GeoDimension", "Title": geo}]
    if time:
        props.append({"Key": time, "Type": "TimeDimension", "Title": time})
    rejected: list[tuple[int, str, str, Message]] = []
    columns = {k: data.column(k) for k in keys}
    line_of = list(range(2, data.num_rows + 2))  # line 1 is the header
    for key in keys:
        if key in (geo, time, "ID"):
            continue
        if not _TOPIC_KEY.search(key):
            props.append({"Key": key, "Type": "Dimension", "Title": key})
            continue
        values, bad = parse_numbers(pc.replace_substring(data.column(key).combine_chunks(), ",", "."), decimal="point")
        filled = len(values) - pc.sum(pc.is_in(pc.utf8_trim_whitespace(data.column(key)),
                                                value_set=pa.array(["", "."]))).as_py()
        bad_count = pc.sum(bad).as_py() or 0
        if filled == 0 or bad_count * 2 > filled:
            continue  # a text column (a code or a name of the region's wider areas): no measure
        for index in pc.indices_nonzero(bad).to_pylist():
            cell = data.column(key)[index].as_py().strip()
            rejected.append((line_of[index], key, cell, Message("rejected.statline.not_a_number", cell=cell)))
        columns[key] = values
        props.append({"Key": key, "Type": "Topic", "Title": key, "Datatype": "Double", "Unit": "",
                      "PresentationType": ""})
    info = {"Title": table_id, "Identifier": table_id}
    columns["ID"] = pa.array(line_of, pa.int64())  # the record of a row is its line in the file
    table = pa.table(columns)
    fields = ("Key", "Type", "Title", "Datatype", "Unit", "PresentationType")
    properties = pa.Table.from_pylist([{f: p.get(f) for f in fields} for p in props],
                                      schema=pa.schema([(f, pa.string()) for f in fields]))
    return table_id, info, table, properties, {}, rejected


def read_json_capture(folder: Path) -> tuple[str, dict, pa.Table, pa.Table, dict[str, pa.Table]]:
    """The same parts from a JSON capture (85984NED): `DataProperties.json` and `TableInfos.json` as
    the v3 API returns them, and one data file `{code: {measure key: value}}`::

        {"GM1680": {"AantalInwoners_5": 25845, "Woningvoorraad_35": 11500, ...},
         "WK168000": {"AantalInwoners_5": 3590, ...}, ...}

    The region code list is made from the codes: a district (WK + municipality number + 2) has its
    municipality as parent and, the capture holding no names, its code as name.
    """

    def read(path: Path) -> object:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise FileProblem(path, "errors.odata3.file_missing") from error
        except (ValueError, UnicodeDecodeError) as error:
            raise FileProblem(path, "errors.odata3.not_json") from error

    properties = read(folder / "DataProperties.json")
    infos = read(folder / "TableInfos.json") if (folder / "TableInfos.json").exists() else [{}]
    data_files = sorted(p for p in folder.glob("*.json") if p.name not in ("DataProperties.json", "TableInfos.json"))
    if not isinstance(properties, list) or not data_files:
        raise FileProblem(folder, "errors.odata3.not_a_table_folder")
    rows = read(data_files[0])
    if not isinstance(rows, dict) or not all(isinstance(v, dict) for v in rows.values()):
        raise FileProblem(data_files[0], "errors.odata3.not_code_mapping")
    info = (infos[0] if isinstance(infos, list) and infos else infos) or {}
    geo = next((p["Key"] for p in properties if p.get("Type") in ("GeoDimension", "GeoDetail")), "WijkenEnBuurten")
    codes = list(rows)
    keys = list(dict.fromkeys(k for values in rows.values() for k in values))
    columns: dict[str, pa.Array] = {"ID": pa.array(range(1, len(codes) + 1), pa.int64()), geo: pa.array(codes, pa.string())}
    for key in keys:
        columns[key] = pa.array([_json_number(rows[code].get(key)) for code in codes], pa.float64())
    fields = ("Key", "Type", "Title", "Description", "Datatype", "Unit", "PresentationType")
    table_properties = pa.Table.from_pylist([{f: (None if p.get(f) is None else str(p.get(f))) for f in fields}
                                             for p in properties], schema=pa.schema([(f, pa.string()) for f in fields]))
    regions = pa.Table.from_pylist([{"Key": code, "Title": code,
                                     "Municipality": f"GM{code[2:6]}" if code.startswith(("WK", "BU")) else code}
                                    for code in codes])
    table_id = str(info.get("Identifier") or folder.name)
    return table_id, info, pa.table(columns), table_properties, {geo: regions}


def _json_number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    numbers, _ = parse_numbers(pa.array([str(value)]), decimal="point")
    return numbers[0].as_py()


def fetch(table_id: str, base_url: str = DEFAULT_BASE_URL, progress: Progress = no_progress,
          ) -> tuple[str, dict, pa.Table, pa.Table, dict[str, pa.Table]]:
    """The same parts from the live feed, following `odata.nextLink`."""
    client = ODataClient()
    root = f"{base_url.rstrip('/')}/{quote(table_id)}"
    infos = client.all_values(f"{root}/TableInfos", "odata.nextLink")
    properties = pa.Table.from_pylist(client.all_values(f"{root}/DataProperties", "odata.nextLink"))
    dims = {}
    for row in properties.to_pylist():
        if row.get("Type") in KEY_TYPES:
            dims[row["Key"]] = pa.Table.from_pylist(client.all_values(f"{root}/{quote(row['Key'])}", "odata.nextLink"))
    rows = client.all_values(f"{root}/TypedDataSet", "odata.nextLink", progress)
    if not rows:
        raise KoersError("errors.odata3.no_rows", root=root)
    return table_id, (infos[0] if infos else {}), pa.Table.from_pylist(rows), properties, dims


def _column(table: pa.Table, name: str) -> pa.Array:
    return table.column(name).combine_chunks()


def to_batch(table_id: str, info: dict, data: pa.Table, properties: pa.Table, dims: dict[str, pa.Table],
             location: str, checksum: str, period: str | None = None,
             levels: tuple[str, ...] | None = None, kind: str = "cbs-odata3") -> ImportBatch:
    props = properties.to_pylist()
    geo = next((p["Key"] for p in props if p.get("Type") in ("GeoDimension", "GeoDetail")), None)
    time = next((p["Key"] for p in props if p.get("Type") == "TimeDimension"), None)
    if geo is None or geo not in data.column_names:
        raise KoersError("errors.odata3.no_region_dimension", location=location)

    regions_raw = pc.utf8_trim_whitespace(pc.cast(_column(data, geo), pa.string()))
    if levels:
        keep = pc.is_in(pc.utf8_slice_codeunits(regions_raw, 0, 2), value_set=pa.array(list(levels)))
        data = data.filter(keep)
        regions_raw = regions_raw.filter(keep)
    rows = data.num_rows

    if time:
        periods, provisional = period_columns(pc.utf8_trim_whitespace(pc.cast(_column(data, time), pa.string())))
    else:
        title = str(info.get("Title") or info.get("ShortTitle") or "")
        year = period or (re.findall(r"\b(\d{4})\b", title) or [None])[-1]
        parsed = parse_period(year) if year else None
        if parsed is None:
            raise KoersError("errors.odata3.no_period_dimension", location=location)
        periods = pa.array([parsed[0]] * rows, pa.string())
        provisional = pa.array([False] * rows, pa.bool_())
    region_code, region_key = region_columns(regions_raw)
    record = _column(data, "ID") if "ID" in data.column_names else pa.array(range(1, rows + 1), pa.int64())

    # Any other dimension (83648NED's SoortMisdrijf) splits the measures: "<Topic>|SoortMisdrijf=0000000".
    others = [p["Key"] for p in props if p.get("Type") == "Dimension" and p["Key"] in data.column_names]
    suffix = pa.array([""] * rows, pa.string())
    for key in others:
        codes = pc.utf8_trim_whitespace(pc.cast(_column(data, key), pa.string()))
        suffix = pc.binary_join_element_wise(suffix, f"|{key}=", codes, "")
    suffixes = sorted(set(suffix.to_pylist()))
    code_titles = {key: {str(r.get("Key") or "").strip(): str(r.get("Title") or "").strip()
                         for r in dims[key].to_pylist()} for key in others if key in dims}

    topics = [p for p in props if p.get("Type") == "Topic" and p.get("Datatype") in NUMERIC_TYPES and p["Key"] in data.column_names]
    parts, indicators, skipped = [], [], []
    for topic in topics:
        values, bad = parse_numbers(_column(data, topic["Key"]))
        if values.null_count == len(values):
            skipped.append(topic["Key"])  # CBS has not filled this column yet: nothing to say
            continue
        column_provisional = pc.or_(provisional, pa.scalar(says_provisional(topic.get("Description"))))
        ids = {}
        for sfx in suffixes:
            definition, measure, title, unit = _topic_indicator(table_id, topic, sfx, code_titles)
            indicators.append((definition, measure, title, unit))
            ids[sfx] = definition.id
        # Values in another unit than the canonical one (tonnes for kg): one factor per measure.
        factors = map_distinct(suffix, lambda s, key=topic["Key"]: source_factor(table_id, key + s)[0], pa.float64())
        scaled = pc.multiply(values, factors)
        status = pc.if_else(pc.is_null(values), "missing", pc.if_else(column_provisional, "provisional", "definitive"))
        parts.append(observation_table({
            "record": record, "indicator_id": map_distinct(suffix, ids.get),
            "region_code": region_code, "region_key": region_key, "region_text": regions_raw,
            "period": periods, "value": scaled, "status": status,
        }))
    if not parts:
        raise KoersError("errors.odata3.no_numeric_columns", location=location)

    return ImportBatch(
        kind=kind, file=location, checksum=checksum, source_table=table_id,
        source_title=str(info.get("Title") or table_id), licence=CBS_LICENCE,
        rows_read=rows, observations=pa.concat_tables(parts), rejected=empty_rejected(),
        indicators=indicators, regions=_regions(dims.get(geo), levels), region_source=f"CBS {table_id}",
    )


def _topic_indicator(table_id: str, topic: dict, suffix: str, code_titles: dict[str, dict[str, str]],
                     ) -> tuple[CanonicalIndicator, str, str, str]:
    """(definition, source measure, source title, source unit) of one Topic column, split by
    `suffix` ("|SoortMisdrijf=0000000", or "" for a table without other dimensions)."""
    measure = topic["Key"] + suffix
    title = str(topic.get("Title") or topic["Key"]).strip()
    for part in suffix.split("|")[1:]:
        key, code = part.split("=", 1)
        title += f"; {code_titles.get(key, {}).get(code) or f'{key} {code}'}"
    definition = canonical_for(table_id, measure)
    unit = str(topic.get("Unit") or "").strip()
    if definition is not None and not unit:  # a capture without DataProperties: the catalogue's unit
        unit = source_factor(table_id, measure)[1] or definition.unit
    if definition is None:
        definition = CanonicalIndicator(
            id=generated_indicator_id(table_id, measure), title_nl=title, title_en=title, unit=unit,
            # A count: absolute, whole numbers of something ("Gemiddelde huishoudensgrootte" is
            # absolute and "aantal" too, but a Double: an average, which does not add up).
            additive=(topic.get("PresentationType") == "Absolute" and unit == "aantal"
                      and topic.get("Datatype") in ("Long", "Integer", "Int32", "Int64", "Short")),
            description=str(topic.get("Description") or "").strip()[:2000],
        )
    return definition, measure, title, unit


def _regions(codes: pa.Table | None, levels: tuple[str, ...] | None) -> list[Region]:
    """Districts and neighbourhoods (and any region not yet known) from the geo code list.

    The v3 list has no history, so `Store.upsert_regions` only adds what it does not know yet.
    """
    if codes is None:
        return []
    regions = []
    for row in codes.to_pylist():
        code = str(row.get("Key") or "").strip()
        if code == "NL00":
            code = "NL01"
        prefix = code[:2]
        if prefix not in KIND_BY_PREFIX or (levels and prefix not in levels and code != "NL01"):
            continue
        parent = str(row.get("Municipality") or "").strip() or None
        regions.append(Region(code, str(row.get("Title") or code).strip(), KIND_BY_PREFIX[prefix], None, None, None,
                              parent_code=parent if parent != code else None))
    return regions


def load(source: str, base_url: str = DEFAULT_BASE_URL, period: str | None = None,
         levels: tuple[str, ...] | None = None, progress: Progress = no_progress) -> ImportBatch:
    """A batch from the Parquet folder, a JSON capture folder (with `DataProperties.json`), a v3
    CSV export (`*_UntypedDataSet_*.csv`), or (when `source` is no path) the live feed."""
    import pyarrow.parquet as pq  # as in `_read_parquet`

    path = Path(source)
    if path.is_dir() and (path / "DataProperties.json").exists():
        parts = read_json_capture(path)
        return to_batch(*parts, location=str(path), checksum=file_checksum(path), period=period, levels=levels)
    if path.is_dir():
        parts = read_folder(path)
        return to_batch(*parts, location=str(path), checksum=file_checksum(path), period=period, levels=levels)
    if path.is_file() and path.suffix.lower() == ".csv":
        table_id, info, data, properties, dims, bad_cells = read_untyped_csv(path)
        batch = to_batch(table_id, info, data, properties, dims, location=str(path), checksum=file_checksum(path),
                         period=period, levels=levels, kind="cbs-odata3")
        return _with_rejected_cells(batch, bad_cells)
    if path.exists() or "/" in source or "\\" in source:
        raise FileProblem(path, "errors.odata3.not_a_table_folder")
    table_id, info, data, properties, dims = fetch(source, base_url, progress)
    sink = pa.BufferOutputStream()
    pq.write_table(data, sink)
    checksum = hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()
    return to_batch(table_id, info, data, properties, dims, location=f"{base_url}/{table_id}",
                    checksum=checksum, period=period, levels=levels)


def _with_rejected_cells(batch: ImportBatch, bad_cells: list[tuple[int, str, str, Message]]) -> ImportBatch:
    """The batch with the cells that were no number as rejected records, and without the
    observations those cells would have given (read as missing, which they are not)."""
    if not bad_cells:
        return batch
    batch.rejected = rejected_table([line for line, _, _, _ in bad_cells], [cell for _, _, cell, _ in bad_cells],
                                    [key for _, key, _, _ in bad_cells], [reason for _, _, _, reason in bad_cells])
    ids_of = {}
    for definition, measure, _, _ in batch.indicators:
        ids_of.setdefault(measure.split("|")[0], set()).add(definition.id)
    bad = {(line, indicator) for line, key, _, _ in bad_cells for indicator in ids_of.get(key, ())}
    obs = batch.observations
    keep = [(r, i) not in bad for r, i in zip(obs.column("record").to_pylist(), obs.column("indicator_id").to_pylist())]
    batch.observations = obs.filter(pa.array(keep))
    return batch


def load_arguments(args: argparse.Namespace, progress: Progress) -> ImportBatch:
    levels = tuple(x.strip().upper() for x in args.levels.split(",")) if args.levels else None
    return load(args.source, args.base_url or DEFAULT_BASE_URL, args.period, levels, progress)


SOURCE = Source(
    name="cbs-odata3", title_key="sources.cbs-odata3", order=2,
    help="CBS OData v3: Parquet or JSON folder, UntypedDataSet CSV or table id",
    arguments=(
        Argument("source", metavar="PATH_OR_TABLE_ID"),
        Argument("--base-url", help="feed base (default https://opendata.cbs.nl/ODataFeed/odata)"),
        Argument("--period", help="period of a table without period dimension (default: year in its title)"),
        Argument("--levels", help="region levels to keep, e.g. NL,PV,GM (default: all, WK and BU too)"),
    ),
    load=load_arguments,
)
