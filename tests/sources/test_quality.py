"""The Data page's data quality without the page: coverage, freshness, missing share and robust
outliers per indicator, on the demo database."""

from __future__ import annotations

import pandas as pd

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
    assert row["sources"] == "03759ned, 84799NED"
    assert row["last_import"] == log.loc[log["source_table"].isin(["03759ned", "84799NED"]), "finished"].max()
    assert 0 <= row["missing_share"] <= 1
    assert row["outliers"] == (report.outliers["indicator_id"] == "population").sum() > 0
    assert set(report.outliers["indicator_id"]) <= set(summary.index)
