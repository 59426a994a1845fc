"""The command line's values, each checked where argparse reads it.

Every argument of `koers` has one of the small named types below (`year`, `date`, `region_code`,
`existing_file`, …): each turns the text into the value the command uses, or refuses it with a
catalogue message saying why. The parser (`Parser`) words argparse's own complaints (a missing
argument, an unknown choice, an unknown option) from the catalogue too, so every bad command line
is one line naming the command and the argument, in the chosen language, and exit code 2:

    koers kpi: --year: 99999999999 is not a year from 1900 to 2100 (see koers kpi --help)

Text typed on a command line is never trusted to be printable: a control character, or one that
turns the direction of the text (U+202E and its kind, used to disguise a name), is refused, and a
refused value is shown escaped.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from koers.errors import KoersError
from koers.i18n import LANGUAGES, Message
from koers.kpis.targets import YEARS
from koers.sources.registry import KIND_BY_PREFIX
from koers.sources.source import Argument

MAX_TEXT = 500  # characters of one value: a path, a column's name, a filter
FIRST_DATE, LAST_DATE = dt.date(1830, 1, 1), dt.date(2100, 12, 31)  # CBS's municipal history starts in 1830
MAX_ID = 2**31 - 1  # import and session ids are INTEGER in the store
MAX_WAIT = 86_400.0  # seconds: a day
REGION_KINDS = (*KIND_BY_PREFIX.values(), "other")
_REGION_CODE = re.compile(r"^[A-Z]{2}[0-9]{2,8}$")  # GM0363, PV27, NL01, WK036300, BU03630000
_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_PERIOD = re.compile(r"^\d{4}(?:-Q[1-4]|-(?:0[1-9]|1[0-2]))?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Unicode categories nobody types in a name: control characters (Cc), format characters such as
# the text-direction overrides U+202A–U+202E and U+2066–U+2069 (Cf), line and paragraph separators
# (Zl, Zp), and lone surrogates (Cs: bytes of a command line that are no UTF-8).
_UNPRINTABLE = {"Cc", "Cf", "Zl", "Zp", "Cs"}


class ArgumentValueError(argparse.ArgumentTypeError):
    """A value a type refuses: the catalogue message saying why (the parser adds which argument)."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.explanation = Message(key, **params)
        super().__init__(self.explanation.text("en"))


class ArgumentProblem(KoersError):
    """A bad command line, as one line: the command, the argument and what is wrong with it."""


def shown(value: str, limit: int = 40) -> str:
    """A value as it may be printed back: quoted, cut short, and with every character that is not
    printable escaped (`repr` does that: control, direction and surrogate characters alike)."""
    return repr(value[:limit] + ("…" if len(value) > limit else ""))


# --- the types ----------------------------------------------------------------------------------


def text(value: str) -> str:
    """Any text, as long as it is printable, not empty and not absurdly long."""
    if not value.strip():
        raise ArgumentValueError("arguments.empty")
    if len(value) > MAX_TEXT:
        raise ArgumentValueError("arguments.too_long", max_length=MAX_TEXT)
    position = next((i for i, c in enumerate(value, start=1) if unicodedata.category(c) in _UNPRINTABLE), None)
    if position is not None:
        raise ArgumentValueError("arguments.control_character", position=position)
    return value


def path(value: str) -> str:
    """A file or folder that may not exist yet (a database, a file to write)."""
    return text(value)


def existing_file(value: str) -> str:
    found = Path(text(value))
    if found.is_dir():
        raise ArgumentValueError("arguments.not_a_file", path=shown(value))
    if not found.is_file():
        raise ArgumentValueError("arguments.no_such_file", path=shown(value))
    return value


def existing_folder(value: str) -> str:
    found = Path(text(value))
    if found.exists() and not found.is_dir():
        raise ArgumentValueError("arguments.not_a_folder", path=shown(value))
    if not found.is_dir():
        raise ArgumentValueError("arguments.no_such_folder", path=shown(value))
    return value


def whole_number(low: int, high: int, name: str) -> Callable[[str], int]:
    """A type for a whole number from `low` to `high`; `name` is how --help calls it."""
    def whole(value: str) -> int:
        stripped = text(value).strip()
        if not re.fullmatch(r"[+-]?\d{1,20}", stripped) or not low <= int(stripped) <= high:
            raise ArgumentValueError("arguments.not_a_whole_number", value=shown(value), low=low, high=high)
        return int(stripped)

    whole.__name__ = name
    return whole


record_id = whole_number(1, MAX_ID, "id")  # an import's or a review session's number
theme = whole_number(1, 3, "theme")


def year(value: str) -> int:
    stripped = text(value).strip()
    if not re.fullmatch(r"\d{4}", stripped) or int(stripped) not in YEARS:
        raise ArgumentValueError("arguments.not_a_year", value=shown(value), first=YEARS[0], last=YEARS[-1])
    return int(stripped)


def date(value: str) -> dt.date:
    """A day as YYYY-MM-DD, from 1830 (CBS's municipal history) to 2100."""
    stripped = text(value).strip()
    try:
        day = dt.date.fromisoformat(stripped) if _ISO_DATE.match(stripped) else None
    except ValueError:
        day = None
    if day is None:
        raise ArgumentValueError("arguments.not_a_date", value=shown(value))
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ArgumentValueError("arguments.date_out_of_range", value=shown(value), first=FIRST_DATE.isoformat(),
                                 last=LAST_DATE.isoformat())
    return day


