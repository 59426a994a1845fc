"""Overzicht urgency first: per theme the status count and the outcome cards off track, at risk, on
track, without target, without data; each card with its change since the year before, the reason
for its status and its open actions; `?filter=uitkoers` leaves only what is off track; sparklines
end at the selected year.

Aa en Hunze (GM1680) in 2019 on today's division: six outcomes off track, the first of them
"Waardering dienstverlening gemeente" (service_satisfaction, theme 1): 7,20 in 2019 (6,80 in 2018),
the 2026 example target 7,15 with tolerance 0,21, the Theil-Sen line over 2015-2019 reaching 6,10
in 2026: off track, though this year's value is above the target. Every series runs on to 2024.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1.element_tree import Block

from conftest import markdown_tables, sparklines
from koers import present
from koers.access import LOCAL
from koers.demo.loop import add_loop_examples
from koers.kpis.assess import kpi_overview
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.loop import learning
from koers.store import Store

REGION, YEAR = "GM1680", 2019  # Aa en Hunze
FIRST = "service_satisfaction"
COUNTS = re.compile(r"^(\d+) uit koers · (\d+) risico · (\d+) op koers · (\d+) te weinig jaren · (\d+) zonder doel · (\d+) zonder data$")


@pytest.fixture(scope="module")
def layer(demo_shared):
    """The KPI layer for REGION in YEAR, as the page asks it: today's division, peers by size."""
    with Store.open(demo_shared, read_only=True) as store:
        library = load_library(None, store.known_indicator_ids())
        results = evaluate(store, library, harmonise_on=dt.date.today())
        overview = kpi_overview(store, library, REGION, YEAR, harmonise_on=dt.date.today(), results=results)
    return library, results, overview


def cards(block) -> list[Block]:
    """The page's cards in reading order: each block holding a metric among its own children."""
    found = []
    for child in block.children.values():
        if isinstance(child, Block):
            if any(getattr(grandchild, "type", None) == "metric" for grandchild in child.children.values()):
                found.append(child)
            else:
                found.extend(cards(child))
    return found


def title(library, kpi_id: str) -> str:
    return present.plain(library.kpis[kpi_id].title.nl)  # a card's label is the title as written


@pytest.mark.slow  # the whole dashboard, the library evaluated on today's division
def test_cards_run_urgency_first_within_each_theme_and_the_counts_are_the_kpi_layers(app_on, demo_shared, layer):
    library, _, overview = layer
    outcomes = overview[overview["kind"] == "outcome"]
    at = app_on(demo_shared, gemeente=REGION, jaar=str(YEAR))
    assert not at.error, [e.value for e in at.error]

    shown = cards(at.main)
    assert shown[0].metric[0].label == title(library, FIRST)
    assert outcomes.set_index("kpi_id").at[FIRST, "status"] == "off_track"

    # Every outcome has one card; per theme, statuses never go back up the order of urgency.
    by_title = {title(library, k): k for k in outcomes["kpi_id"]}
    order = [by_title[card.metric[0].label] for card in shown]
    assert sorted(order) == sorted(outcomes["kpi_id"])
    status = outcomes.set_index("kpi_id")["status"]
    theme = outcomes.set_index("kpi_id")["theme"]
    ranks = [(int(theme[k]), present.STATUS_ORDER.index(status[k])) for k in order]
    assert ranks == sorted(ranks)

    # The counts: all outcomes at the top, then one line per theme, counted here from the KPI layer.
    def counted(rows: pd.DataFrame) -> tuple[int, ...]:
        found = rows["status"].value_counts()
        return tuple(int(found.get(s, 0)) for s in present.STATUS_ORDER)

    lines = [tuple(int(n) for n in COUNTS.match(m.value).groups()) for m in at.markdown if COUNTS.match(m.value)]
    assert lines == [counted(outcomes)] + [counted(outcomes[outcomes["theme"] == n]) for n in (1, 2, 3)]
    assert lines[0] == (6, 1, 16, 1, 0, 4) and lines[1] == (2, 0, 2, 0, 0, 0)  # as the demo has it for Aa en Hunze 2019


