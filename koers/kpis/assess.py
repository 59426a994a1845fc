"""Reading KPI values: status against target, trend with projection, peers and expected value.

All of it works on the long result of `koers.kpis.evaluate.evaluate` (kpi_id, region_code, period,
value, ...) for all KPIs and municipalities at once: the trend is one Theil–Sen query over every
series, peer statistics are one group-by, the expected value one least-squares fit per KPI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from koers.kpis.library import Library
from koers.present import PEER_KINDS
from koers.store import Store

STATUSES = ("on_track", "at_risk", "off_track", "no_target", "no_data")  # named in the catalogue: `status.<status>`
# CBS's size classes of municipalities by number of inhabitants (lower bounds).
SIZE_CLASSES = [(0, "< 5.000"), (5_000, "5.000 - 10.000"), (10_000, "10.000 - 20.000"), (20_000, "20.000 - 50.000"),
                (50_000, "50.000 - 100.000"), (100_000, "100.000 - 150.000"), (150_000, "150.000 - 250.000"),
                (250_000, ">= 250.000")]


def _polarity(library: Library, kpi_ids: pd.Series) -> pd.Series:
    return kpi_ids.map({k: v.polarity for k, v in library.kpis.items()})


def with_status(results: pd.DataFrame, targets: pd.DataFrame, library: Library) -> pd.DataFrame:
    """Add target, tolerance and status per row (a target applies to its own year).

    Higher is better: on track at or above the target, at risk within the tolerance below it,
    off track further below. Lower is better: the mirror image. Neither: on track within the
    tolerance, at risk within twice the tolerance.
    """
    frame = results.copy()
    frame["year"] = frame["period"].str[:4].astype(int)
    t = targets[["kpi_id", "region_code", "year", "value", "tolerance"]].rename(columns={"value": "target"})
    frame = frame.merge(t, on=["kpi_id", "region_code", "year"], how="left")
    polarity = _polarity(library, frame["kpi_id"])
    gap = frame["value"] - frame["target"]  # positive: above target
    better = np.where(polarity == "lower_is_better", -gap, gap)
    tol = frame["tolerance"].fillna(0)
    status = np.select(
        [frame["value"].isna(), frame["target"].isna(),
         (polarity == "neither") & (gap.abs() <= tol), (polarity == "neither") & (gap.abs() <= 2 * tol),
         polarity == "neither", better >= 0, better >= -tol],
        ["no_data", "no_target", "on_track", "at_risk", "off_track", "on_track", "at_risk"],
        default="off_track",
    )
    frame["target_status"] = status
    return frame.drop(columns="year")


def trends(store: Store, results: pd.DataFrame, up_to: int, window: int = 10) -> pd.DataFrame:
    """Theil–Sen line per KPI and region over the last `window` years up to `up_to`: the median of
    all pairwise slopes, robust to one odd year. At least three points are needed."""
    frame = results[["kpi_id", "region_code", "period", "value"]]
    return store.theil_sen_trends(frame, up_to, window)


def projections(trend: pd.DataFrame, targets: pd.DataFrame, library: Library) -> pd.DataFrame:
    """Each series' projection to its next target year and whether the current pace reaches it."""
    upcoming = targets.sort_values("year").merge(trend[["kpi_id", "region_code", "last_year"]], on=["kpi_id", "region_code"])
    upcoming = upcoming[upcoming["year"] > upcoming["last_year"]].groupby(["kpi_id", "region_code"], as_index=False).first()
    frame = trend.merge(upcoming[["kpi_id", "region_code", "year", "value", "tolerance"]].rename(
        columns={"year": "target_year", "value": "target", "tolerance": "target_tolerance"}), on=["kpi_id", "region_code"], how="left")
    frame["projected"] = frame["intercept"] + frame["slope"] * frame["target_year"]
    polarity = _polarity(library, frame["kpi_id"])
    reach = np.where(polarity == "lower_is_better", frame["projected"] <= frame["target"], frame["projected"] >= frame["target"])
    frame["will_reach"] = pd.Series(reach, index=frame.index).where(frame["target"].notna() & (polarity != "neither"))
    frame["direction"] = np.select([frame["slope"] > 0, frame["slope"] < 0], ["up", "down"], "flat")
    # Status on the way to a later target: where the current pace lands against it.
    better = np.where(polarity == "lower_is_better", frame["target"] - frame["projected"], frame["projected"] - frame["target"])
    frame["projected_status"] = np.select(
        [frame["target"].isna() | (polarity == "neither"), better >= 0, better >= -frame["target_tolerance"].fillna(0)],
        [None, "on_track", "at_risk"], default="off_track")
    return frame


