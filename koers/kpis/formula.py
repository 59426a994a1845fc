"""KPI formulas: parsed into a small tree and checked; the store turns the tree into SQL.

A formula is arithmetic over indicator and KPI ids with a few named functions::

    growth(population, 1)                      percentage change against one period earlier
    share(persons_bijstand, population)        100 * a / b
    (persons_bijstand + persons_ww) / population * 1000
    lag(population, 2)                         the value two periods earlier
    lead(population, 1)                        the value one period later

The period rule: a value is labelled with its own period; `growth(x, n)` labelled Y compares Y with
Y - n, which is right for a figure *over* a year (a year's income, a year's benefits). For a stock
counted on 1 January (CBS's population) the change *during* year Y runs from 1 January Y to
1 January Y + 1, and CBS labels it Y: write it with `lead` —
`(lead(population, 1) - population) / population * 100` (`population_growth`).

Python's own expression parser reads the text (it knows precedence and parentheses); we then keep
only the node types listed here and refuse everything else — strings, attributes, subscripts,
comparisons, keyword arguments, unknown functions. The SQL is generated from our tree
(`koers.store.kpi_query.expression_sql`), so no text from a definition ever reaches DuckDB: ids
become column names from the store's own numbering, and numbers are formatted by it.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass

from koers.errors import KoersError

MAX_LENGTH = 500
MAX_DEPTH = 25
ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class FormulaError(KoersError, ValueError):
    """A formula that cannot be used, with a one-line reason: a catalogue key and its values
    (a ValueError too: it is a bad value, wherever it is caught)."""


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Ref:
    id: str


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Node, ...]


Node = Number | Ref | Negate | Binary | Call

# name: (arguments, which arguments must be whole-number constants, description)
FUNCTIONS: dict[str, tuple[int, tuple[int, ...], str]] = {
    "lag": (2, (1,), "lag(x, n): x van n perioden eerder / x from n periods earlier"),
    "lead": (2, (1,), "lead(x, n): x van n perioden later / x from n periods later"),
    "growth": (2, (1,), "growth(x, n): groei in % t.o.v. n perioden eerder / growth in % against n periods earlier"),
    "share": (2, (), "share(a, b): 100 * a / b"),
    "min": (2, (), "min(a, b): de kleinste / the smaller"),
    "max": (2, (), "max(a, b): de grootste / the larger"),
    "abs": (1, (), "abs(x): absolute waarde / absolute value"),
}
_WINDOWED = {"lag", "lead", "growth"}
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def parse(text: str) -> Node:
    """Parse and check a formula's shape; raises FormulaError with a one-line reason."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("errors.formula.empty")
    if len(text) > MAX_LENGTH:
        raise FormulaError("errors.formula.too_long", max_length=MAX_LENGTH)
    if "\x00" in text:
        raise FormulaError("errors.formula.invalid_character")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise FormulaError("errors.formula.not_arithmetic", offset=error.offset or "?") from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("errors.formula.too_deep") from None
    return _convert(tree.body, 0)


def _convert(node: ast.AST, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise FormulaError("errors.formula.too_deep")
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return Number(_finite(node.value))
    if isinstance(node, ast.Name):
        if not ID.match(node.id):
            raise FormulaError("errors.formula.invalid_id", id=node.id)
        return Ref(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _convert(node.operand, depth + 1)
        return Negate(operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return Binary(_OPERATORS[type(node.op)], _convert(node.left, depth + 1), _convert(node.right, depth + 1))
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise FormulaError("errors.formula.unknown_function", known=", ".join(FUNCTIONS))
        arity, whole, _ = FUNCTIONS[name]
        if node.keywords or len(node.args) != arity:
            raise FormulaError("errors.formula.arity", name=name, arity=arity)
        args = tuple(_convert(a, depth + 1) for a in node.args)
        for index in whole:
            arg = args[index]
            if not (isinstance(arg, Number) and arg.value.is_integer() and 1 <= arg.value <= 50):
                raise FormulaError("errors.formula.periods_argument", name=name, position=index + 1)
        if name in _WINDOWED and any(_uses_window(a) for a in args):
            raise FormulaError("errors.formula.nested_lag", name=name)
        return Call(name, args)
    raise FormulaError("errors.formula.not_allowed", functions=", ".join(FUNCTIONS))


def _finite(value: int | float) -> float:
    """A number as written, as a float: `1e999` is infinite, and an integer of 400 digits is beyond
    what a float holds at all (`float()` raises OverflowError): both are out of range."""
    try:
        number = float(value)
    except OverflowError:
        raise FormulaError("errors.formula.number_out_of_range") from None
    if not math.isfinite(number):
        raise FormulaError("errors.formula.number_out_of_range")
    return number


def _uses_window(node: Node) -> bool:
    if isinstance(node, Call):
        return node.function in _WINDOWED or any(_uses_window(a) for a in node.args)
    if isinstance(node, Binary):
        return _uses_window(node.left) or _uses_window(node.right)
    if isinstance(node, Negate):
        return _uses_window(node.operand)
    return False


def references(node: Node) -> set[str]:
    """Every indicator or KPI id a formula uses."""
    if isinstance(node, Ref):
        return {node.id}
    if isinstance(node, Negate):
        return references(node.operand)
    if isinstance(node, Binary):
        return references(node.left) | references(node.right)
    if isinstance(node, Call):
        return set().union(*(references(a) for a in node.args))
    return set()


def offsets(node: Node, kpi_offsets: dict[str, set[int]] | None = None) -> set[int]:
    """The periods, relative to the labelled one, whose figures a formula reads: {0} for plain
    arithmetic, {0, -1} for `growth(x, 1)`, {1} for `lead(x, 1)`. `kpi_offsets`: for a reference to
    a KPI, the offsets of that KPI's own formula (they compose); other references read {0}."""
    known = kpi_offsets or {}
    if isinstance(node, Ref):
        return set(known.get(node.id, {0}))
    if isinstance(node, Negate):
        return offsets(node.operand, known)
    if isinstance(node, Binary):
        return offsets(node.left, known) | offsets(node.right, known)
    if isinstance(node, Call):
        inner = set().union(*(offsets(a, known) for a in node.args))
        if node.function in _WINDOWED:
            n = int(node.args[1].value)  # type: ignore[union-attr]
            inner = offsets(node.args[0], known)
            shifted = {o + n for o in inner} if node.function == "lead" else {o - n for o in inner}
            return shifted | (inner if node.function == "growth" else set())
        return inner
    return {0}