@pytest.mark.slow  # the whole dashboard, the library evaluated on today's division
def test_a_card_says_why_its_off_track_and_how_it_changed(app_on, demo_shared, layer):
    library, results, overview = layer
    row = overview.set_index("kpi_id").loc[FIRST]
    at = app_on(demo_shared, gemeente=REGION, jaar=str(YEAR))
    card = cards(at.main)[0]
    texts = [m.value for m in card.markdown]

    # The reason: where the current pace lands in the target year, against the target.
    assert (int(row["target_year"]), round(row["projected"], 2), row["target"]) == (2026, 6.10, 7.15)
    # under the status badge, in the same element
    reason = next(text.split("  \n", 1)[1] for text in texts if "-badge[" in text and "  \nProjectie" in text)
    assert reason.startswith("Projectie 2026: 6,10 — doel 7,15")
    assert f"Projectie 2026: {present.number(row['projected'], 'nl')}" in reason
    assert "hoger is beter" in reason and "marge 0,21" in reason  # the example target's tolerance

    # The change since 2018, with the unit; up is good for this KPI: a green arrow up.
    series = results[(results["kpi_id"] == FIRST) & (results["region_code"] == REGION)].set_index("period")["value"]
    assert (series["2018"], series["2019"]) == (pytest.approx(6.8), pytest.approx(7.2))
    metric = card.metric[0]
    assert metric.value == "7,20"
    assert metric.proto.delta == "+0,40"  # the unit is in the caption beneath (a long one was cut off)
    assert metric.proto.delta_description == "t.o.v. 2018"
    assert metric.proto.color == metric.proto.MetricColor.GREEN
    # Lower is better: a fall is green (absolute absenteeism, 3,50 in 2019 from 4,00 in 2018).
    absent = next(c.metric[0] for c in cards(at.main) if c.metric[0].label == title(library, "absolute_absenteeism_per_1000"))
    assert absent.proto.delta == "-0,49" and absent.proto.color == absent.proto.MetricColor.GREEN

    # Invented figures stay marked: the badge and the flags.
    assert any(":violet-badge[:material/cancel: uit koers] (voorbeelddoel)  \n" in text for text in texts)  # the mark after the badge: it fits
    flags = next(m.value for m in card.markdown if "⚑" in m.value)  # the small print under the status
    assert "⚑ waarde fictief (voorbeelddata)" in flags and "⚑ doel fictief (voorbeelddoel)" in flags


@pytest.mark.slow  # the whole dashboard, the library evaluated on today's division
def test_the_filter_leaves_only_off_track_cards_and_lives_in_the_url(app_on, demo_shared, layer):
    library, _, overview = layer
    off = overview[(overview["kind"] == "outcome") & (overview["status"] == "off_track")]
    assert len(off) == 6
    at = app_on(demo_shared, gemeente=REGION, jaar=str(YEAR), filter="uitkoers")
    assert not at.error, [e.value for e in at.error]
    labels = [card.metric[0].label for card in cards(at.main)]
    assert sorted(labels) == sorted(title(library, k) for k in off["kpi_id"])
    assert labels[0] == title(library, FIRST)
    assert at.query_params["filter"] in ("uitkoers", ["uitkoers"])
    # Theme 2 has none: it says so, and its counts still count every outcome.
    assert any(c.value == "Geen outcomes uit koers in dit thema." for c in at.caption)

    at.segmented_control(key="filter").set_value("alle").run()
    assert len(cards(at.main)) == int((overview["kind"] == "outcome").sum()) == 28
    assert at.query_params["filter"] in ("alle", ["alle"])
    # A value the filter does not know: everything, under a one-line notice naming it.
    odd = app_on(demo_shared, gemeente=REGION, jaar=str(YEAR), filter="rood")
    assert len(cards(odd.main)) == 28
    assert any("filter" in w.value and "rood" in w.value for w in odd.warning)


