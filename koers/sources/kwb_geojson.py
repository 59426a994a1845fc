"""CBS Kerncijfers wijken en buurten (KWB) per municipality or district, as GeoJSON from PDOK.

The files (`data/kwb-pdok/`, see data/README.md) are the gemeente and wijk layers of the PDOK
"wijkenbuurten" service with short keys, one feature per region of that year's division, with
its boundary::

    {"type": "Feature", "geometry": {"type": "MultiPolygon", ...},          WGS84
     "properties": {"gemeentecode": "GM0363", "gemeentenaam": "Amsterdam",
                    "aantal_inwoners": 882633, "gem_woz_waarde": 433, ...,   433 = € 433,000
                    "cr_totaal_misdrijven": 76403, "cr_jaar": 2022,          crime of cr_jaar
                    "zk_kosten_totaal": 2578.0, "zk_jaar": 2022}}            health costs of zk_jaar

    district files: "wijkcode": "WK036300", "wijknaam": ..., "gemeentecode": the parent

The year of the division (and of the KWB figures) comes from the file name (`gemeenten_2022`,
`wijken_2024`) or the `year` option; crime figures (`cr_*`) take their year from the feature's
`cr_jaar`, health costs (`zk_*`) from its `zk_jaar` (the 2024 file carries 2023's costs).

One record per feature and figure: the figures are the keys of `KWB_PDOK` (the README's table;
species counts `ff_*`, farms `lbt_*`, addresses `bag_*` and land use `bbg_*` are left out). A key
that some features of a file have and another lacks is missing for that one (a value never
becomes 0); a feature with none of them (a district of open water) gives no records, only its
boundary. CBS's secrecy codes (-99999997 … -99999999) are missing too. Crime and health costs come
only from features that carry their year (the app enriched the others with nothing), and a figure
that an earlier file of the same import gave with the same value is read once (the 2024 file
repeats 2023's health costs exactly). Amounts in thousands of euro (`EURO_THOUSANDS`) are stored
in euro. `GM0998` "Buitenland" (and its district), `GM9999` (2012: no municipality) and a feature
without a valid code are one rejected record each, with the reason. `rows_read` counts the
records: loaded + rejected.

Each kept feature's geometry goes into `ImportBatch.boundaries` (kind "municipality" or
"district"); districts also come as regions with their municipality as parent.
"""

from __future__ import annotations

from collections import Counter

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from koers.errors import FileProblem
from koers.i18n import Message
from koers.indicators.catalogue import canonical_for
from koers.indicators.kwb_pdok import KWB_PDOK, KWB_PDOK_LICENCE, KWB_PDOK_TABLE
from koers.progress import Progress, no_progress
from koers.sources.common import file_checksum, observation_table, rejected_table
from koers.sources.registry import Region
from koers.sources.source import Argument, Source, Upload, UploadField
from koers.store import BOUNDARY_SCHEMA, ImportBatch

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

KIND = "kwb-geojson"
# CBS codes in the municipal layer that are no municipality: addresses abroad, and an area without
# a municipality (the 2012 layer has one, with species counts only).
NOT_MUNICIPALITIES = {"GM0998": "rejected.kwb.abroad", "GM9999": "rejected.kwb.no_municipality"}
EURO_THOUSANDS = frozenset({"gem_inkomen_inwoner", "gem_inkomen_ontvanger", "gem_gestand_inkomen", "mediaan_vermogen",
                            "gem_woz_waarde"})
SECRECY_BELOW = -99_999_990  # CBS's codes for secret or unknown figures: -99999997, -99999998, -99999999
FIELDS = tuple(source.measure for definition in KWB_PDOK for source in definition.sources)
# Which year a figure is of: crime (`cr_*`) of the feature's `cr_jaar`, health costs (`zk_*`) of its
# `zk_jaar`, the rest of the file's year ("").
_YEAR_GROUP = {key: key[:3] if key[:3] in ("cr_", "zk_") else "" for key in FIELDS}
_UNSEEN = object()
_YEAR_IN_NAME = re.compile(r"(gemeenten|wijken)[_ -]?(\d{4})", re.IGNORECASE)
_CODE = {"municipality": re.compile(r"^GM\d{4}$"), "district": re.compile(r"^WK\d{4}[0-9A-Z]{2}$")}
_CODE_FIELD = {"municipality": "gemeentecode", "district": "wijkcode"}
_NAME_FIELD = {"municipality": "gemeentenaam", "district": "wijknaam"}
REGION_SOURCE = "CBS/PDOK wijk- en buurtkaart"


