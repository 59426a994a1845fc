"""Reading KPI values: status against target, trend with projection, peers and expected value.

All of it works on the long result of `koers.kpis.evaluate.evaluate` (kpi_id, region_code, period,
value, ...) for all KPIs and municipalities at once: the trend is one Theil–Sen query over every
series, peer statistics are one group-by, the expected value one least-squares fit per KPI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from koers.kpis.library import Library
from koers.present import MEMBERSHIP_DIVISIONS, PEER_KINDS
from koers.store import EXAMPLE_TITLE, Store

# too_few_years: no target of its own year, a later one, but fewer than three years to project from.
STATUSES = ("on_track", "at_risk", "off_track", "too_few_years", "no_target", "no_data")  # named in the catalogue: `status.<status>`
# CBS's size classes of municipalities by number of inhabitants (lower bounds).
SIZE_CLASSES = [(0, "< 5.000"), (5_000, "5.000 - 10.000"), (10_000, "10.000 - 20.000"), (20_000, "20.000 - 50.000"),
                (50_000, "50.000 - 100.000"), (100_000, "100.000 - 150.000"), (150_000, "150.000 - 250.000"),
                (250_000, ">= 250.000")]


def _polarity(library: Library, kpi_ids: pd.Series) -> pd.Series:
    return kpi_ids.map({k: v.polarity for k, v in library.kpis.items()})


def _invented(targets: pd.DataFrame) -> pd.Series:
    """Whether each target is one of the demo's invented example targets."""
    if "source" not in targets:
        return pd.Series(False, index=targets.index)
    return (targets["source"] == EXAMPLE_TITLE).astype(bool)


def with_status(results: pd.DataFrame, targets: pd.DataFrame, library: Library) -> pd.DataFrame:
    """Add target, tolerance and status per row (a target applies to its own year).

    Higher is better: on track at or above the target, at risk within the tolerance below it,
    off track further below. Lower is better: the mirror image. Neither: on track within the
    tolerance, at risk within twice the tolerance.
    """
    frame = results.copy()
    frame["year"] = frame["period"].str[:4].astype(int)
    t = targets[["kpi_id", "region_code", "year", "value", "tolerance"]].rename(columns={"value": "target"})
    t["example_target"] = _invented(targets)
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
    upcoming = upcoming.assign(example_target=_invented(upcoming))
    frame = trend.merge(upcoming[["kpi_id", "region_code", "year", "value", "tolerance", "example_target"]].rename(
        columns={"year": "target_year", "value": "target", "tolerance": "target_tolerance"}), on=["kpi_id", "region_code"], how="left")
    frame["example_target"] = frame["example_target"].fillna(False).astype(bool)
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


def nearest_dimensions(context: pd.DataFrame) -> pd.DataFrame:
    """What nearest peers are measured on, as z-scores across all municipalities of the year's
    division: size (log population), density (log population density, else urbanity), income
    (average income per inhabitant, else standardised household income), the share of 65 and
    over, the share of 0 to 14. `context` is `Store.peer_context(year)` (real figures only).
    A dimension without a value for anyone is left out; a missing value stays NaN."""
    frame = context.set_index("region_code") if "region_code" in context else context

    def first(*columns: str) -> pd.Series:
        found = [frame[c] for c in columns if c in frame and frame[c].notna().any()]
        return found[0] if found else pd.Series(np.nan, index=frame.index)

    def log(values: pd.Series) -> pd.Series:
        return np.log(values.where(values > 0))

    density = log(first("population_density")) if first("population_density").notna().any() else first("urbanity")
    dimensions = pd.DataFrame({
        "size": log(first("population")), "density": density,
        "income": first("average_income_per_inhabitant", "standardised_household_income"),
        "share_65_plus": first("population_65_plus_pct", "population_65_plus_share"),
        "share_0_14": first("population_0_14_pct", "population_0_14_share"),
    }, index=frame.index).dropna(axis=1, how="all")
    return (dimensions - dimensions.mean()) / dimensions.std(ddof=0).replace(0, 1)


# Size counts double in the distance: it sets a municipality's tasks (a regional centre, a G4 city)
# more than any other context. With all five dimensions equal, income alone pushed Amsterdam out of
# Rotterdam's ten (KWB 2022: 1.6 against -0.4 standard deviations); the four largest cities are each
# other's peers in every Dutch benchmark (G4), and with size doubled they are again.
NEAREST_WEIGHTS = {"size": 2.0}


