"""One validator for KPI definitions, whether written in a YAML file, a theme module or the KPI studio.

Validation is in two steps (as dbt's semantic layer does it):

1. Shape, per KPI: `validate_document` fits one document (the YAML's shape) to `metrics.model.Kpi`
   and turns each pydantic error into a `Problem` (a catalogue message), with the field path as the
   user wrote it: `definition.scale`, never pydantic's `definition.ratio.scale` (the union's tag).
2. Rules, on the whole library: `run_rules` runs every named rule in `RULES` (unknown ids, cycles,
   unit mismatches in ratios, `contributes_to` pointing at something that is no outcome, formulas
   that do not parse); they need the other KPIs, so they run after every file was read.

A problem knows where it is: the file, the 1-based line (YAML only; `Origin` holds the line of each
field as written) and the field. The CLI prints `file:line: kpi_id: field: message`; the studio
shows the same problems per field of its form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import ValidationError

from koers.errors import validation_message
from koers.i18n import Message
from koers.indicators.catalogue import CATALOGUE
from koers.kpis import formula
from metrics.model import FormulaDefinition, IndicatorDefinition, Kpi, RatioDefinition

if TYPE_CHECKING:  # only for annotations: the library imports this module
    from koers.kpis.library import Library

# The values of `definition.type`; pydantic puts the chosen one in an error's location.
DEFINITION_TYPES = ("indicator", "ratio", "formula")

# Our own wording (catalogue keys) for a few of pydantic's error types in a KPI document (the rest:
# `validation_message`).
_KPI_TEXT = {
    "string_pattern_mismatch": "validation.kpi.id_pattern",
    "union_tag_invalid": "validation.kpi.choose_type",
    "union_tag_not_found": "validation.kpi.choose_type",
    "model_type": "validation.kpi.not_a_block",
    "model_attributes_type": "validation.kpi.not_a_block",
}
# Inside `definition` an unknown field is one of another definition type (a ratio's `scale` on a formula).
_DEFINITION_TEXT = _KPI_TEXT | {"extra_forbidden": "validation.kpi.not_this_type"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a KPI definition, and where: `line` is 1-based (None outside YAML)."""

    file: str
    line: int | None
    kpi: str
    field: str
    explanation: Message
    severity: str = "error"  # error | warning

    def message(self, lang: str = "nl") -> str:
        return self.explanation.text(lang)

    @property
    def nl(self) -> str:
        return self.message("nl")

    @property
    def en(self) -> str:
        return self.message("en")

    @property
    def where(self) -> str:
        """`file:line: kpi_id: field`, leaving out what is not known."""
        place = f"{self.file}:{self.line}" if self.file and self.line else self.file
        return ": ".join(x for x in (place, self.kpi, self.field) if x)

    def text(self, lang: str = "nl") -> str:
        """`file:line: kpi_id: field: message`."""
        return f"{self.where}: {self.message(lang)}" if self.where else self.message(lang)


@dataclass(frozen=True)
class Origin:
    """Where a KPI was written: a theme module, a YAML file, or nothing (the studio's form).

    For YAML, `line` is the line of the KPI's block and `lines` the line of each field in it, by
    path as written: {"id": 3, "definition": 10, "definition.scale": 10, "contributes_to.0": 12}.
    """

    file: str = ""
    line: int | None = None
    lines: Mapping[str, int] = field(default_factory=dict, hash=False)
    position: int = 0  # 1-based place in its file: names a KPI that has no id ("#2")

    def line_of(self, path: str) -> int | None:
        """The line of a field; of the KPI's block when the field is not written."""
        return self.lines.get(path, self.line)

    def problem(self, kpi: str, path: str, explanation: Message, severity: str = "error") -> Problem:
        return Problem(self.file, self.line_of(path), kpi, path, explanation, severity)


NO_ORIGIN = Origin()


# --- step 1: shape ------------------------------------------------------------------------------


def field_path(loc: tuple) -> str:
    """A pydantic error location as the user wrote the field: ("definition", "ratio", "scale") ->
    "definition.scale" (a discriminated union puts its tag in the location)."""
    parts = [str(x) for x in loc]
    if len(parts) >= 2 and (parts[0] == "definition" and parts[1] in DEFINITION_TYPES
                            or parts[0] == "unit" and parts[1] in UNIT_FORMS):
        parts = [parts[0]] + parts[2:]
    return ".".join(parts)


# A unit is one string or {nl, en}: pydantic reports a wrong unit under both forms, tagged; only the
# form the author wrote (a mapping or not) says what is wrong.
UNIT_FORMS = {"constrained-str": False, "str": False, "Text": True}


def _about_written_form(detail: dict, document: object) -> bool:
    loc = detail["loc"]
    if len(loc) < 2 or loc[0] != "unit" or loc[1] not in UNIT_FORMS or not isinstance(document, dict):
        return True
    return UNIT_FORMS[loc[1]] == isinstance(document.get("unit"), dict)


def validate_document(document: object, origin: Origin = NO_ORIGIN) -> tuple[Kpi | None, list[Problem]]:
    """One KPI document (a mapping in the YAML's shape) as a Kpi, or None with its shape problems."""
    # The id names the KPI in its problems only when it is text: an id that is a list or a mapping
    # is shown by its place in the file, never turned into text before it is validated.
    written_id = document.get("id") if isinstance(document, dict) else None
    has_id = isinstance(written_id, str) and written_id.strip() != ""
    label = written_id[:80] if has_id else (f"#{origin.position}" if origin.position else "")
    try:
        return Kpi.model_validate(document), []
    except ValidationError as error:
        problems = []
        for detail in filter(lambda d: _about_written_form(d, document), error.errors()):
            path = field_path(detail["loc"])
            explanation = validation_message(detail, _DEFINITION_TEXT if path.startswith("definition.") else _KPI_TEXT)
            problems.append(origin.problem(label, path, explanation))
        return None, problems


