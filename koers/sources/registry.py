"""The municipal registry, read from a CBS `codes-RegioS.json` (OData4 `RegioSCodes`).

Each code's `Description` holds CBS's own history of the region as text blocks, for example::

    Opgeheven per 01-01-2021, overgegaan naar:
    - Eemsdelta (GM1979),
    ... 2378 hectare met 6023 woningen en 11496 inwoners

    Begindatum voor 1830

Headers seen in the real file: "Ontstaan per D, ontvangen van:", "Opgeheven per D, overgegaan naar:",
"Gemeentelijke herindeling per D, ontvangen van:", "Grenswijziging per D, ontvangen van: /
overgegaan naar:", "Wijziging per D, ...", "Naamswijziging per D," with "oude naam: X (GMxxxx)" or
"nieuwe naam: X (GMxxxx)", "Provinciale wijziging per D:", "Begindatum D" / "Begindatum voor 1830".
Each "- Name (GMxxxx)," line names the other region of a transfer; the "... N hectare met W woningen
en R inwoners" line after it gives what moved (parts may be absent: "... 4995 hectare met 2964
inwoners", "... 1 woning en 2 inwoners").

This module only parses; `koers.store` keeps the result.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

KIND_BY_PREFIX = {
    "NL": "country",
    "LD": "landsdeel",
    "PV": "province",
    "CR": "corop",
    "GM": "municipality",
    "WK": "district",
    "BU": "neighbourhood",
}

# (header pattern, event kind, direction); direction "in" = received from, "out" = went to.
_HEADERS: list[tuple[re.Pattern[str], str, str | None]] = [
    (re.compile(r"^Ontstaan per (\d\d-\d\d-\d{4}), ontvangen van:"), "created", "in"),
    (re.compile(r"^Opgeheven per (\d\d-\d\d-\d{4}), overgegaan naar:"), "dissolved", "out"),
    (re.compile(r"^Opgeheven per (\d\d-\d\d-\d{4})\s*$"), "dissolved", None),
    (re.compile(r"^Gemeentelijke herindeling per (\d\d-\d\d-\d{4}), ontvangen van:"), "merged", "in"),
    (re.compile(r"^Gemeentelijke herindeling per (\d\d-\d\d-\d{4}), overgegaan naar:"), "dissolved", "out"),
    (re.compile(r"^(?:Grens)?[Ww]ijziging per (\d\d-\d\d-\d{4}), ontvangen van:"), "boundary_change", "in"),
    (re.compile(r"^(?:Grens)?[Ww]ijziging per (\d\d-\d\d-\d{4}), overgegaan naar:"), "boundary_change", "out"),
    (re.compile(r"^Naamswijziging per (\d\d-\d\d-\d{4})"), "name_change", None),
    (re.compile(r"^Provinciale wijziging per (\d\d-\d\d-\d{4})"), "province_change", None),
]
_OTHER = re.compile(r"^- (.+?) \(((?:GM|PV|NL|LD|CR)\d{2,4})\),?\s*$")
_OLD_NAME = re.compile(r"^oude naam: (.+?) \((GM\d{4})\)")
_NEW_NAME = re.compile(r"^nieuwe naam: (.+?) \((GM\d{4})\)")
_PROVINCE_MOVE = re.compile(r"^- overgegaan van provincie (.+?) naar provincie (.+?)\s*$")
_BEGIN = re.compile(r"^Begindatum (\d\d-\d\d-\d{4}|voor 1830)")
_AREA = re.compile(r"([\d.,]+) hectare")
_DWELLINGS = re.compile(r"(\d+) woning")
_RESIDENTS = re.compile(r"(\d+) inwoner")


@dataclass
class RegionEvent:
    """One change in a region's history, seen from `region_code`."""

    region_code: str
    event_date: dt.date
    kind: str  # created | dissolved | merged | boundary_change | name_change | province_change
    direction: str | None = None  # in | out
    other_code: str | None = None
    area_ha: float | None = None
    dwellings: int | None = None
    residents: int | None = None
    detail: str | None = None


@dataclass
class Region:
    code: str
    name: str
    kind: str
    province_code: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None  # first day on which the region no longer exists
    events: list[RegionEvent] = field(default_factory=list)
    parent_code: str | None = None  # the municipality of a district or neighbourhood