def size_class(population: float | None) -> str | None:
    if population is None or np.isnan(population):
        return None
    return [label for bound, label in SIZE_CLASSES if population >= bound][-1]


def peer_group(profile: pd.DataFrame, region: str, by: str = "size", custom: list[str] | None = None,
               context: pd.DataFrame | None = None, k: int = 10) -> list[str]:
    """The municipalities a region is compared with (itself excluded).

    `profile` is `Store.municipality_profile(year)`; `context` (for "nearest") has one row per
    region and one column per context KPI: the k nearest on standardised values.
    """
    if by not in PEER_KINDS:
        raise ValueError(by)
    me = profile[profile["region_code"] == region]
    if me.empty:
        return []
    me = me.iloc[0]
    others = profile[profile["region_code"] != region]
    if by == "size":
        classes = others["population"].map(size_class)
        return sorted(others.loc[classes == size_class(me["population"]), "region_code"])
    if by == "province":
        return sorted(others.loc[others["province_code"] == me["province_code"], "region_code"])
    if by == "urbanity":
        return sorted(others.loc[others["urbanity"] == me["urbanity"], "region_code"])
    if by == "custom":
        return sorted(set(custom or []) & set(others["region_code"]))
    if context is None or region not in context.index:
        return []
    values = context.dropna()
    standardised = (values - values.mean()) / values.std(ddof=0).replace(0, 1)
    if region not in standardised.index:
        return []
    distance = np.sqrt(((standardised - standardised.loc[region]) ** 2).sum(axis=1)).drop(region)
    distance = distance[distance.index.isin(others["region_code"])]
    return sorted(distance.nsmallest(k).index)


def peer_statistics(results: pd.DataFrame, region: str, period: str, peers: list[str]) -> pd.DataFrame:
    """Per KPI: the region's value, the peer median, and its percentile among the peers (the share
    of peers with a lower value, plus half of those with the same, x 100)."""
    now = results[results["period"] == period]
    mine = now[now["region_code"] == region].set_index("kpi_id")["value"]
    group = now[now["region_code"].isin(peers) & now["value"].notna()]
    stats = group.groupby("kpi_id")["value"].agg(peer_median="median", peers="count")
    merged = group.join(mine.rename("mine"), on="kpi_id")
    below = (merged["value"] < merged["mine"]).groupby(merged["kpi_id"]).sum()
    equal = (merged["value"] == merged["mine"]).groupby(merged["kpi_id"]).sum()
    stats["percentile"] = 100 * (below + equal / 2) / stats["peers"]
    stats.loc[mine.reindex(stats.index).isna(), "percentile"] = np.nan
    return stats.reset_index()


