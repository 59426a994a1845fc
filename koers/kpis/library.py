"""The KPI library: the built-in modules in `metrics/`, plus a policy advisor's YAML files.

Validation is in two steps. Shape first: each KPI must fit `metrics.model.Kpi` (pydantic), and a
file that does not is reported per field. Then small named rules, each returning `Problem`s with a
location (file, KPI id, field): unknown ids, cycles, duplicate ids, unit mismatches in ratios,
`contributes_to` pointing at something that is no outcome, formulas that do not parse. All rules are
listed in `RULES`; the CLI and the dashboard print the same problems.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

import metrics
from koers.kpis import formula
from koers.indicators.catalogue import CATALOGUE
from metrics.model import FormulaDefinition, IndicatorDefinition, Kpi, RatioDefinition


@dataclass(frozen=True)
class Problem:
    file: str
    kpi: str
    field: str
    nl: str
    en: str
    severity: str = "error"  # error | warning

    def line(self, lang: str = "nl") -> str:
        where = ", ".join(x for x in (self.file, self.kpi, self.field) if x)
        return f"{where}: {self.nl if lang == 'nl' else self.en}"


@dataclass
class Library:
    kpis: dict[str, Kpi] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # kpi id -> file it came from
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def builtin_modules() -> list[str]:
    """The theme modules in `metrics/`, found rather than listed: adding one is adding a file."""
    return sorted(m.name for m in pkgutil.iter_modules(metrics.__path__) if m.name.startswith("theme_"))


def _builtin() -> Iterable[tuple[str, Kpi]]:
    for name in builtin_modules():
        module = importlib.import_module(f"metrics.{name}")
        for kpi in module.KPIS:
            yield f"metrics/{name}.py", kpi


def read_yaml(path: Path) -> tuple[list[tuple[str, Kpi]], list[Problem]]:
    """KPIs from one YAML file (a mapping, or a list of mappings), with shape problems."""
    try:
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        where = f"regel {mark.line + 1}" if mark else "bestand"
        where_en = f"line {mark.line + 1}" if mark else "file"
        return [], [Problem(str(path), "", "", f"geen leesbare YAML ({where})", f"not readable YAML ({where_en})")]
    items = [item for doc in documents if doc is not None for item in (doc if isinstance(doc, list) else [doc])]
    found, problems = [], []
    for index, item in enumerate(items):
        label = str(item.get("id", f"#{index + 1}")) if isinstance(item, dict) else f"#{index + 1}"
        try:
            found.append((str(path), Kpi.model_validate(item)))
        except ValidationError as error:
            for detail in error.errors():
                location = ".".join(str(x) for x in detail["loc"])
                problems.append(Problem(str(path), label, location, detail["msg"], detail["msg"]))
    return found, problems


def load_library(folder: Path | None = None, known_indicators: Iterable[str] = ()) -> Library:
    """Built-in KPIs, overridden or extended by the YAML files in `folder`; then every rule."""
    library = Library()
    sources: list[tuple[str, Kpi]] = list(_builtin())
    builtin_ids: dict[str, str] = {}
    for origin, kpi in sources:
        if kpi.id in builtin_ids:
            library.problems.append(Problem(origin, kpi.id, "id", f"dubbele id (ook in {builtin_ids[kpi.id]})", f"duplicate id (also in {builtin_ids[kpi.id]})"))
        builtin_ids[kpi.id] = origin
        library.kpis[kpi.id] = kpi
        library.origin[kpi.id] = origin
    if folder is not None and Path(folder).is_dir():
        seen_here: dict[str, str] = {}
        for path in sorted(Path(folder).glob("*.y*ml")):
            found, problems = read_yaml(path)
            library.problems.extend(problems)
            for origin, kpi in found:
                if kpi.id in seen_here:
                    library.problems.append(Problem(origin, kpi.id, "id", f"dubbele id (ook in {seen_here[kpi.id]})", f"duplicate id (also in {seen_here[kpi.id]})"))
                seen_here[kpi.id] = origin
                library.kpis[kpi.id] = kpi  # a file of the municipality's own overrides the built-in one
                library.origin[kpi.id] = origin
    indicators = {d.id: d for d in CATALOGUE} | {i: None for i in known_indicators}
    for rule in RULES:
        library.problems.extend(rule(library, indicators))
    return library


# --- rules ------------------------------------------------------------------------------------

Rule = Callable[[Library, dict], list[Problem]]


def references(kpi: Kpi) -> set[str]:
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
                problems.append(Problem(library.origin[kpi.id], kpi.id, "definition.formula", error.nl, error.en))
    return problems


def rule_known_references(library: Library, indicators: dict) -> list[Problem]:
    problems = []
    for kpi in library.kpis.values():
        for ref in sorted(references(kpi)):
            if ref not in indicators and ref not in library.kpis:
                problems.append(Problem(library.origin[kpi.id], kpi.id, "definition",
                                        f'onbekende indicator of KPI "{ref}"', f'unknown indicator or KPI "{ref}"'))
    return problems


def rule_no_cycles(library: Library, indicators: dict) -> list[Problem]:
    problems, state = [], {}  # 1 = visiting, 2 = done

    def visit(kpi_id: str, path: list[str]) -> None:
        if state.get(kpi_id) == 2:
            return
        if state.get(kpi_id) == 1:
            cycle = " -> ".join(path[path.index(kpi_id):] + [kpi_id])
            problems.append(Problem(library.origin[kpi_id], kpi_id, "definition", f"kringverwijzing: {cycle}", f"cycle: {cycle}"))
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
        if kpi.unit.startswith("%") and kpi.definition.scale != 100:
            problems.append(Problem(library.origin[kpi.id], kpi.id, "definition.scale",
                                    f"eenheid is % maar schaal is {kpi.definition.scale}", f"unit is % but scale is {kpi.definition.scale}"))
        if "per 1.000" in kpi.unit and kpi.definition.scale != 1000 or "per 10.000" in kpi.unit and kpi.definition.scale != 10000:
            problems.append(Problem(library.origin[kpi.id], kpi.id, "definition.scale",
                                    f'eenheid "{kpi.unit}" past niet bij schaal {kpi.definition.scale}', f'unit "{kpi.unit}" does not match scale {kpi.definition.scale}'))
        if numerator and denominator and denominator in ("euro", "%") and numerator not in ("euro",):
            problems.append(Problem(library.origin[kpi.id], kpi.id, "definition.denominator",
                                    f"noemer heeft eenheid {denominator}, teller {numerator}", f"denominator has unit {denominator}, numerator {numerator}"))
    return problems


def rule_contributes_to_outcomes(library: Library, indicators: dict) -> list[Problem]:
    problems = []
    for kpi in library.kpis.values():
        for target in kpi.contributes_to:
            other = library.kpis.get(target)
            if other is None:
                problems.append(Problem(library.origin[kpi.id], kpi.id, "contributes_to",
                                        f'"{target}" is geen KPI', f'"{target}" is not a KPI'))
            elif other.kind != "outcome":
                problems.append(Problem(library.origin[kpi.id], kpi.id, "contributes_to",
                                        f'"{target}" is geen outcome maar {other.kind}', f'"{target}" is not an outcome but {other.kind}'))
        if kpi.contributes_to and kpi.kind in ("outcome", "context"):
            problems.append(Problem(library.origin[kpi.id], kpi.id, "contributes_to",
                                    f"een {kpi.kind} draagt niet bij aan andere outcomes; alleen input en output",
                                    f"a {kpi.kind} does not contribute to outcomes; only inputs and outputs do", "warning"))
    return problems


RULES: list[Rule] = [
    rule_formula_parses,
    rule_known_references,
    rule_no_cycles,
    rule_ratio_units,
    rule_contributes_to_outcomes,
]
