"""The demo's example series and targets: invented figures ("voorbeelddata, fictief").

The built-in KPI library rests partly on indicators that no shipped CBS file feeds (crime counts,
youth care, staff, costs, ...: `koers.indicators.inputs.INPUT_INDICATORS`). So that the demo shows
every KPI and its results chain, this module invents yearly series 2015-2025 for exactly those
indicators — never for one that real data feeds — for every municipality existing in each year and
for the Netherlands (NL01: the sum of the municipalities for counts, a population-weighted mean for
rates and scores). They live under source `voorbeelddata` and `Store.remove_examples()` takes them
out again, with the example targets.

Each series is a recipe (`RECIPES`), computed on a transformed scale (log for amounts, logit for
shares, linear for scores) per municipality c and year t::

    z[c, t] = T(level) + size * s[c] + spread * a[c] + (trend + slope * b[c]) * (t - 2015) + noise * e[c, t]
              + sum over drivers d: effect_d * deviation_d[c, t - 1]
    value   = T⁻¹(z) x base[c, t]        (base: the real population, a population group, ...)

`s` is the municipality's log population against the population-weighted average (big cities have
more crime and social assistance, villages more volunteers). `a`, `b` and `e` are standard normal
draws from a generator seeded by the indicator id and the municipality code (zlib.crc32, stable
across runs and machines), so a municipality's series does not depend on which other regions the
store holds. `deviation_d` is how far a driver (an output) has
moved from its own 2015 level beyond the national trend: a municipality that expands an output more
than others sees its outcome move a year later — the results chain has something to show.
Counts get Poisson-like noise and are whole numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from koers.access import Actor, Role
from koers.indicators.catalogue import canonical_by_id
from koers.indicators.inputs import INPUT_INDICATORS
from koers.errors import KoersError
from koers.kpis.evaluate import evaluate
from koers.sources.common import empty_rejected, observation_table
from koers.kpis.library import Library, references
from koers.store import EXAMPLE_AUTHOR, EXAMPLE_KIND, EXAMPLE_SOURCE, EXAMPLE_TITLE, ImportBatch, Store
from metrics.model import Kpi

# Who writes the invented figures, targets and learning loop: named, so the audit trail says so.
EXAMPLE_ACTOR = Actor("voorbeelddata", EXAMPLE_AUTHOR, Role.admin)

YEARS = tuple(range(2015, 2026))
LICENCE = "fictief — alleen voor demonstratie"
TARGET_NOTE = "voorbeelddoel, fictief"
TARGET_YEARS = (2026, 2028)
ELECTION_YEARS = (2018, 2022)  # municipal elections within YEARS
NEXT_ELECTION = 2026
COUNTRY = "NL01"


@dataclass(frozen=True)
class Recipe:
    """How one input indicator's example series is made (see the module docstring)."""

    base: str  # "population", another input id, "sqrt_population", or "" (the value stands alone)
    level: float  # national level in 2015: per unit of base, a share (0-1), or the value itself
    trend: float  # yearly change on the transformed scale (log: about relative change per year)
    spread: float  # standard deviation between municipalities, transformed scale
    noise: float  # standard deviation from year to year, transformed scale
    scale: str = "log"  # log | logit | linear
    slope: float = 0.0  # standard deviation of a municipality's own extra trend (outputs that drive outcomes)
    size: float = 0.0  # change per unit of log(inhabitants) against the average: big cities differ from villages
    drivers: tuple[tuple[str, float], ...] = ()  # (input id, effect per unit of its deviation, one year later)
    years: tuple[int, ...] = YEARS