@pytest.mark.slow  # the whole dashboard, the library evaluated on today's division
def test_sparklines_end_at_the_selected_year(app_on, demo_shared, layer):
    _, results, overview = layer
    mine = results[(results["region_code"] == REGION) & results["value"].notna()]
    assert (mine["period"] > str(YEAR)).any(), "the demo has values after the selected year"
    at = app_on(demo_shared, gemeente=REGION, jaar=str(YEAR))
    sparks = sparklines(at.main)
    outcomes = set(overview.loc[overview["kind"] == "outcome", "kpi_id"])
    drawn = set(mine.loc[mine["kpi_id"].isin(outcomes) & (mine["period"] <= str(YEAR)), "kpi_id"])
    assert len(sparks) == len(drawn) == 25  # three outcomes have no value up to 2019: no line
    for line in sparks:
        years = list(line)
        assert years[-1] == str(YEAR) and years == [str(n) for n in range(int(years[0]), YEAR + 1)]
    # the card of service_satisfaction: its values 2015-2019, nothing after
    spark = sparklines(cards(at.main)[0])[0]
    series = results[(results["kpi_id"] == FIRST) & (results["region_code"] == REGION) & results["value"].notna()]
    expected = series[series["period"] <= str(YEAR)].sort_values("period")
    assert list(spark) == expected["period"].tolist()
    assert list(spark.values()) == pytest.approx(expected["value"].tolist())


@pytest.mark.slow  # the whole dashboard, the library evaluated on today's division
def test_a_card_shows_the_open_actions_on_its_kpi(app_on, demo_db):
    today = dt.date.today()
    with Store.open(demo_db) as store:
        library = load_library(None, store.known_indicator_ids())
        add_loop_examples(store, library, today=today)  # Amsterdam: one planned action on youth unemployment
        late = today - dt.timedelta(days=10)
        learning.save_action(store, library, LOCAL, {"region_code": "GM0363", "title": "Wachttijd balie [halveren]",
                                                     "owner": "Team Publiekszaken", "kpi_ids": [FIRST], "due_date": late})
        learning.save_action(store, library, LOCAL, {"region_code": "GM0363", "title": "Klaar: enquête", "status": "done",
                                                     "owner": "Team Publiekszaken", "kpi_ids": [FIRST], "due_date": late})
    at = app_on(demo_db, gemeente="GM0363", jaar="2024")
    assert not at.error, [e.value for e in at.error]
    by_label = {card.metric[0].label: card for card in cards(at.main)}

    youth = by_label[title(library, "youth_unemployment")]
    due = (today + dt.timedelta(days=120)).strftime("%d-%m-%Y")
    assert any(f"{present.plain('Voorbeeld: jongerenloket naar alle stadsdelen')} — einddatum {due}" in c.value
               and "alarm" not in c.value for c in youth.markdown)  # in the card's small print

    service = by_label[title(library, FIRST)]
    actions = next(m.value for m in service.markdown if "Open acties" in m.value)
    assert f":material/alarm: {present.plain('Wachttijd balie [halveren]')} — einddatum {late.strftime('%d-%m-%Y')} (verlopen)" in actions
    assert "enquête" not in actions  # done: not open

    # An output's open action shows in its theme's table, overdue marked.
    table = next(d for d in markdown_tables(at) if "Open acties" in d.columns
                 and (d["KPI"] == library.kpis["new_dwellings_per_1000"].title.nl).any())
    cell = table.loc[table["KPI"] == library.kpis["new_dwellings_per_1000"].title.nl, "Open acties"].iloc[0]
    overdue = (today - dt.timedelta(days=30)).strftime("%d-%m-%Y")
    assert cell == f"◷ Voorbeeld: versnellingsteam woningbouw — einddatum {overdue} (verlopen)"  # a cell: no markdown


# --- the presentation rules the cards use (no dashboard) --------------------------------------------


def row(**values) -> dict:
    base = {"status": "off_track", "value": 7.2, "suppressed": False, "target": 7.15, "target_year": 2026,
            "projected": 6.1, "tolerance": 0.21, "next_target": float("nan"), "next_target_year": float("nan")}
    return base | values


