"""The Data page's data quality without the page: coverage, freshness, missing share and robust
outliers per indicator (counts per 1,000 inhabitants), on the demo database."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from koers.sources import quality
from koers.store import Store


def test_robust_outliers_by_median_and_mad():
    values = pd.DataFrame({"indicator_id": "x", "period": "2024", "region_code": [f"GM{i:04d}" for i in range(21)],
                           "value": [10.0 + (i % 3) for i in range(20)] + [100.0]})
    found = quality.robust_outliers(values)
    assert found["region_code"].tolist() == ["GM0020"] and found["z"].iloc[0] > 3.5
    # most values equal (MAD 0): the mean absolute deviation stands in
    flat = values.assign(value=[5.0] * 20 + [50.0])
    assert quality.robust_outliers(flat)["region_code"].tolist() == ["GM0020"]
    assert quality.robust_outliers(values.assign(value=7.0)).empty


def test_quality_per_indicator_agrees_with_the_store(demo_db):
    report = quality.quality(demo_db)
    summary = report.summary.set_index("indicator_id")
    with Store.open(demo_db, read_only=True) as store:
        best = store.observations("population")
        log = store.imports()
    municipal = best[best["region_code"].str.startswith("GM") & best["value"].notna()]
    coverage = report.coverage[report.coverage["indicator_id"] == "population"].set_index("year")
    assert coverage.loc[2020, "with_value"] == municipal[municipal["period"] == "2020"]["region_code"].nunique()
    assert (coverage["with_value"] <= coverage["municipalities"]).all()
    row = summary.loc["population"]
    # the demo imports every shipped source; population comes from six of them
    sources = ["03759ned", "70072ned", "84799NED", "85984NED", "gebieden", "kwb-pdok"]
    assert row["sources"] == ", ".join(sources)
    assert row["last_import"] == log.loc[log["source_table"].isin(sources), "finished"].max()
    assert 0 <= row["missing_share"] <= 1
    assert row["outliers"] == (report.outliers["indicator_id"] == "population").sum() > 0
    assert set(report.outliers["indicator_id"]) <= set(summary.index)


def test_counts_are_judged_per_1000_inhabitants():
    # 21 municipalities, a count of 5 per 1,000 inhabitants each, but one city ten times as large
    # (GM0020, same rate) and one small place with 50 per 1,000 (GM0019).
    population = pd.DataFrame({"region_code": [f"GM{i:04d}" for i in range(21)], "period": "2024",
                               "value": [10_000.0 + 100 * i for i in range(20)] + [1_000_000.0]})
    counts = population.assign(indicator_id="cases", value=population["value"] * 5 / 1000)
    counts.loc[19, "value"] = population.loc[19, "value"] * 50 / 1000  # 11,900 inhabitants: 595 cases
    values = counts[["indicator_id", "period", "region_code", "value"]]
    assert quality.robust_outliers(values)["region_code"].tolist() == ["GM0020", "GM0019"]  # on counts: the big city first
    judged, left_out = quality.per_capita(values, {"cases"}, population)
    assert left_out.empty
    assert judged.set_index("region_code").loc["GM0019", "value"] == 595 / 11_900 * 1000 == 50.0
    assert judged.set_index("region_code").loc["GM0020", "value"] == 5.0
    found = quality.robust_outliers(judged[["indicator_id", "period", "region_code", "value"]])
    assert found["region_code"].tolist() == ["GM0019"]
    # 20 rates of 5 and one of 50: the MAD is 0, so z = (50 - 5) / (1.2533 * mean |x - 5|) = 45 / (1.2533 * 45 / 21)
    assert found["median"].iloc[0] == 5.0
    assert found["z"].iloc[0] == pytest.approx(21 / 1.253314)
    # a municipality without a population that year is left out of the judgement, and counted
    judged, left_out = quality.per_capita(values, {"cases"}, population[population["region_code"] != "GM0003"])
    assert "GM0003" not in set(judged["region_code"]) and left_out.to_dict() == {"cases": 1}
    # a year without any population in the store: the counts are judged as they are
    later = values.assign(period="2027")
    judged, left_out = quality.per_capita(later, {"cases"}, population)
    assert not judged["per_capita"].any() and judged["value"].tolist() == later["value"].tolist() and left_out.empty


@pytest.mark.slow
def test_count_outliers_in_the_demo_are_per_1000_inhabitants_of_their_year(demo_db):
    report = quality.quality(demo_db)
    summary = report.summary.set_index("indicator_id")
    assert summary.loc["crimes_total", "per_capita"] and not summary.loc["population", "per_capita"]
    assert not summary.loc["population_density", "per_capita"]  # a density is no count
    with Store.open(demo_db, read_only=True) as store:
        crimes = store.observations("crimes_total")
        inhabitants = store.observations("population")
    crimes = crimes[crimes["region_code"].str.startswith("GM") & crimes["value"].notna()]
    year = crimes["period"].max()
    crimes = crimes[crimes["period"] == year]
    rates = crimes.merge(inhabitants, on=["region_code", "period"], suffixes=("", "_pop"))
    assert len(rates) == len(crimes)  # every municipality has its population that year
    rate = (rates["value"] / rates["value_pop"] * 1000).to_numpy()
    median = np.median(rate)
    mad = np.median(np.abs(rate - median))
    z = 0.6745 * (rate - median) / mad
    expected = rates.assign(rate=rate, z=z)[np.abs(z) > quality.OUTLIER_Z].set_index("region_code")
    found = report.outliers[report.outliers["indicator_id"] == "crimes_total"].set_index("region_code")
    assert sorted(found.index) == sorted(expected.index) and len(found) == summary.loc["crimes_total", "outliers"] > 0
    assert found["per_capita"].all() and (found["period"] == year).all()
    for code in found.index:
        assert found.loc[code, "value"] == pytest.approx(expected.loc[code, "rate"])
        assert found.loc[code, "count"] == expected.loc[code, "value"]
        assert found.loc[code, "population"] == expected.loc[code, "value_pop"]
        assert found.loc[code, "z"] == pytest.approx(expected.loc[code, "z"])
    assert found["median"].iloc[0] == pytest.approx(median)
    # Amsterdam has the most crimes of all; per 1,000 inhabitants it is an outlier only by its rate
    most = crimes.set_index("region_code")["value"].idxmax()
    assert (most in found.index) == (abs(expected.loc[most, "z"]) > quality.OUTLIER_Z if most in expected.index else False)
