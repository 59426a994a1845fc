"""Every built-in KPI, found by discovery, evaluated on the demo database; the catalogue document."""

from __future__ import annotations

import pytest

from conftest import ROOT, run_cli
from koers.kpis.document import render
from koers.kpis.evaluate import evaluate
from koers.kpis.library import builtin_files, load_library
from koers.store import Store

LIBRARY = load_library()
KPI_IDS = sorted(LIBRARY.kpis)


def test_discovery_found_the_library():
    assert len(builtin_files()) >= 3 and len(KPI_IDS) >= 45
    assert not LIBRARY.errors


@pytest.fixture(scope="module")
def results(demo_template):
    with Store.open(demo_template, read_only=True) as store:
        return evaluate(store, LIBRARY)


@pytest.mark.parametrize("kpi_id", KPI_IDS)
def test_every_kpi_has_values_in_the_demo_with_honest_flags(results, kpi_id):
    rows = results[(results["kpi_id"] == kpi_id) & results["region_code"].str.startswith("GM")]
    with_value = rows[rows["value"].notna()]
    assert len(with_value) >= 300, f"{kpi_id}: {len(with_value)} municipal values"
    kpi = LIBRARY.kpis[kpi_id]
    # A KPI resting on invented inputs says so on every value, and says where real data would come from.
    if with_value["example"].any():
        assert kpi.fill_from, kpi_id
    assert (with_value["sources"].str.len() > 0).all()


def test_real_data_kpis_are_not_marked_as_examples(results):
    growth = results[(results["kpi_id"] == "population_growth") & (results["region_code"] == "GM0363") & (results["period"] == "2024")]
    assert not growth["example"].iloc[0] and growth["sources"].iloc[0] == "03759ned"
    # shoplifting reads the police's and CBS's registered crimes; Halt referrals have no real source yet
    shoplifting = results[(results["kpi_id"] == "shoplifting_per_1000") & results["value"].notna()]
    assert len(shoplifting) and not shoplifting["example"].any()
    halt = results[(results["kpi_id"] == "halt_referrals_per_1000") & results["value"].notna()]
    assert len(halt) and halt["example"].all()
    # The Tweede Kamer turnout rests on the Kiesraad's shipped results, in the three election years only:
    # Vlieland 2021 is 954 voters / 911 eligible x 100 = 104.72 (data/kiesraad/TK2021).
    turnout = results[(results["kpi_id"] == "turnout_tweede_kamer") & results["value"].notna()
                      & results["region_code"].str.startswith("GM")]
    assert not turnout["example"].any() and (turnout["sources"] == "kiesraad").all()
    assert sorted(turnout["period"].unique()) == ["2017", "2021", "2023"]
    vlieland = turnout[(turnout["region_code"] == "GM0096") & (turnout["period"] == "2021")]["value"].iloc[0]
    assert vlieland == pytest.approx(104.72, abs=0.005)


def test_committed_catalogue_is_up_to_date():
    committed = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert committed == render(load_library(ROOT / "metrics" / "custom")), "run: python -m koers metrics catalog"


def test_examples_can_be_removed_with_one_command(demo_db):
    with Store.open(demo_db, read_only=True) as store:
        real_before = store._read("SELECT count(*) AS n FROM observation WHERE source_table <> 'voorbeelddata'", [])["n"][0]
        assert store.targets()["source"].eq("voorbeelddata, fictief").all() and len(store.targets()) > 0
    done = run_cli("examples", "remove", db=demo_db)
    assert done.returncode == 0, done.stderr
    with Store.open(demo_db, read_only=True) as store:
        left = store._read("SELECT count(*) FILTER (WHERE source_table = 'voorbeelddata') AS fake, count(*) AS n FROM observation", [])
        assert (left["fake"][0], left["n"][0]) == (0, real_before)
        assert store.targets().empty
