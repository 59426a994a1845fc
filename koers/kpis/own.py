"""Where a municipality's own KPI definitions live, with every saved version of them.

On one machine, a folder of YAML files (`KOERS_METRICS`, default `metrics/custom/`)::

    <folder>/<id>.yaml                      the definition in force: what the library and
                                            `python -m koers metrics validate` read
    <folder>/versions/<id>/v0003_20250114T101502_jan_jansen.yaml
                                            every saved version, never changed again

A version file holds the KPI and who saved it when::

    version: 3
    saved_at: '2025-01-14T10:15:02'
    author: Jan Jansen
    origin: metrics/theme_open.yaml     # where the definition came from before (first versions)
    kpi: {id: ..., title: {...}, ...}

With a shared database (`KOERS_DATABASE_URL`), the same in PostgreSQL's table `kpi_version`: a
row per saved version, its KPI as JSON, never changed again (a trigger refuses it); the definition
in force is a KPI's highest version. Every replica reads the same library from it, and a save on
one replica is read by the others at their next run (`shared_signature` counts the versions).
A folder's definitions move there with `koers shared copy`.

Both places answer the same questions (`Own`); the KPI studio's save (`koers.kpis.versions`) and
the library (`koers.kpis.library`) do not know which one they have.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from koers.errors import KoersError
from koers.i18n import Message
from koers.indicators.catalogue import slug
from koers.kpis.validate import Origin, Problem, validate_document
from koers.kpis.yaml_files import duplicate, read_yaml, safe_load
from koers.settings import metrics_folder, shared_database_url
from koers.store import Store
from koers.store.shared import kpi_versions
from metrics.model import Kpi

if TYPE_CHECKING:
    from koers.kpis.library import Library

VERSIONS = "versions"
LABEL = "database:"  # where a definition kept in the shared database is written: "database:<id> v3"


@dataclass
class Version:
    number: int
    saved_at: dt.datetime
    author: str | None
    origin: str | None  # where the definition came from before it was first saved (a built-in's file)
    path: Path | None  # the version's file; None in the shared database
    kpi: dict  # the KPI document as saved

    def row(self, kpi_id: str) -> tuple:
        """The version as a row of the shared database's `kpi_version`."""
        return kpi_id, self.number, self.saved_at, self.author, self.origin, _as_json(self.kpi)


# What the definition in force was before a save: its document, where it came from, since when.
InForce = tuple[dict, str, dt.datetime]


class Own(ABC):
    """The own definitions of one installation, and their versions."""

    shared = False

    @abstractmethod
    def definitions(self) -> tuple[list[tuple[Origin, Kpi]], list[Problem]]:
        """The own KPIs in force, each with where it is written, and their shape problems."""

    @abstractmethod
    def versions(self, kpi_id: str) -> list[Version]:
        """The saved versions of a KPI, oldest first."""

    def latest(self, kpi_id: str) -> int:
        """The number of the KPI's latest saved version; 0 when none was saved."""
        found = self.versions(kpi_id)
        return found[-1].number if found else 0

    @abstractmethod
    def target(self, kpi_id: str, library: Library) -> tuple[str, Problem | None]:
        """Where a save of the KPI goes, and the problem that keeps it from going there."""

    @abstractmethod
    def taken(self, target: str) -> bool:
        """Whether something is written at `target` already (a new KPI may not replace it)."""

    @abstractmethod
    def in_force(self, kpi_id: str, library: Library, target: str, saved: list[Version]) -> InForce | None:
        """The definition in force before a save, or None for a new KPI (`saved`: its versions,
        as the save has just read them)."""

    @abstractmethod
    def add_version(self, store: Store | None, kpi: dict, author: str | None, origin: str | None,
                    saved_at: dt.datetime) -> Version:
        """Keep one more version (the next number), in `store`'s transaction where it has one."""

    def put_in_force(self, target: str, kpi: dict, version: Version) -> None:
        """Make the saved version the definition in force (a folder's `<id>.yaml`)."""

    @abstractmethod
    def signature(self) -> tuple:
        """What changes when a definition is saved (the dashboard's caches are keyed on it)."""


