"""Presentatie: the council review mode — large type, one KPI or one theme per screen, off-track
first, previous/next with the arrow keys.

With a review session chosen, every figure comes from its frozen snapshot (what the council was
shown then); without one, from the live overview of the selected year. Status is a symbol and a
word (never a colour alone); a suppressed value is withheld in words (present.marker).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from koers import present
from koers.access import Permission
from koers.dashboard import reads, view, widgets
from koers.dashboard.view import fmt, t
from koers.loop import presentation, review
from metrics.model import Theme

LIVE = 0  # the source choice "live figures" (session ids start at 1)
state = st.session_state

# Scoped to this page's container (`st.container(key="presentatie")` gets the class below), so
# nothing else in the dashboard grows when the style block stays in the page's head.
CSS = """<style>
.st-key-presentatie h2 { font-size: 3.2rem !important; line-height: 1.2; }
.st-key-presentatie h3 { font-size: 2.2rem !important; }
.st-key-presentatie p, .st-key-presentatie li { font-size: 1.6rem !important; line-height: 1.5; }
.st-key-presentatie [data-testid="stMetricValue"] { font-size: 4rem !important; }
.st-key-presentatie [data-testid="stMetricLabel"] p { font-size: 1.6rem !important; }
.st-key-presentatie [data-testid="stBadge"], .st-key-presentatie .stMarkdownBadge { font-size: 1.6rem !important; }
</style>"""


def unit_of(row: pd.Series) -> str:
    """The row's unit in the view's language: a frozen row holds the Dutch unit of its day."""
    return present.frozen_unit(row["unit"], reads.library().kpis.get(row["kpi_id"]), view.selection().lang)


def shown_value(row: pd.Series) -> str:
    return widgets.shown(row["value"], row["suppressed"], row["privacy_threshold"], unit=unit_of(row))


def target_text(row: pd.Series) -> str:
    if pd.isna(row["target"]):
        return t("presentation_page.no_target")
    return t("presentation_page.target", target=present.plain(view.with_unit(fmt(row["target"]), unit_of(row))),
             year=int(row["target_year"]))


def series_of(row: pd.Series, region: str, frozen: bool) -> pd.DataFrame:
    """period, value, suppressed: the frozen series of the snapshot, or the live one."""
    if frozen:
        return review.series_of(row)
    return presentation.live_series(reads.series(region).get(row["kpi_id"]))


def kpi_screen(row: pd.Series, region: str, frozen: bool, lang: str) -> None:
    st.header(present.plain(present.title_of(row, lang)))
    left, middle, right = st.columns(3)
    # The number alone in the big type (with its unit it was cut off at 1024 px); the unit beneath it.
    left.metric(t("presentation_page.value", year=row["period"] if frozen else view.selection().year),
                widgets.shown(row["value"], row["suppressed"], row["privacy_threshold"]))
    left.markdown(present.plain(unit_of(row)))
    with middle:
        st.markdown(f"**{t('presentation_page.status')}**")
        widgets.status_badge(row["status"])  # its icon, colour and word: once (it was said twice)
    with right:
        st.markdown(f"**{t('presentation_page.target_label')}**")
        st.markdown(target_text(row))
        if isinstance(row.get("trend"), str):
            st.markdown(widgets.trend_text(row["trend"]))
    series = series_of(row, region, frozen)
    figure = go.Figure()
    figure.add_scatter(x=series["period"], y=series["value"], mode="lines+markers", name=widgets.wrapped(present.title_of(row, lang), 40),
                       line=dict(width=4), marker=dict(size=12))
    if pd.notna(row["target"]):
        figure.add_scatter(x=[str(int(row["target_year"]))], y=[row["target"]], mode="markers", name=t("kpi.target_band"),
                           marker=dict(symbol="diamond", size=18))
    # The legend above the plot: below it, it ran into the axis title.
    figure.update_layout(yaxis_title=widgets.wrapped(unit_of(row), 28), xaxis_title=t("kpi.period"),
                         legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), font=dict(size=20))
    threshold = row["privacy_threshold"]
    table = pd.DataFrame({
        t("kpi.period"): list(series["period"]) + ([str(int(row["target_year"]))] if pd.notna(row["target"]) else []),
        t("kpi.value"): [widgets.shown(v, s, threshold) for v, s in zip(series["value"], series["suppressed"])]
                        + ([f"{fmt(row['target'])} ({t('presentation_page.target_label').lower()})"]
                           if pd.notna(row["target"]) else []),
        t("kpi.unit"): unit_of(row),
    })
    widgets.chart_with_table(figure, table, key="pres_chart")
    notes = widgets.flag_notes(row)
    if notes:
        st.caption(" · ".join(f"⚑ {note}" for note in notes))


def theme_screen(theme: int, rows: pd.DataFrame, lang: str) -> None:
    st.header(present.theme_label(theme, lang))
    mine = rows[rows["theme"] == theme]
    st.markdown(present.counts_text(mine[mine["kind"] == "outcome"]["status"], lang))
    for kind in presentation.KINDS:
        part = mine[mine["kind"] == kind]
        if part.empty:
            continue
        st.subheader(t(f"kinds.{kind}"))
        st.markdown("\n".join(
            f"- {widgets.status_text(r['status'])} — **{present.plain(present.title_of(r, lang))}**: "
            f"{present.plain(shown_value(r))} · {target_text(r)}"
            for _, r in part.iterrows()))


def _move(step: int, count: int) -> None:
    state["dia"] = min(max(int(state.get("dia", 1)) + step, 1), count)


def draw() -> None:
    choice = view.selection()
    region = reads.region_story(choice.region)["region"]
    name = region["name"] if region else choice.region
    st.title(t("presentation_page.title", municipality=name))
    st.html(CSS)

    sessions = reads.sessions(choice.region) if view.actor().may(Permission.report, choice.region) else pd.DataFrame(columns=["id"])
    titles = {int(r.id): f"{r.title} ({present.date_text(r.reference_date)})" for r in sessions.itertuples()}
    options = [LIVE, *reversed(list(titles))]
    source_label = lambda i: t("presentation_page.live", year=choice.year) if i == LIVE else titles[i]  # noqa: E731
    view.from_url("sessie", options, LIVE, label=source_label)
    source = st.selectbox(t("presentation_page.source"), options, key="sessie", format_func=source_label)
    state.setdefault("pres_unit", "kpi")
    unit = st.segmented_control(t("presentation_page.unit"), ["kpi", "theme"], key="pres_unit", required=True,
                                format_func=view.labels(choice.lang, "presentation_page.units"))
    frozen = source != LIVE
    rows = reads.frozen(source) if frozen else presentation.live_rows(reads.overview(choice.region), reads.library().kpis)
    if frozen:
        st.caption(t("presentation_page.frozen_note", year=rows["period"].iloc[0] if len(rows) else "?"))
    deck = presentation.ordered(rows, choice.lang)
    screens = list(deck.index) if unit == "kpi" else presentation.theme_order(rows, Theme)
    if not screens:
        view.to_url("sessie")
        st.info(t("presentation_page.empty"))
        return
    # The screen is `dia` in the URL (1-based), so a link opens a given slide and each move is a
    # step in the browser's history. A new deck chosen here (another source, unit, municipality or
    # year) starts at its first screen; a slide that arrives in the URL (a link, Back/Forward) wins.
    marker = (source, unit, choice.region, choice.year)
    if state.get("pres_deck") not in (None, marker):
        state["dia"] = 1
    state["pres_deck"] = marker
    view.from_url("dia", list(range(1, len(screens) + 1)), 1, label=lambda n: t("links.slide_number", n=n))
    position = state["dia"] - 1
    view.to_url("sessie", "dia")  # one history entry for a change of source and its slide

    back, where, forward = st.columns([1, 1, 1], vertical_alignment="center")
    back.button(t("presentation_page.previous"), key="pres_previous", icon=":material/arrow_back:", shortcut="Left",
                disabled=position == 0, on_click=_move, args=(-1, len(screens)), width="stretch")
    where.markdown(f"**{position + 1} / {len(screens)}**", text_alignment="center")
    forward.button(t("presentation_page.next"), key="pres_next", icon=":material/arrow_forward:", icon_position="right",
                   shortcut="Right", disabled=position == len(screens) - 1, on_click=_move, args=(1, len(screens)),
                   type="primary", width="stretch")
    st.caption(t("presentation_page.keys"))

    with st.container(key="presentatie"):
        if unit == "kpi":
            kpi_screen(deck.loc[screens[position]], choice.region, frozen, choice.lang)
        else:
            theme_screen(screens[position], deck, choice.lang)

    with st.expander(t("presentation_page.agenda")):
        if unit == "kpi":
            agenda = pd.DataFrame({"#": range(1, len(deck) + 1),
                                   "KPI": [present.title_of(r, choice.lang) for _, r in deck.iterrows()],
                                   t("kpi.status_label"): [widgets.status_text(s) for s in deck["status"]],
                                   t("kpi.value"): [shown_value(r) for _, r in deck.iterrows()]})
        else:
            agenda = pd.DataFrame({"#": range(1, len(screens) + 1),
                                   t("pages.theme"): [present.theme_label(th, choice.lang) for th in screens]})
        st.dataframe(agenda, hide_index=True, key="pres_agenda")


view.guarded(draw)