# Levels are Dutch national figures of around 2015 (BBV values on waarstaatjegemeente.nl, CBS),
# rounded; spreads give the range seen between municipalities. Drivers come before what they drive.
# Recipe(base, level, trend, spread, noise, scale, slope=, drivers=, size=, years=)
RECIPES: dict[str, Recipe] = {
    # population groups and other denominators
    "population_0_17": Recipe("population", 0.200, -0.006, 0.10, 0.003, size=-0.03),
    "population_12_17": Recipe("population_0_17", 0.345, 0.004, 0.05, 0.005),
    "population_12_21": Recipe("population", 0.122, 0.0, 0.12, 0.004),
    "population_12_22": Recipe("population_12_21", 1.095, 0.0, 0.01, 0.002),
    "population_16_22": Recipe("population_12_22", 0.64, 0.0, 0.04, 0.005, size=0.04),
    "population_15_74": Recipe("population", 0.745, 0.0005, 0.03, 0.002),
    "population_15_64": Recipe("population_15_74", 0.870, -0.004, 0.03, 0.002),
    "compulsory_school_pupils": Recipe("population_0_17", 0.70, 0.0, 0.03, 0.005),
    "pupils_vo_mbo": Recipe("population", 0.085, -0.003, 0.08, 0.01),
    "dwellings": Recipe("population", 0.455, 0.004, 0.08, 0.002),
    # organisation and finances
    "fte_formation": Recipe("population", 0.0068, 0.015, 0.25, 0.02, size=0.12),
    "fte_staff": Recipe("fte_formation", 0.93, 0.0, 0.5, 0.2, "logit"),
    "apparatus_costs": Recipe("population", 620.0, 0.035, 0.25, 0.03, size=0.18),
    "wage_costs": Recipe("apparatus_costs", 0.62, 0.0, 0.3, 0.1, "logit"),
    "external_hiring_costs": Recipe("wage_costs", 0.15, 0.02, 0.45, 0.2),
    "total_expenditure": Recipe("population", 3000.0, 0.045, 0.2, 0.03, size=0.12),
    "overhead_costs": Recipe("total_expenditure", 0.095, 0.005, 0.2, 0.05, "logit"),
    "shared_services_costs": Recipe("population", 70.0, 0.03, 0.5, 0.05, size=-0.2),
    "service_satisfaction_score": Recipe("", 6.9, 0.01, 0.25, 0.1, "linear", size=-0.1),
    "housing_costs_single": Recipe("", 640.0, 0.035, 0.15, 0.01, drivers=(("apparatus_costs", 0.15),)),
    "housing_costs_multi": Recipe("housing_costs_single", 1.13, 0.0, 0.05, 0.005),
    "woz_value_mean": Recipe("", 206000.0, 0.065, 0.22, 0.015, size=0.05),
    "building_permits_dwellings": Recipe("dwellings", 0.0085, 0.01, 0.4, 0.3, slope=0.06),
    "new_dwellings": Recipe("dwellings", 0.0075, 0.01, 0.4, 0.3, drivers=(("building_permits_dwellings", 0.6),)),
    "demographic_pressure_pct": Recipe("", 67.5, 0.45, 6.0, 0.3, "linear"),
    # digital services
    "products_total": Recipe("", 180.0, 0.01, 0.2, 0.02),
    "online_products": Recipe("products_total", 0.35, 0.18, 0.5, 0.05, "logit", slope=0.1, size=0.15),
    "requests_total": Recipe("population", 0.45, 0.0, 0.2, 0.05),
    "online_requests": Recipe("requests_total", 0.28, 0.14, 0.4, 0.05, "logit", drivers=(("online_products", 0.5),)),
    "digital_satisfaction_score": Recipe("", 6.6, 0.03, 0.3, 0.1, "linear", drivers=(("online_products", 0.2),)),
    # work and income
    "reintegration_provisions": Recipe("population_15_64", 0.021, -0.01, 0.35, 0.05, slope=0.06, size=0.2),
    "job_placements": Recipe("population_15_64", 0.004, 0.03, 0.4, 0.1, slope=0.06),
    "employed_15_74": Recipe("population_15_74", 0.665, 0.025, 0.12, 0.015, "logit", size=-0.05,
                             drivers=(("reintegration_provisions", 0.08), ("job_placements", 0.05))),
    "unemployed_youth_16_22": Recipe("population_16_22", 0.022, -0.03, 0.35, 0.1, "logit", size=0.15,
                                     drivers=(("reintegration_provisions", -0.4), ("job_placements", -0.2))),
    "children_in_benefit_households": Recipe("population_0_17", 0.065, -0.01, 0.5, 0.04, "logit", size=0.35,
                                             drivers=(("reintegration_provisions", -0.3),)),
    "jobs": Recipe("population_15_64", 0.76, 0.012, 0.3, 0.01, size=0.12),
    "establishments": Recipe("population_15_64", 0.135, 0.025, 0.25, 0.015, size=0.03),
    # youth, care and education
    "youth_care_clients": Recipe("population_0_17", 0.095, 0.035, 0.25, 0.04, "logit", slope=0.05),
    "youth_protection_clients": Recipe("population_0_17", 0.011, -0.02, 0.35, 0.08, "logit", size=0.1),
    "youth_probation_clients": Recipe("population_12_22", 0.0045, -0.07, 0.4, 0.1, "logit", slope=0.08, size=0.2),
    "wmo_clients": Recipe("population", 0.060, 0.015, 0.25, 0.03, slope=0.04, size=-0.05),
    "wmo_self_reliance_pct": Recipe("", 0.82, 0.0, 0.3, 0.1, "logit", drivers=(("wmo_clients", 0.3),)),
    "absolute_absentees": Recipe("compulsory_school_pupils", 0.0035, -0.01, 0.6, 0.25, size=0.2,
                                 drivers=(("youth_care_clients", -0.4),)),
    "relative_absentees": Recipe("compulsory_school_pupils", 0.025, 0.02, 0.4, 0.1, size=0.15,
                                 drivers=(("youth_care_clients", -0.6), ("youth_protection_clients", -0.1))),
    "early_school_leavers": Recipe("pupils_vo_mbo", 0.019, -0.01, 0.3, 0.08, size=0.15,
                                   drivers=(("youth_care_clients", -0.4),)),
    # safety
    "enforcement_fte": Recipe("population", 0.00018, 0.04, 0.4, 0.05, size=0.15),
    "neighbourhood_watch_members": Recipe("population", 0.025, 0.06, 0.6, 0.1, slope=0.1),
    "halt_referrals": Recipe("population_12_17", 0.0135, -0.035, 0.35, 0.12, size=0.05,
                             drivers=(("youth_probation_clients", -0.3),)),
    "youth_offenders": Recipe("population_12_21", 0.014, -0.05, 0.35, 0.08, "logit", size=0.2,
                              drivers=(("youth_probation_clients", -0.4),)),
    "shoplifting_count": Recipe("population", 0.0023, -0.005, 0.55, 0.1, size=0.3),
    "violent_crimes_count": Recipe("population", 0.0053, -0.02, 0.35, 0.08, size=0.2),
    "domestic_burglaries_count": Recipe("population", 0.0033, -0.07, 0.4, 0.1, size=0.15,
                                        drivers=(("neighbourhood_watch_members", -0.5),)),
    "vandalism_count": Recipe("population", 0.0058, -0.02, 0.35, 0.08, size=0.1,
                              drivers=(("neighbourhood_watch_members", -0.1),)),
    # sport and environment
    "sport_coach_fte": Recipe("population", 0.00012, 0.05, 0.4, 0.05, slope=0.08, size=-0.05),
    "non_sporters_pct": Recipe("", 0.49, -0.005, 0.15, 0.04, "logit", size=0.03, drivers=(("sport_coach_fte", -0.15),)),
    "dwellings_source_separation": Recipe("dwellings", 0.2, 0.25, 0.8, 0.1, "logit", slope=0.12, size=-0.4),
    "residual_waste_kg": Recipe("population", 205.0, -0.025, 0.25, 0.04, size=0.1,
                                drivers=(("dwellings_source_separation", -0.12),)),
    "sustainability_loans": Recipe("dwellings", 0.002, 0.08, 0.6, 0.2, slope=0.1),
    "renewable_electricity_pct": Recipe("", 0.11, 0.17, 0.9, 0.08, "logit", size=-0.4,
                                        drivers=(("sustainability_loans", 0.2),)),
    # participation and openness
    "open_datasets": Recipe("sqrt_population", 0.03, 0.15, 0.7, 0.1),
    "council_documents": Recipe("sqrt_population", 1.0, 0.0, 0.3, 0.08),
    "council_documents_on_time": Recipe("council_documents", 0.85, 0.08, 0.6, 0.15, "logit", slope=0.1),
    "citizen_initiatives": Recipe("population", 0.0003, 0.06, 0.5, 0.2, slope=0.08),
    "voter_turnout_pct": Recipe("", 0.585, -0.03, 0.3, 0.05, "logit", size=-0.08, years=ELECTION_YEARS,
                                drivers=(("council_documents_on_time", 0.1), ("citizen_initiatives", 0.05))),
    "trust_council_pct": Recipe("", 0.50, -0.01, 0.25, 0.06, "logit", size=-0.05,
                                drivers=(("council_documents_on_time", 0.3), ("open_datasets", 0.05))),
    "volunteers_pct": Recipe("", 0.30, -0.005, 0.2, 0.04, "logit", size=-0.12, drivers=(("citizen_initiatives", 0.15),)),
}

