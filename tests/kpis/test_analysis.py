"""koers.kpis.analysis on the demo database's evaluated results, each checked against a separate,
plainer computation in the test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from koers.kpis import analysis
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.settings import metrics_folder
from koers.store import Store
from metrics.model import Theme


@pytest.fixture(scope="module")
def evaluated(demo_template):
    with Store.open(demo_template, read_only=True) as store:
        library = load_library(metrics_folder(), store.known_indicator_ids())
        return library, evaluate(store, library)


def values(results: pd.DataFrame, kpi_id: str, year: int) -> pd.Series:
    """region_code -> value of every municipality with a value (the test's own plain filter)."""
    rows = results[(results["kpi_id"] == kpi_id) & (results["period"] == str(year))
                   & results["region_code"].str.startswith("GM")]
    return rows.set_index("region_code")["value"].dropna()


def expected_pairs(results: pd.DataFrame, source: str, target: str, year: int, mode: str) -> pd.DataFrame:
    x = values(results, source, year - 1) - (values(results, source, year - 2) if mode == "change" else 0)
    y = values(results, target, year) - values(results, target, year - 1)
    return pd.concat([x.rename("x"), y.rename("y")], axis=1).dropna().sort_index()


def test_every_theme_has_a_chain_with_every_contributes_to_edge(evaluated):
    library, _ = evaluated
    kpis = library.kpis
    for theme in Theme:
        nodes, edges = analysis.results_chain(kpis, int(theme))
        assert not nodes.empty and not edges.empty, theme
        own = {k for k, kpi in kpis.items() if kpi.theme == theme and kpi.kind != "context"}
        assert own <= set(nodes["kpi_id"])
        expected = {(s, t) for s, kpi in kpis.items() for t in kpi.contributes_to if s in own or t in own}
        assert set(map(tuple, edges.to_numpy())) == expected
        for row in nodes.itertuples():
            assert row.x == ("input", "output", "outcome").index(row.kind)
            assert row.external == (row.kpi_id not in own)
            assert row.theme == int(kpis[row.kpi_id].theme)
        assert not nodes.duplicated(["x", "y"]).any(), "two nodes on one spot"
        assert "context" not in set(nodes["kind"])


def test_chain_reaches_into_other_themes(evaluated):
    library, _ = evaluated
    nodes, edges = analysis.results_chain(library.kpis, 3)
    # sustainability loans (an output of theme 3) are meant to lower gas use per dwelling (an outcome of theme 1)
    assert ("sustainability_loans_per_1000_dwellings", "gas_use_per_dwelling") in set(map(tuple, edges.to_numpy()))
    nodes = nodes.set_index("kpi_id")
    assert nodes.at["gas_use_per_dwelling", "external"] and not nodes.at["sustainability_loans_per_1000_dwellings", "external"]


@pytest.mark.parametrize("mode", ["change", "level"])
def test_lagged_pairs_and_correlation_equal_a_plain_computation(evaluated, mode):
    _, results = evaluated
    source, target, year = "online_products_share", "online_requests_share", 2024
    pairs = analysis.lagged_pairs(results, source, target, year, mode).set_index("region_code")
    expected = expected_pairs(results, source, target, year, mode)
    assert len(expected) > 300
    assert list(pairs.index) == list(expected.index)
    np.testing.assert_allclose(pairs["x"], expected["x"])
    np.testing.assert_allclose(pairs["y"], expected["y"])
    r, n = analysis.correlation(pairs)
    assert n == len(expected)
    assert r == pytest.approx(np.corrcoef(expected["x"], expected["y"])[0, 1])
    assert pairs["example"].all()  # the digital-services series are example data in the demo


def test_correlation_needs_three_varying_pairs():
    assert math.isnan(analysis.correlation(pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 3.0]}))[0])
    assert math.isnan(analysis.correlation(pd.DataFrame({"x": [1.0, 1.0, 1.0], "y": [1.0, 2.0, 3.0]}))[0])
    assert analysis.correlation(pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 6.0]})) == (pytest.approx(1.0), 3)
    assert [analysis.strength(r) for r in (0.05, -0.2, 0.4, -0.8, math.nan)] == ["none", "weak", "moderate", "strong", None]


def test_pairs_without_data_are_empty(evaluated):
    _, results = evaluated
    # the social-assistance figure exists for 2020 only: no change from one year to the next
    assert analysis.lagged_pairs(results, "job_placements_per_10000", "bijstand_per_1000", 2024).empty


