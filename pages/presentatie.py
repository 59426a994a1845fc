"""Presentatie: the council review mode — large type, one KPI or one theme per screen, off-track
first, previous/next with the arrow keys.

With a review session chosen, every figure comes from its frozen snapshot (what the council was
shown then); without one, from the live overview of the selected year. Status is a symbol and a
word (never a colour alone); a suppressed value is "< n".
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from koers.loop import review
from koers.dashboard import ui, ui_loop
from koers.access import Permission
from koers.loop.review import STATUS_ORDER
from koers.dashboard.ui import fmt, t
from metrics.model import Theme

KINDS = ("outcome", "output")  # what a council steers on; context and input figures stay on the KPI page
KIND_ORDER = {"outcome": 0, "output": 1}
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
.st-key-presentatie [data-testid="stBadge"] { font-size: 1.6rem !important; }
</style>"""


def live_rows(region: str) -> pd.DataFrame:
    """The live overview in the snapshot's shape (the columns a screen reads)."""
    kpis = ui.library().kpis
    frame = ui.overview(region).copy()
    frame["title_nl"] = [kpis[k].title.nl for k in frame["kpi_id"]]
    frame["title_en"] = [kpis[k].title.en for k in frame["kpi_id"]]
    frame["privacy_threshold"] = [int(kpis[k].privacy_threshold) for k in frame["kpi_id"]]
    return frame