# Input indicators that are the difference of two others, so that they add up exactly.
DIFFERENCES: dict[str, tuple[str, str]] = {"population_18_plus": ("population", "population_0_17")}

DECIMALS = {"aantal": 0, "fte": 1, "euro": 0, "kg": 0, "%": 1, "rapportcijfer": 1, "duizend euro": 0}


def _draws(indicator_id: str, codes: list[str]) -> np.ndarray:
    """Standard normal draws per municipality: [a, b, e_2015..e_2025, count noise 2015..2025]."""
    width = 2 + 2 * len(YEARS)
    key = zlib.crc32(indicator_id.encode())
    # What `np.random.default_rng([key, crc])` makes, the same draws, built directly: default_rng's
    # handling of the list seed costs twice the generator itself, tens of thousands of times a build.
    return np.array([np.random.Generator(np.random.PCG64(np.random.SeedSequence([key, zlib.crc32(code.encode())])))
                     .standard_normal(width) for code in codes])


def _transform(value: float, scale: str) -> float:
    if scale == "log":
        return float(np.log(value))
    if scale == "logit":
        return float(np.log(value / (1 - value)))
    return value


def _inverse(z: np.ndarray, scale: str) -> np.ndarray:
    if scale == "log":
        return np.exp(z)
    if scale == "logit":
        return 1 / (1 + np.exp(-z))
    return z


