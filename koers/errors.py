"""Errors meant for people: one line, Dutch by default, English on request.

Every failure a user can cause (a bad file, a locked database, an unknown region) is raised as a
`KoersError`: a catalogue key and its values (`KoersError("errors.store.no_database", path=p)`,
texts in `koers/locales/*/errors.yaml`). The CLI and the dashboard print `str(error)` in the chosen
language and never a traceback; the detail goes to the log.
"""

from __future__ import annotations

import os
import string

from koers.i18n import Message, catalogue


def language() -> str:
    """The language for messages: `KOERS_LANG` (nl/en), Dutch by default."""
    lang = os.environ.get("KOERS_LANG", "nl").lower()
    return "en" if lang.startswith("en") else "nl"


class KoersError(Exception):
    """A problem explained in one line: `explanation` is the catalogue's message, shown in the
    user's language by `message(lang)` and `str(error)`; `.nl` and `.en` are both texts."""

    def __init__(self, key: str | Message, /, **params: object) -> None:
        self.explanation = key if isinstance(key, Message) else Message(key, **params)
        super().__init__(self.explanation.text("en"))

    def message(self, lang: str | None = None) -> str:
        return self.explanation.text(lang or language())

    @property
    def nl(self) -> str:
        return self.explanation.text("nl")

    @property
    def en(self) -> str:
        return self.explanation.text("en")

    def __str__(self) -> str:
        return self.message()


class FileProblem(KoersError):
    """An input file that cannot be read at all; names the file (and line/field when known)."""

    def __init__(self, path: object, key: str, /, **params: object) -> None:
        super().__init__("errors.file_problem", path=path, problem=Message(key, **params))
        self.path = str(path)


class DatabaseBusy(KoersError):
    """Another process holds the database's write lock for longer than we were willing to wait."""


class Conflict(KoersError):
    """A save based on a version of a record (or file) that someone else has changed since."""


# Pydantic's error types with a text of their own (`validation.<type>`, with {...} from the error's
# context), so a shape problem reads in the user's language; other types show pydantic's own text.
def validation_message(detail: dict, overrides: dict[str, str] | None = None) -> Message:
    """One pydantic error (an item of `ValidationError.errors()`) as a message; `overrides` maps
    an error type to a catalogue key of the caller's own wording."""
    kind = detail["type"]
    key = (overrides or {}).get(kind) or f"validation.{kind}"
    template = catalogue("nl").get(key)
    context = {k: (", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v) for k, v in (detail.get("ctx") or {}).items()}
    needed = {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template or "") if name}
    if template is None or not needed <= set(context):
        return Message("validation.as_given", text=detail["msg"])
    return Message(key, **{name: context[name] for name in needed})

