"""The evaluation kept in the file (`Store.keep_evaluation`, `koers.kpis.evaluate.keep`): the demo
database carries it, `evaluate` reads it back — and only for exactly the query and the figures it
was made from. Compared with the query run live on a copy without the kept rows."""
from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from conftest import CBS, run_cli
from koers.kpis.evaluate import evaluate, keep
from koers.kpis.library import load_library
from koers.store import Store

KEY = ["kpi_id", "region_code", "period"]
MARK = -123456.0  # a value no KPI has: where it shows, the row came from the kept table


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture
def live(demo_db, tmp_path):
    """A copy of the demo database without the kept rows: every evaluation on it runs the query."""
    path = tmp_path / "live.duckdb"
    shutil.copy(demo_db, path)
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM kept_evaluation")
    con.close()
    return path


def run(path, library, **options) -> pd.DataFrame:
    with Store.open(path, read_only=True) as store:
        frame = evaluate(store, library, **options)
    return frame.astype({"kpi_id": str, "sources": str, "status": str}).sort_values(KEY).reset_index(drop=True)


def sql(path, statement: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path))
    try:
        return con.execute(statement, params or []).fetchall()
    finally:
        con.close()


def mark_amsterdam_2024(path) -> int:
    """Every kept row of Amsterdam 2024 set to MARK; how many."""
    return sql(path, "UPDATE kept_evaluation SET value = ? WHERE region_code = 'GM0363' AND period = '2024'", [MARK])[0][0]


@pytest.mark.slow  # the whole library evaluated four times, ~6 s
def test_the_demo_keeps_both_divisions_and_they_are_the_evaluation_row_for_row(demo_db, live, library):
    assert sql(demo_db, "SELECT count(DISTINCT key) FROM kept_evaluation")[0][0] == 2
    for on in (dt.date.today(), None):
        kept, fresh = run(demo_db, library, harmonise_on=on), run(live, library, harmonise_on=on)
        assert len(kept) > 300_000
        pd.testing.assert_frame_equal(kept, fresh)
    # One municipality: the same rows as its own query.
    pd.testing.assert_frame_equal(run(demo_db, library, harmonise_on=dt.date.today(), regions=["GM0363"]),
                                  run(live, library, harmonise_on=dt.date.today(), regions=["GM0363"]))


def test_a_years_rows_are_the_full_evaluations(demo_db, live, library):
    """The kept rows of a year: every value its own query gives, equal; beyond those only rows of a
    region's year between its first and last figure without any figure (nothing known)."""
    kept = run(demo_db, library, harmonise_on=dt.date.today(), years=(2024, 2024))
    fresh = run(live, library, harmonise_on=dt.date.today(), years=(2024, 2024))
    both = kept.merge(fresh, on=KEY, how="left", suffixes=("", "_fresh"), indicator=True)
    found = both[both["_merge"] == "both"]
    assert len(found) == len(fresh) > 20_000
    assert ((found["value"] == found["value_fresh"]) | (found["value"].isna() & found["value_fresh"].isna())).all()
    assert (found["status"] == found["status_fresh"]).all() and (found["sources"] == found["sources_fresh"]).all()
    assert both.loc[both["_merge"] == "left_only", "value"].isna().all()
    assert set(kept["period"]) == {"2024"}


def test_kept_rows_are_read_back_and_a_changed_figure_sets_them_aside(demo_db, library):
    assert mark_amsterdam_2024(demo_db) > 50
    amsterdam = run(demo_db, library, harmonise_on=dt.date.today(), regions=["GM0363"])
    assert (amsterdam.loc[amsterdam["period"] == "2024", "value"] == MARK).all()  # read back, not evaluated
    assert (run(demo_db, library, harmonise_on=dt.date.today(), years=(2024, 2024))
            .set_index(["kpi_id", "region_code"])["value"].xs("GM0363", level="region_code") == MARK).all()
    # Any write to a figure, by any path (here: straight into the table), changes the key.
    sql(demo_db, "UPDATE observation_data SET value = value + 1 "
                 "WHERE rowid = (SELECT min(rowid) FROM observation_data WHERE value IS NOT NULL)")
    again = run(demo_db, library, harmonise_on=dt.date.today(), regions=["GM0363"])
    assert MARK not in set(again["value"]) and again["value"].notna().sum() > 100


def test_only_the_division_it_was_made_on(demo_db, live, library):
    """Today's kept rows hold for every date with today's division; a date before the last merger
    (Groningen, 1 January 2019, is one of many since) is evaluated on its own division."""
    mark_amsterdam_2024(demo_db)
    last_change = sql(demo_db, "SELECT max(d) FROM (SELECT event_date AS d FROM region_event UNION ALL "
                               "SELECT valid_from FROM region UNION ALL SELECT valid_to FROM region) WHERE d <= current_date")[0][0]
    same = run(demo_db, library, harmonise_on=last_change, regions=["GM0363"])
    assert (same.loc[same["period"] == "2024", "value"] == MARK).all()
    before = dt.date(2018, 12, 31)
    older = run(demo_db, library, harmonise_on=before, regions=["GM0363"])
    assert MARK not in set(older["value"])
    pd.testing.assert_frame_equal(older, run(live, library, harmonise_on=before, regions=["GM0363"]))


def test_districts_are_never_read_from_the_kept_rows(demo_db, live, library):
    district = sql(demo_db, "SELECT min(code) FROM region WHERE kind = 'district' AND code LIKE 'WK0363%'")[0][0]
    kept = run(demo_db, library, harmonise_on=dt.date.today(), regions=[district])
    assert kept["value"].notna().sum() > 0  # the kept rows have none of a district's: read, they were empty
    pd.testing.assert_frame_equal(kept, run(live, library, harmonise_on=dt.date.today(), regions=[district]))


def test_another_library_is_evaluated_on_its_own(demo_db, library):
    """The key names the query: a library with one KPI less (another plan) reads nothing kept."""
    mark_amsterdam_2024(demo_db)
    fewer = replace(library, kpis=dict(list(library.kpis.items())[1:]))
    frame = run(demo_db, fewer, harmonise_on=dt.date.today(), regions=["GM0363"])
    assert MARK not in set(frame["value"]) and frame["value"].notna().sum() > 100


@pytest.mark.slow  # a CLI import and the whole library evaluated twice, ~15 s
def test_an_import_on_the_command_line_keeps_the_evaluation_of_its_figures(demo_db, library):
    mark_amsterdam_2024(demo_db)
    done = run_cli("import", "cbs-odata4", str(CBS / "03759ned"), db=demo_db)
    assert done.returncode == 0, done.stderr
    assert sql(demo_db, "SELECT count(DISTINCT key) FROM kept_evaluation")[0][0] == 2
    assert sql(demo_db, "SELECT count(*) FROM kept_evaluation WHERE value = ?", [MARK])[0][0] == 0  # made again
    # ... and read back: marked anew, the mark shows.
    mark_amsterdam_2024(demo_db)
    frame = run(demo_db, library, harmonise_on=dt.date.today(), regions=["GM0363"])
    assert (frame.loc[frame["period"] == "2024", "value"] == MARK).all()


def test_keep_on_an_empty_store_keeps_nothing(tmp_path, library):
    with Store.open(tmp_path / "empty.duckdb") as store:
        assert keep(store, library) == 0