def _population(store: Store, codes: list[str]) -> np.ndarray:
    """Inhabitants on 1 January per municipality (rows: codes) and year (columns: YEARS).

    From the store (03759ned gives 2019 on); before a municipality's first figure, that figure less
    the residents it gained by mergers and boundary changes in between. A municipality that was gone
    by 2019 starts from the residents it handed over when it was dissolved (or, after a mere change
    of name, from its successor's first figure).
    """
    observed = store.observations(indicator="population")
    observed = observed[observed["value"].notna() & observed["period"].str.fullmatch(r"\d{4}")]
    wide = observed.pivot_table(index="region_code", columns="period", values="value", aggfunc="first")
    wide.columns = wide.columns.astype(int)
    wide = wide.reindex(columns=list(YEARS))
    matrix = wide.reindex(index=codes).to_numpy(dtype=float, copy=True)
    # Rows with a gap: before the first figure, and (since 70072ned reaches back to 2015) after a
    # municipality was dissolved — years masked out of the output, but a NaN would spread through
    # the weighted averages.
    incomplete = [row for row in range(len(codes)) if np.isnan(matrix[row]).any()]
    # region_code | event_date | kind | direction | other_code | residents, for those municipalities
    events = store.events_of_regions([codes[row] for row in incomplete])
    events["event_date"] = pd.to_datetime(events["event_date"])
    moves = events[events["kind"].isin(["merged", "boundary_change"])]
    moves = moves.assign(change=np.where(moves["direction"] == "in", 1.0, -1.0) * moves["residents"])
    moves_by_code = {code: group for code, group in moves.groupby("region_code")}
    dissolved = events[events["kind"] == "dissolved"].groupby("region_code").agg(
        date=("event_date", "max"), residents=("residents", "sum"))
    renamed = events[(events["kind"] == "name_change") & (events["direction"] == "out")].groupby("region_code")["other_code"].first()
    # Per region with any figure: (year, value) of its first one. Vectorised: the frame holds every
    # region with a population figure (municipalities, districts, provinces: thousands of rows).
    known = wide.notna().to_numpy()
    first = known.argmax(axis=1)
    figures = wide.to_numpy(dtype=float)[np.arange(len(wide)), first]
    any_figure = known.any(axis=1)
    first_figure = {code: (YEARS[first[row]], float(figures[row]))
                    for row, code in enumerate(wide.index) if any_figure[row]}
    typical = float(np.nanmedian(matrix))
    year_starts = np.array([f"{year}-01-01" for year in YEARS], dtype="datetime64[ns]")
    for row in incomplete:
        code = codes[row]
        if code in first_figure:
            year, value = first_figure[code]
            date = pd.Timestamp(year, 1, 1)
        elif code in dissolved.index and dissolved.loc[code, "residents"] > 0:
            date, value = dissolved.loc[code, "date"], float(dissolved.loc[code, "residents"])
        elif code in renamed.index and renamed[code] in first_figure:
            year, value = first_figure[renamed[code]]
            date = pd.Timestamp(year, 1, 1)
        else:
            date, value = pd.Timestamp(YEARS[-1] + 1, 1, 1), typical
        gaps = np.isnan(matrix[row])
        gained = np.zeros(len(YEARS))
        if (mine := moves_by_code.get(code)) is not None:
            # Per year: the residents moved in (less those moved out) after its 1 January, up to
            # `date`. Whole residents: the sum is exact in any order.
            when, change = mine["event_date"].to_numpy("datetime64[ns]"), mine["change"].to_numpy(float, na_value=np.nan)
            inside = (when > year_starts[:, None]) & (when <= np.datetime64(date, "ns")) & ~np.isnan(change)
            gained = np.where(inside, change, 0.0).sum(axis=1)
        matrix[row, gaps] = np.maximum(value - gained[gaps], 0.2 * value)
    return matrix