def test_the_reason_for_each_kind_of_status():
    assert present.status_reason(row(), "higher_is_better", 2019, "nl") == \
        "Projectie 2026: 6,10 — doel 7,15 (marge 0,21; hoger is beter)"
    assert present.status_reason(row(), "higher_is_better", 2019, "en") == \
        "Projection 2026: 6.10 — target 7.15 (tolerance 0.21; higher is better)"
    # A target in the selected year: the value itself against it; no tolerance, no "marge".
    assert present.status_reason(row(target_year=2019, value=6.9, tolerance=0.0), "lower_is_better", 2019, "nl") == \
        "Waarde 2019: 6,90 — doel 7,15 (lager is beter)"
    assert present.status_reason(row(projected=None), "higher_is_better", 2019, "nl") == \
        "Geen projectie (te weinig jaren) — doel 2026: 7,15 (marge 0,21; hoger is beter)"
    assert present.status_reason(row(status="no_target", target=None, target_year=None), "higher_is_better", 2019, "nl") == \
        "Geen doel vastgesteld"
    later = row(status="no_target", target=None, target_year=None, next_target=64.8, next_target_year=2026.0)
    assert present.status_reason(later, "higher_is_better", 2019, "nl") == "Doel 2026: 64,8; te weinig jaren voor een projectie"
    assert present.status_reason(row(status="no_data", value=None), "higher_is_better", 2024, "nl") == "Geen waarde voor 2024"
    # Withheld: no reason at all (it would say something about the hidden number).
    assert present.status_reason(row(status="no_data", value=None, suppressed=True), "higher_is_better", 2024, "nl", 10) == ""


def test_changes_counts_order_and_actions_as_the_cards_show_them():
    assert present.change_text(0.4000000001, "kg", "nl") == "+0,40 kg"
    assert present.change_text(-160.0, "m³ per woning", "nl") == "-160 m³ per woning"
    assert present.change_text(float("nan"), "kg", "nl") is None
    assert present.urgency_counts_text(["on_track", "off_track", "off_track", "no_data", "unknown"], "nl") == \
        "2 uit koers · 0 risico · 1 op koers · 0 te weinig jaren · 0 zonder doel · 2 zonder data"
    frame = pd.DataFrame({"kpi_id": ["a", "b", "c", "d", "e"], "theme": [2, 1, 1, 1, 1],
                          "kind": ["outcome", "output", "outcome", "outcome", "outcome"],
                          "status": ["off_track", "off_track", "no_data", "on_track", "on_track"]})
    titles = {"a": "A", "b": "B", "c": "C", "d": "zeta", "e": "Alfa"}
    assert present.urgency_order(frame, titles)["kpi_id"].tolist() == ["e", "d", "c", "b", "a"]
    assert present.action_line("Loket", dt.date(2026, 11, 6), True, "nl") == ":material/alarm: Loket — einddatum 06-11-2026 (verlopen)"
    assert present.action_line("Loket", dt.date(2026, 11, 6), True, "nl", markdown=False) == "◷ Loket — einddatum 06-11-2026 (verlopen)"
    assert present.action_line("Loket", dt.date(2026, 11, 6), False, "nl") == "Loket — einddatum 06-11-2026"
    assert present.action_line("Loket", pd.NaT, False, "en") == "Loket — no due date"


def test_card_rows_take_the_year_before_and_the_targets_tolerance():
    overview = pd.DataFrame({"kpi_id": ["a", "b", "c"], "value": [7.2, np.nan, 5.0],
                             "target": [7.15, np.nan, np.nan], "target_year": [2026.0, np.nan, np.nan]})
    series = {"a": pd.DataFrame({"period": ["2017", "2018", "2019", "2020"], "value": [6.0, 6.8, 7.2, 7.0]}),
              "b": pd.DataFrame({"period": ["2018", "2019"], "value": [3.0, np.nan]}),  # withheld in 2019
              "c": pd.DataFrame({"period": ["2017", "2019"], "value": [4.0, 5.0]})}  # no 2018: no change
    targets = pd.DataFrame({"kpi_id": ["a", "a", "c", "c"], "year": [2026, 2028, 2017, 2026],
                            "value": [7.15, 7.3, 4.5, 6.0], "tolerance": [0.21, 0.2, 0.1, 0.3]})
    rows = present.card_rows(overview, series, targets, {"a": "higher_is_better", "b": "lower_is_better"}, 2019)
    rows = rows.set_index("kpi_id")
    assert rows.at["a", "previous"] == 6.8 and rows.at["a", "change"] == pytest.approx(0.4)
    assert rows.at["b", "previous"] == 3.0 and np.isnan(rows.at["b", "change"])  # nothing from a hidden value
    assert np.isnan(rows.at["c", "previous"]) and np.isnan(rows.at["c", "change"])
    assert rows["polarity"].tolist() == ["higher_is_better", "lower_is_better", "neither"]
    assert rows.at["a", "tolerance"] == 0.21 and np.isnan(rows.at["c", "tolerance"])
    assert (rows.at["a", "next_target"], rows.at["a", "next_target_year"]) == (7.15, 2026)
    assert (rows.at["c", "next_target"], rows.at["c", "next_target_year"]) == (6.0, 2026)  # 2017's is past
    assert np.isnan(rows.at["b", "next_target"])


