"""Overzicht's sparklines invent nothing: a missing year is a null at that x (the line breaks),
a lone value is a dot, a KPI without data has no line, and every line ends at the selected year."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from conftest import sparklines
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.store import Store

pytestmark = pytest.mark.slow  # the whole dashboard and the library evaluated

REGION, YEAR = "GM0088", 2024  # Schiermonnikoog: seven outcomes withheld (no value), turnout only in election years


def test_sparklines_show_gaps_as_gaps_and_nothing_without_data(app_on, demo_shared):
    with Store.open(demo_shared, read_only=True) as store:
        library = load_library(None, store.known_indicator_ids())
        results = evaluate(store, library, harmonise_on=dt.date.today())
    outcomes = [k for k, kpi in library.kpis.items() if kpi.kind == "outcome"]
    mine = results[(results["region_code"] == REGION) & results["kpi_id"].isin(outcomes)
                   & (results["period"] <= str(YEAR))]
    known = mine[mine["value"].notna()]
    with_data = set(known["kpi_id"])
    assert len(with_data) < len(outcomes), "the demo has an outcome without a value for Schiermonnikoog"

    at = app_on(demo_shared, gemeente=REGION, jaar=str(YEAR))
    sparks = sparklines(at.main)
    assert len(sparks) == len(with_data)  # no line for a KPI without a value
    for line in sparks:
        years = list(line)
        assert years[-1] == str(YEAR) and years == [str(n) for n in range(int(years[0]), YEAR + 1)]  # every year, up to the selected one
        assert line[years[0]] is not None
    # each drawn line is one KPI's values, with a null wherever that KPI has none
    expected = {kpi_id: [None if np.isnan(v) else v for v in
                         rows.set_index("period")["value"].reindex([str(n) for n in range(int(rows.loc[rows["value"].notna(), "period"].min()), YEAR + 1)]).astype(float)]
                for kpi_id, rows in mine.groupby("kpi_id", observed=True) if kpi_id in with_data}
    drawn = [list(line.values()) for line in sparks]
    for values in expected.values():
        assert any(len(d) == len(values) and all((a is None and b is None) or (a is not None and b is not None and a == pytest.approx(b))
                                                 for a, b in zip(d, values)) for d in drawn)
    gaps = [values for values in expected.values() if None in values]
    assert gaps, "the demo has an outcome with a missing year for Schiermonnikoog"

