"""The demo's invented example series and targets: deterministic, only where no real data is,
plausible, linked along the results chain, and removable without touching the real data."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest

from conftest import CBS
from koers.access import LOCAL
from koers.indicators.inputs import INPUT_INDICATORS
from koers.kpis.evaluate import evaluate
from koers.errors import KoersError
from koers.demo.examples import DIFFERENCES, RECIPES, YEARS, add_examples, example_batch, wanted_examples
from koers.sources import cbs_odata3, cbs_odata4
from koers.kpis.library import load_library
from koers.store import EXAMPLE_SOURCE, EXAMPLE_TITLE, Store

INPUT_IDS = {d.id for d in INPUT_INDICATORS}


def _build(path) -> dict:
    with Store.open(path) as store:
        store.commit_import(cbs_odata4.load(str(CBS / "03759ned")), actor=LOCAL)
        store.commit_import(cbs_odata3.load(str(CBS / "84799NED"), levels=("NL", "GM")), actor=LOCAL)
        return add_examples(store, load_library())


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def example_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("examples") / "koers.duckdb"
    added = _build(path)
    assert added["rejected"] == 0 and added["observations"] > 100_000 and added["targets"] > 0
    return path


@pytest.fixture
def store(example_db):
    with Store.open(example_db, read_only=True) as opened:
        yield opened


def _examples(store: Store) -> pd.DataFrame:
    frame = store.observations(all_sources=True)
    return frame[frame["source"] == EXAMPLE_SOURCE]


@pytest.mark.slow
def test_two_builds_give_the_same_figures(example_db, tmp_path):
    _build(tmp_path / "again.duckdb")
    sample = ["halt_referrals", "service_satisfaction_score", "population_0_17", "voter_turnout_pct"]
    frames = []
    for path in (example_db, tmp_path / "again.duckdb"):
        with Store.open(path, read_only=True) as opened:
            rows = _examples(opened)
            frames.append(rows[rows["indicator_id"].isin(sample)][["indicator_id", "region_code", "period", "value"]]
                          .reset_index(drop=True))
    assert len(frames[0]) > 10_000
    pd.testing.assert_frame_equal(frames[0], frames[1])


# What this database's real sources (03759ned, 84799NED) leave unfed among the inputs of the KPIs:
# the crime counts, KWB's net labour participation, youth care and energy use are not invented, as no
# KPI reads them any more (the KPIs read the real series, which are simply absent here).
UNFED_HERE = {"halt_referrals", "youth_offenders", "service_satisfaction_score", "voter_turnout_pct",
              "residual_waste_kg", "reintegration_provisions", "population_0_17", "dwellings", "establishments"}
NOT_INVENTED = {"shoplifting_count", "employed_15_74", "youth_care_clients"}


@pytest.mark.slow
def test_examples_only_for_the_input_indicators(store, library):
    assert set(RECIPES) | set(DIFFERENCES) == INPUT_IDS
    examples = _examples(store)
    invented = set(examples["indicator_id"])
    assert invented == wanted_examples(store, library) and invented < INPUT_IDS
    assert UNFED_HERE <= invented and not NOT_INVENTED & invented
    for real in ("population", "persons_bijstand", "population_0_14", "households"):
        sources = store.observations(indicator=real, all_sources=True)["source"]
        assert len(sources) and EXAMPLE_SOURCE not in set(sources), real
    # and never a figure for an indicator that the real data feeds
    everything = store.observations(all_sources=True)
    real_ids = set(everything.loc[everything["source"] != EXAMPLE_SOURCE, "indicator_id"])
    assert not real_ids & INPUT_IDS


def test_every_municipality_of_a_year_has_that_years_figures(store):
    examples = _examples(store)
    invented = set(examples["indicator_id"])
    yearly = [i for i in [i for i, recipe in RECIPES.items() if recipe.years == YEARS] + list(DIFFERENCES) if i in invented]
    for year in (2015, 2018, 2021, 2025):
        existing = set(store.regions(on=dt.date(year, 1, 1))["code"])
        rows = examples[(examples["period"] == str(year)) & examples["indicator_id"].isin(yearly)]
        per_indicator = rows.groupby("indicator_id")["region_code"].apply(lambda codes: set(codes) - {"NL01"})
        assert len(per_indicator) == len(yearly)
        assert all(codes == existing for codes in per_indicator), year
        assert rows["value"].notna().all()
    eemsdelta = examples[examples["region_code"] == "GM1979"]["period"].astype(int)
    appingedam = examples[examples["region_code"] == "GM0003"]["period"].astype(int)
    assert len(eemsdelta) and eemsdelta.min() == 2021
    assert len(appingedam) and appingedam.max() == 2020


def test_the_netherlands_is_the_sum_of_its_municipalities(store):
    rows = _examples(store)
    rows = rows[(rows["indicator_id"] == "halt_referrals") & (rows["period"] == "2022")]
    nl = rows.loc[rows["region_code"] == "NL01", "value"].iloc[0]
    assert nl == rows.loc[rows["region_code"] != "NL01", "value"].sum()


def test_levels_are_plausible(store, library):
    # KPIs on invented inputs here (crime, labour participation and youth care read real series now)
    kpis = ["halt_referrals_per_1000", "residual_waste_per_inhabitant", "early_school_leavers_share",
            "formation_fte_per_1000", "bijstand_per_10000", "new_dwellings_per_1000", "demographic_pressure"]
    results = evaluate(store, library, kpis)
    nl = results[results["region_code"] == "NL01"].pivot_table(index="kpi_id", columns="period", values="value")
    # Dutch figures as published on waarstaatjegemeente.nl, 2019-2024, with room on either side.
    bounds = {
        "halt_referrals_per_1000": (4, 20), "residual_waste_per_inhabitant": (100, 250), "early_school_leavers_share": (1, 3),
        "formation_fte_per_1000": (4, 12), "bijstand_per_10000": (200, 500), "new_dwellings_per_1000": (4, 15),
        "demographic_pressure": (60, 80),
    }
    for kpi_id, (low, high) in bounds.items():
        values = nl.loc[kpi_id, [p for p in nl.columns if "2019" <= p <= "2024"]].dropna()
        assert len(values), kpi_id
        assert values.between(low, high).all(), (kpi_id, values.to_dict())
    municipal = results[results["region_code"].str.startswith("GM") & results["value"].notna()]
    assert (municipal["value"] >= 0).all()
    spread = municipal[(municipal["kpi_id"] == "halt_referrals_per_1000") & (municipal["period"] == "2022")]["value"]
    assert spread.quantile(0.9) > 1.5 * spread.quantile(0.1)  # municipalities differ


@pytest.mark.parametrize(("output", "outcome", "sign"), [
    ("reintegration_provisions_per_10000", "youth_unemployment", -1),
    ("waste_separation_coverage", "residual_waste_per_inhabitant", -1),
    ("council_documents_on_time", "trust_in_council", 1),
])
def test_a_change_in_an_output_moves_its_outcome_a_year_later(store, library, output, outcome, sign):
    assert outcome in library.kpis[output].contributes_to
    results = evaluate(store, library, [output, outcome])
    wide = results[results["region_code"].str.startswith("GM")].pivot_table(
        index="region_code", columns=["kpi_id", "period"], values="value")
    changes = pd.DataFrame({
        "output": wide[(output, "2023")] - wide[(output, "2019")],
        "outcome": wide[(outcome, "2024")] - wide[(outcome, "2020")],
    }).dropna()
    assert len(changes) > 200
    assert sign * changes["output"].corr(changes["outcome"]) > 0.2


def test_targets_for_every_outcome(store, library):
    targets = store.targets()
    assert set(targets["source"]) == {EXAMPLE_TITLE}
    # outcomes on real series that this database lacks (crime, KWB) have no level to improve on
    absent = {"domestic_burglary_per_1000", "electricity_use_per_dwelling", "gas_use_per_dwelling",
              "households_social_minimum", "net_labour_participation", "registered_crime_per_1000",
              "shoplifting_per_1000", "vandalism_per_1000", "violent_crime_per_1000"}
    outcomes = {k.id for k in library.kpis.values() if k.kind == "outcome"}
    assert set(targets["kpi_id"]) == outcomes - absent
    municipalities = set(store.regions(on=dt.date(2025, 1, 1))["code"])
    assert set(targets["region_code"]) <= municipalities
    assert set(targets["year"]) == {2026, 2028}
    assert (targets["tolerance"] > 0).all() and (targets["tolerance"] <= 0.05 * targets["value"].abs() + 1e-9).all()
    # better than the municipality's own level, in the KPI's direction
    waste = targets[targets["kpi_id"] == "residual_waste_per_inhabitant"].pivot_table(index="region_code", columns="year", values="value")
    assert (waste[2028] < waste[2026]).all()
    trust = targets[targets["kpi_id"] == "trust_in_council"].pivot_table(index="region_code", columns="year", values="value")
    assert (trust[2028] > trust[2026]).all() and (trust[2028] < 100).all()


@pytest.mark.parametrize("backend", ["duckdb", "postgresql"])
def test_removing_examples_leaves_the_real_data(example_db, tmp_path, backend, request):
    path = tmp_path / "copy.duckdb"
    shutil.copy(example_db, path)
    if backend == "postgresql":  # the invented targets (and their revisions) live in PostgreSQL
        request.getfixturevalue("postgres_url_factory")(copy_from=path)
    with Store.open(path) as store:
        before = store.observations(all_sources=True)
        real_before = before[before["source"] != EXAMPLE_SOURCE].reset_index(drop=True)
        removed = store.remove_examples(LOCAL)
        after = store.observations(all_sources=True)
        assert removed["observations"] == len(before) - len(real_before)
        assert removed["targets"] > 0 and store.targets().empty
        assert EXAMPLE_SOURCE not in set(after["source"])
        pd.testing.assert_frame_equal(after.reset_index(drop=True), real_before)
        assert not INPUT_IDS & store.known_indicator_ids()
        assert np.isclose(after[(after["indicator_id"] == "population") & (after["region_code"] == "NL01")
                                & (after["period"] == "2020")]["value"].iloc[0], 17407585)


@pytest.mark.slow
def test_adding_examples_again_changes_nothing(example_db, tmp_path, library):
    path = tmp_path / "twice.duckdb"
    shutil.copy(example_db, path)
    with Store.open(path) as store:
        before = store.counts()
        added = add_examples(store, library)
        after = store.counts()
    assert added["targets"] > 0
    assert {k: v for k, v in after.items() if k != "import_log"} == {k: v for k, v in before.items() if k != "import_log"}


def test_an_empty_database_is_one_clear_line(tmp_path):
    with Store.open(tmp_path / "empty.duckdb") as store, pytest.raises(KoersError, match="03759ned"):
        example_batch(store)