def seconds(value: str) -> float:
    """A time to wait: a number of seconds from 0 to a day."""
    try:
        number = float(text(value).strip().replace(",", "."))
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and 0 <= number <= MAX_WAIT):
        raise ArgumentValueError("arguments.not_a_number", value=shown(value), low=0, high=int(MAX_WAIT))
    return number


def region_code(value: str) -> str:
    code = text(value).strip().upper()
    if not _REGION_CODE.match(code):
        raise ArgumentValueError("arguments.not_a_region_code", value=shown(value))
    return code


def region_codes(value: str) -> list[str]:
    """Comma-separated region codes."""
    return [region_code(part) for part in text(value).split(",")]


def region_kinds(value: str) -> tuple[str, ...]:
    """Comma-separated kinds of region (municipality, province, …)."""
    kinds = tuple(part.strip().lower() for part in text(value).split(","))
    for kind in kinds:
        if kind not in REGION_KINDS:
            raise ArgumentValueError("arguments.not_a_region_kind", value=shown(kind), kinds=", ".join(REGION_KINDS))
    return kinds


def identifier(value: str) -> str:
    """A KPI's or an indicator's id: lower-case letters, digits and _, starting with a letter."""
    stripped = text(value).strip()
    if not _ID.match(stripped):
        raise ArgumentValueError("arguments.not_an_id", value=shown(value))
    return stripped


def period(value: str) -> str:
    """A period as Koers stores it: 2024, 2024-Q1 or 2024-01."""
    stripped = text(value).strip().upper()
    if not _PERIOD.match(stripped):
        raise ArgumentValueError("arguments.not_a_period", value=shown(value))
    return stripped


def typed(argument: Argument) -> Argument:
    """The argument with `text` as its type when it declares none (a data source's options): no
    value reaches a command unchecked. Flags (an `action`) take no value."""
    if argument.type is None and argument.action is None:
        return dataclasses.replace(argument, type=text)
    return argument


# --- the parser: argparse's own complaints, from the catalogue ------------------------------------


def chosen_language(argv: Sequence[str]) -> str | None:
    """`--lang` as given on the command line, read before the rest is parsed, so that a problem
    with any other argument is told in that language; None when not given (or no language)."""
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        value = argv[index + 1] if arg == "--lang" and index + 1 < len(argv) else (
            arg.partition("=")[2] if arg.startswith("--lang=") else None)
        if value is not None:
            return value if value in LANGUAGES else None
    return None


def _name(action: argparse.Action) -> str:
    """An argument's name as argparse gives it in an error."""
    if action.option_strings:
        return "/".join(action.option_strings)
    return action.metavar if action.metavar not in (None, argparse.SUPPRESS) else str(action.dest)


# argparse's own messages (English constants; Python ships no translation of them) -> what they say.
_ARGPARSE = (
    (re.compile(r"^the following arguments are required: (?P<names>.+)$"), "arguments.required"),
    (re.compile(r"^unrecognized arguments: (?P<names>.+)$"), "arguments.unknown"),
    (re.compile(r"^ambiguous option: (?P<names>\S+) could match (?P<matches>.+)$"), "arguments.ambiguous"),
    (re.compile(r"^invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)$"), "arguments.invalid_choice"),
    (re.compile(r"^expected (?:one|at least one|at most one|\d+) arguments?$"), "arguments.needs_value"),
    (re.compile(r"^invalid \S+ value: (?P<value>.+)$"), "arguments.invalid_value"),
)


def _as_given(value: str) -> str:
    """A value as argparse quotes it (its `repr`: escaped already), cut short."""
    if not (len(value) >= 2 and value[0] == value[-1] and value[0] in "'\""):
        return shown(value)
    return value if len(value) <= 42 else value[:40] + "…" + value[-1]


def _explained(message: str) -> tuple[str | None, Message]:
    """(the argument's name when the message holds it, what is wrong) for one of argparse's messages."""
    for pattern, key in _ARGPARSE:
        found = pattern.match(message)
        if found:
            parts = found.groupdict()
            names = parts.pop("names", None)
            if names is not None and key == "arguments.unknown":
                names = ", ".join(shown(name) for name in names.split(" "))
            values = {name: _as_given(value) if name == "value" else value for name, value in parts.items()}
            return names, Message(key, **values)
    return None, Message("arguments.as_given", text=shown(message, 200))


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose every complaint is an `ArgumentProblem` (one line, from the
    catalogue) rather than a usage text and an exit; its subcommands' parsers are of this class too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["exit_on_error"] = False  # a bad value reaches `parse_known_args` as an ArgumentError
        super().__init__(*args, **kwargs)

    def parse_known_args(self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None):
        try:
            return super().parse_known_args(args, namespace)
        except argparse.ArgumentError as error:
            raise self._problem(error) from None

    def error(self, message: str) -> NoReturn:
        names, problem = _explained(message)
        subcommands = {_name(a) for a in self._actions if isinstance(a, argparse._SubParsersAction)}  # noqa: SLF001
        name: str | Message = Message("arguments.command") if names in subcommands else names or self.prog
        raise ArgumentProblem("arguments.problem", command=self.prog, argument=name, problem=problem)

    def _problem(self, error: argparse.ArgumentError) -> ArgumentProblem:
        action = next((a for a in self._actions if _name(a) == error.argument_name), None)
        name: str | Message = error.argument_name or self.prog
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001 - argparse's only handle on subcommands
            name = Message("arguments.command")
        # A type of ours raised ArgumentValueError; argparse re-raised it as this ArgumentError.
        refused = error.__context__
        problem = refused.explanation if isinstance(refused, ArgumentValueError) else _explained(error.message)[1]
        return ArgumentProblem("arguments.problem", command=self.prog, argument=name, problem=problem)