def expected_values(results: pd.DataFrame, period: str, context_kpis: list[str]) -> pd.DataFrame:
    """Per KPI and region: the value expected given the context KPIs, from an ordinary least-squares
    fit across all regions in `period` (value ~ 1 + context). A context KPI is not fitted on itself."""
    now = results[(results["period"] == period) & results["region_code"].str.startswith("GM")]
    wide = now.pivot_table(index="region_code", columns="kpi_id", values="value")
    usable = [c for c in context_kpis if c in wide and wide[c].notna().sum() > 10]
    rows = []
    for kpi_id in wide.columns:
        predictors = [c for c in usable if c != kpi_id]
        if not predictors:
            continue
        data = wide[[kpi_id] + predictors].dropna()
        if len(data) <= len(predictors) + 5:
            continue
        x = np.column_stack([np.ones(len(data))] + [data[c].to_numpy() for c in predictors])
        coefficients, *_ = np.linalg.lstsq(x, data[kpi_id].to_numpy(), rcond=None)
        complete = wide[predictors].dropna()
        fitted = np.column_stack([np.ones(len(complete))] + [complete[c].to_numpy() for c in predictors]) @ coefficients
        rows.append(pd.DataFrame({"kpi_id": kpi_id, "region_code": complete.index, "expected": fitted}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["kpi_id", "region_code", "expected"])


def kpi_overview(store: Store, library: Library, region: str, year: int, theme: int | None = None,
                 peers_by: str = "size", custom_peers: list[str] | None = None,
                 harmonise_on=None, results: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per KPI for one region and year: what `python -m koers kpi` prints and the
    overview page shows. Columns: kpi_id, theme, kind, value, unit, target, status, trend,
    projected, will_reach, peer_median, percentile, peers (how many), peer_group (which), expected,
    provisional, harmonised, example, suppressed, sources, fill_from (where data would come from).
    `results` is `evaluate(store, library, harmonise_on=...)` when the caller already has it."""
    from koers.kpis.evaluate import evaluate

    if results is None:  # the dashboard passes the evaluation it already has cached
        results = evaluate(store, library, harmonise_on=harmonise_on)
    period = str(year)
    targets = store.targets(region=region)
    series = results[results["region_code"] == region]
    now = with_status(series[series["period"] == period], targets, library).set_index("kpi_id")
    trend = projections(trends(store, series, year), targets, library).set_index("kpi_id")
    profile = store.municipality_profile(year)
    context_kpis = [k for k, v in library.kpis.items() if v.kind == "context"]
    context = results[(results["period"] == period) & results["kpi_id"].isin(context_kpis)].pivot_table(
        index="region_code", columns="kpi_id", values="value")
    peers = peer_group(profile, region, peers_by, custom_peers, context)
    stats = peer_statistics(results, region, period, peers).set_index("kpi_id")
    expected = expected_values(results, period, context_kpis)
    expected = expected[expected["region_code"] == region].set_index("kpi_id")["expected"]

    rows = []
    for kpi_id, kpi in sorted(library.kpis.items(), key=lambda item: (item[1].theme, item[1].kind, item[0])):
        if theme is not None and int(kpi.theme) != theme:
            continue
        row = now.loc[kpi_id] if kpi_id in now.index else None
        t = trend.loc[kpi_id] if kpi_id in trend.index else None
        s = stats.loc[kpi_id] if kpi_id in stats.index else None
        rows.append({
            "kpi_id": kpi_id, "theme": int(kpi.theme), "kind": kpi.kind,
            "value": None if row is None else row["value"], "unit": kpi.unit,
            "target": None if row is None else (row["target"] if pd.notna(row["target"]) else (None if t is None else t["target"])),
            "target_year": year if row is not None and pd.notna(row["target"]) else (None if t is None else t["target_year"]),
            "status": _status(row, t),
            "trend": None if t is None else t["direction"], "slope": None if t is None else t["slope"],
            "projected": None if t is None else t["projected"], "will_reach": None if t is None else t["will_reach"],
            "peer_median": None if s is None else s["peer_median"], "percentile": None if s is None else s["percentile"],
            "peers": len(peers), "peer_group": ",".join(peers), "expected": expected.get(kpi_id),
            "provisional": bool(row is not None and row["provisional"]), "harmonised": bool(row is not None and row["harmonised"]),
            "example": bool(row is not None and row["example"]), "suppressed": bool(row is not None and row["suppressed"]),
            "sources": "" if row is None else row["sources"], "fill_from": kpi.fill_from,
        })
    return pd.DataFrame(rows)


def _status(row: pd.Series | None, trend: pd.Series | None) -> str:
    """The year's own target decides; without one, where the current pace lands against the next
    target does (so a council sees in 2024 whether the 2026 target is within reach)."""
    if row is None:
        return "no_data"
    status = row["target_status"]
    if status == "no_target" and trend is not None and isinstance(trend.get("projected_status"), str):
        return trend["projected_status"]
    return status
