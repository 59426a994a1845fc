"""The KPI library: the built-in definitions in `metrics/theme_*.yaml`, plus a policy advisor's YAML files.

Built-in and own KPIs are written the same way (one YAML block per KPI, the shape of
`metrics.model.Kpi`) and read by the same code, so a built-in KPI's problem names its file and line
just as an own one's does.

Every KPI is checked by `koers.kpis.validate`: its shape when it is read (per field, with the line
of a YAML file), then the named rules on the whole library. The CLI and the dashboard print the
same problems.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from koers.i18n import Message
from koers.kpis.validate import Origin, Problem, references, run_rules, validate_document
from metrics.model import Kpi

# `references` lives with the rules that use it; the KPI engine and the examples import it from here.
__all__ = ["Library", "builtin_files", "load_library", "read_yaml", "references"]

# libyaml's loader when PyYAML was built with it (much faster); both keep the marks of each node.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Library:
    kpis: dict[str, Kpi] = field(default_factory=dict)
    origin: dict[str, Origin] = field(default_factory=dict)  # kpi id -> where it was written
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def with_kpi(self, kpi: Kpi, origin: Origin) -> Library:
        """A copy with `kpi` added, or replacing the one of the same id; without problems."""
        return Library(kpis=self.kpis | {kpi.id: kpi}, origin=self.origin | {kpi.id: origin})


METRICS = Path(__file__).resolve().parents[2] / "metrics"


def builtin_files() -> list[Path]:
    """The theme files in `metrics/`, found rather than listed: adding one is adding a file."""
    return sorted(METRICS.glob("theme_*.yaml"))


def _builtin() -> tuple[list[tuple[Origin, Kpi]], list[Problem]]:
    """The built-in KPIs, their origins named as in the repository (`metrics/theme_open.yaml`)."""
    return _read_builtin(tuple((path, path.stat().st_mtime_ns) for path in builtin_files()))


@functools.lru_cache(maxsize=4)
def _read_builtin(files: tuple[tuple[Path, int], ...]) -> tuple[list[tuple[Origin, Kpi]], list[Problem]]:
    """Read once per version of the files (KPIs and origins are frozen, so they can be shared)."""
    found, problems = [], []
    for path, _ in files:
        shown = f"metrics/{path.name}"
        kpis, shape = read_yaml(path)
        found += [(dataclasses.replace(origin, file=shown), kpi) for origin, kpi in kpis]
        problems += [dataclasses.replace(problem, file=shown) for problem in shape]
    return found, problems


# --- YAML with lines ----------------------------------------------------------------------------


def _lines(node: yaml.Node, prefix: str = "") -> dict[str, int]:
    """The 1-based line of every field under a YAML node, by path as written:
    {"title": 4, "title.nl": 4, "definition": 6, "definition.scale": 9, "contributes_to.0": 11}."""
    found: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                path = f"{prefix}{key.value}"
                found[path] = key.start_mark.line + 1
                found |= _lines(value, f"{path}.")
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found[f"{prefix}{index}"] = item.start_mark.line + 1
            found |= _lines(item, f"{prefix}{index}.")
    return found


def _documents(text: str) -> Iterator[tuple[yaml.Node, object]]:
    """Each YAML document of the text as (node, value): the node keeps the lines, the value is
    what `yaml.safe_load` gives."""
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            yield node, loader.construct_document(node)
    finally:
        loader.dispose()


def _unreadable(path: Path, error: Exception) -> Problem:
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark else None
    where = Message("kpi_problems.at_line", line=line) if line else Message("kpi_problems.in_file")
    return Problem(str(path), line, "", "", Message("kpi_problems.unreadable_yaml", where=where))


def read_yaml(path: Path) -> tuple[list[tuple[Origin, Kpi]], list[Problem]]:
    """KPIs from one YAML file (one KPI per document, or a list of them), with shape problems.
    A bad KPI is left out with its problems; the others in the file still load."""
    try:
        documents = list(_documents(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return [], [_unreadable(path, error)]
    items: list[tuple[yaml.Node, object]] = []
    for node, value in documents:
        if value is None:
            continue
        if isinstance(node, yaml.SequenceNode):
            items += list(zip(node.value, value))
        else:
            items.append((node, value))
    found, problems = [], []
    for position, (node, document) in enumerate(items, start=1):
        origin = Origin(str(path), node.start_mark.line + 1, _lines(node), position)
        kpi, shape = validate_document(document, origin)
        problems += shape
        if kpi is not None:
            found.append((origin, kpi))
    return found, problems


# --- the library --------------------------------------------------------------------------------


def _duplicate(origin: Origin, kpi_id: str, first: Origin) -> Problem:
    return origin.problem(kpi_id, "id", Message("kpi_problems.duplicate_id", file=first.file))


def load_library(folder: Path | None = None, known_indicators: Iterable[str] = ()) -> Library:
    """Built-in KPIs, overridden or extended by the YAML files in `folder`; then every rule."""
    found, problems = _builtin()
    library = Library(problems=list(problems))
    builtin: dict[str, Origin] = {}
    for origin, kpi in found:
        if kpi.id in builtin:
            library.problems.append(_duplicate(origin, kpi.id, builtin[kpi.id]))
        builtin[kpi.id] = origin
        library.kpis[kpi.id] = kpi
        library.origin[kpi.id] = origin
    if folder is not None and Path(folder).is_dir():
        seen_here: dict[str, Origin] = {}
        for path in sorted(Path(folder).glob("*.y*ml")):
            found, problems = read_yaml(path)
            library.problems.extend(problems)
            for origin, kpi in found:
                if kpi.id in seen_here:
                    library.problems.append(_duplicate(origin, kpi.id, seen_here[kpi.id]))
                seen_here[kpi.id] = origin
                library.kpis[kpi.id] = kpi  # a file of the municipality's own overrides the built-in one
                library.origin[kpi.id] = origin
    library.problems.extend(run_rules(library, known_indicators))
    return library