def test_open_actions_are_listed_under_each_kpi_they_name():
    actions = pd.DataFrame({"title": ["late", "done", "both"], "status": ["in_progress", "done", "planned"],
                            "kpi_ids": [["a"], ["a"], ["a", "b"]], "overdue": [True, False, False]})
    found = present.open_actions_by_kpi(actions, ("planned", "in_progress"))
    assert {k: v["title"].tolist() for k, v in found.items()} == {"a": ["late", "both"], "b": ["both"]}
    assert present.open_actions_by_kpi(actions[actions["status"] == "done"], ("planned",)) == {}


@pytest.mark.slow  # the whole dashboard, the library evaluated on today's division
def test_invented_figures_are_marked_in_the_overviews_tables(app_on, demo_shared, layer):
    """A change since last year, and an output's or input's value, that rest on the demo's invented
    series say so in the row, as the cards do."""
    library, results, overview = layer
    at = app_on(demo_shared, gemeente=REGION, jaar=str(YEAR))
    by_title = {kpi.title.nl: kpi_id for kpi_id, kpi in library.kpis.items()}
    mine = results[(results["region_code"] == REGION) & results["period"].isin([str(YEAR - 1), str(YEAR)])]
    invented = mine.groupby("kpi_id", observed=True)["example_value"].any()

    changed = next(d for d in markdown_tables(at) if "%" in d.columns)
    expected = ["waarde fictief (voorbeelddata)" if invented[by_title[k]] else "" for k in changed["KPI"]]
    assert changed["⚑"].tolist() == expected
    assert "waarde fictief (voorbeelddata)" in expected and "" in expected  # both kinds are in the demo's table

    others = pd.concat([d for d in markdown_tables(at) if "Open acties" in d.columns])
    rows = overview.set_index("kpi_id")
    for title_nl, flags in zip(others["KPI"], others["⚑"]):
        row = rows.loc[by_title[title_nl]]
        assert ("waarde fictief (voorbeelddata)" in flags) == bool(row["example_value"]), title_nl
    assert others["⚑"].str.contains("voorbeelddata").any()


@pytest.mark.slow  # the whole dashboard, the library evaluated on today's division
def test_an_action_another_replica_saves_shows_on_the_next_run(app_on, demo_db, shared_backend):
    """The learning loop is cached (`reads._loop`) on what people wrote: the file's signature, and
    on a shared database the audit trail's length. An action saved and then closed elsewhere — by
    another replica, through the engine — appears on the card at the next run and goes again."""
    at = app_on(demo_db, gemeente="GM0363", jaar="2024")
    assert not at.error, [e.value for e in at.error]
    with Store.open(demo_db, people_only=True) as store:
        library = load_library(None, store.known_indicator_ids())
        action = {"region_code": "GM0363", "title": "Balie op zaterdag", "owner": "Team Publiekszaken", "kpi_ids": [FIRST]}
        saved = learning.save_action(store, library, LOCAL, action)

    def shown(at) -> bool:
        card = {card.metric[0].label: card for card in cards(at.main)}[title(library, FIRST)]
        return any("Balie op zaterdag" in m.value for m in card.markdown)

    assert not shown(at)
    at.run()
    assert shown(at)
    with Store.open(demo_db, people_only=True) as store:
        learning.save_action(store, library, LOCAL, {**action, "status": "done"}, key=saved["id"], version=saved["version"])
    at.run()
    assert not shown(at)
