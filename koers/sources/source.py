"""What an importer module declares so that the command line and the Data page offer it.

Each importer module in `koers.sources` ends with one `SOURCE = Source(...)`, and
`koers.sources.SOURCES` finds them: adding a data source touches that one module. The command line
makes `koers import <name>` from `name`, `help` and `arguments`, runs `check(args)` before anything
is read and then `load(args, progress)`. A source with an `upload` is also a choice on the Data
page, which draws its `fields` and hands their values (text) to `upload.read`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from koers.progress import Progress
from koers.store import ImportBatch


@dataclass(frozen=True)
class Argument:
    """One command-line argument, as `argparse.ArgumentParser.add_argument` takes it (the CLI
    declares its own commands' arguments with it too).

    `name` is a positional's name ("source") or an option ("--base-url"). Only the settings given
    (not None) are passed on, so argparse's own defaults, and so its help text, stay as they are.
    """

    name: str
    help: str | None = None
    metavar: str | None = None
    dest: str | None = None
    type: Callable[[str], Any] | None = None
    default: Any = None
    choices: tuple | None = None
    action: str | None = None
    nargs: str | None = None
    required: bool | None = None

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        settings = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "name"}
        parser.add_argument(self.name, **{key: value for key, value in settings.items() if value is not None})


@dataclass(frozen=True)
class UploadField:
    """A field the Data page shows for one kind of upload (widget key `data_<name>`); its text value
    reaches `Upload.read` under `name`."""

    name: str
    label_key: str
    choices: tuple[str, ...] = ()  # a select box, labelled by `<choices_key>.<choice>`; none: a text input
    choices_key: str = ""
    help_key: str | None = None
    advanced: bool = False  # in the page's "columns and notation" expander, two to a row


@dataclass(frozen=True)
class Upload:
    """How the Data page takes a source as an uploaded file."""

    kind: str  # the page's value for it: also in widget keys ("own" -> `data_file_own`)
    order: int  # place among the page's choices; the first is preselected
    file_types: tuple[str, ...]  # extensions the file picker accepts
    read: Callable[[Path, Mapping[str, str]], ImportBatch]  # (the upload saved under its own name, field values)
    fields: tuple[UploadField, ...] = ()


@dataclass(frozen=True)
class Source:
    """One kind of data source: `koers import <name>`, and optionally an upload on the Data page."""

    name: str  # the CLI's name for it, and the import log's `kind`
    title_key: str  # locale key of its name for people
    help: str  # its line in `koers import --help` (English, like all of the CLI's help)
    order: int  # place in `koers import --help`
    arguments: tuple[Argument, ...]
    load: Callable[[argparse.Namespace, Progress], ImportBatch]
    check: Callable[[argparse.Namespace], object] | None = None  # refuses bad options before anything is read
    upload: Upload | None = None
