"""KPI definitions in YAML files, read with the line of every field and defensively: a policy
advisor's folder is read by every command and page that loads the library (`koers.kpis.library`,
`koers.kpis.own`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml

from koers.i18n import Message
from koers.kpis.validate import Origin, Problem, validate_document
from metrics.model import Kpi

# libyaml's loader when PyYAML was built with it (much faster); both keep the marks of each node.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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



def duplicate(origin: Origin, kpi_id: str, first: Origin) -> Problem:
    return origin.problem(kpi_id, "id", Message("kpi_problems.duplicate_id", file=first.file))
