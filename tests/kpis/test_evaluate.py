"""Evaluation of KPIs on the real CBS data, checked against numbers worked out from the files."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import CBS, ROOT
from koers.access import LOCAL
from koers.kpis.assess import expected_values, peer_group, peer_statistics, projections, trends, with_status
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.indicators.catalogue import CanonicalIndicator
from koers.sources.common import empty_rejected, observation_table
from koers.sources.registry import Region
from koers.store import ImportBatch, Store

GOOD = ROOT / "tests" / "fixtures" / "kpis" / "good"
TEST_KPIS = ["t_bijstand_per_1000", "t_population_growth", "t_population", "t_population_thousands", "t_ww_small"]


def _population() -> dict[tuple[str, str], float]:
    rows = json.loads((CBS / "03759ned" / "observations-page-1.json").read_text())["value"]
    return {(r["RegioS"].strip(), r["Perioden"][:4]): r["Value"] for r in rows if r["Measure"] == "M000352" and r["Value"] is not None}


def _kerncijfers(column: str) -> dict[str, float]:
    data = pq.read_table(CBS / "84799NED" / "cbs.v3.84799NED_TypedDataSet.parquet", columns=["WijkenEnBuurten", column]).to_pandas()
    return {code.strip(): value for code, value in zip(data["WijkenEnBuurten"], data[column]) if code.startswith("GM")}


@pytest.fixture(scope="module")
def library():
    return load_library(GOOD)


@pytest.fixture(scope="module")
def results(demo_template, library):
    with Store.open(demo_template, read_only=True) as store:
        return evaluate(store, library, TEST_KPIS)


@pytest.fixture(scope="module")
def harmonised(demo_template, library):
    with Store.open(demo_template, read_only=True) as store:
        return evaluate(store, library, TEST_KPIS, harmonise_on=dt.date(2025, 1, 1))


def _value(frame: pd.DataFrame, kpi: str, region: str, period: str) -> float:
    row = frame[(frame["kpi_id"] == kpi) & (frame["region_code"] == region) & (frame["period"] == period)]
    assert len(row) == 1, (kpi, region, period, len(row))
    return row["value"].iloc[0]


def test_ratio_equals_hand_computation(results):
    population, bijstand = _population(), _kerncijfers("PersonenPerSoortUitkeringBijstand_83")
    expected = bijstand["GM0363"] / population[("GM0363", "2020")] * 1000
    assert _value(results, "t_bijstand_per_1000", "GM0363", "2020") == pytest.approx(expected)
    assert expected == pytest.approx(45.58, abs=0.01)


def test_growth_looks_one_year_back(results):
    population = _population()
    expected = (population[("GM0363", "2021")] / population[("GM0363", "2020")] - 1) * 100
    assert _value(results, "t_population_growth", "GM0363", "2021") == pytest.approx(expected)
    # Eemsdelta's first year has no previous year of its own: missing, not a jump from zero.
    assert pd.isna(_value(results, "t_population_growth", "GM1979", "2021"))


def test_kpi_on_a_kpi(results):
    assert _value(results, "t_population_thousands", "GM0363", "2024") == pytest.approx(_population()[("GM0363", "2024")] / 1000)


def test_flags_and_provenance(results):
    row = results[(results["kpi_id"] == "t_bijstand_per_1000") & (results["region_code"] == "GM0363") & (results["period"] == "2020")].iloc[0]
    assert row["sources"] == "03759ned,84799NED"
    # CBS calls 84799NED's benefit counts provisional ("Het betreft voorlopige cijfers"): so is the KPI.
    assert (row["status"], row["provisional"], row["harmonised"], row["example"], row["suppressed"]) == ("ok", True, False, False, False)
    missing = results[(results["kpi_id"] == "t_bijstand_per_1000") & (results["period"] == "2022")]
    assert missing["value"].isna().all() and set(missing["status"]) == {"missing"}  # Kerncijfers is 2020 only


def test_small_counts_are_suppressed(results):
    ww = _kerncijfers("PersonenPerSoortUitkeringWW_85")
    small = sorted(code for code, value in ww.items() if value is not None and value < 100)
    assert small, "the real data has municipalities with fewer than 100 WW benefits"
    rows = results[(results["kpi_id"] == "t_ww_small") & (results["period"] == "2020")].set_index("region_code")
    assert rows.loc[small, "status"].eq("suppressed").all() and rows.loc[small, "value"].isna().all()
    assert rows.loc["GM0363", "value"] == ww["GM0363"] >= 100


def test_harmonised_eemsdelta_sums_its_predecessors(harmonised):
    population = _population()
    for year in ("2019", "2020"):
        expected = sum(population[(code, year)] for code in ("GM0003", "GM0010", "GM0024"))
        assert _value(harmonised, "t_population", "GM1979", year) == expected
    row = harmonised[(harmonised["kpi_id"] == "t_population") & (harmonised["region_code"] == "GM1979")].set_index("period")
    assert row.loc["2020", "harmonised"] and not row.loc["2022", "harmonised"]
    assert row.loc["2022", "value"] == population[("GM1979", "2022")]
    assert not (harmonised["region_code"] == "GM0003").any()  # dissolved: not in the 2025 division


def test_harmonised_ratio_is_recomputed_not_averaged(harmonised):
    population, bijstand = _population(), _kerncijfers("PersonenPerSoortUitkeringBijstand_83")
    parts = ("GM0003", "GM0010", "GM0024")
    expected = sum(bijstand[c] for c in parts) / sum(population[(c, "2020")] for c in parts) * 1000
    averaged = sum(bijstand[c] / population[(c, "2020")] * 1000 for c in parts) / 3
    got = _value(harmonised, "t_bijstand_per_1000", "GM1979", "2020")
    assert got == pytest.approx(expected) and got != pytest.approx(averaged)


def test_harmonised_weesp_into_amsterdam(harmonised, results):
    population = _population()
    for year in ("2019", "2020", "2021", "2022"):
        assert _value(harmonised, "t_population", "GM0363", year) == population[("GM0363", year)] + population[("GM0457", year)]
    assert _value(harmonised, "t_population", "GM0363", "2023") == population[("GM0363", "2023")]
    assert not (harmonised["region_code"] == "GM0457").any()
    assert (results["region_code"] == "GM0457").any()


def test_division_of_an_earlier_date_keeps_weesp(demo_template, library):
    with Store.open(demo_template, read_only=True) as store:
        early = evaluate(store, library, ["t_population"], harmonise_on=dt.date(2022, 1, 1))
    assert _value(early, "t_population", "GM0457", "2021") == _population()[("GM0457", "2021")]
    assert (early["region_code"] == "GM1979").any()  # Eemsdelta existed on 1-1-2022


def test_status_against_target_uses_polarity(library):
    results = pd.DataFrame({
        "kpi_id": ["t_bijstand_per_1000"] * 3 + ["t_population_growth"] * 2,
        "region_code": ["GM0363"] * 5, "period": ["2020", "2021", "2022", "2020", "2021"],
        "value": [40.0, 41.0, 45.0, 1.0, float("nan")],
    })
    targets = pd.DataFrame({"kpi_id": ["t_bijstand_per_1000"] * 3 + ["t_population_growth"],
                            "region_code": ["GM0363"] * 4, "year": [2020, 2021, 2022, 2021],
                            "value": [42.0, 40.0, 40.0, 1.0], "tolerance": [2.0, 2.0, 2.0, 0.5]})
    status = with_status(results, targets, library)["target_status"].tolist()
    # lower is better: 40 <= 42 on track; 41 within 2 of 40 at risk; 45 off track; growth: no target / no data
    assert status == ["on_track", "at_risk", "off_track", "no_target", "no_data"]


def test_theil_sen_trend_and_projection(demo_template, library):
    series = pd.DataFrame({"kpi_id": "t_bijstand_per_1000", "region_code": "GM0363",
                           "period": ["2019", "2020", "2021", "2022"], "value": [1.0, 3.0, 2.0, 5.0]})
    with Store.open(demo_template, read_only=True) as store:
        trend = trends(store, series, up_to=2022)
    # pairwise slopes 2, 0.5, 4/3, -1, 1, 3 -> median (1 + 4/3) / 2
    slope = (1 + 4 / 3) / 2
    assert trend["slope"].iloc[0] == pytest.approx(slope)
    intercept = pd.Series([1 - slope * 2019, 3 - slope * 2020, 2 - slope * 2021, 5 - slope * 2022]).median()
    assert trend["intercept"].iloc[0] == pytest.approx(intercept)
    targets = pd.DataFrame({"kpi_id": ["t_bijstand_per_1000"], "region_code": ["GM0363"], "year": [2026], "value": [3.0], "tolerance": [0.0]})
    projected = projections(trend, targets, library).iloc[0]
    assert projected["projected"] == pytest.approx(intercept + slope * 2026)
    assert not projected["will_reach"]  # rising while lower is better


def test_peers_by_size_class_and_statistics(demo_template, results):
    with Store.open(demo_template, read_only=True) as store:
        profile = store.municipality_profile(2020)
    population = _population()
    big = sorted(code for (code, year), value in population.items()
                 if year == "2020" and code.startswith("GM") and value >= 250_000 and code != "GM0363")
    assert big == ["GM0344", "GM0518", "GM0599"]
    assert peer_group(profile, "GM0363", "size") == big
    stats = peer_statistics(results, "GM0363", "2020", big).set_index("kpi_id")
    assert stats.loc["t_population", "peer_median"] == sorted(population[(c, "2020")] for c in big)[1]
    assert stats.loc["t_population", "percentile"] == 100.0
    assert len(peer_group(profile, "GM0363", "province")) == int((profile["province_code"] == "PV27").sum()) - 1
    assert peer_group(profile, "GM0363", "custom", ["GM0599", "GM9999"]) == ["GM0599"]


def test_expected_value_from_context_regression():
    # value = 2 * context + 1 exactly: the fit must find it.
    regions = [f"GM{n:04d}" for n in range(1, 41)]
    context = pd.DataFrame({"kpi_id": "ctx", "region_code": regions, "period": "2020", "value": range(40)})
    outcome = pd.DataFrame({"kpi_id": "out", "region_code": regions, "period": "2020", "value": [2 * v + 1 for v in range(40)]})
    expected = expected_values(pd.concat([context, outcome]), "2020", ["ctx"]).set_index(["kpi_id", "region_code"])["expected"]
    assert expected[("out", "GM0010")] == pytest.approx(2 * 9 + 1)


# --- provenance with many sources -----------------------------------------------------------------

MANY = 1000  # every own file under a new name is a source: a store reaches this in normal use
MANY_KPIS = """
- id: m_ratio
  title: {nl: Verhouding uit twee eigen bronnen, en: Ratio of two own sources}
  description: {nl: Testdefinitie., en: Test definition.}
  theme: 3
  kind: context
  polarity: neither
  unit: verhouding
  definition: {type: ratio, numerator: own_0997, denominator: own_0003, scale: 1}
  source: eigen bestanden