def _existence(store: Store, codes: list[str]) -> np.ndarray:
    """True where a municipality existed on 1 January of the year."""
    exists = np.zeros((len(codes), len(YEARS)), dtype=bool)
    index = {code: row for row, code in enumerate(codes)}
    for column, year in enumerate(YEARS):
        for code in store.regions(on=dt.date(year, 1, 1))["code"]:
            exists[index[code], column] = True
    return exists


def generate(store: Store) -> tuple[list[str], dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """(municipality codes, {input id: values per code x year}, population, existence)."""
    codes = sorted(set().union(*(set(store.regions(on=dt.date(year, 1, 1))["code"]) for year in YEARS)))
    if not codes:
        raise KoersError("errors.demo.no_municipalities")
    population = _population(store, codes)
    exists = _existence(store, codes)
    units = {d.id: d.unit for d in INPUT_INDICATORS}
    t = np.arange(len(YEARS), dtype=float)
    log_size = np.log(population.mean(axis=1, keepdims=True))
    log_size = log_size - np.average(log_size[:, 0], weights=population[:, -1])
    values: dict[str, np.ndarray] = {"population": population, "sqrt_population": np.sqrt(population)}
    deviations: dict[str, np.ndarray] = {}
    for indicator_id, recipe in RECIPES.items():
        draws = _draws(indicator_id, codes)
        a, b, e, count_noise = draws[:, [0]], draws[:, [1]], draws[:, 2:2 + len(YEARS)], draws[:, 2 + len(YEARS):]
        centre = -(recipe.spread ** 2 + recipe.noise ** 2) / 2 if recipe.scale == "log" else 0.0  # mean multiplier 1
        z = (_transform(recipe.level, recipe.scale) + centre + recipe.size * log_size + recipe.spread * a
             + (recipe.trend + recipe.slope * b) * t + recipe.noise * e)
        for driver, effect in recipe.drivers:
            lagged = np.zeros_like(z)
            lagged[:, 1:] = deviations[driver][:, :-1]
            z = z + effect * lagged
        deviations[indicator_id] = z - z[:, [0]] - recipe.trend * t
        share = _inverse(z, recipe.scale)
        unit = units[indicator_id]
        if recipe.base:
            expected = share * values[recipe.base]
            if unit == "aantal" and recipe.scale == "log":  # counted events: Poisson-like noise
                expected = expected + np.sqrt(np.maximum(expected, 0)) * count_noise
            value = expected
        else:
            value = share * 100 if recipe.scale == "logit" and unit == "%" else share  # shares become percentages
        if unit == "rapportcijfer":
            value = np.clip(value, 1, 10)
        values[indicator_id] = np.round(np.maximum(value, 0), DECIMALS[unit])
    for indicator_id, (whole, part) in DIFFERENCES.items():
        values[indicator_id] = values[whole] - values[part]
    return codes, {k: v for k, v in values.items() if k in units}, population, exists


def wanted_examples(store: Store, library: Library) -> set[str]:
    """The inputs to invent: those a KPI of `library` rests on that no real source in the store
    feeds, for any region or year. An input that real data feeds is never invented, not even for
    its missing years: there a gap stays a gap."""
    fed = store.indicators_with_data(except_source=EXAMPLE_SOURCE)
    used = set().union(*(_inputs(kpi, library) for kpi in library.kpis.values()))
    return {d.id for d in INPUT_INDICATORS if d.id in used and d.id not in fed}


def example_batch(store: Store, only: set[str] | None = None) -> ImportBatch:
    """The example series as one import batch (source `voorbeelddata`); `only`: just these inputs
    (their recipes' bases and drivers are still drawn, so a series is the same either way)."""
    codes, values, population, exists = generate(store)
    by_id = {d.id: d for d in INPUT_INDICATORS}
    kept = [d for d in INPUT_INDICATORS if only is None or d.id in only]
    frames = []
    for indicator_id, matrix in values.items():
        if only is not None and indicator_id not in only:
            continue
        definition = by_id[indicator_id]
        years = [YEARS.index(y) for y in (RECIPES[indicator_id].years if indicator_id in RECIPES else YEARS)]
        mask = exists[:, years]
        rows, columns = np.nonzero(mask)
        frames.append(pd.DataFrame({
            "indicator_id": indicator_id,
            "region_code": np.array(codes)[rows],
            "period": np.array([str(YEARS[years[c]]) for c in columns]),
            "value": matrix[:, years][rows, columns],
        }))
        # The Netherlands: counts summed over the municipalities of the year, rates and scores
        # weighted by population.
        part = matrix[:, years]
        weights = population[:, years] * mask
        if definition.additive:
            national = (part * mask).sum(axis=0)
        else:
            national = np.round((part * weights).sum(axis=0) / weights.sum(axis=0), DECIMALS[definition.unit])
        frames.append(pd.DataFrame({"indicator_id": indicator_id, "region_code": COUNTRY,
                                    "period": [str(YEARS[y]) for y in years], "value": national}))
    frame = pd.concat(frames, ignore_index=True)
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()).hexdigest()
    observations = observation_table({
        "record": pa.array(np.arange(1, len(frame) + 1, dtype=np.int64)),
        "indicator_id": pa.array(frame["indicator_id"]).dictionary_encode(),
        "region_code": pa.array(frame["region_code"]).dictionary_encode(),
        "region_text": pa.array(frame["region_code"]).dictionary_encode(),
        "period": pa.array(frame["period"]).dictionary_encode(),
        "value": pa.array(frame["value"], pa.float64()),
        "status": pa.array(np.full(len(frame), "definitive")).dictionary_encode(),
    })
    return ImportBatch(
        kind=EXAMPLE_KIND,
        file="koers.demo.examples",
        checksum=digest,
        source_table=EXAMPLE_SOURCE,
        source_title=EXAMPLE_TITLE,
        licence=LICENCE,
        rows_read=len(frame),
        observations=observations,
        rejected=empty_rejected(),
        indicators=[(d, d.id, d.title_nl, d.unit) for d in kept],
        regions=[],
    )


