"""Vergelijken: one KPI on a map of all municipalities and as a ranking, and chosen municipalities
side by side on every KPI of a theme."""

from __future__ import annotations

import math
import textwrap

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from koers import present
from koers.dashboard import reads, view, widgets
from koers.dashboard.view import fmt, t
from koers.kpis import analysis
from metrics.model import Theme

EXAMPLE_MARK = "⚑"
NO_VALUE_GREY = "#BBBBBB"
MAX_CHOSEN = len(present.PALETTE)


def choropleth(kpi_id: str, names: dict[str, str], region_name: str) -> None:
    choice = view.selection()
    kpi = reads.library().kpis[kpi_id]
    division = reads.division(choice.year)
    geojson = division.geojson
    codes = analysis.feature_codes(geojson)
    values = analysis.map_values(reads.results(), kpi_id, choice.year, codes)
    missing = values[values["value"].isna()]
    threshold = kpi.privacy_threshold

    def no_value(suppressed: bool) -> str:
        if present.masked(suppressed, threshold):
            return f"{widgets.shown(None, True, threshold)} ({t('compare.suppressed')})"
        return t("compare.no_value")

    labels = [f"{names.get(c, c)} ({c})" for c in values["region_code"]]
    figure = go.Figure()
    # Municipalities without a value: grey, underneath (the value layer leaves them out).
    figure.add_choroplethmap(
        geojson=analysis.with_features(geojson, missing["region_code"].tolist()), featureidkey="properties.statcode",
        locations=missing["region_code"], z=[0] * len(missing),
        colorscale=[[0, NO_VALUE_GREY], [1, NO_VALUE_GREY]], showscale=False, name=t("compare.no_value"),
        marker=dict(line=dict(color="#FFFFFF", width=0.5)),
        hovertext=[f"{names.get(c, c)} ({c})<br>{no_value(hidden)}" for c, hidden in zip(missing["region_code"], missing["suppressed"])],
        hoverinfo="text")
    figure.add_choroplethmap(
        geojson=geojson, featureidkey="properties.statcode", locations=values["region_code"], z=values["value"],
        colorscale="Cividis", name=present.plain_html(getattr(kpi.title, choice.lang)), marker=dict(line=dict(color="#FFFFFF", width=0.5)),
        # An own KPI's title and unit are an advisor's text; Plotly would read tags in them.
        colorbar=dict(title=dict(text="<br>".join(present.plain_html(line) for line in textwrap.wrap(kpi.unit, 18)))),
        hovertext=[f"{label}<br>{fmt(v)} {present.plain_html(kpi.unit)}" + (f" {EXAMPLE_MARK}" if e else "")
                   for label, v, e in zip(labels, values["value"], values["example"])], hoverinfo="text")
    if choice.region in codes:
        figure.add_choroplethmap(
            geojson=analysis.with_features(geojson, [choice.region]), featureidkey="properties.statcode",
            locations=[choice.region], z=[1],
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False, name=region_name,
            marker=dict(line=dict(color="#000000", width=3)), hoverinfo="skip")
    figure.update_layout(map=dict(style="white-bg", center=dict(lat=52.15, lon=5.3), zoom=6.6), height=720,
                         separators=present.plotly_separators(choice.lang))
    table = pd.DataFrame({
        t("kpi.region"): [names.get(c, c) for c in values["region_code"]],
        "code": values["region_code"].tolist(),
        t("kpi.value"): [widgets.shown(v, hidden, threshold, provisional=f)
                         for v, hidden, f in zip(values["value"], values["suppressed"], values["provisional"])],
        t("kpi.unit"): kpi.unit,
        EXAMPLE_MARK: [t("flags.example") if e else "" for e in values["example"]],
    })
    # The grey layer of municipalities without a value is no data: a map of only grey says nothing.
    widgets.chart_with_table(figure, table, key="compare_map", data=bool(values["value"].notna().any()))
    notes = [t("compare.map_note", division=division.year, year=choice.year,
               municipality=region_name, missing=len(missing))]
    elsewhere = analysis.off_map(reads.results(), kpi_id, choice.year, codes)
    if elsewhere:
        notes.append(t("compare.off_map", count=len(elsewhere), names=", ".join(names.get(c, c) for c in elsewhere[:8])
                       + (" …" if len(elsewhere) > 8 else "")))
    if choice.region not in codes:
        notes.append(t("compare.selected_not_on_map", municipality=region_name))
    if values["suppressed"].any():
        notes.append(t("compare.suppressed_note", count=int(values["suppressed"].sum()), threshold=fmt(threshold)))
    if values["example"].any():
        notes.append(f"{EXAMPLE_MARK} {t('compare.example_note')}")
    st.caption(" ".join(notes))