def nearest_peers(dimensions: pd.DataFrame, region: str, candidates: pd.Index | list[str], k: int = 10) -> list[str]:
    """The k municipalities closest to `region` (weighted Euclidean distance on `nearest_dimensions`,
    `NEAREST_WEIGHTS`), on the dimensions the region has a value for; a candidate needs all of them."""
    return _nearest(dimensions, [region], candidates, k).get(region, [])


def _nearest(dimensions: pd.DataFrame, regions: list[str], candidates: pd.Index | list[str], k: int) -> dict[str, list[str]]:
    """`nearest_peers` for several regions at once, on plain arrays (fast enough for all 340)."""
    codes = np.asarray([str(c) for c in dimensions.index], dtype=object)
    z = dimensions.to_numpy(dtype=float) * np.array([NEAREST_WEIGHTS.get(c, 1.0) for c in dimensions.columns])
    allowed = np.isin(codes, np.asarray([str(c) for c in candidates], dtype=object))
    row = {code: n for n, code in enumerate(codes)}
    found: dict[str, list[str]] = {}
    for region in regions:
        if region not in row:
            continue
        mine = z[row[region]]
        used = ~np.isnan(mine)
        if not used.any():
            found[region] = []
            continue
        ok = allowed & ~np.isnan(z[:, used]).any(axis=1)
        ok[row[region]] = False
        distance = np.sqrt(((z[ok][:, used] - mine[used]) ** 2).sum(axis=1))
        order = np.lexsort((codes[ok], distance))[:k]  # ties: by code, so the group is stable
        found[region] = sorted(codes[ok][order])
    return found


def _membership_key(profile: pd.DataFrame, by: str, memberships: pd.DataFrame | None) -> pd.Series | None:
    """Per row of `profile` the group it belongs to in the division of `by` (`MEMBERSHIP_DIVISIONS`),
    from `memberships` (`Store.memberships(year)`); None when the store has no such division
    (then "province" falls back on the profile's province)."""
    division = MEMBERSHIP_DIVISIONS.get(by)
    if division is None or memberships is None or memberships.empty:
        return None
    rows = memberships[memberships["division"] == division]
    if rows.empty:
        return None
    return profile["region_code"].map(rows.drop_duplicates("region_code").set_index("region_code")["group_code"])


def peer_group(profile: pd.DataFrame, region: str, by: str = "size", custom: list[str] | None = None,
               context: pd.DataFrame | None = None, k: int = 10, memberships: pd.DataFrame | None = None) -> list[str]:
    """The municipalities a region is compared with (itself excluded).

    `profile` is `Store.municipality_profile(year)`; `context` (for "nearest") is
    `Store.peer_context(year)`: the k nearest on standardised size, density, income and age
    structure (`nearest_dimensions`), real figures only. `memberships` (`Store.memberships(year)`)
    for the regions a municipality belongs to: labour-market region, GGD region, COROP area, province.
    """
    if by not in PEER_KINDS:
        raise ValueError(by)
    me = profile[profile["region_code"] == region]
    if me.empty:
        return []
    me = me.iloc[0]
    others = profile[profile["region_code"] != region]
    key = _membership_key(profile, by, memberships)
    if key is not None:
        mine = key[profile["region_code"] == region].iloc[0]
        return [] if pd.isna(mine) else sorted(profile.loc[(key == mine) & (profile["region_code"] != region), "region_code"])
    if by in MEMBERSHIP_DIVISIONS and by != "province":
        return []
    if by == "size":
        classes = others["population"].map(size_class)
        return sorted(others.loc[classes == size_class(me["population"]), "region_code"])
    if by == "province":
        return sorted(others.loc[others["province_code"] == me["province_code"], "region_code"])
    if by == "urbanity":
        return sorted(others.loc[others["urbanity"] == me["urbanity"], "region_code"])
    if by == "custom":
        return sorted(set(custom or []) & set(others["region_code"]))
    if context is None:
        return []
    return nearest_peers(nearest_dimensions(context), region, list(others["region_code"]), k)


def all_peer_groups(profile: pd.DataFrame, region: str, by: str = "size", custom: list[str] | None = None,
                    context: pd.DataFrame | None = None, k: int = 10,
                    memberships: pd.DataFrame | None = None) -> dict[str, list[str]]:
    """Every municipality's peer group of the same kind (for the peer median's leave-one-out
    error). For "custom" only the chosen municipalities and `region`: each compared with the rest."""
    codes = list(profile["region_code"])
    if by == "custom":
        chosen = sorted((set(custom or []) | {region}) & set(codes))
        return {code: [c for c in chosen if c != code] for code in chosen}
    if by == "nearest":
        if context is None:
            return {}
        return _nearest(nearest_dimensions(context), codes, codes, k)
    key = _membership_key(profile, by, memberships)
    if key is None:
        if by in MEMBERSHIP_DIVISIONS and by != "province":
            return {}
        key = {"size": profile["population"].map(size_class), "province": profile["province_code"],
               "urbanity": profile["urbanity"]}[by]
    groups: dict[str, list[str]] = {}
    for _, members in profile.groupby(key.to_numpy(), dropna=True)["region_code"]:
        for code in members:
            groups[code] = [c for c in members if c != code]
    return groups