# --- targets ------------------------------------------------------------------------------------


def _inputs(kpi: Kpi, library: Library, trail: tuple[str, ...] = ()) -> set[str]:
    """The indicators a KPI rests on, through the KPIs it uses (a cycle, which the library
    reports as an error, is cut)."""
    found: set[str] = set()
    for ref in references(kpi):
        if ref in library.kpis and canonical_by_id(ref) is None:
            if ref not in trail:
                found |= _inputs(library.kpis[ref], library, trail + (kpi.id,))
        else:
            found.add(ref)
    return found


def _significant(values: pd.Series, digits: int = 3) -> pd.Series:
    """Rounded to `digits` significant digits, as a target is written down."""
    magnitude = np.floor(np.log10(values.abs().where(values != 0, 1)))
    factor = 10.0 ** (digits - 1 - magnitude)
    return (values * factor).round() / factor


def _improved(level: pd.Series, kpi: Kpi, fraction: float) -> pd.Series:
    """`fraction` better than `level` in the KPI's direction; a percentage or a mark closes that
    fraction of the gap to its maximum instead of growing by it."""
    ceiling = 100.0 if kpi.unit.startswith("%") else 10.0 if kpi.unit.startswith("rapportcijfer") else None
    if kpi.polarity == "lower_is_better":
        return level * (1 - fraction)
    if ceiling is not None:
        return level.where(level > ceiling, level + (ceiling - level) * fraction)
    return level * (1 + fraction)