def at(place: Path | str | Own | None = None) -> Own:
    """`place` as an `Own`: a folder as `Folder`; None: this installation's — the shared database
    when `KOERS_DATABASE_URL` is set, else the metrics folder (`KOERS_METRICS`)."""
    if isinstance(place, Own):
        return place
    if place is not None:
        return Folder(Path(place))
    url = shared_database_url()
    return Database(url) if url else Folder(metrics_folder())


# --- a folder of YAML files (one machine) ------------------------------------------------------


class Folder(Own):
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def definitions(self) -> tuple[list[tuple[Origin, Kpi]], list[Problem]]:
        found: list[tuple[Origin, Kpi]] = []
        problems: list[Problem] = []
        seen: dict[str, Origin] = {}
        if not self.folder.is_dir():
            return found, problems
        for path in sorted(self.folder.glob("*.y*ml")):
            kpis, shape = read_yaml(path)
            problems += shape
            for origin, kpi in kpis:
                if kpi.id in seen:
                    problems.append(duplicate(origin, kpi.id, seen[kpi.id]))
                seen[kpi.id] = origin
                found.append((origin, kpi))
        return found, problems

    def versions(self, kpi_id: str) -> list[Version]:
        found = []
        for path in sorted((self.folder / VERSIONS / kpi_id).glob("v*.yaml")):
            try:
                data = safe_load(path) or {}  # in the advisor's folder: read as defensively as a KPI file
                found.append(Version(int(data["version"]), dt.datetime.fromisoformat(str(data["saved_at"])),
                                     data.get("author"), data.get("origin"), path, data.get("kpi") or {}))
            except (yaml.YAMLError, OSError, KeyError, TypeError, ValueError):
                continue  # not a version file of ours
        return sorted(found, key=lambda v: v.number)

    def target(self, kpi_id: str, library: Library) -> tuple[str, Problem | None]:
        """The own file the KPI came from, else `<folder>/<id>.yaml`. A file that holds other KPIs
        too is not rewritten (they, and its comments, would be lost): a problem."""
        origin = library.origin.get(kpi_id)
        written = Path(origin.file) if origin is not None and origin.file else None
        own = written is not None and written.parent.resolve() == self.folder.resolve() and written.is_file()
        target = written if own else self.folder / f"{kpi_id}.yaml"
        if target.is_file():
            found, _ = read_yaml(target)
            others = sorted({k.id for _, k in found if k.id != kpi_id})
            if others:
                return str(target), Problem(str(target), None, kpi_id, "id", Message(
                    "kpi_problems.file_holds_others", file=target.name, names=", ".join(others)))
        return str(target), None

    def taken(self, target: str) -> bool:
        return Path(target).exists()

    def in_force(self, kpi_id: str, library: Library, target: str, saved: list[Version]) -> InForce | None:
        path = Path(target)
        if path.exists():
            found, _ = read_yaml(path)
            for _, kpi in found:
                if kpi.id == kpi_id:
                    return document_of(kpi), str(path), dt.datetime.fromtimestamp(path.stat().st_mtime)
        return _library_definition(kpi_id, library)

    def add_version(self, store: Store | None, kpi: dict, author: str | None, origin: str | None,
                    saved_at: dt.datetime) -> Version:
        kpi_id = str(kpi["id"])
        folder = self.folder / VERSIONS / kpi_id
        folder.mkdir(parents=True, exist_ok=True)
        number = self.latest(kpi_id) + 1
        data = {"version": number, "saved_at": saved_at.replace(microsecond=0).isoformat(), "author": author,
                "origin": origin, "kpi": kpi}
        while True:  # two people saving at once: the second takes the next number
            path = folder / f"v{number:04d}_{saved_at:%Y%m%dT%H%M%S}_{slug(author or 'onbekend')}.yaml"
            try:
                with open(path, "x", encoding="utf-8") as handle:
                    yaml.safe_dump(data, handle, allow_unicode=True, sort_keys=False)
                return Version(number, saved_at, author, origin, path, kpi)
            except FileExistsError:
                number += 1
                data["version"] = number

    def put_in_force(self, target: str, kpi: dict, version: Version) -> None:
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = (f"# KPI-studio: versie {version.number}, opgeslagen {version.saved_at:%Y-%m-%d %H:%M} "
                  f"door {version.author}\n")
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(header + yaml.safe_dump(kpi, allow_unicode=True, sort_keys=False), encoding="utf-8")
        os.replace(temporary, path)

    def signature(self) -> tuple:
        if not self.folder.is_dir():
            return ()
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in self.folder.glob("*.y*ml")))

    def history(self) -> tuple[list[tuple], list[str]]:
        """What `koers shared copy` moves into the shared database: for every KPI in force, its
        versions as rows of `kpi_version`, and the definition in force as its last version where it
        differs from the last one saved (a file written or edited by hand). Also the ids whose
        versions stay behind: a KPI whose file was removed is out of the library, and in the
        database its last version would be in force again. A definition that cannot be read would
        be lost in the move: refused, naming the first (file, line, field)."""
        found, problems = self.definitions()
        unreadable = [p for p in problems if p.severity == "error"]
        if unreadable:
            first = unreadable[0]
            raise KoersError("errors.versions.not_copied", count=len(unreadable), where=first.where, problem=first.explanation)
        history = []
        for origin, kpi in sorted(found, key=lambda pair: pair[1].id):
            saved = self.versions(kpi.id)
            history += [version.row(kpi.id) for version in saved]
            current = document_of(kpi)
            if not saved or saved[-1].kpi != current:
                since = dt.datetime.fromtimestamp(Path(origin.file).stat().st_mtime)
                number = saved[-1].number + 1 if saved else 1
                history.append(Version(number, since, None, Path(origin.file).name, None, current).row(kpi.id))
        kept = self.folder / VERSIONS
        removed = sorted({p.name for p in kept.iterdir() if p.is_dir()} - {kpi.id for _, kpi in found}) if kept.is_dir() else []
        return history, removed