def peer_statistics(results: pd.DataFrame, region: str, period: str, peers: list[str]) -> pd.DataFrame:
    """Per KPI: the region's value, the peer median, and its percentile among the peers (the share
    of peers with a lower value, plus half of those with the same, x 100)."""
    now = results[results["period"] == period]
    mine = now[now["region_code"] == region].set_index("kpi_id")["value"]
    group = now[now["region_code"].isin(peers) & now["value"].notna()]
    stats = group.groupby("kpi_id", observed=True)["value"].agg(peer_median="median", peers="count")
    merged = group.join(mine.rename("mine"), on="kpi_id")
    below = (merged["value"] < merged["mine"]).groupby(merged["kpi_id"]).sum()
    equal = (merged["value"] == merged["mine"]).groupby(merged["kpi_id"]).sum()
    stats["percentile"] = 100 * (below + equal / 2) / stats["peers"]
    # Whether any peer's value rests on invented figures (then so do the median and percentile).
    stats["example"] = group["example"].astype(bool).groupby(group["kpi_id"], observed=True).any() if "example" in group else False
    stats.loc[mine.reindex(stats.index).isna(), "percentile"] = np.nan
    return stats.reset_index()


def _peer_median_errors(wide: pd.DataFrame, groups: dict[str, list[str]]) -> pd.DataFrame:
    """Per region (rows of `wide`) and KPI (columns): |value - median of its peers' values|, the
    error of predicting a municipality by its peer median (itself never among its peers)."""
    codes = list(wide.index)
    position = {code: n for n, code in enumerate(codes)}
    member = np.zeros((len(codes), len(codes)), dtype=bool)
    for code, peers in groups.items():
        if code in position:
            member[position[code], [position[p] for p in peers if p in position]] = True
    values = wide.to_numpy(dtype=float)
    errors = np.full(values.shape, np.nan)
    for column in range(values.shape[1]):
        grid = np.where(member, values[:, column][None, :], np.nan)
        has = (~np.isnan(grid)).any(axis=1)
        medians = np.full(len(codes), np.nan)
        if has.any():
            medians[has] = np.nanmedian(grid[has], axis=1)
        errors[:, column] = np.abs(values[:, column] - medians)
    return pd.DataFrame(errors, index=wide.index, columns=wide.columns)


EXPECTED_COLUMNS = ["kpi_id", "region_code", "expected", "model_error", "peer_error", "better"]


def no_expected_values() -> pd.DataFrame:
    """`expected_values` without any: for a `kpi_overview` whose reader shows no expected value."""
    return pd.DataFrame({c: pd.Series(dtype=bool if c == "better" else object) for c in EXPECTED_COLUMNS})


