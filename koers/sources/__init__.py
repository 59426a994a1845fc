"""Importers: each turns one kind of source into an `ImportBatch` for `Store.commit_import`.

`SOURCES` lists every importer, found here: a module (or package) of `koers.sources` that defines
`SOURCE = Source(...)` (`koers.sources.source`). The command line and the Data page both read it,
so adding a data source touches one module here (plus its name for people in
`koers/locales/*/sources.yaml`, and the schema if it needs a table).

`SOURCES` is found on first use, not when this package is imported: `koers.store` imports
`koers.sources.registry`, and the importers import `koers.store`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from koers.sources.source import Source

__all__ = ["SOURCES", "source_named"]


@cache
def _discover() -> tuple[Source, ...]:
    from koers.sources.source import Source

    found = []
    for module in pkgutil.iter_modules(__path__):
        declared = getattr(importlib.import_module(f"{__name__}.{module.name}"), "SOURCE", None)
        if isinstance(declared, Source):
            found.append(declared)
    return tuple(sorted(found, key=lambda source: source.order))


def source_named(name: str) -> Source:
    """The source `koers import <name>` runs; a KeyError for an unknown name."""
    return {source.name: source for source in _discover()}[name]


def __getattr__(name: str) -> object:
    if name == "SOURCES":
        return _discover()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