- id: m_sum
  title: {nl: Som van drie eigen bronnen, en: Sum of three own sources}
  description: {nl: Testdefinitie., en: Test definition.}
  theme: 3
  kind: context
  polarity: neither
  unit: aantal
  definition: {type: formula, formula: "own_0000 + own_0500 + own_0999"}
  source: eigen bestanden
- id: m_on_kpi
  title: {nl: Een KPI op een KPI, en: A KPI on a KPI}
  description: {nl: Testdefinitie., en: Test definition.}
  theme: 3
  kind: context
  polarity: neither
  unit: aantal
  definition: {type: formula, formula: "m_ratio * own_0064"}
  source: eigen bestanden
"""


def own_source(n: int) -> ImportBatch:
    """Source `bron_NNNN` with one indicator `own_NNNN` for Amsterdam: n in 2023, n + 1 in 2024."""
    indicator = f"own_{n:04d}"
    rows = observation_table({
        "record": pa.array([1, 2], pa.int64()), "indicator_id": pa.array([indicator] * 2),
        "region_code": pa.array(["GM0363"] * 2), "period": pa.array(["2023", "2024"]),
        "value": pa.array([float(n), float(n + 1)]), "status": pa.array(["definitive"] * 2)})
    definition = CanonicalIndicator(id=indicator, title_nl=indicator, title_en=indicator, unit="aantal", additive=False)
    return ImportBatch(kind="file", file=f"bron_{n:04d}.csv", checksum=f"bron-{n}", source_table=f"bron_{n:04d}",
                       source_title=f"Bron {n}", licence="", rows_read=2, observations=rows, rejected=empty_rejected(),
                       indicators=[(definition, indicator, indicator, "aantal")])


@pytest.fixture(scope="module")
def many_sources(tmp_path_factory):
    """A store with Amsterdam and MANY own sources, and a library with KPIs over a few of them."""
    folder = tmp_path_factory.mktemp("many")
    (folder / "many.yaml").write_text(MANY_KPIS, encoding="utf-8")
    path = folder / "koers.duckdb"
    with Store.open(path) as store:
        store.upsert_regions([Region("GM0363", "Amsterdam", "municipality", "PV27", None, None)], "test", LOCAL)
        for n in range(MANY):
            store.commit_import(own_source(n), actor=LOCAL)
        assert len(store.source_tables()) == MANY
        return path, load_library(folder, store.known_indicator_ids())


@pytest.mark.slow  # a thousand imports, ~1 to 5 minutes as busy as the machine is
def test_provenance_names_exactly_the_sources_of_a_value_among_a_thousand(many_sources):
    path, library = many_sources
    with Store.open(path, read_only=True) as store:
        results = evaluate(store, library, ["m_ratio", "m_sum", "m_on_kpi"])
    got = results.set_index(["kpi_id", "period"])
    assert got.loc[("m_ratio", "2024"), "value"] == pytest.approx(998 / 4)
    assert got.loc[("m_sum", "2023"), "value"] == 0 + 500 + 999
    assert got.loc[("m_on_kpi", "2024"), "value"] == pytest.approx(998 / 4 * 65)
    assert got.loc[("m_ratio", "2024"), "sources"] == "bron_0003,bron_0997"
    assert got.loc[("m_sum", "2023"), "sources"] == "bron_0000,bron_0500,bron_0999"
    assert got.loc[("m_on_kpi", "2023"), "sources"] == "bron_0003,bron_0064,bron_0997"
    assert not results["example"].any() and not results["provisional"].any() and not results["suppressed"].any()
    assert set(results["status"]) == {"ok"} and set(results["region_code"]) == {"GM0363"}
