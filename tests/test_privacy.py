"""Small numbers: a KPI value resting on a count below its privacy threshold is shown as withheld in
words ("afgeschermd (aantal minder dan n)") on every page that shows it, never as a number, and left
empty (flagged `suppressed`) in the files. Schiermonnikoog (GM0088) in 2024 has eleven
suppressed KPIs in the demo database (youth and school figures of a municipality of ~950 people).

Other paths have their own tests: the KPI page and its downloads (test_page_kpi_loop.py), the
reports (test_report.py), review snapshots (test_review.py), the command line (test_cli_report.py).
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import ROOT
from koers import present
from koers.access import LOCAL
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.store import Store

REGION, YEAR = "GM0088", 2024
OUTCOME = "youth_unemployment"  # theme 2, outcome, suppressed for GM0088 in 2024
PAGES = ROOT / "pages"


@pytest.fixture
def evaluated(demo_db):
    with Store.open(demo_db, read_only=True) as store:
        library = load_library(None, store.known_indicator_ids())
        return library, evaluate(store, library)


def test_the_demo_has_suppressed_values_to_test_with(evaluated):
    library, results = evaluated
    row = results[(results["kpi_id"] == OUTCOME) & (results["region_code"] == REGION) & (results["period"] == str(YEAR))]
    assert row["suppressed"].tolist() == [True] and row["value"].isna().all()
    assert library.kpis[OUTCOME].privacy_threshold == 10


def cells(at, column: str) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if column in d.value.columns]


@pytest.mark.slow
def test_overview_cards_show_less_than_n(app_on, demo_db, evaluated):
    library, _ = evaluated
    at = app_on(demo_db, gemeente=REGION, jaar=str(YEAR))
    shown = {m.label: m.value for m in at.metric}  # a card's label is the title as written (present.plain)
    assert shown[present.plain(library.kpis[OUTCOME].title.nl)] == "afgeschermd (aantal minder dan 10)"
    assert shown[present.plain(library.kpis["early_school_leavers_share"].title.nl)] == "afgeschermd (aantal minder dan 10)"


@pytest.mark.slow
def test_compare_map_ranking_and_side_by_side_show_less_than_n(app_on, demo_db, evaluated):
    library, results = evaluated
    at = app_on(demo_db, PAGES / "vergelijken.py", gemeente=REGION, jaar=str(YEAR), vkpi=OUTCOME,
                vergelijk=f"{REGION},GM0363", vthema="2")
    assert not at.error, [e.value for e in at.error]
    suppressed = set(results.loc[(results["kpi_id"] == OUTCOME) & (results["period"] == str(YEAR))
                                 & results["suppressed"] & results["region_code"].str.startswith("GM"), "region_code"])
    tables = cells(at, "code")
    map_table, ranking = tables[0], tables[1]
    for table in (map_table, ranking):
        hidden = table[table["code"].isin(suppressed)]
        assert len(hidden) == len(suppressed) > 0 and set(hidden["Waarde"]) == {"afgeschermd (aantal minder dan 10)"}
        assert not table.loc[~table["code"].isin(suppressed), "Waarde"].eq("afgeschermd (aantal minder dan 10)").any()
    assert ranking.loc[ranking["code"] == REGION, "Rang"].isna().all()  # not ranked
    assert any("wordt ter bescherming van de privacy niet getoond (afgeschermd)" in m.value for m in at.markdown)
    side = next(d.value for d in at.dataframe if any(REGION in c for c in d.value.columns))
    column = next(c for c in side.columns if REGION in c)
    row = side[side["KPI"] == library.kpis[OUTCOME].title.nl]
    assert row[column].tolist() == ["afgeschermd (aantal minder dan 10)"]


@pytest.mark.slow
def test_theme_chain_and_trend_tables_show_less_than_n(app_on, demo_db, evaluated):
    library, _ = evaluated
    at = app_on(demo_db, PAGES / "thema.py", gemeente=REGION, jaar=str(YEAR), thema="2")
    assert not at.error, [e.value for e in at.error]
    title = library.kpis[OUTCOME].title.nl
    chain = next(d.value for d in at.dataframe if "Bijdrage aan" in " ".join(d.value.columns) or "KPI" in d.value.columns)
    assert chain.loc[chain["KPI"] == title, "Waarde"].tolist() == ["afgeschermd (aantal minder dan 10)"]
    trend = next(d.value for d in at.dataframe if "Periode" in d.value.columns and "KPI" in d.value.columns
                 and (d.value["KPI"] == title).any())
    assert trend.loc[(trend["KPI"] == title) & (trend["Periode"] == str(YEAR)), "Waarde"].tolist() == ["afgeschermd (aantal minder dan 10)"]


@pytest.mark.slow
def test_the_command_line_kpi_overview_prints_less_than_n(demo_db):
    import io
    import json as json_module

    from conftest import run_cli

    done = run_cli("kpi", "--region", REGION, "--year", str(YEAR), "--theme", "2", db=demo_db)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(io.StringIO(done.stdout), dtype=str, keep_default_na=False).set_index("kpi_id")
    assert table.at[OUTCOME, "value"] == "" and table.at[OUTCOME, "suppressed"] == "True"  # empty, flagged
    assert table.at[OUTCOME, "fill_from"] == ""  # not "no data": there is data, it is withheld
    rows = json_module.loads(run_cli("kpi", "--region", REGION, "--year", str(YEAR), "--format", "json", db=demo_db).stdout)
    row = next(r for r in rows if r["kpi_id"] == OUTCOME)
    assert row["value"] is None and row["shown"] == "withheld (count fewer than 10)"


@pytest.mark.slow
def test_the_command_line_observations_print_small_counts_as_less_than_n(demo_db, evaluated):
    import io

    from conftest import run_cli

    done = run_cli("observations", "--indicator", "youth_offenders", "--period", str(YEAR), db=demo_db)
    table = pd.read_csv(io.StringIO(done.stdout), dtype=str, keep_default_na=False).set_index("region_code")
    assert table.at[REGION, "value"] == "" and table.at[REGION, "suppressed"] == "True"  # empty, flagged
    with Store.open(demo_db, read_only=True) as store:
        raw = store.observations("youth_offenders", period=str(YEAR)).set_index("region_code")["value"]
    small = raw[raw < 10].index
    assert len(small) > 0 and set(table.loc[small, "value"]) == {""} and set(table.loc[small, "suppressed"]) == {"True"}
    big = raw[raw >= 10].index[0]
    assert table.at[big, "value"] == str(int(raw[big])) and table.at[big, "suppressed"] == "False"


@pytest.mark.slow
def test_the_studio_preview_shows_less_than_n(app_on, demo_db):
    at = app_on(demo_db, PAGES / "studio.py")
    at.session_state["jaar"] = YEAR  # switching pages in AppTest resets the selection
    at.session_state["studio_choice"] = OUTCOME
    at.run()
    assert not at.error, [e.value for e in at.error]
    preview = next(d.value for d in at.dataframe if {"Code", "Waarde"} <= set(d.value.columns))
    assert preview.loc[preview["Code"] == REGION, "Waarde"].tolist() == ["afgeschermd (aantal minder dan 10)"]


@pytest.mark.slow
def test_the_data_quality_outliers_show_small_counts_as_less_than_n(app_on, demo_db, tmp_path):
    from koers.sources import own_file

    # A year in which Schiermonnikoog's count of young offenders (2) stands far below the rest.
    regions = ["GM0363", "GM0344", "GM0599", "GM0518", "GM0014", "GM0034", "GM0772", "GM0855", "GM0153", "GM0193"]
    lines = [f"youth_offenders;{code};2027;{100 + number}" for number, code in enumerate(regions)]
    path = tmp_path / "jeugd.csv"
    path.write_text("indicator;gemeentecode;jaar;waarde\n" + "\n".join(lines + [f"youth_offenders;{REGION};2027;2"]) + "\n",
                    encoding="utf-8")
    with Store.open(demo_db) as store:
        store.commit_import(own_file.load(path), actor=LOCAL)
    at = app_on(demo_db, PAGES / "data.py")
    at.session_state["data_outlier_indicator"] = "youth_offenders"
    at.run()
    assert not at.error, [e.value for e in at.error]
    outliers = next(d.value for d in at.dataframe if "z" in " ".join(map(str, d.value.columns)).lower()
                    and any(REGION in str(v) for v in d.value.iloc[:, 0]))
    row = outliers[outliers.iloc[:, 0].astype(str).str.contains(REGION)]
    assert row.iloc[0, 1] == "afgeschermd: minder dan 10"  # a count: fewer than n of them
    assert not outliers.iloc[:, 1].astype(str).str.startswith("2 ").any()
