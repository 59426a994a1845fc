"""Errors meant for people: one line, Dutch by default, English on request.

Every failure a user can cause (a bad file, a locked database, an unknown region) is raised as a
`KoersError`. The CLI and the dashboard print `str(error)` in the chosen language and never a
traceback; the detail goes to the log.
"""

from __future__ import annotations

import os


def language() -> str:
    """The language for messages: `KOERS_LANG` (nl/en), Dutch by default."""
    lang = os.environ.get("KOERS_LANG", "nl").lower()
    return "en" if lang.startswith("en") else "nl"


class KoersError(Exception):
    """A problem with a Dutch and an English one-line explanation."""

    def __init__(self, nl: str, en: str) -> None:
        super().__init__(en)
        self.nl = nl
        self.en = en

    def message(self, lang: str | None = None) -> str:
        return self.en if (lang or language()) == "en" else self.nl

    def __str__(self) -> str:
        return self.message()


class FileProblem(KoersError):
    """An input file that cannot be read at all; names the file (and line/field when known)."""

    def __init__(self, path: object, nl: str, en: str) -> None:
        super().__init__(f"{path}: {nl}", f"{path}: {en}")
        self.path = str(path)


class DatabaseBusy(KoersError):
    """Another process holds the database's write lock for longer than we were willing to wait."""
