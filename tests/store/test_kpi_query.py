"""The KPI queries: SQL generated from checked formula trees and from our own numbering only —
no id, and no text from a definition, ever reaches DuckDB as SQL text."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import formulas

from koers.kpis import formula
from koers.kpis.formula import Binary, FormulaError, Number, Ref
from koers.store.kpi_query import EvaluationQuery, evaluation_sql, expression_sql


def _sql(text: str) -> str:
    return expression_sql(formula.parse(text), lambda ref: {"a": "i0", "b": "i1", "population": "i2"}.get(ref, "k9"))


def test_precedence():
    assert _sql("(a + b) / population * 1000") == "(((i0 + i1) / nullif(i2, 0)) * 1000.0)"


def test_functions_generate_window_sql():
    assert _sql("growth(population, 1)") == "(100.0 * (i2 / nullif(lag(i2, 1) OVER w, 0) - 1))"
    assert _sql("share(a, b)") == "(100.0 * i0 / nullif(i1, 0))"


_SAFE_SQL = re.compile(r"^[a-z0-9_ ().,*/+\-]*$")
_WORDS = {"lag", "over", "w", "nullif", "least", "greatest", "abs"}


@settings(max_examples=600, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_any_text_is_a_checked_tree_or_a_clear_refusal(text):
    try:
        tree = formula.parse(text)
    except FormulaError as error:
        assert error.en and "\n" not in error.en
        return
    sql = expression_sql(tree, lambda ref: "c0")
    assert _SAFE_SQL.match(sql), sql
    assert set(re.findall(r"[a-z_]+", sql)) <= _WORDS | {"c"}


@settings(max_examples=300, deadline=None)
@given(formulas)
def test_fuzz_valid_formulas_give_safe_sql(text):
    assert _SAFE_SQL.match(expression_sql(formula.parse(text), lambda ref: "c0"))


def test_ids_reach_the_evaluation_query_only_as_parameters():
    odd = "population'); DROP TABLE observation; --"  # not a valid id, but the query must not care
    query = EvaluationQuery(
        indicators=("count_x", odd),
        layers=((("kpi_a", Binary("/", Ref("count_x"), Ref(odd))),),
                (("kpi_b", Binary("*", Ref("kpi_a"), Number(1000.0))),)),
        inputs={"kpi_a": ("count_x", odd), "kpi_b": ("count_x", odd)},
        thresholds={"kpi_a": 10}, additive=frozenset({"count_x"}), harmonise_on=dt.date(2025, 1, 1))
    sql, params, names = evaluation_sql(query)
    for text in (odd, "count_x", "kpi_a", "kpi_b", "DROP"):
        assert text not in sql, text
    assert params == [dt.date(2025, 1, 1)] * 3 + [["count_x", odd]]
    assert names == {"k0": "kpi_a", "k1": "kpi_b"}
    assert "(i1 / nullif(i2, 0)) AS k0" in sql and "(k0 * 1000.0) AS k1" in sql
    assert "coalesce(i1 < 10, false)" in sql  # the count's threshold, for the KPI that has one


def test_a_reference_outside_the_query_is_refused_not_spliced():
    query = EvaluationQuery(indicators=("a",), layers=((("kpi", Ref("elsewhere")),),))
    with pytest.raises(KeyError):
        evaluation_sql(query)


def test_no_layers_no_query():
    assert evaluation_sql(EvaluationQuery(indicators=(), layers=())) == ("", [], {})