def load(path: Path, progress: Progress = no_progress, *, year: int | None = None) -> ImportBatch:
    """Read one KWB GeoJSON file (`gemeenten_YYYY.geojson`, `wijken_YYYY.geojson`), or every
    .geojson file in a folder. `year`: the year of the division and figures, for a file whose name
    does not say it (given, it wins over the name)."""
    path = Path(path)
    files = _geojson_files(path)
    found: list[tuple[int, str, str, str, str, float | None, str]] = []  # record, key, code, name, period, value, raw
    rejected: list[tuple[int, str, str, Message]] = []
    boundaries: dict[tuple[int, str], tuple[str, str]] = {}  # (year, code): (kind, geometry); one per region and year
    regions: dict[str, Region] = {}
    used: set[str] = set()
    seen: dict[tuple[str, str, str], float | None] = {}
    implicit: dict[tuple[str, str, str], tuple] = {}  # (key, code, period): a missing record, kept if no file has it
    record = 0
    for step, file in enumerate(files):
        progress(file.name, step / len(files))
        collection = _read(file)
        file_year = year or _year_from_name(file) or _year_from_metadata(collection)
        if file_year is None:
            raise FileProblem(file, "errors.kwb.no_year")
        features = [f for f in collection["features"] if isinstance(f, dict)]
        kind = "district" if any("wijkcode" in _properties(f) for f in features) else "municipality"
        # The figures this file has at all: a feature without one of them misses it.
        present_anywhere = set().union(*(_properties(f).keys() for f in features))
        keys = [key for key in FIELDS if key in present_anywhere]
        # The file's crime and health-cost year (the one most of its features carry): a municipality
        # without it misses those figures for that year. Weesp in 2022 carries no `cr_jaar`; without a
        # missing record, Amsterdam's crime on today's division would add Weesp's residents but not its crimes.
        file_periods = {group: _commonest(_year_of(_properties(f), f"{group}jaar") for f in features)
                        for group in ("cr_", "zk_")}
        for number, feature in enumerate(features, start=1):
            record += 1
            props = _properties(feature)
            code_field = _CODE_FIELD[kind]
            code = str(props.get(code_field) or "").strip().upper()
            name = str(props.get(_NAME_FIELD[kind]) or "").strip()
            raw = f"{file.name}, feature {number}: {code or '-'} {name}".strip()
            if not _CODE[kind].match(code):
                rejected.append((record, raw, code_field, Message("rejected.kwb.no_code", number=number, field=code_field,
                                                                  cell=code)))
                continue
            parent = str(props.get("gemeentecode") or "").strip().upper() if kind == "district" else code
            if parent in NOT_MUNICIPALITIES:
                rejected.append((record, raw, code_field, Message(NOT_MUNICIPALITIES[parent], code=code, name=name)))
                continue
            geometry = feature.get("geometry")
            if isinstance(geometry, dict) and geometry.get("type"):
                boundaries[(file_year, code)] = (kind, json.dumps(geometry, separators=(",", ":"), check_circular=False))
            if not any(key in props for key in keys):  # a district of open water: its boundary, no figures
                continue
            if kind == "district":
                regions[code] = Region(code, name or code, "district", None, None, None, parent_code=parent or None)
            periods = {"": str(file_year), "cr_": _year_of(props, "cr_jaar"), "zk_": _year_of(props, "zk_jaar")}
            for key in keys:
                group = _YEAR_GROUP[key]
                period = periods[group]
                if period is None:
                    # crime or health costs without their year: the app added none here, so they are
                    # missing for the year the rest of the file has — unless another file has them
                    if file_periods.get(group) is not None:
                        implicit.setdefault((key, code, file_periods[group]), (record, key, code, name, file_periods[group],
                                                                              None, f"{raw}; {key}=-"))
                    continue
                cell = props.get(key)
                value = _value(cell, key)
                if isinstance(value, Message):
                    rejected.append((record, raw, key, value))
                    continue
                if seen.get((key, code, period), _UNSEEN) == value:
                    continue  # the same figure again from another file (2024's copy of 2023's health costs)
                seen[(key, code, period)] = value
                found.append((record, key, code, name, period, value, f"{raw}; {key}={cell}"))
                used.add(key)
    found.extend(row for where, row in implicit.items() if where not in seen)
    indicator_of = {key: canonical_for(KWB_PDOK_TABLE, key) for key in FIELDS}
    return ImportBatch(
        kind=KIND, file=str(path), checksum=file_checksum(path), source_table=KWB_PDOK_TABLE,
        source_title="CBS Kerncijfers wijken en buurten (PDOK wijkenbuurten, GeoJSON)", licence=KWB_PDOK_LICENCE,
        rows_read=len(found) + len(rejected), observations=_observations(found),
        rejected=rejected_table([r[0] for r in rejected], [r[1] for r in rejected], [r[2] for r in rejected],
                                [r[3] for r in rejected]),
        indicators=[(indicator_of[key], key, indicator_of[key].title_nl,
                     "× 1.000 euro" if key in EURO_THOUSANDS else indicator_of[key].unit) for key in FIELDS if key in used],
        regions=list(regions.values()), region_source=REGION_SOURCE, boundaries=_boundary_table(boundaries),
    )