# --- step 2: rules ------------------------------------------------------------------------------

# A rule sees the library and the known indicators (id -> canonical indicator, or None for an
# indicator only the store knows) and returns its problems.
Rule = Callable[["Library", dict], list[Problem]]


def _at(library: Library, kpi_id: str, path: str, explanation: Message, severity: str = "error") -> Problem:
    return library.origin.get(kpi_id, NO_ORIGIN).problem(kpi_id, path, explanation, severity)


def references(kpi: Kpi) -> set[str]:
    """The indicator and KPI ids a KPI's definition uses (none for a formula that does not parse)."""
    definition = kpi.definition
    if isinstance(definition, IndicatorDefinition):
        return {definition.indicator}
    if isinstance(definition, RatioDefinition):
        return {definition.numerator, definition.denominator}
    try:
        return formula.references(formula.parse(definition.formula))
    except formula.FormulaError:
        return set()


def rule_formula_parses(library: Library, indicators: dict) -> list[Problem]:
    problems = []
    for kpi in library.kpis.values():
        if isinstance(kpi.definition, FormulaDefinition):
            try:
                formula.parse(kpi.definition.formula)
            except formula.FormulaError as error:
                problems.append(_at(library, kpi.id, "definition.formula", error.explanation))
    return problems


def rule_known_references(library: Library, indicators: dict) -> list[Problem]:
    problems = []
    for kpi in library.kpis.values():
        for ref in sorted(references(kpi)):
            if ref not in indicators and ref not in library.kpis:
                problems.append(_at(library, kpi.id, "definition", Message("kpi_problems.unknown_reference", ref=ref)))
    return problems


def rule_no_cycles(library: Library, indicators: dict) -> list[Problem]:
    problems, state = [], {}  # 1 = visiting, 2 = done

    def visit(kpi_id: str, path: list[str]) -> None:
        if state.get(kpi_id) == 2:
            return
        if state.get(kpi_id) == 1:
            cycle = " -> ".join(path[path.index(kpi_id):] + [kpi_id])
            problems.append(_at(library, kpi_id, "definition", Message("kpi_problems.cycle", cycle=cycle)))
            return
        state[kpi_id] = 1
        for ref in sorted(references(library.kpis[kpi_id])):
            if ref in library.kpis and ref not in indicators:
                visit(ref, path + [kpi_id])
        state[kpi_id] = 2

    for kpi_id in sorted(library.kpis):
        visit(kpi_id, [])
    return problems


def _unit_of(ref: str, library: Library, indicators: dict) -> str | None:
    if ref in library.kpis and ref not in indicators:
        return library.kpis[ref].unit
    definition = indicators.get(ref)
    return definition.unit if definition is not None else None


def rule_ratio_units(library: Library, indicators: dict) -> list[Problem]:
    """A ratio of counts must divide counts: "per 1.000 inwoners" over euros is a mistake."""
    problems = []
    for kpi in library.kpis.values():
        if not isinstance(kpi.definition, RatioDefinition):
            continue
        numerator = _unit_of(kpi.definition.numerator, library, indicators)
        denominator = _unit_of(kpi.definition.denominator, library, indicators)
        scale = kpi.definition.scale
        if kpi.unit.startswith("%") and scale != 100:
            problems.append(_at(library, kpi.id, "definition.scale", Message("kpi_problems.percent_scale", scale=scale)))
        if "per 1.000" in kpi.unit and scale != 1000 or "per 10.000" in kpi.unit and scale != 10000:
            problems.append(_at(library, kpi.id, "definition.scale",
                                Message("kpi_problems.unit_scale", unit=kpi.unit, scale=scale)))
        if numerator and denominator and denominator in ("euro", "%") and numerator not in ("euro",):
            problems.append(_at(library, kpi.id, "definition.denominator",
                                Message("kpi_problems.denominator_unit", denominator=denominator, numerator=numerator)))
    return problems


def rule_contributes_to_outcomes(library: Library, indicators: dict) -> list[Problem]:
    problems = []
    for kpi in library.kpis.values():
        for target in kpi.contributes_to:
            other = library.kpis.get(target)
            if other is None:
                problems.append(_at(library, kpi.id, "contributes_to", Message("kpi_problems.not_a_kpi", target=target)))
            elif other.kind != "outcome":
                problems.append(_at(library, kpi.id, "contributes_to",
                                    Message("kpi_problems.not_an_outcome", target=target, kind=other.kind)))
        if kpi.contributes_to and kpi.kind in ("outcome", "context"):
            problems.append(_at(library, kpi.id, "contributes_to", Message("kpi_problems.not_contributing", kind=kpi.kind),
                                "warning"))
    return problems


RULES: list[Rule] = [
    rule_formula_parses,
    rule_known_references,
    rule_no_cycles,
    rule_ratio_units,
    rule_contributes_to_outcomes,
]


def run_rules(library: Library, known_indicators: Iterable[str] = ()) -> list[Problem]:
    """Every rule in `RULES` on the library; `known_indicators` are the store's ids besides the catalogue."""
    indicators = {d.id: d for d in CATALOGUE} | {i: None for i in known_indicators}
    return [problem for rule in RULES for problem in rule(library, indicators)]