def ranking_table(kpi_id: str, names: dict[str, str], region_name: str) -> None:
    choice = view.selection()
    kpi = reads.library().kpis[kpi_id]
    ranked = analysis.ranking(reads.results(), kpi_id, choice.year, kpi.polarity)
    st.markdown(t(f"compare.rank_meaning_{kpi.polarity}"))
    if ranked.empty:
        st.info(t("compare.no_values", year=choice.year))
        return
    mine = ranked[ranked["region_code"] == choice.region]
    count = int(ranked["rank"].notna().sum())
    if mine.empty:
        st.markdown(t("compare.selected_unranked", municipality=region_name, year=choice.year))
    elif mine["suppressed"].iloc[0]:
        st.markdown(t("compare.selected_suppressed", municipality=region_name, threshold=fmt(kpi.privacy_threshold)))
    else:
        st.markdown(t("compare.selected_rank", municipality=region_name, rank=int(mine["rank"].iloc[0]), count=count))
    st.dataframe(pd.DataFrame({
        t("compare.rank"): ranked["rank"],
        t("compare.municipality"): [names.get(c, c) for c in ranked["region_code"]],
        "code": ranked["region_code"].tolist(),
        t("kpi.value"): [widgets.shown(v, hidden, kpi.privacy_threshold, provisional=f)
                         for v, hidden, f in zip(ranked["value"], ranked["suppressed"], ranked["provisional"])],
        t("kpi.unit"): kpi.unit,
        t("compare.selected"): [t("compare.selected_marker") if c == choice.region else "" for c in ranked["region_code"]],
        EXAMPLE_MARK: [t("flags.example") if e else "" for e in ranked["example"]],
    }), hide_index=True, key="compare_ranking")


