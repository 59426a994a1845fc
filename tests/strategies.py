"""Hypothesis strategies shared by the formula tests (the parser's and the SQL compiler's)."""

from __future__ import annotations

from hypothesis import strategies as st

FORMULA_IDS = ["a", "b", "population", "x_1"]

_leaf = st.one_of(st.sampled_from(FORMULA_IDS), st.integers(min_value=0, max_value=10_000).map(str))
# Valid formulas over FORMULA_IDS: arithmetic, share/min/max and abs, nested up to 12 leaves.
formulas = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["share", "min", "max"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        inner.map(lambda e: f"abs({e})"),
    ),
    max_leaves=12,
)
