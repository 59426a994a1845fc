"""The data quality per indicator, as the Data page shows it: coverage of the municipalities
per year, freshness, the share missing, sources and licences, and robust outliers in the latest
year.

Outliers of a count (unit "aantal", additive: residents aged 65+, crimes, Wmo clients) are judged
per 1,000 inhabitants of the municipality in the same year (the store's population): on the
absolute counts the big cities would be the outliers of every count, which says nothing about
the data. Population itself is judged as it is (per 1,000 inhabitants it is 1,000 everywhere), and so is a
count in a year for which the store holds no population at all (the page says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from koers.settings import database_path
from koers.store import Store

# Iglewicz and Hoaglin: |modified z| above 3.5 is a possible outlier.
OUTLIER_Z = 3.5
COUNT_UNIT = "aantal"  # an additive indicator in this unit is a count of people or things
POPULATION = "population"  # the denominator of a count's per-capita form (on 1 January)
PER_CAPITA = 1000


@dataclass
class Quality:
    """The data quality per indicator.

    summary   indicator_id, title_nl, title_en, unit, first_year, last_year, latest_with_value,
              latest_municipalities, missing_share (0..1 over all its years), last_import, sources,
              licence, outliers (count in the latest year)
    coverage  indicator_id, year, with_value, municipalities
    outliers  indicator_id, period, region_code, value, median, z (|z| > OUTLIER_Z), by |z| descending,
              threshold (the privacy threshold of a count: a value below it is withheld),
              per_capita (True: value and median are per PER_CAPITA inhabitants), count (the value
              as stored; equal to value unless per_capita), population (that year's; NaN unless
              per_capita)
    The summary also has per_capita (outliers judged per PER_CAPITA inhabitants),
    without_population (municipalities left out of that judgement: no population that year) and
    no_population_year (a count judged as it is: no population at all in its latest year).
    """

    summary: pd.DataFrame
    coverage: pd.DataFrame
    outliers: pd.DataFrame


def robust_outliers(values: pd.DataFrame, threshold: float = OUTLIER_Z) -> pd.DataFrame:
    """Values far from their indicator's median by the modified z-score 0.6745 (x - median) / MAD.

    `values` columns: indicator_id, period, region_code, value. Where the MAD is 0 (most values
    equal) the mean absolute deviation stands in (z = (x - median) / (1.2533 MeanAD)); where that is
    0 too, nothing is an outlier.
    """
    columns = ["indicator_id", "period", "region_code", "value", "median", "z"]
    if values.empty:
        return pd.DataFrame(columns=columns)
    grouped = values.groupby("indicator_id")["value"]
    median = grouped.transform("median")
    deviation = (values["value"] - median).abs()
    mad = deviation.groupby(values["indicator_id"]).transform("median")
    mean_ad = deviation.groupby(values["indicator_id"]).transform("mean")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(mad > 0, 0.6745 * (values["value"] - median) / mad,
                     np.where(mean_ad > 0, (values["value"] - median) / (1.253314 * mean_ad), 0.0))
    frame = values.assign(median=median, z=z)
    frame = frame[frame["z"].abs() > threshold]
    return frame.sort_values(["indicator_id", "z"], key=lambda s: -s.abs() if s.name == "z" else s)[columns].reset_index(drop=True)


def count_indicators(indicators: pd.DataFrame) -> set[str]:
    """Ids of the counts whose outliers are judged per capita (`indicators`: the store's)."""
    unit = indicators["unit"].fillna("").str.strip().str.casefold()
    counts = indicators[(unit == COUNT_UNIT) & indicators["additive"].fillna(False).astype(bool)]
    return set(counts["id"]) - {POPULATION}


def per_capita(values: pd.DataFrame, counts: set[str], population: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The counts among `values` (indicator_id, period, region_code, value) per PER_CAPITA
    inhabitants of their municipality in that year; other indicators as they are.

    `population`: region_code, period, value. Returns the values with `count` (as stored),
    `population` and `per_capita` beside `value`, and per count indicator how many municipalities
    were left out for want of a population (none, or none above 0, in that year). A count without
    any population in its year is left as it is (`per_capita` False)."""
    inhabitants = population[["region_code", "period", "value"]].rename(columns={"value": "population"})
    frame = values.merge(inhabitants.drop_duplicates(["region_code", "period"]), on=["region_code", "period"], how="left")
    known = frame["population"].notna() & (frame["population"] > 0)
    with_population = set(frame.loc[known, "indicator_id"])
    judged = set(counts) & with_population
    is_count = frame["indicator_id"].isin(judged)
    left_out = frame[is_count & ~known].groupby("indicator_id").size()
    frame = frame[~is_count | known].copy()
    is_count = frame["indicator_id"].isin(judged)
    frame["count"] = frame["value"]
    frame["per_capita"] = is_count
    frame.loc[is_count, "value"] = frame.loc[is_count, "count"] / frame.loc[is_count, "population"] * PER_CAPITA
    frame.loc[~is_count, "population"] = np.nan
    return frame.reset_index(drop=True), left_out


def quality(db: str | Path | None = None) -> Quality:
    from koers.kpis.evaluate import count_thresholds
    from koers.kpis import own
    from koers.kpis.library import load_library

    with Store.open(database_path(db), read_only=True, wait_seconds=10) as store:
        known = store.indicators()
        coverage = store.coverage_by_year()
        freshness = store.indicator_freshness()
        latest = store.latest_municipal_values()
        population = store.observations(POPULATION)
        thresholds = count_thresholds(store, load_library(own.at(), store.known_indicator_ids()))
    indicators = known[["id", "title_nl", "title_en", "unit"]].rename(columns={"id": "indicator_id"})
    count_ids = count_indicators(known)
    judged, left_out = per_capita(latest, count_ids, population)
    outliers = robust_outliers(judged[["indicator_id", "period", "region_code", "value"]])
    extra = judged[["indicator_id", "region_code", "count", "population", "per_capita"]]
    outliers = outliers.merge(extra, on=["indicator_id", "region_code"], how="left")
    outliers["threshold"] = outliers["indicator_id"].map(thresholds).fillna(0).astype(int)
    per_indicator = coverage.groupby("indicator_id").agg(
        first_year=("year", "min"), last_year=("year", "max"), with_value=("with_value", "sum"),
        expected=("municipalities", "sum")).reset_index()
    expected = per_indicator["expected"].where(per_indicator["expected"] > 0)
    per_indicator["missing_share"] = (1 - per_indicator["with_value"] / expected).clip(lower=0)
    last = coverage.sort_values("year").groupby("indicator_id").tail(1)[["indicator_id", "with_value", "municipalities"]]
    last = last.rename(columns={"with_value": "latest_with_value", "municipalities": "latest_municipalities"})
    counts = outliers.groupby("indicator_id").size().rename("outliers").reset_index()
    summary = (indicators.merge(per_indicator.drop(columns=["with_value", "expected"]), on="indicator_id", how="left")
               .merge(last, on="indicator_id", how="left")
               .merge(freshness, on="indicator_id", how="left")
               .merge(counts, on="indicator_id", how="left"))
    summary["outliers"] = summary["outliers"].fillna(0).astype(int)
    judged_per_capita = set(judged.loc[judged["per_capita"], "indicator_id"])
    summary["per_capita"] = summary["indicator_id"].isin(judged_per_capita)
    summary["no_population_year"] = summary["indicator_id"].isin(count_ids - judged_per_capita) \
        & summary["indicator_id"].isin(set(latest["indicator_id"]))
    summary["without_population"] = summary["indicator_id"].map(left_out).fillna(0).astype(int)
    return Quality(summary.sort_values("indicator_id").reset_index(drop=True), coverage, outliers)