def ordered(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Off-track first, then at risk, on track, without target, without data; outcomes before outputs."""
    rows = rows[rows["kind"].isin(KINDS)]
    title = rows["title_en"] if lang == "en" else rows["title_nl"]
    return (rows.assign(_status=rows["status"].map(STATUS_ORDER).fillna(9), _kind=rows["kind"].map(KIND_ORDER), _title=title)
            .sort_values(["_status", "_kind", "theme", "_title"]).drop(columns=["_status", "_kind", "_title"])
            .reset_index(drop=True))


def theme_order(rows: pd.DataFrame) -> list[int]:
    """Themes with the most off-track (then at-risk) outcomes first."""
    outcomes = rows[rows["kind"] == "outcome"]
    score = {int(th): (-(outcomes[(outcomes["theme"] == int(th))]["status"] == "off_track").sum(),
                       -(outcomes[(outcomes["theme"] == int(th))]["status"] == "at_risk").sum(), int(th)) for th in Theme}
    return sorted(score, key=score.__getitem__)


def title_of(row: pd.Series, lang: str) -> str:
    return row["title_en"] if lang == "en" else row["title_nl"]


def threshold_of(row: pd.Series) -> int:
    return 0 if pd.isna(row["privacy_threshold"]) else int(row["privacy_threshold"])


def shown_value(row: pd.Series) -> str:
    return ui_loop.value_text(row["value"], bool(row["suppressed"]), threshold_of(row), row["unit"])


def target_text(row: pd.Series) -> str:
    if pd.isna(row["target"]):
        return t("presentation_page.no_target")
    return t("presentation_page.target", target=fmt(row["target"]), unit=row["unit"], year=int(row["target_year"]))


def series_of(row: pd.Series, region: str, frozen: bool) -> pd.DataFrame:
    """period, value, suppressed: the frozen series of the snapshot, or the live one."""
    if frozen:
        return review.series_of(row)
    live = ui.series(region).get(row["kpi_id"])
    if live is None:
        return pd.DataFrame(columns=["period", "value", "suppressed"])
    return live[["period", "value", "suppressed"]].assign(value=live["value"].where(~live["suppressed"].astype(bool)))


def kpi_screen(row: pd.Series, region: str, frozen: bool, lang: str) -> None:
    st.header(title_of(row, lang))
    left, middle, right = st.columns(3)
    left.metric(t("presentation_page.value", year=row["period"] if frozen else ui.selection().year), shown_value(row))
    with middle:
        st.markdown(f"**{t('presentation_page.status')}**")
        ui.status_badge(row["status"])
        st.markdown(f"**{ui_loop.status_text(row['status'])}**")
    with right:
        st.markdown(f"**{t('presentation_page.target_label')}**")
        st.markdown(target_text(row))
        if isinstance(row.get("trend"), str):
            st.markdown(f"{ui.TREND_ICON[row['trend']]} {t('trend.' + row['trend'])}")
    series = series_of(row, region, frozen)
    figure = go.Figure()
    figure.add_scatter(x=series["period"], y=series["value"], mode="lines+markers", name=title_of(row, lang),
                       line=dict(width=4), marker=dict(size=12))
    if pd.notna(row["target"]):
        figure.add_scatter(x=[str(int(row["target_year"]))], y=[row["target"]], mode="markers", name=t("kpi.target_band"),
                           marker=dict(symbol="diamond", size=18))
    figure.update_layout(yaxis_title=row["unit"], xaxis_title=t("kpi.period"), legend=dict(orientation="h"), font=dict(size=20))
    threshold = threshold_of(row)
    table = pd.DataFrame({
        t("kpi.period"): list(series["period"]) + ([str(int(row["target_year"]))] if pd.notna(row["target"]) else []),
        t("kpi.value"): [ui_loop.value_text(v, bool(s), threshold) for v, s in zip(series["value"], series["suppressed"])]
                        + ([f"{fmt(row['target'])} ({t('presentation_page.target_label').lower()})"]
                           if pd.notna(row["target"]) else []),
        t("kpi.unit"): row["unit"],
    })
    ui.chart_with_table(figure, table, key="pres_chart")
    notes = ui.flag_notes(row)
    if notes:
        st.caption(" · ".join(f"⚑ {note}" for note in notes))


def theme_screen(theme: int, rows: pd.DataFrame, lang: str) -> None:
    st.header(f"{theme}. {t(f'themes.{theme}')}")
    mine = rows[rows["theme"] == theme]
    counts = mine[mine["kind"] == "outcome"]["status"].value_counts()
    st.markdown(t("overview.counts", **{s: int(counts.get(s, 0)) for s in ("on_track", "at_risk", "off_track", "no_target")}))
    for kind in KINDS:
        part = mine[mine["kind"] == kind]
        if part.empty:
            continue
        st.subheader(t(f"kinds.{kind}"))
        st.markdown("\n".join(
            f"- {ui_loop.status_text(r['status'])} — **{title_of(r, lang)}**: {shown_value(r)} · {target_text(r)}"
            for _, r in part.iterrows()))


def _move(step: int, count: int) -> None:
    state["pres_pos"] = min(max(int(state.get("pres_pos", 0)) + step, 0), count - 1)


def draw() -> None:
    choice = ui.selection()
    region = ui.region_story(choice.region)["region"]
    name = region["name"] if region else choice.region
    st.title(t("presentation_page.title", municipality=name))
    st.html(CSS)

    sessions = ui_loop.sessions(choice.region) if ui.actor().may(Permission.report) else pd.DataFrame(columns=["id"])
    titles = {int(r.id): f"{r.title} ({pd.Timestamp(r.reference_date).strftime('%d-%m-%Y')})" for r in sessions.itertuples()}
    options = [LIVE, *reversed(list(titles))]
    ui.from_url("sessie", options, LIVE)
    source = st.selectbox(t("presentation_page.source"), options, key="sessie",
                          format_func=lambda i: t("presentation_page.live", year=choice.year) if i == LIVE else titles[i])
    ui.to_url("sessie")
    state.setdefault("pres_unit", "kpi")
    unit = st.segmented_control(t("presentation_page.unit"), ["kpi", "theme"], key="pres_unit", required=True,
                                format_func=ui.labels(choice.lang, "presentation_page.units"))
    frozen = source != LIVE
    rows = ui_loop.frozen(source) if frozen else live_rows(choice.region)
    if frozen:
        st.caption(t("presentation_page.frozen_note", year=rows["period"].iloc[0] if len(rows) else "?"))
    deck = ordered(rows, choice.lang)
    screens = list(deck.index) if unit == "kpi" else theme_order(rows)
    if not screens:
        st.info(t("presentation_page.empty"))
        return
    # A new deck (another source, unit, municipality or year) starts at its first screen.
    marker = (source, unit, choice.region, choice.year)
    if state.get("pres_deck") != marker:
        state["pres_deck"], state["pres_pos"] = marker, 0
    position = min(max(int(state.get("pres_pos", 0)), 0), len(screens) - 1)

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
            agenda = pd.DataFrame({"#": range(1, len(deck) + 1), "KPI": [title_of(r, choice.lang) for _, r in deck.iterrows()],
                                   t("kpi.status_label"): [ui_loop.status_text(s) for s in deck["status"]],
                                   t("kpi.value"): [shown_value(r) for _, r in deck.iterrows()]})
        else:
            agenda = pd.DataFrame({"#": range(1, len(screens) + 1),
                                   t("pages.theme"): [f"{th}. {t(f'themes.{th}')}" for th in screens]})
        st.dataframe(agenda, hide_index=True, key="pres_agenda")


ui.guarded(draw)
