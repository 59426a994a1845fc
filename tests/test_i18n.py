"""One mechanism for program text: the locale catalogues, read through `Message` keys.

The checks find what they check themselves: every key literal in a raise or a `Message(...)`
under koers/ and pages/, every SQL string of the store.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from koers import i18n
from koers.access import ROLE_NAMES, AccessDenied, Actor, Permission, Role
from koers.errors import FileProblem, KoersError
from koers.i18n import Message
from koers.store.staging_sql import REASON_VALUES

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(ROOT / "koers").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"])
# Callables whose first argument is a catalogue key (FileProblem: its second, after the path).
KEYED = {"KoersError": 0, "Conflict": 0, "DatabaseBusy": 0, "FormulaError": 0, "Message": 0, "_say": 0,
         "_incomplete": 0, "FileProblem": 1}


def _calls() -> list[tuple[Path, ast.Call, str]]:
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if name in KEYED:
                    found.append((path, node, name))
    return found


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_both_catalogues_have_the_same_keys_and_placeholders():
    nl, en = i18n.catalogue("nl"), i18n.catalogue("en")
    assert set(nl) == set(en)
    differing = {key: (_placeholders(nl[key]), _placeholders(en[key])) for key in nl
                 if _placeholders(nl[key]) != _placeholders(en[key])}
    assert differing == {}


def test_every_key_raised_or_said_in_the_code_is_in_the_catalogue():
    keys = []
    for path, call, name in _calls():
        position = KEYED[name]
        if len(call.args) > position and isinstance(call.args[position], ast.Constant):
            keys.append((f"{path.relative_to(ROOT)}:{call.lineno}", call.args[position].value))
    assert len(keys) >= 100, f"found only {len(keys)} message keys: is the discovery still right?"
    catalogue = i18n.catalogue("nl")
    assert [(where, key) for where, key in keys if key not in catalogue] == []


def test_no_error_is_raised_with_a_dutch_and_an_english_text():
    def is_text(node: ast.AST) -> bool:
        return isinstance(node, ast.JoinedStr) or isinstance(node, ast.Constant) and isinstance(node.value, str)

    calls = [(path, call, name) for path, call, name in _calls() if name != "Message"]
    assert len(calls) >= 100
    pairs = [f"{path.relative_to(ROOT)}:{call.lineno}" for path, call, name in calls
             if len(call.args) >= KEYED[name] + 2 and all(is_text(a) for a in call.args[KEYED[name]:KEYED[name] + 2])]
    assert pairs == []


# A text inside SQL: a format() template given as a literal (`THEN format('onbekende regio "{}"'`), or
# a quoted phrase of words (`'voor 1830'`); SQL's own literals are codes, patterns and separators.
def _sql_texts(sql: str) -> list[str]:
    sql = re.sub(r"--[^\n]*", "", sql)  # a comment may hold an apostrophe
    templates = re.findall(r"\bformat\(\s*'[^']*'", sql)
    phrases = [literal for literal in re.findall(r"'((?:[^']|'')*)'", sql) if re.search(r"[A-Za-z]{2,} [A-Za-z0-9]{2,}", literal)]
    return templates + phrases


def test_no_language_inside_the_stores_sql():
    strings = [(path, node.value) for path in sorted((ROOT / "koers" / "store").rglob("*.py"))
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    sql = [(path, text) for path, text in strings if re.search(r"\b(SELECT|CREATE|INSERT|UPDATE)\b", text)]
    assert len(sql) >= 20
    assert [(path.name, found) for path, text in sql for found in _sql_texts(text)] == []


def test_the_sql_check_recognises_language_in_sql():
    old = """CASE problem WHEN 'unknown_name' THEN format('onbekende regio "{}"', region_text) END,
             coalesce(strftime(valid_from, '%d-%m-%Y'), 'voor 1830')"""
    assert _sql_texts(old) == ["format('onbekende regio \"{}\"'", 'onbekende regio "{}"', "voor 1830"]
    assert _sql_texts("SELECT list_position(['a', 'b'], x), left(period, 4), ', ' FROM t WHERE k = 'region' -- it's") == []


def test_the_stores_rejection_reasons_name_only_the_values_the_sql_passes():
    for lang in i18n.LANGUAGES:
        for problem, values in REASON_VALUES.items():
            assert _placeholders(i18n.catalogue(lang)[f"rejected.store.{problem}"]) <= set(values), (lang, problem)


def test_keys_built_from_a_name_exist_for_every_name():
    catalogue = i18n.catalogue("en")
    built = [f"roles.{role}" for role in Role] + [f"permissions.{permission}" for permission in Permission]
    assert [key for key in built if key not in catalogue] == []
    assert dict(ROLE_NAMES)[Role.council] == ("raadslid", "council member")


def test_a_message_renders_its_nested_messages_in_the_same_language():
    refused = AccessDenied(Actor("r@x.nl", "Rik", Role.council), Permission.annotate)
    assert refused.nl == "Rik (raadslid) mag niet annotaties schrijven; vraag een beheerder om een andere rol"
    assert refused.en == "Rik (council member) may not write annotations; ask an administrator for another role"
    listed = Message("errors.own_file.missing_columns", found="a, b", hint="",
                     columns=[Message("errors.own_file.role_example", role=Message(f"errors.own_file.role.{r}"),
                                      examples="x") for r in ("region", "period")])
    assert listed.text("nl") == "kolom ontbreekt: regio (bijv. x), periode (bijv. x); gevonden: a, b"
    assert listed.text("en") == "missing column: region (e.g. x), period (e.g. x); found: a, b"


def test_an_error_speaks_the_chosen_language(monkeypatch: pytest.MonkeyPatch):
    error = FileProblem("/tmp/upload-1/cijfers.csv", "errors.file.empty")
    monkeypatch.setenv("KOERS_LANG", "en")
    assert str(error) == "/tmp/upload-1/cijfers.csv: is empty"
    monkeypatch.setenv("KOERS_LANG", "nl")
    assert str(error) == error.nl == "/tmp/upload-1/cijfers.csv: is leeg"
    renamed = KoersError(error.explanation.replaced("/tmp/upload-1/cijfers.csv", "cijfers.csv"))
    assert renamed.en == "cijfers.csv: is empty"
    # A value named `key` (a record's key) is a value like any other.
    assert KoersError("errors.store.record_gone", entity="action", key=3).en == "action 3 does not exist (any more)"
