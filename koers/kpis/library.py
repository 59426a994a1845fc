"""The KPI library: the built-in definitions in `metrics/theme_*.yaml`, plus the municipality's own
(`koers.kpis.own`: a policy advisor's YAML files, or the shared database's saved versions).

Built-in and own KPIs are written the same way (one YAML block per KPI, the shape of
`metrics.model.Kpi`) and read by the same code (`koers.kpis.yaml_files`), so a built-in KPI's
problem names its file and line just as an own one's does.

Every KPI is checked by `koers.kpis.validate`: its shape when it is read (per field, with the line
of a YAML file), then the named rules on the whole library. The CLI and the dashboard print the
same problems.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from koers.kpis import own as own_definitions
from koers.kpis.validate import Origin, Problem, references, run_rules
from koers.kpis.yaml_files import duplicate, read_yaml, safe_load
from metrics.model import Kpi

# `references` lives with the rules that use it; the KPI engine and the examples import it from here.
__all__ = ["Library", "builtin_files", "load_library", "read_yaml", "references", "safe_load"]

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


# --- the library --------------------------------------------------------------------------------


def load_library(own: Path | own_definitions.Own | None = None, known_indicators: Iterable[str] = ()) -> Library:
    """Built-in KPIs, overridden or extended by the own definitions (a folder of YAML files, or
    `koers.kpis.own.at()`: this installation's); then every rule."""
    found, problems = _builtin()
    library = Library(problems=list(problems))
    builtin: dict[str, Origin] = {}
    for origin, kpi in found:
        if kpi.id in builtin:
            library.problems.append(duplicate(origin, kpi.id, builtin[kpi.id]))
        builtin[kpi.id] = origin
        library.kpis[kpi.id] = kpi
        library.origin[kpi.id] = origin
    if own is not None:
        found, problems = own_definitions.at(own).definitions()
        library.problems.extend(problems)
        for origin, kpi in found:
            library.kpis[kpi.id] = kpi  # the municipality's own definition overrides the built-in one
            library.origin[kpi.id] = origin
    library.problems.extend(run_rules(library, known_indicators))
    return library
