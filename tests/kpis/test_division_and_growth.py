"""Population growth labelled as CBS does, on today's division by default, with the harmonised flag
wherever a harmonised figure was read — checked against the real 03759ned file by hand.

03759ned, "Bevolking op 1 januari" (M000352):
    Amsterdam GM0363   2021: 873 338   2022: 882 633   2023: 918 117 (with Weesp)
    Weesp     GM0457   2021:  20 445   2022:  20 766   (merged into Amsterdam on 24-3-2022)
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import ROOT
from koers.kpis.evaluate import evaluate
from koers.kpis.formula import offsets, parse
from koers.kpis.library import load_library
from koers.store import Store

TODAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def library():
    return load_library(ROOT / "metrics")


def _row(frame: pd.DataFrame, kpi: str, region: str, period: str) -> pd.Series:
    rows = frame[(frame["kpi_id"] == kpi) & (frame["region_code"] == region) & (frame["period"] == period)]
    assert len(rows) == 1, (kpi, region, period, len(rows))
    return rows.iloc[0]


@pytest.fixture(scope="module")
def today(demo_template, library):
    with Store.open(demo_template, read_only=True) as store:
        return evaluate(store, library, ["population_growth"], harmonise_on=TODAY)


@pytest.fixture(scope="module")
def historical(demo_template, library):
    with Store.open(demo_template, read_only=True) as store:
        return evaluate(store, library, ["population_growth"])


def test_offsets_name_every_period_a_formula_reads():
    assert offsets(parse("growth(population, 1)")) == {0, -1}
    assert offsets(parse("(lead(population, 1) - population) / population * 100")) == {0, 1}
    assert offsets(parse("lag(x, 2) + y")) == {-2, 0}
    assert offsets(parse("growth(k, 1)"), {"k": {1}}) == {1, 0}


def test_growth_during_2022_is_labelled_2022_on_constant_boundaries(today):
    row = _row(today, "population_growth", "GM0363", "2022")
    # 1-1-2023 Amsterdam (with Weesp) against 1-1-2022 Amsterdam + Weesp: 918117 / 903399 - 1
    assert row["value"] == pytest.approx((918117 / (882633 + 20766) - 1) * 100)
    assert round(row["value"], 2) == 1.63
    assert row["harmonised"]
    # the change during 2021: 1-1-2022 (882633 + 20766) against 1-1-2021 (873338 + 20445)
    assert _row(today, "population_growth", "GM0363", "2021")["value"] == pytest.approx((903399 / 893783 - 1) * 100)


def test_growth_after_the_merger_reads_no_harmonised_figure(today):
    # the change during 2023 reads 1-1-2023 and 1-1-2024, both Amsterdam as it is: not harmonised
    row = _row(today, "population_growth", "GM0363", "2023")
    assert row["value"] == pytest.approx((931298 / 918117 - 1) * 100)
    assert not row["harmonised"]


def test_historical_division_shows_the_merger_jump_and_keeps_weesp(historical):
    row = _row(historical, "population_growth", "GM0363", "2022")
    assert round(row["value"], 2) == 4.02  # 918117 / 882633 - 1: Weesp's residents counted as growth
    assert not row["harmonised"]
    weesp = _row(historical, "population_growth", "GM0457", "2021")
    assert weesp["value"] == pytest.approx((20766 / 20445 - 1) * 100)
    assert pd.isna(_row(historical, "population_growth", "GM0457", "2022")["value"])  # Weesp has no 1-1-2023


def test_today_has_no_weesp_and_the_last_year_has_no_growth_yet(today):
    assert not (today["region_code"] == "GM0457").any()
    assert pd.isna(_row(today, "population_growth", "GM0363", "2026")["value"])  # 1-1-2027 is not known


def test_growth_reading_the_year_before_a_merger_is_flagged(demo_template):
    """`growth(x, 1)` (a figure over a year, labelled by its own year) for Amsterdam 2023 reads the
    harmonised 2022: flagged harmonised although 2023 itself is not."""
    library = load_library(ROOT / "tests" / "fixtures" / "kpis" / "good")
    with Store.open(demo_template, read_only=True) as store:
        frame = evaluate(store, library, ["t_population_growth", "t_population"], harmonise_on=TODAY)
    assert not _row(frame, "t_population", "GM0363", "2023")["harmonised"]
    row = _row(frame, "t_population_growth", "GM0363", "2023")
    assert row["value"] == pytest.approx((918117 / 903399 - 1) * 100)
    assert row["harmonised"]
    assert not _row(frame, "t_population_growth", "GM0363", "2025")["harmonised"]


def _same_rows(part: pd.DataFrame, whole: pd.DataFrame) -> None:
    """`part` holds exactly `whole`'s rows, with the same values and flags (a harmonised sum may
    differ in its last bit: DuckDB adds the parts in no fixed order, also between two full runs)."""
    key = ["kpi_id", "region_code", "period"]
    a = part.astype({"kpi_id": str, "sources": str, "status": str}).sort_values(key).reset_index(drop=True)
    b = whole.astype({"kpi_id": str, "sources": str, "status": str}).sort_values(key).reset_index(drop=True)
    assert a[key].equals(b[key])
    assert a["value"].to_numpy() == pytest.approx(b["value"].to_numpy(), rel=1e-12, nan_ok=True)
    for column in ("status", "provisional", "harmonised", "example", "suppressed", "sources"):
        assert a[column].tolist() == b[column].tolist(), column


def test_one_year_alone_is_that_year_of_every_year_reading_the_next_year_too(today, demo_template, library):
    with Store.open(demo_template, read_only=True) as store:
        year = evaluate(store, library, ["population_growth"], harmonise_on=TODAY, years=(2022, 2022))
    assert set(year["period"]) == {"2022"}
    # growth labelled 2022 reads 1-1-2023 (lead): read although 2023 is not asked for
    row = _row(year, "population_growth", "GM0363", "2022")
    assert row["value"] == pytest.approx((918117 / (882633 + 20766) - 1) * 100)
    assert row["harmonised"]
    _same_rows(year, today[today["period"] == "2022"])


def test_one_region_alone_is_its_rows_of_every_region(today, historical, demo_template, library):
    with Store.open(demo_template, read_only=True) as store:
        on_today = evaluate(store, library, ["population_growth"], harmonise_on=TODAY, regions=["GM0363"])
        then = evaluate(store, library, ["population_growth"], regions=["GM0363", "GM0457"])
    # on today's division Amsterdam's history includes Weesp's figures, read although Weesp is not asked for
    assert _row(on_today, "population_growth", "GM0363", "2022")["value"] == pytest.approx((918117 / (882633 + 20766) - 1) * 100)
    _same_rows(on_today, today[today["region_code"] == "GM0363"])
    _same_rows(then, historical[historical["region_code"].isin(["GM0363", "GM0457"])])
