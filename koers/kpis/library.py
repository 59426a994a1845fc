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
__all__ = ["Library", "builtin_files", "load_library", "read_yaml", "references", "safe_load"]

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


# --- YAML with lines, read defensively --------------------------------------------------------
# An advisor's folder is read by every command and page that loads the library, so what a file in it
# holds must not hang or crash them: its size is checked before it is parsed, and its events before
# anything is built from them. Advisors need none of YAML's references (anchors and aliases: a
# "billion laughs" of nine nested aliases is a few hundred bytes and a billion strings once turned
# into text), tags (`!!python/object` names code) or repeated keys (the last silently wins).

MAX_FILE_BYTES = 1_000_000  # the built-in theme files are about 35 kB each
MAX_DEPTH = 20  # a KPI block nests four levels (definition.scale); a list of them five


class _Refused(ValueError):
    """A file the library will not read: one catalogue message and the 1-based line it is about."""

    def __init__(self, line: int | None, message_key: str, /, **params: object) -> None:
        super().__init__(message_key)
        self.line = line
        self.explanation = Message(message_key, **params)


class _KpiLoader(_Loader):
    """The safe loader, refusing a key written twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[object] = set()
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    raise _Refused(key.start_mark.line + 1, "kpi_problems.yaml_duplicate_key", key=key.value[:60])
                seen.add(key.value)
        return super().construct_mapping(node, deep=deep)


def _checked_text(data: bytes) -> str:
    """The file's text, when it is small enough and text at all."""
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(data[:MAX_FILE_BYTES].count(b"\n") + 1, "kpi_problems.yaml_too_large",
                       max_kb=MAX_FILE_BYTES // 1000)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Refused(data[:error.start].count(b"\n") + 1, "kpi_problems.yaml_not_text") from None
    if "\x00" in text:
        raise _Refused(text[:text.index("\x00")].count("\n") + 1, "kpi_problems.yaml_not_text")
    return text


def _check_events(text: str) -> None:
    """Refuse anchors, aliases, tags and deep nesting, from the parser's events (libyaml's, fast):
    before a node is composed, so nothing is expanded or built."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(line, "kpi_problems.yaml_alias")
        if getattr(event, "tag", None) is not None:
            raise _Refused(line, "kpi_problems.yaml_tag")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(line, "kpi_problems.yaml_too_deep", depth=MAX_DEPTH)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


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
    loader = _KpiLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            yield node, loader.construct_document(node)
    finally:
        loader.dispose()


def _read_documents(path: Path) -> list[tuple[yaml.Node, object]]:
    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)  # never more than the limit, however large the file
    text = _checked_text(data)
    _check_events(text)
    return list(_documents(text))


def safe_load(path: Path) -> object:
    """`yaml.safe_load` of a file, read as defensively as a KPI file (for the other YAML files in an
    advisor's folder); raises ValueError for a refused file, `yaml.YAMLError` for one that is no YAML."""
    documents = _read_documents(path)
    return documents[0][1] if documents else None


def _unreadable(path: Path, error: Exception) -> Problem:
    if isinstance(error, _Refused):
        return Problem(str(path), error.line, "", "", error.explanation)
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark else None
    where = Message("kpi_problems.at_line", line=line) if line else Message("kpi_problems.in_file")
    return Problem(str(path), line, "", "", Message("kpi_problems.unreadable_yaml", where=where))


def _kpi_items(documents: list[tuple[yaml.Node, object]]) -> list[tuple[yaml.Node, object]]:
    """The KPI blocks of a file: each document is one block, or a list of them. A document that is
    neither (a number, a sentence, a list of numbers) is refused as a whole, at its line."""
    items: list[tuple[yaml.Node, object]] = []
    for node, value in documents:
        if value is None:
            continue
        if isinstance(node, yaml.SequenceNode):
            if value and not any(isinstance(item, dict) for item in value):
                raise _Refused(node.start_mark.line + 1, "kpi_problems.not_kpi_blocks")
            items += list(zip(node.value, value))
        elif isinstance(node, yaml.MappingNode):
            items.append((node, value))
        else:
            raise _Refused(node.start_mark.line + 1, "kpi_problems.not_kpi_blocks")
    return items


def read_yaml(path: Path) -> tuple[list[tuple[Origin, Kpi]], list[Problem]]:
    """KPIs from one YAML file (one KPI per document, or a list of them), with shape problems.
    A bad KPI is left out with its problems; the others in the file still load. A file that cannot
    be read, or is refused (see above), is one problem naming its line."""
    try:
        items = _kpi_items(_read_documents(path))
    except (yaml.YAMLError, _Refused, OSError, RecursionError, MemoryError) as error:
        return [], [_unreadable(path, error)]
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
