"""Which column of an own file is which: the `FileMapping` a person may give, and the roles
(indicator, region, period, value, status) resolved from it and from the file's headers.

Without a mapping, common Dutch and English headers are recognised (`HEADER_ALIASES`). The layout
is long when an indicator and a value column exist, otherwise wide: every other column is then one
indicator's values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from koers.errors import FileProblem
from koers.i18n import Message
from koers.indicators.catalogue import slug
from koers.sources.names import label_problem, shown, source_name_problem

Role = Literal["indicator", "region", "period", "value", "status"]

# Recognised headers per role, after `_header_key` (case folded, `_`/`-` as spaces). Order matters
# when a file has several: a code column beats a name column ("gemeentecode" before "gemeente").
HEADER_ALIASES: dict[Role, tuple[str, ...]] = {
    "indicator": ("indicator id", "indicator code", "indicatorcode", "indicator", "kpi", "kpi code"),
    "region": ("region code", "regiocode", "gemeentecode", "code", "region", "regio", "regio's",
               "gemeente", "gemeentenaam"),
    "period": ("period", "periode", "perioden", "jaar", "year"),
    "value": ("value", "waarde"),
    "status": ("status",),
}

_CBS_TABLE = re.compile(r"^\d{5}[a-z]{3}$", re.IGNORECASE)  # "83625NED": a CBS table's name


class FileMapping(BaseModel):
    """How to read an own file. Every field has a default; columns left None are recognised from
    the headers (`HEADER_ALIASES`), case-insensitively."""

    model_config = ConfigDict(extra="forbid")

    source: str | None = None  # stored as source_table; default `eigen_<file stem>`, slugged
    layout: Literal["auto", "long", "wide"] = "auto"  # auto: long when indicator and value columns exist
    indicator_column: str | None = None
    region_column: str | None = None
    period_column: str | None = None
    value_column: str | None = None
    status_column: str | None = None  # optional: definitief/voorlopig/ontbreekt/onmogelijk (or English)
    sheet: str | None = None  # XLSX: the sheet to read; default the first
    decimal: Literal["auto", "comma", "point"] = "auto"
    delimiter: str | None = None  # CSV: default sniffed among ; , and tab
    unit: str | None = None  # unit of indicators this file introduces ("aantal" makes them additive)

    @field_validator("source")
    @classmethod
    def _source_is_own(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # The CLI and the Data page say this in the user's language first (`names_problem`).
        if (problem := source_name_problem(value)) is not None:
            raise ValueError(problem.text("en"))
        value = slug(value)
        # Own figures under a CBS table's name would silently revise that table's observations.
        if _CBS_TABLE.match(value) or value == "statline":
            raise ValueError(f"source {value!r} is the name of a CBS source; choose another name")
        return value

    @field_validator("unit")
    @classmethod
    def _unit_is_no_formula(cls, value: str | None) -> str | None:
        if value is not None and (problem := label_problem("unit", value)) is not None:
            raise ValueError(problem.text("en"))
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = "\t" if value.lower() in ("tab", "\\t") else value
        if len(value) != 1:
            raise ValueError("delimiter must be one character (or 'tab')")
        return value

    def source_for(self, path: Path) -> str:
        return self.source or f"eigen_{slug(Path(path).stem)}"


def names_problem(source: str | None, unit: str | None) -> tuple[str, Message] | None:
    """(field, problem) for a source name or unit a person typed that may not be used, or None."""
    if source and (problem := source_name_problem(source)) is not None:
        return "source", problem
    if unit and (problem := label_problem("unit", unit)) is not None:
        return "unit", problem
    return None



@dataclass
class Roles:
    """Column positions per role (None: the file has no such column)."""

    layout: Literal["long", "wide"]
    indicator: int | None
    region: int
    period: int
    value: int | None
    status: int | None
    indicator_columns: list[int]  # wide layout: the value columns, one indicator each


def _header_key(name: str) -> str:
    text = name.replace("’", "'").replace("_", " ").replace("-", " ").casefold()
    return " ".join(text.split())


def resolve_roles(path: Path, names: list[str], mapping: FileMapping) -> Roles:
    keys = [_header_key(n) for n in names]
    found = ", ".join(n for n in names if n.strip()) or Message("errors.own_file.none")

    def explicit(role: Role, wanted: str) -> int:
        for candidates in ([i for i, n in enumerate(names) if n == wanted],
                           [i for i, k in enumerate(keys) if k == _header_key(wanted)]):
            if candidates:
                return candidates[0]
        raise FileProblem(path, "errors.own_file.missing_named_column", wanted=wanted,
                          role=Message(f"errors.own_file.role.{role}"), found=found)

    def recognised(role: Role, taken: set[int]) -> int | None:
        for alias in HEADER_ALIASES[role]:
            for i, key in enumerate(keys):
                if key == alias and i not in taken:
                    return i
        return None

    given: dict[Role, str | None] = {
        "indicator": mapping.indicator_column, "region": mapping.region_column,
        "period": mapping.period_column, "value": mapping.value_column, "status": mapping.status_column,
    }
    roles: dict[Role, int | None] = {}
    for role, wanted in given.items():
        if wanted is not None:
            roles[role] = explicit(role, wanted)
    taken = {i for i in roles.values() if i is not None}
    for role in ("region", "period", "indicator", "value", "status"):
        if role not in roles:
            roles[role] = recognised(role, taken)
            if roles[role] is not None:
                taken.add(roles[role])

    layout = mapping.layout
    if layout == "auto":
        has_long = roles["indicator"] is not None, roles["value"] is not None
        layout = "long" if all(has_long) else "wide" if not any(has_long) else "long"
    if layout == "wide" and mapping.indicator_column is None and mapping.value_column is None:
        # In a wide file "waarde" or "kpi" can only be an indicator's own column title.
        roles["indicator"] = roles["value"] = None
    required: list[Role] = ["region", "period"] + (["indicator", "value"] if layout == "long" else [])
    missing = [r for r in required if roles[r] is None]
    if missing:
        columns = [Message("errors.own_file.role_example", role=Message(f"errors.own_file.role.{r}"),
                           examples=", ".join(HEADER_ALIASES[r][:3])) for r in missing]
        hint = Message("errors.own_file.wide_hint") if mapping.layout == "auto" and layout == "long" else ""
        raise FileProblem(path, "errors.own_file.missing_columns", columns=columns, found=found, hint=hint)

    indicator_columns: list[int] = []
    if layout == "wide":
        # Besides the chosen region and period columns, other region/period-like columns
        # ("gemeentenaam" next to "gemeentecode") describe the row and are no indicators.
        describing = {a for r in ("region", "period", "status") for a in HEADER_ALIASES[r]}
        used = {roles["region"], roles["period"], roles["status"]}
        indicator_columns = [i for i, k in enumerate(keys) if i not in used and k and k not in describing]
        if not indicator_columns:
            raise FileProblem(path, "errors.own_file.no_indicator_columns", found=found)
        for i in indicator_columns:  # a wide file's column titles become indicator names
            if label_problem("", names[i].strip()) is not None:
                raise FileProblem(path, "errors.names.formula_like_in", what=Message("errors.names.column", number=i + 1),
                                  name=shown(names[i].strip()))
    return Roles(layout, roles["indicator"], roles["region"], roles["period"], roles["value"],
                  roles["status"], indicator_columns)

