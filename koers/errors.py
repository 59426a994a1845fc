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


class Conflict(KoersError):
    """A save based on a version of a record (or file) that someone else has changed since."""


# Pydantic's error types as one line in both languages ({...} from the error's context), so a
# shape problem reads in the user's language; an unknown type falls back to pydantic's own text.
_VALIDATION_TEXT = {
    "missing": ("verplicht veld", "required field"),
    "string_too_short": ("mag niet leeg zijn", "must not be empty"),
    "string_too_long": ("is te lang (hoogstens {max_length} tekens)", "is too long (at most {max_length} characters)"),
    "string_pattern_mismatch": ("heeft niet de verwachte vorm", "does not have the expected form"),
    "string_type": ("moet tekst zijn", "must be text"),
    "literal_error": ("kies een van: {expected}", "choose one of: {expected}"),
    "enum": ("kies een van: {expected}", "choose one of: {expected}"),
    "greater_than_equal": ("moet minstens {ge} zijn", "must be at least {ge}"),
    "greater_than": ("moet groter zijn dan {gt}", "must be greater than {gt}"),
    "less_than_equal": ("mag hoogstens {le} zijn", "must be at most {le}"),
    "int_parsing": ("moet een geheel getal zijn", "must be a whole number"),
    "int_type": ("moet een geheel getal zijn", "must be a whole number"),
    "int_from_float": ("moet een geheel getal zijn", "must be a whole number"),
    "float_parsing": ("moet een getal zijn", "must be a number"),
    "float_type": ("moet een getal zijn", "must be a number"),
    "bool_parsing": ("moet ja of nee zijn", "must be yes or no"),
    "date_parsing": ("moet een datum zijn (jjjj-mm-dd)", "must be a date (yyyy-mm-dd)"),
    "date_from_datetime_parsing": ("moet een datum zijn (jjjj-mm-dd)", "must be a date (yyyy-mm-dd)"),
    "date_type": ("moet een datum zijn (jjjj-mm-dd)", "must be a date (yyyy-mm-dd)"),
    "too_short": ("kies er minstens {min_length}", "choose at least {min_length}"),
    "list_type": ("moet een lijst zijn", "must be a list"),
    "extra_forbidden": ("is geen bekend veld", "is not a known field"),
}


def validation_text(detail: dict, overrides: dict[str, tuple[str, str]] | None = None) -> tuple[str, str]:
    """One pydantic error (an item of `ValidationError.errors()`) as (Dutch, English) text."""
    kind = detail["type"]
    nl, en = (overrides or {}).get(kind) or _VALIDATION_TEXT.get(kind) or (detail["msg"], detail["msg"])
    context = {k: (", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v) for k, v in (detail.get("ctx") or {}).items()}
    try:
        return nl.format(**context), en.format(**context)
    except (KeyError, IndexError):
        return detail["msg"], detail["msg"]
