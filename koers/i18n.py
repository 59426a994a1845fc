"""Texts per language: one catalogue per language, kept as a folder of YAML
files (`koers/locales/nl/*.yaml`, `koers/locales/en/*.yaml`: one file per page or part, merged).

Keys are dotted (`overview.title`); a text may hold `{name}` placeholders. Dutch is the default.
A test checks that both catalogues have exactly the same keys, and no key is defined twice.
How numbers, dates and statuses are written in each language is `koers.present`'s.

Every text of the program itself — labels, errors (`errors.yaml`), the CLI's lines, rejection
reasons — is a key here, passed around as a `Message` until it is shown; a Dutch/English pair in
code or data is content, written by people about their own things (a KPI's title and description,
an indicator's title, a CBS table's name), and stays where it is written.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LANGUAGES = ("nl", "en")
LOCALES = Path(__file__).resolve().parent / "locales"
# libyaml's loader where PyYAML has it: the catalogues are read on every cold start (5x faster).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalogue(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.yaml")):
        part = _flatten(yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {})
        twice = set(part) & set(merged)
        if twice:
            raise ValueError(f"{path}: keys defined twice: {sorted(twice)}")
        merged.update(part)
    return merged


def text(lang: str, key: str, **params: object) -> str:
    """The text for `key` in `lang`; a missing key shows itself rather than failing the page."""
    template = catalogue(lang if lang in LANGUAGES else "nl").get(key, key)
    return template.format(**params) if params else template

# --- program text as data: a key and its values ----------------------------------------------


class Message:
    """A text of the program as a catalogue key plus the values for its `{placeholders}`, shown
    in a language only when shown: `Message("errors.store.no_database", path=p).text("en")`.

    A value may itself be a Message (an error naming a pydantic problem, a role's name): it is
    rendered in the same language; a list of values is rendered as "a, b, c".
    """

    __slots__ = ("key", "params")

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params

    def text(self, lang: str) -> str:
        """As `text(lang, key, **params)` (a value may be named `key`, as a record's key is)."""
        template = catalogue(lang if lang in LANGUAGES else "nl").get(self.key, self.key)
        values = {name: _rendered(value, lang) for name, value in self.params.items()}
        return template.format(**values) if values else template

    def replaced(self, old: str, new: str) -> Message:
        """The same message with `old` replaced by `new` in every text value (a temporary path
        by the file's own name); numbers and dates keep their type and format."""
        def swap(value: object) -> object:
            if isinstance(value, Message):
                return value.replaced(old, new)
            if isinstance(value, (list, tuple)):
                return type(value)(swap(item) for item in value)
            if isinstance(value, (int, float)) or not old or old not in str(value):
                return value
            return str(value).replace(old, new)

        return Message(self.key, **{name: swap(value) for name, value in self.params.items()})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        values = "".join(f", {name}={value!r}" for name, value in self.params.items())
        return f"Message({self.key!r}{values})"


def _rendered(value: object, lang: str) -> object:
    if isinstance(value, Message):
        return value.text(lang)
    if isinstance(value, list):
        return ", ".join(str(_rendered(item, lang)) for item in value)
    return value