# --- the shared database (several replicas) ---------------------------------------------------


class Database(Own):
    shared = True

    def __init__(self, url: str) -> None:
        self.url = url

    @staticmethod
    def label(kpi_id: str, number: int | None = None) -> str:
        """Where a definition in the database is written, as a problem names it (a file's place)."""
        return f"{LABEL}{kpi_id}" + ("" if number is None else f" v{number}")

    @staticmethod
    def is_label(place: str | None) -> bool:
        return bool(place) and place.startswith(LABEL)

    def definitions(self) -> tuple[list[tuple[Origin, Kpi]], list[Problem]]:
        found, problems = [], []
        for row in kpi_versions(self.url, latest=True):
            origin = Origin(self.label(row["kpi_id"], row["version"]))
            kpi, shape = validate_document(json.loads(row["document"]), origin)
            problems += shape
            if kpi is not None:
                found.append((origin, kpi))
        return found, problems

    def versions(self, kpi_id: str) -> list[Version]:
        return [Version(row["version"], row["saved_at"], row["author"], row["origin"], None, json.loads(row["document"]))
                for row in kpi_versions(self.url, kpi_id=kpi_id)]

    def target(self, kpi_id: str, library: Library) -> tuple[str, Problem | None]:
        return self.label(kpi_id), None

    def taken(self, target: str) -> bool:
        return False  # a KPI in the database has versions: `versions` answers it

    def in_force(self, kpi_id: str, library: Library, target: str, saved: list[Version]) -> InForce | None:
        if saved:
            return saved[-1].kpi, self.label(kpi_id, saved[-1].number), saved[-1].saved_at
        return _library_definition(kpi_id, library)

    def add_version(self, store: Store | None, kpi: dict, author: str | None, origin: str | None,
                    saved_at: dt.datetime) -> Version:
        number = store.add_kpi_version(str(kpi["id"]), saved_at, author, origin, _as_json(kpi))
        return Version(number, saved_at, author, origin, None, kpi)

    def signature(self) -> tuple:
        return ()  # in `shared_signature`, with the targets: one query for both


def document_of(kpi: Kpi) -> dict:
    """The KPI as kept: every field set, defaults left out (a file stays short)."""
    return kpi.model_dump(mode="json", exclude_defaults=True)


def _as_json(kpi: dict) -> str:
    return json.dumps(kpi, ensure_ascii=False)


def _library_definition(kpi_id: str, library: Library) -> InForce | None:
    kpi = library.kpis.get(kpi_id)
    if kpi is None:
        return None
    return document_of(kpi), library.origin[kpi_id].file, dt.datetime.now()