def example_targets(store: Store, library: Library, results: pd.DataFrame | None = None) -> pd.DataFrame:
    """Example targets for 2026 and 2028 for every outcome KPI of `library` and every municipality
    existing in 2025: 5% (2026) and 10% (2028) better than the municipality's own level of 2022 (or
    the nearest year with a figure), with a tolerance of 3% of the target.

    The levels are the KPI values as the dashboard computes them from the store, so call this after
    the example batch is committed. Columns: kpi_id, region_code, year, value, tolerance, note.
    `results`: the evaluation of (at least) the outcomes after that commit, when the caller has it."""
    municipalities = set(store.regions(on=dt.date(2025, 1, 1))["code"])
    outcomes = {kpi.id: kpi for kpi in library.kpis.values() if kpi.kind == "outcome" and kpi.polarity != "neither"}
    results = evaluate(store, library, sorted(outcomes)) if results is None else results
    results = results[results["kpi_id"].isin(list(outcomes)) & results["region_code"].isin(municipalities)
                      & results["value"].notna()]
    # kpi_id, region_code | 2015 ... 2026
    wide = results.pivot_table(index=["kpi_id", "region_code"], columns="period", values="value")
    wide.columns = wide.columns.astype(int)
    order = [2022, 2021, 2020, 2019, 2018, 2017, 2016, 2015, 2023, 2024, 2025]  # 2022, else the nearest year
    levels = wide.reindex(columns=order).bfill(axis=1).iloc[:, 0]
    levels = levels[np.isfinite(levels) & (levels > 0)]  # nothing to improve on a zero
    rows = []
    for kpi_id, level in levels.groupby(level="kpi_id"):
        kpi = outcomes[kpi_id]
        level = level.droplevel("kpi_id")
        # A KPI on election results gets a target for the next election only.
        elections_only = any(RECIPES[i].years != YEARS for i in _inputs(kpi, library) if i in RECIPES)
        years = (NEXT_ELECTION,) if elections_only else TARGET_YEARS
        for year, fraction in zip(years, (0.05, 0.10)):
            target = _significant(_improved(level, kpi, fraction))
            rows.append(pd.DataFrame({"kpi_id": kpi_id, "region_code": target.index, "year": year,
                                      "value": target.to_numpy(), "tolerance": _significant(0.03 * target).to_numpy(),
                                      "note": TARGET_NOTE}))
    if not rows:
        return pd.DataFrame(columns=["kpi_id", "region_code", "year", "value", "tolerance", "note"])
    return pd.concat(rows, ignore_index=True)


def add_examples(store: Store, library: Library, evaluation: dict[str, pd.DataFrame] | None = None) -> dict[str, int]:
    """Commit the example series of the inputs no real data feeds (`wanted_examples`), then the
    example targets; returns what was added. With `evaluation` (a dict), every KPI is evaluated
    once after the series are in, and the values are left in it under "results" (the demo build
    hands them on to the learning loop's snapshots; targets change no KPI value)."""
    wanted = wanted_examples(store, library)
    result = store.commit_import(example_batch(store, wanted), actor=EXAMPLE_ACTOR) if wanted else None
    results = None
    if evaluation is not None:
        results = evaluation["results"] = evaluate(store, library)
    targets = example_targets(store, library, results)
    written = store.upsert_targets(targets, EXAMPLE_TITLE, actor=EXAMPLE_ACTOR) if len(targets) else 0
    return {"observations": result.rows_loaded if result else 0, "rejected": result.rows_rejected if result else 0,
            "targets": written}