# The WOZ value is real (KWB): its latest year is 2023 (the KWB 2024 layer has no WOZ yet).
@pytest.mark.parametrize("kpi_id, best, year", [("housing_costs_single_person", min, 2024), ("trust_in_council", max, 2024),
                                                ("average_woz_value", max, 2023)])
def test_ranking_puts_the_best_value_first(evaluated, kpi_id, best, year):
    library, results = evaluated
    ranked = analysis.ranking(results, kpi_id, year, library.kpis[kpi_id].polarity)
    plain = values(results, kpi_id, year)
    ranked = ranked[~ranked["suppressed"]]
    assert len(ranked) == len(plain) > 300
    assert ranked["value"].iloc[0] == best(plain)
    assert ranked["rank"].iloc[0] == 1 and ranked["rank"].is_monotonic_increasing
    winner = plain.idxmax() if best is max else plain.idxmin()
    assert ranked.loc[ranked["region_code"] == winner, "rank"].iloc[0] == 1


def test_equal_values_share_a_rank():
    frame = pd.DataFrame({"kpi_id": "k", "region_code": ["GM0001", "GM0002", "GM0003", "NL01"], "period": "2024",
                          "value": [5.0, 5.0, 7.0, 1.0], "example": False, "suppressed": False})
    ranked = analysis.ranking(frame, "k", 2024, "lower_is_better")
    assert ranked["rank"].tolist() == [1, 1, 3] and ranked["region_code"].tolist() == ["GM0001", "GM0002", "GM0003"]


def test_suppressed_values_follow_the_ranking_unranked():
    frame = pd.DataFrame({"kpi_id": "k", "region_code": ["GM0001", "GM0002", "GM0003"], "period": "2024",
                          "value": [5.0, None, 7.0], "example": False, "suppressed": [False, True, False]})
    ranked = analysis.ranking(frame, "k", 2024, "higher_is_better")
    assert ranked["region_code"].tolist() == ["GM0003", "GM0001", "GM0002"]
    assert ranked["rank"].tolist()[:2] == [1, 2] and pd.isna(ranked["rank"].iloc[2])
    assert ranked["suppressed"].tolist() == [False, False, True]


def test_map_data_has_every_feature_of_the_years_division(evaluated):
    _, results = evaluated
    assert analysis.division_file(2024).name == "gemeente_2023_cartomap.geojson"
    assert analysis.division_file(2025).name == "gemeente_2025_cartomap.geojson"
    for year in (2019, 2024, 2025):
        codes = analysis.feature_codes(analysis.read_geojson(analysis.division_file(year)))
        assert len(codes) == len(set(codes)) == 342
        frame = analysis.map_values(results, "housing_costs_single_person", year, codes)
        assert frame["region_code"].tolist() == codes
        plain = values(results, "housing_costs_single_person", year)
        shown = frame.set_index("region_code")["value"]
        on_map = plain[plain.index.isin(codes)]
        np.testing.assert_allclose(shown[on_map.index], on_map)
        assert shown.drop(on_map.index).isna().all()
        assert sorted(set(plain.index) - set(codes)) == analysis.off_map(results, "housing_costs_single_person", year, codes)
        assert not (frame["example"] & frame["value"].isna()).any()
    small = analysis.with_features(analysis.read_geojson(analysis.division_file(2024)), ["GM0363", "GM0014"])
    assert sorted(analysis.feature_codes(small)) == ["GM0014", "GM0363"]


def test_side_by_side_is_every_kpi_for_every_municipality(evaluated):
    _, results = evaluated
    kpi_ids, regions = ["trust_in_council", "bijstand_per_1000", "voter_turnout"], ["GM0363", "GM0014", "GM9999"]
    frame = analysis.side_by_side(results, kpi_ids, regions, 2024)
    assert list(zip(frame["kpi_id"], frame["region_code"])) == [(k, r) for k in kpi_ids for r in regions]
    for row in frame.itertuples():
        plain = values(results, row.kpi_id, 2024)
        if row.region_code in plain.index:
            assert row.value == plain[row.region_code]
        else:
            assert math.isnan(row.value) and not row.example


def test_indexed_series_starts_at_100(evaluated):
    _, results = evaluated
    frame = analysis.indexed_series(results, "GM0363", ["online_requests_share", "trust_in_council"])
    assert list(dict.fromkeys(frame["kpi_id"])) == ["online_requests_share", "trust_in_council"]
    for kpi_id, rows in frame.groupby("kpi_id"):
        assert rows["period"].is_monotonic_increasing
        first = rows[rows["value"] > 0].iloc[0]
        assert first["index"] == pytest.approx(100)
        np.testing.assert_allclose(rows["index"], 100 * rows["value"] / first["value"])