def side_by_side(names: dict[str, str]) -> None:
    choice = view.selection()
    kpis = reads.library().kpis
    overview = reads.overview(choice.region)
    peers = [c for c in (overview["peer_group"].iloc[0] if not overview.empty else "").split(",") if c]
    options = list(names)
    view.list_from_url("vergelijk", options, [choice.region] + peers[:3], MAX_CHOSEN)
    themes = [int(theme) for theme in Theme]
    view.from_url("vthema", themes, themes[0])
    left, right = st.columns([3, 1])
    chosen = left.multiselect(t("compare.choose_municipalities"), options, key="vergelijk", max_selections=MAX_CHOSEN, placeholder=t("app.choose_several"),
                              format_func=lambda c: f"{names.get(c, c)} ({c})")
    theme_labels = {n: present.theme_label(n, choice.lang) for n in themes}
    theme = right.selectbox(t("compare.choose_theme"), themes, key="vthema", format_func=theme_labels.__getitem__)
    view.list_to_url("vergelijk")
    view.to_url("vthema")
    if not chosen:
        st.info(t("compare.choose_some"))
        return
    kpi_ids = sorted((k for k, kpi in kpis.items() if int(kpi.theme) == theme),
                     key=lambda k: (present.KIND_ORDER.index(kpis[k].kind), getattr(kpis[k].title, choice.lang).casefold()))
    frame = analysis.side_by_side(reads.results(), kpi_ids, chosen, choice.year)
    cell = {(r.kpi_id, r.region_code): r for r in frame.itertuples()}

    def shown(kpi_id: str, code: str) -> str:
        row = cell[(kpi_id, code)]
        return (widgets.shown(row.value, row.suppressed, kpis[kpi_id].privacy_threshold, provisional=row.provisional)
                + (f" {EXAMPLE_MARK}" if row.example else ""))

    table = pd.DataFrame({"KPI": [getattr(kpis[k].title, choice.lang) for k in kpi_ids],
                          t("compare.col_kind"): [t(f"kinds.{kpis[k].kind}") for k in kpi_ids],
                          t("kpi.unit"): [kpis[k].unit for k in kpi_ids]})
    for code in chosen:
        table[f"{names.get(code, code)} ({code})"] = [shown(k, code) for k in kpi_ids]
    st.dataframe(table, hide_index=True, key="compare_side_by_side")
    if frame["suppressed"].any():
        st.caption(t("compare.suppressed_legend"))
    if frame["example"].any():
        st.caption(f"{EXAMPLE_MARK} {t('compare.example_note')}")

    # Small multiples: one bar chart per KPI (each in its own unit), a named bar per municipality.
    # Two a row: with three, the titles of neighbours ran into each other at 1024 px.
    columns = 2
    rows = math.ceil(len(kpi_ids) / columns)
    titles = [widgets.wrapped(f"{getattr(kpis[k].title, choice.lang)} ({kpis[k].unit})", 36) for k in kpi_ids]
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=titles, vertical_spacing=0.5 / rows,
                           horizontal_spacing=0.14)
    labels = [names.get(c, c) for c in chosen]
    if len(set(labels)) < len(labels):  # two chosen with one name (a dissolved namesake): add the codes
        labels = [f"{names.get(c, c)} ({c})" for c in chosen]
    colours = [present.PALETTE[number % len(present.PALETTE)] for number in range(len(chosen))]
    for index, kpi_id in enumerate(kpi_ids):
        values = frame[frame["kpi_id"] == kpi_id].set_index("region_code")["value"].reindex(chosen)
        figure.add_bar(y=labels, x=values.tolist(), orientation="h", marker_color=colours, showlegend=False,
                       name=present.plain_html(getattr(kpis[kpi_id].title, choice.lang)),
                       hovertext=[f"{label}<br>{fmt(v)} {present.plain_html(kpis[kpi_id].unit)}" for label, v in zip(labels, values)],
                       hoverinfo="text", row=index // columns + 1, col=index % columns + 1)
        if values.isna().all():  # an empty panel says so in words
            figure.add_annotation(text=t("compare.no_value"), showarrow=False, x=0.5, y=0.5, font=dict(size=12),
                                  xref=f"x{index + 1 if index else ''} domain", yref=f"y{index + 1 if index else ''} domain")
    figure.update_annotations(font_size=11)
    figure.update_yaxes(autorange="reversed", tickfont=dict(size=10))  # the first chosen on top, names on every chart
    figure.update_layout(height=(110 + 24 * len(chosen)) * rows + 60, separators=present.plotly_separators(choice.lang))
    long = pd.DataFrame({
        "KPI": [getattr(kpis[k].title, choice.lang) for k in frame["kpi_id"]],
        t("compare.municipality"): [names.get(c, c) for c in frame["region_code"]],
        t("kpi.value"): [shown(k, c) for k, c in zip(frame["kpi_id"], frame["region_code"])],
        t("kpi.unit"): [kpis[k].unit for k in frame["kpi_id"]],
    })
    widgets.chart_with_table(figure, long, key="compare_bars")


def draw() -> None:
    choice = view.selection()
    kpis = reads.library().kpis
    names = reads.municipality_names()
    region = reads.region_story(choice.region)["region"]
    region_name = region["name"] if region else choice.region
    st.title(t("compare.title", year=choice.year))

    # Without a choice: the first KPI with municipal figures in the selected year (a map of
    # nothing is no start: the WOZ value, first in the library, has no 2024 figures yet).
    kpi_id = view.kpi_choice("vkpi", t("compare.choose_kpi"), kpis, default=reads.first_kpi_with_figures(choice.year))
    kpi = kpis[kpi_id]
    st.caption(f"{present.plain(kpi.unit)} · {t('kpi.polarity.' + kpi.polarity)} · {t('themes.' + str(int(kpi.theme)))}")

    st.header(t("compare.map", kpi=present.plain(getattr(kpi.title, choice.lang)), year=choice.year))
    choropleth(kpi_id, names, region_name)

    st.header(t("compare.ranking"))
    ranking_table(kpi_id, names, region_name)

    st.header(t("compare.side_by_side", year=choice.year))
    side_by_side(names)


view.guarded(draw)