def _observations(found: list[tuple[int, str, str, str, str, float | None, str]]) -> pa.Table:
    """The batch's observations from (record, key, code, name, period, value, raw) per figure."""
    indicator_of = {key: canonical_for(KWB_PDOK_TABLE, key).id for key in FIELDS}
    rows = dict(zip(("record", "key", "region_code", "region_text", "period", "value", "raw"),
                    map(list, zip(*found)) if found else [[] for _ in range(7)]))
    return observation_table({
        "record": pa.array(rows["record"], pa.int64()),
        "indicator_id": pa.array([indicator_of[key] for key in rows["key"]], pa.string()).dictionary_encode(),
        "region_code": pa.array(rows["region_code"], pa.string()).dictionary_encode(),
        "region_text": pa.array(rows["region_text"], pa.string()).dictionary_encode(),
        "period": pa.array(rows["period"], pa.string()).dictionary_encode(),
        "value": pa.array(rows["value"], pa.float64()),
        "status": pa.array(["definitive"] * len(rows["record"]), pa.string()).dictionary_encode(),
        "raw": pa.array(rows["raw"], pa.string()),
    })


def _boundary_table(boundaries: dict[tuple[int, str], tuple[str, str]]) -> pa.Table:
    """BOUNDARY_SCHEMA rows from {(year, code): (kind, geometry)}."""
    return pa.table({"year": pa.array([division for division, _ in boundaries], pa.int32()),
                     "region_code": pa.array([code for _, code in boundaries], pa.string()),
                     "kind": pa.array([kind for kind, _ in boundaries.values()], pa.string()),
                     "geometry": pa.array([geometry for _, geometry in boundaries.values()], pa.string())},
                    schema=BOUNDARY_SCHEMA)


def _properties(feature: dict) -> dict:
    properties = feature.get("properties")
    return properties if isinstance(properties, dict) else {}


def _value(cell: Any, key: str) -> float | None | Message:
    """A figure in Koers's unit; None (missing) for null, absent or a CBS secrecy code."""
    if cell is None:
        return None
    if isinstance(cell, bool) or not isinstance(cell, (int, float)):
        return Message("rejected.kwb.not_a_number", field=key, cell=str(cell)[:40])
    if not math.isfinite(cell):
        return Message("rejected.kwb.not_a_number", field=key, cell=str(cell))
    if cell <= SECRECY_BELOW:
        return None
    return float(cell) * 1000 if key in EURO_THOUSANDS else float(cell)


def _commonest(years) -> str | None:
    counts = Counter(y for y in years if y is not None)
    return counts.most_common(1)[0][0] if counts else None


def _year_of(props: dict, year_key: str) -> str | None:
    """The year of a feature's crime (`cr_jaar`) or health costs (`zk_jaar`); None when it has none:
    then the app added no such figures to it."""
    year = props.get(year_key)
    return str(year) if isinstance(year, int) and not isinstance(year, bool) and 1900 < year < 2200 else None


def _year_from_name(path: Path) -> int | None:
    match = _YEAR_IN_NAME.search(path.stem)
    return int(match.group(2)) if match else None


def _year_from_metadata(collection: dict) -> int | None:
    year = (collection.get("metadata") or {}).get("year") if isinstance(collection.get("metadata"), dict) else None
    return year if isinstance(year, int) and 1900 < year < 2200 else None


def _geojson_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".geojson", ".json"))
        if not files:
            raise FileProblem(path, "errors.kwb.no_files")
        return files
    if not path.exists():
        raise FileProblem(path, "errors.file.does_not_exist")
    return [path]


def _read(path: Path) -> dict:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileProblem(path, "errors.statline.unreadable", strerror=error.strerror) from error
    if not data.strip():
        raise FileProblem(path, "errors.file.empty")
    try:
        collection = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise FileProblem(path, "errors.kwb.not_json") from error
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        raise FileProblem(path, "errors.kwb.not_a_feature_collection")
    return collection


# --- the command line and the Data page ----------------------------------------------------------


def load_arguments(args: argparse.Namespace, progress: Progress) -> ImportBatch:
    return load(Path(args.source), progress, year=args.year)


def read_upload(path: Path, fields: Mapping[str, str]) -> ImportBatch:
    """An uploaded GeoJSON file; the year from its name, or the page's field."""
    text = (fields.get("year") or "").strip()
    if text and not (text.isdigit() and len(text) == 4):
        raise FileProblem(path, "errors.kwb.bad_year", cell=text)
    return load(path, year=int(text) if text else None)


SOURCE = Source(
    name=KIND, title_key="sources.kwb-geojson", order=6,
    help="CBS Kerncijfers wijken en buurten per municipality or district as GeoJSON (PDOK), with each year's boundaries",
    arguments=(Argument("source", metavar="PATH", help="a gemeenten_YYYY.geojson or wijken_YYYY.geojson file, or a folder of them"),
               Argument("--year", type=int, help="the year of the division and figures (default: from the file name)")),
    load=load_arguments,
    upload=Upload(kind="kwb", order=4, file_types=("geojson", "json"), read=read_upload, fields=(
        UploadField("year", "data_page.kwb_year", help_key="data_page.kwb_year_help"),
    )),
)