def expected_values(results: pd.DataFrame, period: str, context_kpis: list[str],
                    peer_groups: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Per KPI and region: the value expected given the context KPIs, from an ordinary least-squares
    fit across all regions in `period` (value ~ 1 + context). A context KPI is not fitted on itself.

    Only real figures count: a value resting on the demo's invented figures (`example`) is left out,
    as if it were not there, both as a predictor and as a value fitted.

    `model_error` is the model's leave-one-out mean absolute error (each municipality predicted by
    the fit on all the others: residual / (1 - leverage)); with `peer_groups` (every
    municipality's peers, `all_peer_groups`), `peer_error` is the mean absolute error of
    predicting each municipality by its peers' median, over the same municipalities, and `better`
    says whether the model's error is the lower one. Columns: kpi_id, region_code, expected,
    model_error, peer_error, better."""
    now = results[(results["period"] == period) & results["region_code"].str.startswith("GM")]
    if "example" in now:
        now = now[~now["example"].astype(bool)]
    wide = now.pivot_table(index="region_code", columns="kpi_id", values="value", observed=True)
    usable = [c for c in context_kpis if c in wide and wide[c].notna().sum() > 10]
    peer_errors = _peer_median_errors(wide, peer_groups) if peer_groups is not None else None
    rows = []
    for kpi_id in wide.columns:
        predictors = [c for c in usable if c != kpi_id]
        if not predictors:
            continue
        data = wide[[kpi_id] + predictors].dropna()
        if len(data) <= len(predictors) + 5:
            continue
        x = np.column_stack([np.ones(len(data))] + [data[c].to_numpy() for c in predictors])
        y = data[kpi_id].to_numpy()
        coefficients, *_ = np.linalg.lstsq(x, y, rcond=None)
        leverage = np.einsum("ij,ij->i", x @ np.linalg.pinv(x.T @ x), x)
        loo = np.abs((y - x @ coefficients) / np.where(leverage < 1, 1 - leverage, np.nan))
        model_error, peer_error = float(np.nanmean(loo)), np.nan
        if peer_errors is not None:
            peer = peer_errors.loc[data.index, kpi_id].to_numpy()
            both = ~np.isnan(peer) & ~np.isnan(loo)
            if both.any():
                model_error, peer_error = float(loo[both].mean()), float(peer[both].mean())
        complete = wide[predictors].dropna()
        fitted = np.column_stack([np.ones(len(complete))] + [complete[c].to_numpy() for c in predictors]) @ coefficients
        rows.append(pd.DataFrame({"kpi_id": kpi_id, "region_code": complete.index, "expected": fitted,
                                  "model_error": model_error, "peer_error": peer_error,
                                  "better": bool(peer_errors is None or model_error < peer_error)}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=EXPECTED_COLUMNS)


PeerInputs = tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]


def peer_inputs(store: Store, year: int, peers_by: str) -> PeerInputs:
    """What peer groups of `peers_by` are made from: the municipalities' profile, and their context
    (for "nearest") or memberships (for a division) where that kind needs them. The same for every
    region of a year: the dashboard keeps it once per year and kind of peers."""
    context = store.peer_context(year) if peers_by == "nearest" else None
    memberships = store.memberships(year) if peers_by in MEMBERSHIP_DIVISIONS else None
    return store.municipality_profile(year), context, memberships


def all_expected_values(store: Store, library: Library, results: pd.DataFrame, year: int, peers_by: str = "size",
                        region: str = "", custom_peers: list[str] | None = None,
                        inputs: PeerInputs | None = None) -> pd.DataFrame:
    """`expected_values` for every municipality in `year`, compared with the peer median of the
    groups of `peers_by` (`all_peer_groups`). The same for every region, except with "custom" peers
    (`region` and `custom_peers`): the dashboard keeps it once per year and kind of peers."""
    profile, context, memberships = inputs or peer_inputs(store, year, peers_by)
    groups = all_peer_groups(profile, region, peers_by, custom_peers, context, memberships=memberships)
    return expected_values(results, str(year), [k for k, v in library.kpis.items() if v.kind == "context"], groups)


def kpi_overview(store: Store, library: Library, region: str, year: int, theme: int | None = None,
                 peers_by: str = "size", custom_peers: list[str] | None = None,
                 harmonise_on=None, results: pd.DataFrame | None = None, series: pd.DataFrame | None = None,
                 expected: pd.DataFrame | None = None, inputs: PeerInputs | None = None) -> pd.DataFrame:
    """One row per KPI for one region and year: what `python -m koers kpi` prints and the
    overview page shows. Columns: kpi_id, theme, kind, value, unit (Dutch), unit_en, target, status, trend,
    projected, will_reach, peer_median, percentile, peers (how many), peer_group (which), expected
    (only where the model predicts better than the peer median: `expected_values`), expected_error
    (its leave-one-out mean absolute error), provisional, harmonised, suppressed, sources, fill_from
    (where data would come from), and where invented figures come in: example_value (the value
    rests on invented figures), example_target (the target shown is an invented example target),
    example_inputs (what is derived from invented inputs: the peer median and percentile, a status
    or projection against an invented target), example (any of the three).
    `results` is `evaluate(store, library, harmonise_on=...)` when the caller already has it (every
    region's rows of `year` are all it needs); `series`, the region's rows over all years, when the
    caller has those apart (else they are taken from `results`); `expected`, `all_expected_values`,
    and `inputs`, `peer_inputs`, when the caller has them."""
    from koers.kpis.evaluate import evaluate

    if results is None:  # the dashboard passes the evaluation it already has cached
        results = evaluate(store, library, harmonise_on=harmonise_on)
    period = str(year)
    # Only what the status needs: the revision columns (timestamps among them) made every merge
    # and filter below several times slower.
    targets = store.targets(region=region)[["kpi_id", "region_code", "year", "value", "tolerance", "source"]]
    if series is None:
        series = results[results["region_code"] == region]
    now = with_status(series[series["period"] == period], targets, library).set_index("kpi_id")
    trend = projections(trends(store, series, year), targets, library).set_index("kpi_id")
    later = _next_targets(targets, year)
    profile, context, memberships = inputs or peer_inputs(store, year, peers_by)
    peers = peer_group(profile, region, peers_by, custom_peers, context, memberships=memberships)
    stats = peer_statistics(results, region, period, peers).set_index("kpi_id")
    if expected is None:
        expected = all_expected_values(store, library, results, year, peers_by, region, custom_peers,
                                       (profile, context, memberships))
    expected = expected[(expected["region_code"] == region) & expected["better"]].set_index("kpi_id")

    # Per KPI as plain dicts: a `.loc` row per KPI and frame was most of an overview's time.
    now, trend, stats, later = (_records(frame) for frame in (now, trend, stats, later))
    rows = []
    for kpi_id, kpi in sorted(library.kpis.items(), key=lambda item: (item[1].theme, item[1].kind, item[0])):
        if theme is not None and int(kpi.theme) != theme:
            continue
        row, t, s, n = now.get(kpi_id), trend.get(kpi_id), stats.get(kpi_id), later.get(kpi_id)
        own = row is not None and pd.notna(row["target"])
        projected = t is not None and pd.notna(t["target"])
        rows.append({
            "kpi_id": kpi_id, "theme": int(kpi.theme), "kind": kpi.kind,
            "value": None if row is None else row["value"], "unit": kpi.unit.nl, "unit_en": kpi.unit.en,
            # the year's own target, else the one projected to, else the next one (too few years to project)
            "target": row["target"] if own else t["target"] if projected else None if n is None else n["value"],
            "target_year": year if own else t["target_year"] if projected else None if n is None else n["year"],
            "status": _status(row, t, n is not None), **_example_flags(row, t, s, n),
            "trend": None if t is None else t["direction"], "slope": None if t is None else t["slope"],
            "projected": None if t is None else t["projected"], "will_reach": None if t is None else t["will_reach"],
            "peer_median": None if s is None else s["peer_median"], "percentile": None if s is None else s["percentile"],
            "peers": len(peers), "peer_group": ",".join(peers), "expected": expected["expected"].get(kpi_id),
            "expected_error": expected["model_error"].get(kpi_id),
            "provisional": bool(row is not None and row["provisional"]), "harmonised": bool(row is not None and row["harmonised"]),
            "suppressed": bool(row is not None and row["suppressed"]),
            "sources": "" if row is None else row["sources"], "fill_from": kpi.fill_from,
        })
    return pd.DataFrame(rows)


def _records(frame: pd.DataFrame) -> dict[str, dict]:
    """A frame indexed by KPI id as {kpi_id: {column: value}}."""
    return dict(zip(frame.index.astype(str), frame.to_dict("records")))


def _example_flags(row: dict | None, trend: dict | None, stats: dict | None, later: dict | None) -> dict[str, bool]:
    """Where invented figures come into one KPI's row (see `kpi_overview`); `later`: the first
    target after the year, if any."""
    own_target = row is not None and pd.notna(row["target"])
    if own_target:
        example_target = bool(row["example_target"])
    elif trend is not None and pd.notna(trend["target"]):
        example_target = bool(trend["example_target"])
    else:
        example_target = bool(later is not None and later["example_target"])
    judged = _status(row, trend, later is not None) in ("on_track", "at_risk", "off_track")
    projected = trend is not None and pd.notna(trend["target"]) and bool(trend["example_target"])
    example_inputs = bool((stats is not None and bool(stats["example"])) or (example_target and judged) or projected)
    example_value = bool(row is not None and row["example"])
    return {"example_value": example_value, "example_target": example_target, "example_inputs": example_inputs,
            "example": example_value or example_target or example_inputs}


def _status(row: dict | None, trend: dict | None, later_target: bool) -> str:
    """The year's own target decides; without one, where the current pace lands against the next
    target does (so a council sees in 2024 whether the 2026 target is within reach); with a later
    target but too few years for a pace, "too_few_years" — not "no_target": there is one."""
    if row is None:
        return "no_data"
    status = row["target_status"]
    if status == "no_target" and trend is not None and isinstance(trend.get("projected_status"), str):
        return trend["projected_status"]
    if status == "no_target" and later_target:
        return "too_few_years"
    return status


def _next_targets(targets: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per KPI (index) the first target after `year`: year, value, example_target."""
    after = targets[targets["year"] > year].sort_values("year").assign(example_target=lambda f: _invented(f))
    return after.groupby("kpi_id")[["year", "value", "example_target"]].first()
