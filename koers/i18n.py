"""Texts per language: one catalogue per language, kept as a folder of YAML
files (`koers/locales/nl/*.yaml`, `koers/locales/en/*.yaml`: one file per page or part, merged).

Keys are dotted (`overview.title`); a text may hold `{name}` placeholders. Dutch is the default.
A test checks that both catalogues have exactly the same keys, and no key is defined twice.
How numbers, dates and statuses are written in each language is `koers.present`'s.
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