def _date(text: str) -> dt.date:
    day, month, year = text.split("-")
    return dt.date(int(year), int(month), int(day))


def parse_description(code: str, description: str) -> tuple[dt.date | None, dt.date | None, list[RegionEvent]]:
    """Return (valid_from, valid_to, events) from one CBS region description."""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    events: list[RegionEvent] = []
    current: tuple[dt.date, str, str | None] | None = None
    last: RegionEvent | None = None
    for raw_line in description.replace("\r\n", "\n").split("\n"):
        line = raw_line.strip()
        if not line:
            current, last = None, None
            continue
        header = next(((p.match(line), kind, d) for p, kind, d in _HEADERS if p.match(line)), None)
        if header:
            match, kind, direction = header
            date = _date(match.group(1))
            current, last = (date, kind, direction), None
            if kind in ("created",):
                valid_from = date
            if kind == "dissolved":
                valid_to = date
                if direction is None:
                    events.append(RegionEvent(code, date, "dissolved"))
            continue
        if m := _BEGIN.match(line):
            if m.group(1) != "voor 1830":
                valid_from = valid_from or _date(m.group(1))
            current, last = None, None
            continue
        if current is None:
            continue
        date, kind, direction = current
        if kind == "name_change":
            if m := _OLD_NAME.match(line):
                events.append(RegionEvent(code, date, kind, "in", m.group(2), detail=m.group(1)))
                valid_from = valid_from or date
            elif m := _NEW_NAME.match(line):
                events.append(RegionEvent(code, date, kind, "out", m.group(2), detail=m.group(1)))
                valid_to = date
            continue
        if kind == "province_change":
            if m := _PROVINCE_MOVE.match(line):
                events.append(RegionEvent(code, date, kind, detail=f"{m.group(1)} -> {m.group(2)}"))
            continue
        if m := _OTHER.match(line):
            other = m.group(2)
            if other == code:  # "Amsterdam ontvangt van Amsterdam": the old territory itself
                last = None
                continue
            last = RegionEvent(code, date, kind, direction, other)
            events.append(last)
        elif line.startswith("...") and last is not None:
            if m := _AREA.search(line):
                last.area_ha = float(m.group(1).replace(".", "").replace(",", "."))
            if m := _DWELLINGS.search(line):
                last.dwellings = int(m.group(1))
            if m := _RESIDENTS.search(line):
                last.residents = int(m.group(1))
            last = None
    return valid_from, valid_to, events


def regions_from_codes(codes: list[dict]) -> list[Region]:
    """Regions from the `value` list of a CBS `RegioSCodes` response (or a v3 region code list)."""
    regions = []
    for item in codes:
        code = str(item["Identifier"]).strip()
        prefix = code[:2]
        group = str(item.get("DimensionGroupId") or "")
        kind = "other" if group == "OVERIG" else KIND_BY_PREFIX.get(prefix, "other")
        province = group[2:] if group.startswith("GMPV") or group.startswith("CRPV") else None
        if prefix == "PV":
            province = code
        valid_from, valid_to, events = parse_description(code, item.get("Description") or "")
        regions.append(
            Region(code, str(item["Title"]).strip(), kind, province, valid_from, valid_to, events)
        )
    return regions


def read_regions_file(path: Path) -> list[Region]:
    return regions_from_codes(json.loads(Path(path).read_text(encoding="utf-8"))["value"])


def name_key(name: str) -> str:
    """Matching key for a region name: case, accents, apostrophe style and spacing folded.

    Folding these is not guessing: "Fryslân" and "Fryslan" or "’s-Gravenhage" and "'s-Gravenhage"
    name the same region. Qualifiers such as "(NH.)" stay, because they are what tells apart.
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    return " ".join(text.casefold().split())


_SUFFIXES = {"municipality": " (gemeente)", "province": " (PV)", "corop": " (CR)", "landsdeel": " (LD)"}


def name_aliases(region: Region) -> set[str]:
    """Names a region is known by: its CBS title, and the title without a kind suffix.

    "Groningen (gemeente)" is also "Groningen", as is "Groningen (PV)"; the registry then finds the
    bare name ambiguous, which is what we want: a row saying only "Groningen" is refused, not guessed.
    """
    names = {region.name}
    suffix = _SUFFIXES.get(region.kind)
    if suffix and region.name.endswith(suffix):
        names.add(region.name[: -len(suffix)])
    return names
