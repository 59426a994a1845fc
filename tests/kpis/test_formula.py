"""Formulas: parsed into a checked tree — hostile text never gets through. (The SQL generated from
the tree is tested with the store: tests/store/test_kpi_query.py.)"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FORMULA_IDS, formulas

from koers.kpis import formula
from koers.kpis.formula import Binary, Call, FormulaError, Number, Ref


def test_precedence_and_references():
    tree = formula.parse("(a + b) / population * 1000")
    assert tree == Binary("*", Binary("/", Binary("+", Ref("a"), Ref("b")), Ref("population")), Number(1000.0))
    assert formula.references(tree) == {"a", "b", "population"}


def test_functions_parse_to_calls():
    assert formula.parse("lag(a, 2)") == Call("lag", (Ref("a"), Number(2.0)))
    assert formula.parse("growth(population, 1)") == Call("growth", (Ref("population"), Number(1.0)))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("a +", "not valid arithmetic"),
        ("__import__('os').system('rm -rf /')", "unknown function"),
        ("a; DROP TABLE observation", "not valid arithmetic"),
        ("'x'", "only numbers"),
        ("a.b", "only numbers"),
        ("a[0]", "only numbers"),
        ("a if b else 1", "only numbers"),
        ("a == b", "only numbers"),
        ("lambda: 1", "only numbers"),
        ("Population", "not a valid id"),
        ("lag(a, b)", "whole number"),
        ("lag(a, 0)", "whole number"),
        ("growth(lag(a, 1), 1)", "cannot contain"),
        ("share(a)", "takes 2"),
        ("sum(a, b)", "unknown function"),
        ("a ** 2", "only numbers"),
        ("(" * 60 + "a" + "+1)" * 60, "nested too deeply"),
        ("-" * 100 + "a", "nested too deeply"),
        ("1e999", "out of range"),
        ("1" * 400 + " * a", "out of range"),
        ("0x" + "f" * 300, "out of range"),
        ("lag(a, " + "9" * 400 + ")", "out of range"),
        ("a" * 600, "longer than"),
    ],
)
def test_hostile_or_wrong_formulas_are_refused_with_a_reason(text, fragment):
    with pytest.raises(FormulaError) as refused:
        formula.parse(text)
    assert fragment in refused.value.en
    assert "\n" not in refused.value.en and refused.value.nl


@settings(max_examples=600, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_any_text_is_a_checked_tree_or_a_clear_refusal(text):
    try:
        tree = formula.parse(text)
    except FormulaError as error:
        assert error.en and "\n" not in error.en
        return
    assert all(formula.ID.match(ref) for ref in formula.references(tree))


@settings(max_examples=300, deadline=None)
@given(formulas)
def test_fuzz_valid_formulas_parse_and_keep_their_references(text):
    tree = formula.parse(text)
    assert formula.references(tree) == set(re.findall(r"\b(?:" + "|".join(FORMULA_IDS) + r")\b", text))
